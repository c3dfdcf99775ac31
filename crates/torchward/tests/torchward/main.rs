//! CLI tests of the `torchward` binary: exit codes, formats, `--output`, filters, the ignore
//! file, `rules`/`explain`, and `--help` snapshots. Each test runs the real binary in its own
//! temporary directory.

mod api;
mod audit;
mod audit_env;
mod bounds;
mod cli;
mod convert;
mod convert_sets;
mod explain_rules;
mod filters;
mod help;
mod ignore_file;
mod inputs;
mod job_netns;
mod kubernetes;
mod lint;
mod network;
mod output;
mod pipeline;
mod report_merge;
mod scale;
mod scan_archives;
mod supervise;
mod terminal;
mod urls;
