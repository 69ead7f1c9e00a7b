//! The Worker's configuration: the policy from `HOOKWALL_CONFIG`, the destinations and the
//! delivery settings, read once per isolate (bindings do not change within one). An invalid policy or setting is
//! kept as an error so that every request fails closed with 500 rather than falling back to
//! something more permissive, or to timings that could outlast the providers' 30 s timeout.

use std::cell::OnceCell;
use std::rc::Rc;

use hookwall::policy::Policy;
use worker::Env;

use crate::destinations::{self, Destination};

thread_local! {
    static POLICY: OnceCell<Result<Rc<Policy>, Rc<str>>> = const { OnceCell::new() };
    static DELIVERY: OnceCell<Result<Rc<Delivery>, Rc<str>>> = const { OnceCell::new() };
}

/// The isolate's policy, parsed at its first request.
pub fn policy(env: &Env) -> Result<Rc<Policy>, Rc<str>> {
    POLICY.with(|cell| cell.get_or_init(|| load_policy(env)).clone())
}

fn load_policy(env: &Env) -> Result<Rc<Policy>, Rc<str>> {
    let text =
        value(env, "HOOKWALL_CONFIG").ok_or_else(|| Rc::from("HOOKWALL_CONFIG is not set"))?;
    Policy::from_json(text.as_bytes())
        .map(Rc::new)
        .map_err(|e| Rc::from(format!("HOOKWALL_CONFIG is invalid: {e}")))
}

/// The isolate's delivery settings, read at its first delivery.
pub fn delivery(env: &Env) -> Result<Rc<Delivery>, Rc<str>> {
    DELIVERY.with(|cell| {
        cell.get_or_init(|| Delivery::from_env(env).map(Rc::new))
            .clone()
    })
}

/// Where and how events are delivered.
pub struct Delivery {
    pub destinations: Vec<Destination>,
    /// Milliseconds one POST to the receiver may take before it is aborted.
    pub attempt_timeout_ms: u32,
    /// Milliseconds from a request's arrival within which direct mode must have answered.
    pub direct_deadline_ms: u32,
    /// The queue consumer's first retry delay, doubled at each further attempt.
    pub retry_base_seconds: u32,
    /// The longest the queue consumer waits between two attempts.
    pub retry_max_seconds: u32,
    /// The queue whose batches are dead letters, to be marked `dead` in the ledger.
    pub dead_letter_queue: String,
}

/// A setting: its variable, its default and the values it may take.
struct Setting {
    name: &'static str,
    default: u32,
    min: u32,
    max: u32,
}

/// Each POST's timeout. A receiver that answers at all answers in well under a second; the
/// bound leaves direct mode time for a second attempt inside its deadline.
const FORWARD_TIMEOUT_MS: Setting = Setting {
    name: "FORWARD_TIMEOUT_MS",
    default: 8_000,
    min: 100,
    max: 20_000,
};

/// Direct mode's budget for all attempts and pauses, counted from the request's arrival. The
/// providers give up after 30 s; 25 s at most leaves room for reading the body and the KV calls.
const DIRECT_DEADLINE_MS: Setting = Setting {
    name: "DIRECT_DEADLINE_MS",
    default: 20_000,
    min: 100,
    max: 25_000,
};

/// Cloudflare Queues accept retry delays up to 12 hours.
const QUEUE_MAX_DELAY_SECONDS: u32 = 43_200;

const RETRY_DELAY_SECONDS: Setting = Setting {
    name: "RETRY_DELAY_SECONDS",
    default: 30,
    min: 0,
    max: QUEUE_MAX_DELAY_SECONDS,
};

const RETRY_MAX_DELAY_SECONDS: Setting = Setting {
    name: "RETRY_MAX_DELAY_SECONDS",
    default: 3_600,
    min: 1,
    max: QUEUE_MAX_DELAY_SECONDS,
};

/// Longer than any provider retries; a year at most keeps storage bounded.
const LEDGER_RETENTION_DAYS: Setting = Setting {
    name: "LEDGER_RETENTION_DAYS",
    default: 7,
    min: 1,
    max: 366,
};

/// wrangler.toml's `dead_letter_queue`.
const DEFAULT_DEAD_LETTER_QUEUE: &str = "hookwall-events-dlq";

