//! Pipeline stages as rank programs: each stage's program runs its chunks' forward and backward
//! functions in the order its schedule says, receiving and sending activations and gradients
//! between stages.
//!
//! Per stage `s` and chunk `c`, the part of the model it holds (`models::build_part`) goes through
//! the ordinary passes in the pass manager, verified and dumped like the whole model's (cse, dce,
//! autodiff, cse-backward, dce-backward, and shard and partition when dp or tp split it; the list
//! is `passes::part_passes`), and the stage's program is assembled from its parts in the named
//! steps `optimizer`, `lower-exec` and `memory-plan` ([`compile_stages`]). A part that is not the model's first takes the activation `x_in` and one that is not the
//! last takes its output's cotangent `dy_out` and returns the gradient of `x_in` as well. The
//! program then has, per chunk:
//!
//! - `@forward_cC`: the forward only (the first half of `@forward_backward_cC`, dead code removed),
//!   whose output is sent to the next stage;
//! - `@forward_backward_cC`: forward again from the stashed input (full recomputation of the
//!   chunk, so a stage holds only its chunks' inputs between a micro-batch's forward and backward),
//!   then backward: the parameters' gradients accumulate, the input's gradient is sent back.
//!
//! `@train_step` is the schedule unrolled into a list of calls (O(micro-batches), independent of dp
//! and tp). Stage inputs are stashed in one slot per in-flight micro-batch, as many slots as the
//! schedule keeps in flight. Activations travel with tag 0 and gradients with tag 1, each on its
//! own FIFO queue, so a stage that both sends activations and gradients to one neighbour (two
//! stages, interleaved) cannot mix them up. After the last action the loss (non-zero only on the
//! last stage) is summed over pp and dp, and `@optimizer_step` runs: data-parallel reductions as
//! ZeRO says, the tied embedding's gradient summed between the first and the last stage, and the
//! global gradient norm summed over the stages.
//!
//! ZB-H1's weight-gradient pass is part of the backward call here (the CPU backend runs a chunk's
//! backward as one function), so a ZB-H1 program runs in ZB-H1's order without its bubble saving.

use std::collections::HashMap;

use parc_dialects::attr::Attr;
use parc_dialects::exec::{ExecOp, TensorRole as Role};
use parc_dialects::ir::{Function, Module};
use parc_dialects::pass::{PassRunner, PipelineOptions, PipelineReport};
use parc_dialects::types::{DType, Type};

use super::plan::{parts, saved_bytes_per_layer, ScheduleOptions};
use super::schedule::{schedule, Action};
use crate::driver::{CompileContext, CompileError};
use crate::frontend::ModelSpec;
use crate::mesh::{Axis, Mesh};
use crate::models::{build_part, Part};
use crate::passes::autodiff::FORWARD_BACKWARD;
use crate::passes::lower_exec::{self, lower_function, tensor_attr, PersistentTensor, StepBuilder};
use crate::passes::optimizer::{state_names, OPTIMIZER_STEP};
use crate::passes::{dce, part_passes, StepPlan, LOWER_EXEC, MEMORY_PLAN, OPTIMIZER};
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
    let list: Vec<(String, parc_dialects::types::TensorType, bool)> =
        params.iter().map(|p| (p.name.clone(), p.local.clone(), p.tp_sharded)).collect();
    let partial: Vec<bool> = params.iter().map(|p| p.tp_partial_grad).collect();
    let tied: Vec<bool> = list
        .iter()
        .map(|(n, _, _)| n == "embed.tokens.weight" && spec.model.tie_embeddings && (s == 0 || s == p - 1))
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

