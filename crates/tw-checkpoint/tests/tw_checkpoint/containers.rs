//! Each committed input opened as its loader reads it: format, pickles handed out, storage
//! records, issues and facts.

use tw_checkpoint::legacy::LegacyError;
use tw_checkpoint::npy::NpyError;
use tw_checkpoint::zip::{HeaderField, ZipError, ZipIssue};
use tw_checkpoint::{
    detect, detect_keeping_zip, open, open_as, open_detected, CheckpointError, Container,
    ContainerIssue, Format, Options, PickleRole, StorageScope,
};

use super::fixture;

fn opened(name: &str) -> (Vec<u8>, Format) {
    let data = fixture(name);
    let format = detect(&data, &Options::default().limits);
    (data, format)
}

fn zip_issues<'c>(c: &'c Container<'_>) -> Vec<&'c ZipIssue> {
    c.issues
        .iter()
        .filter_map(|i| match i {
            ContainerIssue::Zip(z) => Some(z),
            _ => None,
        })
        .collect()
}

#[test]
fn torch_zip_is_read_as_torch_reads_it() {
    let (data, format) = opened("torch_zip.pt");
    assert_eq!(format, Format::TorchZip);
    let c = open(&data, &Options::default()).unwrap();
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    assert!(c.errors.is_empty());
    assert_eq!(c.pickles.len(), 1);
    let p = &c.pickles[0];
    assert_eq!(p.role, PickleRole::DataPkl);
    assert_eq!(p.name, "archive/data.pkl");
    assert!(p.in_file);
    // Zero copy: the pickle bytes are the file's bytes at the base offset.
    let start = usize::try_from(p.base_offset).unwrap();
    assert_eq!(&data[start..start + p.bytes.len()], &p.bytes[..]);
    assert_eq!(p.bytes.last(), Some(&b'.'));
    let s = c.storage(StorageScope::Data, "0").unwrap();
    assert_eq!(s.len, 16);
    let bytes = &data[usize::try_from(s.start).unwrap()..usize::try_from(s.end).unwrap()];
    assert_eq!(
        bytes,
        [1.0f32, 2.0, 3.0, 4.0].map(f32::to_le_bytes).concat()
    );
    assert_eq!(c.facts.root.as_deref(), Some("archive"));
    assert_eq!(c.facts.byteorder.as_deref(), Some("little"));
    assert_eq!(c.facts.version.as_deref(), Some("3"));
}

#[test]
fn zip64_end_records_and_data_descriptors_are_followed() {
    let (data, format) = opened("torch_zip64.pt");
    assert_eq!(format, Format::TorchZip);
    let c = open(&data, &Options::default()).unwrap();
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    assert!(c
        .facts
        .zip_layout
        .as_ref()
        .unwrap()
        .zip64_end_record
        .is_some());
    assert_eq!(c.storage(StorageScope::Data, "0").unwrap().len, 16);
}

#[test]
fn deflated_entries_are_inflated_and_marked() {
    let c_data = fixture("deflated.pt");
    let c = open(&c_data, &Options::default()).unwrap();
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    assert!(!c.pickles[0].in_file);
    assert_eq!(c.pickles[0].bytes.last(), Some(&b'.'));
    assert!(c.storage(StorageScope::Data, "0").unwrap().compressed);
}

#[test]
fn duplicate_data_pkl_hands_out_both_copies() {
    let data = fixture("dup_data_pkl.pt");
    let c = open(&data, &Options::default()).unwrap();
    let roles: Vec<_> = c.pickles.iter().map(|p| &p.role).collect();
    assert_eq!(roles, [&PickleRole::DataPkl, &PickleRole::DataPkl]);
    assert!(zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::DuplicateName { name, .. } if name == "archive/data.pkl")));
}

#[test]
fn upper_case_data_pkl_is_found_like_miniz_finds_it() {
    let data = fixture("case_data_pkl.pt");
    assert_eq!(detect(&data, &Options::default().limits), Format::TorchZip);
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.pickles[0].role, PickleRole::DataPkl);
    assert_eq!(c.pickles[0].name, "archive/DATA.PKL");
}

#[test]
fn local_header_disagreements_are_reported() {
    let c_data = fixture("name_mismatch.pt");
    let c = open(&c_data, &Options::default()).unwrap();
    assert!(zip_issues(&c).iter().any(|i| matches!(
        i,
        ZipIssue::LocalNameMismatch { central, local, offset: 0 }
            if central == "archive/data.pkl" && local == "archive/xata.pkl"
    )));
}

