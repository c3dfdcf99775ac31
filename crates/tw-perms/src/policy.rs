//! The site policy file (TOML): rules that classify paths by glob into a kind and/or override
//! the most permissive mode, each with a required reason. Policy rules are tried in file order
//! before the built-in rules; the first match decides, and `--explain` names it.
use crate::classify::Class;
use crate::error::PermsError;
use crate::kind::Kind;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    glob: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    rule: Vec<RawRule>,
}

/// One checked policy rule.
#[derive(Debug, Clone)]
pub struct PolicyRule {
    glob: String,
    matcher: GlobMatcher,
    kind: Option<Kind>,
    mode: Option<u32>,
    reason: String,
}

/// The policy: an ordered list of rules (empty by default).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    rules: Vec<PolicyRule>,
    source: Option<String>,
}

impl Policy {
    /// Parses policy TOML; `source` names the file in errors and explanations.
    pub fn parse(source: &str, text: &str) -> Result<Policy, PermsError> {
        let bad = |message: String| PermsError::Policy {
            path: source.to_owned(),
            message,
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|err| bad(err.to_string()))?;
        let mut rules = Vec::with_capacity(raw.rule.len());
        for (index, rule) in raw.rule.into_iter().enumerate() {
            let number = index + 1;
            if rule.reason.trim().is_empty() {
                return Err(bad(format!("rule {number}: a reason is required")));
            }
            let matcher = GlobBuilder::new(&rule.glob)
                .literal_separator(true)
                .build()
                .map_err(|err| bad(format!("rule {number}: {err}")))?
                .compile_matcher();
            let kind = match &rule.kind {
                Some(name) => Some(
                    Kind::parse(name)
                        .ok_or_else(|| bad(format!("rule {number}: unknown kind `{name}`")))?,
                ),
                None => None,
            };
            let mode = match &rule.mode {
                Some(text) => Some(
                    u32::from_str_radix(text.trim_start_matches("0o"), 8)
                        .ok()
                        .filter(|mode| *mode <= 0o777)
                        .ok_or_else(|| {
                            bad(format!(
                                "rule {number}: mode `{text}` is not an octal mode up to 0777"
                            ))
                        })?,
                ),
                None => None,
            };
            if kind.is_none() && mode.is_none() {
                return Err(bad(format!("rule {number}: give `kind`, `mode` or both")));
            }
            rules.push(PolicyRule {
                glob: rule.glob,
                matcher,
                kind,
                mode,
                reason: rule.reason,
            });
        }
        Ok(Policy {
            rules,
            source: Some(source.to_owned()),
        })
    }

    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Policy, PermsError> {
        let shown = path.display().to_string();
        let bytes = tw_fs::read_bounded(path, 1 << 20)?;
        Policy::parse(&shown, &String::from_utf8_lossy(&bytes))
    }

    /// Whether the policy has no rules (lets the walk skip matching).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Applies the first matching rule to the built-in class `builtin` (computed lazily; only
    /// needed when the rule sets a mode but no kind).
    pub fn apply(&self, path: &Path, builtin: impl FnOnce() -> Class) -> Option<Class> {
        let (index, rule) = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.matcher.is_match(path))?;
        let base = match rule.kind {
            Some(kind) => Class {
                kind,
                max_mode: kind.max_mode(),
                reason: Cow::Borrowed(""),
            },
            None => builtin(),
        };
        Some(Class {
            kind: base.kind,
            max_mode: rule.mode.unwrap_or(base.max_mode),
            reason: Cow::Owned(format!(
                "policy {} rule {} (`{}`): {}",
                self.source.as_deref().unwrap_or("-"),
                index + 1,
                rule.glob,
                rule.reason
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Class;

    fn data() -> Class {
        Class {
            kind: Kind::DataFile,
            max_mode: 0o640,
            reason: Cow::Borrowed("b"),
        }
    }

    #[test]
    fn first_match_decides() {
        let policy = Policy::parse(
            "p.toml",
            "[[rule]]\nglob='/srv/**/shared/*'\nmode='0644'\nreason='read by the team'\n[[rule]]\nglob='/srv/**'\nkind='key-file'\nreason='r'\n",
        )
        .unwrap();
        let class = policy.apply(Path::new("/srv/a/shared/x.pt"), data).unwrap();
        assert_eq!((class.kind, class.max_mode), (Kind::DataFile, 0o644));
        assert!(class.reason.contains("rule 1"));
        let class = policy.apply(Path::new("/srv/a/other"), data).unwrap();
        assert_eq!(class.kind, Kind::KeyFile);
        assert!(policy.apply(Path::new("/home/x"), data).is_none());
    }

    #[test]
    fn rejects_bad_rules() {
        for text in [
            "[[rule]]\nglob='x'\nmode='0644'\nreason=''\n",
            "[[rule]]\nglob='x'\nkind='nope'\nreason='r'\n",
            "[[rule]]\nglob='x'\nmode='999'\nreason='r'\n",
            "[[rule]]\nglob='x'\nreason='r'\n",
            "[[rule]]\nglob='['\nmode='0600'\nreason='r'\n",
            "[[rules]]\n",
        ] {
            assert!(Policy::parse("p", text).is_err(), "{text}");
        }
    }
}
