//! torch's legacy non-zip stream (`torch/serialization.py:_legacy_save`/`_legacy_load`): five
//! pickles back to back (magic number, protocol version, sys_info, the object graph, the sorted
//! storage key list), then for each key an `int64` LE element count and the raw bytes. The
//! element size comes from the object pickle's storages, so walking the records is a separate
//! step ([`LegacyStream::records`]) fed with each key's element size.

use std::collections::HashMap;

use serde::Serialize;
use tw_pickle::{ParseOptions, Profile};

use crate::cursor::{to_u64, to_usize, Cursor};
use crate::pickle_frame::{self, FrameError};

/// `torch.serialization.MAGIC_NUMBER`, pickled as a LONG1 by `_legacy_save`.
pub const MAGIC_NUMBER: u128 = 0x1950_A86A_20F9_469C_FC6C;
/// `torch.serialization.PROTOCOL_VERSION`.
pub const PROTOCOL_VERSION: u64 = 1001;

/// Why a legacy stream cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyError {
    /// One of the five pickles does not frame.
    #[error("legacy stream pickle #{index} at offset {offset}: {source}")]
    Pickle {
        /// 1-based pickle number.
        index: usize,
        /// Where it starts.
        offset: u64,
        /// The framing error (offset relative to the pickle start).
        source: FrameError,
    },
    /// Pickle #1 is not the magic number.
    #[error("legacy stream: pickle #1 at offset 0 is not torch's magic number")]
    BadMagic,
    /// Pickle #2 is not protocol version 1001.
    #[error("legacy stream: pickle #2 at offset {offset} is not protocol version 1001")]
    BadProtocol {
        /// Where pickle #2 starts.
        offset: u64,
    },
    /// Pickle #5 is not a plain list of strings.
    #[error("legacy stream: pickle #5 at offset {offset} is not a list of storage keys")]
    BadKeyList {
        /// Where pickle #5 starts.
        offset: u64,
    },
    /// A key of the list has no storage of known element size in the object pickle.
    #[error("legacy stream: storage key {key:?} has no storage in the object pickle")]
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A record's count is negative or its bytes run past the file.
    #[error("legacy stream: storage {key:?} at offset {offset} declares {count} elements of {element_size} bytes but only {available} bytes remain")]
    RecordPastEnd {
        /// The key.
        key: String,
        /// Offset of the count.
        offset: u64,
        /// Declared element count (as read, signed).
        count: i64,
        /// Element size used.
        element_size: u64,
        /// Bytes left after the count.
        available: u64,
    },
    /// A member of a legacy tar checkpoint cannot be walked as `legacy_load` reads it (the
    /// pickles before this point are still handed out).
    #[error("legacy tar member {member:?} at offset {offset}: {what}")]
    TarMember {
        /// The member (`storages`, `tensors`).
        member: &'static str,
        /// Absolute offset where the walk stopped.
        offset: u64,
        /// What was wrong.
        what: &'static str,
    },
    /// Too many storage keys.
    #[error("legacy stream: {count} storage keys exceed the limit {limit}")]
    TooManyKeys {
        /// Keys found.
        count: usize,
        /// `Limits::max_legacy_storages`.
        limit: usize,
    },
}

/// Where one of the five pickles lies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickleSpan {
    /// Start offset.
    pub start: u64,
    /// Offset just past its STOP.
    pub end: u64,
}

/// One storage record of the stream: its element count and raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyRecord {
    /// Storage key.
    pub key: String,
    /// Element count read from the stream.
    pub count: u64,
    /// Offset of the count.
    pub offset: u64,
    /// Absolute start of the raw bytes.
    pub start: u64,
    /// Absolute end (exclusive).
    pub end: u64,
}

/// A legacy stream's framing: the five pickles and the storage key list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyStream {
    /// magic, protocol, sys_info, objects, keys.
    pub pickles: [PickleSpan; 5],
    /// The storage keys in stream order.
    pub keys: Vec<String>,
    /// Where the first storage record starts.
    pub records_start: u64,
    /// Pickle #1 computes the magic number (a call) instead of holding it as a literal: torch
    /// unpickles it before anything else to compare the value (GHSA-97f8-7cmv-76j2).
    pub magic_computed: bool,
}

