//! Our own strict zip walk (APPNOTE.TXT 6.3.10): end records (classic and ZIP64), the central
//! directory and every local header, cross-checked. The walk never decompresses anything; entry
//! data is addressed by absolute ranges into the input, so tensor bytes are never copied or read.
//! Every disagreement a different reader could resolve differently is kept as a [`ZipIssue`].

mod entry;
mod error;
mod issue;
mod read;
mod record;

use crate::cursor::{to_u64, to_usize};
use crate::limits::Limits;
pub use entry::{Method, ZipEntry};
pub use error::ZipError;
pub use issue::{HeaderField, ZipIssue};
pub use read::EntryBytes;
use record::{
    sig_at, CentralHeader, Descriptor, EndRecord, LocalHeader, Zip64EndRecord, Zip64Locator,
    CENTRAL_LEN, EOCD_LEN, LOCATOR_LEN, SIG_CENTRAL, SIG_EOCD, SIG_LOCAL, SIG_ZIP64_EOCD,
    ZIP64_EOCD_LEN,
};

/// Where the archive's structures are, as found (absolute offsets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZipLayout {
    /// Offset of the classic end record.
    pub end_record: u64,
    /// Offset of the ZIP64 end record, when there is one.
    pub zip64_end_record: Option<u64>,
    /// Absolute offset of the central directory.
    pub directory_offset: u64,
    /// Declared size of the central directory.
    pub directory_size: u64,
    /// Amount added to every declared offset (bytes prepended without fixing offsets).
    pub shift: u64,
    /// Offset of the first local header (0 in a well-formed archive).
    pub first_entry: u64,
}

/// A zip archive walked strictly: entries in central-directory order (the order miniz indexes
/// them, so entry 0 is what torch calls the first record), plus every issue found.
#[derive(Debug, Clone)]
pub struct ZipArchive<'a> {
    data: &'a [u8],
    entries: Vec<ZipEntry>,
    issues: Vec<ZipIssue>,
    layout: ZipLayout,
}

/// Most bytes from the end searched for the end record: its size plus the largest comment.
const EOCD_SEARCH: usize = EOCD_LEN + 0xFFFF;

/// Orders names as their ASCII-lowercased bytes (miniz's `MZ_TOLOWER` comparison).
pub(crate) fn cmp_ignoring_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (&x, &y) in a.iter().zip(b) {
        // Lowercase only where the bytes differ: names mostly share long exact prefixes.
        if x != y {
            let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
            if x != y {
                return x.cmp(&y);
            }
        }
    }
    a.len().cmp(&b.len())
}

/// Whether an entry name leaves the extraction folder: absolute (`/`, `\\`, a drive letter)
/// or with a `..` component (either separator counts, as Python's zipfile treats both).
fn unsafe_name(raw: &[u8]) -> bool {
    let absolute = matches!(raw, [b'/' | b'\\', ..] | [b'A'..=b'Z' | b'a'..=b'z', b':', ..]);
    absolute
        || raw
            .split(|&b| b == b'/' || b == b'\\')
            .any(|part| part == b"..")
}

/// Finds the last end record signature (miniz and Python both search backwards from the end).
fn find_end_record(data: &[u8]) -> Option<usize> {
    let last = data.len().checked_sub(EOCD_LEN)?;
    let first = data.len().saturating_sub(EOCD_SEARCH);
    (first..=last)
        .rev()
        .find(|&pos| sig_at(data, to_u64(pos)) == Some(SIG_EOCD))
}

