//! Reading `__all__` from syntax, in every spelling PyTorch and the wider ecosystem use:
//! `__all__ = [...]` or `(...)` (annotated too), `__all__ += [...]`, `.extend([...])`,
//! `.append("x")`, `.insert(i, "x")`, `.remove("x")`, and other modules' lists added with
//! `__all__ += other.__all__`, `__all__ = a.__all__ + b.__all__ + [...]`,
//! `__all__.extend(other.__all__)`, `list(...)`/`set(...)` and `|` of such sets (numpy's
//! spelling), and a comprehension that yields the items of a literal (`[n for n in ("a",
//! "b")]`). Anything else computed (a filtering comprehension, a loop) marks the list dynamic: its literal part is still known, but not all of it.
//! Invariant: entries come only from string literals; a module reference is recorded only
//! when the name it goes through is bound to an import.
use crate::facts::{AllEntry, DunderAll, Position};
use ruff_python_ast::Expr;
use ruff_text_size::Ranged;
use tw_pylint::LineIndex;

/// The `__all__` of one module, built statement by statement.
#[derive(Debug, Default)]
pub struct AllBuilder {
    all: Option<DunderAll>,
}

/// What one expression adds to `__all__`.
#[derive(Default)]
struct Parts {
    entries: Vec<AllEntry>,
    includes: Vec<String>,
    dynamic: bool,
    self_reference: bool,
}

/// Context for reading an expression: import bindings so far and positions. The caller builds
/// one per statement and hands it to whichever [`AllBuilder`] method the statement's form needs.
pub struct Reader<'a> {
    imports: &'a [(String, String)],
    index: &'a LineIndex,
    source: &'a str,
}

impl<'a> Reader<'a> {
    /// A reader resolving names through `imports` (local name, absolute name; last binding
    /// wins) and placing entries by `index` in `source`.
    pub fn new(imports: &'a [(String, String)], index: &'a LineIndex, source: &'a str) -> Self {
        Reader {
            imports,
            index,
            source,
        }
    }
}

impl Reader<'_> {
    fn position(&self, node: &impl Ranged) -> Position {
        let (line, column) = self
            .index
            .position(self.source, node.range().start().to_usize());
        Position { line, column }
    }

    /// The absolute name a dotted expression denotes through the import bindings.
    fn dotted(&self, expr: &Expr) -> Option<String> {
        crate::recursion::guarded(|| self.dotted_inner(expr))
    }

    fn dotted_inner(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(name) => self
                .imports
                .iter()
                .rev()
                .find(|(local, _)| local == name.id.as_str())
                .map(|(_, target)| target.clone()),
            Expr::Attribute(attribute) => self
                .dotted(&attribute.value)
                .map(|base| format!("{base}.{}", attribute.attr.as_str())),
            _ => None,
        }
    }

    fn element(&self, expr: &Expr, parts: &mut Parts) {
        match expr {
            Expr::StringLiteral(literal) => parts.entries.push(AllEntry {
                name: literal.value.to_str().to_owned(),
                position: self.position(literal),
            }),
            Expr::Starred(starred) => self.sequence(&starred.value, parts),
            _ => parts.dynamic = true,
        }
    }

    fn sequence(&self, expr: &Expr, parts: &mut Parts) {
        crate::recursion::guarded(|| self.sequence_inner(expr, parts));
    }

    fn sequence_inner(&self, expr: &Expr, parts: &mut Parts) {
        match expr {
            Expr::List(list) => list.elts.iter().for_each(|e| self.element(e, parts)),
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| self.element(e, parts)),
            Expr::Set(set) => set.elts.iter().for_each(|e| self.element(e, parts)),
            // `[name for name in ("a", "b")]`: a comprehension over literals yielding its
            // variable (no condition) lists exactly those literals.
            Expr::ListComp(comp) if literal_comprehension(&comp.elt, &comp.generators) => {
                if let Some(generator) = comp.generators.first() {
                    self.sequence(&generator.iter, parts);
                }
            }
            Expr::Generator(comp) if literal_comprehension(&comp.elt, &comp.generators) => {
                if let Some(generator) = comp.generators.first() {
                    self.sequence(&generator.iter, parts);
                }
            }
            Expr::BinOp(binop)
                if matches!(
                    binop.op,
                    ruff_python_ast::Operator::Add | ruff_python_ast::Operator::BitOr
                ) =>
            {
                self.sequence(&binop.left, parts);
                self.sequence(&binop.right, parts);
            }
            Expr::Name(name) if name.id.as_str() == "__all__" => parts.self_reference = true,
            Expr::Attribute(attribute) if attribute.attr.as_str() == "__all__" => {
                match self.dotted(&attribute.value) {
                    Some(module) => parts.includes.push(module),
                    None => parts.dynamic = true,
                }
            }
            // `from .x import __all__ as x_all`
            Expr::Name(_) => match self
                .dotted(expr)
                .and_then(|t| t.strip_suffix(".__all__").map(str::to_owned))
            {
                Some(module) => parts.includes.push(module),
                None => parts.dynamic = true,
            },
            Expr::Call(call)
                if matches!(call.func.as_ref(), Expr::Name(f) if matches!(f.id.as_str(), "list" | "tuple" | "sorted" | "set"))
                    && call.arguments.args.len() == 1
                    && call.arguments.keywords.is_empty() =>
            {
                if let Some(arg) = call.arguments.args.first() {
                    self.sequence(arg, parts);
                }
            }
            _ => parts.dynamic = true,
        }
    }
}

