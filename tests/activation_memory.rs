//! Activation memory against the published analysis (docs/activation-memory.md): per layer,
//! Korthikanti et al. 2022's count without its dropout terms, in parc's element sizes, for each
//! recompute policy, with and without tensor and sequence parallelism; and per pipeline stage,
//! the in-flight multiplier of 1F1B and interleaving. The expected figures are computed here
//! from the formulas, never copied from a run.

use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::{Precision, Recompute};
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::pass::PipelineOptions;

/// A GPT-3-shaped model (LayerNorm, GELU MLP of width 4h, learned positions, biases, tied
/// embedding), small enough to compile in a test.
fn gpt3_shaped(layers: usize) -> ModelSpec {
    let path = format!("{}/examples/gpt3-175b.toml", env!("CARGO_MANIFEST_DIR"));
    let mut spec = parc_compiler::load_model(&path).expect("the example is valid");
    let m = &mut spec.model;
    (m.hidden, m.heads, m.kv_heads, m.ffn, m.seq_len, m.vocab, m.layers) = (256, 8, 8, 1024, 128, 512, layers);
    spec.training.micro_batch = 2;
    spec.training.global_batch = 16;
    (spec.training.precision, spec.training.zero) = (Precision::Fp32, 0);
    spec
}

fn pipeline(spec: &ModelSpec, mesh: &str, training: TrainingOverrides) -> parc_compiler::pipeline::PipelineSummary {
    let mut spec = spec.clone();
    training.apply(&mut spec);
    let opts =
        CompileOptions { training, mesh: Mesh::parse(mesh).expect("mesh"), pipeline: PipelineOptions::default() };
    let out = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{mesh}: {e}"));
    out.plan.pipeline.expect("a pipeline section")
}

/// Bytes per layer and micro-batch on one tensor-parallel rank: Korthikanti's count less dropout.
fn formula(spec: &ModelSpec, t: u64, sp: bool, policy: Recompute, e: u64) -> u64 {
    let m = &spec.model;
    let (s, b, h, a) = (m.seq_len as u64, spec.training.micro_batch as u64, m.hidden as u64, m.heads as u64);
    let sbh = s * b * h;
    let core = a * s * s * b / t;
    // Replicated over tp without sequence parallelism: the two LayerNorm inputs and outputs.
    let replicated = if sp { 4 * sbh / t } else { 4 * sbh };
    let elements = match policy {
        Recompute::None => replicated + 12 * sbh / t + core,
        Recompute::Selective => replicated + 12 * sbh / t,
        Recompute::Full => {
            if sp {
                sbh / t
            } else {
                sbh
            }
        }
    };
    e * elements
}

#[test]
fn per_layer_bytes_equal_the_no_dropout_analysis() {
    let spec = gpt3_shaped(4);
    let mut checked = 0;
    for (precision, e) in [(Precision::Fp32, 4), (Precision::Bf16, 2)] {
        for (t, sp) in [(1, false), (2, false), (4, false), (2, true), (4, true)] {
            for policy in [Recompute::None, Recompute::Selective, Recompute::Full] {
                let training = TrainingOverrides {
                    sequence_parallel: sp,
                    recompute: Some(policy),
                    precision: Some(precision),
                    ..Default::default()
                };
                let got = pipeline(&spec, &format!("1x2x{t}"), training).activation_bytes_per_layer;
                let want = formula(&spec, t, sp, policy, e);
                assert_eq!(got, want, "{precision:?} t={t} sp={sp} {policy:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 30);
}

#[test]
fn stages_hold_their_schedules_in_flight_micro_batches() {
    // p = 4 stages of 2 layers (interleaved: 2 chunks of 1), m = 8 micro-batches.
    let spec = gpt3_shaped(8);
    let (p, layers) = (4u64, 8u64);
    for policy in [Recompute::None, Recompute::Selective, Recompute::Full] {
        for (kind, v) in [(ScheduleKind::OneF1B, 1u64), (ScheduleKind::Interleaved, 2), (ScheduleKind::GPipe, 1)] {
            let schedule = ScheduleOptions { kind, chunks: v as usize, stages: None };
            let training = TrainingOverrides { recompute: Some(policy), schedule, ..Default::default() };
            let plan = pipeline(&spec, "1x4x1", training);
            let per_layer = plan.activation_bytes_per_layer;
            assert_eq!(per_layer, formula(&spec, 1, false, policy, 4), "{policy:?} {kind:?}");
            let first = &plan.per_stage[0];
            // Korthikanti: the first 1F1B stage holds L layers' worth; interleaving multiplies it
            // by 1 + (p − 1)/(p·v); GPipe holds every micro-batch.
            let want = match kind {
                ScheduleKind::OneF1B => layers * per_layer,
                ScheduleKind::Interleaved => layers * per_layer * (p * v + p - 1) / (p * v),
                _ => 8 * (layers / p) * per_layer,
            };
            assert_eq!(first.activation_bytes, want, "{policy:?} {kind:?}");
            if kind == ScheduleKind::OneF1B {
                for (s, stage) in plan.per_stage.iter().enumerate() {
                    assert_eq!(stage.peak_in_flight, (p - s as u64) as f64, "stage {s}");
                }
            }
            // A middle stage's exact stash: one set per micro-batch in flight, each its layers'
            // saved bytes (its received input stands in for its last layer's output).
            if v == 1 {
                for s in 1..3 {
                    let stage = &plan.per_stage[s];
                    let in_flight = stage.peak_in_flight as u64;
                    let stash = stage.memory.as_ref().expect("memory").stash;
                    assert_eq!(stash, in_flight * (layers / p) * per_layer, "{policy:?} {kind:?} stage {s}");
                }
            }
        }
    }
}
