//! The pickle machine: executes the opcodes of protocols 0-5 (`CPython` `Lib/pickle.py`
//! `_Unpickler`, `Modules/_pickle.c`) against an inert graph. Invariant: nothing is imported or
//! called, every length is checked against the bytes left (and the frame) before use, every
//! counter is checked against [`Limits`], and every failure is a typed [`PickleError`].

use std::borrow::Cow;
use std::collections::HashMap;

use crate::allowlist::is_blocked_module;
use crate::error::PickleError;
use crate::graph::{
    CallKind, GlobalRef, GlobalTarget, Graph, Mutations, Node, NodeId, Object, PyType, Seq,
};
use crate::limits::{LimitKind, Limits};
use crate::opcode::Opcode;
use crate::policy::{ParseOptions, Profile, Violation, ViolationKind};
use crate::text::{self, TextInt};

type Result<T> = std::result::Result<T, PickleError>;

/// A BUILD the stream performed: `pickle.load` would call `target.__setstate__(state)` or
/// update its `__dict__`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildRecord {
    /// The object whose state is set.
    pub target: NodeId,
    /// The state.
    pub state: NodeId,
    /// Offset of the BUILD opcode.
    pub offset: u64,
}

/// The outcome of one parse: the graph and records gathered, and the error that stopped the
/// parse if any (records before the error are kept, research §3 item 16).
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    /// The object graph (imports in [`Graph::globals`], calls in [`Graph::objects`]).
    pub graph: Graph<'a>,
    /// The value STOP returned, when the parse reached STOP.
    pub root: Option<NodeId>,
    /// The protocol named by the last PROTO opcode, if any.
    pub protocol: Option<u8>,
    /// Offset where parsing started.
    pub start: usize,
    /// Offset just past STOP (where trailing data or the next pickle begins), when reached.
    pub end: Option<usize>,
    /// Every BUILD performed, in stream order.
    pub builds: Vec<BuildRecord>,
    /// Every weights-only violation seen (in the weights-only profile, at most one).
    pub violations: Vec<Violation>,
    /// Why parsing stopped early, if it did.
    pub error: Option<PickleError>,
    /// The profile used.
    pub profile: Profile,
    /// The limits used (extraction applies the same ones).
    pub limits: Limits,
}

impl Parsed<'_> {
    /// True when the parse reached STOP without error (violations may still exist in the scan
    /// profile).
    pub fn is_complete(&self) -> bool {
        self.error.is_none() && self.root.is_some()
    }
}

/// Parses one pickle starting at offset 0 of `data`.
pub fn parse<'a>(data: &'a [u8], options: &ParseOptions) -> Parsed<'a> {
    parse_at(data, 0, options)
}

/// Parses one pickle starting at `start` in `data` (e.g. the next pickle of a legacy stream);
/// offsets in the result are offsets into `data`.
pub fn parse_at<'a>(data: &'a [u8], start: usize, options: &ParseOptions) -> Parsed<'a> {
    let mut machine = Machine::new(data, start, options);
    let outcome = machine.run();
    let (root, end, error) = match outcome {
        Ok(root) => (Some(root), Some(machine.pos), None),
        Err(error) => (None, None, Some(error)),
    };
    Parsed {
        graph: machine.graph,
        root,
        protocol: machine.protocol,
        start,
        end,
        builds: machine.builds,
        violations: machine.violations,
        error,
        profile: options.profile,
        limits: options.limits,
    }
}

/// Sentinel for an empty dense memo slot.
const EMPTY: u32 = u32::MAX;

/// The memo: a dense vector for the small consecutive indices writers use, a map for the rest
/// (so `LONG_BINPUT 0xffffffff` costs one map entry, not 16 GiB).
#[derive(Default)]
struct Memo {
    dense: Vec<u32>,
    sparse: HashMap<u64, NodeId>,
    count: usize,
}

