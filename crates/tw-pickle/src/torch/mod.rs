//! torch's object model over a parsed graph: dtypes, storages and tensors found by walking
//! from the root (never executing anything), with their dotted paths.

pub mod dtype;
