//! `torchward convert IN [-o OUT]` and `torchward convert DIR --out-dir DIR2`: checkpoints to
//! safetensors with torchward's own weights-only reader (tw-convert). Files that fail the
//! policy are refused with the finding IDs that explain why (exit 1); files that cannot be
//! read or written are errors (exit 2). Every output is written atomically with mode 640.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use tw_convert::batch::{self, Entry};
use tw_convert::{
    convert_dcp, convert_file, convert_sharded, default_dcp_output, default_output, is_dcp_dir,
    sharded_index, Conversion, ConvertError, ConvertOptions, ShardedConversion,
};

use crate::config::Config;
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use crate::progress::Progress;

/// Arguments of `convert`.
#[allow(clippy::struct_excessive_bools)] // one per command-line switch
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Reads torch zip checkpoints, legacy (non-zip) torch files, NumPy .npy and \
.npz; nothing in the input is executed. Files that fail the weights-only policy (dangerous or \
non-allowlisted globals, TorchScript, legacy tar, storage or view violations) are refused with \
the finding IDs that explain why; run `torchward explain ID` for each.

Names: nested dicts, lists and tuples flatten to dotted keys (model.layers.0.weight); plain \
values (ints, floats, strings, bools, None, torch.Size) go into __metadata__ as JSON.

Directories: a torch.distributed.checkpoint (DCP) directory (.metadata beside *.distcp \
files) becomes one safetensors file (-o OUT, default DIR.safetensors beside the directory) with \
the tensors torch's dcp_to_torch_save gives: chunks stitched, fully qualified names \
(model.layers.0.weight), non-tensor items in __metadata__. A Hugging Face sharded set \
(pytorch_model-0000X-of-0000Y.bin beside pytorch_model.bin.index.json) with --out-dir OUT \
becomes model-0000X-of-0000Y.safetensors plus model.safetensors.index.json, shard boundaries \
kept unless --max-shard-size is given; the set is checked first (TW131-TW135 refuse it), and the \
index is written last. Any other directory with --out-dir converts file by file.

Exit codes: 0 converted, 1 refused (a file fails the policy or holds values that are not \
plain), 2 errors (unreadable or malformed input, unsupported tensor, existing output without \
--force).

Examples:
  torchward convert model.pt
  torchward convert pytorch_model.bin -o model.safetensors --verify
  torchward convert ckpt.pt --drop-non-tensors --dedupe
  torchward convert checkpoints/ --out-dir safetensors/
  torchward convert step-1000/ -o step-1000.safetensors        (a DCP directory)
  torchward convert llama-bin/ --out-dir llama-st/ --max-shard-size 5GB"
)]
pub struct Args {
    /// The checkpoint to convert, or a directory: a DCP checkpoint, or any directory with
    /// --out-dir.
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Output file (default: IN with the extension .safetensors; for a DCP directory,
    /// DIR.safetensors beside it).
    #[arg(long, short = 'o', value_name = "OUT", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,

    /// Convert the directory IN into this directory: a sharded .bin set into Hugging Face's
    /// safetensors layout, a DCP directory into one file, anything else checkpoint by checkpoint
    /// (same relative paths, extension .safetensors), in parallel.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// With --out-dir on a sharded .bin set: re-cut the output into shards of at most SIZE
    /// bytes of tensors (5GB, 500MB, 2GiB or plain bytes, as Hugging Face reads them; a tensor
    /// over SIZE gets its own shard) instead of keeping the input's shard boundaries.
    #[arg(long, value_name = "SIZE", value_parser = shard_size_parser, requires = "out_dir")]
    pub max_shard_size: Option<u64>,

    /// Name of the tensor when the checkpoint (or .npy) is a single bare tensor.
    #[arg(long, value_name = "NAME", default_value = "tensor")]
    pub name: String,

    /// Also accept this global for a class that only holds data, e.g. `argparse.Namespace`
    /// (repeatable): its objects are read as containers (args.lr ...), never constructed;
    /// recorded in the output metadata. Modules sys, os, posix, nt and dangerous callables are
    /// never accepted.
    #[arg(long, value_name = "MODULE.NAME")]
    pub allow_global: Vec<String>,

    /// Also accept the data-only globals of a framework profile (repeatable): numpy-rng,
    /// megatron, deepspeed, hf-trainer, lightning; torch-npu is always on (docs/profiles.md).
    #[arg(
        long,
        value_name = "NAME",
        value_parser = clap::builder::PossibleValuesParser::new(tw_modelscan::profiles::profile_names())
    )]
    pub profile: Vec<String>,

    /// Drop values that are neither tensors nor plain values (and say which) instead of
    /// refusing the file.
    #[arg(long)]
    pub drop_non_tensors: bool,

    /// Write tensors that are identical views of one storage once; the others are listed in
    /// the metadata key torchward.aliases.
    #[arg(long)]
    pub dedupe: bool,

    /// Re-read the output before renaming it into place and compare every tensor with the
    /// source.
    #[arg(long)]
    pub verify: bool,

    /// Overwrite existing output files.
    #[arg(long)]
    pub force: bool,
}

