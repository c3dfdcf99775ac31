//! Keras model configs (the `config.json` of a Keras v3 `.keras` zip, the `model_config`
//! attribute of a Keras `.h5` file): the parts that make `keras.models.load_model` run code.
//! A `Lambda` layer carries a Python function as marshalled bytecode (`__lambda__`) or source,
//! run when the layer is rebuilt; an object whose `module` is outside Keras is imported from that
//! module and called (`class_name`, or for `class_name: "function"` the name in `config`), which
//! is how CVE-2025-1550 runs `builtins` functions even with `safe_mode=True`. Everything else in
//! a config is layer settings, which this reader does not judge.

use std::fmt::Write as _;

use serde::Serialize;

use crate::json::{self, Json};

/// Deepest JSON nesting read in a Keras config (nested functional models go deep).
const MAX_DEPTH: u32 = 256;
/// Most code-bearing parts listed from one config.
const MAX_PARTS: usize = 1000;

/// What in a Keras config runs code when the model is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KerasCode {
    /// A `Lambda` layer: its function is Python code shipped in the file.
    Lambda {
        /// The layer's `name`, when set.
        layer: Option<String>,
        /// Where the layer is in the config (`config.layers[2]`).
        path: String,
        /// Whether the function is marshalled bytecode (`__lambda__` or a legacy list), as
        /// opposed to a reference to a named function.
        bytecode: bool,
    },
    /// An object imported from a module outside Keras and called while loading.
    ForeignObject {
        /// The `module` it is imported from.
        module: String,
        /// What is called: `class_name`, or the function named by `config` when `class_name`
        /// is `function`.
        name: String,
        /// Where the object is in the config.
        path: String,
    },
}

/// Why a Keras config could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Keras config {what} at byte {offset} of {source_name}")]
pub struct KerasError {
    /// Which config (`config.json`, `model_config attribute`).
    pub source_name: &'static str,
    /// What was wrong.
    pub what: &'static str,
    /// Offset within the config text.
    pub offset: u64,
}

/// The code-bearing parts of the config text `bytes`, read from `source_name`.
pub fn code_in_config(
    bytes: &[u8],
    source_name: &'static str,
) -> Result<Vec<KerasCode>, KerasError> {
    let text = std::str::from_utf8(bytes).map_err(|e| KerasError {
        source_name,
        what: "is not UTF-8",
        offset: crate::cursor::to_u64(e.valid_up_to()),
    })?;
    let value = json::parse(text, MAX_DEPTH).map_err(|e| KerasError {
        source_name,
        what: e.what,
        offset: crate::cursor::to_u64(e.offset),
    })?;
    Ok(code_in_value(&value))
}

/// The code-bearing parts of a parsed config.
pub(crate) fn code_in_value(value: &Json) -> Vec<KerasCode> {
    let mut out = Vec::new();
    let mut path = String::from("$");
    walk(value, &mut path, &mut out);
    out
}

/// A member of an object by name (the first, as Python's `json` keeps the last: configs
/// with duplicate members are not written by Keras).
fn member<'j>(members: &'j [(usize, String, Json)], name: &str) -> Option<&'j Json> {
    members
        .iter()
        .find(|(_, n, _)| n == name)
        .map(|(_, _, v)| v)
}

fn string(value: Option<&Json>) -> Option<&str> {
    match value {
        Some(Json::String(s)) => Some(s),
        _ => None,
    }
}

/// Whether `module` is Keras' own (`keras`, `keras.layers`, `keras.src.models.functional`).
fn keras_module(module: &str) -> bool {
    module == "keras" || module.starts_with("keras.")
}

fn walk(value: &Json, path: &mut String, out: &mut Vec<KerasCode>) {
    if out.len() >= MAX_PARTS {
        return;
    }
    match value {
        Json::Object(members) => {
            inspect_object(members, path, out);
            for (_, name, child) in members {
                let len = path.len();
                path.push('.');
                path.push_str(name);
                walk(child, path, out);
                path.truncate(len);
            }
        }
        Json::Array(items) => {
            for (i, (_, child)) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                walk(child, path, out);
                path.truncate(len);
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) | Json::String(_) => {}
    }
}

fn inspect_object(members: &[(usize, String, Json)], path: &str, out: &mut Vec<KerasCode>) {
    let Some(class_name) = string(member(members, "class_name")) else {
        return;
    };
    let config = member(members, "config");
    if class_name == "Lambda" {
        let fields = match config {
            Some(Json::Object(c)) => c.as_slice(),
            _ => &[],
        };
        let bytecode = match member(fields, "function") {
            // Keras 3: {"class_name": "__lambda__", "config": {"code": ...}}.
            Some(Json::Object(f)) => string(member(f, "class_name")) == Some("__lambda__"),
            // Keras 2: [base64 marshal, defaults, closure] with function_type "lambda".
            Some(Json::Array(_)) => true,
            _ => string(member(fields, "function_type")) == Some("lambda"),
        };
        out.push(KerasCode::Lambda {
            layer: string(member(fields, "name")).map(str::to_owned),
            path: path.to_owned(),
            bytecode,
        });
    }
    let Some(module) = string(member(members, "module")) else {
        return;
    };
    if keras_module(module) {
        return;
    }
    let name = match (class_name, config) {
        ("function", Some(Json::String(f))) => f.clone(),
        _ => class_name.to_owned(),
    };
    out.push(KerasCode::ForeignObject {
        module: module.to_owned(),
        name,
        path: path.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambdas_and_foreign_modules_are_found() {
        let config = br#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d"}},
            {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l",
              "function": {"class_name": "__lambda__", "config": {"code": "4wEA"}}}},
            {"module": "builtins", "class_name": "function", "config": "exec"}]}}"#;
        let code = code_in_config(config, "config.json").unwrap();
        assert_eq!(
            code,
            [
                KerasCode::Lambda {
                    layer: Some("l".into()),
                    path: "$.config.layers[1]".into(),
                    bytecode: true
                },
                KerasCode::ForeignObject {
                    module: "builtins".into(),
                    name: "exec".into(),
                    path: "$.config.layers[2]".into()
                }
            ]
        );
    }

    #[test]
    fn a_plain_config_holds_no_code() {
        let config = br#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d",
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}}}}]}}"#;
        assert_eq!(code_in_config(config, "config.json").unwrap(), []);
        assert!(code_in_config(b"{", "config.json").is_err());
    }
}
