//! Pipeline stages as rank programs: each stage's program runs its chunks' forward and backward
//! functions in the order its schedule says, receiving and sending activations and gradients
//! between stages.
//!
//! Per stage `s` and chunk `c`, the part of the model it holds (`models::build_part`) goes through
//! the ordinary passes in the pass manager, verified and dumped like the whole model's (cse, dce,
//! autodiff, cse-backward, dce-backward, recompute, and shard and partition when dp or tp split
//! it; the list is `passes::part_passes`), and the stage's program is assembled from its parts in
//! the named steps `optimizer`, `lower-exec` and `memory-plan` ([`compile_stages`]). A part that
//! is not the model's first takes the activation `x_in` and one that is not the last takes its
//! output's cotangent `dy_out` and returns the gradient of `x_in` as well. Each chunk's
//! `@forward_backward` is cut in two at its forward/backward boundary ([`super::cut`]):
//!
//! - `@forward_cC`: the cone of the chunk's output (or loss), which it sends to the next stage (or
//!   adds to `loss`), and every value the backward reads (as the recompute pass left them), written
//!   into the micro-batch's stash slot;
//! - `@backward_cC`: the gradients from the slot's saved values (and whatever the recompute policy
//!   recomputes): the parameters' gradients accumulate, the input's gradient is sent back. With
//!   ZB-H1 it is cut again at the input's gradient: `@backward_input_cC` and
//!   `@backward_weight_cC`, with what the second reads of the first stashed in ZB-H1's slots.
//!
//! The chunk's functions are written for stash slot 0; each call names the micro-batch's slot with
//! `exec.call {rebind}`, so nothing is copied. `@train_step` is the schedule unrolled into a list
//! of calls (O(micro-batches), independent of dp and tp), with as many slots per chunk as the
//! schedule keeps that chunk's micro-batches in flight. Activations travel with tag 0 and
//! gradients with tag 1, each on its own FIFO queue, so a stage that both sends activations and
//! gradients to one neighbour (two stages, interleaved) cannot mix them up. After the last action
//! the loss (non-zero only on the last stage) is summed over pp and dp, and `@optimizer_step`
//! runs: data-parallel reductions as ZeRO says, the tied embedding's gradient summed between the
//! first and the last stage, and the global gradient norm summed over the stages.

use std::collections::HashMap;

use parc_dialects::attr::Attr;
use parc_dialects::exec::{ExecOp, TensorRole as Role};
use parc_dialects::ir::{Function, Module};
use parc_dialects::pass::{PassRunner, PipelineOptions, PipelineReport};
use parc_dialects::types::{DType, Type};

use super::cut::{cut, Crossing, Cut};
use super::plan::{parts, saved_bytes_per_layer, ScheduleOptions};
use super::schedule::{schedule, Action};
use crate::driver::{CompileContext, CompileError};
use crate::frontend::ModelSpec;
use crate::mesh::{Axis, Mesh};
use crate::models::{build_part, Part};
use crate::passes::autodiff::FORWARD_BACKWARD;
use crate::passes::lower_exec::{
    self, lower_function, lower_function_with, tensor_attr, PersistentTensor, StepBuilder,
};
use crate::passes::optimizer::{state_names, OPTIMIZER_STEP};
use crate::passes::{part_passes, StepPlan, LOWER_EXEC, MEMORY_PLAN, OPTIMIZER};
use crate::sharding::zero::{self, PipelineRole};
use crate::sharding::{param_shards, Group, ParamShard, ShardPlan};

/// Tag of activation messages (forward).
const ACTIVATION: i64 = 0;
/// Tag of gradient messages (backward).
const GRADIENT: i64 = 1;

/// One chunk of a stage after the passes.
struct Chunk {
    /// `@forward_backward` in the rank's local view.
    fb: Function,
    first: bool,
    last: bool,
}

