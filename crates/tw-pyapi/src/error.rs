//! The errors that stop an API analysis before it can report anything: the package directory
//! is missing, or a git revision cannot be read. Per-file problems (unreadable files, syntax
//! errors) are not errors of the run: they are listed in the analysis beside the interface.
use std::path::PathBuf;

/// Why an analysis could not start.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The package directory does not exist or is not a directory.
    #[error(
        "`{path}` is not a directory (give the package directory, the one holding __init__.py)"
    )]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The directory holds no Python module or package at all (empty, or not Python).
    #[error(
        "`{path}` holds no Python package or module (no __init__.py, .py or .pyi file): give the package directory"
    )]
    NoModules {
        /// The path given.
        path: PathBuf,
    },
    /// `--rev` was used on a directory outside any git work tree.
    #[error(
        "`{path}` is not inside a git work tree, so --rev cannot read revisions there: {message}"
    )]
    NotAGitRepository {
        /// The directory given.
        path: PathBuf,
        /// What git said.
        message: String,
    },
    /// A revision git does not know.
    #[error("unknown git revision `{revision}` in `{path}`: {message}")]
    UnknownRevision {
        /// The revision as given.
        revision: String,
        /// The directory given.
        path: PathBuf,
        /// What git said.
        message: String,
    },
    /// Running or talking to git failed.
    #[error("running `git {command}` in `{path}` failed: {message}")]
    Git {
        /// The git subcommand.
        command: String,
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// git's output was not what its documentation promises.
    #[error("unexpected output from `git {command}` at byte {offset}: {message}")]
    GitOutput {
        /// The git subcommand.
        command: String,
        /// Byte offset in the output where reading stopped.
        offset: u64,
        /// What was wrong.
        message: String,
    },
}
