//! Callable signatures as written in the source: parameters with their kind, annotation and
//! default (the source text, whitespace collapsed), PEP 695 type parameters and the return
//! annotation. Rendering follows `inspect.Signature.__str__` (PEP 8 spacing, `/` after
//! positional-only and `*` before keyword-only parameters). Invariant: a signature is built
//! only from syntax, never from evaluating anything.
use ruff_python_ast::{Expr, Parameters, TypeParams};
use ruff_text_size::Ranged;
use std::fmt;

/// Longest source text kept for one annotation, default or value, in characters.
pub const MAX_TEXT_CHARS: usize = 120;

/// How a parameter can be passed (`inspect.Parameter.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamKind {
    /// Before `/`: by position only.
    PositionalOnly,
    /// By position or by keyword.
    PositionalOrKeyword,
    /// `*args`.
    VarPositional,
    /// After `*` or `*args`: by keyword only.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

impl ParamKind {
    /// Whether a caller can pass it by position.
    pub fn positional(self) -> bool {
        matches!(
            self,
            ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword
        )
    }

    /// Whether a caller can pass it by keyword.
    pub fn keyword(self) -> bool {
        matches!(
            self,
            ParamKind::PositionalOrKeyword | ParamKind::KeywordOnly
        )
    }

    /// The name `inspect` gives the kind, lowercased (`positional-only` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::PositionalOnly => "positional-only",
            ParamKind::PositionalOrKeyword => "positional-or-keyword",
            ParamKind::VarPositional => "var-positional",
            ParamKind::KeywordOnly => "keyword-only",
            ParamKind::VarKeyword => "var-keyword",
        }
    }
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// How it is passed.
    pub kind: ParamKind,
    /// The annotation's source text.
    pub annotation: Option<String>,
    /// The default's source text; `Some` means the parameter is optional.
    pub default: Option<String>,
}

/// A callable's signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// PEP 695 type parameters with their brackets (`[T: int, *Ts]`).
    pub type_params: Option<String>,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The return annotation's source text.
    pub returns: Option<String>,
}

impl Signature {
    /// The signature of a `def` (or lambda-free callable) from its syntax in `source`.
    pub fn from_syntax(
        source: &str,
        parameters: &Parameters,
        type_params: Option<&TypeParams>,
        returns: Option<&Expr>,
    ) -> Self {
        let mut params = Vec::new();
        let mut push = |kind, p: &ruff_python_ast::Parameter, default: Option<&Expr>| {
            params.push(Param {
                name: p.name.as_str().to_owned(),
                kind,
                annotation: p.annotation.as_deref().map(|e| text_of(source, e)),
                default: default.map(|e| text_of(source, e)),
            });
        };
        for p in &parameters.posonlyargs {
            push(
                ParamKind::PositionalOnly,
                &p.parameter,
                p.default.as_deref(),
            );
        }
        for p in &parameters.args {
            push(
                ParamKind::PositionalOrKeyword,
                &p.parameter,
                p.default.as_deref(),
            );
        }
        if let Some(p) = &parameters.vararg {
            push(ParamKind::VarPositional, p, None);
        }
        for p in &parameters.kwonlyargs {
            push(ParamKind::KeywordOnly, &p.parameter, p.default.as_deref());
        }
        if let Some(p) = &parameters.kwarg {
            push(ParamKind::VarKeyword, p, None);
        }
        Signature {
            type_params: type_params.map(|t| text_of(source, t)),
            params,
            returns: returns.map(|e| text_of(source, e)),
        }
    }

    /// The same signature without its first parameter (`self` of a method as seen through an
    /// instance, `cls` of a classmethod, `self` of `__init__` as seen through the class).
    #[must_use]
    pub fn bound(mut self) -> Self {
        if self.params.first().is_some_and(|p| p.kind.positional()) {
            self.params.remove(0);
        }
        self
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(type_params) = &self.type_params {
            f.write_str(type_params)?;
        }
        f.write_str("(")?;
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            if first {
                first = false;
                Ok(())
            } else {
                f.write_str(", ")
            }
        };
        let mut star_written = false;
        for (i, param) in self.params.iter().enumerate() {
            if param.kind == ParamKind::KeywordOnly && !star_written {
                sep(f)?;
                f.write_str("*")?;
                star_written = true;
            }
            if param.kind == ParamKind::VarPositional {
                star_written = true;
            }
            sep(f)?;
            match param.kind {
                ParamKind::VarPositional => f.write_str("*")?,
                ParamKind::VarKeyword => f.write_str("**")?,
                _ => {}
            }
            f.write_str(&param.name)?;
            if let Some(annotation) = &param.annotation {
                write!(f, ": {annotation}")?;
            }
            if let Some(default) = &param.default {
                if param.annotation.is_some() {
                    write!(f, " = {default}")?;
                } else {
                    write!(f, "={default}")?;
                }
            }
            let next_is_positional_only = self
                .params
                .get(i + 1)
                .is_some_and(|p| p.kind == ParamKind::PositionalOnly);
            if param.kind == ParamKind::PositionalOnly && !next_is_positional_only {
                sep(f)?;
                f.write_str("/")?;
            }
        }
        f.write_str(")")?;
        if let Some(returns) = &self.returns {
            write!(f, " -> {returns}")?;
        }
        Ok(())
    }
}

/// The source text of `node`, whitespace runs (newlines included) collapsed to one space and
/// capped at [`MAX_TEXT_CHARS`] characters (an ellipsis marks the cut).
pub fn text_of(source: &str, node: &impl Ranged) -> String {
    let range = node.range();
    let text = source
        .get(range.start().to_usize()..range.end().to_usize())
        .unwrap_or("");
    collapse(text)
}

/// `text` with whitespace runs collapsed and capped at [`MAX_TEXT_CHARS`] characters.
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_CHARS + 4));
    let mut chars = 0usize;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= MAX_TEXT_CHARS {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_ast::{Mod, Stmt};

    fn signature(code: &str) -> String {
        let parsed = tw_pylint::parse_python(code);
        let Mod::Module(module) = parsed.syntax() else {
            panic!("module")
        };
        let Some(Stmt::FunctionDef(f)) = module.body.first() else {
            panic!("def")
        };
        Signature::from_syntax(
            code,
            &f.parameters,
            f.type_params.as_deref(),
            f.returns.as_deref(),
        )
        .to_string()
    }

    #[test]
    fn renders_like_inspect() {
        assert_eq!(
            signature("def f(a, b: int=1, /, c=2, *args, d, e: str = 'x', **kw) -> None: ..."),
            "(a, b: int = 1, /, c=2, *args, d, e: str = 'x', **kw) -> None"
        );
        assert_eq!(signature("def f(a, *, b): ..."), "(a, *, b)");
        assert_eq!(
            signature("def f[T: (int,\n str), *Ts](x: T) -> T: ..."),
            "[T: (int, str), *Ts](x: T) -> T"
        );
        assert_eq!(signature("def f(): ..."), "()");
    }

    #[test]
    fn long_text_is_capped() {
        let long = collapse(&"x".repeat(500));
        assert_eq!(long.chars().count(), MAX_TEXT_CHARS + 1);
        assert_eq!(collapse("a\n   b"), "a b");
    }
}
