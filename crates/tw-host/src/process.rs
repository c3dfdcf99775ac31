//! Processes as `/proc/PID` shows them (proc(5)): identity and capabilities from `status`,
//! the command line, and the core-size limit from `limits`. Parsers take the text so tests
//! feed them fake files; nothing here assumes a field is present.
use crate::error::ProbeError;
use crate::root::SystemRoot;

/// What `/proc/PID/status` says about one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The process ID (`self` resolves to torchward's own).
    pub pid: u32,
    /// `Name:` (the kernel's `comm`, truncated to 15 bytes).
    pub name: String,
    /// `PPid:`.
    pub ppid: u32,
    /// `Uid:` real, effective, saved, filesystem.
    pub uids: [u32; 4],
    /// `CapEff:` bitmask.
    pub cap_eff: u64,
    /// `Umask:` (Linux >= 4.7).
    pub umask: Option<u32>,
}

impl Status {
    /// Parses the text of `/proc/PID/status`; `path` names it in errors.
    pub fn parse(pid: u32, path: &str, text: &str) -> Result<Status, ProbeError> {
        let mut status = Status {
            pid,
            name: String::new(),
            ppid: 0,
            uids: [0; 4],
            cap_eff: 0,
            umask: None,
        };
        let mut saw_uid = false;
        for (index, line) in text.lines().enumerate() {
            let bad = |what: &str| ProbeError::Parse {
                path: path.to_owned(),
                line: index + 1,
                what: what.to_owned(),
            };
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match field {
                "Name" => value.clone_into(&mut status.name),
                "Pid" => status.pid = value.parse().map_err(|_| bad("Pid is not a number"))?,
                "PPid" => status.ppid = value.parse().map_err(|_| bad("PPid is not a number"))?,
                "Uid" => {
                    let mut ids = value.split_whitespace().map(str::parse::<u32>);
                    for slot in &mut status.uids {
                        *slot = ids
                            .next()
                            .and_then(Result::ok)
                            .ok_or_else(|| bad("Uid needs four numbers"))?;
                    }
                    saw_uid = true;
                }
                "CapEff" => {
                    status.cap_eff = u64::from_str_radix(value, 16)
                        .map_err(|_| bad("CapEff is not hexadecimal"))?;
                }
                "Umask" => {
                    status.umask =
                        Some(u32::from_str_radix(value, 8).map_err(|_| bad("Umask is not octal"))?);
                }
                _ => {}
            }
        }
        if !saw_uid {
            return Err(ProbeError::Parse {
                path: path.to_owned(),
                line: 0,
                what: "no Uid: line".to_owned(),
            });
        }
        Ok(status)
    }

    /// Whether any of the real, effective, saved or filesystem UIDs is 0.
    pub fn any_root_uid(&self) -> bool {
        self.uids.contains(&0)
    }
}

/// One side of a resource limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No limit.
    Unlimited,
    /// At most this many bytes.
    Bytes(u64),
}

impl Limit {
    /// Whether the limit allows no core file at all.
    pub fn is_zero(self) -> bool {
        self == Limit::Bytes(0)
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Unlimited => f.write_str("unlimited"),
            Limit::Bytes(bytes) => write!(f, "{bytes}"),
        }
    }
}

/// `RLIMIT_CORE` as `/proc/PID/limits` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreLimit {
    /// The soft limit (what applies now; the process may raise it up to `hard`).
    pub soft: Limit,
    /// The hard limit (only root can raise it).
    pub hard: Limit,
}

impl CoreLimit {
    /// Parses the `Max core file size` row of `/proc/PID/limits`.
    pub fn parse(path: &str, text: &str) -> Result<CoreLimit, ProbeError> {
        for (index, line) in text.lines().enumerate() {
            let Some(rest) = line.strip_prefix("Max core file size") else {
                continue;
            };
            let mut fields = rest.split_whitespace();
            let mut next = || -> Result<Limit, ProbeError> {
                match fields.next() {
                    Some("unlimited") => Ok(Limit::Unlimited),
                    Some(number) => {
                        number
                            .parse()
                            .map(Limit::Bytes)
                            .map_err(|_| ProbeError::Parse {
                                path: path.to_owned(),
                                line: index + 1,
                                what: format!("core limit `{number}` is not a number"),
                            })
                    }
                    None => Err(ProbeError::Parse {
                        path: path.to_owned(),
                        line: index + 1,
                        what: "core limit row has too few fields".to_owned(),
                    }),
                }
            };
            let soft = next()?;
            let hard = next()?;
            return Ok(CoreLimit { soft, hard });
        }
        Err(ProbeError::Parse {
            path: path.to_owned(),
            line: 0,
            what: "no `Max core file size` row".to_owned(),
        })
    }
}

