//! `torchward inspect FILE`: lists what a model file holds (tensors with dtype, shape,
//! strides, storage key, offset and bytes; other values; format facts) without running
//! anything. Files that are not plain weights are refused with the findings that say why.
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::ValueEnum;
use tw_modelscan::inspect::{inspect_bytes, InspectError, Inspection, Leaf};
use tw_modelscan::ScanOptions;

use crate::args::OutputArgs;
use crate::config::Config;
use crate::context::Context;
use crate::exit::ExitStatus;

/// How `inspect` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// Aligned tables for people.
    Text,
    /// One JSON object (path, format, facts, tensors, values, notes).
    Json,
}

/// Arguments of `inspect`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Only files that pass the weights-only profile are listed; anything else \
is refused with its findings (run `torchward scan FILE` for the full report) and exits 1.

Examples:
  torchward inspect model.pt
  torchward inspect model.safetensors --format json"
)]
pub struct Args {
    /// The model file, or a torch.distributed.checkpoint directory (.metadata + *.distcp).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text, value_name = "FORMAT")]
    pub format: InspectFormat,

    /// `--output` and `--force`.
    #[command(flatten)]
    pub out: OutputArgs,

    /// Also accept the data-only globals of a framework profile (repeatable): numpy-rng,
    /// megatron, deepspeed, hf-trainer, lightning; torch-npu is always on (docs/profiles.md).
    #[arg(
        long,
        value_name = "NAME",
        value_parser = clap::builder::PossibleValuesParser::new(tw_modelscan::profiles::profile_names())
    )]
    pub profile: Vec<String>,
}

/// Runs `inspect`.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    args.out.check_destination("inspection.json")?;
    let display = args.file.display().to_string();
    let mut options = ScanOptions::default();
    let config = Config::for_inputs(std::slice::from_ref(&args.file))?;
    for global in &config.allow_global {
        options
            .pickle
            .allowlist
            .allow(global)
            .with_context(|| format!("allow-global {global}"))?;
    }
    for name in config.profiles.iter().chain(&args.profile) {
        options
            .profile(name)
            .with_context(|| format!("--profile {name}"))?;
    }
    let inspected = if args.file.is_dir() {
        // A torch.distributed.checkpoint directory is one checkpoint.
        tw_modelscan::dcp::inspect_dir(&args.file, &options)
    } else {
        let mapping = tw_fs::Mapping::open(&args.file)?;
        tw_modelscan::with_mapped(mapping, |data| inspect_bytes(&display, data, &options))
    };
    match inspected {
        Ok(inspection) => {
            let rendered = match args.format {
                InspectFormat::Text => text(&inspection),
                InspectFormat::Json => {
                    let mut json = serde_json::to_string_pretty(&inspection)
                        .context("serializing the inspection")?;
                    json.push('\n');
                    json
                }
            };
            args.out.write(&rendered, "writing the inspection")?;
            Ok(ExitStatus::Success)
        }
        Err(InspectError::Refused { findings }) => {
            ctx.warn(format!("{display}: refused: not plain weights"));
            for finding in &findings {
                ctx.warn(format!(
                    "  {} {} [{}] {}",
                    finding.rule, finding.name, finding.severity, finding.message
                ));
            }
            ctx.warn("run `torchward scan` on the file for the full report");
            Ok(ExitStatus::Findings)
        }
        Err(err) => Err(anyhow::Error::new(err).context(display)),
    }
}

fn value_text(value: &Leaf) -> String {
    match value {
        Leaf::None => "None".to_owned(),
        Leaf::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Leaf::Int(i) => i.to_string(),
        Leaf::Float(f) => format!("{f:?}"),
        Leaf::Complex(r, i) => format!("({r}{i:+}j)"),
        Leaf::Str(s) => format!("{s:?}"),
        Leaf::Bytes(b) => format!("<{} bytes>", b.len()),
        Leaf::Size(s) => format!("torch.Size({s:?})"),
        Leaf::Device(d) => format!("device({d:?})"),
        Leaf::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(value_text).collect();
            match inner.as_slice() {
                [one] => format!("({one},)"),
                _ => format!("({})", inner.join(", ")),
            }
        }
        Leaf::BigInt(digits) => digits.clone(),
        Leaf::Global(key) => key.clone(),
        Leaf::Set(items) => {
            let inner: Vec<String> = items.iter().map(value_text).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Leaf::Array(array) => format!("array(dtype={}, shape={:?})", array.dtype, array.shape),
        Leaf::Other(o) => o.clone(),
        Leaf::Shared(path) => format!("<the value at {path}, shared>"),
    }
}

fn dims(values: &[u64]) -> String {
    let inner: Vec<String> = values.iter().map(u64::to_string).collect();
    format!("[{}]", inner.join(", "))
}

fn text(inspection: &Inspection) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", inspection.path, inspection.format);
    for (name, value) in &inspection.facts {
        let _ = writeln!(out, "  {name}: {value}");
    }
    let rows: Vec<[String; 7]> = inspection
        .tensors
        .iter()
        .map(|t| {
            [
                if t.name.is_empty() {
                    "<root>".to_owned()
                } else {
                    t.name.clone()
                },
                t.dtype.to_owned(),
                dims(&t.shape),
                dims(&t.stride),
                t.storage_key.clone().unwrap_or_else(|| "-".to_owned()),
                t.storage_offset.to_string(),
                t.bytes
                    .map_or_else(|| "overflow".to_owned(), |b| b.to_string()),
            ]
        })
        .collect();
    let header = [
        "name", "dtype", "shape", "strides", "storage", "offset", "bytes",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let _ = writeln!(out, "\n{} tensor(s)", rows.len());
    if !rows.is_empty() {
        let line = |cells: &[&str]| {
            cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let _ = writeln!(out, "  {}", line(&header));
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            let _ = writeln!(out, "  {}", line(&cells));
        }
    }
    if !inspection.values.is_empty() {
        let _ = writeln!(out, "\n{} other value(s)", inspection.values.len());
        for (path, value) in &inspection.values {
            let _ = writeln!(
                out,
                "  {} = {}",
                if path.is_empty() { "<root>" } else { path },
                value_text(value)
            );
        }
    }
    for note in &inspection.notes {
        let _ = writeln!(out, "\nnote: {} {}: {}", note.rule, note.name, note.message);
    }
    out
}
