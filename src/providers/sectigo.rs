//! Sectigo Web Security Platform (SiteLock) partner webhooks.
//!
//! Sectigo documents the envelope (`id`, `event`, `target`, `body`, `partner`) and describes
//! each body only in words, so the body stays free-form JSON; what the description names (the
//! restore states, the issues found, the site or user) is looked up by the likely key names.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::detect;
use super::{event_types, Kind, Parts};
use crate::input::{self, present, Object, Text};
use crate::mask::Mask;
use crate::payload::REDACTED;
use crate::tree::Tree;
use crate::{Error, Provider};

mod keys;

pub(crate) use keys::{is_harmless, names_secret};

event_types! {
    /// Sectigo Web Security Platform's documented partner webhook events.
    EventType in "com.sectigo.wsp." {
        /// A database restore from backup moved to another state.
        DatabaseBackupRestoreStateChanged = "database_backup_restore_state_changed",
        /// A database backup is ready to download (the link is a secret).
        DatabaseBackupZipDownloadAvailable = "database_backup_zip_download_available",
        /// A user account was created and can sign in.
        UserCreate = "user_create",
        /// A one-time login link was issued to a user (the link is a credential).
        UserLoginLink = "user_login_link",
        /// A user's password was reset (the body carries the temporary one).
        UserResetPassword = "user_reset_password",
        /// CDN acceleration was switched on for a website.
        WebsiteAccelerateEnabled = "website_accelerate_enabled",
        /// Files changed between two backups of a website.
        WebsiteBackupChangeAlert = "website_backup_change_alert",
        /// Malware cleaning was switched on for a website.
        WebsiteCleanEnabled = "website_clean_enabled",
        /// A website's DNSSEC key rotation finished.
        WebsiteDnssecRotationComplete = "website_dnssec_rotation_complete",
        /// A website's DNSSEC key rotation started: the new DS record must reach the registrar.
        WebsiteDnssecRotationStart = "website_dnssec_rotation_start",
        /// The web application firewall was switched on for a website.
        WebsiteFirewallEnabled = "website_firewall_enabled",
        /// Malware found on a website was removed.
        WebsiteMalwareIssueFixed = "website_malware_issue_fixed",
        /// A scan found malware on a website.
        WebsiteMalwareIssueFound = "website_malware_issue_found",
        /// Monitoring was switched on for a website.
        WebsiteMonitorEnabled = "website_monitor_enabled",
        /// A website restore from backup moved to another state.
        WebsiteRestoreStateChanged = "website_restore_state_changed",
        /// A website backup is ready to download (the link is a secret).
        WebsiteZipDownloadAvailable = "website_zip_download_available",
    }
}

impl EventType {
    /// Whether the body carries a bearer secret: a temporary password, a one-time login link
    /// or a download link.
    pub const fn carries_secret(self) -> bool {
        matches!(
            self,
            Self::UserLoginLink
                | Self::UserResetPassword
                | Self::DatabaseBackupZipDownloadAvailable
                | Self::WebsiteZipDownloadAvailable
        )
    }
}

/// Parses a Sectigo payload in one pass. The members that mark other providers' shapes are
/// captured too, so that a payload detection would give to another provider is refused here.
/// `hint` is the route's provider, if any (see [`detect::Markers::check`]).
pub(crate) fn parse(text: &str, hint: Option<Provider>) -> Result<Parsed<'_>, Error> {
    let Object(payload): Object<Payload> = input::read(text, "")?;
    let event_type = detect::text(payload.event_type);
    detect::Markers {
        metadata: payload.metadata.is_some(),
        details: payload.details.is_some(),
        event_type: event_type.as_deref(),
        integer_timestamp: detect::is_integer(payload.timestamp),
        event: true,
        target: true,
        partner: true,
    }
    .check(Provider::Sectigo, hint)?;
    build(payload)
}

/// The documented envelope, and the members that mark other providers' shapes.
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    id: Id<'a>,
    #[serde(borrow)]
    event: Text<'a>,
    #[serde(borrow)]
    target: Object<Target<'a>>,
    #[serde(borrow)]
    partner: Object<Partner<'a>>,
    #[serde(borrow)]
    body: Tree<'a>,
    #[serde(default, deserialize_with = "present")]
    metadata: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    details: Option<IgnoredAny>,
    #[serde(borrow, default, deserialize_with = "present")]
    event_type: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    timestamp: Option<&'a RawValue>,
}

