//! `parc-rt`: runs one rank's compiled program — the lean runtime binary, with no compiler in it.
//! `parc run OUT --rank R` does the same from the `parc` binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use parc_runtime::cpu::exec::ExecError;
use parc_runtime::data::TokenWidth;
use parc_runtime::launch::{launch, LaunchOptions};
use parc_runtime::program::Program;
use parc_runtime::train::TrainError;

/// Runs one rank's program from a directory written by `parc compile`.
#[derive(Parser)]
#[command(
    name = "parc-rt",
    version,
    after_help = "Example:\n  parc compile examples/gpt-tiny.toml -o out/ && parc-rt out/ --steps 200"
)]
struct Args {
    /// A directory written by `parc compile`.
    out: PathBuf,
    /// The rank to run.
    #[arg(long, default_value_t = 0)]
    rank: usize,
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
    /// Train on this token file instead of the synthetic stream.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Width of the token ids in --data.
    #[arg(long, default_value = "u32", value_parser = ["u16", "u32"])]
    data_dtype: String,
    /// CPU threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.steps == 0 {
        eprintln!("error: --steps 0: nothing to run\n  help: ask for at least one step");
        return ExitCode::from(2);
    }
    if !args.out.is_dir() {
        eprintln!(
            "error: {} is not a directory written by parc compile\n  help: compile first: parc compile MODEL.toml --mesh 1x1x1 -o {}",
            args.out.display(),
            args.out.display()
        );
        return ExitCode::from(2);
    }
    let path = args.out.join(format!("rank-{:04}.mlir", args.rank));
    let staged = args.rank == 0 && args.out.join("stage-0.mlir").exists();
    if !path.exists() && !staged {
        eprintln!(
            "error: {} has no program for rank {}\n  help: compile first (parc compile MODEL.toml --mesh 1x1x1 -o {}): it holds no rank programs for rank {}; parc-rt runs a compiled directory's rank-0000.mlir or stage-S.mlir programs for every rank",
            args.out.display(),
            args.rank,
            args.out.display(),
            args.rank
        );
        return ExitCode::from(2);
    }
    // A plan with pipeline stages has one program per stage; every rank runs its stage's.
    let files = parc_runtime::program::program_files(&args.out).unwrap_or_else(|| vec![path.clone()]);
    let files = if args.rank == 0 { files } else { vec![path.clone()] };
    let mut programs = Vec::new();
    for file in &files {
        match Program::load_file(file) {
            Ok(p) => programs.push(p),
            Err(e) => {
                eprintln!("error: cannot load {}: {e}", file.display());
                return ExitCode::from(2);
            }
        }
    }
    let threads = match args.threads {
        Some(0) => {
            eprintln!("error: --threads 0: no threads to run on\n  help: use --threads 1 or more");
            return ExitCode::from(2);
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let opts = LaunchOptions {
        steps: args.steps,
        json: args.json,
        init: args.init,
        save: args.save,
        data: args.data,
        data_width: if args.data_dtype == "u16" { TokenWidth::U16 } else { TokenWidth::U32 },
        threads,
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
        Err(e @ TrainError::Exec(ExecError::Instr { .. })) => {
            eprintln!("internal error: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = parc_runtime::train::help_for(&e) {
                eprintln!("  help: {help}");
            }
            ExitCode::from(2)
        }
    }
}