#[test]
fn encrypted_flag_on_a_stored_entry_is_an_issue_and_its_bytes_are_scanned() {
    // Stored data are the file's bytes whatever the flag says: the pickle is handed out.
    let data = fixture("flag_bit.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::Encrypted { flags: 1, .. })));
    assert_eq!(c.pickles.len(), 1);
    assert_eq!(c.pickles[0].role, PickleRole::DataPkl);
    assert!(c.pickles[0].in_file);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
}

#[test]
fn encrypted_flag_on_a_deflated_entry_makes_it_unreadable() {
    let data = fixture("encrypted_deflate.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::Encrypted { flags: 1, .. })));
    assert!(c.pickles.iter().all(|p| p.role != PickleRole::DataPkl));
    assert!(matches!(
        c.errors[..],
        [CheckpointError::Zip(ZipError::Encrypted {
            flags: 1,
            offset: 0,
            ..
        })]
    ));
}

#[test]
fn records_found_only_ignoring_case_are_reported() {
    let data = fixture("case_data_pkl.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c).iter().any(|i| matches!(
        i,
        ZipIssue::CaseInsensitiveMatch { wanted, found, offset: 0 }
            if wanted == "archive/data.pkl" && found == "archive/DATA.PKL"
    )));
    let data = fixture("case_records.pt");
    let c = open(&data, &Options::default()).unwrap();
    let found: Vec<(&str, &str)> = zip_issues(&c)
        .iter()
        .filter_map(|i| match i {
            ZipIssue::CaseInsensitiveMatch { wanted, found, .. } => {
                Some((wanted.as_str(), found.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        found,
        [
            ("archive/byteorder", "archive/BYTEORDER"),
            ("archive/data/0", "archive/Data/0"),
            ("archive/version", "archive/VERSION"),
        ]
    );
    // The records are still read as torch reads them.
    assert_eq!(c.facts.byteorder.as_deref(), Some("little"));
    assert_eq!(c.storages.len(), 1);
    // Exact names are not reported.
    let data = fixture("torch_zip.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(!zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::CaseInsensitiveMatch { .. })));
}

#[test]
fn crc_mismatch_in_a_pickle_is_reported() {
    let data = fixture("bad_crc.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c).iter().any(|i| matches!(
        i,
        ZipIssue::CrcMismatch {
            declared: 0xDEAD_BEEF,
            ..
        }
    )));
    // torch (miniz without CRC checks) still reads it, so it is still handed out.
    assert_eq!(c.pickles.len(), 1);
}

#[test]
fn pickle_zip_polyglots_hand_out_the_prefix() {
    for (name, shifted) in [("polyglot.pkl", true), ("polyglot_abs.pt", false)] {
        let data = fixture(name);
        assert_eq!(
            detect(&data, &Options::default().limits),
            Format::PickleZipPolyglot
        );
        let c = open(&data, &Options::default()).unwrap();
        assert_eq!(c.pickles[0].role, PickleRole::Prefix, "{name}");
        assert_eq!(&c.pickles[0].bytes[..3], b"cos");
        assert_eq!(c.facts.inner_format, Some(Format::TorchZip));
        assert!(zip_issues(&c).iter().any(|i| matches!(
            i,
            ZipIssue::BytesBeforeFirstEntry { len: 29, shifted: s, offset: 0 } if *s == shifted
        )));
        // The zip's own data.pkl is found at its true absolute offset.
        let pkl = c
            .pickles
            .iter()
            .find(|p| p.role == PickleRole::DataPkl)
            .unwrap();
        let start = usize::try_from(pkl.base_offset).unwrap();
        assert_eq!(&data[start..start + 2], b"\x80\x02");
    }
}

#[test]
fn pickles_outside_the_root_are_scanned_and_reported() {
    let data = fixture("extra_pickle.pt");
    let c = open(&data, &Options::default()).unwrap();
    let extra: Vec<_> = c
        .pickles
        .iter()
        .filter(|p| p.role == PickleRole::ExtraEntry)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(extra, ["archive/extra/data.txt", "other/data.pkl"]);
    let reported = c
        .issues
        .iter()
        .filter(|i| matches!(i, ContainerIssue::PickleOutsideRoot { .. }))
        .count();
    assert_eq!(reported, 2);
}

#[test]
fn byteorder_other_than_little_or_big_is_reported() {
    let data = fixture("bad_byteorder.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(c
        .issues
        .iter()
        .any(|i| matches!(i, ContainerIssue::BadByteorder { value, .. } if value == "middle")));
}

#[test]
fn code_bearing_archives_are_recognised() {
    let data = fixture("torchscript.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::TorchScript);
    assert_eq!(c.facts.code_files, ["archive/code/__torch__/model.py"]);
    let roles: Vec<_> = c.pickles.iter().map(|p| p.role.clone()).collect();
    assert_eq!(roles, [PickleRole::DataPkl, PickleRole::ConstantsPkl]);

    let data = fixture("torch_package.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::TorchPackage);
    assert_eq!(c.pickles[0].role, PickleRole::ArchivePickle);
    assert_eq!(c.facts.code_files, ["pkg/model/source.py"]);
}

#[test]
fn unsupported_archives_are_recognised() {
    let limits = Options::default().limits;
    assert_eq!(detect(&fixture("pt2.pt2"), &limits), Format::Pt2);
    assert_eq!(
        detect(&fixture("model.mar"), &limits),
        Format::TorchServeMar
    );
    assert_eq!(detect(&fixture("legacy.tar"), &limits), Format::LegacyTar);
    let data = fixture("legacy.tar");
    let c = open(&data, &Options::default()).unwrap();
    let names: Vec<_> = c
        .facts
        .tar_members
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["sys_info", "storages", "tensors", "pickle"]);
    // Refused as a format, but the `pickle` member torch unpickles is handed out; members that
    // are not pickles (`x` here) stop the walk with an error.
    let roles: Vec<_> = c.pickles.iter().map(|p| p.role.clone()).collect();
    assert_eq!(
        roles,
        [PickleRole::TarMember {
            member: "pickle".to_owned(),
            index: 1
        }]
    );
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    assert!(c.errors.iter().all(|e| matches!(
        e,
        CheckpointError::Legacy(LegacyError::TarMember { what, .. })
            if *what == "the count pickle does not frame"
    )));
}

#[test]
fn legacy_tar_members_are_walked_as_legacy_load_reads_them() {
    let data = fixture("legacy_tar_walk.tar");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::LegacyTar);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let roles: Vec<(String, usize)> = c
        .pickles
        .iter()
        .map(|p| match &p.role {
            PickleRole::TarMember { member, index } => (member.clone(), *index),
            other => panic!("{other:?}"),
        })
        .collect();
    let want = [
        ("storages", 1),
        ("storages", 2),
        ("storages", 3),
        ("tensors", 1),
        ("tensors", 2),
        ("pickle", 1),
        ("sys_info", 1),
    ];
    assert_eq!(
        roles,
        want.map(|(m, i)| (m.to_owned(), i)).to_vec(),
        "storages: count, the storage's pickle, then (after its raw bytes) the views pickle"
    );
    // Every handed-out slice is one whole pickle (no trailing bytes to report).
    for p in &c.pickles {
        assert_eq!(p.bytes.last(), Some(&b'.'), "{}", p.name);
        let start = usize::try_from(p.base_offset).unwrap();
        assert_eq!(&data[start..start + p.bytes.len()], &p.bytes[..]);
    }
    let payload = c.pickles.iter().find(
        |p| matches!(&p.role, PickleRole::TarMember { member, index: 1 } if member == "pickle"),
    );
    assert!(payload.unwrap().bytes.starts_with(b"cos\nsystem"));

    // A count larger than the storages present: the walk stops where the bytes stop fitting,
    // with an error, and the other members are still handed out.
    let data = fixture("legacy_tar_cut.tar");
    let c = open(&data, &Options::default()).unwrap();
    assert!(matches!(
        &c.errors[..],
        [CheckpointError::Legacy(LegacyError::TarMember {
            member: "storages",
            ..
        })]
    ));
    assert!(c.pickles.iter().any(|p| matches!(
        &p.role,
        PickleRole::TarMember { member, .. } if member == "pickle"
    )));
}

#[test]
fn compression_bombs_are_reported_without_inflating_storages() {
    let data = fixture("zip_bomb.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c).iter().any(|i| i.is_bomb()
        && matches!(i, ZipIssue::CompressionRatio { name, .. } if name == "archive/data/0")));
    let data = fixture("bomb.npz");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::Npz);
    assert!(zip_issues(&c).iter().any(|i| i.is_bomb()));
    // The bomb entry's header is read from its first bytes only.
    assert_eq!(c.facts.npy[0].1.shape, [1 << 20]);
}

#[test]
fn verify_data_checks_storage_crcs_and_a_limit_stops_a_bomb() {
    let data = fixture("zip_bomb.pt");
    let mut options = Options {
        verify_data: true,
        ..Options::default()
    };
    options.limits.max_decompressed = 1 << 20;
    let c = open(&data, &options).unwrap();
    assert!(c.errors.iter().any(|e| e.to_string().contains("limit")));
    options.limits.max_decompressed = 1 << 30;
    let c = open(&data, &options).unwrap();
    assert!(c.errors.is_empty());
}

#[test]
fn legacy_stream_hands_out_all_five_pickles() {
    let data = fixture("legacy.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::LegacyStream);
    let roles: Vec<_> = c.pickles.iter().map(|p| p.role.clone()).collect();
    let expected: Vec<_> = (1..=5).map(|index| PickleRole::Legacy { index }).collect();
    assert_eq!(roles, expected);
    let legacy = c.facts.legacy.as_ref().unwrap();
    assert_eq!(legacy.keys, ["0"]);
    assert_eq!(legacy.records_start + 8 + 16, data.len() as u64);
}

#[test]
fn legacy_stream_with_a_computed_magic_is_still_a_legacy_stream() {
    // GHSA-97f8-7cmv-76j2: pickle #1 is eval('0x1950...'); torch unpickles it and compares.
    let data = fixture("legacy_eval_magic.pt");
    assert_eq!(
        detect(&data, &Options::default().limits),
        Format::LegacyStream
    );
    let c = open(&data, &Options::default()).unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    let roles: Vec<_> = c.pickles.iter().map(|p| p.role.clone()).collect();
    let expected: Vec<_> = (1..=5).map(|index| PickleRole::Legacy { index }).collect();
    assert_eq!(roles, expected);
    assert!(c.pickles[0].bytes.windows(4).any(|w| w == b"eval"));
    let legacy = c.facts.legacy.as_ref().unwrap();
    assert!(legacy.magic_computed);
    assert_eq!(c.storages.len(), 1);
    assert_eq!(c.storages[0].end, data.len() as u64);

    // The literal magic is not "computed"; without 1001 and a dict behind it, a call is just
    // the first of several raw pickles.
    let plain = fixture("legacy.pt");
    let c = open(&plain, &Options::default()).unwrap();
    assert!(!c.facts.legacy.as_ref().unwrap().magic_computed);
    let first_end = usize::try_from(legacy.pickles[0].end).unwrap();
    let mut other = data[..first_end].to_vec();
    other.extend_from_slice(b"\x80\x02K\x05.\x80\x02}.");
    assert_eq!(
        detect(&other, &Options::default().limits),
        Format::RawPickle
    );
}

#[test]
fn a_pickle_after_a_legacy_streams_records_is_trailing_and_scanned() {
    let clean = fixture("legacy.pt");
    let c = open(&clean, &Options::default()).unwrap();
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    assert_eq!(c.pickles.len(), 5);

    let data = fixture("legacy_trailing.pt");
    let c = open(&data, &Options::default()).unwrap();
    let end = clean.len() as u64;
    assert!(matches!(
        c.issues[..],
        [ContainerIssue::TrailingBytes { offset, len }] if offset == end && len == data.len() as u64 - end
    ));
    assert_eq!(c.pickles.len(), 6);
    let trailing = &c.pickles[5];
    assert_eq!(trailing.role, PickleRole::Trailing { index: 1 });
    assert_eq!(trailing.base_offset, end);
    assert!(trailing.bytes.starts_with(b"cos\nsystem"));
}

#[test]
fn npy_data_shorter_than_declared_is_an_error() {
    let data = fixture("npy_short.npy");
    assert_eq!(detect(&data, &Options::default().limits), Format::Npy);
    let err = open(&data, &Options::default()).unwrap_err();
    assert!(
        matches!(
            &err,
            CheckpointError::Npy(NpyError::DataTooShort { member, expected: 16, actual: 12, .. })
                if member.is_empty()
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("declares 16 bytes but only 12"));
    // Longer data is ignored, as numpy ignores it.
    let mut long = fixture("plain.npy");
    long.extend_from_slice(b"xx");
    assert!(open(&long, &Options::default()).is_ok());
}

#[test]
fn raw_pickles_concatenated_and_trailing() {
    let limits = Options::default().limits;
    assert_eq!(detect(&fixture("raw_p0.pkl"), &limits), Format::RawPickle);
    assert_eq!(detect(&fixture("raw_p2.bin"), &limits), Format::RawPickle);
    let data = fixture("concatenated.pkl");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.pickles.len(), 2);
    assert!(matches!(
        c.issues[..],
        [ContainerIssue::ConcatenatedPickles {
            count: 2,
            offset: 174
        }]
    ));
    let data = fixture("trailing.pkl");
    let c = open(&data, &Options::default()).unwrap();
    assert!(matches!(
        c.issues[..],
        [ContainerIssue::TrailingBytes {
            offset: 174,
            len: 4
        }]
    ));
}

#[test]
fn npy_object_payloads_are_pickles() {
    for name in ["object.npy", "structured_object.npy"] {
        let data = fixture(name);
        let c = open(&data, &Options::default()).unwrap();
        assert_eq!(c.format, Format::Npy);
        assert_eq!(c.pickles[0].role, PickleRole::NpyPayload, "{name}");
        assert_eq!(&c.pickles[0].bytes[..3], b"cos");
        assert_eq!(c.pickles[0].base_offset, 128);
        assert!(matches!(
            c.issues[..],
            [ContainerIssue::NpyObjectArray { .. }]
        ));
    }
    let data = fixture("plain.npy");
    let c = open(&data, &Options::default()).unwrap();
    assert!(c.pickles.is_empty() && c.issues.is_empty());
    let header = &c.facts.npy[0].1;
    assert_eq!(header.shape, [2, 2]);
    assert_eq!(header.expected_data_len, Some(16));
    assert_eq!(header.data_len, 16);

    let data = fixture("object.npz");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::Npz);
    assert_eq!(c.pickles.len(), 1);
    assert_eq!(c.pickles[0].name, "a.npy");
    assert_eq!(c.facts.npy.len(), 2);
}

#[test]
fn a_safetensors_header_length_past_the_end_is_still_safetensors() {
    let limits = Options::default().limits;
    let data = fixture("st_len_past_eof.safetensors");
    assert_eq!(detect(&data, &limits), Format::Safetensors);
    assert!(matches!(
        open(&data, &Options::default()),
        Err(CheckpointError::Safetensors(_))
    ));
    // Past the end, `{` must sit at byte 8 exactly, and the length stays under the limit, so
    // text and small binaries are not taken for safetensors.
    assert_eq!(detect(b"\xe8\x03\0\0\0\0\0\0 {}", &limits), Format::Unknown);
    assert_eq!(detect(b"abcdefgh{\"a\": 1}", &limits), Format::Unknown);
}

#[test]
fn safetensors_headers_are_validated() {
    use tw_checkpoint::safetensors::SafetensorsIssue as S;
    let data = fixture("good.safetensors");
    let c = open(&data, &Options::default()).unwrap();
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    let h = c.facts.safetensors.as_ref().unwrap();
    assert_eq!(h.metadata, [("format".to_owned(), "pt".to_owned())]);
    assert_eq!(h.tensors[0].end - h.tensors[0].start, 16);

    let st = |name: &str| {
        let data = fixture(name);
        let c = open(&data, &Options::default()).unwrap();
        c.issues
            .into_iter()
            .filter_map(|i| match i {
                ContainerIssue::Safetensors(s) => Some(s),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(matches!(st("dup.safetensors")[0], S::DuplicateName { ref name, .. } if name == "w"));
    assert!(matches!(
        st("gap.safetensors")[..],
        [S::NotContiguous {
            expected_start: 2,
            start: 4,
            ..
        }]
    ));
    assert!(matches!(
        st("size.safetensors")[..],
        [S::SizeMismatch {
            actual: 8,
            expected: Some(12),
            ..
        }]
    ));
    assert!(matches!(
        st("trailing.safetensors")[..],
        [S::BufferLengthMismatch {
            covered: 2,
            buffer: 5,
            ..
        }]
    ));
}

#[test]
fn compressed_wrappers_are_opened_with_a_limit() {
    for (name, format) in [
        ("pickle.gz", Format::Gzip),
        ("pickle.bz2", Format::Bzip2),
        ("pickle.xz", Format::Xz),
    ] {
        let data = fixture(name);
        let c = open(&data, &Options::default()).unwrap();
        assert_eq!(c.format, format);
        assert_eq!(c.facts.inner_format, Some(Format::RawPickle));
        assert_eq!(c.pickles.len(), 1, "{name}");
        assert!(!c.pickles[0].in_file);
    }
    let mut options = Options::default();
    options.limits.max_decompressed = 10;
    assert!(open(&fixture("pickle.bz2"), &options).is_err());
}

#[test]
fn local_field_mismatch_names_the_field() {
    // Flip the local method of torch_zip.pt's first entry from stored to deflate.
    let mut data = fixture("torch_zip.pt");
    data[8] = 8;
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c).iter().any(|i| matches!(
        i,
        ZipIssue::LocalFieldMismatch {
            field: HeaderField::Method,
            central: 0,
            local: 8,
            ..
        }
    )));
}

#[test]
fn storage_bytes_are_hashed_within_a_budget_or_when_asked() {
    // Corrupt the tensor bytes of data/0: a small record is CRC-checked within the per-file
    // budget; past the budget only verify_data reads it.
    let mut data = fixture("torch_zip.pt");
    data[317] ^= 0xFF;
    let is_crc = |c: &Container<'_>| {
        zip_issues(c)
            .iter()
            .any(|i| matches!(i, ZipIssue::CrcMismatch { name, .. } if name == "archive/data/0"))
    };
    assert!(is_crc(&open(&data, &Options::default()).unwrap()));
    let mut no_budget = Options::default();
    no_budget.limits.crc_storage_budget = 0;
    assert!(!is_crc(&open(&data, &no_budget).unwrap()));
    let verify = Options {
        verify_data: true,
        ..no_budget
    };
    assert!(is_crc(&open(&data, &verify).unwrap()));
}

#[test]
fn main_pickle_is_the_one_torch_resolves_storages_for() {
    let data = fixture("torchscript.pt");
    let c = open(&data, &Options::default()).unwrap();
    let (p, scope) = c.main_pickle().unwrap();
    assert_eq!(
        (p.role.clone(), scope),
        (PickleRole::DataPkl, StorageScope::Data)
    );
    let data = fixture("legacy.pt");
    let c = open(&data, &Options::default()).unwrap();
    let (p, scope) = c.main_pickle().unwrap();
    assert_eq!(
        (p.role.clone(), scope),
        (PickleRole::Legacy { index: 4 }, StorageScope::Legacy)
    );
    let data = fixture("raw_p2.bin");
    assert!(open(&data, &Options::default())
        .unwrap()
        .main_pickle()
        .is_none());
}

#[test]
fn format_version_and_alignment_are_facts() {
    let data = fixture("torch_zip.pt");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.facts.format_version.as_deref(), Some("1"));
    assert_eq!(c.facts.storage_alignment.as_deref(), Some("64"));
}

