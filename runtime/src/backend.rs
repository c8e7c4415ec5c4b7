//! Where a program's instructions run: the CPU executor, or (later) a GPU. `parc launch`, `parc
//! run`, `parc verify` and `parc-rt` take `--backend` and check it with [`Backend::check`] before
//! any work, so every command answers an unavailable backend with the same message.
//!
//! A backend runs decoded instructions through the [`Device`] trait: the step loop
//! ([`crate::cpu::exec::run_function`]) walks a function's instructions, handles calls and
//! micro-batch loads, and hands every kernel and collective to the device.
//!
//! A GPU backend is an [`Accelerator`]: a [`Device`] whose arena lives in device memory, with
//! the copies the trainer needs between it and the host arena (weights in and out, the step
//! counter, the loss). The CUDA one (`crate::cuda::device`, cudarc with NVRTC and cuBLAS) is
//! compiled only with the `cuda` cargo feature; a build without it answers `--backend cuda` with a
//! message that says how to get it.

use thiserror::Error;

use crate::comm::CommError;
use crate::cpu::exec::BatchSource;
use crate::instr::{Collective, Kernel};
use crate::program::Buf;

/// Runs a loaded program's decoded instructions on the program's buffers (byte ranges of the
/// rank's arena, as the loader resolved them). The step loop drives it one instruction at a time;
/// a device owns the arena and, for a partitioned program, the rank's communicator.
///
/// Implementations: the CPU executor ([`crate::cpu::exec::Executor`]) and, with the `cuda`
/// feature, the CUDA device (`crate::cuda::device::CudaDevice`).
pub trait Device {
    /// Runs one kernel on `operands` (its inputs, then its outputs, as the loader checked them);
    /// `at` is its place in the program (function instance, instruction index), which a GPU
    /// backend uses to find its generated kernel. The error says what went wrong; the step loop
    /// adds the function and the instruction.
    fn kernel(&mut self, kernel: &Kernel, operands: &[Buf], at: (usize, usize)) -> Result<(), String>;

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

/// A device whose arena is not the host's: the trainer keeps the host arena as the place where
/// weights are initialized, loaded and saved, and copies between the two only when one side has
/// changed ([`crate::train::Trainer`]).
pub trait Accelerator: Device {
    /// Copies the whole host arena (exactly the program's `arena_bytes`) to the device.
    fn upload(&mut self, host: &[u8]) -> Result<(), String>;
    /// Copies the whole device arena to the host.
    fn download(&mut self, host: &mut [u8]) -> Result<(), String>;
    /// Writes `bytes` into buffer `buf` of the device arena.
    fn write(&mut self, buf: &Buf, bytes: &[u8]) -> Result<(), String>;
    /// Reads buffer `buf` of the device arena into `bytes` (waits for the work before it).
    fn read(&mut self, buf: &Buf, bytes: &mut [u8]) -> Result<(), String>;
    /// The device, in words (`NVIDIA H100 80GB HBM3, compute capability 9.0`).
    fn describe(&self) -> String;
    /// Called before each step's instructions (a GPU that replays a step as CUDA graphs starts
    /// its segments over).
    fn begin_step(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// Called after each step's instructions, before its loss is read.
    fn end_step(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// With profiling on (`--profile`): the GPU time of each kernel file and GEMM shape per step,
    /// largest first.
    fn profile(&self) -> Option<Vec<ProfileEntry>> {
        None
    }
}

/// One line of a GPU profile: what ran (a kernel file, or a GEMM's shape), its time per step
/// summed over the instructions that ran it, and how many did.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileEntry {
    pub label: String,
    pub ms_per_step: f64,
    pub instructions: usize,
    pub launches_per_step: f64,
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
    /// Whether this build can run programs on the backend (whether this machine has the GPU and
    /// its libraries is found when the device is opened, [`Backend::open`]).
    pub fn check(self) -> Result<(), BackendError> {
        match self {
            Backend::Cpu => Ok(()),
            Backend::Cuda if cfg!(feature = "cuda") => Ok(()),
            Backend::Cuda => Err(BackendError {
                message: "--backend cuda: this parc was built without CUDA support; rebuild with \
                          `cargo build --release --features cuda`"
                    .into(),
                help: "or run on the CPU with --backend cpu (the default)".into(),
            }),
        }
    }
}

/// How a GPU runs the steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceOptions {
    /// Time every kernel and GEMM (no graphs then).
    pub profile: bool,
    /// Capture the second step as CUDA graphs and replay them.
    pub graphs: bool,
}

/// The accelerator that runs `program` on `backend`: `None` for the CPU (the trainer's own
/// executor runs it). A GPU needs the program's generated kernels (`kernels`).
pub fn open<'p>(
    backend: Backend,
    program: &'p crate::program::Program,
    kernels: Option<&crate::gpu::KernelSet>,
    options: DeviceOptions,
) -> Result<Option<Box<dyn Accelerator + 'p>>, String> {
    match backend {
        Backend::Cpu => Ok(None),
        Backend::Cuda => {
            let kernels = kernels.ok_or(
                "--backend cuda needs the program's generated kernels (OUT/kernels/manifest.json); recompile with parc compile",
            )?;
            open_cuda(program, kernels, options)
        }
    }
}

#[cfg(feature = "cuda")]
fn open_cuda<'p>(
    program: &'p crate::program::Program,
    kernels: &crate::gpu::KernelSet,
    options: DeviceOptions,
) -> Result<Option<Box<dyn Accelerator + 'p>>, String> {
    let mut device = crate::cuda::device::CudaDevice::new(program, kernels)?;
    if options.profile {
        device.enable_profiling();
    } else if options.graphs {
        device.enable_graphs();
    }
    Ok(Some(Box::new(device)))
}

#[cfg(not(feature = "cuda"))]
fn open_cuda<'p>(
    _: &'p crate::program::Program,
    _: &crate::gpu::KernelSet,
    _: DeviceOptions,
) -> Result<Option<Box<dyn Accelerator + 'p>>, String> {
    Err(Backend::Cuda.check().err().map_or_else(String::new, |e| format!("{}; {}", e.message, e.help)))
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
    fn the_cuda_backend_needs_the_cuda_feature() {
        let cuda_build = cfg!(feature = "cuda");
        match Backend::Cuda.check() {
            Ok(()) => assert!(cuda_build, "a build without CUDA accepted --backend cuda"),
            Err(e) => {
                assert!(!cuda_build, "a CUDA build refused --backend cuda: {e}");
                assert!(e.message.contains("this parc was built without CUDA support"), "{e}");
                assert!(e.message.contains("`cargo build --release --features cuda`"), "{e}");
                assert!(e.help.contains("--backend cpu"), "{}", e.help);
            }
        }
    }
}
