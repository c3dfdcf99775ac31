//! Byte strings inside a pickle that a framework later opens as a pickle or archive of its own:
//! the content of `io.BytesIO` objects (Transformer Engine's FP8 `_extra_state`, which
//! Megatron-LM unpickles or `torch.load`s when it restores a layer). Each is analysed like a
//! nested file, so a payload inside is reported at the outer pickle's location.
use tw_pickle::torch::bytes_of;
use tw_pickle::Graph;

/// The `(offset of the object in the pickle, content)` of every `io.BytesIO` the graph builds.
pub(crate) fn bytesio_contents(graph: &Graph<'_>) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    for object in graph.objects() {
        let is_bytesio = graph
            .global_of(object.callable)
            .is_some_and(|g| g.key_eq("_io.BytesIO") || g.key_eq("io.BytesIO"));
        if !is_bytesio {
            continue;
        }
        // BytesIO(initial_bytes), or NEWOBJ then BUILD with the state (value, pos, dict).
        let from_args = graph
            .as_tuple(object.args)
            .and_then(|args| args.first().copied());
        let from_state = graph
            .mutations(object)
            .states
            .last()
            .and_then(|s| graph.as_tuple(*s))
            .and_then(|state| state.first().copied());
        for candidate in [from_args, from_state].into_iter().flatten() {
            if let Some(bytes) = bytes_of(graph, candidate) {
                out.push((object.offset, bytes));
            }
        }
    }
    out
}

/// The bytes of every one-dimensional `uint8` tensor named `..._extra_state` (Transformer
/// Engine's newer FP8 state: `pickle.dumps(state)` stored as a byte tensor), with its path,
/// when its storage record is stored uncompressed inside `data`.
pub(crate) fn extra_state_tensors<'d>(
    container: &tw_checkpoint::Container<'_>,
    scope: tw_checkpoint::StorageScope,
    objects: &tw_pickle::torch::ObjectTable,
    data: &'d [u8],
) -> Vec<(String, &'d [u8])> {
    let mut out = Vec::new();
    for tensor in &objects.tensors {
        if !tensor.path.ends_with("_extra_state")
            || tensor.dtype != tw_pickle::torch::DType::U8
            || tensor.shape.len() != 1
        {
            continue;
        }
        let Some(storage) = &tensor.storage else {
            continue;
        };
        let Some(record) = container.storage(scope, &storage.key) else {
            continue;
        };
        if record.compressed {
            continue;
        }
        let start = record.start.checked_add(tensor.storage_offset);
        let end = start.and_then(|s| s.checked_add(*tensor.shape.first().unwrap_or(&0)));
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        if end > record.end {
            continue;
        }
        let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
        if let Some(bytes) = range.and_then(|(s, e)| data.get(s..e)) {
            out.push((tensor.path.clone(), bytes));
        }
    }
    out
}
