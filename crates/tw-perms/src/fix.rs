//! `--fix` and `--undo`: race-free mode changes that only ever remove bits (`new = old &
//! allowed`), and the journal that undoes them. Each path is opened with `openat2(O_PATH,
//! RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)`, its identity (device, inode) and type are
//! checked against the audit, world-writable, foreign-owned and hard-linked files are refused,
//! and the mode is changed through `/proc/self/fd/N` of that very descriptor (an `O_PATH` fd
//! cannot be `fchmod`'ed; host-hardening.md b7 step 4), only after `/proc` is verified to be
//! procfs. There is no path-based fallback. The journal is written (atomically, via tw-fs)
//! before the first change, so an interrupted fix can still be undone.
use crate::entry::{octal, User};
use crate::error::PermsError;
use crate::walk::Candidate;
use rustix::fs::{FileType, Mode, OFlags, ResolveFlags, CWD};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// `PROC_SUPER_MAGIC` (statfs(2)).
const PROC_SUPER_MAGIC: u64 = 0x9fa0;
/// The journal format version.
pub const JOURNAL_VERSION: u32 = 1;
/// Largest journal `--undo` reads.
const JOURNAL_LIMIT: u64 = 256 * 1024 * 1024;

/// One mode change, as journalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Absolute path.
    pub path: PathBuf,
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Mode before (07777).
    pub old_mode: u32,
    /// Mode after.
    pub new_mode: u32,
}

/// The undo journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// [`JOURNAL_VERSION`].
    pub version: u32,
    /// Always `torchward audit perms --fix`.
    pub tool: String,
    /// The changes, in the order they were applied.
    pub changes: Vec<Change>,
}

/// What happened to one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The mode was changed.
    Changed(Change),
    /// Nothing to do (already within the allowed mode, or already restored).
    Unchanged {
        /// The path.
        path: PathBuf,
    },
    /// Refused, with the reason; the path was not touched.
    Refused {
        /// The path.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Changed(change) => write!(
                f,
                "{}: {} -> {}",
                change.path.display(),
                octal(change.old_mode),
                octal(change.new_mode)
            ),
            Outcome::Unchanged { path } => write!(f, "{}: unchanged", path.display()),
            Outcome::Refused { path, why } => write!(f, "{}: refused: {why}", path.display()),
        }
    }
}

