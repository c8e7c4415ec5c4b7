//! The `partition` pass's first half: the sharded `@forward_backward` (global view with
//! placements) becomes one rank's function (local view).
//!
//! - Every type becomes the rank's shard ([`ShardPlan::local_type`]); shape attributes (reshape,
//!   fill, broadcast, split sizes, the embedding gradient's row count) follow.
//! - Every `sharding.reshard` becomes `dist` ops, one mesh axis at a time:
//!   R→S `shard_slice`, S→R `all_gather` (then the padding cut off), S(i)→S(j) both, P→R
//!   `all_reduce`, P(sum)→S `reduce_scatter`, and R→P(sum) (only where a replicated value is
//!   returned as a per-rank share) a scale by 1/n.
//! - A vocab-sharded embedding looks up only its block of rows (`shard_axis`); a vocab-sharded
//!   cross-entropy becomes the Megatron form: local max → all-reduce(max) → local sum of
//!   exponentials and target logit → all-reduce(sum) → loss; its gradient reuses those statistics.
//! - With ZeRO-3 every use of a parameter gathers it from its dp shards right before the op (so it
//!   is gathered again in the backward and freed after each use); with ZeRO-2/3 every returned
//!   gradient is reduce-scattered into the rank's flat shard (see [`super::zero`]).
//!
//! Each rebuilt op's inferred local types are checked against the placements: a rule that
//! promised a placement the op cannot produce is an internal error, never a wrong program.

use parc_dialects::entity::SecondaryMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::Builder;
use parc_dialects::dist::{DistOp, Placement, ReduceKind, Sharding, ShardingOp};
use parc_dialects::func::FuncOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, OpKind, Value};
use parc_dialects::types::{DType, TensorType, Type};

