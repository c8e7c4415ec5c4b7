//! The CPU backend's kernel library: one function per non-GEMM `graph` op, on row-major `f32`
//! slices (`i32` for token ids and labels) with explicit sizes. Each kernel computes exactly what
//! the op's arm of the reference interpreter (`parc_dialects::graph::interp`) computes, in `f32`,
//! and its tests compare it with that interpreter.
//!
//! Conventions shared by every kernel:
//! - Sizes are checked against slice lengths before any element is read or written; a mismatch,
//!   an out-of-range token id or label, or a malformed shape, axis or permutation is a
//!   [`KernelError`] that names the kernel, the sizes and what is wrong. No kernel panics on bad
//!   sizes.
//! - An output with an `acc` flag is overwritten when `acc` is false (whatever it held before, NaN
//!   included, is never read) and has the result added to it when `acc` is true. The added value
//!   is the one `acc = false` would have written, so accumulating costs one rounding per element.
//! - Work is split over rayon tasks of a few ten thousand elements; inputs smaller than one task
//!   run on the calling thread. Results are bitwise identical whatever the number of threads: a
//!   sum across rows (the weight gradients of the norms, `embedding_grad`, a reduction over
//!   leading axes) uses a fixed partition into blocks that depends only on the sizes, and the
//!   blocks' partial sums are combined in block order.
//! - Row statistics (mean, variance, dot products, sums of exponentials) accumulate in `f32` over
//!   eight interleaved lanes, which vectorizes and keeps the rounding error near `√(n/8)` ulps
//!   (measured: within 1e-5 of the f64 interpreter for rows of 50257 logits). Sums across rows
//!   (`dweight`/`dbias`, `embedding_grad`, `reduce`) accumulate in f64, because in f32 a column
//!   sum over a thousand rows that nearly cancels already misses 1e-5 (measured too).
//! - `exp` and `tanh` use a branch-free polynomial (`exp_f32`, within a few ulps), so the loops
//!   that call them vectorize.
//!
//! This module owns no buffers and no layouts: the memory plan allocates, the executor decides
//! shapes and strides, and the GEMMs live in [`super::gemm`].

use thiserror::Error;

mod elementwise;
mod embedding;
mod layout;
mod moe;
mod norm;
mod optim;
mod reduce;
mod sharded;
mod softmax;
#[cfg(test)]
pub(crate) mod testing;

pub use elementwise::{elementwise, ElemOp};
pub use embedding::{embedding, embedding_grad, rope};
pub use layout::{fill, insert, slice, transpose};
pub use moe::{moe_gather, moe_scatter, moe_slots, one_hot, top_k, MoeShape};
pub use norm::{layer_norm, layer_norm_grad, rms_norm, rms_norm_grad};
pub use optim::{adamw, clip_coef, lr_schedule, sgd, AdamwConfig, LrScheduleKind, SgdConfig};
pub use reduce::{reduce, reduce_max_grad, ReduceKind};
pub use sharded::{
    cross_entropy_from_stats, cross_entropy_grad_stats, cross_entropy_stats, deinterleave_blocks, embedding_grad_shard,
    embedding_shard, interleave_blocks, shard_slice, split_dims,
};
pub use softmax::{cross_entropy, cross_entropy_grad, softmax, softmax_grad};

/// Why a kernel refused to run. Every message starts with the kernel's name.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KernelError {
    /// A slice does not hold the number of elements its sizes call for.
    #[error("{kernel}: {operand} has {got} elements, expected {expected} ({sizes})")]
    Length {
        /// The kernel, e.g. `"layer_norm"`.
        kernel: &'static str,
        /// The operand or result, e.g. `"dy"`.
        operand: &'static str,
        /// The sizes that determine the expected length, e.g. `"rows 4 x hidden 768"`.
        sizes: String,
        /// The length the sizes call for.
        expected: usize,
        /// The slice's length.
        got: usize,
    },
    /// A token id or label is not a valid row index.
    #[error("{kernel}: {what} {value} at position {position} is outside [0, {bound})")]
    IndexOutOfRange {
        /// The kernel.
        kernel: &'static str,
        /// `"token id"` or `"label"`.
        what: &'static str,
        /// The offending value.
        value: i64,
        /// Its position in the id (or label) slice.
        position: usize,
        /// The vocabulary size.
        bound: usize,
    },
    /// Anything else that makes the call malformed (a shape, an axis, a permutation, a program).
    #[error("{kernel}: {message}")]
    Invalid {
        /// The kernel.
        kernel: &'static str,
        /// What is wrong, with the numbers.
        message: String,
    },
}

