//! `torchward api` through the real binary on a copy of `fixtures/api`: the declaration table
//! and the interface findings in every format, the diff of the two fixture versions (every
//! planted break found, exit 1), the same diff read from two git revisions, and usage errors
//! (exit 2).
use crate::cli::{stderr, stdout, Tree};
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

/// A tree holding a copy of `fixtures/api` (v1/fixpkg and v2/fixpkg).
fn fixture_tree() -> Tree {
    let tree = Tree::new();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/api");
    copy_dir(&source, tree.path());
    tree
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", target.display()));
        }
    }
}

fn run(tree: &Tree, args: &[&str]) -> (Option<i32>, String, String) {
    let out = tree
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn declaration_table_in_markdown() {
    let tree = fixture_tree();
    let (code, markdown, _) = run(&tree, &["api", "v1/fixpkg", "--format", "markdown"]);
    assert_eq!(code, Some(1), "TW651/TW652/TW653/TW654 findings count");
    insta::assert_snapshot!("api-markdown", markdown);
}

#[test]
fn interface_findings_in_text_json_sarif_and_github() {
    let tree = fixture_tree();
    let (code, text, _) = run(
        &tree,
        &["api", "v1/fixpkg", "--format", "text", "--ignore", "TW650"],
    );
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("api-text", text);

    let (code, github, _) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--format",
            "github",
            "--ignore",
            "TW650",
        ],
    );
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("api-github", github);

    let (_, json, _) = run(&tree, &["api", "v1/fixpkg", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let count = |id: &str| findings.iter().filter(|f| f["rule"] == id).count();
    assert_eq!(count("TW650"), 58, "declaration rows");
    assert_eq!(count("TW651"), 1);
    assert_eq!(count("TW652"), 2);
    assert_eq!(count("TW653"), 2);
    assert_eq!(count("TW654"), 1);
    assert_eq!(count("TW655"), 1);
    assert_eq!(report["stats"]["inputs"], 13);

    let (code, json, _) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--format",
            "json",
            "--select",
            "TW651,TW654",
        ],
    );
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("api-json", json);

    let (code, sarif, _) = run(
        &tree,
        &["api", "v1/fixpkg", "--format", "sarif", "--select", "TW651"],
    );
    insta::assert_snapshot!("api-sarif", sarif);
    assert_eq!(code, Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{e}"));
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "TW651");
    assert_eq!(results[0]["level"], "error");
}

/// Every break planted in v2 (see fixtures/api/README.md), and nothing else.
const PLANTED: &[&str] = &[
    "TW656 public function `fixpkg.io.open_stream` was removed",
    "TW656 public constant `fixpkg.nn.CONSTANT` was removed",
    "TW656 public module `fixpkg.nn.functional` was removed",
    "TW657 class `fixpkg.Engine` changed incompatibly: new required parameter `config`",
    "TW657 class `fixpkg.nn.LayerConfig` changed incompatibly: parameter `bias` made required (default removed)",
    "TW657 class `fixpkg.nn.layers.LayerConfig` changed incompatibly: parameter `bias` made required (default removed)",
    "TW657 classmethod `fixpkg.Engine.from_config` changed incompatibly: parameter `strict` made required (default removed); positional parameters reordered: (cfg, strict) -> (strict, cfg)",
    "TW657 function `fixpkg.io.load` changed incompatibly: parameter `map_location` can no longer be passed by position (now keyword-only); parameter `map_location` made required (default removed)",
    "TW657 function `fixpkg.io.save` changed incompatibly: overload `(obj: list, path: str) -> None` removed",
    "TW657 function `fixpkg.load` changed incompatibly: parameter `map_location` can no longer be passed by position (now keyword-only); parameter `map_location` made required (default removed)",
    "TW657 function `fixpkg.modern.fetch` changed incompatibly: `async def` became `def` (awaiting the result now fails)",
    "TW657 function `fixpkg.modern.first` changed incompatibly: parameter `default` inserted before existing positional parameters (items) -> (default, items)",
    "TW657 function `fixpkg.nn.make_layer` changed incompatibly: `*args` removed; `**kwargs` removed",
    "TW657 function `fixpkg.run_engine` changed incompatibly: positional parameters reordered: (engine, steps) -> (steps, engine)",
    "TW657 function `fixpkg.save` changed incompatibly: overload `(obj: list, path: str) -> None` removed",
    "TW657 method `fixpkg.Engine.running` changed incompatibly: was a property, is now a method",
    "TW657 method `fixpkg.Engine.start` changed incompatibly: parameter `timeout` removed",
    "TW658 public function `fixpkg.io.save_many` was added",
    "TW658 public module `fixpkg.utils` was added",
];

