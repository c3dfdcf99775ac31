//! Fuzz target for `tw_convert::convert_dcp`: arbitrary bytes as a DCP directory. The input is
//! a little-endian `u32` length `n`, then `n` bytes of `.metadata`, then the bytes of
//! `__0_0.distcp` (the corpus is made from fixtures/frameworks/dcp* by
//! `fixtures/frameworks/make_dcp_cases.py`). Invariant: no input panics, and a failed conversion
//! leaves no output file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_convert::{convert_dcp, ConvertOptions};

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else { return };
    let len = usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX);
    let Some((metadata, distcp)) = rest.split_at_checked(len.min(rest.len())) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    let ckpt = dir.path().join("ckpt");
    if std::fs::create_dir(&ckpt).is_err()
        || std::fs::write(ckpt.join(".metadata"), metadata).is_err()
        || std::fs::write(ckpt.join("__0_0.distcp"), distcp).is_err()
    {
        return;
    }
    let output = dir.path().join("out.safetensors");
    let mut options = ConvertOptions::default();
    options.verify = true;
    if convert_dcp(&ckpt, &output, &options, &|_| {}).is_err() {
        assert!(!output.exists(), "a failed conversion left its output");
    }
});
