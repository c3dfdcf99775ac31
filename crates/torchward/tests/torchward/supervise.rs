//! `torchward __supervise` started by hand, as `run` would but with the report descriptor the
//! hidden command must refuse: a regular file, /dev/null, a socket, a pipe's read end, a number
//! that is not open, and a `--parent` that is not its parent. Each refusal exits 2 with a
//! message naming the descriptor and starts nothing; a pipe's write end (the control) gets
//! `pid N`, the command's code, and no process of the job left behind.
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The report descriptor every case names.
const FD: &str = "9";

/// Runs `torchward __supervise --parent PARENT --report-fd 9 -- sh -c COMMAND` in `dir`, with
/// `redirect` (shell syntax) setting up descriptor 9. `sh` execs torchward, so the supervisor's
/// parent is this test process. Fails the test if it does not end within 20 seconds.
fn supervise(dir: &Path, parent: u32, redirect: &str, command: &str, stdin: Stdio) -> Output {
    let script =
        format!(r#"exec "$0" __supervise --parent "$1" --report-fd {FD} -- sh -c "$2" {redirect}"#);
    let mut child = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_torchward")])
        .arg(parent.to_string())
        .arg(command)
        .current_dir(dir)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while child
        .try_wait()
        .unwrap_or_else(|e| panic!("wait: {e}"))
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("__supervise with {redirect:?} did not end within 20 seconds");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("output: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The command every refused case names: it would leave `ran` behind had it started.
const MARK: &str = "touch ran";

/// Asserts `out` is a refusal whose message contains `says`, and that nothing started.
fn assert_refused(dir: &Path, out: &Output, says: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(says), "expected {says:?} in {stderr}");
    assert_eq!(text(&out.stdout), "", "nothing reported");
    assert!(!dir.join("ran").exists(), "the command must not start");
}

#[test]
fn report_descriptors_that_are_not_a_pipe_are_refused_before_anything_starts() {
    let tree = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tree.path();
    let me = std::process::id();

    let out = supervise(dir, me, "9>report", MARK, Stdio::null());
    assert_refused(dir, &out, "--report-fd 9 is a regular file (");
    assert!(text(&out.stderr).contains("/report), not a pipe"));
    let written = std::fs::read(dir.join("report")).unwrap_or_else(|e| panic!("{e}"));
    assert!(written.is_empty(), "nothing written on the file");

    let out = supervise(dir, me, "9>/dev/null", MARK, Stdio::null());
    assert_refused(
        dir,
        &out,
        "--report-fd 9 is a character device (/dev/null), not a pipe",
    );

    // Nothing opens descriptor 9 (the shell's descriptors and Rust's are close-on-exec).
    let out = supervise(dir, me, "", MARK, Stdio::null());
    assert_refused(dir, &out, "--report-fd 9 is not an open descriptor");

    let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap_or_else(|e| panic!("{e}"));
    let stdin = Stdio::from(OwnedFd::from(socket));
    let out = supervise(dir, me, "9<&0 </dev/null", MARK, stdin);
    assert_refused(dir, &out, "--report-fd 9 is a socket (socket:[");

    // Stdin as a pipe: descriptor 9 is its read end.
    let out = supervise(dir, me, "9<&0 </dev/null", MARK, Stdio::piped());
    assert_refused(dir, &out, "--report-fd 9 is the read end of a pipe (pipe:[");

    // A pipe's write end, but a `--parent` (init) that did not start the supervisor.
    let out = supervise(dir, 1, "9>&1", MARK, Stdio::null());
    assert_refused(
        dir,
        &out,
        &format!("the supervisor's parent is PID {me}, not --parent 1"),
    );
}

#[test]
fn a_pipes_write_end_gets_the_pid_and_the_job_leaves_nothing_behind() {
    let tree = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tree.path();
    // Descriptor 9 is stdout, a pipe to this test. The command checks it did not inherit the
    // report descriptor, leaves a sleeper behind (which the supervisor must end) and exits 5.
    let command = "test ! -e /proc/$$/fd/9 || exit 9; \
                   sleep 30 </dev/null >/dev/null 2>&1 & echo $! > leftover; exit 5";
    let out = supervise(dir, std::process::id(), "9>&1", command, Stdio::null());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let stdout = text(&out.stdout);
    let pid = stdout
        .strip_prefix("pid ")
        .and_then(|rest| rest.trim_end().parse::<u32>().ok());
    assert!(pid.is_some(), "report: {stdout:?}");
    let leftover = std::fs::read_to_string(dir.join("leftover")).unwrap_or_else(|e| panic!("{e}"));
    let stat = Path::new("/proc").join(leftover.trim()).join("cmdline");
    // Gone, or its PID already reused by something else.
    let cmdline = std::fs::read(&stat).unwrap_or_default();
    assert!(
        !text(&cmdline).starts_with("sleep\0"),
        "the sleeper {} outlived the supervisor",
        leftover.trim()
    );
}