type Result<T = ()> = std::result::Result<T, KernelError>;

fn invalid(kernel: &'static str, message: String) -> KernelError {
    KernelError::Invalid { kernel, message }
}

/// Fails unless `got == expected`; `sizes` describes where `expected` comes from and is only
/// formatted on failure.
fn check_len(
    kernel: &'static str,
    operand: &'static str,
    got: usize,
    expected: usize,
    sizes: impl FnOnce() -> String,
) -> Result {
    if got != expected {
        return Err(KernelError::Length { kernel, operand, sizes: sizes(), expected, got });
    }
    Ok(())
}

/// The product of `dims`, or an error when it overflows `usize`.
fn product(kernel: &'static str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| invalid(kernel, format!("the sizes {dims:?} overflow the address space")))
}

/// The number of rows of `row_len` elements in a slice of `len` elements.
fn rows_of(kernel: &'static str, operand: &'static str, len: usize, row_len: usize, row_name: &str) -> Result<usize> {
    if row_len == 0 {
        if len != 0 {
            return Err(invalid(kernel, format!("{operand} has {len} elements, but {row_name} is 0")));
        }
        return Ok(0);
    }
    if len % row_len != 0 {
        return Err(invalid(
            kernel,
            format!("{operand} has {len} elements, which is not a multiple of {row_name} {row_len}"),
        ));
    }
    Ok(len / row_len)
}

/// Checks that every id lies in `[0, bound)`, naming the first one that does not.
fn check_ids(kernel: &'static str, what: &'static str, ids: &[i32], bound: usize) -> Result {
    match ids.iter().position(|&id| id < 0 || id as usize >= bound) {
        Some(position) => {
            Err(KernelError::IndexOutOfRange { kernel, what, value: i64::from(ids[position]), position, bound })
        }
        None => Ok(()),
    }
}

/// Elements per rayon task: large enough that scheduling costs little, small enough that two
/// cores get work from inputs of a few hundred kilobytes.
const TASK_ELEMS: usize = 1 << 14;

/// Rows per rayon task for rows of `row_len` elements (at least one).
fn rows_per_task(row_len: usize) -> usize {
    (TASK_ELEMS / row_len.max(1)).max(1)
}

/// Elements per block of a cross-row reduction. The block partition is a function of the sizes
/// only, never of the thread count, which is what makes those reductions deterministic.
const BLOCK_ELEMS: usize = 1 << 15;

/// Rows per block of a cross-row reduction over rows of `row_len` elements.
fn rows_per_block(row_len: usize) -> usize {
    (BLOCK_ELEMS / row_len.max(1)).max(1)
}

/// Row-major strides of `shape`, in elements.
use parc_dialects::exec::row_major_strides as strides_of;

/// For every multi-index of the dims `(size, stride)` in row-major order, the offset
/// `Σ index[d] · stride[d]` (a single 0 for no dims).
fn gather_offsets(dims: &[(usize, usize)]) -> Vec<usize> {
    let mut offsets = vec![0];
    for &(size, stride) in dims {
        offsets = offsets.iter().flat_map(|&base| (0..size).map(move |i| base + i * stride)).collect();
    }
    offsets
}

/// Writes `value` into `out`, or adds it when `acc`.
#[inline(always)]
fn put(out: &mut f32, value: f32, acc: bool) {
    if acc {
        *out += value;
    } else {
        *out = value;
    }
}

/// Adds (`acc`) or copies `src` into `dst`.
fn put_slice(dst: &mut [f32], src: &[f32], acc: bool) {
    if acc {
        for (d, s) in dst.iter_mut().zip(src) {
            *d += s;
        }
    } else {
        dst.copy_from_slice(src);
    }
}

const LANES: usize = 8;

