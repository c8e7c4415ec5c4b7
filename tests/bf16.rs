//! bf16 mixed precision on the CPU backend: bf16 parameters, activations and gradients with f32
//! arithmetic inside every kernel, fp32 master weights and optimizer state (flat dp chunks under
//! ZeRO). Training tracks fp32 training step by step; a partitioned bf16 run tracks the
//! single-device bf16 run within 1e-2 per step on every kind of mesh, and bit for bit where the
//! reduction order is the same (docs/precision.md says which); the gradients' collectives run in
//! `grad_reduce_dtype`, which the IR and the plan's traffic show.

mod common;

use std::time::Instant;

use common::{compile_with, example, fresh_dir, run_parc, train_with};
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::Precision;
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::Mesh;
use parc_compiler::ModelSpec;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::program::Program;
use parc_runtime::verify::{compare, run, Run};

fn losses(name: &str, precision: Precision, steps: u64) -> Vec<f32> {
    let mut spec = parc_compiler::load_model(example(name).to_str().expect("utf-8")).expect("the example is valid");
    spec.training.precision = precision;
    let opts = CompileOptions {
        training: TrainingOverrides::default(),
        mesh: Mesh::SINGLE,
        pipeline: PipelineOptions::default(),
    };
    let out = compile_spec(spec, &opts, Instant::now()).expect("compiles");
    let program = Program::load(&out.module).expect("loads");
    run(&[program], None, steps).expect("trains").losses
}

#[test]
fn bf16_training_tracks_fp32_within_two_percent_over_200_steps() {
    for name in ["gpt-tiny", "llama-tiny", "moe-tiny"] {
        let (fp32, bf16) = (losses(name, Precision::Fp32, 200), losses(name, Precision::Bf16, 200));
        assert_eq!(bf16.len(), 200);
        let worst = fp32.iter().zip(&bf16).map(|(a, b)| ((a - b) / a).abs()).fold(0.0f32, f32::max);
        assert!(worst <= 0.02, "{name}: bf16 is {worst:.4} off fp32 at worst");
        // It learns, and it is not fp32 under another name: the numbers differ.
        assert!(bf16[199] < 0.5 * bf16[0], "{name}: {} → {}", bf16[0], bf16[199]);
        assert!(fp32 != bf16, "{name}: bf16 trained bit for bit as fp32");
    }
}

fn bf16(name: &str) -> ModelSpec {
    let mut spec = parc_compiler::load_model(example(name).to_str().expect("utf-8")).expect("the example is valid");
    spec.training.precision = Precision::Bf16;
    // Deep enough for two stages of two chunks.
    spec.model.layers = 4;
    spec
}

fn with(zero: u8, sp: bool, kind: ScheduleKind, grad: Precision) -> TrainingOverrides {
    TrainingOverrides {
        zero: Some(zero),
        sequence_parallel: sp,
        grad_reduce_dtype: Some(grad),
        schedule: ScheduleOptions { kind, chunks: if kind == ScheduleKind::Interleaved { 2 } else { 1 }, stages: None },
        ..Default::default()
    }
}

fn bits(r: &Run) -> Vec<u32> {
    r.losses.iter().map(|l| l.to_bits()).chain(r.params.iter().flat_map(|p| p.2.iter().map(|x| x.to_bits()))).collect()
}

#[test]
fn partitioned_bf16_tracks_single_device_bf16_within_1e_2_per_step() {
    use ScheduleKind::{GPipe, Interleaved, OneF1B, ZbH1};
    let (f32_, b16) = (Precision::Fp32, Precision::Bf16);
    let cases: Vec<(&str, &str, TrainingOverrides)> = vec![
        ("gpt-tiny", "dp=2", with(0, false, OneF1B, f32_)),
        ("gpt-tiny", "dp=2", with(1, false, OneF1B, b16)),
        ("gpt-tiny", "dp=2", with(2, false, OneF1B, f32_)),
        ("llama-tiny", "dp=2", with(3, false, OneF1B, f32_)),
        ("llama-tiny", "dp=2", with(3, false, OneF1B, b16)),
        ("gpt-tiny", "tp=2", with(0, true, OneF1B, f32_)),
        ("llama-tiny", "dp=2,tp=2", with(1, true, OneF1B, f32_)),
        ("gpt-tiny", "pp=2", with(0, false, GPipe, b16)),
        ("llama-tiny", "pp=2", with(0, false, Interleaved, f32_)),
        ("gpt-tiny", "2x2x2", with(2, true, ZbH1, f32_)),
        ("llama-tiny", "2x2x2", with(1, false, OneF1B, b16)),
        // Mixture of experts: routing in f32 on bf16 activations, the experts' GEMMs in bf16.
        ("moe-tiny", "dp=2", with(1, false, OneF1B, f32_)),
        ("moe-tiny", "dp=2", with(3, false, OneF1B, b16)),
    ];
    let steps = 5;
    let mut single = std::collections::HashMap::new();
    for (name, mesh, training) in cases {
        let spec = bf16(name);
        let want =
            single.entry(name).or_insert_with(|| train_with(&spec, "1x1x1", &TrainingOverrides::default(), steps));
        let got = train_with(&spec, mesh, &training, steps);
        let c = compare(&got, want).expect("the runs compare");
        assert!(c.within(1e-2), "{name} {mesh} {training:?}: losses {:?}, parameters {:.1e}", c.losses, c.params);
        // The pieces were put together from the right places: far closer than 1e-2.
        assert!(c.params < 2e-3, "{name} {mesh} {training:?}: parameters {:.1e}", c.params);
    }
}

