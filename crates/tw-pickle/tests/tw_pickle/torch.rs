//! torch extraction: paths, rebuild functions, storages (zip 5-tuple, legacy 6-tuple,
//! `UntypedStorage` + `_rebuild_tensor_v3`), values, and every extraction error.

use tw_pickle::torch::{extract, DType, ExtractError, Leaf, TensorKind};
use tw_pickle::LimitKind;

use crate::build::{scan, weights_only, P};

fn tuple_of(p: P, values: &[i32]) -> P {
    let mut p = p.op(b'(');
    for v in values {
        p = p.int(*v);
    }
    p.op(b't')
}

/// `('storage', module.class, key, 'cpu', numel[, view])` then BINPERSID.
fn storage(
    p: P,
    module: &str,
    class: &str,
    key: &str,
    numel: i32,
    legacy_view: Option<(&str, i32, i32)>,
) -> P {
    let mut p = p
        .op(b'(')
        .uni("storage")
        .global(module, class)
        .uni(key)
        .uni("cpu")
        .int(numel);
    if let Some((view_key, offset, size)) = legacy_view {
        p = p.uni(view_key).int(offset).int(size).op(0x87);
    }
    p.op(b't').op(b'Q')
}

fn tensor_v2(p: P, class: &str, numel: i32, offset: i32, shape: &[i32], stride: &[i32]) -> P {
    let p = p.global("torch._utils", "_rebuild_tensor_v2").op(b'(');
    let p = storage(p, "torch", class, "0", numel, None).int(offset);
    let p = tuple_of(tuple_of(p, shape), stride);
    p.op(0x89)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(b'R')
        .op(b't')
        .op(b'R')
}

fn table_of(p: P) -> Result<tw_pickle::torch::ObjectTable, ExtractError> {
    let bytes = p.stop().0;
    let parsed = scan(&bytes);
    assert_eq!(parsed.error, None);
    extract(&parsed)
}

