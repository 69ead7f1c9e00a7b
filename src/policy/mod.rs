//! Who may call: one decision for both runtimes. The Envoy filter and the Worker feed the
//! policy what their runtime knows (method, path, headers, peer, body) and act on its verdict,
//! so both enforce exactly the same rules.
//!
//! Everything that does not need the body is decided first ([`Policy::admit`]): a caller
//! without credentials costs a few header lookups and is never read further.

mod auth;
mod cidr;
mod config;
mod head;
mod object;

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

pub use auth::{Alternative, UsedCredential, MAX_SECRET_BYTES};
pub use cidr::{parse_address, Cidr};
pub use config::{
    read as read_config, ConfigError, DEFAULT_MAX_BODY_BYTES, MAX_NAME_BYTES, SECTIGO_ADDRESSES,
};
pub use head::{without_query_param, Head, Method, Query, Repeated};
pub use object::from_object;

use serde::Serialize;

use crate::cloudevent::{self, CloudEvent};
use crate::json::{self, SMALL};
use crate::reason::{Ack, Reason};
use crate::{classify, Event, Options, Provider, RedactPath};

/// The `WWW-Authenticate` challenge sent when Basic auth is among a source's alternatives.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"hookwall\"";

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    sources: Vec<Source>,
    trusted_proxies: Vec<Cidr>,
}

/// One webhook endpoint: a path, the provider expected there and who may call it.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    path: String,
    provider: SourceProvider,
    auth: Vec<Alternative>,
    allow_ips: Vec<Cidr>,
    max_body_bytes: usize,
    unknown_events: UnknownEvents,
    redact: Vec<RedactPath>,
}

/// Which provider a source takes payloads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceProvider {
    /// Detected from each payload.
    Auto,
    /// That provider's payloads only; another's is refused as a mismatch.
    Only(Provider),
}

/// What to do with an event type the provider had not documented when hookwall was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownEvents {
    /// Classified as the provider's unknown type and passed on: no event is lost.
    Accept,
    /// Refused with `unknown_event_type`, for receivers that take only what they know.
    Reject,
}

impl Source {
    /// The source's name: its `x-hookwall-source` header, metric names and dedup keys.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The request path the source answers at, without a query string.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Which provider's payloads the source takes.
    pub fn provider(&self) -> SourceProvider {
        self.provider
    }

    /// The largest body the source accepts.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The credentials it accepts, any one of which admits a request; empty when the address
    /// alone decides.
    pub fn auth(&self) -> &[Alternative] {
        &self.auth
    }

    /// The client addresses it accepts; empty for any.
    pub fn allow_ips(&self) -> &[Cidr] {
        &self.allow_ips
    }

    /// A body of `size` bytes is refused before it is read whole.
    ///
    /// # Errors
    ///
    /// `body_too_large` when `size` is over the source's limit.
    pub fn check_size(&self, size: usize) -> Result<(), Denial> {
        if size > self.max_body_bytes {
            return Err(Denial::new(
                Reason::BodyTooLarge,
                format!("body exceeds {} bytes", self.max_body_bytes),
            ));
        }
        Ok(())
    }

    /// Validates and classifies the body as this source's provider's.
    ///
    /// # Errors
    ///
    /// `body_too_large`, the reason of the core's [`crate::Error`], or `unknown_event_type`
    /// where the source rejects unknown events.
    pub fn check_body<'a>(
        &self,
        body: &'a [u8],
        received_at: Option<i64>,
    ) -> Result<Event<'a>, Denial> {
        self.check_size(body.len())?;
        let provider = match self.provider {
            SourceProvider::Auto => None,
            SourceProvider::Only(p) => Some(p),
        };
        let options = Options {
            provider,
            redact: &self.redact,
            received_at,
        };
        let event =
            classify(body, &options).map_err(|e| Denial::new(e.reason(), format!("{e}")))?;
        // The type is the payload's own text: not echoed, like every payload value.
        if event.is_unknown() && self.unknown_events == UnknownEvents::Reject {
            return Err(Denial::new(
                Reason::UnknownEventType,
                format!(
                    "the {} event type is not documented; this source rejects unknown types",
                    event.provider()
                ),
            ));
        }
        Ok(event)
    }

    fn accepts_basic(&self) -> bool {
        self.auth
            .iter()
            .any(|a| matches!(a, Alternative::Basic { .. }))
    }
}

/// A refused request: why, and a message that never contains a secret or echoes a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Why: the status and code answered.
    pub reason: Reason,
    /// What precisely was wrong, for the response body and the logs.
    pub message: Cow<'static, str>,
    /// A 401 from a source that takes Basic credentials, so that a client knows to send them.
    basic_challenge: bool,
}

/// A refusal with nothing to add to what its reason means.
impl From<Reason> for Denial {
    fn from(reason: Reason) -> Self {
        Self::new(reason, reason.meaning())
    }
}

