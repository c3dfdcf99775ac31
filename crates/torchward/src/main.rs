//! The `torchward` binary: parses arguments, runs one command and turns its outcome into an
//! exit code (0 clean, 1 findings, 2 errors). Everything else lives in the modules below;
//! this file only wires them and prints a fatal error with its cause chain.

// Doc comments in this crate are clap `--help` text, printed as written: `HOST[:PORT]` and
// `<time>` are meant literally there, not as rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod args;
mod commands;
mod config;
mod context;
mod date;
mod exit;
mod filter;
mod hostname;
mod ignore_file;
mod output;
mod pipeline;
mod progress;
mod registry;
mod stream;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: torchward parses file after file, allocating and
/// freeing graphs of millions of nodes; mimalloc keeps freed pages for reuse where glibc hands
/// large blocks back to the kernel and faults them in again (pickle machine 259 -> 526 MB/s
/// CPU, `cargo bench -p tw-pickle --bench throughput`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Usage errors exit 2 and --help/--version exit 0, as clap does by default.
    let cli = args::Cli::parse();
    let ctx = context::Context::new(registry::registry());
    match commands::dispatch(cli.command, &ctx) {
        Ok(status) => status.into(),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return exit::ExitStatus::Success.into();
            }
            output::error(&err);
            exit::ExitStatus::Error.into()
        }
    }
}
