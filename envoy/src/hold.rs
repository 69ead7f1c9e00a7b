//! Holding the request headers while the body arrives, so that labels can still be added,
//! works only where Envoy's `PluginConfig.allow_on_headers_stop_iteration` is on (Envoy 1.35+).
//! Elsewhere proxy-wasm-cpp-host turns the hold into StopAllIteration and Envoy calls no body
//! callback until the filter continues: the stream would hang until Envoy's idle timeout.
//!
//! The plugin configuration tells the filter the setting. If it says yes and Envoy says no,
//! nothing in the ABI tells the filter, so a watchdog on the root context's tick does: a
//! stream whose headers were held longer than [`TIMEOUT`] without a body callback, before any
//! stream of this VM has had one, is refused with a 500 (fail closed, the provider retries),
//! and one error line is logged. The first body callback proves the setting and ends the watch.

use std::collections::HashMap;
use std::time::Duration;

/// How long held headers may wait for their body before the setting is judged wrong. Far
/// longer than a provider takes between a request's head and its body.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How often the root context looks.
pub const TICK: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Watch {
    /// Streams holding their headers, with when they started and their source's index.
    held: HashMap<u32, (Duration, usize)>,
    /// A body callback arrived while headers were held: Envoy has the setting.
    proven: bool,
    warned: bool,
}

impl Watch {
    pub fn hold(&mut self, stream: u32, now: Duration, source: usize) {
        if !self.proven {
            self.held.insert(stream, (now, source));
        }
    }

    pub fn body_seen(&mut self) {
        self.proven = true;
        self.held.clear();
    }

    pub fn proven(&self) -> bool {
        self.proven
    }

    pub fn release(&mut self, stream: u32) {
        self.held.remove(&stream);
    }

    /// The streams held past [`TIMEOUT`], no longer watched.
    pub fn overdue(&mut self, now: Duration) -> Vec<(u32, usize)> {
        let late: Vec<(u32, usize)> = self
            .held
            .iter()
            .filter(|(_, (since, _))| now.saturating_sub(*since) >= TIMEOUT)
            .map(|(&stream, &(_, source))| (stream, source))
            .collect();
        for (stream, _) in &late {
            self.held.remove(stream);
        }
        late
    }

    /// True the first time only: the explanation is logged once per VM.
    pub fn first_warning(&mut self) -> bool {
        !std::mem::replace(&mut self.warned, true)
    }
}
