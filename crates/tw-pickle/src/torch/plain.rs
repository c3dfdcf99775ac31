//! Plain values the walk reads whole, never by calling anything: big ints (as decimal text),
//! sets of plain values (sorted), and what profile globals build (enum values, paths, `NumPy`
//! arrays, scalars and dtypes; see [`crate::profiles::GlobalKind`]). Anything that does not
//! have the exact shape expected is `None`, and the caller falls back to a container walk or
//! an opaque value.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::graph::{BigInt, Graph, Node, NodeId, Object};
use crate::profiles::GlobalKind;
use crate::torch::{Leaf, NdArray};

/// Largest little-endian big int turned into decimal (LONG4 can hold 2^32 bytes; the
/// quadratic conversion is bounded here, larger ones stay opaque).
const MAX_BIG_INT_BYTES: usize = 1024;

/// A scalar node as a leaf: None, bool, int, big int, float, str, bytes.
pub(crate) fn scalar(graph: &Graph<'_>, id: NodeId) -> Option<Leaf> {
    match graph.node(id)? {
        Node::None => Some(Leaf::None),
        Node::Bool(b) => Some(Leaf::Bool(*b)),
        Node::Int(i) => Some(Leaf::Int(*i)),
        Node::BigIntDecimal(_) | Node::BigIntLe(_) => big_int(graph, id),
        Node::Float(f) => Some(Leaf::Float(*f)),
        Node::Str(_) | Node::StrOwned(_) => graph.as_str(id).map(|s| Leaf::Str(s.to_owned())),
        Node::Bytes(_) | Node::BytesOwned(_) => graph.as_bytes(id).map(|b| Leaf::Bytes(b.to_vec())),
        _ => None,
    }
}

/// A big int as [`Leaf::BigInt`] decimal text.
pub(crate) fn big_int(graph: &Graph<'_>, id: NodeId) -> Option<Leaf> {
    match graph.as_big_int(id)? {
        BigInt::Decimal(text) => {
            let digits = text.trim().trim_end_matches('L');
            let body = digits.strip_prefix('-').unwrap_or(digits);
            (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()))
                .then(|| Leaf::BigInt(digits.to_owned()))
        }
        BigInt::LittleEndian(bytes) if bytes.len() <= MAX_BIG_INT_BYTES => {
            Some(Leaf::BigInt(le_to_decimal(bytes)))
        }
        BigInt::LittleEndian(_) => None,
    }
}

/// Two's-complement little-endian bytes as decimal text.
fn le_to_decimal(bytes: &[u8]) -> String {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    // Magnitude, big-endian base-256 digits.
    let mut magnitude: Vec<u8> = bytes.iter().rev().copied().collect();
    if negative {
        // -x = !x + 1 over the whole width.
        for b in &mut magnitude {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
    }
    // Repeated division by 10^9 (schoolbook), least significant chunk first.
    let mut chunks: Vec<u32> = Vec::new();
    let mut number = magnitude;
    while number.iter().any(|&b| b != 0) {
        let mut rem: u64 = 0;
        for b in &mut number {
            let cur = (rem << 8) | u64::from(*b);
            *b = u8::try_from(cur / 1_000_000_000).unwrap_or(0);
            rem = cur % 1_000_000_000;
        }
        chunks.push(u32::try_from(rem).unwrap_or(0));
    }
    let mut text = String::from(if negative { "-" } else { "" });
    match chunks.split_last() {
        None => text.push('0'),
        Some((most, rest)) => {
            text.push_str(&most.to_string());
            for chunk in rest.iter().rev() {
                let _ = write!(text, "{chunk:09}");
            }
        }
    }
    text
}

/// A set or frozenset whose items are all scalars, sorted.
pub(crate) fn set(graph: &Graph<'_>, items: &[NodeId]) -> Option<Leaf> {
    let mut leaves: Vec<Leaf> = items
        .iter()
        .map(|&item| scalar(graph, item))
        .collect::<Option<_>>()?;
    leaves.sort_by(compare);
    Some(Leaf::Set(leaves))
}

/// Numbers (by value), then strings, then everything else by its debug text.
fn compare(a: &Leaf, b: &Leaf) -> Ordering {
    fn rank(leaf: &Leaf) -> u8 {
        match leaf {
            Leaf::Bool(_) | Leaf::Int(_) | Leaf::Float(_) | Leaf::BigInt(_) => 0,
            Leaf::Str(_) => 1,
            _ => 2,
        }
    }
    fn number(leaf: &Leaf) -> f64 {
        #[allow(clippy::cast_precision_loss)] // ordering only
        match leaf {
            Leaf::Bool(b) => f64::from(u8::from(*b)),
            Leaf::Int(i) => *i as f64,
            Leaf::Float(f) => *f,
            Leaf::BigInt(text) => text.parse::<f64>().unwrap_or(0.0),
            _ => 0.0,
        }
    }
    rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
        (Leaf::Str(x), Leaf::Str(y)) => x.cmp(y),
        _ if rank(a) == 0 => number(a).total_cmp(&number(b)),
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    })
}

