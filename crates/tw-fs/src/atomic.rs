//! Atomic writes: readers and later runs see the whole destination file or no file at all, and
//! an existing destination is never replaced unless the caller passes `force`.
//!
//! The data goes into an unnamed file (`open(2)` with `O_TMPFILE` on the destination's
//! directory). It has no directory entry, so when the process dies mid-write (SIGKILL, the OOM
//! killer) the kernel frees it with the last descriptor, and after a power cut the file system
//! frees it as an orphan inode at the next mount: nothing is left on disk, and a half-written
//! 2 GB conversion needs no cleanup. It is created with mode 0640 (set exactly with `fchmod`,
//! whatever the umask). `commit` flushes it (`fsync`) and only then gives it a name: without
//! `force`, `linkat(2)` of its `/proc/self/fd/N` link with `AT_SYMLINK_FOLLOW` (no privilege
//! needed, unlike `AT_EMPTY_PATH`), which fails with `EEXIST` when the destination appeared
//! meanwhile, so a file created between our check and our commit is never clobbered; with
//! `force`, a link to a fresh hidden name in the same directory and a `rename(2)` over the
//! destination (a stray name can survive a crash only between those two calls). Last, the
//! directory is flushed so the new name itself survives a crash.
//!
//! Where `O_TMPFILE` is unavailable (the file system or kernel refuses it with `EOPNOTSUPP`,
//! `EISDIR`, `ENOENT` or `EINVAL`, see `open(2)`) or `/proc` is not mounted, the file is a named
//! `.NAME.XXXXXX.tmp` beside the destination instead, renamed into place the same way (without
//! `force` by `renameat2(RENAME_NOREPLACE)` or link+unlink, which also refuse to clobber).
//! Dropping it uncommitted removes it, but a killed process leaves it behind.
use crate::dir::create_dir_all;
use crate::error::{Error, Op, Result};
use crate::open::FileKind;
use rustix::fs::{AtFlags, Mode, OFlags, CWD};
use rustix::io::Errno;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// Mode of every file torchward writes (security statement: owner rw, group r, others none).
pub const FILE_MODE: u32 = 0o640;
/// Mode of every directory torchward creates.
pub const DIR_MODE: u32 = 0o750;

/// How [`write_atomic`] and [`AtomicFile::create`] treat the destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    force: bool,
    create_parents: bool,
}

impl WriteOptions {
    /// Refuse to overwrite, do not create missing parent directories.
    pub fn new() -> Self {
        WriteOptions::default()
    }

    /// Whether an existing destination file may be replaced (`--force`).
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Whether missing parent directories are created (with mode 0750).
    #[must_use]
    pub fn create_parents(mut self, create: bool) -> Self {
        self.create_parents = create;
        self
    }
}

/// A file being written atomically. Write to it, then [`commit`](AtomicFile::commit); dropping
/// it without committing leaves the directory as it was and the destination untouched. Until
/// the commit the file has no name (see the module documentation), so even a killed process
/// leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    temp: Temp,
    dest: PathBuf,
    force: bool,
}

/// The file an [`AtomicFile`] writes before it is committed.
#[derive(Debug)]
enum Temp {
    /// An `O_TMPFILE` inode with no name: the kernel frees it when its last descriptor is
    /// closed, by a drop or by the death of the process.
    Unnamed(File),
    /// The fallback: `.NAME.XXXXXX.tmp` beside the destination, removed on drop.
    Named(NamedTempFile),
}

impl Temp {
    fn file(&self) -> &File {
        match self {
            Temp::Unnamed(file) => file,
            Temp::Named(named) => named.as_file(),
        }
    }

    fn file_mut(&mut self) -> &mut File {
        match self {
            Temp::Unnamed(file) => file,
            Temp::Named(named) => named.as_file_mut(),
        }
    }

