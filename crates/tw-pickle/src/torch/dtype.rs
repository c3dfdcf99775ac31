//! torch dtypes: one table (torch `_dtype_to_storage_type_map`, `_new_dtypes`, uint1-7/int1-7;
//! research §2.3) from which names, storage classes, element sizes, safetensors names and the
//! dtype part of the weights-only allowlist are all derived.

/// A torch dtype that torch's weights-only unpickler can name.
#[allow(missing_docs)] // variants are the torch dtypes of `torch_name()`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
    C32,
    C64,
    C128,
    F8E4M3FN,
    F8E5M2,
    F8E4M3FNUZ,
    F8E5M2FNUZ,
    F8E8M0FNU,
    F4E2M1FNx2,
    U16,
    U32,
    U64,
    QInt8,
    QUInt8,
    QInt32,
    QUInt4x2,
    QUInt2x4,
    Bits8,
    Bits16,
    Bits1x8,
    Bits2x4,
    Bits4x2,
    UInt1,
    UInt2,
    UInt3,
    UInt4,
    UInt5,
    UInt6,
    UInt7,
    Int1,
    Int2,
    Int3,
    Int4,
    Int5,
    Int6,
    Int7,
}

/// One row of the dtype table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DTypeInfo {
    /// The dtype.
    pub dtype: DType,
    /// Name after `torch.` (`str(dtype)` without the prefix).
    pub torch_name: &'static str,
    /// Bytes per element as torch stores it (packed sub-byte dtypes take 1, research §2.5).
    pub element_size: u64,
    /// The safetensors dtype string, when one represents it exactly.
    pub safetensors: Option<&'static str>,
    /// The legacy storage class (`torch.<Name>Storage`), when one exists.
    pub storage_class: Option<&'static str>,
}

const fn row(
    dtype: DType,
    torch_name: &'static str,
    element_size: u64,
    safetensors: Option<&'static str>,
    storage_class: Option<&'static str>,
) -> DTypeInfo {
    DTypeInfo {
        dtype,
        torch_name,
        element_size,
        safetensors,
        storage_class,
    }
}

/// Every dtype, the single source of truth.
pub const DTYPES: [DTypeInfo; 46] = [
    row(DType::F64, "float64", 8, Some("F64"), Some("DoubleStorage")),
    row(DType::F32, "float32", 4, Some("F32"), Some("FloatStorage")),
    row(DType::F16, "float16", 2, Some("F16"), Some("HalfStorage")),
    row(
        DType::BF16,
        "bfloat16",
        2,
        Some("BF16"),
        Some("BFloat16Storage"),
    ),
    row(DType::I64, "int64", 8, Some("I64"), Some("LongStorage")),
    row(DType::I32, "int32", 4, Some("I32"), Some("IntStorage")),
    row(DType::I16, "int16", 2, Some("I16"), Some("ShortStorage")),
    row(DType::I8, "int8", 1, Some("I8"), Some("CharStorage")),
    row(DType::U8, "uint8", 1, Some("U8"), Some("ByteStorage")),
    row(DType::Bool, "bool", 1, Some("BOOL"), Some("BoolStorage")),
    row(DType::C32, "complex32", 4, None, None),
    row(
        DType::C64,
        "complex64",
        8,
        Some("C64"),
        Some("ComplexFloatStorage"),
    ),
    row(
        DType::C128,
        "complex128",
        16,
        None,
        Some("ComplexDoubleStorage"),
    ),
    row(DType::F8E4M3FN, "float8_e4m3fn", 1, Some("F8_E4M3"), None),
    row(DType::F8E5M2, "float8_e5m2", 1, Some("F8_E5M2"), None),
    row(
        DType::F8E4M3FNUZ,
        "float8_e4m3fnuz",
        1,
        Some("F8_E4M3FNUZ"),
        None,
    ),
    row(
        DType::F8E5M2FNUZ,
        "float8_e5m2fnuz",
        1,
        Some("F8_E5M2FNUZ"),
        None,
    ),
    row(DType::F8E8M0FNU, "float8_e8m0fnu", 1, Some("F8_E8M0"), None),
    // Two values per byte: safetensors F4 needs the last dimension doubled (research §3 item 38).
    row(DType::F4E2M1FNx2, "float4_e2m1fn_x2", 1, None, None),
    row(DType::U16, "uint16", 2, Some("U16"), None),
    row(DType::U32, "uint32", 4, Some("U32"), None),
    row(DType::U64, "uint64", 8, Some("U64"), None),
    row(DType::QInt8, "qint8", 1, None, Some("QInt8Storage")),
    row(DType::QUInt8, "quint8", 1, None, Some("QUInt8Storage")),
    row(DType::QInt32, "qint32", 4, None, Some("QInt32Storage")),
    row(
        DType::QUInt4x2,
        "quint4x2",
        1,
        None,
        Some("QUInt4x2Storage"),
    ),
    row(
        DType::QUInt2x4,
        "quint2x4",
        1,
        None,
        Some("QUInt2x4Storage"),
    ),
    row(DType::Bits8, "bits8", 1, None, None),
    row(DType::Bits16, "bits16", 2, None, None),
    row(DType::Bits1x8, "bits1x8", 1, None, None),
    row(DType::Bits2x4, "bits2x4", 1, None, None),
    row(DType::Bits4x2, "bits4x2", 1, None, None),
    row(DType::UInt1, "uint1", 1, None, None),
    row(DType::UInt2, "uint2", 1, None, None),
    row(DType::UInt3, "uint3", 1, None, None),
    row(DType::UInt4, "uint4", 1, None, None),
    row(DType::UInt5, "uint5", 1, None, None),
    row(DType::UInt6, "uint6", 1, None, None),
    row(DType::UInt7, "uint7", 1, None, None),
    row(DType::Int1, "int1", 1, None, None),
    row(DType::Int2, "int2", 1, None, None),
    row(DType::Int3, "int3", 1, None, None),
    row(DType::Int4, "int4", 1, None, None),
    row(DType::Int5, "int5", 1, None, None),
    row(DType::Int6, "int6", 1, None, None),
    row(DType::Int7, "int7", 1, None, None),
];

