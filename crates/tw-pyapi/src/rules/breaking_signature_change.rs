//! TW657 `breaking-signature-change`: a public callable's signature (or kind) changed in a way
//! that breaks existing calls.
use crate::interface::Declaration;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW657.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW657",
    name: "breaking-signature-change",
    severity: Severity::High,
    section: "10",
    summary: "A public callable's signature or kind changed so that existing calls break.",
    doc: RuleDoc {
        what: "Compares the signature of each public function, class constructor and method present in both versions, parameter by parameter: a parameter removed (unless `*args`/`**kwargs` now accept it), positional parameters reordered, a parameter made required (its default dropped, or a new parameter without default), a parameter's kind narrowed (positional-or-keyword to keyword-only or positional-only), `*args` or `**kwargs` removed, an `@overload` variant removed, `def` turned into `async def` or back, and a callable turned into a non-callable (constant, property, attribute) or the reverse. Every break of one name is listed in one finding.",
        why: "Each of these turns a call that worked into a `TypeError` (or a coroutine where a value was expected). Signature breaks are the most common accidental API break in Python libraries, and they are invisible to import-only checks.",
        example: "`def load(path, map_location=None)` in v1 becomes `def load(path, *, map_location)` in v2: `map_location` is now keyword-only and required.",
        fix: "Keep the old parameters accepted (with defaults, or through a deprecation shim), add new parameters at the end with defaults, or, if the break is intended, record it in the changelog and accept it in `.torchwardignore` with a reason.",
        references: &["PyTorch backward compatibility policy", "Python reference: calls and parameter kinds (PEP 570, PEP 3102)"],
    },
};

/// The finding for `new` (changed from `old`), with the list of `breaks`.
pub fn finding(old: &Declaration, new: &Declaration, breaks: &[String]) -> Finding {
    Finding::new(
        &RULE,
        Location::path(new.path.clone()).with_line(new.position.line, new.position.column),
        format!(
            "{} `{}` changed incompatibly: {}",
            new.kind,
            new.qualified(),
            breaks.join("; ")
        ),
    )
    .with_evidence("change", "changed")
    .with_evidence("module", new.module.clone())
    .with_evidence("name", new.name.clone())
    .with_evidence("kind", new.kind.as_str())
    .with_evidence("old", old.signature_text())
    .with_evidence("new", new.signature_text())
}
