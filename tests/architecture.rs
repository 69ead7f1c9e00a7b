//! Every crate's house has no import circles: its files form layers, each using only files below
//! it, so each can be read, tested and replaced on its own.
//!
//! The graph is read from the files themselves, file to file: a path (`crate::a::b::Item`,
//! `super::x`, a child module's `x::y`, in `use` trees of any depth or in code) points at the
//! file that defines its item, seen through any `pub use` on the way, so that a module's face
//! (`policy/mod.rs` re-exporting `auth::Alternative`) ties nobody to itself. Comments, strings and
//! `#[cfg(test)]` modules are not read. A file's use of the module it lives in (`super::Kind`
//! in `providers/crowdsec.rs`) is not an arrow: the folder is its house, as farm-studio draws
//! it; its use of a sibling or of anything else is.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The crates whose code is checked, by their source folder.
const CRATES: [&str; 4] = ["src", "envoy/src", "worker/src", "cli/src"];

#[test]
fn no_crate_has_an_import_circle() {
    let mut circles = Vec::new();
    for root in CRATES {
        let house = House::read(Path::new(root));
        assert!(
            house.files.len() > 3,
            "read only {:?} in {root}",
            house.files.keys()
        );
        circles.extend(house.graph().circles().into_iter().map(|c| c.join(" → ")));
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// A module path from the crate root: `["policy", "auth"]`.
type ModulePath = Vec<String>;

/// One crate: each file's module path and what it says.
struct House {
    files: BTreeMap<ModulePath, Source>,
}

/// What one file declares and uses.
struct Source {
    path: PathBuf,
    /// Items it defines (functions, types, constants, macros).
    defines: BTreeSet<String>,
    /// Names it re-exports (`pub use a::b as c;` gives `c` → `[a, b]`), relative paths resolved.
    reexports: BTreeMap<String, ModulePath>,
    /// Every path it names, absolute from the crate root.
    uses: Vec<ModulePath>,
}

impl House {
    fn read(root: &Path) -> Self {
        let mut files = BTreeMap::new();
        for path in rust_files(root) {
            let module = module_path(root, &path);
            let text = code_only(&fs::read_to_string(&path).unwrap());
            files.insert(module.clone(), Source::read(path, &module, &text));
        }
        Self { files }
    }

    /// File → the files it takes items from.
    fn graph(&self) -> Graph {
        let mut graph = Graph::new();
        for (module, source) in &self.files {
            let edges = graph.entry(name(&source.path)).or_default();
            for path in &source.uses {
                if let Some(target) = self.resolve(path, 0) {
                    if !module.starts_with(&target) {
                        edges.insert(name(&self.files[&target].path));
                    }
                }
            }
        }
        graph
    }

    /// The file defining what `path` names: its longest prefix that is a file, then through that
    /// file's re-exports. `None` for what no file of the crate defines (std, other crates).
    fn resolve(&self, path: &[String], depth: usize) -> Option<ModulePath> {
        if depth > 16 {
            return None;
        }
        let split = (1..=path.len())
            .rev()
            .find(|&n| self.files.contains_key(&path[..n]))
            .or_else(|| path.is_empty().then_some(0))?;
        let module = path[..split].to_vec();
        let Some(item) = path.get(split) else {
            return Some(module);
        };
        let source = self.files.get(&module)?;
        match source.reexports.get(item) {
            Some(target) if !source.defines.contains(item) => {
                let mut next = target.clone();
                next.extend_from_slice(&path[split + 1..]);
                self.resolve(&next, depth + 1).or(Some(module))
            }
            _ => Some(module),
        }
    }
}

impl Source {
    fn read(path: PathBuf, module: &ModulePath, text: &str) -> Self {
        let mut source = Self {
            path,
            defines: definitions(text),
            reexports: BTreeMap::new(),
            uses: Vec::new(),
        };
        source.read_module(module, text);
        source
    }

    /// Reads one module's text, and each inline module in it as the module it is (its
    /// `super::` is this one).
    fn read_module(&mut self, module: &ModulePath, text: &str) {
        let (text, inline) = inline_modules(text);
        for (name, inner) in inline {
            let mut inner_module = module.clone();
            inner_module.push(name);
            self.read_module(&inner_module, &inner);
        }
        let text = text.as_str();
        let children = declared_modules(text);
        let (uses, reexports) = (&mut self.uses, &mut self.reexports);
        for (public, tree) in use_trees(text) {
            for (leaf, alias) in expand(&tree) {
                let Some(absolute) = absolute(module, &children, &leaf) else {
                    continue;
                };
                if public {
                    reexports.insert(alias, absolute.clone());
                } else {
                    uses.push(absolute);
                }
            }
        }
        for leaf in code_paths(&without_use_items(text)) {
            uses.extend(absolute(module, &children, &leaf));
        }
    }
}

/// A path as written, made absolute: `crate::`, `super::`, `self::`, or a child module's name.
/// Anything else (`core::`, `serde::`, `hookwall::`) is another crate's.
fn absolute(
    module: &ModulePath,
    children: &BTreeSet<String>,
    leaf: &[String],
) -> Option<ModulePath> {
    let (first, rest) = leaf.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        child if children.contains(child) => {
            let mut base = module.clone();
            base.push(child.to_owned());
            base.extend_from_slice(rest);
            return Some(base);
        }
        _ => return None,
    };
    let mut rest = rest;
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

/// `use` items: whether each is `pub` (a re-export), and its tree's text.
fn use_trees(text: &str) -> Vec<(bool, String)> {
    let mut trees = Vec::new();
    let mut at = 0;
    while let Some(found) = find_word(&text[at..], "use") {
        let start = at + found;
        let end = start + text[start..].find(';').unwrap_or(text.len() - start);
        let before = text[..start].trim_end();
        let public = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        trees.push((public, text[start + 3..end].trim().to_owned()));
        at = end;
    }
    trees
}

/// The text without its `use` items, for reading the paths written in code.
fn without_use_items(text: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    while let Some(found) = find_word(&text[at..], "use") {
        let start = at + found;
        out.push_str(&text[at..start]);
        at = start
            + text[start..]
                .find(';')
                .map_or(text.len() - start, |e| e + 1);
    }
    out.push_str(&text[at..]);
    out
}

/// The leaves of a use tree with their local names: `a::{b, c::{d as e}}` gives
/// `([a, b], b)` and `([a, c, d], e)`. A glob's leaf is its module.
fn expand(tree: &str) -> Vec<(Vec<String>, String)> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut leaves = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut leaves);
    leaves
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, leaves: &mut Vec<(Vec<String>, String)>) {
    let (path, group) = match tree.find('{') {
        Some(open) => (
            &tree[..open],
            Some(&tree[open + 1..tree.rfind('}').unwrap_or(tree.len())]),
        ),
        None => (tree, None),
    };
    let depth = prefix.len();
    let (path, alias) = match path.split_once(ALIAS) {
        Some((path, alias)) if group.is_none() => (path, Some(alias)),
        _ => (path, None),
    };
    prefix.extend(
        path.split("::")
            .filter(|s| !s.is_empty() && *s != "*")
            .map(str::to_owned),
    );
    if let Some(group) = group {
        for part in split_top_level(group) {
            expand_into(part, prefix, leaves);
        }
    } else {
        let local = alias
            .map(str::to_owned)
            .or_else(|| prefix.last().cloned())
            .unwrap_or_default();
        let local = if local == "self" {
            prefix[prefix.len().saturating_sub(2)].clone()
        } else {
            local
        };
        leaves.push((prefix.clone(), local));
    }
    prefix.truncate(depth);
}

