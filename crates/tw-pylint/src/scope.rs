//! Python name bindings per scope (module, class, function, lambda, comprehension), as the
//! Python reference §4.2 "Naming and binding" defines them. A binding records every fully
//! qualified name a local name may denote at a point of the program; branches merge by union,
//! so `try: import cPickle as pickle / except ImportError: import pickle` keeps both.
//! Invariant: a name bound to anything the linter cannot name (a parameter, a computed value)
//! is `Target::Local` and never resolves to an import, so a local shadows an import.
use std::collections::{HashMap, HashSet};

/// What one binding of a name may refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A module or module member, by fully qualified name (`pickle.loads`).
    Qualified(String),
    /// A class defined in this file, with the fully qualified names of its bases; a base that
    /// is itself a class of this file is replaced by that class's bases, so the list holds the
    /// outside classes it derives from (`class L(yaml.SafeLoader)` -> `yaml.SafeLoader`).
    Class(Vec<String>),
    /// Any other value: a parameter, a local `def`, the result of a call.
    Local,
}

/// All targets a name may denote at one point (more than one after a merge of branches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding(pub(crate) Vec<Target>);

impl Binding {
    /// A binding to a value the linter cannot name.
    pub(crate) fn local() -> Self {
        Binding(vec![Target::Local])
    }

    /// A binding to a class of this file deriving from `bases` (see [`Target::Class`]).
    pub(crate) fn class(bases: Vec<String>) -> Self {
        Binding(vec![Target::Class(bases)])
    }

    /// A binding to each of `names` (a local value when `names` is empty).
    pub(crate) fn qualified(names: Vec<String>) -> Self {
        if names.is_empty() {
            return Binding::local();
        }
        Binding(names.into_iter().map(Target::Qualified).collect())
    }

    /// Adds the targets of `other` not already present.
    fn absorb(&mut self, other: &Binding) {
        for target in &other.0 {
            if !self.0.contains(target) {
                self.0.push(target.clone());
            }
        }
    }
}

/// Which construct opened a scope; it decides visibility (§4.2.2: names bound in a class body
/// are not visible in the functions and comprehensions nested in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    /// The module (global) scope.
    Module,
    /// A class body.
    Class,
    /// A `def` or `lambda` body.
    Function,
    /// A comprehension or generator expression.
    Comprehension,
}

/// The bindings of a scope at the current point of the walk.
pub(crate) type Bindings = HashMap<String, Binding>;

/// One scope: its kind, its parent and its bindings.
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    pub(crate) parent: Option<usize>,
    pub(crate) bindings: Bindings,
    /// Names declared `global` or `nonlocal` here: assignments do not bind them locally.
    pub(crate) declared_outer: HashSet<String>,
    /// Names declared `global` here: they resolve in the module scope.
    pub(crate) globals: HashSet<String>,
}

impl Scope {
    /// An empty scope of `kind` under `parent`.
    pub(crate) fn new(kind: ScopeKind, parent: Option<usize>) -> Self {
        Scope {
            kind,
            parent,
            bindings: HashMap::new(),
            declared_outer: HashSet::new(),
            globals: HashSet::new(),
        }
    }
}

/// The union of the bindings of several branches that all reach the same point.
pub(crate) fn merge(branches: Vec<Bindings>) -> Bindings {
    let mut branches = branches.into_iter();
    let mut merged = branches.next().unwrap_or_default();
    for branch in branches {
        for (name, binding) in branch {
            match merged.get_mut(&name) {
                Some(existing) => existing.absorb(&binding),
                None => {
                    merged.insert(name, binding);
                }
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_every_alternative_once() {
        let mut a = Bindings::new();
        a.insert("p".into(), Binding::qualified(vec!["cPickle".into()]));
        let mut b = Bindings::new();
        b.insert("p".into(), Binding::qualified(vec!["pickle".into()]));
        b.insert("q".into(), Binding::local());
        let merged = merge(vec![a.clone(), b, a]);
        assert_eq!(
            merged.get("p"),
            Some(&Binding(vec![
                Target::Qualified("cPickle".into()),
                Target::Qualified("pickle".into())
            ]))
        );
        assert_eq!(merged.get("q"), Some(&Binding::local()));
    }
}
