//! Directory mode: which files of a tree `convert` attempts (checkpoints and anything that
//! claims to be one, so a malicious file is refused rather than ignored) and which it skips
//! (safetensors already, other archives, anything not a model), and where each output goes
//! (the same relative path under the output directory, extension `.safetensors`).
//! Symbolic links are never followed.

use std::path::{Path, PathBuf};

use tw_checkpoint::Format;

/// What the walk decided for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Attempt to convert `input` to `output`.
    Convert {
        /// The file.
        input: PathBuf,
        /// Where its safetensors file goes.
        output: PathBuf,
    },
    /// Not a checkpoint; left alone.
    Skip {
        /// The file.
        input: PathBuf,
        /// Its detected format.
        format: &'static str,
    },
    /// Could not be read or named (a walk error, or two inputs with one output).
    Error {
        /// The path.
        input: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Whether a file of `format` is attempted in directory mode: every checkpoint-like format
/// (including the ones `convert` refuses, so they are reported), not safetensors, plain
/// archives, compressed wrappers or unknown content.
pub fn attempts(format: Format) -> bool {
    matches!(
        format,
        Format::TorchZip
            | Format::TorchScript
            | Format::TorchPackage
            | Format::Pt2
            | Format::TorchServeMar
            | Format::Npz
            | Format::LegacyStream
            | Format::LegacyTar
            | Format::RawPickle
            | Format::PickleZipPolyglot
            | Format::Npy
    )
}

/// Walks `root` (sorted, no symlinks) and decides for each regular file; files inside
/// `out_dir` (when it lies strictly within `root`: earlier outputs) are not walked. An output
/// that would be one of the inputs (the same file: `--out-dir` equal to the tree, a symlink or
/// a hard link to an input) is an error for that input, never overwritten.
pub fn walk(root: &Path, out_dir: &Path, options: &tw_checkpoint::Options) -> Vec<Entry> {
    let (entries, attempted) = walk_inputs(root, out_dir, options);
    refuse_outputs_that_are_inputs(entries, &attempted)
}

/// Turns every `Convert` whose output is the same file as an attempted input of the walk
/// (converted or not) into an error.
fn refuse_outputs_that_are_inputs(entries: Vec<Entry>, attempted: &[PathBuf]) -> Vec<Entry> {
    let inputs: std::collections::HashMap<(u64, u64), &PathBuf> = attempted
        .iter()
        .filter_map(|input| crate::same_file::identity(input).map(|id| (id, input)))
        .collect();
    entries
        .into_iter()
        .map(|entry| match entry {
            Entry::Convert { input, output } => {
                match crate::same_file::identity(&output).and_then(|id| inputs.get(&id)) {
                    Some(other) => Entry::Error {
                        message: format!(
                            "its output `{}` is the input `{}` (the same file); choose an --out-dir outside the inputs",
                            output.display(),
                            other.display()
                        ),
                        input,
                    },
                    None => Entry::Convert { input, output },
                }
            }
            other => other,
        })
        .collect()
}

/// The walk itself: one decision per regular file, and every file attempted.
fn walk_inputs(
    root: &Path,
    out_dir: &Path,
    options: &tw_checkpoint::Options,
) -> (Vec<Entry>, Vec<PathBuf>) {
    let mut entries = Vec::new();
    let mut attempted = Vec::new();
    let mut outputs: Vec<(PathBuf, PathBuf)> = Vec::new();
    // Only an output directory strictly inside the tree holds earlier outputs to leave out;
    // one that is the tree (or holds it) would hide every input.
    let out_canonical = out_dir.canonicalize().ok().filter(|out| {
        root.canonicalize()
            .is_ok_and(|root| out.starts_with(&root) && *out != root)
    });
    for item in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                entries.push(Entry::Error {
                    input: e
                        .path()
                        .map_or_else(|| root.to_path_buf(), Path::to_path_buf),
                    message: e.to_string(),
                });
                continue;
            }
        };
        if !item.file_type().is_file() {
            continue;
        }
        let path = item.path().to_path_buf();
        if out_canonical
            .as_ref()
            .is_some_and(|o| path.canonicalize().is_ok_and(|p| p.starts_with(o)))
        {
            continue;
        }
        let format = match tw_fs::Mapping::open(&path) {
            Ok(map) => tw_checkpoint::detect(&map, &options.limits),
            Err(e) => {
                entries.push(Entry::Error {
                    input: path,
                    message: e.to_string(),
                });
                continue;
            }
        };
        if !attempts(format) {
            entries.push(Entry::Skip {
                input: path,
                format: format.name(),
            });
            continue;
        }
        attempted.push(path.clone());
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let output = crate::default_output(&out_dir.join(relative));
        if let Some((first, _)) = outputs.iter().find(|(_, o)| *o == output) {
            entries.push(Entry::Error {
                message: format!(
                    "its output `{}` is also the output of `{}`",
                    output.display(),
                    first.display()
                ),
                input: path,
            });
            continue;
        }
        outputs.push((path.clone(), output.clone()));
        entries.push(Entry::Convert {
            input: path,
            output,
        });
    }
    (entries, attempted)
}
