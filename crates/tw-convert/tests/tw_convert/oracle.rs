//! Every convertible fixture, converted and read back with the `safetensors` crate, matches
//! the oracle torch wrote tensor by tensor (name, dtype, shape, SHA-256 of the bytes); plain
//! values are in `__metadata__`; the header is what the format requires.
use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use tw_convert::{convert_file, ConvertOptions};

use crate::common::{fixtures, listing, oracle};

/// Checks the raw header: 8-byte length, JSON padded with spaces to 8-byte alignment, offsets
/// sorted, contiguous from 0 and ending exactly at the end of the file.
fn check_header(bytes: &[u8]) {
    let n = usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
    assert_eq!((8 + n) % 8, 0, "data buffer not 8-byte aligned");
    let text = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(text.starts_with('{'));
    assert!(
        text.trim_end_matches(' ').ends_with('}'),
        "padding is not spaces"
    );
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).unwrap();
    let mut spans: Vec<(u64, u64)> = json
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .map(|(_, v)| {
            let o = v["data_offsets"].as_array().unwrap();
            (o[0].as_u64().unwrap(), o[1].as_u64().unwrap())
        })
        .collect();
    spans.sort_unstable();
    let mut next = 0;
    for (begin, end) in spans {
        assert_eq!(begin, next, "gap or overlap in data offsets");
        assert!(end >= begin);
        next = end;
    }
    assert_eq!(
        8 + n as u64 + next,
        bytes.len() as u64,
        "data does not end at EOF"
    );
    if let Some(meta) = json.get("__metadata__") {
        assert!(meta
            .as_object()
            .unwrap()
            .values()
            .all(serde_json::Value::is_string));
    }
}

fn convert(input: &Path, out: &Path, options: &ConvertOptions) -> Vec<u8> {
    let done = convert_file(input, out, options, &|_| {})
        .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    assert_eq!(done.output, out);
    let bytes = std::fs::read(out).unwrap();
    assert_eq!(done.bytes, bytes.len() as u64);
    bytes
}

#[test]
fn every_convertible_fixture_round_trips_bit_exactly() {
    let oracle = oracle();
    let dir = tempfile::tempdir().unwrap();
    let mut options = ConvertOptions::default();
    options.verify = true;
    let entries = oracle["convertible"].as_array().unwrap();
    assert!(entries.len() >= 19);
    for entry in entries {
        let rel = entry["file"].as_str().unwrap();
        let input = fixtures().join("convert").join(rel);
        let out = dir
            .path()
            .join(format!("{}.safetensors", rel.replace('/', "_")));
        let bytes = convert(&input, &out, &options);
        check_header(&bytes);
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .unwrap_or_else(|e| panic!("{rel}: the safetensors crate refuses the output: {e}"));
        let expected = entry["tensors"].as_array().unwrap();
        assert_eq!(st.len(), expected.len(), "{rel}: tensor count");
        for t in expected {
            let name = t["name"].as_str().unwrap();
            let view = st
                .tensor(name)
                .unwrap_or_else(|e| panic!("{rel}: no tensor {name}: {e}"));
            assert_eq!(
                format!("{:?}", view.dtype()),
                t["dtype"].as_str().unwrap(),
                "{rel} {name}: dtype"
            );
            let shape: Vec<u64> = t["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap())
                .collect();
            let got: Vec<u64> = view.shape().iter().map(|&d| d as u64).collect();
            assert_eq!(got, shape, "{rel} {name}: shape");
            let digest = format!("{:x}", Sha256::digest(view.data()));
            assert_eq!(digest, t["sha256"].as_str().unwrap(), "{rel} {name}: bytes");
        }
        let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let meta = header.metadata().clone().unwrap_or_default();
        assert_eq!(meta.get("format").map(String::as_str), Some("pt"), "{rel}");
        for (key, value) in entry["values"].as_object().unwrap() {
            let stored = meta
                .get(key)
                .unwrap_or_else(|| panic!("{rel}: value {key} missing from metadata"));
            let parsed: serde_json::Value = serde_json::from_str(stored).unwrap();
            assert_eq!(&parsed, value, "{rel}: value {key}");
        }
        let own = meta.keys().filter(|k| *k == "format").count();
        assert_eq!(
            meta.len() - own,
            entry["values"].as_object().unwrap().len(),
            "{rel}"
        );
    }
    // Nothing but the outputs is left in the directory (no temporary files).
    assert_eq!(listing(dir.path()).len(), entries.len());
    for name in listing(dir.path()) {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(&name))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o640, "{name}");
    }
}

#[test]
fn dedupe_writes_identical_aliases_once() {
    let oracle = oracle();
    let entry = oracle["convertible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "convertible/shared.pt")
        .unwrap();
    let groups: Vec<Vec<String>> = serde_json::from_value(entry["alias_groups"].clone()).unwrap();
    assert!(!groups.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let mut options = ConvertOptions::default();
    options.dedupe = true;
    options.verify = true;
    let out = dir.path().join("shared.safetensors");
    let bytes = convert(
        &fixtures().join("convert/convertible/shared.pt"),
        &out,
        &options,
    );
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    let aliases: BTreeMap<String, String> =
        serde_json::from_str(&meta["torchward.aliases"]).unwrap();
    for group in &groups {
        let kept: Vec<&String> = group.iter().filter(|n| st.tensor(n).is_ok()).collect();
        assert_eq!(kept.len(), 1, "{group:?}");
        for name in group.iter().filter(|n| *n != kept[0]) {
            assert_eq!(aliases.get(name), Some(kept[0]), "{name}");
        }
    }
    let total: usize = entry["tensors"].as_array().unwrap().len();
    let removed: usize = groups.iter().map(|g| g.len() - 1).sum();
    assert_eq!(st.len(), total - removed);
}

#[test]
fn bare_tensor_name_and_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = ConvertOptions::default();
    options.bare_name = "weights".to_owned();
    let input = fixtures().join("convert/convertible/bare_tensor.pt");
    let out = dir.path().join("bare.safetensors");
    let bytes = convert(&input, &out, &options);
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.names(), ["weights"]);
    // Never overwritten without force; replaced with it.
    std::fs::write(&out, b"keep me").unwrap();
    let err = convert_file(&input, &out, &options, &|_| {}).unwrap_err();
    assert!(!err.is_refusal());
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    options.force = true;
    convert(&input, &out, &options);
    assert_eq!(listing(dir.path()), ["bare.safetensors"]);
}

#[test]
fn allow_global_walks_the_object_as_a_container() {
    let input = fixtures().join("convert/unsupported/namespace.pt");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ns.safetensors");
    let mut options = ConvertOptions::default();
    let err = convert_file(&input, &out, &options, &|_| {}).unwrap_err();
    assert_eq!(err.finding_ids(), ["TW102"]);
    assert!(!out.exists());
    // Allowed, the Namespace's fields (its BUILD state) become plain values under its path.
    options.allow_global("argparse.Namespace").unwrap();
    let bytes = convert(&input, &out, &options);
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(
        meta["torchward.allowed_globals"],
        r#"["argparse.Namespace"]"#
    );
    assert_eq!(meta["args.lr"], "0.1");
    assert!(!meta.contains_key("torchward.dropped"));
    assert_eq!(
        safetensors::SafeTensors::deserialize(&bytes)
            .unwrap()
            .names(),
        ["w"]
    );
}
