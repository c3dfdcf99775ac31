//! The project configuration file (docs/config.md): `torchward.toml`, or `[tool.torchward]` in
//! `pyproject.toml`, found by walking up from the first input's directory (the first directory
//! holding either wins; `pyproject.toml` without the table does not count). It holds what flags
//! hold (profiles, allowed globals, select/ignore, fail-on) plus per-path rule settings, like
//! ruff's `per-file-ignores`. Flags always win over the file. A file that does not parse, or a
//! key torchward does not know, is an error naming the file and the key.
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use tw_diagnostics::{Report, Severity};

use crate::args::ReportArgs;
use crate::filter::Selector;

/// The dedicated file name.
pub const CONFIG_FILE: &str = "torchward.toml";
/// The Python project file whose `[tool.torchward]` table is read.
pub const PYPROJECT: &str = "pyproject.toml";

/// The keys of the file, as written (kebab-case).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    profiles: Vec<String>,
    #[serde(default)]
    allow_global: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    fail_on: Option<String>,
    #[serde(default)]
    per_path_ignores: std::collections::BTreeMap<String, Vec<String>>,
}

/// `pyproject.toml`: only `[tool.torchward]` is read; everything else is the project's.
#[derive(Debug, Deserialize)]
struct PyProject {
    tool: Option<Tools>,
}

#[derive(Debug, Deserialize)]
struct Tools {
    torchward: Option<toml::Value>,
}

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read the configuration: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or holds an unknown key or a value of the wrong type (the
    /// message names the key).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML reader says, with the key and line.
        message: String,
    },
    /// A value is not valid for its key.
    #[error("{path}: key `{key}`: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// One `per-path-ignores` entry: findings under paths matching `glob` (relative to the
/// configuration file's directory) with a rule matching any selector are dropped.
#[derive(Debug)]
struct PathRule {
    globs: GlobSet,
    selectors: Vec<Selector>,
}

/// A loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// Framework profiles (`profiles`).
    pub profiles: Vec<String>,
    /// Extra globals (`allow-global`).
    pub allow_global: Vec<String>,
    /// `select`.
    pub select: Vec<Selector>,
    /// `ignore`.
    pub ignore: Vec<Selector>,
    /// `fail-on`.
    pub fail_on: Option<Severity>,
    per_path: Vec<PathRule>,
    root: PathBuf,
}

impl Config {
    /// The configuration for a run over `inputs`: found upward from the first input's
    /// directory (the current directory when there is none). No file is an empty
    /// configuration, not an error.
    pub fn for_inputs(inputs: &[PathBuf]) -> Result<Config, ConfigError> {
        let start = match inputs.first() {
            Some(input) if input.is_dir() => input.clone(),
            Some(input) => input
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            None => PathBuf::from("."),
        };
        let start = start.canonicalize().unwrap_or(start);
        for dir in start.ancestors() {
            let dedicated = dir.join(CONFIG_FILE);
            if dedicated.is_file() {
                let text = read(&dedicated)?;
                let raw: RawConfig =
                    toml::from_str(&text).map_err(|e| parse_error(&dedicated, &e))?;
                return Config::from_raw(raw, &dedicated, dir);
            }
            let pyproject = dir.join(PYPROJECT);
            if pyproject.is_file() {
                let text = read(&pyproject)?;
                let project: PyProject =
                    toml::from_str(&text).map_err(|e| parse_error(&pyproject, &e))?;
                if let Some(table) = project.tool.and_then(|t| t.torchward) {
                    let raw = RawConfig::deserialize(table).map_err(|e| ConfigError::Parse {
                        path: pyproject.clone(),
                        message: format!("[tool.torchward]: {e}"),
                    })?;
                    return Config::from_raw(raw, &pyproject, dir);
                }
            }
        }
        Ok(Config::default())
    }

    fn from_raw(raw: RawConfig, path: &Path, dir: &Path) -> Result<Config, ConfigError> {
        let value_error = |key: &str, message: String| ConfigError::Value {
            path: path.to_path_buf(),
            key: key.to_owned(),
            message,
        };
        let selectors = |key: &str, items: &[String]| -> Result<Vec<Selector>, ConfigError> {
            items
                .iter()
                .map(|s| {
                    s.parse::<Selector>()
                        .map_err(|e| value_error(key, e.to_string()))
                })
                .collect()
        };
        let known = tw_modelscan::profiles::profile_names();
        for name in &raw.profiles {
            if !known.contains(&name.as_str()) {
                return Err(value_error(
                    "profiles",
                    format!("no profile named `{name}` (known: {})", known.join(", ")),
                ));
            }
        }
        let fail_on = raw
            .fail_on
            .as_deref()
            .map(|level| {
                level
                    .parse::<Severity>()
                    .map_err(|e| value_error("fail-on", e.to_string()))
            })
            .transpose()?;
        let mut per_path = Vec::new();
        for (pattern, ids) in &raw.per_path_ignores {
            let key = format!("per-path-ignores.\"{pattern}\"");
            let glob = Glob::new(pattern).map_err(|e| value_error(&key, e.to_string()))?;
            let globs = GlobSetBuilder::new()
                .add(glob)
                .build()
                .map_err(|e| value_error(&key, e.to_string()))?;
            per_path.push(PathRule {
                globs,
                selectors: selectors(&key, ids)?,
            });
        }
        Ok(Config {
            select: selectors("select", &raw.select)?,
            ignore: selectors("ignore", &raw.ignore)?,
            profiles: raw.profiles,
            allow_global: raw.allow_global,
            fail_on,
            per_path,
            root: dir.to_path_buf(),
        })
    }

