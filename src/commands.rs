//! `parc launch`, `parc run` and `parc inspect`: thin glue from the CLI's arguments to the
//! compiler and the runtime libraries.

use std::path::{Path, PathBuf};
use std::time::Instant;

use parc_compiler::driver::{compile_file, CompileError, CompileOptions, TrainingOverrides};
use parc_compiler::mesh::{Axis, Mesh};
use parc_dialects::diag::Diagnostic;
use parc_dialects::exec::ExecOp;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::backend::Backend;
use parc_runtime::cpu::exec::ExecError;
use parc_runtime::data::TokenWidth;
use parc_runtime::gpu::KernelSet;
use parc_runtime::launch::{launch as train, LaunchOptions};
use parc_runtime::program::{Program, Provenance};
use parc_runtime::train::TrainError;

use crate::TrainArgs;

/// The mesh of a plan.json (its `mesh` object names every axis), or why it cannot be read.
fn plan_mesh(plan: &serde_json::Value) -> Result<Mesh, CompileError> {
    let mesh = &plan["mesh"];
    let size = |axis: Axis| match &mesh[axis.name()] {
        serde_json::Value::Null => 1,
        v => v.as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(0),
    };
    Mesh::from_sizes(size)
        .map_err(|e| user(format!("plan.json: the mesh is not valid: {e}"), "recompile the model with parc compile"))
}

fn user(message: impl Into<String>, help: impl Into<String>) -> CompileError {
    CompileError::User(Diagnostic::new(message).with_help(help))
}

/// The error of a training run of programs parc compiled in this process: an instruction that
/// fails on them is a bug in parc.
fn train_error(e: TrainError) -> CompileError {
    match e {
        TrainError::Exec(ExecError::Instr { .. }) => CompileError::Internal(e.to_string()),
        other => {
            let d = Diagnostic::new(other.to_string());
            CompileError::User(match parc_runtime::train::help_for(&other) {
                Some(help) => d.with_help(help),
                None => d,
            })
        }
    }
}

/// The error of a training run of the programs of the compiled directory `out`: an instruction
/// that fails on programs a user edited is their input's error (exit 2, naming the edited files),
/// on programs as parc wrote them a bug in parc.
fn train_error_in(out: &Path) -> impl Fn(TrainError) -> CompileError + '_ {
    move |e| match e {
        TrainError::Exec(ExecError::Instr { .. }) => match Provenance::edited_help_of(out) {
            Some(help) => user(e.to_string(), help),
            None => CompileError::Internal(e.to_string()),
        },
        other => train_error(other),
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`parc inspect --json | head`) is not an
/// error worth a panic.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

