//! Integration tests of `tw-launch` inside network namespaces the tests create: `run` with a
//! command that exits, one that is killed, one that gets a forwarded signal, torchward itself
//! killed (owner table and state-file modes), a preflight failure that leaves nothing, and
//! `--dynamic`. The launcher runs as this test binary re-executed inside the namespace
//! (`role::run_role`), so the host's firewall is never touched.
// Tests print skip reasons (STYLE: never silently pass) and build fixtures inline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown,
    missing_docs,
    dead_code
)]

// The namespace lab is shared with tw-firewall's tests (one copy of the harness).
#[path = "../../tw-firewall/tests/tw-firewall/netns.rs"]
mod netns;

#[path = "tw-launch/role.rs"]
mod role;
#[path = "tw-launch/run_netns.rs"]
mod run_netns;
