//! The checks `torchward run` makes before it touches anything (statement §2, §3, §4, §11):
//! not root unless allowed (or dropping to `--user`), full ASLR, enough free disk under the
//! output directory and free memory, training ports not already taken. Each problem names
//! its check so it can be skipped on purpose (`--skip-check`); any remaining problem stops the
//! launch before the firewall is applied, so nothing is left behind.
use crate::socket;
use std::path::{Path, PathBuf};
use tw_firewall::PortRange;

/// A preflight check, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// Refuse to run the command as root (statement §3).
    Root,
    /// `kernel.randomize_va_space` must be 2 (statement §2).
    Aslr,
    /// Free disk under the output directory.
    Disk,
    /// Free memory (`MemAvailable`).
    Memory,
    /// Training ports not already listening.
    Ports,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 5] = [
        Check::Root,
        Check::Aslr,
        Check::Disk,
        Check::Memory,
        Check::Ports,
    ];

    /// The name used by `--skip-check`.
    pub fn name(self) -> &'static str {
        match self {
            Check::Root => "root",
            Check::Aslr => "aslr",
            Check::Disk => "disk",
            Check::Memory => "memory",
            Check::Ports => "ports",
        }
    }

    /// Parses a `--skip-check` name.
    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Which check.
    pub check: Check,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What the preflight looks at.
#[derive(Debug, Clone)]
pub struct Preflight {
    /// `/proc` (tests pass a fake one).
    pub proc_root: PathBuf,
    /// Effective UID of torchward.
    pub euid: u32,
    /// UID the command will run as (after `--user`).
    pub child_uid: u32,
    /// Whether root is allowed (`--allow-root`).
    pub allow_root: bool,
    /// Directory whose file system must have `min_free_disk` bytes free.
    pub output_dir: PathBuf,
    /// Minimum free disk in bytes (0: not checked).
    pub min_free_disk: u64,
    /// Minimum available memory in bytes (0: not checked).
    pub min_free_memory: u64,
    /// Ports that must not be taken yet.
    pub ports: Vec<PortRange>,
    /// Checks skipped on purpose.
    pub skip: Vec<Check>,
}

/// Bytes available to unprivileged users on the file system holding `dir`.
pub fn free_disk(dir: &Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(dir)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// `MemAvailable` from `meminfo` text, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Human-readable bytes (`1.5 GiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)] // Display only.
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("B"))
}

impl Preflight {
    /// Runs every check not skipped; returns the problems (empty: go).
    pub fn run(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut fail = |check: Check, message: String| {
            if !self.skip.contains(&check) {
                problems.push(Problem { check, message });
            }
        };
        if self.child_uid == 0 && !self.allow_root {
            fail(
                Check::Root,
                "refusing to run the command as root (statement §3): pass --user NAME to drop privileges, or --allow-root".to_owned(),
            );
        }
        let aslr =
            tw_fs::read_to_string_bounded(self.proc_root.join("sys/kernel/randomize_va_space"), 64);
        match aslr.as_deref().map(str::trim) {
            Ok("2") => {}
            Ok(value) => fail(
                Check::Aslr,
                format!("kernel.randomize_va_space is {value}, not 2 (statement §2): sysctl -w kernel.randomize_va_space=2"),
            ),
            Err(err) => fail(Check::Aslr, format!("cannot read ASLR setting: {err}")),
        }
        if self.min_free_disk > 0 {
            match free_disk(&self.output_dir) {
                Ok(free) if free < self.min_free_disk => fail(
                    Check::Disk,
                    format!(
                        "only {} free under {} (--min-free-disk {})",
                        human(free),
                        self.output_dir.display(),
                        human(self.min_free_disk)
                    ),
                ),
                Ok(_) => {}
                Err(err) => fail(
                    Check::Disk,
                    format!("cannot stat {}: {err}", self.output_dir.display()),
                ),
            }
        }
        if self.min_free_memory > 0 {
            let meminfo =
                tw_fs::read_to_string_bounded(self.proc_root.join("meminfo"), 1024 * 1024);
            match meminfo.ok().as_deref().and_then(mem_available) {
                Some(free) if free < self.min_free_memory => fail(
                    Check::Memory,
                    format!(
                        "only {} memory available (--min-free-memory {})",
                        human(free),
                        human(self.min_free_memory)
                    ),
                ),
                Some(_) => {}
                None => fail(
                    Check::Memory,
                    "cannot read MemAvailable from /proc/meminfo".to_owned(),
                ),
            }
        }
        let taken: Vec<u16> = socket::listeners(&self.proc_root, None)
            .into_iter()
            .map(|l| l.port)
            .filter(|port| self.ports.iter().any(|r| r.contains(*port)))
            .collect::<std::collections::BTreeSet<u16>>()
            .into_iter()
            .collect();
        if !taken.is_empty() {
            let list: Vec<String> = taken.iter().map(ToString::to_string).collect();
            fail(
                Check::Ports,
                format!(
                    "training port(s) {} already in use by another process",
                    list.join(", ")
                ),
            );
        }
        problems
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fake_proc(aslr: &str, mem_kib: u64, listen_port: Option<u16>) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("sys/kernel")).unwrap();
        std::fs::create_dir_all(root.path().join("net")).unwrap();
        std::fs::write(root.path().join("sys/kernel/randomize_va_space"), aslr).unwrap();
        std::fs::write(
            root.path().join("meminfo"),
            format!("MemTotal: 1 kB\nMemAvailable: {mem_kib} kB\n"),
        )
        .unwrap();
        let row = listen_port.map(|port| {
            format!("   0: 00000000:{port:04X} 00000000:0000 0A 0:0 0:0 0 0 0 777 1\n")
        });
        let tcp = format!(
            "  sl  local_address rem_address   st\n{}",
            row.unwrap_or_default()
        );
        std::fs::write(root.path().join("net/tcp"), tcp).unwrap();
        root
    }

    fn preflight(root: &Path) -> Preflight {
        Preflight {
            proc_root: root.to_owned(),
            euid: 0,
            child_uid: 1000,
            allow_root: false,
            output_dir: root.to_owned(),
            min_free_disk: 1,
            min_free_memory: 1024 * 1024,
            ports: vec![PortRange::single(29510)],
            skip: vec![],
        }
    }

    fn checks(problems: &[Problem]) -> Vec<&'static str> {
        problems.iter().map(|p| p.check.name()).collect()
    }

    #[test]
    fn clean_host_passes() {
        let root = fake_proc("2\n", 4096, None);
        assert!(preflight(root.path()).run().is_empty());
    }

    #[test]
    fn each_problem_is_reported_and_can_be_skipped() {
        let root = fake_proc("1\n", 16, Some(29510));
        let mut pre = preflight(root.path());
        pre.child_uid = 0;
        pre.min_free_disk = u64::MAX;
        assert_eq!(
            checks(&pre.run()),
            ["root", "aslr", "disk", "memory", "ports"]
        );
        pre.skip = vec![Check::Aslr, Check::Ports];
        pre.allow_root = true;
        assert_eq!(checks(&pre.run()), ["disk", "memory"]);
    }

    #[test]
    fn names_round_trip_and_bytes_print() {
        for check in Check::ALL {
            assert_eq!(Check::from_name(check.name()), Some(check));
        }
        assert_eq!(human(1536 * 1024 * 1024), "1.5 GiB");
        assert_eq!(
            mem_available("MemAvailable:   2048 kB\n"),
            Some(2 * 1024 * 1024)
        );
    }
}
