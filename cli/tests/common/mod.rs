//! Running the `hookwall` binary as users do, for the CLI tests.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// The repository root, where the CLI is run from as the README shows it: its fixtures and
/// examples are named from there.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A file of the repository, by its path from the root.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join(path)).unwrap()
}

/// Starts `hookwall args…` in the repository root, every stream piped.
pub fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hookwall"))
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `hookwall args…`, feeding `stdin`.
pub fn hookwall(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = spawn(args);
    // A process that exits before reading its input (a usage error) closes the pipe early.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default());
    child.wait_with_output().unwrap()
}

/// `hookwall args…` whose reader went away before it wrote: its status, and what it said on
/// stderr. The body is held back until stdout is closed, so the first write meets a closed pipe.
pub fn with_stdout_closed(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = spawn(args);
    drop(child.stdout.take());
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}
