//! Partitioned training equals single-device training: every mesh of the matrix below trains
//! from the same seed on the same data as mesh 1x1x1, and each step's loss and the final
//! parameters must agree within 1e-5 (relative; see `parc_runtime::verify` for the measure).
//!
//! The matrix covers dp ∈ {1, 2, 4} × tp ∈ {1, 2, 4} (as the model's heads allow), sequence
//! parallelism off and on (where tp > 1) and ZeRO stages 0 to 3 (where dp > 1), for gpt-tiny,
//! llama-tiny (grouped-query attention, untied head, tp ≤ kv_heads = 2) and gpt-odd (a vocabulary
//! of 131 that no tp divides: padded vocab shards).

use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::pass::PipelineOptions;
use parc_runtime::program::Program;
use parc_runtime::verify::{compare, run, Run};

const STEPS: u64 = 4;
const TOLERANCE: f64 = 1e-5;

fn spec(name: &str) -> ModelSpec {
    let path = format!("{}/examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    parc_compiler::load_model(&path).expect("the example is valid")
}

fn program(name: &str, mesh: &str, training: TrainingOverrides) -> Vec<Program> {
    programs(spec(name), mesh, training)
}

/// The rank programs of `spec` on `mesh`: the one every rank runs, or one per pipeline stage.
fn programs(mut spec: ModelSpec, mesh: &str, training: TrainingOverrides) -> Vec<Program> {
    training.apply(&mut spec);
    let name = spec.model.name.clone();
    let opts = CompileOptions {
        training,
        mesh: Mesh::parse(mesh).expect("a valid mesh"),
        pipeline: PipelineOptions { verify_each: true, ..Default::default() },
    };
    let out = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{name} on {mesh}: {e}"));
    let modules = if out.stages.is_empty() { vec![out.module] } else { out.stages };
    modules.iter().map(|m| Program::load(m).expect("the program loads")).collect()
}

/// Every (mesh, zero, sequence parallel) case for a model whose tp may go up to `max_tp`.
fn cases(max_tp: usize) -> Vec<(String, u8, bool)> {
    let mut out = Vec::new();
    for dp in [1, 2, 4] {
        for tp in [1, 2, 4].into_iter().filter(|&t| t <= max_tp) {
            if dp * tp == 1 {
                continue;
            }
            let zeros: &[u8] = if dp > 1 { &[0, 1, 2, 3] } else { &[0] };
            let sps: &[bool] = if tp > 1 { &[false, true] } else { &[false] };
            for &zero in zeros {
                for &sp in sps {
                    out.push((format!("dp={dp},tp={tp}"), zero, sp));
                }
            }
        }
    }
    out
}

fn check_model(name: &str, max_tp: usize) {
    let single = program(name, "1x1x1", TrainingOverrides::default());
    let want: Run = run(&single, None, STEPS).expect("single-device run");
    let mut failures = Vec::new();
    let list = cases(max_tp);
    for (mesh, zero, sp) in &list {
        let training = TrainingOverrides { zero: Some(*zero), sequence_parallel: *sp, ..Default::default() };
        let parted = program(name, mesh, training);
        let got = run(&parted, None, STEPS).unwrap_or_else(|e| panic!("{name} {mesh} zero={zero} sp={sp}: {e}"));
        let c = compare(&got, &want).expect("comparable runs");
        if !c.within(TOLERANCE) {
            failures.push(format!("{mesh} zero={zero} sp={sp}: loss {:.1e}, params {:.1e}", c.worst_loss(), c.params));
        }
    }
    assert!(failures.is_empty(), "{name}: {} of {} cases differ:\n{}", failures.len(), list.len(), failures.join("\n"));
}

#[test]
fn gpt_tiny_equals_one_device_on_every_mesh() {
    check_model("gpt-tiny", 4);
}

#[test]
fn llama_tiny_equals_one_device_on_every_mesh() {
    check_model("llama-tiny", 2);
}

#[test]
fn odd_vocab_equals_one_device_with_padded_shards() {
    check_model("gpt-odd", 4);
}

#[test]
fn the_matrix_is_not_empty_and_covers_every_axis_value() {
    let c = cases(4);
    for want in ["dp=1,tp=2", "dp=4,tp=1", "dp=4,tp=4", "dp=2,tp=4"] {
        assert!(c.iter().any(|(m, _, _)| m == want), "{want}");
    }
    for zero in 0..=3 {
        assert!(c.iter().any(|(_, z, _)| *z == zero));
    }
    assert!(c.iter().any(|(_, _, sp)| *sp) && c.iter().any(|(_, _, sp)| !*sp));
}

#[test]
fn a_real_difference_is_caught() {
    // The comparison itself must be able to fail: a run with one parameter nudged by 1e-3.
    let single = program("gpt-tiny", "1x1x1", TrainingOverrides::default());
    let want = run(&single, None, 1).expect("run");
    let mut got = want.clone();
    got.params[3].2[0] += 1e-1;
    let c = compare(&got, &want).expect("comparable");
    assert!(!c.within(TOLERANCE), "params {:.1e}", c.params);
    let mut got = want.clone();
    got.losses[0] *= 1.0 + 1e-4;
    assert!(!compare(&got, &want).expect("comparable").within(TOLERANCE));
}

// ---- pipeline parallelism ---------------------------------------------------------------------

/// A tiny model with 8 layers (4 stages × 2 chunks).
fn deep(name: &str) -> ModelSpec {
    let mut s = spec(name);
    s.model.layers = 8;
    s
}

#[test]
fn pipelines_equal_one_device_for_every_schedule_and_with_dp_tp_sp_zero() {
    use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
    let steps = 10;
    let schedule = |kind, chunks| ScheduleOptions { kind, chunks, stages: None };
    let mut cases: Vec<(&str, &str, TrainingOverrides)> = Vec::new();
    for mesh in ["1x2x1", "1x4x1"] {
        for (kind, chunks) in [
            (ScheduleKind::GPipe, 1),
            (ScheduleKind::OneF1B, 1),
            (ScheduleKind::Interleaved, 2),
            (ScheduleKind::ZbH1, 1),
        ] {
            cases.push((
                "gpt-tiny",
                mesh,
                TrainingOverrides { schedule: schedule(kind, chunks), ..Default::default() },
            ));
        }
    }
    let with = |zero, sp, kind, chunks| TrainingOverrides {
        zero: Some(zero),
        sequence_parallel: sp,
        schedule: ScheduleOptions { kind, chunks, stages: None },
        ..Default::default()
    };
    cases.push(("gpt-tiny", "2x2x2", with(0, false, ScheduleKind::OneF1B, 1)));
    cases.push(("gpt-tiny", "2x2x2", with(1, true, ScheduleKind::OneF1B, 1)));
    cases.push(("gpt-tiny", "2x2x2", with(2, false, ScheduleKind::ZbH1, 1)));
    cases.push(("gpt-tiny", "1x2x2", with(0, true, ScheduleKind::Interleaved, 2)));
    cases.push(("gpt-tiny", "2x4x1", with(3, false, ScheduleKind::GPipe, 1)));
    cases.push(("llama-tiny", "2x2x2", with(3, false, ScheduleKind::OneF1B, 1)));
    cases.push(("llama-tiny", "1x4x2", with(0, true, ScheduleKind::Interleaved, 2)));
    let mut failures = Vec::new();
    let mut reference: Vec<(&str, Run)> = Vec::new();
    for (name, mesh, training) in &cases {
        if !reference.iter().any(|r| r.0 == *name) {
            let single = programs(deep(name), "1x1x1", TrainingOverrides::default());
            reference.push((name, run(&single, None, steps).expect("single-device run")));
        }
        let want = &reference.iter().find(|r| r.0 == *name).expect("reference").1;
        let parted = programs(deep(name), mesh, training.clone());
        let got = run(&parted, None, steps).unwrap_or_else(|e| panic!("{name} {mesh} {training:?}: {e}"));
        let c = compare(&got, want).expect("comparable runs");
        if !c.within(TOLERANCE) {
            failures.push(format!("{name} {mesh} {training:?}: loss {:.1e}, params {:.1e}", c.worst_loss(), c.params));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} pipeline cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
