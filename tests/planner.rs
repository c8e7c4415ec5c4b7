//! The planner's analytical estimates against compiled plans: memory per stage against the static
//! plan, step time against the cost model's prediction over the compiled programs.

use std::time::Instant;

use parc_compiler::cost::predict_output;
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::{parse_model, ModelSpec, Recompute};
use parc_compiler::hardware::built_in;
use parc_compiler::mesh::Mesh;
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::planner::{evaluate, memory_of, screen_memory_of, search, Layout, Pins, SCREEN_MARGIN};

/// A GPT and a Llama of realistic shape, few layers so that each compiles in a fraction of a
/// second.
fn model(family: &str, layers: usize) -> ModelSpec {
    let body = if family == "gpt" {
        "norm = \"layernorm\"\nactivation = \"gelu\"\nposition = \"learned\"\ntie_embeddings = true\nbias = true\nheads = 32\nffn = 16384"
    } else {
        "norm = \"rmsnorm\"\nactivation = \"swiglu\"\nposition = \"rope\"\ntie_embeddings = false\nbias = false\nheads = 32\nkv_heads = 8\nffn = 11008"
    };
    let text = format!(
        "[model]\nname = \"{family}-probe\"\nvocab = 32000\nhidden = 4096\nlayers = {layers}\nseq_len = 2048\n{body}\n\n\
         [training]\nglobal_batch = 32\nmicro_batch = 1\nprecision = \"bf16\"\n\n[training.optimizer]\ntype = \"adamw\"\nlr = 1e-4\ngrad_clip = 1.0\n"
    );
    parse_model(&format!("{family}-probe.toml"), &text).unwrap()
}

fn compiled(spec: &ModelSpec, l: &Layout) -> parc_compiler::driver::CompileOutput {
    let recompute = match l.recompute {
        "none" => Recompute::None,
        "selective" => Recompute::Selective,
        _ => Recompute::Full,
    };
    let mut spec = spec.clone();
    spec.training.micro_batch = l.micro_batch;
    let opts = CompileOptions {
        mesh: Mesh::new(l.dp, l.pp, l.tp, l.ep).unwrap(),
        training: TrainingOverrides {
            zero: Some(l.zero),
            sequence_parallel: l.sequence_parallel,
            recompute: Some(recompute),
            schedule: ScheduleOptions {
                kind: if l.pp > 1 { ScheduleKind::parse(l.schedule).unwrap() } else { ScheduleKind::OneF1B },
                chunks: l.chunks,
                stages: None,
            },
            ..Default::default()
        },
        pipeline: Default::default(),
    };
    opts.training.apply(&mut spec);
    compile_spec(spec, &opts, Instant::now()).unwrap()
}

