//! `inspect`: what a model file holds (tensors with dtype, shape, strides, storage and bytes;
//! other values; format facts), read only from files that pass the weights-only profile.
//! A file that would need anything more is refused with the reasons, never half-listed.
use serde::Serialize;
use tw_checkpoint::{Format, PickleRole, TensorInfo, TensorTable};
use tw_diagnostics::Finding;
use tw_pickle::{ParseOptions, Profile};

use crate::{screen, ScanOptions, ScreenError};

/// The type of an [`Inspection`]'s non-tensor values (tw-pickle's), named here so a caller
/// needs no dependency on tw-pickle to read them.
pub use tw_pickle::torch::Leaf;

/// What `inspect` shows for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file as named.
    pub path: String,
    /// Detected format (`torch-zip`, `legacy-stream`, `safetensors`, `npy` ...).
    pub format: &'static str,
    /// Facts such as byte order and versions, as `(name, value)` pairs.
    pub facts: Vec<(String, String)>,
    /// Tensors in the order the file lists them.
    pub tensors: Vec<TensorInfo>,
    /// Non-tensor values with their dotted paths.
    pub values: Vec<(String, Leaf)>,
    /// Findings below the refusal level (for example TW114 notes), kept for the reader.
    pub notes: Vec<Finding>,
}

/// Why a file cannot be inspected.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The file holds something the weights-only profile refuses.
    #[error("refused: {} finding(s) show this file is not plain weights (first: {} {})", findings.len(), findings.first().map_or("", |f| f.rule.as_str()), findings.first().map_or("", |f| f.message.as_str()))]
    Refused {
        /// The findings at `low` or above.
        findings: Vec<Finding>,
    },
    /// The file could not be read or parsed.
    #[error("{message}")]
    Unreadable {
        /// What went wrong, with the offset when known.
        message: String,
    },
    /// The content is not a model format torchward reads.
    #[error("not a model file torchward can inspect (detected: {format})")]
    NotAModel {
        /// The detected format.
        format: &'static str,
    },
}

impl From<ScreenError> for InspectError {
    /// A file that is damaged is unreadable even when findings refuse it as well: `inspect`
    /// reports the damage first, as it always has.
    fn from(err: ScreenError) -> Self {
        match err {
            ScreenError::Refused {
                unreadable: Some(message),
                ..
            }
            | ScreenError::Unreadable { message } => InspectError::Unreadable { message },
            ScreenError::Refused {
                findings,
                unreadable: None,
            } => InspectError::Refused { findings },
        }
    }
}

