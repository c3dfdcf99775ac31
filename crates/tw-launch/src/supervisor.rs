//! The supervisor: a small process between torchward and the training command that makes sure
//! no process of the job outlives its protection (statement §11/§12: the ports are open only
//! while training runs, and training runs only while the ports are protected).
//!
//! A parent-death signal reaches only a direct child; `torchrun` starts grandchildren (the
//! workers), and a job may double-fork helpers that leave its process group. The supervisor is
//! a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, prctl(2)), so every orphaned descendant
//! is re-parented to it rather than to init, and it holds a parent-death signal of its own:
//! - torchward dies (even by SIGKILL: the owner table vanishes with it) → the supervisor gets
//!   [`PARENT_DEATH_SIGNAL`] and SIGKILLs every descendant, then exits;
//! - the command exits → the supervisor sends SIGTERM to the descendants left behind, waits
//!   [`GRACE`], SIGKILLs what remains, and exits with the command's code (128 + N for signal
//!   N), so torchward removes its rules only when nothing of the job is left;
//! - INT, TERM and HUP from torchward are forwarded to the command's process group.
//!
//! torchward starts the supervisor as `PROGRAM ARGS... --parent PID --report-fd FD [--user
//! UID:GID] -- CMD...` ([`Request::to_args`]); the supervisor writes `pid N` (or `error
//! MESSAGE`) on the report pipe once the command started, so torchward knows the command's PID
//! and only forwards signals once they can be handled.
use crate::child::{self, RunAs};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR2};
use std::ffi::OsString;
use std::io::{BufRead, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The signal the kernel sends the supervisor when torchward dies (never used for anything
/// else, so it cannot be confused with a forwarded signal).
pub const PARENT_DEATH_SIGNAL: i32 = SIGUSR2;

/// How long descendants left behind by an exited command get between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

/// Exit code of the supervisor when it could not start the command (as a shell's 127).
pub const EXIT_NOT_STARTED: i32 = 127;

/// What the supervisor is asked to do (its command line after the program's own arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// PID of torchward: the supervisor refuses to run if its parent is already another one.
    pub parent: u32,
    /// Inherited descriptor of the report pipe's write end.
    pub report_fd: i32,
    /// User to run the command as.
    pub run_as: Option<RunAs>,
    /// Program and arguments of the training command.
    pub command: Vec<OsString>,
}

/// The supervisor's command line could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid supervisor arguments: {0}")]
pub struct RequestError(String);

impl Request {
    /// The arguments that [`Request::from_args`] reads back.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--parent".into(),
            self.parent.to_string().into(),
            "--report-fd".into(),
            self.report_fd.to_string().into(),
        ];
        if let Some(user) = self.run_as {
            args.push("--user".into());
            args.push(format!("{}:{}", user.uid, user.gid).into());
        }
        args.push("--".into());
        args.extend(self.command.iter().cloned());
        args
    }

    /// Parses the arguments written by [`Request::to_args`].
    pub fn from_args(args: &[OsString]) -> Result<Request, RequestError> {
        let split = args
            .iter()
            .position(|a| a == "--")
            .ok_or_else(|| RequestError("no `--` before the command".to_owned()))?;
        let (options, command) = (&args[..split], &args[split + 1..]);
        if command.is_empty() {
            return Err(RequestError("no command after `--`".to_owned()));
        }
        let mut request = Request {
            parent: 0,
            report_fd: -1,
            run_as: None,
            command: command.to_vec(),
        };
        let mut words = options.iter().map(|o| o.to_string_lossy());
        while let Some(flag) = words.next() {
            let value = words
                .next()
                .ok_or_else(|| RequestError(format!("`{flag}` needs a value")))?;
            let bad = || RequestError(format!("bad value `{value}` for `{flag}`"));
            match flag.as_ref() {
                "--parent" => request.parent = value.parse().map_err(|_| bad())?,
                "--report-fd" => request.report_fd = value.parse().map_err(|_| bad())?,
                "--user" => {
                    let (uid, gid) = value.split_once(':').ok_or_else(bad)?;
                    request.run_as = Some(RunAs {
                        uid: uid.parse().map_err(|_| bad())?,
                        gid: gid.parse().map_err(|_| bad())?,
                    });
                }
                _ => return Err(RequestError(format!("unknown option `{flag}`"))),
            }
        }
        if request.parent == 0 || request.report_fd <= 2 {
            return Err(RequestError(
                "--parent and --report-fd (above 2) are required".to_owned(),
            ));
        }
        Ok(request)
    }
}

