//! The declaration (baseline) file: what humans wrote about each address (origin, upstream,
//! purpose), keyed by file and exact address text. It is read from TOML or from the Markdown
//! table itself, compared with a scan (`--check`), and updated (`--write-baseline`) so that
//! rows still present keep their human-written cells, new rows get the to-fill marker and
//! rows whose address is gone are dropped.
mod markdown;
mod toml_file;

use crate::error::Error;
use crate::scan::TreeScan;
use crate::table::Row;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The marker put in cells a maintainer has to fill.
pub const TO_FILL: &str = "(to fill)";

/// The most bytes a declaration file may have (it is a table of addresses, not data).
pub const MAX_DECLARATION_BYTES: u64 = 16 * 1024 * 1024;

/// One declared address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file it is declared for, relative to the scanned root, `/`-separated.
    pub file: String,
    /// The address exactly as the scan reports it.
    pub address: String,
    /// `self-developed` or `open-source` (free text; the marker when unknown).
    pub origin: String,
    /// The upstream source location for open-source origin.
    pub upstream: String,
    /// What the address is used for.
    pub purpose: String,
    /// 1-based line of the row in the declaration file, when known (Markdown).
    pub line: Option<u32>,
}

impl Entry {
    /// Whether a human filled in the row: origin and purpose are set and not the to-fill
    /// marker (upstream may stay empty for self-developed code).
    pub fn is_complete(&self) -> bool {
        let filled = |cell: &str| !cell.trim().is_empty() && cell.trim() != TO_FILL;
        filled(&self.origin) && filled(&self.purpose)
    }
}

/// The file format of a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[[address]]` tables.
    Toml,
    /// The declaration table in Markdown, with any text around it.
    Markdown,
}

impl Format {
    /// The format a path's extension implies (`.md`/`.markdown` are Markdown, all else TOML).
    pub fn of(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("md" | "markdown") => Format::Markdown,
            _ => Format::Toml,
        }
    }
}

/// A parsed declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declaration {
    /// The rows, in file order.
    pub entries: Vec<Entry>,
    /// Markdown only: the text before the table (kept on rewrite).
    pub before: String,
    /// Markdown only: the text after the table (kept on rewrite).
    pub after: String,
}

impl Declaration {
    /// Reads and parses `path` (format from its extension).
    pub fn load(path: &Path) -> Result<Declaration, Error> {
        let text = tw_fs::read_to_string_bounded(path, MAX_DECLARATION_BYTES)
            .map_err(|source| Error::ReadDeclaration { source })?;
        Declaration::parse(&text, Format::of(path), path)
    }

    /// Parses `text` in `format`; `path` only names the file in errors.
    pub fn parse(text: &str, format: Format, path: &Path) -> Result<Declaration, Error> {
        match format {
            Format::Toml => toml_file::parse(text, path),
            Format::Markdown => markdown::parse(text, path),
        }
    }

    /// Writes the declaration to `path` atomically (temp file + rename, mode 640, via tw-fs).
    /// Replacing an existing file is the point of `--write-baseline`: that file was read first
    /// and its human-written cells are carried over by [`Declaration::updated`].
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let text = self.render(Format::of(path));
        tw_fs::write_atomic(
            path,
            text.as_bytes(),
            tw_fs::WriteOptions::new().force(true),
        )
        .map_err(|source| Error::WriteDeclaration { source })
    }

    /// The declaration as file text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Toml => toml_file::render(self),
            Format::Markdown => markdown::render(self),
        }
    }

    /// Lookup by (file, address).
    pub fn index(&self) -> HashMap<(&str, &str), &Entry> {
        self.entries
            .iter()
            .map(|e| ((e.file.as_str(), e.address.as_str()), e))
            .collect()
    }

    /// The declaration that matches `scan`: one row per (file, address) found, sorted by file
    /// then address; cells of rows already declared are kept, new rows get [`TO_FILL`];
    /// rows whose address is gone are dropped. Text around a Markdown table is kept.
    #[must_use]
    pub fn updated(&self, scan: &TreeScan) -> Declaration {
        let known = self.index();
        let mut rows: BTreeMap<(String, String), Entry> = BTreeMap::new();
        for file in &scan.files {
            for found in &file.addresses {
                let key = (file.file.clone(), found.address.text.clone());
                if rows.contains_key(&key) {
                    continue;
                }
                let entry = known.get(&(key.0.as_str(), key.1.as_str())).map_or_else(
                    || Entry {
                        file: key.0.clone(),
                        address: key.1.clone(),
                        origin: TO_FILL.to_owned(),
                        upstream: TO_FILL.to_owned(),
                        purpose: TO_FILL.to_owned(),
                        line: None,
                    },
                    |e| Entry {
                        line: None,
                        ..(*e).clone()
                    },
                );
                rows.insert(key, entry);
            }
        }
        Declaration {
            entries: rows.into_values().collect(),
            before: self.before.clone(),
            after: self.after.clone(),
        }
    }

    /// The entries as table rows (kind, line and column unknown).
    pub fn rows(&self) -> Vec<Row> {
        self.entries
            .iter()
            .map(|e| Row {
                origin: e.origin.clone(),
                upstream: e.upstream.clone(),
                file: e.file.clone(),
                address: e.address.clone(),
                purpose: e.purpose.clone(),
                kind: String::new(),
                line: 0,
                column: 0,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
