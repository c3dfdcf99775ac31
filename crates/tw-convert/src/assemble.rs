//! Outputs assembled from many input files: each output tensor is made of pieces, each piece
//! a view in some input file's region that fills one box of the full tensor (a DCP chunk, or a
//! whole tensor of a shard). Before a byte is written the pieces of every tensor must tile it
//! exactly (a gap or an overlap is an error naming the tensor). Pieces are written through the
//! same bounded copier as single-file conversions: a piece that fills a contiguous range of the
//! output goes straight there, any other box is scattered run by run. Memory stays bounded by
//! the copier's buffers and a few open input files, whatever the checkpoint size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::copy::{CompareSink, Copier, FileSink, Sink};
use crate::error::{io, ConvertError};
use crate::header::{self, HeaderEntry};
use crate::source::{Region, Sources, Src};
use crate::view::{c_strides, View};

/// Most grid cells the coverage check of one tensor walks (4 Mi cells, one byte each): more
/// means the chunk boundaries are so irregular that no real writer produced them.
const MAX_CELLS: u64 = 1 << 22;

/// Input files kept open at once while writing.
const OPEN_FILES: usize = 32;

/// One input file and the regions pieces read from it.
#[derive(Debug)]
pub(crate) struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// Its regions, placed at absolute offsets in the file.
    pub regions: Vec<Region>,
}

/// One box of an output tensor and where its elements are.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    /// Index into the input files.
    pub file: usize,
    /// Index into that file's regions.
    pub region: usize,
    /// The elements, in the region.
    pub view: View,
    /// Byte-swap unit (0: none).
    pub swap: u64,
    /// Where the box starts in each dimension of the full tensor.
    pub offsets: Vec<u64>,
    /// The box's size in each dimension (equal to the view's shape).
    pub sizes: Vec<u64>,
}

/// One tensor of an output.
#[derive(Debug, Clone)]
pub(crate) struct OutTensor {
    /// Its name in the output.
    pub name: String,
    /// safetensors dtype.
    pub dtype: &'static str,
    /// Bytes per element.
    pub element_size: u64,
    /// The full shape.
    pub shape: Vec<u64>,
    /// The pieces that tile it.
    pub pieces: Vec<Piece>,
}

impl OutTensor {
    /// Bytes of the full tensor; `None` on overflow.
    pub fn nbytes(&self) -> Option<u64> {
        self.shape
            .iter()
            .try_fold(self.element_size, |a, &d| a.checked_mul(d))
    }
}

/// A tensor problem as an error naming it.
fn bad(name: &str, reason: String) -> ConvertError {
    ConvertError::BadChunks {
        name: name.to_owned(),
        reason,
    }
}

