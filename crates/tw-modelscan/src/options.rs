//! What a scan is configured with: the container and pickle limits and the allowlist additions.
//! Defaults are the safe ones; nothing here can make a scan run code.
use tw_pickle::{ParseOptions, Profile};

/// Settings of a model-file scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Container limits (entries, sizes, ratios, decompressed bytes).
    pub checkpoint: tw_checkpoint::Options,
    /// Pickle machine settings; the profile is always [`Profile::Scan`] so every import and
    /// call is seen.
    pub pickle: ParseOptions,
    /// How deep to follow pickles nested inside pickles (`torch.storage._load_from_bytes`).
    pub max_nested_depth: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            checkpoint: tw_checkpoint::Options::default(),
            pickle: ParseOptions::new(Profile::Scan),
            max_nested_depth: 3,
        }
    }
}