impl<'a> ZipArchive<'a> {
    /// Walks `data` as a zip archive. Structural damage (missing or truncated records) is an
    /// error; ambiguities are collected as issues and the walk goes on.
    pub fn parse(data: &'a [u8], limits: &Limits) -> Result<Self, ZipError> {
        let file_len = to_u64(data.len());
        let eocd_pos = find_end_record(data).ok_or(ZipError::NoEndRecord { file_len })?;
        let eocd = EndRecord::parse(data, eocd_pos)?;
        let mut issues = Vec::new();
        let eocd_off = to_u64(eocd_pos);
        if eocd.disk != 0 || eocd.directory_disk != 0 {
            return Err(ZipError::MultiDisk {
                offset: eocd_off,
                disk: u32::from(eocd.disk.max(eocd.directory_disk)),
            });
        }
        let record_end = eocd_pos + EOCD_LEN + usize::from(eocd.comment_len);
        if record_end < data.len() {
            issues.push(ZipIssue::TrailingBytes {
                offset: to_u64(record_end),
                len: to_u64(data.len() - record_end),
            });
        }

        // ZIP64: the locator sits right before the classic end record.
        let mut entries_count = u64::from(eocd.entries);
        let mut dir_size = u64::from(eocd.directory_size);
        let mut dir_offset = u64::from(eocd.directory_offset);
        let mut dir_end = eocd_off;
        let mut zip64_pos = None;
        let mut shift = None;
        if let Some(loc_pos) = eocd_pos.checked_sub(LOCATOR_LEN) {
            if sig_at(data, to_u64(loc_pos)) == Some(record::SIG_ZIP64_LOCATOR) {
                let loc = Zip64Locator::parse(data, loc_pos)?;
                if loc.disk != 0 {
                    return Err(ZipError::MultiDisk {
                        offset: to_u64(loc_pos),
                        disk: loc.disk,
                    });
                }
                let (pos, s) = Self::find_zip64_record(data, &loc, loc_pos)?;
                let z = Zip64EndRecord::parse(data, pos)?;
                if z.disk != 0 || z.directory_disk != 0 {
                    return Err(ZipError::MultiDisk {
                        offset: to_u64(pos),
                        disk: z.disk.max(z.directory_disk),
                    });
                }
                Self::compare_end_records(&eocd, &z, eocd_off, &mut issues);
                entries_count = z.entries;
                dir_size = z.directory_size;
                dir_offset = z.directory_offset;
                dir_end = to_u64(pos);
                zip64_pos = Some(to_u64(pos));
                shift = Some(s);
            }
        }

        let declared_end =
            dir_offset
                .checked_add(dir_size)
                .ok_or(ZipError::DirectoryOutOfBounds {
                    offset: dir_offset,
                    size: dir_size,
                    file_len,
                })?;
        let shift = match shift {
            Some(s) => s,
            None => Self::directory_shift(data, dir_offset, dir_size, declared_end, dir_end)?,
        };
        let dir_abs = dir_offset.saturating_add(shift);
        let dir_abs_end = declared_end.saturating_add(shift);
        if dir_abs_end > dir_end {
            return Err(ZipError::DirectoryOutOfBounds {
                offset: dir_abs,
                size: dir_size,
                file_len,
            });
        }
        if dir_abs_end < dir_end {
            issues.push(ZipIssue::UnaccountedBytes {
                offset: dir_abs_end,
                len: dir_end - dir_abs_end,
            });
        }
        if entries_count > limits.max_entries {
            return Err(ZipError::TooManyEntries {
                offset: dir_abs,
                declared: entries_count,
                limit: limits.max_entries,
            });
        }
        // Every entry needs at least a fixed central header: bound the count by the size
        // before allocating anything.
        if entries_count.saturating_mul(to_u64(CENTRAL_LEN)) > dir_size {
            return Err(ZipError::Truncated {
                what: "central directory",
                offset: dir_abs,
                needed: entries_count.saturating_mul(to_u64(CENTRAL_LEN)),
                file_len,
            });
        }

        let mut archive = ZipArchive {
            data,
            entries: Vec::with_capacity(to_usize(entries_count).unwrap_or(0)),
            issues,
            layout: ZipLayout {
                end_record: eocd_off,
                zip64_end_record: zip64_pos,
                directory_offset: dir_abs,
                directory_size: dir_size,
                shift,
                first_entry: 0,
            },
        };
        archive.walk_directory(entries_count, limits)?;
        archive.check_names();
        archive.check_layout();
        Ok(archive)
    }

