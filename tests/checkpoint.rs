//! Checkpoints and resume (README "Checkpoints"): a run stopped at step k and resumed from its
//! checkpoint gives bitwise the losses and final parameters of the run that never stopped, on
//! one rank and on partitioned meshes (ZeRO, bf16, pipeline stages); a checkpoint resumes on
//! another mesh of the same model within 1e-5; bad checkpoints and flags are refused with exit 2.

mod common;

use std::path::Path;

use common::{example, fresh_dir, read_safetensors, run_parc, Run};
use serde_json::Value;

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn losses(run: &Run) -> Vec<(u64, f32)> {
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("step").is_some())
        .map(|v| (v["step"].as_u64().unwrap(), v["loss"].as_f64().unwrap() as f32))
        .collect()
}

/// `parc launch llama-tiny --mesh MESH FLAGS --json ARGS`.
fn launch(cwd: &Path, mesh: &str, flags: &[&str], args: &[&str]) -> Run {
    let model = example("llama-tiny");
    let mut all = vec!["launch".to_string(), s(&model), "--mesh".into(), mesh.into(), "--json".into()];
    all.extend(flags.iter().chain(args).map(|a| a.to_string()));
    run_parc(&all, cwd)
}

fn bits(xs: &[(u64, f32)]) -> Vec<(u64, u32)> {
    xs.iter().map(|(s, x)| (*s, x.to_bits())).collect()
}

#[test]
fn a_resumed_run_equals_the_uninterrupted_one_bit_for_bit() {
    let cases: [(&str, &str, &[&str]); 3] = [
        ("one-rank", "1x1x1", &[]),
        ("dp-tp-zero1-bf16", "dp=2,tp=2", &["--zero", "1", "--precision", "bf16"]),
        ("dp-pp-zero2", "dp=2,pp=2", &["--zero", "2", "--schedule", "1f1b"]),
    ];
    for (name, mesh, flags) in cases {
        let dir = fresh_dir("checkpoint", name);
        let whole = launch(&dir, mesh, flags, &["--steps", "6", "--save", "whole.safetensors"]);
        whole.assert_success();
        let first = launch(&dir, mesh, flags, &["--steps", "4", "--checkpoint-every", "2", "--checkpoint-dir", "ckpt"]);
        first.assert_success();
        assert!(
            dir.join("ckpt/step-2/checkpoint.json").is_file() && dir.join("ckpt/step-4/state.safetensors").is_file()
        );
        let meta: Value = serde_json::from_str(&common::read(&dir.join("ckpt/step-4/checkpoint.json"))).unwrap();
        assert_eq!((meta["step"].as_u64(), meta["samples_consumed"].as_u64()), (Some(4), Some(32)), "{meta}");
        let rest =
            launch(&dir, mesh, flags, &["--steps", "6", "--resume", "ckpt/step-4", "--save", "resumed.safetensors"]);
        rest.assert_success();
        let (w, r) = (losses(&whole), losses(&rest));
        assert_eq!(bits(&w[..4]), bits(&losses(&first)), "{name}: the first 4 steps");
        assert_eq!(bits(&w[4..]), bits(&r), "{name}: steps 5 and 6 after resuming");
        let (a, b) =
            (read_safetensors(&dir.join("whole.safetensors")), read_safetensors(&dir.join("resumed.safetensors")));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (k, (_, _, va)) in &a {
            let vb = &b[k].2;
            assert!(va.iter().zip(vb).all(|(x, y)| x.to_bits() == y.to_bits()), "{name}: parameter {k} differs");
        }
    }
}

