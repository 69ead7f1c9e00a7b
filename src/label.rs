//! Payload text made safe for a header value, a log field or a storage key.
//!
//! An event id or an undocumented event type is whatever the sender wrote: CR, LF, NUL or
//! 5,000 bytes of it. Envoy does not check header values a Wasm filter adds (envoy#15487), so
//! copied verbatim they become header injection into the receiver's request. A label keeps
//! the visible ASCII of RFC 9110's `field-vchar` as it is, percent-encodes every other byte
//! (and `%` itself, so the encoding cannot be forged or confused), and bounds the length.

use alloc::string::String;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// The longest label, in bytes.
pub const MAX_LABEL_BYTES: usize = 128;

/// How many bytes of an overlong value's encoding are kept before its digest.
const KEPT_BYTES: usize = MAX_LABEL_BYTES - 1 - DIGEST_HEX;

/// Hex digits of the BLAKE3 digest that stands for the cut part: distinct values keep
/// distinct labels, so labels still deduplicate and correlate.
const DIGEST_HEX: usize = 32;

/// What a label escapes besides every byte outside ASCII: controls, DEL, the space, and `%`
/// itself, so that printable ASCII but `%` is all a label holds unescaped.
const ESCAPED: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

/// `value` as a label: printable ASCII but `%` kept, every other byte `%XX`; when that is
/// longer than [`MAX_LABEL_BYTES`], its head, `~`, and 128 bits of BLAKE3 of the whole value.
/// The encoding stops as soon as it is too long, so a megabyte value costs a label's work.
pub fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_LABEL_BYTES));
    for piece in utf8_percent_encode(value, ESCAPED) {
        out.push_str(piece);
        if out.len() > MAX_LABEL_BYTES {
            return overlong(out, value);
        }
    }
    out
}

/// Whether `value` is already a label: what every header the runtimes write must pass.
pub fn is_label(value: &str) -> bool {
    value.len() <= MAX_LABEL_BYTES && value.bytes().all(|b| plain(b) || b == b'%' || b == b'~')
}

fn plain(byte: u8) -> bool {
    (0x21..=0x7e).contains(&byte) && byte != b'%'
}

/// The head is cut before an escape it would split.
fn overlong(mut head: String, value: &str) -> String {
    let escape = head.as_bytes()[KEPT_BYTES - 2..KEPT_BYTES]
        .iter()
        .position(|&b| b == b'%');
    head.truncate(escape.map_or(KEPT_BYTES, |at| KEPT_BYTES - 2 + at));
    head.push('~');
    head.push_str(&base16ct::lower::encode_string(
        &blake3::hash(value.as_bytes()).as_bytes()[..DIGEST_HEX / 2],
    ));
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn keeps_printable_ascii_and_encodes_the_rest() {
        assert_eq!(label("alert_triggered"), "alert_triggered");
        assert_eq!(label("a7f3-11:x/y"), "a7f3-11:x/y");
        assert_eq!(
            label("new_thing\r\nx-evil: 1"),
            "new_thing%0D%0Ax-evil:%201"
        );
        assert_eq!(label("a\0b%c é"), "a%00b%25c%20%C3%A9");
        assert_eq!(label(""), "");
    }

    #[test]
    fn bounds_the_length_and_keeps_long_values_apart() {
        let long = "x".repeat(5000);
        let other = "x".repeat(4999) + "y";
        let (a, b) = (label(&long), label(&other));
        assert_eq!(a.len(), MAX_LABEL_BYTES);
        assert_ne!(a, b);
        assert_eq!(a, label(&long), "stable");
        assert!(is_label(&a) && is_label(&b));
        let encoded = label(&"\n".repeat(100));
        assert!(encoded.len() <= MAX_LABEL_BYTES && is_label(&encoded));
        assert!(!encoded[..KEPT_BYTES].ends_with('%'), "no cut escape");
        let fits = "x".repeat(MAX_LABEL_BYTES);
        assert_eq!(label(&fits).len(), MAX_LABEL_BYTES);
    }

    #[test]
    fn every_byte_gives_a_field_value() {
        for byte in 0..=255u8 {
            let text = char::from(byte).to_string();
            let value = label(&text);
            assert!(is_label(&value), "{byte}: {value}");
            assert!(value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        }
    }
}
