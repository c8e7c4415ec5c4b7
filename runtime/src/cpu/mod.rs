//! The CPU backend's numeric building blocks. Today that is the f32 GEMM layer ([`gemm`]), which
//! wraps a library kernel behind a checked, stride-based API. This module owns no scheduling and
//! no memory planning: callers hand it slices that already hold their operands.

pub mod gemm;
pub mod kernels;

pub use gemm::{sgemm, sgemm_batched, Batch, Gemm, GemmError, MatLayout, MatMut, MatRef, Operand, Par};
pub mod exec;
