//! Maps the typed issues `tw-checkpoint` reports onto TW1xx findings. Every match is exhaustive
//! so a new issue variant cannot be silently dropped: the compiler asks which rule it belongs to.
use crate::rules::{
    decompression_bomb, numpy_object_array, safetensors_header_invalid, storage_dtype_conflict,
    storage_size_mismatch, tensor_view_out_of_bounds, trailing_data, zip_ambiguity,
};
use tw_checkpoint::safetensors::SafetensorsIssue;
use tw_checkpoint::zip::{HeaderField, ZipIssue};
use tw_checkpoint::{ContainerIssue, TensorIssue};
use tw_diagnostics::{Finding, Location};

/// The finding for one container issue, at `location` (whose offset is set here).
pub fn container_issue(location: Location, issue: &ContainerIssue) -> Finding {
    let location = location.with_offset(issue.offset());
    match issue {
        ContainerIssue::Zip(zip) => zip_issue(location, zip),
        ContainerIssue::Safetensors(st) => safetensors_issue(location, st),
        ContainerIssue::PickleOutsideRoot { name, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` looks like a pickle but is outside what torch reads; a custom loader may unpickle it"),
        ),
        ContainerIssue::TrailingBytes { len, .. } => trailing_data::finding(
            location,
            format!("{len} byte(s) follow the end of the last pickle"),
        ),
        ContainerIssue::ConcatenatedPickles { count, .. } => trailing_data::finding(
            location,
            format!("{count} pickles are concatenated; a second pickle.load on the same stream runs the next one"),
        ),
        ContainerIssue::BadByteorder { value, .. } => zip_ambiguity::finding(
            location,
            format!("byteorder record holds `{value}`, neither `little` nor `big`"),
        ),
        ContainerIssue::NpyObjectArray { name, .. } => numpy_object_array::finding(
            location,
            if name.is_empty() {
                "object-dtype array: its data is a pickle, run by numpy.load(allow_pickle=True)".to_owned()
            } else {
                format!("member `{name}` is an object-dtype array: its data is a pickle, run by numpy.load(allow_pickle=True)")
            },
        ),
        ContainerIssue::CompressionRatio {
            wrapper,
            compressed,
            decompressed,
            ..
        } => decompression_bomb::finding(
            location,
            format!(
                "{} wrapper expands {compressed} bytes to {decompressed} bytes",
                wrapper.name()
            ),
        ),
        ContainerIssue::TarLink { name, target, .. } => zip_ambiguity::finding(
            location,
            format!("tar member `{name}` is a link to `{target}`: tarfile reads the linked member's bytes, which were analysed in its place"),
        ),
        ContainerIssue::TorchRecordsWithoutDataPkl { root, .. } => zip_ambiguity::finding(
            location,
            format!("the archive holds torch's records under `{root}/` but no `{root}/data.pkl`: torch refuses it, and the pickle it was made with is missing or renamed"),
        ),
        ContainerIssue::OddStorageEntry { name, .. } => zip_ambiguity::finding(
            location,
            format!("storage entry `{name}` has a shape torch's reader does not expect"),
        ),
    }
}

fn field_name(field: HeaderField) -> &'static str {
    match field {
        HeaderField::Flags => "flags",
        HeaderField::Method => "compression method",
        HeaderField::Crc32 => "CRC-32",
        HeaderField::CompressedSize => "compressed size",
        HeaderField::UncompressedSize => "uncompressed size",
    }
}

fn zip_issue(location: Location, issue: &ZipIssue) -> Finding {
    match issue {
        ZipIssue::DuplicateName { name, first, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` appears twice (first copy at offset {first}); loaders disagree on which copy they read"),
        ),
        ZipIssue::CaseCollision { name, other, .. } => zip_ambiguity::finding(
            location,
            format!("entries `{name}` and `{other}` differ only in case; torch's reader ignores case"),
        ),
        ZipIssue::CaseInsensitiveMatch { wanted, found, .. } => zip_ambiguity::finding(
            location,
            format!("record `{wanted}` exists only as `{found}`: torch's reader ignores case"),
        ),
        ZipIssue::LocalNameMismatch { central, local, .. } => zip_ambiguity::finding(
            location,
            format!("central directory names `{central}` but the local header names `{local}`"),
        ),
        ZipIssue::LocalFieldMismatch {
            name,
            field,
            central,
            local,
            ..
        } => zip_ambiguity::finding(
            location,
            format!(
                "entry `{name}`: {} is {central} in the central directory but {local} in the local header",
                field_name(*field)
            ),
        ),
        ZipIssue::BytesBeforeFirstEntry { len, .. } => zip_ambiguity::finding(
            location,
            format!("{len} byte(s) precede the first zip entry (a pickle+zip polyglot is read as a pickle by torch.load and pickle.load)"),
        ),
        ZipIssue::TrailingBytes { len, .. } => zip_ambiguity::finding(
            location,
            format!("{len} byte(s) follow the zip end record"),
        ),
        ZipIssue::UnaccountedBytes { len, .. } => zip_ambiguity::finding(
            location,
            format!("{len} byte(s) between entries belong to no entry"),
        ),
        ZipIssue::EndRecordMismatch {
            field,
            classic,
            zip64,
            ..
        } => zip_ambiguity::finding(
            location,
            format!("end records disagree on {field}: {classic} (classic) vs {zip64} (ZIP64)"),
        ),
        ZipIssue::DirectorySizeMismatch {
            declared, walked, ..
        } => zip_ambiguity::finding(
            location,
            format!("central directory declares {declared} bytes but spans {walked}"),
        ),
        ZipIssue::UnsafeName { name, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` is an absolute path or climbs out with `..`; extractors treat it differently and no model writer makes it"),
        ),
        ZipIssue::Encrypted { name, flags, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` is marked encrypted (flags {flags:#06x})"),
        ),
        ZipIssue::UnusualFlags { name, flags, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` has unusual flag bits {flags:#06x}"),
        ),
        ZipIssue::UnsupportedMethod { name, method, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` uses compression method {method}, which torch cannot read"),
        ),
        ZipIssue::CrcMismatch {
            name,
            declared,
            actual,
            ..
        } => zip_ambiguity::finding(
            location,
            format!("entry `{name}`: CRC-32 is {actual:#010x} but {declared:#010x} is declared (torch does not check CRCs)"),
        ),
        ZipIssue::Overlap { name, other, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` overlaps entry `{other}`"),
        ),
        ZipIssue::DeclaredSizeOverLimit {
            name,
            declared,
            limit,
            ..
        } => decompression_bomb::finding(
            location,
            format!("entry `{name}` declares {declared} bytes, over the limit of {limit}"),
        ),
        ZipIssue::CompressionRatio {
            name,
            compressed,
            uncompressed,
            limit,
            ..
        } => decompression_bomb::finding(
            location,
            format!("entry `{name}` expands {compressed} bytes to {uncompressed} (ratio over {limit})"),
        ),
        ZipIssue::EntryBeyondEof {
            name, end, file_len, ..
        } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` ends at byte {end}, past the end of the file ({file_len} bytes)"),
        ),
        ZipIssue::StoredSizeMismatch {
            name,
            compressed,
            uncompressed,
            ..
        } => zip_ambiguity::finding(
            location,
            format!("stored entry `{name}` declares {compressed} compressed but {uncompressed} uncompressed bytes"),
        ),
        ZipIssue::InflatedSizeMismatch {
            name,
            declared,
            actual,
            ..
        } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` inflates to {actual} bytes but declares {declared}"),
        ),
        ZipIssue::MalformedExtraField { name, .. } => zip_ambiguity::finding(
            location,
            format!("entry `{name}` has a malformed extra field"),
        ),
    }
}

fn safetensors_issue(location: Location, issue: &SafetensorsIssue) -> Finding {
    let message = match issue {
        SafetensorsIssue::DuplicateName { name, .. } => {
            format!("tensor `{name}` is declared twice (the reference parser keeps the last)")
        }
        SafetensorsIssue::UnknownDtype { name, dtype, .. } => {
            format!("tensor `{name}` has unknown dtype `{dtype}`")
        }
        SafetensorsIssue::ReversedOffsets { name, .. } => {
            format!("tensor `{name}` ends before it starts")
        }
        SafetensorsIssue::SizeMismatch {
            name,
            actual,
            expected,
            ..
        } => match expected {
            Some(expected) => format!(
                "tensor `{name}` spans {actual} bytes but its dtype and shape need {expected}"
            ),
            None => format!("tensor `{name}`: its dtype and shape overflow a 64-bit byte count"),
        },
        SafetensorsIssue::NotContiguous {
            name,
            expected_start,
            start,
            ..
        } => format!(
            "tensor `{name}` starts at {start} but the previous one ends at {expected_start} (gap or overlap)"
        ),
        SafetensorsIssue::BufferLengthMismatch {
            covered, buffer, ..
        } => format!("tensors cover {covered} bytes but the data buffer has {buffer}"),
        SafetensorsIssue::MetadataNotString { key, .. } => {
            format!("__metadata__ value `{key}` is not a string")
        }
        SafetensorsIssue::UnknownField { name, field, .. } => {
            format!("tensor `{name}` has unknown field `{field}`")
        }
    };
    safetensors_header_invalid::finding(location, message)
}

/// The finding for one tensor/storage issue; `location` names the pickle and its base offset
/// is added to the issue's pickle offset by the caller.
pub fn tensor_issue(location: Location, issue: &TensorIssue) -> Finding {
    match issue {
        TensorIssue::MissingStorage { key, .. } => storage_size_mismatch::finding(
            location,
            format!("storage `{key}` has no record"),
        ),
        TensorIssue::StorageSizeMismatch {
            key,
            numel,
            element_size,
            expected,
            record_len,
            ..
        } => storage_size_mismatch::finding(
            location,
            match expected {
                Some(expected) => format!(
                    "storage `{key}` declares {numel} elements of {element_size} bytes ({expected} bytes) but its record holds {record_len}"
                ),
                None => format!(
                    "storage `{key}` declares {numel} elements of {element_size} bytes, which overflows; its record holds {record_len}"
                ),
            },
        ),
        TensorIssue::LegacyCountMismatch {
            key, numel, count, ..
        } => storage_size_mismatch::finding(
            location,
            format!("legacy storage `{key}` declares {numel} elements but its record counts {count}"),
        ),
        TensorIssue::LegacyRecordPastEnd {
            key,
            count,
            available,
            ..
        } => storage_size_mismatch::finding(
            location,
            format!("legacy storage `{key}` claims {count} elements but only {available} bytes are left"),
        ),
        TensorIssue::DtypeConflict {
            key, first, second, ..
        } => storage_dtype_conflict::finding(
            location,
            format!("storage `{key}` is used as {first} and as {second}"),
        ),
        TensorIssue::ViewOutOfBounds {
            tensor,
            key,
            needed,
            available,
            ..
        } => tensor_view_out_of_bounds::finding(
            location,
            match needed {
                Some(needed) => format!(
                    "tensor `{tensor}` needs {needed} bytes of storage `{key}`, which has {available}"
                ),
                None => format!(
                    "tensor `{tensor}`: its offset, sizes and strides overflow (storage `{key}` has {available} bytes)"
                ),
            },
        ),
    }
}

/// The pickle-relative offset an issue points at.
pub fn tensor_issue_offset(issue: &TensorIssue) -> u64 {
    match issue {
        TensorIssue::MissingStorage { offset, .. }
        | TensorIssue::StorageSizeMismatch { offset, .. }
        | TensorIssue::LegacyCountMismatch { offset, .. }
        | TensorIssue::LegacyRecordPastEnd { offset, .. }
        | TensorIssue::DtypeConflict { offset, .. }
        | TensorIssue::ViewOutOfBounds { offset, .. } => *offset,
    }
}