    /// Locates the ZIP64 end record: at its declared offset, or right before the locator when
    /// bytes were prepended (then the difference is the shift of every offset).
    fn find_zip64_record(
        data: &[u8],
        loc: &Zip64Locator,
        loc_pos: usize,
    ) -> Result<(usize, u64), ZipError> {
        if sig_at(data, loc.record_offset) == Some(SIG_ZIP64_EOCD) {
            if let Some(pos) = to_usize(loc.record_offset) {
                return Ok((pos, 0));
            }
        }
        if let Some(pos) = loc_pos.checked_sub(ZIP64_EOCD_LEN) {
            let at = to_u64(pos);
            if sig_at(data, at) == Some(SIG_ZIP64_EOCD) && at >= loc.record_offset {
                return Ok((pos, at - loc.record_offset));
            }
        }
        Err(ZipError::BadSignature {
            what: "ZIP64 end of central directory",
            offset: loc.record_offset,
            found: sig_at(data, loc.record_offset).unwrap_or(0),
            expected: SIG_ZIP64_EOCD,
        })
    }

    /// Without ZIP64, finds how far the directory moved: 0 when it is where declared, else the
    /// gap between its declared end and the end record (a prepended prefix).
    fn directory_shift(
        data: &[u8],
        dir_offset: u64,
        dir_size: u64,
        declared_end: u64,
        dir_end: u64,
    ) -> Result<u64, ZipError> {
        let out_of_bounds = ZipError::DirectoryOutOfBounds {
            offset: dir_offset,
            size: dir_size,
            file_len: to_u64(data.len()),
        };
        if declared_end > dir_end {
            return Err(out_of_bounds);
        }
        let gap = dir_end - declared_end;
        if gap == 0 || dir_size == 0 || sig_at(data, dir_offset) == Some(SIG_CENTRAL) {
            return Ok(0);
        }
        if sig_at(data, dir_offset.saturating_add(gap)) == Some(SIG_CENTRAL) {
            return Ok(gap);
        }
        Ok(0)
    }

    fn compare_end_records(
        eocd: &EndRecord,
        z: &Zip64EndRecord,
        offset: u64,
        issues: &mut Vec<ZipIssue>,
    ) {
        // A classic field holding its all-ones sentinel defers to ZIP64; any other value must
        // agree, or Python's zipfile and miniz may read different directories.
        let pairs = [
            ("entries", u64::from(eocd.entries), 0xFFFF, z.entries),
            (
                "directory_size",
                u64::from(eocd.directory_size),
                0xFFFF_FFFF,
                z.directory_size,
            ),
            (
                "directory_offset",
                u64::from(eocd.directory_offset),
                0xFFFF_FFFF,
                z.directory_offset,
            ),
        ];
        for (field, classic, sentinel, zip64) in pairs {
            if classic != sentinel && classic != zip64 {
                issues.push(ZipIssue::EndRecordMismatch {
                    field,
                    classic,
                    zip64,
                    offset,
                });
            }
        }
    }

    fn walk_directory(&mut self, count: u64, limits: &Limits) -> Result<(), ZipError> {
        let data = self.data;
        let start = self.layout.directory_offset;
        let mut pos = to_usize(start).ok_or(ZipError::DirectoryOutOfBounds {
            offset: start,
            size: self.layout.directory_size,
            file_len: to_u64(data.len()),
        })?;
        for index in 0..to_usize(count).unwrap_or(usize::MAX) {
            crate::pages::touched();
            let central_pos = pos;
            let ch = CentralHeader::parse(data, pos)?;
            pos += ch.len;
            let entry = self.check_entry(index, to_u64(central_pos), &ch, limits)?;
            self.entries.push(entry);
        }
        let walked = to_u64(pos).saturating_sub(start);
        if walked != self.layout.directory_size {
            self.issues.push(ZipIssue::DirectorySizeMismatch {
                declared: self.layout.directory_size,
                walked,
                offset: start,
            });
        }
        Ok(())
    }

