//! Which files a scan reads: every path named (always read, as ripgrep does: an explicit
//! symbolic link is followed, a special file is an error) and every file below the
//! directories named. Symbolic links to regular files are followed, as `torch.load` follows
//! them (the Hugging Face cache is all links into `blobs/`): each target is analysed once and
//! reported under the names it was reached by (its links, when it has any). Nothing is passed
//! over silently: dangling links, loops, links to directories (unless `--follow-symlinks`),
//! links leading outside the roots (with `--no-follow-outside`) and special files met in a
//! walk are recorded with the reason; unreadable directories are analysis errors and the walk
//! goes on.
use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use globset::GlobSet;
use tw_diagnostics::{AnalysisError, SkipReason, SkippedInput};
use tw_fs::FileKind;

/// How a walk treats links and which paths it leaves out.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Paths matching these globs are left out (the path, relative to its root, or file name).
    pub exclude: GlobSet,
    /// Walk into directories that symbolic links name (links to files are always followed).
    pub follow_symlinks: bool,
    /// Pass over links whose target lies outside every directory named.
    pub no_follow_outside: bool,
}

/// One file to analyse, and the names it is reported under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The names the file was reached by: its links when any led to it (the Hugging Face
    /// layout reports `snapshots/<rev>/model.bin`, not `blobs/<sha>`), else its direct names
    /// (several for hard links). Never empty; the first is the one opened.
    pub names: Vec<PathBuf>,
    /// Named by the user (on the command line or in a list): failing to open it is an error.
    /// A file found by walking a directory that vanishes or turns special is passed over.
    pub explicit: bool,
}

impl Input {
    /// The path analysis opens, and the name the input is known by (sharding, JSONL).
    pub fn path(&self) -> &Path {
        self.names.first().map_or(Path::new(""), PathBuf::as_path)
    }
}

/// The files found, and what was passed over or could not be walked.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files to analyse, each target once, in walk order.
    pub inputs: Vec<Input>,
    /// Paths named that could not be read, and directories that could not be walked.
    pub errors: Vec<AnalysisError>,
    /// Entries passed over, with the reason.
    pub skipped: Vec<SkippedInput>,
    /// Symbolic links followed to regular files.
    pub links_followed: u64,
}

/// A regular file found, before grouping by identity.
struct Found {
    path: PathBuf,
    id: (u64, u64),
    via_link: bool,
    explicit: bool,
}

/// Collects the files under `roots`, each named path read whatever its type.
pub fn collect(roots: &[PathBuf], options: &WalkOptions) -> Walked {
    let mut walk = Walk {
        options,
        inside: if options.no_follow_outside {
            roots
                .iter()
                .filter(|root| root.is_dir())
                .filter_map(|root| root.canonicalize().ok())
                .collect()
        } else {
            Vec::new()
        },
        found: Vec::new(),
        walked: Walked::default(),
    };
    for root in roots {
        walk.root(root);
    }
    let Walk {
        found, mut walked, ..
    } = walk;
    walked.inputs = group(found);
    walked
}

/// Groups found files by (device, inode): one input per target, named by its links if any.
fn group(found: Vec<Found>) -> Vec<Input> {
    let mut index: HashMap<(u64, u64), usize> = HashMap::with_capacity(found.len());
    // Per target: (link names, direct names, explicit).
    let mut groups: Vec<(Vec<PathBuf>, Vec<PathBuf>, bool)> = Vec::with_capacity(found.len());
    for file in found {
        let slot = *index.entry(file.id).or_insert_with(|| {
            groups.push((Vec::new(), Vec::new(), false));
            groups.len() - 1
        });
        let Some((links, direct, explicit)) = groups.get_mut(slot) else {
            continue;
        };
        *explicit |= file.explicit;
        let names = if file.via_link { links } else { direct };
        if !names.contains(&file.path) {
            names.push(file.path);
        }
    }
    groups
        .into_iter()
        .map(|(links, direct, explicit)| Input {
            names: if links.is_empty() { direct } else { links },
            explicit,
        })
        .collect()
}

struct Walk<'a> {
    options: &'a WalkOptions,
    /// Canonical directories named, for `--no-follow-outside`.
    inside: Vec<PathBuf>,
    found: Vec<Found>,
    walked: Walked,
}

