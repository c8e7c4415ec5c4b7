//! The cross-rank check (`parc check`): compiled programs pass, and programs broken on purpose
//! (a missing send, a message on the wrong queue, mismatched collectives, a wrong group size)
//! fail with a message that names the ranks, the instructions and the mismatch.

mod common;

use std::time::Instant;

use common::{fresh_dir, run_parc};
use parc_compiler::check::check;
use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::Mesh;
use parc_dialects::attr::Attr;
use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Module, OpKind};
use parc_dialects::pass::PipelineOptions;

fn stages(mesh: &str) -> (Vec<Module>, Mesh) {
    let path = format!("{}/examples/gpt-tiny.toml", env!("CARGO_MANIFEST_DIR"));
    let mut spec = parc_compiler::load_model(&path).expect("model");
    spec.model.layers = 4;
    let mesh = Mesh::parse(mesh).expect("mesh");
    let opts = CompileOptions { training: TrainingOverrides::default(), mesh, pipeline: PipelineOptions::default() };
    let out = compile_spec(spec, &opts, Instant::now()).expect("compiles");
    (out.stages, mesh)
}

/// The `n`-th op of kind `kind` in `@train_step` of `m`.
fn nth(m: &mut Module, kind: ExecOp, n: usize) -> (usize, parc_dialects::ir::Op) {
    let f = m.function_mut("train_step").expect("train_step");
    let ops = f.blocks[f.entry_block()].ops.clone();
    let found: Vec<_> = ops.iter().enumerate().filter(|(_, &op)| f.ops[op].kind == OpKind::Exec(kind)).collect();
    let (i, &op) = found[n];
    (i, op)
}

#[test]
fn compiled_programs_pass() {
    for mesh in ["1x2x1", "2x2x2", "1x4x1"] {
        let (programs, mesh) = stages(mesh);
        let r = check(&programs, &mesh).expect("the compiled programs check");
        assert_eq!(r.programs, mesh.pp);
        assert!(r.messages > 0 && r.stage_collectives >= 2, "{r:?}");
    }
}

#[test]
fn a_missing_send_is_a_hang() {
    let (mut programs, mesh) = stages("1x2x1");
    let (_, op) = nth(&mut programs[0], ExecOp::Send, 2);
    let f = programs[0].function_mut("train_step").expect("train_step");
    let entry = f.entry_block();
    f.blocks[entry].ops.retain(|&o| o != op);
    let e = check(&programs, &mesh).expect_err("a hang");
    assert!(e.contains("would hang") && e.contains("stage 1") && e.contains("exec.recv"), "{e}");
}

#[test]
fn a_message_on_the_wrong_queue_is_caught() {
    let (mut programs, mesh) = stages("1x2x1");
    let (_, op) = nth(&mut programs[1], ExecOp::Recv, 0);
    let f = programs[1].function_mut("train_step").expect("train_step");
    f.ops[op].attrs.set("tag", Attr::Int(7));
    let e = check(&programs, &mesh).expect_err("a mismatch");
    assert!(e.contains("tag 7") && e.contains("rank 1 (stage 1)"), "{e}");
}

#[test]
fn mismatched_collectives_across_stages_are_caught() {
    let (mut programs, mesh) = stages("1x2x1");
    let (i, op) = nth(&mut programs[1], ExecOp::AllReduce, 0);
    let f = programs[1].function_mut("train_step").expect("train_step");
    f.ops[op].attrs.set("op", Attr::Str("max".into()));
    let e = check(&programs, &mesh).expect_err("a mismatch");
    assert!(e.contains("collective mismatch on pp") && e.contains(&format!("@train_step #{i}")), "{e}");
    assert!(e.contains("all_reduce(max)") && e.contains("all_reduce(sum)"), "{e}");
}

