//! tw-convert's integration tests: every convertible fixture round-trips bit-exactly against
//! the oracle torch wrote (read back with the `safetensors` crate), every malicious fixture is
//! refused with the right finding IDs, and malformed inputs fail with no output file left.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod dcp;
mod frameworks;
mod malformed;
mod oracle;
mod refused;
mod sharded;
