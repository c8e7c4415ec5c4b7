//! The reference interpreter of the `graph` dialect: evaluates a function on concrete tensors, in
//! f64, one op at a time in layout order. It is the numerical ground truth of the project: the
//! autodiff pass is checked against central finite differences computed here, and the runtime's
//! backends are compared against its results.
//!
//! It owns the numerical meaning of every [`GraphOp`] (one `match` in [`eval_op`], with no
//! catch-all arm, so a new op kind cannot be added without its semantics). It must stay naive:
//! plain loops over row-major `f64` data, a fixed summation order, no blocking, threads or
//! fusion. Anything clever belongs in a backend, which is then checked against this module.
//!
//! Element types are not modelled except where they change values: `graph.cast` rounds to the
//! target type, and `graph.div` with an integer result truncates toward zero. Every other op
//! computes in f64 whatever the declared element type (an `f32` add is an f64 add), so that
//! finite-difference gradients are accurate; integer tensors hold integral f64 values.

use std::f64::consts::PI;

use thiserror::Error;

use crate::attr::AttrMap;
use crate::entity::SecondaryMap;
use crate::func::FuncOp;
use crate::graph::{broadcast_shapes, normalize_axis, GraphOp};
use crate::ir::{Function, OpKind, Value};
use crate::printer::print_op;
use crate::types::{shape_str, DType, Type};

/// A dense tensor of `f64` values in row-major order (the last dim is contiguous). A scalar has an
/// empty shape and one element. Integer tensors hold integral values.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Dimension sizes, outermost first.
    pub shape: Vec<usize>,
    /// The elements, `shape.iter().product()` of them.
    pub data: Vec<f64>,
}

/// Why a function could not be evaluated.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum InterpError {
    /// A tensor's data does not have as many elements as its shape says.
    #[error("a tensor of shape {shape} has {expected} elements, but {got} values were given", shape = shape_str(.shape))]
    DataLength { shape: Vec<usize>, expected: usize, got: usize },
    /// The function was called with the wrong number of arguments.
    #[error("@{func} takes {expected} arguments, but {got} were given")]
    ArgCount { func: String, expected: usize, got: usize },
    /// An argument does not fit the function's parameter type.
    #[error("argument {index} of @{func} (of type {ty}): {message}")]
    Arg { func: String, index: usize, ty: String, message: String },
    /// An op failed; `op` is the op printed on one line.
    #[error("{message}\n  in: {op}")]
    Op { op: String, message: String },
    /// The entry block has no `func.return`.
    #[error("@{func} ends without a func.return")]
    NoReturn { func: String },
}

impl Tensor {
    /// A tensor of `shape` holding `data`; fails when the element count does not match.
    pub fn new(shape: impl Into<Vec<usize>>, data: Vec<f64>) -> Result<Tensor, InterpError> {
        let shape = shape.into();
        let expected = shape.iter().product();
        if data.len() != expected {
            return Err(InterpError::DataLength { shape, expected, got: data.len() });
        }
        Ok(Tensor { shape, data })
    }

    /// A tensor of `shape` with every element `value`.
    pub fn full(shape: impl Into<Vec<usize>>, value: f64) -> Tensor {
        let shape = shape.into();
        let n = shape.iter().product();
        Tensor { shape, data: vec![value; n] }
    }

    /// A tensor of zeros.
    pub fn zeros(shape: impl Into<Vec<usize>>) -> Tensor {
        Tensor::full(shape, 0.0)
    }

    /// A rank-0 tensor.
    pub fn scalar(value: f64) -> Tensor {
        Tensor { shape: Vec::new(), data: vec![value] }
    }

    /// A tensor whose element at each multi-index is `f(index)`, filled in row-major order.
    pub fn from_fn(shape: impl Into<Vec<usize>>, mut f: impl FnMut(&[usize]) -> f64) -> Tensor {
        let shape = shape.into();
        let n: usize = shape.iter().product();
        let mut index = vec![0; shape.len()];
        let mut data = Vec::with_capacity(n);
        for i in 0..n {
            unravel(i, &shape, &mut index);
            data.push(f(&index));
        }
        Tensor { shape, data }
    }

    /// The number of dims.
    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Row-major strides, in elements.
    pub fn strides(&self) -> Vec<usize> {
        strides_of(&self.shape)
    }

    /// The position in `data` of the element at multi-index `index`.
    ///
    /// Panics when `index` has the wrong rank or is out of bounds (a caller's bug, not data).
    pub fn offset(&self, index: &[usize]) -> usize {
        assert_eq!(index.len(), self.rank(), "index {index:?} into a tensor of shape {}", shape_str(&self.shape));
        let mut offset = 0;
        for (d, (&i, &size)) in index.iter().zip(&self.shape).enumerate() {
            assert!(i < size, "index {index:?} is out of bounds in dim {d} of shape {}", shape_str(&self.shape));
            offset = offset * size + i;
        }
        offset
    }

    /// The element at multi-index `index`.
    pub fn at(&self, index: &[usize]) -> f64 {
        self.data[self.offset(index)]
    }
}

/// Row-major strides of `shape`, in elements.
pub fn strides_of(shape: &[usize]) -> Vec<usize> {
    crate::exec::row_major_strides(shape)
}

/// Writes the multi-index of row-major position `flat` in `shape` into `index`.
fn unravel(mut flat: usize, shape: &[usize], index: &mut [usize]) {
    for d in (0..shape.len()).rev() {
        index[d] = flat % shape[d];
        flat /= shape[d];
    }
}

/// For every multi-index of `shape` in row-major order, the offset `Σ index[d] · strides[d]`. With
/// a tensor's own strides this is `0, 1, 2, ..`; with permuted or broadcast strides it lists the
/// elements a transpose or a broadcast reads (or a reduction writes), so those ops are one gather.
fn gather_offsets(shape: &[usize], strides: &[usize]) -> Vec<usize> {
    let mut offsets = vec![0];
    for (&size, &stride) in shape.iter().zip(strides) {
        let mut next = Vec::with_capacity(offsets.len() * size);
        for &base in &offsets {
            // `while` rather than a range: unoptimized builds pay a call per step of an iterator.
            let mut i = 0;
            while i < size {
                next.push(base + i * stride);
                i += 1;
            }
        }
        offsets = next;
    }
    offsets
}

/// Strides for reading a tensor of `shape` while iterating over the broadcast shape `out`: aligned
/// at the trailing dim, 0 where `shape` has no such dim or a dim of size 1 that is stretched.
fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let own = strides_of(shape);
    let pad = out.len() - shape.len();
    (0..out.len()).map(|d| if d < pad || shape[d - pad] == 1 { 0 } else { own[d - pad] }).collect()
}

/// Evaluates `func` on `args` and returns the operands of its `func.return`.
///
/// Ops run in the entry block's layout order. Argument count and shapes are checked against the
/// function's parameters, integer parameters must hold integral values, and every op's computed
/// result shapes must equal the types in the IR; each failure is an error, never a panic.
pub fn eval_function(func: &Function, args: &[Tensor]) -> Result<Vec<Tensor>, InterpError> {
    let params = func.args();
    if params.len() != args.len() {
        return Err(InterpError::ArgCount { func: func.name.clone(), expected: params.len(), got: args.len() });
    }
    let mut env: SecondaryMap<Value, Option<Tensor>> = SecondaryMap::new();
    for (index, (&param, arg)) in params.iter().zip(args).enumerate() {
        let ty = func.value_type(param).as_tensor();
        let arg_error = |message: String| InterpError::Arg {
            func: func.name.clone(),
            index,
            ty: func.value_type(param).to_string(),
            message,
        };
        if arg.shape != ty.shape {
            return Err(arg_error(format!("expected shape {}, got {}", shape_str(&ty.shape), shape_str(&arg.shape))));
        }
        if arg.data.len() != arg.numel() {
            return Err(arg_error(format!("shape {} but {} values", shape_str(&arg.shape), arg.data.len())));
        }
        if ty.dtype.is_int() {
            if let Some(i) = arg.data.iter().position(|x| x.fract() != 0.0) {
                return Err(arg_error(format!("element {i} is {}, not an integer", arg.data[i])));
            }
        }
        env[param] = Some(arg.clone());
    }

    for &op in &func.blocks[func.entry_block()].ops {
        let data = &func.ops[op];
        let op_error = |message: String| InterpError::Op { op: print_op(func, op), message };
        let mut inputs = Vec::with_capacity(data.operands.len());
        for (i, &v) in data.operands.iter().enumerate() {
            match &env[v] {
                Some(t) => inputs.push(t),
                None => return Err(op_error(format!("operand {i} ({v}) is used before it has a value"))),
            }
        }
        match data.kind {
            OpKind::Func(FuncOp::Return) => return Ok(inputs.into_iter().cloned().collect()),
            OpKind::Exec(_) | OpKind::Dist(_) => {
                return Err(op_error(format!(
                    "{} ops run in the runtime, not in the graph interpreter",
                    data.kind.name()
                )))
            }
            // The global view: an annotation or a reshard does not change the value.
            OpKind::Sharding(_) => env[data.results[0]] = Some(inputs[0].clone()),
            OpKind::Graph(kind) => {
                if !data.regions.is_empty() {
                    return Err(op_error("graph ops have no regions".into()));
                }
                let result_types: Vec<Type> = data.results.iter().map(|&r| func.value_type(r).clone()).collect();
                let outputs = eval_op(kind, &inputs, &data.attrs, &result_types).map_err(op_error)?;
                for (&r, t) in data.results.iter().zip(outputs) {
                    env[r] = Some(t);
                }
            }
        }
    }
    Err(InterpError::NoReturn { func: func.name.clone() })
}

