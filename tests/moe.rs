//! Mixture-of-experts models end to end (docs/moe.md): partitioned training over dp and ep (with
//! ZeRO) equals one device within 1e-5, dropless and with a capacity factor that drops pairs; `parc
//! verify` and `parc launch` on examples/moe-tiny.toml; the parameter counts of Mixtral 8x7B in
//! plan.json.

mod common;

use std::time::Instant;

use common::{example, fresh_dir, read, run_parc};
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::models::{build_forward, build_forward_rows};
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::exec::ExecOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::pass::PipelineOptions;
use parc_dialects::{OpKind, Type};
use parc_runtime::program::Program;
use parc_runtime::verify::{compare, run, Run};
use serde_json::Value;

const STEPS: u64 = 10;
const TOLERANCE: f64 = 1e-5;

/// moe-tiny with a capacity factor of 0.5: a micro-batch of 2 × 32 tokens on one rank sends 128
/// (token, choice) pairs to 4 experts of ceil(0.5 · 64 · 2 / 4) = 16 slots each, so at least 64
/// pairs are dropped in every MoE layer of every micro-batch.
fn dropping_spec() -> ModelSpec {
    let text =
        read(&example("moe-tiny")).replace("aux_loss_coef = 0.01", "aux_loss_coef = 0.01\ncapacity_factor = 0.5");
    parc_compiler::parse_model("moe-drop.toml", &text).expect("valid model")
}

fn spec(name: &str) -> ModelSpec {
    parc_compiler::load_model(&example(name).display().to_string()).expect("the example is valid")
}

/// The rank program of `spec` on `mesh` with ZeRO stage `zero` (the first stage's with pp > 1),
/// and the compiled module; [`compile_all`] reads `mesh`.
fn compile(spec: ModelSpec, mesh: &str, zero: u8) -> (Program, parc_dialects::Module) {
    let (mut programs, module) = compile_all(spec, mesh, zero);
    (programs.remove(0), module)
}

/// Every stage's rank program of `spec` on `mesh` with ZeRO stage `zero` (one program without
/// pp), and the compiled module. A mesh ending in `+sp` turns on sequence parallelism, one ending
/// in `@SCHEDULE` names the pipeline schedule (interleaved with 2 chunks per stage).
fn compile_all(mut spec: ModelSpec, mesh: &str, zero: u8) -> (Vec<Program>, parc_dialects::Module) {
    let (mesh, schedule) = match mesh.split_once('@') {
        Some((m, s)) => (m, ScheduleKind::parse(s).expect("a schedule")),
        None => (mesh, ScheduleKind::OneF1B),
    };
    let (mesh, sp) = match mesh.strip_suffix("+sp") {
        Some(m) => (m, true),
        None => (mesh, false),
    };
    let chunks = if schedule == ScheduleKind::Interleaved { 2 } else { 1 };
    let training = TrainingOverrides {
        zero: Some(zero),
        sequence_parallel: sp,
        schedule: ScheduleOptions { kind: schedule, chunks, stages: None },
        ..Default::default()
    };
    training.apply(&mut spec);
    let opts = CompileOptions {
        training,
        mesh: Mesh::parse(mesh).expect("a valid mesh"),
        pipeline: PipelineOptions { verify_each: true, ..Default::default() },
    };
    let out = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{mesh}: {e}"));
    let programs = if out.stages.is_empty() {
        vec![Program::load(&out.module).expect("the program loads")]
    } else {
        out.stages.iter().map(|m| Program::load(m).expect("a stage program loads")).collect()
    };
    (programs, out.module)
}

/// Every mesh of dp ∈ {2, 4} × ZeRO 0–3 trains like one device.
fn check_data_parallel(name: &str, spec: impl Fn() -> ModelSpec) {
    check_meshes(name, spec, &["dp=2", "dp=4"]);
}

/// Expert parallelism: dp ∈ {2, 4} × ep ∈ {2, 4} (ep dividing dp) × ZeRO 0–3 trains like one
/// device: the experts split over ep, tokens moved by all_to_all, expert gradients reduced over edp.
fn check_expert_parallel(name: &str, spec: impl Fn() -> ModelSpec) {
    check_meshes(name, spec, &["dp=2,ep=2", "dp=4,ep=2", "dp=4,ep=4"]);
}

