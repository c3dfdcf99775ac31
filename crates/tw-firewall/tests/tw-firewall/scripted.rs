//! Apply, verify and rollback sequences against a scripted executor: no root needed, every
//! command checked to name only torchward's own objects.
use std::cell::RefCell;
use tw_firewall::{ApplyError, Backend, Cmd, Exec, ExecError, Firewall, Output};

/// Answers each command with a closure and logs it.
pub struct Scripted<F: Fn(&Cmd) -> Output> {
    pub answer: F,
    pub log: RefCell<Vec<Cmd>>,
}

impl<F: Fn(&Cmd) -> Output> Exec for Scripted<F> {
    fn run(&self, cmd: &Cmd) -> Result<Output, ExecError> {
        // Every iptables-family command but the version probe waits for the xtables lock;
        // the scripts below see (and the log keeps) the command without that option.
        let mut cmd = cmd.clone();
        if cmd.program.contains("tables") && cmd.args != ["-V"] {
            assert_eq!(
                cmd.args.first().map(String::as_str),
                Some(tw_firewall::iptables::WAIT),
                "{}",
                cmd.display()
            );
            cmd.args.remove(0);
        }
        let answer = (self.answer)(&cmd);
        self.log.borrow_mut().push(cmd);
        Ok(answer)
    }
}

fn out(code: i32, stdout: &str) -> Output {
    Output {
        code: Some(code),
        stdout: stdout.to_owned(),
        stderr: if code == 0 {
            String::new()
        } else {
            "Error: simulated".to_owned()
        },
    }
}

fn scripted<F: Fn(&Cmd) -> Output>(answer: F) -> Scripted<F> {
    Scripted {
        answer,
        log: RefCell::new(Vec::new()),
    }
}

/// Only our table/chains, never a policy change, never a flush of anything else.
fn assert_only_own_objects(log: &[Cmd]) {
    for cmd in log {
        let line = cmd.display();
        assert!(
            !cmd.args.iter().any(|a| a == "-P" || a == "--policy"),
            "{line}"
        );
        if cmd.program.contains("tables") && !cmd.program.ends_with("-restore") {
            let ours = cmd.args.iter().any(|a| a.starts_with("TORCHWARD-IN"))
                || cmd.args == ["-S", "INPUT"]
                || cmd.args == ["-V"];
            assert!(ours, "{line}");
        }
        if let Some(input) = &cmd.stdin {
            for word in [
                "flush ruleset",
                "delete table ip ",
                "delete table inet filter",
            ] {
                assert!(!input.contains(word), "{input}");
            }
        }
    }
}

fn state_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/torchward/firewall.json");
    (dir, path)
}

#[test]
fn nft_refused_script_changes_nothing_and_deletes_nothing() {
    let exec = scripted(|cmd| out(i32::from(cmd.args == ["-f", "-"]), ""));
    let (_dir, path) = state_path();
    let err = Firewall::new(&exec, &path)
        .apply(&super::plan::statement_example(), Backend::Nft, None)
        .unwrap_err();
    assert!(matches!(err, ApplyError::NotApplied { .. }), "{err}");
    assert_eq!(
        exec.log
            .borrow()
            .iter()
            .filter(|c| c.args == ["-f", "-"])
            .count(),
        1
    );
    assert!(!path.exists());
    assert_only_own_objects(&exec.log.borrow());
}

#[test]
fn nft_verify_mismatch_rolls_back_cleanly() {
    let deleted = RefCell::new(false);
    let exec = scripted(|cmd| {
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        match args.as_slice() {
            ["-f", "-"] => {
                if cmd
                    .stdin
                    .as_deref()
                    .is_some_and(|s| s.starts_with("table inet torchward\ndelete"))
                {
                    *deleted.borrow_mut() = true;
                }
                out(0, "")
            }
            // The table lists, but holds something else than the plan.
            ["-j", "list", ..] => out(
                0,
                r#"{"nftables":[{"table":{"family":"inet","name":"torchward"}}]}"#,
            ),
            ["list", "table", ..] => out(i32::from(*deleted.borrow()), ""),
            _ => out(0, ""),
        }
    });
    let (_dir, path) = state_path();
    let err = Firewall::new(&exec, &path)
        .apply(&super::plan::statement_example(), Backend::Nft, None)
        .unwrap_err();
    assert!(matches!(err, ApplyError::RolledBack { .. }), "{err}");
    assert!(err.to_string().contains("set peers4 differs"), "{err}");
    assert!(!path.exists());
    assert_only_own_objects(&exec.log.borrow());
}

