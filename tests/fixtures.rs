//! Walks `fixtures/`: every payload is classified and compared with its golden outcome in
//! `fixtures/expected/` (the CloudEvent, or the error), byte for byte. Adding a payload adds a
//! test case, and a golden whose payload is gone fails; `HOOKWALL_BLESS=1 cargo test --test
//! fixtures` writes the goldens for review.

use std::fs;
use std::path::{Path, PathBuf};

use hookwall::{classify, Options, Provider};
use hookwall::{Kind, Location};
use serde_json::{json, Value};

const PROVIDER_DIRS: [&str; 3] = ["crowdsec", "cloud66", "sectigo"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn payloads(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("fixtures/{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The outcome of classifying `body` as its golden holds it: the CloudEvent exactly as the core
/// writes it, or the error pretty-printed; either way followed by a newline.
fn outcome(body: &[u8], provider: Option<Provider>) -> String {
    let text = match classify(
        body,
        &Options {
            provider,
            ..Options::default()
        },
    ) {
        Ok(event) => event.to_cloudevent_json(),
        Err(e) => serde_json::to_string_pretty(
            &json!({"error": {"status": e.status(), "code": e.code(), "message": e.to_string()}}),
        )
        .unwrap(),
    };
    text + "\n"
}

fn parse(outcome: &str) -> Value {
    serde_json::from_str(outcome).expect("the outcome is JSON")
}

/// Compares with, or (when blessing) writes, `fixtures/expected/<dir>/<name>.json`.
fn check_golden(dir: &str, payload: &Path, actual: &str) -> Result<(), String> {
    let golden = root()
        .join("expected")
        .join(dir)
        .join(payload.file_name().unwrap());
    if std::env::var_os("HOOKWALL_BLESS").is_some() {
        fs::create_dir_all(golden.parent().unwrap()).unwrap();
        fs::write(&golden, actual).unwrap();
        return Ok(());
    }
    let expected = fs::read_to_string(&golden).map_err(|e| format!("{}: {e}", golden.display()))?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{dir}/{}: differs from its golden\nexpected: {expected}\nactual:   {actual}",
            payload.file_name().unwrap().to_string_lossy()
        ))
    }
}