/// The rank programs of every stage of `ctx.spec` on `ctx.mesh` (`pp > 1`), stage order, and the
/// dumps and timings of the steps that built them.
///
/// Each part (chunk `c` of stage `s`) runs the passes [`part_passes`] lists through the pass
/// manager, dumped as `stage-S/NN-pass.mlir`, or `stage-S/chunk-C/NN-pass.mlir` when the stage
/// has several chunks. The stage's program is then assembled in three more steps, numbered on
/// from the parts' dumps in `stage-S/`: `optimizer` (the parts' `@forward_backward` as
/// `@forward_backward_cC`, and the stage's `@optimizer_step`), `lower-exec` (the exec program:
/// the schedule as calls in `@train_step`, the stash, send and receive) and `memory-plan`.
pub fn compile_stages(
    ctx: &CompileContext,
    opts: &ScheduleOptions,
    pipeline: &PipelineOptions,
) -> Result<StagePrograms, CompileError> {
    let (spec, mesh) = (&ctx.spec, &ctx.mesh);
    let parts = parts(spec, mesh, opts).map_err(|e| CompileError::Internal(e.to_string()))?;
    let plan = ShardPlan::new(spec, mesh).map_err(|e| CompileError::User(parc_dialects::diag::Diagnostic::new(e)))?;
    let mut out =
        StagePrograms { modules: Vec::new(), report: PipelineReport::default(), activation_bytes_per_layer: 0 };
    // Stages are independent: they compile on as many threads as there are cores (worker `w`
    // takes stages w, w + n, …), and are put back in stage order, so the output does not depend
    // on the thread count.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, mesh.pp);
    let mut results: Vec<Option<Result<Stage, CompileError>>> = (0..mesh.pp).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (plan, parts) = (&plan, &parts);
                scope.spawn(move || {
                    (w..mesh.pp)
                        .step_by(workers)
                        .map(|s| (s, compile_stage(ctx, plan, parts, s, opts, pipeline)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A worker that panicked leaves its stages empty: reported below as an internal error.
        for done in handles.into_iter().filter_map(|h| h.join().ok()) {
            for (s, r) in done {
                results[s] = Some(r);
            }
        }
    });
    for (s, result) in results.into_iter().enumerate() {
        let stage = result.ok_or_else(|| CompileError::Internal(format!("compiling stage {s} panicked")))??;
        out.report.dumps.extend(stage.report.dumps);
        out.report.timings.extend(stage.report.timings);
        out.modules.push(stage.module);
        // Every layer has the same shapes, so saves the same; the largest, should any differ.
        for (_, bytes) in stage.saved {
            out.activation_bytes_per_layer = out.activation_bytes_per_layer.max(bytes);
        }
    }
    Ok(out)
}

/// The stage programs of a pipelined step.
pub struct StagePrograms {
    /// Each stage's rank program, stage order.
    pub modules: Vec<Module>,
    /// The dumps and timings of the steps that built them.
    pub report: PipelineReport,
    /// What one rank saves for the backward of one layer and one micro-batch, from the programs
    /// (`plan::saved_bytes_per_layer` over every chunk's `@forward_backward`).
    pub activation_bytes_per_layer: u64,
}

/// One stage's program, its dumps, and the bytes each of its layers saves for the backward.
struct Stage {
    module: Module,
    report: PipelineReport,
    saved: Vec<(usize, u64)>,
}

fn compile_stage(
    ctx: &CompileContext,
    plan: &ShardPlan,
    parts: &[std::ops::Range<usize>],
    s: usize,
    opts: &ScheduleOptions,
    pipeline: &PipelineOptions,
) -> Result<Stage, CompileError> {
    let (spec, mesh) = (&ctx.spec, &ctx.mesh);
    let internal = |e: String| CompileError::Internal(e);
    let (p, v) = (mesh.pp, opts.chunks);
    let rows = spec.training.micro_batch * mesh.dp;
    let m = spec.training.global_batch / (spec.training.micro_batch * mesh.dp);
    let passes = part_passes(&StepPlan::of(mesh));
    let mut report = PipelineReport::default();
    let mut locals: Vec<(Module, bool, bool)> = Vec::new();
    let mut params: Vec<ParamShard> = Vec::new();
    let mut next = 0;
    for c in 0..v {
        let part = Part { layers: parts[c * p + s].clone(), first: s == 0 && c == 0, last: s == p - 1 && c == v - 1 };
        let mut module = build_part(spec, rows, &part).map_err(|e| internal(e.to_string()))?;
        let dir = if v == 1 { format!("stage-{s}/") } else { format!("stage-{s}/chunk-{c}/") };
        let mut runner = PassRunner::new(pipeline, dir, 0);
        runner.input(&module)?;
        for pass in &passes.placed {
            runner.run(&mut module, ctx, pass)?;
        }
        // The parameters as placed (a parameter in several chunks, a tied embedding, is the
        // stage's once).
        let fb = module.function(FORWARD_BACKWARD).ok_or_else(|| internal("a part has no @forward_backward".into()))?;
        for shard in param_shards(fb, plan).map_err(internal)? {
            if !params.iter().any(|p| p.name == shard.name) {
                params.push(shard);
            }
        }
        for pass in &passes.local {
            runner.run(&mut module, ctx, pass)?;
        }
        next = next.max(runner.next_index());
        let r = runner.finish(&module)?;
        report.dumps.extend(r.dumps);
        report.timings.extend(r.timings);
        locals.push((module, part.first, part.last));
    }
    let flags: Vec<(bool, bool)> = locals.iter().map(|&(_, first, last)| (first, last)).collect();
    let list: Vec<(String, parc_dialects::types::TensorType, bool, bool)> =
        params.iter().map(|p| (p.name.clone(), p.local.clone(), p.tp_sharded, p.expert)).collect();
    let partial: Vec<bool> = params.iter().map(|p| p.tp_partial_grad).collect();
    let tied: Vec<bool> = list
        .iter()
        .map(|(n, _, _, _)| n == "embed.tokens.weight" && spec.model.tie_embeddings && (s == 0 || s == p - 1))
        .collect();
    let skip_norm: Vec<bool> = tied.iter().map(|&t| t && s == p - 1).collect();
    let actions = schedule(opts.kind, p, m, v, s).map_err(|e| internal(e.to_string()))?;

    let mut runner = PassRunner::new(pipeline, format!("stage-{s}/"), next);
    let mut module = Module::new();
    let mut saved = Vec::new();
    // The stage's functions before lowering: each part's `@forward_backward_cC` and the stage's
    // optimizer step over all its parameters.
    runner.step(&mut module, OPTIMIZER.name, |module| {
        for (c, (part, _, _)) in locals.into_iter().enumerate() {
            module.attrs = part.attrs.clone();
            for mut f in part.functions.into_iter().filter(|f| f.name == FORWARD_BACKWARD) {
                f.name = format!("{FORWARD_BACKWARD}_c{c}");
                module.functions.push(f);
            }
        }
        let role = PipelineRole { stages: p, tied, skip_norm };
        module.functions.push(zero::optimizer_step(plan, &spec.training, &list, &partial, Some(role))?);
        Ok(())
    })?;
    runner.step(&mut module, LOWER_EXEC.name, |module| {
        // The module is replaced by its lowering: its functions move into the chunks.
        let mut functions = std::mem::take(&mut module.functions);
        let mut take = |name: &str| match functions.iter().position(|f| f.name == name) {
            Some(i) => Ok(functions.swap_remove(i)),
            None => Err(format!("no @{name}")),
        };
        let mut chunks = Vec::new();
        for (c, &(first, last)) in flags.iter().enumerate() {
            chunks.push(Chunk { fb: take(&format!("{FORWARD_BACKWARD}_c{c}"))?, first, last });
        }
        let opt = take(OPTIMIZER_STEP)?;
        let (mut lowered, layers) = lower_stage(spec, mesh, &chunks, &opt, &list, &actions, m)?;
        saved = layers;
        for (k, val) in module.attrs.iter() {
            if k.starts_with("parc.") {
                lowered.attrs.set(k, val.clone());
            }
        }
        lowered.attrs.set("exec.mesh", mesh.to_attr());
        lowered.attrs.set("exec.stage", Attr::Int(s as i64));
        lowered.attrs.set("exec.params", Attr::Array(params.into_iter().map(|p| p.layout).collect()));
        *module = lowered;
        Ok(())
    })?;
    runner.run(&mut module, ctx, &MEMORY_PLAN)?;
    let r = runner.finish(&module)?;
    report.dumps.extend(r.dumps);
    report.timings.extend(r.timings);
    Ok(Stage { module, report, saved })
}

/// The names of a chunk's persistent buffers.
fn chunk_name(what: &str, c: usize) -> String {
    format!("{what}.c{c}")
}

fn lower_stage(
    spec: &ModelSpec,
    mesh: &Mesh,
    chunks: &[Chunk],
    opt: &Function,
    params: &[(String, parc_dialects::types::TensorType, bool, bool)],
    actions: &[Action],
    m: usize,
) -> Result<(Module, Vec<(usize, u64)>), String> {
    let mut tensors: Vec<PersistentTensor> = Vec::new();
    let loads = chunks.iter().any(|c| c.first || c.last);
    let batch = Type::memref([spec.training.micro_batch, spec.model.seq_len], DType::I32);
    if loads {
        add_tensor(&mut tensors, "tokens".into(), Role::Input, batch.clone());
        add_tensor(&mut tensors, "labels".into(), Role::Input, batch);
    }
    // Parameter buffers as the optimizer step takes them (a flat dp chunk with ZeRO-3).
    for (i, (name, _, _, _)) in params.iter().enumerate() {
        let ty = opt.value_type(opt.args()[i]).as_tensor().clone();
        add_tensor(&mut tensors, name.clone(), Role::Param, Type::MemRef(ty));
    }
    add_tensor(&mut tensors, "loss".into(), Role::Output, Type::memref([], DType::F32));
    // Gradients: from the chunks' results (the partitioner may shard them).
    let mut fb_args: Vec<Vec<String>> = Vec::new();
    let mut fb_results: Vec<Vec<String>> = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        let f = &chunk.fb;
        let mut names = Vec::new();
        for (i, &a) in f.args().iter().enumerate() {
            let at = &f.arg_attrs[i];
            let ty = Type::MemRef(f.value_type(a).as_tensor().clone());
            let name = if let Some(n) = at.str("parc.input") {
                n.to_string()
            } else if at.str("parc.param").is_some() {
                at.str("parc.param").unwrap_or_default().to_string()
            } else if at.str("parc.stage_input").is_some() {
                let n = chunk_name("x_in", c);
                add_tensor(&mut tensors, n.clone(), Role::Input, ty);
                n
            } else if at.str("parc.cotangent").is_some() {
                let n = chunk_name("dy_out", c);
                add_tensor(&mut tensors, n.clone(), Role::Input, ty);
                n
            } else {
                return Err(format!("argument {i} of a stage's @forward_backward has no role"));
            };
            names.push(name);
        }
        fb_args.push(names);
        let n_params = f.arg_attrs.iter().filter(|a| a.str("parc.param").is_some()).count();
        let param_names: Vec<String> =
            f.arg_attrs.iter().filter_map(|a| a.str("parc.param").map(|n| n.to_string())).collect();
        let mut results = Vec::new();
        for (k, rt) in f.result_types.iter().enumerate() {
            let ty = Type::MemRef(rt.as_tensor().clone());
            let name = if k > 0 && !chunk.last && rt.as_tensor().rank() == 0 {
                // A MoE part's load-balancing loss, added to the stage's loss.
                "loss".to_string()
            } else if k == 0 {
                if chunk.last {
                    "loss".to_string()
                } else {
                    let n = chunk_name("x_out", c);
                    add_tensor(&mut tensors, n.clone(), Role::Output, ty);
                    n
                }
            } else if k <= n_params {
                let n = format!("grad.{}", param_names[k - 1]);
                add_tensor(&mut tensors, n.clone(), Role::Grad, ty);
                n
            } else {
                let n = chunk_name("dx_in", c);
                add_tensor(&mut tensors, n.clone(), Role::Output, ty);
                n
            };
            results.push(name);
        }
        fb_results.push(results);
    }
    // Each chunk cut at its forward/backward boundary: the forward returns its output and what
    // the backward reads of it (the saved activations, as the recompute pass left them), written
    // into the micro-batch's stash slot that the backward then reads. With ZB-H1 the backward is
    // cut again at the input gradient: what the weight-gradient pass reads of the input-gradient
    // pass (and the received output gradient) is stashed likewise.
    let split = actions.iter().any(|a| matches!(a, Action::BackwardWeight { .. }));
    let mut cuts: Vec<ChunkCut> = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        let f = &chunk.fb;
        let role_arg = |key: &str| f.arg_attrs.iter().position(|a| a.str(key).is_some());
        let x_in: Vec<usize> = role_arg("parc.stage_input").into_iter().collect();
        // The forward computes the output (or the loss) and a MoE part's own loss.
        let mut head = vec![0];
        head.extend((1..fb_results[c].len()).filter(|&k| fb_results[c][k] == "loss"));
        let fb = cut(f, &head, &x_in, &format!("forward_c{c}"), &format!("backward_c{c}"))?;
        let saved = crossing_buffers(&mut tensors, &fb, &fb_args[c], &slot_prefix("", c, 0));
        let mut forward_results: Vec<String> = head.iter().map(|&k| fb_results[c][k].clone()).collect();
        let mut forward_acc: Vec<bool> = forward_results.iter().map(|n| n == "loss").collect();
        forward_results.extend(saved.head_results.iter().cloned());
        forward_acc.resize(forward_results.len(), false);
        let forward =
            ChunkFn { f: fb.head.clone(), args: fb_args[c].clone(), results: forward_results, accumulate: forward_acc };
        let mut back_args = fb_args[c].clone();
        back_args.extend(saved.names.iter().cloned());
        let back_results: Vec<String> = fb.tail_results.iter().map(|&k| fb_results[c][k].clone()).collect();
        let mut backward = Vec::new();
        let mut wsaved = Crossed::default();
        if split {
            // The input gradient (when there is one) before the weight gradients.
            let dx = back_results.iter().position(|n| n.starts_with("dx_in."));
            let dy: Vec<usize> = role_arg("parc.cotangent").into_iter().collect();
            let head: Vec<usize> = dx.into_iter().collect();
            let b = cut(&fb.tail, &head, &dy, &format!("backward_input_c{c}"), &format!("backward_weight_c{c}"))?;
            wsaved = crossing_buffers(&mut tensors, &b, &back_args, &slot_prefix("w.", c, 0));
            if !head.is_empty() || !wsaved.head_results.is_empty() {
                let mut results: Vec<String> = head.iter().map(|&k| back_results[k].clone()).collect();
                let mut acc = vec![true; results.len()];
                results.extend(wsaved.head_results.iter().cloned());
                acc.resize(results.len(), false);
                let f = ChunkFn { f: b.head.clone(), args: back_args.clone(), results, accumulate: acc };
                backward.push((BackwardPass::Input, f));
            }
            let mut w_args = back_args.clone();
            w_args.extend(wsaved.names.iter().cloned());
            let results: Vec<String> = b.tail_results.iter().map(|&k| back_results[k].clone()).collect();
            let acc = vec![true; results.len()];
            backward.push((BackwardPass::Weight, ChunkFn { f: b.tail, args: w_args, results, accumulate: acc }));
        } else {
            let acc = vec![true; back_results.len()];
            let f = ChunkFn { f: fb.tail, args: back_args, results: back_results, accumulate: acc };
            backward.push((BackwardPass::Whole, f));
        }
        cuts.push(ChunkCut { forward, backward, saved, wsaved });
    }
    // Stash slots per chunk: as many as the schedule keeps that chunk's micro-batches in flight
    // (from the forward to the backward, or to the weight-gradient pass with ZB-H1), and as many
    // for ZB-H1's stashed gradients (from the input- to the weight-gradient pass).
    let mut slot_of: HashMap<(usize, usize), usize> = HashMap::new();
    let mut wslot_of: HashMap<(usize, usize), usize> = HashMap::new();
    let (mut free, mut wfree) = (vec![Vec::<usize>::new(); chunks.len()], vec![Vec::<usize>::new(); chunks.len()]);
    let (mut slots, mut wslots) = (vec![0usize; chunks.len()], vec![0usize; chunks.len()]);
    let take = |free: &mut Vec<usize>, count: &mut usize| {
        free.sort_unstable_by(|a, b| b.cmp(a));
        free.pop().unwrap_or_else(|| {
            *count += 1;
            *count - 1
        })
    };
    for a in actions {
        match *a {
            Action::Forward { mb, chunk: c } => {
                slot_of.insert((mb, c), take(&mut free[c], &mut slots[c]));
            }
            Action::Backward { mb, chunk: c } => {
                free[c].push(slot_of.get(&(mb, c)).copied().ok_or("a backward before its forward")?);
            }
            Action::BackwardInput { mb, chunk: c } => {
                wslot_of.insert((mb, c), take(&mut wfree[c], &mut wslots[c]));
            }
            Action::BackwardWeight { mb, chunk: c } => {
                free[c].push(slot_of.get(&(mb, c)).copied().ok_or("a backward before its forward")?);
                wfree[c].push(wslot_of.get(&(mb, c)).copied().ok_or("a weight pass before its input pass")?);
            }
        }
    }
    for (c, cc) in cuts.iter().enumerate() {
        for k in 0..slots[c] {
            for (i, ty) in cc.saved.types.iter().enumerate() {
                add_tensor(&mut tensors, stash_slot("", c, k, i), Role::Input, ty.clone());
            }
        }
        for k in 0..wslots[c] {
            for (i, ty) in cc.wsaved.types.iter().enumerate() {
                add_tensor(&mut tensors, stash_slot("w.", c, k, i), Role::Input, ty.clone());
            }
        }
    }
    let n = params.len();
    for (k, state) in state_names(&spec.training).iter().enumerate() {
        for (i, (p, _, _, _)) in params.iter().enumerate() {
            let ty = opt.value_type(opt.args()[(2 + k) * n + i]).as_tensor().clone();
            add_tensor(&mut tensors, format!("{state}.{p}"), Role::State, Type::MemRef(ty));
        }
    }
    add_tensor(&mut tensors, "step".into(), Role::Input, Type::memref([], DType::I64));

    // Megatron's scatter/gather between stages: with tp and no sequence parallelism every tp
    // rank holds the whole boundary activation, so each sends its 1/tp slice (along the hidden
    // dim, which tp divides) and the receiver all-gathers the slices over tp.
    let scatter = mesh.tp > 1 && !spec.training.sequence_parallel;
    if scatter {
        let parts: Vec<(String, Type)> = tensors
            .iter()
            .filter(|t| ["x_in.", "dy_out.", "x_out.", "dx_in."].iter().any(|p| t.name.starts_with(p)))
            .map(|t| {
                let tt = t.ty.as_tensor();
                let mut shape = tt.shape.clone();
                if let Some(last) = shape.last_mut() {
                    *last /= mesh.tp;
                }
                (format!("part.{}", t.name), Type::MemRef(tt.with_shape(shape)))
            })
            .collect();
        for (name, ty) in parts {
            add_tensor(&mut tensors, name, Role::Output, ty);
        }
    }
    let table: HashMap<&str, &Type> = tensors.iter().map(|t| (t.name.as_str(), &t.ty)).collect();
    let mut functions = Vec::new();
    for cc in &cuts {
        for f in std::iter::once(&cc.forward).chain(cc.backward.iter().map(|b| &b.1)) {
            functions.push(lower_function_with(&f.f, &f.args, &f.results, &f.accumulate, &table)?);
        }
    }
    let mut opt_args: Vec<String> = params.iter().map(|(p, _, _, _)| p.clone()).collect();
    opt_args.extend(params.iter().map(|(p, _, _, _)| format!("grad.{p}")));
    for state in state_names(&spec.training) {
        opt_args.extend(params.iter().map(|(p, _, _, _)| format!("{state}.{p}")));
    }
    opt_args.push("step".into());
    let mut opt_results: Vec<String> = params.iter().map(|(p, _, _, _)| p.clone()).collect();
    for state in state_names(&spec.training) {
        opt_results.extend(params.iter().map(|(p, _, _, _)| format!("{state}.{p}")));
    }
    functions.push(lower_function(opt, &opt_args, &opt_results, false, &table)?);
    let step = train_step(mesh, chunks, &cuts, actions, &slot_of, &wslot_of, &tensors, scatter)?;
    functions.insert(0, step);

    // What each layer saves for the backward, read from each chunk's whole `@forward_backward`,
    // lowered only to be measured (the program runs it cut in two).
    let mut saved = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        let mut fb = chunk.fb.clone();
        fb.name = format!("{FORWARD_BACKWARD}_c{c}");
        saved.extend(saved_bytes_per_layer(&lower_function(&fb, &fb_args[c], &fb_results[c], true, &table)?));
    }

    let mut module = Module::new();
    module.attrs.set("exec.tensors", Attr::Array(tensors.iter().map(tensor_attr).collect()));
    module.attrs.set("exec.microbatches", Attr::Int(m as i64));
    module.functions = functions;
    Ok((module, saved))
}

