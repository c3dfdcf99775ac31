//! `torchward audit env`: which torch, `torch_npu` and serving stacks the Python environments of
//! a host (or container image) hold, judged against the statement's advisories (TW220, TW221,
//! TW223, from the shipped table `advisories.toml`), whether `torch_npu` matches its torch
//! (TW222), and wherever `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` turns weights-only loading off
//! (TW224). Everything is read from metadata and text files under a [`Root`]; nothing is
//! imported or run. Environments reached twice (the same site directory by device and inode)
//! are read and reported once.
#![forbid(unsafe_code)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod advisory;
mod discover;
mod error;
mod files;
pub mod flag;
mod judge;
mod package;
mod process;
mod root;
mod rules;
pub mod version;

pub use discover::{Environment, Kind};
pub use error::EnvError;
pub use package::normalize_name;
pub use root::Root;
pub use rules::RULES;
pub use version::Version;

use package::{Installed, SiteScan};
use root::FileId;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tw_diagnostics::{AnalysisError, Finding};

/// What to audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Environments named by the user (system paths inside the root).
    pub paths: Vec<PathBuf>,
    /// The environments of running Python processes, and the variable in every process's
    /// environment.
    pub processes: bool,
    /// A `PATH` value to find `python3` in.
    pub python_on_path: Option<String>,
    /// The usual install places (conda, `~/.virtualenvs`, `/usr`, `/usr/local`, `~/.local`).
    pub common_places: bool,
    /// The host's files that set the variable (`/etc/environment`, profiles, systemd).
    pub host_files: bool,
}

impl Options {
    /// `audit env` without paths: processes, `python3` on `path_var`, the usual places and the
    /// host's files.
    pub fn everything(path_var: Option<String>) -> Options {
        Options {
            paths: Vec::new(),
            processes: true,
            python_on_path: path_var,
            common_places: true,
            host_files: true,
        }
    }

    /// What `audit host` includes: running processes and the host's files.
    pub fn host() -> Options {
        Options {
            processes: true,
            host_files: true,
            ..Options::default()
        }
    }
}

/// The result of one audit.
#[derive(Debug, Default)]
pub struct EnvAudit {
    /// Findings (passes included) in discovery order.
    pub findings: Vec<Finding>,
    /// Inputs that could not be read (exit code 2).
    pub errors: Vec<AnalysisError>,
    /// Distinct environments read.
    pub environments: u64,
    /// Package records seen in them.
    pub records: u64,
    /// Processes that exited while being read (skipped, not errors).
    pub vanished: u64,
    /// Processes, homes and files that were closed to us (another user's, when not root).
    pub hidden: u64,
}

impl EnvAudit {
    fn error(&mut self, label: &str, err: &EnvError) {
        self.errors.push(AnalysisError {
            path: format!("{label}{}", err.path().display()),
            entry: None,
            offset: None,
            message: err.to_string(),
        });
    }
}

/// Runs every parser of untrusted text on `bytes` (a version, METADATA headers, shell,
/// `KEY=VALUE` and systemd syntax, conda state, an environment block), discarding the results.
/// The `env_text` fuzz target and the corpus replay test call it: no input may panic or hang.
pub fn exercise_parsers(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = Version::parse(&text);
    let _ = package::parse_metadata(Path::new("/fuzz"), bytes);
    let _ = flag::shell_assignments(&text);
    let _ = flag::env_file_assignments(&text);
    let _ = flag::systemd_unit(&text);
    let _ = flag::conda_state(bytes);
    let _ = flag::environ_value(bytes, flag::VARIABLE);
}

/// The packages any rule is about: the advisory table's and `torch_npu`.
fn wanted(advisories: &[advisory::Advisory]) -> Vec<&str> {
    let mut names: Vec<&str> = advisories.iter().map(|a| a.package.as_str()).collect();
    names.extend(["torch", "torch-npu"]);
    names.sort_unstable();
    names.dedup();
    names
}

