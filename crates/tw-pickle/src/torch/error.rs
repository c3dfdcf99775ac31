//! Typed errors of torch extraction: each names the dotted path of the value and the byte offset
//! of the opcode that built it.

use crate::limits::LimitKind;

/// Why a parsed graph could not be read as torch objects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The parse did not reach STOP, so there is no root object.
    #[error("the pickle has no root object (parsing stopped early)")]
    NoRoot,
    /// A tensor size is negative.
    #[error("tensor `{path}` (offset {offset}): size {index} is negative ({value})")]
    NegativeSize {
        /// Dotted path of the tensor.
        path: String,
        /// Dimension.
        index: usize,
        /// The size.
        value: i64,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A tensor stride is negative.
    #[error("tensor `{path}` (offset {offset}): stride {index} is negative ({value})")]
    NegativeStride {
        /// Dotted path of the tensor.
        path: String,
        /// Dimension.
        index: usize,
        /// The stride.
        value: i64,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A storage offset or element count is negative.
    #[error("tensor `{path}` (offset {offset}): {what} is negative ({value})")]
    Negative {
        /// Dotted path of the tensor.
        path: String,
        /// Which number.
        what: &'static str,
        /// The value.
        value: i64,
        /// Offset of the rebuild call or persistent id.
        offset: u64,
    },
    /// Sizes and strides have different lengths.
    #[error("tensor `{path}` (offset {offset}): {sizes} sizes but {strides} strides")]
    RankMismatch {
        /// Dotted path of the tensor.
        path: String,
        /// Number of sizes.
        sizes: usize,
        /// Number of strides.
        strides: usize,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A value that must be an integer (or a tuple of integers) is not.
    #[error("tensor `{path}` (offset {offset}): {what} is not an integer")]
    NotInt {
        /// Dotted path of the tensor.
        path: String,
        /// Which argument.
        what: &'static str,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A rebuild function got arguments of the wrong number or shape.
    #[error("tensor `{path}` (offset {offset}): bad arguments to {function}: {reason}")]
    BadArguments {
        /// Dotted path of the tensor.
        path: String,
        /// The rebuild function.
        function: &'static str,
        /// What is wrong.
        reason: &'static str,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A storage persistent id is not `('storage', type, key, location, numel[, view])`.
    #[error("tensor `{path}`: malformed storage persistent id at offset {offset}: {reason}")]
    BadStorage {
        /// Dotted path of the tensor.
        path: String,
        /// What is wrong.
        reason: &'static str,
        /// Offset of the persistent id.
        offset: u64,
    },
    /// A storage type or dtype global that names no known dtype.
    #[error("tensor `{path}` (offset {offset}): `{name}` is not a torch storage type or dtype")]
    UnknownDType {
        /// Dotted path of the tensor.
        path: String,
        /// The global, `module.name`.
        name: String,
        /// Offset of the rebuild call or persistent id.
        offset: u64,
    },
    /// A tensor's element count overflows 64 bits.
    #[error("tensor `{path}` (offset {offset}): element count overflows")]
    ElementCountOverflow {
        /// Dotted path of the tensor.
        path: String,
        /// Offset of the rebuild call.
        offset: u64,
    },
    /// A limit of [`crate::Limits`] was exceeded while walking.
    #[error("{what} limit {limit} exceeded ({actual}) at `{path}`")]
    LimitExceeded {
        /// Which limit.
        what: LimitKind,
        /// The limit.
        limit: u64,
        /// The value that exceeded it.
        actual: u64,
        /// Dotted path where it happened.
        path: String,
    },
}
