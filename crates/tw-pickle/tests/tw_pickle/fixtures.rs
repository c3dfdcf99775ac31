//! CPython-made pickles (tests/data/make.py): every protocol parses, round-trips to the same
//! value, shares memoised references, and the profiles report what they must.

use tw_pickle::{
    parse, parse_at, GlobalTarget, Opcode, ParseOptions, PickleError, Profile, ViolationKind,
};

use crate::build::{scan, weights_only};
use crate::value::{to_value, V};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn s(text: &str) -> V {
    V::Str(text.to_owned())
}

fn ints(values: &[i128]) -> V {
    V::List(values.iter().map(|v| V::Int(*v)).collect())
}

fn expected_nested() -> V {
    let shared = ints(&[1, 2]);
    V::Dict(vec![
        (
            s("ints"),
            ints(&[
                0,
                1,
                -1,
                255,
                256,
                65535,
                65536,
                -(1 << 31),
                (1 << 31) - 1,
                1 << 40,
                -(1 << 63),
            ]),
        ),
        (s("big"), V::Int(1 << 100)),
        (s("negbig"), V::Int(-(1 << 70))),
        (
            s("floats"),
            V::List(vec![V::Float(0.5), V::Float(-2.25), V::Float(1e300)]),
        ),
        (
            s("text"),
            V::List(vec![
                s(""),
                s("ascii"),
                s("caf\u{e9}"),
                s("\u{4e2d}\u{6587}"),
                s(&"x".repeat(300)),
            ]),
        ),
        (
            s("bytes"),
            V::List(vec![
                V::Bytes(vec![]),
                V::Bytes(vec![0, 255]),
                V::Bytes(vec![b'y'; 300]),
            ]),
        ),
        (
            s("tuples"),
            V::List(vec![
                V::Tuple(vec![]),
                V::Tuple(vec![V::Int(1)]),
                V::Tuple(vec![V::Int(1), V::Int(2)]),
                V::Tuple(vec![V::Int(1), V::Int(2), V::Int(3)]),
                V::Tuple(vec![V::Int(1), V::Int(2), V::Int(3), V::Int(4)]),
            ]),
        ),
        (
            s("consts"),
            V::List(vec![V::None, V::Bool(true), V::Bool(false)]),
        ),
        (s("set"), V::Set(vec![V::Int(1), V::Int(2), V::Int(3)])),
        (s("frozen"), V::Set(vec![V::Int(4)])),
        (s("bytearray"), V::Bytes(b"ba".to_vec())),
        (s("shared"), V::Tuple(vec![shared.clone(), shared])),
        (V::Int(7), s("int key")),
    ])
}

#[test]
fn every_protocol_round_trips_to_the_same_value() {
    for protocol in 0..=5u8 {
        let bytes = data(&format!("nested_p{protocol}.pkl"));
        let parsed = scan(&bytes);
        assert_eq!(parsed.error, None, "protocol {protocol}");
        assert_eq!(parsed.end, Some(bytes.len()), "protocol {protocol}");
        assert_eq!(
            parsed.protocol,
            (protocol >= 2).then_some(protocol),
            "protocol {protocol}"
        );
        let root = parsed.root.expect("root");
        assert_eq!(
            to_value(&parsed.graph, root),
            expected_nested(),
            "protocol {protocol}"
        );
    }
}

#[test]
fn memoised_references_are_shared_not_copied() {
    for protocol in 0..=5u8 {
        let bytes = data(&format!("nested_p{protocol}.pkl"));
        let parsed = scan(&bytes);
        let items = parsed.graph.as_dict(parsed.root.unwrap()).unwrap();
        let shared = items
            .iter()
            .find(|(k, _)| parsed.graph.as_str(*k) == Some("shared"))
            .unwrap()
            .1;
        let pair = parsed.graph.as_tuple(shared).unwrap();
        assert_eq!(
            pair[0], pair[1],
            "protocol {protocol}: both items are the same node"
        );
    }
}

