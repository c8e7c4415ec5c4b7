//! Reverse-mode automatic differentiation of `@forward` into `@forward_backward`.
//!
//! `@forward_backward` takes the same arguments as `@forward` and returns the loss followed by the
//! gradient of the loss with respect to every argument marked `{parc.param = "…"}`, in argument
//! order. It is `@forward` itself (copied), then the backward ops: the loss is seeded with 1 and
//! the ops are visited in reverse order, each through its kind's VJP rule ([`vjp`], one `match`
//! arm per op kind), summing the contributions of every use of a value. `@forward` stays for
//! evaluation without gradients.
//!
//! ```text
//! func.func @forward(%x: tensor<4xf32> {parc.param = "x"}) -> tensor<f32> {
//!   %0 = "graph.gelu"(%x) : …
//!   %1 = "graph.reduce_sum"(%0) {axes = array<i64: 0>} : …
//!   "func.return"(%1) : …
//! }
//! // adds:
//! func.func @forward_backward(%x: tensor<4xf32> {parc.param = "x"}) -> (tensor<f32>, tensor<4xf32>) {
//!   … the forward ops …
//!   %2 = "graph.fill"() {dtype = "f32", shape = array<i64>, value = 1.0 : f64} : () -> tensor<f32>
//!   %3 = "graph.broadcast"(%2) {shape = array<i64: 4>} : …
//!   %grad.x = "graph.gelu_grad"(%x, %3) : …
//!   "func.return"(%1, %grad.x) : …
//! }
//! ```

use parc_dialects::entity::SecondaryMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::{BuildError, Builder};
use parc_dialects::graph::{normalize_axis, GraphOp};
use parc_dialects::ir::{Function, Module, Op, OpKind, Value};

/// The name of the function the pass adds.
pub const FORWARD_BACKWARD: &str = "forward_backward";

/// Adds `@forward_backward` for the module's `@forward`.
pub fn run(module: &mut Module) -> Result<(), String> {
    let forward = module.function("forward").ok_or("the module has no @forward function to differentiate")?;
    let fb = differentiate(forward, FORWARD_BACKWARD)?;
    module.functions.retain(|f| f.name != FORWARD_BACKWARD);
    module.functions.push(fb);
    Ok(())
}

/// Builds `name`: `forward`'s ops, then the gradients of its single scalar result with respect
/// to its `parc.param` arguments. A pipeline part returns its activation, seeded with its
/// cotangent argument, and may return a scalar loss of its own after it (a MoE part's
/// load-balancing loss), seeded with 1 and returned last, after the gradients.
pub fn differentiate(forward: &Function, name: &str) -> Result<Function, String> {
    let mut func = forward.clone();
    func.name = name.to_string();
    let entry = func.entry_block();
    let ret = *func.blocks[entry].ops.last().ok_or("@forward has an empty body")?;
    // A pipeline stage's part returns its activation and takes the activation's cotangent as an
    // argument (`parc.cotangent`): the backward starts from it instead of from d(loss) = 1.
    let cotangent = func.arg_attrs.iter().position(|a| a.str("parc.cotangent").is_some());
    let (loss, part_loss) = match (func.ops[ret].operands.as_slice(), cotangent) {
        ([v], None) if func.value_type(*v).as_tensor().rank() == 0 => (*v, None),
        ([v], Some(_)) => (*v, None),
        ([v, l], Some(_)) if func.value_type(*l).as_tensor().rank() == 0 => (*v, Some(*l)),
        _ => return Err("@forward must return exactly one scalar (the loss) to be differentiated".into()),
    };
    func.remove_ops(&[ret]);
    let forward_ops = func.blocks[entry].ops.clone();
    // Gradients of the parameters, then of a stage's input activation (sent to the previous stage).
    let mut params: Vec<(usize, String)> = func
        .arg_attrs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.str("parc.param").map(|n| (i, n.to_string())))
        .collect();
    params.extend(
        func.arg_attrs.iter().enumerate().filter_map(|(i, a)| a.str("parc.stage_input").map(|n| (i, n.to_string()))),
    );

    let mut b = Builder::at_entry(&mut func);
    let err = |e: BuildError| e.to_string();
    let mut grads: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let loss_type = b.ty(loss).as_tensor().clone();
    let seed = match cotangent {
        Some(i) => b.func.args()[i],
        None => b.fill(&[], loss_type.dtype, 1.0).map_err(err)?,
    };
    grads.insert(loss, seed);
    if let Some(l) = part_loss {
        let one = b.fill(&[], b.ty(l).as_tensor().dtype, 1.0).map_err(err)?;
        grads.insert(l, one);
    }
    for &op in forward_ops.iter().rev() {
        let results = b.func.ops[op].results.clone();
        if results.iter().all(|r| !grads.contains_key(*r)) {
            continue;
        }
        let dys: Vec<Option<Value>> = results.iter().map(|r| grads.get(*r).copied()).collect();
        let operands = b.func.ops[op].operands.clone();
        let dxs = vjp(&mut b, op, &dys)
            .map_err(|e| format!("cannot differentiate {}: {e}", parc_dialects::printer::print_op(forward, op)))?;
        for (x, dx) in operands.into_iter().zip(dxs) {
            let Some(dx) = dx else { continue };
            let total = match grads.get(x) {
                Some(&prev) => b.add(prev, dx).map_err(err)?,
                None => dx,
            };
            grads.insert(x, total);
        }
    }
    let args = b.func.args().to_vec();
    let mut returned = vec![loss];
    for (i, param) in &params {
        let arg = args[*i];
        let grad = match grads.get(arg) {
            Some(&g) => g,
            // A parameter the loss does not depend on has a zero gradient.
            None => {
                let t = b.ty(arg).as_tensor().clone();
                b.fill(&t.shape, t.dtype, 0.0).map_err(err)?
            }
        };
        b.named(grad, format!("grad.{param}"));
        returned.push(grad);
    }
    returned.extend(part_loss);
    b.ret(&returned).map_err(err)?;
    func.result_types = returned.iter().map(|&v| func.value_type(v).clone()).collect();
    Ok(func)
}

