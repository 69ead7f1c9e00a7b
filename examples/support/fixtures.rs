//! The fixtures the measuring examples loop over.

/// Every fixture body of `provider` (`fixtures/<provider>/*.json`), in file-name order, so that
/// runs compare the same mix.
pub fn bodies(provider: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(format!("fixtures/{provider}"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}
