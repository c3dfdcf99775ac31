//! The error a renderer can return: only serialization can fail, and only in theory (every
//! report value is a string, number or list), but a renderer never panics to say so.

/// A report could not be serialized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `serde_json` refused a value.
    #[error("cannot serialize the {format} report")]
    Serialize {
        /// The output format being written (`json`, `sarif`).
        format: &'static str,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
}
