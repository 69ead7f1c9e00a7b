//! What redaction records of where it happened, bounded: a payload of many small secrets, long
//! keys or a wildcard path must not make the event's list larger than a few kilobytes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// How many paths are listed; the rest are counted in a final `…and N more`.
pub const MAX_PATHS: usize = 32;

/// How long a listed path may be, in bytes; a longer one is cut at a character boundary and
/// ends with `…`.
pub const MAX_PATH_BYTES: usize = 128;

/// The listed paths, and how many more there are: written as a last `…and N more` entry only
/// at the end, as a body may hold thousands of redacted values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    listed: Vec<String>,
    more: usize,
}

/// A point in the record to fold back to.
#[derive(Clone, Copy)]
pub(crate) struct Mark {
    listed: usize,
    more: usize,
}

impl Record {
    pub(crate) fn push(&mut self, path: &str) {
        if self.more == 0 && self.listed.len() < MAX_PATHS {
            self.listed.push(shortened(path));
            return;
        }
        self.more += 1;
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            listed: self.listed.len(),
            more: self.more,
        }
    }

    /// Replaces what was recorded since `mark` with `path`: one entry for a container whose
    /// every value was redacted.
    pub(crate) fn fold(&mut self, mark: Mark, path: &str) {
        self.listed.truncate(mark.listed);
        self.more = mark.more;
        self.push(path);
    }

    pub(crate) fn into_paths(mut self) -> Vec<String> {
        if self.more > 0 {
            self.listed.push(format!("…and {} more", self.more));
        }
        self.listed
    }
}

/// `path`, cut to [`MAX_PATH_BYTES`] with a closing `…` when longer.
fn shortened(path: &str) -> String {
    const ELLIPSIS: &str = "…";
    if path.len() <= MAX_PATH_BYTES {
        return String::from(path);
    }
    let mut end = MAX_PATH_BYTES - ELLIPSIS.len();
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(MAX_PATH_BYTES);
    out.push_str(&path[..end]);
    out.push_str(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_a_bounded_number_of_paths_then_counts() {
        let mut record = Record::default();
        for i in 0..MAX_PATHS + 5 {
            record.push(&format!("body.a[{i}]"));
        }
        let paths = record.into_paths();
        assert_eq!(paths.len(), MAX_PATHS + 1);
        assert_eq!(paths[MAX_PATHS - 1], format!("body.a[{}]", MAX_PATHS - 1));
        assert_eq!(paths[MAX_PATHS], "…and 5 more");
    }

    #[test]
    fn folds_a_container_into_one_entry() {
        let mut record = Record::default();
        record.push("body.x");
        let mark = record.mark();
        for i in 0..MAX_PATHS * 3 {
            record.push(&format!("body.a[{i}]"));
        }
        record.fold(mark, "body.a");
        assert_eq!(record.into_paths(), ["body.x", "body.a"]);

        let mut full = Record::default();
        for _ in 0..MAX_PATHS + 2 {
            full.push("p");
        }
        let mark = full.mark();
        full.push("q");
        full.push("r");
        full.fold(mark, "s");
        let paths = full.into_paths();
        assert_eq!(paths.last().map(String::as_str), Some("…and 3 more"));
    }

    #[test]
    fn cuts_long_paths_at_a_character_boundary() {
        let long = format!("body.{}", "é".repeat(200));
        let cut = shortened(&long);
        assert!(cut.len() <= MAX_PATH_BYTES, "{}", cut.len());
        assert!(cut.starts_with("body.éé") && cut.ends_with('…'), "{cut}");
        assert_eq!(shortened("body.a"), "body.a");
    }
}
