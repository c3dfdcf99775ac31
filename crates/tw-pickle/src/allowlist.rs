//! torch's weights-only global allowlist (`torch/_weights_only_unpickler.py:_get_allowed_globals`,
//! research §2.3), keyed exactly as torch keys it: `module + "." + name` (research §2.4), plus a
//! user extension that can never admit the always-blocked modules `sys`, `os`, `posix`, `nt`.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::torch::dtype::DTYPES;

/// Modules torch refuses even when a user allowlists them (`_blocklisted_modules`).
pub const BLOCKED_MODULES: [&str; 4] = ["sys", "os", "posix", "nt"];

/// Fixed entries: containers, torch types, quantisation schemes, rebuild functions.
const FIXED: [&str; 33] = [
    "collections.OrderedDict",
    "collections.Counter",
    "builtins.set",
    "builtins.bytearray",
    "builtins.complex",
    "_codecs.encode",
    "torch.nn.parameter.Parameter",
    "torch.Tensor",
    "torch.Size",
    "torch.device",
    "torch.serialization._get_layout",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.per_channel_affine",
    "torch.per_channel_symmetric",
    "torch.per_channel_affine_float_qparams",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._tensor._rebuild_from_type_v2",
    // torch._storage_classes: the untyped and typed storage classes, under both the `torch`
    // re-export and their defining module `torch.storage` (the same class objects); the legacy
    // typed classes are derived from the dtype table below.
    "torch.UntypedStorage",
    "torch.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
];

/// `torch._tensor_classes`: scalar prefixes of the legacy tensor type objects.
const TENSOR_SCALARS: [&str; 10] = [
    "Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
];

/// Modules those tensor type objects live in (`{__module__}` of each, dense CPU and CUDA).
const TENSOR_MODULES: [&str; 2] = ["torch", "torch.cuda"];

/// Sparse tensor type objects exist for these scalars only.
const SPARSE_SCALARS: [&str; 7] = ["Double", "Float", "Long", "Int", "Short", "Char", "Byte"];

fn builtin_keys() -> &'static HashSet<String> {
    static KEYS: OnceLock<HashSet<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: HashSet<String> = FIXED.iter().map(|k| (*k).to_owned()).collect();
        for row in DTYPES {
            keys.insert(format!("torch.{}", row.torch_name));
            if let Some(class) = row.storage_class {
                keys.insert(format!("torch.{class}"));
                keys.insert(format!("torch.cuda.{class}"));
            }
        }
        for module in TENSOR_MODULES {
            for scalar in TENSOR_SCALARS {
                keys.insert(format!("{module}.{scalar}Tensor"));
            }
        }
        for module in ["torch.sparse", "torch.cuda.sparse"] {
            for scalar in SPARSE_SCALARS {
                keys.insert(format!("{module}.{scalar}Tensor"));
            }
        }
        keys
    })
}

/// Every key of torch's weights-only allowlist, sorted (for documentation and tests).
pub fn weights_only_allowlist() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = builtin_keys().iter().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// Looks `module + "." + name` up in `set` without allocating for realistic lengths.
fn contains_joined(set: &HashSet<String>, module: &str, name: &str) -> bool {
    let mut buf = [0u8; 160];
    let total = module.len() + 1 + name.len();
    if let Some(slot) = buf.get_mut(..total) {
        let (m, rest) = slot.split_at_mut(module.len());
        m.copy_from_slice(module.as_bytes());
        if let Some((dot, n)) = rest.split_first_mut() {
            *dot = b'.';
            n.copy_from_slice(name.as_bytes());
        }
        std::str::from_utf8(slot).is_ok_and(|key| set.contains(key))
    } else {
        set.contains(&format!("{module}.{name}"))
    }
}

/// Whether `module` is refused outright: `sys`, `os`, `posix`, `nt` or a submodule of them.
pub fn is_blocked_module(module: &str) -> bool {
    let head = module.split('.').next().unwrap_or(module);
    BLOCKED_MODULES.contains(&head)
}

/// Whether torch's weights-only unpickler accepts the global `module.name` (exact joined key,
/// so `torch` + `_utils._rebuild_tensor_v2` is accepted as torch accepts it).
pub fn is_weights_only_allowed(module: &str, name: &str) -> bool {
    !is_blocked_module(module) && contains_joined(builtin_keys(), module, name)
}

