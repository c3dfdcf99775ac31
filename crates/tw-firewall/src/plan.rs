//! The rule plan: which ports are restricted, which peers may reach them, on which interface,
//! and what happens to everyone else. A `Plan` is only built by [`Plan::new`], which checks
//! every value that ends up inside a ruleset (interface names are the only free text and are
//! validated, addresses and ports are typed), so a rendered ruleset can never carry injected
//! syntax. Both backends render the same plan.
use crate::net::{self, Family, IpNet, Peer};
use crate::port::{self, PortRange};
use serde::{Deserialize, Serialize};

/// What the rules cover (research b9, "coverage modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// The listed ports (by default the matrix's fixed ports), on every interface.
    Ports,
    /// Every inbound TCP port on the training interface except a keep-open list: also covers
    /// the random store ports of c10d and `--standalone`.
    Interface,
}

/// What happens to a non-peer's packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Silently dropped (default; a mis-listed peer hangs until its rendezvous timeout).
    Drop,
    /// Answered with a TCP reset (fails fast).
    Reject,
}

/// Which tool applies the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// nftables: one `inet` table, one transaction for both families.
    Nft,
    /// iptables and ip6tables: dedicated chains, one transaction per family.
    Iptables,
}

impl Backend {
    /// `nft` or `iptables`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Nft => "nft",
            Backend::Iptables => "iptables",
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Ports to restrict (`Ports` coverage).
    pub ports: Vec<PortRange>,
    /// Peers allowed in.
    pub peers: Vec<Peer>,
    /// Training interface; required for `Interface` coverage, optional otherwise (peers are
    /// then accepted only when they arrive on it).
    pub interface: Option<String>,
    /// Coverage mode.
    pub coverage: Coverage,
    /// Drop or reject.
    pub action: Action,
    /// Ports never restricted in `Interface` coverage (e.g. 22).
    pub keep_open: Vec<PortRange>,
}

/// The cgroup (v2) a `torchward run` job runs in: every socket its processes open belongs to
/// it, so one nft rule (`socket cgroupv2`) restricts every listener of the job, whatever port
/// it picks, from the first packet. The path is the one nft resolves under `/sys/fs/cgroup`
/// when the rule is loaded (so the directory must exist first); the level is the cgroup's
/// depth below the hierarchy root, which the kernel compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCgroup {
    path: String,
    level: u32,
}

/// Why a cgroup cannot be named in a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` cannot be named in a rule (a relative path of letters, digits, `.`, `-`, `_` and `/`, at most 200 characters, no `..`, at level 1-64)")]
pub struct CgroupError {
    /// The path given.
    pub path: String,
}

impl JobCgroup {
    /// A cgroup at `path` (relative to `/sys/fs/cgroup`, as nft resolves it) and `level`
    /// (depth below the cgroup2 root). Only characters that need no quoting are accepted, so
    /// the rendered rule can carry no injected syntax.
    pub fn new(path: &str, level: u32) -> Result<JobCgroup, CgroupError> {
        let safe = !path.is_empty()
            && path.len() <= 200
            && (1..=64).contains(&level)
            && !path.starts_with('/')
            && path
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'));
        if safe {
            Ok(JobCgroup {
                path: path.to_owned(),
                level,
            })
        } else {
            Err(CgroupError {
                path: path.to_owned(),
            })
        }
    }

    /// Path relative to `/sys/fs/cgroup`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Depth below the cgroup2 root.
    pub fn level(&self) -> u32 {
        self.level
    }
}

/// Why a plan cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `Ports` coverage with no ports.
    #[error("no ports to restrict: give --port or let the matrix supply them")]
    NoPorts,
    /// `Interface` coverage without `--interface`.
    #[error("--coverage interface needs --interface NAME")]
    NoInterface,
    /// An interface name the kernel would not accept.
    #[error("`{name}` is not an interface name (1-15 characters: letters, digits, `.`, `-`, `_`, `@`, `:`)")]
    BadInterface {
        /// The name given.
        name: String,
    },
}

/// A checked plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    ports: Vec<PortRange>,
    peers: Vec<Peer>,
    nets: Vec<IpNet>,
    interface: Option<String>,
    coverage: Coverage,
    action: Action,
    keep_open: Vec<PortRange>,
    /// The job's cgroup, whose sockets are restricted whatever their port (`run`, nft only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cgroup: Option<JobCgroup>,
}

