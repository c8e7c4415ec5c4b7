//! ZeRO (Rajbhandari et al. 2020) on the data-parallel axis, and the local optimizer step.
//!
//! Each parameter's rank-local tensor (after tensor parallelism) is viewed as a flat vector,
//! zero-padded to a multiple of `dp` and split into `dp` contiguous chunks, as DeepSpeed does;
//! rank `i` of the dp group owns chunk `i`. By stage:
//! - **0**: gradients are all-reduced over dp at the start of the optimizer step, in buckets of
//!   at most [`BUCKET_BYTES`] (one collective per bucket, as PyTorch DDP does), then every rank
//!   runs the whole update.
//! - **1**: optimizer state is the rank's chunk. Gradients accumulate whole over the step's
//!   micro-batches, are reduce-scattered once into the rank's chunk, the chunk of the parameter is
//!   updated, and the updated chunks are all-gathered back into the whole parameter.
//! - **2**: as 1, but each micro-batch's gradients are reduce-scattered right away, so only the
//!   chunk is kept across micro-batches.
//! - **3**: as 2, and parameters are kept as chunks too: every use in `@forward_backward` gathers
//!   the parameter just before the op (again in the backward), and nothing is gathered after the
//!   update.
//!
//! The global gradient norm for clipping sums squares over the chunks (padding is zero) and over
//! the tensor-parallel shards, with one all-reduce per axis that holds partial sums.

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::{BuildError, Builder};
use parc_dialects::dist::{DistOp, ReduceKind, Sharding};
use parc_dialects::ir::{Function, Value};
use parc_dialects::types::{DType, TensorType, Type};

use super::partition::Local;
use super::{Group, ShardPlan};
use crate::frontend::TrainingConfig;
use crate::mesh::{Axis, GroupKind};
use crate::passes::optimizer::{build_with, Layout, NORM_GROUPS};

/// What a ZeRO stage keeps as the rank's flat dp chunk instead of whole (the module doc says how
/// each stage runs). One row per stage of [`ZeroStage::TABLE`]; the passes ask the row, never the
/// stage number.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ZeroStage {
    /// Adam's moments (and every other optimizer state): stage 1 and up.
    pub optimizer_state: bool,
    /// Gradients, reduce-scattered after each micro-batch: stage 2 and up.
    pub gradients: bool,
    /// Parameters, gathered before each use: stage 3.
    pub parameters: bool,
}

impl ZeroStage {
    /// Stages 0 to 3, in order.
    pub const TABLE: [ZeroStage; 4] = [
        ZeroStage { optimizer_state: false, gradients: false, parameters: false },
        ZeroStage { optimizer_state: true, gradients: false, parameters: false },
        ZeroStage { optimizer_state: true, gradients: true, parameters: false },
        ZeroStage { optimizer_state: true, gradients: true, parameters: true },
    ];

    /// Nothing sharded: stage 0, and any stage without a dp axis.
    pub const NONE: ZeroStage = ZeroStage::TABLE[0];

    /// The row of stage `stage` (the frontend admits 0 to 3).
    pub fn of(stage: u8) -> Result<ZeroStage, String> {
        ZeroStage::TABLE
            .get(usize::from(stage))
            .copied()
            .ok_or_else(|| format!("zero = {stage} is not a ZeRO stage; zero can be 0 (off), 1, 2 or 3"))
    }

    /// Whether anything is sharded.
    pub fn any(self) -> bool {
        self.optimizer_state || self.gradients || self.parameters
    }
}

/// Gradients of at most this many bytes share one all-reduce (PyTorch DDP's default bucket).
pub const BUCKET_BYTES: u64 = 25 << 20;

/// The type of the rank's flat chunk of a tensor of type `t` over `dp` ranks.
pub fn flat_shard(t: &TensorType, dp: usize) -> TensorType {
    t.with_shape([t.shape.iter().product::<usize>().div_ceil(dp)])
}

fn be(e: String) -> BuildError {
    BuildError { op: "partition", message: e }
}

/// Gathers a parameter's flat chunks into its local shape `lt`.
pub fn gather_param(
    local: &Local,
    b: &mut Builder,
    dp: &Group,
    chunk: Value,
    lt: &TensorType,
) -> Result<Value, String> {
    let flat = local.gather(b, dp, chunk, 0, lt.shape.iter().product::<usize>())?;
    b.reshape(flat, &lt.shape).map_err(|e| e.to_string())
}

/// The element type a gradient of element type `dtype` is reduced in: the plan's
/// `grad_reduce_dtype` for a bf16 gradient, its own type otherwise.
pub fn reduce_dtype(plan: &ShardPlan, dtype: DType) -> DType {
    if dtype == DType::BF16 {
        plan.grad_dtype
    } else {
        dtype
    }
}

