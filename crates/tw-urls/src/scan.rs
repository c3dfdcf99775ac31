//! Walking a tree and scanning its files in parallel. The walk honours `.gitignore`, `.ignore`
//! and git's exclude files unless `no_ignore` (matched as ripgrep's `ignore` crate does, but read
//! through [`tw_fs::IgnoreRules`], so a FIFO among them is passed over), never enters `.git`,
//! drops `--exclude` globs, and keeps configuration files and scripts (or every text file with
//! `all_files`). Files named on the command line are always scanned. Binary files (a NUL byte in
//! the first 8 KiB) and files over the size limit are skipped; an unreadable file becomes a
//! [`FileError`] and the run goes on.
use crate::address::Address;
use crate::error::Error;
use crate::extract::{extract, LineIndex};
use crate::filetype::{any_file, config_or_script, Syntax};
use crate::rules::plain_http_download;
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How much of a file is looked at for a NUL byte to call it binary (as git and ripgrep do).
const BINARY_PROBE: usize = 8 * 1024;

/// What to walk and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Scan every text file, not only configuration files and scripts.
    pub all_files: bool,
    /// Do not honour `.gitignore`, `.ignore` and git exclude files.
    pub no_ignore: bool,
    /// Globs of paths to leave out, matched against the path relative to the root and
    /// against each file or directory name (`vendor/**`, `*.min.js`, `third_party`).
    pub exclude: Vec<String>,
    /// Files larger than this are skipped (counted in `skipped`).
    pub max_file_bytes: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            all_files: false,
            no_ignore: false,
            exclude: Vec::new(),
            max_file_bytes: 32 * 1024 * 1024,
        }
    }
}

/// One address found in a file, with what the rules need to know about its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The address.
    pub address: Address,
    /// Whether it is a plain-HTTP package index or download (TW503).
    pub plain_http_download: bool,
}

/// The public addresses of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAddresses {
    /// The path as walked (root joined with the relative path), for locations.
    pub path: String,
    /// The path relative to its root, `/`-separated: the declaration's file column.
    pub file: String,
    /// The addresses in file order.
    pub addresses: Vec<Found>,
}

/// A file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The path as walked.
    pub path: String,
    /// What went wrong (the tw-fs or walk error text, naming the path).
    pub message: String,
}

/// Everything a scan of some roots found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeScan {
    /// Files with at least one public address, sorted by path.
    pub files: Vec<FileAddresses>,
    /// Files or directories that could not be read.
    pub errors: Vec<FileError>,
    /// Files scanned.
    pub inputs: u64,
    /// Files selected but skipped (binary or too large).
    pub skipped: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Files passed over: vanished during the walk, or special files (FIFOs, sockets).
    pub passed_over: Vec<tw_diagnostics::SkippedInput>,
}

/// A file chosen for scanning.
struct Candidate {
    path: PathBuf,
    file: String,
    syntax: Syntax,
    /// Named by the user: failing to read it is an error, not a skip.
    explicit: bool,
}

/// Walks `roots` and scans the selected files in parallel (rayon).
pub fn scan_paths(roots: &[PathBuf], options: &ScanOptions) -> Result<TreeScan, Error> {
    let exclude = exclude_set(&options.exclude)?;
    let mut scan = TreeScan::default();
    let mut candidates = Vec::new();
    for root in roots {
        walk_root(
            root,
            options,
            &exclude,
            &mut candidates,
            &mut scan.errors,
            &mut scan.passed_over,
        );
    }
    let results: Vec<FileResult> = candidates
        .par_iter()
        .map(|candidate| scan_file(candidate, options.max_file_bytes))
        .collect();
    for result in results {
        match result {
            FileResult::Scanned { bytes, file } => {
                scan.inputs = scan.inputs.saturating_add(1);
                scan.bytes = scan.bytes.saturating_add(bytes);
                if !file.addresses.is_empty() {
                    scan.files.push(file);
                }
            }
            FileResult::Skipped => scan.skipped = scan.skipped.saturating_add(1),
            FileResult::PassedOver(skipped) => scan.passed_over.push(skipped),
            FileResult::Failed(error) => scan.errors.push(error),
        }
    }
    scan.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan)
}

/// Scans one text (already read) as `syntax`: the addresses and their rule context.
pub fn scan_text(text: &str, syntax: Syntax) -> Vec<Found> {
    let addresses = extract(text, syntax);
    if addresses.is_empty() {
        return Vec::new();
    }
    let index = LineIndex::new(text.as_bytes());
    addresses
        .into_iter()
        .map(|address| {
            let line = index.line_text(text, address.offset);
            Found {
                plain_http_download: plain_http_download::applies(&address, line),
                address,
            }
        })
        .collect()
}

