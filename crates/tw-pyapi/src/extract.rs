//! The walk over one module's syntax tree that produces its [`ModuleFacts`]: top-level
//! definitions (functions with their overloads, classes with their members, dataclass fields,
//! properties), constants, PEP 695 type aliases, imports (relative ones made absolute),
//! `__all__` in every spelling the Python ecosystem uses, star imports, and the signs of a
//! namespace computed at run time. Statements under `if`, `try`, `with`, loops and `match`
//! are walked too (their bindings are conditional); the body of `if TYPE_CHECKING:` is not,
//! since it never runs.
//!
//! Which binding decides what a name denotes when it is bound more than once: an
//! unconditional top-level binding replaces an earlier one (Python's last assignment wins),
//! except that an assignment never replaces a `def` or `class` (that is `f = wraps(f)` or a
//! registration, not a new API); a conditional binding only fills a name not yet bound
//! (`try: from ._C import f` / `except ImportError: def f(...)` keeps the import). Invariant:
//! nothing is evaluated; recursion is bounded by the parser's own nesting.
use crate::docstring::docstring;
use crate::dunder_all::{AllBuilder, Reader};
use crate::facts::{
    Binding, ClassFacts, FunctionFacts, Member, MemberKind, ModuleFacts, Position, StarImport,
    Value,
};
use crate::signature::{text_of, Param, ParamKind, Signature};
use ruff_python_ast::{Expr, Stmt, StmtClassDef, StmtFunctionDef};
use ruff_text_size::Ranged;
use tw_pylint::LineIndex;

/// Where a module's text is: its dotted name, shown path and kind.
pub struct ModuleSource<'s> {
    /// Dotted module name.
    pub name: &'s str,
    /// The file as shown in findings.
    pub path: &'s str,
    /// An `__init__` file.
    pub is_package: bool,
    /// A `.pyi` stub.
    pub is_stub: bool,
    /// The text.
    pub source: &'s str,
    /// Line starts of `source`.
    pub index: &'s LineIndex,
}

/// The facts of a module from its parsed `body`.
pub fn module_facts(module: &ModuleSource<'_>, body: &[Stmt]) -> ModuleFacts {
    let ModuleSource {
        name,
        path,
        is_package,
        is_stub,
        source,
        index,
    } = *module;
    let mut walker = Walker {
        source,
        index,
        module: name,
        is_package,
        facts: ModuleFacts {
            name: name.to_owned(),
            path: path.to_owned(),
            is_package,
            is_stub,
            docstring: docstring(body),
            ..ModuleFacts::default()
        },
        all: AllBuilder::default(),
    };
    walker.body(body, false);
    let mut facts = walker.facts;
    facts.all = walker.all.finish();
    facts
}

/// The last component of a decorator (`functools.cached_property` -> `cached_property`,
/// `dataclass(frozen=True)` -> `dataclass`), and its call arguments' keywords.
fn decorator_name(expr: &Expr) -> Option<&str> {
    // `f()()()...`: unwrap calls in a loop, not by recursion.
    let mut expr = expr;
    while let Expr::Call(call) = expr {
        expr = &call.func;
    }
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        _ => None,
    }
}

/// `@x.setter` / `@x.deleter`: the second half of a property, not a member of its own.
fn is_property_accessor(expr: &Expr) -> bool {
    matches!(expr, Expr::Attribute(a) if matches!(a.attr.as_str(), "setter" | "deleter" | "getter"))
}

/// A `True` keyword argument `name` of a decorator call (`@dataclass(kw_only=True)`).
fn keyword_true(expr: &Expr, name: &str) -> bool {
    let Expr::Call(call) = expr else { return false };
    call.arguments.keywords.iter().any(|k| {
        k.arg.as_ref().is_some_and(|a| a.as_str() == name)
            && matches!(&k.value, Expr::BooleanLiteral(b) if b.value)
    })
}

struct Walker<'s> {
    source: &'s str,
    index: &'s LineIndex,
    module: &'s str,
    is_package: bool,
    facts: ModuleFacts,
    all: AllBuilder,
}