    /// Reads an entry's local header and compares it with the central directory.
    fn check_entry(
        &mut self,
        index: usize,
        central_offset: u64,
        ch: &CentralHeader<'_>,
        limits: &Limits,
    ) -> Result<ZipEntry, ZipError> {
        let data = self.data;
        let file_len = to_u64(data.len());
        let name = String::from_utf8_lossy(ch.name).into_owned();
        let local_offset =
            ch.sizes
                .local_offset
                .checked_add(self.layout.shift)
                .ok_or(ZipError::Truncated {
                    what: "local file header",
                    offset: ch.sizes.local_offset,
                    needed: 1,
                    file_len,
                })?;
        let lpos = to_usize(local_offset).ok_or(ZipError::Truncated {
            what: "local file header",
            offset: local_offset,
            needed: 1,
            file_len,
        })?;
        let lh = LocalHeader::parse(data, lpos)?;
        let offset = local_offset;
        if ch.sizes.malformed_extra || lh.sizes.malformed_extra {
            self.issues.push(ZipIssue::MalformedExtraField {
                name: name.clone(),
                offset,
            });
        }
        if lh.name != ch.name {
            self.issues.push(ZipIssue::LocalNameMismatch {
                central: name.clone(),
                local: String::from_utf8_lossy(lh.name).into_owned(),
                offset,
            });
        }
        let deferred = ch.flags & entry::FLAG_DESCRIPTOR != 0;
        let mut mismatch = |field, central: u64, local: u64, skip_zero: bool| {
            // With a data descriptor (bit 3) the local CRC and sizes may be zero (or the ZIP64
            // sentinel) and the real values follow the data.
            let deferred_value = skip_zero && (local == 0 || local == u64::from(u32::MAX));
            if central != local && !deferred_value {
                self.issues.push(ZipIssue::LocalFieldMismatch {
                    name: name.clone(),
                    field,
                    central,
                    local,
                    offset,
                });
            }
        };
        mismatch(
            HeaderField::Flags,
            u64::from(ch.flags),
            u64::from(lh.flags),
            false,
        );
        mismatch(
            HeaderField::Method,
            u64::from(ch.method),
            u64::from(lh.method),
            false,
        );
        mismatch(
            HeaderField::Crc32,
            u64::from(ch.crc32),
            u64::from(lh.crc32),
            deferred,
        );
        mismatch(
            HeaderField::CompressedSize,
            ch.sizes.compressed,
            lh.sizes.compressed,
            deferred,
        );
        mismatch(
            HeaderField::UncompressedSize,
            ch.sizes.uncompressed,
            lh.sizes.uncompressed,
            deferred,
        );

        let data_start = local_offset.saturating_add(to_u64(lh.len));
        let data_end = data_start.saturating_add(ch.sizes.compressed);
        let mut span_end = data_end;
        if deferred {
            let wide = ch.sizes.zip64 || lh.sizes.zip64;
            if let Some(d) = Descriptor::parse(data, data_end, wide, ch.crc32) {
                span_end = data_end.saturating_add(d.len);
                let pairs = [
                    (HeaderField::Crc32, u64::from(ch.crc32), u64::from(d.crc32)),
                    (
                        HeaderField::CompressedSize,
                        ch.sizes.compressed,
                        d.compressed,
                    ),
                    (
                        HeaderField::UncompressedSize,
                        ch.sizes.uncompressed,
                        d.uncompressed,
                    ),
                ];
                for (field, central, desc) in pairs {
                    mismatch(field, central, desc, false);
                }
            }
        }
        let entry = ZipEntry {
            index,
            name,
            raw_name: ch.name.to_vec(),
            method: Method::from_code(ch.method),
            flags: ch.flags,
            crc32: ch.crc32,
            compressed_size: ch.sizes.compressed,
            uncompressed_size: ch.sizes.uncompressed,
            local_header_offset: local_offset,
            central_header_offset: central_offset,
            data_start,
            span_end,
        };
        self.check_entry_values(&entry, file_len, limits);
        Ok(entry)
    }

