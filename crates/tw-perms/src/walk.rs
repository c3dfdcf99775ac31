//! The parallel walk. Each directory is opened with `openat2(RESOLVE_NO_SYMLINKS |
//! RESOLVE_NO_MAGICLINKS)` on its absolute path (the roots are canonical, so any symlink in
//! the way means the tree changed) and its identity is checked against what its parent saw;
//! entries are read with `fstatat(AT_SYMLINK_NOFOLLOW)` relative to that descriptor. Nothing is
//! ever followed, so a link swapped in during the walk is reported, not entered. Directories
//! are rayon tasks; results are gathered per directory and merged under a lock.
use crate::classify::{self, Area, Class, Content, SNIFF_BYTES};
use crate::entry::{Entry, User};
use crate::kind::Kind;
use crate::policy::Policy;
use crate::rules;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, ResolveFlags, CWD};
use std::collections::HashSet;
use std::ffi::{CStr, OsStr};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use tw_diagnostics::{AnalysisError, Finding};

/// A path `--fix` may tighten: the mode seen, the mode allowed, and the identity to re-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Absolute path.
    pub path: PathBuf,
    /// Device seen by the walk.
    pub dev: u64,
    /// Inode seen by the walk.
    pub ino: u64,
    /// Permission bits seen (07777).
    pub mode: u32,
    /// The most permissive mode allowed.
    pub max_mode: u32,
}

/// The walk's shared state.
pub(crate) struct Walker<'a> {
    pub policy: &'a Policy,
    pub homes: &'a HashSet<PathBuf>,
    pub user: User,
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Where findings go as each directory is done (else they are kept in `findings`).
    pub sink: Option<&'a (dyn Fn(Vec<Finding>) + Sync)>,
    /// Whether fix candidates are kept (else only counted in `removable`).
    pub keep_candidates: bool,
    writers: OnceLock<HashSet<(u64, u64)>>,
    pub findings: Mutex<Vec<Finding>>,
    pub errors: Mutex<Vec<AnalysisError>>,
    pub candidates: Mutex<Vec<Candidate>>,
    pub entries: AtomicU64,
    pub sniffed: AtomicU64,
    /// Paths `--fix` would tighten (kept or not).
    pub removable: AtomicU64,
}

/// Opens directory `path` without following any symlink anywhere in it.
pub(crate) fn open_dir(path: &Path) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat2(
        CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
}

fn entry_of(path: PathBuf, stat: &rustix::fs::Stat) -> Entry {
    Entry {
        path,
        file_type: FileType::from_raw_mode(stat.st_mode),
        mode: stat.st_mode & 0o7777,
        uid: stat.st_uid,
        #[allow(clippy::useless_conversion)] // st_nlink is u32 on some targets
        nlink: u64::from(stat.st_nlink),
        dev: stat.st_dev,
        ino: stat.st_ino,
    }
}

impl<'a> Walker<'a> {
    pub fn new(
        policy: &'a Policy,
        homes: &'a HashSet<PathBuf>,
        user: User,
        progress: Option<&'a (dyn Fn(u64) + Sync)>,
    ) -> Self {
        Walker {
            policy,
            homes,
            user,
            progress,
            sink: None,
            keep_candidates: true,
            writers: OnceLock::new(),
            findings: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            candidates: Mutex::new(Vec::new()),
            entries: AtomicU64::new(0),
            sniffed: AtomicU64::new(0),
            removable: AtomicU64::new(0),
        }
    }

    /// Hands a batch of findings to the sink, or keeps them.
    pub fn emit(&self, mut batch: Vec<Finding>) {
        if batch.is_empty() {
            return;
        }
        match self.sink {
            Some(sink) => sink(batch),
            None => {
                if let Ok(mut all) = self.findings.lock() {
                    all.append(&mut batch);
                }
            }
        }
    }

    fn open_for_write(&self, entry: &Entry, for_explain: bool) -> bool {
        // A log within 0440 passes as finished and as active alike: no need to scan /proc.
        if !for_explain && entry.mode & 0o777 & !Kind::LogFinished.max_mode() == 0 {
            return false;
        }
        self.writers
            .get_or_init(crate::writers::open_for_writing)
            .contains(&(entry.dev, entry.ino))
    }

