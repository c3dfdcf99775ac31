//! The JSON renderer: the `Report` exactly as its serde shape defines it (documented in
//! `docs/json-schema.md`, versioned by `schema_version`), pretty-printed, one trailing newline.
use crate::Error;
use tw_diagnostics::Report;

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
