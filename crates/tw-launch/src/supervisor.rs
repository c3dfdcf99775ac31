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
//!
//! The hidden command can also be started by hand, so [`supervise`] checks its request before
//! anything else and refuses ([`SuperviseError`], nothing started) a report descriptor that is
//! not the write end of a pipe or FIFO: not open, a regular file, a device such as
//! `/dev/null`, a socket, a directory, or a pipe's read end; also one it cannot inspect
//! (`/proc` missing). Running on without reporting would hand the unchecked descriptor to the
//! command (still inheritable), and a reader of that pipe would then wait until the command
//! ended instead of getting its PID. It also refuses to run when its parent is not
//! `--parent`. Invariant: the command starts only with a working report pipe that it does not
//! inherit, under a parent-death signal from the right parent.
use crate::child::{self, RunAs};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR2};
use std::ffi::OsString;
use std::io::{BufRead, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
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
    /// The job's cgroup directory, joined before the command starts (see [`crate::cgroup`]).
    pub cgroup: Option<PathBuf>,
    /// Program and arguments of the training command.
    pub command: Vec<OsString>,
}

/// Why the supervisor refused to run: nothing was started, nothing was written on the report
/// descriptor (torchward's `__supervise` prints it and exits 2).
#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    /// `--report-fd` names no open descriptor.
    #[error(
        "--report-fd {fd} is not an open descriptor; the supervisor reports to `torchward run` \
         over the write end of a pipe, which `run` passes"
    )]
    ReportNotOpen {
        /// The descriptor number given.
        fd: i32,
    },
    /// `--report-fd` is open but is not a pipe or FIFO (a regular file, a device such as
    /// `/dev/null`, a socket, a directory).
    #[error(
        "--report-fd {fd} is {kind} ({target}), not a pipe; the supervisor reports to \
         `torchward run` over the write end of a pipe, which `run` passes"
    )]
    ReportNotPipe {
        /// The descriptor number given.
        fd: i32,
        /// What it is instead, with its article ("a regular file").
        kind: &'static str,
        /// What `/proc/self/fd/FD` points to (a path, `socket:[INODE]`).
        target: String,
    },
    /// `--report-fd` is a pipe opened for reading only (its read end).
    #[error(
        "--report-fd {fd} is the read end of a pipe ({target}); the supervisor writes its \
         report on the write end"
    )]
    ReportNotWritable {
        /// The descriptor number given.
        fd: i32,
        /// What `/proc/self/fd/FD` points to (`pipe:[INODE]`).
        target: String,
    },
    /// The descriptor could not be inspected (`/proc` not mounted, or its status unreadable).
    #[error("cannot inspect --report-fd {fd} through {}: {source}", .path.display())]
    ReportUninspectable {
        /// The descriptor number given.
        fd: i32,
        /// The `/proc/self/fd/FD` link of the descriptor.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The supervisor's parent is not the process named by `--parent` (torchward exited
    /// already, or the command was started by hand with another PID).
    #[error(
        "the supervisor's parent is PID {actual}, not --parent {expected}: the process to \
         watch is not the one that started it"
    )]
    NotParent {
        /// The PID given with `--parent`.
        expected: u32,
        /// The actual parent's PID (0 when it is outside this PID namespace).
        actual: u32,
    },
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
        if let Some(dir) = &self.cgroup {
            args.push("--cgroup".into());
            args.push(dir.clone().into_os_string());
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
            cgroup: None,
            command: command.to_vec(),
        };
        let mut words = options.iter();
        while let Some(flag) = words.next() {
            let flag = flag.to_string_lossy();
            let raw = words
                .next()
                .ok_or_else(|| RequestError(format!("`{flag}` needs a value")))?;
            let value = raw.to_string_lossy();
            let bad = || RequestError(format!("bad value `{value}` for `{flag}`"));
            match flag.as_ref() {
                "--cgroup" => request.cgroup = Some(PathBuf::from(raw)),
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
    cgroup: Option<&Path>,
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
        cgroup: cgroup.map(Path::to_owned),
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

/// Takes ownership of the inherited report descriptor once it is known to be the write end of
/// a pipe or FIFO, and marks it close-on-exec so the command does not inherit it. Must run
/// before this process opens any descriptor of its own (signal handlers open a pipe), so a
/// number that was not open cannot be mistaken for one of ours.
#[allow(unsafe_code)]
fn report_pipe(fd: i32) -> Result<std::fs::File, SuperviseError> {
    let link = PathBuf::from(format!("/proc/self/fd/{fd}"));
    let target = match std::fs::read_link(&link) {
        Ok(target) => target.to_string_lossy().into_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(SuperviseError::ReportNotOpen { fd });
        }
        Err(source) => {
            return Err(SuperviseError::ReportUninspectable {
                fd,
                path: link,
                source,
            })
        }
    };
    // SAFETY: the descriptor is open (its /proc link exists, checked just above) and was
    // inherited for the supervisor alone: this process has opened nothing of its own yet
    // (see above), so nothing else in it owns the descriptor.
    let file = std::fs::File::from(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    let uninspectable = |source| SuperviseError::ReportUninspectable {
        fd,
        path: link.clone(),
        source,
    };
    let kind = file.metadata().map_err(uninspectable)?.file_type();
    if !kind.is_fifo() {
        return Err(SuperviseError::ReportNotPipe {
            fd,
            kind: file_kind(kind),
            target,
        });
    }
    // fcntl(2) F_GETFL: the access mode is O_RDONLY (no bit), O_WRONLY or O_RDWR.
    let flags = rustix::fs::fcntl_getfl(&file).map_err(|e| uninspectable(e.into()))?;
    if !flags.intersects(rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::RDWR) {
        return Err(SuperviseError::ReportNotWritable { fd, target });
    }
    rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::CLOEXEC)
        .map_err(|e| uninspectable(e.into()))?;
    Ok(file)
}

/// Names a non-pipe file type for [`SuperviseError::ReportNotPipe`].
fn file_kind(kind: std::fs::FileType) -> &'static str {
    if kind.is_file() {
        "a regular file"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "not a pipe"
    }
}

