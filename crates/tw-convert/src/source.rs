//! What a conversion reads: the tensors found in the input (name, safetensors dtype, byte-swap
//! unit, view) and the regions their bytes live in (stored records read in place, deflated
//! records inflated once into an unnamed temporary file). Every read is bounds-checked against
//! the region's validated length, never against sizes the input declares elsewhere.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use tw_pickle::torch::Leaf;

use crate::error::{io, ConvertError};
use crate::view::View;

/// How a region's bytes are stored in the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// The bytes are in the file at `start..start + len`.
    Stored {
        /// Absolute offset of the first byte.
        start: u64,
    },
    /// A raw-deflate stream at `start..end`; the region is its output from `skip` on.
    Deflated {
        /// Absolute offset of the compressed stream.
        start: u64,
        /// Absolute end of the compressed stream.
        end: u64,
        /// Inflated bytes before the region (an `.npy` header inside a deflated member).
        skip: u64,
    },
}

/// One storage record (or `.npy` data block) tensors read from.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// Record name for messages (`archive/data/0`, `legacy storage 3`, `w.npy`).
    pub name: String,
    /// Where the bytes are.
    pub placement: Placement,
    /// Length in bytes (uncompressed), validated against the file.
    pub len: u64,
}

/// One tensor to write.
#[derive(Debug, Clone)]
pub(crate) struct InputTensor {
    /// Dotted name (the bare-tensor name already applied).
    pub name: String,
    /// safetensors dtype string.
    pub dtype: &'static str,
    /// Bytes per byte-swapped unit when the source is big-endian (0 when no swap is needed).
    pub swap: u64,
    /// Where its elements are within its region.
    pub view: View,
    /// Index into [`Inputs::regions`].
    pub region: usize,
    /// Where it was found, for messages (`data.pkl offset 213, storage 0`).
    pub origin: String,
}

/// Everything read from the input before planning.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    /// Tensors in the order the input lists them.
    pub tensors: Vec<InputTensor>,
    /// Non-tensor values with their dotted keys.
    pub values: Vec<(String, Leaf)>,
    /// Regions the tensors read.
    pub regions: Vec<Region>,
    /// Index of each region by name (a state dict may have a million storages).
    by_name: HashMap<String, usize>,
}

impl Inputs {
    /// The index of the region called `name`, adding it on first use.
    pub fn region(&mut self, name: &str, placement: Placement, len: u64) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.regions.push(Region {
            name: name.to_owned(),
            placement,
            len,
        });
        let index = self.regions.len() - 1;
        self.by_name.insert(name.to_owned(), index);
        index
    }

    /// Checks every view lies inside its region (the record's real length).
    pub fn check_bounds(&self) -> Result<(), ConvertError> {
        for t in &self.tensors {
            let Some(region) = self.regions.get(t.region) else {
                return Err(ConvertError::Malformed {
                    message: format!("tensor `{}` has no storage", t.name),
                });
            };
            let needed = t.view.end();
            if needed.is_none_or(|n| n > region.len) || t.view.nbytes().is_none() {
                return Err(ConvertError::ViewOutOfBounds {
                    name: t.name.clone(),
                    storage: region.name.clone(),
                    needed,
                    available: region.len,
                });
            }
        }
        Ok(())
    }
}

/// A readable window of a file: `len` bytes from `base`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Src<'a> {
    /// The file.
    pub file: &'a File,
    /// Its path, for errors.
    pub path: &'a Path,
    /// Absolute offset of byte 0 of the region.
    pub base: u64,
    /// Bytes in the region.
    pub len: u64,
}

impl Src<'_> {
    /// Fills `buf` from region offset `offset`; refuses to read past the region.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ConvertError> {
        let want = buf.len() as u64;
        if offset.checked_add(want).is_none_or(|end| end > self.len) {
            return Err(ConvertError::Malformed {
                message: format!(
                    "a read of {want} bytes at offset {offset} runs past a region of {} bytes",
                    self.len
                ),
            });
        }
        let absolute = self.base.saturating_add(offset);
        self.file.read_exact_at(buf, absolute).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                ConvertError::Malformed {
                    message: format!(
                        "`{}` ends before offset {}: the file changed or is truncated",
                        self.path.display(),
                        absolute.saturating_add(want)
                    ),
                }
            } else {
                io(tw_fs::Op::Read, self.path, e)
            }
        })
    }

    /// The absolute file offset of region offset `offset`.
    pub fn absolute(&self, offset: u64) -> u64 {
        self.base.saturating_add(offset)
    }
}