/// The lanes of a lane-wise sum, added in a fixed tree.
#[inline(always)]
fn combine_lanes(l: [f32; LANES]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// `Σ f(a[i])` over eight interleaved lanes.
#[inline(always)]
fn sum1(a: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = a.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            lanes[l] += f(c[l]);
        }
    }
    let mut total = combine_lanes(lanes);
    for &v in tail {
        total += f(v);
    }
    total
}

/// `Σ f(a[i], b[i])` over eight interleaved lanes; `b` is at least as long as `a`.
#[inline(always)]
fn sum2(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let b = &b[..a.len()];
    let mut lanes = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            lanes[l] += f(x[l], y[l]);
        }
    }
    let mut total = combine_lanes(lanes);
    for (&x, &y) in ta.iter().zip(tb) {
        total += f(x, y);
    }
    total
}

/// `Σ f(a[i], b[i], c[i])` over eight interleaved lanes; `b` and `c` are at least as long as `a`.
#[inline(always)]
fn sum3(a: &[f32], b: &[f32], c: &[f32], f: impl Fn(f32, f32, f32) -> f32) -> f32 {
    let (b, c) = (&b[..a.len()], &c[..a.len()]);
    let mut lanes = [0.0f32; LANES];
    let (ca, cb, cc) = (a.chunks_exact(LANES), b.chunks_exact(LANES), c.chunks_exact(LANES));
    let (ta, tb, tc) = (ca.remainder(), cb.remainder(), cc.remainder());
    for ((x, y), z) in ca.zip(cb).zip(cc) {
        for l in 0..LANES {
            lanes[l] += f(x[l], y[l], z[l]);
        }
    }
    let mut total = combine_lanes(lanes);
    for ((&x, &y), &z) in ta.iter().zip(tb).zip(tc) {
        total += f(x, y, z);
    }
    total
}

/// `Σ f(a[i])` in f64 over eight interleaved lanes: for sums across many rows, where f32
/// accumulation drifts past the 1e-5 tolerance (a column sum over thousands of tokens).
#[inline(always)]
fn sum1_f64(a: &[f32], f: impl Fn(f32) -> f64) -> f64 {
    let mut lanes = [0.0f64; LANES];
    let chunks = a.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            lanes[l] += f(c[l]);
        }
    }
    let mut total = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    for &v in tail {
        total += f(v);
    }
    total
}

/// The maximum of `a`, ignoring NaN (as the interpreter's `fold(f64::max)` does); `-inf` when
/// empty. A NaN in a softmax or cross-entropy row still makes the row NaN through its exponential.
#[inline(always)]
fn max_of(a: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = a.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            lanes[l] = lanes[l].max(c[l]);
        }
    }
    let mut m = lanes.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for &v in tail {
        m = m.max(v);
    }
    m
}

/// `e^x` in `f32`, branch-free so that loops over it vectorize: Cephes' `expf` (range reduction by
/// `ln 2` in two parts, a degree-6 polynomial) with the power of two applied in two halves, so the
/// whole range from the smallest subnormal to `f32::MAX` is covered. Within 2 ulps of the exact
/// value for normal results; NaN stays NaN, `-inf` gives 0 and `+inf` gives `+inf`.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // ln(f32::MAX) and ln(2^-150): beyond them the result is +inf or rounds to 0.
    const HI: f32 = 88.722_83;
    const LO: f32 = -103.972_08;
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 · 2^23: adding it rounds to an integer (ties to even) that sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let xc = x.clamp(LO, HI);
    let t = xc * LOG2E + ROUND;
    let n = t - ROUND;
    let ni = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = xc - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1)
        * r
        + 0.5;
    let y = p * (r * r) + r + 1.0;
    // 2^n as 2^(n/2) · 2^(n - n/2): each half is a normal float for every n in [-150, 128].
    let n1 = ni >> 1;
    let n2 = ni.wrapping_sub(n1);
    let s1 = f32::from_bits((n1.wrapping_add(127) as u32) << 23);
    let s2 = f32::from_bits((n2.wrapping_add(127) as u32) << 23);
    let v = y * s1 * s2;
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        v
    }
}

