//! GitHub Actions workflow commands (`::error file=...,line=...,title=...::message`), one per
//! unsuppressed problem and one per analysis error. Escaping follows the runner's
//! `toolkit/packages/core/src/command.ts`: `%`, `\r`, `\n` in data; also `:` and `,` in
//! property values.
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
            escape_property(&error.path),
            escape_property("torchward: file not analysed"),
            escape_data(&message)
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
    let mut properties = vec![format!("file={}", escape_property(&location.path))];
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
        escape_property(&format!(
            "{} {} ({})",
            finding.rule, finding.name, finding.severity
        ))
    ));
    let mut message = finding.message.clone();
    // Annotations have no field for an archive entry or byte offset; keep them in the text.
    if location.entry.is_some() || location.offset.is_some() {
        let _ = write!(message, " [{}]", display_location(location));
    }
    let _ = writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    );
}

/// Escapes a command's message (`%`, `\r`, `\n`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`, which delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_percent_first_then_newlines_and_delimiters() {
        assert_eq!(escape_data("100%\r\nok"), "100%25%0D%0Aok");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
