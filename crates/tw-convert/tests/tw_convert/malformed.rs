//! Damaged inputs fail with a clear error and leave no output file: the malformed fixtures,
//! and truncations of convertible checkpoints at many lengths (the central directory gone, a
//! storage cut short, a pickle cut in two).
use std::path::Path;

use tw_convert::{convert_file, ConvertError, ConvertOptions};

use crate::common::{fixtures, listing};

fn fails_cleanly(input: &Path, dir: &Path) -> ConvertError {
    let out = dir.join("out.safetensors");
    let err = convert_file(input, &out, &ConvertOptions::default(), &|_| {})
        .expect_err(&input.display().to_string());
    assert!(!err.to_string().is_empty());
    let left: Vec<String> = listing(dir).into_iter().filter(|n| n != "input").collect();
    assert!(left.is_empty(), "{}: left {left:?}", input.display());
    err
}

#[test]
fn malformed_fixtures_fail_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures().join("models/malformed")).unwrap() {
        fails_cleanly(&entry.unwrap().path(), dir.path());
        count += 1;
    }
    assert!(count > 20);
}

#[test]
fn truncated_checkpoints_fail_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    for name in [
        "every_dtype.pt",
        "legacy.pt",
        "arrays.npz",
        "f64_fortran.npy",
    ] {
        let whole = std::fs::read(fixtures().join("convert/convertible").join(name)).unwrap();
        let step = (whole.len() / 37).max(1);
        for len in (0..whole.len()).step_by(step) {
            std::fs::write(&input, &whole[..len]).unwrap();
            let err = fails_cleanly(&input, dir.path());
            assert!(
                !matches!(err, ConvertError::VerifyMismatch { .. }),
                "{name} cut at {len}: {err}"
            );
        }
    }
}

#[test]
fn byte_flips_never_panic_or_leave_files() {
    // Deterministic xorshift: each mutation flips one byte of a convertible fixture; whatever
    // the outcome (converted, refused, error), nothing panics and a failure leaves no file.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let out = dir.path().join("out.safetensors");
    let (mut converted, mut failed) = (0, 0);
    for name in [
        "views.pt",
        "legacy.pt",
        "arrays_compressed.npz",
        "big_endian.pt",
    ] {
        let whole = std::fs::read(fixtures().join("convert/convertible").join(name)).unwrap();
        for _ in 0..150 {
            let mut bytes = whole.clone();
            let at = usize::try_from(next() % bytes.len() as u64).unwrap();
            bytes[at] ^= u8::try_from(next() % 255 + 1).unwrap();
            std::fs::write(&input, &bytes).unwrap();
            match convert_file(&input, &out, &ConvertOptions::default(), &|_| {}) {
                Ok(_) => {
                    converted += 1;
                    std::fs::remove_file(&out).unwrap();
                }
                Err(_) => failed += 1,
            }
            assert_eq!(listing(dir.path()), ["input"], "{name} flipped at {at}");
        }
    }
    // Flips in tensor data convert (torch reads them too); flips in structure fail.
    assert!(
        converted > 0 && failed > 0,
        "{converted} converted, {failed} failed"
    );
}

/// The convert fuzz target's corpus (`fuzz/corpus/convert`) replayed on stable Rust with the
/// target's own invariant: no panic, and a failed conversion leaves no file.
#[test]
fn fuzz_corpus_replays_with_the_targets_invariant() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/convert");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        std::fs::copy(entry.unwrap().path(), &input).unwrap();
        let output = dir.path().join("out.safetensors");
        let mut options = ConvertOptions::default();
        options.verify = true;
        match convert_file(&input, &output, &options, &|_| {}) {
            Ok(done) => assert!(output.exists() && done.verified),
            Err(_) => assert!(!output.exists()),
        }
        replayed += 1;
    }
    assert!(replayed >= 5, "only {replayed} corpus inputs");
}

