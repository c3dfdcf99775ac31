//! `torchward lint` through the real binary: exit codes 0/1/2, syntax errors with and without
//! `--ignore-parse-errors`, JSON and SARIF output, `--honor-nosec`, the baseline round trip,
//! and its `--help`.
use crate::cli::{stdout, Tree};

const RISKY: &str = "import torch\nimport pickle as pk\n\ntorch.load(p)\npk.loads(b)  # nosec\n";

fn run(tree: &Tree, args: &[&str]) -> (Option<i32>, String, String) {
    let out = tree
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        stdout(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn findings_exit_1_with_positions_and_code() {
    let tree = Tree::new();
    tree.write("src/train.py", RISKY);
    let (code, out, _) = run(&tree, &["lint", "src"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("TW602"), "{out}");
    assert!(out.contains("src/train.py:4:1"), "{out}");
    assert!(out.contains("code: torch.load(p)"), "{out}");
    assert!(out.contains("TW621"), "{out}");
}

#[test]
fn clean_tree_exits_0() {
    let tree = Tree::new();
    tree.write(
        "ok.py",
        "import torch\nimport json\ntorch.load(p, weights_only=True)\njson.loads(s)\n",
    );
    let (code, _, _) = run(&tree, &["lint", "."]);
    assert_eq!(code, Some(0));
}

#[test]
fn syntax_errors_exit_2_unless_ignored_and_the_rest_is_linted() {
    let tree = Tree::new();
    tree.write("broken.py", "import pickle\ndef f(:\n    pass\n");
    tree.write(
        "good.py",
        "import torch\ntorch.load(p, weights_only=True)\n",
    );
    let (code, out, _) = run(&tree, &["lint", ".", "--format", "json"]);
    assert_eq!(code, Some(2));
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("syntax error at line 2, column 7"),
        "{message}"
    );
    assert_eq!(report["stats"]["inputs"], 2);

    let (code, _, err) = run(&tree, &["lint", ".", "--ignore-parse-errors"]);
    assert_eq!(code, Some(0));
    assert!(err.contains("broken.py:2:7"), "{err}");
}

#[test]
fn missing_path_exits_2() {
    let tree = Tree::new();
    let (code, _, _) = run(&tree, &["lint", "nope"]);
    assert_eq!(code, Some(2));
}

#[test]
fn nosec_only_with_honor_nosec() {
    let tree = Tree::new();
    tree.write("m.py", RISKY);
    let (_, out, _) = run(
        &tree,
        &["lint", "m.py", "--format", "json", "--select", "TW621"],
    );
    assert!(
        out.contains("\"TW621\"") && !out.contains("\"suppressed\""),
        "{out}"
    );
    let (_, out, _) = run(
        &tree,
        &[
            "lint",
            "m.py",
            "--format",
            "json",
            "--select",
            "TW621",
            "--honor-nosec",
        ],
    );
    assert!(out.contains("\"suppressed\""), "{out}");
}

#[test]
fn sarif_output_has_the_lint_rules() {
    let tree = Tree::new();
    tree.write("m.py", RISKY);
    let (code, out, _) = run(&tree, &["lint", "m.py", "--format", "sarif"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("\"2.1.0\"") && out.contains("torch-load-implicit"),
        "{out}"
    );
}

#[test]
fn baseline_round_trip() {
    let tree = Tree::new();
    tree.write("m.py", RISKY);
    let (code, _, _) = run(&tree, &["lint", "m.py", "--write-baseline", "base.json"]);
    assert_eq!(code, Some(1));
    let baseline = tree.read("base.json");
    assert!(baseline.contains("\"torch.load(p)\""), "{baseline}");
    let mode = std::fs::metadata(tree.join("base.json")).map_or(0, |m| {
        std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777
    });
    assert_eq!(mode, 0o640);

    // Lines move, the accepted calls stay accepted.
    tree.write("m.py", &format!("\n\n# moved\n{RISKY}"));
    let (code, _, _) = run(&tree, &["lint", "m.py", "--baseline", "base.json"]);
    assert_eq!(code, Some(0));

    // A new call is reported.
    tree.write("m.py", &format!("{RISKY}torch.load(q)\n"));
    let (code, out, _) = run(&tree, &["lint", "m.py", "--baseline", "base.json"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("torch.load(q)"), "{out}");

    // Never overwritten without --force-baseline.
    let (code, _, err) = run(&tree, &["lint", "m.py", "--write-baseline", "base.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("base.json"), "{err}");
    let (code, _, _) = run(
        &tree,
        &[
            "lint",
            "m.py",
            "--write-baseline",
            "base.json",
            "--force-baseline",
        ],
    );
    assert_eq!(code, Some(1));
}

#[test]
fn help() {
    let tree = Tree::new();
    let (code, out, _) = run(&tree, &["lint", "--help"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!("help_lint", out);
}