/// Checks the pieces of `tensor` tile it exactly: each inside the tensor, none overlapping,
/// none missing. The boundaries of all pieces cut each dimension into intervals; the grid of
/// cells they make is marked piece by piece (each cell at most once before an overlap stops
/// the walk), so the cost is bounded by [`MAX_CELLS`].
pub(crate) fn check_coverage(tensor: &OutTensor) -> Result<(), ConvertError> {
    let name = &tensor.name;
    let dims = tensor.shape.len();
    for piece in &tensor.pieces {
        if piece.offsets.len() != dims || piece.sizes.len() != dims {
            return Err(bad(
                name,
                format!(
                    "a chunk at {:?} has {} dimension(s), the tensor {dims}",
                    piece.offsets,
                    piece.sizes.len()
                ),
            ));
        }
        let inside = piece
            .offsets
            .iter()
            .zip(&piece.sizes)
            .zip(&tensor.shape)
            .all(|((&o, &s), &d)| o.checked_add(s).is_some_and(|end| end <= d));
        if !inside {
            return Err(bad(
                name,
                format!(
                    "the chunk at {:?} of size {:?} reaches outside the tensor's shape {:?}",
                    piece.offsets, piece.sizes, tensor.shape
                ),
            ));
        }
    }
    if tensor.shape.contains(&0) {
        return Ok(());
    }
    let pieces: Vec<&Piece> = tensor
        .pieces
        .iter()
        .filter(|p| !p.sizes.contains(&0))
        .collect();
    // Boundaries per dimension: 0, the size, and every piece's start and end.
    let mut cuts: Vec<Vec<u64>> = tensor.shape.iter().map(|&d| vec![0, d]).collect();
    for piece in &pieces {
        for ((cut, &o), &s) in cuts.iter_mut().zip(&piece.offsets).zip(&piece.sizes) {
            cut.push(o);
            cut.push(o + s);
        }
    }
    for cut in &mut cuts {
        cut.sort_unstable();
        cut.dedup();
    }
    let counts: Vec<u64> = cuts.iter().map(|c| c.len() as u64 - 1).collect();
    let cells = counts.iter().try_fold(1u64, |a, &c| a.checked_mul(c));
    let Some(cells) = cells.filter(|&c| c <= MAX_CELLS) else {
        return Err(bad(
            name,
            format!(
                "its {} chunks cut it into more than {MAX_CELLS} cells: not a layout torch writes",
                pieces.len()
            ),
        ));
    };
    let mut marked = vec![false; usize::try_from(cells).unwrap_or(0)];
    let strides = c_strides(&counts);
    for piece in &pieces {
        // The box of cells the piece covers, per dimension.
        let mut ranges = Vec::with_capacity(dims);
        for ((cut, &o), &s) in cuts.iter().zip(&piece.offsets).zip(&piece.sizes) {
            let lo = cut.binary_search(&o).unwrap_or(0) as u64;
            let hi = cut.binary_search(&(o + s)).unwrap_or(0) as u64;
            ranges.push((lo, hi));
        }
        let mut index: Vec<u64> = ranges.iter().map(|r| r.0).collect();
        'cells: loop {
            let cell: u64 = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
            match marked.get_mut(usize::try_from(cell).unwrap_or(usize::MAX)) {
                Some(m) if *m => {
                    return Err(bad(
                        name,
                        format!(
                            "the chunk at {:?} of size {:?} overlaps another chunk",
                            piece.offsets, piece.sizes
                        ),
                    ))
                }
                Some(m) => *m = true,
                None => break,
            }
            // Odometer over the box, last dimension fastest.
            let mut d = dims;
            loop {
                if d == 0 {
                    break 'cells;
                }
                d -= 1;
                let (Some(i), Some(&(lo, hi))) = (index.get_mut(d), ranges.get(d)) else {
                    break 'cells;
                };
                *i += 1;
                if *i < hi {
                    continue 'cells;
                }
                *i = lo;
            }
        }
    }
    if let Some(first) = marked.iter().position(|m| !m) {
        let mut rest = first as u64;
        let at: Vec<u64> = strides
            .iter()
            .zip(&cuts)
            .map(|(&s, cut)| {
                let i = rest / s.max(1);
                rest %= s.max(1);
                cut.get(usize::try_from(i).unwrap_or(0))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        return Err(bad(
            name,
            format!("no chunk holds its elements at {at:?}: the chunks leave a gap"),
        ));
    }
    Ok(())
}

/// The header entries of `tensors` (contiguous from 0, in the order given) and the data size.
pub(crate) fn entries(
    tensors: &[&OutTensor],
) -> Result<(Vec<(String, HeaderEntry)>, u64), ConvertError> {
    let mut offset = 0u64;
    let mut out = Vec::with_capacity(tensors.len());
    for t in tensors {
        let end = t
            .nbytes()
            .and_then(|n| offset.checked_add(n))
            .ok_or_else(|| bad(&t.name, "its size overflows".to_owned()))?;
        out.push((
            t.name.clone(),
            HeaderEntry {
                dtype: t.dtype.to_owned(),
                shape: t.shape.clone(),
                data_offsets: [offset, end],
            },
        ));
        offset = end;
    }
    Ok((out, offset))
}

/// Open inputs, a few at a time.
struct OpenFiles<'a> {
    files: &'a [InputFile],
    temp_dir: PathBuf,
    open: HashMap<usize, Sources>,
}

impl<'a> OpenFiles<'a> {
    fn new(files: &'a [InputFile], temp_dir: &Path) -> Self {
        OpenFiles {
            files,
            temp_dir: temp_dir.to_path_buf(),
            open: HashMap::new(),
        }
    }

    /// A reader of region `region` of file `file`.
    fn get(&mut self, file: usize, region: usize) -> Result<Src<'_>, ConvertError> {
        let missing = || ConvertError::Malformed {
            message: format!("piece of input file {file} region {region} does not exist"),
        };
        let input = self.files.get(file).ok_or_else(missing)?;
        let r = input.regions.get(region).ok_or_else(missing)?;
        if !self.open.contains_key(&file) {
            if self.open.len() >= OPEN_FILES {
                self.open.clear();
            }
            let sources = Sources::open(&input.path, &self.temp_dir, input.regions.len())?;
            self.open.insert(file, sources);
        }
        self.open.get_mut(&file).ok_or_else(missing)?.get(region, r)
    }
}

/// Writes a box piece scattered into the full tensor (or, with `compare`, checks the output
/// holds it): the piece arrives in its own C order, and lands as runs of whole trailing rows.
struct ScatterSink<'a> {
    file: &'a File,
    path: &'a Path,
    compare: bool,
    tensor: &'a str,
    /// Absolute offset of the full tensor's first byte.
    base: u64,
    element_size: u64,
    full_strides: Vec<u64>,
    offsets: &'a [u64],
    sizes: &'a [u64],
    /// The last dimension the piece does not fill: runs start there.
    split: usize,
    /// Bytes per run.
    run: u64,
    /// Position among the runs (dimensions before `split`).
    index: Vec<u64>,
    /// Bytes already written of the current run.
    within: u64,
    buf: Vec<u8>,
}

