//! The `exec` dialect: one rank's program. Ops work on buffers (`memref` values) in the rank's
//! single memory arena and have no results, except the three ops that name a buffer:
//! `exec.tensor` (a persistent tensor of the module's tensor table: parameters, gradients,
//! optimizer state, inputs), `exec.view` (a transient buffer at a planned arena offset) and
//! `exec.reshape` (the same bytes with another shape).
//!
//! Compute ops take their inputs first and their outputs last (`"exec.softmax"(%x, %y)` writes
//! `%y`). With `accumulate`, an op adds its result into its outputs instead of overwriting them
//! (gradients summed over micro-batches). Each library kernel has exactly the semantics of the
//! `graph` op it implements ([`ExecOp::graph_op`]), which is also how its shapes are checked.
//! `exec.elementwise` is the fused kernel: its region computes one element of every output from
//! one element of every input (inputs broadcast NumPy-style to the outputs' shape) with `graph`
//! elementwise ops on rank-0 tensors, ending in `exec.yield`. `exec.gemm` is a (batched,
//! broadcasting) matrix multiply. Control: `exec.call` runs another function of the module,
//! `exec.load_batch` has the runtime fill the `tokens` and `labels` inputs with a micro-batch.
//! See docs/dialects/exec.md.

use crate::attr::AttrMap;
use crate::dialect_ops;
use crate::graph::{infer_types as graph_infer, GraphOp};
use crate::ir::{Function, Op, OpKind};
use crate::signature::{opt, req, Arity, AttrKind, OpInfo};
use crate::types::{shape_str, DType, TensorType, Type};