/// Evaluates one `graph` op on `inputs`. `result_types` are the op's result types from the IR:
/// the computed shapes must equal them (a cross-check of shape inference against the semantics),
/// and an integer result type makes `div` truncate toward zero (as integer division does in C,
/// Rust and CUDA; PyTorch's `div(.., rounding_mode="trunc")`).
pub fn eval_op(
    kind: GraphOp,
    inputs: &[&Tensor],
    attrs: &AttrMap,
    result_types: &[Type],
) -> Result<Vec<Tensor>, String> {
    let info = kind.info();
    if !info.operands.accepts(inputs.len()) {
        return Err(format!("expected {} operands, got {}", info.operands.describe(), inputs.len()));
    }
    for (i, t) in inputs.iter().enumerate() {
        if t.data.len() != t.numel() {
            return Err(format!("operand {i} has shape {} but {} values", shape_str(&t.shape), t.data.len()));
        }
    }
    if kind == GraphOp::Fill {
        let shape = ints_attr(attrs, "shape")?.iter().map(|&d| d as usize).collect::<Vec<_>>();
        let value = float_attr(attrs, "value")?;
        return Ok(vec![Tensor { data: vec![value; shape.iter().product()], shape }]);
    }
    let x = inputs[0];
    let results = match kind {
        GraphOp::Embedding => vec![embedding(x, inputs[1])?],
        GraphOp::Matmul => vec![matmul(x, inputs[1], attrs.flag("transpose_a"), attrs.flag("transpose_b"))?],
        GraphOp::Add => vec![elementwise(x, inputs[1], |a, b| Ok(a + b))?],
        GraphOp::Sub => vec![elementwise(x, inputs[1], |a, b| Ok(a - b))?],
        GraphOp::Mul => vec![elementwise(x, inputs[1], |a, b| Ok(a * b))?],
        GraphOp::Div => {
            let integer = result_types.first().is_some_and(|t| t.as_tensor().dtype.is_int());
            if integer {
                vec![elementwise(x, inputs[1], |a, b| {
                    if b == 0.0 {
                        return Err(format!("integer division of {a} by zero"));
                    }
                    Ok((a / b).trunc())
                })?]
            } else {
                vec![elementwise(x, inputs[1], |a, b| Ok(a / b))?]
            }
        }
        GraphOp::Scale => {
            let factor = float_attr(attrs, "factor")?;
            vec![map(x, |v| v * factor)]
        }
        GraphOp::Gelu => vec![map(x, gelu)],
        GraphOp::Silu => vec![map(x, |v| v / (1.0 + (-v).exp()))],
        GraphOp::Softmax => vec![softmax(x, attrs.flag("causal"))?],
        GraphOp::LayerNorm => vec![normalize(x, inputs[1], Some(inputs[2]), float_attr(attrs, "eps")?)?],
        GraphOp::RmsNorm => vec![normalize(x, inputs[1], None, float_attr(attrs, "eps")?)?],
        GraphOp::Rope => vec![rope(x, float_attr(attrs, "theta")?, attrs.flag("inverse"))?],
        GraphOp::Reshape => {
            let shape = ints_attr(attrs, "shape")?;
            if shape.iter().any(|&d| d < 0) {
                return Err(format!("reshape target {shape:?} has a negative dim"));
            }
            vec![Tensor::new(shape.iter().map(|&d| d as usize).collect::<Vec<_>>(), x.data.clone())
                .map_err(|e| format!("reshape of {}: {e}", shape_str(&x.shape)))?]
        }
        GraphOp::Transpose => vec![transpose(x, ints_attr(attrs, "perm")?)?],
        GraphOp::Split => split(x, int_attr(attrs, "axis")?, ints_attr(attrs, "sizes")?)?,
        GraphOp::Concat => vec![concat(inputs, int_attr(attrs, "axis")?)?],
        GraphOp::ReduceSum | GraphOp::ReduceMean | GraphOp::ReduceMax => {
            vec![reduce(kind, x, ints_attr(attrs, "axes")?, attrs.flag("keepdim"))?]
        }
        GraphOp::CrossEntropy => vec![cross_entropy(x, inputs[1])?],
        GraphOp::Cast => {
            let name = attrs.str("dtype").ok_or("missing string attribute 'dtype'")?;
            let dtype = DType::from_name(name).ok_or_else(|| format!("unknown dtype \"{name}\""))?;
            let data = x.data.iter().map(|&v| cast_value(v, dtype)).collect::<Result<Vec<_>, _>>()?;
            vec![Tensor { shape: x.shape.clone(), data }]
        }
        GraphOp::Fill => unreachable!("fill is evaluated above, before its (absent) first operand is read"),
        GraphOp::Broadcast => {
            let shape: Vec<usize> = ints_attr(attrs, "shape")?.iter().map(|&d| d as usize).collect();
            let reads = gather_offsets(&shape, &broadcast_strides(&x.shape, &shape));
            vec![Tensor { data: reads.iter().map(|&r| x.data[r]).collect(), shape }]
        }
        GraphOp::TopK => vec![top_k(x, int_attr(attrs, "k")?)?],
        GraphOp::OneHot => vec![one_hot(x, int_attr(attrs, "classes")?)?],
        GraphOp::MoeScatter => {
            let (experts, capacity, groups) = moe_sizes(attrs, None)?;
            let slots = moe_slots(inputs[1], experts, capacity, groups)?;
            vec![moe_scatter(x, &slots, experts, capacity * groups)]
        }
        GraphOp::MoeGather => {
            let (experts, capacity, groups) = moe_sizes(attrs, x.shape.first().copied())?;
            if x.rank() != 3 || x.shape[1] != capacity * groups {
                return Err(format!(
                    "moe_gather buffer {} needs {} rows per expert",
                    shape_str(&x.shape),
                    capacity * groups
                ));
            }
            let slots = moe_slots(inputs[1], experts, capacity, groups)?;
            vec![moe_gather(x, &slots, inputs[1].shape.clone())?]
        }
        GraphOp::EmbeddingGrad => vec![embedding_grad(x, inputs[1], int_attr(attrs, "vocab")?)?],
        GraphOp::GeluGrad => vec![elementwise(x, inputs[1], |v, dy| Ok(dy * gelu_derivative(v)))?],
        GraphOp::SiluGrad => vec![elementwise(x, inputs[1], |v, dy| {
            let s = 1.0 / (1.0 + (-v).exp());
            Ok(dy * s * (1.0 + v * (1.0 - s)))
        })?],
        GraphOp::SoftmaxGrad => vec![softmax_grad(x, inputs[1])?],
        GraphOp::LayerNormGrad => normalize_grad(x, inputs[1], inputs[2], float_attr(attrs, "eps")?, true)?,
        GraphOp::RmsNormGrad => normalize_grad(x, inputs[1], inputs[2], float_attr(attrs, "eps")?, false)?,
        GraphOp::CrossEntropyGrad => vec![cross_entropy_grad(x, inputs[1], inputs[2])?],
        GraphOp::CrossEntropyStats | GraphOp::CrossEntropyGradStats => {
            if attrs.str("shard_axis").is_some() {
                return Err("a vocab-sharded cross-entropy needs mesh coordinates: it runs in the runtime".into());
            }
            cross_entropy_stats(kind, inputs, int_attr(attrs, "vocab")?)?
        }
        GraphOp::CrossEntropyFromStats => {
            let (m, t) = (inputs[1], inputs[2]);
            let data = x.data.iter().zip(&m.data).zip(&t.data).map(|((s, m), t)| s.ln() + m - t).collect();
            vec![Tensor { data, shape: x.shape.clone() }]
        }
        GraphOp::ReduceMaxGrad => {
            vec![reduce_max_grad(x, inputs[1], inputs[2], ints_attr(attrs, "axes")?)?]
        }
        GraphOp::LrSchedule => vec![Tensor::scalar(lr_at(
            x.data[0],
            attrs.str("kind").unwrap_or("constant"),
            float_attr(attrs, "lr")?,
            float_attr(attrs, "min_lr")?,
            int_attr(attrs, "warmup_steps")? as f64,
            int_attr(attrs, "decay_steps")? as f64,
        ))],
        GraphOp::ClipCoef => {
            let norm = x.data[0].sqrt();
            vec![Tensor::scalar((float_attr(attrs, "max_norm")? / (norm + 1e-6)).min(1.0))]
        }
        GraphOp::AdamwUpdate => {
            let (g, m, v) = (inputs[1], inputs[2], inputs[3]);
            let (lr, step) = (inputs[4].data[0], inputs[5].data[0]);
            let (b1, b2) = (float_attr(attrs, "beta1")?, float_attr(attrs, "beta2")?);
            let (eps, wd) = (float_attr(attrs, "eps")?, float_attr(attrs, "weight_decay")?);
            let (c1, c2) = (1.0 - b1.powf(step), 1.0 - b2.powf(step));
            let (mut p2, mut m2, mut v2) = (x.clone(), m.clone(), v.clone());
            for i in 0..x.data.len() {
                m2.data[i] = b1 * m.data[i] + (1.0 - b1) * g.data[i];
                v2.data[i] = b2 * v.data[i] + (1.0 - b2) * g.data[i] * g.data[i];
                let decayed = x.data[i] * (1.0 - lr * wd);
                p2.data[i] = decayed - lr * (m2.data[i] / c1) / ((v2.data[i] / c2).sqrt() + eps);
            }
            vec![p2, m2, v2]
        }
        GraphOp::SgdUpdate => {
            let (g, buf, lr) = (inputs[1], inputs[2], inputs[3].data[0]);
            let (momentum, wd) = (float_attr(attrs, "momentum")?, float_attr(attrs, "weight_decay")?);
            let (mut p2, mut b2) = (x.clone(), buf.clone());
            for i in 0..x.data.len() {
                let d = g.data[i] + wd * x.data[i];
                b2.data[i] = momentum * buf.data[i] + d;
                p2.data[i] = x.data[i] - lr * b2.data[i];
            }
            vec![p2, b2]
        }
    };

    if results.len() != result_types.len() {
        return Err(format!("computed {} results, but the op has {} result types", results.len(), result_types.len()));
    }
    for (i, (t, ty)) in results.iter().zip(result_types).enumerate() {
        if t.shape != ty.as_tensor().shape {
            return Err(format!("result {i} was computed with shape {}, but its type is {ty}", shape_str(&t.shape)));
        }
    }
    Ok(results)
}

fn float_attr(attrs: &AttrMap, name: &str) -> Result<f64, String> {
    attrs.float(name).ok_or_else(|| format!("missing float attribute '{name}'"))
}

fn int_attr(attrs: &AttrMap, name: &str) -> Result<i64, String> {
    attrs.int(name).ok_or_else(|| format!("missing integer attribute '{name}'"))
}

fn ints_attr<'a>(attrs: &'a AttrMap, name: &str) -> Result<&'a [i64], String> {
    attrs.ints(name).ok_or_else(|| format!("missing integer array attribute '{name}'"))
}

/// The last dim of `x`, or an error for a scalar.
fn last_dim(x: &Tensor, what: &str) -> Result<usize, String> {
    x.shape.last().copied().ok_or_else(|| format!("{what} must have rank at least 1, found a scalar"))
}

/// Reads an integer index (token id or label) and checks it lies in `[0, bound)`.
fn index_in(value: f64, bound: usize, what: &str, position: usize) -> Result<usize, String> {
    if value.fract() != 0.0 || value < 0.0 || value >= bound as f64 {
        return Err(format!("{what} {value} at position {position} is outside [0, {bound})"));
    }
    Ok(value as usize)
}

fn map(x: &Tensor, f: impl Fn(f64) -> f64) -> Tensor {
    Tensor { shape: x.shape.clone(), data: x.data.iter().map(|&v| f(v)).collect() }
}

/// GELU in its tanh form, as GPT-2 uses it.
fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
}

/// `f(a, b)` elementwise with NumPy broadcasting.
fn elementwise(a: &Tensor, b: &Tensor, f: impl Fn(f64, f64) -> Result<f64, String>) -> Result<Tensor, String> {
    let shape = broadcast_shapes(&a.shape, &b.shape)?;
    let read_a = gather_offsets(&shape, &broadcast_strides(&a.shape, &shape));
    let read_b = gather_offsets(&shape, &broadcast_strides(&b.shape, &shape));
    let mut data = Vec::with_capacity(read_a.len());
    for (&i, &j) in read_a.iter().zip(&read_b) {
        data.push(f(a.data[i], b.data[j])?);
    }
    Ok(Tensor { shape, data })
}