/// `f` returning only its results `keep` (by index), dead code removed, named `name`.
fn restricted(f: &Function, name: String, keep: &[usize]) -> Result<Function, String> {
    let mut g = f.clone();
    g.name = name;
    let ret = *g.blocks[g.entry_block()].ops.last().ok_or("empty function")?;
    let outs: Vec<_> = keep.iter().map(|&k| g.ops[ret].operands[k]).collect();
    g.result_types = outs.iter().map(|&v| g.value_type(v).clone()).collect();
    g.ops[ret].operands = outs;
    let mut tmp = Module::new();
    tmp.functions.push(g);
    dce::run(&mut tmp)?;
    Ok(tmp.functions.remove(0))
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
    params: &[(String, parc_dialects::types::TensorType, bool)],
    actions: &[Action],
    m: usize,
) -> Result<(Module, Vec<(usize, u64)>), String> {
    let mut tensors: Vec<PersistentTensor> = Vec::new();
    let add = |tensors: &mut Vec<PersistentTensor>, name: String, role: Role, ty: Type| {
        if !tensors.iter().any(|t| t.name == name) {
            tensors.push(PersistentTensor { name, role, ty });
        }
    };
    let loads = chunks.iter().any(|c| c.first || c.last);
    let batch = Type::memref([spec.training.micro_batch, spec.model.seq_len], DType::I32);
    if loads {
        add(&mut tensors, "tokens".into(), Role::Input, batch.clone());
        add(&mut tensors, "labels".into(), Role::Input, batch);
    }
    // Parameter buffers as the optimizer step takes them (a flat dp chunk with ZeRO-3).
    for (i, (name, _, _)) in params.iter().enumerate() {
        let ty = opt.value_type(opt.args()[i]).as_tensor().clone();
        add(&mut tensors, name.clone(), Role::Param, Type::MemRef(ty));
    }
    add(&mut tensors, "loss".into(), Role::Output, Type::memref([], DType::F32));
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
                add(&mut tensors, n.clone(), Role::Input, ty);
                n
            } else if at.str("parc.cotangent").is_some() {
                let n = chunk_name("dy_out", c);
                add(&mut tensors, n.clone(), Role::Input, ty);
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
            let name = if k == 0 {
                if chunk.last {
                    "loss".to_string()
                } else {
                    let n = chunk_name("x_out", c);
                    add(&mut tensors, n.clone(), Role::Output, ty);
                    n
                }
            } else if k <= n_params {
                let n = format!("grad.{}", param_names[k - 1]);
                add(&mut tensors, n.clone(), Role::Grad, ty);
                n
            } else {
                let n = chunk_name("dx_in", c);
                add(&mut tensors, n.clone(), Role::Output, ty);
                n
            };
            results.push(name);
        }
        fb_results.push(results);
    }
    // Stash slots, shared by the chunks (their inputs have one type): as many as the schedule
    // keeps in flight at once. The model's first part reloads its tokens instead. With ZB-H1's
    // split backward, an input stays stashed until its weight-gradient pass, and so does the
    // gradient it received (`dystash`).
    let split = actions.iter().any(|a| matches!(a, Action::BackwardWeight { .. }));
    let mut slot_of: HashMap<(usize, usize), usize> = HashMap::new();
    let mut dy_slot_of: HashMap<(usize, usize), usize> = HashMap::new();
    let (mut free, mut dy_free): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let (mut slots, mut dy_slots) = (0usize, 0usize);
    let take = |free: &mut Vec<usize>, count: &mut usize| {
        free.sort_unstable_by(|a, b| b.cmp(a));
        free.pop().unwrap_or_else(|| {
            *count += 1;
            *count - 1
        })
    };
    for a in actions {
        match *a {
            Action::Forward { mb, chunk } if !chunks[chunk].first => {
                slot_of.insert((mb, chunk), take(&mut free, &mut slots));
            }
            Action::Backward { mb, chunk } if !chunks[chunk].first => {
                free.push(slot_of.get(&(mb, chunk)).copied().ok_or("a backward before its forward")?);
            }
            Action::BackwardInput { mb, chunk } if !chunks[chunk].last => {
                dy_slot_of.insert((mb, chunk), take(&mut dy_free, &mut dy_slots));
            }
            Action::BackwardWeight { mb, chunk } => {
                if !chunks[chunk].first {
                    free.push(slot_of.get(&(mb, chunk)).copied().ok_or("a backward before its forward")?);
                }
                if !chunks[chunk].last {
                    dy_free.push(dy_slot_of.get(&(mb, chunk)).copied().ok_or("a weight pass before its input pass")?);
                }
            }
            _ => {}
        }
    }
    if let Some(c) = chunks.iter().position(|c| !c.first) {
        let ty = tensors.iter().find(|t| t.name == chunk_name("x_in", c)).map(|t| t.ty.clone()).ok_or("no x_in")?;
        for k in 0..slots {
            add(&mut tensors, format!("stash.{k}"), Role::Input, ty.clone());
        }
    }
    if let Some(c) = chunks.iter().position(|c| !c.last) {
        let ty = tensors.iter().find(|t| t.name == chunk_name("dy_out", c)).map(|t| t.ty.clone()).ok_or("no dy_out")?;
        for k in 0..dy_slots {
            add(&mut tensors, format!("stash.dy.{k}"), Role::Input, ty.clone());
        }
    }
    let n = params.len();
    for (k, state) in state_names(&spec.training).iter().enumerate() {
        for (i, (p, _, _)) in params.iter().enumerate() {
            let ty = opt.value_type(opt.args()[(2 + k) * n + i]).as_tensor().clone();
            add(&mut tensors, format!("{state}.{p}"), Role::State, Type::MemRef(ty));
        }
    }
    add(&mut tensors, "step".into(), Role::Input, Type::memref([], DType::I64));

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
            add(&mut tensors, name, Role::Output, ty);
        }
    }
    let table: HashMap<&str, &Type> = tensors.iter().map(|t| (t.name.as_str(), &t.ty)).collect();
    let mut functions = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        if !chunk.last {
            // The forward alone: @forward_backward up to its output activation.
            let fwd = restricted(&chunk.fb, format!("forward_c{c}"), &[0])?;
            functions.push(lower_function(&fwd, &fb_args[c], &[chunk_name("x_out", c)], false, &table)?);
        }
        if !split {
            let mut fb = chunk.fb.clone();
            fb.name = format!("forward_backward_c{c}");
            functions.push(lower_function(&fb, &fb_args[c], &fb_results[c], true, &table)?);
        } else {
            // ZB-H1: the input gradient (and the loss) apart from the weight gradients.
            let n = fb_results[c].len();
            let grads: Vec<usize> = (1..n).filter(|&k| fb_results[c][k].starts_with("grad.")).collect();
            let input: Vec<usize> = (0..n).filter(|k| !grads.contains(k)).collect();
            let pick = |ks: &[usize]| ks.iter().map(|&k| fb_results[c][k].clone()).collect::<Vec<_>>();
            let b = restricted(&chunk.fb, format!("backward_input_c{c}"), &input)?;
            functions.push(lower_function(&b, &fb_args[c], &pick(&input), true, &table)?);
            let w = restricted(&chunk.fb, format!("backward_weight_c{c}"), &grads)?;
            functions.push(lower_function(&w, &fb_args[c], &pick(&grads), true, &table)?);
        }
    }
    let mut opt_args: Vec<String> = params.iter().map(|(p, _, _)| p.clone()).collect();
    opt_args.extend(params.iter().map(|(p, _, _)| format!("grad.{p}")));
    for state in state_names(&spec.training) {
        opt_args.extend(params.iter().map(|(p, _, _)| format!("{state}.{p}")));
    }
    opt_args.push("step".into());
    let mut opt_results: Vec<String> = params.iter().map(|(p, _, _)| p.clone()).collect();
    for state in state_names(&spec.training) {
        opt_results.extend(params.iter().map(|(p, _, _)| format!("{state}.{p}")));
    }
    functions.push(lower_function(opt, &opt_args, &opt_results, false, &table)?);
    let step = train_step(mesh, chunks, actions, &slot_of, &dy_slot_of, &tensors, scatter)?;
    functions.insert(0, step);

    // What each layer saves for the backward, read from each chunk's whole lowered
    // `@forward_backward` (ZB-H1's program has it split in two; it is lowered whole here only to
    // be measured).
    let mut saved = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        let name = format!("{FORWARD_BACKWARD}_c{c}");
        let measured = match functions.iter().find(|f| f.name == name) {
            Some(f) => saved_bytes_per_layer(f),
            None => {
                let mut fb = chunk.fb.clone();
                fb.name = name;
                saved_bytes_per_layer(&lower_function(&fb, &fb_args[c], &fb_results[c], true, &table)?)
            }
        };
        saved.extend(measured);
    }

    let mut module = Module::new();
    module.attrs.set("exec.tensors", Attr::Array(tensors.iter().map(tensor_attr).collect()));
    module.attrs.set("exec.microbatches", Attr::Int(m as i64));
    module.functions = functions;
    Ok((module, saved))
}

