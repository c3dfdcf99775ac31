//! The plan of an output file, made before a byte is written: flattened names (collisions are
//! errors naming both), non-tensor values as JSON strings in `__metadata__` (or refused, or
//! dropped), identical aliases written once with `--dedupe`, tensors ordered by decreasing
//! alignment and then by source position (sequential reads, naturally aligned data), and the
//! header with contiguous offsets. The output size is bounded before anything is written.

use std::collections::{BTreeMap, HashMap};

use tw_pickle::torch::Leaf;

use crate::error::ConvertError;
use crate::header::{self, HeaderEntry};
use crate::options::ConvertOptions;
use crate::source::{Inputs, Placement};
use crate::value_json::value_json;

/// Metadata keys torchward writes itself; input values may not use them.
const FORMAT_KEY: &str = "format";
/// Prefix of torchward's own metadata keys.
const OWN_PREFIX: &str = "torchward.";

/// What will be written.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Header bytes (length prefix, JSON, padding).
    pub header: Vec<u8>,
    /// Indices into the input tensors, in output order, with their header entry.
    pub(crate) order: Vec<(usize, String, HeaderEntry)>,
    /// Bytes of the data buffer.
    pub data_len: u64,
    /// The `__metadata__` map.
    pub metadata: BTreeMap<String, String>,
    /// Keys of values dropped by `--drop-non-tensors`, with what they held.
    pub dropped: Vec<String>,
    /// `(alias, kept)` pairs written once by `--dedupe`.
    pub aliases: Vec<(String, String)>,
}

impl Plan {
    /// Total output size.
    pub fn file_len(&self) -> u64 {
        (self.header.len() as u64).saturating_add(self.data_len)
    }
}

/// What a refused value holds, for the message.
fn describe(leaf: &Leaf) -> String {
    match leaf {
        Leaf::Other(what) => what.clone(),
        Leaf::Shared(path) => format!("a shared reference to the value at {path}"),
        _ => "a value".to_owned(),
    }
}

/// The key of a value or tensor: its dotted path, or the bare name for the root.
fn key_of<'a>(path: &'a str, options: &'a ConvertOptions) -> &'a str {
    if path.is_empty() {
        &options.bare_name
    } else {
        path
    }
}

/// The `__metadata__` map of an output: the plain `values` as JSON (the rest refused, or
/// dropped with `--drop-non-tensors`: the second element lists them), `format: pt`, and
/// torchward's own keys (allowed globals, chosen profiles, dropped values).
pub(crate) fn metadata_of(
    values: &[(String, Leaf)],
    options: &ConvertOptions,
) -> Result<(BTreeMap<String, String>, Vec<String>), ConvertError> {
    let mut metadata = BTreeMap::new();
    let mut refused = Vec::new();
    let mut dropped = Vec::new();
    for (path, leaf) in values {
        let key = key_of(path, options);
        let Some(json) = value_json(leaf) else {
            let what = format!("{key} ({})", describe(leaf));
            if options.drop_non_tensors {
                dropped.push(what);
            } else {
                refused.push(what);
            }
            continue;
        };
        if key == FORMAT_KEY || key.starts_with(OWN_PREFIX) {
            return Err(ConvertError::NameCollision {
                name: key.to_owned(),
                first: "torchward's own metadata".to_owned(),
                second: "a value of the checkpoint".to_owned(),
            });
        }
        if metadata.insert(key.to_owned(), json).is_some() {
            return Err(ConvertError::NameCollision {
                name: key.to_owned(),
                first: "a value".to_owned(),
                second: "another value".to_owned(),
            });
        }
    }
    if !refused.is_empty() {
        return Err(ConvertError::NonTensorValues { keys: refused });
    }
    metadata.insert(FORMAT_KEY.to_owned(), "pt".to_owned());
    let json_list = |items: &[String]| serde_json::to_string(items).unwrap_or_default();
    if !options.allowed_globals().is_empty() {
        metadata.insert(
            format!("{OWN_PREFIX}allowed_globals"),
            json_list(options.allowed_globals()),
        );
    }
    let chosen: Vec<String> = options
        .profiles()
        .iter()
        .filter(|name| tw_pickle::profiles::profile(name).is_some_and(|p| !p.default))
        .map(|name| (*name).to_owned())
        .collect();
    if !chosen.is_empty() {
        metadata.insert(format!("{OWN_PREFIX}profiles"), json_list(&chosen));
    }
    if !dropped.is_empty() {
        metadata.insert(format!("{OWN_PREFIX}dropped"), json_list(&dropped));
    }
    Ok((metadata, dropped))
}