use super::zero;
use super::{Group, ShardPlan};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The placement recorded for an argument or op result of the sharded function.
fn placements_of(f: &Function) -> Result<SecondaryMap<Value, Option<Sharding>>, String> {
    let mut out = SecondaryMap::new();
    for (i, &a) in f.args().iter().enumerate() {
        out.insert(a, Sharding::of(&f.arg_attrs[i], "sharding.placement")?);
    }
    for &op in &f.blocks[f.entry_block()].ops {
        let data = &f.ops[op];
        match data.kind {
            OpKind::Sharding(ShardingOp::Annotate) => {
                out.insert(data.results[0], Sharding::of(&data.attrs, "placement")?);
            }
            OpKind::Sharding(ShardingOp::Reshard) => {
                out.insert(data.results[0], Sharding::of(&data.attrs, "to")?);
            }
            OpKind::Graph(_) => {
                let Some(list) = data.attrs.get("sharding.placements") else {
                    return Err(format!(
                        "'{}' has no sharding.placements (run the shard pass first)",
                        data.kind.name()
                    ));
                };
                for (&r, s) in data.results.iter().zip(Sharding::from_list_attr(list)?) {
                    out.insert(r, s);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Emits collectives and local ops on one function.
pub struct Local<'p> {
    pub plan: &'p ShardPlan,
}

impl Local<'_> {
    /// `dist.<op>(x) {axis, size, dim}`.
    pub fn collective(&self, b: &mut Builder, op: DistOp, axis: &Group, x: Value, dim: usize) -> Result<Value, String> {
        let a = axis.attrs().with("dim", Attr::Int(dim as i64));
        b.op1(OpKind::Dist(op), &[x], a).map_err(err)
    }

    /// `dist.all_reduce(xs…) {axis, size, op}`.
    pub fn all_reduce(
        &self,
        b: &mut Builder,
        axis: &Group,
        xs: &[Value],
        kind: ReduceKind,
    ) -> Result<Vec<Value>, String> {
        let a = axis.attrs().with("op", Attr::Str(kind.name().into()));
        b.op(OpKind::Dist(DistOp::AllReduce), xs, a).map_err(err)
    }

    /// Gathers `x` sharded along `dim` whose unsharded size is `full`, dropping the padding.
    pub fn gather(&self, b: &mut Builder, axis: &Group, x: Value, dim: usize, full: usize) -> Result<Value, String> {
        let g = self.collective(b, DistOp::AllGather, axis, x, dim)?;
        let have = b.shape(g)[dim];
        if have == full {
            return Ok(g);
        }
        let sizes = vec![full as i64, (have - full) as i64];
        let parts = b.split(g, dim as i64, &sizes).map_err(err)?;
        Ok(parts[0])
    }

    /// S(d) → S(e) on `axis` by one all_to_all (expert parallelism's dispatch and combine): the
    /// rank sends block j of its dim `e` to member j and puts what member i sent at block i of
    /// dim `d`. Dim `e` is split to the front (reshape, transpose), exchanged along dim 0, and the
    /// member dim is merged back in front of dim `d`. Neither dim may be padded.
    fn exchange(&self, b: &mut Builder, axis: &Group, x: Value, d: usize, e: usize) -> Result<Value, String> {
        let n = axis.size;
        let shape = b.shape(x).to_vec();
        let r = shape.len();
        let mut split = shape.clone();
        split[e] /= n;
        split.insert(e, n);
        let mut y = b.reshape(x, &split).map_err(err)?;
        if e > 0 {
            let perm: Vec<i64> = std::iter::once(e).chain((0..=r).filter(|&i| i != e)).map(|i| i as i64).collect();
            y = b.transpose(y, &perm).map_err(err)?;
        }
        y = self.collective(b, DistOp::AllToAll, axis, y, 0)?;
        // [n, rest…]: rest is `shape` with dim e cut by n; move n in front of rest's dim d.
        if d > 0 {
            let perm: Vec<i64> = (1..=d).chain(std::iter::once(0)).chain(d + 1..=r).map(|i| i as i64).collect();
            y = b.transpose(y, &perm).map_err(err)?;
        }
        let mut merged = shape;
        merged[e] /= n;
        merged[d] *= n;
        b.reshape(y, &merged).map_err(err)
    }

    /// Lowers a reshard of local value `x` (global type `global`) from `from` to `to`.
    pub fn reshard(
        &self,
        b: &mut Builder,
        mut x: Value,
        global: &TensorType,
        from: &Sharding,
        to: &Sharding,
    ) -> Result<Value, String> {
        use Placement::*;
        for (k, axis) in self.plan.axes.iter().enumerate() {
            let (f, t) = (from.0[k], to.0[k]);
            if f == t {
                continue;
            }
            // The size of the dim on this axis before sharding (after the other axes' shards).
            let full = |d: usize| -> usize {
                let mut s = global.shape[d];
                for (j, other) in self.plan.axes.iter().enumerate() {
                    if j != k && from.0[j] == Shard(d) {
                        s = s.div_ceil(other.size);
                    }
                }
                s
            };
            x = match (f, t) {
                (Replicate, Shard(d)) => self.collective(b, DistOp::ShardSlice, axis, x, d)?,
                (Shard(d), Replicate) => {
                    let n = full(d);
                    self.gather(b, axis, x, d, n)?
                }
                (Shard(d), Shard(e)) if b.shape(x)[e] % axis.size == 0 && full(d) == b.shape(x)[d] * axis.size => {
                    self.exchange(b, axis, x, d, e)?
                }
                (Shard(d), Shard(e)) => {
                    let n = full(d);
                    let g = self.gather(b, axis, x, d, n)?;
                    self.collective(b, DistOp::ShardSlice, axis, g, e)?
                }
                (Partial(kind), Replicate) => self.all_reduce(b, axis, &[x], kind)?[0],
                (Partial(ReduceKind::Sum), Shard(d)) if b.shape(x)[d] % axis.size == 0 => {
                    self.collective(b, DistOp::ReduceScatter, axis, x, d)?
                }
                (Partial(kind), Shard(d)) => {
                    let r = self.all_reduce(b, axis, &[x], kind)?[0];
                    self.collective(b, DistOp::ShardSlice, axis, r, d)?
                }
                (Replicate, Partial(ReduceKind::Sum)) => b.scale(x, 1.0 / axis.size as f64).map_err(err)?,
                (f, t) => return Err(format!("cannot reshard {f} to {t} on axis {}", axis.kind)),
            };
        }
        Ok(x)
    }
}

/// Partitions the sharded `@forward_backward` into one rank's function.
pub fn partition(f: &Function, plan: &ShardPlan) -> Result<Function, String> {
    let place = placements_of(f)?;
    let local = Local { plan };
    let args = f.args().to_vec();
    // Each parameter's replica group (dp, or edp for an expert's weight), where ZeRO cuts it.
    let replica = |i: usize| -> Option<Group> {
        f.arg_attrs[i].str("parc.param")?;
        plan.replica_group(f.arg_attrs[i].get("parc.expert").is_some())
    };
    let mut arg_types = Vec::new();
    for &a in &args {
        let lt = plan.local_type(f.value_type(a).as_tensor(), place.at(a));
        arg_types.push(Type::Tensor(lt));
    }
    // ZeRO-3: parameters arrive as the rank's flat dp shard.
    let mut zero3_params: SecondaryMap<Value, Option<(TensorType, Group)>> = SecondaryMap::new();
    let mut out_arg_types = arg_types.clone();
    for (i, &a) in args.iter().enumerate() {
        if let (true, Some(group)) = (plan.zero.parameters, replica(i)) {
            let lt = arg_types[i].as_tensor().clone();
            out_arg_types[i] = Type::Tensor(zero::flat_shard(&lt, group.size));
            zero3_params.insert(a, (lt, group));
        }
    }
    let mut out = Function::new(f.name.clone(), out_arg_types, vec![]);
    out.attrs = f.attrs.clone();
    let new_args = out.args().to_vec();
    let mut map: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    for (i, &a) in args.iter().enumerate() {
        let mut attrs = f.arg_attrs[i].clone();
        attrs.remove("sharding.placement");
        out.arg_attrs[i] = attrs;
        if let Some(n) = &f.values[a].name {
            out.set_name(new_args[i], n.clone());
        }
        map.insert(a, new_args[i]);
    }
    // Vocab-parallel cross-entropy statistics (max, sum of exponentials) per logits value.
    let mut stats: SecondaryMap<Value, Option<(Value, Value)>> = SecondaryMap::new();

    for &op in &f.blocks[f.entry_block()].ops {
        let data = f.ops[op].clone();
        let mut b = Builder::at_entry(&mut out);
        // Operands; ZeRO-3 parameters are gathered for this use.
        let mut operands = Vec::new();
        for &v in &data.operands {
            match zero3_params.get(v) {
                Some((lt, group)) => operands.push(zero::gather_param(&local, &mut b, group, *map.at(v), lt)?),
                None => operands.push(*map.at(v)),
            }
        }
        match data.kind {
            OpKind::Func(FuncOp::Return) => {
                let mut vals = operands.clone();
                if plan.zero.gradients {
                    // Parameter gradients (the results after the loss or output activation) go
                    // to their flat shard of the parameter's replica group.
                    let groups = (0..args.len()).filter(|&i| f.arg_attrs[i].str("parc.param").is_some()).map(replica);
                    for (v, group) in vals.iter_mut().skip(1).zip(groups.collect::<Vec<_>>()) {
                        if let Some(group) = group {
                            let g = zero::for_reduction(plan, &mut b, *v).map_err(err)?;
                            *v = zero::reduce_scatter_flat(&local, &mut b, &group, g)?;
                        }
                    }
                }
                b.ret(&vals).map_err(err)?;
                out.result_types = vals.iter().map(|&v| out.value_type(v).clone()).collect();
            }
            OpKind::Sharding(ShardingOp::Annotate) => {
                map.insert(data.results[0], operands[0]);
            }
            OpKind::Sharding(ShardingOp::Reshard) => {
                let src = data.operands[0];
                let global = f.value_type(src).as_tensor().clone();
                let r = local.reshard(&mut b, operands[0], &global, place.at(src), place.at(data.results[0]))?;
                if let Some(n) = &f.values[data.results[0]].name {
                    out.set_name(r, n.clone());
                }
                map.insert(data.results[0], r);
            }
            OpKind::Graph(kind) => {
                let expected: Vec<TensorType> =
                    data.results.iter().map(|&r| plan.local_type(f.value_type(r).as_tensor(), place.at(r))).collect();
                let in_place: Vec<&Sharding> = data.operands.iter().map(|&v| place.at(v)).collect();
                let vocab_axis =
                    |p: &Sharding, d: usize| -> Option<usize> { p.0.iter().position(|&x| x == Placement::Shard(d)) };
                let mut attrs = data.attrs.clone();
                attrs.remove("sharding.placements");
                let results = match kind {
                    GraphOp::CrossEntropy | GraphOp::CrossEntropyGrad
                        if vocab_axis(in_place[0], f.value_type(data.operands[0]).as_tensor().rank() - 1).is_some() =>
                    {
                        let logits_rank = f.value_type(data.operands[0]).as_tensor().rank();
                        let k = vocab_axis(in_place[0], logits_rank - 1).unwrap_or(0);
                        let axis = &plan.axes[k];
                        if kind == GraphOp::CrossEntropy {
                            let (m, se, target) = vocab_stats(&local, &mut b, axis, operands[0], operands[1])?;
                            stats.insert(data.operands[0], (m, se));
                            let from_stats = OpKind::Graph(GraphOp::CrossEntropyFromStats);
                            vec![b.op1(from_stats, &[se, m, target], AttrMap::new()).map_err(err)?]
                        } else {
                            let (m, se) = match stats.get(data.operands[0]).copied() {
                                Some(s) => s,
                                None => {
                                    let s = vocab_stats(&local, &mut b, axis, operands[0], operands[1])?;
                                    (s.0, s.1)
                                }
                            };
                            let a = AttrMap::new()
                                .with("vocab", Attr::Int(plan.vocab as i64))
                                .with("shard_axis", Attr::Str(axis.kind.name().into()));
                            let grad = OpKind::Graph(GraphOp::CrossEntropyGradStats);
                            vec![b.op1(grad, &[operands[0], operands[1], m, se, operands[2]], a).map_err(err)?]
                        }
                    }
                    _ => {
                        localize_attrs(kind, &mut attrs, &expected, &in_place, place.at(data.results[0]), plan);
                        b.op(data.kind, &operands, attrs).map_err(|e| format!("partitioning @{}: {e}", f.name))?
                    }
                };
                finish(&mut out, f, &data.results, &results, &expected, &mut map, kind)?;
            }
            other => return Err(format!("cannot partition '{}'", other.name())),
        }
    }
    // With sequence parallelism the backward gathers its activations again instead of keeping
    // them gathered since the forward (Korthikanti et al.; docs/activation-memory.md).
    if plan.sequence_parallel && out.name.starts_with(crate::passes::autodiff::FORWARD_BACKWARD) {
        crate::passes::recompute::regather(&mut out)?;
    }
    Ok(out)
}

/// Checks the local results against the placements and records them.
fn finish(
    out: &mut Function,
    f: &Function,
    old: &[Value],
    new: &[Value],
    expected: &[TensorType],
    map: &mut SecondaryMap<Value, Option<Value>>,
    kind: GraphOp,
) -> Result<(), String> {
    for ((&o, &n), e) in old.iter().zip(new).zip(expected) {
        let got = out.value_type(n).as_tensor();
        if got != e {
            return Err(format!(
                "partitioning '{}' gave a local {} where its placement needs {}",
                kind.name(),
                Type::Tensor(got.clone()),
                Type::Tensor(e.clone())
            ));
        }
        if let Some(name) = &f.values[o].name {
            out.set_name(n, name.clone());
        }
        map.insert(o, n);
    }
    Ok(())
}

/// Vocab-parallel cross-entropy statistics of local `logits` on `axis`: (max, sumexp, target),
/// each reduced over the axis.
fn vocab_stats(
    local: &Local,
    b: &mut Builder,
    axis: &Group,
    logits: Value,
    labels: Value,
) -> Result<(Value, Value, Value), String> {
    let m = b.reduce(GraphOp::ReduceMax, logits, &[-1], false).map_err(err)?;
    let m = if b.ty(m).as_tensor().dtype == DType::F32 { m } else { b.cast(m, DType::F32).map_err(err)? };
    let m = local.all_reduce(b, axis, &[m], ReduceKind::Max)?[0];
    b.named(m, "logits_max");
    let a = AttrMap::new()
        .with("vocab", Attr::Int(local.plan.vocab as i64))
        .with("shard_axis", Attr::Str(axis.kind.name().into()));
    let s = b.op(OpKind::Graph(GraphOp::CrossEntropyStats), &[logits, labels, m], a).map_err(err)?;
    let s = local.all_reduce(b, axis, &s, ReduceKind::Sum)?;
    b.named(s[0], "logits_sumexp");
    b.named(s[1], "target_logit");
    Ok((m, s[0], s[1]))
}

/// Rewrites the attributes that carry global sizes to the rank's local ones.
fn localize_attrs(
    kind: GraphOp,
    attrs: &mut AttrMap,
    expected: &[TensorType],
    ins: &[&Sharding],
    out: &Sharding,
    plan: &ShardPlan,
) {
    let ints = |s: &[usize]| Attr::Ints(s.iter().map(|&d| d as i64).collect());
    match kind {
        GraphOp::Reshape | GraphOp::Fill | GraphOp::Broadcast => attrs.set("shape", ints(&expected[0].shape)),
        GraphOp::Split => {
            let rank = expected[0].rank();
            let axis = parc_dialects::graph::normalize_axis(attrs.int("axis").unwrap_or(0), rank).unwrap_or(0);
            attrs.set("sizes", ints(&expected.iter().map(|t| t.shape[axis]).collect::<Vec<_>>()));
        }
        GraphOp::Embedding => {
            if let Some(k) = ins[0].0.iter().position(|&p| p == Placement::Shard(0)) {
                attrs.set("shard_axis", Attr::Str(plan.axes[k].kind.name().into()));
            }
        }
        // A rank holds whole groups of tokens: its share of the groups.
        GraphOp::MoeScatter | GraphOp::MoeGather => {
            let rows = if kind == GraphOp::MoeScatter { out } else { ins[0] };
            let split: usize = rows
                .0
                .iter()
                .zip(&plan.axes)
                .filter(|(p, _)| **p == Placement::Shard(1))
                .map(|(_, axis)| axis.size)
                .product();
            let groups = attrs.int("groups").unwrap_or(1);
            attrs.set("groups", Attr::Int(groups / split.max(1) as i64));
        }
        GraphOp::EmbeddingGrad => {
            if let Some(k) = out.0.iter().position(|&p| p == Placement::Shard(0)) {
                attrs.set("shard_axis", Attr::Str(plan.axes[k].kind.name().into()));
                attrs.set("vocab", Attr::Int(expected[0].shape[0] as i64));
            }
        }
        _ => {}
    }
}
