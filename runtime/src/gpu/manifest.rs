//! The generated kernels of a program as a GPU backend reads them: `kernels/manifest.json` (what
//! codegen writes next to the rank programs, docs/codegen.md) and the `.cu` sources it names, and
//! the launch table that binds every instruction of a loaded [`Program`] to its kernel file or its
//! cuBLAS call. Everything here is host-side and runs without a GPU, so CI checks it: that every
//! kernel instruction finds its kernel, that the kernel's parameters are the instruction's
//! operands (the same count, shapes and element types, in the same order), and that nothing the
//! GPU cannot run is left in the program.

use std::collections::HashMap;
use std::path::Path;

use parc_dialects::types::DType;
use serde::Deserialize;

use super::gemm::GemmPlan;
use crate::instr::Kernel;
use crate::program::{Buf, Instr, Program};

/// One launch of a kernel file: its entry point and launch configuration.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub grid: [u64; 3],
    pub block: [u32; 3],
    pub shared_bytes: u32,
    #[serde(default)]
    pub purpose: String,
}

/// A kernel parameter as the manifest lists it: `memref<2x32x64xf32>` and its role.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ParamInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub role: String,
}

/// The instructions of one function that use a kernel file (positions in the function's body).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Uses {
    pub function: String,
    pub ops: Vec<usize>,
}

/// One kernel file of the manifest.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct KernelFile {
    pub file: String,
    pub op: String,
    pub variant: String,
    pub entry_points: Vec<EntryPoint>,
    pub params: Vec<ParamInfo>,
    pub scratch_bytes: u64,
    pub uses: Vec<Uses>,
}

/// An instruction codegen left to the CPU backend.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct CpuOnly {
    pub function: String,
    pub op: usize,
    pub kind: String,
}

/// `kernels/manifest.json`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub kernels: Vec<KernelFile>,
    #[serde(default)]
    pub cpu_only: Vec<CpuOnly>,
}

/// A program's kernels: the manifest and the source of every file it names.
#[derive(Clone, Debug)]
pub struct KernelSet {
    pub manifest: Manifest,
    /// File name → CUDA C source.
    pub sources: HashMap<String, String>,
}

const RECOMPILE: &str = "recompile the model with parc compile, which writes OUT/kernels/ next to the rank programs";

impl KernelSet {
    /// The manifest text and the sources (file name → text), as codegen renders them in memory.
    pub fn parse(manifest: &str, sources: HashMap<String, String>) -> Result<Self, String> {
        let manifest: Manifest = serde_json::from_str(manifest)
            .map_err(|e| format!("kernels/manifest.json is not a kernel manifest: {e}"))?;
        for k in &manifest.kernels {
            if !sources.contains_key(&k.file) {
                return Err(format!("kernels/manifest.json names {}, which is missing; {RECOMPILE}", k.file));
            }
            if k.entry_points.is_empty() {
                return Err(format!("kernels/manifest.json: {} has no entry point; {RECOMPILE}", k.file));
            }
        }
        Ok(KernelSet { manifest, sources })
    }

    /// Reads `dir` (`OUT/kernels`): the manifest and every file it names.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let path = dir.join("manifest.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}; {RECOMPILE}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a kernel manifest: {e}; {RECOMPILE}", path.display()))?;
        let mut sources = HashMap::new();
        for k in &manifest.kernels {
            if k.file.contains('/') || k.file.contains('\\') || k.file.starts_with('.') {
                return Err(format!(
                    "{}: kernel file name {:?} is not a plain file name; {RECOMPILE}",
                    path.display(),
                    k.file
                ));
            }
            let file = dir.join(&k.file);
            let source = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}; {RECOMPILE}", file.display()))?;
            sources.insert(k.file.clone(), source);
        }
        Self::parse(&text, sources)
    }
}

/// What one instruction does on a GPU.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    /// Not a kernel (a call, a micro-batch load, a collective): the step loop handles it.
    Other,
    /// Kernel file `manifest.kernels[k]`.
    Kernel(usize),
    /// A cuBLAS GEMM.
    Gemm(GemmPlan),
}

