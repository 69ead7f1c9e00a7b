//! hookwall as a proxy-wasm filter: in front of a webhook receiver, it authenticates and checks
//! each caller on the request head, validates and classifies the payload, and lets only good
//! events through. Every decision comes from `hookwall::policy`; this crate only adapts Envoy's
//! callbacks to it.
//!
//! Two ways through a request, by what Envoy allows (`allow_on_headers_stop_iteration`):
//! - **holding the headers** until the body is validated, then labelling them (`x-hookwall-*`);
//! - **holding the body only**: the headers go upstream once the head is admitted (credentials
//!   stripped, `x-hookwall-source` set), the body is held until validated, and a refused body
//!   ends the stream with the local reply, so the receiver never gets the request complete.

mod config;
mod dedup;
mod hold;
mod metrics;

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use hookwall::label::label;
use hookwall::policy::{without_query_param, Denial, Head, Method, Source, UsedCredential};
use hookwall::{Ack, Reason};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

use config::Config;
use dedup::{Claim, Held};
use hold::Watch;
use metrics::Metrics;

/// The prefix of every label; a caller's own headers with it are removed.
const LABEL_PREFIX: &str = "x-hookwall-";

/// Validates a plugin configuration as `on_configure` does, for tools and tests.
///
/// # Errors
///
/// What is wrong with the configuration, naming the field.
pub fn check_configuration(bytes: &[u8]) -> Result<(), String> {
    Config::parse(bytes).map(drop)
}

/// The SDK's exported `_initialize`, which the host calls once per VM: in a module of its own,
/// since what the macro declares is not this crate's API.
mod entry {
    use proxy_wasm::traits::RootContext;
    use proxy_wasm::types::LogLevel;

    proxy_wasm::main! {{
        proxy_wasm::set_log_level(LogLevel::Info);
        proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(super::Root::default()) });
    }}
}

