//! CrowdSec documents `blocking_safe_ip` without the envelope, and its JSON Schema gives
//! `event_type` the default `"blocking_safe_ip"`: on a CrowdSec route, a flat body without it is
//! that event; elsewhere nothing says whose it is.

use hookwall::{classify, ErrorKind, Options, Provider};

fn without_event_type() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/crowdsec/blocking_safe_ip.json"
    );
    let mut body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    body.as_object_mut().unwrap().remove("event_type");
    body.to_string()
}

fn on_route(
    provider: Option<Provider>,
    body: &str,
) -> Result<hookwall::Event<'_>, hookwall::Error> {
    classify(
        body.as_bytes(),
        &Options {
            provider,
            ..Options::default()
        },
    )
}

#[test]
fn a_flat_body_without_event_type_is_blocking_safe_ip_on_a_crowdsec_route() {
    let body = without_event_type();
    let event = on_route(Some(Provider::CrowdSec), &body).unwrap();
    assert_eq!(event.event_type(), "blocking_safe_ip");
    assert!(!event.is_unknown());
}

#[test]
fn its_required_fields_are_still_required() {
    let mut body: serde_json::Value = serde_json::from_str(&without_event_type()).unwrap();
    body.as_object_mut().unwrap().remove("scenario");
    let error = on_route(Some(Provider::CrowdSec), &body.to_string()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Schema, "{error}");
    assert!(error.to_string().contains("scenario"), "{error}");
}

#[test]
fn without_a_route_nothing_says_whose_it_is() {
    let error = on_route(None, &without_event_type()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unrecognized, "{error}");
}
