//! Resource limits: expansion, nesting, huge length prefixes, memo, stack and graph bounds.

use std::time::{Duration, Instant};

use tw_pickle::{parse, torch, LimitKind, Limits, Opcode, ParseOptions, PickleError, Profile};

use crate::build::{scan, P};

/// 60 levels of `[x, x, x, x, x, x, x, x, x, x]` where x is the previous level: 10^60 leaves
/// if copied, 60 lists when shared.
fn billion_laughs() -> Vec<u8> {
    let mut p = P::new().proto(2).op(b']').put(0);
    for _ in 0..60 {
        p = p.op(b'(');
        for _ in 0..10 {
            p = p.get(0);
        }
        p = p.op(b'l').put(0);
    }
    p.stop().0
}

#[test]
fn billion_laughs_stays_linear_and_fast() {
    let bytes = billion_laughs();
    let start = Instant::now();
    let parsed = scan(&bytes);
    assert_eq!(parsed.error, None);
    assert!(parsed.graph.len() < 100, "{} nodes", parsed.graph.len());
    let extracted = torch::extract(&parsed);
    // Whichever bound bites first: the walk's steps or the bytes of its paths.
    assert!(matches!(
        extracted,
        Err(torch::ExtractError::LimitExceeded {
            what: LimitKind::WalkSteps | LimitKind::MaterialisedBytes,
            ..
        })
    ));
    assert!(parsed.expansion().is_some());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // The allowance is a limit like the others.
    let options = ParseOptions {
        limits: Limits {
            walk_step_allowance: 10,
            ..Limits::default()
        },
        ..ParseOptions::new(Profile::Scan)
    };
    let parsed = parse(&bytes, &options);
    assert!(matches!(
        torch::extract(&parsed),
        Err(torch::ExtractError::LimitExceeded {
            what: LimitKind::WalkSteps,
            limit: 254,
            ..
        })
    ));
    // The graph's own walk visits each node once.
    let mut visited = 0;
    assert!(parsed
        .graph
        .walk(parsed.root.unwrap(), 1000, |_, _| visited += 1));
    assert_eq!(visited, 61);
}

#[test]
fn deep_nesting_errors_cleanly() {
    // 100k MARKs: the metastack limit.
    let mut bytes = vec![b'('; 100_000];
    bytes.push(b'.');
    assert!(matches!(
        scan(&bytes).error,
        Some(PickleError::LimitExceeded {
            what: LimitKind::MetastackDepth,
            limit: 10_000,
            ..
        })
    ));
    // 100k nested 1-tuples: no stack growth, but nesting grows by one per opcode.
    let mut bytes = vec![b'N'];
    bytes.extend(std::iter::repeat_n(0x85, 100_000));
    bytes.push(b'.');
    assert!(matches!(
        scan(&bytes).error,
        Some(PickleError::LimitExceeded {
            what: LimitKind::NestingDepth,
            limit: 1000,
            actual: 1001,
            ..
        })
    ));
    // 100k lists appended into each other.
    let mut bytes = vec![b']'; 100_000];
    bytes.extend(std::iter::repeat_n(b'a', 99_999));
    bytes.push(b'.');
    assert!(matches!(
        scan(&bytes).error,
        Some(PickleError::LimitExceeded {
            what: LimitKind::NestingDepth,
            ..
        })
    ));
}

#[test]
fn huge_length_prefixes_never_allocate() {
    // BINUNICODE declaring 0xFFFFFFFF bytes in a 10-byte input.
    let bytes = b"X\xff\xff\xff\xffabcd.";
    assert_eq!(bytes.len(), 10);
    assert_eq!(
        scan(bytes).error,
        Some(PickleError::Truncated {
            opcode: Opcode::BinUnicode,
            offset: 0,
            needed: 0xFFFF_FFFF,
            available: 5
        })
    );
    let bytes = b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff.";
    assert_eq!(
        scan(bytes).error,
        Some(PickleError::Truncated {
            opcode: Opcode::BinBytes8,
            offset: 0,
            needed: u64::MAX,
            available: 1
        })
    );
    let mut options = ParseOptions::new(Profile::Scan);
    options.limits.max_string_len = 2;
    assert!(matches!(
        parse(b"X\x03\x00\x00\x00abc.", &options).error,
        Some(PickleError::LimitExceeded {
            what: LimitKind::StringLength,
            limit: 2,
            actual: 3,
            offset: 0
        })
    ));
}

#[test]
fn memo_stack_and_graph_limits() {
    let limited = |limits: Limits, bytes: &[u8]| {
        let options = ParseOptions {
            limits,
            ..ParseOptions::new(Profile::Scan)
        };
        parse(bytes, &options).error
    };
    let memo = Limits {
        max_memo_entries: 2,
        ..Limits::default()
    };
    assert!(matches!(
        limited(memo, b"Nq\x00q\x01q\x02."),
        Some(PickleError::LimitExceeded {
            what: LimitKind::MemoEntries,
            offset: 5,
            ..
        })
    ));
    // Overwriting an index does not count twice; sparse huge indices cost one entry.
    assert_eq!(limited(memo, b"Nq\x00q\x00r\xff\xff\xff\xff."), None);
    let stack = Limits {
        max_stack_depth: 3,
        ..Limits::default()
    };
    assert!(matches!(
        limited(stack, b"NNNN."),
        Some(PickleError::LimitExceeded {
            what: LimitKind::StackDepth,
            limit: 3,
            actual: 4,
            offset: 3
        })
    ));
    let nodes = Limits {
        max_graph_nodes: 3,
        ..Limits::default()
    };
    assert!(matches!(
        limited(nodes, b"]]]]."),
        Some(PickleError::LimitExceeded {
            what: LimitKind::GraphNodes,
            ..
        })
    ));
    let marks = Limits {
        max_metastack_depth: 1,
        ..Limits::default()
    };
    assert!(matches!(
        limited(marks, b"((."),
        Some(PickleError::LimitExceeded {
            what: LimitKind::MetastackDepth,
            ..
        })
    ));
}

#[test]
fn cycles_are_possible_and_walks_survive_them() {
    // L = []; L.append(L)
    let parsed = scan(b"]q\x00h\x00a.");
    assert_eq!(parsed.error, None);
    let root = parsed.root.unwrap();
    assert_eq!(parsed.graph.as_list(root).unwrap(), &[root]);
    let mut visited = 0;
    parsed.graph.walk(root, 10, |_, _| visited += 1);
    assert_eq!(visited, 1);
    let table = torch::extract(&parsed).unwrap();
    assert_eq!(
        table.values,
        vec![("0".to_owned(), torch::Leaf::Other("<cycle>".into()))]
    );
}
