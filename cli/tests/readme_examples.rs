//! The README's CLI examples (the `sh` block under "The core") run as written: each command,
//! with this build's `hookwall` for `target/release/hookwall`, from the repository root, exits 0,
//! prints something and says nothing on stderr.

use std::process::Command;

/// The repository root, where the README's commands run.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const BUILD: &str = "cargo build --release --bin hookwall";
const BINARY: &str = "target/release/hookwall ";

/// The commands of the first `sh` block after the README's "## The core", without its comments.
fn examples() -> Vec<String> {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let section = readme
        .split_once("\n## The core\n")
        .expect("README.md has a \"## The core\" section")
        .1;
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("\"The core\" has a sh block")
        .0;
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn every_cli_example_in_the_readme_runs_as_written() {
    let examples = examples();
    assert_eq!(examples.first().map(String::as_str), Some(BUILD));
    let commands = &examples[1..];
    assert!(commands.len() >= 5, "too few examples: {commands:?}");
    for command in commands {
        let args = command
            .strip_prefix(BINARY)
            .unwrap_or_else(|| panic!("an example that does not run {BINARY}: {command}"));
        let line = format!("'{}' {args}", env!("CARGO_BIN_EXE_hookwall"));
        let out = Command::new("sh")
            .args(["-c", &line])
            .current_dir(ROOT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{command}: {:?}, {stderr}",
            out.status
        );
        assert!(!out.stdout.is_empty(), "{command}: printed nothing");
        assert!(stderr.is_empty(), "{command}: {stderr}");
    }
}
