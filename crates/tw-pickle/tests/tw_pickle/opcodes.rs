//! One test per opcode family, on hand-built byte strings (pickletools argument encodings).

use tw_pickle::{CallKind, GlobalTarget, Node, Opcode, ViolationKind};

use crate::build::{scan, P};
use crate::value::{to_value, V};

fn value(bytes: &[u8]) -> V {
    let parsed = scan(bytes);
    assert_eq!(parsed.error, None, "{bytes:?}");
    to_value(&parsed.graph, parsed.root.expect("root"))
}

#[test]
fn integers() {
    assert_eq!(value(b"J\xfe\xff\xff\xff."), V::Int(-2));
    assert_eq!(value(b"K\xff."), V::Int(255));
    assert_eq!(value(b"M\xff\xff."), V::Int(65535));
    assert_eq!(value(b"\x8a\x00."), V::Int(0));
    assert_eq!(value(b"\x8a\x01\xff."), V::Int(-1));
    assert_eq!(value(b"\x8a\x02\x00\x80."), V::Int(-32768));
    assert_eq!(
        value(b"\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."),
        V::Int(1 << 64)
    );
    assert_eq!(value(b"\x8b\x01\x00\x00\x00\x7f."), V::Int(127));
    assert_eq!(value(b"I42\n."), V::Int(42));
    assert_eq!(value(b"I01\n."), V::Bool(true));
    assert_eq!(
        value(b"L-99999999999999999999L\n."),
        V::Int(-99_999_999_999_999_999_999)
    );
}

#[test]
fn strings_bytes_and_text() {
    assert_eq!(value(b"S'a\\x41'\n."), V::Str("aA".into()));
    assert_eq!(value(b"T\x02\x00\x00\x00hi."), V::Str("hi".into()));
    assert_eq!(value(b"U\x01\xff."), V::Bytes(vec![0xff]));
    assert_eq!(value(b"B\x01\x00\x00\x00z."), V::Bytes(b"z".to_vec()));
    assert_eq!(value(b"C\x01z."), V::Bytes(b"z".to_vec()));
    assert_eq!(
        value(b"\x8e\x01\x00\x00\x00\x00\x00\x00\x00z."),
        V::Bytes(b"z".to_vec())
    );
    assert_eq!(
        value(b"\x96\x01\x00\x00\x00\x00\x00\x00\x00z."),
        V::Bytes(b"z".to_vec())
    );
    assert_eq!(value(b"Vcaf\\u00e9\n."), V::Str("caf\u{e9}".into()));
    assert_eq!(value(b"\x8c\x02\xc3\xa9."), V::Str("\u{e9}".into()));
    assert_eq!(value(b"X\x01\x00\x00\x00a."), V::Str("a".into()));
    assert_eq!(
        value(b"\x8d\x01\x00\x00\x00\x00\x00\x00\x00a."),
        V::Str("a".into())
    );
    // A lone surrogate (accepted by CPython's surrogatepass) is kept, replaced.
    assert_eq!(
        value(b"X\x03\x00\x00\x00\xed\xa0\x80."),
        V::Str("\u{FFFD}\u{FFFD}\u{FFFD}".into())
    );
}

#[test]
fn floats_and_constants() {
    assert_eq!(value(b"F1.5\n."), V::Float(1.5));
    assert_eq!(value(b"G\x3f\xf8\x00\x00\x00\x00\x00\x00."), V::Float(1.5));
    assert_eq!(value(b"N."), V::None);
    assert_eq!(value(b"\x88."), V::Bool(true));
    assert_eq!(value(b"\x89."), V::Bool(false));
}

#[test]
fn containers() {
    assert_eq!(value(b"(K\x01K\x02l."), V::List(vec![V::Int(1), V::Int(2)]));
    assert_eq!(
        value(b"(K\x01K\x02d."),
        V::Dict(vec![(V::Int(1), V::Int(2))])
    );
    assert_eq!(
        value(b"(K\x01K\x02t."),
        V::Tuple(vec![V::Int(1), V::Int(2)])
    );
    assert_eq!(value(b"K\x01\x85."), V::Tuple(vec![V::Int(1)]));
    assert_eq!(
        value(b"K\x01K\x02\x86."),
        V::Tuple(vec![V::Int(1), V::Int(2)])
    );
    assert_eq!(
        value(b"K\x01K\x02K\x03\x87."),
        V::Tuple(vec![V::Int(1), V::Int(2), V::Int(3)])
    );
    assert_eq!(value(b")."), V::Tuple(vec![]));
    assert_eq!(
        value(b"]K\x01a(K\x02K\x03e."),
        V::List(vec![V::Int(1), V::Int(2), V::Int(3)])
    );
    assert_eq!(
        value(b"}K\x01K\x02s(K\x03K\x04u."),
        V::Dict(vec![(V::Int(1), V::Int(2)), (V::Int(3), V::Int(4))])
    );
    assert_eq!(
        value(b"\x8f(K\x02K\x01\x90."),
        V::Set(vec![V::Int(1), V::Int(2)])
    );
    assert_eq!(value(b"(K\x01\x91."), V::Set(vec![V::Int(1)]));
}