#[test]
fn nft_failed_rollback_gives_manual_recovery() {
    let exec = scripted(|cmd| {
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        match args.as_slice() {
            ["-f", "-"]
                if cmd
                    .stdin
                    .as_deref()
                    .is_some_and(|s| s.contains("delete table") && !s.contains("chain")) =>
            {
                out(1, "")
            }
            ["-j", "list", ..] => out(1, ""),
            _ => out(0, ""),
        }
    });
    let (_dir, path) = state_path();
    match Firewall::new(&exec, &path).apply(&super::plan::statement_example(), Backend::Nft, None) {
        Err(ApplyError::RollbackFailed { recovery, .. }) => {
            assert_eq!(recovery, ["nft delete table inet torchward"]);
        }
        other => panic!("expected RollbackFailed, got {other:?}"),
    }
}

#[test]
fn iptables_ipv6_failure_rolls_back_ipv4() {
    let v4_chain = RefCell::new(false);
    let exec = scripted(|cmd| {
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        match (cmd.program.as_str(), args.as_slice()) {
            ("iptables-restore", _) => {
                *v4_chain.borrow_mut() = true;
                out(0, "")
            }
            ("ip6tables-restore", _) => out(2, ""),
            ("iptables", ["-S", "INPUT"]) => out(0, "-P INPUT ACCEPT\n-A INPUT -j TORCHWARD-IN\n"),
            ("iptables", ["-S", "TORCHWARD-IN"]) => {
                if *v4_chain.borrow() {
                    let plan = super::plan::statement_example();
                    let mut text = "-N TORCHWARD-IN\n".to_owned();
                    for rule in tw_firewall::iptables::rules(&plan, tw_firewall::Family::V4) {
                        text.push_str(&rule);
                        text.push('\n');
                    }
                    out(0, &text)
                } else {
                    out(1, "")
                }
            }
            ("iptables", ["-X", "TORCHWARD-IN"]) => {
                *v4_chain.borrow_mut() = false;
                out(0, "")
            }
            // -C: the jump is absent once deleted (one -D is enough here).
            ("iptables", ["-C", ..]) | ("ip6tables", ["-S", "TORCHWARD-IN6"] | ["-C", ..]) => {
                out(1, "")
            }
            _ => out(0, ""),
        }
    });
    let (_dir, path) = state_path();
    let err = Firewall::new(&exec, &path)
        .apply(&super::plan::statement_example(), Backend::Iptables, None)
        .unwrap_err();
    assert!(matches!(err, ApplyError::RolledBack { .. }), "{err}");
    let log: Vec<String> = exec.log.borrow().iter().map(Cmd::display).collect();
    assert!(
        log.contains(&"iptables -F TORCHWARD-IN".to_owned()),
        "{log:#?}"
    );
    assert!(
        log.contains(&"iptables -X TORCHWARD-IN".to_owned()),
        "{log:#?}"
    );
    assert_only_own_objects(&exec.log.borrow());
}

