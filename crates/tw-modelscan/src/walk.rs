//! Which files a scan looks at: the files named, and every file below the directories named,
//! without following symbolic links unless asked, minus `--exclude` globs. Unreadable
//! directories become analysis errors; the walk goes on.
use std::path::{Path, PathBuf};

use globset::GlobSet;
use tw_diagnostics::AnalysisError;

/// The files found and the places that could not be walked.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files to analyse, in walk order.
    pub files: Vec<PathBuf>,
    /// Directories or paths that could not be read.
    pub errors: Vec<AnalysisError>,
    /// Symbolic links passed over because links are not followed.
    pub skipped_links: u64,
}

/// Collects the files under `paths`.
pub fn collect(paths: &[PathBuf], exclude: &GlobSet, follow_symlinks: bool) -> Walked {
    let mut walked = Walked::default();
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(follow_symlinks)
            .sort_by_file_name();
        let mut it = walker.into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let path = err.path().unwrap_or(root.as_path()).display().to_string();
                    let message = match err.io_error() {
                        Some(io) => format!("cannot read: {io}"),
                        None => format!("cannot walk: {err}"),
                    };
                    walked.errors.push(AnalysisError {
                        path,
                        entry: None,
                        offset: None,
                        message,
                    });
                    continue;
                }
            };
            if excluded(entry.path(), root, exclude) {
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            let file_type = entry.file_type();
            if file_type.is_symlink() {
                walked.skipped_links += 1;
            } else if file_type.is_file() {
                walked.files.push(entry.into_path());
            }
        }
    }
    walked
}

/// Whether `path` matches an exclude glob, tried on the path as walked, relative to its root,
/// and on its file name.
fn excluded(path: &Path, root: &Path, exclude: &GlobSet) -> bool {
    if exclude.is_empty() {
        return false;
    }
    exclude.is_match(path)
        || path
            .strip_prefix(root)
            .is_ok_and(|rel| !rel.as_os_str().is_empty() && exclude.is_match(rel))
        || path.file_name().is_some_and(|name| exclude.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::{Glob, GlobSetBuilder};

    #[test]
    fn skips_links_and_excluded_paths() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("sub"))?;
        std::fs::write(dir.path().join("a.pt"), b"x")?;
        std::fs::write(dir.path().join("sub/b.pt"), b"x")?;
        std::fs::write(dir.path().join("skip.bin"), b"x")?;
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link.pt"))?;
        let mut globs = GlobSetBuilder::new();
        globs.add(Glob::new("*.bin")?);
        let walked = collect(&[dir.path().to_path_buf()], &globs.build()?, false);
        let names: Vec<_> = walked
            .files
            .iter()
            .filter_map(|p| p.strip_prefix(dir.path()).ok())
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(names, ["a.pt", "sub/b.pt"]);
        assert_eq!(walked.skipped_links, 1);
        Ok(())
    }

    #[test]
    fn missing_path_is_an_error_not_a_stop() {
        let walked = collect(
            &[PathBuf::from("/nonexistent/torchward/x")],
            &GlobSet::empty(),
            false,
        );
        assert!(walked.files.is_empty());
        assert_eq!(walked.errors.len(), 1);
        assert!(walked.errors[0].message.contains("cannot read"));
    }
}
