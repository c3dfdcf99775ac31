//! A `torch.distributed.checkpoint` directory to one safetensors file, with the tensors
//! `torch.distributed.checkpoint.format_utils.dcp_to_torch_save` would give and no pickle run:
//! `.metadata` is screened and read as data (tw-modelscan's DCP layout; a payload is refused
//! with TW101 before anything is opened for writing), every item is a `torch.save` archive at
//! the offset and length `.metadata` records, screened and read with the weights-only reader
//! like any checkpoint, and the chunks of each tensor are stitched into the full tensor after
//! a check that they tile it exactly. Non-tensor items that are plain values go into
//! `__metadata__` under their fully qualified names.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use tw_diagnostics::Finding;
use tw_modelscan::dcp::{Layout, StoredItem};
use tw_modelscan::inspect::InspectError;
use tw_modelscan::ScanOptions;
use tw_pickle::torch::Leaf;
use tw_pickle::Profile;

use crate::assemble::{self, InputFile, OutTensor, Output, Piece};
use crate::error::ConvertError;
use crate::options::ConvertOptions;
use crate::source::{Inputs, Placement, Region};
use crate::Conversion;

/// The default output of the DCP directory `dir`: `DIR.safetensors` beside it.
pub fn default_dcp_output(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map_or_else(|| "checkpoint".into(), std::ffi::OsStr::to_os_string);
    name.push(".safetensors");
    match dir.parent() {
        Some(parent) => parent.join(name),
        None => PathBuf::from(name),
    }
}

/// Whether `dir` is a DCP directory: a `.metadata` beside `*.distcp` files.
pub fn is_dcp_dir(dir: &Path) -> bool {
    dir.join(".metadata").is_file()
        && std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                Path::new(&e.file_name())
                    .extension()
                    .is_some_and(|x| x == "distcp")
            })
        })
}

/// Whether `output` lies inside (or is) the directory `dir`, after resolving links; parts of
/// `output` that do not exist yet (a directory `--out-dir` would create) are taken as written
/// below the deepest part that does.
pub(crate) fn inside(dir: &Path, output: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    let output = if output.is_absolute() {
        output.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(output),
            Err(_) => return false,
        }
    };
    let mut rest = Vec::new();
    let mut base = output.as_path();
    let resolved = loop {
        if let Ok(real) = base.canonicalize() {
            break rest
                .iter()
                .rev()
                .fold(real, |path: PathBuf, part| path.join(part));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                base = parent;
            }
            // `..` after a directory that does not exist: where it leads cannot be known
            // before it is created, so it is not trusted to lead out.
            (Some(_), None) => return true,
            (None, _) => return false,
        }
    };
    resolved.starts_with(&dir)
}

/// The scan options items and `.metadata` are screened with: the user's globals and limits.
pub(crate) fn scan_options(options: &ConvertOptions) -> ScanOptions {
    ScanOptions {
        checkpoint: options.checkpoint.clone(),
        pickle: options.parse_options(Profile::Scan),
        ..ScanOptions::default()
    }
}

/// A screening refusal as a conversion refusal.
fn refused(findings: Vec<Finding>) -> ConvertError {
    ConvertError::Refused {
        reason: findings
            .first()
            .map(|f| format!("{} {}: {}", f.rule, f.name, f.message))
            .unwrap_or_default(),
        findings,
    }
}

/// What is to be read from each item: a chunk of a tensor, or a value.
enum Wanted {
    Chunk { tensor: usize, chunk: usize },
    Value { fqn: String },
}

/// Converts the DCP directory `dir` to the safetensors file `output`.
pub fn convert_dcp(
    dir: &Path,
    output: &Path,
    options: &ConvertOptions,
    progress: &dyn Fn(u64),
) -> Result<Conversion, ConvertError> {
    if inside(dir, output) {
        return Err(ConvertError::OutputIsInput {
            input: dir.to_path_buf(),
            output: output.to_path_buf(),
        });
    }
    let layout =
        tw_modelscan::dcp::layout(dir, &scan_options(options)).map_err(|err| match err {
            InspectError::Refused { findings } => refused(findings),
            other => ConvertError::Malformed {
                message: other.to_string(),
            },
        })?;
    let (tensors, files, values, notes) = read_items(dir, &layout, options)?;
    for t in &tensors {
        assemble::check_coverage(t)?;
    }
    let (metadata, dropped) = crate::plan::metadata_of(&values, options)?;
    let mut order: Vec<&OutTensor> = tensors.iter().collect();
    // Naturally aligned data: wider elements first, then by name.
    order.sort_by(|a, b| {
        b.element_size
            .min(8)
            .cmp(&a.element_size.min(8))
            .then(a.name.cmp(&b.name))
    });
    let written = order.len();
    let bytes = assemble::write(
        &Output {
            path: output,
            tensors: order,
            metadata: &metadata,
        },
        &files,
        options,
        progress,
    )?;
    Ok(Conversion {
        input: dir.to_path_buf(),
        output: output.to_path_buf(),
        format: "dcp",
        tensors: tensors.len(),
        written,
        bytes,
        values: values.len() - dropped.len(),
        dropped,
        aliases: Vec::new(),
        verified: options.verify,
        notes,
    })
}