impl Walk<'_> {
    /// A path the user named: a file (through any links) is read; a directory is walked;
    /// anything else, or a path that is not there, is an error.
    fn root(&mut self, root: &Path) {
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(source) => {
                self.error(&tw_fs::Error::Io {
                    op: tw_fs::Op::Stat,
                    path: root.to_path_buf(),
                    source,
                });
                return;
            }
        };
        if meta.is_dir() {
            self.directory(root);
        } else if let Some(kind) = FileKind::of(meta.file_type()) {
            self.error(&tw_fs::Error::NotRegularFile {
                path: root.to_path_buf(),
                kind,
            });
        } else {
            self.add(root.to_path_buf(), &meta, root.is_symlink(), true);
        }
    }

    /// A regular file to analyse, reached through a link or not.
    fn add(&mut self, path: PathBuf, meta: &std::fs::Metadata, via_link: bool, explicit: bool) {
        if via_link {
            self.walked.links_followed += 1;
        }
        self.found.push(Found {
            path,
            id: (meta.dev(), meta.ino()),
            via_link,
            explicit,
        });
    }

    /// A path that could not be read: an analysis error, and the walk goes on.
    fn error(&mut self, err: &tw_fs::Error) {
        self.walked.errors.push(AnalysisError::of_path(
            err.path().display().to_string(),
            err,
        ));
    }

    fn directory(&mut self, root: &Path) {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(self.options.follow_symlinks)
            .sort_by_file_name();
        let mut it = walker.into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    self.walk_error(root, &err);
                    continue;
                }
            };
            if excluded(entry.path(), root, &self.options.exclude) {
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            if file_type.is_symlink() {
                self.link(entry.into_path());
                continue;
            }
            let via_link = entry.path_is_symlink();
            if let Some(kind) = FileKind::of(file_type) {
                self.skip(entry.path(), kind.skip_reason());
                continue;
            }
            // Identity for grouping; a file gone since the listing is passed over.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(err) => {
                    self.walk_error(root, &err);
                    continue;
                }
            };
            self.add(entry.into_path(), &meta, via_link, false);
        }
    }

    /// A link met in a walk (not followed by walkdir): followed when it names a regular file.
    fn link(&mut self, path: PathBuf) {
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(err) => {
                let reason = match err.raw_os_error() {
                    Some(code) if code == ELOOP => SkipReason::LinkLoop,
                    _ if err.kind() == io::ErrorKind::NotFound => SkipReason::DanglingLink,
                    _ => {
                        self.error(&tw_fs::Error::Io {
                            op: tw_fs::Op::Stat,
                            path,
                            source: err,
                        });
                        return;
                    }
                };
                self.skip(&path, reason);
                return;
            }
        };
        if meta.is_dir() {
            self.skip(&path, SkipReason::DirectoryLink);
            return;
        }
        if let Some(kind) = FileKind::of(meta.file_type()) {
            self.skip(&path, kind.skip_reason());
            return;
        }
        if !self.inside.is_empty() {
            let within = path
                .canonicalize()
                .is_ok_and(|target| self.inside.iter().any(|dir| target.starts_with(dir)));
            if !within {
                self.skip(&path, SkipReason::OutsideRoots);
                return;
            }
        }
        self.add(path, &meta, true, false);
    }

    fn walk_error(&mut self, root: &Path, err: &walkdir::Error) {
        let path = err.path().unwrap_or(root).to_path_buf();
        if err.loop_ancestor().is_some() {
            self.skip(&path, SkipReason::LinkLoop);
            return;
        }
        match err.io_error() {
            // Following directory links: a link to itself, or to nothing.
            Some(io) if io.raw_os_error() == Some(ELOOP) => self.skip(&path, SkipReason::LinkLoop),
            Some(io) if io.kind() == io::ErrorKind::NotFound && path.is_symlink() => {
                self.skip(&path, SkipReason::DanglingLink);
            }
            // Listed, then gone: a build cleaning up, a checkpoint rotated.
            Some(io) if io.kind() == io::ErrorKind::NotFound => {
                self.skip(&path, SkipReason::Vanished);
            }
            Some(io) => {
                let source = io.raw_os_error().map_or_else(
                    || io::Error::new(io.kind(), io.to_string()),
                    io::Error::from_raw_os_error,
                );
                self.error(&tw_fs::Error::Io {
                    op: tw_fs::Op::Read,
                    path,
                    source,
                });
            }
            None => self.walked.errors.push(AnalysisError {
                path: path.display().to_string(),
                entry: None,
                offset: None,
                message: format!("cannot walk: {err}"),
            }),
        }
    }

    fn skip(&mut self, path: &Path, reason: SkipReason) {
        self.walked.skipped.push(SkippedInput {
            path: path.display().to_string(),
            reason,
        });
    }
}

