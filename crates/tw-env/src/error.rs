//! The errors of `audit env`: every variant names the system path (inside the root) it is
//! about, so a report never says "permission denied" without saying where.
use std::path::PathBuf;

/// A read that failed.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// An operating-system call failed.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A FIFO, device or directory where a file was expected.
    #[error("`{}` is not a regular file", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
    },
    /// A file over the read bound.
    #[error("`{}` is larger than {limit} bytes", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The bound.
        limit: u64,
    },
    /// More symlinks than the kernel would follow.
    #[error("`{}`: too many levels of symbolic links", path.display())]
    LinkLoop {
        /// The path being resolved.
        path: PathBuf,
    },
    /// A file that is not what its name says.
    #[error("`{}`: {what}", path.display())]
    Malformed {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A path given on the command line holds no Python environment.
    #[error("`{}` is not a Python environment (no pyvenv.cfg, conda-meta, site-packages, or *.dist-info/*.egg-info in it)", path.display())]
    NotAnEnvironment {
        /// The path.
        path: PathBuf,
    },
}

impl EnvError {
    /// Whether the error is "no such file or directory" (also: a process that exited).
    pub fn is_not_found(&self) -> bool {
        match self {
            EnvError::Io { source, .. } => {
                matches!(source.kind(), std::io::ErrorKind::NotFound)
                    || source.raw_os_error() == Some(3)
            } // ESRCH: the process exited mid-read.
            _ => false,
        }
    }

    /// Whether the error is a permission refusal (another user's process or home).
    pub fn is_denied(&self) -> bool {
        matches!(self, EnvError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied)
    }

    /// The path the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            EnvError::Io { path, .. }
            | EnvError::NotRegular { path }
            | EnvError::TooLarge { path, .. }
            | EnvError::LinkLoop { path }
            | EnvError::Malformed { path, .. }
            | EnvError::NotAnEnvironment { path } => path,
        }
    }
}
