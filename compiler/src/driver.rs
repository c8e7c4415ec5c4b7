//! The compile driver: model file → validated spec → forward graph → pass pipeline → artifacts
//! (`plan.json`, `ir/NN-name.mlir`). The CLI calls [`compile`] and [`write_artifacts`]; tests and
//! benchmarks call them directly. Errors are split into user errors (exit code 2, a diagnostic
//! that says how to fix the input) and internal errors (a compiler bug).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use parc_dialects::diag::Diagnostic;
use parc_dialects::ir::Module;
use parc_dialects::pass::{check_print_after, PassRunner, PipelineError, PipelineOptions, PipelineReport, Timing};

use crate::frontend::{ModelSpec, Precision, Recompute};
use crate::mesh::Mesh;
use crate::models::build_forward_rows;
use crate::passes::{passes, step_names, StepPlan};
use crate::pipeline::ScheduleOptions;
use crate::plan::{make_plan, Plan};

/// What passes see besides the module.
pub struct CompileContext {
    pub spec: ModelSpec,
    pub mesh: Mesh,
}

/// Options of one compilation.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    pub mesh: Mesh,
    /// Command-line overrides of `[training]` (`--zero`, `--sequence-parallel`).
    pub training: TrainingOverrides,
    /// How the pass pipeline runs; `parc compile` sets `dump_all` so every stage lands in OUT/ir/.
    pub pipeline: PipelineOptions,
}

/// Command-line values that replace the model file's `[training]` ones, and the pipeline
/// schedule (`--schedule`, `--chunks`, `--stages`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrainingOverrides {
    /// `--zero N`: the ZeRO stage (0 to 3).
    pub zero: Option<u8>,
    /// `--sequence-parallel`: turn sequence parallelism on.
    pub sequence_parallel: bool,
    /// `--recompute none|selective|full`: the activation recomputation policy.
    pub recompute: Option<Recompute>,
    /// `--precision fp32|bf16`: the training precision.
    pub precision: Option<Precision>,
    /// `--grad-reduce-dtype fp32|bf16`: the dtype bf16 gradients are reduced in.
    pub grad_reduce_dtype: Option<Precision>,
    /// How a mesh with `pp > 1` schedules its stages.
    pub schedule: ScheduleOptions,
    /// `--training FILE`: the `[training]` table (with `seq_len`) of a Hugging Face model.
    pub training_file: Option<String>,
}

impl TrainingOverrides {
    /// Applies the overrides to `spec`.
    pub fn apply(&self, spec: &mut ModelSpec) {
        if let Some(z) = self.zero {
            spec.training.zero = z;
        }
        if self.sequence_parallel {
            spec.training.sequence_parallel = true;
        }
        if let Some(r) = self.recompute {
            spec.training.recompute = r;
        }
        if let Some(p) = self.precision {
            spec.training.precision = p;
        }
        if let Some(g) = self.grad_reduce_dtype {
            spec.training.grad_reduce_dtype = g;
        }
    }
}

/// A failed compilation.
#[derive(Debug)]
pub enum CompileError {
    /// Bad input: a malformed file, an impossible mesh. Exit code 2.
    User(Diagnostic),
    /// A compiler bug (a pass failed or produced invalid IR). Exit code 1.
    Internal(String),
    /// A check of the user's artifacts failed (`parc check` on programs edited since they were
    /// written). Exit code 1, like any failed check, but not reported as a bug in parc.
    CheckFailed(Box<Diagnostic>),
}

impl CompileError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CompileError::User(_) => 2,
            CompileError::Internal(_) | CompileError::CheckFailed(_) => 1,
        }
    }
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::User(d) => write!(f, "{d}"),
            CompileError::CheckFailed(d) => write!(f, "{d}"),
            CompileError::Internal(m) => write!(f, "internal compiler error: {m}\n  help: this is a bug in parc; please report it with the model file and the command line"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<Diagnostic> for CompileError {
    fn from(d: Diagnostic) -> Self {
        CompileError::User(d)
    }
}

impl From<PipelineError> for CompileError {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::UnknownPrintAfter { .. } => CompileError::User(Diagnostic::new(e.to_string())),
            other => CompileError::Internal(other.to_string()),
        }
    }
}

/// The result of a compilation, before anything is written.
pub struct CompileOutput {
    pub module: Module,
    /// With pipeline stages: each stage's rank program (`stage-S.mlir`), stage order.
    pub stages: Vec<Module>,
    pub plan: Plan,
    pub report: PipelineReport,
    pub elapsed: Duration,
    /// The model's import notes ([`ModelSpec::notes`]), for the command line to print.
    pub notes: Vec<String>,
}