/// Gradient `g` in the element type it is reduced in ([`reduce_dtype`]): widened by a cast
/// before its collective when that differs from its own.
pub fn for_reduction(plan: &ShardPlan, b: &mut Builder, g: Value) -> Result<Value, BuildError> {
    let dtype = b.ty(g).as_tensor().dtype;
    let want = reduce_dtype(plan, dtype);
    if want == dtype {
        Ok(g)
    } else {
        b.cast(g, want)
    }
}

/// Reduce-scatters a dp-partial tensor into the rank's flat chunk (zero-padded first).
pub fn reduce_scatter_flat(local: &Local, b: &mut Builder, dp: &Group, x: Value) -> Result<Value, String> {
    let t = b.ty(x).as_tensor().clone();
    let n: usize = t.shape.iter().product();
    let mut flat = b.reshape(x, &[n]).map_err(|e| e.to_string())?;
    let padded = n.div_ceil(dp.size) * dp.size;
    if padded != n {
        let pad = b.fill(&[padded - n], t.dtype, 0.0).map_err(|e| e.to_string())?;
        flat = b.concat(&[flat, pad], 0).map_err(|e| e.to_string())?;
    }
    local.collective(b, DistOp::ReduceScatter, dp, flat, 0)
}

/// The local optimizer step's layout: ZeRO on each parameter's replica group (dp, or edp for an
/// expert's weight), tensor-parallel shards on tp, expert shards on ep, and with pipeline stages
/// the global norm summed over pp and the tied embedding's gradient summed over the first and the
/// last stage.
struct Sharded<'p> {
    local: Local<'p>,
    /// Per parameter: its local (tensor-parallel) type, whether tp shards it and whether it is an
    /// expert's weight.
    params: Vec<(TensorType, bool, bool)>,
    /// Per parameter: its gradient arrives partial on tp (reduced here, once per step).
    tp_partial: Vec<bool>,
    pipeline: Option<PipelineRole>,
}

/// A pipeline stage's part in the optimizer step.
#[derive(Clone, Debug, Default)]
pub struct PipelineRole {
    /// The number of stages.
    pub stages: usize,
    /// Per parameter: held by both the first and the last stage (a tied embedding).
    pub tied: Vec<bool>,
    /// Per parameter: left out of this stage's sum of squares (the last stage's copy of a tied
    /// embedding, counted by the first stage).
    pub skip_norm: Vec<bool>,
}

impl Sharded<'_> {
    fn plan(&self) -> &ShardPlan {
        self.local.plan
    }

    /// The group parameter `i`'s gradient is reduced over and its ZeRO chunks are cut on.
    fn group(&self, i: usize) -> Option<Group> {
        self.plan().replica_group(self.params[i].2)
    }

    /// Parameter `i`'s ZeRO stage: the plan's, or none when its replica group is one rank.
    fn zero(&self, i: usize) -> ZeroStage {
        self.plan().zero_of(self.params[i].2)
    }

    /// Whether parameter `i` is split over ep (an expert's weight on a mesh with ep > 1).
    fn ep_split(&self, i: usize) -> bool {
        self.params[i].2 && self.plan().group(Axis::Ep).is_some()
    }
}

