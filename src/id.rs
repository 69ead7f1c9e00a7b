//! Event ids for providers that send none (Cloud66) or an empty one.
//!
//! The id must be the same for every retry of one delivery and differ between deliveries, so
//! that anything downstream can deduplicate: a digest of the exact body bytes is both, since a
//! provider retries by resending the same body and two deliveries differ at least in their time.

use alloc::string::String;

use crate::Provider;

/// `<provider>-<first 128 bits of BLAKE3(body) in hex>`. A cryptographic hash, so that no
/// caller can make a forged event share the id of a genuine one and have it dropped as a
/// duplicate; BLAKE3 rather than SHA-256 because, without hardware help (wasm), it hashes a
/// body several times faster.
pub(crate) fn derive(provider: Provider, body: &[u8]) -> String {
    let digest = blake3::hash(body);
    let mut id = String::with_capacity(provider.as_str().len() + 33);
    id.push_str(provider.as_str());
    id.push('-');
    id.push_str(&base16ct::lower::encode_string(&digest.as_bytes()[..16]));
    id
}
