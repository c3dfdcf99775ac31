//! torch.distributed.checkpoint (DCP) directories: `.metadata` beside `*.distcp` files is one
//! checkpoint. torch reads `.metadata` with a plain `pickle.load` (pytorch/pytorch #189308), so
//! it is analysed with DCP's metadata classes allowed as data (profile `dcp`) and any other
//! global is reported as usual (a payload there is TW101); torch's weights-only opcode set does
//! not apply to it (no TW114). Each `.distcp` file is a concatenation of items, each one
//! `torch.save` archive at the offset and length `.metadata` records (`_StorageInfo`): every
//! item is analysed as its own file, so the concatenation itself is not a zip ambiguity.
use std::path::Path;

use tw_pickle::{GlobalTarget, Parsed};

use crate::analyse::{analyse_part, FileOutcome};
use crate::rules::weights_only_incompatible;
use crate::{analyse_bytes, ScanOptions};

/// The metadata file DCP writes.
const METADATA: &str = ".metadata";
/// The extension of DCP's data files.
const DATA_EXTENSION: &str = "distcp";
/// Largest `.metadata` read for its item list or tensor listing (a scan of `.metadata` itself
/// maps it, as any file).
const MAX_METADATA_BYTES: u64 = 256 << 20;

/// One item of a `.distcp` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    /// Byte offset in the file.
    pub(crate) offset: u64,
    /// Length in bytes.
    pub(crate) length: u64,
}

fn has_data_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            Path::new(&e.file_name())
                .extension()
                .is_some_and(|x| x == DATA_EXTENSION)
        })
    })
}

/// Whether `path` is the `.metadata` of a DCP directory.
pub(crate) fn is_metadata(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == METADATA) && path.parent().is_some_and(has_data_files)
}

/// The options `.metadata` is analysed with: `options` plus DCP's metadata classes.
fn metadata_options(options: &ScanOptions) -> ScanOptions {
    let mut options = options.clone();
    // "dcp" is a profile of tw-pickle (tested): this cannot fail.
    let _ = options.profile("dcp");
    options
}

/// The items `.metadata` (its bytes `metadata`) records for the data file named `file`, in
/// offset order, or why the metadata gives no item list: it does not parse, or records an
/// offset or length that is not a byte count (`Some(reason)`), or it imports a class DCP does
/// not write (`None`: the metadata's own findings say so, and it is not read further).
pub(crate) fn items_of(
    metadata: &[u8],
    file: &str,
    options: &ScanOptions,
) -> Result<Vec<Item>, Option<String>> {
    let parsed = tw_pickle::parse(metadata, &metadata_options(options).pickle);
    if let Some(error) = &parsed.error {
        return Err(Some(format!("it is not a readable pickle ({error})")));
    }
    if has_foreign_globals(&parsed, options) {
        return Err(None);
    }
    let graph = &parsed.graph;
    let mut items = Vec::new();
    for object in graph.objects() {
        let is_info = graph
            .global_of(object.callable)
            .is_some_and(|g| g.key_eq("torch.distributed.checkpoint.filesystem._StorageInfo"));
        if !is_info {
            continue;
        }
        let at = object.offset;
        let shape = || format!("the `_StorageInfo` at pickle offset {at} is not in DCP's shape");
        let state = graph
            .mutations(object)
            .states
            .last()
            .copied()
            .ok_or_else(|| Some(shape()))?;
        let fields = graph.as_dict(state).ok_or_else(|| Some(shape()))?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| graph.as_str(*k) == Some(name))
                .map(|(_, v)| *v)
        };
        let path = field("relative_path")
            .and_then(|v| graph.as_str(v))
            .ok_or_else(|| Some(shape()))?;
        let count = |name: &str| {
            field(name)
                .and_then(|v| graph.as_int(v))
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| {
                    Some(format!(
                        "the `_StorageInfo` at pickle offset {at} has no `{name}` that is a byte count (an integer from 0 to 2^63-1)"
                    ))
                })
        };
        let (offset, length) = (count("offset")?, count("length")?);
        if path == file {
            items.push(Item { offset, length });
        }
    }
    items.sort_by_key(|i| i.offset);
    Ok(items)
}

/// Why `items` do not tile a data file of `len` bytes exactly (an item past its end,
/// overlapping another, or a gap), or `None` when they do.
fn tiling_problem(items: &[Item], len: u64) -> Option<String> {
    let mut end = 0u64;
    for item in items {
        if item.offset < end {
            return Some(format!(
                "the item at offset {} overlaps the one before it (which ends at {end})",
                item.offset
            ));
        }
        let Some(stop) = item.offset.checked_add(item.length).filter(|&s| s <= len) else {
            return Some(format!(
                "the item at offset {} of {} bytes runs past the end of the file ({len} bytes)",
                item.offset, item.length
            ));
        };
        if item.offset > end {
            return Some(format!("bytes {end}..{} belong to no item", item.offset));
        }
        end = stop;
    }
    (end != len).then(|| format!("bytes {end}..{len} belong to no item"))
}

