//! The advisory table shipped with torchward (`advisories.toml`, compiled in): raw TOML rows
//! checked into [`Advisory`] values whose ranges are parsed PEP 440 versions. A range is OSV's
//! ECOSYSTEM kind: affected when `introduced <= version < fixed` (or `<= last_affected`), in
//! PEP 440 order, so a pre-release of the fixed version (`2.6.0rc1`) is still affected.
use crate::package::normalize_name;
use crate::version::{Version, VersionError};
use serde::Deserialize;
use std::sync::OnceLock;
use tw_diagnostics::Severity;

/// The table's text, as shipped.
pub const TABLE: &str = include_str!("../advisories.toml");

/// Why the table (or one row) is malformed.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    /// The file is not TOML of the documented shape.
    #[error("advisories.toml: {source}")]
    Toml {
        /// The parser's error.
        #[source]
        source: toml::de::Error,
    },
    /// A row breaks the documented shape.
    #[error("advisories.toml: advisory {id}: {problem}")]
    Row {
        /// The row's `id`.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// A version in a range does not parse.
    #[error("advisories.toml: advisory {id}: {source}")]
    Version {
        /// The row's `id`.
        id: String,
        /// The parse error.
        #[source]
        source: VersionError,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    advisory: Vec<RawAdvisory>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvisory {
    id: String,
    aliases: Vec<String>,
    package: String,
    rule: String,
    severity: String,
    ranges: Vec<RawRange>,
    summary: String,
    references: Vec<String>,
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    introduced: String,
    fixed: Option<String>,
    last_affected: Option<String>,
}

/// Where an affected range ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The first version with the fix.
    Fixed(Version),
    /// The last affected version (no fixed release known).
    LastAffected(Version),
}

/// One affected range.
#[derive(Debug, Clone)]
pub struct Range {
    /// The first affected version (`0` for "all earlier versions").
    pub introduced: Version,
    /// Where it ends.
    pub end: End,
}

impl Range {
    /// Whether `version` lies in the range.
    pub fn contains(&self, version: &Version) -> bool {
        *version >= self.introduced
            && match &self.end {
                End::Fixed(fixed) => version < fixed,
                End::LastAffected(last) => version <= last,
            }
    }
}

/// One checked advisory.
#[derive(Debug, Clone)]
pub struct Advisory {
    /// CVE (or GHSA) ID.
    pub id: String,
    /// Other IDs (GHSA).
    pub aliases: Vec<String>,
    /// The normalised `PyPI` name.
    pub package: String,
    /// The rule reporting it.
    pub rule: String,
    /// torchward's severity.
    pub severity: Severity,
    /// Affected ranges.
    pub ranges: Vec<Range>,
    /// One line on what goes wrong.
    pub summary: String,
    /// https URLs.
    pub references: Vec<String>,
    /// Where the range was checked.
    pub source: String,
}

impl Advisory {
    /// The range holding `version`, if it is affected.
    pub fn affecting(&self, version: &Version) -> Option<&Range> {
        self.ranges.iter().find(|range| range.contains(version))
    }

    /// The ID and its aliases for messages (`CVE-2025-32434 / GHSA-53q9-r3pm-6pq6`).
    pub fn names(&self) -> String {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

fn is_cve(id: &str) -> bool {
    let mut parts = id.split('-');
    parts.next() == Some("CVE")
        && parts
            .next()
            .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .next()
            .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

fn is_ghsa(id: &str) -> bool {
    let mut parts = id.split('-');
    parts.next() == Some("GHSA")
        && (0..3).all(|_| {
            parts.next().is_some_and(|part| {
                part.len() == 4
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            })
        })
        && parts.next().is_none()
}

fn check(raw: RawAdvisory, rules: &[&str]) -> Result<Advisory, AdvisoryError> {
    let id = raw.id.clone();
    let row = |problem: String| AdvisoryError::Row {
        id: id.clone(),
        problem,
    };
    if !is_cve(&raw.id) && !is_ghsa(&raw.id) {
        return Err(row(
            "the id is neither CVE-YYYY-NNNN nor a GHSA ID".to_owned()
        ));
    }
    if let Some(alias) = raw.aliases.iter().find(|alias| !is_ghsa(alias)) {
        return Err(row(format!("alias `{alias}` is not a GHSA ID")));
    }
    if normalize_name(&raw.package) != raw.package {
        return Err(row(format!(
            "package `{}` is not a normalised name",
            raw.package
        )));
    }
    if !rules.contains(&raw.rule.as_str()) {
        return Err(row(format!("rule `{}` is not a tw-env rule", raw.rule)));
    }
    let severity: Severity = raw
        .severity
        .parse()
        .map_err(|err: tw_diagnostics::ParseSeverityError| row(err.to_string()))?;
    if raw.summary.trim().is_empty() || raw.source.trim().is_empty() {
        return Err(row("summary and source must be given".to_owned()));
    }
    if raw.references.is_empty() || raw.references.iter().any(|r| !r.starts_with("https://")) {
        return Err(row("references must be one or more https URLs".to_owned()));
    }
    if raw.ranges.is_empty() {
        return Err(row("no affected range".to_owned()));
    }
    let parse = |text: &str| {
        Version::parse(text).map_err(|source| AdvisoryError::Version {
            id: id.clone(),
            source,
        })
    };
    let mut ranges = Vec::new();
    for range in raw.ranges {
        let introduced = parse(&range.introduced)?;
        let end = match (range.fixed, range.last_affected) {
            (Some(fixed), None) => End::Fixed(parse(&fixed)?),
            (None, Some(last)) => End::LastAffected(parse(&last)?),
            _ => {
                return Err(row(
                    "each range needs exactly one of fixed and last_affected".to_owned(),
                ))
            }
        };
        let ordered = match &end {
            End::Fixed(fixed) => introduced < *fixed,
            End::LastAffected(last) => introduced <= *last,
        };
        if !ordered {
            return Err(row(format!(
                "range starting at {introduced} ends before it starts"
            )));
        }
        ranges.push(Range { introduced, end });
    }
    Ok(Advisory {
        id: raw.id,
        aliases: raw.aliases,
        package: raw.package,
        rule: raw.rule,
        severity,
        ranges,
        summary: raw.summary,
        references: raw.references,
        source: raw.source,
    })
}

/// Parses and checks a table text; `rules` are the IDs a row may name.
pub fn parse_table(text: &str, rules: &[&str]) -> Result<Vec<Advisory>, AdvisoryError> {
    let raw: RawTable = toml::from_str(text).map_err(|source| AdvisoryError::Toml { source })?;
    let mut advisories = Vec::new();
    for row in raw.advisory {
        let advisory = check(row, rules)?;
        if advisories
            .iter()
            .any(|other: &Advisory| other.id == advisory.id)
        {
            return Err(AdvisoryError::Row {
                id: advisory.id,
                problem: "listed twice".to_owned(),
            });
        }
        advisories.push(advisory);
    }
    Ok(advisories)
}

/// The shipped table, parsed once. A malformed table is a build defect the unit test catches;
/// should one slip through, the error is reported by [`crate::audit`] rather than panicking.
pub fn shipped() -> Result<&'static [Advisory], &'static AdvisoryError> {
    static TABLE_CELL: OnceLock<Result<Vec<Advisory>, AdvisoryError>> = OnceLock::new();
    TABLE_CELL
        .get_or_init(|| parse_table(TABLE, &crate::rules::ADVISORY_RULES))
        .as_ref()
        .map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn shipped_table_has_the_documented_shape() {
        let table = shipped().unwrap_or_else(|e| panic!("{e}"));
        // The advisories the issue names are all there, with their fixed versions.
        let fixed = |id: &str| {
            let advisory = table
                .iter()
                .find(|a| a.id == id)
                .unwrap_or_else(|| panic!("{id}"));
            match &advisory.ranges[0].end {
                End::Fixed(version) | End::LastAffected(version) => version.to_string(),
            }
        };
        assert_eq!(fixed("CVE-2025-32434"), "2.6.0");
        assert_eq!(fixed("CVE-2026-24747"), "2.10.0");
        assert_eq!(fixed("CVE-2025-24357"), "0.7.0");
        assert_eq!(fixed("CVE-2025-30165"), "0.10.0");
        assert_eq!(fixed("CVE-2025-32444"), "0.8.5");
        assert_eq!(fixed("CVE-2026-26220"), "1.1.0");
        for advisory in table {
            assert!(
                ["torch", "torch-npu", "vllm", "lightllm"].contains(&advisory.package.as_str()),
                "{} is outside the statement's scope",
                advisory.id
            );
        }
        // Only the torch advisories use the torch rules.
        for advisory in table {
            assert_eq!(
                advisory.rule != "TW223",
                advisory.package == "torch",
                "{}",
                advisory.id
            );
        }
    }

    #[test]
    fn torch_done_when() {
        let table = shipped().unwrap_or_else(|e| panic!("{e}"));
        let hits = |version: &str| -> Vec<&str> {
            table
                .iter()
                .filter(|a| a.package == "torch" && a.affecting(&v(version)).is_some())
                .map(|a| a.id.as_str())
                .collect()
        };
        assert_eq!(hits("2.5.1"), ["CVE-2025-32434", "CVE-2026-24747"]);
        assert_eq!(hits("2.5.1+cpu"), ["CVE-2025-32434", "CVE-2026-24747"]);
        assert_eq!(hits("2.6.0rc1"), ["CVE-2025-32434", "CVE-2026-24747"]);
        assert_eq!(hits("2.8.0"), ["CVE-2026-24747"]);
        assert_eq!(hits("2.10.0a0"), ["CVE-2026-24747"]);
        assert!(hits("2.10.0").is_empty());
        assert!(hits("2.11.0+cpu").is_empty());
    }

    #[test]
    fn ranges_follow_introduced_and_last_affected() {
        let table = shipped().unwrap_or_else(|e| panic!("{e}"));
        let mooncake = table.iter().find(|a| a.id == "CVE-2025-32444").unwrap();
        assert!(mooncake.affecting(&v("0.6.4")).is_none());
        assert!(mooncake.affecting(&v("0.6.5")).is_some());
        assert!(mooncake.affecting(&v("0.8.5")).is_none());
        let lightllm = table.iter().find(|a| a.id == "CVE-2026-26220").unwrap();
        assert!(lightllm.affecting(&v("1.1.0")).is_some());
        assert!(lightllm.affecting(&v("1.1.0.post1")).is_none());
    }

    #[test]
    fn refuses_malformed_rows() {
        let row = |fields: &str| {
            format!("[[advisory]]\nid = \"CVE-2025-0001\"\naliases = []\npackage = \"torch\"\nrule = \"TW223\"\nseverity = \"high\"\nsummary = \"s\"\nreferences = [\"https://x\"]\nsource = \"s\"\n{fields}\n")
        };
        let rules = ["TW223"];
        assert!(parse_table(
            &row("ranges = [{ introduced = \"0\", fixed = \"1.0\" }]"),
            &rules
        )
        .is_ok());
        for (fields, expect) in [
            ("ranges = []", "no affected range"),
            ("ranges = [{ introduced = \"0\" }]", "exactly one"),
            (
                "ranges = [{ introduced = \"2.0\", fixed = \"1.0\" }]",
                "ends before",
            ),
            (
                "ranges = [{ introduced = \"0\", fixed = \"x\" }]",
                "not a PEP 440",
            ),
            (
                "ranges = [{ introduced = \"0\", fixed = \"1\" }]\nextra = 1",
                "unknown field",
            ),
        ] {
            let err = parse_table(&row(fields), &rules)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "{fields}: {err}");
        }
        let bad_rule = row("ranges = [{ introduced = \"0\", fixed = \"1.0\" }]");
        assert!(parse_table(&bad_rule, &["TW220"]).is_err());
        let bad_id = bad_rule.replace("CVE-2025-0001", "CVE-25-1");
        assert!(parse_table(&bad_id, &rules).is_err());
        let bad_alias = bad_rule.replace("aliases = []", "aliases = [\"GHSA-1\"]");
        assert!(parse_table(&bad_alias, &rules).is_err());
        let bad_name = bad_rule.replace("\"torch\"", "\"Torch_NPU\"");
        assert!(parse_table(&bad_name, &rules).is_err());
        let twice = format!("{bad_rule}{bad_rule}");
        assert!(parse_table(&twice, &rules)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        assert!(is_ghsa("GHSA-53q9-r3pm-6pq6") && !is_ghsa("GHSA-53Q9-r3pm-6pq6"));
    }
}
