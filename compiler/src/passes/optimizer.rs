//! The optimizer step as graph ops: adds `@optimizer_step`, which takes every parameter, its
//! gradient (summed over the step's micro-batches), its optimizer state and the 1-based step
//! number, and returns the updated parameters and state.
//!
//! ```text
//! func.func @optimizer_step(%p: tensor<..> {parc.param = "w"}, %g: tensor<..> {parc.grad = "w"},
//!                           %m: tensor<..> {parc.state = "exp_avg.w"}, %v: … {parc.state = "exp_avg_sq.w"},
//!                           %step: tensor<i64> {parc.input = "step"}) -> (p', m', v') {
//!   %sq = … sum over every gradient of reduce_sum(g · g)       // only with grad_clip
//!   %coef = "graph.clip_coef"(%sq) {max_norm = 1.0 : f64}      //   min(1, max_norm / (‖g‖ + 1e-6))
//!   %g1 = "graph.mul"(%g, %coef)
//!   %lr = "graph.lr_schedule"(%step) {kind = "cosine", lr = …, warmup_steps = …, decay_steps = …}
//!   %p2, %m2, %v2 = "graph.adamw_update"(%p, %g1, %m, %v, %lr, %step) {beta1 = …, …}
//! }
//! ```
//!
//! Optimizer state is f32 whatever the training precision (the moments of bf16 parameters keep
//! full precision), and 16-bit parameters get an fp32 master copy (state `master`) that the update
//! works on; the 16-bit parameter is its rounding. The order of results is all parameters, then every state tensor of the first
//! kind (`exp_avg`), then the second (`exp_avg_sq`), each in parameter order.

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::{BuildError, Builder};
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, Module, Value};
use parc_dialects::types::{DType, Type};

use crate::frontend::{LrSchedule, Optimizer, Precision, TrainingConfig};
use crate::passes::autodiff::FORWARD_BACKWARD;

/// The name of the function the pass adds.
pub const OPTIMIZER_STEP: &str = "optimizer_step";

/// The names of the optimizer's state tensors per parameter (PyTorch's names), and with 16-bit
/// training `master`, the fp32 master copy of the parameter that the update works on (mixed
/// precision as in Micikevicius et al. 2018; with AdamW, the 4 + 4 + 4 = 12 bytes per parameter
/// of ZeRO's K).
pub fn state_names(t: &TrainingConfig) -> &'static [&'static str] {
    let master = t.precision != Precision::Fp32;
    match (&t.optimizer, master) {
        (Optimizer::AdamW { .. }, false) => &["exp_avg", "exp_avg_sq"],
        (Optimizer::AdamW { .. }, true) => &["exp_avg", "exp_avg_sq", "master"],
        (Optimizer::Sgd { .. }, false) => &["momentum_buffer"],
        (Optimizer::Sgd { .. }, true) => &["momentum_buffer", "master"],
    }
}

/// Adds `@optimizer_step` for the parameters of `@forward_backward`.
pub fn run(module: &mut Module, training: &TrainingConfig) -> Result<(), String> {
    let fb =
        module.function(FORWARD_BACKWARD).ok_or("the optimizer pass needs @forward_backward (run autodiff first)")?;
    let params: Vec<(String, Type)> = fb
        .args()
        .iter()
        .enumerate()
        .filter_map(|(i, &a)| fb.arg_attrs[i].str("parc.param").map(|n| (n.to_string(), fb.value_type(a).clone())))
        .collect();
    let func = build(&params, training).map_err(|e| e.to_string())?;
    module.functions.retain(|f| f.name != OPTIMIZER_STEP);
    module.functions.push(func);
    Ok(())
}

/// The number of running sums of squares a [`Layout`] may keep apart (one per combination of the
/// collectives that complete them).
pub const NORM_GROUPS: usize = 6;

