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
/// `out_dir` (when it lies within `root`) are not walked.
pub fn walk(root: &Path, out_dir: &Path, options: &tw_checkpoint::Options) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut outputs: Vec<(PathBuf, PathBuf)> = Vec::new();
    let out_canonical = out_dir.canonicalize().ok();
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
    entries
}
