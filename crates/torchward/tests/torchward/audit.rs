//! `audit host` on fake roots and `audit perms` on temporary trees through the real binary:
//! exit codes 0/1/2, JSON and SARIF output, `--fix` convergence, `--undo`, `--explain`, and the
//! `--help` of both subcommands.
use crate::cli::{stdout, Tree};
use std::os::unix::fs::PermissionsExt;

/// A fake `/` that passes every baseline check.
fn hardened_root(tree: &Tree) {
    for (key, value) in [
        ("kernel/randomize_va_space", "2"),
        ("fs/suid_dumpable", "0"),
        ("kernel/core_pattern", "|/bin/false"),
        ("net/ipv4/ip_local_port_range", "32768\t59999"),
        ("net/ipv4/ip_local_reserved_ports", ""),
        ("kernel/kptr_restrict", "1"),
        ("kernel/dmesg_restrict", "1"),
        ("fs/protected_symlinks", "1"),
        ("fs/protected_hardlinks", "1"),
    ] {
        tree.write(&format!("root/proc/sys/{key}"), &format!("{value}\n"));
    }
    tree.write("root/etc/login.defs", "UMASK 027\n");
    tree.write(
        "root/proc/self/status",
        "Name:\ttorchward\nUmask:\t0027\nPid:\t42\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n",
    );
    tree.write("root/proc/self/limits", "Limit Soft Hard Units\nMax core file size        0                    0                    bytes\n");
    tree.write(
        "root/proc/net/tcp",
        "  sl  local_address rem_address   st\n",
    );
}

fn code(tree: &Tree, args: &[&str]) -> i32 {
    tree.torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
        .status
        .code()
        .unwrap_or(-1)
}

