//! Any bytes, under each provider hint: no panic; route and detection agree; an accepted
//! payload's CloudEvent parses and carries the payload byte for byte when nothing was redacted.
#![no_main]

use hookwall::{classify, Options, Provider};
use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The parts of the CloudEvent checked here. `IgnoredAny` and `RawValue` accept numbers beyond
/// f64's range, which hookwall forwards as written where it skips them.
#[derive(Deserialize)]
struct CloudEvent<'a> {
    #[serde(borrow)]
    data: Data<'a>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    payload: &'a RawValue,
    redacted: Option<IgnoredAny>,
}

fn options(provider: Option<Provider>) -> Options<'static> {
    Options {
        provider,
        redact: &[],
        received_at: Some(1_700_000_000),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, body)) = input.split_first() else {
        return;
    };
    let hint = [
        None,
        Some(Provider::CrowdSec),
        Some(Provider::Cloud66),
        Some(Provider::Sectigo),
    ][usize::from(selector % 4)];
    let event = match classify(body, &options(hint)) {
        Ok(event) => event,
        Err(error) => {
            assert!(matches!(error.status(), 400 | 413 | 422));
            let _ = error.to_string();
            return;
        }
    };
    let json = event.to_cloudevent_json();
    // Detection and the route agree: the same event either way, or, on a route, a payload in
    // no provider's shape that only the route's model accepts.
    match hint {
        None => {
            let routed = classify(body, &options(Some(event.provider())))
                .expect("accepted unrouted, refused on its provider's route");
            assert_eq!(routed.to_cloudevent_json(), json);
        }
        Some(expected) => {
            assert_eq!(event.provider(), expected);
            match classify(body, &options(None)) {
                Ok(detected) => assert_eq!(detected.to_cloudevent_json(), json),
                Err(error) => assert_eq!(error.code(), "unrecognized_payload"),
            }
        }
    }
    let parsed: CloudEvent = serde_json::from_str(&json).expect("the CloudEvent is not JSON");
    if parsed.data.redacted.is_none() {
        let text = core::str::from_utf8(body).expect("accepted text is UTF-8");
        assert_eq!(parsed.data.payload.get(), text.trim());
    }
});