impl Delivery {
    /// Reads the delivery settings; faulty destinations, or a timing that is not a whole number
    /// within its bounds, are a configuration error.
    fn from_env(env: &Env) -> Result<Self, Rc<str>> {
        let number = |setting: Setting| {
            parse_setting(&setting, value(env, setting.name).as_deref()).map_err(Rc::from)
        };
        // Read by the ledger's alarm; checked here so that a bad value fails every request.
        retention_days(env).map_err(Rc::from)?;
        Ok(Self {
            destinations: destinations_from_env(env)?,
            attempt_timeout_ms: number(FORWARD_TIMEOUT_MS)?,
            direct_deadline_ms: number(DIRECT_DEADLINE_MS)?,
            retry_base_seconds: number(RETRY_DELAY_SECONDS)?,
            retry_max_seconds: number(RETRY_MAX_DELAY_SECONDS)?,
            dead_letter_queue: value(env, "DEAD_LETTER_QUEUE")
                .unwrap_or_else(|| DEFAULT_DEAD_LETTER_QUEUE.into()),
        })
    }
}

/// `LEDGER_RETENTION_DAYS`: read on its own by the ledger's object, whose alarm needs nothing
/// else of the configuration.
pub fn retention_days(env: &Env) -> Result<u32, String> {
    parse_setting(
        &LEDGER_RETENTION_DAYS,
        value(env, LEDGER_RETENTION_DAYS.name).as_deref(),
    )
}

/// `HOOKWALL_DESTINATIONS`, or else the one destination `FORWARD_URL` makes (with
/// `FORWARD_TOKEN` and `FORWARD_SIGNING_KEY`). Both set is an error: one of them would be ignored.
fn destinations_from_env(env: &Env) -> Result<Vec<Destination>, Rc<str>> {
    let forward_url = value(env, "FORWARD_URL");
    if let Some(text) = value(env, "HOOKWALL_DESTINATIONS") {
        if forward_url.is_some() {
            return Err(Rc::from(
                "HOOKWALL_DESTINATIONS and FORWARD_URL are both set; keep one",
            ));
        }
        return destinations::parse(&text, |name| value(env, name)).map_err(Rc::from);
    }
    let url = forward_url
        .ok_or_else(|| Rc::from("neither HOOKWALL_DESTINATIONS nor FORWARD_URL is set"))?;
    destinations::check_url(&url).map_err(|e| Rc::from(format!("FORWARD_URL {e}")))?;
    let signing_key = value(env, "FORWARD_SIGNING_KEY")
        .ok_or_else(|| Rc::from("FORWARD_SIGNING_KEY is not set"))?;
    let token = value(env, "FORWARD_TOKEN")
        .map(|token| destinations::header_value("FORWARD_TOKEN", token))
        .transpose()?;
    Ok(vec![destinations::forward(url, token, signing_key)])
}

/// `text` as the setting's value: its default when unset, an error naming the variable and
/// its bounds when it is not a whole number within them.
fn parse_setting(setting: &Setting, text: Option<&str>) -> Result<u32, String> {
    let Some(text) = text else {
        return Ok(setting.default);
    };
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|v| (setting.min..=setting.max).contains(v))
        .ok_or_else(|| {
            format!(
                "{} must be a whole number from {} to {}",
                setting.name, setting.min, setting.max
            )
        })
}

/// A secret, or else a plain var, of that name; empty counts as unset.
pub fn value(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_when_unset_and_refuse_values_out_of_bounds() {
        assert_eq!(parse_setting(&DIRECT_DEADLINE_MS, None), Ok(20_000));
        assert_eq!(parse_setting(&DIRECT_DEADLINE_MS, Some("1500")), Ok(1_500));
        for bad in ["30000", "99", "-1", "1.5", "soon"] {
            let err = parse_setting(&DIRECT_DEADLINE_MS, Some(bad)).unwrap_err();
            assert_eq!(
                err,
                "DIRECT_DEADLINE_MS must be a whole number from 100 to 25000"
            );
        }
        assert_eq!(parse_setting(&RETRY_DELAY_SECONDS, Some("0")), Ok(0));
        assert!(parse_setting(&RETRY_MAX_DELAY_SECONDS, Some("43201")).is_err());
    }
}
