//! What one audit run knows about the host, gathered once before the checks run: options, the
//! processes to judge, the listening sockets and their owners, the firewall cover, and what
//! could not be seen. Checks only read this and the files they own, so gathering order cannot
//! change a result.
use crate::firewall::Cover;
use crate::ports::TrainingPorts;
use crate::process::{self, CoreLimit, Probe, Process};
use crate::profile::{Profile, Skip};
use crate::root::SystemRoot;
use crate::socket::{self, Listener, Owners};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// How to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// baseline or strict.
    pub profile: Profile,
    /// The training ports.
    pub ports: TrainingPorts,
    /// Processes named with `--pid`.
    pub pids: Vec<u32>,
    /// `--all-processes`: judge every training process found.
    pub all_processes: bool,
    /// Overlay skips.
    pub skips: Vec<Skip>,
    /// Today (`YYYY-MM-DD`), for skip expiry.
    pub today: String,
    /// Firewall state files named with `--state-file` (absolute paths), read besides every
    /// `*.json` under `/run/torchward`.
    pub state_files: Vec<String>,
}

/// The gathered state.
#[derive(Debug)]
pub struct Context<'a> {
    /// Where files are read.
    pub root: &'a SystemRoot,
    /// How to audit.
    pub options: &'a Options,
    /// torchward's own process (`/proc/self`), when readable.
    pub me: Option<Process>,
    /// Every process that could be read.
    pub processes: Vec<Process>,
    /// The processes whose run user, umask and core limit are judged: named with `--pid`, or
    /// every training process with `--all-processes`.
    pub targets: Vec<Process>,
    /// `--pid` values with no readable process.
    pub missing_pids: Vec<u32>,
    /// Listening sockets.
    pub listeners: Vec<Listener>,
    /// Socket owners.
    pub owners: Owners,
    /// torchward firewall cover.
    pub cover: Cover,
    /// Probe failures that make results incomplete, in words (path and reason).
    pub problems: Vec<String>,
    /// `RLIMIT_CORE` of `me` and of each target, by `/proc` directory name.
    pub core_limits: BTreeMap<String, Probe<CoreLimit>>,
    /// Processes that exited while the audit read them (skipped, not errors).
    pub vanished: usize,
}

impl<'a> Context<'a> {
    /// Reads the state under `root`.
    pub fn gather(root: &'a SystemRoot, options: &'a Options) -> Context<'a> {
        let mut problems = Vec::new();
        let me = match Process::read(root, "self") {
            Ok(me) => Some(me),
            Err(err) => {
                problems.push(err.to_string());
                None
            }
        };
        let pids = process::pids(root).unwrap_or_else(|err| {
            problems.push(err.to_string());
            Vec::new()
        });
        // Processes that exit while we read them are gone: skipped and counted, never an
        // error (dataloader workers come and go all the time).
        let mut vanished = BTreeSet::new();
        let mut processes: Vec<Process> = Vec::new();
        // Each process's files are read on the pool: the reads are independent, and on a busy
        // host the wall time is the CPU time of these reads times the wait for a core.
        let probes: Vec<(u32, Probe<Process>)> = pids
            .par_iter()
            .map(|pid| (*pid, Process::probe(root, &pid.to_string())))
            .collect();
        for (pid, probe) in probes {
            match probe {
                Probe::Read(process) => processes.push(process),
                Probe::Vanished => {
                    vanished.insert(pid);
                }
                // hidepid or an unprivileged run: the process is hidden, as if not listed.
                Probe::Denied => {}
                Probe::Failed(message) => problems.push(message),
            }
        }
        let mut targets = Vec::new();
        let mut missing_pids = Vec::new();
        for pid in &options.pids {
            match processes.iter().find(|p| p.status.pid == *pid) {
                Some(process) => targets.push(process.clone()),
                None => missing_pids.push(*pid),
            }
        }
        if options.all_processes {
            for process in processes.iter().filter(|p| p.is_training()) {
                if !targets.iter().any(|t| t.status.pid == process.status.pid) {
                    targets.push(process.clone());
                }
            }
        }
        // Each judged process's core limit is read now, so a target that exits before the
        // checks run is dropped here (counted) instead of failing a check later.
        let mut core_limits = BTreeMap::new();
        if let Some(me) = &me {
            core_limits.insert(me.dir.clone(), Process::core_limit(root, &me.dir));
        }
        targets.retain(|target| match Process::core_limit(root, &target.dir) {
            Probe::Vanished => {
                vanished.insert(target.status.pid);
                if options.pids.contains(&target.status.pid) {
                    missing_pids.push(target.status.pid);
                }
                false
            }
            probe => {
                core_limits.insert(target.dir.clone(), probe);
                true
            }
        });
        let listeners = socket::listeners(root).unwrap_or_else(|err| {
            problems.push(err.to_string());
            Vec::new()
        });
        let wanted: BTreeSet<u64> = listeners.iter().map(|l| l.inode).collect();
        let owners = socket::owners(root, &pids, &wanted);
        Context {
            root,
            options,
            me,
            processes,
            targets,
            missing_pids,
            listeners,
            owners,
            cover: Cover::read(root, &options.state_files),
            problems,
            core_limits,
            vanished: vanished.len(),
        }
    }

    /// Whether torchward runs with UID 0 (as `/proc/self/status` under the root says). When it
    /// does not, other users' fds (and with `hidepid`, processes) are hidden, so nothing about
    /// them may be reported as `pass`.
    pub fn privileged(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|me| me.status.uids.get(1) == Some(&0))
    }

    /// The processes whose run user, umask and core limit are judged, each with whether it is
    /// torchward itself (standing for the invoking user's session).
    pub fn judged(&self) -> Vec<(&Process, bool)> {
        let mut out: Vec<(&Process, bool)> = self.me.iter().map(|me| (me, true)).collect();
        out.extend(self.targets.iter().map(|target| (target, false)));
        out
    }

    /// The torchward state file that covers `listener`: by its port, or because its owner runs
    /// in the cgroup of a `torchward run` job (every socket of the job is restricted).
    pub fn covered_by(&self, listener: &crate::socket::Listener) -> Option<&str> {
        let cgroups: Vec<String> = self
            .owners
            .by_inode
            .get(&listener.inode)
            .into_iter()
            .flatten()
            .filter_map(|pid| crate::firewall::cgroup_of(self.root, *pid))
            .collect();
        self.cover.covering_socket(listener.port, &cgroups)
    }

    /// The process with `pid`, if read.
    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.processes.iter().find(|p| p.status.pid == pid)
    }

    /// Whether `pid` is a training process or descends from one (the training tree; Gloo and
    /// `TensorPipe` listeners belong to worker children).
    pub fn in_training_tree(&self, pid: u32) -> bool {
        let mut current = pid;
        // Bounded walk up the parent chain; PID 0/1 ends it, a cycle cannot outlast the bound.
        for _ in 0..64 {
            let Some(process) = self.process(current) else {
                return false;
            };
            if process.is_training() {
                return true;
            }
            if process.status.ppid <= 1 {
                return false;
            }
            current = process.status.ppid;
        }
        false
    }
}
