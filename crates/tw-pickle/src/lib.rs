//! tw-pickle: a pickle machine that never executes anything; it turns pickle opcodes into an
//! inert object graph and keeps every import, call and policy violation it saw.
//!
//! - [`parse`] / [`parse_at`] run the machine over a byte slice under a [`Profile`]:
//!   `WeightsOnly` accepts exactly what torch's weights-only unpickler accepts and stops at the
//!   first violation; `Scan` walks every opcode of protocols 0-5 and records everything.
//! - [`Parsed`] carries the graph, the root, the offset just past STOP, the imports
//!   ([`Graph::globals`]), calls ([`Graph::objects`]), builds, violations, and the error that
//!   stopped the parse (the records before it are kept).
//! - [`is_weights_only_allowed`], [`Allowlist`] and [`dangerous_reason`] classify globals;
//!   [`profiles`] holds the named allowlists of data-only globals training frameworks write.
//! - [`torch::extract`] interprets the graph as torch's object model (tensors and values with
//!   dotted paths).
//!
//! ```
//! use tw_pickle::{parse, torch, ParseOptions, Profile};
//!
//! // {'a': 1} pickled with protocol 2.
//! let bytes = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s.";
//! let parsed = parse(bytes, &ParseOptions::new(Profile::WeightsOnly));
//! assert!(parsed.error.is_none() && parsed.violations.is_empty());
//! assert_eq!(parsed.end, Some(bytes.len()));
//! let table = torch::extract(&parsed).expect("a plain dict");
//! assert_eq!(table.values, vec![("a".to_owned(), torch::Leaf::Int(1))]);
//! ```
#![forbid(unsafe_code)]

mod allowlist;
mod denylist;
mod error;
mod expansion;
mod graph;
pub mod joblib;
mod limits;
mod machine;
mod opcode;
mod policy;
pub mod profiles;
mod text;
pub mod torch;

pub use allowlist::{
    is_blocked_module, is_weights_only_allowed, weights_only_allowlist, Allowlist, AllowlistError,
    BLOCKED_MODULES,
};
pub use denylist::dangerous_reason;
pub use error::PickleError;
pub use expansion::Expansion;
pub use graph::{
    BigInt, CallKind, GlobalRef, GlobalTarget, Graph, Mutations, Node, NodeId, Object, PyType, Seq,
};
pub use limits::{LimitKind, Limits};
pub use machine::{parse, parse_at, parse_joblib, BuildRecord, Parsed, StopResidue};
pub use opcode::{Opcode, OpcodeInfo, OPCODES};
pub use policy::{ParseOptions, Profile, Violation, ViolationKind};
