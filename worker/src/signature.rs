//! The `x-hookwall-signature` header a receiver checks: `t=<unix>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"`, so a replayed body with a new timestamp does not verify.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header's value for `body` sent at `unix_seconds`.
pub fn sign(key: &[u8], unix_seconds: u64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    let t = unix_seconds.to_string();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex(&mac.finalize().into_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
