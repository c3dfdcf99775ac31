//! Zip-family containers as their loaders read them. For torch (`caffe2/serialize/
//! inline_container.cc`): the root folder is the prefix of the first entry before `/`, records
//! are `<root>/<name>` looked up ignoring ASCII case (miniz), `data.pkl` is unpickled, storages
//! are `data/<key>`; `byteorder`, `.data/version` (else `version`), `.format_version` and
//! `.storage_alignment` are facts. TorchScript adds `constants.pkl`, `constants/` and `code/`.
//! Every other entry that looks like a pickle is still handed out, and reported.

use std::borrow::Cow;

use crate::container::{
    Container, ContainerIssue, Facts, PickleRole, PickleSource, StorageRecord, StorageScope,
};
use crate::format::Format;
use crate::npy::{NpyHeader, NPY_MAGIC};
use crate::options::Options;
use crate::pickle_frame;
use crate::zip::{Method, ZipArchive, ZipEntry, ZipIssue};

/// Largest fact record read (`byteorder`, `version` ...).
const FACT_LIMIT: u64 = 4096;

/// The root folder torch uses: the first entry's name up to its first `/`.
pub(crate) fn root_of(zip: &ZipArchive<'_>) -> Option<String> {
    let first = zip.entries().first()?;
    let slash = first.raw_name.iter().position(|&b| b == b'/')?;
    Some(String::from_utf8_lossy(first.raw_name.get(..slash)?).into_owned())
}

/// The entry's path relative to `root` (`None` when outside it), matched ignoring ASCII case.
fn relative<'e>(entry: &'e ZipEntry, root: Option<&str>) -> Option<&'e str> {
    let root = root?;
    let name = entry.name.as_str();
    let head = name.get(..root.len())?;
    if !head.eq_ignore_ascii_case(root) {
        return None;
    }
    name.get(root.len()..)?.strip_prefix('/')
}

/// Names (lowercased) of pickles a loader of this format reads by name.
fn archive_pickle(format: Format, rel: &str) -> Option<PickleRole> {
    match rel {
        "data.pkl" if format != Format::TorchPackage => Some(PickleRole::DataPkl),
        "constants.pkl" if format == Format::TorchScript => Some(PickleRole::ConstantsPkl),
        _ if matches!(format, Format::TorchScript | Format::TorchPackage)
            && std::path::Path::new(rel).extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("pkl") || e.eq_ignore_ascii_case("debug_pkl")
            }) =>
        {
            Some(PickleRole::ArchivePickle)
        }
        _ => None,
    }
}

struct ZipReader<'z, 'a> {
    zip: &'z mut ZipArchive<'a>,
    options: &'z Options,
    out: Container<'a>,
    /// Storage bytes still to CRC-check during a scan (`Limits::crc_storage_budget`).
    crc_budget: u64,
}