impl Denial {
    /// A refusal for `reason`, saying `message`; no Basic challenge.
    pub fn new(reason: Reason, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            reason,
            message: message.into(),
            basic_challenge: false,
        }
    }

    /// The HTTP status answered.
    pub fn status(&self) -> u16 {
        self.reason.status()
    }

    /// The JSON error body: `{"error": "<reason>", "message": "..."}`.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Body<'d> {
            error: &'d str,
            message: &'d str,
        }
        json::to_string(
            &Body {
                error: self.reason.code(),
                message: &self.message,
            },
            SMALL,
        )
    }

    /// The response headers the denial calls for, besides `content-type`: each follows from
    /// the reason (and, for the challenge, from the source's credentials).
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let challenge = self.basic_challenge && self.reason == Reason::Unauthorized;
        let allow = self.reason == Reason::MethodNotAllowed;
        challenge
            .then_some(("www-authenticate", BASIC_CHALLENGE))
            .into_iter()
            .chain(allow.then_some(("allow", Method::ALLOWED)))
            .chain(self.reason.retry_after().map(|v| ("retry-after", v)))
    }
}

/// `<code>: <message>`, as a log line names a refusal.
impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.code(), self.message)
    }
}

impl core::error::Error for Denial {}

/// A request admitted on its head, waiting for its body.
#[derive(Debug, Clone, Copy)]
pub struct Admission<'p> {
    source: &'p Source,
    index: usize,
    client_ip: IpAddr,
    credential: Option<UsedCredential<'p>>,
}

impl<'p> Admission<'p> {
    /// The source the request's path named.
    pub fn source(&self) -> &'p Source {
        self.source
    }

    /// The source's position in [`Policy::sources`]: what a runtime keeps between the head and
    /// the body of a request.
    pub fn source_index(&self) -> usize {
        self.index
    }

    /// The client, as [`Policy::client_ip`] determined it.
    pub fn client_ip(&self) -> IpAddr {
        self.client_ip
    }

    /// The credential that admitted the request (none when the address alone did).
    pub fn credential(&self) -> Option<UsedCredential<'p>> {
        self.credential
    }

    /// A body of `size` bytes is refused before it is read whole.
    ///
    /// # Errors
    ///
    /// `body_too_large` when `size` is over the source's limit.
    pub fn check_size(&self, size: usize) -> Result<(), Denial> {
        self.source.check_size(size)
    }

    /// Validates and classifies the body as this source's provider's.
    ///
    /// # Errors
    ///
    /// `body_too_large`, the reason of the core's [`crate::Error`], or `unknown_event_type`
    /// where the source rejects unknown events.
    pub fn check_body<'a>(
        &self,
        body: &'a [u8],
        received_at: Option<i64>,
    ) -> Result<Event<'a>, Denial> {
        self.source.check_body(body, received_at)
    }
}

/// The whole decision on a request.
#[derive(Debug)]
pub enum Verdict<'a> {
    /// Admitted and classified.
    Allow {
        /// The name of the source that admitted it.
        source: &'a str,
        /// The classified event (boxed: it is much larger than a denial).
        event: Box<Event<'a>>,
    },
    /// Refused, on its head or on its body.
    Deny(Denial),
}

impl Verdict<'_> {
    /// `{"allow": bool, "status": int, "reason": "...", "source": "...", "event": {CloudEvent}}`,
    /// or with `message` in place of the source and event when denied.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Allowed<'v> {
            allow: bool,
            status: u16,
            reason: Ack,
            source: &'v str,
            event: CloudEvent<'v>,
        }
        #[derive(Serialize)]
        struct Denied<'v> {
            allow: bool,
            status: u16,
            reason: Reason,
            message: &'v str,
        }
        match self {
            Verdict::Allow { source, event } => json::to_string(
                &Allowed {
                    allow: true,
                    status: Ack::Allowed.status(),
                    reason: Ack::Allowed,
                    source,
                    event: CloudEvent::new(event),
                },
                SMALL + cloudevent::capacity(event),
            ),
            Verdict::Deny(denial) => json::to_string(
                &Denied {
                    allow: false,
                    status: denial.status(),
                    reason: denial.reason,
                    message: &denial.message,
                },
                SMALL,
            ),
        }
    }
}

impl Policy {
    /// Every source, in the config's order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The proxies whose `X-Forwarded-For` hops are believed.
    pub fn trusted_proxies(&self) -> &[Cidr] {
        &self.trusted_proxies
    }

    /// The source at the request's path, with its position in [`Policy::sources`]: what a
    /// refusal is counted and logged under, whatever the refusal.
    pub fn route(&self, head: &Head<'_>) -> Option<(usize, &Source)> {
        let route = head.route();
        self.sources
            .iter()
            .enumerate()
            .find(|(_, s)| s.path == route)
    }