    /// Flags, method, sizes and bounds of one entry.
    fn check_entry_values(&mut self, e: &ZipEntry, file_len: u64, limits: &Limits) {
        let name = || e.name.clone();
        let offset = e.local_header_offset;
        if unsafe_name(&e.raw_name) {
            self.issues.push(ZipIssue::UnsafeName {
                name: name(),
                offset,
            });
        }
        if e.is_encrypted() {
            self.issues.push(ZipIssue::Encrypted {
                name: name(),
                flags: e.flags,
                offset,
            });
        }
        if e.flags & !entry::USUAL_FLAGS & !entry::ENCRYPTION_FLAGS != 0 {
            self.issues.push(ZipIssue::UnusualFlags {
                name: name(),
                flags: e.flags,
                offset,
            });
        }
        if let Method::Other(method) = e.method {
            self.issues.push(ZipIssue::UnsupportedMethod {
                name: name(),
                method,
                offset,
            });
        }
        if e.method == Method::Stored && e.compressed_size != e.uncompressed_size {
            self.issues.push(ZipIssue::StoredSizeMismatch {
                name: name(),
                compressed: e.compressed_size,
                uncompressed: e.uncompressed_size,
                offset,
            });
        }
        if e.uncompressed_size > limits.max_entry_size {
            self.issues.push(ZipIssue::DeclaredSizeOverLimit {
                name: name(),
                declared: e.uncompressed_size,
                limit: limits.max_entry_size,
                offset,
            });
        }
        if e.uncompressed_size >= limits.ratio_floor
            && e.uncompressed_size / e.compressed_size.max(1) > limits.max_ratio
        {
            self.issues.push(ZipIssue::CompressionRatio {
                name: name(),
                compressed: e.compressed_size,
                uncompressed: e.uncompressed_size,
                limit: limits.max_ratio,
                offset,
            });
        }
        let end = e.data_end();
        if end > file_len || e.data_start > file_len {
            self.issues.push(ZipIssue::EntryBeyondEof {
                name: name(),
                end,
                file_len,
                offset,
            });
        }
    }

    /// Duplicate names and names equal but for ASCII case (miniz compares with `MZ_TOLOWER`).
    /// An entry is a duplicate of the first entry with its exact name; otherwise it collides
    /// with the first entry whose name is equal ignoring case. Found by sorting entry indices
    /// by (folded name, exact name, index): no hashing, no allocation per name, and
    /// O(n log n) however the names are chosen.
    fn check_names(&mut self) {
        let entries = &self.entries;
        let raw = |i: usize| entries.get(i).map_or(&[][..], |e| e.raw_name.as_slice());
        let mut order: Vec<usize> = (0..entries.len()).collect();
        if entries
            .iter()
            .any(|e| e.raw_name.iter().any(u8::is_ascii_uppercase))
        {
            order.sort_unstable_by(|&a, &b| {
                cmp_ignoring_case(raw(a), raw(b))
                    .then_with(|| raw(a).cmp(raw(b)))
                    .then(a.cmp(&b))
            });
        } else {
            // Without upper-case letters the folded order is the byte order (compared with
            // memcmp), as most archives name their entries.
            order.sort_unstable_by(|&a, &b| raw(a).cmp(raw(b)).then(a.cmp(&b)));
        }
        // (entry, Ok(first exact duplicate) | Err(first entry equal ignoring case))
        let mut clashes: Vec<(usize, Result<usize, usize>)> = Vec::new();
        for group in order.chunk_by(|&a, &b| raw(a).eq_ignore_ascii_case(raw(b))) {
            let Some(&earliest) = group.iter().min() else {
                continue;
            };
            for run in group.chunk_by(|&a, &b| raw(a) == raw(b)) {
                let Some((&first, later)) = run.split_first() else {
                    continue;
                };
                if first != earliest {
                    clashes.push((first, Err(earliest)));
                }
                clashes.extend(later.iter().map(|&i| (i, Ok(first))));
            }
        }
        clashes.sort_unstable_by_key(|&(i, _)| i);
        for (i, clash) in clashes {
            let Some(e) = self.entries.get(i) else {
                continue;
            };
            let issue = match clash {
                Ok(first) => ZipIssue::DuplicateName {
                    name: e.name.clone(),
                    first: self.entries.get(first).map_or(0, |f| f.local_header_offset),
                    offset: e.local_header_offset,
                },
                Err(other) => ZipIssue::CaseCollision {
                    name: e.name.clone(),
                    other: self.entry_name(other),
                    offset: e.local_header_offset,
                },
            };
            self.issues.push(issue);
        }
    }