/// `Σ exp(x − shift)` over `xs`. The exponentials go through a small buffer first: a plain loop
/// of [`exp_f32`] vectorizes, while folding it straight into lane accumulators does not.
#[inline]
fn sum_exp(xs: &[f32], shift: f32) -> f32 {
    let mut buf = [0.0f32; 256];
    let mut total = 0.0;
    for chunk in xs.chunks(buf.len()) {
        let exps = &mut buf[..chunk.len()];
        for (e, &v) in exps.iter_mut().zip(chunk) {
            *e = exp_f32(v - shift);
        }
        total += sum1(exps, |v| v);
    }
    total
}

/// `tanh(u) = 1 − 2 / (e^{2u} + 1)`: absolute error about 1e-7 (the relative error grows near 0,
/// which does not matter where it is used, added to 1 in GELU and its derivative).
#[inline(always)]
fn tanh_f32(u: f32) -> f32 {
    1.0 - 2.0 / (exp_f32(2.0 * u) + 1.0)
}

/// `√(2/π)`, the GELU tanh-form constant, rounded once from f64.
const GELU_C: f32 = 0.797_884_6;
const GELU_A: f32 = 0.044_715;

/// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh_f32(GELU_C * (x + GELU_A * x * x * x)))
}

/// `dy · gelu'(x)`, as the interpreter's `gelu_derivative`.
#[inline(always)]
fn gelu_grad(x: f32, dy: f32) -> f32 {
    let t = tanh_f32(GELU_C * (x + GELU_A * x * x * x));
    dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * x * x))
}

/// SiLU: `x / (1 + e^{−x})`.
#[inline(always)]
fn silu(x: f32) -> f32 {
    x / (1.0 + exp_f32(-x))
}

/// `dy · silu'(x) = dy · s · (1 + x·(1 − s))`, `s = sigmoid(x)`.
#[inline(always)]
fn silu_grad(x: f32, dy: f32) -> f32 {
    let s = 1.0 / (1.0 + exp_f32(-x));
    dy * s * (1.0 + x * (1.0 - s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f32_is_within_a_few_ulps_everywhere() {
        let mut worst = 0.0f64;
        let mut x = -103.0f32;
        while x < 88.7 {
            for probe in [x, x + 1e-3, -x * 0.37] {
                let want = f64::from(probe).exp();
                let got = f64::from(exp_f32(probe));
                if want > f64::from(f32::MIN_POSITIVE) && want < f64::from(f32::MAX) {
                    worst = worst.max((got - want).abs() / want);
                } else {
                    // Subnormal results: an absolute error of an ulp of the smallest normal.
                    assert!((got - want).abs() <= f64::from(f32::MIN_POSITIVE) * 2f64.powi(-22), "exp({probe})");
                }
            }
            x += 0.0137;
        }
        assert!(worst < 2.5e-7, "worst relative error {worst}");
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-200.0), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert!(exp_f32(88.72).is_finite());
        assert!(exp_f32(f32::NAN).is_nan());
    }

    #[test]
    fn tanh_f32_has_small_absolute_error_and_saturates() {
        let mut u = -20.0f32;
        while u < 20.0 {
            let want = f64::from(u).tanh();
            assert!((f64::from(tanh_f32(u)) - want).abs() < 2e-7, "tanh({u})");
            u += 0.0071;
        }
        assert_eq!(tanh_f32(100.0), 1.0);
        assert_eq!(tanh_f32(-100.0), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
    }

    #[test]
    fn errors_name_the_kernel_and_the_numbers() {
        let err = check_len("softmax", "y", 5, 6, || "rows 2 x keys 3".into()).unwrap_err();
        assert_eq!(err.to_string(), "softmax: y has 5 elements, expected 6 (rows 2 x keys 3)");
        let err = rows_of("layer_norm", "x", 10, 4, "hidden").unwrap_err();
        assert_eq!(err.to_string(), "layer_norm: x has 10 elements, which is not a multiple of hidden 4");
        let err = check_ids("embedding", "token id", &[0, 3, -1], 3).unwrap_err();
        assert_eq!(err.to_string(), "embedding: token id 3 at position 1 is outside [0, 3)");
        assert!(product("transpose", &[usize::MAX, 2]).is_err());
    }
}
