//! The malformed-input corpora of the repository-level readers (`fuzz/corpus/index` and
//! `fuzz/corpus/dcp_metadata`, made by tests/data/make_corpus.py), replayed with the exact
//! findings and errors each file must give: every case is placed where a scan meets it (an
//! index beside the good sharded set's shards, a `.metadata` beside the good DCP data file).
//! `fuzz/corpus/modelscan` holds Git LFS pointers and nested pickles, analysed as one file.
//! Cases too big to commit (a 1 GiB index, a million entries) are made here.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tw_modelscan::ScanOptions;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a scan of `dir` says, with `dir` written `DIR`: `RULE: message` per finding and
/// `error: message` per error, sorted.
fn outcome(dir: &Path) -> Vec<String> {
    let walked = tw_modelscan::walk::collect(
        &[dir.to_path_buf()],
        &tw_modelscan::walk::WalkOptions::default(),
    );
    assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    let result = tw_modelscan::scan::scan_inputs(&walked.inputs, &ScanOptions::default(), &|| {});
    lines(&result.findings, &result.errors, &dir.display().to_string())
}

/// `RULE: message` per finding and `error: message` per error, sorted, with `shown` (a
/// temporary directory) written `DIR`.
fn lines(
    findings: &[tw_diagnostics::Finding],
    errors: &[tw_diagnostics::AnalysisError],
    shown: &str,
) -> Vec<String> {
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| format!("{}: {}", f.rule, f.message))
        .chain(errors.iter().map(|e| format!("error: {}", e.message)))
        .map(|l| {
            if shown.is_empty() {
                l
            } else {
                l.replace(shown, "DIR")
            }
        })
        .collect();
    lines.sort();
    lines
}

/// A temporary copy of the fixture set `fixture` (fixtures/frameworks) with `name` holding
/// `bytes`.
fn set_with(fixture: &str, name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = root().join("fixtures/frameworks").join(fixture);
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(tmp.path().join(name), bytes).unwrap();
    tmp
}

