//! Every committed fuzz input — the seed corpora (fuzz/seeds/TARGET) and the minimized inputs of
//! bugs the fuzzers found (fuzz/regressions/TARGET) — through the fuzz targets' own checks
//! (fuzz/src/lib.rs), on the stable toolchain and without libFuzzer. A regression input that
//! panics, or a seed that no longer passes its target's check, fails here on every `cargo test`.
//! The fuzzing itself is `bash scripts/fuzz.sh TARGET SECONDS` (docs/fuzzing.md).

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::{Path, PathBuf};

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 7] = [
    ("model_toml", checks::model_toml),
    ("mlir", checks::mlir),
    ("program", checks::program),
    ("tokens", checks::tokens),
    ("safetensors", checks::safetensors),
    ("mesh", checks::mesh),
    ("gpu_profile", checks::gpu_profile),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.expect("list a fuzz input directory").path()).collect();
    files.sort();
    files
}

fn run(target: &str, check: Check, kind: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let inputs = files(&dir);
    for path in &inputs {
        let data = std::fs::read(path).expect("read a fuzz input");
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("fuzz target {target} fails on {}", path.display());
        }
    }
    inputs.len()
}

#[test]
fn every_seed_passes_its_targets_check() {
    for (target, check) in TARGETS {
        let n = run(target, check, "seeds");
        assert!(n >= 3, "fuzz/seeds/{target} has {n} inputs; every target starts from at least 3");
    }
}

#[test]
fn every_regression_input_passes_its_targets_check() {
    let n: usize = TARGETS.iter().map(|&(target, check)| run(target, check, "regressions")).sum();
    assert!(n >= 1, "fuzz/regressions/ holds no inputs");
}

#[test]
fn every_target_directory_is_a_target() {
    for kind in ["seeds", "regressions"] {
        for dir in files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind)) {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            assert!(TARGETS.iter().any(|(t, _)| *t == name), "fuzz/{kind}/{name} is not a fuzz target");
        }
    }
}
