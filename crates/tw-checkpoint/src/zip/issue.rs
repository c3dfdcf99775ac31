//! Ambiguities found while walking a zip: each is a place where two readers (or the scanner and
//! the victim loader) could see different content. They are reported, never silently resolved.

use serde::Serialize;

/// Which header field disagrees between a local header and the central directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderField {
    /// General-purpose flags.
    Flags,
    /// Compression method.
    Method,
    /// CRC-32.
    Crc32,
    /// Compressed size.
    CompressedSize,
    /// Uncompressed size.
    UncompressedSize,
}

/// One ambiguity or hazard in a zip archive, with the absolute offset it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ZipIssue {
    /// Two central-directory entries carry the same name; which one a loader reads is
    /// implementation-defined (miniz binary-searches a sorted index).
    DuplicateName {
        /// The repeated name.
        name: String,
        /// Local header offset of the first copy.
        first: u64,
        /// Local header offset of this copy.
        offset: u64,
    },
    /// Two names differ only in ASCII case; miniz (torch) looks names up case-insensitively.
    CaseCollision {
        /// This entry's name.
        name: String,
        /// The earlier entry's name.
        other: String,
        /// Local header offset of this entry.
        offset: u64,
    },
    /// A record torch reads by name (`data.pkl`, `data/<key>`, `byteorder`, `version` ...) is
    /// found only because miniz compares names ignoring ASCII case: the archive holds `found`
    /// where torch asks for `wanted`, so a case-sensitive reader (Python's zipfile, a scanner
    /// looking for `data.pkl`) does not see the record torch loads.
    CaseInsensitiveMatch {
        /// The name torch asks for (`<root>/<record>`).
        wanted: String,
        /// The entry name that matched it.
        found: String,
        /// Local header offset of the entry.
        offset: u64,
    },
    /// The local header names a different file than the central directory.
    LocalNameMismatch {
        /// Name in the central directory.
        central: String,
        /// Name in the local header.
        local: String,
        /// Local header offset.
        offset: u64,
    },
    /// A local header field differs from the central directory.
    LocalFieldMismatch {
        /// Entry name.
        name: String,
        /// Which field.
        field: HeaderField,
        /// Value in the central directory.
        central: u64,
        /// Value in the local header.
        local: u64,
        /// Local header offset.
        offset: u64,
    },
    /// Bytes precede the first local header (a pickle+zip polyglot, or a self-extractor stub).
    /// `shifted` says the directory offsets do not count them (the zip was appended as is).
    BytesBeforeFirstEntry {
        /// Number of leading bytes.
        len: u64,
        /// Whether offsets had to be shifted by `len` to find the central directory.
        shifted: bool,
        /// Always 0: where the prefix starts.
        offset: u64,
    },
    /// Bytes follow the end record (beyond its declared comment).
    TrailingBytes {
        /// Where they start.
        offset: u64,
        /// How many.
        len: u64,
    },
    /// Bytes between entries or between the last entry and the central directory that no entry
    /// accounts for (space a different reader could interpret).
    UnaccountedBytes {
        /// Where they start.
        offset: u64,
        /// How many.
        len: u64,
    },
    /// The classic end record and the ZIP64 end record disagree.
    EndRecordMismatch {
        /// Which value (`entries`, `directory_size`, `directory_offset`).
        field: &'static str,
        /// Value in the classic record.
        classic: u64,
        /// Value in the ZIP64 record.
        zip64: u64,
        /// Offset of the classic end record.
        offset: u64,
    },
    /// The central directory's walked size differs from its declared size.
    DirectorySizeMismatch {
        /// Declared size.
        declared: u64,
        /// Bytes the declared entries took.
        walked: u64,
        /// Offset of the central directory.
        offset: u64,
    },
    /// An entry name that leaves the folder it is extracted to: a `..` component, or an
    /// absolute path (`/x`, `\\x`, `C:x`). Python's zipfile and unzip sanitise such names
    /// differently; no writer of model files produces them.
    UnsafeName {
        /// Entry name.
        name: String,
        /// Local header offset.
        offset: u64,
    },
    /// An entry is encrypted (flag bit 0, 6 or 13).
    Encrypted {
        /// Entry name.
        name: String,
        /// The flags.
        flags: u16,
        /// Local header offset.
        offset: u64,
    },
    /// Flag bits outside the usual set (1, 2, 3 and 11) are set.
    UnusualFlags {
        /// Entry name.
        name: String,
        /// The flags.
        flags: u16,
        /// Local header offset.
        offset: u64,
    },
    /// A compression method other than stored or deflate.
    UnsupportedMethod {
        /// Entry name.
        name: String,
        /// The method.
        method: u16,
        /// Local header offset.
        offset: u64,
    },
    /// The CRC-32 of the data differs from the declared one (torch's miniz does not check).
    CrcMismatch {
        /// Entry name.
        name: String,
        /// Declared CRC.
        declared: u32,
        /// CRC of the (decompressed) bytes.
        actual: u32,
        /// Start of the entry's data.
        offset: u64,
    },
    /// An entry's bytes overlap another entry's header or data.
    Overlap {
        /// Entry name.
        name: String,
        /// The entry it overlaps.
        other: String,
        /// Local header offset of `name`.
        offset: u64,
    },
    /// An entry's declared uncompressed size exceeds `Limits::max_entry_size`.
    DeclaredSizeOverLimit {
        /// Entry name.
        name: String,
        /// Declared size.
        declared: u64,
        /// The limit.
        limit: u64,
        /// Local header offset.
        offset: u64,
    },
    /// The declared compression ratio is that of a decompression bomb.
    CompressionRatio {
        /// Entry name.
        name: String,
        /// Compressed size.
        compressed: u64,
        /// Uncompressed size.
        uncompressed: u64,
        /// `Limits::max_ratio`.
        limit: u64,
        /// Local header offset.
        offset: u64,
    },
    /// An entry's data lies (partly) beyond the end of the file.
    EntryBeyondEof {
        /// Entry name.
        name: String,
        /// Where its data ends.
        end: u64,
        /// Length of the input.
        file_len: u64,
        /// Local header offset.
        offset: u64,
    },
    /// A stored entry's compressed and uncompressed sizes differ.
    StoredSizeMismatch {
        /// Entry name.
        name: String,
        /// Compressed size.
        compressed: u64,
        /// Uncompressed size.
        uncompressed: u64,
        /// Local header offset.
        offset: u64,
    },
    /// Inflating an entry gave a different size than declared.
    InflatedSizeMismatch {
        /// Entry name.
        name: String,
        /// Declared uncompressed size.
        declared: u64,
        /// Bytes actually produced.
        actual: u64,
        /// Start of the entry's data.
        offset: u64,
    },
    /// An extra field runs past its header's extra area or a needed ZIP64 value is missing.
    MalformedExtraField {
        /// Entry name.
        name: String,
        /// Offset of the header carrying it.
        offset: u64,
    },
}

