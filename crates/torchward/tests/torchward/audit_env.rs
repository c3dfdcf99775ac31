//! `audit env` through the real binary on fake roots: exit codes 0/1/2, JSON, SARIF and
//! github output, a container-like `--root`, named environments, `audit host` carrying the
//! `TW22x` findings of running processes, and the `--help` snapshot.
use crate::cli::{stdout, Tree};

/// A venv at `root/venv` with torch `version`.
fn venv(tree: &Tree, version: &str) {
    tree.write(
        "root/venv/pyvenv.cfg",
        "home = /usr/bin\nversion = 3.11.2\n",
    );
    tree.write(
        &format!("root/venv/lib/python3.11/site-packages/torch-{version}.dist-info/METADATA"),
        &format!("Metadata-Version: 2.1\nName: torch\nVersion: {version}\n"),
    );
}

fn json(tree: &Tree, args: &[&str]) -> (i32, serde_json::Value) {
    let out = tree
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code().unwrap_or(-1), value)
}

fn failing_rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|f| f["status"] == "fail")
                .filter_map(|f| f["rule"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn named_environments_exit_codes() {
    let tree = Tree::new();
    venv(&tree, "2.10.0");
    let args = ["audit", "env", "--root", "root", "venv", "--format", "json"];
    let (code, report) = json(&tree, &args);
    assert_eq!(code, 0, "torch 2.10.0 is clean: {report}");
    assert_eq!(report["command"], "audit env");
    assert_eq!(report["findings"][0]["status"], "pass");

    let tree = Tree::new();
    venv(&tree, "2.8.0+cpu");
    let (code, report) = json(&tree, &args);
    assert_eq!(code, 1);
    assert_eq!(failing_rules(&report), ["TW221"]);
    let finding = &report["findings"][1];
    assert_eq!(
        finding["location"]["path"],
        "/venv/lib/python3.11/site-packages/torch-2.8.0+cpu.dist-info/METADATA"
    );
    assert!(finding["message"]
        .as_str()
        .is_some_and(|m| m.contains("CVE-2026-24747 / GHSA-63cw-57p8-fm3p")));

    let tree = Tree::new();
    venv(&tree, "2.5.1");
    let (code, report) = json(&tree, &args);
    assert_eq!(code, 1);
    assert_eq!(failing_rules(&report), ["TW220", "TW221"]);
    // --fail-on critical still fails on TW220; --select TW221 --fail-on critical does not.
    let code = |extra: &[&str]| {
        let mut all = vec!["audit", "env", "--root", "root", "venv"];
        all.extend(extra);
        tree.torchward(&all)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
            .status
            .code()
    };
    assert_eq!(code(&["--fail-on", "critical"]), Some(1));
    assert_eq!(
        code(&["--fail-on", "critical", "--select", "TW221"]),
        Some(0)
    );
}

#[test]
fn unreadable_environment_exits_2_naming_it() {
    let tree = Tree::new();
    venv(&tree, "2.10.0");
    tree.write("root/notes/readme.txt", "");
    let out = tree
        .torchward(&["audit", "env", "--root", "root", "venv", "notes"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(
        text.contains("error: /notes: `/notes` is not a Python environment"),
        "{text}"
    );
}

#[test]
fn container_root_without_paths() {
    let tree = Tree::new();
    tree.write(
        "root/usr/local/lib/python3.11/site-packages/vllm-0.8.4.dist-info/METADATA",
        "Name: vllm\nVersion: 0.8.4\n",
    );
    tree.write(
        "root/etc/profile.d/torch.sh",
        "export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\n",
    );
    let (code, report) = json(
        &tree,
        &["audit", "env", "--root", "root", "--format", "json"],
    );
    assert_eq!(code, 1);
    // Sorted by path: /etc before /usr.
    assert_eq!(failing_rules(&report), ["TW224", "TW223", "TW223"]);
    let sarif = tree
        .torchward(&["audit", "env", "--root", "root", "--format", "sarif"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&sarif)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "TW224");
    let github = tree
        .torchward(&["audit", "env", "--root", "root", "--format", "github"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stdout(&github).contains("file=/etc/profile.d/torch.sh,line=1"),
        "{}",
        stdout(&github)
    );
}

#[test]
fn audit_host_includes_process_environments() {
    let tree = Tree::new();
    tree.write("root/proc/sys/kernel/randomize_va_space", "2\n");
    tree.write(
        "root/proc/self/status",
        "Name:\ttorchward\nUmask:\t0027\nPid:\t42\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n",
    );
    tree.write(
        "root/proc/77/environ",
        "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\0",
    );
    tree.write(
        "root/proc/77/status",
        "Name:\tpython3\nPid:\t77\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\n",
    );
    tree.write("root/proc/77/cmdline", "python3\0train.py\0");
    let (_, report) = json(
        &tree,
        &["audit", "host", "--root", "root", "--format", "json"],
    );
    let flag = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "TW224"))
        .cloned()
        .unwrap_or_else(|| panic!("no TW224 in audit host: {report}"));
    assert_eq!(flag["location"]["path"], "/proc/77/environ");
    assert!(flag["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("process 77 (python3 train.py)")));
}

#[test]
fn audit_env_help() {
    let out = Tree::new()
        .torchward(&["audit", "env", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("help_audit_env", stdout(&out));
}
