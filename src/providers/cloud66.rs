//! Cloud66 webhooks: ActiveProtect (`active.protect.*`) and server (`server.*`) events.
//!
//! Cloud66 publishes examples, not schemas: what identifies the event and its subject is
//! required (`timestamp`, `event_type`, the server, the blocked address, the watched file);
//! every other documented field is typed when present and may be absent or `null`.

use alloc::borrow::Cow;
use alloc::format;

use core::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::detect;
use super::{event_types, Kind, Parts};
use crate::input::{self, present, Object, Text};
use crate::mask::Mask;
use crate::time::Timestamp;
use crate::{Error, Provider};

event_types! {
    /// Cloud66's documented webhook event types.
    EventType in "com.cloud66." {
        /// ActiveProtect blocked, or saw, an attack on a server.
        ActiveProtectBlock = "active.protect.block",
        /// ActiveProtect checked a watched file on a server, changed or not.
        ActiveProtectChange = "active.protect.change",
        /// A server that had stopped responding responds again.
        ServerBackOn = "server.backon",
        /// A server's IP address change failed.
        ServerIpChangeFail = "server.ip.change.fail",
        /// A server stopped responding.
        ServerStopped = "server.stopped",
    }
}

/// Parses a Cloud66 payload in one pass. The members that mark other providers' shapes are
/// captured too, so that a payload detection would give to another provider is refused here.
/// `hint` is the route's provider, if any (see [`detect::Markers::check`]).
pub(crate) fn parse(text: &str, hint: Option<Provider>) -> Result<Parsed<'_>, Error> {
    let Object(payload): Object<Payload> = input::read(text, "")?;
    detect::Markers {
        metadata: payload.metadata.is_some(),
        details: payload.details.is_some(),
        event_type: Some(&payload.event_type),
        integer_timestamp: true,
        event: payload.event.is_some(),
        target: payload.target.is_some(),
        partner: payload.partner.is_some(),
    }
    .check(Provider::Cloud66, hint)?;
    let head = Head {
        timestamp: payload.timestamp,
        event_type: payload.event_type,
    };
    let kind = EventType::from_type(&head.event_type);
    let model = match kind {
        EventType::ActiveProtectBlock => Model::Block(Block {
            server: payload.server.object()?,
            activeprotect_action: member(payload.activeprotect_action, "activeprotect_action")?,
        }),
        EventType::ActiveProtectChange => Model::Change(Change {
            server: payload.server.object()?,
            watched_file: member(payload.watched_file, "watched_file")?,
        }),
        _ => Model::Status(ServerStatus::new(
            kind,
            payload.server.uid()?,
            payload.uid,
            payload.new_ext_ipv4,
        )?),
    };
    Ok(Parsed { head, kind, model })
}

/// A Cloud66 payload its model accepted.
pub(crate) struct Parsed<'a> {
    head: Head<'a>,
    kind: EventType,
    model: Model<'a>,
}

