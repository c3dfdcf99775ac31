//! `inspect` lists the tensors of weights-only files and refuses the rest.
use std::path::PathBuf;

use tw_modelscan::inspect::{inspect_bytes, InspectError};
use tw_modelscan::ScanOptions;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn lists_tensors_of_a_benign_checkpoint() {
    let data = read("examples/resnet-tiny.pt");
    let inspection = inspect_bytes("resnet-tiny.pt", &data, &ScanOptions::default()).unwrap();
    assert_eq!(inspection.format, "torch-zip");
    assert!(!inspection.tensors.is_empty());
    for tensor in &inspection.tensors {
        assert_eq!(tensor.shape.len(), tensor.stride.len(), "{}", tensor.name);
        assert!(tensor.storage_key.is_some(), "{}", tensor.name);
    }
}

#[test]
fn refuses_a_malicious_checkpoint_with_its_findings() {
    let data = read("examples/evil-system.pt");
    match inspect_bytes("evil-system.pt", &data, &ScanOptions::default()) {
        Err(InspectError::Refused { findings }) => {
            assert!(findings.iter().any(|f| f.rule == "TW101"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn lists_safetensors_and_npy_headers() {
    let st = inspect_bytes(
        "tiny.safetensors",
        &read("examples/tiny.safetensors"),
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(st.format, "safetensors");
    assert!(!st.tensors.is_empty());
    let npy = inspect_bytes(
        "embeddings.npy",
        &read("examples/embeddings.npy"),
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(npy.format, "npy");
    assert_eq!(npy.tensors.len(), 1);
}

#[test]
fn values_serialize_with_their_type_and_value() {
    let inspected = |rel: &str| {
        let inspection = inspect_bytes(rel, &read(rel), &ScanOptions::default()).unwrap();
        serde_json::to_value(&inspection.values).unwrap()
    };
    let nested = inspected("fixtures/models/benign/nested_values.pt");
    for expected in [
        serde_json::json!(["list.1.inner.4", {"type": "none"}]),
        serde_json::json!(["size", {"type": "size", "value": [2, 3]}]),
        serde_json::json!(["bytes", {"type": "bytes", "value": [0, 1, 255]}]),
        serde_json::json!(["device", {"type": "device", "value": "cpu"}]),
        serde_json::json!(["dtype", {"type": "global", "value": "torch.float16"}]),
    ] {
        assert!(
            nested.as_array().unwrap().contains(&expected),
            "{expected} not in {nested}"
        );
    }
    let optimizer = inspected("fixtures/convert/convertible/optimizer.pt");
    let betas = serde_json::json!(["optimizer.param_groups.0.betas", {"type": "tuple", "value": [
        {"type": "float", "value": 0.9},
        {"type": "float", "value": 0.999},
    ]}]);
    assert!(
        optimizer.as_array().unwrap().contains(&betas),
        "{optimizer}"
    );
}
