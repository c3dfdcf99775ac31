//! The fixed zip records (APPNOTE.TXT 6.3.10 §4.3): end of central directory, ZIP64 locator and
//! end record, central and local file headers, and the ZIP64 extra field. Each parser reads only
//! inside the slice and returns a typed error with the record's absolute offset.

use super::error::ZipError;
use crate::cursor::{to_u64, to_usize, Cursor};

/// `PK\5\6`: end of central directory record.
pub(crate) const SIG_EOCD: u32 = 0x0605_4b50;
/// `PK\6\7`: ZIP64 end of central directory locator.
pub(crate) const SIG_ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// `PK\6\6`: ZIP64 end of central directory record.
pub(crate) const SIG_ZIP64_EOCD: u32 = 0x0606_4b50;
/// `PK\1\2`: central directory file header.
pub(crate) const SIG_CENTRAL: u32 = 0x0201_4b50;
/// `PK\3\4`: local file header.
pub(crate) const SIG_LOCAL: u32 = 0x0403_4b50;
/// `PK\7\8`: optional data descriptor signature.
pub(crate) const SIG_DESCRIPTOR: u32 = 0x0807_4b50;

/// Size of the classic end record without its comment.
pub(crate) const EOCD_LEN: usize = 22;
/// Size of the ZIP64 locator.
pub(crate) const LOCATOR_LEN: usize = 20;
/// Size of the ZIP64 end record without extensible data.
pub(crate) const ZIP64_EOCD_LEN: usize = 56;
/// Size of a central header without name, extra and comment.
pub(crate) const CENTRAL_LEN: usize = 46;
/// Size of a local header without name and extra.
pub(crate) const LOCAL_LEN: usize = 30;

/// Reads a little-endian `u32` at `pos`, if in bounds.
pub(crate) fn sig_at(data: &[u8], pos: u64) -> Option<u32> {
    Cursor::at(data, to_usize(pos)?).u32()
}

fn truncated(what: &'static str, offset: usize, needed: usize, data: &[u8]) -> ZipError {
    ZipError::Truncated {
        what,
        offset: to_u64(offset),
        needed: to_u64(needed),
        file_len: to_u64(data.len()),
    }
}

fn check_sig(what: &'static str, data: &[u8], pos: usize, expected: u32) -> Result<(), ZipError> {
    match Cursor::at(data, pos).u32() {
        Some(found) if found == expected => Ok(()),
        Some(found) => Err(ZipError::BadSignature {
            what,
            offset: to_u64(pos),
            found,
            expected,
        }),
        None => Err(truncated(what, pos, 4, data)),
    }
}

/// The classic end of central directory record.
#[derive(Debug, Clone)]
pub(crate) struct EndRecord {
    pub(crate) disk: u16,
    pub(crate) directory_disk: u16,
    pub(crate) entries: u16,
    pub(crate) directory_size: u32,
    pub(crate) directory_offset: u32,
    pub(crate) comment_len: u16,
}

impl EndRecord {
    pub(crate) fn parse(data: &[u8], pos: usize) -> Result<Self, ZipError> {
        const WHAT: &str = "end of central directory";
        check_sig(WHAT, data, pos, SIG_EOCD)?;
        let mut c = Cursor::at(data, pos + 4);
        let mut f = || -> Option<EndRecord> {
            let disk = c.u16()?;
            let directory_disk = c.u16()?;
            let _entries_this_disk = c.u16()?;
            let entries = c.u16()?;
            let directory_size = c.u32()?;
            let directory_offset = c.u32()?;
            let comment_len = c.u16()?;
            Some(EndRecord {
                disk,
                directory_disk,
                entries,
                directory_size,
                directory_offset,
                comment_len,
            })
        };
        f().ok_or_else(|| truncated(WHAT, pos, EOCD_LEN, data))
    }
}

/// The ZIP64 locator: where the ZIP64 end record is (as declared, before any shift).
#[derive(Debug, Clone)]
pub(crate) struct Zip64Locator {
    pub(crate) disk: u32,
    pub(crate) record_offset: u64,
}

impl Zip64Locator {
    pub(crate) fn parse(data: &[u8], pos: usize) -> Result<Self, ZipError> {
        const WHAT: &str = "ZIP64 end locator";
        check_sig(WHAT, data, pos, SIG_ZIP64_LOCATOR)?;
        let mut c = Cursor::at(data, pos + 4);
        let disk = c.u32();
        let record_offset = c.u64();
        let disks = c.u32();
        match (disk, record_offset, disks) {
            (Some(disk), Some(record_offset), Some(_)) => Ok(Zip64Locator {
                disk,
                record_offset,
            }),
            _ => Err(truncated(WHAT, pos, LOCATOR_LEN, data)),
        }
    }
}

