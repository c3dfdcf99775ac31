//! NumPy `.npy` headers (numpy `lib/_format_impl.py`): `\x93NUMPY`, version, a 2- or 4-byte
//! header length, then a Python dict literal with `descr`, `fortran_order` and `shape`. The dict
//! is read by a literal parser (never evaluated) capped at `Limits::max_npy_header`. A dtype
//! holding Python objects means the payload after the header is a pickle.

use serde::Serialize;

use crate::cursor::{to_u64, to_usize, Cursor};
use crate::limits::Limits;
use crate::literal::{self, Literal};

/// The `.npy` magic string.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Why a `.npy` header cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpyError {
    /// The magic string is missing.
    #[error("not a .npy file: no \\x93NUMPY magic at offset 0")]
    NoMagic,
    /// The file ends inside the preamble or the header.
    #[error(".npy header needs {needed} bytes but the file has {file_len}")]
    Truncated {
        /// Bytes needed.
        needed: u64,
        /// Length of the input.
        file_len: u64,
    },
    /// Fewer data bytes follow the header than its dtype and shape declare: `np.load` fails
    /// ("EOF: reading array data"), so the array cannot be read.
    #[error(".npy{} data at offset {data_offset}: the header declares {expected} bytes but only {actual} follow", member_label(.member))]
    DataTooShort {
        /// The `.npz` member (empty for a plain `.npy`).
        member: String,
        /// Bytes the header declares (`shape` times the item size).
        expected: u64,
        /// Bytes present after the header.
        actual: u64,
        /// Offset of the data from the start of the `.npy`.
        data_offset: u64,
    },
    /// A format version other than 1.0, 2.0 or 3.0.
    #[error(".npy format version {major}.{minor} is not supported")]
    Version {
        /// Major version.
        major: u8,
        /// Minor version.
        minor: u8,
    },
    /// The header is longer than the limit.
    #[error(".npy header of {declared} bytes exceeds the limit {limit}")]
    HeaderTooLarge {
        /// Declared length.
        declared: u64,
        /// `Limits::max_npy_header`.
        limit: u64,
    },
    /// The header text is not latin-1/UTF-8 as its version requires.
    #[error(".npy header is not valid text for its version")]
    Encoding,
    /// The header is not a literal numpy accepts.
    #[error(".npy header: expected {expected} at offset {offset}")]
    Syntax {
        /// What was expected.
        expected: &'static str,
        /// Absolute offset.
        offset: u64,
    },
    /// The dict lacks a key, has another key, or a value has the wrong type.
    #[error(".npy header: {what}")]
    Field {
        /// What is wrong.
        what: &'static str,
    },
}

/// A dtype description from the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Descr {
    /// A simple type string such as `<f4` or `|O`.
    Simple {
        /// The type string.
        text: String,
    },
    /// A structured dtype: fields of (name, descr[, shape]).
    Structured {
        /// (field name, field descr, subarray shape).
        fields: Vec<(String, Descr, Vec<u64>)>,
    },
}

impl Descr {
    /// Whether any element holds a Python object (`O`), which numpy stores as a pickle.
    pub fn has_object(&self) -> bool {
        match self {
            Descr::Simple { text } => simple_kind(text).0 == Some('O'),
            Descr::Structured { fields } => fields.iter().any(|(_, d, _)| d.has_object()),
        }
    }

