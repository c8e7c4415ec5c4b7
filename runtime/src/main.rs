//! `parc-rt`: runs one rank's compiled program — the lean runtime binary, with no compiler in it.
//! `parc run OUT --rank R` does the same from the `parc` binary; both find the rank's program
//! with `parc_runtime::program::load_rank_program`, so they accept and refuse the same ranks.
//!
//! Under an MPI launcher (`mpirun -n N parc-rt OUT`, `srun parc-rt OUT`) and built with the `mpi`
//! feature, each process runs the rank MPI gives it ([`parc_runtime::process`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use parc_runtime::backend::Backend;
use parc_runtime::comm::Bootstrap;
use parc_runtime::cpu::exec::ExecError;
use parc_runtime::data::TokenWidth;
use parc_runtime::launch::{launch, LaunchOptions};
use parc_runtime::program::{load_rank_program, Provenance};
use parc_runtime::train::TrainError;

/// Runs one rank's program from a directory written by `parc compile`.
#[derive(Parser)]
#[command(
    name = "parc-rt",
    version,
    after_help = "Examples:\n  parc compile examples/gpt-tiny.toml -o out/ && parc-rt out/ --steps 200\n  \
                  parc compile examples/gpt-tiny.toml --mesh 2x2x2 -o out/ && mpirun -n 8 parc-rt out/ --steps 50\n\n\
                  Under mpirun or srun (a build with --features mpi), every process runs the rank MPI gives it: \
                  the job must have as many processes as the plan has ranks. Rank 0 prints the steps; with --json \
                  every rank ends with a summary line (its communication, arena and peak memory)."
)]
struct Args {
    /// A directory written by `parc compile`.
    out: PathBuf,
    /// The rank to run: 0 for a plan of one rank (the ranks of a partitioned plan exchange data
    /// and run together, under mpirun or with `parc launch OUT`). Under mpirun the rank is MPI's.
    #[arg(long)]
    rank: Option<usize>,
    /// Number of training steps.
    #[arg(long, default_value_t = 100)]
    steps: u64,
    /// Print one JSON object per step to stdout.
    #[arg(long)]
    json: bool,
    /// Start from these weights (safetensors).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Save the final weights (safetensors).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Train on this token file instead of the synthetic stream: little-endian token ids, samples
    /// of seq_len + 1 tokens, at least one global batch of them (step i reads samples i·B.., wrapping).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Width of the token ids in --data.
    #[arg(long, default_value = "u32", value_parser = ["u16", "u32"])]
    data_dtype: String,
    /// CPU threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Where the steps run: cpu, or cuda (one NVIDIA GPU, a plan of one rank; builds with the `cuda` feature).
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    #[command(flatten)]
    gpu: parc_runtime::launch::GpuFlags,
    #[command(flatten)]
    checkpoint: parc_runtime::launch::CheckpointFlags,
    /// Under mpirun: seconds a collective or receive may wait before the whole job is ended, with
    /// a message naming the call, its group, the program position and the rank.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
}

