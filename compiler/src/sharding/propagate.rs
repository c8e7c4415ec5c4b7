//! The `shard` pass: strategy annotations on `@forward_backward`'s arguments, then propagation
//! of placements through every op by the rules of [`super::rules`], with explicit
//! `sharding.reshard` ops wherever an operand's placement is not the one the chosen rule needs.
//!
//! Per op and per mesh axis, every candidate of the op's rule is priced by the bytes its reshards
//! move ([`super::rules::reshard_cost`]); moving a strategy-annotated parameter costs 1000 times
//! more, so annotations are honoured whenever any candidate allows it. Ties go to the candidate
//! whose result has the placement a later use wants (a returned gradient wants its parameter's
//! placement), then to the rule's order. The result is the same function in the global view with
//! `sharding.placements` on every op and `sharding.placement` on every argument.

use std::collections::HashMap;

use parc_dialects::entity::SecondaryMap;

use parc_dialects::attr::AttrMap;
use parc_dialects::builder::Builder;
use parc_dialects::dist::{Placement, ReduceKind, Sharding, ShardingOp};
use parc_dialects::func::FuncOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, OpKind, Value};
use parc_dialects::types::TensorType;

use super::rules::{candidates, reshard_cost};
use super::{ShardPlan, Strategy};
use crate::mesh::Axis;

