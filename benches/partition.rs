//! Benchmark of partitioned plans over data (dp) and tensor (tp) parallel axes.
//!
//! 1. Compile time of GPT-3 175B with ZeRO-1 (`compile_spec` in memory: no artifacts, verify the
//!    input and the output only, as a release `parc compile` does): at dp=8,tp=8 with the model
//!    file's global batch, then at tp=8 for dp = 1, 8, 64, 1024 with global_batch set to
//!    micro_batch · dp · 2 at every point (1536 is not divisible by 1024), so every dp rank runs
//!    2 micro-batches at every point. All ranks run one shared program, so the cost should be flat
//!    in dp. Also the median time of each pass.
//! 2. Training step time of gpt-tiny and llama-tiny: the partitioned plan (every rank a thread of
//!    one process, collectives through the in-process communicator) against one rank, on the same
//!    global batch, the way a user runs them: the release `parc launch MODEL --mesh M --steps N
//!    --json` binary, one process per run, parsing its per-step `tokens_per_s` lines. One rank uses
//!    all cores (the default `--threads`); each rank of a partitioned plan runs its GEMMs on one
//!    thread. The 8-rank mesh, each of its two axes alone, and one rank with `--threads 1` are
//!    compared with the default one-rank run. dp=8 needs micro_batch = 1 (global_batch 8 = 8 ranks
//!    x 1), so it is compared with one rank running the same model file with micro_batch = 1. The
//!    model files' own [training] applies (ZeRO 0). Besides the step time, each run reports what
//!    /proc says about the process over the measured steps: CPU time, context switches, threads;
//!    and how busy other processes kept the machine.
//!
//!    Then GPT-3 175B on 8x4x2 against Mixtral 8x7B on dp=8,pp=4,tp=2,ep=8 and on dp = 8, 64 with
//!    ep = 8 (two micro-batches per rank).
//!
//! Run: `cargo bench --bench partition` (release profile). Takes about a minute on 2 cores.
//! Figures are recorded in docs/PERFORMANCE.md, "Partitioned plans (dp, tp)".

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::{load_model, ModelSpec};
use parc_compiler::mesh::Mesh;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::program::{Instr, Program};

/// Compile runs per point, after one warm-up run.
const COMPILE_RUNS: usize = 7;
/// Training: steps discarded, then steps measured, per run; runs per configuration (interleaved).
const WARMUP_STEPS: usize = 5;
const MEASURED_STEPS: usize = 30;
const ROUNDS: usize = 5;
/// Linux's USER_HZ (the unit of utime and stime in /proc/PID/stat).
const TICKS_PER_S: f64 = 100.0;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn options(mesh: &str) -> CompileOptions {
    CompileOptions {
        mesh: Mesh::parse(mesh).expect("valid mesh"),
        training: TrainingOverrides { zero: Some(1), sequence_parallel: false, ..Default::default() },
        pipeline: PipelineOptions::default(),
    }
}

/// Median, min and max.
fn stats(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|_| "unknown".into(), |s| s.trim().to_string())
}

// ---------------------------------------------------------------------------------------------
// 1. Compile time
// ---------------------------------------------------------------------------------------------

/// Compiles `spec` at `mesh` COMPILE_RUNS times after a warm-up; prints one row. Returns the
/// median time of each stage (the frontend, then each pass with its verification), in ms.
fn compile_row(label: &str, spec: &ModelSpec, mesh: &str) -> Vec<(String, f64)> {
    let opts = options(mesh);
    let mut spec = spec.clone();
    opts.training.apply(&mut spec);
    let first = compile_spec(spec.clone(), &opts, Instant::now()).expect("the model compiles");
    let ops: usize = first.module.functions.iter().map(|f| f.num_live_ops()).sum();
    let ranks = first.plan.programs.ranks_per_file.unwrap_or(1);
    let files = first.plan.programs.files.len();
    drop(first);
    let mut times = Vec::new();
    let mut stages: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..COMPILE_RUNS {
        let t = Instant::now();
        let out = compile_spec(spec.clone(), &opts, Instant::now()).expect("the model compiles");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        for (i, timing) in out.report.timings.iter().enumerate() {
            if stages.len() <= i {
                stages.push((timing.stage.clone(), Vec::new()));
            }
            stages[i].1.push((timing.run + timing.verify).as_secs_f64() * 1e3);
        }
        black_box(out.plan.parameters);
    }
    let (med, min, max) = stats(times);
    println!(
        "{label:<30} {:>6} {:>7} {files:>5} {:>7} {ops:>8} {med:>9.0} {min:>9.0} {max:>9.0}",
        spec.training.global_batch,
        ranks,
        spec.training.global_batch / (spec.training.micro_batch * opts.mesh.dp),
    );
    stages.into_iter().map(|(name, t)| (name, stats(t).0)).collect()
}

