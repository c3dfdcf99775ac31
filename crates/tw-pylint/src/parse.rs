//! How torchward parses Python: ruff's parser in module mode, targeting the newest syntax
//! (3.14) so that nothing valid in any 3.8-3.14 release is version-rejected, with every
//! syntax error turned into a [`ParseFailure`] that carries its path, position and offset.
//! Invariant: parsing never fails outright; a file with syntax errors still yields the tree
//! the parser recovered, beside the list of its errors. Shared by `lint` and `tw-pyapi`.
use crate::position::LineIndex;
use crate::source::ParseFailure;
use ruff_python_ast::{Mod, PythonVersion};
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions, Parsed};

/// Parses `source` as a Python module (3.8 to 3.14 syntax), recovering from errors.
pub fn parse_python(source: &str) -> Parsed<Mod> {
    parse_unchecked(
        source,
        ParseOptions::from(Mode::Module).with_target_version(PythonVersion::PY314),
    )
}

/// The syntax errors of `parsed` (made from `source`, indexed by `index`), located in `path`.
pub fn syntax_errors(
    path: &str,
    source: &str,
    index: &LineIndex,
    parsed: &Parsed<Mod>,
) -> Vec<ParseFailure> {
    parsed
        .errors()
        .iter()
        .map(|error| {
            let offset = ruff_text_size::Ranged::start(&error.location).to_usize();
            let (line, column) = index.position(source, offset);
            ParseFailure {
                path: path.to_owned(),
                line,
                column,
                offset: offset as u64,
                message: error.error.to_string(),
            }
        })
        .collect()
}
