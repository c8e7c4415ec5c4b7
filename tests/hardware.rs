//! `parc compile --gpu` / `--gpu-file`: a plan is checked against a GPU's usable memory before
//! anything is written. The planned peaks come from the compiled static plan (plan.json), the
//! GPU's memory from its profile (hardware/*.toml, docs/hardware.md).

mod common;

use common::{example, fresh_dir, run_parc};

#[test]
fn a_plan_that_fits_says_so_and_one_that_does_not_writes_nothing() {
    let dir = fresh_dir("hardware", "fit");
    let gpt3 = example("gpt3-175b");
    let gpt3 = gpt3.to_str().expect("utf-8");
    // GPT-3 175B on 64 A100s: every stage is over 80 GB (docs/PERFORMANCE.md).
    let r = run_parc(&["compile", gpt3, "--mesh", "8x4x2", "--gpu", "a100-80g", "-o", "big"], &dir);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(!dir.join("big").exists(), "a plan that does not fit is not written");
    for s in 0..4 {
        assert!(r.stderr.contains(&format!("stage {s} (ranks {}-{}) peaks at", s * 16, s * 16 + 15)), "{}", r.stderr);
    }
    assert!(r.stderr.contains("a100-80g (80.00 GiB of HBM, 78.00 GiB usable)") && r.stderr.contains("help:"));
    // The same model on 256 GPUs with full recomputation fits; the figure printed is plan.json's
    // largest stage peak.
    let args = ["--mesh", "dp=2,pp=16,tp=8", "--zero", "1", "--recompute", "full"];
    let r = run_parc(&[&["compile", gpt3][..], &args[..], &["--gpu", "a100-80g", "-o", "fits"]].concat(), &dir);
    r.assert_success();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fits/plan.json")).unwrap()).unwrap();
    let peak = plan["pipeline"]["per_stage"].as_array().unwrap().iter().map(|s| s["memory"]["peak"].as_u64().unwrap());
    let largest = peak.max().unwrap();
    let shown = format!("peaks at {:.2} GiB of 78.00 GiB usable", largest as f64 / (1u64 << 30) as f64);
    assert!(r.stderr.contains(&shown), "{shown}\n{}", r.stderr);
    // The cost model's prediction, printed and in plan.json, with the fitted parameters.
    let p = &plan["prediction"];
    assert_eq!(p["gpu"], "a100-80g");
    assert_eq!(p["calibrated"], true);
    assert!(p["step_time_s"].as_f64().unwrap() > 0.0 && p["mfu"].as_f64().unwrap() < 1.0, "{p}");
    assert!(r.stderr.contains("predicted (cost model calibrated on Megatron-LM's Table 1"), "{}", r.stderr);
    // Without --gpu, no prediction.
    let r = run_parc(&["compile", gpt3, "--mesh", "dp=2,pp=16,tp=8", "-o", "plain"], &dir);
    r.assert_success();
    let plain = std::fs::read_to_string(dir.join("plain/plan.json")).unwrap();
    assert!(!plain.contains("\"prediction\""));
}

#[test]
fn a_gpu_file_describes_another_gpu() {
    let dir = fresh_dir("hardware", "file");
    let a100 = std::fs::read_to_string(common::repo_root().join("hardware/a100-80g.toml")).unwrap();
    // A GPU with 1 GiB, of which 0.5 is reserved: gpt-tiny fits, llama2-7b on one rank does not.
    let small = a100
        .replace("name = \"a100-80g\"", "name = \"tiny-gpu\"")
        .replace("hbm_gib = 80.0", "hbm_gib = 1.0")
        .replace("reserved_gib = 2.0", "reserved_gib = 0.5");
    std::fs::write(dir.join("tiny.toml"), small).unwrap();
    let tiny = example("gpt-tiny");
    let r = run_parc(&["compile", tiny.to_str().unwrap(), "--gpu-file", "tiny.toml", "-o", "o"], &dir);
    r.assert_success();
    assert!(r.stderr.contains("fits the tiny-gpu") && r.stderr.contains("of 0.50 GiB usable"), "{}", r.stderr);
    let llama = example("llama2-7b");
    let r = run_parc(&["compile", llama.to_str().unwrap(), "--gpu-file", "tiny.toml", "-o", "o7"], &dir);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("every rank (all 1) peaks at"), "{}", r.stderr);
}

#[test]
fn bad_gpus_and_gpu_files_are_the_users_errors() {
    let dir = fresh_dir("hardware", "bad");
    let tiny = example("gpt-tiny");
    let tiny = tiny.to_str().unwrap();
    std::fs::write(dir.join("bad.toml"), "name = \"x\"\n[compute]\npeak_bf16_tflops = 0\n").unwrap();
    let a100 = std::fs::read_to_string(common::repo_root().join("hardware/a100-80g.toml")).unwrap();
    std::fs::write(dir.join("neg.toml"), a100.replace("hbm_gb_per_s = 2039.0", "hbm_gb_per_s = -5.0")).unwrap();
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--gpu", "a100"], &["--gpu a100: no such GPU profile", "did you mean a100-80g?"]),
        (&["--gpu-file", "missing.toml"], &["cannot read GPU profile missing.toml"]),
        (&["--gpu-file", "bad.toml"], &["bad.toml:2:1", "missing field `peak_fp32_tflops`"]),
        (&["--gpu-file", "neg.toml"], &["neg.toml:", "hbm_gb_per_s = -5 must be a positive number"]),
        (&["--gpu", "h200", "--gpu-file", "neg.toml"], &["cannot be used with"]),
    ];
    for (flags, want) in cases {
        let r = run_parc(&[&["compile", tiny][..], flags, &["-o", "o"]].concat(), &dir);
        assert_eq!(r.code, Some(2), "{flags:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked") && !dir.join("o").exists(), "{flags:?}: {}", r.stderr);
        for w in want {
            assert!(r.stderr.contains(w), "{flags:?}: no `{w}` in {}", r.stderr);
        }
    }
}
