//! Tar detection (POSIX ustar, and the GNU `ustar  ` variant): enough to recognise torch's
//! legacy tar checkpoint (members `sys_info`, `storages`, `tensors`, `pickle`), which torchward
//! refuses as a format (CVE-2025-32434, pytorch PR 145020) while still scanning its pickles
//! (walked by `legacy_tar`).

use crate::cursor::{to_u64, to_usize};

/// One tar block.
const BLOCK: usize = 512;

/// The members torch's `legacy_load` reads from a tar checkpoint.
pub const LEGACY_MEMBERS: [&str; 4] = ["sys_info", "storages", "tensors", "pickle"];

/// A tar member name and the offset of its header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TarMember {
    /// Member name (lossy UTF-8, NUL-trimmed).
    pub name: String,
    /// Offset of its 512-byte header.
    pub offset: u64,
    /// Declared size.
    pub size: u64,
}

/// Whether the header block at `pos` has a valid ustar magic and checksum.
fn valid_header(block: &[u8]) -> bool {
    let magic = block.get(257..263);
    if magic != Some(b"ustar\0".as_slice()) && magic != Some(b"ustar ".as_slice()) {
        return false;
    }
    let Some(stored) = block.get(148..156).and_then(octal) else {
        return false;
    };
    // The checksum counts the checksum field itself as eight spaces.
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    sum == stored
}

/// Parses a NUL/space-terminated octal field.
fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// Lists the members of a ustar archive, stopping at the end marker, a bad header or
/// `max_members`. `None` when the first block is not a ustar header.
pub fn members(data: &[u8], max_members: usize) -> Option<Vec<TarMember>> {
    let first = data.get(..BLOCK)?;
    if !valid_header(first) {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < max_members {
        let Some(block) = data.get(pos..pos.saturating_add(BLOCK)) else {
            break;
        };
        if !valid_header(block) {
            break;
        }
        let name_field = block.get(..100).unwrap_or_default();
        let name_len = name_field
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_field.len());
        let name =
            String::from_utf8_lossy(name_field.get(..name_len).unwrap_or_default()).into_owned();
        let size = block.get(124..136).and_then(octal).unwrap_or(0);
        out.push(TarMember {
            name,
            offset: to_u64(pos),
            size,
        });
        let padded = size.div_ceil(to_u64(BLOCK)).saturating_mul(to_u64(BLOCK));
        let Some(next) = to_usize(padded).and_then(|p| pos.checked_add(BLOCK)?.checked_add(p))
        else {
            break;
        };
        pos = next;
    }
    Some(out)
}

/// Whether the members are those of torch's legacy tar checkpoint.
pub fn is_legacy_torch(members: &[TarMember]) -> bool {
    LEGACY_MEMBERS
        .iter()
        .filter(|want| {
            members
                .iter()
                .any(|m| m.name.trim_start_matches("./") == **want)
        })
        .count()
        >= 3
}
