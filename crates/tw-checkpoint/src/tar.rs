//! Tar detection (POSIX ustar, and the GNU `ustar  ` variant): enough to recognise torch's
//! legacy tar checkpoint (members `sys_info`, `storages`, `tensors`, `pickle`), which torchward
//! refuses as a format (CVE-2025-32434, pytorch PR 145020) while still scanning its pickles
//! (walked by `legacy_tar`), and to open the members of any tar a scan meets. Links are kept
//! with their targets, since `tarfile.extractfile` follows them.

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
    /// The type flag (`0` or NUL a file, `1` a hard link, `2` a symbolic link, `5` a
    /// directory ...).
    pub kind: u8,
    /// The link target of a hard or symbolic link (empty otherwise).
    pub link: String,
}

impl TarMember {
    /// Whether the member is a regular file (type `0`, NUL or `7`, contiguous).
    pub fn is_file(&self) -> bool {
        matches!(self.kind, b'0' | 0 | b'7')
    }

    /// Whether the member is a hard (`1`) or symbolic (`2`) link.
    pub fn is_link(&self) -> bool {
        matches!(self.kind, b'1' | b'2')
    }

    /// The member's data: its absolute start and bytes, bounds-checked (`None` when the
    /// declared size runs past the input).
    pub fn data<'a>(&self, input: &'a [u8]) -> Option<(usize, &'a [u8])> {
        let start = to_usize(self.offset.checked_add(to_u64(BLOCK))?)?;
        let end = start.checked_add(to_usize(self.size)?)?;
        Some((start, input.get(start..end)?))
    }
}

/// A NUL-terminated name field, decoded lossily.
fn name_field(field: &[u8]) -> String {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(field.get(..len).unwrap_or_default()).into_owned()
}

/// The name as Python's `tarfile` normalises it for lookups (no leading `./`, no trailing `/`).
pub fn normalise(name: &str) -> &str {
    let mut n = name;
    while let Some(rest) = n.strip_prefix("./") {
        n = rest;
    }
    n.trim_end_matches('/')
}

/// The member `tarfile.extractfile` reads for `members[index]`: the member itself, or for a
/// link the member it names (followed through at most 8 links, as a loop guard). A hard link
/// names another member by its archive name and resolves among the members before it; a
/// symbolic link is taken relative to the link's folder, as `tarfile._find_link_target` does.
/// `None` when a link names no member or the chain is too long.
pub fn resolve(members: &[TarMember], index: usize) -> Option<&TarMember> {
    let mut at = index;
    for _ in 0..8 {
        let m = members.get(at)?;
        if !m.is_link() {
            return Some(m);
        }
        let (target, before) = if m.kind == b'2' {
            let dir = normalise(&m.name).rsplit_once('/').map_or("", |(d, _)| d);
            let joined = if dir.is_empty() || m.link.starts_with('/') {
                m.link.clone()
            } else {
                format!("{dir}/{}", m.link)
            };
            (joined, members.len())
        } else {
            (m.link.clone(), at)
        };
        let want = normalise(&target);
        at = members
            .get(..before)?
            .iter()
            .rposition(|c| normalise(&c.name) == want)?;
    }
    None
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

/// Longest GNU long name or pax header read (Python's `tarfile` reads any length; a longer one
/// ends the listing instead of allocating it).
const MAX_EXTENDED: u64 = 1 << 20;

/// Names and sizes that extended headers set for the members after them, as Python's `tarfile`
/// applies them (`_proc_gnulong`, `_proc_pax`, `_apply_pax_info`): a GNU `././@LongLink` member
/// of type `L` (`K`) holds the next member's name (link target); a pax header of type `x` holds
/// `path`, `linkpath` and `size` records for the next member, one of type `g` for every member
/// after it.
#[derive(Debug, Default)]
struct Extended {
    /// What pax global headers set so far.
    global: Keys,
    /// What the headers since the last member set for the next one only (pax `x`, GNU `L` as
    /// `path`, `K` as `linkpath`).
    next: Keys,
}

/// The extended-header keys that change how a member is read (the only ones kept).
#[derive(Debug, Default)]
struct Keys {
    path: Option<String>,
    linkpath: Option<String>,
    size: Option<u64>,
}

impl Keys {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "path" => self.path = Some(value),
            "linkpath" => self.linkpath = Some(value),
            "size" => self.size = value.parse().ok(),
            _ => {}
        }
    }
}

