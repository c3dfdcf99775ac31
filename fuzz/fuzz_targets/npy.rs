//! Fuzz target for the `.npy` header reader (magic, version, length, the Python-literal dict).
//! Invariant: no input panics, and nothing past the header limit is ever parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_checkpoint::npy::NpyHeader;
use tw_checkpoint::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    // Also through the magic, so the literal parser sees arbitrary header text.
    let mut prefixed = b"\x93NUMPY\x01\x00".to_vec();
    prefixed.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_le_bytes());
    prefixed.extend_from_slice(data);
    for input in [data, prefixed.as_slice()] {
        if let Ok(h) = NpyHeader::parse(input, &limits) {
            let _ = (h.payload_is_pickle(), h.descr.item_size());
        }
    }
});
