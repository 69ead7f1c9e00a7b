//! The core's house has no import cycles: its top-level modules form layers, each using only
//! those below it, so each can be read, tested and replaced on its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Top-level module → the top-level modules its code names through `crate::`.
type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn the_core_has_no_import_cycles() {
    let graph = graph();
    assert!(graph.len() > 10, "read only {graph:?}");
    for start in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, start, &mut vec![start.clone()]) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

fn graph() -> Graph {
    let lib = fs::read_to_string("src/lib.rs").unwrap();
    let reexports = reexports(&lib);
    let mut graph = Graph::new();
    for entry in fs::read_dir("src").unwrap() {
        let path = entry.unwrap().path();
        let Some(module) = module_name(&path) else {
            continue;
        };
        let uses = graph.entry(module.clone()).or_default();
        for text in sources(&path) {
            for name in crate_paths(&text) {
                let target = reexports.get(&name).cloned().unwrap_or(name);
                if target != module && target != "lib" {
                    uses.insert(target);
                }
            }
        }
    }
    graph
}

/// `src/x.rs` and `src/x/` are module `x`; `lib.rs` and the CLI are not modules of the core.
fn module_name(path: &Path) -> Option<String> {
    let name = path.file_stem()?.to_str()?;
    (name != "lib" && name != "bin").then(|| name.to_owned())
}

fn sources(path: &Path) -> Vec<String> {
    if path.is_dir() {
        fs::read_dir(path)
            .unwrap()
            .flat_map(|e| sources(&e.unwrap().path()))
            .collect()
    } else {
        vec![fs::read_to_string(path).unwrap()]
    }
}

/// The first segment of every `crate::` path, with `use crate::{a, b::c}` groups opened.
fn crate_paths(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(group.split(',').filter_map(first_segment));
        } else {
            names.extend(first_segment(rest));
        }
    }
    names
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// What `lib.rs` re-exports at the crate root (`pub use error::{Error, ErrorKind};`), and the
/// items it defines itself, so that `crate::Error` counts as a use of `error`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in lib.lines() {
        if let Some(rest) = line.strip_prefix("pub use ") {
            let (module, items) = rest.split_once("::").unwrap();
            let items = items
                .trim_end_matches(';')
                .trim_matches(|c| c == '{' || c == '}');
            for item in items.split(',') {
                map.insert(item.trim().to_owned(), module.to_owned());
            }
        }
        for keyword in ["pub fn ", "pub const ", "pub struct "] {
            if let Some(name) = line.strip_prefix(keyword).and_then(first_segment) {
                map.insert(name, "lib".to_owned());
            }
        }
    }
    map
}

fn cycle_from(graph: &Graph, node: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    for next in graph.get(node).into_iter().flatten() {
        if next == &path[0] {
            let mut cycle = path.clone();
            cycle.push(next.clone());
            return Some(cycle);
        }
        if !path.contains(next) {
            path.push(next.clone());
            if let Some(cycle) = cycle_from(graph, next, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".into()].into());
    graph.insert("b".into(), ["c".into()].into());
    graph.insert("c".into(), ["a".into()].into());
    let cycle = cycle_from(&graph, "a", &mut vec!["a".into()]).unwrap();
    assert_eq!(cycle, ["a", "b", "c", "a"]);
    assert_eq!(
        crate_paths("use crate::{input, error::Error};\nlet x = crate::tree::Tree;"),
        ["input", "error", "tree"]
    );
}
