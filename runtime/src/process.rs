//! One rank per OS process: what `parc-rt OUT` does under `mpirun` or `srun`. The process learns
//! its rank and the world size from the communicator (MPI's own), checks them against the plan
//! before any work, loads only its own pipeline stage's program, and trains with only its own
//! state: its shards of the parameters (initialized or read from `--init` piece by piece), its
//! samples of `--data`, its arena. Rank 0 reports the steps; `--save` has every rank write its
//! own pieces into one shared file.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use crate::comm::{CollectiveKind, CommStats, Communicator};
use crate::launch::{LaunchOptions, Reporter};
use crate::program::{load_program_of, Program, RankError};
use crate::rank::RankContext;
use crate::train::{help_for, TrainError, Trainer};

/// Why a rank process failed, and whether it failed before talking to any other rank (then
/// every rank fails the same way on its own, and the process can end normally).
#[derive(Debug)]
pub enum ProcessError {
    /// The plan does not fit this job (world size, missing program, another mesh): found by
    /// every rank on its own, before any communication.
    Setup(RankError),
    /// Training failed on this rank after the ranks started talking.
    Train(TrainError),
}

impl ProcessError {
    /// The message and, where there is a standard fix, the help line.
    pub fn message(&self) -> (String, Option<String>) {
        match self {
            ProcessError::Setup(e) => (e.message.clone(), Some(e.help.clone())),
            ProcessError::Train(e) => (e.to_string(), help_for(e).map(str::to_string)),
        }
    }

    /// Whether this is a broken invariant inside parc rather than a problem with the input.
    pub fn is_internal(&self) -> bool {
        matches!(self, ProcessError::Train(TrainError::Exec(crate::cpu::exec::ExecError::Instr { .. })))
    }
}

impl From<TrainError> for ProcessError {
    fn from(e: TrainError) -> Self {
        ProcessError::Train(e)
    }
}

/// What one rank process did.
#[derive(Clone, Debug)]
pub struct RankSummary {
    pub rank: usize,
    pub world_size: usize,
    pub steps: u64,
    pub first_loss: f32,
    pub last_loss: f32,
    pub tokens_per_s: f64,
    /// This rank's communication over the training steps (setup and saving excluded).
    pub comm: CommStats,
    /// The rank's planned arena.
    pub arena_bytes: usize,
    /// The process's peak resident memory, where the OS reports it (Linux: VmHWM).
    pub peak_rss_bytes: Option<u64>,
    /// The host the process ran on (its host name).
    pub host: String,
}

impl RankSummary {
    /// One JSON object: the rank, its communication per kind and its memory.
    pub fn to_json(&self) -> String {
        let kinds: Vec<String> = CollectiveKind::ALL
            .iter()
            .filter(|&&k| self.comm.calls_of(k) > 0)
            .map(|&k| {
                format!("\"{}\":{{\"calls\":{},\"bytes\":{}}}", k.name(), self.comm.calls_of(k), self.comm.bytes_of(k))
            })
            .collect();
        let rss = self.peak_rss_bytes.map_or("null".to_string(), |b| b.to_string());
        format!(
            "{{\"rank\":{},\"host\":{:?},\"world_size\":{},\"steps\":{},\"comm\":{{{}}},\"comm_bytes\":{},\"arena_bytes\":{},\"peak_rss_bytes\":{rss}}}",
            self.rank,
            self.host,
            self.world_size,
            self.steps,
            kinds.join(","),
            self.comm.total_bytes(),
            self.arena_bytes
        )
    }
}

/// This machine's host name (Linux: /proc/sys/kernel/hostname; the HOSTNAME variable elsewhere).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Loads and checks this rank's program of the compiled directory `out` for a job of
/// `comm.world_size()` processes (every rank finds the same problems alone, before any
/// communication).
pub fn load(out: &Path, comm: &dyn Communicator, source: &str) -> Result<Program, ProcessError> {
    load_program_of(out, comm.rank(), comm.world_size(), source).map_err(ProcessError::Setup)
}