fn options(args: &TrainArgs) -> Result<LaunchOptions, CompileError> {
    let data_width = match args.data_dtype.as_str() {
        "u16" => TokenWidth::U16,
        "u32" => TokenWidth::U32,
        other => return Err(user(format!("--data-dtype {other}: unknown token width"), "use u16 or u32")),
    };
    if args.steps == 0 {
        return Err(user("--steps 0: nothing to run", "ask for at least one step"));
    }
    if args.gpu.profile && args.backend == Backend::Cpu {
        return Err(user(
            "--profile times the GPU's kernels: add --backend cuda",
            "on the CPU, parc inspect OUT --timeline shows where a step's time goes",
        ));
    }
    if args.gpu.check_kernels && args.backend == Backend::Cpu {
        return Err(user(
            "--check-kernels compares a GPU's kernels with the CPU's, kernel by kernel: add --backend cuda",
            "or drop --check-kernels to train on the CPU",
        ));
    }
    args.checkpoint.check().map_err(|(message, help)| user(message, help))?;
    let threads = match args.threads {
        Some(0) => return Err(user("--threads 0: no threads to run on", "use --threads 1 or more")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(LaunchOptions {
        steps: args.steps,
        json: args.json,
        init: args.init.clone(),
        save: args.save.clone(),
        data: args.data.clone(),
        data_width,
        threads,
        backend: args.backend,
        kernels: None,
        gpu: args.gpu.clone(),
        checkpoint: args.checkpoint.clone(),
    })
}

/// The rank program file of `rank` in `out`.
fn rank_file(out: &Path, rank: usize) -> Result<PathBuf, CompileError> {
    if !out.is_dir() {
        return Err(user(
            format!("{} is not a directory written by parc compile", out.display()),
            "compile first: parc compile MODEL.toml --mesh 1x1x1 -o OUT",
        ));
    }
    // A partitioned plan has one program that every rank runs with its own coordinates, or one
    // per pipeline stage (rank = (pp_idx · dp + dp_idx) · tp + tp_idx).
    // Without a readable plan.json, the directory is read as a plan of one rank per file.
    let plan = std::fs::read_to_string(out.join("plan.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let mesh = match plan {
        Some(plan) => plan_mesh(&plan)?,
        None => Mesh::SINGLE,
    };
    let world = mesh.world_size();
    if world > 1 && rank < world {
        let stage = out.join(format!("stage-{}.mlir", mesh.coords(rank).pp));
        if stage.exists() {
            return Ok(stage);
        }
        if out.join("rank-0000.mlir").exists() {
            return Ok(out.join("rank-0000.mlir"));
        }
    }
    let path = out.join(format!("rank-{rank:04}.mlir"));
    if !path.exists() {
        let ranks = std::fs::read_dir(out)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("rank-")).count())
            .unwrap_or(0);
        let help = if ranks == 0 {
            "it holds no rank programs: recompile it with this version of parc (see programs.note in plan.json)"
                .to_string()
        } else {
            format!("it holds {ranks} rank program(s): ranks 0 to {}", ranks - 1)
        };
        return Err(user(format!("{} has no program for rank {rank}", out.display()), help));
    }
    Ok(path)
}

fn load(path: &Path) -> Result<Program, CompileError> {
    Program::load_file(path)
        .map_err(|e| user(format!("cannot load {}: {e}", path.display()), "recompile with this version of parc"))
}

/// Compiles `model` for `mesh` in memory and loads its rank programs: the one every rank runs,
/// or one per pipeline stage; with `kernels`, also renders the first program's kernels (what a
/// GPU backend runs) as `parc compile` writes them to OUT/kernels.
fn compile_program(
    model: &str,
    mesh: Mesh,
    training: TrainingOverrides,
    kernels: bool,
) -> Result<(Vec<Program>, Option<KernelSet>), CompileError> {
    let compiled = compile_file(model, &CompileOptions { training, mesh, pipeline: PipelineOptions::default() })?;
    for note in &compiled.notes {
        eprintln!("note: {note}");
    }
    let modules = if compiled.stages.is_empty() { vec![compiled.module] } else { compiled.stages };
    let set = match (kernels, modules.first()) {
        (true, Some(m)) => {
            let rendered =
                parc_compiler::codegen::render_module(m).map_err(|e| CompileError::Internal(e.to_string()))?;
            let sources = rendered.kernels.iter().map(|k| (k.file.clone(), k.source.clone())).collect();
            Some(KernelSet::parse(&rendered.manifest_json(), sources).map_err(CompileError::Internal)?)
        }
        _ => None,
    };
    let programs = modules
        .iter()
        .map(|m| Program::load(m).map_err(|e| CompileError::Internal(e.to_string())))
        .collect::<Result<_, _>>()?;
    Ok((programs, set))
}

/// The generated kernels of a compiled directory, for a GPU backend.
fn read_kernels(out: &Path, backend: Backend) -> Result<Option<KernelSet>, CompileError> {
    if backend == Backend::Cpu {
        return Ok(None);
    }
    KernelSet::read(&out.join("kernels")).map(Some).map_err(|m| {
        user(
            m,
            format!(
                "recompile with parc compile MODEL.toml -o {} (it writes the kernels next to the programs)",
                out.display()
            ),
        )
    })
}

/// The programs of a compiled output directory.
fn load_dir(out: &Path) -> Result<Vec<Program>, CompileError> {
    match parc_runtime::program::program_files(out) {
        Some(files) if files.len() > 1 => files.iter().map(|f| load(f)).collect(),
        _ => Ok(vec![load(&rank_file(out, 0)?)?]),
    }
}

/// Refuses, before compiling, a model whose parameters and gradients alone cannot fit in this
/// machine's memory: `parc launch MODEL.toml` runs every rank in this process, so the plan needs
/// at least one copy of each (more with optimizer state and activations). Compiling a large model
/// for one device takes minutes; this takes microseconds.
fn fits_before_compiling(model: &Path, training: &TrainingOverrides) -> Result<(), CompileError> {
    let Ok(mut spec) = parc_compiler::load_model_with(&model.display().to_string(), training.training_file.as_deref())
    else {
        // The compiler reports a bad model file with its full diagnostics.
        return Ok(());
    };
    training.apply(&mut spec);
    let count: u64 = parc_compiler::models::param_names(&spec.model)
        .iter()
        .map(|p| p.shape.iter().map(|&d| d as u64).product::<u64>())
        .fold(0u64, u64::saturating_add);
    let elem = match spec.training.precision {
        parc_compiler::frontend::Precision::Fp32 => 4,
        parc_compiler::frontend::Precision::Bf16 => 2,
    };
    let needed = count.saturating_mul(2 * elem);
    parc_runtime::memory::check_fits(
        needed,
        &format!(
            "training {} in this process: the values and gradients of its {count} parameters alone",
            spec.model.name
        ),
    )
    .map_err(|m| {
        user(
            m,
            format!(
                "compile it for a mesh (parc compile {} --mesh DPxPPxTP -o OUT; parc inspect OUT --memory shows each rank's need) \
                 and run one process per rank on machines that hold it (README \"Running on a cluster\")",
                model.display()
            ),
        )
    })
}

/// Refuses, before loading the programs (seconds to minutes for a large model), a compiled
/// directory whose ranks' arenas cannot fit in this machine's memory together, from the memory
/// plan.json reports. The loaded programs are checked again exactly before anything is allocated.
fn fits_before_loading(out: &Path) -> Result<(), CompileError> {
    let Ok(plan) = read_plan(out) else { return Ok(()) };
    let world = plan["mesh"]["world_size"].as_u64().unwrap_or(1);
    let peak = |m: &serde_json::Value| m["memory"]["peak"].as_u64();
    let needed = match plan["pipeline"]["per_stage"].as_array() {
        Some(stages) if !stages.is_empty() => {
            let per_stage = world / stages.len() as u64;
            stages.iter().filter_map(peak).fold(0u64, |a, p| a.saturating_add(p.saturating_mul(per_stage)))
        }
        _ => peak(&plan["programs"]).unwrap_or(0).saturating_mul(world),
    };
    let name = plan["model"]["name"].as_str().unwrap_or("the model");
    parc_runtime::memory::check_fits(
        needed,
        &format!("training {name} with its {world} rank(s) in this process: their arenas"),
    )
    .map_err(|m| train_error(TrainError::Memory(m)))
}

/// `parc launch TARGET`.
pub fn launch(target: PathBuf, mesh: &str, training: TrainingOverrides, args: &TrainArgs) -> Result<(), CompileError> {
    let mut opts = options(args)?;
    let (programs, from_dir) = if target.is_dir() && !parc_compiler::hf::is_hf_model(&target) {
        if let Some(t) = &training.training_file {
            return Err(user(
                format!("--training {t}: {} is a compiled plan, whose training settings are fixed", target.display()),
                "--training is for a Hugging Face model directory; recompile to change the training settings",
            ));
        }
        fits_before_loading(&target)?;
        opts.kernels = read_kernels(&target, args.backend)?;
        (load_dir(&target)?, true)
    } else {
        let mesh = Mesh::parse(mesh)?;
        fits_before_compiling(&target, &training)?;
        let started = Instant::now();
        let (program, kernels) =
            compile_program(&target.display().to_string(), mesh, training, args.backend != Backend::Cpu)?;
        opts.kernels = kernels;
        if !args.json {
            eprintln!("compiled {} for mesh {mesh} in {:.1?}", target.display(), started.elapsed());
        }
        (program, false)
    };
    let result = train(&programs, &opts);
    finish(if from_dir { result.map_err(train_error_in(&target))? } else { result.map_err(train_error)? }, args)
}

/// `parc run OUT --rank R`.
pub fn run(out: &Path, rank: usize, args: &TrainArgs) -> Result<(), CompileError> {
    let mut opts = options(args)?;
    opts.kernels = read_kernels(out, args.backend)?;
    // The same lookup as parc-rt: the rank's program, or why it cannot run alone.
    let program = parc_runtime::program::load_rank_program(out, rank).map_err(|e| user(e.message, e.help))?;
    finish(train(&[program], &opts).map_err(train_error_in(out))?, args)
}

fn finish(summary: parc_runtime::launch::LaunchSummary, args: &TrainArgs) -> Result<(), CompileError> {
    if !args.json {
        eprintln!(
            "done: {} steps, loss {:.4} -> {:.4}, {:.0} tokens/s",
            summary.steps, summary.first_loss, summary.last_loss, summary.tokens_per_s
        );
    }
    Ok(())
}

/// OUT/plan.json.
fn read_plan(out: &Path) -> Result<serde_json::Value, CompileError> {
    let plan_path = out.join("plan.json");
    let plan_text = std::fs::read_to_string(&plan_path).map_err(|e| {
        user(format!("cannot read {}: {e}", plan_path.display()), "pass a directory written by parc compile")
    })?;
    serde_json::from_str(&plan_text)
        .map_err(|e| user(format!("{} is not valid JSON: {e}", plan_path.display()), "recompile to rewrite it"))
}

/// `parc inspect OUT`.
pub fn inspect(out: &Path, rank: usize, memory: bool, comm: bool, json: bool) -> Result<(), CompileError> {
    let plan = read_plan(out)?;
    // The program text is parsed, not loaded: inspecting a bf16 program needs no CPU backend.
    // With pipeline stages, memory and communication are per stage (rank = (pp · dp + d) · tp + t).
    let stage_plan = match plan["pipeline"]["per_stage"].as_array() {
        Some(stages) => {
            let mesh = plan_mesh(&plan)?;
            let stage = if rank < mesh.world_size() { mesh.coords(rank).pp } else { usize::MAX };
            stages.get(stage).cloned().unwrap_or_default()
        }
        None => plan["programs"].clone(),
    };
    let mut program_file = String::new();
    let program = if plan["programs"]["generated"] == serde_json::Value::Bool(true) {
        let path = rank_file(out, rank)?;
        program_file = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| user(format!("cannot read {}: {e}", path.display()), "recompile to rewrite it"))?;
        Some(parc_dialects::parser::parse_module(&text).map_err(|e| {
            user(format!("cannot parse {}: {e}", path.display()), "recompile with this version of parc")
        })?)
    } else {
        None
    };
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut functions = Vec::new();
    let mut program_mesh = Mesh::SINGLE;
    let mut arena_bytes = 0;
    if let Some(m) = &program {
        if let Some(attr) = m.attrs.get("exec.mesh") {
            program_mesh = Mesh::from_attr(attr).map_err(|e| {
                user(format!("{}: exec.mesh: {e}", program_file), "recompile with this version of parc")
            })?;
        }
        if let Some(parc_dialects::Attr::Dict(mem)) = m.attrs.get("exec.memory") {
            arena_bytes = mem.int("arena").unwrap_or(0).max(0) as u64;
        }
        for f in &m.functions {
            let mut n = 0;
            for &op in &f.blocks[f.entry_block()].ops {
                let kind = f.ops[op].kind;
                if matches!(
                    kind,
                    parc_dialects::OpKind::Exec(ExecOp::Tensor | ExecOp::View | ExecOp::Reshape)
                        | parc_dialects::OpKind::Func(_)
                ) {
                    continue;
                }
                n += 1;
                *counts.entry(kind.name().to_string()).or_default() += 1;
            }
            functions.push((f.name.clone(), n));
        }
    }
    if json {
        let report = serde_json::json!({
            "model": plan["model"],
            "mesh": plan["mesh"],
            "parameters": plan["parameters"],
            "rank": rank,
            "program": program.as_ref().map(|_| serde_json::json!({
                "file": program_file.clone(),
                "coordinates": program_mesh.used_coords(rank).into_iter().map(|(a, c)| (a.name(), c)).collect::<std::collections::BTreeMap<_, _>>(),
                "functions": functions.iter().map(|(n, c)| serde_json::json!({"name": n, "instructions": c})).collect::<Vec<_>>(),
                "instructions_by_kind": counts,
                "arena_bytes": arena_bytes,
            })),
            "memory": stage_plan["memory"],
            "communication": stage_plan["communication"],
            "note": plan["programs"]["note"],
        });
        print_stdout(&serde_json::to_string_pretty(&report).map_err(|e| CompileError::Internal(e.to_string()))?);
        return Ok(());
    }
    let mut out = String::new();
    macro_rules! outln {
        ($o:ident, $($t:tt)*) => {{
            use std::fmt::Write as _;
            let _ = writeln!($o, $($t)*);
        }};
    }
    let m = &plan["model"];
    outln!(
        out,
        "model     {} ({} layers, hidden {}, {} heads, vocab {})",
        m["name"].as_str().unwrap_or("?"),
        m["layers"],
        m["hidden"],
        m["heads"],
        m["vocab"]
    );
    outln!(
        out,
        "params    {} ({} bytes as {})",
        plan["parameters"]["count"],
        plan["parameters"]["bytes"],
        plan["parameters"]["dtype"].as_str().unwrap_or("?")
    );
    let mesh = &plan["mesh"];
    let sizes: Vec<String> = Axis::ALL.iter().map(|a| format!("{}={}", a.name(), mesh[a.name()])).collect();
    outln!(out, "mesh      {} ({} ranks)", sizes.join(" "), mesh["world_size"]);
    let moe = &m["moe"];
    if moe.is_object() {
        let shape = |v: &serde_json::Value| {
            let dims: Vec<String> = v.as_array().into_iter().flatten().map(|d| d.to_string()).collect();
            format!("[{}]", dims.join(", "))
        };
        let capacity = match moe["capacity_factor"].as_f64() {
            Some(cf) => format!("capacity factor {cf}: {} slots", moe["capacity"]),
            None => format!("dropless: {} slots", moe["capacity"]),
        };
        outln!(
            out,
            "experts   {} in {} MoE layers, top-{}, {capacity} per expert and micro-batch; each rank holds {} of \
             width {}",
            moe["experts"],
            moe["moe_layers"].as_array().map_or(0, Vec::len),
            moe["top_k"],
            moe["experts_per_rank"],
            moe["expert_ffn_per_rank"]
        );
        outln!(
            out,
            "          dispatch buffer per layer and micro-batch {} -> {} after the all-to-all over ep",
            shape(&moe["dispatch_buffer"]),
            shape(&moe["expert_buffer"])
        );
    }
    match &program {
        None => outln!(out, "programs  none: {}", plan["programs"]["note"].as_str().unwrap_or("")),
        Some(_) => {
            let world = plan["mesh"]["world_size"].as_u64().unwrap_or(1);
            if world > 1 {
                let coords: Vec<String> =
                    program_mesh.used_coords(rank).iter().map(|(a, c)| format!("{a}={c}")).collect();
                outln!(
                    out,
                    "rank {rank}    runs {program_file} (with every rank of its stage) at {}",
                    coords.join(", ")
                );
            } else {
                outln!(out, "rank {rank}    rank-{rank:04}.mlir");
            }
            for (name, n) in &functions {
                outln!(out, "  @{name:<18} {n} instructions");
            }
            outln!(out, "  by kind:");
            for (kind, n) in &counts {
                outln!(out, "    {kind:<24} {n}");
            }
            if memory {
                let mem = &stage_plan["memory"];
                outln!(out, "memory (rank {rank}, exact, from the static plan):");
                for key in parc_compiler::plan::MemorySummary::CATEGORIES {
                    let bytes = mem[key].as_u64().unwrap_or(0);
                    outln!(out, "  {key:<16} {bytes:>14} bytes  {:>10}", human_bytes(bytes));
                }
                outln!(out, "  the arena the runtime allocates: {arena_bytes} bytes");
            }
            if comm {
                let list = stage_plan["communication"].as_array().cloned().unwrap_or_default();
                if list.is_empty() {
                    outln!(out, "communication: none (a single rank)");
                } else {
                    outln!(out, "communication (rank {rank}, per step, ring algorithms):");
                    outln!(
                        out,
                        "  {:<16} {:<5} {:>6} {:>7} {:>14} {:>14}",
                        "collective",
                        "axis",
                        "group",
                        "calls",
                        "buffer bytes",
                        "bytes sent"
                    );
                    for c in list {
                        let sent = c["bytes_sent"].as_u64().unwrap_or(0);
                        outln!(
                            out,
                            "  {:<16} {:<5} {:>6} {:>7} {:>14} {:>14}  {}",
                            c["collective"].as_str().unwrap_or("?"),
                            c["axis"].as_str().unwrap_or("?"),
                            c["group_size"].as_u64().unwrap_or(0),
                            c["calls"].as_u64().unwrap_or(0),
                            c["buffer_bytes"].as_u64().unwrap_or(0),
                            sent,
                            human_bytes(sent)
                        );
                    }
                }
            }
        }
    }
    print_stdout(out.trim_end());
    Ok(())
}

