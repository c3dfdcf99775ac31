//! GitHub Actions workflow commands (`::error file=...,line=...,title=...::message`), one per
//! unsuppressed problem and one per analysis error, escaped as the runner expects
//! (`escape.rs`).
use crate::escape::{workflow_data, workflow_property};
use crate::location::display_location;
use std::fmt::Write;
use tw_diagnostics::{Finding, Report, Severity};

/// Renders the report as workflow commands; GitHub turns them into annotations on the run.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for finding in report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.status.is_problem())
    {
        annotation(&mut out, finding);
    }
    for error in &report.errors {
        let mut message = error.message.clone();
        if let Some(entry) = &error.entry {
            let _ = write!(message, " (in {entry})");
        }
        let _ = writeln!(
            out,
            "::error file={},title={}::{}",
            workflow_property(&error.path),
            workflow_property("torchward: file not analysed"),
            workflow_data(&message)
        );
    }
    out
}

fn annotation(out: &mut String, finding: &Finding) {
    let command = match finding.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    };
    let location = &finding.location;
    // An archive member's findings annotate the archive on disk.
    let (file, member) = location.file_and_member();
    let mut properties = vec![format!("file={}", workflow_property(file))];
    if let Some(line) = location.line {
        properties.push(format!("line={line}"));
        if let Some(column) = location.column {
            properties.push(format!("col={column}"));
        }
        if let Some(end_line) = location.end_line {
            properties.push(format!("endLine={end_line}"));
        }
        if let Some(end_column) = location.end_column {
            properties.push(format!("endColumn={end_column}"));
        }
    }
    properties.push(format!(
        "title={}",
        workflow_property(&format!(
            "{} {} ({})",
            finding.rule, finding.name, finding.severity
        ))
    ));
    let mut message = finding.message.clone();
    // Annotations have no field for an archive entry or byte offset; keep them in the text.
    if location.entry.is_some() || location.offset.is_some() || member.is_some() {
        let _ = write!(message, " [{}]", display_location(location));
    }
    let _ = writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        workflow_data(&message)
    );
}
