//! A proxy-wasm ABI 0.2.1 host on wasmtime that runs a filter the way Envoy does, so tests
//! and benchmarks drive the real release `.wasm`. The rules, each with the Envoy or
//! proxy-wasm-cpp-host source behind it, are listed in `docs/envoy-test-host.md`:
//!
//! - every host function a proxy-wasm Rust filter imports is defined, and nothing else, so a
//!   filter importing a function Envoy lacks fails to instantiate (no catch-all);
//! - a headers callback's status is converted as cpp-host does: `StopIteration` becomes
//!   `StopAllIterationAndWatermark` unless the plugin sets `allow_on_headers_stop_iteration`
//!   ([`Envoy`]); under `StopAll` the body is buffered unseen until `proxy_continue_stream`, and
//!   `StopAllIterationAndBuffer` is answered 413 past Envoy's buffer limit;
//! - request headers can be read and changed only while Envoy lends them to the filter; after
//!   a Continue from the headers callback or a `proxy_continue_stream` the map is gone
//!   (`BadArgument`); headers sent on by a body callback stay writable, to no effect;
//! - the body arrives in chunks, after a delay if the client is slow (time passes, ticks
//!   fire); while the filter pauses, Envoy buffers and the next callback sees the running size;
//!   `Continue` forwards what is buffered; Envoy counts what it received (`request.size`,
//!   `request.total_size`) whether or not the filter saw it;
//! - a request with trailers ends with the trailers callback, not with a body callback at the
//!   end of the stream;
//! - a stream the filter never lets finish lets time pass: the plugin's ticks fire until
//!   Envoy's stream idle timeout, then the send fails, naming the hang;
//! - `source.address` is what the connection manager makes of the peer and `X-Forwarded-For`
//!   under `use_remote_address` and `xff_num_trusted_hops`;
//! - one local reply per stream; after it, no further request callback;
//! - shared data with compare-and-swap as cpp-host's `SharedData::set`, shared by every VM
//!   built from one [`SharedData`] (the way Envoy shares it across worker threads), with another
//!   worker's turn placed between a read and what follows ([`SharedData::after_read`]); a
//!   request can be begun and answered later ([`Host::begin`], [`Host::answer`]); metrics,
//!   logs, a clock.

pub mod deployment;
pub mod examples;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use wasmtime::{Caller, Engine, Linker, Memory, Module, Store, TypedFunc};

pub use wasmtime::{Error, Result};

/// proxy-wasm status codes.
mod status {
    pub const OK: i32 = 0;
    pub const NOT_FOUND: i32 = 1;
    pub const BAD_ARGUMENT: i32 = 2;
    pub const PARSE_FAILURE: i32 = 4;
    pub const INVALID_MEMORY_ACCESS: i32 = 6;
    pub const CAS_MISMATCH: i32 = 8;
    pub const UNIMPLEMENTED: i32 = 12;
}

const REQUEST_BODY: i32 = 0;
const PLUGIN_CONFIGURATION: i32 = 7;
const REQUEST_HEADERS: i32 = 0;
const REQUEST_TRAILERS: i32 = 1;
const RESPONSE_HEADERS: i32 = 2;
const ACTION_CONTINUE: i32 = 0;
/// A body callback's `StopIterationAndBuffer`.
const DATA_STOP_AND_BUFFER: i32 = 1;
/// The root context's id; streams count from 2.
const ROOT_CONTEXT: i32 = 1;
/// `WasmStreamType::Request` in `proxy_continue_stream`.
const STREAM_REQUEST: i32 = 0;

/// Envoy's default `stream_idle_timeout` (HttpConnectionManager): how long a stalled stream
/// waits before Envoy answers 408 itself.
const STREAM_IDLE_TIMEOUT_MS: u64 = 300_000;

/// What Envoy was configured with, where it changes what a filter sees. The default is
/// Envoy's own default for each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envoy {
    /// The Wasm filter's `PluginConfig.allow_on_headers_stop_iteration` (Envoy 1.35+).
    pub allow_on_headers_stop_iteration: bool,
    /// The HTTP connection manager's `use_remote_address`.
    pub use_remote_address: bool,
    /// The HTTP connection manager's `xff_num_trusted_hops`.
    pub xff_num_trusted_hops: u32,
    /// The listener's `per_connection_buffer_limit_bytes`, the limit of a stream's buffer.
    pub buffer_limit_bytes: usize,
}

impl Default for Envoy {
    fn default() -> Self {
        Self {
            allow_on_headers_stop_iteration: false,
            use_remote_address: false,
            xff_num_trusted_hops: 0,
            buffer_limit_bytes: 1 << 20,
        }
    }
}

/// What the filter manager does after a headers callback, from the filter's raw status as
/// proxy-wasm-cpp-host converts it (`src/context.cc`, `convertVmCallResultToFilterHeadersStatus`:
/// 0 Continue, 1 `StopIteration`, 2 `ContinueAndEndStream`, 3 `StopAllIterationAndBuffer`, 4
/// `StopAllIterationAndWatermark`; a 1 without `allow_on_headers_stop_iteration`, and anything
/// above 4, become `StopAllIterationAndWatermark`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeadersStatus {
    Continue,
    StopIteration,
    /// `StopAllIterationAndBuffer`: past the buffer limit, Envoy answers 413.
    StopAllBuffer,
    /// `StopAllIterationAndWatermark`: past the limit, Envoy stops reading; no 413.
    StopAllWatermark,
}

fn headers_status(result: i32, allow_on_headers_stop_iteration: bool) -> HeadersStatus {
    match result {
        0 | 2 => HeadersStatus::Continue,
        1 if allow_on_headers_stop_iteration => HeadersStatus::StopIteration,
        3 => HeadersStatus::StopAllBuffer,
        _ => HeadersStatus::StopAllWatermark,
    }
}

/// Shared data of one Envoy process: key → (value, cas), and the next compare-and-swap number,
/// one counter for every key as in cpp-host's `SharedData::nextCas` (`src/shared_data.h`).
#[derive(Clone, Default)]
pub struct SharedData(Arc<Mutex<Shared>>);

#[derive(Default)]
struct Shared {
    entries: HashMap<String, Entry>,
    last_cas: u32,
    interleaving: Option<Interleaving>,
}

/// Another worker's turn, taken right after a filter's read of a key (see
/// [`SharedData::after_read`]).
struct Interleaving {
    prefix: String,
    /// Matching reads still to let through before the turn.
    reads_left: usize,
    turn: Box<dyn FnOnce() + Send>,
}

impl Shared {
    /// cpp-host's `SharedData::set` (`src/shared_data.cc`): on an existing key, a CAS of 0
    /// writes unconditionally and any other must equal the key's; a missing key is inserted
    /// whatever the CAS. Every write gets the next number of one counter for all keys, which
    /// starts at 1 and skips 0 when it wraps (`src/shared_data.h`, `nextCas`).
    fn set(&mut self, key: &str, value: Vec<u8>, cas: u32) -> bool {
        if let Some((_, current)) = self.entries.get(key) {
            if cas != 0 && cas != *current {
                return false;
            }
        }
        self.last_cas = self.last_cas.wrapping_add(1).max(1);
        self.entries.insert(key.to_string(), (value, self.last_cas));
        true
    }

    /// The turn due after this read of `key`, if any.
    fn turn_after(&mut self, key: &str) -> Option<Box<dyn FnOnce() + Send>> {
        let due = self.interleaving.as_mut().is_some_and(|i| {
            key.starts_with(&i.prefix) && {
                i.reads_left = i.reads_left.saturating_sub(1);
                i.reads_left == 0
            }
        });
        due.then(|| self.interleaving.take().map(|i| i.turn))?
    }
}

/// A shared-data value and its compare-and-swap token.
type Entry = (Vec<u8>, u32);

/// A local reply: status, headers, body.
type LocalReply = (u16, Vec<(String, String)>, Vec<u8>);

/// Compiled modules by their bytes.
type Compiled = HashMap<Vec<u8>, (Engine, Module)>;