/// Plans the output for `inputs` read from a file of `input_len` bytes.
pub(crate) fn plan(
    inputs: &Inputs,
    options: &ConvertOptions,
    input_len: u64,
) -> Result<Plan, ConvertError> {
    // Names: tensors must be unique among themselves.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, t) in inputs.tensors.iter().enumerate() {
        if let Some(first) = seen.insert(t.name.as_str(), i) {
            let describe = |j: usize| {
                inputs
                    .tensors
                    .get(j)
                    .map_or_else(String::new, |x| format!("the tensor at {}", x.origin))
            };
            return Err(ConvertError::NameCollision {
                name: t.name.clone(),
                first: describe(first),
                second: describe(i),
            });
        }
    }

    let (mut metadata, dropped) = metadata_of(&inputs.values, options)?;

    // Aliases: the same region, view and dtype are the same bytes.
    let mut aliases = Vec::new();
    let mut written: Vec<usize> = Vec::new();
    let mut first_of: HashMap<(usize, &crate::view::View, &str), usize> = HashMap::new();
    for (i, t) in inputs.tensors.iter().enumerate() {
        if options.dedupe {
            if let Some(&kept) = first_of.get(&(t.region, &t.view, t.dtype)) {
                if let Some(k) = inputs.tensors.get(kept) {
                    aliases.push((t.name.clone(), k.name.clone()));
                }
                continue;
            }
            first_of.insert((t.region, &t.view, t.dtype), i);
        }
        written.push(i);
    }
    if !aliases.is_empty() {
        let map: BTreeMap<&str, &str> = aliases
            .iter()
            .map(|(a, k)| (a.as_str(), k.as_str()))
            .collect();
        metadata.insert(
            format!("{OWN_PREFIX}aliases"),
            serde_json::to_string(&map).unwrap_or_default(),
        );
    }

    // Order: decreasing alignment, then source position.
    let position = |i: usize| {
        inputs.tensors.get(i).map_or((0, 0, 0), |t| {
            let place = inputs
                .regions
                .get(t.region)
                .map_or(0, |r| match r.placement {
                    Placement::Stored { start } | Placement::Deflated { start, .. } => start,
                });
            (t.view.element_size.min(8), place, t.view.start)
        })
    };
    written.sort_by(|&a, &b| {
        let (pa, pb) = (position(a), position(b));
        pb.0.cmp(&pa.0)
            .then(pa.1.cmp(&pb.1))
            .then(pa.2.cmp(&pb.2))
            .then(a.cmp(&b))
    });

    let mut order = Vec::with_capacity(written.len());
    let mut offset = 0u64;
    for i in written {
        let Some(t) = inputs.tensors.get(i) else {
            continue;
        };
        let bytes = t.view.nbytes();
        let end = bytes.and_then(|b| offset.checked_add(b));
        let Some(end) = end else {
            return Err(ConvertError::OutputTooLarge {
                bytes: None,
                limit: output_limit(options, input_len),
            });
        };
        order.push((
            i,
            t.name.clone(),
            HeaderEntry {
                dtype: t.dtype.to_owned(),
                shape: t.view.shape.clone(),
                data_offsets: [offset, end],
            },
        ));
        offset = end;
    }
    let entries = order.iter().map(|(_, name, entry)| (name.as_str(), entry));
    let header = header::encode(entries, &metadata).map_err(|e| ConvertError::Malformed {
        message: format!("cannot encode the header: {e}"),
    })?;
    let plan = Plan {
        header,
        order,
        data_len: offset,
        metadata,
        dropped,
        aliases,
    };
    let limit = output_limit(options, input_len);
    if plan.file_len() > limit {
        return Err(ConvertError::OutputTooLarge {
            bytes: Some(plan.file_len()),
            limit,
        });
    }
    Ok(plan)
}

