//! Resource bounds on hostile sharing: one large value referenced thousands of times by memo
//! (the issue's `{'x': [s] * 2000}`), a billion laughs of tuples, a list holding itself, keys
//! long enough to make every path huge; and what STOP leaves on the stack.
use tw_pickle::{torch, LimitKind, PickleError, StopResidue};

use crate::build::{scan, P};

const MB: usize = 1 << 20;

/// What the shared value is.
#[derive(Clone, Copy)]
enum Shared {
    Str,
    Bytes,
    /// A one-tuple of a string.
    Tuple,
}

/// `{'x': [v] * count}` as Python's pickle writes it (protocol 2): `v` once under memo 3, then
/// `count - 1` BINGETs of it.
fn shared_bomb(kind: Shared, size: usize, count: usize) -> Vec<u8> {
    let len = u32::try_from(size).unwrap().to_le_bytes();
    let mut p = P::new()
        .proto(2)
        .op(b'}')
        .put(0)
        .uni("x")
        .put(1)
        .op(b']')
        .put(2)
        .op(b'(');
    p = match kind {
        Shared::Str => p.op(b'X').raw(&len).raw(&vec![b'a'; size]),
        Shared::Bytes => p.op(b'B').raw(&len).raw(&vec![b'b'; size]),
        Shared::Tuple => p.op(b'X').raw(&len).raw(&vec![b't'; size]).op(0x85),
    };
    p = p.put(3);
    for _ in 1..count {
        p = p.get(3);
    }
    p.op(b'e').op(b's').stop().0
}

#[test]
fn a_value_shared_by_memo_is_listed_once_then_referenced() {
    for kind in [Shared::Str, Shared::Bytes, Shared::Tuple] {
        let bytes = shared_bomb(kind, MB, 2000);
        let parsed = scan(&bytes);
        assert!(parsed.is_complete(), "{:?}", parsed.error);
        let table = torch::extract(&parsed).unwrap();
        assert_eq!(table.values.len(), 2000);
        let (first_path, first) = &table.values[0];
        assert_eq!(first_path, "x.0");
        assert!(!matches!(first, torch::Leaf::Shared(_)));
        for (i, (path, leaf)) in table.values.iter().enumerate().skip(1) {
            assert_eq!(path, &format!("x.{i}"));
            assert_eq!(leaf, &torch::Leaf::Shared("x.0".to_owned()));
        }
        // One copy of the megabyte plus small records: nowhere near 2,000 copies.
        assert!(table.materialised > MB as u64, "{}", table.materialised);
        assert!(table.materialised < 2 * MB as u64, "{}", table.materialised);
    }
}

#[test]
fn small_repeated_values_stay_inline() {
    // {'x': ['cpu'] * 3}: a short string is cheaper to repeat than to reference.
    let bytes = P::new()
        .proto(2)
        .op(b'}')
        .uni("x")
        .op(b']')
        .op(b'(')
        .uni("cpu")
        .put(0)
        .get(0)
        .get(0)
        .op(b'e')
        .op(b's')
        .stop()
        .0;
    let table = torch::extract(&scan(&bytes)).unwrap();
    let leaves: Vec<&torch::Leaf> = table.values.iter().map(|(_, l)| l).collect();
    assert_eq!(leaves, vec![&torch::Leaf::Str("cpu".to_owned()); 3]);
}

#[test]
fn shared_references_past_the_budget_are_an_expansion() {
    for kind in [Shared::Str, Shared::Bytes, Shared::Tuple] {
        for size in [MB, 10 * MB] {
            let bytes = shared_bomb(kind, size, 2000);
            let parsed = scan(&bytes);
            let expansion = parsed.expansion().expect("2,000 copies exceed the budget");
            assert_eq!(
                expansion.limit,
                8 * parsed.end.unwrap() as u64 + parsed.limits.materialise_allowance
            );
            assert!(expansion.bytes > expansion.limit);
        }
    }
    // 4 KiB referenced 2,000 times (8 MB as a tree) fits the default allowance.
    let bytes = shared_bomb(Shared::Str, 4096, 2000);
    assert_eq!(scan(&bytes).expansion(), None);
}

