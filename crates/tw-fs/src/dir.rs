//! Directory creation with torchward's directory mode (0750), whatever the umask.
use crate::atomic::DIR_MODE;
use crate::chmod::set_mode;
use crate::error::{Error, Op, Result};
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// Creates `path` and any missing parents with mode 0750. Directories that already exist are
/// left as they are (their mode is not changed).
pub fn create_dir_all(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    match DirBuilder::new().mode(DIR_MODE).create(path) {
        // The umask may have removed bits; set the mode exactly through an O_NOFOLLOW
        // descriptor so a swapped-in symlink is refused rather than followed.
        Ok(()) => set_mode(path, DIR_MODE).map(drop),
        // Another process created it between our check and our mkdir: fine.
        Err(source) if source.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {
            Ok(())
        }
        Err(source) => Err(Error::io(Op::CreateDir, path, source)),
    }
}
