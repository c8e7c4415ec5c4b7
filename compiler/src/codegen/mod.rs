//! Codegen: renders every kernel of a rank program (the exec dialect) to CUDA C, one `.cu` file
//! per distinct kernel, plus `manifest.json`, which tells the runtime which file, entry points
//! and launch configuration each instruction uses. See docs/codegen.md.
//!
//! How it is organized (tinygrad's "a table from op to C expression plus one function that writes
//! the kernel frame"):
//! - [`classify`] sorts every [`ExecOp`] into kernels, GEMMs (cuBLAS on GPU: listed, not rendered)
//!   and ops that compute nothing, with one exhaustive `match`, so a new op kind cannot be skipped
//!   silently.
//! - `exec.elementwise` bodies are rendered node by node from the table
//!   [`elementwise::SCALAR_OPS`] (op → C expression); library kernels (softmax, norms, reductions,
//!   optimizer steps, ...) each have one template in `rows`, `reduce`, `data` and `optim`. Shapes,
//!   strides and attributes are static and baked in as constants.
//! - Every renderer produces a [`cuda::KernelSpec`] (parameters, entry points with their launch
//!   configuration, scratch, prelude helpers), and [`cuda::write_frame`] writes the file.
//! - Instructions that would render the same source share one file: ops are first grouped by a
//!   key of everything the renderers read (op, attributes, operand types, elementwise body), each
//!   group is rendered once, and groups whose sources coincide are merged. A file is named
//!   `<op>_<8 hex digits of an FNV-1a hash of its source>.cu`, so the same program always gives
//!   byte-identical files.
//!
//! This module only renders text; it does not compile or run CUDA (the runtime crate compiles the
//! files with NVRTC, see docs/cuda.md), and it never changes the module.

mod cuda;
mod data;
mod elementwise;
mod moe;
mod optim;
mod reduce;
mod rows;

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use parc_dialects::attr::AttrMap;
use parc_dialects::diag::Diagnostic;
use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Function, Module, Op, OpKind, Value};
use parc_dialects::types::{TensorType, Type};
use serde::Serialize;

use crate::driver::CompileError;
use cuda::{Role, NAME_PLACEHOLDER};
pub use elementwise::SCALAR_OPS;

/// What codegen does with an exec op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpClass {
    /// Rendered to a CUDA C kernel.
    Kernel,
    /// A matrix multiply: cuBLAS on GPU, listed in the manifest, not rendered.
    Gemm,
    /// Names a buffer, is part of an elementwise body, or is control: nothing to launch.
    NotAKernel,
    /// A collective: NCCL on GPU (a local copy for `shard_slice`), not rendered.
    Collective,
    /// A kernel of the partitioned programs that has no CUDA template yet (the vocab-parallel
    /// cross-entropy pieces): it runs on the CPU backend only.
    CpuOnly,
}

/// Every exec op that is not a kernel: buffers (`tensor`, `view`, `reshape`), the elementwise
/// terminator (`yield`) and control (`call`, `load_batch`).
pub const NON_KERNEL_OPS: &[ExecOp] =
    &[ExecOp::Tensor, ExecOp::View, ExecOp::Reshape, ExecOp::Yield, ExecOp::Call, ExecOp::LoadBatch];

/// The class of every exec op kind; exhaustive, so a new kind must be given one here.
pub fn classify(op: ExecOp) -> OpClass {
    match op {
        ExecOp::Tensor | ExecOp::View | ExecOp::Reshape | ExecOp::Yield | ExecOp::Call | ExecOp::LoadBatch => {
            OpClass::NotAKernel
        }
        ExecOp::Gemm => OpClass::Gemm,
        ExecOp::AllReduce
        | ExecOp::AllGather
        | ExecOp::ReduceScatter
        | ExecOp::ShardSlice
        | ExecOp::AllToAll
        | ExecOp::Send
        | ExecOp::Recv => OpClass::Collective,
        ExecOp::CrossEntropyStats | ExecOp::CrossEntropyFromStats | ExecOp::CrossEntropyGradStats => OpClass::CpuOnly,
        ExecOp::Elementwise
        | ExecOp::Copy
        | ExecOp::Slice
        | ExecOp::Insert
        | ExecOp::Fill
        | ExecOp::Embedding
        | ExecOp::EmbeddingGrad
        | ExecOp::Softmax
        | ExecOp::SoftmaxGrad
        | ExecOp::LayerNorm
        | ExecOp::LayerNormGrad
        | ExecOp::RmsNorm
        | ExecOp::RmsNormGrad
        | ExecOp::Rope
        | ExecOp::CrossEntropy
        | ExecOp::CrossEntropyGrad
        | ExecOp::Reduce
        | ExecOp::ReduceMaxGrad
        | ExecOp::LrSchedule
        | ExecOp::ClipCoef
        | ExecOp::Adamw
        | ExecOp::Sgd
        | ExecOp::TopK
        | ExecOp::OneHot
        | ExecOp::MoeScatter
        | ExecOp::MoeGather => OpClass::Kernel,
    }
}

