//! Fuzz target for the sharded-set index reader and the repository checks (TW131-TW135): any
//! bytes as `pytorch_model.bin.index.json` beside the two shards of the fixture set, scanned as
//! a directory. Invariant: no input panics, hangs or allocates past the index limits, and every
//! finding or error about the index names the index.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_modelscan::walk::{collect, WalkOptions};
use tw_modelscan::ScanOptions;

const SHARDS: [(&str, &[u8]); 2] = [
    (
        "pytorch_model-00001-of-00002.bin",
        include_bytes!("../../fixtures/frameworks/sharded/pytorch_model-00001-of-00002.bin"),
    ),
    (
        "pytorch_model-00002-of-00002.bin",
        include_bytes!("../../fixtures/frameworks/sharded/pytorch_model-00002-of-00002.bin"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    for (name, bytes) in SHARDS {
        if std::fs::write(dir.path().join(name), bytes).is_err() {
            return;
        }
    }
    let index = dir.path().join("pytorch_model.bin.index.json");
    if std::fs::write(&index, data).is_err() {
        return;
    }
    let walked = collect(&[dir.path().to_path_buf()], &WalkOptions::default());
    let result = tw_modelscan::scan::scan_inputs(&walked.inputs, &ScanOptions::default(), &|| {});
    let index = index.display().to_string();
    for finding in result.findings.iter().filter(|f| f.rule.starts_with("TW13")) {
        assert!(finding.rule == "TW134" || finding.location.path == index);
    }
});
