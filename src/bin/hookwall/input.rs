//! Reading a body from a file or stdin.

use std::io::Read;
use std::path::Path;

/// Reads `path`, or stdin when it is `-` or absent.
pub fn read(path: Option<&Path>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    match path {
        None => std::io::stdin().read_to_end(&mut buf)?,
        Some(p) if p == Path::new("-") => std::io::stdin().read_to_end(&mut buf)?,
        Some(p) => return std::fs::read(p),
    };
    Ok(buf)
}
