//! Running processes as `/proc` shows them (proc(5)): the executable link, the command line,
//! the environment block and the root directory link. A process that exits while it is read
//! is counted as vanished; one whose files are closed to us (another user's, when not root)
//! is counted as hidden; neither is an error.
use crate::error::EnvError;
use crate::root::Root;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Largest environment block read (Linux caps argv + envp at a quarter of the stack limit;
/// 4 MiB covers the default 8 MiB stack).
pub const ENVIRON_LIMIT: u64 = 4 * 1024 * 1024;

/// What one process shows.
#[derive(Debug, Clone)]
pub struct Process {
    /// The PID.
    pub pid: u32,
    /// The command line, arguments joined by spaces, cut at 200 characters.
    pub command: String,
    /// `argv[0]`.
    pub argv0: Option<String>,
    /// The executable as the kernel resolved it (`/proc/PID/exe`), ` (deleted)` removed.
    pub exe: Option<PathBuf>,
    /// The current directory (for a relative `argv[0]`).
    pub cwd: Option<PathBuf>,
    /// The environment block (NUL-separated `KEY=VALUE`).
    pub environ: Vec<u8>,
    /// Whether `/proc/PID/root` is another directory than the audit's root (a container):
    /// the process's paths are then read under it.
    pub foreign_root: bool,
}

impl Process {
    /// Whether the executable is a Python interpreter (`python`, `python3.11`, `pypy3`).
    pub fn is_python(&self) -> bool {
        self.exe
            .as_deref()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .is_some_and(|name| name.starts_with("python") || name.starts_with("pypy"))
    }

    /// The interpreter as it was invoked, then the resolved executable: a venv's `bin/python`
    /// is a link to the base interpreter, so only the invoked path finds the venv's
    /// `pyvenv.cfg`. `argv[0]` is made absolute as `CPython` does it: against the working
    /// directory when it names a path, else by searching the process's own `PATH` (an
    /// activated venv runs as plain `python`).
    pub fn executables(&self, root: &Root) -> Vec<PathBuf> {
        let mut out = Vec::new();
        match self.argv0.as_deref() {
            Some(argv0) if argv0.starts_with('/') => out.push(PathBuf::from(argv0)),
            Some(argv0) if argv0.contains('/') => {
                out.extend(self.cwd.as_ref().map(|cwd| cwd.join(argv0)));
            }
            Some(argv0) if !argv0.is_empty() => {
                let path_var =
                    crate::flag::environ_value(&self.environ, "PATH").unwrap_or_default();
                out.extend(
                    path_var
                        .split(':')
                        .filter(|dir| dir.starts_with('/'))
                        .map(|dir| Path::new(dir).join(argv0))
                        .find(|candidate| root.is_file(candidate)),
                );
            }
            _ => {}
        }
        out.extend(self.exe.clone());
        out
    }
}

/// The result of reading `/proc`.
#[derive(Debug, Default)]
pub struct Processes {
    /// Every process read.
    pub list: Vec<Process>,
    /// Processes that exited while being read.
    pub vanished: u64,
    /// Processes whose files we may not read.
    pub hidden: u64,
}

/// One failed read: gone, hidden, or (for a field that simply does not exist) nothing.
enum Miss {
    Vanished,
    Hidden,
}

fn classify(root: &Root, pid: u32, err: &EnvError) -> Option<Miss> {
    if err.is_denied() {
        return Some(Miss::Hidden);
    }
    // Gone if its /proc directory is gone; a kernel thread has no exe and stays.
    if root
        .stat(Path::new(&format!("/proc/{pid}")))
        .ok()
        .flatten()
        .is_none()
    {
        return Some(Miss::Vanished);
    }
    None
}

fn read_one(root: &Root, pid: u32) -> Result<Option<Process>, Miss> {
    let at = |file: &str| PathBuf::from(format!("/proc/{pid}/{file}"));
    let environ = match root.read(&at("environ"), ENVIRON_LIMIT) {
        Ok(bytes) => bytes,
        // A kernel thread has no memory to read an environment from (ESRCH while its /proc
        // directory stays): nothing to audit.
        Err(err) => return classify(root, pid, &err).map_or(Ok(None), Err),
    };
    let exe = match root.read_link(&at("exe")) {
        Ok(target) => {
            let text = target.to_string_lossy();
            Some(PathBuf::from(
                text.strip_suffix(" (deleted)").unwrap_or(&text),
            ))
        }
        Err(err) => match classify(root, pid, &err) {
            Some(miss) => return Err(miss),
            None => None,
        },
    };
    let cmdline = match root.read(&at("cmdline"), ENVIRON_LIMIT) {
        Ok(bytes) => bytes,
        Err(err) => match classify(root, pid, &err) {
            Some(miss) => return Err(miss),
            None => Vec::new(),
        },
    };
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let mut command = args.join(" ");
    if command.chars().count() > 200 {
        command = command.chars().take(200).collect::<String>() + "...";
    }
    let cwd = root.read_link(&at("cwd")).ok();
    // The kernel follows the magic link itself: a containerised process's root is another
    // directory (device and inode) than ours, whatever its link text says.
    let same = |a: &Path, b: &Path| match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => true,
    };
    let foreign_root = !same(&root.host_path(&at("root")), root.base());
    Ok(Some(Process {
        pid,
        command,
        argv0: args.first().cloned(),
        exe,
        cwd,
        environ,
        foreign_root,
    }))
}

