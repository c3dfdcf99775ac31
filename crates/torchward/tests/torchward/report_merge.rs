//! `torchward report merge`: reports made by the real binary on "hosts" (named with
//! `TORCHWARD_HOST_NAME`), merged into one fleet summary; bad inputs named, the rest merged.
use crate::cli::{stderr, stdout, Tree};

/// `torchward scan` of the shipped examples as host `host`, saved as JSON at `name`.
fn scan_report(tree: &Tree, host: &str, name: &str, paths: &[&str]) {
    let out = tree.path().join(name);
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    let out_arg = out.to_string_lossy().into_owned();
    args.extend_from_slice(&["--format", "json", "--exit-zero", "-o", &out_arg]);
    tree.torchward(&args)
        .env("TORCHWARD_HOST_NAME", host)
        .assert()
        .code(0);
}

/// `DIR/a.json` from host gpu-01 (a malicious checkpoint) and `DIR/b.json` from gpu-02 (clean).
fn two_hosts(tree: &Tree, dir: &str) {
    scan_report(
        tree,
        "gpu-01",
        &format!("{dir}/a.json"),
        &[&example("evil-system.pt")],
    );
    scan_report(
        tree,
        "gpu-02",
        &format!("{dir}/b.json"),
        &[&example("resnet-tiny.pt")],
    );
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn reports_record_their_host_and_merge_into_one_summary() {
    let tree = Tree::new();
    std::fs::create_dir(tree.path().join("results")).unwrap_or_else(|e| panic!("{e}"));
    two_hosts(&tree, "results");
    scan_report(
        &tree,
        "gpu-03",
        "results/c.json",
        &[&example("evil-system.pt"), &example("object-array.npy")],
    );
    let saved = std::fs::read_to_string(tree.path().join("results/a.json")).unwrap_or_default();
    assert!(saved.contains("\"host\": \"gpu-01\""), "{saved}");

    let out = tree
        .torchward(&["report", "merge", "results", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fleet: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    let hosts: Vec<&str> = fleet["hosts"]
        .as_array()
        .map(|h| h.iter().filter_map(|h| h["host"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        hosts,
        ["gpu-03", "gpu-01", "gpu-02"],
        "worst first, most findings first"
    );
    assert_eq!(
        fleet["hosts"][2]["worst"],
        serde_json::Value::Null,
        "the benign host is clean"
    );
    let tw101 = fleet["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["rule"] == "TW101"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(tw101["hosts"], serde_json::json!(["gpu-01", "gpu-03"]));

    for (format, marker) in [
        ("text", "Hosts by worst severity"),
        ("markdown", "| host | worst"),
        ("html", "<table id=\"hosts\">"),
    ] {
        let out = tree
            .torchward(&["report", "merge", "results", "--format", format])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(stdout(&out).contains(marker), "{format}: {}", stdout(&out));
    }
}

#[test]
fn a_truncated_report_is_named_and_the_rest_still_merge() {
    let tree = Tree::new();
    scan_report(&tree, "node1", "good.json", &[&example("resnet-tiny.pt")]);
    let good = std::fs::read_to_string(tree.path().join("good.json")).unwrap_or_default();
    tree.write("cut.json", &good[..good.len() / 2]);
    let out = tree
        .torchward(&["report", "merge", "good.json", "cut.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`cut.json`: not a torchward report"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("node1"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 input(s) merged, 1 not"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn report_without_merge_still_rerenders_one_file() {
    let tree = Tree::new();
    scan_report(&tree, "node1", "one.json", &[&example("evil-system.pt")]);
    tree.torchward(&["report", "one.json", "--format", "github"])
        .assert()
        .code(1);
}

/// The JSON Lines shards of a sharded scan merge into the unsplit scan's findings, their
/// `summary`, `skipped` and `error` lines read as such.
#[test]
fn the_jsonl_shards_of_a_sharded_scan_merge() {
    let tree = Tree::new();
    let examples = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut rules = Vec::new();
    for shard in ["0/2", "1/2"] {
        let out = tree.path().join(format!("scan-{}.jsonl", &shard[..1]));
        let out_arg = out.to_string_lossy().into_owned();
        tree.torchward(&[
            "scan",
            &examples,
            "--shard",
            shard,
            "--format",
            "jsonl",
            "--exit-zero",
            "-o",
            &out_arg,
        ])
        .assert()
        .code(0);
    }
    let whole = tree
        .torchward(&["scan", &examples, "--format", "json", "--exit-zero"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let whole: serde_json::Value = serde_json::from_str(&stdout(&whole)).unwrap_or_default();
    let mut want: Vec<String> = whole["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["rule"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    want.sort();
    want.dedup();
    let out = tree
        .torchward(&[
            "report",
            "merge",
            "scan-0.jsonl",
            "scan-1.jsonl",
            "--format",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fleet: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap_or_default();
    assert_eq!(fleet["input_errors"], serde_json::json!([]));
    for rule in fleet["rules"].as_array().cloned().unwrap_or_default() {
        rules.push(rule["rule"].as_str().unwrap_or_default().to_owned());
    }
    rules.sort();
    assert!(!want.is_empty());
    assert_eq!(rules, want);
}

/// A directory of links to the reports (as a collector lays them out): links to regular files
/// are merged (a second link to the same report once), a dangling link and a link loop are
/// passed over and told on stderr, never an error.
#[test]
fn symlinked_reports_in_a_directory_are_followed_and_bad_links_passed_over() {
    use std::os::unix::fs::symlink;
    let tree = Tree::new();
    std::fs::create_dir_all(tree.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(tree.path().join("results")).unwrap_or_else(|e| panic!("{e}"));
    two_hosts(&tree, "store");
    let link = |target: &str, name: &str| {
        symlink(target, tree.path().join("results").join(name)).unwrap_or_else(|e| panic!("{e}"));
    };
    link("../store/a.json", "gpu-01.json");
    link("../store/a.json", "again.json");
    link("../store/b.json", "gpu-02.json");
    link("../store/missing.json", "dangling.json");
    link("loop.json", "loop.json");
    let out = tree
        .torchward(&["report", "merge", "results", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fleet: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fleet["inputs"], 2, "{fleet}");
    assert_eq!(
        fleet["input_errors"].as_array().map(Vec::len),
        Some(0),
        "{fleet}"
    );
    let hosts: Vec<&str> = fleet["hosts"]
        .as_array()
        .map(|h| h.iter().filter_map(|h| h["host"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(hosts, ["gpu-01", "gpu-02"]);
    let err = stderr(&out);
    assert!(err.contains("passed over 2 entries"), "{err}");
    assert!(err.contains("dangling.json` (dangling-link)"), "{err}");
    assert!(err.contains("loop.json` (link-loop)"), "{err}");
}