/// What a call of a profile global of `kind` builds, when it has the expected shape.
pub(crate) fn profile_value(graph: &Graph<'_>, object: &Object, kind: GlobalKind) -> Option<Leaf> {
    let args = graph.as_tuple(object.args)?;
    match kind {
        GlobalKind::Enum => match args {
            [value] => scalar(graph, *value),
            _ => None,
        },
        GlobalKind::Path => {
            let parts: Vec<&str> = args
                .iter()
                .map(|&a| graph.as_str(a))
                .collect::<Option<_>>()?;
            Some(Leaf::Str(join_path(&parts)))
        }
        GlobalKind::ArrayReconstruct => ndarray(graph, object),
        GlobalKind::ArrayScalar => {
            let [dtype, data] = args else { return None };
            let dtype = dtype_string(graph, *dtype)?;
            let data = bytes_of(graph, *data)?;
            Some(Leaf::Array(NdArray {
                dtype,
                shape: Vec::new(),
                data,
            }))
        }
        GlobalKind::ArrayDType => dtype_of_call(graph, object).map(Leaf::Str),
        GlobalKind::Class | GlobalKind::TensorRebuild | GlobalKind::Type => None,
    }
}

/// `pathlib` joins parts with `/`, a leading `/` part being the root.
fn join_path(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

/// Bytes given as a bytes node or as `_codecs.encode(text, 'latin1')` (protocol 2 pickles
/// write bytes that way); the one reading of pickled bytes for tensors, values and nested
/// pickles alike.
pub fn bytes_of(graph: &Graph<'_>, id: NodeId) -> Option<Vec<u8>> {
    if let Some(bytes) = graph.as_bytes(id) {
        return Some(bytes.to_vec());
    }
    let object = graph.object_of(id)?;
    if !graph.global_of(object.callable)?.key_eq("_codecs.encode") {
        return None;
    }
    let text = graph.as_str(*graph.as_tuple(object.args)?.first()?)?;
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// The state BUILD gave `object` (the last one), when there is exactly one.
fn state(graph: &Graph<'_>, object: &Object) -> Option<NodeId> {
    match graph.mutations(object).states.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// `numpy.dtype(code, align, copy)` with BUILD state `(version, byteorder, ...)`: `<u4`.
fn dtype_of_call(graph: &Graph<'_>, object: &Object) -> Option<String> {
    let code = graph.as_str(*graph.as_tuple(object.args)?.first()?)?;
    if !code.bytes().all(|b| b.is_ascii_alphanumeric()) || code.starts_with('O') {
        return None; // object, structured or unusual dtypes are not plain data
    }
    let order = match state(graph, object).and_then(|s| graph.as_tuple(s)) {
        Some(items) => items.get(1).and_then(|&o| graph.as_str(o)).unwrap_or("|"),
        None => "|",
    };
    if !matches!(order, "<" | ">" | "|" | "=") {
        return None;
    }
    Some(format!("{order}{code}"))
}

/// The dtype string of a node made by a `numpy.dtype` call.
fn dtype_string(graph: &Graph<'_>, id: NodeId) -> Option<String> {
    let object = graph.object_of(id)?;
    let global = graph.global_of(object.callable)?;
    if !global.key_eq("numpy.dtype") {
        return None;
    }
    dtype_of_call(graph, object)
}

/// `_reconstruct(ndarray, (0,), b'b')` with BUILD state
/// `(version, shape, dtype, is_fortran, rawdata)`: a C-order array of plain bytes.
fn ndarray(graph: &Graph<'_>, object: &Object) -> Option<Leaf> {
    let items = graph.as_tuple(state(graph, object)?)?;
    let [_, shape, dtype, fortran, raw] = items else {
        return None;
    };
    let shape: Vec<u64> = graph
        .as_tuple(*shape)?
        .iter()
        .map(|&d| graph.as_int(d).and_then(|d| u64::try_from(d).ok()))
        .collect::<Option<_>>()?;
    let dtype = dtype_string(graph, *dtype)?;
    let element: u64 = dtype
        .get(2..)
        .and_then(|n| n.parse().ok())
        .filter(|n: &u64| *n > 0)?;
    let numel = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
    let data = bytes_of(graph, *raw)?;
    let is_fortran = graph.as_int(*fortran)? != 0;
    // A Fortran-order array of more than one dimension lays bytes out differently.
    if (is_fortran && shape.len() > 1) || numel.checked_mul(element)? != data.len() as u64 {
        return None;
    }
    Some(Leaf::Array(NdArray { dtype, shape, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_big_ints_in_decimal() {
        assert_eq!(le_to_decimal(&[]), "0");
        assert_eq!(le_to_decimal(&[0xff]), "-1");
        assert_eq!(le_to_decimal(&[0x00, 0x80]), "-32768");
        // 2**64
        assert_eq!(
            le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "18446744073709551616"
        );
        // -(2**64)
        assert_eq!(
            le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff]),
            "-18446744073709551616"
        );
        assert_eq!(join_path(&["/", "tmp", "x"]), "/tmp/x");
        assert_eq!(join_path(&["a", "b"]), "a/b");
    }

    #[test]
    fn sets_sort_numbers_then_strings() {
        let mut items = vec![
            Leaf::Str("b".into()),
            Leaf::Int(10),
            Leaf::Str("a".into()),
            Leaf::Float(2.5),
        ];
        items.sort_by(compare);
        assert_eq!(
            items,
            vec![
                Leaf::Float(2.5),
                Leaf::Int(10),
                Leaf::Str("a".into()),
                Leaf::Str("b".into())
            ]
        );
    }
}
