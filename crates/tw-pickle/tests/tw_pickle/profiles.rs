//! The weights-only profile stops at the first violation; the scan profile records every
//! violation and keeps going. Type rules follow torch (research §2.4).

use tw_pickle::{
    parse, Allowlist, Opcode, ParseOptions, PickleError, Profile, PyType, ViolationKind,
};

use crate::build::{scan, weights_only, P};

fn first_violation(bytes: &[u8]) -> ViolationKind {
    match weights_only(bytes).error {
        Some(PickleError::Disallowed { violation }) => violation.kind,
        other => panic!("expected a violation, got {other:?}"),
    }
}

fn scan_kinds(bytes: &[u8]) -> Vec<ViolationKind> {
    let parsed = scan(bytes);
    assert_eq!(parsed.error, None);
    parsed.violations.into_iter().map(|v| v.kind).collect()
}

#[test]
fn opcodes_outside_the_34_stop_weights_only_but_not_scan() {
    let bytes = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00N0N.";
    assert_eq!(
        first_violation(bytes),
        ViolationKind::OpcodeNotAllowed {
            opcode: Opcode::Frame
        }
    );
    assert_eq!(
        scan_kinds(bytes),
        vec![
            ViolationKind::OpcodeNotAllowed {
                opcode: Opcode::Frame
            },
            ViolationKind::OpcodeNotAllowed {
                opcode: Opcode::Pop
            }
        ]
    );
}

#[test]
fn setitem_only_on_dict_ordereddict_counter() {
    assert_eq!(
        first_violation(b"]K\x01K\x02s."),
        ViolationKind::InvalidSetItemTarget {
            target: PyType::List
        }
    );
    assert!(weights_only(b"}K\x01K\x02s.").error.is_none());
    let ordered = P::new()
        .proto(2)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(b'R')
        .op(b'(')
        .int1(1)
        .int1(2)
        .op(b'u')
        .stop();
    assert!(weights_only(ordered.bytes()).error.is_none());
    let counter = P::new()
        .proto(2)
        .global("collections", "Counter")
        .op(b')')
        .op(b'R')
        .int1(1)
        .int1(2)
        .op(b's')
        .stop();
    assert!(weights_only(counter.bytes()).error.is_none());
    // CVE-2026-24747: SETITEM on a rebuilt tensor.
    let tensor = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b')')
        .op(b'R')
        .int1(0)
        .int1(1)
        .op(b's')
        .stop();
    assert_eq!(
        first_violation(tensor.bytes()),
        ViolationKind::InvalidSetItemTarget {
            target: PyType::Tensor
        }
    );
    assert_eq!(
        scan_kinds(tensor.bytes()),
        vec![ViolationKind::InvalidSetItemTarget {
            target: PyType::Tensor
        }]
    );
}

#[test]
fn append_only_on_list_and_build_only_where_torch_allows() {
    assert_eq!(
        first_violation(b"}K\x01a."),
        ViolationKind::InvalidAppendTarget {
            target: PyType::Dict
        }
    );
    assert_eq!(
        first_violation(b"}(K\x01e."),
        ViolationKind::InvalidAppendTarget {
            target: PyType::Dict
        }
    );
    assert_eq!(
        first_violation(b"}}b."),
        ViolationKind::InvalidBuildTarget {
            target: PyType::Dict
        }
    );
    let ordered = P::new()
        .proto(2)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(b'R')
        .op(b'}')
        .op(b'b')
        .stop();
    assert!(weights_only(ordered.bytes()).error.is_none());
    let scanned = scan(ordered.bytes());
    assert_eq!(scanned.builds.len(), 1);
    assert_eq!(
        scanned
            .graph
            .mutations(&scanned.graph.objects()[0])
            .states
            .len(),
        1
    );
}

#[test]
fn persistent_ids_must_be_storage_tuples() {
    assert_eq!(
        first_violation(b"(X\x06\x00\x00\x00moduleK\x01tQ."),
        ViolationKind::PersistentIdNotStorage { pid: PyType::Tuple }
    );
    assert_eq!(
        first_violation(b"K\x01Q."),
        ViolationKind::PersistentIdNotStorage { pid: PyType::Int }
    );
    assert!(weights_only(b"(X\x07\x00\x00\x00storageK\x01tQ.")
        .error
        .is_none());
}

#[test]
fn reduce_and_newobj_callables() {
    assert_eq!(
        first_violation(b"X\x01\x00\x00\x00f)R."),
        ViolationKind::CallableNotAllowed {
            opcode: Opcode::Reduce,
            callable: PyType::Str
        }
    );
    let newobj = P::new()
        .proto(2)
        .global("torch.nn.parameter", "Parameter")
        .op(b')')
        .op(0x81)
        .stop();
    assert!(weights_only(newobj.bytes()).error.is_none());
    let newobj = P::new()
        .proto(2)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(0x81)
        .stop();
    assert_eq!(
        first_violation(newobj.bytes()),
        ViolationKind::NewObjNotAllowed {
            module: "collections".into(),
            name: "OrderedDict".into()
        }
    );
}

#[test]
fn globals_exact_allowlist_and_blocked_modules() {
    let eval = P::new().proto(2).global("builtins", "eval").stop();
    assert_eq!(
        first_violation(eval.bytes()),
        ViolationKind::GlobalNotAllowed {
            module: "builtins".into(),
            name: "eval".into()
        }
    );
    let joined = P::new()
        .proto(2)
        .global("torch", "_utils._rebuild_tensor_v2")
        .stop();
    assert!(
        weights_only(joined.bytes()).error.is_none(),
        "torch joins module and name"
    );
    let py2 = P::new().proto(2).global("__builtin__", "set").stop();
    assert!(
        weights_only(py2.bytes()).error.is_none(),
        "protocol 2 maps __builtin__ to builtins"
    );
    let nt = P::new().proto(2).global("nt", "system").stop();
    assert!(matches!(
        first_violation(nt.bytes()),
        ViolationKind::BlockedModule { .. }
    ));
}

#[test]
fn user_allowlist_extends_globals_newobj_and_build() {
    let bytes = P::new()
        .proto(2)
        .global("argparse", "Namespace")
        .op(b')')
        .op(0x81)
        .op(b'}')
        .op(b'b')
        .stop();
    assert!(matches!(
        first_violation(bytes.bytes()),
        ViolationKind::GlobalNotAllowed { .. }
    ));
    let mut allowlist = Allowlist::new();
    allowlist.allow("argparse.Namespace").unwrap();
    let options = ParseOptions {
        allowlist,
        ..ParseOptions::new(Profile::WeightsOnly)
    };
    let parsed = parse(bytes.bytes(), &options);
    assert_eq!(parsed.error, None);
    assert!(Allowlist::new().allow("sys.modules").is_err());
}

#[test]
fn scan_records_every_import_and_call_and_continues() {
    let bytes = P::new()
        .proto(2)
        .global("os", "system")
        .short_uni("id")
        .op(0x85)
        .op(b'R')
        .op(b'0')
        .global("builtins", "getattr")
        .op(b')')
        .op(b'R')
        .stop();
    let parsed = scan(bytes.bytes());
    assert_eq!(parsed.error, None);
    assert_eq!(parsed.graph.globals().len(), 2);
    assert_eq!(parsed.graph.objects().len(), 2);
    assert_eq!(parsed.violations.len(), 4, "{:?}", parsed.violations);
    let strict = weights_only(bytes.bytes());
    assert_eq!(strict.violations.len(), 1);
    assert_eq!(strict.graph.globals().len(), 1);
}