    /// numpy's name for the element type (`float32`, `int64`, `bool`, `object`...; byte order
    /// is not part of it), for listings such as `torchward inspect`.
    pub fn dtype_name(&self) -> &'static str {
        let Descr::Simple { text } = self else {
            return "structured";
        };
        match simple_kind(text) {
            (Some('?' | 'b'), Some(1)) => "bool",
            (Some('i'), Some(1)) => "int8",
            (Some('i'), Some(2)) => "int16",
            (Some('i'), Some(4)) => "int32",
            (Some('i'), Some(8)) => "int64",
            (Some('u'), Some(1)) => "uint8",
            (Some('u'), Some(2)) => "uint16",
            (Some('u'), Some(4)) => "uint32",
            (Some('u'), Some(8)) => "uint64",
            (Some('f'), Some(2)) => "float16",
            (Some('f'), Some(4)) => "float32",
            (Some('f'), Some(8)) => "float64",
            (Some('f'), Some(16)) => "longdouble",
            (Some('c'), Some(8)) => "complex64",
            (Some('c'), Some(16)) => "complex128",
            (Some('O'), _) => "object",
            (Some('U'), _) => "str",
            (Some('S'), _) => "bytes",
            (Some('V'), _) => "void",
            (Some('M'), _) => "datetime64",
            (Some('m'), _) => "timedelta64",
            _ => "unknown",
        }
    }

    /// Bytes per element, when the descr is of a fixed-size kind this parser knows.
    pub fn item_size(&self) -> Option<u64> {
        match self {
            Descr::Simple { text } => {
                let (kind, size) = simple_kind(text);
                let size = size?;
                match kind? {
                    'U' => size.checked_mul(4),
                    'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'M' | 'm' | '?' => Some(size),
                    _ => None,
                }
            }
            Descr::Structured { fields } => fields.iter().try_fold(0u64, |acc, (_, d, shape)| {
                let n = shape.iter().try_fold(1u64, |a, &s| a.checked_mul(s))?;
                acc.checked_add(d.item_size()?.checked_mul(n)?)
            }),
        }
    }
}

