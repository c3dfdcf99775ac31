//! The inert object graph: an arena of nodes addressed by [`NodeId`]. Shared references (memo,
//! DUP) are the same id, never a copy, so the graph grows at most linearly with the input; it
//! may contain cycles, so every walk here is iterative and bounded.

use std::borrow::Cow;

use crate::opcode::Opcode;

/// Index of a node in a [`Graph`]. Copying it shares the node; it never copies a subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A run of children stored in the graph's shared pool (immutable containers: tuple, frozenset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seq {
    pub(crate) start: u32,
    pub(crate) len: u32,
    /// Nesting depth of the container (kept here: it fits the node's spare bytes).
    pub(crate) depth: u32,
}

impl Seq {
    /// Number of children.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when there are no children.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// One value of the unpickled graph. Nothing here can run: globals are names and calls are
/// records of what `pickle.load` would have called.
///
/// `Node` is `Copy` and 16 bytes: strings, byte slices, decoded data and growable containers
/// live in side tables of the [`Graph`] (the variants carry indices); read values through
/// [`Graph::as_str`], [`Graph::as_bytes`], [`Graph::as_list`], [`Graph::as_dict`],
/// [`Graph::as_big_int`] and friends rather than matching variants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    /// `None`.
    None,
    /// `True`/`False` (NEWTRUE/NEWFALSE, `I01`/`I00`).
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer too large for `i64`: two's-complement little-endian bytes (LONG1/LONG4),
    /// an index into the graph's input slices.
    BigIntLe(u32),
    /// An integer too large for `i64`: decimal digits with optional sign (protocol-0 text), an
    /// index into the graph's input texts.
    BigIntDecimal(u32),
    /// A float.
    Float(f64),
    /// A text string borrowed from the input (index into the graph's input texts).
    Str(u32),
    /// A text string that needed decoding (index into the graph's owned strings).
    StrOwned(u32),
    /// A bytes value borrowed from the input, also protocol-1/2 strings that are not UTF-8
    /// (index into the graph's input slices).
    Bytes(u32),
    /// A bytes value that needed decoding (index into the graph's owned bytes).
    BytesOwned(u32),
    /// A bytearray (`BYTEARRAY8`; index into the graph's input slices).
    ByteArray(u32),
    /// A tuple.
    Tuple(Seq),
    /// A frozenset (FROZENSET).
    FrozenSet(Seq),
    /// A list (index into the graph's growable sequences); `APPEND(S)` extend it.
    List(u32),
    /// A set (index into the graph's growable sequences); ADDITEMS extend it.
    Set(u32),
    /// A dict (index into the graph's dicts); `SETITEM(S)` extend it, order and duplicates kept.
    Dict(u32),
    /// A global (an index into [`Graph::globals`]).
    Global(u32),
    /// The result of a call (an index into [`Graph::objects`]).
    Object(u32),
    /// What `persistent_load(pid)` would return (PERSID/BINPERSID).
    PersistentId {
        /// The persistent id value.
        pid: NodeId,
        /// Offset of the PERSID/BINPERSID opcode.
        offset: u64,
    },
    /// An out-of-band buffer (`NEXT_BUFFER`), by its position among the buffers.
    Buffer {
        /// Zero-based index of the `NEXT_BUFFER` opcode in the stream.
        index: u32,
        /// Whether `READONLY_BUFFER` was applied to it.
        readonly: bool,
    },
}

/// The digits of an integer too large for `i64` ([`Graph::as_big_int`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BigInt<'a> {
    /// Two's-complement little-endian bytes (LONG1/LONG4).
    LittleEndian(&'a [u8]),
    /// Decimal digits with optional sign (protocol-0 `INT`/`LONG` text).
    Decimal(&'a str),
}

/// How a global was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobalTarget<'a> {
    /// A module and a name, exactly as written (dotted names kept).
    Named {
        /// The module, e.g. `torch._utils`.
        module: Cow<'a, str>,
        /// The attribute, e.g. `_rebuild_tensor_v2` (may contain dots).
        name: Cow<'a, str>,
    },
    /// `STACK_GLOBAL` whose operands are not both strings: still an import `pickle.load` attempts.
    Unresolved {
        /// The module operand.
        module: NodeId,
        /// The name operand.
        name: NodeId,
    },
    /// EXT1/EXT2/EXT4: resolved through the process's copyreg extension registry.
    Extension {
        /// The extension code.
        code: u32,
    },
}