    /// `args` with the file's settings where the command line gave none: `--select`,
    /// `--ignore` and `--fail-on` on the command line replace the file's.
    pub fn merge_into(&self, args: &ReportArgs) -> ReportArgs {
        let mut merged = args.clone();
        if merged.select.is_empty() {
            merged.select.clone_from(&self.select);
        }
        if merged.ignore.is_empty() {
            merged.ignore.clone_from(&self.ignore);
        }
        if let Some(level) = self.fail_on {
            if !flag_given("--fail-on") {
                merged.fail_on = level;
            }
        }
        merged
    }

    /// Drops findings a `per-path-ignores` entry covers (like `--ignore`, for those paths only).
    pub fn apply_per_path(&self, report: &mut Report) {
        if self.per_path.is_empty() {
            return;
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        report.findings.retain(|finding| {
            let path = Path::new(&finding.location.path);
            let absolute = cwd.join(path);
            let absolute = absolute.canonicalize().unwrap_or(absolute);
            let relative = absolute.strip_prefix(&self.root).unwrap_or(path);
            !self.per_path.iter().any(|rule| {
                rule.globs.is_match(relative)
                    && rule.selectors.iter().any(|s| s.matches(&finding.rule))
            })
        });
    }
}

/// Whether the command line holds `flag` (as `--flag VALUE` or `--flag=VALUE`): flags whose
/// default cannot be told from a value given.
fn flag_given(flag: &str) -> bool {
    std::env::args_os().any(|a| {
        a.to_str()
            .is_some_and(|a| a == flag || a.strip_prefix(flag).is_some_and(|r| r.starts_with('=')))
    })
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn parse_error(path: &Path, err: &toml::de::Error) -> ConfigError {
    ConfigError::Parse {
        path: path.to_path_buf(),
        message: err.to_string().trim_end().replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn found_upward_and_read_from_either_file() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = tmp.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        write(
            tmp.path(),
            PYPROJECT,
            "[project]\nname = \"x\"\n[tool.torchward]\nprofiles = [\"megatron\"]\nfail-on = \"high\"\n",
        );
        let config = Config::for_inputs(&[sub.join("m.pt")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.profiles, ["megatron"]);
        assert_eq!(config.fail_on, Some(Severity::High));
        // A torchward.toml nearer the input wins.
        write(&sub, CONFIG_FILE, "select = [\"TW1\"]\n");
        let config =
            Config::for_inputs(std::slice::from_ref(&sub)).unwrap_or_else(|e| panic!("{e}"));
        assert!(config.profiles.is_empty());
        assert_eq!(config.select.len(), 1);
    }

    #[test]
    fn bad_files_name_the_file_and_the_key() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (text, key) in [
            ("fial-on = \"high\"\n", "fial-on"),
            ("fail-on = \"severe\"\n", "fail-on"),
            ("profiles = [\"everything\"]\n", "profiles"),
            ("select = [\"X1\"]\n", "select"),
            (
                "[per-path-ignores]\n\"tests/**\" = [\"nope\"]\n",
                "per-path-ignores",
            ),
            ("profiles = 3\n", "profiles"),
        ] {
            write(tmp.path(), CONFIG_FILE, text);
            let err = Config::for_inputs(&[tmp.path().to_path_buf()])
                .err()
                .unwrap_or_else(|| panic!("{text} accepted"))
                .to_string();
            assert!(err.contains(CONFIG_FILE), "{err}");
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn per_path_ignores_drop_only_matching_paths_and_rules() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        write(
            &root,
            CONFIG_FILE,
            "[per-path-ignores]\n\"tests/**\" = [\"TW608\", \"TW609\"]\n",
        );
        let config =
            Config::for_inputs(std::slice::from_ref(&root)).unwrap_or_else(|e| panic!("{e}"));
        let registry = crate::registry::registry();
        let mut report = Report::new("lint", "0");
        for (id, path) in [
            ("TW608", "tests/test_a.py"),
            ("TW609", "tests/deep/test_b.py"),
            ("TW608", "src/a.py"),
            ("TW601", "tests/test_a.py"),
        ] {
            let rule = registry.get(id).unwrap_or_else(|| panic!("{id}"));
            let path = root.join(path).display().to_string();
            report.findings.push(tw_diagnostics::Finding::new(
                rule,
                tw_diagnostics::Location::path(path),
                "m",
            ));
        }
        config.apply_per_path(&mut report);
        let kept: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(kept, ["TW608", "TW601"]);
    }
}
