//! Finding Python environments without running Python: from a path the user names (a venv, a
//! conda env, a prefix, a site-packages directory), from running processes (`/proc/PID/exe`
//! and `cmdline`, then `CPython`'s own prefix rule: a `pyvenv.cfg` beside the executable or one
//! directory up makes a virtual environment, else the prefix is the executable's directory's
//! parent), from `python3` on `PATH`, and from the usual install places. Each environment is the
//! ordered list of site directories its interpreter puts on `sys.path`.
use crate::error::EnvError;
use crate::root::Root;
use std::path::{Path, PathBuf};

/// What kind of environment a prefix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A virtual environment (`pyvenv.cfg`).
    Venv,
    /// A conda environment (`conda-meta/`).
    Conda,
    /// An installation prefix (`/usr`, `/usr/local`, `/opt/python3.11`).
    Prefix,
    /// A bare site-packages directory given by the user.
    SiteDir,
}

impl Kind {
    /// The word used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Venv => "virtualenv",
            Kind::Conda => "conda env",
            Kind::Prefix => "prefix",
            Kind::SiteDir => "site-packages",
        }
    }
}

/// One environment to read.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The root its paths are read under (a containerised process's `/proc/PID/root`).
    pub root: Root,
    /// Shown before its paths when `root` is not the audit's own root (`/proc/42/root`).
    pub label: String,
    /// The prefix (`sys.prefix`), or the site directory itself for [`Kind::SiteDir`].
    pub prefix: PathBuf,
    /// Its kind.
    pub kind: Kind,
    /// Its site directories in `sys.path` order.
    pub sites: Vec<PathBuf>,
    /// How it was found (`argument`, `process 42 (python train.py)`, `python3 on PATH` ...).
    pub origins: Vec<String>,
}

impl Environment {
    /// `path` as the report shows it (with the label of a foreign root).
    pub fn show(&self, path: &Path) -> String {
        format!("{}{}", self.label, path.display())
    }
}

/// The site directories of `prefix`: `lib*/python3*/{site,dist}-packages`, Debian's
/// `lib/python3/dist-packages`, and for `/usr` also `/usr/local/lib/python3*/...` (Debian's
/// python puts both on `sys.path`).
pub fn site_dirs(root: &Root, prefix: &Path) -> Result<Vec<PathBuf>, EnvError> {
    let mut sites = Vec::new();
    let mut prefixes = vec![prefix.to_path_buf()];
    if prefix == Path::new("/usr") {
        prefixes.insert(0, PathBuf::from("/usr/local"));
    }
    for prefix in prefixes {
        for lib in ["lib", "lib64"] {
            let libdir = prefix.join(lib);
            let Some(names) =
                root.list(&libdir).or_else(
                    |err| {
                        if err.is_denied() {
                            Ok(None)
                        } else {
                            Err(err)
                        }
                    },
                )?
            else {
                continue;
            };
            for name in names.iter().filter(|n| n.starts_with("python")) {
                for site in ["site-packages", "dist-packages"] {
                    let dir = libdir.join(name).join(site);
                    if root.is_dir(&dir) && !sites.contains(&dir) {
                        sites.push(dir);
                    }
                }
            }
        }
    }
    Ok(sites)
}

/// The `pyvenv.cfg` that makes the interpreter at `executable` (as it was invoked, links not
/// resolved) part of a virtual environment, as `CPython`'s `getpath` looks for it: beside the
/// executable or one directory up. Returns the environment's prefix.
fn venv_prefix(root: &Root, executable: &Path) -> Option<PathBuf> {
    let dir = executable.parent()?;
    [dir, dir.parent()?]
        .into_iter()
        .find(|candidate| root.is_file(&candidate.join("pyvenv.cfg")))
        .map(Path::to_path_buf)
}

