//! Analysis of one file's bytes: open the container by content, run every pickle through the
//! never-executing machine, validate storages and views, and turn all of it into findings and
//! analysis errors. A failure in one part never hides what the other parts found.
use std::collections::BTreeSet;

use tw_checkpoint::{Container, Format, PickleRole, PickleSource, TensorTable};
use tw_diagnostics::{AnalysisError, Finding, Location};
use tw_pickle::torch::ExtractError;
use tw_pickle::{GlobalTarget, LimitKind, Opcode, Parsed, ViolationKind};

use crate::lfs;
use crate::nested;
use crate::rules::{
    code_bearing_archive, dangerous_callable, decompression_bomb, global_not_allowlisted,
    invalid_mutation_target, legacy_tar_checkpoint, persistent_id_not_storage,
    pickle_stack_residue, safetensors_header_invalid, shared_reference_expansion,
    tensor_view_out_of_bounds, trailing_data, unsupported_model_format, weights_only_incompatible,
};
use crate::safe_globals;
use crate::ScanOptions;
use crate::{aggregate, classify};

/// What analysing one file found.
#[derive(Debug, Default, Clone)]
pub struct FileOutcome {
    /// The format detected by content (`None` when the file could not be opened at all).
    pub format: Option<Format>,
    /// Findings; the same finding seen again in the file is counted on the first
    /// ([`Finding::occurrences`]).
    pub findings: Vec<Finding>,
    /// Parts of the file that could not be analysed (exit code 2).
    pub errors: Vec<AnalysisError>,
    /// What nested archives of the file have spent of their limits.
    pub(crate) budget: crate::nest::Budget,
}

impl FileOutcome {
    pub(crate) fn push(&mut self, finding: Finding) {
        aggregate::add(&mut self.findings, finding);
    }

    pub(crate) fn error(
        &mut self,
        path: &str,
        entry: Option<&str>,
        offset: Option<u64>,
        message: String,
    ) {
        self.errors.push(AnalysisError {
            path: path.to_owned(),
            entry: entry.map(str::to_owned),
            offset,
            message,
        });
    }
}

/// Analyses the bytes of one file; `path` is how the file is named in findings.
pub fn analyse_bytes(path: &str, data: &[u8], options: &ScanOptions) -> FileOutcome {
    analyse_keeping_container(path, data, options).0
}

/// [`analyse_bytes`], also handing back the container it opened for the format detected by
/// content, so that a caller reading the file next does not walk it again. `None` when the
/// content is no format torchward knows (a damaged pickle analysed as one included) or could
/// not be opened.
pub(crate) fn analyse_keeping_container<'a>(
    path: &str,
    data: &'a [u8],
    options: &ScanOptions,
) -> (FileOutcome, Option<Container<'a>>) {
    let mut out = FileOutcome::default();
    let (_, container) = analyse_into(path, None, data, options, 0, false, &mut out);
    if let Some(hint) = safe_globals::hint(path, &out.findings) {
        out.findings.push(hint);
    }
    (out, container)
}

/// Analyses `data`, a part of the file `path` named `label` (an item of a DCP data file), into
/// `out`, its findings located at that part.
pub(crate) fn analyse_part(
    path: &str,
    label: &str,
    data: &[u8],
    options: &ScanOptions,
    out: &mut FileOutcome,
) {
    analyse_into(path, Some(label), data, options, 0, false, out);
}

