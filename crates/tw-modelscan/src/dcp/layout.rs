//! The layout of a DCP checkpoint as `convert` needs it: every tensor of
//! `state_dict_metadata` (fully qualified name, dtype, full size, chunks with their offsets and
//! sizes) and every non-tensor (`BytesStorageMetadata`) item, each joined to the `_StorageInfo`
//! that `storage_data` records for it under its `MetadataIndex` (fqn and chunk offsets, as
//! torch's `MetadataIndex` compares; the `index` hint is ignored as torch ignores it). Read
//! from the screened `.metadata` graph only: nothing is constructed.
use std::collections::HashMap;
use std::path::Path;

use tw_pickle::torch::DType;
use tw_pickle::{Graph, NodeId, Parsed};

use super::{field, metadata_options, screened_metadata, size_of, state_dict, METADATA};
use crate::inspect::InspectError;
use crate::ScanOptions;

/// Where DCP stored one item (`torch.distributed.checkpoint.filesystem._StorageInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// The data file, relative to the checkpoint directory, as recorded.
    pub file: String,
    /// Byte offset of the item in that file.
    pub offset: u64,
    /// Length of the item in bytes.
    pub length: u64,
    /// Whether the item went through storage transforms (`transform_descriptors`, e.g.
    /// compression): its bytes are then not a plain `torch.save` archive.
    pub transformed: bool,
}

/// One chunk of a tensor: a box of the full tensor, stored as its own `torch.save` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    /// Where the chunk starts in each dimension of the full tensor.
    pub offsets: Vec<u64>,
    /// The chunk's size in each dimension.
    pub sizes: Vec<u64>,
    /// Where its bytes are.
    pub item: StoredItem,
}

/// One tensor of the checkpoint, as `state_dict_metadata` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTensor {
    /// Fully qualified (flattened) name, e.g. `model.layers.0.weight`.
    pub fqn: String,
    /// The dtype of the full tensor.
    pub dtype: DType,
    /// The full tensor's size.
    pub size: Vec<u64>,
    /// Its chunks, in the order the metadata lists them.
    pub chunks: Vec<StoredChunk>,
}

/// What a DCP checkpoint holds and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Tensors, in the order the metadata lists them.
    pub tensors: Vec<StoredTensor>,
    /// Non-tensor items (each a `torch.save` of one value) by fully qualified name.
    pub values: Vec<(String, StoredItem)>,
}

/// Reads the layout of the DCP directory `dir`. `.metadata` is screened first (a payload there
/// is refused with its findings, TW101); a metadata that does not have DCP's shape, or that
/// names an item `storage_data` does not place, is unreadable with a message naming it.
pub fn layout(dir: &Path, options: &ScanOptions) -> Result<Layout, InspectError> {
    let bytes = screened_metadata(dir, options)?;
    let parsed = tw_pickle::parse(&bytes, &metadata_options(options).pickle);
    layout_of(&parsed).map_err(|message| InspectError::Unreadable {
        message: format!("{}: {message}", dir.join(METADATA).display()),
    })
}

/// The storage key of an item: its fqn and, for a tensor chunk, the chunk's offsets.
type Key = (String, Option<Vec<u64>>);

/// [`layout`] on the parsed metadata.
fn layout_of(parsed: &Parsed<'_>) -> Result<Layout, String> {
    let shape = || "the metadata does not have the shape DCP writes".to_owned();
    let graph = &parsed.graph;
    let root = parsed
        .root
        .and_then(|r| graph.object_of(r))
        .ok_or_else(shape)?;
    let state = state_dict(graph, root).ok_or_else(shape)?;
    let storage = storage_data(graph, state)?;
    let entries = field(graph, state, "state_dict_metadata")
        .and_then(|d| graph.as_dict(d))
        .ok_or_else(shape)?;
    let mut layout = Layout::default();
    for &(key, value) in entries {
        let fqn = graph
            .as_str(key)
            .ok_or_else(|| "a state_dict_metadata key is not a string".to_owned())?;
        let object = graph
            .object_of(value)
            .ok_or_else(|| format!("`{fqn}`: its metadata is not a DCP metadata object"))?;
        let class = graph.global_of(object.callable).and_then(|g| g.names());
        match class {
            Some(("torch.distributed.checkpoint.metadata", "TensorStorageMetadata")) => {
                layout
                    .tensors
                    .push(tensor_of(graph, fqn, object, &storage)?);
            }
            Some(("torch.distributed.checkpoint.metadata", "BytesStorageMetadata")) => {
                let item = storage
                    .get(&(fqn.to_owned(), None))
                    .cloned()
                    .ok_or_else(|| format!("`{fqn}`: storage_data does not place it"))?;
                layout.values.push((fqn.to_owned(), item));
            }
            _ => {
                return Err(format!(
                    "`{fqn}`: its metadata is not a DCP metadata object"
                ))
            }
        }
    }
    Ok(layout)
}

