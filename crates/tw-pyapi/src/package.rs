//! Name resolution across the modules of one package, without importing anything: what a
//! module exports to `from m import *` (its `__all__`, or every name not starting with `_`),
//! the full `__all__` of a module (with the lists it adds from other modules), and where a
//! name finally comes from (following `from .x import y`, absolute imports of the package's
//! own modules, star imports, and submodules). Invariant: resolution terminates on any input
//! (import cycles included): each lookup is bounded by [`MAX_HOPS`] and the per-module name
//! sets are computed once, a cycle contributing nothing further.
use crate::facts::{Binding, ModuleFacts, Value};
use std::collections::{HashMap, HashSet};

/// Most import hops followed to find where a name is defined.
pub const MAX_HOPS: u32 = 64;

/// Where a name comes from.
#[derive(Debug, Clone, Copy)]
pub enum Target<'p> {
    /// Defined (def, class, constant, alias) in module `module`, by `binding`.
    Definition {
        /// Index of the defining module.
        module: usize,
        /// The defining binding.
        binding: &'p Binding,
    },
    /// A module of the package.
    Module(usize),
    /// Outside the package (`typing.Any`): the absolute name, and the import binding.
    External(&'p Binding),
    /// Not found.
    Unresolved,
}

/// Per-module name sets, computed once.
#[derive(Debug, Clone, Default)]
struct Names {
    /// The full `__all__` (includes followed), when the module binds one.
    all: Option<Vec<String>>,
    /// Whether `all` is only partly known (dynamic parts, includes outside the package).
    all_dynamic: bool,
    /// What `from m import *` binds.
    star: Vec<String>,
    star_set: HashSet<String>,
}

/// The modules of one package with their resolved name sets.
#[derive(Debug)]
pub struct Package {
    /// Modules, sorted by name.
    pub modules: Vec<ModuleFacts>,
    by_name: HashMap<String, usize>,
    names: Vec<Names>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    Active,
    Done,
}

impl Package {
    /// Indexes `modules` and computes every module's `__all__` and star-import names.
    pub fn new(mut modules: Vec<ModuleFacts>) -> Self {
        modules.sort_by(|a, b| a.name.cmp(&b.name));
        let by_name = modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        let mut package = Package {
            names: vec![Names::default(); modules.len()],
            modules,
            by_name,
        };
        let mut states = vec![State::Todo; package.modules.len()];
        for index in 0..package.modules.len() {
            package.compute(index, &mut states);
        }
        package
    }

    /// The index of module `name`.
    pub fn module_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The module at `index`.
    pub fn module(&self, index: usize) -> Option<&ModuleFacts> {
        self.modules.get(index)
    }

    /// The full `__all__` of a module, when it binds one, and whether part of it is unknown.
    pub fn all(&self, index: usize) -> Option<(&[String], bool)> {
        let names = self.names.get(index)?;
        names.all.as_deref().map(|all| (all, names.all_dynamic))
    }

    /// What `from module import *` binds.
    pub fn star_names(&self, index: usize) -> &[String] {
        self.names.get(index).map_or(&[], |n| n.star.as_slice())
    }

    /// Star-import and `__all__` chains recurse once per module of the chain.
    fn compute(&mut self, index: usize, states: &mut [State]) {
        crate::recursion::guarded(|| self.compute_inner(index, states));
    }

    fn compute_inner(&mut self, index: usize, states: &mut [State]) {
        match states.get(index) {
            Some(State::Todo) => {}
            _ => return,
        }
        if let Some(state) = states.get_mut(index) {
            *state = State::Active;
        }
        let Some(module) = self.modules.get(index) else {
            return;
        };
        let all_spec = module.all.clone();
        let stars: Vec<String> = module
            .star_imports
            .iter()
            .map(|s| s.module.clone())
            .collect();
        let own: Vec<String> = module
            .bindings
            .iter()
            .map(|b| b.name.clone())
            .filter(|n| !n.starts_with('_'))
            .collect();
        let mut names = Names::default();
        if let Some(spec) = all_spec {
            let mut all: Vec<String> = spec.entries.iter().map(|e| e.name.clone()).collect();
            names.all_dynamic = spec.dynamic;
            for include in &spec.includes {
                match self.module_index(include) {
                    Some(other) => {
                        self.compute(other, states);
                        match self.names.get(other).and_then(|n| n.all.clone()) {
                            Some(more) => all.extend(more),
                            None => names.all_dynamic = true,
                        }
                        if self.names.get(other).is_some_and(|n| n.all_dynamic) {
                            names.all_dynamic = true;
                        }
                    }
                    None => names.all_dynamic = true,
                }
            }
            let mut seen = HashSet::new();
            all.retain(|n| seen.insert(n.clone()));
            names.star.clone_from(&all);
            names.all = Some(all);
        } else {
            let mut star = own;
            for source in stars {
                if let Some(other) = self.module_index(&source) {
                    self.compute(other, states);
                    star.extend(self.star_names(other).iter().cloned());
                }
            }
            let mut seen = HashSet::new();
            star.retain(|n| seen.insert(n.clone()));
            names.star = star;
        }
        names.star_set = names.star.iter().cloned().collect();
        if let Some(slot) = self.names.get_mut(index) {
            *slot = names;
        }
        if let Some(state) = states.get_mut(index) {
            *state = State::Done;
        }
    }

    /// Where `name`, looked up in module `index`, comes from.
    pub fn resolve(&self, index: usize, name: &str) -> Target<'_> {
        self.resolve_hops(index, name, 0)
    }

    fn resolve_hops(&self, index: usize, name: &str, hops: u32) -> Target<'_> {
        if hops > MAX_HOPS {
            return Target::Unresolved;
        }
        let Some(module) = self.modules.get(index) else {
            return Target::Unresolved;
        };
        if let Some(binding) = module.binding(name) {
            return match &binding.value {
                Value::Import { module: from, attr } => {
                    self.resolve_import(binding, from, attr.as_deref(), hops)
                }
                _ => Target::Definition {
                    module: index,
                    binding,
                },
            };
        }
        // A later star import shadows an earlier one.
        for star in module.star_imports.iter().rev() {
            if let Some(other) = self.module_index(&star.module) {
                if self
                    .names
                    .get(other)
                    .is_some_and(|n| n.star_set.contains(name))
                {
                    return self.resolve_hops(other, name, hops + 1);
                }
            }
        }
        match self.module_index(&format!("{}.{name}", module.name)) {
            Some(sub) => Target::Module(sub),
            None => Target::Unresolved,
        }
    }

    fn resolve_import<'p>(
        &'p self,
        binding: &'p Binding,
        from: &str,
        attr: Option<&str>,
        hops: u32,
    ) -> Target<'p> {
        let Some(attr) = attr else {
            return match self.module_index(from) {
                Some(module) => Target::Module(module),
                None => Target::External(binding),
            };
        };
        let Some(source) = self.module_index(from) else {
            // `from pkg import sub` where pkg is outside: maybe a module of ours by full name.
            return match self.module_index(&format!("{from}.{attr}")) {
                Some(module) => Target::Module(module),
                None => Target::External(binding),
            };
        };
        match self.resolve_hops(source, attr, hops + 1) {
            Target::Unresolved => match self.module_index(&format!("{from}.{attr}")) {
                Some(module) => Target::Module(module),
                None => Target::Unresolved,
            },
            found => found,
        }
    }
}