/// Opens `data` and analyses it into `out`; returns the format detected and the container,
/// unless `data` was only analysed as a pickle for want of a known format. `nested` names the
/// pickle this data was found in (for pickles inside pickles); `depth` bounds that recursion.
/// `member` says `data` is a member of an archive (or a wrapper's content) named by `path`: its
/// format is not the file's, and content of no known format is the archive's business.
pub(crate) fn analyse_into<'a>(
    path: &str,
    nested: Option<&str>,
    data: &'a [u8],
    options: &ScanOptions,
    depth: u32,
    member: bool,
    out: &mut FileOutcome,
) -> (Format, Option<Container<'a>>) {
    let top = nested.is_none() && !member;
    let mut detected = tw_checkpoint::detect_keeping_zip(data, &options.checkpoint.limits);
    let damaged_pickle = detected.format == Format::Unknown && matches!(data, [0x80, 2..=5, ..]);
    if damaged_pickle {
        // A PROTO opcode naming protocol 2-5 starts a pickle even when the rest is damaged:
        // analyse it as one so the globals before the damage are still reported.
        detected = detected.with_format(Format::RawPickle);
    }
    let format = detected.format;
    if format == Format::Unknown {
        if top {
            out.format = Some(format);
            // A Git LFS pointer stands where the weights should be under any model-file name
            // (`.bin` included, which otherwise names any binary).
            if lfs::is_pointer(data) && promises_model(path) {
                out.error(path, None, None, lfs::MESSAGE.to_owned());
            } else if named_like_model(path, data) {
                let message = if data.is_empty() {
                    "empty file with a model-file extension"
                } else {
                    "content is not a model format torchward knows, despite the model-file extension"
                };
                out.error(path, None, None, message.to_owned());
            }
        }
        return (format, None);
    }
    let container = match tw_checkpoint::open_detected(data, detected, &options.checkpoint) {
        Ok(container) => container,
        Err(tw_checkpoint::CheckpointError::Safetensors(err)) => {
            out.push(safetensors_header_invalid::finding(
                Location::path(path),
                format!("the header cannot be read: {err}"),
            ));
            return (format, None);
        }
        Err(err) => {
            out.error(path, nested, None, format!("cannot read the file: {err}"));
            return (format, None);
        }
    };
    if top {
        out.format = Some(container.format);
    }
    let base = |entry: Option<&str>| {
        let mut loc = Location::path(path);
        match (nested, entry) {
            (Some(n), Some(e)) => loc.entry = Some(format!("{n} > {e}")),
            (Some(n), None) => loc.entry = Some(n.to_owned()),
            (None, Some(e)) => loc.entry = Some(e.to_owned()),
            (None, None) => {}
        }
        loc
    };
    format_findings(&container, base(None), out);
    for issue in &container.issues {
        out.push(classify::container_issue(base(None), issue));
    }
    let mut pickle_failed = false;
    for source in &container.pickles {
        let entry = match source.role {
            PickleRole::Raw { index: 1 } | PickleRole::NpyPayload if nested.is_none() => None,
            _ => Some(source.name.as_str()),
        };
        pickle_failed |= analyse_pickle(
            path,
            &container,
            source,
            data,
            &base(entry),
            options,
            depth,
            out,
        );
    }
    for err in &container.errors {
        // A pickle that does not frame is also a pickle that does not parse: the machine's
        // error (with the opcode and offset) already says so.
        if pickle_failed && matches!(err, tw_checkpoint::CheckpointError::Pickle(_)) {
            continue;
        }
        out.error(path, nested, None, err.to_string());
    }
    crate::nest::open_inner(path, data, &container, options, out);
    (format, (!damaged_pickle).then_some(container))
}

/// Findings that follow from the format alone.
fn format_findings(container: &Container<'_>, location: Location, out: &mut FileOutcome) {
    match container.format {
        Format::TorchScript => out.push(code_bearing_archive::finding(
            location,
            "TorchScript",
            &container.facts.code_files,
        )),
        Format::TorchPackage => out.push(code_bearing_archive::finding(
            location,
            "torch.package",
            &container.facts.code_files,
        )),
        Format::LegacyTar => {
            let members: Vec<String> = container
                .facts
                .tar_members
                .iter()
                .map(|m| m.name.clone())
                .collect();
            out.push(legacy_tar_checkpoint::finding(location, &members));
        }
        Format::Pt2 => out.push(unsupported_model_format::finding(
            location,
            "PT2 export archive (torch.export.save)",
        )),
        Format::TorchServeMar => out.push(unsupported_model_format::finding(
            location,
            "TorchServe model archive (.mar)",
        )),
        Format::Keras | Format::Hdf5 => {
            crate::keras::findings(container, &location, out);
        }
        Format::TorchZip
        | Format::Npz
        | Format::Zip
        | Format::LegacyStream
        | Format::Tar
        | Format::RawPickle
        | Format::PickleZipPolyglot
        | Format::Npy
        | Format::Safetensors
        | Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Zlib
        | Format::Lzma
        | Format::Lz4
        | Format::Unknown => {}
    }
}

