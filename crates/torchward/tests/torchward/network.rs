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

fn can_use_namespaces() -> Option<String> {
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    });
    if !root {
        return Some("not root".into());
    }
    for tool in ["ip", "nft"] {
        if std::process::Command::new(tool).arg("-V").output().is_err() {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// A network namespace deleted on drop; commands run inside it through `ip netns exec`.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Option<Netns> {
        let name = format!("twcli-{}-{tag}", std::process::id());
        let ok = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Netns(name))
    }

    fn torchward(&self, args: &[&str]) -> std::process::Output {
        let bin = assert_cmd::cargo::cargo_bin("torchward");
        std::process::Command::new("ip")
            .args(["netns", "exec", &self.0])
            .arg(bin)
            .args(args)
            .env_remove("MASTER_PORT")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

#[test]
fn apply_status_drift_and_remove_exit_codes_in_a_namespace() {
    if let Some(reason) = can_use_namespaces() {
        // A skip must be visible in the test output, never a silent pass.
        #[allow(clippy::print_stdout)]
        {
            println!("SKIP apply_status_drift_and_remove_exit_codes_in_a_namespace: {reason}");
        }
        return;
    }
    let ns = Netns::new("status").unwrap_or_else(|| panic!("ip netns add failed"));
    let tree = Tree::new();
    let state = tree.join("fw.json");
    let state = state.to_str().unwrap_or_else(|| panic!("path"));
    let common = [
        "--backend",
        "nft",
        "--peer",
        "192.168.1.2",
        "--port",
        "29510",
        "--state-file",
        state,
    ];
    let apply: Vec<&str> = ["firewall", "apply"]
        .iter()
        .chain(common.iter())
        .copied()
        .collect();
    let out = ns.torchward(&apply);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("applied and verified (nft)"));
    let out = ns.torchward(&["firewall", "status", "--state-file", state]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("nft table inet torchward: present"),
        "{}",
        stdout(&out)
    );
    // A reload that flushes the ruleset: status reports the drift and exits 1.
    let flushed = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.0, "nft", "flush", "ruleset"])
        .status();
    assert!(flushed.is_ok_and(|s| s.success()));
    let out = ns.torchward(&[
        "firewall",
        "status",
        "--state-file",
        state,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        json["drift"][0]
            .as_str()
            .is_some_and(|d| d.contains("none are present")),
        "{json}"
    );
    let out = ns.torchward(&["firewall", "remove", "--state-file", state]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ns.torchward(&["firewall", "status", "--state-file", state]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no torchward rules are present"));
}

#[test]
fn run_holds_the_rules_exactly_while_the_command_runs_in_a_namespace() {
    if let Some(reason) = can_use_namespaces() {
        #[allow(clippy::print_stdout)]
        {
            println!(
                "SKIP run_holds_the_rules_exactly_while_the_command_runs_in_a_namespace: {reason}"
            );
        }
        return;
    }
    let ns = Netns::new("run").unwrap_or_else(|| panic!("ip netns add failed"));
    let tree = Tree::new();
    let state = tree.join("fw.json");
    let state = state.to_str().unwrap_or_else(|| panic!("path"));
    // The real binary end to end: `run` starts `torchward __supervise`, which starts the
    // command; the command sees torchward's table and its umask, and its code comes back.
    let out = ns.torchward(&[
        "run",
        "--allow-root",
        "--skip-check",
        "aslr,disk,memory,ports",
        "--peer",
        "192.168.1.2",
        "--port",
        "29510",
        "--state-file",
        state,
        "--",
        "sh",
        "-c",
        "nft list table inet torchward >/dev/null && test \"$(umask)\" = 0027 && exit 5",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let listing = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.0, "nft", "list", "ruleset"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stdout(&listing), "", "no rules after the command ended");
    assert!(!std::path::Path::new(state).exists());
}