/// Which part of a chunk's backward a function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BackwardPass {
    /// The whole backward.
    Whole,
    /// ZB-H1's input-gradient pass.
    Input,
    /// ZB-H1's weight-gradient pass.
    Weight,
}

/// One of a chunk's functions before lowering: its graph form, the persistent tensors of its
/// arguments and results, and whether each result accumulates.
struct ChunkFn {
    f: Function,
    args: Vec<String>,
    results: Vec<String>,
    accumulate: Vec<bool>,
}

/// A chunk's functions, cut at its forward/backward boundary, and what crosses the cuts.
struct ChunkCut {
    forward: ChunkFn,
    backward: Vec<(BackwardPass, ChunkFn)>,
    /// What the backward reads of the forward.
    saved: Crossed,
    /// What ZB-H1's weight-gradient pass reads of its input-gradient pass.
    wsaved: Crossed,
}

impl ChunkCut {
    fn function(&self, pass: BackwardPass) -> Option<&str> {
        self.backward.iter().find(|b| b.0 == pass).map(|b| b.1.f.name.as_str())
    }
}

/// The buffers of what crosses a cut, in slot 0: per crossing entry, the buffer the earlier
/// function writes and the later one reads (`names`, of `types`); `head_results` are the earlier
/// function's extra results, and `copies` the volatile arguments the step copies into the slot
/// (argument buffer, entry index).
#[derive(Default)]
struct Crossed {
    names: Vec<String>,
    types: Vec<Type>,
    copies: Vec<(String, usize)>,
    head_results: Vec<String>,
}

