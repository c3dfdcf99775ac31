//! The text renderer, for people: findings grouped by file, each with severity, ID, name,
//! location and message, then analysis errors, then one summary line. Suppressed findings are
//! hidden unless asked for (they always stay in JSON and SARIF).
use crate::escape::for_terminal;
use crate::location::display_location;
use crate::style::Style;
use crate::Summary;
use std::fmt::Write;
use tw_diagnostics::{Finding, Report, Status};

/// What the text view shows and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Emit ANSI colour codes (the binary decides; never on when not asked).
    pub color: bool,
    /// Show suppressed findings, marked with their reason.
    pub show_suppressed: bool,
    /// List the inputs passed over (vanished, special files, unfollowed links) with the reason.
    pub show_skipped: bool,
}

/// Renders `report` for a terminal or a log.
pub fn text(report: &Report, options: TextOptions) -> String {
    let style = Style {
        color: options.color,
    };
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for finding in report
        .findings
        .iter()
        .filter(|f| options.show_suppressed || f.suppressed.is_none())
    {
        let path = finding.location.path.as_str();
        if current != Some(path) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", style.bold(&for_terminal(path)));
            current = Some(path);
        }
        finding_block(&mut out, finding, style);
    }
    if !report.errors.is_empty() {
        if current.is_some() {
            out.push('\n');
        }
        for error in &report.errors {
            let mut location = tw_diagnostics::Location::path(error.path.clone());
            location.entry.clone_from(&error.entry);
            location.offset = error.offset;
            let _ = writeln!(
                out,
                "{} {}: {}",
                style.error("error:"),
                for_terminal(&display_location(&location)),
                for_terminal(&error.message)
            );
        }
    }
    if options.show_skipped && !report.skipped.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for skipped in &report.skipped {
            let _ = writeln!(
                out,
                "{} {}: {}",
                style.dim("skipped:"),
                for_terminal(&skipped.path),
                skipped.reason
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", Summary::of(report));
    out
}

/// One finding: a header line (severity, ID, name, location) and indented detail lines.
fn finding_block(out: &mut String, finding: &Finding, style: Style) {
    let severity = format!("{:<8}", finding.severity.as_str());
    let status = match finding.status {
        Status::Fail => String::new(),
        other => format!(" [{}]", other.as_str()),
    };
    let _ = writeln!(
        out,
        "  {} {} {}{}  {}",
        style.severity(finding.severity, &severity),
        style.bold(&for_terminal(&finding.rule)),
        for_terminal(&finding.name),
        status,
        style.dim(&for_terminal(&display_location(&finding.location))),
    );
    detail(out, "", &finding.message);
    if let (Some(expected), Some(actual)) = (&finding.expected, &finding.actual) {
        detail(out, "expected: ", &format!("{expected}, actual: {actual}"));
    }
    if let Some(count) = finding.occurrences {
        detail(
            out,
            "occurrences: ",
            &format!("{count} in this file (the first is shown)"),
        );
    }
    for evidence in &finding.evidence {
        detail(out, &format!("{}: ", evidence.name), &evidence.value);
    }
    if let Some(fix) = &finding.remediation {
        detail(out, "fix: ", fix);
    }
    if let Some(suppression) = &finding.suppressed {
        let expiry = suppression
            .expires
            .as_deref()
            .map(|date| format!(", until {date}"))
            .unwrap_or_default();
        let note = format!(
            "suppressed by {}{expiry}: {}",
            suppression.source, suppression.reason
        );
        let _ = writeln!(out, "{INDENT}{}", style.dim(&for_terminal(&note)));
    }
}

/// Indentation of a finding's detail lines (under the rule ID).
const INDENT: &str = "           ";

/// One detail, `label` then `text`, every line of it indented and made inert.
fn detail(out: &mut String, label: &str, text: &str) {
    for (index, line) in text.lines().enumerate() {
        let label = if index == 0 { label } else { "" };
        let _ = writeln!(out, "{INDENT}{}{}", for_terminal(label), for_terminal(line));
    }
}