/// Kernel interface names: at most 15 bytes (IFNAMSIZ - 1), no `/`, whitespace or quotes; we
/// accept a conservative subset so names can be quoted in nft and passed to iptables.
fn valid_interface(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@' | b':'))
}

impl Plan {
    /// Checks and normalises the input.
    pub fn new(input: PlanInput) -> Result<Plan, PlanError> {
        if let Some(name) = &input.interface {
            if !valid_interface(name) {
                return Err(PlanError::BadInterface { name: name.clone() });
            }
        }
        match input.coverage {
            Coverage::Ports if input.ports.is_empty() => return Err(PlanError::NoPorts),
            Coverage::Interface if input.interface.is_none() => return Err(PlanError::NoInterface),
            _ => {}
        }
        let all: Vec<IpNet> = input
            .peers
            .iter()
            .flat_map(|p| p.nets.iter().copied())
            .collect();
        Ok(Plan {
            ports: port::normalize(input.ports),
            nets: net::normalize(&all),
            peers: input.peers,
            interface: input.interface,
            coverage: input.coverage,
            action: input.action,
            keep_open: port::normalize(input.keep_open),
            cgroup: None,
        })
    }

    /// Restricted ports (normal form).
    pub fn ports(&self) -> &[PortRange] {
        &self.ports
    }

    /// Peers as given, with what each resolved to.
    pub fn peers(&self) -> &[Peer] {
        &self.peers
    }

    /// Allowed prefixes (normal form, IPv4 first).
    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// Allowed prefixes of one family.
    pub fn nets_of(&self, family: Family) -> Vec<IpNet> {
        self.nets
            .iter()
            .copied()
            .filter(|n| n.family() == family)
            .collect()
    }

    /// Training interface.
    pub fn interface(&self) -> Option<&str> {
        self.interface.as_deref()
    }

    /// Coverage mode.
    pub fn coverage(&self) -> Coverage {
        self.coverage
    }

    /// Drop or reject.
    pub fn action(&self) -> Action {
        self.action
    }

    /// Keep-open ports (`Interface` coverage).
    pub fn keep_open(&self) -> &[PortRange] {
        &self.keep_open
    }

    /// The job's cgroup, if the plan restricts its sockets.
    pub fn cgroup(&self) -> Option<&JobCgroup> {
        self.cgroup.as_ref()
    }

    /// A copy that also restricts every socket of the processes in `cgroup` (`run`).
    #[must_use]
    pub fn with_cgroup(&self, cgroup: JobCgroup) -> Plan {
        let mut plan = self.clone();
        plan.cgroup = Some(cgroup);
        plan
    }

    /// A copy with more restricted ports (`run --dynamic`).
    #[must_use]
    pub fn with_ports(&self, extra: &[PortRange]) -> Plan {
        let mut plan = self.clone();
        plan.ports.extend_from_slice(extra);
        plan.ports = port::normalize(plan.ports);
        plan
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input() -> PlanInput {
        PlanInput {
            ports: vec![PortRange::single(29510)],
            peers: vec![net::resolve_peer("192.168.1.2").unwrap()],
            interface: None,
            coverage: Coverage::Ports,
            action: Action::Drop,
            keep_open: vec![],
        }
    }

    #[test]
    fn rejects_what_cannot_be_rendered_safely() {
        let mut bad = input();
        bad.interface = Some("eth0\"; flush ruleset".into());
        assert!(matches!(
            Plan::new(bad),
            Err(PlanError::BadInterface { .. })
        ));
        let mut long = input();
        long.interface = Some("a".repeat(16));
        assert!(Plan::new(long).is_err());
        let mut none = input();
        none.ports.clear();
        assert_eq!(Plan::new(none), Err(PlanError::NoPorts));
        let mut iface = input();
        iface.coverage = Coverage::Interface;
        assert_eq!(Plan::new(iface), Err(PlanError::NoInterface));
    }

    #[test]
    fn with_ports_merges() {
        let plan = Plan::new(input())
            .unwrap()
            .with_ports(&[PortRange::single(29511)]);
        assert_eq!(port::join(plan.ports()), "29510-29511");
    }

    #[test]
    fn cgroup_paths_that_need_quoting_are_refused() {
        assert!(JobCgroup::new("unified/torchward/run-42", 2).is_ok());
        for (bad, level) in [
            ("", 1),
            ("/abs", 1),
            ("a/../b", 2),
            ("a b", 1),
            ("a\"; flush ruleset", 1),
            ("a//b", 2),
            ("ok", 0),
        ] {
            assert!(JobCgroup::new(bad, level).is_err(), "{bad}");
        }
    }
}
