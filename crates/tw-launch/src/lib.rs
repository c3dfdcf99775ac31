//! `torchward run`: launch a training command hardened (statement §3, §4, §8, §11). Order:
//! preflight (nothing touched yet) → firewall applied and verified (an nftables owner table
//! held by an `nft -i` child where the kernel supports it; otherwise a plain table or
//! iptables chains plus the state file) → the [`supervisor`] started (a child subreaper with a
//! parent-death signal) and the command under it in its own process group with umask 0027 →
//! INT/TERM/HUP forwarded to it → optional `--dynamic` port watching → rules removed when the
//! command and every process it left behind ended, however it ends.
//! Invariant: either the command ran with the rules in place, or it never started and
//! torchward's rules are gone (or the error says what is left and how to remove it).
#![deny(unsafe_code)]

pub mod cgroup;
pub mod child;
pub mod owner;
pub mod preflight;
pub mod socket;
pub mod supervisor;

use child::RunAs;
use owner::OwnerTable;
use preflight::{Preflight, Problem};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tw_firewall::{
    ApplyError, Backend, Cmd, Coverage, Exec, Firewall, FirewallError, Plan, PortRange, State,
};

/// How the rules are held while the command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// nftables owner table: the kernel removes it when torchward exits.
    OwnerTable,
    /// Plain nftables table or iptables chains, recorded in the state file for cleanup.
    StateFile(Backend),
}

/// What happens, reported to the caller (which prints it; this crate never prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Owner tables are unavailable; falling back to a plain table and the state file.
    OwnerUnavailable(String),
    /// Every socket of the job is restricted through its cgroup (the path nft names).
    JobSockets(String),
    /// The job's sockets cannot be matched by cgroup here (why); `run` watches the ports the
    /// job opens instead (`--dynamic`), which leaves a short window per port.
    JobSocketsUnavailable(String),
    /// The rules are in place and verified.
    Protected(Protection),
    /// The command started (under the supervisor).
    Started {
        /// The command's PID (and process group).
        pid: u32,
    },
    /// A signal was forwarded to the command's process group.
    Forwarded(i32),
    /// `--dynamic` restricted ports the command opened.
    DynamicPorts(Vec<PortRange>),
    /// Adding dynamic ports failed.
    DynamicFailed(String),
    /// The plain rules disappeared while the command ran (a firewall reload: `nft flush
    /// ruleset`, `firewall-cmd --reload`) and were applied again.
    Reapplied(String),
    /// The plain rules disappeared and could not be applied again.
    ReapplyFailed(String),
    /// The rules are gone.
    Removed,
}

/// Everything `run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Program and arguments.
    pub command: Vec<OsString>,
    /// Program and leading arguments that run [`supervisor::supervise`] (the torchward binary
    /// runs it as `torchward __supervise`); the supervisor's request is appended.
    pub supervisor: Vec<OsString>,
    /// The firewall plan.
    pub plan: Plan,
    /// Backend to use.
    pub backend: Backend,
    /// Try an nftables owner table first (nft backend only).
    pub owner_table: bool,
    /// User to run the command as.
    pub run_as: Option<RunAs>,
    /// Preflight settings.
    pub preflight: Preflight,
    /// Watch the command's listening sockets and restrict their ports too.
    pub dynamic: bool,
    /// Restrict every socket of the job through its own cgroup (nft `socket cgroupv2`); where
    /// that is unavailable, watch its ports as with `dynamic`.
    pub job_sockets: bool,
    /// State file path.
    pub state_path: PathBuf,
}

/// Why `run` failed before or around the launch.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Preflight problems; nothing was touched.
    #[error("preflight failed: {}", .0.iter().map(|p| format!("[{}] {}", p.check.name(), p.message)).collect::<Vec<_>>().join("; "))]
    Preflight(Vec<Problem>),
    /// `--dynamic` asked for with interface coverage (which already covers every port).
    #[error("--dynamic needs port coverage (interface coverage already covers every port)")]
    DynamicUnsupported,
    /// The firewall could not be applied.
    #[error(transparent)]
    Firewall(#[from] ApplyError),
    /// Signal handlers could not be installed; nothing was touched.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    /// A signal arrived before the command started; the rules were removed.
    #[error("interrupted by signal {signal} before the command started")]
    Interrupted {
        /// The signal.
        signal: i32,
        /// Removing the rules failed (what is left).
        cleanup: Option<FirewallError>,
    },
    /// The command could not be started; the rules were removed.
    #[error("cannot start the command: {source}")]
    Spawn {
        /// Why.
        source: std::io::Error,
        /// Removing the rules failed (what is left).
        cleanup: Option<FirewallError>,
    },
}

