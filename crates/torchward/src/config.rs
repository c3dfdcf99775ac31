//! The project configuration file (docs/config.md): `torchward.toml`, or `[tool.torchward]` in
//! `pyproject.toml`, found by walking up from the first input's directory (the first directory
//! holding either wins; `pyproject.toml` without the table does not count). It holds what flags
//! hold (profiles, allowed globals, select/ignore, fail-on) plus per-path rule settings, like
//! ruff's `per-file-ignores`. Flags always win over the file. A file that does not parse, or a
//! key torchward does not know, is an error naming the file and the key.
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use tw_diagnostics::{Report, Severity};

use crate::args::ReportArgs;
use crate::filter::Selector;

/// The dedicated file name.
pub const CONFIG_FILE: &str = "torchward.toml";
/// The Python project file whose `[tool.torchward]` table is read.
pub const PYPROJECT: &str = "pyproject.toml";
/// Largest configuration file read (either kind; real ones are a few KiB).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

mod raw;
use raw::RawConfig;

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: an I/O error, not a regular file (a FIFO is refused, never
    /// waited on), over [`MAX_CONFIG_BYTES`] or not UTF-8.
    #[error("{path}: cannot read the configuration: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (the message names the path again, with the OS reason or the limit).
        source: tw_fs::Error,
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
            if let Some(text) = read(&dedicated)? {
                let raw =
                    raw::parse_dedicated(&text).map_err(|e| parse_error(&dedicated, &text, &e))?;
                return Config::from_raw(raw, &dedicated, dir);
            }
            let pyproject = dir.join(PYPROJECT);
            if let Some(text) = read(&pyproject)? {
                let table =
                    raw::parse_pyproject(&text).map_err(|e| parse_error(&pyproject, &text, &e))?;
                if let Some(raw) = table {
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

/// The text of the configuration file `path`, `None` when nothing is there (or it cannot even
/// be looked at, as under a directory the user may not list). Anything there that is not a
/// regular file is an error, never skipped or waited on.
fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    if std::fs::metadata(path).is_err() {
        return Ok(None);
    }
    tw_fs::read_to_string_bounded(path, MAX_CONFIG_BYTES)
        .map(Some)
        .map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// Longest excerpt of the offending line a parse error quotes.
const EXCERPT_CHARS: usize = 80;

/// A TOML error as `line L, column C: what (`the line`)`: the line quoted (at most
/// [`EXCERPT_CHARS`] characters, control characters escaped) shows the key, which the TOML
/// reader's own message does not name for a value of the wrong type.
fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let mut message = err.message().trim_end().replace('\n', " ");
    if let Some(at) = err
        .span()
        .map(|span| span.start)
        .filter(|&at| at <= text.len())
    {
        let before = text.get(..at).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = text
            .get(line_start..)
            .and_then(|rest| rest.lines().next())
            .unwrap_or_default();
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        let number = before.matches('\n').count() + 1;
        let mut excerpt: String = line
            .chars()
            .take(EXCERPT_CHARS)
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_debug().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect();
        if line.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push_str("...");
        }
        message = format!("line {number}, column {column}: {message} (`{excerpt}`)");
    }
    ConfigError::Parse {
        path: path.to_path_buf(),
        message,
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

    /// What loading the configuration in a directory holding only `name` with `bytes` gives:
    /// the profiles it sets, or the error with the directory written `DIR`.
    fn load(name: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join(name), bytes).unwrap_or_else(|e| panic!("{e}"));
        Config::for_inputs(std::slice::from_ref(&root))
            .map(|c| c.profiles)
            .map_err(|e| e.to_string().replace(&root.display().to_string(), "DIR"))
    }

    /// Each file of `fuzz/corpus/config` (made by crates/tw-modelscan/tests/data/make_corpus.py)
    /// as `torchward.toml` or `pyproject.toml` (by its name): the profiles it sets, or the
    /// exact error.
    const CORPUS: &[(&str, Result<&[&str], &str>)] = &[
        ("bad_bad_glob.torchward.toml", Err("DIR/torchward.toml: key `per-path-ignores.\"tests/[\"`: error parsing glob 'tests/[': unclosed character class; missing ']'")),
        ("bad_deep_array.torchward.toml", Err("DIR/torchward.toml: line 1, column 92: cannot recurse further; max recursion depth met (`profiles = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...`)")),
        ("bad_deep_inline_table.torchward.toml", Err("DIR/torchward.toml: line 1, column 405: cannot recurse further; max recursion depth met (`x = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {a = {...`)")),
        ("bad_duplicate_key.torchward.toml", Err("DIR/torchward.toml: line 2, column 1: duplicate key (`fail-on = \"low\"`)")),
        ("bad_fail_on_type.torchward.toml", Err("DIR/torchward.toml: line 1, column 11: invalid type: sequence, expected a string (`fail-on = [\"high\"]`)")),
        ("bad_huge_integer.torchward.toml", Err("DIR/torchward.toml: line 1, column 13: integer number overflowed (`profiles = [99999999999999999999999999999999999999999999999999999999999999999999...`)")),
        ("bad_not_toml.torchward.toml", Err("DIR/torchward.toml: line 1, column 23: unclosed array, expected `]` (`profiles = [\"megatron\"`)")),
        ("bad_not_utf8.torchward.toml", Err("DIR/torchward.toml: cannot read the configuration: `DIR/torchward.toml` is not valid UTF-8 (first bad byte at offset 13)")),
        ("bad_nul.torchward.toml", Err("DIR/torchward.toml: line 1, column 18: invalid basic string, expected non-double-quote visible characters, `\\` (`profiles = [\"mega\\0tron\"]`)")),
        ("bad_per_path_type.torchward.toml", Err("DIR/torchward.toml: line 1, column 20: invalid type: sequence, expected a map (`per-path-ignores = [\"tests/**\"]`)")),
        ("bad_tool_not_table.pyproject.toml", Err("DIR/pyproject.toml: line 4, column 13: invalid type: integer `1`, expected a table of torchward settings (`torchward = 1`)")),
        ("bad_unknown_key.pyproject.toml", Err("DIR/pyproject.toml: line 2, column 1: unknown field `fial-on`, expected one of `profiles`, `allow-global`, `select`, `ignore`, `fail-on`, `per-path-ignores` (`fial-on = \"high\"`)")),
        ("bad_unknown_key.torchward.toml", Err("DIR/torchward.toml: line 2, column 1: unknown field `fial-on`, expected one of `profiles`, `allow-global`, `select`, `ignore`, `fail-on`, `per-path-ignores` (`fial-on = \"high\"`)")),
        ("bad_unknown_nested_key.torchward.toml", Err("DIR/torchward.toml: line 4, column 2: unknown field `extra`, expected one of `profiles`, `allow-global`, `select`, `ignore`, `fail-on`, `per-path-ignores` (`[extra]`)")),
        ("bad_unknown_profile.torchward.toml", Err("DIR/torchward.toml: key `profiles`: no profile named `everything` (known: torch-npu, numpy-rng, megatron, deepspeed, hf-trainer, lightning, dcp)")),
        ("bad_wrong_item_type.torchward.toml", Err("DIR/torchward.toml: line 1, column 18: invalid type: integer `7`, expected a string (`select = [\"TW1\", 7]`)")),
        ("bad_wrong_type.pyproject.toml", Err("DIR/pyproject.toml: line 2, column 12: invalid type: string \"megatron\", expected a sequence (`profiles = \"megatron\"`)")),
        ("bad_wrong_type.torchward.toml", Err("DIR/torchward.toml: line 1, column 12: invalid type: integer `3`, expected a sequence (`profiles = 3`)")),
        ("ok_no_table.pyproject.toml", Ok(&[])),
        ("seed_good.pyproject.toml", Ok(&["megatron"])),
        ("seed_good.torchward.toml", Ok(&["megatron"])),
    ];

    #[test]
    fn malformed_corpus_gives_the_exact_error_of_each_file() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/config");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| {
                e.unwrap_or_else(|e| panic!("{e}"))
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        let listed: Vec<&str> = CORPUS.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, listed);
        for (name, want) in CORPUS {
            let target = if name.ends_with(".pyproject.toml") {
                PYPROJECT
            } else {
                CONFIG_FILE
            };
            let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            let want = want.map(|p| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_eq!(load(target, &bytes), want.map_err(str::to_owned), "{name}");
        }
    }

    #[test]
    fn a_fifo_or_a_huge_file_is_an_error_not_a_hang() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        let fifo = root.join(CONFIG_FILE);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let shown = |e: ConfigError| e.to_string().replace(&root.display().to_string(), "DIR");
        assert_eq!(
            Config::for_inputs(std::slice::from_ref(&root)).map_err(shown).map(|c| c.profiles),
            Err("DIR/torchward.toml: cannot read the configuration: `DIR/torchward.toml` is a FIFO (named pipe), not a regular file".to_owned())
        );
        std::fs::remove_file(&fifo).unwrap_or_else(|e| panic!("{e}"));
        let big = std::fs::File::create(root.join(PYPROJECT)).unwrap_or_else(|e| panic!("{e}"));
        big.set_len(1 << 30).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Config::for_inputs(std::slice::from_ref(&root)).map_err(shown).map(|c| c.profiles),
            Err("DIR/pyproject.toml: cannot read the configuration: `DIR/pyproject.toml` is at least 1073741824 bytes, over the limit of 1048576".to_owned())
        );
    }
}
