//! The `graph` dialect: whole-tensor ops of a dense decoder transformer, before any
//! partitioning. Every op kind has one entry in each table of this module: its signature
//! ([`GraphOp::info`]) and its shape inference ([`infer_types`]). Later concerns (VJP rules,
//! sharding rules, kernel descriptions) are further tables keyed by [`GraphOp`], one `match` each,
//! in the modules that own them.
//!
//! Conventions shared by all ops:
//! - Elementwise binary ops broadcast like NumPy (shapes aligned at the trailing dim, a dim of 1
//!   stretches); both operands have the same element type.
//! - `axis`/`axes` attributes may be negative and count from the last dim.
//! - Normalizations, softmax and cross-entropy work on the last dim.
//! - Attention is not one op: model builders write it as matmul → scale → causal softmax →
//!   matmul over a `[batch, kv_heads, group, seq, head_dim]` layout, so grouped-query attention
//!   is a broadcast of the key/value operands (see docs/dialects/graph.md).

pub mod build;
pub mod interp;

use crate::attr::AttrMap;
use crate::dialect_ops;
use crate::signature::{opt, req, Arity, AttrKind, OpInfo};
use crate::types::{shape_str, DType, TensorType, Type};

dialect_ops! {
    /// Ops of the `graph` dialect.
    pub enum GraphOp in "graph" {
        /// `embedding(table[V, H], ids[...]) -> [..., H]`: row lookup; ids are integers.
        Embedding = "embedding",
        /// `matmul(a[..., M, K], b[..., K, N]) -> [..., M, N]`, batch dims broadcast;
        /// `transpose_a` / `transpose_b` swap the last two dims of an operand first.
        Matmul = "matmul",
        /// Elementwise `a + b` with broadcasting.
        Add = "add",
        /// Elementwise `a - b` with broadcasting.
        Sub = "sub",
        /// Elementwise `a * b` with broadcasting.
        Mul = "mul",
        /// Elementwise `a / b` with broadcasting.
        Div = "div",
        /// `x * factor` for a constant `factor`.
        Scale = "scale",
        /// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
        Gelu = "gelu",
        /// SiLU: `x · sigmoid(x)`.
        Silu = "silu",
        /// Softmax over the last dim; with `causal`, entry (i, j) of the last two dims is masked
        /// when `j > i + (keys − queries)`.
        Softmax = "softmax",
        /// `layer_norm(x, weight[H], bias[H])` over the last dim with `eps`.
        LayerNorm = "layer_norm",
        /// `rms_norm(x, weight[H])`: `x / sqrt(mean(x²) + eps) · weight` over the last dim.
        RmsNorm = "rms_norm",
        /// Rotary embedding of `x[..., S, heads, D]` at positions `0..S` in the rotate-half
        /// layout (pairs `(i, i + D/2)`), frequencies `theta^(−2i/D)`.
        Rope = "rope",
        /// Same elements, new `shape`.
        Reshape = "reshape",
        /// Permutes dims: result dim `i` is operand dim `perm[i]`.
        Transpose = "transpose",
        /// Splits along `axis` into pieces of `sizes`; one result per piece.
        Split = "split",
        /// Concatenates operands along `axis`.
        Concat = "concat",
        /// Sum over `axes` (kept as size-1 dims with `keepdim`).
        ReduceSum = "reduce_sum",
        /// Mean over `axes`.
        ReduceMean = "reduce_mean",
        /// Maximum over `axes`.
        ReduceMax = "reduce_max",
        /// `cross_entropy(logits[..., V], labels[...]) -> [...]` f32 per-token loss
        /// `logsumexp(logits) − logits[label]`.
        CrossEntropy = "cross_entropy",
        /// Converts to element type `dtype` (`"f32"`, `"bf16"`, …).
        Cast = "cast",
        /// `fill() -> shape` of element type `dtype`, every element `value`.
        Fill = "fill",
        /// `broadcast(x) -> shape`: NumPy broadcast of `x` to `shape`.
        Broadcast = "broadcast",
        // ---- mixture of experts (docs/moe.md) ------------------------------------------------
        /// `top_k(x[..., N]) -> [..., k]` i32: the positions of the `k` largest entries of every
        /// row of the last dim, largest first; equal values are taken in increasing position.
        TopK = "top_k",
        /// `one_hot(ids[...]) -> [..., classes]` of element type `dtype`: 1 at each id, 0 elsewhere.
        OneHot = "one_hot",
        /// `moe_scatter(x[T, k, H], experts[T, k]) -> [E, groups · capacity, H]`: the `T` tokens form
        /// `groups` equal consecutive groups; in each group the (token, choice) pairs, in token
        /// order then choice order, take the next free slot of their expert, and row
        /// `group · capacity + slot` of expert `e` holds `x[t, j]`. Pairs past `capacity` are
        /// dropped; slots nobody takes are 0. `E` is the attribute `experts`.
        MoeScatter = "moe_scatter",
        /// `moe_gather(buf[E, groups · capacity, H], experts[T, k]) -> [T, k, H]`: the transpose of
        /// `moe_scatter` with the same slots: `y[t, j]` is the row pair `(t, j)` was scattered to,
        /// 0 for a dropped pair.
        MoeGather = "moe_gather",
        // ---- backward ops: the VJP rules of the autodiff pass emit these -------------------
        /// `embedding_grad(ids[...], dy[..., H]) -> [vocab, H]`: row `r` is the sum of the rows
        /// of `dy` at the positions where `ids == r`.
        EmbeddingGrad = "embedding_grad",
        /// `gelu_grad(x, dy) -> dy · gelu'(x)` (tanh form).
        GeluGrad = "gelu_grad",
        /// `silu_grad(x, dy) -> dy · silu'(x)`.
        SiluGrad = "silu_grad",
        /// `softmax_grad(y, dy) -> y · (dy − sum(dy · y))` over the last dim, `y` the softmax output.
        SoftmaxGrad = "softmax_grad",
        /// `layer_norm_grad(x, weight, dy) -> (dx, dweight, dbias)` of `layer_norm` with `eps`.
        LayerNormGrad = "layer_norm_grad",
        /// `rms_norm_grad(x, weight, dy) -> (dx, dweight)` of `rms_norm` with `eps`.
        RmsNormGrad = "rms_norm_grad",
        /// `cross_entropy_grad(logits, labels, dy) -> (softmax(logits) − onehot(labels)) · dy`.
        CrossEntropyGrad = "cross_entropy_grad",
        /// `cross_entropy_stats(logits[..., V], labels[...], max[...]) -> (sumexp[...], target[...])`
        /// f32: `Σ_j exp(logits_j − max)` over the columns whose global index (column + offset) is
        /// below `vocab`, and the logit of the label (0 when the label is outside this block). The
        /// offset is 0, or with `shard_axis` the rank's coordinate on that mesh axis times `V`: the
        /// local half of vocab-parallel cross-entropy (Megatron), its results summed over the axis.
        CrossEntropyStats = "cross_entropy_stats",
        /// `cross_entropy_from_stats(sumexp, max, target) -> ln(sumexp) + max − target`.
        CrossEntropyFromStats = "cross_entropy_from_stats",
        /// `cross_entropy_grad_stats(logits, labels, max, sumexp, dy) -> (exp(logits − max) / sumexp
        /// − onehot(labels − offset)) · dy`, 0 at columns whose global index is `vocab` or more.
        CrossEntropyGradStats = "cross_entropy_grad_stats",
        /// `reduce_max_grad(x, y, dy) -> dx` of `reduce_max` over `axes` (with `keepdim` as the
        /// forward op had it): `dy` goes to the maximal elements, shared equally among ties.
        ReduceMaxGrad = "reduce_max_grad",
        // ---- optimizer ops: the optimizer pass emits these -----------------------------------
        /// `lr_schedule(step: i64 scalar) -> f32 scalar`: the learning rate at 1-based `step`:
        /// `lr · step / warmup_steps` during the warmup, then `lr` (`kind = "constant"`) or the
        /// cosine `min_lr + (lr − min_lr)·(1 + cos(π·p))/2`, `p = min(1, (step − warmup_steps) /
        /// (decay_steps − warmup_steps))` (`kind = "cosine"`).
        LrSchedule = "lr_schedule",
        /// `clip_coef(sum_of_squares: f32 scalar) -> f32 scalar`: `min(1, max_norm / (sqrt(s) + 1e-6))`,
        /// the factor that scales the gradients to a global norm of at most `max_norm`.
        ClipCoef = "clip_coef",
        /// `adamw_update(p, g, m, v, lr, step) -> (p', m', v')`: one AdamW step (decoupled weight
        /// decay, bias correction with 1-based `step`), as PyTorch's `torch.optim.AdamW`.
        AdamwUpdate = "adamw_update",
        /// `sgd_update(p, g, buf, lr) -> (p', buf')`: SGD with momentum and L2 weight decay, as
        /// PyTorch's `torch.optim.SGD` (no dampening, no Nesterov; a zero `buf` on the first step).
        SgdUpdate = "sgd_update",
    }
}

