//! tw-pickle's integration tests: one binary, one module per concern (opcode families, errors,
//! limits, profiles, CPython-made fixtures, torch extraction, properties, fuzz corpus replay).
// Tests assert by unwrapping: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)]

mod bounds;
mod build;
mod corpus;
mod errors;
mod fixtures;
mod joblib;
mod limits;
mod opcodes;
mod profiles;
mod props;
mod torch;
mod value;
