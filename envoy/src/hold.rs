//! Holding the request headers while the body arrives, so that labels can still be added,
//! works only where Envoy's `PluginConfig.allow_on_headers_stop_iteration` is on (Envoy 1.35+).
//! Elsewhere proxy-wasm-cpp-host turns the hold into `StopAllIteration` and Envoy calls no body
//! callback until the filter continues: the stream would hang until Envoy's idle timeout.
//!
//! The plugin configuration tells the filter the setting. If it says yes and Envoy says no,
//! the filter proves it rather than guessing from time, which cannot tell that case from a
//! slow client. Envoy counts the bytes a stream has received before any filter sees them
//! (`request.total_size`: `StreamInfo::bytesReceived` plus the request headers' size; Envoy
//! `source/extensions/filters/common/expr/context.cc`, counted in the connection manager's
//! `ActiveStream::decodeData`), so a body Envoy buffers under `StopAll` counts too. On the root
//! context's tick, a held stream whose count grew since its headers callback, with no body
//! callback, has a body Envoy withholds from the filter: it is refused with a 500 (fail closed,
//! the provider retries) and one error line is logged. A count that has not grown is a client
//! still sending: it waits, bounded by Envoy's own timeouts. The first body callback proves the
//! setting and ends the watch.

use std::collections::HashMap;
use std::time::Duration;

/// How often the root context looks.
pub const TICK: Duration = Duration::from_secs(1);

/// The property holding what a stream has received: `request.total_size`.
pub const RECEIVED: [&str; 2] = ["request", "total_size"];

#[derive(Default)]
pub struct Watch {
    /// Streams holding their headers, with what they had received when their headers callback
    /// ended, and their source's index.
    held: HashMap<u32, (u64, usize)>,
    /// A body callback arrived while headers were held: Envoy has the setting.
    proven: bool,
    warned: bool,
}

impl Watch {
    /// Watches `stream`, which had received `received` bytes when its headers were held.
    pub fn hold(&mut self, stream: u32, received: u64, source: usize) {
        if !self.proven {
            self.held.insert(stream, (received, source));
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

    /// The held streams that received more than when their headers were held, by what
    /// `received` reads now, no longer watched.
    pub fn withheld(&mut self, received: impl Fn(u32) -> Option<u64>) -> Vec<(u32, usize)> {
        let grown: Vec<(u32, usize)> = self
            .held
            .iter()
            .filter(|&(&stream, &(before, _))| received(stream).is_some_and(|now| now > before))
            .map(|(&stream, &(_, source))| (stream, source))
            .collect();
        for (stream, _) in &grown {
            self.held.remove(stream);
        }
        grown
    }

    /// True the first time only: the explanation is logged once per VM.
    pub fn first_warning(&mut self) -> bool {
        !std::mem::replace(&mut self.warned, true)
    }
}

/// A byte count as Envoy's properties give it: a little-endian `int64`.
pub fn count(value: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = value.try_into().ok()?;
    u64::try_from(i64::from_le_bytes(bytes)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_stream_that_received_more_is_withheld() {
        let mut watch = Watch::default();
        watch.hold(1, 300, 0);
        watch.hold(2, 300, 1);
        watch.hold(3, 300, 2);
        let now = |stream| match stream {
            1 => Some(300),
            2 => Some(1300),
            _ => None,
        };
        assert_eq!(watch.withheld(now), vec![(2, 1)]);
        assert_eq!(watch.withheld(now), vec![], "no longer watched");
        watch.body_seen();
        watch.hold(4, 0, 0);
        assert_eq!(watch.withheld(|_| Some(1)), vec![], "proven: nothing held");
    }

    #[test]
    fn counts_read_as_envoy_writes_them() {
        assert_eq!(count(&1300i64.to_le_bytes()), Some(1300));
        assert_eq!(count(&(-1i64).to_le_bytes()), None);
        assert_eq!(count(b"1300"), None);
    }
}
