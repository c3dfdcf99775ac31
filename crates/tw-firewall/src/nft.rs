//! The nftables backend (research b10): one `table inet torchward` covering IPv4 and IPv6,
//! sets for peers and ports, one `input` chain at priority filter - 10. A script first creates
//! an empty table, deletes it and defines the new one, all in one `nft -f -` transaction, so an
//! apply replaces any previous version of our table atomically and a broken script changes
//! nothing. Nothing outside `inet torchward` is ever named. Read-back parses
//! `nft -j list table inet torchward` into intervals and counters.
use crate::net::Family;
use crate::plan::{Action, Coverage, Plan};
use crate::port::PortRange;
use serde_json::Value;
use std::fmt::Write as _;

/// Table family and name: the only nftables object torchward touches.
pub const TABLE: &str = "torchward";
/// `nft` command to list our table.
pub const LIST_ARGS: [&str; 5] = ["-j", "list", "table", "inet", TABLE];

/// A set or chain of the table.
struct Block {
    header: String,
    lines: Vec<String>,
}

fn nets_set(name: &str, kind: &str, plan: &Plan, family: Family) -> Block {
    let mut lines = vec![format!("type {kind}"), "flags interval".to_owned()];
    let elements: Vec<String> = plan
        .nets_of(family)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !elements.is_empty() {
        lines.push(format!("elements = {{ {} }}", elements.join(", ")));
    }
    Block {
        header: format!("set {name}"),
        lines,
    }
}

fn ports_set(name: &str, ports: &[PortRange]) -> Block {
    let mut lines = vec!["type inet_service".to_owned(), "flags interval".to_owned()];
    if !ports.is_empty() {
        let elements: Vec<String> = ports.iter().map(ToString::to_string).collect();
        lines.push(format!("elements = {{ {} }}", elements.join(", ")));
    }
    Block {
        header: format!("set {name}"),
        lines,
    }
}

/// Name of the port set: the restricted ports, or the keep-open list in interface coverage.
pub fn port_set_name(plan: &Plan) -> &'static str {
    match plan.coverage() {
        Coverage::Ports => "ports",
        Coverage::Interface => "keep_open",
    }
}

/// The chain's rules, in order. Our chain only ever ends in drop/reject: an `accept` here ends
/// evaluation of our chain only, so another table's drop still applies (measured, b10).
///
/// Only packets of connections this host opened (`ct direction reply`) pass unchecked: an
/// outsider's connection to a restricted port is checked on every packet, so one opened
/// before the port was restricted does not survive the rule (the earlier `ct state
/// established accept` let it through). Peers, loopback and this host's own addresses are
/// accepted; what is left is dropped when it goes to a restricted port, to a socket of the
/// job's cgroup (whatever its port), or, with interface coverage, to any port on the
/// training interface but the keep-open ones.
pub fn chain_rules(plan: &Plan) -> Vec<String> {
    let mut rules = vec![
        "iifname \"lo\" accept".to_owned(),
        "meta l4proto != tcp accept".to_owned(),
        "ct direction reply accept".to_owned(),
        "fib saddr type local accept".to_owned(),
    ];
    let on_iface = plan
        .interface()
        .map(|i| format!(" iifname \"{i}\""))
        .unwrap_or_default();
    rules.push(format!("ip saddr @peers4{on_iface} accept"));
    rules.push(format!("ip6 saddr @peers6{on_iface} accept"));
    let verdict = match plan.action() {
        Action::Drop => "counter drop",
        Action::Reject => "counter reject with tcp reset",
    };
    if let Some(cgroup) = plan.cgroup() {
        rules.push(format!(
            "socket cgroupv2 level {} \"{}\" {verdict}",
            cgroup.level(),
            cgroup.path()
        ));
    }
    match plan.coverage() {
        Coverage::Ports => rules.push(format!("tcp dport @ports {verdict}")),
        Coverage::Interface => {
            if let Some(iface) = plan.interface() {
                rules.push(format!("iifname != \"{iface}\" accept"));
            }
            rules.push("tcp dport @keep_open accept".to_owned());
            rules.push(verdict.to_owned());
        }
    }
    rules
}

