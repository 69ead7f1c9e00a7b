//! Reading a body from a file or stdin.

use std::io::Read;
use std::path::Path;

/// Reads `path`, or stdin when it is `-` or absent.
pub fn read(path: Option<&Path>) -> std::io::Result<Vec<u8>> {
    match path {
        Some(p) if p != Path::new("-") => std::fs::read(p),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
    }
}
