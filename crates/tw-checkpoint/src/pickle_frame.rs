//! Pickle framing: where one pickle ends, found by walking opcode arguments (pickletools'
//! argument encodings) without building anything. Used to sniff pickles (any protocol, including
//! protocol 0/1 streams that start with a plain opcode), to split concatenated pickles, and to
//! step through the legacy torch stream. The object graph itself is `tw-pickle`'s job.

use crate::cursor::{to_u64, to_usize, Cursor};

/// Why framing stopped before a STOP opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("pickle framing: {what} at offset {offset}")]
pub struct FrameError {
    /// What was wrong.
    pub what: &'static str,
    /// Offset within the walked slice.
    pub offset: u64,
}

/// How an opcode's argument is encoded.
enum Arg {
    None,
    Fixed(usize),
    /// A `\n`-terminated text line, checked by the given validator.
    Line(fn(&[u8]) -> bool),
    /// Two `\n`-terminated lines (GLOBAL, INST).
    TwoLines,
    /// A length prefix of 1, 4 (unsigned), 4 (signed) or 8 bytes, then that many bytes.
    Len1,
    Len4,
    Len4Signed,
    Len8,
}

fn any_line(_: &[u8]) -> bool {
    true
}

fn int_line(l: &[u8]) -> bool {
    let l = l.strip_suffix(b"L").unwrap_or(l);
    let l = l.strip_prefix(b"-").unwrap_or(l);
    !l.is_empty() && l.iter().all(u8::is_ascii_digit)
}

fn float_line(l: &[u8]) -> bool {
    std::str::from_utf8(l).is_ok_and(|s| s.trim().parse::<f64>().is_ok())
}

fn quoted_line(l: &[u8]) -> bool {
    matches!(
        (l.first(), l.last()),
        (Some(b'\''), Some(b'\'')) | (Some(b'"'), Some(b'"'))
    ) && l.len() >= 2
}

fn digits_line(l: &[u8]) -> bool {
    !l.is_empty() && l.iter().all(u8::is_ascii_digit)
}

/// The argument encoding of an opcode byte (pickletools), `None` for unknown bytes.
fn arg_of(op: u8) -> Option<Arg> {
    Some(match op {
        b'('
        | b'.'
        | b'0'
        | b'1'
        | b'2'
        | b'N'
        | b'R'
        | b']'
        | b'a'
        | b'b'
        | b'd'
        | b'}'
        | b'e'
        | b'l'
        | b')'
        | b's'
        | b't'
        | b'u'
        | b'o'
        | b'Q'
        | 0x81
        | 0x85..=0x89
        | 0x8f..=0x94
        | 0x97
        | 0x98 => Arg::None,
        b'I' | b'L' => Arg::Line(int_line),
        b'F' => Arg::Line(float_line),
        b'S' => Arg::Line(quoted_line),
        b'V' | b'P' => Arg::Line(any_line),
        b'g' | b'p' => Arg::Line(digits_line),
        b'c' | b'i' => Arg::TwoLines,
        b'K' | b'h' | b'q' | 0x80 | 0x82 => Arg::Fixed(1),
        b'M' | 0x83 => Arg::Fixed(2),
        b'J' | b'j' | b'r' | 0x84 => Arg::Fixed(4),
        b'G' | 0x95 => Arg::Fixed(8),
        0x8a | b'U' | 0x8c | b'C' => Arg::Len1,
        b'X' | b'B' => Arg::Len4,
        0x8b | b'T' => Arg::Len4Signed,
        0x8d | 0x8e | 0x96 => Arg::Len8,
        _ => return None,
    })
}

/// Whether `byte` is a pickle opcode of protocols 0 to 5.
pub(crate) fn is_opcode(byte: u8) -> bool {
    arg_of(byte).is_some()
}

/// Whether a GLOBAL/INST line is a dotted Python identifier path.
fn identifier_line(l: &[u8]) -> bool {
    !l.is_empty()
        && l.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b >= 0x80)
}

/// What [`frame`] found: where the pickle ends and what its strings were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Offset just past STOP, within the slice.
    pub(crate) end: usize,
    /// Number of opcodes, STOP included.
    pub(crate) opcodes: u64,
    /// The protocol from a leading PROTO opcode.
    pub(crate) protocol: Option<u8>,
}

