//! What `firewall status` calls drift: every way the rules on the host differ from what the
//! state file says was applied, each said once and exactly (a reload that removed the rules,
//! an apply interrupted between the IPv4 and IPv6 commits or before a jump, a `run` that was
//! killed and left its state file, rules that differ from the plan), with what to do.
use tw_firewall::{Backend, Family, FirewallStatus};

/// The drift lines of `status` (empty: the rules match the state file).
pub fn drift(status: &FirewallStatus) -> Vec<String> {
    let mut drift = Vec::new();
    let holder = status.state.as_ref().and_then(|s| s.pid);
    let dead = status.holder_alive == Some(false);
    match (&status.state, status.active()) {
        (Some(state), false) => drift.push(match (holder, dead) {
            (Some(pid), true) if state.owner => format!(
                "the torchward run (pid {pid}) that held the owner table is no longer running (killed?); the kernel removed its table with it, so this state file is stale: `torchward firewall remove` deletes it"
            ),
            (Some(pid), true) => format!(
                "the torchward run (pid {pid}) recorded in the state file is no longer running and its {} rules are gone: `torchward firewall remove` deletes the stale state file",
                state.backend.as_str()
            ),
            _ => format!(
                "the state file says {} rules were applied, but none are present (removed by a firewall reload?)",
                state.backend.as_str()
            ),
        }),
        (Some(state), true) => {
            if let (Some(pid), true) = (holder, dead) {
                drift.push(format!(
                    "the torchward run (pid {pid}) that applied these rules is no longer running (killed?); its {} rules stay in place (fail closed) until `torchward firewall remove`",
                    state.backend.as_str()
                ));
            }
        }
        (None, true) => drift.push("torchward rules are present without a state file".to_owned()),
        (None, false) => {}
    }
    if let Some(differences) = status.nft.as_ref().and_then(|n| n.differences.as_ref()) {
        drift.extend(differences.iter().cloned());
    }
    let iptables_expected = status
        .state
        .as_ref()
        .is_some_and(|s| s.backend == Backend::Iptables);
    if iptables_expected || !status.iptables.is_empty() {
        let present = |family| status.iptables.iter().any(|c| c.family == family);
        match (present(Family::V4), present(Family::V6)) {
            (true, false) => drift.push(
                "partial: IPv4 chain TORCHWARD-IN is present but IPv6 chain TORCHWARD-IN6 is not, so IPv6 reaches the training ports (an apply was interrupted); `torchward firewall remove` cleans up, then apply again".to_owned(),
            ),
            (false, true) => drift.push(
                "partial: IPv6 chain TORCHWARD-IN6 is present but IPv4 chain TORCHWARD-IN is not, so IPv4 reaches the training ports; `torchward firewall remove` cleans up, then apply again".to_owned(),
            ),
            _ => {}
        }
    }
    for chain in &status.iptables {
        if !chain.jump_present {
            drift.push(format!(
                "partial: chain {} is present without its INPUT jump, so it filters nothing (an apply was interrupted); `torchward firewall remove` cleans up",
                chain.chain
            ));
        } else if !chain.jump_first {
            drift.push(format!("the jump to {} is not first in INPUT", chain.chain));
        }
    }
    drift
}