/// Pipeline stages holding MoE layers (their load-balancing loss added to the stage's loss),
/// with 1F1B, ZB-H1 and GPipe (and interleaved, with 4 layers or more), composed with dp, ep and
/// tp, × ZeRO 0–3.
fn check_pipeline(name: &str, spec: impl Fn() -> ModelSpec) {
    let mut meshes = vec!["pp=2@1f1b", "dp=2,pp=2,ep=2@1f1b", "dp=2,pp=2,ep=2@zb-h1", "dp=2,pp=2,tp=2,ep=2+sp@gpipe"];
    if spec().model.layers >= 4 {
        meshes.push("dp=2,pp=2,tp=2,ep=2+sp@interleaved");
    }
    check_meshes(name, spec, &meshes);
}

/// Tensor parallelism of the experts (Megatron's column/row split inside each expert), alone, with
/// sequence parallelism, and with dp and ep, × ZeRO 0–3.
fn check_tensor_parallel(name: &str, spec: impl Fn() -> ModelSpec) {
    check_meshes(name, spec, &["tp=2", "dp=2,tp=2+sp", "dp=2,tp=2,ep=2", "dp=2,tp=2,ep=2+sp"]);
}

fn check_meshes(name: &str, spec: impl Fn() -> ModelSpec, meshes: &[&str]) {
    let (single, _) = compile(spec(), "1x1x1", 0);
    let want: Run = run(&[single], None, STEPS).expect("single-device run");
    let mut failures = Vec::new();
    for mesh in meshes {
        for zero in 0..=3 {
            let (parted, _) = compile_all(spec(), mesh, zero);
            let got = run(&parted, None, STEPS).unwrap_or_else(|e| panic!("{name} {mesh} zero={zero}: {e}"));
            let c = compare(&got, &want).expect("comparable runs");
            if !c.within(TOLERANCE) {
                failures.push(format!("{mesh} zero={zero}: loss {:.1e}, params {:.1e}", c.worst_loss(), c.params));
            }
        }
    }
    assert!(failures.is_empty(), "{name}: meshes that differ from one device:\n{}", failures.join("\n"));
}

#[test]
fn moe_tiny_dropless_data_parallel_equals_one_device() {
    check_data_parallel("moe-tiny", || spec("moe-tiny"));
}

#[test]
fn moe_with_dropped_tokens_data_parallel_equals_one_device() {
    check_data_parallel("moe-drop", dropping_spec);
}

/// gpt-moe-tiny with one slot per expert (capacity_factor 0.01: ceil(0.01 · 64 · 2 / 8) = 1), so
/// each expert's buffer is one row and its bias `[E, 1, F]` has the shape of the GEMM output: its
/// gradient is the output's cotangent itself, reshaped (a lowering corner the dense models never
/// reach).
fn one_slot_spec() -> ModelSpec {
    let text = read(&example("gpt-moe-tiny")).replace("capacity_factor = 1.0", "capacity_factor = 0.01");
    parc_compiler::parse_model("moe-one-slot.toml", &text).expect("valid model")
}

#[test]
fn one_slot_per_expert_data_parallel_equals_one_device() {
    assert_eq!(one_slot_spec().model.moe.as_ref().map(|m| m.capacity(64)), Some(1));
    check_data_parallel("moe-one-slot", one_slot_spec);
}

#[test]
fn gpt_moe_tiny_data_parallel_equals_one_device() {
    check_data_parallel("gpt-moe-tiny", || spec("gpt-moe-tiny"));
}

#[test]
fn moe_tiny_dropless_expert_parallel_equals_one_device() {
    check_expert_parallel("moe-tiny", || spec("moe-tiny"));
}

#[test]
fn moe_with_dropped_tokens_expert_parallel_equals_one_device() {
    check_expert_parallel("moe-drop", dropping_spec);
}

#[test]
fn moe_tiny_tensor_parallel_equals_one_device() {
    check_tensor_parallel("moe-tiny", || spec("moe-tiny"));
    check_tensor_parallel("moe-drop", dropping_spec);
}

#[test]
fn moe_tiny_pipeline_parallel_equals_one_device() {
    check_pipeline("moe-tiny", || spec("moe-tiny"));
    check_pipeline("moe-drop", dropping_spec);
}

