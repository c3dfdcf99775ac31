//! A `.pyi` stub read together with the `.py` source beside it (PEP 484: stubs describe the
//! interface type checkers see). The stub wins for what it states better than the source:
//! its `__all__` when the source has none or computes it (numpy's `__init__.py` builds
//! `__all__` from other modules' sets, its `__init__.pyi` lists all 499 names), and the
//! signatures of the functions, classes and methods it declares. Docstrings stay the
//! source's (stubs rarely carry them); names only the stub declares, or that the source only
//! imports while the stub defines them, take the stub's binding and path. Invariant: positions always point into the file that holds them.
use crate::facts::{Binding, ClassFacts, FunctionFacts, ModuleFacts, Value};

/// `source` with what its `stub` (read from `stub_path`) declares merged in.
pub fn merge(mut source: ModuleFacts, stub: ModuleFacts, stub_path: &str) -> ModuleFacts {
    if let Some(mut all) = stub.all {
        if source.all.as_ref().is_none_or(|own| own.dynamic) {
            all.stub_path = Some(stub_path.to_owned());
            source.all = Some(all);
        }
    }
    for binding in stub.bindings {
        if let Some(at) = source.index.get(&binding.name).copied() {
            if let Some(own) = source.bindings.get_mut(at) {
                let stub_defines = !matches!(binding.value, Value::Import { .. });
                if stub_defines && matches!(own.value, Value::Import { .. }) {
                    // The source re-exports what a compiled module defines (numpy's ufuncs come
                    // from `_multiarray_umath`); the stub says what it is.
                    *own = Binding {
                        stub_path: Some(stub_path.to_owned()),
                        ..binding
                    };
                } else {
                    take_signatures(&mut own.value, binding.value);
                }
            }
        } else {
            source
                .index
                .insert(binding.name.clone(), source.bindings.len());
            source.bindings.push(Binding {
                stub_path: Some(stub_path.to_owned()),
                ..binding
            });
        }
    }
    source
}

/// The stub's signatures replace the source's where both declare the same kind of thing.
fn take_signatures(own: &mut Value, stub: Value) {
    match (own, stub) {
        (Value::Function(own), Value::Function(stub)) => take_function(own, stub),
        (Value::Class(own), Value::Class(stub)) => take_class(own, stub),
        _ => {}
    }
}

fn take_function(own: &mut FunctionFacts, stub: FunctionFacts) {
    if stub.signature.is_some() || !stub.overloads.is_empty() {
        own.signature = stub.signature;
        own.overloads = stub.overloads;
        own.is_async = stub.is_async;
    }
}

fn take_class(own: &mut ClassFacts, stub: ClassFacts) {
    if stub.signature.is_some() {
        own.signature = stub.signature;
    }
    for member in stub.members {
        if let Some(mine) = own.members.iter_mut().find(|m| m.name == member.name) {
            if mine.kind == member.kind {
                take_function(&mut mine.function, member.function);
            }
        }
    }
}
