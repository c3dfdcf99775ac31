//! The machine's reading of joblib's array layout ([`crate::joblib`]): after the BUILD of a
//! `NumpyArrayWrapper`, the array bytes joblib wrote into the file are skipped (their length
//! computed from the wrapper's dtype and shape, checked against the bytes left), or, for an
//! array of Python objects, the nested pickle there is run through the machine like the rest.
//! Anything joblib would read differently than this reading (a dtype it cannot size, bytes
//! inside a frame) stops the parse with [`PickleError::Joblib`], never a guess.

use super::memo::Memo;
use super::{to_u64, Machine, Result};
use crate::error::PickleError;
use crate::graph::NodeId;
use crate::joblib::{ArrayBytes, JoblibArray, WRAPPER_CLASSES};

/// How the wrapper's dtype sizes the bytes.
enum DType {
    /// Fixed-size elements of this many bytes.
    Sized(u64),
    /// `dtype.hasobject`: the bytes are a nested pickle.
    Objects,
}

impl Machine<'_, '_> {
    /// Called after BUILD set `state` on `target`: reads the array bytes when `target` is a
    /// joblib wrapper.
    pub(super) fn joblib_build(&mut self, target: NodeId, state: NodeId) -> Result<()> {
        let is_wrapper = self
            .graph
            .object_of(target)
            .and_then(|o| self.graph.global_of(o.callable))
            .is_some_and(|g| WRAPPER_CLASSES.iter().any(|k| g.key_eq(k)));
        if !is_wrapper || !self.joblib_read.insert(target) {
            return Ok(());
        }
        let build_offset = self.offset();
        let fields = self.wrapper_fields(state);
        let field = |name: &str| {
            fields
                .iter()
                .rev()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
        };
        let (Some(dtype), Some(shape)) = (field("dtype"), field("shape")) else {
            return Err(self.joblib_error("the wrapper's state has no dtype or no shape"));
        };
        let aligned = field("numpy_array_alignment_bytes")
            .is_some_and(|v| !matches!(self.graph.node(v), Some(crate::graph::Node::None)));
        // joblib commits the pickle frame before it writes the array, so the array starts
        // where the frame ends; bytes left in the frame would be read after the array.
        if let Some(frame_end) = self.frame_end {
            if self.pos != frame_end {
                return Err(self.joblib_error("the array bytes would start inside a pickle frame"));
            }
            self.frame_end = None;
            self.end = self.data.len();
        }
        let start = self.pos;
        let bytes = match self.joblib_dtype(dtype)? {
            DType::Objects => {
                let root = self.nested_pickle()?;
                self.pop()?;
                self.push(root)?;
                ArrayBytes::ObjectPickle { root }
            }
            DType::Sized(itemsize) => {
                let count = self.joblib_count(shape)?;
                let padding = if aligned {
                    let n = self.data.get(self.pos).copied().ok_or_else(|| {
                        self.joblib_error("the array's padding-length byte is missing")
                    })?;
                    1 + u64::from(n)
                } else {
                    0
                };
                let total = count
                    .checked_mul(itemsize)
                    .and_then(|n| n.checked_add(padding))
                    .ok_or_else(|| self.joblib_error("the array's byte length overflows"))?;
                let left = to_u64(self.data.len().saturating_sub(self.pos));
                if total > left {
                    return Err(PickleError::Truncated {
                        opcode: self.opcode,
                        offset: self.offset(),
                        needed: total,
                        available: left,
                    });
                }
                // total <= bytes left, so it fits usize.
                self.pos += usize::try_from(total).unwrap_or(0);
                ArrayBytes::Raw {
                    padding,
                    count,
                    itemsize,
                }
            }
        };
        self.joblib.push(JoblibArray {
            wrapper: target,
            build_offset,
            start: to_u64(start),
            end: to_u64(self.pos),
            bytes,
        });
        Ok(())
    }

    fn joblib_error(&self, reason: &'static str) -> PickleError {
        PickleError::Joblib {
            offset: self.offset(),
            reason,
        }
    }

    /// The `(attribute, value)` pairs BUILD sets: a dict, or the dict and slot state of a
    /// `(state, slotstate)` pair (`pickle.py` `load_build`), in the order they apply.
    fn wrapper_fields(&self, state: NodeId) -> Vec<(&str, NodeId)> {
        let parts: Vec<NodeId> = match self.graph.as_tuple(state) {
            Some([dict, slots]) => vec![*dict, *slots],
            _ => vec![state],
        };
        parts
            .iter()
            .filter_map(|p| self.graph.as_dict(*p))
            .flatten()
            .filter_map(|(k, v)| Some((self.graph.as_str(*k)?, *v)))
            .collect()
    }