fn blocks(plan: &Plan) -> Vec<Block> {
    let ports = match plan.coverage() {
        Coverage::Ports => plan.ports(),
        Coverage::Interface => plan.keep_open(),
    };
    let mut chain = vec!["type filter hook input priority filter - 10; policy accept;".to_owned()];
    chain.extend(chain_rules(plan));
    vec![
        nets_set("peers4", "ipv4_addr", plan, Family::V4),
        nets_set("peers6", "ipv6_addr", plan, Family::V6),
        ports_set(port_set_name(plan), ports),
        Block {
            header: "chain input".to_owned(),
            lines: chain,
        },
    ]
}

/// The `nft -f` script that replaces our table with the plan (readable, one transaction).
pub fn apply_script(plan: &Plan) -> String {
    apply_script_in(plan, TABLE)
}

/// Whether `name` can name a torchward table: `torchward` or `torchward_` followed by letters,
/// digits and `_` (at most 64 bytes), so a rendered script carries no injected syntax.
pub fn valid_table_name(name: &str) -> bool {
    name == TABLE
        || name.len() <= 64
            && name.strip_prefix("torchward_").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
}

/// [`apply_script`] for the table `table` (a per-job table such as `torchward_job_1234`; the
/// caller checks it with [`valid_table_name`]).
pub fn apply_script_in(plan: &Plan, table: &str) -> String {
    let mut out = String::from(
        "#!/usr/sbin/nft -f\n# torchward: training ports reachable only from peers (security statement §11)\n",
    );
    let _ = writeln!(
        out,
        "table inet {table}\ndelete table inet {table}\ntable inet {table} {{"
    );
    for (index, block) in blocks(plan).iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "\t{} {{", block.header);
        for line in &block.lines {
            let _ = writeln!(out, "\t\t{line}");
        }
        out.push_str("\t}\n");
    }
    out.push_str("}\n");
    out
}

/// One line defining our table with `flags owner` (for an `nft -i` session held by `run`):
/// the kernel deletes an owner table when the process that created it exits (research b10).
pub fn owner_line(plan: &Plan) -> String {
    let mut out = format!("add table inet {TABLE} {{ flags owner; ");
    for block in blocks(plan) {
        let _ = write!(out, "{} {{ ", block.header);
        for line in &block.lines {
            out.push_str(line);
            if !line.ends_with(';') {
                out.push(';');
            }
            out.push(' ');
        }
        out.push_str("}; ");
    }
    out.push_str("}\n");
    out
}

/// The script that removes our table whether or not it exists (`destroy` is missing in nft
/// 1.0.6, so: create if absent, then delete).
pub fn remove_script() -> String {
    remove_script_in(TABLE)
}

/// [`remove_script`] for the table `table`.
pub fn remove_script_in(table: &str) -> String {
    format!("table inet {table}\ndelete table inet {table}\n")
}

/// A command adding ports to the live port set (`run --dynamic`).
pub fn add_ports_line(ports: &[PortRange]) -> String {
    let elements: Vec<String> = ports.iter().map(ToString::to_string).collect();
    format!(
        "add element inet {TABLE} ports {{ {} }}\n",
        elements.join(", ")
    )
}

/// Whether the text listing (`nft list table inet torchward`) shows `flags owner`. The JSON
/// listing cannot be used for this: nft 1.0.6 prints a wrong value for the owner flag there
/// (measured: `"flags": "inet"`, or a truncated document for an otherwise empty table).
pub fn text_has_owner(listing: &str) -> bool {
    listing.lines().map(str::trim).any(|line| {
        line.strip_prefix("flags ")
            .is_some_and(|flags| flags.split(',').any(|f| f.trim() == "owner"))
    })
}

