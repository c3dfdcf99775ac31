//! Typed errors of the pickle machine: each carries the byte offset of the opcode (or argument)
//! where parsing stopped, and the numbers involved; none carries free-form text.

use crate::limits::LimitKind;
use crate::opcode::Opcode;
use crate::policy::Violation;

/// Why parsing stopped. Records gathered before the error stay available in
/// [`crate::Parsed`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    /// The input ended inside an opcode or its argument.
    #[error(
        "pickle truncated at offset {offset}: {opcode} needs {needed} more bytes, {available} left"
    )]
    Truncated {
        /// The opcode being read (`STOP` when the input ended before any STOP).
        opcode: Opcode,
        /// Offset of the opcode.
        offset: u64,
        /// Bytes the argument needs.
        needed: u64,
        /// Bytes that were left.
        available: u64,
    },
    /// The input ended without a STOP opcode.
    #[error("pickle ends at offset {offset} without STOP")]
    MissingStop {
        /// Offset of the end of input.
        offset: u64,
    },
    /// A byte that no protocol defines as an opcode.
    #[error("unknown opcode byte 0x{byte:02x} at offset {offset}")]
    UnknownOpcode {
        /// The byte.
        byte: u8,
        /// Its offset.
        offset: u64,
    },
    /// An opcode needed more values above the current mark than there were.
    #[error("stack underflow at offset {offset}: {opcode} needs {needed} values, {available} above the mark")]
    StackUnderflow {
        /// The opcode.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
        /// Values needed.
        needed: u64,
        /// Values available above the current mark.
        available: u64,
    },
    /// An opcode that consumes a MARK found none.
    #[error("{opcode} at offset {offset} without a MARK")]
    MarkMissing {
        /// The opcode.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
    },
    /// GET of a memo index that was never PUT.
    #[error("memo index {index} missing at offset {offset}")]
    MemoMissing {
        /// The memo index.
        index: u64,
        /// Offset of the GET opcode.
        offset: u64,
    },
    /// A limit of [`crate::Limits`] was exceeded.
    #[error("{what} limit {limit} exceeded ({actual}) at offset {offset}")]
    LimitExceeded {
        /// Which limit.
        what: LimitKind,
        /// The limit.
        limit: u64,
        /// The value that exceeded it.
        actual: u64,
        /// Offset of the opcode.
        offset: u64,
    },
    /// An opcode or its argument runs past the end of the current FRAME (`CPython`
    /// `_Unpickler_ReadImpl`, research §3 item 28).
    #[error("{opcode} at offset {offset} crosses the end of its frame at {frame_end}")]
    FrameCrossing {
        /// The opcode.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
        /// Offset where the frame ends.
        frame_end: u64,
    },
    /// A FRAME opcode before the current frame was used up (pickle.py `_Unframer`).
    #[error("FRAME at offset {offset} starts before the frame ending at {frame_end} is exhausted")]
    FrameNotExhausted {
        /// Offset of the new FRAME.
        offset: u64,
        /// Where the current frame ends.
        frame_end: u64,
    },
    /// A malformed argument (text integer, quoted string, UTF-8 name, protocol number ...).
    #[error("invalid {opcode} argument at offset {offset}: {reason}")]
    InvalidArgument {
        /// The opcode.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
        /// What was wrong.
        reason: &'static str,
    },
    /// A signed length prefix was negative (BINSTRING).
    #[error("negative length {length} for {opcode} at offset {offset}")]
    NegativeLength {
        /// The opcode.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
        /// The length.
        length: i64,
    },
    /// `SETITEM(S)`/DICT with an odd number of values (`CPython` raises, torch main wraps it).
    #[error("{opcode} at offset {offset} with an odd number of values ({count})")]
    OddItemCount {
        /// SETITEMS or DICT.
        opcode: Opcode,
        /// Its offset.
        offset: u64,
        /// Values above the mark.
        count: u64,
    },
    /// joblib's array layout ([`crate::joblib`]) that the machine cannot read the way
    /// `joblib.load` does.
    #[error("joblib array at offset {offset}: {reason}")]
    Joblib {
        /// Offset of the wrapper's BUILD.
        offset: u64,
        /// What could not be read.
        reason: &'static str,
    },
    /// The weights-only profile refused the stream (first violation).
    #[error("not weights-only loadable: {violation}")]
    Disallowed {
        /// The violation, with its offset.
        violation: Violation,
    },
}

impl PickleError {
    /// Byte offset where parsing stopped.
    pub fn offset(&self) -> u64 {
        match self {
            PickleError::Truncated { offset, .. }
            | PickleError::MissingStop { offset }
            | PickleError::UnknownOpcode { offset, .. }
            | PickleError::StackUnderflow { offset, .. }
            | PickleError::MarkMissing { offset, .. }
            | PickleError::MemoMissing { offset, .. }
            | PickleError::LimitExceeded { offset, .. }
            | PickleError::FrameCrossing { offset, .. }
            | PickleError::FrameNotExhausted { offset, .. }
            | PickleError::InvalidArgument { offset, .. }
            | PickleError::NegativeLength { offset, .. }
            | PickleError::OddItemCount { offset, .. }
            | PickleError::Joblib { offset, .. } => *offset,
            PickleError::Disallowed { violation } => violation.offset,
        }
    }
}