impl SharedData {
    /// The process's shared data. A test that panicked mid-turn leaves it as that turn left it,
    /// which the next reader sees as Envoy's workers would, rather than a poisoned lock.
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value stored under `key`, as any VM would read it.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.lock().entries.get(key).map(|(v, _)| v.clone())
    }

    /// How many keys the process's shared data holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Every key the process's shared data holds, in no order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().entries.keys().cloned().collect()
    }

    /// The bytes of every key and value.
    pub fn bytes(&self) -> usize {
        self.lock()
            .entries
            .iter()
            .map(|(k, (v, _))| k.len() + v.len())
            .sum()
    }

    /// Whether the process's shared data holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes an entry as another worker would.
    pub fn set(&self, key: &str, value: &[u8]) {
        self.lock().set(key, value.to_vec(), 0);
    }

    /// Runs `turn` (another worker's request, say) right after the `nth` read (from 1) by any
    /// VM of a key starting with `prefix`: the reader gets what was there before the turn, so
    /// whatever the turn writes lands between that read and the reader's next call, as a
    /// worker thread's write can in Envoy. Reads made by the turn itself do not count.
    pub fn after_read(&self, prefix: &str, nth: usize, turn: impl FnOnce() + Send + 'static) {
        self.lock().interleaving = Some(Interleaving {
            prefix: prefix.into(),
            reads_left: nth,
            turn: Box::new(turn),
        });
    }

    /// Whether the turn set by [`SharedData::after_read`] has yet to run.
    pub fn turn_pending(&self) -> bool {
        self.lock().interleaving.is_some()
    }
}

/// A request as a client sends it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The `:method` pseudo-header.
    pub method: String,
    /// The `:path` pseudo-header, with its query.
    pub path: String,
    /// The client's headers, names lowercased as HTTP/2 sends them.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The connection's peer, `ip:port`; `source.address` is what Envoy makes of it and of
    /// `X-Forwarded-For` ([`Envoy`]).
    pub peer: String,
    /// The body as the client's data frames carry it; Envoy hands each to the filter in turn.
    pub chunks: Vec<Vec<u8>>,
    /// Trailers after the body; with any, the stream ends on the trailers callback.
    pub trailers: Vec<(String, Vec<u8>)>,
    /// How long the client takes between its head and its body's first byte.
    pub body_delay_ms: u64,
}

impl Request {
    /// A `POST` of `body` to `path` as JSON, in one frame, from a documentation-range peer.
    pub fn post(path: &str, body: &[u8]) -> Self {
        Self {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            peer: "203.0.113.7:40000".into(),
            chunks: vec![body.to_vec()],
            trailers: Vec::new(),
            body_delay_ms: 0,
        }
    }

    /// The body starts `seconds` after the head: a slow client. Time passes for the filter
    /// meanwhile (its ticks fire), and Envoy has received nothing of the body.
    #[must_use]
    pub fn body_after(mut self, seconds: u64) -> Self {
        self.body_delay_ms = seconds * 1000;
        self
    }

    /// Adds a header; its name is lowercased, as Envoy presents it to the filter.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_bytes().to_vec()));
        self
    }

    /// Adds a header whose value need not be UTF-8, as a hostile client may send.
    #[must_use]
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_vec()));
        self
    }

    /// Sends from `peer` (`ip:port`), the connection's remote address.
    #[must_use]
    pub fn peer(mut self, peer: &str) -> Self {
        self.peer = peer.into();
        self
    }

    /// Ends the request with a trailer after the body.
    #[must_use]
    pub fn trailer(mut self, name: &str, value: &str) -> Self {
        self.trailers
            .push((name.to_ascii_lowercase(), value.as_bytes().to_vec()));
        self
    }

    /// Delivers the body in chunks of `size` bytes.
    #[must_use]
    pub fn chunked(mut self, size: usize) -> Self {
        let body: Vec<u8> = self.chunks.concat();
        self.chunks = body.chunks(size.max(1)).map(<[u8]>::to_vec).collect();
        self
    }
}

/// A request [`Host::begin`] delivered, awaiting [`Host::answer`].
#[derive(Debug)]
#[must_use = "the stream stays open until it is answered"]
pub struct Pending {
    id: i32,
    /// The stream was answered before it reached the receiver whole.
    replied: Option<Outcome>,
}

impl Pending {
    /// Whether the filter let the request through to the receiver.
    pub fn forwarded(&self) -> bool {
        self.replied.is_none()
    }
}

/// What became of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The filter answered itself. If the request's headers had gone upstream already, Envoy
    /// resets the receiver's stream: it never gets the request complete.
    LocalReply {
        /// The status the filter answered with.
        status: u16,
        /// The headers the filter added to its reply.
        headers: Vec<(String, String)>,
        /// The reply's body.
        body: Vec<u8>,
        /// Whether the receiver saw the (incomplete) request's headers.
        headers_reached_receiver: bool,
    },
    /// The request went on to the receiver, as it reached it.
    Forwarded {
        /// The request headers as they went upstream.
        headers: Vec<(String, String)>,
        /// The body bytes the receiver got.
        body: Vec<u8>,
    },
}

impl Outcome {
    /// The local reply's status; `None` if the request was forwarded.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::LocalReply { status, .. } => Some(*status),
            Self::Forwarded { .. } => None,
        }
    }

    /// The first header `name` of the reply or of the forwarded request.
    pub fn header(&self, name: &str) -> Option<&str> {
        let headers = match self {
            Self::LocalReply { headers, .. } | Self::Forwarded { headers, .. } => headers,
        };
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the receiver saw the request's headers (for a forwarded request, always).
    pub fn headers_reached_receiver(&self) -> bool {
        match self {
            Self::LocalReply {
                headers_reached_receiver,
                ..
            } => *headers_reached_receiver,
            Self::Forwarded { .. } => true,
        }
    }

    /// The reply's body, or the body the receiver got.
    pub fn body(&self) -> &[u8] {
        match self {
            Self::LocalReply { body, .. } | Self::Forwarded { body, .. } => body,
        }
    }
}

/// One stream's state in Envoy's filter manager and in the Wasm context; each flag is one of
/// theirs, set and cleared at its own point in the stream, so no enum of them would be smaller.
#[derive(Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent flags of Envoy's filter manager and Wasm context, mirrored one to one"
)]
struct Stream {
    request_headers: Vec<(String, Vec<u8>)>,
    request_trailers: Vec<(String, Vec<u8>)>,
    /// Envoy no longer lends the request headers to the filter: they continued, or the filter
    /// asked to continue (Envoy's `context.cc` sets `request_headers_` to null in both cases).
    headers_gone: bool,
    /// The headers went upstream: the receiver has a request open.
    upstream_started: bool,
    /// The headers as they went upstream.
    sent_headers: Vec<(String, Vec<u8>)>,
    /// Body bytes Envoy has received from the client, whether or not the filter saw them.
    received: u64,
    /// Envoy buffers under a limit past which it answers 413 (`StopAllIterationAndBuffer`, or a
    /// body callback's `StopIterationAndBuffer`).
    buffering: bool,
    /// The headers callback stopped all iteration: body and trailers wait, unseen by the filter
    /// (`filter_manager.cc`, `handleDataIfStopAll`).
    stopped_all: bool,
    /// `proxy_continue_stream` was called; Envoy acts on it once the VM call returns.
    continue_requested: bool,
    /// Every chunk of the client's body has arrived.
    body_complete: bool,
    /// Trailers arrived while the filter had stopped all iteration.
    trailers_pending: bool,
    buffered: Vec<u8>,
    forwarded: Vec<u8>,
    response_headers: Vec<(String, Vec<u8>)>,
    local_reply: Option<LocalReply>,
    /// `source.address`, as the connection manager set it.
    source_address: String,
}

struct State {
    envoy: Envoy,
    /// The root context's tick period (`proxy_set_tick_period_milliseconds`); 0: no timer.
    tick_period_ms: u64,
    /// Time passed since the last tick (or since the timer was set).
    since_tick_ms: u64,
    plugin_config: Vec<u8>,
    shared: SharedData,
    metrics: Vec<(String, i64)>,
    logs: Vec<(i32, String)>,
    now_nanos: u64,
    streams: HashMap<i32, Stream>,
    current: Option<i32>,
    /// Body callbacks of the last stream.
    body_calls: usize,
    /// The guest's memory and allocator, looked up once at load as Envoy does, not by name on
    /// every host call (which would bill the filter for the host's own lookups).
    guest: Option<Guest>,
}

