//! The CUDA side of the runtime. Everything here goes through cudarc with dynamic loading: the
//! crate builds and its CPU paths run on machines without CUDA, and a missing library is reported
//! at run time by a presence check (never by calling into cudarc, which panics when a library it
//! loads on demand is absent). Today it holds the NVRTC compiler for generated kernels; the CUDA
//! backend, cuBLAS and NCCL come later. It must not depend on the compiler crate.

pub mod nvrtc;
