//! Replays every input of the zip, npy, safetensors and archive fuzz corpora (`fuzz/corpus/<target>/`),
//! so inputs found by fuzzing stay regression tests on stable Rust.

use std::path::PathBuf;

use super::properties::exercise;

#[test]
fn fuzz_corpora_replay_without_panics() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut replayed = 0;
    for target in ["zip", "npy", "safetensors", "archive"] {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            exercise(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed >= 30, "only {replayed} corpus inputs");
}
