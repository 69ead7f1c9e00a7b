//! What the core's integration tests share.

use std::path::Path;

/// The bytes of `fixtures/<path>`.
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(path),
    )
    .unwrap()
}

/// The text of `fixtures/<path>`.
#[allow(dead_code)] // Each test crate compiles this module; not every one reads text.
pub fn fixture_text(path: &str) -> String {
    String::from_utf8(fixture(path)).unwrap()
}
