//! Every `PickleError` variant, with its offset, and records kept before the error.

use tw_pickle::{LimitKind, Limits, Opcode, ParseOptions, PickleError, Profile, ViolationKind};

use crate::build::{scan, weights_only, P};

fn error(bytes: &[u8]) -> PickleError {
    scan(bytes).error.expect("an error")
}

#[test]
fn truncated() {
    assert_eq!(
        error(b"\x80\x02J\x01\x00"),
        PickleError::Truncated {
            opcode: Opcode::BinInt,
            offset: 2,
            needed: 4,
            available: 2
        }
    );
    assert_eq!(
        error(b"cos\nsys"),
        PickleError::Truncated {
            opcode: Opcode::Global,
            offset: 0,
            needed: 4,
            available: 3
        }
    );
}

#[test]
fn missing_stop_unknown_opcode_underflow_mark_memo() {
    assert_eq!(error(b"\x80\x02N"), PickleError::MissingStop { offset: 3 });
    assert_eq!(
        error(b"N\xff"),
        PickleError::UnknownOpcode {
            byte: 0xff,
            offset: 1
        }
    );
    assert_eq!(
        error(b"N\x86."),
        PickleError::StackUnderflow {
            opcode: Opcode::Tuple2,
            offset: 1,
            needed: 2,
            available: 1
        }
    );
    assert_eq!(
        error(b"N(R."),
        PickleError::StackUnderflow {
            opcode: Opcode::Reduce,
            offset: 2,
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        error(b"."),
        PickleError::StackUnderflow {
            opcode: Opcode::Stop,
            offset: 0,
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        error(b"Nt."),
        PickleError::MarkMissing {
            opcode: Opcode::Tuple,
            offset: 1
        }
    );
    assert_eq!(
        error(b"h\x05."),
        PickleError::MemoMissing {
            index: 5,
            offset: 0
        }
    );
}

#[test]
fn frames() {
    // FRAME of 3 bytes, then BINUNICODE whose argument runs past the frame end.
    let bytes = P::new().proto(4).frame(3).uni("abc").stop();
    assert_eq!(
        error(bytes.bytes()),
        PickleError::FrameCrossing {
            opcode: Opcode::BinUnicode,
            offset: 11,
            frame_end: 14
        }
    );
    let bytes = P::new().proto(4).frame(3).frame(0).stop();
    assert_eq!(
        error(bytes.bytes()),
        PickleError::FrameNotExhausted {
            offset: 11,
            frame_end: 14
        }
    );
    let bytes = P::new().proto(4).frame(100).stop();
    assert_eq!(
        error(bytes.bytes()),
        PickleError::Truncated {
            opcode: Opcode::Frame,
            offset: 2,
            needed: 100,
            available: 1
        }
    );
    // A text line that would end only after the frame.
    let bytes = P::new().proto(4).frame(2).raw(b"I1").raw(b"2\n.");
    assert!(matches!(
        error(bytes.bytes()),
        PickleError::FrameCrossing {
            opcode: Opcode::Int,
            ..
        }
    ));
}

#[test]
fn invalid_arguments_and_lengths() {
    assert_eq!(
        error(b"Iabc\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::Int,
            offset: 0,
            reason: "not a decimal integer"
        }
    );
    assert!(matches!(
        error(b"S'abc\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::String,
            ..
        }
    ));
    assert!(matches!(
        error(b"c\xff\nx\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::Global,
            ..
        }
    ));
    assert!(matches!(
        error(b"\x80\x06N."),
        PickleError::InvalidArgument {
            opcode: Opcode::Proto,
            ..
        }
    ));
    assert!(matches!(
        error(b"\x82\x00."),
        PickleError::InvalidArgument {
            opcode: Opcode::Ext1,
            ..
        }
    ));
    assert!(matches!(
        error(b"Fx\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::Float,
            ..
        }
    ));
    assert!(matches!(
        error(b"gx\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::Get,
            ..
        }
    ));
    assert!(matches!(
        error(b"V\\u12\n."),
        PickleError::InvalidArgument {
            opcode: Opcode::Unicode,
            ..
        }
    ));
    assert_eq!(
        error(b"T\xff\xff\xff\xff."),
        PickleError::NegativeLength {
            opcode: Opcode::BinString,
            offset: 0,
            length: -1
        }
    );
    assert_eq!(
        error(b"\x8b\xff\xff\xff\xff."),
        PickleError::NegativeLength {
            opcode: Opcode::Long4,
            offset: 0,
            length: -1
        }
    );
    assert_eq!(
        error(b"}(K\x01u."),
        PickleError::OddItemCount {
            opcode: Opcode::SetItems,
            offset: 4,
            count: 1
        }
    );
    assert_eq!(
        error(b"(K\x01d."),
        PickleError::OddItemCount {
            opcode: Opcode::Dict,
            offset: 3,
            count: 1
        }
    );
}

#[test]
fn limit_exceeded_and_disallowed() {
    let mut options = ParseOptions::new(Profile::Scan);
    options.limits = Limits {
        max_opcodes: 2,
        ..Limits::default()
    };
    let parsed = tw_pickle::parse(b"NNN.", &options);
    assert_eq!(
        parsed.error,
        Some(PickleError::LimitExceeded {
            what: LimitKind::Opcodes,
            limit: 2,
            actual: 3,
            offset: 2
        })
    );
    let parsed = weights_only(b"\x80\x02cos\nsystem\n.");
    let Some(PickleError::Disallowed { violation }) = parsed.error else {
        panic!()
    };
    assert_eq!(violation.offset, 2);
    assert_eq!(
        violation.kind,
        ViolationKind::BlockedModule {
            module: "os".into(),
            name: "system".into()
        }
    );
}

#[test]
fn records_before_a_malformed_byte_are_kept() {
    // pickle.load would have run os.system before reaching the bad byte (research §3 item 16).
    let parsed = scan(b"cos\nsystem\n(S'id'\ntR\xff");
    assert_eq!(
        parsed.error,
        Some(PickleError::UnknownOpcode {
            byte: 0xff,
            offset: 20
        })
    );
    assert_eq!(parsed.graph.globals().len(), 1);
    assert_eq!(parsed.graph.objects().len(), 1);
    assert!(!parsed.violations.is_empty());
    assert_eq!(parsed.root, None);
    assert_eq!(parsed.end, None);
    assert_eq!(parsed.error.as_ref().map(PickleError::offset), Some(20));
}

#[test]
fn errors_display_their_numbers() {
    let text = error(b"\x80\x02J\x01\x00").to_string();
    assert!(
        text.contains("offset 2") && text.contains("BININT"),
        "{text}"
    );
}
