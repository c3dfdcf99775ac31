//! The scope-aware walk over one module: binds names as Python does (imports, assignments,
//! parameters, `def`/`class`, comprehension and walrus targets, `global`/`nonlocal`), resolves
//! every call's callee to fully qualified names and hands each resolved call to the rules.
//! Function bodies are walked after the scope that defines them is complete, because they run
//! later and see that scope's final bindings. Invariant: a name is only ever resolved to an
//! import it may actually denote at that point; anything else is `Local` and matches no rule.
use crate::call::{CallSite, Resolve};
use crate::rules::{self, Hit};
use crate::scope::{merge, Binding, Bindings, Scope, ScopeKind, Target};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Comprehension, ExceptHandler, Expr, Parameters, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};
use std::collections::VecDeque;

/// A rule hit at a source range (the whole call or assignment).
#[derive(Debug)]
pub(crate) struct RangedHit {
    /// What the rule reported.
    pub(crate) hit: Hit,
    /// Where.
    pub(crate) range: TextRange,
    /// The fully qualified name the callee resolved to (empty for syntax-only checks).
    pub(crate) qualified: String,
}

/// Walks `body` (a module) and returns every rule hit in source order of discovery.
pub(crate) fn check_module(body: &[Stmt]) -> Vec<RangedHit> {
    let mut walker = Walker {
        scopes: vec![Scope::new(ScopeKind::Module, None)],
        current: 0,
        deferred: VecDeque::new(),
        hits: Vec::new(),
    };
    walker.visit_body(body);
    while let Some((function, parent)) = walker.deferred.pop_front() {
        let index = walker.scopes.len();
        walker
            .scopes
            .push(Scope::new(ScopeKind::Function, Some(parent)));
        walker.current = index;
        walker.bind_parameters(&function.parameters);
        walker.visit_body(&function.body);
    }
    walker.hits
}

struct Walker<'a> {
    scopes: Vec<Scope>,
    current: usize,
    /// Function bodies waiting for their defining scope to finish, with that scope's index.
    deferred: VecDeque<(&'a StmtFunctionDef, usize)>,
    hits: Vec<RangedHit>,
}

impl<'a> Walker<'a> {
    fn scope(&self, index: usize) -> Option<&Scope> {
        self.scopes.get(index)
    }

    fn bindings_mut(&mut self) -> Option<&mut Bindings> {
        self.scopes
            .get_mut(self.current)
            .map(|scope| &mut scope.bindings)
    }

    fn snapshot(&self) -> Bindings {
        self.scope(self.current)
            .map(|scope| scope.bindings.clone())
            .unwrap_or_default()
    }

    fn restore(&mut self, bindings: Bindings) {
        if let Some(current) = self.bindings_mut() {
            *current = bindings;
        }
    }

    /// Binds `name` in the current scope (or, for a walrus target, `scope`).
    fn bind_in(&mut self, scope: usize, name: &str, binding: Binding) {
        if let Some(scope) = self.scopes.get_mut(scope) {
            if scope.declared_outer.contains(name) {
                // `global x; x = ...` rebinds the module's name when the function runs; the
                // module's bindings are already final for every reader, so nothing changes.
                return;
            }
            scope.bindings.insert(name.to_owned(), binding);
        }
    }

    fn bind(&mut self, name: &str, binding: Binding) {
        self.bind_in(self.current, name, binding);
    }

    fn bind_parameters(&mut self, parameters: &Parameters) {
        for parameter in parameters {
            let name = parameter.as_parameter().name.as_str().to_owned();
            self.bind(&name, Binding::local());
        }
    }