/// For every instruction of every function instance of a program, what it runs on a GPU.
#[derive(Clone, Debug)]
pub struct LaunchTable {
    pub slots: Vec<Vec<Slot>>,
}

/// `memref<2x32x64xf32>` → ([2, 32, 64], f32); `memref<f32>` → ([], f32).
pub fn parse_memref(ty: &str) -> Option<(Vec<usize>, DType)> {
    let inner = ty.strip_prefix("memref<")?.strip_suffix('>')?;
    let mut parts: Vec<&str> = inner.split('x').collect();
    let dtype = DType::from_name(parts.pop()?)?;
    let shape = parts.iter().map(|p| p.parse::<usize>().ok()).collect::<Option<Vec<_>>>()?;
    Some((shape, dtype))
}

impl LaunchTable {
    /// Binds every instruction of `program` to `kernels`, or says which instruction cannot run on
    /// a GPU and why (no kernel for it, a kernel whose parameters are not its operands, an
    /// instruction codegen left to the CPU backend).
    pub fn build(program: &Program, kernels: &KernelSet) -> Result<Self, String> {
        let mut by_use: HashMap<(&str, usize), usize> = HashMap::new();
        for (k, file) in kernels.manifest.kernels.iter().enumerate() {
            for u in &file.uses {
                for &op in &u.ops {
                    by_use.insert((u.function.as_str(), op), k);
                }
            }
        }
        let mut slots = Vec::with_capacity(program.functions.len());
        for (f, instrs) in program.functions.iter().enumerate() {
            let name = program.function_names[f].as_str();
            let mut row = Vec::with_capacity(instrs.len());
            for (i, instr) in instrs.iter().enumerate() {
                let op = program.op_index.get(f).and_then(|p| p.get(i)).copied().unwrap_or(usize::MAX);
                let at = || format!("@{name}, instruction {i} ({}, op {op} of the function)", instr.name());
                let Instr::Kernel { kernel, operands } = instr else {
                    row.push(Slot::Other);
                    continue;
                };
                if let &Kernel::Gemm { transpose_a, transpose_b, accumulate } = kernel {
                    let [a, b, c] = operands.as_slice() else {
                        return Err(format!("{}: a GEMM takes 3 operands, found {}", at(), operands.len()));
                    };
                    row.push(Slot::Gemm(
                        GemmPlan::of(a, b, c, transpose_a, transpose_b, accumulate)
                            .map_err(|m| format!("{}: {m}", at()))?,
                    ));
                    continue;
                }
                let Some(&k) = by_use.get(&(name, op)) else {
                    if let Some(c) = kernels.manifest.cpu_only.iter().find(|c| c.function == name && c.op == op) {
                        return Err(format!(
                            "{}: {} has no CUDA kernel yet (a vocabulary-parallel piece); it runs on the CPU backend only",
                            at(),
                            c.kind
                        ));
                    }
                    return Err(format!("{}: the kernel manifest lists no kernel for it; {RECOMPILE}", at()));
                };
                check_params(&kernels.manifest.kernels[k], operands)
                    .map_err(|m| format!("{}: {m}; {RECOMPILE}", at()))?;
                row.push(Slot::Kernel(k));
            }
            slots.push(row);
        }
        Ok(LaunchTable { slots })
    }
}

/// The kernel's parameters must be the operands: the same count, shapes and element types.
fn check_params(file: &KernelFile, operands: &[Buf]) -> Result<(), String> {
    if file.params.len() != operands.len() {
        return Err(format!(
            "kernel {} takes {} parameters, the instruction has {} operands",
            file.file,
            file.params.len(),
            operands.len()
        ));
    }
    for (p, b) in file.params.iter().zip(operands) {
        let Some((shape, dtype)) = parse_memref(&p.ty) else {
            return Err(format!("kernel {}: parameter {} has type {:?}, not a memref", file.file, p.name, p.ty));
        };
        if shape != b.shape || dtype != b.dtype {
            return Err(format!(
                "kernel {}: parameter {} is {}, the operand is {:?} {}",
                file.file, p.name, p.ty, b.shape, b.dtype
            ));
        }
    }
    Ok(())
}
