//! The iptables/ip6tables backend (research b10): a dedicated chain per family
//! (`TORCHWARD-IN`, `TORCHWARD-IN6`) loaded with `iptables-restore --noflush` (declaring the
//! chain flushes it, so a re-apply replaces instead of duplicating), and a jump inserted first
//! in INPUT after a `-C` check, then verified to be first, because an appended jump is
//! bypassed by any earlier ACCEPT (measured). Our chain only ever RETURNs or drops: it never
//! ACCEPTs, so it cannot open what later INPUT rules close. Policies are never touched.
use crate::exec::Cmd;
use crate::net::Family;
use crate::plan::{Action, Coverage, Plan};
use crate::port::PortRange;
use std::fmt::Write as _;

/// Our chain's name for a family (the only iptables objects torchward creates).
pub fn chain(family: Family) -> &'static str {
    match family {
        Family::V4 => "TORCHWARD-IN",
        Family::V6 => "TORCHWARD-IN6",
    }
}

/// `iptables` or `ip6tables`.
pub fn tool(family: Family) -> &'static str {
    match family {
        Family::V4 => "iptables",
        Family::V6 => "ip6tables",
    }
}

/// `iptables-restore` or `ip6tables-restore`.
pub fn restore_tool(family: Family) -> &'static str {
    match family {
        Family::V4 => "iptables-restore",
        Family::V6 => "ip6tables-restore",
    }
}

/// How long a command waits for the xtables lock that another tool (docker, kube-proxy,
/// firewalld) may hold, instead of failing at once with "Another app is currently holding the
/// xtables lock".
pub const WAIT: &str = "--wait=5";

/// An `iptables`/`ip6tables` invocation that waits for the xtables lock.
pub fn command(family: Family, args: &[&str]) -> Cmd {
    let mut cmd = Cmd::new(tool(family), &[WAIT]);
    cmd.args.extend(args.iter().map(|a| (*a).to_owned()));
    cmd
}

/// `iptables-restore --noflush` (waiting for the xtables lock) reading `input`: one atomic
/// commit of the family's table.
pub fn restore_command(family: Family, input: String) -> Cmd {
    Cmd::new(restore_tool(family), &[WAIT, "--noflush"]).with_stdin(input)
}

fn dport(range: PortRange) -> String {
    if range.start == range.end {
        format!("{}", range.start)
    } else {
        format!("{}:{}", range.start, range.end)
    }
}

/// The chain's rules exactly as `iptables -S CHAIN` prints them (so read-back is a string
/// comparison), without the leading `-N CHAIN` line.
pub fn rules(plan: &Plan, family: Family) -> Vec<String> {
    let name = chain(family);
    let mut out = vec![
        format!("-A {name} -i lo -j RETURN"),
        // Only connections this host opened pass unchecked: an outsider's connection to a
        // restricted port is checked on every packet (see `nft::chain_rules`).
        format!("-A {name} -m conntrack --ctdir REPLY -j RETURN"),
        format!("-A {name} -m addrtype --src-type LOCAL -j RETURN"),
    ];
    if plan.coverage() == Coverage::Interface {
        if let Some(iface) = plan.interface() {
            out.push(format!("-A {name} ! -i {iface} -j RETURN"));
        }
        for range in plan.keep_open() {
            out.push(format!(
                "-A {name} -p tcp -m tcp --dport {} -j RETURN",
                dport(*range)
            ));
        }
    }
    let on_iface = plan
        .interface()
        .map(|i| format!(" -i {i}"))
        .unwrap_or_default();
    for net in plan.nets_of(family) {
        let len = net.prefix;
        out.push(format!(
            "-A {name} -s {}/{len}{on_iface} -j RETURN",
            net.addr
        ));
    }
    let verdict = match plan.action() {
        Action::Drop => "-j DROP",
        Action::Reject => "-j REJECT --reject-with tcp-reset",
    };
    match plan.coverage() {
        Coverage::Ports => {
            for range in plan.ports() {
                out.push(format!(
                    "-A {name} -p tcp -m tcp --dport {} {verdict}",
                    dport(*range)
                ));
            }
        }
        Coverage::Interface => out.push(format!("-A {name} -p tcp {verdict}")),
    }
    out
}