fn bench_compile() {
    let path = root().join("examples/gpt3-175b.toml");
    let spec = load_model(&path.display().to_string()).expect("gpt3-175b.toml is valid");
    println!(
        "== compile: gpt3-175b ({} layers), ZeRO-1, in memory, verify input and output only; {COMPILE_RUNS} runs after 1 warm-up",
        spec.model.layers
    );
    println!(
        "sweep rule: global_batch = micro_batch x dp x 2 = {} x dp x 2 at every sweep point (the file's 1536 is not divisible by 1024)",
        spec.training.micro_batch
    );
    println!(
        "{:<30} {:>6} {:>7} {:>5} {:>7} {:>8} {:>9} {:>9} {:>9}",
        "mesh", "batch", "ranks", "files", "mb/rank", "ops", "median ms", "min ms", "max ms"
    );
    let mut columns = vec!["dp=8 b1536".to_string()];
    let mut stages = vec![compile_row("dp=8,tp=8 (file batch)", &spec, "dp=8,tp=8")];
    for dp in [1usize, 8, 64, 1024] {
        let mut s = spec.clone();
        s.training.global_batch = s.training.micro_batch * dp * 2;
        stages.push(compile_row(&format!("dp={dp},tp=8"), &s, &format!("dp={dp},tp=8")));
        columns.push(format!("dp={dp}"));
    }
    println!("\nmedian ms per stage (run + verify), tp=8; dp=8 b1536 is the first row above:");
    print!("{:<14}", "stage");
    for c in &columns {
        print!(" {c:>10}");
    }
    println!();
    for (i, (name, _)) in stages[1].iter().enumerate() {
        print!("{name:<14}");
        for point in &stages {
            print!(" {:>10.1}", point.get(i).filter(|(n, _)| n == name).map_or(f64::NAN, |(_, t)| *t));
        }
        println!();
    }
    // Mixture of experts on every axis: Mixtral 8x7B with the experts split over ep = 8, against
    // GPT-3 175B on 8x4x2; the dp sweep keeps two micro-batches per rank, as above.
    let mixtral_path = root().join("examples/mixtral-8x7b.toml");
    let mixtral = load_model(&mixtral_path.display().to_string()).expect("mixtral-8x7b.toml is valid");
    println!("\n== compile: gpt3-175b on 8x4x2 against mixtral-8x7b (32 MoE layers) with ep=8, ZeRO-1");
    compile_row("gpt3 8x4x2", &spec, "dp=8,pp=4,tp=2");
    compile_row("mixtral 8x4x2 ep=8", &mixtral, "dp=8,pp=4,tp=2,ep=8");
    for dp in [8usize, 64] {
        let mut s = mixtral.clone();
        s.training.global_batch = s.training.micro_batch * dp * 2;
        compile_row(&format!("mixtral dp={dp},pp=4,tp=2,ep=8"), &s, &format!("dp={dp},pp=4,tp=2,ep=8"));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Training step time
// ---------------------------------------------------------------------------------------------

/// One training configuration: a model file (possibly rewritten with micro_batch = 1), a mesh,
/// and `--threads` (None: the default, all cores).
struct Config {
    model: &'static str,
    label: String,
    file: PathBuf,
    mesh: &'static str,
    threads: Option<usize>,
    baseline: bool,
    ranks: usize,
    /// Instructions executed per step per rank, and collective calls per step per rank.
    instrs: usize,
    collectives: u64,
    runs: Vec<Run>,
}

/// One `parc launch` process.
struct Run {
    /// Median step time over the measured steps (from the `tokens_per_s` lines).
    median_ms: f64,
    /// Wall time of the measured window / steps.
    wall_ms: f64,
    /// CPU time of the process over the window / the window.
    cores: f64,
    /// Voluntary and involuntary context switches per step, all threads.
    voluntary: f64,
    involuntary: f64,
    threads: usize,
    last_loss: f32,
    /// Cores other processes kept busy during the whole run, on average.
    others: f64,
}

/// Instructions executed by one call of function `f` (calls expanded).
fn executed(p: &Program, f: usize, depth: usize) -> usize {
    p.functions[f]
        .iter()
        .map(|i| match i {
            Instr::Call(g) if depth < 16 => executed(p, *g, depth + 1),
            _ => 1,
        })
        .sum()
}

/// A sample of a running process: when, CPU ticks (utime + stime, all threads), voluntary and
/// involuntary context switches summed over its threads, and its thread count.
struct Sample {
    at: Instant,
    ticks: u64,
    voluntary: u64,
    involuntary: u64,
    threads: usize,
}

fn sample(pid: u32) -> Sample {
    let at = Instant::now();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which ends at the last ')') start with field 3, the state;
    // utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    let (mut voluntary, mut involuntary, mut threads) = (0, 0, 0);
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        threads += 1;
        for line in status.lines() {
            let count = |prefix: &str| line.strip_prefix(prefix).and_then(|v| v.trim().parse::<u64>().ok());
            if let Some(n) = count("voluntary_ctxt_switches:") {
                voluntary += n;
            } else if let Some(n) = count("nonvoluntary_ctxt_switches:") {
                involuntary += n;
            }
        }
    }
    Sample { at, ticks: field(14) + field(15), voluntary, involuntary, threads }
}

