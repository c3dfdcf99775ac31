//! The Markdown declaration format: the declaration table itself (as `--format markdown`
//! prints it, or as a maintainer keeps it in a document), found by its header row (cells
//! naming origin and address; upstream, file and purpose matched by keyword), with any text
//! before and after it kept on rewrite.
use super::{Declaration, Entry};
use crate::error::Error;
use crate::table::markdown as render_table;
use std::path::Path;

/// Column positions found in the header row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    origin: usize,
    upstream: Option<usize>,
    file: usize,
    address: usize,
    purpose: Option<usize>,
    count: usize,
}

pub(super) fn parse(text: &str, path: &Path) -> Result<Declaration, Error> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut header_idx = None;
    let mut columns = None;
    for (idx, line) in lines.iter().enumerate() {
        if let Some(found) = header_columns(line) {
            header_idx = Some(idx);
            columns = Some(found);
            break;
        }
    }
    let (Some(header_idx), Some(columns)) = (header_idx, columns) else {
        return Err(Error::NoTable {
            path: path.to_path_buf(),
        });
    };
    let mut entries = Vec::new();
    let mut end = header_idx.saturating_add(1);
    // Skip the delimiter row (`|---|---|`).
    if lines.get(end).is_some_and(|l| is_delimiter_row(l)) {
        end = end.saturating_add(1);
    }
    while let Some(line) = lines.get(end) {
        let trimmed = line.trim();
        if !trimmed.starts_with('|') {
            break;
        }
        let cells = split_cells(trimmed);
        if cells.len() != columns.count {
            return Err(Error::MarkdownRow {
                path: path.to_path_buf(),
                line: end.saturating_add(1),
                expected: columns.count,
                found: cells.len(),
            });
        }
        let get = |idx: Option<usize>| {
            idx.and_then(|i| cells.get(i))
                .map_or_else(String::new, |c| unescape(c))
        };
        entries.push(Entry {
            origin: get(Some(columns.origin)),
            upstream: get(columns.upstream),
            file: get(Some(columns.file)),
            address: get(Some(columns.address)),
            purpose: get(columns.purpose),
            line: u32::try_from(end.saturating_add(1)).ok(),
        });
        end = end.saturating_add(1);
    }
    Ok(Declaration {
        entries,
        before: lines.get(..header_idx).unwrap_or(&[]).concat(),
        after: lines.get(end..).unwrap_or(&[]).concat(),
    })
}

pub(super) fn render(declaration: &Declaration) -> String {
    format!(
        "{}{}{}",
        declaration.before,
        render_table(&declaration.rows()),
        declaration.after
    )
}

fn header_columns(line: &str) -> Option<Columns> {
    let trimmed = line.trim();
    if !trimmed.starts_with('|') {
        return None;
    }
    let cells: Vec<String> = split_cells(trimmed)
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let find = |words: &[&str]| {
        cells
            .iter()
            .position(|c| words.iter().any(|w| c.contains(w)))
    };
    Some(Columns {
        origin: find(&["origin"])?,
        upstream: find(&["upstream"]),
        file: find(&["file"])?,
        address: find(&["address", "ip/url", "url"])?,
        purpose: find(&["purpose", "used for", "usage"]),
        count: cells.len(),
    })
}

fn is_delimiter_row(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.starts_with('|')
        && trimmed
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// Cells of a table row: split on `|` not preceded by a backslash, outer pipes dropped.
fn split_cells(row: &str) -> Vec<String> {
    let inner = row.strip_prefix('|').unwrap_or(row);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('\\');
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    cells.push(current);
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// A cell's text: `\|` unescaped, one code span (`` `x` `` or ``` `` x `` ```) unwrapped.
fn unescape(cell: &str) -> String {
    let text = cell.replace("\\|", "|");
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("`` ").and_then(|t| t.strip_suffix(" ``")) {
        return inner.to_owned();
    }
    if let Some(inner) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        if !inner.contains('`') {
            return inner.to_owned();
        }
    }
    text.to_owned()
}
