//! The directory standing in for `/` (the real root, a container's root filesystem, a test's
//! fake tree). Every read of `audit env` goes through here: paths are absolute system paths
//! resolved inside the root (an absolute symlink in a container image points into the image,
//! never out to the host), files are opened non-blocking and checked to be regular before they
//! are read, and reads are bounded.
use crate::error::EnvError;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Symlinks followed while resolving one path (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// A directory standing in for `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    base: PathBuf,
}

impl Default for Root {
    fn default() -> Self {
        Root::new("/")
    }
}

/// A file's identity, to see the same directory reached by two paths.
pub type FileId = (u64, u64);

impl Root {
    /// A root at `base` (`/` for the real host).
    pub fn new(base: impl Into<PathBuf>) -> Self {
        Root { base: base.into() }
    }

    /// Whether this is the real `/`.
    pub fn is_real(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The directory standing in for `/`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The on-disk path of the system path `abs` (no resolution).
    pub fn host_path(&self, abs: &Path) -> PathBuf {
        let relative = abs.strip_prefix("/").unwrap_or(abs);
        if relative.as_os_str().is_empty() {
            self.base.clone()
        } else {
            self.base.join(relative)
        }
    }

    /// Resolves `abs` inside the root: `..` and symlinks are followed as the kernel would with
    /// this root as `/` (an absolute target restarts at the root; `..` never climbs above
    /// it). Missing components end resolution early: the rest is appended unresolved, so the
    /// caller's own read reports the missing file.
    pub fn resolve(&self, abs: &Path) -> Result<PathBuf, EnvError> {
        let mut resolved = PathBuf::from("/");
        let mut pending: Vec<std::ffi::OsString> = components(abs);
        pending.reverse();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                resolved.pop();
                continue;
            }
            let candidate = resolved.join(&part);
            let host = self.host_path(&candidate);
            match std::fs::symlink_metadata(&host) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(EnvError::LinkLoop {
                            path: abs.to_path_buf(),
                        });
                    }
                    let target = std::fs::read_link(&host).map_err(|source| EnvError::Io {
                        path: candidate.clone(),
                        source,
                    })?;
                    if target.is_absolute() {
                        resolved = PathBuf::from("/");
                    }
                    let mut more = components(&target);
                    more.reverse();
                    pending.extend(more);
                }
                Ok(_) => resolved = candidate,
                Err(_) => {
                    resolved = candidate;
                    for rest in pending.into_iter().rev() {
                        resolved.push(rest);
                    }
                    return Ok(resolved);
                }
            }
        }
        Ok(resolved)
    }

    /// The on-disk path to open for `abs`, links followed inside the root. On the real `/`
    /// the kernel's own resolution is the same and costs no extra `lstat` per component.
    fn located(&self, abs: &Path) -> Result<PathBuf, EnvError> {
        if self.is_real() {
            return Ok(abs.to_path_buf());
        }
        Ok(self.host_path(&self.resolve(abs)?))
    }

    /// `stat` (following links inside the root) of `abs`, or `None` when it does not exist.
    pub fn stat(&self, abs: &Path) -> Result<Option<std::fs::Metadata>, EnvError> {
        match std::fs::metadata(self.located(abs)?) {
            Ok(meta) => Ok(Some(meta)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(EnvError::Io {
                path: abs.to_path_buf(),
                source,
            }),
        }
    }

    /// Whether `abs` is a directory (inside the root).
    pub fn is_dir(&self, abs: &Path) -> bool {
        matches!(self.stat(abs), Ok(Some(meta)) if meta.is_dir())
    }

    /// Whether `abs` is a regular file (inside the root).
    pub fn is_file(&self, abs: &Path) -> bool {
        matches!(self.stat(abs), Ok(Some(meta)) if meta.is_file())
    }

    /// The device and inode of `abs` (after resolution).
    pub fn id(&self, abs: &Path) -> Result<Option<FileId>, EnvError> {
        Ok(self.stat(abs)?.map(|meta| (meta.dev(), meta.ino())))
    }

    /// The names in directory `abs`, sorted; `None` when it does not exist.
    pub fn list(&self, abs: &Path) -> Result<Option<Vec<String>>, EnvError> {
        let entries = match std::fs::read_dir(self.located(abs)?) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(EnvError::Io {
                    path: abs.to_path_buf(),
                    source,
                })
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| EnvError::Io {
                path: abs.to_path_buf(),
                source,
            })?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(Some(names))
    }

    /// Reads at most `limit` bytes of the regular file `abs` (a longer file is cut, not
    /// refused: callers that need whole files say so with [`Root::read`]). The open is
    /// non-blocking and a non-regular file (FIFO, device, directory) is refused before any
    /// read, so nothing in an environment can make the audit hang. `/proc` files report size 0
    /// and are regular, so they pass.
    pub fn read_prefix(&self, abs: &Path, limit: u64) -> Result<Vec<u8>, EnvError> {
        let host = self.located(abs)?;
        let io = |source| EnvError::Io {
            path: abs.to_path_buf(),
            source,
        };
        let nonblock = rustix::fs::OFlags::NONBLOCK.bits();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(i32::try_from(nonblock).unwrap_or(0))
            .open(&host)
            .map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(EnvError::NotRegular {
                path: abs.to_path_buf(),
            });
        }
        // `/proc` files report size 0: start from 16 KiB, not from std's 32-byte probe that
        // doubles (eight `read` calls for one `status` file).
        let start = meta.len().max(16 * 1024).min(limit);
        let mut bytes = Vec::with_capacity(usize::try_from(start).unwrap_or(0));
        file.take(limit).read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    }

    /// Reads the whole regular file `abs`, refusing one over `limit` bytes.
    pub fn read(&self, abs: &Path, limit: u64) -> Result<Vec<u8>, EnvError> {
        let bytes = self.read_prefix(abs, limit.saturating_add(1))?;
        if bytes.len() as u64 > limit {
            return Err(EnvError::TooLarge {
                path: abs.to_path_buf(),
                limit,
            });
        }
        Ok(bytes)
    }

    /// Like [`Root::read`] but a missing file is `Ok(None)`.
    pub fn read_opt(&self, abs: &Path, limit: u64) -> Result<Option<Vec<u8>>, EnvError> {
        match self.read(abs, limit) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The raw target of the link `abs` (not resolved; `/proc/PID/exe` reads the executable's
    /// path as its process sees it).
    pub fn read_link(&self, abs: &Path) -> Result<PathBuf, EnvError> {
        std::fs::read_link(self.host_path(abs)).map_err(|source| EnvError::Io {
            path: abs.to_path_buf(),
            source,
        })
    }
}

/// The normal components of `path` (`.` and the root dropped, `..` kept).
fn components(path: &Path) -> Vec<std::ffi::OsString> {
    path.components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(name.to_os_string()),
            Component::ParentDir => Some("..".into()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn absolute_links_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
        std::fs::write(dir.path().join("usr/bin/python3.11"), "").unwrap();
        symlink("python3.11", dir.path().join("usr/bin/python3")).unwrap();
        symlink("/usr/bin", dir.path().join("bin")).unwrap();
        symlink("../../../../etc", dir.path().join("usr/bin/up")).unwrap();
        assert_eq!(
            root.resolve(Path::new("/bin/python3")).unwrap(),
            Path::new("/usr/bin/python3.11")
        );
        assert_eq!(
            root.resolve(Path::new("/usr/bin/up/passwd")).unwrap(),
            Path::new("/etc/passwd"),
            "`..` stops at the root"
        );
        assert!(root.is_file(Path::new("/bin/python3")));
        assert_eq!(root.list(Path::new("/nope")).unwrap(), None);
        symlink("loop", dir.path().join("loop")).unwrap();
        assert!(matches!(
            root.resolve(Path::new("/loop")),
            Err(EnvError::LinkLoop { .. })
        ));
    }

    #[test]
    fn refuses_fifos_and_bounds_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        std::fs::write(dir.path().join("f"), "0123456789").unwrap();
        assert_eq!(root.read_prefix(Path::new("/f"), 4).unwrap(), b"0123");
        assert!(matches!(
            root.read(Path::new("/f"), 9),
            Err(EnvError::TooLarge { limit: 9, .. })
        ));
        assert_eq!(root.read_opt(Path::new("/none"), 9).unwrap(), None);
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(matches!(
            root.read(Path::new("/fifo"), 10),
            Err(EnvError::NotRegular { .. })
        ));
    }
}