impl Config {
    fn new(model: &'static str, file: PathBuf, mesh: &'static str, threads: Option<usize>, baseline: bool) -> Config {
        let mut spec = load_model(&file.display().to_string()).expect("the model file is valid");
        let opts = CompileOptions {
            mesh: Mesh::parse(mesh).expect("valid mesh"),
            training: TrainingOverrides::default(),
            pipeline: PipelineOptions::default(),
        };
        opts.training.apply(&mut spec);
        let mb = spec.training.micro_batch;
        let out = compile_spec(spec, &opts, Instant::now()).expect("the model compiles");
        let program = Program::load(&out.module).expect("the program loads");
        let instrs = executed(&program, program.function("train_step").expect("@train_step"), 0);
        let collectives = out.plan.programs.communication.iter().map(|c| c.calls).sum();
        let threads_note = threads.map_or(String::new(), |t| format!(", --threads {t}"));
        let note = if baseline { " (baseline)" } else { "" };
        Config {
            model,
            label: format!("{mesh}, mb={mb}{threads_note}{note}"),
            file,
            mesh,
            threads,
            baseline,
            ranks: out.plan.mesh.world_size,
            instrs,
            collectives,
            runs: Vec::new(),
        }
    }

    /// Runs `parc launch` once and records the run. One step more than measured runs last, so
    /// that every rank thread is still alive when the measured window closes.
    fn run(&mut self) {
        let end = WARMUP_STEPS + MEASURED_STEPS;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parc"));
        cmd.arg("launch").arg(&self.file).args(["--mesh", self.mesh, "--steps", &(end + 1).to_string(), "--json"]);
        if let Some(t) = self.threads {
            cmd.args(["--threads", &t.to_string()]);
        }
        let ((busy0, own0), t0) = (cpu_accounts(), Instant::now());
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("parc launch starts");
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut rates = Vec::new();
        let mut marks = Vec::new();
        let mut last_loss = f32::NAN;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("parc launch writes text");
            let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per step");
            let step = v["step"].as_u64().expect("step") as usize;
            if step == WARMUP_STEPS || step == end {
                marks.push(sample(pid));
            }
            if step > WARMUP_STEPS && step <= end {
                rates.push(v["tokens_per_s"].as_f64().expect("tokens_per_s"));
                last_loss = v["loss"].as_f64().unwrap_or(f64::NAN) as f32;
            }
        }
        let status = child.wait().expect("parc launch ends");
        let (busy1, own1) = cpu_accounts();
        let others = (busy1 - busy0).saturating_sub(own1 - own0) as f64 / TICKS_PER_S / t0.elapsed().as_secs_f64();
        assert!(status.success(), "parc launch {} --mesh {} failed: {status}", self.file.display(), self.mesh);
        assert_eq!(rates.len(), MEASURED_STEPS, "parc launch printed every step");
        // tokens_per_s is tokens / the step's seconds (rank 0's, for a partitioned plan).
        let tokens = tokens_per_step(&self.file);
        let (median_ms, _, _) = stats(rates.iter().map(|tps| tokens / tps * 1e3).collect());
        let (a, b) = (&marks[0], &marks[1]);
        let wall = b.at.duration_since(a.at).as_secs_f64();
        let per_step = |x: u64, y: u64| y.saturating_sub(x) as f64 / MEASURED_STEPS as f64;
        self.runs.push(Run {
            median_ms,
            wall_ms: wall * 1e3 / MEASURED_STEPS as f64,
            cores: b.ticks.saturating_sub(a.ticks) as f64 / TICKS_PER_S / wall.max(1e-9),
            voluntary: per_step(a.voluntary, b.voluntary),
            involuntary: per_step(a.involuntary, b.involuntary),
            threads: b.threads,
            last_loss,
            others,
        });
    }

    /// The median over runs of `f`.
    fn median(&self, f: impl Fn(&Run) -> f64) -> f64 {
        stats(self.runs.iter().map(f).collect()).0
    }
}

