//! The kernel check: runs a step on the CPU executor and on an accelerator side by side, one
//! instruction at a time, and after each kernel compares every operand of the two (the GPU's
//! copied back), then copies the CPU's operands to the accelerator so that each kernel starts
//! from the same inputs on both: a difference belongs to the kernel that made it, not to one
//! upstream. `parc launch --backend cuda --check-kernels` runs it; tests run it with a second CPU
//! executor standing in for the GPU.

use parc_dialects::types::DType;

use crate::backend::{Accelerator, Device};
use crate::comm::bf16_to_f32;
use crate::cpu::exec::{BatchSource, ExecError, Executor};
use crate::program::{Instr, Program};

/// How one kernel instruction's operands differed between the CPU and the accelerator.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelDiff {
    pub function: String,
    pub index: usize,
    pub op: &'static str,
    /// The largest |gpu − cpu| over the operands' elements.
    pub max_abs: f64,
    /// The largest |gpu − cpu| / max(|cpu|, 1e-3·max|cpu| of the operand, 1e-30).
    pub max_rel: f64,
    /// Elements compared.
    pub elements: usize,
}

fn values(bytes: &[u8], dtype: DType) -> Vec<f64> {
    match dtype {
        DType::F32 => bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::BF16 => bytes.chunks_exact(2).map(|c| bf16_to_f32(u16::from_le_bytes([c[0], c[1]])) as f64).collect(),
        DType::I32 => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::I64 => bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64)
            .collect(),
        _ => Vec::new(),
    }
}

/// Compares one operand; NaN on one side only counts as an infinite difference.
fn compare(cpu: &[f64], gpu: &[f64], diff: &mut KernelDiff) {
    let scale = cpu.iter().fold(0.0f64, |m, x| if x.is_finite() { m.max(x.abs()) } else { m });
    let floor = (1e-3 * scale).max(1e-30);
    for (&c, &g) in cpu.iter().zip(gpu) {
        let d = if c.is_nan() && g.is_nan() || c == g {
            0.0
        } else if c.is_finite() && g.is_finite() {
            (g - c).abs()
        } else {
            f64::INFINITY
        };
        diff.max_abs = diff.max_abs.max(d);
        diff.max_rel = diff.max_rel.max(d / c.abs().max(floor));
    }
    diff.elements += cpu.len();
}

/// Runs function `index` of `program` on both `cpu` and `gpu`, as [`crate::cpu::exec::run_function`]
/// runs it on one, appending one [`KernelDiff`] per kernel instruction to `diffs`.
pub fn run_both(
    cpu: &mut Executor<'_>,
    gpu: &mut dyn Accelerator,
    program: &Program,
    index: usize,
    data: &mut dyn BatchSource,
    diffs: &mut Vec<KernelDiff>,
) -> Result<(), ExecError> {
    for (i, instr) in program.functions[index].iter().enumerate() {
        let fail = |message: String| ExecError::Instr {
            function: program.function_names[index].clone(),
            index: i,
            op: instr.name().into(),
            message,
        };
        match instr {
            Instr::Call(f) => run_both(cpu, gpu, program, *f, data, diffs)?,
            Instr::LoadBatch(mb) => {
                let tokens = program.tensor("tokens").ok_or_else(|| fail("no tokens tensor".into()))?;
                let labels = program.tensor("labels").ok_or_else(|| fail("no labels tensor".into()))?;
                cpu.load_batch(*mb, &tokens.buf, &labels.buf, data)
                    .map_err(|message| ExecError::Data { microbatch: *mb, message })?;
                for b in [&tokens.buf, &labels.buf] {
                    gpu.write(b, cpu.arena.raw(b)).map_err(fail)?;
                }
            }
            Instr::Kernel { kernel, operands } => {
                cpu.kernel(kernel, operands, (index, i)).map_err(fail)?;
                gpu.kernel(kernel, operands, (index, i)).map_err(fail)?;
                let mut diff = KernelDiff {
                    function: program.function_names[index].clone(),
                    index: i,
                    op: kernel.op().name(),
                    max_abs: 0.0,
                    max_rel: 0.0,
                    elements: 0,
                };
                let mut bytes = Vec::new();
                for b in operands {
                    bytes.resize(b.bytes(), 0);
                    gpu.read(b, &mut bytes).map_err(fail)?;
                    compare(&values(cpu.arena.raw(b), b.dtype), &values(&bytes, b.dtype), &mut diff);
                }
                for b in operands {
                    gpu.write(b, cpu.arena.raw(b)).map_err(fail)?;
                }
                diffs.push(diff);
            }
            Instr::Collective { .. } => {
                return Err(fail("the kernel check runs single-device programs (no collectives)".into()))
            }
        }
    }
    Ok(())
}
