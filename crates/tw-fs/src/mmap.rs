//! The one read-only memory map torchward uses for large inputs (checkpoint tensor data), so
//! the only `unsafe` in the workspace outside tests lives here with its justification.
//!
//! Caveat (SIGBUS): a mapping reflects the file as it is now. If another process truncates the
//! file while it is mapped, touching a page past the new end raises `SIGBUS` and kills the
//! process. Rust cannot turn that into an error. torchward maps only files the user asked it
//! to read; callers that cannot rule out concurrent truncation should use bounded reads.
use crate::error::{Error, Op, Result};
use crate::open::open_regular;
use std::fs::File;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// Mappings larger than this give back their pages in [`Mapping::release_pages`].
const RELEASE_ABOVE: u64 = 64 << 20;

/// A read-only mapping of a whole regular file.
#[derive(Debug)]
pub struct Mapping {
    map: memmap2::Mmap,
    path: PathBuf,
}

impl Mapping {
    /// Maps `path` read-only. Only regular files are mapped (not devices or FIFOs), opened
    /// without blocking ([`crate::open_regular`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (file, _) = open_regular(path)?;
        Self::of_file(&file, path)
    }

    /// Maps `file`, a regular file already opened (by [`crate::open_regular`]) from `path`.
    pub fn of_file(file: &File, path: &Path) -> Result<Self> {
        // SAFETY: the mapping is read-only (PROT_READ, MAP_PRIVATE semantics for our view) and
        // we never create a `&mut` into it. The remaining hazard is another process changing
        // or truncating the file while mapped: changes may show through (we treat the bytes
        // as untrusted input anyway, never as validated data) and truncation raises SIGBUS,
        // documented in the module docs above.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(file) }
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

    /// Unmaps the pages this process has touched so far (`madvise(MADV_DONTNEED)`) while
    /// keeping the mapping: the resident set stops counting them, and a later read faults them
    /// back in from the page cache. For walks that read one small header per record of a big
    /// file, where each fault maps a whole large folio (`tw_checkpoint::pages`). Maps of at
    /// most `RELEASE_ABOVE` (64 MiB) bytes are left alone: they cannot hold much resident however
    /// they are touched, and releasing them often would only cost faults. Best effort: an
    /// error leaves the pages mapped, which costs memory, not correctness.
    pub fn release_pages(&self) {
        if self.map.len() as u64 <= RELEASE_ABOVE {
            return;
        }
        // SAFETY: a shared (memmap2 maps read-only files MAP_SHARED), read-only file mapping:
        // after MADV_DONTNEED every page reads back the same bytes from the file, so slices
        // borrowed from the mapping stay valid and unchanged. Nothing is written or freed.
        // The one way the bytes could differ, another process changing the file, is the
        // module caveat that already applies to every read of the mapping.
        #[allow(unsafe_code)]
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
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

    #[test]
    fn released_pages_read_back_the_same() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        let bytes: Vec<u8> = (0..3 * 4096 + 7u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&file, &bytes).map_err(|e| Error::io(Op::Write, &file, e))?;
        let map = Mapping::open(&file)?;
        let held: &[u8] = &map;
        assert_eq!(held, bytes.as_slice());
        map.release_pages();
        assert_eq!(held, bytes.as_slice());
        // A map big enough to be released for real (a sparse file: no disk used).
        let big = dir.path().join("big");
        let handle = std::fs::File::create(&big).map_err(|e| Error::io(Op::Open, &big, e))?;
        handle
            .set_len(RELEASE_ABOVE + 4096)
            .map_err(|e| Error::io(Op::Write, &big, e))?;
        std::os::unix::fs::FileExt::write_all_at(&handle, b"tail", RELEASE_ABOVE)
            .map_err(|e| Error::io(Op::Write, &big, e))?;
        let map = Mapping::open(&big)?;
        let at = usize::try_from(RELEASE_ABOVE).unwrap_or(usize::MAX);
        let tail = map.get(at..at.saturating_add(4));
        assert_eq!(tail, Some(&b"tail"[..]));
        map.release_pages();
        assert_eq!(tail, Some(&b"tail"[..]));
        Ok(())
    }
}