    /// Overlapping entries, gaps no entry accounts for, and bytes before the first entry.
    fn check_layout(&mut self) {
        let mut spans: Vec<(u64, u64, usize)> = self
            .entries
            .iter()
            .map(|e| (e.local_header_offset, e.span_end, e.index))
            .collect();
        spans.sort_unstable();
        let first = spans.first().map_or(self.layout.directory_offset, |s| s.0);
        self.layout.first_entry = first;
        if first > 0 {
            self.issues.insert(
                0,
                ZipIssue::BytesBeforeFirstEntry {
                    len: first,
                    shifted: self.layout.shift > 0,
                    offset: 0,
                },
            );
        }
        let mut reach: Option<(u64, usize)> = None;
        for &(start, end, index) in &spans {
            if let Some((prev_end, prev)) = reach {
                if start < prev_end {
                    let name = self.entry_name(index);
                    let other = self.entry_name(prev);
                    self.issues.push(ZipIssue::Overlap {
                        name,
                        other,
                        offset: start,
                    });
                } else if start > prev_end {
                    self.issues.push(ZipIssue::UnaccountedBytes {
                        offset: prev_end,
                        len: start - prev_end,
                    });
                }
            }
            if reach.is_none_or(|(e, _)| end > e) {
                reach = Some((end, index));
            }
        }
        let dir = self.layout.directory_offset;
        if let Some((end, index)) = reach {
            if end > dir {
                self.issues.push(ZipIssue::Overlap {
                    name: self.entry_name(index),
                    other: "central directory".to_owned(),
                    offset: dir,
                });
            } else if end < dir {
                self.issues.push(ZipIssue::UnaccountedBytes {
                    offset: end,
                    len: dir - end,
                });
            }
        }
    }

    fn entry_name(&self, index: usize) -> String {
        self.entries
            .get(index)
            .map_or_else(String::new, |e| e.name.clone())
    }

    /// Moves the entries out (for a reader that needs the archive mutably while going through
    /// them); [`ZipArchive::entries`] is empty afterwards.
    pub(crate) fn take_entries(&mut self) -> Vec<ZipEntry> {
        std::mem::take(&mut self.entries)
    }

    /// The input this archive was parsed from.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// All entries in central-directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// Every ambiguity found by the walk (and by [`ZipArchive::push_issue`] afterwards).
    pub fn issues(&self) -> &[ZipIssue] {
        &self.issues
    }

    /// Where the archive's structures are.
    pub fn layout(&self) -> &ZipLayout {
        &self.layout
    }

    /// Records an issue found later (a CRC or inflated-size mismatch seen while reading).
    pub fn push_issue(&mut self, issue: ZipIssue) {
        if !self.issues.contains(&issue) {
            self.issues.push(issue);
        }
    }

    /// Every entry whose name equals `name` ignoring ASCII case, as miniz's lookup (used by
    /// torch with flags 0) matches. More than one match is an ambiguity already reported as
    /// [`ZipIssue::DuplicateName`] or [`ZipIssue::CaseCollision`].
    pub fn lookup(&self, name: &str) -> Vec<&ZipEntry> {
        let want = name.as_bytes();
        self.entries
            .iter()
            .filter(|e| e.raw_name.eq_ignore_ascii_case(want))
            .collect()
    }

