//! The walk from the root that names every tensor and value by its dotted path. Iterative, with
//! a depth limit, cycle detection (a value on its own path becomes `Other("<cycle>")`), a step
//! budget, so shared subtrees (memo, DUP) cannot make the walk exponential, and a budget of
//! materialised bytes. A large value reached again through a shared reference is not copied:
//! it becomes [`Leaf::Shared`] naming the path where it was first listed.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::graph::{BigInt, GlobalRef, Graph, Node, NodeId, Object};
use crate::limits::LimitKind;
use crate::machine::Parsed;
use crate::profiles;
use crate::torch::error::ExtractError;
use crate::torch::plain;
use crate::torch::tensor::{join, Rebuilds};
use crate::torch::{Leaf, ObjectTable, TensorRef, MAX_TUPLE_VALUE};

/// Values of at least this many bytes are listed once; later references to the same node are
/// [`Leaf::Shared`]. Smaller values (a dtype name, a device) repeat inline: cheaper to read
/// than a reference, and bounded by the materialised-bytes budget.
const SHARE_MIN_BYTES: u64 = 256;

enum Work {
    Visit {
        id: NodeId,
        path: String,
        depth: u32,
        /// Whether this is a field of an object a profile or the user allowed: such objects
        /// may point back at their parents (the `_parent` of omegaconf nodes), which is structure, not
        /// data, and is left out rather than reported as a cycle.
        in_object: bool,
    },
    Leave(NodeId),
}

/// Interprets a parsed pickle as torch's object model: every tensor (from the rebuild functions
/// of `torch._utils`) and every other leaf value, with dotted paths (`model.layers.0.weight`;
/// a bare tensor root has path `""`).
pub fn extract(parsed: &Parsed<'_>) -> Result<ObjectTable, ExtractError> {
    extract_with_containers(parsed, &[])
}

/// [`extract`], with objects built by a call of one of `containers` (`module.Name` keys a user
/// allowed on top of torch's allowlist, e.g. `argparse.Namespace` for `convert
/// --allow-global`) walked as containers instead of becoming one opaque value: their
/// positional arguments by index, their keyword arguments, the state BUILD gave them (a dict,
/// or the `(dict, slots)` pair) and SETITEM/APPEND items, each under its own path
/// (`args.lr`). What such an object holds is then checked like any other value.
pub fn extract_with_containers(
    parsed: &Parsed<'_>,
    containers: &[String],
) -> Result<ObjectTable, ExtractError> {
    walk(parsed, containers, PathStyle::Dotted)
}

/// How a walk spells paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    /// Segments joined with `.` (`a.b`): what tools and safetensors names use; two different
    /// paths can flatten to the same text (`{"a.b": x}` and `{"a": {"b": y}}`).
    Dotted,
    /// A JSON array of the segments (`["a.b"]`, `["a", "b"]`): never ambiguous, for telling
    /// such a collision apart in a message.
    Segments,
}

/// [`extract_with_containers`] with paths spelt in `style`. Tensors and values come in the
/// same order whatever the style, so the two tables can be matched item by item.
pub fn extract_paths(
    parsed: &Parsed<'_>,
    containers: &[String],
    style: PathStyle,
) -> Result<ObjectTable, ExtractError> {
    walk(parsed, containers, style)
}

