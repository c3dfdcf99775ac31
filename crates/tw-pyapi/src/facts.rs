//! What one module's source says about its namespace, reduced from the syntax tree to plain
//! data: the names its top level binds (definitions, constants, imports), its `__all__`, its
//! star imports and whether its namespace is computed at run time. Invariant: one binding per
//! name (the one that decides what the name denotes, see [`crate::extract`]), kept in source
//! order of first binding.
use crate::signature::Signature;
use std::collections::HashMap;

/// A position in a module's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A `def` (module-level function or method).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunctionFacts {
    /// The implementation's signature (`None` when only `@overload` stubs exist).
    pub signature: Option<Signature>,
    /// The `@overload` signatures, in order.
    pub overloads: Vec<Signature>,
    /// The docstring of the implementation (or of the first overload when there is none).
    pub docstring: Option<String>,
    /// `async def`.
    pub is_async: bool,
}

/// How a class member is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// A plain `def` (bound to the instance).
    Method,
    /// `@classmethod`.
    ClassMethod,
    /// `@staticmethod`.
    StaticMethod,
    /// `@property` or `@functools.cached_property`.
    Property,
    /// A class-level assignment or annotation (dataclass fields included).
    Attribute,
    /// A nested class.
    Class,
}

/// One member of a class body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: MemberKind,
    /// Function facts of methods, properties and nested classes' constructors.
    pub function: FunctionFacts,
    /// Annotation or value text of attributes.
    pub value: Option<String>,
    /// Where it is defined.
    pub position: Position,
}

/// A `class`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassFacts {
    /// The constructor's signature as seen through the class (`__init__` without `self`, or
    /// the fields of a dataclass or `NamedTuple`).
    pub signature: Option<Signature>,
    /// The base classes' source text.
    pub bases: Vec<String>,
    /// The class docstring.
    pub docstring: Option<String>,
    /// Members in source order, one per name.
    pub members: Vec<Member>,
    /// Decorated with `@dataclass`.
    pub is_dataclass: bool,
}

/// What a top-level name denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A `def`.
    Function(FunctionFacts),
    /// A `class`.
    Class(ClassFacts),
    /// An assignment: the annotation and value text.
    Constant {
        /// The annotation's text.
        annotation: Option<String>,
        /// The value's text.
        value: Option<String>,
    },
    /// A PEP 695 `type X = ...` alias.
    TypeAlias {
        /// Type parameters and value text (`[T] = list[T]`).
        text: String,
    },
    /// `import module` / `import module as name` (`attr` is `None`) or `from module import
    /// attr` (relative imports already made absolute).
    Import {
        /// The absolute module.
        module: String,
        /// The imported name.
        attr: Option<String>,
    },
}

/// One top-level name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The bound name.
    pub name: String,
    /// What it denotes.
    pub value: Value,
    /// Where.
    pub position: Position,
    /// Bound only under `if`/`try`/loops (not on every path).
    pub conditional: bool,
    /// The `.pyi` stub this binding was read from, when it is not in the module's own file
    /// (a name only the stub beside a source declares).
    pub stub_path: Option<String>,
}

/// One entry of `__all__` written as a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllEntry {
    /// The name.
    pub name: String,
    /// Where the literal is.
    pub position: Position,
}

/// The module's `__all__`, as far as its syntax says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DunderAll {
    /// Literal entries, in order (after `.remove` calls).
    pub entries: Vec<AllEntry>,
    /// Modules whose `__all__` is added (`__all__ += other.__all__`), absolute.
    pub includes: Vec<String>,
    /// Some part is computed (a comprehension, a call): the list is not fully known.
    pub dynamic: bool,
    /// Where `__all__` is first bound.
    pub position: Position,
    /// The stub file the list was read from, when it is not the module's own file.
    pub stub_path: Option<String>,
}

impl DunderAll {
    /// The file the list's positions are in: the stub it came from, or `module`'s file.
    pub fn path<'a>(&'a self, module: &'a ModuleFacts) -> &'a str {
        self.stub_path.as_deref().unwrap_or(&module.path)
    }
}

/// `from module import *`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarImport {
    /// The absolute module.
    pub module: String,
    /// Where.
    pub position: Position,
}

/// Everything one module's source says about its namespace.
#[derive(Debug, Clone, Default)]
pub struct ModuleFacts {
    /// Dotted module name.
    pub name: String,
    /// The file, as shown in findings.
    pub path: String,
    /// An `__init__` file (a package).
    pub is_package: bool,
    /// A `.pyi` stub.
    pub is_stub: bool,
    /// The module docstring.
    pub docstring: Option<String>,
    /// Top-level bindings, one per name, in source order of first binding.
    pub bindings: Vec<Binding>,
    /// Index of each name in `bindings`.
    pub index: HashMap<String, usize>,
    /// `__all__`, when the module binds it.
    pub all: Option<DunderAll>,
    /// Star imports in source order.
    pub star_imports: Vec<StarImport>,
    /// The namespace is computed at run time (a module `__getattr__`, `globals()` writes).
    pub dynamic: bool,
}

impl ModuleFacts {
    /// The binding of `name`, if the module binds it.
    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.index.get(name).and_then(|&i| self.bindings.get(i))
    }
}