fn diff_lines(json: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    let mut lines: Vec<String> = report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    lines
}

fn planted() -> Vec<String> {
    let mut planted: Vec<String> = PLANTED.iter().map(|s| (*s).to_owned()).collect();
    planted.sort();
    planted
}

#[test]
fn diff_of_two_directories_finds_every_planted_break() {
    let tree = fixture_tree();
    let (code, json, _) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--against",
            "v2/fixpkg",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(1), "breaking changes exit 1");
    assert_eq!(diff_lines(&json), planted());

    let (code, markdown, _) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--against",
            "v2/fixpkg",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("api-diff-markdown", markdown);

    // No change, no finding; additions alone do not fail.
    let (code, _, _) = run(&tree, &["api", "v1/fixpkg", "--against", "v1/fixpkg"]);
    assert_eq!(code, Some(0));
    let (code, _, _) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--against",
            "v2/fixpkg",
            "--ignore",
            "TW656,TW657",
        ],
    );
    assert_eq!(code, Some(0), "TW658 additions are info");
}

fn git(tree: &Tree, args: &[&str]) -> bool {
    Command::new("git")
        .current_dir(tree.path())
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn diff_of_two_git_revisions_matches_the_directory_diff() {
    let tree = fixture_tree();
    if !git(&tree, &["--version"]) {
        // A skip must be visible in the test output, never a silent pass.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP diff_of_two_git_revisions_matches_the_directory_diff: git is not installed"
        );
        return;
    }
    copy_dir(&tree.join("v1/fixpkg"), &tree.join("src/fixpkg"));
    assert!(git(&tree, &["init", "-q"]));
    assert!(git(&tree, &["add", "src"]));
    assert!(git(&tree, &["commit", "-q", "-m", "v1"]));
    std::fs::remove_dir_all(tree.join("src/fixpkg")).unwrap_or_else(|e| panic!("{e}"));
    copy_dir(&tree.join("v2/fixpkg"), &tree.join("src/fixpkg"));
    assert!(git(&tree, &["add", "-A", "src"]));
    assert!(git(&tree, &["commit", "-q", "-m", "v2"]));

    let (code, json, err) = run(
        &tree,
        &[
            "api",
            "src/fixpkg",
            "--rev",
            "HEAD~1..HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    let lines = diff_lines(&json);
    assert_eq!(lines, planted());
    assert!(
        json.contains("HEAD~1:src/fixpkg/"),
        "paths name the revision"
    );

    let (code, _, err) = run(&tree, &["api", "src/fixpkg", "--rev", "nosuchrev..HEAD"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown git revision `nosuchrev`"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let tree = fixture_tree();
    let (code, _, err) = run(&tree, &["api", "v1/fixpkg", "--rev", "HEAD~1..HEAD"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not inside a git work tree"), "{err}");
    let (code, _, err) = run(&tree, &["api", "no-such-dir"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a directory"), "{err}");
    let (code, _, err) = run(&tree, &["api", "v1/fixpkg", "--rev", "v1"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("OLD..NEW"), "{err}");
    let (code, _, _) = run(&tree, &["api", "v1/fixpkg", "--format", "csv"]);
    assert_eq!(code, Some(2));
}

#[test]
fn syntax_errors_exit_2_unless_ignored() {
    let tree = fixture_tree();
    tree.write("v1/fixpkg/broken.py", "def f(:\n    pass\n");
    let (code, _, err) = run(&tree, &["api", "v1/fixpkg", "--format", "json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("broken.py"), "{err}");
    let (code, _, err) = run(
        &tree,
        &[
            "api",
            "v1/fixpkg",
            "--format",
            "json",
            "--ignore-parse-errors",
        ],
    );
    assert_eq!(code, Some(1), "findings, no error: {err}");
}
