//! The TOML declaration format: a header comment and one `[[address]]` table per row with
//! `file`, `address`, `origin`, `upstream` and `purpose` (the last three default to empty).
use super::{Declaration, Entry};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "address")]
    addresses: Vec<Row>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    file: String,
    address: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    upstream: String,
    #[serde(default)]
    purpose: String,
}

const HEADER: &str = "\
# Public network address declaration (security statement section 9).
# One [[address]] per address and file. `torchward urls --write-baseline` adds new rows with
# \"(to fill)\" cells and drops rows whose address is gone; it keeps what you wrote.
# origin: self-developed | open-source; upstream: where an open-source file came from.
";

pub(super) fn parse(text: &str, path: &Path) -> Result<Declaration, Error> {
    let file: File = toml::from_str(text).map_err(|source| Error::Toml {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    // The line of each `[[address]]` header, in order, so TW502 can point at the stale row.
    let mut header_lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "[[address]]")
        .map(|(idx, _)| u32::try_from(idx.saturating_add(1)).ok());
    Ok(Declaration {
        entries: file
            .addresses
            .into_iter()
            .map(|row| Entry {
                file: row.file,
                address: row.address,
                origin: row.origin,
                upstream: row.upstream,
                purpose: row.purpose,
                line: header_lines.next().flatten(),
            })
            .collect(),
        before: String::new(),
        after: String::new(),
    })
}

pub(super) fn render(declaration: &Declaration) -> String {
    let file = File {
        addresses: declaration
            .entries
            .iter()
            .map(|e| Row {
                file: e.file.clone(),
                address: e.address.clone(),
                origin: e.origin.clone(),
                upstream: e.upstream.clone(),
                purpose: e.purpose.clone(),
            })
            .collect(),
    };
    // Serialising plain strings into TOML cannot fail; an empty body is the fallback anyway.
    let body = toml::to_string(&file).unwrap_or_default();
    format!("{HEADER}\n{body}")
}
