//! The top-level entry point: detect the format by content, then read it the way its loader
//! does, collecting pickles, storage records, issues and facts. Structure that cannot be read
//! at all is an error; anything partial is kept with the error beside it.

use std::borrow::Cow;

use crate::compressed::{self, Compression};
use crate::container::{
    Container, ContainerIssue, Facts, PickleRole, PickleSource, StorageRecord, StorageScope,
};
use crate::cursor::{to_u64, to_usize};
use crate::error::CheckpointError;
use crate::format::{classify_zip, detect_keeping_zip, Detected, Format};
use crate::legacy::{self, LegacyStream};
use crate::legacy_tar;
use crate::npy::NpyHeader;
use crate::options::Options;
use crate::pickle_frame;
use crate::safetensors::SafetensorsHeader;
use crate::tar;
use crate::torch_zip::open_zip;
use crate::zip::ZipArchive;
use tw_pickle::{ParseOptions, Profile};

/// Opens `data` (typically an mmap of the whole file) as whatever its content says it is.
pub fn open<'a>(data: &'a [u8], options: &Options) -> Result<Container<'a>, CheckpointError> {
    open_detected(data, detect_keeping_zip(data, &options.limits), options)
}

/// Opens `data` as [`detect_keeping_zip`] found it: [`open_as`] with the detected format,
/// reusing the zip directory walked during detection when it was walked with the same limits.
pub fn open_detected<'a>(
    data: &'a [u8],
    detected: Detected<'a>,
    options: &Options,
) -> Result<Container<'a>, CheckpointError> {
    let format = detected.format;
    match detected.zip {
        Some((zip, limits)) if limits == options.limits && std::ptr::eq(zip.data(), data) => {
            Ok(open_walked_zip(data, zip, format, options))
        }
        _ => open_as(data, format, options),
    }
}

/// Opens a zip-family or polyglot file whose directory is already walked.
fn open_walked_zip<'a>(
    data: &'a [u8],
    zip: ZipArchive<'a>,
    format: Format,
    options: &Options,
) -> Container<'a> {
    if format == Format::PickleZipPolyglot {
        let inner = classify_zip(&zip);
        let mut c = open_zip(data, zip, inner, options);
        c.format = format;
        c.facts.inner_format = Some(inner);
        c
    } else {
        open_zip(data, zip, format, options)
    }
}

/// Opens `data` as `format` (as returned by [`crate::detect`]).
pub fn open_as<'a>(
    data: &'a [u8],
    format: Format,
    options: &Options,
) -> Result<Container<'a>, CheckpointError> {
    let limits = &options.limits;
    match format {
        Format::TorchZip
        | Format::TorchScript
        | Format::TorchPackage
        | Format::Pt2
        | Format::TorchServeMar
        | Format::Npz
        | Format::Zip
        | Format::Keras
        | Format::PickleZipPolyglot => {
            let zip = ZipArchive::parse(data, limits)?;
            Ok(open_walked_zip(data, zip, format, options))
        }
        Format::LegacyStream => Ok(open_legacy(
            data,
            limits.max_legacy_storages,
            limits.max_pickles,
        )),
        Format::LegacyTar | Format::Tar => {
            let members = tar::members(data, limits.max_pickles.max(64)).unwrap_or_default();
            let mut c = Container::new(format, Facts::default());
            if format == Format::LegacyTar {
                // Refused as a format (TW104), but its pickles are still scanned.
                let (pickles, errors) =
                    legacy_tar::pickles(data, &members, limits.max_legacy_storages);
                c.pickles.extend(pickles.into_iter().map(|p| PickleSource {
                    role: PickleRole::TarMember {
                        member: p.member.to_owned(),
                        index: p.index,
                    },
                    name: format!("tar member {}, pickle #{}", p.member, p.index),
                    bytes: Cow::Borrowed(data.get(p.start..p.end).unwrap_or_default()),
                    base_offset: to_u64(p.start),
                    in_file: true,
                }));
                c.errors
                    .extend(errors.into_iter().map(CheckpointError::Legacy));
                c.issues.extend(
                    members
                        .iter()
                        .filter(|m| m.is_link() && tar::LEGACY_MEMBERS.contains(&m.name.as_str()))
                        .map(|m| ContainerIssue::TarLink {
                            name: m.name.clone(),
                            target: m.link.clone(),
                            offset: m.offset,
                        }),
                );
            }
            c.facts.tar_members = members;
            Ok(c)
        }
        Format::RawPickle => Ok(open_raw(data, options)),
        Format::Npy => {
            let header = NpyHeader::parse(data, limits)?;
            header.check_data_len("")?;
            let mut c = Container::new(format, Facts::default());
            if header.payload_is_pickle() {
                let start = to_usize(header.data_offset).unwrap_or(usize::MAX);
                c.issues.push(ContainerIssue::NpyObjectArray {
                    name: String::new(),
                    offset: header.data_offset,
                });
                c.pickles.push(PickleSource {
                    role: PickleRole::NpyPayload,
                    name: "npy payload".to_owned(),
                    bytes: Cow::Borrowed(data.get(start..).unwrap_or_default()),
                    base_offset: header.data_offset,
                    in_file: true,
                });
            }
            c.facts.npy.push((String::new(), header));
            Ok(c)
        }
        Format::Safetensors => {
            let header = SafetensorsHeader::parse(data, limits)?;
            let mut c = Container::new(format, Facts::default());
            c.issues.extend(
                header
                    .issues
                    .iter()
                    .cloned()
                    .map(ContainerIssue::Safetensors),
            );
            c.facts.safetensors = Some(header);
            Ok(c)
        }
        Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Zlib
        | Format::Lzma
        | Format::Lz4
        | Format::JoblibZfile => open_wrapped(data, format, options),
        Format::Hdf5 => {
            let found = crate::hdf5::search(data);
            let mut c = Container::new(format, Facts::default());
            c.facts.keras_code.clone_from(&found.code);
            c.facts.hdf5 = Some(found);
            Ok(c)
        }
        Format::Unknown => Ok(Container::new(format, Facts::default())),
    }
}

