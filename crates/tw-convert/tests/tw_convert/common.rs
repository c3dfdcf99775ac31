//! Shared helpers: fixture paths, the oracle, and a directory listing to prove nothing was left.
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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

/// Checks the safetensors file `bytes` holds exactly the `expected` tensors of an oracle.
pub fn assert_tensors(bytes: &[u8], expected: &[serde_json::Value], what: &str) {
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    assert_eq!(st.len(), expected.len(), "{what}: tensor count");
    for t in expected {
        let name = t["name"].as_str().unwrap();
        let view = st
            .tensor(name)
            .unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
        assert_eq!(format!("{:?}", view.dtype()), t["dtype"].as_str().unwrap());
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| usize::try_from(d.as_u64().unwrap()).unwrap())
            .collect();
        assert_eq!(view.shape(), shape.as_slice(), "{what}: {name}");
        let digest = Sha256::digest(view.data())
            .iter()
            .fold(String::new(), |hex, b| hex + &format!("{b:02x}"));
        assert_eq!(digest, t["sha256"].as_str().unwrap(), "{what}: {name}");
    }
}