#[test]
fn python_made_state_dict() {
    let bytes = std::fs::read(format!(
        "{}/tests/data/state_dict.pkl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let parsed = weights_only(&bytes);
    let table = extract(&parsed).unwrap();
    let paths: Vec<&str> = table.tensors.iter().map(|t| t.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "model.layers.0.weight",
            "model.layers.0.bias",
            "model.emb",
            "step",
            "optimizer.state.0.exp_avg"
        ]
    );
    let weight = &table.tensors[0];
    assert_eq!(weight.dtype, DType::F32);
    assert_eq!(weight.shape, [3, 4]);
    assert_eq!(weight.stride, [4, 1]);
    assert_eq!(weight.kind, TensorKind::Dense);
    assert!(!weight.requires_grad);
    let storage = weight.storage.as_ref().unwrap();
    assert_eq!(
        (
            storage.key.as_str(),
            storage.numel,
            storage.location.as_str()
        ),
        ("0", 12, "cpu")
    );
    assert_eq!(storage.offset, 158);
    assert_eq!(weight.offset, 185);
    assert_eq!(table.tensors[1].storage_offset, 8);
    assert_eq!(table.tensors[2].kind, TensorKind::Parameter);
    assert!(table.tensors[2].requires_grad);
    assert_eq!(table.tensors[3].dtype, DType::I64);
    assert!(table.tensors[3].shape.is_empty());
    assert_eq!(
        table.tensors[4].offset, weight.offset,
        "a shared tensor is reported at both paths"
    );
    assert_eq!(
        table.values,
        vec![
            ("optimizer.state.0.lr".to_owned(), Leaf::Float(0.001)),
            ("optimizer.param_groups.0".to_owned(), Leaf::Int(1)),
            ("optimizer.param_groups.1".to_owned(), Leaf::Str("x".into())),
            ("meta.shape".to_owned(), Leaf::Size(vec![3, 4])),
            ("meta.device".to_owned(), Leaf::Device("cuda:0".into())),
            (
                "meta.dtype".to_owned(),
                Leaf::Global("torch.float16".into())
            ),
        ]
    );
}

#[test]
fn bare_tensor_root_has_empty_path() {
    let table = table_of(tensor_v2(
        P::new().proto(2),
        "HalfStorage",
        6,
        0,
        &[2, 3],
        &[3, 1],
    ))
    .unwrap();
    assert_eq!(table.tensors.len(), 1);
    assert_eq!(table.tensors[0].path, "");
    assert_eq!(table.tensors[0].dtype, DType::F16);
    assert_eq!(table.tensors[0].numel(), Some(6));
}

#[test]
fn v3_with_untyped_storage_takes_the_dtype_argument() {
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor_v3")
        .op(b'(');
    let p = storage(p, "torch", "UntypedStorage", "7", 8, None).int(0);
    let p = tuple_of(tuple_of(p, &[4]), &[1]);
    let p = p
        .op(0x88)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(b'R');
    let p = p.global("torch", "bfloat16").op(b't').op(b'R');
    let table = table_of(p).unwrap();
    let tensor = &table.tensors[0];
    assert_eq!(tensor.dtype, DType::BF16);
    assert!(tensor.requires_grad);
    let storage = tensor.storage.as_ref().unwrap();
    assert_eq!(
        (storage.dtype, storage.numel, storage.key.as_str()),
        (DType::U8, 8, "7")
    );
}

#[test]
fn legacy_six_tuple_with_view() {
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor")
        .op(b'(');
    let p = storage(
        p,
        "torch",
        "DoubleStorage",
        "root",
        10,
        Some(("view", 2, 4)),
    )
    .int(0);
    let p = tuple_of(tuple_of(p, &[4]), &[1]).op(b't').op(b'R');
    let table = table_of(p).unwrap();
    let storage = table.tensors[0].storage.as_ref().unwrap();
    assert_eq!(storage.view, Some(("view".to_owned(), 2, 4)));
    assert_eq!(storage.dtype, DType::F64);
    // A None view metadata is the common legacy case.
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor")
        .op(b'(');
    let p = p
        .op(b'(')
        .uni("storage")
        .global("torch", "FloatStorage")
        .uni("k")
        .uni("cpu")
        .int(1)
        .op(b'N')
        .op(b't')
        .op(b'Q');
    let p = tuple_of(tuple_of(p.int(0), &[1]), &[1]).op(b't').op(b'R');
    assert_eq!(
        table_of(p).unwrap().tensors[0]
            .storage
            .as_ref()
            .unwrap()
            .view,
        None
    );
}

#[test]
fn meta_quantized_sparse_and_subclass_tensors() {
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_meta_tensor_no_storage")
        .op(b'(');
    let p = tuple_of(tuple_of(p.global("torch", "float32"), &[2, 2]), &[2, 1])
        .op(0x89)
        .op(b't')
        .op(b'R');
    let meta = &table_of(p).unwrap().tensors[0];
    assert_eq!(
        (meta.kind, meta.storage.is_none(), meta.shape.clone()),
        (TensorKind::Meta, true, vec![2, 2])
    );

    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_qtensor")
        .op(b'(');
    let p = storage(p, "torch", "QInt8Storage", "0", 4, None).int(0);
    let p = tuple_of(tuple_of(p, &[4]), &[1])
        .op(b'N')
        .op(0x89)
        .global("collections", "OrderedDict")
        .op(b')')
        .op(b'R');
    let q = &table_of(p.op(b't').op(b'R')).unwrap().tensors[0];
    assert_eq!((q.kind, q.dtype), (TensorKind::Quantized, DType::QInt8));

    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_sparse_tensor")
        .op(b'(');
    let p = p.global("torch", "sparse_coo").op(b'(');
    let p = tensor_v2(p, "LongStorage", 2, 0, &[1, 2], &[2, 1]);
    let p = tensor_v2(p, "FloatStorage", 2, 0, &[2], &[1]);
    let p = tuple_of(p, &[3]).op(b't').op(b't').op(b'R');
    let table = table_of(p).unwrap();
    let paths: Vec<_> = table
        .tensors
        .iter()
        .map(|t| (t.path.as_str(), t.kind))
        .collect();
    assert_eq!(
        paths,
        [
            ("indices", TensorKind::Sparse),
            ("values", TensorKind::Sparse)
        ]
    );

    let p = P::new()
        .proto(2)
        .global("torch._tensor", "_rebuild_from_type_v2")
        .op(b'(');
    let p = p
        .global("torch._utils", "_rebuild_tensor_v2")
        .global("mylib", "MyTensor")
        .op(b'(');
    let p = storage(p, "torch", "FloatStorage", "0", 1, None).int(0);
    let p = tuple_of(tuple_of(p, &[1]), &[1])
        .op(0x89)
        .op(b'}')
        .op(b't')
        .op(b'}')
        .op(b't')
        .op(b'R');
    let sub = &table_of(p).unwrap().tensors[0];
    assert_eq!(sub.kind, TensorKind::Subclass);

    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_parameter")
        .op(b'(');
    let p = tensor_v2(p, "FloatStorage", 1, 0, &[1], &[1])
        .op(0x89)
        .op(b'}')
        .op(b't')
        .op(b'R');
    let param = &table_of(p).unwrap().tensors[0];
    assert_eq!(
        (param.kind, param.requires_grad),
        (TensorKind::Parameter, false)
    );
}

#[test]
fn values_bytes_sets_complex() {
    let p = P::new().proto(2).op(b'}').op(b'(');
    let p = p
        .uni("b")
        .global("_codecs", "encode")
        .uni("\u{ff}a")
        .uni("latin1")
        .op(0x86)
        .op(b'R');
    let p = p
        .uni("s")
        .global("builtins", "set")
        .op(b']')
        .int1(5)
        .op(b'a')
        .op(0x85)
        .op(b'R');
    let p = p
        .uni("c")
        .global("builtins", "complex")
        .raw(b"G\x3f\xf0\x00\x00\x00\x00\x00\x00")
        .int1(2)
        .op(0x86)
        .op(b'R');
    let p = p.uni("o").global("argparse", "Namespace").op(b')').op(b'R');
    let table = table_of(p.op(b'u')).unwrap();
    assert_eq!(
        table.values,
        vec![
            ("b".to_owned(), Leaf::Bytes(vec![0xff, b'a'])),
            ("s".to_owned(), Leaf::Set(vec![Leaf::Int(5)])),
            ("c".to_owned(), Leaf::Complex(1.0, 2.0)),
            (
                "o".to_owned(),
                Leaf::Other("call argparse.Namespace".into())
            ),
        ]
    );
}

#[test]
fn extraction_errors() {
    let err = |p: P| table_of(p).unwrap_err();
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            4,
            0,
            &[-1],
            &[1]
        )),
        ExtractError::NegativeSize {
            index: 0,
            value: -1,
            ..
        }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            4,
            0,
            &[1],
            &[-2]
        )),
        ExtractError::NegativeStride {
            index: 0,
            value: -2,
            ..
        }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            4,
            -1,
            &[1],
            &[1]
        )),
        ExtractError::Negative {
            what: "storage offset",
            value: -1,
            ..
        }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            -4,
            0,
            &[1],
            &[1]
        )),
        ExtractError::Negative {
            what: "storage numel",
            ..
        }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            4,
            0,
            &[1, 2],
            &[1]
        )),
        ExtractError::RankMismatch {
            sizes: 2,
            strides: 1,
            ..
        }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "NoSuchStorage",
            4,
            0,
            &[1],
            &[1]
        )),
        ExtractError::UnknownDType { .. }
    ));
    assert!(matches!(
        err(tensor_v2(
            P::new().proto(2),
            "FloatStorage",
            4,
            0,
            &[i32::MAX, i32::MAX, i32::MAX],
            &[1, 1, 1]
        )),
        ExtractError::ElementCountOverflow { .. }
    ));
    // Shape is not a tuple of ints.
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b'(');
    let p = storage(p, "torch", "FloatStorage", "0", 4, None)
        .int(0)
        .uni("x")
        .op(b')')
        .op(0x89)
        .op(b'N')
        .op(b't')
        .op(b'R');
    assert!(matches!(err(p), ExtractError::NotInt { what: "size", .. }));
    // Too few arguments; a persistent id that is not a storage tuple.
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b')')
        .op(b'R');
    assert!(matches!(
        err(p),
        ExtractError::BadArguments {
            reason: "too few arguments",
            ..
        }
    ));
    let p = P::new()
        .proto(2)
        .global("torch._utils", "_rebuild_tensor")
        .op(b'(')
        .int(1)
        .op(b'Q')
        .int(0);
    let p = tuple_of(tuple_of(p, &[1]), &[1]).op(b't').op(b'R');
    assert!(matches!(
        err(p),
        ExtractError::BadStorage {
            reason: "not a tuple",
            ..
        }
    ));
    // No root when parsing stopped.
    let parsed = scan(b"N");
    assert_eq!(extract(&parsed), Err(ExtractError::NoRoot));
}

