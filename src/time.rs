//! Timestamps as providers send them, and RFC 3339 for CloudEvents.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;

/// A point in time from a payload or from the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp<'a> {
    /// Seconds since the Unix epoch.
    Unix(i64),
    /// An RFC 3339 date-time, kept as the provider wrote it.
    Rfc3339(Rfc3339<'a>),
    /// When hookwall received the event, in Unix seconds: the time of an event whose payload
    /// carries none (Sectigo's, some of CrowdSec's).
    Received(i64),
}

impl Timestamp<'_> {
    /// The RFC 3339 form, as CloudEvents' `time` requires.
    pub fn to_rfc3339(&self) -> String {
        self.rfc3339().into_owned()
    }

    /// The RFC 3339 form, borrowed when the provider wrote it so.
    pub(crate) fn rfc3339(&self) -> Cow<'_, str> {
        match self {
            Self::Unix(secs) | Self::Received(secs) => Cow::Owned(format_unix(*secs)),
            Self::Rfc3339(time) => Cow::Borrowed(time.as_str()),
        }
    }
}

/// A valid RFC 3339 date-time as the provider wrote it, and the instant it names: only
/// [`rfc3339`] builds one, so whoever reads it needs no fallback for other text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rfc3339<'a> {
    text: Cow<'a, str>,
    millis: i64,
}

impl Rfc3339<'_> {
    /// The text as the provider wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Milliseconds since the Unix epoch (fractions beyond milliseconds cut).
    pub const fn millis(&self) -> i64 {
        self.millis
    }
}

/// The timestamp for `text` if it is an RFC 3339 date-time; providers' other formats
/// (CrowdSec's offset-less `last_pull`) are kept in the payload but not used as the event time.
pub fn rfc3339(text: Cow<'_, str>) -> Option<Timestamp<'_>> {
    let millis = rfc3339_millis(&text)?;
    Some(Timestamp::Rfc3339(Rfc3339 { text, millis }))
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
pub fn is_rfc3339(s: &str) -> bool {
    rfc3339_millis(s).is_some()
}

/// Milliseconds since the Unix epoch of an RFC 3339 `date-time` (`T`, `t` or a space between
/// date and time, as RFC 3339 allows; fractions beyond milliseconds cut; a leap second counts
/// as the next minute's first); `None` for any other text. The one reader of times in
/// hookwall: the core's validation, OCSF's epoch times and the Worker's admin API use it.
pub fn rfc3339_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: core::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(i, c)| b.get(i) == Some(&c))
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    if !valid {
        return None;
    }
    let (millis, rest) = fraction(&b[19..])?;
    let offset = offset_minutes(rest)?;
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((secs - offset * 60) * 1000 + millis)
}

/// An optional `.digits` fraction as milliseconds, and what follows it.
fn fraction(b: &[u8]) -> Option<(i64, &[u8])> {
    let Some((b'.', frac)) = b.split_first() else {
        return Some((0, b));
    };
    let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let millis = frac[..n.min(3)]
        .iter()
        .chain(core::iter::repeat(&b'0'))
        .take(3)
        .fold(0, |m, d| m * 10 + i64::from(d - b'0'));
    Some((millis, &frac[n..]))
}

/// `Z`, or `±HH:MM`, as minutes east of UTC; `None` for anything else.
fn offset_minutes(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2];
            if !digits.iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let [h1, h2, m1, m2] = digits.map(|d| i64::from(d - b'0'));
            let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
            if hours >= 24 || minutes >= 60 {
                return None;
            }
            let minutes = hours * 60 + minutes;
            Some(if *sign == b'-' { -minutes } else { minutes })
        }
        _ => None,
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, years 0–9999;
/// outside that range RFC 3339 has no form, so the year is clamped).
pub fn format_unix(secs: i64) -> String {
    let [year, month, day, hour, minute, second] = civil(secs);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`: always UTC and always three
/// fraction digits, so that such times sort as text (the Worker's admin API).
pub fn format_millis(ms: i64) -> String {
    let [year, month, day, hour, minute, second] = civil(ms.div_euclid(1000));
    let millis = ms.rem_euclid(1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// Year, month, day, hour, minute and second of Unix seconds, clamped to years 0–9999.
fn civil(secs: i64) -> [i64; 6] {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let secs = secs.clamp(MIN, MAX);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    [year, month, day, rem / 3600, rem % 3600 / 60, rem % 60]
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm, the
/// inverse of `civil_from_days`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

    #[test]
    fn reads_times_to_milliseconds() {
        let utc = rfc3339_millis("2025-12-06T08:40:00Z").unwrap();
        assert_eq!(utc, 1_765_010_400_000);
        assert_eq!(rfc3339_millis("2025-12-06T10:40:00+02:00"), Some(utc));
        assert_eq!(rfc3339_millis("2025-12-06T03:10:00-05:30"), Some(utc));
        assert_eq!(rfc3339_millis("2025-12-06 08:40:00.5Z"), Some(utc + 500));
        assert_eq!(
            rfc3339_millis("2025-12-06t08:40:00.123456z"),
            Some(utc + 123)
        );
        assert_eq!(
            rfc3339_millis("0000-01-01T00:00:00Z"),
            Some(-62_167_219_200_000)
        );
        for bad in [
            "2025-12-06T08:40:00+2:00",
            "２０２５-12-06T08:40:00Z",
            "1765010400",
        ] {
            assert_eq!(rfc3339_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_milliseconds_that_read_back() {
        assert_eq!(format_millis(1_765_010_400_123), "2025-12-06T08:40:00.123Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        for ms in [0, 1_765_010_400_123, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(rfc3339_millis(&format_millis(ms)), Some(ms));
        }
    }

    proptest::proptest! {
        #[test]
        fn reads_back_what_it_writes(secs in -62_167_219_200i64..=253_402_300_799) {
            proptest::prop_assert_eq!(rfc3339_millis(&format_unix(secs)), Some(secs * 1000));
        }

        #[test]
        fn never_panics(text in "\\PC{0,40}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,14}[Zz+-][0-9:]{0,6}") {
            let _ = rfc3339_millis(&text);
        }
    }
}
