//! TW203: the live umask of the invoking session and of training processes is 0027 or
//! stricter (statement §4.4: files torch.save writes follow the umask). Read from the
//! `Umask:` line of /proc/PID/status (Linux >= 4.7), the running state Lynis never reads.
use super::{finding, octal, umask_ok, Checked};
use crate::context::Context;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW203",
    name: "process-umask",
    severity: Severity::Medium,
    section: "4",
    summary: "A training process (or the invoking session) runs with a umask looser than 0027.",
    doc: RuleDoc {
        what: "Reads Umask: in /proc/PID/status for torchward's own session and for training processes, and fails unless the umask masks group write and every bit for others (umask & 0027 == 0027).",
        why: "Checkpoints, logs and profiler output written with torch.save or open() get 0666 & ~umask; with the common 0022 they are world-readable, exposing model weights and data (statement §4, §5).",
        example: "Umask: 0022 -> torch.save writes model.pt as 0644.",
        fix: "`umask 0027` in the launching shell and in ~/.profile of the training account, or launch with `torchward run` (sets 0027 for the child). The umask of a running process cannot be changed from outside: restart it.",
        references: &["Security statement §4.4", "proc(5) Umask", "umask(2)"],
    },
};

/// Checks the invoking session and the targets.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    ctx.judged()
        .into_iter()
        .map(|(process, is_self)| {
            let path = format!("/proc/{}/status", process.dir);
            let who = if is_self {
                "the invoking session (torchward itself)".to_owned()
            } else {
                format!("process {} ({})", process.status.pid, process.command())
            };
            let Some(mask) = process.status.umask else {
                return Checked::plain(finding(
                    &RULE,
                    Status::Skip,
                    &path,
                    "the kernel does not show Umask: (Linux < 4.7)",
                ));
            };
            let (status, message) = if umask_ok(mask) {
                (Status::Pass, format!("{who} has umask {}", octal(mask)))
            } else {
                (
                    Status::Fail,
                    format!(
                        "{who} has umask {}: files it creates are readable (or writable) by others",
                        octal(mask)
                    ),
                )
            };
            let mut result = finding(&RULE, status, &path, message)
                .with_values("0027 or stricter", octal(mask))
                .with_evidence("pid", process.status.pid.to_string());
            if status == Status::Fail {
                result = result.with_remediation(RULE.doc.fix);
            }
            Checked::plain(result)
        })
        .collect()
}
