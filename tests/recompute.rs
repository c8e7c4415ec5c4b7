//! Recomputation changes memory, never numbers: `none`, `selective` and `full` train to
//! bitwise-identical losses and parameters, on one rank and on pipeline meshes with every schedule
//! (and with dp, tp, sequence parallelism and ZeRO), while the memory each keeps differs as
//! docs/activation-memory.md says. The `recompute` pass's clones are visible in its dump.

mod common;

use common::{compile_with, example, fresh_dir, run_parc, train_with};
use parc_compiler::driver::TrainingOverrides;
use parc_compiler::frontend::Recompute;
use parc_compiler::pipeline::{ScheduleKind, ScheduleOptions};
use parc_compiler::ModelSpec;
use parc_runtime::verify::Run;

const POLICIES: [Recompute; 3] = [Recompute::None, Recompute::Selective, Recompute::Full];

fn deep(name: &str) -> ModelSpec {
    let mut s = parc_compiler::load_model(example(name).to_str().expect("utf-8")).expect("the example is valid");
    s.model.layers = 8;
    s
}

/// Every loss and every parameter element, as bits.
fn bits(r: &Run) -> (Vec<u32>, Vec<(String, Vec<u32>)>) {
    let losses = r.losses.iter().map(|l| l.to_bits()).collect();
    let params =
        r.params.iter().map(|(name, _, data)| (name.clone(), data.iter().map(|x| x.to_bits()).collect())).collect();
    (losses, params)
}

#[test]
fn policies_train_bitwise_identically_on_one_rank_and_on_every_pipeline_schedule() {
    let schedule = |kind, chunks| ScheduleOptions { kind, chunks, stages: None };
    let mut cases: Vec<(&str, &str, TrainingOverrides)> = vec![
        ("gpt-tiny", "1x1x1", TrainingOverrides::default()),
        ("llama-tiny", "1x1x1", TrainingOverrides::default()),
    ];
    for (kind, chunks) in
        [(ScheduleKind::GPipe, 1), (ScheduleKind::OneF1B, 1), (ScheduleKind::Interleaved, 2), (ScheduleKind::ZbH1, 1)]
    {
        cases.push(("gpt-tiny", "1x4x1", TrainingOverrides { schedule: schedule(kind, chunks), ..Default::default() }));
    }
    let with = |zero, sp, kind, chunks| TrainingOverrides {
        zero: Some(zero),
        sequence_parallel: sp,
        schedule: schedule(kind, chunks),
        ..Default::default()
    };
    cases.push(("gpt-tiny", "2x2x2", with(1, true, ScheduleKind::OneF1B, 1)));
    cases.push(("gpt-tiny", "2x2x2", with(2, false, ScheduleKind::ZbH1, 1)));
    cases.push(("llama-tiny", "1x2x2", with(0, true, ScheduleKind::Interleaved, 2)));
    cases.push(("llama-tiny", "2x2x1", with(3, false, ScheduleKind::GPipe, 1)));
    cases.push(("gpt-tiny", "dp=2,tp=2", with(1, true, ScheduleKind::OneF1B, 1)));
    // Mixture of experts: the routing, dispatch and combine are recomputed with the layer.
    cases.push(("moe-tiny", "1x1x1", TrainingOverrides::default()));
    cases.push(("gpt-moe-tiny", "dp=2", with(1, false, ScheduleKind::OneF1B, 1)));
    for (name, mesh, training) in cases {
        let spec = deep(name);
        let runs: Vec<_> = POLICIES
            .iter()
            .map(|&r| bits(&train_with(&spec, mesh, &TrainingOverrides { recompute: Some(r), ..training.clone() }, 3)))
            .collect();
        assert_eq!(runs[0].0, runs[1].0, "{name} {mesh} {training:?}: selective's losses");
        assert_eq!(runs[0].0, runs[2].0, "{name} {mesh} {training:?}: full's losses");
        assert!(runs[0].1 == runs[1].1, "{name} {mesh} {training:?}: selective's parameters differ");
        assert!(runs[0].1 == runs[2].1, "{name} {mesh} {training:?}: full's parameters differ");
    }
}

#[test]
fn policies_keep_less_and_recompute_more() {
    // One rank: the memory plan's activations shrink none > selective > full; the clones appear
    // in the recompute dump, and the pipeline stages stash less.
    let spec = deep("gpt-tiny");
    let mut activations = Vec::new();
    let mut stash = Vec::new();
    for r in POLICIES {
        let t = TrainingOverrides { recompute: Some(r), ..Default::default() };
        let one = compile_with(&spec, "1x1x1", &t);
        activations.push(one.plan.programs.memory.expect("a program").activations);
        let piped = compile_with(&spec, "1x4x1", &t);
        let stages = piped.plan.pipeline.expect("pipeline").per_stage;
        stash.push(stages[1].memory.as_ref().expect("memory").stash);
    }
    assert!(activations[0] > activations[1] && activations[1] > activations[2], "{activations:?}");
    assert!(stash[0] > stash[1] && stash[1] > stash[2], "{stash:?}");

    let dir = fresh_dir("recompute", "dump");
    for (policy, clones) in [("none", 0), ("selective", 3 * 2), ("full", 0)] {
        let model = example("gpt-tiny");
        run_parc(&["compile", model.to_str().expect("utf-8"), "--recompute", policy, "-o", policy], &dir)
            .assert_success();
        let dump = std::fs::read_to_string(dir.join(policy).join("ir/06-recompute.mlir")).expect("the dump");
        let n = dump.matches("parc.recomputed").count();
        if policy == "full" {
            assert!(n > 10, "full recomputes whole layers: {n} clones");
        } else {
            // Selective: QKᵀ, the scaling and the softmax of each of gpt-tiny's two layers.
            assert_eq!(n, clones, "{policy}");
        }
    }
}

#[test]
fn bad_recompute_and_precision_flags_are_usage_errors() {
    let dir = fresh_dir("recompute", "bad");
    let model = example("gpt-tiny");
    let model = model.to_str().expect("utf-8");
    let r = run_parc(&["compile", model, "--recompute", "some", "-o", "out"], &dir);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("none") && r.stderr.contains("selective") && r.stderr.contains("full"), "{}", r.stderr);
    let r = run_parc(&["compile", model, "--precision", "fp16", "-o", "out"], &dir);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("bf16"), "{}", r.stderr);
}
