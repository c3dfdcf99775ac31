//! The fixture's declaration in every format: Markdown and CSV (this crate's tables), JSON and
//! SARIF (the shared tw-report renderers), each snapshot-tested on the same report.
use super::common::scan;
use tw_diagnostics::{Registry, Report};
use tw_urls::{findings, table, CheckOptions, Declaration, ScanOptions};

/// The fixture report with a partial declaration (two rows filled in by a human, one left to
/// fill) and no check, so declared, undeclared, plain-HTTP and credential findings all appear.
fn report() -> Report {
    let scan = scan(&ScanOptions::default());
    let mut declaration = Declaration::default().updated(&scan);
    for entry in &mut declaration.entries {
        if entry.address == "https://github.com/google/googletest.git" {
            entry.origin = "open-source".into();
            entry.upstream = "https://github.com/google/googletest".into();
            entry.purpose = "googletest submodule".into();
        } else if entry.address == "https://pypi.org/simple" {
            entry.origin = "self-developed".into();
            entry.upstream.clear();
            entry.purpose = "Python package index".into();
        }
    }
    declaration.entries.retain(|e| {
        e.address == "https://github.com/google/googletest.git"
            || e.address == "https://pypi.org/simple"
            || e.address == "8.8.8.8"
    });
    let mut report = Report::new("urls", "0.0.0-test");
    report.findings = findings(
        &scan,
        &CheckOptions {
            declaration: Some(&declaration),
            ..CheckOptions::default()
        },
    );
    report.stats.inputs = scan.inputs;
    report.sort();
    report
}

#[test]
fn markdown() {
    insta::assert_snapshot!(table::markdown(&table::rows(&report())));
}

#[test]
fn csv() {
    insta::assert_snapshot!(table::csv(&table::rows(&report())));
}

#[test]
fn json() -> Result<(), tw_report::Error> {
    insta::assert_snapshot!(tw_report::json(&report())?);
    Ok(())
}

#[test]
fn sarif() -> Result<(), tw_report::Error> {
    let registry = Registry::new([tw_urls::RULES]);
    insta::assert_snapshot!(tw_report::sarif(
        &report(),
        &registry,
        &tw_report::SarifOptions::default()
    )?);
    Ok(())
}

#[test]
fn markdown_table_parses_back_to_the_same_rows() -> Result<(), tw_urls::Error> {
    let rows = table::rows(&report());
    let text = table::markdown(&rows);
    let back = Declaration::parse(
        &text,
        tw_urls::declaration::Format::Markdown,
        std::path::Path::new("t.md"),
    )?;
    assert_eq!(back.entries.len(), rows.len());
    for (entry, row) in back.entries.iter().zip(&rows) {
        assert_eq!(
            (&entry.file, &entry.address, &entry.purpose),
            (&row.file, &row.address, &row.purpose)
        );
    }
    Ok(())
}
