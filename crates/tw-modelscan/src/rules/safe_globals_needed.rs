//! TW130 `safe-globals-needed`: The exact `torch.serialization.safe_globals([...])` list a file needs to load with `weights_only=True`.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW130.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW130",
    name: "safe-globals-needed",
    severity: Severity::Info,
    section: "1, 6",
    summary: "The exact `torch.serialization.safe_globals([...])` list a file needs to load with `weights_only=True`.",
    doc: RuleDoc {
        what: "When a file's only obstacle to `torch.load(weights_only=True)` is globals outside torch's allowlist (TW102), and none of them is a dangerous callable (TW101) or in a module torch always blocks, this note lists every such global of the file as the `safe_globals` context manager takes them, and names the torchward profile (`--profile NAME`) that covers each when one does.",
        why: "Falling back to `weights_only=False` because one global is missing runs whatever the file holds. Allowing exactly the globals the file needs, after checking each only carries data, keeps every other global refused.",
        example: "`with torch.serialization.safe_globals([argparse.Namespace, megatron.core.enums.ModelType]): torch.load(path, weights_only=True)` for a Megatron-LM checkpoint.",
        fix: "Check that each listed global only holds data (namespaces, enums, config data classes, NumPy arrays; never optimizers, engines or modules), then load with `torch.serialization.safe_globals([...])` around `torch.load(..., weights_only=True)`, or scan with the named `--profile`. Better still, save plain data (`vars(args)`, `enum.value`, tensors instead of arrays).",
        references: &["https://pytorch.org/docs/stable/notes/serialization.html#weights-only", "torch.serialization.safe_globals", "docs/profiles.md"],
    },
};

/// A note listing `globals` (sorted `module.name` keys) as the `safe_globals` call needs them.
pub fn finding(location: Location, globals: &[String], profiles: &[&str]) -> Finding {
    let list = format!("torch.serialization.safe_globals([{}])", globals.join(", "));
    let message = if profiles.is_empty() {
        format!("loads with weights_only=True inside `with {list}:`")
    } else {
        format!(
            "loads with weights_only=True inside `with {list}:`; or scan with --profile {}",
            profiles.join(" --profile ")
        )
    };
    let mut finding = Finding::new(&RULE, location, message).with_evidence("safe_globals", list);
    for global in globals {
        finding = finding.with_evidence("global", global.clone());
    }
    finding
}
