//! The admin API's query strings: percent-decoded pairs, each name known and given once, and
//! the listing's filters read from them.

use hookwall::event::UnknownSeverity;
use hookwall::{time, Severity};

use crate::ledger::{Filter, Position, Status};

/// `limit` when none is given, and the most it may be.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// The pairs of `query` (without the `?`), percent-decoded; only `names` may appear, once
/// each. `Err` says which parameter is wrong, never quoting more than its name.
pub fn pairs<'n>(query: &str, names: &[&'n str]) -> Result<Vec<(&'n str, String)>, String> {
    let mut found: Vec<(&'n str, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).ok_or("a parameter name is not percent-encoded UTF-8")?;
        let known = names
            .iter()
            .find(|n| **n == name)
            .ok_or_else(|| format!("unknown parameter; expected one of {}", names.join(", ")))?;
        if found.iter().any(|(n, _)| n == known) {
            return Err(format!("{known} is given more than once"));
        }
        let value = decode(value).ok_or_else(|| format!("{known} is not percent-encoded UTF-8"))?;
        found.push((known, value));
    }
    Ok(found)
}

/// `%XX` escapes decoded; `+` stays a plus (an RFC 3339 offset), never a space.
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `GET /_hookwall/events`'s parameters: the source whose events to list (all when `None`) and
/// the filter each source's ledger applies.
pub fn listing(query: &str) -> Result<(Option<String>, Filter), String> {
    const NAMES: [&str; 8] = [
        "source",
        "status",
        "destination",
        "severity",
        "since",
        "until",
        "limit",
        "cursor",
    ];
    let mut source = None;
    let mut filter = Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    };
    for (name, value) in pairs(query, &NAMES)? {
        match name {
            "source" => source = Some(value),
            "status" => {
                let status = Status::parse(&value)
                    .ok_or("status must be pending, delivered, failed or dead")?;
                filter.status = Some(status);
            }
            "destination" => filter.destination = Some(value),
            "severity" => {
                let severity: Severity =
                    value.parse().map_err(|e: UnknownSeverity| e.to_string())?;
                filter.severity = Some(severity);
            }
            "since" => filter.since = Some(time("since", &value)?),
            "until" => filter.until = Some(time("until", &value)?),
            "limit" => filter.limit = limit(&value)?,
            _ => {
                let cursor = Position::from_cursor(&value)
                    .ok_or("cursor is not one this API gave (pass `next` back as it is)")?;
                filter.before = Some(cursor);
            }
        }
    }
    Ok((source, filter))
}

/// An RFC 3339 parameter as ms since the epoch.
pub fn time(name: &str, value: &str) -> Result<i64, String> {
    time::rfc3339_millis(value).ok_or_else(|| {
        format!("{name} must be an RFC 3339 date-time, such as 2026-12-06T08:00:00Z")
    })
}

fn limit(value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
}

#[cfg(test)]
mod tests {
    use super::{listing, pairs};
    use crate::ledger::Status;

    #[test]
    fn a_listing_reads_every_filter() {
        let cursor = format!("1765010400123-{}", "ab".repeat(32));
        let query = format!(
            "source=crowdsec&status=failed&destination=siem&severity=high\
             &since=2025-12-06T08%3A00%3A00Z&until=2025-12-06T10:00:00+02:00&limit=10&cursor={cursor}"
        );
        let (source, filter) = listing(&query).unwrap();
        assert_eq!(source.as_deref(), Some("crowdsec"));
        assert_eq!(filter.status, Some(Status::Failed));
        assert_eq!(filter.destination.as_deref(), Some("siem"));
        assert_eq!(filter.severity, Some(hookwall::Severity::High));
        assert_eq!(filter.since, Some(1_765_008_000_000));
        assert_eq!(
            filter.until,
            Some(1_765_008_000_000),
            "the offset is honoured"
        );
        assert_eq!(filter.limit, 10);
        assert_eq!(filter.before.unwrap().received_ms, 1_765_010_400_123);
        assert_eq!(listing("").unwrap().1.limit, 50, "the default");
    }

    #[test]
    fn a_wrong_parameter_is_named_without_its_value() {
        for (query, expected) in [
            ("limit=0", "limit must be"),
            ("limit=501", "limit must be"),
            ("limit=ten", "limit must be"),
            ("status=lost", "status must be"),
            ("severity=urgent", "severity must be"),
            ("since=yesterday", "since must be an RFC 3339"),
            ("cursor=secret-value", "cursor is not one"),
            ("sauce=x", "unknown parameter"),
            ("limit=1&limit=2", "limit is given more than once"),
            ("source=%ff", "source is not percent-encoded"),
            ("source=%4", "source is not percent-encoded"),
        ] {
            let error = listing(query).err().unwrap();
            assert!(error.starts_with(expected), "{query}: {error}");
            assert!(!error.contains("secret-value") && !error.contains("yesterday"));
        }
        assert_eq!(
            pairs("a=%41%2B+", &["a"]).unwrap(),
            [("a", "A++".to_string())]
        );
    }
}
