//! The TW1xx model-file rules: turns what `tw-checkpoint` and `tw-pickle` report about a file
//! into findings. Nothing here executes, imports or loads what it reads: the pickle machine is
//! inert and containers are walked by torchward's own strict readers.
//!
//! - [`analyse_bytes`]: one file's bytes to findings and analysis errors.
//! - [`walk::collect`], [`shard::Shard`] and [`scan::for_each_file`]: many paths walked (links
//!   followed to the files they name), partitioned among workers, analysed in parallel.
//! - [`screen()`]: the refuse-or-pass gate `inspect` and `convert` put before reading a file.
//! - [`inspect::inspect_bytes`]: what a weights-only file holds.
#![forbid(unsafe_code)]
// Rule IDs and format names (TW101, TorchScript) appear in docs as prose, not code.
#![allow(clippy::doc_markdown)]

mod aggregate;
mod analyse;
mod classify;
pub mod dcp;
mod index;
pub mod inspect;
mod keras;
mod lfs;
mod mapped;
mod nest;
mod nested;
mod options;
pub mod rules;
mod safe_globals;
pub mod scan;
mod screen;
pub mod shard;
mod shards;
pub mod walk;

pub use analyse::{analyse_bytes, FileOutcome};
pub use mapped::with_mapped;
pub use options::{ScanOptions, UnknownProfile};
pub use rules::RULES;
pub use screen::{screen, ScreenError, Screened};
/// The framework profiles (`--profile NAME`), re-exported for the binary.
pub use tw_pickle::profiles;
