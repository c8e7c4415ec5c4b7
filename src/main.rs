//! The `parc` command line: parses arguments with clap and calls the compiler library. All
//! work lives in the library crates; this file only maps flags to options and results to output
//! and exit codes (0 success, 2 bad input or usage, 1 internal error).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

mod commands;
mod plan_cmd;
use parc_compiler::driver::{compile_file, write_artifacts, CompileError, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::{Precision, Recompute};
use parc_compiler::mesh::Mesh;
use parc_compiler::passes::PASSES;
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_dialects::diag::Diagnostic;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::backend::Backend;

const ABOUT: &str = "parc compiles a model description and a device mesh into a partitioned, per-rank execution plan.";

const EXAMPLES: &str = "\
Examples:
  parc compile examples/gpt-tiny.toml --mesh 2x2x2 -o out/
  parc compile examples/gpt3-175b.toml --mesh dp=8,pp=4,tp=2 -o out175/ --print-ir-after-all
  parc compile --help        (flags, mesh syntax and the pass list)

The model format is described in docs/model-format.md.";

#[derive(Parser)]
#[command(name = "parc", version, about = ABOUT, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a model for a device mesh: validate, build the graph, run the passes, write OUT/.
    #[command(after_help = compile_help())]
    Compile(CompileArgs),
    /// Train: compile MODEL.toml (or load a compiled OUT/) and run its rank programs on this machine.
    #[command(after_help = LAUNCH_HELP)]
    Launch(LaunchArgs),
    /// Run one rank's program from a compiled OUT/ (the same as the `parc-rt` binary).
    Run(RunArgs),
    /// Show what a compiled OUT/ holds: the plan, each rank's program, memory and communication.
    Inspect(InspectArgs),
    /// Check a compiled OUT/: every rank's program run symbolically; collectives and messages match.
    Check(CheckArgs),
    /// Check a partitioned plan against single-device training (losses and final parameters).
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Write a model's weights as a Hugging Face checkpoint (config.json + safetensors).
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// Search the parallel layouts of a model on N GPUs; print the fastest that fit, with why the others lose.
    #[command(after_help = plan_cmd::PLAN_HELP)]
    Plan(plan_cmd::PlanArgs),
    /// The logits of the first global batch of a compiled plan's model (f64 reference interpreter).
    #[command(after_help = LOGITS_HELP)]
    Logits(LogitsArgs),
    /// Map a checkpoint onto another compiled plan of the same model (mesh, ZeRO, pipeline split).
    #[command(after_help = RESHARD_HELP)]
    Reshard(ReshardArgs),
}

const LOGITS_HELP: &str = "\
Evaluates the model's single-device forward graph (OUT/ir/00-input.mlir) with the f64 reference
interpreter, micro-batch by micro-batch, on the weights a run of OUT starts from (--init, or the
seeded initialization) and the first global batch it reads (--data, or the synthetic stream),
and writes the logits as float32 safetensors: one tensor \"logits\" of shape [global_batch,
seq_len, vocab]. The logits do not depend on OUT's mesh. One thread, f64: meant for comparing a
model's numerics with another implementation on small models (docs/huggingface.md), not for
inference at scale.

Examples:
  parc compile tests/fixtures/hf/llama --training tests/fixtures/hf/llama/train.toml --mesh dp=2,tp=2 -o out/
  parc logits out/ --init tests/fixtures/hf/llama --data tests/fixtures/hf/tokens.bin --data-dtype u16 \\
      -o logits.safetensors";

/// `parc logits OUT -o FILE`.
#[derive(Args)]
struct LogitsArgs {
    /// A directory written by parc compile.
    out: PathBuf,
    /// The weights (parc's safetensors, a checkpoint's state.safetensors, or a Hugging Face
    /// checkpoint); default: the seeded initialization of a run.
    #[arg(long, value_name = "W")]
    init: Option<PathBuf>,
    /// The token file a run would read (default: the synthetic stream of the model's seed).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Width of the token ids in --data.
    #[arg(long, value_name = "u16|u32", default_value = "u32")]
    data_dtype: String,
    /// The safetensors file to write.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// One JSON object on stdout: the file, shape and the largest absolute logit.
    #[arg(long)]
    json: bool,
}