/// Splits a simple type string into its kind letter and size (`<f4` -> ('f', 4),
/// `|O` -> ('O', None), `<M8[ns]` -> ('M', 8)).
fn simple_kind(text: &str) -> (Option<char>, Option<u64>) {
    let body = text.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = body.chars();
    let kind = chars.next();
    let rest = chars.as_str();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let size = digits.parse().ok();
    let size = match (kind, size) {
        (Some('?'), None) => Some(1),
        _ => size,
    };
    (kind, size)
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpyHeader {
    /// Format version (major, minor).
    pub version: (u8, u8),
    /// The dtype.
    pub descr: Descr,
    /// Whether the data is in Fortran order.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<u64>,
    /// Offset (from the start of this `.npy`) of the first data byte.
    pub data_offset: u64,
    /// Bytes after the header.
    pub data_len: u64,
    /// Bytes the data should take (`None` for object or unsized dtypes, or on overflow).
    pub expected_data_len: Option<u64>,
}

/// ` member "<name>"` for an `.npz` member, nothing for a plain `.npy`.
fn member_label(member: &str) -> String {
    if member.is_empty() {
        String::new()
    } else {
        format!(" member {member:?}")
    }
}

impl NpyHeader {
    /// Whether the payload is a pickle (object dtype, possibly inside a structured dtype).
    pub fn payload_is_pickle(&self) -> bool {
        self.descr.has_object()
    }

    /// Checks that the data after the header is at least as long as the header declares
    /// (`data_len` against `expected_data_len`); longer data is ignored by numpy, as here.
    /// `member` names the `.npz` member (empty for a plain `.npy`).
    pub fn check_data_len(&self, member: &str) -> Result<(), NpyError> {
        match self.expected_data_len {
            Some(expected) if self.data_len < expected => Err(NpyError::DataTooShort {
                member: member.to_owned(),
                expected,
                actual: self.data_len,
                data_offset: self.data_offset,
            }),
            _ => Ok(()),
        }
    }

    /// Parses the header of the `.npy` held in `data`.
    pub fn parse(data: &[u8], limits: &Limits) -> Result<Self, NpyError> {
        let file_len = to_u64(data.len());
        let truncated = |needed: u64| NpyError::Truncated { needed, file_len };
        if data.get(..6) != Some(NPY_MAGIC.as_slice()) {
            return Err(NpyError::NoMagic);
        }
        let mut c = Cursor::at(data, 6);
        let (Some(major), Some(minor)) = (c.u8(), c.u8()) else {
            return Err(truncated(8));
        };
        let header_len = match (major, minor) {
            (1, 0) => c.u16().map(u64::from),
            (2 | 3, 0) => c.u32().map(u64::from),
            _ => return Err(NpyError::Version { major, minor }),
        }
        .ok_or_else(|| truncated(if major == 1 { 10 } else { 12 }))?;
        if header_len > limits.max_npy_header {
            return Err(NpyError::HeaderTooLarge {
                declared: header_len,
                limit: limits.max_npy_header,
            });
        }
        let start = c.pos();
        let end = start.saturating_add(to_usize(header_len).unwrap_or(usize::MAX));
        let raw = data.get(start..end).ok_or_else(|| truncated(to_u64(end)))?;
        // v1/v2 headers are latin-1, v3 UTF-8.
        let text: String = if major == 3 {
            std::str::from_utf8(raw)
                .map_err(|_| NpyError::Encoding)?
                .to_owned()
        } else {
            raw.iter().map(|&b| char::from(b)).collect()
        };
        let value = literal::parse(&text).map_err(|e| NpyError::Syntax {
            expected: e.what,
            offset: to_u64(start.saturating_add(e.offset)),
        })?;
        let (descr, fortran_order, shape) = read_dict(&value)?;
        let data_offset = to_u64(end);
        let data_len = file_len.saturating_sub(data_offset);
        let numel = shape.iter().try_fold(1u64, |a, &s| a.checked_mul(s));
        let expected_data_len = if descr.has_object() {
            None
        } else {
            numel.and_then(|n| n.checked_mul(descr.item_size()?))
        };
        Ok(NpyHeader {
            version: (major, minor),
            descr,
            fortran_order,
            shape,
            data_offset,
            data_len,
            expected_data_len,
        })
    }
}

/// Checks the header dict has exactly numpy's three keys with the right types.
fn read_dict(value: &Literal) -> Result<(Descr, bool, Vec<u64>), NpyError> {
    let Literal::Dict(items) = value else {
        return Err(NpyError::Field {
            what: "the header is not a dict",
        });
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in items {
        let slot = match k {
            Literal::Str(s) if s == "descr" => &mut descr,
            Literal::Str(s) if s == "fortran_order" => &mut fortran,
            Literal::Str(s) if s == "shape" => &mut shape,
            _ => {
                return Err(NpyError::Field {
                    what: "the header has a key other than descr, fortran_order and shape",
                })
            }
        };
        if slot.replace(v).is_some() {
            return Err(NpyError::Field {
                what: "the header repeats a key",
            });
        }
    }
    let (Some(descr), Some(fortran), Some(shape)) = (descr, fortran, shape) else {
        return Err(NpyError::Field {
            what: "the header lacks descr, fortran_order or shape",
        });
    };
    let Literal::Bool(fortran) = fortran else {
        return Err(NpyError::Field {
            what: "fortran_order is not a bool",
        });
    };
    let shape = read_shape(shape).ok_or(NpyError::Field {
        what: "shape is not a tuple of non-negative integers",
    })?;
    let descr = read_descr(descr).ok_or(NpyError::Field {
        what: "descr is not a type string or a list of fields",
    })?;
    Ok((descr, *fortran, shape))
}

fn read_shape(v: &Literal) -> Option<Vec<u64>> {
    match v {
        Literal::Seq(dims) => dims
            .iter()
            .map(|d| match d {
                Literal::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            })
            .collect(),
        Literal::Int(n) => u64::try_from(*n).ok().map(|n| vec![n]),
        _ => None,
    }
}

fn read_descr(v: &Literal) -> Option<Descr> {
    match v {
        Literal::Str(text) => Some(Descr::Simple { text: text.clone() }),
        Literal::Seq(fields) => fields
            .iter()
            .map(|f| {
                let Literal::Seq(parts) = f else { return None };
                // A field name may be a (title, name) pair.
                let name = match parts.first()? {
                    Literal::Str(s) => s.clone(),
                    Literal::Seq(pair) => match pair.get(1)? {
                        Literal::Str(s) => s.clone(),
                        _ => return None,
                    },
                    _ => return None,
                };
                let descr = read_descr(parts.get(1)?)?;
                let shape = match parts.get(2) {
                    Some(s) => read_shape(s)?,
                    None => Vec::new(),
                };
                if parts.len() > 3 {
                    return None;
                }
                Some((name, descr, shape))
            })
            .collect::<Option<Vec<_>>>()
            .map(|fields| Descr::Structured { fields }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Descr, NpyError, NpyHeader};
    use crate::limits::Limits;

    #[test]
    fn dtype_names_are_numpys() {
        let name = |text: &str| {
            Descr::Simple {
                text: text.to_owned(),
            }
            .dtype_name()
        };
        assert_eq!(name("<f4"), "float32");
        assert_eq!(name(">f8"), "float64");
        assert_eq!(name("|b1"), "bool");
        assert_eq!(name("<c8"), "complex64");
        assert_eq!(name("<u2"), "uint16");
        assert_eq!(name("|O"), "object");
        assert_eq!(name("<U10"), "str");
        assert_eq!(name("<M8[ns]"), "datetime64");
        assert_eq!(name("<x9"), "unknown");
        assert_eq!(
            Descr::Structured { fields: vec![] }.dtype_name(),
            "structured"
        );
    }

    fn npy(major: u8, header: &str) -> Vec<u8> {
        let mut out = b"\x93NUMPY".to_vec();
        out.extend([major, 0]);
        let len = header.len();
        if major == 1 {
            out.extend(u16::try_from(len).unwrap().to_le_bytes());
        } else {
            out.extend(u32::try_from(len).unwrap().to_le_bytes());
        }
        out.extend(header.as_bytes());
        out
    }

    #[test]
    fn reads_every_version() {
        let h = "{'descr': '<i8', 'fortran_order': True, 'shape': (3,), }\n";
        for major in [1, 2, 3] {
            let mut data = npy(major, h);
            data.extend([0u8; 24]);
            let header = NpyHeader::parse(&data, &Limits::default()).unwrap();
            assert_eq!(header.version, (major, 0));
            assert!(header.fortran_order);
            assert_eq!(header.expected_data_len, Some(24));
            assert_eq!(header.data_len, 24);
        }
        let utf8 = "{'descr': [('é', '<u2')], 'fortran_order': False, 'shape': (), }\n";
        let header = NpyHeader::parse(&npy(3, utf8), &Limits::default()).unwrap();
        assert!(matches!(&header.descr, Descr::Structured { fields } if fields[0].0 == "é"));
        assert_eq!(header.expected_data_len, Some(2));
    }

    #[test]
    fn refuses_bad_headers() {
        let limits = Limits::default();
        for header in [
            "{'descr': '<f4', 'shape': (1,), }",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
        ] {
            let err = NpyHeader::parse(&npy(1, header), &limits).unwrap_err();
            assert!(matches!(err, NpyError::Field { .. }), "{header}: {err:?}");
        }
        let code = "{'descr': f(), 'fortran_order': False, 'shape': (1,), }";
        assert!(matches!(
            NpyHeader::parse(&npy(1, code), &limits),
            Err(NpyError::Syntax { .. })
        ));
        let big = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }}{}",
            " ".repeat(10_001)
        );
        assert!(matches!(
            NpyHeader::parse(&npy(2, &big), &limits),
            Err(NpyError::HeaderTooLarge { .. })
        ));
        assert!(matches!(
            NpyHeader::parse(b"\x93NUMPY\x04\x00", &limits),
            Err(NpyError::Version { major: 4, minor: 0 })
        ));
    }
}
