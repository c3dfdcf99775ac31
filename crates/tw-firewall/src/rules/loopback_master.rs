//! TW409: a loopback `MASTER_ADDR` does not keep the store local.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW409",
    name: "loopback-master-still-exposed",
    severity: Severity::Low,
    section: "11",
    summary: "MASTER_ADDR or the rendezvous host is a loopback address, but the store still listens on every interface.",
    doc: RuleDoc {
        what: "Reports a master address or rendezvous host of 127.0.0.1, ::1 or localhost.",
        why: "Measured with torch 2.15: `TCPStore(\"127.0.0.1\", port, is_master=True)` and torchrun's store listen on the IPv6 wildcard, which also accepts IPv4, with or without libuv. The address only says where clients connect; the unauthenticated store is reachable from the network.",
        example: "`torchrun --master-addr 127.0.0.1 --master-port 29500 train.py` on a host with a public interface.",
        fix: "Firewall the port anyway: `torchward firewall apply` (no peers needed for a single node: loopback and the host's own addresses are always allowed), or launch through `torchward run`.",
        references: &["Security statement §11", "research/host-hardening.md b9 (measured listeners)"],
    },
};
