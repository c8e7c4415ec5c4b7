//! The pass manager: named passes run in a straight line over a module, the verifier runs between
//! them, and the IR after each pass can be printed or kept as a dump (`NN-name.mlir`).
//!
//! A pass is a plain function `fn(&mut Module, &Ctx) -> Result<(), String>`; the compiler keeps one
//! table of [`Pass`]es that gives each its CLI name and help line. This module owns ordering,
//! verification, timing and dumping, and nothing about what passes do. [`run_pipeline`] runs a
//! straight list; [`PassRunner`] runs the same steps one call at a time, for drivers that build
//! several programs (pipeline stages) and do work of their own between steps.

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
    /// File name, `NN-name.mlir` (`00-input.mlir` for the input), under a directory that names
    /// the program for the parts of a pipelined step (`stage-1/08-partition.mlir`).
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

/// Runs `passes` in order over `module`: the names `opts` asks to print must be among them.
pub fn run_pipeline<C: ?Sized>(
    module: &mut Module,
    ctx: &C,
    passes: &[&Pass<C>],
    opts: &PipelineOptions,
) -> Result<PipelineReport, PipelineError> {
    check_print_after(opts, passes.iter().map(|p| p.name))?;
    let mut runner = PassRunner::new(opts, "", 0);
    runner.input(module)?;
    for pass in passes {
        runner.run(module, ctx, pass)?;
    }
    runner.finish(module)
}

/// Fails unless every name `opts` asks to print is `input` or one of `known` (the stages that run).
pub fn check_print_after(
    opts: &PipelineOptions,
    known: impl IntoIterator<Item = &'static str> + Clone,
) -> Result<(), PipelineError> {
    for name in &opts.print_after {
        if name != "input" && !known.clone().into_iter().any(|p| p == name) {
            let mut names: Vec<&'static str> = Vec::new();
            for k in known {
                if !names.contains(&k) {
                    names.push(k);
                }
            }
            return Err(PipelineError::UnknownPrintAfter { name: name.clone(), known: names });
        }
    }
    Ok(())
}

/// Runs named steps over one module, one call at a time: verification, timings and dumps as
/// [`run_pipeline`] does them. A step is a table [`Pass`] ([`PassRunner::run`]) or a named
/// function with a context of its own ([`PassRunner::step`]). Dumps are numbered from `first` and
/// named `DIR/NN-name.mlir`, where `DIR` (with its trailing `/`, or empty) says which program the
/// module is part of (`stage-1/`, `stage-1/chunk-0/`).
pub struct PassRunner<'a> {
    opts: &'a PipelineOptions,
    dir: String,
    next: usize,
    /// Whether the module as it stands has been verified.
    verified: bool,
    /// The last step's name.
    last: &'static str,
    report: PipelineReport,
}

impl<'a> PassRunner<'a> {
    pub fn new(opts: &'a PipelineOptions, dir: impl Into<String>, first: usize) -> Self {
        PassRunner {
            opts,
            dir: dir.into(),
            next: first,
            verified: false,
            last: "input",
            report: PipelineReport::default(),
        }
    }

    /// The number the next dump gets.
    pub fn next_index(&self) -> usize {
        self.next
    }

    /// Verifies the input and records it as `NN-input`.
    pub fn input(&mut self, module: &Module) -> Result<(), PipelineError> {
        let started = Instant::now();
        verify_module(module).map_err(|error| PipelineError::Verify { after: self.where_("the input"), error })?;
        self.verified = true;
        self.report.timings.push(Timing {
            stage: format!("{}verify input", self.dir),
            run: Duration::ZERO,
            verify: started.elapsed(),
        });
        self.record(module, "input");
        Ok(())
    }

    /// Runs the table pass `pass`.
    pub fn run<C: ?Sized>(&mut self, module: &mut Module, ctx: &C, pass: &Pass<C>) -> Result<(), PipelineError> {
        self.step(module, pass.name, |m| (pass.run)(m, ctx))
    }

    /// Runs `f` as the step `name` (a table pass's name: the stage-specific form of that pass).
    pub fn step(
        &mut self,
        module: &mut Module,
        name: &'static str,
        f: impl FnOnce(&mut Module) -> Result<(), String>,
    ) -> Result<(), PipelineError> {
        let t0 = Instant::now();
        f(module).map_err(|message| PipelineError::Pass { pass: name, message: self.where_(&message) })?;
        let run = t0.elapsed();
        let t1 = Instant::now();
        self.verified = false;
        self.last = name;
        if self.opts.verify_each {
            self.verify(module, name)?;
        }
        self.report.timings.push(Timing { stage: format!("{}{name}", self.dir), run, verify: t1.elapsed() });
        self.record(module, name);
        Ok(())
    }

    /// Verifies the module unless the last step already did, and returns the dumps and timings.
    pub fn finish(mut self, module: &Module) -> Result<PipelineReport, PipelineError> {
        if !self.verified {
            let t0 = Instant::now();
            self.verify(module, self.last)?;
            if let Some(t) = self.report.timings.last_mut() {
                t.verify += t0.elapsed();
            }
        }
        Ok(self.report)
    }

    fn verify(&mut self, module: &Module, name: &str) -> Result<(), PipelineError> {
        verify_module(module)
            .map_err(|error| PipelineError::Verify { after: self.where_(&format!("pass '{name}'")), error })?;
        self.verified = true;
        Ok(())
    }

    /// `what`, with the program it is about when that is not the whole one.
    fn where_(&self, what: &str) -> String {
        match self.dir.trim_end_matches('/') {
            "" => what.to_string(),
            dir => format!("{what} ({dir})"),
        }
    }

    fn record(&mut self, module: &Module, stage: &str) {
        let opts = self.opts;
        let print = opts.print_after_all || opts.print_after.iter().any(|n| n == stage);
        if print || opts.dump_all {
            self.report.dumps.push(Dump {
                file_name: format!("{}{:02}-{stage}.mlir", self.dir, self.next),
                stage: stage.to_string(),
                text: print_module(module),
                print,
            });
        }
        self.next += 1;
    }
}
