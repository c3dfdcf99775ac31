//! Fuzz target for the text `audit env` reads from environments it does not trust: PEP 440
//! versions, METADATA/PKG-INFO headers, shell scripts, `KEY=VALUE` files, systemd units,
//! conda state and process environment blocks. Invariant: no input panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tw_env::exercise_parsers(data);
});
