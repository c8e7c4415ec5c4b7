//! `parc plan`: the layouts of a model on a number of GPUs, fastest first (docs/planner.md).

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use parc_compiler::driver::CompileError;
use parc_compiler::frontend::{Precision, Recompute};
use parc_compiler::hardware::{gib, GpuProfile};
use parc_compiler::pipeline::ScheduleKind;
use parc_compiler::planner::{search, Pins, PlanRow, Search};
use parc_dialects::diag::Diagnostic;

pub const PLAN_HELP: &str = "\
Searches dp x pp x tp = GPUS (tp at most the GPUs of one node), expert parallelism for a MoE model
(ep dividing dp and the experts), ZeRO 0-3, sequence parallelism, the pipeline schedule (1f1b,
interleaved with 2-4 chunks, gpipe; zb-h1 only when pinned, its step time is estimated ~8% low)
and its chunks, the micro-batch (a divisor of the
per-replica batch, at most 16) and recomputation; drops the layouts the compiler would refuse and
those whose largest stage does not fit the GPU, and ranks the rest by predicted step time.
Time comes from the planner's model of the compiled plan, priced by the calibrated cost model.
Memory is screened analytically, then read, fastest layout first, from small compiled probes of
each layout (one and two layers per stage), exact to well under 1% of the compiled static plan
(docs/planner.md). The first plan's flags compile it: `parc compile MODEL --gpu NAME <flags>`
then gives the compiled plan's exact memory and prediction.

Exit codes: 0 success, 2 bad input or no layout that fits (the message says the smallest peak and
on how many GPUs the model fits), 1 internal error.

Examples:
  parc plan examples/gpt3-175b.toml --gpus 1024 --gpu a100-80g --top 5
  parc plan examples/gpt3-175b.toml --gpus 1024 --gpu h100-sxm --json
  parc plan examples/llama2-70b.toml --gpus 64 --gpu h100-sxm --tp 8 --recompute selective
  parc plan examples/mixtral-8x7b.toml --gpus 64 --gpu h100-sxm --ep 8";

/// Arguments of `parc plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// The model: a model.toml (docs/model-format.md), or a Hugging Face model directory with --training.
    model: String,
    /// The number of GPUs: dp x pp x tp of every layout searched.
    #[arg(long)]
    gpus: usize,
    /// The GPU: a100-80g, h100-sxm or h200 (docs/hardware.md).
    #[arg(long, value_name = "NAME", conflicts_with = "gpu_file", required_unless_present = "gpu_file")]
    gpu: Option<String>,
    /// As --gpu, with a GPU described in a TOML file (docs/hardware.md).
    #[arg(long, value_name = "FILE")]
    gpu_file: Option<String>,
    /// How many plans to print.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// How many of the fastest layouts get their memory from compiled probes (exact to well under
    /// 1%); the others are kept or dropped by the analytical screen. Default: --top.
    #[arg(long, value_name = "N")]
    probe: Option<usize>,
    /// Print the plans (all of --top) as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Compile the plans before printing them: each gets the compiled plan's exact peak memory
    /// and the cost model's prediction over its programs (`compiled` in --json); a plan whose
    /// compiled peak does not fit is dropped and the next one compiled. A compile per plan.
    #[arg(long)]
    exact: bool,
    /// Pin the data-parallel size.
    #[arg(long)]
    dp: Option<usize>,
    /// Pin the pipeline-parallel size.
    #[arg(long)]
    pp: Option<usize>,
    /// Pin the tensor-parallel size (may then exceed one node).
    #[arg(long)]
    tp: Option<usize>,
    /// Pin expert parallelism (MoE models; it divides dp and the experts).
    #[arg(long)]
    ep: Option<usize>,
    /// Pin the ZeRO stage (0-3).
    #[arg(long)]
    zero: Option<u8>,
    /// Pin sequence parallelism on or off.
    #[arg(long, value_name = "on|off")]
    sequence_parallel: Option<OnOff>,
    /// Pin the pipeline schedule: gpipe, 1f1b, interleaved or zb-h1.
    #[arg(long, value_name = "NAME")]
    schedule: Option<String>,
    /// Pin the chunks per stage of the interleaved schedule.
    #[arg(long)]
    chunks: Option<usize>,
    /// Pin the micro-batch.
    #[arg(long)]
    micro_batch: Option<usize>,
    /// Pin the recomputation policy.
    #[arg(long, value_name = "POLICY", value_parser = ["none", "selective", "full"])]
    recompute: Option<String>,
    /// Training precision (replaces the model file's).
    #[arg(long, value_name = "P", value_parser = ["fp32", "bf16"])]
    precision: Option<String>,
    /// The dtype bf16 gradients are reduced in (replaces the model file's).
    #[arg(long, value_name = "DTYPE", value_parser = ["fp32", "bf16"])]
    grad_reduce_dtype: Option<String>,
    /// For a Hugging Face model directory: the TOML file with the [training] table.
    #[arg(long, value_name = "FILE")]
    training: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