dialect_ops! {
    /// Ops of the `exec` dialect.
    pub enum ExecOp in "exec" {
        /// `tensor() {name} -> memref`: the persistent tensor `name` of the module's tensor table.
        Tensor = "tensor",
        /// `view() {offset} -> memref`: a transient buffer at byte `offset` of the arena.
        View = "view",
        /// `reshape(x) {shape} -> memref`: the same buffer with another shape.
        Reshape = "reshape",
        /// `gemm(a, b, c) {transpose_a, transpose_b, accumulate}`: `c (+)= a @ b` as `graph.matmul`.
        Gemm = "gemm",
        /// `elementwise(inputs…, outputs…) ({ scalar body }) {n_inputs, accumulate}`.
        Elementwise = "elementwise",
        /// Terminator of an `elementwise` body: one scalar per output.
        Yield = "yield",
        /// `copy(x, y) {perm}`: `y = transpose(x, perm)`.
        Copy = "copy",
        /// `slice(x, y) {axis, start}`: `y = x[.., start : start + y.dim(axis), ..]`.
        Slice = "slice",
        /// `insert(x, y) {axis, start}`: `y[.., start : start + x.dim(axis), ..] = x`.
        Insert = "insert",
        /// `fill(y) {value}`.
        Fill = "fill",
        Embedding = "embedding",
        EmbeddingGrad = "embedding_grad",
        Softmax = "softmax",
        SoftmaxGrad = "softmax_grad",
        LayerNorm = "layer_norm",
        LayerNormGrad = "layer_norm_grad",
        RmsNorm = "rms_norm",
        RmsNormGrad = "rms_norm_grad",
        Rope = "rope",
        CrossEntropy = "cross_entropy",
        CrossEntropyGrad = "cross_entropy_grad",
        CrossEntropyStats = "cross_entropy_stats",
        CrossEntropyFromStats = "cross_entropy_from_stats",
        CrossEntropyGradStats = "cross_entropy_grad_stats",
        /// `top_k(x, y) {k}`: `y` (i32) the positions of each row's `k` largest entries.
        TopK = "top_k",
        /// `one_hot(ids, y) {classes, dtype}`.
        OneHot = "one_hot",
        /// `moe_scatter(x, experts, buf) {experts, capacity, groups}` (docs/moe.md).
        MoeScatter = "moe_scatter",
        /// `moe_gather(buf, experts, y) {capacity, groups}` (docs/moe.md).
        MoeGather = "moe_gather",
        /// `all_reduce(bufs…) {axis, size, op}`: each buffer becomes the reduction over the axis'
        /// group, in place (several buffers: one bucket, one collective).
        AllReduce = "all_reduce",
        /// `all_gather(x, y) {axis, size, dim}`: `y` is every member's `x` concatenated along `dim`.
        AllGather = "all_gather",
        /// `reduce_scatter(x, y) {axis, size, dim, accumulate}`: `y` (+)= this rank's block along
        /// `dim` of the sum of every member's `x`.
        ReduceScatter = "reduce_scatter",
        /// `shard_slice(x, y) {axis, size, dim}`: `y` = this rank's block of `x` along `dim`
        /// (`ceil(n / size)` rows, zero past the end).
        ShardSlice = "shard_slice",
        /// `all_to_all(x, y) {axis, size, dim = 0}`: chunk j of `x` along `dim` (`size` equal
        /// chunks) goes to the member at index j of the group; chunk i of `y` is what member i
        /// sent to this rank. `x` and `y` have one shape and must not overlap.
        AllToAll = "all_to_all",
        /// `send(x) {axis, size, shift, tag}`: sends `x` to the rank whose `axis` coordinate is this
        /// rank's plus `shift` (mod `size`), on the FIFO queue `tag`.
        Send = "send",
        /// `recv(y) {axis, size, shift, tag}`: receives `y` from the rank whose `axis` coordinate is
        /// this rank's plus `shift` (mod `size`), from the FIFO queue `tag`.
        Recv = "recv",
        /// `reduce(x, y) {kind = "sum" | "mean" | "max", axes, keepdim}`.
        Reduce = "reduce",
        ReduceMaxGrad = "reduce_max_grad",
        LrSchedule = "lr_schedule",
        ClipCoef = "clip_coef",
        /// `adamw(p, g, m, v, lr, step)`: updates `p`, `m`, `v` in place.
        Adamw = "adamw",
        /// `sgd(p, g, buf, lr)`: updates `p` and `buf` in place.
        Sgd = "sgd",
        /// `call() {callee = @f, rebind = [from, to, …]}`: runs function `f` of the module; with
        /// `rebind`, a persistent tensor of `f` whose name starts with `from` is, in this call,
        /// the one whose name is `to` followed by the rest (a pipeline stage's stash slot).
        Call = "call",
        /// `load_batch() {microbatch}`: the runtime writes micro-batch `microbatch` of this step
        /// (for this rank) into the `tokens` and `labels` tensors.
        LoadBatch = "load_batch",
    }
}

/// The role of a persistent tensor in the module's `exec.tensors` table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TensorRole {
    Param,
    Grad,
    State,
    Input,
    Output,
}

impl TensorRole {
    /// Every role, in the order of the table's categories.
    pub const ALL: [TensorRole; 5] =
        [TensorRole::Param, TensorRole::Grad, TensorRole::State, TensorRole::Input, TensorRole::Output];

    /// The name written in `exec.tensors` (`role = "param"`).
    pub fn name(self) -> &'static str {
        match self {
            TensorRole::Param => "param",
            TensorRole::Grad => "grad",
            TensorRole::State => "state",
            TensorRole::Input => "input",
            TensorRole::Output => "output",
        }
    }

    /// The role written as `name`.
    pub fn from_name(name: &str) -> Option<TensorRole> {
        TensorRole::ALL.into_iter().find(|r| r.name() == name)
    }
}

const ACC: crate::signature::AttrSpec = opt("accumulate", AttrKind::Bool);