impl ScatterSink<'_> {
    fn run_start(&self) -> u64 {
        let mut element = 0u64;
        for (d, &stride) in self.full_strides.iter().enumerate().take(self.split + 1) {
            let at = self.offsets.get(d).copied().unwrap_or(0)
                + if d < self.split {
                    self.index.get(d).copied().unwrap_or(0)
                } else {
                    0
                };
            element = element.saturating_add(at.saturating_mul(stride));
        }
        self.base
            .saturating_add(element.saturating_mul(self.element_size))
    }

    /// Moves to the next run; false when the piece has no more.
    fn advance(&mut self) -> bool {
        for d in (0..self.split).rev() {
            let size = self.sizes.get(d).copied().unwrap_or(0);
            if let Some(i) = self.index.get_mut(d) {
                *i += 1;
                if *i < size {
                    return true;
                }
                *i = 0;
            }
        }
        false
    }
}

impl Sink for ScatterSink<'_> {
    fn put(&mut self, mut bytes: &[u8]) -> Result<(), ConvertError> {
        while !bytes.is_empty() {
            if self.within == self.run {
                if !self.advance() {
                    return Err(bad(
                        self.tensor,
                        "a chunk holds more bytes than its box".to_owned(),
                    ));
                }
                self.within = 0;
            }
            let n = usize::try_from(self.run - self.within)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let (now, later) = bytes.split_at(n);
            let at = self.run_start().saturating_add(self.within);
            if self.compare {
                self.buf.resize(n.max(self.buf.len()), 0);
                let out = self.buf.get_mut(..n).unwrap_or_default();
                self.file
                    .read_exact_at(out, at)
                    .map_err(|e| io(tw_fs::Op::Read, self.path, e))?;
                if out != now {
                    return Err(ConvertError::VerifyMismatch {
                        what: format!(
                            "tensor `{}` differs from the source near output offset {at}",
                            self.tensor
                        ),
                    });
                }
            } else {
                self.file
                    .write_all_at(now, at)
                    .map_err(|e| io(tw_fs::Op::Write, self.path, e))?;
            }
            self.within += n as u64;
            bytes = later;
        }
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
        crate::copy::splice_buffered(self, src, offset, len, scratch, progress)
    }
}

/// One safetensors file of `tensors` (already checked with [`check_coverage`]) and `metadata`.
pub(crate) struct Output<'a> {
    /// Where it goes.
    pub path: &'a Path,
    /// Its tensors, in data order.
    pub tensors: Vec<&'a OutTensor>,
    /// Its `__metadata__`.
    pub metadata: &'a BTreeMap<String, String>,
}

/// Writes `output` atomically (mode 0640, never over an existing file without `force`,
/// parent directories created when `create_parents`), reading pieces from `files`; with
/// `verify` every piece is read again and compared before the rename. Returns the file size.
pub(crate) fn write(
    output: &Output<'_>,
    files: &[InputFile],
    options: &crate::ConvertOptions,
    progress: &dyn Fn(u64),
) -> Result<u64, ConvertError> {
    let (entries, data_len) = entries(&output.tensors)?;
    let header = header::encode(
        entries.iter().map(|(n, e)| (n.as_str(), e)),
        output.metadata,
    )
    .map_err(|e| ConvertError::Malformed {
        message: format!("cannot encode the header: {e}"),
    })?;
    let header_len = header.len() as u64;
    let path = output.path;
    let write_options = tw_fs::WriteOptions::new()
        .force(options.force)
        .create_parents(options.create_parents);
    let file = tw_fs::AtomicFile::create(path, write_options)?;
    let temp_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut open = OpenFiles::new(files, &temp_dir);
    let mut copier = Copier::default();
    let mut sink = FileSink {
        file: file.as_file(),
        path,
        pos: 0,
    };
    sink.put(&header)?;
    for pass in [false, true] {
        if pass && !options.verify {
            break;
        }
        for (tensor, (_, entry)) in output.tensors.iter().zip(&entries) {
            let base = header_len + entry.data_offsets[0];
            for piece in &tensor.pieces {
                let src = open.get(piece.file, piece.region)?;
                put_piece(
                    tensor,
                    piece,
                    base,
                    &src,
                    &file,
                    path,
                    pass,
                    &mut copier,
                    progress,
                )?;
            }
        }
    }
    let len = header_len + data_len;
    let actual = file
        .as_file()
        .metadata()
        .map_err(|e| io(tw_fs::Op::Stat, path, e))?
        .len();
    if actual != len {
        return Err(ConvertError::VerifyMismatch {
            what: format!(
                "`{}` has {actual} bytes but {len} were planned",
                path.display()
            ),
        });
    }
    file.commit()?;
    Ok(len)
}