fn human_bytes(b: u64) -> String {
    let x = b as f64;
    match b {
        0..=1023 => format!("{b} B"),
        1024..=1_048_575 => format!("{:.1} KiB", x / 1024.0),
        1_048_576..=1_073_741_823 => format!("{:.1} MiB", x / 1_048_576.0),
        _ => format!("{:.2} GiB", x / 1_073_741_824.0),
    }
}

/// `parc verify MODEL --mesh M`: see `parc_runtime::verify` for the comparison.
pub fn verify(
    model: &str,
    mesh: &str,
    training: TrainingOverrides,
    steps: u64,
    tolerance: f64,
    json: bool,
) -> Result<(), CompileError> {
    if steps == 0 {
        return Err(user("--steps 0: nothing to compare", "ask for at least one step"));
    }
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(user(format!("--tolerance {tolerance}: must be positive"), "the default is 1e-5"));
    }
    let mesh = Mesh::parse(mesh)?;
    // The single-device run holds the whole model: refuse one too large before compiling it.
    fits_before_compiling(Path::new(model), &training)?;
    let started = Instant::now();
    let single = compile_program(model, Mesh::SINGLE, training.clone(), false)?.0;
    let parted = compile_program(model, mesh, training.clone(), false)?.0;
    let want = parc_runtime::verify::run(&single, None, steps).map_err(train_error)?;
    let got = parc_runtime::verify::run(&parted, None, steps).map_err(train_error)?;
    let c = parc_runtime::verify::compare(&got, &want).map_err(CompileError::Internal)?;
    let worst_loss = c.worst_loss();
    let worst_tensor = c.per_tensor.iter().max_by(|a, b| a.1.total_cmp(&b.1)).cloned();
    let ok = c.within(tolerance);
    let world = parted[0].mesh.world_size();
    if json {
        let report = serde_json::json!({
            "model": model,
            "mesh": mesh.to_string(),
            "ranks": world,
            "zero": training.zero,
            "sequence_parallel": training.sequence_parallel,
            "steps": steps,
            "tolerance": tolerance,
            "loss_single": want.losses,
            "loss_partitioned": got.losses,
            "max_relative_loss": worst_loss,
            "relative_params": c.params,
            "per_tensor": c.per_tensor.iter().map(|(n, r)| serde_json::json!({"name": n, "relative": r})).collect::<Vec<_>>(),
            "ok": ok,
        });
        print_stdout(&serde_json::to_string_pretty(&report).map_err(|e| CompileError::Internal(e.to_string()))?);
    } else {
        eprintln!(
            "verified {model} on mesh {mesh} ({world} ranks) against one device, {steps} steps, in {:.1?}",
            started.elapsed()
        );
        eprintln!("  step  loss (1 device)  loss (partitioned)  relative");
        for (i, ((g, w), d)) in got.losses.iter().zip(&want.losses).zip(&c.losses).enumerate() {
            eprintln!("  {:>4}  {:>15.7}  {:>18.7}  {:>8.1e}", i + 1, w, g, d);
        }
        eprintln!("  largest relative difference of a step's loss: {worst_loss:.1e}");
        eprintln!("  relative difference of the final parameters (‖a − b‖ / ‖b‖): {:.1e}", c.params);
        if let Some((name, r)) = &worst_tensor {
            eprintln!("  largest per tensor: {name} ({r:.1e})");
        }
    }
    if !ok {
        return Err(CompileError::Internal(format!(
            "the partitioned plan differs from single-device training beyond {tolerance:.0e}: loss {worst_loss:.1e}, parameters {:.1e}",
            c.params
        )));
    }
    if !json {
        eprintln!("ok: the partitioned plan matches single-device training within {tolerance:.0e}");
    }
    Ok(())
}

