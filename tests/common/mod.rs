//! Helpers shared by the end-to-end tests of the `parc` binary: running it, and giving each test a
//! fresh output directory under `CARGO_TARGET_TMPDIR`. The directories are cleared when a test
//! starts, not when it ends: CI runs `mlir-opt` over every `*.mlir` under target/tmp afterwards.

// Each test crate (`cli`, `bad_inputs`) uses only part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
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
