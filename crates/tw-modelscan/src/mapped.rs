//! Reading a memory-mapped model file with its walked pages given back as the walk goes
//! (`tw_checkpoint::pages`): one fault can map a whole page-cache folio (up to 2 MiB), so
//! without this the resident set of a big file grows with its record count. Every reader of a
//! mapped file (`scan`, `inspect`, `convert`) goes through [`with_mapped`].
use std::rc::Rc;

/// Runs `work` on the bytes of `mapping` with a page-release action installed for the walk;
/// the mapping is unmapped when `work` returns.
pub fn with_mapped<R>(mapping: tw_fs::Mapping, work: impl FnOnce(&[u8]) -> R) -> R {
    let mapping = Rc::new(mapping);
    let release = Rc::clone(&mapping);
    tw_checkpoint::pages::with_release(move || release.release_pages(), || work(&mapping))
}
