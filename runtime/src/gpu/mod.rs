//! The host side of running programs on a GPU, compiled in every build so that CI checks it
//! without one: the kernel manifest and the launch table that binds each instruction to its
//! generated kernel ([`manifest`]), and `exec.gemm` as cuBLAS calls ([`gemm`]). The CUDA device
//! that uses them is `crate::cuda::device` (the `cuda` feature).

pub mod gemm;
pub mod lockstep;
pub mod manifest;

pub use gemm::{GemmCall, GemmPlan};
pub use manifest::{KernelSet, LaunchTable, Slot};
