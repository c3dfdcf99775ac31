//! Framework profiles: named, documented allowlists of globals that only carry data, as the
//! training frameworks that write them register them with `torch.serialization.add_safe_globals`
//! (research field.md §1). A profile never lists a callable that does work: no module in `sys`,
//! `os`, `posix`, `nt`, nothing on the dangerous-callable list, no optimizer, engine or module
//! class (allowlisting a class lets a pickle call its constructor with any arguments); a test
//! holds every entry to that. Each entry says how a reader that never constructs anything reads
//! what the global builds ([`GlobalKind`]).

/// How the value a profile global builds is read (never by calling it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GlobalKind {
    /// A class that only holds data (`argparse.Namespace`, a config data class): its objects
    /// are read as containers of their arguments, keyword arguments and state.
    Class,
    /// An `enum.Enum` class: `Enum(value)` is read as its value.
    Enum,
    /// `pathlib.PosixPath(*parts)`: read as the path string.
    Path,
    /// A tensor rebuild function with `_rebuild_tensor_v2`'s arguments (`torch_npu`'s
    /// `_rebuild_npu_tensor`): read as a tensor of its storage.
    TensorRebuild,
    /// `NumPy`'s `_reconstruct(ndarray, shape, typecode)` plus its BUILD state: read as an array
    /// (dtype, shape, raw bytes).
    ArrayReconstruct,
    /// `NumPy`'s `scalar(dtype, bytes)`: read as a zero-dimensional array.
    ArrayScalar,
    /// `numpy.dtype(code, align, copy)` plus its BUILD state: read as the dtype string
    /// (`<u4`).
    ArrayDType,
    /// A type referenced as a value only (`typing.Any`, `numpy.dtypes.UInt32DType`): read as
    /// its name.
    Type,
}

/// One global a profile admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileGlobal {
    /// `module.name`, exactly as a pickle names it.
    pub key: &'static str,
    /// How it is read.
    pub kind: GlobalKind,
}

/// A named allowlist of data-only globals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameworkProfile {
    /// The name `--profile` takes (`megatron`).
    pub name: &'static str,
    /// One line on which files need it.
    pub summary: &'static str,
    /// Where the list comes from (the framework's own registration).
    pub source: &'static str,
    /// Whether every scan, inspect and convert applies it without being asked.
    pub default: bool,
    /// Profiles this one includes (by name).
    pub includes: &'static [&'static str],
    /// Its own globals.
    pub globals: &'static [ProfileGlobal],
}

const fn g(key: &'static str, kind: GlobalKind) -> ProfileGlobal {
    ProfileGlobal { key, kind }
}

use GlobalKind::{
    ArrayDType, ArrayReconstruct, ArrayScalar, Class, Enum, Path, TensorRebuild, Type,
};

const TORCH_NPU: &[ProfileGlobal] = &[
    g("torch_npu.utils.storage._rebuild_npu_tensor", TensorRebuild),
    g("torch_npu.npu._format.Format", Enum),
];

const NUMPY_RNG: &[ProfileGlobal] = &[
    g("numpy.core.multiarray._reconstruct", ArrayReconstruct),
    g("numpy._core.multiarray._reconstruct", ArrayReconstruct),
    g("numpy.core.multiarray.scalar", ArrayScalar),
    g("numpy._core.multiarray.scalar", ArrayScalar),
    g("numpy.ndarray", Type),
    g("numpy.dtype", ArrayDType),
    g("numpy.dtypes.BoolDType", Type),
    g("numpy.dtypes.Int8DType", Type),
    g("numpy.dtypes.UInt8DType", Type),
    g("numpy.dtypes.Int16DType", Type),
    g("numpy.dtypes.UInt16DType", Type),
    g("numpy.dtypes.Int32DType", Type),
    g("numpy.dtypes.UInt32DType", Type),
    g("numpy.dtypes.Int64DType", Type),
    g("numpy.dtypes.UInt64DType", Type),
    g("numpy.dtypes.LongDType", Type),
    g("numpy.dtypes.ULongDType", Type),
    g("numpy.dtypes.LongLongDType", Type),
    g("numpy.dtypes.ULongLongDType", Type),
    g("numpy.dtypes.Float16DType", Type),
    g("numpy.dtypes.Float32DType", Type),
    g("numpy.dtypes.Float64DType", Type),
];

