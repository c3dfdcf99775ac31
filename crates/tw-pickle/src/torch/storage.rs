//! Storage persistent ids (`torch/serialization.py` `persistent_id`/`persistent_load`): the zip
//! 5-tuple and the legacy 6-tuple decoded into a [`StorageRef`], every field type-checked.

use crate::graph::{Graph, Node, NodeId};
use crate::torch::dtype::DType;
use crate::torch::error::ExtractError;
use crate::torch::StorageRef;

/// Decodes the storage behind a [`Node::PersistentId`] node.
pub(crate) fn storage_ref(
    graph: &Graph<'_>,
    id: NodeId,
    path: &str,
) -> Result<StorageRef, ExtractError> {
    let Some(Node::PersistentId { pid, offset }) = graph.node(id) else {
        return Err(ExtractError::BadStorage {
            path: path.to_owned(),
            reason: "the storage argument is not a persistent id",
            offset: 0,
        });
    };
    let offset = *offset;
    let bad = |reason: &'static str| ExtractError::BadStorage {
        path: path.to_owned(),
        reason,
        offset,
    };
    let items = graph.as_tuple(*pid).ok_or_else(|| bad("not a tuple"))?;
    if items.len() != 5 && items.len() != 6 {
        return Err(bad("expected 5 (zip) or 6 (legacy) items"));
    }
    let item = |i: usize| items.get(i).copied().ok_or_else(|| bad("missing item"));
    let first = item(0)?;
    let is_storage =
        graph.as_str(first) == Some("storage") || graph.as_bytes(first) == Some(b"storage");
    if !is_storage {
        return Err(bad("first item is not 'storage'"));
    }
    let global = graph
        .global_of(item(1)?)
        .ok_or_else(|| bad("storage type is not a global"))?;
    let (module, name) = global
        .names()
        .ok_or_else(|| bad("storage type is not named"))?;
    let dtype = storage_dtype(module, name).ok_or_else(|| ExtractError::UnknownDType {
        path: path.to_owned(),
        name: format!("{module}.{name}"),
        offset,
    })?;
    let key = key_text(graph, item(2)?).ok_or_else(|| bad("key is not a string"))?;
    let location = graph
        .as_str(item(3)?)
        .ok_or_else(|| bad("location is not a string"))?;
    let numel = graph
        .as_int(item(4)?)
        .ok_or_else(|| bad("numel is not an integer"))?;
    let numel = u64::try_from(numel).map_err(|_| ExtractError::Negative {
        path: path.to_owned(),
        what: "storage numel",
        value: numel,
        offset,
    })?;
    let view = match items.get(5) {
        None => None,
        Some(&v) if matches!(graph.node(v), Some(Node::None)) => None,
        Some(&v) => {
            let parts = graph
                .as_tuple(v)
                .ok_or_else(|| bad("view metadata is not a tuple"))?;
            let [view_key, view_offset, view_size] = parts else {
                return Err(bad("view metadata is not (key, offset, size)"));
            };
            let view_key =
                key_text(graph, *view_key).ok_or_else(|| bad("view key is not a string"))?;
            let number = |id: NodeId| {
                graph
                    .as_int(id)
                    .and_then(|i| u64::try_from(i).ok())
                    .ok_or_else(|| bad("view offset/size is not a non-negative integer"))
            };
            Some((view_key, number(*view_offset)?, number(*view_size)?))
        }
    };
    Ok(StorageRef {
        key,
        dtype,
        numel,
        location: location.to_owned(),
        view,
        offset,
    })
}

/// Storage keys are strings; very old checkpoints used integers.
fn key_text(graph: &Graph<'_>, id: NodeId) -> Option<String> {
    if let Some(text) = graph.as_str(id) {
        return Some(text.to_owned());
    }
    graph.as_int(id).map(|i| i.to_string())
}

/// The dtype of a storage class global: legacy typed classes carry it, `UntypedStorage` is
/// bytes (`torch/serialization.py:_load`).
pub(crate) fn storage_dtype(module: &str, name: &str) -> Option<DType> {
    // torch joins module and name (research §2.4): `torch` + `cuda.FloatStorage` is the same
    // class as `torch.cuda` + `FloatStorage`.
    let class = match module {
        "torch" => name
            .strip_prefix("cuda.")
            .or_else(|| name.strip_prefix("storage."))
            .unwrap_or(name),
        "torch.cuda" | "torch.storage" => name,
        _ => return None,
    };
    if class == "UntypedStorage" {
        return Some(DType::U8);
    }
    DType::from_storage_class(class)
}
