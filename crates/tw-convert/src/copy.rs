//! The byte mover: writes each tensor's elements in C order, little-endian, through bounded
//! buffers. Contiguous views go straight from the input to the output (`copy_file_range`,
//! falling back to `pread`/`pwrite`); strided views are gathered slab by slab, each slab filled
//! in the order the source is laid out (so a transposed matrix reads runs, not single
//! elements) through a small block cache; big-endian sources are byte-swapped per unit.
//! Memory is fixed: [`BUFFER`] + [`SLAB`] + the cache, whatever the tensor size.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{io, ConvertError};
use crate::source::Src;
use crate::view::{c_strides, View};

/// Chunk of a contiguous copy that needs a buffer (byte swap, fallback, comparison).
const BUFFER: usize = 4 << 20;
/// Bytes per `copy_file_range` call: progress and write-behind hear of a big tensor at this
/// granularity, not only once it is all copied.
const SPLICE: usize = 16 << 20;
/// Output bytes gathered at once for a strided view.
const SLAB: u64 = 4 << 20;
/// Block of the source cache.
const BLOCK: u64 = 64 << 10;
/// Blocks in the source cache (direct-mapped).
const SLOTS: u64 = 64;
/// Bytes of source runs read as one batch before a transposing scatter.
const TILE: u64 = 256 << 10;
/// Reads at least this long bypass the cache (one `pread` is cheaper than refilling blocks
/// that a transposed gather would evict before reusing).
const DIRECT: u64 = 512;

/// Where tensor bytes go: the output file, or a comparison against it (`--verify`).
pub(crate) trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), ConvertError>;
    /// Appends `len` bytes of `src` from region offset `offset` (no swap needed), telling
    /// `progress` each chunk's byte count as it lands.
    fn splice(
        &mut self,
        src: &Src<'_>,
        offset: u64,
        len: u64,
        scratch: &mut Vec<u8>,
        progress: &dyn Fn(u64),
    ) -> Result<(), ConvertError>;
}

/// Writes to a file at increasing offsets.
pub(crate) struct FileSink<'a> {
    /// The output (temporary) file.
    pub file: &'a File,
    /// Its final path, for errors.
    pub path: &'a Path,
    /// Next write offset.
    pub pos: u64,
}

impl Sink for FileSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ConvertError> {
        self.file
            .write_all_at(bytes, self.pos)
            .map_err(|e| io(tw_fs::Op::Write, self.path, e))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn splice(
        &mut self,
        src: &Src<'_>,
        offset: u64,
        len: u64,
        scratch: &mut Vec<u8>,
        progress: &dyn Fn(u64),
    ) -> Result<(), ConvertError> {
        if offset.checked_add(len).is_none_or(|end| end > src.len) {
            return Err(ConvertError::Malformed {
                message: format!(
                    "a copy of {len} bytes at offset {offset} runs past a region of {} bytes",
                    src.len
                ),
            });
        }
        let mut off_in = src.absolute(offset);
        let mut left = len;
        while left > 0 {
            let mut off_out = self.pos;
            let chunk = chunk_len(left, SPLICE);
            match rustix::fs::copy_file_range(
                src.file,
                Some(&mut off_in),
                self.file,
                Some(&mut off_out),
                chunk,
            ) {
                Ok(0) => {
                    return Err(ConvertError::Malformed {
                        message: format!(
                            "`{}` ends at offset {off_in}, inside a tensor (the file changed?)",
                            src.path.display()
                        ),
                    })
                }
                Ok(n) => {
                    left -= n as u64;
                    self.pos += n as u64;
                    progress(n as u64);
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(
                    rustix::io::Errno::XDEV
                    | rustix::io::Errno::NOSYS
                    | rustix::io::Errno::INVAL
                    | rustix::io::Errno::OPNOTSUPP,
                ) => {
                    // Not supported between these files: copy the rest through a buffer.
                    let done = len - left;
                    return splice_buffered(self, src, offset + done, left, scratch, progress);
                }
                Err(e) => return Err(io(tw_fs::Op::Write, self.path, e.into())),
            }
        }
        Ok(())
    }
}

/// Appends `len` bytes of `src` from `offset` to `sink` through `scratch`, a bounded buffer
/// at a time: the splice of sinks that have no kernel copy, and the fallback of those that do.
pub(crate) fn splice_buffered(
    sink: &mut impl Sink,
    src: &Src<'_>,
    offset: u64,
    len: u64,
    scratch: &mut Vec<u8>,
    progress: &dyn Fn(u64),
) -> Result<(), ConvertError> {
    let mut done = 0u64;
    while done < len {
        let n = chunk_len(len - done, BUFFER);
        scratch.resize(n.max(scratch.len()), 0);
        let buf = scratch.get_mut(..n).unwrap_or_default();
        src.read_at(offset + done, buf)?;
        sink.put(buf)?;
        done += n as u64;
        progress(n as u64);
    }
    Ok(())
}

/// Compares what would be written with what the output holds (`--verify`).
pub(crate) struct CompareSink<'a> {
    /// The output file.
    pub file: &'a File,
    /// Its path, for errors.
    pub path: &'a Path,
    /// Next offset to compare.
    pub pos: u64,
    /// The tensor being compared, for the message.
    pub tensor: String,
    /// Buffer for output bytes.
    pub buf: Vec<u8>,
}