/// Why a user allowlist entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowlistError {
    /// The key names a module torch always blocks.
    #[error("`{key}` is in a module that is never allowed (sys, os, posix, nt)")]
    BlockedModule {
        /// The refused key.
        key: String,
    },
    /// The key has no `module.name` shape.
    #[error("`{key}` is not of the form module.name")]
    Malformed {
        /// The refused key.
        key: String,
    },
}

/// torch's allowlist plus user-added globals (torch's `add_safe_globals`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    extra: HashSet<String>,
}

impl Allowlist {
    /// The allowlist torch ships, with no user additions.
    pub fn new() -> Self {
        Allowlist::default()
    }

    /// Adds the global `module.name` (the joined key torch uses). Keys in `sys`, `os`,
    /// `posix`, `nt` are refused, as torch refuses them.
    pub fn allow(&mut self, key: &str) -> Result<(), AllowlistError> {
        let Some((module, name)) = key.rsplit_once('.') else {
            return Err(AllowlistError::Malformed {
                key: key.to_owned(),
            });
        };
        if module.is_empty() || name.is_empty() {
            return Err(AllowlistError::Malformed {
                key: key.to_owned(),
            });
        }
        if is_blocked_module(module) || BLOCKED_MODULES.contains(&key) {
            return Err(AllowlistError::BlockedModule {
                key: key.to_owned(),
            });
        }
        self.extra.insert(key.to_owned());
        Ok(())
    }

    /// Adds every global of `profile` and of the profiles it includes (`--profile NAME`).
    pub fn allow_profile(
        &mut self,
        profile: &crate::profiles::FrameworkProfile,
    ) -> Result<(), AllowlistError> {
        for global in profile.all_globals() {
            self.allow(global.key)?;
        }
        Ok(())
    }

    /// The user-added globals, sorted (what `torch.serialization.safe_globals` would list).
    pub fn user_globals(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// Whether `module.name` is allowed (torch's list or a user addition), blocked modules never.
    pub fn contains(&self, module: &str, name: &str) -> bool {
        !is_blocked_module(module)
            && (contains_joined(builtin_keys(), module, name)
                || (!self.extra.is_empty() && contains_joined(&self.extra, module, name)))
    }

    /// Whether `module.name` was added by the user (torch lets NEWOBJ/BUILD use such classes).
    pub fn is_user_allowed(&self, module: &str, name: &str) -> bool {
        !self.extra.is_empty() && contains_joined(&self.extra, module, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_joined_keys() {
        assert!(is_weights_only_allowed(
            "torch._utils",
            "_rebuild_tensor_v2"
        ));
        assert!(is_weights_only_allowed(
            "torch",
            "_utils._rebuild_tensor_v2"
        ));
        assert!(is_weights_only_allowed("torch", "FloatStorage"));
        assert!(is_weights_only_allowed("torch", "float8_e4m3fn"));
        assert!(is_weights_only_allowed("torch", "uint3"));
        assert!(is_weights_only_allowed("torch.cuda", "HalfTensor"));
        assert!(is_weights_only_allowed("collections", "OrderedDict"));
        assert!(!is_weights_only_allowed("collections", "defaultdict"));
        assert!(!is_weights_only_allowed("builtins", "eval"));
        assert!(!is_weights_only_allowed("torch", "load"));
        assert!(!is_weights_only_allowed("os", "system"));
        assert!(!is_weights_only_allowed(
            "torch._utils",
            "_rebuild_tensor_v2 "
        ));
        let long = "m".repeat(400);
        assert!(!is_weights_only_allowed(&long, "x"));
        assert!(weights_only_allowlist().len() > 100);
    }

    #[test]
    fn user_extension_never_admits_blocked_modules() {
        let mut list = Allowlist::new();
        assert!(matches!(
            list.allow("os.system"),
            Err(AllowlistError::BlockedModule { .. })
        ));
        assert!(matches!(
            list.allow("os.path.join"),
            Err(AllowlistError::BlockedModule { .. })
        ));
        assert!(matches!(
            list.allow("posix.system"),
            Err(AllowlistError::BlockedModule { .. })
        ));
        assert!(matches!(
            list.allow("nosuchdot"),
            Err(AllowlistError::Malformed { .. })
        ));
        assert!(list.allow("argparse.Namespace").is_ok());
        assert!(list.contains("argparse", "Namespace"));
        assert!(list.is_user_allowed("argparse", "Namespace"));
        assert!(!list.is_user_allowed("torch", "Size"));
        assert!(list.contains("torch", "Size"));
        assert!(!list.contains("sys", "modules"));
    }
}
