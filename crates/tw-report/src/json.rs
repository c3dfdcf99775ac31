//! The JSON renderer: the `Report` exactly as its serde shape defines it (documented in
//! `docs/json-schema.md`, versioned by `schema_version`), pretty-printed, one trailing newline.
use crate::Error;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use tw_diagnostics::{Finding, Report};

/// The report as pretty JSON. Suppressed findings are included with their `suppressed`
/// object, so a consumer sees everything the text view hides.
pub fn json(report: &Report) -> Result<String, Error> {
    let mut out = serde_json::to_string_pretty(report).map_err(|source| Error::Serialize {
        format: "json",
        source,
    })?;
    out.push('\n');
    Ok(out)
}

/// Writes `report` to `out` exactly as [`json`] renders it, except that the findings come from
/// `findings` (in report order) instead of `report.findings`, which is ignored: a report with
/// a million findings is written without ever being held in memory.
pub fn json_stream<W, I>(report: &Report, findings: I, out: W) -> Result<(), Error>
where
    W: std::io::Write,
    I: Iterator<Item = Finding>,
{
    let mut out = out;
    let streamed = Streamed {
        report,
        findings: RefCell::new(Some(findings)),
    };
    serde_json::to_writer_pretty(&mut out, &streamed)
        .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
        .map_err(|source| Error::Serialize {
            format: "json",
            source,
        })
}

/// The report with its findings taken from an iterator; serialises field for field like the
/// derived `Serialize` of [`Report`] (a test compares the bytes).
struct Streamed<'a, I> {
    report: &'a Report,
    findings: RefCell<Option<I>>,
}

impl<I: Iterator<Item = Finding>> Serialize for Streamed<'_, I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Report", 6)?;
        state.serialize_field("schema_version", &self.report.schema_version)?;
        state.serialize_field("tool", &self.report.tool)?;
        state.serialize_field("command", &self.report.command)?;
        state.serialize_field("findings", &Findings(&self.findings))?;
        state.serialize_field("errors", &self.report.errors)?;
        state.serialize_field("stats", &self.report.stats)?;
        state.end()
    }
}

/// The findings array, consumed once.
struct Findings<'a, I>(&'a RefCell<Option<I>>);

impl<I: Iterator<Item = Finding>> Serialize for Findings<'_, I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let findings = self.0.borrow_mut().take();
        let mut seq = serializer.serialize_seq(None)?;
        for finding in findings.into_iter().flatten() {
            seq.serialize_element(&finding)?;
        }
        seq.end()
    }
}
