//! Finding the files to lint under the given paths and linting them in parallel. The walk is
//! `ignore`'s (ripgrep's): `.gitignore` (inside a git repository), `.ignore` and the repository's
//! exclude file are honoured, read through [`tw_fs::IgnoreRules`] so that a FIFO among them is
//! passed over and counted instead of blocking the walk; hidden files
//! are visited (so `.env` is seen) but VCS directories are not. Invariant: a file that cannot
//! be read is reported with its path and the run goes on. Files are opened non-blocking and
//! must be regular ([`tw_fs::read_bounded`]): a special file or a missing path named is an
//! error; one met in a walk, or a file that vanished since the walk listed it, is passed over
//! and counted.
use crate::source::{lint_source, ParseFailure};
use crate::{Options, SourceKind};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tw_diagnostics::{Finding, SkippedInput};

/// Files larger than this are reported instead of read (generated code that big is data).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A file or directory that could not be walked or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoFailure {
    /// The path.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// One file to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path as the walk produced it.
    pub path: PathBuf,
    /// How to lint it.
    pub kind: SourceKind,
    /// Named by the user: failing to read it is an error, not a skip.
    pub explicit: bool,
}

/// Everything a lint run produced.
#[derive(Debug, Clone, Default)]
pub struct LintOutcome {
    /// Findings of every file, suppressed ones included.
    pub findings: Vec<Finding>,
    /// Syntax errors (those files were still linted as far as the parser recovered).
    pub parse_errors: Vec<ParseFailure>,
    /// Files or directories that could not be read.
    pub io_errors: Vec<IoFailure>,
    /// Files linted or prefiltered.
    pub files: u64,
    /// Files the byte prefilter skipped.
    pub skipped: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Files passed over: vanished during the walk, or special files (FIFOs, sockets).
    pub passed_over: Vec<SkippedInput>,
}

/// How a file is linted, from its name; `None` for files lint ignores.
pub fn kind_of(path: &Path) -> Option<SourceKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map(|(_, ext)| ext);
    if matches!(extension, Some("py" | "pyw")) {
        return Some(SourceKind::Python);
    }
    let env_text = matches!(
        extension,
        Some("sh" | "bash" | "zsh" | "ksh" | "yml" | "yaml" | "env" | "dockerfile")
    ) || lower.starts_with("dockerfile")
        || lower.starts_with("containerfile")
        || lower == ".env"
        || lower.starts_with(".env.");
    env_text.then_some(SourceKind::EnvText)
}

/// The files under `paths`: directories are walked, files named directly are always linted
/// (as Python unless their name says otherwise). Also returns what could not be walked and the
/// ignore files passed over (FIFOs and other special files named `.gitignore` or `.ignore`).
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<IoFailure>, Vec<SkippedInput>) {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    let mut passed_over = Vec::new();
    for root in paths {
        if !root.is_dir() {
            // Read whatever it is: a missing path or a special file is an error when read.
            inputs.push(Input {
                path: root.clone(),
                kind: kind_of(root).unwrap_or(SourceKind::Python),
                explicit: true,
            });
            continue;
        }
        // The walker reads no ignore file itself (its opens block on a FIFO): tw-fs does.
        let rules = Arc::new(tw_fs::IgnoreRules::new(root, true));
        let walk_rules = Arc::clone(&rules);
        let walker = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .hidden(false)
            .filter_entry(move |entry| {
                let vcs_or_cache = matches!(
                    entry.file_name().to_str(),
                    Some(".git" | ".hg" | ".svn" | "__pycache__")
                );
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                entry.depth() == 0 || !(vcs_or_cache || walk_rules.is_ignored(entry.path(), is_dir))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let Some(file_type) = entry.file_type() else {
                        continue;
                    };
                    if file_type.is_dir() || file_type.is_symlink() {
                        continue;
                    }
                    if let Some(kind) = kind_of(entry.path()) {
                        // Special files too: the read refuses them and counts them skipped.
                        inputs.push(Input {
                            path: entry.into_path(),
                            kind,
                            explicit: false,
                        });
                    }
                }
                Err(error) => failures.push(IoFailure {
                    path: root.display().to_string(),
                    message: error.to_string(),
                }),
            }
        }
        let problems = rules.take_problems();
        passed_over.extend(problems.skipped);
        failures.extend(problems.errors.into_iter().map(|error| IoFailure {
            path: error.path().display().to_string(),
            message: error.to_string(),
        }));
    }
    (inputs, failures, passed_over)
}

enum FileResult {
    Linted(crate::source::FileOutcome, u64),
    Failed(IoFailure),
    Skipped(SkippedInput),
}

fn lint_input(input: &Input, options: Options) -> FileResult {
    let path = input.path.display().to_string();
    match tw_fs::read_bounded(&input.path, MAX_FILE_BYTES) {
        Ok(bytes) => {
            let size = bytes.len() as u64;
            // Python source is UTF-8 (PEP 3120); other encodings are read lossily.
            let source = String::from_utf8_lossy(&bytes);
            FileResult::Linted(lint_source(&path, &source, input.kind, options), size)
        }
        Err(tw_fs::Error::TooLarge { actual, .. }) => FileResult::Failed(IoFailure {
            path,
            message: format!(
                "file is {actual} bytes, more than the lint limit of {MAX_FILE_BYTES}"
            ),
        }),
        Err(error) => match error.walk_skip() {
            Some(reason) if !input.explicit => FileResult::Skipped(SkippedInput { path, reason }),
            _ => FileResult::Failed(IoFailure {
                message: tw_diagnostics::AnalysisError::of_path(path.clone(), &error).message,
                path,
            }),
        },
    }
}

/// Lints `inputs` in parallel; `on_file` is called once per file (progress).
pub fn lint_inputs(inputs: &[Input], options: Options, on_file: &(dyn Fn() + Sync)) -> LintOutcome {
    let results: Vec<FileResult> = inputs
        .par_iter()
        .map(|input| {
            let result = lint_input(input, options);
            on_file();
            result
        })
        .collect();
    let mut outcome = LintOutcome::default();
    for result in results {
        match result {
            FileResult::Linted(file, bytes) => {
                outcome.files += 1;
                outcome.bytes += bytes;
                if file.skipped {
                    outcome.skipped += 1;
                }
                outcome.findings.extend(file.findings);
                outcome.parse_errors.extend(file.parse_errors);
            }
            FileResult::Failed(failure) => outcome.io_errors.push(failure),
            FileResult::Skipped(skipped) => outcome.passed_over.push(skipped),
        }
    }
    outcome
}

/// Discovers and lints everything under `paths`.
pub fn lint_paths(paths: &[PathBuf], options: Options) -> LintOutcome {
    let (inputs, failures, passed_over) = discover(paths);
    let mut outcome = lint_inputs(&inputs, options, &|| {});
    outcome.io_errors.splice(0..0, failures);
    outcome.passed_over.extend(passed_over);
    outcome
}
