//! A comparable tree view of a parsed graph for tests: normalises the protocol-specific
//! encodings (`_codecs.encode`, `builtins.set` ...) so every protocol yields the same value.

use tw_pickle::{BigInt, Graph, Node, NodeId};

/// A plain value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<V>),
    List(Vec<V>),
    Dict(Vec<(V, V)>),
    Set(Vec<V>),
    Global(String),
    Call(String, Vec<V>),
    Other(String),
}

fn le_to_i128(bytes: &[u8]) -> V {
    if bytes.len() > 16 {
        return V::Other(format!("int of {} bytes", bytes.len()));
    }
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if negative { [0xffu8; 16] } else { [0u8; 16] };
    buf[..bytes.len()].copy_from_slice(bytes);
    V::Int(i128::from_le_bytes(buf))
}

fn sorted_set(mut items: Vec<V>) -> V {
    items.sort_by_key(|v| format!("{v:?}"));
    V::Set(items)
}

/// Converts the node `id` (depth-limited) into a [`V`].
pub fn to_value(graph: &Graph<'_>, id: NodeId) -> V {
    convert(graph, id, 0)
}

fn convert(graph: &Graph<'_>, id: NodeId, depth: u32) -> V {
    if depth > 64 {
        return V::Other("deep".into());
    }
    let d = depth + 1;
    let all = |ids: &[NodeId]| {
        ids.iter()
            .map(|c| convert(graph, *c, d))
            .collect::<Vec<_>>()
    };
    match graph.node(id).expect("node exists") {
        Node::None => V::None,
        Node::Bool(b) => V::Bool(*b),
        Node::Int(i) => V::Int(i128::from(*i)),
        Node::BigIntLe(_) | Node::BigIntDecimal(_) => match graph.as_big_int(id).unwrap() {
            BigInt::LittleEndian(b) => le_to_i128(b),
            BigInt::Decimal(s) => s.parse().map_or_else(|_| V::Other(s.to_string()), V::Int),
        },
        Node::Float(f) => V::Float(*f),
        Node::Str(_) | Node::StrOwned(_) => V::Str(graph.as_str(id).unwrap().to_owned()),
        Node::Bytes(_) | Node::BytesOwned(_) => V::Bytes(graph.as_bytes(id).unwrap().to_vec()),
        Node::ByteArray(_) => V::Bytes(graph.as_bytearray(id).unwrap().to_vec()),
        Node::Tuple(s) => V::Tuple(all(graph.seq(*s))),
        Node::FrozenSet(s) => sorted_set(all(graph.seq(*s))),
        Node::List(_) => V::List(all(graph.as_list(id).unwrap())),
        Node::Set(_) => sorted_set(all(graph.as_list(id).unwrap())),
        Node::Dict(_) => V::Dict(
            graph
                .as_dict(id)
                .unwrap()
                .iter()
                .map(|(k, v)| (convert(graph, *k, d), convert(graph, *v, d)))
                .collect(),
        ),
        Node::Global(_) => {
            let g = graph.global_of(id).unwrap();
            match g.names() {
                Some((m, n)) => V::Global(format!("{m}.{n}")),
                None => V::Other("unresolved global".into()),
            }
        }
        Node::PersistentId { pid, .. } => {
            V::Call("persistent".into(), vec![convert(graph, *pid, d)])
        }
        Node::Buffer { index, readonly } => V::Other(format!("buffer {index} {readonly}")),
        Node::Object(_) => {
            let object = graph.object_of(id).unwrap();
            let name = match convert(graph, object.callable, d) {
                V::Global(name) => name,
                other => format!("{other:?}"),
            };
            let args = match convert(graph, object.args, d) {
                V::Tuple(items) => items,
                other => vec![other],
            };
            let normalised = match (name.as_str(), args.as_slice()) {
                ("_codecs.encode", [V::Str(s), V::Str(_)]) => Some(V::Bytes(
                    s.chars()
                        .map(|c| u8::try_from(u32::from(c)).unwrap())
                        .collect(),
                )),
                ("builtins.bytes" | "__builtin__.bytes", []) => Some(V::Bytes(Vec::new())),
                ("builtins.bytearray" | "__builtin__.bytearray", [V::Bytes(b)]) => {
                    Some(V::Bytes(b.clone()))
                }
                ("builtins.bytearray" | "__builtin__.bytearray", [V::Str(s), V::Str(_)]) => {
                    Some(V::Bytes(
                        s.chars()
                            .map(|c| u8::try_from(u32::from(c)).unwrap())
                            .collect(),
                    ))
                }
                (
                    "builtins.set"
                    | "builtins.frozenset"
                    | "__builtin__.set"
                    | "__builtin__.frozenset",
                    [V::List(items)],
                ) => Some(sorted_set(items.clone())),
                _ => None,
            };
            if let Some(value) = normalised {
                return value;
            }
            let mut parts = args;
            parts.extend(
                graph
                    .mutations(object)
                    .items
                    .iter()
                    .map(|(k, v)| V::Tuple(vec![convert(graph, *k, d), convert(graph, *v, d)])),
            );
            V::Call(name, parts)
        }
    }
}