fn walk(
    parsed: &Parsed<'_>,
    containers: &[String],
    style: PathStyle,
) -> Result<ObjectTable, ExtractError> {
    let root = parsed.root.ok_or(ExtractError::NoRoot)?;
    let graph = &parsed.graph;
    let limits = &parsed.limits;
    let mut table = ObjectTable::default();
    let mut on_path = vec![false; graph.len()];
    let mut work = vec![Work::Visit {
        id: root,
        path: String::new(),
        depth: 0,
        in_object: false,
    }];
    let max_steps = 4u64
        .saturating_mul(graph.len() as u64)
        .saturating_add(limits.walk_step_allowance);
    let mut steps = 0u64;
    let mut total_elements = 0u64;
    let budget = Budget {
        limit: parsed.materialise_budget(),
    };
    // Large values already listed: node -> index in `table.values`.
    let mut listed: HashMap<NodeId, usize> = HashMap::new();
    let mut children: Vec<(String, NodeId)> = Vec::new();
    let rebuilds = Rebuilds::new(graph);
    // One tensor per rebuild call is the common case; reserving avoids regrowing a large table.
    let calls = graph
        .objects()
        .iter()
        .filter(|o| rebuilds.is_rebuild(graph, o.callable))
        .count();
    table.tensors.reserve(calls.min(limits.max_tensors));
    while let Some(item) = work.pop() {
        let (id, path, depth, in_object) = match item {
            Work::Leave(id) => {
                if let Some(flag) = on_path.get_mut(id.index()) {
                    *flag = false;
                }
                continue;
            }
            Work::Visit {
                id,
                path,
                depth,
                in_object,
            } => (id, path, depth, in_object),
        };
        steps += 1;
        if steps > max_steps {
            return Err(ExtractError::LimitExceeded {
                what: LimitKind::WalkSteps,
                limit: max_steps,
                actual: steps,
                path,
            });
        }
        if depth > limits.max_nesting_depth {
            return Err(ExtractError::LimitExceeded {
                what: LimitKind::NestingDepth,
                limit: u64::from(limits.max_nesting_depth),
                actual: u64::from(depth),
                path,
            });
        }
        if on_path.get(id.index()).copied().unwrap_or(false) {
            if !in_object {
                table.values.push((path, Leaf::Other("<cycle>".to_owned())));
            }
            continue;
        }
        if rebuilds.is_tensor_call(graph, id) {
            let first = table.tensors.len();
            let kept = rebuilds.decode(graph, id, path, &mut table.tensors)?;
            for tensor in table.tensors.get(first..).unwrap_or(&[]) {
                table.materialised = table.materialised.saturating_add(tensor_bytes(tensor));
                budget.check(table.materialised, &tensor.path)?;
                let numel = tensor.numel().unwrap_or(u64::MAX);
                total_elements = total_elements.saturating_add(numel);
                if total_elements > limits.max_total_elements {
                    return Err(ExtractError::LimitExceeded {
                        what: LimitKind::TotalElements,
                        limit: limits.max_total_elements,
                        actual: total_elements,
                        path: tensor.path.clone(),
                    });
                }
            }
            if table.tensors.len() > limits.max_tensors {
                // The call's path: handed back, or taken by its one tensor.
                let path = kept.unwrap_or_else(|| {
                    table
                        .tensors
                        .get(first)
                        .map(|t| t.path.clone())
                        .unwrap_or_default()
                });
                return Err(ExtractError::LimitExceeded {
                    what: LimitKind::Tensors,
                    limit: limits.max_tensors as u64,
                    actual: table.tensors.len() as u64,
                    path,
                });
            }
            continue;
        }
        let seen = if listed.is_empty() {
            None
        } else {
            listed.get(&id).and_then(|&i| table.values.get(i))
        };
        if let Some(first) = seen {
            let leaf = Leaf::Shared(first.0.clone());
            table.materialised = table.materialised.saturating_add(value_bytes(&leaf));
            budget.check(table.materialised, &path)?;
            table.values.push((path, leaf));
            continue;
        }
        children.clear();
        let mut object_fields = false;
        if let Some(leaf) = classify(graph, id, containers, &mut children, &mut object_fields) {
            table.materialised = table.materialised.saturating_add(value_bytes(&leaf));
            budget.check(table.materialised, &path)?;
            if leaf_bytes(&leaf) >= SHARE_MIN_BYTES {
                listed.insert(id, table.values.len());
            }
            table.values.push((path, leaf));
            continue;
        }
        if let Some(flag) = on_path.get_mut(id.index()) {
            *flag = true;
        }
        work.push(Work::Leave(id));
        for (segment, child) in children.drain(..).rev() {
            let path = match style {
                PathStyle::Dotted if path.is_empty() => segment,
                PathStyle::Dotted => join(&path, &segment),
                PathStyle::Segments => push_segment(&path, &segment),
            };
            // Paths are counted when made: a long key shared by many children would otherwise
            // be copied once per child before any of them is listed.
            table.materialised = table.materialised.saturating_add(path.len() as u64);
            budget.check(table.materialised, &path)?;
            work.push(Work::Visit {
                id: child,
                path,
                depth: depth + 1,
                in_object: object_fields,
            });
        }
    }
    Ok(table)
}

