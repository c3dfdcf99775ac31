//! Fuzz target for `tw_convert::convert_file`: arbitrary bytes as a checkpoint, converted with
//! verification. Invariant: no input panics, and a failed conversion leaves no output file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_convert::{convert_file, ConvertOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let input = dir.path().join("input");
    if std::fs::write(&input, data).is_err() {
        return;
    }
    let output = dir.path().join("out.safetensors");
    let mut options = ConvertOptions::default();
    options.verify = true;
    if convert_file(&input, &output, &options, &|_| {}).is_err() {
        assert!(!output.exists(), "a failed conversion left its output");
    }
});
