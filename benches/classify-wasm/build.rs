//! Embeds the documented fixtures, so the module needs no host function to read them.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut list = String::from("&[\n");
    for provider in ["crowdsec", "cloud66", "sectigo"] {
        let dir = fixtures.join(provider);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            #[expect(
                clippy::unnecessary_debug_formatting,
                reason = "a path's Debug form is the quoted, escaped literal include_bytes! takes"
            )]
            writeln!(
                list,
                "    include_bytes!({:?}),",
                file.canonicalize().unwrap()
            )
            .unwrap();
        }
    }
    list.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("fixtures.rs");
    std::fs::write(out, list).unwrap();
}