/// How `code_only` marks the `as` of a use tree, which `expand` would lose with the spaces.
const ALIAS: &str = "\u{0}as\u{0}";

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top_level(group: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Paths written in code: `crate::a::b`, `super::x`, `self::y`, `child::z`.
fn code_paths(text: &str) -> Vec<Vec<String>> {
    let bytes = text.as_bytes();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b':';
        if starts_word && is_ident(bytes[i]) {
            let (path, end) = read_path(text, i);
            if path.len() > 1 {
                paths.push(path);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    paths
}

fn read_path(text: &str, start: usize) -> (Vec<String>, usize) {
    let bytes = text.as_bytes();
    let (mut path, mut i) = (Vec::new(), start);
    loop {
        let from = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        path.push(text[from..i].to_owned());
        if text[i..].starts_with("::") && bytes.get(i + 2).copied().is_some_and(is_ident) {
            i += 2;
        } else {
            return (path, i);
        }
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `mod x;` declarations and inline `mod x { … }`: the module's children.
fn declared_modules(text: &str) -> BTreeSet<String> {
    words_after(text, "mod").collect()
}

/// The text with each inline `mod x { … }` replaced by `mod x;`, and those modules' bodies.
fn inline_modules(text: &str) -> (String, Vec<(String, String)>) {
    let (mut outer, mut inline, mut at) = (String::new(), Vec::new(), 0);
    while let Some(found) = find_word(&text[at..], "mod") {
        let start = at + found + "mod".len();
        let rest = &text[start..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|&c| is_ident_char(c))
            .collect();
        let after_name = rest.trim_start()[name.len()..].trim_start();
        if name.is_empty() || !after_name.starts_with('{') {
            outer.push_str(&text[at..start]);
            at = start;
            continue;
        }
        let open = text.len() - after_name.len();
        let close = matching_brace(text, open);
        outer.push_str(&text[at..start]);
        outer.push(' ');
        outer.push_str(&name);
        outer.push(';');
        inline.push((name, text[open + 1..close].to_owned()));
        at = (close + 1).min(text.len());
    }
    outer.push_str(&text[at..]);
    (outer, inline)
}

/// The index of the `}` closing the `{` at `open` (or the end of the text).
fn matching_brace(text: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The items a file defines itself.
fn definitions(text: &str) -> BTreeSet<String> {
    [
        "fn",
        "mod",
        "struct",
        "enum",
        "trait",
        "type",
        "const",
        "static",
        "union",
        "macro_rules!",
    ]
    .iter()
    .flat_map(|keyword| words_after(text, keyword))
    .collect()
}

fn words_after<'t>(text: &'t str, keyword: &'t str) -> impl Iterator<Item = String> + 't {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let found = at + find_word(&text[at..], keyword)?;
        at = found + keyword.len();
        let name: String = text[at..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    })
}

/// Where `word` stands alone in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = i == 0 || !is_ident(bytes[i - 1]);
        let after = bytes
            .get(i + word.len())
            .is_none_or(|&b| !is_ident(b) || word.ends_with('!'));
        before && after
    })
}

/// The code without comments, string and char literals, and anything from `#[cfg(test)]` on
/// (test modules close each file). Kept: `as` in use trees, marked so `expand` can see it.
fn code_only(text: &str) -> String {
    let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            '\'' if chars.clone().nth(1) == Some('\'') || chars.peek() == Some(&'\\') => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '\'' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("' '");
            }
            _ => out.push(c),
        }
    }
    out.replace(" as ", ALIAS)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `src/policy/auth.rs` → `[policy, auth]`; `lib.rs`, `main.rs` and `mod.rs` name their folder.