/// A layout: mesh (dp, pp, tp), ZeRO stage, sequence parallelism, schedule and chunks,
/// micro-batch, recomputation.
fn layout(
    (dp, pp, tp): (usize, usize, usize),
    zero: u8,
    sp: bool,
    (schedule, chunks): (&'static str, usize),
    mb: usize,
    recompute: &'static str,
) -> Layout {
    Layout { dp, pp, tp, ep: 1, zero, sequence_parallel: sp, schedule, chunks, micro_batch: mb, recompute }
}

fn grid() -> Vec<Layout> {
    let mut out = Vec::new();
    for (dp, pp, tp) in [(4, 1, 1), (2, 1, 2), (1, 2, 2), (2, 2, 2), (1, 4, 1), (2, 1, 4)] {
        for zero in [0u8, 1, 2, 3] {
            if dp == 1 && zero > 0 {
                continue;
            }
            for recompute in ["none", "selective", "full"] {
                let sp = tp > 1 && zero == 1;
                let schedule = if pp > 1 { "1f1b" } else { "none" };
                out.push(layout((dp, pp, tp), zero, sp, (schedule, 1), 1, recompute));
            }
        }
    }
    out.push(layout((1, 2, 2), 0, true, ("interleaved", 2), 1, "selective"));
    out.push(layout((2, 2, 1), 2, false, ("1f1b", 1), 2, "none"));
    out.push(layout((1, 2, 1), 0, false, ("gpipe", 1), 1, "full"));
    out.push(layout((2, 2, 1), 1, false, ("zb-h1", 1), 1, "none"));
    out.push(layout((1, 4, 2), 0, true, ("zb-h1", 1), 1, "selective"));
    out.push(layout((1, 2, 1), 0, false, ("interleaved", 2), 2, "full"));
    out.push(layout((2, 2, 1), 3, false, ("interleaved", 2), 1, "none"));
    out
}

/// Every stage of every layout of the grid, both families: parameters, gradients and optimizer
/// state exactly, the stash and the peak within 1% (from the probes); the analytical screen
/// never above the compiled peak by the search's margin; the step time within 8% of the compiled
/// plan's prediction.
#[test]
fn estimates_against_compiled_plans() {
    let gpu = built_in("a100-80g").unwrap();
    let (mut worst_peak, mut worst_screen, mut worst_time, mut worst_zb) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for family in ["gpt", "llama"] {
        // More layers than the probes compile (up to 4 per stage), so that the estimate extends
        // its lines past them.
        let spec = model(family, 12);
        for l in grid() {
            let out = compiled(&spec, &l);
            let est = memory_of(&spec, &l).unwrap();
            let screen = screen_memory_of(&spec, &l).unwrap();
            let actual: Vec<_> = match &out.plan.pipeline {
                Some(p) => p.per_stage.iter().map(|s| s.memory.clone().unwrap()).collect(),
                None => vec![out.plan.programs.memory.clone().unwrap()],
            };
            assert_eq!(est.len(), actual.len(), "{family} {l}: stages");
            for ((e, a), sc) in est.iter().zip(&actual).zip(&screen) {
                let at = format!("{family} {l} stage {}", e.stage);
                assert_eq!(e.parameters, a.parameters, "{at}: parameters");
                assert_eq!(e.gradients, a.gradients, "{at}: gradients");
                assert_eq!(e.optimizer_state, a.optimizer_state, "{at}: optimizer state");
                let err = (e.stash as f64 - a.stash as f64).abs() / (a.stash as f64).max(1.0);
                assert!(err < 0.01, "{at}: stash {} against the compiled {}", e.stash, a.stash);
                worst_screen = worst_screen.max(sc.peak as f64 / a.peak as f64);
                let err = (e.peak as f64 / a.peak as f64 - 1.0).abs();
                eprintln!(
                    "{at}: peak {} against {} ({:+.2}%)",
                    e.peak,
                    a.peak,
                    100.0 * (e.peak as f64 / a.peak as f64 - 1.0)
                );
                worst_peak = worst_peak.max(err);
            }
            let predicted = predict_output(&out, &gpu).unwrap().step_time_s;
            let row = evaluate(&spec, &gpu, &l).unwrap().expect("the grid's layouts compile");
            let err = (row.step_time_s / predicted - 1.0).abs();
            // ZB-H1's probe is timed as 1F1B, without the copies into its gradient stash
            // (docs/planner.md): checked on its own.
            if l.schedule == "zb-h1" {
                worst_zb = worst_zb.max(err);
                continue;
            }
            eprintln!(
                "{family} {l}: step {:.4} s against {:.4} s ({:+.1}%)",
                row.step_time_s,
                predicted,
                100.0 * (row.step_time_s / predicted - 1.0)
            );
            worst_time = worst_time.max(err);
        }
    }
    eprintln!(
        "largest errors: peak {:.3}%, step time {:.1}%; the screen at most {:.3} times the compiled peak",
        100.0 * worst_peak,
        100.0 * worst_time,
        worst_screen
    );
    assert!(worst_peak < 0.01, "peak memory off by {:.2}%", 100.0 * worst_peak);
    assert!(worst_screen < SCREEN_MARGIN, "the screen is {worst_screen:.3} times a compiled peak");
    assert!(worst_time < 0.08, "step time off by {:.1}%", 100.0 * worst_time);
    eprintln!("ZB-H1 step time largest error {:.1}%", 100.0 * worst_zb);
    assert!(worst_zb < 0.10, "ZB-H1 step time off by {:.1}%", 100.0 * worst_zb);
}

/// The search is deterministic, its plans fit and come fastest first, and pins hold.
#[test]
fn search_ranks_fitting_plans_deterministically() {
    let gpu = built_in("a100-80g").unwrap();
    let spec = model("gpt", 8);
    let pins = Pins::default();
    let a = search(&spec, &gpu, 16, &pins, 20, |_, _| {}).unwrap();
    let b = search(&spec, &gpu, 16, &pins, 20, |_, _| {}).unwrap();
    assert!(a.fitting > 10, "{} plans fit", a.fitting);
    assert_eq!(a.plans, b.plans);
    for w in a.plans.windows(2) {
        assert!(w[0].step_time_s <= w[1].step_time_s);
    }
    for p in &a.plans {
        assert!(p.peak_memory_bytes <= gpu.usable_bytes());
        assert_eq!(p.dp * p.pp * p.tp, 16);
        assert!(p.tp <= 8, "tp stays inside a node: {}", p.mesh);
    }
    let pinned = Pins { tp: Some(2), recompute: Some(Recompute::Full), ..Pins::default() };
    let c = search(&spec, &gpu, 16, &pinned, 20, |_, _| {}).unwrap();
    assert!(c.fitting > 0 && c.plans.iter().all(|p| p.tp == 2 && p.recompute == "full"));
    // More GPUs than the batch allows data-parallel replicas of: every layout has dp | 32.
    let d = search(&spec, &gpu, 128, &pins, 20, |_, _| {}).unwrap();
    assert!(d.plans.iter().all(|p| 32 % p.dp == 0));
}

fn parc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_parc")).args(args).output().unwrap()
}

