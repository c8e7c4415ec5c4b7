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

/// Passes that turn the step into per-rank programs; they need every rank's share of the work,
/// so they run only where one rank does all of it until the partitioner exists.
pub const PROGRAM_PASSES: &[&str] = &["lower-exec", "memory-plan"];

/// The passes `parc compile` runs for `mesh`, in order.
pub fn pipeline(mesh: &Mesh) -> Vec<&'static Pass<CompileContext>> {
    PASSES.iter().filter(|p| mesh.world_size() == 1 || !PROGRAM_PASSES.contains(&p.name)).collect()
}