/// What `nft -j list table inet torchward` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// IPv4 peer intervals.
    pub peers4: Vec<(u128, u128)>,
    /// IPv6 peer intervals.
    pub peers6: Vec<(u128, u128)>,
    /// Port set name and intervals.
    pub ports: Option<(String, Vec<(u128, u128)>)>,
    /// Chain hook, priority and policy (`input`, -10, `accept`).
    pub hook: Option<(String, i64, String)>,
    /// Number of rules in the chain.
    pub rules: usize,
    /// Packets and bytes counted by the drop/reject rules, summed.
    pub dropped: Option<(u64, u64)>,
    /// Cgroup paths matched by `socket cgroupv2` rules (nft 1.0.6's JSON omits the level).
    pub cgroups: Vec<String>,
}

fn addr_value(value: &Value) -> Option<u128> {
    match value {
        Value::String(text) => match text.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) => Some(u128::from(u32::from(v4))),
            std::net::IpAddr::V6(v6) => Some(u128::from(v6)),
        },
        Value::Number(n) => n.as_u64().map(u128::from),
        _ => None,
    }
}

/// Converts nft's JSON set elements (`"a"`, `1`, `{"prefix":…}`, `{"range":[a,b]}`) to
/// intervals; `None` for a shape this module does not know.
fn intervals(elements: &[Value]) -> Option<Vec<(u128, u128)>> {
    let mut out = Vec::with_capacity(elements.len());
    for element in elements {
        let element = element
            .get("elem")
            .and_then(|e| e.get("val"))
            .unwrap_or(element);
        if let Some(single) = addr_value(element) {
            out.push((single, single));
        } else if let Some(prefix) = element.get("prefix") {
            let addr = prefix
                .get("addr")?
                .as_str()?
                .parse::<std::net::IpAddr>()
                .ok()?;
            let len = u8::try_from(prefix.get("len")?.as_u64()?).ok()?;
            out.push(crate::net::IpNet::new(addr, len)?.bounds());
        } else if let Some([a, b]) = element
            .get("range")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            out.push((addr_value(a)?, addr_value(b)?));
        } else {
            return None;
        }
    }
    out.sort_unstable();
    Some(out)
}

/// Parses the JSON listing of our table; `None` when it is not the shape nft prints.
pub fn parse_listing(json: &str) -> Option<Observed> {
    parse_listing_in(json, TABLE)
}

/// [`parse_listing`] of `nft -j list table inet TABLE` for the table `table`.
pub fn parse_listing_in(json: &str, wanted: &str) -> Option<Observed> {
    let root: Value = serde_json::from_str(json).ok()?;
    let mut observed = Observed::default();
    let mut table_seen = false;
    for item in root.get("nftables")?.as_array()? {
        if let Some(table) = item.get("table") {
            table_seen = table.get("name")?.as_str()? == wanted;
        } else if let Some(set) = item.get("set") {
            let name = set.get("name")?.as_str()?;
            let elements = match set.get("elem") {
                Some(Value::Array(list)) => intervals(list)?,
                None => Vec::new(),
                Some(_) => return None,
            };
            match name {
                "peers4" => observed.peers4 = elements,
                "peers6" => observed.peers6 = elements,
                other => observed.ports = Some((other.to_owned(), elements)),
            }
        } else if let Some(chain) = item.get("chain") {
            if chain.get("name").and_then(Value::as_str) == Some("input") {
                observed.hook = Some((
                    chain
                        .get("hook")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    chain
                        .get("prio")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MIN),
                    chain
                        .get("policy")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ));
            }
        } else if let Some(rule) = item.get("rule") {
            observed.rules += 1;
            let exprs = rule.get("expr").and_then(Value::as_array);
            let ends_in_drop = exprs.is_some_and(|e| {
                e.iter()
                    .any(|x| x.get("drop").is_some() || x.get("reject").is_some())
            });
            if ends_in_drop {
                let counted = exprs.and_then(|e| {
                    e.iter().find_map(|x| {
                        let counter = x.get("counter")?;
                        Some((
                            counter.get("packets")?.as_u64()?,
                            counter.get("bytes")?.as_u64()?,
                        ))
                    })
                });
                if let Some((packets, bytes)) = counted {
                    let (p, b) = observed.dropped.unwrap_or((0, 0));
                    observed.dropped = Some((p.saturating_add(packets), b.saturating_add(bytes)));
                }
            }
            observed
                .cgroups
                .extend(exprs.into_iter().flatten().filter_map(|x| {
                    let matched = x.get("match")?;
                    let key = matched.get("left")?.get("socket")?.get("key")?.as_str()?;
                    (key == "cgroupv2")
                        .then(|| matched.get("right")?.as_str().map(str::to_owned))
                        .flatten()
                }));
        }
    }
    table_seen.then_some(observed)
}