#[test]
fn plan_command_prints_a_table_and_json() {
    let out = parc(&["plan", "examples/gpt-tiny.toml", "--gpus", "4", "--gpu", "a100-80g", "--top", "3"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("layouts pass the compiler's checks") && err.contains("  1  dp="), "{err}");
    assert!(err.contains("parc compile examples/gpt-tiny.toml --gpu a100-80g --mesh"), "{err}");
    let out = parc(&["plan", "examples/gpt-tiny.toml", "--gpus", "4", "--gpu", "h100-sxm", "--json", "--top", "2"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plans = v["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 2);
    for key in [
        "mesh",
        "zero",
        "sequence_parallel",
        "schedule",
        "chunks",
        "micro_batch",
        "recompute",
        "step_time_s",
        "tflops_per_gpu",
        "mfu",
        "peak_memory_bytes",
        "breakdown",
    ] {
        assert!(plans[0].get(key).is_some(), "plan without {key}: {}", plans[0]);
    }
}

#[test]
fn plan_command_refuses_bad_input() {
    let cases: &[(&[&str], &str)] = &[
        (&["plan", "examples/gpt-tiny.toml", "--gpus", "4", "--gpu", "a100"], "a100"),
        (&["plan", "examples/gpt-tiny.toml", "--gpus", "0", "--gpu", "a100-80g"], "at least one GPU"),
        (
            &["plan", "examples/gpt-tiny.toml", "--gpus", "8", "--gpu", "a100-80g", "--tp", "3"],
            "does not divide --gpus 8",
        ),
        (
            &[
                "plan",
                "examples/gpt-tiny.toml",
                "--gpus",
                "8",
                "--gpu",
                "a100-80g",
                "--dp",
                "2",
                "--pp",
                "2",
                "--tp",
                "1",
            ],
            "make 4 GPUs",
        ),
        (
            &[
                "plan",
                "examples/gpt-tiny.toml",
                "--gpus",
                "8",
                "--gpu",
                "a100-80g",
                "--schedule",
                "1f1b",
                "--chunks",
                "2",
            ],
            "only the interleaved",
        ),
        (&["plan", "examples/gpt-tiny.toml", "--gpus", "7", "--gpu", "a100-80g", "--tp", "7"], "no layout"),
        (&["plan", "examples/llama2-7b.toml", "--gpus", "1", "--gpu", "a100-80g"], "does not fit on 1"),
        (&["plan", "no-such-model.toml", "--gpus", "8", "--gpu", "a100-80g"], "no-such-model.toml"),
    ];
    for (args, needle) in cases {
        let out = parc(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: wanted {needle:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // The model that does not fit says where it would.
    let out = parc(&["plan", "examples/llama2-7b.toml", "--gpus", "1", "--gpu", "a100-80g"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("it fits on"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Mixture-of-experts layouts: the probes' memory against the compiled plan on every stage
/// (expert weights split over ep, their ZeRO shards over edp, the dispatch buffers), for a model
/// with a MoE MLP in every layer and one with it in every second layer; the step time within 20%
/// of the compiled plan's prediction (these models are tiny: a step is milliseconds, and the
/// per-call latencies of the small collectives the planner does not itemize show).
#[test]
fn moe_estimates_against_compiled_plans() {
    let gpu = built_in("h100-sxm").unwrap();
    let mut worst_time = 0.0f64;
    for (file, layers) in [("examples/moe-tiny.toml", 6), ("examples/gpt-moe-tiny.toml", 8)] {
        let mut spec = parc_compiler::frontend::load_model(file).unwrap();
        spec.model.layers = layers;
        spec.training.global_batch = 16;
        let every = spec.model.moe.as_ref().unwrap().every;
        let mut grid = vec![
            Layout { ep: 2, ..layout((4, 1, 1), 1, false, ("none", 1), 2, "none") },
            Layout { ep: 4, ..layout((4, 1, 1), 3, false, ("none", 1), 1, "selective") },
            Layout { ep: 2, ..layout((2, 1, 2), 1, true, ("none", 1), 2, "full") },
            Layout { ep: 2, ..layout((2, 2, 1), 0, false, ("1f1b", 1), 2, "none") },
            Layout { ep: 2, ..layout((2, 2, 2), 2, true, ("zb-h1", 1), 1, "selective") },
            Layout { ep: 4, ..layout((4, 2, 1), 1, false, ("gpipe", 1), 1, "full") },
        ];
        if every == 1 {
            grid.push(Layout { ep: 2, ..layout((2, 3, 1), 1, false, ("1f1b", 1), 1, "none") });
            grid.push(Layout { ep: 2, ..layout((2, 2, 1), 0, false, ("interleaved", 2), 1, "selective") });
        } else {
            grid.push(Layout { ep: 2, ..layout((2, 2, 1), 0, false, ("interleaved", 2), 1, "none") });
        }
        for l in grid {
            let out = compiled(&spec, &l);
            let est = memory_of(&spec, &l).unwrap();
            let actual: Vec<_> = match &out.plan.pipeline {
                Some(p) => p.per_stage.iter().map(|s| s.memory.clone().unwrap()).collect(),
                None => vec![out.plan.programs.memory.clone().unwrap()],
            };
            assert_eq!(est.len(), actual.len(), "{file} {l}: stages");
            for (e, a) in est.iter().zip(&actual) {
                let at = format!("{file} {l} stage {}", e.stage);
                eprintln!("{at}: peak {} against {}", e.peak, a.peak);
                assert_eq!(e.parameters, a.parameters, "{at}: parameters");
                assert_eq!(e.gradients, a.gradients, "{at}: gradients");
                assert_eq!(e.optimizer_state, a.optimizer_state, "{at}: optimizer state");
                assert_eq!(e.stash, a.stash, "{at}: stash");
                let err = (e.peak as f64 / a.peak as f64 - 1.0).abs();
                assert!(err < 0.01, "{at}: peak {} against the compiled {}", e.peak, a.peak);
            }
            let predicted = predict_output(&out, &gpu).unwrap().step_time_s;
            let row = evaluate(&spec, &gpu, &l).unwrap().expect("the grid's layouts compile");
            eprintln!("{file} {l}: step {:.6} s against {:.6} s", row.step_time_s, predicted);
            worst_time = worst_time.max((row.step_time_s / predicted - 1.0).abs());
        }
    }
    eprintln!("largest step time error {:.1}%", 100.0 * worst_time);
    assert!(worst_time < 0.20, "step time off by {:.1}%", 100.0 * worst_time);
}
