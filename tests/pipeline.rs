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
    assert!(run.stderr.contains("units, bubble") && run.stderr.contains("compile with --gpu"), "{}", run.stderr);

    // Compiled for a GPU: the same schedule in predicted seconds, each event as long as the
    // prediction's per-micro-batch chunk time, and the makespan within the predicted step.
    run_parc(
        &["compile", &example("gpt-tiny"), "--mesh", "1x2x1", "--schedule", "zb-h1", "--gpu", "h100-sxm", "-o", "gpu"],
        &dir,
    )
    .assert_success();
    let run = run_parc(&["inspect", "gpu", "--timeline", "g.json"], &dir);
    run.assert_success();
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("gpu/plan.json")).unwrap()).unwrap();
    let chunk = &plan["prediction"]["chunk_s"];
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("g.json")).unwrap()).unwrap();
    let events: Vec<&Value> = trace["traceEvents"].as_array().unwrap().iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(events.len(), 2 * 4 * 3);
    for e in &events {
        let key = match e["cat"].as_str().unwrap() {
            "forward" => "forward_s",
            "backward_input" => "backward_input_s",
            _ => "backward_weight_s",
        };
        let expected_us = chunk[key].as_f64().unwrap() * 1e6;
        let dur = e["dur"].as_f64().unwrap();
        assert!((dur - expected_us).abs() <= 1e-3 + 1e-6 * expected_us, "{e} vs {key} = {expected_us} us");
    }
    let end = events.iter().map(|e| e["ts"].as_f64().unwrap() + e["dur"].as_f64().unwrap()).fold(0.0, f64::max);
    let step_us = plan["prediction"]["step_time_s"].as_f64().unwrap() * 1e6;
    assert!(end > 0.0 && end <= step_us, "makespan {end} us, step {step_us} us");
    assert!(run.stderr.contains("s, bubble") && run.stderr.contains("predicted on the h100-sxm"), "{}", run.stderr);
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
fn stage_programs_stash_as_many_micro_batches_as_the_schedule_keeps_in_flight() {
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
            let names: Vec<&str> = tensors
                .iter()
                .filter_map(|t| if let parc_dialects::Attr::Dict(d) = t { d.str("name") } else { None })
                .collect();
            // Slot K of chunk C holds `stash.cC.sK.I` for each saved value I; one slot per
            // micro-batch of that chunk in flight.
            let mut slots = 0;
            for c in 0..chunks {
                let prefix = format!("stash.c{c}.s");
                let mut ks: Vec<&str> =
                    names.iter().filter_map(|n| n.strip_prefix(prefix.as_str())?.split('.').next()).collect();
                ks.dedup();
                let first = names.iter().filter(|n| n.starts_with(&format!("stash.c{c}.s0."))).count();
                let last = names.iter().filter(|n| n.starts_with(&format!("stash.c{c}.s{}.", ks.len() - 1))).count();
                assert!(first > 0 && first == last, "{kind:?} stage {s} chunk {c}: {first} vs {last} saved values");
                slots += ks.len();
            }
            let in_flight = (p.per_stage[s].peak_in_flight * chunks as f64).round() as usize;
            if chunks == 1 {
                assert_eq!(slots, in_flight, "{kind:?} stage {s}");
            } else {
                // Each chunk keeps its own slots: at least the stage's in-flight total.
                assert!(slots >= in_flight && slots <= 2 * in_flight, "{kind:?} stage {s}: {slots} slots");
            }
        }
    }
}

