//! The memo of the pickle machine: a dense vector for the consecutive indices writers use and a
//! map for the rest, so a huge index costs one entry; the entry count is bounded by the limit.

use std::collections::HashMap;

use crate::graph::NodeId;
use crate::limits::Limits;

/// Sentinel for an empty dense memo slot.
pub(super) const EMPTY: u32 = u32::MAX;

/// The memo: a dense vector for the small consecutive indices writers use, a map for the rest
/// (so `LONG_BINPUT 0xffffffff` costs one map entry, not 16 GiB).
#[derive(Default)]
pub(super) struct Memo {
    dense: Vec<u32>,
    sparse: HashMap<u64, NodeId>,
    pub(super) count: usize,
}

impl Memo {
    /// A memo sized for a pickle of `len` bytes: torch pickles memoise about one value every
    /// 16 bytes. Reservation is best effort (virtual memory, touched only when used).
    pub(super) fn with_estimate(len: usize, limits: &Limits) -> Self {
        let mut memo = Memo::default();
        let _ = memo
            .dense
            .try_reserve((len / 12).min(limits.max_memo_entries).min(1 << 24));
        memo
    }

    #[inline]
    pub(super) fn get(&self, index: u64) -> Option<NodeId> {
        if let Some(&slot) = usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            return (slot != EMPTY).then_some(NodeId(slot));
        }
        self.sparse.get(&index).copied()
    }

    /// Stores `id` at `index`; returns false when a new entry would exceed `max`.
    #[inline]
    pub(super) fn put(&mut self, index: u64, id: NodeId, max: usize) -> bool {
        // Fast path: the next consecutive index, as every pickler writes them.
        if usize::try_from(index).is_ok_and(|i| i == self.dense.len() && i < max) {
            if self.count >= max {
                return false;
            }
            self.count += 1;
            self.dense.push(id.0);
            return true;
        }
        self.put_any(index, id, max)
    }

    /// [`Memo::put`] for any index: overwrites, gaps and huge indices.
    fn put_any(&mut self, index: u64, id: NodeId, max: usize) -> bool {
        let dense_ok = usize::try_from(index)
            .ok()
            .filter(|&i| i < self.dense.len().saturating_add(65_536) && i < max);
        if let Some(i) = dense_ok {
            if i >= self.dense.len() {
                self.dense.resize(i + 1, EMPTY);
            }
            if let Some(slot) = self.dense.get_mut(i) {
                if *slot == EMPTY {
                    if self.count >= max {
                        return false;
                    }
                    self.count += 1;
                }
                *slot = id.0;
            }
            return true;
        }
        if !self.sparse.contains_key(&index) {
            if self.count >= max {
                return false;
            }
            self.count += 1;
        }
        self.sparse.insert(index, id);
        true
    }
}
