//! tw-convert: checkpoints to safetensors with torchward's own weights-only reader. Nothing
//! the input holds is executed or imported; tensor bytes are copied bit-exactly through bounded
//! buffers (or `copy_file_range`) into a temporary file that is renamed into place only when
//! complete (and, with `verify`, re-read and compared).
//!
//! - [`convert_file`]: one file (torch zip, legacy torch stream, `.npy`, `.npz`) to one
//!   safetensors file; [`ConvertError::is_refusal`] tells a policy refusal (with the `TW1xx`
//!   findings that explain it) from a failure.
//! - [`batch::walk`]: which files of a tree are attempted and where their outputs go.
//! - [`header`]: the safetensors header encoding.
//!
//! Memory does not grow with the checkpoint: the input is mapped only to read its headers and
//! pickles, and tensor bytes move through fixed buffers (a few MiB).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod assemble;
pub mod batch;
mod checkpoint;
mod convert;
mod copy;
mod dcp;
mod error;
pub mod header;
mod numpy;
mod options;
mod plan;
mod same_file;
mod sharded;
mod source;
mod value_json;
mod verify;
mod view;

pub use convert::{convert_file, default_output, is_convertible, Conversion};
pub use dcp::{convert_dcp, default_dcp_output, is_dcp_dir};
pub use error::ConvertError;
pub use options::ConvertOptions;
pub use same_file::output_is_input;
pub use sharded::{
    convert_sharded, parse_size, sharded_index, ShardedConversion, SAFETENSORS_INDEX,
};
