//! torchward's Python lint (`TW6xx`, security statement §6): finds risky deserialization calls
//! (`torch.load` without `weights_only=True`, pickle, object collectives, `numpy`
//! `allow_pickle`, `yaml.load` ...) by parsing Python 3.8-3.14 with ruff's parser and resolving
//! every callee through the file's imports and scopes. Invariant: the crate only returns data
//! (`Finding`s, parse and I/O failures); it never prints, filters by severity or decides exit
//! codes, and nothing it reads is executed or imported.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod baseline;
mod call;
mod parse;
mod position;
mod prefilter;
mod resolver;
mod rules;
mod scope;
mod source;
mod suppression;
mod torch_load;
mod tree;

pub use baseline::{Baseline, BaselineEntry, BaselineError, BASELINE_VERSION, CODE_EVIDENCE};
pub use parse::{parse_python, syntax_errors};
pub use position::LineIndex;
pub use rules::RULES;
pub use source::{lint_source, FileOutcome, ParseFailure};
pub use suppression::FILE_DIRECTIVE_LINES;
pub use tree::{
    discover, kind_of, lint_inputs, lint_paths, Input, IoFailure, LintOutcome, MAX_FILE_BYTES,
};

/// How a file is linted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Python source: parsed, resolved, every rule.
    Python,
    /// Shell script, Dockerfile, `.env` or YAML: the TW604 line pass only.
    EnvText,
}

/// Options of a lint run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Honour bandit's `# nosec` comments (off by default: blanket `# nosec` is common).
    pub honor_nosec: bool,
}
