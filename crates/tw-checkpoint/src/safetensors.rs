//! safetensors headers (huggingface/safetensors README "Format", `safetensors/src/tensor.rs`):
//! an 8-byte little-endian length N, N bytes of UTF-8 JSON, then the byte buffer. Parsed in the
//! order bounds, JSON, types, then layout; a header that parses but would be resolved silently
//! by some reader (duplicates, gaps, size mismatches, trailing bytes) yields issues.

use serde::Serialize;

use crate::cursor::{to_u64, to_usize, Cursor};
use crate::json::{self, Json};
use crate::limits::Limits;

/// Why a file is not a readable safetensors header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafetensorsError {
    /// Fewer than 8 bytes.
    #[error("safetensors file of {file_len} bytes has no 8-byte header length")]
    TooShort {
        /// Length of the input.
        file_len: u64,
    },
    /// N is over the limit.
    #[error("safetensors header length {declared} exceeds the limit {limit}")]
    HeaderTooLarge {
        /// Declared N.
        declared: u64,
        /// `Limits::max_safetensors_header`.
        limit: u64,
    },
    /// 8 + N runs past the end of the file.
    #[error("safetensors header of {declared} bytes runs past the {file_len}-byte file")]
    HeaderPastEnd {
        /// Declared N.
        declared: u64,
        /// Length of the input.
        file_len: u64,
    },
    /// The header is not UTF-8.
    #[error("safetensors header is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Absolute offset of the first invalid byte.
        offset: u64,
    },
    /// The header is not JSON.
    #[error("safetensors header is not JSON: expected {expected} at offset {offset}")]
    BadJson {
        /// What the parser expected.
        expected: &'static str,
        /// Absolute offset.
        offset: u64,
    },
    /// A value has the wrong JSON type or a required field is missing.
    #[error("safetensors header: {what} at offset {offset} (found {found})")]
    BadField {
        /// What is wrong.
        what: &'static str,
        /// The tensor (or `__metadata__`).
        name: String,
        /// JSON type found.
        found: &'static str,
        /// Absolute offset.
        offset: u64,
    },
}

/// A header that parsed but that readers could disagree on, or that does not describe the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SafetensorsIssue {
    /// A name appears twice (the safetensors crate keeps the last one).
    DuplicateName {
        /// The name.
        name: String,
        /// Absolute offset of the second occurrence.
        offset: u64,
    },
    /// An unknown dtype string.
    UnknownDtype {
        /// Tensor name.
        name: String,
        /// The dtype text.
        dtype: String,
        /// Absolute offset of the entry.
        offset: u64,
    },
    /// `data_offsets` has end < start.
    ReversedOffsets {
        /// Tensor name.
        name: String,
        /// Absolute offset of the entry.
        offset: u64,
    },
    /// Byte size differs from numel times dtype bits / 8 (or the element count overflows, or a
    /// sub-byte dtype does not fill whole bytes).
    SizeMismatch {
        /// Tensor name.
        name: String,
        /// `end - start`.
        actual: u64,
        /// Expected bytes, `None` when the computation overflows or is fractional.
        expected: Option<u64>,
        /// Absolute offset of the entry.
        offset: u64,
    },
    /// Sorted by start, the tensors leave a gap or overlap (must be contiguous from 0).
    NotContiguous {
        /// Tensor name.
        name: String,
        /// Where the previous tensor ended (relative to the buffer).
        expected_start: u64,
        /// Where this one starts.
        start: u64,
        /// Absolute offset of the entry.
        offset: u64,
    },
    /// The buffer does not end where the file ends (trailing bytes or a truncated file).
    BufferLengthMismatch {
        /// Bytes the tensors cover.
        covered: u64,
        /// Bytes after the header.
        buffer: u64,
        /// Absolute offset of the buffer.
        offset: u64,
    },
    /// A `__metadata__` value is not a string.
    MetadataNotString {
        /// The key.
        key: String,
        /// Absolute offset.
        offset: u64,
    },
    /// A tensor entry carries fields other than `dtype`, `shape` and `data_offsets`.
    UnknownField {
        /// Tensor name.
        name: String,
        /// The field.
        field: String,
        /// Absolute offset.
        offset: u64,
    },
}

