//! Sharded repositories (Hugging Face's layout: `*.index.json` with a `weight_map` from tensor
//! name to shard file): every index a scan finds is checked against the shards beside it
//! (TW131 missing shard, TW132 tensor absent from its shard, TW133 shard the index does not
//! name, TW135 a name leading out of the directory), and a directory shipping both pickle and
//! safetensors weights is TW134. Shards are opened as `inspect` opens them, never loaded; a
//! shard that cannot be listed (refused or damaged) is left to its own file findings.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use tw_diagnostics::{AnalysisError, Finding, Location};

use crate::index::{read_weight_map, shown};
use crate::rules::{
    index_path_escape, index_tensor_missing, mixed_weight_formats, shard_missing, shard_not_indexed,
};
use crate::ScanOptions;

/// Most missing tensor names listed in one TW132 message.
const MAX_LISTED: usize = 8;

/// Findings and errors of the repository-level checks over the scanned `files`.
#[derive(Debug, Default)]
pub(crate) struct ShardCheck {
    pub findings: Vec<Finding>,
    pub errors: Vec<AnalysisError>,
}

/// Checks every index among `files` and every directory holding them.
pub(crate) fn check(files: &[PathBuf], options: &ScanOptions) -> ShardCheck {
    let mut out = ShardCheck::default();
    let mut dirs: BTreeMap<&Path, Vec<&Path>> = BTreeMap::new();
    for file in files {
        if let Some(dir) = file.parent() {
            dirs.entry(dir).or_default().push(file);
        }
    }
    for (dir, names) in &dirs {
        mixed_formats(dir, names, &mut out);
        for index in names.iter().filter(|f| is_index(f)) {
            check_index(dir, index, names, options, &mut out);
        }
    }
    out
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn is_index(path: &Path) -> bool {
    let name = file_name(path);
    name.ends_with(".index.json") && (name.contains(".bin.") || name.contains(".safetensors."))
}

/// TW134: `pytorch_model*.bin` and `model*.safetensors` in one directory.
fn mixed_formats(dir: &Path, files: &[&Path], out: &mut ShardCheck) {
    let has = |prefix: &str, ext: &str| {
        files.iter().any(|f| {
            let n = file_name(f);
            n.starts_with(prefix) && n.ends_with(ext)
        })
    };
    if has("pytorch_model", ".bin") && has("model", ".safetensors") {
        out.findings.push(mixed_weight_formats::finding(
            Location::path(dir.display().to_string()),
            "pytorch_model*.bin and model*.safetensors weights side by side: a loader may take the pickle",
        ));
    }
}

/// The `(prefix, extension)` of a shard name `PREFIX-0000X-of-0000Y.EXT`.
fn shard_pattern(name: &str) -> Option<(&str, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let (head, total) = stem.rsplit_once("-of-")?;
    let (prefix, number) = head.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(total) && digits(number)).then_some((prefix, ext))
}

/// Whether `name` stays inside the index's directory as written (no root, no `..`).
fn stays_inside(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\0')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn check_index(
    dir: &Path,
    index: &Path,
    siblings: &[&Path],
    options: &ScanOptions,
    out: &mut ShardCheck,
) {
    let display = index.display().to_string();
    let error = |message: String| AnalysisError {
        path: display.clone(),
        entry: None,
        offset: None,
        message,
    };
    let weight_map = match read_weight_map(index) {
        Ok(map) => map,
        Err(message) => {
            out.errors.push(error(message));
            return;
        }
    };
    let location = || Location::path(display.clone());
    let mut by_shard: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (tensor, shard) in &weight_map {
        by_shard
            .entry(shard.as_str())
            .or_default()
            .push(tensor.as_str());
    }
    let real_dir = dir.canonicalize().ok();
    let mut patterns = BTreeSet::new();
    for (shard, tensors) in &by_shard {
        if !stays_inside(shard) {
            out.findings.push(index_path_escape::finding(
                location(),
                format!(
                    "shard `{}` is not a plain name inside the index's directory",
                    shown(shard)
                ),
            ));
            continue;
        }
        let path = dir.join(shard);
        let Ok(meta) = std::fs::metadata(&path) else {
            out.findings.push(shard_missing::finding(
                location(),
                format!(
                    "shard `{}` (holding {} tensor(s)) does not exist",
                    shown(shard),
                    tensors.len()
                ),
            ));
            continue;
        };
        // A link inside the directory may still lead out of it.
        let escapes = match (path.canonicalize(), &real_dir) {
            (Ok(real), Some(root)) => !real.starts_with(root),
            _ => false,
        };
        if escapes {
            out.findings.push(index_path_escape::finding(
                location(),
                format!(
                    "shard `{}` is a link leading out of the index's directory",
                    shown(shard)
                ),
            ));
            continue;
        }
        if let Some(pattern) = shard_pattern(shard) {
            patterns.insert(pattern);
        }
        if meta.is_file() {
            missing_tensors(&path, shard, tensors, options, &display, out);
        }
    }
    let named: BTreeSet<&str> = by_shard.keys().copied().collect();
    for sibling in siblings {
        let name = file_name(sibling);
        if named.contains(name) {
            continue;
        }
        if shard_pattern(name).is_some_and(|p| patterns.contains(&p)) {
            out.findings.push(shard_not_indexed::finding(
                location(),
                format!(
                    "`{name}` is named like a shard of this index but the index does not list it"
                ),
            ));
        }
    }
}

/// TW132: the tensors the index puts in `shard` that the shard does not hold.
fn missing_tensors(
    path: &Path,
    shard: &str,
    tensors: &[&str],
    options: &ScanOptions,
    index: &str,
    out: &mut ShardCheck,
) {
    let Ok(mapping) = tw_fs::Mapping::open(path) else {
        return; // reported by the shard's own scan
    };
    let display = path.display().to_string();
    let names: Option<BTreeSet<String>> = crate::with_mapped(mapping, |data| {
        crate::inspect::inspect_bytes(&display, data, options)
            .ok()
            .map(|i| i.tensors.into_iter().map(|t| t.name).collect())
    });
    let Some(names) = names else {
        return; // refused or damaged: the shard's own findings say why
    };
    let absent: Vec<&str> = tensors
        .iter()
        .copied()
        .filter(|t| !names.contains(*t))
        .collect();
    if absent.is_empty() {
        return;
    }
    let mut listed: Vec<String> = absent.iter().take(MAX_LISTED).map(|t| shown(t)).collect();
    if absent.len() > MAX_LISTED {
        listed.push("...".to_owned());
    }
    out.findings.push(index_tensor_missing::finding(
        Location::path(index.to_owned()),
        format!(
            "{} tensor(s) the index assigns to `{}` are not in it: {}",
            absent.len(),
            shown(shard),
            listed.join(", ")
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names_and_escapes() {
        assert_eq!(
            shard_pattern("pytorch_model-00001-of-00002.bin"),
            Some(("pytorch_model", "bin"))
        );
        assert_eq!(
            shard_pattern("model-00002-of-00002.safetensors"),
            Some(("model", "safetensors"))
        );
        assert_eq!(shard_pattern("model.safetensors"), None);
        assert_eq!(shard_pattern("a-x-of-2.bin"), None);
        assert!(stays_inside("model-00001-of-00002.safetensors"));
        assert!(!stays_inside("../evil.bin"));
        assert!(!stays_inside("/etc/passwd"));
        assert!(!stays_inside("a/../../b"));
        assert!(!stays_inside(""));
        assert!(!stays_inside("model.bin\0.txt"));
    }
}
