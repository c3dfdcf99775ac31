//! `torchward scan` over issue #14's fixtures (`fixtures/scan/`): a model inside a `.tar.gz` is
//! named by the path through the archives, and a tree of ordinary text files scans clean.
use std::path::PathBuf;

use crate::cli::{stdout, Tree};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/scan")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_model_in_a_tar_gz_is_flagged_under_its_path_through_the_archives() {
    let tree = Tree::new();
    let file = fixture("nested/bundle.tar.gz");
    let out = tree
        .torchward(&["scan", &file])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let place = format!("{file}!model/pytorch_model.bin:");
    assert!(
        text.contains("critical TW101") && text.contains(&place),
        "{text}"
    );
}

#[test]
fn ordinary_text_files_scan_clean() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["scan", &fixture("text")])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("No findings"), "{text}");
}

/// The `TW13x` rules (and their count) that scanning `fixtures/frameworks/sharded_hostile` with
/// `extra` arguments reports: whole JSON report or every line of `--format jsonl`.
fn sharded_set_rules(tree: &Tree, extra: &[&str]) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/frameworks/sharded_hostile")
        .display()
        .to_string();
    let mut args = vec!["scan", dir.as_str()];
    args.extend_from_slice(extra);
    let out = tree
        .torchward(&args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&out);
    let reports: Vec<serde_json::Value> = if extra.contains(&"jsonl") {
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    } else {
        vec![serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))]
    };
    let mut rules: Vec<String> = reports
        .iter()
        .filter_map(|r| r.get("findings").and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(|f| f.get("rule").and_then(serde_json::Value::as_str))
        .filter(|rule| rule.starts_with("TW13"))
        .map(str::to_owned)
        .collect();
    rules.sort();
    rules
}

/// The sharded-set checks run in `--format jsonl` as in the whole report, and a scan split with
/// `--shard I/N` runs each exactly once (in the shard owning the index or directory).
#[test]
fn sharded_set_checks_run_in_jsonl_and_once_across_scan_shards() {
    let tree = Tree::new();
    let whole = sharded_set_rules(&tree, &["--format", "json"]);
    for id in ["TW131", "TW132", "TW133", "TW134", "TW135"] {
        assert!(whole.iter().any(|r| r == id), "{id} in {whole:?}");
    }
    assert_eq!(sharded_set_rules(&tree, &["--format", "jsonl"]), whole);
    for format in ["json", "jsonl"] {
        let mut split = Vec::new();
        for shard in ["0/3", "1/3", "2/3"] {
            split.extend(sharded_set_rules(
                &tree,
                &["--format", format, "--shard", shard],
            ));
        }
        split.sort();
        assert_eq!(split, whole, "--format {format} split three ways");
    }
}
