//! `matrix`, `firewall` and `run` at the command line: help snapshots, the plan for the
//! statement's example, matrix formats and exit codes, and the usage errors. Applying rules
//! for real is tested in tw-firewall and tw-launch inside network namespaces.
use crate::cli::{stderr, stdout, Tree};

fn run(args: &[&str]) -> std::process::Output {
    Tree::new()
        .torchward(args)
        .env_remove("MASTER_PORT")
        .env_remove("MASTER_ADDR")
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn help_of_the_network_commands() {
    for (name, args) in [
        ("help_matrix", &["matrix", "--help"][..]),
        ("help_firewall_plan", &["firewall", "plan", "--help"][..]),
        ("help_run", &["run", "--help"][..]),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        insta::assert_snapshot!(name, stdout(&out));
    }
}

#[test]
fn plan_for_the_statement_example_is_printed_and_touches_nothing() {
    let out = run(&[
        "firewall",
        "plan",
        "--backend",
        "nft",
        "--peer",
        "192.168.1.1,192.168.1.2",
        "--port",
        "29510",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("plan_statement_example_nft", stdout(&out));
    assert!(stderr(&out).contains("peer 192.168.1.2"));
    let out = run(&[
        "firewall",
        "plan",
        "--backend",
        "iptables",
        "--peer",
        "192.168.1.1,192.168.1.2",
        "--port",
        "29510",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("-A TORCHWARD-IN -p tcp -m tcp --dport 29510 -j DROP"));
}

#[test]
fn matrix_formats_and_exit_codes() {
    let out = run(&["matrix", "--master-port", "29510", "--format", "json"]);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["training_ports"][0]["start"], 29510);
    let bad = Tree::new()
        .torchward(&["matrix", "--format", "markdown"])
        .env("HCCL_IF_BASE_PORT", "65530")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("TW402"), "{}", stdout(&bad));
    assert!(stdout(&bad).starts_with("| | PyTorch |"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["firewall", "plan", "--peer", "not a host"][..],
        &["firewall", "plan", "--port", "70000"][..],
        &[
            "firewall",
            "plan",
            "--coverage",
            "interface",
            "--interface",
            "bad\"name",
            "--peer",
            "10.0.0.1",
        ][..],
        &["run", "--hccl-ports", "8", "--", "true"][..],
        &["run"][..],
    ] {
        assert_eq!(run(args).status.code(), Some(2), "{args:?}");
    }
}