    /// The path an error about the temporary file names: its own name, or the destination it
    /// is for when it has none.
    fn error_path<'a>(&'a self, dest: &'a Path) -> &'a Path {
        match self {
            Temp::Unnamed(_) => dest,
            Temp::Named(named) => named.path(),
        }
    }
}

impl AtomicFile {
    /// Starts writing `dest`: creates an unnamed mode-0640 file in its directory (a named
    /// temporary file beside it where the file system cannot).
    pub fn create(dest: impl AsRef<Path>, options: WriteOptions) -> Result<Self> {
        Self::create_with(dest.as_ref(), options, true)
    }

    /// [`create`](AtomicFile::create), trying `O_TMPFILE` first only when `unnamed` (tests pass
    /// `false` to cover the fallback on file systems that have `O_TMPFILE`).
    fn create_with(dest: &Path, options: WriteOptions, unnamed: bool) -> Result<Self> {
        let dest = dest.to_path_buf();
        match dest.symlink_metadata() {
            // `--force` replaces a regular file only: renaming over a device (`/dev/null`), a
            // FIFO, a socket or a symlink would destroy something that is not ours.
            Ok(meta) if options.force && !meta.file_type().is_file() => {
                let kind = FileKind::of(meta.file_type()).unwrap_or(FileKind::Other);
                return Err(Error::NotRegularFile { path: dest, kind });
            }
            Ok(_) if !options.force => return Err(Error::Exists { path: dest }),
            _ => {}
        }
        let dir = parent_dir(&dest);
        if options.create_parents {
            create_dir_all(&dir)?;
        }
        let unnamed_file = if unnamed { open_unnamed(&dir)? } else { None };
        let temp = match unnamed_file {
            Some(file) => Temp::Unnamed(file),
            None => Temp::Named(
                tempfile::Builder::new()
                    .prefix(&temp_prefix(&dest))
                    .suffix(".tmp")
                    .permissions(Permissions::from_mode(FILE_MODE))
                    .tempfile_in(&dir)
                    .map_err(|source| Error::io(Op::CreateTemp, &dir, source))?,
            ),
        };
        // The umask may have removed bits from the requested mode; set it exactly (fchmod on
        // our own descriptor, so no path race).
        temp.file()
            .set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(|source| Error::io(Op::Chmod, temp.error_path(&dest), source))?;
        Ok(AtomicFile {
            temp,
            dest,
            force: options.force,
        })
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// The file being written, for positional I/O (`pwrite`, `copy_file_range`, reading back
    /// for verification) that the `Write` impl cannot express. It is readable and writable,
    /// and gets the destination's name only in [`commit`](AtomicFile::commit).
    pub fn as_file(&self) -> &File {
        self.temp.file()
    }

    /// Flushes the data to disk, gives the file the destination's name (refusing to replace a
    /// file that appeared meanwhile unless `force`), then flushes the directory so the name
    /// itself survives a crash.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { temp, dest, force } = self;
        temp.file()
            .sync_all()
            .map_err(|source| Error::io(Op::Sync, temp.error_path(&dest), source))?;
        match temp {
            Temp::Unnamed(file) => name_unnamed(&file, &dest, force)?,
            Temp::Named(named) => {
                let persisted = if force {
                    named.persist(&dest)
                } else {
                    named.persist_noclobber(&dest)
                };
                // On failure `err.file` is dropped here, which removes the temporary file.
                persisted.map_err(|err| exists_or(Op::Rename, &dest, err.error))?;
            }
        }
        sync_dir(&parent_dir(&dest))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp
            .file_mut()
            .write(buf)
            .map_err(|source| with_path(Op::Write, &self.dest, source))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp
            .file_mut()
            .flush()
            .map_err(|source| with_path(Op::Write, &self.dest, source))
    }
}

/// Writes `bytes` to `path` atomically with mode 0640 (see [`AtomicFile`]).
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8], options: WriteOptions) -> Result<()> {
    let mut file = AtomicFile::create(path, options)?;
    file.temp
        .file_mut()
        .write_all(bytes)
        .map_err(|source| Error::io(Op::Write, &file.dest, source))?;
    file.commit()
}