#[test]
fn a_checkpoint_resumes_on_another_mesh() {
    let dir = fresh_dir("checkpoint", "reshard");
    let flags = ["--zero", "1"];
    let whole = launch(&dir, "dp=2,tp=2", &flags, &["--steps", "6"]);
    whole.assert_success();
    launch(&dir, "dp=2,tp=2", &flags, &["--steps", "3", "--checkpoint-every", "3", "--checkpoint-dir", "ckpt"])
        .assert_success();
    let want = losses(&whole);
    for mesh in ["1x1x1", "tp=2,pp=2", "dp=4"] {
        let zero = if mesh == "dp=4" { "3" } else { "0" };
        let run = launch(&dir, mesh, &["--zero", zero], &["--steps", "6", "--resume", "ckpt/step-3"]);
        run.assert_success();
        let got = losses(&run);
        assert_eq!(got.iter().map(|x| x.0).collect::<Vec<_>>(), vec![4, 5, 6], "{mesh}");
        for ((_, g), (_, w)) in got.iter().zip(&want[3..]) {
            assert!((g - w).abs() / w.abs() <= 1e-5, "{mesh}: {g} vs {w}");
        }
    }
}

/// Exit 2 with every one of `needles` in stderr, and no panic.
fn refused(run: &Run, needles: &[&str]) {
    run.assert_refused(needles);
}