/// Why a kernel could not be rendered: a compiler bug or an op the renderers do not support (an
/// element type a template has no variant for), never silently skipped.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum CodegenError {
    /// Op `index` (its position in the body of `function`) could not be rendered.
    #[error("cannot render {op} (op {index} of @{function}) to CUDA C: {message}")]
    Op { function: String, index: usize, op: &'static str, message: String },
}

/// An exec kernel op's operand types and attributes: what the library templates read.
pub(crate) struct OpView<'a> {
    pub op: ExecOp,
    pub attrs: &'a AttrMap,
    pub types: Vec<&'a TensorType>,
}

impl OpView<'_> {
    /// Parameters named `names` (with their roles) for the operands, in order.
    pub fn params(&self, names: &[(&str, Role)]) -> Result<Vec<cuda::Param>, String> {
        if names.len() != self.types.len() {
            return Err(format!("expected {} operands, found {}", names.len(), self.types.len()));
        }
        Ok(names
            .iter()
            .zip(&self.types)
            .map(|(&(name, role), t)| cuda::Param { name: name.to_string(), ty: (*t).clone(), role })
            .collect())
    }

    /// A kernel spec for this op with `params`, `entries` and the prelude `helpers`, using the
    /// `ld`/`st` conversions; no scratch and no globals until the caller sets them.
    pub fn spec(
        &self,
        params: Vec<cuda::Param>,
        entries: Vec<cuda::Entry>,
        helpers: &[cuda::Helper],
    ) -> cuda::KernelSpec {
        cuda::KernelSpec {
            op: self.op,
            attrs: self.attrs.to_string(),
            params,
            entries,
            scratch: None,
            accumulate: self.attrs.flag("accumulate"),
            helpers: helpers.iter().copied().collect(),
            conversions: true,
            globals: String::new(),
        }
    }

    /// The last dim of operand `i` (1 for a scalar) and the number of rows of that length.
    pub fn rows(&self, i: usize) -> (u64, u64) {
        let t = self.types[i];
        let n = t.shape.last().copied().unwrap_or(1) as u64;
        (t.num_elements() / n.max(1), n)
    }

    /// Fails unless every operand in `which` has a float element type.
    pub fn need_float(&self, which: &[usize]) -> Result<(), String> {
        for &i in which {
            let d = self.types.get(i).ok_or_else(|| format!("operand {i} is missing"))?.dtype;
            if !d.is_float() {
                return Err(format!(
                    "operand {i} has element type {d}; this kernel has f32, bf16 and f16 variants only"
                ));
            }
        }
        Ok(())
    }
}

/// One entry point of a kernel file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryPoint {
    /// The `extern "C"` function name.
    pub name: String,
    /// Blocks, `[x, y, z]`.
    pub grid: [u64; 3],
    /// Threads per block, `[x, y, z]`.
    pub block: [u32; 3],
    /// Dynamic shared memory in bytes (always 0: reductions use static shared memory).
    pub shared_bytes: u32,
    /// What the launch does.
    pub purpose: String,
}

/// A kernel parameter as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamInfo {
    pub name: String,
    /// The operand's type, `memref<2x32x64xf32>`.
    #[serde(rename = "type")]
    pub ty: String,
    pub role: &'static str,
}

/// The instructions of one function that launch a kernel: their positions in the function's body
/// (counting every op from 0, `exec.tensor` and `exec.view` included), in program order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Uses {
    pub function: String,
    pub ops: Vec<usize>,
}

/// One kernel file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelFile {
    /// The file name inside `kernels/`, `softmax_1a2b3c4d.cu`.
    pub file: String,
    /// The exec op it implements, `exec.softmax`.
    pub op: &'static str,
    /// `f32`, `bf16` or `f16` (see `cuda::variant`).
    pub variant: &'static str,
    /// Launched in this order on one stream, all with the same parameters.
    pub entry_points: Vec<EntryPoint>,
    /// The operands, in order; with `scratch_bytes > 0` a scratch pointer follows them.
    pub params: Vec<ParamInfo>,
    /// Bytes of device scratch the runtime passes as the last parameter (0: none).
    pub scratch_bytes: u64,
    /// The instructions that use this kernel, by function in module order.
    pub uses: Vec<Uses>,
    /// The CUDA C source.
    #[serde(skip)]
    pub source: String,
}