const UNARY: OpInfo = OpInfo::new(Arity::Exactly(1), Arity::Exactly(1), &[]);
const BINARY: OpInfo = OpInfo::new(Arity::Exactly(2), Arity::Exactly(1), &[]);
const REDUCE: OpInfo = OpInfo::new(
    Arity::Exactly(1),
    Arity::Exactly(1),
    const { &[req("axes", AttrKind::Ints), opt("keepdim", AttrKind::Bool)] },
);

/// The elementwise graph ops: each output element is a scalar function of the same-position
/// elements of the operands (NumPy broadcasting). This is the one definition of that set — what
/// may fuse into an `exec.elementwise` body, what a sharding rule treats alike, what the CUDA
/// renderer and the CPU evaluator must each have a scalar form for. It is a pattern, so a `match`
/// over [`GraphOp`] stays exhaustive: `match op { elementwise_ops!() => …, GraphOp::Matmul => … }`.
#[macro_export]
macro_rules! elementwise_ops {
    () => {
        $crate::graph::GraphOp::Add
            | $crate::graph::GraphOp::Sub
            | $crate::graph::GraphOp::Mul
            | $crate::graph::GraphOp::Div
            | $crate::graph::GraphOp::Scale
            | $crate::graph::GraphOp::Gelu
            | $crate::graph::GraphOp::Silu
            | $crate::graph::GraphOp::GeluGrad
            | $crate::graph::GraphOp::SiluGrad
            | $crate::graph::GraphOp::Cast
    };
}

