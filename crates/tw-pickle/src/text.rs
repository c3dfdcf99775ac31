//! Decoders for the protocol-0 text arguments (pickletools `decimalnl_short`, `floatnl`,
//! `stringnl`, `unicodestringnl`): pure functions over one line, borrowing when no decoding is
//! needed, never allocating more than the line's length.

use std::borrow::Cow;

/// A decoded protocol-0 integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextInt<'a> {
    /// `I01` / `I00`.
    Bool(bool),
    /// Fits `i64`.
    Small(i64),
    /// Only decimal digits (with an optional sign), too large for `i64`.
    Big(&'a str),
}

/// Parses the line of INT (`I`) or LONG (`L`, trailing `L` allowed).
pub(crate) fn parse_int(line: &[u8], long: bool) -> Option<TextInt<'_>> {
    let text = std::str::from_utf8(line)
        .ok()?
        .trim_matches(|c: char| c == ' ' || c == '\r');
    if !long {
        if text == "00" {
            return Some(TextInt::Bool(false));
        }
        if text == "01" {
            return Some(TextInt::Bool(true));
        }
    }
    let text = if long {
        text.strip_suffix('L').unwrap_or(text)
    } else {
        text
    };
    if let Ok(value) = text.parse::<i64>() {
        return Some(TextInt::Small(value));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(TextInt::Big(text))
}

/// Parses the line of FLOAT (`F`), a Python `repr` of a float.
pub(crate) fn parse_float(line: &[u8]) -> Option<f64> {
    std::str::from_utf8(line).ok()?.trim().parse::<f64>().ok()
}

/// Decodes the quoted argument of STRING (`S`): `'...'` or `"..."` with Python escapes
/// (`codecs.escape_decode`). `None` when unquoted or an escape is malformed.
pub(crate) fn parse_quoted(line: &[u8]) -> Option<Cow<'_, [u8]>> {
    let (&first, rest) = line.split_first()?;
    let (&last, body) = rest.split_last()?;
    if first != last || (first != b'\'' && first != b'"') {
        return None;
    }
    if !body.contains(&b'\\') {
        return Some(Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&byte) = body.get(i) {
        i += 1;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        let &esc = body.get(i)?;
        i += 1;
        match esc {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(esc),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = body.get(i..i + 2)?;
                let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(value);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut value = u32::from(esc - b'0');
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(value & 0xff).ok()?);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(Cow::Owned(out))
}

/// Decodes the argument of UNICODE (`V`): `raw-unicode-escape`, i.e. Latin-1 bytes except
/// `\uXXXX` and `\UXXXXXXXX`. Lone surrogates become U+FFFD. `None` on a malformed escape.
pub(crate) fn parse_raw_unicode(line: &[u8]) -> Option<Cow<'_, str>> {
    if line.is_ascii() && !line.contains(&b'\\') {
        return std::str::from_utf8(line).ok().map(Cow::Borrowed);
    }
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(&byte) = line.get(i) {
        i += 1;
        if byte == b'\\' {
            let width = match line.get(i) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            if width > 0 {
                let hex = line.get(i + 1..i + 1 + width)?;
                let value = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER));
                i += 1 + width;
                continue;
            }
        }
        out.push(char::from(byte));
    }
    Some(Cow::Owned(out))
}

/// Decodes UTF-8 argument bytes as `CPython` does with `surrogatepass`: borrowed when valid,
/// otherwise lossily (lone surrogates and invalid sequences become U+FFFD).
pub(crate) fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int(b"01", false), Some(TextInt::Bool(true)));
        assert_eq!(parse_int(b"00", false), Some(TextInt::Bool(false)));
        assert_eq!(parse_int(b"-17", false), Some(TextInt::Small(-17)));
        assert_eq!(parse_int(b"12L", true), Some(TextInt::Small(12)));
        assert_eq!(
            parse_int(b"123456789012345678901234567890L", true),
            Some(TextInt::Big("123456789012345678901234567890"))
        );
        assert_eq!(parse_int(b"12x", false), None);
        assert_eq!(parse_int(b"", false), None);
        assert_eq!(parse_int(b"\xff", false), None);
    }

    #[test]
    fn floats_and_strings() {
        assert_eq!(parse_float(b"1.5"), Some(1.5));
        assert!(parse_float(b"nan").is_some_and(f64::is_nan));
        assert_eq!(parse_float(b"x"), None);
        assert_eq!(parse_quoted(b"'abc'").as_deref(), Some(&b"abc"[..]));
        assert_eq!(
            parse_quoted(b"'a\\nb\\x41\\101\\''").as_deref(),
            Some(&b"a\nbAA'"[..])
        );
        assert_eq!(parse_quoted(b"'abc"), None);
        assert_eq!(parse_quoted(b"'\\x4'"), None);
        assert_eq!(parse_quoted(b"'"), None);
        assert_eq!(parse_raw_unicode(b"abc").as_deref(), Some("abc"));
        assert_eq!(
            parse_raw_unicode(b"a\\u00e9\\U0001F600\xe9").as_deref(),
            Some("a\u{e9}\u{1F600}\u{e9}")
        );
        assert_eq!(parse_raw_unicode(b"\\u12"), None);
        assert_eq!(parse_raw_unicode(b"\\ud800").as_deref(), Some("\u{FFFD}"));
        assert_eq!(utf8(b"\xed\xa0\x80").as_ref(), "\u{FFFD}\u{FFFD}\u{FFFD}");
    }
}
