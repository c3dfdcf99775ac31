//! The prolog, epilog and sweep sequences of `tw-slurm` against a scripted executor: no root
//! and no Slurm needed; every nft command is checked to name only the job's own table.
// `out` returns what an `Exec` answers, so scripts can also answer with an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::unnecessary_wraps,
    missing_docs
)]

use std::cell::RefCell;
use std::path::Path;
use tw_firewall::{resolve_peer, ApplyError, Cmd, Exec, ExecError, Output, Peer, PeerError};
use tw_slurm::job::{self, NodeEnv, SlurmError};
use tw_slurm::{JobId, SlurmConfig};

/// Answers each command with a closure and logs it.
struct Scripted<F: Fn(&Cmd) -> Result<Output, ExecError>> {
    answer: F,
    log: RefCell<Vec<Cmd>>,
}

impl<F: Fn(&Cmd) -> Result<Output, ExecError>> Exec for Scripted<F> {
    fn run(&self, cmd: &Cmd) -> Result<Output, ExecError> {
        self.log.borrow_mut().push(cmd.clone());
        (self.answer)(cmd)
    }
}

fn scripted<F: Fn(&Cmd) -> Result<Output, ExecError>>(answer: F) -> Scripted<F> {
    Scripted {
        answer,
        log: RefCell::new(Vec::new()),
    }
}

fn out(code: i32, stdout: &str) -> Result<Output, ExecError> {
    Ok(Output {
        code: Some(code),
        stdout: stdout.to_owned(),
        stderr: if code == 0 {
            String::new()
        } else {
            "simulated".to_owned()
        },
    })
}

fn args(cmd: &Cmd) -> Vec<&str> {
    cmd.args.iter().map(String::as_str).collect()
}

/// Every nft command names the job's table (or lists tables); nothing else is touched.
fn assert_only_table(log: &[Cmd], table: &str) {
    for cmd in log.iter().filter(|c| c.program == "nft") {
        let a = args(cmd);
        let ok = match a.as_slice() {
            ["list", "tables"] | ["--version"] => true,
            ["-f", "-"] => cmd.stdin.as_deref().is_some_and(|s| {
                s.lines()
                    .filter(|l| l.starts_with("table") || l.starts_with("delete"))
                    .all(|l| l.contains(&format!("inet {table}")))
            }),
            [.., "table", "inet", name] => *name == table,
            _ => false,
        };
        assert!(ok, "{}", cmd.display());
    }
}

fn local(name: &str) -> Result<Peer, PeerError> {
    // Node names of the tests stand for documentation addresses, never resolved.
    match name {
        "node01" => resolve_peer("192.0.2.1"),
        "node02" => resolve_peer("192.0.2.2"),
        other => Err(PeerError::Unresolved {
            name: other.to_owned(),
            reason: "no such test host".to_owned(),
        }),
    }
}

fn config() -> SlurmConfig {
    SlurmConfig::parse(
        Path::new("/etc/torchward/slurm.toml"),
        "master_port = 29500\nhccl_base_port = 60000\n",
    )
    .unwrap()
}