#[test]
fn partitioned_bf16_is_bitwise_where_the_reduction_order_is_the_same() {
    // Pipeline stages without a cross-stage sum: no gradient clipping (its norm sums over the
    // stages), no tied embedding (its two copies' gradients are summed). Each stage runs the
    // single device's kernels on the same micro-batches in the same order.
    let mut spec = bf16("llama-tiny");
    spec.training.grad_clip = None;
    let one = train_with(&spec, "1x1x1", &TrainingOverrides::default(), 4);
    for kind in [ScheduleKind::GPipe, ScheduleKind::OneF1B, ScheduleKind::ZbH1] {
        let piped = train_with(&spec, "pp=2", &with(0, false, kind, Precision::Fp32), 4);
        assert!(bits(&piped) == bits(&one), "{kind:?}: {:?} against {:?}", piped.losses, one.losses);
    }
    // ZeRO-1 reduce-scatters the sums ZeRO-0 all-reduces, in the same order, and the master
    // copies' chunks update as the whole copies do; ZeRO-3 gathers the same bf16 parameters.
    let dp = |zero| train_with(&spec, "dp=2", &with(zero, false, ScheduleKind::OneF1B, Precision::Fp32), 4);
    let zero0 = bits(&dp(0));
    assert!(dp(1).losses.len() == 4 && bits(&dp(1)) == zero0, "ZeRO-1 differs from ZeRO-0");
    // Not vacuous: data parallelism sums the micro-batches' gradients in another order than one
    // device accumulates them.
    assert!(zero0 != bits(&one));
}

#[test]
fn the_gradient_collectives_run_in_grad_reduce_dtype() {
    let spec = bf16("gpt-tiny");
    let dp_reduce_scatter = |grad| {
        let out = compile_with(&spec, "dp=2,tp=2", &with(1, false, ScheduleKind::OneF1B, grad));
        let plan = serde_json::to_value(&out.plan).expect("plan as JSON");
        let comm = plan["programs"]["communication"].as_array().expect("communication").clone();
        let rs = comm
            .iter()
            .find(|c| c["collective"] == "reduce_scatter" && c["axis"] == "dp")
            .expect("a dp reduce-scatter")
            .clone();
        let params = plan["programs"]["memory"]["parameters"].as_u64().expect("parameter bytes");
        let ir = parc_dialects::printer::print_module(&out.module);
        (rs["buffer_bytes"].as_u64().expect("bytes"), params, ir)
    };
    let (fp32, params, ir32) = dp_reduce_scatter(Precision::Fp32);
    let (bf16, params16, ir16) = dp_reduce_scatter(Precision::Bf16);
    assert_eq!(params, params16);
    // Every gradient (one per bf16 parameter element of the rank, 2 bytes each) is
    // reduce-scattered once: 4 bytes an element in fp32, 2 in bf16.
    assert_eq!(bf16, params, "bf16 reduction");
    assert_eq!(fp32, 2 * params, "fp32 reduction");
    let dp_rs = |ir: &str, dtype: &str| {
        ir.lines()
            .filter(|l| l.contains("exec.reduce_scatter") && l.contains("axis = \"dp\"") && l.contains(dtype))
            .count()
    };
    assert!(dp_rs(&ir32, "xf32>) ->") > 0 && dp_rs(&ir32, "xbf16>) ->") == 0, "{ir32}");
    assert!(dp_rs(&ir16, "xbf16>) ->") > 0 && dp_rs(&ir16, "xf32>) ->") == 0, "{ir16}");
}

#[test]
fn bf16_launches_on_several_ranks_and_saves_the_master_weights() {
    let dir = fresh_dir("bf16", "ranks");
    let model = example("gpt-tiny");
    let model = model.to_str().expect("utf-8");
    let launch = |mesh: &str, save: &str| {
        run_parc(
            &["launch", model, "--precision", "bf16", "--mesh", mesh, "--zero", "1", "--steps", "3", "--save", save],
            &dir,
        )
    };
    launch("dp=2,tp=2", "parted.safetensors").assert_success();
    launch("1x1x1", "one.safetensors").assert_success();
    // The saved weights are the fp32 master copies, assembled from their ZeRO chunks: f32, and
    // within bf16 training's distance of the single-device run.
    let (parted, one) = (
        common::read_safetensors(&dir.join("parted.safetensors")),
        common::read_safetensors(&dir.join("one.safetensors")),
    );
    assert_eq!(parted.keys().collect::<Vec<_>>(), one.keys().collect::<Vec<_>>());
    let (mut diff, mut norm) = (0.0f64, 0.0f64);
    for (name, (dtype, shape, a)) in &parted {
        let (_, shape1, b) = &one[name];
        assert_eq!((dtype.as_str(), shape), ("F32", shape1), "{name}");
        for (x, y) in a.iter().zip(b) {
            diff += f64::from(x - y).powi(2);
            norm += f64::from(*y).powi(2);
        }
    }
    assert!((diff / norm).sqrt() < 1e-2, "relative difference {:.1e}", (diff / norm).sqrt());
    // A partitioned run starts from them: every rank reads its chunk of each master copy.
    let r = run_parc(
        &[
            "launch",
            model,
            "--precision",
            "bf16",
            "--mesh",
            "dp=2",
            "--zero",
            "2",
            "--steps",
            "1",
            "--init",
            "parted.safetensors",
        ],
        &dir,
    );
    r.assert_success();
}