/// A Sectigo payload its model accepted.
pub(crate) struct Parsed<'a> {
    kind: EventType,
    payload: Payload<'a>,
}

fn build(payload: Payload<'_>) -> Result<Parsed<'_>, Error> {
    if !matches!(payload.body, Tree::Object(_) | Tree::Array(_)) {
        return Err(Error::schema("body", "expected an object or an array"));
    }
    let kind = EventType::from_type(&payload.event);
    Ok(Parsed { kind, payload })
}

impl<'a> Parsed<'a> {
    pub(crate) fn kind(&self) -> EventType {
        self.kind
    }

    pub(crate) fn holds_secret(&self) -> bool {
        has_secret(self.kind, &self.payload.body)
    }

    /// Its parts, from what `mask` (the payload's) leaves: the body's lookups run on the body
    /// as redacted, where a redacted value is no value.
    pub(crate) fn describe(self, mask: Mask<'_>) -> Parts<'a> {
        let Payload {
            id,
            event,
            target: Object(target),
            partner: Object(partner),
            body,
            ..
        } = self.payload;
        let target_mask = mask.key("target");
        let account = mask.key("partner").keep("id", Some(partner.id.0));
        // Partners number their events apart: with the partner redacted from the CloudEvent
        // source, the id is derived from the body, which still tells a retry.
        let id = mask.keep("id", Some(id.0)).filter(|_| account.is_some());
        let mut parts = Parts::new(
            Kind::Sectigo(self.kind),
            mask.keep("event", Some(event.0)),
            id,
            account,
        );
        parts.subject_id = target_mask.keep("id", Some(target.id.0));
        let target_type = target_mask.say("type", &target.kind);
        let body = match mask.key("body") {
            Mask::Clear => &body,
            Mask::Hidden => &Tree::Null,
            Mask::At(redacted) => redacted,
        };
        describe(self.kind, target_type, body, &mut parts);
        parts
    }
}

/// Whether a body holds a secret: always for the secret-bearing events, and wherever a key
/// names one.
fn has_secret(kind: EventType, body: &Tree<'_>) -> bool {
    fn named(tree: &Tree<'_>) -> bool {
        match tree {
            Tree::Object(members) => members.iter().any(|(k, v)| names_secret(k) || named(v)),
            Tree::Array(items) => items.iter().any(named),
            _ => false,
        }
    }
    kind.carries_secret() || named(body)
}

#[derive(Deserialize)]
struct Target<'a> {
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    id: Id<'a>,
}

#[derive(Deserialize)]
struct Partner<'a> {
    #[serde(borrow)]
    id: Id<'a>,
}

/// Sectigo's ids are integers in the example; strings are accepted too, kept as text.
struct Id<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ids;
        impl<'de> Visitor<'de> for Ids {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Id(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Id(Cow::Owned(s.into())))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Id(Cow::Owned(n.to_string())))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Id(Cow::Owned(n.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                input::refuse_seq(seq, &self)
            }
        }
        deserializer.deserialize_any(Ids)
    }
}