#[test]
fn a_wrong_group_size_is_caught() {
    let (mut programs, mesh) = stages("2x2x1");
    let f = programs[0].function_mut("train_step").expect("train_step");
    let ops = f.blocks[f.entry_block()].ops.clone();
    let op = ops
        .into_iter()
        .find(|&o| f.ops[o].kind == OpKind::Exec(ExecOp::AllReduce) && f.ops[o].attrs.str("axis") == Some("dp"))
        .expect("a dp all_reduce");
    f.ops[op].attrs.set("size", Attr::Int(4));
    let e = check(&programs, &mesh).expect_err("a bad size");
    assert!(e.contains("4 ranks") && e.contains("dp axis has 2"), "{e}");
}

#[test]
fn parc_check_on_a_compiled_directory() {
    let dir = fresh_dir("check", "cli");
    let model = format!("{}/examples/gpt-tiny.toml", env!("CARGO_MANIFEST_DIR"));
    run_parc(&["compile", &model, "--mesh", "2x2x1", "--schedule", "gpipe", "-o", "out"], &dir).assert_success();
    let run = run_parc(&["check", "out", "--json"], &dir);
    run.assert_success();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["ok"], true);
    assert_eq!(v["ranks"], 4);
    assert_eq!(v["programs"], 2);
    // gpt-tiny on dp = 2: m = 2 micro-batches; each crosses the stage boundary forward and back.
    assert_eq!(v["messages_per_step_per_column"], 4);
    let bad = run_parc(&["check", "nowhere"], &dir);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
}

/// A program edited after `parc compile` wrote it fails the check as the user's problem (exit 1,
/// `error:`, naming the edited file), not as a bug in parc; plan.json carries each program's
/// hash, and an unedited directory still passes.
#[test]
fn parc_check_on_edited_programs_is_a_failed_check_not_a_compiler_bug() {
    let dir = fresh_dir("check", "edited");
    let model = format!("{}/examples/gpt-tiny.toml", env!("CARGO_MANIFEST_DIR"));
    run_parc(&["compile", &model, "--mesh", "2x2x2", "--schedule", "1f1b", "-o", "out"], &dir).assert_success();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/plan.json")).unwrap()).expect("plan.json");
    let hashes = plan["programs"]["fnv1a64"].as_array().expect("program hashes");
    assert_eq!(hashes.len(), 2);
    for (file, hash) in ["stage-0.mlir", "stage-1.mlir"].iter().zip(hashes) {
        let text = std::fs::read(dir.join("out").join(file)).unwrap();
        assert_eq!(hash.as_str(), Some(parc_dialects::hash::fnv1a64_hex(&text).as_str()), "{file}");
    }
    run_parc(&["check", "out"], &dir).assert_success();

    // Send the first activation on another queue: stage 1 waits on tag 0 forever.
    let stage0 = dir.join("out/stage-0.mlir");
    let text = std::fs::read_to_string(&stage0).unwrap();
    let line = text.lines().find(|l| l.contains("\"exec.send\"") && l.contains("tag = 0")).expect("a send on tag 0");
    std::fs::write(&stage0, text.replacen(line, &line.replace("tag = 0", "tag = 7"), 1)).unwrap();
    let run = run_parc(&["check", "out"], &dir);
    run.assert_code(1);
    assert!(run.stderr.starts_with("error: out: the cross-rank check failed"), "{}", run.stderr);
    assert!(run.stderr.contains("stage-0.mlir differ(s) from what parc compile wrote"), "{}", run.stderr);
    assert!(!run.stderr.contains("internal compiler error") && !run.stderr.contains("bug in parc"), "{}", run.stderr);

    // Without hashes (a plan.json from an older parc) the check cannot tell: it says so.
    let mut old = plan.clone();
    old["programs"].as_object_mut().unwrap().remove("fnv1a64");
    std::fs::write(dir.join("out/plan.json"), serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let run = run_parc(&["check", "out"], &dir);
    run.assert_code(1);
    assert!(run.stderr.contains("holds no program hashes"), "{}", run.stderr);
}
