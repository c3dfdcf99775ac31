//! Storage and tensor validation over tw-pickle's object table (research §2.5, the
//! CVE-2026-24747 lessons; pytorch PR 170085): every storage a tensor uses has its record, the
//! declared element count times the element size equals the record length, a key is never
//! reused with another dtype, and every view (offset, sizes, strides) lies inside its storage as
//! declared (the size torch allocates from the persistent id, not the record's length).
//! All arithmetic is checked; an overflow counts as out of bounds. Storage bytes are not read.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use tw_pickle::torch::{ObjectTable, StorageRef, TensorKind, TensorRef};

use crate::container::{Container, StorageRecord, StorageScope};
use crate::legacy::LegacyError;
use crate::zip::cmp_ignoring_case;

/// A reason the tensors of a checkpoint do not fit its storages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TensorIssue {
    /// A persistent id names a key with no record (`data/<key>` missing, or not in the legacy
    /// key list).
    MissingStorage {
        /// Storage key.
        key: String,
        /// Offset of the persistent id in the pickle.
        offset: u64,
    },
    /// Declared element count times element size differs from the record length.
    StorageSizeMismatch {
        /// Storage key.
        key: String,
        /// Declared element count.
        numel: u64,
        /// Element size of the declared dtype.
        element_size: u64,
        /// `numel * element_size`, `None` on overflow.
        expected: Option<u64>,
        /// Length of the record.
        record_len: u64,
        /// Offset of the persistent id in the pickle.
        offset: u64,
    },
    /// A legacy record's element count differs from the declared numel.
    LegacyCountMismatch {
        /// Storage key.
        key: String,
        /// Declared element count.
        numel: u64,
        /// Count written before the record.
        count: u64,
        /// Offset of the count in the file.
        offset: u64,
    },
    /// A legacy record runs past the end of the file (checked before anything is sized).
    LegacyRecordPastEnd {
        /// Storage key.
        key: String,
        /// Declared count (signed, as read).
        count: i64,
        /// Bytes left.
        available: u64,
        /// Offset of the count in the file.
        offset: u64,
    },
    /// One storage key is used with two dtypes (CVE-2026-24747).
    DtypeConflict {
        /// Storage key.
        key: String,
        /// The dtype seen first.
        first: &'static str,
        /// The other dtype.
        second: &'static str,
        /// Offset of the second persistent id.
        offset: u64,
    },
    /// A tensor's elements reach outside its storage as declared (numel times element size).
    ViewOutOfBounds {
        /// Dotted path of the tensor.
        tensor: String,
        /// Storage key.
        key: String,
        /// Bytes the view needs from the storage start (`None` on overflow).
        needed: Option<u64>,
        /// Bytes the storage is declared with (of its legacy view, for a view).
        available: u64,
        /// Offset of the rebuild call in the pickle.
        offset: u64,
    },
}

/// One tensor as `inspect` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TensorInfo {
    /// Dotted path (`""` for a bare tensor).
    pub name: String,
    /// torch dtype name without the module (`float32`).
    pub dtype: &'static str,
    /// Sizes.
    pub shape: Vec<u64>,
    /// Strides in elements.
    pub stride: Vec<u64>,
    /// Storage key, if the tensor has a storage.
    pub storage_key: Option<String>,
    /// Offset into the storage, in elements.
    pub storage_offset: u64,
    /// Absolute file offset of the view's first element, when the record is stored
    /// uncompressed in the file.
    pub file_offset: Option<u64>,
    /// Bytes the tensor's elements take (`numel * element size`), `None` on overflow.
    pub bytes: Option<u64>,
    /// What rebuilt it (`dense`, `parameter`, `quantized` ...).
    pub kind: &'static str,
    /// `requires_grad`.
    pub requires_grad: bool,
}

/// The tensors of a checkpoint, validated against its storage records (its other values need
/// no validation: they are the [`ObjectTable`]'s `values`, as extracted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TensorTable {
    /// Tensors in walk order.
    pub tensors: Vec<TensorInfo>,
    /// The storage records the tensors resolved to (for a legacy stream, walked here).
    pub storages: Vec<StorageRecord>,
    /// Everything that does not fit.
    pub issues: Vec<TensorIssue>,
}

