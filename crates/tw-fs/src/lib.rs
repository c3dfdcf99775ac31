//! File-system access for everything torchward reads, writes or maps: atomic writes (files
//! 0640, directories 0750, never overwriting without `force`), non-blocking opens of regular
//! files only, bounded reads, a read-only mmap, a race-free chmod and the ignore files of a walk
//! read the same way. Every error names the path it is about, so no caller can lose it.
#![deny(missing_docs)]

mod atomic;
mod chmod;
mod dir;
mod error;
mod ignore_files;
mod mmap;
mod open;
mod read;

pub use atomic::{write_atomic, AtomicFile, WriteOptions, DIR_MODE, FILE_MODE};
pub use chmod::{remove_mode_bits, set_mode, ModeChange};
pub use dir::create_dir_all;
pub use error::{Error, Op, Result};
pub use ignore_files::{IgnoreProblems, IgnoreRules, MAX_IGNORE_FILE_BYTES};
pub use mmap::Mapping;
pub use open::{open_regular, FileKind};
pub use read::{read_bounded, read_to_string_bounded};
