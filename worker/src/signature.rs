//! The `x-hookwall-signature` header a receiver checks: `t=<unix>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"`, so a replayed body with a new timestamp does not verify.

use hmac::digest::InvalidLength;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header's value for `body` sent at `unix_seconds`. HMAC accepts keys of any length, but
/// the API is fallible, and an error is returned rather than assumed away: a delivery that
/// cannot be signed fails (503) instead of crashing the isolate.
pub fn sign(key: &[u8], unix_seconds: u64, body: &str) -> Result<String, InvalidLength> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)?;
    let t = unix_seconds.to_string();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("t={t},v1={}", hex(&mac.finalize().into_bytes())))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::sign;

    /// The value Python's `hmac` module computes for the same key and `"<t>.<body>"`.
    #[test]
    fn matches_an_independent_hmac() {
        assert_eq!(
            sign(b"test-signing-key", 1_700_000_000, r#"{"a":1}"#).unwrap(),
            "t=1700000000,v1=117330a7363a74e90d1bbe333d30e2c90acad8c2fe34ec31a00de21f08d52688"
        );
        assert!(
            sign(&[7u8; 1000], 0, "").is_ok(),
            "long keys are hashed, not refused"
        );
    }
}
