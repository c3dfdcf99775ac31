//! Fuzz target for the readers of nested content: archive member lists and reads (tar links
//! followed, zip entries inflated under a limit), every compression wrapper, Keras configs and
//! the HDF5 config search. Invariant: no input panics, hangs or produces more than the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_checkpoint::Limits;

#[path = "../../crates/tw-checkpoint/tests/tw_checkpoint/archive_readers.rs"]
mod archive_readers;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    archive_readers::exercise_archive(data, &limits);
});
