//! Pipeline planning through the CLI: the stage split, the schedule's bubble and in-flight
//! micro-batches in plan.json, activation memory per stage, the timeline, and bad schedules. The
//! expected figures are the textbook formulas, computed here.

mod common;

use std::time::Instant;

use common::{fresh_dir, run_parc};
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::Mesh;
use parc_dialects::pass::PipelineOptions;
use serde_json::Value;

fn example(name: &str) -> String {
    format!("{}/examples/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

fn pipeline_of(model: &str, mesh: &str, extra: &[&str]) -> Value {
    let dir = fresh_dir("pipeline", &format!("{}-{}-{}", model.replace('/', "_"), mesh, extra.join("_")));
    let mut args = vec!["compile", model, "--mesh", mesh, "-o", "out", "--json"];
    args.extend(extra);
    let run = run_parc(&args, &dir);
    run.assert_success();
    let plan: Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    plan["pipeline"].clone()
}

#[test]
fn one_f_one_b_first_stage_holds_p_microbatches() {
    // GPT-3 175B on 8x4x2: p = 4, m = 1536 / (1 · 8) = 192.
    let p = pipeline_of(&example("gpt3-175b"), "8x4x2", &[]);
    assert_eq!(p["schedule"], "1f1b");
    let (stages, m) = (4.0, 192.0);
    assert_eq!(p["microbatches"], 192);
    let bubble = p["bubble_fraction"].as_f64().expect("bubble");
    assert!((bubble - (stages - 1.0) / m).abs() < 1e-12, "bubble {bubble}");
    let per_layer = p["activation_bytes_per_layer"].as_u64().expect("bytes") as f64;
    assert!(per_layer > 0.0);
    let stages_list = p["per_stage"].as_array().expect("stages");
    let mut layers_seen = 0;
    for (s, st) in stages_list.iter().enumerate() {
        let layers: u64 = st["layers"]
            .as_array()
            .expect("ranges")
            .iter()
            .map(|r| r[1].as_u64().unwrap() - r[0].as_u64().unwrap())
            .sum();
        layers_seen += layers;
        // Stage s holds min(p − s, m) micro-batches.
        assert_eq!(st["peak_in_flight"].as_f64(), Some(stages - s as f64), "stage {s}");
        let bytes = st["activation_bytes"].as_u64().expect("bytes") as f64;
        assert!((bytes - (stages - s as f64) * layers as f64 * per_layer).abs() < 1.0, "stage {s}");
    }
    assert_eq!(layers_seen, 96, "every layer is on a stage");
    // The first stage holds p micro-batches of L/p layers: L layers' activations in total.
    let first = stages_list[0]["activation_bytes"].as_u64().expect("bytes") as f64;
    assert!((first - 96.0 * per_layer).abs() < 1.0);
    assert_eq!(stages_list[0]["embedding"], true);
    assert_eq!(stages_list[3]["head"], true);
}

#[test]
fn every_schedule_has_its_textbook_bubble() {
    let model = example("gpt3-175b");
    let (p, m) = (4.0, 192.0);
    for (schedule, chunks, formula) in [
        ("gpipe", 1.0, (p - 1.0) / m),
        ("1f1b", 1.0, (p - 1.0) / m),
        ("interleaved", 2.0, (p - 1.0) / (2.0 * m)),
        ("interleaved", 4.0, (p - 1.0) / (4.0 * m)),
        // (p−1)(F + B − W) / (m (F + B + W)) with F = B = W = 1.
        ("zb-h1", 1.0, (p - 1.0) / (3.0 * m)),
    ] {
        let c = format!("{chunks}");
        let pl = pipeline_of(&model, "8x4x2", &["--schedule", schedule, "--chunks", &c]);
        let b = pl["bubble_fraction"].as_f64().expect("bubble");
        assert!((b - formula).abs() < 1e-12, "{schedule} v={chunks}: {b} vs {formula}");
        assert_eq!(pl["bubble_formula"].as_f64(), Some(formula));
    }
}

#[test]
fn thirty_layers_on_four_stages_split_eight_eight_seven_seven() {
    let mut spec = parc_compiler::load_model(&example("gpt-tiny")).expect("model");
    spec.model.layers = 30;
    let opts = CompileOptions {
        training: TrainingOverrides::default(),
        mesh: Mesh::parse("1x4x1").expect("mesh"),
        pipeline: PipelineOptions::default(),
    };
    let plan = compile_spec(spec.clone(), &opts, Instant::now()).expect("compiles").plan;
    let p = plan.pipeline.expect("a pipeline section");
    let sizes: Vec<usize> = p.per_stage.iter().map(|s| s.layers.iter().map(|r| r[1] - r[0]).sum()).collect();
    assert_eq!(sizes, [8, 8, 7, 7]);
    // A user's split is kept.
    let mut fixed = opts.clone();
    fixed.training.schedule = ScheduleOptions { kind: ScheduleKind::GPipe, chunks: 1, stages: Some(vec![7, 7, 8, 8]) };
    let p = compile_spec(spec, &fixed, Instant::now()).expect("compiles").plan.pipeline.expect("pipeline");
    let ranges: Vec<[usize; 2]> = p.per_stage.iter().map(|s| s.layers[0]).collect();
    assert_eq!(ranges, [[0, 7], [7, 14], [14, 22], [22, 30]]);
    // GPipe holds every micro-batch on every stage.
    assert!(p.per_stage.iter().all(|s| s.peak_in_flight == p.microbatches as f64));
}

#[test]
fn the_timeline_is_a_chrome_trace_with_every_action() {
    let dir = fresh_dir("pipeline", "timeline");
    run_parc(&["compile", &example("gpt-tiny"), "--mesh", "1x2x1", "--schedule", "zb-h1", "-o", "out"], &dir)
        .assert_success();
    let run = run_parc(&["inspect", "out", "--timeline", "t.json"], &dir);
    run.assert_success();
    let trace: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("t.json")).expect("t.json")).expect("JSON");
    let events: Vec<&Value> =
        trace["traceEvents"].as_array().expect("events").iter().filter(|e| e["ph"] == "X").collect();
    // gpt-tiny: m = 8 / 2 = 4 micro-batches; ZB-H1 runs F, B and W of each on each of 2 stages.
    assert_eq!(events.len(), 2 * 4 * 3);
    let svg = std::fs::read_to_string(dir.join("t.svg")).expect("t.svg");
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..40.min(svg.len())]);
}

