//! Integration tests of `tw-perms` on trees built in temporary directories (git does not keep
//! modes): each rule, classification and `--explain`, fix convergence and refusals, the undo
//! journal round trip, and symlinks swapped in during the walk and the fix.
// Tests print skip reasons (STYLE: never silently pass) and build fixtures inline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown,
    missing_docs
)]

#[path = "tw-perms/tree.rs"]
mod tree;

#[path = "tw-perms/audit.rs"]
mod audit;
#[path = "tw-perms/fix.rs"]
mod fix;
#[path = "tw-perms/paste.rs"]
mod paste;
#[path = "tw-perms/race.rs"]
mod race;
