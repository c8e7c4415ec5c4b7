//! The cost model against Megatron-LM's Table 1 (Narayanan et al. 2021, A100 80GB), and a grid
//! search of the free parameters that minimizes the mean absolute error over its rows. Each row
//! is compiled once (full recomputation, micro-batch 1, 1F1B, gradients reduced in 16 bits as
//! Megatron-LM reduces fp16 gradients); every point of the grid only re-times the compiled
//! programs.
//!
//!     cargo run --release -p parc-compiler --example calibrate

use std::time::Instant;

use parc_compiler::cost::{model_flops, predict, CostModel, FreeParams, StepFacts};
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::hardware::built_in;
use parc_compiler::pipeline::ScheduleKind;
use parc_compiler::{parse_model, Mesh};
use parc_dialects::pass::PipelineOptions;

/// params (B), heads, hidden, layers, tp, pp, GPUs, global batch, published TFLOP/s per GPU.
type Row = (f64, usize, usize, usize, usize, usize, usize, usize, f64);

const ROWS: [Row; 10] = [
    (1.7, 24, 2304, 24, 1, 1, 32, 512, 137.0),
    (3.6, 32, 3072, 30, 2, 1, 64, 512, 138.0),
    (7.5, 32, 4096, 36, 4, 1, 128, 512, 142.0),
    (18.4, 48, 6144, 40, 8, 1, 256, 1024, 135.0),
    (39.1, 64, 8192, 48, 8, 2, 512, 1536, 138.0),
    (76.1, 80, 10240, 60, 8, 4, 1024, 1792, 140.0),
    (145.6, 96, 12288, 80, 8, 8, 1536, 2304, 148.0),
    (310.1, 128, 16384, 96, 8, 16, 1920, 2160, 155.0),
    (529.6, 128, 20480, 105, 8, 35, 2520, 2520, 163.0),
    (1008.0, 160, 25600, 128, 8, 64, 3072, 3072, 163.0),
];

fn main() {
    let gpu = built_in("a100-80g").expect("a built-in profile");
    let started = Instant::now();
    let mut rows = Vec::new();
    for &(params, heads, hidden, layers, tp, pp, gpus, batch, published) in &ROWS {
        let text = format!(
            "[model]\nname = \"gpt-{params}b\"\nvocab = 51200\nhidden = {hidden}\nlayers = {layers}\nheads = {heads}\n\
             seq_len = 2048\nnorm = \"layernorm\"\nactivation = \"gelu\"\nposition = \"learned\"\n\
             tie_embeddings = true\nbias = true\n[training]\nglobal_batch = {batch}\nmicro_batch = 1\n\
             precision = \"bf16\"\nrecompute = \"full\"\ngrad_reduce_dtype = \"bf16\"\n"
        );
        let spec = parse_model("row.toml", &text).expect("a valid row");
        let mesh = Mesh::new(gpus / (tp * pp), pp, tp, 1).expect("a valid mesh");
        let opts =
            CompileOptions { training: TrainingOverrides::default(), mesh, pipeline: PipelineOptions::default() };
        let out = compile_spec(spec, &opts, Instant::now()).expect("compiles");
        let tokens = (batch * 2048) as f64;
        let plan = &out.plan;
        let facts = StepFacts {
            tokens,
            model_flops: model_flops(plan.parameters.count, layers, hidden, 2048, tokens),
            pipeline: plan.pipeline.as_ref().map(|p| (ScheduleKind::OneF1B, p.chunks, p.microbatches)),
            fp32: false,
        };
        // Their eq. (3): FLOPs per step with the recomputed forward.
        let (b, s, l, h, v) = (batch as f64, 2048.0, layers as f64, hidden as f64, 51200.0);
        let eq3 = 96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h));
        let modules = if out.stages.is_empty() { vec![out.module] } else { out.stages };
        rows.push((params, mesh, modules, facts, eq3, gpus as f64, published));
    }
    eprintln!("compiled {} rows in {:.1?}", rows.len(), started.elapsed());
    let errors = |p: FreeParams| -> Vec<f64> {
        rows.iter()
            .map(|(_, mesh, modules, facts, eq3, gpus, published)| {
                let model = CostModel { gpu: &gpu, mesh: *mesh, params: p };
                let step = predict(&model, modules, facts).expect("predicts").step_time_s;
                let tflops = eq3 / step / gpus / 1e12;
                100.0 * (tflops - published) / published
            })
            .collect()
    };
    let mae = |e: &[f64]| e.iter().map(|x| x.abs()).sum::<f64>() / e.len() as f64;
    let mut best = (f64::INFINITY, FreeParams::ASSUMED);
    for knee in [0.0, 16.0, 32.0, 64.0, 128.0, 256.0] {
        for memory_efficiency in [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            for overhead in [2e-6, 4e-6, 8e-6, 16e-6] {
                for half in [1e6, 8e6, 64e6] {
                    let p = FreeParams {
                        gemm_knee: knee,
                        memory_efficiency,
                        kernel_overhead_s: overhead,
                        collective_latency_s: 20e-6,
                        half_bandwidth_bytes: half,
                    };
                    let m = mae(&errors(p));
                    if m < best.0 {
                        best = (m, p);
                    }
                }
            }
        }
    }
    for (name, p) in [("assumed", FreeParams::ASSUMED), ("best of the grid", best.1)] {
        let e = errors(p);
        println!("{name}: {p:?}");
        for ((params, ..), err) in rows.iter().zip(&e) {
            println!("  {params:>7} B  {err:+6.1}%");
        }
        println!("  mean absolute error {:.1}%, largest {:.1}%", mae(&e), e.iter().fold(0.0f64, |m, x| m.max(x.abs())));
    }
    eprintln!("done in {:.1?}", started.elapsed());
}