impl Args {
    fn options(&self) -> anyhow::Result<ConvertOptions> {
        let mut options = ConvertOptions::default();
        options.bare_name.clone_from(&self.name);
        options.drop_non_tensors = self.drop_non_tensors;
        options.dedupe = self.dedupe;
        options.verify = self.verify;
        options.force = self.force;
        let config = Config::for_inputs(std::slice::from_ref(&self.input))?;
        for name in config.profiles.iter().chain(&self.profile) {
            options.profile(name)?;
        }
        for key in config.allow_global.iter().chain(&self.allow_global) {
            options.allow_global(key)?;
        }
        Ok(options)
    }
}

/// Runs `convert`.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let mut options = args.options()?;
    let is_dir = std::fs::symlink_metadata(&args.input).is_ok_and(|m| m.is_dir());
    let is_dcp = is_dir && is_dcp_dir(&args.input);
    let is_sharded = is_dir && !is_dcp && sharded_index(&args.input).is_some();
    if args.max_shard_size.is_some() && !is_sharded {
        anyhow::bail!(
            "--max-shard-size applies to a Hugging Face sharded .bin set (a *.bin.index.json \
             beside its shards); `{}` is not one",
            args.input.display()
        );
    }
    if args.dedupe && (is_dcp || is_sharded) {
        anyhow::bail!(
            "--dedupe applies to single checkpoint files, not to a DCP directory or sharded set \
             such as `{}`",
            args.input.display()
        );
    }
    match (&args.out_dir, is_dir) {
        (Some(out_dir), true) if is_dcp => {
            options.create_parents = true;
            let name = default_dcp_output(&args.input);
            let out = out_dir.join(name.file_name().unwrap_or(name.as_os_str()));
            Ok(run_dcp(&args.input, &out, &options, ctx))
        }
        (Some(out_dir), true) if is_sharded => {
            options.create_parents = true;
            Ok(run_sharded(
                &args.input,
                out_dir,
                &options,
                args.max_shard_size,
                ctx,
            ))
        }
        (Some(out_dir), true) => {
            options.create_parents = true;
            Ok(run_tree(&args.input, out_dir, &options, ctx))
        }
        (None, true) if is_dcp => {
            let out = args
                .output
                .clone()
                .unwrap_or_else(|| default_dcp_output(&args.input));
            Ok(run_dcp(&args.input, &out, &options, ctx))
        }
        (Some(_), false) => anyhow::bail!(
            "--out-dir needs a directory to convert; `{}` is not one",
            args.input.display()
        ),
        (None, true) => anyhow::bail!(
            "`{}` is a directory but not a DCP checkpoint (.metadata beside *.distcp): give \
             --out-dir DIR to convert a sharded set or every checkpoint in it",
            args.input.display()
        ),
        (None, false) => {
            let out = args
                .output
                .clone()
                .unwrap_or_else(|| default_output(&args.input));
            Ok(run_one(&args.input, &out, &options, ctx))
        }
    }
}

