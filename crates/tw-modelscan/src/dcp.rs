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
/// Largest `.metadata` read when a `.distcp` file is analysed.
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
/// offset order; `None` when the metadata does not parse as plain DCP metadata.
pub(crate) fn items_of(metadata: &[u8], file: &str, options: &ScanOptions) -> Option<Vec<Item>> {
    let parsed = tw_pickle::parse(metadata, &metadata_options(options).pickle);
    if parsed.error.is_some() || has_foreign_globals(&parsed, options) {
        return None;
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
        let state = graph.mutations(object).states.last().copied()?;
        let fields = graph.as_dict(state)?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| graph.as_str(*k) == Some(name))
                .map(|(_, v)| *v)
        };
        let path = field("relative_path").and_then(|v| graph.as_str(v))?;
        let offset = field("offset").and_then(|v| graph.as_int(v))?;
        let length = field("length").and_then(|v| graph.as_int(v))?;
        if path == file {
            items.push(Item {
                offset: u64::try_from(offset).ok()?,
                length: u64::try_from(length).ok()?,
            });
        }
    }
    items.sort_by_key(|i| i.offset);
    Some(items)
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
        return outcome;
    }
    if path.extension().is_some_and(|x| x == DATA_EXTENSION) {
        if let Some(items) = items_for(path, options) {
            if let Some(outcome) = analyse_items(display, data, &items, options) {
                return outcome;
            }
        }
    }
    analyse_bytes(display, data, options)
}

/// The items the sibling `.metadata` records for the data file `path`.
fn items_for(path: &Path, options: &ScanOptions) -> Option<Vec<Item>> {
    let metadata = path.parent()?.join(METADATA);
    let meta = std::fs::metadata(&metadata).ok()?;
    if !meta.is_file() || meta.len() > MAX_METADATA_BYTES {
        return None;
    }
    let bytes = std::fs::read(&metadata).ok()?;
    let name = path.file_name()?.to_str()?;
    items_of(&bytes, name, options)
}

/// Each item analysed as its own file; `None` when the items do not tile the file (an item
/// past its end or overlapping another: the file is then analysed whole).
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
    let mut end = 0u64;
    for item in items {
        if item.offset < end {
            return None;
        }
        end = item.offset.checked_add(item.length)?;
        let start = usize::try_from(item.offset).ok()?;
        let stop = usize::try_from(end).ok()?;
        let bytes = data.get(start..stop)?;
        analyse_part(
            display,
            &format!("item at offset {start}"),
            bytes,
            options,
            &mut outcome,
        );
    }
    if end != data.len() as u64 {
        return None;
    }
    Some(outcome)
}
