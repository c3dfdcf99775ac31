//! Where `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` is set, read from text only: a process environment
//! (`/proc/PID/environ`), `KEY=VALUE` files (`/etc/environment`, systemd `EnvironmentFile=`),
//! shell scripts (profiles, rc files, venv `bin/activate*`, conda `activate.d`), systemd
//! `Environment=` lines and conda's `conda-meta/state` variables. torch reads the variable
//! with `os.getenv(...) in ["1", "y", "yes", "true"]` (torch/serialization.py, `load`): the
//! match is exact and case-sensitive, so `True` or `on` do not turn weights-only loading off.
//! A value torchward cannot evaluate (`$X`, a command substitution) is reported as doubtful.

/// The variable that turns `torch.load`'s weights-only default off.
pub const VARIABLE: &str = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD";

/// The opposite variable; with both true torch refuses to load anything (`RuntimeError`).
pub const OPPOSITE: &str = "TORCH_FORCE_WEIGHTS_ONLY_LOAD";

/// Whether torch reads `value` as true.
pub fn is_true(value: &str) -> bool {
    matches!(value, "1" | "y" | "yes" | "true")
}

/// One assignment of the variable found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// 1-based line (0 for an environment block, which has no lines).
    pub line: u32,
    /// The value as written, quotes removed.
    pub value: String,
    /// Whether the value is a literal (no `$`, no backquote): only then is it judged.
    pub literal: bool,
}

impl Assignment {
    /// Whether this assignment turns weights-only loading off for sure.
    pub fn is_true(&self) -> bool {
        self.literal && is_true(&self.value)
    }
}

/// The value of `name` in a NUL-separated environment block (`/proc/PID/environ`).
pub fn environ_value<'a>(block: &'a [u8], name: &str) -> Option<std::borrow::Cow<'a, str>> {
    block.split(|b| *b == 0).find_map(|entry| {
        let rest = entry.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
        Some(String::from_utf8_lossy(rest))
    })
}

/// The first token of `text` (quotes honoured) and whether it is a literal.
fn token(text: &str) -> (String, bool) {
    let text = text.trim_start();
    let mut chars = text.chars();
    if let Some(quote @ ('"' | '\'')) = chars.next() {
        let inner: String = chars.take_while(|c| *c != quote).collect();
        let literal = quote == '\'' || !(inner.contains('$') || inner.contains('`'));
        return (inner, literal);
    }
    let word: String = text
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | ')' | '#'))
        .collect();
    let literal = !(word.contains('$') || word.contains('`'));
    (word, literal)
}

/// Assignments in a shell-like script: `VAR=v`, `export VAR=v`, `declare -x VAR=v`,
/// `setenv VAR v` (csh), `set -gx VAR v` (fish), `$env:VAR = "v"` (PowerShell), `$env.VAR =
/// "v"` (nushell). Comment lines and reads (`$VAR`, `${VAR}`) are not assignments.
pub fn shell_assignments(text: &str) -> Vec<Assignment> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || !trimmed.contains(VARIABLE) {
            continue;
        }
        let mut search = 0;
        while let Some(offset) = trimmed.get(search..).and_then(|rest| rest.find(VARIABLE)) {
            let start = search + offset;
            let end = start + VARIABLE.len();
            search = end;
            let before = trimmed.get(..start).unwrap_or_default();
            let after = trimmed.get(end..).unwrap_or_default();
            // Part of a longer name (`MY_TORCH_FORCE_...`, `..._LOAD2`)?
            if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                || after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let value = if before.ends_with("$env:") || before.ends_with("$env.") {
                after.trim_start().strip_prefix('=')
            } else if before.ends_with('$') || before.ends_with("${") {
                None
            } else if after.starts_with('=') {
                after.strip_prefix('=')
            } else {
                let words: Vec<&str> = before.split_whitespace().collect();
                let setter = match words.as_slice() {
                    [.., "setenv"] => true,
                    [.., "set", flags] => flags.starts_with('-') && flags.contains('x'),
                    _ => false,
                };
                setter.then_some(after)
            };
            if let Some(value) = value {
                let (value, literal) = token(value);
                found.push(Assignment {
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    value,
                    literal,
                });
                break;
            }
        }
    }
    found
}

/// Assignments in a `KEY=VALUE` file (`/etc/environment` as `pam_env` reads it, systemd
/// `EnvironmentFile=`): one per line, optional `export `, `#` comments.
pub fn env_file_assignments(text: &str) -> Vec<Assignment> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some(rest) = line.strip_prefix(VARIABLE) else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let (value, _) = token(value);
        // Neither file format expands variables: the text is the value.
        found.push(Assignment {
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            value,
            literal: true,
        });
    }
    found
}