/// Bytes as MiB/GiB for the summary.
fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let b = bytes as f64;
    if bytes >= 1 << 30 {
        format!("{:.2} GiB", b / f64::from(1u32 << 30))
    } else if bytes >= 1 << 20 {
        format!("{:.1} MiB", b / f64::from(1u32 << 20))
    } else {
        format!("{bytes} bytes")
    }
}

fn report_success(done: &Conversion) {
    output::note(format!(
        "converted {} ({}) -> {}: {} tensor(s){}, {} value(s) in metadata, {}{}",
        done.input.display(),
        done.format,
        done.output.display(),
        done.written,
        if done.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({} alias(es) written once)", done.aliases.len())
        },
        done.values,
        size(done.bytes),
        if done.verified { ", verified" } else { "" }
    ));
    if !done.dropped.is_empty() {
        output::note(format!("  dropped: {}", done.dropped.join(", ")));
    }
    for (alias, kept) in &done.aliases {
        output::note(format!("  alias: {alias} = {kept}"));
    }
}

fn report_failure(input: &Path, err: &ConvertError, ctx: &Context) {
    if err.is_refusal() {
        ctx.warn(format!("{}: {err}", input.display()));
        if let ConvertError::Refused { findings, .. } = err {
            for f in findings {
                output::note(format!(
                    "  {} {} [{}] {}",
                    f.rule, f.name, f.severity, f.message
                ));
            }
            if !findings.is_empty() {
                output::note("  run `torchward scan` on the file for the full report");
            }
        }
    } else {
        output::error(&anyhow::Error::msg(format!("{}: {err}", input.display())));
    }
}

fn status_of(err: &ConvertError) -> ExitStatus {
    if err.is_refusal() {
        ExitStatus::Findings
    } else {
        ExitStatus::Error
    }
}

fn run_one(input: &Path, out: &Path, options: &ConvertOptions, ctx: &Context) -> ExitStatus {
    let total = std::fs::metadata(input).map_or(0, |m| m.len());
    let progress = Progress::bytes(total, "converting", ctx.stderr_is_terminal());
    let result = convert_file(input, out, options, &|n| progress.inc(n));
    progress.finish();
    finish(input, result, ctx)
}

/// Reports one conversion's outcome and gives its exit status.
fn finish(input: &Path, result: Result<Conversion, ConvertError>, ctx: &Context) -> ExitStatus {
    match result {
        Ok(done) => {
            report_success(&done);
            ExitStatus::Success
        }
        Err(err) => {
            report_failure(input, &err, ctx);
            status_of(&err)
        }
    }
}

/// Bytes of the regular files directly in `dir` (the progress total of a directory input).
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
            .sum()
    })
}

fn run_dcp(dir: &Path, out: &Path, options: &ConvertOptions, ctx: &Context) -> ExitStatus {
    let progress = Progress::bytes(dir_size(dir), "converting", ctx.stderr_is_terminal());
    let result = convert_dcp(dir, out, options, &|n| progress.inc(n));
    progress.finish();
    finish(dir, result, ctx)
}

fn run_sharded(
    dir: &Path,
    out_dir: &Path,
    options: &ConvertOptions,
    max_shard_size: Option<u64>,
    ctx: &Context,
) -> ExitStatus {
    let progress = Progress::bytes(dir_size(dir), "converting", ctx.stderr_is_terminal());
    let result = convert_sharded(dir, out_dir, options, max_shard_size, &|n| {
        progress.inc(n);
    });
    progress.finish();
    match result {
        Ok(done) => {
            report_sharded(&done, out_dir);
            ExitStatus::Success
        }
        Err(err) => {
            report_failure(dir, &err, ctx);
            status_of(&err)
        }
    }
}

