//! TW205: `RLIMIT_CORE` of the invoking session and of training processes (statement §8 names
//! core dumps as debugging aids; they hold the process's memory: weights, data, credentials).
//! A soft limit of 0 with a hard limit above 0 can be raised by the process itself, so it is
//! `warn` in `baseline` and `fail` in `strict` (host-hardening.md b1, finding 9).
use super::{finding, Checked};
use crate::context::Context;
use crate::process::{Limit, Probe};
use crate::profile::Profile;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW205",
    name: "core-dumps-allowed",
    severity: Severity::Medium,
    section: "8",
    summary: "Training processes may write core dumps (RLIMIT_CORE above 0).",
    doc: RuleDoc {
        what: "Reads `Max core file size` in /proc/PID/limits for torchward's own session and the training processes. A soft limit above 0 fails; soft 0 with a hard limit above 0 warns in the baseline profile (any process may raise its soft limit to the hard one) and fails in strict.",
        why: "A crashing training process dumps its whole memory: model weights, batches of private data, tokens and keys. Dumps land where kernel.core_pattern says, often the working directory, with whatever permissions it has.",
        example: "soft 0, hard unlimited (this is the default on many hosts): `ulimit -c unlimited` turns dumps back on.",
        fix: "`ulimit -Hc 0` in the launching shell; `* hard core 0` in /etc/security/limits.conf; `LimitCORE=0` in systemd units; restart the training processes. Keep dumps only where needed, in a 0700 directory.",
        references: &["Security statement §8", "getrlimit(2) RLIMIT_CORE", "limits.conf(5)", "Lynis KRNL-5820"],
    },
};

/// Checks the invoking session and the targets.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    ctx.judged()
        .into_iter()
        .filter_map(|(process, is_self)| {
            let path = format!("/proc/{}/limits", process.dir);
            let who = if is_self {
                "the invoking session (torchward itself)".to_owned()
            } else {
                format!("process {} ({})", process.status.pid, process.command())
            };
            // Gathered with the context; a target that exited was dropped and counted there.
            let limit = match ctx.core_limits.get(&process.dir)? {
                Probe::Read(limit) => *limit,
                Probe::Denied => {
                    return Some(Checked::plain(finding(
                        &RULE,
                        Status::Warn,
                        &path,
                        format!("incomplete: unprivileged: {path} could not be read"),
                    )))
                }
                Probe::Vanished => return None,
                Probe::Failed(message) => {
                    return Some(Checked::plain(finding(
                        &RULE,
                        Status::Error,
                        &path,
                        message.clone(),
                    )))
                }
            };
            let actual = format!("soft {}, hard {}", limit.soft, limit.hard);
            let (status, message) = if !limit.soft.is_zero() {
                (
                    Status::Fail,
                    format!("{who} may write core dumps ({actual})"),
                )
            } else if limit.hard != Limit::Bytes(0) {
                let status = match ctx.options.profile {
                    Profile::Baseline => Status::Warn,
                    Profile::Strict => Status::Fail,
                };
                (
                    status,
                    format!(
                        "{who} has core dumps off but may turn them on: soft 0, hard {}",
                        limit.hard
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("{who} cannot write core dumps ({actual})"),
                )
            };
            let mut result = finding(&RULE, status, &path, message)
                .with_values("hard 0", actual)
                .with_evidence("pid", process.status.pid.to_string());
            if status != Status::Pass {
                result = result.with_remediation(RULE.doc.fix);
            }
            Some(Checked::plain(result))
        })
        .collect()
}
