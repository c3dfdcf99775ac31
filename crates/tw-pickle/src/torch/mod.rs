//! torch's object model over a parsed graph: dtypes, storages and tensors found by walking
//! from the root (never executing anything), with their dotted paths
//! (`torch/_utils.py` rebuild functions, `torch/serialization.py` persistent ids).

pub mod dtype;
mod error;
mod plain;
mod storage;
mod tensor;
mod walk;

pub use dtype::{DType, DTypeInfo, DTYPES};
pub use error::ExtractError;
pub use plain::bytes_of;
pub use walk::{extract, extract_paths, extract_with_containers, PathStyle};

/// A storage named by a `('storage', storage_type, key, location, numel[, view_metadata])`
/// persistent id (zip 5-tuple, legacy 6-tuple).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRef {
    /// The record key (`data/<key>` in a zip checkpoint).
    pub key: String,
    /// Element type of the storage (`uint8` for `UntypedStorage`).
    pub dtype: DType,
    /// Declared element count, in elements of `dtype`.
    pub numel: u64,
    /// Device location, e.g. `cpu` or `cuda:0`.
    pub location: String,
    /// Legacy view metadata: (view key, offset, size), in elements.
    pub view: Option<(String, u64, u64)>,
    /// Byte offset of the persistent id opcode in the pickle.
    pub offset: u64,
}

/// What kind of tensor a rebuild function makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TensorKind {
    /// `_rebuild_tensor(_v2/_v3)`: a plain strided tensor.
    Dense,
    /// `_rebuild_parameter(_with_state)` or `Parameter` NEWOBJ.
    Parameter,
    /// `_rebuild_qtensor`.
    Quantized,
    /// A component of `_rebuild_sparse_tensor` (indices or values).
    Sparse,
    /// `_rebuild_meta_tensor_no_storage`: no data.
    Meta,
    /// The buffer of `_rebuild_nested_tensor`.
    Nested,
    /// `_rebuild_wrapper_subclass`: no data in the pickle.
    WrapperSubclass,
    /// `_rebuild_from_type_v2` with a type other than `torch.Tensor`/`Parameter`.
    Subclass,
    /// `_rebuild_device_tensor_from_numpy`: the data is a numpy array (shape not known here).
    DeviceFromNumpy,
}

/// One tensor found in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRef {
    /// Dotted path from the root (`""` for a bare tensor root).
    pub path: String,
    /// The storage holding its data; `None` for meta, wrapper-subclass and numpy-backed tensors.
    pub storage: Option<StorageRef>,
    /// Element type of the tensor (may differ from the storage's for `UntypedStorage`).
    pub dtype: DType,
    /// Offset into the storage, in elements of `dtype`.
    pub storage_offset: u64,
    /// Sizes.
    pub shape: Vec<u64>,
    /// Strides, in elements.
    pub stride: Vec<u64>,
    /// `requires_grad`.
    pub requires_grad: bool,
    /// What made it.
    pub kind: TensorKind,
    /// Byte offset of the rebuild call in the pickle.
    pub offset: u64,
}

impl TensorRef {
    /// Number of elements (product of the shape); `None` on overflow.
    pub fn numel(&self) -> Option<u64> {
        self.shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
    }
}

/// A non-tensor value. It serializes as `inspect --format json` lists it: the variant name in
/// snake case under `type`, its content under `value` (`{"type": "int", "value": 3}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Leaf {
    /// `None`.
    None,
    /// A bool.
    Bool(bool),
    /// An int that fits `i64`.
    Int(i64),
    /// A float.
    Float(f64),
    /// `builtins.complex(real, imag)`.
    Complex(f64, f64),
    /// A string.
    Str(String),
    /// Bytes (`bytes`, `bytearray`, `_codecs.encode(s, 'latin1')`).
    Bytes(Vec<u8>),
    /// `torch.Size(...)`.
    Size(Vec<i64>),
    /// `torch.device(...)`, e.g. `cuda:0`.
    Device(String),
    /// A small tuple (at most [`MAX_TUPLE_VALUE`] items) of `None`, bools, ints, floats and
    /// strings, kept as one value (Adam's `betas`, a kernel size) rather than one value per
    /// item.
    Tuple(Vec<Leaf>),
    /// An int too large for `i64`, in decimal.
    BigInt(String),
    /// A global used as a value, not called (`torch.float16`, `typing.Any`): its
    /// `module.name`.
    Global(String),
    /// A set or frozenset of plain values, sorted (numbers, then strings, then the rest by
    /// their debug text), as `weights_only=True` returns them as a `set`.
    Set(Vec<Leaf>),
    /// A numpy array or scalar (read through a profile that allows numpy's reconstruction):
    /// its dtype string (`<u4`), shape and raw bytes in C order.
    Array(NdArray),
    /// Anything else, described (e.g. `call argparse.Namespace`).
    Other(String),
    /// The same large value (a string, bytes or tuple the pickle shares by memo reference) as
    /// the one listed at this path: listed once, so that a value repeated by reference
    /// thousands of times is neither copied nor printed per reference.
    Shared(String),
}

/// A numpy array as `numpy.core.multiarray._reconstruct` and its BUILD state describe it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NdArray {
    /// The dtype as numpy spells it with its byte order (`<u4`, `|u1`).
    pub dtype: String,
    /// The shape (empty for a scalar).
    pub shape: Vec<u64>,
    /// The raw bytes, C order.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// The most items a tuple of plain values may have to be one [`Leaf::Tuple`] value.
pub const MAX_TUPLE_VALUE: usize = 16;

/// Tensors and values of a parsed checkpoint, in walk order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectTable {
    /// Every tensor, with its path.
    pub tensors: Vec<TensorRef>,
    /// Every non-tensor leaf value, with its path.
    pub values: Vec<(String, Leaf)>,
    /// Bytes the walk materialised (paths, values and tensor records with their in-memory
    /// size), which [`crate::Limits::materialise_allowance`] bounds.
    pub materialised: u64,
}
