//! The OCSF 1.5.0 objects hookwall fills, declared once and written by serde. Each carries only
//! the attributes hookwall has a value for; absent ones are omitted, never `null`.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

/// An OCSF enum value with its caption (`type_id` and `type`, `status_id` and `status`...), as
/// the attribute pair it is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enum<'a> {
    pub id: u8,
    pub caption: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Metadata<'a> {
    pub version: &'static str,
    pub product: Product<'a>,
    /// The event id: the provider's, or the one hookwall derived.
    pub uid: &'a str,
    /// The provider's own type string.
    pub event_code: &'a str,
    pub log_name: &'static str,
    pub log_provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_time: Option<String>,
    /// When hookwall received the event, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_time: Option<i64>,
    /// The provider account: CrowdSec organization, Cloud66 stack, Sectigo partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_uid: Option<&'a str>,
}

/// A product: the provider in `metadata`, the application in Application Lifecycle.
#[derive(Debug, Default, Serialize)]
pub struct Product<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    pub vendor_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<Feature>,
}

#[derive(Debug, Serialize)]
pub struct Feature {
    pub name: &'static str,
}

#[derive(Debug, Serialize)]
pub struct FindingInfo<'a> {
    pub uid: &'a str,
    pub title: &'a str,
    /// The provider's type, then its names for the attack (behaviors, the attack).
    pub types: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytic: Option<Analytic<'a>>,
}

/// The detection rule: CrowdSec's scenario.
#[derive(Debug, Serialize)]
pub struct Analytic<'a> {
    pub name: &'a str,
    pub type_id: u8,
    #[serde(rename = "type")]
    pub caption: &'static str,
}

#[derive(Debug, Default, Serialize)]
pub struct Evidence<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_endpoint: Option<Endpoint<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_endpoint: Option<Endpoint<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict_id: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
}

/// A `network_endpoint`.
#[derive(Debug, Default, Serialize)]
pub struct Endpoint<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autonomous_system: Option<AutonomousSystem<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct AutonomousSystem<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct File<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub type_id: u8,
    #[serde(rename = "type")]
    pub caption: &'static str,
}

/// What an event is about, as the `resource_details` of a finding or a `web_resource`.
#[derive(Debug, Serialize)]
pub struct Resource<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A `managed_entity`: OCSF's types (device, user…) name none of hookwall's subjects, so its
/// type is Other, named.
#[derive(Debug, Serialize)]
pub struct Entity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub type_id: u8,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Serialize)]
pub struct User<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Service {
    pub name: &'static str,
}

/// A value worth correlating on, and where in the event it is.
#[derive(Debug, Serialize)]
pub struct Observable<'a> {
    pub name: &'static str,
    pub type_id: u8,
    #[serde(rename = "type")]
    pub caption: &'static str,
    pub value: &'a str,
}

/// Observable types of OCSF 1.5.0 that hookwall's values have.
pub mod observable {
    use super::Enum;

    pub const HOSTNAME: Enum<'static> = Enum {
        id: 1,
        caption: "Hostname",
    };
    pub const IP_ADDRESS: Enum<'static> = Enum {
        id: 2,
        caption: "IP Address",
    };
    pub const USER_NAME: Enum<'static> = Enum {
        id: 4,
        caption: "User Name",
    };
    pub const FILE_NAME: Enum<'static> = Enum {
        id: 7,
        caption: "File Name",
    };
    pub const COUNTRY: Enum<'static> = Enum {
        id: 14,
        caption: "Country",
    };
    pub const FILE_PATH: Enum<'static> = Enum {
        id: 45,
        caption: "File Path",
    };
}
