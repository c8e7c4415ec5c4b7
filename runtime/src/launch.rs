//! The training loop behind `parc launch`, `parc run` and `parc-rt`: set up a [`Trainer`] (weights
//! from the seed or a file, data from a token file or the synthetic stream), run the steps, and
//! report each one — a progress line on stderr, or one JSON object per step on stdout with
//! `--json` — then optionally save the weights.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::comm::{Communicator, LocalMesh};
use crate::rank::RankContext;
use parc_dialects::mesh::Mesh;

use crate::data::{TokenData, TokenWidth};
use crate::program::Program;
use crate::train::{StepReport, TrainError, Trainer};

/// Options of a training run.
#[derive(Clone, Debug)]
pub struct LaunchOptions {
    pub steps: u64,
    /// One JSON object per step on stdout instead of progress on stderr.
    pub json: bool,
    /// Initial weights (safetensors) instead of the seeded initialization.
    pub init: Option<PathBuf>,
    /// Where to save the final weights (safetensors).
    pub save: Option<PathBuf>,
    /// A token file instead of the synthetic stream.
    pub data: Option<PathBuf>,
    pub data_width: TokenWidth,
    /// Threads for the CPU backend (GEMMs and kernels).
    pub threads: usize,
    /// Where the steps run.
    pub backend: crate::backend::Backend,
    /// The program's generated kernels (`OUT/kernels`), which a GPU backend needs.
    pub kernels: Option<crate::gpu::KernelSet>,
    /// How a GPU backend runs the steps.
    pub gpu: GpuFlags,
    /// Checkpoints written during the run, and the one it resumes from.
    pub checkpoint: CheckpointFlags,
}

/// Checkpoints (`parc launch`, `parc run`, `parc-rt`): a directory per saved step with the
/// parameters and optimizer states as global tensors and the step ([`Trainer::save_checkpoint`]),
/// so a run resumes on the same mesh bit for bit, or on another mesh of the same model.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CheckpointFlags {
    /// Write a checkpoint every N steps, to CHECKPOINT_DIR/step-N (needs --checkpoint-dir).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<u64>,
    /// Where --checkpoint-every writes its step-N directories.
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue the run saved in this checkpoint directory (a step-N of --checkpoint-dir):
    /// parameters, optimizer state, step and data position; --steps is then the last step to run.
    #[arg(long, value_name = "DIR", conflicts_with = "init")]
    pub resume: Option<PathBuf>,
}

