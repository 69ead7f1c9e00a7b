//! Who may use the admin API: the holder of the token whose SHA-256 is the secret
//! `HOOKWALL_ADMIN_TOKEN_SHA256`. The Worker keeps only the digest, compares digests in
//! constant time, and never takes a provider's credential for it.

use sha2::{Digest, Sha256};
use worker::Env;

use crate::config;

/// The secret's name.
pub const SECRET: &str = "HOOKWALL_ADMIN_TOKEN_SHA256";

/// The longest token read: a larger Authorization header is refused unread.
const MAX_TOKEN_BYTES: usize = 4096;

/// What the deployment says about admin access.
pub enum Access {
    /// The secret is unset: the API does not exist (404 everywhere).
    Closed,
    /// The digest a token must hash to.
    Token([u8; 32]),
}

/// The secret as a digest; `Err` (a configuration error) when it is set but is not 64 hex
/// digits. The message never quotes it.
pub fn access(env: &Env) -> Result<Access, String> {
    let Some(text) = config::value(env, SECRET) else {
        return Ok(Access::Closed);
    };
    parse_digest(text.trim())
        .map(Access::Token)
        .ok_or_else(|| format!("{SECRET} must be 64 hexadecimal digits (the SHA-256 of the token)"))
}

fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let mut digest = [0u8; 32];
    let decoded = base16ct::mixed::decode(text, &mut digest).ok()?;
    (decoded.len() == digest.len()).then_some(digest)
}

/// Whether `authorization` (the header's value) is `Bearer <token>` with the token whose
/// SHA-256 is `expected`.
pub fn allows(expected: &[u8; 32], authorization: Option<&str>) -> bool {
    let Some(token) = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .filter(|token| !token.is_empty() && token.len() <= MAX_TOKEN_BYTES)
    else {
        return false;
    };
    let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    constant_time_eq(&presented, expected)
}

/// Compares two digests without stopping at the first difference.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::{allows, parse_digest};

    /// `printf %s admin-token | sha256sum`
    const DIGEST: &str = "10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a";

    #[test]
    fn only_the_token_of_the_digest_is_allowed() {
        let expected = parse_digest(DIGEST).unwrap();
        assert!(allows(&expected, Some("Bearer admin-token")));
        for wrong in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Bearer admin-token "),
            Some("bearer admin-token"),
            Some("Basic admin-token"),
            Some("Bearer admin-tokeN"),
        ] {
            assert!(!allows(&expected, wrong), "{wrong:?}");
        }
        let huge = format!("Bearer {}", "a".repeat(5000));
        assert!(!allows(&expected, Some(&huge)));
    }

    #[test]
    fn a_digest_is_64_hex_digits() {
        assert!(parse_digest(DIGEST).is_some());
        assert!(parse_digest(&DIGEST.to_uppercase()).is_some());
        for bad in [
            "",
            "abc",
            &DIGEST[1..],
            &format!("{DIGEST}0"),
            &DIGEST.replace('a', "g"),
        ] {
            assert!(parse_digest(bad).is_none(), "{bad}");
        }
    }
}