#[derive(Clone)]
struct Guest {
    memory: Memory,
    allocate: Option<TypedFunc<i32, i32>>,
}

impl State {
    fn stream(&mut self) -> Option<&mut Stream> {
        let id = self.current?;
        self.streams.get_mut(&id)
    }
}

/// A filter VM, configured and ready for requests.
pub struct Host {
    store: Store<State>,
    root: i32,
    next_id: i32,
    on_context_create: TypedFunc<(i32, i32), ()>,
    on_request_headers: TypedFunc<(i32, i32, i32), i32>,
    on_request_body: TypedFunc<(i32, i32, i32), i32>,
    on_request_trailers: TypedFunc<(i32, i32), i32>,
    on_response_headers: TypedFunc<(i32, i32, i32), i32>,
    on_tick: TypedFunc<i32, ()>,
    on_log: TypedFunc<i32, ()>,
    on_done: TypedFunc<i32, i32>,
    on_delete: TypedFunc<i32, ()>,
}

impl Host {
    /// Loads `wasm` with `plugin_config` as an Envoy with default settings does: instantiate,
    /// start the VM, configure the plugin. Fails if the module imports what the host lacks, or
    /// `on_configure` fails.
    ///
    /// # Errors
    ///
    /// The module does not compile or instantiate, lacks an export the ABI requires, traps, or
    /// refuses to start or to take `plugin_config`.
    pub fn load(wasm: &[u8], plugin_config: &str) -> Result<Self> {
        Self::load_in(Envoy::default(), wasm, plugin_config, SharedData::default())
    }

    /// Like [`Host::load`], sharing data with other VMs (Envoy's worker threads).
    ///
    /// # Errors
    ///
    /// As [`Host::load`].
    pub fn load_shared(wasm: &[u8], plugin_config: &str, shared: SharedData) -> Result<Self> {
        Self::load_in(Envoy::default(), wasm, plugin_config, shared)
    }

