//! The one error type of `tw-fs`. Every variant carries the path it is about, so a message can
//! never say "permission denied" without saying where.
use std::fmt;
use std::io;
use std::path::PathBuf;

/// The operation that failed, named in the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Opening or creating a file.
    Open,
    /// Creating the temporary file of an atomic write in the destination's directory.
    CreateTemp,
    /// Reading file contents.
    Read,
    /// Writing file contents.
    Write,
    /// Flushing data to disk (`fsync`).
    Sync,
    /// Renaming the temporary file into place.
    Rename,
    /// Giving a finished unnamed (`O_TMPFILE`) file the destination's name with `linkat`.
    Link,
    /// Reading metadata (`stat`/`fstat`).
    Stat,
    /// Creating a directory.
    CreateDir,
    /// Mapping a file into memory.
    Map,
    /// Changing permission bits.
    Chmod,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Open => "open",
            Op::CreateTemp => "create a temporary file in",
            Op::Read => "read",
            Op::Write => "write",
            Op::Sync => "sync",
            Op::Rename => "rename into place",
            Op::Link => "link into place",
            Op::Stat => "stat",
            Op::CreateDir => "create directory",
            Op::Map => "map",
            Op::Chmod => "change the mode of",
        })
    }
}

/// Everything that can go wrong in `tw-fs`; each variant names the path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system call failed.
    #[error("cannot {op} `{}`", path.display())]
    Io {
        /// What was being done.
        op: Op,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The destination exists and the caller did not ask to overwrite it.
    #[error("refusing to overwrite existing file `{}`", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The path is a symbolic link, which this operation never follows.
    #[error("`{}` is a symbolic link; refusing to follow it", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The path is not a regular file (a directory, device, FIFO or socket).
    #[error("`{}` is not a regular file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is larger than the caller's bound.
    #[error("`{}` is at least {actual} bytes, over the limit of {limit}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The bound, in bytes.
        limit: u64,
        /// The size seen (a lower bound when the file kept growing while read).
        actual: u64,
    },
    /// The file is not valid UTF-8.
    #[error("`{}` is not valid UTF-8 (first bad byte at offset {offset})", path.display())]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid sequence.
        offset: u64,
    },
}

impl Error {
    /// Wraps an I/O error with the operation and path.
    pub(crate) fn io(op: Op, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// The path this error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Io { path, .. }
            | Error::Exists { path }
            | Error::Symlink { path }
            | Error::NotRegularFile { path }
            | Error::TooLarge { path, .. }
            | Error::InvalidUtf8 { path, .. } => path,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
