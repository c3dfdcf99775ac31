//! `run` for real, inside a server namespace: the rules hold exactly while the command runs.
use super::netns::{skip, Lab};
use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tw_firewall::Firewall;

const OPEN: [bool; 4] = [true, true, true, true];
const PEERS_ONLY: [bool; 4] = [true, false, true, false];

/// A training stand-in: listens on `port` like the store (dual-stack wildcard), accepts for
/// `secs` seconds, then exits with `code`. It prints `listening PORT` once bound.
fn trainer(port: u16, secs: u32, code: i32) -> String {
    super::netns::listener_command(port, secs, code)
}

/// Prefixes of the lines the launcher role prints.
const LAUNCHER_LINES: [&str; 5] = ["event ", "started ", "dynamic ", "cleanup ", "error "];

struct Launch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    backlog: Vec<String>,
    state: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn launch(lab: &Lab, port: u16, cmd: &str, extra: &[(&str, &str)]) -> Launch {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run/torchward/firewall.json");
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", &lab.server])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            "role::run_role",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TW_LAUNCH_ROLE", "1")
        .env("TW_LAUNCH_PORT", port.to_string())
        .env("TW_LAUNCH_CMD", cmd)
        .env("TW_LAUNCH_STATE", &state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in extra {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    Launch {
        child,
        lines,
        backlog: Vec::new(),
        state,
        _dir: dir,
    }
}

impl Launch {
    /// Finds the output line that starts with `prefix` (possibly after libtest's `test x ... `
    /// prefix) and returns the rest of it. The launcher's own lines come in order; the
    /// command's lines (`listening`, `helper`) may come before the launcher's `started`, so
    /// those read past earlier are kept and searched first.
    fn until(&mut self, prefix: &str) -> String {
        // The libtest harness of a child may print `test name ... ` on the same line just
        // before the marker, depending on how its output interleaves.
        let marker = |line: &str| {
            line.strip_prefix(prefix)
                .or_else(|| {
                    line.split_once(&format!(" ... {prefix}"))
                        .map(|(_, rest)| rest)
                })
                .map(|rest| rest.trim().to_owned())
        };
        if let Some(index) = self.backlog.iter().position(|l| marker(l).is_some()) {
            let line = self.backlog.remove(index);
            return marker(&line).unwrap_or_default();
        }
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = marker(&line) {
                return rest;
            }
            let from_launcher = LAUNCHER_LINES
                .iter()
                .any(|l| line.starts_with(l) || line.contains(&format!(" ... {l}")));
            if !from_launcher {
                self.backlog.push(line);
            }
        }
        panic!(
            "launcher ended before printing `{prefix}`; it printed {:#?}",
            self.backlog
        );
    }

    fn code(&mut self) -> (i32, Vec<String>) {
        let mut rest = std::mem::take(&mut self.backlog);
        rest.extend(self.lines.by_ref().map_while(Result::ok));
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), rest)
    }
}

fn ruleset(lab: &Lab) -> String {
    lab.server_stdout(&["nft", "list", "ruleset"])
}

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; its state field is Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
    })
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill(pid: u32, signal: &str) {
    assert!(Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap()
        .success());
}

