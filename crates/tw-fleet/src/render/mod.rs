//! Renderers of a `Fleet`: text for people at a terminal, Markdown for tickets and wikis, JSON
//! for programs, and one self-contained HTML page (inline style and script, no external
//! assets) whose tables sort by a click on a column header. Host and rule names come from
//! reports written elsewhere, so every renderer escapes them for its own syntax.
mod html;
mod markdown;
mod text;

pub use html::html;
pub use markdown::markdown;
pub use text::text;

use crate::Fleet;

/// The fleet as pretty JSON (the `Fleet` type serialised as is).
///
/// # Errors
/// Only if serialisation fails, which the plain data of a `Fleet` never makes it do.
pub fn json(fleet: &Fleet) -> Result<String, serde_json::Error> {
    let mut out = serde_json::to_string_pretty(fleet)?;
    out.push('\n');
    Ok(out)
}

/// `value` with control characters written as `\u{..}` escapes, so a host or rule name from
/// a report can never forge lines of the output.
fn escape_controls(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The severities of a host as `2 critical, 1 high`, worst first; `clean` when none.
fn severity_counts(host: &crate::HostSummary) -> String {
    if host.by_severity.is_empty() {
        return "clean".to_owned();
    }
    host.by_severity
        .iter()
        .rev()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The hosts of a rule, at most `limit` named, the rest counted.
fn host_list(hosts: &std::collections::BTreeSet<String>, limit: usize) -> String {
    let mut names: Vec<&str> = hosts.iter().map(String::as_str).take(limit).collect();
    let more = hosts.len().saturating_sub(limit);
    let rest = format!("+{more} more");
    if more > 0 {
        names.push(&rest);
    }
    names.join(", ")
}