/// The bound on [`ObjectTable::materialised`] ([`Parsed::materialise_budget`]).
struct Budget {
    limit: u64,
}

impl Budget {
    fn check(&self, materialised: u64, path: &str) -> Result<(), ExtractError> {
        if materialised <= self.limit {
            return Ok(());
        }
        Err(ExtractError::LimitExceeded {
            what: LimitKind::MaterialisedBytes,
            limit: self.limit,
            actual: materialised,
            path: truncated_path(path),
        })
    }
}

/// `path` cut to at most 200 bytes (at a character boundary) for an error message: the path
/// that broke a budget may itself be huge.
fn truncated_path(path: &str) -> String {
    const MAX: usize = 200;
    if path.len() <= MAX {
        return path.to_owned();
    }
    let mut end = MAX;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", path.get(..end).unwrap_or(""))
}

/// Bytes one listed value takes in memory besides its path (counted when it was made): its
/// entry and what its leaf holds.
fn value_bytes(leaf: &Leaf) -> u64 {
    std::mem::size_of::<(String, Leaf)>() as u64 + leaf_bytes(leaf)
}

/// Heap bytes a leaf holds.
fn leaf_bytes(leaf: &Leaf) -> u64 {
    match leaf {
        Leaf::None | Leaf::Bool(_) | Leaf::Int(_) | Leaf::Float(_) | Leaf::Complex(..) => 0,
        Leaf::Str(s)
        | Leaf::Device(s)
        | Leaf::BigInt(s)
        | Leaf::Global(s)
        | Leaf::Other(s)
        | Leaf::Shared(s) => s.len() as u64,
        Leaf::Bytes(b) => b.len() as u64,
        Leaf::Size(dims) => (dims.len() * std::mem::size_of::<i64>()) as u64,
        Leaf::Array(array) => {
            (array.dtype.len() + array.shape.len() * std::mem::size_of::<u64>() + array.data.len())
                as u64
        }
        Leaf::Tuple(items) | Leaf::Set(items) => items.iter().fold(0u64, |acc, item| {
            acc.saturating_add(std::mem::size_of::<Leaf>() as u64 + leaf_bytes(item))
        }),
    }
}

/// Bytes one tensor record takes in memory, its path included: sparse tensors name their
/// components with paths of their own (a plain tensor's path, also counted when it was made,
/// is counted twice: a small overcount, on the safe side).
fn tensor_bytes(tensor: &TensorRef) -> u64 {
    let storage = tensor.storage.as_ref().map_or(0, |s| {
        s.key.len() + s.location.len() + s.view.as_ref().map_or(0, |(k, _, _)| k.len())
    });
    (std::mem::size_of::<TensorRef>()
        + tensor.path.len()
        + storage
        + (tensor.shape.len() + tensor.stride.len()) * std::mem::size_of::<u64>()) as u64
}

