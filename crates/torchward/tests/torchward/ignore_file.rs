//! `.torchwardignore`: reasons required, expiry honoured with a warning, suppressed findings
//! hidden in text but kept in JSON and SARIF.
use crate::cli::{findings_report, stderr, stdout, Tree};
use tw_diagnostics::Report;

#[test]
fn suppressed_findings_leave_text_and_exit_code_but_stay_in_json_and_sarif() {
    let tree = Tree::new();
    let mut report = findings_report();
    report.findings.truncate(1); // only TW101 in models/evil.pt
    tree.save_report("scan.json", &report);
    tree.write(
        ".torchwardignore",
        "# vetted\nTW101 models/*.pt reason=\"red-team sample\" expires=2999-12-31\n",
    );

    let out = tree
        .torchward(&["report", "scan.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "No findings; 1 suppressed; 3 inputs.\n");

    let shown = tree
        .torchward(&["report", "scan.json", "--show-suppressed"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stdout(&shown)
        .contains("suppressed by .torchwardignore:2, until 2999-12-31: red-team sample"));

    let json = tree
        .torchward(&["report", "scan.json", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let back: Report = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    let suppression = back.findings[0]
        .suppressed
        .clone()
        .unwrap_or_else(|| panic!("not suppressed"));
    assert_eq!(suppression.reason, "red-team sample");
    assert_eq!(suppression.source, ".torchwardignore:2");

    let sarif = tree
        .torchward(&["report", "scan.json", "--format", "sarif"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sarif: serde_json::Value =
        serde_json::from_slice(&sarif.stdout).unwrap_or_else(|e| panic!("{e}"));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["suppressions"][0]["justification"],
        "red-team sample"
    );
}

#[test]
fn expired_entries_warn_and_no_longer_apply() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.write(
        ".torchwardignore",
        "TW101 reason=\"temporary\" expires=2000-01-01\n",
    );
    let out = tree
        .torchward(&["report", "scan.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("TW101"));
    assert_eq!(
        stderr(&out),
        "warning: .torchwardignore:1: the entry for TW101 expired on 2000-01-01 and no longer applies\n"
    );
}

#[test]
fn entries_without_a_reason_are_errors_naming_the_line() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.write(".torchwardignore", "\nTW101 models/evil.pt\n");
    tree.torchward(&["report", "scan.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            ".torchwardignore:2: every entry needs reason=\"...\"",
        ));
}

#[test]
fn explicit_ignore_file_and_opting_out() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.write(
        ".torchwardignore",
        "TW101 reason=default-file\nTW102 reason=default-file\n",
    );
    tree.write("ci/ignore", "TW101 reason=\"explicit file\"\n");

    let explicit = tree
        .torchward(&[
            "report",
            "scan.json",
            "--format",
            "json",
            "--ignore-file",
            "ci/ignore",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report: Report = serde_json::from_slice(&explicit.stdout).unwrap_or_else(|e| panic!("{e}"));
    let suppressed: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .map(|f| f.rule.clone())
        .collect();
    assert_eq!(suppressed, ["TW101"], "only the explicit file applies");

    let none = tree
        .torchward(&[
            "report",
            "scan.json",
            "--format",
            "json",
            "--no-ignore-file",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report: Report = serde_json::from_slice(&none.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.findings.iter().all(|f| f.suppressed.is_none()));

    tree.torchward(&["report", "scan.json", "--ignore-file", "missing"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing"));
}

#[test]
fn entries_naming_unknown_rules_warn() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.write(".torchwardignore", "TW199 reason=typo\n");
    tree.torchward(&["report", "scan.json"])
        .assert()
        .code(1)
        .stderr(
        "warning: .torchwardignore:1: TW199 is not a known finding ID; the entry matches nothing\n",
    );
}