fn tokens_per_step(file: &Path) -> f64 {
    let spec = load_model(&file.display().to_string()).expect("the model file is valid");
    (spec.training.global_batch * spec.model.seq_len) as f64
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!("parc-bench-partition-{}", std::process::id()))
}

/// `examples/NAME.toml` rewritten with micro_batch = 1, in a temporary directory.
fn with_micro_batch_1(name: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join(format!("examples/{name}.toml"))).expect("model file");
    let rewritten = text.replace("micro_batch = 2", "micro_batch = 1");
    assert_ne!(text, rewritten, "examples/{name}.toml sets micro_batch = 2");
    std::fs::create_dir_all(temp_dir()).expect("temporary directory");
    let path = temp_dir().join(format!("{name}-mb1.toml"));
    std::fs::write(&path, rewritten).expect("temporary model file");
    path
}

fn bench_training() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\n== training: parc launch MODEL --mesh M --steps {} --json; median of steps {}..={} per run; {ROUNDS} runs per row, interleaved; {cores} cores",
        WARMUP_STEPS + MEASURED_STEPS + 1,
        WARMUP_STEPS + 1,
        WARMUP_STEPS + MEASURED_STEPS
    );
    // (model, the 8-rank mesh at micro_batch 2, and its two axes alone)
    let models = [("gpt-tiny", ["dp=2,tp=4", "dp=2", "tp=4"]), ("llama-tiny", ["dp=4,tp=2", "dp=4", "tp=2"])];
    let mut configs = Vec::new();
    for (model, meshes) in models {
        let file = root().join(format!("examples/{model}.toml"));
        let mb1 = with_micro_batch_1(model);
        // Each row is compared with the baseline row above it.
        configs.push(Config::new(model, file.clone(), "1x1x1", None, true));
        configs.push(Config::new(model, file.clone(), "1x1x1", Some(1), false));
        for mesh in meshes {
            configs.push(Config::new(model, file.clone(), mesh, None, false));
        }
        configs.push(Config::new(model, mb1.clone(), "1x1x1", None, true));
        configs.push(Config::new(model, mb1, "dp=8", None, false));
    }
    for round in 0..ROUNDS {
        eprintln!("training round {}/{ROUNDS} ...", round + 1);
        for c in configs.iter_mut() {
            c.run();
        }
    }
    println!(
        "{:<10} {:<30} {:>5} {:>6} {:>5} {:>9} {:>6} {:>6} {:>7} {:>5} {:>6} {:>6} {:>6} {:>4} {:>8} {:>9} {:>6}",
        "model",
        "configuration",
        "ranks",
        "instrs",
        "colls",
        "median ms",
        "min",
        "max",
        "wall ms",
        "cores",
        "cpu ms",
        "vcsw",
        "ivcsw",
        "thr",
        "vs base",
        "last loss",
        "others"
    );
    let mut baseline = f64::NAN;
    for c in &configs {
        let med = c.median(|r| r.median_ms);
        if c.baseline {
            baseline = med;
        }
        let (_, min, max) = stats(c.runs.iter().map(|r| r.median_ms).collect());
        let wall = c.median(|r| r.wall_ms);
        let cpu = c.median(|r| r.cores * r.wall_ms);
        let ratio = if c.baseline { String::new() } else { format!("{:.2}x", med / baseline) };
        println!(
            "{:<10} {:<30} {:>5} {:>6} {:>5} {med:>9.2} {min:>6.2} {max:>6.2} {wall:>7.2} {:>5.2} {cpu:>6.2} {:>6.0} {:>6.1} {:>4} {ratio:>8} {:>9.5} {:>6.2}",
            c.model,
            c.label,
            c.ranks,
            c.instrs,
            c.collectives,
            c.median(|r| r.cores),
            c.median(|r| r.voluntary),
            c.median(|r| r.involuntary),
            c.runs.last().map_or(0, |r| r.threads),
            c.runs.last().map_or(f32::NAN, |r| r.last_loss),
            c.median(|r| r.others)
        );
    }
    println!("instrs, colls: instructions executed and collective calls per step, per rank (from the program)");
    println!("median ms: median over runs of each run's median step time (min, max: of those run medians)");
    println!("wall ms: wall time of the measured steps / {MEASURED_STEPS}; cores: CPU time of the process / wall time");
    println!("cpu ms: CPU time of the process per step; vcsw, ivcsw: voluntary and involuntary context switches");
    println!("per step, all threads; thr: threads of the process. All medians over runs");
    println!("vs base: median ms / the median ms of the baseline row above it (same model file and global batch)");
    println!("others: cores that other processes kept busy during the runs (/proc/stat busy minus ours)");
    let _ = std::fs::remove_dir_all(temp_dir());
}