/// A leaf value for `id`, or `None` after filling `children` with (segment, child) for a
/// container.
fn classify(
    graph: &Graph<'_>,
    id: NodeId,
    containers: &[String],
    children: &mut Vec<(String, NodeId)>,
    object_fields: &mut bool,
) -> Option<Leaf> {
    let indexed = |children: &mut Vec<(String, NodeId)>, items: &[NodeId]| {
        children.extend(items.iter().enumerate().map(|(i, &c)| (i.to_string(), c)));
    };
    let keyed = |children: &mut Vec<(String, NodeId)>, items: &[(NodeId, NodeId)]| {
        children.extend(items.iter().map(|&(k, v)| (segment(graph, k), v)));
    };
    match graph.node(id)? {
        Node::None => Some(Leaf::None),
        Node::Bool(b) => Some(Leaf::Bool(*b)),
        Node::Int(i) => Some(Leaf::Int(*i)),
        Node::BigIntDecimal(_) | Node::BigIntLe(_) => plain::big_int(graph, id).or_else(|| {
            Some(Leaf::Other(match graph.as_big_int(id)? {
                BigInt::Decimal(text) => format!("int {text}"),
                BigInt::LittleEndian(bytes) => format!("int of {} bytes", bytes.len()),
            }))
        }),
        Node::Float(f) => Some(Leaf::Float(*f)),
        Node::Str(_) | Node::StrOwned(_) => graph.as_str(id).map(|s| Leaf::Str(s.to_owned())),
        Node::Bytes(_) | Node::BytesOwned(_) => graph.as_bytes(id).map(|b| Leaf::Bytes(b.to_vec())),
        Node::ByteArray(_) => graph.as_bytearray(id).map(|b| Leaf::Bytes(b.to_vec())),
        Node::Tuple(seq) => {
            let items = graph.seq(*seq);
            if let Some(values) = plain_tuple(graph, items) {
                return Some(Leaf::Tuple(values));
            }
            indexed(children, items);
            None
        }
        Node::FrozenSet(seq) => {
            let items = graph.seq(*seq);
            if let Some(set) = plain::set(graph, items) {
                return Some(set);
            }
            indexed(children, items);
            None
        }
        Node::Set(_) => {
            let items = graph.as_list(id).unwrap_or(&[]);
            if let Some(set) = plain::set(graph, items) {
                return Some(set);
            }
            indexed(children, items);
            None
        }
        Node::List(_) => {
            indexed(children, graph.as_list(id).unwrap_or(&[]));
            None
        }
        Node::Dict(_) => {
            keyed(children, graph.as_dict(id).unwrap_or(&[]));
            None
        }
        Node::Global(_) => {
            let global = graph.global_of(id)?;
            Some(match global.names() {
                Some(("__builtin__", n)) => Leaf::Global(format!("builtins.{n}")),
                Some((m, n)) => Leaf::Global(format!("{m}.{n}")),
                None => Leaf::Other("global (unresolved)".to_owned()),
            })
        }
        Node::PersistentId { .. } => Some(Leaf::Other("persistent object".to_owned())),
        Node::Buffer { .. } => Some(Leaf::Other("out-of-band buffer".to_owned())),
        Node::Object(_) => {
            let object = graph.object_of(id)?;
            let allowed = graph
                .global_of(object.callable)
                .and_then(|g| containers.iter().find(|key| g.key_eq(key)));
            if let Some(key) = allowed {
                if let Some(leaf) = profiles::kind_of(key)
                    .and_then(|kind| plain::profile_value(graph, object, kind))
                {
                    return Some(leaf);
                }
                container_object(graph, object, children, indexed, keyed);
                *object_fields = true;
                return None;
            }
            classify_call(graph, object, children, indexed, keyed)
        }
    }
}

/// `path` (a JSON array of segments, or empty for the root) with `segment` appended.
fn push_segment(path: &str, segment: &str) -> String {
    let mut quoted = String::with_capacity(segment.len() + 2);
    quoted.push('"');
    for c in segment.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    match path.strip_suffix(']') {
        Some(open) => format!("{open}, {quoted}]"),
        None => format!("[{quoted}]"),
    }
}

