//! Instructions decoded once, when a program is loaded: every `exec` op that computes or
//! communicates becomes a [`Kernel`] or a [`Collective`] whose parameters (axes, dims, the
//! permutation, the mesh group, the reduction, the peer, the schedule, the optimizer settings)
//! are already checked and typed, so running an instruction reads no attribute.
//!
//! Decoding is where a malformed attribute is caught: a required one that is missing or of the
//! wrong kind, an axis or a permutation that does not fit the operand, a mesh axis that does not
//! exist, a negative tag or vocabulary size. [`decode`] answers it with a message that names the
//! attribute; the loader adds the function and the instruction index. The verifier
//! (`parc_dialects::verifier`) rejects most of these before, for a program that reaches the
//! loader; decoding checks them again so that execution never depends on defaults.
//!
//! Two attributes are optional by the dialect's definition and keep their defaults: `op` of
//! `exec.all_reduce` (`"sum"`), and the flags (`accumulate`, `transpose_a`, `causal`, …), which
//! are false when absent.

use parc_dialects::attr::AttrMap;
use parc_dialects::exec::ExecOp;
use parc_dialects::graph::normalize_axis;
use parc_dialects::mesh::{Axis, GroupKind};

use crate::comm::ReduceOp;
use crate::cpu::kernels::{AdamwConfig, ElemOp, LrScheduleKind, ReduceKind, SgdConfig};
use crate::program::Buf;

/// A kernel instruction with its decoded parameters. Its operands (inputs, then outputs, as in
/// the program text) travel next to it in [`crate::program::Instr::Kernel`].
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// `c (+)= a @ b`, batched and broadcasting like `graph.matmul`.
    Gemm {
        transpose_a: bool,
        transpose_b: bool,
        accumulate: bool,
    },
    /// The fused elementwise kernel: the first `n_inputs` operands are inputs, the rest outputs;
    /// `program` computes one element of every output (node `results[k]` is output `k`).
    Elementwise {
        n_inputs: usize,
        program: Vec<ElemOp>,
        results: Vec<usize>,
        accumulate: bool,
    },
    /// `y = transpose(x, perm)`; `perm` is a permutation of the operand's dimensions.
    Copy {
        perm: Vec<usize>,
    },
    /// `y = x[.., start : start + y.dim(axis), ..]`.
    Slice {
        axis: usize,
        start: usize,
    },
    /// `y[.., start : start + x.dim(axis), ..] = x`.
    Insert {
        axis: usize,
        start: usize,
    },
    Fill {
        value: f32,
    },
    /// A table lookup; with `shard_axis`, the table holds this rank's block of rows on that axis.
    Embedding {
        shard_axis: Option<Axis>,
        accumulate: bool,
    },
    EmbeddingGrad {
        shard_axis: Option<Axis>,
        accumulate: bool,
    },
    Softmax {
        causal: bool,
    },
    SoftmaxGrad {
        accumulate: bool,
    },
    LayerNorm {
        eps: f32,
    },
    LayerNormGrad {
        eps: f32,
        accumulate: bool,
    },
    RmsNorm {
        eps: f32,
    },
    RmsNormGrad {
        eps: f32,
        accumulate: bool,
    },
    Rope {
        theta: f64,
        inverse: bool,
    },
    CrossEntropy {
        accumulate: bool,
    },
    CrossEntropyGrad {
        accumulate: bool,
    },
    CrossEntropyStats {
        vocab: usize,
        shard_axis: Option<Axis>,
    },
    CrossEntropyFromStats {
        accumulate: bool,
    },
    CrossEntropyGradStats {
        vocab: usize,
        shard_axis: Option<Axis>,
        accumulate: bool,
    },
    /// The positions of each row's `k` largest entries.
    TopK {
        k: usize,
    },
    OneHot {
        classes: usize,
    },
    /// Tokens to per-expert buffers (docs/moe.md).
    MoeScatter {
        experts: usize,
        capacity: usize,
        groups: usize,
        /// A MoE layer's forward dispatch (`parc.count_drops`): the executor counts the pairs it
        /// drops ([`crate::cpu::exec::Executor::moe_pairs`]).
        count: bool,
    },
    /// Per-expert buffers back to tokens.
    MoeGather {
        capacity: usize,
        groups: usize,
    },
    /// This rank's block along `dim` of a replicated value, by its index in its group of kind
    /// `group` (its coordinate, for an axis; `dp / ep` in the edp group).
    ShardSlice {
        group: GroupKind,
        dim: usize,
    },
    /// A reduction over `axes` (normalized, in the attribute's order).
    Reduce {
        kind: ReduceKind,
        axes: Vec<usize>,
        accumulate: bool,
    },
    ReduceMaxGrad {
        axes: Vec<usize>,
        accumulate: bool,
    },
    LrSchedule {
        kind: LrScheduleKind,
        lr: f64,
        min_lr: f64,
        warmup_steps: i64,
        decay_steps: i64,
    },
    ClipCoef {
        max_norm: f64,
    },
    Adamw(AdamwConfig),
    Sgd(SgdConfig),
}