impl CheckpointFlags {
    /// The flags' own consistency: (message, help) for a bad combination.
    pub fn check(&self) -> Result<(), (String, String)> {
        match (self.checkpoint_every, &self.checkpoint_dir) {
            (Some(0), _) => Err(("--checkpoint-every 0: no step is a multiple of 0".into(), "give N >= 1".into())),
            (Some(_), None) => Err((
                "--checkpoint-every needs --checkpoint-dir: where to write the checkpoints".into(),
                "add --checkpoint-dir DIR (each checkpoint is DIR/step-N)".into(),
            )),
            (None, Some(_)) => Err((
                "--checkpoint-dir without --checkpoint-every: no checkpoint would be written".into(),
                "add --checkpoint-every N".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Writes the checkpoint after `step` when one is due, and says so on stderr (rank 0).
    pub fn save_if_due(&self, trainer: &mut Trainer<'_>, step: u64) -> Result<(), TrainError> {
        let Some(dir) = self.due(step) else { return Ok(()) };
        let started = Instant::now();
        trainer.save_checkpoint(&dir)?;
        if trainer.rank == 0 {
            let bytes = std::fs::metadata(dir.join(crate::train::CHECKPOINT_TENSORS)).map_or(0, |m| m.len());
            eprintln!("checkpoint {}: {}", dir.display(), throughput(bytes, started.elapsed()));
        }
        Ok(())
    }

    /// The directory of the checkpoint after `step`, if one is due.
    fn due(&self, step: u64) -> Option<PathBuf> {
        match (self.checkpoint_every, &self.checkpoint_dir) {
            (Some(n), Some(dir)) if n > 0 && step % n == 0 => Some(dir.join(format!("step-{step}"))),
            _ => None,
        }
    }
}

/// `1.49 GB in 2.10 s (0.71 GB/s)`.
fn throughput(bytes: u64, took: Duration) -> String {
    let (gb, seconds) = (bytes as f64 / 1e9, took.as_secs_f64());
    format!("{gb:.2} GB in {seconds:.2} s ({:.2} GB/s)", gb / seconds.max(1e-9))
}

/// Resumes `trainer` from `--resume` (when given) and checks that steps are left to run.
pub(crate) fn resume(trainer: &mut Trainer<'_>, flags: &CheckpointFlags, steps: u64) -> Result<(), TrainError> {
    let Some(dir) = &flags.resume else { return Ok(()) };
    let started = Instant::now();
    let step = trainer.load_checkpoint(dir)?;
    if trainer.rank == 0 {
        let bytes = std::fs::metadata(dir.join(crate::train::CHECKPOINT_TENSORS)).map_or(0, |m| m.len());
        eprintln!("resumed from {} at step {step}: {}", dir.display(), throughput(bytes, started.elapsed()));
    }
    if step >= steps {
        return Err(TrainError::Program(format!(
            "the checkpoint {} is at step {step}, and --steps {steps} is the last step to run: nothing left; \
             give --steps larger than {step}",
            dir.display()
        )));
    }
    Ok(())
}

/// The GPU flags of `parc launch`, `parc run` and `parc-rt` (GPU backends only).
#[derive(Clone, Debug, clap::Args)]
pub struct GpuFlags {
    /// With --backend cuda: run every step on the CPU too, kernel by kernel, compare each kernel's
    /// operands (each kernel starts from the CPU's inputs) and print the largest differences.
    #[arg(long)]
    pub check_kernels: bool,
    /// With --backend cuda: time every kernel and GEMM (CUDA events) and print the GPU time per
    /// step of each kernel file and GEMM shape, largest first.
    #[arg(long)]
    pub profile: bool,
    /// With --backend cuda: capture the second step's kernels as CUDA graphs and replay them from
    /// the third step on (off: launch every kernel every step).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = ["on", "off"])]
    pub cuda_graphs: String,
}

impl Default for GpuFlags {
    fn default() -> Self {
        GpuFlags { check_kernels: false, profile: false, cuda_graphs: "on".into() }
    }
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct LaunchSummary {
    pub first_loss: f32,
    pub last_loss: f32,
    pub steps: u64,
    pub tokens_per_s: f64,
}

/// Trains `programs` as `opts` say: one program (every rank runs it), or one per pipeline stage.
pub fn launch(programs: &[Program], opts: &LaunchOptions) -> Result<LaunchSummary, TrainError> {
    let program = programs.first().ok_or_else(|| TrainError::Program("no program to run".into()))?;
    let info = crate::train::ProgramInfo::of(program)?;
    let data = match &opts.data {
        Some(path) => Some(crate::train::open_data(path, opts.data_width, &info)?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| TrainError::Program(format!("cannot start {} threads: {e}", opts.threads)))?;
    let mesh = program.mesh;
    // Every rank of the plan runs in this process: all their arenas must fit, before any is
    // allocated.
    let per_stage = (mesh.world_size() / mesh.pp.max(1)) as u64;
    let needed: u64 = programs.iter().map(|p| p.arena_bytes as u64).sum::<u64>() * per_stage;
    let what = match mesh.world_size() {
        1 => format!("training {}: the program's arena", info.name),
        n => format!("training {} with its {n} ranks in this process: their arenas", info.name),
    };
    crate::memory::check_fits(needed, &what).map_err(TrainError::Memory)?;
    if mesh.world_size() > 1 {
        if opts.backend != crate::backend::Backend::Cpu {
            return Err(TrainError::Program(format!(
                "--backend cuda runs one rank on one GPU today; this plan has {} ranks (mesh {mesh}), whose collectives \
                 need the NCCL communicator, not built yet; run it with --backend cpu",
                mesh.world_size()
            )));
        }
        return pool.install(|| run_mesh(programs, &mesh, data, opts));
    }
    pool.install(|| run(program, data, opts))
}

pub use crate::train::NamedTensor;

/// The most ranks that run as threads of one process ([`train_ranks`]: `parc launch`, `parc
/// verify`). The in-process mesh synchronizes every rank at each collective, which costs more than
/// the work well before this (one step of gpt-tiny on 2 cores: 256 ranks 3.8 s, 1024 ranks 38 s,
/// 4096 ranks over 5 minutes and 10 GB), and the threads themselves may not all start; a larger
/// plan runs one process per rank under MPI.
pub const MAX_LOCAL_RANKS: usize = 1024;

/// How long a rank waits in a collective before the whole run fails (no hang).
pub const COLLECTIVE_TIMEOUT: Duration = Duration::from_secs(120);

/// Where every rank's parameters start ([`train_ranks`]).
#[derive(Clone, Copy, Debug)]
pub enum RankStart<'a> {
    /// The seeded initialization: each rank computes its own pieces.
    Seed,
    /// Global tensors by name, each rank cutting its pieces out of them.
    Global(&'a HashMap<String, Vec<f32>>),
    /// A safetensors file of the global tensors, each rank reading only its own pieces
    /// ([`Trainer::load_params_local`]).
    File(&'a Path),
}

/// What every rank does after its last step ([`train_ranks`]).
#[derive(Clone, Copy, Debug)]
pub enum RankEnd<'a> {
    /// Nothing.
    Nothing,
    /// Assemble the global parameters on rank 0 ([`Trainer::collect_params`]).
    Collect,
    /// Write one safetensors file, each rank writing its own pieces ([`Trainer::save_shared`]).
    Save(&'a Path),
}

/// Trains every rank of a partitioned `program` as threads of this process for `steps` steps,
/// starting from `init` (global weights by name) or the seeded initialization. `on_step` sees
/// each step's report (rank 0's: the loss is the same on every rank). Returns the final global
/// parameters, assembled on rank 0 through the communicator, one tensor at a time
/// ([`Trainer::collect_params`]). When ranks fail, the error returned is a root cause, not one of
/// the ranks that were stopped because of it.
pub fn train_mesh(
    programs: &[Program],
    data: Option<TokenData>,
    steps: u64,
    init: Option<&HashMap<String, Vec<f32>>>,
    on_step: &mut dyn FnMut(&StepReport) -> Result<(), TrainError>,
) -> Result<Vec<NamedTensor>, TrainError> {
    let start = init.map_or(RankStart::Seed, RankStart::Global);
    train_ranks(programs, data, steps, start, RankEnd::Collect, on_step)?
        .ok_or_else(|| TrainError::Program("rank 0 returned no parameters".into()))
}

/// Trains every rank of a partitioned program (`programs`: one, or one per pipeline stage) as
/// threads of this process for `steps` steps: each rank starts as `start` says, and ends as `end`
/// says — every rank doing its own part of loading and saving, as the processes of an MPI job
/// do. `on_step` sees each step's report (rank 0's: the loss is the same on every rank). Returns
/// the global parameters with [`RankEnd::Collect`], else None. When ranks fail, the error
/// returned is a root cause, not one of the ranks that were stopped because of it.
pub fn train_ranks(
    programs: &[Program],
    data: Option<TokenData>,
    steps: u64,
    start: RankStart<'_>,
    end: RankEnd<'_>,
    on_step: &mut dyn FnMut(&StepReport) -> Result<(), TrainError>,
) -> Result<Option<Vec<NamedTensor>>, TrainError> {
    train_ranks_with(programs, data, steps, start, end, &CheckpointFlags::default(), on_step)
}

/// [`train_ranks`] with checkpoints: every rank resumes from `checkpoints.resume` (then `steps`
/// is the last step) and writes its part of each checkpoint that is due.
pub fn train_ranks_with(
    programs: &[Program],
    data: Option<TokenData>,
    steps: u64,
    start: RankStart<'_>,
    end: RankEnd<'_>,
    checkpoints: &CheckpointFlags,
    on_step: &mut dyn FnMut(&StepReport) -> Result<(), TrainError>,
) -> Result<Option<Vec<NamedTensor>>, TrainError> {
    let first = programs.first().ok_or_else(|| TrainError::Program("no program to run".into()))?;
    let mesh = first.mesh;
    let world = mesh.world_size();
    let stages = mesh.pp;
    if programs.len() != stages {
        return Err(TrainError::Program(format!(
            "the mesh has {stages} pipeline stage(s) but {} program(s) were given",
            programs.len()
        )));
    }
    if world > MAX_LOCAL_RANKS {
        return Err(TrainError::TooManyRanks { ranks: world, mesh });
    }
    let mut local = LocalMesh::open(world, COLLECTIVE_TIMEOUT);
    let comms = local.bootstraps().iter().map(|b| local.connect(b)).collect::<Result<Vec<_>, _>>()?;
    let (tx, rx) = mpsc::channel::<StepReport>();
    type RankResult = Result<Option<Vec<NamedTensor>>, TrainError>;
    let results: Vec<RankResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = comms
            .into_iter()
            .map(|comm| {
                let tx = tx.clone();
                // Clones share the open token file: each rank reads only its own samples.
                let data = data.clone();
                let (abort, rank) = (comm.abort_handle(), comm.rank());
                let abort_all = comm.abort_handle();
                let spawned = std::thread::Builder::new().name(format!("rank-{rank}")).spawn_scoped(scope, move || {
                    let program = &programs[mesh.coords(rank).pp];
                    let run = || -> RankResult {
                        let ctx = RankContext::new(mesh, Box::new(comm))?;
                        let mut trainer = Trainer::for_rank(program, data, 1, Some(ctx))?;
                        match start {
                            RankStart::Seed => {}
                            RankStart::Global(weights) => trainer.set_global_params(weights)?,
                            RankStart::File(path) => trainer.load_params_local(path)?,
                        }
                        resume(&mut trainer, checkpoints, steps)?;
                        while trainer.steps_done < steps {
                            let r = trainer.step()?;
                            let step = r.step;
                            if rank == 0 && tx.send(r).is_err() {
                                return Err(TrainError::Program("the launcher stopped listening".into()));
                            }
                            checkpoints.save_if_due(&mut trainer, step)?;
                        }
                        match end {
                            RankEnd::Nothing => Ok(None),
                            RankEnd::Collect => trainer.collect_params(programs),
                            RankEnd::Save(path) => trainer.save_shared(path).map(|()| None),
                        }
                    };
                    let out = run();
                    if let Err(e) = &out {
                        abort.abort(&format!("rank {rank} failed: {e}"));
                    }
                    out
                });
                // A rank without a thread stops the others, which would wait for it.
                spawned.map_err(|e| {
                    let message = format!("cannot start a thread for rank {rank} of {world}: {e}");
                    abort_all.abort(&message);
                    TrainError::Program(message)
                })
            })
            .collect();
        drop(tx);
        let mut failed = None;
        for r in rx.iter() {
            if failed.is_none() {
                if let Err(e) = on_step(&r) {
                    failed = Some(e);
                    break;
                }
            }
        }
        let mut results: Vec<RankResult> = handles
            .into_iter()
            .map(|h| h?.join().unwrap_or_else(|_| Err(TrainError::Program("a rank panicked".into()))))
            .collect();
        if let Some(e) = failed {
            results[0] = Err(e);
        }
        results
    });
    let mut params = None;
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Some(p)) => params = Some(p),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        // The root cause, not the ranks that were aborted because of it.
        let root = errors.iter().position(|e| !e.is_consequence()).unwrap_or(0);
        return Err(errors.swap_remove(root));
    }
    Ok(params)
}

/// `parc launch` of a partitioned program: every rank a thread that reads its own pieces of
/// `--init` and writes its own pieces of `--save` into the one shared file.
fn run_mesh(
    programs: &[Program],
    mesh: &Mesh,
    data: Option<TokenData>,
    opts: &LaunchOptions,
) -> Result<LaunchSummary, TrainError> {
    let program = &programs[0];
    let info = crate::train::ProgramInfo::of(program)?;
    if !opts.json {
        eprintln!(
            "training {} for {} steps on {} ranks ({}): {} sequences of {} tokens per step, {} micro-batches of {} per data-parallel rank",
            info.name,
            opts.steps,
            mesh.world_size(),
            mesh,
            info.global_batch,
            info.seq_len,
            program.microbatches,
            info.micro_batch
        );
    }
    let start = opts.init.as_deref().map_or(RankStart::Seed, RankStart::File);
    let end = opts.save.as_deref().map_or(RankEnd::Nothing, RankEnd::Save);
    let started = Instant::now();
    let mut reporter = Reporter::new(opts);
    train_ranks_with(programs, data, opts.steps, start, end, &opts.checkpoint, &mut |r| reporter.report(r))?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &opts.save {
        if !opts.json {
            eprintln!("saved the weights to {}", path.display());
        }
    }
    Ok(LaunchSummary {
        first_loss: reporter.first,
        last_loss: reporter.last,
        steps: opts.steps,
        tokens_per_s: reporter.tokens as f64 / seconds.max(1e-9),
    })
}

/// Progress lines (or JSON lines) for each step, shared by the one-rank, many-rank and
/// rank-process loops.
pub(crate) struct Reporter {
    json: bool,
    steps: u64,
    tty: bool,
    every: u64,
    pub(crate) first: f32,
    pub(crate) last: f32,
    tokens: usize,
    /// Keep the tally and stop on a non-finite loss, but print nothing (ranks other than 0).
    pub(crate) quiet: bool,
}

impl Reporter {
    pub(crate) fn new(opts: &LaunchOptions) -> Self {
        Reporter {
            json: opts.json,
            steps: opts.steps,
            tty: std::io::stderr().is_terminal(),
            every: (opts.steps / 20).max(1),
            first: f32::NAN,
            last: f32::NAN,
            tokens: 0,
            quiet: false,
        }
    }

    pub(crate) fn report(&mut self, r: &StepReport) -> Result<(), TrainError> {
        if r.step == 1 {
            self.first = r.loss;
        }
        self.last = r.loss;
        self.tokens += r.tokens;
        let tokens_per_s = r.tokens as f64 / r.seconds.max(1e-9);
        if !self.quiet {
            self.print(r, tokens_per_s);
        }
        if !r.loss.is_finite() {
            return Err(TrainError::Program(format!(
                "the loss became {} at step {}; lower the learning rate or enable grad_clip",
                r.loss, r.step
            )));
        }
        Ok(())
    }

    /// The step's line: JSON, or progress on stderr (every step on a terminal, else every
    /// `every`-th and the last).
    fn print(&self, r: &StepReport, tokens_per_s: f64) {
        if self.json {
            // A MoE model's (token, choice) pairs, summed over its MoE layers and the global batch.
            let moe = r.moe_pairs.map_or(String::new(), |p| {
                format!(",\"moe_routed_pairs\":{},\"moe_dropped_pairs\":{}", p.routed, p.dropped)
            });
            let line = format!(
                "{{\"step\":{},\"loss\":{},\"tokens_per_s\":{:.1}{moe}}}",
                r.step,
                json_f32(r.loss),
                tokens_per_s
            );
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        } else if self.tty || r.step % self.every == 0 || r.step == self.steps {
            let mut line = format!(
                "step {:>6}/{}  loss {:.4}  {:>9.0} tokens/s  {:.3} s/step",
                r.step, self.steps, r.loss, tokens_per_s, r.seconds
            );
            if let Some(p) = r.moe_pairs.filter(|p| p.routed > 0) {
                let share = 100.0 * p.dropped as f64 / p.routed as f64;
                line.push_str(&format!("  dropped {}/{} pairs ({share:.1}%)", p.dropped, p.routed));
            }
            if self.tty {
                eprint!("\r{line}");
                if r.step == self.steps {
                    eprintln!();
                }
            } else {
                eprintln!("{line}");
            }
        }
    }
}

fn run(program: &Program, data: Option<TokenData>, opts: &LaunchOptions) -> Result<LaunchSummary, TrainError> {
    let mut trainer = Trainer::new(program, data, opts.threads)?;
    let gpu = &opts.gpu;
    let device = crate::backend::DeviceOptions {
        profile: gpu.profile,
        graphs: gpu.cuda_graphs == "on" && !gpu.check_kernels && !gpu.profile,
    };
    let accel =
        crate::backend::open(opts.backend, program, opts.kernels.as_ref(), device).map_err(TrainError::Program)?;
    if gpu.check_kernels {
        let Some(accel) = accel else {
            return Err(TrainError::Program(
                "--check-kernels compares a GPU backend's kernels with the CPU's: add --backend cuda".into(),
            ));
        };
        return check_kernels(trainer, accel, opts);
    }
    if let Some(accel) = accel {
        trainer.on_device(accel);
    }
    if let Some(path) = &opts.init {
        trainer.load_params(path)?;
    }
    resume(&mut trainer, &opts.checkpoint, opts.steps)?;
    let info = trainer.info.clone();
    let started = Instant::now();
    if !opts.json {
        eprintln!(
            "training {} for {} steps on {}: {} sequences of {} tokens per step, {} micro-batches of {}",
            info.name,
            opts.steps,
            trainer.device_name(),
            info.global_batch,
            info.seq_len,
            program.microbatches,
            info.micro_batch
        );
    }
    let mut reporter = Reporter::new(opts);
    while trainer.steps_done < opts.steps {
        let r: StepReport = trainer.step()?;
        reporter.report(&r)?;
        opts.checkpoint.save_if_due(&mut trainer, r.step)?;
    }
    let (first, last, tokens) = (reporter.first, reporter.last, reporter.tokens);
    let seconds = started.elapsed().as_secs_f64();
    if let Some(profile) = trainer.profile() {
        print_profile(&profile, opts.json);
    }
    if let Some(path) = &opts.save {
        trainer.save_params(path)?;
        if !opts.json {
            eprintln!("saved the weights to {}", path.display());
        }
    }
    Ok(LaunchSummary {
        first_loss: first,
        last_loss: last,
        steps: opts.steps,
        tokens_per_s: tokens as f64 / seconds.max(1e-9),
    })
}

/// `--check-kernels`: every step on the CPU and the accelerator side by side; prints each step,
/// then the largest difference of every kernel instruction over the steps (one JSON object with
/// `--json`), worst first.
fn check_kernels(
    mut trainer: Trainer<'_>,
    mut accel: Box<dyn crate::backend::Accelerator + '_>,
    opts: &LaunchOptions,
) -> Result<LaunchSummary, TrainError> {
    if let Some(path) = &opts.init {
        trainer.load_params(path)?;
    }
    if !opts.json {
        eprintln!(
            "checking every kernel of {} on {} against the CPU, {} steps",
            trainer.info.name,
            accel.describe(),
            opts.steps
        );
    }
    let mut reporter = Reporter::new(opts);
    let started = Instant::now();
    let mut worst: Vec<crate::gpu::lockstep::KernelDiff> = Vec::new();
    for _ in 0..opts.steps {
        let (r, diffs) = trainer.check_step(accel.as_mut())?;
        reporter.report(&r)?;
        for d in diffs {
            match worst.iter_mut().find(|w| w.function == d.function && w.index == d.index) {
                Some(w) => {
                    w.max_abs = w.max_abs.max(d.max_abs);
                    w.max_rel = w.max_rel.max(d.max_rel);
                }
                None => worst.push(d),
            }
        }
    }
    worst.sort_by(|a, b| b.max_rel.total_cmp(&a.max_rel));
    if opts.json {
        let items: Vec<String> = worst
            .iter()
            .map(|d| {
                format!(
                    "{{\"function\":\"{}\",\"index\":{},\"op\":\"{}\",\"max_abs\":{},\"max_rel\":{},\"elements\":{}}}",
                    d.function,
                    d.index,
                    d.op,
                    json_f64(d.max_abs),
                    json_f64(d.max_rel),
                    d.elements
                )
            })
            .collect();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{{\"check_kernels\":[{}]}}", items.join(","));
    } else {
        eprintln!("{} kernel instructions compared; the largest differences (GPU - CPU):", worst.len());
        for d in worst.iter().take(15) {
            eprintln!(
                "  @{} #{:<4} {:<28} max abs {:.3e}  max rel {:.3e}  ({} elements)",
                d.function, d.index, d.op, d.max_abs, d.max_rel, d.elements
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(LaunchSummary {
        first_loss: reporter.first,
        last_loss: reporter.last,
        steps: opts.steps,
        tokens_per_s: reporter.tokens as f64 / seconds.max(1e-9),
    })
}

/// `--profile`: the GPU time per step of each kernel file and GEMM shape (a table on stderr, or
/// one JSON object on stdout with `--json`).
fn print_profile(profile: &[crate::backend::ProfileEntry], json: bool) {
    let total: f64 = profile.iter().map(|p| p.ms_per_step).sum();
    if json {
        let items: Vec<String> = profile
            .iter()
            .map(|p| {
                format!(
                    "{{\"label\":{},\"ms_per_step\":{},\"instructions\":{},\"launches_per_step\":{}}}",
                    serde_json::Value::String(p.label.clone()),
                    json_f64(p.ms_per_step),
                    p.instructions,
                    json_f64(p.launches_per_step)
                )
            })
            .collect();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{{\"profile\":{{\"gpu_ms_per_step\":{},\"entries\":[{}]}}}}",
            json_f64(total),
            items.join(",")
        );
        return;
    }
    eprintln!("GPU time per step: {total:.3} ms in kernels and GEMMs; the largest:");
    for p in profile.iter().take(25) {
        eprintln!(
            "  {:>9.3} ms {:>5.1}%  {:>4} instr  {}",
            p.ms_per_step,
            100.0 * p.ms_per_step / total.max(1e-12),
            p.instructions,
            p.label
        );
    }
}

/// A float as JSON (NaN and infinities as null).
fn json_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        "null".into()
    }
}

/// A float as JSON (NaN and infinities, which JSON cannot hold, as null).
fn json_f32(x: f32) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}
