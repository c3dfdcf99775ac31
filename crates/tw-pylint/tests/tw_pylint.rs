//! The one integration test binary of tw-pylint: fixture files with the expected result of
//! every line, per-rule snapshots, the non-Python text pass, parse errors, suppression
//! options, the baseline and the walk.
// Tests may panic on broken fixtures: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tw_pylint {
    pub mod baseline;
    pub mod expectations;
    pub mod fixtures;
    pub mod robustness;
    pub mod snapshots;
    pub mod walk;
}