fn user(message: impl Into<String>, help: impl Into<String>) -> CompileError {
    CompileError::User(Diagnostic::new(message.into()).with_help(help.into()))
}

pub fn run(args: PlanArgs) -> Result<(), CompileError> {
    let gpu: GpuProfile = match (&args.gpu, &args.gpu_file) {
        (Some(name), _) => parc_compiler::hardware::built_in(name)?,
        (None, Some(path)) => parc_compiler::hardware::load(path)?,
        (None, None) => {
            return Err(user(
                "parc plan needs a GPU",
                "name one with --gpu a100-80g (or h100-sxm, h200), or --gpu-file FILE",
            ))
        }
    };
    if args.gpus == 0 {
        return Err(user(
            "--gpus 0: a plan needs at least one GPU",
            "give the number of GPUs to plan for, e.g. --gpus 64",
        ));
    }
    if args.zero.is_some_and(|z| z > 3) {
        return Err(user(
            format!("--zero {}: ZeRO stages are 0 to 3", args.zero.unwrap_or(0)),
            "pin --zero 0, 1, 2 or 3, or leave it free",
        ));
    }
    let schedule = match &args.schedule {
        Some(s) => Some(
            ScheduleKind::parse(s)
                .map_err(|e| user(format!("--schedule {s}: {e}"), "gpipe, 1f1b, interleaved or zb-h1"))?,
        ),
        None => None,
    };
    if let (Some(c), Some(k)) = (args.chunks, schedule) {
        if c > 1 && k != ScheduleKind::Interleaved {
            return Err(user(
                format!("--chunks {c} with --schedule {}: only the interleaved schedule has chunks", k.name()),
                "pin --schedule interleaved, or drop --chunks",
            ));
        }
    }
    for (flag, v) in [("--dp", args.dp), ("--pp", args.pp), ("--tp", args.tp)] {
        if let Some(v) = v {
            if v == 0 || args.gpus % v != 0 {
                return Err(user(
                    format!("{flag} {v} does not divide --gpus {}", args.gpus),
                    format!("pin {flag} to a divisor of {}", args.gpus),
                ));
            }
        }
    }
    if let (Some(dp), Some(pp), Some(tp)) = (args.dp, args.pp, args.tp) {
        if dp * pp * tp != args.gpus {
            return Err(user(
                format!("--dp {dp} --pp {pp} --tp {tp} make {} GPUs, not --gpus {}", dp * pp * tp, args.gpus),
                "pin at most two of --dp, --pp, --tp, or make their product --gpus",
            ));
        }
    }
    let mut spec = parc_compiler::frontend::load_model_with(&args.model, args.training.as_deref())?;
    let precision = |p: &str| if p == "bf16" { Precision::Bf16 } else { Precision::Fp32 };
    if let Some(p) = &args.precision {
        spec.training.precision = precision(p);
    }
    if let Some(g) = &args.grad_reduce_dtype {
        spec.training.grad_reduce_dtype = precision(g);
    }
    spec.check_training()?;
    if let Some(ep) = args.ep {
        match &spec.model.moe {
            None if ep != 1 => {
                return Err(user(
                    format!("--ep {ep}: {} has no experts", spec.model.name),
                    "expert parallelism splits the experts of a [model.moe] model; drop --ep",
                ))
            }
            Some(moe) if ep == 0 || moe.experts % ep != 0 || args.gpus % ep != 0 => {
                return Err(user(
                    format!("--ep {ep} does not divide the {} experts and --gpus {}", moe.experts, args.gpus),
                    format!("pin --ep to a divisor of {} that divides --gpus", moe.experts),
                ))
            }
            _ => {}
        }
    }
    let pins = Pins {
        dp: args.dp,
        pp: args.pp,
        tp: args.tp,
        ep: args.ep,
        zero: args.zero,
        sequence_parallel: args.sequence_parallel.map(|s| matches!(s, OnOff::On)),
        schedule,
        chunks: args.chunks,
        micro_batch: args.micro_batch,
        recompute: args.recompute.as_deref().map(|r| match r {
            "selective" => Recompute::Selective,
            "full" => Recompute::Full,
            _ => Recompute::None,
        }),
        tp_across_nodes: args.tp.is_some(),
    };
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("searching {bar:30} {pos}/{len} layouts")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let result = search(&spec, &gpu, args.gpus, &pins, args.probe.unwrap_or(args.top).max(1), |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .map_err(CompileError::Internal)?;
    bar.finish_and_clear();
    let mut result = result;
    if args.exact && result.fitting > 0 {
        let mut kept = Vec::new();
        let mut dropped = 0;
        for mut row in std::mem::take(&mut result.plans) {
            if kept.len() == args.top {
                break;
            }
            eprintln!("compiling {} ...", row.layout());
            let compiled = parc_compiler::planner::compile_row(&spec, &gpu, &row).map_err(CompileError::Internal)?;
            if compiled.fits {
                row.compiled = Some(compiled);
                kept.push(row);
            } else {
                dropped += 1;
                eprintln!(
                    "  dropped: its compiled peak is {} (the estimate was {})",
                    gib(compiled.peak_memory_bytes),
                    gib(row.peak_memory_bytes)
                );
            }
        }
        if dropped > 0 {
            eprintln!("{dropped} plan(s) dropped: their compiled peak exceeds the GPU");
        }
        result.plans = kept;
    }
    let elapsed = started.elapsed();
    if result.considered == 0 {
        return Err(user(
            format!("no layout of {} on {} GPUs passes the compiler's checks (with the pins given)", spec.model.name, args.gpus),
            "tensor parallelism must divide heads, kv_heads and ffn, pipeline stages are at most the layers, and dp must divide global_batch; try another --gpus, or fewer pins",
        ));
    }
    if result.fitting == 0 {
        let smallest = result
            .smallest_peak
            .as_ref()
            .map_or(String::new(), |m| format!("; the smallest peak is {} (stage {})", gib(m.peak), m.stage));
        let more = fits_on(&spec, &gpu, args.gpus, &pins);
        return Err(user(
            format!(
                "{} does not fit on {} {} GPU{} in any of the {} layouts searched{smallest}, over the {} usable",
                spec.model.name,
                args.gpus,
                gpu.name,
                if args.gpus == 1 { "" } else { "s" },
                result.considered,
                gib(gpu.usable_bytes())
            ),
            match more {
                Some(n) => format!("it fits on {n} GPUs (parc plan {} --gpus {n} --gpu {}); or a GPU with more memory", args.model, gpu.name),
                None => "no GPU count up to 64 times --gpus fits it with these pins; free some pins or use a GPU with more memory".into(),
            },
        ));
    }
    if args.json {
        let top: Vec<&PlanRow> = result.plans.iter().take(args.top).collect();
        let json = serde_json::json!({
            "model": spec.model.name,
            "gpus": result.gpus,
            "gpu": result.gpu,
            "considered": result.considered,
            "fitting": result.fitting,
            "plans": top,
        });
        crate::commands::print_stdout(
            &serde_json::to_string_pretty(&json).map_err(|e| CompileError::Internal(e.to_string()))?,
        );
    } else {
        print_table(&args.model, &spec, &gpu, &result, args.top, elapsed);
    }
    Ok(())
}

/// The smallest GPU count (doubling from `gpus`, up to 64 times it) on which some layout fits.
fn fits_on(spec: &parc_compiler::ModelSpec, gpu: &GpuProfile, gpus: usize, pins: &Pins) -> Option<usize> {
    let pins = Pins { dp: None, ..pins.clone() };
    let mut n = gpus * 2;
    while n <= gpus * 64 {
        if search(spec, gpu, n, &pins, 1, |_, _| {}).is_ok_and(|s| s.fitting > 0) {
            return Some(n);
        }
        n *= 2;
    }
    None
}

fn print_table(
    path: &str,
    spec: &parc_compiler::ModelSpec,
    gpu: &GpuProfile,
    r: &Search,
    top: usize,
    elapsed: std::time::Duration,
) {
    let model = &spec.model.name;
    let mut out = format!(
        "{model} on {} {} GPUs: {} layouts pass the compiler's checks, {} fit in {} ({:.2?}; time from the planner's model over \
         the calibrated cost model, memory of the first plans from compiled probes: docs/planner.md)\n\n",
        r.gpus,
        gpu.name,
        r.considered,
        r.fitting,
        gib(gpu.usable_bytes()),
        elapsed
    );
    out.push_str(&format!(
        "{:>3}  {:<22} {:>4} {:>3} {:<11} {:>3} {:>3} {:<9} | {:>10} {:>8} {:>6} {:>10} | {:>10} {:>10} {:>10} {:>10} {:>10}\n",
        "#", "mesh", "zero", "sp", "schedule", "v", "mb", "recompute", "step", "TFLOP/s", "MFU", "peak", "compute", "tp comm", "pipeline", "dp comm", "pp comm"
    ));
    let moe = spec.model.moe.is_some();
    if moe {
        out.insert_str(out.len() - 1, &format!(" {:>10}", "ep comm"));
    }
    let first = r.plans.first();
    for (i, p) in r.plans.iter().take(top).enumerate() {
        let b = &p.breakdown;
        out.push_str(&format!(
            "{:>3}  {:<22} {:>4} {:>3} {:<11} {:>3} {:>3} {:<9} | {:>10} {:>8.1} {:>5.1}% {:>10} | {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            i + 1,
            p.mesh,
            p.zero,
            if p.sequence_parallel { "on" } else { "off" },
            p.schedule,
            p.chunks,
            p.micro_batch,
            p.recompute,
            secs(p.step_time_s),
            p.tflops_per_gpu,
            100.0 * p.mfu,
            format!("{}{}", gib(p.peak_memory_bytes), if p.memory_probed { "" } else { "*" }),
            secs(b.gemm_s + b.other_kernels_s + b.optimizer_s),
            secs(b.tp_comm_s),
            secs(b.pp_bubble_s + b.pp_overhead_s),
            secs(b.dp_comm_s),
            secs(b.pp_comm_s)
        ));
        if moe {
            out.insert_str(out.len() - 1, &format!(" {:>10}", secs(b.ep_comm_s)));
        }
        if let Some(c) = &p.compiled {
            out.push_str(&format!(
                "       compiled: {} per step, {:.1} TFLOP/s, MFU {:.1}%, peak {}\n",
                secs(c.step_time_s),
                c.tflops_per_gpu,
                100.0 * c.mfu,
                gib(c.peak_memory_bytes)
            ));
        }
        if let (Some(f), true) = (first, i > 0) {
            out.push_str(&format!("       {}\n", why_slower(f, p)));
        }
    }
    if r.plans.iter().take(top).any(|p| !p.memory_probed) {
        out.push_str("\n* peak from the analytical screen, not probed (raise --probe)\n");
    }
    if let Some(f) = first {
        let l = f.layout();
        let micro_batch = if l.micro_batch == spec.training.micro_batch {
            String::new()
        } else {
            format!(" (with micro_batch = {} in [training])", l.micro_batch)
        };
        out.push_str(&format!(
            "\nthe first, compiled{micro_batch}: parc compile {path} --gpu {} {} -o out/\n",
            gpu.name,
            l.compile_flags()
        ));
    }
    eprint!("{out}");
}

/// The part of the step where `p` loses most time to `first`.
fn why_slower(first: &PlanRow, p: &PlanRow) -> String {
    let parts = |r: &PlanRow| {
        let b = &r.breakdown;
        [
            ("compute", b.gemm_s + b.other_kernels_s + b.optimizer_s),
            ("tensor-parallel communication", b.tp_comm_s),
            ("expert-parallel all-to-alls", b.ep_comm_s),
            ("pipeline bubble and overhead", b.pp_bubble_s + b.pp_overhead_s),
            ("data-parallel communication", b.dp_comm_s),
            ("pipeline sends", b.pp_comm_s),
        ]
    };
    let (a, b) = (parts(first), parts(p));
    let (name, d) =
        a.iter().zip(&b).map(|(x, y)| (x.0, y.1 - x.1)).max_by(|x, y| x.1.total_cmp(&y.1)).unwrap_or(("compute", 0.0));
    let behind = p.step_time_s - first.step_time_s;
    if behind <= 1e-9 * first.step_time_s {
        return format!(
            "the same predicted step as #1, ranked after it by peak memory ({} against {})",
            gib(p.peak_memory_bytes),
            gib(first.peak_memory_bytes)
        );
    }
    format!("+{} per step against #1, most of it {name} (+{})", secs(behind), secs(d.max(0.0)))
}

/// Seconds for people: `61.30 s`, `2.31 ms`, `15.2 µs`.
fn secs(x: f64) -> String {
    let a = x.abs();
    if a >= 1.0 || a == 0.0 {
        format!("{x:.3} s")
    } else if a >= 1e-3 {
        format!("{:.3} ms", x * 1e3)
    } else {
        format!("{:.1} µs", x * 1e6)
    }
}