#[test]
fn gpt_moe_tiny_pipeline_parallel_equals_one_device() {
    check_pipeline("gpt-moe-tiny", || spec("gpt-moe-tiny"));
}

#[test]
fn gpt_moe_tiny_tensor_parallel_equals_one_device() {
    check_tensor_parallel("gpt-moe-tiny", || spec("gpt-moe-tiny"));
}

#[test]
fn gpt_moe_tiny_expert_parallel_equals_one_device() {
    check_expert_parallel("gpt-moe-tiny", || spec("gpt-moe-tiny"));
    check_expert_parallel("moe-one-slot", one_slot_spec);
}

/// The all_to_all traffic of an expert-parallel plan against a count from the model's numbers
/// alone: per MoE layer and micro-batch, dispatch and combine in the forward and again in the
/// backward, each moving a rank's `tokens · top_k · hidden` elements (capacity factor 1.0 with
/// tokens · top_k divisible by the experts: exactly one slot per pair), of which (ep − 1)/ep
/// leave the rank. Each rank holds experts / ep of every expert weight.
#[test]
fn all_to_all_bytes_equal_an_independent_count() {
    let s = spec("gpt-moe-tiny");
    let (m, t) = (&s.model, &s.training);
    let moe = m.moe.clone().expect("a MoE model");
    for (dp, ep) in [(2usize, 2usize), (4, 2), (4, 4)] {
        let mesh = format!("dp={dp},ep={ep}");
        let (program, module) = compile(spec("gpt-moe-tiny"), &mesh, 1);
        let tokens = t.micro_batch * m.seq_len;
        assert_eq!(tokens * moe.top_k % moe.experts, 0, "the count assumes whole slots");
        let micro_batches = t.global_batch / (t.micro_batch * dp);
        let moe_layers = (0..m.layers).filter(|&l| moe.is_moe_layer(l)).count();
        let per_call = tokens * moe.top_k * m.hidden * 4;
        let calls = moe_layers * micro_batches * 4;
        let want_sent = (calls * per_call * (ep - 1) / ep) as u64;
        let comm = parc_compiler::plan::communication(&module);
        let a2a: Vec<_> = comm.iter().filter(|c| c.collective == "all_to_all").collect();
        assert_eq!(a2a.len(), 1, "{mesh}: {comm:?}");
        assert_eq!((a2a[0].axis.as_str(), a2a[0].group_size), ("ep", ep), "{mesh}");
        assert_eq!(a2a[0].calls, calls as u64, "{mesh}");
        assert_eq!(a2a[0].bytes_sent, want_sent, "{mesh}");
        // Expert weights: experts / ep of them on every rank; dense weights whole.
        let up = program.tensor("layers.1.moe.experts.up.weight").expect("an expert weight");
        assert_eq!(up.buf.shape, vec![moe.experts / ep, m.hidden, moe.expert_ffn], "{mesh}");
        let q = program.tensor("layers.1.attn.q.weight").expect("a dense weight");
        assert_eq!(q.buf.shape, vec![m.hidden, m.hidden], "{mesh}");
        // Expert gradients are reduced over edp (dp / ep ranks) when it has more than one rank,
        // dense ones over all of dp.
        let edp = comm.iter().any(|c| c.axis == "edp");
        assert_eq!(edp, dp / ep > 1, "{mesh}: {comm:?}");
        assert!(comm.iter().any(|c| c.axis == "dp" && c.group_size == dp), "{mesh}: {comm:?}");
    }
}

/// The scatter ops of a function, graph or exec: (experts, capacity, groups, tokens, k).
fn scatters(f: &parc_dialects::Function) -> Vec<(usize, usize, usize, usize, usize)> {
    f.walk_ops()
        .into_iter()
        .filter(|&op| matches!(f.ops[op].kind, OpKind::Graph(GraphOp::MoeScatter) | OpKind::Exec(ExecOp::MoeScatter)))
        .map(|op| {
            let data = &f.ops[op];
            let x = match f.value_type(data.operands[0]) {
                Type::Tensor(t) | Type::MemRef(t) => t,
            };
            let int = |name: &str| data.attrs.int(name).expect("attribute") as usize;
            (int("experts"), int("capacity"), int("groups"), x.shape[0], x.shape[1])
        })
        .collect()
}