/// The ZIP64 end of central directory record.
#[derive(Debug, Clone)]
pub(crate) struct Zip64EndRecord {
    pub(crate) disk: u32,
    pub(crate) directory_disk: u32,
    pub(crate) entries: u64,
    pub(crate) directory_size: u64,
    pub(crate) directory_offset: u64,
}

impl Zip64EndRecord {
    pub(crate) fn parse(data: &[u8], pos: usize) -> Result<Self, ZipError> {
        const WHAT: &str = "ZIP64 end of central directory";
        check_sig(WHAT, data, pos, SIG_ZIP64_EOCD)?;
        let mut c = Cursor::at(data, pos + 4);
        let mut f = || -> Option<Zip64EndRecord> {
            let _size = c.u64()?;
            let _made = c.u16()?;
            let _needed = c.u16()?;
            let disk = c.u32()?;
            let directory_disk = c.u32()?;
            let _entries_this_disk = c.u64()?;
            let entries = c.u64()?;
            let directory_size = c.u64()?;
            let directory_offset = c.u64()?;
            Some(Zip64EndRecord {
                disk,
                directory_disk,
                entries,
                directory_size,
                directory_offset,
            })
        };
        f().ok_or_else(|| truncated(WHAT, pos, ZIP64_EOCD_LEN, data))
    }
}

/// Sizes and offset as a header declares them, after applying a ZIP64 extra field.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sizes {
    pub(crate) compressed: u64,
    pub(crate) uncompressed: u64,
    pub(crate) local_offset: u64,
    /// A 0xFFFFFFFF field had no ZIP64 value, or an extra field was cut short.
    pub(crate) malformed_extra: bool,
    /// A ZIP64 extra field was present.
    pub(crate) zip64: bool,
}

/// Applies the ZIP64 extended information extra field (header id 1, APPNOTE 4.5.3): it holds
/// the 8-byte values of the fields whose 4-byte form is 0xFFFFFFFF, in a fixed order.
/// In a local header both sizes are present whenever the field exists (`local = true`).
pub(crate) fn apply_extra(extra: &[u8], mut sizes: Sizes, raw: [u32; 3], local: bool) -> Sizes {
    let mut c = Cursor::at(extra, 0);
    let mut found = false;
    while c.pos() < extra.len() {
        let (Some(id), Some(len)) = (c.u16(), c.u16()) else {
            sizes.malformed_extra = true;
            break;
        };
        let Some(body) = c.bytes(usize::from(len)) else {
            sizes.malformed_extra = true;
            break;
        };
        if id != 1 || found {
            continue;
        }
        found = true;
        sizes.zip64 = true;
        let mut b = Cursor::at(body, 0);
        let want_u = raw[0] == u32::MAX || (local && body.len() >= 16);
        let want_c = raw[1] == u32::MAX || (local && body.len() >= 16);
        if want_u {
            match b.u64() {
                Some(v) => sizes.uncompressed = v,
                None => sizes.malformed_extra = true,
            }
        }
        if want_c {
            match b.u64() {
                Some(v) => sizes.compressed = v,
                None => sizes.malformed_extra = true,
            }
        }
        if !local && raw[2] == u32::MAX {
            match b.u64() {
                Some(v) => sizes.local_offset = v,
                None => sizes.malformed_extra = true,
            }
        }
    }
    if !found && (raw[0] == u32::MAX || raw[1] == u32::MAX || (!local && raw[2] == u32::MAX)) {
        // A sentinel without its ZIP64 value: readers disagree on what it means.
        sizes.malformed_extra = sizes.malformed_extra || !local;
    }
    sizes
}

/// The fixed fields of a central header: flags, method, CRC, [uncompressed, compressed, local
/// offset] and [name, extra, comment lengths, disk].
type CentralFixed = (u16, u16, u32, [u32; 3], [u16; 4]);

/// A central directory file header with its variable parts.
#[derive(Debug, Clone)]
pub(crate) struct CentralHeader<'a> {
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) crc32: u32,
    pub(crate) name: &'a [u8],
    pub(crate) sizes: Sizes,
    /// Total bytes of the header (fixed part, name, extra, comment).
    pub(crate) len: usize,
}

