//! The TW1xx model-file rules: turns what `tw-checkpoint` and `tw-pickle` report about a file
//! into findings. Nothing here reads a file it was not given or executes anything it reads.
#![forbid(unsafe_code)]

pub mod rules;

pub use rules::RULES;