    /// Binds an assignment target; `value` names what a plain name target now denotes.
    fn bind_target(&mut self, target: &'a Expr, value: &[String]) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), Binding::qualified(value.to_vec())),
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    self.bind_target(element, &[]);
                }
            }
            Expr::List(list) => {
                for element in &list.elts {
                    self.bind_target(element, &[]);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, &[]),
            other => self.visit_expr(other),
        }
    }

    /// The names `name` may denote here, following Python's scope rules.
    fn lookup(&self, name: &str) -> Vec<String> {
        match self.lookup_targets(name) {
            Some(targets) => targets
                .iter()
                .filter_map(|target| match target {
                    Target::Qualified(name) => Some(name.clone()),
                    Target::Class(_) | Target::Local => None,
                })
                .collect(),
            // Bound nowhere: a builtin (`eval`, `getattr`) or a name the file never defines.
            None => vec![format!("builtins.{name}")],
        }
    }

    /// What `name` may denote here (`None` when no scope binds it), following Python's scope
    /// rules.
    fn lookup_targets(&self, name: &str) -> Option<&[Target]> {
        let mut index = Some(self.current);
        let mut first = true;
        while let Some(at) = index {
            let Some(scope) = self.scope(at) else { break };
            if scope.globals.contains(name) {
                index = Some(0);
                first = true;
                if at == 0 {
                    break;
                }
                continue;
            }
            // Class bodies are visible only to code directly inside them (§4.2.2).
            if first || scope.kind != ScopeKind::Class {
                if let Some(binding) = scope.bindings.get(name) {
                    return Some(&binding.0);
                }
            }
            first = false;
            index = scope.parent;
        }
        None
    }

    fn visit_body_branch(&mut self, start: &Bindings, body: &'a [Stmt]) -> Bindings {
        self.restore(start.clone());
        self.visit_body(body);
        self.snapshot()
    }

    fn record(&mut self, hits: Vec<Hit>, range: TextRange, qualified: &str) {
        for hit in hits {
            let duplicate = self
                .hits
                .iter()
                .any(|seen| seen.range == range && seen.hit.rule.id == hit.rule.id);
            if !duplicate {
                self.hits.push(RangedHit {
                    hit,
                    range,
                    qualified: qualified.to_owned(),
                });
            }
        }
    }

    fn comprehension(&mut self, generators: &'a [Comprehension], parts: &[&'a Expr]) {
        // The first iterable is evaluated in the enclosing scope (§6.2.4).
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        let outer = self.current;
        let index = self.scopes.len();
        self.scopes
            .push(Scope::new(ScopeKind::Comprehension, Some(outer)));
        self.current = index;
        for (position, generator) in generators.iter().enumerate() {
            if position > 0 {
                self.visit_expr(&generator.iter);
            }
            self.bind_target(&generator.target, &[]);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for part in parts {
            self.visit_expr(part);
        }
        self.current = outer;
    }

    /// The scope a walrus target binds in: the nearest enclosing non-comprehension scope (PEP 572).
    fn walrus_scope(&self) -> usize {
        let mut index = self.current;
        while let Some(scope) = self.scope(index) {
            match (scope.kind, scope.parent) {
                (ScopeKind::Comprehension, Some(parent)) => index = parent,
                _ => break,
            }
        }
        index
    }
}

impl Resolve for Walker<'_> {
    fn qualified(&self, expr: &Expr) -> Vec<String> {
        match expr {
            Expr::Name(name) => self.lookup(name.id.as_str()),
            Expr::Attribute(attribute) => self
                .qualified(&attribute.value)
                .into_iter()
                .map(|base| format!("{base}.{}", attribute.attr.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn class_bases(&self, expr: &Expr) -> Vec<String> {
        let Expr::Name(name) = expr else {
            return Vec::new();
        };
        let mut bases = Vec::new();
        for target in self.lookup_targets(name.id.as_str()).unwrap_or_default() {
            if let Target::Class(of) = target {
                bases.extend(of.iter().cloned());
            }
        }
        bases
    }
}

impl Walker<'_> {
    /// The outside bases of a class whose base list is `arguments`: each base's qualified
    /// names, and for a class of this file its own outside bases (so the chain is followed
    /// transitively, each class having been resolved when it was defined).
    fn bases_of(&self, arguments: Option<&ruff_python_ast::Arguments>) -> Vec<String> {
        let mut bases = Vec::new();
        for base in arguments.map_or(&[][..], |a| &a.args[..]) {
            bases.extend(self.qualified(base));
            bases.extend(self.class_bases(base));
        }
        bases.dedup();
        bases
    }
}

/// Stack kept free before recursing, and the size of each extra segment (as ruff's parser).
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

impl<'a> Visitor<'a> for Walker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.walk_stmt(stmt));
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.walk_expr(expr));
    }
}

