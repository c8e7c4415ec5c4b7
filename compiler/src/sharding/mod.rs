//! SPMD partitioning over the mesh's data-parallel (`dp`) and tensor-parallel (`tp`) axes.
//!
//! Three steps, each a pass with its own dump:
//! 1. **`shard`** ([`propagate`]): strategy annotations on `@forward_backward`'s arguments
//!    ([`Strategy`]), then placements for every value by the per-op rules of [`rules`], with
//!    explicit `sharding.reshard` ops where a rule needs another placement.
//! 2. **`partition`** ([`partition`]): the same function in the local view of one rank: every
//!    type is the rank's shard, every reshard is a `dist` collective on one mesh axis, and the
//!    vocab-parallel embedding and cross-entropy get their rank-relative forms.
//! 3. **ZeRO** ([`zero`], in the same pass): the local `@optimizer_step`, with optimizer state,
//!    gradients and parameters sharded on `dp` by stage, and `@forward_backward`'s ZeRO-2/3
//!    collectives (reduce-scattered gradients, parameters gathered before each use).
//!
//! Every rank runs the same program: what differs between ranks (which rows of the batch, which
//! block of the vocabulary, which ZeRO shard) is the rank's coordinate on an axis, which the
//! runtime supplies. So the program's size and the compile time do not depend on `dp` or `tp`.
//!
//! Data parallelism needs no special code path: the compiler builds `@forward` for the batch of
//! one micro-batch on every dp rank together (`micro_batch · dp` rows) and annotates `tokens` and
//! `labels` `S(0)` on `dp`; the rules then make every weight gradient `P(sum)` on `dp`.

pub mod partition;
pub mod propagate;
pub mod rules;
pub mod zero;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::dist::{Placement, Sharding};
use parc_dialects::ir::Module;
use parc_dialects::types::TensorType;

use crate::frontend::{ModelSpec, TrainingConfig};
use crate::mesh::{Axis, GroupKind, Mesh};
use crate::models::TpLayout;
use crate::passes::autodiff::FORWARD_BACKWARD;
use crate::passes::optimizer::OPTIMIZER_STEP;

/// The group a collective runs over and its size, as `dist` ops carry them (`{axis, size}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    pub kind: GroupKind,
    pub size: usize,
}

impl Group {
    /// The group of mesh axis `axis`, of `size` ranks.
    pub fn axis(axis: Axis, size: usize) -> Group {
        Group { kind: GroupKind::Axis(axis), size }
    }

    /// The group of kind `kind` on `mesh` (any kind: an axis, `edp`, `pp_ends`), with the mesh's
    /// size for it; `Local::collective(b, DistOp::AllToAll, &Group::on(mesh, kind), x, dim)` builds
    /// an exchange on it.
    pub fn on(mesh: &Mesh, kind: GroupKind) -> Group {
        Group { kind, size: mesh.group_size(kind) }
    }

    /// The attributes that name the group on a `dist` or `exec` collective: `{axis, size}`.
    pub fn attrs(&self) -> AttrMap {
        AttrMap::new().with("axis", Attr::Str(self.kind.name().into())).with("size", Attr::Int(self.size as i64))
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)
    }
}

/// What the partitioner needs to know: the axes (those of size > 1, in mesh order), the ZeRO
/// stage, sequence parallelism and the true vocabulary size (for padded vocab shards).
#[derive(Clone, Debug)]
pub struct ShardPlan {
    /// The whole mesh (written into the IR as `sharding.mesh`).
    pub mesh: Mesh,
    /// The groups that placements index, in placement order ([`Mesh::sharded_groups`]: dp and
    /// tp, or with expert parallelism edp, ep and tp).
    pub axes: Vec<Group>,
    pub dp: usize,
    pub tp: usize,
    /// What ZeRO shards over dp ([`zero::ZeroStage`]); nothing without a dp axis.
    pub zero: zero::ZeroStage,
    pub sequence_parallel: bool,
    pub vocab: usize,
    /// The element type gradients are reduced in ([`crate::frontend::TrainingConfig::grad_reduce`]).
    pub grad_dtype: parc_dialects::types::DType,
}

impl ShardPlan {
    /// The plan for `spec` on `mesh` (the pipeline axis is not partitioned here); an error for a
    /// ZeRO stage that does not exist.
    pub fn new(spec: &ModelSpec, mesh: &Mesh) -> Result<ShardPlan, String> {
        let axes = mesh.sharded_groups().into_iter().map(|g| Group::on(mesh, g)).collect();
        Ok(ShardPlan {
            mesh: *mesh,
            axes,
            dp: mesh.dp,
            tp: mesh.tp,
            zero: if mesh.dp > 1 { zero::ZeroStage::of(spec.training.zero)? } else { zero::ZeroStage::NONE },
            sequence_parallel: spec.training.sequence_parallel && mesh.tp > 1,
            vocab: spec.model.vocab,
            grad_dtype: spec.training.grad_reduce(),
        })
    }

    /// Whether anything is partitioned.
    pub fn is_partitioned(&self) -> bool {
        !self.axes.is_empty()
    }

