//! The one read-only memory map torchward uses for large inputs (checkpoint tensor data), so
//! the only `unsafe` in the workspace outside tests lives here with its justification.
//!
//! Caveat (SIGBUS): a mapping reflects the file as it is now. If another process truncates the
//! file while it is mapped, touching a page past the new end raises `SIGBUS` and kills the
//! process. Rust cannot turn that into an error. torchward maps only files the user asked it
//! to read; callers that cannot rule out concurrent truncation should use bounded reads.
use crate::error::{Error, Op, Result};
use std::fs::File;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A read-only mapping of a whole regular file.
#[derive(Debug)]
pub struct Mapping {
    map: memmap2::Mmap,
    path: PathBuf,
}

impl Mapping {
    /// Maps `path` read-only. Only regular files are mapped (not devices or FIFOs).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| Error::io(Op::Open, path, source))?;
        let meta = file
            .metadata()
            .map_err(|source| Error::io(Op::Stat, path, source))?;
        if !meta.is_file() {
            return Err(Error::NotRegularFile {
                path: path.to_path_buf(),
            });
        }
        // SAFETY: the mapping is read-only (PROT_READ, MAP_PRIVATE semantics for our view) and
        // we never create a `&mut` into it. The remaining hazard is another process changing
        // or truncating the file while mapped: changes may show through (we treat the bytes
        // as untrusted input anyway, never as validated data) and truncation raises SIGBUS,
        // documented in the module docs above.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|source| Error::io(Op::Map, path, source))?;
        Ok(Mapping {
            map,
            path: path.to_path_buf(),
        })
    }

    /// The mapped file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Deref for Mapping {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_file_contents_and_refuses_non_files() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        std::fs::write(&file, b"tensor bytes").map_err(|e| Error::io(Op::Write, &file, e))?;
        let map = Mapping::open(&file)?;
        assert_eq!(&*map, b"tensor bytes");
        assert_eq!(map.path(), file);
        assert!(matches!(
            Mapping::open(dir.path()),
            Err(Error::NotRegularFile { .. })
        ));
        Ok(())
    }
}
