//! gzip, bzip2 and xz wrappers (joblib, `.pkl.gz` ...): decompressed with a hard output limit
//! so a bomb stops at `Limits::max_decompressed` bytes instead of exhausting memory. All three
//! decoders are pure Rust (miniz_oxide, libbz2-rs-sys, lzma-rs).

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
}

impl Compression {
    /// Recognises a wrapper by its leading magic bytes.
    pub fn sniff(data: &[u8]) -> Option<Self> {
        match data {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Compression::Bzip2),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Compression::Xz),
            _ => None,
        }
    }
}

/// Why a wrapper could not be decompressed.
#[derive(Debug, thiserror::Error)]
pub enum CompressedError {
    /// Output passed the limit.
    #[error("{kind:?} data inflates past the {limit}-byte limit")]
    Limit {
        /// The wrapper.
        kind: Compression,
        /// `Limits::max_decompressed`.
        limit: u64,
    },
    /// The stream is corrupt.
    #[error("corrupt {kind:?} data after {produced} output bytes: {source}")]
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
        Compression::Xz => lzma_rs::xz_decompress(&mut io::BufReader::new(data), &mut sink)
            .map_err(|e| io::Error::other(e.to_string())),
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
