//! TW136 `joblib-side-file`: A joblib pickle from joblib < 0.10 makes `joblib.load` read arrays from files beside it.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW136.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW136",
    name: "joblib-side-file",
    severity: Severity::High,
    section: "1",
    summary: "A joblib pickle from joblib < 0.10 makes `joblib.load` read arrays from files beside it.",
    doc: RuleDoc {
        what: "joblib before 0.10 stored each numpy array of a `joblib.dump` in a file of its own beside the pickle and pickled an `NDArrayWrapper` (or, compressed, a `ZNDArrayWrapper`) naming that file; `joblib.load` still reads such pickles. For every wrapper the pickle builds, the file it names is reported: an `NDArrayWrapper`'s file is opened with `numpy.load(allow_pickle=True)`, which unpickles any file that is not a `.npy` or `.npz` (high); a `ZNDArrayWrapper`'s file is read as zlib-compressed array bytes (medium). The name is joined to the pickle's folder, so an absolute name or one with `..` reads a file anywhere.",
        why: "Scanning the pickle alone says nothing about the code in the side files: `numpy.load(allow_pickle=True)` runs whatever pickle the named file holds, and the pickle chooses the name. A clean verdict on the pickle would hide the payload one file away.",
        example: "`model.pkl` holding `NDArrayWrapper(filename='model.pkl_01.npy')`, and a `model.pkl_01.npy` that is a pickle calling `os.system`.",
        fix: "Scan the pickle's folder as a whole (side files are then analysed as files of their own), then re-save the arrays with a current joblib or, better, as safetensors or plain `.npy` loaded with `allow_pickle=False`.",
        references: &[
            "joblib numpy_pickle_compat.py (NDArrayWrapper.read: numpy.load(filename, allow_pickle=True); ZNDArrayWrapper.read)",
            "joblib numpy_pickle.py (NumpyUnpickler.load_build, joblib.load falling back to load_compatibility)",
        ],
    },
};

/// A finding for a `class` wrapper (`NDArrayWrapper` or `ZNDArrayWrapper`) naming `file`.
pub fn finding(location: Location, class: &str, file: &str) -> Finding {
    let escapes = file.starts_with('/') || file.split(['/', '\\']).any(|p| p == "..");
    let place = if escapes {
        " (outside the pickle's folder)"
    } else {
        " beside the pickle"
    };
    let (how, severity) = if class.ends_with(".ZNDArrayWrapper") {
        ("as zlib-compressed array bytes", Severity::Medium)
    } else {
        (
            "with numpy.load(allow_pickle=True), which unpickles it unless it is a .npy or .npz",
            Severity::High,
        )
    };
    Finding::new(
        &RULE,
        location,
        format!(
            "{class} makes joblib.load read `{file}`{place} {how}: scan it together with this file"
        ),
    )
    .with_severity(severity)
    .with_evidence("side file", file)
    .with_evidence("global", class)
}
