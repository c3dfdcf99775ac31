//! Exit codes and formats through the whole pipeline (`torchward report` re-renders a saved
//! JSON report, so these tests need no model files).
use crate::cli::{clean_report, error_report, findings_report, stderr, stdout, Tree};
use tw_diagnostics::Report;

#[test]
fn findings_exit_1_and_text_goes_to_stdout_only() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let out = tree
        .torchward(&["report", "scan.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("critical TW101 dangerous-callable"), "{text}");
    assert!(
        text.ends_with("3 findings (1 critical, 1 high, 1 medium) in 2 files; 3 inputs.\n"),
        "{text}"
    );
    assert_eq!(
        stderr(&out),
        "",
        "stderr is not a terminal: no summary, no progress"
    );
}

#[test]
fn clean_report_exits_0() {
    let tree = Tree::new();
    tree.save_report("scan.json", &clean_report());
    tree.torchward(&["report", "scan.json"])
        .assert()
        .code(0)
        .stdout("No findings; 2 inputs.\n");
}

#[test]
fn analysis_errors_exit_2_even_with_exit_zero() {
    let tree = Tree::new();
    tree.save_report("scan.json", &error_report());
    tree.torchward(&["report", "scan.json"]).assert().code(2);
    tree.torchward(&["report", "scan.json", "--exit-zero"])
        .assert()
        .code(2);
}

#[test]
fn analysis_errors_reach_stderr_when_stdout_is_machine_readable() {
    let tree = Tree::new();
    tree.save_report("scan.json", &error_report());
    let out = tree
        .torchward(&["report", "scan.json", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: models/broken.pt: pickle ends inside a string\n"
    );
}

#[test]
fn fail_on_sets_the_threshold_and_exit_zero_overrides_findings() {
    let tree = Tree::new();
    let mut report = findings_report();
    report.findings.retain(|f| f.rule != "TW101"); // highest left: high
    tree.save_report("scan.json", &report);
    tree.torchward(&["report", "scan.json", "--fail-on", "high"])
        .assert()
        .code(1);
    tree.torchward(&["report", "scan.json", "--fail-on", "critical"])
        .assert()
        .code(0);
    tree.torchward(&["report", "scan.json", "--fail-on", "CRITICAL"])
        .assert()
        .code(0);
    tree.torchward(&["report", "scan.json", "--exit-zero"])
        .assert()
        .code(0);
}

#[test]
fn bad_usage_exits_2() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    for args in [
        &["report", "scan.json", "--fail-on", "severe"][..],
        &["report", "scan.json", "--format", "xml"],
        &["report", "scan.json", "--force"],
        &["report"],
        &["no-such-command"],
        &["report", "scan.json", "--format", "markdown"],
        &["report", "missing.json"],
    ] {
        tree.torchward(args).assert().code(2);
    }
}

#[test]
fn json_output_is_the_report_with_schema_version() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let out = tree
        .torchward(&["report", "scan.json", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report: Report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.schema_version, tw_diagnostics::SCHEMA_VERSION);
    assert_eq!(report.findings.len(), 3);
    assert_eq!(report.command, "scan");
}

#[test]
fn sarif_output_carries_registry_rule_docs() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let out = tree
        .torchward(&["report", "scan.json", "--format", "sarif"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sarif: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sarif["version"], "2.1.0");
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(rules[0]["id"], "TW101");
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    let help = rules[0]["help"]["markdown"].as_str().unwrap_or_default();
    assert_eq!(help, crate::cli::rule("TW101").markdown());
}

#[test]
fn github_output_annotates_each_finding() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let out = tree
        .torchward(&["report", "scan.json", "--format", "github"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.starts_with("::error file=models/evil.pt,title=TW101 dangerous-callable (critical)::"),
        "{text}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let plain = tree
        .torchward(&["report", "scan.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !plain.stdout.contains(&0x1b),
        "stdout is a pipe: no colour by default"
    );
    let always = tree
        .torchward(&["report", "scan.json", "--color", "always"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(always.stdout.contains(&0x1b));
}

#[test]
fn report_reads_stdin_and_refuses_other_schema_versions() {
    let tree = Tree::new();
    let json = serde_json::to_string(&findings_report()).unwrap_or_else(|e| panic!("{e}"));
    tree.torchward(&["report", "-"])
        .write_stdin(json.clone())
        .assert()
        .code(1);
    let newer = json.replacen("\"schema_version\":1", "\"schema_version\":99", 1);
    tree.torchward(&["report", "-"])
        .write_stdin(newer)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("schema_version 99"));
}

#[test]
fn broken_pipe_exits_quietly_with_the_would_be_code() {
    use std::process::{Command, Stdio};
    let tree = Tree::new();
    let mut report = findings_report();
    let template = report.findings[0].clone();
    for i in 0..3000 {
        let mut finding = template.clone();
        finding.location.offset = Some(i);
        report.findings.push(finding);
    }
    tree.save_report("big.json", &report);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("torchward"))
        .current_dir(tree.path())
        .args(["report", "big.json", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(child.stdout.take()); // close the read end before the report is written
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings exist, so the would-be code is 1"
    );
    assert_eq!(stderr(&out), "", "no error message for a closed pipe");
}
