//! Fuzz target for the safetensors header reader (length, UTF-8, our duplicate-keeping JSON
//! parser, dtype/shape/offset validation). Invariant: no input panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_checkpoint::safetensors::SafetensorsHeader;
use tw_checkpoint::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let _ = SafetensorsHeader::parse(data, &limits);
    // Also as a header of exactly this length, so the JSON parser sees arbitrary text.
    let mut framed = u64::try_from(data.len()).unwrap_or(u64::MAX).to_le_bytes().to_vec();
    framed.extend_from_slice(data);
    let _ = SafetensorsHeader::parse(&framed, &limits);
});