/// Busy ticks of the whole machine (/proc/stat) and ticks of this process and its waited-for
/// children (/proc/self/stat), to tell how much CPU other processes used meanwhile.
fn cpu_accounts() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    // cpu  user nice system idle iowait irq softirq steal ...
    let all: Vec<u64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let busy = all.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4 && *i < 8).map(|(_, v)| v).sum();
    let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = own.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
    // utime, stime, cutime, cstime: fields 14 to 17, the 12th to 15th after the command name.
    (busy, fields.get(11..15).map_or(0, |f| f.iter().sum()))
}

/// Runs `f` and prints how many cores other processes kept busy meanwhile, on average.
fn watching_others(what: &str, f: impl FnOnce()) {
    let (busy0, own0) = cpu_accounts();
    let t = Instant::now();
    f();
    let (busy1, own1) = cpu_accounts();
    let others = (busy1 - busy0).saturating_sub(own1 - own0) as f64 / TICKS_PER_S / t.elapsed().as_secs_f64();
    println!("({what}: {:.1?}; other processes kept {others:.2} cores busy on average)", t.elapsed());
}

fn main() {
    println!("load average before: {}\n", load_avg());
    let started = Instant::now();
    watching_others("compile part", bench_compile);
    watching_others("training part", bench_training);
    println!("\nload average after: {}", load_avg());
    println!("total {:.1?}", started.elapsed());
}