fn module_path(root: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: ModulePath = relative
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main")
        || parts.last().is_some_and(|p| p == "mod")
    {
        parts.pop();
    }
    parts
}

fn name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// File → the files it uses.
#[derive(Default)]
struct Graph(BTreeMap<String, BTreeSet<String>>);

impl Graph {
    fn new() -> Self {
        Self::default()
    }

    fn entry(
        &mut self,
        file: String,
    ) -> std::collections::btree_map::Entry<'_, String, BTreeSet<String>> {
        self.0.entry(file)
    }

    /// One circle through each file that is on one, each circle named once.
    fn circles(&self) -> Vec<Vec<String>> {
        let mut seen = BTreeSet::new();
        self.0
            .keys()
            .filter_map(|start| self.circle_from(start, &mut vec![start.clone()]))
            .filter(|circle| seen.insert(circle[1..].iter().cloned().collect::<BTreeSet<_>>()))
            .collect()
    }

    fn circle_from(&self, node: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
        for next in self.0.get(node).into_iter().flatten() {
            if next == &path[0] {
                let mut circle = path.clone();
                circle.push(next.clone());
                return Some(circle);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(circle) = self.circle_from(next, path) {
                    return Some(circle);
                }
                path.pop();
            }
        }
        None
    }
}

#[test]
fn the_checker_sees_a_circle() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        graph.entry(from.into()).or_default().insert(to.into());
    }
    assert_eq!(graph.circles(), [["a", "b", "c", "a"]]);
}

#[test]
fn use_trees_open_at_any_depth() {
    let text = code_only(
        "use crate::{input, error::{Error, Kind as K}, a::b::{self}};\n// crate::comment::X\n",
    );
    let leaves: Vec<_> = use_trees(&text)
        .into_iter()
        .flat_map(|(_, t)| expand(&t))
        .collect();
    let paths: Vec<String> = leaves
        .iter()
        .map(|(p, alias)| format!("{}={alias}", p.join("::")))
        .collect();
    assert_eq!(
        paths,
        [
            "crate::input=input",
            "crate::error::Error=Error",
            "crate::error::Kind=K",
            "crate::a::b::self=b"
        ]
    );
}

#[test]
fn the_checker_reads_this_workspace_as_it_is() {
    let house = House::read(Path::new("src"));
    let graph = house.graph();
    let uses = |file: &str| graph.0.get(file).cloned().unwrap_or_default();
    // A re-export is seen through: auth's `Head` is head.rs's, not policy/mod.rs's.
    assert!(uses("src/policy/auth.rs").contains("src/policy/head.rs"));
    assert!(!uses("src/policy/auth.rs").contains("src/policy/mod.rs"));
    // A path written in code counts, and so does a root re-export (`crate::Error`).
    assert!(uses("src/lib.rs").contains("src/input.rs"));
    assert!(
        !uses("src/policy/config.rs").contains("src/policy/auth.rs")
            || !uses("src/policy/auth.rs").contains("src/policy/config.rs")
    );
}
