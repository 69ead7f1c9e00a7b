//! Credentials: the alternatives a source accepts, as configs write them, and whether a request
//! presents one.
//!
//! Every secret is kept only as its SHA-256 (configs may give the digest instead of the
//! plaintext), and a presented credential is hashed and compared in constant time, so neither
//! the comparison's duration nor the config reveals a secret. An empty credential, or one longer
//! than [`MAX_SECRET_BYTES`], never matches, whatever digest a config holds.

use alloc::string::String;
use core::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::head::{Head, Query};
use super::object::from_object;

/// The longest secret, Basic user-id included: configs are held to it and a longer presented
/// credential never matches, so every kind of credential follows the same rule.
pub const MAX_SECRET_BYTES: usize = 512;

/// A secret's SHA-256. Its `Debug` shows nothing, so logging a policy cannot leak even the
/// digest of a weak secret.
#[derive(Clone, Copy)]
pub struct Secret(pub(super) [u8; 32]);

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// One way a source accepts to be called.
#[derive(Debug, Clone)]
pub enum Alternative {
    /// `Authorization: Bearer <token>` (scheme in any case, token exact).
    Bearer {
        /// The token's digest.
        token: Secret,
    },
    /// A header of the user's choice (CrowdSec's custom header), exact value.
    Header {
        /// The header's name, lowercase.
        name: String,
        /// The value's digest.
        value: Secret,
    },
    /// HTTP Basic (RFC 7617): the user-id is compared as is, the password by digest.
    Basic {
        /// The user-id, compared as is.
        username: String,
        /// The password's digest.
        password: Secret,
    },
    /// A query parameter: the only secret Cloud66 can carry.
    Query {
        /// The parameter's name, exact.
        name: String,
        /// The value's digest.
        value: Secret,
    },
}

/// Which credential admitted a request, so a runtime can keep it from the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsedCredential<'p> {
    /// A header (lowercase name), `authorization` for Bearer and Basic.
    Header(&'p str),
    /// A query parameter.
    Query(&'p str),
}

/// Why no alternative matched; the message never includes what was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No credential was presented.
    Missing,
    /// A credential was presented and matched none.
    Wrong,
    /// The same credential given twice: which one counts is exactly what an attacker exploits.
    Ambiguous(&'static str),
}

/// The SHA-256 digest a secret is kept and compared as, so comparisons take equal-length inputs.
pub fn digest(secret: &[u8]) -> Secret {
    Secret(Sha256::digest(secret).into())
}

/// Equal-length comparison whose time does not depend on where the inputs differ: `subtle`
/// keeps the optimizer from turning it back into an early exit.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The first alternative the request satisfies.
pub fn authenticate<'p>(
    alternatives: &'p [Alternative],
    head: &Head<'_>,
) -> Result<UsedCredential<'p>, Refusal> {
    let mut refusal = Refusal::Missing;
    for alternative in alternatives {
        match check(alternative, head) {
            Ok(used) => return Ok(used),
            Err(Refusal::Missing) => {}
            Err(r @ Refusal::Ambiguous(_)) => return Err(r),
            Err(Refusal::Wrong) => refusal = Refusal::Wrong,
        }
    }
    Err(refusal)
}

fn check<'p>(alternative: &'p Alternative, head: &Head<'_>) -> Result<UsedCredential<'p>, Refusal> {
    match alternative {
        Alternative::Bearer { token } => {
            let presented = authorization(head, "bearer")?;
            matches(presented.as_bytes(), token)
                .then_some(UsedCredential::Header("authorization"))
                .ok_or(Refusal::Wrong)
        }
        Alternative::Basic { username, password } => {
            let encoded = authorization(head, "basic")?;
            // A user-id and a password of the longest, a colon, in whole base64 groups.
            let mut decoded = [0u8; (2 * MAX_SECRET_BYTES + 1).next_multiple_of(3)];
            let decoded = base64_decode(encoded.as_bytes(), &mut decoded).ok_or(Refusal::Wrong)?;
            let colon = decoded
                .iter()
                .position(|&b| b == b':')
                .ok_or(Refusal::Wrong)?;
            let (user, pass) = (&decoded[..colon], &decoded[colon + 1..]);
            let ok = ct_eq(user, username.as_bytes()) & matches(pass, password);
            ok.then_some(UsedCredential::Header("authorization"))
                .ok_or(Refusal::Wrong)
        }
        Alternative::Header { name, value } => {
            let presented = head
                .single_header(name)
                .map_err(|_| Refusal::Ambiguous("the credential header is repeated"))?;
            let presented = presented.ok_or(Refusal::Missing)?;
            matches(presented.as_bytes(), value)
                .then_some(UsedCredential::Header(name))
                .ok_or(Refusal::Wrong)
        }
        Alternative::Query { name, value } => {
            let mut buf = [0u8; MAX_SECRET_BYTES];
            let presented = head
                .single_query(name, &mut buf)
                .map_err(|_| Refusal::Ambiguous("the credential query parameter is repeated"))?;
            let presented = match presented {
                Query::Absent => return Err(Refusal::Missing),
                Query::TooLong => return Err(Refusal::Wrong),
                Query::Value(value) => value,
            };
            matches(presented, value)
                .then_some(UsedCredential::Query(name))
                .ok_or(Refusal::Wrong)
        }
    }
}