/// Inspects the bytes of one file named `path`.
pub fn inspect_bytes(
    path: &str,
    data: &[u8],
    options: &ScanOptions,
) -> Result<Inspection, InspectError> {
    let screened = screen(path, data, options)?;
    // The container the screening opened and analysed; without one, the content is no format
    // torchward reads.
    let Some(container) = screened.container else {
        return Err(InspectError::NotAModel {
            format: Format::Unknown.name(),
        });
    };
    let format = container.format;
    let mut inspection = Inspection {
        path: path.to_owned(),
        format: format.name(),
        facts: facts(&container),
        tensors: Vec::new(),
        values: Vec::new(),
        notes: screened.notes,
    };
    match format {
        Format::Safetensors => {
            if let Some(header) = &container.facts.safetensors {
                inspection.tensors = header
                    .tensors
                    .iter()
                    .map(|t| TensorInfo {
                        name: t.name.clone(),
                        dtype: safetensors_dtype(&t.dtype),
                        shape: t.shape.clone(),
                        stride: contiguous_strides(&t.shape),
                        storage_key: None,
                        storage_offset: 0,
                        file_offset: Some(8 + header.header_len + t.start),
                        bytes: Some(t.end - t.start),
                        kind: "dense",
                        requires_grad: false,
                    })
                    .collect();
                inspection.values = header
                    .metadata
                    .iter()
                    .map(|(k, v)| (format!("__metadata__.{k}"), Leaf::Str(v.clone())))
                    .collect();
            }
        }
        Format::Npy | Format::Npz => {
            for (name, header) in &container.facts.npy {
                inspection.tensors.push(TensorInfo {
                    name: name.clone(),
                    dtype: header.descr.dtype_name(),
                    shape: header.shape.clone(),
                    stride: if header.fortran_order {
                        fortran_strides(&header.shape)
                    } else {
                        contiguous_strides(&header.shape)
                    },
                    storage_key: None,
                    storage_offset: 0,
                    file_offset: Some(header.data_offset),
                    bytes: Some(header.data_len),
                    kind: "dense",
                    requires_grad: false,
                });
            }
        }
        _ => {
            let weights_only = ParseOptions {
                profile: Profile::WeightsOnly,
                ..options.pickle.clone()
            };
            let containers: Vec<String> = weights_only
                .allowlist
                .user_globals()
                .into_iter()
                .map(str::to_owned)
                .collect();
            for source in &container.pickles {
                let Some(scope) = source.role.storage_scope() else {
                    continue;
                };
                if matches!(source.role, PickleRole::ConstantsPkl) {
                    continue;
                }
                let parsed = tw_pickle::parse(&source.bytes, &weights_only);
                if let Some(err) = parsed.error {
                    return Err(InspectError::Unreadable {
                        message: format!("{}: {err}", source.name),
                    });
                }
                // Globals the user or a profile allowed are read as data, never constructed.
                let objects = tw_pickle::torch::extract_with_containers(&parsed, &containers)
                    .map_err(|e| InspectError::Unreadable {
                        message: format!("{}: {e}", source.name),
                    })?;
                let table = TensorTable::build(&container, scope, &objects, data);
                inspection.tensors.extend(table.tensors);
                inspection.values.extend(objects.values);
            }
            if container.pickles.is_empty() {
                return Err(InspectError::NotAModel {
                    format: format.name(),
                });
            }
        }
    }
    Ok(inspection)
}

fn facts(container: &tw_checkpoint::Container<'_>) -> Vec<(String, String)> {
    let f = &container.facts;
    let mut out = Vec::new();
    for (name, value) in [
        ("root", &f.root),
        ("byteorder", &f.byteorder),
        ("version", &f.version),
        ("format_version", &f.format_version),
        ("storage_alignment", &f.storage_alignment),
    ] {
        if let Some(v) = value {
            out.push((name.to_owned(), v.trim().to_owned()));
        }
    }
    if f.zip_entries > 0 {
        out.push(("zip_entries".to_owned(), f.zip_entries.to_string()));
    }
    if let Some(wrapper) = f.inner_format {
        out.push(("inner_format".to_owned(), wrapper.name().to_owned()));
    }
    out
}

fn safetensors_dtype(dtype: &str) -> &'static str {
    match dtype {
        "F64" => "float64",
        "F32" => "float32",
        "F16" => "float16",
        "BF16" => "bfloat16",
        "I64" => "int64",
        "I32" => "int32",
        "I16" => "int16",
        "I8" => "int8",
        "U8" => "uint8",
        "U16" => "uint16",
        "U32" => "uint32",
        "U64" => "uint64",
        "BOOL" => "bool",
        "C64" => "complex64",
        "F8_E4M3" => "float8_e4m3fn",
        "F8_E5M2" => "float8_e5m2",
        "F8_E8M0" => "float8_e8m0fnu",
        "F8_E4M3FNUZ" => "float8_e4m3fnuz",
        "F8_E5M2FNUZ" => "float8_e5m2fnuz",
        "F4" => "float4_e2m1fn_x2",
        _ => "unknown",
    }
}

fn contiguous_strides(shape: &[u64]) -> Vec<u64> {
    let mut strides = vec![1u64; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        let next = strides.get(i + 1).copied().unwrap_or(1);
        let size = shape.get(i + 1).copied().unwrap_or(1).max(1);
        if let Some(s) = strides.get_mut(i) {
            *s = next.saturating_mul(size);
        }
    }
    strides
}

fn fortran_strides(shape: &[u64]) -> Vec<u64> {
    let mut strides = Vec::with_capacity(shape.len());
    let mut acc = 1u64;
    for &size in shape {
        strides.push(acc);
        acc = acc.saturating_mul(size.max(1));
    }
    strides
}
