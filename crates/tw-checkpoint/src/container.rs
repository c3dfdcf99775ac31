//! What opening a file yields: the pickles to analyse (each with its name, role and base
//! offset), the storage records (absolute byte ranges, never read), the container issues and
//! the format facts. Callers turn these into findings; nothing here formats text.

use std::borrow::Cow;

use serde::Serialize;

use crate::compressed::Compression;
use crate::error::CheckpointError;
use crate::format::Format;
use crate::hdf5::Hdf5Keras;
use crate::keras::KerasCode;
use crate::legacy::LegacyStream;
use crate::npy::NpyHeader;
use crate::safetensors::{SafetensorsHeader, SafetensorsIssue};
use crate::tar::TarMember;
use crate::zip::{ZipIssue, ZipLayout};

/// Why a pickle is in the list: what reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum PickleRole {
    /// `<root>/data.pkl` of a torch zip or TorchScript archive (what `torch.load` unpickles).
    DataPkl,
    /// `<root>/constants.pkl` of a TorchScript archive.
    ConstantsPkl,
    /// Another pickle a TorchScript or torch.package loader reads (`*.pkl`, `*.debug_pkl`).
    ArchivePickle,
    /// Pickle `index` (1..=5) of a legacy stream: magic, protocol, sys_info, objects, keys.
    Legacy {
        /// 1-based position in the stream.
        index: usize,
    },
    /// Pickle `index` (1-based) of a raw pickle file; more than one means concatenated pickles.
    Raw {
        /// 1-based position in the file.
        index: usize,
    },
    /// Pickle `index` (1-based) found after the end of a legacy stream's last storage record:
    /// torch stops before it, but a second `pickle.load` on the same file object runs it.
    Trailing {
        /// 1-based position among the trailing pickles.
        index: usize,
    },
    /// Pickle `index` (1-based) of a legacy tar member (`storages`, `tensors`, `pickle`,
    /// `sys_info`); `storages` and `tensors` hold several pickles by design.
    TarMember {
        /// The member name as torch asks for it.
        member: String,
        /// 1-based position in the member.
        index: usize,
    },
    /// The bytes before a zip's first entry (a pickle+zip polyglot).
    Prefix,
    /// The payload of an object-dtype `.npy` (also inside `.npz`).
    NpyPayload,
    /// A zip entry no torch loader reads but that looks like a pickle.
    ExtraEntry,
}

impl PickleRole {
    /// Where the storages named by this pickle's persistent ids live, for the pickles torch
    /// resolves storages for (`data.pkl`, `constants.pkl`, legacy pickle #4).
    pub fn storage_scope(&self) -> Option<StorageScope> {
        match self {
            PickleRole::DataPkl => Some(StorageScope::Data),
            PickleRole::ConstantsPkl => Some(StorageScope::Constants),
            PickleRole::Legacy { index: 4 } => Some(StorageScope::Legacy),
            _ => None,
        }
    }
}

/// One pickle to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleSource<'a> {
    /// Why it is here.
    pub role: PickleRole,
    /// Archive entry name, or a description (`legacy pickle #4`).
    pub name: String,
    /// The pickle bytes (borrowed from the input when stored uncompressed). The slice may run
    /// past STOP (an entry's trailing bytes are part of it), so the analyser can report them.
    pub bytes: Cow<'a, [u8]>,
    /// Offset of `bytes[0]`: absolute in the file when `in_file`, otherwise within the
    /// decompressed entry or wrapper named by `name`.
    pub base_offset: u64,
    /// Whether `base_offset` is an absolute file offset.
    pub in_file: bool,
}

impl PickleSource<'_> {
    /// The same source owning its bytes.
    pub fn into_owned(self) -> PickleSource<'static> {
        PickleSource {
            role: self.role,
            name: self.name,
            bytes: Cow::Owned(self.bytes.into_owned()),
            base_offset: self.base_offset,
            in_file: self.in_file,
        }
    }
}

/// Which folder of a torch archive a storage record lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageScope {
    /// `<root>/data/<key>` (storages of `data.pkl`).
    Data,
    /// `<root>/constants/<key>` (TorchScript constants).
    Constants,
    /// A record of the legacy stream.
    Legacy,
}