/// The input file and the inflated copies of its deflated regions (made on first use, kept
/// for `--verify`, removed when dropped).
pub(crate) struct Sources {
    input: File,
    input_path: PathBuf,
    temp_dir: PathBuf,
    inflated: Vec<Option<File>>,
}

impl Sources {
    /// Opens `path` for reading; inflated regions go to unnamed files in `temp_dir`.
    pub fn open(path: &Path, temp_dir: &Path, regions: usize) -> Result<Self, ConvertError> {
        let (input, _) = tw_fs::open_regular(path).map_err(ConvertError::Io)?;
        Ok(Sources {
            input,
            input_path: path.to_path_buf(),
            temp_dir: temp_dir.to_path_buf(),
            inflated: (0..regions).map(|_| None).collect(),
        })
    }

    /// A reader for `region` (number `index`), inflating it first when it is deflated.
    pub fn get(&mut self, index: usize, region: &Region) -> Result<Src<'_>, ConvertError> {
        match region.placement {
            Placement::Stored { start } => Ok(Src {
                file: &self.input,
                path: &self.input_path,
                base: start,
                len: region.len,
            }),
            Placement::Deflated { start, end, skip } => {
                let needs = self.inflated.get(index).is_some_and(Option::is_none);
                if needs {
                    let file = inflate(
                        &self.input,
                        &self.input_path,
                        &self.temp_dir,
                        region,
                        (start, end, skip),
                    )?;
                    if let Some(slot) = self.inflated.get_mut(index) {
                        *slot = Some(file);
                    }
                }
                let file = self
                    .inflated
                    .get(index)
                    .and_then(Option::as_ref)
                    .ok_or_else(|| ConvertError::Malformed {
                        message: format!("region {index} does not exist"),
                    })?;
                Ok(Src {
                    file,
                    path: &self.temp_dir,
                    base: 0,
                    len: region.len,
                })
            }
        }
    }
}

/// Reads `start..end` of a file sequentially through `pread`.
struct RangeReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let Some(slice) = buf.get_mut(..n) else {
            return Ok(0);
        };
        let got = self.file.read_at(slice, self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

/// Inflates a deflated region into an unnamed temporary file, producing exactly `skip +
/// region.len` bytes (fewer or more is an error), through a bounded buffer.
fn inflate(
    input: &File,
    input_path: &Path,
    temp_dir: &Path,
    region: &Region,
    (start, end, skip): (u64, u64, u64),
) -> Result<File, ConvertError> {
    let bad = |message: String| ConvertError::Inflate {
        record: region.name.clone(),
        message,
    };
    let mut decoder = flate2::read::DeflateDecoder::new(RangeReader {
        file: input,
        pos: start,
        end,
    });
    let mut temp =
        tempfile::tempfile_in(temp_dir).map_err(|e| io(tw_fs::Op::CreateTemp, temp_dir, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let want = skip.saturating_add(region.len);
    let mut done = 0u64;
    while done < want {
        let room = usize::try_from(want - done)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let chunk = buf.get_mut(..room).unwrap_or_default();
        let n = decoder.read(chunk).map_err(|e| {
            bad(format!(
                "deflate stream is damaged after {done} bytes: {e} (in `{}`)",
                input_path.display()
            ))
        })?;
        if n == 0 {
            return Err(bad(format!(
                "inflates to {done} bytes but {want} are declared"
            )));
        }
        let produced = chunk.get(..n).unwrap_or_default();
        // Bytes before `skip` (an .npy header) are not part of the region.
        let keep_from = usize::try_from(skip.saturating_sub(done))
            .unwrap_or(usize::MAX)
            .min(n);
        if let Some(kept) = produced.get(keep_from..) {
            temp.write_all(kept)
                .map_err(|e| io(tw_fs::Op::Write, temp_dir, e))?;
        }
        done += n as u64;
    }
    let mut extra = [0u8; 1];
    if decoder.read(&mut extra).is_ok_and(|n| n > 0) {
        return Err(bad(format!(
            "inflates to more than the {want} bytes declared"
        )));
    }
    Ok(temp)
}
