//! The public interface of a package by PyTorch's public-API rules: every public module (no
//! dotted component starting with `_`) and, in each, the names it makes public: those in its
//! `__all__` when it binds one, otherwise those that look public (no leading `_`) and whose
//! definition lives in the module itself or in a public module below it (PyTorch's
//! `__module__` test in `test/test_public_bindings.py`). Public classes bring their public
//! members (methods, properties, attributes, nested classes). Invariant: each declaration
//! records where its definition is, and its origin whenever that is another module.
use crate::docstring::summary;
use crate::facts::{Binding, ClassFacts, FunctionFacts, MemberKind, ModuleFacts, Position, Value};
use crate::package::{Package, Target};
use crate::signature::Signature;
use crate::source::is_public_module;
use rayon::prelude::*;
use std::fmt::{self, Write as _};

/// What a declared name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A public module.
    Module,
    /// A class.
    Class,
    /// A function.
    Function,
    /// An `async def` function.
    AsyncFunction,
    /// A method.
    Method,
    /// An `async def` method.
    AsyncMethod,
    /// A `@classmethod`.
    ClassMethod,
    /// A `@staticmethod`.
    StaticMethod,
    /// A `@property`.
    Property,
    /// A class attribute or dataclass field.
    Attribute,
    /// A module-level constant or variable.
    Constant,
    /// A PEP 695 `type` alias.
    TypeAlias,
    /// A name imported from outside the package and exported (`typing.Any` in `__all__`).
    Alias,
}

