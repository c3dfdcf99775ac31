//! What a scan is configured with: the container and pickle limits, the allowlist additions
//! and the walk settings. Defaults are the safe ones; nothing here can make a scan run code.
use tw_pickle::{ParseOptions, Profile};

/// Settings of a model-file scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Container limits (entries, sizes, ratios, decompressed bytes).
    pub checkpoint: tw_checkpoint::Options,
    /// Pickle machine settings; the profile is always [`Profile::Scan`] so every import and
    /// call is seen.
    pub pickle: ParseOptions,
    /// Follow symbolic links while walking (off by default: a link could lead anywhere).
    pub follow_symlinks: bool,
    /// How deep to follow pickles nested inside pickles (`torch.storage._load_from_bytes`).
    pub max_nested_depth: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            checkpoint: tw_checkpoint::Options::default(),
            pickle: ParseOptions::new(Profile::Scan),
            follow_symlinks: false,
            max_nested_depth: 3,
        }
    }
}
