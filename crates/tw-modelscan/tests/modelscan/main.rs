//! Integration tests of tw-modelscan over the committed fixtures (made by torch.save, numpy,
//! pickle and zipfile through fixtures/make_fixtures.py): every malicious file is caught with
//! exactly the expected rules, no benign file is flagged, every malformed file gives a clear
//! error or finding, and nothing panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::doc_markdown,
    clippy::format_collect
)]

mod archives;
mod bounds;
mod corpora;
mod fixtures;
mod frameworks;
mod inspect;