fn crossing_buffers(tensors: &mut Vec<PersistentTensor>, cut: &Cut, args: &[String], prefix: &str) -> Crossed {
    let mut out = Crossed::default();
    // The tail takes the cut function's arguments, then one per crossing entry.
    let n_args = cut.tail.args().len() - cut.crossing.len();
    for (i, cr) in cut.crossing.iter().enumerate() {
        let name = format!("{prefix}{i}");
        let ty = Type::MemRef(cut.tail.value_type(cut.tail.args()[n_args + i]).as_tensor().clone());
        add_tensor(tensors, name.clone(), Role::Input, ty.clone());
        match *cr {
            Crossing::Value => out.head_results.push(name.clone()),
            Crossing::Arg(a) => out.copies.push((args[a].clone(), i)),
        }
        out.names.push(name);
        out.types.push(ty);
    }
    out
}

/// Stash slot `k` of chunk `c`'s crossing entry `i` (`kind` "" for saved activations, "w." for
/// ZB-H1's stashed gradients).
fn stash_slot(kind: &str, c: usize, k: usize, i: usize) -> String {
    format!("{}{i}", slot_prefix(kind, c, k))
}

/// The name prefix of stash slot `k` of chunk `c`. The chunk's functions are written for slot 0;
/// a call for slot `k` renames the prefix (`exec.call {rebind}`).
fn slot_prefix(kind: &str, c: usize, k: usize) -> String {
    format!("stash.{kind}c{c}.s{k}.")
}

