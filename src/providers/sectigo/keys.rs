//! Which keys of a Sectigo body name a secret, and which are known to be harmless.
//!
//! Sectigo does not document its bodies' field names, so a secret is recognized by its key's
//! words. Long words count anywhere in a key (`temporarypassword`); short ones only as a whole
//! word of it, split at `_`, `-`, `.`, camelCase and digits (`api_key`, `apiKey`, `pin2`), so
//! that `monkey`, `pinned` or `security` stay readable.

/// The first two letters of [`SECRET_WORDS`], lowercase (a test keeps them so): a key is
/// compared with a word only where two of its bytes start one, so that a key made of the
/// words' first letters costs no more than any other.
const FIRST_PAIRS: &[[u8; 2]] = &[*b"pa", *b"se", *b"to", *b"cr", *b"co", *b"li", *b"ur"];

/// How long a word of [`SECRET_SEGMENTS`] or `code` may be, plural included (a test keeps
/// it so): a word of a key of another length is not compared with them.
const SEGMENT_LENGTHS: core::ops::RangeInclusive<usize> = 3..=14;

/// Words that name a secret wherever they appear in a key.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passcode",
    "passphrase",
    "secret",
    "token",
    "credential",
    "cookie",
    "link",
    "url",
];

/// Words that name a secret as a whole word of a key, or with a plural `s`.
const SECRET_SEGMENTS: &[&str] = &[
    "pwd",
    "pass",
    "pin",
    "otp",
    "totp",
    "key",
    "apikey",
    "uri",
    "auth",
    "authorization",
    "session",
    "sessionid",
    "jwt",
    "bearer",
    "hmac",
    "signature",
    "pem",
    "saml",
];

/// Words that make a following `code` a secret: a code to reset, sign in or confirm with
/// (`reset_code`, `oneTimeCode`), not a country's or a status's.
const CODE_KINDS: &[&str] = &[
    "reset",
    "time",
    "recovery",
    "verification",
    "confirmation",
    "activation",
    "access",
    "login",
    "backup",
    "security",
];

/// Keys whose values stay in a secret-bearing body: identifiers and descriptions, no credentials.
const HARMLESS_KEYS: &[&str] = &[
    "id",
    "type",
    "name",
    "first_name",
    "last_name",
    "username",
    "email",
    "status",
    "state",
    "role",
    "domain",
    "hostname",
    "database_name",
    "db_name",
    "created_at",
    "updated_at",
    "expires_at",
];

pub(crate) fn names_secret(key: &str) -> bool {
    // The commonest keys, looked up first (none names a secret, a test keeps them apart).
    if is_harmless(key) {
        return false;
    }
    let key = key.as_bytes();
    contains_secret_word(key) || names_secret_by_words(key)
}

/// Whether a word of `key` is one of [`SECRET_SEGMENTS`], or a `code` after one of
/// [`CODE_KINDS`].
fn names_secret_by_words(key: &[u8]) -> bool {
    let mut before: &[u8] = &[];
    words(key).any(|word| {
        let secret = SEGMENT_LENGTHS.contains(&word.len())
            && (SECRET_SEGMENTS.iter().any(|w| is_word(word, w))
                || is_word(word, "code")
                    && CODE_KINDS
                        .iter()
                        .any(|w| before.eq_ignore_ascii_case(w.as_bytes())));
        before = word;
        secret
    })
}

/// Whether one of [`SECRET_WORDS`] appears in `key`, in any case. Each pair of bytes is compared
/// with the words' first two letters before any word is: every key of every Sectigo body is
/// looked at.
fn contains_secret_word(key: &[u8]) -> bool {
    key.windows(2).enumerate().any(|(i, pair)| {
        let pair = [pair[0].to_ascii_lowercase(), pair[1].to_ascii_lowercase()];
        FIRST_PAIRS.contains(&pair)
            && SECRET_WORDS.iter().any(|word| {
                let word = word.as_bytes();
                word[..2] == pair
                    && key
                        .get(i..i + word.len())
                        .is_some_and(|here| here.eq_ignore_ascii_case(word))
            })
    })
}

