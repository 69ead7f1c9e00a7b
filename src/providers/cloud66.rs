//! Cloud66 webhooks: ActiveProtect (`active.protect.*`) and server (`server.*`) events.
//!
//! Cloud66 publishes examples, not schemas: what identifies the event and its subject is
//! required (`timestamp`, `event_type`, the server, the blocked address, the watched file);
//! every other documented field is typed when present and may be absent or `null`.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;

use core::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::detect;
use super::{event_types, Kind, Parts};
use crate::input::{self, present, Object, Text};
use crate::time::Timestamp;
use crate::{Error, Indicators, Provider};

event_types! {
    /// Cloud66's documented webhook event types.
    EventType {
        ActiveProtectBlock = "active.protect.block",
        ActiveProtectChange = "active.protect.change",
        ServerBackOn = "server.backon",
        ServerIpChangeFail = "server.ip.change.fail",
        ServerStopped = "server.stopped",
    }
}

/// Parses a Cloud66 payload in one pass. The members that mark other providers' shapes are
/// captured too, so that a payload detection would give to another provider is refused here.
/// `hint` is the route's provider, if any (see [`detect::Markers::check`]).
pub(crate) fn parse(text: &str, hint: Option<Provider>) -> Result<Parts<'_>, Error> {
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
    let parts = match kind {
        EventType::ActiveProtectBlock => Block {
            server: payload.server.object()?,
            activeprotect_action: member(payload.activeprotect_action, "activeprotect_action")?,
        }
        .parts(head),
        EventType::ActiveProtectChange => Change {
            server: payload.server.object()?,
            watched_file: member(payload.watched_file, "watched_file")?,
        }
        .parts(head),
        _ => ServerStatus {
            server: payload.server.uid()?,
            uid: payload.uid,
            new_ext_ipv4: payload.new_ext_ipv4,
        }
        .parts(kind, head)?,
    };
    Ok(parts)
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
    fn parts(self, kind: EventType) -> Parts<'a> {
        Parts {
            kind: Kind::Cloud66(kind),
            event_type: self.event_type.0,
            id: None,
            time: Some(Timestamp::Unix(self.timestamp)),
            account: None,
            subject_id: None,
            subject_name: None,
            indicators: Indicators::default(),
            summary: String::new(),
            redact: false,
        }
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
    fn subject(&self, parts: &mut Parts<'a>) {
        parts.subject_id = Some(self.uid.cow());
        parts.subject_name = self.name.as_ref().map(Text::cow);
        parts.account = self.stack_uid.as_ref().map(Text::cow);
    }

    fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.address.as_deref())
            .unwrap_or(&self.uid)
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
    fn parts(self, head: Head<'a>) -> Parts<'a> {
        let mut parts = head.parts(EventType::ActiveProtectBlock);
        self.server.subject(&mut parts);
        let action = &self.activeprotect_action;
        let i = &mut parts.indicators;
        i.source_scope = Some(Cow::Borrowed("ip"));
        i.source_value = Some(action.address.cow());
        i.source_ip = Some(action.address.cow());
        i.country = action
            .country_code
            .as_ref()
            .or(action.country.as_ref())
            .map(Text::cow);
        i.attack = action.attack.as_ref().map(Text::cow);
        i.port = action.port;
        i.banned = action.banned;
        i.target_ip = self.server.address.as_ref().map(Text::cow);
        parts.summary = format!(
            "ActiveProtect {} {} attack from {}{} on server {}",
            if action.banned == Some(false) {
                "saw"
            } else {
                "blocked"
            },
            action.attack.as_deref().unwrap_or("an"),
            &*action.address,
            action
                .port
                .map(|p| format!(" to port {p}"))
                .unwrap_or_default(),
            self.server.label()
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
    fn parts(self, head: Head<'a>) -> Parts<'a> {
        let mut parts = head.parts(EventType::ActiveProtectChange);
        self.server.subject(&mut parts);
        let file = &self.watched_file;
        parts.indicators.file_path = Some(file.file_path.cow());
        parts.indicators.changed = Some(file.is_changed);
        parts.summary = format!(
            "Watched file {} on server {} {}",
            &*file.file_path,
            self.server.label(),
            if file.is_changed {
                "was changed"
            } else {
                "is unchanged"
            }
        );
        parts
    }
}

/// `server.backon`, `server.stopped`, `server.ip.change.fail` and unknown types: the server's
/// uid is `server` (or `uid`, which the examples show equal).
struct ServerStatus<'a> {
    server: Option<Text<'a>>,
    uid: Option<Text<'a>>,
    new_ext_ipv4: Option<Text<'a>>,
}

impl<'a> ServerStatus<'a> {
    fn parts(self, kind: EventType, head: Head<'a>) -> Result<Parts<'a>, Error> {
        let mut parts = head.parts(kind);
        let server = self.server.as_ref().or(self.uid.as_ref());
        if kind != EventType::Unknown {
            let server = server.ok_or_else(|| Error::missing("server"))?;
            parts.subject_id = Some(server.cow());
        }
        parts.summary = match kind {
            EventType::ServerBackOn => format!("Server {} is back online", or_unknown(server)),
            EventType::ServerStopped => format!("Server {} stopped responding", or_unknown(server)),
            EventType::ServerIpChangeFail => {
                let address = self
                    .new_ext_ipv4
                    .as_ref()
                    .ok_or_else(|| Error::missing("new_ext_ipv4"))?;
                parts.indicators.address = Some(address.cow());
                format!(
                    "Server {} failed to change its IP address to {}",
                    or_unknown(server),
                    &**address
                )
            }
            _ => {
                parts.subject_id = server.map(Text::cow);
                format!(
                    "Cloud66 sent a {} event, a type not documented yet",
                    parts.event_type
                )
            }
        };
        Ok(parts)
    }
}

fn or_unknown<'s>(value: Option<&'s Text<'_>>) -> &'s str {
    value.map_or("(unknown)", |t| &**t)
}