/// Opcodes that import or call: when their global is already reported as not allowlisted,
/// listing them again as weights-only-incompatible adds nothing.
fn imports_or_calls(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::StackGlobal
            | Opcode::Inst
            | Opcode::Obj
            | Opcode::NewObjEx
            | Opcode::Ext1
            | Opcode::Ext2
            | Opcode::Ext4
    )
}

/// Analyses one pickle; returns whether it failed to parse.
#[allow(clippy::too_many_arguments)]
fn analyse_pickle(
    path: &str,
    container: &Container<'_>,
    source: &PickleSource<'_>,
    data: &[u8],
    location: &Location,
    options: &ScanOptions,
    depth: u32,
    out: &mut FileOutcome,
) -> bool {
    let bytes: &[u8] = &source.bytes;
    let parsed = tw_pickle::parse(bytes, &options.pickle);
    let at = |offset: u64| location.clone().with_offset(source.base_offset + offset);

    for global in parsed.graph.globals() {
        if let GlobalTarget::Named { module, name } = &global.target {
            if let Some(reason) = tw_pickle::dangerous_reason(module, name) {
                out.push(dangerous_callable::finding(
                    at(global.offset),
                    module,
                    name,
                    reason,
                ));
            }
        }
    }
    let mut not_allowlisted = false;
    let mut rejected_opcodes: BTreeSet<&'static str> = BTreeSet::new();
    let mut import_opcodes: BTreeSet<&'static str> = BTreeSet::new();
    for violation in &parsed.violations {
        let loc = at(violation.offset);
        match &violation.kind {
            ViolationKind::GlobalNotAllowed { module, name }
            | ViolationKind::BlockedModule { module, name }
            | ViolationKind::NewObjNotAllowed { module, name } => {
                not_allowlisted = true;
                out.push(global_not_allowlisted::finding_for_global(
                    loc, module, name,
                ));
            }
            ViolationKind::UnresolvedGlobal { module, name } => {
                not_allowlisted = true;
                out.push(global_not_allowlisted::finding(
                    loc,
                    &format!("a global built by STACK_GLOBAL from a {module} and a {name}"),
                ));
            }
            ViolationKind::ExtensionGlobal { code } => {
                not_allowlisted = true;
                out.push(global_not_allowlisted::finding(
                    loc,
                    &format!("the copyreg extension global with code {code}"),
                ));
            }
            ViolationKind::CallableNotAllowed { .. } => {
                // The callable was produced by another call on a non-allowlisted global,
                // which is reported where it was imported.
            }
            ViolationKind::InvalidSetItemTarget { target }
            | ViolationKind::InvalidAppendTarget { target }
            | ViolationKind::InvalidBuildTarget { target } => {
                // Objects built by non-allowlisted globals are already findings; the rule is
                // about mutating what torch itself builds (a tensor, a list, a tuple).
                if !matches!(
                    target,
                    tw_pickle::PyType::Instance | tw_pickle::PyType::Global
                ) {
                    out.push(invalid_mutation_target::finding(
                        loc,
                        violation.kind.to_string(),
                    ));
                }
            }
            ViolationKind::PersistentIdNotStorage { .. } => {
                out.push(persistent_id_not_storage::finding(
                    loc,
                    violation.kind.to_string(),
                ));
            }
            ViolationKind::OpcodeNotAllowed { opcode } => {
                if imports_or_calls(*opcode) {
                    import_opcodes.insert(opcode.name());
                } else {
                    rejected_opcodes.insert(opcode.name());
                }
            }
        }
    }
    if !not_allowlisted {
        rejected_opcodes.extend(import_opcodes);
    }
    if !rejected_opcodes.is_empty() {
        let list: Vec<&str> = rejected_opcodes.into_iter().collect();
        out.push(weights_only_incompatible::finding(at(0), &list));
    }

    if !parsed.residue.is_clean() {
        out.push(pickle_stack_residue::finding(
            at(parsed.end.map_or(0, |end| end.saturating_sub(1) as u64)),
            parsed.residue.open_marks,
            parsed.residue.extra_values,
        ));
    }
    let expansion = parsed.expansion();
    if let Some(expansion) = expansion {
        out.push(shared_reference_expansion::finding(
            at(0),
            format!(
                "shared references expand the pickle's value to more than {} bytes (the limit for {} bytes of pickle): anything that copies it per reference exhausts memory",
                expansion.limit,
                parsed.end.unwrap_or(0).saturating_sub(parsed.start),
            ),
        ));
    }
    let failed = if let Some(err) = &parsed.error {
        let mut loc = at(err.offset());
        out.error(
            path,
            loc.entry.take().as_deref(),
            loc.offset,
            format!("malformed pickle: {err}"),
        );
        true
    } else {
        false
    };
    if let Some(end) = parsed.end {
        match source.role {
            // Raw files: the container frames every pickle and reports what follows.
            PickleRole::Raw { .. } => {}
            // A polyglot: pickle.load stops at STOP and never looks at the zip behind it.
            PickleRole::Prefix => {
                let after =
                    data.len() as u64 - (source.base_offset + end as u64).min(data.len() as u64);
                if after > 0 {
                    out.push(trailing_data::finding(
                        at(end as u64),
                        format!("{after} byte(s) (a zip archive) follow the pickle's STOP"),
                    ));
                }
            }
            _ if end < bytes.len() => out.push(trailing_data::finding(
                at(end as u64),
                format!("{} byte(s) follow the pickle's STOP", bytes.len() - end),
            )),
            _ => {}
        }
    }
    if let Some(scope) = source.role.storage_scope() {
        if parsed.is_complete() && !not_allowlisted && expansion.is_none() {
            validate_tensors(path, container, scope, &parsed, source, data, location, out);
            analyse_extra_state(
                path, container, scope, &parsed, bytes, data, location, options, depth, out,
            );
        }
    }
    analyse_nested(path, &parsed, source, location, options, depth, out);
    failed
}

