//! Content sniffing: which container a file is, from its bytes alone (never its name), in the
//! order the victim loaders decide (torch checks `PK\3\4` at offset 0 first, then tar, then the
//! legacy magic; `np.load` checks the npy magic and the zip magic; `pickle.load` takes anything).

use serde::Serialize;

use crate::compressed::Compression;
use crate::legacy;
use crate::limits::Limits;
use crate::npy::NPY_MAGIC;
use crate::pickle_frame;
use crate::tar;
use crate::zip::ZipArchive;

/// What a file is, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A `torch.save` zip checkpoint (`<root>/data.pkl`).
    TorchZip,
    /// A TorchScript archive (`constants.pkl`): carries code.
    TorchScript,
    /// A `torch.package` archive (`.data/extern_modules`): carries code.
    TorchPackage,
    /// A PT2 `torch.export` archive (`archive_format`).
    Pt2,
    /// A TorchServe `.mar` archive (`MAR-INF/MANIFEST.json`).
    TorchServeMar,
    /// A NumPy `.npz` (a zip of `.npy`).
    Npz,
    /// Any other zip.
    Zip,
    /// torch's legacy non-zip stream (magic number pickle first).
    LegacyStream,
    /// torch's legacy tar checkpoint (`sys_info`, `storages`, `tensors`, `pickle`).
    LegacyTar,
    /// Any other tar.
    Tar,
    /// One or more raw pickles (any protocol).
    RawPickle,
    /// A pickle followed by a zip: the pickle runs under `pickle.load`/legacy `torch.load`, the
    /// zip is what zip-based tools see.
    PickleZipPolyglot,
    /// A NumPy `.npy`.
    Npy,
    /// A safetensors file.
    Safetensors,
    /// A gzip wrapper.
    Gzip,
    /// A bzip2 wrapper.
    Bzip2,
    /// An xz wrapper.
    Xz,
    /// A raw zlib stream (joblib `compress='zlib'`).
    Zlib,
    /// A legacy `.lzma` stream (joblib `compress='lzma'`).
    Lzma,
    /// An LZ4 frame (joblib `compress='lz4'`).
    Lz4,
    /// joblib < 0.10's compressed pickle (`ZF`, a hex length, a zlib stream), which
    /// `joblib.load` still reads.
    JoblibZfile,
    /// A Keras v3 `.keras` archive (a zip with `config.json` and `metadata.json`).
    Keras,
    /// An HDF5 file (Keras `.h5` models keep their config in a `model_config` attribute).
    Hdf5,
    /// Not a model format torchward recognises.
    Unknown,
}

impl Format {
    /// A stable lowercase name (`torch-zip`, `legacy-stream` ...), for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::TorchZip => "torch-zip",
            Format::TorchScript => "torchscript",
            Format::TorchPackage => "torch-package",
            Format::Pt2 => "pt2",
            Format::TorchServeMar => "torchserve-mar",
            Format::Npz => "npz",
            Format::Zip => "zip",
            Format::LegacyStream => "legacy-stream",
            Format::LegacyTar => "legacy-tar",
            Format::Tar => "tar",
            Format::RawPickle => "pickle",
            Format::PickleZipPolyglot => "pickle-zip-polyglot",
            Format::Npy => "npy",
            Format::Safetensors => "safetensors",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zlib => "zlib",
            Format::Lzma => "lzma",
            Format::Lz4 => "lz4",
            Format::JoblibZfile => "joblib-zfile",
            Format::Keras => "keras",
            Format::Hdf5 => "hdf5",
            Format::Unknown => "unknown",
        }
    }

    /// Whether the format is a zip container.
    pub fn is_zip(self) -> bool {
        matches!(
            self,
            Format::TorchZip
                | Format::TorchScript
                | Format::TorchPackage
                | Format::Pt2
                | Format::TorchServeMar
                | Format::Npz
                | Format::Zip
                | Format::Keras
        )
    }

    /// The compression wrapper this format is, if it is one.
    pub fn compression(self) -> Option<Compression> {
        Some(match self {
            Format::Gzip => Compression::Gzip,
            Format::Bzip2 => Compression::Bzip2,
            Format::Xz => Compression::Xz,
            Format::Zlib => Compression::Zlib,
            Format::Lzma => Compression::Lzma,
            Format::Lz4 => Compression::Lz4,
            Format::JoblibZfile => Compression::JoblibZfile,
            _ => return None,
        })
    }

    /// The format of a file that is only a `kind` wrapper.
    pub fn of_compression(kind: Compression) -> Self {
        match kind {
            Compression::Gzip => Format::Gzip,
            Compression::Bzip2 => Format::Bzip2,
            Compression::Xz => Format::Xz,
            Compression::Zlib => Format::Zlib,
            Compression::Lzma => Format::Lzma,
            Compression::Lz4 => Format::Lz4,
            Compression::JoblibZfile => Format::JoblibZfile,
        }
    }

    /// Whether the format is an archive of members that may themselves be model files (a
    /// repository bundle, a tar, a TorchServe archive): a scan opens each member in turn.
    pub fn holds_members(self) -> bool {
        matches!(
            self,
            Format::Zip | Format::Tar | Format::TorchServeMar | Format::Keras
        )
    }
}