/// Runs the supervisor (see the module documentation); returns the exit code to exit with:
/// the command's, or [`EXIT_NOT_STARTED`] after reporting `error MESSAGE` on the pipe.
///
/// # Errors
///
/// [`SuperviseError`] when the request cannot be served (the report descriptor is not the
/// write end of a pipe, or the parent is not `--parent`); nothing was started then.
pub fn supervise(request: &Request) -> Result<i32, SuperviseError> {
    let mut pipe = report_pipe(request.report_fd)?;
    // A failed write (torchward closed its end: it is gone) is handled by the parent-death
    // signal, not here.
    let mut report = move |line: &str| {
        let _ = writeln!(pipe, "{line}");
    };
    let mut signals =
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR2]) {
            Ok(signals) => signals,
            Err(err) => {
                report(&format!("error cannot install signal handlers: {err}"));
                return Ok(EXIT_NOT_STARTED);
            }
        };
    // After the handlers: a parent that dies from here on is noticed as PARENT_DEATH_SIGNAL.
    if !parent_alive(request.parent) {
        return Err(SuperviseError::NotParent {
            expected: request.parent,
            actual: rustix::process::getppid()
                .map_or(0, |p| p.as_raw_nonzero().get().unsigned_abs()),
        });
    }
    let me = rustix::process::getpid();
    if let Err(err) = rustix::process::set_child_subreaper(Some(me)) {
        report(&format!("error cannot become a child subreaper: {err}"));
        return Ok(EXIT_NOT_STARTED);
    }
    // Into the job's cgroup before the command exists: every process and socket of the job is
    // born there, so the firewall's cgroup rule covers them from the first packet.
    if let Some(dir) = &request.cgroup {
        if let Err(err) = crate::cgroup::join(dir) {
            report(&format!(
                "error cannot join the job's cgroup {}: {err}",
                dir.display()
            ));
            return Ok(EXIT_NOT_STARTED);
        }
    }
    let command = match child::spawn(&request.command, request.run_as) {
        Ok(command) => command,
        Err(err) => {
            report(&format!("error {err}"));
            return Ok(EXIT_NOT_STARTED);
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
                    return Ok(128 + rustix::process::Signal::KILL.as_raw());
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
    Ok(status.unwrap_or(1))
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
            cgroup: Some(PathBuf::from("/sys/fs/cgroup/torchward/run-42")),
            command: vec!["torchrun".into(), "--nproc-per-node".into(), "--".into()],
        };
        assert_eq!(Request::from_args(&request.to_args()), Ok(request));
    }

    /// `report_pipe` on a descriptor this test owns (ownership passes to it).
    fn adopt(fd: impl Into<OwnedFd>) -> Result<std::fs::File, SuperviseError> {
        report_pipe(std::os::fd::IntoRawFd::into_raw_fd(fd.into()))
    }

    #[test]
    fn a_pipes_write_end_is_adopted_and_not_inherited() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        // As torchward hands it over: inheritable.
        rustix::io::fcntl_setfd(&writer, rustix::io::FdFlags::empty()).unwrap();
        let mut adopted = adopt(writer).unwrap();
        let flags = rustix::io::fcntl_getfd(&adopted).unwrap();
        assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
        writeln!(adopted, "pid 1").unwrap();
        drop(adopted);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "pid 1\n");
    }

    #[test]
    fn a_named_fifo_open_for_writing_is_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("report");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // Read and write: open(2) on a FIFO then does not wait for the other end (fifo(7)).
        let both = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .unwrap();
        assert!(adopt(both).is_ok());
    }

    #[test]
    fn report_descriptors_that_are_not_a_pipes_write_end_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join("report")).unwrap();
        match adopt(file) {
            Err(SuperviseError::ReportNotPipe { kind, target, .. }) => {
                assert_eq!(kind, "a regular file");
                assert!(target.ends_with("/report"), "{target}");
            }
            other => panic!("regular file: {other:?}"),
        }
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        match adopt(null) {
            Err(SuperviseError::ReportNotPipe { kind, target, .. }) => {
                assert_eq!((kind, target.as_str()), ("a character device", "/dev/null"));
            }
            other => panic!("/dev/null: {other:?}"),
        }
        let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        match adopt(socket) {
            Err(SuperviseError::ReportNotPipe { kind, target, .. }) => {
                assert_eq!(kind, "a socket");
                assert!(target.starts_with("socket:"), "{target}");
            }
            other => panic!("socket: {other:?}"),
        }
        match adopt(std::fs::File::open(dir.path()).unwrap()) {
            Err(SuperviseError::ReportNotPipe { kind, .. }) => assert_eq!(kind, "a directory"),
            other => panic!("directory: {other:?}"),
        }
        let (reader, _writer) = std::io::pipe().unwrap();
        match adopt(reader) {
            Err(err @ SuperviseError::ReportNotWritable { fd, .. }) => {
                assert!(err
                    .to_string()
                    .contains(&format!("--report-fd {fd} is the read end")));
            }
            other => panic!("read end: {other:?}"),
        }
        // Far above any descriptor limit, so never open.
        match report_pipe(i32::MAX) {
            Err(err @ SuperviseError::ReportNotOpen { fd: i32::MAX }) => assert_eq!(
                err.to_string(),
                format!(
                    "--report-fd {} is not an open descriptor; the supervisor reports to \
                     `torchward run` over the write end of a pipe, which `run` passes",
                    i32::MAX
                )
            ),
            other => panic!("not open: {other:?}"),
        }
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
