//! TW604 torch-force-no-weights-only: setting `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` to a value
//! torch treats as true, in Python (`os.environ[...]`, `setdefault`, `putenv`, `update`, dict
//! literals, keyword arguments) and, through `check_text`, in shell scripts, Dockerfiles,
//! `.env` and YAML files. Truthiness follows `torch/serialization.py`:
//! `os.getenv(name, "0").lower() in ["1", "y", "yes", "true"]`.
//! Invariant: reads, falsy values and the safe twin `TORCH_FORCE_WEIGHTS_ONLY_LOAD` are never
//! reported; a value the linter cannot know is reported with low confidence.
use super::Hit;
use crate::call::{literal, Arg, CallSite, Literal};
use regex::Regex;
use ruff_python_ast::{Expr, ExprCall, ExprDict};
use std::sync::OnceLock;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The environment variable.
pub(crate) const VARIABLE: &str = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD";

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW604",
    name: "torch-force-no-weights-only",
    severity: Severity::High,
    section: "6",
    summary: "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD set to a true value turns torch.load back into full pickle.",
    doc: RuleDoc {
        what: "Code or configuration that sets `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` to a value torch \
reads as true (`1`, `y`, `yes`, `true`, any case): `os.environ[...] = ...`, \
`os.environ.setdefault`, `os.putenv`, `os.environ.update(...)`, a dict literal or keyword \
argument with that key (e.g. `subprocess.run(env={...})`), and lines of shell scripts, \
Dockerfiles, `.env` and YAML files (`export VAR=1`, `ENV VAR=1`, `VAR: \"1\"`, \
`- name: VAR` / `value: \"1\"`). Must not flag: reads (`os.environ.get(...)`, `os.getenv`); \
setting it to `0`, `false` or an empty string; the safe twin `TORCH_FORCE_WEIGHTS_ONLY_LOAD`; \
commented-out lines.",
        why: "The variable makes every `torch.load` that does not pass `weights_only` explicitly \
use full pickle again, on every torch version, so a checkpoint can run code. Real projects set \
it to silence the errors the 2.6 default change produced, which undoes the protection for the \
whole process and its children.",
        example: "os.environ[\"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD\"] = \"1\"   # TW604\n\
# Dockerfile\nENV TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1   # TW604",
        fix: "Remove the setting. Fix the loads that failed instead: pass `weights_only=True` and \
allowlist the needed types with `torch.serialization.add_safe_globals`, or convert the \
checkpoints to safetensors.",
        references: &[
            "torch/serialization.py: TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD handling in torch.load",
            "https://pytorch.org/docs/stable/notes/serialization.html#weights-only",
            "Security statement section 6",
        ],
    },
};

/// The callees that set an environment variable from (key, value) arguments.
const SETTERS: &[&str] = &[
    "os.environ.setdefault",
    "os.environ.__setitem__",
    "os.putenv",
    "posix.putenv",
];

/// Whether torch reads `value` as true.
pub(crate) fn is_truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "y" | "yes" | "true"
    )
}

/// The hit for setting the variable to `value`, if it is true or unknown.
fn setting(value: &Arg<'_>, how: &str) -> Option<Hit> {
    match value {
        Arg::Literal(Literal::Str(text)) if is_truthy(text) => Some(Hit::new(
            &RULE,
            format!("{how} sets {VARIABLE}={text}: every torch.load without an explicit weights_only uses full pickle"),
        )),
        Arg::Literal(Literal::Int(1) | Literal::Bool(true)) => Some(Hit::new(
            &RULE,
            format!("{how} sets {VARIABLE} to a true value: every torch.load without an explicit weights_only uses full pickle"),
        )),
        Arg::Expr(_) | Arg::Unpacked => Some(
            Hit::new(
                &RULE,
                format!("{how} sets {VARIABLE} to a value the linter cannot know; torch reads 1/y/yes/true as on"),
            )
            .severity(Severity::Medium)
            .unsure(),
        ),
        Arg::Literal(_) | Arg::Missing => None,
    }
}

fn value_of(expr: &Expr) -> Arg<'_> {
    literal(expr).map_or(Arg::Expr(expr), Arg::Literal)
}

fn is_variable(expr: &Expr) -> bool {
    matches!(literal(expr), Some(Literal::Str(key)) if key == VARIABLE)
}

/// `os.environ.setdefault(VAR, value)`, `os.putenv(VAR, value)`.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    if !site.is_any(SETTERS) {
        return None;
    }
    let key = site.call.arguments.args.first()?;
    if !is_variable(key) {
        return None;
    }
    setting(
        &site.arg("value", Some(1)),
        &format!("`{}`", site.qualified),
    )
}

