//! `matrix`, `firewall` and `run` at the command line: help snapshots, the plan for the
//! statement's example, matrix formats and exit codes, and the usage errors. Applying rules
//! for real is tested in tw-firewall and tw-launch inside network namespaces.
use crate::cli::{stderr, stdout, Tree};
use std::io::Write as _;

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
fn a_pasted_torchrun_line_gives_the_matrix_its_flags_give() {
    let pasted = run(&[
        "matrix",
        "--format",
        "json",
        "--",
        "torchrun",
        "--nnodes",
        "2",
        "--nproc-per-node",
        "8",
        "--master-addr",
        "10.0.0.1",
        "--master-port",
        "29510",
        "train.py",
        "--lr",
        "0.1",
    ]);
    let direct = run(&[
        "matrix",
        "--format",
        "json",
        "--nnodes",
        "2",
        "--nproc_per_node",
        "8",
        "--master-addr",
        "10.0.0.1",
        "--master_port",
        "29510",
    ]);
    assert_eq!(pasted.status.code(), Some(1), "{}", stderr(&pasted));
    assert_eq!(stdout(&pasted), stdout(&direct));
    let json: serde_json::Value =
        serde_json::from_slice(&pasted.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["training_ports"][0]["start"], 29510);
    assert_eq!(json["matrix"]["job"]["nproc_per_node"], "8");
    let services = json["matrix"]["endpoints"].to_string();
    assert!(
        services.contains("gloo listeners, one per rank, 8 on this node"),
        "{services}"
    );
    // torchward's own flag wins over the pasted line.
    let both = run(&[
        "matrix",
        "--format",
        "json",
        "--master-port",
        "29600",
        "--",
        "torchrun",
        "--master-port",
        "29510",
        "train.py",
    ]);
    let json: serde_json::Value =
        serde_json::from_slice(&both.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["training_ports"][0]["start"], 29600);
    let not_a_launcher = run(&["matrix", "--", "bash", "train.sh"]);
    assert_eq!(not_a_launcher.status.code(), Some(2));
    assert!(
        stderr(&not_a_launcher).contains("is not torchrun"),
        "{}",
        stderr(&not_a_launcher)
    );
}