/// An `exec.gemm` instruction, for cuBLAS.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GemmCall {
    pub function: String,
    pub op: usize,
    pub a: String,
    pub b: String,
    pub c: String,
    pub transpose_a: bool,
    pub transpose_b: bool,
    pub accumulate: bool,
}

/// The rendered kernels of a module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kernels {
    /// Distinct kernels in order of first use.
    pub kernels: Vec<KernelFile>,
    /// The GEMMs, in program order.
    pub gemms: Vec<GemmCall>,
    /// Instructions with no CUDA rendering yet (the vocab-parallel embedding and cross-entropy
    /// pieces of partitioned programs, whose block of the vocabulary depends on the rank): they
    /// run on the CPU backend only, and the manifest lists them so a CUDA backend refuses the
    /// program instead of running it wrong.
    pub cpu_only: Vec<CpuOnlyCall>,
}

/// An instruction that has no CUDA kernel yet.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CpuOnlyCall {
    pub function: String,
    pub op: usize,
    pub kind: String,
}

impl Kernels {
    /// `manifest.json`: every kernel file with its variant, entry points and launch configuration,
    /// parameters, scratch and uses, then the GEMMs. Indented, with each leaf object (an entry
    /// point, a parameter, the uses in one function, a GEMM) on one line; deterministic.
    pub fn manifest_json(&self) -> String {
        let one = |v: &dyn erased::Json| v.compact();
        let mut s = String::from("{\n  \"kernels\": [");
        for (i, k) in self.kernels.iter().enumerate() {
            s.push_str(if i == 0 { "\n" } else { ",\n" });
            let _ = write!(
                s,
                "    {{\n      \"file\": {},\n      \"op\": {},\n      \"variant\": {},\n",
                one(&k.file),
                one(&k.op),
                one(&k.variant)
            );
            let list = |s: &mut String, name: &str, items: Vec<String>, last: bool| {
                let _ = write!(
                    s,
                    "      \"{name}\": [\n        {}\n      ]{}\n",
                    items.join(",\n        "),
                    if last { "" } else { "," }
                );
            };
            list(&mut s, "entry_points", k.entry_points.iter().map(|e| one(e)).collect(), false);
            list(&mut s, "params", k.params.iter().map(|p| one(p)).collect(), false);
            let _ = writeln!(s, "      \"scratch_bytes\": {},", k.scratch_bytes);
            list(&mut s, "uses", k.uses.iter().map(|u| one(u)).collect(), true);
            s.push_str("    }");
        }
        s.push_str("\n  ],\n  \"gemms\": [");
        for (i, g) in self.gemms.iter().enumerate() {
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            s.push_str(&one(g));
        }
        s.push_str("\n  ]");
        if !self.cpu_only.is_empty() {
            s.push_str(",\n  \"cpu_only\": [");
            for (i, c) in self.cpu_only.iter().enumerate() {
                s.push_str(if i == 0 { "\n    " } else { ",\n    " });
                s.push_str(&one(c));
            }
            s.push_str("\n  ]");
        }
        s.push_str("\n}\n");
        s
    }
}

