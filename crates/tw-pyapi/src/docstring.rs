//! Docstrings (PEP 257): the string literal that is the first statement of a module, class or
//! function body, and its summary line. Invariant: only a plain string literal counts (an
//! f-string or bytes literal is not a docstring, as in CPython).
use ruff_python_ast::{Expr, Stmt};

/// Longest summary kept, in characters.
pub const MAX_SUMMARY_CHARS: usize = 200;

/// The docstring of `body`, if its first statement is a string literal.
pub fn docstring(body: &[Stmt]) -> Option<String> {
    let Some(Stmt::Expr(statement)) = body.first() else {
        return None;
    };
    match statement.value.as_ref() {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
        _ => None,
    }
}

/// The summary line of a docstring: its first non-blank line, trimmed and capped; `None` when
/// the docstring is blank (a blank docstring documents nothing).
pub fn summary(docstring: &str) -> Option<String> {
    let line = docstring.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.chars().count() > MAX_SUMMARY_CHARS {
        let mut cut: String = line.chars().take(MAX_SUMMARY_CHARS).collect();
        cut.push('…');
        return Some(cut);
    }
    Some(line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_first_non_blank_line() {
        assert_eq!(
            summary("\n    Load a thing.\n\n    More.\n").as_deref(),
            Some("Load a thing.")
        );
        assert_eq!(summary("   \n  "), None);
    }
}
