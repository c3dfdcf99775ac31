//! A tiny parser for the Python literals numpy writes in `.npy` headers (`repr` of a dict of
//! str, bool, int and tuples/lists of those). It evaluates nothing: anything outside those forms,
//! or nested deeper than a fixed bound, is an error. numpy itself uses `ast.literal_eval`.

/// A Python literal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    None,
    Bool(bool),
    Int(i128),
    Str(String),
    /// Tuples and lists alike (numpy's `descr` uses lists of tuples).
    Seq(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

/// Deepest nesting accepted (structured dtypes nest a few levels at most).
const MAX_DEPTH: u32 = 32;

/// Where the literal stopped parsing, within the header text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiteralError {
    pub(crate) what: &'static str,
    pub(crate) offset: usize,
}

/// Parses one literal, surrounded by optional whitespace.
pub(crate) fn parse(text: &str) -> Result<Literal, LiteralError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos == p.s.len() {
        Ok(v)
    } else {
        Err(p.err("end of header after the literal"))
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> LiteralError {
        LiteralError {
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

    fn value(&mut self, depth: u32) -> Result<Literal, LiteralError> {
        if depth > MAX_DEPTH {
            return Err(self.err("shallower nesting"));
        }
        match self.peek() {
            Some(b'{') => self.dict(depth + 1),
            Some(b'(') => self.seq(b')', depth + 1),
            Some(b'[') => self.seq(b']', depth + 1),
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'-' | b'0'..=b'9') => self.int(),
            Some(b'A'..=b'Z' | b'a'..=b'z') => self.word(),
            _ => Err(self.err("a literal")),
        }
    }

    fn word(&mut self) -> Result<Literal, LiteralError> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'A'..=b'Z' | b'a'..=b'z' | b'_' | b'0'..=b'9')
        ) {
            self.pos += 1;
        }
        match self.s.get(start..self.pos) {
            Some(b"True") => Ok(Literal::Bool(true)),
            Some(b"False") => Ok(Literal::Bool(false)),
            Some(b"None") => Ok(Literal::None),
            _ => Err(LiteralError {
                what: "True, False or None",
                offset: start,
            }),
        }
    }

    fn int(&mut self) -> Result<Literal, LiteralError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        // numpy writes plain decimal integers; `L` suffixes come from Python 2 headers.
        let text = std::str::from_utf8(self.s.get(start..self.pos).unwrap_or_default())
            .map_err(|_| self.err("an integer"))?;
        if self.pos == digits {
            return Err(self.err("digits"));
        }
        if self.peek() == Some(b'L') {
            self.pos += 1;
        }
        text.parse()
            .map(Literal::Int)
            .map_err(|_| self.err("an integer that fits in 128 bits"))
    }

    fn string(&mut self, quote: u8) -> Result<Literal, LiteralError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("a closing quote"));
            };
            self.pos += 1;
            match b {
                _ if b == quote => return Ok(Literal::Str(out)),
                b'\\' => {
                    let e = self.peek().ok_or_else(|| self.err("an escape"))?;
                    self.pos += 1;
                    out.push(match e {
                        b'\\' => '\\',
                        b'\'' => '\'',
                        b'"' => '"',
                        b'n' => '\n',
                        b't' => '\t',
                        _ => return Err(self.err("a simple escape")),
                    });
                }
                b'\n' => return Err(self.err("a closing quote before the line end")),
                // The header text is already a `str`: copy whole characters.
                _ => {
                    let start = self.pos - 1;
                    let mut end = self.pos;
                    while end < self.s.len() && self.s.get(end).is_some_and(|c| c & 0xC0 == 0x80) {
                        end += 1;
                    }
                    out.push_str(&String::from_utf8_lossy(
                        self.s.get(start..end).unwrap_or_default(),
                    ));
                    self.pos = end;
                }
            }
        }
    }

    fn seq(&mut self, close: u8, depth: u32) -> Result<Literal, LiteralError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(Literal::Seq(items));
            }
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.err("',' or a closing bracket")),
            }
        }
    }

    fn dict(&mut self, depth: u32) -> Result<Literal, LiteralError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Literal::Dict(items));
            }
            let k = self.value(depth)?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("':' after a key"));
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth)?;
            items.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.err("',' or '}'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Literal};

    #[test]
    fn reads_a_numpy_header() {
        let v = parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }  \n").unwrap();
        let Literal::Dict(items) = v else {
            panic!("not a dict")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[2].1,
            Literal::Seq(vec![Literal::Int(3), Literal::Int(4)])
        );
    }

    #[test]
    fn reads_structured_descr() {
        let v = parse("[('a', '<i4'), ('b', [('c', '|O')], (2,))]").unwrap();
        let Literal::Seq(fields) = v else {
            panic!("not a list")
        };
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn refuses_anything_executable_or_malformed() {
        for bad in [
            "__import__('os')",
            "{'a': 1",
            "(1 2)",
            "'abc",
            "1+1",
            "[",
            "{1:}",
            "Truex",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse(&"(".repeat(1000)).is_err());
    }
}