fn exclude_set(globs: &[String]) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let parsed = Glob::new(glob).map_err(|source| Error::Glob {
            glob: glob.clone(),
            source,
        })?;
        builder.add(parsed);
    }
    builder.build().map_err(|source| Error::Glob {
        glob: globs.join(", "),
        source,
    })
}

fn walk_root(
    root: &Path,
    options: &ScanOptions,
    exclude: &GlobSet,
    candidates: &mut Vec<Candidate>,
    errors: &mut Vec<FileError>,
    passed_over: &mut Vec<tw_diagnostics::SkippedInput>,
) {
    if !root.is_dir() {
        // Read whatever it is: a missing path or a special file is an error when read.
        candidates.push(Candidate {
            path: root.to_path_buf(),
            file: slash_path(root),
            syntax: any_file(root),
            explicit: true,
        });
        return;
    }
    let root_owned = root.to_path_buf();
    let exclude_owned = exclude.clone();
    // The walker reads no ignore file itself (its opens block on a FIFO): tw-fs does.
    let rules = (!options.no_ignore).then(|| Arc::new(tw_fs::IgnoreRules::new(root, false)));
    let walk_rules = rules.clone();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            if entry.file_name() == ".git" {
                return false;
            }
            let relative = entry
                .path()
                .strip_prefix(&root_owned)
                .unwrap_or(entry.path());
            if relative.as_os_str().is_empty() {
                return true;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(exclude_owned.is_match(relative)
                || exclude_owned.is_match(entry.file_name())
                || walk_rules
                    .as_ref()
                    .is_some_and(|rules| rules.is_ignored(entry.path(), is_dir)))
        });
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                errors.push(FileError {
                    path: root.display().to_string(),
                    message: err.to_string(),
                });
                continue;
            }
        };
        // Special files go on: the read refuses them and counts them passed over.
        if entry
            .file_type()
            .is_none_or(|t| t.is_dir() || t.is_symlink())
        {
            continue;
        }
        let path = entry.path();
        let syntax = if options.all_files {
            Some(any_file(path))
        } else {
            config_or_script(path)
        };
        let Some(syntax) = syntax else { continue };
        let relative = path.strip_prefix(root).unwrap_or(path);
        candidates.push(Candidate {
            path: path.to_path_buf(),
            file: slash_path(relative),
            syntax,
            explicit: false,
        });
    }
    if let Some(rules) = rules {
        let problems = rules.take_problems();
        passed_over.extend(problems.skipped);
        errors.extend(problems.errors.into_iter().map(|error| FileError {
            path: error.path().display().to_string(),
            message: error.to_string(),
        }));
    }
}

/// A path with `/` separators and no leading `./`.
fn slash_path(path: &Path) -> String {
    let text = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if path.is_absolute() {
        format!("/{}", text.trim_start_matches('/'))
    } else {
        text
    }
}

enum FileResult {
    Scanned { bytes: u64, file: FileAddresses },
    Skipped,
    PassedOver(tw_diagnostics::SkippedInput),
    Failed(FileError),
}

fn scan_file(candidate: &Candidate, max_bytes: u64) -> FileResult {
    let display = candidate.path.display().to_string();
    let bytes = match tw_fs::read_bounded(&candidate.path, max_bytes) {
        Ok(bytes) => bytes,
        Err(tw_fs::Error::TooLarge { .. }) => return FileResult::Skipped,
        Err(err) => {
            return match err.walk_skip() {
                Some(reason) if !candidate.explicit => {
                    FileResult::PassedOver(tw_diagnostics::SkippedInput {
                        path: display,
                        reason,
                    })
                }
                _ => FileResult::Failed(FileError {
                    message: tw_diagnostics::AnalysisError::of_path(display.clone(), &err).message,
                    path: display,
                }),
            };
        }
    };
    let probe = bytes.get(..BINARY_PROBE.min(bytes.len())).unwrap_or(&[]);
    if memchr::memchr(0, probe).is_some() {
        return FileResult::Skipped;
    }
    let text = String::from_utf8_lossy(&bytes);
    FileResult::Scanned {
        bytes: bytes.len() as u64,
        file: FileAddresses {
            path: display,
            file: candidate.file.clone(),
            addresses: scan_text(&text, candidate.syntax),
        },
    }
}