/// Annotates and propagates `fb` (global view) for `plan`'s mesh; returns the sharded function.
pub fn propagate(fb: &Function, plan: &ShardPlan) -> Result<Function, String> {
    let axes = &plan.axes;
    let strategy = Strategy::new(plan);
    let args = fb.args().to_vec();
    let mut out = Function::new(fb.name.clone(), args.iter().map(|&a| fb.value_type(a).clone()).collect(), vec![]);
    out.result_types = fb.result_types.clone();
    out.attrs = fb.attrs.clone();
    let new_args = out.args().to_vec();
    let mut map: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let mut place: SecondaryMap<Value, Option<Sharding>> = SecondaryMap::new();
    let mut is_param: SecondaryMap<Value, bool> = SecondaryMap::new();
    let mut param_of_arg = Vec::new();
    for (i, &a) in args.iter().enumerate() {
        let attrs = &fb.arg_attrs[i];
        let sharding = strategy.argument(attrs, fb.value_type(a).as_tensor())?;
        let mut attrs = attrs.clone();
        attrs.set("sharding.placement", sharding.to_attr());
        out.arg_attrs[i] = attrs;
        if let Some(name) = &fb.values[a].name {
            out.set_name(new_args[i], name.clone());
        }
        map.insert(a, new_args[i]);
        place.insert(new_args[i], sharding.clone());
        is_param[new_args[i]] = fb.arg_attrs[i].str("parc.param").is_some();
        if fb.arg_attrs[i].str("parc.param").is_some() {
            param_of_arg.push(sharding);
        }
    }

    // What the function must return: the loss and gradients summed over dp (partial; on edp and
    // ep with expert parallelism), the loss
    // replicated on every other axis, each gradient placed like its parameter.
    let ret_op = *fb.blocks[fb.entry_block()].ops.last().ok_or("empty function")?;
    let ret_operands = fb.ops[ret_op].operands.clone();
    // A pipeline stage's part returns its activation (and the gradient of its input activation
    // after the parameters' gradients), placed as the stage boundary says; a MoE part's own loss
    // comes last, placed like the loss.
    let stage_output = fb.arg_attrs.iter().any(|a| a.str("parc.cotangent").is_some());
    let mut required = Vec::new();
    for k in 0..ret_operands.len() {
        // A scalar after a part's gradients is its own loss (a MoE part's load-balancing loss).
        let part_loss =
            stage_output && k > param_of_arg.len() && fb.value_type(ret_operands[k]).as_tensor().rank() == 0;
        let s = if k == 0 && stage_output {
            strategy.boundary()
        } else if k == 0 || k <= param_of_arg.len() || part_loss {
            let mut s =
                if k == 0 || part_loss { Sharding::replicated(axes.len()) } else { param_of_arg[k - 1].clone() };
            // Summed over the batch's groups; an expert's weight is split on ep, not summed there.
            for d in plan.data_axes() {
                if s.0[d] == Placement::Replicate {
                    s.0[d] = Placement::Partial(ReduceKind::Sum);
                }
            }
            s
        } else {
            strategy.boundary()
        };
        required.push(s);
    }
    let desired = desired_placements(fb, &ret_operands, &required);

    let mut memo: HashMap<(Value, Sharding), Value> = HashMap::new();
    let sizes: Vec<usize> = axes.iter().map(|a| a.size).collect();
    let mut uses: SecondaryMap<Value, Vec<parc_dialects::ir::Op>> = SecondaryMap::new();
    for &op in &fb.blocks[fb.entry_block()].ops {
        for &x in &fb.ops[op].operands {
            uses[x].push(op);
        }
    }
    let block = fb.entry_block();
    for &op in &fb.blocks[block].ops {
        let data = fb.ops[op].clone();
        let operands: Vec<Value> = data.operands.iter().map(|&v| *map.at(v)).collect();
        match data.kind {
            OpKind::Func(FuncOp::Return) => {
                let mut vals = Vec::new();
                for (k, &v) in operands.iter().enumerate() {
                    let mut target = required[k].clone();
                    // A replicated parameter's gradient that is partial on tp (the norms' and the
                    // row-parallel biases' gradients) is returned partial: it accumulates over the
                    // micro-batches and the optimizer step reduces it once per step.
                    if let Some(tp) = plan.axis(Axis::Tp) {
                        let is_grad = k >= 1 && k <= param_of_arg.len();
                        if is_grad
                            && param_of_arg[k - 1].0[tp] == Placement::Replicate
                            && place.at(v).0[tp] == Placement::Partial(ReduceKind::Sum)
                        {
                            target.0[tp] = Placement::Partial(ReduceKind::Sum);
                        }
                    }
                    vals.push(reshard(&mut out, &mut place, &mut memo, &sizes, v, &target)?);
                }
                Builder::at_entry(&mut out).ret(&vals).map_err(|e| e.to_string())?;
            }
            OpKind::Graph(kind) => {
                let in_types: Vec<TensorType> =
                    operands.iter().map(|&v| out.value_type(v).as_tensor().clone()).collect();
                let out_types: Vec<TensorType> =
                    data.results.iter().map(|&r| fb.value_type(r).as_tensor().clone()).collect();
                let ins: Vec<&TensorType> = in_types.iter().collect();
                let outs: Vec<&TensorType> = out_types.iter().collect();
                let mut need: Vec<Sharding> = vec![Sharding(Vec::new()); operands.len()];
                let mut got: Vec<Sharding> = vec![Sharding(Vec::new()); data.results.len()];
                for (k, axis) in axes.iter().enumerate() {
                    let cur: Vec<Placement> = operands.iter().map(|&v| place.at(v).0[k]).collect();
                    let want: Vec<Option<Placement>> = data
                        .results
                        .iter()
                        .map(|r| {
                            let annotated = strategy
                                .activation(fb.values[*r].name.as_deref(), &Sharding::replicated(axes.len()))
                                .map(|s| s.0[k])
                                .filter(|p| *p != Placement::Replicate);
                            desired
                                .get(*r)
                                .map(|s| s.0[k])
                                .or(annotated)
                                .or_else(|| peer_placement(fb, &uses, &map, &place, *r, k))
                        })
                        .collect();
                    let mut options = candidates(kind, &data.attrs, &ins, &outs, &cur, axis.size);
                    // An elementwise op whose result is wanted sharded may shard its operands
                    // (a partial one by reduce-scatter) instead of replicating them.
                    if let (Some(Placement::Shard(o)), true) = (want[0], is_elementwise(kind)) {
                        let inputs = ins
                            .iter()
                            .map(|t| {
                                let off = outs[0].rank() - t.rank();
                                if o >= off && t.shape[o - off] == outs[0].shape[o] {
                                    Placement::Shard(o - off)
                                } else {
                                    Placement::Replicate
                                }
                            })
                            .collect();
                        options.push(super::rules::Candidate { inputs, outputs: vec![Placement::Shard(o)] });
                    }
                    let mut best: Option<(f64, bool, Vec<Placement>, Vec<Placement>)> = None;
                    for c in options {
                        let mut cost = 0.0;
                        let mut ok = true;
                        for (i, (&from, &to)) in cur.iter().zip(&c.inputs).enumerate() {
                            let bytes = ins[i].size_bytes() as f64;
                            if from != to && to == Placement::Replicate && {
                                let mut t = place.at(operands[i]).clone();
                                t.0[k] = to;
                                reduced_twin(&out, &place, &memo, &sizes, operands[i], &t).is_some()
                            } {
                                continue;
                            }
                            match reshard_cost(from, to, bytes, axis.size) {
                                Some(x) => cost += if is_param[operands[i]] { x * 1000.0 } else { x },
                                None => ok = false,
                            }
                        }
                        if !ok {
                            continue;
                        }
                        let miss = want.iter().zip(&c.outputs).any(|(w, o)| w.is_some_and(|w| w != *o));
                        if best.as_ref().is_none_or(|b| (cost, miss) < (b.0, b.1)) {
                            best = Some((cost, miss, c.inputs, c.outputs));
                        }
                    }
                    let (_, _, inputs, outputs) = best.ok_or_else(|| {
                        format!("no sharding rule of '{}' applies on axis {}", kind.name(), axis.kind)
                    })?;
                    for (i, p) in inputs.into_iter().enumerate() {
                        need[i].0.push(p);
                    }
                    for (r, p) in outputs.into_iter().enumerate() {
                        got[r].0.push(p);
                    }
                }
                let mut new_operands = Vec::new();
                for (i, &v) in operands.iter().enumerate() {
                    new_operands.push(reshard(&mut out, &mut place, &mut memo, &sizes, v, &need[i])?);
                }
                let mut attrs = data.attrs.clone();
                attrs.set("sharding.placements", Sharding::list_attr(&got));
                let results = Builder::at_entry(&mut out)
                    .op(data.kind, &new_operands, attrs)
                    .map_err(|e| format!("@{}: {e}", fb.name))?;
                for ((&old, &new), s) in data.results.iter().zip(&results).zip(got) {
                    if let Some(name) = &fb.values[old].name {
                        out.set_name(new, name.clone());
                    }
                    place.insert(new, s);
                    map.insert(old, new);
                }
                // Strategy annotations on activations (sequence parallelism).
                for &old in &data.results {
                    if let Some(target) = strategy.activation(fb.values[old].name.as_deref(), place.at(*map.at(old))) {
                        let v = reshard(&mut out, &mut place, &mut memo, &sizes, *map.at(old), &target)?;
                        let a = AttrMap::new().with("placement", target.to_attr());
                        let annotated = Builder::at_entry(&mut out)
                            .op1(OpKind::Sharding(ShardingOp::Annotate), &[v], a)
                            .map_err(|e| e.to_string())?;
                        if let Some(name) = &fb.values[old].name {
                            out.set_name(annotated, format!("{name}.annotated"));
                        }
                        place.insert(annotated, target);
                        map.insert(old, annotated);
                    }
                }
            }
            other => return Err(format!("the shard pass expects graph ops, found '{}'", other.name())),
        }
    }
    Ok(out)
}

