//! The pickle machine: executes the opcodes of protocols 0-5 (`CPython` `Lib/pickle.py`
//! `_Unpickler`, `Modules/_pickle.c`) against an inert graph. Invariant: nothing is imported or
//! called, every length is checked against the bytes left (and the frame) before use, every
//! counter is checked against [`Limits`], and every failure is a typed [`PickleError`].

use crate::error::PickleError;
use crate::graph::{Graph, Mutations, Node, NodeId, Seq, NO_INDEX};
use crate::joblib::JoblibArray;
use crate::limits::{LimitKind, Limits};
use crate::opcode::Opcode;
use crate::policy::{ParseOptions, Profile, Violation, ViolationKind};

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

/// What a STOP left behind besides the value it returned.
///
/// `pickle.load` (`Lib/pickle.py` `load_stop`, `Modules/_pickle.c` `load`) and torch's
/// weights-only unpickler (`torch/_weights_only_unpickler.py`, STOP) all return the top of the
/// current stack and drop the rest: values under it and MARKs never closed (the values above an
/// open MARK are the current stack, so STOP returns one of them; with none, all three fail
/// with a stack underflow, and so does this machine). `pickletools.dis` rejects both
/// ("stack not empty after STOP"). No pickler writes either, so either marks a crafted stream:
/// the dropped values were still built, their calls still made, and a reader that trusts the
/// stream's shape sees a different object than the loader returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StopResidue {
    /// MARKs still open at STOP.
    pub open_marks: usize,
    /// Values left on the stack besides the one returned (below it, and below open MARKs).
    pub extra_values: usize,
}

impl StopResidue {
    /// True when STOP left nothing behind (always so for a pickle a pickler wrote).
    pub fn is_clean(&self) -> bool {
        self.open_marks == 0 && self.extra_values == 0
    }
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
    /// What STOP left on the stack besides the root (clean when STOP was not reached).
    pub residue: StopResidue,
    /// Every weights-only violation seen (in the weights-only profile, at most one).
    pub violations: Vec<Violation>,
    /// Why parsing stopped early, if it did.
    pub error: Option<PickleError>,
    /// The profile used.
    pub profile: Profile,
    /// The limits used (extraction applies the same ones).
    pub limits: Limits,
    /// The arrays read in joblib's layout ([`parse_joblib`]), in stream order.
    pub joblib: Vec<JoblibArray>,
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
    run_machine(Machine::new(data, start, options), start, options)
}

/// Parses one pickle from offset 0 of `data` as `joblib.load` reads it ([`crate::joblib`]):
/// after a `NumpyArrayWrapper`'s BUILD, the array bytes joblib wrote there are skipped (or the
/// nested pickle of an object array is run) and the pickle goes on after them. Only for a file
/// that is read as a whole pickle: torch never reads that layout.
pub fn parse_joblib<'a>(data: &'a [u8], options: &ParseOptions) -> Parsed<'a> {
    let mut machine = Machine::new(data, 0, options);
    machine.joblib_layout = true;
    run_machine(machine, 0, options)
}

fn run_machine<'a>(
    mut machine: Machine<'a, '_>,
    start: usize,
    options: &ParseOptions,
) -> Parsed<'a> {
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
        residue: machine.residue,
        violations: machine.violations,
        error,
        profile: options.profile,
        limits: options.limits,
        joblib: machine.joblib,
    }
}

mod joblib;
mod memo;
mod policy;
mod step;
mod values;

use memo::{Memo, EMPTY};

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
    residue: StopResidue,
    violations: Vec<Violation>,
    buffers: u32,
    opcodes: u64,
    /// Shared nodes for immutable singletons and small ints (`CPython` caches them too):
    /// None, False, True, (), then ints -5..=256.
    interned: [u32; INTERNED],
    /// `max_graph_nodes` capped below `u32::MAX` (node ids are `u32`), read on every node.
    max_nodes: usize,
    /// `max_stack_depth`, read on every push.
    max_stack: usize,
    /// Whether joblib's array layout is read ([`parse_joblib`]).
    joblib_layout: bool,
    /// Arrays read in joblib's layout.
    joblib: Vec<JoblibArray>,
    /// The wrappers already read (a wrapper BUILT again is an array by then).
    joblib_read: std::collections::HashSet<NodeId>,
    /// Whether the machine runs the nested pickle of a joblib object array (a plain
    /// `pickle.load`, which reads no joblib layout).
    in_joblib_array: bool,
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
            residue: StopResidue::default(),
            violations: Vec::new(),
            buffers: 0,
            opcodes: 0,
            interned: [EMPTY; INTERNED],
            max_nodes: options.limits.max_graph_nodes.min(u32::MAX as usize - 1),
            max_stack: options.limits.max_stack_depth,
            joblib_layout: false,
            joblib: Vec::new(),
            joblib_read: std::collections::HashSet::new(),
            in_joblib_array: false,
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
        let max = self.max_stack;
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
        let max = self.max_nodes;
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
        let next = u32::try_from(self.graph.mutations.len())
            .ok()
            .filter(|n| *n != NO_INDEX)?;
        let object = self.graph.objects.get_mut(o as usize)?;
        if object.mutations == NO_INDEX {
            object.mutations = next;
            self.graph.mutations.push(Mutations::default());
        }
        let index = object.mutations;
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

    #[inline]
    fn depth_of(&self, ids: &[NodeId]) -> u32 {
        ids.iter()
            .map(|id| self.graph.depth(*id))
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }

    /// Copies `stack[start..]` into the pool, truncates the stack there, returns the run.
    #[inline]
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

    // ---- the loop ------------------------------------------------------------------------

    fn run(&mut self) -> Result<NodeId> {
        let max_opcodes = self.limits().max_opcodes;
        loop {
            // `end` is the frame's end while a frame is open, so one comparison covers both.
            if self.pos >= self.end && self.frame_end.is_some() {
                self.frame_end = None;
                self.end = self.data.len();
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
            if self.opcodes > max_opcodes {
                return Err(self.limit(LimitKind::Opcodes, max_opcodes, self.opcodes));
            }
            if !opcode.weights_only() {
                self.violate(ViolationKind::OpcodeNotAllowed { opcode })?;
            }
            if let Some(root) = self.step(opcode)? {
                return Ok(root);
            }
        }
    }
}