impl Kernel {
    /// The op the kernel was decoded from.
    pub fn op(&self) -> ExecOp {
        match self {
            Kernel::Gemm { .. } => ExecOp::Gemm,
            Kernel::Elementwise { .. } => ExecOp::Elementwise,
            Kernel::Copy { .. } => ExecOp::Copy,
            Kernel::Slice { .. } => ExecOp::Slice,
            Kernel::Insert { .. } => ExecOp::Insert,
            Kernel::Fill { .. } => ExecOp::Fill,
            Kernel::Embedding { .. } => ExecOp::Embedding,
            Kernel::EmbeddingGrad { .. } => ExecOp::EmbeddingGrad,
            Kernel::Softmax { .. } => ExecOp::Softmax,
            Kernel::SoftmaxGrad { .. } => ExecOp::SoftmaxGrad,
            Kernel::LayerNorm { .. } => ExecOp::LayerNorm,
            Kernel::LayerNormGrad { .. } => ExecOp::LayerNormGrad,
            Kernel::RmsNorm { .. } => ExecOp::RmsNorm,
            Kernel::RmsNormGrad { .. } => ExecOp::RmsNormGrad,
            Kernel::Rope { .. } => ExecOp::Rope,
            Kernel::CrossEntropy { .. } => ExecOp::CrossEntropy,
            Kernel::CrossEntropyGrad { .. } => ExecOp::CrossEntropyGrad,
            Kernel::CrossEntropyStats { .. } => ExecOp::CrossEntropyStats,
            Kernel::CrossEntropyFromStats { .. } => ExecOp::CrossEntropyFromStats,
            Kernel::CrossEntropyGradStats { .. } => ExecOp::CrossEntropyGradStats,
            Kernel::ShardSlice { .. } => ExecOp::ShardSlice,
            Kernel::TopK { .. } => ExecOp::TopK,
            Kernel::OneHot { .. } => ExecOp::OneHot,
            Kernel::MoeScatter { .. } => ExecOp::MoeScatter,
            Kernel::MoeGather { .. } => ExecOp::MoeGather,
            Kernel::Reduce { .. } => ExecOp::Reduce,
            Kernel::ReduceMaxGrad { .. } => ExecOp::ReduceMaxGrad,
            Kernel::LrSchedule { .. } => ExecOp::LrSchedule,
            Kernel::ClipCoef { .. } => ExecOp::ClipCoef,
            Kernel::Adamw(_) => ExecOp::Adamw,
            Kernel::Sgd(_) => ExecOp::Sgd,
        }
    }
}

/// A communicating instruction with its decoded parameters: the mesh group it runs on, and what
/// it exchanges. Its operands travel next to it in [`crate::program::Instr::Collective`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Collective {
    /// Every operand becomes the reduction over `group`, in place (one collective for all).
    AllReduce { group: GroupKind, op: ReduceOp },
    /// The output is every member's input concatenated along `dim`.
    AllGather { group: GroupKind, dim: usize },
    /// The output (+)= this rank's block along `dim` of the sum of every member's input.
    ReduceScatter { group: GroupKind, dim: usize, accumulate: bool },
    /// The input's `dim` is split into one equal chunk per member; chunk j goes to member j, and
    /// the output's chunk i is what member i sent (the output has the input's shape).
    AllToAll { group: GroupKind, dim: usize },
    /// Sends the operand to the rank `shift` steps further along `axis`, on queue `tag`.
    Send { axis: Axis, shift: i64, tag: usize },
    /// Receives the operand from the rank `shift` steps further along `axis`, from queue `tag`.
    Recv { axis: Axis, shift: i64, tag: usize },
}

