//! A whole-file pickle read both ways it can be loaded: as `joblib.load` reads it (array bytes
//! after each `NumpyArrayWrapper` skipped, object arrays' nested pickles run; the imports that
//! only serve that layout are data, see `tw_pickle::joblib`), and as a plain `pickle.load` reads
//! the same bytes, for which the skipped array bytes are opcodes: whatever those would import is
//! reported too, so a payload cannot hide in bytes the joblib reading skips.

use tw_pickle::{GlobalTarget, ParseOptions, Parsed, Violation};

/// What a plain `pickle.load` would import from bytes the joblib reading skipped as array data.
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
    let skipped: Vec<(u64, u64)> = parsed
        .joblib
        .iter()
        .filter(|a| matches!(a.bytes, tw_pickle::joblib::ArrayBytes::Raw { .. }))
        .map(|a| (a.start, a.end))
        .collect();
    let inside = |offset: u64| skipped.iter().any(|(s, e)| (*s..*e).contains(&offset));
    let plain = tw_pickle::parse(bytes, options);
    let mut hidden = HiddenImports::default();
    for global in plain.graph.globals() {
        if let GlobalTarget::Named { module, name } = &global.target {
            if inside(global.offset) && importable(module) && importable(name) {
                hidden
                    .globals
                    .push((global.offset, module.to_string(), name.to_string()));
            }
        }
    }
    let offsets: Vec<u64> = hidden.globals.iter().map(|g| g.0).collect();
    hidden.violations = plain
        .violations
        .into_iter()
        .filter(|v| offsets.contains(&v.offset))
        .collect();
    (parsed, hidden)
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
