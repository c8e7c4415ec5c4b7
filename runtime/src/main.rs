//! `parc-rt`: runs one rank's compiled program — the lean runtime binary, with no compiler in it.
//! `parc run OUT --rank R` does the same from the `parc` binary; both find the rank's program
//! with `parc_runtime::program::load_rank_program`, so they accept and refuse the same ranks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use parc_runtime::backend::Backend;
use parc_runtime::cpu::exec::ExecError;
use parc_runtime::data::TokenWidth;
use parc_runtime::launch::{launch, LaunchOptions};
use parc_runtime::program::load_rank_program;
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
    /// The rank to run: 0 for a plan of one rank (the ranks of a partitioned plan exchange data
    /// and run together with `parc launch OUT`).
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
    /// Where the program runs: cpu, or cuda (not implemented yet).
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
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
    let threads = match args.threads {
        Some(0) => return user_error("--threads 0: no threads to run on", "use --threads 1 or more"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    // The same lookup as `parc run`: the rank's program, or why it cannot run alone.
    let programs = match load_rank_program(&args.out, args.rank) {
        Ok(p) => vec![p],
        Err(e) => return user_error(&e.message, &e.help),
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