impl Sink for CompareSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ConvertError> {
        self.buf.resize(bytes.len().max(self.buf.len()), 0);
        let out = self.buf.get_mut(..bytes.len()).unwrap_or_default();
        self.file
            .read_exact_at(out, self.pos)
            .map_err(|e| io(tw_fs::Op::Read, self.path, e))?;
        if let Some(i) = out.iter().zip(bytes).position(|(a, b)| a != b) {
            return Err(ConvertError::VerifyMismatch {
                what: format!(
                    "tensor `{}` differs from the source at output offset {}",
                    self.tensor,
                    self.pos + i as u64
                ),
            });
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn splice(
        &mut self,
        src: &Src<'_>,
        offset: u64,
        len: u64,
        scratch: &mut Vec<u8>,
        progress: &dyn Fn(u64),
    ) -> Result<(), ConvertError> {
        splice_buffered(self, src, offset, len, scratch, progress)
    }
}

/// `min(left, cap)` as a usize.
fn chunk_len(left: u64, cap: usize) -> usize {
    usize::try_from(left).map_or(cap, |l| l.min(cap))
}

/// Reverses the bytes of every `unit`-byte group (big-endian to little-endian).
fn swap_units(bytes: &mut [u8], unit: u64) {
    let Ok(unit) = usize::try_from(unit) else {
        return;
    };
    if unit > 1 {
        for group in bytes.chunks_exact_mut(unit) {
            group.reverse();
        }
    }
}

/// A direct-mapped cache of source blocks for strided gathers.
#[derive(Default)]
struct BlockCache {
    data: Vec<u8>,
    tags: Vec<Option<(u64, u64)>>,
}

impl BlockCache {
    fn clear(&mut self) {
        self.tags.clear();
    }