pub(crate) fn is_harmless(key: &str) -> bool {
    HARMLESS_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// `segment` is `word` or its plural, in any case.
fn is_word(segment: &[u8], word: &str) -> bool {
    let word = word.as_bytes();
    match segment.len().checked_sub(word.len()) {
        Some(0) => segment.eq_ignore_ascii_case(word),
        Some(1) => {
            segment[..word.len()].eq_ignore_ascii_case(word)
                && segment[word.len()].eq_ignore_ascii_case(&b's')
        }
        _ => false,
    }
}

/// The words of a key: runs of ASCII letters and digits, split where the case or the kind of
/// character changes (`sessionCookie2FA` is `session`, `Cookie`, `2`, `FA`).
fn words(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    core::iter::from_fn(move || {
        while key.get(start).is_some_and(|b| !b.is_ascii_alphanumeric()) {
            start += 1;
        }
        if start >= key.len() {
            return None;
        }
        let mut end = start + 1;
        while end < key.len() && !starts_word(key, end) {
            end += 1;
        }
        let word = &key[start..end];
        start = end;
        Some(word)
    })
}

/// Whether a new word starts at `i`, inside a run that began before it.
fn starts_word(key: &[u8], i: usize) -> bool {
    let (before, here) = (key[i - 1], key[i]);
    let lower_next = key.get(i + 1).is_some_and(u8::is_ascii_lowercase);
    !here.is_ascii_alphanumeric()
        || before.is_ascii_digit() != here.is_ascii_digit()
        || here.is_ascii_uppercase()
            && (before.is_ascii_lowercase() || before.is_ascii_uppercase() && lower_next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn no_harmless_key_would_name_a_secret() {
        for key in HARMLESS_KEYS {
            let bytes = key.as_bytes();
            assert!(!contains_secret_word(bytes), "{key}");
            assert!(!names_secret_by_words(bytes), "{key}");
        }
    }

    #[test]
    fn first_pairs_are_the_secret_words_first_two_letters() {
        let mut firsts: Vec<[u8; 2]> = SECRET_WORDS
            .iter()
            .map(|w| [w.as_bytes()[0], w.as_bytes()[1]])
            .collect();
        firsts.dedup();
        assert_eq!(firsts, FIRST_PAIRS);
        assert!(SECRET_WORDS.iter().all(|w| *w == w.to_ascii_lowercase()));
    }

    #[test]
    fn segment_lengths_cover_every_segment_and_its_plural() {
        for word in SECRET_SEGMENTS.iter().chain(&["code"]) {
            assert!(SEGMENT_LENGTHS.contains(&word.len()), "{word}");
            assert!(SEGMENT_LENGTHS.contains(&(word.len() + 1)), "{word}");
        }
        let lengths = SECRET_SEGMENTS.iter().map(|w| w.len());
        assert_eq!(Some(*SEGMENT_LENGTHS.start()), lengths.clone().min());
        assert_eq!(Some(*SEGMENT_LENGTHS.end()), lengths.max().map(|n| n + 1));
    }

    #[test]
    fn splits_keys_into_words() {
        fn split(key: &str) -> Vec<&[u8]> {
            words(key.as_bytes()).collect()
        }
        assert_eq!(
            split("sessionCookie2FA"),
            [&b"session"[..], b"Cookie", b"2", b"FA"]
        );
        assert_eq!(split("APIKey"), [&b"API"[..], b"Key"]);
        assert_eq!(split("__api-key.v2"), [&b"api"[..], b"key", b"v", b"2"]);
        assert_eq!(split("é_pin"), [&b"pin"[..]]);
        assert!(split("").is_empty());
    }

    #[test]
    fn names_secrets_by_their_words() {
        for secret in [
            "password",
            "temporary_password",
            "initial_pwd",
            "initialPwd",
            "passcode",
            "PassPhrase",
            "api_key",
            "apiKey",
            "APIKey",
            "apikey",
            "api-keys",
            "invite_uri",
            "redirectUri",
            "session_cookie",
            "sessionId",
            "session",
            "otp",
            "otp_code",
            "totp",
            "pin",
            "pin_code",
            "pins",
            "auth",
            "auth_header",
            "authorization",
            "jwt",
            "client_secret",
            "access_token",
            "credentials",
            "login_link",
            "download_url",
            "downloadurl",
            "pass",
            "reset_code",
            "one_time_code",
            "oneTimeCode",
            "otpauth_uri",
            "bearer",
            "hmac",
            "hmac_sha256",
            "signature",
            "signatures",
            "private_pem",
            "saml_assertion",
            "SAMLAssertion",
            "oauth_token",
            "recovery_codes",
        ] {
            assert!(names_secret(secret), "{secret}");
        }
        for harmless in [
            "id",
            "name",
            "monkey",
            "keyword",
            "keyboard",
            "pinned",
            "ping",
            "shipping",
            "security",
            "author",
            "passive",
            "compass",
            "file",
            "country_code",
            "status_code",
            "code",
            "timecode_offset",
            "pembroke",
            "designated",
            "ds_record",
            "previous_state",
            "changes",
            "footprint",
        ] {
            assert!(!names_secret(harmless), "{harmless}");
        }
    }
}
