//! Why a conversion did not produce a file. Every variant names what it is about (the tensor,
//! the key, the offset or the path); [`ConvertError::is_refusal`] separates "the checkpoint
//! fails the weights-only policy" (exit 1) from "it could not be read or written" (exit 2).

use tw_diagnostics::Finding;

/// Why converting one file failed. No output file exists after any of these.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The file fails the weights-only policy; the findings (`TW1xx`) say why.
    #[error("refused: {reason}")]
    Refused {
        /// One line naming the first reason.
        reason: String,
        /// The findings at `low` or above that explain the refusal (may be empty when the
        /// refusal comes from the converter's own weights-only parse).
        findings: Vec<Finding>,
    },
    /// Non-tensor values that cannot go into `__metadata__` (use `--drop-non-tensors`).
    #[error("refused: {} value(s) are neither tensors nor plain values: {}", keys.len(), keys.join(", "))]
    NonTensorValues {
        /// Dotted keys with what each holds (`args = call argparse.Namespace`).
        keys: Vec<String>,
    },
    /// The content is not a checkpoint format `convert` reads.
    #[error("not a checkpoint convert reads (detected: {format}); it reads torch zip checkpoints, legacy torch streams, .npy and .npz")]
    UnsupportedFormat {
        /// The detected format name.
        format: &'static str,
    },
    /// A tensor safetensors cannot represent (dtype or layout).
    #[error("tensor `{name}`: {reason}")]
    UnsupportedTensor {
        /// Dotted name of the tensor.
        name: String,
        /// What is unsupported, e.g. `dtype torch.complex128 has no safetensors equivalent`.
        reason: String,
    },
    /// The chunks of a tensor (DCP) do not tile it exactly, or one does not match the tensor.
    #[error("tensor `{name}`: {reason}")]
    BadChunks {
        /// Fully qualified name of the tensor.
        name: String,
        /// What is wrong: a gap, an overlap, a chunk outside the shape, a dtype or shape that
        /// differs from the metadata, with the chunk's offsets.
        reason: String,
    },
    /// Two values flatten to the same dotted key.
    #[error("name collision: {first} and {second} both flatten to `{name}`")]
    NameCollision {
        /// The colliding key.
        name: String,
        /// What had the name first.
        first: String,
        /// What wanted it second.
        second: String,
    },
    /// The input is damaged or inconsistent in a way the scan did not already report.
    #[error("malformed input: {message}")]
    Malformed {
        /// What is wrong, with the offset when known.
        message: String,
    },
    /// A tensor's elements reach outside the bytes of its storage.
    #[error("tensor `{name}`: its view needs {} bytes of storage `{storage}` but only {available} exist", needed.map_or_else(|| "more than 2^64".to_owned(), |n| n.to_string()))]
    ViewOutOfBounds {
        /// Dotted name of the tensor.
        name: String,
        /// Storage (record) name.
        storage: String,
        /// Bytes needed from the record start (`None` on overflow).
        needed: Option<u64>,
        /// Bytes the record holds.
        available: u64,
    },
    /// The output would be larger than the limit (stride-0 views can inflate it).
    #[error("the output would take {} bytes, over the limit of {limit} (set by the input size; stride-0 views expand)", bytes.map_or_else(|| "more than 2^64".to_owned(), |n| n.to_string()))]
    OutputTooLarge {
        /// Bytes the output would take (`None` on overflow).
        bytes: Option<u64>,
        /// The limit.
        limit: u64,
    },
    /// A compressed record did not inflate to its declared size.
    #[error("record `{record}`: {message}")]
    Inflate {
        /// The record (zip entry) name.
        record: String,
        /// What went wrong.
        message: String,
    },
    /// `--verify` found the output differs from the source.
    #[error("verification failed: {what}")]
    VerifyMismatch {
        /// Which tensor or header field differs, and where.
        what: String,
    },
    /// An `--allow-global` entry was refused.
    #[error("--allow-global {key}: {reason}")]
    AllowGlobal {
        /// The entry.
        key: String,
        /// Why it is refused.
        reason: String,
    },
    /// The output names the input itself (same path, a symlink or a hard link to it): writing
    /// it would replace the checkpoint with its own conversion. `--force` does not override it.
    #[error("the output `{}` is the input `{}` (the same file): converting would replace the checkpoint with its own conversion; choose another output (--force does not change this)", output.display(), input.display())]
    OutputIsInput {
        /// The input file.
        input: std::path::PathBuf,
        /// The output as given.
        output: std::path::PathBuf,
    },
    /// Reserving the output's whole size up front (`fallocate`) failed for lack of space: the
    /// conversion stops before writing instead of filling the disk.
    #[error("cannot reserve {bytes} bytes for `{}`: {reason}", path.display())]
    NoSpace {
        /// The output file.
        path: std::path::PathBuf,
        /// The size of the output.
        bytes: u64,
        /// The errno name and its meaning (`ENOSPC: no space left on device`).
        reason: &'static str,
    },
    /// A `--profile` name no profile has.
    #[error("--profile {name}: no such profile (known: {known})")]
    UnknownProfile {
        /// The name given.
        name: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// Reading the input or writing the output failed.
    #[error(transparent)]
    Io(#[from] tw_fs::Error),
}

impl ConvertError {
    /// Whether the file was refused by policy (exit 1) rather than failing to convert (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ConvertError::Refused { .. } | ConvertError::NonTensorValues { .. }
        )
    }

    /// The finding IDs behind a refusal, sorted and deduplicated (empty otherwise).
    pub fn finding_ids(&self) -> Vec<&str> {
        let ConvertError::Refused { findings, .. } = self else {
            return Vec::new();
        };
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// An I/O error on `path` as a [`ConvertError`].
pub(crate) fn io(op: tw_fs::Op, path: &std::path::Path, source: std::io::Error) -> ConvertError {
    ConvertError::Io(tw_fs::Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    })
}