#[test]
fn bad_checkpoints_and_flags_are_refused() {
    let dir = fresh_dir("checkpoint", "bad");
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "2", "--checkpoint-every", "1"]), &["--checkpoint-dir"]);
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "2", "--checkpoint-dir", "c"]), &["--checkpoint-every"]);
    refused(
        &launch(&dir, "1x1x1", &[], &["--steps", "2", "--checkpoint-every", "0", "--checkpoint-dir", "c"]),
        &["--checkpoint-every 0"],
    );
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "2", "--resume", "nowhere"]), &["is not a parc checkpoint"]);
    launch(&dir, "1x1x1", &[], &["--steps", "2", "--checkpoint-every", "2", "--checkpoint-dir", "c"]).assert_success();
    // Nothing left to run.
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "2", "--resume", "c/step-2"]), &["at step 2", "--steps"]);
    // A checkpoint of another model.
    let gpt = run_parc(&["launch", &s(&example("gpt-tiny")), "--steps", "3", "--resume", "c/step-2", "--json"], &dir);
    refused(&gpt, &["missing tensor", "embed.positions.weight"]);
    // An interrupted save (no checkpoint.json: it is written last) and a damaged description.
    std::fs::create_dir_all(dir.join("half")).unwrap();
    std::fs::copy(dir.join("c/step-2/state.safetensors"), dir.join("half/state.safetensors")).unwrap();
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "3", "--resume", "half"]), &["is not a parc checkpoint"]);
    std::fs::write(dir.join("half/checkpoint.json"), "{\"format\": \"parc-checkpoint-1\", \"step\": -1}").unwrap();
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "3", "--resume", "half"]), &["\"step\""]);
    // A truncated tensor file.
    std::fs::write(dir.join("half/checkpoint.json"), common::read(&dir.join("c/step-2/checkpoint.json"))).unwrap();
    let bytes = std::fs::read(dir.join("half/state.safetensors")).unwrap();
    std::fs::write(dir.join("half/state.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    refused(&launch(&dir, "1x1x1", &[], &["--steps", "3", "--resume", "half"]), &["state.safetensors"]);
    // --resume and --init together.
    let run = launch(&dir, "1x1x1", &[], &["--steps", "3", "--resume", "c/step-2", "--init", "x.safetensors"]);
    run.assert_code(2);
}

#[test]
fn a_checkpoints_weights_start_a_run_and_export() {
    let dir = fresh_dir("checkpoint", "weights");
    launch(&dir, "dp=2", &["--zero", "1"], &["--steps", "2", "--checkpoint-every", "2", "--checkpoint-dir", "c"])
        .assert_success();
    // --init takes the checkpoint's weights (with a fresh optimizer state), and so does the
    // export of them: the same first loss.
    let init = launch(&dir, "1x1x1", &[], &["--steps", "1", "--init", "c/step-2"]);
    init.assert_success();
    let model = example("llama-tiny");
    let run = run_parc(&["export", &s(&model), "--weights", "c/step-2", "--hf", "hf", "--json"], &dir);
    run.assert_success();
    let from_export = launch(&dir, "1x1x1", &[], &["--steps", "1", "--init", "hf"]);
    from_export.assert_success();
    assert_eq!(losses(&init)[0].1.to_bits(), losses(&from_export)[0].1.to_bits());
    let exported = read_safetensors(&dir.join("hf/model.safetensors"));
    let saved = read_safetensors(&dir.join("c/step-2/state.safetensors"));
    // lm_head.weight [64, 128] in parc is [128, 64] in the export.
    let (_, shape, values) = &exported["lm_head.weight"];
    assert_eq!(shape, &vec![128, 64]);
    let (_, _, parc) = &saved["lm_head.weight"];
    assert_eq!(values[64 + 3].to_bits(), parc[3 * 128 + 1].to_bits());
}

/// `parc reshard` onto a plan of another mesh and ZeRO stage: the resumed losses equal the
/// uninterrupted run's within 1e-5; the checkpoint is stamped with the target's mesh; a plan of
/// another model or global batch, an existing output and a non-checkpoint are refused with exit
/// 2 and nothing written.
#[test]
fn reshard_maps_a_checkpoint_onto_another_plan() {
    let dir = fresh_dir("checkpoint", "reshard-cmd");
    let flags = ["--zero", "1"];
    let whole = launch(&dir, "dp=2,tp=2", &flags, &["--steps", "5"]);
    whole.assert_success();
    launch(&dir, "dp=2,tp=2", &flags, &["--steps", "3", "--checkpoint-every", "3", "--checkpoint-dir", "ckpt"])
        .assert_success();
    let model = s(&example("llama-tiny"));
    for (name, mesh, zero) in [("pp", "tp=2,pp=2", "0"), ("zero3", "dp=4", "3")] {
        run_parc(&["compile", &model, "--mesh", mesh, "--zero", zero, "-o", name], &dir).assert_success();
        let r = run_parc(&["reshard", "ckpt/step-3", "--to", name, "--json"], &dir);
        r.assert_success();
        let summary: Value = serde_json::from_str(r.stdout.trim()).unwrap();
        assert_eq!(summary["step"], 3);
        assert!(summary["largest_block_elements"].as_u64().unwrap() <= 1 << 20, "{summary}");
        let meta: Value =
            serde_json::from_str(&common::read(&dir.join(name).join("checkpoint/checkpoint.json"))).unwrap();
        assert_eq!(meta["mesh"], summary["to_mesh"]);
        assert_eq!(meta["resharded_from"], summary["from_mesh"]);
        assert_ne!(meta["mesh"], meta["resharded_from"]);
        let out = s(&dir.join(name));
        let resumed =
            run_parc(&["launch", &out, "--resume", &format!("{out}/checkpoint"), "--steps", "5", "--json"], &dir);
        resumed.assert_success();
        let (got, want) = (losses(&resumed), losses(&whole));
        assert_eq!(got.iter().map(|x| x.0).collect::<Vec<_>>(), vec![4, 5], "{mesh}");
        for ((_, g), (_, w)) in got.iter().zip(&want[3..]) {
            assert!((g - w).abs() / w.abs() <= 1e-5, "{mesh}: {g} vs {w}");
        }
    }
    // The output exists already.
    refused(&run_parc(&["reshard", "ckpt/step-3", "--to", "pp"], &dir), &["already exists", "-o"]);
    // A plan of another model: the differing tensors are named, nothing is written.
    run_parc(&["compile", &s(&example("gpt-tiny")), "--mesh", "dp=2", "-o", "gpt"], &dir).assert_success();
    let r = run_parc(&["reshard", "ckpt/step-3", "--to", "gpt", "-o", "x"], &dir);
    refused(&r, &["model \"llama-tiny\"", "\"gpt-tiny\""]);
    assert!(!dir.join("x").exists());
    // The same model name, another size: the differing tensors are listed.
    let text = common::read(&example("llama-tiny")).replace("ffn = 176", "ffn = 192");
    assert!(text.contains("ffn = 192"), "the example's ffn changed: update this test");
    std::fs::write(dir.join("wide.toml"), text).unwrap();
    run_parc(&["compile", "wide.toml", "--mesh", "dp=2", "-o", "wide"], &dir).assert_success();
    let r = run_parc(&["reshard", "ckpt/step-3", "--to", "wide", "-o", "w"], &dir);
    refused(
        &r,
        &["does not fit the plan", "of another shape", "layers.0.mlp.down.weight [176, 64] (the plan: [192, 64])"],
    );
    assert!(!dir.join("w").exists());
    // The same model, another global batch: the data position would change.
    let text = common::read(&example("llama-tiny")).replace("global_batch = 8", "global_batch = 16");
    assert!(text.contains("global_batch = 16"), "the example's global batch changed: update this test");
    std::fs::write(dir.join("big.toml"), text).unwrap();
    run_parc(&["compile", "big.toml", "--mesh", "dp=2", "-o", "big"], &dir).assert_success();
    refused(
        &run_parc(&["reshard", "ckpt/step-3", "--to", "big", "-o", "y"], &dir),
        &["global batch 16", "global_batch = 8"],
    );
    assert!(!dir.join("y").exists());
    // A truncated tensor file.
    std::fs::create_dir_all(dir.join("half")).unwrap();
    std::fs::copy(dir.join("ckpt/step-3/checkpoint.json"), dir.join("half/checkpoint.json")).unwrap();
    let bytes = std::fs::read(dir.join("ckpt/step-3/state.safetensors")).unwrap();
    std::fs::write(dir.join("half/state.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    refused(&run_parc(&["reshard", "half", "--to", "wide", "-o", "h"], &dir), &["state.safetensors"]);
    assert!(!dir.join("h").exists());
    // Not a checkpoint; not a compiled directory.
    refused(&run_parc(&["reshard", "pp", "--to", "pp", "-o", "z"], &dir), &["is not a parc checkpoint"]);
    refused(&run_parc(&["reshard", "ckpt/step-3", "--to", "ckpt", "-o", "z"], &dir), &["is not a compiled directory"]);
}

/// Expert parallelism: a dp=4,ep=2 ZeRO-1 run of moe-tiny checkpointed at step 3 resumes bit for
/// bit on its own mesh (expert weights split over ep, their optimizer state chunked over edp), and
/// reshards onto dp=4 (experts whole) and dp=4,ep=4 ZeRO-3, whose resumed losses equal the
/// uninterrupted run within 1e-5.
#[test]
fn expert_parallel_checkpoints_resume_and_reshard() {
    let dir = fresh_dir("checkpoint", "ep");
    let model = s(&example("moe-tiny"));
    let go = |mesh: &str, zero: &str, args: &[&str]| {
        let mut all = vec!["launch", &model, "--mesh", mesh, "--zero", zero, "--json"];
        all.extend(args);
        run_parc(&all, &dir)
    };
    let whole = go("dp=4,ep=2", "1", &["--steps", "5"]);
    whole.assert_success();
    go("dp=4,ep=2", "1", &["--steps", "3", "--checkpoint-every", "3", "--checkpoint-dir", "ckpt"]).assert_success();
    let resumed = go("dp=4,ep=2", "1", &["--steps", "5", "--resume", "ckpt/step-3"]);
    resumed.assert_success();
    assert_eq!(bits(&losses(&resumed)), bits(&losses(&whole))[3..].to_vec());
    for (name, mesh, zero) in [("dense", "dp=4", "0"), ("ep4", "dp=4,ep=4", "3")] {
        run_parc(&["compile", &model, "--mesh", mesh, "--zero", zero, "-o", name], &dir).assert_success();
        run_parc(&["reshard", "ckpt/step-3", "--to", name], &dir).assert_success();
        let out = s(&dir.join(name));
        let r = run_parc(&["launch", &out, "--resume", &format!("{out}/checkpoint"), "--steps", "5", "--json"], &dir);
        r.assert_success();
        let (got, want) = (losses(&r), losses(&whole));
        assert_eq!(got.iter().map(|x| x.0).collect::<Vec<_>>(), vec![4, 5], "{mesh}");
        for ((_, g), (_, w)) in got.iter().zip(&want[3..]) {
            assert!((g - w).abs() / w.abs() <= 1e-5, "{mesh}: {g} vs {w}");
        }
    }
}
