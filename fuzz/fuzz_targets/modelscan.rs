//! Fuzz target for whole-file analysis as `scan` runs it on a file named like weights: format
//! detection, the Git LFS pointer check, and nested pickles (`io.BytesIO` contents and
//! `_extra_state` byte tensors analysed recursively, three levels at most). Invariant: no input
//! panics, hangs or recurses without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_modelscan::{analyse_bytes, ScanOptions};

fuzz_target!(|data: &[u8]| {
    let options = ScanOptions::default();
    for name in ["pytorch_model.bin", "model_optim_rng.pt"] {
        let outcome = analyse_bytes(name, data, &options);
        for error in &outcome.errors {
            assert!(!error.message.is_empty());
        }
    }
});
