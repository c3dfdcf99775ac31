//! Reading reports: a whole JSON report (`--format json` of any command) or a JSON Lines
//! stream (`scan --format jsonl`: one object per line). A file that is neither, is truncated,
//! or has another `schema_version` is an `InputError` naming the file and, for JSON Lines, the
//! line; it never aborts the merge.
use serde::Deserialize;
use tw_diagnostics::{AnalysisError, Finding, Report, SCHEMA_VERSION};

/// Why one input could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not JSON, or JSON of another shape (a truncated file ends up here).
    #[error("`{path}`{}: not a torchward report: {reason}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    NotAReport {
        /// The input as named.
        path: String,
        /// The 1-based line of a JSON Lines input, when the problem is on one line.
        line: Option<usize>,
        /// What the JSON parser said.
        reason: String,
    },
    /// A report of a `schema_version` this torchward does not read.
    #[error("`{path}`: schema_version {found}, this torchward reads {SCHEMA_VERSION}")]
    SchemaVersion {
        /// The input as named.
        path: String,
        /// The version in the file.
        found: u32,
    },
    /// Nothing in the file.
    #[error("`{path}`: empty file, no report in it")]
    Empty {
        /// The input as named.
        path: String,
    },
}

/// One input read: the reports in it (one for a JSON report, one per host seen for JSON
/// Lines), each tagged with the host it names or, failing that, `fallback_host`.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The input as named.
    pub source: String,
    /// The reports found, with their host set.
    pub reports: Vec<Report>,
}

/// The fields every JSON Lines record may carry, whatever its `type`. Unknown fields are
/// ignored (JSON consumers must ignore what they do not know: docs/json-schema.md).
#[derive(Debug, Deserialize)]
struct Line {
    /// `file`, `skipped`, `error` or `summary` in `scan --format jsonl`; absent in streams of
    /// whole findings or report-shaped records.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    host: Option<String>,
    /// A line may itself be one finding.
    #[serde(default)]
    rule: Option<String>,
}

/// The findings and errors of a `file` record (or of a report-shaped record).
#[derive(Debug, Deserialize)]
struct FileRecord {
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default)]
    errors: Vec<AnalysisError>,
}

/// Parses the bytes of input `source`. `fallback_host` names reports that do not record a
/// host (reports written before `host` existed): callers pass the file's stem.
pub fn parse_reports(
    source: &str,
    bytes: &[u8],
    fallback_host: &str,
) -> Result<Loaded, InputError> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::Empty {
            path: source.to_owned(),
        });
    }
    let whole = serde_json::from_str::<Report>(trimmed);
    match whole {
        Ok(mut report) => {
            if report.schema_version != SCHEMA_VERSION {
                return Err(InputError::SchemaVersion {
                    path: source.to_owned(),
                    found: report.schema_version,
                });
            }
            if report.host.is_none() {
                report.host = Some(fallback_host.to_owned());
            }
            Ok(Loaded {
                source: source.to_owned(),
                reports: vec![report],
            })
        }
        // JSON Lines when its first line is a document of its own; otherwise one document
        // that does not parse as a whole: truncated, or not ours.
        Err(_) if is_json_lines(trimmed) => parse_lines(source, trimmed, fallback_host),
        Err(err) => Err(InputError::NotAReport {
            path: source.to_owned(),
            line: None,
            reason: err.to_string(),
        }),
    }
}

/// Whether `text` reads as JSON Lines: more than one line, the first a whole JSON document.
fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    lines.next().is_some() && serde_json::from_str::<serde_json::Value>(first).is_ok()
}