/// The largest output allowed for an input of `input_len` bytes.
fn output_limit(options: &ConvertOptions, input_len: u64) -> u64 {
    input_len
        .saturating_mul(options.max_output_ratio)
        .saturating_add(options.output_slack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InputTensor;
    use crate::view::View;

    fn tensor(name: &str, start: u64, es: u64) -> InputTensor {
        InputTensor {
            name: name.to_owned(),
            dtype: if es == 2 { "F16" } else { "F32" },
            swap: 0,
            view: View {
                start,
                shape: vec![3],
                stride: vec![1],
                element_size: es,
            },
            region: 0,
            origin: format!("test offset {start}"),
        }
    }

    fn inputs(tensors: Vec<InputTensor>, values: Vec<(String, Leaf)>) -> Inputs {
        let mut out = Inputs::default();
        out.region("r", Placement::Stored { start: 0 }, 1024);
        out.tensors = tensors;
        out.values = values;
        out
    }

    #[test]
    fn orders_by_alignment_then_position_and_dedupes() {
        let input = inputs(
            vec![tensor("h", 0, 2), tensor("a", 8, 4), tensor("b", 8, 4)],
            vec![("epoch".to_owned(), Leaf::Int(3))],
        );
        let mut options = ConvertOptions::default();
        options.dedupe = true;
        let plan = plan(&input, &options, 100).unwrap();
        let names: Vec<&str> = plan.order.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "h"]);
        assert_eq!(plan.order[1].2.data_offsets, [12, 18]);
        assert_eq!(plan.aliases, vec![("b".to_owned(), "a".to_owned())]);
        assert_eq!(plan.metadata["epoch"], "3");
        assert_eq!(plan.metadata["torchward.aliases"], r#"{"b":"a"}"#);
        assert_eq!(plan.metadata["format"], "pt");
    }

    #[test]
    fn refuses_collisions_and_odd_values() {
        let dup = inputs(vec![tensor("a", 0, 4), tensor("a", 4, 4)], vec![]);
        let err = plan(&dup, &ConvertOptions::default(), 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name collision: the tensor at test offset 0 and the tensor at test offset 4 both \
             flatten to `a`"
        );
        let odd = inputs(
            vec![],
            vec![(
                "args".to_owned(),
                Leaf::Other("call argparse.Namespace".to_owned()),
            )],
        );
        let err = plan(&odd, &ConvertOptions::default(), 100).unwrap_err();
        assert!(
            matches!(&err, ConvertError::NonTensorValues { keys } if keys == &["args (call argparse.Namespace)"]),
            "{err}"
        );
        let mut dropping = ConvertOptions::default();
        dropping.drop_non_tensors = true;
        let plan = plan(&odd, &dropping, 100).unwrap();
        assert_eq!(plan.dropped, ["args (call argparse.Namespace)"]);
        let reserved = inputs(vec![], vec![("format".to_owned(), Leaf::Str("x".into()))]);
        assert!(matches!(
            super::plan(&reserved, &ConvertOptions::default(), 100),
            Err(ConvertError::NameCollision { .. })
        ));
    }

    #[test]
    fn writes_a_shared_value_once() {
        // A value the pickle shares is not copied into the header under a second key.
        let shared = inputs(
            vec![],
            vec![
                ("x.0".to_owned(), Leaf::Str("a".repeat(300))),
                ("x.1".to_owned(), Leaf::Shared("x.0".to_owned())),
            ],
        );
        let err = plan(&shared, &ConvertOptions::default(), 100).unwrap_err();
        assert!(
            matches!(&err, ConvertError::NonTensorValues { keys } if keys == &["x.1 (a shared reference to the value at x.0)"]),
            "{err}"
        );
        let mut dropping = ConvertOptions::default();
        dropping.drop_non_tensors = true;
        let plan = plan(&shared, &dropping, 100).unwrap();
        assert_eq!(plan.metadata["x.0"].len(), 302);
        assert!(!plan.metadata.contains_key("x.1"));
    }

    #[test]
    fn bounds_the_output() {
        let mut big = tensor("x", 0, 4);
        big.view.shape = vec![1 << 40];
        big.view.stride = vec![0];
        let input = inputs(vec![big], vec![]);
        assert!(matches!(
            plan(&input, &ConvertOptions::default(), 100),
            Err(ConvertError::OutputTooLarge { .. })
        ));
    }
}