/// The items of a small tuple of plain values (see [`Leaf::Tuple`]), or `None` when it is
/// empty, long, or holds anything else.
fn plain_tuple(graph: &Graph<'_>, items: &[NodeId]) -> Option<Vec<Leaf>> {
    if items.is_empty() || items.len() > MAX_TUPLE_VALUE {
        return None;
    }
    items
        .iter()
        .map(|&item| match graph.node(item)? {
            Node::None => Some(Leaf::None),
            Node::Bool(b) => Some(Leaf::Bool(*b)),
            Node::Int(i) => Some(Leaf::Int(*i)),
            Node::Float(f) => Some(Leaf::Float(*f)),
            Node::Str(_) | Node::StrOwned(_) => graph.as_str(item).map(|s| Leaf::Str(s.to_owned())),
            _ => None,
        })
        .collect()
}

/// The children of an object a user-allowed container global built (see
/// [`extract_with_containers`]): arguments by index, keyword arguments, BUILD state and
/// SETITEM/APPEND items by key; a state that is neither a dict nor a `(dict, slots)` pair is
/// kept under `__state__`.
fn container_object(
    graph: &Graph<'_>,
    object: &Object,
    children: &mut Vec<(String, NodeId)>,
    indexed: impl Fn(&mut Vec<(String, NodeId)>, &[NodeId]),
    keyed: impl Fn(&mut Vec<(String, NodeId)>, &[(NodeId, NodeId)]),
) {
    indexed(children, graph.as_tuple(object.args).unwrap_or(&[]));
    if let Some(kwargs) = object.kwargs().and_then(|k| graph.as_dict(k)) {
        keyed(children, kwargs);
    }
    let mutations = graph.mutations(object);
    for &state in &mutations.states {
        let parts: &[NodeId] = match graph.as_tuple(state) {
            Some(pair @ [_, _]) => pair,
            _ => std::slice::from_ref(&state),
        };
        for &part in parts {
            match graph.node(part) {
                Some(Node::None) => {}
                _ => match graph.as_dict(part) {
                    Some(items) => keyed(children, items),
                    None => children.push(("__state__".to_owned(), part)),
                },
            }
        }
    }
    keyed(children, &mutations.items);
    indexed(children, &mutations.appended);
}