fn kind_name(kind: TensorKind) -> &'static str {
    match kind {
        TensorKind::Dense => "dense",
        TensorKind::Parameter => "parameter",
        TensorKind::Quantized => "quantized",
        TensorKind::Sparse => "sparse",
        TensorKind::Meta => "meta",
        TensorKind::Nested => "nested",
        TensorKind::WrapperSubclass => "wrapper_subclass",
        TensorKind::Subclass => "subclass",
        TensorKind::DeviceFromNumpy => "device_from_numpy",
    }
}

/// Bytes from the storage start that a view needs: `(offset + Σ (size_i - 1) * stride_i + 1) *
/// element_size`, or 0 when it has no elements. `None` on overflow.
pub fn view_extent(offset: u64, shape: &[u64], stride: &[u64], element_size: u64) -> Option<u64> {
    if shape.contains(&0) {
        return Some(0);
    }
    let last = shape
        .iter()
        .zip(stride)
        .try_fold(offset, |acc, (&size, &st)| {
            acc.checked_add((size - 1).checked_mul(st)?)
        })?;
    last.checked_add(1)?.checked_mul(element_size)
}

impl TensorTable {
    /// Validates `objects` (extracted from the pickle of `container` whose storages live in
    /// `scope`) against the storage records. For a legacy stream the records are walked here
    /// from `data` (the whole file), with element sizes from the object pickle's storages.
    pub fn build(
        container: &Container<'_>,
        scope: StorageScope,
        objects: &ObjectTable,
        data: &[u8],
    ) -> TensorTable {
        let mut tensors = Vec::with_capacity(objects.tensors.len());
        let checked = Check::run(container, scope, objects, data, Some(&mut tensors));
        TensorTable {
            tensors,
            storages: checked.records.into_iter().map(Cow::into_owned).collect(),
            issues: checked.issues,
        }
    }

    /// The issues [`TensorTable::build`] finds, in the same order, without listing tensors and
    /// records (what a scan needs: no copy of any path, shape or key that fits).
    pub fn issues_of(
        container: &Container<'_>,
        scope: StorageScope,
        objects: &ObjectTable,
        data: &[u8],
    ) -> Vec<TensorIssue> {
        Check::run(container, scope, objects, data, None).issues
    }
}

/// One validation: the records the storage keys resolved to (borrowed from the container, or
/// walked here for a legacy stream) and the issues found.
struct Check<'c> {
    records: Vec<Cow<'c, StorageRecord>>,
    /// Indices into `records` sorted by (key, index), for a legacy stream's records: the first
    /// record with a key is found by binary search instead of a scan.
    by_key: Vec<usize>,
    issues: Vec<TensorIssue>,
}