/// `ELOOP`: too many levels of symbolic links (a link to itself or a cycle).
const ELOOP: i32 = rustix::io::Errno::LOOP.raw_os_error();

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
    use std::os::unix::fs::symlink;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn names(walked: &Walked, base: &Path) -> Vec<Vec<String>> {
        walked
            .inputs
            .iter()
            .map(|input| {
                input
                    .names
                    .iter()
                    .filter_map(|p| p.strip_prefix(base).ok())
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .collect()
    }

    fn reasons(walked: &Walked, base: &Path) -> Vec<(String, SkipReason)> {
        let prefix = format!("{}/", base.display());
        walked
            .skipped
            .iter()
            .map(|s| (s.path.trim_start_matches(&prefix).to_owned(), s.reason))
            .collect()
    }

    #[test]
    fn follows_file_links_and_excludes_paths() -> TestResult {
        let dir = tempfile::tempdir()?;
        let base = dir.path();
        std::fs::create_dir(base.join("sub"))?;
        std::fs::write(base.join("a.pt"), b"x")?;
        std::fs::write(base.join("sub/b.pt"), b"x")?;
        std::fs::write(base.join("skip.bin"), b"x")?;
        symlink("/etc/passwd", base.join("link.pt"))?;
        let mut globs = GlobSetBuilder::new();
        globs.add(Glob::new("*.bin")?);
        let options = WalkOptions {
            exclude: globs.build()?,
            ..WalkOptions::default()
        };
        let walked = collect(&[base.to_path_buf()], &options);
        assert_eq!(names(&walked, base), [["a.pt"], ["link.pt"], ["sub/b.pt"]]);
        assert_eq!(walked.links_followed, 1);
        assert!(walked.skipped.is_empty());
        Ok(())
    }

    #[test]
    fn hugging_face_cache_reports_each_blob_once_under_its_links() -> TestResult {
        let dir = tempfile::tempdir()?;
        let base = dir.path();
        let repo = base.join("models--org--name");
        std::fs::create_dir_all(repo.join("blobs"))?;
        std::fs::create_dir_all(repo.join("snapshots/rev1"))?;
        std::fs::create_dir_all(repo.join("snapshots/rev2"))?;
        std::fs::write(repo.join("blobs/abc"), b"x")?;
        symlink(
            "../../blobs/abc",
            repo.join("snapshots/rev1/pytorch_model.bin"),
        )?;
        symlink(
            "../../blobs/abc",
            repo.join("snapshots/rev2/pytorch_model.bin"),
        )?;
        let walked = collect(&[base.to_path_buf()], &WalkOptions::default());
        assert_eq!(
            names(&walked, base),
            [[
                "models--org--name/snapshots/rev1/pytorch_model.bin",
                "models--org--name/snapshots/rev2/pytorch_model.bin"
            ]]
        );
        assert_eq!(walked.links_followed, 2);

        // Only the snapshots, links leading outside them refused on request.
        let snapshots = repo.join("snapshots");
        let outside = WalkOptions {
            no_follow_outside: true,
            ..WalkOptions::default()
        };
        let walked = collect(std::slice::from_ref(&snapshots), &outside);
        assert!(walked.inputs.is_empty());
        assert_eq!(
            reasons(&walked, &snapshots),
            [
                (
                    "rev1/pytorch_model.bin".to_owned(),
                    SkipReason::OutsideRoots
                ),
                (
                    "rev2/pytorch_model.bin".to_owned(),
                    SkipReason::OutsideRoots
                )
            ]
        );
        Ok(())
    }

    #[test]
    fn dangling_links_loops_directory_links_and_fifos_are_passed_over_with_a_reason() -> TestResult
    {
        let dir = tempfile::tempdir()?;
        let base = dir.path();
        std::fs::create_dir(base.join("d"))?;
        symlink("missing", base.join("dangling"))?;
        symlink("self", base.join("self"))?;
        symlink("d", base.join("dirlink"))?;
        symlink(".", base.join("d/up"))?;
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            base.join("fifo"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )?;
        let walked = collect(&[base.to_path_buf()], &WalkOptions::default());
        assert!(walked.inputs.is_empty());
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
        assert_eq!(
            reasons(&walked, base),
            [
                ("d/up".to_owned(), SkipReason::DirectoryLink),
                ("dangling".to_owned(), SkipReason::DanglingLink),
                ("dirlink".to_owned(), SkipReason::DirectoryLink),
                ("fifo".to_owned(), SkipReason::Fifo),
                ("self".to_owned(), SkipReason::LinkLoop),
            ]
        );
        // Following directory links, the loop back up is caught by walkdir.
        let follow = WalkOptions {
            follow_symlinks: true,
            ..WalkOptions::default()
        };
        let walked = collect(&[base.to_path_buf()], &follow);
        assert!(walked
            .skipped
            .iter()
            .any(|s| s.reason == SkipReason::LinkLoop && s.path.ends_with("d/up")));
        Ok(())
    }

    #[test]
    fn named_paths_are_read_whatever_they_are() -> TestResult {
        let dir = tempfile::tempdir()?;
        let base = dir.path();
        std::fs::write(base.join("model.pt"), b"x")?;
        symlink("model.pt", base.join("link.pt"))?;
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            base.join("fifo"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )?;
        let roots = [
            base.join("link.pt"),
            base.join("fifo"),
            base.join("missing"),
        ];
        let walked = collect(&roots, &WalkOptions::default());
        assert_eq!(names(&walked, base), [["link.pt"]]);
        assert!(walked.inputs.iter().all(|i| i.explicit));
        assert_eq!(walked.links_followed, 1);
        let messages: Vec<&str> = walked.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("is a FIFO (named pipe), not a regular file"));
        assert!(messages[1].contains("(ENOENT): No such file or directory"));
        Ok(())
    }
}
