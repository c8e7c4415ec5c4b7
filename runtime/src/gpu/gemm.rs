//! `exec.gemm` as cuBLAS calls. The program's matrices are row-major, cuBLAS's column-major: a
//! row-major `X[r][c]` is the column-major `Xᵀ` with leading dimension `c`, so `C = op(A)·op(B)`
//! is computed as `Cᵀ = op(B)ᵀ·op(A)ᵀ`: cuBLAS's first operand is the program's `b`, its second
//! the program's `a`, and its `m`, `n` are the program's `n`, `m`.
//!
//! Batch dimensions broadcast like `graph.matmul`, as the CPU executor runs them: a weight shared
//! by every row (a rank-2 `b`, `a` not transposed) is one GEMM over all rows; otherwise the
//! innermost batch dimension is one strided-batched call (stride 0 for an operand broadcast over
//! it) and the outer ones are a loop of such calls. [`GemmPlan::reference`] runs a plan on the host
//! with cuBLAS's column-major semantics, so tests check every shape class against the CPU executor
//! without a GPU.

use parc_dialects::types::DType;

use crate::program::Buf;

/// The element offsets in `a`, `b` and `c` of row-major index `o` over the outer batch dims
/// `outer` (the batch dims but the innermost), given each operand's element strides per batch dim
/// (0 where it broadcasts). Shared by the CPU executor's GEMM loop.
pub fn outer_offsets(outer: &[usize], strides: [&[usize]; 3], o: usize) -> (usize, usize, usize) {
    let (mut rem, mut oa, mut ob, mut oc) = (o, 0, 0, 0);
    for d in (0..outer.len()).rev() {
        let i = rem % outer[d];
        rem /= outer[d];
        oa += i * strides[0][d];
        ob += i * strides[1][d];
        oc += i * strides[2][d];
    }
    (oa, ob, oc)
}

/// One `cublasGemmStridedBatchedEx` call, in cuBLAS's column-major terms: `C[p] = op(A[p])·op(B[p])
/// + beta·C[p]` for `p < batch`, where `A[p]` starts `a_offset + p·stride_a` elements into the
/// program's `b` operand, `B[p]` into the program's `a`, `C[p]` into `c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemmCall {
    pub transa: bool,
    pub transb: bool,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub lda: usize,
    pub ldb: usize,
    pub ldc: usize,
    pub a_offset: usize,
    pub b_offset: usize,
    pub c_offset: usize,
    pub stride_a: usize,
    pub stride_b: usize,
    pub stride_c: usize,
    pub batch: usize,
}

/// An `exec.gemm` instruction as cuBLAS calls, with the element types of cuBLAS's A (the
/// program's `b`), B (the program's `a`) and C.
#[derive(Clone, Debug, PartialEq)]
pub struct GemmPlan {
    pub calls: Vec<GemmCall>,
    /// 1 when the instruction accumulates into `c`, else 0.
    pub beta: f32,
    pub a_type: DType,
    pub b_type: DType,
    pub c_type: DType,
}