    /// Whether the local header signature sits at offset 0 (torch's `_is_zipfile` test).
    pub fn starts_at_zero(&self) -> bool {
        sig_at(self.data, 0) == Some(SIG_LOCAL)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn archive(names: &[&[u8]]) -> ZipArchive<'static> {
        let entries = names
            .iter()
            .enumerate()
            .map(|(index, raw)| ZipEntry {
                index,
                name: String::from_utf8_lossy(raw).into_owned(),
                raw_name: raw.to_vec(),
                method: Method::Stored,
                flags: 0,
                crc32: 0,
                compressed_size: 0,
                uncompressed_size: 0,
                local_header_offset: 100 * index as u64,
                central_header_offset: 0,
                data_start: 0,
                span_end: 0,
            })
            .collect();
        ZipArchive {
            data: &[],
            entries,
            issues: Vec::new(),
            layout: ZipLayout {
                end_record: 0,
                zip64_end_record: None,
                directory_offset: 0,
                directory_size: 0,
                shift: 0,
                first_entry: 0,
            },
        }
    }

    /// The definition, one entry at a time with two maps (the way miniz and zipfile see it).
    fn reference(archive: &ZipArchive<'_>) -> Vec<ZipIssue> {
        let mut issues = Vec::new();
        let mut exact: HashMap<&[u8], usize> = HashMap::new();
        let mut folded: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, e) in archive.entries.iter().enumerate() {
            if let Some(&first) = exact.get(e.raw_name.as_slice()) {
                issues.push(ZipIssue::DuplicateName {
                    name: e.name.clone(),
                    first: archive.entries[first].local_header_offset,
                    offset: e.local_header_offset,
                });
                continue;
            }
            exact.insert(&e.raw_name, i);
            let lower = e.raw_name.to_ascii_lowercase();
            if let Some(&other) = folded.get(&lower) {
                issues.push(ZipIssue::CaseCollision {
                    name: e.name.clone(),
                    other: archive.entries[other].name.clone(),
                    offset: e.local_header_offset,
                });
            } else {
                folded.insert(lower, i);
            }
        }
        issues
    }

    #[test]
    fn duplicates_and_case_collisions_name_the_first_entry() {
        let mut a = archive(&[
            b"r/Data.pkl",
            b"r/x",
            b"r/data.pkl",
            b"r/Data.pkl",
            b"r/X",
            b"r/DATA.PKL",
        ]);
        a.check_names();
        assert_eq!(a.issues, reference(&a));
        assert_eq!(
            a.issues,
            [
                ZipIssue::CaseCollision {
                    name: "r/data.pkl".into(),
                    other: "r/Data.pkl".into(),
                    offset: 200
                },
                ZipIssue::DuplicateName {
                    name: "r/Data.pkl".into(),
                    first: 0,
                    offset: 300
                },
                ZipIssue::CaseCollision {
                    name: "r/X".into(),
                    other: "r/x".into(),
                    offset: 400
                },
                ZipIssue::CaseCollision {
                    name: "r/DATA.PKL".into(),
                    other: "r/Data.pkl".into(),
                    offset: 500
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn folded_order_is_the_order_of_lowercased_bytes(a in "[aAbB0]{0,4}", b in "[aAbB0]{0,4}") {
            prop_assert_eq!(
                cmp_ignoring_case(a.as_bytes(), b.as_bytes()),
                a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())
            );
        }

        #[test]
        fn check_names_matches_the_definition_without_upper_case(names in prop::collection::vec("[ab/.]{0,3}", 0..24)) {
            let raw: Vec<&[u8]> = names.iter().map(String::as_bytes).collect();
            let mut a = archive(&raw);
            a.check_names();
            prop_assert_eq!(&a.issues, &reference(&a));
        }

        #[test]
        fn check_names_matches_the_definition(names in prop::collection::vec("[aAbB/.]{0,3}", 0..24)) {
            let raw: Vec<&[u8]> = names.iter().map(String::as_bytes).collect();
            let mut a = archive(&raw);
            a.check_names();
            prop_assert_eq!(&a.issues, &reference(&a));
        }
    }
}
