//! TW407: Docker is present, so published container ports bypass INPUT rules.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW407",
    name: "docker-forward-bypass",
    severity: Severity::Medium,
    section: "11",
    summary: "Docker is running: ports published from bridge-network containers go through FORWARD and are not covered by INPUT rules.",
    doc: RuleDoc {
        what: "Looks for a Docker daemon (its socket, the docker0 bridge, a DOCKER-USER chain) on the host.",
        why: "Docker DNATs published ports and routes them through the FORWARD chain, so an INPUT firewall (torchward's, ufw's, the statement's script) never sees them. Training in a container with `-p 29500:29500` stays open to everyone.",
        example: "`docker run -p 29500:29500 trainer` on a host with torchward's INPUT rules.",
        fix: "Run training containers with `--network host` (common for HCCL), or filter in DOCKER-USER: `iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 29500 ! -s PEER -j DROP`.",
        references: &["Security statement §11", "Docker docs: Packet filtering and firewalls (DOCKER-USER)", "moby/moby#4737, docker/for-linux#690"],
    },
};
