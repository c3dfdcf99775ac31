//! torchward's Python API declaration (`TW65x`, security statement §10): the public interface
//! of a Python package read from source, by PyTorch's public-API rules, its checks, and the
//! diff of two versions. Modules are found as the import system would find them, parsed in
//! parallel with ruff's parser (through `tw-pylint`), reduced to per-module facts, resolved
//! across the package (re-exports, star imports, `__all__` in all its spellings), and turned
//! into declarations (module, name, kind, signature, summary, origin) and findings.
//! Invariant: nothing read is imported or executed; the crate returns data (interfaces,
//! findings, failures) and never prints or decides exit codes.
#![forbid(unsafe_code)]
// Docs name PyTorch, CPython and CommonMark as prose, not as code items.
#![allow(clippy::doc_markdown)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod analysis;
mod checks;
mod diff;
mod docstring;
mod dunder_all;
mod error;
mod extract;
mod facts;
mod git;
mod interface;
mod package;
mod recursion;
mod rules;
mod signature;
mod source;
mod stub;
mod table;

pub use analysis::{analyze, Analysis};
pub use diff::{breaks, compare, diff};
pub use docstring::summary;
pub use error::ApiError;
pub use facts::Position;
pub use git::read_revision;
pub use interface::{Declaration, Interface, Kind};
pub use rules::RULES;
pub use signature::{Param, ParamKind, Signature};
pub use source::{
    is_public_module, read_dir, Content, FileProblem, SourceFile, SourceSet, MAX_FILE_BYTES,
};
pub use table::markdown;