impl Collective {
    /// The op the collective was decoded from.
    pub fn op(&self) -> ExecOp {
        match self {
            Collective::AllReduce { .. } => ExecOp::AllReduce,
            Collective::AllGather { .. } => ExecOp::AllGather,
            Collective::ReduceScatter { .. } => ExecOp::ReduceScatter,
            Collective::AllToAll { .. } => ExecOp::AllToAll,
            Collective::Send { .. } => ExecOp::Send,
            Collective::Recv { .. } => ExecOp::Recv,
        }
    }
}

/// A decoded compute or communication instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Kernel(Kernel),
    Collective(Collective),
}

/// The typed attributes of one op, read with messages that name the attribute.
pub(crate) struct Attrs<'a>(pub(crate) &'a AttrMap);

impl Attrs<'_> {
    fn missing(name: &str, kind: &str) -> String {
        format!("missing attribute '{name}' ({kind})")
    }

    pub(crate) fn int(&self, name: &str) -> Result<i64, String> {
        self.0.int(name).ok_or_else(|| Self::missing(name, "an integer"))
    }

    /// A non-negative integer (a tag, a size, a start).
    pub(crate) fn count(&self, name: &str) -> Result<usize, String> {
        let v = self.int(name)?;
        usize::try_from(v).map_err(|_| format!("attribute '{name}' is {v}, which must not be negative"))
    }

    pub(crate) fn float(&self, name: &str) -> Result<f64, String> {
        self.0.float(name).ok_or_else(|| Self::missing(name, "a float"))
    }

    fn str(&self, name: &str) -> Result<&str, String> {
        self.0.str(name).ok_or_else(|| Self::missing(name, "a string"))
    }

    fn ints(&self, name: &str) -> Result<&[i64], String> {
        self.0.ints(name).ok_or_else(|| Self::missing(name, "an integer array"))
    }

    fn flag(&self, name: &str) -> bool {
        self.0.flag(name)
    }

    fn accumulate(&self) -> bool {
        self.flag("accumulate")
    }

    /// Dimension attribute `name` of a rank-`rank` operand; negative counts from the end.
    fn dim(&self, name: &str, rank: usize) -> Result<usize, String> {
        normalize_axis(self.int(name)?, rank).map_err(|e| format!("attribute '{name}': {e}"))
    }

    /// The mesh group named by attribute `name`.
    fn group(&self, name: &str) -> Result<GroupKind, String> {
        GroupKind::parse(self.str(name)?).map_err(|e| format!("attribute '{name}': {e}"))
    }

    /// The mesh axis named by attribute `name` (a group that is no single axis is refused).
    fn axis(&self, name: &str) -> Result<Axis, String> {
        match self.group(name)? {
            GroupKind::Axis(axis) => Ok(axis),
            other => Err(format!(
                "attribute '{name}' names the {other} group, but this op needs one mesh axis (dp, pp, tp or ep)"
            )),
        }
    }

    /// The optional mesh axis `name`.
    fn opt_axis(&self, name: &str) -> Result<Option<Axis>, String> {
        match self.0.get(name) {
            None => Ok(None),
            Some(_) => self.axis(name).map(Some),
        }
    }

    /// The reduced axes of a rank-`rank` operand, normalized.
    fn axes(&self, rank: usize) -> Result<Vec<usize>, String> {
        self.ints("axes")?
            .iter()
            .map(|&a| normalize_axis(a, rank).map_err(|e| format!("attribute 'axes': {e}")))
            .collect()
    }
}

/// The rank of operand `i`, or an error when the op has fewer operands.
fn rank_of(operands: &[Buf], i: usize) -> Result<usize, String> {
    operands.get(i).map(|b| b.shape.len()).ok_or_else(|| format!("operand {i} is missing"))
}

/// Checks that `perm` is a permutation of `0..rank`.
fn permutation(perm: &[i64], rank: usize) -> Result<Vec<usize>, String> {
    if perm.len() != rank {
        return Err(format!(
            "attribute 'perm' {perm:?} has {} entries, but the operand has {rank} dimensions",
            perm.len()
        ));
    }
    let mut seen = vec![false; rank];
    let mut out = Vec::with_capacity(rank);
    for &p in perm {
        let d = usize::try_from(p).ok().filter(|&d| d < rank).ok_or_else(|| {
            format!("attribute 'perm' {perm:?} names dimension {p}, outside 0..{rank} of the operand")
        })?;
        if std::mem::replace(&mut seen[d], true) {
            return Err(format!("attribute 'perm' {perm:?} names dimension {d} twice; it must be a permutation"));
        }
        out.push(d);
    }
    Ok(out)
}

