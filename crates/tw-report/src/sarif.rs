//! The SARIF 2.1.0 renderer (OASIS SARIF v2.1.0, errata 01): one run whose `tool.driver`
//! carries the rules the findings refer to (descriptions from `RuleMeta`, so SARIF, `explain`
//! and `docs/rules.md` share one text), results with stable `partialFingerprints`, suppressed
//! findings kept with a `suppressions` entry, and analysis errors as tool execution
//! notifications. Section numbers in comments refer to the SARIF 2.1.0 specification.
use crate::location::display_location;
use crate::Error;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use tw_diagnostics::{Finding, Location, Registry, Report, RuleMeta, Severity, Status};

/// Where users learn about torchward (the workspace `repository`), for `informationUri`.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The `$schema` URI of SARIF 2.1.0 documents (§3.13.3).
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Choices the binary makes for the SARIF output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifOptions {
    /// `tool.driver.informationUri` (§3.19.17).
    pub information_uri: String,
    /// The address of `docs/rules.md`; each rule's `helpUri` (§3.49.12) is this plus the
    /// rule's heading anchor (`#tw101-dangerous-callable`), so a code-scanning alert links to
    /// the rule's documentation.
    pub rules_doc_uri: String,
}

impl Default for SarifOptions {
    fn default() -> Self {
        SarifOptions {
            information_uri: INFORMATION_URI.to_owned(),
            rules_doc_uri: format!("{INFORMATION_URI}/blob/main/docs/rules.md"),
        }
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'a str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

/// §3.49: one rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<MultiformatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<MultiformatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<MultiformatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// GitHub code scanning ranks alerts by this (a string holding a number 0.0 to 10.0).
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

/// §3.58: an input that could not be analysed.
#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
}

/// §3.27: one finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    kind: &'static str,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    /// §3.27 `occurrenceCount`: times this result was observed; the location given is the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    occurrence_count: Option<u64>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    severity: Severity,
    status: Status,
    /// The full path through the archives (`bundle.zip!model/x.bin:archive/data.pkl@81`) of a
    /// finding inside an archive member, whose artifact is the outer file.
    #[serde(skip_serializing_if = "Option::is_none")]
    archive_path: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// §3.30: a region needs a start line, a character offset or a byte offset.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_offset: Option<u64>,
}

/// §3.33: the archive entry a finding is in, named as a logical location.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

/// §3.35: suppressed findings stay in the log with the reason a person gave.
#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    properties: SuppressionProperties,
}

#[derive(Serialize)]
struct SuppressionProperties {
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
}