    /// Like [`Host::load_shared`], in an Envoy configured as `envoy` says.
    ///
    /// # Errors
    ///
    /// As [`Host::load`].
    pub fn load_in(
        envoy: Envoy,
        wasm: &[u8],
        plugin_config: &str,
        shared: SharedData,
    ) -> Result<Self> {
        let (engine, module) = compile(wasm)?;
        let mut linker = Linker::new(&engine);
        define_host_functions(&mut linker)?;
        let state = State {
            envoy,
            tick_period_ms: 0,
            since_tick_ms: 0,
            plugin_config: plugin_config.as_bytes().to_vec(),
            shared,
            metrics: Vec::new(),
            logs: Vec::new(),
            now_nanos: 1_767_225_600_000_000_000,
            streams: HashMap::new(),
            current: None,
            body_calls: 0,
            guest: None,
        };
        let mut store = Store::new(&engine, state);
        let instance = linker.instantiate(&mut store, &module)?;
        instance
            .get_func(&mut store, "proxy_abi_version_0_2_1")
            .ok_or_else(|| Error::msg("the module does not declare proxy_abi_version_0_2_1"))?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| Error::msg("no exported memory"))?;
        let allocate = instance
            .get_typed_func::<i32, i32>(&mut store, "proxy_on_memory_allocate")
            .ok();
        store.data_mut().guest = Some(Guest { memory, allocate });
        if let Some(init) = instance.get_func(&mut store, "_initialize") {
            init.typed::<(), ()>(&store)?.call(&mut store, ())?;
        }
        let func = |store: &mut Store<State>, name: &str| -> Result<wasmtime::Func> {
            instance
                .get_func(&mut *store, name)
                .ok_or_else(|| Error::msg(format!("missing export {name}")))
        };
        let mut host = Self {
            root: ROOT_CONTEXT,
            next_id: 2,
            on_context_create: func(&mut store, "proxy_on_context_create")?.typed(&store)?,
            on_request_headers: func(&mut store, "proxy_on_request_headers")?.typed(&store)?,
            on_request_body: func(&mut store, "proxy_on_request_body")?.typed(&store)?,
            on_request_trailers: func(&mut store, "proxy_on_request_trailers")?.typed(&store)?,
            on_response_headers: func(&mut store, "proxy_on_response_headers")?.typed(&store)?,
            on_tick: func(&mut store, "proxy_on_tick")?.typed(&store)?,
            on_log: func(&mut store, "proxy_on_log")?.typed(&store)?,
            on_done: func(&mut store, "proxy_on_done")?.typed(&store)?,
            on_delete: func(&mut store, "proxy_on_delete")?.typed(&store)?,
            store,
        };
        let on_vm_start: TypedFunc<(i32, i32), i32> =
            func(&mut host.store, "proxy_on_vm_start")?.typed(&host.store)?;
        let on_configure: TypedFunc<(i32, i32), i32> =
            func(&mut host.store, "proxy_on_configure")?.typed(&host.store)?;
        host.on_context_create
            .call(&mut host.store, (host.root, 0))?;
        if on_vm_start.call(&mut host.store, (host.root, 0))? == 0 {
            return Err(Error::msg("on_vm_start failed"));
        }
        let size = i32::try_from(plugin_config.len())?;
        if on_configure.call(&mut host.store, (host.root, size))? == 0 {
            let logs: Vec<String> = host
                .store
                .data()
                .logs
                .iter()
                .map(|(_, m)| m.clone())
                .collect();
            return Err(Error::msg(format!(
                "on_configure failed: {}",
                logs.join("; ")
            )));
        }
        Ok(host)
    }

    /// Sends `request` through the filter; if it is forwarded, the receiver answers
    /// `upstream_status`. The stream then ends as in Envoy: log, done, delete.
    ///
    /// # Errors
    ///
    /// The filter trapped, or never let the request continue (the stream would hang until
    /// Envoy's stream idle timeout), or the request's peer is not an `ip:port`.
    pub fn send(&mut self, request: &Request, upstream_status: u16) -> Result<Outcome> {
        let pending = self.begin(request)?;
        self.answer(pending, upstream_status)
    }

    /// The first half of [`Host::send`]: the whole request reaches the filter (with the time a
    /// slow client takes) and, if the filter lets it through, reaches the receiver, which has
    /// not answered yet. Other requests may run meanwhile, on this VM or another.
    ///
    /// # Errors
    ///
    /// As [`Host::send`].
    pub fn begin(&mut self, request: &Request) -> Result<Pending> {
        let id = self.next_id;
        self.next_id += 1;
        let mut headers = vec![
            (":method".to_string(), request.method.clone().into_bytes()),
            (":path".to_string(), request.path.clone().into_bytes()),
            (":authority".to_string(), b"hooks.example.com".to_vec()),
            (":scheme".to_string(), b"https".to_vec()),
        ];
        headers.extend(request.headers.iter().cloned());
        let envoy = self.store.data().envoy;
        let source_address = downstream_address(&envoy, &request.peer, &mut headers)?;
        let stream = Stream {
            request_headers: headers,
            request_trailers: request.trailers.clone(),
            source_address,
            ..Stream::default()
        };
        self.store.data_mut().streams.insert(id, stream);
        self.store.data_mut().current = Some(id);
        self.store.data_mut().body_calls = 0;
        self.on_context_create
            .call(&mut self.store, (id, self.root))?;
        let delivered = self.deliver(id, request);
        if delivered.is_err() {
            self.close(id)?;
        }
        self.store.data_mut().current = None;
        Ok(Pending {
            id,
            replied: delivered?,
        })
    }

    /// The second half of [`Host::send`]: the receiver answers `upstream_status` to a request
    /// that reached it, then the stream ends.
    ///
    /// # Errors
    ///
    /// The filter trapped in its response or end-of-stream callbacks.
    pub fn answer(&mut self, pending: Pending, upstream_status: u16) -> Result<Outcome> {
        let id = pending.id;
        self.store.data_mut().current = Some(id);
        let outcome = match pending.replied {
            Some(reply) => Ok(reply),
            None => self.respond(id, upstream_status),
        };
        self.close(id)?;
        outcome
    }

    /// Envoy ends the stream: log, done, delete.
    fn close(&mut self, id: i32) -> Result<()> {
        self.store.data_mut().current = Some(id);
        self.on_log.call(&mut self.store, id)?;
        self.on_done.call(&mut self.store, id)?;
        self.on_delete.call(&mut self.store, id)?;
        self.store.data_mut().current = None;
        self.store.data_mut().streams.remove(&id);
        Ok(())
    }

    /// The client's head, body and trailers reach Envoy and the filter; `Some` if the stream
    /// was answered before reaching the receiver whole.
    fn deliver(&mut self, id: i32, request: &Request) -> Result<Option<Outcome>> {
        let count = i32::try_from(self.stream(id).request_headers.len())?;
        let no_body = request.chunks.iter().all(Vec::is_empty);
        let trailers = i32::try_from(request.trailers.len())?;
        let result = self.on_request_headers.call(
            &mut self.store,
            (id, count, i32::from(no_body && trailers == 0)),
        )?;
        let allow = self.store.data().envoy.allow_on_headers_stop_iteration;
        match headers_status(result, allow) {
            HeadersStatus::Continue => self.continue_headers(id),
            HeadersStatus::StopIteration => {}
            HeadersStatus::StopAllBuffer => self.stop_all(id, true),
            HeadersStatus::StopAllWatermark => self.stop_all(id, false),
        }
        if let Some(reply) = self.after_call(id)? {
            return Ok(Some(reply));
        }
        if !no_body {
            if let Some(reply) = self.pass(id, request.body_delay_ms)? {
                return Ok(Some(reply));
            }
            let last = request.chunks.len() - 1;
            for (i, chunk) in request.chunks.iter().enumerate() {
                if let Some(reply) = self.chunk(id, chunk, i == last, trailers == 0)? {
                    return Ok(Some(reply));
                }
            }
        }
        self.stream(id).body_complete = true;
        if trailers > 0 {
            if self.stream(id).stopped_all {
                self.stream(id).trailers_pending = true;
            } else {
                self.trailers(id)?;
                if let Some(reply) = self.after_call(id)? {
                    return Ok(Some(reply));
                }
            }
        }
        self.wait(id)
    }

    /// One data frame reaches Envoy, which counts it (`StreamInfo::bytesReceived`, before any
    /// filter) and hands it to the filter, or keeps it while the filter stopped all iteration.
    /// A buffer past Envoy's limit is answered 413 where the stop buffers
    /// (`StopAllIterationAndBuffer`, or a body callback's `StopIterationAndBuffer`); a watermark
    /// stop only stops reading (Envoy `source/common/http/filter_manager.cc`,
    /// `handleDataIfStopAll`, `commonHandleBufferData`).
    fn chunk(
        &mut self,
        id: i32,
        chunk: &[u8],
        last: bool,
        no_trailers: bool,
    ) -> Result<Option<Outcome>> {
        let limit = self.store.data().envoy.buffer_limit_bytes;
        let stream = self.stream(id);
        stream.received += chunk.len() as u64;
        stream.buffered.extend_from_slice(chunk);
        stream.body_complete = last;
        if !stream.stopped_all {
            self.body(id, last && no_trailers)?;
            if let Some(reply) = self.after_call(id)? {
                return Ok(Some(reply));
            }
        }
        let stream = self.stream(id);
        if stream.buffering && stream.buffered.len() > limit && stream.local_reply.is_none() {
            stream.local_reply = Some((413, Vec::new(), b"Payload Too Large".to_vec()));
            return self.local_reply(id);
        }
        Ok(None)
    }

    fn stop_all(&mut self, id: i32, buffering: bool) {
        let stream = self.stream(id);
        stream.stopped_all = true;
        stream.buffering = buffering;
    }

    /// The receiver answers a request it has whole.
    fn respond(&mut self, id: i32, upstream_status: u16) -> Result<Outcome> {
        let stream = self.stream(id);
        let headers = strings(&stream.sent_headers);
        let body = stream.forwarded.clone();
        stream.response_headers =
            vec![(":status".into(), upstream_status.to_string().into_bytes())];
        self.on_response_headers.call(&mut self.store, (id, 1, 1))?;
        Ok(Outcome::Forwarded { headers, body })
    }

    /// All input is in and the request is not through: time passes, and the root context's
    /// ticks fire (a filter may finish the stream from one), until Envoy's stream idle timeout.
    fn wait(&mut self, id: i32) -> Result<Option<Outcome>> {
        let mut waited = 0;
        while !self.through(id) {
            let period = self.store.data().tick_period_ms;
            if period == 0 || waited >= STREAM_IDLE_TIMEOUT_MS {
                return Err(Error::msg(format!(
                    "the filter never let the request continue: the stream hangs until Envoy's \
                     stream idle timeout ({}s, then 408){}",
                    STREAM_IDLE_TIMEOUT_MS / 1000,
                    if self.stream(id).stopped_all {
                        "; it stopped all iteration on the headers, so its body callback never ran"
                    } else {
                        ""
                    }
                )));
            }
            waited += period;
            if let Some(reply) = self.pass(id, period)? {
                return Ok(Some(reply));
            }
        }
        Ok(None)
    }

    /// `ms` milliseconds pass on the stream with nothing from the client (a slow client, or one
    /// that has sent everything): the root context's ticks fire on time, and a tick may answer
    /// the stream. Past Envoy's stream idle timeout the stream would end in a 408.
    fn pass(&mut self, id: i32, ms: u64) -> Result<Option<Outcome>> {
        if ms >= STREAM_IDLE_TIMEOUT_MS {
            return Err(Error::msg(format!(
                "{ms} ms without data: Envoy's stream idle timeout ({}s) answers 408 first",
                STREAM_IDLE_TIMEOUT_MS / 1000
            )));
        }
        let mut left = ms;
        while left > 0 {
            let state = self.store.data_mut();
            let period = state.tick_period_ms;
            if period == 0 {
                state.now_nanos += left * 1_000_000;
                return Ok(None);
            }
            let step = (period - state.since_tick_ms.min(period)).min(left);
            state.now_nanos += step * 1_000_000;
            state.since_tick_ms += step;
            left -= step;
            if state.since_tick_ms >= period {
                state.since_tick_ms = 0;
                state.current = None;
                self.on_tick.call(&mut self.store, self.root)?;
                self.store.data_mut().current = Some(id);
                if let Some(reply) = self.after_call(id)? {
                    return Ok(Some(reply));
                }
            }
        }
        Ok(None)
    }

    /// The whole request went upstream.
    fn through(&mut self, id: i32) -> bool {
        let stream = self.stream(id);
        stream.upstream_started
            && stream.body_complete
            && stream.buffered.is_empty()
            && !stream.stopped_all
            && !stream.trailers_pending
    }

    /// A body callback with what Envoy holds; `Continue` forwards it (with the headers, if the
    /// filter still held them), `StopIterationAndBuffer` (1) keeps buffering under Envoy's
    /// limit, any other stop keeps it without one.
    fn body(&mut self, id: i32, end_of_stream: bool) -> Result<()> {
        let size = i32::try_from(self.stream(id).buffered.len())?;
        self.store.data_mut().body_calls += 1;
        let action = self
            .on_request_body
            .call(&mut self.store, (id, size, i32::from(end_of_stream)))?;
        self.stream(id).buffering = action == DATA_STOP_AND_BUFFER;
        if action == ACTION_CONTINUE {
            self.forward_buffered(id);
        }
        Ok(())
    }

    fn trailers(&mut self, id: i32) -> Result<()> {
        let count = i32::try_from(self.stream(id).request_trailers.len())?;
        self.stream(id).trailers_pending = false;
        let action = self
            .on_request_trailers
            .call(&mut self.store, (id, count))?;
        if action == ACTION_CONTINUE {
            self.forward_buffered(id);
        }
        Ok(())
    }

    /// What Envoy does once a VM call returns: a local reply ends the stream; a requested
    /// continue resumes it (both are deferred actions in Envoy's `context.cc`).
    fn after_call(&mut self, id: i32) -> Result<Option<Outcome>> {
        loop {
            if let Some(reply) = self.local_reply(id)? {
                return Ok(Some(reply));
            }
            if !std::mem::take(&mut self.stream(id).continue_requested) {
                return Ok(None);
            }
            self.resume(id)?;
        }
    }

    /// `commonContinue` in Envoy's `filter_manager.cc`: the headers go on; after a `StopAll` the
    /// body and trailers Envoy held are handed to this same filter first
    /// (`iterate_from_current_filter_`), otherwise what the filter buffered goes upstream.
    fn resume(&mut self, id: i32) -> Result<()> {
        let stopped_all = std::mem::take(&mut self.stream(id).stopped_all);
        self.stream(id).buffering = false;
        self.send_headers(id);
        if !stopped_all {
            self.forward_buffered(id);
            return Ok(());
        }
        let stream = self.stream(id);
        let (complete, trailers) = (stream.body_complete, stream.trailers_pending);
        if !stream.buffered.is_empty() {
            self.body(id, complete && !trailers)?;
        }
        if trailers && self.stream(id).local_reply.is_none() {
            self.trailers(id)?;
        }
        Ok(())
    }

    /// The headers callback returned Continue: the headers go on, and Envoy no longer lends
    /// them (`context.cc`, `decodeHeaders` sets `request_headers_` to null).
    fn continue_headers(&mut self, id: i32) {
        self.send_headers(id);
        self.stream(id).headers_gone = true;
    }

    /// The headers go upstream as they are now. The map stays lent to the filter unless the
    /// headers callback continued or the filter called `continue_stream`: after a body
    /// callback's Continue it is still writable, but what the filter writes then never
    /// reaches the receiver.
    fn send_headers(&mut self, id: i32) {
        let stream = self.stream(id);
        if !stream.upstream_started {
            stream.sent_headers = stream.request_headers.clone();
            stream.upstream_started = true;
        }
    }

    /// The filter continued: the head and what Envoy buffered go on to the receiver.
    fn forward_buffered(&mut self, id: i32) {
        self.send_headers(id);
        let stream = self.stream(id);
        let buffered = std::mem::take(&mut stream.buffered);
        stream.forwarded.extend(buffered);
    }

    /// A local reply also runs through the filter's response path, as in Envoy.
    fn local_reply(&mut self, id: i32) -> Result<Option<Outcome>> {
        let Some((status, headers, body)) = self.stream(id).local_reply.clone() else {
            return Ok(None);
        };
        let stream = self.stream(id);
        let headers_reached_receiver = stream.upstream_started;
        stream.response_headers = vec![(":status".into(), status.to_string().into_bytes())];
        self.on_response_headers.call(&mut self.store, (id, 1, 0))?;
        Ok(Some(Outcome::LocalReply {
            status,
            headers,
            body,
            headers_reached_receiver,
        }))
    }

    fn stream(&mut self, id: i32) -> &mut Stream {
        self.store.data_mut().streams.entry(id).or_default()
    }

    /// The value of counter `name`, if the filter defined it.
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.store
            .data()
            .metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// Every metric the filter defined, in definition order, with its value.
    pub fn metrics(&self) -> Vec<(String, i64)> {
        self.store.data().metrics.clone()
    }

    /// The messages the filter logged at `level` (proxy-wasm's: 2 info, 4 error), in order.
    pub fn logs_at(&self, level: i32) -> Vec<String> {
        let logs = &self.store.data().logs;
        logs.iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// Every message the filter logged (`proxy_log` and stdout/stderr), in order.
    pub fn logs(&self) -> Vec<String> {
        self.store
            .data()
            .logs
            .iter()
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// The shared data this VM sees, to inspect it or hand it to another VM.
    pub fn shared_data(&self) -> SharedData {
        self.store.data().shared.clone()
    }

    /// The filter's linear memory, in bytes.
    pub fn memory_size(&self) -> usize {
        let guest = self.store.data().guest.as_ref();
        guest.map_or(0, |guest| guest.memory.data_size(&self.store))
    }

    /// How many body callbacks the last request got before it was decided.
    pub fn body_calls(&self) -> usize {
        self.store.data().body_calls
    }

    /// Moves the filter's clock on by `seconds` without firing ticks: time between requests.
    pub fn advance_clock(&mut self, seconds: u64) {
        self.store.data_mut().now_nanos += seconds * 1_000_000_000;
    }
}

/// Compiling a filter takes far longer than running it; like Envoy, compile each module once
/// and instantiate it per VM.
fn compile(wasm: &[u8]) -> Result<(Engine, Module)> {
    static CACHE: OnceLock<Mutex<Compiled>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Mutex::default).lock().unwrap();
    if let Some((engine, module)) = cache.get(wasm) {
        return Ok((engine.clone(), module.clone()));
    }
    let mut config = wasmtime::Config::new();
    // For `perf record`: JIT-compiled functions get their wasm names in /tmp/perf-<pid>.map.
    if std::env::var_os("HOOKWALL_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, wasm)?;
    cache.insert(wasm.to_vec(), (engine.clone(), module.clone()));
    Ok((engine, module))
}

/// `source.address` as Envoy's connection manager sets it before any filter runs
/// (`conn_manager_utility.cc`, `mutateRequestHeaders`): with `use_remote_address`, the peer, or
/// with N trusted hops the Nth address from the right of `X-Forwarded-For`, and the peer is
/// appended to `X-Forwarded-For`; without it, the rightmost address after skipping
/// `xff_num_trusted_hops`, falling back to the peer. An address from `X-Forwarded-For` has port 0.
fn downstream_address(
    envoy: &Envoy,
    peer: &str,
    headers: &mut Vec<(String, Vec<u8>)>,
) -> Result<String> {
    let peer: std::net::SocketAddr = peer
        .parse()
        .map_err(|e| Error::msg(format!("peer {peer:?}: {e}")))?;
    let xff = forwarded_for(headers);
    let hops = envoy.xff_num_trusted_hops;
    let from_xff = match (envoy.use_remote_address, hops) {
        (true, 0) => None,
        (true, hops) => xff
            .as_deref()
            .and_then(|x| last_address_from_xff(x, hops - 1)),
        (false, hops) => xff.as_deref().and_then(|x| last_address_from_xff(x, hops)),
    };
    if envoy.use_remote_address {
        let appended = match xff {
            Some(xff) => format!("{xff},{}", peer.ip()),
            None => peer.ip().to_string(),
        };
        headers.retain(|(name, _)| name != "x-forwarded-for");
        headers.push(("x-forwarded-for".into(), appended.into_bytes()));
    }
    let address = from_xff.map_or(peer, |ip| std::net::SocketAddr::new(ip, 0));
    Ok(address.to_string())
}

/// Every `X-Forwarded-For` line, joined as Envoy joins a repeated inline header (`,`).
fn forwarded_for(headers: &[(String, Vec<u8>)]) -> Option<String> {
    let values: Vec<String> = headers
        .iter()
        .filter(|(name, _)| name == "x-forwarded-for")
        .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// `Utility::getLastAddressFromXFF` (Envoy `source/common/http/utility.cc`): skip `skip`
/// entries from the right, then the next one, trimmed, if it is an IP address.
fn last_address_from_xff(xff: &str, skip: u32) -> Option<std::net::IpAddr> {
    let mut rest = xff;
    for _ in 0..skip {
        rest = &rest[..rest.rfind(',')?];
    }
    let last = rest.rfind(',').map_or(rest, |at| &rest[at + 1..]);
    last.trim().parse().ok()
}

/// The properties a stream answers, serialized as Envoy does (an `int64` as 8 bytes, little
/// endian). `request.size` and `request.total_size` count the body bytes Envoy has received,
/// before any filter, whether or not the filter has seen them; `request.size` prefers a
/// `content-length`, `request.total_size` adds the size of the request headers while Envoy
/// lends them (Envoy `source/extensions/filters/common/expr/context.cc`, `RequestWrapper`).
fn stream_property(stream: &Stream, path: &[u8]) -> Option<Vec<u8>> {
    let lent = (!stream.headers_gone).then_some(&stream.request_headers);
    let count = |n: u64| Some(i64::try_from(n).ok()?.to_le_bytes().to_vec());
    match path {
        b"source\0address" => Some(stream.source_address.clone().into_bytes()),
        b"request\0total_size" => {
            let headers: usize = lent.map_or(0, |h| h.iter().map(|(k, v)| k.len() + v.len()).sum());
            count(stream.received + headers as u64)
        }
        b"request\0size" => {
            let declared = lent.and_then(|h| h.iter().find(|(k, _)| k == "content-length"));
            match declared {
                Some((_, value)) => count(std::str::from_utf8(value).ok()?.trim().parse().ok()?),
                None => count(stream.received),
            }
        }
        _ => None,
    }
}

fn strings(headers: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect()
}

fn memory(caller: &mut Caller<'_, State>) -> Result<Memory> {
    let guest = caller.data().guest.as_ref();
    guest
        .map(|guest| guest.memory)
        .ok_or_else(|| Error::msg("no exported memory"))
}

/// A guest `usize` (wasm32: an unsigned 32-bit value in an `i32`), as the host's `usize`.
fn size(value: i32) -> usize {
    widen(value.cast_unsigned())
}

/// A guest `u32` as the host's `usize`: lossless, as wasmtime hosts only run where `usize` has
/// at least 32 bits.
fn widen(value: u32) -> usize {
    value as usize
}

fn read(caller: &mut Caller<'_, State>, ptr: i32, len: i32) -> Result<Vec<u8>> {
    read_at(caller, size(ptr), size(len))
}

/// The guest's bytes `ptr..ptr + len`; an address past its memory traps, as in Envoy.
fn read_at(caller: &mut Caller<'_, State>, ptr: usize, len: usize) -> Result<Vec<u8>> {
    let memory = memory(caller)?;
    let data = memory.data(&caller);
    ptr.checked_add(len)
        .and_then(|end| data.get(ptr..end))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::msg("guest pointer out of bounds"))
}

fn write(caller: &mut Caller<'_, State>, ptr: i32, bytes: &[u8]) -> Result<()> {
    let memory = memory(caller)?;
    memory.write(caller, size(ptr), bytes).map_err(Error::from)
}

/// Hands `bytes` to the guest the ABI's way: memory from `proxy_on_memory_allocate`, its
/// address and size written where the guest asked; nothing empty is allocated, its address is 0
/// (cpp-host `include/proxy-wasm/wasm.h`, `copyToPointerSize`).
fn give(caller: &mut Caller<'_, State>, bytes: &[u8], ptr_out: i32, size_out: i32) -> Result<()> {
    if bytes.is_empty() {
        write(caller, ptr_out, &0i32.to_le_bytes())?;
        return write(caller, size_out, &0i32.to_le_bytes());
    }
    let allocate = caller
        .data()
        .guest
        .as_ref()
        .and_then(|guest| guest.allocate.clone())
        .ok_or_else(|| Error::msg("no proxy_on_memory_allocate"))?;
    let len = i32::try_from(bytes.len())?;
    let ptr = allocate.call(&mut *caller, len)?;
    write(caller, ptr, bytes)?;
    write(caller, ptr_out, &ptr.to_le_bytes())?;
    write(caller, size_out, &len.to_le_bytes())
}

/// The ABI's header map: a count, each key's and value's size, then each key and value with a
/// NUL after it, every number a little-endian `u32`. `None` if a number does not fit one: the
/// map cannot be handed to a wasm32 guest.
fn serialize_map(pairs: &[(String, Vec<u8>)]) -> Option<Vec<u8>> {
    let word = |n: usize| u32::try_from(n).ok().map(u32::to_le_bytes);
    let mut out = word(pairs.len())?.to_vec();
    for (n, v) in pairs {
        out.extend(word(n.len())?);
        out.extend(word(v.len())?);
    }
    for (n, v) in pairs {
        out.extend(n.as_bytes());
        out.push(0);
        out.extend(v);
        out.push(0);
    }
    Some(out)
}

fn deserialize_map(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let word = |at: usize| {
        Some(widen(u32::from_le_bytes(
            bytes.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let count = word(0)?;
    let mut p = 4 + count * 8;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let (klen, vlen) = (word(4 + i * 8)?, word(8 + i * 8)?);
        let key = String::from_utf8(bytes.get(p..p + klen)?.to_vec()).ok()?;
        p += klen + 1;
        let value = String::from_utf8(bytes.get(p..p + vlen)?.to_vec()).ok()?;
        p += vlen + 1;
        out.push((key, value));
    }
    Some(out)
}

/// The header map a call names, while it exists.
fn header_map(state: &mut State, map_type: i32) -> Option<&mut Vec<(String, Vec<u8>)>> {
    let stream = state.stream()?;
    match map_type {
        REQUEST_HEADERS if !stream.headers_gone => Some(&mut stream.request_headers),
        REQUEST_TRAILERS => Some(&mut stream.request_trailers),
        RESPONSE_HEADERS => Some(&mut stream.response_headers),
        _ => None,
    }
}

type Caller2<'a> = Caller<'a, State>;

/// Every host function Envoy offers a proxy-wasm filter, and nothing else: a filter importing
/// one Envoy lacks fails to instantiate here as it would there.
fn define_host_functions(linker: &mut Linker<State>) -> Result<()> {
    define_logging_and_time(linker)?;
    define_buffers(linker)?;
    define_header_maps(linker)?;
    define_header_values(linker)?;
    define_properties_and_shared_data(linker)?;
    define_stream_control(linker)?;
    define_metrics(linker)?;
    define_unimplemented(linker)?;
    define_wasi(linker)
}

/// Logging, the clock and the root context's timer.
fn define_logging_and_time(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_log",
        |mut c: Caller2, level: i32, ptr: i32, len: i32| -> Result<i32> {
            let message = String::from_utf8_lossy(&read(&mut c, ptr, len)?).into_owned();
            c.data_mut().logs.push((level, message));
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_log_level",
        |mut c: Caller2, out: i32| -> Result<i32> {
            write(&mut c, out, &2i32.to_le_bytes())?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Caller2, out: i32| -> Result<i32> {
            let now = c.data().now_nanos;
            write(&mut c, out, &now.to_le_bytes())?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |mut c: Caller2, period: i32| -> i32 {
            c.data_mut().tick_period_ms = u64::from(period.cast_unsigned());
            c.data_mut().since_tick_ms = 0;
            status::OK
        },
    )?;
    Ok(())
}

/// The plugin configuration and the request body, as the buffers a filter reads and edits.
fn define_buffers(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Caller2,
         buffer: i32,
         start: i32,
         max: i32,
         ptr_out: i32,
         size_out: i32|
         -> Result<i32> {
            let bytes = match buffer {
                PLUGIN_CONFIGURATION => c.data().plugin_config.clone(),
                // Under StopAll, Envoy holds the body in its own buffer, which the filter
                // cannot see: it reads the callback's buffer, empty (Envoy `context.cc`,
                // `getBuffer`: the decoding buffer only while the filter buffers).
                REQUEST_BODY => match c.data_mut().stream() {
                    Some(s) if !s.stopped_all => s.buffered.clone(),
                    Some(_) => Vec::new(),
                    None => return Ok(status::NOT_FOUND),
                },
                _ => return Ok(status::NOT_FOUND),
            };
            // Nothing in range is `Ok` with an empty value (cpp-host `src/exports.cc`,
            // `get_buffer_bytes`).
            let start = size(start).min(bytes.len());
            let end = start.saturating_add(size(max)).min(bytes.len());
            give(&mut c, &bytes[start..end], ptr_out, size_out)?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        |mut c: Caller2, buffer: i32, start: i32, length: i32, ptr: i32, len: i32| -> Result<i32> {
            let value = read(&mut c, ptr, len)?;
            let Some(stream) = c
                .data_mut()
                .stream()
                .filter(|s| buffer == REQUEST_BODY && !s.stopped_all)
            else {
                return Ok(status::BAD_ARGUMENT);
            };
            let start = self::size(start).min(stream.buffered.len());
            let end = start
                .saturating_add(self::size(length))
                .min(stream.buffered.len());
            stream.buffered.splice(start..end, value);
            Ok(status::OK)
        },
    )?;
    Ok(())
}

/// Request and response header maps as a whole, while Envoy lends them ([`header_map`]).
fn define_header_maps(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Caller2, map: i32, ptr_out: i32, size_out: i32| -> Result<i32> {
            // A map Envoy no longer lends reads as empty (`context.cc`, `getHeaderMapPairs`).
            let pairs = header_map(c.data_mut(), map)
                .map(|m| m.clone())
                .unwrap_or_default();
            // No pairs are handed over as an empty value, not as a serialized empty map; a map
            // too large for the guest's 32-bit sizes is an `InvalidMemoryAccess` (cpp-host
            // `src/exports.cc`, `get_header_map_pairs`).
            let bytes = if pairs.is_empty() {
                Vec::new()
            } else {
                let Some(bytes) = serialize_map(&pairs) else {
                    return Ok(status::INVALID_MEMORY_ACCESS);
                };
                bytes
            };
            give(&mut c, &bytes, ptr_out, size_out)?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Caller2, map: i32, ptr: i32, len: i32| -> Result<i32> {
            let bytes = read(&mut c, ptr, len)?;
            let Some(pairs) = deserialize_map(&bytes) else {
                return Ok(status::BAD_ARGUMENT);
            };
            let Some(target) = header_map(c.data_mut(), map) else {
                return Ok(status::BAD_ARGUMENT);
            };
            *target = pairs
                .into_iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.into_bytes()))
                .collect();
            Ok(status::OK)
        },
    )?;
    Ok(())
}

/// One header of a map, by name (case-insensitive, as Envoy's maps are).
fn define_header_values(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: Caller2,
         map: i32,
         kptr: i32,
         klen: i32,
         ptr_out: i32,
         size_out: i32|
         -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).to_ascii_lowercase();
            let Some(headers) = header_map(c.data_mut(), map) else {
                return Ok(status::BAD_ARGUMENT);
            };
            let Some(value) = headers
                .iter()
                .find(|(n, _)| *n == key)
                .map(|(_, v)| v.clone())
            else {
                return Ok(status::NOT_FOUND);
            };
            give(&mut c, &value, ptr_out, size_out)?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_replace_header_map_value",
        |mut c: Caller2, map: i32, kptr: i32, klen: i32, vptr: i32, vlen: i32| -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).to_ascii_lowercase();
            let value = read(&mut c, vptr, vlen)?;
            let Some(headers) = header_map(c.data_mut(), map) else {
                return Ok(status::BAD_ARGUMENT);
            };
            headers.retain(|(n, _)| *n != key);
            headers.push((key, value));
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_add_header_map_value",
        |mut c: Caller2, map: i32, kptr: i32, klen: i32, vptr: i32, vlen: i32| -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).to_ascii_lowercase();
            let value = read(&mut c, vptr, vlen)?;
            let Some(headers) = header_map(c.data_mut(), map) else {
                return Ok(status::BAD_ARGUMENT);
            };
            headers.push((key, value));
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: Caller2, map: i32, kptr: i32, klen: i32| -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).to_ascii_lowercase();
            let Some(headers) = header_map(c.data_mut(), map) else {
                return Ok(status::BAD_ARGUMENT);
            };
            headers.retain(|(n, _)| *n != key);
            Ok(status::OK)
        },
    )?;
    Ok(())
}