impl ExecOp {
    /// The graph op whose semantics (and shape rule) this kernel implements, with the number of
    /// its inputs; the remaining operands are outputs.
    pub fn graph_op(self, attrs: &AttrMap) -> Option<(GraphOp, usize)> {
        Some(match self {
            ExecOp::Gemm => (GraphOp::Matmul, 2),
            ExecOp::Copy => (GraphOp::Transpose, 1),
            ExecOp::Embedding => (GraphOp::Embedding, 2),
            ExecOp::EmbeddingGrad => (GraphOp::EmbeddingGrad, 2),
            ExecOp::Softmax => (GraphOp::Softmax, 1),
            ExecOp::SoftmaxGrad => (GraphOp::SoftmaxGrad, 2),
            ExecOp::LayerNorm => (GraphOp::LayerNorm, 3),
            ExecOp::LayerNormGrad => (GraphOp::LayerNormGrad, 3),
            ExecOp::RmsNorm => (GraphOp::RmsNorm, 2),
            ExecOp::RmsNormGrad => (GraphOp::RmsNormGrad, 3),
            ExecOp::Rope => (GraphOp::Rope, 1),
            ExecOp::CrossEntropy => (GraphOp::CrossEntropy, 2),
            ExecOp::CrossEntropyGrad => (GraphOp::CrossEntropyGrad, 3),
            ExecOp::CrossEntropyStats => (GraphOp::CrossEntropyStats, 3),
            ExecOp::CrossEntropyFromStats => (GraphOp::CrossEntropyFromStats, 3),
            ExecOp::CrossEntropyGradStats => (GraphOp::CrossEntropyGradStats, 5),
            ExecOp::TopK => (GraphOp::TopK, 1),
            ExecOp::OneHot => (GraphOp::OneHot, 1),
            ExecOp::MoeScatter => (GraphOp::MoeScatter, 2),
            ExecOp::MoeGather => (GraphOp::MoeGather, 2),
            ExecOp::Reduce => match attrs.str("kind") {
                Some("sum") => (GraphOp::ReduceSum, 1),
                Some("mean") => (GraphOp::ReduceMean, 1),
                Some("max") => (GraphOp::ReduceMax, 1),
                _ => return None,
            },
            ExecOp::ReduceMaxGrad => (GraphOp::ReduceMaxGrad, 3),
            ExecOp::LrSchedule => (GraphOp::LrSchedule, 1),
            ExecOp::ClipCoef => (GraphOp::ClipCoef, 1),
            ExecOp::Adamw => (GraphOp::AdamwUpdate, 6),
            ExecOp::Sgd => (GraphOp::SgdUpdate, 4),
            _ => return None,
        })
    }

