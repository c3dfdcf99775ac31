//! A tree in a temporary directory outside any `tmp` component (so location rules do not see
//! a temporary area): beside the target directory, else (a checkout under /tmp, or a target
//! directory another user owns) in `$HOME/.cache`; with helpers to create files with exact
//! modes.
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        let beside_target = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("tw-perms-trees");
        // A checkout (or target directory) under /tmp would put every tree in a temporary area;
        // then use the home directory's cache instead.
        let temporary = |p: &Path| {
            p.components().any(|c| {
                let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
                ["tmp", "temp", ".tmp", "scratch"].contains(&name.as_str())
            })
        };
        let make_in = |base: &Path| {
            fs::create_dir_all(base).ok()?;
            tempfile::Builder::new()
                .prefix("tree")
                .tempdir_in(base)
                .ok()
        };
        // The same when the target directory is not ours to write (shared with another user).
        let dir = (!temporary(&beside_target))
            .then(|| make_in(&beside_target))
            .flatten()
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME").map(PathBuf::from).unwrap();
                let base = home.join(".cache/torchward-tw-perms-trees");
                assert!(
                    !temporary(&base),
                    "no tree location outside a tmp component"
                );
                make_in(&base).unwrap()
            });
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o750)).unwrap();
        Tree { dir }
    }

    pub fn root(&self) -> PathBuf {
        fs::canonicalize(self.dir.path()).unwrap()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn dir(&self, rel: &str, mode: u32) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    pub fn file(&self, rel: &str, mode: u32, content: &[u8]) -> PathBuf {
        let path = self.path(rel);
        fs::write(&path, content).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

pub fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

pub fn audit(paths: &[PathBuf]) -> tw_perms::PermsAudit {
    tw_perms::audit(paths, &tw_perms::Options::default())
}

/// (rule, path relative to `root`) of every finding except the umask one.
pub fn summary(result: &tw_perms::PermsAudit, root: &Path) -> Vec<(String, String)> {
    let prefix = root.to_string_lossy().into_owned();
    let mut out: Vec<(String, String)> = result
        .findings
        .iter()
        .filter(|f| f.rule != "TW307")
        .map(|f| {
            (
                f.rule.clone(),
                f.location
                    .path
                    .strip_prefix(&prefix)
                    .unwrap_or(&f.location.path)
                    .to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}