    /// Everything decided before any body byte, in the order that reveals least to a caller:
    /// route (404), method (405), address (403), credentials (401), media type (415), declared
    /// length (413).
    ///
    /// # Errors
    ///
    /// The first of those checks that fails, as its denial.
    pub fn admit<'p>(&'p self, head: &Head<'_>) -> Result<Admission<'p>, Denial> {
        let (index, source) = self
            .route(head)
            .ok_or_else(|| Denial::from(Reason::UnknownRoute))?;
        if head.method != Method::Post {
            return Err(Denial::from(Reason::MethodNotAllowed));
        }
        let client_ip = self.client_ip(head)?;
        if !source.allow_ips.is_empty() && !source.allow_ips.iter().any(|c| c.contains(client_ip)) {
            return Err(Denial::from(Reason::ForbiddenAddress));
        }
        let credential = if source.auth.is_empty() {
            None
        } else {
            Some(
                auth::authenticate(&source.auth, head)
                    .map_err(|refusal| unauthorized(source, refusal))?,
            )
        };
        check_content_type(head)?;
        let admission = Admission {
            source,
            index,
            client_ip,
            credential,
        };
        if let Some(length) = declared_length(head)? {
            admission.check_size(length)?;
        }
        Ok(admission)
    }

    /// [`Policy::admit`] and [`Admission::check_body`] in one call.
    pub fn decide<'a>(
        &'a self,
        head: &Head<'_>,
        body: &'a [u8],
        received_at: Option<i64>,
    ) -> Verdict<'a> {
        let admission = match self.admit(head) {
            Ok(admission) => admission,
            Err(denial) => return Verdict::Deny(denial),
        };
        match admission.check_body(body, received_at) {
            Ok(event) => Verdict::Allow {
                source: &admission.source.name,
                event: Box::new(event),
            },
            Err(denial) => Verdict::Deny(denial),
        }
    }

    /// The client: the direct peer, unless the peer is a trusted proxy; then the rightmost
    /// `X-Forwarded-For` hop that is not itself a trusted proxy.
    ///
    /// # Errors
    ///
    /// `forbidden_address` when the peer, or a hop that must be read, is not an address.
    pub fn client_ip(&self, head: &Head<'_>) -> Result<IpAddr, Denial> {
        let unreadable = || {
            Denial::new(
                Reason::ForbiddenAddress,
                "the client address cannot be determined",
            )
        };
        let peer = parse_address(head.peer).ok_or_else(unreadable)?;
        if !self.is_trusted(peer) {
            return Ok(peer);
        }
        let mut client = peer;
        let hops = head
            .header_values("x-forwarded-for")
            .rev()
            .flat_map(|v| v.rsplit(','));
        for hop in hops {
            client = parse_address(hop).ok_or_else(unreadable)?;
            if !self.is_trusted(client) {
                break;
            }
        }
        Ok(client)
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(ip))
    }
}

fn unauthorized(source: &Source, refusal: auth::Refusal) -> Denial {
    let message = match refusal {
        auth::Refusal::Missing => "credentials required",
        auth::Refusal::Wrong => "invalid credentials",
        auth::Refusal::Ambiguous(why) => why,
    };
    Denial {
        basic_challenge: source.accepts_basic(),
        ..Denial::new(Reason::Unauthorized, message)
    }
}

/// JSON (`application/json`, `application/*+json`, any parameters) or no content type at all;
/// the providers send JSON, and refusing a missing header would only lose their events.
fn check_content_type(head: &Head<'_>) -> Result<(), Denial> {
    let unsupported = || Denial::from(Reason::UnsupportedMediaType);
    let Some(value) = head
        .single_header("content-type")
        .map_err(|_| unsupported())?
    else {
        return Ok(());
    };
    let media = value.split(';').next().unwrap_or("").trim();
    let (kind, subtype) = media.split_once('/').ok_or_else(unsupported)?;
    let json = kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5
                && subtype
                    .get(subtype.len() - 5..)
                    .is_some_and(|s| s.eq_ignore_ascii_case("+json")));
    json.then_some(()).ok_or_else(unsupported)
}

/// `Content-Length`, when given once and valid; an invalid or repeated one is refused.
fn declared_length(head: &Head<'_>) -> Result<Option<usize>, Denial> {
    let invalid = || Denial::from(Reason::InvalidContentLength);
    match head
        .single_header("content-length")
        .map_err(|_| invalid())?
    {
        None => Ok(None),
        // Any length beyond what fits `usize` (wasm32) is simply too large, not invalid.
        Some(v) if !v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()) => {
            let length: u64 = v.parse().map_err(|_| invalid())?;
            Ok(Some(usize::try_from(length).unwrap_or(usize::MAX)))
        }
        Some(_) => Err(invalid()),
    }
}