/// Capacity is per micro-batch on one rank, so a dp rank's buffers are the single device's: the
/// same capacity, one group per rank. With capacity_factor = 0.5 the slots cannot hold every pair.
#[test]
fn capacity_is_per_micro_batch_of_one_rank_and_really_drops() {
    let one = build_forward(&dropping_spec()).expect("builds");
    let single = scatters(&one.functions[0]);
    assert_eq!(single.len(), 2, "one scatter per MoE layer");
    for &(experts, capacity, groups, tokens, k) in &single {
        assert_eq!((experts, capacity, groups, tokens, k), (4, 16, 1, 64, 2));
        // Pigeonhole: fewer slots than pairs in every group.
        assert!(experts * capacity < tokens / groups * k, "some pairs must be dropped");
    }
    // The graph partitioned over dp = 2 holds both ranks' micro-batches (two groups); each rank's
    // program holds its own, with the single device's capacity.
    let global = build_forward_rows(&dropping_spec(), 4).expect("builds");
    let global = scatters(&global.functions[0]);
    assert!(global.iter().all(|s| *s == (4, 16, 2, 128, 2)), "{global:?}");
    let (_, two) = compile(dropping_spec(), "dp=2", 0);
    let local: Vec<_> = two.functions.iter().flat_map(scatters).collect();
    // Forward, and the backward of each gather.
    assert_eq!(local.len(), 4, "{local:?}");
    assert!(local.iter().all(|s| *s == (4, 16, 1, 64, 2)), "{local:?}");
}

#[test]
fn verify_and_launch_moe_tiny_from_the_command_line() {
    let dir = fresh_dir("moe", "cli");
    let model = example("moe-tiny").display().to_string();
    for mesh in ["dp=2", "dp=4", "dp=4,ep=2", "dp=4,ep=4", "dp=2,pp=2,ep=2"] {
        let run = run_parc(&["verify", &model, "--mesh", mesh, "--steps", "10"], &dir);
        run.assert_success();
        // The report goes to stderr, like every human-readable message.
        assert!(
            run.stderr.contains("ok: the partitioned plan matches single-device training within 1e-5"),
            "{mesh}: {}",
            run.stderr
        );
    }
    let run = run_parc(&["launch", &model, "--steps", "200", "--json"], &dir);
    run.assert_success();
    let losses: Vec<f64> = run
        .stdout
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            v["loss"].as_f64().expect("a loss")
        })
        .collect();
    assert_eq!(losses.len(), 200);
    let first = losses[0];
    // A fresh model guesses uniformly over 128 tokens; the load-balancing loss adds about
    // 0.01 · (number of MoE layers) · top_k at balance.
    assert!((first - (128f64).ln()).abs() < 0.3, "first loss {first}");
    let last = losses[195..].iter().sum::<f64>() / 5.0;
    assert!(last < first - 1.0, "the loss did not fall: {first} -> {last}");
}

#[test]
fn mixtral_8x7b_parameter_counts() {
    let dir = fresh_dir("moe", "mixtral");
    let model = example("mixtral-8x7b").display().to_string();
    run_parc(&["compile", &model, "-o", "out"], &dir).assert_success();
    let plan: Value = serde_json::from_str(&read(&dir.join("out/plan.json"))).expect("plan.json is JSON");
    let p = &plan["parameters"];
    assert_eq!(p["count"].as_u64(), Some(46_702_792_704));
    assert_eq!(p["active_per_token"].as_u64(), Some(12_879_925_248));
    // 32 layers of 8 experts of three 4096 × 14336 matrices, and a 4096 × 8 router each.
    assert_eq!(p["by_part"]["experts"].as_u64(), Some(32 * 8 * 3 * 4096 * 14336));
    assert_eq!(p["by_part"]["router"].as_u64(), Some(32 * 4096 * 8));
    let moe = &plan["model"]["moe"];
    assert_eq!(moe["experts"].as_u64(), Some(8));
    assert_eq!(moe["top_k"].as_u64(), Some(2));
    assert_eq!(moe["moe_layers"].as_array().map(|a| a.len()), Some(32));
    // Dropless: every expert is planned for every token of a micro-batch.
    assert_eq!(moe["capacity"].as_u64(), Some(4096));
    assert!(moe["capacity_factor"].is_null());
}