impl<'a> CentralHeader<'a> {
    pub(crate) fn parse(data: &'a [u8], pos: usize) -> Result<Self, ZipError> {
        const WHAT: &str = "central directory header";
        check_sig(WHAT, data, pos, SIG_CENTRAL)?;
        let mut c = Cursor::at(data, pos + 4);
        let mut fixed = || -> Option<CentralFixed> {
            let _made = c.u16()?;
            let _needed = c.u16()?;
            let flags = c.u16()?;
            let method = c.u16()?;
            let _time = c.u16()?;
            let _date = c.u16()?;
            let crc = c.u32()?;
            let csize = c.u32()?;
            let usize_ = c.u32()?;
            let name_len = c.u16()?;
            let extra_len = c.u16()?;
            let comment_len = c.u16()?;
            let disk = c.u16()?;
            let _internal = c.u16()?;
            let _external = c.u32()?;
            let local = c.u32()?;
            Some((
                flags,
                method,
                crc,
                [usize_, csize, local],
                [name_len, extra_len, comment_len, disk],
            ))
        };
        let (flags, method, crc32, raw, [name_len, extra_len, comment_len, _disk]) =
            fixed().ok_or_else(|| truncated(WHAT, pos, CENTRAL_LEN, data))?;
        let var_len = usize::from(name_len) + usize::from(extra_len) + usize::from(comment_len);
        let mut v = Cursor::at(data, pos + CENTRAL_LEN);
        let (Some(name), Some(extra), Some(_comment)) = (
            v.bytes(usize::from(name_len)),
            v.bytes(usize::from(extra_len)),
            v.bytes(usize::from(comment_len)),
        ) else {
            return Err(truncated(WHAT, pos, CENTRAL_LEN + var_len, data));
        };
        let base = Sizes {
            compressed: u64::from(raw[1]),
            uncompressed: u64::from(raw[0]),
            local_offset: u64::from(raw[2]),
            malformed_extra: false,
            zip64: false,
        };
        Ok(CentralHeader {
            flags,
            method,
            crc32,
            name,
            sizes: apply_extra(extra, base, raw, false),
            len: CENTRAL_LEN + var_len,
        })
    }
}

/// A local file header with its variable parts.
#[derive(Debug, Clone)]
pub(crate) struct LocalHeader<'a> {
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) crc32: u32,
    pub(crate) name: &'a [u8],
    pub(crate) sizes: Sizes,
    /// Total bytes of the header (fixed part, name, extra); data follows.
    pub(crate) len: usize,
}

impl<'a> LocalHeader<'a> {
    pub(crate) fn parse(data: &'a [u8], pos: usize) -> Result<Self, ZipError> {
        const WHAT: &str = "local file header";
        check_sig(WHAT, data, pos, SIG_LOCAL)?;
        let mut c = Cursor::at(data, pos + 4);
        let mut fixed = || -> Option<(u16, u16, u32, u32, u32, u16, u16)> {
            let _needed = c.u16()?;
            let flags = c.u16()?;
            let method = c.u16()?;
            let _time = c.u16()?;
            let _date = c.u16()?;
            let crc = c.u32()?;
            let csize = c.u32()?;
            let usize_ = c.u32()?;
            let name_len = c.u16()?;
            let extra_len = c.u16()?;
            Some((flags, method, crc, csize, usize_, name_len, extra_len))
        };
        let (flags, method, crc32, csize, usize_, name_len, extra_len) =
            fixed().ok_or_else(|| truncated(WHAT, pos, LOCAL_LEN, data))?;
        let var_len = usize::from(name_len) + usize::from(extra_len);
        let mut v = Cursor::at(data, pos + LOCAL_LEN);
        let (Some(name), Some(extra)) = (
            v.bytes(usize::from(name_len)),
            v.bytes(usize::from(extra_len)),
        ) else {
            return Err(truncated(WHAT, pos, LOCAL_LEN + var_len, data));
        };
        let base = Sizes {
            compressed: u64::from(csize),
            uncompressed: u64::from(usize_),
            local_offset: to_u64(pos),
            malformed_extra: false,
            zip64: false,
        };
        Ok(LocalHeader {
            flags,
            method,
            crc32,
            name,
            sizes: apply_extra(extra, base, [usize_, csize, 0], true),
            len: LOCAL_LEN + var_len,
        })
    }
}

/// A data descriptor after an entry's data (flag bit 3): CRC and sizes, 4- or 8-byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Descriptor {
    pub(crate) crc32: u32,
    pub(crate) compressed: u64,
    pub(crate) uncompressed: u64,
    pub(crate) len: u64,
}

impl Descriptor {
    /// Reads a descriptor at `pos`: with its optional signature, or without it when its CRC
    /// equals `crc32` (the unsigned form is otherwise indistinguishable from the next record).
    /// `wide` selects 8-byte sizes.
    pub(crate) fn parse(data: &[u8], pos: u64, wide: bool, crc32: u32) -> Option<Self> {
        let start = to_usize(pos)?;
        let mut c = Cursor::at(data, start);
        let signed = c.u32()? == SIG_DESCRIPTOR;
        if !signed {
            c = Cursor::at(data, start);
        }
        let crc = c.u32()?;
        if !signed && crc != crc32 {
            return None;
        }
        let sig_len = if signed { 4 } else { 0 };
        let (compressed, uncompressed, len) = if wide {
            (c.u64()?, c.u64()?, 20 + sig_len)
        } else {
            (u64::from(c.u32()?), u64::from(c.u32()?), 12 + sig_len)
        };
        let crc32 = crc;
        Some(Descriptor {
            crc32,
            compressed,
            uncompressed,
            len,
        })
    }
}