#[test]
fn node_list_comes_from_the_environment_then_scontrol() {
    let job = JobId::parse("42").unwrap();
    let exec = scripted(|cmd| match args(cmd).as_slice() {
        ["show", "job", "-o", "42"] => out(
            0,
            "JobId=42 JobName=t UserId=u(1) NodeList=node[01-02] BatchHost=node01\n",
        ),
        _ => out(1, ""),
    });
    let both = NodeEnv {
        job_nodelist: Some("a[1-2]".to_owned()),
        nodelist: Some("b".to_owned()),
    };
    assert_eq!(
        job::node_names(&exec, job, &both).unwrap(),
        (
            "SLURM_JOB_NODELIST".to_owned(),
            vec!["a1".to_owned(), "a2".to_owned()]
        )
    );
    let node_only = NodeEnv {
        job_nodelist: Some(String::new()),
        nodelist: Some("b".to_owned()),
    };
    assert_eq!(job::node_names(&exec, job, &node_only).unwrap().1, ["b"]);
    assert!(exec.log.borrow().is_empty());
    let (source, names) = job::node_names(&exec, job, &NodeEnv::default()).unwrap();
    assert_eq!(names, ["node01", "node02"]);
    assert!(source.starts_with("scontrol show job"), "{source}");
    let failing = scripted(|_| out(1, ""));
    let err = job::node_names(&failing, job, &NodeEnv::default()).unwrap_err();
    assert!(matches!(err, SlurmError::NoNodeList { .. }), "{err}");
    let bad = NodeEnv {
        job_nodelist: None,
        nodelist: Some("n[1-".to_owned()),
    };
    let err = job::node_names(&exec, job, &bad).unwrap_err().to_string();
    assert!(err.starts_with("SLURM_NODELIST: "), "{err}");
}

#[test]
fn an_unresolvable_node_fails_before_any_rule_is_touched() {
    let job = JobId::parse("7").unwrap();
    let nodes = vec!["node01".to_owned(), "ghost".to_owned()];
    let err = job::plan(job, &nodes, &config(), &local).unwrap_err();
    assert!(matches!(err, SlurmError::Peer { .. }), "{err}");
    assert!(err.to_string().contains("ghost"), "{err}");
    let plan = job::plan(job, &nodes[..1], &config(), &local).unwrap();
    assert_eq!(plan.ports().len(), 2);
}