impl GraphOp {
    /// Whether the op is elementwise ([`elementwise_ops!`]).
    pub fn is_elementwise(self) -> bool {
        matches!(self, elementwise_ops!())
    }

    /// The signature of this op kind.
    pub fn info(self) -> OpInfo {
        use Arity::*;
        use AttrKind::*;
        match self {
            GraphOp::Embedding => OpInfo::new(Exactly(2), Exactly(1), const { &[opt("shard_axis", Str)] }),
            GraphOp::CrossEntropyStats => {
                OpInfo::new(Exactly(3), Exactly(2), const { &[req("vocab", Int), opt("shard_axis", Str)] })
            }
            GraphOp::CrossEntropyFromStats => OpInfo::new(Exactly(3), Exactly(1), &[]),
            GraphOp::CrossEntropyGradStats => {
                OpInfo::new(Exactly(5), Exactly(1), const { &[req("vocab", Int), opt("shard_axis", Str)] })
            }
            GraphOp::Matmul => {
                OpInfo::new(Exactly(2), Exactly(1), const { &[opt("transpose_a", Bool), opt("transpose_b", Bool)] })
            }
            GraphOp::Add | GraphOp::Sub | GraphOp::Mul | GraphOp::Div => BINARY,
            GraphOp::Scale => OpInfo::new(Exactly(1), Exactly(1), const { &[req("factor", Float)] }),
            GraphOp::Gelu | GraphOp::Silu => UNARY,
            GraphOp::Softmax => OpInfo::new(Exactly(1), Exactly(1), const { &[opt("causal", Bool)] }),
            GraphOp::LayerNorm => OpInfo::new(Exactly(3), Exactly(1), const { &[req("eps", Float)] }),
            GraphOp::RmsNorm => OpInfo::new(Exactly(2), Exactly(1), const { &[req("eps", Float)] }),
            GraphOp::Rope => {
                OpInfo::new(Exactly(1), Exactly(1), const { &[req("theta", Float), opt("inverse", Bool)] })
            }
            GraphOp::Reshape => OpInfo::new(Exactly(1), Exactly(1), const { &[req("shape", Ints)] }),
            GraphOp::Transpose => OpInfo::new(Exactly(1), Exactly(1), const { &[req("perm", Ints)] }),
            GraphOp::Split => OpInfo::new(Exactly(1), AtLeast(1), const { &[req("axis", Int), req("sizes", Ints)] }),
            GraphOp::Concat => OpInfo::new(AtLeast(1), Exactly(1), const { &[req("axis", Int)] }),
            GraphOp::ReduceSum | GraphOp::ReduceMean | GraphOp::ReduceMax => REDUCE,
            GraphOp::CrossEntropy => BINARY,
            GraphOp::Cast => OpInfo::new(Exactly(1), Exactly(1), const { &[req("dtype", Str)] }),
            GraphOp::Fill => OpInfo::new(
                Exactly(0),
                Exactly(1),
                const { &[req("shape", Ints), req("dtype", Str), req("value", Float)] },
            ),
            GraphOp::Broadcast => OpInfo::new(Exactly(1), Exactly(1), const { &[req("shape", Ints)] }),
            GraphOp::TopK => OpInfo::new(Exactly(1), Exactly(1), const { &[req("k", Int)] }),
            GraphOp::OneHot => OpInfo::new(Exactly(1), Exactly(1), const { &[req("classes", Int), req("dtype", Str)] }),
            GraphOp::MoeScatter => OpInfo::new(
                Exactly(2),
                Exactly(1),
                const { &[req("experts", Int), req("capacity", Int), req("groups", Int)] },
            ),
            GraphOp::MoeGather => {
                OpInfo::new(Exactly(2), Exactly(1), const { &[req("capacity", Int), req("groups", Int)] })
            }
            GraphOp::EmbeddingGrad => {
                OpInfo::new(Exactly(2), Exactly(1), const { &[req("vocab", Int), opt("shard_axis", Str)] })
            }
            GraphOp::GeluGrad | GraphOp::SiluGrad | GraphOp::SoftmaxGrad => BINARY,
            GraphOp::LayerNormGrad => OpInfo::new(Exactly(3), Exactly(3), const { &[req("eps", Float)] }),
            GraphOp::RmsNormGrad => OpInfo::new(Exactly(3), Exactly(2), const { &[req("eps", Float)] }),
            GraphOp::CrossEntropyGrad => OpInfo::new(Exactly(3), Exactly(1), &[]),
            GraphOp::LrSchedule => OpInfo::new(
                Exactly(1),
                Exactly(1),
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
            GraphOp::ClipCoef => OpInfo::new(Exactly(1), Exactly(1), const { &[req("max_norm", Float)] }),
            GraphOp::AdamwUpdate => OpInfo::new(
                Exactly(6),
                Exactly(3),
                const { &[req("beta1", Float), req("beta2", Float), req("eps", Float), req("weight_decay", Float)] },
            ),
            GraphOp::SgdUpdate => {
                OpInfo::new(Exactly(4), Exactly(2), const { &[req("momentum", Float), req("weight_decay", Float)] })
            }
            GraphOp::ReduceMaxGrad => OpInfo::new(
                Exactly(3),
                Exactly(1),
                const { &[req("axes", AttrKind::Ints), opt("keepdim", AttrKind::Bool)] },
            ),
        }
    }
}

/// Resolves a possibly negative `axis` against `rank`.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(format!("axis {axis} is out of range for rank {rank} (valid: {} to {})", -r, r - 1));
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// The NumPy broadcast of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() { 1 } else { a[i - (n - a.len())] };
        let db = if i < n - b.len() { 1 } else { b[i - (n - b.len())] };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(format!(
                    "shapes {} and {} do not broadcast (dim {i} of the result: {da} vs {db})",
                    shape_str(a),
                    shape_str(b)
                ))
            }
        };
    }
    Ok(out)
}

