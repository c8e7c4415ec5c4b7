//! The compiler's passes, one per file, and the one table that gives each its CLI name and help
//! line. The pass list of a compilation is built from its plan ([`StepPlan`]) as a list of these
//! entries, and run by the pass manager in `parc_dialects::pass` with the verifier between them.

pub mod autodiff;
pub mod cse;
pub mod dce;
pub mod lower_exec;
pub mod memory_plan;
pub mod optimizer;
pub mod recompute;

use parc_dialects::ir::Module;
use parc_dialects::pass::Pass;

use crate::driver::CompileContext;
use crate::mesh::Mesh;
use crate::sharding::ShardPlan;

/// `pass!(CONST, "name", "help", run)`: one entry of the pass table.
macro_rules! pass {
    ($(#[$doc:meta])* $id:ident, $name:literal, $help:literal, $run:expr) => {
        $(#[$doc])*
        pub const $id: Pass<CompileContext> = Pass { name: $name, help: $help, run: $run };
    };
}

pass!(CSE, "cse", "merge ops that compute the same value from the same operands", |m, _| cse::run(m));
pass!(DCE, "dce", "drop ops whose results are never used", |m, _| dce::run(m));
pass!(CSE_BACKWARD, "cse-backward", "cse again, over the backward ops", |m, _| cse::run(m));
pass!(DCE_BACKWARD, "dce-backward", "dce again, over the backward ops", |m, _| dce::run(m));
pass!(
    AUTODIFF,
    "autodiff",
    "add @forward_backward: the loss and its gradient for every parameter (reverse mode)",
    |m, _| autodiff::run(m)
);
pass!(
    RECOMPUTE,
    "recompute",
    "decide what the backward keeps and what it recomputes (training.recompute: none, selective, full)",
    |m, ctx| recompute::run(m, ctx.spec.training.recompute)
);
pass!(
    OPTIMIZER,
    "optimizer",
    "add @optimizer_step: gradient clipping, learning-rate schedule and the AdamW or SGD update",
    |m, ctx| optimizer::run(m, &ctx.spec.training)
);
pass!(
    SHARD,
    "shard",
    "place every value on the mesh (DP, Megatron TP, sequence parallel) by per-op rules; explicit reshards",
    |m, ctx| crate::sharding::run_shard(m, &ShardPlan::new(&ctx.spec, &ctx.mesh)?)
);
pass!(
    PARTITION,
    "partition",
    "one rank's view: local shapes, reshards become dist collectives, ZeRO stages, local optimizer step",
    partition
);
pass!(
    LOWER_EXEC,
    "lower-exec",
    "lower the step to the rank's exec program: kernels, fused elementwise ops, buffers",
    |m, ctx| lower_exec::run(m, &ctx.spec.training)
);
pass!(
    MEMORY_PLAN,
    "memory-plan",
    "assign every buffer a byte offset in the rank's arena (liveness, best-fit by size)",
    |m, _| memory_plan::run(m)
);

/// Every pass, in pipeline order: the names and help lines of `parc compile --help`, and the names
/// `--print-ir-after` accepts.
pub static PASSES: &[Pass<CompileContext>] =
    &[CSE, DCE, AUTODIFF, CSE_BACKWARD, DCE_BACKWARD, RECOMPUTE, OPTIMIZER, SHARD, PARTITION, LOWER_EXEC, MEMORY_PLAN];

/// What a compilation does with the training step, as far as the pass list is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepPlan {
    /// dp or tp split the step: the shard and partition passes run (on the whole step, or on each
    /// stage's parts).
    pub partitioned: bool,
    /// The mesh has pipeline stages: the whole step stays a graph (the model's training step, as
    /// written), and each stage's program is built from its own parts
    /// (`pipeline::lower`, with [`part_passes`] and [`STAGE_ASSEMBLY`]).
    pub stages: bool,
    /// The step is lowered to a rank program (lower-exec, memory-plan).
    pub programs: bool,
}

impl StepPlan {
    /// The plan of a compilation for `mesh`.
    pub fn of(mesh: &Mesh) -> StepPlan {
        let stages = mesh.pp > 1;
        StepPlan { partitioned: mesh.dp * mesh.tp > 1, stages, programs: !stages }
    }

    /// The training step as graph functions only, on one device (no partitioning, no program).
    pub const GRAPH: StepPlan = StepPlan { partitioned: false, stages: false, programs: false };
}

/// The passes of the whole step for `plan`, in order.
pub fn passes(plan: &StepPlan) -> Vec<&'static Pass<CompileContext>> {
    let mut list: Vec<&'static Pass<CompileContext>> =
        vec![&CSE, &DCE, &AUTODIFF, &CSE_BACKWARD, &DCE_BACKWARD, &RECOMPUTE, &OPTIMIZER];
    if plan.partitioned && !plan.stages {
        list.extend([&SHARD, &PARTITION]);
    }
    if plan.programs && !plan.stages {
        list.extend([&LOWER_EXEC, &MEMORY_PLAN]);
    }
    list
}