fn train_step(
    mesh: &Mesh,
    chunks: &[Chunk],
    actions: &[Action],
    slot_of: &HashMap<(usize, usize), usize>,
    dy_slot_of: &HashMap<(usize, usize), usize>,
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
    // The stash slots of micro-batch `mb`'s input to chunk `c` and of its output gradient.
    let stash = |mb: usize, c: usize| format!("stash.{}", slot_of[&(mb, c)]);
    let stash_dy = |mb: usize, c: usize| format!("stash.dy.{}", dy_slot_of[&(mb, c)]);
    lower_exec::train_step(mesh, tensors, |st| {
        for a in actions {
            match *a {
                Action::Forward { mb, chunk: c } => {
                    let ch = &chunks[c];
                    if ch.first {
                        st.load(mb);
                    } else {
                        recv(st, &chunk_name("x_in", c), -1, ACTIVATION)?;
                        st.copy_named(&chunk_name("x_in", c), &stash(mb, c))?;
                    }
                    if !ch.last {
                        st.call(&format!("forward_c{c}"));
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
                        let v = st.get(&chunk_name("x_out", c))?;
                        st.fill0(v);
                        if input_only {
                            st.copy_named(&chunk_name("dy_out", c), &stash_dy(mb, c))?;
                        }
                    }
                    if !ch.first {
                        st.copy_named(&stash(mb, c), &chunk_name("x_in", c))?;
                        let v = st.get(&chunk_name("dx_in", c))?;
                        st.fill0(v);
                    }
                    let f = if input_only { "backward_input" } else { "forward_backward" };
                    st.call(&format!("{f}_c{c}"));
                    if !ch.first {
                        send(st, &chunk_name("dx_in", c), -1, GRADIENT)?;
                    }
                }
                Action::BackwardWeight { mb, chunk: c } => {
                    // The weight gradients from the stashed input and the stashed output gradient.
                    let ch = &chunks[c];
                    if ch.first || ch.last {
                        st.load(mb);
                    }
                    if !ch.first {
                        st.copy_named(&stash(mb, c), &chunk_name("x_in", c))?;
                    }
                    if !ch.last {
                        st.copy_named(&stash_dy(mb, c), &chunk_name("dy_out", c))?;
                    }
                    st.call(&format!("backward_weight_c{c}"));
                }
            }
        }
        Ok(())
    })
}
