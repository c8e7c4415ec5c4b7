//! The CUDA side of the runtime. Everything here goes through cudarc with dynamic loading: the
//! crate builds and its CPU paths run on machines without CUDA, and a missing library is reported
//! at run time by a presence check (never by calling into cudarc, which panics when a library it
//! loads on demand is absent). [`nvrtc`] compiles generated kernels; [`device`] runs programs on a
//! GPU (the host-side launch table and GEMM plans are in `crate::gpu`). It must not depend on the
//! compiler crate.

pub mod device;
pub mod nvrtc;
