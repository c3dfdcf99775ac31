//! Turning what was read into findings: an installed package against the advisory table
//! (TW220, TW221, TW223, with passes for torch so every torch install is shown), a torch /
//! `torch_npu` pair (TW222), and an assignment of `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` (TW224).
//! Checks build data; they never format output beyond the finding's own message.
use crate::advisory::{Advisory, End};
use crate::flag::{self, Assignment};
use crate::package::Installed;
use crate::process::Process;
use crate::rules::{by_id, torch_npu_mismatch, weights_only_disabled};
use std::fmt::Write as _;
use tw_diagnostics::{Finding, Location, Status};

/// Where an installed package was found, for the evidence of its findings.
#[derive(Debug, Clone)]
pub struct Place {
    /// The record path as shown.
    pub record: String,
    /// `virtualenv /opt/venv`.
    pub environment: String,
    /// How the environment was found (`process 42 (python train.py)`, `argument` ...).
    pub origins: Vec<String>,
    /// The `torch_npu` version beside a torch, or the torch version beside a `torch_npu`.
    pub partner: Option<(String, String)>,
}

fn fixed_text(advisory: &Advisory, installed: &Installed) -> String {
    match advisory
        .affecting(&installed.version)
        .map(|range| &range.end)
    {
        Some(End::Fixed(fixed)) => fixed.to_string(),
        Some(End::LastAffected(last)) => format!("none published (last affected {last})"),
        None => advisory
            .ranges
            .iter()
            .map(|range| match &range.end {
                End::Fixed(fixed) => fixed.to_string(),
                End::LastAffected(last) => format!("after {last}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn with_place(mut finding: Finding, place: &Place) -> Finding {
    finding = finding
        .with_evidence("environment", place.environment.clone())
        .with_evidence("found via", place.origins.join("; "));
    if let Some((name, version)) = &place.partner {
        finding = finding.with_evidence(name.clone(), version.clone());
    }
    finding
}

/// The findings of one installed package: a failure per advisory whose range holds its
/// version, and for torch a pass per torch advisory it is clear of.
pub fn package(installed: &Installed, place: &Place, advisories: &[Advisory]) -> Vec<Finding> {
    let mut out = Vec::new();
    for advisory in advisories.iter().filter(|a| a.package == installed.name) {
        let Some(rule) = by_id(&advisory.rule) else {
            continue;
        };
        let fixed = fixed_text(advisory, installed);
        let version = &installed.version;
        let location = Location::path(place.record.clone());
        let finding = if advisory.affecting(version).is_some() {
            Finding::new(
                rule,
                location,
                format!(
                    "{} {version} is affected by {}: {} Fixed version: {fixed}.",
                    installed.name,
                    advisory.names(),
                    advisory.summary
                ),
            )
            .with_severity(advisory.severity)
            .with_remediation(rule.doc.fix)
        } else if installed.name == "torch" {
            Finding::new(
                rule,
                location,
                format!(
                    "{} {version} is not affected by {} (fixed in {fixed}).",
                    installed.name,
                    advisory.names()
                ),
            )
            .with_severity(advisory.severity)
            .with_status(Status::Pass)
        } else {
            continue;
        };
        let finding = finding
            .with_values(
                format!("{} {fixed} or later", installed.name),
                version.to_string(),
            )
            .with_evidence("advisory", advisory.names())
            .with_evidence("installed", version.to_string())
            .with_evidence("fixed", fixed);
        out.push(with_place(finding, place));
    }
    out
}

/// TW222 for a torch and the `torch_npu` beside it: fail when `torch_npu`'s series is older than
/// torch's, else a pass naming the pair.
pub fn pair(torch: &Installed, npu: &Installed, place: &Place) -> Finding {
    let rule = &torch_npu_mismatch::RULE;
    let (torch_series, npu_series) = (torch.version.series(), npu.version.series());
    let series = |(major, minor): (u64, u64)| format!("{major}.{minor}");
    let location = Location::path(place.record.clone());
    let finding = if npu_series < torch_series {
        Finding::new(
            rule,
            location,
            format!(
                "torch_npu {} (built for torch {}) runs with torch {}: torch_npu is behind torch.",
                npu.version,
                series(npu_series),
                torch.version
            ),
        )
        .with_remediation(format!(
            "Install the torch_npu release of torch's series: pip install 'torch_npu=={}.*'.",
            series(torch_series)
        ))
    } else {
        Finding::new(
            rule,
            location,
            format!(
                "torch_npu {} runs with torch {} (series {}).",
                npu.version,
                torch.version,
                series(torch_series)
            ),
        )
        .with_status(Status::Pass)
    };
    with_place(
        finding
            .with_values(
                format!("torch_npu {}.x", series(torch_series)),
                format!("torch_npu {}", npu.version),
            )
            .with_evidence("torch", torch.version.to_string())
            .with_evidence("torch_npu", npu.version.to_string()),
        &Place {
            partner: None,
            ..place.clone()
        },
    )
}

/// TW224 for a running process whose environment sets the variable to a true value. With the
/// opposite variable also true torch refuses every load, so that is only a `warn`.
pub fn process_flag(process: &Process, value: &str, path: &str) -> Option<Finding> {
    if !flag::is_true(value) {
        return None;
    }
    let rule = &weights_only_disabled::RULE;
    let opposite =
        flag::environ_value(&process.environ, flag::OPPOSITE).is_some_and(|v| flag::is_true(&v));
    let mut finding = Finding::new(
        rule,
        Location::path(path),
        format!(
            "process {} ({}) runs with {}={value}: its torch.load calls without weights_only use full pickle",
            process.pid,
            process.command,
            flag::VARIABLE
        ),
    )
    .with_values(format!("{} unset", flag::VARIABLE), format!("{}={value}", flag::VARIABLE))
    .with_evidence("pid", process.pid.to_string())
    .with_evidence("command", process.command.clone())
    .with_remediation(rule.doc.fix);
    if opposite {
        let _ = write!(
            finding.message,
            "; {} is also set, so torch.load raises until one of them is removed",
            flag::OPPOSITE
        );
        finding = finding.with_status(Status::Warn);
    }
    Some(finding)
}

/// TW224 for an assignment in a file: fail when torch reads the literal value as true, warn
/// when the value is computed at run time.
pub fn file_flag(path: &str, what: &str, assignment: &Assignment) -> Option<Finding> {
    let rule = &weights_only_disabled::RULE;
    let status = if assignment.is_true() {
        Status::Fail
    } else if !assignment.literal {
        Status::Warn
    } else {
        return None;
    };
    let mut location = Location::path(path);
    if assignment.line > 0 {
        location = location.with_line(assignment.line, 1);
    }
    let line = if assignment.line > 0 {
        format!(" line {}", assignment.line)
    } else {
        String::new()
    };
    let message = if status == Status::Fail {
        format!(
            "{what} sets {}={}{line}: processes started with it load checkpoints with full pickle",
            flag::VARIABLE,
            assignment.value
        )
    } else {
        format!(
            "{what} sets {} from `{}`{line}, which torchward cannot evaluate; torch treats 1, y, yes and true as set",
            flag::VARIABLE,
            assignment.value
        )
    };
    Some(
        Finding::new(rule, location, message)
            .with_status(status)
            .with_values(
                format!("{} unset", flag::VARIABLE),
                format!("{}={}", flag::VARIABLE, assignment.value),
            )
            .with_evidence("source", what)
            .with_remediation(rule.doc.fix),
    )
}
