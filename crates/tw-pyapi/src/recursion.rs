//! Recursion over syntax trees whose depth the input decides (nested `if` blocks, `a + b + ...`
//! chains, `a.b.c...` attribute chains, nested calls): each recursive step first makes sure
//! enough stack is left, growing it on the heap when not (as ruff's parser does). Invariant: no
//! input can overflow the stack of the thread analysing it.

/// Stack kept free before recursing, and the size of each extra segment.
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

/// Runs `f` with at least [`RED_ZONE`] bytes of stack available.
pub fn guarded<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, f)
}
