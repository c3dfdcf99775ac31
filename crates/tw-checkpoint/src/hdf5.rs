//! HDF5 files, as far as Keras reads code from them. torchward has no HDF5 parser: a Keras `.h5`
//! model keeps its architecture as JSON text in the root group's `model_config` attribute,
//! which h5py stores as a contiguous string, so the first [`SEARCH_WINDOW`] bytes are searched
//! for JSON objects that open with `{"class_name"` and each one that parses is read as a Keras
//! config. A config stored further in (or split by a fractal heap) is not seen; the docs say so.

use crate::json::{self, Json};
use crate::keras::{code_in_value, KerasCode};

/// The HDF5 format signature (HDF5 File Format Specification, section II.A).
pub const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Bytes searched for a Keras config: Keras writes `model_config` before any weight, so it
/// sits in the first few kilobytes of real files.
pub const SEARCH_WINDOW: usize = 64 << 20;

/// Most candidate JSON objects tried.
const MAX_CANDIDATES: usize = 64;

/// Whether `data` is HDF5: the signature at offset 0, or at 512, 1024 or 2048 after a user
/// block (the spec allows any power of two from 512; larger user blocks are not searched).
pub fn has_signature(data: &[u8]) -> bool {
    [0usize, 512, 1024, 2048]
        .iter()
        .any(|&at| data.get(at..at + SIGNATURE.len()) == Some(SIGNATURE.as_slice()))
}

/// What the search found: whether any Keras config was read, and its code-bearing parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Hdf5Keras {
    /// A JSON object with a `class_name` member was found and parsed.
    pub config_found: bool,
    /// Its code-bearing parts.
    pub code: Vec<KerasCode>,
    /// Whether the file is longer than the window searched.
    pub truncated_search: bool,
}

/// Searches the start of an HDF5 file for Keras configs.
pub fn search(data: &[u8]) -> Hdf5Keras {
    const NEEDLE: &[u8] = b"{\"class_name\"";
    let window = data
        .get(..SEARCH_WINDOW.min(data.len()))
        .unwrap_or_default();
    let mut out = Hdf5Keras {
        truncated_search: data.len() > window.len(),
        ..Hdf5Keras::default()
    };
    let mut pos = 0usize;
    let mut tried = 0usize;
    while tried < MAX_CANDIDATES {
        crate::pages::touched();
        let Some(found) = window
            .get(pos..)
            .and_then(|rest| rest.windows(NEEDLE.len()).position(|w| w == NEEDLE))
        else {
            break;
        };
        let start = pos + found;
        tried += 1;
        match json::parse_prefix(window.get(start..).unwrap_or_default(), 256) {
            Ok((value @ Json::Object(_), len)) => {
                out.config_found = true;
                out.code.extend(code_in_value(&value));
                // Objects nested in this one are part of it: continue after it.
                pos = start + len.max(1);
            }
            _ => pos = start + 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_lambda_in_an_attribute() {
        let mut file = SIGNATURE.to_vec();
        file.extend_from_slice(&[0u8; 100]);
        file.extend_from_slice(
            br#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEA", null, null], "function_type": "lambda"}}]}}"#,
        );
        file.extend_from_slice(&[0u8; 10]);
        assert!(has_signature(&file));
        let found = search(&file);
        assert!(found.config_found);
        assert!(matches!(
            found.code.as_slice(),
            [KerasCode::Lambda { bytecode: true, .. }]
        ));
        assert!(!search(SIGNATURE).config_found);
    }
}
