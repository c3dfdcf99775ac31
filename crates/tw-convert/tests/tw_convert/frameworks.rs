//! Framework checkpoints (fixtures/frameworks) convert with their profile, bit-exact against
//! what `torch.load(weights_only=False)` gave for the same trusted file (oracle.json: SHA-256
//! per tensor), with the documented metadata encodings; without the profile they are refused.
use std::collections::BTreeMap;

use tw_convert::{convert_file, ConvertError, ConvertOptions};

use crate::common::{assert_tensors, fixtures};

fn oracle() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("frameworks/oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn framework_files_convert_bit_exactly_with_their_profile() {
    let dir = tempfile::tempdir().unwrap();
    let oracle = oracle();
    for entry in oracle["trusted"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let input = fixtures().join("frameworks").join(file);
        let mut options = ConvertOptions::default();
        options.verify = true;
        if let Some(profile) = entry["profile"].as_str() {
            if profile != "torch-npu" {
                let refused = convert_file(&input, &dir.path().join("x"), &options, &|_| {});
                assert!(
                    matches!(&refused, Err(e) if e.is_refusal()),
                    "{file} converts without --profile {profile}: {refused:?}"
                );
            }
            options.profile(profile).unwrap();
        }
        let out = dir.path().join(format!("{file}.safetensors"));
        convert_file(&input, &out, &options, &|_| {}).unwrap_or_else(|e| panic!("{file}: {e}"));
        let bytes = std::fs::read(&out).unwrap();
        assert_tensors(&bytes, entry["tensors"].as_array().unwrap(), file);
        let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let meta: BTreeMap<String, String> = meta
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        for (key, value) in entry["values"].as_object().unwrap() {
            assert_eq!(
                meta.get(key).map(String::as_str),
                value.as_str(),
                "{file}: {key}"
            );
        }
    }
}

#[test]
fn unknown_profiles_and_hostile_twins_are_refused() {
    let mut options = ConvertOptions::default();
    assert!(matches!(
        options.profile("pytorch-everything"),
        Err(ConvertError::UnknownProfile { .. })
    ));
    options.profile("megatron").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = fixtures().join("frameworks/hostile_megatron_model_optim_rng.pt");
    let err = convert_file(&input, &dir.path().join("out"), &options, &|_| {}).unwrap_err();
    assert!(err.finding_ids().contains(&"TW101"), "{err}");
    assert!(!dir.path().join("out").exists());
}