/// JSON Lines: every non-empty line one object; the lines of one host become one report.
fn parse_lines(source: &str, text: &str, fallback_host: &str) -> Result<Loaded, InputError> {
    let mut reports: Vec<Report> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let not_a_report = |reason: String| InputError::NotAReport {
            path: source.to_owned(),
            line: Some(index + 1),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| not_a_report(e.to_string()))?;
        let line: Line =
            serde_json::from_value(value.clone()).map_err(|e| not_a_report(e.to_string()))?;
        if let Some(found) = line.schema_version.filter(|v| *v != SCHEMA_VERSION) {
            return Err(InputError::SchemaVersion {
                path: source.to_owned(),
                found,
            });
        }
        let host = line
            .host
            .clone()
            .unwrap_or_else(|| fallback_host.to_owned());
        let index = if let Some(index) = reports
            .iter()
            .position(|r| r.host.as_deref() == Some(&host))
        {
            index
        } else {
            let mut report = Report::new(
                line.command.clone().unwrap_or_else(|| "scan".to_owned()),
                String::new(),
            );
            report.host = Some(host);
            reports.push(report);
            reports.len() - 1
        };
        let Some(report) = reports.get_mut(index) else {
            continue;
        };
        match (line.kind.as_deref(), line.rule.is_some()) {
            // The run's totals: its counts repeat what the other lines carry.
            (Some("summary"), _) => {
                if let Some(command) = line.command {
                    report.command = command;
                }
            }
            (Some("skipped"), _) => report.stats.skipped += 1,
            (Some("error"), _) => {
                let error: AnalysisError =
                    serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
                report.errors.push(error);
            }
            (None, true) => {
                let finding: Finding =
                    serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
                report.findings.push(finding);
            }
            _ => {
                let record: FileRecord =
                    serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
                report.stats.inputs += 1;
                report.findings.extend(record.findings);
                report.errors.extend(record.errors);
            }
        }
    }
    if reports.is_empty() {
        return Err(InputError::Empty {
            path: source.to_owned(),
        });
    }
    Ok(Loaded {
        source: source.to_owned(),
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_json(host: Option<&str>) -> String {
        let mut report = Report::new("audit host", "0.1.0");
        report.host = host.map(str::to_owned);
        serde_json::to_string_pretty(&report).unwrap_or_default()
    }

    #[test]
    fn a_whole_report_keeps_its_host_or_gets_the_fallback() {
        let loaded = parse_reports("a.json", report_json(Some("node1")).as_bytes(), "a");
        assert_eq!(
            loaded.map(|l| l.reports[0].host.clone()),
            Ok(Some("node1".into()))
        );
        let loaded = parse_reports("b.json", report_json(None).as_bytes(), "b");
        assert_eq!(
            loaded.map(|l| l.reports[0].host.clone()),
            Ok(Some("b".into()))
        );
    }

    #[test]
    fn truncated_and_foreign_files_are_errors_naming_the_file() {
        let json = report_json(Some("node1"));
        let cut = &json.as_bytes()[..json.len() / 2];
        let err = parse_reports("cut.json", cut, "cut").err();
        assert!(
            matches!(err, Some(InputError::NotAReport { ref path, .. }) if path == "cut.json"),
            "{err:?}"
        );
        let err = parse_reports("x.json", b"[1, 2]", "x").err();
        assert!(
            matches!(err, Some(InputError::NotAReport { .. })),
            "{err:?}"
        );
        let err = parse_reports("e.json", b"  \n", "e").err();
        assert_eq!(
            err,
            Some(InputError::Empty {
                path: "e.json".into()
            })
        );
        let other = json.replace("\"schema_version\": 1", "\"schema_version\": 9");
        let err = parse_reports("v.json", other.as_bytes(), "v").err();
        assert_eq!(
            err,
            Some(InputError::SchemaVersion {
                path: "v.json".into(),
                found: 9
            })
        );
    }

    #[test]
    fn json_lines_group_by_host_and_name_the_bad_line() {
        let finding = r#"{"rule":"TW101","name":"dangerous-callable","severity":"critical","status":"fail","message":"m","location":{"path":"a.pt"}}"#;
        let text = format!(
            "{{\"host\":\"n1\",\"findings\":[{finding}],\"errors\":[]}}\n{{\"host\":\"n2\",\"findings\":[]}}\n{finding}\n"
        );
        let loaded =
            parse_reports("s.jsonl", text.as_bytes(), "s").unwrap_or_else(|e| panic!("{e}"));
        let hosts: Vec<_> = loaded
            .reports
            .iter()
            .map(|r| r.host.clone().unwrap_or_default())
            .collect();
        assert_eq!(hosts, ["n1", "n2", "s"]);
        assert_eq!(loaded.reports[0].findings.len(), 1);
        assert_eq!(loaded.reports[2].findings.len(), 1);
        let bad = format!("{finding}\n{{\"host\": \n");
        let err = parse_reports("s.jsonl", bad.as_bytes(), "s").err();
        assert!(
            matches!(err, Some(InputError::NotAReport { line: Some(2), .. })),
            "{err:?}"
        );
    }
}
