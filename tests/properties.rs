//! Property tests: classify never panics on any input, detection depends on a payload's shape,
//! not on member order or on extra members, a provider's route (whose models read the body in
//! one pass) decides as detection does, and redaction's output stays linear in the body.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use hookwall::{classify, ErrorKind, Options, Provider};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn documented() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut all = Vec::new();
        for provider in ["crowdsec", "cloud66", "sectigo"] {
            for entry in fs::read_dir(root.join(provider)).unwrap() {
                let path = entry.unwrap().path();
                all.push((path.display().to_string(), fs::read(&path).unwrap()));
            }
        }
        all.sort();
        all
    })
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Documented payload `index` with bytes overwritten at `edits`.
fn mutated(index: usize, edits: Vec<(prop::sample::Index, u8)>) -> Vec<u8> {
    let (_, body) = &documented()[index % documented().len()];
    let mut body = body.clone();
    for (at, byte) in edits {
        let i = at.index(body.len());
        body[i] = byte;
    }
    body
}

/// Whatever `classify` returns, a success must produce valid JSON output.
fn check_no_panic(body: &[u8]) {
    if let Ok(event) = classify(body, &Options::default()) {
        serde_json::from_str::<Value>(&event.to_cloudevent_json()).expect("CloudEvent is JSON");
        serde_json::from_str::<Value>(&event.to_data_json()).expect("data is JSON");
    }
}

/// On every provider's route, `body` is what detection makes of it: the same event, or a
/// refusal. Only a payload in no known shape may pass on a route and not without one.
fn check_routes_agree(body: &[u8]) {
    let detected = classify(body, &Options::default());
    for provider in [Provider::CrowdSec, Provider::Cloud66, Provider::Sectigo] {
        let options = Options {
            provider: Some(provider),
            ..Options::default()
        };
        match (classify(body, &options), &detected) {
            (Ok(routed), Ok(event)) => {
                assert_eq!(routed.provider(), event.provider());
                assert_eq!(routed.kind(), event.kind());
                assert_eq!(routed.id(), event.id());
                assert_eq!(routed.severity(), event.severity());
            }
            (Ok(routed), Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::Unrecognized, "{provider}: {e}");
                assert_eq!(routed.provider(), provider);
            }
            (Err(e), Ok(event)) => {
                assert_ne!(event.provider(), provider, "{provider}: {e}");
                assert_eq!(e.kind(), ErrorKind::ProviderMismatch, "{provider}: {e}");
            }
            (Err(_), Err(_)) => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn routes_decide_as_detection_does(
        index in 0usize..36,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        check_routes_agree(&mutated(index, edits));
    }

    #[test]
    fn routes_decide_as_detection_does_on_mixed_shapes(
        index in 0usize..36,
        other in 0usize..36,
        at in any::<prop::sample::Index>(),
    ) {
        // A documented payload with one top-level member of another provider's.
        let (_, body) = &documented()[index % documented().len()];
        let (_, donor) = &documented()[other % documented().len()];
        let mut payload: Value = serde_json::from_slice(body).unwrap();
        let donor: Value = serde_json::from_slice(donor).unwrap();
        let keys: Vec<&String> = donor.as_object().unwrap().keys().collect();
        let key = keys[at.index(keys.len())];
        payload[key.as_str()] = donor[key.as_str()].clone();
        check_routes_agree(payload.to_string().as_bytes());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_no_panic(&body);
    }

    #[test]
    fn never_panics_on_arbitrary_json(value in any_json()) {
        check_no_panic(value.to_string().as_bytes());
    }

    #[test]
    fn never_panics_on_mutated_fixtures(
        index in 0usize..36,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let body = mutated(index, edits);
        check_no_panic(&body);
        check_no_panic(&body[..cut.index(body.len() + 1)]);
    }

    #[test]
    fn never_panics_inside_known_members(index in 0usize..36, value in any_json(), at in any::<prop::sample::Index>()) {
        let (_, body) = &documented()[index % documented().len()];
        let mut payload: Value = serde_json::from_slice(body).unwrap();
        let target = if payload["details"].is_object() {
            &mut payload["details"]
        } else {
            &mut payload
        };
        let keys: Vec<String> = target.as_object().unwrap().keys().cloned().collect();
        let key = &keys[at.index(keys.len())];
        target[key.as_str()] = value;
        check_no_panic(payload.to_string().as_bytes());
    }

    #[test]
    fn extra_members_and_member_order_do_not_change_detection(
        index in 0usize..36,
        extra in prop::collection::vec(("x_[a-z]{1,8}", any_json()), 0..4),
    ) {
        let (name, body) = &documented()[index % documented().len()];
        let original = classify(body, &Options::default()).unwrap();
        // Re-serialized, members come out sorted by name: another order than the fixture's.
        let mut payload: Value = serde_json::from_slice(body).unwrap();
        for (key, value) in extra {
            payload.as_object_mut().unwrap().insert(key, value);
        }
        let text = payload.to_string();
        let changed = classify(text.as_bytes(), &Options::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        prop_assert_eq!(changed.provider(), original.provider());
        prop_assert_eq!(changed.kind(), original.kind());
        prop_assert_eq!(changed.severity(), original.severity());
        prop_assert_eq!(changed.subject(), original.subject());
    }
}

/// Text near JSON: its tokens and the bytes that break it, in any order.
fn json_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just(" "),
        Just("\n"),
        Just("\"a\""),
        Just("\"\\u00e9\""),
        Just("\"\\ud83d\\ude00\""),
        Just("\"\\ud83d\""),
        Just("\"\\q\""),
        Just("\"\t\""),
        Just("\""),
        Just("\\"),
        Just("0"),
        Just("-1"),
        Just("01"),
        Just("1.5e3"),
        Just("1."),
        Just("1e400"),
        Just("99999999999999999999999"),
        Just("true"),
        Just("nul"),
        Just("null"),
        Just("x"),
        Just("\u{c}"),
    ];
    prop::collection::vec(token, 1..24).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Whatever text near JSON is sent, classify answers without panicking; text that is not
    /// JSON is 400 with a line and column, whatever it starts with.
    #[test]
    fn text_that_is_not_json_is_malformed_with_a_position(text in json_like()) {
        let result = classify(text.as_bytes(), &Options::default());
        if let Err(serde) = serde_json::from_str::<Value>(&text) {
            let e = result.expect_err("refused");
            if !serde.to_string().starts_with("number out of range") && !text.trim().is_empty() {
                prop_assert_eq!(e.kind(), ErrorKind::Malformed, "{:?}: {}", text, e);
                prop_assert!(
                    matches!(e.location(), hookwall::Location::Position { .. }),
                    "{:?}: {}",
                    text,
                    e
                );
            }
        }
    }
}