/// Prints `error: MESSAGE` and `help: HELP` as `parc` does, and gives exit code 2.
fn user_error(message: &str, help: &str) -> ExitCode {
    eprintln!("error: {message}\n  help: {help}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = args.backend.check() {
        return user_error(&e.message, &e.help);
    }
    if args.steps == 0 {
        return user_error("--steps 0: nothing to run", "ask for at least one step");
    }
    if args.gpu.profile && args.backend == Backend::Cpu {
        return user_error("--profile times the GPU's kernels: add --backend cuda", "or drop --profile");
    }
    if args.gpu.check_kernels && args.backend == Backend::Cpu {
        return user_error(
            "--check-kernels compares a GPU's kernels with the CPU's, kernel by kernel: add --backend cuda",
            "or drop --check-kernels to train on the CPU",
        );
    }
    if let Err((message, help)) = args.checkpoint.check() {
        return user_error(&message, &help);
    }
    let threads = match args.threads {
        Some(0) => return user_error("--threads 0: no threads to run on", "use --threads 1 or more"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if args.timeout == 0 {
        return user_error(
            "--timeout 0: every wait would fail at once",
            "give the seconds a wait may take, e.g. --timeout 300",
        );
    }
    let opts = LaunchOptions {
        steps: args.steps,
        json: args.json,
        init: args.init.clone(),
        save: args.save.clone(),
        data: args.data.clone(),
        data_width: if args.data_dtype == "u16" { TokenWidth::U16 } else { TokenWidth::U32 },
        threads,
        backend: args.backend,
        kernels: None,
        gpu: args.gpu.clone(),
        checkpoint: args.checkpoint.clone(),
    };
    let mut opts = opts;
    if args.backend != Backend::Cpu {
        match parc_runtime::gpu::KernelSet::read(&args.out.join("kernels")) {
            Ok(k) => opts.kernels = Some(k),
            Err(m) => return user_error(&m, "recompile the model with parc compile MODEL.toml -o OUT"),
        }
    }
    // Started by a launcher: one rank per process.
    match Bootstrap::from_env() {
        Err(e) => {
            return user_error(
                &e.to_string(),
                "check the launcher's environment variables (PARC_RANK and PARC_WORLD_SIZE, or the MPI launcher's)",
            )
        }
        #[cfg(feature = "mpi")]
        Ok(Some(boot)) if parc_runtime::comm::mpi::launched_by_mpi() => {
            if let Some(rank) = args.rank {
                return user_error(
                    &format!("--rank {rank} was given, but {boot}"),
                    "leave out --rank: under a launcher every process runs the rank the launcher gives it",
                );
            }
            if args.backend != Backend::Cpu {
                return user_error(
                    "--backend cuda under mpirun: one process per GPU needs the NCCL communicator, which is not built yet",
                    "run one GPU with parc-rt OUT --backend cuda (a plan of one rank), or the job on the CPU",
                );
            }
            return run_process(&args, &opts);
        }
        // A job of several processes, but no MPI launcher that this build can join.
        Ok(Some(boot)) if boot.world_size() > 1 => {
            let why = if cfg!(feature = "mpi") {
                "parc-rt joins a job of several processes only under an MPI launcher"
            } else {
                "this parc-rt was built without MPI"
            };
            return user_error(
                &format!("this process was started as {boot}, but {why}"),
                &format!(
                    "start every rank with mpirun -n {} parc-rt OUT (from a build with --features mpi: apt-get install \
                     openmpi-bin libopenmpi-dev libclang-dev; cargo build --release --features mpi), or run every rank \
                     as a thread of one process: parc launch OUT",
                    boot.world_size()
                ),
            );
        }
        Ok(_) => {}
    }
    let rank = args.rank.unwrap_or(0);
    // The same lookup as `parc run`: the rank's program, or why it cannot run alone.
    let programs = match load_rank_program(&args.out, rank) {
        Ok(p) => vec![p],
        Err(e) => return user_error(&e.message, &e.help),
    };
    match launch(&programs, &opts) {
        Ok(s) => {
            if !args.json {
                eprintln!(
                    "done: {} steps, loss {:.4} -> {:.4}, {:.0} tokens/s",
                    s.steps, s.first_loss, s.last_loss, s.tokens_per_s
                );
            }
            ExitCode::SUCCESS
        }
        Err(e @ TrainError::Exec(ExecError::Instr { .. })) => match Provenance::edited_help_of(&args.out) {
            // A program the user edited: their input, not a bug in parc.
            Some(help) => user_error(&e.to_string(), &help),
            None => {
                eprintln!("internal error: {e}");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = parc_runtime::train::help_for(&e) {
                eprintln!("  help: {help}");
            }
            ExitCode::from(2)
        }
    }
}

/// One rank of a job under mpirun or srun: the rank from MPI, checked against the plan, trained
/// with the other processes through MPI.
#[cfg(feature = "mpi")]
fn run_process(args: &Args, opts: &LaunchOptions) -> ExitCode {
    use parc_runtime::comm::mpi::{abort_job, MpiRuntime};
    use parc_runtime::comm::Communicator;
    use parc_runtime::process;

    let mut runtime = match MpiRuntime::init() {
        Ok(r) => r,
        Err(e) => {
            return user_error(&e.to_string(), "run parc-rt under mpirun or srun from an MPI installation that works")
        }
    };
    let mut comm = match runtime.endpoint(std::time::Duration::from_secs(args.timeout)) {
        Ok(c) => c,
        Err(e) => {
            return user_error(&e.to_string(), "run parc-rt under mpirun or srun from an MPI installation that works")
        }
    };
    let (rank, world) = (comm.rank(), comm.world_size());
    let loaded = process::load(&args.out, &comm, "the MPI launcher");
    if let Err(e) = &loaded {
        let (message, help) = e.message();
        eprintln!("error: rank {rank}: {message}");
        if let Some(help) = help {
            eprintln!("  help: {help}");
        }
    }
    // Every rank learns whether any rank cannot start, before anyone exits: then all end
    // normally, each having said why, and none is left waiting for the others.
    let failed = match process::any_failed(&mut comm, loaded.is_err()) {
        Ok(failed) => failed,
        Err(e) => return user_error(&format!("rank {rank}: {e}"), "check the MPI installation"),
    };
    let program = match loaded {
        Ok(_) if failed => {
            eprintln!("error: rank {rank}: stopping: another rank of the job cannot start (see its message)");
            drop(comm);
            drop(runtime);
            return ExitCode::from(2);
        }
        Ok(p) => p,
        Err(_) => {
            drop(comm);
            drop(runtime);
            return ExitCode::from(2);
        }
    };
    match process::run_rank(&program, Box::new(comm), opts) {
        Ok(s) => {
            if opts.json {
                process::print_summary_json(&s);
            } else if rank == 0 {
                eprintln!(
                    "done: {} steps on {world} processes, loss {:.4} -> {:.4}, {:.0} tokens/s",
                    s.steps, s.first_loss, s.last_loss, s.tokens_per_s
                );
            }
            drop(runtime);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let (message, help) = e.message();
            // An instruction that fails is a bug in parc, unless the user edited the programs.
            let (internal, help) = match e.is_internal().then(|| Provenance::edited_help_of(&args.out)) {
                Some(Some(edited)) => (false, Some(edited)),
                other => (other.is_some(), help),
            };
            let class = if internal { "internal error" } else { "error" };
            eprintln!("{class}: rank {rank}: {message}");
            if let Some(help) = help {
                eprintln!("  help: {help}");
            }
            // The other ranks may be waiting for this one: end the whole job.
            abort_job(if internal { 1 } else { 2 })
        }
    }
}