impl<'a> ZipReader<'_, 'a> {
    /// Reads a whole entry (bounded), recording CRC/size issues and unreadable entries.
    fn read(&mut self, entry: &ZipEntry, check_crc: bool) -> Option<Cow<'a, [u8]>> {
        match self
            .zip
            .read(entry, self.options.limits.max_decompressed, check_crc)
        {
            Ok(got) => {
                for issue in got.issues {
                    self.zip.push_issue(issue);
                }
                Some(got.bytes)
            }
            Err(e) => {
                self.out.errors.push(e.into());
                None
            }
        }
    }

    /// Reports `entry` when it is torch's record `<root>/<record>` only ignoring ASCII case
    /// (miniz's lookup): a reader comparing names exactly would not see what torch loads.
    /// The record is `dir` + `name` (`dir` is empty or ends with `/`).
    fn check_case(&mut self, entry: &ZipEntry, root: Option<&str>, dir: &str, name: &str) {
        let Some(root) = root else {
            return;
        };
        // `raw_name == root + "/" + dir + name`, compared in place (one call per entry).
        let exact = entry
            .raw_name
            .strip_prefix(root.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"/"))
            .and_then(|rest| rest.strip_prefix(dir.as_bytes()))
            .is_some_and(|rest| rest == name.as_bytes());
        if !exact {
            self.zip.push_issue(ZipIssue::CaseInsensitiveMatch {
                wanted: format!("{root}/{dir}{name}"),
                found: entry.name.clone(),
                offset: entry.local_header_offset,
            });
        }
    }

    fn push_pickle(&mut self, entry: &ZipEntry, role: PickleRole, bytes: Cow<'a, [u8]>) {
        let in_file = entry.method == Method::Stored;
        self.out.pickles.push(PickleSource {
            role,
            name: entry.name.clone(),
            bytes,
            base_offset: if in_file { entry.data_start } else { 0 },
            in_file,
        });
    }

    fn fact(&mut self, entry: &ZipEntry, rel: &str) {
        let Ok(bytes) = self.zip.read_prefix(entry, FACT_LIMIT) else {
            return;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let facts = &mut self.out.facts;
        match rel {
            "byteorder" => {
                // torch compares the raw record with exactly "little" or "big".
                if text != "little" && text != "big" {
                    self.out.issues.push(ContainerIssue::BadByteorder {
                        value: text.chars().take(64).collect(),
                        offset: entry.data_start,
                    });
                }
                facts.byteorder.get_or_insert(text);
            }
            ".data/version" => facts.version = Some(text.trim().to_owned()),
            "version" => {
                facts.version.get_or_insert_with(|| text.trim().to_owned());
            }
            ".format_version" => facts.format_version = Some(text.trim().to_owned()),
            _ => facts.storage_alignment = Some(text.trim().to_owned()),
        }
    }

    fn storage(&mut self, entry: &ZipEntry, scope: StorageScope, key: &str) {
        if key.is_empty() || key.contains('/') {
            self.out.issues.push(ContainerIssue::OddStorageEntry {
                name: entry.name.clone(),
                offset: entry.local_header_offset,
            });
            return;
        }
        // Small records are CRC-checked within a per-file budget, so a mismatch in any record
        // is seen without making scan time grow with tensor bytes; `verify_data` checks all.
        let small = entry.uncompressed_size <= self.options.limits.crc_small_entry
            && entry.compressed_size <= self.crc_budget;
        if self.options.verify_data || small {
            self.crc_budget = self.crc_budget.saturating_sub(entry.compressed_size);
            self.read(entry, true);
        }
        self.out.storages.push(StorageRecord {
            key: key.to_owned(),
            scope,
            entry: entry.name.clone(),
            start: entry.data_start,
            end: entry.data_end(),
            len: entry.uncompressed_size,
            compressed: entry.method != Method::Stored,
            legacy_count: None,
        });
    }

    /// An `.npy` member: header fact, and its payload when the dtype holds objects.
    fn npy(&mut self, entry: &ZipEntry) -> bool {
        let limits = &self.options.limits;
        let Ok(head) = self
            .zip
            .read_prefix(entry, limits.max_npy_header.saturating_add(16))
        else {
            return false;
        };
        if !head.starts_with(NPY_MAGIC) {
            return false;
        }
        let Ok(mut header) = NpyHeader::parse(&head, limits) else {
            return false;
        };
        header.data_len = entry.uncompressed_size.saturating_sub(header.data_offset);
        if let Err(e) = header.check_data_len(&entry.name) {
            self.out.errors.push(e.into());
        }
        let object = header.payload_is_pickle();
        let payload_at = header.data_offset;
        self.out.facts.npy.push((entry.name.clone(), header));
        if object {
            if let Some(bytes) = self.read(entry, true) {
                let start = crate::cursor::to_usize(payload_at).unwrap_or(usize::MAX);
                let payload = match bytes {
                    Cow::Borrowed(b) => Cow::Borrowed(b.get(start..).unwrap_or_default()),
                    Cow::Owned(v) => Cow::Owned(v.get(start..).unwrap_or_default().to_vec()),
                };
                let in_file = entry.method == Method::Stored;
                self.out.issues.push(ContainerIssue::NpyObjectArray {
                    name: entry.name.clone(),
                    offset: if in_file {
                        entry.data_start + payload_at
                    } else {
                        payload_at
                    },
                });
                self.out.pickles.push(PickleSource {
                    role: PickleRole::NpyPayload,
                    name: entry.name.clone(),
                    bytes: payload,
                    base_offset: if in_file {
                        entry.data_start + payload_at
                    } else {
                        payload_at
                    },
                    in_file,
                });
            }
        }
        true
    }

    /// A Keras archive's `config.json`: the code-bearing parts of the model config.
    fn keras_config(&mut self, entries: &[ZipEntry]) {
        let Some(entry) = entries.iter().find(|e| e.raw_name == b"config.json") else {
            return;
        };
        let Some(bytes) = self.read(entry, true) else {
            return;
        };
        match crate::keras::code_in_config(&bytes, "config.json") {
            Ok(code) => self.out.facts.keras_code = code,
            Err(e) => self.out.errors.push(e.into()),
        }
    }

    /// A zip that holds torch's records under its root but no `data.pkl` there: torch refuses
    /// it (a checkpoint whose pickle was moved or renamed), so it is no plain archive either.
    fn torch_records_without_data_pkl(&mut self, entries: &[ZipEntry], root: Option<&str>) {
        let torch_record = |e: &ZipEntry| {
            relative(e, root).is_some_and(|rel| {
                let rel = rel.to_ascii_lowercase();
                rel == "byteorder"
                    || rel == ".data/version"
                    || rel == ".format_version"
                    || rel
                        .strip_prefix("data/")
                        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
            })
        };
        if let Some(root) = root.filter(|_| entries.iter().any(torch_record)) {
            self.out
                .issues
                .push(ContainerIssue::TorchRecordsWithoutDataPkl {
                    root: root.to_owned(),
                    offset: 0,
                });
        }
    }

    /// Any other entry: kept as a pickle (and reported) when its content frames as one.
    fn other(&mut self, entry: &ZipEntry) {
        let limits = &self.options.limits;
        if (entry.is_encrypted() && entry.method != Method::Stored)
            || entry.uncompressed_size > limits.max_decompressed
        {
            return;
        }
        // Small entries are read (and CRC-checked) whole; for a large one, peek at the first
        // byte so an entry that cannot be a pickle is never inflated.
        if entry.uncompressed_size > limits.crc_small_entry {
            let Ok(head) = self.zip.read_prefix(entry, 1) else {
                return;
            };
            if !head.first().is_some_and(|&b| pickle_frame::is_opcode(b)) {
                return;
            }
        }
        let Some(bytes) = self.read(entry, true) else {
            return;
        };
        // Framing alone is not enough: text frames easily (a wheel's RECORD starts with `t`,
        // TUPLE, and reaches a `.`, STOP); the same test as for a whole file decides.
        if pickle_frame::starts_with_pickle(&bytes).is_some()
            && crate::plausible::is_plausible_pickle(&bytes)
        {
            self.out.issues.push(ContainerIssue::PickleOutsideRoot {
                name: entry.name.clone(),
                offset: entry.local_header_offset,
            });
            self.push_pickle(entry, PickleRole::ExtraEntry, bytes);
        }
    }
}

