//! The host follows Envoy, not the filter under test: a filter that holds the headers to read
//! the body, as the proxy-wasm examples do, stalls in an Envoy without
//! `allow_on_headers_stop_iteration`, and the host says so at once instead of hanging.
//! Runs the benchmark's reference filter (`tests/baseline-filter`); `scripts/test.sh` builds it.

use std::path::Path;

use proxy_wasm_host::{Envoy, Host, Outcome, Request, SharedData};

fn read_all_filter() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-wasip1/release/hookwall_envoy_baseline.wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\nbuild it: cargo build --release --target wasm32-wasip1 -p hookwall-envoy-baseline",
            path.display()
        )
    })
}

fn load(allow_on_headers_stop_iteration: bool) -> Host {
    let envoy = Envoy {
        allow_on_headers_stop_iteration,
        ..Envoy::default()
    };
    Host::load_in(envoy, &read_all_filter(), "", SharedData::default()).unwrap()
}

#[test]
fn holding_the_headers_stalls_without_the_option_and_works_with_it() {
    let request = Request::post("/any", b"{\"a\": 1}").chunked(3);
    let error = load(false).send(&request, 200).unwrap_err().to_string();
    assert!(
        error.contains("hangs") && error.contains("stopped all iteration"),
        "{error}"
    );
    let outcome = load(true).send(&request, 200).unwrap();
    assert!(
        matches!(&outcome, Outcome::Forwarded { body, .. } if body == b"{\"a\": 1}"),
        "{outcome:?}"
    );
}

#[test]
fn stop_all_holds_a_request_without_a_body_too() {
    let mut request = Request::post("/any", b"");
    request.method = "GET".into();
    let error = load(false).send(&request, 200).unwrap_err().to_string();
    assert!(
        error.contains("hangs"),
        "StopAll holds the headers too: {error}"
    );
}

/// What every probe module holds: one page of memory, an allocator, `$say` (logs a status as
/// one character, `'0'` plus it, through the `$log` import) and the ABI's first exports.
const PROBE_BASE: &str = r#"  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32)
    (global.get $next)
    (global.set $next (i32.add (global.get $next) (local.get 0))))
  (func $say (param i32)
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (local.get 0)))
    (drop (call $log (i32.const 2) (i32.const 0) (i32.const 1))))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))"#;

/// A probe filter in WAT: its headers callback returns `headers_status` (after the HTTP call
/// `call` says, if any), its body callback adds a header and returns Continue, its tick reads
/// stream 2's request body; each host call's status is logged as one digit.
fn probe(headers_status: u32, call: bool) -> Vec<u8> {
    let call = if call {
        "(call $say (call $http_call (i32.const 16) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const 8)))"
    } else {
        ""
    };
    wat::parse_str(format!(
        r#"(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_http_call" (func $http_call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick_period (param i32) (result i32)))
  (import "env" "proxy_set_effective_context" (func $effective (param i32) (result i32)))
  (data (i32.const 16) "nowhere")
  (data (i32.const 32) "x-late1")
{PROBE_BASE}
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $tick_period (i32.const 1000))) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    {call} (i32.const {headers_status}))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
    (call $say (call $add_header (i32.const 0) (i32.const 32) (i32.const 6) (i32.const 38) (i32.const 1)))
    (i32.const 0))
  (func (export "proxy_on_request_trailers") (param i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_tick") (param i32)
    (drop (call $effective (i32.const 2)))
    (i32.store (i32.const 8) (i32.const 99))
    (i32.store (i32.const 12) (i32.const 99))
    (call $say (call $get_buffer (i32.const 0) (i32.const 0) (i32.const 1024) (i32.const 8) (i32.const 12)))
    (call $say (i32.load (i32.const 12))))
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32)))"#
    ))
    .unwrap()
}

fn load_probe(module: &[u8], envoy: Envoy) -> Host {
    Host::load_in(envoy, module, "", SharedData::default()).unwrap()
}