/// Holds the parsed configuration; every request's context shares it.
#[derive(Default)]
struct Root {
    config: Option<Rc<Config>>,
    metrics: Metrics,
    watch: Rc<RefCell<Watch>>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = self.get_plugin_configuration().unwrap_or_default();
        match Config::parse(&bytes) {
            Ok(config) => {
                if config.allow_on_headers_stop_iteration {
                    self.set_tick_period(hold::TICK);
                }
                self.config = Some(Rc::new(config));
                true
            }
            Err(message) => {
                proxy_wasm::hostcalls::log(
                    LogLevel::Error,
                    &format!("hookwall: invalid configuration: {message}"),
                )
                .ok();
                false
            }
        }
    }

    /// Streams whose held headers have a body Envoy received but never handed to the filter:
    /// Envoy lacks the setting the plugin was told it has. Refused, never left hanging (see
    /// `hold`).
    fn on_tick(&mut self) {
        let Some(config) = self.config.clone() else {
            return;
        };
        let withheld = self.watch.borrow_mut().withheld(received);
        for (stream, source) in withheld {
            if self.watch.borrow_mut().first_warning() {
                proxy_wasm::hostcalls::log(
                    LogLevel::Error,
                    "hookwall: the plugin configuration sets allow_on_headers_stop_iteration, but \
                     Envoy received a request body and withheld it from the filter (its \
                     PluginConfig lacks allow_on_headers_stop_iteration: true, or Envoy is older \
                     than 1.35); such requests are refused with 500 until both settings agree",
                )
                .ok();
            }
            let denial = Denial::from(Reason::FilterMisconfigured);
            let name = config.policy.sources().get(source).map(Source::name);
            self.metrics.request(name, denial.reason);
            if proxy_wasm::hostcalls::set_effective_context(stream).is_ok() {
                reply(&denial);
            }
        }
        if self.watch.borrow().proven() {
            self.set_tick_period(Duration::ZERO);
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        let config = self.config.clone()?;
        Some(Box::new(Filter {
            config,
            metrics: self.metrics.clone(),
            watch: Rc::clone(&self.watch),
            source: None,
            holding_headers: false,
            claimed: None,
            context_id,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// One request.
struct Filter {
    config: Rc<Config>,
    metrics: Metrics,
    watch: Rc<RefCell<Watch>>,
    /// The admitted source's index, from the head until the body is decided.
    source: Option<usize>,
    /// Envoy still lends this stream's request headers to the filter: labels can be added.
    holding_headers: bool,
    /// The dedup entry this stream claimed, settled by the receiver's answer.
    claimed: Option<Held>,
    context_id: u32,
}

impl Context for Filter {}

impl HttpContext for Filter {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        // Values as bytes: the SDK's string variant panics (and kills the VM) on a non-UTF-8
        // value, which any client can send. Such a value simply never matches a credential.
        let raw = self.get_http_request_headers_bytes();
        let values: Vec<Cow<str>> = raw
            .iter()
            .map(|(_, v)| String::from_utf8_lossy(v))
            .collect();
        let (mut method, mut path) = (None, None);
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(raw.len());
        for ((name, _), value) in raw.iter().zip(&values) {
            match name.as_str() {
                ":method" => method = method.or(Some(value.as_ref())),
                ":path" => path = path.or(Some(value.as_ref())),
                pseudo if pseudo.starts_with(':') => {}
                name => pairs.push((name, value)),
            }
        }
        let peer = self
            .get_property(vec!["source", "address"])
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let head = Head {
            method: Method::from(method.unwrap_or_default()),
            path: path.unwrap_or_default(),
            headers: &pairs,
            peer: &peer,
        };
        let config = Rc::clone(&self.config);
        let admission = match config.policy.admit(&head) {
            Ok(admission) => admission,
            Err(denial) => {
                let source = config.policy.route(&head).map(|(_, s)| s.name());
                return self.deny(source, &denial);
            }
        };
        self.source = Some(admission.source_index());
        self.strip(admission.credential(), head.path, &raw);
        self.holding_headers = end_of_stream || config.allow_on_headers_stop_iteration;
        if end_of_stream {
            return self.decide(&[]);
        }
        if self.holding_headers {
            // A host that cannot say what the stream received cannot prove a mismatch: the
            // stream is then left to Envoy's timeouts, as a slow client's would be.
            if let Some(received) = received(self.context_id) {
                self.watch
                    .borrow_mut()
                    .hold(self.context_id, received, admission.source_index());
            }
            return Action::Pause;
        }
        self.release_head(admission.source().name())
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(source) = self.source() else {
            return Action::Continue;
        };
        if self.holding_headers {
            self.watch.borrow_mut().body_seen();
        }
        let config = Rc::clone(&self.config);
        if let Err(denial) = config.policy.sources()[source].check_size(body_size) {
            return self.deny(Some(config.policy.sources()[source].name()), &denial);
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let body = self.get_http_request_body(0, body_size).unwrap_or_default();
        self.decide(&body)
    }

    /// Trailers end the stream in place of a body callback at its end: let through, the body
    /// would reach the receiver unchecked.
    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        match self.source() {
            Some(index) => {
                let config = Rc::clone(&self.config);
                self.deny(
                    Some(config.policy.sources()[index].name()),
                    &Denial::from(Reason::TrailersNotAccepted),
                )
            }
            None => Action::Continue,
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(held) = self.claimed.take() {
            let accepted = self
                .get_http_response_header(":status")
                .and_then(|s| s.parse::<u16>().ok())
                .is_some_and(|s| (200..300).contains(&s));
            dedup::settle(held, accepted, self.now(), &self.config.dedup);
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        self.watch.borrow_mut().release(self.context_id);
        // The stream ended without a response from the receiver: release the event, so that
        // the provider's retry is forwarded.
        if let Some(held) = self.claimed.take() {
            dedup::settle(held, false, self.now(), &self.config.dedup);
        }
    }
}

impl Filter {
    /// What must not reach the receiver, whichever way the request goes on: the credential
    /// that admitted it, and any `x-hookwall-*` header the caller sent.
    fn strip(&self, credential: Option<UsedCredential>, path: &str, raw: &[(String, Vec<u8>)]) {
        if self.config.strip_credentials {
            match credential {
                Some(UsedCredential::Header(name)) => self.set_http_request_header(name, None),
                Some(UsedCredential::Query(name)) => {
                    self.set_http_request_header(":path", Some(&without_query_param(path, name)));
                }
                None => {}
            }
        }
        for (name, _) in raw.iter().filter(|(n, _)| n.starts_with(LABEL_PREFIX)) {
            self.set_http_request_header(name, None);
        }
    }

    /// Lets an admitted head go upstream before its body: only what is known now can label
    /// it, and in `cloudevent` mode the body that follows is not the one whose length the
    /// caller declared.
    fn release_head(&self, source: &str) -> Action {
        self.set_http_request_header("x-hookwall-source", Some(source));
        if let Some(media_type) = self.config.mode.content_type() {
            self.set_http_request_header("content-type", Some(media_type));
            self.set_http_request_header("content-length", None);
        }
        Action::Continue
    }

    fn source(&self) -> Option<usize> {
        self.source
            .filter(|&i| i < self.config.policy.sources().len())
    }

    fn now(&self) -> Duration {
        now(self)
    }

    /// The body is complete: classify it, then label and forward, or refuse.
    fn decide(&mut self, body: &[u8]) -> Action {
        let Some(index) = self.source() else {
            return Action::Continue;
        };
        self.source = None;
        let config = Rc::clone(&self.config);
        let source = &config.policy.sources()[index];
        let now = self.now();
        let event = match source.check_body(body, i64::try_from(now.as_secs()).ok()) {
            Ok(event) => event,
            Err(denial) => return self.deny(Some(source.name()), &denial),
        };
        if config.dedup.enabled {
            let key = dedup::Key::new(&event.identity(source.name()), &config.dedup);
            match dedup::claim(key, self.context_id, now, &config.dedup) {
                Claim::Fresh(held) => self.claimed = Some(held),
                Claim::Delivered => {
                    self.metrics.request(Some(source.name()), Ack::Duplicate);
                    self.source = None;
                    self.send_http_response(
                        u32::from(Ack::Duplicate.status()),
                        vec![("content-type", "application/json")],
                        Some(Ack::Duplicate.to_json(event.id().as_str()).as_bytes()),
                    );
                    return Action::Pause;
                }
                Claim::InFlight => {
                    return self.deny(
                        Some(source.name()),
                        &Denial::from(Reason::DuplicateInFlight),
                    );
                }
            }
        }
        if self.holding_headers {
            for (name, value) in [
                ("x-hookwall-source", source.name()),
                ("x-hookwall-provider", event.provider().as_str()),
                ("x-hookwall-event-type", &label(event.event_type())),
                ("x-hookwall-category", event.category().as_str()),
                ("x-hookwall-severity", event.severity().as_str()),
                ("x-hookwall-event-id", &label(event.id().as_str())),
            ] {
                self.set_http_request_header(name, Some(value));
            }
        }
        if let Some(rendered) = config.mode.render(&event) {
            self.set_http_request_body(0, body.len(), rendered.as_bytes());
            if self.holding_headers {
                self.set_http_request_header("content-type", config.mode.content_type());
                self.set_http_request_header("content-length", None);
            }
        }
        self.metrics.request(Some(source.name()), Ack::Allowed);
        self.metrics.event(
            event.provider().as_str(),
            event.kind().as_str().unwrap_or("unknown"),
            event.severity().as_str(),
        );
        Action::Continue
    }

    /// Refuses the request, counted under its source (none when no source has its path).
    fn deny(&mut self, source: Option<&str>, denial: &Denial) -> Action {
        self.metrics.request(source, denial.reason);
        self.source = None;
        reply(denial);
        Action::Pause
    }
}

/// What `stream` has received so far, headers and body, as Envoy counts it (`hold`).
fn received(stream: u32) -> Option<u64> {
    proxy_wasm::hostcalls::set_effective_context(stream).ok()?;
    let value = proxy_wasm::hostcalls::get_property(hold::RECEIVED.to_vec()).ok()??;
    hold::count(&value)
}

fn now(context: &impl Context) -> Duration {
    context
        .get_current_time()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Answers the current (or effective) stream with `denial`: from its own callbacks, or from the
/// root's tick.
fn reply(denial: &Denial) {
    let mut headers = vec![("content-type", "application/json")];
    headers.extend(denial.headers());
    proxy_wasm::hostcalls::send_http_response(
        u32::from(denial.status()),
        headers,
        Some(denial.to_json().as_bytes()),
    )
    .ok();
}