impl Walker<'_> {
    fn position(&self, node: &impl Ranged) -> Position {
        let (line, column) = self
            .index
            .position(self.source, node.range().start().to_usize());
        Position { line, column }
    }

    /// Binds `name`, applying the precedence rule of the module documentation.
    fn bind(&mut self, name: &str, value: Value, position: Position, conditional: bool) {
        let binding = Binding {
            name: name.to_owned(),
            value,
            position,
            conditional,
            stub_path: None,
        };
        match self.facts.index.get(name).copied() {
            None => {
                self.facts
                    .index
                    .insert(name.to_owned(), self.facts.bindings.len());
                self.facts.bindings.push(binding);
            }
            Some(at) => {
                let Some(existing) = self.facts.bindings.get_mut(at) else {
                    return;
                };
                let keeps_definition = matches!(binding.value, Value::Constant { .. })
                    && matches!(existing.value, Value::Function(_) | Value::Class(_));
                if !conditional && !keeps_definition {
                    *existing = binding;
                }
            }
        }
    }

    /// The absolute module of a `from` import (PEP 328 relative imports resolved against
    /// this module's package); `None` when it climbs above the top-level package.
    fn absolute(&self, module: Option<&str>, level: u32) -> Option<String> {
        if level == 0 {
            return module.map(str::to_owned);
        }
        let mut parts: Vec<&str> = self.module.split('.').collect();
        if !self.is_package {
            parts.pop();
        }
        for _ in 1..level {
            parts.pop()?;
        }
        if parts.is_empty() {
            return None;
        }
        let mut base = parts.join(".");
        if let Some(module) = module {
            base.push('.');
            base.push_str(module);
        }
        Some(base)
    }

    fn body(&mut self, body: &[Stmt], conditional: bool) {
        for stmt in body {
            self.statement(stmt, conditional);
        }
    }

    fn statement(&mut self, stmt: &Stmt, conditional: bool) {
        crate::recursion::guarded(|| self.statement_inner(stmt, conditional));
    }

    fn statement_inner(&mut self, stmt: &Stmt, conditional: bool) {
        match stmt {
            Stmt::FunctionDef(function) => {
                let name = function.name.as_str();
                if name == "__getattr__" {
                    // PEP 562: attributes are computed on access.
                    self.facts.dynamic = true;
                }
                let position = self.position(&function.name);
                let overload = function
                    .decorator_list
                    .iter()
                    .any(|d| decorator_name(&d.expression) == Some("overload"));
                let facts = self.function(function);
                let pending = self.facts.binding(name).and_then(|b| match &b.value {
                    Value::Function(existing) if !existing.overloads.is_empty() => {
                        Some(existing.clone())
                    }
                    _ => None,
                });
                let value = match pending {
                    Some(mut existing) => {
                        merge_overload(&mut existing, facts, overload);
                        existing
                    }
                    None => as_overload(facts, overload),
                };
                self.bind(name, Value::Function(value), position, conditional);
            }
            Stmt::ClassDef(class) => {
                let position = self.position(&class.name);
                let facts = self.class(class);
                self.bind(
                    class.name.as_str(),
                    Value::Class(facts),
                    position,
                    conditional,
                );
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    let position = self.position(alias);
                    // `import a.b.c` binds `a` (reference §7.11).
                    let (bound, target) = if let Some(asname) = &alias.asname {
                        (asname.as_str(), module)
                    } else {
                        let root = module.split('.').next().unwrap_or(module);
                        (root, root)
                    };
                    self.bind(
                        bound,
                        Value::Import {
                            module: target.to_owned(),
                            attr: None,
                        },
                        position,
                        conditional,
                    );
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import
                    .module
                    .as_ref()
                    .map(ruff_python_ast::Identifier::as_str);
                let Some(absolute) = self.absolute(module, import.level) else {
                    return;
                };
                for alias in &import.names {
                    let position = self.position(alias);
                    if alias.name.as_str() == "*" {
                        self.facts.star_imports.push(StarImport {
                            module: absolute.clone(),
                            position,
                        });
                        continue;
                    }
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    self.bind(
                        bound,
                        Value::Import {
                            module: absolute.clone(),
                            attr: Some(alias.name.as_str().to_owned()),
                        },
                        position,
                        conditional,
                    );
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.assign(target, None, Some(&assign.value), conditional);
                }
            }
            // A bare annotation binds nothing at run time, but declares a name in a stub.
            Stmt::AnnAssign(assign) if assign.value.is_some() || self.facts.is_stub => {
                self.assign(
                    &assign.target,
                    Some(&assign.annotation),
                    assign.value.as_deref(),
                    conditional,
                );
            }
            Stmt::AugAssign(assign) if is_all_name(&assign.target) => {
                let position = self.position(&*assign.target);
                let imports = self.import_targets();
                let reader = Reader::new(&imports, self.index, self.source);
                self.all.add_expr(&assign.value, position, &reader);
            }
            Stmt::Expr(expression) => self.expression_statement(&expression.value),
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = alias.name.as_ref() {
                    let mut text = alias
                        .type_params
                        .as_deref()
                        .map(|t| text_of(self.source, t))
                        .unwrap_or_default();
                    text.push_str(" = ");
                    text.push_str(&text_of(self.source, &*alias.value));
                    let position = self.position(name);
                    self.bind(
                        name.id.as_str(),
                        Value::TypeAlias {
                            text: text.trim_start().to_owned(),
                        },
                        position,
                        conditional,
                    );
                }
            }
            Stmt::If(if_stmt) => {
                // `if TYPE_CHECKING:` binds nothing at run time (PEP 484), except in a stub,
                // which is only ever read by type checkers.
                if !is_type_checking(&if_stmt.test) || self.facts.is_stub {
                    self.body(&if_stmt.body, true);
                }
                for clause in &if_stmt.elif_else_clauses {
                    self.body(&clause.body, true);
                }
            }
            Stmt::Try(try_stmt) => {
                self.body(&try_stmt.body, true);
                for handler in &try_stmt.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    self.body(&handler.body, true);
                }
                self.body(&try_stmt.orelse, true);
                self.body(&try_stmt.finalbody, conditional);
            }
            Stmt::With(with) => self.body(&with.body, conditional),
            Stmt::For(for_stmt) => {
                self.body(&for_stmt.body, true);
                self.body(&for_stmt.orelse, true);
            }
            Stmt::While(while_stmt) => {
                self.body(&while_stmt.body, true);
                self.body(&while_stmt.orelse, true);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    self.body(&case.body, true);
                }
            }
            _ => {}
        }
    }

    /// Local names bound to imports so far, with the absolute name they denote (for
    /// `__all__ += other.__all__`).
    fn import_targets(&self) -> Vec<(String, String)> {
        self.facts
            .bindings
            .iter()
            .filter_map(|b| match &b.value {
                Value::Import { module, attr: None } => Some((b.name.clone(), module.clone())),
                Value::Import {
                    module,
                    attr: Some(attr),
                } => Some((b.name.clone(), format!("{module}.{attr}"))),
                _ => None,
            })
            .collect()
    }

    fn assign(
        &mut self,
        target: &Expr,
        annotation: Option<&Expr>,
        value: Option<&Expr>,
        conditional: bool,
    ) {
        match target {
            Expr::Name(name) if name.id.as_str() == "__all__" => {
                let position = self.position(name);
                let imports = self.import_targets();
                let reader = Reader::new(&imports, self.index, self.source);
                match value {
                    Some(value) => self.all.assign(value, position, conditional, &reader),
                    None => self.all.declare(position),
                }
            }
            Expr::Name(name) => {
                let position = self.position(name);
                let value = Value::Constant {
                    annotation: annotation.map(|a| text_of(self.source, a)),
                    value: value.map(|v| text_of(self.source, v)),
                };
                self.bind(name.id.as_str(), value, position, conditional);
            }
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    self.assign(element, None, None, conditional);
                }
            }
            Expr::List(list) => {
                for element in &list.elts {
                    self.assign(element, None, None, conditional);
                }
            }
            Expr::Starred(starred) => self.assign(&starred.value, None, None, conditional),
            Expr::Subscript(subscript) if is_globals_call(&subscript.value) => {
                self.facts.dynamic = true;
            }
            _ => {}
        }
    }

    /// `__all__.extend(...)`, `.append(...)`, `.remove(...)`, and `globals().update(...)`.
    fn expression_statement(&mut self, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Expr::Attribute(method) = call.func.as_ref() else {
            return;
        };
        if is_globals_call(&method.value) {
            self.facts.dynamic = true;
            return;
        }
        if !is_all_name(&method.value) {
            return;
        }
        let position = self.position(&*method.value);
        let imports = self.import_targets();
        let reader = Reader::new(&imports, self.index, self.source);
        let args = &call.arguments.args;
        match (method.attr.as_str(), args.first(), args.get(1)) {
            ("extend", Some(arg), None) => self.all.add_expr(arg, position, &reader),
            ("append", Some(arg), None) | ("insert", Some(_), Some(arg)) => {
                self.all.add_element(arg, position, &reader);
            }
            ("remove", Some(arg), None) => self.all.remove(arg),
            // Reading or reordering the list changes no entry.
            ("sort" | "reverse" | "copy" | "index" | "count", _, _) => {}
            _ => self.all.mark_dynamic(position),
        }
    }

    fn function(&self, function: &StmtFunctionDef) -> FunctionFacts {
        FunctionFacts {
            signature: Some(Signature::from_syntax(
                self.source,
                &function.parameters,
                function.type_params.as_deref(),
                function.returns.as_deref(),
            )),
            overloads: Vec::new(),
            docstring: docstring(&function.body),
            is_async: function.is_async,
        }
    }

    fn class(&self, class: &StmtClassDef) -> ClassFacts {
        crate::recursion::guarded(|| self.class_inner(class))
    }

    fn class_inner(&self, class: &StmtClassDef) -> ClassFacts {
        let dataclass = class
            .decorator_list
            .iter()
            .find(|d| decorator_name(&d.expression) == Some("dataclass"));
        let bases: Vec<String> = class
            .arguments
            .as_deref()
            .map(|a| a.args.iter().map(|b| text_of(self.source, b)).collect())
            .unwrap_or_default();
        let mut facts = ClassFacts {
            signature: None,
            bases,
            docstring: docstring(&class.body),
            members: Vec::new(),
            is_dataclass: dataclass.is_some(),
        };
        let mut fields = Vec::new();
        let mut init = None;
        self.class_body(&class.body, &mut facts.members, &mut fields, &mut init);
        let named_tuple = facts
            .bases
            .iter()
            .any(|b| b == "NamedTuple" || b.ends_with(".NamedTuple"));
        facts.signature = if let Some(init) = init {
            Some(init.bound())
        } else if let Some(decorator) = dataclass {
            let kw_only = keyword_true(&decorator.expression, "kw_only");
            Some(field_signature(fields, kw_only, class, self.source))
        } else if named_tuple {
            Some(field_signature(fields, false, class, self.source))
        } else {
            None
        };
        facts
    }

    /// Collects members (one per name, the first binding kept, overloads merged), dataclass
    /// field candidates and the `__init__` signature.
    fn class_body<'a>(
        &self,
        body: &'a [Stmt],
        members: &mut Vec<Member>,
        fields: &mut Vec<Field<'a>>,
        init: &mut Option<Signature>,
    ) {
        crate::recursion::guarded(|| self.class_body_inner(body, members, fields, init));
    }

    fn class_body_inner<'a>(
        &self,
        body: &'a [Stmt],
        members: &mut Vec<Member>,
        fields: &mut Vec<Field<'a>>,
        init: &mut Option<Signature>,
    ) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(function) => {
                    let names: Vec<&str> = function
                        .decorator_list
                        .iter()
                        .filter_map(|d| decorator_name(&d.expression))
                        .collect();
                    if function
                        .decorator_list
                        .iter()
                        .any(|d| is_property_accessor(&d.expression))
                    {
                        continue;
                    }
                    let overload = names.contains(&"overload");
                    let kind = if names.contains(&"staticmethod") {
                        MemberKind::StaticMethod
                    } else if names.contains(&"classmethod") {
                        MemberKind::ClassMethod
                    } else if names
                        .iter()
                        .any(|n| matches!(*n, "property" | "cached_property"))
                    {
                        MemberKind::Property
                    } else {
                        MemberKind::Method
                    };
                    let facts = self.function(function);
                    let name = function.name.as_str();
                    if name == "__init__" && !overload {
                        init.clone_from(&facts.signature);
                    }
                    let position = self.position(&function.name);
                    match members.iter_mut().find(|m| m.name == name) {
                        Some(existing) if !existing.function.overloads.is_empty() => {
                            merge_overload(&mut existing.function, facts, overload);
                        }
                        Some(_) => {}
                        None => members.push(Member {
                            name: name.to_owned(),
                            kind,
                            function: as_overload(facts, overload),
                            value: None,
                            position,
                        }),
                    }
                }
                Stmt::ClassDef(nested) => {
                    let position = self.position(&nested.name);
                    let nested_facts = self.class(nested);
                    if !members.iter().any(|m| m.name == nested.name.as_str()) {
                        members.push(Member {
                            name: nested.name.as_str().to_owned(),
                            kind: MemberKind::Class,
                            function: FunctionFacts {
                                signature: nested_facts.signature,
                                overloads: Vec::new(),
                                docstring: nested_facts.docstring,
                                is_async: false,
                            },
                            value: None,
                            position,
                        });
                    }
                }
                Stmt::AnnAssign(assign) => {
                    if let Expr::Name(name) = assign.target.as_ref() {
                        fields.push(Field {
                            name: name.id.as_str(),
                            annotation: &assign.annotation,
                            value: assign.value.as_deref(),
                        });
                        let text = match &assign.value {
                            Some(v) => format!(
                                "{} = {}",
                                text_of(self.source, &*assign.annotation),
                                text_of(self.source, &**v)
                            ),
                            None => text_of(self.source, &*assign.annotation),
                        };
                        Self::attribute(members, name.id.as_str(), text, self.position(name));
                    }
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        if let Expr::Name(name) = target {
                            let text = format!("= {}", text_of(self.source, &*assign.value));
                            Self::attribute(members, name.id.as_str(), text, self.position(name));
                        }
                    }
                }
                Stmt::If(if_stmt) => {
                    self.class_body(&if_stmt.body, members, fields, init);
                    for clause in &if_stmt.elif_else_clauses {
                        self.class_body(&clause.body, members, fields, init);
                    }
                }
                Stmt::Try(try_stmt) => {
                    self.class_body(&try_stmt.body, members, fields, init);
                    for handler in &try_stmt.handlers {
                        let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                        self.class_body(&handler.body, members, fields, init);
                    }
                }
                _ => {}
            }
        }
    }

    fn attribute(members: &mut Vec<Member>, name: &str, text: String, position: Position) {
        if members.iter().any(|m| m.name == name) {
            return;
        }
        members.push(Member {
            name: name.to_owned(),
            kind: MemberKind::Attribute,
            function: FunctionFacts::default(),
            value: Some(text),
            position,
        });
    }
}