/// `parc inspect OUT --timeline FILE.json`: the pipeline schedule of OUT's plan as Chrome trace
/// JSON (and SVG beside it), simulated in predicted seconds when the plan was compiled with
/// `--gpu` (plan.json's `prediction.chunk_s`), in unit costs otherwise.
pub fn timeline(out: &Path, path: &Path) -> Result<(), CompileError> {
    use parc_compiler::pipeline::{chrome_trace, simulate, svg, ScheduleKind, UnitCosts};
    let plan = read_plan(out)?;
    let p = &plan["pipeline"];
    if p.is_null() {
        return Err(user(
            format!("{} has no pipeline: its mesh has pp = 1", out.display()),
            "compile with pipeline stages, e.g. --mesh 8x4x2 --schedule 1f1b",
        ));
    }
    let kind = ScheduleKind::parse(p["schedule"].as_str().unwrap_or("")).map_err(|e| {
        user(format!("{}: {e}", out.join("plan.json").display()), "recompile with this version of parc")
    })?;
    let n = |k: &str| p[k].as_u64().unwrap_or(1) as usize;
    let predicted = &plan["prediction"]["chunk_s"];
    let seconds = |k: &str| predicted[k].as_f64().filter(|x| x.is_finite() && *x >= 0.0);
    let (costs, micros_per_unit, unit, gpu) =
        match (seconds("forward_s"), seconds("backward_input_s"), seconds("backward_weight_s")) {
            (Some(forward), Some(backward_input), Some(backward_weight)) => (
                UnitCosts { forward, backward_input, backward_weight },
                1e6,
                "s",
                format!(", predicted on the {}", plan["prediction"]["gpu"].as_str().unwrap_or("GPU")),
            ),
            _ => (
                UnitCosts { forward: 1.0, backward_input: 1.0, backward_weight: 1.0 },
                1000.0,
                " units",
                " (unit costs: compile with --gpu for predicted seconds)".to_string(),
            ),
        };
    let t = simulate(kind, n("stages"), n("microbatches"), n("chunks"), costs)
        .map_err(|e| CompileError::Internal(e.to_string()))?;
    let names: Vec<String> = (0..t.stages).map(|s| format!("stage {s}")).collect();
    let json = serde_json::to_string_pretty(&chrome_trace(&t, &names, micros_per_unit))
        .map_err(|e| CompileError::Internal(e.to_string()))?;
    let write = |file: &Path, text: &str| {
        std::fs::write(file, text)
            .map_err(|e| user(format!("cannot write {}: {e}", file.display()), "choose a writable path"))
    };
    write(path, &json)?;
    let svg_path = path.with_extension("svg");
    write(&svg_path, &svg(&t))?;
    let ideal = t.microbatches as f64 * (costs.forward + costs.backward_input + costs.backward_weight);
    eprintln!(
        "{} schedule, {} stages x {} chunk(s), {} micro-batches: makespan {:.4}{unit}, bubble {:.2}% of the ideal{gpu} \
         -> {} and {}",
        kind,
        t.stages,
        t.chunks,
        t.microbatches,
        t.makespan,
        100.0 * (t.makespan - ideal) / ideal,
        path.display(),
        svg_path.display()
    );
    Ok(())
}

