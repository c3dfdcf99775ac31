//! The declaration table of section 9 (origin, upstream source, file, address, purpose) as
//! Markdown and CSV. Rows come from a report's TW500/TW501 findings (their evidence carries
//! the columns) or from a declaration; both go through the same renderer, so the printed table
//! and a Markdown declaration file have one format that [`crate::declaration`] parses back.
use std::fmt::Write as _;
use tw_diagnostics::Report;

/// Column titles, in the statement's order. The Markdown parser matches them by keyword.
pub const HEADERS: [&str; 5] = ["Origin", "Upstream source", "File", "Address", "Purpose"];

/// One row of the declaration table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `self-developed`, `open-source`, or the to-fill marker.
    pub origin: String,
    /// Where the file was brought in from (open-source origin), else empty.
    pub upstream: String,
    /// The file, relative to the scanned root.
    pub file: String,
    /// The address exactly as written (passwords masked).
    pub address: String,
    /// What it is used for.
    pub purpose: String,
    /// `url`, `ip`, `domain` or `email` (CSV only).
    pub kind: String,
    /// 1-based line of the first occurrence (CSV only; 0 when unknown).
    pub line: u32,
    /// 1-based column of the first occurrence (CSV only; 0 when unknown).
    pub column: u32,
}

/// The table rows of a report: one per (file, address), from the TW500 and TW501 findings,
/// first occurrence kept, in the report's order.
pub fn rows(report: &Report) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for finding in &report.findings {
        if finding.rule != crate::rules::public_address::RULE.id
            && finding.rule != crate::rules::undeclared_public_address::RULE.id
        {
            continue;
        }
        let get = |name: &str| {
            finding
                .evidence
                .iter()
                .find(|e| e.name == name)
                .map_or_else(String::new, |e| e.value.clone())
        };
        let row = Row {
            origin: get("origin"),
            upstream: get("upstream"),
            file: get("file"),
            address: get("address"),
            purpose: get("purpose"),
            kind: get("kind"),
            line: finding.location.line.unwrap_or(0),
            column: finding.location.column.unwrap_or(0),
        };
        if seen.insert((row.file.clone(), row.address.clone())) {
            rows.push(row);
        }
    }
    rows
}

/// The Markdown table (GitHub-flavoured): addresses and file names in code spans so they are
/// shown exactly and not auto-linked; `|` escaped; line breaks folded to spaces.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| ");
    out.push_str(&HEADERS.join(" | "));
    out.push_str(" |\n|");
    out.push_str(&"---|".repeat(HEADERS.len()));
    out.push('\n');
    for row in rows {
        let cells = [
            cell(&row.origin),
            cell(&row.upstream),
            code(&row.file),
            code(&row.address),
            cell(&row.purpose),
        ];
        out.push_str("| ");
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// The findings the table does not show (plain-HTTP downloads, credentials in URLs, stale
/// declaration rows), one Markdown list item each after the table, so a terminal user who
/// gets the table by default still sees them (severity, ID, place, message).
/// Empty when there are none (a clean declaration stays exactly the table).
pub fn other_findings(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        if finding.rule == crate::rules::public_address::RULE.id
            || finding.rule == crate::rules::undeclared_public_address::RULE.id
            || finding.suppressed.is_some()
        {
            continue;
        }
        if out.is_empty() {
            out.push_str("\nFindings beside the declaration:\n\n");
        }
        let location = &finding.location;
        let mut place = location.path.clone();
        if let Some(line) = location.line {
            place = format!("{place}:{line}:{}", location.column.unwrap_or(1));
        }
        let _ = writeln!(
            out,
            "- **{}** {} {} {}",
            finding.severity.as_str(),
            finding.rule,
            code(&place),
            cell(&finding.message)
        );
    }
    out
}

/// The CSV table (RFC 4180: CRLF-free `\n` lines, fields quoted when needed): the statement's
/// columns, then kind, line and column.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("origin,upstream,file,address,purpose,kind,line,column\n");
    for row in rows {
        let fields = [
            csv_field(&row.origin),
            csv_field(&row.upstream),
            csv_field(&row.file),
            csv_field(&row.address),
            csv_field(&row.purpose),
            csv_field(&row.kind),
            row.line.to_string(),
            row.column.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

/// A code span that survives any backticks inside (`CommonMark`: a longer fence).
fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let text = cell(text);
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn csv_field(text: &str) -> String {
    // A leading = + - @ would make spreadsheets evaluate the cell (CSV injection); quote and
    // prefix with a single quote, the OWASP-recommended neutralisation.
    let neutral = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) || neutral != text {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(address: &str, purpose: &str) -> Row {
        Row {
            origin: "self-developed".into(),
            upstream: String::new(),
            file: "a|b.cfg".into(),
            address: address.into(),
            purpose: purpose.into(),
            kind: "url".into(),
            line: 3,
            column: 7,
        }
    }

    #[test]
    fn markdown_escapes_pipes_and_uses_code_spans() {
        let text = markdown(&[row("https://x.org/a`b", "mirror, main")]);
        assert!(
            text.contains("| `a\\|b.cfg` | `` https://x.org/a`b `` | mirror, main |"),
            "{text}"
        );
    }

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let text = csv(&[row("=cmd", "a, \"b\"")]);
        assert!(
            text.ends_with("self-developed,,a|b.cfg,\"'=cmd\",\"a, \"\"b\"\"\",url,3,7\n"),
            "{text}"
        );
    }
}
