//! TW209: wildcard listeners on training ports (statement §11, §12): 29500, 29400, the HCCL
//! span and declared ports, read from /proc/net/tcp{,6} and mapped to processes through
//! /proc/PID/fd. `::` counts as exposed on IPv4 too (a dual-stack socket only shows in tcp6;
//! host-hardening.md finding 3). A port a torchward firewall state file covers passes.
use super::{finding, Checked};
use crate::context::Context;
use crate::socket::Listener;
use tw_diagnostics::{Finding, RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW209",
    name: "exposed-training-port",
    severity: Severity::High,
    section: "11, 12",
    summary: "A training port listens on all addresses with no torchward firewall restricting it.",
    doc: RuleDoc {
        what: "Lists LISTEN sockets in /proc/net/tcp and /proc/net/tcp6, keeps those bound to 0.0.0.0 or :: on a training port (29500, 29400, HCCL_IF_BASE_PORT and the 15 or 31 ports after it, declared extras), names the owning process from /proc/PID/fd socket links, and fails each one that no torchward firewall state file under /run/torchward covers.",
        why: "The c10d store, rendezvous and HCCL have no authentication or encryption and execute what they receive; PyTorch's TCPStore listens on the IPv6 wildcard (which also takes IPv4) even when MASTER_ADDR is 127.0.0.1, so anyone who can reach the port can join or attack the job.",
        example: "`[::]:29500` owned by `torchrun --nproc-per-node 8 train.py`.",
        fix: "Restrict the port to the training peers: `torchward firewall apply --peer 192.168.1.2 --port 29500` (or the statement's iptables chain), or run the job under `torchward run`, which holds the rules exactly while it runs.",
        references: &["Security statement §11, §12", "PyTorch SECURITY.md (Using distributed features)", "Linux Documentation/networking/proc_net_tcp.rst"],
    },
};

/// Adds the owner evidence of `listener` to `result`.
pub(crate) fn with_owner(ctx: &Context, listener: &Listener, mut result: Finding) -> Finding {
    result = result
        .with_evidence("socket inode", listener.inode.to_string())
        .with_evidence("uid", listener.uid.to_string());
    match ctx.owners.by_inode.get(&listener.inode) {
        Some(pids) => {
            for pid in pids {
                result = result.with_evidence("pid", pid.to_string());
                if let Some(process) = ctx.process(*pid) {
                    result = result.with_evidence("command", process.command());
                }
            }
        }
        None if !ctx.owners.unreadable.is_empty() => {
            result = result.with_evidence(
                "owner",
                format!(
                    "unknown (incomplete: unprivileged; the fds of {} processes could not be read)",
                    ctx.owners.unreadable.len()
                ),
            );
        }
        None => {
            result = result.with_evidence(
                "owner",
                "unknown (no process holds the socket in this PID namespace)",
            );
        }
    }
    result
}

/// Checks every wildcard listener on a training port.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    let ports = &ctx.options.ports;
    let mut out = Vec::new();
    for listener in ctx.listeners.iter().filter(|l| l.is_wildcard()) {
        let Some(label) = ports.label(listener.port) else {
            continue;
        };
        let endpoint = listener.endpoint();
        let family = if listener.addr.is_ipv6() {
            "every IPv6 address and, unless IPV6_V6ONLY is set, every IPv4 address"
        } else {
            "every IPv4 address"
        };
        let base = |status: Status, message: String| {
            let result = finding(&RULE, status, listener.table, message)
                .with_values(
                    "no wildcard listener, or one restricted by a torchward firewall",
                    endpoint.clone(),
                )
                .with_evidence("endpoint", endpoint.clone());
            with_owner(ctx, listener, result)
        };
        let result = match ctx.covered_by(listener) {
            Some(state) => base(
                Status::Pass,
                format!("{endpoint} ({label}) listens on {family}; a torchward firewall covers it"),
            )
            .with_evidence("firewall state", state),
            None => base(
                Status::Fail,
                format!(
                    "{endpoint} ({label}) listens on {family} and no torchward firewall covers it"
                ),
            )
            .with_remediation(RULE.doc.fix),
        };
        out.push(Checked::plain(result));
    }
    if out.is_empty() {
        out.push(Checked::plain(finding(
            &RULE,
            Status::Pass,
            "/proc/net/tcp",
            format!(
                "no wildcard listener on a training port (29500, 29400, HCCL {}, declared) in this network namespace",
                ports.hccl
            ),
        )));
    }
    out
}