/// Writes (or, with `compare`, checks) one piece of `tensor`, whose data starts at `base`.
#[allow(clippy::too_many_arguments)] // one piece, where it comes from and where it goes
fn put_piece(
    tensor: &OutTensor,
    piece: &Piece,
    base: u64,
    src: &Src<'_>,
    file: &tw_fs::AtomicFile,
    path: &Path,
    compare: bool,
    copier: &mut Copier,
    progress: &dyn Fn(u64),
) -> Result<(), ConvertError> {
    if piece.sizes.contains(&0) {
        return Ok(());
    }
    let quiet = |_: u64| {};
    let progress: &dyn Fn(u64) = if compare { &quiet } else { progress };
    let split = piece
        .sizes
        .iter()
        .zip(&tensor.shape)
        .rposition(|(s, d)| s != d);
    // The piece is one contiguous range of the output when it fills every dimension after
    // `split` and has size 1 in every dimension before it.
    let contiguous = split.is_none_or(|k| piece.sizes.iter().take(k).all(|&s| s == 1));
    let split = split.filter(|_| !contiguous);
    let Some(split) = split else {
        let strides = c_strides(&tensor.shape);
        let start = piece
            .offsets
            .iter()
            .zip(&strides)
            .fold(0u64, |a, (&o, &s)| a.saturating_add(o.saturating_mul(s)));
        let pos = base.saturating_add(start.saturating_mul(tensor.element_size));
        if compare {
            let mut sink = CompareSink {
                file: file.as_file(),
                path,
                pos,
                tensor: tensor.name.clone(),
                buf: Vec::new(),
            };
            return copier.write(src, &piece.view, piece.swap, &mut sink, progress);
        }
        let mut sink = FileSink {
            file: file.as_file(),
            path,
            pos,
        };
        return copier.write(src, &piece.view, piece.swap, &mut sink, progress);
    };
    let run = piece
        .sizes
        .iter()
        .skip(split)
        .fold(tensor.element_size, |a, &s| a.saturating_mul(s));
    let mut sink = ScatterSink {
        file: file.as_file(),
        path,
        compare,
        tensor: &tensor.name,
        base,
        element_size: tensor.element_size,
        full_strides: c_strides(&tensor.shape),
        offsets: &piece.offsets,
        sizes: &piece.sizes,
        split,
        run,
        index: vec![0; split],
        within: 0,
        buf: Vec::new(),
    };
    copier.write(src, &piece.view, piece.swap, &mut sink, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(offsets: &[u64], sizes: &[u64]) -> Piece {
        Piece {
            file: 0,
            region: 0,
            view: View {
                start: 0,
                shape: sizes.to_vec(),
                stride: c_strides(sizes),
                element_size: 4,
            },
            swap: 0,
            offsets: offsets.to_vec(),
            sizes: sizes.to_vec(),
        }
    }

    fn tensor(shape: &[u64], pieces: Vec<Piece>) -> OutTensor {
        OutTensor {
            name: "w".to_owned(),
            dtype: "F32",
            element_size: 4,
            shape: shape.to_vec(),
            pieces,
        }
    }

    #[test]
    fn coverage_accepts_tilings_and_names_gaps_and_overlaps() {
        let grid = tensor(
            &[4, 6],
            vec![
                piece(&[0, 0], &[2, 6]),
                piece(&[2, 0], &[2, 3]),
                piece(&[2, 3], &[2, 3]),
            ],
        );
        assert!(check_coverage(&grid).is_ok());
        assert!(check_coverage(&tensor(&[], vec![piece(&[], &[])])).is_ok());
        let gap = tensor(
            &[4, 6],
            vec![piece(&[0, 0], &[2, 6]), piece(&[2, 0], &[2, 3])],
        );
        assert_eq!(
            check_coverage(&gap).unwrap_err().to_string(),
            "tensor `w`: no chunk holds its elements at [2, 3]: the chunks leave a gap"
        );
        let overlap = tensor(&[4], vec![piece(&[0], &[3]), piece(&[2], &[2])]);
        assert_eq!(
            check_coverage(&overlap).unwrap_err().to_string(),
            "tensor `w`: the chunk at [2] of size [2] overlaps another chunk"
        );
        let outside = tensor(&[4], vec![piece(&[2], &[3])]);
        assert!(check_coverage(&outside)
            .unwrap_err()
            .to_string()
            .contains("reaches outside"));
        assert!(check_coverage(&tensor(&[4], vec![])).is_err());
    }
}