    fn error(&self, path: &Path, message: String) {
        let error = AnalysisError {
            path: path.to_string_lossy().into_owned(),
            entry: None,
            offset: None,
            message,
        };
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(error);
        }
    }

    /// The class of a regular file: policy, then name/location, then content.
    pub fn classify_file(
        &self,
        entry: &Entry,
        name: &str,
        area: Area,
        at: Option<(BorrowedFd<'_>, &CStr)>,
        for_explain: bool,
    ) -> Class {
        let builtin = || {
            if let Some(class) = classify::classify_file_by_name(name, area, || {
                self.open_for_write(entry, for_explain)
            }) {
                return class;
            }
            let content = if for_explain || classify::content_matters(entry.mode) {
                self.sniffed.fetch_add(1, Ordering::Relaxed);
                sniff_file(at, &entry.path)
            } else {
                Content::Other
            };
            classify::classify_file_by_content(name, content, area)
        };
        if self.policy.is_empty() {
            return builtin();
        }
        let mut cached = None;
        let policy = self.policy.apply(&entry.path, || {
            let class = builtin();
            cached = Some(class.clone());
            class
        });
        policy.unwrap_or_else(|| cached.unwrap_or_else(builtin))
    }

    /// The class of a directory.
    pub fn classify_dir(&self, entry: &Entry, name: &str, area: Area) -> (Class, Area) {
        let (class, child_area) =
            classify::classify_dir(name, area, self.homes.contains(&entry.path));
        if self.policy.is_empty() {
            return (class, child_area);
        }
        let overridden = self.policy.apply(&entry.path, || class.clone());
        (overridden.unwrap_or(class), child_area)
    }

    /// Whether any check could report `entry` of class `class` (a cheap test on the stat
    /// alone, so passing entries need no path).
    pub fn may_report(&self, entry: &Entry, class: &Class) -> bool {
        entry.mode & (0o002 | 0o6000) != 0
            || self.user.is_foreign(entry.uid)
            || (entry.file_type == FileType::RegularFile && entry.nlink > 1)
            || entry.mode & !class.max_mode & 0o7777 != 0
    }

    /// Runs every check on one entry, appending findings and fix candidates.
    pub fn check(
        &self,
        entry: &Entry,
        class: &Class,
        findings: &mut Vec<Finding>,
        candidates: &mut Vec<Candidate>,
    ) {
        if let Some(finding) = rules::world_writable::check(entry, class) {
            findings.push(finding);
        }
        if let Some(finding) = rules::setid::check(entry) {
            findings.push(finding);
        }
        if let Some(finding) = rules::foreign_owner::check(entry, self.user) {
            findings.push(finding);
        }
        if let Some(finding) = rules::hard_link::check(entry) {
            findings.push(finding);
        }
        // A shared temp directory (1777) is expected to be open; nothing to tighten.
        let shared_temp = rules::world_writable::is_shared_temp(entry, class);
        let too_open = (!shared_temp)
            .then(|| rules::mode_too_open::check(entry, class))
            .flatten();
        let removable = !shared_temp && entry.mode & !class.max_mode & 0o7777 != 0;
        if let Some(finding) = too_open {
            findings.push(finding);
        }
        if removable {
            self.removable.fetch_add(1, Ordering::Relaxed);
        }
        if removable && self.keep_candidates {
            candidates.push(Candidate {
                path: entry.path.clone(),
                dev: entry.dev,
                ino: entry.ino,
                mode: entry.mode,
                max_mode: class.max_mode,
            });
        }
    }

    /// Walks the directory `entry` (already checked itself) whose children live in `area`.
    pub fn walk_dir<'s>(&'s self, scope: &rayon::Scope<'s>, dir: &Entry, area: Area) {
        let fd = match open_dir(&dir.path) {
            Ok(fd) => fd,
            Err(errno) => {
                let why = if errno == rustix::io::Errno::LOOP {
                    "a symlink appeared in the path during the walk; not followed".to_owned()
                } else {
                    format!("cannot open directory: {errno}")
                };
                self.error(&dir.path, why);
                return;
            }
        };
        match rustix::fs::fstat(&fd) {
            Ok(stat) if stat.st_dev == dir.dev && stat.st_ino == dir.ino => {}
            Ok(_) => {
                self.error(
                    &dir.path,
                    "the directory was replaced during the walk; not entered".to_owned(),
                );
                return;
            }
            Err(errno) => {
                self.error(&dir.path, format!("cannot stat directory: {errno}"));
                return;
            }
        }
        // One 64 KiB getdents buffer per directory (rustix's Dir reads in smaller steps).
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
        let mut reader = RawDir::new(&fd, &mut buf);
        let dirfd = fd.as_fd();
        let mut findings = Vec::new();
        let mut candidates = Vec::new();
        let mut count = 0u64;
        while let Some(item) = reader.next() {
            let item = match item {
                Ok(item) => item,
                Err(errno) => {
                    self.error(&dir.path, format!("cannot read directory: {errno}"));
                    break;
                }
            };
            let raw = item.file_name().to_bytes();
            if raw == b"." || raw == b".." {
                continue;
            }
            count += 1;
            let stat = match rustix::fs::statat(dirfd, item.file_name(), AtFlags::SYMLINK_NOFOLLOW)
            {
                Ok(stat) => stat,
                Err(rustix::io::Errno::NOENT) => continue, // removed since listed
                Err(errno) => {
                    self.error(
                        &dir.path.join(OsStr::from_bytes(raw)),
                        format!("cannot stat: {errno}"),
                    );
                    continue;
                }
            };
            let name_os = OsStr::from_bytes(raw);
            let name = name_os.to_string_lossy();
            let file_type = FileType::from_raw_mode(stat.st_mode);
            // The path is only built when something needs it (a finding, a candidate, a
            // subdirectory, a policy glob): most entries of a big tree pass and never do.
            let needs_path = file_type != FileType::RegularFile || !self.policy.is_empty();
            let path = if needs_path {
                dir.path.join(name_os)
            } else {
                PathBuf::new()
            };
            let mut entry = entry_of(path, &stat);
            match file_type {
                FileType::Directory => {
                    let (class, child_area) = self.classify_dir(&entry, &name, area);
                    self.check(&entry, &class, &mut findings, &mut candidates);
                    scope.spawn(move |scope| self.walk_dir(scope, &entry, child_area));
                }
                FileType::RegularFile => {
                    let class = self.classify_file(
                        &entry,
                        &name,
                        area,
                        Some((dirfd, item.file_name())),
                        false,
                    );
                    if self.may_report(&entry, &class) {
                        if entry.path.as_os_str().is_empty() {
                            entry.path = dir.path.join(name_os);
                        }
                        self.check(&entry, &class, &mut findings, &mut candidates);
                    }
                }
                FileType::Symlink => {
                    let target = rustix::fs::readlinkat(dirfd, item.file_name(), Vec::new())
                        .map_or_else(|_| "?".to_owned(), |t| t.to_string_lossy().into_owned());
                    findings.push(rules::symlink::check(&entry, &target));
                }
                // FIFOs, sockets and devices are outside the table; opening them could block
                // or have side effects, so they are left alone.
                _ => {}
            }
        }
        self.entries.fetch_add(count, Ordering::Relaxed);
        if let Some(progress) = self.progress {
            progress(count);
        }
        self.emit(findings);
        if !candidates.is_empty() {
            if let Ok(mut all) = self.candidates.lock() {
                all.append(&mut candidates);
            }
        }
    }
}

