//! The configuration file's text as written (docs/config.md), before any value is checked:
//! `torchward.toml`, or the `[tool.torchward]` table of `pyproject.toml`, read with unknown
//! keys refused. Both are deserialized straight from the text, so every error (a key
//! torchward does not know, a value of the wrong type) carries the line and the key. Depends on
//! `serde` and `toml` only: the `config` fuzz target includes this file as it is.
use std::collections::BTreeMap;

use serde::Deserialize;

/// The keys of the file, as written (kebab-case).
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table of torchward settings"
)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub(crate) profiles: Vec<String>,
    #[serde(default)]
    pub(crate) allow_global: Vec<String>,
    #[serde(default)]
    pub(crate) select: Vec<String>,
    #[serde(default)]
    pub(crate) ignore: Vec<String>,
    pub(crate) fail_on: Option<String>,
    #[serde(default)]
    pub(crate) per_path_ignores: BTreeMap<String, Vec<String>>,
}

/// `pyproject.toml`: only `[tool.torchward]` is read; everything else is the project's.
#[derive(Debug, Deserialize)]
struct PyProject {
    tool: Option<Tools>,
}

#[derive(Debug, Deserialize)]
struct Tools {
    torchward: Option<RawConfig>,
}

/// The text of a `torchward.toml`.
pub(crate) fn parse_dedicated(text: &str) -> Result<RawConfig, toml::de::Error> {
    toml::from_str(text)
}

/// The `[tool.torchward]` table of a `pyproject.toml`'s text, `None` when it has none.
pub(crate) fn parse_pyproject(text: &str) -> Result<Option<RawConfig>, toml::de::Error> {
    let project: PyProject = toml::from_str(text)?;
    Ok(project.tool.and_then(|t| t.torchward))
}
