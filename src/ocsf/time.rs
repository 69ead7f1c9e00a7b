//! OCSF times are milliseconds since the Unix epoch; providers send RFC 3339 text or seconds.

use crate::time::Timestamp;

/// `timestamp` in epoch milliseconds; `None` for text that is not an RFC 3339 date-time (the
/// parsers only keep ones that are, but an `Event` can be built by hand).
pub fn epoch_millis(timestamp: &Timestamp<'_>) -> Option<i64> {
    match timestamp {
        Timestamp::Unix(secs) | Timestamp::Received(secs) => secs.checked_mul(1000),
        Timestamp::Rfc3339(text) => rfc3339_millis(text),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; fractions beyond milliseconds are cut.
fn rfc3339_millis(text: &str) -> Option<i64> {
    if !crate::time::is_rfc3339(text) {
        return None;
    }
    let b = text.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        b.get(from..to)?.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let days = days_from_civil(num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let secs = days * 86_400 + num(11, 13)? * 3600 + num(14, 16)? * 60 + num(17, 19)?;
    let mut rest = b.get(19..)?;
    let mut millis = 0;
    if let Some((b'.', frac)) = rest.split_first() {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        millis = frac[..digits.min(3)]
            .iter()
            .chain(core::iter::repeat(&b'0'))
            .take(3)
            .fold(0, |n, &d| n * 10 + i64::from(d - b'0'));
        rest = &frac[digits..];
    }
    let offset = match rest {
        [b'+' | b'-', ..] => {
            let minutes = num(b.len() - 5, b.len() - 3)? * 60 + num(b.len() - 2, b.len())?;
            if rest[0] == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => 0,
    };
    Some((secs - offset * 60) * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm, the
/// inverse of `time::civil_from_days`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use alloc::borrow::Cow;

    use super::*;

    fn millis(text: &str) -> Option<i64> {
        epoch_millis(&Timestamp::Rfc3339(Cow::Borrowed(text)))
    }

    #[test]
    fn converts_provider_times() {
        assert_eq!(millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(millis("2025-09-04T18:37:59Z"), Some(1_757_011_079_000));
        assert_eq!(
            millis("2025-07-10T09:11:33.359703Z"),
            Some(1_752_138_693_359)
        );
        assert_eq!(millis("2021-07-29T12:00:00+02:00"), Some(1_627_552_800_000));
        assert_eq!(
            millis("2021-07-29T12:00:00.5-00:30"),
            Some(1_627_561_800_500)
        );
        assert_eq!(millis("2024-02-29T23:59:59Z"), Some(1_709_251_199_000));
        assert_eq!(millis("0000-01-01T00:00:00Z"), Some(-62_167_219_200_000));
        assert_eq!(millis("2024-09-17T07:06:21"), None);
        assert_eq!(millis(""), None);
        assert_eq!(
            epoch_millis(&Timestamp::Unix(1_640_995_200)),
            Some(1_640_995_200_000)
        );
        assert_eq!(epoch_millis(&Timestamp::Unix(i64::MAX)), None);
    }

    proptest::proptest! {
        #[test]
        fn inverts_the_cloudevent_formatting(secs in -62_167_219_200i64..=253_402_300_799) {
            let text = crate::time::format_unix(secs);
            proptest::prop_assert_eq!(millis(&text), Some(secs * 1000));
        }

        #[test]
        fn never_panics(text in "\\PC{0,40}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,14}[Zz+-][0-9:]{0,6}") {
            let _ = millis(&text);
        }
    }
}