impl Layout for Sharded<'_> {
    fn arg_types(&self, i: usize, param: &Type) -> (Type, Type, Type) {
        let t = param.as_tensor();
        let n = self.group(i).map_or(1, |g| g.size);
        let flat = flat_shard(t, n);
        let z = self.zero(i);
        let p = if z.parameters { flat.clone() } else { t.clone() };
        // Gradients reduce-scattered in each micro-batch arrive in the type they were reduced in.
        let g = if z.gradients { flat.with_dtype(reduce_dtype(self.plan(), t.dtype)) } else { t.clone() };
        let s = if z.optimizer_state { flat } else { t.clone() };
        (p.into(), g.into(), s.with_dtype(DType::F32).into())
    }

    fn prepare(
        &mut self,
        b: &mut Builder,
        params: &[Value],
        grads: &[Value],
        need_params: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), BuildError> {
        let mut g = grads.to_vec();
        // Every gradient meets its collectives in the reduction type, widened right before the
        // first (so one bucket's widened copies are alive at a time, not every gradient's).
        let plan = self.local.plan;
        // Gradients partial on tp: one bucketed all-reduce per step.
        if let Some(tp) = self.plan().group(Axis::Tp) {
            let partial: Vec<usize> = (0..g.len()).filter(|&i| self.tp_partial.get(i) == Some(&true)).collect();
            for bucket in partial.chunks(64) {
                let xs: Vec<Value> = bucket.iter().map(|&i| for_reduction(plan, b, g[i])).collect::<Result<_, _>>()?;
                let reduced = self.local.all_reduce(b, &tp, &xs, ReduceKind::Sum).map_err(be)?;
                for (&i, v) in bucket.iter().zip(reduced) {
                    g[i] = v;
                }
            }
        }
        if let Some(pp) = &self.pipeline {
            // The tied embedding's two copies get the sum of both stages' gradients.
            let ends = Group { kind: GroupKind::PipelineEnds, size: 2 };
            for (i, v) in g.iter_mut().enumerate() {
                if pp.tied.get(i) == Some(&true) {
                    let x = for_reduction(plan, b, *v)?;
                    *v = self.local.all_reduce(b, &ends, &[x], ReduceKind::Sum).map_err(be)?[0];
                }
            }
        }
        // Without ZeRO: a bucketed all-reduce over each parameter's replica group, in parameter
        // order (a bucket holds consecutive parameters of one group).
        let size = |b: &Builder, v: Value| {
            let t = b.ty(v).as_tensor();
            t.with_dtype(reduce_dtype(plan, t.dtype)).size_bytes()
        };
        let mut start = 0;
        while start < g.len() {
            let (Some(group), false) = (self.group(start), self.zero(start).any()) else {
                start += 1;
                continue;
            };
            let mut end = start;
            let mut bytes = 0;
            while end < g.len()
                && self.group(end) == Some(group)
                && !self.zero(end).any()
                && (end == start || bytes + size(b, g[end]) <= BUCKET_BYTES)
            {
                bytes += size(b, g[end]);
                end += 1;
            }
            for v in &mut g[start..end] {
                *v = for_reduction(plan, b, *v)?;
            }
            let reduced = self.local.all_reduce(b, &group, &g[start..end], ReduceKind::Sum).map_err(be)?;
            for (k, v) in reduced.into_iter().enumerate() {
                g[start + k] = v;
            }
            start = end;
        }
        let mut p = params.to_vec();
        for i in 0..g.len() {
            let (Some(group), z) = (self.group(i), self.zero(i)) else { continue };
            if z.optimizer_state && !z.gradients {
                // Whole gradients: reduce-scattered once, into the rank's chunk.
                let x = for_reduction(plan, b, g[i])?;
                g[i] = reduce_scatter_flat(&self.local, b, &group, x).map_err(be)?;
            }
            if z.optimizer_state && !z.parameters && need_params {
                let n: usize = b.ty(p[i]).as_tensor().shape.iter().product();
                let flat = b.reshape(p[i], &[n])?;
                p[i] = self.local.collective(b, DistOp::ShardSlice, &group, flat, 0).map_err(be)?;
            }
        }
        Ok((p, g))
    }

    /// Six sums, by what completes them: bit 0, an all-reduce over tp (a tp-sharded gradient);
    /// `2·c`: c = 0 nothing more, 1 an all-reduce over ep (an expert's whole gradient, split by
    /// experts), 2 an all-reduce over dp (a ZeRO chunk: of dp, or of edp within an ep block).
    fn norm_group(&self, i: usize) -> usize {
        if self.pipeline.as_ref().is_some_and(|p| p.skip_norm.get(i) == Some(&true)) {
            return usize::MAX;
        }
        let tp = usize::from(self.plan().axis(Axis::Tp).is_some() && self.params[i].1);
        let c = if self.zero(i).optimizer_state {
            2
        } else if self.ep_split(i) {
            1
        } else {
            0
        };
        tp + 2 * c
    }

    fn combine(&mut self, b: &mut Builder, sums: [Option<Value>; NORM_GROUPS]) -> Result<Option<Value>, BuildError> {
        let add = |b: &mut Builder, x: Option<Value>, y: Option<Value>| -> Result<Option<Value>, BuildError> {
            Ok(match (x, y) {
                (Some(a), Some(c)) => Some(b.add(a, c)?),
                (a, c) => a.or(c),
            })
        };
        let mut by_rest = [None; 3];
        for (c, slot) in by_rest.iter_mut().enumerate() {
            let mut sharded = sums[2 * c + 1];
            if let (Some(s), Some(tp)) = (sharded, self.plan().group(Axis::Tp)) {
                sharded = Some(self.local.all_reduce(b, &tp, &[s], ReduceKind::Sum).map_err(be)?[0]);
            }
            *slot = add(b, sums[2 * c], sharded)?;
        }
        let [mut total, mut over_ep, mut over_dp] = by_rest;
        if let (Some(s), Some(ep)) = (over_ep, self.plan().group(Axis::Ep)) {
            over_ep = Some(self.local.all_reduce(b, &ep, &[s], ReduceKind::Sum).map_err(be)?[0]);
        }
        total = add(b, total, over_ep)?;
        if let (Some(s), Some(dp)) = (over_dp, self.plan().replica_group(false)) {
            over_dp = Some(self.local.all_reduce(b, &dp, &[s], ReduceKind::Sum).map_err(be)?[0]);
        }
        total = add(b, total, over_dp)?;
        if let (Some(t), Some(pp)) = (total, &self.pipeline) {
            let axis = Group::axis(Axis::Pp, pp.stages);
            total = Some(self.local.all_reduce(b, &axis, &[t], ReduceKind::Sum).map_err(be)?[0]);
        }
        Ok(total)
    }

    fn finish(&mut self, b: &mut Builder, i: usize, updated: Value) -> Result<Value, BuildError> {
        let (Some(group), z) = (self.group(i), self.zero(i)) else { return Ok(updated) };
        // The updated chunk goes back into the whole parameter, unless parameters stay chunks.
        if !z.optimizer_state || z.parameters {
            return Ok(updated);
        }
        let lt = self.params[i].0.clone();
        gather_param(&self.local, b, &group, updated, &lt).map_err(be)
    }
}

