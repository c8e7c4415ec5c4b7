//! Typed helpers for building `graph` ops: one method per op kind on [`Builder`], each a thin
//! wrapper that fills the attributes and lets the op's shape rule infer the result type.

use crate::attr::{Attr, AttrMap};
use crate::builder::{BuildError, Builder};
use crate::graph::GraphOp;
use crate::ir::{OpKind, Value};
use crate::types::DType;

type R = Result<Value, BuildError>;

fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

impl Builder<'_> {
    fn g(&mut self, op: GraphOp, operands: &[Value], attrs: AttrMap) -> R {
        self.op1(OpKind::Graph(op), operands, attrs)
    }

    /// `graph.embedding`.
    pub fn embedding(&mut self, table: Value, ids: Value) -> R {
        self.g(GraphOp::Embedding, &[table, ids], AttrMap::new())
    }

    /// `graph.matmul` with optional transposes of either operand.
    pub fn matmul_t(&mut self, a: Value, b: Value, transpose_a: bool, transpose_b: bool) -> R {
        let mut attrs = AttrMap::new();
        if transpose_a {
            attrs.set("transpose_a", Attr::Bool(true));
        }
        if transpose_b {
            attrs.set("transpose_b", Attr::Bool(true));
        }
        self.g(GraphOp::Matmul, &[a, b], attrs)
    }

    /// `graph.top_k`: the positions of the `k` largest entries of each row (i32).
    pub fn top_k(&mut self, x: Value, k: usize) -> R {
        self.g(GraphOp::TopK, &[x], AttrMap::new().with("k", Attr::Int(k as i64)))
    }

    /// `graph.one_hot` over `classes` classes, of element type `dtype`.
    pub fn one_hot(&mut self, ids: Value, classes: usize, dtype: DType) -> R {
        let attrs =
            AttrMap::new().with("classes", Attr::Int(classes as i64)).with("dtype", Attr::Str(dtype.name().into()));
        self.g(GraphOp::OneHot, &[ids], attrs)
    }

    /// `graph.moe_scatter` of `x[T, k, H]` to `experts` buffers of `groups · capacity` rows.
    pub fn moe_scatter(&mut self, x: Value, ids: Value, experts: usize, capacity: usize, groups: usize) -> R {
        let attrs = AttrMap::new()
            .with("experts", Attr::Int(experts as i64))
            .with("capacity", Attr::Int(capacity as i64))
            .with("groups", Attr::Int(groups as i64));
        self.g(GraphOp::MoeScatter, &[x, ids], attrs)
    }

    /// `graph.moe_gather`: the rows `moe_scatter` wrote, back in `[T, k, H]` order.
    pub fn moe_gather(&mut self, buf: Value, ids: Value, capacity: usize, groups: usize) -> R {
        let attrs =
            AttrMap::new().with("capacity", Attr::Int(capacity as i64)).with("groups", Attr::Int(groups as i64));
        self.g(GraphOp::MoeGather, &[buf, ids], attrs)
    }

    /// `graph.matmul` without transposes.
    pub fn matmul(&mut self, a: Value, b: Value) -> R {
        self.matmul_t(a, b, false, false)
    }

    /// `graph.add`.
    pub fn add(&mut self, a: Value, b: Value) -> R {
        self.g(GraphOp::Add, &[a, b], AttrMap::new())
    }

    /// `graph.sub`.
    pub fn sub(&mut self, a: Value, b: Value) -> R {
        self.g(GraphOp::Sub, &[a, b], AttrMap::new())
    }

    /// `graph.mul`.
    pub fn mul(&mut self, a: Value, b: Value) -> R {
        self.g(GraphOp::Mul, &[a, b], AttrMap::new())
    }

    /// `graph.div`.
    pub fn div(&mut self, a: Value, b: Value) -> R {
        self.g(GraphOp::Div, &[a, b], AttrMap::new())
    }

    /// `graph.scale`.
    pub fn scale(&mut self, x: Value, factor: f64) -> R {
        self.g(GraphOp::Scale, &[x], AttrMap::new().with("factor", Attr::Float(factor)))
    }

    /// `graph.gelu` (tanh form).
    pub fn gelu(&mut self, x: Value) -> R {
        self.g(GraphOp::Gelu, &[x], AttrMap::new())
    }

    /// `graph.silu`.
    pub fn silu(&mut self, x: Value) -> R {
        self.g(GraphOp::Silu, &[x], AttrMap::new())
    }

    /// `graph.softmax` over the last dim, optionally causal.
    pub fn softmax(&mut self, x: Value, causal: bool) -> R {
        let attrs = if causal { AttrMap::new().with("causal", Attr::Bool(true)) } else { AttrMap::new() };
        self.g(GraphOp::Softmax, &[x], attrs)
    }

    /// `graph.layer_norm`.
    pub fn layer_norm(&mut self, x: Value, weight: Value, bias: Value, eps: f64) -> R {
        self.g(GraphOp::LayerNorm, &[x, weight, bias], AttrMap::new().with("eps", Attr::Float(eps)))
    }

    /// `graph.rms_norm`.
    pub fn rms_norm(&mut self, x: Value, weight: Value, eps: f64) -> R {
        self.g(GraphOp::RmsNorm, &[x, weight], AttrMap::new().with("eps", Attr::Float(eps)))
    }

    /// `graph.rope`.
    pub fn rope(&mut self, x: Value, theta: f64) -> R {
        self.g(GraphOp::Rope, &[x], AttrMap::new().with("theta", Attr::Float(theta)))
    }

    /// `graph.rope {inverse}`: the rotation by the opposite angles (the transpose of `rope`).
    pub fn rope_inverse(&mut self, x: Value, theta: f64) -> R {
        let attrs = AttrMap::new().with("theta", Attr::Float(theta)).with("inverse", Attr::Bool(true));
        self.g(GraphOp::Rope, &[x], attrs)
    }

    /// `graph.reshape`.
    pub fn reshape(&mut self, x: Value, shape: &[usize]) -> R {
        let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        self.g(GraphOp::Reshape, &[x], AttrMap::new().with("shape", ints(&shape)))
    }

    /// `graph.transpose`.
    pub fn transpose(&mut self, x: Value, perm: &[i64]) -> R {
        self.g(GraphOp::Transpose, &[x], AttrMap::new().with("perm", ints(perm)))
    }

    /// `graph.split`: one result per size.
    pub fn split(&mut self, x: Value, axis: i64, sizes: &[i64]) -> Result<Vec<Value>, BuildError> {
        let attrs = AttrMap::new().with("axis", Attr::Int(axis)).with("sizes", ints(sizes));
        self.op(OpKind::Graph(GraphOp::Split), &[x], attrs)
    }

    /// `graph.concat`.
    pub fn concat(&mut self, xs: &[Value], axis: i64) -> R {
        self.g(GraphOp::Concat, xs, AttrMap::new().with("axis", Attr::Int(axis)))
    }

    /// `graph.reduce_sum`, `graph.reduce_mean` or `graph.reduce_max`.
    pub fn reduce(&mut self, op: GraphOp, x: Value, axes: &[i64], keepdim: bool) -> R {
        let mut attrs = AttrMap::new().with("axes", ints(axes));
        if keepdim {
            attrs.set("keepdim", Attr::Bool(true));
        }
        self.g(op, &[x], attrs)
    }

    /// `graph.cross_entropy`: per-token loss.
    pub fn cross_entropy(&mut self, logits: Value, labels: Value) -> R {
        self.g(GraphOp::CrossEntropy, &[logits, labels], AttrMap::new())
    }

    /// `graph.cast`.
    pub fn cast(&mut self, x: Value, dtype: DType) -> R {
        self.g(GraphOp::Cast, &[x], AttrMap::new().with("dtype", Attr::Str(dtype.name().into())))
    }

    /// `graph.fill`: a constant tensor.
    pub fn fill(&mut self, shape: &[usize], dtype: DType, value: f64) -> R {
        let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let attrs = AttrMap::new()
            .with("shape", ints(&shape))
            .with("dtype", Attr::Str(dtype.name().into()))
            .with("value", Attr::Float(value));
        self.g(GraphOp::Fill, &[], attrs)
    }

    /// `graph.broadcast` of `x` to `shape`.
    pub fn broadcast(&mut self, x: Value, shape: &[usize]) -> R {
        let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        self.g(GraphOp::Broadcast, &[x], AttrMap::new().with("shape", ints(&shape)))
    }

    /// `graph.embedding_grad`.
    pub fn embedding_grad(&mut self, ids: Value, dy: Value, vocab: usize) -> R {
        self.g(GraphOp::EmbeddingGrad, &[ids, dy], AttrMap::new().with("vocab", Attr::Int(vocab as i64)))
    }

    /// `graph.gelu_grad`, `graph.silu_grad` or `graph.softmax_grad` of `(x or y, dy)`.
    pub fn unary_grad(&mut self, op: GraphOp, x: Value, dy: Value) -> R {
        self.g(op, &[x, dy], AttrMap::new())
    }

    /// `graph.layer_norm_grad` → `[dx, dweight, dbias]`, or `graph.rms_norm_grad` → `[dx, dweight]`.
    pub fn norm_grad(
        &mut self,
        op: GraphOp,
        x: Value,
        weight: Value,
        dy: Value,
        eps: f64,
    ) -> Result<Vec<Value>, BuildError> {
        self.op(OpKind::Graph(op), &[x, weight, dy], AttrMap::new().with("eps", Attr::Float(eps)))
    }

    /// `graph.cross_entropy_grad`.
    pub fn cross_entropy_grad(&mut self, logits: Value, labels: Value, dy: Value) -> R {
        self.g(GraphOp::CrossEntropyGrad, &[logits, labels, dy], AttrMap::new())
    }

    /// `graph.reduce_max_grad` with the forward op's attributes.
    pub fn reduce_max_grad(&mut self, x: Value, y: Value, dy: Value, attrs: AttrMap) -> R {
        self.g(GraphOp::ReduceMaxGrad, &[x, y, dy], attrs)
    }

    /// `graph.lr_schedule` of an i64 step; `attrs` holds kind, lr, min_lr, warmup_steps, decay_steps.
    pub fn lr_schedule(&mut self, step: Value, attrs: AttrMap) -> R {
        self.g(GraphOp::LrSchedule, &[step], attrs)
    }

    /// `graph.clip_coef` of a sum of squares.
    pub fn clip_coef(&mut self, sum_of_squares: Value, max_norm: f64) -> R {
        self.g(GraphOp::ClipCoef, &[sum_of_squares], AttrMap::new().with("max_norm", Attr::Float(max_norm)))
    }

    /// `graph.adamw_update` → `[p', m', v']`.
    #[allow(clippy::too_many_arguments)]
    pub fn adamw_update(
        &mut self,
        p: Value,
        g: Value,
        m: Value,
        v: Value,
        lr: Value,
        step: Value,
        attrs: AttrMap,
    ) -> Result<Vec<Value>, BuildError> {
        self.op(OpKind::Graph(GraphOp::AdamwUpdate), &[p, g, m, v, lr, step], attrs)
    }

    /// `graph.sgd_update` → `[p', buf']`.
    pub fn sgd_update(
        &mut self,
        p: Value,
        g: Value,
        buf: Value,
        lr: Value,
        attrs: AttrMap,
    ) -> Result<Vec<Value>, BuildError> {
        self.op(OpKind::Graph(GraphOp::SgdUpdate), &[p, g, buf, lr], attrs)
    }
}