/// A MoE plan that does not fit a GPU is refused with settings that exist for MoE models.
#[test]
fn a_moe_plan_too_large_for_the_gpu_names_moe_settings() {
    let dir = fresh_dir("moe", "gpu");
    let model = example("mixtral-8x7b").display().to_string();
    let run = run_parc(&["compile", &model, "--mesh", "dp=8", "--gpu", "h200", "-o", "out"], &dir);
    run.assert_refused(&["the plan does not fit the h200", "a capacity_factor in [model.moe]", "more ep, tp or pp"]);
}

/// `parc launch --json` reports the step's (token, choice) pairs over the global batch and the MoE
/// layers, and those dropped: the routed count is global batch × seq_len × top_k × MoE layers;
/// dropless drops none; with capacity_factor 0.5 every group has fewer slots than pairs, so at
/// least pairs − experts · capacity per group and layer are dropped; every dp and ep layout, and
/// full recomputation (which runs the dispatch twice), report one device's counts.
#[test]
fn launch_reports_routed_and_dropped_pairs_per_step() {
    let dir = fresh_dir("moe", "dropped");
    let pairs = |args: &[&str]| -> Vec<(u64, u64)> {
        let run = run_parc(args, &dir);
        run.assert_success();
        run.stdout
            .lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                (v["moe_routed_pairs"].as_u64().expect("routed"), v["moe_dropped_pairs"].as_u64().expect("dropped"))
            })
            .collect()
    };
    let s = spec("moe-tiny");
    let (m, t, moe) = (&s.model, &s.training, s.model.moe.clone().expect("MoE"));
    let layers = (0..m.layers).filter(|&l| moe.is_moe_layer(l)).count() as u64;
    let routed = (t.global_batch * m.seq_len * moe.top_k) as u64 * layers;
    let model = example("moe-tiny").display().to_string();
    let dropless = pairs(&["launch", &model, "--mesh", "dp=4,ep=2", "--steps", "3", "--json"]);
    assert_eq!(dropless, vec![(routed, 0); 3]);
    // bf16 runs each dispatch once through its widened f32 copy: counted once.
    let bf16 = pairs(&["launch", &model, "--precision", "bf16", "--steps", "2", "--json"]);
    assert_eq!(bf16, vec![(routed, 0); 2]);
    // Capacity 0.5: ceil(0.5 · 64 · 2 / 4) = 16 slots per expert for 128 pairs per group.
    let text =
        read(&example("moe-tiny")).replace("aux_loss_coef = 0.01", "aux_loss_coef = 0.01\ncapacity_factor = 0.5");
    std::fs::write(dir.join("drop.toml"), text).expect("write");
    let groups = (t.global_batch / t.micro_batch) as u64;
    let at_least = (routed / (groups * layers) - (moe.experts * 16) as u64) * groups * layers;
    let one = pairs(&["launch", "drop.toml", "--steps", "4", "--json"]);
    assert_eq!(one.len(), 4);
    for &(r, d) in &one {
        assert_eq!(r, routed);
        assert!(d >= at_least && d < r, "{d} dropped of {r}, at least {at_least}");
    }
    for mesh in ["dp=2", "dp=4,ep=2", "dp=4,ep=4", "pp=2", "dp=2,pp=2,tp=2,ep=2"] {
        assert_eq!(pairs(&["launch", "drop.toml", "--mesh", mesh, "--steps", "4", "--json"]), one, "{mesh}");
    }
    let recomputed =
        pairs(&["launch", "drop.toml", "--mesh", "dp=2,ep=2", "--recompute", "full", "--steps", "4", "--json"]);
    assert_eq!(recomputed, one, "recompute full");
    // A dense model reports no pairs.
    let dense = run_parc(&["launch", &example("llama-tiny").display().to_string(), "--steps", "1", "--json"], &dir);
    dense.assert_success();
    assert!(!dense.stdout.contains("moe_"), "{}", dense.stdout);
}