impl ZipIssue {
    /// The absolute byte offset the issue points at.
    pub fn offset(&self) -> u64 {
        match self {
            ZipIssue::DuplicateName { offset, .. }
            | ZipIssue::CaseCollision { offset, .. }
            | ZipIssue::CaseInsensitiveMatch { offset, .. }
            | ZipIssue::LocalNameMismatch { offset, .. }
            | ZipIssue::LocalFieldMismatch { offset, .. }
            | ZipIssue::BytesBeforeFirstEntry { offset, .. }
            | ZipIssue::TrailingBytes { offset, .. }
            | ZipIssue::UnaccountedBytes { offset, .. }
            | ZipIssue::EndRecordMismatch { offset, .. }
            | ZipIssue::DirectorySizeMismatch { offset, .. }
            | ZipIssue::Encrypted { offset, .. }
            | ZipIssue::UnsafeName { offset, .. }
            | ZipIssue::UnusualFlags { offset, .. }
            | ZipIssue::UnsupportedMethod { offset, .. }
            | ZipIssue::CrcMismatch { offset, .. }
            | ZipIssue::Overlap { offset, .. }
            | ZipIssue::DeclaredSizeOverLimit { offset, .. }
            | ZipIssue::CompressionRatio { offset, .. }
            | ZipIssue::EntryBeyondEof { offset, .. }
            | ZipIssue::StoredSizeMismatch { offset, .. }
            | ZipIssue::InflatedSizeMismatch { offset, .. }
            | ZipIssue::MalformedExtraField { offset, .. } => *offset,
        }
    }

    /// Whether this issue is about resource exhaustion (a bomb) rather than ambiguity.
    pub fn is_bomb(&self) -> bool {
        matches!(
            self,
            ZipIssue::DeclaredSizeOverLimit { .. } | ZipIssue::CompressionRatio { .. }
        )
    }
}
