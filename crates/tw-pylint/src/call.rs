//! One resolved call as the rules see it: the fully qualified name of the callee and its
//! arguments looked up by keyword (any order) or by documented position. Invariant: an
//! argument that `*args`/`**kwargs` could supply, or whose value is not a literal, is never
//! reported as a known value, so no rule can mistake it for "safe".
use ruff_python_ast::{Expr, ExprCall, Number};

/// A literal argument value, as far as the rules need to know it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// `True` / `False`.
    Bool(bool),
    /// An integer literal that fits in `i64` (`weights_only=0`), sign included.
    Int(i64),
    /// A plain string literal (not an f-string).
    Str(String),
    /// `None`.
    None,
}

impl Literal {
    /// Python truthiness of the literal (`bool(value)`).
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Literal::Bool(value) => *value,
            Literal::Int(value) => *value != 0,
            Literal::Str(value) => !value.is_empty(),
            Literal::None => false,
        }
    }
}

/// What the linter knows about one parameter of a call.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    /// Not passed, and no `*args`/`**kwargs` could pass it: the callee's default applies.
    Missing,
    /// Possibly passed through `*args` or `**kwargs`: unknown.
    Unpacked,
    /// Passed as a literal.
    Literal(Literal),
    /// Passed as an expression that is not a literal (a name, attribute, call ...).
    Expr(&'a Expr),
}

impl Arg<'_> {
    /// Whether the value is unknown to the linter (non-literal or unpacked).
    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, Arg::Unpacked | Arg::Expr(_))
    }
}

/// Resolves expressions to fully qualified names through the file's imports and scopes.
pub(crate) trait Resolve {
    /// Every fully qualified name `expr` may denote (empty when unknown or local).
    fn qualified(&self, expr: &Expr) -> Vec<String>;

    /// The outside base classes (fully qualified, through this file's own classes) of the
    /// classes of this file that `expr` may denote; empty when it denotes none.
    fn class_bases(&self, expr: &Expr) -> Vec<String>;
}

/// A call whose callee resolved to `qualified`.
pub(crate) struct CallSite<'a> {
    /// The fully qualified callee (`torch.load`).
    pub(crate) qualified: &'a str,
    /// The call node.
    pub(crate) call: &'a ExprCall,
    /// The scope-aware resolver, for arguments that name things (`Loader=yaml.SafeLoader`).
    pub(crate) resolver: &'a dyn Resolve,
}

impl<'a> CallSite<'a> {
    /// Whether the callee is one of `names`.
    pub(crate) fn is_any(&self, names: &[&str]) -> bool {
        names.contains(&self.qualified)
    }

    /// The argument named `keyword`, or at 0-based `position` when the parameter can be passed
    /// positionally (`None` for keyword-only parameters).
    pub(crate) fn arg(&self, keyword: &str, position: Option<usize>) -> Arg<'a> {
        let arguments = &self.call.arguments;
        if let Some(found) = arguments
            .keywords
            .iter()
            .find(|kw| kw.arg.as_ref().is_some_and(|name| name.as_str() == keyword))
        {
            return classify(&found.value);
        }
        if let Some(position) = position {
            for (index, value) in arguments.args.iter().enumerate() {
                if value.is_starred_expr() {
                    // `f(a, *rest)`: everything from here on is unknown.
                    return Arg::Unpacked;
                }
                if index == position {
                    return classify(value);
                }
            }
        }
        if arguments.keywords.iter().any(|kw| kw.arg.is_none()) {
            return Arg::Unpacked;
        }
        Arg::Missing
    }

    /// Whether the call unpacks `*args` or `**kwargs` anywhere.
    pub(crate) fn has_unpacking(&self) -> bool {
        let arguments = &self.call.arguments;
        arguments.args.iter().any(Expr::is_starred_expr)
            || arguments.keywords.iter().any(|kw| kw.arg.is_none())
    }

    /// The fully qualified names an argument expression may denote.
    pub(crate) fn names_of(&self, expr: &Expr) -> Vec<String> {
        self.resolver.qualified(expr)
    }

    /// The outside base classes of the file's own classes an argument may denote
    /// (`Loader=UniqueKeyLoader` where `class UniqueKeyLoader(yaml.SafeLoader)`).
    pub(crate) fn class_bases_of(&self, expr: &Expr) -> Vec<String> {
        self.resolver.class_bases(expr)
    }
}

/// The literal value of `expr`, if it is one.
pub(crate) fn literal(expr: &Expr) -> Option<Literal> {
    match expr {
        Expr::BooleanLiteral(lit) => Some(Literal::Bool(lit.value)),
        Expr::NoneLiteral(_) => Some(Literal::None),
        Expr::StringLiteral(lit) => Some(Literal::Str(lit.value.to_str().to_owned())),
        Expr::NumberLiteral(lit) => match &lit.value {
            Number::Int(int) => int.as_i64().map(Literal::Int),
            Number::Float(_) | Number::Complex { .. } => None,
        },
        Expr::UnaryOp(op) if op.op.is_u_sub() => match literal(&op.operand) {
            Some(Literal::Int(value)) => value.checked_neg().map(Literal::Int),
            _ => None,
        },
        _ => None,
    }
}

fn classify(expr: &Expr) -> Arg<'_> {
    literal(expr).map_or(Arg::Expr(expr), Arg::Literal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::{parse_expression, ParseError};

    struct NoNames;
    impl Resolve for NoNames {
        fn qualified(&self, _expr: &Expr) -> Vec<String> {
            Vec::new()
        }
        fn class_bases(&self, _expr: &Expr) -> Vec<String> {
            Vec::new()
        }
    }

    fn with_call(source: &str, check: impl Fn(&CallSite<'_>)) -> Result<(), ParseError> {
        let parsed = parse_expression(source)?;
        let Expr::Call(call) = parsed.expr() else {
            panic!("not a call: {source}");
        };
        check(&CallSite {
            qualified: "f",
            call,
            resolver: &NoNames,
        });
        Ok(())
    }

    #[test]
    fn keywords_in_any_order_and_positions() -> Result<(), ParseError> {
        with_call("f(p, weights_only=True, map_location='cpu')", |site| {
            assert!(matches!(
                site.arg("weights_only", None),
                Arg::Literal(Literal::Bool(true))
            ));
            assert!(matches!(site.arg("pickle_module", Some(2)), Arg::Missing));
        })?;
        with_call("f(p, None, dill)", |site| {
            assert!(matches!(site.arg("pickle_module", Some(2)), Arg::Expr(_)));
        })?;
        with_call("f(p, flag, -1)", |site| {
            assert!(site.arg("x", Some(1)).is_unknown());
            assert!(matches!(
                site.arg("y", Some(2)),
                Arg::Literal(Literal::Int(-1))
            ));
        })
    }

    #[test]
    fn unpacking_makes_arguments_unknown() -> Result<(), ParseError> {
        with_call("f(p, **kw)", |site| {
            assert!(matches!(site.arg("weights_only", None), Arg::Unpacked));
            assert!(site.has_unpacking());
        })?;
        with_call("f(*a)", |site| {
            assert!(matches!(site.arg("allow_pickle", Some(2)), Arg::Unpacked));
            // An explicit keyword still wins over unpacking.
        })?;
        with_call("f(*a, allow_pickle=False)", |site| {
            assert!(matches!(
                site.arg("allow_pickle", Some(2)),
                Arg::Literal(Literal::Bool(false))
            ));
        })
    }
}
