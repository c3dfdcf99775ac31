//! Integration tests of `tw-fs` that change process-wide state (the umask), so they live in
//! their own test binary: whatever the umask, files are written 0640 and directories 0750.
//! Every test here sets the umask it needs, so their order does not matter.

use rustix::fs::Mode;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tw_fs::{create_dir_all, write_atomic, AtomicFile, Error, WriteOptions};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

#[test]
fn modes_are_exact_under_any_umask() -> Result<(), Error> {
    for umask in [0o000, 0o022, 0o077, 0o777] {
        let dir = tempdir(); // made before the umask changes, so it is always usable
        rustix::process::umask(Mode::from_raw_mode(umask));
        let file = dir.path().join("report.json");
        write_atomic(&file, b"{}", WriteOptions::new())?;
        assert_eq!(mode(&file), 0o640, "file under umask {umask:03o}");
        let nested = dir.path().join("a/b");
        create_dir_all(&nested)?;
        assert_eq!(
            mode(&dir.path().join("a")),
            0o750,
            "dir under umask {umask:03o}"
        );
        assert_eq!(mode(&nested), 0o750, "dir under umask {umask:03o}");
    }
    rustix::process::umask(Mode::from_raw_mode(0o022));
    Ok(())
}

#[test]
fn streaming_writer_commits_whole_file_or_nothing() -> Result<(), Error> {
    use std::io::Write;
    let dir = tempdir();
    let dest = dir.path().join("model.safetensors");
    let mut file = AtomicFile::create(&dest, WriteOptions::new())?;
    for chunk in 0u8..16 {
        file.write_all(&[chunk; 4096])
            .unwrap_or_else(|e| panic!("write: {e}"));
        assert!(!dest.exists(), "nothing visible before commit");
    }
    file.commit()?;
    assert_eq!(
        std::fs::metadata(&dest).map(|m| m.len()).ok(),
        Some(16 * 4096)
    );
    assert_eq!(mode(&dest), 0o640);
    Ok(())
}

#[test]
fn a_file_appearing_before_commit_is_not_clobbered() -> Result<(), Error> {
    let dir = tempdir();
    let dest = dir.path().join("out");
    let file = AtomicFile::create(&dest, WriteOptions::new())?;
    std::fs::write(&dest, "someone else's").unwrap_or_else(|e| panic!("write: {e}"));
    assert!(matches!(file.commit(), Err(Error::Exists { .. })));
    assert_eq!(
        std::fs::read_to_string(&dest).ok().as_deref(),
        Some("someone else's")
    );
    let leftovers = std::fs::read_dir(dir.path()).map_or(0, Iterator::count);
    assert_eq!(leftovers, 1, "the temporary file is removed");
    Ok(())
}

#[test]
fn error_messages_name_the_path() {
    let err = write_atomic("/nonexistent-tw-fs/x", b"", WriteOptions::new())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "cannot create a temporary file in `/nonexistent-tw-fs`"
    );
    let err = tw_fs::read_bounded("/nonexistent-tw-fs/y", 1)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(err, "cannot open `/nonexistent-tw-fs/y` (ENOENT)");
}