/// Any call with a keyword argument named like the variable (`os.environ.update(VAR="1")`,
/// `dict(VAR="1")`).
pub(crate) fn check_keywords(call: &ExprCall) -> Option<Hit> {
    call.arguments
        .keywords
        .iter()
        .find(|kw| {
            kw.arg
                .as_ref()
                .is_some_and(|name| name.as_str() == VARIABLE)
        })
        .and_then(|kw| setting(&value_of(&kw.value), "a keyword argument"))
}

/// A dict literal with the variable as a key (`env={..., VAR: "1"}`, `os.environ.update({...})`).
pub(crate) fn check_dict(dict: &ExprDict) -> Option<Hit> {
    dict.items
        .iter()
        .find(|item| item.key.as_ref().is_some_and(is_variable))
        .and_then(|item| setting(&value_of(&item.value), "a dict literal"))
}

/// `os.environ[VAR] = value`.
pub(crate) fn check_subscript(container: &[String], key: &Expr, value: &Expr) -> Option<Hit> {
    let is_environ = container.iter().any(|name| name == "os.environ");
    if !is_environ || !is_variable(key) {
        return None;
    }
    setting(&value_of(value), "`os.environ[...] =`")
}

/// A line of a shell script, Dockerfile, `.env` or YAML file that sets the variable.
#[derive(Debug, Clone)]
pub(crate) struct TextHit {
    /// 0-based line.
    pub(crate) line: usize,
    /// 0-based byte column of the variable name in that line.
    pub(crate) column: usize,
    /// The rule hit.
    pub(crate) hit: Hit,
}

fn assignment_pattern() -> Option<&'static Regex> {
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            // `VAR=1`, `VAR: "1"`, `ENV VAR 1`, `- VAR=1`, `--env VAR=1`; the name must not be
            // part of a longer identifier (`TORCH_FORCE_WEIGHTS_ONLY_LOAD` never matches) nor a
            // shell variable read (`"$VAR" = "1"` is a comparison, not a setting).
            Regex::new(
                r#"(?:^|[^A-Za-z0-9_$\{])TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD["']?(?:\s*[=:]\s*|\s+)["']?([A-Za-z0-9_]*)"#,
            )
            .ok()
        })
        .as_ref()
}

fn yaml_value_pattern() -> Option<&'static Regex> {
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    PATTERN
        .get_or_init(|| Regex::new(r#"^\s*value\s*:\s*["']?([A-Za-z0-9_]*)"#).ok())
        .as_ref()
}

/// The settings of the variable in a non-Python text file (shell, Dockerfile, `.env`, YAML).
pub(crate) fn check_text(text: &str) -> Vec<TextHit> {
    let (Some(assignment), Some(yaml_value)) = (assignment_pattern(), yaml_value_pattern()) else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut hits = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        let Some(column) = line.find(VARIABLE) else {
            continue;
        };
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut value = assignment
            .captures(line)
            .and_then(|caps| caps.get(1))
            .map(|m| m.as_str().to_owned())
            .filter(|value| !value.is_empty());
        if value.is_none()
            && line
                .trim_start()
                .trim_start_matches("- ")
                .starts_with("name:")
        {
            // Kubernetes-style `- name: VAR` followed by `value: "1"`.
            value = lines
                .iter()
                .skip(number + 1)
                .take(2)
                .find_map(|next| yaml_value.captures(next))
                .and_then(|caps| caps.get(1))
                .map(|m| m.as_str().to_owned());
        }
        if let Some(value) = value.filter(|value| is_truthy(value)) {
            hits.push(TextHit {
                line: number,
                column,
                hit: Hit::new(
                    &RULE,
                    format!("sets {VARIABLE}={value}: every torch.load without an explicit weights_only in that environment uses full pickle"),
                ),
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        let text = "export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\n\
# export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\n\
ENV TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD true\n\
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=0\n\
TORCH_FORCE_WEIGHTS_ONLY_LOAD=1\n\
  TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD: \"yes\"\n\
  - name: TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD\n    value: \"Y\"\n\
echo $TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD\n\
if [ \"$TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD\" = \"1\" ]; then :; fi\n\
[ \"${TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD}\" = 1 ]\n";
        let lines: Vec<usize> = check_text(text).iter().map(|hit| hit.line).collect();
        assert_eq!(lines, vec![0, 2, 5, 6]);
    }

    #[test]
    fn truthiness_matches_torch() {
        for value in ["1", "y", "YES", "True"] {
            assert!(is_truthy(value));
        }
        for value in ["0", "", "false", "no", "2"] {
            assert!(!is_truthy(value));
        }
    }
}
