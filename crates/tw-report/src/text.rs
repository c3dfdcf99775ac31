//! The text renderer, for people: findings grouped by file, each with severity, ID, name,
//! location and message, then analysis errors, then one summary line. Suppressed findings are
//! hidden unless asked for (they always stay in JSON and SARIF).
use crate::escape::for_terminal;
use crate::location::display_location;
use crate::style::Style;
use crate::Summary;
use std::fmt::Write;
use tw_diagnostics::{AnalysisError, Finding, Report, Status};

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
    let mut writer = TextWriter::new(options);
    for finding in &report.findings {
        writer.finding(finding);
    }
    writer.skipped(&report.skipped);
    writer.finish(&report.errors, &Summary::of(report))
}

/// The text view built one finding at a time, for reports too big to hold: findings must come
/// in report order (grouping by path relies on it); [`TextWriter::take`] hands over what is
/// rendered so far, so a caller can write it out as it goes.
#[derive(Debug)]
pub struct TextWriter {
    options: TextOptions,
    out: String,
    current: Option<String>,
    /// Lines other than findings were written (the skipped list): a blank line follows them.
    listed: bool,
}

impl TextWriter {
    /// An empty view.
    pub fn new(options: TextOptions) -> Self {
        TextWriter {
            options,
            out: String::new(),
            current: None,
            listed: false,
        }
    }

    fn style(&self) -> Style {
        Style {
            color: self.options.color,
        }
    }

    /// Adds one finding (suppressed ones only when asked for).
    pub fn finding(&mut self, finding: &Finding) {
        if !self.options.show_suppressed && finding.suppressed.is_some() {
            return;
        }
        let style = self.style();
        let path = finding.location.path.as_str();
        if self.current.as_deref() != Some(path) {
            if self.current.is_some() {
                self.out.push('\n');
            }
            let _ = writeln!(self.out, "{}", style.bold(&for_terminal(path)));
            self.current = Some(path.to_owned());
        }
        finding_block(&mut self.out, finding, style);
    }

    /// Lists the inputs passed over, with the reason, when `show_skipped` asks for it (after
    /// the findings; the summary line always counts them).
    pub fn skipped(&mut self, skipped: &[tw_diagnostics::SkippedInput]) {
        if !self.options.show_skipped || skipped.is_empty() {
            return;
        }
        let style = self.style();
        if self.current.is_some() {
            self.out.push('\n');
        }
        for input in skipped {
            let _ = writeln!(
                self.out,
                "{} {}: {}",
                style.dim("skipped:"),
                for_terminal(&input.path),
                input.reason
            );
        }
        self.listed = true;
    }

    /// The text rendered since the last call.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// Ends the view: the analysis errors, then the summary line. Returns the rest of the text.
    pub fn finish(mut self, errors: &[AnalysisError], summary: &Summary) -> String {
        let style = self.style();
        let mut any = self.current.is_some() || self.listed;
        if !errors.is_empty() {
            if any {
                self.out.push('\n');
            }
            for error in errors {
                let mut location = tw_diagnostics::Location::path(error.path.clone());
                location.entry.clone_from(&error.entry);
                location.offset = error.offset;
                let _ = writeln!(
                    self.out,
                    "{} {}: {}",
                    style.error("error:"),
                    for_terminal(&display_location(&location)),
                    for_terminal(&error.message)
                );
            }
            any = true;
        }
        if any {
            self.out.push('\n');
        }
        let _ = writeln!(self.out, "{summary}");
        self.out
    }
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

/// One detail, `label` then `text`, on one indented line made inert: a newline inside a field
/// (a file name can hold one) is shown as `\x0a`, never starts a line of its own, so no field
/// can forge a finding line.
fn detail(out: &mut String, label: &str, text: &str) {
    let _ = writeln!(out, "{INDENT}{}{}", for_terminal(label), for_terminal(text));
}
