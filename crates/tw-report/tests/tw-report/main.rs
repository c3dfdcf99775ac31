//! Integration tests of `tw-report`: every renderer on one shared set of findings (insta
//! snapshots, reviewed), and SARIF output validated against the official 2.1.0 schema.

mod fixture;
mod forged_lines;
mod renderers;
mod sarif_schema;