impl SafetensorsIssue {
    /// The absolute offset the issue points at.
    pub fn offset(&self) -> u64 {
        match self {
            SafetensorsIssue::DuplicateName { offset, .. }
            | SafetensorsIssue::UnknownDtype { offset, .. }
            | SafetensorsIssue::ReversedOffsets { offset, .. }
            | SafetensorsIssue::SizeMismatch { offset, .. }
            | SafetensorsIssue::NotContiguous { offset, .. }
            | SafetensorsIssue::BufferLengthMismatch { offset, .. }
            | SafetensorsIssue::MetadataNotString { offset, .. }
            | SafetensorsIssue::UnknownField { offset, .. } => *offset,
        }
    }
}

/// One tensor of a safetensors header, with its absolute byte range in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetensorsTensor {
    /// Tensor name.
    pub name: String,
    /// dtype string as written (`F32`, `BF16`, ...).
    pub dtype: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Absolute start of the data in the file.
    pub start: u64,
    /// Absolute end (exclusive).
    pub end: u64,
}

/// A parsed safetensors header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetensorsHeader {
    /// Declared header length N.
    pub header_len: u64,
    /// Tensors in header order (duplicates kept).
    pub tensors: Vec<SafetensorsTensor>,
    /// `__metadata__` string pairs.
    pub metadata: Vec<(String, String)>,
    /// Everything wrong but parseable.
    pub issues: Vec<SafetensorsIssue>,
}

/// Bits per element of each safetensors dtype (`Dtype::bitsize` in the reference crate).
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

fn field_err(what: &'static str, name: &str, v: &Json, offset: u64) -> SafetensorsError {
    SafetensorsError::BadField {
        what,
        name: name.to_owned(),
        found: v.kind(),
        offset,
    }
}

impl SafetensorsHeader {
    /// Parses and validates the header of a safetensors file held in `data`.
    pub fn parse(data: &[u8], limits: &Limits) -> Result<Self, SafetensorsError> {
        let file_len = to_u64(data.len());
        let n = Cursor::at(data, 0)
            .u64()
            .ok_or(SafetensorsError::TooShort { file_len })?;
        if n > limits.max_safetensors_header {
            return Err(SafetensorsError::HeaderTooLarge {
                declared: n,
                limit: limits.max_safetensors_header,
            });
        }
        let past_end = SafetensorsError::HeaderPastEnd {
            declared: n,
            file_len,
        };
        let end = to_usize(n.checked_add(8).ok_or(past_end.clone())?).ok_or(past_end.clone())?;
        let raw = data.get(8..end).ok_or(past_end)?;
        let text = std::str::from_utf8(raw).map_err(|e| SafetensorsError::NotUtf8 {
            offset: 8 + to_u64(e.valid_up_to()),
        })?;
        let root =
            json::parse(text, limits.max_json_depth).map_err(|e| SafetensorsError::BadJson {
                expected: e.what,
                offset: 8 + to_u64(e.offset),
            })?;
        let Json::Object(members) = root else {
            return Err(field_err("the header must be an object", "", &root, 8));
        };
        let mut header = SafetensorsHeader {
            header_len: n,
            tensors: Vec::new(),
            metadata: Vec::new(),
            issues: Vec::new(),
        };
        let buffer_start = 8 + n;
        let mut seen = std::collections::HashSet::new();
        for (at, name, value) in &members {
            let offset = 8 + to_u64(*at);
            if !seen.insert(name.as_str()) {
                header.issues.push(SafetensorsIssue::DuplicateName {
                    name: name.clone(),
                    offset,
                });
            }
            if name == "__metadata__" {
                header.read_metadata(value, offset)?;
            } else {
                header.read_tensor(name, value, offset, buffer_start)?;
            }
        }
        header.check_layout(buffer_start, file_len);
        Ok(header)
    }

