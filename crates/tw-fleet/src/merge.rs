//! The fleet summary itself: per host, the worst severity and the counts of unsuppressed
//! problems; per rule, how many findings and which hosts fail it. Only findings that count
//! (status fail or warn, not suppressed, at or above the level asked for) are summarised, so
//! the summary agrees with the exit codes the hosts' own runs had.
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tw_diagnostics::{Report, Severity};

/// One host: what its reports say, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostSummary {
    /// The host name the reports record.
    pub host: String,
    /// The worst severity among its counted findings; none when it is clean.
    pub worst: Option<Severity>,
    /// Counted findings per severity, worst first.
    pub by_severity: BTreeMap<Severity, u64>,
    /// Counted findings in all.
    pub findings: u64,
    /// Analysis errors its reports carry (inputs the host could not check).
    pub errors: u64,
    /// The commands whose reports were merged (`audit host`, `scan` ...).
    pub commands: BTreeSet<String>,
    /// How many reports (or JSON Lines records) came from it.
    pub reports: u64,
}

/// One rule across the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSummary {
    /// The finding ID.
    pub rule: String,
    /// Its kebab-case name.
    pub name: String,
    /// The worst severity seen for it.
    pub severity: Severity,
    /// Counted findings across all hosts.
    pub findings: u64,
    /// The hosts with at least one, sorted.
    pub hosts: BTreeSet<String>,
}

/// The merged view of many reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fleet {
    /// The level findings were counted at.
    pub fail_on: Severity,
    /// Hosts, worst first (then by name).
    pub hosts: Vec<HostSummary>,
    /// Rules, by severity then by number of hosts failing, then ID.
    pub rules: Vec<RuleSummary>,
    /// Inputs that could not be read, each naming the file.
    pub input_errors: Vec<String>,
    /// How many inputs were merged.
    pub inputs: u64,
}

impl Fleet {
    /// Summarises `reports` (each with its host set), counting findings at `fail_on`.
    pub fn merge<'a>(
        reports: impl IntoIterator<Item = &'a Report>,
        inputs: u64,
        input_errors: Vec<String>,
        fail_on: Severity,
    ) -> Fleet {
        let mut hosts: BTreeMap<String, HostSummary> = BTreeMap::new();
        let mut rules: BTreeMap<String, RuleSummary> = BTreeMap::new();
        for report in reports {
            let name = report
                .host
                .clone()
                .unwrap_or_else(|| "(unknown)".to_owned());
            let host = hosts.entry(name.clone()).or_insert_with(|| HostSummary {
                host: name.clone(),
                worst: None,
                by_severity: BTreeMap::new(),
                findings: 0,
                errors: 0,
                commands: BTreeSet::new(),
                reports: 0,
            });
            host.reports += 1;
            host.errors += report.errors.len() as u64;
            host.commands.insert(report.command.clone());
            for finding in report.counting(fail_on) {
                host.findings += 1;
                *host.by_severity.entry(finding.severity).or_default() += 1;
                host.worst = host.worst.max(Some(finding.severity));
                let rule = rules
                    .entry(finding.rule.clone())
                    .or_insert_with(|| RuleSummary {
                        rule: finding.rule.clone(),
                        name: finding.name.clone(),
                        severity: finding.severity,
                        findings: 0,
                        hosts: BTreeSet::new(),
                    });
                rule.findings += 1;
                rule.severity = rule.severity.max(finding.severity);
                rule.hosts.insert(name.clone());
            }
        }
        let mut hosts: Vec<HostSummary> = hosts.into_values().collect();
        hosts.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.worst),
                std::cmp::Reverse(a.findings),
                &a.host,
            )
                .cmp(&(
                    std::cmp::Reverse(b.worst),
                    std::cmp::Reverse(b.findings),
                    &b.host,
                ))
        });
        let mut rules: Vec<RuleSummary> = rules.into_values().collect();
        rules.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                std::cmp::Reverse(a.hosts.len()),
                &a.rule,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    std::cmp::Reverse(b.hosts.len()),
                    &b.rule,
                ))
        });
        Fleet {
            fail_on,
            hosts,
            rules,
            input_errors,
            inputs,
        }
    }

    /// Hosts with at least one counted finding.
    pub fn failing_hosts(&self) -> usize {
        self.hosts.iter().filter(|h| h.findings > 0).count()
    }

    /// The exit code the merge calls for: 2 when an input (or a host's own run) had errors,
    /// else 1 when any host has a counted finding, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.input_errors.is_empty() || self.hosts.iter().any(|h| h.errors > 0) {
            2
        } else {
            u8::from(self.failing_hosts() > 0)
        }
    }
}