/// Whether the metadata imports anything outside torch's allowlist and the `dcp` profile.
fn has_foreign_globals(parsed: &Parsed<'_>, options: &ScanOptions) -> bool {
    let allow = &metadata_options(options).pickle.allowlist;
    parsed.graph.globals().iter().any(|g| match &g.target {
        GlobalTarget::Named { module, name } => !allow.contains(module, name),
        _ => true,
    })
}

/// Analyses one file of a scan, as a DCP part when it is one: `.metadata` with the `dcp`
/// profile, a `.distcp` file item by item; anything else (or a `.distcp` whose metadata cannot
/// be read as plain DCP metadata) as [`analyse_bytes`] does.
pub(crate) fn analyse_file(
    path: &Path,
    display: &str,
    data: &[u8],
    options: &ScanOptions,
) -> FileOutcome {
    if is_metadata(path) {
        let mut outcome = analyse_bytes(display, data, &metadata_options(options));
        outcome
            .findings
            .retain(|f| f.rule != weights_only_incompatible::RULE.id);
        if outcome.format == Some(tw_checkpoint::Format::Unknown) && outcome.errors.is_empty() {
            outcome.error(
                display,
                None,
                None,
                "not a pickle: DCP's `.metadata` is a pickled `Metadata` object".to_owned(),
            );
        }
        return outcome;
    }
    if path.extension().is_some_and(|x| x == DATA_EXTENSION) {
        let problem = match items_for(path, options) {
            Ok(None) => None, // no `.metadata`: not part of a DCP directory
            Ok(Some(items)) => match tiling_problem(&items, data.len() as u64) {
                None => match analyse_items(display, data, &items, options) {
                    Some(outcome) => return outcome,
                    None => Some("its items cannot be addressed".to_owned()),
                },
                problem => problem,
            },
            Err(reason) => reason,
        };
        let mut outcome = analyse_bytes(display, data, options);
        if let Some(problem) = problem {
            outcome.error(
                display,
                None,
                None,
                format!(
                    "the directory's `{METADATA}` does not say where this file's items are ({problem}); analysed as one file"
                ),
            );
        }
        return outcome;
    }
    analyse_bytes(display, data, options)
}

/// The items the sibling `.metadata` records for the data file `path`: `Ok(None)` when there
/// is no `.metadata`, an error saying why when it cannot be read as DCP metadata (as
/// [`items_of`]).
fn items_for(path: &Path, options: &ScanOptions) -> Result<Option<Vec<Item>>, Option<String>> {
    let Some(metadata) = path.parent().map(|dir| dir.join(METADATA)) else {
        return Ok(None);
    };
    let bytes = match tw_fs::read_bounded(&metadata, MAX_METADATA_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(tw_fs::Error::TooLarge { limit, actual, .. }) => {
            return Err(Some(format!(
                "it is {actual} bytes, more than the {limit} a `{METADATA}` may have"
            )))
        }
        Err(e) => return Err(Some(e.to_string())),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    items_of(&bytes, name, options).map(Some)
}

/// Each item (which [`tiling_problem`] found to tile the file) analysed as its own file;
/// `None` only when an item cannot be addressed in memory.
fn analyse_items(
    display: &str,
    data: &[u8],
    items: &[Item],
    options: &ScanOptions,
) -> Option<FileOutcome> {
    let mut outcome = FileOutcome {
        format: Some(tw_checkpoint::Format::TorchZip),
        ..FileOutcome::default()
    };
    for item in items {
        let start = usize::try_from(item.offset).ok()?;
        let stop = start.checked_add(usize::try_from(item.length).ok()?)?;
        analyse_part(
            display,
            &format!("item at offset {start}"),
            data.get(start..stop)?,
            options,
            &mut outcome,
        );
    }
    Some(outcome)
}

/// One tensor chunk a DCP `.metadata` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    fqn: String,
    dtype: &'static str,
    element_size: u64,
    requires_grad: bool,
    offsets: Vec<u64>,
    sizes: Vec<u64>,
}