    /// The signature of this op kind.
    pub fn info(self) -> OpInfo {
        use Arity::*;
        use AttrKind::*;
        let kernel = |inputs: usize, outputs: usize, attrs: &'static [crate::signature::AttrSpec]| {
            OpInfo::new(Exactly(inputs + outputs), Exactly(0), attrs)
        };
        match self {
            ExecOp::Tensor => OpInfo::new(Exactly(0), Exactly(1), const { &[req("name", Str)] }),
            ExecOp::View => OpInfo::new(Exactly(0), Exactly(1), const { &[req("offset", Int)] }),
            ExecOp::Reshape => OpInfo::new(Exactly(1), Exactly(1), const { &[req("shape", Ints)] }),
            ExecOp::Gemm => kernel(2, 1, const { &[opt("transpose_a", Bool), opt("transpose_b", Bool), ACC] }),
            ExecOp::Elementwise => OpInfo {
                operands: AtLeast(1),
                results: Exactly(0),
                attrs: const { &[req("n_inputs", Int), ACC] },
                has_regions: true,
                open_attrs: false,
            },
            ExecOp::Yield => OpInfo::new(AtLeast(1), Exactly(0), &[]),
            ExecOp::Copy => kernel(1, 1, const { &[req("perm", Ints)] }),
            ExecOp::Slice | ExecOp::Insert => kernel(1, 1, const { &[req("axis", Int), req("start", Int)] }),
            ExecOp::Fill => kernel(0, 1, const { &[req("value", Float)] }),
            ExecOp::Embedding => kernel(2, 1, const { &[opt("shard_axis", Str), ACC] }),
            ExecOp::EmbeddingGrad => kernel(2, 1, const { &[req("vocab", Int), opt("shard_axis", Str), ACC] }),
            ExecOp::CrossEntropyStats => kernel(3, 2, const { &[req("vocab", Int), opt("shard_axis", Str)] }),
            ExecOp::CrossEntropyFromStats => kernel(3, 1, const { &[ACC] }),
            ExecOp::CrossEntropyGradStats => kernel(5, 1, const { &[req("vocab", Int), opt("shard_axis", Str), ACC] }),
            ExecOp::TopK => kernel(1, 1, const { &[req("k", Int)] }),
            ExecOp::OneHot => kernel(1, 1, const { &[req("classes", Int), req("dtype", Str)] }),
            ExecOp::MoeScatter => {
                kernel(2, 1, const { &[req("experts", Int), req("capacity", Int), req("groups", Int)] })
            }
            ExecOp::MoeGather => kernel(2, 1, const { &[req("capacity", Int), req("groups", Int)] }),
            ExecOp::AllReduce => {
                OpInfo::new(AtLeast(1), Exactly(0), const { &[req("axis", Str), req("size", Int), opt("op", Str)] })
            }
            ExecOp::AllGather | ExecOp::ShardSlice => {
                kernel(1, 1, const { &[req("axis", Str), req("size", Int), req("dim", Int)] })
            }
            ExecOp::ReduceScatter => {
                kernel(1, 1, const { &[req("axis", Str), req("size", Int), req("dim", Int), ACC] })
            }
            ExecOp::AllToAll => kernel(1, 1, const { &[req("axis", Str), req("size", Int), opt("dim", Int)] }),
            ExecOp::Send | ExecOp::Recv => OpInfo::new(
                Exactly(1),
                Exactly(0),
                const { &[req("axis", Str), req("size", Int), req("shift", Int), req("tag", Int)] },
            ),
            ExecOp::Softmax => kernel(1, 1, const { &[opt("causal", Bool)] }),
            ExecOp::SoftmaxGrad => kernel(2, 1, const { &[ACC] }),
            ExecOp::LayerNorm => kernel(3, 1, const { &[req("eps", Float)] }),
            ExecOp::LayerNormGrad => kernel(3, 3, const { &[req("eps", Float), ACC] }),
            ExecOp::RmsNorm => kernel(2, 1, const { &[req("eps", Float)] }),
            ExecOp::RmsNormGrad => kernel(3, 2, const { &[req("eps", Float), ACC] }),
            ExecOp::Rope => kernel(1, 1, const { &[req("theta", Float), opt("inverse", Bool)] }),
            ExecOp::CrossEntropy => kernel(2, 1, const { &[ACC] }),
            ExecOp::CrossEntropyGrad => kernel(3, 1, const { &[ACC] }),
            ExecOp::Reduce => kernel(1, 1, const { &[req("kind", Str), req("axes", Ints), opt("keepdim", Bool), ACC] }),
            ExecOp::ReduceMaxGrad => kernel(3, 1, const { &[req("axes", Ints), opt("keepdim", Bool), ACC] }),
            ExecOp::LrSchedule => kernel(
                1,
                1,
                const {
                    &[
                        req("kind", Str),
                        req("lr", Float),
                        req("min_lr", Float),
                        req("warmup_steps", Int),
                        req("decay_steps", Int),
                    ]
                },
            ),
            ExecOp::ClipCoef => kernel(1, 1, const { &[req("max_norm", Float)] }),
            ExecOp::Adamw => OpInfo::new(
                Exactly(6),
                Exactly(0),
                const { &[req("beta1", Float), req("beta2", Float), req("eps", Float), req("weight_decay", Float)] },
            ),
            ExecOp::Sgd => {
                OpInfo::new(Exactly(4), Exactly(0), const { &[req("momentum", Float), req("weight_decay", Float)] })
            }
            ExecOp::Call => OpInfo::new(Exactly(0), Exactly(0), const { &[req("callee", Str), opt("rebind", Strs)] }),
            ExecOp::LoadBatch => OpInfo::new(Exactly(0), Exactly(0), const { &[req("microbatch", Int)] }),
        }
    }
}

