//! Fuzz target for the project configuration reader (`torchward.toml`, `[tool.torchward]` in
//! `pyproject.toml`): the parsing module of the binary included as it is. Invariant: no input
//! panics or overflows the stack (the TOML reader's recursion limit holds).
#![no_main]

use libfuzzer_sys::fuzz_target;

// The values are checked by the binary after parsing; this target exercises the parsing only.
#[allow(dead_code)]
#[path = "../../crates/torchward/src/config/raw.rs"]
mod raw;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = raw::parse_dedicated(text);
    let _ = raw::parse_pyproject(text);
});