#[test]
fn documented_payloads_match_their_goldens() {
    let mut failures = Vec::new();
    for dir in PROVIDER_DIRS {
        let provider: Provider = dir.parse().unwrap();
        for payload in payloads(dir) {
            let body = fs::read(&payload).unwrap();
            let detected = outcome(&body, None);
            assert_eq!(
                detected,
                outcome(&body, Some(provider)),
                "{}: the route hint changed the outcome",
                payload.display()
            );
            let stem = payload.file_stem().unwrap().to_str().unwrap();
            failures.extend(check_golden(dir, &payload, &detected).err());
            let detected = parse(&detected);
            assert_eq!(detected["data"]["provider"], dir, "{}", payload.display());
            assert_eq!(
                detected["data"]["event_type"],
                stem,
                "{}",
                payload.display()
            );
            assert_eq!(
                detected["data"]["documented"],
                true,
                "{}",
                payload.display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn edge_and_invalid_cases_match_their_goldens() {
    let mut failures = Vec::new();
    let cases = payloads("cases");
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    for payload in cases {
        let body = fs::read(&payload).unwrap();
        let hint = fs::read_to_string(payload.with_extension("provider"))
            .ok()
            .map(|name| {
                name.trim()
                    .parse::<Provider>()
                    .expect("known provider in .provider file")
            });
        let actual = outcome(&body, hint);
        let name = payload.file_name().unwrap().to_str().unwrap();
        let is_error = parse(&actual).get("error").is_some();
        assert_eq!(
            is_error,
            name.starts_with("invalid_"),
            "{name}: a case's name says whether it must be rejected: {actual}"
        );
        failures.extend(check_golden("cases", &payload, &actual).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A golden outlives its payload only by mistake: it would pass forever, testing nothing.
#[test]
fn every_golden_has_its_payload() {
    let expected = root().join("expected");
    let mut dirs: Vec<String> = fs::read_dir(&expected)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["cases", "cloud66", "crowdsec", "sectigo"]);
    let mut orphans = Vec::new();
    for dir in dirs {
        for golden in fs::read_dir(expected.join(&dir)).unwrap() {
            let name = golden.unwrap().file_name();
            let payload = root().join(&dir).join(&name);
            let json = Path::new(&name).extension().is_some_and(|e| e == "json");
            if !json || !payload.is_file() {
                orphans.push(format!("expected/{dir}/{}", name.to_string_lossy()));
            }
        }
    }
    assert!(orphans.is_empty(), "goldens without a payload: {orphans:?}");
}

#[test]
fn every_documented_type_has_a_fixture() {
    let documented = Kind::documented();
    let mut n = 0;
    for kind in documented {
        let path = root()
            .join(kind.provider().as_str())
            .join(format!("{}.json", kind.as_str().unwrap()));
        assert!(path.exists(), "no fixture for {kind:?}: {}", path.display());
        n += 1;
    }
    assert_eq!(n, 36);
}

#[test]
fn secrets_never_reach_the_output() {
    let secrets = [
        ("sectigo/user_reset_password.json", "Tmp#9fQ2-xL7v"),
        ("sectigo/user_login_link.json", "Zx81KqP0vW"),
        (
            "sectigo/database_backup_zip_download_available.json",
            "7f3c9a1e",
        ),
        ("sectigo/website_zip_download_available.json", "a81b22"),
        ("cases/valid_sectigo_unknown_event_type.json", "token=abc"),
    ];
    for (file, secret) in secrets {
        let body = fs::read(root().join(file)).unwrap();
        assert!(
            String::from_utf8_lossy(&body).contains(secret),
            "{file} lacks its secret"
        );
        let event = classify(&body, &Options::default()).unwrap();
        for output in [
            event.to_cloudevent_json(),
            event.to_data_json(),
            event.summary().to_owned(),
        ] {
            assert!(
                !output.contains(secret),
                "{file}: secret in output {output}"
            );
        }
        assert!(
            !event.payload().redacted().is_empty(),
            "{file}: redaction not reported"
        );
    }
}

#[test]
fn configured_paths_are_redacted() {
    let body = fs::read(root().join("crowdsec/alert_triggered.json")).unwrap();
    let paths = [
        hookwall::RedactPath::parse("details.source.rdns").unwrap(),
        hookwall::RedactPath::parse("details.behaviors.*.description").unwrap(),
    ];
    let event = classify(
        &body,
        &Options {
            redact: &paths,
            ..Options::default()
        },
    )
    .unwrap();
    let ce: Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
    let payload = &ce["data"]["payload"]["details"];
    assert_eq!(payload["source"]["rdns"], "[REDACTED]");
    assert_eq!(payload["behaviors"][1]["description"], "[REDACTED]");
    assert_eq!(payload["behaviors"][1]["label"], "Scan");
    // In the payload's order: every path is applied in one walk.
    assert_eq!(
        ce["data"]["redacted"],
        json!([
            "details.behaviors[0].description",
            "details.behaviors[1].description",
            "details.source.rdns"
        ])
    );
}

#[test]
fn ids_are_stable_per_delivery_and_differ_between_deliveries() {
    let body = fs::read(root().join("cloud66/server.stopped.json")).unwrap();
    let first = classify(&body, &Options::default()).unwrap();
    let retry = classify(&body, &Options::default()).unwrap();
    assert!(first.id().is_derived());
    assert_eq!(first.id(), retry.id());
    let later = String::from_utf8(body.clone())
        .unwrap()
        .replace("1640995200", "1640995260");
    let next = classify(later.as_bytes(), &Options::default()).unwrap();
    assert_ne!(first.id(), next.id());
}

#[test]
fn receive_time_fills_in_only_where_the_payload_has_none() {
    let now = Some(1_767_225_600);
    let sectigo = fs::read(root().join("sectigo/user_create.json")).unwrap();
    let event = classify(
        &sectigo,
        &Options {
            received_at: now,
            ..Options::default()
        },
    )
    .unwrap();
    let ce: Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
    assert_eq!(ce["time"], "2026-01-01T00:00:00Z");
    let cloud66 = fs::read(root().join("cloud66/server.stopped.json")).unwrap();
    let event = classify(
        &cloud66,
        &Options {
            received_at: now,
            ..Options::default()
        },
    )
    .unwrap();
    let ce: Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
    assert_eq!(ce["time"], "2022-01-01T00:00:00Z");
}

/// A Sectigo payload of `event` around `body`.
fn sectigo(event: &str, body: &str) -> String {
    format!(
        r#"{{"id": 1, "event": "{event}", "target": {{"type": "User", "id": 2}}, "body": {body}, "partner": {{"id": 3}}}}"#
    )
}

#[test]
fn the_redaction_bomb_stays_small() {
    let items = vec![r#""""#; 10_900].join(", ");
    let body = sectigo(
        "user_login_link",
        &format!(r#"{{"{}": [{items}]}}"#, "a".repeat(32_000)),
    );
    assert!(body.len() > 64_000, "{}", body.len());
    let event = classify(body.as_bytes(), &Options::default()).unwrap();
    let json = event.to_cloudevent_json();
    assert!(json.len() < 2 * body.len() + 8192, "{} bytes", json.len());
    let listed = event.payload().redacted();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].starts_with("body") && listed[0].len() <= 128,
        "{}",
        listed[0]
    );

    // A wildcard path over any provider's payload: one entry per value was 30,000 entries.
    let alert = fs::read_to_string(root().join("crowdsec/alert_triggered.json")).unwrap();
    let mut payload: Value = serde_json::from_str(&alert).unwrap();
    payload["details"][format!("x{}", "y".repeat(20_000)).as_str()] = json!(vec![0; 30_000]);
    let body = payload.to_string();
    let paths = [hookwall::RedactPath::parse("details.*.*").unwrap()];
    let event = classify(
        body.as_bytes(),
        &Options {
            redact: &paths,
            ..Options::default()
        },
    )
    .unwrap();
    let json = event.to_cloudevent_json();
    assert!(json.len() < 2 * body.len() + 8192, "{} bytes", json.len());
    let listed = event.payload().redacted();
    // Each object or array redacted whole is one entry, cut when long.
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(
        listed[..3],
        ["details.behaviors", "details.source", "details.target"]
    );
    assert!(
        listed[3].len() <= 128 && listed[3].ends_with('…'),
        "{}",
        listed[3]
    );
}

#[test]
fn every_string_and_number_of_a_secret_bearing_body_is_redacted() {
    let body = r#"{"user": {"id": 7, "name": "Ana", "email": "ana@example.com"},
        "temporary_pin": 48213977, "reset": {"code": 55123, "hint": "blue"},
        "codes": [91827, "x7"], "attempts": 3, "verified": true, "note": null}"#;
    for event in [
        "user_reset_password",
        "user_login_link",
        "database_backup_zip_download_available",
        "website_zip_download_available",
    ] {
        let payload = sectigo(event, body);
        let event = classify(payload.as_bytes(), &Options::default()).unwrap();
        let json = event.to_cloudevent_json();
        for secret in ["48213977", "55123", "blue", "91827", "x7", "\"attempts\":3"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        let ce: Value = serde_json::from_str(&json).unwrap();
        let body = &ce["data"]["payload"]["body"];
        assert_eq!(
            body["user"],
            json!({"id": 7, "name": "Ana", "email": "ana@example.com"})
        );
        assert_eq!(body["temporary_pin"], "[REDACTED]");
        assert_eq!(
            body["reset"],
            json!({"code": "[REDACTED]", "hint": "[REDACTED]"})
        );
        assert_eq!(body["verified"], true);
        assert_eq!(body["note"], Value::Null);
        assert_eq!(
            ce["data"]["redacted"],
            json!([
                "body.temporary_pin",
                "body.reset",
                "body.codes",
                "body.attempts"
            ])
        );
    }
}

#[test]
fn keys_that_name_a_secret_are_redacted_in_every_sectigo_body() {
    let secrets = [
        ("initial_pwd", "\"hunter2\""),
        ("api_key", "\"ak_live_1\""),
        ("apiKey", "\"ak_live_2\""),
        ("invite_uri", "\"https://x.example/i/abc\""),
        ("session_cookie", "\"sid=zz9\""),
        ("passcode", "735110"),
        ("pin", "4411"),
        ("otp_code", "\"992211\""),
        ("client_secret", "\"cs_1\""),
        ("refresh_token", "\"rt_1\""),
        ("credentials", "{\"user\": \"u\", \"pass\": \"p1\"}"),
        ("authorization", "\"Bearer abc\""),
        ("sessionId", "\"s-42\""),
        ("reset_code", "\"rc_1\""),
        ("one_time_code", "881234"),
        ("otpauth_uri", "\"otpauth://totp/x?secret=AB\""),
        ("bearer", "\"b_1\""),
        ("hmac", "\"h_1\""),
        ("signature", "\"sig_1\""),
        ("private_pem", "\"-----BEGIN PRIVATE KEY-----\""),
        ("saml_assertion", "\"<saml:Assertion/>\""),
        ("oauth_token", "\"ot_1\""),
    ];
    let harmless = [
        ("monkey", "\"banana\""),
        ("keyword", "\"malware\""),
        ("pinned", "true"),
        ("security_level", "\"high\""),
        ("author", "\"Ana\""),
        ("country_code", "\"FR\""),
        ("status_code", "200"),
    ];
    let members: Vec<String> = secrets
        .iter()
        .chain(&harmless)
        .map(|(key, value)| format!(r#""{key}": {value}"#))
        .collect();
    let body = format!(
        r#"{{"website": {{"id": 1, "domain": "shop.example.com"}}, {}}}"#,
        members.join(", ")
    );
    let payload = sectigo("website_monitor_enabled", &body);
    let event = classify(payload.as_bytes(), &Options::default()).unwrap();
    let ce: Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
    let body = &ce["data"]["payload"]["body"];
    for (key, _) in secrets {
        assert_eq!(body[key], "[REDACTED]", "{key}");
    }
    for (key, value) in harmless {
        assert_eq!(
            body[key],
            serde_json::from_str::<Value>(value).unwrap(),
            "{key}"
        );
    }
    assert_eq!(ce["data"]["subject"]["name"], "shop.example.com");
}

/// CrowdSec's documented examples give all 15 event types one `event_id` (the one below), from
/// one organization: as CloudEvents they must still be 15 events, or a receiver that drops
/// repeats of a source and id, as the spec allows, keeps one.
#[test]
fn crowdsec_types_sharing_an_event_id_are_distinct_cloudevents() {
    const SHARED: &str = "c6d468d4f1084ebca84165c33f97fbc4";
    let mut ids = std::collections::BTreeSet::new();
    for payload in payloads("crowdsec") {
        let mut body: Value = serde_json::from_slice(&fs::read(&payload).unwrap()).unwrap();
        match body.get_mut("details") {
            Some(details) => details["event_id"] = json!(SHARED),
            None => body["event_id"] = json!(SHARED),
        }
        let body = body.to_string();
        let event = classify(body.as_bytes(), &Options::default()).unwrap();
        let ce = parse(&event.to_cloudevent_json());
        assert_eq!(ce["data"]["id"], SHARED, "{}", payload.display());
        assert_eq!(
            ce["id"],
            format!("{}:{SHARED}", ce["data"]["event_type"].as_str().unwrap())
        );
        assert_eq!(
            ce["source"],
            "https://app.crowdsec.net/organizations/12345678-1234-1234-1234-123456789012"
        );
        ids.insert(ce["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 15);
}

fn refusal(body: &[u8], provider: Option<Provider>) -> (u16, &'static str, String) {
    let options = Options {
        provider,
        ..Options::default()
    };
    let e = classify(body, &options).expect_err("refused");
    (e.status(), e.code(), e.to_string())
}

/// Text that is not JSON is malformed (400, with line and column) whatever it starts with;
/// JSON that is not an object is a schema violation (422).
#[test]
fn invalid_json_of_any_shape_is_malformed() {
    let brackets = "[".repeat(100_000);
    for (body, message) in [
        ("[1,", "line 1 column 3: EOF while parsing a value"),
        ("1 2", "line 1 column 3: trailing characters"),
        (
            brackets.as_str(),
            "line 1 column 100000: EOF while parsing a list or an object",
        ),
        ("\"open", "line 1 column 5: EOF while parsing a string"),
        ("nul", "line 1 column 3: EOF while parsing a value"),
    ] {
        for provider in [None, Some(Provider::CrowdSec), Some(Provider::Sectigo)] {
            assert_eq!(
                refusal(body.as_bytes(), provider),
                (400, "malformed_json", message.to_string()),
                "{body:.20}"
            );
        }
    }
    for body in ["[1]", "1", "\"x\"", "null", " [{\"metadata\": {}}] "] {
        assert_eq!(
            refusal(body.as_bytes(), None),
            (
                422,
                "schema_violation",
                "expected a JSON object".to_string()
            ),
            "{body}"
        );
    }
}

/// Where a refusal points is a value a caller can match: the body as a whole, a position in
/// text that is not JSON, or the path of the field at fault.
#[test]
fn refusals_locate_whole_position_or_path() {
    let location = |body: &str| {
        classify(body.as_bytes(), &Options::default())
            .expect_err(body)
            .location()
            .clone()
    };
    assert_eq!(location(" "), Location::Whole);
    assert_eq!(location("[1]"), Location::Whole);
    assert_eq!(location("{}"), Location::Whole);
    assert_eq!(
        location("{\n\"a\": tru"),
        Location::Position { line: 2, column: 8 }
    );
    let alert = fs::read_to_string(root().join("crowdsec/alert_triggered.json")).unwrap();
    let issuer = alert.replacen("crowdsec.net", "example.net", 1);
    assert_eq!(location(&issuer), Location::Path("metadata.issuer".into()));
}

/// Nested deeper than 16 anywhere, even in a member no model reads, is 400; a body that is also
/// cut off is malformed, as it would have been at any depth.
#[test]
fn nesting_is_bounded_everywhere() {
    let deep = |depth: usize| {
        format!(
            r#"{{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": {}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert!(classify(deep(15).as_bytes(), &Options::default()).is_ok());
    let (status, code, message) = refusal(deep(16).as_bytes(), None);
    assert_eq!((status, code), (400, "nesting_too_deep"), "{message}");
    assert!(message.starts_with("line 1 column 85: "), "{message}");
    let in_string = format!(
        r#"{{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": "{}"}}"#,
        "[".repeat(500)
    );
    assert!(classify(in_string.as_bytes(), &Options::default()).is_ok());
}

/// A lone surrogate is no text: `serde_json` would skip it in a member hookwall does not read,
/// but the payload is forwarded, so it is refused wherever it is.
#[test]
fn lone_surrogates_are_refused_wherever_they_are() {
    for (escape, column) in [(r"\ud800", 71), (r"x\udc00", 72), (r"\ud83d\u0041", 71)] {
        let body = format!(
            r#"{{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": "{escape}"}}"#
        );
        for provider in [None, Some(Provider::Cloud66)] {
            assert_eq!(
                refusal(body.as_bytes(), provider),
                (
                    400,
                    "malformed_json",
                    format!("line 1 column {column}: lone leading surrogate in hex escape")
                ),
                "{body}"
            );
        }
    }
    let paired = r#"{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": "\ud83d\ude00 \\ud800"}"#;
    assert!(classify(paired.as_bytes(), &Options::default()).is_ok());
}

/// A member the model knows, given twice, is refused on every route; one it does not know is
/// skipped each time.
#[test]
fn known_members_given_twice_are_refused() {
    let body = br#"{"event_type": "server.stopped", "timestamp": 1, "server": "s", "server": "t"}"#;
    for provider in [None, Some(Provider::Cloud66)] {
        assert_eq!(
            refusal(body, provider),
            (
                422,
                "schema_violation",
                "server: duplicate field `server`".to_string()
            )
        );
    }
    let unknown =
        br#"{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": 1, "x": 2}"#;
    assert!(classify(unknown, &Options::default()).is_ok());
}

/// A refusal names where, never what: no value from the payload appears in it.
#[test]
fn errors_never_echo_a_value() {
    for body in [
        r#"{"event_type": "server.stopped", "timestamp": "hunter2", "server": "s"}"#,
        r#"{"event_type": "server.stopped", "timestamp": 1, "server": 73915582011}"#,
        r#"{"event_type": "active.protect.block", "timestamp": 1, "server": {"uid": "s"}, "activeprotect_action": {"address": "a", "port": "hunter2"}}"#,
    ] {
        let (_, _, message) = refusal(body.as_bytes(), None);
        let (_, _, routed) = refusal(body.as_bytes(), Some(Provider::Cloud66));
        let message = format!("{message} / {routed}");
        assert!(message.contains(": invalid type: "), "{message}");
        check_no_value(&message);
    }
    let sectigo = br#"{"id": 1, "event": "user_create", "target": {"type": "User", "id": 2.5}, "body": {}, "partner": {"id": 3}}"#;
    let (_, _, message) = refusal(sectigo, None);
    assert_eq!(
        message,
        "target.id: invalid type: floating point, expected an integer or a string"
    );
}

fn check_no_value(message: &str) {
    for value in ["hunter2", "73915582011", "2.5"] {
        assert!(!message.contains(value), "{message}");
    }
}

/// `details.event_type` chooses CrowdSec's model: each way it can be wrong is named.
#[test]
fn crowdsec_details_that_choose_no_model_are_named() {
    let metadata = r#""metadata": {"version": 1, "issuer": "crowdsec.net"}"#;
    for (details, message) in [
        ("5", "details: invalid type: integer, expected an object"),
        ("[1]", "details: invalid type: sequence, expected an object"),
        (r#"{"x": 1}"#, "details.event_type: missing field"),
        (
            r#"{"event_type": 7}"#,
            "details.event_type: invalid type: integer, expected a string",
        ),
        (
            r#"{"event_type": "payment_failed", "event_type": "x"}"#,
            "details.event_type: duplicate field `event_type`",
        ),
    ] {
        let body = format!("{{{metadata}, \"details\": {details}}}");
        for provider in [None, Some(Provider::CrowdSec)] {
            assert_eq!(
                refusal(body.as_bytes(), provider),
                (422, "schema_violation", message.to_string()),
                "{body}"
            );
        }
    }
}

/// A number beyond f64's range is valid JSON: forwarded as written where no model reads it,
/// refused, naming the field, where one does.
#[test]
fn numbers_beyond_f64_pass_where_skipped_and_are_named_where_read() {
    let skipped = br#"{"event_type": "server.stopped", "timestamp": 1, "server": "s", "x": 1e400}"#;
    let event = classify(skipped, &Options::default()).expect("accepted");
    assert!(event.to_cloudevent_json().contains(r#""x": 1e400"#));
    let read = br#"{"id": 1, "event": "user_create", "target": {"type": "User", "id": 2}, "body": {"n": 1e400}, "partner": {"id": 3}}"#;
    assert_eq!(
        refusal(read, None),
        (
            422,
            "schema_violation",
            "body.n: number out of range".to_string()
        )
    );
}