/// Renders `report` as a SARIF 2.1.0 log. `registry` supplies rule descriptions; a finding
/// whose rule the registry does not know still gets a minimal rule entry.
pub fn sarif(
    report: &Report,
    registry: &Registry,
    options: &SarifOptions,
) -> Result<String, Error> {
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<ReportingDescriptor> = rule_ids
        .iter()
        .map(|id| {
            // The first finding of an unknown rule stands in for its metadata.
            let first = report.findings.iter().find(|f| f.rule == *id);
            let name = first.map_or("", |f| f.name.as_str());
            let severity = first.map_or(Severity::Medium, |f| f.severity);
            descriptor(id, name, severity, registry.get(id), &options.rules_doc_uri)
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|finding| {
            let index = rule_ids
                .binary_search(&finding.rule.as_str())
                .unwrap_or_default();
            result(finding, index)
        })
        .collect();
    let notifications = report
        .errors
        .iter()
        .map(|error| {
            let mut location = Location::path(error.path.clone());
            location.entry.clone_from(&error.entry);
            location.offset = error.offset;
            Notification {
                level: "error",
                message: Message {
                    text: format!("{}: {}", display_location(&location), error.message),
                },
                locations: sarif_location(&location).into_iter().collect(),
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: &report.tool.name,
                    version: &report.tool.version,
                    semantic_version: &report.tool.version,
                    information_uri: &options.information_uri,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).map_err(|source| Error::Serialize {
        format: "sarif",
        source,
    })?;
    out.push('\n');
    Ok(out)
}

/// The rule entry: full metadata from the registry, or for a rule the registry does not know
/// (a report from another torchward version) its ID, name and the severity seen.
fn descriptor(
    id: &str,
    name: &str,
    seen: Severity,
    meta: Option<&RuleMeta>,
    rules_doc_uri: &str,
) -> ReportingDescriptor {
    let Some(meta) = meta else {
        return ReportingDescriptor {
            id: id.to_owned(),
            name: name.to_owned(),
            short_description: None,
            full_description: None,
            help: None,
            help_uri: None,
            default_configuration: Configuration {
                level: seen.sarif_level(),
            },
            properties: RuleProperties {
                security_severity: seen.security_severity(),
                tags: vec!["security".to_owned()],
            },
        };
    };
    let markdown = meta.markdown();
    let mut tags = vec!["security".to_owned()];
    tags.extend(
        meta.section
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("statement-section-{s}")),
    );
    ReportingDescriptor {
        id: meta.id.to_owned(),
        name: meta.name.to_owned(),
        short_description: Some(MultiformatMessage {
            text: meta.summary.to_owned(),
            markdown: None,
        }),
        full_description: Some(MultiformatMessage {
            text: meta.doc.what.trim().to_owned(),
            markdown: None,
        }),
        help: Some(MultiformatMessage {
            text: markdown.clone(),
            markdown: Some(markdown),
        }),
        help_uri: Some(format!("{rules_doc_uri}#{}", rule_anchor(meta))),
        default_configuration: Configuration {
            level: meta.severity.sarif_level(),
        },
        properties: RuleProperties {
            security_severity: meta.severity.security_severity(),
            tags,
        },
    }
}

/// The anchor GitHub and most Markdown renderers give the rule's `## TW101 dangerous-callable`
/// heading in `docs/rules.md`: lower case, the space made a hyphen (names are kebab-case already).
fn rule_anchor(meta: &RuleMeta) -> String {
    format!("{}-{}", meta.id.to_ascii_lowercase(), meta.name)
}

fn result(finding: &Finding, rule_index: usize) -> SarifResult {
    // §3.27.9 kind and §3.27.10 level: only failures carry a severity level.
    let (kind, level) = match finding.status {
        Status::Fail | Status::Warn => ("fail", finding.severity.sarif_level()),
        Status::Pass => ("pass", "none"),
        Status::Skip => ("notApplicable", "none"),
        Status::Error => ("review", "none"),
    };
    let suppressions = finding
        .suppressed
        .iter()
        .map(|s| SarifSuppression {
            kind: "external",
            status: "accepted",
            justification: s.reason.clone(),
            properties: SuppressionProperties {
                source: s.source.clone(),
                expires: s.expires.clone(),
            },
        })
        .collect();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("torchward/v1", finding.fingerprint());
    // Code scanning shows the message, not logical locations: a finding inside an archive
    // member names the member there too.
    let archive_path = finding
        .location
        .file_and_member()
        .1
        .map(|_| display_location(&finding.location));
    let text = match &archive_path {
        Some(full) => format!("{} [in {full}]", finding.message),
        None => finding.message.clone(),
    };
    SarifResult {
        rule_id: finding.rule.clone(),
        rule_index,
        kind,
        level,
        message: Message { text },
        locations: sarif_location(&finding.location).into_iter().collect(),
        partial_fingerprints: fingerprints,
        suppressions,
        occurrence_count: finding.occurrences,
        properties: ResultProperties {
            severity: finding.severity,
            status: finding.status,
            archive_path,
        },
    }
}

/// A location as SARIF sees it. The byte offset of a finding inside an archive entry is an
/// offset into the (possibly compressed) entry, not into the file, so it goes into the
/// logical location's name, not into `region.byteOffset`, which §3.30.16 defines on the file.
/// A finding inside a member of an archive (`bundle.zip!model/x.bin`) is located at the file
/// on disk (`artifactLocation.uri` must name a file of the repository for code scanning to
/// annotate it, §3.4.3, and a nested artifact's own uri is relative to its parent, §3.24.3),
/// with the path inside it as the logical location (`model/x.bin:archive/data.pkl@81`).
fn sarif_location(location: &Location) -> Option<SarifLocation> {
    if location.path.is_empty() {
        return None;
    }
    let (file, member) = location.file_and_member();
    let inside = match (member, &location.entry) {
        (Some(member), Some(entry)) => Some(format!("{member}:{entry}")),
        (Some(member), None) => Some(member.to_owned()),
        (None, entry) => entry.clone(),
    };
    let (region, logical_locations) = if let Some(inside) = inside {
        let name = match location.offset {
            Some(offset) => format!("{inside}@{offset}"),
            None => inside,
        };
        let logical = LogicalLocation {
            fully_qualified_name: name,
            kind: "member",
        };
        (None, vec![logical])
    } else if location.line.is_some() {
        let region = Region {
            start_line: location.line,
            start_column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
            byte_offset: None,
        };
        (Some(region), Vec::new())
    } else {
        let region = location.offset.map(|offset| Region {
            start_line: None,
            start_column: None,
            end_line: None,
            end_column: None,
            byte_offset: Some(offset),
        });
        (region, Vec::new())
    };
    Some(SarifLocation {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: path_to_uri(file),
            },
            region,
        },
        logical_locations,
    })
}

/// A path as a URI reference (RFC 3986): relative paths stay relative (so code scanning
/// resolves them against the checkout), absolute paths become `file://` URIs; every byte
/// outside the unreserved set and `/` is percent-encoded.
fn path_to_uri(path: &str) -> String {
    let trimmed = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::with_capacity(trimmed.len());
    if trimmed.starts_with('/') {
        out.push_str("file://");
    }
    for byte in trimmed.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_or_file_and_percent_encoded() {
        assert_eq!(path_to_uri("./models/a b.pt"), "models/a%20b.pt");
        assert_eq!(path_to_uri("/etc/ssh/key#1"), "file:///etc/ssh/key%231");
    }
}
