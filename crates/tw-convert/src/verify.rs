//! `--verify`: reads the written file back before it is renamed into place. The header must be
//! byte-identical to the plan and, parsed on its own, say exactly what the plan says (names,
//! dtypes, shapes, contiguous offsets ending at the end of the file); every tensor's bytes are
//! read from the source again and compared with the output.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::copy::{CompareSink, Copier};
use crate::error::{io, ConvertError};
use crate::header::HeaderEntry;
use crate::plan::Plan;
use crate::source::{Inputs, Sources};

/// One value of the header object, typed (a map of typed entries costs a fraction of a map of
/// JSON values for a header of many tensors).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Item {
    Tensor(HeaderEntry),
    Metadata(BTreeMap<String, String>),
}

fn mismatch(what: impl Into<String>) -> ConvertError {
    ConvertError::VerifyMismatch { what: what.into() }
}

/// Checks the output `file` (named `path`) against `plan` and the source.
pub(crate) fn verify(
    file: &File,
    path: &Path,
    plan: &Plan,
    inputs: &Inputs,
    sources: &mut Sources,
    copier: &mut Copier,
) -> Result<(), ConvertError> {
    let len = file
        .metadata()
        .map_err(|e| io(tw_fs::Op::Stat, path, e))?
        .len();
    if len != plan.file_len() {
        return Err(mismatch(format!(
            "the file has {len} bytes, the plan {}",
            plan.file_len()
        )));
    }
    let mut prefix = [0u8; 8];
    file.read_exact_at(&mut prefix, 0)
        .map_err(|e| io(tw_fs::Op::Read, path, e))?;
    let n = u64::from_le_bytes(prefix);
    if n.checked_add(8).is_none_or(|end| end > len) || n != plan.header.len() as u64 - 8 {
        return Err(mismatch(format!("header length {n} is wrong")));
    }
    let mut header = vec![0u8; plan.header.len()];
    file.read_exact_at(&mut header, 0)
        .map_err(|e| io(tw_fs::Op::Read, path, e))?;
    if header != plan.header {
        return Err(mismatch("the header differs from the plan"));
    }
    let json: HashMap<String, Item> =
        serde_json::from_slice(header.get(8..).unwrap_or_default())
            .map_err(|e| mismatch(format!("the header is not a JSON object: {e}")))?;
    let expected_keys = plan.order.len() + usize::from(!plan.metadata.is_empty());
    if json.len() != expected_keys {
        return Err(mismatch(format!(
            "the header has {} keys, the plan {expected_keys}",
            json.len()
        )));
    }
    match json.get("__metadata__") {
        Some(Item::Metadata(found)) if *found == plan.metadata => {}
        None if plan.metadata.is_empty() => {}
        _ => return Err(mismatch("__metadata__ differs from the plan")),
    }
    let mut next = 0u64;
    for (_, name, entry) in &plan.order {
        let Some(Item::Tensor(found)) = json.get(name) else {
            return Err(mismatch(format!(
                "tensor `{name}` is missing from the header"
            )));
        };
        if found != entry || found.data_offsets[0] != next {
            return Err(mismatch(format!("the header entry of `{name}` is wrong")));
        }
        next = found.data_offsets[1];
    }
    if next.checked_add(n + 8) != Some(len) {
        return Err(mismatch("the data does not end where the file ends"));
    }
    for (index, name, entry) in &plan.order {
        let t = inputs
            .tensors
            .get(*index)
            .ok_or_else(|| mismatch(format!("tensor `{name}` is not in the input")))?;
        let region = inputs
            .regions
            .get(t.region)
            .ok_or_else(|| mismatch(format!("tensor `{name}` has no region")))?;
        let src = sources.get(t.region, region)?;
        let mut sink = CompareSink {
            file,
            path,
            pos: 8 + n + entry.data_offsets[0],
            tensor: name.clone(),
            buf: Vec::new(),
        };
        copier.write(&src, &t.view, t.swap, &mut sink, &|_| {})?;
    }
    Ok(())
}