fn memref(ty: &Type, what: &str) -> Result<TensorType, String> {
    match ty {
        Type::MemRef(t) => Ok(t.clone()),
        Type::Tensor(_) => Err(format!("{what} must be a memref, found {ty}")),
    }
}

/// Result types of an exec op, and the checks of its operands against the graph op it implements.
pub fn infer_types(op: ExecOp, operands: &[&Type], attrs: &AttrMap) -> Result<Vec<Type>, String> {
    if op == ExecOp::Yield {
        return Ok(Vec::new());
    }
    let mems: Vec<TensorType> =
        operands.iter().enumerate().map(|(i, t)| memref(t, &format!("operand {i}"))).collect::<Result<_, _>>()?;
    match op {
        ExecOp::Tensor | ExecOp::View => {
            // The result type is declared by the op itself; the parser and the lowering give it.
            Err("exec.tensor and exec.view declare their own result type".into())
        }
        ExecOp::Reshape => {
            let shape: Vec<usize> =
                attrs.ints("shape").ok_or("missing 'shape'")?.iter().map(|&d| d.max(0) as usize).collect();
            let t = TensorType::new(shape, mems[0].dtype);
            if t.num_elements() != mems[0].num_elements() {
                return Err(format!(
                    "reshape from {} to {} changes the element count",
                    shape_str(&mems[0].shape),
                    shape_str(&t.shape)
                ));
            }
            Ok(vec![Type::MemRef(t)])
        }
        ExecOp::Slice | ExecOp::Insert => {
            let (x, y) = (&mems[0], &mems[1]);
            let (small, big) = if op == ExecOp::Slice { (y, x) } else { (x, y) };
            let axis = crate::graph::normalize_axis(attrs.int("axis").unwrap_or(0), big.rank())?;
            let start = attrs.int("start").unwrap_or(-1);
            let fits = small.rank() == big.rank()
                && start >= 0
                && (0..big.rank()).all(|d| {
                    if d == axis {
                        start as usize + small.shape[d] <= big.shape[d]
                    } else {
                        small.shape[d] == big.shape[d]
                    }
                });
            if !fits || x.dtype != y.dtype {
                return Err(format!(
                    "{} at axis {axis} start {start} does not fit in {}",
                    Type::MemRef(small.clone()),
                    Type::MemRef(big.clone())
                ));
            }
            Ok(Vec::new())
        }
        ExecOp::Fill | ExecOp::Call | ExecOp::LoadBatch | ExecOp::Send | ExecOp::Recv => Ok(Vec::new()),
        ExecOp::AllReduce => {
            let tensors: Vec<Type> = mems.iter().map(|t| Type::Tensor(t.clone())).collect();
            let mut a = attrs.clone();
            a.remove("accumulate");
            crate::dist::infer_dist(crate::dist::DistOp::AllReduce, &tensors.iter().collect::<Vec<_>>(), &a)?;
            Ok(Vec::new())
        }
        ExecOp::AllGather | ExecOp::ReduceScatter | ExecOp::ShardSlice | ExecOp::AllToAll => {
            let dist = match op {
                ExecOp::AllGather => crate::dist::DistOp::AllGather,
                ExecOp::ReduceScatter => crate::dist::DistOp::ReduceScatter,
                ExecOp::AllToAll => crate::dist::DistOp::AllToAll,
                _ => crate::dist::DistOp::ShardSlice,
            };
            let mut a = attrs.clone();
            a.remove("accumulate");
            let x = Type::Tensor(mems[0].clone());
            let expected = crate::dist::infer_dist(dist, &[&x], &a)?;
            if expected[0].as_tensor() != &mems[1] {
                return Err(format!(
                    "the output must be {}, found {}",
                    Type::MemRef(expected[0].as_tensor().clone()),
                    Type::MemRef(mems[1].clone())
                ));
            }
            Ok(Vec::new())
        }
        ExecOp::Elementwise => {
            let n_inputs = attrs.int("n_inputs").unwrap_or(-1);
            if n_inputs < 0 || n_inputs as usize >= mems.len() {
                return Err(format!(
                    "n_inputs = {n_inputs} must leave at least one output among {} operands",
                    mems.len()
                ));
            }
            let outs = &mems[n_inputs as usize..];
            for o in outs {
                if o.shape != outs[0].shape {
                    return Err(format!(
                        "all outputs must have one shape, found {} and {}",
                        shape_str(&outs[0].shape),
                        shape_str(&o.shape)
                    ));
                }
            }
            for (i, x) in mems[..n_inputs as usize].iter().enumerate() {
                if crate::graph::broadcast_shapes(&x.shape, &outs[0].shape).ok().as_deref() != Some(&outs[0].shape[..])
                {
                    return Err(format!(
                        "input {i} {} does not broadcast to the output shape {}",
                        shape_str(&x.shape),
                        shape_str(&outs[0].shape)
                    ));
                }
            }
            Ok(Vec::new())
        }
        _ => {
            let (graph, n_inputs) = op.graph_op(attrs).ok_or("kind must be \"sum\", \"mean\" or \"max\"")?;
            let inputs: Vec<Type> = mems[..n_inputs].iter().map(|t| Type::Tensor(t.clone())).collect();
            let input_refs: Vec<&Type> = inputs.iter().collect();
            let mut graph_attrs = attrs.clone();
            graph_attrs.remove("accumulate");
            if op == ExecOp::Reduce {
                graph_attrs.remove("kind");
            }
            let expected = graph_infer(graph, &input_refs, &graph_attrs)?;
            // In-place updates write their results over their own inputs.
            let outputs: Vec<&TensorType> = match op {
                ExecOp::Adamw => vec![&mems[0], &mems[2], &mems[3]],
                ExecOp::Sgd => vec![&mems[0], &mems[2]],
                _ => mems[n_inputs..].iter().collect(),
            };
            let expected: Vec<&TensorType> = expected.iter().map(|t| t.as_tensor()).collect();
            if outputs != expected {
                let show = |ts: &[&TensorType]| {
                    ts.iter().map(|t| Type::MemRef((*t).clone()).to_string()).collect::<Vec<_>>().join(", ")
                };
                return Err(format!("outputs ({}) must be ({}) for {}", show(&outputs), show(&expected), graph.name()));
            }
            Ok(Vec::new())
        }
    }
}

