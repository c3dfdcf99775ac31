//! TW659 `dynamic-all`: a public module's `__all__` is computed, so its declaration is partial.
use crate::facts::{DunderAll, ModuleFacts};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW659.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW659",
    name: "dynamic-all",
    severity: Severity::Low,
    section: "10",
    summary: "A public module's `__all__` is computed at import time: the declaration lists only the part source shows.",
    doc: RuleDoc {
        what: "Reports each public module whose `__all__` cannot be read from source alone, even with a `.pyi` stub beside it: names appended in a loop (`for name in dir(_C): __all__.append(name)`), a comprehension or filter over something other than literals, a list from a module outside the package, or any other computed part. The finding says how many names were read.",
        why: "The statement asks for a declaration of the public interface. When `__all__` is computed, a static reading lists only its literal part (73 of torch's 910 names), and silently presenting that as the interface misleads every reader and every diff built on it.",
        example: "`__all__ = [\"load\"]` followed by `for name in dir(_C): __all__.append(name)`.",
        fix: "Write `__all__` out (generated code can emit the literal list), or ship a `.pyi` stub that lists it; otherwise read this module's declaration as partial.",
        references: &["Python reference: the import statement (`__all__`)", "PEP 484: stub files", "pytorch/pytorch test/test_public_bindings.py"],
    },
};

/// The finding for `module`, whose `__all__` (`all`) is partly computed; `known` names were read.
pub fn finding(module: &ModuleFacts, all: &DunderAll, known: usize) -> Finding {
    Finding::new(
        &RULE,
        Location::path(all.path(module)).with_line(all.position.line, all.position.column),
        format!(
            "`__all__` of `{}` is computed at import time: only {known} names can be read from source, the declaration of this module is partial",
            module.name
        ),
    )
    .with_evidence("module", module.name.clone())
    .with_evidence("names_read", known.to_string())
}