#[test]
fn tensor_and_element_limits() {
    let p = P::new().proto(2).op(b']').op(b'(');
    let p = tensor_v2(p, "FloatStorage", 4, 0, &[4], &[1]);
    let p = tensor_v2(p, "FloatStorage", 4, 0, &[4], &[1])
        .op(b'e')
        .stop();
    let mut options = tw_pickle::ParseOptions::new(tw_pickle::Profile::Scan);
    options.limits.max_tensors = 1;
    let parsed = tw_pickle::parse(&p.0, &options);
    assert!(matches!(
        extract(&parsed),
        Err(ExtractError::LimitExceeded {
            what: LimitKind::Tensors,
            ..
        })
    ));
    options.limits.max_tensors = 10;
    options.limits.max_total_elements = 7;
    let parsed = tw_pickle::parse(&p.0, &options);
    assert!(matches!(
        extract(&parsed),
        Err(ExtractError::LimitExceeded {
            what: LimitKind::TotalElements,
            ..
        })
    ));
}

/// `pickle.dumps({'args': argparse.Namespace(lr=0.1, steps=[1, 2])}, protocol=2)` (`CPython`
/// 3.11): NEWOBJ of the class, then BUILD with the instance dict.
const NAMESPACE: &[u8] = b"\x80\x02}q\x00X\x04\x00\x00\x00argsq\x01cargparse\nNamespace\nq\x02)\x81q\x03}q\x04(X\x02\x00\x00\x00lrq\x05G?\xb9\x99\x99\x99\x99\x99\x9aX\x05\x00\x00\x00stepsq\x06]q\x07(K\x01K\x02eubs.";

