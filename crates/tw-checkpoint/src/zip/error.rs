//! Zip structure errors: the archive cannot be walked at all, or one entry cannot be read. Every
//! variant carries the absolute byte offset where the walk stopped.

/// Why a zip archive (or one of its entries) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// No end-of-central-directory signature in the last 65,557 bytes.
    #[error("no zip end-of-central-directory record in a {file_len}-byte file")]
    NoEndRecord {
        /// Length of the input.
        file_len: u64,
    },
    /// A record runs past the end of the input.
    #[error("zip {what} at offset {offset} needs {needed} bytes but the file ends at {file_len}")]
    Truncated {
        /// Which record.
        what: &'static str,
        /// Where it starts.
        offset: u64,
        /// Bytes it needs from `offset`.
        needed: u64,
        /// Length of the input.
        file_len: u64,
    },
    /// A record does not start with its signature.
    #[error(
        "zip {what} at offset {offset} has signature {found:#010x}, expected {expected:#010x}"
    )]
    BadSignature {
        /// Which record.
        what: &'static str,
        /// Where it should start.
        offset: u64,
        /// The four bytes found there (little-endian).
        found: u32,
        /// The signature the record must have.
        expected: u32,
    },
    /// The archive spans several disks, which no checkpoint loader supports.
    #[error("zip end record at offset {offset} describes a multi-disk archive (disk {disk})")]
    MultiDisk {
        /// Offset of the end record.
        offset: u64,
        /// The disk number found.
        disk: u32,
    },
    /// The central directory declares more entries than the limit allows.
    #[error(
        "zip central directory at offset {offset} declares {declared} entries, limit is {limit}"
    )]
    TooManyEntries {
        /// Offset of the central directory.
        offset: u64,
        /// Declared entry count.
        declared: u64,
        /// `Limits::max_entries`.
        limit: u64,
    },
    /// The central directory lies outside the input.
    #[error("zip central directory at offset {offset} with size {size} lies outside the {file_len}-byte file")]
    DirectoryOutOfBounds {
        /// Declared (shifted) offset.
        offset: u64,
        /// Declared size.
        size: u64,
        /// Length of the input.
        file_len: u64,
    },
    /// An entry's data cannot be read because its bytes lie outside the file.
    #[error("zip entry {name:?} data at offset {offset} with {size} bytes lies outside the {file_len}-byte file")]
    EntryOutOfBounds {
        /// Entry name.
        name: String,
        /// Start of its data.
        offset: u64,
        /// Compressed size.
        size: u64,
        /// Length of the input.
        file_len: u64,
    },
    /// An entry uses a compression method other than stored (0) or deflate (8).
    #[error("zip entry {name:?} at offset {offset} uses unsupported compression method {method}")]
    UnsupportedMethod {
        /// Entry name.
        name: String,
        /// Offset of its local header.
        offset: u64,
        /// The method number.
        method: u16,
    },
    /// An entry is encrypted and compressed: it cannot be inflated without the key.
    #[error("zip entry {name:?} at offset {offset} is encrypted (flags {flags:#06x}) and compressed: it cannot be read")]
    Encrypted {
        /// Entry name.
        name: String,
        /// Offset of its local header.
        offset: u64,
        /// The general-purpose flags.
        flags: u16,
    },
    /// Inflating an entry would produce more than the allowed bytes.
    #[error("zip entry {name:?} at offset {offset} inflates past the {limit}-byte limit")]
    DecompressedLimit {
        /// Entry name.
        name: String,
        /// Start of its data.
        offset: u64,
        /// The limit that was hit.
        limit: u64,
    },
    /// The deflate stream is corrupt.
    #[error("zip entry {name:?} at offset {offset}: corrupt deflate data: {source}")]
    Inflate {
        /// Entry name.
        name: String,
        /// Start of its data.
        offset: u64,
        /// The decoder's error.
        source: std::io::Error,
    },
}
