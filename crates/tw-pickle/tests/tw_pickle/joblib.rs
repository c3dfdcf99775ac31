//! joblib's array layout (`parse_joblib`): array bytes after a `NumpyArrayWrapper`'s BUILD are
//! skipped by their dtype and shape, numpy's object flag makes them a nested pickle, and what
//! joblib would read differently stops the parse. Pickles are written here opcode by opcode.
use tw_pickle::joblib::{explained_violations, ArrayBytes};
use tw_pickle::{parse_joblib, ParseOptions, PickleError, Profile};

/// `BINUNICODE` of `s`.
fn text(s: &str) -> Vec<u8> {
    let mut out = vec![b'X'];
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out
}

/// A wrapper for a one-dimensional array of `n` elements of dtype `code` whose state flags
/// are `flags`, with an alignment entry when `aligned`, ending with its BUILD.
fn wrapper(code: &str, flags: u8, n: u8, aligned: bool) -> Vec<u8> {
    let mut p = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(".to_vec();
    p.extend(text("subclass"));
    p.extend_from_slice(b"cnumpy\nndarray\n");
    p.extend(text("dtype"));
    p.extend_from_slice(b"cnumpy\ndtype\n(");
    p.extend(text(code));
    p.extend_from_slice(b"\x89\x88tR(K\x03");
    p.extend(text("<"));
    p.extend_from_slice(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK");
    p.push(flags);
    p.extend_from_slice(b"tb");
    p.extend(text("shape"));
    p.extend_from_slice(&[b'K', n, 0x85]);
    if aligned {
        p.extend(text("numpy_array_alignment_bytes"));
        p.extend_from_slice(b"K\x10");
    }
    p.extend_from_slice(b"ub");
    p
}

fn scan() -> ParseOptions {
    ParseOptions::new(Profile::Scan)
}

#[test]
fn raw_array_bytes_are_skipped_with_their_padding() {
    let mut p = wrapper("f8", 0, 2, true);
    let start = p.len();
    p.extend_from_slice(&[3, 0xff, 0xff, 0xff]);
    // The array bytes hold opcode-looking bytes: skipped, never run.
    p.extend_from_slice(b"cos\nsystem\n\x00\x00\x00\x00\x00");
    p.push(b'.');
    let parsed = parse_joblib(&p, &scan());
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    assert_eq!(parsed.end, Some(p.len()));
    let array = parsed.joblib[0];
    assert_eq!(
        (array.start, array.end),
        (start as u64, (p.len() - 1) as u64)
    );
    assert!(matches!(
        array.bytes,
        ArrayBytes::Raw {
            padding: 4,
            count: 2,
            itemsize: 8
        }
    ));
    assert!(parsed
        .graph
        .globals()
        .iter()
        .all(|g| !g.key_eq("os.system")));
    // The wrapper, ndarray and dtype serve the layout only: their violations are explained.
    assert_eq!(explained_violations(&parsed).len(), 3);
    // Read as a plain pickle, the same bytes stop at the padding byte.
    assert!(tw_pickle::parse(&p, &scan()).error.is_some());
}

#[test]
fn numpys_object_flag_makes_the_bytes_a_nested_pickle() {
    // 'f8' with flag bit 0 set: numpy reports hasobject, joblib calls pickle.load there.
    let mut p = wrapper("f8", 63, 1, true);
    p.extend_from_slice(b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00echo\x85R.");
    p.push(b'.');
    let parsed = parse_joblib(&p, &scan());
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    assert!(matches!(
        parsed.joblib[0].bytes,
        ArrayBytes::ObjectPickle { .. }
    ));
    assert!(parsed
        .graph
        .globals()
        .iter()
        .any(|g| g.key_eq("posix.system")));
}

#[test]
fn what_joblib_would_read_otherwise_stops_the_parse() {
    let joblib_error = |p: &[u8]| {
        matches!(
            parse_joblib(p, &scan()).error,
            Some(PickleError::Joblib { .. })
        )
    };
    // An object dtype without the object flag: joblib would read pointers from the file.
    let mut p = wrapper("O8", 0, 1, false);
    p.extend_from_slice(&[0; 8]);
    p.push(b'.');
    assert!(joblib_error(&p));
    // A dtype code the reader does not size.
    let mut p = wrapper("q9", 0, 1, false);
    p.push(b'.');
    assert!(joblib_error(&p));
    // Array bytes running past the end of the data.
    let mut p = wrapper("i4", 0, 9, false);
    p.extend_from_slice(&[0; 8]);
    assert!(matches!(
        parse_joblib(&p, &scan()).error,
        Some(PickleError::Truncated { .. })
    ));
    // A BUILD inside a frame with bytes left in it: joblib would read the array after the
    // frame and the frame's rest after the array.
    let body = wrapper("i4", 0, 1, false);
    let body = body.get(2..).unwrap().to_vec();
    let mut p = b"\x80\x04\x95".to_vec();
    p.extend_from_slice(&((body.len() + 1) as u64).to_le_bytes());
    p.extend_from_slice(&body);
    p.extend_from_slice(b"0");
    p.extend_from_slice(&[0; 4]);
    p.push(b'.');
    assert!(joblib_error(&p));
}

#[test]
fn a_wrapper_class_that_also_makes_other_objects_is_not_explained() {
    let memoised = |p: Vec<u8>| {
        let at = p
            .windows(19)
            .position(|w| w == b"NumpyArrayWrapper\n)")
            .unwrap()
            + 18;
        let mut p = p;
        p.splice(at..at, *b"q\x01");
        p
    };
    let mut p = memoised(wrapper("u1", 0, 1, false));
    p.push(7);
    let clean = {
        let mut c = p.clone();
        c.push(b'.');
        c
    };
    assert_eq!(
        explained_violations(&parse_joblib(&clean, &scan())).len(),
        3
    );
    // The memoised wrapper class is called again with arguments of the file's choosing: its
    // import is no longer the layout's alone (ndarray and dtype still are).
    p.extend_from_slice(b"h\x01(X\x01\x00\x00\x00atR\x86.");
    let parsed = parse_joblib(&p, &scan());
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    assert_eq!(explained_violations(&parsed).len(), 2);
}
