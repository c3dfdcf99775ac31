//! A scan over many files: walk ([`crate::walk`]), then analyse each input on its own thread
//! from the pool (files are independent), handing each finished file to the caller as it
//! completes, so a streaming caller holds no result longer than one file and a collecting
//! caller gathers them into one [`ScanResult`].
//! Scan time depends on pickles and directories only: files above `READ_LIMIT` (256 KiB) are
//! mapped and their tensor bytes never read (smaller files are read whole: cheaper than
//! mapping). Every file is opened non-blocking and must be a regular file
//! ([`tw_fs::open_regular`]); one found by a walk that vanished or became a special file since
//! the listing is passed over with the reason, one the user named is an error.
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use tw_checkpoint::Format;
use tw_diagnostics::{AnalysisError, Finding, SkipReason, SkippedInput, Stats};

use crate::walk::Input;
use crate::{analyse_bytes, dcp, shards, with_mapped, FileOutcome, ScanOptions};

/// Everything a scan of many inputs found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// All findings.
    pub findings: Vec<Finding>,
    /// All analysis errors (unreadable paths, malformed files).
    pub errors: Vec<AnalysisError>,
    /// Inputs passed over (vanished or turned special since the walk listed them).
    pub skipped: Vec<SkippedInput>,
    /// Files analysed, skipped as not model files, and bytes read.
    pub stats: Stats,
}

impl ScanResult {
    /// Adds one finished file.
    pub fn add(&mut self, file: FileResult) {
        file.count(&mut self.stats);
        if let Verdict::Skipped(reason) = file.verdict {
            self.skipped.push(SkippedInput {
                path: file.path.clone(),
                reason,
            });
        }
        self.findings.extend(file.findings);
        self.errors.extend(file.errors);
    }

    /// Adds the repository checks' findings and errors.
    pub fn add_repository(&mut self, check: shards::ShardCheck) {
        self.findings.extend(check.findings);
        self.errors.extend(check.errors);
    }
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Analysed (its findings and errors say what was found).
    Analysed,
    /// Read, and no model or pickle format by content.
    NotModel,
    /// Not read, for this reason.
    Skipped(SkipReason),
}

impl Verdict {
    /// `analysed`, `not-model`, or the skip reason (`vanished`, `fifo` ...), for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Analysed => "analysed",
            Verdict::NotModel => "not-model",
            Verdict::Skipped(reason) => reason.as_str(),
        }
    }
}

/// One finished file under one of its names (an input reached by several names gives one
/// result per name, analysed once).
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The name it is reported under.
    pub path: String,
    /// What became of it.
    pub verdict: Verdict,
    /// Its findings, located under `path`.
    pub findings: Vec<Finding>,
    /// Its analysis errors, under `path`.
    pub errors: Vec<AnalysisError>,
    /// Bytes read or mapped (counted on the first name only).
    pub bytes: u64,
}

impl FileResult {
    /// Adds this file to the run's counts: inputs analysed, skipped as not model files, bytes.
    pub fn count(&self, stats: &mut Stats) {
        stats.bytes += self.bytes;
        match self.verdict {
            Verdict::NotModel => stats.skipped += 1,
            Verdict::Analysed => stats.inputs += 1,
            Verdict::Skipped(_) => {}
        }
    }
}

/// Analyses `inputs` in parallel and gathers the results, with the repository checks
/// ([`shards::check`]) over them.
pub fn scan_inputs(
    inputs: &[Input],
    options: &ScanOptions,
    on_file: &(dyn Fn() + Sync),
) -> ScanResult {
    let mut result = scan_files(inputs, options, on_file);
    // Files that are one checkpoint together: a sharded repository's index against its shards.
    let paths: Vec<std::path::PathBuf> = inputs.iter().map(|i| i.path().to_path_buf()).collect();
    result.add_repository(shards::check(&paths, options, &|_| true));
    result
}

