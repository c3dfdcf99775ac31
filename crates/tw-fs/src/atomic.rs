//! Atomic writes: data goes to a temporary file in the destination's directory, is flushed to
//! disk, gets mode 0640 and is renamed into place, so readers see the whole file or nothing.
//! An existing destination is never replaced unless the caller passes `force`; without it the
//! final rename itself refuses to replace (`renameat2(RENAME_NOREPLACE)` or link+unlink), so a
//! file that appears between the check and the rename is not clobbered either.
use crate::dir::create_dir_all;
use crate::error::{Error, Op, Result};
use std::fs::{File, Permissions};
use std::io::{self, Write};
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
/// it without committing removes the temporary file and leaves the destination untouched.
#[derive(Debug)]
pub struct AtomicFile {
    temp: NamedTempFile,
    dest: PathBuf,
    force: bool,
}

impl AtomicFile {
    /// Starts writing `dest`: creates a mode-0640 temporary file beside it.
    pub fn create(dest: impl AsRef<Path>, options: WriteOptions) -> Result<Self> {
        let dest = dest.as_ref().to_path_buf();
        match dest.symlink_metadata() {
            // `--force` replaces a regular file only: renaming over a device (`/dev/null`), a
            // FIFO, a socket or a symlink would destroy something that is not ours.
            Ok(meta) if options.force && !meta.file_type().is_file() => {
                return Err(Error::NotRegularFile { path: dest });
            }
            Ok(_) if !options.force => return Err(Error::Exists { path: dest }),
            _ => {}
        }
        let dir = parent_dir(&dest);
        if options.create_parents {
            create_dir_all(&dir)?;
        }
        let prefix = format!(
            ".{}.",
            dest.file_name()
                .map_or_else(|| "torchward".into(), |name| name.to_string_lossy())
        );
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .permissions(Permissions::from_mode(FILE_MODE))
            .tempfile_in(&dir)
            .map_err(|source| Error::io(Op::CreateTemp, &dir, source))?;
        // The umask may have removed bits from the requested mode; set it exactly (fchmod on
        // our own descriptor, so no path race).
        temp.as_file()
            .set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(|source| Error::io(Op::Chmod, temp.path(), source))?;
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

    /// The temporary file being written, for positional I/O (`pwrite`, `copy_file_range`,
    /// reading back for verification) that the `Write` impl cannot express. It is renamed into
    /// place only by [`commit`](AtomicFile::commit).
    pub fn as_file(&self) -> &File {
        self.temp.as_file()
    }

    /// Flushes the data to disk and renames the file into place, then flushes the directory
    /// so the rename itself survives a crash.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { temp, dest, force } = self;
        temp.as_file()
            .sync_all()
            .map_err(|source| Error::io(Op::Sync, temp.path(), source))?;
        let persisted = if force {
            temp.persist(&dest)
        } else {
            temp.persist_noclobber(&dest)
        };
        if let Err(err) = persisted {
            // `err.file` is dropped here, which removes the temporary file.
            return Err(if err.error.kind() == io::ErrorKind::AlreadyExists {
                Error::Exists { path: dest }
            } else {
                Error::io(Op::Rename, dest, err.error)
            });
        }
        sync_dir(&parent_dir(&dest))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp
            .write(buf)
            .map_err(|source| with_path(Op::Write, &self.dest, source))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp
            .flush()
            .map_err(|source| with_path(Op::Write, &self.dest, source))
    }
}

/// Writes `bytes` to `path` atomically with mode 0640 (see [`AtomicFile`]).
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8], options: WriteOptions) -> Result<()> {
    let mut file = AtomicFile::create(path, options)?;
    file.temp
        .write_all(bytes)
        .map_err(|source| Error::io(Op::Write, &file.dest, source))?;
    file.commit()
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

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
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
