//! tw-checkpoint integration tests: committed inputs made by `tests/data/make.py` (Python's own
//! zipfile/tarfile/gzip/bz2/lzma and pickle, plus a hand zip writer for malformed layouts),
//! property tests that no input panics, and a replay of the fuzz corpora.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc,
    missing_docs
)]

#[path = "tw_checkpoint/archive_readers.rs"]
mod archive_readers;
#[path = "tw_checkpoint/containers.rs"]
mod containers;
#[path = "tw_checkpoint/corpus.rs"]
mod corpus;
#[path = "tw_checkpoint/properties.rs"]
mod properties;
#[path = "tw_checkpoint/tensors.rs"]
mod tensors;

use std::path::PathBuf;

/// Reads a committed test input.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
