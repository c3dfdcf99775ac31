//! `--select` and `--ignore`: drop findings by ID or prefix before rendering and exit codes.
use crate::cli::{findings_report, medium_rule, stdout, Tree};
use tw_diagnostics::Report;

fn rules_left(tree: &Tree, extra: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut args = vec!["report", "scan.json", "--format", "json"];
    args.extend_from_slice(extra);
    let out = tree
        .torchward(&args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report: Report = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        report.findings.into_iter().map(|f| f.rule).collect(),
    )
}

#[test]
fn select_keeps_only_matching_ids_and_prefixes() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    assert_eq!(
        rules_left(&tree, &["--select", "TW102"]),
        (Some(1), vec!["TW102".to_owned()])
    );
    let (_, all) = rules_left(&tree, &["--select", "tw1"]);
    assert_eq!(all.len(), 3);
    let medium = medium_rule().id;
    let (_, two) = rules_left(&tree, &["--select", &format!("TW101,{medium}")]);
    assert_eq!(two, ["TW101".to_owned(), medium.to_owned()]);
}

#[test]
fn ignore_drops_findings_and_wins_over_select() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    assert_eq!(rules_left(&tree, &["--ignore", "TW1"]), (Some(0), vec![]));
    let (_, left) = rules_left(
        &tree,
        &["--select", "TW1", "--ignore", "TW101", "--ignore", "TW102"],
    );
    assert_eq!(left, [medium_rule().id.to_owned()]);
}

#[test]
fn malformed_selectors_are_usage_errors() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.torchward(&["report", "scan.json", "--select", "dangerous"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a finding ID or prefix"));
    tree.torchward(&["report", "scan.json", "--ignore", "TW1001"])
        .assert()
        .code(2);
}

#[test]
fn selectors_matching_no_known_rule_warn() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.torchward(&["report", "scan.json", "--select", "TW1,TW999"])
        .assert()
        .code(1)
        .stderr("warning: --select TW999 matches no known finding ID\n");
}

/// The configuration file's `per-path-ignores` drops the same findings in every format of
/// every output path: the whole report (text, JSON, SARIF), `scan --format jsonl`, and the
/// streamed `audit perms` report (text, summary, JSON).
#[test]
fn per_path_ignores_apply_to_every_format_and_output_path() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new();
    tree.write(
        "torchward.toml",
        "[per-path-ignores]\n\"vendor/**\" = [\"TW1\", \"TW3\"]\n",
    );
    let evil = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evil-system.pt");
    for dir in ["models", "vendor"] {
        let path = tree.join(&format!("{dir}/evil.pt"));
        std::fs::create_dir_all(tree.join(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(evil, &path).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let cases: &[&[&str]] = &[
        &["scan", "models", "vendor"],
        &["scan", "models", "vendor", "--format", "json"],
        &["scan", "models", "vendor", "--format", "sarif"],
        &["scan", "models", "vendor", "--format", "jsonl"],
        &["audit", "perms", "models", "vendor", "--verbose"],
        &["audit", "perms", "models", "vendor", "--summary"],
        &["audit", "perms", "models", "vendor", "--format", "json"],
    ];
    for args in cases {
        let out = tree
            .torchward(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(text.contains("models/evil.pt"), "{args:?}: {text}");
        // A jsonl `file` line names every file analysed; only its findings are filtered.
        let text = text.replace(
            r#""path":"vendor/evil.pt","verdict":"analysed","findings":[]"#,
            "",
        );
        assert!(!text.contains("vendor/evil.pt"), "{args:?}: {text}");
    }
}
