//! Storage and tensor validation: tw-pickle's object table checked against the records.

use tw_checkpoint::{open, view_extent, Options, StorageScope, TensorIssue, TensorTable};
use tw_pickle::{parse, ParseOptions, Profile};

use super::fixture;

fn table(name: &str) -> TensorTable {
    let data = fixture(name);
    let c = open(&data, &Options::default()).unwrap();
    let source = c
        .pickles
        .iter()
        .find(|p| p.role.storage_scope().is_some())
        .unwrap();
    let scope = source.role.storage_scope().unwrap();
    let parsed = parse(&source.bytes, &ParseOptions::new(Profile::WeightsOnly));
    assert!(parsed.error.is_none(), "{:?}", parsed.error);
    let objects = tw_pickle::torch::extract(&parsed).unwrap();
    let table = TensorTable::build(&c, scope, &objects, &data);
    // A scan asks for the issues alone: they must be the table's, in the same order.
    assert_eq!(
        TensorTable::issues_of(&c, scope, &objects, &data),
        table.issues
    );
    table
}

#[test]
fn a_valid_zip_checkpoint_has_a_clean_table() {
    let t = table("torch_zip.pt");
    assert!(t.issues.is_empty(), "{:?}", t.issues);
    assert_eq!(t.tensors.len(), 1);
    let w = &t.tensors[0];
    assert_eq!(w.name, "weight");
    assert_eq!(w.dtype, "float32");
    assert_eq!(w.shape, [2, 2]);
    assert_eq!(w.stride, [2, 1]);
    assert_eq!(w.storage_key.as_deref(), Some("0"));
    assert_eq!(w.bytes, Some(16));
    assert_eq!(w.file_offset, Some(317));
}

#[test]
fn record_shorter_than_declared_numel_is_a_size_mismatch() {
    let t = table("torch_size_mismatch.pt");
    assert!(t.issues.iter().any(|i| matches!(
        i,
        TensorIssue::StorageSizeMismatch {
            numel: 4,
            element_size: 4,
            expected: Some(16),
            record_len: 8,
            ..
        }
    )));
    // The view fits the declared size (what torch allocates): the short record is only a
    // size mismatch, not an out-of-bounds view.
    assert!(
        !t.issues
            .iter()
            .any(|i| matches!(i, TensorIssue::ViewOutOfBounds { .. })),
        "{:?}",
        t.issues
    );
}

#[test]
fn views_are_bounded_by_the_declared_size_not_the_record() {
    // Declared numel 2 (8 bytes), record 16 bytes, view 2x2 (16 bytes): the record is long
    // enough, but torch allocates 8 bytes.
    let t = table("view_past_declared.pt");
    assert!(t.issues.iter().any(|i| matches!(
        i,
        TensorIssue::StorageSizeMismatch {
            numel: 2,
            expected: Some(8),
            record_len: 16,
            ..
        }
    )));
    assert!(
        t.issues.iter().any(|i| matches!(
            i,
            TensorIssue::ViewOutOfBounds {
                needed: Some(16),
                available: 8,
                ..
            }
        )),
        "{:?}",
        t.issues
    );
}

#[test]
fn legacy_records_are_walked_and_counts_checked() {
    let t = table("legacy.pt");
    assert!(t.issues.is_empty(), "{:?}", t.issues);
    assert_eq!(t.storages.len(), 1);
    assert_eq!(t.storages[0].scope, StorageScope::Legacy);
    assert_eq!(t.storages[0].legacy_count, Some(4));

    let t = table("legacy_bad_count.pt");
    assert!(matches!(
        t.issues[..],
        [
            TensorIssue::LegacyRecordPastEnd {
                count: 1000,
                available: 16,
                ..
            },
            ..
        ]
    ));

    let t = table("legacy_short_count.pt");
    assert!(t.issues.iter().any(|i| matches!(
        i,
        TensorIssue::LegacyCountMismatch {
            numel: 4,
            count: 2,
            ..
        }
    )));
}

#[test]
fn view_extent_is_checked_arithmetic() {
    assert_eq!(view_extent(0, &[2, 2], &[2, 1], 4), Some(16));
    assert_eq!(view_extent(5, &[0, 3], &[1, 1], 4), Some(0));
    assert_eq!(view_extent(1, &[3], &[0], 2), Some(4));
    assert_eq!(view_extent(0, &[2], &[u64::MAX], 1), None);
    assert_eq!(view_extent(u64::MAX, &[1], &[1], 1), None);
}

#[test]
fn one_key_with_two_dtypes_is_a_conflict() {
    let t = table("dtype_conflict.pt");
    assert!(
        t.issues.iter().any(|i| matches!(
            i,
            TensorIssue::DtypeConflict { key, first: "float32", second: "int64", .. } if key == "0"
        )),
        "{:?}",
        t.issues
    );
}

#[test]
fn a_view_past_its_storage_is_out_of_bounds() {
    let t = table("view_oob.pt");
    assert!(
        matches!(
            t.issues[..],
            [TensorIssue::ViewOutOfBounds {
                needed: Some(24),
                available: 16,
                ..
            }]
        ),
        "{:?}",
        t.issues
    );
}
