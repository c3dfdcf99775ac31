//! A scan over many files: walk, then analyse each file on its own thread from the pool
//! (files are independent), then gather everything into one set of findings and errors.
//! Scan time depends on pickles and directories only: files above `READ_LIMIT` (256 KiB) are
//! mapped and their tensor bytes never read (smaller files are read whole: cheaper than mapping).
use std::path::{Path, PathBuf};

use globset::GlobSet;
use rayon::prelude::*;
use tw_checkpoint::Format;
use tw_diagnostics::{AnalysisError, Finding, Stats};

use crate::{dcp, shards, walk, with_mapped, ScanOptions};

/// Everything a scan of many paths found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// All findings.
    pub findings: Vec<Finding>,
    /// All analysis errors (unreadable paths, malformed files).
    pub errors: Vec<AnalysisError>,
    /// Files analysed, skipped as not model files, and bytes mapped.
    pub stats: Stats,
}

/// Files the walk found, so a caller can size a progress bar before analysing.
pub fn files(
    paths: &[PathBuf],
    exclude: &GlobSet,
    options: &ScanOptions,
) -> (Vec<PathBuf>, Vec<AnalysisError>) {
    let walked = walk::collect(paths, exclude, options.follow_symlinks);
    (walked.files, walked.errors)
}

/// Analyses `files` in parallel; `on_file` is called once per finished file (for progress).
pub fn scan_files(
    files: &[PathBuf],
    options: &ScanOptions,
    on_file: &(dyn Fn() + Sync),
) -> ScanResult {
    let outcomes: Vec<FileResult> = files
        .par_iter()
        .map(|path| {
            let result = scan_file(path, options);
            on_file();
            result
        })
        .collect();
    let mut result = ScanResult::default();
    for outcome in outcomes {
        result.stats.bytes += outcome.bytes;
        if outcome.skipped {
            result.stats.skipped += 1;
        } else {
            result.stats.inputs += 1;
        }
        result.findings.extend(outcome.findings);
        result.errors.extend(outcome.errors);
    }
    let repository = shards::check(files, options);
    result.findings.extend(repository.findings);
    result.errors.extend(repository.errors);
    result
}

struct FileResult {
    findings: Vec<Finding>,
    errors: Vec<AnalysisError>,
    skipped: bool,
    bytes: u64,
}

/// Files up to this size are read rather than mapped: a scan touches most pages of a small
/// file anyway, and one read costs less than mapping, faulting each page in and unmapping
/// (which also interrupts the other scanning threads to flush their TLBs). Larger files are
/// mapped, so only the directories and pickles they hold are ever touched.
const READ_LIMIT: u64 = 256 * 1024;

/// A file's bytes, read or mapped.
enum FileBytes {
    Read(Vec<u8>),
    Mapped(tw_fs::Mapping),
}

/// Reads a small regular file whole; anything else (a large file, or any failure, so the error
/// reported is the mapping's) is mapped.
fn load(path: &Path) -> Result<FileBytes, tw_fs::Error> {
    if let Some(bytes) = read_small(path) {
        return Ok(FileBytes::Read(bytes));
    }
    tw_fs::Mapping::open(path).map(FileBytes::Mapped)
}

fn read_small(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > READ_LIMIT {
        return None;
    }
    // One read of the size just stated, into uninitialised capacity (File::read_to_end would
    // stat and seek again to size its buffer; zero-filling first would touch it twice).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    std::io::Read::read_to_end(&mut std::io::Read::take(&file, meta.len()), &mut bytes).ok()?;
    Some(bytes)
}

fn scan_file(path: &Path, options: &ScanOptions) -> FileResult {
    let display = path.display().to_string();
    let mapping = match load(path) {
        Ok(mapping) => mapping,
        Err(err) => {
            return FileResult {
                findings: Vec::new(),
                errors: vec![AnalysisError {
                    path: display,
                    entry: None,
                    offset: None,
                    message: err.to_string(),
                }],
                skipped: false,
                bytes: 0,
            }
        }
    };
    let (bytes, outcome) = match mapping {
        FileBytes::Mapped(map) => with_mapped(map, |data| {
            (
                data.len() as u64,
                dcp::analyse_file(path, &display, data, options),
            )
        }),
        FileBytes::Read(data) => (
            data.len() as u64,
            dcp::analyse_file(path, &display, &data, options),
        ),
    };
    if outcome.format == Some(Format::Unknown) && outcome.errors.is_empty() {
        return FileResult {
            findings: Vec::new(),
            errors: Vec::new(),
            skipped: true,
            bytes,
        };
    }
    FileResult {
        findings: outcome.findings,
        errors: outcome.errors,
        skipped: false,
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse_bytes;

    /// `os.system('echo pwned')` pickled with protocol 2, then `pad` bytes of trailing junk.
    fn malicious(pad: usize) -> Vec<u8> {
        let mut bytes =
            b"\x80\x02cposix\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."
                .to_vec();
        bytes.resize(bytes.len() + pad, b'#');
        bytes
    }

    #[test]
    fn read_and_mapped_files_are_analysed_like_their_bytes(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let options = ScanOptions::default();
        // One file read whole, one just past READ_LIMIT (mapped), one empty.
        let limit = usize::try_from(READ_LIMIT)?;
        for (name, pad) in [("small.pkl", 10), ("large.pkl", limit), ("empty.pkl", 0)] {
            let bytes = if name == "empty.pkl" {
                Vec::new()
            } else {
                malicious(pad)
            };
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes)?;
            let result = scan_file(&path, &options);
            let expected = analyse_bytes(&path.display().to_string(), &bytes, &options);
            assert_eq!(result.bytes, bytes.len() as u64, "{name}");
            assert_eq!(result.findings, expected.findings, "{name}");
            assert_eq!(result.errors, expected.errors, "{name}");
            assert!(name == "empty.pkl" || !result.findings.is_empty(), "{name}");
        }
        Ok(())
    }
}