/// Checks every storage and view the pickle references against the container's records.
#[allow(clippy::too_many_arguments)]
fn validate_tensors(
    path: &str,
    container: &Container<'_>,
    scope: tw_checkpoint::StorageScope,
    parsed: &Parsed<'_>,
    source: &PickleSource<'_>,
    data: &[u8],
    location: &Location,
    out: &mut FileOutcome,
) {
    match tw_pickle::torch::extract(parsed) {
        Ok(objects) => {
            for issue in &TensorTable::issues_of(container, scope, &objects, data) {
                let offset = classify::tensor_issue_offset(issue);
                let absolute = matches!(
                    issue,
                    tw_checkpoint::TensorIssue::LegacyCountMismatch { .. }
                        | tw_checkpoint::TensorIssue::LegacyRecordPastEnd { .. }
                );
                let loc = if absolute {
                    Location::path(path).with_offset(offset)
                } else {
                    location.clone().with_offset(source.base_offset + offset)
                };
                out.push(classify::tensor_issue(loc, issue));
            }
        }
        Err(
            err @ (ExtractError::NegativeSize { .. }
            | ExtractError::NegativeStride { .. }
            | ExtractError::Negative { .. }
            | ExtractError::RankMismatch { .. }),
        ) => out.push(tensor_view_out_of_bounds::finding(
            location.clone().with_offset(source.base_offset),
            err.to_string(),
        )),
        Err(
            err @ ExtractError::LimitExceeded {
                what: LimitKind::WalkSteps | LimitKind::MaterialisedBytes,
                ..
            },
        ) => out.push(shared_reference_expansion::finding(
            location.clone().with_offset(source.base_offset),
            format!("listing what the pickle holds stops: {err}"),
        )),
        Err(err) => out.error(
            path,
            location.entry.as_deref(),
            None,
            format!("cannot interpret the pickle as torch objects: {err}"),
        ),
    }
}

/// Byte tensors holding pickles (Transformer Engine's `_extra_state`), analysed as nested
/// files. Only called on a pickle that passed the weights-only checks, so its tensors extract.
#[allow(clippy::too_many_arguments)]
fn analyse_extra_state(
    path: &str,
    container: &Container<'_>,
    scope: tw_checkpoint::StorageScope,
    parsed: &Parsed<'_>,
    pickle: &[u8],
    data: &[u8],
    location: &Location,
    options: &ScanOptions,
    depth: u32,
    out: &mut FileOutcome,
) {
    // Only a pickle that names an `_extra_state` key pays for the extraction.
    const KEY: &[u8] = b"_extra_state";
    if !pickle.windows(KEY.len()).any(|w| w == KEY) {
        return;
    }
    let Ok(objects) = tw_pickle::torch::extract(parsed) else {
        return;
    };
    let base = location.entry.as_deref().unwrap_or("");
    for (tensor, bytes) in nested::extra_state_tensors(container, scope, &objects, data) {
        let label = format!("{base} > tensor {tensor}");
        analyse_inner(path, &label, bytes, options, depth, out);
    }
}