/// Whether `presented` is the secret. An empty one never is: the digest of an empty secret is
/// what an unset variable gives, and refusing it here holds even if a config slipped it in.
fn matches(presented: &[u8], expected: &Secret) -> bool {
    !presented.is_empty()
        && presented.len() <= MAX_SECRET_BYTES
        && ct_eq(&digest(presented).0, &expected.0)
}

/// The credentials of an `Authorization: <scheme> <credentials>` header, when the scheme
/// (compared without regard to case, RFC 9110) is `scheme`.
fn authorization<'h>(head: &Head<'h>, scheme: &str) -> Result<&'h str, Refusal> {
    let value = head
        .single_header("authorization")
        .map_err(|_| Refusal::Ambiguous("more than one Authorization header"))?
        .ok_or(Refusal::Missing)?;
    let (given, credentials) = value.split_once(' ').ok_or(Refusal::Missing)?;
    if !given.eq_ignore_ascii_case(scheme) {
        return Err(Refusal::Missing);
    }
    Ok(credentials)
}

/// Standard base64 with padding (RFC 4648), as Basic auth uses; `None` on anything else (an
/// empty value included) or when the result does not fit `out`.
fn base64_decode<'o>(input: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    if input.is_empty() {
        return None;
    }
    let len = STANDARD.decode_slice(input, out).ok()?;
    out.get(..len)
}

/// How a config writes an alternative: `{"<kind>": {…}}`, one kind, whose secret is given as
/// plaintext or as its SHA-256 in hex (`token` or `token_sha256`, `value` or `value_sha256`,
/// `password` or `password_sha256`), never both. Every value is checked as it is read, so an
/// error names its field; the messages never quote a value.
impl<'de> Deserialize<'de> for Alternative {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AlternativeVisitor)
    }
}

struct AlternativeVisitor;

impl<'de> Visitor<'de> for AlternativeVisitor {
    type Value = Alternative;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object naming one auth kind")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Alternative, A::Error> {
        let kind = map.next_key::<Kind>()?.ok_or_else(|| {
            de::Error::custom("an auth kind is required: bearer, header, basic or query")
        })?;
        let alternative = match kind {
            Kind::Bearer => map.next_value_seed(Members(|f: BearerFields| {
                Ok(Alternative::Bearer {
                    token: one_secret(f.token, f.token_sha256, "token")?,
                })
            }))?,
            Kind::Header => map.next_value_seed(Members(|f: HeaderFields| {
                Ok(Alternative::Header {
                    name: f.name.0,
                    value: one_secret(f.value, f.value_sha256, "value")?,
                })
            }))?,
            Kind::Basic => map.next_value_seed(Members(|f: BasicFields| {
                Ok(Alternative::Basic {
                    username: f.username.0,
                    password: one_secret(f.password, f.password_sha256, "password")?,
                })
            }))?,
            Kind::Query => map.next_value_seed(Members(|f: QueryFields| {
                Ok(Alternative::Query {
                    name: f.name.0,
                    value: one_secret(f.value, f.value_sha256, "value")?,
                })
            }))?,
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("one auth kind per alternative"));
        }
        Ok(alternative)
    }
}

#[derive(Deserialize)]
#[serde(variant_identifier, rename_all = "lowercase")]
enum Kind {
    Bearer,
    Header,
    Basic,
    Query,
}

/// Reads a kind's members as `F` and makes them an alternative, so that an error in that step
/// (the plaintext and the digest both given, or neither) names the kind's path.
struct Members<F>(fn(F) -> Result<Alternative, BadCredential>);