/// Checks what the generic verifier cannot: an `exec.elementwise` body takes one rank-0 tensor
/// per input (of the input's element type), uses only scalar elementwise `graph` ops, and yields
/// one rank-0 tensor per output (of the output's element type).
pub fn verify_op(func: &Function, op: Op) -> Result<(), String> {
    let data = &func.ops[op];
    if data.kind != OpKind::Exec(ExecOp::Elementwise) {
        return Ok(());
    }
    let [region] = data.regions[..] else { return Err("exec.elementwise needs exactly one region".into()) };
    let [block] = func.regions[region].blocks[..] else { return Err("the elementwise body must be one block".into()) };
    let n_inputs = data.attrs.int("n_inputs").unwrap_or(0) as usize;
    let args = &func.blocks[block].args;
    if args.len() != n_inputs {
        return Err(format!("the body takes {} arguments for {n_inputs} inputs", args.len()));
    }
    let dtype = |v| func.value_type(v).as_tensor().dtype;
    for (i, (&a, &x)) in args.iter().zip(&data.operands).enumerate() {
        if func.value_type(a) != &Type::tensor([], dtype(x)) {
            return Err(format!("body argument {i} must be tensor<{}>, found {}", dtype(x), func.value_type(a)));
        }
    }
    let ops = &func.blocks[block].ops;
    for (i, &inner) in ops.iter().enumerate() {
        let kind = func.ops[inner].kind;
        let last = i + 1 == ops.len();
        match kind {
            OpKind::Graph(g) if g.is_elementwise() && !last => {}
            OpKind::Exec(ExecOp::Yield) if last => {
                let outs = &data.operands[n_inputs..];
                let yielded = &func.ops[inner].operands;
                if yielded.len() != outs.len() {
                    return Err(format!("exec.yield gives {} values for {} outputs", yielded.len(), outs.len()));
                }
                for (k, (&y, &o)) in yielded.iter().zip(outs).enumerate() {
                    if func.value_type(y) != &Type::tensor([], dtype(o)) {
                        return Err(format!(
                            "yielded value {k} must be tensor<{}>, found {}",
                            dtype(o),
                            func.value_type(y)
                        ));
                    }
                }
            }
            _ if last => return Err("the elementwise body must end with exec.yield".into()),
            other => return Err(format!("'{}' is not allowed in an elementwise body", other.name())),
        }
    }
    if ops.is_empty() {
        return Err("the elementwise body must end with exec.yield".into());
    }
    Ok(())
}