/// cpp-host keeps 3 as `StopAllIterationAndBuffer`, which Envoy answers 413 past its buffer limit;
/// 4 (and a 1 without the option) is `StopAllIterationAndWatermark`, which only stops reading.
#[test]
fn header_status_3_buffers_to_the_limit_and_4_only_stops_reading() {
    let envoy = Envoy {
        buffer_limit_bytes: 1024,
        ..Envoy::default()
    };
    let request = Request::post("/any", &[b'x'; 2048]).chunked(512);
    let outcome = load_probe(&probe(3, false), envoy)
        .send(&request, 200)
        .unwrap();
    assert_eq!(outcome.status(), Some(413), "{outcome:?}");
    assert!(!outcome.headers_reached_receiver());
    for status in [1, 4, 5] {
        let error = load_probe(&probe(status, false), envoy)
            .send(&request, 200)
            .unwrap_err();
        assert!(error.to_string().contains("hangs"), "{status}: {error}");
    }
}

/// Under `StopAll` the filter reads the request body as empty, `Ok`: its callback's buffer, not
/// Envoy's (Envoy `context.cc`, `getBuffer`; cpp-host `exports.cc`, `get_buffer_bytes`).
#[test]
fn the_body_reads_as_empty_under_stop_all() {
    let mut host = load_probe(&probe(4, false), Envoy::default());
    let error = host.send(&Request::post("/any", b"{}"), 200).unwrap_err();
    assert!(error.to_string().contains("hangs"), "{error}");
    let logs = host.logs();
    assert!(logs.len() >= 2, "{logs:?}");
    assert_eq!(logs[..2], ["0", "0"], "Ok, and a size of 0");
}

/// Headers that go upstream because a body callback continued stay lent to the filter: a
/// later write is `Ok` but never reaches the receiver (Envoy `context.cc` clears
/// `request_headers_` only on the headers callback's Continue and on `continueStream`).
#[test]
fn headers_sent_by_a_body_callback_stay_writable_without_effect() {
    let envoy = Envoy {
        allow_on_headers_stop_iteration: true,
        ..Envoy::default()
    };
    let mut host = load_probe(&probe(1, false), envoy);
    let outcome = host
        .send(&Request::post("/any", b"{\"a\": 1}").chunked(4), 200)
        .unwrap();
    let Outcome::Forwarded { headers, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(host.logs(), ["0", "0"], "both writes Ok");
    let late = headers.iter().filter(|(name, _)| name == "x-late").count();
    assert_eq!(
        late, 1,
        "only the write before the headers left: {headers:?}"
    );
}

/// No cluster is configured: an HTTP call answers `BadArgument`, as Envoy does for an unknown
/// cluster, not `Unimplemented` (on which the Rust SDK traps).
#[test]
fn an_http_call_to_an_unknown_cluster_is_a_bad_argument() {
    let mut host = load_probe(&probe(0, true), Envoy::default());
    let outcome = host.send(&Request::post("/any", b""), 200).unwrap();
    assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
    assert_eq!(host.logs(), ["2"]);
}

/// WASI `fd_write` answers as cpp-host's `writevImpl` does (`src/exports.cc`): stderr's buffers
/// are one log line at error level without its trailing newline, the count is written back, an
/// unknown descriptor is `EBADF` (8) and memory out of bounds `EFAULT` (21), never a trap. Each
/// status is logged as one character, `'0'` plus the status. `pwhost` (cpp-host on WAMR) logs the
/// same for this probe (docs/envoy-test-host.md).
#[test]
fn fd_write_follows_cpp_host() {
    let module = wat::parse_str(format!(
        r#"(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (data (i32.const 64) "bo")
  (data (i32.const 72) "om\n")
  (data (i32.const 128) "\40\00\00\00\02\00\00\00\48\00\00\00\03\00\00\00")
{PROBE_BASE}
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
    (call $say (call $fd_write (i32.const 2) (i32.const 128) (i32.const 2) (i32.const 256)))
    (call $say (i32.load (i32.const 256)))
    (call $say (call $fd_write (i32.const 3) (i32.const 128) (i32.const 2) (i32.const 256)))
    (call $say (call $fd_write (i32.const 1) (i32.const 0x7fff0000) (i32.const 1) (i32.const 256)))
    (call $say (call $fd_write (i32.const 1) (i32.const -8) (i32.const 1) (i32.const 256)))
    (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_request_trailers") (param i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_tick") (param i32))
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32)))"#
    ))
    .unwrap();
    let host = load_probe(&module, Envoy::default());
    assert_eq!(host.logs(), ["boom", "0", "5", "8", "E", "E"]);
    assert_eq!(host.logs_at(4), ["boom"], "stderr is logged at error level");
}