/// Ops that combine their operands element by element (NumPy broadcasting).
fn is_elementwise(kind: GraphOp) -> bool {
    matches!(kind, GraphOp::Add | GraphOp::Sub | GraphOp::Mul | GraphOp::Scale | GraphOp::Cast)
}

/// The placement on axis `k` that a use of `v` wants because of a value it is combined with:
/// when `v` is added to (or subtracted from) a value already placed `S(d)`, the sum will be
/// `S(d)`, so `v` had better be too (this keeps sequence-parallel residual streams sharded).
fn peer_placement(
    fb: &Function,
    uses: &SecondaryMap<Value, Vec<parc_dialects::ir::Op>>,
    map: &SecondaryMap<Value, Option<Value>>,
    place: &SecondaryMap<Value, Option<Sharding>>,
    v: Value,
    k: usize,
) -> Option<Placement> {
    for &op in &uses[v] {
        let data = &fb.ops[op];
        if !matches!(data.kind, OpKind::Graph(GraphOp::Add | GraphOp::Sub)) {
            continue;
        }
        for &other in &data.operands {
            if other == v {
                continue;
            }
            let p = map.get(other).and_then(|&n| place.get(n)).map(|s| s.0[k]);
            if let Some(Placement::Shard(d)) = p {
                let (ro, rv) =
                    (fb.value_type(data.results[0]).as_tensor().rank(), fb.value_type(other).as_tensor().rank());
                return Some(Placement::Shard(d + ro - rv));
            }
        }
    }
    None
}

