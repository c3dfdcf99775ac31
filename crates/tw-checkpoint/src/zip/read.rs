//! Reading one entry's bytes: stored entries are borrowed straight from the input (zero copy),
//! deflated ones are inflated into a buffer bounded by a limit. CRC-32 is computed only when the
//! caller asks, because hashing storage records would make scan time grow with tensor bytes.

use std::borrow::Cow;
use std::io::Read;

use super::{Method, ZipArchive, ZipEntry, ZipError, ZipIssue};
use crate::cursor::to_usize;

/// The bytes of one entry and the issues seen while producing them.
#[derive(Debug, Clone)]
pub struct EntryBytes<'a> {
    /// Uncompressed content (borrowed when stored).
    pub bytes: Cow<'a, [u8]>,
    /// CRC or size mismatches found while reading.
    pub issues: Vec<ZipIssue>,
}

/// Largest buffer reserved up front for inflating (the rest grows as real output arrives).
const MAX_PREALLOC: u64 = 1 << 24;

impl<'a> ZipArchive<'a> {
    /// The raw (possibly compressed) data of `entry`, bounds-checked.
    pub fn raw_data(&self, entry: &ZipEntry) -> Result<&'a [u8], ZipError> {
        let data = self.data();
        let out_of_bounds = || ZipError::EntryOutOfBounds {
            name: entry.name.clone(),
            offset: entry.data_start,
            size: entry.compressed_size,
            file_len: crate::cursor::to_u64(data.len()),
        };
        let start = to_usize(entry.data_start).ok_or_else(out_of_bounds)?;
        let end = to_usize(entry.data_end()).ok_or_else(out_of_bounds)?;
        data.get(start..end).ok_or_else(out_of_bounds)
    }

    /// The uncompressed bytes of `entry`, producing at most `limit` bytes. With `check_crc`
    /// the CRC-32 of the result is compared with the declared one.
    ///
    /// An encryption flag does not stop a stored entry from being read: its data are the bytes
    /// in the file, which a reader that ignores the flag hands to its caller, so a scanner must
    /// see them (the flag itself is a [`ZipIssue::Encrypted`] of the walk). A compressed entry
    /// with the flag cannot be inflated without the key and is an error.
    pub fn read(
        &self,
        entry: &ZipEntry,
        limit: u64,
        check_crc: bool,
    ) -> Result<EntryBytes<'a>, ZipError> {
        if entry.is_encrypted() && entry.method != Method::Stored {
            return Err(ZipError::Encrypted {
                name: entry.name.clone(),
                offset: entry.local_header_offset,
                flags: entry.flags,
            });
        }
        let raw = self.raw_data(entry)?;
        let bytes: Cow<'a, [u8]> = match entry.method {
            Method::Stored => {
                if crate::cursor::to_u64(raw.len()) > limit {
                    return Err(ZipError::DecompressedLimit {
                        name: entry.name.clone(),
                        offset: entry.data_start,
                        limit,
                    });
                }
                Cow::Borrowed(raw)
            }
            Method::Deflate => Cow::Owned(inflate(entry, raw, limit)?),
            Method::Other(method) => {
                return Err(ZipError::UnsupportedMethod {
                    name: entry.name.clone(),
                    offset: entry.local_header_offset,
                    method,
                })
            }
        };
        let mut issues = Vec::new();
        let actual_len = crate::cursor::to_u64(bytes.len());
        if actual_len != entry.uncompressed_size {
            issues.push(ZipIssue::InflatedSizeMismatch {
                name: entry.name.clone(),
                declared: entry.uncompressed_size,
                actual: actual_len,
                offset: entry.data_start,
            });
        }
        if check_crc {
            let actual = crc32fast::hash(&bytes);
            if actual != entry.crc32 {
                issues.push(ZipIssue::CrcMismatch {
                    name: entry.name.clone(),
                    declared: entry.crc32,
                    actual,
                    offset: entry.data_start,
                });
            }
        }
        Ok(EntryBytes { bytes, issues })
    }
}

/// Inflates raw deflate data, failing once the output would pass `limit`.
fn inflate(entry: &ZipEntry, raw: &[u8], limit: u64) -> Result<Vec<u8>, ZipError> {
    let prealloc = entry.uncompressed_size.min(limit).min(MAX_PREALLOC);
    let mut out = Vec::with_capacity(to_usize(prealloc).unwrap_or(0));
    let decoder = flate2::read::DeflateDecoder::new(raw);
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| ZipError::Inflate {
            name: entry.name.clone(),
            offset: entry.data_start,
            source,
        })?;
    if crate::cursor::to_u64(out.len()) > limit {
        return Err(ZipError::DecompressedLimit {
            name: entry.name.clone(),
            offset: entry.data_start,
            limit,
        });
    }
    Ok(out)
}

impl<'a> ZipArchive<'a> {
    /// At most the first `n` uncompressed bytes of `entry` (headers of `.npy` members are read
    /// this way, without inflating the array behind them).
    pub fn read_prefix(&self, entry: &ZipEntry, n: u64) -> Result<Cow<'a, [u8]>, ZipError> {
        let raw = self.raw_data(entry)?;
        match entry.method {
            Method::Stored => Ok(Cow::Borrowed(
                raw.get(..to_usize(n).unwrap_or(usize::MAX).min(raw.len()))
                    .unwrap_or_default(),
            )),
            Method::Deflate => {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(raw)
                    .take(n)
                    .read_to_end(&mut out)
                    .map_err(|source| ZipError::Inflate {
                        name: entry.name.clone(),
                        offset: entry.data_start,
                        source,
                    })?;
                Ok(Cow::Owned(out))
            }
            Method::Other(method) => Err(ZipError::UnsupportedMethod {
                name: entry.name.clone(),
                offset: entry.local_header_offset,
                method,
            }),
        }
    }
}
