//! TW650 `public-declaration`: one public module or name of the package, with its kind,
//! signature and summary. These findings are the rows of the interface declaration table.
use crate::interface::Declaration;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity, Status};

/// Metadata and documentation of TW650.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW650",
    name: "public-declaration",
    severity: Severity::Info,
    section: "10",
    summary: "A public module, function, class or constant of the package's interface.",
    doc: RuleDoc {
        what: "Lists the package's public interface read from source (nothing is imported): every module whose dotted path has no component starting with `_`, and in it every name that is public by PyTorch's rules (listed in `__all__` when the module defines it, otherwise not starting with `_` and defined in that module or a public module below it), with its kind, signature, the first line of its docstring and, for re-exports, the module that defines it. Public classes bring their public methods, properties and attributes.",
        why: "The security statement (section 10) follows PyTorch's public API definition: only public interfaces are supported; anything else may change without notice. Writing the interface down lets users know what they may rely on and lets reviewers see exposed internals, which are an attack and support surface. `--format markdown` prints this table.",
        example: "`def load(path, *, weights_only=True)` in `pkg/io.py` is the row `pkg.io | load | function | (path, *, weights_only=True) | Load a checkpoint.`",
        fix: "Nothing to fix: this is the declaration. Keep it in the repository (`torchward api pkg --format markdown -o API.md`) and gate changes with `torchward api --against`.",
        references: &["Security statement section 10 (public interface declaration)", "PyTorch wiki: Public API definition and documentation", "pytorch/pytorch test/test_public_bindings.py"],
    },
};

/// The declaration row of `declaration`.
pub fn finding(declaration: &Declaration) -> Finding {
    let mut message = format!("public {} `{}`", declaration.kind, declaration.qualified());
    if let Some(origin) = &declaration.origin {
        message.push_str(" (defined in `");
        message.push_str(origin);
        message.push_str("`)");
    }
    let location = Location::path(declaration.path.clone())
        .with_line(declaration.position.line, declaration.position.column);
    Finding::new(&RULE, location, message)
        .with_status(Status::Pass)
        .with_evidence("module", declaration.module.clone())
        .with_evidence("name", declaration.name.clone())
        .with_evidence("kind", declaration.kind.as_str())
        .with_evidence("signature", declaration.signature_text())
        .with_evidence("summary", declaration.summary.clone().unwrap_or_default())
        .with_evidence("origin", declaration.origin.clone().unwrap_or_default())
}
