//! The fixture packages under `fixtures/api/` (see its README): their interfaces and findings,
//! asserted exactly through reviewed snapshots, and the diff of v1 to v2.
use std::fmt::Write as _;
use std::path::PathBuf;

fn fixture(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/api")
        .join(version)
        .join("fixpkg")
}

fn analysis(version: &str) -> tw_pyapi::Analysis {
    let set = tw_pyapi::read_dir(&fixture(version)).unwrap_or_else(|e| panic!("{e}"));
    tw_pyapi::analyze(&set, &|| {})
}

/// One line per declaration: module | name | kind | signature | summary | origin.
fn interface_text(analysis: &tw_pyapi::Analysis) -> String {
    let mut out = String::new();
    for d in &analysis.interface.declarations {
        let _ = writeln!(
            out,
            "{} | {} | {} | {} | {} | {}",
            d.module,
            d.name,
            d.kind,
            d.signature_text(),
            d.summary.as_deref().unwrap_or(""),
            d.origin.as_deref().unwrap_or("")
        );
    }
    out
}

/// One line per finding other than the declaration rows: rule, `file:line`, message.
fn findings_text(findings: &[tw_diagnostics::Finding]) -> String {
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| f.rule != "TW650")
        .map(|f| {
            let file = f.location.path.split("fixpkg/").last().unwrap_or("");
            format!(
                "{} {file}:{} {}",
                f.rule,
                f.location.line.unwrap_or(0),
                f.message
            )
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn v1_interface_is_exactly_the_expected_one() {
    let analysis = analysis("v1");
    assert!(analysis.parse_errors.is_empty() && analysis.problems.is_empty());
    assert_eq!(analysis.files, 13);
    insta::assert_snapshot!("v1-interface", interface_text(&analysis));
    insta::assert_snapshot!("v1-findings", findings_text(&analysis.findings()));
}

#[test]
fn v2_interface_is_exactly_the_expected_one() {
    let analysis = analysis("v2");
    insta::assert_snapshot!("v2-interface", interface_text(&analysis));
}

#[test]
fn every_declaration_has_one_row_finding() {
    let analysis = analysis("v1");
    let rows = analysis
        .findings()
        .iter()
        .filter(|f| f.rule == "TW650")
        .count();
    assert_eq!(rows, analysis.interface.declarations.len());
}

#[test]
fn diff_of_v1_and_v2_reports_every_planted_change() {
    let old = analysis("v1");
    let new = analysis("v2");
    let findings = tw_pyapi::diff(&old.interface, &new.interface);
    insta::assert_snapshot!("v1-v2-diff", findings_text(&findings));
    assert!(tw_pyapi::diff(&old.interface, &old.interface).is_empty());
}
