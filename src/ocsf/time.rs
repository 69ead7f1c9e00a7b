//! OCSF times are milliseconds since the Unix epoch; providers send RFC 3339 text or seconds.

use crate::time::Timestamp;

/// `timestamp` in epoch milliseconds; `None` for seconds too large to count in milliseconds.
pub fn epoch_millis(timestamp: &Timestamp<'_>) -> Option<i64> {
    match timestamp {
        Timestamp::Unix(secs) | Timestamp::Received(secs) => secs.checked_mul(1000),
        Timestamp::Rfc3339(time) => Some(time.millis()),
    }
}

#[cfg(test)]
mod tests {
    use alloc::borrow::Cow;

    use super::*;

    fn millis(text: &str) -> Option<i64> {
        epoch_millis(&crate::time::rfc3339(Cow::Borrowed(text))?)
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
}
