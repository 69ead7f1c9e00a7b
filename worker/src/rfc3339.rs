//! RFC 3339 times for the admin API: the ledger keeps ms since the epoch, the API speaks
//! `2026-12-06T08:40:00.123Z` (always UTC, always milliseconds, so that times sort as text).

/// `ms` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format(ms: i64) -> String {
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// An RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) as ms since the epoch;
/// digits beyond milliseconds are dropped. `None` for anything else.
pub fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(i, c)| b.get(i) == Some(&c))
        || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0;
    if let Some((b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        millis = frac[..n.min(3)]
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(3)
            .fold(0, |m, d| m * 10 + i64::from(d - b'0'));
        rest = &frac[n..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
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
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
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

/// Howard Hinnant's days-from-civil and civil-from-days algorithms (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn times_read_back_as_written() {
        // `date -u -d @1765010400.123 +%FT%T.%3NZ`
        assert_eq!(format(1_765_010_400_123), "2025-12-06T08:40:00.123Z");
        assert_eq!(format(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format(951_782_400_000), "2000-02-29T00:00:00.000Z");
        for ms in [0, 1_765_010_400_123, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(parse(&format(ms)), Some(ms), "{}", format(ms));
        }
    }

    #[test]
    fn offsets_and_fractions_are_honoured() {
        let utc = parse("2025-12-06T08:40:00Z").unwrap();
        assert_eq!(parse("2025-12-06T10:40:00+02:00"), Some(utc));
        assert_eq!(parse("2025-12-06T03:10:00-05:30"), Some(utc));
        assert_eq!(parse("2025-12-06T08:40:00.5Z"), Some(utc + 500));
        assert_eq!(parse("2025-12-06t08:40:00.123456z"), Some(utc + 123));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "2025-12-06",
            "2025-12-06T08:40:00",
            "2025-12-06 08:40:00Z",
            "2025-13-06T08:40:00Z",
            "2025-02-29T08:40:00Z",
            "2025-12-06T24:00:00Z",
            "2025-12-06T08:40:00.Z",
            "2025-12-06T08:40:00+2:00",
            "2025-12-06T08:40:00+24:00",
            "2025-12-06T08:40:00Zjunk",
            "２０２５-12-06T08:40:00Z",
            "1765010400",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