fn report_sharded(done: &ShardedConversion, out_dir: &Path) {
    output::note(format!(
        "converted {} (sharded set, index {}) -> {}: {} tensor(s) in {} shard(s){}, {}",
        done.input.display(),
        done.index.display(),
        out_dir.display(),
        done.tensors,
        done.shards.len(),
        if done.output_index.is_some() {
            " and model.safetensors.index.json"
        } else {
            ""
        },
        size(done.total_size)
    ));
}

/// `--max-shard-size`: a size as Hugging Face's `max_shard_size` reads it.
fn shard_size_parser(text: &str) -> Result<u64, String> {
    tw_convert::parse_size(text).ok_or_else(|| {
        format!("`{text}` is not a size: give bytes or a number with KB, MB, GB, KiB, MiB or GiB")
    })
}

fn run_tree(root: &Path, out_dir: &Path, options: &ConvertOptions, ctx: &Context) -> ExitStatus {
    let entries = batch::walk(root, out_dir, &options.checkpoint);
    let jobs: Vec<(&PathBuf, &PathBuf)> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Convert { input, output } => Some((input, output)),
            _ => None,
        })
        .collect();
    let progress = Progress::new(
        Some(jobs.len() as u64),
        "converting",
        ctx.stderr_is_terminal(),
    );
    let converted = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    // Messages are printed in walk order after the parallel part, so the output is stable.
    let outcomes: Mutex<Vec<(usize, Result<Conversion, ConvertError>)>> = Mutex::new(Vec::new());
    jobs.par_iter()
        .enumerate()
        .for_each(|(i, (input, output))| {
            let result = convert_file(input, output, options, &|_| {});
            match &result {
                Ok(_) => converted.fetch_add(1, Ordering::Relaxed),
                Err(e) if e.is_refusal() => refused.fetch_add(1, Ordering::Relaxed),
                Err(_) => failed.fetch_add(1, Ordering::Relaxed),
            };
            if let Ok(mut all) = outcomes.lock() {
                all.push((i, result));
            }
            progress.inc(1);
        });
    progress.finish();
    let mut outcomes = outcomes.into_inner().unwrap_or_default();
    outcomes.sort_by_key(|(i, _)| *i);
    for (i, result) in &outcomes {
        match result {
            Ok(done) => report_success(done),
            Err(err) => {
                if let Some((input, _)) = jobs.get(*i) {
                    report_failure(input, err, ctx);
                }
            }
        }
    }
    let mut skipped = 0usize;
    for entry in &entries {
        match entry {
            Entry::Skip { .. } => skipped += 1,
            Entry::Error { input, message } => {
                failed.fetch_add(1, Ordering::Relaxed);
                output::error(&anyhow::Error::msg(format!(
                    "{}: {message}",
                    input.display()
                )));
            }
            Entry::Convert { .. } => {}
        }
    }
    let (converted, refused, failed) = (
        converted.into_inner(),
        refused.into_inner(),
        failed.into_inner(),
    );
    output::note(format!(
        "{converted} converted, {skipped} skipped (not checkpoints), {refused} refused, {failed} failed"
    ));
    if failed > 0 {
        ExitStatus::Error
    } else if refused > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(12), "12 bytes");
        assert_eq!(size(3 << 20), "3.0 MiB");
        assert_eq!(size(5 << 30), "5.00 GiB");
    }

    #[test]
    fn bad_allow_global_is_an_error() {
        let args = Args {
            input: PathBuf::from("x.pt"),
            output: None,
            out_dir: None,
            name: "tensor".to_owned(),
            allow_global: vec!["os.system".to_owned()],
            profile: Vec::new(),
            max_shard_size: None,
            drop_non_tensors: false,
            dedupe: false,
            verify: false,
            force: false,
        };
        assert!(args.options().is_err());
    }
}
