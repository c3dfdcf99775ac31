//! The JSON text a plain value gets in `__metadata__` (docs/convert.md, "Values in the
//! metadata"). Every value `torch.load(weights_only=True)` returns as plain data has one
//! spelling; anything else (an object torchward cannot read as data) has none and is refused.
//!
//! | value | JSON |
//! |---|---|
//! | None, bool, int, str | `null`, `true`, `3`, `"text"` |
//! | float | a number; `NaN`, `Infinity`, `-Infinity` as Python's `json.dumps` writes them |
//! | int beyond 64 bits | its decimal digits as a string: `"18446744073709551616"` |
//! | `torch.Size`, tuple | a list |
//! | set, frozenset | a sorted list |
//! | bytes, bytearray | a base64 string (RFC 4648, padded) |
//! | complex | `[re, im]` |
//! | a global used as a value (`torch.float16`) | its name as a string |
//! | `torch.device` | its string (`"cuda:0"`) |
//! | NumPy array (through a profile) | `{"dtype": "<u4", "shape": [624], "data": base64}` |

use tw_pickle::torch::Leaf;

/// A value as the JSON text stored in `__metadata__`, or `None` when it is not a plain value.
pub(crate) fn value_json(leaf: &Leaf) -> Option<String> {
    Some(match leaf {
        Leaf::None => "null".to_owned(),
        Leaf::Bool(b) => b.to_string(),
        Leaf::Int(i) => i.to_string(),
        Leaf::Float(f) => float(*f)?,
        Leaf::Str(s) | Leaf::Device(s) | Leaf::Global(s) | Leaf::BigInt(s) => {
            serde_json::to_string(s).ok()?
        }
        Leaf::Size(dims) => serde_json::to_string(dims).ok()?,
        Leaf::Tuple(items) | Leaf::Set(items) => {
            let inner: Option<Vec<String>> = items.iter().map(value_json).collect();
            format!("[{}]", inner?.join(", "))
        }
        Leaf::Bytes(bytes) => serde_json::to_string(&base64(bytes)).ok()?,
        Leaf::Complex(re, im) => format!("[{}, {}]", float(*re)?, float(*im)?),
        Leaf::Array(array) => format!(
            "{{\"dtype\": {}, \"shape\": {}, \"data\": {}}}",
            serde_json::to_string(&array.dtype).ok()?,
            serde_json::to_string(&array.shape).ok()?,
            serde_json::to_string(&base64(&array.data)).ok()?
        ),
        // A shared value is written once, where it was first listed; a second copy under
        // another key would let a pickle of references expand the header without bound.
        Leaf::Other(_) | Leaf::Shared(_) => return None,
    })
}

/// Python's `json.dumps` spelling for the floats JSON itself cannot hold.
fn float(f: f64) -> Option<String> {
    Some(if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        serde_json::to_string(&f).ok()?
    })
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
                out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tw_pickle::torch::NdArray;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }

    #[test]
    fn every_plain_value_has_its_documented_spelling() {
        let cases = [
            (Leaf::Global("torch.float16".into()), r#""torch.float16""#),
            (
                Leaf::BigInt("18446744073709551616".into()),
                r#""18446744073709551616""#,
            ),
            (
                Leaf::Set(vec![Leaf::Int(1), Leaf::Str("a".into())]),
                r#"[1, "a"]"#,
            ),
            (Leaf::Bytes(vec![0, 1, 255]), r#""AAH/""#),
            (Leaf::Complex(1.0, -2.5), "[1.0, -2.5]"),
            (Leaf::Float(f64::NAN), "NaN"),
            (
                Leaf::Array(NdArray {
                    dtype: "<u4".into(),
                    shape: vec![1],
                    data: vec![1, 0, 0, 0],
                }),
                r#"{"dtype": "<u4", "shape": [1], "data": "AQAAAA=="}"#,
            ),
        ];
        for (leaf, expected) in cases {
            assert_eq!(value_json(&leaf).as_deref(), Some(expected), "{leaf:?}");
        }
        assert_eq!(value_json(&Leaf::Other("call x.Y".into())), None);
    }
}