/// Opens a zip-family container already walked.
pub(crate) fn open_zip<'a>(
    data: &'a [u8],
    mut zip: ZipArchive<'a>,
    format: Format,
    options: &Options,
) -> Container<'a> {
    let root = root_of(&zip);
    let facts = Facts {
        root: root.clone(),
        zip_entries: zip.entries().len(),
        zip_layout: Some(zip.layout().clone()),
        ..Facts::default()
    };
    // The reader needs the archive mutably (issues found while reading); the entries are only
    // read, so they are moved out rather than cloned.
    let entries = zip.take_entries();
    let mut r = ZipReader {
        zip: &mut zip,
        options,
        out: Container::new(format, facts),
        crc_budget: options.limits.crc_storage_budget,
    };
    let first = r.zip.layout().first_entry;
    if first > 0 {
        let prefix = data
            .get(..crate::cursor::to_usize(first).unwrap_or(0))
            .unwrap_or_default();
        if pickle_frame::frame(prefix, 0, false).is_ok() {
            r.out.pickles.push(PickleSource {
                role: PickleRole::Prefix,
                name: "bytes before the first zip entry".to_owned(),
                bytes: Cow::Borrowed(prefix),
                base_offset: 0,
                in_file: true,
            });
        }
    }
    let torch = matches!(
        format,
        Format::TorchZip | Format::TorchScript | Format::TorchPackage
    );
    let mut rel_lower = String::new();
    for entry in &entries {
        crate::pages::touched();
        if entry.is_dir() {
            continue;
        }
        let rel = relative(entry, root.as_deref()).map(|r| {
            rel_lower.clear();
            rel_lower.push_str(r);
            rel_lower.make_ascii_lowercase();
            rel_lower.as_str()
        });
        let python = std::path::Path::new(&entry.name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("py"));
        if python || (format == Format::TorchScript && rel.is_some_and(|p| p.starts_with("code/")))
        {
            r.out.facts.code_files.push(entry.name.clone());
        }
        if let Some(role) = rel
            .filter(|_| torch)
            .and_then(|p| archive_pickle(format, p))
        {
            match role {
                PickleRole::DataPkl => r.check_case(entry, root.as_deref(), "", "data.pkl"),
                PickleRole::ConstantsPkl => {
                    r.check_case(entry, root.as_deref(), "", "constants.pkl");
                }
                _ => {}
            }
            if let Some(bytes) = r.read(entry, true) {
                r.push_pickle(entry, role, bytes);
            }
            continue;
        }
        if let (true, Some(p)) = (torch, rel) {
            if matches!(
                p,
                "byteorder"
                    | ".data/version"
                    | "version"
                    | ".format_version"
                    | ".storage_alignment"
            ) {
                r.check_case(entry, root.as_deref(), "", p);
                r.fact(entry, p);
                if entry.uncompressed_size <= options.limits.crc_small_entry {
                    r.read(entry, true);
                }
                continue;
            }
            let rel_orig = relative(entry, root.as_deref()).unwrap_or_default();
            if let Some(key) = rel_orig.get(5..).filter(|_| p.starts_with("data/")) {
                // Only `<root>/data/` is compared here: the key's case is the pickle's, which
                // the tensor table resolves ignoring case as miniz does (not reported).
                r.check_case(entry, root.as_deref(), "data/", key);
                r.storage(entry, StorageScope::Data, key);
                continue;
            }
            if let Some(key) = rel_orig.get(10..).filter(|_| p.starts_with("constants/")) {
                if format == Format::TorchScript {
                    r.check_case(entry, root.as_deref(), "constants/", key);
                    r.storage(entry, StorageScope::Constants, key);
                    continue;
                }
            }
        }
        if r.npy(entry) {
            continue;
        }
        r.other(entry);
    }
    if format == Format::Keras {
        r.keras_config(&entries);
    }
    if format == Format::Zip {
        r.torch_records_without_data_pkl(&entries, root.as_deref());
    }
    let mut out = r.out;
    out.issues
        .splice(0..0, zip.issues().iter().cloned().map(ContainerIssue::Zip));
    out
}