type Grads = Result<Vec<Option<Value>>, BuildError>;

/// The VJP rule of each op kind: given the gradients of the op's results (`None` for a result the
/// loss does not depend on), the gradients of its operands (`None` for integer operands).
pub fn vjp(b: &mut Builder, op: Op, dys: &[Option<Value>]) -> Grads {
    let data = b.func.ops[op].clone();
    let x = |i: usize| data.operands[i];
    let y = |i: usize| data.results[i];
    let shape_of = |b: &Builder, v: Value| b.shape(v);
    let OpKind::Graph(kind) = data.kind else {
        return Err(BuildError { op: data.kind.name(), message: "only graph ops are differentiated".into() });
    };
    // Every op but split has one result; split fills the missing gradients itself.
    let dy = match dys.first().copied().flatten() {
        Some(dy) => dy,
        None => {
            let t = b.ty(y(0)).as_tensor().clone();
            b.fill(&t.shape, t.dtype, 0.0)?
        }
    };
    Ok(match kind {
        GraphOp::Embedding => {
            let vocab = shape_of(b, x(0))[0];
            vec![Some(b.embedding_grad(x(1), dy, vocab)?), None]
        }
        GraphOp::Matmul => {
            let (ta, tb) = (data.attrs.flag("transpose_a"), data.attrs.flag("transpose_b"));
            let (a_shape, b_shape) = (shape_of(b, x(0)), shape_of(b, x(1)));
            // A weight shared by every batch element (a linear layer): fold the batch into one
            // contraction instead of a matmul per batch element followed by a sum.
            if b_shape.len() == 2 && a_shape.len() > 2 && !ta {
                let k = a_shape[a_shape.len() - 1];
                let rows: usize = a_shape[..a_shape.len() - 1].iter().product();
                let n = *shape_of(b, dy).last().unwrap_or(&1);
                let da = b.matmul_t(dy, x(1), false, !tb)?;
                let a2 = b.reshape(x(0), &[rows, k])?;
                let dy2 = b.reshape(dy, &[rows, n])?;
                let db = if tb { b.matmul_t(dy2, a2, true, false)? } else { b.matmul_t(a2, dy2, true, false)? };
                vec![Some(da), Some(db)]
            } else {
                let da = if ta { b.matmul_t(x(1), dy, tb, true)? } else { b.matmul_t(dy, x(1), false, !tb)? };
                let db = if tb { b.matmul_t(dy, x(0), true, ta)? } else { b.matmul_t(x(0), dy, !ta, false)? };
                vec![Some(sum_to_shape(b, da, &a_shape)?), Some(sum_to_shape(b, db, &b_shape)?)]
            }
        }
        GraphOp::Add | GraphOp::Sub => {
            let (a_shape, b_shape) = (shape_of(b, x(0)), shape_of(b, x(1)));
            let db = if kind == GraphOp::Sub { b.scale(dy, -1.0)? } else { dy };
            vec![Some(sum_to_shape(b, dy, &a_shape)?), Some(sum_to_shape(b, db, &b_shape)?)]
        }
        GraphOp::Mul => {
            let (a_shape, b_shape) = (shape_of(b, x(0)), shape_of(b, x(1)));
            let da = b.mul(dy, x(1))?;
            let db = b.mul(dy, x(0))?;
            vec![Some(sum_to_shape(b, da, &a_shape)?), Some(sum_to_shape(b, db, &b_shape)?)]
        }
        GraphOp::Div => {
            // d(a/b)/db = −(a/b)/b = −y/b.
            let (a_shape, b_shape) = (shape_of(b, x(0)), shape_of(b, x(1)));
            let da = b.div(dy, x(1))?;
            let t = b.mul(dy, y(0))?;
            let t = b.div(t, x(1))?;
            let db = b.scale(t, -1.0)?;
            vec![Some(sum_to_shape(b, da, &a_shape)?), Some(sum_to_shape(b, db, &b_shape)?)]
        }
        GraphOp::Scale => vec![Some(b.scale(dy, data.attrs.float("factor").unwrap_or(1.0))?)],
        GraphOp::Gelu => vec![Some(b.unary_grad(GraphOp::GeluGrad, x(0), dy)?)],
        GraphOp::Silu => vec![Some(b.unary_grad(GraphOp::SiluGrad, x(0), dy)?)],
        GraphOp::Softmax => vec![Some(b.unary_grad(GraphOp::SoftmaxGrad, y(0), dy)?)],
        GraphOp::LayerNorm => {
            let eps = data.attrs.float("eps").unwrap_or_default();
            b.norm_grad(GraphOp::LayerNormGrad, x(0), x(1), dy, eps)?.into_iter().map(Some).collect()
        }
        GraphOp::RmsNorm => {
            let eps = data.attrs.float("eps").unwrap_or_default();
            b.norm_grad(GraphOp::RmsNormGrad, x(0), x(1), dy, eps)?.into_iter().map(Some).collect()
        }
        GraphOp::Rope => {
            // A rotation's transpose is the rotation by the opposite angle.
            let theta = data.attrs.float("theta").unwrap_or_default();
            let mut attrs = AttrMap::new().with("theta", Attr::Float(theta));
            if !data.attrs.flag("inverse") {
                attrs.set("inverse", Attr::Bool(true));
            }
            vec![Some(b.op1(OpKind::Graph(GraphOp::Rope), &[dy], attrs)?)]
        }
        GraphOp::Reshape => vec![Some(b.reshape(dy, &shape_of(b, x(0)))?)],
        GraphOp::Transpose => {
            let perm = data.attrs.ints("perm").unwrap_or_default();
            let mut inverse = vec![0i64; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inverse[p as usize] = i as i64;
            }
            vec![Some(b.transpose(dy, &inverse)?)]
        }
        GraphOp::Split => {
            let mut pieces = Vec::with_capacity(dys.len());
            for (i, dy) in dys.iter().enumerate() {
                pieces.push(match dy {
                    Some(v) => *v,
                    None => {
                        let t = b.ty(y(i)).as_tensor().clone();
                        b.fill(&t.shape, t.dtype, 0.0)?
                    }
                });
            }
            vec![Some(b.concat(&pieces, data.attrs.int("axis").unwrap_or(0))?)]
        }
        GraphOp::Concat => {
            let axis = data.attrs.int("axis").unwrap_or(0);
            let rank = shape_of(b, x(0)).len();
            let d = normalize_axis(axis, rank).map_err(|message| BuildError { op: kind.name(), message })?;
            let sizes: Vec<i64> = data.operands.iter().map(|&v| b.shape(v)[d] as i64).collect();
            b.split(dy, axis, &sizes)?.into_iter().map(Some).collect()
        }
        GraphOp::ReduceSum | GraphOp::ReduceMean => {
            let x_shape = shape_of(b, x(0));
            let axes =
                reduced_axes(&data.attrs, x_shape.len()).map_err(|message| BuildError { op: kind.name(), message })?;
            let kept: Vec<usize> = (0..x_shape.len()).map(|d| if axes.contains(&d) { 1 } else { x_shape[d] }).collect();
            let dy = if data.attrs.flag("keepdim") { dy } else { b.reshape(dy, &kept)? };
            let mut dx = b.broadcast(dy, &x_shape)?;
            if kind == GraphOp::ReduceMean {
                let count: usize = axes.iter().map(|&d| x_shape[d]).product();
                dx = b.scale(dx, 1.0 / count as f64)?;
            }
            vec![Some(dx)]
        }
        GraphOp::ReduceMax => vec![Some(b.reduce_max_grad(x(0), y(0), dy, data.attrs.clone())?)],
        GraphOp::CrossEntropy => vec![Some(b.cross_entropy_grad(x(0), x(1), dy)?), None],
        GraphOp::Cast => {
            let dtype = b.ty(x(0)).as_tensor().dtype;
            vec![Some(b.cast(dy, dtype)?)]
        }
        GraphOp::Fill => Vec::new(),
        // Expert choices are integers: nothing flows back through them.
        GraphOp::TopK | GraphOp::OneHot => vec![None],
        // The two MoE data movements are each other's transposes (same slots, same drops).
        GraphOp::MoeScatter => {
            let (capacity, groups) = moe_attrs(&data.attrs);
            vec![Some(b.moe_gather(dy, x(1), capacity, groups)?), None]
        }
        GraphOp::MoeGather => {
            let (capacity, groups) = moe_attrs(&data.attrs);
            let experts = shape_of(b, x(0))[0];
            vec![Some(b.moe_scatter(dy, x(1), experts, capacity, groups)?), None]
        }
        GraphOp::Broadcast => {
            let x_shape = shape_of(b, x(0));
            vec![Some(sum_to_shape(b, dy, &x_shape)?)]
        }
        GraphOp::EmbeddingGrad
        | GraphOp::GeluGrad
        | GraphOp::SiluGrad
        | GraphOp::SoftmaxGrad
        | GraphOp::LayerNormGrad
        | GraphOp::RmsNormGrad
        | GraphOp::CrossEntropyGrad
        | GraphOp::ReduceMaxGrad => {
            return Err(BuildError { op: kind.name(), message: "second derivatives are not supported".into() })
        }
        GraphOp::LrSchedule | GraphOp::ClipCoef | GraphOp::AdamwUpdate | GraphOp::SgdUpdate => {
            return Err(BuildError { op: kind.name(), message: "optimizer ops are not differentiable".into() })
        }
        GraphOp::CrossEntropyStats | GraphOp::CrossEntropyFromStats | GraphOp::CrossEntropyGradStats => {
            return Err(BuildError {
                op: kind.name(),
                message: "the partitioner's cross-entropy pieces are not differentiated (autodiff runs before it)"
                    .into(),
            })
        }
    })
}

/// The `capacity` and `groups` attributes of `moe_scatter` / `moe_gather` (verified present).
fn moe_attrs(attrs: &AttrMap) -> (usize, usize) {
    let get = |name: &str| attrs.int(name).unwrap_or(1).max(1) as usize;
    (get("capacity"), get("groups"))
}

fn reduced_axes(attrs: &AttrMap, rank: usize) -> Result<Vec<usize>, String> {
    attrs.ints("axes").unwrap_or_default().iter().map(|&a| normalize_axis(a, rank)).collect()
}

/// Sums `v` (whose shape is a broadcast of `target`) down to `target`: over the extra leading
/// dims and over the dims where `target` has size 1.
fn sum_to_shape(b: &mut Builder, v: Value, target: &[usize]) -> Result<Value, BuildError> {
    let shape = b.shape(v);
    if shape == target {
        return Ok(v);
    }
    let extra = shape.len() - target.len();
    let axes: Vec<i64> = (0..shape.len())
        .filter(|&d| d < extra || (target[d - extra] == 1 && shape[d] != 1))
        .map(|d| d as i64)
        .collect();
    let summed = if axes.is_empty() { v } else { b.reduce(GraphOp::ReduceSum, v, &axes, true)? };
    b.reshape(summed, target)
}