/// Walks opcodes from `start` to the first STOP. `strict_text` validates protocol 0 text
/// arguments (used when sniffing, so text files are not taken for pickles).
pub(crate) fn frame(data: &[u8], start: usize, strict_text: bool) -> Result<Frame, FrameError> {
    let mut c = Cursor::at(data, start);
    let mut opcodes = 0u64;
    let mut protocol = None;
    let err = |what, at: usize| FrameError {
        what,
        offset: to_u64(at),
    };
    loop {
        let at = c.pos();
        let op = c.u8().ok_or(err("end of data before STOP", at))?;
        opcodes += 1;
        let arg = arg_of(op).ok_or(err("unknown opcode", at))?;
        match arg {
            Arg::None => {}
            Arg::Fixed(n) => {
                let b = c.bytes(n).ok_or(err("truncated argument", at))?;
                if op == 0x80 {
                    let p = b.first().copied().unwrap_or(0);
                    if p > 5 {
                        return Err(err("protocol above 5", at));
                    }
                    if opcodes == 1 {
                        protocol = Some(p);
                    }
                }
            }
            Arg::Line(valid) => {
                let l = line(&mut c).ok_or(err("unterminated text argument", at))?;
                if strict_text && !valid(l) {
                    return Err(err("malformed text argument", at));
                }
            }
            Arg::TwoLines => {
                let a = line(&mut c).ok_or(err("unterminated global module", at))?;
                let b = line(&mut c).ok_or(err("unterminated global name", at))?;
                if strict_text && !(identifier_line(a) && identifier_line(b)) {
                    return Err(err("malformed global", at));
                }
            }
            Arg::Len1 | Arg::Len4 | Arg::Len4Signed | Arg::Len8 => {
                let n: u64 = match arg {
                    Arg::Len1 => c.u8().map(u64::from),
                    Arg::Len4 => c.u32().map(u64::from),
                    Arg::Len4Signed => c
                        .u32()
                        .and_then(|v| u64::try_from(i32::from_le_bytes(v.to_le_bytes())).ok()),
                    _ => c.u64(),
                }
                .ok_or(err("truncated or negative length", at))?;
                let n = to_usize(n).ok_or(err("length beyond the data", at))?;
                c.bytes(n).ok_or(err("length beyond the data", at))?;
            }
        }
        if op == b'.' {
            if opcodes == 1 {
                return Err(err("STOP with nothing to return", at));
            }
            return Ok(Frame {
                end: c.pos(),
                opcodes,
                protocol,
            });
        }
    }
}

/// A `\n`-terminated line, without its terminator.
fn line<'a>(c: &mut Cursor<'a>) -> Option<&'a [u8]> {
    let n = c.remaining().iter().position(|&b| b == b'\n')?;
    let l = c.bytes(n)?;
    c.u8()?;
    Some(l)
}

/// The strings of a pickle that is exactly a list of text strings (the legacy stream's key
/// list): only PROTO, FRAME, list building, memo puts, string pushes and STOP may appear.
pub(crate) fn string_list(data: &[u8]) -> Option<Vec<String>> {
    let mut c = Cursor::at(data, 0);
    let mut out = Vec::new();
    let mut saw_list = false;
    loop {
        let op = c.u8()?;
        match op {
            0x95 => {
                c.u64()?;
            }
            b']' | b'(' | b'l' if !saw_list || op == b'(' => saw_list |= op != b'(',
            b'a' | b'e' | 0x94 => {}
            0x80 | b'q' => {
                c.u8()?;
            }
            b'r' => {
                c.u32()?;
            }
            b'p' => {
                line(&mut c)?;
            }
            b'X' => {
                let n = to_usize(u64::from(c.u32()?))?;
                out.push(std::str::from_utf8(c.bytes(n)?).ok()?.to_owned());
            }
            0x8c | b'U' => {
                let n = usize::from(c.u8()?);
                out.push(std::str::from_utf8(c.bytes(n)?).ok()?.to_owned());
            }
            b'V' => out.push(std::str::from_utf8(line(&mut c)?).ok()?.to_owned()),
            b'.' => return saw_list.then_some(out),
            _ => return None,
        }
    }
}

/// Ends (offsets in `data`) of the pickles that frame strictly back to back from `start`, at
/// most `max` of them; the walk stops at the first bytes that do not frame.
pub(crate) fn strict_run(data: &[u8], start: usize, max: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = start;
    while ends.len() < max {
        let Some(f) = data.get(pos..).and_then(starts_with_pickle) else {
            break;
        };
        pos += f.end;
        ends.push(pos);
    }
    ends
}

/// Whether `data` starts with something that frames as a pickle (strict text checks).
pub(crate) fn starts_with_pickle(data: &[u8]) -> Option<Frame> {
    let first = *data.first()?;
    // A PROTO opcode must name protocol 2..=5 to be written by pickle >= 2; protocols 0/1
    // start with a plain opcode.
    if first == 0x80 && data.get(1).is_none_or(|&p| p > 5) {
        return None;
    }
    frame(data, 0, true).ok()
}