/// Known non-tensor calls: containers (`OrderedDict`, `Counter`, `set`) and values (`Size`,
/// `device`, `_codecs.encode`, `bytearray`, `complex`).
fn classify_call(
    graph: &Graph<'_>,
    object: &Object,
    children: &mut Vec<(String, NodeId)>,
    indexed: impl Fn(&mut Vec<(String, NodeId)>, &[NodeId]),
    keyed: impl Fn(&mut Vec<(String, NodeId)>, &[(NodeId, NodeId)]),
) -> Option<Leaf> {
    let Some(global) = graph.global_of(object.callable) else {
        return Some(Leaf::Other("call of a non-global".to_owned()));
    };
    let args = graph.as_tuple(object.args).unwrap_or(&[]);
    let first = args.first().copied();
    if global.key_eq("collections.OrderedDict") || global.key_eq("collections.Counter") {
        // Items come from SETITEMS after the call, or (protocol 0/1) from a list of pairs.
        if let Some(pairs) = first.and_then(|f| graph.as_list(f)) {
            for &pair in pairs {
                if let Some([k, v]) = graph.as_tuple(pair).or_else(|| graph.as_list(pair)) {
                    children.push((segment(graph, *k), *v));
                }
            }
        }
        keyed(children, &graph.mutations(object).items);
        return None;
    }
    if is_builtin(global, "set") || is_builtin(global, "frozenset") {
        let items = first.map_or(Some(&[][..]), |f| {
            graph.as_list(f).or_else(|| graph.as_tuple(f))
        });
        if let Some(items) = items {
            if let Some(set) = plain::set(graph, items) {
                return Some(set);
            }
            indexed(children, items);
        }
        return None;
    }
    if global.key_eq("torch.Size") {
        let dims = first.and_then(|f| graph.as_tuple(f))?;
        let values: Option<Vec<i64>> = dims.iter().map(|d| graph.as_int(*d)).collect();
        return Some(values.map_or_else(
            || Leaf::Other("torch.Size of non-integers".to_owned()),
            Leaf::Size,
        ));
    }
    if global.key_eq("torch.device") {
        let kind = first.and_then(|f| graph.as_str(f)).unwrap_or("?");
        return Some(Leaf::Device(
            match args.get(1).and_then(|i| graph.as_int(*i)) {
                Some(index) => format!("{kind}:{index}"),
                None => kind.to_owned(),
            },
        ));
    }
    if global.key_eq("_codecs.encode") || is_builtin(global, "bytearray") {
        let Some(first) = first else {
            return Some(Leaf::Bytes(Vec::new()));
        };
        if let Some(text) = graph.as_str(first) {
            return Some(
                latin1(text)
                    .map_or_else(|| Leaf::Other("non-latin-1 text".to_owned()), Leaf::Bytes),
            );
        }
        // bytearray(b'..') under protocol 2 spells its bytes as `_codecs.encode(...)`.
        return Some(plain::bytes_of(graph, first).map_or_else(
            || Leaf::Other("bytes from a non-string".to_owned()),
            Leaf::Bytes,
        ));
    }
    if is_builtin(global, "complex") {
        let part = |i: usize| match args.get(i).and_then(|a| graph.node(*a)) {
            Some(Node::Float(f)) => Some(*f),
            #[allow(clippy::cast_precision_loss)] // Python's complex() converts ints the same way
            Some(Node::Int(i)) => Some(*i as f64),
            None => Some(0.0),
            _ => None,
        };
        return Some(match (part(0), part(1)) {
            (Some(re), Some(im)) => Leaf::Complex(re, im),
            _ => Leaf::Other("complex of non-numbers".to_owned()),
        });
    }
    Some(Leaf::Other(match global.names() {
        Some((m, n)) => format!("call {m}.{n}"),
        None => "call of an unresolved global".to_owned(),
    }))
}

/// Whether `global` is `builtins.name`, also as protocol 2 spells it (`__builtin__.name`,
/// which torch maps through `_compat_pickle` like `pickle` does).
fn is_builtin(global: &GlobalRef<'_>, name: &str) -> bool {
    global
        .names()
        .is_some_and(|(m, n)| n == name && (m == "builtins" || m == "__builtin__"))
}

/// `str.encode('latin-1')`: `None` when a character is above U+00FF.
fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// The path segment for a dict key.
fn segment(graph: &Graph<'_>, key: NodeId) -> String {
    if let Some(text) = graph.as_str(key) {
        return text.to_owned();
    }
    match graph.node(key) {
        Some(Node::Int(i)) => i.to_string(),
        Some(Node::Bool(b)) => if *b { "True" } else { "False" }.to_owned(),
        Some(Node::None) => "None".to_owned(),
        Some(Node::Float(f)) => f.to_string(),
        Some(Node::Bytes(_) | Node::BytesOwned(_)) => {
            String::from_utf8_lossy(graph.as_bytes(key).unwrap_or(&[])).into_owned()
        }
        Some(Node::Tuple(seq)) => {
            let parts: Vec<String> = graph
                .seq(*seq)
                .iter()
                .take(16)
                .map(|k| segment_flat(graph, *k))
                .collect();
            format!("({})", parts.join(","))
        }
        _ => format!("<{}>", graph.py_type(key)),
    }
}

/// A key inside a tuple key, without recursing further.
fn segment_flat(graph: &Graph<'_>, key: NodeId) -> String {
    if let Some(text) = graph.as_str(key) {
        return text.to_owned();
    }
    match graph.node(key) {
        Some(Node::Int(i)) => i.to_string(),
        _ => format!("<{}>", graph.py_type(key)),
    }
}