    fn read_metadata(&mut self, value: &Json, offset: u64) -> Result<(), SafetensorsError> {
        let Json::Object(pairs) = value else {
            return Err(field_err(
                "__metadata__ must be an object",
                "__metadata__",
                value,
                offset,
            ));
        };
        for (at, key, v) in pairs {
            if let Json::String(s) = v {
                self.metadata.push((key.clone(), s.clone()));
            } else {
                self.issues.push(SafetensorsIssue::MetadataNotString {
                    key: key.clone(),
                    offset: 8 + to_u64(*at),
                });
            }
        }
        Ok(())
    }

    fn read_tensor(
        &mut self,
        name: &str,
        value: &Json,
        offset: u64,
        buffer_start: u64,
    ) -> Result<(), SafetensorsError> {
        let Json::Object(fields) = value else {
            return Err(field_err(
                "a tensor entry must be an object",
                name,
                value,
                offset,
            ));
        };
        let (mut dtype, mut shape, mut offsets) = (None, None, None);
        for (at, field, v) in fields {
            match field.as_str() {
                "dtype" => dtype = Some(v),
                "shape" => shape = Some(v),
                "data_offsets" => offsets = Some(v),
                other => self.issues.push(SafetensorsIssue::UnknownField {
                    name: name.to_owned(),
                    field: other.to_owned(),
                    offset: 8 + to_u64(*at),
                }),
            }
        }
        let missing = |what| field_err(what, name, value, offset);
        let Some(Json::String(dtype)) = dtype else {
            return Err(missing("dtype must be a string"));
        };
        let Some(Json::Array(shape)) = shape else {
            return Err(missing("shape must be an array"));
        };
        let shape = shape
            .iter()
            .map(|(_, d)| d.as_u64())
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| missing("shape must hold non-negative integers"))?;
        let offsets = match offsets {
            Some(Json::Array(o)) => o
                .iter()
                .map(|(_, d)| d.as_u64())
                .collect::<Option<Vec<u64>>>(),
            _ => None,
        };
        let Some(&[start, end]) = offsets.as_deref() else {
            return Err(missing("data_offsets must be two non-negative integers"));
        };
        let issue_name = || name.to_owned();
        if end < start {
            self.issues.push(SafetensorsIssue::ReversedOffsets {
                name: issue_name(),
                offset,
            });
        }
        match dtype_bits(dtype) {
            None => self.issues.push(SafetensorsIssue::UnknownDtype {
                name: issue_name(),
                dtype: dtype.clone(),
                offset,
            }),
            Some(bits) => {
                let expected = shape
                    .iter()
                    .try_fold(1u64, |acc, &d| acc.checked_mul(d))
                    .and_then(|numel| numel.checked_mul(bits))
                    .filter(|total_bits| total_bits % 8 == 0)
                    .map(|total_bits| total_bits / 8);
                let actual = end.saturating_sub(start);
                if expected != Some(actual) {
                    self.issues.push(SafetensorsIssue::SizeMismatch {
                        name: issue_name(),
                        actual,
                        expected,
                        offset,
                    });
                }
            }
        }
        self.tensors.push(SafetensorsTensor {
            name: name.to_owned(),
            dtype: dtype.clone(),
            shape,
            start: buffer_start.saturating_add(start),
            end: buffer_start.saturating_add(end),
        });
        Ok(())
    }

    /// Offsets sorted, contiguous from 0, and the last one reaching the end of the file.
    fn check_layout(&mut self, buffer_start: u64, file_len: u64) {
        let mut order: Vec<&SafetensorsTensor> = self.tensors.iter().collect();
        order.sort_by_key(|t| (t.start, t.end));
        let mut expected = buffer_start;
        for t in order {
            if t.start != expected {
                self.issues.push(SafetensorsIssue::NotContiguous {
                    name: t.name.clone(),
                    expected_start: expected - buffer_start,
                    start: t.start - buffer_start,
                    offset: buffer_start,
                });
            }
            expected = expected.max(t.end);
        }
        let covered = expected - buffer_start;
        let buffer = file_len.saturating_sub(buffer_start);
        if covered != buffer {
            self.issues.push(SafetensorsIssue::BufferLengthMismatch {
                covered,
                buffer,
                offset: buffer_start,
            });
        }
    }
}