/// Opens an unnamed read-write file with mode 0640 in `dir` (`O_TMPFILE`), or `None` where that
/// cannot work: the file system or kernel does not support it, or there is no `/proc` to name
/// it through at commit.
fn open_unnamed(dir: &Path) -> Result<Option<File>> {
    // Read-write, not write-only: callers read the output back through `as_file` to verify it.
    let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(dir, flags, Mode::from_raw_mode(FILE_MODE)) {
        Ok(fd) => fd,
        // open(2): EOPNOTSUPP, the file system does not support O_TMPFILE; EISDIR or ENOENT,
        // the kernel predates it (Linux 3.11) and saw a plain directory open; EINVAL, the flags
        // were not understood. A directory that really is missing fails again, with its path,
        // in the fallback.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::NOENT | Errno::INVAL) => return Ok(None),
        Err(errno) => return Err(Error::io(Op::CreateTemp, dir, errno.into())),
    };
    let file = File::from(fd);
    // `commit` names the file through its /proc/self/fd link. Without /proc it could not be
    // named (linkat's AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH), so do not start what cannot
    // be committed: the named fallback works everywhere.
    if rustix::fs::stat(proc_fd_path(&file).as_str()).is_err() {
        return Ok(None);
    }
    Ok(Some(file))
}

/// Gives the unnamed `file` the name `dest`. Without `force` one `linkat`, which fails with
/// `EEXIST` if `dest` exists, so nothing is clobbered; with `force` a link to a fresh hidden
/// name in the same directory, renamed over `dest` (removed again if the rename fails).
fn name_unnamed(file: &File, dest: &Path, force: bool) -> Result<()> {
    if !force {
        return link(file, dest).map_err(|source| exists_or(Op::Link, dest, source));
    }
    let dir = parent_dir(dest);
    // `make_in` retries with a new random name while the link fails with EEXIST, and returns a
    // guard that removes the name when dropped.
    let hidden = tempfile::Builder::new()
        .prefix(&temp_prefix(dest))
        .suffix(".tmp")
        .make_in(&dir, |path| link(file, path))
        .map_err(|source| Error::io(Op::CreateTemp, &dir, source))?;
    // On failure `err.file` (the guard) is dropped here, which removes the hidden name.
    hidden
        .persist(dest)
        .map_err(|err| exists_or(Op::Rename, dest, err.error))
}

/// `linkat(2)` of the file's `/proc/self/fd/N` link, followed to the file itself, to `path`.
fn link(file: &File, path: &Path) -> io::Result<()> {
    rustix::fs::linkat(
        CWD,
        proc_fd_path(file).as_str(),
        CWD,
        path,
        AtFlags::SYMLINK_FOLLOW,
    )
    .map_err(io::Error::from)
}

/// The `/proc` link naming an open file.
fn proc_fd_path(file: &File) -> String {
    format!("/proc/self/fd/{}", file.as_raw_fd())
}

/// The prefix of the hidden temporary names beside `dest`: `.NAME.`.
fn temp_prefix(dest: &Path) -> String {
    format!(
        ".{}.",
        dest.file_name()
            .map_or_else(|| "torchward".into(), |name| name.to_string_lossy())
    )
}

/// [`Error::Exists`] when `source` says the destination exists, else an I/O error of `op`.
fn exists_or(op: Op, dest: &Path, source: io::Error) -> Error {
    if source.kind() == io::ErrorKind::AlreadyExists {
        Error::Exists {
            path: dest.to_path_buf(),
        }
    } else {
        Error::io(op, dest, source)
    }
}

/// The directory a file lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `fsync` on a directory, so a rename in it is durable. Some file systems do not support
/// syncing directories (EINVAL); that is not an error for us.
fn sync_dir(dir: &Path) -> Result<()> {
    let handle = File::open(dir).map_err(|source| Error::io(Op::Open, dir, source))?;
    match handle.sync_all() {
        Err(source) if source.kind() != io::ErrorKind::InvalidInput => {
            Err(Error::io(Op::Sync, dir, source))
        }
        _ => Ok(()),
    }
}

