//! TW210: listeners a training process tree opened outside the declared ports (c10d's second
//! store, `--standalone`'s random ports, Gloo and `TensorPipe`; host-hardening.md finding 2 and
//! b9). Loopback listeners are ignored. `warn` in `baseline`, `fail` in `strict`; when some
//! processes' fds could not be read the result is `warn` "incomplete: unprivileged", never pass.
use super::exposed_port::with_owner;
use super::{finding, Checked};
use crate::context::Context;
use crate::profile::Profile;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW210",
    name: "undeclared-training-listener",
    severity: Severity::Medium,
    section: "11, 12",
    summary: "A training process listens on a non-loopback port outside the declared training ports.",
    doc: RuleDoc {
        what: "Maps every non-loopback listening socket to its process and reports those owned by a training process or its descendants (python, torchrun, torch_npu_run) on ports that are not training ports. Warn in the baseline profile, fail in strict.",
        why: "A port-list firewall misses these: torchrun's c10d backend opens a second store on a random wildcard port, --standalone opens two, Gloo one per rank, RPC dozens; all unauthenticated.",
        example: "`*:39409` opened by the torchrun agent with `--rdzv-backend c10d` (measured).",
        fix: "Declare the port (`--port`, overlay `ports = [...]`) so the firewall covers it, or use interface coverage (`torchward firewall apply --coverage interface`), or `torchward run --dynamic`, which adds ports as the job opens them.",
        references: &["Security statement §11, §12", "PyTorch torch/distributed/run.py", "host-hardening.md b9"],
    },
};

/// Checks listeners of the training tree.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    let status = match ctx.options.profile {
        Profile::Baseline => Status::Warn,
        Profile::Strict => Status::Fail,
    };
    let mut out = Vec::new();
    for listener in ctx.listeners.iter().filter(|l| !l.addr.is_loopback()) {
        if ctx.options.ports.label(listener.port).is_some() {
            continue;
        }
        let Some(pids) = ctx.owners.by_inode.get(&listener.inode) else {
            continue;
        };
        if !pids.iter().any(|pid| ctx.in_training_tree(*pid)) {
            continue;
        }
        // A port `run --dynamic` added, or a socket of a `torchward run` job's cgroup, is
        // restricted to the peers: not a finding.
        if ctx.covered_by(listener).is_some() {
            continue;
        }
        let endpoint = listener.endpoint();
        let result = finding(
            &RULE,
            status,
            listener.table,
            format!(
                "a training process listens on {endpoint}, which is not a declared training port"
            ),
        )
        .with_values(
            "listeners only on declared training ports",
            endpoint.clone(),
        )
        .with_evidence("endpoint", endpoint)
        .with_remediation(RULE.doc.fix);
        out.push(Checked::plain(with_owner(ctx, listener, result)));
    }
    if out.is_empty() {
        let result = if ctx.owners.unreadable.is_empty() {
            finding(
                &RULE,
                Status::Pass,
                "/proc/net/tcp",
                "no training process listens outside the declared ports",
            )
        } else {
            finding(
                &RULE,
                Status::Warn,
                "/proc/net/tcp",
                format!(
                    "incomplete: unprivileged: the fds of {} processes could not be read, so their listeners cannot be attributed",
                    ctx.owners.unreadable.len()
                ),
            )
        };
        out.push(Checked::plain(result));
    }
    out
}