/// `t0 = 'a' * 100; t(i+1) = (t(i), t(i))`, `levels` deep: 2^levels leaves in a few bytes.
fn billion_laughs(levels: u8) -> Vec<u8> {
    let mut p = P::new().proto(2).uni(&"a".repeat(100)).put(0);
    for level in 0..levels {
        p = p.get(level).op(0x86).put(level + 1);
    }
    p.stop().0
}

#[test]
fn a_billion_laughs_of_tuples_is_bounded() {
    let bytes = billion_laughs(40);
    let parsed = scan(&bytes);
    assert!(parsed.is_complete());
    assert!(parsed.graph.len() < 100);
    assert!(parsed.expansion().is_some());
    let extracted = torch::extract(&parsed);
    assert!(
        matches!(
            extracted,
            Err(torch::ExtractError::LimitExceeded {
                what: LimitKind::WalkSteps | LimitKind::MaterialisedBytes,
                ..
            })
        ),
        "{extracted:?}"
    );
}

#[test]
fn a_list_holding_itself_many_times_is_bounded() {
    // l = []; l.extend([l] * 2000)
    let mut p = P::new().proto(2).op(b']').put(0).op(b'(');
    for _ in 0..2000 {
        p = p.get(0);
    }
    let bytes = p.op(b'e').stop().0;
    let parsed = scan(&bytes);
    assert_eq!(parsed.expansion(), None);
    let table = torch::extract(&parsed).unwrap();
    assert_eq!(table.values.len(), 2000);
    assert!(table
        .values
        .iter()
        .all(|(_, leaf)| *leaf == torch::Leaf::Other("<cycle>".to_owned())));
}

#[test]
fn a_long_key_over_many_children_hits_the_materialised_budget() {
    // {k: [0] * 100_000} with k a 1 MB key: every child's path starts with the key.
    let key = "k".repeat(MB);
    let mut p = P::new().proto(2).op(b'}').uni(&key).op(b']').op(b'(');
    for _ in 0..100_000 {
        p = p.int1(0);
    }
    let bytes = p.op(b'e').op(b's').stop().0;
    let parsed = scan(&bytes);
    // As a tree the value is small: the cost is in the paths a listing makes.
    assert_eq!(parsed.expansion(), None);
    let err = torch::extract(&parsed).unwrap_err();
    let torch::ExtractError::LimitExceeded {
        what, limit, path, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*what, LimitKind::MaterialisedBytes);
    assert_eq!(*limit, parsed.materialise_budget());
    assert!(path.len() < 300, "the error quotes a cut path");
}

#[test]
fn the_materialise_allowance_is_a_limit_like_the_others() {
    let bytes = shared_bomb(Shared::Str, 4096, 2000);
    let mut options = tw_pickle::ParseOptions::new(tw_pickle::Profile::Scan);
    options.limits.materialise_allowance = 0;
    let parsed = tw_pickle::parse(&bytes, &options);
    let expansion = parsed.expansion().unwrap();
    assert_eq!(expansion.limit, 8 * bytes.len() as u64);
}

#[test]
fn stop_records_what_it_leaves_behind() {
    // The fixtures of fixtures/pickle-bounds: behaviour.json records that pickle (C and
    // Python) and torch's weights-only unpickler return the top value for the first two.
    let residue = |bytes: &[u8]| {
        let parsed = scan(bytes);
        assert!(parsed.is_complete(), "{:?}", parsed.error);
        parsed.residue
    };
    assert_eq!(residue(b"\x80\x02K\x01."), StopResidue::default());
    assert!(residue(b"\x80\x02K\x01.").is_clean());
    assert_eq!(
        residue(b"\x80\x02K\x01K\x02."),
        StopResidue {
            open_marks: 0,
            extra_values: 1
        }
    );
    assert_eq!(
        residue(b"\x80\x02(K\x01."),
        StopResidue {
            open_marks: 1,
            extra_values: 0
        }
    );
    // A call whose result STOP drops under an open MARK.
    let hidden = residue(b"(cos\nsystem\n(S'echo pwned'\ntR}.");
    assert_eq!(
        hidden,
        StopResidue {
            open_marks: 1,
            extra_values: 1
        }
    );
    // Nothing above the open MARK: every loader underflows, and so does the machine.
    let parsed = scan(b"\x80\x02K\x01(.");
    assert!(matches!(
        parsed.error,
        Some(PickleError::StackUnderflow { .. })
    ));
    assert!(parsed.residue.is_clean());
}
