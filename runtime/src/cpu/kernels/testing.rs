//! Test helpers shared by the kernel tests: a seeded generator, the reference interpreter called
//! on `f32`/`i32` data, and tolerance checks.

use parc_dialects::graph::interp::{eval_op, Tensor};
use parc_dialects::graph::{infer_types, GraphOp};
use parc_dialects::{AttrMap, DType, Type};

/// The relative tolerance of every comparison with the interpreter, scaled by `max(1, |want|)`.
pub const TOL: f64 = 1e-5;

/// SplitMix64: a tiny seeded generator, enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-1, 1)`.
    pub fn uniform(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// `n` values uniform in `[-scale, scale)`.
    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform() * scale).collect()
    }

    /// `n` integers uniform in `[0, bound)`.
    pub fn ids(&mut self, n: usize, bound: usize) -> Vec<i32> {
        (0..n).map(|_| (self.next_u64() % bound as u64) as i32).collect()
    }
}

/// One operand of a reference evaluation.
pub struct Arg {
    tensor: Tensor,
    dtype: DType,
}

impl Arg {
    /// The operand's values.
    pub fn into_tensor(self) -> Tensor {
        self.tensor
    }
}

/// An `f32` operand of `shape`.
pub fn f(data: &[f32], shape: &[usize]) -> Arg {
    Arg { tensor: Tensor::new(shape, data.iter().map(|&v| f64::from(v)).collect()).unwrap(), dtype: DType::F32 }
}

/// An `i32` operand of `shape`.
pub fn i(data: &[i32], shape: &[usize]) -> Arg {
    Arg { tensor: Tensor::new(shape, data.iter().map(|&v| f64::from(v)).collect()).unwrap(), dtype: DType::I32 }
}

/// An `i64` scalar operand.
pub fn i64_scalar(v: i64) -> Arg {
    Arg { tensor: Tensor::scalar(v as f64), dtype: DType::I64 }
}

/// Evaluates `kind` in the interpreter, with result types from shape inference.
pub fn reference(kind: GraphOp, args: &[Arg], attrs: &AttrMap) -> Vec<Tensor> {
    let types: Vec<Type> = args.iter().map(|a| Type::tensor(a.tensor.shape.clone(), a.dtype)).collect();
    let type_refs: Vec<&Type> = types.iter().collect();
    let result_types = infer_types(kind, &type_refs, attrs).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    let inputs: Vec<&Tensor> = args.iter().map(|a| &a.tensor).collect();
    eval_op(kind, &inputs, attrs, &result_types).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
}

/// The first result of [`reference`].
pub fn reference1(kind: GraphOp, args: &[Arg], attrs: &AttrMap) -> Tensor {
    reference(kind, args, attrs).remove(0)
}

/// `got[i]` is within `TOL · max(1, |want[i] + base[i]|)` of `want[i] + base[i]`, where `base` is
/// what the output held before an accumulating call (`None`: it was overwritten).
pub fn assert_close_acc(what: &str, got: &[f32], want: &[f64], base: Option<&[f32]>) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let w = w + base.map_or(0.0, |b| f64::from(b[k]));
        let g = f64::from(g);
        if w.is_nan() {
            assert!(g.is_nan(), "{what}[{k}]: got {g}, want NaN");
            continue;
        }
        assert!((g - w).abs() <= TOL * w.abs().max(1.0), "{what}[{k}]: got {g}, want {w}");
    }
}

/// `got` is within tolerance of the reference tensor.
pub fn assert_close(what: &str, got: &[f32], want: &Tensor) {
    assert_close_acc(what, got, &want.data, None);
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// The bit patterns of `xs`, for bitwise comparisons.
pub fn bits(xs: &[f32]) -> Vec<u32> {
    xs.iter().map(|v| v.to_bits()).collect()
}
