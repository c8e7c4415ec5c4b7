//! parc's runtime: it will load the per-rank programs that `parc compile` writes and execute them
//! on a CPU or CUDA backend. It must never depend on the compiler crate, so that the `parc-rt`
//! binary stays lean. It runs programs on the CPU; with the `cuda` cargo feature also on an NVIDIA
//! GPU (`cuda`: NVRTC-compiled generated kernels, cuBLAS GEMMs; see [`backend`] and [`gpu`]).
//! With the `mpi` feature, `parc-rt` runs one rank per process under mpirun or srun
//! ([`process`], [`comm::mpi`]).

pub mod backend;
pub mod comm;
pub mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod data;
pub mod gpu;
pub mod hf;
pub mod init;
pub mod instr;
pub mod launch;
pub mod logits;
pub mod memory;
pub mod pio;
pub mod process;
pub mod program;
pub mod rank;
pub mod reshard;
pub mod shards;
pub mod train;
pub mod verify;
pub mod weights;

/// The file, inside a compiled output directory, that summarizes the plan.
pub const PLAN_FILE: &str = "plan.json";