/// Compiles the model file at `model_path`.
pub fn compile_file(model_path: &str, opts: &CompileOptions) -> Result<CompileOutput, CompileError> {
    let t0 = Instant::now();
    let mut spec = crate::frontend::load_model_with(model_path, opts.training.training_file.as_deref())?;
    opts.training.apply(&mut spec);
    compile_spec(spec, opts, t0)
}

/// Compiles an already parsed spec; `started` is when the work began (for timings).
pub fn compile_spec(spec: ModelSpec, opts: &CompileOptions, started: Instant) -> Result<CompileOutput, CompileError> {
    spec.check_training()?;
    crate::mesh::check_model(&opts.mesh, &spec)?;
    let rows = spec.training.micro_batch * if opts.mesh.pp == 1 { opts.mesh.dp } else { 1 };
    let mut module = build_forward_rows(&spec, rows).map_err(|e| CompileError::Internal(e.to_string()))?;
    let frontend = started.elapsed();
    let ctx = CompileContext { spec, mesh: opts.mesh };
    let step = StepPlan::of(&ctx.mesh);
    // Every name to print must be a step this compilation runs, the stages' included.
    check_print_after(&opts.pipeline, step_names(&step))?;
    let mut runner = PassRunner::new(&opts.pipeline, "", 0);
    runner.input(&module)?;
    for pass in passes(&step) {
        runner.run(&mut module, &ctx, pass)?;
    }
    let mut report = runner.finish(&module)?;
    report.timings.insert(0, Timing { stage: "frontend".into(), run: frontend, verify: Duration::ZERO });
    let mut stages = Vec::new();
    let mut pipeline = None;
    if step.stages {
        let mut summary = pipeline_plan(&ctx.spec, &ctx.mesh, &opts.training)?;
        let programs = crate::pipeline::lower::compile_stages(&ctx, &opts.training.schedule, &opts.pipeline)?;
        summary.set_activation_bytes_per_layer(programs.activation_bytes_per_layer);
        stages = programs.modules;
        report.dumps.extend(programs.report.dumps);
        report.timings.extend(programs.report.timings);
        for (st, m) in summary.per_stage.iter_mut().zip(&stages) {
            st.memory = crate::plan::memory_summary(m);
            st.communication = crate::plan::communication(m);
            st.program = format!("stage-{}.mlir", st.stage);
        }
        pipeline = Some(summary);
    }
    let ir = report.dumps.iter().map(|d| format!("ir/{}", d.file_name)).collect();
    let mut plan = make_plan(&ctx.spec, &ctx.mesh, &module, ir);
    if let Some(summary) = pipeline {
        plan.pipeline = Some(summary);
        plan.programs = crate::plan::stage_programs(&ctx.mesh);
    }
    // Every generated program set is checked: collectives match and no rank can hang.
    if plan.programs.generated {
        let programs = if stages.is_empty() { std::slice::from_ref(&module) } else { &stages[..] };
        crate::check::check(programs, &ctx.mesh)
            .map_err(|e| CompileError::Internal(format!("the cross-rank check failed: {e}")))?;
    }
    Ok(CompileOutput { module, stages, plan, report, elapsed: started.elapsed(), notes: ctx.spec.notes.clone() })
}

/// The pipeline section of the plan: the stage split, the schedule's bubble and in-flight
/// micro-batches. Activation memory per stage is filled in once the stage programs exist
/// ([`crate::pipeline::PipelineSummary::set_activation_bytes_per_layer`]); planning first
/// reports a split or schedule that cannot work as the user's error.
fn pipeline_plan(
    spec: &ModelSpec,
    mesh: &Mesh,
    training: &TrainingOverrides,
) -> Result<crate::pipeline::PipelineSummary, CompileError> {
    crate::pipeline::plan::plan(spec, mesh, &training.schedule, 0).map_err(|e| {
        CompileError::User(Diagnostic::new(e.to_string()).with_help(
            "choose --stages, --chunks and --schedule that fit the model's layers and micro-batches (see parc compile --help)",
        ))
    })
}

/// The text of a rank program: the dump after its last step, memory-plan (in `dir`, `stage-S/` or the
/// top of OUT/ir/), which is the program itself, or the module printed when there is no such dump.
/// The program files of a big pipelined plan are megabytes each, so printing them twice would cost.
fn program_text<'a>(dumps: &'a [parc_dialects::pass::Dump], dir: &str, module: &Module) -> std::borrow::Cow<'a, str> {
    let last = dumps.iter().rev().find(|d| d.file_name.strip_prefix(dir).is_some_and(|rest| !rest.contains('/')));
    match last {
        Some(d) if d.stage == crate::passes::MEMORY_PLAN.name => {
            debug_assert_eq!(
                d.text,
                parc_dialects::printer::print_module(module),
                "{} is not the program",
                d.file_name
            );
            std::borrow::Cow::Borrowed(&d.text)
        }
        _ => std::borrow::Cow::Owned(parc_dialects::printer::print_module(module)),
    }
}