/// Whether `[elt for target in iter]` yields exactly the items of `iter`: one generator, no
/// condition, not async, and the element is the loop variable itself.
fn literal_comprehension(elt: &Expr, generators: &[ruff_python_ast::Comprehension]) -> bool {
    let [generator] = generators else {
        return false;
    };
    let (Expr::Name(item), Expr::Name(target)) = (elt, &generator.target) else {
        return false;
    };
    generator.ifs.is_empty() && !generator.is_async && item.id == target.id
}

impl AllBuilder {
    fn get(&mut self, position: Position) -> &mut DunderAll {
        self.all.get_or_insert_with(|| DunderAll {
            position,
            ..DunderAll::default()
        })
    }

    /// The one body of `assign`, `add_expr` and `add_element`: what `read` (a whole sequence or
    /// one element) finds in `value`, added to the list, or replacing it when `replace`.
    fn read<'r>(
        &mut self,
        reader: &Reader<'r>,
        read: fn(&Reader<'r>, &Expr, &mut Parts),
        value: &Expr,
        position: Position,
        replace: bool,
    ) {
        let mut parts = Parts::default();
        read(reader, value, &mut parts);
        let all = self.get(position);
        if replace && !parts.self_reference {
            all.entries.clear();
            all.includes.clear();
            all.dynamic = false;
        }
        all.entries.extend(parts.entries);
        all.includes.extend(parts.includes);
        all.dynamic |= parts.dynamic;
    }

    /// `__all__ = value` (a conditional assignment adds instead of replacing, since either
    /// branch may run).
    pub fn assign(
        &mut self,
        value: &Expr,
        position: Position,
        conditional: bool,
        reader: &Reader<'_>,
    ) {
        self.read(reader, Reader::sequence, value, position, !conditional);
    }

    /// `__all__: list[str]` without a value (stubs).
    pub fn declare(&mut self, position: Position) {
        self.get(position);
    }

    /// `__all__ += value` or `__all__.extend(value)`.
    pub fn add_expr(&mut self, value: &Expr, position: Position, reader: &Reader<'_>) {
        self.read(reader, Reader::sequence, value, position, false);
    }

    /// `__all__.append(value)` or `.insert(i, value)`.
    pub fn add_element(&mut self, value: &Expr, position: Position, reader: &Reader<'_>) {
        self.read(reader, Reader::element, value, position, false);
    }

    /// `__all__.remove("x")`.
    pub fn remove(&mut self, value: &Expr) {
        let Some(all) = self.all.as_mut() else { return };
        match value {
            Expr::StringLiteral(literal) => {
                let name = literal.value.to_str();
                if let Some(at) = all.entries.iter().position(|e| e.name == name) {
                    all.entries.remove(at);
                }
            }
            _ => all.dynamic = true,
        }
    }

    /// Any other use of `__all__` that changes it in a way syntax cannot follow.
    pub fn mark_dynamic(&mut self, position: Position) {
        self.get(position).dynamic = true;
    }

    /// The finished `__all__`, if the module binds one.
    pub fn finish(self) -> Option<DunderAll> {
        self.all
    }
}