/// Runs a compile that must fail with exit code 2 and say `expect`.
fn bad(case: &str, args: &[&str], expect: &[&str]) {
    let dir = fresh_dir("pipeline", case);
    let mut all = vec!["compile", "MODEL", "-o", "out"];
    all.extend(args);
    let model = example("gpt-tiny");
    let all: Vec<&str> = all.into_iter().map(|a| if a == "MODEL" { model.as_str() } else { a }).collect();
    let run = run_parc(&all, &dir);
    assert_eq!(run.code, Some(2), "{case}: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{case}: {}", run.stderr);
    for e in expect {
        assert!(run.stderr.contains(e), "{case}: stderr lacks `{e}`:\n{}", run.stderr);
    }
}

#[test]
fn bad_schedules_are_user_errors() {
    bad("unknown", &["--mesh", "1x2x1", "--schedule", "pipedream"], &["pipedream", "gpipe, 1f1b, interleaved, zb-h1"]);
    bad("chunks_without_interleaved", &["--mesh", "1x2x1", "--chunks", "2"], &["--chunks 2", "--schedule interleaved"]);
    bad(
        "too_few_layers",
        &["--mesh", "1x2x1", "--schedule", "interleaved", "--chunks", "2"],
        &["2 layers", "4 pipeline parts"],
    );
    bad("stages_sum", &["--mesh", "1x2x1", "--stages", "1,2"], &["sum to 3", "2 layers"]);
    bad("stages_count", &["--mesh", "1x2x1", "--stages", "2"], &["2 stages"]);
}

#[test]
fn stage_programs_stash_as_many_inputs_as_the_schedule_keeps_in_flight() {
    let mut spec = parc_compiler::load_model(&example("gpt-tiny")).expect("model");
    spec.model.layers = 8;
    spec.training.global_batch = 16; // m = 8 micro-batches
    for (kind, chunks) in [(ScheduleKind::OneF1B, 1), (ScheduleKind::GPipe, 1), (ScheduleKind::Interleaved, 2)] {
        let mut opts = CompileOptions {
            training: TrainingOverrides::default(),
            mesh: Mesh::parse("1x4x1").expect("mesh"),
            pipeline: PipelineOptions::default(),
        };
        opts.training.schedule = ScheduleOptions { kind, chunks, stages: None };
        let out = compile_spec(spec.clone(), &opts, Instant::now()).expect("compiles");
        let p = out.plan.pipeline.expect("pipeline");
        for (s, module) in out.stages.iter().enumerate() {
            let Some(parc_dialects::Attr::Array(tensors)) = module.attrs.get("exec.tensors") else {
                panic!("no table")
            };
            let stash = tensors
                .iter()
                .filter(|t| matches!(t, parc_dialects::Attr::Dict(d) if d.str("name").is_some_and(|n| n.starts_with("stash."))))
                .count();
            // As many slots as (micro-batch, chunk) pairs in flight; stage 0's first chunk reloads
            // its tokens instead of stashing them.
            let in_flight = (p.per_stage[s].peak_in_flight * chunks as f64).round() as usize;
            if s == 0 && chunks == 1 {
                assert_eq!(stash, 0, "{kind:?} stage 0");
            } else if s > 0 {
                assert_eq!(stash, in_flight, "{kind:?} stage {s}");
                // plan.json's exact memory: one [micro_batch, seq, hidden] f32 input per slot.
                let slot_bytes = (spec.training.micro_batch * spec.model.seq_len * spec.model.hidden * 4) as u64;
                let memory = p.per_stage[s].memory.as_ref().expect("stage memory");
                assert_eq!(memory.stash, in_flight as u64 * slot_bytes, "{kind:?} stage {s}");
            } else {
                assert!(stash < in_flight, "{kind:?} stage 0: {stash} slots, {in_flight} in flight");
            }
        }
    }
}