/// Opens `path` as an `O_PATH` descriptor without following any symlink.
fn open_path(path: &Path) -> Result<OwnedFd, String> {
    rustix::fs::openat2(
        CWD,
        path,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
    .map_err(|errno| {
        if errno == rustix::io::Errno::LOOP {
            "a symlink is in the path (never followed)".to_owned()
        } else {
            format!("cannot open: {errno}")
        }
    })
}

/// Verifies once that `/proc` is procfs, so `/proc/self/fd/N` names our own descriptors.
fn check_procfs() -> Result<(), PermsError> {
    let fd = rustix::fs::open(
        "/proc/self/fd",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|errno| PermsError::io("/proc/self/fd", errno))?;
    let stat = rustix::fs::fstatfs(&fd).map_err(|errno| PermsError::io("/proc/self/fd", errno))?;
    #[allow(clippy::useless_conversion)] // f_type's width differs between targets
    let fs_type = u64::try_from(stat.f_type).unwrap_or(0);
    if fs_type != PROC_SUPER_MAGIC {
        return Err(PermsError::NoProcfs { fs_type });
    }
    Ok(())
}

/// Checks the descriptor against the expected identity and the refusal rules; returns the
/// current mode.
fn vet(fd: &OwnedFd, dev: u64, ino: u64, user: User, refuse_risky: bool) -> Result<u32, String> {
    let stat = rustix::fs::fstat(fd).map_err(|errno| format!("cannot stat: {errno}"))?;
    let file_type = FileType::from_raw_mode(stat.st_mode);
    if file_type == FileType::Symlink {
        return Err("replaced by a symlink since the audit (never followed)".to_owned());
    }
    if !matches!(file_type, FileType::RegularFile | FileType::Directory) {
        return Err("not a regular file or directory".to_owned());
    }
    if stat.st_dev != dev || stat.st_ino != ino {
        return Err("replaced since the audit (device/inode differ)".to_owned());
    }
    let mode = stat.st_mode & 0o7777;
    if refuse_risky {
        if mode & 0o002 != 0 {
            return Err(
                "world-writable: integrity unknown, fix by hand after checking it".to_owned(),
            );
        }
        if user.is_foreign(stat.st_uid) {
            return Err(format!(
                "owned by UID {}, not by UID {} or root",
                stat.st_uid, user.euid
            ));
        }
        if file_type == FileType::RegularFile && stat.st_nlink > 1 {
            return Err(format!("{} hard links", stat.st_nlink));
        }
    }
    Ok(mode)
}

/// chmod through the descriptor's `/proc/self/fd` magic link, then verify.
fn chmod_fd(fd: &OwnedFd, mode: u32) -> Result<(), String> {
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    rustix::fs::chmod(link.as_str(), Mode::from_raw_mode(mode))
        .map_err(|errno| format!("chmod failed: {errno}"))?;
    let after =
        rustix::fs::fstat(fd).map_err(|errno| format!("cannot stat after chmod: {errno}"))?;
    if after.st_mode & 0o7777 == mode {
        Ok(())
    } else {
        Err(format!(
            "mode is {} after chmod, expected {}",
            octal(after.st_mode & 0o7777),
            octal(mode)
        ))
    }
}

/// The plan: vetted changes (re-checked again right before each chmod) and refusals.
pub fn plan(candidates: &[Candidate], user: User) -> (Vec<Change>, Vec<Outcome>) {
    let mut changes = Vec::new();
    let mut outcomes = Vec::new();
    for candidate in candidates {
        let vetted = open_path(&candidate.path)
            .and_then(|fd| vet(&fd, candidate.dev, candidate.ino, user, true));
        match vetted {
            Ok(mode) => {
                let new_mode = mode & candidate.max_mode;
                if new_mode == mode {
                    outcomes.push(Outcome::Unchanged {
                        path: candidate.path.clone(),
                    });
                } else {
                    changes.push(Change {
                        path: candidate.path.clone(),
                        dev: candidate.dev,
                        ino: candidate.ino,
                        old_mode: mode,
                        new_mode,
                    });
                }
            }
            Err(why) => outcomes.push(Outcome::Refused {
                path: candidate.path.clone(),
                why,
            }),
        }
    }
    (changes, outcomes)
}

/// Applies `changes` (from [`plan`]) after writing the journal to `journal` (never replacing
/// an existing file unless `force`). Returns one outcome per change.
pub fn apply(
    changes: &[Change],
    journal: &Path,
    force: bool,
    user: User,
) -> Result<Vec<Outcome>, PermsError> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    check_procfs()?;
    let record = Journal {
        version: JOURNAL_VERSION,
        tool: "torchward audit perms --fix".to_owned(),
        changes: changes.to_vec(),
    };
    let text = serde_json::to_vec_pretty(&record).map_err(|err| PermsError::Journal {
        path: journal.display().to_string(),
        message: err.to_string(),
    })?;
    tw_fs::write_atomic(journal, &text, tw_fs::WriteOptions::new().force(force))?;
    Ok(changes
        .iter()
        .map(|change| {
            let result = open_path(&change.path).and_then(|fd| {
                let mode = vet(&fd, change.dev, change.ino, user, true)?;
                if mode != change.old_mode {
                    return Err(format!(
                        "mode changed since the plan ({} -> {})",
                        octal(change.old_mode),
                        octal(mode)
                    ));
                }
                // Only removal: the new mode is a subset of the old one by construction.
                chmod_fd(&fd, change.new_mode & mode)
            });
            match result {
                Ok(()) => Outcome::Changed(change.clone()),
                Err(why) => Outcome::Refused {
                    path: change.path.clone(),
                    why,
                },
            }
        })
        .collect())
}

/// Reads a journal.
pub fn read_journal(path: &Path) -> Result<Journal, PermsError> {
    let bytes = tw_fs::read_bounded(path, JOURNAL_LIMIT)?;
    let journal: Journal = serde_json::from_slice(&bytes).map_err(|err| PermsError::Journal {
        path: path.display().to_string(),
        message: err.to_string(),
    })?;
    if journal.version != JOURNAL_VERSION {
        return Err(PermsError::Journal {
            path: path.display().to_string(),
            message: format!("version {} is not {JOURNAL_VERSION}", journal.version),
        });
    }
    Ok(journal)
}

/// Restores the old modes of `journal`, newest first, only where the path is still the same
/// inode and still has exactly the mode the fix set; anything else is refused and left alone.
pub fn undo(journal: &Journal, user: User) -> Result<Vec<Outcome>, PermsError> {
    check_procfs()?;
    Ok(journal
        .changes
        .iter()
        .rev()
        .map(|change| {
            let result = open_path(&change.path).and_then(|fd| {
                let mode = vet(&fd, change.dev, change.ino, user, false)?;
                if mode == change.old_mode {
                    return Ok(false);
                }
                if mode != change.new_mode {
                    return Err(format!(
                        "mode is {} now, not {} as the fix left it",
                        octal(mode),
                        octal(change.new_mode)
                    ));
                }
                chmod_fd(&fd, change.old_mode).map(|()| true)
            });
            match result {
                Ok(true) => Outcome::Changed(Change {
                    old_mode: change.new_mode,
                    new_mode: change.old_mode,
                    ..change.clone()
                }),
                Ok(false) => Outcome::Unchanged {
                    path: change.path.clone(),
                },
                Err(why) => Outcome::Refused {
                    path: change.path.clone(),
                    why,
                },
            }
        })
        .collect())
}