const MEGATRON: &[ProfileGlobal] = &[
    g("argparse.Namespace", Class),
    g("types.SimpleNamespace", Class),
    g("pathlib.PosixPath", Path),
    g("io.BytesIO", Class),
    g("_io.BytesIO", Class),
    g("signal.Signals", Enum),
    g("torch._C.Generator", Class),
    g("megatron.core.enums.ModelType", Enum),
    g("megatron.core.transformer.enums.AttnBackend", Enum),
    g("megatron.core.transformer.enums.CudaGraphScope", Enum),
    g("megatron.core.rerun_state_machine.RerunDiagnostic", Enum),
    g("megatron.core.rerun_state_machine.RerunMode", Enum),
    g("megatron.core.rerun_state_machine.RerunState", Enum),
    g(
        "megatron.core.optimizer.optimizer_config.OptimizerConfig",
        Class,
    ),
];

const DEEPSPEED: &[ProfileGlobal] = &[
    g("deepspeed.runtime.zero.config.ZeroStageEnum", Enum),
    g("deepspeed.runtime.fp16.loss_scaler.LossScaler", Class),
    g(
        "deepspeed.runtime.fp16.loss_scaler.DynamicLossScaler",
        Class,
    ),
    g("argparse.Namespace", Class),
];

const HF_TRAINER: &[ProfileGlobal] = &[
    g("transformers.training_args.TrainingArguments", Class),
    g(
        "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
        Class,
    ),
    g("transformers.training_args.OptimizerNames", Enum),
    g("transformers.trainer_utils.IntervalStrategy", Enum),
    g("transformers.trainer_utils.SaveStrategy", Enum),
    g("transformers.trainer_utils.HubStrategy", Enum),
    g("transformers.trainer_utils.SchedulerType", Enum),
    g("transformers.debug_utils.DebugOption", Enum),
    g("transformers.trainer_callback.TrainerState", Class),
];

const LIGHTNING: &[ProfileGlobal] = &[
    g("omegaconf.dictconfig.DictConfig", Class),
    g("omegaconf.listconfig.ListConfig", Class),
    g("omegaconf.base.ContainerMetadata", Class),
    g("omegaconf.base.Metadata", Class),
    g("omegaconf.nodes.AnyNode", Class),
    g("omegaconf.nodes.StringNode", Class),
    g("omegaconf.nodes.IntegerNode", Class),
    g("omegaconf.nodes.FloatNode", Class),
    g("omegaconf.nodes.BooleanNode", Class),
    g("typing.Any", Type),
    g("builtins.dict", Type),
    g("builtins.list", Type),
    g("builtins.int", Type),
    g("builtins.str", Type),
    g("builtins.float", Type),
    g("builtins.bool", Type),
    g("collections.defaultdict", Class),
];

const DCP: &[ProfileGlobal] = &[
    g("torch.distributed.checkpoint.metadata.Metadata", Class),
    g(
        "torch.distributed.checkpoint.metadata.TensorStorageMetadata",
        Class,
    ),
    g(
        "torch.distributed.checkpoint.metadata.BytesStorageMetadata",
        Class,
    ),
    g(
        "torch.distributed.checkpoint.metadata.ChunkStorageMetadata",
        Class,
    ),
    g(
        "torch.distributed.checkpoint.metadata.TensorProperties",
        Class,
    ),
    g("torch.distributed.checkpoint.metadata.MetadataIndex", Class),
    g("torch.distributed.checkpoint.metadata.StorageMeta", Class),
    g(
        "torch.distributed.checkpoint.metadata._MEM_FORMAT_ENCODING",
        Enum,
    ),
    g(
        "torch.distributed.checkpoint.filesystem._StorageInfo",
        Class,
    ),
    g("pathlib.PosixPath", Path),
];

/// Every profile, in the order `allowed by --profile NAME` hints search them (the most
/// specific first, so a `NumPy` global names `numpy-rng`, not a profile that includes it).
pub static PROFILES: &[FrameworkProfile] = &[
    FrameworkProfile {
        name: "torch-npu",
        summary: "Ascend checkpoints: tensors rebuilt by torch_npu's _rebuild_npu_tensor, NPU storage formats",
        source: "torch_npu/utils/serialization.py (torch.serialization.add_safe_globals on import)",
        default: true,
        includes: &[],
        globals: TORCH_NPU,
    },
    FrameworkProfile {
        name: "numpy-rng",
        summary: "NumPy arrays and dtypes, as NumPy RNG state (np.random.get_state()) pickles them",
        source: "torch serialization docs (numpy globals for weights_only), huggingface/transformers #40500",
        default: false,
        includes: &[],
        globals: NUMPY_RNG,
    },
    FrameworkProfile {
        name: "megatron",
        summary: "Megatron-LM / MindSpeed model_optim_rng.pt: args namespace, enums, OptimizerConfig, RNG state",
        source: "NVIDIA/Megatron-LM megatron/core/safe_globals.py (SAFE_GLOBALS)",
        default: false,
        includes: &["numpy-rng"],
        globals: MEGATRON,
    },
    FrameworkProfile {
        name: "deepspeed",
        summary: "DeepSpeed model and ZeRO states: stage enum, loss scaler state, args namespace",
        source: "deepspeedai/DeepSpeed #8500 (ZeroStageEnum, LossScaler)",
        default: false,
        includes: &["numpy-rng"],
        globals: DEEPSPEED,
    },
    FrameworkProfile {
        name: "hf-trainer",
        summary: "Hugging Face Trainer checkpoints: rng_state.pth, training_args.bin, trainer enums",
        source: "huggingface/transformers trainer.py (_load_rng_state), #40500",
        default: false,
        includes: &["numpy-rng"],
        globals: HF_TRAINER,
    },
    FrameworkProfile {
        name: "lightning",
        summary: "Lightning .ckpt hyper_parameters held in OmegaConf DictConfig/ListConfig",
        source: "Lightning-AI/pytorch-lightning (weights_only loading with OmegaConf hparams)",
        default: false,
        includes: &[],
        globals: LIGHTNING,
    },
    FrameworkProfile {
        name: "dcp",
        summary: "torch.distributed.checkpoint .metadata: DCP's metadata data classes (applied to .metadata beside *.distcp files)",
        source: "torch/distributed/checkpoint/metadata.py, filesystem.py (_StorageInfo); pytorch/pytorch #189308",
        default: false,
        includes: &[],
        globals: DCP,
    },
];

