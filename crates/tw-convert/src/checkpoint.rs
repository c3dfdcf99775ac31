//! torch checkpoints (zip and legacy stream) as conversion inputs: the data pickle parsed with
//! the weights-only profile (stops at the first violation), its tensors resolved to storage
//! records exactly as `tw-checkpoint`'s tensor table resolves them, and the byte order taken
//! from the `byteorder` record (zip) as `torch/serialization.py` does. Legacy streams are
//! always little-endian (torch's C++ storage writer converts on big-endian hosts, and the
//! loader ignores the `sys_info` pickle's `little_endian`).

use std::collections::HashMap;

use tw_checkpoint::{Container, Format, StorageRecord, StorageScope, TensorTable};
use tw_pickle::torch::TensorKind;
use tw_pickle::Profile;

use crate::error::ConvertError;
use crate::options::ConvertOptions;
use crate::source::{InputTensor, Inputs, Placement};
use crate::view::View;

/// What a tensor kind is called in messages.
fn kind_name(kind: TensorKind) -> &'static str {
    match kind {
        TensorKind::Dense => "dense",
        TensorKind::Parameter => "parameter",
        TensorKind::Quantized => "quantized",
        TensorKind::Sparse => "sparse",
        TensorKind::Meta => "meta",
        TensorKind::Nested => "nested",
        TensorKind::WrapperSubclass => "wrapper-subclass",
        TensorKind::Subclass => "tensor-subclass",
        TensorKind::DeviceFromNumpy => "numpy-backed",
    }
}

/// The record torch reads for each storage key: legacy records (walked by `open` with the
/// object pickle's element sizes) by exact key, zip records by key ignoring ASCII case
/// (miniz's lookup), the first one winning as in [`Container::storage`]; one map instead of a
/// scan per tensor.
fn records_by_key<'c>(
    container: &'c Container<'_>,
    scope: StorageScope,
) -> HashMap<String, &'c StorageRecord> {
    let mut map = HashMap::new();
    for r in container.storages.iter().filter(|r| r.scope == scope) {
        let key = if scope == StorageScope::Legacy {
            r.key.clone()
        } else {
            r.key.to_ascii_lowercase()
        };
        map.entry(key).or_insert(r);
    }
    map
}

/// Whether two tensors share a dotted path.
fn has_duplicate_paths(tensors: &[tw_pickle::torch::TensorRef]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(tensors.len());
    tensors.iter().any(|t| !seen.insert(t.path.as_str()))
}

/// Reads the tensors and values of a torch zip checkpoint or legacy stream.
pub(crate) fn inputs(
    data: &[u8],
    container: &Container<'_>,
    options: &ConvertOptions,
) -> Result<Inputs, ConvertError> {
    let (source, scope) = container
        .main_pickle()
        .ok_or_else(|| ConvertError::Malformed {
            message: "the checkpoint has no data pickle (data.pkl or legacy pickle #4)".to_owned(),
        })?;
    let parsed = tw_pickle::parse(&source.bytes, &options.parse_options(Profile::WeightsOnly));
    if let Some(err) = &parsed.error {
        return Err(ConvertError::Refused {
            reason: format!("{}: {err}", source.name),
            findings: Vec::new(),
        });
    }
    let objects = tw_pickle::torch::extract_with_containers(&parsed, options.containers())
        .map_err(|e| ConvertError::Malformed {
            message: format!("{}: {e}", source.name),
        })?;
    // Two tensors whose paths flatten to one name (`{"a.b": x, "a": {"b": y}}`) are an error
    // that names both paths; the dotted names cannot tell them apart, so walk again spelling
    // each path as its segments (same order, so tensor i is tensor i).
    let segments = has_duplicate_paths(&objects.tensors)
        .then(|| {
            tw_pickle::torch::extract_paths(
                &parsed,
                options.containers(),
                tw_pickle::torch::PathStyle::Segments,
            )
            .ok()
        })
        .flatten()
        .map(|table| {
            table
                .tensors
                .into_iter()
                .map(|t| t.path)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    // The graph is not needed past this point; free it before the tables grow.
    drop(parsed);
    let issues = TensorTable::issues_of(container, scope, &objects, data);
    if let Some(issue) = issues.first() {
        return Err(ConvertError::Refused {
            reason: format!("storage check failed: {issue:?}"),
            findings: Vec::new(),
        });
    }
    // A legacy stream is little-endian whatever its writer: torch's storage writer swaps to
    // little-endian on big-endian hosts and `_legacy_load` ignores `sys_info`.
    let big_endian = container.format != Format::LegacyStream
        && container.facts.byteorder.as_deref() == Some("big");
    let records = records_by_key(container, scope);
    let mut out = Inputs::default();
    out.values = objects.values;
    for (index, mut t) in objects.tensors.into_iter().enumerate() {
        let name = if t.path.is_empty() {
            options.bare_name.clone()
        } else {
            std::mem::take(&mut t.path)
        };
        let unsupported = |reason: String| ConvertError::UnsupportedTensor {
            name: name.clone(),
            reason,
        };
        if !matches!(t.kind, TensorKind::Dense | TensorKind::Parameter) {
            return Err(unsupported(format!(
                "{} tensors have no safetensors equivalent",
                kind_name(t.kind)
            )));
        }
        let dtype = t.dtype.safetensors_name().ok_or_else(|| {
            unsupported(format!("dtype {} has no safetensors equivalent", t.dtype))
        })?;
        let storage = t
            .storage
            .as_ref()
            .ok_or_else(|| unsupported("it has no storage".to_owned()))?;
        let record = match scope {
            StorageScope::Legacy => records.get(storage.key.as_str()),
            _ => records.get(storage.key.to_ascii_lowercase().as_str()),
        }
        .copied()
        .ok_or_else(|| ConvertError::Malformed {
            message: format!("tensor `{name}`: storage `{}` has no record", storage.key),
        })?;
        let element_size = t.dtype.element_size();
        // A legacy storage view starts `offset` elements (of the storage dtype) into its root.
        let base = match &storage.view {
            Some((_, offset, _)) => offset.checked_mul(storage.dtype.element_size()),
            None => Some(0),
        };
        let start = base.and_then(|b| b.checked_add(t.storage_offset.checked_mul(element_size)?));
        let start = start.ok_or_else(|| ConvertError::ViewOutOfBounds {
            name: name.clone(),
            storage: storage.key.clone(),
            needed: None,
            available: record.len,
        })?;
        let region_name = if record.entry.is_empty() {
            format!("legacy storage {}", record.key)
        } else {
            record.entry.clone()
        };
        let placement = if record.compressed {
            Placement::Deflated {
                start: record.start,
                end: record.end,
                skip: 0,
            }
        } else {
            Placement::Stored {
                start: record.start,
            }
        };
        let region = out.region(&region_name, placement, record.len);
        let swap = match (big_endian, dtype) {
            (false, _) => 0,
            // complex64 is two float32 parts, each swapped on its own.
            (true, "C64") => 4,
            (true, _) => element_size,
        };
        out.tensors.push(InputTensor {
            name,
            dtype,
            swap: if swap > 1 { swap } else { 0 },
            view: View {
                start,
                shape: t.shape,
                stride: t.stride,
                element_size,
            },
            region,
            origin: match segments.get(index) {
                Some(path) => format!(
                    "path {path} ({} offset {}, storage {})",
                    source.name, t.offset, storage.key
                ),
                None => format!(
                    "{} offset {}, storage {}",
                    source.name, t.offset, storage.key
                ),
            },
        });
    }
    Ok(out)
}
