//! The one error type of `tw-fs`. Every variant carries the path it is about, so a message can
//! never say "permission denied" without saying where.
use crate::open::FileKind;
use std::fmt;
use std::io;
use std::path::PathBuf;
use tw_diagnostics::SkipReason;

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
    /// An operating-system call failed. The message names the error number (`ENOENT`,
    /// `EACCES`, `ENOSPC` ...); the source carries the system's text, so a cause chain reads
    /// `cannot open `x` (ENOENT): No such file or directory (os error 2)`.
    #[error("cannot {op} `{}`{}", path.display(), OsReason(source))]
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
    #[error("`{}` is {kind}, not a regular file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        kind: FileKind,
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
    /// A line of an ignore file (`.gitignore`, `.ignore`) is not a valid glob.
    #[error("`{}` line {line}: {source}", path.display())]
    IgnorePattern {
        /// The ignore file.
        path: PathBuf,
        /// The 1-based line (0 when the file's patterns failed together).
        line: u64,
        /// What the glob parser said (boxed: it is large, and every `Result` carries `Error`).
        #[source]
        source: Box<ignore::Error>,
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
            | Error::NotRegularFile { path, .. }
            | Error::TooLarge { path, .. }
            | Error::InvalidUtf8 { path, .. }
            | Error::IgnorePattern { path, .. } => path,
        }
    }

    /// Whether the path was not there (`ENOENT`): a file that vanished between a directory
    /// listing and its open, which walks skip and count instead of reporting an error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// Why a file a walk listed is passed over rather than reported as an error: it vanished
    /// before it was opened, or it is (or was swapped for) a special file. `None` for every
    /// other error, and callers never ask for a path the user named: that is always an error.
    pub fn walk_skip(&self) -> Option<SkipReason> {
        match self {
            Error::NotRegularFile { kind, .. } => Some(kind.skip_reason()),
            error if error.is_not_found() => Some(SkipReason::Vanished),
            _ => None,
        }
    }
}

/// ` (ENAME)` for an error that carries an operating-system error number, nothing otherwise.
struct OsReason<'a>(&'a io::Error);

impl fmt::Display for OsReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.raw_os_error() {
            Some(code) => match errno_name(code) {
                Some(name) => write!(f, " ({name})"),
                None => write!(f, " (errno {code})"),
            },
            None => Ok(()),
        }
    }
}

/// The symbolic name of the Linux error numbers file operations return (asm-generic/errno*.h).
fn errno_name(code: i32) -> Option<&'static str> {
    Some(match code {
        1 => "EPERM",
        2 => "ENOENT",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        18 => "EXDEV",
        19 => "ENODEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        26 => "ETXTBSY",
        27 => "EFBIG",
        28 => "ENOSPC",
        30 => "EROFS",
        31 => "EMLINK",
        32 => "EPIPE",
        36 => "ENAMETOOLONG",
        40 => "ELOOP",
        95 => "EOPNOTSUPP",
        116 => "ESTALE",
        122 => "EDQUOT",
        _ => return None,
    })
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