/// `table[ids]`: one row of the table per id.
fn embedding(table: &Tensor, ids: &Tensor) -> Result<Tensor, String> {
    let [vocab, hidden] = table.shape[..] else {
        return Err(format!("embedding table must have rank 2 [vocab, hidden], found {}", shape_str(&table.shape)));
    };
    let mut shape = ids.shape.clone();
    shape.push(hidden);
    let mut data = Vec::with_capacity(ids.numel() * hidden);
    for (position, &id) in ids.data.iter().enumerate() {
        let row = index_in(id, vocab, "token id", position)?;
        data.extend_from_slice(&table.data[row * hidden..(row + 1) * hidden]);
    }
    Ok(Tensor { shape, data })
}

/// Batched matrix product; batch dims broadcast, and `transpose_*` swaps an operand's last two
/// dims before multiplying. Sums over the contraction dim in increasing order.
fn matmul(a: &Tensor, b: &Tensor, transpose_a: bool, transpose_b: bool) -> Result<Tensor, String> {
    if a.rank() < 2 || b.rank() < 2 {
        return Err(format!(
            "matmul operands must have rank at least 2, found {} and {}",
            shape_str(&a.shape),
            shape_str(&b.shape)
        ));
    }
    let (a_rows, a_cols) = (a.shape[a.rank() - 2], a.shape[a.rank() - 1]);
    let (b_rows, b_cols) = (b.shape[b.rank() - 2], b.shape[b.rank() - 1]);
    // Logical A[m][k] and B[k][n] as strides into the stored (row-major) matrices.
    let (m, k, a_m_stride, a_k_stride) =
        if transpose_a { (a_cols, a_rows, 1, a_cols) } else { (a_rows, a_cols, a_cols, 1) };
    let (k2, n, b_k_stride, b_n_stride) =
        if transpose_b { (b_cols, b_rows, 1, b_cols) } else { (b_rows, b_cols, b_cols, 1) };
    if k != k2 {
        return Err(format!(
            "contraction dims differ: {} is {m}x{k} and {} is {k2}x{n} after transposes",
            shape_str(&a.shape),
            shape_str(&b.shape)
        ));
    }
    let (a_batch, b_batch) = (&a.shape[..a.rank() - 2], &b.shape[..b.rank() - 2]);
    let batch = broadcast_shapes(a_batch, b_batch)?;
    // Where each matrix of the batch starts, and where each element of the logical A[m][k] and
    // B[k][n] lies inside its stored matrix.
    let a_starts = gather_offsets(&batch, &broadcast_strides(a_batch, &batch));
    let b_starts = gather_offsets(&batch, &broadcast_strides(b_batch, &batch));
    let a_elements = gather_offsets(&[m, k], &[a_m_stride, a_k_stride]);
    let b_elements = gather_offsets(&[k, n], &[b_k_stride, b_n_stride]);
    let mut data = Vec::with_capacity(a_starts.len() * m * n);
    for (&a_start, &b_start) in a_starts.iter().zip(&b_starts) {
        let a_mat: Vec<f64> = a_elements.iter().map(|&e| a.data[a_start * a_rows * a_cols + e]).collect();
        let b_mat: Vec<f64> = b_elements.iter().map(|&e| b.data[b_start * b_rows * b_cols + e]).collect();
        // out[i][j] = Σ_l A[i][l] · B[l][j], summed in increasing l: row i of the result
        // accumulates A[i][l] times row l of B. This loop order and the `while` (a range costs a
        // call per step without optimization) only make debug builds several times faster.
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            let out_row = &mut out[i * n..(i + 1) * n];
            for l in 0..k {
                let a_il = a_mat[i * k + l];
                let b_row = &b_mat[l * n..(l + 1) * n];
                let mut j = 0;
                while j < n {
                    out_row[j] += a_il * b_row[j];
                    j += 1;
                }
            }
        }
        data.extend(out);
    }
    let mut shape = batch;
    shape.extend([m, n]);
    Ok(Tensor { shape, data })
}

/// Softmax over the last dim, shifted by the row maximum. With `causal`, in the last two dims
/// `[queries, keys]` entry `(i, j)` is masked (exactly 0) when `j > i + (keys - queries)`.
fn softmax(x: &Tensor, causal: bool) -> Result<Tensor, String> {
    let keys = last_dim(x, "softmax input")?;
    let queries = if causal {
        if x.rank() < 2 {
            return Err("causal softmax needs rank at least 2 ([.., queries, keys])".into());
        }
        let q = x.shape[x.rank() - 2];
        if q > keys {
            return Err(format!("causal softmax needs queries <= keys, found {q} queries and {keys} keys"));
        }
        q
    } else {
        1
    };
    let mut data = vec![0.0; x.numel()];
    for (row, (xs, out)) in x.data.chunks(keys.max(1)).zip(data.chunks_mut(keys.max(1))).enumerate() {
        // Keys 0..visible are attended; the rest stay 0.
        let visible = if causal { row % queries + 1 + (keys - queries) } else { keys };
        let max = xs[..visible].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for j in 0..visible {
            out[j] = (xs[j] - max).exp();
            sum += out[j];
        }
        for v in &mut out[..visible] {
            *v /= sum;
        }
    }
    Ok(Tensor { shape: x.shape.clone(), data })
}

/// LayerNorm (`bias` given): `(x - mean) / sqrt(var + eps) · w + b` with the biased variance;
/// RMSNorm (`bias` absent): `x / sqrt(mean(x²) + eps) · w`. Both over the last dim.
fn normalize(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, eps: f64) -> Result<Tensor, String> {
    let h = last_dim(x, "normalization input")?;
    for (t, what) in [(Some(weight), "weight"), (bias, "bias")] {
        if let Some(t) = t {
            if t.shape != [h] {
                return Err(format!(
                    "normalization {what} must have shape [{h}] (the last dim of {}), found {}",
                    shape_str(&x.shape),
                    shape_str(&t.shape)
                ));
            }
        }
    }
    let mut data = Vec::with_capacity(x.numel());
    for row in x.data.chunks(h.max(1)) {
        let hf = h as f64;
        match bias {
            Some(bias) => {
                let mean = row.iter().sum::<f64>() / hf;
                let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / hf;
                let inv = 1.0 / (var + eps).sqrt();
                data.extend(row.iter().enumerate().map(|(i, v)| (v - mean) * inv * weight.data[i] + bias.data[i]));
            }
            None => {
                let mean_square = row.iter().map(|v| v * v).sum::<f64>() / hf;
                let inv = 1.0 / (mean_square + eps).sqrt();
                data.extend(row.iter().enumerate().map(|(i, v)| v * inv * weight.data[i]));
            }
        }
    }
    Ok(Tensor { shape: x.shape.clone(), data })
}

/// Rotary embedding of `x[..., S, heads, D]` in the rotate-half layout: at position `p` (the index
/// along dim rank-3) pair `(i, i + D/2)` rotates by angle `p · theta^(-2i/D)` (its negative when
/// `inverse`, which undoes the rotation).
fn rope(x: &Tensor, theta: f64, inverse: bool) -> Result<Tensor, String> {
    let sign = if inverse { -1.0 } else { 1.0 };
    if x.rank() < 3 {
        return Err(format!("rope input must be [.., seq, heads, head_dim], found {}", shape_str(&x.shape)));
    }
    let (seq, heads, d) = (x.shape[x.rank() - 3], x.shape[x.rank() - 2], x.shape[x.rank() - 1]);
    if d % 2 != 0 {
        return Err(format!("rope head_dim must be even, found {d}"));
    }
    let half = d / 2;
    let outer = x.shape[..x.rank() - 3].iter().product::<usize>();
    let mut data = x.data.clone();
    for o in 0..outer {
        for p in 0..seq {
            for h in 0..heads {
                let base = ((o * seq + p) * heads + h) * d;
                for i in 0..half {
                    let angle = sign * p as f64 * theta.powf(-2.0 * i as f64 / d as f64);
                    let (sin, cos) = angle.sin_cos();
                    let (x1, x2) = (x.data[base + i], x.data[base + i + half]);
                    data[base + i] = x1 * cos - x2 * sin;
                    data[base + i + half] = x2 * cos + x1 * sin;
                }
            }
        }
    }
    Ok(Tensor { shape: x.shape.clone(), data })
}

/// Result dim `i` is operand dim `perm[i]`.
fn transpose(x: &Tensor, perm: &[i64]) -> Result<Tensor, String> {
    let rank = x.rank();
    let mut seen = vec![false; rank];
    for &p in perm {
        if p < 0 || p as usize >= rank || seen[p as usize] {
            return Err(format!("perm {perm:?} is not a permutation of 0..{rank}"));
        }
        seen[p as usize] = true;
    }
    if perm.len() != rank {
        return Err(format!("perm {perm:?} is not a permutation of 0..{rank}"));
    }
    let strides = x.strides();
    // Reading result index `o` means reading operand index `o[i]` in dim `perm[i]`.
    let read_strides: Vec<usize> = perm.iter().map(|&p| strides[p as usize]).collect();
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p as usize]).collect();
    let data = gather_offsets(&shape, &read_strides).into_iter().map(|i| x.data[i]).collect();
    Ok(Tensor { shape, data })
}

/// `(outer, size, inner)`: the products of the dims before, at and after `axis`.
fn around_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

fn split(x: &Tensor, axis: i64, sizes: &[i64]) -> Result<Vec<Tensor>, String> {
    let axis = normalize_axis(axis, x.rank())?;
    let (outer, total, inner) = around_axis(&x.shape, axis);
    if sizes.iter().any(|&s| s < 0) || sizes.iter().sum::<i64>() != total as i64 {
        return Err(format!("split sizes {sizes:?} do not add up to dim {axis} of size {total}"));
    }
    let mut results = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for &size in sizes {
        let size = size as usize;
        let mut data = Vec::with_capacity(outer * size * inner);
        for o in 0..outer {
            let from = (o * total + start) * inner;
            data.extend_from_slice(&x.data[from..from + size * inner]);
        }
        let mut shape = x.shape.clone();
        shape[axis] = size;
        results.push(Tensor { shape, data });
        start += size;
    }
    Ok(results)
}