/// The environments of the running Python processes, and TW224 for every process environment.
fn from_processes(root: &Root, out: &mut EnvAudit, envs: &mut Vec<Environment>) {
    let processes = match process::read_all(root) {
        Ok(processes) => processes,
        Err(err) => return out.error("", &err),
    };
    out.vanished += processes.vanished;
    out.hidden += processes.hidden;
    for process in &processes.list {
        let environ_path = format!("/proc/{}/environ", process.pid);
        if let Some(value) = flag::environ_value(&process.environ, flag::VARIABLE) {
            out.findings
                .extend(judge::process_flag(process, &value, &environ_path));
        }
        if !process.is_python() {
            continue;
        }
        let (proc_root, label) = if process.foreign_root {
            let at = format!("/proc/{}/root", process.pid);
            (Root::new(root.host_path(Path::new(&at))), at)
        } else {
            (root.clone(), String::new())
        };
        let origin = format!("process {} ({})", process.pid, process.command);
        for executable in process.executables(&proc_root) {
            match discover::from_executable(&proc_root, &executable, &origin) {
                Ok(found) if !found.is_empty() => {
                    let venv = found.iter().any(|env| env.kind == Kind::Venv);
                    envs.extend(found.into_iter().map(|env| Environment {
                        label: label.clone(),
                        ..env
                    }));
                    // CPython adds the user site outside virtual environments.
                    let home = flag::environ_value(&process.environ, "HOME");
                    let no_user = flag::environ_value(&process.environ, "PYTHONNOUSERSITE")
                        .is_some_and(|v| !v.is_empty());
                    if let (false, false, Some(home)) = (venv, no_user, home) {
                        let user = Path::new(home.as_ref()).join(".local");
                        if let Ok(env) = discover::environment(&proc_root, &user, &origin) {
                            if !env.sites.is_empty() {
                                envs.push(Environment {
                                    label: label.clone(),
                                    ..env
                                });
                            }
                        }
                    }
                    // `PYTHONPATH` directories come first on `sys.path` (`pip install
                    // --target` deployments); those holding package records are read.
                    let python_path =
                        flag::environ_value(&process.environ, "PYTHONPATH").unwrap_or_default();
                    for dir in python_path.split(':').filter(|d| d.starts_with('/')) {
                        if let Some(env) =
                            discover::python_path_dir(&proc_root, Path::new(dir), &origin)
                        {
                            envs.push(Environment {
                                label: label.clone(),
                                ..env
                            });
                        }
                    }
                    break;
                }
                Ok(_) => {}
                Err(err) if err.is_not_found() || err.is_denied() => {}
                Err(err) => out.error(&label, &err),
            }
        }
    }
}

/// A site directory or conda-meta directory, read once however many environments share it.
struct Slot {
    id: Option<FileId>,
    conda: bool,
    path: PathBuf,
    origins: Vec<String>,
    scan: Option<SiteScan>,
}

/// Registers `path` of `env` (or finds the slot already holding it) and returns its index.
fn slot(slots: &mut Vec<Slot>, env: &Environment, path: &Path, conda: bool) -> usize {
    let id = env.root.id(path).ok().flatten();
    let existing = slots
        .iter()
        .position(|s| s.conda == conda && id.is_some() && s.id == id);
    let index = existing.unwrap_or_else(|| {
        slots.push(Slot {
            id,
            conda,
            path: path.to_path_buf(),
            origins: Vec::new(),
            scan: None,
        });
        slots.len() - 1
    });
    if let Some(slot) = slots.get_mut(index) {
        for origin in &env.origins {
            if !slot.origins.contains(origin) {
                slot.origins.push(origin.clone());
            }
        }
    }
    index
}