fn same_dtype(a: &TensorType, b: &TensorType) -> Result<(), String> {
    if a.dtype != b.dtype {
        return Err(format!("operand element types differ: {} vs {}", a.dtype, b.dtype));
    }
    Ok(())
}

fn float_operand(t: &TensorType, what: &str) -> Result<(), String> {
    if !t.dtype.is_float() {
        return Err(format!("{what} must have a float element type, found {}", t.dtype));
    }
    Ok(())
}

fn last_dim(t: &TensorType, what: &str) -> Result<usize, String> {
    t.shape.last().copied().ok_or_else(|| format!("{what} must have rank at least 1, found a scalar"))
}

fn expect_vector(t: &TensorType, len: usize, what: &str, x: &TensorType) -> Result<(), String> {
    if t.shape != [len] {
        return Err(format!(
            "{what} must have shape [{len}] (the last dim of {}), found {}",
            shape_str(&x.shape),
            shape_str(&t.shape)
        ));
    }
    same_dtype(t, x)
}

fn reduce_axes(attrs: &AttrMap, rank: usize) -> Result<Vec<usize>, String> {
    let axes = attrs.ints("axes").ok_or("missing integer array attribute 'axes'")?;
    let mut out: Vec<usize> = axes.iter().map(|&a| normalize_axis(a, rank)).collect::<Result<_, _>>()?;
    out.sort_unstable();
    let n = out.len();
    out.dedup();
    if out.len() != n {
        return Err(format!("axes {axes:?} name a dim twice"));
    }
    Ok(out)
}

