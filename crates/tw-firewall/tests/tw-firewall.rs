//! Integration tests of `tw-firewall`: the matrix from flags and environment, the rendered
//! plans for the statement's example (snapshots), apply/verify/rollback sequences against a
//! scripted executor, and real application inside network namespaces the tests create.
// Tests print skip reasons (STYLE: never silently pass) and build fixtures inline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown,
    missing_docs
)]

#[path = "tw-firewall/netns.rs"]
mod netns;

#[path = "tw-firewall/apply_netns.rs"]
mod apply_netns;
#[path = "tw-firewall/kubernetes.rs"]
mod kubernetes;
#[path = "tw-firewall/matrix.rs"]
mod matrix;
#[path = "tw-firewall/plan.rs"]
mod plan;
#[path = "tw-firewall/scripted.rs"]
mod scripted;