/// Sorted intervals with neighbours joined: nft may list adjacent elements as one range.
fn merged(mut list: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    list.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(list.len());
    for (start, end) in list {
        match out.last_mut() {
            Some(last) if last.1 == u128::MAX || start <= last.1 + 1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Compares a listing with the plan; returns what differs (empty when it matches).
pub fn differences(plan: &Plan, observed: &Observed) -> Vec<String> {
    let mut diffs = Vec::new();
    let want = |family| -> Vec<(u128, u128)> {
        merged(plan.nets_of(family).iter().map(|n| n.bounds()).collect())
    };
    if merged(observed.peers4.clone()) != want(Family::V4) {
        diffs.push("set peers4 differs from the plan".to_owned());
    }
    if merged(observed.peers6.clone()) != want(Family::V6) {
        diffs.push("set peers6 differs from the plan".to_owned());
    }
    let ports = match plan.coverage() {
        Coverage::Ports => plan.ports(),
        Coverage::Interface => plan.keep_open(),
    };
    let want_ports = merged(
        ports
            .iter()
            .map(|p| (u128::from(p.start), u128::from(p.end)))
            .collect(),
    );
    match &observed.ports {
        Some((name, got)) if name == port_set_name(plan) && merged(got.clone()) == want_ports => {}
        _ => diffs.push(format!("set {} differs from the plan", port_set_name(plan))),
    }
    if observed.hook != Some(("input".to_owned(), -10, "accept".to_owned())) {
        diffs.push(
            "chain input is not hooked at input, priority filter - 10, policy accept".to_owned(),
        );
    }
    let want_rules = chain_rules(plan).len();
    if observed.rules != want_rules {
        diffs.push(format!(
            "chain input holds {} rules, the plan has {want_rules}",
            observed.rules
        ));
    }
    let want_cgroups: Vec<String> = plan
        .cgroup()
        .map(|c| c.path().to_owned())
        .into_iter()
        .collect();
    if observed.cgroups != want_cgroups {
        diffs.push(match plan.cgroup() {
            Some(cgroup) => format!(
                "chain input does not restrict the sockets of cgroup {}",
                cgroup.path()
            ),
            None => "chain input restricts a cgroup the plan does not name".to_owned(),
        });
    }
    if observed.dropped.is_none() {
        diffs.push("chain input has no counted drop/reject rule".to_owned());
    }
    diffs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `nft -j list table inet torchward` as nft 1.0.6 printed it for prefixes, single
    /// addresses, ranges and port ranges (captured in a network namespace).
    const LISTING: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "torchward", "handle": 1}}, {"set": {"family": "inet", "name": "peers4", "table": "torchward", "type": "ipv4_addr", "handle": 2, "flags": ["interval"], "elem": [{"prefix": {"addr": "10.0.0.0", "len": 24}}, "10.1.0.1", {"range": ["10.2.0.1", "10.2.0.5"]}]}}, {"set": {"family": "inet", "name": "peers6", "table": "torchward", "type": "ipv6_addr", "handle": 3, "flags": ["interval"], "elem": [{"prefix": {"addr": "fd00::", "len": 64}}, "fd01::1"]}}, {"set": {"family": "inet", "name": "ports", "table": "torchward", "type": "inet_service", "handle": 4, "flags": ["interval"], "elem": [29510, {"range": [60000, 60015]}]}}, {"chain": {"family": "inet", "table": "torchward", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": -10, "policy": "accept"}}, {"rule": {"family": "inet", "table": "torchward", "chain": "input", "handle": 5, "expr": [{"counter": {"packets": 7, "bytes": 420}}, {"drop": null}]}}]}"#;

    #[test]
    fn listing_elements_become_intervals() {
        let observed = parse_listing(LISTING).unwrap();
        let v4 = |a: [u8; 4]| u128::from(u32::from(std::net::Ipv4Addr::from(a)));
        assert_eq!(
            observed.peers4,
            [
                (v4([10, 0, 0, 0]), v4([10, 0, 0, 255])),
                (v4([10, 1, 0, 1]), v4([10, 1, 0, 1])),
                (v4([10, 2, 0, 1]), v4([10, 2, 0, 5]))
            ]
        );
        assert_eq!(observed.peers6.len(), 2);
        assert_eq!(
            observed.ports,
            Some(("ports".to_owned(), vec![(29510, 29510), (60000, 60015)]))
        );
        assert_eq!(
            observed.hook,
            Some(("input".to_owned(), -10, "accept".to_owned()))
        );
        assert_eq!((observed.rules, observed.dropped), (1, Some((7, 420))));
    }

    #[test]
    fn other_tables_and_garbage_are_not_ours() {
        assert_eq!(parse_listing("not json"), None);
        assert_eq!(
            parse_listing(r#"{"nftables": [{"table": {"family": "inet", "name": "filter"}}]}"#),
            None
        );
        assert!(text_has_owner(
            "table inet torchward { # progname nft\n\tflags owner\n}\n"
        ));
        assert!(!text_has_owner("table inet torchward {\n}\n"));
    }

    /// A `socket cgroupv2` rule as nft 1.0.6 lists it (captured in a network namespace): the
    /// path comes back, the level does not.
    const CGROUP_RULE: &str = r#"{"nftables": [{"table": {"family": "inet", "name": "torchward", "handle": 1}}, {"rule": {"family": "inet", "table": "torchward", "chain": "input", "handle": 2, "expr": [{"match": {"op": "==", "left": {"socket": {"key": "cgroupv2"}}, "right": "unified/torchward/run-7"}}, {"counter": {"packets": 2, "bytes": 120}}, {"drop": null}]}}, {"rule": {"family": "inet", "table": "torchward", "chain": "input", "handle": 3, "expr": [{"counter": {"packets": 1, "bytes": 60}}, {"drop": null}]}}]}"#;

    #[test]
    fn cgroup_rules_are_read_back_and_drop_counters_summed() {
        let observed = parse_listing(CGROUP_RULE).unwrap();
        assert_eq!(observed.cgroups, ["unified/torchward/run-7"]);
        assert_eq!(observed.dropped, Some((3, 180)));
        let plan = crate::plan::Plan::new(crate::plan::PlanInput {
            ports: vec![PortRange::single(29500)],
            peers: vec![],
            interface: None,
            coverage: Coverage::Ports,
            action: Action::Drop,
            keep_open: vec![],
        })
        .unwrap();
        let without = differences(&plan, &observed);
        assert!(
            without
                .iter()
                .any(|d| d.contains("a cgroup the plan does not name")),
            "{without:?}"
        );
        let with =
            plan.with_cgroup(crate::plan::JobCgroup::new("unified/torchward/run-7", 2).unwrap());
        assert!(chain_rules(&with).contains(
            &"socket cgroupv2 level 2 \"unified/torchward/run-7\" counter drop".to_owned()
        ));
        assert!(!differences(&with, &observed)
            .iter()
            .any(|d| d.contains("cgroup")));
    }
}