impl RunError {
    /// Whether torchward's rules may still be in place (a failed rollback or cleanup).
    pub fn left_behind(&self) -> bool {
        match self {
            RunError::Firewall(ApplyError::RollbackFailed { .. }) => true,
            RunError::Interrupted { cleanup, .. } | RunError::Spawn { cleanup, .. } => {
                cleanup.is_some()
            }
            _ => false,
        }
    }
}

/// How the command ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit code (128 + N for signal N).
    pub code: i32,
    /// How the rules were held.
    pub protection: Protection,
    /// Ports added by `--dynamic`.
    pub dynamic_ports: Vec<PortRange>,
    /// Removing the rules failed (they are still in place).
    pub cleanup: Option<FirewallError>,
}

/// Holds the rules while the command runs.
enum Guard {
    Owner(Arc<Mutex<OwnerTable>>),
    Plain(Backend),
}

/// Applies the rules: owner table first when asked and possible.
fn protect(
    options: &RunOptions,
    exec: &dyn Exec,
    fw: &Firewall<'_>,
    events: &mut dyn FnMut(Event),
) -> Result<Guard, RunError> {
    let pid = std::process::id();
    if options.backend == Backend::Nft && options.owner_table {
        // A plain table left by a crash or by `firewall apply` would clash with ours.
        fw.remove_backend(Backend::Nft)
            .map_err(|cause| ApplyError::NotApplied { cause })?;
        match OwnerTable::create(&options.plan, exec, Duration::from_secs(5)) {
            Ok(table) => {
                let state = State::new(Backend::Nft, &options.plan, true, Some(pid));
                if let Err(err) = state.write(fw.state_path()) {
                    drop(table);
                    return Err(ApplyError::RolledBack { cause: err.into() }.into());
                }
                events(Event::Protected(Protection::OwnerTable));
                return Ok(Guard::Owner(Arc::new(Mutex::new(table))));
            }
            Err(err) => events(Event::OwnerUnavailable(err.to_string())),
        }
    }
    fw.apply(&options.plan, options.backend, Some(pid))?;
    events(Event::Protected(Protection::StateFile(options.backend)));
    Ok(Guard::Plain(options.backend))
}

/// Removes the rules held by `guard` and the state file.
fn unprotect(guard: &Guard, exec: &dyn Exec, fw: &Firewall<'_>) -> Option<FirewallError> {
    let result = match guard {
        Guard::Owner(table) => {
            if let Ok(mut table) = table.lock() {
                table.release();
            }
            // The kernel removed the table with its owner; make sure, and clean up otherwise.
            let present = exec
                .run(&Cmd::new(
                    "nft",
                    &["list", "table", "inet", tw_firewall::nft::TABLE],
                ))
                .is_ok_and(|o| o.success());
            if present {
                fw.remove_backend(Backend::Nft)
            } else {
                Ok(())
            }
        }
        Guard::Plain(backend) => fw.remove_backend(*backend),
    };
    result
        .and_then(|()| State::delete(fw.state_path()).map_err(FirewallError::from))
        .err()
}

/// Runs the command under the firewall; see the module documentation.
pub fn run(
    options: &RunOptions,
    exec: &dyn Exec,
    events: &mut dyn FnMut(Event),
) -> Result<Finished, RunError> {
    if options.dynamic && options.plan.coverage() != Coverage::Ports {
        return Err(RunError::DynamicUnsupported);
    }
    let problems = options.preflight.run();
    if !problems.is_empty() {
        return Err(RunError::Preflight(problems));
    }
    let job_cgroup = if options.job_sockets {
        job_cgroup(options, exec, events)
    } else {
        None
    };
    let mut effective = options.clone();
    if let Some(cgroup) = &job_cgroup {
        effective.plan = options.plan.with_cgroup(cgroup.rule().clone());
    } else if options.job_sockets && options.plan.coverage() == Coverage::Ports {
        effective.dynamic = true;
    }
    let result = run_protected(&effective, job_cgroup.as_ref(), exec, events);
    if let Some(cgroup) = &job_cgroup {
        // Every process of the job is gone (the supervisor waited for them), unless the
        // launch failed before the supervisor joined it; either way the directory is empty.
        cgroup.remove(Duration::from_secs(2));
    }
    result
}