/// Writes `plan.json`, the rank programs and the IR dumps into `out_dir`, replacing those of an
/// earlier run, and records each program's hash in `output.plan` (`programs.fnv1a64`) as it
/// goes into plan.json. Returns the paths written.
pub fn write_artifacts(out_dir: &Path, output: &mut CompileOutput) -> Result<Vec<PathBuf>, CompileError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        CompileError::User(
            Diagnostic::new(format!("cannot {what} {}: {e}", path.display()))
                .with_help("choose an output directory you can write to with -o"),
        )
    };
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(CompileError::User(
            Diagnostic::new(format!("output path {} exists and is not a directory", out_dir.display()))
                .with_help("pass a directory to -o (it is created if missing)"),
        ));
    }
    let ir_dir = out_dir.join("ir");
    std::fs::create_dir_all(&ir_dir).map_err(|e| io("create", &ir_dir, e))?;
    // Dumps from an earlier compile with other passes must not linger beside the new ones: the
    // `.mlir` files of OUT/ir/ and of its stage directories (`stage-S/`, `stage-S/chunk-C/`),
    // and those directories once empty.
    remove_stale_dumps(&ir_dir).map_err(|(path, e)| io("remove stale dump", &path, e))?;
    let mut written = Vec::new();
    for dump in &output.report.dumps {
        let path = ir_dir.join(&dump.file_name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
        }
        std::fs::write(&path, &dump.text).map_err(|e| io("write", &path, e))?;
        written.push(path);
    }
    // Per-rank programs (one rank today: the partitioner that splits the step is not built yet).
    for stale in std::fs::read_dir(out_dir).map_err(|e| io("read", out_dir, e))?.flatten() {
        let name = stale.file_name();
        let stale_program = name.to_string_lossy().starts_with("rank-") || name.to_string_lossy().starts_with("stage-");
        if stale_program && stale.path().extension().is_some_and(|e| e == "mlir") {
            std::fs::remove_file(stale.path()).map_err(|e| io("remove stale program", &stale.path(), e))?;
        }
    }
    // Each program's hash goes to plan.json, in the order of `programs.files`.
    let mut hashes = Vec::new();
    for (s, stage) in output.stages.iter().enumerate() {
        let path = out_dir.join(format!("stage-{s}.mlir"));
        let text = program_text(&output.report.dumps, &format!("stage-{s}/"), stage);
        std::fs::write(&path, text.as_ref()).map_err(|e| io("write", &path, e))?;
        hashes.push(parc_dialects::hash::fnv1a64_hex(text.as_bytes()));
        written.push(path);
    }
    if output.plan.programs.generated && output.stages.is_empty() {
        let path = out_dir.join("rank-0000.mlir");
        let text = program_text(&output.report.dumps, "", &output.module);
        std::fs::write(&path, text.as_ref()).map_err(|e| io("write", &path, e))?;
        hashes.push(parc_dialects::hash::fnv1a64_hex(text.as_bytes()));
        written.push(path);
    }
    // The kernels of the rank program as CUDA C (with pipeline stages, of each stage program in
    // kernels/stage-S/), replacing those of an earlier run.
    let kernels_dir = out_dir.join("kernels");
    if let Ok(entries) = std::fs::read_dir(&kernels_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && entry.file_name().to_string_lossy().starts_with("stage-") {
                std::fs::remove_dir_all(&path).map_err(|e| io("remove stale kernels", &path, e))?;
            }
        }
    }
    let generated = output.plan.programs.generated;
    written.extend(crate::codegen::write_kernels(&kernels_dir, &output.module, generated && output.stages.is_empty())?);
    if generated {
        for (s, stage) in output.stages.iter().enumerate() {
            written.extend(crate::codegen::write_kernels(&kernels_dir.join(format!("stage-{s}")), stage, true)?);
        }
    }
    let plan_path = out_dir.join("plan.json");
    output.plan.programs.fnv1a64 = hashes;
    let mut json = serde_json::to_string_pretty(&output.plan).map_err(|e| CompileError::Internal(e.to_string()))?;
    json.push('\n');
    std::fs::write(&plan_path, json).map_err(|e| io("write", &plan_path, e))?;
    written.push(plan_path);
    Ok(written)
}

/// Removes the `.mlir` files of `dir` and, recursively, of its `stage-*` and `chunk-*`
/// directories, and those directories when nothing else is left in them.
fn remove_stale_dumps(dir: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && (name.starts_with("stage-") || name.starts_with("chunk-")) {
            remove_stale_dumps(&path)?;
            // Kept when it holds files that are not dumps.
            let _ = std::fs::remove_dir(&path);
        } else if path.extension().is_some_and(|e| e == "mlir") {
            std::fs::remove_file(&path).map_err(|e| (path.clone(), e))?;
        }
    }
    Ok(())
}
