//! parc's IR core and dialects.
//!
//! The core is dialect-neutral: entity arenas ([`entity`]), types ([`types`]), attributes
//! ([`attr`]), the IR structure ([`ir`]), a builder ([`builder`]), the MLIR-syntax printer and
//! parser ([`printer`], [`parser`]), the verifier ([`verifier`]), diagnostics ([`diag`]) and the
//! pass manager ([`pass`]). Dialects fill per-op tables: [`func`] (the terminator) and [`graph`]
//! (whole-tensor model ops). Nothing here knows about models, meshes or files.

pub mod attr;
pub mod builder;
pub mod diag;
pub mod dist;
pub mod entity;
pub mod exec;
pub mod func;
pub mod graph;
pub mod hash;
pub mod ir;
pub mod mesh;
pub mod parser;
pub mod pass;
pub mod printer;
pub mod signature;
pub mod types;
pub mod verifier;

pub use attr::{Attr, AttrMap};
pub use builder::{BuildError, Builder};
pub use ir::{Block, Function, Module, Op, OpKind, Region, Value};
pub use types::{DType, TensorType, Type};
