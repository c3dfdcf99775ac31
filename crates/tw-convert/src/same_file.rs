//! An output that is its own input is refused, whatever `--force` says: writing it would
//! replace the checkpoint with its own conversion and lose the original. "The same file" is the
//! same device and inode (which covers the same path, a symlink to the input and a hard link
//! to it) or, when either cannot be stat'ed, the same path after resolving every link.
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The identity of a file: device and inode, following symlinks.
pub(crate) fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Whether `output` names the same file as `input`.
pub fn output_is_input(input: &Path, output: &Path) -> bool {
    if let (Some(a), Some(b)) = (identity(input), identity(output)) {
        return a == b;
    }
    matches!(
        (std::fs::canonicalize(input), std::fs::canonicalize(output)),
        (Ok(a), Ok(b)) if a == b
    )
}

#[cfg(test)]
mod tests {
    use super::output_is_input;

    #[test]
    fn same_path_symlink_and_hard_link_are_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.pt");
        std::fs::write(&input, b"x").unwrap();
        std::os::unix::fs::symlink(&input, dir.path().join("link")).unwrap();
        std::fs::hard_link(&input, dir.path().join("hard")).unwrap();
        std::fs::write(dir.path().join("other"), b"x").unwrap();
        assert!(output_is_input(&input, &input));
        assert!(output_is_input(&input, &dir.path().join("./a.pt")));
        assert!(output_is_input(&input, &dir.path().join("link")));
        assert!(output_is_input(&input, &dir.path().join("hard")));
        assert!(!output_is_input(&input, &dir.path().join("other")));
        assert!(!output_is_input(&input, &dir.path().join("missing")));
    }
}
