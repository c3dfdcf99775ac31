//! Race-free permission changes: the path is opened once with `O_NOFOLLOW`, the mode is read
//! with `fstat` and changed with `fchmod` on that same descriptor, so a symlink is refused and
//! a path swapped between the check and the change cannot redirect the change elsewhere.
use crate::error::{Error, Op, Result};
use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

/// Permission bits (`S_IRWXU | S_IRWXG | S_IRWXO | S_ISUID | S_ISGID | S_ISVTX`).
const PERMISSION_BITS: u32 = 0o7777;

/// The permission bits of a path before and after a change (equal when nothing changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeChange {
    /// Bits before.
    pub before: u32,
    /// Bits after.
    pub after: u32,
}

impl ModeChange {
    /// Whether the mode actually changed.
    pub fn changed(self) -> bool {
        self.before != self.after
    }
}

/// Sets the permission bits of `path` to `mode` (masked to 0o7777), refusing symlinks.
pub fn set_mode(path: impl AsRef<Path>, mode: u32) -> Result<ModeChange> {
    change_mode(path.as_ref(), |_| mode & PERMISSION_BITS)
}

/// Clears `bits` from the permission bits of `path`, refusing symlinks. It can only remove
/// bits, never add any; when none of `bits` is set nothing is written.
pub fn remove_mode_bits(path: impl AsRef<Path>, bits: u32) -> Result<ModeChange> {
    change_mode(path.as_ref(), |before| before & !bits)
}

fn change_mode(path: &Path, new_mode: impl FnOnce(u32) -> u32) -> Result<ModeChange> {
    let (fd, via_path_fd) = open_nofollow(path)?;
    let stat = rustix::fs::fstat(&fd).map_err(|errno| Error::io(Op::Stat, path, errno.into()))?;
    if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink {
        return Err(Error::Symlink {
            path: path.to_path_buf(),
        });
    }
    let before = stat.st_mode & PERMISSION_BITS;
    let after = new_mode(before) & PERMISSION_BITS;
    if after != before {
        let mode = Mode::from_raw_mode(after);
        let changed = if via_path_fd {
            // An O_PATH descriptor cannot be fchmod'ed; its /proc magic link names the very
            // inode we opened, so chmod through it is as race-free as fchmod.
            rustix::fs::chmod(format!("/proc/self/fd/{}", fd.as_raw_fd()).as_str(), mode)
        } else {
            rustix::fs::fchmod(&fd, mode)
        };
        changed.map_err(|errno| Error::io(Op::Chmod, path, errno.into()))?;
    }
    Ok(ModeChange { before, after })
}

/// Opens `path` without following a final symlink. A normal read-only open is tried first;
/// a file we may not read (mode 0000, or a directory without `r`) is opened with `O_PATH`.
/// `O_NONBLOCK` keeps a FIFO from blocking the open. Returns whether `O_PATH` was used.
fn open_nofollow(path: &Path) -> Result<(OwnedFd, bool)> {
    let base = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
    match rustix::fs::open(
        path,
        base | OFlags::RDONLY | OFlags::NONBLOCK,
        Mode::empty(),
    ) {
        Ok(fd) => Ok((fd, false)),
        Err(Errno::LOOP) => Err(Error::Symlink {
            path: path.to_path_buf(),
        }),
        Err(Errno::ACCESS) => rustix::fs::open(path, base | OFlags::PATH, Mode::empty())
            .map(|fd| (fd, true))
            .map_err(|errno| Error::io(Op::Open, path, errno.into())),
        Err(errno) => Err(Error::io(Op::Open, path, errno.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(path: &Path) -> u32 {
        fs::symlink_metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
    }

    #[test]
    fn removes_only_the_given_bits_and_is_idempotent() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        fs::write(&file, "x").map_err(|e| Error::io(Op::Write, &file, e))?;
        set_mode(&file, 0o666)?;
        let change = remove_mode_bits(&file, 0o027)?;
        assert_eq!((change.before, change.after), (0o666, 0o640));
        assert_eq!(mode_of(&file), 0o640);
        let again = remove_mode_bits(&file, 0o027)?;
        assert!(!again.changed());
        Ok(())
    }

    #[test]
    fn refuses_symlinks_and_leaves_the_target_alone() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let target = dir.path().join("target");
        let link = dir.path().join("link");
        fs::write(&target, "x").map_err(|e| Error::io(Op::Write, &target, e))?;
        set_mode(&target, 0o644)?;
        std::os::unix::fs::symlink(&target, &link).map_err(|e| Error::io(Op::Write, &link, e))?;
        assert!(
            matches!(set_mode(&link, 0o600), Err(Error::Symlink { ref path }) if path == &link)
        );
        assert_eq!(mode_of(&target), 0o644);
        Ok(())
    }

    #[test]
    fn changes_a_file_the_caller_cannot_read() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("locked");
        fs::write(&file, "x").map_err(|e| Error::io(Op::Write, &file, e))?;
        set_mode(&file, 0o000)?;
        assert_eq!(set_mode(&file, 0o600)?.after, 0o600);
        assert_eq!(mode_of(&file), 0o600);
        Ok(())
    }

    #[test]
    fn missing_path_is_named_in_the_error() {
        let err = set_mode("/nonexistent/tw-fs-chmod", 0o600);
        assert!(
            matches!(err, Err(Error::Io { op: Op::Open, ref path, .. }) if path == Path::new("/nonexistent/tw-fs-chmod"))
        );
    }
}