/// The tensors (with their chunks placed), the input files, the plain values and the notes of
/// every item the layout lists, read file by file.
#[allow(clippy::type_complexity)] // the four products of one walk
fn read_items(
    dir: &Path,
    layout: &Layout,
    options: &ConvertOptions,
) -> Result<
    (
        Vec<OutTensor>,
        Vec<InputFile>,
        Vec<(String, Leaf)>,
        Vec<Finding>,
    ),
    ConvertError,
> {
    let mut tensors = Vec::with_capacity(layout.tensors.len());
    let mut by_file: BTreeMap<&str, Vec<(&StoredItem, Wanted)>> = BTreeMap::new();
    for (ti, t) in layout.tensors.iter().enumerate() {
        let info = t.dtype.info();
        let dtype = info
            .safetensors
            .ok_or_else(|| ConvertError::UnsupportedTensor {
                name: t.fqn.clone(),
                reason: format!(
                    "dtype torch.{} has no safetensors equivalent",
                    info.torch_name
                ),
            })?;
        tensors.push(OutTensor {
            name: t.fqn.clone(),
            dtype,
            element_size: info.element_size,
            shape: t.size.clone(),
            pieces: Vec::with_capacity(t.chunks.len()),
        });
        for (ci, c) in t.chunks.iter().enumerate() {
            by_file.entry(c.item.file.as_str()).or_default().push((
                &c.item,
                Wanted::Chunk {
                    tensor: ti,
                    chunk: ci,
                },
            ));
        }
    }
    for (fqn, item) in &layout.values {
        by_file.entry(item.file.as_str()).or_default().push((
            item,
            Wanted::Value {
                fqn: fqn.to_owned(),
            },
        ));
    }
    let mut files = Vec::with_capacity(by_file.len());
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for (name, items) in &mut by_file {
        let path = data_file(dir, name)?;
        items.sort_by_key(|(item, _)| item.offset);
        let file_index = files.len();
        let mut regions = Vec::new();
        let mapping = tw_fs::Mapping::open(&path)?;
        tw_modelscan::with_mapped(mapping, |data| {
            for (item, wanted) in items.iter() {
                let (inputs, item_notes) = read_item(&path, data, item, options)?;
                notes.extend(item_notes);
                match wanted {
                    Wanted::Chunk { tensor, chunk } => {
                        let (Some(out), Some(stored)) = (
                            tensors.get_mut(*tensor),
                            layout
                                .tensors
                                .get(*tensor)
                                .and_then(|t| t.chunks.get(*chunk)),
                        ) else {
                            continue;
                        };
                        let piece = chunk_piece(
                            &path,
                            out,
                            inputs,
                            item,
                            &stored.offsets,
                            &stored.sizes,
                            file_index,
                            &mut regions,
                        )?;
                        out.pieces.push(piece);
                    }
                    Wanted::Value { fqn } => {
                        if let Some(first) = inputs.tensors.first() {
                            return Err(ConvertError::UnsupportedTensor {
                                name: fqn.clone(),
                                reason: format!(
                                    "the non-tensor item at offset {} of `{}` holds tensor `{}`: \
                                     DCP stores tensors as tensor items",
                                    item.offset,
                                    path.display(),
                                    first.name
                                ),
                            });
                        }
                        for (key, leaf) in inputs.values {
                            let key = if key.is_empty() {
                                fqn.clone()
                            } else {
                                format!("{fqn}.{key}")
                            };
                            values.push((key, leaf));
                        }
                    }
                }
            }
            Ok::<(), ConvertError>(())
        })?;
        files.push(InputFile { path, regions });
    }
    Ok((tensors, files, values, notes))
}