/// What one systemd unit file says about the variable: its `Environment=` assignments and the
/// `EnvironmentFile=` paths to read (a leading `-` marks an optional file; paths with `%`
/// specifiers cannot be resolved without systemd and are left out).
pub fn systemd_unit(text: &str) -> (Vec<Assignment>, Vec<String>) {
    let mut found = Vec::new();
    let mut files = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("EnvironmentFile=") {
            let path = rest.trim().trim_start_matches('-');
            if path.starts_with('/') && !path.contains('%') {
                files.push(path.to_owned());
            }
            continue;
        }
        let Some(mut rest) = line.strip_prefix("Environment=") else {
            continue;
        };
        // Space-separated assignments, each optionally quoted as a whole (systemd.exec(5)).
        while !rest.trim_start().is_empty() {
            let (word, _) = token(rest);
            let trimmed = rest.trim_start();
            let consumed = if trimmed.starts_with(['"', '\'']) {
                word.len() + 2
            } else {
                word.len()
            };
            rest = trimmed
                .get(consumed.min(trimmed.len())..)
                .unwrap_or_default();
            if let Some(value) = word
                .strip_prefix(VARIABLE)
                .and_then(|v| v.strip_prefix('='))
            {
                found.push(Assignment {
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    value: value.to_owned(),
                    literal: true,
                });
            }
            if consumed == 0 {
                break;
            }
        }
    }
    (found, files)
}

/// The variable in conda's per-environment variables (`conda env config vars set`), stored in
/// `conda-meta/state` as `{"env_vars": {...}}`.
pub fn conda_state(bytes: &[u8]) -> Option<Assignment> {
    let state: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let value = state.get("env_vars")?.get(VARIABLE)?.as_str()?;
    Some(Assignment {
        line: 0,
        value: value.to_owned(),
        literal: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(found: &[Assignment]) -> Vec<(u32, &str, bool)> {
        found
            .iter()
            .map(|a| (a.line, a.value.as_str(), a.literal))
            .collect()
    }

    #[test]
    fn torch_truth_rule_is_exact() {
        for yes in ["1", "y", "yes", "true"] {
            assert!(is_true(yes));
        }
        for no in ["0", "True", "YES", "on", "", " 1", "false"] {
            assert!(!is_true(no), "{no:?}");
        }
    }

    #[test]
    fn reads_environment_blocks() {
        let block = b"PATH=/bin\0TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\0X=TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=0\0";
        assert_eq!(environ_value(block, VARIABLE).as_deref(), Some("1"));
        assert_eq!(environ_value(b"PATH=/bin\0", VARIABLE), None);
        assert_eq!(
            environ_value(b"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD_X=1", VARIABLE),
            None
        );
    }

    #[test]
    fn finds_shell_assignments() {
        let script = "\
# export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=\"true\" python train.py
echo $TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD ${TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD}
setenv TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD yes
set -gx TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD 'y'
$env:TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD = \"1\"
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=$FLAG
unset TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD
MY_TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=0
";
        let found = shell_assignments(script);
        assert_eq!(
            values(&found),
            [
                (2, "1", true),
                (3, "true", true),
                (5, "yes", true),
                (6, "y", true),
                (7, "1", true),
                (8, "$FLAG", false),
                (11, "0", true),
            ]
        );
        assert_eq!(found.iter().filter(|a| a.is_true()).count(), 5);
    }

    #[test]
    fn finds_env_file_and_systemd_assignments() {
        let found = env_file_assignments("PATH=/bin\nTORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=\"1\"\n# TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\nexport TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=yes\n");
        assert_eq!(values(&found), [(2, "1", true), (4, "yes", true)]);
        let unit = "[Service]\nEnvironment=A=1 TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\nEnvironment=\"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=true\" B=2\nEnvironmentFile=-/etc/default/train\nEnvironmentFile=/etc/%i.env\n";
        let (found, files) = systemd_unit(unit);
        assert_eq!(values(&found), [(2, "1", true), (3, "true", true)]);
        assert_eq!(files, ["/etc/default/train"]);
    }

    #[test]
    fn reads_conda_state() {
        let state = br#"{"env_vars": {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}}"#;
        assert!(conda_state(state).is_some_and(|a| a.is_true()));
        assert_eq!(conda_state(b"{}"), None);
        assert_eq!(conda_state(b"not json"), None);
    }
}