enum Model<'a> {
    Block(Block<'a>),
    Change(Change<'a>),
    Status(ServerStatus<'a>),
}

impl<'a> Parsed<'a> {
    pub(crate) fn kind(&self) -> EventType {
        self.kind
    }

    /// Its parts, from what `mask` (the payload's) leaves.
    pub(crate) fn describe(self, mask: Mask<'_>) -> Parts<'a> {
        let parts = self.head.parts(self.kind, mask);
        match self.model {
            Model::Block(block) => block.parts(parts, mask),
            Model::Change(change) => change.parts(parts, mask),
            Model::Status(status) => status.parts(parts, mask),
        }
    }
}

/// A member of one event type only, captured by [`Payload`] and read for that type.
fn member<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>, name: &str) -> Result<T, Error> {
    let raw = raw.ok_or_else(|| Error::missing(name))?;
    input::read::<Object<T>>(raw.get(), name).map(|o| o.0)
}

/// Every member any Cloud66 event type reads. `server` is read as whichever of its two forms
/// it has; the members of one event type only are captured, and read for that type.
#[derive(Deserialize)]
struct Payload<'a> {
    timestamp: i64,
    #[serde(borrow)]
    event_type: Text<'a>,
    #[serde(borrow, default)]
    server: ServerField<'a>,
    #[serde(borrow, default, deserialize_with = "present")]
    uid: Option<Text<'a>>,
    #[serde(borrow, default)]
    new_ext_ipv4: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    activeprotect_action: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    watched_file: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    metadata: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    details: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    event: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    target: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    partner: Option<IgnoredAny>,
}

/// `server`: the server itself in ActiveProtect events, its uid in server events.
#[derive(Default)]
enum ServerField<'a> {
    #[default]
    Absent,
    Object(Server<'a>),
    Uid(Text<'a>),
}

impl<'a> ServerField<'a> {
    fn object(self) -> Result<Server<'a>, Error> {
        match self {
            Self::Object(server) => Ok(server),
            Self::Uid(_) => Err(Error::schema(
                "server",
                "invalid type: string, expected an object",
            )),
            Self::Absent => Err(Error::missing("server")),
        }
    }

    fn uid(self) -> Result<Option<Text<'a>>, Error> {
        match self {
            Self::Uid(uid) => Ok(Some(uid)),
            Self::Object(_) => Err(Error::schema(
                "server",
                "invalid type: map, expected a string",
            )),
            Self::Absent => Ok(None),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ServerField<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Forms;
        impl<'de> Visitor<'de> for Forms {
            type Value = ServerField<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a server object or a server uid")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let server = Server::deserialize(serde::de::value::MapAccessDeserializer::new(map));
                server.map(ServerField::Object)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(ServerField::Uid(Text(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(ServerField::Uid(Text(Cow::Owned(s.into()))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                input::refuse_seq(seq, &self)
            }
        }
        deserializer.deserialize_any(Forms)
    }
}

/// What every Cloud66 event carries.
struct Head<'a> {
    timestamp: i64,
    event_type: Text<'a>,
}

impl<'a> Head<'a> {
    fn parts(self, kind: EventType, m: Mask<'_>) -> Parts<'a> {
        let mut parts = Parts::new(
            Kind::Cloud66(kind),
            m.keep("event_type", Some(self.event_type.0)),
            None,
            None,
        );
        parts.time = m.keep("timestamp", Some(Timestamp::Unix(self.timestamp)));
        parts
    }
}

/// The `server` object of ActiveProtect events.
#[derive(Deserialize)]
struct Server<'a> {
    #[serde(borrow)]
    uid: Text<'a>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    address: Option<Text<'a>>,
    #[serde(borrow, default)]
    stack_uid: Option<Text<'a>>,
}

impl<'a> Server<'a> {
    /// The subject and the account; `m` is the server's mask.
    fn subject(&self, parts: &mut Parts<'a>, m: Mask<'_>) {
        parts.subject_id = m.keep("uid", Some(self.uid.cow()));
        parts.subject_name = m.keep("name", self.name.as_ref().map(Text::cow));
        parts.account = m.keep("stack_uid", self.stack_uid.as_ref().map(Text::cow));
    }

    /// Its name, else its address, else its uid, for a sentence: whichever is not redacted.
    fn label(&self, m: Mask<'_>) -> &str {
        m.keep("name", self.name.as_deref())
            .or(m.keep("address", self.address.as_deref()))
            .unwrap_or(m.say("uid", &self.uid))
    }
}

struct Block<'a> {
    server: Server<'a>,
    activeprotect_action: Action<'a>,
}

#[derive(Deserialize)]
struct Action<'a> {
    #[serde(borrow)]
    address: Text<'a>,
    #[serde(borrow, default)]
    country: Option<Text<'a>>,
    #[serde(borrow, default)]
    country_code: Option<Text<'a>>,
    #[serde(borrow, default)]
    attack: Option<Text<'a>>,
    #[serde(default)]
    port: Option<i64>,
    #[serde(default)]
    banned: Option<bool>,
}

impl<'a> Block<'a> {
    fn parts(self, mut parts: Parts<'a>, m: Mask<'_>) -> Parts<'a> {
        let server = m.key("server");
        self.server.subject(&mut parts, server);
        let action = &self.activeprotect_action;
        let am = m.key("activeprotect_action");
        let banned = am.keep("banned", action.banned);
        parts.rating.banned = action.banned;
        let i = &mut parts.indicators;
        let address = am.keep("address", Some(action.address.cow()));
        i.source_scope = address.is_some().then_some(Cow::Borrowed("ip"));
        i.source_value.clone_from(&address);
        i.source_ip = address;
        i.country = am
            .keep("country_code", action.country_code.as_ref())
            .or(am.keep("country", action.country.as_ref()))
            .map(Text::cow);
        i.attack = am.keep("attack", action.attack.as_ref().map(Text::cow));
        i.port = am.keep("port", action.port);
        i.banned = banned;
        i.target_ip = server.keep("address", self.server.address.as_ref().map(Text::cow));
        let verb = match (banned, am.key("banned").hides()) {
            (_, true) => "reported",
            (Some(false), _) => "saw",
            _ => "blocked",
        };
        parts.summary = format!(
            "ActiveProtect {verb} {} attack from {}{} on server {}",
            am.say("attack", action.attack.as_deref().unwrap_or("an")),
            am.say("address", &action.address),
            am.keep("port", action.port)
                .map(|p| format!(" to port {p}"))
                .unwrap_or_default(),
            self.server.label(server)
        );
        parts
    }
}

struct Change<'a> {
    server: Server<'a>,
    watched_file: WatchedFile<'a>,
}