fn concat(xs: &[&Tensor], axis: i64) -> Result<Tensor, String> {
    let first = xs[0];
    let axis = normalize_axis(axis, first.rank())?;
    let mut shape = first.shape.clone();
    shape[axis] = 0;
    for (i, x) in xs.iter().enumerate() {
        let fits = x.rank() == first.rank() && (0..x.rank()).all(|d| d == axis || x.shape[d] == first.shape[d]);
        if !fits {
            return Err(format!(
                "concat operand {i} has shape {}, which differs from {} outside axis {axis}",
                shape_str(&x.shape),
                shape_str(&first.shape)
            ));
        }
        shape[axis] += x.shape[axis];
    }
    let (outer, _, inner) = around_axis(&first.shape, axis);
    let mut data = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for x in xs {
            let chunk = x.shape[axis] * inner;
            data.extend_from_slice(&x.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Ok(Tensor { shape, data })
}

/// Sum, mean or maximum over `axes`. Elements are accumulated in row-major order. The maximum
/// propagates NaN, as PyTorch's does.
fn reduce(kind: GraphOp, x: &Tensor, axes: &[i64], keepdim: bool) -> Result<Tensor, String> {
    let mut reduced = vec![false; x.rank()];
    for &a in axes {
        let d = normalize_axis(a, x.rank())?;
        if reduced[d] {
            return Err(format!("axes {axes:?} name dim {d} twice"));
        }
        reduced[d] = true;
    }
    // Accumulate into a tensor that keeps every dim, with size 1 on the reduced ones.
    let kept: Vec<usize> = (0..x.rank()).map(|d| if reduced[d] { 1 } else { x.shape[d] }).collect();
    let count: usize = (0..x.rank()).filter(|&d| reduced[d]).map(|d| x.shape[d]).product();
    if kind == GraphOp::ReduceMax && count == 0 {
        return Err(format!("reduce_max over an empty dim of {}", shape_str(&x.shape)));
    }
    // Element i of x goes into slot writes[i] of the accumulator.
    let writes = gather_offsets(&x.shape, &broadcast_strides(&kept, &x.shape));
    let init = if kind == GraphOp::ReduceMax { f64::NEG_INFINITY } else { 0.0 };
    let mut acc = vec![init; kept.iter().product()];
    for (&v, &w) in x.data.iter().zip(&writes) {
        let slot = &mut acc[w];
        if kind == GraphOp::ReduceMax {
            if v > *slot || v.is_nan() {
                *slot = v;
            }
        } else {
            *slot += v;
        }
    }
    if kind == GraphOp::ReduceMean {
        for v in &mut acc {
            *v /= count as f64;
        }
    }
    let shape = if keepdim { kept } else { (0..x.rank()).filter(|&d| !reduced[d]).map(|d| x.shape[d]).collect() };
    Ok(Tensor { shape, data: acc })
}

/// Per-token `logsumexp(logits) - logits[label]`, computed as PyTorch's `log_softmax` does: both
/// terms shifted by the row maximum `m`, `ln Σ exp(x - m) - (x[label] - m)`, so that adding and
/// removing a large `m` loses nothing.
fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor, String> {
    let vocab = last_dim(logits, "cross_entropy logits")?;
    if labels.shape[..] != logits.shape[..logits.rank() - 1] {
        return Err(format!(
            "cross_entropy labels {} must match the logits {} without their last (vocab) dim",
            shape_str(&labels.shape),
            shape_str(&logits.shape)
        ));
    }
    let mut data = Vec::with_capacity(labels.numel());
    for (position, &label) in labels.data.iter().enumerate() {
        let label = index_in(label, vocab, "label", position)?;
        let row = &logits.data[position * vocab..(position + 1) * vocab];
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let shifted_log_sum_exp = row.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        data.push(shifted_log_sum_exp - (row[label] - max));
    }
    Ok(Tensor { shape: labels.shape.clone(), data })
}

/// d/dx of the tanh-form GELU `0.5·x·(1 + tanh(u))`, `u = c·(x + 0.044715·x³)`, `c = √(2/π)`.
fn gelu_derivative(x: f64) -> f64 {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    let t = (c * (x + 0.044715 * x * x * x)).tanh();
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * x * x)
}

/// Row `r` of the result is the sum of the rows of `dy` at the positions where `ids == r`.
fn embedding_grad(ids: &Tensor, dy: &Tensor, vocab: i64) -> Result<Tensor, String> {
    let vocab = usize::try_from(vocab).map_err(|_| format!("vocab {vocab} is negative"))?;
    let h = last_dim(dy, "embedding_grad dy")?;
    let mut data = vec![0.0; vocab * h];
    for (position, &id) in ids.data.iter().enumerate() {
        let row = index_in(id, vocab, "id", position)?;
        for j in 0..h {
            data[row * h + j] += dy.data[position * h + j];
        }
    }
    Ok(Tensor { shape: vec![vocab, h], data })
}

/// The positions of the `k` largest entries of each row of the last dim, largest first; of equal
/// entries the one at the lower position first (a later entry must be strictly larger to win).
fn top_k(x: &Tensor, k: i64) -> Result<Tensor, String> {
    let n = last_dim(x, "top_k input")?;
    if k < 1 || k as usize > n {
        return Err(format!("top_k needs 1 <= k <= {n}, found k = {k}"));
    }
    let k = k as usize;
    let mut shape = x.shape.clone();
    shape[x.rank() - 1] = k;
    let mut data = Vec::with_capacity(x.numel() / n * k);
    for row in x.data.chunks(n) {
        let mut taken = vec![false; n];
        for _ in 0..k {
            let mut best = taken.iter().position(|&t| !t).unwrap_or(0);
            for i in best + 1..n {
                if !taken[i] && row[i] > row[best] {
                    best = i;
                }
            }
            taken[best] = true;
            data.push(best as f64);
        }
    }
    Ok(Tensor { shape, data })
}

/// 1 at each id's class, 0 elsewhere.
fn one_hot(ids: &Tensor, classes: i64) -> Result<Tensor, String> {
    let classes = usize::try_from(classes).map_err(|_| format!("classes {classes} is negative"))?;
    let mut shape = ids.shape.clone();
    shape.push(classes);
    let mut data = vec![0.0; ids.numel() * classes];
    for (position, &id) in ids.data.iter().enumerate() {
        let class = index_in(id, classes, "id", position)?;
        data[position * classes + class] = 1.0;
    }
    Ok(Tensor { shape, data })
}

/// For every (token, choice) pair of `ids[T, k]`, its (expert, row) in the `[experts, groups ·
/// capacity, H]` buffer, or `None` when it is past its expert's capacity in its group. Pairs take
/// slots in token order, then choice order, within each group of `T / groups` tokens.
fn moe_slots(
    ids: &Tensor,
    experts: usize,
    capacity: usize,
    groups: usize,
) -> Result<Vec<Option<(usize, usize)>>, String> {
    let [tokens, k] = ids.shape[..] else {
        return Err(format!("the experts must be [tokens, k], found {}", shape_str(&ids.shape)));
    };
    if groups == 0 || tokens % groups != 0 {
        return Err(format!("{tokens} tokens do not split into {groups} equal groups"));
    }
    let per_group = tokens / groups;
    let mut slots = Vec::with_capacity(tokens * k);
    let mut used = vec![0usize; experts];
    for t in 0..tokens {
        if t % per_group == 0 {
            used.iter_mut().for_each(|u| *u = 0);
        }
        let group = t / per_group;
        for j in 0..k {
            let e = index_in(ids.data[t * k + j], experts, "expert", t * k + j)?;
            let slot = used[e];
            used[e] += 1;
            slots.push((slot < capacity).then_some((e, group * capacity + slot)));
        }
    }
    Ok(slots)
}

/// The experts (the attribute, or the buffer's dim 0 when given), capacity and groups of a MoE
/// op, each at least 1, with `capacity · groups` representable.
fn moe_sizes(attrs: &AttrMap, experts: Option<usize>) -> Result<(usize, usize, usize), String> {
    let positive = |name: &str| -> Result<usize, String> {
        let v = int_attr(attrs, name)?;
        usize::try_from(v).ok().filter(|&v| v >= 1).ok_or_else(|| format!("{name} = {v} must be positive"))
    };
    let experts = match experts {
        Some(e) => e,
        None => positive("experts")?,
    };
    let (capacity, groups) = (positive("capacity")?, positive("groups")?);
    capacity.checked_mul(groups).ok_or_else(|| format!("capacity {capacity} · groups {groups} overflows"))?;
    Ok((experts, capacity, groups))
}

/// `buf[e, row] = x[t, j]` for every kept pair (its slot) of a `[experts, rows, H]` buffer, 0
/// elsewhere.
fn moe_scatter(x: &Tensor, slots: &[Option<(usize, usize)>], experts: usize, rows: usize) -> Tensor {
    let h = x.shape[2];
    let mut data = vec![0.0; experts * rows * h];
    for (pair, slot) in slots.iter().enumerate() {
        if let Some((e, row)) = *slot {
            let to = (e * rows + row) * h;
            data[to..to + h].copy_from_slice(&x.data[pair * h..(pair + 1) * h]);
        }
    }
    Tensor { shape: vec![experts, rows, h], data }
}

/// `y[t, j] = buf[e, row]` for every kept pair, 0 for a dropped one.
fn moe_gather(buf: &Tensor, slots: &[Option<(usize, usize)>], mut shape: Vec<usize>) -> Result<Tensor, String> {
    let [_, rows, h] = buf.shape[..] else {
        return Err(format!("the buffer must be [experts, rows, hidden], found {}", shape_str(&buf.shape)));
    };
    shape.push(h);
    let mut data = vec![0.0; slots.len() * h];
    for (pair, slot) in slots.iter().enumerate() {
        if let Some((e, row)) = *slot {
            let from = (e * rows + row) * h;
            data[pair * h..(pair + 1) * h].copy_from_slice(&buf.data[from..from + h]);
        }
    }
    Ok(Tensor { shape, data })
}

/// `y · (dy − Σ dy·y)` over the last dim.
fn softmax_grad(y: &Tensor, dy: &Tensor) -> Result<Tensor, String> {
    let n = last_dim(y, "softmax_grad y")?.max(1);
    let mut data = Vec::with_capacity(y.numel());
    for (ys, ds) in y.data.chunks(n).zip(dy.data.chunks(n)) {
        let dot: f64 = ys.iter().zip(ds).map(|(a, b)| a * b).sum();
        data.extend(ys.iter().zip(ds).map(|(a, b)| a * (b - dot)));
    }
    Ok(Tensor { shape: y.shape.clone(), data })
}

/// Gradients of LayerNorm (`layer`) or RMSNorm with respect to the input, the weight and (for
/// LayerNorm) the bias. With `x̂` the normalized row, `r` the inverse standard deviation (or RMS)
/// and `g = dy · w`: LayerNorm `dx = r·(g − mean(g) − x̂·mean(g·x̂))`, RMSNorm
/// `dx = r·(g − x̂·mean(g·x̂))`; `dw = Σ dy·x̂`, `db = Σ dy` over all rows.
fn normalize_grad(x: &Tensor, w: &Tensor, dy: &Tensor, eps: f64, layer: bool) -> Result<Vec<Tensor>, String> {
    let h = last_dim(x, "normalization input")?.max(1);
    let hf = h as f64;
    let mut dx = Vec::with_capacity(x.numel());
    let (mut dw, mut db) = (vec![0.0; h], vec![0.0; h]);
    for (row, drow) in x.data.chunks(h).zip(dy.data.chunks(h)) {
        let mean = if layer { row.iter().sum::<f64>() / hf } else { 0.0 };
        let second = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / hf;
        let r = 1.0 / (second + eps).sqrt();
        let xhat: Vec<f64> = row.iter().map(|v| (v - mean) * r).collect();
        let g: Vec<f64> = (0..h).map(|i| drow[i] * w.data[i]).collect();
        let g_mean = if layer { g.iter().sum::<f64>() / hf } else { 0.0 };
        let gx_mean = (0..h).map(|i| g[i] * xhat[i]).sum::<f64>() / hf;
        dx.extend((0..h).map(|i| r * (g[i] - g_mean - xhat[i] * gx_mean)));
        for i in 0..h {
            dw[i] += drow[i] * xhat[i];
            db[i] += drow[i];
        }
    }
    let mut out = vec![Tensor { shape: x.shape.clone(), data: dx }, Tensor { shape: w.shape.clone(), data: dw }];
    if layer {
        out.push(Tensor { shape: w.shape.clone(), data: db });
    }
    Ok(out)
}

/// `(softmax(logits) − onehot(label)) · dy` per position.
fn cross_entropy_grad(logits: &Tensor, labels: &Tensor, dy: &Tensor) -> Result<Tensor, String> {
    let vocab = last_dim(logits, "cross_entropy_grad logits")?;
    let mut data = Vec::with_capacity(logits.numel());
    for (position, &label) in labels.data.iter().enumerate() {
        let label = index_in(label, vocab, "label", position)?;
        let row = &logits.data[position * vocab..(position + 1) * vocab];
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = row.iter().map(|v| (v - max).exp()).sum();
        let d = dy.data[position];
        data.extend(row.iter().enumerate().map(|(j, v)| ((v - max).exp() / sum - f64::from(u8::from(j == label))) * d));
    }
    Ok(Tensor { shape: logits.shape.clone(), data })
}

/// `dy` of each reduced slot goes to the elements of `x` equal to the slot's maximum `y`, split
/// equally among ties.
fn reduce_max_grad(x: &Tensor, y: &Tensor, dy: &Tensor, axes: &[i64]) -> Result<Tensor, String> {
    let mut reduced = vec![false; x.rank()];
    for &a in axes {
        reduced[normalize_axis(a, x.rank())?] = true;
    }
    let kept: Vec<usize> = (0..x.rank()).map(|d| if reduced[d] { 1 } else { x.shape[d] }).collect();
    // Dropping size-1 dims does not change the row-major order, so `y` and `dy` index like `kept`.
    let slots = gather_offsets(&x.shape, &broadcast_strides(&kept, &x.shape));
    let mut ties = vec![0usize; y.numel()];
    for (&v, &w) in x.data.iter().zip(&slots) {
        ties[w] += usize::from(v == y.data[w]);
    }
    let data = x
        .data
        .iter()
        .zip(&slots)
        .map(|(&v, &w)| if v == y.data[w] { dy.data[w] / ties[w] as f64 } else { 0.0 })
        .collect();
    Ok(Tensor { shape: x.shape.clone(), data })
}

/// The learning rate at 1-based `step` (see `GraphOp::LrSchedule`).
fn lr_at(step: f64, kind: &str, lr: f64, min_lr: f64, warmup: f64, decay: f64) -> f64 {
    if step <= warmup {
        return lr * step / warmup;
    }
    if kind == "constant" {
        return lr;
    }
    let progress = ((step - warmup) / (decay - warmup)).min(1.0);
    min_lr + (lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// The value `x` takes when stored as `dtype`. Floats round to nearest, ties to even; as
/// PyTorch's conversions from f64 do, `x` is first rounded to f32 on the way to bf16 or f16 (a value that is already an f32,
/// as every operand of a real cast is, is rounded once). Integers truncate toward zero, and a
/// value that does not fit is an error rather than the hardware's saturation or wrap-around.
fn cast_value(x: f64, dtype: DType) -> Result<f64, String> {
    match dtype {
        DType::F32 => Ok(x as f32 as f64),
        DType::BF16 => Ok(round_to_bf16(x as f32) as f64),
        DType::F16 => Ok(round_to_format(x as f32 as f64, 10, -14, F16_MAX)),
        DType::I32 | DType::I64 => {
            let t = x.trunc();
            let (lo, hi) = if dtype == DType::I32 {
                (i32::MIN as f64, i32::MAX as f64)
            } else {
                // 2^63 is not an i64; every f64 below it that truncates to an integer is.
                (-(2f64.powi(63)), 2f64.powi(63) - 1024.0)
            };
            if !(lo..=hi).contains(&t) {
                return Err(format!("{x} does not fit in {dtype}"));
            }
            // Adding 0 turns -0 (from -0.5, say) into the integer 0.
            Ok(t + 0.0)
        }
    }
}

/// The largest finite f16, `(2 - 2^-10) · 2^15`.
const F16_MAX: f64 = 65504.0;

/// Rounds an f32 to bf16 (its upper 16 bits), nearest with ties to even, on the bit pattern:
/// add `0x7fff` plus the lowest kept bit, then drop the low 16 bits. A carry out of the mantissa
/// bumps the exponent, which is the correct rounding (and turns values past the largest bf16 into
/// infinity). NaN is returned as is, because the carry could otherwise turn it into infinity.
fn round_to_bf16(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let bits = x.to_bits();
    let lowest_kept = (bits >> 16) & 1;
    f32::from_bits(bits.wrapping_add(0x7fff + lowest_kept) & 0xffff_0000)
}

/// Rounds `x` to the nearest value, ties to even, of a binary float format with `mantissa_bits`
/// fraction bits, smallest normal exponent `min_exp` and largest finite value `max_finite`
/// (subnormals included, overflow to infinity as in IEEE 754). Exact: the value is scaled by a
/// power of two so that the format's spacing at `x` becomes 1, rounded to an integer, and scaled
/// back, and none of these steps rounds in f64.
fn round_to_format(x: f64, mantissa_bits: i32, min_exp: i32, max_finite: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    // floor(log2 |x|) from the f64 exponent field; f64 subnormals land far below `min_exp`.
    let exp = (((x.to_bits() >> 52) & 0x7ff) as i32 - 1023).max(min_exp);
    let spacing = 2f64.powi(exp - mantissa_bits);
    let rounded = (x / spacing).round_ties_even() * spacing;
    if rounded.abs() > max_finite {
        f64::INFINITY.copysign(x)
    } else {
        rounded
    }
}

/// `cross_entropy_stats` (sumexp, target) or `cross_entropy_grad_stats` at offset 0.
fn cross_entropy_stats(kind: GraphOp, inputs: &[&Tensor], vocab: i64) -> Result<Vec<Tensor>, String> {
    let (logits, labels, max) = (inputs[0], inputs[1], inputs[2]);
    let v = *logits.shape.last().ok_or("logits must have a vocab dim")?;
    let valid = v.min(vocab.max(0) as usize);
    let rows = labels.data.len();
    let mut sumexp = vec![0.0; rows];
    let mut target = vec![0.0; rows];
    let mut grad = vec![0.0; logits.data.len()];
    for r in 0..rows {
        let row = &logits.data[r * v..(r + 1) * v];
        let label = labels.data[r];
        let s: f64 = row[..valid].iter().map(|l| (l - max.data[r]).exp()).sum();
        sumexp[r] = s;
        if label >= 0.0 && (label as usize) < valid {
            target[r] = row[label as usize];
        }
        if kind == GraphOp::CrossEntropyGradStats {
            let (total, dy) = (inputs[3].data[r], inputs[4].data[r]);
            for j in 0..valid {
                let onehot = if label as usize == j { 1.0 } else { 0.0 };
                grad[r * v + j] = ((row[j] - max.data[r]).exp() / total - onehot) * dy;
            }
        }
    }
    Ok(if kind == GraphOp::CrossEntropyStats {
        vec![Tensor { data: sumexp, shape: labels.shape.clone() }, Tensor { data: target, shape: labels.shape.clone() }]
    } else {
        vec![Tensor { data: grad, shape: logits.shape.clone() }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Attr;
    use crate::builder::Builder;
    use crate::graph::infer_types;
    use crate::verifier::verify_function;

    fn t(shape: &[usize], data: &[f64]) -> Tensor {
        Tensor::new(shape.to_vec(), data.to_vec()).unwrap()
    }

    #[test]
    fn cross_entropy_from_stats_equals_cross_entropy() {
        // Two tokens over a vocabulary of 5; any max works (it only stabilizes the exponentials).
        let logits = t(&[2, 5], &[0.5, -1.0, 2.0, 0.25, 1.5, 3.0, 0.0, -2.0, 1.0, 0.5]);
        let labels = t(&[2], &[3.0, 0.0]);
        let max = t(&[2], &[2.0, 2.5]);
        let dy = t(&[2], &[0.75, -0.5]);
        let vocab = 5;
        let stats = cross_entropy_stats(GraphOp::CrossEntropyStats, &[&logits, &labels, &max], vocab).unwrap();
        let loss: Vec<f64> = (0..2).map(|r| stats[0].data[r].ln() + max.data[r] - stats[1].data[r]).collect();
        let want = cross_entropy(&logits, &labels).unwrap();
        for (a, b) in loss.iter().zip(&want.data) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let grad =
            cross_entropy_stats(GraphOp::CrossEntropyGradStats, &[&logits, &labels, &max, &stats[0], &dy], vocab)
                .unwrap();
        let want = cross_entropy_grad(&logits, &labels, &dy).unwrap();
        for (a, b) in grad[0].data.iter().zip(&want.data) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // Columns at or past `vocab` (padding of a vocabulary shard) count for nothing.
        let short = cross_entropy_stats(GraphOp::CrossEntropyStats, &[&logits, &labels, &max], 4).unwrap();
        assert!(short[0].data[0] < stats[0].data[0]);
    }

    /// Evaluates one op on float (`f32`) operands, with result types from shape inference.
    fn eval(kind: GraphOp, inputs: &[&Tensor], attrs: &AttrMap) -> Result<Vec<Tensor>, String> {
        let dtypes: Vec<DType> = inputs.iter().map(|_| DType::F32).collect();
        eval_typed(kind, inputs, &dtypes, attrs)
    }

    fn eval_typed(kind: GraphOp, inputs: &[&Tensor], dtypes: &[DType], attrs: &AttrMap) -> Result<Vec<Tensor>, String> {
        let types: Vec<Type> = inputs.iter().zip(dtypes).map(|(x, &d)| Type::tensor(x.shape.clone(), d)).collect();
        let type_refs: Vec<&Type> = types.iter().collect();
        let result_types = infer_types(kind, &type_refs, attrs)?;
        eval_op(kind, inputs, attrs, &result_types)
    }

    fn eval1(kind: GraphOp, inputs: &[&Tensor], attrs: &AttrMap) -> Tensor {
        eval(kind, inputs, attrs).unwrap().remove(0)
    }

    fn assert_close(got: &Tensor, want: &Tensor, tol: f64) {
        assert_eq!(got.shape, want.shape);
        for (i, (g, w)) in got.data.iter().zip(&want.data).enumerate() {
            assert!((g - w).abs() <= tol * (1.0 + w.abs()), "element {i}: got {g}, want {w}\n{got:?}");
        }
    }

    /// A deterministic, irregular fill (no RNG crate needed).
    fn fill(shape: &[usize], seed: f64) -> Tensor {
        let mut k = 0.0;
        Tensor::from_fn(shape.to_vec(), |_| {
            k += 1.0;
            ((k * 0.7548776662 + seed) * 12.9898).sin() * 1.5
        })
    }

    #[test]
    fn tensor_strides_offsets_and_length_check() {
        let x = Tensor::from_fn([2, 3, 4], |i| (i[0] * 100 + i[1] * 10 + i[2]) as f64);
        assert_eq!(x.strides(), vec![12, 4, 1]);
        assert_eq!(x.offset(&[1, 2, 3]), 23);
        assert_eq!(x.at(&[1, 2, 3]), 123.0);
        assert_eq!(x.data[5], 11.0);
        assert_eq!(Tensor::scalar(2.5).strides(), Vec::<usize>::new());
        let err = Tensor::new([2, 3], vec![0.0; 5]).unwrap_err();
        assert_eq!(err.to_string(), "a tensor of shape [2, 3] has 6 elements, but 5 values were given");
    }

    #[test]
    fn elementwise_ops_broadcast_like_numpy() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let row = t(&[3], &[10.0, 20.0, 30.0]);
        let col = t(&[2, 1], &[2.0, 4.0]);
        let e = AttrMap::new();
        assert_eq!(eval1(GraphOp::Add, &[&a, &row], &e).data, vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        assert_eq!(eval1(GraphOp::Sub, &[&row, &a], &e).data, vec![9.0, 18.0, 27.0, 6.0, 15.0, 24.0]);
        assert_eq!(eval1(GraphOp::Div, &[&a, &col], &e).data, vec![0.5, 1.0, 1.5, 1.0, 1.25, 1.5]);
        // [2, 1] x [1, 3] is an outer product.
        let outer = eval1(GraphOp::Mul, &[&col, &t(&[1, 3], &[1.0, 10.0, 100.0])], &e);
        assert_eq!(outer, t(&[2, 3], &[2.0, 20.0, 200.0, 4.0, 40.0, 400.0]));
        // A rank-4 broadcast against explicit loops.
        let x = fill(&[2, 1, 3, 4], 0.1);
        let y = fill(&[5, 1, 4], 0.2);
        let got = eval1(GraphOp::Mul, &[&x, &y], &e);
        let want = Tensor::from_fn([2, 5, 3, 4], |i| x.at(&[i[0], 0, i[2], i[3]]) * y.at(&[i[1], 0, i[3]]));
        assert_eq!(got, want);
        assert!(eval(GraphOp::Add, &[&a, &t(&[2], &[1.0, 2.0])], &e).is_err());
    }

    #[test]
    fn eval_op_checks_results_against_the_ir_types() {
        let x = t(&[2], &[1.0, 2.0]);
        let wrong = [Type::tensor([3], DType::F32)];
        let err = eval_op(GraphOp::Add, &[&x, &x], &AttrMap::new(), &wrong).unwrap_err();
        assert_eq!(err, "result 0 was computed with shape [2], but its type is tensor<3xf32>");
        let err = eval_op(GraphOp::Add, &[&x], &AttrMap::new(), &wrong).unwrap_err();
        assert_eq!(err, "expected 2 operands, got 1");
        let err = eval_op(GraphOp::Scale, &[&x], &AttrMap::new(), &wrong).unwrap_err();
        assert_eq!(err, "missing float attribute 'factor'");
    }

    #[test]
    fn integer_division_truncates_toward_zero() {
        let a = t(&[4], &[7.0, -7.0, 6.0, 1.0]);
        let b = t(&[4], &[2.0, 2.0, -4.0, 3.0]);
        let got = eval_typed(GraphOp::Div, &[&a, &b], &[DType::I32, DType::I32], &AttrMap::new()).unwrap();
        assert_eq!(got[0].data, vec![3.0, -3.0, -1.0, 0.0]);
        let zero = t(&[4], &[1.0, 0.0, 1.0, 1.0]);
        let err = eval_typed(GraphOp::Div, &[&a, &zero], &[DType::I64, DType::I64], &AttrMap::new()).unwrap_err();
        assert_eq!(err, "integer division of -7 by zero");
    }

    #[test]
    fn matmul_small_case_by_hand_and_transposes() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let b = t(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154].
        let want = t(&[2, 2], &[58.0, 64.0, 139.0, 154.0]);
        assert_eq!(eval1(GraphOp::Matmul, &[&a, &b], &AttrMap::new()), want);
        // The same product with both operands stored transposed.
        let at = t(&[3, 2], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let bt = t(&[2, 3], &[7.0, 9.0, 11.0, 8.0, 10.0, 12.0]);
        let ta = AttrMap::new().with("transpose_a", Attr::Bool(true));
        let tb = AttrMap::new().with("transpose_b", Attr::Bool(true));
        let both = ta.clone().with("transpose_b", Attr::Bool(true));
        assert_eq!(eval1(GraphOp::Matmul, &[&at, &b], &ta), want);
        assert_eq!(eval1(GraphOp::Matmul, &[&a, &bt], &tb), want);
        assert_eq!(eval1(GraphOp::Matmul, &[&at, &bt], &both), want);
    }

    #[test]
    fn matmul_broadcasts_batch_dims_like_grouped_query_attention() {
        // Queries [batch 1, kv_heads 2, group 3, seq 4, dim 5] against keys/values shared by the
        // group: [1, 2, 1, 5, 4] broadcasts over dim 2.
        let q = fill(&[1, 2, 3, 4, 5], 0.3);
        let kv = fill(&[1, 2, 1, 5, 4], 0.4);
        let got = eval1(GraphOp::Matmul, &[&q, &kv], &AttrMap::new());
        let want = Tensor::from_fn([1, 2, 3, 4, 4], |i| {
            (0..5).map(|k| q.at(&[i[0], i[1], i[2], i[3], k]) * kv.at(&[i[0], i[1], 0, k, i[4]])).sum()
        });
        assert_close(&got, &want, 1e-14);
        // q · kᵀ with keys stored [1, 2, 1, seq 6, dim 5].
        let k = fill(&[1, 2, 1, 6, 5], 0.5);
        let tb = AttrMap::new().with("transpose_b", Attr::Bool(true));
        let got = eval1(GraphOp::Matmul, &[&q, &k], &tb);
        let want = Tensor::from_fn([1, 2, 3, 4, 6], |i| {
            (0..5).map(|d| q.at(&[i[0], i[1], i[2], i[3], d]) * k.at(&[i[0], i[1], 0, i[4], d])).sum()
        });
        assert_close(&got, &want, 1e-14);
        // A rank-2 weight broadcasts against a rank-3 activation.
        let x = fill(&[2, 3, 4], 0.6);
        let w = fill(&[4, 2], 0.7);
        let got = eval1(GraphOp::Matmul, &[&x, &w], &AttrMap::new());
        let want = Tensor::from_fn([2, 3, 2], |i| (0..4).map(|k| x.at(&[i[0], i[1], k]) * w.at(&[k, i[2]])).sum());
        assert_close(&got, &want, 1e-14);
    }

    #[test]
    fn scale_gelu_and_silu_match_reference_values() {
        let x = t(&[4], &[1.0, -0.5, 2.0, 0.0]);
        let scaled = eval1(GraphOp::Scale, &[&x], &AttrMap::new().with("factor", Attr::Float(0.25)));
        assert_eq!(scaled.data, vec![0.25, -0.125, 0.5, 0.0]);
        // Values of the tanh-form GELU computed independently (Python's math module, f64).
        let gelu = eval1(GraphOp::Gelu, &[&x], &AttrMap::new());
        assert_close(&gelu, &t(&[4], &[0.8411919906082768, -0.15428599017485606, 1.954597694087775, 0.0]), 1e-15);
        let x = t(&[3], &[1.0, -2.0, 0.0]);
        let silu = eval1(GraphOp::Silu, &[&x], &AttrMap::new());
        assert_close(&silu, &t(&[3], &[0.7310585786300049, -0.2384058440442351, 0.0]), 1e-15);
    }

    #[test]
    fn softmax_by_hand_and_stable_for_large_inputs() {
        // exp of [0, ln 2, ln 3] is [1, 2, 3].
        let x = t(&[1, 3], &[0.0, 2f64.ln(), 3f64.ln()]);
        let want = t(&[1, 3], &[1.0 / 6.0, 1.0 / 3.0, 0.5]);
        assert_close(&eval1(GraphOp::Softmax, &[&x], &AttrMap::new()), &want, 1e-15);
        // Shifting by 1000 would overflow exp without the max subtraction.
        let shifted = map(&x, |v| v + 1000.0);
        assert_close(&eval1(GraphOp::Softmax, &[&shifted], &AttrMap::new()), &want, 1e-12);
    }

    #[test]
    fn causal_softmax_equals_explicitly_masked_matrix() {
        // 3 queries over 5 keys: the queries are the last 3 positions, so query i sees keys
        // 0..=i+2.
        let (b, q, k) = (2, 3, 5);
        let x = fill(&[b, q, k], 0.8);
        let got = eval1(GraphOp::Softmax, &[&x], &AttrMap::new().with("causal", Attr::Bool(true)));
        for bi in 0..b {
            for i in 0..q {
                // Build the masked row with -inf, then a plain softmax without any shift.
                let row: Vec<f64> =
                    (0..k).map(|j| if j > i + (k - q) { f64::NEG_INFINITY } else { x.at(&[bi, i, j]) }).collect();
                let sum: f64 = row.iter().map(|v| v.exp()).sum();
                for (j, masked_score) in row.iter().enumerate() {
                    let want = masked_score.exp() / sum;
                    let g = got.at(&[bi, i, j]);
                    if j > i + (k - q) {
                        assert_eq!(g, 0.0, "masked entry ({bi}, {i}, {j})");
                    } else {
                        assert!((g - want).abs() < 1e-15, "({bi}, {i}, {j}): {g} vs {want}");
                    }
                }
            }
        }
        // The first query of a square causal softmax sees only key 0.
        let square = fill(&[1, 4, 4], 0.9);
        let got = eval1(GraphOp::Softmax, &[&square], &AttrMap::new().with("causal", Attr::Unit));
        assert_eq!(&got.data[..4], &[1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn layer_norm_and_rms_norm_match_direct_formulas() {
        let x = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 6.0, 11.0]);
        let w = t(&[3], &[1.0, 2.0, -1.0]);
        let b = t(&[3], &[0.5, 0.0, 1.0]);
        let eps = 1e-5;
        let got = eval1(GraphOp::LayerNorm, &[&x, &w, &b], &AttrMap::new().with("eps", Attr::Float(eps)));
        // Row 0: mean 2, biased variance (1 + 0 + 1) / 3. Row 1: mean 7, variance (9 + 1 + 16) / 3.
        let (s0, s1) = ((2.0 / 3.0 + eps).sqrt(), (26.0 / 3.0 + eps).sqrt());
        let want =
            t(&[2, 3], &[-1.0 / s0 + 0.5, 0.0, -(1.0 / s0) + 1.0, -3.0 / s1 + 0.5, -2.0 / s1, -(4.0 / s1) + 1.0]);
        assert_close(&got, &want, 1e-15);

        let x = t(&[2, 2], &[3.0, 4.0, 1.0, -1.0]);
        let w = t(&[2], &[1.0, 0.5]);
        let got = eval1(GraphOp::RmsNorm, &[&x, &w], &AttrMap::new().with("eps", Attr::Float(eps)));
        // mean(x²) is 12.5 for [3, 4] and 1 for [1, -1].
        let (r0, r1) = ((12.5 + eps).sqrt(), (1.0 + eps).sqrt());
        assert_close(&got, &t(&[2, 2], &[3.0 / r0, 2.0 / r0, 1.0 / r1, -0.5 / r1]), 1e-15);
    }

    #[test]
    fn rope_rotates_halves_by_position() {
        // [batch 1, seq 2, heads 1, dim 4]: frequencies 10000^0 = 1 and 10000^(-2/4) = 0.01.
        let x = t(&[1, 2, 1, 4], &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0]);
        let got = eval1(GraphOp::Rope, &[&x], &AttrMap::new().with("theta", Attr::Float(10000.0)));
        let (c1, s1, c2, s2) = (1f64.cos(), 1f64.sin(), 0.01f64.cos(), 0.01f64.sin());
        let want = t(
            &[1, 2, 1, 4],
            &[1.0, 2.0, 3.0, 4.0, c1 - 3.0 * s1, 2.0 * c2 - 4.0 * s2, 3.0 * c1 + s1, 4.0 * c2 + 2.0 * s2],
        );
        assert_close(&got, &want, 1e-15);
    }

    #[test]
    fn rope_matches_hugging_face_rotate_half() {
        // HF: emb = cat(freqs, freqs); out = x·cos(emb) + rotate_half(x)·sin(emb), where
        // rotate_half(x) = cat(-x[D/2..], x[..D/2]) and freqs[p][i] = p / theta^(2i/D).
        let (batch, seq, heads, d, theta) = (2, 5, 3, 8, 500.0);
        let x = fill(&[batch, seq, heads, d], 1.1);
        let got = eval1(GraphOp::Rope, &[&x], &AttrMap::new().with("theta", Attr::Float(theta)));
        let want = Tensor::from_fn([batch, seq, heads, d], |i| {
            let (p, j) = (i[1] as f64, i[3]);
            let emb = p / f64::powf(theta, (2 * (j % (d / 2))) as f64 / d as f64);
            let rotated =
                if j < d / 2 { -x.at(&[i[0], i[1], i[2], j + d / 2]) } else { x.at(&[i[0], i[1], i[2], j - d / 2]) };
            x.at(i) * emb.cos() + rotated * emb.sin()
        });
        assert_close(&got, &want, 1e-14);
    }

    #[test]
    fn top_k_takes_the_largest_first_and_breaks_ties_by_position() {
        let x = t(&[2, 4], &[0.1, 0.7, 0.2, 0.7, 0.25, 0.25, 0.25, 0.25]);
        let attrs = AttrMap::new().with("k", Attr::Int(3));
        let got = eval1(GraphOp::TopK, &[&x], &attrs);
        assert_eq!(got, t(&[2, 3], &[1.0, 3.0, 2.0, 0.0, 1.0, 2.0]));
        let err = eval(GraphOp::TopK, &[&x], &AttrMap::new().with("k", Attr::Int(5))).unwrap_err();
        assert!(err.contains("1 <= k <= 4") && err.contains("k = 5"), "{err}");
    }

    #[test]
    fn one_hot_marks_each_id() {
        let ids = t(&[3], &[2.0, 0.0, 2.0]);
        let attrs = AttrMap::new().with("classes", Attr::Int(3)).with("dtype", Attr::Str("f32".into()));
        let got = eval_typed(GraphOp::OneHot, &[&ids], &[DType::I32], &attrs).unwrap().remove(0);
        assert_eq!(got, t(&[3, 3], &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]));
        let bad = t(&[1], &[3.0]);
        assert!(eval_typed(GraphOp::OneHot, &[&bad], &[DType::I32], &attrs).unwrap_err().contains("outside [0, 3)"));
    }

    /// Four tokens in two groups, top-2 over 3 experts, capacity 1: in each group the first pair
    /// of an expert keeps its slot and later pairs of that expert are dropped, in token order then
    /// choice order; gather reads back exactly the kept pairs.
    #[test]
    fn moe_scatter_fills_slots_in_token_order_and_gather_is_its_transpose() {
        let ids = t(&[4, 2], &[0.0, 1.0, 1.0, 2.0, 2.0, 0.0, 2.0, 1.0]);
        let x = Tensor::from_fn([4, 2, 1], |i| (10 * i[0] + i[1] + 1) as f64);
        let attrs =
            AttrMap::new().with("experts", Attr::Int(3)).with("capacity", Attr::Int(1)).with("groups", Attr::Int(2));
        let buf = eval_typed(GraphOp::MoeScatter, &[&x, &ids], &[DType::F32, DType::I32], &attrs).unwrap().remove(0);
        // Group 0 (tokens 0, 1): expert 0 ← (0,0), expert 1 ← (0,1) and (1,0) dropped, expert 2 ← (1,1).
        // Group 1 (tokens 2, 3): expert 2 ← (2,0) and (3,0) dropped, expert 0 ← (2,1), expert 1 ← (3,1).
        assert_eq!(buf, t(&[3, 2, 1], &[1.0, 22.0, 2.0, 32.0, 12.0, 21.0]));
        let mut gather = attrs.clone();
        gather.remove("experts");
        let y = eval_typed(GraphOp::MoeGather, &[&buf, &ids], &[DType::F32, DType::I32], &gather).unwrap().remove(0);
        assert_eq!(y, t(&[4, 2, 1], &[1.0, 2.0, 0.0, 12.0, 21.0, 22.0, 0.0, 32.0]));
        // Dropless (capacity = tokens per group): nothing is lost.
        let dropless = attrs.clone().with("capacity", Attr::Int(2));
        let buf = eval_typed(GraphOp::MoeScatter, &[&x, &ids], &[DType::F32, DType::I32], &dropless).unwrap().remove(0);
        let mut gather = dropless.clone();
        gather.remove("experts");
        let y = eval_typed(GraphOp::MoeGather, &[&buf, &ids], &[DType::F32, DType::I32], &gather).unwrap().remove(0);
        assert_eq!(y, x);
        let bad = t(&[4, 2], &[0.0, 3.0, 1.0, 2.0, 2.0, 0.0, 2.0, 1.0]);
        let err = eval_typed(GraphOp::MoeScatter, &[&x, &bad], &[DType::F32, DType::I32], &attrs).unwrap_err();
        assert!(err.contains("expert 3 at position 1 is outside [0, 3)"), "{err}");
    }

    #[test]
    fn reshape_and_transpose_move_elements() {
        let x = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let r = eval1(GraphOp::Reshape, &[&x], &AttrMap::new().with("shape", Attr::Ints(vec![3, 2])));
        assert_eq!(r, t(&[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let tr = eval1(GraphOp::Transpose, &[&x], &AttrMap::new().with("perm", Attr::Ints(vec![1, 0])));
        assert_eq!(tr, t(&[3, 2], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
        // Result dim i is operand dim perm[i]: out[a][b][c] = x[b][c][a] for perm [2, 0, 1].
        let x = fill(&[2, 3, 4], 1.2);
        let got = eval1(GraphOp::Transpose, &[&x], &AttrMap::new().with("perm", Attr::Ints(vec![2, 0, 1])));
        assert_eq!(got, Tensor::from_fn([4, 2, 3], |i| x.at(&[i[1], i[2], i[0]])));
    }

    #[test]
    fn split_and_concat_are_inverse() {
        let x = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let attrs = AttrMap::new().with("axis", Attr::Int(-1)).with("sizes", Attr::Ints(vec![1, 2]));
        let parts = eval(GraphOp::Split, &[&x], &attrs).unwrap();
        assert_eq!(parts, vec![t(&[2, 1], &[1.0, 4.0]), t(&[2, 2], &[2.0, 3.0, 5.0, 6.0])]);
        let back = eval1(GraphOp::Concat, &[&parts[0], &parts[1]], &AttrMap::new().with("axis", Attr::Int(1)));
        assert_eq!(back, x);
        let rows = eval1(GraphOp::Concat, &[&x, &x], &AttrMap::new().with("axis", Attr::Int(0)));
        assert_eq!(rows, t(&[4, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let y = fill(&[2, 5, 3], 1.3);
        let attrs = AttrMap::new().with("axis", Attr::Int(1)).with("sizes", Attr::Ints(vec![2, 3]));
        let parts = eval(GraphOp::Split, &[&y], &attrs).unwrap();
        assert_eq!(parts[1], Tensor::from_fn([2, 3, 3], |i| y.at(&[i[0], i[1] + 2, i[2]])));
    }

    #[test]
    fn reductions_over_axes_with_and_without_keepdim() {
        let x = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 9.0]);
        let axes = |a: Vec<i64>| AttrMap::new().with("axes", Attr::Ints(a));
        assert_eq!(eval1(GraphOp::ReduceSum, &[&x], &axes(vec![1])), t(&[2], &[6.0, 18.0]));
        assert_eq!(eval1(GraphOp::ReduceMean, &[&x], &axes(vec![-1])), t(&[2], &[2.0, 6.0]));
        assert_eq!(eval1(GraphOp::ReduceMax, &[&x], &axes(vec![0])), t(&[3], &[4.0, 5.0, 9.0]));
        let keep = axes(vec![-2]).with("keepdim", Attr::Bool(true));
        assert_eq!(eval1(GraphOp::ReduceSum, &[&x], &keep), t(&[1, 3], &[5.0, 7.0, 12.0]));
        assert_eq!(eval1(GraphOp::ReduceMean, &[&x], &axes(vec![0, 1])), Tensor::scalar(4.0));
        // Axes 0 and 2 of a rank-3 tensor against loops.
        let y = fill(&[3, 4, 5], 1.4);
        let got = eval1(GraphOp::ReduceMax, &[&y], &axes(vec![2, 0]));
        let want = Tensor::from_fn([4], |i| {
            let mut m = f64::NEG_INFINITY;
            for a in 0..3 {
                for c in 0..5 {
                    m = m.max(y.at(&[a, i[0], c]));
                }
            }
            m
        });
        assert_eq!(got, want);
        let nan = t(&[3], &[1.0, f64::NAN, 2.0]);
        assert!(eval1(GraphOp::ReduceMax, &[&nan], &axes(vec![0])).data[0].is_nan());
    }

    #[test]
    fn cross_entropy_is_log_sum_exp_minus_label_logit() {
        let logits = fill(&[2, 3, 7], 1.5);
        let labels = t(&[2, 3], &[0.0, 6.0, 3.0, 1.0, 1.0, 5.0]);
        let got =
            eval_typed(GraphOp::CrossEntropy, &[&logits, &labels], &[DType::F32, DType::I32], &AttrMap::new()).unwrap();
        let want = Tensor::from_fn([2, 3], |i| {
            let sum: f64 = (0..7).map(|v| logits.at(&[i[0], i[1], v]).exp()).sum();
            sum.ln() - logits.at(&[i[0], i[1], labels.at(i) as usize])
        });
        assert_close(&got[0], &want, 1e-14);
        // Large logits would overflow a direct exp.
        let big = t(&[1, 2], &[1000.0, 1000.0]);
        let got =
            eval_typed(GraphOp::CrossEntropy, &[&big, &t(&[1], &[1.0])], &[DType::F32, DType::I64], &AttrMap::new());
        assert_close(&got.unwrap()[0], &t(&[1], &[2f64.ln()]), 1e-15);
        let bad = t(&[2, 3], &[0.0, 7.0, 3.0, 1.0, 1.0, 5.0]);
        let err = eval_typed(GraphOp::CrossEntropy, &[&logits, &bad], &[DType::F32, DType::I32], &AttrMap::new())
            .unwrap_err();
        assert_eq!(err, "label 7 at position 1 is outside [0, 7)");
    }

    #[test]
    fn embedding_looks_up_rows_and_rejects_bad_ids() {
        let table = t(&[3, 2], &[0.0, 1.0, 10.0, 11.0, 20.0, 21.0]);
        let ids = t(&[2, 2], &[2.0, 0.0, 1.0, 2.0]);
        let got = eval_typed(GraphOp::Embedding, &[&table, &ids], &[DType::F32, DType::I32], &AttrMap::new());
        assert_eq!(got.unwrap()[0], t(&[2, 2, 2], &[20.0, 21.0, 0.0, 1.0, 10.0, 11.0, 20.0, 21.0]));
        for (id, pos) in [(3.0, 3), (-1.0, 3)] {
            let ids = t(&[2, 2], &[2.0, 0.0, 1.0, id]);
            let err = eval_typed(GraphOp::Embedding, &[&table, &ids], &[DType::F32, DType::I32], &AttrMap::new())
                .unwrap_err();
            assert_eq!(err, format!("token id {id} at position {pos} is outside [0, 3)"));
        }
    }

    fn cast_to(x: f64, dtype: DType) -> f64 {
        let attrs = AttrMap::new().with("dtype", Attr::Str(dtype.name().into()));
        eval1(GraphOp::Cast, &[&Tensor::scalar(x)], &attrs).data[0]
    }

    #[test]
    fn cast_to_bf16_rounds_to_nearest_even() {
        let ulp = 2f64.powi(-7);
        // 1 + half an ulp is a tie: the even neighbour is 1.
        assert_eq!(cast_to(1.0 + 2f64.powi(-8), DType::BF16), 1.0);
        // 1 + 0.75 ulp rounds up.
        assert_eq!(cast_to(1.0 + 3.0 * 2f64.powi(-9), DType::BF16), 1.0 + ulp);
        // 1 + 1.5 ulp is a tie between 1 + ulp (odd) and 1 + 2 ulp (even).
        assert_eq!(cast_to(1.0 + 3.0 * 2f64.powi(-8), DType::BF16), 1.0 + 2.0 * ulp);
        assert_eq!(cast_to(-(1.0 + 3.0 * 2f64.powi(-9)), DType::BF16), -(1.0 + ulp));
        assert_eq!(cast_to(f32::MAX as f64, DType::BF16), f64::INFINITY);
        assert!(cast_to(f64::NAN, DType::BF16).is_nan());
        assert_eq!(cast_to(f64::NEG_INFINITY, DType::BF16), f64::NEG_INFINITY);
        // The bit manipulation agrees with the exact rounding routine on f32 values across the
        // range, subnormals, ties and overflow included.
        let bf16_max = (2.0 - 2f64.powi(-7)) * 2f64.powi(127);
        for bits in (1..0x7f80_0000u32).step_by(4099) {
            // The value itself, a tie (exactly half a bf16 ulp below bit 16) and its neighbours,
            // each with both signs.
            let tie = (bits & !0xffff) | 0x8000;
            for b in [bits, tie, tie - 1, tie + 1, bits | 0x8000_0000, tie | 0x8000_0000] {
                let x = f32::from_bits(b);
                let want = round_to_format(x as f64, 7, -126, bf16_max);
                assert_eq!(round_to_bf16(x) as f64, want, "bits {b:#010x}");
            }
        }
        assert_eq!(round_to_bf16(f32::from_bits(0x7f7f_8000)), f32::INFINITY);
    }

    #[test]
    fn cast_to_f16_handles_ties_subnormals_and_overflow() {
        // 65520 is halfway between the largest f16 (65504) and 2^16: the tie goes to the even
        // (infinite) side.
        assert_eq!(cast_to(65520.0, DType::F16), f64::INFINITY);
        assert_eq!(cast_to(-65520.0, DType::F16), f64::NEG_INFINITY);
        assert_eq!(cast_to(65519.0, DType::F16), 65504.0);
        // Subnormals are multiples of 2^-24: 1e-7 is 1.68 of them, which rounds to 2.
        assert_eq!(cast_to(1e-7, DType::F16), 2f64.powi(-23));
        assert_eq!(cast_to(2f64.powi(-25), DType::F16), 0.0);
        assert_eq!(cast_to(3.0 * 2f64.powi(-26), DType::F16), 2f64.powi(-24));
        assert_eq!(cast_to(1.0 + 2f64.powi(-11), DType::F16), 1.0);
        assert_eq!(cast_to(1.0 + 3.0 * 2f64.powi(-11), DType::F16), 1.0 + 2f64.powi(-9));
        assert_eq!(cast_to(0.1, DType::F16), 1638.0 / 16384.0);
        assert!(cast_to(f64::NAN, DType::F16).is_nan());
    }

    #[test]
    fn cast_to_f32_and_integers() {
        // The f32 nearest 0.1 is 13421773 · 2^-27 (0.1 · 2^27 = 13421772.8).
        assert_eq!(cast_to(0.1, DType::F32), 13421773.0 * 2f64.powi(-27));
        assert_eq!(cast_to(1e39, DType::F32), f64::INFINITY);
        assert_eq!(cast_to(-2.7, DType::I32), -2.0);
        assert_eq!(cast_to(2.7, DType::I64), 2.0);
        assert_eq!(cast_to(-0.5, DType::I32).to_bits(), 0f64.to_bits());
        let attrs = AttrMap::new().with("dtype", Attr::Str("i32".into()));
        let err = eval(GraphOp::Cast, &[&Tensor::scalar(3e9)], &attrs).unwrap_err();
        assert_eq!(err, "3000000000 does not fit in i32");
        assert!(eval(GraphOp::Cast, &[&Tensor::scalar(f64::NAN)], &attrs).is_err());
    }

    /// The pieces of the end-to-end test: a tied-embedding model of
    /// embedding → layer_norm → matmul → gelu → matmul with the table transposed → cross_entropy →
    /// reduce_mean.
    const V: usize = 5;
    const H: usize = 4;
    const B: usize = 2;
    const S: usize = 3;

    fn tiny_model() -> Function {
        let f32 = |s: &[usize]| Type::tensor(s.to_vec(), DType::F32);
        let i32 = |s: &[usize]| Type::tensor(s.to_vec(), DType::I32);
        let args = vec![i32(&[B, S]), i32(&[B, S]), f32(&[V, H]), f32(&[H]), f32(&[H]), f32(&[H, H])];
        let mut func = Function::new("forward", args, vec![f32(&[])]);
        let a = func.args().to_vec();
        let mut b = Builder::at_entry(&mut func);
        let x = b.embedding(a[2], a[0]).unwrap();
        let h = b.layer_norm(x, a[3], a[4], 1e-5).unwrap();
        let u = b.matmul(h, a[5]).unwrap();
        let g = b.gelu(u).unwrap();
        let logits = b.matmul_t(g, a[2], false, true).unwrap();
        let loss = b.cross_entropy(logits, a[1]).unwrap();
        let mean = b.reduce(GraphOp::ReduceMean, loss, &[0, 1], false).unwrap();
        b.ret(&[mean]).unwrap();
        verify_function(&func).unwrap();
        func
    }

    /// The same model written as plain loops over nested vectors.
    fn tiny_model_by_hand(tokens: &[[usize; S]; B], labels: &[[usize; S]; B], wte: &[Vec<f64>], w: &[Vec<f64>]) -> f64 {
        let (ln_w, ln_b, w1) = (&w[0], &w[1], &w[2..]);
        let mut total = 0.0;
        for bi in 0..B {
            for si in 0..S {
                let x = &wte[tokens[bi][si]];
                let mean = x.iter().sum::<f64>() / H as f64;
                let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / H as f64;
                let h: Vec<f64> = (0..H).map(|j| (x[j] - mean) / (var + 1e-5).sqrt() * ln_w[j] + ln_b[j]).collect();
                let mut g = [0.0; H];
                for (j, gj) in g.iter_mut().enumerate() {
                    let u: f64 = (0..H).map(|k| h[k] * w1[k][j]).sum();
                    *gj = 0.5 * u * (1.0 + ((2.0 / PI).sqrt() * (u + 0.044715 * u.powi(3))).tanh());
                }
                let logits: Vec<f64> = (0..V).map(|v| (0..H).map(|k| g[k] * wte[v][k]).sum()).collect();
                let log_z = logits.iter().map(|l| l.exp()).sum::<f64>().ln();
                total += log_z - logits[labels[bi][si]];
            }
        }
        total / (B * S) as f64
    }

    #[test]
    fn tiny_tied_model_loss_matches_plain_loops() {
        let func = tiny_model();
        let tokens = [[1, 4, 0], [3, 3, 2]];
        let labels = [[4, 0, 2], [2, 1, 3]];
        let wte: Vec<Vec<f64>> = (0..V).map(|v| fill(&[H], v as f64).data).collect();
        // Rows: the layer_norm weight, its bias, then the H rows of the matmul weight.
        let w: Vec<Vec<f64>> = (0..H + 2).map(|r| fill(&[H], 10.0 + r as f64).data).collect();
        let ints = |rows: &[[usize; S]; B]| t(&[B, S], &rows.iter().flatten().map(|&i| i as f64).collect::<Vec<_>>());
        let args = vec![
            ints(&tokens),
            ints(&labels),
            t(&[V, H], &wte.concat()),
            t(&[H], &w[0]),
            t(&[H], &w[1]),
            t(&[H, H], &w[2..].concat()),
        ];
        let loss = eval_function(&func, &args).unwrap();
        assert_eq!(loss.len(), 1);
        assert_eq!(loss[0].shape, Vec::<usize>::new());
        let want = tiny_model_by_hand(&tokens, &labels, &wte, &w);
        assert!((loss[0].data[0] - want).abs() < 1e-12, "{} vs {want}", loss[0].data[0]);

        // With every weight zero the logits are uniform and the loss is ln V.
        let zeros: Vec<Tensor> = args[2..].iter().map(|a| Tensor::zeros(a.shape.clone())).collect();
        let args = [&args[..2], &zeros[..]].concat();
        let loss = eval_function(&func, &args).unwrap()[0].data[0];
        assert!((loss - (V as f64).ln()).abs() < 1e-12, "{loss} vs ln {V}");
    }

    #[test]
    fn eval_function_reports_bad_arguments_and_failing_ops() {
        let func = tiny_model();
        let good = vec![
            Tensor::zeros([B, S]),
            Tensor::zeros([B, S]),
            Tensor::zeros([V, H]),
            Tensor::zeros([H]),
            Tensor::zeros([H]),
            Tensor::zeros([H, H]),
        ];
        let err = eval_function(&func, &good[..5]).unwrap_err();
        assert_eq!(err.to_string(), "@forward takes 6 arguments, but 5 were given");

        let mut wrong_shape = good.clone();
        wrong_shape[3] = Tensor::zeros([H + 1]);
        let err = eval_function(&func, &wrong_shape).unwrap_err();
        assert_eq!(err.to_string(), "argument 3 of @forward (of type tensor<4xf32>): expected shape [4], got [5]");

        let mut fractional = good.clone();
        fractional[0].data[4] = 0.5;
        let err = eval_function(&func, &fractional).unwrap_err();
        assert!(err.to_string().contains("element 4 is 0.5, not an integer"), "{err}");

        let mut bad_id = good.clone();
        bad_id[0].data[2] = V as f64;
        let err = eval_function(&func, &bad_id).unwrap_err().to_string();
        assert!(err.starts_with("token id 5 at position 2 is outside [0, 5)\n  in: "), "{err}");
        assert!(err.contains("\"graph.embedding\""), "{err}");
    }
}