#[test]
fn command_that_exits_runs_protected_and_leaves_nothing() {
    if skip(
        "command_that_exits_runs_protected_and_leaves_nothing",
        &["nft"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, &trainer(29510, 3, 7), &[]);
    assert_eq!(run.until("event"), "Protected(OwnerTable)");
    run.until("started");
    run.until("listening");
    assert!(run.state.exists(), "state file records the owner table");
    assert_eq!(lab.matrix(29510), PEERS_ONLY, "while the command runs");
    let (code, _) = run.code();
    assert_eq!(code, 7);
    assert_eq!(ruleset(&lab), "");
    assert!(!run.state.exists());
    let mut lab = lab;
    lab.listen(29510);
    assert_eq!(lab.matrix(29510), OPEN, "after the command ended");
}

#[test]
fn killed_command_gives_128_plus_signal_and_leaves_nothing() {
    if skip(
        "killed_command_gives_128_plus_signal_and_leaves_nothing",
        &["nft"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, "sleep 30", &[]);
    let pid: u32 = run.until("started").parse().unwrap();
    kill(pid, "-KILL");
    let (code, _) = run.code();
    assert_eq!(code, 137);
    assert_eq!(ruleset(&lab), "");
}

#[test]
fn term_is_forwarded_to_the_command() {
    if skip("term_is_forwarded_to_the_command", &["nft"]) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, "sleep 30", &[]);
    let pid: u32 = run.until("started").parse().unwrap();
    kill(run.child.id(), "-TERM");
    assert_eq!(run.until("event"), "Forwarded(15)");
    let (code, _) = run.code();
    assert_eq!(code, 143);
    assert!(!alive(pid));
    assert_eq!(ruleset(&lab), "");
}

#[test]
fn torchward_killed_takes_command_and_owner_table_with_it() {
    if skip(
        "torchward_killed_takes_command_and_owner_table_with_it",
        &["nft"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, &trainer(29510, 30, 0), &[]);
    let pid: u32 = run.until("started").parse().unwrap();
    run.until("listening");
    assert_eq!(lab.matrix(29510), PEERS_ONLY);
    kill(run.child.id(), "-KILL");
    let state = run.state.clone();
    let (code, _) = run.code();
    assert_eq!(code, -1, "killed by SIGKILL");
    wait_for("the command to die (parent-death signal)", || !alive(pid));
    wait_for("the owner table to vanish", || ruleset(&lab).is_empty());
    let mut lab = lab;
    lab.listen(29510);
    assert_eq!(lab.matrix(29510), OPEN);
    // The stale state file is cleaned by `firewall remove` (or the next start).
    assert!(state.exists());
    let exec = lab.exec();
    assert_eq!(Firewall::new(&exec, &state).remove().unwrap(), []);
    assert!(!state.exists());
}

/// A command that starts a helper in its own session (out of the command's process group, as
/// a daemonising worker would) and prints `helper PID`.
const WITH_HELPER: &str = "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo helper $!;";

#[test]
fn torchward_killed_takes_processes_outside_the_group_with_it() {
    if skip(
        "torchward_killed_takes_processes_outside_the_group_with_it",
        &["nft", "setsid"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let cmd = format!("{WITH_HELPER} {}", trainer(29510, 30, 0));
    let mut run = launch(&lab, 29510, &cmd, &[]);
    let pid: u32 = run.until("started").parse().unwrap();
    let helper: u32 = run.until("helper").parse().unwrap();
    run.until("listening");
    assert!(alive(helper), "the helper runs while torchward does");
    kill(run.child.id(), "-KILL");
    run.code();
    wait_for("the command to die", || !alive(pid));
    wait_for("the helper in its own session to die", || !alive(helper));
    wait_for("the owner table to vanish", || ruleset(&lab).is_empty());
}

#[test]
fn processes_left_behind_end_before_the_rules_go() {
    if skip(
        "processes_left_behind_end_before_the_rules_go",
        &["nft", "setsid"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, &format!("{WITH_HELPER} exit 3"), &[]);
    run.until("started");
    let helper: u32 = run.until("helper").parse().unwrap();
    let (code, _) = run.code();
    assert_eq!(code, 3, "the command's own exit code");
    assert!(!alive(helper), "stopped before torchward returned");
    assert_eq!(ruleset(&lab), "");
}

#[test]
fn torchward_killed_without_owner_table_is_cleaned_from_the_state_file() {
    if skip(
        "torchward_killed_without_owner_table_is_cleaned_from_the_state_file",
        &["nft"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(&lab, 29510, "sleep 30", &[("TW_LAUNCH_OWNER", "0")]);
    assert_eq!(run.until("event"), "Protected(StateFile(Nft))");
    let pid: u32 = run.until("started").parse().unwrap();
    kill(run.child.id(), "-KILL");
    let state = run.state.clone();
    run.code();
    wait_for("the command to die (parent-death signal)", || !alive(pid));
    // Plain table: still there (fail closed) until the state file is used to clean up.
    let mut lab = lab;
    lab.listen(29510);
    assert_eq!(lab.matrix(29510), PEERS_ONLY);
    let recorded = tw_firewall::State::read(&state).unwrap().unwrap();
    assert!(!recorded.owner && recorded.pid.is_some());
    let exec = lab.exec();
    assert_eq!(
        Firewall::new(&exec, &state).remove().unwrap(),
        [tw_firewall::Backend::Nft]
    );
    assert_eq!(ruleset(&lab), "");
    assert_eq!(lab.matrix(29510), OPEN);
}

#[test]
fn preflight_failure_exits_125_and_touches_nothing() {
    if skip("preflight_failure_exits_125_and_touches_nothing", &["nft"]) {
        return;
    }
    let mut lab = Lab::new().unwrap();
    lab.listen(29510);
    let mut run = launch(&lab, 29510, "exit 0", &[]);
    let state = run.state.clone();
    let (code, lines) = run.code();
    assert_eq!(code, 125, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("[ports]")), "{lines:?}");
    assert_eq!(ruleset(&lab), "");
    assert!(!state.exists());
}

#[test]
fn iptables_run_removes_chains_when_the_command_ends() {
    if skip(
        "iptables_run_removes_chains_when_the_command_ends",
        &["iptables", "ip6tables"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(
        &lab,
        29510,
        &trainer(29510, 3, 3),
        &[("TW_LAUNCH_BACKEND", "iptables")],
    );
    assert_eq!(run.until("event"), "Protected(StateFile(Iptables))");
    run.until("started");
    run.until("listening");
    assert_eq!(lab.matrix(29510), PEERS_ONLY);
    let (code, _) = run.code();
    assert_eq!(code, 3);
    assert_eq!(
        lab.server_stdout(&["iptables", "-S"]),
        "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    );
    assert_eq!(
        lab.server_stdout(&["ip6tables", "-S"]),
        "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    );
}

#[test]
fn dynamic_restricts_ports_the_command_opens() {
    if skip("dynamic_restricts_ports_the_command_opens", &["nft"]) {
        return;
    }
    let lab = Lab::new().unwrap();
    // Port 0: the kernel picks a port nobody could have listed in advance.
    let mut run = launch(
        &lab,
        29510,
        &trainer(0, 30, 0),
        &[("TW_LAUNCH_DYNAMIC", "1")],
    );
    let port: u16 = run.until("listening").parse().unwrap();
    assert_eq!(run.until("dynamic"), port.to_string());
    assert_eq!(
        lab.matrix(port),
        PEERS_ONLY,
        "a port opened at run time is restricted"
    );
    // The state file records the port (audit host reads it), and status sees no drift.
    let state = tw_firewall::State::read(&run.state).unwrap().unwrap();
    assert!(
        state.ports.iter().any(|r| r.contains(port)),
        "{:?}",
        state.ports
    );
    let exec = super::netns::NetnsExec {
        ns: lab.server.clone(),
    };
    let status = Firewall::new(&exec, &run.state).status().unwrap();
    assert_eq!(
        status.nft.and_then(|n| n.differences),
        Some(vec![]),
        "a healthy run shows no drift"
    );
    assert_eq!(status.holder_alive, Some(true));
    kill(run.child.id(), "-TERM");
    let (code, _) = run.code();
    assert_eq!(code, 143);
    assert_eq!(ruleset(&lab), "");
}

#[test]
fn dynamic_works_with_iptables_too() {
    if skip(
        "dynamic_works_with_iptables_too",
        &[
            "iptables",
            "ip6tables",
            "iptables-restore",
            "ip6tables-restore",
        ],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(
        &lab,
        29510,
        &trainer(0, 30, 0),
        &[
            ("TW_LAUNCH_DYNAMIC", "1"),
            ("TW_LAUNCH_BACKEND", "iptables"),
        ],
    );
    assert_eq!(run.until("event"), "Protected(StateFile(Iptables))");
    let port: u16 = run.until("listening").parse().unwrap();
    assert_eq!(run.until("dynamic"), port.to_string());
    // The chain update lands just after the event: poll the v4 chain for the port.
    wait_for("the port in TORCHWARD-IN", || {
        lab.server_stdout(&["iptables", "-S", "TORCHWARD-IN"])
            .contains(&format!("--dport {port}"))
    });
    assert_eq!(lab.matrix(port), PEERS_ONLY, "IPv4 and IPv6");
    kill(run.child.id(), "-TERM");
    assert_eq!(run.code().0, 143);
    assert!(!lab.server_stdout(&["iptables", "-S"]).contains("TORCHWARD"));
}

#[test]
fn flushed_plain_rules_are_reapplied_and_owner_table_survives_flush() {
    if skip(
        "flushed_plain_rules_are_reapplied_and_owner_table_survives_flush",
        &["nft"],
    ) {
        return;
    }
    let lab = Lab::new().unwrap();
    // Owner table: `nft flush ruleset` (a reload of nftables.service) cannot remove it.
    let mut run = launch(&lab, 29510, &trainer(29510, 30, 0), &[]);
    run.until("listening");
    lab.server_stdout(&["nft", "flush", "ruleset"]);
    assert!(
        ruleset(&lab).contains("table inet torchward"),
        "owner table survives a flush"
    );
    assert_eq!(lab.matrix(29510), PEERS_ONLY);
    kill(run.child.id(), "-TERM");
    run.code();
    // Plain table: a flush removes it, and run puts it back within the re-check interval.
    let mut run = launch(
        &lab,
        29510,
        &trainer(29510, 30, 0),
        &[("TW_LAUNCH_OWNER", "0")],
    );
    run.until("listening");
    lab.server_stdout(&["nft", "flush", "ruleset"]);
    assert!(run.until("event").starts_with("Reapplied("));
    assert_eq!(lab.matrix(29510), PEERS_ONLY);
    kill(run.child.id(), "-TERM");
    assert_eq!(run.code().0, 143);
    assert_eq!(ruleset(&lab), "");
}

#[test]
fn user_option_drops_privileges() {
    if skip("user_option_drops_privileges", &["nft"]) {
        return;
    }
    let lab = Lab::new().unwrap();
    let mut run = launch(
        &lab,
        29510,
        "test \"$(id -u):$(id -g)\" = 65534:65534 && test \"$(umask)\" = 0027 && exit 9",
        &[("TW_LAUNCH_USER", "65534:65534")],
    );
    assert_eq!(run.code().0, 9);
    assert_eq!(ruleset(&lab), "");
}