const RESHARD_HELP: &str = "\
A checkpoint (parc launch --checkpoint-every) holds every parameter and optimizer state as a
global tensor, whatever the mesh it was written on. parc reshard checks, before anything runs,
that the plan compiled in --to takes exactly these tensors (the same model, global shapes and
optimizer states, the same global batch), then streams them into a checkpoint stamped with the
target's mesh, a block of at most 4 MiB at a time. A checkpoint and a plan that differ are
refused with the differing tensors listed, and nothing is written. Resuming from the result on
the target gives the losses the original mesh would have, within f32 rounding (README,
\"Checkpoint a run\").

Examples:
  parc launch examples/llama-tiny.toml --mesh dp=2,tp=2 --zero 1 --steps 100 \\
      --checkpoint-every 50 --checkpoint-dir ckpt/
  parc compile examples/llama-tiny.toml --mesh tp=2,pp=2 -o out2/
  parc reshard ckpt/step-100 --to out2/                 # writes out2/checkpoint
  parc launch out2/ --resume out2/checkpoint --steps 200";

/// `parc reshard CKPT --to OUT`.
#[derive(Args)]
struct ReshardArgs {
    /// The checkpoint directory (holding checkpoint.json and state.safetensors).
    checkpoint: PathBuf,
    /// The compiled directory (parc compile -o) the run resumes on.
    #[arg(long, value_name = "OUT")]
    to: PathBuf,
    /// Where to write the resharded checkpoint; must not exist. Default: OUT/checkpoint.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// One JSON object on stdout: the step, meshes, tensors, bytes and directory.
    #[arg(long)]
    json: bool,
}

const EXPORT_HELP: &str = "\
Reads the weights (a file written by parc launch --save, or a Hugging Face checkpoint of the
model) and writes DIR/config.json and DIR/model.safetensors in transformers' layout: GPT2LMHeadModel
for GPT-family models (layernorm, gelu, learned positions, biases), LlamaForCausalLM for the Llama
family (rmsnorm, swiglu, rope, no biases). Tensors are float32; above --max-shard-bytes the
weights are split into model-0000i-of-0000n.safetensors with model.safetensors.index.json.
The exported model's positions are the model's seq_len. Every check runs before anything is
written (docs/huggingface.md).

Examples:
  parc launch examples/llama-tiny.toml --steps 100 --save final.safetensors
  parc export examples/llama-tiny.toml --weights final.safetensors --hf hf-out/
  parc export tests/fixtures/hf/gpt2 --training tests/fixtures/hf/gpt2/train.toml \\
      --weights tests/fixtures/hf/gpt2/model.safetensors --hf gpt2-copy/";

/// Export a model's weights in Hugging Face's format.
#[derive(Args)]
struct ExportArgs {
    /// The model: a model.toml, or a Hugging Face model directory (with --training).
    model: String,
    /// The weights: a safetensors file from parc launch --save, or a Hugging Face checkpoint
    /// (model.safetensors, its index, or their directory).
    #[arg(long, value_name = "FILE")]
    weights: PathBuf,
    /// The directory to write config.json and the safetensors file(s) into (created if absent).
    #[arg(long, value_name = "DIR")]
    hf: PathBuf,
    /// For a Hugging Face model directory: the TOML file with its [training] table and seq_len.
    #[arg(long, value_name = "FILE")]
    training: Option<String>,
    /// The largest safetensors file before the checkpoint is sharded, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 5_000_000_000)]
    max_shard_bytes: u64,
    /// One JSON object on stdout: the files written, tensors and bytes.
    #[arg(long)]
    json: bool,
}

const VERIFY_HELP: &str = "\
Runs the partitioned plan (all ranks as threads) and the single-device plan on the same weights and
data, and reports the largest relative difference of every step's loss and of the final parameters
(per tensor: max |a - b| / max |b|). Exits 1 if any exceeds the tolerance (1e-5 by default, f32).

