//! One conversion, start to finish: scan (refuse with findings), read the inputs with the
//! weights-only reader, plan, stream the bytes into a temporary file beside the output,
//! optionally verify, and only then rename it into place (mode 0640, never over an existing
//! file without `force`). Any failure drops the temporary file, so no partial output exists.

use std::path::{Path, PathBuf};

use tw_checkpoint::Format;
use tw_diagnostics::Finding;
use tw_modelscan::{ScanOptions, ScreenError, Screened};
use tw_pickle::Profile;

use crate::copy::{Copier, FileSink};
use crate::error::ConvertError;
use crate::options::ConvertOptions;
use crate::plan::{self, Plan};
use crate::source::{Inputs, Sources};
use crate::{checkpoint, numpy, verify};

/// Bytes written between two write-behind requests: small enough that the disk starts early
/// and the final fsync waits for little, large enough that the requests cost nothing.
const FLUSH_EVERY: u64 = 16 << 20;

/// What a conversion wrote.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The input file.
    pub input: PathBuf,
    /// The output file.
    pub output: PathBuf,
    /// The input format (`torch-zip`, `legacy-stream`, `npy`, `npz`).
    pub format: &'static str,
    /// Tensors found in the input.
    pub tensors: usize,
    /// Tensors written (fewer with `--dedupe`).
    pub written: usize,
    /// Bytes of the output file.
    pub bytes: u64,
    /// Values stored in `__metadata__` (torchward's own keys not counted).
    pub values: usize,
    /// Values dropped by `--drop-non-tensors` (`key (what)`).
    pub dropped: Vec<String>,
    /// `(alias, kept)` pairs written once by `--dedupe`.
    pub aliases: Vec<(String, String)>,
    /// Whether `--verify` re-read and compared the output.
    pub verified: bool,
    /// Findings below `low` (for example TW114 notes) seen while scanning the input.
    pub notes: Vec<Finding>,
}

/// The default output of `input`: the same path with the extension `.safetensors`.
pub fn default_output(input: &Path) -> PathBuf {
    input.with_extension("safetensors")
}

/// Whether `format` is one `convert` reads.
pub fn is_convertible(format: Format) -> bool {
    matches!(
        format,
        Format::TorchZip | Format::LegacyStream | Format::Npy | Format::Npz
    )
}

/// Screens the input as `torchward scan` would (with the user's extra globals): findings at
/// `low` or above refuse it (before any analysis error), analysis errors make it malformed.
fn screen<'a>(
    display: &str,
    data: &'a [u8],
    options: &ConvertOptions,
) -> Result<Screened<'a>, ConvertError> {
    let scan = ScanOptions {
        checkpoint: options.checkpoint.clone(),
        pickle: options.parse_options(Profile::Scan),
        ..ScanOptions::default()
    };
    tw_modelscan::screen(display, data, &scan).map_err(|err| match err {
        ScreenError::Refused { findings, .. } => ConvertError::Refused {
            reason: findings
                .first()
                .map(|first| format!("{} {}: {}", first.rule, first.name, first.message))
                .unwrap_or_default(),
            findings,
        },
        ScreenError::Unreadable { message } => ConvertError::Malformed { message },
    })
}

/// Reads `input` into tensors and values and plans the output.
fn read_and_plan(
    input: &Path,
    options: &ConvertOptions,
) -> Result<(Format, Vec<Finding>, Inputs, Plan), ConvertError> {
    // The map is only touched for headers and pickles (tensor bytes are copied with
    // copy_file_range/pread), and it is unmapped before any tensor byte moves; the pages the
    // walk touches are given back as it goes (tw_modelscan::with_mapped).
    let mapping = tw_fs::Mapping::open(input)?;
    tw_modelscan::with_mapped(mapping, |data| read_and_plan_mapped(input, data, options))
}

/// [`read_and_plan`] on the mapped input.
fn read_and_plan_mapped(
    input: &Path,
    data: &[u8],
    options: &ConvertOptions,
) -> Result<(Format, Vec<Finding>, Inputs, Plan), ConvertError> {
    let (format, notes, inputs) = read_inputs(&input.display().to_string(), data, options)?;
    let plan = plan::plan(&inputs, options, data.len() as u64)?;
    Ok((format, notes, inputs, plan))
}

/// Screens the checkpoint bytes `data` (named `display` in findings) and reads its tensors
/// and values with the weights-only reader; every view is checked to lie inside its storage.
/// Regions are placed relative to `data`.
pub(crate) fn read_inputs(
    display: &str,
    data: &[u8],
    options: &ConvertOptions,
) -> Result<(Format, Vec<Finding>, Inputs), ConvertError> {
    let Screened {
        format,
        notes,
        container,
    } = screen(display, data, options)?;
    // The container the screening opened: every convertible format is one detected by
    // content, so it is there for them.
    let container = match container {
        Some(container) if is_convertible(format) => container,
        _ => {
            return Err(ConvertError::UnsupportedFormat {
                format: format.name(),
            })
        }
    };
    if let Some(err) = container.errors.first() {
        return Err(ConvertError::Malformed {
            message: err.to_string(),
        });
    }
    let inputs = match format {
        Format::Npy | Format::Npz => numpy::inputs(data, &container, options),
        _ => checkpoint::inputs(data, &container, options),
    };
    let inputs = match inputs {
        // The weights-only parse stopped on something the scan only noted (an opcode torch's
        // weights-only loader rejects, TW114): the notes are the findings that explain it.
        Err(ConvertError::Refused { reason, findings }) if findings.is_empty() => {
            return Err(ConvertError::Refused {
                reason,
                findings: notes,
            })
        }
        other => other?,
    };
    inputs.check_bounds()?;
    Ok((format, notes, inputs))
}