/// The profile named `name`.
pub fn profile(name: &str) -> Option<&'static FrameworkProfile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The names of every profile, in order (for messages and `--help`).
pub fn profile_names() -> Vec<&'static str> {
    PROFILES.iter().map(|p| p.name).collect()
}

impl FrameworkProfile {
    /// Every global the profile admits: its own, then those of the profiles it includes.
    pub fn all_globals(&self) -> Vec<ProfileGlobal> {
        let mut out: Vec<ProfileGlobal> = self.globals.to_vec();
        for name in self.includes {
            if let Some(included) = profile(name) {
                for global in included.all_globals() {
                    if !out.iter().any(|g| g.key == global.key) {
                        out.push(global);
                    }
                }
            }
        }
        out
    }
}

/// The profile that lists `module.name` among its own globals (the most specific), for the
/// hint `allowed by --profile NAME`.
pub fn profile_for(module: &str, name: &str) -> Option<&'static FrameworkProfile> {
    PROFILES.iter().find(|p| {
        p.globals.iter().any(|g| {
            g.key.len() == module.len() + 1 + name.len()
                && g.key.starts_with(module)
                && g.key.ends_with(name)
                && g.key.as_bytes().get(module.len()) == Some(&b'.')
        })
    })
}

/// How a profile reads `key` (`None` when no profile lists it).
pub fn kind_of(key: &str) -> Option<GlobalKind> {
    PROFILES
        .iter()
        .flat_map(|p| p.globals.iter())
        .find(|g| g.key == key)
        .map(|g| g.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that name classes whose constructors do work: never in a profile.
    const WORKERS: [&str; 6] = ["Optimizer", "Engine", "Module", "Adam", "SGD", "Model."];

    #[test]
    fn no_profile_admits_a_dangerous_or_working_global() {
        for profile in PROFILES {
            for global in profile.all_globals() {
                let (module, name) = global.key.rsplit_once('.').unwrap_or(("", ""));
                assert!(!module.is_empty() && !name.is_empty(), "{}", global.key);
                assert!(
                    crate::dangerous_reason(module, name).is_none(),
                    "{} is dangerous",
                    global.key
                );
                assert!(!crate::is_blocked_module(module), "{}", global.key);
                assert!(
                    !WORKERS.iter().any(|w| name.contains(w))
                        || name == "OptimizerConfig"
                        || name == "OptimizerNames",
                    "{} looks like a class that does work",
                    global.key
                );
            }
        }
    }

    #[test]
    fn names_are_unique_includes_resolve_and_hints_are_specific() {
        let names = profile_names();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{name} twice");
        }
        for p in PROFILES {
            for inc in p.includes {
                assert!(profile(inc).is_some(), "{} includes unknown {inc}", p.name);
            }
        }
        let megatron = profile("megatron").map(FrameworkProfile::all_globals);
        assert!(megatron.is_some_and(|m| m.iter().any(|g| g.key == "numpy.ndarray")));
        assert_eq!(
            profile_for("numpy._core.multiarray", "_reconstruct").map(|p| p.name),
            Some("numpy-rng")
        );
        assert_eq!(
            profile_for("argparse", "Namespace").map(|p| p.name),
            Some("megatron")
        );
        assert_eq!(profile_for("argparse", "Names"), None);
        assert_eq!(profile_for("os", "system"), None);
        assert_eq!(
            kind_of("megatron.core.enums.ModelType"),
            Some(GlobalKind::Enum)
        );
    }
}
