//! TW610 torch-safe-globals-widened: `torch.serialization.add_safe_globals` / `safe_globals`
//! extend the weights-only allowlist. Invariant: an error only when a listed entry resolves to
//! a callable that gives code execution; plain classes are a note; an unknown list is a
//! low-confidence note.
use super::Hit;
use crate::call::{Arg, CallSite};
use ruff_python_ast::Expr;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW610",
    name: "torch-safe-globals-widened",
    severity: Severity::Low,
    section: "6",
    summary: "add_safe_globals/safe_globals widen the weights-only allowlist; callables there give code execution.",
    doc: RuleDoc {
        what: "Calls to `torch.serialization.add_safe_globals` and `torch.serialization.safe_globals` \
(and the `torch.*` re-exports). A note for data classes and enums; high when an entry resolves \
to a callable that runs code (`eval`, `exec`, `getattr`, `__import__`, `compile`, `os.system`, \
`os.popen`, `subprocess.*`, `functools.partial`, `builtins.*`, `importlib.import_module`, \
`runpy.*`, `pickle.loads`, `operator.methodcaller`/`attrgetter`). Must not flag: \
`torch.serialization.get_safe_globals`; `clear_safe_globals`.",
        why: "The weights-only unpickler is safe because it only calls allowlisted globals. Adding \
a callable that executes code or reaches arbitrary attributes turns every checkpoint load into \
code execution again.",
        example: "torch.serialization.add_safe_globals([MyConfig])     # TW610 note\n\
torch.serialization.add_safe_globals([getattr])      # TW610 high",
        fix: "Allowlist only plain data classes and enums whose construction runs no code; never \
callables, modules or builtins.",
        references: &[
            "https://pytorch.org/docs/stable/notes/serialization.html#torch.serialization.add_safe_globals",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &[
    "torch.serialization.add_safe_globals",
    "torch.serialization.safe_globals",
];

/// Callables (or prefixes ending in `.`) that give code execution when allowlisted.
const DANGEROUS: &[&str] = &[
    "builtins.",
    "os.system",
    "os.popen",
    "os.exec",
    "os.spawn",
    "posix.system",
    "nt.system",
    "subprocess.",
    "functools.partial",
    "importlib.import_module",
    "runpy.",
    "pickle.loads",
    "pickle.load",
    "operator.methodcaller",
    "operator.attrgetter",
    "code.",
    "pty.spawn",
];

fn dangerous(name: &str) -> bool {
    DANGEROUS.iter().any(|prefix| name.starts_with(prefix))
}

/// Reports a widening of the weights-only allowlist.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    if !site.is_any(NAMES) {
        return None;
    }
    let entries = match site.arg("safe_globals", Some(0)) {
        Arg::Expr(Expr::List(list)) => &list.elts,
        Arg::Expr(Expr::Tuple(tuple)) => &tuple.elts,
        Arg::Expr(Expr::Set(set)) => &set.elts,
        _ => {
            return Some(
                Hit::new(
                    &RULE,
                    format!(
                        "`{}` widens the weights-only allowlist with entries the linter cannot see",
                        site.qualified
                    ),
                )
                .unsure(),
            )
        }
    };
    let mut named = Vec::new();
    for entry in entries {
        // An entry is a global or a `(global, "module.name")` pair.
        let global = match entry {
            Expr::Tuple(pair) => pair.elts.first().unwrap_or(entry),
            other => other,
        };
        named.extend(site.names_of(global));
    }
    if let Some(bad) = named.iter().find(|name| dangerous(name)) {
        return Some(
            Hit::new(
                &RULE,
                format!(
                    "`{}` allowlists `{bad}`, a callable that gives code execution to any checkpoint",
                    site.qualified
                ),
            )
            .severity(Severity::High),
        );
    }
    Some(Hit::new(
        &RULE,
        format!(
            "`{}` widens the weights-only allowlist; check every entry is plain data",
            site.qualified
        ),
    ))
}