/// `parc check OUT`: the cross-rank check of the compiled programs (see `parc_compiler::check`).
/// What a failed cross-rank check of `out` means. If every program is the one `parc compile`
/// wrote (its hash is plan.json's), parc wrote programs that can hang: a bug in parc. Otherwise a
/// program was edited or comes from another compilation: the check failed on the user's files.
fn check_failure(out: &Path, files: &[PathBuf], hashes: &[String], e: impl std::fmt::Display) -> CompileError {
    let message = format!("{}: the cross-rank check failed: {e}", out.display());
    match Provenance::of(out, files, hashes) {
        Provenance::AsWritten => CompileError::Internal(message),
        Provenance::Edited(what) => {
            CompileError::CheckFailed(Box::new(Diagnostic::new(message).with_help(Provenance::edited_help(&what, out))))
        }
        Provenance::Unknown => CompileError::CheckFailed(Box::new(Diagnostic::new(message).with_help(
            "plan.json holds no program hashes (an older parc wrote it), so an edited program cannot be told from a bug \
             in parc: recompile with this version and run parc check again; if it still fails, please report it",
        ))),
    }
}

pub fn check(out: &Path, json: bool) -> Result<(), CompileError> {
    let plan = read_plan(out)?;
    let mesh = plan_mesh(&plan)?;
    let files = parc_runtime::program::program_files(out).ok_or_else(|| {
        user(
            format!("{} holds no rank programs", out.display()),
            "compile first: parc compile MODEL.toml --mesh M -o OUT",
        )
    })?;
    let started = Instant::now();
    let mut modules = Vec::new();
    let mut hashes = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| user(format!("cannot read {}: {e}", f.display()), "recompile to rewrite it"))?;
        hashes.push(parc_dialects::hash::fnv1a64_hex(text.as_bytes()));
        modules.push(
            parc_dialects::parser::parse_module(&text).map_err(|e| {
                user(format!("cannot parse {}: {e}", f.display()), "recompile with this version of parc")
            })?,
        );
    }
    let report = parc_compiler::check::check(&modules, &mesh).map_err(|e| check_failure(out, &files, &hashes, e))?;
    let elapsed = started.elapsed();
    if json {
        print_stdout(
            &serde_json::json!({
                "ok": true,
                "ranks": report.ranks,
                "programs": report.programs,
                "events_per_step": report.events,
                "messages_per_step_per_column": report.messages,
                "stage_collectives_per_step_per_column": report.stage_collectives,
                "seconds": elapsed.as_secs_f64(),
            })
            .to_string(),
        );
    } else {
        eprintln!(
            "ok: {} ranks, {} program(s), {} communication events per step: collectives match their groups, {} messages between stages and {} collectives across stages pair up, no rank can hang ({:.1?})",
            report.ranks, report.programs, report.events, report.messages, report.stage_collectives, elapsed
        );
    }
    Ok(())
}