/// A `pyvenv.cfg` key (`include-system-site-packages`, `home`).
fn venv_key(root: &Root, prefix: &Path, key: &str) -> Option<String> {
    let bytes = root.read(&prefix.join("pyvenv.cfg"), 64 * 1024).ok()?;
    String::from_utf8_lossy(&bytes).lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

/// Builds the environment of `prefix` (its kind from what it holds).
pub fn environment(root: &Root, prefix: &Path, origin: &str) -> Result<Environment, EnvError> {
    let kind = if root.is_file(&prefix.join("pyvenv.cfg")) {
        Kind::Venv
    } else if root.is_dir(&prefix.join("conda-meta")) {
        Kind::Conda
    } else {
        Kind::Prefix
    };
    Ok(Environment {
        root: root.clone(),
        label: String::new(),
        prefix: prefix.to_path_buf(),
        kind,
        sites: site_dirs(root, prefix)?,
        origins: vec![origin.to_owned()],
    })
}

/// The environments an interpreter at `executable` (as invoked) uses: its venv (and, with
/// `include-system-site-packages = true`, the base installation `home` points to), else the
/// installation prefix of the resolved executable.
pub fn from_executable(
    root: &Root,
    executable: &Path,
    origin: &str,
) -> Result<Vec<Environment>, EnvError> {
    let mut found = Vec::new();
    if let Some(prefix) = venv_prefix(root, executable) {
        found.push(environment(root, &prefix, origin)?);
        let system = venv_key(root, &prefix, "include-system-site-packages")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if let (true, Some(home)) = (system, venv_key(root, &prefix, "home")) {
            let home = root.resolve(Path::new(&home))?;
            if let Some(base) = home.parent() {
                found.push(environment(
                    root,
                    base,
                    &format!("{origin}, base of {}", prefix.display()),
                )?);
            }
        }
        return Ok(found);
    }
    let real = root.resolve(executable)?;
    if let Some(prefix) = real.parent().and_then(Path::parent) {
        found.push(environment(root, prefix, origin)?);
    }
    Ok(found)
}

/// The environment a user-named `path` is: a venv or conda prefix, a prefix with site
/// directories, or a site directory itself (one holding `*.dist-info`/`*.egg-info`). A path
/// that is none of these is an error naming it.
pub fn from_argument(root: &Root, path: &Path) -> Result<Environment, EnvError> {
    let Some(meta) = root.stat(path)? else {
        return Err(EnvError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    };
    if !meta.is_dir() {
        return Err(EnvError::NotAnEnvironment {
            path: path.to_path_buf(),
        });
    }
    let env = environment(root, path, "argument")?;
    if env.kind != Kind::Prefix || !env.sites.is_empty() {
        return Ok(env);
    }
    let names = root.list(path)?.unwrap_or_default();
    let is_site = path
        .file_name()
        .is_some_and(|n| n == "site-packages" || n == "dist-packages")
        || names
            .iter()
            .any(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"));
    if is_site {
        return Ok(Environment {
            kind: Kind::SiteDir,
            sites: vec![path.to_path_buf()],
            ..env
        });
    }
    Err(EnvError::NotAnEnvironment {
        path: path.to_path_buf(),
    })
}

/// A `PYTHONPATH` directory of a process as a site directory, when it holds package records
/// (`*.dist-info`, `*.egg-info`); unreadable or record-less directories add nothing.
pub fn python_path_dir(root: &Root, dir: &Path, origin: &str) -> Option<Environment> {
    let names = root.list(dir).ok().flatten()?;
    names
        .iter()
        .any(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
        .then(|| Environment {
            root: root.clone(),
            label: String::new(),
            prefix: dir.to_path_buf(),
            kind: Kind::SiteDir,
            sites: vec![dir.to_path_buf()],
            origins: vec![format!("{origin}, PYTHONPATH")],
        })
}

/// Home directories to look in: `/root` and every home in `/etc/passwd` under the root.
pub fn homes(root: &Root) -> Vec<PathBuf> {
    let mut homes = vec![PathBuf::from("/root")];
    if let Ok(Some(bytes)) = root.read_opt(Path::new("/etc/passwd"), 16 * 1024 * 1024) {
        for line in String::from_utf8_lossy(&bytes).lines() {
            let Some(home) = line.split(':').nth(5) else {
                continue;
            };
            let home = PathBuf::from(home);
            if home.is_absolute() && home != Path::new("/") && !homes.contains(&home) {
                homes.push(home);
            }
        }
    }
    homes
}

/// The usual install places: conda installations and their envs, virtualenvwrapper's
/// `~/.virtualenvs/*`, the system prefixes `/usr` and `/usr/local`, and user site directories
/// (`~/.local`). Places that do not exist or cannot be listed are skipped (they are guesses;
/// unreadable ones are counted by the caller through `hidden`).
pub fn common_places(root: &Root, hidden: &mut u64) -> Vec<Environment> {
    let mut prefixes: Vec<(PathBuf, String)> = Vec::new();
    let mut conda_bases: Vec<PathBuf> = [
        "/opt/conda",
        "/opt/miniconda3",
        "/opt/anaconda3",
        "/opt/miniforge3",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let homes = homes(root);
    for home in &homes {
        for base in ["miniconda3", "anaconda3", "miniforge3", ".conda"] {
            conda_bases.push(home.join(base));
        }
    }
    let mut list = |dir: &Path| {
        root.list(dir)
            .unwrap_or_else(|_| {
                *hidden += 1;
                None
            })
            .unwrap_or_default()
    };
    for base in &conda_bases {
        prefixes.push((base.clone(), format!("{}", base.display())));
        for name in list(&base.join("envs")) {
            prefixes.push((
                base.join("envs").join(name),
                format!("{}/envs/*", base.display()),
            ));
        }
    }
    for home in &homes {
        for name in list(&home.join(".virtualenvs")) {
            prefixes.push((
                home.join(".virtualenvs").join(name),
                "~/.virtualenvs/*".to_owned(),
            ));
        }
        prefixes.push((home.join(".local"), "~/.local (user site)".to_owned()));
    }
    prefixes.push((PathBuf::from("/usr"), "/usr".to_owned()));
    let mut found = Vec::new();
    for (prefix, origin) in prefixes {
        if !root.is_dir(&prefix) {
            continue;
        }
        match environment(root, &prefix, &origin) {
            Ok(env) if !env.sites.is_empty() || env.kind == Kind::Conda => found.push(env),
            Ok(_) => {}
            Err(_) => *hidden += 1,
        }
    }
    found
}

/// The environments of `python3` on `path_var` (a `PATH` value): the first directory holding
/// one, as a shell would run it.
pub fn python_on_path(root: &Root, path_var: &str) -> Result<Vec<Environment>, EnvError> {
    for dir in path_var.split(':').filter(|d| d.starts_with('/')) {
        let candidate = Path::new(dir).join("python3");
        if root.is_file(&candidate) {
            return from_executable(root, &candidate, &format!("python3 on PATH ({dir})"));
        }
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn follows_cpython_prefix_rules() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        let root = Root::new(base);
        for d in [
            "usr/bin",
            "usr/lib/python3.11/site-packages",
            "usr/lib/python3/dist-packages",
            "usr/local/lib/python3.11/dist-packages",
            "venv/bin",
            "venv/lib/python3.11/site-packages",
        ] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(base.join("usr/bin/python3.11"), "").unwrap();
        symlink("python3.11", base.join("usr/bin/python3")).unwrap();
        symlink("/usr/bin/python3", base.join("venv/bin/python")).unwrap();
        std::fs::write(
            base.join("venv/pyvenv.cfg"),
            "home = /usr/bin\ninclude-system-site-packages = true\n",
        )
        .unwrap();

        let system = from_executable(&root, Path::new("/usr/bin/python3"), "t").unwrap();
        assert_eq!(system.len(), 1);
        assert_eq!(system[0].prefix, Path::new("/usr"));
        assert_eq!(
            system[0].sites,
            [
                PathBuf::from("/usr/local/lib/python3.11/dist-packages"),
                PathBuf::from("/usr/lib/python3/dist-packages"),
                PathBuf::from("/usr/lib/python3.11/site-packages"),
            ]
        );
        let venv = from_executable(&root, Path::new("/venv/bin/python"), "t").unwrap();
        assert_eq!(venv.len(), 2, "the venv and its system base");
        assert_eq!(
            (venv[0].kind, venv[0].prefix.as_path()),
            (Kind::Venv, Path::new("/venv"))
        );
        assert_eq!(venv[1].prefix, Path::new("/usr"));
        assert_eq!(
            python_on_path(&root, "relative:/nope:/usr/bin").unwrap()[0].prefix,
            Path::new("/usr")
        );
    }

    #[test]
    fn classifies_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        let root = Root::new(base);
        std::fs::create_dir_all(base.join("env/conda-meta")).unwrap();
        std::fs::create_dir_all(base.join("sp/torch-2.5.1.dist-info")).unwrap();
        std::fs::create_dir_all(base.join("empty")).unwrap();
        std::fs::write(base.join("file"), "").unwrap();
        assert_eq!(
            from_argument(&root, Path::new("/env")).unwrap().kind,
            Kind::Conda
        );
        let site = from_argument(&root, Path::new("/sp")).unwrap();
        assert_eq!((site.kind, site.sites.len()), (Kind::SiteDir, 1));
        for bad in ["/empty", "/file", "/missing"] {
            let err = from_argument(&root, Path::new(bad)).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