/// Runs the audit.
pub fn audit(root: &Root, options: &Options) -> EnvAudit {
    let mut out = EnvAudit::default();
    let advisories = match advisory::shipped() {
        Ok(table) => table,
        Err(err) => {
            out.errors.push(AnalysisError {
                path: "advisories.toml".to_owned(),
                entry: None,
                offset: None,
                message: err.to_string(),
            });
            &[]
        }
    };
    let wanted = wanted(advisories);
    let mut envs: Vec<Environment> = Vec::new();
    for path in &options.paths {
        match discover::from_argument(root, path) {
            Ok(env) => envs.push(env),
            Err(err) => out.error("", &err),
        }
    }
    if options.processes {
        from_processes(root, &mut out, &mut envs);
    }
    if let Some(path_var) = &options.python_on_path {
        match discover::python_on_path(root, path_var) {
            Ok(found) => envs.extend(found),
            Err(err) => out.error("", &err),
        }
    }
    if options.common_places {
        envs.extend(discover::common_places(root, &mut out.hidden));
    }

    // Each environment as the list of slots it reads, duplicates (same slots) merged.
    let mut slots: Vec<Slot> = Vec::new();
    let mut unique: Vec<(Environment, Vec<usize>)> = Vec::new();
    for env in envs {
        let mut used: Vec<usize> = env
            .sites
            .iter()
            .map(|site| slot(&mut slots, &env, site, false))
            .collect();
        if env.kind == Kind::Conda {
            used.push(slot(&mut slots, &env, &env.prefix.join("conda-meta"), true));
        }
        if used.is_empty() {
            // A prefix without site directories holds no packages to report.
            continue;
        }
        match unique.iter_mut().find(|(_, other)| *other == used) {
            Some((first, _)) => first.origins.extend(env.origins),
            None => unique.push((env, used)),
        }
    }
    for (env, used) in &unique {
        for index in used {
            let Some(slot) = slots.get_mut(*index) else {
                continue;
            };
            if slot.scan.is_some() {
                continue;
            }
            let scan = if slot.conda {
                package::scan_conda(&env.root, &env.prefix, &wanted)
            } else {
                package::scan_site(&env.root, &slot.path, &wanted)
            };
            match scan {
                Ok(mut scan) => {
                    out.records += scan.records as u64;
                    for err in std::mem::take(&mut scan.errors) {
                        out.error(&env.label, &err);
                    }
                    slot.scan = Some(scan);
                }
                Err(err) => {
                    out.error(&env.label, &err);
                    slot.scan = Some(SiteScan::default());
                }
            }
        }
    }
    out.environments = unique.len() as u64;

    let mut reported: HashSet<String> = HashSet::new();
    let mut paired: HashSet<(String, String)> = HashSet::new();
    let mut activation = files::FileScan::default();
    let mut prefixes_seen: HashSet<(String, PathBuf)> = HashSet::new();
    for (env, used) in &unique {
        let environment = format!("{} {}", env.kind.as_str(), env.show(&env.prefix));
        // The environment's packages in sys.path order; conda records that repeat a
        // site-packages record (same name and version) add nothing.
        let mut packages: Vec<(&Installed, &Slot)> = Vec::new();
        for index in used {
            let Some(slot) = slots.get(*index) else {
                continue;
            };
            for installed in slot.scan.iter().flat_map(|scan| &scan.packages) {
                let repeat = packages.iter().any(|(other, _)| {
                    other.name == installed.name && other.version == installed.version
                });
                if !(slot.conda && repeat) {
                    packages.push((installed, slot));
                }
            }
        }
        let first = |name: &str| {
            packages
                .iter()
                .find(|(p, _)| p.name == name)
                .map(|(p, _)| *p)
        };
        let (torch, npu) = (first("torch"), first("torch-npu"));
        for (installed, slot) in &packages {
            let record = env.show(&installed.record);
            if !reported.insert(record.clone()) {
                continue;
            }
            let partner = match installed.name.as_str() {
                "torch" => npu.map(|n| ("torch_npu".to_owned(), n.version.to_string())),
                "torch-npu" => torch.map(|t| ("torch".to_owned(), t.version.to_string())),
                _ => None,
            };
            let place = judge::Place {
                record,
                environment: environment.clone(),
                origins: slot.origins.clone(),
                partner,
            };
            out.findings
                .extend(judge::package(installed, &place, advisories));
        }
        if let (Some(torch), Some(npu)) = (torch, npu) {
            let key = (env.show(&torch.record), env.show(&npu.record));
            if paired.insert(key) {
                let origins = packages
                    .iter()
                    .find(|(p, _)| std::ptr::eq(*p, npu))
                    .map(|(_, slot)| slot.origins.clone())
                    .unwrap_or_default();
                let place = judge::Place {
                    record: env.show(&npu.record),
                    environment: environment.clone(),
                    origins,
                    partner: None,
                };
                out.findings.push(judge::pair(torch, npu, &place));
            }
        }
        if prefixes_seen.insert((env.label.clone(), env.prefix.clone())) {
            files::activation(env, &mut activation);
        }
    }
    if options.host_files {
        let host = files::host(root);
        activation.findings.extend(host.findings);
        activation.errors.extend(host.errors);
        activation.hidden += host.hidden;
    }
    out.findings.extend(activation.findings);
    for err in &activation.errors {
        out.error("", err);
    }
    out.hidden += activation.hidden;
    out
}