/// Where one storage's bytes are. The bytes are never read during a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageRecord {
    /// Storage key (the persistent id's key).
    pub key: String,
    /// Folder or stream it comes from.
    pub scope: StorageScope,
    /// Archive entry name (empty for legacy records).
    pub entry: String,
    /// Absolute start of the record's bytes (compressed bytes when `compressed`).
    pub start: u64,
    /// Absolute end (exclusive).
    pub end: u64,
    /// Length in bytes once decompressed (the record length torch compares numel with).
    pub len: u64,
    /// Whether the entry is deflated (then `start..end` is not the tensor data itself).
    pub compressed: bool,
    /// Element count written before a legacy record.
    pub legacy_count: Option<u64>,
}

/// A container-level issue: each is a reason a scanner and a loader could disagree, or a
/// resource hazard. Offsets are absolute in the file unless the variant says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContainerIssue {
    /// From the zip walk.
    Zip(ZipIssue),
    /// From the safetensors header.
    Safetensors(SafetensorsIssue),
    /// A pickle-looking entry outside what torch reads (still scanned).
    PickleOutsideRoot {
        /// Entry name.
        name: String,
        /// Local header offset.
        offset: u64,
    },
    /// Bytes after the last pickle of a raw file (or after a legacy stream's last record, whose
    /// leading pickles are handed out as [`PickleRole::Trailing`]).
    TrailingBytes {
        /// Where they start.
        offset: u64,
        /// How many.
        len: u64,
    },
    /// A raw file holds more than one pickle back to back.
    ConcatenatedPickles {
        /// Number of pickles.
        count: usize,
        /// Where the second one starts.
        offset: u64,
    },
    /// A `byteorder` record holding something other than `little` or `big`.
    BadByteorder {
        /// What it holds (lossy, trimmed to 64 bytes).
        value: String,
        /// Offset of the record's data.
        offset: u64,
    },
    /// An `.npy` (or `.npz` member) whose dtype holds Python objects: its payload is a pickle.
    NpyObjectArray {
        /// Member name (empty for a plain `.npy`).
        name: String,
        /// Offset of the payload.
        offset: u64,
    },
    /// A compressed wrapper whose ratio is that of a bomb.
    CompressionRatio {
        /// The wrapper.
        wrapper: Compression,
        /// Compressed bytes.
        compressed: u64,
        /// Decompressed bytes.
        decompressed: u64,
        /// Always 0.
        offset: u64,
    },
    /// A member of a legacy tar checkpoint is a hard or symbolic link: `tarfile` reads the
    /// member it names, so that member's bytes are what torch unpickles.
    TarLink {
        /// The link's name.
        name: String,
        /// What it names.
        target: String,
        /// Offset of the link's header.
        offset: u64,
    },
    /// A zip holds torch's records (`<root>/data/<key>`, `byteorder`, `version` ...) but no
    /// `<root>/data.pkl`: torch refuses it, while a reader that does not check sees no pickle.
    TorchRecordsWithoutDataPkl {
        /// The root folder.
        root: String,
        /// Always 0.
        offset: u64,
    },
    /// A storage record torch would read from a folder with an unexpected shape
    /// (a key containing `/`, or a directory entry).
    OddStorageEntry {
        /// Entry name.
        name: String,
        /// Local header offset.
        offset: u64,
    },
}

impl ContainerIssue {
    /// The absolute offset the issue points at.
    pub fn offset(&self) -> u64 {
        match self {
            ContainerIssue::Zip(z) => z.offset(),
            ContainerIssue::Safetensors(s) => s.offset(),
            ContainerIssue::PickleOutsideRoot { offset, .. }
            | ContainerIssue::TrailingBytes { offset, .. }
            | ContainerIssue::ConcatenatedPickles { offset, .. }
            | ContainerIssue::BadByteorder { offset, .. }
            | ContainerIssue::NpyObjectArray { offset, .. }
            | ContainerIssue::CompressionRatio { offset, .. }
            | ContainerIssue::TarLink { offset, .. }
            | ContainerIssue::TorchRecordsWithoutDataPkl { offset, .. }
            | ContainerIssue::OddStorageEntry { offset, .. } => *offset,
        }
    }
}