/// One import a plain `pickle.load` would perform (GLOBAL, `STACK_GLOBAL`, INST, EXT*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalRef<'a> {
    /// What is imported.
    pub target: GlobalTarget<'a>,
    /// The opcode that imported it.
    pub opcode: Opcode,
    /// Byte offset of that opcode.
    pub offset: u64,
}

impl GlobalRef<'_> {
    /// `(module, name)` when the global is named.
    pub fn names(&self) -> Option<(&str, &str)> {
        match &self.target {
            GlobalTarget::Named { module, name } => Some((module, name)),
            _ => None,
        }
    }

    /// Whether `module + "." + name` equals `key` (torch's allowlist key, research §2.4),
    /// without allocating.
    pub fn key_eq(&self, key: &str) -> bool {
        self.names().is_some_and(|(m, n)| joined_eq(m, n, key))
    }

    /// Whether the module or the name contains a dot inside the name part (reported later).
    pub fn is_dotted(&self) -> bool {
        self.names().is_some_and(|(_, n)| n.contains('.'))
    }
}

/// `module + "." + name == key`, compared in place.
pub(crate) fn joined_eq(module: &str, name: &str, key: &str) -> bool {
    key.len() == module.len() + 1 + name.len()
        && key.starts_with(module)
        && key.as_bytes().get(module.len()) == Some(&b'.')
        && key.ends_with(name)
}

/// Which opcode made a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// REDUCE: `callable(*args)`.
    Reduce,
    /// NEWOBJ: `cls.__new__(cls, *args)`.
    NewObj,
    /// `NEWOBJ_EX`: `cls.__new__(cls, *args, **kwargs)`.
    NewObjEx,
    /// INST: class named inline, args from the mark.
    Inst,
    /// OBJ: class and args from the mark.
    Obj,
}

/// Mutations applied to a call's result after the call (`SETITEM(S)`, `APPEND(S)`, BUILD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mutations {
    /// Items set by `SETITEM(S)` (e.g. an `OrderedDict` built by REDUCE).
    pub items: Vec<(NodeId, NodeId)>,
    /// Items added by `APPEND(S)`/ADDITEMS.
    pub appended: Vec<NodeId>,
    /// States applied by BUILD.
    pub states: Vec<NodeId>,
}

/// One call `pickle.load` would make, and the object it would return; mutations applied to that
/// object later are in [`Graph::mutations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// Which opcode made the call.
    pub kind: CallKind,
    /// The callable (usually a [`Node::Global`]).
    pub callable: NodeId,
    /// The positional arguments (a tuple for well-formed pickles; whatever was there otherwise).
    pub args: NodeId,
    /// Byte offset of the calling opcode.
    pub offset: u64,
    /// Keyword arguments of `NEWOBJ_EX` ([`NO_INDEX`] when none; see [`Object::kwargs`]).
    pub(crate) kwargs: u32,
    /// Index into the graph's mutation records ([`NO_INDEX`] until the object is mutated).
    pub(crate) mutations: u32,
    /// Nesting depth of the call's arguments plus one (raised by mutations).
    pub(crate) depth: u32,
}

/// Sentinel for an absent index in [`Object`] (keeps it at 32 bytes: one per call).
pub(crate) const NO_INDEX: u32 = u32::MAX;

impl Object {
    /// Keyword arguments (`NEWOBJ_EX` only).
    pub fn kwargs(&self) -> Option<NodeId> {
        (self.kwargs != NO_INDEX).then_some(NodeId(self.kwargs))
    }
}

/// The Python type a node would have after loading, as far as the weights-only checks need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PyType {
    /// `NoneType`.
    None,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `str`.
    Str,
    /// `bytes`.
    Bytes,
    /// `bytearray`.
    ByteArray,
    /// `tuple`.
    Tuple,
    /// `list`.
    List,
    /// `dict`.
    Dict,
    /// `set`.
    Set,
    /// `frozenset`.
    FrozenSet,
    /// A global object (class or function).
    Global,
    /// `collections.OrderedDict`.
    OrderedDict,
    /// `collections.Counter`.
    Counter,
    /// `torch.Tensor` (a rebuild function's result).
    Tensor,
    /// `torch.nn.Parameter`.
    Parameter,
    /// Any other call result.
    Instance,
    /// A persistent-load result.
    Persistent,
    /// An out-of-band buffer.
    Buffer,
}

