//! TW102 `global-not-allowlisted`: The pickle imports a global that torch's weights-only loader does not allow.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW102.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW102",
    name: "global-not-allowlisted",
    severity: Severity::High,
    section: "1, 6",
    summary: "The pickle imports a global that torch's weights-only loader does not allow.",
    doc: RuleDoc {
        what: "Each imported global is checked, as the exact `module.name` string torch forms, against the allowlist of `torch.load(weights_only=True)`: containers (`collections.OrderedDict`, `builtins.set`, ...), torch's rebuild functions, dtypes, storage and tensor types. Anything else is reported, including dotted names such as `os.system` imported from `pathlib` through STACK_GLOBAL.",
        why: "An allowlist is the only defence that has held: denylists of dangerous callables have been bypassed dozens of times (133 gadgets in one study). A global outside the allowlist means `torch.load(weights_only=True)` will refuse the file, and any loader that accepts it runs whatever that global does.",
        example: "`GLOBAL 'argparse Namespace'` or `GLOBAL 'numpy.core.multiarray _reconstruct'` in a training checkpoint.",
        fix: "Save plain data only: tensors, dicts, lists, numbers and strings. Convert NumPy arrays with `torch.from_numpy` and `argparse.Namespace` with `vars(args)` before saving. If you trust the file and need the object, allowlist exactly that global with `torch.serialization.add_safe_globals`.",
        references: &["torch/_weights_only_unpickler.py (_get_allowed_globals)", "https://pytorch.org/docs/stable/notes/serialization.html#weights-only"],
    },
};

/// A finding for the global `module.name` outside the weights-only allowlist; when a
/// framework profile lists it as data, the message says which (`allowed by --profile
/// megatron`).
pub fn finding_for_global(location: Location, module: &str, name: &str) -> Finding {
    let key = format!("{module}.{name}");
    match tw_pickle::profiles::profile_for(module, name) {
        Some(profile) => Finding::new(
            &RULE,
            location,
            format!(
                "imports {key}, which torch.load(weights_only=True) does not allow (allowed by --profile {})",
                profile.name
            ),
        )
        .with_evidence("global", key)
        .with_evidence("profile", profile.name),
        None => finding(location, &key),
    }
}

/// A finding for a global outside the weights-only allowlist, described by `what`
/// (`os.system`, or how an unresolved global was formed).
pub fn finding(location: Location, what: &str) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!("imports {what}, which torch.load(weights_only=True) does not allow"),
    )
    .with_evidence("global", what)
}