/// The supervisor as seen from torchward: its process and the command's PID.
#[derive(Debug)]
pub struct Supervised {
    /// The supervisor process (leader of its own process group; its exit code is the
    /// command's).
    pub child: Child,
    /// PID of the training command (leader of its own process group).
    pub command_pid: u32,
}

/// Starts `supervisor` (program and the arguments that select supervisor mode, e.g.
/// `torchward __supervise`) for `command`, and waits until it reports the command's PID.
pub fn start(
    supervisor: &[OsString],
    command: &[OsString],
    run_as: Option<RunAs>,
) -> std::io::Result<Supervised> {
    let Some((program, leading)) = supervisor.split_first() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no supervisor program given",
        ));
    };
    let (reader, writer) = std::io::pipe()?;
    let writer: OwnedFd = writer.into();
    let request = Request {
        parent: std::process::id(),
        report_fd: writer.as_raw_fd(),
        run_as,
        command: command.to_vec(),
    };
    let mut cmd = Command::new(program);
    cmd.args(leading).args(request.to_args()).process_group(0);
    keep_open_in_child(&mut cmd, writer.as_raw_fd());
    let mut spawned = cmd.spawn()?;
    drop(writer);
    // One line, written as soon as the command started (or failed to); EOF if the supervisor
    // died first. Bounded: the supervisor writes a short line.
    let mut line = String::new();
    let read = std::io::BufReader::new(reader)
        .take(4096)
        .read_line(&mut line);
    let line = line.trim_end();
    if let Some(pid) = line.strip_prefix("pid ").and_then(|p| p.parse().ok()) {
        return Ok(Supervised {
            child: spawned,
            command_pid: pid,
        });
    }
    let status = spawned.wait()?;
    Err(match (read, line.strip_prefix("error ")) {
        (_, Some(message)) => std::io::Error::other(message.to_owned()),
        (Err(err), None) => err,
        (Ok(_), None) => std::io::Error::other(format!(
            "the supervisor ended before starting the command ({status})"
        )),
    })
}

#[allow(unsafe_code)]
fn keep_open_in_child(cmd: &mut Command, fd: i32) {
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before exec and makes only raw system
    // calls (prctl, getppid, fcntl) through rustix, which are async-signal-safe. `fd` is the
    // pipe's write end, open in the parent for the whole of `spawn`, so borrowing it in the
    // child is valid; clearing FD_CLOEXEC there changes only the child's descriptor table.
    unsafe {
        cmd.pre_exec(move || {
            let death = rustix::process::Signal::from_named_raw(PARENT_DEATH_SIGNAL)
                .ok_or_else(|| std::io::Error::other("no parent-death signal"))?;
            rustix::process::set_parent_process_death_signal(Some(death))?;
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::Error::other(
                    "torchward exited before the supervisor started",
                ));
            }
            let borrowed = std::os::fd::BorrowedFd::borrow_raw(fd);
            rustix::io::fcntl_setfd(borrowed, rustix::io::FdFlags::empty())?;
            Ok(())
        });
    }
}

/// Takes ownership of the inherited report descriptor after checking it is a pipe.
#[allow(unsafe_code)]
fn report_pipe(fd: i32) -> Option<std::fs::File> {
    let target = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    if !target.to_string_lossy().starts_with("pipe:") {
        return None;
    }
    // SAFETY: torchward opened this descriptor for the supervisor alone and named it on the
    // command line; it is open (checked just above) and nothing else in this process owns it.
    let owned = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // The command must not inherit it.
    rustix::io::fcntl_setfd(owned.as_fd(), rustix::io::FdFlags::CLOEXEC).ok()?;
    Some(std::fs::File::from(owned))
}

