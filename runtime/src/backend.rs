//! Where a program's instructions run: the CPU executor, or (later) a GPU. `parc launch`, `parc
//! run`, `parc verify` and `parc-rt` take `--backend` and check it with [`Backend::check`] before
//! any work, so every command answers an unavailable backend with the same message.
//!
//! A backend runs decoded instructions through the [`Device`] trait: the step loop
//! ([`crate::cpu::exec::run_function`]) walks a function's instructions, handles calls and
//! micro-batch loads, and hands every kernel and collective to the device.
//!
//! The CUDA code (cudarc, NVRTC) is compiled only with the `cuda` cargo feature. Today it
//! compile-checks the generated kernels; there is no GPU executor yet, so `--backend cuda` is
//! refused in every build, with a message that says why.

use thiserror::Error;

use crate::comm::CommError;
use crate::cpu::exec::BatchSource;
use crate::instr::{Collective, Kernel};
use crate::program::Buf;

/// Runs a loaded program's decoded instructions on the program's buffers (byte ranges of the
/// rank's arena, as the loader resolved them). The step loop drives it one instruction at a time;
/// a device owns the arena and, for a partitioned program, the rank's communicator.
///
/// The CPU executor ([`crate::cpu::exec::Executor`]) is the one implementation today. A CUDA
/// implementation will come later; until then `--backend cuda` is refused ([`Backend::check`]).
pub trait Device {
    /// Runs one kernel on `operands` (its inputs, then its outputs, as the loader checked them).
    /// The error says what went wrong; the step loop adds the function and the instruction.
    fn kernel(&mut self, kernel: &Kernel, operands: &[Buf]) -> Result<(), String>;

    /// Runs one collective or point-to-point transfer on `operands`; `site` is its program
    /// position (function name, instruction index), for a communicator that reports its own
    /// timeouts ([`crate::comm::Communicator::set_site`]).
    fn collective(
        &mut self,
        collective: &Collective,
        operands: &[Buf],
        site: (&str, usize),
    ) -> Result<(), CollectiveError>;

    /// Has `data` write micro-batch `mb` into the `tokens` and `labels` tensors.
    fn load_batch(&mut self, mb: usize, tokens: &Buf, labels: &Buf, data: &mut dyn BatchSource) -> Result<(), String>;
}

/// Why a collective instruction failed: the communicator's typed error, or the instruction itself
/// (no mesh to run on, a group the mesh lacks).
#[derive(Debug)]
pub enum CollectiveError {
    Comm(CommError),
    Invalid(String),
}

impl From<CommError> for CollectiveError {
    fn from(e: CommError) -> Self {
        CollectiveError::Comm(e)
    }
}

impl From<String> for CollectiveError {
    fn from(e: String) -> Self {
        CollectiveError::Invalid(e)
    }
}

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
