//! The one human form of a location, `path[:entry][@offset | :line[:col]]`, shared by the text
//! and GitHub renderers so they cannot drift apart.
use std::fmt::Write;
use tw_diagnostics::Location;

/// `path`, then `:entry` inside an archive, then `@offset` for byte positions or
/// `:line:col` for text positions (`data.pt:archive/data.pkl@26`, `train.py:12:5`).
pub fn display_location(location: &Location) -> String {
    let mut out = location.path.clone();
    if let Some(entry) = &location.entry {
        out.push(':');
        out.push_str(entry);
    }
    if let Some(offset) = location.offset {
        let _ = write!(out, "@{offset}");
    } else if let Some(line) = location.line {
        let _ = write!(out, ":{line}");
        if let Some(column) = location.column {
            let _ = write!(out, ":{column}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_shape() {
        assert_eq!(display_location(&Location::path("a.pt")), "a.pt");
        assert_eq!(
            display_location(
                &Location::path("a.pt")
                    .with_entry("a/data.pkl")
                    .with_offset(26)
            ),
            "a.pt:a/data.pkl@26"
        );
        assert_eq!(
            display_location(&Location::path("t.py").with_line(12, 5)),
            "t.py:12:5"
        );
    }
}
