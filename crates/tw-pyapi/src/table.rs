//! The Markdown tables of `torchward api --format markdown`: the interface declaration
//! (module, name, kind, signature, summary, defined in) from a report's TW650 rows, and, for
//! the API diff, the change table from its TW656-TW658 findings. Rows come from finding
//! evidence, so a saved JSON report renders the same table. Invariant: every cell is escaped
//! (`|` and line breaks), and code cells use a code span long enough for the text's backticks.
use crate::rules::{
    added_public_name, breaking_signature_change, public_declaration, removed_public_name,
};
use tw_diagnostics::{Finding, Report};

fn evidence<'f>(finding: &'f Finding, name: &str) -> &'f str {
    finding
        .evidence
        .iter()
        .find(|e| e.name == name)
        .map_or("", |e| e.value.as_str())
}

/// Plain cell text: `|` escaped, whitespace folded.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
}

/// A code span (CommonMark §6.1): fenced by one backtick more than the longest run inside.
fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut longest = 0;
    let mut run = 0;
    for c in folded.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if folded.starts_with('`') || folded.ends_with('`') {
        " "
    } else {
        ""
    };
    // `|` inside a code span still ends a table cell in GitHub-flavoured Markdown.
    format!("{fence}{pad}{}{pad}{fence}", folded.replace('|', "\\|"))
}

fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str("| ");
    out.push_str(&headers.join(" | "));
    out.push_str(" |\n|");
    out.push_str(&"---|".repeat(headers.len()));
    out.push('\n');
    for row in rows {
        out.push_str("| ");
        out.push_str(&row.join(" | "));
        out.push_str(" |\n");
    }
}

/// The Markdown document for `report`: the declaration table when it holds TW650 rows, the
/// change table when it holds diff findings (both when both).
pub fn markdown(report: &Report) -> String {
    let mut declarations: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == public_declaration::RULE.id)
        .collect();
    declarations.sort_by(|a, b| {
        (evidence(a, "module"), evidence(a, "name"))
            .cmp(&(evidence(b, "module"), evidence(b, "name")))
    });
    let diff_ids = [
        removed_public_name::RULE.id,
        breaking_signature_change::RULE.id,
        added_public_name::RULE.id,
    ];
    let mut changes: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| diff_ids.contains(&f.rule.as_str()))
        .collect();
    changes.sort_by(|a, b| {
        (evidence(a, "module"), evidence(a, "name"), &a.rule).cmp(&(
            evidence(b, "module"),
            evidence(b, "name"),
            &b.rule,
        ))
    });
    let mut out = String::new();
    if !declarations.is_empty() || changes.is_empty() {
        let rows: Vec<Vec<String>> = declarations
            .iter()
            .map(|f| {
                vec![
                    code(evidence(f, "module")),
                    code(evidence(f, "name")),
                    cell(evidence(f, "kind")),
                    code(evidence(f, "signature")),
                    cell(evidence(f, "summary")),
                    code(evidence(f, "origin")),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "Module",
                "Name",
                "Kind",
                "Signature",
                "Summary",
                "Defined in",
            ],
            &rows,
        );
    }
    if !changes.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|f| {
                let detail = if f.rule == breaking_signature_change::RULE.id {
                    f.message
                        .split_once(": ")
                        .map_or("", |(_, detail)| detail)
                        .to_owned()
                } else {
                    String::new()
                };
                vec![
                    cell(evidence(f, "change")),
                    code(evidence(f, "module")),
                    code(evidence(f, "name")),
                    cell(evidence(f, "kind")),
                    code(evidence(f, "old")),
                    code(evidence(f, "new")),
                    cell(&detail),
                ]
            })
            .collect();
        table(
            &mut out,
            &["Change", "Module", "Name", "Kind", "Old", "New", "Breaks"],
            &rows,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y`"), "`` x `y` ``");
        assert_eq!(cell("a\n|b"), "a \\|b");
    }
}
