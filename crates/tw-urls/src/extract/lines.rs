//! Byte offset to 1-based line and column (columns count characters, not bytes), computed from
//! one pass over the file's newlines.

/// The offsets where each line starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `bytes` (`\n` ends a line; a `\r` before it belongs to the line).
    pub fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i.saturating_add(1)));
        LineIndex { starts }
    }

    /// The 1-based line and character column of byte `offset` in `text`.
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let line_idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line_idx).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(offset.saturating_sub(start), |s| s.chars().count());
        (
            u32::try_from(line_idx.saturating_add(1)).unwrap_or(u32::MAX),
            u32::try_from(column.saturating_add(1)).unwrap_or(u32::MAX),
        )
    }

    /// The text of the line holding byte `offset`, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, offset: usize) -> &'t str {
        let line_idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line_idx).copied().unwrap_or(0);
        let end = self
            .starts
            .get(line_idx.saturating_add(1))
            .map_or(text.len(), |&next| next.saturating_sub(1));
        text.get(start..end).unwrap_or("").trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_character_columns() {
        let text = "ab\nçd x\n";
        let index = LineIndex::new(text.as_bytes());
        assert_eq!(index.line_column(text, 0), (1, 1));
        assert_eq!(index.line_column(text, 3), (2, 1));
        // `x` is after a two-byte character: byte 7, character column 4.
        assert_eq!(index.line_column(text, 7), (2, 4));
        assert_eq!(index.line_text(text, 7), "çd x");
    }
}
