//! The pass manager: named passes run in a straight line over a module, the verifier runs between
//! them, and the IR after each pass can be printed or kept as a dump (`NN-name.mlir`).
//!
//! A pass is a plain function `fn(&mut Module, &Ctx) -> Result<(), String>`; the compiler keeps one
//! table of [`Pass`]es that gives each its CLI name and help line. This module owns ordering,
//! verification, timing and dumping, and nothing about what passes do.

use std::time::{Duration, Instant};

use crate::ir::Module;
use crate::printer::print_module;
use crate::verifier::{verify_module, VerifyError};

/// One pass: its CLI name, a help line and the function.
pub struct Pass<C: ?Sized> {
    pub name: &'static str,
    pub help: &'static str,
    pub run: fn(&mut Module, &C) -> Result<(), String>,
}

/// How the pipeline runs.
#[derive(Clone, Debug, Default)]
pub struct PipelineOptions {
    /// Run the verifier after every pass (it always runs on the input and the output).
    pub verify_each: bool,
    /// Keep a dump of the IR after every pass.
    pub dump_all: bool,
    /// Print the IR after every pass.
    pub print_after_all: bool,
    /// Print the IR after the passes with these names (`input` for the pipeline's input).
    pub print_after: Vec<String>,
}

/// The IR after one stage of the pipeline.
#[derive(Clone, Debug)]
pub struct Dump {
    /// File name, `NN-name.mlir` (`00-input.mlir` for the input).
    pub file_name: String,
    /// The stage name (`input` or the pass name).
    pub stage: String,
    pub text: String,
    /// Whether the options asked for this stage to be printed.
    pub print: bool,
}

/// Time spent in one stage.
#[derive(Clone, Debug)]
pub struct Timing {
    pub stage: String,
    pub run: Duration,
    pub verify: Duration,
}

/// What a pipeline run produced besides the module.
#[derive(Clone, Debug, Default)]
pub struct PipelineReport {
    pub dumps: Vec<Dump>,
    pub timings: Vec<Timing>,
}

/// A pipeline failure: a pass reported an error, or the IR it produced does not verify.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineError {
    Pass { pass: &'static str, message: String },
    Verify { after: String, error: VerifyError },
    UnknownPrintAfter { name: String, known: Vec<&'static str> },
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::Pass { pass, message } => write!(f, "pass '{pass}' failed: {message}"),
            PipelineError::Verify { after, error } => write!(f, "after {after}: {error}"),
            PipelineError::UnknownPrintAfter { name, known } => {
                write!(f, "--print-ir-after={name}: no such pass; passes are input, {}", known.join(", "))
            }
        }
    }
}

impl std::error::Error for PipelineError {}

/// Runs `passes` in order over `module`.
pub fn run_pipeline<C: ?Sized>(
    module: &mut Module,
    ctx: &C,
    passes: &[&Pass<C>],
    opts: &PipelineOptions,
) -> Result<PipelineReport, PipelineError> {
    for name in &opts.print_after {
        if name != "input" && !passes.iter().any(|p| p.name == name) {
            return Err(PipelineError::UnknownPrintAfter {
                name: name.clone(),
                known: passes.iter().map(|p| p.name).collect(),
            });
        }
    }
    let mut report = PipelineReport::default();
    let started = Instant::now();
    verify_module(module).map_err(|error| PipelineError::Verify { after: "the input".into(), error })?;
    report.timings.push(Timing { stage: "verify input".into(), run: Duration::ZERO, verify: started.elapsed() });
    record(&mut report, module, opts, 0, "input");
    for (i, pass) in passes.iter().enumerate() {
        let t0 = Instant::now();
        (pass.run)(module, ctx).map_err(|message| PipelineError::Pass { pass: pass.name, message })?;
        let run = t0.elapsed();
        let t1 = Instant::now();
        if opts.verify_each || i + 1 == passes.len() {
            verify_module(module)
                .map_err(|error| PipelineError::Verify { after: format!("pass '{}'", pass.name), error })?;
        }
        report.timings.push(Timing { stage: pass.name.into(), run, verify: t1.elapsed() });
        record(&mut report, module, opts, i + 1, pass.name);
    }
    Ok(report)
}

fn record(report: &mut PipelineReport, module: &Module, opts: &PipelineOptions, index: usize, stage: &str) {
    let print = opts.print_after_all || opts.print_after.iter().any(|n| n == stage);
    if print || opts.dump_all {
        report.dumps.push(Dump {
            file_name: format!("{index:02}-{stage}.mlir"),
            stage: stage.to_string(),
            text: print_module(module),
            print,
        });
    }
}