/// The data file `name` of `dir`: a plain name inside the directory, a regular file there.
fn data_file(dir: &Path, name: &str) -> Result<PathBuf, ConvertError> {
    let plain = !name.is_empty()
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    let path = dir.join(name);
    let escapes = match (path.canonicalize(), dir.canonicalize()) {
        (Ok(real), Ok(root)) => !real.starts_with(root),
        _ => false,
    };
    if !plain || escapes {
        return Err(ConvertError::Malformed {
            message: format!(
                "{}: the data file `{name}` is not a plain name inside the checkpoint directory",
                dir.join(".metadata").display()
            ),
        });
    }
    Ok(path)
}

/// Screens and reads one item of the data file `path` (its bytes `data`).
fn read_item(
    path: &Path,
    data: &[u8],
    item: &StoredItem,
    options: &ConvertOptions,
) -> Result<(Inputs, Vec<Finding>), ConvertError> {
    let display = format!("{} (item at offset {})", path.display(), item.offset);
    if item.transformed {
        return Err(ConvertError::Malformed {
            message: format!(
                "{display}: the item went through storage transforms (transform_descriptors, \
                 e.g. compression); convert reads plain torch.save items only"
            ),
        });
    }
    let bytes = item
        .offset
        .checked_add(item.length)
        .and_then(|end| {
            let start = usize::try_from(item.offset).ok()?;
            let end = usize::try_from(end).ok()?;
            data.get(start..end)
        })
        .ok_or_else(|| ConvertError::Malformed {
            message: format!(
                "{display}: the item of {} bytes runs past the end of the file ({} bytes)",
                item.length,
                data.len()
            ),
        })?;
    let (_, notes, inputs) = crate::convert::read_inputs(&display, bytes, options)?;
    Ok((inputs, notes))
}

/// The piece a chunk item gives: its one tensor, checked against the chunk the metadata
/// declares (dtype and sizes), with its regions placed in the data file.
#[allow(clippy::too_many_arguments)] // one chunk: where it is read and where it goes
fn chunk_piece(
    path: &Path,
    out: &OutTensor,
    inputs: Inputs,
    item: &StoredItem,
    offsets: &[u64],
    sizes: &[u64],
    file_index: usize,
    regions: &mut Vec<Region>,
) -> Result<Piece, ConvertError> {
    let at = || {
        format!(
            "the chunk at {offsets:?} (`{}` offset {})",
            path.display(),
            item.offset
        )
    };
    let bad = |reason: String| ConvertError::BadChunks {
        name: out.name.clone(),
        reason,
    };
    let Inputs {
        tensors,
        values,
        regions: item_regions,
        ..
    } = inputs;
    let [tensor] = tensors.as_slice() else {
        return Err(bad(format!(
            "{} holds {} tensors, not one",
            at(),
            tensors.len()
        )));
    };
    if !values.is_empty() {
        return Err(bad(format!("{} holds values besides its tensor", at())));
    }
    if tensor.dtype != out.dtype {
        return Err(bad(format!(
            "{} is {}, the metadata says {}",
            at(),
            tensor.dtype,
            out.dtype
        )));
    }
    if tensor.view.shape != sizes {
        return Err(bad(format!(
            "{} has shape {:?}, the metadata says {sizes:?}",
            at(),
            tensor.view.shape
        )));
    }
    let region = item_regions
        .get(tensor.region)
        .ok_or_else(|| bad(format!("{} has no storage", at())))?;
    // Item offsets are relative to the item: place them in the data file.
    let shift = |x: u64| x.checked_add(item.offset);
    let placement = match region.placement {
        Placement::Stored { start } => Placement::Stored {
            start: shift(start).ok_or_else(|| bad(format!("{} overflows", at())))?,
        },
        Placement::Deflated { start, end, skip } => Placement::Deflated {
            start: shift(start).ok_or_else(|| bad(format!("{} overflows", at())))?,
            end: shift(end).ok_or_else(|| bad(format!("{} overflows", at())))?,
            skip,
        },
    };
    regions.push(Region {
        name: format!(
            "{} at offset {}: {}",
            path.display(),
            item.offset,
            region.name
        ),
        placement,
        len: region.len,
    });
    Ok(Piece {
        file: file_index,
        region: regions.len() - 1,
        view: tensor.view.clone(),
        swap: tensor.swap,
        offsets: offsets.to_vec(),
        sizes: sizes.to_vec(),
    })
}
