//! A whole-file pickle read both ways it can be loaded: as `joblib.load` reads it (array bytes
//! after each `NumpyArrayWrapper` skipped, object arrays' nested pickles run; the imports that
//! only serve that layout are data, see `tw_pickle::joblib`), and as a plain `pickle.load` reads
//! the same bytes, for which the skipped array bytes are opcodes: whatever the plain reading
//! imports where the joblib reading does not is reported too, so a payload cannot hide in
//! bytes the joblib reading skips or reads as data.

use std::collections::HashSet;

use tw_pickle::{GlobalTarget, ParseOptions, Parsed, Violation};

/// What a plain `pickle.load` would import where the joblib reading imports nothing.
#[derive(Debug, Default)]
pub(crate) struct HiddenImports {
    /// `(offset, module, name)` of each import.
    pub(crate) globals: Vec<(u64, String, String)>,
    /// The policy violations of those imports.
    pub(crate) violations: Vec<Violation>,
}

/// Parses a whole-file pickle in joblib's layout; drops the violations the layout explains and
/// returns the imports a plain reading finds in the skipped array bytes.
pub(crate) fn parse<'a>(bytes: &'a [u8], options: &ParseOptions) -> (Parsed<'a>, HiddenImports) {
    let mut parsed = tw_pickle::parse_joblib(bytes, options);
    if parsed.joblib.is_empty() {
        return (parsed, HiddenImports::default());
    }
    let explained = tw_pickle::joblib::explained_violations(&parsed);
    let mut index = 0;
    parsed.violations.retain(|_| {
        index += 1;
        !explained.contains(&(index - 1))
    });
    // Both readings agree up to the first array; after it, the plain one reads the array
    // bytes as opcodes and may stay out of step with the stream (a length prefix in the array
    // swallowing what joblib reads as opcodes, a string's content read as opcodes): every
    // import the plain reading makes where the joblib reading made none is reported.
    let seen: HashSet<u64> = parsed.graph.globals().iter().map(|g| g.offset).collect();
    let plain = tw_pickle::parse(bytes, options);
    let mut hidden = HiddenImports::default();
    for global in plain.graph.globals() {
        if let GlobalTarget::Named { module, name } = &global.target {
            if !seen.contains(&global.offset) && importable(module) && importable(name) {
                hidden
                    .globals
                    .push((global.offset, module.to_string(), name.to_string()));
            }
        }
    }
    let offsets: HashSet<u64> = hidden.globals.iter().map(|g| g.0).collect();
    hidden.violations = plain
        .violations
        .into_iter()
        .filter(|v| offsets.contains(&v.offset))
        .collect();
    (parsed, hidden)
}

/// The wrapper classes of joblib < 0.10 that name a side file (`numpy_pickle_compat`; the
/// pickles of that time name `joblib.numpy_pickle`, scikit-learn's copy
/// `sklearn.externals.joblib.numpy_pickle`).
const SIDE_FILE_CLASSES: [&str; 6] = [
    "joblib.numpy_pickle.NDArrayWrapper",
    "joblib.numpy_pickle.ZNDArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.ZNDArrayWrapper",
];

/// `(offset, class, file name)` of every joblib < 0.10 wrapper the pickle builds with a
/// `filename` in its state: `joblib.load` reads that file.
pub(crate) fn side_files(parsed: &Parsed<'_>) -> Vec<(u64, String, String)> {
    let graph = &parsed.graph;
    let mut out = Vec::new();
    for object in graph.objects() {
        let Some(global) = graph.global_of(object.callable) else {
            continue;
        };
        let Some(class) = SIDE_FILE_CLASSES.iter().find(|k| global.key_eq(k)) else {
            continue;
        };
        for state in &graph.mutations(object).states {
            let file = graph
                .as_dict(*state)
                .unwrap_or_default()
                .iter()
                .rev()
                .find(|(k, _)| graph.as_str(*k) == Some("filename"))
                .and_then(|(_, v)| graph.as_str(*v));
            if let Some(file) = file {
                out.push((object.offset, (*class).to_owned(), file.to_owned()));
            }
        }
    }
    out
}

/// Whether a module or attribute path could name something Python imports (dotted
/// identifiers): random array bytes that happen to parse as an import name nothing.
fn importable(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}
