//! Checkpoint containers read exactly as their loaders read them (torch zip, legacy stream,
//! legacy tar, TorchScript, npy/npz, safetensors, compressed pickles), detected by content.
#![forbid(unsafe_code)]

mod cursor;
mod limits;
pub mod zip;

pub use limits::Limits;