/// How the optimizer step sees its tensors: the identity on one rank; the partitioner's
/// [`crate::sharding::zero`] layout shards them on the data-parallel axis and adds the collectives.
pub trait Layout {
    /// The types of parameter `i`'s argument, gradient argument and state arguments.
    fn arg_types(&self, _i: usize, param: &Type) -> (Type, Type, Type) {
        let t = param.as_tensor();
        (param.clone(), param.clone(), t.with_dtype(DType::F32).into())
    }
    /// The parameters and gradients the update works on, from the arguments. `need_params`:
    /// whether the update reads the parameters (not when it works on fp32 master copies).
    fn prepare(
        &mut self,
        _b: &mut Builder,
        params: &[Value],
        grads: &[Value],
        _need_params: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), BuildError> {
        Ok((params.to_vec(), grads.to_vec()))
    }
    /// Which running sum of squares gradient `i` adds to, below [`NORM_GROUPS`] (sums are
    /// combined by [`Layout::combine`]); [`NORM_GROUPS`] or more leaves it out.
    fn norm_group(&self, _i: usize) -> usize {
        0
    }
    /// The global sum of squares from the running sums of each group.
    fn combine(&mut self, _b: &mut Builder, sums: [Option<Value>; NORM_GROUPS]) -> Result<Option<Value>, BuildError> {
        Ok(sums[0])
    }
    /// The value returned for parameter `i` after its update.
    fn finish(&mut self, _b: &mut Builder, _i: usize, updated: Value) -> Result<Value, BuildError> {
        Ok(updated)
    }
}

/// The single-rank layout: every tensor whole.
pub struct Whole;

impl Layout for Whole {}

fn build(params: &[(String, Type)], t: &TrainingConfig) -> Result<Function, BuildError> {
    build_with(params, t, &mut Whole)
}