#[test]
fn overlapping_entries_are_reported() {
    let data = fixture("overlap.zip");
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::Zip);
    let issues = zip_issues(&c);
    assert!(issues.iter().any(|i| matches!(
        i,
        ZipIssue::Overlap { name, other, offset: 0 } if (name.as_str(), other.as_str()) == ("b.txt", "a.txt") || (name.as_str(), other.as_str()) == ("a.txt", "b.txt")
    )), "{issues:?}");
    // The second entry's local header names a.txt.
    assert!(issues
        .iter()
        .any(|i| matches!(i, ZipIssue::LocalNameMismatch { central, .. } if central == "b.txt")));
}

#[test]
fn entries_beyond_the_end_are_reported() {
    let data = fixture("beyond_eof.zip");
    let c = open(&data, &Options::default()).unwrap();
    assert!(zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::EntryBeyondEof { name, .. } if name == "a.txt")));
}

#[test]
fn declared_sizes_over_the_limit_are_reported() {
    let data = fixture("torch_zip.pt");
    let mut options = Options::default();
    options.limits.max_entry_size = 100;
    let c = open(&data, &options).unwrap();
    let over: Vec<_> = zip_issues(&c)
        .into_iter()
        .filter(|i| i.is_bomb())
        .filter_map(|i| match i {
            ZipIssue::DeclaredSizeOverLimit {
                name, limit: 100, ..
            } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    // Only data.pkl (over 100 bytes) is over the limit; the small records are not.
    assert_eq!(over, ["archive/data.pkl"]);
}

#[test]
fn too_many_entries_is_an_error() {
    let data = fixture("torch_zip.pt");
    let mut options = Options::default();
    options.limits.max_entries = 3;
    assert!(matches!(
        open(&data, &options),
        Err(tw_checkpoint::CheckpointError::Zip(
            tw_checkpoint::zip::ZipError::TooManyEntries {
                declared: 7,
                limit: 3,
                ..
            }
        ))
    ));
}

#[test]
fn a_zip_behind_junk_is_still_walked() {
    let mut data = b"\x00\x01 not a pickle".to_vec();
    data.extend(fixture("torch_zip.pt"));
    let c = open(&data, &Options::default()).unwrap();
    assert_eq!(c.format, Format::TorchZip);
    // Nothing to hand to the pickle scanner from the prefix, but the prefix is reported.
    assert!(c.pickles.iter().all(|p| p.role != PickleRole::Prefix));
    assert!(zip_issues(&c)
        .iter()
        .any(|i| matches!(i, ZipIssue::BytesBeforeFirstEntry { len: 15, .. })));
    assert_eq!(
        detect(b"plain text\n", &Options::default().limits),
        Format::Unknown
    );
}

#[test]
fn opening_with_the_detection_walk_equals_opening_afresh() {
    // open_detected reuses the zip directory walked while detecting; the container must be the
    // one open_as builds from scratch, for every committed input.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut zips = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md" || e == "py") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let options = Options::default();
        let detected = detect_keeping_zip(&data, &options.limits);
        let format = detected.format;
        zips += usize::from(format.is_zip() || format == Format::PickleZipPolyglot);
        let reused = format!("{:?}", open_detected(&data, detected, &options));
        let fresh = format!("{:?}", open_as(&data, format, &options));
        assert_eq!(reused, fresh, "{}", path.display());
        // A caller's own format replaces the detected one, and the walk is dropped with it.
        let raw = detect_keeping_zip(&data, &options.limits).with_format(Format::RawPickle);
        assert_eq!(
            format!("{:?}", open_detected(&data, raw, &options)),
            format!("{:?}", open_as(&data, Format::RawPickle, &options)),
            "{}",
            path.display()
        );
    }
    assert!(zips > 10, "only {zips} zip inputs");
}

#[test]
fn walks_give_back_pages_every_few_records_and_read_the_same() {
    use std::cell::Cell;
    use std::rc::Rc;
    use tw_checkpoint::pages::{with_release, RELEASE_EVERY};

    let data = fixture("torchscript.pt");
    let plain = format!("{:?}", open(&data, &Options::default()).unwrap());
    let runs = Rc::new(Cell::new(0u32));
    let seen = Rc::clone(&runs);
    let hooked = with_release(
        move || seen.set(seen.get() + 1),
        || format!("{:?}", open(&data, &Options::default()).unwrap()),
    );
    assert_eq!(hooked, plain);
    // 9 entries: walked by detection, by the directory walk and by the container reader.
    const { assert!(RELEASE_EVERY <= 9, "the fixture must span a release") };
    assert!(runs.get() >= 2, "released {} times", runs.get());
}

#[test]
fn tar_long_names_and_link_targets_come_from_gnu_and_pax_headers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/longname");
    let deep = ["a-rather-long-folder-name"; 5].join("/");
    for tag in ["gnu", "pax"] {
        let data = std::fs::read(dir.join(format!("bundle_{tag}.tar"))).unwrap();
        let members = tw_checkpoint::tar::members(&data, 64).unwrap();
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [format!("{deep}/pytorch_model.bin")], "{tag}");
        let data = std::fs::read(dir.join(format!("legacy_{tag}.tar"))).unwrap();
        let members = tw_checkpoint::tar::members(&data, 64).unwrap();
        let storages = members.iter().position(|m| m.name == "storages").unwrap();
        assert_eq!(members[storages].link, "p".repeat(120), "{tag}");
        let target = tw_checkpoint::tar::resolve(&members, storages).unwrap();
        assert_eq!(target.name, "p".repeat(120), "{tag}");
    }
}
