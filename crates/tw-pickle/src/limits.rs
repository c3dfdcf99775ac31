//! Resource limits of the pickle machine and of torch extraction (research §2.6): every counter
//! the machine grows is compared against one of these before it grows.

/// Which limit was hit; carried by [`crate::PickleError::LimitExceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// Opcodes executed.
    Opcodes,
    /// Values on the stack (all marks together).
    StackDepth,
    /// Open MARKs (the metastack).
    MetastackDepth,
    /// Distinct memo entries.
    MemoEntries,
    /// Nesting depth of a constructed container, or of a walk over the graph.
    NestingDepth,
    /// Length of one string, bytes or text argument.
    StringLength,
    /// Nodes in the object graph.
    GraphNodes,
    /// Tensors found by extraction.
    Tensors,
    /// Sum of tensor element counts found by extraction.
    TotalElements,
    /// Steps of a walk over the graph (shared subtrees are visited once per path).
    WalkSteps,
    /// Bytes extraction materialises (paths, values and tensor records).
    MaterialisedBytes,
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitKind::Opcodes => "opcodes",
            LimitKind::StackDepth => "stack depth",
            LimitKind::MetastackDepth => "metastack depth",
            LimitKind::MemoEntries => "memo entries",
            LimitKind::NestingDepth => "nesting depth",
            LimitKind::StringLength => "string length",
            LimitKind::GraphNodes => "graph nodes",
            LimitKind::Tensors => "tensors",
            LimitKind::TotalElements => "total elements",
            LimitKind::WalkSteps => "walk steps",
            LimitKind::MaterialisedBytes => "materialised bytes",
        })
    }
}

/// Bounds on the work and memory one parse (and one extraction) may use.
///
/// The defaults admit a state-dict pickle of about 400 MB (a state dict makes one node per
/// 13 bytes) while keeping hostile input bounded: a node costs about 30 bytes with its side
/// tables, so `max_graph_nodes` caps the graph near 1 GiB, and lengths are in any case checked
/// against the bytes left before anything is allocated. Raise the limits for larger pickles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum opcodes executed (default 200,000,000).
    pub max_opcodes: u64,
    /// Maximum values on the stack (default 1,000,000; pickle writers batch 1,000 items).
    pub max_stack_depth: usize,
    /// Maximum open MARKs (default 10,000).
    pub max_metastack_depth: usize,
    /// Maximum distinct memo entries (default 16,777,216).
    pub max_memo_entries: usize,
    /// Maximum container nesting depth, at construction and in walks (default 1,000).
    pub max_nesting_depth: u32,
    /// Maximum length of one string/bytes argument, in bytes (default 1 GiB); lengths are also
    /// always checked against the bytes left in the input.
    pub max_string_len: u64,
    /// Maximum nodes in the object graph (default 32,000,000).
    pub max_graph_nodes: usize,
    /// Maximum tensors extraction reports (default 1,000,000).
    pub max_tensors: usize,
    /// Maximum sum of tensor element counts extraction accepts (default 2^44).
    pub max_total_elements: u64,
    /// Walk steps extraction may take beyond four per graph node (default 1,000,000): shared
    /// subtrees are walked once per path, so this bounds "billion laughs" expansion.
    pub walk_step_allowance: u64,
    /// Bytes extraction may materialise beyond eight per pickle byte (default 64 MiB): paths,
    /// values and tensor records, each counted with its in-memory size. A value the pickle
    /// shares by memo reference is materialised once (later references are
    /// [`crate::torch::Leaf::Shared`]), but paths are one per reference, so a few kilobytes
    /// of shared references could otherwise expand to gigabytes.
    pub materialise_allowance: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_opcodes: 200_000_000,
            max_stack_depth: 1_000_000,
            max_metastack_depth: 10_000,
            max_memo_entries: 16_777_216,
            max_nesting_depth: 1_000,
            max_string_len: 1 << 30,
            max_graph_nodes: 32_000_000,
            max_tensors: 1_000_000,
            max_total_elements: 1 << 44,
            walk_step_allowance: 1_000_000,
            materialise_allowance: 64 << 20,
        }
    }
}
