//! One arm per opcode (pickletools order): what each opcode of protocols 0-5 does to the stack,
//! the memo and the graph; arguments are read through the bounded reader of the machine.

use std::borrow::Cow;

use super::{to_u64, BuildRecord, Machine, Result};
use crate::error::PickleError;
use crate::graph::{CallKind, GlobalTarget, Node, NodeId, Seq};
use crate::limits::LimitKind;
use crate::opcode::Opcode;
use crate::policy::ViolationKind;
use crate::text::{self};

impl Machine<'_, '_> {
    /// Executes one opcode; returns the root at STOP.
    ///
    /// One arm per opcode, pickletools order. Called once, from the opcode loop: inlining it
    /// saves a call frame per opcode (callgrind: -24% instructions per parse of
    /// benches/throughput.rs).
    #[allow(clippy::too_many_lines, clippy::inline_always)]
    #[inline(always)]
    pub(super) fn step(&mut self, opcode: Opcode) -> Result<Option<NodeId>> {
        match opcode {
            // -- integers
            Opcode::BinInt => {
                let v = i32::from_le_bytes(self.array()?);
                self.push_new(Node::Int(i64::from(v)))?;
            }
            Opcode::BinInt1 => {
                let v = self.byte()?;
                self.push_new(Node::Int(i64::from(v)))?;
            }
            Opcode::BinInt2 => {
                let v = u16::from_le_bytes(self.array()?);
                self.push_new(Node::Int(i64::from(v)))?;
            }
            Opcode::Int | Opcode::Long => {
                let line = self.line()?;
                let value = text::parse_int(line, opcode == Opcode::Long)
                    .ok_or_else(|| self.invalid("not a decimal integer"))?;
                self.push_text_int(value)?;
            }
            Opcode::Long1 => {
                let n = self.byte()?;
                let bytes = self.take(usize::from(n))?;
                self.push_long_bytes(bytes)?;
            }
            Opcode::Long4 => {
                let n = i32::from_le_bytes(self.array()?);
                let n = u64::try_from(n).map_err(|_| PickleError::NegativeLength {
                    opcode,
                    offset: self.offset(),
                    length: i64::from(n),
                })?;
                let bytes = self.take_len(n)?;
                self.push_long_bytes(bytes)?;
            }
            // -- byte strings
            Opcode::String => {
                let line = self.line()?;
                let bytes = text::parse_quoted(line)
                    .ok_or_else(|| self.invalid("not a quoted Python string"))?;
                self.push_binstring(bytes)?;
            }
            Opcode::BinString => {
                let n = i32::from_le_bytes(self.array()?);
                let n = u64::try_from(n).map_err(|_| PickleError::NegativeLength {
                    opcode,
                    offset: self.offset(),
                    length: i64::from(n),
                })?;
                let bytes = self.take_len(n)?;
                self.push_binstring(Cow::Borrowed(bytes))?;
            }
            Opcode::ShortBinString => {
                let n = self.byte()?;
                let bytes = self.take(usize::from(n))?;
                self.push_binstring(Cow::Borrowed(bytes))?;
            }
            Opcode::BinBytes => {
                let n = u32::from_le_bytes(self.array()?);
                let bytes = self.take_len(u64::from(n))?;
                self.borrowed_bytes(bytes, Node::Bytes)?;
            }
            Opcode::ShortBinBytes => {
                let n = self.byte()?;
                let bytes = self.take(usize::from(n))?;
                self.borrowed_bytes(bytes, Node::Bytes)?;
            }
            Opcode::BinBytes8 | Opcode::ByteArray8 => {
                let n = u64::from_le_bytes(self.array()?);
                let bytes = self.take_len(n)?;
                let make = if opcode == Opcode::ByteArray8 {
                    Node::ByteArray
                } else {
                    Node::Bytes
                };
                self.borrowed_bytes(bytes, make)?;
            }
            Opcode::NextBuffer => {
                let index = self.buffers;
                self.buffers = self.buffers.saturating_add(1);
                self.push_new(Node::Buffer {
                    index,
                    readonly: false,
                })?;
            }
            Opcode::ReadonlyBuffer => {
                let id = self.top()?;
                if let Some(Node::Buffer { readonly, .. }) = self.graph.nodes.get_mut(id.index()) {
                    *readonly = true;
                }
            }
            // -- constants
            Opcode::None => self.push_new(Node::None)?,
            Opcode::NewTrue => self.push_new(Node::Bool(true))?,
            Opcode::NewFalse => self.push_new(Node::Bool(false))?,
            // -- text strings
            Opcode::Unicode => {
                let line = self.line()?;
                let text = text::parse_raw_unicode(line)
                    .ok_or_else(|| self.invalid("malformed raw-unicode-escape"))?;
                match text {
                    Cow::Borrowed(s) => self.borrowed_str(s)?,
                    Cow::Owned(s) => self.owned_str(s)?,
                }
            }
            Opcode::ShortBinUnicode => {
                let n = self.byte()?;
                let bytes = self.take(usize::from(n))?;
                self.push_text(bytes)?;
            }
            Opcode::BinUnicode => {
                let n = u32::from_le_bytes(self.array()?);
                let bytes = self.take_len(u64::from(n))?;
                self.push_text(bytes)?;
            }
            Opcode::BinUnicode8 => {
                let n = u64::from_le_bytes(self.array()?);
                let bytes = self.take_len(n)?;
                self.push_text(bytes)?;
            }
            // -- floats
            Opcode::Float => {
                let line = self.line()?;
                let v = text::parse_float(line).ok_or_else(|| self.invalid("not a float"))?;
                self.push_new(Node::Float(v))?;
            }
            Opcode::BinFloat => {
                let v = f64::from_be_bytes(self.array()?);
                self.push_new(Node::Float(v))?;
            }
            // -- containers
            Opcode::EmptyList => {
                let id = self.new_list(Vec::new(), false, 1)?;
                self.push(id)?;
            }
            Opcode::Append => {
                let value = self.pop()?;
                let target = self.top()?;
                let start = self.stack.len();
                self.stack.push(value);
                self.append_items(target, start, false)?;
            }
            Opcode::Appends => {
                let start = self.pop_mark()?;
                let target = self.target_below(start)?;
                self.append_items(target, start, false)?;
            }
            Opcode::List => {
                let start = self.pop_mark()?;
                let items = self.stack.get(start..).unwrap_or(&[]).to_vec();
                let depth = self.depth_of(&items);
                self.stack.truncate(start);
                let id = self.new_list(items, false, depth)?;
                self.push(id)?;
            }
            Opcode::EmptyTuple => self.push_new(Node::Tuple(Seq {
                start: 0,
                len: 0,
                depth: 1,
            }))?,
            Opcode::Tuple => {
                let start = self.pop_mark()?;
                self.push_seq(start, false)?;
            }
            Opcode::Tuple1 | Opcode::Tuple2 | Opcode::Tuple3 => {
                let n = match opcode {
                    Opcode::Tuple1 => 1,
                    Opcode::Tuple2 => 2,
                    _ => 3,
                };
                if self.stack.len() < self.floor() + n {
                    return Err(self.underflow(n));
                }
                let start = self.stack.len() - n;
                self.push_seq(start, false)?;
            }
            Opcode::EmptyDict => {
                let id = self.new_dict(Vec::new(), 1)?;
                self.push(id)?;
            }
            Opcode::Dict => {
                let start = self.pop_mark()?;
                let items = self.stack.get(start..).unwrap_or(&[]);
                if !items.len().is_multiple_of(2) {
                    return Err(PickleError::OddItemCount {
                        opcode,
                        offset: self.offset(),
                        count: to_u64(items.len()),
                    });
                }
                let pairs: Vec<(NodeId, NodeId)> = items
                    .chunks_exact(2)
                    .filter_map(|p| Some((*p.first()?, *p.get(1)?)))
                    .collect();
                let depth = self.depth_of(items);
                self.stack.truncate(start);
                let id = self.new_dict(pairs, depth)?;
                self.push(id)?;
            }
            Opcode::SetItem => {
                let value = self.pop()?;
                let key = self.pop()?;
                let target = self.top()?;
                let start = self.stack.len();
                self.stack.extend([key, value]);
                self.set_items(target, start)?;
            }
            Opcode::SetItems => {
                let start = self.pop_mark()?;
                let target = self.target_below(start)?;
                self.set_items(target, start)?;
            }
            Opcode::EmptySet => {
                let id = self.new_list(Vec::new(), true, 1)?;
                self.push(id)?;
            }
            Opcode::AddItems => {
                let start = self.pop_mark()?;
                let target = self.target_below(start)?;
                self.append_items(target, start, true)?;
            }
            Opcode::FrozenSet => {
                let start = self.pop_mark()?;
                self.push_seq(start, true)?;
            }
            // -- stack manipulation
            Opcode::Pop => {
                if self.stack.len() > self.floor() {
                    self.stack.pop();
                } else {
                    let start = self.pop_mark()?;
                    self.stack.truncate(start);
                }
            }
            Opcode::Dup => {
                let id = self.top()?;
                self.push(id)?;
            }
            Opcode::Mark => {
                let max = self.limits().max_metastack_depth;
                if self.marks.len() >= max {
                    let actual = to_u64(self.marks.len() + 1);
                    return Err(self.limit(LimitKind::MetastackDepth, to_u64(max), actual));
                }
                self.marks.push(self.stack.len());
            }
            Opcode::PopMark => {
                let start = self.pop_mark()?;
                self.stack.truncate(start);
            }
            // -- memo
            Opcode::Get => {
                let line = self.line()?;
                let index = parse_index(line).ok_or_else(|| self.invalid("not a memo index"))?;
                self.memo_get(index)?;
            }
            Opcode::BinGet => {
                let index = self.byte()?;
                self.memo_get(u64::from(index))?;
            }
            Opcode::LongBinGet => {
                let index = u32::from_le_bytes(self.array()?);
                self.memo_get(u64::from(index))?;
            }
            Opcode::Put => {
                let line = self.line()?;
                let index = parse_index(line).ok_or_else(|| self.invalid("not a memo index"))?;
                self.memo_put(index)?;
            }
            Opcode::BinPut => {
                let index = self.byte()?;
                self.memo_put(u64::from(index))?;
            }
            Opcode::LongBinPut => {
                let index = u32::from_le_bytes(self.array()?);
                self.memo_put(u64::from(index))?;
            }
            Opcode::Memoize => {
                // CPython: the index is the memo's current length (research §2.2).
                let index = to_u64(self.memo.count);
                self.memo_put(index)?;
            }
            // -- globals
            Opcode::Ext1 | Opcode::Ext2 | Opcode::Ext4 => {
                let code = match opcode {
                    Opcode::Ext1 => i64::from(self.byte()?),
                    Opcode::Ext2 => i64::from(u16::from_le_bytes(self.array()?)),
                    _ => i64::from(i32::from_le_bytes(self.array()?)),
                };
                let code = u32::try_from(code)
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| self.invalid("extension code must be positive"))?;
                let id = self.add_global(GlobalTarget::Extension { code })?;
                self.violate(ViolationKind::ExtensionGlobal { code })?;
                self.push(id)?;
            }
            Opcode::Global => {
                let module = self.utf8_line("module name is not UTF-8")?;
                let name = self.utf8_line("global name is not UTF-8")?;
                let id = self.add_global(GlobalTarget::Named {
                    module: Cow::Borrowed(module),
                    name: Cow::Borrowed(name),
                })?;
                self.check_global(module, name)?;
                self.push(id)?;
            }
            Opcode::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                let text = |id: NodeId| match self.graph.node(id) {
                    Some(Node::Str(i)) => {
                        self.graph.texts.get(*i as usize).map(|s| Cow::Borrowed(*s))
                    }
                    Some(Node::StrOwned(_)) => {
                        self.graph.as_str(id).map(|s| Cow::Owned(s.to_owned()))
                    }
                    _ => None,
                };
                let names = text(module).zip(text(name));
                if let Some((m, n)) = names {
                    let id = self.add_global(GlobalTarget::Named {
                        module: m.clone(),
                        name: n.clone(),
                    })?;
                    self.check_global(&m, &n)?;
                    self.push(id)?;
                } else {
                    let id = self.add_global(GlobalTarget::Unresolved { module, name })?;
                    let kind = ViolationKind::UnresolvedGlobal {
                        module: self.graph.py_type(module),
                        name: self.graph.py_type(name),
                    };
                    self.violate(kind)?;
                    self.push(id)?;
                }
            }
            // -- calls
            Opcode::Reduce => {
                let args = self.pop()?;
                let callable = self.pop()?;
                self.check_callable(callable)?;
                let id = self.add_object(CallKind::Reduce, callable, args, None)?;
                self.push(id)?;
            }
            Opcode::Build => {
                let state = self.pop()?;
                let target = self.top()?;
                self.check_build_target(target)?;
                if let Some(m) = self.mutations_of(target) {
                    m.states.push(state);
                }
                self.builds.push(BuildRecord {
                    target,
                    state,
                    offset: self.offset(),
                });
                let depth = self.graph.depth(state);
                self.deepen(target, depth)?;
                if self.joblib_layout && !self.in_joblib_array {
                    self.joblib_build(target, state)?;
                }
            }
            Opcode::Inst => {
                let module = self.utf8_line("module name is not UTF-8")?;
                let name = self.utf8_line("class name is not UTF-8")?;
                let start = self.pop_mark()?;
                let class = self.add_global(GlobalTarget::Named {
                    module: Cow::Borrowed(module),
                    name: Cow::Borrowed(name),
                })?;
                self.check_global(module, name)?;
                let (seq, depth) = self.seq_from(start)?;
                let args = self.add(Node::Tuple(seq), depth)?;
                let id = self.add_object(CallKind::Inst, class, args, None)?;
                self.push(id)?;
            }
            Opcode::Obj => {
                let start = self.pop_mark()?;
                let Some(&class) = self.stack.get(start) else {
                    return Err(self.underflow(1));
                };
                let (seq, depth) = self.seq_from(start + 1)?;
                self.stack.truncate(start);
                let args = self.add(Node::Tuple(seq), depth)?;
                let id = self.add_object(CallKind::Obj, class, args, None)?;
                self.push(id)?;
            }
            Opcode::NewObj => {
                let args = self.pop()?;
                let class = self.pop()?;
                self.check_newobj_class(class)?;
                let id = self.add_object(CallKind::NewObj, class, args, None)?;
                self.push(id)?;
            }
            Opcode::NewObjEx => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let class = self.pop()?;
                let id = self.add_object(CallKind::NewObjEx, class, args, Some(kwargs))?;
                self.push(id)?;
            }
            // -- machine control
            Opcode::Proto => {
                let version = self.byte()?;
                if version > 5 {
                    return Err(self.invalid("unsupported protocol (above 5)"));
                }
                self.protocol = Some(version);
            }
            Opcode::Stop => {
                let root = self.pop()?;
                self.residue = super::StopResidue {
                    open_marks: self.marks.len(),
                    extra_values: self.stack.len(),
                };
                return Ok(Some(root));
            }
            Opcode::Frame => {
                if let Some(frame_end) = self.frame_end {
                    return Err(PickleError::FrameNotExhausted {
                        offset: self.offset(),
                        frame_end: to_u64(frame_end),
                    });
                }
                let len = u64::from_le_bytes(self.array()?);
                let left = to_u64(self.data.len().saturating_sub(self.pos));
                if len > left {
                    return Err(PickleError::Truncated {
                        opcode,
                        offset: self.offset(),
                        needed: len,
                        available: left,
                    });
                }
                // len <= bytes left, so it fits usize.
                let frame_end = self.pos + usize::try_from(len).unwrap_or(0);
                self.frame_end = Some(frame_end);
                self.end = frame_end;
            }
            // -- persistent ids
            Opcode::PersId => {
                let line = self.line()?;
                self.push_text(line)?;
                let pid = self.pop()?;
                self.check_persistent_id(pid)?;
                let id = self.add(
                    Node::PersistentId {
                        pid,
                        offset: self.offset(),
                    },
                    2,
                )?;
                self.push(id)?;
            }
            Opcode::BinPersId => {
                let pid = self.pop()?;
                self.check_persistent_id(pid)?;
                // persistent_load's result is a new object: it does not nest the id.
                let depth = 1;
                let id = self.add(
                    Node::PersistentId {
                        pid,
                        offset: self.offset(),
                    },
                    depth,
                )?;
                self.push(id)?;
            }
        }
        Ok(None)
    }

    /// The object a MARK-delimited mutation applies to: just below the items, above the
    /// enclosing mark.
    pub(super) fn target_below(&self, start: usize) -> Result<NodeId> {
        if start > self.floor() {
            if let Some(&id) = start.checked_sub(1).and_then(|i| self.stack.get(i)) {
                return Ok(id);
            }
        }
        Err(self.underflow(1))
    }

    #[inline]
    pub(super) fn push_seq(&mut self, start: usize, frozen: bool) -> Result<()> {
        let (seq, depth) = self.seq_from(start)?;
        let node = if frozen {
            Node::FrozenSet(seq)
        } else {
            Node::Tuple(seq)
        };
        let id = self.add(node, depth)?;
        self.push(id)
    }
}

/// A protocol-0 memo index (GET/PUT lines).
fn parse_index(line: &[u8]) -> Option<u64> {
    std::str::from_utf8(line).ok()?.trim().parse::<u64>().ok()
}
