//! Running the `hookwall` binary as users do, for the CLI tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `hookwall args…` in the repository root, feeding `stdin`.
pub fn hookwall(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookwall"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A process that exits before reading its input (a usage error) closes the pipe early.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default());
    child.wait_with_output().unwrap()
}