/// The job's cgroup, when the kernel, nft and the cgroup mount allow matching sockets by it;
/// otherwise reports why (and `run` watches ports instead).
fn job_cgroup(
    options: &RunOptions,
    exec: &dyn Exec,
    events: &mut dyn FnMut(Event),
) -> Option<cgroup::JobCgroupDir> {
    if options.backend != Backend::Nft {
        events(Event::JobSocketsUnavailable(
            "the iptables cgroup match does not see a new connection's listening socket in INPUT (measured: the handshake completes), so only nft can restrict the job's sockets by cgroup".to_owned(),
        ));
        return None;
    }
    let dir = match cgroup::JobCgroupDir::create(&options.preflight.proc_root, std::process::id()) {
        Ok(dir) => dir,
        Err(err) => {
            events(Event::JobSocketsUnavailable(err.to_string()));
            return None;
        }
    };
    // `nft -c` sends the whole transaction to the kernel and aborts it: a kernel without the
    // socket expression (nft_socket, Linux 5.13+ for cgroupv2) refuses it here.
    let probe = options.plan.with_cgroup(dir.rule().clone());
    let checked = exec.run(
        &Cmd::new("nft", &["-c", "-f", "-"]).with_stdin(tw_firewall::nft::apply_script(&probe)),
    );
    match checked {
        Ok(out) if out.success() => {
            events(Event::JobSockets(dir.rule().path().to_owned()));
            Some(dir)
        }
        other => {
            let why = match other {
                Ok(out) => out.stderr.trim().to_owned(),
                Err(err) => err.to_string(),
            };
            dir.remove(Duration::from_millis(100));
            events(Event::JobSocketsUnavailable(format!(
                "nft refused a `socket cgroupv2` rule: {why}"
            )));
            None
        }
    }
}

