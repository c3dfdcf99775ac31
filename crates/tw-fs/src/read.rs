//! Bounded reads: a regular file is read only up to a caller's limit, so a huge or growing
//! input can never exhaust memory; FIFOs, devices and sockets are refused at the open
//! ([`crate::open_regular`]), so an endless or writer-less input can never stall a read.
use crate::error::{Error, Op, Result};
use crate::open::open_regular;
use std::io::Read;
use std::path::Path;

/// Reads the whole of the regular file `path`, failing with [`Error::TooLarge`] when it holds
/// more than `limit` bytes and [`Error::NotRegularFile`] when it is not a regular file. Memory
/// use is bounded by `limit` (plus one byte of probe).
pub fn read_bounded(path: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit,
            actual: meta.len(),
        });
    }
    // Pre-allocate at most what the file claims, never more than the limit.
    let hint = usize::try_from(meta.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::io(Op::Read, path, source))?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit,
            actual: read,
        });
    }
    Ok(bytes)
}

/// [`read_bounded`], then checked to be UTF-8.
pub fn read_to_string_bounded(path: impl AsRef<Path>, limit: u64) -> Result<String> {
    let path = path.as_ref();
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|err| Error::InvalidUtf8 {
        path: path.to_path_buf(),
        offset: err.utf8_error().valid_up_to() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn reads_up_to_the_limit_and_refuses_more() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        fs::write(&file, b"0123456789").map_err(|e| Error::io(Op::Write, &file, e))?;
        assert_eq!(read_bounded(&file, 10)?, b"0123456789");
        assert!(matches!(
            read_bounded(&file, 9),
            Err(Error::TooLarge {
                limit: 9,
                actual: 10,
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn devices_and_fifos_are_refused_not_read() -> Result<()> {
        assert!(matches!(
            read_bounded("/dev/zero", 4096),
            Err(Error::NotRegularFile {
                kind: crate::FileKind::CharDevice,
                ..
            })
        ));
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .map_err(|e| Error::io(Op::Open, &fifo, e.into()))?;
        assert!(matches!(
            read_to_string_bounded(&fifo, 4096),
            Err(Error::NotRegularFile {
                kind: crate::FileKind::Fifo,
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn invalid_utf8_reports_the_offset() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        fs::write(&file, b"ab\xffcd").map_err(|e| Error::io(Op::Write, &file, e))?;
        assert!(matches!(
            read_to_string_bounded(&file, 100),
            Err(Error::InvalidUtf8 { offset: 2, .. })
        ));
        Ok(())
    }
}
