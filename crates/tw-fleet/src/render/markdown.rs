//! The Markdown view: the same two tables as text, as GitHub-flavoured Markdown tables with
//! cells escaped (`|`, backslashes, HTML and line breaks cannot break the table).
use super::{escape_controls, host_list, severity_counts};
use crate::Fleet;
use std::fmt::Write;

/// Hosts named per rule before the rest are counted.
const HOSTS_PER_RULE: usize = 20;

/// The fleet as a Markdown document.
pub fn markdown(fleet: &Fleet) -> String {
    let mut out = String::from("# torchward fleet summary\n\n");
    let _ = writeln!(
        out,
        "{} of {} host(s) fail at `--fail-on {}`; {} input(s) merged, {} not.\n",
        fleet.failing_hosts(),
        fleet.hosts.len(),
        fleet.fail_on,
        fleet.inputs,
        fleet.input_errors.len()
    );
    out.push_str(
        "## Hosts by worst severity\n\n| host | worst | findings | errors |\n|---|---|---|---|\n",
    );
    for h in &fleet.hosts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&h.host),
            h.worst
                .map_or_else(|| "clean".to_owned(), |s| s.to_string()),
            severity_counts(h),
            h.errors
        );
    }
    if !fleet.rules.is_empty() {
        out.push_str("\n## Findings per rule\n\n| rule | severity | findings | hosts failing |\n|---|---|---|---|\n");
        for r in &fleet.rules {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} on {} host(s) | {} |",
                cell(&r.rule),
                cell(&r.name),
                r.severity,
                r.findings,
                r.hosts.len(),
                cell(&host_list(&r.hosts, HOSTS_PER_RULE))
            );
        }
    }
    if !fleet.input_errors.is_empty() {
        out.push_str("\n## Inputs not merged\n\n");
        for error in &fleet.input_errors {
            let _ = writeln!(out, "- {}", cell(error));
        }
    }
    out
}

/// One table cell: Markdown and HTML specials escaped, control characters written out.
fn cell(value: &str) -> String {
    let mut out = String::new();
    for c in escape_controls(value).chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}
