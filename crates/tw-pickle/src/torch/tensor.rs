//! Tensor rebuild calls (`torch/_utils.py` `_rebuild_*`, `torch/_tensor.py`
//! `_rebuild_from_type_v2`, `torch/nn/parameter.py`) decoded into [`TensorRef`]s; every argument
//! is type-checked, sizes and strides must be non-negative integers of equal rank.

use crate::graph::{Graph, Node, NodeId};
use crate::limits::LimitKind;
use crate::torch::dtype::DType;
use crate::torch::error::ExtractError;
use crate::torch::storage::storage_ref;
use crate::torch::{TensorKind, TensorRef};

/// Rebuild calls nest (parameter of a from-type of a tensor); deeper nesting is refused.
const MAX_REBUILD_NESTING: u32 = 8;

/// The rebuild functions torchward understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rebuild {
    Tensor,
    TensorV2,
    TensorV3,
    QTensor,
    Sparse,
    Meta,
    WrapperSubclass,
    FromNumpy,
    FromCpu,
    Nested,
    Parameter,
    ParameterWithState,
    ParameterClass,
    FromTypeV2,
}

const REBUILDS: [(&str, Rebuild); 15] = [
    // torch_npu's rebuild takes _rebuild_tensor_v2's arguments, the last being NPU storage
    // information used only on the device (torch_npu/utils/storage.py).
    (
        "torch_npu.utils.storage._rebuild_npu_tensor",
        Rebuild::TensorV2,
    ),
    ("torch._utils._rebuild_tensor", Rebuild::Tensor),
    ("torch._utils._rebuild_tensor_v2", Rebuild::TensorV2),
    ("torch._utils._rebuild_tensor_v3", Rebuild::TensorV3),
    ("torch._utils._rebuild_qtensor", Rebuild::QTensor),
    ("torch._utils._rebuild_sparse_tensor", Rebuild::Sparse),
    (
        "torch._utils._rebuild_meta_tensor_no_storage",
        Rebuild::Meta,
    ),
    (
        "torch._utils._rebuild_wrapper_subclass",
        Rebuild::WrapperSubclass,
    ),
    (
        "torch._utils._rebuild_device_tensor_from_numpy",
        Rebuild::FromNumpy,
    ),
    (
        "torch._utils._rebuild_device_tensor_from_cpu_tensor",
        Rebuild::FromCpu,
    ),
    ("torch._utils._rebuild_nested_tensor", Rebuild::Nested),
    ("torch._utils._rebuild_parameter", Rebuild::Parameter),
    (
        "torch._utils._rebuild_parameter_with_state",
        Rebuild::ParameterWithState,
    ),
    ("torch.nn.parameter.Parameter", Rebuild::ParameterClass),
    ("torch._tensor._rebuild_from_type_v2", Rebuild::FromTypeV2),
];

