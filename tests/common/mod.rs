//! Helpers shared by the end-to-end tests of the `parc` binary: running it, and giving each test a
//! fresh output directory under `CARGO_TARGET_TMPDIR`. The directories are cleared when a test
//! starts, not when it ends: CI runs `mlir-opt` over every `*.mlir` under target/tmp afterwards.

// Each test crate (`cli`, `bad_inputs`) uses only part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The root of the `parc` package (where `examples/` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The path of `examples/NAME.toml`.
pub fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(format!("{name}.toml"))
}

/// A fresh, empty directory `<CARGO_TARGET_TMPDIR>/<group>/<name>`, emptied if an earlier run
/// left it behind.
pub fn fresh_dir(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(group).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot clear {}: {e}", dir.display()));
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` if the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with the whole output unless the run exited with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the run was refused as bad input: exit code 2, every one of `needles` in
    /// stderr, and no panic.
    pub fn assert_refused(&self, needles: &[&str]) -> &Self {
        self.assert_code(2);
        for n in needles {
            assert!(self.stderr.contains(n), "no `{n}` in:\n{}", self.stderr);
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// Panics unless the run succeeded.
    pub fn assert_success(&self) -> &Self {
        self.assert_code(0)
    }
}

/// Runs `parc ARGS` in `cwd`. `RUST_BACKTRACE` is removed from the environment so that a panic
/// prints its usual "run with `RUST_BACKTRACE=1`" note, which the bad-input tests look for.
pub fn run_parc<S: AsRef<std::ffi::OsStr>>(args: &[S], cwd: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_parc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run parc: {e}"));
    Run::from(output)
}

/// The file names in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Reads a text file, naming it if that fails.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The `parc-rt` binary of the same build as `parc`, (re)built once per test process.
pub fn parc_rt() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let parc = Path::new(env!("CARGO_BIN_EXE_parc"));
        let rt = parc.with_file_name(format!("parc-rt{}", std::env::consts::EXE_SUFFIX));
        // <target-dir>/[<triple>/]<profile-dir>/parc, and CARGO_TARGET_TMPDIR is <target-dir>/tmp.
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target directory");
        let profile_dir = parc.parent().expect("the profile directory");
        let profile = match profile_dir.file_name().and_then(OsStr::to_str) {
            Some("debug") => "dev",
            Some(name) => name,
            None => panic!("cannot tell the cargo profile from {}", parc.display()),
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(&cargo);
        build
            .args(["build", "--quiet", "-p", "parc-runtime", "--bin", "parc-rt", "--profile", profile])
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir);
        if let Some(triple) = profile_dir.parent().filter(|p| *p != target_dir).and_then(Path::file_name) {
            build.arg("--target").arg(triple);
        }
        // The same features as the build under test, or cargo would rebuild parc-rt without them.
        let features: Vec<&str> = [("cuda", cfg!(feature = "cuda")), ("mpi", cfg!(feature = "mpi"))]
            .into_iter()
            .filter_map(|(name, on)| on.then_some(name))
            .collect();
        if !features.is_empty() {
            build.args(["--features", &features.join(",")]);
        }
        match build.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "cannot build parc-rt ({build:?} exited with {}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
            // No cargo (the test binary was run by hand): use what is there, if anything.
            Err(e) if rt.exists() => {
                eprintln!("cannot run {cargo:?} ({e}); using {} as it is", rt.display())
            }
            Err(e) => panic!(
                "cannot run {cargo:?} to build parc-rt ({e}); run `cargo build -p parc-runtime --bin parc-rt` first"
            ),
        }
        assert!(rt.exists(), "cargo built parc-rt, but not at {}", rt.display());
        rt
    })
}

/// Runs `parc-rt ARGS` in `cwd`, like `common::run_parc`.
pub fn run_rt<S: AsRef<OsStr>>(args: &[S], cwd: &Path) -> Run {
    let output = Command::new(parc_rt())
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run parc-rt: {e}"));
    Run::from(output)
}

/// A safetensors file as read here: tensor name -> (dtype, shape, f32 values if F32).
pub type Tensors = BTreeMap<String, (String, Vec<usize>, Vec<f32>)>;

/// Reads a safetensors file by the format's definition: an 8-byte little-endian header length N,
/// N bytes of JSON mapping each tensor name to its dtype, shape and `[begin, end)` byte offsets
/// into the data that follows (plus an optional `__metadata__` map of strings). Checks that the
/// offsets tile the data exactly and that each tensor's byte length matches its shape and dtype.
pub fn read_safetensors(path: &Path) -> Tensors {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(bytes.len() >= 8, "{}: {} bytes", path.display(), bytes.len());
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    assert!(8 + n <= bytes.len(), "{}: header of {n} bytes in a file of {}", path.display(), bytes.len());
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).expect("the header is JSON");
    let data = &bytes[8 + n..];
    let mut tensors = Tensors::new();
    let mut ranges = Vec::new();
    for (name, entry) in header.as_object().expect("the header is an object") {
        if name == "__metadata__" {
            assert!(entry.as_object().is_some_and(|m| m.values().all(Value::is_string)), "{entry}");
            continue;
        }
        let dtype = entry["dtype"].as_str().expect("dtype").to_string();
        let shape: Vec<usize> =
            entry["shape"].as_array().expect("shape").iter().map(|d| d.as_u64().expect("dim") as usize).collect();
        let offsets: Vec<usize> = entry["data_offsets"]
            .as_array()
            .expect("offsets")
            .iter()
            .map(|o| o.as_u64().expect("offset") as usize)
            .collect();
        let [begin, end] = offsets[..] else { panic!("{name}: data_offsets {offsets:?}") };
        let width = match dtype.as_str() {
            "F32" => 4,
            "F16" | "BF16" => 2,
            other => panic!("{name}: unexpected dtype {other}"),
        };
        assert_eq!(end - begin, width * shape.iter().product::<usize>(), "{name}: {shape:?} {offsets:?}");
        let values = if dtype == "F32" {
            data[begin..end].chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()
        } else {
            Vec::new()
        };
        ranges.push((begin, end));
        tensors.insert(name.clone(), (dtype, shape, values));
    }
    ranges.sort_unstable();
    let mut at = 0;
    for (begin, end) in ranges {
        assert_eq!(begin, at, "{}: tensor data has a gap or an overlap at byte {at}", path.display());
        at = end;
    }
    assert_eq!(at, data.len(), "{}: the data section has {} bytes, the tensors {at}", path.display(), data.len());
    tensors
}

/// `spec` with `training`'s overrides, compiled in memory for `mesh` (every pass's output
/// verified).
pub fn compile_with(
    spec: &parc_compiler::ModelSpec,
    mesh: &str,
    training: &parc_compiler::driver::TrainingOverrides,
) -> parc_compiler::CompileOutput {
    let mut spec = spec.clone();
    training.apply(&mut spec);
    let opts = parc_compiler::driver::CompileOptions {
        training: training.clone(),
        mesh: parc_compiler::Mesh::parse(mesh).expect("a valid mesh"),
        pipeline: parc_dialects::pass::PipelineOptions { verify_each: true, ..Default::default() },
    };
    parc_compiler::driver::compile_spec(spec, &opts, std::time::Instant::now())
        .unwrap_or_else(|e| panic!("{mesh} {training:?}: {e}"))
}

/// Trains [`compile_with`]'s programs (all ranks as threads) for `steps` steps from the seeded
/// initialization: every step's loss and the final global parameters.
pub fn train_with(
    spec: &parc_compiler::ModelSpec,
    mesh: &str,
    training: &parc_compiler::driver::TrainingOverrides,
    steps: u64,
) -> parc_runtime::verify::Run {
    let out = compile_with(spec, mesh, training);
    let modules = if out.stages.is_empty() { vec![out.module] } else { out.stages };
    let programs: Vec<parc_runtime::program::Program> =
        modules.iter().map(|m| parc_runtime::program::Program::load(m).expect("the program loads")).collect();
    parc_runtime::verify::run(&programs, None, steps).unwrap_or_else(|e| panic!("{mesh} {training:?}: {e}"))
}
