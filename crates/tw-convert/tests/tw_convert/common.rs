//! Shared helpers: fixture paths, the oracle, and a directory listing to prove nothing was left.
use std::path::{Path, PathBuf};

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// `fixtures/convert/oracle.json`.
pub fn oracle() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("convert/oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Names of the entries of `dir`.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
