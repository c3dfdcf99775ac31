//! TW117 `keras-lambda-layer`: A Keras model holds a Lambda layer, whose function is Python code shipped in the file.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW117.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW117",
    name: "keras-lambda-layer",
    severity: Severity::High,
    section: "1",
    summary: "A Keras model holds a Lambda layer, whose function is Python code shipped in the file.",
    doc: RuleDoc {
        what: "The model config of a Keras v3 `.keras` archive (`config.json`) or of a Keras `.h5` file (the `model_config` attribute, found by a bounded search of the file's first 64 MiB) is read, and every layer whose `class_name` is `Lambda` is reported, saying whether its function is marshalled bytecode (`__lambda__`, or the legacy `[code, defaults, closure]` list).",
        why: "`keras.models.load_model` rebuilds a Lambda layer by unmarshalling its bytecode into a Python function, which then runs on every call of the model; older Keras versions, `safe_mode=False` and the legacy `.h5` path run it without asking. The bytecode is whatever the file's author wrote.",
        example: "`config.json` holding `{\"class_name\": \"Lambda\", \"config\": {\"function\": {\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAA...\"}}}}`.",
        fix: "Load the file only if you trust its author, with `safe_mode=True` (the default in Keras 3). Better: rebuild the model in code and load only its weights (`model.weights.h5` or safetensors).",
        references: &["CVE-2024-3660", "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/", "keras/src/layers/core/lambda_layer.py"],
    },
};

/// A finding for a Lambda layer named `layer` at `path` in the config.
pub fn finding(location: Location, layer: Option<&str>, path: &str, bytecode: bool) -> Finding {
    let what = if bytecode {
        "whose function is marshalled Python bytecode"
    } else {
        "whose function is a Python function named in the file"
    };
    let name = layer.map_or_else(String::new, |l| format!(" `{l}`"));
    Finding::new(
        &RULE,
        location,
        format!("Lambda layer{name} at {path} {what}: loading the model runs it"),
    )
    .with_evidence("config path", path)
}