/// Infers the result types of a `graph` op from its operand types and attributes, and checks
/// everything that makes the op well-formed. The error says what is wrong with which number.
pub fn infer_types(op: GraphOp, operands: &[&Type], attrs: &AttrMap) -> Result<Vec<Type>, String> {
    let t: Vec<&TensorType> = operands.iter().map(|ty| ty.as_tensor()).collect();
    let one = |tt: TensorType| Ok(vec![Type::Tensor(tt)]);
    match op {
        GraphOp::Embedding => {
            let (table, ids) = (t[0], t[1]);
            if table.rank() != 2 {
                return Err(format!(
                    "embedding table must have rank 2 [vocab, hidden], found {}",
                    shape_str(&table.shape)
                ));
            }
            float_operand(table, "embedding table")?;
            if !ids.dtype.is_int() {
                return Err(format!("embedding ids must be integers, found {}", ids.dtype));
            }
            let mut shape = ids.shape.clone();
            shape.push(table.shape[1]);
            one(TensorType::new(shape, table.dtype))
        }
        GraphOp::Matmul => {
            let (a, b) = (t[0], t[1]);
            if a.rank() < 2 || b.rank() < 2 {
                return Err(format!(
                    "matmul operands must have rank at least 2, found {} and {}",
                    shape_str(&a.shape),
                    shape_str(&b.shape)
                ));
            }
            same_dtype(a, b)?;
            float_operand(a, "matmul operands")?;
            let mat = |x: &TensorType, transpose: bool| {
                let (r, c) = (x.shape[x.rank() - 2], x.shape[x.rank() - 1]);
                if transpose {
                    (c, r)
                } else {
                    (r, c)
                }
            };
            let (m, k) = mat(a, attrs.flag("transpose_a"));
            let (k2, n) = mat(b, attrs.flag("transpose_b"));
            if k != k2 {
                return Err(format!(
                    "contraction dims differ: {} is {m}x{k} and {} is {k2}x{n} after transposes",
                    shape_str(&a.shape),
                    shape_str(&b.shape)
                ));
            }
            let mut shape = broadcast_shapes(&a.shape[..a.rank() - 2], &b.shape[..b.rank() - 2])?;
            shape.extend([m, n]);
            one(TensorType::new(shape, a.dtype))
        }
        GraphOp::Add | GraphOp::Sub | GraphOp::Mul | GraphOp::Div => {
            same_dtype(t[0], t[1])?;
            one(TensorType::new(broadcast_shapes(&t[0].shape, &t[1].shape)?, t[0].dtype))
        }
        GraphOp::Scale | GraphOp::Gelu | GraphOp::Silu => {
            float_operand(t[0], "the operand")?;
            one(t[0].clone())
        }
        GraphOp::Softmax => {
            float_operand(t[0], "softmax input")?;
            last_dim(t[0], "softmax input")?;
            if attrs.flag("causal") && t[0].rank() < 2 {
                return Err("causal softmax needs rank at least 2 ([.., queries, keys])".into());
            }
            if attrs.flag("causal") {
                let (q, k) = (t[0].shape[t[0].rank() - 2], t[0].shape[t[0].rank() - 1]);
                if q > k {
                    return Err(format!("causal softmax needs queries <= keys, found {q} queries and {k} keys"));
                }
            }
            one(t[0].clone())
        }
        GraphOp::LayerNorm | GraphOp::RmsNorm => {
            let x = t[0];
            float_operand(x, "normalization input")?;
            let h = last_dim(x, "normalization input")?;
            expect_vector(t[1], h, "normalization weight", x)?;
            if op == GraphOp::LayerNorm {
                expect_vector(t[2], h, "layer_norm bias", x)?;
            }
            let eps = attrs.float("eps").unwrap_or(0.0);
            if eps.is_nan() || eps <= 0.0 {
                return Err(format!("eps must be positive, found {eps}"));
            }
            one(x.clone())
        }
        GraphOp::Rope => {
            let x = t[0];
            float_operand(x, "rope input")?;
            if x.rank() < 3 {
                return Err(format!("rope input must be [.., seq, heads, head_dim], found {}", shape_str(&x.shape)));
            }
            let d = x.shape[x.rank() - 1];
            if d % 2 != 0 {
                return Err(format!("rope head_dim must be even, found {d}"));
            }
            let theta = attrs.float("theta").unwrap_or(0.0);
            if theta.is_nan() || theta <= 1.0 {
                return Err(format!("rope theta must be greater than 1, found {theta}"));
            }
            one(x.clone())
        }
        GraphOp::Reshape => {
            let shape = attrs.ints("shape").ok_or("missing integer array attribute 'shape'")?;
            if let Some(d) = shape.iter().find(|&&d| d < 1) {
                return Err(format!("reshape target dims must be positive, found {d}"));
            }
            let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
            let new = TensorType::new(shape, t[0].dtype);
            if new.num_elements() != t[0].num_elements() {
                return Err(format!(
                    "reshape from {} ({} elements) to {} ({} elements) changes the element count",
                    shape_str(&t[0].shape),
                    t[0].num_elements(),
                    shape_str(&new.shape),
                    new.num_elements()
                ));
            }
            one(new)
        }
        GraphOp::Transpose => {
            let perm = attrs.ints("perm").ok_or("missing integer array attribute 'perm'")?;
            let rank = t[0].rank();
            let mut seen = vec![false; rank];
            let valid = perm.len() == rank
                && perm.iter().all(|&p| {
                    let ok = p >= 0 && (p as usize) < rank && !seen[p as usize];
                    if ok {
                        seen[p as usize] = true;
                    }
                    ok
                });
            if !valid {
                return Err(format!("perm {perm:?} is not a permutation of 0..{rank}"));
            }
            let shape = perm.iter().map(|&p| t[0].shape[p as usize]).collect::<Vec<_>>();
            one(TensorType::new(shape, t[0].dtype))
        }
        GraphOp::Split => {
            let axis = normalize_axis(attrs.int("axis").unwrap_or(0), t[0].rank())?;
            let sizes = attrs.ints("sizes").ok_or("missing integer array attribute 'sizes'")?;
            if sizes.iter().any(|&s| s < 1) {
                return Err(format!("split sizes must be positive, found {sizes:?}"));
            }
            let total: i64 = sizes.iter().sum();
            if total != t[0].shape[axis] as i64 {
                return Err(format!(
                    "split sizes {sizes:?} add up to {total}, but dim {axis} has size {}",
                    t[0].shape[axis]
                ));
            }
            Ok(sizes
                .iter()
                .map(|&s| {
                    let mut shape = t[0].shape.clone();
                    shape[axis] = s as usize;
                    Type::tensor(shape, t[0].dtype)
                })
                .collect())
        }
        GraphOp::Concat => {
            let axis = normalize_axis(attrs.int("axis").unwrap_or(0), t[0].rank())?;
            let mut shape = t[0].shape.clone();
            for (i, x) in t.iter().enumerate().skip(1) {
                same_dtype(t[0], x)?;
                let other_dims_equal =
                    x.rank() == shape.len() && (0..shape.len()).all(|d| d == axis || x.shape[d] == t[0].shape[d]);
                if !other_dims_equal {
                    return Err(format!(
                        "concat operand {i} has shape {}, which differs from {} outside axis {axis}",
                        shape_str(&x.shape),
                        shape_str(&t[0].shape)
                    ));
                }
                shape[axis] += x.shape[axis];
            }
            one(TensorType::new(shape, t[0].dtype))
        }
        GraphOp::ReduceSum | GraphOp::ReduceMean | GraphOp::ReduceMax => {
            let axes = reduce_axes(attrs, t[0].rank())?;
            if op == GraphOp::ReduceMean {
                float_operand(t[0], "reduce_mean input")?;
            }
            let keepdim = attrs.flag("keepdim");
            let shape = (0..t[0].rank())
                .filter_map(|d| match (axes.contains(&d), keepdim) {
                    (false, _) => Some(t[0].shape[d]),
                    (true, true) => Some(1),
                    (true, false) => None,
                })
                .collect::<Vec<_>>();
            one(TensorType::new(shape, t[0].dtype))
        }
        GraphOp::CrossEntropy => {
            let (logits, labels) = (t[0], t[1]);
            float_operand(logits, "cross_entropy logits")?;
            last_dim(logits, "cross_entropy logits")?;
            if !labels.dtype.is_int() {
                return Err(format!("cross_entropy labels must be integers, found {}", labels.dtype));
            }
            if labels.shape[..] != logits.shape[..logits.rank() - 1] {
                return Err(format!(
                    "cross_entropy labels {} must match the logits {} without their last (vocab) dim",
                    shape_str(&labels.shape),
                    shape_str(&logits.shape)
                ));
            }
            one(TensorType::new(labels.shape.clone(), DType::F32))
        }
        GraphOp::Cast => one(t[0].with_dtype(dtype_attr(attrs)?)),
        GraphOp::Fill => {
            let shape = shape_attr(attrs)?;
            if attrs.float("value").is_none() {
                return Err("missing float attribute 'value'".into());
            }
            one(TensorType::new(shape, dtype_attr(attrs)?))
        }
        GraphOp::Broadcast => {
            let shape = shape_attr(attrs)?;
            if broadcast_shapes(&t[0].shape, &shape).ok().as_deref() != Some(&shape[..]) {
                return Err(format!("{} does not broadcast to {}", shape_str(&t[0].shape), shape_str(&shape)));
            }
            one(TensorType::new(shape, t[0].dtype))
        }
        GraphOp::TopK => {
            float_operand(t[0], "top_k input")?;
            let n = last_dim(t[0], "top_k input")?;
            let k = attrs.int("k").unwrap_or(0);
            if k < 1 || k as usize > n {
                return Err(format!(
                    "top_k needs 1 <= k <= {n} (the last dim of {}), found k = {k}",
                    shape_str(&t[0].shape)
                ));
            }
            let mut shape = t[0].shape.clone();
            if let Some(last) = shape.last_mut() {
                *last = k as usize;
            }
            one(TensorType::new(shape, DType::I32))
        }
        GraphOp::OneHot => {
            if !t[0].dtype.is_int() {
                return Err(format!("one_hot ids must be integers, found {}", t[0].dtype));
            }
            let classes = positive_attr(attrs, "classes")?;
            let mut shape = t[0].shape.clone();
            shape.push(classes);
            one(TensorType::new(shape, dtype_attr(attrs)?))
        }
        GraphOp::MoeScatter => {
            let (x, ids) = (t[0], t[1]);
            let (tokens, _, h) = moe_pairs(x, ids, "moe_scatter x")?;
            let experts = positive_attr(attrs, "experts")?;
            let (capacity, groups) = moe_groups(attrs, tokens)?;
            one(TensorType::new([experts, groups * capacity, h], x.dtype))
        }
        GraphOp::MoeGather => {
            let (buf, ids) = (t[0], t[1]);
            float_operand(buf, "moe_gather buffer")?;
            if buf.rank() != 3 {
                return Err(format!(
                    "moe_gather buffer must be [experts, groups · capacity, hidden], found {}",
                    shape_str(&buf.shape)
                ));
            }
            if !ids.dtype.is_int() || ids.rank() != 2 {
                return Err(format!(
                    "moe_gather experts must be integers [tokens, k], found {}",
                    Type::Tensor(ids.clone())
                ));
            }
            let (capacity, groups) = moe_groups(attrs, ids.shape[0])?;
            if buf.shape[1] != groups * capacity {
                return Err(format!(
                    "moe_gather buffer {} needs dim 1 = groups · capacity = {groups} · {capacity}",
                    shape_str(&buf.shape)
                ));
            }
            one(TensorType::new([ids.shape[0], ids.shape[1], buf.shape[2]], buf.dtype))
        }
        GraphOp::EmbeddingGrad => {
            let (ids, dy) = (t[0], t[1]);
            if !ids.dtype.is_int() {
                return Err(format!("embedding_grad ids must be integers, found {}", ids.dtype));
            }
            float_operand(dy, "embedding_grad dy")?;
            if dy.rank() != ids.rank() + 1 || dy.shape[..ids.rank()] != ids.shape[..] {
                return Err(format!(
                    "embedding_grad dy {} must be the ids' shape {} plus a hidden dim",
                    shape_str(&dy.shape),
                    shape_str(&ids.shape)
                ));
            }
            let vocab = attrs.int("vocab").unwrap_or(0);
            if vocab < 1 {
                return Err(format!("vocab must be positive, found {vocab}"));
            }
            one(TensorType::new([vocab as usize, dy.shape[dy.rank() - 1]], dy.dtype))
        }
        GraphOp::GeluGrad | GraphOp::SiluGrad | GraphOp::SoftmaxGrad => {
            float_operand(t[0], "the operand")?;
            if t[0] != t[1] {
                return Err(format!(
                    "the gradient {} must have the type of the operand {}",
                    Type::Tensor(t[1].clone()),
                    Type::Tensor(t[0].clone())
                ));
            }
            one(t[0].clone())
        }
        GraphOp::LayerNormGrad | GraphOp::RmsNormGrad => {
            let (x, w, dy) = (t[0], t[1], t[2]);
            float_operand(x, "normalization input")?;
            let h = last_dim(x, "normalization input")?;
            expect_vector(w, h, "normalization weight", x)?;
            if x != dy {
                return Err(format!(
                    "the gradient {} must have the type of the input {}",
                    Type::Tensor(dy.clone()),
                    Type::Tensor(x.clone())
                ));
            }
            let mut out = vec![Type::Tensor(x.clone()), Type::Tensor(w.clone())];
            if op == GraphOp::LayerNormGrad {
                out.push(Type::Tensor(w.clone()));
            }
            Ok(out)
        }
        GraphOp::CrossEntropyStats | GraphOp::CrossEntropyGradStats => {
            let (logits, labels) = (t[0], t[1]);
            infer_types(GraphOp::CrossEntropy, &operands[..2], attrs)?;
            for (i, x) in t.iter().enumerate().skip(2) {
                if x.shape != labels.shape || x.dtype != DType::F32 {
                    return Err(format!(
                        "operand {i} must be f32 shaped like the labels {}, found {}",
                        shape_str(&labels.shape),
                        Type::Tensor((*x).clone())
                    ));
                }
            }
            if op == GraphOp::CrossEntropyStats {
                let stat = Type::tensor(labels.shape.clone(), DType::F32);
                Ok(vec![stat.clone(), stat])
            } else {
                one(logits.clone())
            }
        }
        GraphOp::CrossEntropyFromStats => {
            for x in &t[1..] {
                if x != &t[0] || t[0].dtype != DType::F32 {
                    return Err(format!(
                        "the statistics must be f32 of one shape, found {} and {}",
                        Type::Tensor(t[0].clone()),
                        Type::Tensor((*x).clone())
                    ));
                }
            }
            one(t[0].clone())
        }
        GraphOp::CrossEntropyGrad => {
            let (logits, labels, dy) = (t[0], t[1], t[2]);
            infer_types(GraphOp::CrossEntropy, &operands[..2], attrs)?;
            if dy.shape != labels.shape || !dy.dtype.is_float() {
                return Err(format!(
                    "cross_entropy_grad dy must be a float tensor shaped like the labels {}, found {}",
                    shape_str(&labels.shape),
                    Type::Tensor(dy.clone())
                ));
            }
            one(logits.clone())
        }
        GraphOp::LrSchedule => {
            scalar(t[0], DType::I64, "step")?;
            let kind = attrs.str("kind").unwrap_or("");
            if kind != "constant" && kind != "cosine" {
                return Err(format!("kind must be \"constant\" or \"cosine\", found \"{kind}\""));
            }
            let (warmup, decay) = (attrs.int("warmup_steps").unwrap_or(-1), attrs.int("decay_steps").unwrap_or(-1));
            if warmup < 0 || (kind == "cosine" && decay <= warmup) {
                return Err(format!(
                    "need 0 <= warmup_steps < decay_steps for a cosine schedule, found {warmup} and {decay}"
                ));
            }
            one(TensorType::scalar(DType::F32))
        }
        GraphOp::ClipCoef => {
            scalar(t[0], DType::F32, "the sum of squares")?;
            one(TensorType::scalar(DType::F32))
        }
        GraphOp::AdamwUpdate | GraphOp::SgdUpdate => infer_update(op, &t),
        GraphOp::ReduceMaxGrad => {
            let (x, y, dy) = (t[0], t[1], t[2]);
            let forward = infer_types(GraphOp::ReduceMax, &operands[..1], attrs)?;
            let want = Type::Tensor(y.clone());
            if forward[0] != want || y != dy {
                return Err(format!(
                    "reduce_max_grad needs y and dy of the reduced type {}, found {} and {}",
                    forward[0],
                    want,
                    Type::Tensor(dy.clone())
                ));
            }
            one(x.clone())
        }
    }
}