impl std::fmt::Display for PyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PyType::None => "NoneType",
            PyType::Bool => "bool",
            PyType::Int => "int",
            PyType::Float => "float",
            PyType::Str => "str",
            PyType::Bytes => "bytes",
            PyType::ByteArray => "bytearray",
            PyType::Tuple => "tuple",
            PyType::List => "list",
            PyType::Dict => "dict",
            PyType::Set => "set",
            PyType::FrozenSet => "frozenset",
            PyType::Global => "global",
            PyType::OrderedDict => "collections.OrderedDict",
            PyType::Counter => "collections.Counter",
            PyType::Tensor => "torch.Tensor",
            PyType::Parameter => "torch.nn.Parameter",
            PyType::Instance => "object",
            PyType::Persistent => "persistent object",
            PyType::Buffer => "PickleBuffer",
        })
    }
}

/// Rebuild functions whose result is a `torch.Tensor` (research §2.3).
const TENSOR_REBUILDS: [&str; 11] = [
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._tensor._rebuild_from_type_v2",
];

/// The arena holding every node, import and call of one parse.
#[derive(Debug, Clone, Default)]
pub struct Graph<'a> {
    pub(crate) nodes: Vec<Node>,
    pub(crate) pool: Vec<NodeId>,
    pub(crate) lists: Vec<Vec<NodeId>>,
    pub(crate) list_depth: Vec<u32>,
    pub(crate) dicts: Vec<Vec<(NodeId, NodeId)>>,
    pub(crate) dict_depth: Vec<u32>,
    pub(crate) texts: Vec<&'a str>,
    pub(crate) slices: Vec<&'a [u8]>,
    pub(crate) strings: Vec<String>,
    pub(crate) blobs: Vec<Vec<u8>>,
    pub(crate) globals: Vec<GlobalRef<'a>>,
    pub(crate) objects: Vec<Object>,
    pub(crate) mutations: Vec<Mutations>,
}

impl<'a> Graph<'a> {
    /// An empty graph with room for a pickle of `len` bytes (a state-dict pickle makes about one
    /// node per 13 bytes). Reservation is best effort and capped (16M nodes, about 200 MB of
    /// pickle), so a slice that holds more than the pickle (a legacy stream followed by its
    /// storages) reserves little: reserved pages are only touched when used.
    pub(crate) fn with_estimate(len: usize, limits: &crate::limits::Limits) -> Self {
        let nodes = (len / 12).min(limits.max_graph_nodes).min(1 << 24);
        let mut graph = Graph::default();
        let _ = graph.nodes.try_reserve(nodes);
        let _ = graph.pool.try_reserve(nodes * 2);
        let _ = graph.objects.try_reserve(nodes / 4);
        let _ = graph.texts.try_reserve(nodes / 4);
        graph
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node behind `id`.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// Nesting depth of the node as built (1 for scalars, globals and persistent objects;
    /// raised for containers by later mutations). Cycles do not make it infinite: it records
    /// construction, not reachability.
    #[inline]
    pub fn depth(&self, id: NodeId) -> u32 {
        let slot = match self.node(id) {
            None => return 0,
            Some(Node::Tuple(seq) | Node::FrozenSet(seq)) => return seq.depth,
            Some(Node::List(i) | Node::Set(i)) => self.list_depth.get(*i as usize),
            Some(Node::Dict(i)) => self.dict_depth.get(*i as usize),
            Some(Node::Object(i)) => self.objects.get(*i as usize).map(|o| &o.depth),
            Some(_) => return 1,
        };
        slot.copied().unwrap_or(1)
    }

    /// Raises the recorded depth of a mutable container to at least `depth`.
    pub(crate) fn raise_depth(&mut self, id: NodeId, depth: u32) {
        let slot = match self.nodes.get(id.index()) {
            Some(Node::List(i) | Node::Set(i)) => self.list_depth.get_mut(*i as usize),
            Some(Node::Dict(i)) => self.dict_depth.get_mut(*i as usize),
            Some(Node::Object(i)) => self.objects.get_mut(*i as usize).map(|o| &mut o.depth),
            _ => None,
        };
        if let Some(slot) = slot {
            *slot = (*slot).max(depth);
        }
    }

    /// The children of a pooled sequence.
    pub fn seq(&self, seq: Seq) -> &[NodeId] {
        let start = seq.start as usize;
        self.pool
            .get(start..start.saturating_add(seq.len as usize))
            .unwrap_or(&[])
    }

    /// Every import, in stream order.
    pub fn globals(&self) -> &[GlobalRef<'a>] {
        &self.globals
    }

    /// Every call, in stream order.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// The import behind a [`Node::Global`] node.
    pub fn global_of(&self, id: NodeId) -> Option<&GlobalRef<'a>> {
        match self.node(id)? {
            Node::Global(g) => self.globals.get(*g as usize),
            _ => None,
        }
    }

