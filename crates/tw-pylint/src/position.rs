//! Byte offsets to 1-based line and column numbers. Columns count Unicode scalar values (as
//! ruff and editors do), so a finding after a non-ASCII character still points at the call.
//! Invariant: every offset maps to a position inside the source; offsets past the end clamp
//! to the end instead of panicking.

/// The start offset of every line of one source text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `source`. Python ends lines at `\n`, `\r\n` and a lone `\r`
    /// (Python reference, lexical analysis §2.1.2 "Physical lines").
    pub fn new(source: &str) -> Self {
        let bytes = source.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The 1-based (line, column) of `offset` in `source`.
    pub fn position(&self, source: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(source.len());
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = source
            .get(start..offset)
            .map_or(offset - start, |text| text.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }
}

/// Saturating conversion for line and column numbers (files are far below 4 GiB lines).
fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_all_line_endings() {
        let source = "a\r\nbé = x\rc\n";
        let index = LineIndex::new(source);
        assert_eq!(index.position(source, 0), (1, 1));
        assert_eq!(index.position(source, 3), (2, 1));
        let x = source.find('x').unwrap_or(0);
        assert_eq!(index.position(source, x), (2, 6));
        let c = source.find('c').unwrap_or(0);
        assert_eq!(index.position(source, c), (3, 1));
        assert_eq!(index.position(source, 999), (4, 1));
    }
}