/// Compact JSON of anything serializable, behind a trait object so that one closure takes all.
mod erased {
    pub trait Json {
        fn compact(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn compact(&self) -> String {
            // Serializing these plain structs and strings cannot fail.
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// Renders one kernel op of `func`.
fn render_op(func: &Function, op: Op, kind: ExecOp) -> Result<cuda::KernelSpec, String> {
    if kind == ExecOp::Elementwise {
        return elementwise::render(func, op);
    }
    let data = &func.ops[op];
    let types = data
        .operands
        .iter()
        .map(|&v| match func.value_type(v) {
            Type::MemRef(t) => Ok(t),
            other => Err(format!("operand {other} is not a memref")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let view = OpView { op: kind, attrs: &data.attrs, types };
    match kind {
        ExecOp::Copy => data::copy(&view),
        ExecOp::Slice => data::slice(&view),
        ExecOp::Insert => data::insert(&view),
        ExecOp::Fill => data::fill(&view),
        ExecOp::Embedding => data::embedding(&view),
        ExecOp::EmbeddingGrad => data::embedding_grad(&view),
        ExecOp::Rope => data::rope(&view),
        ExecOp::Softmax => rows::softmax(&view),
        ExecOp::SoftmaxGrad => rows::softmax_grad(&view),
        ExecOp::LayerNorm | ExecOp::RmsNorm => rows::norm(&view),
        ExecOp::LayerNormGrad | ExecOp::RmsNormGrad => rows::norm_grad(&view),
        ExecOp::CrossEntropy => rows::cross_entropy(&view),
        ExecOp::CrossEntropyGrad => rows::cross_entropy_grad(&view),
        ExecOp::Reduce => reduce::reduce(&view),
        ExecOp::ReduceMaxGrad => reduce::reduce_max_grad(&view),
        ExecOp::LrSchedule => optim::lr_schedule(&view),
        ExecOp::ClipCoef => optim::clip_coef(&view),
        ExecOp::Adamw => optim::adamw(&view),
        ExecOp::Sgd => optim::sgd(&view),
        ExecOp::TopK => moe::top_k(&view),
        ExecOp::OneHot => moe::one_hot(&view),
        ExecOp::MoeScatter => moe::moe_move(&view, true),
        ExecOp::MoeGather => moe::moe_move(&view, false),
        ExecOp::Elementwise
        | ExecOp::Gemm
        | ExecOp::Tensor
        | ExecOp::View
        | ExecOp::Reshape
        | ExecOp::Yield
        | ExecOp::Call
        | ExecOp::LoadBatch
        | ExecOp::AllReduce
        | ExecOp::AllGather
        | ExecOp::ReduceScatter
        | ExecOp::ShardSlice
        | ExecOp::AllToAll
        | ExecOp::Send
        | ExecOp::Recv
        | ExecOp::CrossEntropyStats
        | ExecOp::CrossEntropyFromStats
        | ExecOp::CrossEntropyGradStats => Err(format!("{} is not a kernel codegen renders", kind.name())),
    }
}

/// Everything the renderers read from a kernel op, as a string: ops with equal keys render the
/// same source. For an elementwise op that includes its body, with values numbered canonically.
fn op_key(func: &Function, op: Op) -> String {
    let data = &func.ops[op];
    let mut key = String::with_capacity(256);
    let _ = write!(key, "{}{}", data.kind.name(), data.attrs);
    for &v in &data.operands {
        let _ = write!(key, "|{}", func.value_type(v));
    }
    for &region in &data.regions {
        for &block in &func.regions[region].blocks {
            let mut numbered: Vec<Value> = func.blocks[block].args.clone();
            let _ = write!(key, "|^{}", numbered.len());
            for &inner in &func.blocks[block].ops {
                let d = &func.ops[inner];
                let _ = write!(key, "|{}{}(", d.kind.name(), d.attrs);
                for &v in &d.operands {
                    match numbered.iter().position(|&x| x == v) {
                        Some(i) => {
                            let _ = write!(key, "{i},");
                        }
                        None => key.push_str("?,"),
                    }
                }
                key.push(')');
                for &r in &d.results {
                    let _ = write!(key, "{},", func.value_type(r));
                    numbered.push(r);
                }
            }
        }
    }
    key
}

/// FNV-1a, 64 bits: a stable hash (the same on every platform and run) for file names.
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Renders every kernel of every function of `module` (a rank program) and lists its GEMMs.
pub fn render_module(module: &Module) -> Result<Kernels, CodegenError> {
    // Distinct keys in first-use order, each with its uses.
    let mut key_index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<(cuda::KernelSpec, Vec<(usize, usize)>)> = Vec::new();
    let mut gemms = Vec::new();
    let mut cpu_only = Vec::new();
    for (f, func) in module.functions.iter().enumerate() {
        for (index, &op) in func.blocks[func.entry_block()].ops.iter().enumerate() {
            let data = &func.ops[op];
            let OpKind::Exec(kind) = data.kind else { continue };
            let at = (f, index);
            // A kernel over a rank's block of the vocabulary needs the rank's offset, which the
            // CUDA renderer does not pass yet.
            let class = if data.attrs.str("shard_axis").is_some() { OpClass::CpuOnly } else { classify(kind) };
            match class {
                OpClass::CpuOnly => {
                    cpu_only.push(CpuOnlyCall { function: func.name.clone(), op: index, kind: kind.name().into() })
                }
                OpClass::NotAKernel | OpClass::Collective => {}
                OpClass::Gemm => {
                    let ty =
                        |i: usize| data.operands.get(i).map(|&v| func.value_type(v).to_string()).unwrap_or_default();
                    gemms.push(GemmCall {
                        function: func.name.clone(),
                        op: index,
                        a: ty(0),
                        b: ty(1),
                        c: ty(2),
                        transpose_a: data.attrs.flag("transpose_a"),
                        transpose_b: data.attrs.flag("transpose_b"),
                        accumulate: data.attrs.flag("accumulate"),
                    });
                }
                OpClass::Kernel => {
                    let key = op_key(func, op);
                    if let Some(&g) = key_index.get(&key) {
                        groups[g].1.push(at);
                        continue;
                    }
                    let spec = render_op(func, op, kind).map_err(|message| CodegenError::Op {
                        function: func.name.clone(),
                        index,
                        op: kind.name(),
                        message,
                    })?;
                    key_index.insert(key, groups.len());
                    groups.push((spec, vec![at]));
                }
            }
        }
    }

    // One file per distinct source, named by its hash.
    let mut by_source: HashMap<String, usize> = HashMap::new();
    let mut kernels: Vec<KernelFile> = Vec::new();
    let mut kernel_uses: Vec<Vec<(usize, usize)>> = Vec::new();
    for (spec, uses) in groups {
        let template = cuda::write_frame(&spec);
        if let Some(&k) = by_source.get(&template) {
            kernel_uses[k].extend(uses);
            continue;
        }
        kernel_uses.push(uses);
        let short = spec.op.name().trim_start_matches("exec.");
        let mut base = format!("{short}_{:08x}", fnv1a(&template) as u32);
        let mut n = 2;
        while kernels.iter().any(|k| k.file == format!("{base}.cu")) {
            // Two sources with the same 32-bit hash: keep both, deterministically.
            base = format!("{short}_{:08x}_{n}", fnv1a(&template) as u32);
            n += 1;
        }
        let source = template.replace(NAME_PLACEHOLDER, &base);
        let variant = cuda::variant(&spec.params).name();
        by_source.insert(template, kernels.len());
        kernels.push(KernelFile {
            file: format!("{base}.cu"),
            op: spec.op.name(),
            variant,
            entry_points: spec
                .entries
                .iter()
                .map(|e| EntryPoint {
                    name: format!("{base}{}", e.suffix),
                    grid: [e.grid, 1, 1],
                    block: [e.block, 1, 1],
                    shared_bytes: 0,
                    purpose: e.purpose.to_string(),
                })
                .collect(),
            params: spec
                .params
                .iter()
                .map(|p| ParamInfo {
                    name: p.name.clone(),
                    ty: Type::MemRef(p.ty.clone()).to_string(),
                    role: p.role.name(),
                })
                .collect(),
            scratch_bytes: spec.scratch.as_ref().map_or(0, |s| s.0),
            uses: Vec::new(),
            source,
        });
    }
    for (k, mut uses) in kernels.iter_mut().zip(kernel_uses) {
        uses.sort_unstable();
        for (f, op) in uses {
            let function = &module.functions[f].name;
            match k.uses.last_mut() {
                Some(u) if &u.function == function => u.ops.push(op),
                _ => k.uses.push(Uses { function: function.clone(), ops: vec![op] }),
            }
        }
    }
    Ok(Kernels { kernels, gemms, cpu_only })
}

/// Replaces the kernels in `dir` (`OUT/kernels`): removes the `*.cu` files and `manifest.json` of
/// an earlier run, then, when `generated` (the rank programs were), renders `module` and writes
/// one file per kernel and `manifest.json`. Returns the paths written.
pub fn write_kernels(dir: &Path, module: &Module, generated: bool) -> Result<Vec<PathBuf>, CompileError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        CompileError::User(
            Diagnostic::new(format!("cannot {what} {}: {e}", path.display()))
                .with_help("choose an output directory you can write to with -o"),
        )
    };
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "cu") || path.file_name().is_some_and(|n| n == "manifest.json") {
                std::fs::remove_file(&path).map_err(|e| io("remove stale kernel", &path, e))?;
            }
        }
    }
    if !generated {
        return Ok(Vec::new());
    }
    let kernels = render_module(module).map_err(|e| CompileError::Internal(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    let mut written = Vec::with_capacity(kernels.kernels.len() + 1);
    for k in &kernels.kernels {
        let path = dir.join(&k.file);
        std::fs::write(&path, &k.source).map_err(|e| io("write", &path, e))?;
        written.push(path);
    }
    let path = dir.join("manifest.json");
    std::fs::write(&path, kernels.manifest_json()).map_err(|e| io("write", &path, e))?;
    written.push(path);
    Ok(written)
}