/// Analyses `inputs` in parallel and gathers the results, file by file only (a caller that
/// splits a scan runs [`shards::check`] itself, over every file walked).
pub fn scan_files(
    inputs: &[Input],
    options: &ScanOptions,
    on_file: &(dyn Fn() + Sync),
) -> ScanResult {
    let result = Mutex::new(ScanResult::default());
    for_each_file(inputs, options, &|file| {
        if let Ok(mut result) = result.lock() {
            result.add(file);
        }
        on_file();
    });
    result
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Analyses `inputs` in parallel, calling `each` with every file result as soon as it is
/// finished (from the worker thread; in completion order, not walk order).
pub fn for_each_file(inputs: &[Input], options: &ScanOptions, each: &(dyn Fn(FileResult) + Sync)) {
    inputs.par_iter().for_each(|input| {
        for file in scan_input(input, options) {
            each(file);
        }
    });
}

/// One input analysed once, its result copied under each name it was reached by.
fn scan_input(input: &Input, options: &ScanOptions) -> Vec<FileResult> {
    let first = scan_path(input.path(), input.explicit, options);
    let mut results = Vec::with_capacity(input.names.len());
    for name in input.names.iter().skip(1) {
        let path = name.display().to_string();
        results.push(FileResult {
            findings: first
                .findings
                .iter()
                .cloned()
                .map(|mut f| {
                    f.location.path.clone_from(&path);
                    f
                })
                .collect(),
            errors: first
                .errors
                .iter()
                .cloned()
                .map(|mut e| {
                    e.path.clone_from(&path);
                    e
                })
                .collect(),
            verdict: first.verdict,
            bytes: 0,
            path,
        });
    }
    results.insert(0, first);
    results
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

/// Opens `path` without blocking (regular files only), then reads it whole when small or maps
/// it when large, from the one descriptor.
fn load(path: &Path) -> Result<FileBytes, tw_fs::Error> {
    let (file, meta) = tw_fs::open_regular(path)?;
    if meta.len() > READ_LIMIT {
        return tw_fs::Mapping::of_file(&file, path).map(FileBytes::Mapped);
    }
    // One read of the size just stated, into uninitialised capacity (File::read_to_end would
    // stat and seek again to size its buffer; zero-filling first would touch it twice).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::io::Read::read_to_end(&mut std::io::Read::take(&file, meta.len()), &mut bytes).map_err(
        |source| tw_fs::Error::Io {
            op: tw_fs::Op::Read,
            path: path.to_path_buf(),
            source,
        },
    )?;
    Ok(FileBytes::Read(bytes))
}

fn scan_path(path: &Path, explicit: bool, options: &ScanOptions) -> FileResult {
    let display = path.display().to_string();
    let mapping = match load(path) {
        Ok(mapping) => mapping,
        Err(err) => {
            let skip = if explicit { None } else { err.walk_skip() };
            let (verdict, errors) = match skip {
                Some(reason) => (Verdict::Skipped(reason), Vec::new()),
                None => (
                    Verdict::Analysed,
                    vec![AnalysisError::of_path(display.clone(), &err)],
                ),
            };
            return FileResult {
                path: display,
                verdict,
                findings: Vec::new(),
                errors,
                bytes: 0,
            };
        }
    };
    // A DCP data file is read at the offsets its directory's `.metadata` records.
    match mapping {
        FileBytes::Mapped(map) => with_mapped(map, |data| {
            judged(
                &display,
                data,
                dcp::analyse_file(path, &display, data, options),
            )
        }),
        FileBytes::Read(data) => judged(
            &display,
            &data,
            dcp::analyse_file(path, &display, &data, options),
        ),
    }
}

/// One file's bytes already in hand (standard input, or a file just read), analysed and
/// judged as every file of a scan is; `name` is how findings name it.
pub fn scan_bytes(name: &str, data: &[u8], options: &ScanOptions) -> FileResult {
    judged(name, data, analyse_bytes(name, data, options))
}

/// The result of one file from its analysis: not a model when no format was recognised and
/// nothing went wrong.
fn judged(name: &str, data: &[u8], outcome: FileOutcome) -> FileResult {
    let verdict = if outcome.format == Some(Format::Unknown) && outcome.errors.is_empty() {
        Verdict::NotModel
    } else {
        Verdict::Analysed
    };
    FileResult {
        path: name.to_owned(),
        verdict,
        findings: outcome.findings,
        errors: outcome.errors,
        bytes: data.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
            let result = scan_path(&path, true, &options);
            let expected = analyse_bytes(&path.display().to_string(), &bytes, &options);
            assert_eq!(result.bytes, bytes.len() as u64, "{name}");
            assert_eq!(result.findings, expected.findings, "{name}");
            assert_eq!(result.errors, expected.errors, "{name}");
            assert!(name == "empty.pkl" || !result.findings.is_empty(), "{name}");
        }
        Ok(())
    }

    #[test]
    fn vanished_and_special_files_are_skipped_in_walks_and_errors_when_named(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let options = ScanOptions::default();
        let gone = dir.path().join("gone.pt");
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )?;
        let walked = scan_path(&gone, false, &options);
        assert_eq!(walked.verdict, Verdict::Skipped(SkipReason::Vanished));
        assert!(walked.errors.is_empty());
        let walked = scan_path(&fifo, false, &options);
        assert_eq!(walked.verdict, Verdict::Skipped(SkipReason::Fifo));
        let named = scan_path(&gone, true, &options);
        assert_eq!(named.errors.len(), 1);
        assert!(
            named.errors[0]
                .message
                .starts_with(&format!("cannot open `{}` (ENOENT): ", gone.display())),
            "{:?}",
            named.errors
        );
        let named = scan_path(&fifo, true, &options);
        assert!(named.errors[0].message.contains("is a FIFO"));
        Ok(())
    }

    #[test]
    fn an_input_with_several_names_is_reported_under_each() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let blob = dir.path().join("blob");
        std::fs::write(&blob, malicious(0))?;
        let names: Vec<PathBuf> = ["a", "b"].iter().map(|n| dir.path().join(n)).collect();
        for name in &names {
            std::os::unix::fs::symlink(&blob, name)?;
        }
        let input = Input {
            names: names.clone(),
            explicit: false,
        };
        let result = scan_inputs(&[input], &ScanOptions::default(), &|| {});
        assert_eq!(result.stats.inputs, 2);
        assert_eq!(result.stats.bytes, malicious(0).len() as u64);
        for name in &names {
            let path = name.display().to_string();
            assert!(result.findings.iter().any(|f| f.location.path == path));
        }
        Ok(())
    }
}
