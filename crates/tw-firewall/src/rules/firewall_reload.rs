//! TW408: a firewall manager on the host can wipe torchward's rules on reload.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW408",
    name: "firewall-reload-wipes-rules",
    severity: Severity::Low,
    section: "11",
    summary: "firewalld or nftables.service is present; a reload can remove torchward's rules while training runs.",
    doc: RuleDoc {
        what: "Looks for firewalld (running) and for an nftables.service configuration that starts with `flush ruleset` (Debian's default /etc/nftables.conf).",
        why: "`systemctl reload nftables` runs `flush ruleset`, which deletes every table including torchward's; firewalld's reload flushes iptables-nft rules in the ip filter table (firewalld#863, #1099). Training then runs unprotected with nothing saying so.",
        example: "Debian host with nftables.service enabled and a plain (non-owner) torchward table.",
        fix: "Use `torchward run` (an owner table, which survives `flush ruleset`, held for the job), use the nft backend with firewalld's nftables backend (our inet table is separate), and check `torchward firewall status` after any reload.",
        references: &["Security statement §11", "research/host-hardening.md b10 (coexistence)", "firewalld/firewalld#863, #1099"],
    },
};
