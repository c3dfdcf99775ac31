//! The interface checks `TW651`-`TW655` and `TW659` over a resolved package and its interface. Invariant:
//! a check that needs the whole namespace of a module (is this `__all__` entry bound? is this
//! definition listed?) is skipped for modules whose namespace is computed at run time or only
//! partly known, so no finding rests on a guess.
use crate::facts::{AllEntry, ModuleFacts, Value};
use crate::interface::{Declaration, Interface};
use crate::package::Package;
use crate::rules::{
    dynamic_all, missing_from_all, private_name_in_all, private_star_import, undefined_all_name,
    undocumented_public_name,
};
use crate::source::is_public_module;
use std::collections::HashSet;
use tw_diagnostics::Finding;

/// Every interface finding of `package` (the TW650 rows are made by the caller).
pub fn check(package: &Package, interface: &Interface) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, module) in package.modules.iter().enumerate() {
        let public = is_public_module(&module.name);
        if let Some(all) = &module.all {
            if namespace_known(package, module) {
                for entry in &all.entries {
                    if !provides(package, module, &entry.name) {
                        findings.push(undefined_all_name::finding(module, all.path(module), entry));
                    }
                }
                // Names added with `__all__ += other.__all__` must be bound here too; they
                // are reported where `__all__` is first bound.
                let literal: HashSet<&str> = all.entries.iter().map(|e| e.name.as_str()).collect();
                if let Some((full, _)) = package.all(index) {
                    for name in full.iter().filter(|n| !literal.contains(n.as_str())) {
                        if !provides(package, module, name) {
                            let entry = AllEntry {
                                name: name.clone(),
                                position: all.position,
                            };
                            findings.push(undefined_all_name::finding(
                                module,
                                all.path(module),
                                &entry,
                            ));
                        }
                    }
                }
            }
            if public {
                for entry in &all.entries {
                    let dunder = entry.name.starts_with("__") && entry.name.ends_with("__");
                    if entry.name.starts_with('_') && !dunder {
                        findings.push(private_name_in_all::finding(
                            module,
                            all.path(module),
                            entry,
                        ));
                    }
                }
                missing(package, index, module, &mut findings);
                if let Some((names, true)) = package.all(index) {
                    findings.push(dynamic_all::finding(module, all, names.len()));
                }
            }
        } else if public {
            for star in &module.star_imports {
                if let Some(other) = package.module_index(&star.module) {
                    if !is_public_module(&star.module) {
                        let count = package.star_names(other).len();
                        findings.push(private_star_import::finding(module, star, count));
                    }
                }
            }
        }
    }
    findings.extend(undocumented(&interface.declarations));
    findings
}

/// Whether every name the module binds can be known from syntax.
fn namespace_known(package: &Package, module: &ModuleFacts) -> bool {
    !module.dynamic
        && module
            .star_imports
            .iter()
            .all(|star| package.module_index(&star.module).is_some())
}

/// Whether `name` exists in `module`: bound, brought by a star import, or a submodule.
fn provides(package: &Package, module: &ModuleFacts, name: &str) -> bool {
    module.binding(name).is_some()
        || module.star_imports.iter().any(|star| {
            package
                .module_index(&star.module)
                .is_some_and(|other| package.star_names(other).iter().any(|n| n == name))
        })
        || package
            .module_index(&format!("{}.{name}", module.name))
            .is_some()
}

/// TW652 for one public module with a fully known `__all__`.
fn missing(package: &Package, index: usize, module: &ModuleFacts, findings: &mut Vec<Finding>) {
    let Some((all, dynamic)) = package.all(index) else {
        return;
    };
    if dynamic {
        return;
    }
    let listed: HashSet<&str> = all.iter().map(String::as_str).collect();
    for binding in &module.bindings {
        if binding.name.starts_with('_') || listed.contains(binding.name.as_str()) {
            continue;
        }
        let kind = match &binding.value {
            Value::Function(_) => "function",
            Value::Class(_) => "class",
            _ => continue,
        };
        findings.push(missing_from_all::finding(module, binding, kind));
    }
}

/// TW653: each undocumented definition once, where it is defined (stubs excluded).
fn undocumented(declarations: &[Declaration]) -> Vec<Finding> {
    let mut seen = HashSet::new();
    declarations
        .iter()
        .filter(|d| d.kind.needs_docstring() && !d.documented && !d.from_stub)
        .filter(|d| seen.insert((d.path.clone(), d.position)))
        .map(undocumented_public_name::finding)
        .collect()
}