#[test]
fn host_exit_codes_and_formats() {
    let tree = Tree::new();
    hardened_root(&tree);
    assert_eq!(code(&tree, &["audit", "host", "--root", "root"]), 0);
    tree.write("root/proc/sys/kernel/randomize_va_space", "0\n");
    let out = tree
        .torchward(&["audit", "host", "--root", "root", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["command"], "audit host");
    let aslr = json["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "TW201"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (aslr["status"].as_str(), aslr["actual"].as_str()),
        (Some("fail"), Some("0"))
    );
    let out = tree
        .torchward(&["audit", "host", "--root", "root", "--format", "sarif"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        code(
            &tree,
            &["audit", "host", "--root", "root", "--fail-on", "critical"]
        ),
        0
    );
    assert_eq!(code(&tree, &["audit", "host", "--root", "missing-root"]), 2);
    assert_eq!(
        code(
            &tree,
            &["audit", "host", "--root", "root", "--hccl-base-port", "80"]
        ),
        2
    );
}

#[test]
fn host_fix_converges() {
    let tree = Tree::new();
    hardened_root(&tree);
    tree.write("root/proc/sys/kernel/randomize_va_space", "1\n");
    tree.write("root/etc/login.defs", "UMASK 022\n");
    let dry = tree
        .torchward(&["audit", "host", "--root", "root", "--dry-run"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dry.status.code(), Some(1));
    let plan = String::from_utf8_lossy(&dry.stderr);
    assert!(plan.contains("--fix would apply:"), "{plan}");
    assert!(
        plan.contains("sysctl -w kernel.randomize_va_space=2 (now 1)"),
        "{plan}"
    );
    assert_eq!(
        tree.read("root/proc/sys/kernel/randomize_va_space"),
        "1\n",
        "--dry-run changes nothing"
    );
    assert_eq!(
        code(&tree, &["audit", "host", "--root", "root", "--fix"]),
        0
    );
    assert_eq!(tree.read("root/proc/sys/kernel/randomize_va_space"), "2\n");
    assert!(tree
        .read("root/etc/sysctl.d/60-torchward.conf")
        .contains("kernel.randomize_va_space = 2"));
    let again = tree
        .torchward(&["audit", "host", "--root", "root", "--fix"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to fix"));
}

fn set_mode(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("{e}"));
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).map_or_else(|e| panic!("{e}"), |m| m.permissions().mode() & 0o7777)
}

#[test]
fn perms_fix_undo_explain_and_exit_codes() {
    let tree = Tree::new();
    let run = tree.join("run");
    std::fs::create_dir_all(&run).unwrap_or_else(|e| panic!("{e}"));
    set_mode(&run, 0o750);
    let model = tree.write("run/model.pt", "x");
    set_mode(&model, 0o644);
    // The test runner's umask is not ours to judge: TW307 is ignored throughout.
    let base = ["audit", "perms", "run", "--ignore", "TW307"];
    assert_eq!(code(&tree, &base), 1);
    assert_eq!(
        code(&tree, &["audit", "perms", "nope", "--ignore", "TW307"]),
        2
    );

    let explain = tree
        .torchward(&["audit", "perms", "--explain", "run/model.pt"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&explain);
    assert!(
        text.contains("kind:     data-file") && text.contains("at most 0640"),
        "{text}"
    );

    let mut fix: Vec<&str> = base.to_vec();
    fix.extend(["--fix", "--journal", "undo.json"]);
    let out = tree
        .torchward(&fix)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("model.pt': 0644 -> 0640"));
    assert_eq!(mode(&model), 0o640);
    assert_eq!(mode(&tree.join("undo.json")), 0o640);
    let again = tree
        .torchward(&fix)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to fix"));

    assert_eq!(code(&tree, &["audit", "perms", "--undo", "undo.json"]), 0);
    assert_eq!(mode(&model), 0o644);
}

fn help(args: &[&str]) -> String {
    let out = Tree::new()
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{args:?} exits 0");
    stdout(&out)
}

#[test]
fn audit_help() {
    insta::assert_snapshot!("help_audit_host", help(&["audit", "host", "--help"]));
    insta::assert_snapshot!("help_audit_perms", help(&["audit", "perms", "--help"]));
}

/// A tree of `n` data files of mode 0644 (each one TW301 finding).
fn open_files(tree: &Tree, n: usize) {
    std::fs::create_dir(tree.join("d")).unwrap_or_else(|e| panic!("{e}"));
    set_mode(&tree.join("d"), 0o750);
    for i in 0..n {
        let path = tree.write(&format!("d/f{i:04}.pt"), "PK");
        set_mode(&path, 0o644);
    }
}

#[test]
fn perms_big_results_show_the_summary_and_stream_every_finding_in_json() {
    let tree = Tree::new();
    open_files(&tree, 250);
    let run = |args: &[&str]| {
        let mut all = vec!["audit", "perms", "d"];
        all.extend_from_slice(args);
        let out = tree
            .torchward(&all)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        stdout(&out)
    };
    // Past 200 findings the text view is the summary: per rule, per directory, worst paths.
    let summary = run(&[]);
    assert!(summary.contains("Findings by rule"), "{summary}");
    assert!(
        summary.contains("TW301 mode-too-permissive  250 finding(s)"),
        "{summary}"
    );
    assert!(summary.contains("Worst paths"), "{summary}");
    assert!(summary.contains("--dry-run` shows, and `--fix` applies, the 250 change(s)"));
    assert!(summary.lines().count() < 80, "{summary}");
    assert_eq!(run(&["--summary"]), summary);
    // --verbose lists them all, ending with the same one-line summary.
    let verbose = run(&["--verbose"]);
    assert_eq!(verbose.matches(" TW301 mode-too-permissive ").count(), 250);
    assert_eq!(verbose.lines().last(), summary.lines().last());
    // JSON lists every finding, in report order, with the counts the text reports.
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--format", "json"])).unwrap_or_else(|e| panic!("{e}"));
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    let paths: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "TW301")
        .filter_map(|f| f["location"]["path"].as_str())
        .collect();
    assert_eq!(paths.len(), 250);
    assert!(paths.windows(2).all(|w| w[0] < w[1]), "sorted");
    assert_eq!(json["command"], "audit perms");
    // Filters apply to the streamed findings: nothing left to fail on.
    let out = tree
        .torchward(&[
            "audit",
            "perms",
            "d",
            "--ignore",
            "TW301,TW307",
            "--format",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn perms_small_results_are_listed_in_full() {
    let tree = Tree::new();
    open_files(&tree, 3);
    let out = tree
        .torchward(&["audit", "perms", "d"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(
        text.matches(" TW301 mode-too-permissive ").count(),
        3,
        "{text}"
    );
    assert!(!text.contains("Findings by rule"), "{text}");
}