impl<'c> Check<'c> {
    fn run(
        container: &'c Container<'_>,
        scope: StorageScope,
        objects: &ObjectTable,
        data: &[u8],
        mut tensors: Option<&mut Vec<TensorInfo>>,
    ) -> Check<'c> {
        let mut check = Check {
            records: Vec::new(),
            by_key: Vec::new(),
            issues: Vec::new(),
        };
        // Each distinct key once, as first referenced; every tensor remembers its key's slot,
        // so a key is hashed once per tensor and resolved once.
        let count = objects.tensors.len();
        let mut slot_of: HashMap<&str, usize> = HashMap::with_capacity(count);
        let mut distinct: Vec<&StorageRef> = Vec::new();
        let mut tensor_slot: Vec<Option<usize>> = Vec::with_capacity(count);
        for t in &objects.tensors {
            let slot = t.storage.as_ref().map(|s| {
                if let Some(&slot) = slot_of.get(s.key.as_str()) {
                    if let Some(first) = distinct.get(slot).filter(|f| f.dtype != s.dtype) {
                        check.issues.push(TensorIssue::DtypeConflict {
                            key: s.key.clone(),
                            first: first.dtype.torch_name(),
                            second: s.dtype.torch_name(),
                            offset: s.offset,
                        });
                    }
                    slot
                } else {
                    slot_of.insert(&s.key, distinct.len());
                    distinct.push(s);
                    distinct.len() - 1
                }
            });
            tensor_slot.push(slot);
        }
        let mut by_offset: Vec<usize> = (0..distinct.len()).collect();
        by_offset.sort_by_key(|&i| distinct.get(i).map_or(0, |s| s.offset));
        // The record each distinct key resolves to: the first record whose key is exactly it.
        let mut record_of: Vec<Option<usize>> = vec![None; distinct.len()];
        if scope == StorageScope::Legacy {
            check.walk_legacy(container, &slot_of, &distinct, data);
            check.by_key = (0..check.records.len()).collect();
            let records = &check.records;
            check.by_key.sort_unstable_by(|&a, &b| {
                key_of(records, a).cmp(key_of(records, b)).then(a.cmp(&b))
            });
            for (slot, s) in distinct.iter().enumerate() {
                if let Some(entry) = record_of.get_mut(slot) {
                    *entry = check.record_index(&s.key);
                }
            }
        } else {
            let index = ContainerIndex::new(container, scope);
            for &slot in &by_offset {
                let Some(s) = distinct.get(slot) else {
                    continue;
                };
                match index.storage(container, &s.key) {
                    Some(record) => {
                        // A record matched only ignoring case is no earlier record's exact key
                        // either (case variants resolve to the same record): none.
                        if record.key == s.key {
                            if let Some(entry) = record_of.get_mut(slot) {
                                *entry = Some(check.records.len());
                            }
                        }
                        check.records.push(Cow::Borrowed(record));
                    }
                    None => check.issues.push(TensorIssue::MissingStorage {
                        key: s.key.clone(),
                        offset: s.offset,
                    }),
                }
            }
        }
        let record = |slot: Option<usize>| -> Option<usize> {
            slot.and_then(|i| record_of.get(i).copied().flatten())
        };
        for &slot in &by_offset {
            if let Some(s) = distinct.get(slot) {
                check.check_size(s, record(Some(slot)));
            }
        }
        for (t, slot) in objects.tensors.iter().zip(tensor_slot) {
            let file_offset = check.check_tensor(t, record(slot));
            if let Some(out) = tensors.as_deref_mut() {
                out.push(describe(t, file_offset));
            }
        }
        check
    }

    /// Index of the first record (in resolution order) whose key is exactly `key`.
    fn record_index(&self, key: &str) -> Option<usize> {
        let records = &self.records;
        let at = self.by_key.partition_point(|&i| key_of(records, i) < key);
        let i = *self.by_key.get(at)?;
        records.get(i).filter(|r| r.key == key).map(|_| i)
    }

    fn walk_legacy(
        &mut self,
        container: &Container<'_>,
        slot_of: &HashMap<&str, usize>,
        distinct: &[&StorageRef],
        data: &[u8],
    ) {
        let Some(stream) = &container.facts.legacy else {
            return;
        };
        let walked = stream.records(data, |key| {
            let s = distinct.get(*slot_of.get(key)?)?;
            Some(s.dtype.element_size())
        });
        match walked {
            Ok((records, _end)) => {
                for r in records {
                    self.records.push(Cow::Owned(StorageRecord {
                        key: r.key,
                        scope: StorageScope::Legacy,
                        entry: String::new(),
                        start: r.start,
                        end: r.end,
                        len: r.end - r.start,
                        compressed: false,
                        legacy_count: Some(r.count),
                    }));
                }
            }
            Err(LegacyError::UnknownKey { key }) => {
                self.issues
                    .push(TensorIssue::MissingStorage { key, offset: 0 });
            }
            Err(LegacyError::RecordPastEnd {
                key,
                offset,
                count,
                available,
                ..
            }) => self.issues.push(TensorIssue::LegacyRecordPastEnd {
                key,
                count,
                available,
                offset,
            }),
            Err(_) => {}
        }
        for s in distinct {
            if !stream.keys.contains(&s.key) {
                self.issues.push(TensorIssue::MissingStorage {
                    key: s.key.clone(),
                    offset: s.offset,
                });
            }
        }
    }

    /// numel * element size == record length (zip) or count == numel (legacy).
    fn check_size(&mut self, s: &StorageRef, record: Option<usize>) {
        let Some(record) = record.and_then(|i| self.records.get(i)) else {
            return;
        };
        let issue = if let Some(count) = record.legacy_count {
            (count != s.numel).then(|| TensorIssue::LegacyCountMismatch {
                key: s.key.clone(),
                numel: s.numel,
                count,
                offset: record.start.saturating_sub(8),
            })
        } else {
            let element_size = s.dtype.element_size();
            let expected = s.numel.checked_mul(element_size);
            (expected != Some(record.len)).then(|| TensorIssue::StorageSizeMismatch {
                key: s.key.clone(),
                numel: s.numel,
                element_size,
                expected,
                record_len: record.len,
                offset: s.offset,
            })
        };
        self.issues.extend(issue);
    }

    /// Checks the tensor's view against its storage; returns the file offset of its first
    /// element when the record is stored uncompressed.
    fn check_tensor(&mut self, t: &TensorRef, record: Option<usize>) -> Option<u64> {
        let element_size = t.dtype.element_size();
        let s = t.storage.as_ref()?;
        // The bytes torch allocates for the storage: the numel declared in the persistent
        // id times the element size, whatever the record holds (a record of another length
        // is a StorageSizeMismatch of its own). A legacy view narrows it to the view's slice.
        let mut base = 0u64;
        let mut available = s.numel.saturating_mul(s.dtype.element_size());
        if let Some((_, view_offset, view_size)) = &s.view {
            let se = s.dtype.element_size();
            let vs = view_offset.checked_mul(se);
            let ve = view_offset
                .checked_add(*view_size)
                .and_then(|e| e.checked_mul(se));
            match (vs, ve) {
                (Some(vs), Some(ve)) if ve <= available => {
                    base = vs;
                    available = ve - vs;
                }
                _ => available = 0,
            }
        }
        let needed = view_extent(t.storage_offset, &t.shape, &t.stride, element_size);
        let file_offset = record
            .and_then(|i| self.records.get(i))
            .filter(|r| !r.compressed)
            .and_then(|r| {
                r.start
                    .checked_add(base)?
                    .checked_add(t.storage_offset.checked_mul(element_size)?)
            });
        if t.shape.len() != t.stride.len() || needed.is_none_or(|n| n > available) {
            self.issues.push(TensorIssue::ViewOutOfBounds {
                tensor: t.path.clone(),
                key: s.key.clone(),
                needed,
                available,
                offset: t.offset,
            });
        }
        file_offset
    }
}