Examples:
  parc verify examples/gpt-tiny.toml --mesh dp=2,tp=2 --steps 10
  parc verify examples/llama-tiny.toml --mesh dp=4,tp=2 --zero 3 --steps 10
  parc verify examples/gpt-tiny.toml --mesh tp=4 --sequence-parallel --steps 5 --json";

/// `[training]` values the command line overrides, and the pipeline schedule.
#[derive(Args, Clone, Default)]
struct OverrideArgs {
    /// ZeRO stage on the data-parallel axis: 0 (off), 1 (optimizer state), 2 (+ gradients),
    /// 3 (+ parameters). Replaces the model file's `zero`.
    #[arg(long, value_name = "STAGE", value_parser = clap::value_parser!(u8).range(0..=3))]
    zero: Option<u8>,
    /// Sequence parallelism on the tensor-parallel axis (activations between TP regions split
    /// by sequence; all-gather / reduce-scatter instead of all-reduce).
    #[arg(long)]
    sequence_parallel: bool,
    /// Activation recomputation: none (the backward reads what the forward saved), selective
    /// (recompute the attention core: QKᵀ, softmax), full (keep each layer's input, recompute the
    /// layer). Replaces the model file's `recompute`. Losses are bitwise the same; memory differs.
    #[arg(long, value_name = "POLICY", value_parser = ["none", "selective", "full"])]
    recompute: Option<String>,
    /// Training precision: fp32, or bf16 (bf16 parameters, activations and gradients; fp32 master
    /// weights and optimizer state). Replaces the model file's `precision`.
    #[arg(long, value_name = "P", value_parser = ["fp32", "bf16"])]
    precision: Option<String>,
    /// The dtype bf16 gradients are reduced in across ranks: fp32 (each gradient widened before
    /// its all-reduce or reduce-scatter: twice the bytes, no bf16 rounding of the sum) or bf16.
    /// Replaces the model file's `grad_reduce_dtype`; fp32 gradients are always reduced in fp32.
    #[arg(long, value_name = "DTYPE", value_parser = ["fp32", "bf16"])]
    grad_reduce_dtype: Option<String>,
    /// Pipeline schedule when the mesh has pp > 1: gpipe, 1f1b, interleaved or zb-h1.
    #[arg(long, value_name = "NAME", default_value = "1f1b")]
    schedule: String,
    /// Virtual chunks per pipeline stage (interleaved schedule).
    #[arg(long, value_name = "V", default_value_t = 1)]
    chunks: usize,
    /// Layers per pipeline stage, e.g. 8,8,7,7 (default: balanced by estimated cost).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',')]
    stages: Option<Vec<usize>>,
    /// For a Hugging Face model directory (config.json): a TOML file with the [training] table
    /// (model.toml's, with seq_len in it), since a config does not say what to train on.
    #[arg(long, value_name = "FILE")]
    training: Option<String>,
}

impl OverrideArgs {
    fn get(&self) -> Result<TrainingOverrides, CompileError> {
        let kind = ScheduleKind::parse(&self.schedule).map_err(|e| {
            CompileError::User(Diagnostic::new(format!("--schedule {}: {e}", self.schedule)).with_help(
                "gpipe (all forwards, then all backwards), 1f1b, interleaved (with --chunks), zb-h1 (zero bubble)",
            ))
        })?;
        if self.chunks == 0 {
            return Err(CompileError::User(
                Diagnostic::new("--chunks 0: a stage needs at least one chunk").with_help("use --chunks 1 or more"),
            ));
        }
        if self.chunks > 1 && kind != ScheduleKind::Interleaved {
            return Err(CompileError::User(
                Diagnostic::new(format!("--chunks {} needs the interleaved schedule, not {kind}", self.chunks))
                    .with_help("add --schedule interleaved, or drop --chunks"),
            ));
        }
        Ok(TrainingOverrides {
            zero: self.zero,
            sequence_parallel: self.sequence_parallel,
            recompute: self.recompute.as_deref().map(|r| match r {
                "selective" => Recompute::Selective,
                "full" => Recompute::Full,
                _ => Recompute::None,
            }),
            precision: self.precision.as_deref().map(|p| if p == "bf16" { Precision::Bf16 } else { Precision::Fp32 }),
            grad_reduce_dtype: self.grad_reduce_dtype.as_deref().map(|p| {
                if p == "bf16" {
                    Precision::Bf16
                } else {
                    Precision::Fp32
                }
            }),
            schedule: ScheduleOptions { kind, chunks: self.chunks, stages: self.stages.clone() },
            training_file: self.training.clone(),
        })
    }
}