fn positive_attr(attrs: &AttrMap, name: &str) -> Result<usize, String> {
    match attrs.int(name) {
        Some(n) if n >= 1 => Ok(n as usize),
        Some(n) => Err(format!("{name} must be positive, found {n}")),
        None => Err(format!("missing integer attribute '{name}'")),
    }
}

/// `moe_scatter`'s operands: `x[T, k, H]` float and `experts[T, k]` integers; `(T, k, H)`.
fn moe_pairs(x: &TensorType, ids: &TensorType, what: &str) -> Result<(usize, usize, usize), String> {
    float_operand(x, what)?;
    if x.rank() != 3 || !ids.dtype.is_int() || ids.shape[..] != x.shape[..2] {
        return Err(format!(
            "{what} must be [tokens, k, hidden] with integer experts [tokens, k], found {} and {}",
            Type::Tensor(x.clone()),
            Type::Tensor(ids.clone())
        ));
    }
    Ok((x.shape[0], x.shape[1], x.shape[2]))
}

/// The `capacity` and `groups` attributes of the MoE ops; `groups` must divide `tokens`.
fn moe_groups(attrs: &AttrMap, tokens: usize) -> Result<(usize, usize), String> {
    let capacity = positive_attr(attrs, "capacity")?;
    let groups = positive_attr(attrs, "groups")?;
    if tokens % groups != 0 {
        return Err(format!("{tokens} tokens do not split into groups = {groups} equal groups"));
    }
    Ok((capacity, groups))
}