    /// The placement index of `axis`, if it partitions.
    pub fn axis(&self, axis: Axis) -> Option<usize> {
        self.axes.iter().position(|a| a.kind == GroupKind::Axis(axis))
    }

    /// The group of `axis`, if it partitions.
    pub fn group(&self, axis: Axis) -> Option<Group> {
        self.axis(axis).map(|k| self.axes[k])
    }

    /// The placement indices of the groups that split the batch: dp, or edp and ep when expert
    /// parallelism cuts dp in two (a value split by batch is `S(0)` on each of them).
    pub fn data_axes(&self) -> Vec<usize> {
        (0..self.axes.len())
            .filter(|&k| matches!(self.axes[k].kind, GroupKind::Axis(Axis::Dp | Axis::Ep) | GroupKind::ExpertData))
            .collect()
    }

    /// The group over which a parameter's gradient is a partial sum and its ZeRO chunks are cut:
    /// dp for a dense parameter, edp for an expert's (replicated only over the ranks that hold the
    /// same experts); None when that group is one rank.
    pub fn replica_group(&self, expert: bool) -> Option<Group> {
        let kind = if expert { GroupKind::ExpertData } else { GroupKind::Axis(Axis::Dp) };
        let g = Group::on(&self.mesh, kind);
        (g.size > 1).then_some(g)
    }

    /// The ZeRO stage of a dense (`expert` false) or expert parameter: the plan's, or none when
    /// its replica group is one rank.
    pub fn zero_of(&self, expert: bool) -> zero::ZeroStage {
        if self.replica_group(expert).is_some() {
            self.zero
        } else {
            zero::ZeroStage::NONE
        }
    }

    /// The local shape of a value of global type `t` with placement `s`: sharded dims divided
    /// (rounded up: a shard that does not divide is zero-padded, as vocab shards are).
    pub fn local_type(&self, t: &TensorType, s: &Sharding) -> TensorType {
        let mut shape = t.shape.clone();
        for (axis, p) in self.axes.iter().zip(&s.0) {
            if let Placement::Shard(d) = *p {
                if d < shape.len() {
                    shape[d] = shape[d].div_ceil(axis.size);
                }
            }
        }
        t.with_shape(shape)
    }
}

/// The strategies, as placements of arguments and activations.
///
/// - **DP**: `tokens` and `labels` are `S(0)` on `dp`; parameters are replicated on `dp`.
/// - **Megatron TP** (Shoeybi et al. 2019), from the layout the model builder gives every weight
///   (the argument attribute `parc.tp`, [`TpLayout`]): the q/k/v projections and the MLP's
///   up and gate layers are column-parallel (weight `S(1)`, bias `S(0)`), so attention splits by
///   heads (and by key/value heads with GQA); the attention output projection and the MLP's down
///   layer are row-parallel (weight `S(0)`, bias replicated, added after the reduction); the token
///   embedding and an untied LM head are vocab-parallel (`S(0)` / `S(1)`), so the logits stay
///   split by vocabulary into a vocab-parallel cross-entropy. Norm weights are replicated.
/// - **Sequence parallelism** (Korthikanti et al. 2022): the embedding output is annotated `S(1)`
///   (split by sequence) on `tp`; the rules then keep the residual stream, the norms and their
///   gradients split by sequence and turn the TP all-reduces into all-gathers and reduce-scatters.
pub struct Strategy<'a> {
    plan: &'a ShardPlan,
}

impl<'a> Strategy<'a> {
    pub fn new(plan: &'a ShardPlan) -> Self {
        Strategy { plan }
    }

    /// The placement of the activations between pipeline stages (a stage's input, output and
    /// their gradients): split by batch on dp, and by sequence on tp with sequence parallelism.
    pub fn boundary(&self) -> Sharding {
        let mut s = Sharding::replicated(self.plan.axes.len());
        for k in self.plan.data_axes() {
            s.0[k] = Placement::Shard(0);
        }
        if let (Some(tp), true) = (self.plan.axis(Axis::Tp), self.plan.sequence_parallel) {
            s.0[tp] = Placement::Shard(1);
        }
        s
    }

    /// The placement of an argument of `@forward_backward` with attributes `attrs`.
    pub fn argument(&self, attrs: &AttrMap, t: &TensorType) -> Result<Sharding, String> {
        if attrs.str("parc.stage_input").is_some() || attrs.str("parc.cotangent").is_some() {
            return Ok(self.boundary());
        }
        let mut s = Sharding::replicated(self.plan.axes.len());
        if attrs.str("parc.input").is_some() && t.rank() > 0 {
            for k in self.plan.data_axes() {
                s.0[k] = Placement::Shard(0);
            }
        }
        // Expert parallelism: each ep rank holds its block of the experts (dim 0).
        if let (Some(ep), Some(_)) = (self.plan.axis(Axis::Ep), attrs.get("parc.expert")) {
            s.0[ep] = Placement::Shard(0);
        }
        if let (Some(tp), Some(layout)) = (self.plan.axis(Axis::Tp), attrs.str("parc.tp")) {
            let layout = TpLayout::from_name(layout).ok_or_else(|| {
                format!("parc.tp = \"{layout}\" is not a tensor-parallel layout (column, row or vocab)")
            })?;
            s.0[tp] = layout.placement(t.rank());
        }
        Ok(s)
    }