#[test]
fn allowed_container_globals_are_walked_by_their_state() {
    let parsed = scan(NAMESPACE);
    // Unknown to the walk: one opaque value.
    let opaque = extract(&parsed).unwrap();
    assert_eq!(
        opaque.values,
        [(
            "args".to_owned(),
            Leaf::Other("call argparse.Namespace".to_owned())
        )]
    );
    // Allowed as a container: its fields, each under its own path.
    let walked =
        tw_pickle::torch::extract_with_containers(&parsed, &["argparse.Namespace".to_owned()])
            .unwrap();
    assert_eq!(
        walked.values,
        [
            ("args.lr".to_owned(), Leaf::Float(0.1)),
            ("args.steps.0".to_owned(), Leaf::Int(1)),
            ("args.steps.1".to_owned(), Leaf::Int(2)),
        ]
    );
}

/// `pickle.dumps({'betas': (0.9, 0.999), 'mixed': (1, [2])}, protocol=2)`.
const TUPLES: &[u8] = b"\x80\x02}q\x00(X\x05\x00\x00\x00betasq\x01G?\xec\xcc\xcc\xcc\xcc\xcc\xcdG?\xef\xf7\xce\xd9\x16\x87+\x86q\x02X\x05\x00\x00\x00mixedq\x03K\x01]q\x04K\x02a\x86q\x05u.";

#[test]
fn small_tuples_of_plain_values_are_one_value() {
    let table = extract(&weights_only(TUPLES)).unwrap();
    assert_eq!(
        table.values,
        [
            (
                "betas".to_owned(),
                Leaf::Tuple(vec![Leaf::Float(0.9), Leaf::Float(0.999)])
            ),
            // A tuple holding a container is walked item by item.
            ("mixed.0".to_owned(), Leaf::Int(1)),
            ("mixed.1.0".to_owned(), Leaf::Int(2)),
        ]
    );
}

/// `pickle.dumps({'a.b': 1, 'a': {'b': 2, 'q"': 3}}, protocol=2)`.
const AMBIGUOUS: &[u8] = b"\x80\x02}q\x00(X\x03\x00\x00\x00a.bq\x01K\x01X\x01\x00\x00\x00aq\x02}q\x03(X\x01\x00\x00\x00bq\x04K\x02X\x02\x00\x00\x00q\"q\x05K\x03uu.";

#[test]
fn segment_paths_tell_apart_what_dotted_paths_merge() {
    use tw_pickle::torch::{extract_paths, PathStyle};
    let parsed = weights_only(AMBIGUOUS);
    let paths = |style| -> Vec<String> {
        extract_paths(&parsed, &[], style)
            .unwrap()
            .values
            .into_iter()
            .map(|(path, _)| path)
            .collect()
    };
    assert_eq!(paths(PathStyle::Dotted), ["a.b", "a.b", "a.q\""]);
    assert_eq!(
        paths(PathStyle::Segments),
        [r#"["a.b"]"#, r#"["a", "b"]"#, r#"["a", "q\""]"#]
    );
}