fn scalar(t: &TensorType, dtype: DType, what: &str) -> Result<(), String> {
    if t.rank() != 0 || t.dtype != dtype {
        return Err(format!("{what} must be a scalar tensor<{dtype}>, found {}", Type::Tensor(t.clone())));
    }
    Ok(())
}

/// Optimizer updates: `p` and `g` share a type; the state tensors are f32 of `p`'s shape; `lr` is
/// an f32 scalar (and `step`, for AdamW, an i64 scalar).
fn infer_update(op: GraphOp, t: &[&TensorType]) -> Result<Vec<Type>, String> {
    let (p, g) = (t[0], t[1]);
    float_operand(p, "the parameter")?;
    if p != g {
        return Err(format!(
            "the gradient {} must have the parameter's type {}",
            Type::Tensor(g.clone()),
            Type::Tensor(p.clone())
        ));
    }
    let states = if op == GraphOp::AdamwUpdate { &t[2..4] } else { &t[2..3] };
    for s in states {
        if s.shape != p.shape || s.dtype != DType::F32 {
            return Err(format!(
                "optimizer state must be tensor of f32 shaped like the parameter {}, found {}",
                shape_str(&p.shape),
                Type::Tensor((*s).clone())
            ));
        }
    }
    scalar(t[2 + states.len()], DType::F32, "lr")?;
    if op == GraphOp::AdamwUpdate {
        scalar(t[5], DType::I64, "step")?;
    }
    let mut out = vec![Type::Tensor(p.clone())];
    out.extend(states.iter().map(|s| Type::Tensor((*s).clone())));
    Ok(out)
}

