//! DCP directories (fixtures/frameworks/dcp*) convert to one safetensors file whose tensors
//! equal what torch's `dcp_to_torch_save` gave (oracle.json `dcp[0].tensors`: dtype, shape,
//! SHA-256), with the non-tensor items in `__metadata__`; a `.metadata` payload is refused
//! with TW101 and leaves no output.
use std::collections::BTreeMap;
use std::path::Path;

use tw_convert::{convert_dcp, ConvertOptions};

use crate::common::{assert_tensors, fixtures, listing};

fn frameworks_oracle() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("frameworks/oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn metadata(bytes: &[u8]) -> BTreeMap<String, String> {
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).unwrap();
    meta.metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

#[test]
fn dcp_converts_to_what_dcp_to_torch_save_gives() {
    let oracle = frameworks_oracle();
    let entry = &oracle["dcp"][0];
    assert_eq!(entry["dir"], "dcp");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dcp.safetensors");
    let mut options = ConvertOptions::default();
    options.verify = true;
    let done = convert_dcp(&fixtures().join("frameworks/dcp"), &out, &options, &|_| {}).unwrap();
    assert_eq!((done.format, done.written, done.values), ("dcp", 3, 2));
    let bytes = std::fs::read(&out).unwrap();
    assert_tensors(&bytes, entry["tensors"].as_array().unwrap(), "dcp");
    // The non-tensor items of the state dict (`"step": 7, "name": "run-1"`).
    let meta = metadata(&bytes);
    assert_eq!(meta.get("step").map(String::as_str), Some("7"));
    assert_eq!(meta.get("name").map(String::as_str), Some("\"run-1\""));
    // Existing output without --force: refused, the file left as it was.
    let again = convert_dcp(&fixtures().join("frameworks/dcp"), &out, &options, &|_| {});
    assert!(again.is_err());
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

#[test]
fn a_dcp_metadata_payload_is_refused_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hostile.safetensors");
    let err = convert_dcp(
        &fixtures().join("frameworks/dcp_hostile"),
        &out,
        &ConvertOptions::default(),
        &|_| {},
    )
    .unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert!(err.finding_ids().contains(&"TW101"), "{err}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn an_output_inside_the_checkpoint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ckpt");
    std::fs::create_dir(&copy).unwrap();
    for name in [".metadata", "__0_0.distcp"] {
        std::fs::copy(
            fixtures().join("frameworks/dcp").join(name),
            copy.join(name),
        )
        .unwrap();
    }
    let err = convert_dcp(
        &copy,
        &copy.join("out.safetensors"),
        &ConvertOptions::default(),
        &|_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, tw_convert::ConvertError::OutputIsInput { .. }),
        "{err}"
    );
    assert_eq!(listing(&copy), [".metadata", "__0_0.distcp"]);
    assert_eq!(
        tw_convert::default_dcp_output(Path::new("runs/step-100")),
        Path::new("runs/step-100.safetensors")
    );
}

#[test]
fn chunks_from_two_ranks_stitch_to_what_dcp_to_torch_save_gives() {
    // Rows split unevenly, columns, and the middle dimension of a 3-D tensor, over two ranks.
    let text = std::fs::read_to_string(fixtures().join("frameworks/oracle_dcp.json")).unwrap();
    let oracle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sharded.safetensors");
    let mut options = ConvertOptions::default();
    options.verify = true;
    let done = convert_dcp(
        &fixtures().join("frameworks/dcp_sharded"),
        &out,
        &options,
        &|_| {},
    )
    .unwrap();
    assert_eq!(done.written, 4);
    let bytes = std::fs::read(&out).unwrap();
    assert_tensors(&bytes, oracle["tensors"].as_array().unwrap(), "dcp_sharded");
    let meta = metadata(&bytes);
    for (key, value) in oracle["values"].as_object().unwrap() {
        assert_eq!(meta.get(key).map(String::as_str), value.as_str(), "{key}");
    }
}

#[test]
fn a_non_tensor_item_needs_the_profile_that_admits_it() {
    // `args` is an argparse.Namespace stored as a DCP bytes item (make_dcp_cases.py).
    let input = fixtures().join("frameworks/dcp_values");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("values.safetensors");
    let err = convert_dcp(&input, &out, &ConvertOptions::default(), &|_| {}).unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert_eq!(err.finding_ids(), ["TW102"]);
    assert!(listing(dir.path()).is_empty());
    let mut options = ConvertOptions::default();
    options.profile("megatron").unwrap();
    convert_dcp(&input, &out, &options, &|_| {}).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let meta = metadata(&bytes);
    assert_eq!(meta.get("args.lr").map(String::as_str), Some("0.5"));
    assert_eq!(meta.get("args.name").map(String::as_str), Some("\"run-2\""));
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let w = st.tensor("w").unwrap();
    assert_eq!(w.shape(), [2, 3]);
    let values: Vec<f32> = w
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}
