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

/// `hookwall args…` with stdout on `/dev/full`: exit 2, one line naming stdout, no panic.
pub fn assert_full_disk_is_exit_2(args: &[&str], stdin: &[u8]) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookwall"))
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end(),
        "hookwall: stdout: No space left on device (os error 28)",
        "{args:?}"
    );
}

/// Feeds `hookwall args…` `total` bytes of `{` until it stops reading: its stdout, stderr and
/// status, and how many bytes it took before closing stdin.
pub fn flood(args: &[&str], total: usize) -> (Output, usize) {
    let mut child = spawn(args);
    let mut stdin = child.stdin.take().unwrap();
    let chunk = vec![b'{'; 64 * 1024];
    let mut written = 0;
    while written < total {
        match stdin.write(&chunk) {
            Ok(n) => written += n,
            Err(_) => break,
        }
    }
    drop(stdin);
    (child.wait_with_output().unwrap(), written)
}
