//! Findings of a report too big to hold, kept in sorted runs on disk and merged back in report
//! order (an external merge sort): at most [`CHUNK`] findings are in memory while the walk
//! runs, and one per run while they are read back. Runs are unnamed temporary files
//! (`tempfile::tempfile`, gone when closed), one finding per line as compact JSON.
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::sync::Mutex;
use tw_diagnostics::Finding;

/// Findings sorted in memory before a run is written (about 10-20 MiB of findings).
pub const CHUNK: usize = 20_000;

/// Sorted runs being built from findings that arrive from several threads.
#[derive(Debug, Default)]
pub struct Spill {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    chunk: Vec<Finding>,
    runs: Vec<File>,
    error: Option<std::io::Error>,
}

impl State {
    /// Sorts the chunk and writes it out as one run.
    fn flush(&mut self) {
        if self.chunk.is_empty() || self.error.is_some() {
            return;
        }
        self.chunk.sort_by(Finding::report_order);
        let written = (|| -> std::io::Result<File> {
            let mut out = BufWriter::new(tempfile::tempfile()?);
            for finding in self.chunk.drain(..) {
                serde_json::to_writer(&mut out, &finding)?;
                out.write_all(b"\n")?;
            }
            let mut file = out
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            file.rewind()?;
            Ok(file)
        })();
        match written {
            Ok(file) => self.runs.push(file),
            Err(err) => self.error = Some(err),
        }
        self.chunk = Vec::new();
    }
}

impl Spill {
    /// Takes a batch of findings (any order).
    pub fn push(&self, batch: Vec<Finding>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.chunk.extend(batch);
        if state.chunk.len() >= CHUNK {
            state.flush();
        }
    }

    /// Every finding pushed, in report order. Fails if a run could not be written.
    pub fn into_sorted(self) -> std::io::Result<Merge> {
        let mut state = self
            .state
            .into_inner()
            .map_err(|_| std::io::Error::other("a thread panicked while spilling findings"))?;
        if let Some(err) = state.error.take() {
            return Err(err);
        }
        // A report that fits in one chunk never touches the disk.
        if state.runs.is_empty() {
            state.chunk.sort_by(Finding::report_order);
            return Ok(Merge {
                memory: state.chunk.into_iter(),
                readers: Vec::new(),
                heap: BinaryHeap::new(),
                error: None,
            });
        }
        state.flush();
        if let Some(err) = state.error.take() {
            return Err(err);
        }
        let mut merge = Merge {
            memory: Vec::new().into_iter(),
            readers: state
                .runs
                .into_iter()
                .map(|file| BufReader::with_capacity(64 * 1024, file))
                .collect(),
            heap: BinaryHeap::new(),
            error: None,
        };
        for index in 0..merge.readers.len() {
            merge.refill(index);
        }
        Ok(merge)
    }
}

/// The head of one run in the merge heap (a min-heap by report order, ties by run).
#[derive(Debug)]
struct Head {
    finding: Finding,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap pops the largest.
        Finding::report_order(&other.finding, &self.finding).then(other.run.cmp(&self.run))
    }
}

/// Findings in report order, read back from the runs. A run that cannot be read back ends the
/// iteration early; [`Merge::error`] then says why.
#[derive(Debug)]
pub struct Merge {
    memory: std::vec::IntoIter<Finding>,
    readers: Vec<BufReader<File>>,
    heap: BinaryHeap<Head>,
    error: Option<std::io::Error>,
}

impl Merge {
    /// Reads the next finding of run `run` into the heap.
    fn refill(&mut self, run: usize) {
        let Some(reader) = self.readers.get_mut(run) else {
            return;
        };
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => {}
            Ok(_) => match serde_json::from_str::<Finding>(&line) {
                Ok(finding) => self.heap.push(Head { finding, run }),
                Err(err) => self.error = Some(std::io::Error::other(err)),
            },
            Err(err) => self.error = Some(err),
        }
    }

    /// Why the merge ended early, if it did.
    pub fn error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }
}

impl Iterator for Merge {
    type Item = Finding;

    fn next(&mut self) -> Option<Finding> {
        if let Some(finding) = self.memory.next() {
            return Some(finding);
        }
        if self.error.is_some() {
            return None;
        }
        let Head { finding, run } = self.heap.pop()?;
        self.refill(run);
        Some(finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tw_diagnostics::{Location, Report};

    fn finding(path: &str) -> Finding {
        let rule = tw_perms::RULES
            .first()
            .unwrap_or_else(|| panic!("tw-perms has rules"));
        Finding::new(rule, Location::path(path), format!("{path} is too open"))
    }

    #[test]
    fn runs_merge_back_in_report_order() {
        let spill = Spill::default();
        let total = CHUNK * 2 + 123;
        // Batches in a scrambled order, as threads would deliver them.
        let mut paths: Vec<String> = (0..total)
            .map(|i| format!("/t/{:07}", (i * 7919) % total))
            .collect();
        for batch in paths.chunks(997) {
            spill.push(batch.iter().map(|p| finding(p)).collect());
        }
        let mut merge = spill.into_sorted().unwrap_or_else(|e| panic!("{e}"));
        let merged: Vec<Finding> = merge.by_ref().collect();
        assert!(merge.error().is_none());
        paths.sort();
        let mut report = Report::new("audit perms", "0");
        report.findings = paths.iter().map(|p| finding(p)).collect();
        report.sort();
        assert_eq!(merged, report.findings);
    }
}
