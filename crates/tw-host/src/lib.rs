//! `torchward audit host`: the host side of the security statement (§2 ASLR, §3 run user,
//! §4.4 umask, §8 core dumps, §11/§12 exposed training ports) checked against the running
//! state. Every probe reads under a [`SystemRoot`] so tests use a fake `/proc` and `/etc`;
//! checks return [`Finding`]s whose status (pass/fail/warn/skip/error) is separate from their
//! severity; what an unprivileged run cannot see is `warn`, never `pass`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod context;
mod date;
mod error;
mod firewall;
mod fix;
mod ports;
mod process;
mod profile;
mod root;
mod rules;
mod sock_diag;
mod socket;
mod sysctl;

pub use context::{Context, Options};
pub use error::{ConfigError, FixError, ProbeError};
pub use firewall::{Cover, STATE_DIR};
pub use fix::{apply as apply_fixes, FixAction, LOGIN_DEFS};
pub use ports::{PortRange, TrainingPorts, HCCL_BASE_PORT, MASTER_PORT, RDZV_PORT};
pub use process::{CoreLimit, Limit, Probe, Process, Status as ProcessStatus};
pub use profile::{Overlay, Profile, Skip};
pub use root::{SystemRoot, READ_LIMIT};
pub use rules::RULES;
pub use socket::{Listener, Owners};
pub use sysctl::PERSIST_FILE;

use tw_diagnostics::{AnalysisError, Finding, Status};

/// Today (UTC) as `YYYY-MM-DD`, the default for [`Options::today`].
pub fn today() -> String {
    date::today()
}

/// The result of one host audit.
#[derive(Debug, Clone)]
pub struct HostAudit {
    /// Every result, passes and skips included, in rule order.
    pub findings: Vec<Finding>,
    /// The fixes for the problems found (skipped findings have none), in rule order.
    pub fixes: Vec<FixAction>,
    /// Checks that broke or inputs that could not be read (exit code 2).
    pub errors: Vec<AnalysisError>,
    /// Whether torchward ran as UID 0 (when not, results that depend on other users'
    /// processes are marked incomplete).
    pub privileged: bool,
    /// Processes that exited while the audit read them: skipped, counted, never errors.
    pub vanished: usize,
}

/// Whether `skip` names `finding`: same rule, and the subject (if given) equals the finding's
/// path or entry or one of its evidence values.
fn skip_matches(skip: &Skip, finding: &Finding) -> bool {
    if !skip.id.eq_ignore_ascii_case(&finding.rule) {
        return false;
    }
    let Some(subject) = &skip.subject else {
        return true;
    };
    finding.location.path == *subject
        || finding.location.entry.as_deref() == Some(subject.as_str())
        || finding
            .evidence
            .iter()
            .any(|evidence| evidence.value == *subject)
}

/// Applies the overlay skips: a live skip turns the result into `skip` with its reason; an
/// expired one leaves the real result and says so.
fn apply_skips(options: &Options, finding: &mut Finding) -> bool {
    let Some(skip) = options
        .skips
        .iter()
        .find(|skip| skip_matches(skip, finding))
    else {
        return false;
    };
    match &skip.until {
        Some(until) if options.today.as_str() >= until.as_str() => {
            finding.evidence.push(tw_diagnostics::Evidence {
                name: "expired skip".to_owned(),
                value: format!("{} (until {until})", skip.reason),
            });
            false
        }
        _ => {
            let until = skip
                .until
                .as_deref()
                .map(|u| format!(", until {u}"))
                .unwrap_or_default();
            finding.message = format!("skipped ({}{until}): {}", skip.reason, finding.message);
            finding.status = Status::Skip;
            finding.remediation = None;
            finding.evidence.push(tw_diagnostics::Evidence {
                name: "skip reason".to_owned(),
                value: skip.reason.clone(),
            });
            true
        }
    }
}

/// Runs every `TW2xx` check under `root`.
pub fn audit(root: &SystemRoot, options: &Options) -> HostAudit {
    let ctx = Context::gather(root, options);
    let mut audit = HostAudit {
        findings: Vec::new(),
        fixes: Vec::new(),
        errors: ctx
            .problems
            .iter()
            .map(|problem| AnalysisError {
                path: root.base().display().to_string(),
                entry: None,
                offset: None,
                message: problem.clone(),
            })
            .collect(),
        privileged: ctx.privileged(),
        vanished: ctx.vanished,
    };
    for check in rules::CHECKS {
        for checked in (check.run)(&ctx) {
            let mut finding = checked.finding;
            debug_assert_eq!(finding.rule, check.id, "a check reported another rule's ID");
            let skipped = apply_skips(options, &mut finding);
            if finding.status == Status::Error {
                audit.errors.push(AnalysisError {
                    path: finding.location.path.clone(),
                    entry: None,
                    offset: None,
                    message: format!("{}: {}", finding.rule, finding.message),
                });
            }
            if !skipped && finding.status.is_problem() {
                if let Some(fix) = checked.fix {
                    audit.fixes.push(fix);
                }
            }
            audit.findings.push(finding);
        }
    }
    audit
}