/// The files of `fuzz/corpus/NAME`, sorted.
fn corpus(name: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("fuzz/corpus").join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Every table row names a corpus file and every corpus file has a row.
fn same_names<T>(files: &[PathBuf], table: &[(&str, T)]) {
    let mut listed: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    listed.sort_unstable();
    let present: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(present, listed);
}

/// Checks that `table` lists exactly the files of `fuzz/corpus/CORPUS`, then calls `check`
/// with each file's name, bytes and expected outcome.
fn replay<T>(corpus_name: &str, table: &[(&str, T)], check: impl Fn(&str, &[u8], &T)) {
    same_names(&corpus(corpus_name), table);
    for (name, want) in table {
        let bytes = std::fs::read(root().join("fuzz/corpus").join(corpus_name).join(name)).unwrap();
        check(name, &bytes, want);
    }
}

/// Each index case: what a scan of the good sharded set with it as the index says.
const INDEX_CASES: &[(&str, &[&str])] = &[
    ("bad_absolute.json", &["TW135: shard `/etc/passwd` is not a plain name inside the index's directory"]),
    ("bad_deep_metadata.json", &[]),
    ("bad_deep_value.json", &["error: the index is not a valid weight map: recursion limit exceeded at line 1 column 178"]),
    ("bad_dotdot.json", &["TW135: shard `../pytorch_model-00001-of-00002.bin` is not a plain name inside the index's directory"]),
    ("bad_duplicate_tensor.json", &["error: the index is not a valid weight map: `weight_map` names tensor `embedding.weight` twice (JSON readers differ on which wins) at line 1 column 157"]),
    ("bad_duplicate_weight_map.json", &["error: the index is not a valid weight map: `weight_map` is given twice at line 1 column 43"]),
    ("bad_empty.json", &["error: the index is not a valid weight map: EOF while parsing a value at line 1 column 0"]),
    ("bad_long_shard_name.json", &["error: the index is not a valid weight map: shard name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...` is 5004 bytes, more than the 4096 a name may have at line 1 column 5059"]),
    ("bad_long_tensor_name.json", &["error: the index is not a valid weight map: tensor name `tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt...` is 5000 bytes, more than the 4096 a name may have at line 1 column 5086"]),
    ("bad_no_weight_map.json", &["error: the index is not a valid weight map: no `weight_map` object at line 1 column 31"]),
    ("bad_not_utf8.json", &["error: the index is not a valid weight map: invalid unicode code point at line 1 column 18"]),
    ("bad_nul.json", &["TW135: shard `pytorch_model-00001-of-00002.bin\\0.txt` is not a plain name inside the index's directory"]),
    ("bad_top_level_list.json", &["error: the index is not a valid weight map: invalid type: sequence, expected a JSON object with a `weight_map` object at line 1 column 0"]),
    ("bad_trailing_garbage.json", &["error: the index is not a valid weight map: trailing characters at line 12 column 1"]),
    ("bad_truncated.json", &["error: the index is not a valid weight map: EOF while parsing a value at line 6 column 59"]),
    ("bad_value_not_string.json", &["error: the index is not a valid weight map: `weight_map` entry `embedding.weight` is not a string at line 1 column 69"]),
    ("bad_value_null.json", &["error: the index is not a valid weight map: `weight_map` entry `embedding.weight` is not a string at line 1 column 72"]),
    ("bad_value_object.json", &["error: the index is not a valid weight map: `weight_map` entry `embedding.weight` is not a string at line 1 column 76"]),
    ("bad_weight_map_list.json", &["error: the index is not a valid weight map: invalid type: sequence, expected `weight_map` as an object of tensor name to shard file name at line 1 column 15"]),
    ("ok_huge_exponent.json", &[]),
    ("ok_huge_total_size.json", &[]),
    ("ok_long_integer.json", &[]),
    ("seed_good.json", &[]),
];

/// Each `.metadata` case: what a scan of the good DCP directory with it says, and what
/// `inspect` says (the number of chunks listed, or the error).
const DCP_CASES: &[(&str, &[&str], Result<usize, &str>)] = &[
    ("bad_empty.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: not a pickle: DCP's `.metadata` is a pickled `Metadata` object", "error: the directory's `.metadata` does not say where this file's items are (it is not a readable pickle (pickle ends at offset 0 without STOP)); analysed as one file"], Err("DIR/.metadata: not a pickle: DCP's `.metadata` is a pickled `Metadata` object")),
    ("bad_huge_chunk_size.metadata", &[], Ok(3)),
    ("bad_length_past_eof.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the item at offset 5804 of 1578 bytes runs past the end of the file (7381 bytes)); analysed as one file"], Ok(3)),
    ("bad_negative_chunk_size.metadata", &[], Err("DIR/.metadata: the metadata does not have the shape DCP writes")),
    ("bad_negative_length.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the `_StorageInfo` at pickle offset 1216 has no `length` that is a byte count (an integer from 0 to 2^63-1)); analysed as one file"], Ok(3)),
    ("bad_negative_offset.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the `_StorageInfo` at pickle offset 969 has no `offset` that is a byte count (an integer from 0 to 2^63-1)); analysed as one file"], Ok(3)),
    ("bad_not_pickle.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: not a pickle: DCP's `.metadata` is a pickled `Metadata` object", "error: the directory's `.metadata` does not say where this file's items are (it is not a readable pickle (TUPLE at offset 0 without a MARK)); analysed as one file"], Err("DIR/.metadata: not a pickle: DCP's `.metadata` is a pickled `Metadata` object")),
    ("bad_offset_not_int.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the `_StorageInfo` at pickle offset 1216 has no `offset` that is a byte count (an integer from 0 to 2^63-1)); analysed as one file"], Ok(3)),
    ("bad_offset_past_eof.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the item at offset 1000000 of 1577 bytes runs past the end of the file (7381 bytes)); analysed as one file"], Ok(3)),
    ("bad_offset_plus_length_overflows.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the item at offset 9223372036854775807 of 9223372036854775807 bytes runs past the end of the file (7381 bytes)); analysed as one file"], Ok(3)),
    ("bad_overflowing_offset.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the `_StorageInfo` at pickle offset 1216 has no `offset` that is a byte count (an integer from 0 to 2^63-1)); analysed as one file"], Ok(3)),
    ("bad_overlapping_items.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (the item at offset 1251 overlaps the one before it (which ends at 1261)); analysed as one file"], Ok(3)),
    ("bad_plain_dict.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: the directory's `.metadata` does not say where this file's items are (bytes 0..7381 belong to no item); analysed as one file"], Err("DIR/.metadata: the metadata does not have the shape DCP writes")),
    ("bad_truncated.metadata", &["TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "error: malformed pickle: pickle truncated at offset 2: FRAME needs 1456 more bytes, 722 left", "error: the directory's `.metadata` does not say where this file's items are (it is not a readable pickle (pickle truncated at offset 2: FRAME needs 1456 more bytes, 722 left)); analysed as one file"], Err("DIR/.metadata: malformed pickle: pickle truncated at offset 2: FRAME needs 1456 more bytes, 722 left")),
    ("bad_wrong_class.metadata", &["TW102: imports make_corpus.Metadata, which torch.load(weights_only=True) does not allow", "TW110: 5804 byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)", "TW130: loads with weights_only=True inside `with torch.serialization.safe_globals([make_corpus.Metadata]):`"], Err("refused: 1 finding(s) show this file is not plain weights (first: TW102 imports make_corpus.Metadata, which torch.load(weights_only=True) does not allow)")),
    ("seed_good.metadata", &[], Ok(3)),
];

const INDEX: &str = "pytorch_model.bin.index.json";

#[test]
fn index_corpus_gives_the_exact_outcome_of_each_case() {
    replay("index", INDEX_CASES, |name, bytes, want| {
        let set = set_with("sharded", INDEX, bytes);
        assert_eq!(outcome(set.path()), *want, "{name}");
    });
}

#[test]
fn dcp_metadata_corpus_gives_the_exact_outcome_of_each_case() {
    let files = corpus("dcp_metadata");
    let names: Vec<(&str, ())> = DCP_CASES.iter().map(|(n, _, _)| (*n, ())).collect();
    same_names(&files, &names);
    for (name, want, inspected) in DCP_CASES {
        let bytes = std::fs::read(root().join("fuzz/corpus/dcp_metadata").join(name)).unwrap();
        let set = set_with("dcp", ".metadata", &bytes);
        assert_eq!(outcome(set.path()), *want, "{name}");
        let shown = set.path().display().to_string();
        let got = tw_modelscan::dcp::inspect_dir(set.path(), &ScanOptions::default())
            .map(|i| i.tensors.len())
            .map_err(|e| e.to_string().replace(&shown, "DIR"));
        assert_eq!(got, inspected.map_err(str::to_owned), "{name}");
    }
}

/// The good index's entries, then `extra` more as `"tN": SHARD(N)`.
fn index_with(extra: usize, shard: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = String::from(r#"{"weight_map": {"#);
    for n in 0..extra {
        write!(text, r#""t{n}": "{}", "#, shard(n)).unwrap();
    }
    text.push_str(r#""embedding.weight": "pytorch_model-00001-of-00002.bin"}}"#);
    text.into_bytes()
}

#[test]
fn index_limits_stop_huge_inputs_with_a_clear_error() {
    // A million and one tensors (in one shard) and a hundred thousand and one shards.
    let set = set_with(
        "sharded",
        INDEX,
        &index_with(1_000_000, |_| "a.bin".to_owned()),
    );
    assert_eq!(
        outcome(set.path()),
        ["error: the index is not a valid weight map: `weight_map` has more than the 1000000 entries an index may have at line 1 column 19888961"]
    );
    let set = set_with(
        "sharded",
        INDEX,
        &index_with(100_000, |n| format!("s{n}.bin")),
    );
    assert_eq!(
        outcome(set.path()),
        ["error: the index names 100001 shard files, more than the 100000 an index may have"]
    );
    // 1 GiB (sparse: no disk used) is refused before anything is read.
    let set = set_with("sharded", INDEX, b"");
    std::fs::File::options()
        .write(true)
        .open(set.path().join(INDEX))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    assert_eq!(
        outcome(set.path()),
        ["error: the index is 1073741824 bytes, more than the 67108864 an index may have"]
    );
    // Five million levels of nesting in the metadata the checks skip: no stack overflow.
    let mut deep = b"{\"metadata\": ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 5_000_000));
    deep.extend(std::iter::repeat_n(b']', 5_000_000));
    deep.extend_from_slice(br#", "weight_map": {}}"#);
    let set = set_with("sharded", INDEX, &deep);
    assert_eq!(outcome(set.path()), Vec::<String>::new());
}

#[test]
fn a_fifo_metadata_is_an_error_not_a_hang() {
    let set = set_with("dcp", ".metadata", b"");
    let fifo = set.path().join(".metadata");
    std::fs::remove_file(&fifo).unwrap();
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let lines = outcome(set.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[1],
        "error: the directory's `.metadata` does not say where this file's items are (`DIR/.metadata` is a FIFO (named pipe), not a regular file); analysed as one file"
    );
    let shown = set.path().display().to_string();
    let inspected = tw_modelscan::dcp::inspect_dir(set.path(), &ScanOptions::default())
        .map(|i| i.tensors.len())
        .map_err(|e| e.to_string().replace(&shown, "DIR"));
    assert_eq!(
        inspected,
        Err("DIR/.metadata: `DIR/.metadata` is a FIFO (named pipe), not a regular file".to_owned())
    );
}

/// What `scan` says of `data` as a file named `pytorch_model.bin`, as [`outcome`] writes it.
fn file_outcome(data: &[u8]) -> Vec<String> {
    let outcome = tw_modelscan::analyse_bytes("pytorch_model.bin", data, &ScanOptions::default());
    lines(&outcome.findings, &outcome.errors, "")
}

/// Each `fuzz/corpus/modelscan` case (Git LFS pointers, pickles nested in `io.BytesIO`) as a
/// file named `pytorch_model.bin`: a pointer is an error, text that only resembles one is not
/// a model, and a payload nested past the depth limit is TW111, never a clean verdict.
const MODELSCAN_CASES: &[(&str, &[&str])] = &[
    ("lfs_crlf", &[]),
    ("lfs_no_oid", &[]),
    ("lfs_nul", &["error: a Git LFS pointer, not the weights: run `git lfs pull` to fetch the file"]),
    ("lfs_over_1024_bytes", &[]),
    ("lfs_pointer", &["error: a Git LFS pointer, not the weights: run `git lfs pull` to fetch the file"]),
    ("lfs_truncated", &[]),
    ("nested_1_payload", &["TW101: imports posix.system: runs shell commands and touches the file system", "TW102: imports _io.BytesIO, which torch.load(weights_only=True) does not allow (allowed by --profile megatron)", "TW102: imports posix.system, which torch.load(weights_only=True) does not allow"]),
    ("nested_3_plain", &["TW102: imports _io.BytesIO, which torch.load(weights_only=True) does not allow (allowed by --profile megatron)", "TW130: loads with weights_only=True inside `with torch.serialization.safe_globals([_io.BytesIO]):`; or scan with --profile megatron"]),
    ("nested_5_payload", &["TW102: imports _io.BytesIO, which torch.load(weights_only=True) does not allow (allowed by --profile megatron)", "TW111: pickles nested more than 3 deep: the innermost is not analysed"]),
    ("nested_not_pickle", &["TW102: imports _io.BytesIO, which torch.load(weights_only=True) does not allow (allowed by --profile megatron)", "TW130: loads with weights_only=True inside `with torch.serialization.safe_globals([_io.BytesIO]):`; or scan with --profile megatron"]),
    ("nested_truncated", &["TW102: imports _io.BytesIO, which torch.load(weights_only=True) does not allow (allowed by --profile megatron)", "TW130: loads with weights_only=True inside `with torch.serialization.safe_globals([_io.BytesIO]):`; or scan with --profile megatron", "error: malformed pickle: pickle truncated at offset 21: BININT1 needs 1 more bytes, 0 left"]),
];

#[test]
fn lfs_and_nested_corpus_gives_the_exact_outcome_of_each_case() {
    replay("modelscan", MODELSCAN_CASES, |name, data, want| {
        assert_eq!(file_outcome(data), *want, "{name}");
    });
}
