//! Resource limits for every container parser; each bound is checked before allocating or
//! decompressing, so no input can make a parser use more than these numbers allow.

use serde::Serialize;

/// Bounds the work and memory spent on one file. The defaults suit real checkpoints (pickles of
/// a few hundred MB, storages of any size since storage bytes are never read during a scan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Most zip entries read from a central directory (declared counts above it are an error).
    pub max_entries: u64,
    /// Largest declared uncompressed size of one zip entry before it is reported as a bomb.
    pub max_entry_size: u64,
    /// Largest uncompressed/compressed ratio of a deflated entry or wrapper before it is reported
    /// as a bomb (only for outputs above `ratio_floor`).
    pub max_ratio: u64,
    /// Outputs smaller than this are never reported for their ratio (tiny zero runs compress well).
    pub ratio_floor: u64,
    /// Most bytes ever produced by decompressing one entry or one gzip/bz2/xz wrapper.
    pub max_decompressed: u64,
    /// Entries up to this size get their CRC-32 checked during a scan even when not pickles.
    pub crc_small_entry: u64,
    /// Most bytes of storage records (each at most `crc_small_entry`) CRC-checked per file
    /// during a scan: small checkpoints are checked whole, while a big one costs at most this
    /// much reading of tensor bytes (scan time stays independent of them; `verify_data`
    /// checks every record).
    pub crc_storage_budget: u64,
    /// Largest `.npy` header (numpy's own `max_header_size` is 10000).
    pub max_npy_header: u64,
    /// Largest safetensors JSON header (the safetensors crate allows 100,000,000 bytes).
    pub max_safetensors_header: u64,
    /// Deepest JSON nesting accepted in a safetensors header.
    pub max_json_depth: u32,
    /// Most pickles read back to back from one raw file or legacy stream.
    pub max_pickles: usize,
    /// Most storage records in one legacy stream.
    pub max_legacy_storages: usize,
    /// Deepest nesting of archives and wrappers opened inside one file (a model in a zip in a
    /// tar.gz is three levels deep).
    pub max_archive_depth: u32,
    /// Most archive members opened in one file, all levels together.
    pub max_archive_members: usize,
    /// Most bytes produced by decompressing members and wrappers of one file, all levels
    /// together (stored members are read in place and do not count).
    pub max_archive_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1 << 20,
            max_entry_size: 1 << 40,
            max_ratio: 200,
            ratio_floor: 1 << 20,
            max_decompressed: 1 << 30,
            crc_small_entry: 1 << 20,
            crc_storage_budget: 256 << 10,
            max_npy_header: 10_000,
            max_safetensors_header: 100_000_000,
            max_json_depth: 64,
            max_pickles: 64,
            max_legacy_storages: 1 << 20,
            max_archive_depth: 8,
            max_archive_members: 10_000,
            max_archive_bytes: 1 << 30,
        }
    }
}
