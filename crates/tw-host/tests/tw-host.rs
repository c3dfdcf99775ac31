//! Integration tests of `tw-host` on fake system roots built in temporary directories: every
//! check, the listener-to-PID mapping through fd links, profiles, overlay skips, fix
//! convergence, the unprivileged case (a re-executed child under UID 65534) and the real host.
// Tests print skip reasons (STYLE: never silently pass) and build fixtures inline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::items_after_statements,
    clippy::doc_markdown,
    clippy::format_collect,
    missing_docs
)]

#[path = "tw-host/fake.rs"]
mod fake;

#[path = "tw-host/checks.rs"]
mod checks;
#[path = "tw-host/convergence.rs"]
mod convergence;
#[path = "tw-host/network.rs"]
mod network;
#[path = "tw-host/real_host.rs"]
mod real_host;
#[path = "tw-host/snapshot.rs"]
mod snapshot;
#[path = "tw-host/unprivileged.rs"]
mod unprivileged;
