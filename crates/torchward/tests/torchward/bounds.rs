//! Hostile sharing through the binary: a 10 MB pickle that references one string 2,000 times
//! is one TW126 finding from `scan` (exit 1, never an abort) and a refusal from `inspect` with
//! a few lines of output; a shared value within the limits is printed once.
use std::path::Path;

use crate::cli::{stderr, stdout, Tree};

/// `{'x': [s] * 2000}` with `s` a string of `size` bytes (protocol 2, `s` under memo 3).
fn shared_string_pickle(size: usize) -> Vec<u8> {
    let mut out = b"\x80\x02}q\x00X\x01\x00\x00\x00xq\x01]q\x02(X".to_vec();
    let len = u32::try_from(size).unwrap_or_else(|e| panic!("{e}"));
    out.extend_from_slice(&len.to_le_bytes());
    out.resize(out.len() + size, b'a');
    out.extend_from_slice(b"q\x03");
    out.extend(std::iter::repeat_n(*b"h\x03", 1999).flatten());
    out.extend_from_slice(b"es.");
    out
}

#[test]
fn a_shared_reference_bomb_is_a_finding_with_bounded_output() {
    let tree = Tree::new();
    let bomb = tree.join("shared_10mb.pkl");
    std::fs::write(&bomb, shared_string_pickle(10 << 20)).unwrap_or_else(|e| panic!("{e}"));
    let out = tree
        .torchward(&["scan", "--format", "json", "shared_10mb.pkl"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"TW126"), "{rules:?}");
    assert!(
        out.stdout.len() < 10_000,
        "{} bytes of report",
        out.stdout.len()
    );

    let out = tree
        .torchward(&["inspect", "shared_10mb.pkl"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.len() + out.stderr.len() < 10_000);
}

#[test]
fn inspect_prints_a_shared_value_once() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pickle-bounds/shared_str_small.pt");
    let tree = Tree::new();
    let out = tree
        .torchward(&["inspect", &fixture.display().to_string()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches(&"a".repeat(4096)).count(), 1);
    assert_eq!(text.matches("<the value at x.0, shared>").count(), 1999);
    assert!(text.len() < 200_000, "{} bytes", text.len());
}