/// Decompresses a wrapper (bounded) and opens what is inside; offsets are then within the
/// decompressed bytes.
fn open_wrapped(
    data: &[u8],
    format: Format,
    options: &Options,
) -> Result<Container<'static>, CheckpointError> {
    let limits = &options.limits;
    let kind = format.compression().unwrap_or(Compression::Gzip);
    let inner = compressed::decompress(kind, data, limits.max_decompressed)?;
    let detected = detect_keeping_zip(&inner, limits);
    let inner_format = detected.format;
    let (compressed_len, decompressed) = (to_u64(data.len()), to_u64(inner.len()));
    let mut c = if inner_format.holds_members() || inner_format.compression().is_some() {
        // Opened by the caller, member by member: only the bytes are kept.
        let mut c = Container::new(format, Facts::default());
        drop(detected);
        c.unwrapped = Some(inner);
        c
    } else {
        open_detected(&inner, detected, options)?.into_owned()
    };
    if decompressed >= limits.ratio_floor && decompressed / compressed_len.max(1) > limits.max_ratio
    {
        c.issues.push(ContainerIssue::CompressionRatio {
            wrapper: kind,
            compressed: compressed_len,
            decompressed,
            offset: 0,
        });
    }
    for p in &mut c.pickles {
        p.in_file = false;
    }
    c.facts.wrapper = Some(kind);
    c.facts.inner_format = Some(inner_format);
    c.format = format;
    Ok(c)
}

/// One or more pickles back to back; anything after the last one that frames is trailing.
fn open_raw<'a>(data: &'a [u8], options: &Options) -> Container<'a> {
    let mut c = Container::new(Format::RawPickle, Facts::default());
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or_default();
        // The first pickle is whatever `pickle.load` reads; later ones only count when they
        // frame strictly, so random trailing bytes are reported as such.
        let framed = if pos == 0 {
            match pickle_frame::frame(rest, 0, false) {
                Ok(f) if f.end == data.len() => Ok(f.end),
                // joblib writes array bytes (or an object array's own pickle) inside its
                // pickle, which then does not frame: it ends where joblib's reading ends.
                framed => joblib_end(data)
                    .ok_or(())
                    .or_else(|()| framed.map(|f| f.end)),
            }
        } else {
            pickle_frame::starts_with_pickle(rest)
                .map(|f| f.end)
                .ok_or(pickle_frame::FrameError {
                    what: "not a pickle",
                    offset: 0,
                })
        };
        let index = c.pickles.len() + 1;
        match framed {
            Ok(end) if index <= options.limits.max_pickles => {
                c.pickles.push(PickleSource {
                    role: PickleRole::Raw { index },
                    name: format!("pickle #{index}"),
                    bytes: Cow::Borrowed(rest.get(..end).unwrap_or_default()),
                    base_offset: to_u64(pos),
                    in_file: true,
                });
                pos += end;
            }
            Err(e) if pos == 0 => {
                // Not even one pickle frames: hand the bytes out anyway so the analyser reports
                // what it saw before the damage.
                c.pickles.push(PickleSource {
                    role: PickleRole::Raw { index: 1 },
                    name: "pickle #1".to_owned(),
                    bytes: Cow::Borrowed(data),
                    base_offset: 0,
                    in_file: true,
                });
                c.errors.push(e.into());
                return c;
            }
            Ok(_) | Err(_) => break,
        }
    }
    if c.pickles.len() > 1 {
        let second = c.pickles.get(1).map_or(0, |p| p.base_offset);
        c.issues.push(ContainerIssue::ConcatenatedPickles {
            count: c.pickles.len(),
            offset: second,
        });
    }
    if pos < data.len() {
        c.issues.push(ContainerIssue::TrailingBytes {
            offset: to_u64(pos),
            len: to_u64(data.len() - pos),
        });
    }
    c
}

