//! The HTML view: one self-contained page (inline CSS and a few lines of inline script, no
//! fonts, images or scripts from elsewhere, so it opens offline and passes a strict CSP with
//! hashes). Both tables sort by a click on a header; severities sort by rank, not by name.
use super::severity_counts;
use crate::Fleet;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f0f0f0;cursor:pointer;user-select:none}th:after{content:' \\2195';color:#999}\
.critical{background:#f8d0d0}.high{background:#fbe3cc}.medium{background:#fdf3c4}.low{background:#e6f0fa}.clean{background:#e3f5e1}";

/// Sorts the rows of a table by the clicked column: numbers by value (a `data-sort` attribute
/// wins), text alphabetically; a second click reverses.
const SCRIPT: &str = "document.querySelectorAll('th').forEach(function(th){th.addEventListener('click',function(){\
var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);\
var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';\
var key=function(row){var c=row.children[i];var v=c.dataset.sort!==undefined?c.dataset.sort:c.textContent;var n=parseFloat(v);return isNaN(n)?v.toLowerCase():n;};\
Array.prototype.slice.call(body.rows).sort(function(a,b){var x=key(a),y=key(b);return (x>y?1:x<y?-1:0)*dir;}).forEach(function(r){body.appendChild(r);});});});";

/// The fleet as one HTML page.
pub fn html(fleet: &Fleet) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>torchward fleet summary</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>torchward fleet summary</h1>\n<p>{} of {} host(s) fail at <code>--fail-on {}</code>; {} input(s) merged, {} not. Click a column header to sort.</p>\n",
        fleet.failing_hosts(),
        fleet.hosts.len(),
        fleet.fail_on,
        fleet.inputs,
        fleet.input_errors.len()
    );
    out.push_str("<h2>Hosts by worst severity</h2>\n<table id=\"hosts\">\n<thead><tr><th>host</th><th>worst</th><th>findings</th><th>by severity</th><th>errors</th><th>commands</th></tr></thead>\n<tbody>\n");
    for h in &fleet.hosts {
        let worst = h.worst.map_or("clean", |s| s.as_str());
        let rank = h.worst.map_or(0, |s| s as u8 + 1);
        let commands: Vec<&str> = h.commands.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "<tr class=\"{worst}\"><td>{}</td><td data-sort=\"{rank}\">{worst}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&h.host),
            h.findings,
            escape(&severity_counts(h)),
            h.errors,
            escape(&commands.join(", "))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !fleet.rules.is_empty() {
        out.push_str("<h2>Findings per rule</h2>\n<table id=\"rules\">\n<thead><tr><th>rule</th><th>name</th><th>severity</th><th>findings</th><th>hosts</th><th>hosts failing</th></tr></thead>\n<tbody>\n");
        for r in &fleet.rules {
            let hosts: Vec<&str> = r.hosts.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td data-sort=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.severity.as_str(),
                escape(&r.rule),
                escape(&r.name),
                r.severity as u8 + 1,
                r.severity,
                r.findings,
                r.hosts.len(),
                escape(&hosts.join(", "))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if !fleet.input_errors.is_empty() {
        out.push_str("<h2>Inputs not merged</h2>\n<ul>\n");
        for error in &fleet.input_errors {
            let _ = writeln!(out, "<li>{}</li>", escape(error));
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// Text as HTML character data and attribute values: `&`, `<`, `>`, both quotes; control
/// characters become visible escapes.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}