/// The passes `parc compile` runs over the whole step for `mesh`, in order.
pub fn pipeline(mesh: &Mesh) -> Vec<&'static Pass<CompileContext>> {
    passes(&StepPlan::of(mesh))
}

/// The passes of one part of a pipeline stage (one chunk's layers), in two lists: `placed` ends
/// where every value has its placement on dp and tp (the stage's parameter shards are read
/// there), `local` turns the part into one rank's view.
pub struct PartPasses {
    pub placed: Vec<&'static Pass<CompileContext>>,
    pub local: Vec<&'static Pass<CompileContext>>,
}

/// The passes of a stage's part for `plan`. The optimizer step is the stage's, built once for all
/// its parts ([`STAGE_ASSEMBLY`]).
pub fn part_passes(plan: &StepPlan) -> PartPasses {
    let mut placed: Vec<&'static Pass<CompileContext>> =
        vec![&CSE, &DCE, &AUTODIFF, &CSE_BACKWARD, &DCE_BACKWARD, &RECOMPUTE];
    let mut local = Vec::new();
    if plan.partitioned {
        placed.push(&SHARD);
        local.push(&PARTITION);
    }
    PartPasses { placed, local }
}

/// The steps that assemble a pipeline stage's program from its parts, in order: its optimizer
/// step (with the stage's share of the tied embedding and of the gradient norm), the lowering
/// (the schedule as calls, the stash, send and receive, and the parts' functions in exec) and the
/// memory plan. `pipeline::lower` runs the stage forms of the first two under these names.
pub static STAGE_ASSEMBLY: [&Pass<CompileContext>; 3] = [&OPTIMIZER, &LOWER_EXEC, &MEMORY_PLAN];

/// Every step name a compilation for `plan` runs (besides `input`), the stages' included: what
/// `--print-ir-after` may name.
pub fn step_names(plan: &StepPlan) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = passes(plan).iter().map(|p| p.name).collect();
    if plan.stages {
        let part = part_passes(plan);
        names.extend(part.placed.iter().chain(&part.local).chain(STAGE_ASSEMBLY.iter()).map(|p| p.name));
    }
    let mut seen = Vec::new();
    names.retain(|n| {
        let new = !seen.contains(n);
        seen.push(*n);
        new
    });
    names
}

/// The partition pass: the whole step's `@forward_backward` and `@optimizer_step`, or a pipeline
/// stage's part, which has no optimizer step of its own (`@forward_backward` alone; the stage's
/// optimizer step comes later, over all its parts).
fn partition(module: &mut Module, ctx: &CompileContext) -> Result<(), String> {
    let plan = ShardPlan::new(&ctx.spec, &ctx.mesh)?;
    if module.function(optimizer::OPTIMIZER_STEP).is_some() {
        return crate::sharding::run_partition(module, &plan, &ctx.spec.training);
    }
    let fb = module.function(autodiff::FORWARD_BACKWARD).ok_or("the partition pass needs @forward_backward")?;
    let local = crate::sharding::partition::partition(fb, &plan)?;
    module.functions.retain(|f| f.name != autodiff::FORWARD_BACKWARD && f.name != "forward");
    module.functions.push(local);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&Pass<CompileContext>]) -> Vec<&'static str> {
        list.iter().map(|p| p.name).collect()
    }

    #[test]
    fn the_pass_list_follows_the_plan() {
        let graph = ["cse", "dce", "autodiff", "cse-backward", "dce-backward", "recompute", "optimizer"];
        let mesh = |m: &str| Mesh::parse(m).map_err(|e| e.to_string()).expect("mesh");
        let one = names(&pipeline(&mesh("1x1x1")));
        assert_eq!(one, [&graph[..], &["lower-exec", "memory-plan"]].concat());
        let split = names(&pipeline(&mesh("2x1x2")));
        assert_eq!(split, [&graph[..], &["shard", "partition", "lower-exec", "memory-plan"]].concat());
        // With stages the whole step stays a graph; the stages' parts and programs have their own.
        let staged = StepPlan::of(&mesh("2x2x2"));
        assert_eq!(names(&passes(&staged)), graph);
        let part = part_passes(&staged);
        assert_eq!(
            names(&part.placed),
            ["cse", "dce", "autodiff", "cse-backward", "dce-backward", "recompute", "shard"]
        );
        assert_eq!(names(&part.local), ["partition"]);
        assert!(names(&part_passes(&StepPlan::of(&mesh("1x2x1"))).local).is_empty());
        assert_eq!(names(&passes(&StepPlan::GRAPH)), graph);
        // Every step name is the table's, and `--print-ir-after` accepts each that runs.
        let table = names(&PASSES.iter().collect::<Vec<_>>());
        assert_eq!(step_names(&staged).len(), table.len());
        assert!(step_names(&staged).iter().all(|n| table.contains(n)));
        assert!(!step_names(&StepPlan::of(&mesh("1x2x1"))).contains(&"partition"));
    }
}