/// The stream's properties ([`stream_property`]) and the process's shared data ([`SharedData`]).
fn define_properties_and_shared_data(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Caller2, ptr: i32, len: i32, ptr_out: i32, size_out: i32| -> Result<i32> {
            let path = read(&mut c, ptr, len)?;
            let value = c
                .data_mut()
                .stream()
                .and_then(|stream| stream_property(stream, &path));
            let Some(value) = value else {
                return Ok(status::NOT_FOUND);
            };
            give(&mut c, &value, ptr_out, size_out)?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_property",
        |_: Caller2, _: i32, _: i32, _: i32, _: i32| -> i32 { status::UNIMPLEMENTED },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_shared_data",
        |mut c: Caller2,
         kptr: i32,
         klen: i32,
         ptr_out: i32,
         size_out: i32,
         cas_out: i32|
         -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).into_owned();
            let (entry, turn) = {
                let mut shared = c.data().shared.lock();
                (shared.entries.get(&key).cloned(), shared.turn_after(&key))
            };
            if let Some(turn) = turn {
                turn();
            }
            let Some((value, cas)) = entry else {
                return Ok(status::NOT_FOUND);
            };
            give(&mut c, &value, ptr_out, size_out)?;
            write(&mut c, cas_out, &cas.to_le_bytes())?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_shared_data",
        |mut c: Caller2, kptr: i32, klen: i32, vptr: i32, vlen: i32, cas: i32| -> Result<i32> {
            let key = String::from_utf8_lossy(&read(&mut c, kptr, klen)?).into_owned();
            let value = read(&mut c, vptr, vlen)?;
            let shared = c.data().shared.clone();
            let stored = shared.lock().set(&key, value, cas.cast_unsigned());
            Ok(if stored {
                status::OK
            } else {
                status::CAS_MISMATCH
            })
        },
    )?;
    Ok(())
}