/// Whether any rank of the world reports `failed` (collective over every rank: a group of the
/// whole world, then a maximum), so that every rank stops together when one cannot start.
pub fn any_failed(comm: &mut dyn Communicator, failed: bool) -> Result<bool, crate::comm::CommError> {
    let world = comm.world_size();
    let group = comm.create_group(&format!("world[0..{world}]"), &(0..world).collect::<Vec<_>>())?;
    let mut flag = [if failed { 1.0f32 } else { 0.0 }];
    comm.all_reduce(group, crate::comm::ReduceOp::Max, crate::comm::BufMut::F32(&mut flag))?;
    Ok(flag[0] > 0.0)
}

/// Trains this process's rank of `program` (from [`load`]) for `opts.steps` steps through
/// `comm`. Rank 0 reports each step as `parc launch` does; every rank returns its summary.
pub fn run_rank(
    program: &Program,
    comm: Box<dyn Communicator>,
    opts: &LaunchOptions,
) -> Result<RankSummary, ProcessError> {
    let rank = comm.rank();
    let world_size = comm.world_size();
    let info = crate::train::ProgramInfo::of(program)?;
    let data = match &opts.data {
        Some(path) => Some(crate::train::open_data(path, opts.data_width, &info)?),
        None => None,
    };
    crate::memory::check_fits(program.arena_bytes as u64, "its arena").map_err(TrainError::Memory)?;
    let ctx = RankContext::new(program.mesh, comm).map_err(TrainError::from)?;
    let mut trainer = Trainer::for_rank(program, data, opts.threads, Some(ctx))?;
    if let Some(path) = &opts.init {
        trainer.load_params_local(path)?;
    }
    crate::launch::resume(&mut trainer, &opts.checkpoint, opts.steps)?;
    // The counters of the steps only: not the setup before (groups, --init), nor the saving
    // after.
    let stats = |t: &Trainer| t.exec.rank.as_ref().map(|r| r.comm.stats().clone()).unwrap_or_default();
    let setup = stats(&trainer);
    if rank == 0 && !opts.json {
        eprintln!(
            "training {} for {} steps on {world_size} processes ({}): {} sequences of {} tokens per step",
            info.name, opts.steps, program.mesh, info.global_batch, info.seq_len
        );
    }
    // Rank 0 prints; the others keep the same tally silently (and stop at the same non-finite
    // loss).
    let mut reporter = Reporter::new(opts);
    reporter.quiet = rank != 0;
    let started = Instant::now();
    let first_step = trainer.steps_done;
    while trainer.steps_done < opts.steps {
        let r = trainer.step()?;
        reporter.report(&r)?;
        opts.checkpoint.save_if_due(&mut trainer, r.step)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    // The trainer's own per-step all-reduce of a MoE model's pair counts is not the program's.
    let comm_stats = stats(&trainer).since(&setup).since(&trainer.bookkeeping);
    if let Some(path) = &opts.save {
        trainer.save_shared(path)?;
        if rank == 0 && !opts.json {
            eprintln!("saved the weights to {}", path.display());
        }
    }
    // The steps this process ran (after --resume, fewer than the last step's number).
    let tokens = (info.global_batch * info.seq_len) as f64 * (trainer.steps_done - first_step) as f64;
    Ok(RankSummary {
        rank,
        world_size,
        steps: opts.steps,
        first_loss: reporter.first,
        last_loss: reporter.last,
        tokens_per_s: tokens / seconds.max(1e-9),
        comm: comm_stats,
        arena_bytes: program.arena_bytes,
        peak_rss_bytes: crate::memory::peak_rss_bytes(),
        host: host_name(),
    })
}

/// Prints a rank's summary line as JSON on stdout (one line, written at once so that ranks'
/// lines do not interleave).
pub fn print_summary_json(summary: &RankSummary) {
    let line = format!("{}\n", summary.to_json());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}
