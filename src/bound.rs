//! Bounds on what an event derives from its payload, so that no output grows with what a
//! caller sends: a 60 KB event type would otherwise be repeated in the CloudEvent's `type`,
//! `id`, `data.event_type` and summary. Sizes are counted as JSON writes them (a control
//! character is six bytes), so each bound holds in every output.
//!
//! Identifiers (the type, the id, the account, the subject's id) must stay unique where they
//! are compared (dedup keys the CloudEvent `source` and `id`): a long one is cut and ends with
//! a digest of all of it. Texts (names, indicators, the summary) are cut and end with `…`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::indicators::Indicators;
use crate::json::{self, escape_extra};

/// The longest identifier kept whole, in bytes as written; no documented one comes near.
pub const MAX_IDENTIFIER: usize = 128;

/// The longest name or indicator, in bytes as written.
pub const MAX_TEXT: usize = 128;

/// The longest summary, in bytes as written.
pub const MAX_SUMMARY: usize = 512;

/// How many labels a list of them keeps (behaviors, false positives).
pub const MAX_LABELS: usize = 16;

const ELLIPSIS: &str = "…";

/// `text`, or, when longer than [`MAX_IDENTIFIER`], its start, `…` and the first 128 bits of
/// its BLAKE3 digest in hex: two long identifiers stay apart.
pub fn identifier(text: Cow<'_, str>) -> Cow<'_, str> {
    if written(&text) <= MAX_IDENTIFIER {
        return text;
    }
    let mut out = String::from(prefix(&text, MAX_IDENTIFIER / 2));
    out.push_str(ELLIPSIS);
    out.push_str(&base16ct::lower::encode_string(
        &blake3::hash(text.as_bytes()).as_bytes()[..16],
    ));
    Cow::Owned(out)
}

/// `text` cut to `max` bytes as written, ending with `…` when cut.
pub fn cut(text: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    if written(&text) <= max {
        return text;
    }
    let mut out = String::from(prefix(&text, max - ELLIPSIS.len()));
    out.push_str(ELLIPSIS);
    Cow::Owned(out)
}

/// Every text of `indicators` cut to [`MAX_TEXT`], its lists to [`MAX_LABELS`] labels.
pub fn indicators(indicators: &mut Indicators<'_>) {
    let i = indicators;
    for text in [
        &mut i.source_value,
        &mut i.source_scope,
        &mut i.source_ip,
        &mut i.country,
        &mut i.city,
        &mut i.as_name,
        &mut i.rdns,
        &mut i.scenario,
        &mut i.attack,
        &mut i.target_ip,
        &mut i.file_path,
        &mut i.address,
        &mut i.last_seen,
        &mut i.previous_state,
        &mut i.current_state,
    ] {
        *text = text.take().map(|t| cut(t, MAX_TEXT));
    }
    labels(&mut i.behaviors);
    labels(&mut i.false_positives);
}

fn labels(list: &mut Vec<Cow<'_, str>>) {
    list.truncate(MAX_LABELS);
    for label in list.iter_mut() {
        *label = cut(core::mem::take(label), MAX_TEXT);
    }
}

/// The longest start of `text` that takes at most `max` bytes as written.
fn prefix(text: &str, max: usize) -> &str {
    let mut width = 0;
    for (at, c) in text.char_indices() {
        width += char_written(c);
        if width > max {
            return &text[..at];
        }
    }
    text
}

/// How many bytes JSON takes for `text`, quotes aside. Every event's texts pass here, so the
/// bytes are first only asked, eight at a time, whether any is escaped at all.
fn written(text: &str) -> usize {
    if !json::needs_escaping(text.as_bytes()) {
        return text.len();
    }
    text.len() + text.bytes().map(escape_extra).sum::<usize>()
}

fn char_written(c: char) -> usize {
    c.len_utf8() + u8::try_from(c).map_or(0, escape_extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_stay_whole() {
        assert!(matches!(
            identifier(Cow::Borrowed("abc")),
            Cow::Borrowed("abc")
        ));
        assert!(matches!(cut(Cow::Borrowed("abc"), 3), Cow::Borrowed("abc")));
    }

    #[test]
    fn long_texts_are_cut_as_written() {
        let cut_text = cut(Cow::Owned("\u{1}".repeat(100)), MAX_TEXT);
        assert!(written(&cut_text) <= MAX_TEXT, "{}", written(&cut_text));
        assert!(cut_text.ends_with(ELLIPSIS));
        let cut_text = cut(Cow::Owned("é".repeat(100)), 11);
        assert_eq!(cut_text, "éééé…");
    }

    proptest::proptest! {
        #[test]
        fn counts_what_serde_json_writes(text in "\\PC*|[\\x00-\\x7f]*", c in proptest::char::any()) {
            let json = |text: &str| serde_json::to_string(text).unwrap().len() - 2;
            proptest::prop_assert_eq!(written(&text), json(&text));
            proptest::prop_assert_eq!(char_written(c), json(c.encode_utf8(&mut [0; 4])));
        }
    }

    #[test]
    fn long_identifiers_are_cut_and_stay_apart() {
        let a = identifier(Cow::Owned(alloc::format!("{}a", "x".repeat(60_000))));
        let b = identifier(Cow::Owned(alloc::format!("{}b", "x".repeat(60_000))));
        assert_ne!(a, b);
        assert!(written(&a) <= MAX_IDENTIFIER, "{}", a.len());
        assert!(a.starts_with("xxxx") && a.contains(ELLIPSIS));
    }
}
