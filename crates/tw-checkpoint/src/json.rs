//! A strict, bounded JSON reader (RFC 8259) for safetensors headers and Keras configs. Unlike `serde_json` it keeps
//! every object member in order, so duplicate names (which the safetensors crate resolves by
//! letting the last one win) can be reported instead of silently collapsed.

/// A JSON value with the byte offset (within the parsed text) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number's text, exactly as written (integers are parsed on demand).
    Number(String),
    String(String),
    Array(Vec<(usize, Json)>),
    /// Members in document order, duplicates kept, each with its name's offset.
    Object(Vec<(usize, String, Json)>),
}

impl Json {
    /// A non-negative integer with no fraction or exponent that fits in `u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            _ => None,
        }
    }

    /// The JSON type name, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Why the text is not JSON: what was expected and the offset within the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub(crate) what: &'static str,
    pub(crate) offset: usize,
}

/// Parses one JSON value surrounded by optional whitespace, nesting at most `max_depth`.
pub(crate) fn parse(text: &str, max_depth: u32) -> Result<Json, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        max_depth,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("end of input after the value"));
    }
    Ok(v)
}

/// Parses the JSON value at the start of `bytes` (an object found inside a binary file) and
/// returns it with the offset just past it; whatever follows is not looked at.
pub(crate) fn parse_prefix(bytes: &[u8], max_depth: u32) -> Result<(Json, usize), JsonError> {
    let mut p = Parser {
        s: bytes,
        pos: 0,
        max_depth,
    };
    let v = p.value(0)?;
    Ok((v, p.pos))
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    max_depth: u32,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError {
            what,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8, what: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn literal(&mut self, word: &[u8], v: Json) -> Result<Json, JsonError> {
        let end = self.pos.saturating_add(word.len());
        if self.s.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(v)
        } else {
            Err(self.err("a JSON value"))
        }
    }

    fn value(&mut self, depth: u32) -> Result<Json, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("a JSON value")),
        }
    }

    fn enter(&self, depth: u32) -> Result<u32, JsonError> {
        if depth >= self.max_depth {
            Err(self.err("shallower nesting (depth limit reached)"))
        } else {
            Ok(depth + 1)
        }
    }

    fn object(&mut self, depth: u32) -> Result<Json, JsonError> {
        let depth = self.enter(depth)?;
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            let at = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.err("a member name string"));
            }
            let name = self.string()?;
            self.ws();
            self.eat(b':', "':' after a member name")?;
            self.ws();
            let v = self.value(depth)?;
            members.push((at, name, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self, depth: u32) -> Result<Json, JsonError> {
        let depth = self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            let at = self.pos;
            items.push((at, self.value(depth)?));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("',' or ']' in an array")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 || (n > 1 && self.s.get(int_start) == Some(&b'0')) {
            return Err(self.err("a number without leading zeros"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("digits in an exponent"));
            }
        }
        let text = self.s.get(start..self.pos).unwrap_or_default();
        Ok(Json::Number(String::from_utf8_lossy(text).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let end = self.pos.saturating_add(4);
        let digits = self
            .s
            .get(self.pos..end)
            .ok_or_else(|| self.err("four hex digits"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.err("four hex digits"))?;
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("four hex digits"))?;
        self.pos = end;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("a closing '\"'"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    // The input is a &str, and escapes only add whole code points.
                    return String::from_utf8(out).map_err(|_| self.err("UTF-8 text"));
                }
                b'\\' => {
                    self.pos += 1;
                    let esc = self.peek().ok_or_else(|| self.err("an escape"))?;
                    self.pos += 1;
                    let c = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.err("a valid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.err("no control characters in a string")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by an escaped low surrogate.
            self.eat(b'\\', "a low surrogate escape")?;
            self.eat(b'u', "a low surrogate escape")?;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.err("a low surrogate"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.err("a valid code point"))
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Json};

    #[test]
    fn keeps_duplicate_members_in_order() {
        let v = parse(r#" {"a": 1, "a": [2, "x\u00e9"]} "#, 8).unwrap();
        let Json::Object(m) = v else {
            panic!("not an object")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].1, "a");
        assert_eq!(
            m[1].2,
            Json::Array(vec![
                (16, Json::Number("2".into())),
                (19, Json::String("xé".into()))
            ])
        );
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "{",
            "{\"a\" 1}",
            "[1,]",
            "01",
            "\"\u{1}\"",
            "{} x",
            "\"\\ud800\"",
            "1.",
            "-",
        ] {
            assert!(parse(bad, 8).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn bounds_nesting() {
        assert!(parse(&"[".repeat(100), 64).is_err());
        assert!(parse("[[[]]]", 3).is_ok());
        assert!(parse("[[[[]]]]", 3).is_err());
    }

    #[test]
    fn reads_integers_only_when_exact() {
        assert_eq!(Json::Number("42".into()).as_u64(), Some(42));
        assert_eq!(Json::Number("-1".into()).as_u64(), None);
        assert_eq!(Json::Number("1e3".into()).as_u64(), None);
        assert_eq!(Json::Number("99999999999999999999".into()).as_u64(), None);
    }
}