#[test]
fn prolog_fails_closed_when_the_rules_read_back_differently() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::parse("1234").unwrap();
    let plan = job::plan(job, &["node01".to_owned()], &config(), &local).unwrap();
    let present = RefCell::new(false);
    let exec = scripted(|cmd| match args(cmd).as_slice() {
        ["-f", "-"] => {
            // The apply script defines the chain; the remove script only deletes the table.
            let script = cmd.stdin.as_deref().unwrap_or("");
            *present.borrow_mut() = script.contains("chain input");
            out(0, "")
        }
        // The table lists, but without the job's rules (someone else's edit, an old nft).
        ["-j", "list", "table", "inet", "torchward_job_1234"] => out(
            0,
            r#"{"nftables": [{"table": {"family": "inet", "name": "torchward_job_1234", "handle": 1}}]}"#,
        ),
        ["list", "table", "inet", "torchward_job_1234"] => out(i32::from(!*present.borrow()), ""),
        _ => out(1, ""),
    });
    let err = job::apply(&exec, job, &plan, dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            SlurmError::Apply {
                cause: ApplyError::RolledBack { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(!*present.borrow(), "the job's table is removed again");
    assert!(!job.state_file(dir.path()).exists());
    assert_only_table(&exec.log.borrow(), "torchward_job_1234");
}

#[test]
fn prolog_fails_closed_without_nft() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::parse("5").unwrap();
    let plan = job::plan(job, &["node01".to_owned()], &config(), &local).unwrap();
    let exec = scripted(|cmd| {
        Err(ExecError::NotFound {
            program: cmd.program.clone(),
        })
    });
    let err = job::apply(&exec, job, &plan, dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            SlurmError::Apply {
                cause: ApplyError::NotApplied { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("`nft` is not installed"), "{err}");
}

#[test]
fn epilog_removes_only_its_table_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::parse("8").unwrap();
    let state = job.state_file(dir.path());
    std::fs::write(&state, "{}").unwrap();
    let tables = RefCell::new(vec!["torchward_job_8", "torchward_job_9", "torchward"]);
    let exec = scripted(|cmd| match args(cmd).as_slice() {
        ["list", "tables"] => out(
            0,
            &tables
                .borrow()
                .iter()
                .map(|t| format!("table inet {t}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ["list", "table", "inet", name] => out(i32::from(!tables.borrow().contains(name)), ""),
        ["-f", "-"] => {
            tables.borrow_mut().retain(|t| *t != "torchward_job_8");
            out(0, "")
        }
        _ => out(1, ""),
    });
    assert!(job::remove(&exec, job, dir.path()).unwrap());
    assert!(!state.exists());
    assert_eq!(*tables.borrow(), ["torchward_job_9", "torchward"]);
    assert!(!job::remove(&exec, job, dir.path()).unwrap());
    assert_only_table(&exec.log.borrow(), "torchward_job_8");
}

#[test]
fn sweep_removes_only_jobs_slurm_no_longer_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("30.json"), "{}").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "").unwrap();
    let tables = RefCell::new(vec![
        "torchward_job_10",
        "torchward_job_20",
        "torchward",
        "filter",
    ]);
    let squeue = RefCell::new(out(0, "20\n21\n"));
    let exec = scripted(|cmd| match (cmd.program.as_str(), args(cmd).as_slice()) {
        ("squeue", ["-h", "-o", "%A"]) => squeue.borrow().clone(),
        ("nft", ["list", "tables"]) => out(
            0,
            &tables
                .borrow()
                .iter()
                .map(|t| format!("table inet {t}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("nft", ["list", "table", "inet", name]) => {
            out(i32::from(!tables.borrow().contains(name)), "")
        }
        ("nft", ["-f", "-"]) => {
            let script = cmd.stdin.clone().unwrap_or_default();
            tables
                .borrow_mut()
                .retain(|t| !script.contains(&format!("delete table inet {t}\n")));
            out(0, "")
        }
        _ => out(1, ""),
    });
    let ids = |list: &[u64]| -> Vec<JobId> {
        list.iter()
            .map(|n| JobId::parse(&n.to_string()).unwrap())
            .collect()
    };
    let swept = job::sweep(&exec, dir.path()).unwrap();
    assert_eq!(swept.removed, ids(&[10, 30]));
    assert_eq!(swept.kept, ids(&[20]));
    assert_eq!(
        *tables.borrow(),
        ["torchward_job_20", "torchward", "filter"]
    );
    assert!(!dir.path().join("30.json").exists());
    assert!(dir.path().join("notes.txt").exists());

    // Slurm cannot be asked (or answers garbage): nothing is removed.
    for answer in [
        out(1, ""),
        out(0, "20\nslurm_load_jobs error\n"),
        Err(ExecError::NotFound {
            program: "squeue".to_owned(),
        }),
    ] {
        *squeue.borrow_mut() = answer;
        let before = exec.log.borrow().len();
        let err = job::sweep(&exec, dir.path()).unwrap_err();
        assert!(err.to_string().contains("removed nothing"), "{err}");
        assert!(exec.log.borrow()[before..]
            .iter()
            .all(|c| c.program == "squeue"));
        assert_eq!(
            *tables.borrow(),
            ["torchward_job_20", "torchward", "filter"]
        );
    }
}

#[test]
fn table_names_carry_the_job_id_and_nothing_else() {
    let job = JobId::parse("1234").unwrap();
    assert_eq!(job.table(), "torchward_job_1234");
    assert_eq!(JobId::from_table("torchward_job_1234"), Some(job));
    assert_eq!(
        job.state_file(Path::new("/run/torchward/slurm")),
        Path::new("/run/torchward/slurm/1234.json")
    );
    for bad in ["", "12a", "-1", "1_2", "1 2", "99999999999999999999999"] {
        assert!(JobId::parse(bad).is_err(), "{bad:?}");
    }
    for other in [
        "torchward",
        "torchward_job_",
        "torchward_job_x",
        "filter",
        "torchward_job_1_2",
    ] {
        assert_eq!(JobId::from_table(other), None, "{other}");
    }
    assert_eq!(
        job::parse_tables("table inet filter\ntable inet torchward_job_3\ntable ip torchward_job_4\ntable inet torchward_job_3\n"),
        [JobId::parse("3").unwrap()]
    );
}
