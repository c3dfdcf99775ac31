//! How a file is opened: the limits, and whether storage bytes are CRC-checked (which makes the
//! work grow with tensor bytes, so it is off for scans).

use crate::limits::Limits;

/// Options for [`crate::open`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Resource limits.
    pub limits: Limits,
    /// Also CRC-check every storage record. Off by default: a scan reads only directories,
    /// headers and pickles, so its time does not depend on tensor bytes. Pickle entries and
    /// small non-storage entries (`Limits::crc_small_entry`) are always checked.
    pub verify_data: bool,
}
