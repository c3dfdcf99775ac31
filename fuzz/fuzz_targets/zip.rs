//! Fuzz target for the strict zip walk and everything built on it: detection, `open` (torch
//! zip records, npz members, polyglot prefixes, entry reads with CRC checks). Invariant: no
//! input panics, hangs or allocates past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_checkpoint::zip::ZipArchive;
use tw_checkpoint::{detect, open, Limits, Options};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 24,
        ..Limits::default()
    };
    if let Ok(zip) = ZipArchive::parse(data, &limits) {
        for entry in zip.entries() {
            let _ = zip.read(entry, limits.max_decompressed, true);
        }
    }
    let _ = detect(data, &limits);
    let _ = open(
        data,
        &Options {
            limits,
            verify_data: true,
        },
    );
});