/// An `io::Error` of the same kind whose message names the path, for the `Write` impl.
fn with_path(op: Op, path: &Path, source: io::Error) -> io::Error {
    io::Error::new(source.kind(), Error::io(op, path, source))
}

#[cfg(test)]
mod force_tests {
    use super::*;

    #[test]
    fn force_never_replaces_a_device_or_symlink() {
        let err = write_atomic("/dev/null", b"x", WriteOptions::new().force(true));
        assert!(matches!(err, Err(Error::NotRegularFile { .. })), "{err:?}");
        assert!(std::fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()));
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let link = dir.path().join("link");
        if std::os::unix::fs::symlink("/etc/hostname", &link).is_ok() {
            let err = write_atomic(&link, b"x", WriteOptions::new().force(true));
            assert!(matches!(err, Err(Error::NotRegularFile { .. })), "{err:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Permission bits of `path` itself (a symlink is not followed); 0 when it is missing.
    pub(super) fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
    }

    #[test]
    fn writes_whole_file_with_mode_0640_and_no_leftovers() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let dest = dir.path().join("out.json");
        write_atomic(&dest, b"{}\n", WriteOptions::new())?;
        assert_eq!(fs::read(&dest).ok().as_deref(), Some(&b"{}\n"[..]));
        assert_eq!(mode(&dest), 0o640);
        let names: Vec<_> = fs::read_dir(dir.path())
            .map_err(|e| Error::io(Op::Read, dir.path(), e))?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
        Ok(())
    }

    #[test]
    fn refuses_existing_file_without_force_and_replaces_with_force() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let dest = dir.path().join("out");
        fs::write(&dest, "old").map_err(|e| Error::io(Op::Write, &dest, e))?;
        let err = write_atomic(&dest, b"new", WriteOptions::new());
        assert!(matches!(err, Err(Error::Exists { ref path }) if path == &dest));
        assert_eq!(fs::read_to_string(&dest).ok().as_deref(), Some("old"));
        write_atomic(&dest, b"new", WriteOptions::new().force(true))?;
        assert_eq!(fs::read_to_string(&dest).ok().as_deref(), Some("new"));
        assert_eq!(mode(&dest), 0o640);
        Ok(())
    }

    #[test]
    fn uncommitted_file_leaves_nothing_behind() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let dest = dir.path().join("partial");
        {
            let mut file = AtomicFile::create(&dest, WriteOptions::new())?;
            file.write_all(b"half a report")
                .map_err(|e| Error::io(Op::Write, &dest, e))?;
            // Dropped without commit, as when the writer fails half way.
        }
        assert!(!dest.exists());
        let left = fs::read_dir(dir.path()).map_or(1, Iterator::count);
        assert_eq!(left, 0);
        Ok(())
    }

    #[test]
    fn failed_write_names_the_path_and_leaves_no_file() {
        let dest = Path::new("/nonexistent-tw-fs-dir/out.sarif");
        let err = write_atomic(dest, b"x", WriteOptions::new());
        match err {
            Err(Error::Io { path, .. }) => assert_eq!(path, Path::new("/nonexistent-tw-fs-dir")),
            other => panic!("expected an Io error naming the directory, got {other:?}"),
        }
        assert!(!dest.exists());
    }

    #[test]
    fn creates_parents_with_mode_0750() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let dest = dir.path().join("a/b/out");
        write_atomic(&dest, b"x", WriteOptions::new().create_parents(true))?;
        assert_eq!(mode(&dir.path().join("a")), 0o750);
        assert_eq!(mode(&dir.path().join("a/b")), 0o750);
        Ok(())
    }

    #[test]
    fn without_force_a_dangling_symlink_is_not_replaced() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let dest = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("missing"), &dest)
            .map_err(|e| Error::io(Op::Write, &dest, e))?;
        assert!(matches!(
            write_atomic(&dest, b"x", WriteOptions::new()),
            Err(Error::Exists { .. })
        ));
        assert!(!dir.path().join("missing").exists());
        Ok(())
    }
}