/// Converts `input` to the safetensors file `output`. `progress` is called with the number of
/// tensor bytes written as they are written.
pub fn convert_file(
    input: &Path,
    output: &Path,
    options: &ConvertOptions,
    progress: &dyn Fn(u64),
) -> Result<Conversion, ConvertError> {
    if crate::same_file::output_is_input(input, output) {
        return Err(ConvertError::OutputIsInput {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
        });
    }
    let (format, notes, inputs, plan) = read_and_plan(input, options)?;
    let write_options = tw_fs::WriteOptions::new()
        .force(options.force)
        .create_parents(options.create_parents);
    let file = tw_fs::AtomicFile::create(output, write_options)?;
    // Reserve the whole output up front: one extent allocation instead of many as the copy
    // grows the file, and an early ENOSPC that stops here instead of writing until the disk is
    // full. File systems without fallocate (EOPNOTSUPP) just skip the reservation.
    let reserved = rustix::fs::fallocate(
        file.as_file(),
        rustix::fs::FallocateFlags::empty(),
        0,
        plan.file_len(),
    );
    let no_space = match reserved {
        Err(rustix::io::Errno::NOSPC) => Some("ENOSPC: no space left on device"),
        Err(rustix::io::Errno::FBIG) => Some("EFBIG: larger than the file size limit allows"),
        Err(rustix::io::Errno::DQUOT) => Some("EDQUOT: the disk quota is exceeded"),
        _ => None,
    };
    if let Some(reason) = no_space {
        return Err(ConvertError::NoSpace {
            path: output.to_path_buf(),
            bytes: plan.file_len(),
            reason,
        });
    }
    let out_dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut sources = Sources::open(input, &out_dir, inputs.regions.len())?;
    let mut copier = Copier::default();
    let mut sink = FileSink {
        file: file.as_file(),
        path: output,
        pos: 0,
    };
    crate::copy::Sink::put(&mut sink, &plan.header)?;
    // Write-behind: every FLUSH_EVERY bytes a helper thread is handed the range just written
    // and asks the kernel to start writing it to disk and drop it from the page cache once
    // clean (`posix_fadvise(DONTNEED)` starts write-back without waiting for it). The disk
    // works while the copy goes on, the final fsync of `commit` has only the tail left, and a
    // big conversion does not push the user's page cache out with output pages. Advice only:
    // errors are ignored here, and `commit`'s fsync reports any write error.
    let behind = file
        .as_file()
        .try_clone()
        .map_err(|e| crate::error::io(tw_fs::Op::Sync, output, e))?;
    let header_len = plan.header.len() as u64;
    let copied = std::thread::scope(|scope| {
        let (hand, ranges) = std::sync::mpsc::sync_channel::<(u64, u64)>(16);
        scope.spawn(move || {
            for (start, end) in ranges {
                let _ = rustix::fs::fadvise(
                    &behind,
                    start,
                    std::num::NonZeroU64::new(end - start),
                    rustix::fs::Advice::DontNeed,
                );
            }
        });
        let written = std::cell::Cell::new(header_len);
        let handed = std::cell::Cell::new(0u64);
        let step = |n: u64| {
            progress(n);
            written.set(written.get() + n);
            // A full queue (the disk is behind) is not waited for: the next range handed
            // over starts where the last accepted one ended.
            if written.get() - handed.get() >= FLUSH_EVERY
                && hand.try_send((handed.get(), written.get())).is_ok()
            {
                handed.set(written.get());
            }
        };
        for (index, name, _) in &plan.order {
            let (Some(t), Some(region)) = (
                inputs.tensors.get(*index),
                inputs
                    .tensors
                    .get(*index)
                    .and_then(|t| inputs.regions.get(t.region)),
            ) else {
                return Err(ConvertError::Malformed {
                    message: format!("tensor `{name}` has no storage"),
                });
            };
            let src = sources.get(t.region, region)?;
            copier.write(&src, &t.view, t.swap, &mut sink, &step)?;
        }
        Ok(())
    });
    copied?;
    if sink.pos != plan.file_len() {
        return Err(ConvertError::VerifyMismatch {
            what: format!("wrote {} bytes but planned {}", sink.pos, plan.file_len()),
        });
    }
    if options.verify {
        verify::verify(
            file.as_file(),
            output,
            &plan,
            &inputs,
            &mut sources,
            &mut copier,
        )?;
    }
    file.commit()?;
    let own_keys = plan
        .metadata
        .keys()
        .filter(|k| *k == "format" || k.starts_with("torchward."))
        .count();
    Ok(Conversion {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        format: format.name(),
        tensors: inputs.tensors.len(),
        written: plan.order.len(),
        bytes: plan.file_len(),
        values: plan.metadata.len() - own_keys,
        dropped: plan.dropped,
        aliases: plan.aliases,
        verified: options.verify,
        notes,
    })
}
