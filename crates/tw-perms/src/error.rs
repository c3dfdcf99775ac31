//! Errors of the permission audit and fix; each names the path and the OS error or the bad
//! value, so no caller can lose where it happened.
use std::io;

/// What can go wrong in `audit perms`.
#[derive(Debug, thiserror::Error)]
pub enum PermsError {
    /// The policy file is not valid.
    #[error("policy {path}: {message}")]
    Policy {
        /// The policy file.
        path: String,
        /// What is wrong, with the rule number or TOML position.
        message: String,
    },
    /// A path could not be opened, read or changed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// `/proc` is not procfs, so a chmod through `/proc/self/fd` cannot be trusted.
    #[error("/proc is not procfs (type {fs_type:#x}); refusing to change modes (no path-based fallback)")]
    NoProcfs {
        /// The file system type seen.
        fs_type: u64,
    },
    /// The undo journal is not one torchward wrote.
    #[error("journal {path}: {message}")]
    Journal {
        /// The journal path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Writing or reading through tw-fs failed.
    #[error(transparent)]
    Fs(#[from] tw_fs::Error),
}

impl PermsError {
    /// An I/O error at `path`.
    pub fn io(path: impl Into<String>, source: impl Into<io::Error>) -> Self {
        PermsError::Io {
            path: path.into(),
            source: source.into(),
        }
    }
}
