//! The compiler's passes, one per file, and the one table that gives each its CLI name and help
//! line. The pipeline is a straight list of these, run by the pass manager in
//! `parc_dialects::pass` with the verifier between them.

pub mod autodiff;
pub mod cse;
pub mod dce;
pub mod optimizer;

use parc_dialects::pass::Pass;

use crate::driver::CompileContext;

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
];

/// The passes `parc compile` runs, in order.
pub fn pipeline() -> Vec<&'static Pass<CompileContext>> {
    PASSES.iter().collect()
}
