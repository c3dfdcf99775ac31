//! Hugging Face sharded `.bin` sets (fixtures/frameworks/sharded*) convert to Hugging Face's
//! safetensors layout: shard boundaries kept (or re-cut by `--max-shard-size`), an index whose
//! `weight_map` names the file holding each tensor and whose `total_size` adds up, every tensor
//! bit-exact against what torch loads from the source shards (oracle.json `sets[0].tensors`).
//! A hostile set is refused with its `TW13x` findings and an existing output is never replaced
//! without `force`; neither leaves a file behind.
use std::collections::BTreeMap;
use std::path::Path;

use tw_convert::{convert_sharded, ConvertError, ConvertOptions};

use crate::common::{assert_tensors, fixtures, listing};

fn sharded_tensors() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(fixtures().join("frameworks/oracle.json")).unwrap();
    let oracle: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(oracle["sets"][0]["dir"], "sharded");
    oracle["sets"][0]["tensors"].as_array().unwrap().clone()
}

/// The tensors of every shard the index of `out` names, checked against the index: each tensor
/// is in the file the index says, nothing else is, and `total_size` is their data size.
/// Returns the tensor names of each shard file.
fn check_set(out: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(out.join("model.safetensors.index.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&text).unwrap();
    let weight_map = index["weight_map"].as_object().unwrap();
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, file) in weight_map {
        by_file
            .entry(file.as_str().unwrap().to_owned())
            .or_default()
            .push(name.clone());
    }
    let mut total = 0u64;
    let expected = sharded_tensors();
    for (file, names) in &by_file {
        let bytes = std::fs::read(out.join(file)).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut held: Vec<String> = st.names().into_iter().map(str::to_owned).collect();
        held.sort();
        assert_eq!(&held, names, "{file}");
        total += st
            .tensors()
            .iter()
            .map(|(_, v)| v.data().len() as u64)
            .sum::<u64>();
        let mine: Vec<serde_json::Value> = expected
            .iter()
            .filter(|t| names.iter().any(|n| n == t["name"].as_str().unwrap()))
            .cloned()
            .collect();
        assert_tensors(&bytes, &mine, file);
    }
    assert_eq!(index["metadata"]["total_size"].as_u64(), Some(total));
    let all: usize = by_file.values().map(Vec::len).sum();
    assert_eq!(all, expected.len());
    by_file
}

#[test]
fn a_sharded_set_keeps_its_boundaries_bit_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut options = ConvertOptions::default();
    options.create_parents = true;
    options.verify = true;
    let done = convert_sharded(
        &fixtures().join("frameworks/sharded"),
        &out,
        &options,
        None,
        &|_| {},
    )
    .unwrap();
    assert_eq!(done.tensors, 3);
    assert_eq!(
        listing(&out),
        [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json"
        ]
    );
    let by_file = check_set(&out);
    // The source's boundaries: embedding and weight in shard 1, bias in shard 2.
    assert_eq!(
        by_file["model-00001-of-00002.safetensors"],
        ["embedding.weight", "layers.0.weight"]
    );
    assert_eq!(
        by_file["model-00002-of-00002.safetensors"],
        ["layers.0.bias"]
    );
    for name in listing(&out) {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(out.join(&name)).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o640, "{name}");
    }

    // An existing output without force: refused before anything is written.
    let before: Vec<Vec<u8>> = listing(&out)
        .iter()
        .map(|n| std::fs::read(out.join(n)).unwrap())
        .collect();
    let err = convert_sharded(
        &fixtures().join("frameworks/sharded"),
        &out,
        &options,
        Some(100),
        &|_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, ConvertError::Io(tw_fs::Error::Exists { .. })),
        "{err}"
    );
    let after: Vec<Vec<u8>> = listing(&out)
        .iter()
        .map(|n| std::fs::read(out.join(n)).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn max_shard_size_recuts_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = ConvertOptions::default();
    options.create_parents = true;
    // 128-byte embedding over the limit: a shard of its own; weight (32) and bias (8) share one.
    let out = dir.path().join("recut");
    convert_sharded(
        &fixtures().join("frameworks/sharded"),
        &out,
        &options,
        Some(100),
        &|_| {},
    )
    .unwrap();
    let by_file = check_set(&out);
    assert_eq!(
        by_file["model-00001-of-00002.safetensors"],
        ["embedding.weight"]
    );
    assert_eq!(
        by_file["model-00002-of-00002.safetensors"],
        ["layers.0.bias", "layers.0.weight"]
    );
    // Everything fits one shard: model.safetensors and no index, as save_pretrained writes it.
    let one = dir.path().join("one");
    convert_sharded(
        &fixtures().join("frameworks/sharded"),
        &one,
        &options,
        Some(1 << 20),
        &|_| {},
    )
    .unwrap();
    assert_eq!(listing(&one), ["model.safetensors"]);
    assert_tensors(
        &std::fs::read(one.join("model.safetensors")).unwrap(),
        &sharded_tensors(),
        "one shard",
    );
}

#[test]
fn a_hostile_set_is_refused_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut options = ConvertOptions::default();
    options.create_parents = true;
    let err = convert_sharded(
        &fixtures().join("frameworks/sharded_hostile"),
        &out,
        &options,
        None,
        &|_| {},
    )
    .unwrap_err();
    assert!(err.is_refusal(), "{err}");
    let ids = err.finding_ids();
    for id in ["TW131", "TW132", "TW135"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(!out.exists());
    assert!(listing(dir.path()).is_empty());
}
