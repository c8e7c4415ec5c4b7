//! The training loop behind `parc launch`, `parc run` and `parc-rt`: set up a [`Trainer`] (weights
//! from the seed or a file, data from a token file or the synthetic stream), run the steps, and
//! report each one — a progress line on stderr, or one JSON object per step on stdout with
//! `--json` — then optionally save the weights.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

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
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct LaunchSummary {
    pub first_loss: f32,
    pub last_loss: f32,
    pub steps: u64,
    pub tokens_per_s: f64,
}

/// Trains `program` as `opts` say.
pub fn launch(program: &Program, opts: &LaunchOptions) -> Result<LaunchSummary, TrainError> {
    let info = crate::train::ProgramInfo::of(program)?;
    let data = match &opts.data {
        Some(path) => Some(TokenData::from_file(path, opts.data_width, info.seq_len, info.vocab)?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| TrainError::Program(format!("cannot start {} threads: {e}", opts.threads)))?;
    pool.install(|| run(program, data, opts))
}

fn run(program: &Program, data: Option<TokenData>, opts: &LaunchOptions) -> Result<LaunchSummary, TrainError> {
    let mut trainer = Trainer::new(program, data, opts.threads)?;
    if let Some(path) = &opts.init {
        trainer.load_params(path)?;
    }
    let info = trainer.info.clone();
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let every = (opts.steps / 20).max(1);
    let (mut first, mut last) = (f32::NAN, f32::NAN);
    let mut tokens = 0usize;
    if !opts.json {
        eprintln!(
            "training {} for {} steps: {} sequences of {} tokens per step, {} micro-batches of {}",
            info.name, opts.steps, info.global_batch, info.seq_len, program.microbatches, info.micro_batch
        );
    }
    for _ in 0..opts.steps {
        let r: StepReport = trainer.step()?;
        if r.step == 1 {
            first = r.loss;
        }
        last = r.loss;
        tokens += r.tokens;
        let tokens_per_s = r.tokens as f64 / r.seconds.max(1e-9);
        if opts.json {
            let line =
                format!("{{\"step\":{},\"loss\":{},\"tokens_per_s\":{:.1}}}", r.step, json_f32(r.loss), tokens_per_s);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        } else if tty || r.step % every == 0 || r.step == opts.steps {
            let line = format!(
                "step {:>6}/{}  loss {:.4}  {:>9.0} tokens/s  {:.3} s/step",
                r.step, opts.steps, r.loss, tokens_per_s, r.seconds
            );
            if tty {
                eprint!("\r{line}");
                if r.step == opts.steps {
                    eprintln!();
                }
            } else {
                eprintln!("{line}");
            }
        }
        if !r.loss.is_finite() {
            return Err(TrainError::Program(format!(
                "the loss became {} at step {}; lower the learning rate or enable grad_clip",
                r.loss, r.step
            )));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
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

/// A float as JSON (NaN and infinities, which JSON cannot hold, as null).
fn json_f32(x: f32) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}
