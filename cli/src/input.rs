//! Reading a body or a policy from a file or stdin, in bounded memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::Failure;

/// A policy is a few kilobytes; this bounds what a mistaken `-` or `/dev/zero` makes hookwall hold.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// Whether `path` means stdin.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// The file's name as messages show it.
pub fn name(path: &Path) -> String {
    if is_stdin(path) {
        "stdin".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads at most `limit + 1` bytes of `path` (stdin for `-`): one byte past the limit is enough
/// for the core to refuse the body as too large, so memory stays bounded whatever is sent.
pub fn read(path: &Path, limit: usize) -> Result<Vec<u8>, Failure> {
    let bound = limit as u64 + 1;
    let mut bytes = Vec::new();
    let read = if is_stdin(path) {
        io::stdin().lock().take(bound).read_to_end(&mut bytes)
    } else {
        File::open(path).and_then(|file| file.take(bound).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure(format!("{}: {e}", name(path))))?;
    Ok(bytes)
}

/// Reads a policy whole, refusing one larger than [`MAX_CONFIG_BYTES`].
pub fn read_config(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = read(path, MAX_CONFIG_BYTES)?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(Failure(format!(
            "{}: larger than {MAX_CONFIG_BYTES} bytes",
            name(path)
        )));
    }
    Ok(bytes)
}