impl<'a> Walker<'a> {
    fn walk_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    if let Some(asname) = &alias.asname {
                        self.bind(asname.as_str(), Binding::qualified(vec![module.to_owned()]));
                    } else {
                        // `import a.b.c` binds `a` (§7.11).
                        let root = module.split('.').next().unwrap_or(module);
                        self.bind(root, Binding::qualified(vec![root.to_owned()]));
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import
                    .module
                    .as_ref()
                    .map(ruff_python_ast::Identifier::as_str);
                for alias in &import.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        continue;
                    }
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    let binding = match module {
                        // Relative imports name first-party code: not guessed.
                        Some(module) if import.level == 0 => {
                            Binding::qualified(vec![format!("{module}.{name}")])
                        }
                        _ => Binding::local(),
                    };
                    self.bind(bound, binding);
                }
            }
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                let value = self.qualified(&assign.value);
                for target in &assign.targets {
                    self.check_env_assignment(target, &assign.value, assign.range);
                    self.bind_target(target, &value);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                    let names = self.qualified(value);
                    self.check_env_assignment(&assign.target, value, assign.range);
                    self.bind_target(&assign.target, &names);
                }
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                self.bind_target(&assign.target, &[]);
            }
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                self.visit_parameters(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                self.bind(function.name.as_str(), Binding::local());
                self.deferred.push_back((function, self.current));
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                let bases = self.bases_of(class.arguments.as_deref());
                let outer = self.current;
                let index = self.scopes.len();
                self.scopes.push(Scope::new(ScopeKind::Class, Some(outer)));
                self.current = index;
                self.visit_body(&class.body);
                self.current = outer;
                self.bind(class.name.as_str(), Binding::class(bases));
            }
            Stmt::Global(global) => {
                if let Some(scope) = self.scopes.get_mut(self.current) {
                    if scope.kind != ScopeKind::Module {
                        for name in &global.names {
                            scope.declared_outer.insert(name.as_str().to_owned());
                            scope.globals.insert(name.as_str().to_owned());
                            scope.bindings.remove(name.as_str());
                        }
                    }
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                if let Some(scope) = self.scopes.get_mut(self.current) {
                    for name in &nonlocal.names {
                        scope.declared_outer.insert(name.as_str().to_owned());
                        scope.bindings.remove(name.as_str());
                    }
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    match target {
                        Expr::Name(name) => {
                            if let Some(bindings) = self.bindings_mut() {
                                bindings.remove(name.id.as_str());
                            }
                        }
                        other => self.visit_expr(other),
                    }
                }
            }
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = alias.name.as_ref() {
                    self.bind(name.id.as_str(), Binding::local());
                }
            }
            Stmt::If(if_stmt) => {
                self.visit_expr(&if_stmt.test);
                let start = self.snapshot();
                let mut ends = vec![self.visit_body_branch(&start, &if_stmt.body)];
                let mut has_else = false;
                for clause in &if_stmt.elif_else_clauses {
                    self.restore(start.clone());
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    } else {
                        has_else = true;
                    }
                    let clause_start = self.snapshot();
                    ends.push(self.visit_body_branch(&clause_start, &clause.body));
                }
                if !has_else {
                    ends.push(start);
                }
                self.restore(merge(ends));
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                let start = self.snapshot();
                self.bind_target(&for_stmt.target, &[]);
                self.visit_body(&for_stmt.body);
                self.visit_body(&for_stmt.orelse);
                let end = self.snapshot();
                self.restore(merge(vec![end, start]));
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                let start = self.snapshot();
                self.visit_body(&while_stmt.body);
                self.visit_body(&while_stmt.orelse);
                let end = self.snapshot();
                self.restore(merge(vec![end, start]));
            }
            Stmt::Try(try_stmt) => {
                let start = self.snapshot();
                self.visit_body(&try_stmt.body);
                let after_body = self.snapshot();
                // A handler may run after any prefix of the body.
                let handler_start = merge(vec![start, after_body.clone()]);
                let mut ends = Vec::new();
                for handler in &try_stmt.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    self.restore(handler_start.clone());
                    if let Some(type_) = &handler.type_ {
                        self.visit_expr(type_);
                    }
                    if let Some(name) = &handler.name {
                        self.bind(name.as_str(), Binding::local());
                    }
                    self.visit_body(&handler.body);
                    ends.push(self.snapshot());
                }
                let else_end = self.visit_body_branch(&after_body, &try_stmt.orelse);
                ends.insert(0, else_end);
                self.restore(merge(ends));
                self.visit_body(&try_stmt.finalbody);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(vars) = &item.optional_vars {
                        self.bind_target(vars, &[]);
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::Match(match_stmt) => {
                self.visit_expr(&match_stmt.subject);
                let start = self.snapshot();
                let mut ends = vec![start.clone()];
                for case in &match_stmt.cases {
                    self.restore(start.clone());
                    self.visit_pattern(&case.pattern);
                    if let Some(guard) = &case.guard {
                        self.visit_expr(guard);
                    }
                    self.visit_body(&case.body);
                    ends.push(self.snapshot());
                }
                self.restore(merge(ends));
            }
            other => visitor::walk_stmt(self, other),
        }
    }

    fn walk_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) => {
                visitor::walk_expr(self, expr);
                let mut names = self.qualified(&call.func);
                names.dedup();
                for qualified in &names {
                    let site = CallSite {
                        qualified,
                        call,
                        resolver: &*self,
                    };
                    let hits = rules::check_call(&site);
                    self.record(hits, call.range(), qualified);
                }
                let hits = rules::check_call_syntax(call);
                self.record(hits, call.range(), "");
            }
            Expr::Dict(dict) => {
                visitor::walk_expr(self, expr);
                let hits = rules::check_dict(dict);
                self.record(hits, dict.range, "");
            }
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                let names = self.qualified(&named.value);
                if let Expr::Name(target) = named.target.as_ref() {
                    let scope = self.walrus_scope();
                    self.bind_in(scope, target.id.as_str(), Binding::qualified(names));
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                let outer = self.current;
                let index = self.scopes.len();
                self.scopes
                    .push(Scope::new(ScopeKind::Function, Some(outer)));
                self.current = index;
                if let Some(parameters) = &lambda.parameters {
                    self.bind_parameters(parameters);
                }
                self.visit_expr(&lambda.body);
                self.current = outer;
            }
            Expr::ListComp(comp) => self.comprehension(&comp.generators, &[&comp.elt]),
            Expr::SetComp(comp) => self.comprehension(&comp.generators, &[&comp.elt]),
            Expr::Generator(comp) => self.comprehension(&comp.generators, &[&comp.elt]),
            Expr::DictComp(comp) => {
                let mut parts: Vec<&Expr> = vec![&comp.value];
                if let Some(key) = &comp.key {
                    parts.insert(0, key);
                }
                self.comprehension(&comp.generators, &parts);
            }
            other => visitor::walk_expr(self, other),
        }
    }
}

impl Walker<'_> {
    /// `os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = value` (TW604).
    fn check_env_assignment(&mut self, target: &Expr, value: &Expr, range: TextRange) {
        if let Expr::Subscript(subscript) = target {
            let container = self.qualified(&subscript.value);
            let hits = rules::check_env_subscript(&container, &subscript.slice, value);
            self.record(hits, range, "os.environ");
        }
    }
}
