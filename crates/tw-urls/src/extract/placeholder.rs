//! Template placeholders kept exactly as written inside addresses: shell `${VAR}`, `$VAR` and
//! `$(command)`, Python/Jinja `{name}` / `{{ name }}`, `%s`/`%(name)s`, and `<name>`. A
//! placeholder is consumed whole, brackets balanced (so `$(uname -m)` keeps its space).

/// If a placeholder starts at `idx`, the index just past it.
pub fn placeholder_end(bytes: &[u8], idx: usize) -> Option<usize> {
    let first = *bytes.get(idx)?;
    match first {
        b'$' => match bytes.get(idx.checked_add(1)?)? {
            b'{' => balanced(bytes, idx.checked_add(1)?, b'{', b'}'),
            b'(' => balanced(bytes, idx.checked_add(1)?, b'(', b')'),
            c if c.is_ascii_alphabetic() || *c == b'_' => {
                let mut end = idx.checked_add(1)?;
                while bytes
                    .get(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    end = end.checked_add(1)?;
                }
                Some(end)
            }
            _ => None,
        },
        b'{' => balanced(bytes, idx, b'{', b'}'),
        b'%' => {
            let next = *bytes.get(idx.checked_add(1)?)?;
            if next == b'(' {
                let close = balanced(bytes, idx.checked_add(1)?, b'(', b')')?;
                bytes
                    .get(close)
                    .filter(|c| c.is_ascii_alphabetic())
                    .map(|_| close.saturating_add(1))
            } else if matches!(next, b's' | b'd') {
                idx.checked_add(2)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The index just past the bracket matching the one at `open_idx`, within 256 bytes and one
/// line (a longer or unclosed run is not a placeholder).
fn balanced(bytes: &[u8], open_idx: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let limit = open_idx.saturating_add(256).min(bytes.len());
    let mut i = open_idx;
    while i < limit {
        let c = *bytes.get(i)?;
        if c == b'\n' {
            return None;
        }
        if c == open {
            depth = depth.checked_add(1)?;
        } else if c == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return i.checked_add(1);
            }
        }
        i = i.checked_add(1)?;
    }
    None
}

/// Whether `text` contains a placeholder anywhere.
pub fn has_placeholder(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| placeholder_end(bytes, i).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumes_whole_placeholders() {
        let b = b"${MIRROR}/x $(uname -m)/y {host}:1 %s %(h)s $HOME/z";
        assert_eq!(placeholder_end(b, 0), Some(9));
        assert_eq!(placeholder_end(b, 12), Some(23));
        assert_eq!(placeholder_end(b, 26), Some(32));
        assert_eq!(placeholder_end(b, 35), Some(37));
        assert_eq!(placeholder_end(b, 38), Some(43));
        assert_eq!(placeholder_end(b, 44), Some(49));
        assert_eq!(placeholder_end(b"${unclosed", 0), None);
        assert!(has_placeholder("a${B}c"));
        assert!(!has_placeholder("pypi.org"));
    }
}
