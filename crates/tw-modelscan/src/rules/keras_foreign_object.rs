//! TW118 `keras-foreign-object`: A Keras model config imports and calls something from a module outside Keras.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW118.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW118",
    name: "keras-foreign-object",
    severity: Severity::High,
    section: "1",
    summary: "A Keras model config imports and calls something from a module outside Keras.",
    doc: RuleDoc {
        what: "Every object of a Keras model config (`.keras` `config.json` or `.h5` `model_config`) with a `module` other than `keras` or `keras.*` is reported with the callable it names: `module.class_name`, or for `class_name: \"function\"` the function named by `config`. A callable on torchward's list of dangerous callables (`builtins.exec`, `os.system` ...) raises the finding to critical.",
        why: "Keras deserialisation imports the named module and calls the named class or function with arguments from the file. CVE-2025-1550 used this to call `builtins` functions and run code even with `safe_mode=True`; any importable callable is reachable the same way, like a pickle global.",
        example: "`{\"module\": \"builtins\", \"class_name\": \"function\", \"config\": \"exec\"}` inside a layer's config.",
        fix: "Do not load the file unless the module is your own code that you expect the model to use (a custom layer); upgrade Keras to 3.9 or later, which only allows modules of registered objects in safe mode.",
        references: &["CVE-2025-1550", "keras/src/saving/serialization_lib.py"],
    },
};

/// A finding for a call of `module.name` at `path` in the config; `dangerous` explains why the
/// callable is on the dangerous list, which makes the finding critical.
pub fn finding(
    location: Location,
    module: &str,
    name: &str,
    path: &str,
    dangerous: Option<&str>,
) -> Finding {
    let mut message = format!(
        "the model config at {path} imports {module}.{name} from outside Keras and calls it while loading"
    );
    if let Some(reason) = dangerous {
        message.push_str(": ");
        message.push_str(reason);
    }
    let finding = Finding::new(&RULE, location, message)
        .with_evidence("global", format!("{module}.{name}"))
        .with_evidence("config path", path);
    if dangerous.is_some() {
        finding.with_severity(Severity::Critical)
    } else {
        finding
    }
}
