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

/// The header bytes: length prefix, JSON, padding. `entries` are `(name, entry)` pairs in
/// data order (written in that order, so the JSON reads like the file); `metadata` is omitted
/// when empty. The JSON is written piece by piece rather than through a map of values, so a
/// header of a million tensors costs its own size, not several times it.
pub fn encode<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a HeaderEntry)>,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = vec![0u8; 8];
    out.push(b'{');
    let mut first = true;
    if !metadata.is_empty() {
        out.extend_from_slice(b"\"__metadata__\":");
        serde_json::to_writer(&mut out, metadata)?;
        first = false;
    }
    for (name, entry) in entries {
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut out, name)?;
        out.push(b':');
        serde_json::to_writer(&mut out, entry)?;
    }
    out.push(b'}');
    // 8 + N must be a multiple of the alignment; since 8 is, N must be too.
    let json_len = out.len() as u64 - 8;
    let pad = (ALIGNMENT - json_len % ALIGNMENT) % ALIGNMENT;
    out.extend(std::iter::repeat_n(b' ', usize::try_from(pad).unwrap_or(0)));
    let n = out.len() as u64 - 8;
    if let Some(prefix) = out.get_mut(..8) {
        prefix.copy_from_slice(&n.to_le_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_prefixed() {
        let entry = HeaderEntry {
            dtype: "F32".to_owned(),
            shape: vec![2],
            data_offsets: [0, 8],
        };
        let mut meta = BTreeMap::new();
        meta.insert("format".to_owned(), "pt".to_owned());
        let bytes = encode([("w\"x", &entry)], &meta).unwrap();
        assert_eq!(bytes.len() % 8, 0);
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
        assert_eq!(n, bytes.len() as u64 - 8);
        let text = std::str::from_utf8(&bytes[8..]).unwrap();
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(value["w\"x"]["data_offsets"], serde_json::json!([0, 8]));
        assert!(text.starts_with(r#"{"__metadata__":{"format":"pt"},"w\"x":{"dtype":"F32""#));
        assert_eq!(value["__metadata__"]["format"], "pt");
    }
}
