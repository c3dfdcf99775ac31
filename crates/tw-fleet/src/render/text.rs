//! The text view: a hosts table (worst first), a rules table, the unreadable inputs, and a
//! summary line; columns padded to their widest cell.
use super::{escape_controls, host_list, severity_counts};
use crate::Fleet;
use std::fmt::Write;

/// Hosts named per rule before the rest are counted.
const HOSTS_PER_RULE: usize = 8;

/// The fleet for people.
pub fn text(fleet: &Fleet) -> String {
    let mut out = String::new();
    let hosts: Vec<[String; 4]> = fleet
        .hosts
        .iter()
        .map(|h| {
            [
                escape_controls(&h.host),
                h.worst
                    .map_or_else(|| "clean".to_owned(), |s| s.to_string()),
                severity_counts(h),
                if h.errors > 0 {
                    format!("{} error(s)", h.errors)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    out.push_str("Hosts by worst severity\n");
    table(&mut out, &["host", "worst", "findings", "errors"], &hosts);
    if !fleet.rules.is_empty() {
        out.push_str("\nFindings per rule\n");
        let rules: Vec<[String; 4]> = fleet
            .rules
            .iter()
            .map(|r| {
                [
                    format!("{} {}", escape_controls(&r.rule), escape_controls(&r.name)),
                    r.severity.to_string(),
                    format!("{} on {} host(s)", r.findings, r.hosts.len()),
                    escape_controls(&host_list(&r.hosts, HOSTS_PER_RULE)),
                ]
            })
            .collect();
        table(
            &mut out,
            &["rule", "severity", "findings", "hosts failing"],
            &rules,
        );
    }
    if !fleet.input_errors.is_empty() {
        out.push_str("\nInputs not merged\n");
        for error in &fleet.input_errors {
            let _ = writeln!(out, "  error: {}", escape_controls(error));
        }
    }
    let _ = writeln!(
        out,
        "\n{} of {} host(s) fail at --fail-on {}; {} rule(s); {} input(s) merged, {} not.",
        fleet.failing_hosts(),
        fleet.hosts.len(),
        fleet.fail_on,
        fleet.rules.len(),
        fleet.inputs,
        fleet.input_errors.len()
    );
    out
}

/// Appends a padded table with a header row.
fn table<const N: usize>(out: &mut String, header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut text = String::from(" ");
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(text, " {cell:<width$}");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
