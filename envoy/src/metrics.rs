//! Counters through the proxy-wasm stats API. Envoy shows them with its `wasmcustom.` prefix:
//! `wasmcustom.hookwall.requests.<source>.<reason>` and
//! `wasmcustom.hookwall.events.<provider>.<event_type>.<severity>`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use hookwall::Outcome;
use proxy_wasm::hostcalls;
use proxy_wasm::types::MetricType;

/// The source segment of a request that matched no source's path.
const NO_SOURCE: &str = "_none";

/// Counter ids, defined on first use and shared by every context of the VM. Keyed by the parts
/// of the name, so that counting a request formats nothing once its counter exists.
#[derive(Clone, Default)]
pub struct Metrics(Rc<RefCell<Ids>>);

#[derive(Default)]
struct Ids {
    /// By reason, then source name.
    requests: HashMap<&'static str, HashMap<String, u32>>,
    /// By provider, event type and severity; the type is `unknown` for undocumented ones.
    events: HashMap<(&'static str, &'static str, &'static str), u32>,
}

impl Metrics {
    /// A request's outcome: an acknowledgement (`allowed`, `duplicate`) or a refusal's reason,
    /// under the source at its path; a request at no source's path is counted as `_none`, a
    /// name no source can have (the policy refuses source names that start with `_`).
    pub fn request(&self, source: Option<&str>, outcome: impl Into<Outcome>) {
        let source = source.unwrap_or(NO_SOURCE);
        let reason = outcome.into().code();
        let mut ids = self.0.borrow_mut();
        let by_source = ids.requests.entry(reason).or_default();
        let id = if let Some(&id) = by_source.get(source) {
            id
        } else {
            let Some(id) = define(&format!("hookwall.requests.{source}.{reason}")) else {
                return;
            };
            by_source.insert(source.to_string(), id);
            id
        };
        increment(id);
    }

    /// An event let through to the receiver.
    pub fn event(&self, provider: &'static str, event_type: &'static str, severity: &'static str) {
        let key = (provider, event_type, severity);
        let mut ids = self.0.borrow_mut();
        let id = if let Some(&id) = ids.events.get(&key) {
            id
        } else {
            let name = format!(
                "hookwall.events.{provider}.{}.{severity}",
                stat_segment(event_type)
            );
            let Some(id) = define(&name) else { return };
            ids.events.insert(key, id);
            id
        };
        increment(id);
    }
}

fn define(name: &str) -> Option<u32> {
    hostcalls::define_metric(MetricType::Counter, name).ok()
}

fn increment(id: u32) {
    let _ = hostcalls::increment_metric(id, 1);
}

/// Envoy splits stat names on dots; a provider's dotted type (`active.protect.block`) stays
/// one segment, and nothing outside `[A-Za-z0-9_-]` reaches a name.
fn stat_segment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