/// `parc logits OUT -o FILE`.
pub fn logits(
    out: &Path,
    init: Option<&Path>,
    data: Option<&Path>,
    data_dtype: &str,
    output: &Path,
    json: bool,
) -> Result<(), CompileError> {
    use parc_runtime::logits::{first_batch_logits, DataSource};
    let width = match data_dtype {
        "u16" => TokenWidth::U16,
        "u32" => TokenWidth::U32,
        other => return Err(user(format!("--data-dtype {other}: unknown token width"), "use u16 or u32")),
    };
    let source = match data {
        Some(p) => DataSource::File(p, width),
        None => DataSource::Synthetic,
    };
    let started = Instant::now();
    let l = first_batch_logits(out, init, source).map_err(|e| {
        if e.message.starts_with("internal error") {
            CompileError::Internal(e.message)
        } else {
            user(e.message, e.help)
        }
    })?;
    parc_runtime::weights::save(output, &[("logits", &l.shape[..], &l.values[..])])
        .map_err(|e| user(e.to_string(), "choose a writable -o path"))?;
    let max_abs = l.values.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if json {
        let v = serde_json::json!({
            "model": l.model,
            "file": output.display().to_string(),
            "shape": l.shape,
            "max_abs": max_abs,
            "seconds": started.elapsed().as_secs_f64(),
        });
        print_stdout(&v.to_string());
    } else {
        eprintln!(
            "logits of {}'s first global batch, {:?}, largest |logit| {max_abs:.4} ({:.1?}) -> {}",
            l.model,
            l.shape,
            started.elapsed(),
            output.display()
        );
    }
    Ok(())
}

