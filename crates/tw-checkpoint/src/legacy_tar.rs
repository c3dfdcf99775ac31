//! The pickles of torch's legacy tar checkpoint (`torch/serialization.py:legacy_load`), walked
//! as that loader reads each member, so every pickle it would unpickle is handed to the scanner:
//! `storages` is a count pickle, then per storage a `(key, location, storage_type)` pickle, an
//! `int64` element count and the raw bytes, then the storage-views pickle; `tensors` is a count
//! pickle, then per tensor a `(key, storage_id, type)` pickle and its `int32` rank (padded to 8
//! bytes), sizes, strides and offset; `pickle` is the object pickle; `sys_info` (not read by
//! `legacy_load`) is handed out when it frames. A member that is a hard or symbolic link is read
//! through the member it names, as `tarfile.extractfile` does. Every length is checked against the member's
//! bytes before it is skipped; the format itself is refused elsewhere (TW104).

use tw_pickle::torch::DType;
use tw_pickle::{ParseOptions, Profile};

use crate::cursor::{to_u64, to_usize, Cursor};
use crate::legacy::{integer_pickle, LegacyError};
use crate::pickle_frame;
use crate::tar::TarMember;

/// One pickle of a member: the member name, its 1-based position and its absolute range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberPickle {
    /// The member.
    pub(crate) member: &'static str,
    /// 1-based position in the member.
    pub(crate) index: usize,
    /// Absolute start.
    pub(crate) start: usize,
    /// Absolute end (exclusive).
    pub(crate) end: usize,
}

/// The pickles of the legacy members in the order torch reads them (`storages`, `tensors`,
/// `pickle`, then `sys_info`), and why a member could not be walked to its end.
pub(crate) fn pickles(
    data: &[u8],
    members: &[TarMember],
    max_items: usize,
) -> (Vec<MemberPickle>, Vec<LegacyError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for name in ["storages", "tensors", "pickle", "sys_info"] {
        // tarfile's getmember returns the last member of that name, and extractfile reads the
        // member a link names instead of the link.
        let Some((start, bytes)) = members
            .iter()
            .rposition(|m| m.name == name)
            .and_then(|i| crate::tar::resolve(members, i))
            .and_then(|m| m.data(data))
        else {
            continue;
        };
        let mut walk = Walk {
            member: name,
            bytes,
            base: start,
            pos: 0,
            found: Vec::new(),
        };
        let walked = match name {
            "storages" => walk.storages(max_items),
            "tensors" => walk.tensors(max_items),
            // torch unpickles the whole member: hand it out even when it does not frame.
            "pickle" => {
                walk.found.push((0, bytes.len()));
                Ok(())
            }
            _ => {
                if let Some(f) = pickle_frame::starts_with_pickle(bytes) {
                    walk.found.push((0, f.end));
                }
                Ok(())
            }
        };
        out.extend(
            walk.found
                .iter()
                .enumerate()
                .map(|(i, &(s, e))| MemberPickle {
                    member: name,
                    index: i + 1,
                    start: start + s,
                    end: start + e,
                }),
        );
        if let Err(e) = walked {
            errors.push(e);
        }
    }
    (out, errors)
}

/// A walk through one member's bytes, collecting pickle ranges (relative to the member).
struct Walk<'a> {
    member: &'static str,
    bytes: &'a [u8],
    base: usize,
    pos: usize,
    found: Vec<(usize, usize)>,
}

impl Walk<'_> {
    fn error(&self, what: &'static str) -> LegacyError {
        LegacyError::TarMember {
            member: self.member,
            offset: to_u64(self.base + self.pos),
            what,
        }
    }

    /// Frames the pickle at the current position, records it and returns its bytes.
    fn pickle(&mut self, what: &'static str) -> Result<&[u8], LegacyError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let f = pickle_frame::starts_with_pickle(rest).ok_or_else(|| self.error(what))?;
        self.found.push((start, start + f.end));
        self.pos = start + f.end;
        Ok(rest.get(..f.end).unwrap_or_default())
    }

    /// The count pickle that starts `storages` and `tensors`.
    fn count(&mut self) -> Result<u64, LegacyError> {
        let p = self.pickle("the count pickle does not frame")?;
        integer_pickle(p)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| self.error("the count pickle is not an integer"))
    }

    /// Skips `n` raw bytes, checked against what is left.
    fn skip(&mut self, n: u64, what: &'static str) -> Result<(), LegacyError> {
        let left = to_u64(self.bytes.len().saturating_sub(self.pos));
        if n > left {
            return Err(self.error(what));
        }
        self.pos += to_usize(n).ok_or_else(|| self.error(what))?;
        Ok(())
    }

    /// Reads a little-endian integer of `N` bytes as `i64`.
    fn int<const N: usize>(&mut self, what: &'static str) -> Result<i64, LegacyError> {
        let mut c = Cursor::at(self.bytes, self.pos);
        let value = match N {
            4 => c
                .u32()
                .map(|v| i64::from(i32::from_le_bytes(v.to_le_bytes()))),
            _ => c.u64().map(|v| i64::from_le_bytes(v.to_le_bytes())),
        }
        .ok_or_else(|| self.error(what))?;
        self.pos = c.pos();
        Ok(value)
    }

    /// `storages`: count, then per storage its pickle, element count and bytes, then views.
    fn storages(&mut self, max_items: usize) -> Result<(), LegacyError> {
        let count = self.count()?;
        if count > to_u64(max_items) {
            return Err(self.error("more storages than the limit"));
        }
        for _ in 0..count {
            crate::pages::touched();
            let args = self.pickle("a storage pickle does not frame")?;
            let size = storage_element_size(args)
                .ok_or_else(|| self.error("a storage pickle names no known storage type"))?;
            let numel = self.int::<8>("a storage's element count is cut short")?;
            let numel = u64::try_from(numel)
                .map_err(|_| self.error("a storage's element count is negative"))?;
            let len = numel
                .checked_mul(size)
                .ok_or_else(|| self.error("a storage's byte length overflows"))?;
            self.skip(len, "a storage's bytes run past the member")?;
        }
        self.pickle("the storage views pickle does not frame")?;
        Ok(())
    }

    /// `tensors`: count, then per tensor its pickle, rank (4 bytes and 4 of padding), sizes,
    /// strides and storage offset.
    fn tensors(&mut self, max_items: usize) -> Result<(), LegacyError> {
        let count = self.count()?;
        if count > to_u64(max_items) {
            return Err(self.error("more tensors than the limit"));
        }
        for _ in 0..count {
            self.pickle("a tensor pickle does not frame")?;
            let ndim = self.int::<4>("a tensor's rank is cut short")?;
            let ndim =
                u64::try_from(ndim).map_err(|_| self.error("a tensor's rank is negative"))?;
            let len = ndim
                .checked_mul(16)
                .and_then(|n| n.checked_add(12))
                .ok_or_else(|| self.error("a tensor's metadata length overflows"))?;
            self.skip(len, "a tensor's sizes and strides run past the member")?;
        }
        Ok(())
    }
}

/// Element size of the storage type in a `(key, location, storage_type)` pickle.
fn storage_element_size(args: &[u8]) -> Option<u64> {
    let parsed = tw_pickle::parse(args, &ParseOptions::new(Profile::Scan));
    let items = parsed.graph.as_tuple(parsed.root?)?;
    let global = parsed.graph.global_of(*items.get(2)?)?;
    let (module, name) = global.names()?;
    let class = match module {
        "torch" => name.strip_prefix("cuda.").unwrap_or(name),
        "torch.cuda" => name,
        _ => return None,
    };
    DType::from_storage_class(class).map(DType::element_size)
}
