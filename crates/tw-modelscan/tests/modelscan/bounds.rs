//! Hostile sharing (one value referenced thousands of times by memo), STOP residue and
//! TorchScript's repeated findings, through the scanner and `inspect` (fixtures made by
//! fixtures/pickle-bounds/make_fixtures.py; the large files are built here).
use std::collections::BTreeSet;
use std::path::PathBuf;

use tw_diagnostics::Finding;
use tw_modelscan::inspect::{inspect_bytes, InspectError, Leaf};
use tw_modelscan::{analyse_bytes, ScanOptions};

const MB: usize = 1 << 20;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/pickle-bounds")
            .join(name),
    )
    .unwrap()
}

fn rules(findings: &[Finding]) -> BTreeSet<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

/// `{'x': [s] * 2000}` with `s` a string of `size` bytes, as Python's pickle (protocol 2)
/// writes it: `s` once under memo 3, then 1,999 BINGETs.
fn shared_string_pickle(size: usize) -> Vec<u8> {
    let mut out = b"\x80\x02}q\x00X\x01\x00\x00\x00xq\x01]q\x02(X".to_vec();
    out.extend_from_slice(&u32::try_from(size).unwrap().to_le_bytes());
    out.resize(out.len() + size, b'a');
    out.extend_from_slice(b"q\x03");
    for _ in 1..2000 {
        out.extend_from_slice(b"h\x03");
    }
    out.extend_from_slice(b"es.");
    out
}

/// CRC-32 (ISO-HDLC), bit by bit: enough for a test archive.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 0 {
                crc >> 1
            } else {
                (crc >> 1) ^ 0xEDB8_8320
            };
        }
    }
    !crc
}

