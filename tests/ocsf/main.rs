//! The OCSF output as the core writes it: the docs' table is the code's, every fixture maps to
//! its kind's class, and the payload appears only when asked for, as it is forwarded. The schema
//! itself is checked by `tests/ocsf/validate.py` (pydantic-ocsf), run by scripts/test.sh.
//! `HOOKWALL_BLESS=1 cargo test --test ocsf` rewrites the table in docs/ocsf.md.

use std::fs;
use std::path::{Path, PathBuf};

use hookwall::classify::RULES;
use hookwall::ocsf::{mapping, markdown, to_ocsf_json, Options, VERSION};
use hookwall::{classify, Provider};
use serde_json::Value;

const BEGIN: &str = "<!-- ocsf-table -->\n";
const END: &str = "<!-- /ocsf-table -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn docs_carry_the_current_ocsf_table() {
    let path = root().join("docs/ocsf.md");
    let doc = fs::read_to_string(&path).unwrap();
    let (head, rest) = doc
        .split_once(BEGIN)
        .expect("docs/ocsf.md has the table's markers");
    let (_, tail) = rest
        .split_once(END)
        .expect("docs/ocsf.md has the table's end marker");
    let fresh = format!("{head}{BEGIN}{}{END}{tail}", markdown());
    if std::env::var_os("HOOKWALL_BLESS").is_some() {
        fs::write(&path, &fresh).unwrap();
    }
    assert!(
        doc == fresh,
        "docs/ocsf.md's table is stale: HOOKWALL_BLESS=1 cargo test --test ocsf"
    );
    assert_eq!(markdown().lines().count(), 2 + RULES.len());
}

#[test]
fn every_kind_has_consistent_uids() {
    for rule in RULES {
        let class = mapping(rule.kind).class;
        assert_eq!(
            class.type_uid(),
            u32::from(class.uid()) * 100 + u32::from(class.activity_id())
        );
        assert_eq!(u16::from(class.category_uid()), class.uid() / 1000);
    }
}

/// Every documented fixture and valid case, with the provider its route names.
fn fixtures() -> Vec<(PathBuf, Option<Provider>)> {
    let mut out = Vec::new();
    for dir in ["crowdsec", "cloud66", "sectigo", "cases"] {
        for entry in fs::read_dir(root().join("fixtures").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let json = path.extension().is_some_and(|e| e == "json");
            if json && (dir != "cases" || name.starts_with("valid_")) {
                let hint = fs::read_to_string(path.with_extension("provider"))
                    .ok()
                    .and_then(|p| p.trim().parse::<Provider>().ok());
                out.push((path, hint));
            }
        }
    }
    assert!(out.len() > 36, "{} fixtures", out.len());
    out
}

#[test]
fn every_fixture_maps_to_its_kinds_class() {
    for (path, provider) in fixtures() {
        let body = fs::read(&path).unwrap();
        let options = hookwall::Options {
            provider,
            received_at: Some(1_767_225_600),
            ..hookwall::Options::default()
        };
        let event = classify(&body, &options).unwrap();
        let ocsf: Value = serde_json::from_str(&to_ocsf_json(&event, Options::default())).unwrap();
        let class = mapping(event.kind()).class;
        let at = path.display();
        assert_eq!(ocsf["class_uid"], class.uid(), "{at}");
        assert_eq!(ocsf["type_uid"], class.type_uid(), "{at}");
        assert_eq!(ocsf["metadata"]["version"], VERSION, "{at}");
        assert_eq!(ocsf["metadata"]["uid"], event.id().as_str(), "{at}");
        assert_eq!(ocsf["message"], event.summary(), "{at}");
        assert!(ocsf["time"].as_i64().unwrap() > 0, "{at}");
        assert!(ocsf.get("raw_data").is_none(), "{at}: raw_data by default");

        let with_raw: Value =
            serde_json::from_str(&to_ocsf_json(&event, Options { raw_data: true })).unwrap();
        let forwarded: Value = serde_json::from_str(&event.to_data_json()).unwrap();
        let raw: Value = serde_json::from_str(with_raw["raw_data"].as_str().unwrap()).unwrap();
        assert_eq!(
            raw, forwarded["payload"],
            "{at}: raw_data is not the forwarded payload"
        );
    }
}

#[test]
fn an_event_without_a_time_is_dated_at_the_epoch() {
    let body = fs::read(root().join("fixtures/sectigo/user_create.json")).unwrap();
    let event = classify(&body, &hookwall::Options::default()).unwrap();
    let ocsf: Value = serde_json::from_str(&to_ocsf_json(&event, Options::default())).unwrap();
    assert_eq!(ocsf["time"], 0);
    assert!(ocsf["metadata"].get("original_time").is_none());
}