/// A process with its status and command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// The `/proc` directory name (`self` or the PID).
    pub dir: String,
    /// Parsed status.
    pub status: Status,
    /// The command line, one argument per entry (empty for kernel threads).
    pub cmdline: Vec<String>,
}

impl Process {
    /// Reads `/proc/<dir>/status` and `cmdline` under `root`.
    pub fn read(root: &SystemRoot, dir: &str) -> Result<Process, ProbeError> {
        let status_path = format!("/proc/{dir}/status");
        let pid = dir.parse().unwrap_or(0);
        let status = Status::parse(pid, &status_path, &root.read(&status_path)?)?;
        let cmdline = root
            .read_opt(&format!("/proc/{dir}/cmdline"))?
            .map(|raw| {
                raw.split('\0')
                    .filter(|arg| !arg.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Process {
            dir: dir.to_owned(),
            status,
            cmdline,
        })
    }

    /// The core-size limit of the process in `/proc/<dir>`.
    pub fn core_limit(root: &SystemRoot, dir: &str) -> Probe<CoreLimit> {
        Probe::read(root, dir, "limits", CoreLimit::parse)
    }

    /// Like [`Process::read`], with a process that ended meanwhile told apart from an error.
    pub fn probe(root: &SystemRoot, dir: &str) -> Probe<Process> {
        match Process::read(root, dir) {
            Ok(process) => Probe::Read(process),
            Err(err) if is_gone_error(&err) || has_exited(root, dir) => Probe::Vanished,
            Err(err) if err.is_denied() => Probe::Denied,
            Err(err) => Probe::Failed(err.to_string()),
        }
    }

    /// The command line for messages (`cmdline`, not `comm`: torchrun's comm is `pt_elastic`),
    /// cut at 200 characters.
    pub fn command(&self) -> String {
        let joined = if self.cmdline.is_empty() {
            format!("[{}]", self.status.name)
        } else {
            self.cmdline.join(" ")
        };
        if joined.chars().count() > 200 {
            let mut cut: String = joined.chars().take(200).collect();
            cut.push_str("...");
            cut
        } else {
            joined
        }
    }

    /// Whether this looks like a training process: a Python interpreter, torchrun or
    /// `torch_npu_run`, or a module launch of `torch.distributed.run`/launch.
    pub fn is_training(&self) -> bool {
        let program = |arg: &str| arg.rsplit('/').next().unwrap_or(arg).to_owned();
        let Some(first) = self.cmdline.first() else {
            return false;
        };
        let first = program(first);
        if first.starts_with("python") || first == "torchrun" || first == "torch_npu_run" {
            return true;
        }
        self.cmdline.iter().take(4).any(|arg| {
            let name = program(arg);
            name == "torchrun"
                || name == "torch_npu_run"
                || arg.starts_with("torch.distributed.run")
                || arg.starts_with("torch.distributed.launch")
        })
    }
}

/// `ESRCH` (Linux): some `/proc/PID` files answer it for a process that is exiting.
const ESRCH: i32 = 3;

/// Whether a read error means the process is gone: its `/proc/PID` entry vanished (`ENOENT`)
/// or the kernel no longer finds the task (`ESRCH`).
fn is_gone_error(err: &ProbeError) -> bool {
    err.is_not_found()
        || matches!(err, ProbeError::Io { source, .. } if source.raw_os_error() == Some(ESRCH))
}

/// Whether the process in `/proc/<dir>` has exited: its directory is gone, or it is a zombie
/// (`State: Z`) or dead (`State: X`) whose per-task files read empty. Used after a failed or
/// empty read to tell a process that ended mid-audit from a real probe error.
pub fn has_exited(root: &SystemRoot, dir: &str) -> bool {
    match root.read(&format!("/proc/{dir}/status")) {
        Ok(text) => {
            text.is_empty()
                || text.lines().any(|line| {
                    line.strip_prefix("State:")
                        .map(str::trim_start)
                        .is_some_and(|state| state.starts_with('Z') || state.starts_with('X'))
                })
        }
        Err(err) => is_gone_error(&err),
    }
}

/// What reading one process's file gave, with "the process ended meanwhile" kept apart from
/// errors: a process that exits between listing `/proc` and reading its files is skipped and
/// counted, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe<T> {
    /// The value.
    Read(T),
    /// The process exited (or became a zombie) before its file could be read.
    Vanished,
    /// The OS refused the read (an unprivileged run).
    Denied,
    /// The file could not be read or parsed although the process lives; the message names the
    /// path and the reason.
    Failed(String),
}

impl<T> Probe<T> {
    /// Reads `/proc/<dir>/<file>` under `root` and parses it with `parse`, classifying failures.
    pub fn read(
        root: &SystemRoot,
        dir: &str,
        file: &str,
        parse: impl FnOnce(&str, &str) -> Result<T, ProbeError>,
    ) -> Probe<T> {
        let path = format!("/proc/{dir}/{file}");
        let result = root.read(&path).and_then(|text| parse(&path, &text));
        match result {
            Ok(value) => Probe::Read(value),
            Err(err) if is_gone_error(&err) => Probe::Vanished,
            Err(err) if err.is_denied() => Probe::Denied,
            // A zombie's per-task files read empty and fail to parse: that is an exit too.
            Err(_) if has_exited(root, dir) => Probe::Vanished,
            Err(err) => Probe::Failed(err.to_string()),
        }
    }
}

/// The numeric directories of `/proc` (live PIDs), ascending.
pub fn pids(root: &SystemRoot) -> Result<Vec<u32>, ProbeError> {
    let mut pids: Vec<u32> = root
        .list("/proc")?
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tpython3\nUmask:\t0022\nState:\tS\nPid:\t42\nPPid:\t7\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n";

    #[test]
    fn parses_status_fields() {
        let status = Status::parse(0, "/proc/42/status", STATUS).unwrap();
        assert_eq!(status.pid, 42);
        assert_eq!(status.ppid, 7);
        assert_eq!(status.umask, Some(0o022));
        assert_eq!(status.uids, [1000; 4]);
        assert!(!status.any_root_uid());
    }

    #[test]
    fn rejects_bad_status() {
        assert!(Status::parse(0, "p", "Name:\tx\n").is_err());
        assert!(Status::parse(0, "p", "Uid:\t1\t2\n").is_err());
        assert!(Status::parse(0, "p", "Uid:\t1\t2\t3\t4\nCapEff:\tzz\n").is_err());
    }

    #[test]
    fn parses_core_limits() {
        let text = "Limit  Soft Limit  Hard Limit  Units\nMax core file size        0                    unlimited            bytes\n";
        let limit = CoreLimit::parse("l", text).unwrap();
        assert_eq!(limit.soft, Limit::Bytes(0));
        assert_eq!(limit.hard, Limit::Unlimited);
        assert!(CoreLimit::parse("l", "Max core file size  x  y").is_err());
        assert!(CoreLimit::parse("l", "").is_err());
    }

    #[test]
    fn recognises_training_commands() {
        let make = |args: &[&str]| Process {
            dir: "1".into(),
            status: Status::parse(1, "p", STATUS).unwrap(),
            cmdline: args.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert!(make(&["/usr/bin/python3.11", "train.py"]).is_training());
        assert!(make(&["/usr/local/bin/torchrun", "--nproc-per-node", "8"]).is_training());
        assert!(make(&["/bin/env", "torch_npu_run", "x"]).is_training());
        assert!(!make(&["/usr/sbin/sshd", "-D"]).is_training());
        assert!(!make(&[]).is_training());
    }
}