/// Check the rank programs of a compiled output directory.
#[derive(Args)]
struct CheckArgs {
    /// A directory written by `parc compile`.
    out: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Check a partitioned plan against single-device training.
#[derive(Args)]
struct VerifyArgs {
    /// The model description (TOML), or a Hugging Face model directory (with --training).
    model: String,
    /// The device mesh to verify, e.g. `dp=2,tp=2` or `2x1x2`.
    #[arg(long, value_name = "MESH")]
    mesh: String,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Training steps to compare.
    #[arg(long, default_value_t = 10)]
    steps: u64,
    /// The largest relative difference allowed.
    #[arg(long, default_value_t = 1e-5)]
    tolerance: f64,
    /// One JSON report on stdout.
    #[arg(long)]
    json: bool,
    /// Where the programs run: cpu (verify compares on the CPU backend only).
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

const LAUNCH_HELP: &str = "\
Examples:
  parc launch examples/gpt-tiny.toml --steps 200
  parc compile examples/gpt-tiny.toml --mesh 1x1x1 -o out/ && parc launch out/ --steps 200 --json
  parc launch examples/llama-tiny.toml --steps 50 --save final.safetensors
  parc launch out/ --steps 100 --init final.safetensors --data tokens.bin --data-dtype u16

Data: a flat file of little-endian token ids; sample k is tokens[k*(S+1) .. (k+1)*(S+1)] (inputs are
its first S tokens, labels its last S). Without --data, a synthetic stream from the model's seed:
arithmetic sequences (start + t * stride mod vocab, stride 1 to 3 per sample), so a falling loss
means the model learns.
Weights: safetensors with the parameter names of docs/model-format.md.
With a model file and --mesh, parc compiles first; a partitioned plan runs every rank as a thread of
this process (CPU), with collectives between them.";

#[derive(Args, Clone)]
struct TrainArgs {
    /// Number of training steps.
    #[arg(long, default_value_t = 100)]
    steps: u64,
    /// Print one JSON object per step to stdout: {"step":…, "loss":…, "tokens_per_s":…}; a MoE
    /// model adds "moe_routed_pairs" and "moe_dropped_pairs" (token-expert pairs of the step's
    /// global batch over all MoE layers, and those dropped past an expert's capacity).
    #[arg(long)]
    json: bool,
    /// Start from these weights (safetensors) instead of the seeded initialization.
    #[arg(long, value_name = "W.safetensors")]
    init: Option<PathBuf>,
    /// Save the final weights (safetensors).
    #[arg(long, value_name = "W.safetensors")]
    save: Option<PathBuf>,
    /// Train on this token file instead of the synthetic stream: little-endian token ids, samples
    /// of seq_len + 1 tokens, at least one global batch of them (step i reads samples i·B.., wrapping).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Width of the token ids in --data.
    #[arg(long, value_name = "u16|u32", default_value = "u32")]
    data_dtype: String,
    /// CPU threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where the steps run: cpu, or cuda (one NVIDIA GPU: the generated kernels compiled with
    /// NVRTC, GEMMs on cuBLAS; builds with the `cuda` feature; one rank, docs/cuda.md).
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    #[command(flatten)]
    gpu: parc_runtime::launch::GpuFlags,
    #[command(flatten)]
    checkpoint: parc_runtime::launch::CheckpointFlags,
}

#[derive(Args)]
struct LaunchArgs {
    /// A model description (.toml) or a Hugging Face model directory (with --training) to compile
    /// first, or a directory written by `parc compile`.
    target: PathBuf,
    /// The device mesh when TARGET is a model file.
    #[arg(long, default_value = "1x1x1", value_name = "MESH")]
    mesh: String,
    #[command(flatten)]
    overrides: OverrideArgs,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Args)]
struct RunArgs {
    /// A directory written by `parc compile`.
    out: PathBuf,
    /// The rank to run: 0 for a plan of one rank (the ranks of a partitioned plan exchange data
    /// and run together with `parc launch OUT`).
    #[arg(long, default_value_t = 0)]
    rank: usize,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Args)]
