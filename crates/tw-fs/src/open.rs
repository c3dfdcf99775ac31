//! The one way torchward opens a file to read it: non-blocking (`O_NONBLOCK`, so a FIFO without
//! a writer, a terminal or a device can never stall the open), then `fstat` on the descriptor,
//! refusing anything but a regular file. The check is on the descriptor, not on the path, so a
//! file swapped for a FIFO between a directory listing and the open is refused, never waited on.
//! Every reader in `tw-fs` ([`crate::read_bounded`], [`crate::Mapping::open`]) starts here.
use crate::error::{Error, Op, Result};
use rustix::fs::{Mode, OFlags};
use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use tw_diagnostics::SkipReason;

/// What a path turned out to be when it is not a regular file, for messages and skip reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A Unix-domain socket.
    Socket,
    /// A character device (`/dev/zero`, a terminal).
    CharDevice,
    /// A block device (a disk).
    BlockDevice,
    /// A symbolic link (seen only by callers that do not follow links).
    Symlink,
    /// Anything else the kernel may report.
    Other,
}

impl FileKind {
    /// The kind of a non-regular `file_type` (`None` for a regular file).
    pub fn of(file_type: FileType) -> Option<Self> {
        Some(if file_type.is_file() {
            return None;
        } else if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_fifo() {
            FileKind::Fifo
        } else if file_type.is_socket() {
            FileKind::Socket
        } else if file_type.is_char_device() {
            FileKind::CharDevice
        } else if file_type.is_block_device() {
            FileKind::BlockDevice
        } else if file_type.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Other
        })
    }

    /// Why a file of this kind met in a walk is passed over: reading a FIFO could block, a
    /// device could be endless, a socket cannot be read as a file.
    pub fn skip_reason(self) -> SkipReason {
        match self {
            FileKind::Fifo => SkipReason::Fifo,
            FileKind::Socket => SkipReason::Socket,
            // Devices, and what a listed file may have been swapped for meanwhile.
            _ => SkipReason::Device,
        }
    }

    /// A stable lower-case name (`fifo`, `socket`, `char-device` ...) for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Directory => "directory",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::CharDevice => "char-device",
            FileKind::BlockDevice => "block-device",
            FileKind::Symlink => "symlink",
            FileKind::Other => "special-file",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Symlink => "a symbolic link",
            FileKind::Other => "a special file",
        })
    }
}

/// Opens `path` (following symbolic links) read-only without blocking, and returns it with its
/// metadata only when it is a regular file; anything else is [`Error::NotRegularFile`] naming
/// what it is. The descriptor keeps `O_NONBLOCK`, which Linux ignores for regular files.
pub fn open_regular(path: impl AsRef<Path>) -> Result<(File, Metadata)> {
    let path = path.as_ref();
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::empty())
        .map_err(|errno| Error::io(Op::Open, path, errno.into()))?;
    let file = File::from(fd);
    let meta = file
        .metadata()
        .map_err(|source| Error::io(Op::Stat, path, source))?;
    if let Some(kind) = FileKind::of(meta.file_type()) {
        return Err(Error::NotRegularFile {
            path: path.to_path_buf(),
            kind,
        });
    }
    Ok((file, meta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn opens_regular_files_and_refuses_fifos_without_blocking() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Op::Open, "tmp", e))?;
        let file = dir.path().join("f");
        std::fs::write(&file, b"bytes").map_err(|e| Error::io(Op::Write, &file, e))?;
        let (mut handle, meta) = open_regular(&file)?;
        assert_eq!(meta.len(), 5);
        let mut text = String::new();
        handle
            .read_to_string(&mut text)
            .map_err(|e| Error::io(Op::Read, &file, e))?;
        assert_eq!(text, "bytes");

        // A FIFO with no writer: a blocking open would wait forever.
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, Mode::from_raw_mode(0o600))
            .map_err(|e| Error::io(Op::Open, &fifo, e.into()))?;
        assert!(matches!(
            open_regular(&fifo),
            Err(Error::NotRegularFile {
                kind: FileKind::Fifo,
                ..
            })
        ));
        assert!(matches!(
            open_regular(dir.path()),
            Err(Error::NotRegularFile {
                kind: FileKind::Directory,
                ..
            })
        ));
        assert!(matches!(
            open_regular("/dev/null"),
            Err(Error::NotRegularFile {
                kind: FileKind::CharDevice,
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn missing_file_names_the_os_reason() {
        let err = open_regular("/nonexistent/tw-fs-open");
        let Err(err) = err else {
            panic!("opened a missing file")
        };
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "cannot open `/nonexistent/tw-fs-open` (ENOENT)"
        );
    }
}