fn key_of<'r>(records: &'r [Cow<'_, StorageRecord>], i: usize) -> &'r str {
    records.get(i).map_or("", |r| r.key.as_str())
}

/// [`Container::storage`] for many keys: the container's records of one scope sorted by
/// (ASCII-folded key, position), searched by key ignoring case.
struct ContainerIndex {
    scope: StorageScope,
    order: Vec<usize>,
}

impl ContainerIndex {
    fn new(container: &Container<'_>, scope: StorageScope) -> Self {
        let records = &container.storages;
        let key = |i: usize| records.get(i).map_or("", |r| r.key.as_str());
        let mut order: Vec<usize> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.scope == scope)
            .map(|(i, _)| i)
            .collect();
        order.sort_unstable_by(|&a, &b| {
            cmp_ignoring_case(key(a).as_bytes(), key(b).as_bytes()).then(a.cmp(&b))
        });
        ContainerIndex { scope, order }
    }

    /// The record [`Container::storage`] returns for `key`.
    fn storage<'c>(&self, container: &'c Container<'_>, key: &str) -> Option<&'c StorageRecord> {
        if self.scope == StorageScope::Legacy {
            // Legacy keys compare exactly; never searched here, kept exact for completeness.
            return container.storage(self.scope, key);
        }
        let records = &container.storages;
        let folded = |i: usize| records.get(i).map_or("", |r| r.key.as_str()).as_bytes();
        let at = self.order.partition_point(|&i| {
            cmp_ignoring_case(folded(i), key.as_bytes()) == std::cmp::Ordering::Less
        });
        let i = *self.order.get(at)?;
        records.get(i).filter(|r| r.key.eq_ignore_ascii_case(key))
    }
}

/// A tensor as `inspect` lists it.
fn describe(t: &TensorRef, file_offset: Option<u64>) -> TensorInfo {
    let element_size = t.dtype.element_size();
    TensorInfo {
        name: t.path.clone(),
        dtype: t.dtype.torch_name(),
        shape: t.shape.clone(),
        stride: t.stride.clone(),
        storage_key: t.storage.as_ref().map(|s| s.key.clone()),
        storage_offset: t.storage_offset,
        file_offset,
        bytes: t.numel().and_then(|n| n.checked_mul(element_size)),
        kind: kind_name(t.kind),
        requires_grad: t.requires_grad,
    }
}
