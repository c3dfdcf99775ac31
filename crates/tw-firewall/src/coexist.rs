//! Other firewall users on the host that change what torchward's rules mean (research b10,
//! "Coexistence"): Docker routes published ports through FORWARD, where INPUT rules never see
//! them; firewalld and nftables.service reloads can delete our rules. Detection reads files
//! under a root directory (normally `/`) so tests use a fake tree; it never runs anything.
use crate::rules::{docker_forward, firewall_reload};
use std::path::Path;
use tw_diagnostics::{Finding, Location};

fn exists(root: &Path, path: &str) -> bool {
    root.join(path.trim_start_matches('/')).exists()
}

fn read(root: &Path, path: &str) -> Option<String> {
    tw_fs::read_to_string_bounded(root.join(path.trim_start_matches('/')), 1024 * 1024).ok()
}

/// Findings about Docker, firewalld and nftables.service on the host under `root`.
pub fn check(root: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    let docker = [
        "/run/docker.sock",
        "/var/run/docker.sock",
        "/sys/class/net/docker0",
    ]
    .into_iter()
    .find(|p| exists(root, p));
    if let Some(evidence) = docker {
        findings.push(
            Finding::new(
                &docker_forward::RULE,
                Location::path(evidence),
                "Docker is present: ports published from bridge-network containers bypass INPUT rules",
            )
            .with_remediation("run training with --network host, or filter in DOCKER-USER: iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport PORT ! -s PEER -j DROP"),
        );
    }
    if exists(root, "/run/firewalld/firewalld.pid")
        || exists(root, "/var/run/firewalld/firewalld.pid")
    {
        findings.push(
            Finding::new(
                &firewall_reload::RULE,
                Location::path("/run/firewalld"),
                "firewalld is running: `firewall-cmd --reload` flushes iptables-nft rules in the ip filter table",
            )
            .with_remediation("use the nft backend (table inet torchward is separate from firewalld's tables), and check `torchward firewall status` after a reload"),
        );
    }
    let enabled = exists(
        root,
        "/etc/systemd/system/multi-user.target.wants/nftables.service",
    ) || exists(
        root,
        "/etc/systemd/system/sysinit.target.wants/nftables.service",
    );
    let flushes = read(root, "/etc/nftables.conf").is_some_and(|text| {
        text.lines()
            .map(str::trim)
            .any(|line| line.starts_with("flush ruleset"))
    });
    if enabled && flushes {
        findings.push(
            Finding::new(
                &firewall_reload::RULE,
                Location::path("/etc/nftables.conf"),
                "nftables.service is enabled and /etc/nftables.conf starts with `flush ruleset`: a reload deletes torchward's table",
            )
            .with_remediation("launch through `torchward run` (an owner table survives `flush ruleset`) or re-apply after reloads"),
        );
    }
    findings
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_docker_and_reloading_services_in_a_fake_root() {
        let root = tempfile::tempdir().unwrap();
        assert!(check(root.path()).is_empty());
        let dir = |p: &str| std::fs::create_dir_all(root.path().join(p)).unwrap();
        dir("sys/class/net/docker0");
        dir("etc/systemd/system/multi-user.target.wants");
        std::fs::write(
            root.path()
                .join("etc/systemd/system/multi-user.target.wants/nftables.service"),
            "",
        )
        .unwrap();
        std::fs::write(
            root.path().join("etc/nftables.conf"),
            "#!/usr/sbin/nft -f\n\nflush ruleset\n",
        )
        .unwrap();
        let ids: Vec<String> = check(root.path()).into_iter().map(|f| f.rule).collect();
        assert_eq!(ids, ["TW407", "TW408"]);
    }
}