/// Runs the supervisor (see the module documentation); returns the exit code to exit with.
pub fn supervise(request: &Request) -> i32 {
    let pipe = report_pipe(request.report_fd);
    let report = move |line: &str| {
        if let Some(mut pipe) = pipe.as_ref() {
            let _ = writeln!(pipe, "{line}");
        }
    };
    let mut signals =
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR2]) {
            Ok(signals) => signals,
            Err(err) => {
                report(&format!("error cannot install signal handlers: {err}"));
                return EXIT_NOT_STARTED;
            }
        };
    if !parent_alive(request.parent) {
        return EXIT_NOT_STARTED;
    }
    let me = rustix::process::getpid();
    if let Err(err) = rustix::process::set_child_subreaper(Some(me)) {
        report(&format!("error cannot become a child subreaper: {err}"));
        return EXIT_NOT_STARTED;
    }
    let command = match child::spawn(&request.command, request.run_as) {
        Ok(command) => command,
        Err(err) => {
            report(&format!("error {err}"));
            return EXIT_NOT_STARTED;
        }
    };
    let pid = command.id();
    report(&format!("pid {pid}"));
    drop(report);
    let group = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap_or(0));
    let proc_root = Path::new("/proc");
    let me_raw = me.as_raw_nonzero().get().unsigned_abs();

    let mut status = None;
    'events: for signal in signals.forever() {
        match signal {
            SIGCHLD => {
                if let Some(code) = reap(pid) {
                    status = Some(code);
                    break 'events;
                }
            }
            PARENT_DEATH_SIGNAL => {
                if !parent_alive(request.parent) {
                    // torchward is gone and so are (or will be) its rules: end the job now.
                    kill_descendants(proc_root, me_raw, rustix::process::Signal::KILL);
                    drain(Duration::from_secs(2));
                    return 128 + rustix::process::Signal::KILL.as_raw();
                }
            }
            forwarded => {
                if let Some((group, sig)) =
                    group.zip(rustix::process::Signal::from_named_raw(forwarded))
                {
                    let _ = rustix::process::kill_process_group(group, sig);
                }
            }
        }
    }
    // The command ended: nothing of the job may keep running once the rules go.
    kill_descendants(proc_root, me_raw, rustix::process::Signal::TERM);
    if !drain(GRACE) {
        kill_descendants(proc_root, me_raw, rustix::process::Signal::KILL);
        drain(Duration::from_secs(2));
    }
    status.unwrap_or(1)
}

/// Whether `parent` is still this process's parent.
fn parent_alive(parent: u32) -> bool {
    rustix::process::getppid().is_some_and(|p| p.as_raw_nonzero().get().unsigned_abs() == parent)
}

/// Reaps every exited child; returns the command's exit code once it was reaped.
fn reap(command: u32) -> Option<i32> {
    let mut code = None;
    while let Ok(Some((pid, status))) = rustix::process::wait(rustix::process::WaitOptions::NOHANG)
    {
        if pid.as_raw_nonzero().get().unsigned_abs() == command {
            code = Some(match (status.exit_status(), status.terminating_signal()) {
                (Some(code), _) => code,
                (None, Some(signal)) => 128 + signal,
                (None, None) => 1,
            });
        }
    }
    code
}

/// Sends `signal` to every live descendant of the supervisor.
fn kill_descendants(proc_root: &Path, me: u32, signal: rustix::process::Signal) {
    for pid in crate::socket::process_tree(proc_root, me) {
        if pid == me {
            continue;
        }
        if let Some(pid) = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap_or(0)) {
            let _ = rustix::process::kill_process(pid, signal);
        }
    }
}

/// Reaps children until none is left or `limit` passed; true when none is left.
fn drain(limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match rustix::process::wait(rustix::process::WaitOptions::NOHANG) {
            Ok(Some(_)) => continue,
            Err(_) => return true, // ECHILD: no children left.
            Ok(None) => {}
        }
        // A grandchild is re-parented to us before its parent's exit is reported, so "no
        // children" (ECHILD) means nothing of the job is left.
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_arguments() {
        let request = Request {
            parent: 42,
            report_fd: 7,
            run_as: Some(RunAs {
                uid: 1001,
                gid: 1002,
            }),
            command: vec!["torchrun".into(), "--nproc-per-node".into(), "--".into()],
        };
        assert_eq!(Request::from_args(&request.to_args()), Ok(request));
    }

    #[test]
    fn bad_requests_are_refused() {
        let args = |words: &[&str]| -> Vec<OsString> { words.iter().map(Into::into).collect() };
        for words in [
            &["--parent", "1", "--report-fd", "5"][..],
            &["--parent", "1", "--report-fd", "5", "--"],
            &["--parent", "x", "--report-fd", "5", "--", "sh"],
            &["--report-fd", "5", "--", "sh"],
            &["--parent", "1", "--report-fd", "1", "--", "sh"],
            &[
                "--parent",
                "1",
                "--report-fd",
                "5",
                "--user",
                "7",
                "--",
                "sh",
            ],
            &[
                "--parent",
                "1",
                "--report-fd",
                "5",
                "--bogus",
                "1",
                "--",
                "sh",
            ],
            &["--parent", "1", "--report-fd", "--", "sh"],
        ] {
            assert!(Request::from_args(&args(words)).is_err(), "{words:?}");
        }
    }
}
