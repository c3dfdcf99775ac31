//! Race-free permission changes: the path is opened once with `O_PATH | O_NOFOLLOW`, the mode
//! is read with `fstat` on that descriptor and changed through it (`fchmod` on a re-opened
//! descriptor checked to be the same inode, or the descriptor's `/proc/self/fd` link), so a
//! symlink is refused, a device is never opened, and a path swapped between the check and the
//! change cannot redirect the change elsewhere.
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
    // O_PATH opens the name itself, never its content: no device is opened, no FIFO blocks,
    // and with O_NOFOLLOW a final symlink is opened as the link, which fstat then shows.
    let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let path_fd = rustix::fs::open(path, flags, Mode::empty())
        .map_err(|errno| Error::io(Op::Open, path, errno.into()))?;
    let stat = fstat(path, &path_fd)?;
    let file_type = FileType::from_raw_mode(stat.st_mode);
    if file_type == FileType::Symlink {
        return Err(Error::Symlink {
            path: path.to_path_buf(),
        });
    }
    let before = stat.st_mode & PERMISSION_BITS;
    let after = new_mode(before) & PERMISSION_BITS;
    if after == before {
        return Ok(ModeChange { before, after });
    }
    let mode = Mode::from_raw_mode(after);
    let readable = matches!(file_type, FileType::RegularFile | FileType::Directory);
    // Regular files and directories: fchmod on a real descriptor to the same inode. Anything
    // else (devices, FIFOs, sockets), or a file we may not open for reading, is changed
    // through the O_PATH descriptor's /proc magic link, which names the very inode we opened,
    // so it is as race-free as fchmod without ever opening a device.
    let changed = match readable
        .then(|| reopen_same_inode(path, &stat))
        .transpose()?
    {
        Some(Some(fd)) => rustix::fs::fchmod(&fd, mode),
        _ => rustix::fs::chmod(
            format!("/proc/self/fd/{}", path_fd.as_raw_fd()).as_str(),
            mode,
        ),
    };
    changed.map_err(|errno| Error::io(Op::Chmod, path, errno.into()))?;
    Ok(ModeChange { before, after })
}

fn fstat(path: &Path, fd: &OwnedFd) -> Result<rustix::fs::Stat> {
    rustix::fs::fstat(fd).map_err(|errno| Error::io(Op::Stat, path, errno.into()))
}

/// Opens a regular file or directory read-only, without following a symlink, and checks it
/// is the inode `expected` describes (the name was not swapped since). `None` when we may not
/// read it (`EACCES`), so the caller falls back to the `O_PATH` descriptor.
fn reopen_same_inode(path: &Path, expected: &rustix::fs::Stat) -> Result<Option<OwnedFd>> {
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::ACCESS) => return Ok(None),
        Err(Errno::LOOP) => {
            return Err(Error::Symlink {
                path: path.to_path_buf(),
            })
        }
        Err(errno) => return Err(Error::io(Op::Open, path, errno.into())),
    };
    let stat = fstat(path, &fd)?;
    if (stat.st_dev, stat.st_ino) != (expected.st_dev, expected.st_ino) {
        return Err(Error::io(
            Op::Open,
            path,
            std::io::Error::other("the path was replaced while its mode was being changed"),
        ));
    }
    Ok(Some(fd))
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
    fn changes_a_fifo_without_opening_it() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            FileType::Fifo,
            Mode::from_raw_mode(0o666),
            0,
        )
        .map_err(|errno| Error::io(Op::Open, &fifo, errno.into()))?;
        // Opening a FIFO for reading would block with no writer; O_PATH never opens it.
        set_mode(&fifo, 0o666)?;
        assert_eq!(remove_mode_bits(&fifo, 0o027)?.after, 0o640);
        assert_eq!(mode_of(&fifo), 0o640);
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