fn add_tensor(tensors: &mut Vec<PersistentTensor>, name: String, role: Role, ty: Type) {
    if !tensors.iter().any(|t| t.name == name) {
        tensors.push(PersistentTensor { name, role, ty });
    }
}

#[allow(clippy::too_many_arguments)]
fn train_step(
    mesh: &Mesh,
    chunks: &[Chunk],
    cuts: &[ChunkCut],
    actions: &[Action],
    slot_of: &HashMap<(usize, usize), usize>,
    wslot_of: &HashMap<(usize, usize), usize>,
    tensors: &[PersistentTensor],
    scatter: bool,
) -> Result<Function, String> {
    let p2p = |shift: i64, tag: i64| {
        Group::axis(Axis::Pp, mesh.pp).attrs().with("shift", Attr::Int(shift)).with("tag", Attr::Int(tag))
    };
    let tp = |st: &mut StepBuilder, kind: ExecOp, x, y| {
        let dim = st.b.ty(x).as_tensor().rank() as i64 - 1;
        let a = Group::axis(Axis::Tp, mesh.tp).attrs().with("dim", Attr::Int(dim));
        st.op(kind, vec![x, y], a);
    };
    // Sends `name` (its tp slice with the scatter/gather optimization) and receives into `name`.
    let send = |st: &mut StepBuilder, name: &str, shift: i64, tag: i64| -> Result<(), String> {
        let x = st.get(name)?;
        if scatter {
            let part = st.get(&format!("part.{name}"))?;
            tp(st, ExecOp::ShardSlice, x, part);
            st.op(ExecOp::Send, vec![part], p2p(shift, tag));
        } else {
            st.op(ExecOp::Send, vec![x], p2p(shift, tag));
        }
        Ok(())
    };
    let recv = |st: &mut StepBuilder, name: &str, shift: i64, tag: i64| -> Result<(), String> {
        let y = st.get(name)?;
        if scatter {
            let part = st.get(&format!("part.{name}"))?;
            st.op(ExecOp::Recv, vec![part], p2p(shift, tag));
            tp(st, ExecOp::AllGather, part, y);
        } else {
            st.op(ExecOp::Recv, vec![y], p2p(shift, tag));
        }
        Ok(())
    };
    // The stash slot of micro-batch `mb` of chunk `c` (ZB-H1's gradient slot when `w`), as a
    // rebinding of slot 0's names, and the volatile arguments copied into it.
    type Copies = Vec<(String, String)>;
    let slot = |c: usize, mb: usize, w: bool| -> Result<(Vec<String>, Copies), String> {
        let (crossed, kind, slot) = if w {
            (&cuts[c].wsaved, "w.", wslot_of.get(&(mb, c)))
        } else {
            (&cuts[c].saved, "", slot_of.get(&(mb, c)))
        };
        let k = *slot.ok_or("a stash slot the schedule never took")?;
        let rebind = if k == 0 { Vec::new() } else { vec![slot_prefix(kind, c, 0), slot_prefix(kind, c, k)] };
        let copies = crossed.copies.iter().map(|(src, i)| (src.clone(), stash_slot(kind, c, k, *i))).collect();
        Ok((rebind, copies))
    };
    lower_exec::train_step(mesh, tensors, |st| {
        for a in actions {
            match *a {
                Action::Forward { mb, chunk: c } => {
                    let ch = &chunks[c];
                    if ch.first || ch.last {
                        st.load(mb);
                    }
                    if !ch.first {
                        recv(st, &chunk_name("x_in", c), -1, ACTIVATION)?;
                    }
                    let (rebind, copies) = slot(c, mb, false)?;
                    st.call_rebind(&format!("forward_c{c}"), &rebind);
                    for (src, dst) in copies {
                        st.copy_named(&src, &dst)?;
                    }
                    if !ch.last {
                        send(st, &chunk_name("x_out", c), 1, ACTIVATION)?;
                    }
                }
                Action::Backward { mb, chunk: c } | Action::BackwardInput { mb, chunk: c } => {
                    let ch = &chunks[c];
                    let input_only = matches!(a, Action::BackwardInput { .. });
                    if ch.first || ch.last {
                        st.load(mb);
                    }
                    if !ch.last {
                        recv(st, &chunk_name("dy_out", c), 1, GRADIENT)?;
                    }
                    if !ch.first {
                        let v = st.get(&chunk_name("dx_in", c))?;
                        st.fill0(v);
                    }
                    let (mut rebind, _) = slot(c, mb, false)?;
                    let mut copies = Vec::new();
                    if input_only {
                        let (w, w_copies) = slot(c, mb, true)?;
                        rebind.extend(w);
                        copies = w_copies;
                    }
                    let pass = if input_only { BackwardPass::Input } else { BackwardPass::Whole };
                    if let Some(f) = cuts[c].function(pass) {
                        st.call_rebind(f, &rebind);
                    }
                    for (src, dst) in copies {
                        st.copy_named(&src, &dst)?;
                    }
                    if !ch.first {
                        send(st, &chunk_name("dx_in", c), -1, GRADIENT)?;
                    }
                }
                Action::BackwardWeight { mb, chunk: c } => {
                    // The weight gradients from the stashed activations and gradients.
                    let ch = &chunks[c];
                    if ch.first || ch.last {
                        st.load(mb);
                    }
                    let (mut rebind, _) = slot(c, mb, false)?;
                    rebind.extend(slot(c, mb, true)?.0);
                    let f = cuts[c].function(BackwardPass::Weight).ok_or("ZB-H1 without a weight-gradient pass")?;
                    st.call_rebind(f, &rebind);
                }
            }
        }
        Ok(())
    })
}
