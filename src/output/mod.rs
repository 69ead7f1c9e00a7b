//! What a runtime sends on: one [`Format`] per body (the CloudEvent, its bare `data`, OCSF or a
//! chat message), under one set of names, rendered here for the CLI, the filter and the Worker
//! alike; and the destination [`Match`] that picks which events a destination takes.

mod matcher;
mod slack;

use core::fmt;
use core::str::FromStr;

use alloc::string::String;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::event::Event;

pub use matcher::{Match, MatchError};

/// A body a runtime can send for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The CloudEvents 1.0 structured event.
    CloudEvent,
    /// The bare normalized event: the CloudEvent's `data`.
    Data,
    /// The OCSF 1.5.0 event, without the raw payload.
    Ocsf,
    /// A Slack incoming-webhook message (Mattermost's and Discord's `/slack` endpoints take it
    /// too), with everything a third party wrote neutralized.
    Slack,
}

impl Format {
    /// Every format, for what lists the names or goes through each.
    pub const ALL: [Format; 4] = [Self::CloudEvent, Self::Data, Self::Ocsf, Self::Slack];

    /// The name configs and flags use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CloudEvent => "cloudevent",
            Self::Data => "data",
            Self::Ocsf => "ocsf",
            Self::Slack => "slack",
        }
    }

    /// The event as this format's body (JSON text).
    pub fn render(self, event: &Event<'_>) -> String {
        match self {
            Self::CloudEvent => event.to_cloudevent_json(),
            Self::Data => event.to_data_json(),
            Self::Ocsf => crate::ocsf::to_ocsf_json(event, crate::ocsf::Options::default()),
            Self::Slack => slack::message(event),
        }
    }

    /// The media type of [`Format::render`]'s body.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::CloudEvent => crate::cloudevent::CONTENT_TYPE,
            Self::Data | Self::Ocsf | Self::Slack => "application/json",
        }
    }
}

/// The names [`Format::from_str`] takes: each format's own, then `json`, the Worker's first
/// name for `data`, which deployed `HOOKWALL_DESTINATIONS` documents still use.
const NAMES: [&str; 5] = ["cloudevent", "data", "ocsf", "slack", "json"];

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, UnknownFormat> {
        match name {
            "json" => Ok(Self::Data),
            name => Self::ALL
                .into_iter()
                .find(|f| f.as_str() == name)
                .ok_or(UnknownFormat),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no [`Format`]'s. It does not repeat the name, which may be anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownFormat;

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown format, expected one of cloudevent, data, ocsf, slack")
    }
}

impl core::error::Error for UnknownFormat {}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FormatVisitor)
    }
}

/// Reads a format's name, borrowed or not, through [`Format::from_str`]: the names are spelled once.
struct FormatVisitor;

impl Visitor<'_> for FormatVisitor {
    type Value = Format;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a format name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Format, E> {
        name.parse()
            .map_err(|UnknownFormat| E::unknown_variant(name, &NAMES))
    }
}
