//! One path as the walk saw it (from `fstatat(AT_SYMLINK_NOFOLLOW)`, never following a link),
//! and the facts about the running user the checks compare it with.
use rustix::fs::FileType;
use std::path::PathBuf;

/// A path and its metadata.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute path.
    pub path: PathBuf,
    /// File type (symlinks are never followed).
    pub file_type: FileType,
    /// Permission bits including setuid, setgid and sticky (`st_mode & 07777`).
    pub mode: u32,
    /// Owner UID.
    pub uid: u32,
    /// Hard link count.
    pub nlink: u64,
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
}

impl Entry {
    /// Whether it is a regular file or a directory (the only types the table covers).
    pub fn is_file_or_dir(&self) -> bool {
        matches!(self.file_type, FileType::RegularFile | FileType::Directory)
    }

    /// The path for findings (lossy for non-UTF-8 names).
    pub fn display(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The path quoted for a POSIX shell, exact even for hostile or non-UTF-8 names, for the
    /// fix commands a user pastes.
    pub fn quoted(&self) -> String {
        tw_diagnostics::shell_quote_path(&self.path)
    }
}

/// Who runs the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    /// Effective UID.
    pub euid: u32,
}

impl User {
    /// The running process's user.
    pub fn current() -> User {
        User {
            euid: rustix::process::geteuid().as_raw(),
        }
    }

    /// Whether `uid` is foreign: neither this user nor root (statement §4, `torch_npu` path
    /// checks warn when the owner is not the current user).
    pub fn is_foreign(self, uid: u32) -> bool {
        uid != self.euid && uid != 0
    }
}

/// Octal as people write modes (`0640`).
pub fn octal(mode: u32) -> String {
    format!("{mode:04o}")
}