/// One `TensorStorageMetadata` with its chunks placed.
fn tensor_of(
    graph: &Graph<'_>,
    fqn: &str,
    object: &tw_pickle::Object,
    storage: &HashMap<Key, StoredItem>,
) -> Result<StoredTensor, String> {
    let bad = |what: &str| format!("`{fqn}`: {what}");
    let fields = state_dict(graph, object).ok_or_else(|| bad("no fields"))?;
    let properties = field(graph, fields, "properties")
        .and_then(|p| graph.object_of(p))
        .and_then(|p| graph.mutations(p).states.last().copied())
        .and_then(|s| graph.as_tuple(s))
        .ok_or_else(|| bad("no tensor properties"))?;
    let dtype = properties
        .first()
        .and_then(|&d| graph.global_of(d))
        .and_then(|g| g.names())
        .and_then(|(module, name)| (module == "torch").then_some(name))
        .and_then(|name| {
            tw_pickle::torch::DTYPES
                .iter()
                .find(|d| d.torch_name == name)
                .map(|d| d.dtype)
        })
        .ok_or_else(|| bad("its dtype is not a torch dtype"))?;
    let size = field(graph, fields, "size")
        .and_then(|s| size_of(graph, s))
        .ok_or_else(|| bad("its size is not a torch.Size"))?;
    let list = field(graph, fields, "chunks")
        .and_then(|c| graph.as_list(c))
        .ok_or_else(|| bad("no chunk list"))?;
    let mut chunks = Vec::with_capacity(list.len());
    for &chunk in list {
        let chunk_fields = graph
            .object_of(chunk)
            .and_then(|c| state_dict(graph, c))
            .ok_or_else(|| bad("a chunk is not a ChunkStorageMetadata"))?;
        let offsets = field(graph, chunk_fields, "offsets")
            .and_then(|o| size_of(graph, o))
            .ok_or_else(|| bad("a chunk has no offsets"))?;
        let sizes = field(graph, chunk_fields, "sizes")
            .and_then(|o| size_of(graph, o))
            .ok_or_else(|| bad("a chunk has no sizes"))?;
        let item = storage
            .get(&(fqn.to_owned(), Some(offsets.clone())))
            .cloned()
            .ok_or_else(|| {
                bad(&format!(
                    "storage_data does not place its chunk at {offsets:?}"
                ))
            })?;
        chunks.push(StoredChunk {
            offsets,
            sizes,
            item,
        });
    }
    Ok(StoredTensor {
        fqn: fqn.to_owned(),
        dtype,
        size,
        chunks,
    })
}

/// `storage_data`: every `MetadataIndex` key with the `_StorageInfo` it maps to.
fn storage_data(graph: &Graph<'_>, state: NodeId) -> Result<HashMap<Key, StoredItem>, String> {
    let entries = field(graph, state, "storage_data")
        .and_then(|d| graph.as_dict(d))
        .ok_or_else(|| "the metadata has no storage_data".to_owned())?;
    let mut map = HashMap::with_capacity(entries.len());
    for &(key, value) in entries {
        let index = graph
            .object_of(key)
            .and_then(|k| state_dict(graph, k))
            .ok_or_else(|| "a storage_data key is not a MetadataIndex".to_owned())?;
        let fqn = field(graph, index, "fqn")
            .and_then(|f| graph.as_str(f))
            .ok_or_else(|| "a MetadataIndex has no fqn".to_owned())?;
        // `offset` is absent or None for non-tensor items.
        let offset = match field(graph, index, "offset") {
            Some(o) if graph.object_of(o).is_some() => Some(
                size_of(graph, o)
                    .ok_or_else(|| format!("`{fqn}`: its MetadataIndex offset is not a Size"))?,
            ),
            _ => None,
        };
        let info = graph
            .object_of(value)
            .and_then(|v| state_dict(graph, v))
            .ok_or_else(|| format!("`{fqn}`: its storage is not a _StorageInfo"))?;
        let int = |name: &str| {
            field(graph, info, name)
                .and_then(|v| graph.as_int(v))
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| format!("`{fqn}`: its _StorageInfo has no {name}"))
        };
        let file = field(graph, info, "relative_path")
            .and_then(|v| graph.as_str(v))
            .ok_or_else(|| format!("`{fqn}`: its _StorageInfo has no relative_path"))?;
        let transformed = field(graph, info, "transform_descriptors").is_some_and(|t| {
            !matches!(graph.node(t), Some(tw_pickle::Node::None))
                && graph.as_list(t).is_none_or(|l| !l.is_empty())
                && graph.as_tuple(t).is_none_or(|l| !l.is_empty())
        });
        let item = StoredItem {
            file: file.to_owned(),
            offset: int("offset")?,
            length: int("length")?,
            transformed,
        };
        if map.insert((fqn.to_owned(), offset), item).is_some() {
            return Err(format!("`{fqn}`: storage_data places one item twice"));
        }
    }
    Ok(map)
}