/// What a restore commit does with the INPUT jump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    /// Leaves INPUT alone (refilling the chain of a running job).
    Keep,
    /// Deletes the `present` jumps found in INPUT and inserts one at position 1, in the same
    /// commit as the chain, so a crash can never leave the chain without its jump.
    First {
        /// How many jumps INPUT holds now (`-D` of a missing rule fails the commit).
        present: usize,
    },
}

/// The `iptables-restore --noflush` input for one family: declares (and so flushes) our chain,
/// fills it and (with [`Jump::First`]) puts its jump first in INPUT, in one atomic commit.
pub fn restore_script(plan: &Plan, family: Family, jump: Jump) -> String {
    let mut out = format!(
        "# torchward: training ports reachable only from peers ({}, security statement §11)\n*filter\n:{} - [0:0]\n",
        tool(family),
        chain(family)
    );
    for rule in rules(plan, family) {
        out.push_str(&rule);
        out.push('\n');
    }
    if let Jump::First { present } = jump {
        for _ in 0..present {
            let _ = writeln!(out, "-D INPUT -j {}", chain(family));
        }
        let _ = writeln!(out, "-I INPUT 1 -j {}", chain(family));
    }
    out.push_str("COMMIT\n");
    out
}

/// The jump rule spec (after `-C INPUT`, `-D INPUT`).
pub fn jump(family: Family) -> [&'static str; 2] {
    ["-j", chain(family)]
}

/// How many jumps to our chain `iptables -S INPUT` shows, and whether the first rule is one.
pub fn jumps_in(listing: &str, family: Family) -> (usize, bool) {
    let want = format!("-A INPUT -j {}", chain(family));
    let rules: Vec<&str> = listing
        .lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with("-A INPUT"))
        .collect();
    (
        rules.iter().filter(|l| **l == want).count(),
        rules.first() == Some(&want.as_str()),
    )
}

/// The readable script `plan` prints: one restore per family, each putting its chain and its
/// jump in place in one commit (on a host where the jump is not there yet), in apply order.
pub fn plan_script(plan: &Plan) -> String {
    let mut out = String::from("#!/bin/sh\n# torchward firewall plan (iptables backend); apply checks, verifies and rolls back.\nset -e\n");
    for family in [Family::V4, Family::V6] {
        let _ = writeln!(out, "{} --noflush <<'EOF'", restore_tool(family));
        out.push_str(&restore_script(plan, family, Jump::First { present: 0 }));
        out.push_str("EOF\n");
    }
    out
}

/// Manual commands that remove our objects for one family (printed when a rollback fails).
pub fn recovery_commands(family: Family) -> Vec<String> {
    let (t, c) = (tool(family), chain(family));
    vec![
        format!("{t} -D INPUT -j {c}"),
        format!("{t} -F {c}"),
        format!("{t} -X {c}"),
    ]
}

/// Sums packets and bytes of DROP/REJECT lines in `iptables -L CHAIN -n -v -x` output.
pub fn parse_drop_counters(listing: &str) -> (u64, u64) {
    let mut total = (0u64, 0u64);
    for line in listing.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [packets, bytes, target, ..] = words.as_slice() {
            if matches!(*target, "DROP" | "REJECT") {
                if let (Ok(p), Ok(b)) = (packets.parse::<u64>(), bytes.parse::<u64>()) {
                    total = (total.0.saturating_add(p), total.1.saturating_add(b));
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sum_only_drops() {
        let listing = "Chain TORCHWARD-IN (1 references)\n    pkts      bytes target     prot opt in     out     source               destination\n       0        0 RETURN     all  --  lo     *       0.0.0.0/0            0.0.0.0/0\n       3      180 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:29510\n       2      120 REJECT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:1\n";
        assert_eq!(parse_drop_counters(listing), (5, 300));
    }
}