/// What a filter does to its stream and context: continue, close, answer locally, switch.
fn define_stream_control(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_continue_stream",
        |mut c: Caller2, stream_type: i32| -> i32 {
            if stream_type != STREAM_REQUEST {
                return status::OK;
            }
            // Envoy defers the continue until the VM call returns, but lets go of the request
            // headers at once (`context.cc`, `continueStream`).
            if let Some(stream) = c.data_mut().stream() {
                stream.continue_requested = true;
                stream.headers_gone = true;
            }
            status::OK
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_close_stream",
        |_: Caller2, _stream: i32| -> i32 { status::OK },
    )?;
    linker.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Caller2,
         code: i32,
         _dptr: i32,
         _dlen: i32,
         bptr: i32,
         blen: i32,
         hptr: i32,
         hlen: i32,
         _grpc: i32|
         -> Result<i32> {
            let body = read(&mut c, bptr, blen)?;
            let headers = deserialize_map(&read(&mut c, hptr, hlen)?).unwrap_or_default();
            let Some(stream) = c.data_mut().stream() else {
                return Ok(status::BAD_ARGUMENT);
            };
            if stream.local_reply.is_some() {
                return Err(Error::msg("a second local reply on one stream"));
            }
            stream.local_reply = Some((u16::try_from(code)?, headers, body));
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_status",
        |_: Caller2, _: i32, _: i32, _: i32| -> i32 { status::NOT_FOUND },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_effective_context",
        // A context that does not exist is a `BadArgument` (cpp-host `src/exports.cc`,
        // `set_effective_context`); the root context is 1.
        |mut c: Caller2, id: i32| -> i32 {
            if c.data().streams.contains_key(&id) {
                c.data_mut().current = Some(id);
                status::OK
            } else if id == ROOT_CONTEXT {
                c.data_mut().current = None;
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        },
    )?;
    linker.func_wrap("env", "proxy_done", |_: Caller2| -> i32 { status::OK })?;
    Ok(())
}

/// Counters, gauges and histograms, by the id `proxy_define_metric` hands out.
fn define_metrics(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "env",
        "proxy_define_metric",
        |mut c: Caller2, _kind: i32, ptr: i32, len: i32, id_out: i32| -> Result<i32> {
            let name = String::from_utf8_lossy(&read(&mut c, ptr, len)?).into_owned();
            let metrics = &mut c.data_mut().metrics;
            let id = metrics
                .iter()
                .position(|(n, _)| *n == name)
                .unwrap_or_else(|| {
                    metrics.push((name, 0));
                    metrics.len() - 1
                });
            write(&mut c, id_out, &u32::try_from(id)?.to_le_bytes())?;
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_increment_metric",
        |mut c: Caller2, id: i32, offset: i64| -> i32 {
            match c.data_mut().metrics.get_mut(size(id)) {
                Some((_, value)) => {
                    *value += offset;
                    status::OK
                }
                None => status::NOT_FOUND,
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_record_metric",
        |mut c: Caller2, id: i32, value: i64| -> i32 {
            match c.data_mut().metrics.get_mut(size(id)) {
                Some((_, v)) => {
                    *v = value;
                    status::OK
                }
                None => status::NOT_FOUND,
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_metric",
        |mut c: Caller2, id: i32, out: i32| -> Result<i32> {
            let Some(value) = c.data().metrics.get(size(id)).map(|(_, v)| *v) else {
                return Ok(status::NOT_FOUND);
            };
            write(&mut c, out, &value.to_le_bytes())?;
            Ok(status::OK)
        },
    )?;
    Ok(())
}

/// Calls Envoy offers that hookwall never makes (queues, HTTP and gRPC callouts, foreign
/// functions): present, so the SDK links as it does in Envoy. No cluster is configured, so a
/// callout is answered as Envoy answers one to an unknown cluster: `BadArgument` for HTTP,
/// `ParseFailure` for a gRPC service (Envoy `source/extensions/common/wasm/context.cc`,
/// `httpCall`, `grpcCall`, `grpcStream`); queues and foreign functions answer `Unimplemented`.
fn define_unimplemented(linker: &mut Linker<State>) -> Result<()> {
    let unimplemented = status::UNIMPLEMENTED;
    let no_cluster = status::BAD_ARGUMENT;
    let parse_failure = status::PARSE_FAILURE;
    linker.func_wrap(
        "env",
        "proxy_register_shared_queue",
        move |_: Caller2, _: i32, _: i32, _: i32| unimplemented,
    )?;
    linker.func_wrap(
        "env",
        "proxy_resolve_shared_queue",
        move |_: Caller2, _: i32, _: i32, _: i32, _: i32, _: i32| unimplemented,
    )?;
    linker.func_wrap(
        "env",
        "proxy_dequeue_shared_queue",
        move |_: Caller2, _: i32, _: i32, _: i32| unimplemented,
    )?;
    linker.func_wrap(
        "env",
        "proxy_enqueue_shared_queue",
        move |_: Caller2, _: i32, _: i32, _: i32| unimplemented,
    )?;
    linker.func_wrap(
        "env",
        "proxy_http_call",
        move |_: Caller2,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32| no_cluster,
    )?;
    linker.func_wrap(
        "env",
        "proxy_grpc_call",
        move |_: Caller2,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32| { parse_failure },
    )?;
    linker.func_wrap(
        "env",
        "proxy_grpc_stream",
        move |_: Caller2,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32,
              _: i32| parse_failure,
    )?;
    linker.func_wrap(
        "env",
        "proxy_grpc_send",
        move |_: Caller2, _: i32, _: i32, _: i32, _: i32| no_cluster,
    )?;
    linker.func_wrap("env", "proxy_grpc_cancel", move |_: Caller2, _: i32| {
        no_cluster
    })?;
    linker.func_wrap("env", "proxy_grpc_close", move |_: Caller2, _: i32| {
        no_cluster
    })?;
    linker.func_wrap(
        "env",
        "proxy_call_foreign_function",
        move |_: Caller2, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| unimplemented,
    )?;
    Ok(())
}

/// WASI `fd_write` as cpp-host answers it (`src/exports.cc`, `writevImpl` and
/// `wasi_unstable_fd_write`): stdout is logged at info, stderr at error, any other descriptor is
/// `EBADF`; the buffers make one log line, without its trailing newline, and none when empty;
/// memory out of the guest's bounds is `EFAULT`, an answer, not a trap. The count written back
/// is cpp-host's `Word`, cut to its low 32 bits.
fn fd_write(mut c: Caller2, fd: i32, iovs: i32, count: i32, written_out: i32) -> i32 {
    const EBADF: i32 = 8;
    const EFAULT: i32 = 21;
    let level = match fd {
        1 => 2,
        2 => 4,
        _ => return EBADF,
    };
    let mut text = Vec::new();
    for i in 0..widen(count.cast_unsigned()) {
        let Ok(iov) = read_at(&mut c, size(iovs) + i * 8, 8) else {
            return EFAULT;
        };
        let ptr = widen(u32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]));
        let len = widen(u32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]));
        if len == 0 {
            continue;
        }
        let Ok(bytes) = read_at(&mut c, ptr, len) else {
            return EFAULT;
        };
        text.extend_from_slice(&bytes);
    }
    let written = text.len().to_le_bytes();
    if text.last() == Some(&b'\n') {
        text.pop();
    }
    if !text.is_empty() {
        let line = String::from_utf8_lossy(&text).into_owned();
        c.data_mut().logs.push((level, line));
    }
    match write(&mut c, written_out, &written[..4]) {
        Ok(()) => 0,
        Err(_) => EFAULT,
    }
}

/// The WASI calls Envoy provides to wasm32-wasip1 filters.
fn define_wasi(linker: &mut Linker<State>) -> Result<()> {
    const WASI: &str = "wasi_snapshot_preview1";
    linker.func_wrap(WASI, "fd_write", fd_write)?;
    linker.func_wrap(
        WASI,
        "random_get",
        |mut c: Caller2, ptr: i32, len: i32| -> Result<i32> {
            let seed = c.data().now_nanos;
            // A linear congruential step per byte, of which the byte is the low 8 bits.
            let bytes: Vec<u8> = (0..u64::from(len.cast_unsigned()))
                .map(|i| seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i) >> 33)
                .map(|x| x.to_le_bytes()[0])
                .collect();
            write(&mut c, ptr, &bytes)?;
            Ok(0)
        },
    )?;
    linker.func_wrap(
        WASI,
        "environ_sizes_get",
        |mut c: Caller2, count_out: i32, size_out: i32| -> Result<i32> {
            write(&mut c, count_out, &0u32.to_le_bytes())?;
            write(&mut c, size_out, &0u32.to_le_bytes())?;
            Ok(0)
        },
    )?;
    linker.func_wrap(WASI, "environ_get", |_: Caller2, _: i32, _: i32| -> i32 {
        0
    })?;
    linker.func_wrap(WASI, "proc_exit", |_: Caller2, code: i32| -> Result<()> {
        Err(Error::msg(format!("proc_exit({code})")))
    })?;
    linker.func_wrap(
        WASI,
        "clock_time_get",
        |mut c: Caller2, _id: i32, _precision: i64, out: i32| -> Result<i32> {
            let now = c.data().now_nanos;
            write(&mut c, out, &now.to_le_bytes())?;
            Ok(0)
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(envoy: Envoy, xff: &[&str]) -> (String, Option<String>) {
        let mut headers: Vec<(String, Vec<u8>)> = xff
            .iter()
            .map(|v| ("x-forwarded-for".to_string(), v.as_bytes().to_vec()))
            .collect();
        let source = downstream_address(&envoy, "198.51.100.7:5000", &mut headers).unwrap();
        (source, forwarded_for(&headers))
    }

    #[test]
    fn source_address_follows_the_connection_manager() {
        let remote = |hops| Envoy {
            use_remote_address: true,
            xff_num_trusted_hops: hops,
            ..Envoy::default()
        };
        let default = |hops| Envoy {
            xff_num_trusted_hops: hops,
            ..Envoy::default()
        };
        let xff = ["203.0.113.1, 192.0.2.9"];
        assert_eq!(
            address(remote(0), &xff),
            (
                "198.51.100.7:5000".into(),
                Some("203.0.113.1, 192.0.2.9,198.51.100.7".into())
            )
        );
        assert_eq!(address(remote(1), &xff).0, "192.0.2.9:0");
        assert_eq!(address(remote(2), &xff).0, "203.0.113.1:0");
        assert_eq!(address(remote(3), &xff).0, "198.51.100.7:5000");
        assert_eq!(address(default(0), &xff).0, "192.0.2.9:0");
        assert_eq!(address(default(1), &xff).0, "203.0.113.1:0");
        assert_eq!(address(default(0), &[]).0, "198.51.100.7:5000");
        assert_eq!(address(default(0), &["junk"]).0, "198.51.100.7:5000");
        assert_eq!(
            address(default(0), &["203.0.113.1", "2001:db8::1"]),
            (
                "[2001:db8::1]:0".into(),
                Some("203.0.113.1,2001:db8::1".into())
            )
        );
        assert_eq!(address(remote(0), &[]).1, Some("198.51.100.7".into()));
    }

    #[test]
    fn header_statuses_convert_as_cpp_host_does() {
        use HeadersStatus::*;
        for (result, with, without) in [
            (0, Continue, Continue),
            (1, StopIteration, StopAllWatermark),
            (2, Continue, Continue),
            (3, StopAllBuffer, StopAllBuffer),
            (4, StopAllWatermark, StopAllWatermark),
            (5, StopAllWatermark, StopAllWatermark),
            (-1, StopAllWatermark, StopAllWatermark),
        ] {
            assert_eq!(headers_status(result, true), with, "{result}");
            assert_eq!(headers_status(result, false), without, "{result}");
        }
    }
}
