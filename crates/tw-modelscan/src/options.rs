//! What a scan is configured with: the container and pickle limits and the allowlist
//! additions (framework profiles included). Defaults are the safe ones; nothing here can make a scan run code.
use tw_pickle::{profiles, ParseOptions, Profile};

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
    /// The safe settings, with the default framework profiles (`torch-npu`) applied.
    fn default() -> Self {
        let mut options = ScanOptions {
            checkpoint: tw_checkpoint::Options::default(),
            pickle: ParseOptions::new(Profile::Scan),
            max_nested_depth: 3,
        };
        for profile in profiles::PROFILES.iter().filter(|p| p.default) {
            // Profile entries are tested never to be blocked: this cannot fail.
            let _ = options.pickle.allowlist.allow_profile(profile);
        }
        options
    }
}

/// A `--profile` name no profile has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no profile named `{name}` (known: {known})")]
pub struct UnknownProfile {
    /// The name given.
    pub name: String,
    /// The known names, comma-separated.
    pub known: String,
}

impl ScanOptions {
    /// Also accepts the data-only globals of the framework profile `name` (`--profile`).
    pub fn profile(&mut self, name: &str) -> Result<(), UnknownProfile> {
        let profile = profiles::profile(name).ok_or_else(|| UnknownProfile {
            name: name.to_owned(),
            known: profiles::profile_names().join(", "),
        })?;
        // Profile entries are tested never to be blocked: this cannot fail.
        let _ = self.pickle.allowlist.allow_profile(profile);
        Ok(())
    }
}