/// `v` in placement `to`: itself, or a (memoized) `sharding.reshard` of it.
fn reshard(
    f: &mut Function,
    place: &mut SecondaryMap<Value, Option<Sharding>>,
    memo: &mut HashMap<(Value, Sharding), Value>,
    sizes: &[usize],
    v: Value,
    to: &Sharding,
) -> Result<Value, String> {
    let from = place.at(v).clone();
    if &from == to {
        return Ok(v);
    }
    if let Some(&r) = memo.get(&(v, to.clone())) {
        return Ok(r);
    }
    if let Some(r) = reduced_twin(f, place, memo, sizes, v, to) {
        let shape: Vec<usize> = f.value_type(v).as_tensor().shape.clone();
        let twin = Builder::at_entry(f).reshape(r, &shape).map_err(|e| e.to_string())?;
        let at = f.defining_op(twin);
        if let Some(op) = at {
            f.ops[op].attrs.set("sharding.placements", Sharding::list_attr(std::slice::from_ref(to)));
        }
        place.insert(twin, to.clone());
        memo.insert((v, to.clone()), twin);
        return Ok(twin);
    }
    let attrs = AttrMap::new().with("from", from.to_attr()).with("to", to.to_attr());
    let r = Builder::at_entry(f).op1(OpKind::Sharding(ShardingOp::Reshard), &[v], attrs).map_err(|e| e.to_string())?;
    if let Some(name) = f.values[v].name.clone() {
        f.set_name(r, format!("{name}.resharded"));
    }
    place.insert(r, to.clone());
    memo.insert((v, to.clone()), r);
    Ok(r)
}

/// When `v` is a reshape of `u`, the change from `v`'s placement to `to` only replicates axes
/// (P → R or S → R) and `u` was already replicated the same way: that replicated `u` (reshaping
/// it again is free). A gradient that feeds both the input-gradient matmul (as `[b, s, h]`) and the
/// weight-gradient matmul (as `[b·s, h]`) is reduced or gathered once, as in Megatron.
fn reduced_twin(
    f: &Function,
    place: &SecondaryMap<Value, Option<Sharding>>,
    memo: &HashMap<(Value, Sharding), Value>,
    sizes: &[usize],
    v: Value,
    to: &Sharding,
) -> Option<Value> {
    let op = f.defining_op(v)?;
    if f.ops[op].kind != OpKind::Graph(GraphOp::Reshape) {
        return None;
    }
    let u = f.ops[op].operands[0];
    let (from, from_u) = (place.at(v), place.get(u)?);
    let mut to_u = from_u.clone();
    for (k, (a, b)) in from.0.iter().zip(&to.0).enumerate() {
        if a == b {
            continue;
        }
        let same = match (*a, from_u.0[k]) {
            (Placement::Partial(x), Placement::Partial(y)) => x == y,
            (Placement::Shard(dv), Placement::Shard(du)) => {
                let (su, sv) = (&f.value_type(u).as_tensor().shape, &f.value_type(v).as_tensor().shape);
                super::rules::reshape_dim(su, sv, du, sizes[k]) == Some(dv)
            }
            _ => false,
        };
        if *b != Placement::Replicate || !same {
            return None;
        }
        to_u.0[k] = Placement::Replicate;
    }
    memo.get(&(u, to_u)).copied()
}

/// Placements that later uses want: the returned values' required placements, carried back
/// through the ops that keep their operand's shape (sums of gradients, scaling, casts).
fn desired_placements(fb: &Function, ret: &[Value], required: &[Sharding]) -> SecondaryMap<Value, Option<Sharding>> {
    let mut want: SecondaryMap<Value, Option<Sharding>> = SecondaryMap::new();
    for (v, s) in ret.iter().zip(required) {
        want.get_or_insert_with(*v, || s.clone());
    }
    let block = fb.entry_block();
    for &op in fb.blocks[block].ops.iter().rev() {
        let data = &fb.ops[op];
        let OpKind::Graph(kind) = data.kind else { continue };
        if !matches!(kind, GraphOp::Add | GraphOp::Sub | GraphOp::Scale | GraphOp::Cast) {
            continue;
        }
        let Some(s) = want.get(data.results[0]).cloned() else { continue };
        let shape = &fb.value_type(data.results[0]).as_tensor().shape;
        for &x in &data.operands {
            if &fb.value_type(x).as_tensor().shape == shape {
                want.get_or_insert_with(x, || s.clone());
            }
        }
    }
    want
}