/// Where a pickle in joblib's layout ends, when `data` starts with one that reads to STOP
/// (`tw_pickle::joblib`); `None` for any other pickle.
fn joblib_end(data: &[u8]) -> Option<usize> {
    let parsed = tw_pickle::parse_joblib(data, &ParseOptions::new(Profile::Scan));
    if parsed.joblib.is_empty() {
        return None;
    }
    parsed.end
}

/// What follows a legacy stream's records. torch reads each record's count and bytes with the
/// element size of its storage in the object pickle and stops after the last one; anything
/// after that is trailing (reported), and the pickles it starts with are handed out so their
/// globals are scanned. Records are listed as storages. When the object pickle's storages
/// cannot be read or a record runs past the end, the records' end is unknown and nothing is
/// said here (the tensor table reports the broken record).
fn trailing<'a>(c: &mut Container<'a>, data: &'a [u8], stream: &LegacyStream, max: usize) {
    let objects = stream
        .pickles
        .get(3)
        .and_then(|p| data.get(to_usize(p.start)?..to_usize(p.end)?))
        .unwrap_or_default();
    let Some(sizes) = legacy::element_sizes(objects) else {
        return;
    };
    let Ok((records, end)) = stream.records(data, |key| sizes.get(key).copied()) else {
        return;
    };
    c.storages
        .extend(records.into_iter().map(|r| StorageRecord {
            key: r.key,
            scope: StorageScope::Legacy,
            entry: String::new(),
            start: r.start,
            end: r.end,
            len: r.end - r.start,
            compressed: false,
            legacy_count: Some(r.count),
        }));
    let Some(start) = to_usize(end).filter(|&e| e < data.len()) else {
        return;
    };
    c.issues.push(ContainerIssue::TrailingBytes {
        offset: end,
        len: to_u64(data.len() - start),
    });
    let mut from = start;
    for (i, stop) in pickle_frame::strict_run(data, start, max)
        .into_iter()
        .enumerate()
    {
        c.pickles.push(PickleSource {
            role: PickleRole::Trailing { index: i + 1 },
            name: format!("trailing pickle #{}", i + 1),
            bytes: Cow::Borrowed(data.get(from..stop).unwrap_or_default()),
            base_offset: to_u64(from),
            in_file: true,
        });
        from = stop;
    }
}

/// The legacy stream: its five pickles are all handed out (torch unpickles each one); storage
/// records need the object pickle's dtypes: they are walked here when those can be read (to
/// find what follows them) and again by [`crate::TensorTable::build`], which checks them.
fn open_legacy(data: &[u8], max_keys: usize, max_pickles: usize) -> Container<'_> {
    const NAMES: [&str; 5] = [
        "magic number",
        "protocol version",
        "sys_info",
        "objects",
        "storage keys",
    ];
    let mut c = Container::new(Format::LegacyStream, Facts::default());
    match LegacyStream::parse(data, max_keys) {
        Ok(stream) => {
            for (i, span) in stream.pickles.iter().enumerate() {
                let (s, e) = (
                    to_usize(span.start).unwrap_or(0),
                    to_usize(span.end).unwrap_or(0),
                );
                c.pickles.push(PickleSource {
                    role: PickleRole::Legacy { index: i + 1 },
                    name: format!("legacy pickle #{} ({})", i + 1, NAMES.get(i).unwrap_or(&"")),
                    bytes: Cow::Borrowed(data.get(s..e).unwrap_or_default()),
                    base_offset: span.start,
                    in_file: true,
                });
            }
            trailing(&mut c, data, &stream, max_pickles);
            c.facts.legacy = Some(stream);
        }
        Err(err) => {
            // Hand out every pickle that framed, then the rest from where framing failed.
            let mut pos = 0usize;
            for i in 0..5 {
                let rest = data.get(pos..).unwrap_or_default();
                let framed = pickle_frame::frame(rest, 0, false);
                let end = framed.as_ref().map_or(rest.len(), |f| f.end);
                c.pickles.push(PickleSource {
                    role: PickleRole::Legacy { index: i + 1 },
                    name: format!("legacy pickle #{} ({})", i + 1, NAMES.get(i).unwrap_or(&"")),
                    bytes: Cow::Borrowed(rest.get(..end).unwrap_or_default()),
                    base_offset: to_u64(pos),
                    in_file: true,
                });
                pos += end;
                if framed.is_err() || pos >= data.len() {
                    break;
                }
            }
            c.errors.push(CheckpointError::Legacy(err));
        }
    }
    c
}