/// A value to redact: wide (thousands of short values), deep (nested to the limit where the tests
/// put it, 3 levels down under `details.x`) or under long keys, in any mix.
fn bulky_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::from("")),
        Just(Value::from(0)),
        (0i64..100_000).prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    let wide = prop_oneof![
        prop::collection::vec(leaf.clone(), 0..4000).prop_map(Value::Array),
        prop::collection::vec(("[a-z]{1,6}", leaf.clone()), 0..2000)
            .prop_map(|members| Value::Object(members.into_iter().collect())),
    ];
    let keyed = (0usize..20_000, wide.clone())
        .prop_map(|(len, value)| Value::Object(Map::from_iter([("k".repeat(len), value)])));
    let deep = (1usize..13, "[a-z]{1,300}", wide.clone()).prop_map(|(depth, key, inner)| {
        (0..depth).fold(inner, |value, level| {
            if level % 2 == 0 {
                Value::Object(Map::from_iter([
                    (key.clone(), value),
                    ("id".into(), Value::from(1)),
                ]))
            } else {
                Value::Array(vec![value, Value::from(0)])
            }
        })
    });
    prop::collection::vec(prop_oneof![leaf, wide, keyed, deep], 1..4).prop_map(|parts| {
        Value::Object(
            parts
                .into_iter()
                .enumerate()
                .map(|(i, part)| (format!("p{i}"), part))
                .collect(),
        )
    })
}

/// The user paths a test may configure: none, or wildcards that match much.
fn wildcard_paths() -> impl Strategy<Value = Vec<hookwall::RedactPath>> {
    let path = prop_oneof![
        Just("*"),
        Just("*.*"),
        Just("body.*"),
        Just("body.*.*"),
        Just("body.*.*.*"),
        Just("details.*.*"),
        Just("details.x.*.*"),
    ];
    prop::collection::vec(path, 0..3).prop_map(|paths| {
        paths
            .into_iter()
            .map(|p| hookwall::RedactPath::parse(p).unwrap())
            .collect()
    })
}

/// The CloudEvent of `body` stays under twice the body plus a constant, and lists a bounded
/// number of bounded paths.
fn check_bounded_output(body: &[u8], paths: &[hookwall::RedactPath]) {
    let options = Options {
        redact: paths,
        ..Options::default()
    };
    let event = classify(body, &options).expect("a valid payload");
    let json = event.to_cloudevent_json();
    assert!(
        json.len() <= 2 * body.len() + 8192,
        "{} bytes of output for {} of body",
        json.len(),
        body.len()
    );
    let listed = event.payload().redacted();
    assert!(
        listed.len() <= hookwall::redact::MAX_PATHS + 1,
        "{}",
        listed.len()
    );
    for path in listed {
        assert!(path.len() <= hookwall::redact::MAX_PATH_BYTES, "{path}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn redaction_output_is_linear_in_the_body(
        event in prop_oneof![
            Just("user_login_link"),
            Just("user_reset_password"),
            Just("database_backup_zip_download_available"),
            Just("website_zip_download_available"),
            Just("website_monitor_enabled"),
            Just("website_ssl_certificate_expiring"),
        ],
        body in bulky_json(),
        paths in wildcard_paths(),
    ) {
        let payload = serde_json::json!({
            "id": 1,
            "event": event,
            "target": {"type": "User", "id": 2},
            "body": body,
            "partner": {"id": 3},
        });
        check_bounded_output(payload.to_string().as_bytes(), &paths);
    }

    #[test]
    fn wildcard_redaction_output_is_linear_in_any_providers_body(
        index in 0usize..36,
        value in bulky_json(),
        paths in wildcard_paths(),
    ) {
        let (_, body) = &documented()[index % documented().len()];
        let mut payload: Value = serde_json::from_slice(body).unwrap();
        let target = if payload["details"].is_object() {
            &mut payload["details"]
        } else {
            &mut payload
        };
        target["x"] = value;
        check_bounded_output(payload.to_string().as_bytes(), &paths);
    }
}