/// Builds `@optimizer_step` for `params` (name, type) with `layout`.
pub fn build_with(
    params: &[(String, Type)],
    t: &TrainingConfig,
    layout: &mut dyn Layout,
) -> Result<Function, BuildError> {
    let states = state_names(t);
    let master = states.last() == Some(&"master");
    let n = params.len();
    let types: Vec<(Type, Type, Type)> =
        params.iter().enumerate().map(|(i, (_, ty))| layout.arg_types(i, ty)).collect();
    let mut arg_types: Vec<Type> = types.iter().map(|t| t.0.clone()).collect();
    arg_types.extend(types.iter().map(|t| t.1.clone()));
    for _ in states {
        arg_types.extend(types.iter().map(|t| t.2.clone()));
    }
    arg_types.push(Type::tensor([], DType::I64));
    let mut func = Function::new(OPTIMIZER_STEP, arg_types, Vec::new());
    let args = func.args().to_vec();
    for (i, (name, _)) in params.iter().enumerate() {
        func.arg_attrs[i] = AttrMap::new().with("parc.param", Attr::Str(name.clone()));
        func.set_name(args[i], name.clone());
        func.arg_attrs[n + i] = AttrMap::new().with("parc.grad", Attr::Str(name.clone()));
        func.set_name(args[n + i], format!("grad.{name}"));
        for (k, state) in states.iter().enumerate() {
            let j = (2 + k) * n + i;
            func.arg_attrs[j] = AttrMap::new().with("parc.state", Attr::Str(format!("{state}.{name}")));
            func.set_name(args[j], format!("{state}.{name}"));
        }
    }
    let step = args[args.len() - 1];
    func.arg_attrs[args.len() - 1] = AttrMap::new().with("parc.input", Attr::Str("step".into()));
    func.set_name(step, "step");

    let params_in: Vec<Value> = args[..n].to_vec();
    let mut b = Builder::at_entry(&mut func);
    let (update_params, grads) = layout.prepare(&mut b, &args[..n], &args[n..2 * n], !master)?;

    let mut clip = None;
    if let Some(max_norm) = t.grad_clip {
        // The global norm over every gradient, accumulated in f32.
        let mut sums = [None; NORM_GROUPS];
        for (i, &g) in grads.iter().enumerate() {
            let g32 = if b.ty(g).as_tensor().dtype == DType::F32 { g } else { b.cast(g, DType::F32)? };
            let sq = b.mul(g32, g32)?;
            let axes: Vec<i64> = (0..b.shape(sq).len() as i64).collect();
            let s = b.reduce(GraphOp::ReduceSum, sq, &axes, false)?;
            let group = layout.norm_group(i);
            if group >= sums.len() {
                continue;
            }
            sums[group] = Some(match sums[group] {
                Some(acc) => b.add(acc, s)?,
                None => s,
            });
        }
        if let Some(total) = layout.combine(&mut b, sums)? {
            b.named(total, "grad_sum_of_squares");
            let coef = b.clip_coef(total, max_norm)?;
            b.named(coef, "clip_coef");
            clip = Some(coef);
        }
    }
    let s = &t.schedule;
    let schedule = AttrMap::new()
        .with("kind", Attr::Str(if s.kind == LrSchedule::Cosine { "cosine" } else { "constant" }.into()))
        .with("lr", Attr::Float(t.optimizer.lr()))
        .with("min_lr", Attr::Float(s.min_lr))
        .with("warmup_steps", Attr::Int(s.warmup_steps as i64))
        .with("decay_steps", Attr::Int(s.decay_steps as i64));
    let lr = b.lr_schedule(step, schedule)?;
    b.named(lr, "lr");
    let mut new_params = Vec::with_capacity(n);
    let mut new_states = vec![Vec::with_capacity(n); states.len()];
    for i in 0..n {
        let state: Vec<_> = (0..states.len()).map(|k| args[(2 + k) * n + i]).collect();
        // With a master copy the update runs in f32 on it, from the f32 gradient.
        let (p, grad) = if master {
            let g = grads[i];
            (state[states.len() - 1], if b.ty(g).as_tensor().dtype == DType::F32 { g } else { b.cast(g, DType::F32)? })
        } else {
            (update_params[i], grads[i])
        };
        // Each gradient is scaled right before its update, so one scaled copy is alive at a time.
        let g = match clip {
            Some(coef) => {
                let dtype = b.ty(grad).as_tensor().dtype;
                let c = if dtype == DType::F32 { coef } else { b.cast(coef, dtype)? };
                b.mul(grad, c)?
            }
            None => grad,
        };
        let out = match t.optimizer {
            Optimizer::AdamW { beta1, beta2, eps, weight_decay, .. } => {
                let attrs = AttrMap::new()
                    .with("beta1", Attr::Float(beta1))
                    .with("beta2", Attr::Float(beta2))
                    .with("eps", Attr::Float(eps))
                    .with("weight_decay", Attr::Float(weight_decay));
                b.adamw_update(p, g, state[0], state[1], lr, step, attrs)?
            }
            Optimizer::Sgd { momentum, weight_decay, .. } => {
                let attrs = AttrMap::new()
                    .with("momentum", Attr::Float(momentum))
                    .with("weight_decay", Attr::Float(weight_decay));
                b.sgd_update(p, g, state[0], lr, attrs)?
            }
        };
        let mut updated_states: Vec<Value> = out[1..].to_vec();
        let param = if master {
            updated_states.push(out[0]);
            b.cast(out[0], b.ty(params_in[i]).as_tensor().dtype)?
        } else {
            out[0]
        };
        let updated = layout.finish(&mut b, i, param)?;
        new_params.push(b.named(updated, format!("new.{}", params[i].0)));
        for k in 0..states.len() {
            new_states[k].push(b.named(updated_states[k], format!("new.{}.{}", states[k], params[i].0)));
        }
    }
    let mut returned = new_params;
    returned.extend(new_states.into_iter().flatten());
    b.ret(&returned)?;
    func.result_types = returned.iter().map(|&v| func.value_type(v).clone()).collect();
    Ok(func)
}
