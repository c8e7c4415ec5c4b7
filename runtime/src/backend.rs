//! Where a program's instructions run: the CPU executor, or (later) a GPU. `parc launch`, `parc
//! run`, `parc verify` and `parc-rt` take `--backend` and check it with [`Backend::check`] before
//! any work, so every command answers an unavailable backend with the same message.
//!
//! The CUDA code (cudarc, NVRTC) is compiled only with the `cuda` cargo feature. Today it
//! compile-checks the generated kernels; there is no GPU executor yet, so `--backend cuda` is
//! refused in every build, with a message that says why.

use thiserror::Error;

/// The device that runs a program.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The CPU executor (every build).
    #[default]
    Cpu,
    /// NVIDIA GPUs through CUDA (builds with the `cuda` feature).
    Cuda,
}

/// A backend that this build cannot run programs on.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct BackendError {
    pub message: String,
    pub help: String,
}

impl Backend {
    /// Whether this build can run programs on the backend.
    pub fn check(self) -> Result<(), BackendError> {
        match self {
            Backend::Cpu => Ok(()),
            Backend::Cuda if cfg!(feature = "cuda") => Err(BackendError {
                message: "--backend cuda: running programs on a GPU is not implemented yet; this build compiles \
                          the generated CUDA kernels with NVRTC only to check them"
                    .into(),
                help: "run on the CPU with --backend cpu (the default)".into(),
            }),
            Backend::Cuda => Err(BackendError {
                message: "--backend cuda: this parc was built without CUDA support; rebuild with \
                          `cargo build --release --features cuda`"
                    .into(),
                help: "or run on the CPU with --backend cpu (the default)".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_backend_runs_in_every_build() {
        assert!(Backend::Cpu.check().is_ok());
        assert_eq!(Backend::default(), Backend::Cpu);
    }

    #[test]
    fn the_cuda_backend_says_why_it_cannot_run() {
        let Err(e) = Backend::Cuda.check() else { panic!("--backend cuda cannot run programs yet") };
        if cfg!(feature = "cuda") {
            assert!(e.message.contains("running programs on a GPU is not implemented yet"), "{e}");
            assert!(e.message.contains("NVRTC"), "{e}");
        } else {
            assert!(e.message.contains("this parc was built without CUDA support"), "{e}");
            assert!(e.message.contains("`cargo build --release --features cuda`"), "{e}");
        }
        assert!(e.help.contains("--backend cpu"), "{}", e.help);
    }
}