/// Facts about the container, for `inspect` and for rules that need context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The root folder torch reads (prefix of the first zip entry).
    pub root: Option<String>,
    /// Contents of `byteorder` (`little`/`big`), when present.
    pub byteorder: Option<String>,
    /// Contents of `.data/version` (preferred, as torch does) or `version`.
    pub version: Option<String>,
    /// Contents of `.format_version`.
    pub format_version: Option<String>,
    /// Contents of `.storage_alignment`.
    pub storage_alignment: Option<String>,
    /// TorchScript source files (`<root>/code/...`) and other Python sources in the archive.
    pub code_files: Vec<String>,
    /// Number of zip entries.
    pub zip_entries: usize,
    /// Where the zip structures are.
    pub zip_layout: Option<ZipLayout>,
    /// `.npy` headers (member name, header); the name is empty for a plain `.npy`.
    pub npy: Vec<(String, NpyHeader)>,
    /// The safetensors header.
    pub safetensors: Option<SafetensorsHeader>,
    /// The legacy stream's framing.
    pub legacy: Option<LegacyStream>,
    /// Members of a tar.
    pub tar_members: Vec<TarMember>,
    /// The compression wrapper the content was inside (offsets are then within the
    /// decompressed bytes).
    pub wrapper: Option<Compression>,
    /// The format inside the wrapper.
    pub inner_format: Option<Format>,
    /// What in a Keras config (`.keras` `config.json`, or an HDF5 `model_config`) runs code.
    pub keras_code: Vec<KerasCode>,
    /// For an HDF5 file: whether a Keras config was found, and whether the file is longer than
    /// the part searched.
    pub hdf5: Option<Hdf5Keras>,
}

/// An opened file: everything the scanner and `inspect` need, without any storage bytes read.
#[derive(Debug)]
pub struct Container<'a> {
    /// The detected format.
    pub format: Format,
    /// Pickles to analyse, in the order their loader reads them.
    pub pickles: Vec<PickleSource<'a>>,
    /// Storage records by position in the archive.
    pub storages: Vec<StorageRecord>,
    /// Container issues.
    pub issues: Vec<ContainerIssue>,
    /// Format facts.
    pub facts: Facts,
    /// Parts that had to be read but could not be (an encrypted or bomb entry, a legacy stream
    /// pickle that does not frame ...). The rest of the container is still reported, and a
    /// pickle that stopped framing is still handed out so its globals are seen.
    pub errors: Vec<CheckpointError>,
    /// The decompressed content of a wrapper when it is itself an archive or another wrapper:
    /// not opened here, so that the caller opens it member by member within its own budget.
    pub unwrapped: Option<Vec<u8>>,
}

impl Container<'_> {
    /// An empty container of `format`.
    pub(crate) fn new(format: Format, facts: Facts) -> Self {
        Container {
            format,
            pickles: Vec::new(),
            storages: Vec::new(),
            issues: Vec::new(),
            facts,
            errors: Vec::new(),
            unwrapped: None,
        }
    }

    /// The same container owning all its bytes.
    pub fn into_owned(self) -> Container<'static> {
        Container {
            format: self.format,
            pickles: self
                .pickles
                .into_iter()
                .map(PickleSource::into_owned)
                .collect(),
            storages: self.storages,
            issues: self.issues,
            facts: self.facts,
            errors: self.errors,
            unwrapped: self.unwrapped,
        }
    }

    /// The pickle whose persistent ids torch resolves against storage records (`data.pkl`,
    /// legacy pickle #4), with the scope to pass to [`crate::TensorTable::build`].
    pub fn main_pickle(&self) -> Option<(&PickleSource<'_>, StorageScope)> {
        self.pickles.iter().find_map(|p| {
            let scope = p.role.storage_scope()?;
            (scope != StorageScope::Constants).then_some((p, scope))
        })
    }

    /// The storage record torch would read for `key` in `scope` (names compared ignoring
    /// ASCII case, as miniz does; the first match when the archive is ambiguous, which the zip
    /// issues already report).
    pub fn storage(&self, scope: StorageScope, key: &str) -> Option<&StorageRecord> {
        self.storages.iter().find(|s| {
            s.scope == scope
                && if scope == StorageScope::Legacy {
                    s.key == key
                } else {
                    s.key.eq_ignore_ascii_case(key)
                }
        })
    }
}
