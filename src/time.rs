//! Timestamps as providers send them, and RFC 3339 for CloudEvents.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt::Write;

/// A point in time from a payload or from the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp<'a> {
    /// Seconds since the Unix epoch.
    Unix(i64),
    /// An RFC 3339 date-time, kept as the provider wrote it.
    Rfc3339(Cow<'a, str>),
    /// When hookwall received the event, in Unix seconds: the time of an event whose payload
    /// carries none (Sectigo's, some of CrowdSec's).
    Received(i64),
}

impl Timestamp<'_> {
    /// The RFC 3339 form, as CloudEvents' `time` requires.
    pub fn to_rfc3339(&self) -> String {
        match self {
            Self::Unix(secs) | Self::Received(secs) => format_unix(*secs),
            Self::Rfc3339(text) => String::from(&**text),
        }
    }
}

/// The timestamp for `text` if it is an RFC 3339 date-time; providers' other formats
/// (CrowdSec's offset-less `last_pull`) are kept in the payload but not used as the event time.
pub fn rfc3339(text: Cow<'_, str>) -> Option<Timestamp<'_>> {
    is_rfc3339(&text).then_some(Timestamp::Rfc3339(text))
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |range: core::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let num = |range: core::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }
    let (month, day) = (num(5..7), num(8..10));
    let in_range = (1..=12).contains(&month)
        && (1..=days_in_month(num(0..4), month)).contains(&day)
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) <= 60;
    let mut rest = &b[19..];
    if let Some((b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    in_range
        && match rest {
            [b'Z' | b'z'] => true,
            [b'+' | b'-', h1, h2, b':', m1, m2] => {
                [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                    && (h1 - b'0') * 10 + (h2 - b'0') < 24
                    && (m1 - b'0') * 10 + (m2 - b'0') < 60
            }
            _ => false,
        }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, years 0–9999;
/// outside that range RFC 3339 has no form, so the year is clamped).
pub fn format_unix(secs: i64) -> String {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let secs = secs.clamp(MIN, MAX);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(20);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    out
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_seconds() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_757_011_079), "2025-09-04T18:37:59Z");
        assert_eq!(format_unix(1_640_995_200), "2022-01-01T00:00:00Z");
        assert_eq!(format_unix(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(format_unix(i64::MIN), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn validates_rfc3339() {
        for ok in [
            "2021-07-29T12:00:00+00:00",
            "2025-07-10T09:11:33.359703Z",
            "2024-02-29T23:59:60-05:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2024-09-17T07:06:21",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0000",
            "",
            "2024-01-01T00:00:00Zjunk",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