    /// Fills `dst` from region offset `offset`.
    fn read(&mut self, src: &Src<'_>, offset: u64, dst: &mut [u8]) -> Result<(), ConvertError> {
        if dst.len() as u64 >= DIRECT {
            return src.read_at(offset, dst);
        }
        if self.data.is_empty() {
            self.data = vec![0u8; usize::try_from(BLOCK * SLOTS).unwrap_or(1 << 22)];
        }
        if self.tags.is_empty() {
            self.tags = vec![None; usize::try_from(SLOTS).unwrap_or(64)];
        }
        let mut pos = offset;
        let mut done = 0usize;
        while done < dst.len() {
            let block = pos / BLOCK;
            let slot = usize::try_from(block % SLOTS).unwrap_or(0);
            let block_start = block * BLOCK;
            let cached = self.tags.get(slot).copied().flatten();
            let block_len = match cached {
                Some((tag, len)) if tag == block => len,
                _ => {
                    let len = BLOCK.min(src.len.saturating_sub(block_start));
                    if len == 0 {
                        return Err(ConvertError::Malformed {
                            message: format!(
                                "a read at offset {pos} runs past a region of {} bytes",
                                src.len
                            ),
                        });
                    }
                    let at = usize::try_from(BLOCK).unwrap_or(0) * slot;
                    let l = usize::try_from(len).unwrap_or(0);
                    let area = self.data.get_mut(at..at + l).unwrap_or_default();
                    src.read_at(block_start, area)?;
                    if let Some(tag) = self.tags.get_mut(slot) {
                        *tag = Some((block, len));
                    }
                    len
                }
            };
            let within = pos - block_start;
            if within >= block_len {
                return Err(ConvertError::Malformed {
                    message: format!(
                        "a read at offset {pos} runs past a region of {} bytes",
                        src.len
                    ),
                });
            }
            let n = usize::try_from(block_len - within)
                .unwrap_or(usize::MAX)
                .min(dst.len() - done);
            let at =
                usize::try_from(BLOCK).unwrap_or(0) * slot + usize::try_from(within).unwrap_or(0);
            let from = self.data.get(at..at + n).unwrap_or_default();
            if let Some(to) = dst.get_mut(done..done + n) {
                to.copy_from_slice(from);
            }
            done += n;
            pos += n as u64;
        }
        Ok(())
    }
}

/// Reusable buffers for writing tensors.
#[derive(Default)]
pub(crate) struct Copier {
    scratch: Vec<u8>,
    slab: Vec<u8>,
    run: Vec<u8>,
    cache: BlockCache,
}

impl Copier {
    /// Writes the elements of `view` (read from `src`) to `sink` in C order, swapping
    /// `swap`-byte units when non-zero. `progress` is told every byte count written.
    pub fn write(
        &mut self,
        src: &Src<'_>,
        view: &View,
        swap: u64,
        sink: &mut dyn Sink,
        progress: &dyn Fn(u64),
    ) -> Result<(), ConvertError> {
        let nbytes = view.nbytes().ok_or_else(|| ConvertError::Malformed {
            message: "tensor size overflows".to_owned(),
        })?;
        if nbytes == 0 {
            return Ok(());
        }
        if view.is_contiguous() {
            if swap <= 1 {
                return sink.splice(src, view.start, nbytes, &mut self.scratch, progress);
            }
            // Whole units per chunk, so no unit is split between two swaps.
            let unit = usize::try_from(swap).unwrap_or(1).max(1);
            let cap = (BUFFER / unit).max(1) * unit;
            let mut done = 0u64;
            while done < nbytes {
                let n = chunk_len(nbytes - done, cap);
                self.scratch.resize(n.max(self.scratch.len()), 0);
                let buf = self.scratch.get_mut(..n).unwrap_or_default();
                src.read_at(view.start + done, buf)?;
                swap_units(buf, swap);
                sink.put(buf)?;
                done += n as u64;
                progress(n as u64);
            }
            return Ok(());
        }
        self.cache.clear();
        self.gather(
            src,
            &view.shape,
            &view.stride,
            view.start,
            view.element_size,
            swap,
            sink,
            progress,
        )
    }

    /// Writes a strided view: slabs of whole rows of dimension 0 when a row fits in [`SLAB`],
    /// else each row recursively.
    #[allow(clippy::too_many_arguments)] // the fields of one view plus where it goes
    fn gather(
        &mut self,
        src: &Src<'_>,
        shape: &[u64],
        stride: &[u64],
        start: u64,
        element_size: u64,
        swap: u64,
        sink: &mut dyn Sink,
        progress: &dyn Fn(u64),
    ) -> Result<(), ConvertError> {
        let (Some((&rows, rest_shape)), Some((&row_stride, rest_stride))) =
            (shape.split_first(), stride.split_first())
        else {
            // A scalar is contiguous and never gets here; nothing to gather.
            return Ok(());
        };
        let row_bytes = rest_shape
            .iter()
            .fold(element_size, |acc, &d| acc.saturating_mul(d));
        let step = row_stride.saturating_mul(element_size);
        if row_bytes > SLAB && !rest_shape.is_empty() {
            for i in 0..rows {
                let row_start = start.saturating_add(i.saturating_mul(step));
                self.gather(
                    src,
                    rest_shape,
                    rest_stride,
                    row_start,
                    element_size,
                    swap,
                    sink,
                    progress,
                )?;
            }
            return Ok(());
        }
        let per_slab = (SLAB / row_bytes.max(1)).max(1);
        let mut first = 0u64;
        let mut sub_shape = shape.to_vec();
        while first < rows {
            let count = per_slab.min(rows - first);
            if let Some(d0) = sub_shape.first_mut() {
                *d0 = count;
            }
            let bytes = usize::try_from(count.saturating_mul(row_bytes)).unwrap_or(usize::MAX);
            let slab_start = start.saturating_add(first.saturating_mul(step));
            self.fill(src, &sub_shape, stride, slab_start, element_size, bytes)?;
            let slab = self.slab.get_mut(..bytes).unwrap_or_default();
            swap_units(slab, swap);
            sink.put(slab)?;
            progress(bytes as u64);
            first += count;
        }
        Ok(())
    }

