//! The safetensors header (huggingface/safetensors README "Format"): 8 bytes little-endian
//! `N`, then `N` bytes of UTF-8 JSON mapping each tensor name to `dtype`, `shape` and
//! `data_offsets` `[begin, end)` relative to the byte buffer, plus an optional `__metadata__`
//! string-to-string map. The JSON is padded with spaces so the buffer starts 8-byte aligned,
//! as the reference writer does. Offsets are contiguous from 0 in the order given.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One tensor entry of the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderEntry {
    /// safetensors dtype (`F32`, `BF16`, ...).
    pub dtype: String,
    /// Sizes.
    pub shape: Vec<u64>,
    /// `[begin, end)` in the byte buffer.
    pub data_offsets: [u64; 2],
}

/// The alignment of the byte buffer.
pub const ALIGNMENT: u64 = 8;

/// The header bytes: length prefix, JSON, padding. `entries` are `(name, entry)` pairs;
/// `metadata` is omitted when empty.
pub fn encode(
    entries: &[(String, HeaderEntry)],
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut map = serde_json::Map::new();
    if !metadata.is_empty() {
        map.insert("__metadata__".to_owned(), serde_json::to_value(metadata)?);
    }
    for (name, entry) in entries {
        map.insert(name.clone(), serde_json::to_value(entry)?);
    }
    let mut json = serde_json::to_vec(&serde_json::Value::Object(map))?;
    // 8 + N must be a multiple of the alignment; since 8 is, N must be too.
    let pad = (ALIGNMENT - (json.len() as u64 % ALIGNMENT)) % ALIGNMENT;
    json.extend(std::iter::repeat_n(b' ', usize::try_from(pad).unwrap_or(0)));
    let mut out = Vec::with_capacity(8 + json.len());
    out.extend((json.len() as u64).to_le_bytes());
    out.extend(json);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_prefixed() {
        let entries = vec![(
            "w".to_owned(),
            HeaderEntry {
                dtype: "F32".to_owned(),
                shape: vec![2],
                data_offsets: [0, 8],
            },
        )];
        let mut meta = BTreeMap::new();
        meta.insert("format".to_owned(), "pt".to_owned());
        let bytes = encode(&entries, &meta).unwrap();
        assert_eq!(bytes.len() % 8, 0);
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
        assert_eq!(n, bytes.len() as u64 - 8);
        let text = std::str::from_utf8(&bytes[8..]).unwrap();
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(value["w"]["data_offsets"], serde_json::json!([0, 8]));
        assert_eq!(value["__metadata__"]["format"], "pt");
    }
}
