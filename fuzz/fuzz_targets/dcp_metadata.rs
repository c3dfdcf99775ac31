//! Fuzz target for the DCP `.metadata` reader: any bytes as the `.metadata` of the fixture DCP
//! directory (beside its real `__0_0.distcp`), scanned (the metadata with the `dcp` profile,
//! the data file item by item at the offsets the metadata records) and inspected. Invariant:
//! no input panics or hangs, and no byte range outside the data file is ever read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_modelscan::walk::{collect, WalkOptions};
use tw_modelscan::ScanOptions;

const DATA: &[u8] = include_bytes!("../../fixtures/frameworks/dcp/__0_0.distcp");

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let written = std::fs::write(dir.path().join("__0_0.distcp"), DATA)
        .and_then(|()| std::fs::write(dir.path().join(".metadata"), data));
    if written.is_err() {
        return;
    }
    let options = ScanOptions::default();
    let walked = collect(&[dir.path().to_path_buf()], &WalkOptions::default());
    let _ = tw_modelscan::scan::scan_inputs(&walked.inputs, &options, &|| {});
    if let Ok(inspection) = tw_modelscan::dcp::inspect_dir(dir.path(), &options) {
        for tensor in &inspection.tensors {
            assert_eq!(tensor.shape.len(), tensor.stride.len());
        }
    }
});
