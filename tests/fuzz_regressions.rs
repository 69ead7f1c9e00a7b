//! Inputs the fuzz targets found (docs/fuzzing.md), each with the behaviour now expected.

use hookwall::{classify, Options, Provider};

/// A `user_login_link` whose body holds nothing to redact (an empty `user`, a harmless key) was
/// rewritten compactly although `data.redacted` was absent: the payload must pass byte for byte.
#[test]
fn nothing_redacted_passes_byte_for_byte() {
    let body = include_str!("fuzz-regressions/classify-sectigo-nothing-redacted.json");
    for provider in [None, Some(Provider::Sectigo)] {
        let options = Options {
            provider,
            ..Options::default()
        };
        let event = classify(body.as_bytes(), &options).unwrap();
        assert!(event.payload().redacted().is_empty());
        let json = event.to_cloudevent_json();
        let cloudevent: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(cloudevent["data"].get("redacted").is_none());
        assert!(json.contains(body.trim()), "payload rewritten: {json}");
    }
}
