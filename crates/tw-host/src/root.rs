//! The system root every probe reads under (`/` on a real host, a temporary tree in tests). All
//! reads go through here so no check can touch a path outside the root, and every read is
//! bounded: `/proc` files report size 0, so the bound is enforced while reading.
use crate::error::ProbeError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest file a probe reads (`/proc/net/tcp` on a busy host is the biggest, ~150 bytes a
/// socket; 16 MiB is about 100,000 sockets).
pub const READ_LIMIT: u64 = 16 * 1024 * 1024;

/// The buffer a read starts with. `/proc` files report size 0, so a read sized by the file
/// starts at 32 bytes and doubles: eight `read` calls for one 1.5 KiB `/proc/PID/status`. Most
/// probe files fit in this, so they take one read and the end-of-file read.
const READ_START: usize = 16 * 1024;

/// A directory standing in for `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemRoot {
    base: PathBuf,
}

impl Default for SystemRoot {
    fn default() -> Self {
        SystemRoot::new("/")
    }
}

impl SystemRoot {
    /// A root at `base` (`/` for the real host).
    pub fn new(base: impl Into<PathBuf>) -> Self {
        SystemRoot { base: base.into() }
    }

    /// Whether this is the real `/` (only then do fixes touch the running kernel).
    pub fn is_real(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The directory standing in for `/`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The on-disk path of the absolute system path `abs` (`/proc/sys/...`).
    pub fn path(&self, abs: &str) -> PathBuf {
        self.base.join(abs.trim_start_matches('/'))
    }

    /// Reads `abs` as UTF-8 (lossy), at most `READ_LIMIT` bytes.
    pub fn read(&self, abs: &str) -> Result<String, ProbeError> {
        let path = self.path(abs);
        let file = std::fs::File::open(&path).map_err(|source| ProbeError::Io {
            path: abs.to_owned(),
            source,
        })?;
        let mut bytes = Vec::with_capacity(READ_START);
        file.take(READ_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| ProbeError::Io {
                path: abs.to_owned(),
                source,
            })?;
        if bytes.len() as u64 > READ_LIMIT {
            return Err(ProbeError::TooLarge {
                path: abs.to_owned(),
                limit: READ_LIMIT,
            });
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Like [`SystemRoot::read`] but a missing file is `Ok(None)`.
    pub fn read_opt(&self, abs: &str) -> Result<Option<String>, ProbeError> {
        match self.read(abs) {
            Ok(text) => Ok(Some(text)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The names in directory `abs`, sorted; a missing directory is empty.
    pub fn list(&self, abs: &str) -> Result<Vec<String>, ProbeError> {
        let entries = match std::fs::read_dir(self.path(abs)) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(ProbeError::Io {
                    path: abs.to_owned(),
                    source,
                })
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ProbeError::Io {
                path: abs.to_owned(),
                source,
            })?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// The target of the link `abs` (`/proc/PID/fd/N` reads `socket:[INODE]`).
    pub fn read_link(&self, abs: &str) -> Result<String, ProbeError> {
        std::fs::read_link(self.path(abs))
            .map(|target| target.to_string_lossy().into_owned())
            .map_err(|source| ProbeError::Io {
                path: abs.to_owned(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_base() {
        let root = SystemRoot::new("/tmp/fake");
        assert_eq!(root.path("/proc/sys/x"), Path::new("/tmp/fake/proc/sys/x"));
        assert!(!root.is_real());
        assert!(SystemRoot::default().is_real());
    }

    #[test]
    fn missing_files_are_none_and_dirs_empty() {
        let dir = tempfile::tempdir().unwrap();
        let root = SystemRoot::new(dir.path());
        assert_eq!(root.read_opt("/nope").unwrap(), None);
        assert!(root.list("/nope").unwrap().is_empty());
        assert!(root.read("/nope").unwrap_err().is_not_found());
    }
}