    /// Fills `self.slab[..bytes]` with the C-order elements of a view that fits in a slab,
    /// looping over dimensions by decreasing source stride so reads follow the source layout.
    fn fill(
        &mut self,
        src: &Src<'_>,
        shape: &[u64],
        stride: &[u64],
        start: u64,
        element_size: u64,
        bytes: usize,
    ) -> Result<(), ConvertError> {
        if self.slab.len() < bytes {
            self.slab.resize(bytes, 0);
        }
        let Copier {
            slab, run, cache, ..
        } = self;
        let out = slab.get_mut(..bytes).unwrap_or_default();
        let out_stride = c_strides(shape);
        let mut order: Vec<usize> = (0..shape.len()).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (stride.get(a), stride.get(b));
            sb.cmp(&sa).then(a.cmp(&b))
        });
        let Some((&inner, outer)) = order.split_last() else {
            return Ok(());
        };
        let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
        let (inner_len, inner_stride, inner_out) = (
            get(shape, inner),
            get(stride, inner),
            get(&out_stride, inner),
        );
        let es = usize::try_from(element_size).unwrap_or(1);
        let inner_n = usize::try_from(inner_len).unwrap_or(0);
        let step_out = usize::try_from(inner_out).unwrap_or(0);
        let run_bytes = inner_n * es;
        // Source runs that land in the output with a stride (a transpose) are read several at
        // a time along the fastest outer dimension, then written out as rows of that batch:
        // the scatter then touches a small buffer and contiguous output, not one cache line
        // per element.
        let fast = outer.last().copied();
        let batch = match fast {
            Some(f) if inner_stride == 1 && inner_out != 1 => {
                (TILE / (run_bytes as u64).max(1)).clamp(1, get(shape, f).max(1))
            }
            _ => 1,
        };
        let (fast_stride, fast_out) = fast.map_or((0, 0), |f| {
            (
                get(stride, f).saturating_mul(element_size),
                usize::try_from(get(&out_stride, f)).unwrap_or(0),
            )
        });
        let mut index = vec![0u64; shape.len()];
        loop {
            let mut src_el = 0u64;
            let mut dst_el = 0u64;
            for &d in outer {
                let i = get(&index, d);
                src_el = src_el.saturating_add(i.saturating_mul(get(stride, d)));
                dst_el = dst_el.saturating_add(i.saturating_mul(get(&out_stride, d)));
            }
            let src_off = start.saturating_add(src_el.saturating_mul(element_size));
            let dst = usize::try_from(dst_el).unwrap_or(usize::MAX);
            let count = fast.map_or(1, |f| {
                batch.min(get(shape, f).saturating_sub(get(&index, f)).max(1))
            });
            if inner_stride == 1 && inner_out == 1 {
                let to = out
                    .get_mut(dst * es..dst * es + run_bytes)
                    .unwrap_or_default();
                cache.read(src, src_off, to)?;
            } else if inner_stride == 1 {
                let runs = usize::try_from(count).unwrap_or(1);
                run.resize((runs * run_bytes).max(run.len()), 0);
                for t in 0..runs {
                    let from = run
                        .get_mut(t * run_bytes..(t + 1) * run_bytes)
                        .unwrap_or_default();
                    let at = src_off.saturating_add((t as u64).saturating_mul(fast_stride));
                    cache.read(src, at, from)?;
                }
                for k in 0..inner_n {
                    let base = dst + k * step_out;
                    for t in 0..runs {
                        let at = (base + t * fast_out) * es;
                        let from = (t * inner_n + k) * es;
                        if let (Some(to), Some(element)) =
                            (out.get_mut(at..at + es), run.get(from..from + es))
                        {
                            to.copy_from_slice(element);
                        }
                    }
                }
            } else {
                let src_step = inner_stride.saturating_mul(element_size);
                for k in 0..inner_n {
                    let at = (dst + k * step_out) * es;
                    let to = out.get_mut(at..at + es).unwrap_or_default();
                    cache.read(
                        src,
                        src_off.saturating_add((k as u64).saturating_mul(src_step)),
                        to,
                    )?;
                }
            }
            // Odometer over the outer dimensions, the last of `outer` fastest (by `count`).
            let mut carried = true;
            for &d in outer.iter().rev() {
                if let Some(i) = index.get_mut(d) {
                    *i += if Some(d) == fast { count } else { 1 };
                    if *i < get(shape, d) {
                        carried = false;
                        break;
                    }
                    *i = 0;
                }
            }
            if carried {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::View;

    struct VecSink(Vec<u8>);

    impl Sink for VecSink {
        fn put(&mut self, bytes: &[u8]) -> Result<(), ConvertError> {
            self.0.extend_from_slice(bytes);
            Ok(())
        }
        fn splice(
            &mut self,
            src: &Src<'_>,
            offset: u64,
            len: u64,
            _: &mut Vec<u8>,
            progress: &dyn Fn(u64),
        ) -> Result<(), ConvertError> {
            let mut buf = vec![0u8; usize::try_from(len).unwrap()];
            src.read_at(offset, &mut buf)?;
            self.0.extend(buf);
            progress(len);
            Ok(())
        }
    }

    /// The reference: element by element in C order.
    fn naive(data: &[u8], view: &View) -> Vec<u8> {
        let n = usize::try_from(view.numel().unwrap()).unwrap();
        let es = usize::try_from(view.element_size).unwrap();
        let mut out = Vec::new();
        for flat in 0..n {
            let mut rem = flat as u64;
            let mut off = view.start;
            for (d, &size) in view.shape.iter().enumerate().rev() {
                let i = rem % size;
                rem /= size;
                off += i * view.stride[d] * view.element_size;
            }
            let off = usize::try_from(off).unwrap();
            out.extend_from_slice(&data[off..off + es]);
        }
        out
    }

    fn check(data: &[u8], view: &View) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("src");
        std::fs::write(&path, data).unwrap();
        let file = File::open(&path).unwrap();
        let src = Src {
            file: &file,
            path: &path,
            base: 0,
            len: data.len() as u64,
        };
        let mut sink = VecSink(Vec::new());
        Copier::default()
            .write(&src, view, 0, &mut sink, &|_| {})
            .unwrap();
        assert_eq!(sink.0, naive(data, view), "{view:?}");
    }

    #[test]
    fn gathers_match_the_naive_walk() {
        let data: Vec<u8> = (0..4096u32).flat_map(u32::to_le_bytes).collect();
        let v = |start, shape: &[u64], stride: &[u64]| View {
            start,
            shape: shape.to_vec(),
            stride: stride.to_vec(),
            element_size: 4,
        };
        check(&data, &v(0, &[16, 16], &[1, 16])); // transposed
        check(&data, &v(12, &[5, 7], &[20, 2])); // strided with offset
        check(&data, &v(4, &[3, 4, 5], &[1, 3, 12])); // permuted 3-d
        check(&data, &v(0, &[4, 8], &[0, 1])); // expanded (stride 0)
        check(&data, &v(0, &[2, 1, 3], &[1, 50, 2])); // size-1 dim
        check(&data, &v(0, &[64, 64], &[1, 64])); // transposed, whole buffer
        check(&data, &v(8, &[37, 53], &[1, 60])); // transposed slice, odd sizes
        check(&data, &v(0, &[5, 3, 7], &[1, 400, 5])); // batched runs along a middle dim
    }

    #[test]
    fn big_slabs_split_rows() {
        // 1536 x 1024 u32 = 6 MiB source, transposed view: more than one slab.
        let n = 1536u64 * 1024;
        let data: Vec<u8> = (0..u32::try_from(n).unwrap())
            .flat_map(u32::to_le_bytes)
            .collect();
        check(
            &data,
            &View {
                start: 0,
                shape: vec![1024, 1536],
                stride: vec![1, 1024],
                element_size: 4,
            },
        );
    }

    #[test]
    fn compare_sink_reports_the_first_differing_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"headerABCDEF").unwrap();
        let file = File::open(&path).unwrap();
        let mut sink = CompareSink {
            file: &file,
            path: &path,
            pos: 6,
            tensor: "w".to_owned(),
            buf: Vec::new(),
        };
        sink.put(b"ABC").unwrap();
        let err = sink.put(b"DXF").unwrap_err();
        assert!(
            matches!(&err, ConvertError::VerifyMismatch { what } if what.contains("`w`") && what.contains("offset 10")),
            "{err}"
        );
    }

    #[test]
    fn swaps_units() {
        let mut b = [1u8, 2, 3, 4, 5, 6, 7, 8];
        swap_units(&mut b, 4);
        assert_eq!(b, [4, 3, 2, 1, 8, 7, 6, 5]);
        swap_units(&mut b, 1);
        assert_eq!(b, [4, 3, 2, 1, 8, 7, 6, 5]);
    }
}
