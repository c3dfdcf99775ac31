//! Compression wrappers (every compressor joblib offers: zlib, gzip, bz2, xz, lzma and lz4, and
//! `.pkl.gz` files): recognised by content and decompressed with a hard output limit so a bomb
//! stops at `Limits::max_decompressed` bytes instead of exhausting memory. Every decoder is pure
//! Rust (`miniz_oxide`, `libbz2-rs-sys`, `lzma-rust2`, `lz4_flex`), read as streams so output
//! is checked against the limit as it is produced.

use std::io::{self, Read, Write};

use serde::Serialize;

use crate::cursor::{to_u64, to_usize};

/// A compression wrapper recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// gzip (`1f 8b`), every member read as Python's `gzip` does.
    Gzip,
    /// bzip2 (`BZh1`..`BZh9`), every stream read as Python's `bz2` does.
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// A raw zlib stream (RFC 1950, joblib's `zlib` compressor): a `78` header byte whose
    /// check bits hold, and a first block that inflates.
    Zlib,
    /// The legacy `.lzma` format (`lzma.FORMAT_ALONE`, joblib's `lzma` compressor): properties
    /// byte `5d`, a dictionary size of at least 64 KiB, and a start that decodes.
    Lzma,
    /// An LZ4 frame (`04 22 4d 18`, joblib's `lz4` compressor).
    Lz4,
    /// joblib < 0.10's compressed pickle (`numpy_pickle_compat.write_zfile`, still read by
    /// `joblib.load` through `load_compatibility`): `ZF`, the length in hex (`0x...`) padded
    /// with spaces to 19 bytes (joblib <= 0.8.4 wrote one more space), then a zlib stream.
    JoblibZfile,
}

impl Compression {
    /// Recognises a wrapper by its leading bytes. zlib and lzma have weak magics (two and one
    /// bytes), so they also have to decode their first bytes: text that happens to start with
    /// `x^` or `]` is not taken for a wrapper.
    pub fn sniff(data: &[u8]) -> Option<Self> {
        let kind = match data {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Compression::Bzip2,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
            [0x04, 0x22, 0x4d, 0x18, ..] => Compression::Lz4,
            [b'Z', b'F', b'0', b'x', ..] if zfile_body(data).is_some() => Compression::JoblibZfile,
            // CMF 0x78 (deflate, 32 KiB window), FCHECK makes CMF*256+FLG a multiple of 31,
            // no preset dictionary (FDICT, bit 5), as zlib.compress writes.
            [0x78, flg, ..] if (0x7800 | u16::from(*flg)) % 31 == 0 && flg & 0x20 == 0 => {
                Compression::Zlib
            }
            [0x5d, d0, d1, d2, d3, ..] if u32::from_le_bytes([*d0, *d1, *d2, *d3]) >= 1 << 16 => {
                Compression::Lzma
            }
            _ => return None,
        };
        if matches!(
            kind,
            Compression::Zlib | Compression::Lzma | Compression::JoblibZfile
        ) && !starts_decoding(kind, data)
        {
            return None;
        }
        Some(kind)
    }

    /// The lowercase name used in reports (`gzip`, `zlib` ...).
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zlib => "zlib",
            Compression::Lzma => "lzma",
            Compression::Lz4 => "lz4",
            Compression::JoblibZfile => "joblib-zfile",
        }
    }
}

/// Length of a z-file header after `ZF`: `len(hex(2**64))`.
const ZFILE_LENGTH_FIELD: usize = 19;

/// The zlib stream of a joblib z-file, when the header is `ZF`, `0x` and hex digits padded with
/// spaces (`read_zfile` skips one more space, which a zlib stream never starts with).
fn zfile_body(data: &[u8]) -> Option<&[u8]> {
    let field = data.get(2..2 + ZFILE_LENGTH_FIELD)?;
    let digits = field.strip_prefix(b"0x")?;
    let hex = digits.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let (number, padding) = digits.split_at(hex);
    if number.is_empty() || padding.iter().any(|&b| b != b' ') {
        return None;
    }
    let body = data.get(2 + ZFILE_LENGTH_FIELD..)?;
    Some(body.strip_prefix(b" ").unwrap_or(body))
}

/// Bytes decoded to confirm a weak magic.
const PROBE: u64 = 64;

/// Whether the first bytes of `data` decode as `kind` (or the whole of it does, when shorter).
fn starts_decoding(kind: Compression, data: &[u8]) -> bool {
    matches!(
        decompress(kind, data, PROBE),
        Ok(_) | Err(CompressedError::Limit { .. })
    )
}

/// Why a wrapper could not be decompressed.
#[derive(Debug, thiserror::Error)]
pub enum CompressedError {
    /// Output passed the limit.
    #[error("{} data inflates past the {limit}-byte limit", kind.name())]
    Limit {
        /// The wrapper.
        kind: Compression,
        /// `Limits::max_decompressed`.
        limit: u64,
    },
    /// The stream is corrupt.
    #[error("corrupt {} data after {produced} output bytes: {source}", kind.name())]
    Corrupt {
        /// The wrapper.
        kind: Compression,
        /// Bytes produced before the error.
        produced: u64,
        /// The decoder's error.
        source: io::Error,
    },
}

/// A `Write` sink that refuses to hold more than `limit` bytes.
struct Bounded {
    out: Vec<u8>,
    limit: usize,
    hit: bool,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out.len().saturating_add(buf.len()) > self.limit {
            self.hit = true;
            return Err(io::Error::other("decompression limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decompresses `data`, producing at most `limit` bytes.
pub fn decompress(kind: Compression, data: &[u8], limit: u64) -> Result<Vec<u8>, CompressedError> {
    let mut sink = Bounded {
        out: Vec::new(),
        limit: to_usize(limit).unwrap_or(usize::MAX),
        hit: false,
    };
    let result = match kind {
        Compression::Gzip => copy(flate2::read::MultiGzDecoder::new(data), &mut sink),
        Compression::Bzip2 => copy(bzip2::read::MultiBzDecoder::new(data), &mut sink),
        Compression::Xz => copy(
            lzma_rust2::XzReader::new_mem_limit(data, true, DICT_LIMIT_KIB),
            &mut sink,
        ),
        Compression::Lzma => lzma_rust2::LzmaReader::new_mem_limit(data, DICT_LIMIT_KIB, None)
            .and_then(|r| copy(r, &mut sink)),
        Compression::Zlib => copy(flate2::read::ZlibDecoder::new(data), &mut sink),
        Compression::Lz4 => copy(lz4_flex::frame::FrameDecoder::new(data), &mut sink),
        Compression::JoblibZfile => copy(
            flate2::read::ZlibDecoder::new(zfile_body(data).unwrap_or_default()),
            &mut sink,
        ),
    };
    match result {
        _ if sink.hit => Err(CompressedError::Limit { kind, limit }),
        Ok(()) => Ok(sink.out),
        Err(source) => Err(CompressedError::Corrupt {
            kind,
            produced: to_u64(sink.out.len()),
            source,
        }),
    }
}

/// Largest xz or lzma dictionary accepted, in KiB: `xz -9` uses 64 MiB; a header asking for
/// more is refused before anything is allocated.
const DICT_LIMIT_KIB: u32 = 256 * 1024;

fn copy(mut r: impl Read, sink: &mut Bounded) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        sink.write_all(buf.get(..n).unwrap_or_default())?;
    }
}