/// An annotated class-level name: a dataclass or `NamedTuple` field candidate.
struct Field<'a> {
    name: &'a str,
    annotation: &'a Expr,
    value: Option<&'a Expr>,
}

/// The generated `__init__` of a dataclass or `NamedTuple` (without `self`), following the
/// `dataclasses` documentation: `ClassVar` annotations are not fields, `field(init=False)` is
/// left out, `field(default=...)`/`default_factory` make a field optional, `_: KW_ONLY` and
/// `kw_only=True` make the following (or all) fields keyword-only.
fn field_signature(
    fields: Vec<Field<'_>>,
    all_kw_only: bool,
    class: &StmtClassDef,
    source: &str,
) -> Signature {
    let mut params = Vec::new();
    let mut kw_only = all_kw_only;
    for field in fields {
        let annotation = text_of(source, field.annotation);
        if annotation.ends_with("KW_ONLY") {
            kw_only = true;
            continue;
        }
        if annotation.starts_with("ClassVar") || annotation.contains(".ClassVar") {
            continue;
        }
        let mut field_kw_only = kw_only;
        let default = match field.value {
            None => None,
            Some(value @ Expr::Call(call)) if decorator_name(&call.func) == Some("field") => {
                if call.arguments.keywords.iter().any(|k| {
                    k.arg.as_ref().is_some_and(|a| a.as_str() == "init")
                        && matches!(&k.value, Expr::BooleanLiteral(b) if !b.value)
                }) {
                    continue;
                }
                if keyword_true(value, "kw_only") {
                    field_kw_only = true;
                }
                call.arguments.keywords.iter().find_map(|k| {
                    match k.arg.as_ref().map(ruff_python_ast::Identifier::as_str) {
                        Some("default") => Some(text_of(source, &k.value)),
                        Some("default_factory") => Some("<factory>".to_owned()),
                        _ => None,
                    }
                })
            }
            Some(value) => Some(text_of(source, value)),
        };
        params.push(Param {
            name: field.name.to_owned(),
            kind: if field_kw_only {
                ParamKind::KeywordOnly
            } else {
                ParamKind::PositionalOrKeyword
            },
            annotation: Some(annotation),
            default,
        });
    }
    // Keyword-only parameters go last, as dataclasses reorders them.
    params.sort_by_key(|p| p.kind == ParamKind::KeywordOnly);
    Signature {
        type_params: class.type_params.as_deref().map(|t| text_of(source, t)),
        params,
        returns: Some("None".to_owned()),
    }
}

/// A new function binding: an `@overload` stub contributes its signature to `overloads`.
fn as_overload(mut facts: FunctionFacts, overload: bool) -> FunctionFacts {
    if overload {
        if let Some(signature) = facts.signature.take() {
            facts.overloads.push(signature);
        }
    }
    facts
}

/// Adds one more `def` of an overloaded name: another stub, or the implementation.
fn merge_overload(existing: &mut FunctionFacts, facts: FunctionFacts, overload: bool) {
    if overload {
        existing.overloads.extend(facts.signature);
        if existing.docstring.is_none() {
            existing.docstring = facts.docstring;
        }
    } else {
        existing.signature = facts.signature;
        existing.is_async = facts.is_async;
        if facts.docstring.is_some() {
            existing.docstring = facts.docstring;
        }
    }
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING` (any module path ending in it).
fn is_type_checking(expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attribute) => attribute.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

fn is_all_name(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == "__all__")
}

fn is_globals_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "globals"))
}