/// Reads the first bytes of a regular file without following links and without blocking.
fn sniff_file(at: Option<(BorrowedFd<'_>, &CStr)>, path: &Path) -> Content {
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    // The raw name, not the lossy one, so non-UTF-8 names are opened too.
    let opened = match at {
        Some((dirfd, name)) => rustix::fs::openat(dirfd, name, flags, Mode::empty()),
        None => rustix::fs::openat2(
            CWD,
            path,
            flags,
            Mode::empty(),
            ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
        ),
    };
    let Ok(fd) = opened else {
        return Content::Other;
    };
    // Only regular files are read (a FIFO swapped in would be opened but never read).
    if !matches!(rustix::fs::fstat(&fd), Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
    {
        return Content::Other;
    }
    let mut buf = [0u8; SNIFF_BYTES];
    match rustix::io::read(fd.as_fd(), &mut buf) {
        Ok(len) => classify::sniff(buf.get(..len).unwrap_or(&[])),
        Err(_) => Content::Other,
    }
}

/// Stats `path` itself (no following), for the roots and `--explain`.
pub(crate) fn lstat_entry(path: &Path) -> rustix::io::Result<Entry> {
    let stat = rustix::fs::statat(CWD, path, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(entry_of(path.to_path_buf(), &stat))
}

/// The area the ancestors of `path` put it in (a run directory inside `logs/` is a log dir).
pub(crate) fn area_of_ancestors(path: &Path) -> Area {
    let mut area = Area::None;
    if let Some(parent) = path.parent() {
        for component in parent.components() {
            if let std::path::Component::Normal(name) = component {
                let (_, child) = classify::classify_dir(&name.to_string_lossy(), area, false);
                area = child;
            }
        }
    }
    area
}
