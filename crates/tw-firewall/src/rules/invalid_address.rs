//! TW405: an address or interface variable the launcher reads is malformed.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW405",
    name: "invalid-address-value",
    severity: Severity::Low,
    section: "12",
    summary: "MASTER_ADDR, the rendezvous host, HCCL_IF_IP or HCCL_SOCKET_IFNAME is malformed.",
    doc: RuleDoc {
        what: "Checks that HCCL_IF_IP is an IP address, that HCCL_SOCKET_IFNAME names interfaces (1-15 characters, optional `^`/`=` prefix), and that MASTER_ADDR and the rendezvous host are an address or a host name.",
        why: "These values choose the interface training binds to and the peers it reaches. A malformed value makes HCCL fall back to its own choice of NIC (first non-docker, non-lo interface), which may not be the interface the firewall restricts.",
        example: "`HCCL_IF_IP=192.168.1.300` or `HCCL_SOCKET_IFNAME=eth0 eth1` (space instead of comma).",
        fix: "Set HCCL_IF_IP to the training NIC's address or HCCL_SOCKET_IFNAME to its name, and pass the same interface to `torchward firewall --interface`.",
        references: &["Security statement §11, §12", "CANN HCCL_IF_IP / HCCL_SOCKET_IFNAME documentation"],
    },
};
