//! The files that can set `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` for what starts after them: the
//! host's (`/etc/environment`, login and rc scripts of the system and of each home, systemd
//! units and their environment files) and each environment's (venv `bin/activate*`, conda
//! `etc/conda/activate.d/*` and `conda-meta/state`). A missing file is normal; one we may not
//! read (another user's home) is counted as hidden; any other failure is an error.
use crate::discover::{self, Environment, Kind};
use crate::error::EnvError;
use crate::flag::{self, Assignment};
use crate::judge;
use crate::root::Root;
use std::path::{Path, PathBuf};
use tw_diagnostics::Finding;

/// Largest script or unit read (longer ones are read up to this size).
const SCRIPT_LIMIT: u64 = 4 * 1024 * 1024;

/// Directory depth walked under a systemd unit directory (`x.service.d/override.conf` is 2).
const UNIT_DEPTH: usize = 4;

/// System-wide shell startup files (bash, sh, zsh, csh).
const SYSTEM_SCRIPTS: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/zshenv",
    "/etc/zprofile",
    "/etc/zshrc",
    "/etc/zsh/zshenv",
    "/etc/zsh/zprofile",
    "/etc/zsh/zshrc",
    "/etc/csh.cshrc",
    "/etc/csh.login",
];

/// Per-user startup files, relative to each home.
const HOME_SCRIPTS: &[&str] = &[
    ".profile",
    ".bash_profile",
    ".bash_login",
    ".bashrc",
    ".zshenv",
    ".zprofile",
    ".zshrc",
    ".cshrc",
    ".tcshrc",
    ".config/fish/config.fish",
];

/// systemd unit directories (system units, runtime units, vendor units).
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
];

/// What scanning files produced.
#[derive(Debug, Default)]
pub struct FileScan {
    /// TW224 findings.
    pub findings: Vec<Finding>,
    /// Files that could not be read.
    pub errors: Vec<EnvError>,
    /// Files we may not read.
    pub hidden: u64,
    /// Files read.
    pub read: u64,
}

/// How a file's text is read.
#[derive(Debug, Clone, Copy)]
enum Syntax {
    Shell,
    EnvFile,
    Unit,
    CondaState,
}

impl FileScan {
    /// Reads `path` (shown as `label` + path) and records its assignments. Returns the
    /// `EnvironmentFile=` paths a unit names.
    fn file(
        &mut self,
        root: &Root,
        label: &str,
        path: &Path,
        syntax: Syntax,
        what: &str,
    ) -> Vec<String> {
        let bytes = match root.read_prefix(path, SCRIPT_LIMIT) {
            Ok(bytes) => bytes,
            Err(err) if err.is_not_found() => return Vec::new(),
            Err(err) if err.is_denied() => {
                self.hidden += 1;
                return Vec::new();
            }
            Err(EnvError::NotRegular { .. }) => return Vec::new(),
            Err(err) => {
                self.errors.push(err);
                return Vec::new();
            }
        };
        self.read += 1;
        let text = String::from_utf8_lossy(&bytes);
        let (assignments, files): (Vec<Assignment>, Vec<String>) = match syntax {
            Syntax::Shell => (flag::shell_assignments(&text), Vec::new()),
            Syntax::EnvFile => (flag::env_file_assignments(&text), Vec::new()),
            Syntax::Unit => flag::systemd_unit(&text),
            Syntax::CondaState => (flag::conda_state(&bytes).into_iter().collect(), Vec::new()),
        };
        let shown = format!("{label}{}", path.display());
        self.findings.extend(
            assignments
                .iter()
                .filter_map(|assignment| judge::file_flag(&shown, what, assignment)),
        );
        files
    }

    /// Every file of `dir` (sorted), one level.
    fn dir(&mut self, root: &Root, dir: &Path) -> Vec<PathBuf> {
        match root.list(dir) {
            Ok(names) => names
                .unwrap_or_default()
                .into_iter()
                .map(|n| dir.join(n))
                .collect(),
            Err(err) if err.is_denied() => {
                self.hidden += 1;
                Vec::new()
            }
            Err(err) => {
                self.errors.push(err);
                Vec::new()
            }
        }
    }

    fn units(&mut self, root: &Root, dir: &Path, depth: usize, env_files: &mut Vec<String>) {
        for path in self.dir(root, dir) {
            // Links to /dev/null mask units; links to other units are read at their target.
            let Ok(Some(meta)) = root.stat(&path) else {
                continue;
            };
            if meta.is_dir() {
                if depth < UNIT_DEPTH {
                    self.units(root, &path, depth + 1, env_files);
                }
            } else if meta.is_file() {
                env_files.extend(self.file(root, "", &path, Syntax::Unit, "systemd unit"));
            }
        }
    }
}

/// Scans the host's files under `root`.
pub fn host(root: &Root) -> FileScan {
    let mut scan = FileScan::default();
    scan.file(
        root,
        "",
        Path::new("/etc/environment"),
        Syntax::EnvFile,
        "/etc/environment",
    );
    for script in SYSTEM_SCRIPTS {
        scan.file(root, "", Path::new(script), Syntax::Shell, "shell profile");
    }
    for script in scan.dir(root, Path::new("/etc/profile.d")) {
        scan.file(root, "", &script, Syntax::Shell, "shell profile");
    }
    for home in discover::homes(root) {
        for script in HOME_SCRIPTS {
            scan.file(
                root,
                "",
                &home.join(script),
                Syntax::Shell,
                "shell startup file",
            );
        }
    }
    let mut env_files = Vec::new();
    for dir in UNIT_DIRS {
        scan.units(root, Path::new(dir), 0, &mut env_files);
    }
    env_files.sort();
    env_files.dedup();
    for file in env_files {
        scan.file(
            root,
            "",
            Path::new(&file),
            Syntax::EnvFile,
            "systemd EnvironmentFile",
        );
    }
    scan
}

/// Scans one environment's activation files.
pub fn activation(env: &Environment, scan: &mut FileScan) {
    let root = &env.root;
    if env.kind == Kind::SiteDir {
        return;
    }
    for path in scan.dir(root, &env.prefix.join("bin")) {
        let is_activate = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("activate"));
        if is_activate {
            scan.file(root, &env.label, &path, Syntax::Shell, "activation script");
        }
    }
    if env.kind == Kind::Conda {
        for path in scan.dir(root, &env.prefix.join("etc/conda/activate.d")) {
            scan.file(
                root,
                &env.label,
                &path,
                Syntax::Shell,
                "conda activate.d script",
            );
        }
        scan.file(
            root,
            &env.label,
            &env.prefix.join("conda-meta/state"),
            Syntax::CondaState,
            "conda env config vars",
        );
    }
}