#[test]
fn stack_manipulation() {
    assert_eq!(value(b"K\x01K\x020."), V::Int(1));
    assert_eq!(value(b"K\x01(K\x02K\x031."), V::Int(1));
    // POP with nothing above the mark pops the mark (pickle.py load_pop).
    assert_eq!(value(b"K\x01(0."), V::Int(1));
    let parsed = scan(b"]2\x86.");
    let pair = parsed.graph.as_tuple(parsed.root.unwrap()).unwrap();
    assert_eq!(pair[0], pair[1], "DUP shares the node");
    // Immutable singletons and small ints are interned like CPython's; larger ints are not.
    let parsed = scan(b"(NNK\x05K\x05M\x01\x01M\x01\x01))t.");
    let items = parsed.graph.as_tuple(parsed.root.unwrap()).unwrap();
    assert_eq!(
        (items[0], items[2], items[6]),
        (items[1], items[3], items[7])
    );
    assert_ne!(items[4], items[5]);
    assert_eq!(parsed.graph.len(), 6);
}

#[test]
fn memo() {
    assert_eq!(value(b"K\x07p5\n0g5\n."), V::Int(7));
    assert_eq!(value(b"K\x07q\x030h\x03."), V::Int(7));
    assert_eq!(
        value(b"K\x07r\xff\xff\xff\xff0j\xff\xff\xff\xff."),
        V::Int(7)
    );
    // MEMOIZE uses the memo length as index.
    assert_eq!(value(b"K\x07\x94K\x08\x940h\x00."), V::Int(7));
    assert_eq!(value(b"K\x07\x94K\x08\x940h\x01."), V::Int(8));
}

#[test]
fn stack_global_from_memoised_strings_keeps_dotted_names() {
    let bytes = P::new()
        .proto(4)
        .short_uni("pathlib")
        .put(0)
        .op(b'0')
        .short_uni("os.system")
        .put(1)
        .op(b'0')
        .get(0)
        .get(1)
        .op(0x93)
        .short_uni("id")
        .op(0x85)
        .op(b'R')
        .stop();
    let parsed = scan(bytes.bytes());
    assert_eq!(parsed.error, None);
    let global = &parsed.graph.globals()[0];
    assert_eq!(global.opcode, Opcode::StackGlobal);
    assert_eq!(global.names(), Some(("pathlib", "os.system")));
    assert!(global.is_dotted());
    assert!(tw_pickle::dangerous_reason("pathlib", "os.system").is_some());
    assert_eq!(parsed.graph.objects()[0].kind, CallKind::Reduce);
}

#[test]
fn stack_global_with_non_string_operands_is_unresolved_but_reported() {
    let parsed = scan(b"\x80\x04K\x01K\x02\x93).");
    assert_eq!(parsed.error, None);
    assert!(matches!(
        parsed.graph.globals()[0].target,
        GlobalTarget::Unresolved { .. }
    ));
    assert!(parsed
        .violations
        .iter()
        .any(|v| matches!(v.kind, ViolationKind::UnresolvedGlobal { .. })));
}

#[test]
fn inst_obj_newobj_ex_and_extensions() {
    let parsed = scan(b"(S'ls'\nios\nsystem\n.");
    assert_eq!(parsed.error, None);
    assert_eq!(parsed.graph.globals()[0].names(), Some(("os", "system")));
    assert_eq!(parsed.graph.objects()[0].kind, CallKind::Inst);
    let parsed = scan(b"(cbuiltins\neval\nS'1'\no.");
    assert_eq!(parsed.graph.objects()[0].kind, CallKind::Obj);
    assert_eq!(
        to_value(&parsed.graph, parsed.graph.objects()[0].args),
        V::Tuple(vec![V::Str("1".into())])
    );
    let parsed = scan(b"cbuiltins\nobject\n)}\x92.");
    assert_eq!(parsed.graph.objects()[0].kind, CallKind::NewObjEx);
    assert!(parsed.graph.objects()[0].kwargs().is_some());
    let parsed = scan(b"\x82\x05\x83\x06\x00\x84\x07\x00\x00\x00\x87.");
    let codes: Vec<_> = parsed
        .graph
        .globals()
        .iter()
        .map(|g| match g.target {
            GlobalTarget::Extension { code } => code,
            _ => 0,
        })
        .collect();
    assert_eq!(codes, [5, 6, 7]);
    assert!(parsed.violations.contains(&tw_pickle::Violation {
        kind: ViolationKind::ExtensionGlobal { code: 6 },
        offset: 2
    }));
}

#[test]
fn persistent_ids() {
    let parsed = scan(b"Pstorage0\n.");
    assert_eq!(parsed.error, None);
    assert!(matches!(
        parsed.graph.node(parsed.root.unwrap()),
        Some(Node::PersistentId { offset: 0, .. })
    ));
    let parsed = scan(b"(X\x07\x00\x00\x00storageK\x01tQ.");
    assert!(parsed.violations.is_empty());
}

#[test]
fn frames_are_transparent_when_well_formed() {
    let body = P::new().short_uni("ab").op(b'.');
    let bytes = P::new().proto(4).frame(body.0.len() as u64).raw(&body.0);
    assert_eq!(value(bytes.bytes()), V::Str("ab".into()));
    // Opcodes may follow a frame unframed (large arguments are written outside frames).
    let bytes = P::new()
        .proto(4)
        .frame(4)
        .short_uni("ab")
        .op(b'0')
        .short_uni("cd")
        .stop();
    assert_eq!(value(bytes.bytes()), V::Str("cd".into()));
}
