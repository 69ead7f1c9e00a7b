//! Counters through the proxy-wasm stats API. Envoy shows them with its `wasmcustom.` prefix:
//! `wasmcustom.hookwall.requests.<source>.<reason>` and
//! `wasmcustom.hookwall.events.<provider>.<event_type>.<severity>`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proxy_wasm::hostcalls;
use proxy_wasm::types::MetricType;

/// Counter ids by name, defined on first use and shared by every context of the VM.
#[derive(Clone, Default)]
pub struct Metrics(Rc<RefCell<HashMap<String, u32>>>);

impl Metrics {
    /// A request's outcome: `allowed`, `duplicate`, or the denial's reason.
    pub fn request(&self, source: &str, reason: &str) {
        self.increment(&format!("hookwall.requests.{source}.{reason}"));
    }

    /// An event let through to the receiver.
    pub fn event(&self, provider: &str, event_type: &str, severity: &str) {
        self.increment(&format!(
            "hookwall.events.{provider}.{}.{severity}",
            stat_segment(event_type)
        ));
    }

    fn increment(&self, name: &str) {
        let mut ids = self.0.borrow_mut();
        let id = match ids.get(name) {
            Some(&id) => id,
            None => match hostcalls::define_metric(MetricType::Counter, name) {
                Ok(id) => *ids.entry(name.to_string()).or_insert(id),
                Err(_) => return,
            },
        };
        let _ = hostcalls::increment_metric(id, 1);
    }
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
