//! Properties: arbitrary bytes never panic in either profile or in extraction; random nested
//! values written as pickles (protocol-2 style with BINPUT/BINGET, protocol-4 style with FRAME
//! and MEMOIZE) parse back to the same value.

use proptest::prelude::*;
use tw_pickle::{parse, torch, ParseOptions, Profile};

use crate::value::{to_value, V};

fn run_everything(bytes: &[u8]) {
    for profile in [Profile::WeightsOnly, Profile::Scan] {
        let parsed = parse(bytes, &ParseOptions::new(profile));
        let _ = torch::extract(&parsed);
        if let Some(root) = parsed.root {
            parsed.graph.walk(root, 100, |_, _| {});
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        run_everything(&bytes);
    }

    #[test]
    fn opcode_soup_never_panics(ops in proptest::collection::vec(
        prop_oneof![
            Just(vec![b'(']), Just(vec![b't']), Just(vec![b']']), Just(vec![b'a']), Just(vec![b'e']),
            Just(vec![b'}']), Just(vec![b's']), Just(vec![b'u']), Just(vec![b'N']), Just(vec![b'R']),
            Just(vec![b'b']), Just(vec![b'Q']), Just(vec![0x81]), Just(vec![0x93]), Just(vec![b'2']),
            Just(vec![b'0']), Just(vec![b'1']), Just(vec![0x85]), Just(vec![0x94]), Just(vec![b'h', 0]),
            Just(vec![b'q', 0]), Just(b"X\x07\x00\x00\x00storage".to_vec()), Just(b"ctorch\nFloatStorage\n".to_vec()),
            Just(b"ctorch._utils\n_rebuild_tensor_v2\n".to_vec()), Just(b"ccollections\nOrderedDict\n".to_vec()),
            Just(vec![b'K', 3]), Just(vec![0x95, 4, 0, 0, 0, 0, 0, 0, 0]),
        ],
        0..64,
    )) {
        let mut bytes: Vec<u8> = ops.concat();
        bytes.push(b'.');
        run_everything(&bytes);
    }

    #[test]
    fn nested_values_round_trip(value in value_strategy(), framed in any::<bool>()) {
        let bytes = encode(&value, framed);
        let parsed = parse(&bytes, &ParseOptions::new(Profile::Scan));
        prop_assert_eq!(parsed.error.clone(), None);
        prop_assert_eq!(parsed.end, Some(bytes.len()));
        prop_assert_eq!(to_value(&parsed.graph, parsed.root.unwrap()), value);
    }
}

fn value_strategy() -> impl Strategy<Value = V> {
    let leaf = prop_oneof![
        Just(V::None),
        any::<bool>().prop_map(V::Bool),
        any::<i64>().prop_map(|i| V::Int(i128::from(i))),
        any::<i128>().prop_map(V::Int),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
            .prop_map(V::Float),
        "[a-z\u{e9}\u{4e2d}]{0,12}".prop_map(V::Str),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(V::Bytes),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(V::List),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(V::Tuple),
            proptest::collection::vec(("[a-z]{1,6}".prop_map(V::Str), inner), 0..6)
                .prop_map(V::Dict),
        ]
    })
}

/// A minimal pickler for [`V`]: protocol 2 opcodes, every container memoised (BINPUT, or MEMOIZE
/// and one enclosing FRAME when `framed`), long tuples via MARK/TUPLE, big ints via LONG1.
fn encode(value: &V, framed: bool) -> Vec<u8> {
    let mut body = Vec::new();
    let mut memo = 0u32;
    write(value, framed, &mut body, &mut memo);
    body.push(b'.');
    let mut out = vec![0x80, if framed { 4 } else { 2 }];
    if framed {
        out.push(0x95);
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    }
    out.extend(body);
    out
}

fn memoise(framed: bool, out: &mut Vec<u8>, memo: &mut u32) {
    if framed {
        out.push(0x94);
    } else {
        out.push(b'r');
        out.extend_from_slice(&memo.to_le_bytes());
    }
    *memo += 1;
}

fn write(value: &V, framed: bool, out: &mut Vec<u8>, memo: &mut u32) {
    match value {
        V::None => out.push(b'N'),
        V::Bool(b) => out.push(if *b { 0x88 } else { 0x89 }),
        V::Int(i) => {
            if let Ok(small) = i32::try_from(*i) {
                out.push(b'J');
                out.extend_from_slice(&small.to_le_bytes());
            } else {
                let bytes = i.to_le_bytes();
                out.extend_from_slice(&[0x8a, 16]);
                out.extend_from_slice(&bytes);
            }
        }
        V::Float(f) => {
            out.push(b'G');
            out.extend_from_slice(&f.to_be_bytes());
        }
        V::Str(s) => {
            out.push(b'X');
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
            memoise(framed, out, memo);
        }
        V::Bytes(b) => {
            out.push(b'B');
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        V::List(items) => {
            out.push(b']');
            memoise(framed, out, memo);
            if !items.is_empty() {
                out.push(b'(');
                for item in items {
                    write(item, framed, out, memo);
                }
                out.push(b'e');
            }
        }
        V::Tuple(items) => {
            out.push(b'(');
            for item in items {
                write(item, framed, out, memo);
            }
            out.push(b't');
        }
        V::Dict(items) => {
            out.push(b'}');
            memoise(framed, out, memo);
            for (k, v) in items {
                write(k, framed, out, memo);
                write(v, framed, out, memo);
                out.push(b's');
            }
        }
        V::Set(_) | V::Global(_) | V::Call(..) | V::Other(_) => unreachable!("not generated"),
    }
}