/// With tp and ep together each rank holds experts / ep experts, each split Megatron's way over
/// tp: gate/up along their output (weight and bias), down along its input (bias whole).
#[test]
fn expert_weights_split_over_ep_and_tp() {
    let s = spec("gpt-moe-tiny");
    let (m, moe) = (&s.model, s.model.moe.clone().expect("MoE"));
    let (program, _) = compile(spec("gpt-moe-tiny"), "dp=2,tp=2,ep=2", 1);
    let shape = |name: &str| program.tensor(name).unwrap_or_else(|| panic!("no {name}")).buf.shape.clone();
    let (e, f, h) = (moe.experts / 2, moe.expert_ffn / 2, m.hidden);
    assert_eq!(shape("layers.1.moe.experts.up.weight"), vec![e, h, f]);
    assert_eq!(shape("layers.1.moe.experts.up.bias"), vec![e, f]);
    assert_eq!(shape("layers.1.moe.experts.down.weight"), vec![e, f, h]);
    assert_eq!(shape("layers.1.moe.experts.down.bias"), vec![e, h]);
    assert_eq!(shape("layers.1.moe.router.weight"), vec![h, moe.experts]);
}

/// Experts that receive no tokens: 8 experts, top-1, micro-batches of one sequence of 4 tokens,
/// so every group routes 4 pairs and at least 4 experts get none (pigeonhole); with ep = 4 some
/// ranks' experts receive nothing from some peers. The all-to-alls still exchange their
/// fixed-size buffers (zero rows where no token went), so the plan passes `parc check` at compile
/// time, runs without a hang, and trains like one device.
#[test]
fn experts_that_receive_no_tokens_neither_hang_nor_change_the_result() {
    let text = read(&example("moe-tiny"))
        .replace("experts = 4", "experts = 8")
        .replace("top_k = 2", "top_k = 1")
        .replace("seq_len = 32", "seq_len = 4")
        .replace("micro_batch = 2", "micro_batch = 1");
    let spec = || parc_compiler::parse_model("moe-empty.toml", &text).expect("valid model");
    let s = spec();
    let moe = s.model.moe.as_ref().expect("MoE");
    let pairs_per_group = s.training.micro_batch * s.model.seq_len * moe.top_k;
    assert!(pairs_per_group < moe.experts, "every group must leave experts without tokens");
    check_meshes("moe-empty", spec, &["dp=4,ep=4", "dp=8,ep=4", "dp=2,pp=2,ep=2@zb-h1"]);
}

/// plan.json's per-rank MoE facts, against the model's numbers, and the rank program really holds
/// a buffer of the expert GEMMs' shape: gpt-moe-tiny (8 experts, top-2, capacity factor 1.0, 64
/// tokens per micro-batch: ceil(64 · 2 / 8) = 16 slots) on dp=4,tp=2,ep=2.
#[test]
fn plan_json_reports_experts_and_dispatch_buffers_per_rank() {
    let dir = fresh_dir("moe", "plan-moe");
    let model = example("gpt-moe-tiny").display().to_string();
    run_parc(&["compile", &model, "--mesh", "dp=4,tp=2,ep=2", "-o", "out"], &dir).assert_success();
    let plan: Value = serde_json::from_str(&read(&dir.join("out/plan.json"))).expect("plan.json is JSON");
    let moe = &plan["model"]["moe"];
    let s = spec("gpt-moe-tiny");
    let (e, f, h) = (8u64, s.model.moe.as_ref().expect("MoE").expert_ffn as u64, s.model.hidden as u64);
    assert_eq!(moe["experts_per_rank"].as_u64(), Some(e / 2));
    assert_eq!(moe["expert_ffn_per_rank"].as_u64(), Some(f / 2));
    assert_eq!(moe["capacity"].as_u64(), Some(16));
    assert_eq!(moe["dispatch_buffer"], serde_json::json!([e, 16, h]));
    assert_eq!(moe["expert_buffer"], serde_json::json!([e / 2, 2 * 16, h]));
    let program = read(&dir.join("out/rank-0000.mlir"));
    let memref = format!("memref<{}x{}x{}xf32>", e / 2, 2 * 16, h);
    assert!(program.contains(&memref), "no {memref} buffer in the rank program");
    let inspect = run_parc(&["inspect", "out"], &dir);
    inspect.assert_success();
    assert!(inspect.stdout.contains(&format!("[{e}, 16, {h}] -> [{}, 32, {h}]", e / 2)), "{}", inspect.stdout);
}
