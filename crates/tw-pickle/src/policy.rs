//! What a parse is checked against: the profile (weights-only or scan), the allowlist, the
//! limits, and the typed violations of torch's weights-only rules (research §2.2-2.4).

use crate::allowlist::Allowlist;
use crate::graph::PyType;
use crate::limits::Limits;
use crate::opcode::Opcode;

/// How the machine treats a weights-only violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Accept exactly what torch's weights-only unpickler accepts; stop at the first violation
    /// with [`crate::PickleError::Disallowed`].
    #[default]
    WeightsOnly,
    /// Walk every opcode of protocols 0-5, record every import, call and violation, and keep
    /// going after violations.
    Scan,
}

/// Everything a parse is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Weights-only or scan.
    pub profile: Profile,
    /// Resource limits.
    pub limits: Limits,
    /// torch's allowlist plus user additions.
    pub allowlist: Allowlist,
}

impl ParseOptions {
    /// Default limits and allowlist with the given profile.
    pub fn new(profile: Profile) -> Self {
        ParseOptions {
            profile,
            ..ParseOptions::default()
        }
    }
}

/// One departure from torch's weights-only contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViolationKind {
    /// An opcode outside the 34 torch accepts (TW114 unless it imports or calls).
    #[error("opcode {opcode} is not accepted by torch's weights-only unpickler")]
    OpcodeNotAllowed {
        /// The opcode.
        opcode: Opcode,
    },
    /// A global outside the allowlist (TW102).
    #[error("global {module}.{name} is not in the weights-only allowlist")]
    GlobalNotAllowed {
        /// The module as written.
        module: String,
        /// The name as written.
        name: String,
    },
    /// A global in `sys`, `os`, `posix` or `nt`, which torch never allows.
    #[error("global {module}.{name} is in a module torch always blocks")]
    BlockedModule {
        /// The module.
        module: String,
        /// The name.
        name: String,
    },
    /// `STACK_GLOBAL` whose operands are not both strings.
    #[error("STACK_GLOBAL operands are {module} and {name}, not strings")]
    UnresolvedGlobal {
        /// Type of the module operand.
        module: PyType,
        /// Type of the name operand.
        name: PyType,
    },
    /// EXT1/2/4: the global comes from the copyreg extension registry.
    #[error("extension code {code} names a global through the copyreg registry")]
    ExtensionGlobal {
        /// The code.
        code: u32,
    },
    /// REDUCE/NEWOBJ whose callable is not an allowlisted global.
    #[error("{opcode} calls a {callable}, not an allowlisted global")]
    CallableNotAllowed {
        /// REDUCE or NEWOBJ.
        opcode: Opcode,
        /// What was called.
        callable: PyType,
    },
    /// NEWOBJ of an allowlisted class torch only lets REDUCE construct.
    #[error("NEWOBJ of {module}.{name}, which torch does not instantiate with NEWOBJ")]
    NewObjNotAllowed {
        /// The module.
        module: String,
        /// The name.
        name: String,
    },
    /// `SETITEM(S)` on something other than dict/OrderedDict/Counter (TW108, CVE-2026-24747).
    #[error("SETITEM target is a {target}, not a dict, OrderedDict or Counter")]
    InvalidSetItemTarget {
        /// The target's type.
        target: PyType,
    },
    /// `APPEND(S)` on something other than a list (TW108).
    #[error("APPEND target is a {target}, not a list")]
    InvalidAppendTarget {
        /// The target's type.
        target: PyType,
    },
    /// BUILD on an object torch does not let BUILD set state on (TW108).
    #[error("BUILD target is a {target}")]
    InvalidBuildTarget {
        /// The target's type.
        target: PyType,
    },
    /// A persistent id that is not a `('storage', ...)` tuple (TW109).
    #[error("persistent id is a {pid}, not a ('storage', ...) tuple")]
    PersistentIdNotStorage {
        /// The id's type (a tuple when its first item is wrong).
        pid: PyType,
    },
}

/// A violation and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (offset {offset})")]
pub struct Violation {
    /// What was violated.
    pub kind: ViolationKind,
    /// Byte offset of the opcode.
    pub offset: u64,
}