#[test]
fn malformed_dcp_directories_fail_naming_the_file_or_tensor() {
    // fixtures/frameworks/dcp_malformed (make_dcp_cases.py): each case with what its error names.
    let cases = [
        (
            "offset_past_eof",
            &["__0_0.distcp", "runs past the end of the file"][..],
        ),
        ("truncated_distcp", &["__0_0.distcp"][..]),
        (
            "overlapping_chunks",
            &["model.embedding.weight", "overlaps another chunk"][..],
        ),
        ("chunk_gap", &["model.layers.0.bias", "gap"][..]),
        ("dtype_mismatch", &["model.layers.0.bias", "F16", "F32"][..]),
    ];
    let root = fixtures().join("frameworks/dcp_malformed");
    assert_eq!(listing(&root).len(), cases.len());
    for (case, names) in cases {
        let dir = tempfile::tempdir().unwrap();
        let err = tw_convert::convert_dcp(
            &root.join(case),
            &dir.path().join("out.safetensors"),
            &ConvertOptions::default(),
            &|_| {},
        )
        .expect_err(case);
        let message = err.to_string();
        assert!(!err.is_refusal(), "{case}: {message}");
        for name in names {
            assert!(message.contains(name), "{case}: {message}");
        }
        assert!(listing(dir.path()).is_empty(), "{case}");
    }
}

/// The `convert_dcp` fuzz target's corpus (`fuzz/corpus/convert_dcp`: a `u32` little-endian
/// length, `.metadata`, then `__0_0.distcp`) replayed on stable Rust with the target's
/// invariant: no panic, and a failed conversion leaves no file. Its `dcp` seed converts.
#[test]
fn dcp_fuzz_corpus_replays_with_the_targets_invariant() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/convert_dcp");
    let mut converted = Vec::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let entry = entry.unwrap();
        let data = std::fs::read(entry.path()).unwrap();
        let (len, rest) = data.split_first_chunk::<4>().unwrap();
        let len = usize::try_from(u32::from_le_bytes(*len)).unwrap();
        let (metadata, distcp) = rest.split_at(len.min(rest.len()));
        let dir = tempfile::tempdir().unwrap();
        let ckpt = dir.path().join("ckpt");
        std::fs::create_dir(&ckpt).unwrap();
        std::fs::write(ckpt.join(".metadata"), metadata).unwrap();
        std::fs::write(ckpt.join("__0_0.distcp"), distcp).unwrap();
        let output = dir.path().join("out.safetensors");
        let mut options = ConvertOptions::default();
        options.verify = true;
        match tw_convert::convert_dcp(&ckpt, &output, &options, &|_| {}) {
            Ok(done) => {
                assert!(output.exists() && done.verified);
                converted.push(entry.file_name().to_string_lossy().into_owned());
            }
            Err(_) => assert!(!output.exists()),
        }
    }
    assert_eq!(converted, ["dcp"]);
}

#[test]
fn dcp_byte_flips_never_panic_or_leave_files() {
    // One flipped byte in `.metadata` or in a data file of the two-rank DCP fixture: whatever
    // the outcome, nothing panics and a failure leaves no file.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let source = fixtures().join("frameworks/dcp_sharded");
    let names = [".metadata", "__0_0.distcp", "__1_0.distcp"];
    let originals: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(source.join(n)).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    std::fs::create_dir(&ckpt).unwrap();
    let out = dir.path().join("out.safetensors");
    let (mut converted, mut failed) = (0, 0);
    for round in 0..300 {
        for (name, bytes) in names.iter().zip(&originals) {
            std::fs::write(ckpt.join(name), bytes).unwrap();
        }
        let which = round % names.len();
        let mut bytes = originals[which].clone();
        let at = usize::try_from(next() % bytes.len() as u64).unwrap();
        bytes[at] ^= u8::try_from(next() % 255 + 1).unwrap();
        std::fs::write(ckpt.join(names[which]), &bytes).unwrap();
        match tw_convert::convert_dcp(&ckpt, &out, &ConvertOptions::default(), &|_| {}) {
            Ok(_) => {
                converted += 1;
                std::fs::remove_file(&out).unwrap();
            }
            Err(err) => {
                failed += 1;
                assert!(!err.to_string().is_empty());
                assert!(!out.exists(), "{} at {at}: {err}", names[which]);
            }
        }
    }
    assert!(
        converted > 0 && failed > 0,
        "{converted} converted, {failed} failed"
    );
}