#[test]
fn iptables_chain_and_jump_go_in_one_commit_and_a_jump_behind_an_accept_moves_first() {
    // Per family: false until its restore commit ran (jump behind an ACCEPT), then first.
    let moved = RefCell::new([false, false]);
    let exec = scripted(|cmd| {
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        let six = cmd.program.starts_with("ip6");
        let ours = if six { "TORCHWARD-IN6" } else { "TORCHWARD-IN" };
        match (cmd.program.as_str(), args.as_slice()) {
            (_, ["-S", "INPUT"]) => {
                let accept = "-A INPUT -p tcp -m tcp --dport 29510 -j ACCEPT";
                if moved.borrow()[usize::from(six)] {
                    out(
                        0,
                        &format!("-P INPUT ACCEPT\n-A INPUT -j {ours}\n{accept}\n"),
                    )
                } else {
                    out(
                        0,
                        &format!("-P INPUT ACCEPT\n{accept}\n-A INPUT -j {ours}\n"),
                    )
                }
            }
            (tool, _) if tool.ends_with("-restore") => {
                moved.borrow_mut()[usize::from(six)] = true;
                out(0, "")
            }
            (_, ["-S", chain]) => {
                let family = if chain.ends_with('6') {
                    tw_firewall::Family::V6
                } else {
                    tw_firewall::Family::V4
                };
                let rules = tw_firewall::iptables::rules(&super::plan::statement_example(), family)
                    .join("\n");
                out(0, &format!("-N {chain}\n{rules}\n"))
            }
            _ => out(0, ""),
        }
    });
    let (_dir, path) = state_path();
    Firewall::new(&exec, &path)
        .apply(&super::plan::statement_example(), Backend::Iptables, None)
        .unwrap();
    let log = exec.log.borrow();
    for (tool, chain) in [
        ("iptables-restore", "TORCHWARD-IN"),
        ("ip6tables-restore", "TORCHWARD-IN6"),
    ] {
        let input = log
            .iter()
            .find(|c| c.program == tool)
            .and_then(|c| c.stdin.clone())
            .unwrap();
        // One commit: the chain, its rules, the old jump out and the new jump first.
        let tail = format!("-D INPUT -j {chain}\n-I INPUT 1 -j {chain}\nCOMMIT\n");
        assert!(input.contains(&format!(":{chain} - [0:0]\n")), "{input}");
        assert!(input.ends_with(&tail), "{input}");
        assert_eq!(input.matches("COMMIT").count(), 1, "{input}");
    }
    // No jump command outside a commit: a crash cannot leave a chain without its jump.
    assert!(!log
        .iter()
        .any(|c| c.args.iter().any(|a| a == "-I" || a == "-D")));
    assert!(path.exists());
    assert_only_own_objects(&log);
}

#[test]
fn a_named_table_is_the_only_object_named_and_iptables_refuses_it() {
    let present = RefCell::new(false);
    let exec = scripted(|cmd| {
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        match args.as_slice() {
            ["-f", "-"] => {
                // The apply script defines the chain; the remove script only deletes.
                *present.borrow_mut() = cmd.stdin.as_deref().is_some_and(|s| s.contains("chain"));
                out(0, "")
            }
            // Read back: the table is there but empty, so verification fails.
            ["-j", "list", "table", "inet", "torchward_job_7"] => out(
                0,
                r#"{"nftables": [{"table": {"family": "inet", "name": "torchward_job_7", "handle": 1}}]}"#,
            ),
            ["list", "table", "inet", "torchward_job_7"] => out(i32::from(!*present.borrow()), ""),
            _ => out(1, ""),
        }
    });
    let (_dir, path) = state_path();
    let firewall = Firewall::new(&exec, &path)
        .with_nft_table("torchward_job_7")
        .unwrap();
    assert_eq!(firewall.nft_table(), "torchward_job_7");
    let err = firewall
        .apply(&super::plan::statement_example(), Backend::Nft, None)
        .unwrap_err();
    assert!(matches!(err, ApplyError::RolledBack { .. }), "{err}");
    assert!(!*present.borrow());
    for cmd in exec.log.borrow().iter() {
        let text = format!("{} {}", cmd.display(), cmd.stdin.as_deref().unwrap_or(""));
        assert!(
            !text.contains("inet torchward ") && !text.contains("inet torchward\n"),
            "{text}"
        );
    }
    assert!(exec
        .log
        .borrow()
        .iter()
        .any(|c| c.stdin.as_deref().is_some_and(
            |s| s == "table inet torchward_job_7\ndelete table inet torchward_job_7\n"
        )));
    let before = exec.log.borrow().len();
    let err = firewall
        .apply(&super::plan::statement_example(), Backend::Iptables, None)
        .unwrap_err();
    assert!(err.to_string().contains("needs the nft backend"), "{err}");
    assert_eq!(exec.log.borrow().len(), before);
    for bad in [
        "torchward_",
        "torchward-job",
        "filter",
        "torchward_a b",
        "torchward_x;",
    ] {
        assert!(
            Firewall::new(&exec, &path).with_nft_table(bad).is_none(),
            "{bad}"
        );
    }
}
