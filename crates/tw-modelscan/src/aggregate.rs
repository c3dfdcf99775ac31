//! The findings of one file, gathered: a finding seen again in the same file (same rule,
//! severity and message, wherever it is: another offset, another pickle of the archive) is one
//! finding with a count and the first location. A real TorchScript model imports the same
//! helper global in every one of its debug pickles: one finding per import made 87 findings
//! of a handful of facts.
use tw_diagnostics::Finding;

/// Adds `finding` to the findings of one file, or counts it on the same finding already there.
pub(crate) fn add(findings: &mut Vec<Finding>, finding: Finding) {
    let same = findings.iter_mut().find(|f| {
        // The path is compared too: two members of one archive (`bundle.zip!a.pt`,
        // `bundle.zip!b.pt`) are two files to the user, each with its own findings.
        f.rule == finding.rule
            && f.severity == finding.severity
            && f.message == finding.message
            && f.location.path == finding.location.path
    });
    match same {
        Some(first) => first.occurrences = Some(first.occurrences.unwrap_or(1).saturating_add(1)),
        None => findings.push(finding),
    }
}