/// A torch zip checkpoint (records stored, as torch.save writes them) around `data_pkl`.
fn torch_zip(data_pkl: &[u8]) -> Vec<u8> {
    let records: [(&str, &[u8]); 3] = [
        ("archive/data.pkl", data_pkl),
        ("archive/byteorder", b"little"),
        ("archive/version", b"3\n"),
    ];
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in records {
        let offset = u32::try_from(out.len()).unwrap();
        let crc = crc32(data).to_le_bytes();
        let len = u32::try_from(data.len()).unwrap().to_le_bytes();
        let name_len = u16::try_from(name.len()).unwrap().to_le_bytes();
        // Local header: signature, version 2.0, flags, stored, time, date.
        out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        for field in [&crc, &len, &len] {
            out.extend_from_slice(field);
        }
        out.extend_from_slice(&name_len);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central record: signature, made by / needs 2.0, flags, stored, time, date.
        central.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        for field in [&crc, &len, &len] {
            central.extend_from_slice(field);
        }
        central.extend_from_slice(&name_len);
        // Extra and comment lengths, disk, internal and external attributes.
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).unwrap().to_le_bytes();
    let central_len = u32::try_from(central.len()).unwrap().to_le_bytes();
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x03\x00\x03\x00");
    out.extend_from_slice(&central_len);
    out.extend_from_slice(&central_offset);
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn a_test_archive_of_a_plain_dict_is_clean() {
    // The archive builder itself: a benign data.pkl gives nothing.
    let outcome = analyse_bytes(
        "plain.pt",
        &torch_zip(b"\x80\x02}q\x00X\x01\x00\x00\x00xK\x01s."),
        &ScanOptions::default(),
    );
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
}

#[test]
fn shared_reference_bombs_are_a_finding() {
    let options = ScanOptions::default();
    let mut files = vec![
        ("shared_1mb.pkl", shared_string_pickle(MB)),
        ("shared_10mb.pkl", shared_string_pickle(10 * MB)),
    ];
    files.push(("shared_1mb.pt", torch_zip(&files[0].1)));
    for (name, data) in &files {
        let outcome = analyse_bytes(name, data, &options);
        assert_eq!(
            rules(&outcome.findings),
            BTreeSet::from(["TW126"]),
            "{name}"
        );
        assert!(outcome.errors.is_empty(), "{name}: {:?}", outcome.errors);
    }
}

#[test]
fn inspect_refuses_a_shared_reference_bomb() {
    let data = torch_zip(&shared_string_pickle(MB));
    match inspect_bytes("shared_1mb.pt", &data, &ScanOptions::default()) {
        Err(InspectError::Refused { findings }) => {
            assert_eq!(rules(&findings), BTreeSet::from(["TW126"]));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn inspect_lists_a_shared_value_once() {
    // 4 KiB referenced 2,000 times: within the limits, so it is listed, the string once.
    let data = fixture("shared_str_small.pt");
    let inspection = inspect_bytes("shared_str_small.pt", &data, &ScanOptions::default()).unwrap();
    assert_eq!(inspection.values.len(), 2000);
    assert_eq!(
        inspection.values[0],
        ("x.0".to_owned(), Leaf::Str("a".repeat(4096)))
    );
    for (path, leaf) in inspection.values.iter().skip(1) {
        assert_eq!(leaf, &Leaf::Shared("x.0".to_owned()), "{path}");
    }
    let json = serde_json::to_string(&inspection).unwrap();
    assert!(json.len() < 100_000, "{} bytes of JSON", json.len());
}

#[test]
fn the_materialise_allowance_bounds_the_small_files_too() {
    let mut options = ScanOptions::default();
    options.pickle.limits.materialise_allowance = 0;
    for name in ["shared_str_small.pkl", "shared_str_small.pt"] {
        let outcome = analyse_bytes(name, &fixture(name), &options);
        assert_eq!(
            rules(&outcome.findings),
            BTreeSet::from(["TW126"]),
            "{name}"
        );
        let clean = analyse_bytes(name, &fixture(name), &ScanOptions::default());
        assert!(clean.findings.is_empty(), "{name}: {:?}", clean.findings);
    }
}

#[test]
fn stop_residue_is_a_finding() {
    let options = ScanOptions::default();
    for name in ["stop_extra_value.pkl", "stop_open_mark.pkl"] {
        let outcome = analyse_bytes(name, &fixture(name), &options);
        assert_eq!(
            rules(&outcome.findings),
            BTreeSet::from(["TW125"]),
            "{name}"
        );
        assert!(outcome.errors.is_empty(), "{name}: {:?}", outcome.errors);
    }
    // Nothing above the open MARK: no loader returns anything, an analysis error.
    let empty = analyse_bytes(
        "stop_open_mark_empty.pkl",
        &fixture("stop_open_mark_empty.pkl"),
        &options,
    );
    assert!(!empty.errors.is_empty());
    let hidden = analyse_bytes(
        "stop_hidden_call.pkl",
        &fixture("stop_hidden_call.pkl"),
        &options,
    );
    let got = rules(&hidden.findings);
    assert!(
        got.contains("TW101") && got.contains("TW125"),
        "{:?}",
        hidden.findings
    );
}

#[test]
fn a_torchscript_archive_is_one_tw103_and_repeated_findings_are_counted() {
    let data = fixture("torchscript.pt");
    let outcome = analyse_bytes("torchscript.pt", &data, &ScanOptions::default());
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let code: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "TW103")
        .collect();
    assert_eq!(code.len(), 1);
    // Code files are listed once: in the evidence, not again in the message.
    let files: Vec<&str> = code[0]
        .evidence
        .iter()
        .filter(|e| e.name == "code file")
        .map(|e| e.value.as_str())
        .collect();
    assert!(files.len() > 2, "{files:?}");
    assert_eq!(files.iter().collect::<BTreeSet<_>>().len(), files.len());
    assert!(!code[0].message.contains("code/"), "{}", code[0].message);
    // No (rule, message) twice; what repeats is counted on its first occurrence.
    let keys: BTreeSet<(&str, &str)> = outcome
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(keys.len(), outcome.findings.len());
    let repeated = outcome
        .findings
        .iter()
        .find(|f| f.message.contains("torch.jit._pickle.build_intlist"))
        .unwrap();
    assert!(repeated.occurrences.unwrap_or(1) > 1, "{repeated:?}");
}