    /// The call behind a [`Node::Object`] node.
    pub fn object_of(&self, id: NodeId) -> Option<&Object> {
        match self.node(id)? {
            Node::Object(o) => self.objects.get(*o as usize),
            _ => None,
        }
    }

    /// The text of a string node (borrowed or decoded).
    pub fn as_str(&self, id: NodeId) -> Option<&str> {
        match self.node(id)? {
            Node::Str(i) => self.texts.get(*i as usize).copied(),
            Node::StrOwned(i) => self.strings.get(*i as usize).map(String::as_str),
            _ => None,
        }
    }

    /// The bytes of a bytes node (borrowed or decoded; not bytearrays).
    pub fn as_bytes(&self, id: NodeId) -> Option<&[u8]> {
        match self.node(id)? {
            Node::Bytes(i) => self.slices.get(*i as usize).copied(),
            Node::BytesOwned(i) => self.blobs.get(*i as usize).map(Vec::as_slice),
            _ => None,
        }
    }

    /// The bytes of a bytearray node.
    pub fn as_bytearray(&self, id: NodeId) -> Option<&'a [u8]> {
        match self.node(id)? {
            Node::ByteArray(i) => self.slices.get(*i as usize).copied(),
            _ => None,
        }
    }

    /// The digits of an integer node too large for `i64`.
    pub fn as_big_int(&self, id: NodeId) -> Option<BigInt<'a>> {
        match self.node(id)? {
            Node::BigIntLe(i) => self
                .slices
                .get(*i as usize)
                .map(|b| BigInt::LittleEndian(b)),
            Node::BigIntDecimal(i) => self.texts.get(*i as usize).map(|s| BigInt::Decimal(s)),
            _ => None,
        }
    }

    /// The items of a list or set node.
    pub fn as_list(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.node(id)? {
            Node::List(i) | Node::Set(i) => self.lists.get(*i as usize).map(Vec::as_slice),
            _ => None,
        }
    }

    /// The (key, value) items of a dict node, in insertion order.
    pub fn as_dict(&self, id: NodeId) -> Option<&[(NodeId, NodeId)]> {
        match self.node(id)? {
            Node::Dict(i) => self.dicts.get(*i as usize).map(Vec::as_slice),
            _ => None,
        }
    }

    /// The mutations recorded on a call's result (empty when none).
    pub fn mutations(&self, object: &Object) -> &Mutations {
        static NONE: Mutations = Mutations {
            items: Vec::new(),
            appended: Vec::new(),
            states: Vec::new(),
        };
        self.mutations
            .get(object.mutations as usize)
            .unwrap_or(&NONE)
    }

    /// The value of a [`Node::Int`] (or [`Node::Bool`], as Python treats it) node.
    pub fn as_int(&self, id: NodeId) -> Option<i64> {
        match self.node(id)? {
            Node::Int(i) => Some(*i),
            Node::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// The children of a [`Node::Tuple`] node.
    pub fn as_tuple(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.node(id)? {
            Node::Tuple(s) => Some(self.seq(*s)),
            _ => None,
        }
    }

    /// The Python type `pickle.load` would give this node (rebuild-function results are
    /// tensors, `collections.OrderedDict()` is an `OrderedDict`, ...).
    pub fn py_type(&self, id: NodeId) -> PyType {
        match self.node(id) {
            None | Some(Node::None) => PyType::None,
            Some(Node::Bool(_)) => PyType::Bool,
            Some(Node::Int(_) | Node::BigIntLe(_) | Node::BigIntDecimal(_)) => PyType::Int,
            Some(Node::Float(_)) => PyType::Float,
            Some(Node::Str(_) | Node::StrOwned(_)) => PyType::Str,
            Some(Node::Bytes(_) | Node::BytesOwned(_)) => PyType::Bytes,
            Some(Node::ByteArray(_)) => PyType::ByteArray,
            Some(Node::Tuple(_)) => PyType::Tuple,
            Some(Node::FrozenSet(_)) => PyType::FrozenSet,
            Some(Node::List(_)) => PyType::List,
            Some(Node::Dict(_)) => PyType::Dict,
            Some(Node::Set(_)) => PyType::Set,
            Some(Node::Global(_)) => PyType::Global,
            Some(Node::PersistentId { .. }) => PyType::Persistent,
            Some(Node::Buffer { .. }) => PyType::Buffer,
            Some(Node::Object(o)) => {
                let Some(object) = self.objects.get(*o as usize) else {
                    return PyType::Instance;
                };
                let Some(global) = self.global_of(object.callable) else {
                    return PyType::Instance;
                };
                if global.key_eq("collections.OrderedDict") {
                    PyType::OrderedDict
                } else if global.key_eq("collections.Counter") {
                    PyType::Counter
                } else if global.key_eq("torch._utils._rebuild_parameter")
                    || global.key_eq("torch._utils._rebuild_parameter_with_state")
                    || global.key_eq("torch.nn.parameter.Parameter")
                {
                    PyType::Parameter
                } else if TENSOR_REBUILDS.iter().any(|k| global.key_eq(k)) {
                    PyType::Tensor
                } else {
                    PyType::Instance
                }
            }
        }
    }

    /// The direct children of a node: container items, call callable/args/kwargs and recorded
    /// mutations, a persistent id's value. Appends to `out` (cleared first).
    pub fn children_into(&self, id: NodeId, out: &mut Vec<NodeId>) {
        out.clear();
        match self.node(id) {
            Some(Node::Tuple(s) | Node::FrozenSet(s)) => out.extend_from_slice(self.seq(*s)),
            Some(Node::List(_) | Node::Set(_)) => {
                out.extend_from_slice(self.as_list(id).unwrap_or(&[]));
            }
            Some(Node::Dict(_)) => {
                out.extend(
                    self.as_dict(id)
                        .unwrap_or(&[])
                        .iter()
                        .flat_map(|(k, v)| [*k, *v]),
                );
            }
            Some(Node::PersistentId { pid, .. }) => out.push(*pid),
            Some(Node::Global(g)) => {
                if let Some(GlobalRef {
                    target: GlobalTarget::Unresolved { module, name },
                    ..
                }) = self.globals.get(*g as usize)
                {
                    out.extend([*module, *name]);
                }
            }
            Some(Node::Object(o)) => {
                if let Some(object) = self.objects.get(*o as usize) {
                    out.extend([object.callable, object.args]);
                    out.extend(object.kwargs());
                    let mutations = self.mutations(object);
                    out.extend(mutations.items.iter().flat_map(|(k, v)| [*k, *v]));
                    out.extend_from_slice(&mutations.appended);
                    out.extend_from_slice(&mutations.states);
                }
            }
            _ => {}
        }
    }

    /// Visits every node reachable from `root` exactly once (cycles and shared nodes are
    /// visited once), breadth first, never deeper than `max_depth` levels; returns `false` if
    /// some node lay deeper and was skipped. Iterative: safe on any graph.
    pub fn walk(&self, root: NodeId, max_depth: u32, mut visit: impl FnMut(NodeId, u32)) -> bool {
        let mut seen = vec![false; self.nodes.len()];
        let mut queue = std::collections::VecDeque::new();
        let mut children = Vec::new();
        let mut complete = true;
        if let Some(flag) = seen.get_mut(root.index()) {
            *flag = true;
            queue.push_back((root, 0u32));
        }
        while let Some((id, depth)) = queue.pop_front() {
            visit(id, depth);
            self.children_into(id, &mut children);
            for &child in &children {
                if let Some(flag) = seen.get_mut(child.index()) {
                    if !*flag {
                        if depth + 1 > max_depth {
                            complete = false;
                            continue;
                        }
                        *flag = true;
                        queue.push_back((child, depth + 1));
                    }
                }
            }
        }
        complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        // The graph's memory per input byte depends on this (benches/throughput.rs).
        assert_eq!(std::mem::size_of::<Node>(), 16);
        assert_eq!(std::mem::size_of::<NodeId>(), 4);
        assert_eq!(std::mem::size_of::<Object>(), 32);
    }
}
