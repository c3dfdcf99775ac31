//! TW404: a training port range overlaps the kernel's ephemeral range and is not reserved.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW404",
    name: "training-ports-in-ephemeral-range",
    severity: Severity::Medium,
    section: "12",
    summary: "Training listening ports overlap net.ipv4.ip_local_port_range without being in ip_local_reserved_ports.",
    doc: RuleDoc {
        what: "Compares every fixed training listening range with /proc/sys/net/ipv4/ip_local_port_range and reports the ports in both that /proc/sys/net/ipv4/ip_local_reserved_ports does not reserve.",
        why: "The kernel hands out ports in the ephemeral range as source ports of outgoing connections. A training port in that range can already be taken when the job starts (bind fails at random), and firewall rules for it also hit replies to unrelated outgoing connections that happened to get that port.",
        example: "Default HCCL span 60000-60015 with ip_local_port_range `32768 60999`.",
        fix: "Reserve the span: `sysctl -w net.ipv4.ip_local_reserved_ports=60000-60031` (persist in /etc/sysctl.d/), or move the base below the ephemeral range.",
        references: &["Security statement §12 (source ports: ip_local_port_range)", "Linux Documentation/networking/ip-sysctl.rst"],
    },
};
