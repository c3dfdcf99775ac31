//! Runs the readers of nested content on any input: archive member lists and reads (tar links
//! followed, zip entries inflated under a limit), every compression wrapper, Keras configs and
//! the HDF5 config search. Shared by the property tests and the `archive` fuzz target
//! (`fuzz/fuzz_targets/archive.rs` includes this file), so both check the same invariants.

use tw_checkpoint::compressed::{decompress, Compression};
use tw_checkpoint::members::Members;
use tw_checkpoint::{Format, Limits};

/// The readers of issue #14: archive members (with tar links), compression wrappers, Keras
/// configs and the HDF5 config search.
pub fn exercise_archive(data: &[u8], limits: &Limits) {
    for format in [Format::Zip, Format::Tar] {
        if let Ok(members) = Members::list(data, format, limits, 64) {
            for m in &members.list {
                if let Ok((bytes, _)) = members.read(m, 1 << 20) {
                    assert!(bytes.len() <= data.len().max(1 << 20));
                }
            }
        }
    }
    for kind in [
        Compression::Gzip,
        Compression::Bzip2,
        Compression::Xz,
        Compression::Zlib,
        Compression::Lzma,
        Compression::Lz4,
        Compression::JoblibZfile,
    ] {
        if let Ok(out) = decompress(kind, data, 1 << 20) {
            assert!(out.len() <= 1 << 20);
        }
    }
    let _ = Compression::sniff(data);
    let _ = tw_checkpoint::keras::code_in_config(data, "config.json");
    let _ = tw_checkpoint::hdf5::search(data);
}
