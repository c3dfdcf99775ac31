//! The audit on this machine's real `/`: it must complete, cover every rule, and report no
//! probe errors (results themselves depend on the host and are not asserted), also while
//! processes start and end around it: a process that exits between listing `/proc` and reading
//! its files is skipped and counted, never an error.
use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tw_host::{audit, HostAudit, Options, Profile, SystemRoot, TrainingPorts};

fn options() -> Options {
    Options {
        profile: Profile::Baseline,
        ports: TrainingPorts::new(60000, 16, Vec::new()).unwrap(),
        pids: Vec::new(),
        all_processes: true,
        skips: Vec::new(),
        today: tw_host::today(),
        state_files: Vec::new(),
    }
}

fn assert_complete(result: &HostAudit) {
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    for rule in tw_host::RULES {
        assert!(
            result.findings.iter().any(|f| f.rule == rule.id),
            "{}",
            rule.id
        );
    }
}

#[test]
fn real_host_audit_completes() {
    let result = audit(&SystemRoot::default(), &options());
    assert_complete(&result);
    println!(
        "real host audit: {} findings, {} processes vanished meanwhile",
        result.findings.len(),
        result.vanished
    );
}

/// Spawns short-lived "training" processes (`sleep` with argv[0] `python3`, so
/// `--all-processes` judges them) in a loop until `stop`; each lives a few milliseconds and is
/// reaped a little after it exits, so the audit meets processes that end mid-read and zombies.
fn churn(stop: &AtomicBool, spawned: &AtomicUsize) {
    let mut round = 0u32;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let mut children = Vec::new();
        for index in 0..8u32 {
            let delay = format!("0.00{}", (round + index) % 10);
            let Ok(child) = Command::new("sleep")
                .arg0("python3")
                .arg(delay)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                continue;
            };
            spawned.fetch_add(1, Ordering::Relaxed);
            children.push(child);
        }
        std::thread::sleep(Duration::from_millis(u64::from(round % 5)));
        for mut child in children {
            let _ = child.wait();
        }
    }
}

#[test]
fn real_host_audit_survives_process_churn() {
    if Command::new("sleep").arg("0").status().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP real_host_audit_survives_process_churn: `sleep` cannot be run"
        );
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let spawned = Arc::new(AtomicUsize::new(0));
    let spawners: Vec<_> = (0..2)
        .map(|_| {
            let (stop, spawned) = (Arc::clone(&stop), Arc::clone(&spawned));
            std::thread::spawn(move || churn(&stop, &spawned))
        })
        .collect();
    let mut vanished = 0;
    let mut failures = Vec::new();
    // Bounded: a fixed number of audits, each under a second on any host.
    for _ in 0..40 {
        let result = audit(&SystemRoot::default(), &options());
        vanished += result.vanished;
        if !result.errors.is_empty() {
            failures.push(result.errors);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for spawner in spawners {
        spawner.join().unwrap();
    }
    println!(
        "40 audits under churn: {} processes spawned, {vanished} vanished mid-audit",
        spawned.load(Ordering::Relaxed)
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        spawned.load(Ordering::Relaxed) > 0,
        "no process was spawned"
    );
}
