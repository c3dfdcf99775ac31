//! A fleet summary: many torchward reports (one per host, or the shards of one scan) read
//! into one view of which hosts fail which rules. Reading (`input`) never stops at a bad file:
//! each becomes an `InputError` naming it and the rest still merge. Renderers (`render`) only
//! print the `Fleet` they are given.
#![forbid(unsafe_code)]

pub mod input;
pub mod merge;
pub mod render;

pub use input::{parse_reports, InputError, Loaded};
pub use merge::{Fleet, HostSummary, RuleSummary};