/// The rank's `@optimizer_step` for the local parameters `params` (name, local type, whether tp
/// shards it, whether it is an expert's weight), whose gradients arrive partial on tp where
/// `tp_partial` says so, on a pipeline stage when `pipeline` says so.
pub fn optimizer_step(
    plan: &ShardPlan,
    training: &TrainingConfig,
    params: &[(String, TensorType, bool, bool)],
    tp_partial: &[bool],
    pipeline: Option<PipelineRole>,
) -> Result<Function, String> {
    let mut layout = Sharded {
        local: Local { plan },
        params: params.iter().map(|(_, t, s, e)| (t.clone(), *s, *e)).collect(),
        tp_partial: tp_partial.to_vec(),
        pipeline,
    };
    let list: Vec<(String, Type)> = params.iter().map(|(n, t, _, _)| (n.clone(), Type::Tensor(t.clone()))).collect();
    build_with(&list, training, &mut layout).map_err(|e| e.to_string())
}

/// Which of `fb`'s returned parameter gradients (sharded function, in parameter order) are
/// partial on the tp axis.
pub fn tp_partial_grads(fb: &parc_dialects::ir::Function, plan: &ShardPlan) -> Result<Vec<bool>, String> {
    let n = fb.arg_attrs.iter().filter(|a| a.str("parc.param").is_some()).count();
    let Some(tp) = plan.axis(Axis::Tp) else { return Ok(vec![false; n]) };
    let ret = *fb.blocks[fb.entry_block()].ops.last().ok_or("empty function")?;
    let mut out = Vec::with_capacity(n);
    for &v in fb.ops[ret].operands.iter().skip(1).take(n) {
        let s = match fb.defining_op(v) {
            Some(op) => match fb.ops[op].kind {
                parc_dialects::ir::OpKind::Sharding(parc_dialects::dist::ShardingOp::Reshard) => {
                    Sharding::of(&fb.ops[op].attrs, "to")?
                }
                _ => {
                    let i = fb.ops[op].results.iter().position(|&r| r == v).unwrap_or(0);
                    match fb.ops[op].attrs.get("sharding.placements") {
                        Some(list) => {
                            Sharding::from_list_attr(list)?.into_iter().nth(i).unwrap_or(Sharding(Vec::new()))
                        }
                        None => Sharding(Vec::new()),
                    }
                }
            },
            None => Sharding(Vec::new()),
        };
        out.push(s.0.get(tp) == Some(&parc_dialects::dist::Placement::Partial(ReduceKind::Sum)));
    }
    Ok(out)
}

/// The module attribute entry describing how a parameter is stored on every rank: its global
/// shape, its placement, whether the parameter itself is a flat chunk (ZeRO-3) and whether its
/// optimizer state (moments, fp32 master copy) is (ZeRO-1 and up). The chunks are cut over dp,
/// or over edp for an expert's weight under expert parallelism (`zero_group = "edp"`).
pub fn param_layout(name: &str, global: &TensorType, placement: &Sharding, zero: ZeroStage, edp: bool) -> Attr {
    let mut m = AttrMap::new()
        .with("name", Attr::Str(name.into()))
        .with("shape", Attr::Ints(global.shape.iter().map(|&d| d as i64).collect()))
        .with("placement", placement.to_attr())
        .with("zero_flat", Attr::Bool(zero.parameters))
        .with("state_flat", Attr::Bool(zero.optimizer_state));
    if edp && zero.any() {
        m.set("zero_group", Attr::Str(GroupKind::ExpertData.name().into()));
    }
    Attr::Dict(m)
}
