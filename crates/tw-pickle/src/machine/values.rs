//! Values and mutations of the pickle machine: pushing decoded values (borrowed from the input
//! when possible), the memo, and SETITEM(S)/APPEND(S)/ADDITEMS applied in place.

use std::borrow::Cow;

use super::{to_u64, Machine, Result};
use crate::error::PickleError;
use crate::graph::{Node, NodeId, PyType};
use crate::limits::LimitKind;
use crate::policy::ViolationKind;
use crate::text::{self, TextInt};

impl<'a> Machine<'a, '_> {
    // ---- mutations -----------------------------------------------------------------------

    /// `SETITEM(S)`: applies `items` (key, value, key, value ...) to `target`.
    pub(super) fn set_items(&mut self, target: NodeId, start: usize) -> Result<()> {
        let count = self.stack.len().saturating_sub(start);
        if !count.is_multiple_of(2) {
            return Err(PickleError::OddItemCount {
                opcode: self.opcode,
                offset: self.offset(),
                count: to_u64(count),
            });
        }
        let ty = self.graph.py_type(target);
        if !matches!(ty, PyType::Dict | PyType::OrderedDict | PyType::Counter) {
            self.violate(ViolationKind::InvalidSetItemTarget { target: ty })?;
        }
        let depth = self
            .depth_of(self.stack.get(start..).unwrap_or(&[]))
            .saturating_sub(1);
        let items = std::mem::take(&mut self.stack);
        let pairs = items
            .get(start..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .filter_map(|p| Some((*p.first()?, *p.get(1)?)));
        match self.graph.nodes.get(target.index()).copied() {
            Some(Node::Dict(d)) => {
                if let Some(entries) = self.graph.dicts.get_mut(d as usize) {
                    entries.extend(pairs);
                }
            }
            Some(Node::Object(_)) => {
                if let Some(m) = self.mutations_of(target) {
                    m.items.extend(pairs);
                }
            }
            _ => {}
        }
        self.stack = items;
        self.stack.truncate(start);
        self.deepen(target, depth)
    }

    /// `APPEND(S)`/ADDITEMS: applies `stack[start..]` to `target`.
    pub(super) fn append_items(&mut self, target: NodeId, start: usize, set: bool) -> Result<()> {
        let ty = self.graph.py_type(target);
        if !set && ty != PyType::List {
            self.violate(ViolationKind::InvalidAppendTarget { target: ty })?;
        }
        let depth = self
            .depth_of(self.stack.get(start..).unwrap_or(&[]))
            .saturating_sub(1);
        let items = std::mem::take(&mut self.stack);
        let new = items.get(start..).unwrap_or(&[]);
        match self.graph.nodes.get(target.index()).copied() {
            Some(Node::List(l) | Node::Set(l)) => {
                if let Some(list) = self.graph.lists.get_mut(l as usize) {
                    list.extend_from_slice(new);
                }
            }
            Some(Node::Object(_)) => {
                if let Some(m) = self.mutations_of(target) {
                    m.appended.extend_from_slice(new);
                }
            }
            _ => {}
        }
        self.stack = items;
        self.stack.truncate(start);
        self.deepen(target, depth)
    }

    #[inline]
    pub(super) fn memo_get(&mut self, index: u64) -> Result<()> {
        let id = self.memo.get(index).ok_or(PickleError::MemoMissing {
            index,
            offset: self.offset(),
        })?;
        self.push(id)
    }

    #[inline]
    pub(super) fn memo_put(&mut self, index: u64) -> Result<()> {
        let id = self.top()?;
        let max = self.limits().max_memo_entries;
        if !self.memo.put(index, id, max) {
            return Err(self.limit(LimitKind::MemoEntries, to_u64(max), to_u64(max) + 1));
        }
        Ok(())
    }

    #[inline]
    pub(super) fn push_text(&mut self, bytes: &'a [u8]) -> Result<()> {
        match text::utf8(bytes) {
            Cow::Borrowed(s) => self.borrowed_str(s),
            Cow::Owned(s) => self.owned_str(s),
        }
    }

    /// A string node borrowing the input.
    #[inline]
    pub(super) fn borrowed_str(&mut self, text: &'a str) -> Result<()> {
        let index = self.side_index(self.graph.texts.len())?;
        self.graph.texts.push(text);
        self.push_new(Node::Str(index))
    }

    /// A bytes-like node borrowing the input (`make` picks the variant).
    pub(super) fn borrowed_bytes(&mut self, bytes: &'a [u8], make: fn(u32) -> Node) -> Result<()> {
        let index = self.side_index(self.graph.slices.len())?;
        self.graph.slices.push(bytes);
        self.push_new(make(index))
    }

    pub(super) fn side_index(&self, len: usize) -> Result<u32> {
        u32::try_from(len)
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), to_u64(len)))
    }

    /// Protocol 1/2 byte strings: torch decodes them as UTF-8; keep bytes when that fails.
    pub(super) fn push_binstring(&mut self, bytes: Cow<'a, [u8]>) -> Result<()> {
        match bytes {
            Cow::Borrowed(b) => match std::str::from_utf8(b) {
                Ok(s) => self.borrowed_str(s),
                Err(_) => self.borrowed_bytes(b, Node::Bytes),
            },
            Cow::Owned(b) => match String::from_utf8(b) {
                Ok(s) => self.owned_str(s),
                Err(e) => self.owned_bytes(e.into_bytes()),
            },
        }
    }

    pub(super) fn push_long_bytes(&mut self, bytes: &'a [u8]) -> Result<()> {
        if bytes.len() <= 8 {
            let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
            let mut buf = if negative { [0xffu8; 8] } else { [0u8; 8] };
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            return self.push_new(Node::Int(i64::from_le_bytes(buf)));
        }
        self.borrowed_bytes(bytes, Node::BigIntLe)
    }

    pub(super) fn push_text_int(&mut self, value: TextInt<'a>) -> Result<()> {
        match value {
            TextInt::Bool(b) => self.push_new(Node::Bool(b)),
            TextInt::Small(i) => self.push_new(Node::Int(i)),
            TextInt::Big(s) => {
                let index = self.side_index(self.graph.texts.len())?;
                self.graph.texts.push(s);
                self.push_new(Node::BigIntDecimal(index))
            }
        }
    }
}
