//! `parc launch`, `parc run` and `parc inspect`: thin glue from the CLI's arguments to the
//! compiler and the runtime libraries.

use std::path::{Path, PathBuf};
use std::time::Instant;

use parc_compiler::driver::{compile_file, CompileError, CompileOptions};
use parc_compiler::mesh::Mesh;
use parc_dialects::diag::Diagnostic;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::cpu::exec::ExecError;
use parc_runtime::data::TokenWidth;
use parc_runtime::launch::{launch as train, LaunchOptions};
use parc_runtime::program::{Instr, Program};
use parc_runtime::train::TrainError;

use crate::TrainArgs;

fn user(message: impl Into<String>, help: impl Into<String>) -> CompileError {
    CompileError::User(Diagnostic::new(message).with_help(help))
}

fn train_error(e: TrainError) -> CompileError {
    match e {
        TrainError::Exec(ExecError::Instr { .. }) => CompileError::Internal(e.to_string()),
        other => {
            let d = Diagnostic::new(other.to_string());
            CompileError::User(match parc_runtime::train::help_for(&other) {
                Some(help) => d.with_help(help),
                None => d,
            })
        }
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`parc inspect --json | head`) is not an
/// error worth a panic.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

fn options(args: &TrainArgs) -> Result<LaunchOptions, CompileError> {
    let data_width = match args.data_dtype.as_str() {
        "u16" => TokenWidth::U16,
        "u32" => TokenWidth::U32,
        other => return Err(user(format!("--data-dtype {other}: unknown token width"), "use u16 or u32")),
    };
    if args.steps == 0 {
        return Err(user("--steps 0: nothing to run", "ask for at least one step"));
    }
    let threads = match args.threads {
        Some(0) => return Err(user("--threads 0: no threads to run on", "use --threads 1 or more")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(LaunchOptions {
        steps: args.steps,
        json: args.json,
        init: args.init.clone(),
        save: args.save.clone(),
        data: args.data.clone(),
        data_width,
        threads,
    })
}

/// The rank program file of `rank` in `out`.
fn rank_file(out: &Path, rank: usize) -> Result<PathBuf, CompileError> {
    if !out.is_dir() {
        return Err(user(
            format!("{} is not a directory written by parc compile", out.display()),
            "compile first: parc compile MODEL.toml --mesh 1x1x1 -o OUT",
        ));
    }
    let path = out.join(format!("rank-{rank:04}.mlir"));
    if !path.exists() {
        let ranks = std::fs::read_dir(out)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("rank-")).count())
            .unwrap_or(0);
        let help = if ranks == 0 {
            "it holds no rank programs: today they are generated for --mesh 1x1x1 (see programs.note in plan.json)"
                .to_string()
        } else {
            format!("it holds {ranks} rank program(s): ranks 0 to {}", ranks - 1)
        };
        return Err(user(format!("{} has no program for rank {rank}", out.display()), help));
    }
    Ok(path)
}

fn load(path: &Path) -> Result<Program, CompileError> {
    Program::load_file(path)
        .map_err(|e| user(format!("cannot load {}: {e}", path.display()), "recompile with this version of parc"))
}

/// `parc launch TARGET`.
pub fn launch(target: PathBuf, mesh: &str, args: &TrainArgs) -> Result<(), CompileError> {
    let opts = options(args)?;
    let program = if target.is_dir() {
        load(&rank_file(&target, 0)?)?
    } else {
        let mesh = Mesh::parse(mesh)?;
        if mesh.world_size() > 1 {
            return Err(user(
                format!("--mesh {mesh}: launching more than one rank needs the partitioner, which is not built yet"),
                "use --mesh 1x1x1 (the default) to train on one rank",
            ));
        }
        let started = Instant::now();
        let compiled = compile_file(
            &target.display().to_string(),
            &CompileOptions { mesh, pipeline: PipelineOptions::default() },
        )?;
        if !args.json {
            eprintln!("compiled {} in {:.1?}", compiled.plan.model.name, started.elapsed());
        }
        Program::load(&compiled.module).map_err(|e| CompileError::Internal(e.to_string()))?
    };
    finish(train(&program, &opts).map_err(train_error)?, args)
}

/// `parc run OUT --rank R`.
pub fn run(out: &Path, rank: usize, args: &TrainArgs) -> Result<(), CompileError> {
    let opts = options(args)?;
    let program = load(&rank_file(out, rank)?)?;
    finish(train(&program, &opts).map_err(train_error)?, args)
}

fn finish(summary: parc_runtime::launch::LaunchSummary, args: &TrainArgs) -> Result<(), CompileError> {
    if !args.json {
        eprintln!(
            "done: {} steps, loss {:.4} -> {:.4}, {:.0} tokens/s",
            summary.steps, summary.first_loss, summary.last_loss, summary.tokens_per_s
        );
    }
    Ok(())
}

/// `parc inspect OUT`.
pub fn inspect(out: &Path, rank: usize, memory: bool, json: bool) -> Result<(), CompileError> {
    let plan_path = out.join("plan.json");
    let plan_text = std::fs::read_to_string(&plan_path).map_err(|e| {
        user(format!("cannot read {}: {e}", plan_path.display()), "pass a directory written by parc compile")
    })?;
    let plan: serde_json::Value = serde_json::from_str(&plan_text)
        .map_err(|e| user(format!("{} is not valid JSON: {e}", plan_path.display()), "recompile to rewrite it"))?;
    let program = if plan["programs"]["generated"] == serde_json::Value::Bool(true) {
        Some(load(&rank_file(out, rank)?)?)
    } else {
        None
    };
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut functions = Vec::new();
    if let Some(p) = &program {
        for (name, instrs) in p.function_names.iter().zip(&p.functions) {
            functions.push((name.clone(), instrs.len()));
            for i in instrs {
                let kind = match i {
                    Instr::Gemm { .. } => "exec.gemm".to_string(),
                    Instr::Elementwise { .. } => "exec.elementwise".to_string(),
                    Instr::Kernel { op, .. } => op.name().to_string(),
                    Instr::Call(_) => "exec.call".to_string(),
                    Instr::LoadBatch(_) => "exec.load_batch".to_string(),
                };
                *counts.entry(kind).or_default() += 1;
            }
        }
    }
    if json {
        let report = serde_json::json!({
            "model": plan["model"],
            "mesh": plan["mesh"],
            "parameters": plan["parameters"],
            "rank": rank,
            "program": program.as_ref().map(|p| serde_json::json!({
                "file": format!("rank-{rank:04}.mlir"),
                "functions": functions.iter().map(|(n, c)| serde_json::json!({"name": n, "instructions": c})).collect::<Vec<_>>(),
                "instructions_by_kind": counts,
                "arena_bytes": p.arena_bytes,
            })),
            "memory": plan["programs"]["memory"],
            "note": plan["programs"]["note"],
        });
        print_stdout(&serde_json::to_string_pretty(&report).map_err(|e| CompileError::Internal(e.to_string()))?);
        return Ok(());
    }
    let mut out = String::new();
    macro_rules! outln {
        ($o:ident, $($t:tt)*) => {{
            use std::fmt::Write as _;
            let _ = writeln!($o, $($t)*);
        }};
    }
    let m = &plan["model"];
    outln!(
        out,
        "model     {} ({} layers, hidden {}, {} heads, vocab {})",
        m["name"].as_str().unwrap_or("?"),
        m["layers"],
        m["hidden"],
        m["heads"],
        m["vocab"]
    );
    outln!(
        out,
        "params    {} ({} bytes as {})",
        plan["parameters"]["count"],
        plan["parameters"]["bytes"],
        plan["parameters"]["dtype"].as_str().unwrap_or("?")
    );
    let mesh = &plan["mesh"];
    outln!(
        out,
        "mesh      dp={} pp={} tp={} ep={} ({} ranks)",
        mesh["dp"],
        mesh["pp"],
        mesh["tp"],
        mesh["ep"],
        mesh["world_size"]
    );
    match &program {
        None => outln!(out, "programs  none: {}", plan["programs"]["note"].as_str().unwrap_or("")),
        Some(p) => {
            outln!(out, "rank {rank}    rank-{rank:04}.mlir");
            for (name, n) in &functions {
                outln!(out, "  @{name:<18} {n} instructions");
            }
            outln!(out, "  by kind:");
            for (kind, n) in &counts {
                outln!(out, "    {kind:<24} {n}");
            }
            if memory {
                let mem = &plan["programs"]["memory"];
                outln!(out, "memory (rank {rank}, exact, from the static plan):");
                for key in [
                    "parameters",
                    "gradients",
                    "optimizer_state",
                    "inputs",
                    "outputs",
                    "activations",
                    "temporaries",
                    "transient",
                    "peak",
                ] {
                    let bytes = mem[key].as_u64().unwrap_or(0);
                    outln!(out, "  {key:<16} {bytes:>14} bytes  {:>10}", human_bytes(bytes));
                }
                outln!(out, "  the arena the runtime allocates: {} bytes", p.arena_bytes);
            }
        }
    }
    print_stdout(out.trim_end());
    Ok(())
}

fn human_bytes(b: u64) -> String {
    let x = b as f64;
    match b {
        0..=1023 => format!("{b} B"),
        1024..=1_048_575 => format!("{:.1} KiB", x / 1024.0),
        1_048_576..=1_073_741_823 => format!("{:.1} MiB", x / 1_048_576.0),
        _ => format!("{:.2} GiB", x / 1_073_741_824.0),
    }
}
