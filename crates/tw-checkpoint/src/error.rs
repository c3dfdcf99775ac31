//! The errors of [`crate::open`]: a container whose structure cannot be read at all. Each wraps
//! the format's own typed error, which carries the byte offset.

use crate::compressed::CompressedError;
use crate::keras::KerasError;
use crate::legacy::LegacyError;
use crate::npy::NpyError;
use crate::pickle_frame::FrameError;
use crate::safetensors::SafetensorsError;
use crate::zip::ZipError;

/// Why a file could not be opened as the container its content says it is.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The zip structure is broken.
    #[error(transparent)]
    Zip(#[from] ZipError),
    /// The legacy stream is broken.
    #[error(transparent)]
    Legacy(#[from] LegacyError),
    /// The `.npy` header is broken.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// The safetensors header is broken.
    #[error(transparent)]
    Safetensors(#[from] SafetensorsError),
    /// A compressed wrapper could not be decompressed.
    #[error(transparent)]
    Compressed(#[from] CompressedError),
    /// A raw pickle does not frame (no STOP, unknown opcode or a length past the end).
    #[error(transparent)]
    Pickle(#[from] FrameError),
    /// A Keras config cannot be read.
    #[error(transparent)]
    Keras(#[from] KerasError),
}