/// Every `.mlir` file under `dir`, as paths relative to it with `/`, sorted.
fn mlir_files(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "mlir") {
                out.push(path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

/// Parses and verifies the dump `ir/name`, and returns its text.
fn dump(ir: &std::path::Path, name: &str) -> String {
    let text = std::fs::read_to_string(ir.join(name)).unwrap_or_else(|e| panic!("no dump {name}: {e}"));
    let module = parc_dialects::parser::parse_module(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
    parc_dialects::verifier::verify_module(&module).unwrap_or_else(|e| panic!("{name} does not verify: {e}"));
    text
}

#[test]
fn stage_programs_are_dumped_pass_by_pass() {
    // gpt-tiny has 2 layers: stage 0 holds the embedding and layer 0, stage 1 layer 1 and the head.
    let dir = fresh_dir("pipeline", "stage_dumps");
    let model = example("gpt-tiny");
    run_parc(&["compile", &model, "--mesh", "2x2x2", "--schedule", "1f1b", "-o", "out"], &dir).assert_success();
    let ir = dir.join("out/ir");
    let steps = [
        "input",
        "cse",
        "dce",
        "autodiff",
        "cse-backward",
        "dce-backward",
        "recompute",
        "shard",
        "partition",
        "optimizer",
        "lower-exec",
        "memory-plan",
    ];
    let files = mlir_files(&ir);
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/plan.json")).expect("plan.json")).expect("JSON");
    let listed: Vec<&str> = plan["ir"].as_array().expect("ir list").iter().filter_map(Value::as_str).collect();
    for s in 0..2 {
        for (i, step) in steps.iter().enumerate() {
            let name = format!("stage-{s}/{i:02}-{step}.mlir");
            assert!(files.contains(&name), "no {name} in {files:?}");
            assert!(listed.contains(&format!("ir/{name}").as_str()), "plan.json does not list {name}");
            let text = dump(&ir, &name);
            assert!(text.starts_with("module"), "{name}");
        }
    }
    // The last stage's input has only its layer and the head; its partition has the collectives.
    let input = dump(&ir, "stage-1/00-input.mlir");
    assert!(input.contains("\"layers.1.attn.q.weight\"") && input.contains("\"final_norm.weight\""));
    assert!(!input.contains("\"layers.0."), "stage 1's input holds layer 0:\n{input}");
    assert!(!input.contains("\"dist."), "the input is not partitioned yet");
    let shard = dump(&ir, "stage-1/07-shard.mlir");
    assert!(shard.contains("sharding.placement"), "the shard pass places the values");
    let partition = dump(&ir, "stage-1/08-partition.mlir");
    assert!(partition.contains("\"dist.all_reduce\""), "stage 1's partition has no tp all-reduce");
    assert!(!partition.contains("\"layers.0."));
    // Stage 0 holds the embedding and layer 0, not the head.
    let input0 = dump(&ir, "stage-0/00-input.mlir");
    assert!(input0.contains("\"layers.0.attn.q.weight\"") && !input0.contains("\"layers.1."));
    assert!(!input0.contains("\"final_norm.weight\""));
    // The assembly: the stage's optimizer step over its parts, then its program.
    let optimizer = dump(&ir, "stage-1/09-optimizer.mlir");
    assert!(optimizer.contains("func.func @forward_backward_c0(") && optimizer.contains("func.func @optimizer_step("));
    let lowered = dump(&ir, "stage-1/10-lower-exec.mlir");
    assert!(lowered.contains("\"exec.send\"") || lowered.contains("\"exec.recv\""), "no send or receive");
    assert!(lowered.contains("func.func @forward_c0(") && lowered.contains("func.func @backward_c0("));
    for s in 0..2 {
        let program = std::fs::read_to_string(dir.join(format!("out/stage-{s}.mlir"))).expect("stage program");
        assert_eq!(dump(&ir, &format!("stage-{s}/11-memory-plan.mlir")), program, "stage {s}");
    }

    // --print-ir-after names a stage pass: each stage's dump is printed, its header says which.
    let run = run_parc(
        &["compile", &model, "--mesh", "2x2x2", "-o", "out2", "--print-ir-after", "partition,memory-plan"],
        &dir,
    );
    run.assert_success();
    assert_eq!(run.stdout.matches("IR Dump After").count(), 4, "{}", run.stdout);
    for s in 0..2 {
        for name in [format!("stage-{s}/08-partition.mlir"), format!("stage-{s}/11-memory-plan.mlir")] {
            let at = run.stdout.find(&format!("({name})")).unwrap_or_else(|| panic!("{name} is not printed"));
            let body = at + run.stdout[at..].find('\n').expect("a header line") + 1;
            assert!(run.stdout[body..].starts_with(&dump(&dir.join("out2/ir"), &name)), "{name}");
        }
    }
    // Recompiling without stages removes the stage dumps.
    run_parc(&["compile", &model, "--mesh", "1x1x2", "-o", "out"], &dir).assert_success();
    assert!(mlir_files(&ir).iter().all(|f| !f.starts_with("stage-")), "{:?}", mlir_files(&ir));
    assert!(!ir.join("stage-0").exists());
}

#[test]
fn interleaved_stages_are_dumped_per_chunk() {
    // gpt-deep: 8 layers on 2 stages of 2 chunks; chunk c of stage s holds part c·2 + s.
    let dir = fresh_dir("pipeline", "chunk_dumps");
    let args = ["compile", &example("gpt-deep"), "--mesh", "1x2x1", "--schedule", "interleaved", "--chunks", "2"];
    let mut all = args.to_vec();
    all.extend(["-o", "out", "--print-ir-after", "autodiff"]);
    let run = run_parc(&all, &dir);
    run.assert_success();
    let ir = dir.join("out/ir");
    let files = mlir_files(&ir);
    // No dp or tp: no shard or partition; the stage's steps are numbered on after the chunks'.
    let chunk_steps = ["input", "cse", "dce", "autodiff", "cse-backward", "dce-backward", "recompute"];
    for s in 0..2 {
        for c in 0..2 {
            for (i, step) in chunk_steps.iter().enumerate() {
                let name = format!("stage-{s}/chunk-{c}/{i:02}-{step}.mlir");
                assert!(files.contains(&name), "no {name} in {files:?}");
                dump(&ir, &name);
            }
            let header = format!("(stage-{s}/chunk-{c}/03-autodiff.mlir)");
            assert!(run.stdout.contains(&header), "no {header}:\n{}", &run.stdout[..run.stdout.len().min(2000)]);
        }
        for (i, step) in ["optimizer", "lower-exec", "memory-plan"].iter().enumerate() {
            dump(&ir, &format!("stage-{s}/{:02}-{step}.mlir", i + chunk_steps.len()));
        }
        let optimizer = dump(&ir, &format!("stage-{s}/07-optimizer.mlir"));
        assert!(optimizer.contains("@forward_backward_c0(") && optimizer.contains("@forward_backward_c1("));
    }
    // Stage 1's second chunk is the model's last part (layers 6 and 7 and the head).
    let last = dump(&ir, "stage-1/chunk-1/00-input.mlir");
    assert!(last.contains("\"layers.6.") && last.contains("\"layers.7.") && !last.contains("\"layers.5."));
    // The four chunks' autodiff, and the whole step's (OUT/ir/03-autodiff.mlir).
    assert_eq!(run.stdout.matches("IR Dump After").count(), 5, "{}", run.stdout);
    assert!(run.stdout.contains("(03-autodiff.mlir)"));
}

#[test]
fn activation_bytes_per_layer_is_the_static_plans_increment_per_layer() {
    // The figure read from the stage programs equals what one more layer adds to the static
    // memory plan's activations (one stage, one micro-batch, the same tp), from 2 to 3 layers.
    for (model, mesh, tp) in
        [("gpt-tiny", "1x2x2", "1x1x2"), ("llama-tiny", "2x2x2", "1x1x2"), ("gpt-tiny", "1x2x1", "1x1x1")]
    {
        let spec = parc_compiler::load_model(&example(model)).expect("model");
        let opts = |m: &str| CompileOptions {
            training: TrainingOverrides::default(),
            mesh: Mesh::parse(m).expect("mesh"),
            pipeline: PipelineOptions::default(),
        };
        let staged = compile_spec(spec.clone(), &opts(mesh), Instant::now()).expect("compiles");
        let per_layer = staged.plan.pipeline.expect("pipeline").activation_bytes_per_layer;
        let activations = |layers: usize| {
            let mut s = spec.clone();
            s.model.layers = layers;
            s.training.global_batch = s.training.micro_batch;
            let out = compile_spec(s, &opts(tp), Instant::now()).expect("compiles");
            out.plan.programs.memory.expect("a program").activations
        };
        assert!(per_layer > 0, "{model} {mesh}");
        assert_eq!(per_layer, activations(3) - activations(2), "{model} {mesh}");
    }
}
