//! joblib's array layout inside a pickle (`joblib/numpy_pickle.py`, joblib >= 0.10): `dump`
//! pickles a `NumpyArrayWrapper` (subclass, shape, order, dtype, `allow_mmap`, and since joblib
//! 1.2 `numpy_array_alignment_bytes`) in place of each array, then writes the array's bytes
//! straight into the file right after the wrapper's BUILD: one padding-length byte and that many
//! padding bytes when the wrapper has an alignment, then `count * itemsize` raw bytes; an array
//! whose dtype holds Python objects is written as a nested protocol-2 pickle instead.
//! `NumpyUnpickler.load_build` pops the wrapper after its BUILD and reads those bytes from the
//! file (`NumpyArrayWrapper.read_array`: raw bytes through `numpy.frombuffer`, the nested pickle
//! through a plain `pickle.load`), then goes on with the pickle.
//!
//! [`crate::parse_joblib`] makes the machine reads that layout the same way (records of
//! [`JoblibArray`]); [`explained_violations`] then says which imports only serve it: the
//! wrapper class (whose `__new__` and `__dict__` update run no code of the file's choosing), the
//! `numpy.ndarray`/`matrix`/`memmap` subclass it names (only compared against, never called,
//! by `read`), the `numpy.dtype` that sizes the bytes, and the numpy reconstruct globals of a
//! nested object-array pickle's root, each only when the stream uses it for nothing else.

use std::collections::{HashMap, HashSet};

use crate::graph::{Graph, Node, NodeId};
use crate::machine::Parsed;
use crate::policy::ViolationKind;

/// The wrapper classes joblib's loader turns into arrays (`sklearn.externals.joblib` is the
/// copy scikit-learn shipped until 0.23; its pickles name that module).
pub const WRAPPER_CLASSES: [&str; 2] = [
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
];

/// How the bytes after one wrapper are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayBytes {
    /// Raw array bytes, skipped: `count` elements of `itemsize` bytes after `padding` bytes
    /// (padding-length byte included).
    Raw {
        /// Padding-length byte plus padding.
        padding: u64,
        /// Elements.
        count: u64,
        /// Bytes per element.
        itemsize: u64,
    },
    /// A nested pickle (an array of Python objects), analysed like the rest of the stream; its
    /// root replaces the wrapper.
    ObjectPickle {
        /// The value the nested pickle returns.
        root: NodeId,
    },
}

/// One array joblib's loader reads from the file after a wrapper's BUILD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoblibArray {
    /// The wrapper object.
    pub wrapper: NodeId,
    /// Offset of the BUILD opcode.
    pub build_offset: u64,
    /// Offset of the first byte joblib reads for the array.
    pub start: u64,
    /// Offset just past them (where the pickle goes on).
    pub end: u64,
    /// What those bytes are.
    pub bytes: ArrayBytes,
}

/// Numpy globals that rebuild an object array in its nested pickle
/// (`ndarray.__reduce__`: `_reconstruct(ndarray, (0,), b'b')` then BUILD).
const RECONSTRUCT: [&str; 2] = [
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
];

/// Subclasses `joblib.dump` records (`type(array)` of the arrays it wraps).
const SUBCLASSES: [&str; 3] = ["numpy.ndarray", "numpy.matrix", "numpy.memmap"];