impl Extended {
    /// Reads an extended header's data (`kind` is `L`, `K`, `x` or `g`).
    fn read(&mut self, kind: u8, data: &[u8]) {
        match kind {
            b'L' => self.next.path = Some(name_field(data)),
            b'K' => self.next.linkpath = Some(name_field(data)),
            b'g' => pax_records(data, &mut self.global),
            _ => pax_records(data, &mut self.next),
        }
    }
}

/// Reads the `"%d %s=%s\n"` records of a pax header (the length counts the whole record) into
/// `keys`; reading stops at the first malformed record, as `tarfile` raises there.
fn pax_records(data: &[u8], keys: &mut Keys) {
    let mut pos = 0usize;
    while let Some(rest) = data
        .get(pos..)
        .filter(|r| !r.is_empty() && r.first() != Some(&0))
    {
        let Some(space) = rest.iter().position(|&b| b == b' ') else {
            break;
        };
        let len = std::str::from_utf8(rest.get(..space).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse::<usize>().ok());
        let Some(record) = len.and_then(|n| rest.get(space + 1..n)) else {
            break;
        };
        let Some(record) = record.strip_suffix(b"\n") else {
            break;
        };
        let Some(eq) = record.iter().position(|&b| b == b'=') else {
            break;
        };
        let (key, value) = record.split_at(eq);
        keys.set(
            &String::from_utf8_lossy(key),
            String::from_utf8_lossy(value.get(1..).unwrap_or_default()).into_owned(),
        );
        pos += len.unwrap_or(0);
    }
}

/// Lists the members of a ustar archive, stopping at the end marker, a bad header or
/// `max_members`. `None` when the first block is not a ustar header. Names, link targets and
/// sizes are those extended headers (GNU long names, pax) give; the extended headers themselves
/// are not members.
pub fn members(data: &[u8], max_members: usize) -> Option<Vec<TarMember>> {
    let first = data.get(..BLOCK)?;
    if !valid_header(first) {
        return None;
    }
    let mut out = Vec::new();
    let mut extended = Extended::default();
    let mut pos = 0usize;
    while out.len() < max_members {
        let Some(block) = data.get(pos..pos.saturating_add(BLOCK)) else {
            break;
        };
        if !valid_header(block) {
            break;
        }
        let mut name = name_field(block.get(..100).unwrap_or_default());
        // ustar splits long names: a prefix field (345..500) goes before the name.
        let prefix = name_field(block.get(345..500).unwrap_or_default());
        if !prefix.is_empty() && block.get(257..263) == Some(b"ustar\0".as_slice()) {
            name = format!("{prefix}/{name}");
        }
        let mut size = block.get(124..136).and_then(octal).unwrap_or(0);
        let kind = block.get(156).copied().unwrap_or(0);
        let mut link = name_field(block.get(157..257).unwrap_or_default());
        let data_start = pos.saturating_add(BLOCK);
        if matches!(kind, b'L' | b'K' | b'x' | b'g') {
            let Some(body) = (size <= MAX_EXTENDED)
                .then(|| data.get(data_start..data_start.saturating_add(to_usize(size)?)))
                .flatten()
            else {
                break;
            };
            extended.read(kind, body);
        } else {
            let next = std::mem::take(&mut extended.next);
            let global = &extended.global;
            if let Some(path) = next.path.or_else(|| global.path.clone()) {
                name = path;
            }
            if let Some(target) = next.linkpath.or_else(|| global.linkpath.clone()) {
                link = target;
            }
            if let Some(n) = next.size.or(global.size) {
                size = n;
            }
            // tarfile strips the slash that ends a directory's name.
            if kind == b'5' {
                let len = name.trim_end_matches('/').len();
                name.truncate(len);
            }
            out.push(TarMember {
                name,
                offset: to_u64(pos),
                size,
                kind,
                link,
            });
        }
        let padded = size.div_ceil(to_u64(BLOCK)).saturating_mul(to_u64(BLOCK));
        let Some(next) = to_usize(padded).and_then(|p| data_start.checked_add(p)) else {
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
        .filter(|want| members.iter().any(|m| normalise(&m.name) == **want))
        .count()
        >= 3
}