/// How an elementwise kernel reads one input, over the simplified dims of [`broadcast_layout`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Laid out like the output: element `i` of the output reads `in[i]`.
    Contiguous,
    /// One element for all: `in[0]`.
    Scalar,
    /// Broadcast: the input's stride (in elements) along each simplified dim.
    Strided(Vec<usize>),
}

/// Row-major element strides of `shape`.
pub fn row_major_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

/// The iteration space of an `exec.elementwise` kernel and how each input is read: the output
/// shape with size-1 dims dropped and neighbouring dims merged wherever every input steps through
/// both as through one, and per input its [`Access`] (inputs broadcast to `out_shape`
/// NumPy-style). Both backends (the CPU evaluator and the CUDA renderer) read inputs this way.
pub fn broadcast_layout(out_shape: &[usize], input_shapes: &[&[usize]]) -> (Vec<usize>, Vec<Access>) {
    // Each input's stride along every output dim, 0 where it is missing or stretched.
    let strides: Vec<Vec<usize>> = input_shapes
        .iter()
        .map(|shape| {
            let pad = out_shape.len() - shape.len();
            let own = row_major_strides(shape);
            (0..out_shape.len()).map(|d| if d < pad || shape[d - pad] == 1 { 0 } else { own[d - pad] }).collect()
        })
        .collect();
    let mut dims: Vec<usize> = Vec::new();
    let mut merged: Vec<Vec<usize>> = vec![Vec::new(); input_shapes.len()];
    for (d, &size) in out_shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        // Merge into the previous dim when every input steps through both as through one.
        let mergeable =
            !dims.is_empty() && strides.iter().zip(&merged).all(|(s, m)| m.last().copied() == Some(s[d] * size));
        match dims.last_mut() {
            Some(last) if mergeable => {
                *last *= size;
                for (s, m) in strides.iter().zip(&mut merged) {
                    if let Some(l) = m.last_mut() {
                        *l = s[d];
                    }
                }
            }
            _ => {
                dims.push(size);
                for (s, m) in strides.iter().zip(&mut merged) {
                    m.push(s[d]);
                }
            }
        }
    }
    let contiguous = row_major_strides(&dims);
    let access = merged
        .into_iter()
        .map(|s| {
            if s == contiguous {
                Access::Contiguous
            } else if s.iter().all(|&v| v == 0) {
                Access::Scalar
            } else {
                Access::Strided(s)
            }
        })
        .collect();
    (dims, access)
}

/// Element types the CPU backend executes.
pub fn cpu_supports(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::BF16 | DType::I32 | DType::I64)
}