/// Classifies a zip by the entries it holds, the way each loader recognises its own archives.
pub(crate) fn classify_zip(zip: &ZipArchive<'_>) -> Format {
    let root = crate::torch_zip::root_of(zip);
    // `lookup(name)` is non-empty, without collecting the matches.
    let has = |name: &str| {
        zip.entries()
            .iter()
            .any(|e| e.raw_name.eq_ignore_ascii_case(name.as_bytes()))
    };
    // `has(root + "/" + rel)`, compared in place.
    let under_root = |rel: &str| {
        root.as_deref().is_some_and(|r| {
            zip.entries().iter().any(|e| {
                let name = e.raw_name.as_slice();
                name.len() == r.len() + 1 + rel.len()
                    && name
                        .get(..r.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(r.as_bytes()))
                    && name.get(r.len()) == Some(&b'/')
                    && name
                        .get(r.len() + 1..)
                        .is_some_and(|t| t.eq_ignore_ascii_case(rel.as_bytes()))
            })
        })
    };
    if has("MAR-INF/MANIFEST.json") {
        Format::TorchServeMar
    } else if has("archive_format") || under_root("archive_format") {
        Format::Pt2
    } else if under_root(".data/extern_modules") {
        Format::TorchPackage
    } else if under_root("constants.pkl") {
        Format::TorchScript
    } else if under_root("data.pkl") {
        Format::TorchZip
    } else if has("config.json") && has("metadata.json") {
        Format::Keras
    } else if zip.entries().iter().any(|e| {
        let name = e.name.as_bytes();
        name.len() >= 4
            && name
                .get(name.len() - 4..)
                .is_some_and(|ext| ext.eq_ignore_ascii_case(b".npy"))
    }) {
        Format::Npz
    } else {
        Format::Zip
    }
}

/// Whether `data` is a safetensors file by shape: a plausible header length (at most the
/// header limit, so text never passes for one) and `{` after it. A length past the end of the
/// file still makes it safetensors when `{` is at byte 8 exactly: the file is then a broken
/// safetensors file, whose header error is reported, not an unknown file.
fn looks_like_safetensors(data: &[u8], limits: &Limits) -> bool {
    let Some(n) = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
        return false;
    };
    let n = u64::from_le_bytes(n);
    let len = crate::cursor::to_u64(data.len());
    if n < 2 || n > limits.max_safetensors_header {
        return false;
    }
    if n > len.saturating_sub(8) {
        return data.get(8) == Some(&b'{');
    }
    data.get(8..)
        .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()))
        == Some(&b'{')
}

/// Detects the format of `data` by content.
pub fn detect(data: &[u8], limits: &Limits) -> Format {
    detect_keeping_zip(data, limits).format
}

/// A format detected by content, with the zip directory walk that decided it, so that
/// [`crate::open_detected`] does not walk the directory a second time.
#[derive(Debug, Clone)]
pub struct Detected<'a> {
    /// The format, as [`detect`] returns it.
    pub format: Format,
    /// The archive walked to decide a zip-family or polyglot format, and the limits it was
    /// walked with.
    pub(crate) zip: Option<(ZipArchive<'a>, Limits)>,
}

impl Detected<'_> {
    /// Replaces the format (e.g. a caller's own fallback for `Unknown`); a zip walked for a
    /// zip format is only reused while the format stays one that opens the zip.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        if !(format.is_zip() || format == Format::PickleZipPolyglot) {
            self.zip = None;
        }
        self.format = format;
        self
    }
}

/// [`detect`], keeping the zip walk for [`crate::open_detected`].
pub fn detect_keeping_zip<'a>(data: &'a [u8], limits: &Limits) -> Detected<'a> {
    let keep = |format: Format, zip: Option<ZipArchive<'a>>| Detected {
        format,
        zip: zip.map(|z| (z, limits.clone())),
    };
    let classified = |zip: ZipArchive<'a>| {
        let format = classify_zip(&zip);
        keep(format, Some(zip))
    };
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        return ZipArchive::parse(data, limits).map_or(keep(Format::Zip, None), classified);
    }
    if data.starts_with(NPY_MAGIC) {
        return keep(Format::Npy, None);
    }
    if crate::hdf5::has_signature(data) {
        return keep(Format::Hdf5, None);
    }
    if let Some(kind) = Compression::sniff(data) {
        return keep(Format::of_compression(kind), None);
    }
    if let Some(members) = tar::members(data, 64) {
        let format = if tar::is_legacy_torch(&members) {
            Format::LegacyTar
        } else {
            Format::Tar
        };
        return keep(format, None);
    }
    if legacy::is_legacy_stream(data) {
        return keep(Format::LegacyStream, None);
    }
    if looks_like_safetensors(data, limits) {
        return keep(Format::Safetensors, None);
    }
    if let Some(frame) = pickle_frame::starts_with_pickle(data)
        .filter(|_| crate::plausible::is_plausible_pickle(data))
    {
        let rest = data.get(frame.end..).unwrap_or_default();
        if !rest.is_empty() {
            if let Ok(zip) = ZipArchive::parse(data, limits) {
                return keep(Format::PickleZipPolyglot, Some(zip));
            }
        }
        return keep(Format::RawPickle, None);
    }
    if crate::plausible::is_damaged_pickle(data) {
        // Opcodes that import or call before the damage (a payload first, broken after, as in
        // nullifAI): `pickle.load` runs the payload before it fails, so it is a pickle.
        return keep(Format::RawPickle, None);
    }
    // A zip behind bytes that are not a pickle (a self-extractor stub, junk): torch refuses it,
    // but zip readers that search for the end record (Python's zipfile) open it.
    ZipArchive::parse(data, limits).map_or(keep(Format::Unknown, None), classified)
}
