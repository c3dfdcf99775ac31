//! The ignore files a tree walk honours (`.ignore`, `.gitignore`, `.git/info/exclude`), read the
//! tw-fs way: each through [`crate::read_bounded`] (non-blocking open, `fstat`, regular files
//! only, bounded), so a FIFO named `.gitignore` can never stall a walk. The `ignore` crate's walker
//! opens these files with a blocking `open`; walkers therefore switch its ignore-file handling
//! off and ask [`IgnoreRules::is_ignored`] instead. Invariant: the matching is the `ignore`
//! crate's (ripgrep's): rules of a deeper directory win over a shallower one; `.ignore` wins over
//! `.gitignore`, which wins over the repository's exclude file; `.ignore` files of every parent of
//! the walk root apply, `.gitignore` files only up to the repository root (the nearest directory
//! holding `.git`), and with `require_git` only inside a repository. The user's global git
//! excludes (`core.excludesFile`) are not read, so a report never depends on who runs it.
use crate::error::Error;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tw_diagnostics::SkippedInput;

/// Ignore files larger than this are reported instead of read (real ones are a few KiB).
pub const MAX_IGNORE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What reading the ignore files of a walk met besides rules.
#[derive(Debug, Default)]
pub struct IgnoreProblems {
    /// Ignore files passed over: FIFOs, sockets, devices (their rules are not applied).
    pub skipped: Vec<SkippedInput>,
    /// Ignore files that could not be read or hold a pattern that is not a valid glob.
    pub errors: Vec<Error>,
}

/// The rules of one directory and, through `parent`, of every directory above it.
struct DirRules {
    parent: Option<Arc<DirRules>>,
    /// The directory holds `.git`: the root of a repository.
    has_git: bool,
    /// This directory or one above it holds `.git`.
    in_git: bool,
    ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    exclude: Option<Gitignore>,
}

