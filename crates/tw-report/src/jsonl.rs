//! `--format jsonl`: one compact JSON object per line, written as each file finishes, so a
//! scan of millions of files holds no more than one file's result and a consumer can read the
//! stream while it is written. Every line has a `type`: `file` (one per file, any order),
//! `skipped` (an input passed over, with the reason), `error` (a path that could not be
//! walked or read, not tied to an analysed file), and one `summary` line last. The shapes are
//! documented in `docs/json-schema.md`; `Finding` and `AnalysisError` are the JSON report's.
use crate::Error;
use serde::Serialize;
use tw_diagnostics::{AnalysisError, Finding, SkipReason, Stats, ToolInfo};

/// One line of the stream.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Line<'a> {
    /// A file read: what it was and what was found in it.
    File {
        /// The file as named or walked.
        path: &'a str,
        /// `analysed` or `not-model` (read, no model or pickle format by content).
        verdict: &'a str,
        /// Its findings after `--select/--ignore`, suppressed ones included.
        findings: &'a [Finding],
        /// Parts of it that could not be analysed.
        errors: &'a [AnalysisError],
        /// Bytes read or mapped (0 for a second name of a file already counted).
        bytes: u64,
    },
    /// An input passed over without analysis.
    Skipped {
        /// The path as walked.
        path: &'a str,
        /// Why (`vanished`, `fifo`, `dangling-link` ...).
        reason: SkipReason,
    },
    /// A path that could not be walked or read.
    Error(&'a AnalysisError),
    /// The last line: totals of the whole run.
    Summary {
        /// The JSON report's `schema_version`.
        schema_version: u32,
        /// The tool and its version.
        tool: &'a ToolInfo,
        /// The subcommand (`scan`).
        command: &'a str,
        /// The JSON report's counts.
        stats: &'a Stats,
        /// Unsuppressed findings at or above `--fail-on`.
        counting_findings: u64,
        /// Analysis errors, in file lines and error lines together.
        errors: u64,
        /// Inputs passed over.
        skipped: u64,
        /// The shard this run covered (`--shard I/N`), when sharded.
        #[serde(skip_serializing_if = "Option::is_none")]
        shard: Option<&'a str>,
    },
}

/// `line` as one line of compact JSON, newline included.
pub fn jsonl(line: &Line<'_>) -> Result<String, Error> {
    let mut out = serde_json::to_string(line).map_err(|source| Error::Serialize {
        format: "jsonl",
        source,
    })?;
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_one_tagged_object() -> Result<(), Error> {
        let error = AnalysisError {
            path: "a\nb".into(),
            entry: None,
            offset: None,
            message: "cannot read".into(),
        };
        let file = jsonl(&Line::File {
            path: "m.pt",
            verdict: "analysed",
            findings: &[],
            errors: std::slice::from_ref(&error),
            bytes: 7,
        })?;
        assert_eq!(
            file,
            "{\"type\":\"file\",\"path\":\"m.pt\",\"verdict\":\"analysed\",\"findings\":[],\
             \"errors\":[{\"path\":\"a\\nb\",\"message\":\"cannot read\"}],\"bytes\":7}\n"
        );
        let skipped = jsonl(&Line::Skipped {
            path: "p",
            reason: SkipReason::Fifo,
        })?;
        assert_eq!(
            skipped,
            "{\"type\":\"skipped\",\"path\":\"p\",\"reason\":\"fifo\"}\n"
        );
        let line = jsonl(&Line::Error(&error))?;
        assert_eq!(
            line,
            "{\"type\":\"error\",\"path\":\"a\\nb\",\"message\":\"cannot read\"}\n"
        );
        Ok(())
    }
}