/// Decodes op `op` with attributes `attrs` on `operands` (inputs, then outputs). Every op that
/// computes or communicates decodes, except `exec.elementwise`, whose body the loader compiles;
/// the structural ops (`exec.tensor`, `exec.view`, `exec.reshape`, `exec.call`,
/// `exec.load_batch`, `exec.yield`) are not instructions of this kind. The error names the
/// attribute and what is wrong with it.
pub fn decode(op: ExecOp, attrs: &AttrMap, operands: &[Buf]) -> Result<Decoded, String> {
    let info = op.info();
    if !info.operands.accepts(operands.len()) {
        return Err(format!("'{}' takes {} operands, found {}", op.name(), info.operands.describe(), operands.len()));
    }
    let a = Attrs(attrs);
    let acc = a.accumulate();
    let eps = || a.float("eps").map(|e| e as f32);
    let kernel = match op {
        ExecOp::Gemm => {
            Kernel::Gemm { transpose_a: a.flag("transpose_a"), transpose_b: a.flag("transpose_b"), accumulate: acc }
        }
        ExecOp::Copy => Kernel::Copy { perm: permutation(a.ints("perm")?, rank_of(operands, 0)?)? },
        ExecOp::Slice | ExecOp::Insert => {
            // The larger buffer has the axis: the input of a slice, the output of an insert.
            let big = if op == ExecOp::Slice { 0 } else { 1 };
            let (axis, start) = (a.dim("axis", rank_of(operands, big)?)?, a.count("start")?);
            if op == ExecOp::Slice {
                Kernel::Slice { axis, start }
            } else {
                Kernel::Insert { axis, start }
            }
        }
        ExecOp::Fill => Kernel::Fill { value: a.float("value")? as f32 },
        ExecOp::Embedding => Kernel::Embedding { shard_axis: a.opt_axis("shard_axis")?, accumulate: acc },
        ExecOp::EmbeddingGrad => Kernel::EmbeddingGrad { shard_axis: a.opt_axis("shard_axis")?, accumulate: acc },
        ExecOp::Softmax => Kernel::Softmax { causal: a.flag("causal") },
        ExecOp::SoftmaxGrad => Kernel::SoftmaxGrad { accumulate: acc },
        ExecOp::LayerNorm => Kernel::LayerNorm { eps: eps()? },
        ExecOp::LayerNormGrad => Kernel::LayerNormGrad { eps: eps()?, accumulate: acc },
        ExecOp::RmsNorm => Kernel::RmsNorm { eps: eps()? },
        ExecOp::RmsNormGrad => Kernel::RmsNormGrad { eps: eps()?, accumulate: acc },
        ExecOp::Rope => Kernel::Rope { theta: a.float("theta")?, inverse: a.flag("inverse") },
        ExecOp::CrossEntropy => Kernel::CrossEntropy { accumulate: acc },
        ExecOp::CrossEntropyGrad => Kernel::CrossEntropyGrad { accumulate: acc },
        ExecOp::CrossEntropyStats => {
            Kernel::CrossEntropyStats { vocab: a.count("vocab")?, shard_axis: a.opt_axis("shard_axis")? }
        }
        ExecOp::CrossEntropyFromStats => Kernel::CrossEntropyFromStats { accumulate: acc },
        ExecOp::CrossEntropyGradStats => Kernel::CrossEntropyGradStats {
            vocab: a.count("vocab")?,
            shard_axis: a.opt_axis("shard_axis")?,
            accumulate: acc,
        },
        ExecOp::TopK => Kernel::TopK { k: a.count("k")? },
        ExecOp::OneHot => Kernel::OneHot { classes: a.count("classes")? },
        ExecOp::MoeScatter => Kernel::MoeScatter {
            experts: a.count("experts")?,
            capacity: a.count("capacity")?,
            groups: a.count("groups")?,
            count: a.flag("parc.count_drops"),
        },
        ExecOp::MoeGather => Kernel::MoeGather { capacity: a.count("capacity")?, groups: a.count("groups")? },
        ExecOp::ShardSlice => {
            let group = a.group("axis")?;
            if group == GroupKind::PipelineEnds {
                return Err(format!(
                    "attribute 'axis' names the {group} group, but shard_slice splits over one mesh axis (dp, pp, \
                     tp or ep) or the edp group"
                ));
            }
            Kernel::ShardSlice { group, dim: a.dim("dim", rank_of(operands, 0)?)? }
        }
        ExecOp::Reduce => {
            let kind = match a.str("kind")? {
                "sum" => ReduceKind::Sum,
                "mean" => ReduceKind::Mean,
                "max" => ReduceKind::Max,
                other => {
                    return Err(format!("attribute 'kind' is \"{other}\"; it must be \"sum\", \"mean\" or \"max\""))
                }
            };
            Kernel::Reduce { kind, axes: a.axes(rank_of(operands, 0)?)?, accumulate: acc }
        }
        ExecOp::ReduceMaxGrad => Kernel::ReduceMaxGrad { axes: a.axes(rank_of(operands, 0)?)?, accumulate: acc },
        ExecOp::LrSchedule => {
            let kind = match a.str("kind")? {
                "constant" => LrScheduleKind::Constant,
                "cosine" => LrScheduleKind::Cosine,
                other => return Err(format!("attribute 'kind' is \"{other}\"; it must be \"constant\" or \"cosine\"")),
            };
            Kernel::LrSchedule {
                kind,
                lr: a.float("lr")?,
                min_lr: a.float("min_lr")?,
                warmup_steps: a.int("warmup_steps")?,
                decay_steps: a.int("decay_steps")?,
            }
        }
        ExecOp::ClipCoef => Kernel::ClipCoef { max_norm: a.float("max_norm")? },
        ExecOp::Adamw => Kernel::Adamw(AdamwConfig {
            beta1: a.float("beta1")?,
            beta2: a.float("beta2")?,
            eps: a.float("eps")?,
            weight_decay: a.float("weight_decay")?,
        }),
        ExecOp::Sgd => {
            Kernel::Sgd(SgdConfig { momentum: a.float("momentum")?, weight_decay: a.float("weight_decay")? })
        }
        ExecOp::AllReduce => {
            let op = match attrs.get("op") {
                None => ReduceOp::Sum,
                Some(_) => match a.str("op")? {
                    "sum" => ReduceOp::Sum,
                    "max" => ReduceOp::Max,
                    other => return Err(format!("attribute 'op' is \"{other}\"; it must be \"sum\" or \"max\"")),
                },
            };
            return Ok(Decoded::Collective(Collective::AllReduce { group: a.group("axis")?, op }));
        }
        ExecOp::AllGather => {
            let dim = a.dim("dim", rank_of(operands, 0)?)?;
            return Ok(Decoded::Collective(Collective::AllGather { group: a.group("axis")?, dim }));
        }
        ExecOp::ReduceScatter => {
            let dim = a.dim("dim", rank_of(operands, 0)?)?;
            return Ok(Decoded::Collective(Collective::ReduceScatter {
                group: a.group("axis")?,
                dim,
                accumulate: acc,
            }));
        }
        ExecOp::AllToAll => {
            // `dim` defaults to 0.
            let dim = if attrs.get("dim").is_some() { a.dim("dim", rank_of(operands, 0)?)? } else { 0 };
            return Ok(Decoded::Collective(Collective::AllToAll { group: a.group("axis")?, dim }));
        }
        ExecOp::Send | ExecOp::Recv => {
            let (axis, shift, tag) = (a.axis("axis")?, a.int("shift")?, a.count("tag")?);
            return Ok(Decoded::Collective(if op == ExecOp::Send {
                Collective::Send { axis, shift, tag }
            } else {
                Collective::Recv { axis, shift, tag }
            }));
        }
        ExecOp::Elementwise
        | ExecOp::Tensor
        | ExecOp::View
        | ExecOp::Reshape
        | ExecOp::Yield
        | ExecOp::Call
        | ExecOp::LoadBatch => {
            return Err(format!("'{}' is not a kernel or a collective", op.name()));
        }
    };
    Ok(Decoded::Kernel(kernel))
}