impl Kind {
    /// The lowercase name shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Module => "module",
            Kind::Class => "class",
            Kind::Function => "function",
            Kind::AsyncFunction => "async function",
            Kind::Method => "method",
            Kind::AsyncMethod => "async method",
            Kind::ClassMethod => "classmethod",
            Kind::StaticMethod => "staticmethod",
            Kind::Property => "property",
            Kind::Attribute => "attribute",
            Kind::Constant => "constant",
            Kind::TypeAlias => "type alias",
            Kind::Alias => "alias",
        }
    }

    /// Whether calling it is the point (functions, classes, methods).
    pub fn is_callable(self) -> bool {
        matches!(
            self,
            Kind::Class
                | Kind::Function
                | Kind::AsyncFunction
                | Kind::Method
                | Kind::AsyncMethod
                | Kind::ClassMethod
                | Kind::StaticMethod
        )
    }

    /// Whether a docstring is expected (statement §10: public means documented).
    pub fn needs_docstring(self) -> bool {
        self.is_callable() || matches!(self, Kind::Property | Kind::Module)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One public name (or public module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// The public module it is reached through.
    pub module: String,
    /// Its name there (`load`, `Model.forward`); empty for a module itself.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// The call signature as the caller sees it (classes: the constructor without `self`).
    pub signature: Option<Signature>,
    /// `@overload` signatures.
    pub overloads: Vec<Signature>,
    /// Annotation and value text of constants and attributes, the value of aliases.
    pub value: Option<String>,
    /// The first line of its docstring.
    pub summary: Option<String>,
    /// Whether a docstring is present at all (blank ones count as absent).
    pub documented: bool,
    /// Where it is defined, as `module.name`, when that is not `module` itself.
    pub origin: Option<String>,
    /// The defining file.
    pub path: String,
    /// Where in it.
    pub position: Position,
    /// The definition is in a `.pyi` stub.
    pub from_stub: bool,
}

impl Declaration {
    /// `module.name` (or the module for a module).
    pub fn qualified(&self) -> String {
        if self.name.is_empty() {
            self.module.clone()
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }

    /// The text of the signature column: the signature (with the overload count), the value
    /// of constants and attributes, or the type of properties.
    pub fn signature_text(&self) -> String {
        let mut text = match (&self.signature, &self.value) {
            (Some(signature), _) => signature.to_string(),
            (None, Some(value)) => value.clone(),
            (None, None) => String::new(),
        };
        if !self.overloads.is_empty() {
            if text.is_empty() {
                text = self
                    .overloads
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                if self.overloads.len() > 1 {
                    let _ = write!(text, " (+{} overloads)", self.overloads.len() - 1);
                }
            } else {
                let count = self.overloads.len();
                let plural = if count == 1 { "" } else { "s" };
                let _ = write!(text, " ({count} overload{plural})");
            }
        }
        text
    }
}

/// A package's public interface.
#[derive(Debug, Clone, Default)]
pub struct Interface {
    /// The top-level package name.
    pub package: String,
    /// Declarations sorted by module, then source order within a module.
    pub declarations: Vec<Declaration>,
}

impl Interface {
    /// Builds the interface of `package` (module declarations first in each module).
    pub fn of(name: &str, package: &Package) -> Self {
        let per_module: Vec<Vec<Declaration>> = (0..package.modules.len())
            .into_par_iter()
            .map(|index| module_declarations(package, index))
            .collect();
        Interface {
            package: name.to_owned(),
            declarations: per_module.into_iter().flatten().collect(),
        }
    }
}

/// The names module `index` makes public, before filtering by kind: `(name, target)`.
pub fn public_names(package: &Package, index: usize) -> Vec<(String, Target<'_>)> {
    let Some(module) = package.module(index) else {
        return Vec::new();
    };
    if let Some((all, _)) = package.all(index) {
        return all
            .iter()
            .map(|name| (name.clone(), package.resolve(index, name)))
            .collect();
    }
    let mut names: Vec<&str> = module
        .bindings
        .iter()
        .map(|b| b.name.as_str())
        .filter(|n| !n.starts_with('_'))
        .collect();
    for star in &module.star_imports {
        if let Some(other) = package.module_index(&star.module) {
            names.extend(package.star_names(other).iter().map(String::as_str));
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    names
        .into_iter()
        .filter_map(|name| {
            let target = package.resolve(index, name);
            let looks_public = match target {
                Target::Definition { module: at, .. } => {
                    at == index
                        || package.module(at).is_some_and(|defining| {
                            is_public_module(&defining.name)
                                && defining
                                    .name
                                    .strip_prefix(module.name.as_str())
                                    .is_some_and(|rest| rest.starts_with('.'))
                        })
                }
                _ => false,
            };
            looks_public.then(|| (name.to_owned(), target))
        })
        .collect()
}

fn module_declarations(package: &Package, index: usize) -> Vec<Declaration> {
    let Some(module) = package.module(index) else {
        return Vec::new();
    };
    if !is_public_module(&module.name) {
        return Vec::new();
    }
    let mut out = vec![Declaration {
        module: module.name.clone(),
        name: String::new(),
        kind: Kind::Module,
        signature: None,
        overloads: Vec::new(),
        value: None,
        summary: module.docstring.as_deref().and_then(summary),
        documented: module.docstring.as_deref().and_then(summary).is_some(),
        origin: None,
        path: module.path.clone(),
        position: Position { line: 1, column: 1 },
        from_stub: module.is_stub,
    }];
    for (name, target) in public_names(package, index) {
        match target {
            Target::Definition {
                module: at,
                binding,
            } => {
                let Some(defining) = package.module(at) else {
                    continue;
                };
                let origin = (at != index || binding.name != name)
                    .then(|| format!("{}.{}", defining.name, binding.name));
                push_binding(&mut out, module, defining, &name, binding, origin.as_ref());
            }
            Target::Module(at) => {
                let Some(sub) = package.module(at) else {
                    continue;
                };
                let expected = format!("{}.{name}", module.name);
                out.push(Declaration {
                    module: module.name.clone(),
                    name,
                    kind: Kind::Module,
                    signature: None,
                    overloads: Vec::new(),
                    value: None,
                    summary: sub.docstring.as_deref().and_then(summary),
                    documented: sub.docstring.as_deref().and_then(summary).is_some(),
                    origin: (sub.name != expected).then(|| sub.name.clone()),
                    path: sub.path.clone(),
                    position: Position { line: 1, column: 1 },
                    from_stub: sub.is_stub,
                });
            }
            Target::External(binding) => {
                let Value::Import { module: from, attr } = &binding.value else {
                    continue;
                };
                let origin = match attr {
                    Some(attr) => format!("{from}.{attr}"),
                    None => from.clone(),
                };
                out.push(Declaration {
                    module: module.name.clone(),
                    name,
                    kind: Kind::Alias,
                    signature: None,
                    overloads: Vec::new(),
                    value: Some(origin.clone()),
                    summary: None,
                    documented: true,
                    origin: Some(origin),
                    path: module.path.clone(),
                    position: binding.position,
                    from_stub: module.is_stub,
                });
            }
            Target::Unresolved => {}
        }
    }
    out
}

fn function_kind(facts: &FunctionFacts, method: bool) -> Kind {
    match (method, facts.is_async) {
        (false, false) => Kind::Function,
        (false, true) => Kind::AsyncFunction,
        (true, false) => Kind::Method,
        (true, true) => Kind::AsyncMethod,
    }
}

fn docs(docstring: Option<&String>) -> (Option<String>, bool) {
    let summary = docstring.and_then(|d| summary(d));
    let documented = summary.is_some();
    (summary, documented)
}

fn push_binding(
    out: &mut Vec<Declaration>,
    module: &ModuleFacts,
    defining: &ModuleFacts,
    name: &str,
    binding: &Binding,
    origin: Option<&String>,
) {
    let base = Declaration {
        module: module.name.clone(),
        name: name.to_owned(),
        kind: Kind::Constant,
        signature: None,
        overloads: Vec::new(),
        value: None,
        summary: None,
        documented: false,
        origin: origin.cloned(),
        path: binding
            .stub_path
            .clone()
            .unwrap_or_else(|| defining.path.clone()),
        position: binding.position,
        from_stub: defining.is_stub || binding.stub_path.is_some(),
    };
    match &binding.value {
        Value::Function(function) => {
            let (summary, documented) = docs(function.docstring.as_ref());
            out.push(Declaration {
                kind: function_kind(function, false),
                signature: function.signature.clone(),
                overloads: function.overloads.clone(),
                summary,
                documented,
                ..base
            });
        }
        Value::Class(class) => {
            let (summary, documented) = docs(class.docstring.as_ref());
            out.push(Declaration {
                kind: Kind::Class,
                signature: class.signature.clone(),
                summary,
                documented,
                ..base.clone()
            });
            push_members(out, &base, class, origin.map(String::as_str));
        }
        Value::Constant { annotation, value } => {
            let text = match (annotation, value) {
                (Some(a), Some(v)) => Some(format!("{a} = {v}")),
                (Some(a), None) => Some(a.clone()),
                (None, Some(v)) => Some(format!("= {v}")),
                (None, None) => None,
            };
            out.push(Declaration {
                value: text,
                ..base
            });
        }
        Value::TypeAlias { text } => out.push(Declaration {
            kind: Kind::TypeAlias,
            value: Some(text.clone()),
            ..base
        }),
        Value::Import { .. } => {}
    }
}

fn push_members(
    out: &mut Vec<Declaration>,
    class: &Declaration,
    facts: &ClassFacts,
    origin: Option<&str>,
) {
    for member in &facts.members {
        if member.name.starts_with('_') {
            continue;
        }
        let (summary, documented) = docs(member.function.docstring.as_ref());
        let kind = match member.kind {
            MemberKind::Method => function_kind(&member.function, true),
            MemberKind::ClassMethod => Kind::ClassMethod,
            MemberKind::StaticMethod => Kind::StaticMethod,
            MemberKind::Property => Kind::Property,
            MemberKind::Attribute => Kind::Attribute,
            MemberKind::Class => Kind::Class,
        };
        let signature = match kind {
            Kind::Property => None,
            _ => member.function.signature.clone(),
        };
        let value = match kind {
            Kind::Property => member
                .function
                .signature
                .as_ref()
                .and_then(|s| s.returns.clone()),
            _ => member.value.clone(),
        };
        out.push(Declaration {
            module: class.module.clone(),
            name: format!("{}.{}", class.name, member.name),
            kind,
            signature,
            overloads: member.function.overloads.clone(),
            value,
            summary,
            documented,
            origin: origin.map(|o| format!("{o}.{}", member.name)),
            path: class.path.clone(),
            position: member.position,
            from_stub: class.from_stub,
        });
    }
}