fn shape_attr(attrs: &AttrMap) -> Result<Vec<usize>, String> {
    let shape = attrs.ints("shape").ok_or("missing integer array attribute 'shape'")?;
    if let Some(d) = shape.iter().find(|&&d| d < 1) {
        return Err(format!("dims must be positive, found {d}"));
    }
    Ok(shape.iter().map(|&d| d as usize).collect())
}

fn dtype_attr(attrs: &AttrMap) -> Result<DType, String> {
    let name = attrs.str("dtype").ok_or("missing string attribute 'dtype'")?;
    DType::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = DType::ALL.iter().map(|d| d.name()).collect();
        format!("unknown dtype \"{name}\"; expected one of {}", names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Attr;

    fn ty(shape: &[usize]) -> Type {
        Type::tensor(shape.to_vec(), DType::F32)
    }

    #[test]
    fn matmul_broadcasts_batch_dims_and_transposes() {
        let a = ty(&[2, 4, 3, 8, 16]);
        let b = ty(&[2, 4, 1, 8, 16]);
        let attrs = AttrMap::new().with("transpose_b", Attr::Bool(true));
        let out = infer_types(GraphOp::Matmul, &[&a, &b], &attrs).unwrap();
        assert_eq!(out, vec![ty(&[2, 4, 3, 8, 8])]);
    }

    #[test]
    fn matmul_reports_contraction_mismatch_with_numbers() {
        let err = infer_types(GraphOp::Matmul, &[&ty(&[8, 64]), &ty(&[128, 32])], &AttrMap::new()).unwrap_err();
        assert!(err.contains("8x64") && err.contains("128x32"), "{err}");
    }

    #[test]
    fn broadcast_rejects_mismatched_dims() {
        assert_eq!(broadcast_shapes(&[2, 1, 5], &[3, 1]).unwrap(), vec![2, 3, 5]);
        assert!(broadcast_shapes(&[2, 4], &[3]).is_err());
    }

    #[test]
    fn moe_shapes_and_their_errors() {
        let ids = Type::tensor(vec![6, 2], DType::I32);
        let attrs =
            AttrMap::new().with("experts", Attr::Int(4)).with("capacity", Attr::Int(3)).with("groups", Attr::Int(2));
        let out = infer_types(GraphOp::MoeScatter, &[&ty(&[6, 2, 8]), &ids], &attrs).unwrap();
        assert_eq!(out, vec![ty(&[4, 6, 8])]);
        let out = infer_types(GraphOp::MoeGather, &[&ty(&[4, 6, 8]), &ids], &attrs).unwrap();
        assert_eq!(out, vec![ty(&[6, 2, 8])]);
        let err = infer_types(GraphOp::MoeGather, &[&ty(&[4, 5, 8]), &ids], &attrs).unwrap_err();
        assert!(err.contains("groups · capacity = 2 · 3"), "{err}");
        let odd = attrs.clone().with("groups", Attr::Int(4));
        let err = infer_types(GraphOp::MoeScatter, &[&ty(&[6, 2, 8]), &ids], &odd).unwrap_err();
        assert!(err.contains("6 tokens do not split into groups = 4"), "{err}");
        let top = infer_types(GraphOp::TopK, &[&ty(&[6, 4])], &AttrMap::new().with("k", Attr::Int(2))).unwrap();
        assert_eq!(top, vec![Type::tensor(vec![6, 2], DType::I32)]);
        let err = infer_types(GraphOp::TopK, &[&ty(&[6, 4])], &AttrMap::new().with("k", Attr::Int(0))).unwrap_err();
        assert!(err.contains("1 <= k <= 4"), "{err}");
    }

    #[test]
    fn split_and_reduce_shapes() {
        let attrs = AttrMap::new().with("axis", Attr::Int(-1)).with("sizes", Attr::Ints(vec![2, 6]));
        let out = infer_types(GraphOp::Split, &[&ty(&[3, 8])], &attrs).unwrap();
        assert_eq!(out, vec![ty(&[3, 2]), ty(&[3, 6])]);
        let attrs = AttrMap::new().with("axes", Attr::Ints(vec![0, -1]));
        assert_eq!(infer_types(GraphOp::ReduceMean, &[&ty(&[3, 4, 5])], &attrs).unwrap(), vec![ty(&[4])]);
    }
}
