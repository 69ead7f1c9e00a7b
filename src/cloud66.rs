//! Cloud66 webhooks: ActiveProtect (`active.protect.*`) and server (`server.*`) events.
//!
//! Cloud66 publishes examples, not schemas: what identifies the event and its subject is
//! required (`timestamp`, `event_type`, the server, the blocked address, the watched file);
//! every other documented field is typed when present and may be absent or `null`.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use serde::Deserialize;

use crate::classify::{event_types, finish, Kind, Parts};
use crate::detect::Probe;
use crate::json::{self, present, Object, Text};
use crate::time::Timestamp;
use crate::{Error, Event, Indicators};

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

pub(crate) fn parse<'a>(text: &'a str, probe: &Probe<'a>) -> Result<Event<'a>, Error> {
    let head = Head {
        timestamp: json::member(probe.timestamp, "timestamp")?,
        event_type: json::member(probe.event_type, "event_type")?,
    };
    let kind = EventType::from_type(&head.event_type);
    let parts = match kind {
        EventType::ActiveProtectBlock => json::from_body::<Block>(text)?.parts(head),
        EventType::ActiveProtectChange => json::from_body::<Change>(text)?.parts(head),
        _ => json::from_body::<ServerStatus>(text)?.parts(kind, head)?,
    };
    Ok(finish(parts, text.trim()))
}

/// What every Cloud66 event carries, read by the detection pass.
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

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(borrow)]
    server: Object<Server<'a>>,
    #[serde(borrow)]
    activeprotect_action: Object<Action<'a>>,
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

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(borrow)]
    server: Object<Server<'a>>,
    #[serde(borrow)]
    watched_file: Object<WatchedFile<'a>>,
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
#[derive(Deserialize)]
struct ServerStatus<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    server: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    uid: Option<Text<'a>>,
    #[serde(borrow, default)]
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