impl GemmPlan {
    /// The calls for `c (+)= op(a) @ op(b)` on these operands.
    pub fn of(a: &Buf, b: &Buf, c: &Buf, ta: bool, tb: bool, accumulate: bool) -> Result<GemmPlan, String> {
        let (ar, br, cr) = (a.shape.len(), b.shape.len(), c.shape.len());
        if ar < 2 || br < 2 || cr < 2 {
            return Err(format!(
                "GEMM operands need two dimensions, found {:?}, {:?}, {:?}",
                a.shape, b.shape, c.shape
            ));
        }
        for d in [a.dtype, b.dtype, c.dtype] {
            if !matches!(d, DType::F32 | DType::BF16) {
                return Err(format!("a GEMM over {d} has no cuBLAS call (f32 and bf16 only)"));
            }
        }
        let mat = |buf: &Buf, transposed: bool| {
            let r = buf.shape.len();
            let (rows, cols) = (buf.shape[r - 2], buf.shape[r - 1]);
            if transposed {
                (cols, rows)
            } else {
                (rows, cols)
            }
        };
        let (m, k) = mat(a, ta);
        let (kb, n) = mat(b, tb);
        if kb != k || c.shape[cr - 2] != m || c.shape[cr - 1] != n {
            return Err(format!(
                "GEMM shapes do not agree: a {:?}{}, b {:?}{}, c {:?}",
                a.shape,
                if ta { "ᵀ" } else { "" },
                b.shape,
                if tb { "ᵀ" } else { "" },
                c.shape
            ));
        }
        // Leading dimensions: each operand's stored row length.
        let (lda, ldb, ldc) = (b.shape[br - 1], a.shape[ar - 1], n);
        let call =
            |m_rows: usize, offsets: (usize, usize, usize), strides: (usize, usize, usize), batch: usize| GemmCall {
                transa: tb,
                transb: ta,
                m: n,
                n: m_rows,
                k,
                lda,
                ldb,
                ldc,
                a_offset: offsets.0,
                b_offset: offsets.1,
                c_offset: offsets.2,
                stride_a: strides.0,
                stride_b: strides.1,
                stride_c: strides.2,
                batch,
            };
        let plan = |calls| GemmPlan {
            calls,
            beta: if accumulate { 1.0 } else { 0.0 },
            a_type: b.dtype,
            b_type: a.dtype,
            c_type: c.dtype,
        };
        // A weight shared by all rows (a linear layer): one GEMM over every row of `a`.
        if br == 2 && !ta && ar > 2 {
            let rows: usize = a.shape[..ar - 1].iter().product();
            return Ok(plan(vec![call(rows, (0, 0, 0), (0, 0, 0), 1)]));
        }
        let batch_shape = &c.shape[..cr - 2];
        if batch_shape.is_empty() {
            return Ok(plan(vec![call(m, (0, 0, 0), (0, 0, 0), 1)]));
        }
        let strides = |shape: &[usize], size: usize| -> Result<Vec<usize>, String> {
            // Element strides of the batch dims, aligned to the output's (0 where broadcast).
            if shape.len() > batch_shape.len() {
                return Err(format!("an operand has more batch dimensions than the output {:?}", c.shape));
            }
            let mut s = vec![0; batch_shape.len()];
            let mut stride = size;
            for (i, &d) in shape.iter().enumerate().rev() {
                let j = batch_shape.len() - shape.len() + i;
                if d != 1 && d != batch_shape[j] {
                    return Err(format!("batch dimension {d} does not broadcast to the output's {}", batch_shape[j]));
                }
                s[j] = if d == 1 { 0 } else { stride };
                stride *= d;
            }
            Ok(s)
        };
        let sa = strides(&a.shape[..ar - 2], m * k)?;
        let sb = strides(&b.shape[..br - 2], k * n)?;
        let sc = strides(batch_shape, m * n)?;
        let last = batch_shape.len() - 1;
        let outer: usize = batch_shape[..last].iter().product();
        let mut calls = Vec::with_capacity(outer);
        for o in 0..outer {
            let (oa, ob, oc) = outer_offsets(&batch_shape[..last], [&sa, &sb, &sc], o);
            calls.push(call(m, (ob, oa, oc), (sb[last], sa[last], sc[last]), batch_shape[last]));
        }
        Ok(plan(calls))
    }

    /// Runs the plan on host slices with cuBLAS's semantics (column-major, f32): `a` and `b` are
    /// the program's operands, `c` is updated. A test oracle for the plan, not a fast path.
    pub fn reference(&self, a: &[f32], b: &[f32], c: &mut [f32]) {
        for call in &self.calls {
            for p in 0..call.batch {
                // cuBLAS's A is the program's b, its B the program's a.
                let ca = &b[call.a_offset + p * call.stride_a..];
                let cb = &a[call.b_offset + p * call.stride_b..];
                let cc = call.c_offset + p * call.stride_c;
                for j in 0..call.n {
                    for i in 0..call.m {
                        let mut sum = 0.0f32;
                        for l in 0..call.k {
                            let x = if call.transa { ca[l + i * call.lda] } else { ca[i + l * call.lda] };
                            let y = if call.transb { cb[j + l * call.ldb] } else { cb[l + j * call.ldb] };
                            sum += x * y;
                        }
                        let out = &mut c[cc + i + j * call.ldc];
                        *out = sum + self.beta * *out;
                    }
                }
            }
        }
    }
}