impl<'de, F: Deserialize<'de>> DeserializeSeed<'de> for Members<F> {
    type Value = Alternative;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Alternative, D::Error> {
        (self.0)(from_object(deserializer)?).map_err(de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BearerFields {
    token: Option<Plaintext>,
    token_sha256: Option<Sha256Hex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFields {
    name: HeaderName,
    value: Option<Plaintext>,
    value_sha256: Option<Sha256Hex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicFields {
    username: Username,
    password: Option<Plaintext>,
    password_sha256: Option<Sha256Hex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFields {
    name: QueryName,
    value: Option<Plaintext>,
    value_sha256: Option<Sha256Hex>,
}

/// The secret a kind was given: its plaintext or its digest, exactly one of the two.
fn one_secret(
    plain: Option<Plaintext>,
    sha256: Option<Sha256Hex>,
    field: &'static str,
) -> Result<Secret, BadCredential> {
    match (plain, sha256) {
        (Some(Plaintext(secret)), None) | (None, Some(Sha256Hex(secret))) => Ok(secret),
        (Some(_), Some(_)) => Err(BadCredential::Both(field)),
        (None, None) => Err(BadCredential::Neither(field)),
    }
}

/// Why a credential's secret or Basic user-id is refused; never quotes what was given.
enum BadCredential {
    /// The field's plaintext and its digest both given.
    Both(&'static str),
    /// Neither given.
    Neither(&'static str),
    Empty,
    /// A Basic user-id that is empty or holds a colon.
    UserId,
    TooLong,
}

impl fmt::Display for BadCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Both(field) => write!(f, "give {field} or {field}_sha256, not both"),
            Self::Neither(field) => write!(f, "missing field `{field}` (or `{field}_sha256`)"),
            Self::Empty => f.write_str("must not be empty"),
            Self::UserId => f.write_str("must be non-empty and without ':' (RFC 7617)"),
            Self::TooLong => write!(
                f,
                "must be at most {MAX_SECRET_BYTES} bytes: a longer presented credential never matches"
            ),
        }
    }
}

/// A plaintext secret: 1 to [`MAX_SECRET_BYTES`] bytes, kept only as its digest.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Plaintext(Secret);

impl TryFrom<String> for Plaintext {
    type Error = BadCredential;

    fn try_from(plain: String) -> Result<Self, BadCredential> {
        if plain.is_empty() {
            return Err(BadCredential::Empty);
        }
        if plain.len() > MAX_SECRET_BYTES {
            return Err(BadCredential::TooLong);
        }
        Ok(Self(digest(plain.as_bytes())))
    }
}

/// A secret's SHA-256 in hex. That of the empty string is refused: it is what
/// `printf %s "$SECRET" | sha256sum` gives when the variable is unset.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Sha256Hex(Secret);

impl TryFrom<String> for Sha256Hex {
    type Error = &'static str;

    fn try_from(hex: String) -> Result<Self, &'static str> {
        let mut out = [0u8; 32];
        let parsed = base16ct::mixed::decode(&hex, &mut out).is_ok_and(|d| d.len() == 32);
        if !parsed {
            return Err("must be 64 hexadecimal digits");
        }
        if out == digest(b"").0 {
            return Err("is the SHA-256 of an empty secret (what `printf %s \"$SECRET\" | sha256sum` gives when the variable is unset); an empty credential never matches");
        }
        Ok(Self(Secret(out)))
    }
}

/// A custom header's name: an RFC 9110 token, kept in lowercase.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct HeaderName(String);

impl TryFrom<String> for HeaderName {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, &'static str> {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if token {
            Ok(Self(name.to_ascii_lowercase()))
        } else {
            Err("not a valid header name")
        }
    }
}

/// A query parameter's name, matched as written.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct QueryName(String);

impl TryFrom<String> for QueryName {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, &'static str> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if plain {
            Ok(Self(name))
        } else {
            Err("must be letters, digits, '-', '_' or '.'")
        }
    }
}

/// A Basic user-id (RFC 7617): not empty, no colon, no longer than any other secret.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Username(String);

impl TryFrom<String> for Username {
    type Error = BadCredential;

