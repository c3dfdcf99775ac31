//! A Hugging Face sharded `.bin` set (`pytorch_model-0000X-of-0000Y.bin` beside
//! `pytorch_model.bin.index.json`) to Hugging Face's safetensors layout:
//! `model-0000X-of-0000Y.safetensors` plus `model.safetensors.index.json` (`metadata.total_size`
//! and `weight_map`, as `save_pretrained` writes them; one shard is `model.safetensors` with no
//! index, as there). The set is first checked as `scan` checks it (TW131-TW135 refuse it), every
//! shard is screened and read with the weights-only reader, and tensors are copied bit-exactly.
//! Shard boundaries are kept, or the tensors are re-cut greedily in order by a size limit (a
//! tensor over the limit gets a shard of its own, as `huggingface_hub` does). Shards are written
//! first and the index last, each atomically, so a crash never leaves an index naming a file
//! that is not there; no existing output is replaced without `force`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use tw_diagnostics::Finding;

use crate::assemble::{self, InputFile, OutTensor, Output, Piece};
use crate::error::ConvertError;
use crate::options::ConvertOptions;
use crate::source::{Placement, Region};

/// The index file name of a safetensors set.
pub const SAFETENSORS_INDEX: &str = "model.safetensors.index.json";

/// What a sharded conversion wrote.
#[derive(Debug, Clone)]
pub struct ShardedConversion {
    /// The input directory.
    pub input: PathBuf,
    /// The index read.
    pub index: PathBuf,
    /// The shard files written, in order.
    pub shards: Vec<PathBuf>,
    /// The index written (`None` for a single `model.safetensors`).
    pub output_index: Option<PathBuf>,
    /// Tensors written.
    pub tensors: usize,
    /// Bytes of tensor data (the index's `total_size`).
    pub total_size: u64,
    /// Findings below `low` seen while screening the shards.
    pub notes: Vec<Finding>,
}