/// `parc reshard CKPT --to OUT [-o DIR]`.
pub fn reshard(ckpt: &Path, to: &Path, output: Option<&Path>, json: bool) -> Result<(), CompileError> {
    let out = output.map_or_else(|| to.join("checkpoint"), Path::to_path_buf);
    let started = Instant::now();
    let r = parc_runtime::reshard::reshard(ckpt, to, &out).map_err(|e| user(e.message, e.help))?;
    if json {
        let v = serde_json::json!({
            "model": r.model,
            "step": r.step,
            "from_mesh": r.from_mesh,
            "to_mesh": r.to_mesh,
            "tensors": r.tensors,
            "bytes": r.bytes,
            "largest_block_elements": r.largest_block,
            "dir": r.dir.display().to_string(),
            "seconds": started.elapsed().as_secs_f64(),
        });
        print_stdout(&v.to_string());
    } else {
        eprintln!(
            "resharded {} at step {} from mesh {} to {} ({} tensors, {:.1} MB, in {:.1?}) -> {}\nresume with: parc launch {} --resume {} --steps N",
            r.model,
            r.step,
            r.from_mesh,
            r.to_mesh,
            r.tensors,
            r.bytes as f64 / 1e6,
            started.elapsed(),
            r.dir.display(),
            to.display(),
            r.dir.display()
        );
    }
    Ok(())
}