/// [`run`] once the plan is final.
fn run_protected(
    options: &RunOptions,
    job_cgroup: Option<&cgroup::JobCgroupDir>,
    exec: &dyn Exec,
    events: &mut dyn FnMut(Event),
) -> Result<Finished, RunError> {
    // Handlers first: a signal during setup must not kill torchward with rules in place.
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(RunError::Signals)?;
    let signal_handle = signals.handle();
    let target = Arc::new(AtomicI32::new(0));
    let (tx, rx) = mpsc::channel::<Event>();
    let pending = Arc::new(AtomicI32::new(0));
    let forwarder = {
        let (target, pending, tx) = (Arc::clone(&target), Arc::clone(&pending), tx.clone());
        std::thread::spawn(move || {
            for signal in signals.forever() {
                let group = target.load(Ordering::SeqCst);
                let forwarded = rustix::process::Pid::from_raw(group)
                    .zip(rustix::process::Signal::from_named_raw(signal));
                match forwarded {
                    Some((pid, sig)) => {
                        let _ = rustix::process::kill_process_group(pid, sig);
                        let _ = tx.send(Event::Forwarded(signal));
                    }
                    None => pending.store(signal, Ordering::SeqCst),
                }
            }
        })
    };
    let finish_threads = |signal_handle: &signal_hook::iterator::Handle| {
        signal_handle.close();
    };

    let fw = Firewall::new(exec, options.state_path.clone());
    let guard = match protect(options, exec, &fw, events) {
        Ok(guard) => guard,
        Err(err) => {
            finish_threads(&signal_handle);
            let _ = forwarder.join();
            return Err(err);
        }
    };
    let signal = pending.load(Ordering::SeqCst);
    if signal != 0 {
        let cleanup = unprotect(&guard, exec, &fw);
        finish_threads(&signal_handle);
        let _ = forwarder.join();
        return Err(RunError::Interrupted { signal, cleanup });
    }
    let supervised = match supervisor::start(
        &options.supervisor,
        &options.command,
        options.run_as,
        job_cgroup.map(cgroup::JobCgroupDir::dir),
    ) {
        Ok(supervised) => supervised,
        Err(source) => {
            let cleanup = unprotect(&guard, exec, &fw);
            finish_threads(&signal_handle);
            let _ = forwarder.join();
            return Err(RunError::Spawn { source, cleanup });
        }
    };
    let mut child = supervised.child;
    // Signals go to the supervisor (alone in its process group), which forwards them to the
    // command's group; it reported the command's PID only once its handlers were in place.
    let supervisor_pid = child.id();
    target.store(i32::try_from(supervisor_pid).unwrap_or(0), Ordering::SeqCst);
    events(Event::Started {
        pid: supervised.command_pid,
    });
    // A signal that arrived between the check above and now was recorded, not forwarded.
    let late = pending.swap(0, Ordering::SeqCst);
    if let Some((group, sig)) =
        rustix::process::Pid::from_raw(i32::try_from(supervisor_pid).unwrap_or(0))
            .zip(rustix::process::Signal::from_named_raw(late))
    {
        let _ = rustix::process::kill_process_group(group, sig);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let watcher = options.dynamic.then(|| {
        let (stop, tx) = (Arc::clone(&stop), tx.clone());
        let covered: Vec<PortRange> = options.plan.ports().to_vec();
        let proc_root = options.preflight.proc_root.clone();
        let owner = match &guard {
            Guard::Owner(table) => Some(Arc::clone(table)),
            Guard::Plain(_) => None,
        };
        // The supervisor's tree: orphaned processes of the job are re-parented to it.
        std::thread::spawn(move || {
            watch(
                supervisor_pid,
                &proc_root,
                &covered,
                owner.as_ref(),
                &stop,
                &tx,
            );
        })
    });
    drop(tx);

    let mut dynamic_ports = Vec::new();
    let mut last_check = std::time::Instant::now();
    let status = loop {
        while let Ok(event) = rx.try_recv() {
            if let Event::DynamicPorts(ports) = &event {
                dynamic_ports.extend_from_slice(ports);
                // The state file records what is applied, so `firewall status` sees no drift
                // and `audit host` sees the ports covered.
                let owner = matches!(guard, Guard::Owner(_));
                let state = State::new(
                    options.backend,
                    &options.plan.with_ports(&dynamic_ports),
                    owner,
                    Some(std::process::id()),
                );
                if let Err(err) = state.write(fw.state_path()) {
                    events(Event::DynamicFailed(format!(
                        "cannot record the ports: {err}"
                    )));
                }
                if let Guard::Plain(backend) = guard {
                    let added = match backend {
                        Backend::Nft => exec
                            .run(
                                &Cmd::new("nft", &["-f", "-"])
                                    .with_stdin(tw_firewall::nft::add_ports_line(ports)),
                            )
                            .map_err(|err| err.to_string())
                            .and_then(|out| {
                                if out.success() {
                                    Ok(())
                                } else {
                                    Err(format!("nft: {}", out.stderr.trim()))
                                }
                            }),
                        Backend::Iptables => fw
                            .update_iptables_chains(&options.plan.with_ports(&dynamic_ports))
                            .map_err(|err| err.to_string()),
                    };
                    if let Err(err) = added {
                        events(Event::DynamicFailed(err));
                    }
                }
            }
            events(event);
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {
                if let Guard::Plain(backend) = guard {
                    if last_check.elapsed() >= REVERIFY {
                        last_check = std::time::Instant::now();
                        let plan = options.plan.with_ports(&dynamic_ports);
                        reverify(&fw, &plan, backend, std::process::id(), events);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => break child.wait().ok(),
        }
    };
    stop.store(true, Ordering::SeqCst);
    if let Some(watcher) = watcher {
        let _ = watcher.join();
    }
    while let Ok(event) = rx.try_recv() {
        events(event);
    }
    let cleanup = unprotect(&guard, exec, &fw);
    if cleanup.is_none() {
        events(Event::Removed);
    }
    finish_threads(&signal_handle);
    let _ = forwarder.join();
    let protection = match guard {
        Guard::Owner(_) => Protection::OwnerTable,
        Guard::Plain(backend) => Protection::StateFile(backend),
    };
    Ok(Finished {
        code: status.map_or(1, child::exit_code),
        protection,
        dynamic_ports: tw_firewall::port::normalize(dynamic_ports),
        cleanup,
    })
}

/// How often plain rules are checked while the command runs (an owner table needs no check:
/// nobody else can delete it).
const REVERIFY: Duration = Duration::from_secs(2);

/// Re-applies plain rules that a firewall reload removed or changed (research b10: "in wrap
/// mode, re-verify the rules every N seconds and restore them").
fn reverify(
    fw: &Firewall<'_>,
    plan: &Plan,
    backend: Backend,
    pid: u32,
    events: &mut dyn FnMut(Event),
) {
    let intact = match backend {
        Backend::Nft => fw.verify_nft(plan),
        Backend::Iptables => fw.verify_iptables(plan),
    };
    if let Err(why) = intact {
        events(match fw.apply(plan, backend, Some(pid)) {
            Ok(_) => Event::Reapplied(why.to_string()),
            Err(err) => Event::ReapplyFailed(err.to_string()),
        });
    }
}

/// Polls the command's process tree for listening ports and restricts new ones (research b9:
/// there is a short window between `listen()` and the rule update).
fn watch(
    pid: u32,
    proc_root: &std::path::Path,
    covered: &[PortRange],
    owner: Option<&Arc<Mutex<OwnerTable>>>,
    stop: &AtomicBool,
    tx: &mpsc::Sender<Event>,
) {
    let mut known: BTreeSet<u16> = BTreeSet::new();
    while !stop.load(Ordering::SeqCst) {
        let fresh: Vec<PortRange> = socket::tree_ports(proc_root, pid)
            .into_iter()
            .filter(|port| !known.contains(port) && !covered.iter().any(|r| r.contains(*port)))
            .map(PortRange::single)
            .collect();
        if !fresh.is_empty() {
            known.extend(fresh.iter().map(|r| r.start));
            let added = match owner {
                Some(table) => table
                    .lock()
                    .map_err(|_| "owner table lock poisoned".to_owned())
                    .and_then(|mut t| t.add_ports(&fresh).map_err(|e| e.to_string())),
                None => Ok(()),
            };
            let event = match added {
                Ok(()) => Event::DynamicPorts(fresh),
                Err(err) => Event::DynamicFailed(err),
            };
            if tx.send(event).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