/// Reads every process under `root`'s `/proc`. Only a missing or unlistable `/proc` is an
/// error.
pub fn read_all(root: &Root) -> Result<Processes, EnvError> {
    let mut out = Processes::default();
    let mut pids: Vec<u32> = root
        .list(Path::new("/proc"))?
        .unwrap_or_default()
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    pids.sort_unstable();
    let me = std::process::id();
    for pid in pids {
        if root.is_real() && pid == me {
            continue;
        }
        match read_one(root, pid) {
            Ok(Some(process)) => out.list.push(process),
            Ok(None) => {}
            Err(Miss::Vanished) => out.vanished += 1,
            Err(Miss::Hidden) => out.hidden += 1,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn reads_fake_processes() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("proc/42")).unwrap();
        std::fs::create_dir_all(base.join("proc/43")).unwrap();
        std::fs::write(base.join("proc/42/environ"), "A=1\0").unwrap();
        std::fs::write(base.join("proc/42/cmdline"), "venv/bin/python\0train.py\0").unwrap();
        symlink("/usr/bin/python3.11 (deleted)", base.join("proc/42/exe")).unwrap();
        symlink("/srv", base.join("proc/42/cwd")).unwrap();
        // 43: a process without an exe link; 44: a kernel thread (environ unreadable while
        // its directory stays).
        std::fs::write(base.join("proc/43/environ"), "").unwrap();
        std::fs::create_dir_all(base.join("proc/44")).unwrap();
        let all = read_all(&Root::new(base)).unwrap();
        assert_eq!(all.list.len(), 2);
        let p = &all.list[0];
        assert!(p.is_python() && !all.list[1].is_python());
        assert_eq!(p.command, "venv/bin/python train.py");
        let root = Root::new(base);
        assert_eq!(
            p.executables(&root),
            [
                PathBuf::from("/srv/venv/bin/python"),
                PathBuf::from("/usr/bin/python3.11")
            ]
        );
        // A bare `python` is looked up on the process's PATH, as CPython does.
        std::fs::create_dir_all(base.join("opt/venv/bin")).unwrap();
        std::fs::write(base.join("opt/venv/bin/python"), "").unwrap();
        let bare = Process {
            argv0: Some("python".into()),
            environ: b"PATH=relative:/nope:/opt/venv/bin:/usr/bin\0".to_vec(),
            ..p.clone()
        };
        assert_eq!(
            bare.executables(&root),
            [
                PathBuf::from("/opt/venv/bin/python"),
                PathBuf::from("/usr/bin/python3.11")
            ]
        );
        assert_eq!((all.vanished, all.hidden), (0, 0));
    }
}
