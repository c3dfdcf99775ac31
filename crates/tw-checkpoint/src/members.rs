//! The members of an archive that is not itself a model (a repository bundle zip, a tar, a
//! TorchServe `.mar`, a `.keras` zip), listed so that a scan can open each one in turn as a file
//! of its own. Members are never read here: [`Members::read`] reads one, stored zip entries and
//! tar members borrowed from the input, deflated entries inflated under the caller's limit.

use std::borrow::Cow;

use crate::cursor::to_u64;
use crate::error::CheckpointError;
use crate::format::Format;
use crate::limits::Limits;
use crate::tar::{self, TarMember};
use crate::zip::{Method, ZipArchive, ZipEntry, ZipIssue};

/// Where one member's bytes are.
#[derive(Debug, Clone)]
enum Place {
    /// A zip entry.
    Zip(ZipEntry),
    /// A tar member's data range (a link's is its target's).
    Tar { start: usize, len: usize },
}

/// One member of an archive.
#[derive(Debug, Clone)]
pub struct MemberRef {
    /// Its name in the archive.
    pub name: String,
    /// Its uncompressed size as declared.
    pub size: u64,
    /// Whether reading it inflates data (a deflated zip entry).
    pub compressed: bool,
    place: Place,
}

/// The members of one archive.
#[derive(Debug)]
pub struct Members<'a> {
    data: &'a [u8],
    zip: Option<ZipArchive<'a>>,
    /// Every file member, in archive order (directories and dangling links left out).
    pub list: Vec<MemberRef>,
    /// Whether the archive declares more members than `max` (only the first ones are listed).
    pub truncated: bool,
}

impl<'a> Members<'a> {
    /// Lists the members of `data`, a `format` for which [`Format::holds_members`] holds, up
    /// to `max` of them.
    pub fn list(
        data: &'a [u8],
        format: Format,
        limits: &Limits,
        max: usize,
    ) -> Result<Self, CheckpointError> {
        let mut out = Members {
            data,
            zip: None,
            list: Vec::new(),
            truncated: false,
        };
        if format.is_zip() {
            let zip = ZipArchive::parse(data, limits)?;
            for entry in zip.entries().iter().filter(|e| !e.is_dir()) {
                if out.list.len() >= max {
                    out.truncated = true;
                    break;
                }
                out.list.push(MemberRef {
                    name: entry.name.clone(),
                    size: entry.uncompressed_size,
                    compressed: entry.method != Method::Stored,
                    place: Place::Zip(entry.clone()),
                });
            }
            out.zip = Some(zip);
        } else {
            // One more than `max`, to know whether there are more.
            let members = tar::members(data, max.saturating_add(1)).unwrap_or_default();
            out.truncated = members.len() > max;
            for (i, m) in members.iter().enumerate().take(max) {
                if !(m.is_file() || m.is_link()) {
                    continue;
                }
                let Some((start, bytes)) = tar::resolve(&members, i).and_then(|t| t.data(data))
                else {
                    continue;
                };
                out.list.push(tar_ref(m, start, bytes.len()));
            }
        }
        Ok(out)
    }

    /// The bytes of `member`, producing at most `limit` bytes by decompression, with the CRC
    /// and size mismatches seen while reading a zip entry.
    pub fn read(
        &self,
        member: &MemberRef,
        limit: u64,
    ) -> Result<(Cow<'a, [u8]>, Vec<ZipIssue>), CheckpointError> {
        match &member.place {
            Place::Zip(entry) => match &self.zip {
                Some(zip) => {
                    let got = zip.read(entry, limit, true)?;
                    Ok((got.bytes, got.issues))
                }
                None => Ok((Cow::Borrowed(&[]), Vec::new())),
            },
            Place::Tar { start, len } => Ok((
                Cow::Borrowed(
                    self.data
                        .get(*start..start.saturating_add(*len))
                        .unwrap_or_default(),
                ),
                Vec::new(),
            )),
        }
    }
}

fn tar_ref(m: &TarMember, start: usize, len: usize) -> MemberRef {
    MemberRef {
        name: m.name.clone(),
        size: to_u64(len),
        compressed: false,
        place: Place::Tar { start, len },
    }
}
