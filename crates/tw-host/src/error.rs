//! Errors of the host audit: a probe that could not read its file, a file that does not parse,
//! a bad option or overlay, and a fix that could not be applied. Each names the path or value.
use std::io;

/// Reading one file under the system root failed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The system path (`/proc/sys/...`), not the fake-root path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// The file is larger than any sane `/proc` or `/etc` file.
    #[error("{path} is larger than {limit} bytes")]
    TooLarge {
        /// The system path.
        path: String,
        /// The bound.
        limit: u64,
    },
    /// The file's content is not what the kernel documents.
    #[error("{path} line {line}: {what}")]
    Parse {
        /// The system path.
        path: String,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        what: String,
    },
}

impl ProbeError {
    /// Whether the file does not exist (an absent feature, not an error).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ProbeError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// Whether the OS refused access (an unprivileged run, reported as `warn`).
    pub fn is_denied(&self) -> bool {
        matches!(self, ProbeError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied)
    }
}

/// An option or overlay value the audit cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The HCCL base port is outside [1024, 65520] (CANN docs, `HCCL_IF_BASE_PORT`).
    #[error("HCCL base port {base} is outside 1024-65520")]
    HcclBase {
        /// The base given.
        base: u32,
    },
    /// The HCCL span runs past port 65535.
    #[error("HCCL ports {base}+{count} run past 65535")]
    HcclSpan {
        /// The base given.
        base: u32,
        /// The span length.
        count: u32,
    },
    /// The HCCL span is neither 16 nor 32 ports.
    #[error("HCCL port count {count} is not 16 or 32")]
    HcclCount {
        /// The count given.
        count: u32,
    },
    /// An environment value is not a number.
    #[error("{name}={value} is not a port number")]
    Env {
        /// Variable name.
        name: String,
        /// Its value.
        value: String,
    },
    /// The profile name is unknown.
    #[error("unknown profile `{given}` (expected baseline or strict)")]
    Profile {
        /// What was given.
        given: String,
    },
    /// The overlay file could not be read.
    #[error("cannot read overlay {path}: {source}")]
    OverlayRead {
        /// The overlay path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// The overlay file is not valid TOML of the documented shape.
    #[error("overlay {path}: {message}")]
    OverlayParse {
        /// The overlay path.
        path: String,
        /// The TOML error, with its line and column.
        message: String,
    },
    /// A skip in the overlay lacks a reason or has a bad expiry date.
    #[error("overlay {path}: skip of {id}: {what}")]
    Skip {
        /// The overlay path.
        path: String,
        /// The rule the skip names.
        id: String,
        /// What is wrong with it.
        what: String,
    },
}

/// A fix that could not be applied; nothing after it in the plan was attempted.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// Writing the live value or the persisted file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The system path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// Reading the file to edit failed.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// The atomic write of a persisted file failed.
    #[error(transparent)]
    Fs(#[from] tw_fs::Error),
}