/// The ignore rules of one walk root, loaded lazily per directory as the walk meets it and
/// shared between the walk's threads.
pub struct IgnoreRules {
    /// The root as the walk was given it (entry paths start with it).
    root: PathBuf,
    /// The root made absolute and canonical, where ignore files are looked up.
    base: PathBuf,
    require_git: bool,
    dirs: Mutex<HashMap<PathBuf, Arc<DirRules>>>,
    problems: Mutex<IgnoreProblems>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere never leaves the map half-updated (inserts are single calls).
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl IgnoreRules {
    /// Rules for a walk of `root`. With `require_git`, `.gitignore` and exclude files apply only
    /// inside a git repository (the `ignore` crate's default); `.ignore` files apply everywhere.
    pub fn new(root: &Path, require_git: bool) -> Self {
        let base = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        IgnoreRules {
            root: root.to_path_buf(),
            base,
            require_git,
            dirs: Mutex::new(HashMap::new()),
            problems: Mutex::new(IgnoreProblems::default()),
        }
    }

    /// Whether the walk entry `path` (a path under the root as the walk produced it) is ignored.
    /// An ignored directory is not entered: nothing below it can be re-included, as in git.
    pub fn is_ignored(&self, path: &Path, is_dir: bool) -> bool {
        let absolute = match path.strip_prefix(&self.root) {
            Ok(rest) => self.base.join(rest),
            Err(_) => path.to_path_buf(),
        };
        let Some(dir) = absolute.parent() else {
            return false;
        };
        let rules = self.rules_for(dir);
        let any_git = !self.require_git || rules.in_git;
        let (mut by_ignore, mut by_gitignore, mut by_exclude) =
            (Match::None, Match::None, Match::None);
        let mut saw_git = false;
        let mut current = Some(&rules);
        while let Some(level) = current {
            if by_ignore.is_none() {
                by_ignore = matched(level.ignore.as_ref(), &absolute, is_dir);
            }
            if any_git && !saw_git {
                if by_gitignore.is_none() {
                    by_gitignore = matched(level.gitignore.as_ref(), &absolute, is_dir);
                }
                if by_exclude.is_none() {
                    by_exclude = matched(level.exclude.as_ref(), &absolute, is_dir);
                }
            }
            saw_git = saw_git || level.has_git;
            current = level.parent.as_ref();
        }
        by_ignore.or(by_gitignore).or(by_exclude).is_ignore()
    }

    /// The ignore files passed over and the errors met since the last call (once the walk is
    /// over: all of them).
    pub fn take_problems(&self) -> IgnoreProblems {
        std::mem::take(&mut *lock(&self.problems))
    }

    fn rules_for(&self, dir: &Path) -> Arc<DirRules> {
        if let Some(found) = lock(&self.dirs).get(dir) {
            return Arc::clone(found);
        }
        let parent = dir.parent().map(|up| self.rules_for(up));
        let loaded = Arc::new(self.load(dir, parent));
        lock(&self.dirs)
            .entry(dir.to_path_buf())
            .or_insert(loaded)
            .clone()
    }

    fn load(&self, dir: &Path, parent: Option<Arc<DirRules>>) -> DirRules {
        // `stat` never blocks, whatever `.git` is (a directory, or a file in a worktree).
        let git = dir.join(".git");
        let git_meta = git.symlink_metadata().ok();
        let has_git = git_meta.is_some();
        let in_git = has_git || parent.as_ref().is_some_and(|up| up.in_git);
        let gitignore_applies = !self.require_git || in_git;
        let exclude = git_meta
            .filter(std::fs::Metadata::is_dir)
            .and_then(|_| self.read_rules(dir, &git.join("info").join("exclude")));
        DirRules {
            ignore: self.read_rules(dir, &dir.join(".ignore")),
            gitignore: gitignore_applies
                .then(|| self.read_rules(dir, &dir.join(".gitignore")))
                .flatten(),
            exclude: if gitignore_applies { exclude } else { None },
            parent,
            has_git,
            in_git,
        }
    }

    /// The rules of one ignore file whose patterns are relative to `dir`; `None` when there is
    /// no such file (the common case), it holds no rule, or it could not be used.
    fn read_rules(&self, dir: &Path, file: &Path) -> Option<Gitignore> {
        // Named as the walk names its entries (under the root as given), so a report shows
        // `./sub/.gitignore` beside `./sub/a.py`; files above the root keep their absolute path.
        let shown = match file.strip_prefix(&self.base) {
            Ok(rest) => self.root.join(rest),
            Err(_) => file.to_path_buf(),
        };
        let file = shown.as_path();
        let bytes = match crate::read_bounded(file, MAX_IGNORE_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(error) if error.is_not_found() => return None,
            // A directory named `.gitignore` holds no rules, as git sees it.
            Err(Error::NotRegularFile {
                kind: crate::FileKind::Directory,
                ..
            }) => return None,
            Err(error) => {
                let mut problems = lock(&self.problems);
                match error.walk_skip() {
                    Some(reason) => problems.skipped.push(SkippedInput {
                        path: file.display().to_string(),
                        reason,
                    }),
                    None => problems.errors.push(error),
                }
                return None;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut builder = GitignoreBuilder::new(dir);
        for (index, line) in text.lines().enumerate() {
            if let Err(source) = builder.add_line(Some(file.to_path_buf()), line) {
                lock(&self.problems).errors.push(Error::IgnorePattern {
                    path: file.to_path_buf(),
                    line: index as u64 + 1,
                    source: Box::new(source),
                });
            }
        }
        match builder.build() {
            Ok(rules) if rules.is_empty() => None,
            Ok(rules) => Some(rules),
            Err(source) => {
                lock(&self.problems).errors.push(Error::IgnorePattern {
                    path: file.to_path_buf(),
                    line: 0,
                    source: Box::new(source),
                });
                None
            }
        }
    }
}

fn matched(rules: Option<&Gitignore>, path: &Path, is_dir: bool) -> Match<()> {
    match rules.map(|rules| rules.matched(path, is_dir)) {
        Some(Match::Ignore(_)) => Match::Ignore(()),
        Some(Match::Whitelist(_)) => Match::Whitelist(()),
        Some(Match::None) | None => Match::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).ok();
        }
        fs::write(path, text).ok();
    }

    #[test]
    fn nested_gitignore_negation_and_ignore_precedence() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temporary directory")
        };
        let root = dir.path();
        fs::create_dir_all(root.join(".git")).ok();
        write(&root.join(".gitignore"), "*.log\nbuild/\n");
        write(&root.join("sub/.gitignore"), "!keep.log\n");
        write(&root.join("sub/.ignore"), "keep.log\n");
        write(&root.join("other/.gitignore"), "!keep.log\n");
        let rules = IgnoreRules::new(root, true);
        assert!(rules.is_ignored(&root.join("a.log"), false));
        assert!(!rules.is_ignored(&root.join("a.py"), false));
        assert!(rules.is_ignored(&root.join("build"), true));
        assert!(!rules.is_ignored(&root.join("build"), false));
        // A deeper negation re-includes; `.ignore` beats `.gitignore`.
        assert!(!rules.is_ignored(&root.join("other/keep.log"), false));
        assert!(rules.is_ignored(&root.join("sub/keep.log"), false));
        assert!(rules.take_problems().errors.is_empty());
    }

    #[test]
    fn gitignore_needs_a_repository_only_when_asked() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temporary directory")
        };
        let root = dir.path().join("tree");
        write(&root.join(".gitignore"), "*.log\n");
        write(&root.join(".ignore"), "*.tmp\n");
        let outside = IgnoreRules::new(&root, true);
        assert!(!outside.is_ignored(&root.join("a.log"), false));
        assert!(outside.is_ignored(&root.join("a.tmp"), false));
        let anywhere = IgnoreRules::new(&root, false);
        assert!(anywhere.is_ignored(&root.join("a.log"), false));
    }

    #[test]
    fn a_fifo_ignore_file_is_skipped_not_waited_on() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temporary directory")
        };
        let root = dir.path();
        fs::create_dir_all(root.join("sub")).ok();
        for name in [".gitignore", ".ignore"] {
            let fifo = root.join("sub").join(name);
            assert!(rustix::fs::mkfifoat(
                rustix::fs::CWD,
                &fifo,
                rustix::fs::Mode::from_raw_mode(0o600)
            )
            .is_ok());
        }
        let rules = IgnoreRules::new(root, false);
        assert!(!rules.is_ignored(&root.join("sub/a.py"), false));
        let problems = rules.take_problems();
        assert_eq!(problems.skipped.len(), 2, "{problems:?}");
        assert!(problems
            .skipped
            .iter()
            .all(|s| s.reason == tw_diagnostics::SkipReason::Fifo));
    }
}
