//! The Worker's configuration: the policy from `HOOKWALL_CONFIG` and the delivery settings,
//! read once per isolate. An invalid policy is kept as an error so that every request fails
//! closed with 500 rather than falling back to something more permissive.

use std::cell::OnceCell;
use std::rc::Rc;

use hookwall::policy::Policy;
use worker::Env;

thread_local! {
    static POLICY: OnceCell<Result<Rc<Policy>, Rc<str>>> = const { OnceCell::new() };
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

/// Where and how events are delivered.
pub struct Delivery {
    pub url: String,
    pub token: Option<String>,
    pub signing_key: String,
    /// Seconds a queue consumer waits before retrying a failed delivery.
    pub retry_delay_seconds: u32,
}

impl Delivery {
    /// Reads the delivery settings; a missing URL or signing key is a configuration error.
    pub fn from_env(env: &Env) -> Result<Self, &'static str> {
        let url = value(env, "FORWARD_URL").ok_or("FORWARD_URL is not set")?;
        let signing_key =
            value(env, "FORWARD_SIGNING_KEY").ok_or("FORWARD_SIGNING_KEY is not set")?;
        let retry_delay_seconds = match value(env, "RETRY_DELAY_SECONDS") {
            None => DEFAULT_RETRY_DELAY_SECONDS,
            Some(v) => v
                .parse()
                .map_err(|_| "RETRY_DELAY_SECONDS is not a whole number of seconds")?,
        };
        Ok(Self {
            url,
            token: value(env, "FORWARD_TOKEN"),
            signing_key,
            retry_delay_seconds,
        })
    }
}

const DEFAULT_RETRY_DELAY_SECONDS: u32 = 30;

/// A secret, or else a plain var, of that name; empty counts as unset.
fn value(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}
