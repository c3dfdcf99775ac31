//! The rendered rulesets for the statement's example (master 192.168.1.1, peer 192.168.1.2,
//! port 29510): reviewed snapshots, also shown in docs/network.md.
use tw_firewall::{iptables, nft, resolve_peer, Action, Coverage, Plan, PlanInput, PortRange};

pub fn statement_example() -> Plan {
    Plan::new(PlanInput {
        ports: vec![PortRange::single(29510)],
        peers: vec![
            resolve_peer("192.168.1.1").unwrap(),
            resolve_peer("192.168.1.2").unwrap(),
        ],
        interface: None,
        coverage: Coverage::Ports,
        action: Action::Drop,
        keep_open: vec![],
    })
    .unwrap()
}

#[test]
fn nft_plan_for_the_statement_example() {
    insta::assert_snapshot!(
        "nft_statement_example",
        nft::apply_script(&statement_example())
    );
}

#[test]
fn iptables_plan_for_the_statement_example() {
    insta::assert_snapshot!(
        "iptables_statement_example",
        iptables::plan_script(&statement_example())
    );
}

#[test]
fn interface_coverage_with_reject_and_ipv6() {
    let plan = Plan::new(PlanInput {
        ports: vec![],
        peers: vec![
            resolve_peer("10.0.0.0/24").unwrap(),
            resolve_peer("fd00::/64").unwrap(),
        ],
        interface: Some("eth1".into()),
        coverage: Coverage::Interface,
        action: Action::Reject,
        keep_open: vec![PortRange::single(22)],
    })
    .unwrap();
    insta::assert_snapshot!("nft_interface_reject", nft::apply_script(&plan));
    insta::assert_snapshot!("iptables_interface_reject", iptables::plan_script(&plan));
}

#[test]
fn owner_line_is_one_transaction_on_one_line() {
    let line = nft::owner_line(&statement_example());
    assert_eq!(line.lines().count(), 1);
    assert!(line.starts_with("add table inet torchward { flags owner; set peers4 {"));
    assert!(line.contains("chain input { type filter hook input priority filter - 10; policy accept; iifname \"lo\" accept;"));
}