/// The rebuild function of each global of a graph, classified once per global (memoised
/// globals are shared by every tensor, so this turns per-tensor string compares into a lookup).
pub(crate) struct Rebuilds(Vec<Option<(Rebuild, &'static str)>>);

impl Rebuilds {
    pub(crate) fn new(graph: &Graph<'_>) -> Self {
        Rebuilds(
            graph
                .globals()
                .iter()
                .map(|global| {
                    REBUILDS
                        .iter()
                        .find(|(key, _)| global.key_eq(key))
                        .map(|(key, r)| (*r, *key))
                })
                .collect(),
        )
    }

    fn of(&self, graph: &Graph<'_>, callable: NodeId) -> Option<(Rebuild, &'static str)> {
        match graph.node(callable)? {
            Node::Global(g) => self.0.get(*g as usize).copied().flatten(),
            _ => None,
        }
    }

    /// Whether `callable` is a tensor rebuild function (parameter wrappers included).
    pub(crate) fn is_rebuild(&self, graph: &Graph<'_>, callable: NodeId) -> bool {
        self.of(graph, callable).is_some_and(|(r, _)| {
            !matches!(
                r,
                Rebuild::Parameter | Rebuild::ParameterWithState | Rebuild::FromTypeV2
            )
        })
    }

    /// Whether `id` is a call of a tensor rebuild function.
    pub(crate) fn is_tensor_call(&self, graph: &Graph<'_>, id: NodeId) -> bool {
        graph
            .object_of(id)
            .is_some_and(|o| self.of(graph, o.callable).is_some())
    }

    /// Decodes the tensors made by the call `id` (several for sparse tensors) into `out`. A
    /// plain tensor takes `path` as its own (no copy); otherwise `path` is handed back.
    pub(crate) fn decode(
        &self,
        graph: &Graph<'_>,
        id: NodeId,
        path: String,
        out: &mut Vec<TensorRef>,
    ) -> Result<Option<String>, ExtractError> {
        let decoder = Decoder {
            graph,
            path: &path,
            rebuilds: self,
            named: false,
        };
        let (args, rebuild) = decoder.resolve(id)?;
        if matches!(
            rebuild,
            Rebuild::Tensor | Rebuild::TensorV2 | Rebuild::TensorV3 | Rebuild::QTensor
        ) {
            // One plain tensor, the common case: no intermediate vector, no copy of the path.
            let mut tensor = decoder.strided(&args, rebuild)?;
            tensor.path = path;
            out.push(tensor);
            return Ok(None);
        }
        let decoder = Decoder {
            named: true,
            ..decoder
        };
        out.extend(decoder.dispatch_args(&args, rebuild, 0)?);
        Ok(Some(path))
    }
}

struct Decoder<'g, 'a> {
    graph: &'g Graph<'a>,
    path: &'g str,
    rebuilds: &'g Rebuilds,
    /// Whether tensors get `path` copied in (false: the caller moves its own path in).
    named: bool,
}

/// Arguments of one rebuild call, with their context for errors.
struct Args<'x> {
    items: &'x [NodeId],
    function: &'static str,
    offset: u64,
}

impl Decoder<'_, '_> {
    fn bad(&self, args: &Args<'_>, reason: &'static str) -> ExtractError {
        ExtractError::BadArguments {
            path: self.path.to_owned(),
            function: args.function,
            reason,
            offset: args.offset,
        }
    }

    fn arg(&self, args: &Args<'_>, index: usize) -> Result<NodeId, ExtractError> {
        args.items
            .get(index)
            .copied()
            .ok_or_else(|| self.bad(args, "too few arguments"))
    }

    fn call(&self, id: NodeId, nesting: u32) -> Result<Vec<TensorRef>, ExtractError> {
        let (args, rebuild) = self.resolve(id)?;
        self.dispatch_args(&args, rebuild, nesting)
    }

    /// The rebuild function and arguments of the call `id`.
    fn resolve(&self, id: NodeId) -> Result<(Args<'_>, Rebuild), ExtractError> {
        let graph = self.graph;
        let object = graph
            .object_of(id)
            .ok_or_else(|| ExtractError::BadArguments {
                path: self.path.to_owned(),
                function: "tensor",
                reason: "expected a tensor rebuild call",
                offset: 0,
            })?;
        let (rebuild, function) =
            self.rebuilds
                .of(graph, object.callable)
                .ok_or_else(|| ExtractError::BadArguments {
                    path: self.path.to_owned(),
                    function: "tensor",
                    reason: "expected a tensor rebuild call",
                    offset: object.offset,
                })?;
        let items = graph.as_tuple(object.args).unwrap_or(&[]);
        let args = Args {
            items,
            function,
            offset: object.offset,
        };
        if graph.as_tuple(object.args).is_none() {
            return Err(self.bad(&args, "arguments are not a tuple"));
        }
        Ok((args, rebuild))
    }

    /// Decodes a rebuild given its function and an argument tuple (for `_rebuild_from_type_v2`).
    fn dispatch_args(
        &self,
        args: &Args<'_>,
        rebuild: Rebuild,
        nesting: u32,
    ) -> Result<Vec<TensorRef>, ExtractError> {
        if nesting > MAX_REBUILD_NESTING {
            return Err(ExtractError::LimitExceeded {
                what: LimitKind::NestingDepth,
                limit: u64::from(MAX_REBUILD_NESTING),
                actual: u64::from(nesting),
                path: self.path.to_owned(),
            });
        }
        match rebuild {
            Rebuild::Tensor | Rebuild::TensorV2 | Rebuild::TensorV3 | Rebuild::QTensor => {
                self.strided(args, rebuild).map(|t| vec![t])
            }
            Rebuild::Parameter | Rebuild::ParameterWithState | Rebuild::ParameterClass => {
                let mut tensors = self.call(self.arg(args, 0)?, nesting + 1)?;
                let requires_grad = match args.items.get(1) {
                    Some(&flag) => self.flag(args, flag)?,
                    None => true, // Parameter(data) defaults to requires_grad=True
                };
                for tensor in &mut tensors {
                    tensor.kind = TensorKind::Parameter;
                    tensor.requires_grad = requires_grad;
                }
                Ok(tensors)
            }
            Rebuild::FromTypeV2 => {
                // _rebuild_from_type_v2(func, new_type, args, state): func(*args), then the type.
                let graph = self.graph;
                let func = self.arg(args, 0)?;
                let new_type = self.arg(args, 1)?;
                let inner_items = graph
                    .as_tuple(self.arg(args, 2)?)
                    .ok_or_else(|| self.bad(args, "args is not a tuple"))?;
                let (inner, function) = self
                    .rebuilds
                    .of(graph, func)
                    .ok_or_else(|| self.bad(args, "func is not a tensor rebuild function"))?;
                let inner_args = Args {
                    items: inner_items,
                    function,
                    offset: args.offset,
                };
                let mut tensors = self.dispatch_args(&inner_args, inner, nesting + 1)?;
                let kind = graph.global_of(new_type).and_then(|g| {
                    if g.key_eq("torch.Tensor") {
                        None
                    } else if g.key_eq("torch.nn.parameter.Parameter") {
                        Some(TensorKind::Parameter)
                    } else {
                        Some(TensorKind::Subclass)
                    }
                });
                if let Some(kind) = kind {
                    for tensor in &mut tensors {
                        tensor.kind = kind;
                    }
                }
                Ok(tensors)
            }
            Rebuild::Meta => {
                // (dtype, size, stride, requires_grad)
                let dtype = self.dtype(args, self.arg(args, 0)?)?;
                let shape = self.dims(args, self.arg(args, 1)?, "size")?;
                let stride = self.dims(args, self.arg(args, 2)?, "stride")?;
                let requires_grad = match args.items.get(3) {
                    Some(&flag) => self.flag(args, flag)?,
                    None => false,
                };
                Ok(vec![self.finish(
                    args,
                    None,
                    dtype,
                    0,
                    shape,
                    stride,
                    requires_grad,
                    TensorKind::Meta,
                )?])
            }
            Rebuild::WrapperSubclass => {
                // (cls, dtype, size, stride, storage_offset, layout, device, requires_grad)
                let dtype = self.dtype(args, self.arg(args, 1)?)?;
                let shape = self.dims(args, self.arg(args, 2)?, "size")?;
                let stride = self.dims(args, self.arg(args, 3)?, "stride")?;
                let offset = self.count(args, self.arg(args, 4)?, "storage offset")?;
                let requires_grad = match args.items.get(7) {
                    Some(&flag) => self.flag(args, flag)?,
                    None => false,
                };
                Ok(vec![self.finish(
                    args,
                    None,
                    dtype,
                    offset,
                    shape,
                    stride,
                    requires_grad,
                    TensorKind::WrapperSubclass,
                )?])
            }
            Rebuild::FromNumpy => {
                // (data, dtype, device, requires_grad): the data is a numpy array.
                let dtype = self.dtype(args, self.arg(args, 1)?)?;
                let requires_grad = match args.items.get(3) {
                    Some(&flag) => self.flag(args, flag)?,
                    None => false,
                };
                Ok(vec![self.finish(
                    args,
                    None,
                    dtype,
                    0,
                    Vec::new(),
                    Vec::new(),
                    requires_grad,
                    TensorKind::DeviceFromNumpy,
                )?])
            }
            Rebuild::FromCpu => {
                // (data, dtype, device, requires_grad): data is a CPU tensor.
                let mut tensors = self.call(self.arg(args, 0)?, nesting + 1)?;
                if let Some(&flag) = args.items.get(3) {
                    let requires_grad = self.flag(args, flag)?;
                    for tensor in &mut tensors {
                        tensor.requires_grad = requires_grad;
                    }
                }
                Ok(tensors)
            }
            Rebuild::Nested => {
                // (buffer, sizes, strides, storage_offsets): the buffer holds all the data.
                let mut tensors = self.call(self.arg(args, 0)?, nesting + 1)?;
                for tensor in &mut tensors {
                    tensor.kind = TensorKind::Nested;
                }
                Ok(tensors)
            }
            Rebuild::Sparse => self.sparse(args, nesting),
        }
    }

    /// `_rebuild_tensor(storage, offset, size, stride)`, `_v2(..., requires_grad, hooks[, meta])`,
    /// `_v3(..., requires_grad, hooks, dtype[, meta])`, `_rebuild_qtensor(storage, offset, size,
    /// stride, quantizer_params, requires_grad, hooks)`.
    fn strided(&self, args: &Args<'_>, rebuild: Rebuild) -> Result<TensorRef, ExtractError> {
        let minimum = match rebuild {
            Rebuild::TensorV2 => 6,
            Rebuild::TensorV3 | Rebuild::QTensor => 7,
            _ => 4,
        };
        if args.items.len() < minimum {
            return Err(self.bad(args, "too few arguments"));
        }
        let storage = storage_ref(self.graph, self.arg(args, 0)?, self.path)?;
        let storage_offset = self.count(args, self.arg(args, 1)?, "storage offset")?;
        let shape = self.dims(args, self.arg(args, 2)?, "size")?;
        let stride = self.dims(args, self.arg(args, 3)?, "stride")?;
        let grad_index = if rebuild == Rebuild::QTensor { 5 } else { 4 };
        let requires_grad = match args.items.get(grad_index) {
            Some(&flag) if rebuild != Rebuild::Tensor => self.flag(args, flag)?,
            _ => false,
        };
        let dtype = if rebuild == Rebuild::TensorV3 {
            self.dtype(args, self.arg(args, 6)?)?
        } else {
            storage.dtype
        };
        let kind = if rebuild == Rebuild::QTensor {
            TensorKind::Quantized
        } else {
            TensorKind::Dense
        };
        self.finish(
            args,
            Some(storage),
            dtype,
            storage_offset,
            shape,
            stride,
            requires_grad,
            kind,
        )
    }

    /// `_rebuild_sparse_tensor(layout, data)`: COO data is (indices, values, size[, coalesced]),
    /// compressed layouts (`compressed_indices`, `plain_indices`, values, size).
    fn sparse(&self, args: &Args<'_>, nesting: u32) -> Result<Vec<TensorRef>, ExtractError> {
        let layout = self.arg(args, 0)?;
        let data = self
            .graph
            .as_tuple(self.arg(args, 1)?)
            .ok_or_else(|| self.bad(args, "data is not a tuple"))?;
        let coo = self
            .layout_name(layout)
            .is_some_and(|name| name == "torch.sparse_coo");
        let names: &[&str] = if coo {
            &["indices", "values"]
        } else {
            &["compressed_indices", "plain_indices", "values"]
        };
        let mut out = Vec::new();
        for (name, &part) in names.iter().zip(data) {
            let path = join(self.path, name);
            let decoder = Decoder {
                graph: self.graph,
                path: &path,
                rebuilds: self.rebuilds,
                named: true,
            };
            for mut tensor in decoder.call(part, nesting + 1)? {
                tensor.kind = TensorKind::Sparse;
                out.push(tensor);
            }
        }
        Ok(out)
    }

    /// A layout is a global (`torch.sparse_coo`) or `_get_layout("torch.sparse_coo")`.
    fn layout_name(&self, id: NodeId) -> Option<String> {
        if let Some((m, n)) = self.graph.global_of(id).and_then(|g| g.names()) {
            return Some(format!("{m}.{n}"));
        }
        let object = self.graph.object_of(id)?;
        let first = *self.graph.as_tuple(object.args)?.first()?;
        self.graph.as_str(first).map(str::to_owned)
    }

    #[allow(clippy::too_many_arguments)] // the fields of one TensorRef
    fn finish(
        &self,
        args: &Args<'_>,
        storage: Option<crate::torch::StorageRef>,
        dtype: DType,
        storage_offset: u64,
        shape: Vec<u64>,
        stride: Vec<u64>,
        requires_grad: bool,
        kind: TensorKind,
    ) -> Result<TensorRef, ExtractError> {
        if kind != TensorKind::DeviceFromNumpy && shape.len() != stride.len() {
            return Err(ExtractError::RankMismatch {
                path: self.path.to_owned(),
                sizes: shape.len(),
                strides: stride.len(),
                offset: args.offset,
            });
        }
        let tensor = TensorRef {
            path: if self.named {
                self.path.to_owned()
            } else {
                String::new()
            },
            storage,
            dtype,
            storage_offset,
            shape,
            stride,
            requires_grad,
            kind,
            offset: args.offset,
        };
        if tensor.numel().is_none() {
            return Err(ExtractError::ElementCountOverflow {
                path: self.path.to_owned(),
                offset: args.offset,
            });
        }
        Ok(tensor)
    }

    fn flag(&self, args: &Args<'_>, id: NodeId) -> Result<bool, ExtractError> {
        match self.graph.node(id) {
            Some(Node::Bool(b)) => Ok(*b),
            Some(Node::Int(i)) => Ok(*i != 0),
            _ => Err(self.bad(args, "requires_grad is not a bool")),
        }
    }

    fn dtype(&self, args: &Args<'_>, id: NodeId) -> Result<DType, ExtractError> {
        let global = self
            .graph
            .global_of(id)
            .ok_or_else(|| self.bad(args, "dtype is not a global"))?;
        let (module, name) = global
            .names()
            .ok_or_else(|| self.bad(args, "dtype is not named"))?;
        DType::from_global(module, name).ok_or_else(|| ExtractError::UnknownDType {
            path: self.path.to_owned(),
            name: format!("{module}.{name}"),
            offset: args.offset,
        })
    }

    fn count(&self, args: &Args<'_>, id: NodeId, what: &'static str) -> Result<u64, ExtractError> {
        let value = self.graph.as_int(id).ok_or_else(|| ExtractError::NotInt {
            path: self.path.to_owned(),
            what,
            offset: args.offset,
        })?;
        u64::try_from(value).map_err(|_| ExtractError::Negative {
            path: self.path.to_owned(),
            what,
            value,
            offset: args.offset,
        })
    }

    /// Sizes or strides: a tuple/list of non-negative ints, or `torch.Size(tuple)`.
    fn dims(
        &self,
        args: &Args<'_>,
        id: NodeId,
        what: &'static str,
    ) -> Result<Vec<u64>, ExtractError> {
        let graph = self.graph;
        let items: &[NodeId] = match graph.node(id) {
            Some(Node::Tuple(seq)) => graph.seq(*seq),
            Some(Node::List(_)) => graph.as_list(id).unwrap_or(&[]),
            Some(Node::Object(_)) => graph
                .object_of(id)
                .filter(|o| {
                    graph
                        .global_of(o.callable)
                        .is_some_and(|g| g.key_eq("torch.Size"))
                })
                .and_then(|o| graph.as_tuple(o.args))
                .and_then(|a| a.first())
                .and_then(|first| graph.as_tuple(*first))
                .ok_or_else(|| ExtractError::NotInt {
                    path: self.path.to_owned(),
                    what,
                    offset: args.offset,
                })?,
            _ => {
                return Err(ExtractError::NotInt {
                    path: self.path.to_owned(),
                    what,
                    offset: args.offset,
                })
            }
        };
        let mut dims = Vec::with_capacity(items.len());
        for (index, &item) in items.iter().enumerate() {
            let value = graph.as_int(item).ok_or_else(|| ExtractError::NotInt {
                path: self.path.to_owned(),
                what,
                offset: args.offset,
            })?;
            let dim = u64::try_from(value).map_err(|_| {
                let path = self.path.to_owned();
                if what == "size" {
                    ExtractError::NegativeSize {
                        path,
                        index,
                        value,
                        offset: args.offset,
                    }
                } else {
                    ExtractError::NegativeStride {
                        path,
                        index,
                        value,
                        offset: args.offset,
                    }
                }
            })?;
            dims.push(dim);
        }
        Ok(dims)
    }
}

/// `prefix.segment`, or `segment` at the root.
pub(crate) fn join(prefix: &str, segment: &str) -> String {
    if prefix.is_empty() {
        segment.to_owned()
    } else {
        let mut out = String::with_capacity(prefix.len() + 1 + segment.len());
        out.push_str(prefix);
        out.push('.');
        out.push_str(segment);
        out
    }
}