impl Memo {
    /// A memo sized for a pickle of `len` bytes: torch pickles memoise about one value every
    /// 16 bytes. Reservation is best effort (virtual memory, touched only when used).
    fn with_estimate(len: usize, limits: &Limits) -> Self {
        let mut memo = Memo::default();
        let _ = memo
            .dense
            .try_reserve((len / 12).min(limits.max_memo_entries).min(1 << 25));
        memo
    }

    fn get(&self, index: u64) -> Option<NodeId> {
        if let Some(&slot) = usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            return (slot != EMPTY).then_some(NodeId(slot));
        }
        self.sparse.get(&index).copied()
    }

    /// Stores `id` at `index`; returns false when a new entry would exceed `max`.
    fn put(&mut self, index: u64, id: NodeId, max: usize) -> bool {
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

struct Machine<'a, 'o> {
    data: &'a [u8],
    pos: usize,
    /// Readable end: the current frame's end, or the end of the data.
    end: usize,
    frame_end: Option<usize>,
    op_offset: usize,
    opcode: Opcode,
    options: &'o ParseOptions,
    graph: Graph<'a>,
    stack: Vec<NodeId>,
    marks: Vec<usize>,
    memo: Memo,
    protocol: Option<u8>,
    builds: Vec<BuildRecord>,
    violations: Vec<Violation>,
    buffers: u32,
    opcodes: u64,
    /// Shared nodes for immutable singletons and small ints (`CPython` caches them too):
    /// None, False, True, (), then ints -5..=256.
    interned: [u32; INTERNED],
}

/// Slots of [`Machine::interned`]: 4 singletons and the ints -5..=256.
const INTERNED: usize = 4 + 262;

fn to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl<'a, 'o> Machine<'a, 'o> {
    fn new(data: &'a [u8], start: usize, options: &'o ParseOptions) -> Self {
        Machine {
            data,
            pos: start.min(data.len()),
            end: data.len(),
            frame_end: None,
            op_offset: start,
            opcode: Opcode::Stop,
            options,
            graph: Graph::with_estimate(data.len().saturating_sub(start), &options.limits),
            stack: Vec::with_capacity(64),
            marks: Vec::with_capacity(16),
            memo: Memo::with_estimate(data.len().saturating_sub(start), &options.limits),
            protocol: None,
            builds: Vec::new(),
            violations: Vec::new(),
            buffers: 0,
            opcodes: 0,
            interned: [EMPTY; INTERNED],
        }
    }

    fn limits(&self) -> &Limits {
        &self.options.limits
    }

    fn offset(&self) -> u64 {
        to_u64(self.op_offset)
    }

    fn limit(&self, what: LimitKind, limit: u64, actual: u64) -> PickleError {
        PickleError::LimitExceeded {
            what,
            limit,
            actual,
            offset: self.offset(),
        }
    }

    fn invalid(&self, reason: &'static str) -> PickleError {
        PickleError::InvalidArgument {
            opcode: self.opcode,
            offset: self.offset(),
            reason,
        }
    }

    // ---- reading -------------------------------------------------------------------------

    /// Takes `n` argument bytes; they must lie inside the current frame and the data.
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let left = self.end.saturating_sub(self.pos);
        if n <= left {
            let start = self.pos;
            self.pos += n;
            return self
                .data
                .get(start..self.pos)
                .ok_or_else(|| self.truncated(n));
        }
        Err(self.overrun(n))
    }

    fn truncated(&self, n: usize) -> PickleError {
        PickleError::Truncated {
            opcode: self.opcode,
            offset: self.offset(),
            needed: to_u64(n),
            available: to_u64(self.data.len().saturating_sub(self.pos)),
        }
    }

    /// The error for `n` bytes that do not fit: a frame crossing if the data has them.
    fn overrun(&self, n: usize) -> PickleError {
        match self.frame_end {
            Some(frame_end) if n <= self.data.len().saturating_sub(self.pos) => {
                PickleError::FrameCrossing {
                    opcode: self.opcode,
                    offset: self.offset(),
                    frame_end: to_u64(frame_end),
                }
            }
            _ => self.truncated(n),
        }
    }

    #[inline]
    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Takes a length-prefixed argument, checking the declared length against the limit and the
    /// bytes left before touching anything.
    fn take_len(&mut self, len: u64) -> Result<&'a [u8]> {
        let available = to_u64(self.data.len().saturating_sub(self.pos));
        let Some(n) = usize::try_from(len).ok().filter(|_| len <= available) else {
            return Err(PickleError::Truncated {
                opcode: self.opcode,
                offset: self.offset(),
                needed: len,
                available,
            });
        };
        let max = self.limits().max_string_len;
        if len > max {
            return Err(self.limit(LimitKind::StringLength, max, len));
        }
        self.take(n)
    }

    /// Takes a `\n`-terminated line (without the newline) inside the current frame.
    fn line(&mut self) -> Result<&'a [u8]> {
        let window = self.data.get(self.pos..self.end).unwrap_or(&[]);
        if let Some(n) = window.iter().position(|&b| b == b'\n') {
            let line = self.take(n + 1)?;
            return Ok(line.get(..n).unwrap_or(&[]));
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let needed = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len() + 1, |n| n + 1);
        Err(self.overrun(needed))
    }

    fn utf8_line(&mut self, what: &'static str) -> Result<&'a str> {
        let line = self.line()?;
        std::str::from_utf8(line).map_err(|_| self.invalid(what))
    }

    // ---- stack ---------------------------------------------------------------------------

    #[inline]
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn underflow(&self, needed: usize) -> PickleError {
        PickleError::StackUnderflow {
            opcode: self.opcode,
            offset: self.offset(),
            needed: to_u64(needed),
            available: to_u64(self.stack.len().saturating_sub(self.floor())),
        }
    }

    #[inline]
    fn pop(&mut self) -> Result<NodeId> {
        if self.stack.len() > self.floor() {
            if let Some(id) = self.stack.pop() {
                return Ok(id);
            }
        }
        Err(self.underflow(1))
    }

    #[inline]
    fn top(&self) -> Result<NodeId> {
        if self.stack.len() > self.floor() {
            if let Some(&id) = self.stack.last() {
                return Ok(id);
            }
        }
        Err(self.underflow(1))
    }

    #[inline]
    fn push(&mut self, id: NodeId) -> Result<()> {
        let max = self.limits().max_stack_depth;
        if self.stack.len() >= max {
            return Err(self.limit(
                LimitKind::StackDepth,
                to_u64(max),
                to_u64(self.stack.len() + 1),
            ));
        }
        self.stack.push(id);
        Ok(())
    }

    /// Pops the innermost MARK; returns the stack index where its items start.
    fn pop_mark(&mut self) -> Result<usize> {
        self.marks.pop().ok_or(PickleError::MarkMissing {
            opcode: self.opcode,
            offset: self.offset(),
        })
    }

    // ---- graph ---------------------------------------------------------------------------

    /// Adds a node of the given nesting depth to the arena.
    #[inline]
    fn add(&mut self, node: Node, depth: u32) -> Result<NodeId> {
        let max = self.limits().max_graph_nodes.min(u32::MAX as usize - 1);
        let len = self.graph.nodes.len();
        if len >= max {
            return Err(self.limit(LimitKind::GraphNodes, to_u64(max), to_u64(len + 1)));
        }
        let max_depth = self.limits().max_nesting_depth;
        if depth > max_depth {
            return Err(self.limit(
                LimitKind::NestingDepth,
                u64::from(max_depth),
                u64::from(depth),
            ));
        }
        self.graph.nodes.push(node);
        #[allow(clippy::cast_possible_truncation)] // len < max <= u32::MAX - 1
        Ok(NodeId(len as u32))
    }

    #[inline]
    fn push_new(&mut self, node: Node) -> Result<()> {
        let slot = match node {
            Node::None => Some(0),
            Node::Bool(b) => Some(1 + usize::from(b)),
            Node::Tuple(Seq { len: 0, .. }) => Some(3),
            Node::Int(i @ -5..=256) => usize::try_from(i + 9).ok(),
            _ => None,
        };
        let Some(slot) = slot else {
            let id = self.add(node, 1)?;
            return self.push(id);
        };
        let cached = self.interned.get(slot).copied().unwrap_or(EMPTY);
        let id = if cached == EMPTY {
            let id = self.add(node, 1)?;
            if let Some(entry) = self.interned.get_mut(slot) {
                *entry = id.0;
            }
            id
        } else {
            NodeId(cached)
        };
        self.push(id)
    }

    /// A new list/set node over `items`.
    fn new_list(&mut self, items: Vec<NodeId>, set: bool, depth: u32) -> Result<NodeId> {
        let index = u32::try_from(self.graph.lists.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let id = self.add(
            if set {
                Node::Set(index)
            } else {
                Node::List(index)
            },
            depth,
        )?;
        self.graph.lists.push(items);
        self.graph.list_depth.push(depth);
        Ok(id)
    }

    /// A new dict node over `items`.
    fn new_dict(&mut self, items: Vec<(NodeId, NodeId)>, depth: u32) -> Result<NodeId> {
        let index = u32::try_from(self.graph.dicts.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let id = self.add(Node::Dict(index), depth)?;
        self.graph.dicts.push(items);
        self.graph.dict_depth.push(depth);
        Ok(id)
    }

    /// The mutation record of the object behind `target`, created on first use.
    fn mutations_of(&mut self, target: NodeId) -> Option<&mut Mutations> {
        let Some(Node::Object(o)) = self.graph.nodes.get(target.index()).copied() else {
            return None;
        };
        let next = u32::try_from(self.graph.mutations.len()).ok()?;
        let object = self.graph.objects.get_mut(o as usize)?;
        let index = *object.mutations.get_or_insert(next);
        if index == next {
            self.graph.mutations.push(Mutations::default());
        }
        self.graph.mutations.get_mut(index as usize)
    }

    /// A decoded (owned) string node.
    fn owned_str(&mut self, text: String) -> Result<()> {
        let index = u32::try_from(self.graph.strings.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        self.graph.strings.push(text);
        self.push_new(Node::StrOwned(index))
    }

    /// A decoded (owned) bytes node.
    fn owned_bytes(&mut self, bytes: Vec<u8>) -> Result<()> {
        let index = u32::try_from(self.graph.blobs.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        self.graph.blobs.push(bytes);
        self.push_new(Node::BytesOwned(index))
    }

    fn depth_of(&self, ids: &[NodeId]) -> u32 {
        ids.iter()
            .map(|id| self.graph.depth(*id))
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }

    /// Copies `stack[start..]` into the pool, truncates the stack there, returns the run.
    fn seq_from(&mut self, start: usize) -> Result<(Seq, u32)> {
        let items = self.stack.get(start..).unwrap_or(&[]);
        let depth = self.depth_of(items);
        let pool_start = self.graph.pool.len();
        let total = pool_start.saturating_add(items.len());
        if total >= u32::MAX as usize {
            return Err(self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), to_u64(total)));
        }
        self.graph.pool.extend_from_slice(items);
        self.stack.truncate(start);
        #[allow(clippy::cast_possible_truncation)] // checked against u32::MAX above
        Ok((
            Seq {
                start: pool_start as u32,
                len: (total - pool_start) as u32,
                depth,
            },
            depth,
        ))
    }

    /// Raises the recorded depth of a mutated container.
    fn deepen(&mut self, target: NodeId, child_depth: u32) -> Result<()> {
        let depth = child_depth.saturating_add(1);
        let max = self.limits().max_nesting_depth;
        if depth > max {
            return Err(self.limit(LimitKind::NestingDepth, u64::from(max), u64::from(depth)));
        }
        self.graph.raise_depth(target, depth);
        Ok(())
    }

    // ---- policy --------------------------------------------------------------------------

    /// Records a violation; in the weights-only profile it also stops the parse.
    fn violate(&mut self, kind: ViolationKind) -> Result<()> {
        let violation = Violation {
            kind,
            offset: self.offset(),
        };
        if self.options.profile == Profile::WeightsOnly {
            self.violations.push(violation.clone());
            return Err(PickleError::Disallowed { violation });
        }
        self.violations.push(violation);
        Ok(())
    }

    /// torch applies Python 2 import mappings for protocol 2 (`_compat_pickle`); only the
    /// `__builtin__` module matters for the allowlist.
    fn mapped_module<'m>(&self, module: &'m str) -> &'m str {
        if self.protocol == Some(2) && module == "__builtin__" {
            "builtins"
        } else {
            module
        }
    }

    fn check_global(&mut self, module: &str, name: &str) -> Result<()> {
        let module = self.mapped_module(module);
        if is_blocked_module(module) {
            return self.violate(ViolationKind::BlockedModule {
                module: module.to_owned(),
                name: name.to_owned(),
            });
        }
        if !self.options.allowlist.contains(module, name) {
            return self.violate(ViolationKind::GlobalNotAllowed {
                module: module.to_owned(),
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Records an import and returns its node.
    fn add_global(&mut self, target: GlobalTarget<'a>) -> Result<NodeId> {
        let index = u32::try_from(self.graph.globals.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let id = self.add(Node::Global(index), 1)?;
        self.graph.globals.push(GlobalRef {
            target,
            opcode: self.opcode,
            offset: self.offset(),
        });
        Ok(id)
    }

    fn add_object(
        &mut self,
        kind: CallKind,
        callable: NodeId,
        args: NodeId,
        kwargs: Option<NodeId>,
    ) -> Result<NodeId> {
        let index = u32::try_from(self.graph.objects.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let depth = match kwargs {
            Some(k) => self.depth_of(&[callable, args, k]),
            None => self.depth_of(&[callable, args]),
        };
        let id = self.add(Node::Object(index), depth)?;
        self.graph.objects.push(Object {
            kind,
            callable,
            args,
            kwargs,
            offset: self.offset(),
            mutations: None,
            depth,
        });
        Ok(id)
    }

    /// REDUCE/NEWOBJ callables must be allowlisted globals (their import was checked already).
    fn check_callable(&mut self, callable: NodeId) -> Result<()> {
        if matches!(self.graph.node(callable), Some(Node::Global(_))) {
            return Ok(());
        }
        let kind = ViolationKind::CallableNotAllowed {
            opcode: self.opcode,
            callable: self.graph.py_type(callable),
        };
        self.violate(kind)
    }

    fn check_newobj_class(&mut self, class: NodeId) -> Result<()> {
        let Some(global) = self.graph.global_of(class) else {
            return self.check_callable(class);
        };
        let Some((module, name)) = global.names() else {
            return Ok(()); // an unresolved or extension import was reported at import time
        };
        if global.key_eq("torch.nn.parameter.Parameter")
            || self.options.allowlist.is_user_allowed(module, name)
            || !self.options.allowlist.contains(module, name)
        {
            // Parameter and user classes are what torch instantiates; a class outside the
            // allowlist was already reported when it was imported.
            return Ok(());
        }
        let kind = ViolationKind::NewObjNotAllowed {
            module: module.to_owned(),
            name: name.to_owned(),
        };
        self.violate(kind)
    }

    fn check_build_target(&mut self, target: NodeId) -> Result<()> {
        let ty = self.graph.py_type(target);
        let user_class = self
            .graph
            .object_of(target)
            .and_then(|o| self.graph.global_of(o.callable));
        let user_allowed = user_class
            .and_then(GlobalRef::names)
            .is_some_and(|(m, n)| self.options.allowlist.is_user_allowed(m, n));
        if matches!(ty, PyType::Tensor | PyType::Parameter | PyType::OrderedDict) || user_allowed {
            return Ok(());
        }
        self.violate(ViolationKind::InvalidBuildTarget { target: ty })
    }

    fn check_persistent_id(&mut self, pid: NodeId) -> Result<()> {
        let ok = self
            .graph
            .as_tuple(pid)
            .and_then(|items| items.first())
            .is_some_and(|first| {
                self.graph.as_str(*first) == Some("storage")
                    || self.graph.as_bytes(*first) == Some(b"storage")
            });
        if ok {
            return Ok(());
        }
        let pid = self.graph.py_type(pid);
        self.violate(ViolationKind::PersistentIdNotStorage { pid })
    }

    // ---- mutations -----------------------------------------------------------------------

    /// `SETITEM(S)`: applies `items` (key, value, key, value ...) to `target`.
    fn set_items(&mut self, target: NodeId, start: usize) -> Result<()> {
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
    fn append_items(&mut self, target: NodeId, start: usize, set: bool) -> Result<()> {
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

    fn memo_get(&mut self, index: u64) -> Result<()> {
        let id = self.memo.get(index).ok_or(PickleError::MemoMissing {
            index,
            offset: self.offset(),
        })?;
        self.push(id)
    }

    fn memo_put(&mut self, index: u64) -> Result<()> {
        let id = self.top()?;
        let max = self.limits().max_memo_entries;
        if !self.memo.put(index, id, max) {
            return Err(self.limit(LimitKind::MemoEntries, to_u64(max), to_u64(max) + 1));
        }
        Ok(())
    }

    fn push_text(&mut self, bytes: &'a [u8]) -> Result<()> {
        match text::utf8(bytes) {
            Cow::Borrowed(s) => self.borrowed_str(s),
            Cow::Owned(s) => self.owned_str(s),
        }
    }

    /// A string node borrowing the input.
    fn borrowed_str(&mut self, text: &'a str) -> Result<()> {
        let index = self.side_index(self.graph.texts.len())?;
        self.graph.texts.push(text);
        self.push_new(Node::Str(index))
    }

    /// A bytes-like node borrowing the input (`make` picks the variant).
    fn borrowed_bytes(&mut self, bytes: &'a [u8], make: fn(u32) -> Node) -> Result<()> {
        let index = self.side_index(self.graph.slices.len())?;
        self.graph.slices.push(bytes);
        self.push_new(make(index))
    }

    fn side_index(&self, len: usize) -> Result<u32> {
        u32::try_from(len)
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), to_u64(len)))
    }

    /// Protocol 1/2 byte strings: torch decodes them as UTF-8; keep bytes when that fails.
    fn push_binstring(&mut self, bytes: Cow<'a, [u8]>) -> Result<()> {
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

    fn push_long_bytes(&mut self, bytes: &'a [u8]) -> Result<()> {
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

    fn push_text_int(&mut self, value: TextInt<'a>) -> Result<()> {
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

    // ---- the loop ------------------------------------------------------------------------

    fn run(&mut self) -> Result<NodeId> {
        loop {
            if let Some(frame_end) = self.frame_end {
                if self.pos >= frame_end {
                    self.frame_end = None;
                    self.end = self.data.len();
                }
            }
            self.op_offset = self.pos;
            let Some(&byte) = self.data.get(self.pos) else {
                return Err(PickleError::MissingStop {
                    offset: to_u64(self.pos),
                });
            };
            self.pos += 1;
            let Some(opcode) = Opcode::from_byte(byte) else {
                return Err(PickleError::UnknownOpcode {
                    byte,
                    offset: self.offset(),
                });
            };
            self.opcode = opcode;
            self.opcodes += 1;
            if self.opcodes > self.limits().max_opcodes {
                let max = self.limits().max_opcodes;
                return Err(self.limit(LimitKind::Opcodes, max, self.opcodes));
            }
            if !opcode.weights_only() {
                self.violate(ViolationKind::OpcodeNotAllowed { opcode })?;
            }
            if let Some(root) = self.step(opcode)? {
                return Ok(root);
            }
        }
    }

    /// Executes one opcode; returns the root at STOP.
    #[allow(clippy::too_many_lines)] // one arm per opcode, pickletools order
    fn step(&mut self, opcode: Opcode) -> Result<Option<NodeId>> {
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
    fn target_below(&self, start: usize) -> Result<NodeId> {
        if start > self.floor() {
            if let Some(&id) = start.checked_sub(1).and_then(|i| self.stack.get(i)) {
                return Ok(id);
            }
        }
        Err(self.underflow(1))
    }

    fn push_seq(&mut self, start: usize, frozen: bool) -> Result<()> {
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
