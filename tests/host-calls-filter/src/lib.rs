//! What hookwall's host calls cost alone: per request, the calls the filter makes for a Cloud66
//! event it forwards (the head, the source address, the query credential stripped from `:path`,
//! the clock, the body, a deduplication claim and its release, six labels, two counters, the
//! receiver's status), with constant arguments and no decision. Between the read-all baseline and
//! hookwall, it separates the host's share of a request from the guest's.

use std::cell::Cell;

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, MetricType};

/// The SDK's exported `_initialize`, in a module of its own as in hookwall's filter.
mod entry {
    use proxy_wasm::traits::RootContext;
    use proxy_wasm::types::LogLevel;

    proxy_wasm::main! {{
        proxy_wasm::set_log_level(LogLevel::Warn);
        proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(super::Root) });
    }}
}

const KEY: &str = "hookwall:dedup:cloud66:2f6c1dcb0f2e4d0a9a0c4e0d3b8a7f61";

const LABELS: [(&str, &str); 6] = [
    ("x-hookwall-source", "cloud66"),
    ("x-hookwall-provider", "cloud66"),
    ("x-hookwall-event-type", "active.protect.block"),
    ("x-hookwall-category", "attack"),
    ("x-hookwall-severity", "high"),
    ("x-hookwall-event-id", "2f6c1dcb0f2e4d0a9a0c4e0d3b8a7f61"),
];

thread_local! {
    /// The two counters, defined once per VM as hookwall's are.
    static COUNTERS: Cell<Option<(u32, u32)>> = const { Cell::new(None) };
}

struct Root;

impl Context for Root {}

impl RootContext for Root {
    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(HostCalls))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct HostCalls;

impl Context for HostCalls {}

impl HttpContext for HostCalls {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        std::hint::black_box(self.get_http_request_headers_bytes());
        std::hint::black_box(self.get_property(vec!["source", "address"]));
        self.set_http_request_header(":path", Some("/hooks/cloud66"));
        Action::Pause
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if !end_of_stream {
            return Action::Pause;
        }
        std::hint::black_box(self.get_current_time());
        std::hint::black_box(self.get_http_request_body(0, body_size));
        swap_shared(b"inflight:1767225900:2");
        for (name, value) in LABELS {
            self.set_http_request_header(name, Some(value));
        }
        let (requests, events) = counters();
        let _ = hostcalls::increment_metric(requests, 1);
        let _ = hostcalls::increment_metric(events, 1);
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        std::hint::black_box(self.get_http_response_header(":status"));
        std::hint::black_box(self.get_current_time());
        swap_shared(b"");
        Action::Continue
    }
}

/// A read and a compare-and-swap write of the deduplication entry.
fn swap_shared(value: &[u8]) {
    let cas = hostcalls::get_shared_data(KEY)
        .ok()
        .and_then(|(_, cas)| cas);
    let _ = hostcalls::set_shared_data(KEY, Some(value), cas);
}

fn counters() -> (u32, u32) {
    COUNTERS.with(|cell| {
        let ids = cell.get().unwrap_or_else(|| {
            let define = |name| hostcalls::define_metric(MetricType::Counter, name).unwrap_or(0);
            (
                define("hookwall.requests.cloud66.allowed"),
                define("hookwall.events.cloud66.active_protect_block.high"),
            )
        });
        cell.set(Some(ids));
        ids
    })
}