#[derive(Deserialize)]
struct WatchedFile<'a> {
    #[serde(borrow)]
    file_path: Text<'a>,
    is_changed: bool,
}

impl<'a> Change<'a> {
    fn parts(self, mut parts: Parts<'a>, m: Mask<'_>) -> Parts<'a> {
        let server = m.key("server");
        self.server.subject(&mut parts, server);
        let file = &self.watched_file;
        let fm = m.key("watched_file");
        let changed = fm.keep("is_changed", Some(file.is_changed));
        parts.rating.changed = Some(file.is_changed);
        parts.indicators.file_path = fm.keep("file_path", Some(file.file_path.cow()));
        parts.indicators.changed = changed;
        parts.summary = format!(
            "Watched file {} on server {} {}",
            fm.say("file_path", &file.file_path),
            self.server.label(server),
            match changed {
                Some(true) => "was changed",
                Some(false) => "is unchanged",
                None => "was checked (result redacted)",
            }
        );
        parts
    }
}

/// `server.backon`, `server.stopped`, `server.ip.change.fail` and unknown types: the server's
/// uid is `server` (or `uid`, which the examples show equal).
struct ServerStatus<'a> {
    kind: EventType,
    /// The server's uid, and the member it was read from.
    server: Option<(&'static str, Text<'a>)>,
    new_ext_ipv4: Option<Text<'a>>,
}

impl<'a> ServerStatus<'a> {
    /// Checks what the documented types require: the server, and a failed change's address.
    fn new(
        kind: EventType,
        server: Option<Text<'a>>,
        uid: Option<Text<'a>>,
        new_ext_ipv4: Option<Text<'a>>,
    ) -> Result<Self, Error> {
        let server = server.map(|s| ("server", s)).or(uid.map(|u| ("uid", u)));
        if kind != EventType::Unknown && server.is_none() {
            return Err(Error::missing("server"));
        }
        if kind == EventType::ServerIpChangeFail && new_ext_ipv4.is_none() {
            return Err(Error::missing("new_ext_ipv4"));
        }
        Ok(Self {
            kind,
            server,
            new_ext_ipv4,
        })
    }

    fn parts(self, mut parts: Parts<'a>, m: Mask<'_>) -> Parts<'a> {
        let server = self
            .server
            .as_ref()
            .map(|(key, uid)| (m.keep(key, Some(uid.cow())), m.say(key, uid)));
        parts.subject_id = server.as_ref().and_then(|(id, _)| id.clone());
        let label = server.as_ref().map_or("(unknown)", |(_, said)| *said);
        parts.summary = match self.kind {
            EventType::ServerBackOn => format!("Server {label} is back online"),
            EventType::ServerStopped => format!("Server {label} stopped responding"),
            EventType::ServerIpChangeFail => {
                let address = self.new_ext_ipv4.as_ref().map_or("(unknown)", |a| &**a);
                parts.indicators.address =
                    m.keep("new_ext_ipv4", self.new_ext_ipv4.as_ref().map(Text::cow));
                format!(
                    "Server {label} failed to change its IP address to {}",
                    m.say("new_ext_ipv4", address)
                )
            }
            EventType::ActiveProtectBlock | EventType::ActiveProtectChange | EventType::Unknown => {
                format!(
                    "Cloud66 sent a {} event, a type not documented yet",
                    parts.event_type
                )
            }
        };
        parts
    }
}