#[test]
fn a_port_given_alone_is_covered_and_the_rest_said_once() {
    let out = run(&[
        "firewall",
        "plan",
        "--backend",
        "nft",
        "--peer",
        "192.168.1.2",
        "--port",
        "29510",
        "--",
        "torchrun",
        "--master-addr",
        "192.168.1.1",
        "--master-port",
        "29510",
        "train.py",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    // No TW404 about the HCCL span the user did not ask to restrict, no TW406 warning: one
    // line says what is and is not covered.
    assert!(!err.contains("TW404") && !err.contains("TW406"), "{err}");
    let coverage: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("covered: ports 29510"))
        .collect();
    assert_eq!(coverage.len(), 1, "{err}");
    assert!(
        coverage[0].contains("not covered:") && coverage[0].contains("HCCL host listeners"),
        "{err}"
    );
    assert!(coverage[0].contains("gloo listeners"), "{err}");
    // The master address on the launch line is a peer.
    assert!(
        stdout(&out).contains("192.168.1.1, 192.168.1.2"),
        "{}",
        stdout(&out)
    );
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

/// Prints `SKIP <test>: <reason>` and returns true when namespace tests cannot run here: not
/// root, or `ip`, `nft` or one of `tools` missing (a skip is visible, never a silent pass).
pub fn skip(test: &str, tools: &[&str]) -> bool {
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    });
    let reason = if root {
        ["ip", "nft"].iter().chain(tools).find_map(|tool| {
            std::process::Command::new(tool)
                .arg("-V")
                .output()
                .is_err()
                .then(|| format!("`{tool}` is not installed"))
        })
    } else {
        Some("not root".to_owned())
    };
    if let Some(reason) = &reason {
        let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
    }
    reason.is_some()
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
    if skip(
        "apply_status_drift_and_remove_exit_codes_in_a_namespace",
        &[],
    ) {
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
    if skip(
        "run_holds_the_rules_exactly_while_the_command_runs_in_a_namespace",
        &[],
    ) {
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

/// Runs a firewall tool inside the namespace and checks it succeeded.
fn in_ns(ns: &Netns, args: &[&str]) {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

fn drift_of(ns: &Netns, state: &str) -> (Option<i32>, Vec<String>) {
    let out = ns.torchward(&[
        "firewall",
        "status",
        "--state-file",
        state,
        "--format",
        "json",
    ]);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let drift = json["drift"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (out.status.code(), drift)
}

#[test]
fn status_names_a_dead_owner_and_partial_iptables_rules_and_remove_cleans_them() {
    if skip(
        "status_names_a_dead_owner_and_partial_iptables_rules_and_remove_cleans_them",
        &["iptables"],
    ) {
        return;
    }
    let ns = Netns::new("partial").unwrap_or_else(|| panic!("ip netns add failed"));
    let tree = Tree::new();
    let state_path = tree.join("fw.json");
    let state = state_path.to_str().unwrap_or_else(|| panic!("path"));
    let apply = |backend: &str| {
        let out = ns.torchward(&[
            "firewall",
            "apply",
            "--backend",
            backend,
            "--peer",
            "192.168.1.2",
            "--port",
            "29510",
            "--state-file",
            state,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };

    // A `run` killed with SIGKILL while it held an owner table: the kernel removed the table,
    // the state file names a PID that is gone.
    apply("nft");
    let mut dead = std::process::Command::new("true")
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let dead_pid = dead.id();
    let _ = dead.wait();
    let text = std::fs::read_to_string(&state_path).unwrap_or_else(|e| panic!("{e}"));
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    json["owner"] = serde_json::Value::Bool(true);
    json["pid"] = serde_json::Value::from(dead_pid);
    std::fs::write(&state_path, json.to_string()).unwrap_or_else(|e| panic!("{e}"));
    in_ns(&ns, &["nft", "delete", "table", "inet", "torchward"]);
    let (code, drift) = drift_of(&ns, state);
    assert_eq!(code, Some(1));
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].contains(&format!(
            "(pid {dead_pid}) that held the owner table is no longer running"
        )) && !drift[0].contains("reload"),
        "{drift:?}"
    );
    let out = ns.torchward(&["firewall", "remove", "--state-file", state]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!state_path.exists());

    // iptables killed between the IPv4 and the IPv6 commit: IPv4 only.
    apply("iptables");
    in_ns(&ns, &["ip6tables", "-D", "INPUT", "-j", "TORCHWARD-IN6"]);
    in_ns(&ns, &["ip6tables", "-F", "TORCHWARD-IN6"]);
    in_ns(&ns, &["ip6tables", "-X", "TORCHWARD-IN6"]);
    let (code, drift) = drift_of(&ns, state);
    assert_eq!(code, Some(1));
    assert!(
        drift.iter().any(|d| d.starts_with(
            "partial: IPv4 chain TORCHWARD-IN is present but IPv6 chain TORCHWARD-IN6 is not"
        )),
        "{drift:?}"
    );
    // A chain without its jump filters nothing: said as such.
    in_ns(&ns, &["iptables", "-D", "INPUT", "-j", "TORCHWARD-IN"]);
    let (_, drift) = drift_of(&ns, state);
    assert!(
        drift.iter().any(|d| d.starts_with("partial: chain TORCHWARD-IN is present without its INPUT jump")),
        "{drift:?}"
    );
    let out = ns.torchward(&["firewall", "remove", "--state-file", state]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, drift) = drift_of(&ns, state);
    assert_eq!((code, drift.len()), (Some(0), 0), "{drift:?}");
    let listing = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.0, "iptables", "-S"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !stdout(&listing).contains("TORCHWARD"),
        "{}",
        stdout(&listing)
    );
}
