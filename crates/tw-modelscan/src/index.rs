//! The reader of a Hugging Face sharded set's `*.index.json` (`{"metadata": ..., "weight_map":
//! {tensor: shard file}}`), with limits: the file is read bounded ([`MAX_INDEX_BYTES`]), JSON
//! nesting stops at serde_json's 128 levels, and the weight map holds at most [`MAX_ENTRIES`]
//! tensors in [`MAX_SHARDS`] shards with names of at most [`MAX_NAME_BYTES`]. Anything but the
//! one `weight_map` object is skipped unread (its numbers are never converted, so a
//! `total_size` beyond 64 bits is no error). A name given twice (a tensor, or `weight_map`
//! itself) is an error: JSON readers disagree on which copy wins, so the index is ambiguous.
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Largest index read (real ones are a few MiB for the largest models).
pub(crate) const MAX_INDEX_BYTES: u64 = 64 << 20;
/// Most tensors in one weight map (the largest public models name about 100,000).
pub(crate) const MAX_ENTRIES: usize = 1_000_000;
/// Most distinct shard files one index names (each is opened; real sets have hundreds).
pub(crate) const MAX_SHARDS: usize = 100_000;
/// Longest tensor or shard name, in bytes (Linux's `PATH_MAX`).
pub(crate) const MAX_NAME_BYTES: usize = 4096;

/// The characters of a name a message shows: control characters escaped, at most 64 kept.
pub(crate) fn shown(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().take(64) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if name.chars().nth(64).is_some() {
        out.push_str("...");
    }
    out
}

/// The index's weight map (tensor name to shard name), or why it cannot be read.
pub(crate) fn read_weight_map(index: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = tw_fs::read_bounded(index, MAX_INDEX_BYTES).map_err(|e| match e {
        tw_fs::Error::TooLarge { limit, actual, .. } => {
            format!("the index is {actual} bytes, more than the {limit} an index may have")
        }
        other => format!("cannot read the index: {other}"),
    })?;
    parse_weight_map(&text)
}

/// [`read_weight_map`] over bytes already read.
pub(crate) fn parse_weight_map(text: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let map = de
        .deserialize_map(IndexVisitor)
        .and_then(|map| de.end().map(|()| map))
        .map_err(|e| format!("the index is not a valid weight map: {e}"))?;
    let mut shards: Vec<&str> = map.values().map(String::as_str).collect();
    shards.sort_unstable();
    shards.dedup();
    if shards.len() > MAX_SHARDS {
        return Err(format!(
            "the index names {} shard files, more than the {MAX_SHARDS} an index may have",
            shards.len()
        ));
    }
    Ok(map)
}

/// The top-level object: `weight_map` read, every other key skipped.
struct IndexVisitor;

impl<'de> Visitor<'de> for IndexVisitor {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with a `weight_map` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut weight_map = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "weight_map" {
                if weight_map.is_some() {
                    return Err(de::Error::custom("`weight_map` is given twice"));
                }
                weight_map = Some(map.next_value_seed(WeightMap)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        weight_map.ok_or_else(|| de::Error::custom("no `weight_map` object"))
    }
}

/// The `weight_map` object, entry by entry under the limits.
struct WeightMap;

impl<'de> DeserializeSeed<'de> for WeightMap {
    type Value = BTreeMap<String, String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WeightMap {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`weight_map` as an object of tensor name to shard file name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(tensor) = map.next_key::<String>()? {
            let shard: serde_json::Value = map.next_value()?;
            let Some(shard) = shard.as_str() else {
                return Err(de::Error::custom(format!(
                    "`weight_map` entry `{}` is not a string",
                    shown(&tensor)
                )));
            };
            for (what, name) in [("tensor", tensor.as_str()), ("shard", shard)] {
                if name.len() > MAX_NAME_BYTES {
                    return Err(de::Error::custom(format!(
                        "{what} name `{}` is {} bytes, more than the {MAX_NAME_BYTES} a name may have",
                        shown(name),
                        name.len()
                    )));
                }
            }
            if out.len() >= MAX_ENTRIES {
                return Err(de::Error::custom(format!(
                    "`weight_map` has more than the {MAX_ENTRIES} entries an index may have"
                )));
            }
            let shard = shard.to_owned();
            if out.contains_key(&tensor) {
                return Err(de::Error::custom(format!(
                    "`weight_map` names tensor `{}` twice (JSON readers differ on which wins)",
                    shown(&tensor)
                )));
            }
            out.insert(tensor, shard);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shown_escaped_and_cut() {
        assert_eq!(shown("model's \"best\".bin"), "model's \"best\".bin");
        assert_eq!(shown("a\0b\nc"), "a\\0b\\nc");
        assert_eq!(shown(&"x".repeat(65)), format!("{}...", "x".repeat(64)));
        assert_eq!(shown(&"x".repeat(64)), "x".repeat(64));
    }
}