/// Whether `data` begins with the magic-number pickle (cheap sniff).
pub fn has_magic(data: &[u8]) -> bool {
    let Ok(f) = pickle_frame::frame(data, 0, false) else {
        return false;
    };
    data.get(..f.end).and_then(integer_pickle) == Some(MAGIC_NUMBER)
}

/// Whether `data` is a legacy stream as `torch.load` decides: it unpickles pickle #1 and
/// compares the value with the magic number, so a pickle #1 that computes the number (a call
/// such as `eval('0x1950...')`, GHSA-97f8-7cmv-76j2) is read as one too. Besides the literal
/// magic, a pickle #1 that is not a literal integer counts when pickle #2 is the protocol
/// version 1001 and pickle #3 a dict (sys_info), the shape `_legacy_save` writes.
pub fn is_legacy_stream(data: &[u8]) -> bool {
    has_magic(data) || computed_magic(data)
}

/// Pickle #1 frames but is not a literal integer, pickle #2 is 1001 and pickle #3 a dict.
fn computed_magic(data: &[u8]) -> bool {
    let Ok(first) = pickle_frame::frame(data, 0, false) else {
        return false;
    };
    let Ok(second) = pickle_frame::frame(data, first.end, false) else {
        return false;
    };
    let Ok(third) = pickle_frame::frame(data, second.end, false) else {
        return false;
    };
    data.get(..first.end)
        .is_some_and(|p| integer_pickle(p).is_none())
        && data.get(first.end..second.end).and_then(integer_pickle)
            == Some(u128::from(PROTOCOL_VERSION))
        && data.get(second.end..third.end).is_some_and(dict_pickle)
}

/// Whether a pickle starts building a dict (`EMPTY_DICT`, or protocol 0's `MARK DICT`) after
/// its optional PROTO and FRAME opcodes.
fn dict_pickle(p: &[u8]) -> bool {
    let mut c = Cursor::at(p, 0);
    loop {
        match c.u8() {
            Some(0x80) => {
                if c.u8().is_none() {
                    return false;
                }
            }
            Some(0x95) => {
                if c.u64().is_none() {
                    return false;
                }
            }
            Some(b'}') => return true,
            Some(b'(') => return c.u8() == Some(b'd'),
            _ => return false,
        }
    }
}

/// The value of a pickle that is one non-negative integer (any encoding torch could write).
pub(crate) fn integer_pickle(p: &[u8]) -> Option<u128> {
    let mut c = Cursor::at(p, 0);
    let mut op = c.u8()?;
    if op == 0x80 {
        c.u8()?;
        op = c.u8()?;
    }
    let value = match op {
        0x8a => {
            let n = usize::from(c.u8()?);
            let bytes = c.bytes(n)?;
            if n > 16 || bytes.last().is_some_and(|&b| b & 0x80 != 0) {
                return None;
            }
            bytes
                .iter()
                .rev()
                .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
        }
        b'M' => u128::from(c.u16()?),
        b'K' => u128::from(c.u8()?),
        b'J' => u128::try_from(i32::from_le_bytes(c.u32()?.to_le_bytes())).ok()?,
        b'I' | b'L' => {
            let n = c.remaining().iter().position(|&b| b == b'\n')?;
            let text = std::str::from_utf8(c.bytes(n)?).ok()?;
            c.u8()?;
            text.trim_end_matches('L').parse().ok()?
        }
        _ => return None,
    };
    (c.u8()? == b'.' && c.remaining().is_empty()).then_some(value)
}

/// Element size of each storage key named by the persistent ids of the object pickle (pickle
/// #4), as `_legacy_load` takes it from the storage type before reading a record; `None` when
/// the pickle does not parse or its tensors cannot be extracted. The first reference of a key
/// decides, as in [`crate::TensorTable::build`].
pub fn element_sizes(objects_pickle: &[u8]) -> Option<HashMap<String, u64>> {
    let parsed = tw_pickle::parse(objects_pickle, &ParseOptions::new(Profile::Scan));
    if !parsed.is_complete() {
        return None;
    }
    let table = tw_pickle::torch::extract(&parsed).ok()?;
    let mut sizes = HashMap::new();
    for storage in table.tensors.iter().filter_map(|t| t.storage.as_ref()) {
        sizes
            .entry(storage.key.clone())
            .or_insert_with(|| storage.dtype.element_size());
    }
    Some(sizes)
}