struct InspectArgs {
    /// A directory written by `parc compile`.
    out: PathBuf,
    /// Show this rank's program.
    #[arg(long, default_value_t = 0)]
    rank: usize,
    /// Show the rank's memory by category.
    #[arg(long)]
    memory: bool,
    /// Show the bytes the rank sends per step, by collective kind and mesh axis.
    #[arg(long)]
    comm: bool,
    /// Write the pipeline's predicted timeline as Chrome trace JSON (open in Perfetto or
    /// chrome://tracing) to this file, and as SVG beside it (same name, .svg). Unit costs:
    /// forward 1, backward 2 (input and weight gradient 1 each).
    #[arg(long, value_name = "FILE.json")]
    timeline: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CompileArgs {
    /// The model: a model.toml (docs/model-format.md), or a Hugging Face model directory with
    /// config.json (with --training; docs/huggingface.md).
    model: String,
    /// The device mesh: DPxPPxTP (e.g. 8x4x2 = 64 ranks) or named axes (dp=8,pp=4,tp=2,ep=2);
    /// axes not named are 1.
    #[arg(long, default_value = "1x1x1", value_name = "MESH")]
    mesh: String,
    /// Output directory; receives plan.json and ir/NN-NAME.mlir (created if missing).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Print the IR after every pass to stdout (it is always written to OUT/ir/).
    #[arg(long)]
    print_ir_after_all: bool,
    /// Print the IR after the named passes (comma-separated; `input` is the frontend's output).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    print_ir_after: Vec<String>,
    /// Run the verifier after every pass (always on in debug builds).
    #[arg(long)]
    verify_each: bool,
    /// Print the time spent in each stage to stderr.
    #[arg(long)]
    timings: bool,
    /// Print plan.json to stdout instead of the one-line summary.
    #[arg(long)]
    json: bool,
    /// Check the plan against a GPU: exit 2, writing nothing, if a rank's planned peak memory
    /// exceeds its usable memory; otherwise print the cost model's predicted step time, TFLOP/s
    /// per GPU and MFU, also written to plan.json as `prediction` (the cost model calibrated
    /// on Megatron-LM's Table 1; docs/cost-model.md). Built in: a100-80g, h100-sxm, h200 (docs/hardware.md).
    #[arg(long, value_name = "NAME", conflicts_with = "gpu_file")]
    gpu: Option<String>,
    /// As --gpu, with a GPU described in a TOML file (docs/hardware.md).
    #[arg(long, value_name = "FILE")]
    gpu_file: Option<String>,
}

fn compile_help() -> String {
    let mut s = String::from(
        "Passes, in pipeline order (OUT/ir/00-input.mlir is the frontend's graph, then one dump per pass):\n",
    );
    for (i, p) in PASSES.iter().enumerate() {
        s.push_str(&format!("  {:02}-{:<8} {}\n", i + 1, p.name, p.help));
    }
    s.push_str(
        "\nMesh: dp x pp x tp; rank = (pp_idx * dp + dp_idx) * tp + tp_idx (tp innermost).\n\
         Exit codes: 0 success, 2 bad input (the message names the place and the fix), 1 internal error.\n\n\
         Examples:\n  parc compile examples/gpt-tiny.toml --mesh 2x2x2 -o out/\n  \
         parc compile examples/llama2-70b.toml --mesh dp=16,pp=8,tp=8 -o out70b/ --timings\n  \
         parc compile examples/gpt-tiny.toml -o out/ --print-ir-after=dce --json",
    );
    s
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile(args) => run_compile(args),
        Command::Launch(args) => check_backend(args.train.backend)
            .and_then(|()| args.overrides.get())
            .and_then(|o| commands::launch(args.target.clone(), &args.mesh, o, &args.train)),
        Command::Run(args) => {
            check_backend(args.train.backend).and_then(|()| commands::run(&args.out, args.rank, &args.train))
        }
        Command::Inspect(args) => match &args.timeline {
            Some(path) => commands::timeline(&args.out, path),
            None => commands::inspect(&args.out, args.rank, args.memory, args.comm, args.json),
        },
        Command::Check(args) => commands::check(&args.out, args.json),
        Command::Plan(args) => plan_cmd::run(args),
        Command::Logits(args) => commands::logits(
            &args.out,
            args.init.as_deref(),
            args.data.as_deref(),
            &args.data_dtype,
            &args.output,
            args.json,
        ),
        Command::Reshard(args) => commands::reshard(&args.checkpoint, &args.to, args.output.as_deref(), args.json),
        Command::Export(args) => commands::export(
            &args.model,
            args.training.as_deref(),
            &args.weights,
            &args.hf,
            args.max_shard_bytes,
            args.json,
        ),
        Command::Verify(args) => check_backend(args.backend)
            .and_then(|()| verify_backend(args.backend))
            .and_then(|()| args.overrides.get())
            .and_then(|o| commands::verify(&args.model, &args.mesh, o, args.steps, args.tolerance, args.json)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// `parc verify` compares on the CPU backend only.
fn verify_backend(backend: Backend) -> Result<(), CompileError> {
    match backend {
        Backend::Cpu => Ok(()),
        Backend::Cuda => Err(CompileError::User(
            Diagnostic::new("parc verify --backend cuda: verify runs every rank of the plan, and GPU runs of more than one rank need the NCCL communicator, not built yet")
                .with_help("verify on the CPU (--backend cpu); compare a one-GPU run with `parc launch MODEL.toml --backend cuda --json` against the same on the CPU"),
        )),
    }
}

/// Refuses a backend that this build cannot run programs on, before any work.
fn check_backend(backend: Backend) -> Result<(), CompileError> {
    backend.check().map_err(|e| CompileError::User(Diagnostic::new(e.message).with_help(e.help)))
}

fn run_compile(args: CompileArgs) -> Result<(), CompileError> {
    let started = Instant::now();
    // Check pass names before any work, so a typo is reported even when the model is also bad.
    if let Some(bad) =
        args.print_ir_after.iter().find(|n| *n != "input" && !PASSES.iter().any(|p| p.name == n.as_str()))
    {
        let names: Vec<&str> = std::iter::once("input").chain(PASSES.iter().map(|p| p.name)).collect();
        let hint = parc_dialects::diag::did_you_mean(bad, names.iter().copied())
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        return Err(CompileError::User(
            Diagnostic::new(format!("--print-ir-after={bad}: no such pass"))
                .with_help(format!("{hint}stages are {} (see parc compile --help)", names.join(", "))),
        ));
    }
    let mesh = Mesh::parse(&args.mesh)?;
    let opts = CompileOptions {
        training: args.overrides.get()?,
        mesh,
        pipeline: PipelineOptions {
            verify_each: args.verify_each || cfg!(debug_assertions),
            dump_all: true,
            print_after_all: args.print_ir_after_all,
            print_after: args.print_ir_after,
        },
    };
    // A GPU profile is read before the compilation, so a bad one costs nothing.
    let gpu = match (&args.gpu, &args.gpu_file) {
        (Some(name), _) => Some(parc_compiler::hardware::built_in(name)?),
        (None, Some(path)) => Some(parc_compiler::hardware::load(path)?),
        (None, None) => None,
    };
    let mut output = compile_file(&args.model, &opts)?;
    for note in &output.notes {
        eprintln!("note: {note}");
    }
    let fit = match &gpu {
        Some(gpu) => {
            let fit = match parc_compiler::hardware::check_fits(&output.plan, gpu) {
                Ok(fit) => fit,
                Err(mut d) => {
                    // The nearest layouts that fit: the planner's best on as many GPUs.
                    let nearest = nearest_fitting(&args.model, &opts, gpu);
                    if !nearest.is_empty() {
                        let help = d.help.take().unwrap_or_default();
                        d = d.with_help(format!(
                            "{help}\n  layouts of the same {} GPUs that fit (parc plan, estimated):\n{nearest}",
                            mesh.world_size()
                        ));
                    }
                    return Err(CompileError::User(d));
                }
            };
            let prediction = parc_compiler::cost::predict_output(&output, gpu).map_err(CompileError::Internal)?;
            output.plan.prediction = Some(prediction);
            Some((gpu, fit))
        }
        None => None,
    };
    write_artifacts(&args.out, &mut output)?;
    for dump in output.report.dumps.iter().filter(|d| d.print) {
        commands::print_stdout(&format!(
            "// -----// IR Dump After {} ({}) //----- //\n{}",
            dump.stage, dump.file_name, dump.text
        ));
    }
    if args.timings {
        eprintln!("{:<16} {:>12} {:>12}", "stage", "run", "verify");
        for t in &output.report.timings {
            eprintln!("{:<16} {:>12.3?} {:>12.3?}", t.stage, t.run, t.verify);
        }
        eprintln!("{:<16} {:>12.3?}", "total", started.elapsed());
    }
    let plan = &output.plan;
    if args.json {
        let json = serde_json::to_string_pretty(plan).map_err(|e| CompileError::Internal(e.to_string()))?;
        commands::print_stdout(&json);
    } else {
        eprintln!(
            "compiled {} ({} parameters, {} layers) for mesh {} ({} ranks) in {:.1?} -> {}",
            plan.model.name,
            human_count(plan.parameters.count),
            plan.model.layers,
            mesh,
            plan.mesh.world_size,
            started.elapsed(),
            args.out.display()
        );
        if let Some((gpu, fit)) = fit {
            use parc_compiler::hardware::gib;
            let who = fit.largest.stage.map_or("every rank".to_string(), |s| format!("stage {s}"));
            eprintln!(
                "fits the {}: the largest rank ({who}) peaks at {} of {} usable",
                gpu.name,
                gib(fit.largest.peak_bytes),
                gib(fit.usable_bytes)
            );
            if let Some(p) = &plan.prediction {
                let comm: f64 = p.breakdown.comm_s.values().sum();
                eprintln!(
                    "predicted (cost model calibrated on Megatron-LM's Table 1, docs/cost-model.md): {:.3} s per \
                     step, {:.0} tokens/s, {:.1} TFLOP/s per GPU, MFU {:.1}% (GEMMs {:.3} s, other kernels {:.3} s, \
                     communication {:.3} s, pipeline bubble {:.3} s, pipeline overhead {:.3} s)",
                    p.step_time_s,
                    p.tokens_per_s,
                    p.tflops_per_gpu,
                    100.0 * p.mfu,
                    p.breakdown.gemm_s,
                    p.breakdown.memory_s,
                    comm,
                    p.breakdown.pp_bubble_s,
                    p.breakdown.pp_overhead_s
                );
            }
        }
    }
    Ok(())
}

/// The planner's three best layouts of the model on as many GPUs as `opts.mesh` that fit `gpu`,
/// one per line (empty when none does or the search fails).
fn nearest_fitting(model: &str, opts: &CompileOptions, gpu: &parc_compiler::hardware::GpuProfile) -> String {
    let Ok(mut spec) = parc_compiler::frontend::load_model_with(model, opts.training.training_file.as_deref()) else {
        return String::new();
    };
    opts.training.apply(&mut spec);
    let pins = parc_compiler::planner::Pins::default();
    let Ok(found) = parc_compiler::planner::search(&spec, gpu, opts.mesh.world_size(), &pins, 3, |_, _| {}) else {
        return String::new();
    };
    found
        .plans
        .iter()
        .take(3)
        .map(|p| {
            format!(
                "    {} (peak {}, {:.1} TFLOP/s per GPU)",
                p.layout().flags(),
                parc_compiler::hardware::gib(p.peak_memory_bytes),
                p.tflops_per_gpu
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `1.5B`, `124.4M`, `3.2K`: a parameter count for people.
fn human_count(n: u64) -> String {
    let x = n as f64;
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}K", x / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", x / 1e6),
        _ => format!("{:.2}B", x / 1e9),
    }
}