/// Pickles inside pickles: a bytes argument of a call to a loader (`_load_from_bytes`,
/// `pickle.loads` ...) is itself opened and scanned, so its payload is reported too.
fn analyse_nested(
    path: &str,
    parsed: &Parsed<'_>,
    source: &PickleSource<'_>,
    location: &Location,
    options: &ScanOptions,
    depth: u32,
    out: &mut FileOutcome,
) {
    let graph = &parsed.graph;
    let base = location.entry.as_deref().unwrap_or(source.name.as_str());
    for (offset, bytes) in nested::bytesio_contents(graph) {
        let label = format!(
            "{base} > io.BytesIO at offset {}",
            source.base_offset + offset
        );
        analyse_inner(path, &label, &bytes, options, depth, out);
    }
    for object in graph.objects() {
        let Some(global) = graph.global_of(object.callable) else {
            continue;
        };
        let Some((module, name)) = global.names() else {
            continue;
        };
        if !is_nested_loader(module, name) {
            continue;
        }
        let Some(args) = graph.as_tuple(object.args) else {
            continue;
        };
        for &arg in args {
            if let Some(bytes) = graph.as_bytes(arg) {
                let label = format!(
                    "{} > {module}.{name} argument at offset {}",
                    location.entry.as_deref().unwrap_or(source.name.as_str()),
                    source.base_offset + object.offset
                );
                analyse_inner(path, &label, bytes, options, depth, out);
            }
        }
    }
}

/// A pickle found inside the one at `depth`, analysed one level deeper, or (past
/// `max_nested_depth`) reported as TW111: a payload nested deeper than the limit must not pass
/// as clean.
fn analyse_inner(
    path: &str,
    label: &str,
    bytes: &[u8],
    options: &ScanOptions,
    depth: u32,
    out: &mut FileOutcome,
) {
    let max = options.max_nested_depth;
    if depth >= max {
        out.push(decompression_bomb::finding(
            Location::path(path).with_entry(label),
            format!("pickles nested more than {max} deep: the innermost is not analysed"),
        ));
        return;
    }
    analyse_into(path, Some(label), bytes, options, depth + 1, false, out);
}

/// File extensions that promise a model file: content that is not one is an error, not a skip.
const MODEL_EXTENSIONS: &[&str] = &[
    "pt",
    "pth",
    "bin",
    "ckpt",
    "pkl",
    "pickle",
    "joblib",
    "npy",
    "npz",
    "safetensors",
    "pt2",
    "mar",
    "keras",
    "h5",
    "hdf5",
];

/// Whether `path` has a model-file extension.
fn promises_model(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MODEL_EXTENSIONS.iter().any(|m| m.eq_ignore_ascii_case(e)))
}

/// Whether a file named `path` whose content `data` is no known format is named like a model
/// (its content is then a damaged model, or a model in a format torchward does not read).
/// Two extensions are shared with ordinary files: `.bin` names any binary, and `.pth` is also
/// a Python path configuration file (a line of text per path or `import`, as `site` reads
/// them), so an unknown `.bin` or a text `.pth` is not named like a model.
pub(crate) fn named_like_model(path: &str, data: &[u8]) -> bool {
    let extension = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    if extension.eq_ignore_ascii_case("bin") {
        return false;
    }
    if extension.eq_ignore_ascii_case("pth") && !data.is_empty() {
        let head = data.get(..4096).unwrap_or(data);
        let text = match std::str::from_utf8(head) {
            Ok(_) => true,
            // A multi-byte character cut at the end of the window.
            Err(e) => e.error_len().is_none(),
        };
        if text && !head.contains(&0) {
            return false;
        }
    }
    promises_model(path)
}

/// Callables that unpickle their bytes argument.
fn is_nested_loader(module: &str, name: &str) -> bool {
    matches!(
        (module, name),
        ("torch.storage" | "torch.serialization", "_load_from_bytes")
            | (
                "pickle" | "_pickle" | "cPickle" | "dill" | "cloudpickle",
                "loads"
            )
    )
}