impl LegacyStream {
    /// Frames the five pickles and reads the key list.
    pub fn parse(data: &[u8], max_keys: usize) -> Result<Self, LegacyError> {
        let mut spans = Vec::with_capacity(5);
        let mut pos = 0usize;
        for index in 1..=5 {
            let f =
                pickle_frame::frame(data, pos, false).map_err(|source| LegacyError::Pickle {
                    index,
                    offset: to_u64(pos),
                    source: FrameError {
                        what: source.what,
                        offset: source.offset.saturating_sub(to_u64(pos)),
                    },
                })?;
            spans.push((pos, f.end));
            pos = f.end;
        }
        let slice = |i: usize| {
            spans
                .get(i)
                .and_then(|&(s, e)| data.get(s..e))
                .unwrap_or_default()
        };
        let start_of = |i: usize| to_u64(spans.get(i).map_or(0, |s| s.0));
        let magic_computed = match integer_pickle(slice(0)) {
            Some(MAGIC_NUMBER) => false,
            // torch compares the value pickle #1 returns: one that is computed (a call) cannot
            // be judged without running it, and is accepted when the rest has the stream's
            // shape (its globals are the scanner's business).
            None if computed_magic(data) => true,
            _ => return Err(LegacyError::BadMagic),
        };
        if integer_pickle(slice(1)) != Some(u128::from(PROTOCOL_VERSION)) {
            return Err(LegacyError::BadProtocol {
                offset: start_of(1),
            });
        }
        let keys = pickle_frame::string_list(slice(4)).ok_or(LegacyError::BadKeyList {
            offset: start_of(4),
        })?;
        if keys.len() > max_keys {
            return Err(LegacyError::TooManyKeys {
                count: keys.len(),
                limit: max_keys,
            });
        }
        let span = |i: usize| {
            let (s, e) = spans.get(i).copied().unwrap_or_default();
            PickleSpan {
                start: to_u64(s),
                end: to_u64(e),
            }
        };
        Ok(LegacyStream {
            pickles: [span(0), span(1), span(2), span(3), span(4)],
            keys,
            records_start: to_u64(pos),
            magic_computed,
        })
    }

    /// Walks the storage records in key order; `element_size(key)` gives each storage's
    /// element size from the object pickle. Each count is checked against the bytes left
    /// before anything is sized from it. Returns the records and where they end.
    pub fn records(
        &self,
        data: &[u8],
        element_size: impl Fn(&str) -> Option<u64>,
    ) -> Result<(Vec<LegacyRecord>, u64), LegacyError> {
        let mut out = Vec::with_capacity(self.keys.len());
        let mut pos = self.records_start;
        let file_len = to_u64(data.len());
        for key in &self.keys {
            crate::pages::touched();
            let size =
                element_size(key).ok_or_else(|| LegacyError::UnknownKey { key: key.clone() })?;
            let raw = to_usize(pos)
                .and_then(|p| Cursor::at(data, p).u64())
                .map(|v| i64::from_le_bytes(v.to_le_bytes()));
            let available = file_len.saturating_sub(pos.saturating_add(8));
            let past_end = |count| LegacyError::RecordPastEnd {
                key: key.clone(),
                offset: pos,
                count,
                element_size: size,
                available,
            };
            let count_signed = raw.ok_or_else(|| past_end(-1))?;
            let count = u64::try_from(count_signed).map_err(|_| past_end(count_signed))?;
            let bytes = count
                .checked_mul(size)
                .ok_or_else(|| past_end(count_signed))?;
            if bytes > available {
                return Err(past_end(count_signed));
            }
            let start = pos + 8;
            out.push(LegacyRecord {
                key: key.clone(),
                count,
                offset: pos,
                start,
                end: start + bytes,
            });
            pos = start + bytes;
        }
        Ok((out, pos))
    }
}