/// Lists a DCP directory (`dir` holds `.metadata` and `*.distcp`): every tensor chunk by its
/// fully qualified name, with dtype, chunk shape, offsets in the full tensor, and the data file
/// and byte range holding it. `.metadata` is screened first, as `inspect` screens any file.
pub fn inspect_dir(
    dir: &Path,
    options: &ScanOptions,
) -> Result<crate::inspect::Inspection, crate::inspect::InspectError> {
    use crate::inspect::{InspectError, Inspection};
    let path = dir.join(METADATA);
    let display = path.display().to_string();
    let unreadable = |message: String| InspectError::Unreadable {
        message: format!("{display}: {message}"),
    };
    if !is_metadata(&path) {
        return Err(unreadable(
            "not a torch.distributed.checkpoint directory (.metadata beside *.distcp files)"
                .to_owned(),
        ));
    }
    let bytes = tw_fs::read_bounded(&path, MAX_METADATA_BYTES).map_err(|e| match e {
        tw_fs::Error::TooLarge { limit, actual, .. } => unreadable(format!(
            "it is {actual} bytes, more than the {limit} a `{METADATA}` may have"
        )),
        other => unreadable(other.to_string()),
    })?;
    let outcome = analyse_file(&path, &display, &bytes, options);
    let refusing: Vec<_> = outcome
        .findings
        .into_iter()
        .filter(|f| f.severity >= tw_diagnostics::Severity::Low)
        .collect();
    if !refusing.is_empty() {
        return Err(InspectError::Refused { findings: refusing });
    }
    if let Some(err) = outcome.errors.first() {
        return Err(unreadable(err.message.clone()));
    }
    let parsed = tw_pickle::parse(&bytes, &metadata_options(options).pickle);
    let chunks = chunks_of(&parsed)
        .ok_or_else(|| unreadable("the metadata does not have the shape DCP writes".to_owned()))?;
    let mut inspection = Inspection {
        path: dir.display().to_string(),
        format: "dcp",
        facts: vec![("chunks".to_owned(), chunks.len().to_string())],
        tensors: Vec::new(),
        values: Vec::new(),
        notes: Vec::new(),
    };
    for chunk in chunks {
        let mut stride = vec![1u64; chunk.sizes.len()];
        for i in (0..chunk.sizes.len().saturating_sub(1)).rev() {
            let next = stride.get(i + 1).copied().unwrap_or(1);
            let size = chunk.sizes.get(i + 1).copied().unwrap_or(1);
            if let Some(s) = stride.get_mut(i) {
                *s = next.saturating_mul(size);
            }
        }
        let numel = chunk.sizes.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        let offsets: Vec<String> = chunk.offsets.iter().map(u64::to_string).collect();
        inspection.tensors.push(tw_checkpoint::TensorInfo {
            name: chunk.fqn,
            dtype: chunk.dtype,
            shape: chunk.sizes,
            stride,
            storage_key: Some(format!("chunk at [{}]", offsets.join(", "))),
            storage_offset: 0,
            file_offset: None,
            bytes: numel.and_then(|n| n.checked_mul(chunk.element_size)),
            kind: "dcp-chunk",
            requires_grad: chunk.requires_grad,
        });
    }
    Ok(inspection)
}

/// The tensor chunks of `state_dict_metadata`, from the parsed `.metadata` graph.
fn chunks_of(parsed: &Parsed<'_>) -> Option<Vec<Chunk>> {
    let graph = &parsed.graph;
    let root = graph.object_of(parsed.root?)?;
    let state = state_dict(graph, root)?;
    let entries = graph.as_dict(field(graph, state, "state_dict_metadata")?)?;
    let mut chunks = Vec::new();
    for &(key, value) in entries {
        let fqn = graph.as_str(key)?.to_owned();
        let object = graph.object_of(value)?;
        let is_tensor = graph.global_of(object.callable).is_some_and(|g| {
            g.key_eq("torch.distributed.checkpoint.metadata.TensorStorageMetadata")
        });
        if !is_tensor {
            continue; // BytesStorageMetadata: a torch.save item, not a tensor
        }
        let fields = state_dict(graph, object)?;
        let properties = graph.object_of(field(graph, fields, "properties")?)?;
        let props = graph.as_tuple(*graph.mutations(properties).states.last()?)?;
        let dtype_key = graph.global_of(*props.first()?)?.names()?;
        let info = tw_pickle::torch::DTYPES
            .iter()
            .find(|d| dtype_key.0 == "torch" && d.torch_name == dtype_key.1)?;
        let requires_grad = props
            .get(2)
            .and_then(|&b| graph.as_int(b))
            .is_some_and(|b| b != 0);
        for &chunk in graph.as_list(field(graph, fields, "chunks")?)? {
            let object = graph.object_of(chunk)?;
            let chunk_fields = state_dict(graph, object)?;
            chunks.push(Chunk {
                fqn: fqn.clone(),
                dtype: info.torch_name,
                element_size: info.element_size,
                requires_grad,
                offsets: size_of(graph, field(graph, chunk_fields, "offsets")?)?,
                sizes: size_of(graph, field(graph, chunk_fields, "sizes")?)?,
            });
        }
    }
    Some(chunks)
}

/// The dict BUILD gave `object` (data classes pickle their `__dict__`).
fn state_dict(
    graph: &tw_pickle::Graph<'_>,
    object: &tw_pickle::Object,
) -> Option<tw_pickle::NodeId> {
    let state = *graph.mutations(object).states.last()?;
    graph.as_dict(state).map(|_| state)
}

/// The value under the string key `name` of the dict `dict`.
fn field(
    graph: &tw_pickle::Graph<'_>,
    dict: tw_pickle::NodeId,
    name: &str,
) -> Option<tw_pickle::NodeId> {
    graph
        .as_dict(dict)?
        .iter()
        .find(|(k, _)| graph.as_str(*k) == Some(name))
        .map(|(_, v)| *v)
}

/// The dims of a `torch.Size((...))` call.
fn size_of(graph: &tw_pickle::Graph<'_>, id: tw_pickle::NodeId) -> Option<Vec<u64>> {
    let object = graph.object_of(id)?;
    let dims = graph.as_tuple(*graph.as_tuple(object.args)?.first()?)?;
    dims.iter()
        .map(|&d| graph.as_int(d).and_then(|d| u64::try_from(d).ok()))
        .collect()
}