/// Indices into `parsed.violations` of the import violations the joblib layout explains.
pub fn explained_violations(parsed: &Parsed<'_>) -> HashSet<usize> {
    if parsed.joblib.is_empty() {
        return HashSet::new();
    }
    let graph = &parsed.graph;
    // Global node -> the objects it may be the callable of (indices into the graph's objects).
    let mut candidates: HashMap<NodeId, HashSet<usize>> = HashMap::new();
    let mut add = |global: NodeId, object: Option<NodeId>| {
        let allowed = candidates.entry(global).or_default();
        if let Some(Node::Object(o)) = object.and_then(|o| graph.node(o)) {
            allowed.insert(*o as usize);
        }
    };
    for array in &parsed.joblib {
        let Some(wrapper) = graph.object_of(array.wrapper) else {
            continue;
        };
        add(wrapper.callable, Some(array.wrapper));
        for state in &graph.mutations(wrapper).states {
            state_globals(graph, *state, &mut add);
        }
        if let ArrayBytes::ObjectPickle { root } = array.bytes {
            if let Some(object) = graph.object_of(root) {
                let is_reconstruct = graph
                    .global_of(object.callable)
                    .is_some_and(|g| RECONSTRUCT.iter().any(|k| g.key_eq(k)));
                if is_reconstruct {
                    add(object.callable, Some(root));
                    if let Some(class) = graph.as_tuple(object.args).and_then(|a| a.first()) {
                        add(*class, None);
                    }
                    for state in &graph.mutations(object).states {
                        for item in graph.as_tuple(*state).unwrap_or_default() {
                            dtype_globals(graph, *item, &mut add);
                        }
                    }
                }
            }
        }
    }
    // A global whose state a BUILD sets, or that makes an object it was not expected to make,
    // is not data.
    for build in &parsed.builds {
        candidates.remove(&build.target);
    }
    for (i, object) in graph.objects().iter().enumerate() {
        if candidates
            .get(&object.callable)
            .is_some_and(|allowed| !allowed.contains(&i))
        {
            candidates.remove(&object.callable);
        }
    }
    let offsets: HashSet<u64> = candidates
        .keys()
        .filter(|id| matches!(graph.node(**id), Some(Node::Global(_))))
        .filter_map(|id| graph.global_of(*id))
        .filter(|g| {
            WRAPPER_CLASSES
                .iter()
                .chain(&RECONSTRUCT)
                .chain(&SUBCLASSES)
                .chain(&["numpy.dtype"])
                .any(|k| g.key_eq(k))
        })
        .map(|g| g.offset)
        .collect();
    parsed
        .violations
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            matches!(v.kind, ViolationKind::GlobalNotAllowed { .. }) && offsets.contains(&v.offset)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The subclass and dtype globals of a wrapper's state dict.
fn state_globals(graph: &Graph<'_>, state: NodeId, add: &mut impl FnMut(NodeId, Option<NodeId>)) {
    for (key, value) in graph.as_dict(state).unwrap_or_default() {
        match graph.as_str(*key) {
            Some("subclass") if graph.global_of(*value).is_some() => add(*value, None),
            Some("dtype") => dtype_globals(graph, *value, add),
            _ => {}
        }
    }
}

/// The `numpy.dtype` global that builds the dtype object `value`, and those of the dtypes its
/// state holds: a subarray's base (`(dtype, shape)` at index 2) and each field's
/// (`{name: (dtype, offset[, title])}` at index 4), as a structured dtype pickles them. Each
/// dtype object is visited once, so shared or cyclic references (a memo can make a dtype its
/// own field) cost one visit each.
fn dtype_globals(graph: &Graph<'_>, value: NodeId, add: &mut impl FnMut(NodeId, Option<NodeId>)) {
    let mut seen = HashSet::new();
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        if !seen.insert(value) {
            continue;
        }
        let Some(object) = graph.object_of(value) else {
            continue;
        };
        if !graph
            .global_of(object.callable)
            .is_some_and(|g| g.key_eq("numpy.dtype"))
        {
            continue;
        }
        add(object.callable, Some(value));
        let Some(state) = graph
            .mutations(object)
            .states
            .last()
            .and_then(|s| graph.as_tuple(*s))
        else {
            continue;
        };
        let first_of = |n: NodeId| graph.as_tuple(n).and_then(|t| t.first()).copied();
        pending.extend(state.get(2).and_then(|n| first_of(*n)));
        if let Some(fields) = state.get(4).and_then(|n| graph.as_dict(*n)) {
            pending.extend(fields.iter().filter_map(|(_, field)| first_of(*field)));
        }
    }
}