#[test]
fn weights_only_accepts_protocol_2_data_but_not_protocol_4_frames() {
    // Protocol 2 writes empty bytes as `__builtin__.bytes()`, which torch (after its Python 2
    // mapping) looks up as `builtins.bytes`: not allowlisted.
    let p2 = data("nested_p2.pkl");
    let parsed = weights_only(&p2);
    let Some(PickleError::Disallowed { violation }) = &parsed.error else {
        panic!("{:?}", parsed.error)
    };
    assert!(
        matches!(&violation.kind, ViolationKind::GlobalNotAllowed { module, name } if module == "builtins" && name == "bytes")
    );
    let p4 = data("nested_p4.pkl");
    let parsed = weights_only(&p4);
    let Some(PickleError::Disallowed { violation }) = &parsed.error else {
        panic!()
    };
    assert_eq!(
        violation.kind,
        ViolationKind::OpcodeNotAllowed {
            opcode: Opcode::Frame
        }
    );
    assert_eq!(violation.offset, 2);
}

#[test]
fn out_of_band_buffers() {
    let bytes = data("oob_p5.pkl");
    let parsed = scan(&bytes);
    assert_eq!(parsed.error, None);
    assert_eq!(
        to_value(&parsed.graph, parsed.root.unwrap()),
        V::List(vec![
            V::Other("buffer 0 true".into()),
            V::Other("buffer 1 false".into())
        ])
    );
}

#[test]
fn torch_shaped_state_dict_is_weights_only_clean() {
    let bytes = data("state_dict.pkl");
    let parsed = weights_only(&bytes);
    assert_eq!(parsed.error, None);
    assert!(parsed.violations.is_empty());
    assert_eq!(parsed.end, Some(bytes.len()));
    let names: Vec<String> = parsed
        .graph
        .globals()
        .iter()
        .filter_map(|g| g.names().map(|(m, n)| format!("{m}.{n}")))
        .collect();
    assert!(names.contains(&"torch._utils._rebuild_tensor_v2".to_owned()));
    assert!(names.contains(&"torch.FloatStorage".to_owned()));
}

#[test]
fn reduce_os_system_is_recorded_in_both_profiles() {
    let bytes = data("reduce_os_system.pkl");
    let parsed = scan(&bytes);
    assert_eq!(parsed.error, None);
    let global = &parsed.graph.globals()[0];
    assert_eq!(global.names(), Some(("posix", "system")));
    assert_eq!(global.offset, 2);
    assert_eq!(parsed.graph.objects().len(), 1);
    assert!(matches!(
        parsed.violations[0].kind,
        ViolationKind::BlockedModule { .. }
    ));
    assert!(tw_pickle::dangerous_reason("posix", "system").is_some());
    let strict = weights_only(&bytes);
    assert!(matches!(
        &strict.error,
        Some(PickleError::Disallowed { .. })
    ));
    // The import seen before the refusal is still reported.
    assert_eq!(strict.graph.globals().len(), 1);
    assert!(matches!(
        strict.graph.globals()[0].target,
        GlobalTarget::Named { .. }
    ));
}

#[test]
fn concatenated_pickles_and_trailing_bytes() {
    let bytes = data("concatenated.pkl");
    let options = ParseOptions::new(Profile::Scan);
    let first = parse(&bytes, &options);
    let end = first.end.unwrap();
    assert_eq!(to_value(&first.graph, first.root.unwrap()), V::Int(1));
    let second = parse_at(&bytes, end, &options);
    assert_eq!(second.start, end);
    assert_eq!(
        to_value(&second.graph, second.root.unwrap()),
        V::Str("two".into())
    );
    let end2 = second.end.unwrap();
    assert_eq!(&bytes[end2..], b"\n\n\t");
    let third = parse_at(&bytes, end2, &options);
    assert!(
        matches!(third.error, Some(PickleError::UnknownOpcode { byte: b'\n', offset }) if offset == end2 as u64)
    );
}
