//! `--select` and `--ignore`: finding-ID selectors and the stage that drops findings by them.
//! A selector is a whole ID (`TW101`) or a prefix of one (`TW1`, `TW10`, `TW`); anything else
//! is a usage error, so a typo never silently selects nothing.
use std::fmt;
use std::str::FromStr;
use tw_diagnostics::Report;

/// A finding-ID prefix, stored upper-case (`TW1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(String);

/// A string that is not `TW` followed by up to three digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a finding ID or prefix (expected TW followed by up to three digits, e.g. TW1 or TW101)")]
pub struct ParseSelectorError {
    given: String,
}

impl FromStr for Selector {
    type Err = ParseSelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match upper.strip_prefix("TW") {
            Some(digits) if digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Selector(upper))
            }
            _ => Err(ParseSelectorError {
                given: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Selector {
    /// Whether `rule` (an ID such as `TW101`) starts with this selector.
    pub fn matches(&self, rule: &str) -> bool {
        rule.len() >= self.0.len()
            && rule
                .get(..self.0.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(&self.0))
    }
}

/// Keeps only findings matched by some `select` selector (all when `select` is empty), then
/// drops those matched by any `ignore` selector. Dropped findings vanish from every format,
/// unlike ignore-file suppressions.
pub fn apply_selectors(report: &mut Report, select: &[Selector], ignore: &[Selector]) {
    report.findings.retain(|finding| {
        let selected = select.is_empty() || select.iter().any(|s| s.matches(&finding.rule));
        selected && !ignore.iter().any(|s| s.matches(&finding.rule))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

    fn rule(id: &'static str) -> RuleMeta {
        RuleMeta {
            id,
            name: "test",
            severity: Severity::High,
            section: "1",
            summary: "s",
            doc: RuleDoc {
                what: "",
                why: "",
                example: "",
                fix: "",
                references: &[],
            },
        }
    }

    fn report(ids: &[&'static str]) -> Report {
        let mut report = Report::new("test", "0");
        for id in ids {
            report
                .findings
                .push(Finding::new(&rule(id), Location::path("f"), "m"));
        }
        report
    }

    fn sel(list: &[&str]) -> Vec<Selector> {
        list.iter().filter_map(|s| s.parse().ok()).collect()
    }

    fn ids(report: &Report) -> Vec<&str> {
        report.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn parses_ids_and_prefixes_case_insensitively() {
        assert_eq!(
            "tw1".parse::<Selector>().map(|s| s.to_string()),
            Ok("TW1".to_owned())
        );
        assert!("TW".parse::<Selector>().is_ok());
        for bad in ["", "TW1000", "X101", "TW1a", "101"] {
            assert!(bad.parse::<Selector>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn select_keeps_matching_and_ignore_wins() {
        let mut r = report(&["TW101", "TW102", "TW301", "TW601"]);
        apply_selectors(&mut r, &sel(&["TW1", "TW301"]), &sel(&["TW102"]));
        assert_eq!(ids(&r), ["TW101", "TW301"]);
    }

    #[test]
    fn empty_select_keeps_everything_not_ignored() {
        let mut r = report(&["TW101", "TW601"]);
        apply_selectors(&mut r, &[], &sel(&["TW6"]));
        assert_eq!(ids(&r), ["TW101"]);
    }
}
