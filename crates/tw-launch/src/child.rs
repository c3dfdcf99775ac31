//! Starting the training command so it never outlives its protection: its own process group
//! (so signals reach the whole job), a parent-death signal (SIGKILL when torchward dies, even
//! by SIGKILL, so training cannot keep running after an owner table vanished), umask 0027
//! (statement §4), and optionally another user (statement §3: not root). The only `unsafe` in
//! torchward's launcher is the `pre_exec` hook that sets the death signal and umask.
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

/// The umask the command runs with (statement §4: files 640, directories 750).
pub const CHILD_UMASK: u32 = 0o027;

/// A user to run the command as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    /// User ID.
    pub uid: u32,
    /// Primary group ID.
    pub gid: u32,
}

/// `--user` could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown user `{name}` (not a number and not in {passwd})")]
pub struct UnknownUser {
    /// The name given.
    pub name: String,
    /// The passwd file searched.
    pub passwd: String,
}

/// Resolves `NAME`, `UID` or `UID:GID` through `passwd` (normally `/etc/passwd`).
pub fn resolve_user(name: &str, passwd: &Path) -> Result<RunAs, UnknownUser> {
    let unknown = || UnknownUser {
        name: name.to_owned(),
        passwd: passwd.display().to_string(),
    };
    if let Some((uid, gid)) = name.split_once(':') {
        return match (uid.parse(), gid.parse()) {
            (Ok(uid), Ok(gid)) => Ok(RunAs { uid, gid }),
            _ => Err(unknown()),
        };
    }
    let text = tw_fs::read_to_string_bounded(passwd, 16 * 1024 * 1024).unwrap_or_default();
    let numeric: Option<u32> = name.parse().ok();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let (Some(user), Some(uid), Some(gid)) = (fields.first(), fields.get(2), fields.get(3))
        else {
            continue;
        };
        let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
            continue;
        };
        if *user == name || numeric == Some(uid) {
            return Ok(RunAs { uid, gid });
        }
    }
    // A bare number not in passwd: use it as both UID and GID.
    numeric
        .map(|id| RunAs { uid: id, gid: id })
        .ok_or_else(unknown)
}

/// Spawns `command` (program and arguments) hardened as described in the module doc.
pub fn spawn(command: &[OsString], run_as: Option<RunAs>) -> std::io::Result<Child> {
    let Some((program, args)) = command.split_first() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no command given",
        ));
    };
    let mut cmd = Command::new(program);
    cmd.args(args).process_group(0);
    if let Some(user) = run_as {
        // std sets the GID, drops supplementary groups (when root), then the UID, before the
        // pre_exec hook below runs, so the death signal is set after the credential change
        // (which would otherwise clear it, prctl(2)).
        cmd.gid(user.gid).uid(user.uid);
    }
    let parent = rustix::process::getpid();
    hardening(&mut cmd, parent);
    cmd.spawn()
}

#[allow(unsafe_code)]
fn hardening(cmd: &mut Command, parent: rustix::process::Pid) {
    // SAFETY: the closure runs in the forked child before exec and only makes raw system calls
    // (prctl, getppid, umask) through rustix, which are async-signal-safe: no allocation, no
    // locks, nothing shared with the parent's threads.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
            // The parent may have died between fork and prctl: then no signal will come.
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::Error::other(
                    "torchward exited before the command started",
                ));
            }
            rustix::process::umask(rustix::fs::Mode::from_raw_mode(CHILD_UMASK));
            Ok(())
        });
    }
}

/// Exit code for a finished child: its code, or 128 + N when killed by signal N (shell
/// convention).
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve_by_name_number_and_pair() {
        let dir = tempfile::tempdir().unwrap();
        let passwd = dir.path().join("passwd");
        std::fs::write(
            &passwd,
            "root:x:0:0::/root:/bin/sh\ntrainer:x:1001:1002::/home/t:/bin/sh\nbroken\n",
        )
        .unwrap();
        assert_eq!(
            resolve_user("trainer", &passwd),
            Ok(RunAs {
                uid: 1001,
                gid: 1002
            })
        );
        assert_eq!(
            resolve_user("1001", &passwd),
            Ok(RunAs {
                uid: 1001,
                gid: 1002
            })
        );
        assert_eq!(resolve_user("5:6", &passwd), Ok(RunAs { uid: 5, gid: 6 }));
        assert_eq!(
            resolve_user("4242", &passwd),
            Ok(RunAs {
                uid: 4242,
                gid: 4242
            })
        );
        assert!(resolve_user("nobody-here", &passwd).is_err());
    }

    #[test]
    fn child_leads_its_own_process_group_and_signals_map_to_128_plus_n() {
        // Field 5 of /proc/PID/stat is the process group: equal to the PID for a group leader.
        let cmd: Vec<OsString> = [
            "sh",
            "-c",
            "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ && exit 3",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(exit_code(spawn(&cmd, None).unwrap().wait().unwrap()), 3);
        let killed: Vec<OsString> = ["sh", "-c", "kill -TERM $$"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(
            exit_code(spawn(&killed, None).unwrap().wait().unwrap()),
            143
        );
        assert!(spawn(&[], None).is_err());
    }

    #[test]
    fn child_umask_is_0027() {
        let cmd: Vec<OsString> = ["sh", "-c", "test \"$(umask)\" = 0027"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(exit_code(spawn(&cmd, None).unwrap().wait().unwrap()), 0);
    }
}
