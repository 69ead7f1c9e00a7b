//! What every output carries whatever the payload: a time (issue 22 item 7), and no empty
//! indicators.

use std::fs;
use std::path::Path;

use hookwall::ocsf::{self, to_ocsf_json};
use hookwall::{classify, Event, Options};
use serde_json::Value;

const RECEIVED: i64 = 1_767_225_600;

fn fixture(path: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(path),
    )
    .unwrap()
}

fn received(body: &[u8]) -> Event<'_> {
    let options = Options {
        received_at: Some(RECEIVED),
        ..Options::default()
    };
    classify(body, &options).unwrap()
}

fn ocsf_of(event: &Event<'_>) -> Value {
    serde_json::from_str(&to_ocsf_json(event, ocsf::Options::default())).unwrap()
}

#[test]
fn an_event_without_a_time_is_dated_when_it_was_received() {
    let body = fixture("sectigo/user_create.json");
    let ocsf = ocsf_of(&received(&body));
    assert_eq!(ocsf["time"], RECEIVED * 1000);
    assert_eq!(ocsf["metadata"]["logged_time"], RECEIVED * 1000);
    assert_eq!(ocsf["metadata"]["processed_time"], RECEIVED * 1000);
    assert!(ocsf["metadata"].get("original_time").is_none(), "{ocsf}");
}

#[test]
fn an_event_with_a_time_keeps_the_providers() {
    for (file, time, original) in [
        (
            "cloud66/server.stopped.json",
            1_640_995_200_000_i64,
            "1640995200",
        ),
        (
            "crowdsec/alert_triggered.json",
            1_627_560_000_000,
            "2021-07-29T12:00:00+00:00",
        ),
    ] {
        let body = fixture(file);
        let ocsf = ocsf_of(&received(&body));
        assert_eq!(ocsf["time"], time, "{file}");
        assert_eq!(ocsf["metadata"]["original_time"], original, "{file}");
        assert_eq!(ocsf["metadata"]["logged_time"], RECEIVED * 1000, "{file}");
    }
}

#[test]
fn empty_indicators_are_omitted() {
    let body = fixture("sectigo/user_create.json");
    let event = received(&body);
    assert!(event.indicators.is_empty());
    for json in [event.to_data_json(), event.to_cloudevent_json()] {
        assert!(!json.contains("\"indicators\""), "{json}");
    }
    let body = fixture("crowdsec/alert_triggered.json");
    assert!(received(&body).to_data_json().contains("\"indicators\":{"));
}
