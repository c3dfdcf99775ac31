//! One zip entry as the central directory declares it, with the absolute range of its data in
//! the input (checked against the local header by the walk).

use serde::Serialize;

/// Flag bit 3: CRC and sizes follow the data in a data descriptor.
pub(crate) const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// Flag bits 0 (encrypted), 6 (strong encryption) and 13 (encrypted central directory).
pub(crate) const ENCRYPTION_FLAGS: u16 = (1 << 0) | (1 << 6) | (1 << 13);
/// Bits every common writer sets: 1 and 2 (deflate level), 3 (descriptor), 11 (UTF-8 names).
pub(crate) const USUAL_FLAGS: u16 = (1 << 1) | (1 << 2) | FLAG_DESCRIPTOR | (1 << 11);

/// How an entry's data is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Method 0: the data is the file's bytes (torch writes every record this way).
    Stored,
    /// Method 8: raw deflate.
    Deflate,
    /// Any other method number; the data cannot be read.
    Other(u16),
}

impl Method {
    pub(crate) fn from_code(code: u16) -> Self {
        match code {
            0 => Method::Stored,
            8 => Method::Deflate,
            other => Method::Other(other),
        }
    }
}

/// A central directory entry and where its data lies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZipEntry {
    /// Position in the central directory (0 is the entry torch takes the root folder from).
    pub index: usize,
    /// The name, decoded lossily for display; comparisons use `raw_name`.
    pub name: String,
    /// The name bytes exactly as stored in the central directory.
    #[serde(skip)]
    pub raw_name: Vec<u8>,
    /// Compression method.
    pub method: Method,
    /// General-purpose flags from the central directory.
    pub flags: u16,
    /// Declared CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Declared compressed size (after ZIP64).
    pub compressed_size: u64,
    /// Declared uncompressed size (after ZIP64).
    pub uncompressed_size: u64,
    /// Absolute offset of the local header.
    pub local_header_offset: u64,
    /// Absolute offset of the central directory header.
    pub central_header_offset: u64,
    /// Absolute offset of the first data byte (after the local header).
    pub data_start: u64,
    /// Absolute end of everything the entry occupies (data and data descriptor).
    pub span_end: u64,
}

impl ZipEntry {
    /// Absolute end of the (compressed) data, saturating.
    pub fn data_end(&self) -> u64 {
        self.data_start.saturating_add(self.compressed_size)
    }

    /// Whether an encryption flag is set.
    pub fn is_encrypted(&self) -> bool {
        self.flags & ENCRYPTION_FLAGS != 0
    }

    /// Whether the name ends with `/` (a directory entry).
    pub fn is_dir(&self) -> bool {
        self.raw_name.last() == Some(&b'/')
    }
}
