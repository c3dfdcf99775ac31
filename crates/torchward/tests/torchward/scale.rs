//! Model stores at scale: `--format jsonl` writes one line per file and a summary last, and
//! the shards of an N-way `--shard` split together are exactly the unsplit scan.
use crate::cli::{stderr, Tree};
use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

fn evil() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/evil-system.pt")
}

/// A store of benign text, copies of a malicious checkpoint, links to them, a dangling link and
/// an unreadable-as-model file.
fn store(tree: &Tree) {
    for i in 0..40 {
        tree.write(&format!("store/d{}/notes-{i}.txt", i % 5), "not a model\n");
    }
    for i in 0..6 {
        let path = tree.join(&format!("store/m{i}/model.pt"));
        std::fs::create_dir_all(path.parent().unwrap_or(tree.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(evil(), &path).unwrap_or_else(|e| panic!("{e}"));
    }
    symlink("../m0/model.pt", tree.join("store/d0/link.pt")).unwrap_or_else(|e| panic!("{e}"));
    symlink("missing", tree.join("store/d1/dangling.pt")).unwrap_or_else(|e| panic!("{e}"));
}

/// Runs a JSONL scan; returns every line but the summary (sorted) and the summary.
fn jsonl(tree: &Tree, extra: &[&str]) -> (Vec<String>, serde_json::Value) {
    let mut args = vec!["scan", "store", "--format", "jsonl"];
    args.extend_from_slice(extra);
    let out = tree
        .torchward(&args)
        .timeout(Duration::from_mins(2))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let summary = lines.pop().unwrap_or_default();
    let summary: serde_json::Value =
        serde_json::from_str(&summary).unwrap_or_else(|e| panic!("{e}: {summary}"));
    assert_eq!(summary["type"], "summary");
    for line in &lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_ne!(value["type"], "summary", "one summary, last");
    }
    lines.sort();
    (lines, summary)
}

#[test]
fn jsonl_has_one_line_per_file_and_a_summary_last() {
    let tree = Tree::new();
    store(&tree);
    let (lines, summary) = jsonl(&tree, &[]);
    let files: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "file")
        .filter_map(|v| v["path"].as_str().map(str::to_owned))
        .collect();
    // 40 notes, 5 models by their own name, model 0 by its link only.
    assert_eq!(files.len(), 46, "{files:?}");
    assert!(files.contains("store/d0/link.pt"));
    assert!(!files.contains("store/m0/model.pt"));
    assert!(lines
        .iter()
        .any(|l| l.contains("\"reason\":\"dangling-link\"")));
    assert_eq!(summary["stats"]["links_followed"], 1);
    assert_eq!(summary["skipped"], 1);
    assert!(summary["counting_findings"].as_u64().unwrap_or(0) >= 6);
}

#[test]
fn the_shards_of_a_four_way_split_together_equal_the_unsplit_scan() {
    let tree = Tree::new();
    store(&tree);
    let (whole, whole_summary) = jsonl(&tree, &[]);
    let mut parts = Vec::new();
    let mut counting = 0;
    let mut inputs = 0;
    for i in 0..4 {
        let shard = format!("{i}/4");
        let (lines, summary) = jsonl(&tree, &["--shard", &shard]);
        assert_eq!(summary["shard"], shard.as_str());
        counting += summary["counting_findings"].as_u64().unwrap_or(0);
        inputs += summary["stats"]["inputs"].as_u64().unwrap_or(0)
            + summary["stats"]["skipped"].as_u64().unwrap_or(0);
        assert!(lines.len() < whole.len(), "shard {shard} is a part");
        parts.extend(lines);
    }
    parts.sort();
    assert_eq!(parts, whole, "same lines, each exactly once");
    assert_eq!(
        counting,
        whole_summary["counting_findings"].as_u64().unwrap_or(0)
    );
    assert_eq!(
        inputs,
        whole_summary["stats"]["inputs"].as_u64().unwrap_or(0)
            + whole_summary["stats"]["skipped"].as_u64().unwrap_or(0)
    );
}