/// `parc export MODEL --weights FILE --hf DIR`.
pub fn export(
    model: &str,
    training: Option<&str>,
    weights: &Path,
    dir: &Path,
    max_shard_bytes: u64,
    json: bool,
) -> Result<(), CompileError> {
    use parc_compiler::frontend::{Activation, Norm, Position};
    let spec = parc_compiler::load_model_with(model, training)?;
    let m = &spec.model;
    if let Some(moe) = &m.moe {
        // MixtralForCausalLM: every layer a dropless SwiGLU MoE layer without biases.
        let unlike = if moe.every != 1 {
            Some(format!("every = {} (Mixtral's every layer is a MoE layer)", moe.every))
        } else if let Some(f) = moe.capacity_factor {
            Some(format!("capacity_factor = {f} (Mixtral drops no token)"))
        } else if (m.norm, m.activation, m.position, m.bias)
            != (Norm::RmsNorm, Activation::SwiGlu, Position::Rope, false)
        {
            Some("a GPT-family MoE model (Mixtral is Llama-family: rmsnorm, swiglu, rope, bias = false)".to_string())
        } else {
            None
        };
        if let Some(unlike) = unlike {
            return Err(user(
                format!("{model}: [model.moe] has {unlike}, which no Hugging Face architecture has"),
                "parc exports MoE models as MixtralForCausalLM: [model.moe] with every = 1, no capacity_factor, \
                 in a model with norm = \"rmsnorm\", activation = \"swiglu\", position = \"rope\", bias = false",
            ));
        }
    }
    let gpt2 = match (m.norm, m.activation, m.position, m.bias) {
        (Norm::LayerNorm, Activation::Gelu, Position::Learned, true) => true,
        (Norm::RmsNorm, Activation::SwiGlu, Position::Rope, false) => false,
        _ => {
            return Err(user(
                format!("{model}: no Hugging Face architecture has this model's combination of norm, activation, position and bias"),
                "parc exports GPT2LMHeadModel (layernorm, gelu, learned positions, bias = true) and LlamaForCausalLM \
                 (rmsnorm, swiglu, rope, bias = false)",
            ))
        }
    };
    if gpt2 && m.kv_heads != m.heads {
        return Err(user(
            format!(
                "{model}: GPT-2 has no grouped-query attention, but kv_heads = {} < heads = {}",
                m.kv_heads, m.heads
            ),
            "export a GPT-family model with kv_heads = heads",
        ));
    }
    if max_shard_bytes == 0 {
        return Err(user("--max-shard-bytes 0: a shard must hold at least one tensor", "leave it out for 5 GB shards"));
    }
    let config = parc_runtime::hf::HfConfig {
        gpt2,
        vocab: m.vocab,
        hidden: m.hidden,
        layers: m.layers,
        heads: m.heads,
        kv_heads: m.kv_heads,
        ffn: m.moe.as_ref().map_or(m.ffn, |moe| moe.expert_ffn),
        seq_len: m.seq_len,
        norm_eps: m.norm_eps,
        rope_theta: m.rope_theta,
        tie_embeddings: m.tie_embeddings,
        moe: m.moe.as_ref().map(|moe| (moe.experts, moe.top_k)),
    };
    let architecture = match (gpt2, m.moe.is_some()) {
        (true, _) => "GPT2LMHeadModel",
        (false, true) => "MixtralForCausalLM",
        (false, false) => "LlamaForCausalLM",
    };
    let params = parc_compiler::models::param_names(m);
    let expected: Vec<(&str, &[usize])> = params.iter().map(|p| (p.name.as_str(), p.shape.as_slice())).collect();
    let fail = |e: parc_runtime::weights::WeightsError| {
        user(
            e.to_string(),
            "--weights takes this model's weights: a file written by parc launch --save, or a Hugging Face checkpoint of it",
        )
    };
    let source = parc_runtime::hf::InitWeights::open(weights, &expected).map_err(fail)?;
    let summary = parc_runtime::hf::export(&config, &source, &expected, dir, max_shard_bytes).map_err(fail)?;
    if json {
        let v = serde_json::json!({
            "architecture": architecture,
            "files": summary.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "tensors": summary.tensors,
            "bytes": summary.bytes,
        });
        print_stdout(&v.to_string());
    } else {
        eprintln!(
            "exported {} as {} ({} tensors, {:.1} MB) -> {}",
            m.name,
            architecture,
            summary.tensors,
            summary.bytes as f64 / 1e6,
            dir.display()
        );
    }
    Ok(())
}