    /// Reads a `numpy.dtype(code, align, copy)` object and its BUILD state
    /// `(version, endian, subarray, names, fields, elsize, alignment, flags[, metadata])` the way
    /// numpy's `arraydescr_setstate` applies it: `flags` decides `hasobject` (bit 0,
    /// `NPY_ITEM_HASOBJECT`), `elsize` sizes the flexible kinds `S`, `U`, `V` (structured and
    /// subarray dtypes are `V`).
    fn joblib_dtype(&self, dtype: NodeId) -> Result<DType> {
        let not_numpy = || self.joblib_error("the wrapper's dtype is not a numpy.dtype");
        let object = self.graph.object_of(dtype).ok_or_else(not_numpy)?;
        if !self
            .graph
            .global_of(object.callable)
            .is_some_and(|g| g.key_eq("numpy.dtype"))
        {
            return Err(not_numpy());
        }
        let code = self
            .graph
            .as_tuple(object.args)
            .and_then(|a| a.first())
            .and_then(|c| self.graph.as_str(*c))
            .ok_or_else(not_numpy)?;
        let state = self
            .graph
            .mutations(object)
            .states
            .last()
            .and_then(|s| self.graph.as_tuple(*s));
        let item = |i: usize| state.and_then(|s| s.get(i)).copied();
        let is_none = |i: usize| {
            item(i).is_none_or(|n| matches!(self.graph.node(n), Some(crate::graph::Node::None)))
        };
        let int = |i: usize| item(i).and_then(|n| self.graph.as_int(n));
        let code = code.trim_start_matches(['<', '>', '|', '=']);
        let kind = code.chars().next().unwrap_or(' ');
        let digits: String = code
            .chars()
            .skip(1)
            .take_while(char::is_ascii_digit)
            .collect();
        let digits: Option<u64> = digits.parse().ok();
        match int(7) {
            Some(flags) if flags & 1 != 0 => return Ok(DType::Objects),
            None if kind == 'O' => return Ok(DType::Objects),
            _ if kind == 'O' => {
                return Err(self.joblib_error(
                    "an object dtype without numpy's object flag: joblib would read object pointers from the file",
                ))
            }
            _ => {}
        }
        // Structured and subarray dtypes are pickled as `V<elsize>` with their fields in the
        // state; numpy sizes them by `elsize` alone (objects in a field set the flag above).
        if kind != 'V' && !(is_none(2) && is_none(3) && is_none(4)) {
            return Err(self.joblib_error(
                "fields or a subarray on a dtype that is not `V` (numpy pickles those as `V`)",
            ));
        }
        let elsize = int(5)
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| *n > 0);
        let size = match kind {
            'b' | 'i' | 'u' | 'f' | 'c' => digits,
            'M' | 'm' => Some(8),
            'S' | 'V' => elsize.or(digits),
            'U' => elsize.or(digits.and_then(|d| d.checked_mul(4))),
            _ => None,
        };
        match size {
            Some(n) if n > 0 => Ok(DType::Sized(n)),
            _ => Err(self.joblib_error("a dtype code joblib's array reader is not sized for here")),
        }
    }

    /// The element count of a shape tuple (1 for `()`), checked.
    fn joblib_count(&self, shape: NodeId) -> Result<u64> {
        let dims = self
            .graph
            .as_tuple(shape)
            .or_else(|| self.graph.as_list(shape))
            .ok_or_else(|| self.joblib_error("the wrapper's shape is not a tuple"))?;
        dims.iter().try_fold(1u64, |acc, d| {
            self.graph
                .as_int(*d)
                .and_then(|n| u64::try_from(n).ok())
                .and_then(|n| acc.checked_mul(n))
                .ok_or_else(|| self.joblib_error("the wrapper's shape is negative or overflows"))
        })
    }

    /// Runs the nested pickle at the current position (`pickle.load(file_handle)`: a plain
    /// unpickler with its own stack, marks and memo) and returns its root; the outer pickle's
    /// state is restored after it, and the position is just past its STOP.
    fn nested_pickle(&mut self) -> Result<NodeId> {
        let estimate = self.data.len().saturating_sub(self.pos);
        let memo = std::mem::replace(
            &mut self.memo,
            Memo::with_estimate(estimate.min(1 << 16), &self.options.limits),
        );
        let stack = std::mem::take(&mut self.stack);
        let marks = std::mem::take(&mut self.marks);
        let protocol = self.protocol;
        self.in_joblib_array = true;
        let outcome = self.run();
        self.in_joblib_array = false;
        self.memo = memo;
        self.stack = stack;
        self.marks = marks;
        self.protocol = protocol;
        let root = outcome?;
        if let Some(frame_end) = self.frame_end {
            if self.pos != frame_end {
                return Err(self.joblib_error("the nested pickle stops inside a pickle frame"));
            }
            self.frame_end = None;
            self.end = self.data.len();
        }
        Ok(root)
    }
}