    /// A strategy's placement for an activation named `name`, if it has one.
    pub fn activation(&self, name: Option<&str>, current: &Sharding) -> Option<Sharding> {
        let tp = self.plan.axis(Axis::Tp)?;
        if self.plan.sequence_parallel && name == Some("embed") {
            let mut s = current.clone();
            s.0[tp] = Placement::Shard(1);
            return Some(s);
        }
        None
    }
}

/// The `shard` pass: placements for every value of `@forward_backward`.
pub fn run_shard(module: &mut Module, plan: &ShardPlan) -> Result<(), String> {
    let fb = module.function(FORWARD_BACKWARD).ok_or("the shard pass needs @forward_backward (run autodiff first)")?;
    let sharded = propagate::propagate(fb, plan)?;
    *module.function_mut(FORWARD_BACKWARD).ok_or("no @forward_backward")? = sharded;
    module.attrs.set("sharding.mesh", plan.mesh.to_attr());
    Ok(())
}

/// A parameter of a (sharded) `@forward_backward`, as the local optimizer step and the runtime
/// need it.
pub struct ParamShard {
    pub name: String,
    /// The rank's tensor-parallel piece (before any ZeRO flattening).
    pub local: TensorType,
    /// Whether tp shards it.
    pub tp_sharded: bool,
    /// Whether its gradient is returned partial on tp (reduced once per step by the optimizer).
    pub tp_partial_grad: bool,
    /// Whether it is an expert's weight (sharded over ep, replicated over edp).
    pub expert: bool,
    /// Its `exec.params` entry: global shape, placement, ZeRO's flat storage of the parameter and
    /// of its optimizer state.
    pub layout: Attr,
}

/// The parameters of `fb`, in argument order: the shard pass's output, or an unpartitioned
/// function (no placements: every parameter whole).
pub fn param_shards(fb: &parc_dialects::ir::Function, plan: &ShardPlan) -> Result<Vec<ParamShard>, String> {
    let partial = zero::tp_partial_grads(fb, plan)?;
    let tp = plan.axis(Axis::Tp);
    let mut out = Vec::new();
    for (i, &a) in fb.args().iter().enumerate() {
        let Some(name) = fb.arg_attrs[i].str("parc.param") else { continue };
        let s = match fb.arg_attrs[i].get("sharding.placement") {
            Some(attr) => Sharding::from_attr(attr)?,
            None => Sharding(Vec::new()),
        };
        let global = fb.value_type(a).as_tensor();
        let expert = fb.arg_attrs[i].get("parc.expert").is_some();
        out.push(ParamShard {
            name: name.to_string(),
            local: plan.local_type(global, &s),
            tp_sharded: tp.is_some_and(|k| matches!(s.0.get(k), Some(Placement::Shard(_)))),
            tp_partial_grad: partial.get(out.len()).copied().unwrap_or(false),
            expert,
            layout: zero::param_layout(name, global, &s, plan.zero_of(expert), expert && plan.mesh.ep > 1),
        });
    }
    Ok(out)
}

/// The `partition` pass: one rank's `@forward_backward` and `@optimizer_step`.
pub fn run_partition(module: &mut Module, plan: &ShardPlan, training: &TrainingConfig) -> Result<(), String> {
    let fb = module.function(FORWARD_BACKWARD).ok_or("the partition pass needs @forward_backward")?;
    let local = partition::partition(fb, plan)?;
    let shards = param_shards(fb, plan)?;
    let params: Vec<_> = shards.iter().map(|p| (p.name.clone(), p.local.clone(), p.tp_sharded, p.expert)).collect();
    let partial: Vec<bool> = shards.iter().map(|p| p.tp_partial_grad).collect();
    let opt = zero::optimizer_step(plan, training, &params, &partial, None)?;
    let layouts = shards.into_iter().map(|p| p.layout).collect();
    module.functions.retain(|f| f.name != FORWARD_BACKWARD && f.name != OPTIMIZER_STEP && f.name != "forward");
    module.functions.push(local);
    module.functions.push(opt);
    module.attrs.set("sharding.params", Attr::Array(layouts));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_on_a_mesh_carry_its_sizes_into_the_attributes() {
        let mesh = Mesh::parse("dp=8,tp=2,ep=2").unwrap();
        let attrs = |kind| Group::on(&mesh, kind).attrs().to_string();
        assert_eq!(attrs(GroupKind::Axis(Axis::Ep)), r#"{axis = "ep", size = 2 : i64}"#);
        assert_eq!(attrs(GroupKind::ExpertData), r#"{axis = "edp", size = 4 : i64}"#);
        assert_eq!(attrs(GroupKind::Axis(Axis::Dp)), r#"{axis = "dp", size = 8 : i64}"#);
    }
}
