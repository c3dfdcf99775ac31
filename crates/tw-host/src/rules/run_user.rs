//! TW202: training must not run as root or with capabilities (statement §3). Judges the
//! invoking session (torchward's own process) and the processes named with `--pid` or found
//! with `--all-processes`: real, effective, saved and filesystem UIDs, and `CapEff`.
use super::{finding, Checked};
use crate::context::Context;
use crate::process::Process;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW202",
    name: "runs-as-root",
    severity: Severity::High,
    section: "3",
    summary: "Training (or the session that launches it) runs as root or holds capabilities.",
    doc: RuleDoc {
        what: "Reads Uid: and CapEff: in /proc/PID/status for torchward's own session and for training processes (`--pid PID`, or every python/torchrun/torch_npu_run process with `--all-processes`). Any UID 0 among real, effective, saved and filesystem, or any effective capability, fails.",
        why: "torch.load, pickle-based collectives and the unauthenticated c10d store execute what they receive (statement §1, §6, §11); as root, one malicious checkpoint or peer owns the machine. A non-zero UID with capabilities (CAP_SYS_ADMIN, CAP_NET_ADMIN ...) is nearly as bad.",
        example: "`torchrun train.py` started from a root shell: Uid 0 0 0 0, CapEff 000001ffffffffff.",
        fix: "Create a dedicated account (`useradd -m -s /bin/bash trainer`), give it the NPU device group, and launch as that user (`runuser -u trainer -- torchrun ...`), or use `torchward run`, which drops root for the child.",
        references: &["Security statement §3", "proc(5) /proc/PID/status", "capabilities(7)"],
    },
};

fn judge(process: &Process, is_self: bool) -> Checked {
    let status = &process.status;
    let ids = status.uids.map(|id| id.to_string()).join(" ");
    let path = format!("/proc/{}/status", process.dir);
    let who = if is_self {
        "the invoking session (torchward itself)".to_owned()
    } else {
        format!("process {} ({})", status.pid, process.command())
    };
    let severity = if is_self {
        Severity::Medium
    } else {
        RULE.severity
    };
    let base = |state: Status, message: String| {
        finding(&RULE, state, &path, message)
            .with_severity(severity)
            .with_evidence("pid", status.pid.to_string())
            .with_evidence("command", process.command())
            .with_values(
                "uids != 0, CapEff 0",
                format!("uids {ids}, CapEff {:016x}", status.cap_eff),
            )
    };
    if status.any_root_uid() {
        let hint = if is_self {
            "; training started from this session would run as root"
        } else {
            ""
        };
        return Checked::plain(
            base(
                Status::Fail,
                format!("{who} runs as root (uids {ids}){hint}"),
            )
            .with_remediation(RULE.doc.fix),
        );
    }
    if status.cap_eff != 0 {
        return Checked::plain(
            base(
                Status::Fail,
                format!("{who} holds effective capabilities {:016x}", status.cap_eff),
            )
            .with_remediation("Drop capabilities: run without `setcap`/ambient capabilities (`capsh --print` shows them), or `setpriv --inh-caps=-all --bounding-set=-all`."),
        );
    }
    Checked::plain(base(
        Status::Pass,
        format!("{who} runs as uid {} without capabilities", status.uids[1]),
    ))
}

/// Checks the invoking session and the targets.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    let mut out: Vec<Checked> = ctx
        .judged()
        .into_iter()
        .map(|(process, is_self)| judge(process, is_self))
        .collect();
    for pid in &ctx.missing_pids {
        out.push(Checked::plain(finding(
            &RULE,
            Status::Error,
            &format!("/proc/{pid}"),
            format!("--pid {pid}: no such process (or it could not be read)"),
        )));
    }
    if ctx.options.all_processes && ctx.targets.is_empty() {
        out.push(Checked::plain(finding(
            &RULE,
            Status::Skip,
            "/proc",
            "no training process (python, torchrun, torch_npu_run) is running",
        )));
    }
    out
}