/// Both kinds of temporary file, on real files in temporary directories.
#[cfg(test)]
mod temp_tests {
    use super::tests::mode;
    use super::*;
    use std::fs;
    use std::os::unix::fs::FileExt;

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
    }

    /// The entries of `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read_dir: {e}"))
            .map(|e| {
                e.map_or_else(
                    |e| panic!("read_dir: {e}"),
                    |e| e.file_name().to_string_lossy().into_owned(),
                )
            })
            .collect();
        names.sort();
        names
    }

    fn write(path: &Path, text: &str) {
        fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Creates an `AtomicFile` for `dest`, trying `O_TMPFILE` when `unnamed`. `None` (with the
    /// reason printed) when `unnamed` was asked for but the file system under the temporary
    /// directory does not support it, so the caller skips rather than passes silently.
    fn create(dest: &Path, options: WriteOptions, unnamed: bool) -> Result<Option<AtomicFile>> {
        let file = AtomicFile::create_with(dest, options, unnamed)?;
        let got_unnamed = matches!(file.temp, Temp::Unnamed(_));
        if unnamed && !got_unnamed {
            let _ = writeln!(
                std::io::stderr(),
                "SKIP: no O_TMPFILE (or no /proc) for {}",
                dest.display()
            );
            return Ok(None);
        }
        // The fallback is really taken when asked for, so both paths are covered.
        assert_eq!(got_unnamed, unnamed);
        Ok(Some(file))
    }

    #[test]
    fn unnamed_file_gets_its_name_only_at_commit() -> Result<()> {
        let dir = tempdir();
        write(&dir.path().join("other"), "x");
        let dest = dir.path().join("out.safetensors");
        let Some(mut file) = create(&dest, WriteOptions::new(), true)? else {
            return Ok(());
        };
        file.write_all(b"first half, ")
            .and_then(|()| file.write_all(b"second half"))
            .map_err(|e| Error::io(Op::Write, &dest, e))?;
        assert_eq!(names(dir.path()), ["other"], "no entry before commit");
        file.commit()?;
        assert_eq!(names(dir.path()), ["other", "out.safetensors"]);
        assert_eq!(
            fs::read(&dest).ok().as_deref(),
            Some(&b"first half, second half"[..])
        );
        assert_eq!(mode(&dest), 0o640);
        Ok(())
    }

    #[test]
    fn named_fallback_is_visible_while_written_and_renamed_at_commit() -> Result<()> {
        let dir = tempdir();
        let dest = dir.path().join("out.json");
        let Some(mut file) = create(&dest, WriteOptions::new(), false)? else {
            return Ok(());
        };
        file.write_all(b"{}")
            .map_err(|e| Error::io(Op::Write, &dest, e))?;
        let during = names(dir.path());
        assert_eq!(during.len(), 1, "{during:?}");
        assert!(
            during
                .iter()
                .all(|n| n.starts_with(".out.json.")
                    && Path::new(n).extension() == Some("tmp".as_ref())),
            "{during:?}"
        );
        assert_eq!(mode(&dir.path().join(&during[0])), 0o640);
        file.commit()?;
        assert_eq!(names(dir.path()), ["out.json"]);
        assert_eq!(fs::read(&dest).ok().as_deref(), Some(&b"{}"[..]));
        assert_eq!(mode(&dest), 0o640);
        Ok(())
    }

    #[test]
    fn dropping_uncommitted_leaves_the_directory_as_it_was() -> Result<()> {
        for unnamed in [true, false] {
            let dir = tempdir();
            write(&dir.path().join("keep"), "x");
            let dest = dir.path().join("partial");
            let Some(mut file) = create(&dest, WriteOptions::new(), unnamed)? else {
                continue;
            };
            file.write_all(&[1; 8192])
                .map_err(|e| Error::io(Op::Write, &dest, e))?;
            drop(file);
            assert_eq!(names(dir.path()), ["keep"], "unnamed: {unnamed}");
        }
        Ok(())
    }

    #[test]
    fn a_destination_appearing_before_commit_is_not_clobbered() -> Result<()> {
        for unnamed in [true, false] {
            let dir = tempdir();
            let dest = dir.path().join("out");
            let Some(file) = create(&dest, WriteOptions::new(), unnamed)? else {
                continue;
            };
            write(&dest, "someone else's");
            let err = file.commit();
            assert!(
                matches!(err, Err(Error::Exists { ref path }) if path == &dest),
                "unnamed: {unnamed}: {err:?}"
            );
            assert_eq!(
                fs::read_to_string(&dest).ok().as_deref(),
                Some("someone else's")
            );
            assert_eq!(names(dir.path()), ["out"], "unnamed: {unnamed}");
        }
        Ok(())
    }

    #[test]
    fn force_replaces_a_regular_file_and_leaves_no_hidden_name() -> Result<()> {
        for unnamed in [true, false] {
            let dir = tempdir();
            let dest = dir.path().join("out");
            write(&dest, "old");
            let options = WriteOptions::new().force(true);
            let Some(mut file) = create(&dest, options, unnamed)? else {
                continue;
            };
            file.write_all(b"new")
                .map_err(|e| Error::io(Op::Write, &dest, e))?;
            // A file appearing at the destination meanwhile is replaced too: that is `force`.
            fs::remove_file(&dest).map_err(|e| Error::io(Op::Write, &dest, e))?;
            write(&dest, "newer but not ours");
            file.commit()?;
            assert_eq!(fs::read_to_string(&dest).ok().as_deref(), Some("new"));
            assert_eq!(mode(&dest), 0o640);
            assert_eq!(names(dir.path()), ["out"], "unnamed: {unnamed}");
        }
        Ok(())
    }

    #[test]
    fn failed_forced_rename_removes_the_hidden_name() -> Result<()> {
        for unnamed in [true, false] {
            let dir = tempdir();
            let dest = dir.path().join("out");
            let Some(file) = create(&dest, WriteOptions::new().force(true), unnamed)? else {
                continue;
            };
            // A non-empty directory appears at the destination: rename(2) cannot replace it.
            fs::create_dir(&dest).map_err(|e| Error::io(Op::CreateDir, &dest, e))?;
            write(&dest.join("inside"), "x");
            let err = file.commit();
            assert!(
                matches!(err, Err(Error::Io { op: Op::Rename, ref path, .. }) if path == &dest),
                "unnamed: {unnamed}: {err:?}"
            );
            assert_eq!(names(dir.path()), ["out"], "unnamed: {unnamed}");
            assert_eq!(names(&dest), ["inside"]);
        }
        Ok(())
    }

    #[test]
    fn positional_writes_read_back_before_commit() -> Result<()> {
        for unnamed in [true, false] {
            let dir = tempdir();
            let dest = dir.path().join("out");
            let Some(file) = create(&dest, WriteOptions::new(), unnamed)? else {
                continue;
            };
            let io_err = |e| Error::io(Op::Write, &dest, e);
            file.as_file().write_all_at(b"tail", 8).map_err(io_err)?;
            file.as_file().write_all_at(b"head", 0).map_err(io_err)?;
            // Verification reads the output back through the same descriptor.
            let mut back = [0u8; 12];
            file.as_file().read_exact_at(&mut back, 0).map_err(io_err)?;
            assert_eq!(&back, b"head\0\0\0\0tail");
            file.commit()?;
            assert_eq!(fs::read(&dest).ok().as_deref(), Some(&back[..]));
        }
        Ok(())
    }

    #[test]
    fn a_file_system_without_o_tmpfile_means_the_fallback() -> Result<()> {
        // sysfs has no O_TMPFILE; whether we see that (EOPNOTSUPP) or a permission error
        // first depends on who runs the test, so probe before asserting.
        let sys = Path::new("/sys");
        let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
        match rustix::fs::open(sys, flags, Mode::from_raw_mode(FILE_MODE)) {
            Err(Errno::OPNOTSUPP) => {
                assert!(open_unnamed(sys)?.is_none());
            }
            other => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIP: O_TMPFILE on /sys gave {other:?}, not EOPNOTSUPP"
                );
            }
        }
        Ok(())
    }

    /// Set for the child process of `killed_writer_leaves_nothing`: the directory to write in.
    const KILLED_WRITER_DIR: &str = "TW_FS_KILLED_WRITER_DIR";
    /// The line the child prints once its first megabyte is written, followed by the kind of
    /// temporary file it got.
    const WRITING: &str = "tw-fs killed writer: writing ";

    /// The child of `killed_writer_leaves_nothing` (ignored, and a no-op without its
    /// variable): writes into an `AtomicFile` until killed, for at most a minute.
    #[test]
    #[ignore = "run by killed_writer_leaves_nothing in a child process"]
    fn killed_writer_child() -> Result<()> {
        let Some(dir) = std::env::var_os(KILLED_WRITER_DIR) else {
            return Ok(());
        };
        let dest = Path::new(&dir).join("model.safetensors");
        let file = AtomicFile::create(&dest, WriteOptions::new())?;
        let kind = match file.temp {
            Temp::Unnamed(_) => "unnamed",
            Temp::Named(_) => "named",
        };
        let chunk = vec![0x5a_u8; 1 << 20];
        let start = std::time::Instant::now();
        let mut offset = 0;
        while start.elapsed() < std::time::Duration::from_mins(1) {
            file.as_file()
                .write_all_at(&chunk, offset)
                .map_err(|e| Error::io(Op::Write, &dest, e))?;
            if offset == 0 {
                #[allow(clippy::print_stdout)] // The parent waits for this line.
                {
                    println!("{WRITING}{kind}");
                }
            }
            // Wrap at 16 MiB: the test is about being killed mid-write, not about disk use.
            offset = (offset + (1 << 20)) % (16 << 20);
        }
        Ok(())
    }

    #[test]
    fn killed_writer_leaves_nothing() {
        use std::io::BufRead;
        use std::os::unix::process::ExitStatusExt;
        use std::process::{Command, Stdio};
        let dir = tempdir();
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("test binary: {e}"));
        let mut child = Command::new(exe)
            .args([
                "--ignored",
                "--exact",
                "atomic::temp_tests::killed_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILLED_WRITER_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn the test binary: {e}"));
        let mut seen = Vec::new();
        let mut kind = None;
        if let Some(stdout) = child.stdout.take() {
            for line in io::BufReader::new(stdout).lines() {
                let line = line.unwrap_or_else(|e| panic!("child output: {e}"));
                if let Some(rest) = line.strip_prefix(WRITING) {
                    kind = Some(rest.to_owned());
                    break;
                }
                seen.push(line);
            }
        }
        // Child::kill sends SIGKILL: no destructor, no atexit handler runs in the child.
        child
            .kill()
            .unwrap_or_else(|e| panic!("kill the child: {e}"));
        let status = child
            .wait()
            .unwrap_or_else(|e| panic!("wait for the child: {e}"));
        let Some(kind) = kind else {
            panic!(
                "the child never started writing ({status}):\n{}",
                seen.join("\n")
            );
        };
        assert_eq!(status.signal(), Some(9), "{status}");
        if kind == "named" {
            let _ = writeln!(
                std::io::stderr(),
                "SKIP: no O_TMPFILE under {}",
                dir.path().display()
            );
            return;
        }
        assert_eq!(kind, "unnamed");
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }
}