impl DType {
    /// This dtype's table row.
    pub fn info(self) -> DTypeInfo {
        DTYPES
            .iter()
            .find(|row| row.dtype == self)
            .copied()
            .unwrap_or(row(self, "?", 1, None, None))
    }

    /// Bytes per element as torch stores it.
    pub fn element_size(self) -> u64 {
        self.info().element_size
    }

    /// The torch name without prefix, e.g. `float32`.
    pub fn torch_name(self) -> &'static str {
        self.info().torch_name
    }

    /// The safetensors dtype string, or `None` when safetensors cannot represent it exactly.
    pub fn safetensors_name(self) -> Option<&'static str> {
        self.info().safetensors
    }

    /// The dtype of a legacy storage class name such as `FloatStorage` (module not included).
    pub fn from_storage_class(name: &str) -> Option<DType> {
        DTYPES
            .iter()
            .find(|row| row.storage_class == Some(name))
            .map(|row| row.dtype)
    }

    /// The dtype of the global `torch.<name>` (e.g. `torch.float32`), as pickled for
    /// `_rebuild_tensor_v3` and meta tensors.
    pub fn from_global(module: &str, name: &str) -> Option<DType> {
        if module != "torch" {
            return None;
        }
        DTYPES
            .iter()
            .find(|row| row.torch_name == name)
            .map(|row| row.dtype)
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "torch.{}", self.torch_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for row in DTYPES {
            assert_eq!(row.dtype.info(), row);
            assert_eq!(DType::from_global("torch", row.torch_name), Some(row.dtype));
            if let Some(class) = row.storage_class {
                assert_eq!(DType::from_storage_class(class), Some(row.dtype));
            }
        }
        assert_eq!(DType::F32.element_size(), 4);
        assert_eq!(DType::BF16.safetensors_name(), Some("BF16"));
        assert_eq!(DType::C128.safetensors_name(), None);
        assert_eq!(DType::Bits16.element_size(), 2);
        assert_eq!(DType::from_storage_class("HalfStorage"), Some(DType::F16));
        assert_eq!(DType::from_global("numpy", "float32"), None);
        assert_eq!(DType::F8E4M3FN.to_string(), "torch.float8_e4m3fn");
    }
}
