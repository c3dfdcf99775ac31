//! How large a pickle's value is once every shared reference is copied out: the size of the
//! graph as a tree. Loaders keep memo references (GET, DUP) shared, but every consumer that
//! copies per reference (printing, JSON, `deepcopy`, a converter, a scanner that lists values)
//! expands them, and a few kilobytes of references can stand for gigabytes ("billion laughs").
//! Computed once per node (iterative post-order, memoised), so the cost stays linear in the
//! graph even when the expansion is exponential; the count saturates just above the budget.

use crate::graph::{Graph, Node, NodeId};
use crate::machine::Parsed;

/// Bytes one node counts for itself besides its payload (the size of a [`Node`]).
const NODE_BYTES: u64 = 16;
/// Sentinel: not visited yet.
const UNVISITED: u64 = u64::MAX;
/// Sentinel: visited, its children still being counted (seen again, it closes a cycle).
const OPEN: u64 = u64::MAX - 1;

/// A pickle whose shared references expand past its budget ([`Parsed::expansion`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expansion {
    /// Bytes the root's value takes as a tree (a lower bound once above `limit`: counting
    /// stops there).
    pub bytes: u64,
    /// The budget: eight bytes per pickle byte plus [`crate::Limits::materialise_allowance`],
    /// the same bound extraction applies.
    pub limit: u64,
}

impl Parsed<'_> {
    /// The budget of bytes a walk of this pickle may materialise: eight per pickle byte plus
    /// [`crate::Limits::materialise_allowance`].
    pub fn materialise_budget(&self) -> u64 {
        let len = self.end.unwrap_or(self.start).saturating_sub(self.start);
        (len as u64)
            .saturating_mul(8)
            .saturating_add(self.limits.materialise_allowance)
    }

    /// `Some` when the root's value, with every shared reference copied out, exceeds
    /// [`Parsed::materialise_budget`]; `None` when it fits or there is no root.
    pub fn expansion(&self) -> Option<Expansion> {
        let root = self.root?;
        let limit = self.materialise_budget();
        let bytes = self.graph.tree_bytes(root, limit);
        (bytes > limit).then_some(Expansion { bytes, limit })
    }
}

impl Graph<'_> {
    /// Bytes the value at `root` takes as a tree (each node [`NODE_BYTES`] plus its string or
    /// bytes payload, shared nodes counted once per reference, a cycle's back reference once),
    /// counted up to just above `cap`.
    pub(crate) fn tree_bytes(&self, root: NodeId, cap: u64) -> u64 {
        let cap = cap.min(OPEN - 2).saturating_add(1);
        let mut sizes = vec![UNVISITED; self.len()];
        let mut stack = vec![(root, false)];
        let mut children = Vec::new();
        while let Some((id, exit)) = stack.pop() {
            let Some(slot) = sizes.get(id.index()).copied() else {
                continue;
            };
            if !exit {
                if slot != UNVISITED {
                    continue; // Counted already, or a cycle (counted at its parent's exit).
                }
                if let Some(s) = sizes.get_mut(id.index()) {
                    *s = OPEN;
                }
                stack.push((id, true));
                self.children_into(id, &mut children);
                stack.extend(children.iter().map(|&c| (c, false)));
                continue;
            }
            self.children_into(id, &mut children);
            let mut total = self.own_bytes(id);
            for child in &children {
                let size = match sizes.get(child.index()).copied() {
                    Some(OPEN | UNVISITED) | None => self.own_bytes(*child),
                    Some(size) => size,
                };
                total = total.saturating_add(size).min(cap);
            }
            if total >= cap {
                return cap;
            }
            if let Some(s) = sizes.get_mut(id.index()) {
                *s = total;
            }
        }
        sizes.get(root.index()).copied().unwrap_or(0).min(cap)
    }

    /// Bytes a node counts for itself: [`NODE_BYTES`] plus its text or bytes.
    fn own_bytes(&self, id: NodeId) -> u64 {
        let payload = match self.node(id) {
            Some(Node::Str(_) | Node::StrOwned(_)) => self.as_str(id).map_or(0, str::len),
            Some(Node::Bytes(_) | Node::BytesOwned(_)) => self.as_bytes(id).map_or(0, <[u8]>::len),
            Some(Node::ByteArray(_)) => self.as_bytearray(id).map_or(0, <[u8]>::len),
            Some(Node::BigIntLe(_) | Node::BigIntDecimal(_)) => match self.as_big_int(id) {
                Some(crate::graph::BigInt::LittleEndian(b)) => b.len(),
                Some(crate::graph::BigInt::Decimal(d)) => d.len(),
                None => 0,
            },
            _ => 0,
        };
        NODE_BYTES.saturating_add(payload as u64)
    }
}