/// Fills in the subject's name, the indicators the description names, and the summary.
fn describe(kind: EventType, target_type: &str, body: &Tree<'_>, parts: &mut Parts<'_>) {
    use EventType as E;
    let name = match kind {
        E::UserCreate | E::UserLoginLink | E::UserResetPassword => {
            find_text(body, &["name", "username"])
        }
        E::DatabaseBackupRestoreStateChanged | E::DatabaseBackupZipDownloadAvailable => {
            find_text(body, &["name", "database_name", "db_name"])
        }
        // Not `url`: it names a secret, which is redacted, and no summary is built from one.
        _ => find_text(body, &["domain", "hostname", "name"]),
    };
    let label = match (&name, &parts.subject_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("{target_type} {id}"),
        (None, None) => String::from(target_type),
    };
    let i = &mut parts.indicators;
    if matches!(
        kind,
        E::DatabaseBackupRestoreStateChanged | E::WebsiteRestoreStateChanged
    ) {
        i.previous_state =
            find_text(body, &["previous_state", "previous", "old_state", "from"]).map(Cow::Owned);
        i.current_state = find_text(
            body,
            &["current_state", "current", "new_state", "state", "to"],
        )
        .map(Cow::Owned);
    }
    if matches!(
        kind,
        E::WebsiteMalwareIssueFound | E::WebsiteMalwareIssueFixed
    ) {
        i.count = find_count(
            body,
            &["issues", "malware", "threats", "infections", "files"],
        );
    }
    if kind == E::WebsiteBackupChangeAlert {
        i.count = find_count(
            body,
            &[
                "changes",
                "files",
                "changed_files",
                "modified",
                "added",
                "deleted",
            ],
        );
    }
    let count = i
        .count
        .map(|n| format!(" ({n} {})", if n == 1 { "item" } else { "items" }))
        .unwrap_or_default();
    let transition = match (&i.previous_state, &i.current_state) {
        (Some(from), Some(to)) => format!(" from {from} to {to}"),
        (None, Some(to)) => format!(" to {to}"),
        _ => String::new(),
    };
    parts.summary = match kind {
        E::DatabaseBackupRestoreStateChanged | E::WebsiteRestoreStateChanged => {
            format!("Restore state of {label} changed{transition}")
        }
        E::DatabaseBackupZipDownloadAvailable | E::WebsiteZipDownloadAvailable => {
            format!("A zip download of {label} is available (link redacted)")
        }
        E::UserCreate => format!("User {label} was created"),
        E::UserLoginLink => format!("A one-time login link was issued for user {label} (link redacted)"),
        E::UserResetPassword => {
            format!("The password of user {label} was reset (temporary password redacted)")
        }
        E::WebsiteAccelerateEnabled => format!("CDN acceleration enabled for {label}"),
        E::WebsiteBackupChangeAlert => format!("Backup of {label} detected file changes{count}"),
        E::WebsiteCleanEnabled => format!("Malware cleaning enabled for {label}"),
        E::WebsiteDnssecRotationComplete => format!("DNSSEC DS record rotation completed for {label}"),
        E::WebsiteDnssecRotationStart => format!(
            "DNSSEC DS record rotation started for {label}: publish the new DS record at the registrar"
        ),
        E::WebsiteFirewallEnabled => format!("Web application firewall enabled for {label}"),
        E::WebsiteMalwareIssueFixed => format!("Malware issues fixed on {label}{count}"),
        E::WebsiteMalwareIssueFound => format!("Malware found on {label}{count}"),
        E::WebsiteMonitorEnabled => format!("Monitoring enabled for {label}"),
        E::Unknown => format!(
            "Sectigo sent a {} event about {label}, a type not documented yet",
            parts.event_type
        ),
    };
    parts.subject_name = name.map(Cow::Owned);
}

/// How deep into the body the lookups go: the body itself and the objects it nests
/// (`body.user.name`, `body.website.domain`).
const LOOKUP_DEPTH: usize = 2;

/// The first string or number under one of `keys`, breadth-first, searching nested objects.
fn find_text(body: &Tree<'_>, keys: &[&str]) -> Option<String> {
    find(body, keys, LOOKUP_DEPTH, &|v| match v {
        Tree::String(s) if !s.is_empty() && s != REDACTED => Some(String::from(&**s)),
        Tree::Number(n) => Some(String::from(n.as_str())),
        _ => None,
    })
}

/// The length of the first array under one of `keys`.
fn find_count(body: &Tree<'_>, keys: &[&str]) -> Option<i64> {
    find(body, keys, LOOKUP_DEPTH, &|v| match v {
        Tree::Array(items) => Some(i64::try_from(items.len()).unwrap_or(i64::MAX)),
        _ => None,
    })
}

fn find<T>(
    value: &Tree<'_>,
    keys: &[&str],
    depth: usize,
    pick: &dyn Fn(&Tree<'_>) -> Option<T>,
) -> Option<T> {
    let Tree::Object(members) = value else {
        return None;
    };
    keys.iter()
        .find_map(|k| value.get(k).and_then(pick))
        .or_else(|| {
            (depth > 1)
                .then(|| {
                    members
                        .iter()
                        .find_map(|(_, v)| find(v, keys, depth - 1, pick))
                })
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;

    #[test]
    fn an_array_for_an_id_is_refused_naming_the_member_not_its_element() {
        let body = r#"{"id": [{"a": 1}], "event": "user_create", "target": {"type": "User",
            "id": 1}, "body": {}, "partner": {"id": [ 2]}}"#;
        let error = parse(body, None).err().unwrap();
        assert_eq!(error.location(), &Location::Path("id".into()));
        assert_eq!(
            error.message(),
            "invalid type: sequence, expected an integer or a string"
        );
        let body = body.replace(r#"[{"a": 1}]"#, "1");
        assert_eq!(
            parse(&body, None).err().unwrap().location(),
            &Location::Path("partner.id".into())
        );
    }
}
