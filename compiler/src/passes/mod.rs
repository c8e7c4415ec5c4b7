//! The compiler's passes, one per file, and the one table that gives each its CLI name and help
//! line. The pipeline is a straight list of these, run by the pass manager in
//! `parc_dialects::pass` with the verifier between them.

pub mod autodiff;
pub mod cse;
pub mod dce;
pub mod lower_exec;
pub mod memory_plan;
pub mod optimizer;

use parc_dialects::pass::Pass;

use crate::driver::CompileContext;
use crate::mesh::Mesh;
use crate::sharding::ShardPlan;

/// Every pass, in pipeline order.
pub static PASSES: &[Pass<CompileContext>] = &[
    Pass { name: "cse", help: "merge ops that compute the same value from the same operands", run: |m, _| cse::run(m) },
    Pass { name: "dce", help: "drop ops whose results are never used", run: |m, _| dce::run(m) },
    Pass {
        name: "autodiff",
        help: "add @forward_backward: the loss and its gradient for every parameter (reverse mode)",
        run: |m, _| autodiff::run(m),
    },
    Pass { name: "cse-backward", help: "cse again, over the backward ops", run: |m, _| cse::run(m) },
    Pass { name: "dce-backward", help: "dce again, over the backward ops", run: |m, _| dce::run(m) },
    Pass {
        name: "optimizer",
        help: "add @optimizer_step: gradient clipping, learning-rate schedule and the AdamW or SGD update",
        run: |m, ctx| optimizer::run(m, &ctx.spec.training),
    },
    Pass {
        name: "shard",
        help: "place every value on the mesh (DP, Megatron TP, sequence parallel) by per-op rules; explicit reshards",
        run: |m, ctx| crate::sharding::run_shard(m, &ShardPlan::new(&ctx.spec, &ctx.mesh)),
    },
    Pass {
        name: "partition",
        help: "one rank's view: local shapes, reshards become dist collectives, ZeRO stages, local optimizer step",
        run: |m, ctx| crate::sharding::run_partition(m, &ShardPlan::new(&ctx.spec, &ctx.mesh), &ctx.spec.training),
    },
    Pass {
        name: "lower-exec",
        help: "lower the step to the rank's exec program: kernels, fused elementwise ops, buffers",
        run: |m, ctx| lower_exec::run(m, &ctx.spec.training),
    },
    Pass {
        name: "memory-plan",
        help: "assign every buffer a byte offset in the rank's arena (liveness, best-fit by size)",
        run: |m, _| memory_plan::run(m),
    },
];

/// Passes that turn the step into per-rank programs; they run where the mesh has no pipeline
/// axis (pipeline stages are not partitioned yet).
pub const PROGRAM_PASSES: &[&str] = &["lower-exec", "memory-plan"];

/// Passes that partition the step over dp and tp; they run where either is larger than 1.
pub const SHARDING_PASSES: &[&str] = &["shard", "partition"];

/// The passes `parc compile` runs for `mesh`, in order.
pub fn pipeline(mesh: &Mesh) -> Vec<&'static Pass<CompileContext>> {
    PASSES
        .iter()
        .filter(|p| mesh.pp == 1 || !PROGRAM_PASSES.contains(&p.name))
        .filter(|p| (mesh.pp == 1 && mesh.dp * mesh.tp > 1) || !SHARDING_PASSES.contains(&p.name))
        .collect()
}