/// The `*.bin.index.json` of `dir` when it holds a sharded `.bin` set (exactly one such index).
pub fn sharded_index(dir: &Path) -> Option<PathBuf> {
    let mut found = std::fs::read_dir(dir).ok()?.flatten().filter_map(|e| {
        let name = e.file_name();
        let name = name.to_str()?;
        (name.ends_with(".bin.index.json") && e.file_type().ok()?.is_file()).then(|| e.path())
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Parses a size as Hugging Face's `max_shard_size` does: plain bytes, or a number with a
/// decimal (`KB`, `MB`, `GB`, `TB`: powers of 1000) or binary (`KiB`, `MiB`, `GiB`, `TiB`)
/// unit, case-insensitive except that a lowercase final `b` of a decimal unit means bits
/// (`5GB`, `500MB`, `2GiB`, `1000000`, `8Mb`).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().ok()?;
    let unit = unit.trim();
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    // A decimal unit ending in a lowercase `b` counts bits (`5Gb`), as transformers reads it.
    let bits = unit.len() == 2 && unit.ends_with('b');
    let bytes = number.checked_mul(factor)?;
    Some(if bits { bytes / 8 } else { bytes }).filter(|&n| n > 0)
}

/// The name of shard `i` (from 1) of `n`.
fn shard_name(i: usize, n: usize) -> String {
    if n == 1 {
        "model.safetensors".to_owned()
    } else {
        format!("model-{i:05}-of-{n:05}.safetensors")
    }
}

/// Converts the sharded set in `dir` into `out_dir`; `max_shard_size` re-cuts the shards.
pub fn convert_sharded(
    dir: &Path,
    out_dir: &Path,
    options: &ConvertOptions,
    max_shard_size: Option<u64>,
    progress: &dyn Fn(u64),
) -> Result<ShardedConversion, ConvertError> {
    let index = sharded_index(dir).ok_or_else(|| ConvertError::Malformed {
        message: format!(
            "`{}` holds no single *.bin.index.json: not a sharded set",
            dir.display()
        ),
    })?;
    if crate::dcp::inside(dir, &out_dir.join(SAFETENSORS_INDEX)) {
        return Err(ConvertError::OutputIsInput {
            input: dir.to_path_buf(),
            output: out_dir.to_path_buf(),
        });
    }
    let scan = crate::dcp::scan_options(options);
    let (findings, errors) = tw_modelscan::shards::check_dir(dir, &scan);
    let refusing: Vec<Finding> = findings
        .into_iter()
        .filter(|f| f.severity >= tw_diagnostics::Severity::Low)
        .collect();
    if let Some(first) = refusing.first() {
        return Err(ConvertError::Refused {
            reason: format!("{} {}: {}", first.rule, first.name, first.message),
            findings: refusing,
        });
    }
    if let Some(err) = errors.first() {
        return Err(ConvertError::Malformed {
            message: format!("{}: {}", err.path, err.message),
        });
    }
    let weight_map =
        tw_modelscan::shards::weight_map(&index).map_err(|message| ConvertError::Malformed {
            message: format!("{}: {message}", index.display()),
        })?;
    let mut shard_names: Vec<&str> = weight_map.values().map(String::as_str).collect();
    shard_names.sort_unstable();
    shard_names.dedup();

    // Read every shard: its tensors become whole-tensor pieces, its values metadata.
    let mut files = Vec::with_capacity(shard_names.len());
    let mut groups: Vec<Vec<OutTensor>> = Vec::with_capacity(shard_names.len());
    let mut values = Vec::new();
    let mut notes = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (file_index, name) in shard_names.iter().enumerate() {
        let path = dir.join(name);
        let display = path.display().to_string();
        let mapping = tw_fs::Mapping::open(&path)?;
        let (inputs, shard_notes) = tw_modelscan::with_mapped(mapping, |data| {
            crate::convert::read_inputs(&display, data, options).map(|(_, n, i)| (i, n))
        })?;
        notes.extend(shard_notes);
        values.extend(inputs.values);
        let mut group = Vec::with_capacity(inputs.tensors.len());
        for t in inputs.tensors {
            if let Some(first) = seen.insert(t.name.clone(), path.clone()) {
                return Err(ConvertError::NameCollision {
                    name: t.name,
                    first: format!("a tensor of `{}`", first.display()),
                    second: format!("a tensor of `{display}`"),
                });
            }
            let element_size = t.view.element_size;
            group.push(OutTensor {
                dtype: t.dtype,
                element_size,
                shape: t.view.shape.clone(),
                pieces: vec![Piece {
                    file: file_index,
                    region: t.region,
                    offsets: vec![0; t.view.shape.len()],
                    sizes: t.view.shape.clone(),
                    view: t.view,
                    swap: t.swap,
                }],
                name: t.name,
            });
        }
        // Sequential reads within the shard: by source position.
        group.sort_by_key(|t| source_position(t, &inputs.regions));
        files.push(InputFile {
            path,
            regions: inputs.regions,
        });
        groups.push(group);
    }
    let (metadata, _) = crate::plan::metadata_of(&values, options)?;
    let groups = match max_shard_size {
        Some(limit) => recut(groups, limit)?,
        None => groups,
    };
    let count = groups.len().max(1);
    let outputs: Vec<PathBuf> = (1..=count)
        .map(|i| out_dir.join(shard_name(i, count)))
        .collect();
    let index_out = (count > 1).then(|| out_dir.join(SAFETENSORS_INDEX));
    // Refuse before writing anything: no set is left half replaced.
    if !options.force {
        if let Some(existing) = outputs
            .iter()
            .chain(&index_out)
            .find(|p| p.symlink_metadata().is_ok())
        {
            return Err(ConvertError::Io(tw_fs::Error::Exists {
                path: existing.clone(),
            }));
        }
    }
    if options.create_parents {
        tw_fs::create_dir_all(out_dir)?;
    }
    let mut map = BTreeMap::new();
    let mut total_size = 0u64;
    let mut tensors = 0usize;
    let format_only = BTreeMap::from([("format".to_owned(), "pt".to_owned())]);
    for (i, (group, path)) in groups.iter().zip(&outputs).enumerate() {
        let file_name = shard_name(i + 1, count);
        for t in group {
            map.insert(t.name.clone(), file_name.clone());
            total_size = total_size.saturating_add(t.nbytes().unwrap_or(0));
        }
        tensors += group.len();
        // Values (a .bin shard rarely has any) go with the first shard.
        let shard_meta = if i == 0 { &metadata } else { &format_only };
        assemble::write(
            &Output {
                path,
                tensors: group.iter().collect(),
                metadata: shard_meta,
            },
            &files,
            options,
            progress,
        )?;
    }
    if let Some(index_path) = &index_out {
        let json = serde_json::json!({
            "metadata": { "total_size": total_size },
            "weight_map": map,
        });
        let mut text =
            serde_json::to_string_pretty(&json).map_err(|e| ConvertError::Malformed {
                message: format!("cannot encode the index: {e}"),
            })?;
        text.push('\n');
        tw_fs::write_atomic(
            index_path,
            text.as_bytes(),
            tw_fs::WriteOptions::new().force(options.force),
        )?;
    }
    Ok(ShardedConversion {
        input: dir.to_path_buf(),
        index,
        shards: outputs,
        output_index: index_out,
        tensors,
        total_size,
        notes,
    })
}

/// Where a whole tensor's bytes start in its shard.
fn source_position(t: &OutTensor, regions: &[Region]) -> (u64, u64) {
    t.pieces.first().map_or((0, 0), |p| {
        let start = regions.get(p.region).map_or(0, |r| match r.placement {
            Placement::Stored { start } | Placement::Deflated { start, .. } => start,
        });
        (start, p.view.start)
    })
}

/// The tensors of `groups`, in order, cut greedily into shards of at most `limit` bytes of
/// tensor data; a tensor bigger than `limit` is a shard of its own.
fn recut(groups: Vec<Vec<OutTensor>>, limit: u64) -> Result<Vec<Vec<OutTensor>>, ConvertError> {
    let mut out: Vec<Vec<OutTensor>> = Vec::new();
    let mut current: Vec<OutTensor> = Vec::new();
    let mut size = 0u64;
    for t in groups.into_iter().flatten() {
        let bytes = t.nbytes().ok_or_else(|| ConvertError::UnsupportedTensor {
            name: t.name.clone(),
            reason: "its size overflows".to_owned(),
        })?;
        if !current.is_empty() && size.saturating_add(bytes) > limit {
            out.push(std::mem::take(&mut current));
            size = 0;
        }
        size = size.saturating_add(bytes);
        current.push(t);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_hugging_face_writes_them() {
        assert_eq!(parse_size("5GB"), Some(5_000_000_000));
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("10KB"), Some(10_000));
        assert_eq!(parse_size("8Mb"), Some(1_000_000));
        assert_eq!(parse_size("1000000"), Some(1_000_000));
        for bad in ["", "GB", "5 parsecs", "-1", "0", "99999999999999TB"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
        assert_eq!(shard_name(2, 3), "model-00002-of-00003.safetensors");
        assert_eq!(shard_name(1, 1), "model.safetensors");
    }
}