    fn try_from(name: String) -> Result<Self, BadCredential> {
        if name.is_empty() || name.contains(':') {
            return Err(BadCredential::UserId);
        }
        if name.len() > MAX_SECRET_BYTES {
            return Err(BadCredential::TooLong);
        }
        Ok(Self(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::head::Method;

    /// Standard base64 with padding, for building Basic credentials.
    fn base64(text: impl AsRef<[u8]>) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    #[test]
    fn decodes_base64() {
        let mut out = [0u8; 64];
        assert_eq!(
            base64_decode(b"dXNlcjpwYTpzcw==", &mut out),
            Some(&b"user:pa:ss"[..])
        );
        let mut out = [0u8; 64];
        assert_eq!(base64_decode(b"YWJj", &mut out), Some(&b"abc"[..]));
        for bad in [&b"YWJ"[..], b"Y===", b"YW=j", b"YW==YWJj", b"", b"YWJ*"] {
            let mut out = [0u8; 64];
            assert_eq!(base64_decode(bad, &mut out), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let shown = alloc::format!("{:?}", digest(b"hunter2"));
        assert_eq!(shown, "Secret(<redacted>)");
    }

    fn head<'r>(path: &'r str, headers: &'r [(&'r str, &'r str)]) -> Head<'r> {
        Head {
            method: Method::Post,
            path,
            headers,
            peer: "192.0.2.1:1",
        }
    }

    #[test]
    fn an_empty_credential_never_matches_even_the_empty_digest() {
        let empty = digest(b"");
        let alternatives = [
            Alternative::Bearer { token: empty },
            Alternative::Header {
                name: "x-key".into(),
                value: empty,
            },
            Alternative::Basic {
                username: "sectigo".into(),
                password: empty,
            },
            Alternative::Query {
                name: "token".into(),
                value: empty,
            },
        ];
        let requests: [(&str, &[(&str, &str)]); 5] = [
            ("/h", &[("authorization", "Bearer ")]),
            ("/h", &[("x-key", "")]),
            ("/h", &[("authorization", "Basic c2VjdGlnbzo=")]),
            ("/h?token", &[]),
            ("/h?token=", &[]),
        ];
        for (path, headers) in requests {
            assert_eq!(
                authenticate(&alternatives, &head(path, headers)),
                Err(Refusal::Wrong),
                "{path} {headers:?}"
            );
        }
    }

    /// An alternative, and a request's path and headers.
    type Case<'a> = (Alternative, &'a str, &'a [(&'a str, &'a str)]);

    #[test]
    fn no_credential_longer_than_the_limit_matches() {
        let long = "k".repeat(MAX_SECRET_BYTES + 1);
        let secret = digest(long.as_bytes());
        let bearer = alloc::format!("Bearer {long}");
        let basic = alloc::format!("Basic {}", base64(alloc::format!("u:{long}")));
        let query = alloc::format!("/h?token={long}");
        let cases: [Case; 4] = [
            (
                Alternative::Bearer { token: secret },
                "/h",
                &[("authorization", &bearer)],
            ),
            (
                Alternative::Header {
                    name: "x-key".into(),
                    value: secret,
                },
                "/h",
                &[("x-key", &long)],
            ),
            (
                Alternative::Basic {
                    username: "u".into(),
                    password: secret,
                },
                "/h",
                &[("authorization", &basic)],
            ),
            (
                Alternative::Query {
                    name: "token".into(),
                    value: secret,
                },
                &query,
                &[],
            ),
        ];
        for (alternative, path, headers) in cases {
            let result = authenticate(core::slice::from_ref(&alternative), &head(path, headers));
            assert_eq!(result, Err(Refusal::Wrong), "{alternative:?}");
        }
    }

    #[test]
    fn credentials_at_the_limit_match() {
        let max = "k".repeat(MAX_SECRET_BYTES);
        let secret = digest(max.as_bytes());
        let basic = alloc::format!("Basic {}", base64(alloc::format!("{max}:{max}")));
        let alternative = Alternative::Basic {
            username: max.clone(),
            password: secret,
        };
        let headers = [("authorization", basic.as_str())];
        assert!(authenticate(core::slice::from_ref(&alternative), &head("/h", &headers)).is_ok());
        let bearer = alloc::format!("Bearer {max}");
        let headers = [("authorization", bearer.as_str())];
        let alternative = Alternative::Bearer { token: secret };
        assert!(authenticate(core::slice::from_ref(&alternative), &head("/h", &headers)).is_ok());
    }

    #[test]
    fn compares_in_constant_time_shape() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}
