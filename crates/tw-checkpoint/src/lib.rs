//! Checkpoint containers read exactly as their loaders read them (torch zip, legacy stream,
//! legacy tar, TorchScript, torch.package, PT2, .mar, Keras, HDF5, npy/npz, safetensors,
//! compressed and raw pickles, and the members of plain zip and tar archives), detected by
//! content, never by extension. Every ambiguity is reported as a typed issue with its offset,
//! never silently resolved. Nothing is executed, and storage bytes are
//! never read during a scan: only directories, headers and pickles.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod compressed;
mod container;
mod cursor;
mod error;
mod format;
pub mod hdf5;
mod json;
pub mod keras;
pub mod legacy;
mod legacy_tar;
mod limits;
mod literal;
pub mod members;
pub mod npy;
mod open;
mod options;
pub mod pages;
mod pickle_frame;
mod plausible;
pub mod safetensors;
pub mod tar;
mod tensor_table;
mod torch_zip;
pub mod zip;

pub use container::{
    Container, ContainerIssue, Facts, PickleRole, PickleSource, StorageRecord, StorageScope,
};
pub use error::CheckpointError;
pub use format::{detect, detect_keeping_zip, Detected, Format};
pub use limits::Limits;
pub use open::{open, open_as, open_detected};
pub use options::Options;
pub use pickle_frame::FrameError;
pub use tensor_table::{view_extent, TensorInfo, TensorIssue, TensorTable};
