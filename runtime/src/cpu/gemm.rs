//! f32 matrix multiplication for the CPU backend: `C = alpha * A * B + beta * C`, one product
//! ([`sgemm`]) or a batch of them ([`sgemm_batched`]), on the kernels of the `gemm` crate (chosen by
//! measurement, see docs/PERFORMANCE.md, "CPU GEMM").
//!
//! Every operand is a slice plus a [`MatLayout`]: element (i, j) of the logical matrix sits at
//! `offset + i * row_stride + j * col_stride`. A transposed operand is the same storage with its
//! two strides swapped ([`MatLayout::t`]), so the four transpose combinations need no flags, and a
//! padded leading dimension or a view into a larger buffer is only a stride or an offset. A batch
//! adds one stride per operand ([`Batch`]); a stride of 0 broadcasts that operand to every product
//! of the batch (the K and V heads shared by a group of query heads in grouped-query attention).
//!
//! The semantics are BLAS's: `beta == 0` writes C without reading it, so NaN or garbage there is
//! overwritten; `alpha == 0` (or `k == 0`) reads neither A nor B and only scales C by beta.
//!
//! This module checks every layout against its slice before any element is touched and returns a
//! [`GemmError`] instead of reading or writing out of bounds. It must not allocate operands or
//! choose layouts for its callers: the memory plan owns buffers, the executor owns layouts.

use std::fmt;

use rayon::prelude::*;
use thiserror::Error;

/// Where the elements of one logical matrix sit in a slice: element (i, j) is at
/// `offset + i * row_stride + j * col_stride`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatLayout {
    /// Index of element (0, 0) in the slice.
    pub offset: usize,
    /// Distance between element (i, j) and element (i + 1, j).
    pub row_stride: usize,
    /// Distance between element (i, j) and element (i, j + 1).
    pub col_stride: usize,
}

impl MatLayout {
    /// Row-major storage whose rows start `leading_dim` elements apart (`leading_dim` is the
    /// number of columns for a dense matrix).
    pub const fn row_major(leading_dim: usize) -> Self {
        Self { offset: 0, row_stride: leading_dim, col_stride: 1 }
    }

    /// Column-major storage whose columns start `leading_dim` elements apart.
    pub const fn col_major(leading_dim: usize) -> Self {
        Self { offset: 0, row_stride: 1, col_stride: leading_dim }
    }

    /// The transpose of this matrix over the same storage: a `[k x m]` row-major buffer read as
    /// its `[m x k]` transpose is `MatLayout::row_major(m).t()`.
    pub const fn t(self) -> Self {
        Self { offset: self.offset, row_stride: self.col_stride, col_stride: self.row_stride }
    }

    /// The same strides, starting at `offset` in the slice.
    pub const fn at(self, offset: usize) -> Self {
        Self { offset, row_stride: self.row_stride, col_stride: self.col_stride }
    }
}

impl fmt::Display for MatLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offset {}, row stride {}, col stride {}", self.offset, self.row_stride, self.col_stride)
    }
}

/// A read-only operand: a slice and the layout of the matrix in it.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    /// The storage; the layout says which of its elements belong to the matrix.
    pub data: &'a [f32],
    /// Where the matrix's elements sit in `data`.
    pub layout: MatLayout,
}

impl<'a> MatRef<'a> {
    /// An operand over `data` with the given layout.
    pub fn new(data: &'a [f32], layout: MatLayout) -> Self {
        Self { data, layout }
    }
}

/// The output operand C: a mutable slice and the layout of the matrix in it. Elements of the slice
/// outside the layout are never written.
#[derive(Debug)]
pub struct MatMut<'a> {
    /// The storage; the layout says which of its elements belong to the matrix.
    pub data: &'a mut [f32],
    /// Where the matrix's elements sit in `data`; no two elements may share a place.
    pub layout: MatLayout,
}

impl<'a> MatMut<'a> {
    /// An output operand over `data` with the given layout.
    pub fn new(data: &'a mut [f32], layout: MatLayout) -> Self {
        Self { data, layout }
    }
}

/// One product `C = alpha * A * B + beta * C` with A `[m x k]`, B `[k x n]` and C `[m x n]` (the
/// logical shapes, after any transpose expressed by the layouts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gemm {
    /// Rows of A and C.
    pub m: usize,
    /// Columns of B and C.
    pub n: usize,
    /// Columns of A, rows of B: the reduction length.
    pub k: usize,
    /// Scale of the product.
    pub alpha: f32,
    /// Scale of C's previous contents: 0 overwrites C without reading it, 1 accumulates into it.
    pub beta: f32,
}

impl Gemm {
    /// `C = A * B` for these shapes (alpha 1, beta 0).
    pub const fn new(m: usize, n: usize, k: usize) -> Self {
        Self { m, n, k, alpha: 1.0, beta: 0.0 }
    }

    /// The same product scaled by `alpha`.
    pub const fn alpha(self, alpha: f32) -> Self {
        Self { alpha, ..self }
    }

    /// The same product with C's previous contents scaled by `beta` and added.
    pub const fn beta(self, beta: f32) -> Self {
        Self { beta, ..self }
    }
}

/// How many products a batched call computes and how far apart their operands start: product `b`
/// reads A at `a.layout.offset + b * a_stride`, and likewise for B and C. A stride of 0 reuses the
/// same matrix for every product (allowed for A and B, not for C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The number of products.
    pub count: usize,
    /// Distance between the first elements of consecutive A matrices.
    pub a_stride: usize,
    /// Distance between the first elements of consecutive B matrices.
    pub b_stride: usize,
    /// Distance between the first elements of consecutive C matrices.
    pub c_stride: usize,
}

/// How many threads a GEMM call may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread only.
    #[default]
    Seq,
    /// Split the work into at most this many tasks on the current rayon pool (the global pool,
    /// unless the caller is inside `ThreadPool::install`). `Threads(1)` is the same as `Seq`.
    Threads(usize),
}

/// Which operand of `C = alpha * A * B + beta * C` an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// The left factor, `[m x k]`.
    A,
    /// The right factor, `[k x n]`.
    B,
    /// The output, `[m x n]`.
    C,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operand::A => "A",
            Operand::B => "B",
            Operand::C => "C",
        })
    }
}

/// Why a GEMM call was refused. Nothing has been written to C when one of these is returned.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum GemmError {
    /// The last element that the layout addresses lies past the end of the slice.
    #[error(
        "GEMM operand {operand} ({batch} x [{rows} x {cols}], {layout}, batch stride {batch_stride}) reaches element \
         {last_index}, but its slice holds {len} elements; pass a longer slice or fix the strides"
    )]
    OutOfBounds {
        /// The operand.
        operand: Operand,
        /// The number of matrices in the batch (1 for [`sgemm`]).
        batch: usize,
        /// Logical rows of the operand.
        rows: usize,
        /// Logical columns of the operand.
        cols: usize,
        /// Its layout.
        layout: MatLayout,
        /// Its batch stride (0 for [`sgemm`]).
        batch_stride: usize,
        /// The largest index the layout addresses.
        last_index: usize,
        /// The length of the slice.
        len: usize,
    },
    /// The largest index the layout addresses does not fit in a `usize`.
    #[error(
        "GEMM operand {operand} ({batch} x [{rows} x {cols}], {layout}, batch stride {batch_stride}) addresses an \
         element past usize::MAX; its strides are too large"
    )]
    IndexOverflow {
        /// The operand.
        operand: Operand,
        /// The number of matrices in the batch.
        batch: usize,
        /// Logical rows of the operand.
        rows: usize,
        /// Logical columns of the operand.
        cols: usize,
        /// Its layout.
        layout: MatLayout,
        /// Its batch stride.
        batch_stride: usize,
    },
    /// Two elements of C share one place in the slice, so the result would depend on write order.
    #[error(
        "GEMM output C ({batch} x [{rows} x {cols}], {layout}, batch stride {batch_stride}) maps two elements to one \
         place; C needs strides that keep its elements apart (a stride of 0 broadcasts only inputs)"
    )]
    OverlappingOutput {
        /// The number of matrices in the batch.
        batch: usize,
        /// Rows of C.
        rows: usize,
        /// Columns of C.
        cols: usize,
        /// Its layout.
        layout: MatLayout,
        /// Its batch stride.
        batch_stride: usize,
    },
    /// `Par::Threads(0)`.
    #[error("Par::Threads(0) asks for no threads; use Par::Seq (or Par::Threads(1)) for one")]
    ZeroThreads,
}

/// `C = alpha * A * B + beta * C` for the shapes and scales in `gemm`.
///
/// ```
/// use parc_runtime::cpu::gemm::{sgemm, Gemm, MatLayout, MatMut, MatRef, Par};
/// // [2 x 3] x [3 x 2], B given as its [2 x 3] transpose.
/// let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let b_t = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
/// let mut c = [f32::NAN; 4]; // beta = 0: C's old contents are never read
/// sgemm(
///     &Gemm::new(2, 2, 3),
///     MatRef::new(&a, MatLayout::row_major(3)),
///     MatRef::new(&b_t, MatLayout::row_major(3).t()),
///     MatMut::new(&mut c, MatLayout::row_major(2)),
///     Par::Seq,
/// )?;
/// assert_eq!(c, [4.0, 2.0, 10.0, 5.0]);
/// # Ok::<(), parc_runtime::cpu::gemm::GemmError>(())
/// ```
pub fn sgemm(gemm: &Gemm, a: MatRef<'_>, b: MatRef<'_>, c: MatMut<'_>, par: Par) -> Result<(), GemmError> {
    sgemm_batched(gemm, &Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 }, a, b, c, par)
}

/// `C[i] = alpha * A[i] * B[i] + beta * C[i]` for each product `i` of `batch`, where `A[i]` starts
/// `i * batch.a_stride` elements after `A[0]` (and likewise for B and C).
///
/// With `Par::Threads(t)`, the batch is split across the threads when each product is too small to
/// be worth splitting itself, or when the count divides evenly among them; otherwise the products
/// run one after another, each on all threads.
pub fn sgemm_batched(
    gemm: &Gemm,
    batch: &Batch,
    a: MatRef<'_>,
    b: MatRef<'_>,
    c: MatMut<'_>,
    par: Par,
) -> Result<(), GemmError> {
    let &Gemm { m, n, k, alpha, beta } = gemm;
    let threads = match par {
        Par::Seq => 1,
        Par::Threads(0) => return Err(GemmError::ZeroThreads),
        Par::Threads(threads) => threads,
    };
    let a_view = View {
        operand: Operand::A,
        batch: batch.count,
        rows: m,
        cols: k,
        layout: a.layout,
        batch_stride: batch.a_stride,
    };
    let b_view = View {
        operand: Operand::B,
        batch: batch.count,
        rows: k,
        cols: n,
        layout: b.layout,
        batch_stride: batch.b_stride,
    };
    let c_view = View {
        operand: Operand::C,
        batch: batch.count,
        rows: m,
        cols: n,
        layout: c.layout,
        batch_stride: batch.c_stride,
    };
    a_view.check_bounds(a.data.len())?;
    b_view.check_bounds(b.data.len())?;
    c_view.check_bounds(c.data.len())?;
    c_view.check_distinct()?;
    if m == 0 || n == 0 || batch.count == 0 {
        return Ok(());
    }
    if k == 0 || alpha == 0.0 {
        // BLAS semantics: A and B are not read at all, so NaN or infinity there cannot leak in.
        scale_output(&c_view, beta, c.data);
        return Ok(());
    }

    // Checked above: every index the three views address is below their slices' lengths, C's are
    // pairwise distinct, and the slices are live for this whole call (A and B shared, C unique).
    let kernel = Kernel {
        gemm: *gemm,
        a: SharedPtr(a.data.as_ptr()),
        b: SharedPtr(b.data.as_ptr()),
        c: SharedPtr(c.data.as_mut_ptr()),
        a_strides: kernel_strides(a.layout, m, k),
        b_strides: kernel_strides(b.layout, k, n),
        c_strides: kernel_strides(c.layout, m, n),
        a_view,
        b_view,
        c_view,
    };
    let work_per_product = m.saturating_mul(n).saturating_mul(k);
    // Below this much work the gemm crate runs a product on one thread whatever it is allowed.
    let product_is_small = work_per_product < ::gemm::get_threading_threshold();
    let split_batch = threads > 1 && batch.count > 1 && (product_is_small || batch.count % threads == 0);
    if split_batch {
        let n_tasks = threads.min(batch.count);
        let per_task = batch.count.div_ceil(n_tasks);
        (0..n_tasks).into_par_iter().for_each(|task| {
            let first = task * per_task;
            let end = (first + per_task).min(batch.count);
            for product in first..end {
                // SAFETY: see `Kernel::run`; products handled by different tasks write disjoint
                // elements of C (checked by `check_distinct`), and each product runs exactly once.
                unsafe { kernel.run(product, ::gemm::Parallelism::None) };
            }
        });
    } else {
        let parallelism = if threads > 1 { ::gemm::Parallelism::Rayon(threads) } else { ::gemm::Parallelism::None };
        for product in 0..batch.count {
            // SAFETY: see `Kernel::run`; the products run one after another.
            unsafe { kernel.run(product, parallelism) };
        }
    }
    Ok(())
}

/// One operand's logical extent: `batch` matrices of `rows x cols`.
#[derive(Clone, Copy, Debug)]
struct View {
    operand: Operand,
    batch: usize,
    rows: usize,
    cols: usize,
    layout: MatLayout,
    batch_stride: usize,
}

impl View {
    /// The (dimension, stride) pairs of the view, outermost first.
    fn dims(&self) -> [(usize, usize); 3] {
        [(self.batch, self.batch_stride), (self.rows, self.layout.row_stride), (self.cols, self.layout.col_stride)]
    }

    /// The largest index the view addresses, `None` when it addresses nothing.
    fn last_index(&self) -> Result<Option<usize>, GemmError> {
        if self.dims().iter().any(|&(dim, _)| dim == 0) {
            return Ok(None);
        }
        let overflow = || GemmError::IndexOverflow {
            operand: self.operand,
            batch: self.batch,
            rows: self.rows,
            cols: self.cols,
            layout: self.layout,
            batch_stride: self.batch_stride,
        };
        let mut last = self.layout.offset;
        for (dim, stride) in self.dims() {
            let reach = (dim - 1).checked_mul(stride).ok_or_else(overflow)?;
            last = last.checked_add(reach).ok_or_else(overflow)?;
        }
        Ok(Some(last))
    }

    fn check_bounds(&self, len: usize) -> Result<(), GemmError> {
        match self.last_index()? {
            Some(last_index) if last_index >= len => Err(GemmError::OutOfBounds {
                operand: self.operand,
                batch: self.batch,
                rows: self.rows,
                cols: self.cols,
                layout: self.layout,
                batch_stride: self.batch_stride,
                last_index,
                len,
            }),
            _ => Ok(()),
        }
    }

    /// Checks that no two elements share an index, by a sufficient condition: taken in order of
    /// increasing stride, each dimension's stride exceeds the largest offset reachable with the
    /// smaller ones (mixed-radix numbering). This accepts every dense or padded layout, in any
    /// dimension order (such as C written as `[m, batch, n]`), and rejects strides of 0.
    /// Call after `check_bounds`, so that the sums below cannot overflow.
    fn check_distinct(&self) -> Result<(), GemmError> {
        if self.dims().iter().any(|&(dim, _)| dim == 0) {
            // An empty view has no elements to collide, whatever its strides.
            return Ok(());
        }
        let mut dims: Vec<(usize, usize)> = self.dims().into_iter().filter(|&(dim, _)| dim > 1).collect();
        dims.sort_by_key(|&(_, stride)| stride);
        let mut reach = 0usize;
        for (dim, stride) in dims {
            if stride <= reach {
                return Err(GemmError::OverlappingOutput {
                    batch: self.batch,
                    rows: self.rows,
                    cols: self.cols,
                    layout: self.layout,
                    batch_stride: self.batch_stride,
                });
            }
            reach += stride * (dim - 1);
        }
        Ok(())
    }
}

/// `C = beta * C` over the elements of the view (0 when `beta` is 0, whatever C held).
fn scale_output(view: &View, beta: f32, c: &mut [f32]) {
    if beta == 1.0 {
        return;
    }
    for product in 0..view.batch {
        for row in 0..view.rows {
            for col in 0..view.cols {
                let index = view.layout.offset
                    + product * view.batch_stride
                    + row * view.layout.row_stride
                    + col * view.layout.col_stride;
                c[index] = if beta == 0.0 { 0.0 } else { beta * c[index] };
            }
        }
    }
}

/// Row and column strides as the gemm crate takes them. A stride along a dimension of size 1 is
/// never multiplied by anything but 0, so it may be any `usize`; it becomes 1. The others fit in an
/// `isize` because (dim - 1) * stride is at most the last index, which is below a slice length.
fn kernel_strides(layout: MatLayout, rows: usize, cols: usize) -> (isize, isize) {
    let stride = |dim: usize, stride: usize| if dim > 1 { stride as isize } else { 1 };
    (stride(rows, layout.row_stride), stride(cols, layout.col_stride))
}

/// A pointer that may cross to rayon's threads. `Kernel::run`'s contract makes that sound.
#[derive(Clone, Copy)]
struct SharedPtr<T>(*const T);

// SAFETY: the pointers come from slices that outlive the call that uses them; A and B are only
// read, and each element of C is written by exactly one task.
unsafe impl<T> Send for SharedPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedPtr<T> {}

/// Everything a product of the batch needs, checked by `sgemm_batched` before it is built.
struct Kernel {
    gemm: Gemm,
    a: SharedPtr<f32>,
    b: SharedPtr<f32>,
    c: SharedPtr<f32>,
    a_strides: (isize, isize),
    b_strides: (isize, isize),
    c_strides: (isize, isize),
    a_view: View,
    b_view: View,
    c_view: View,
}

impl Kernel {
    /// Computes product `product` of the batch.
    ///
    /// # Safety
    /// The views passed `check_bounds` against the slices behind the pointers, C's passed
    /// `check_distinct`, `m`, `n`, `k` and the batch count are nonzero, `product < batch`, the C slice
    /// was borrowed mutably for the whole call, and no other call runs the same `product` at the same
    /// time.
    unsafe fn run(&self, product: usize, parallelism: ::gemm::Parallelism) {
        let Gemm { m, n, k, alpha, beta } = self.gemm;
        let base = |view: &View| view.layout.offset + product * view.batch_stride;
        // SAFETY: each base is at most the view's last index, which is in bounds; the kernel then
        // touches only elements of the views, all in bounds, and writes only C's, which no other
        // product shares.
        unsafe {
            let a = self.a.0.add(base(&self.a_view));
            let b = self.b.0.add(base(&self.b_view));
            let c = self.c.0.add(base(&self.c_view)).cast_mut();
            // The gemm crate computes dst = alpha * dst + beta * lhs * rhs, the other way round
            // from BLAS, and reads dst only when asked to (so beta == 0 ignores NaN in C).
            ::gemm::gemm(
                m,
                n,
                k,
                c,
                self.c_strides.1,
                self.c_strides.0,
                beta != 0.0,
                a,
                self.a_strides.1,
                self.a_strides.0,
                b,
                self.b_strides.1,
                self.b_strides.0,
                beta,
                alpha,
                false,
                false,
                false,
                parallelism,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::kernels::testing::Rng;

    /// How a test stores one operand of logical shape [rows x cols].
    #[derive(Clone, Copy, Debug)]
    struct Storage {
        /// Stored as the row-major transpose ([cols x rows]) and read through `MatLayout::t`.
        transposed: bool,
        /// Extra elements at the end of each stored row (a leading dimension above the minimum).
        pad: usize,
        /// Elements before the first one.
        offset: usize,
    }

    const DENSE: Storage = Storage { transposed: false, pad: 0, offset: 0 };
    const DENSE_T: Storage = Storage { transposed: true, pad: 0, offset: 0 };

    impl Storage {
        fn layout(self, rows: usize, cols: usize) -> MatLayout {
            if self.transposed {
                MatLayout::row_major(rows + self.pad).t().at(self.offset)
            } else {
                MatLayout::row_major(cols + self.pad).at(self.offset)
            }
        }
    }

    /// One call to check: shapes, scales, batch, layouts and what C holds beforehand.
    #[derive(Clone, Copy, Debug)]
    struct Case {
        gemm: Gemm,
        batch: Batch,
        a: MatLayout,
        b: MatLayout,
        c: MatLayout,
        /// C's elements start as NaN instead of random values (only meaningful with beta = 0).
        nan_in_c: bool,
        /// A and B hold NaN (only meaningful with alpha = 0: they must not be read).
        nan_in_inputs: bool,
        par: Par,
    }

    impl Case {
        /// A single product, row-major A, B and C, C = A * B, on one thread.
        fn new(m: usize, n: usize, k: usize) -> Self {
            Self {
                gemm: Gemm::new(m, n, k),
                batch: Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 },
                a: DENSE.layout(m, k),
                b: DENSE.layout(k, n),
                c: DENSE.layout(m, n),
                nan_in_c: false,
                nan_in_inputs: false,
                par: Par::Seq,
            }
        }
    }

    fn element(layout: MatLayout, batch_stride: usize, product: usize, row: usize, col: usize) -> usize {
        layout.offset + product * batch_stride + row * layout.row_stride + col * layout.col_stride
    }

    /// One past the last index a view addresses (0 when it is empty).
    fn needed_len(layout: MatLayout, batch_stride: usize, count: usize, rows: usize, cols: usize) -> usize {
        if count == 0 || rows == 0 || cols == 0 {
            return 0;
        }
        element(layout, batch_stride, count - 1, rows - 1, cols - 1) + 1
    }

    /// Runs the case on random data and compares every element of the C slice with a naive f64
    /// triple loop: elements of the C matrices within 1e-5 * k * (|alpha| + |beta|) (all inputs
    /// lie in [-1, 1)), every other element of the slice bit for bit unchanged.
    fn check(case: &Case, seed: u64) {
        let Case { gemm, batch, .. } = *case;
        let Gemm { m, n, k, alpha, beta } = gemm;
        let mut rng = Rng::new(seed);
        // Three spare elements at the end of each slice catch writes just past the last element.
        let a_len = needed_len(case.a, batch.a_stride, batch.count, m, k) + 3;
        let b_len = needed_len(case.b, batch.b_stride, batch.count, k, n) + 3;
        let c_len = needed_len(case.c, batch.c_stride, batch.count, m, n) + 3;
        let (a, b) = if case.nan_in_inputs {
            (vec![f32::NAN; a_len], vec![f32::NAN; b_len])
        } else {
            (rng.vec(a_len, 1.0), rng.vec(b_len, 1.0))
        };
        let mut c_before = rng.vec(c_len, 1.0);
        let mut in_c = vec![false; c_len];
        for product in 0..batch.count {
            for i in 0..m {
                for j in 0..n {
                    let at = element(case.c, batch.c_stride, product, i, j);
                    in_c[at] = true;
                    if case.nan_in_c {
                        c_before[at] = f32::NAN;
                    }
                }
            }
        }

        let mut expected: Vec<f64> = c_before.iter().map(|&x| f64::from(x)).collect();
        for product in 0..batch.count {
            for i in 0..m {
                for j in 0..n {
                    let mut sum = 0.0f64;
                    if alpha != 0.0 {
                        for p in 0..k {
                            sum += f64::from(a[element(case.a, batch.a_stride, product, i, p)])
                                * f64::from(b[element(case.b, batch.b_stride, product, p, j)]);
                        }
                    }
                    let at = element(case.c, batch.c_stride, product, i, j);
                    let old = if beta == 0.0 { 0.0 } else { f64::from(beta) * f64::from(c_before[at]) };
                    expected[at] = f64::from(alpha) * sum + old;
                }
            }
        }

        let mut c = c_before.clone();
        let result = sgemm_batched(
            &gemm,
            &batch,
            MatRef::new(&a, case.a),
            MatRef::new(&b, case.b),
            MatMut::new(&mut c, case.c),
            case.par,
        );
        assert_eq!(result, Ok(()), "{case:?}");

        let tolerance = 1e-5 * k.max(1) as f64 * (f64::from(alpha.abs()) + f64::from(beta.abs()));
        for at in 0..c_len {
            if in_c[at] {
                let error = (f64::from(c[at]) - expected[at]).abs();
                // Written so that NaN fails: NaN <= x is false.
                assert!(
                    error <= tolerance,
                    "C[{at}] = {} but the f64 reference gives {} (error {error:e} > {tolerance:e}) in {case:?}",
                    c[at],
                    expected[at]
                );
            } else {
                assert_eq!(c[at].to_bits(), c_before[at].to_bits(), "C[{at}] is outside C but changed in {case:?}");
            }
        }
    }

    const ODD_SIZES: [usize; 5] = [1, 7, 33, 65, 127];

    #[test]
    fn all_transposes_at_odd_sizes_match_the_f64_loop() {
        let mut seed = 1;
        for a_transposed in [false, true] {
            for b_transposed in [false, true] {
                for m in ODD_SIZES {
                    for n in ODD_SIZES {
                        for k in ODD_SIZES {
                            seed += 1;
                            // Vary padding, offsets, C's order and threading with the seed.
                            let pad = (seed % 3) as usize;
                            let a = Storage { transposed: a_transposed, pad, offset: pad * 5 };
                            let b = Storage { transposed: b_transposed, pad: 2 - pad, offset: 1 };
                            let c = Storage { transposed: seed % 2 == 0, pad, offset: 2 };
                            let case = Case {
                                a: a.layout(m, k),
                                b: b.layout(k, n),
                                c: c.layout(m, n),
                                par: if seed % 4 < 2 { Par::Seq } else { Par::Threads(2) },
                                ..Case::new(m, n, k)
                            };
                            check(&case, seed);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn alpha_and_beta_scale_the_product_and_the_old_output() {
        // The last shape is large enough for the gemm crate to use both threads.
        let shapes = [(33, 65, 7), (127, 1, 65), (1, 127, 33), (128, 128, 64)];
        let mut seed = 100;
        for (m, n, k) in shapes {
            for alpha in [1.0, -0.5, 3.0] {
                for (beta, nan_in_c) in [(0.0, true), (1.0, false), (0.25, false), (-2.0, false)] {
                    for par in [Par::Seq, Par::Threads(2)] {
                        for (a, b) in [(DENSE, DENSE), (DENSE_T, DENSE_T)] {
                            seed += 1;
                            let case = Case {
                                gemm: Gemm::new(m, n, k).alpha(alpha).beta(beta),
                                a: a.layout(m, k),
                                b: b.layout(k, n),
                                nan_in_c,
                                par,
                                ..Case::new(m, n, k)
                            };
                            check(&case, seed);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn beta_zero_overwrites_nan_in_c() {
        for par in [Par::Seq, Par::Threads(2)] {
            for (m, n, k) in [(1, 1, 1), (7, 33, 65), (200, 96, 64)] {
                check(&Case { nan_in_c: true, par, ..Case::new(m, n, k) }, 7);
            }
        }
    }

    #[test]
    fn alpha_zero_or_k_zero_reads_neither_a_nor_b() {
        for (k, alpha) in [(0, 1.0), (9, 0.0)] {
            for (beta, nan_in_c) in [(0.0, true), (0.5, false), (1.0, false)] {
                let case = Case {
                    gemm: Gemm::new(5, 6, k).alpha(alpha).beta(beta),
                    nan_in_c,
                    nan_in_inputs: true,
                    ..Case::new(5, 6, k)
                };
                check(&case, 11);
            }
        }
    }

    #[test]
    fn size_one_dimensions_accept_any_stride() {
        // A row vector times a matrix: A's row stride is never used, even if it is absurd.
        let case = Case {
            a: MatLayout { offset: 0, row_stride: usize::MAX, col_stride: 1 },
            c: MatLayout { offset: 0, row_stride: usize::MAX / 2, col_stride: 1 },
            ..Case::new(1, 9, 7)
        };
        check(&case, 3);
    }

    #[test]
    fn a_zero_stride_inside_an_input_repeats_its_elements() {
        // Every column of A is the same vector (col stride 0): C[i][j] = a[i] * sum_p B[p][j].
        let case = Case { a: MatLayout { offset: 2, row_stride: 1, col_stride: 0 }, ..Case::new(33, 7, 65) };
        check(&case, 5);
    }

    #[test]
    fn batched_products_with_broadcast_operands() {
        let (m, n, k) = (32, 16, 32);
        let count = 6;
        // C written as [m, batch, n], the layout of attention's output heads before the merge.
        let c_interleaved = MatLayout::row_major(count * n);
        let cases = [
            // Independent dense products.
            Batch { count, a_stride: m * k, b_stride: k * n, c_stride: m * n },
            // One A for all (the same activations against per-expert weights).
            Batch { count, a_stride: 0, b_stride: k * n, c_stride: m * n },
            // One B for all: a K or V head shared by the query heads of its group (GQA).
            Batch { count, a_stride: m * k, b_stride: 0, c_stride: m * n },
            Batch { count, a_stride: 0, b_stride: 0, c_stride: m * n },
        ];
        let mut seed = 200;
        for batch in cases {
            for par in [Par::Seq, Par::Threads(2), Par::Threads(4)] {
                for interleaved in [false, true] {
                    seed += 1;
                    let (c, c_stride) =
                        if interleaved { (c_interleaved, n) } else { (MatLayout::row_major(n), batch.c_stride) };
                    let case = Case {
                        batch: Batch { c_stride, ..batch },
                        c,
                        gemm: Gemm::new(m, n, k).beta(if seed % 2 == 0 { 0.0 } else { 1.0 }),
                        nan_in_c: seed % 2 == 0,
                        par,
                        ..Case::new(m, n, k)
                    };
                    check(&case, seed);
                }
            }
        }
    }

    #[test]
    fn batched_large_products_split_or_share_threads() {
        // 96 * 96 * 96 is above the gemm crate's threading threshold: a count of 4 is split across
        // two threads, a count of 3 runs product by product with both threads on each.
        let (m, n, k) = (96, 96, 96);
        for count in [3, 4] {
            for b_stride in [0, k * n] {
                let case = Case {
                    batch: Batch { count, a_stride: m * k, b_stride, c_stride: m * n },
                    a: DENSE_T.layout(m, k),
                    gemm: Gemm::new(m, n, k).alpha(0.5).beta(1.0),
                    par: Par::Threads(2),
                    ..Case::new(m, n, k)
                };
                check(&case, 300 + count as u64);
            }
        }
    }

    #[test]
    fn empty_batch_and_empty_matrices_leave_c_alone() {
        check(&Case { batch: Batch { count: 0, a_stride: 0, b_stride: 0, c_stride: 0 }, ..Case::new(4, 4, 4) }, 1);
        check(&Case { nan_in_c: true, ..Case::new(0, 4, 4) }, 1);
        check(&Case { nan_in_c: true, ..Case::new(4, 0, 4) }, 1);
    }

    /// Runs a call that must be refused and checks that C was not touched.
    fn refused(
        gemm: &Gemm,
        batch: &Batch,
        a: MatRef<'_>,
        b: MatRef<'_>,
        c: MatLayout,
        c_len: usize,
        par: Par,
    ) -> GemmError {
        let mut c_data = vec![7.0f32; c_len];
        let result = sgemm_batched(gemm, batch, a, b, MatMut::new(&mut c_data, c), par);
        assert!(c_data.iter().all(|&x| x == 7.0), "a refused call wrote to C");
        match result {
            Err(error) => error,
            Ok(()) => panic!("the call was accepted"),
        }
    }

    #[test]
    fn short_slices_are_refused_with_the_numbers() {
        let (m, n, k) = (4, 5, 6);
        let a = vec![0.0; m * k];
        let b = vec![0.0; k * n];
        let single = Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 };
        let gemm = Gemm::new(m, n, k);
        let row_major = MatLayout::row_major;

        let error = refused(
            &gemm,
            &single,
            MatRef::new(&a[1..], row_major(k)),
            MatRef::new(&b, row_major(n)),
            row_major(n),
            m * n,
            Par::Seq,
        );
        assert_eq!(
            error,
            GemmError::OutOfBounds {
                operand: Operand::A,
                batch: 1,
                rows: 4,
                cols: 6,
                layout: row_major(6),
                batch_stride: 0,
                last_index: 23,
                len: 23
            }
        );
        assert_eq!(
            error.to_string(),
            "GEMM operand A (1 x [4 x 6], offset 0, row stride 6, col stride 1, batch stride 0) reaches element 23, \
             but its slice holds 23 elements; pass a longer slice or fix the strides"
        );

        // B read transposed with an offset: its last element is 1 + (6 - 1) * 1 + (5 - 1) * 6 = 30.
        let b_t = row_major(k).t().at(1);
        let error =
            refused(&gemm, &single, MatRef::new(&a, row_major(k)), MatRef::new(&b, b_t), row_major(n), m * n, Par::Seq);
        assert!(
            matches!(error, GemmError::OutOfBounds { operand: Operand::B, last_index: 30, len: 30, .. }),
            "{error}"
        );

        let error = refused(
            &gemm,
            &single,
            MatRef::new(&a, row_major(k)),
            MatRef::new(&b, row_major(n)),
            row_major(n),
            m * n - 1,
            Par::Seq,
        );
        assert!(
            matches!(error, GemmError::OutOfBounds { operand: Operand::C, last_index: 19, len: 19, .. }),
            "{error}"
        );

        // A batch of 3 Bs 30 apart needs 90 elements.
        let batch = Batch { count: 3, a_stride: 0, b_stride: k * n, c_stride: m * n };
        let error = refused(
            &gemm,
            &batch,
            MatRef::new(&a, row_major(k)),
            MatRef::new(&b, row_major(n)),
            row_major(n),
            3 * m * n,
            Par::Seq,
        );
        assert!(
            matches!(error, GemmError::OutOfBounds { operand: Operand::B, last_index: 89, len: 30, .. }),
            "{error}"
        );
    }

    #[test]
    fn overlapping_outputs_are_refused() {
        let (m, n, k) = (4, 5, 6);
        let a = vec![0.0; m * k];
        let b = vec![0.0; k * n];
        let gemm = Gemm::new(m, n, k);
        let inputs = (MatRef::new(&a, MatLayout::row_major(k)), MatRef::new(&b, MatLayout::row_major(n)));
        let single = Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 };
        let overlapping = [
            // Every row of C on the same place.
            (single, MatLayout { offset: 0, row_stride: 0, col_stride: 1 }),
            // Rows 3 apart but 5 long.
            (single, MatLayout::row_major(3)),
            // A broadcast C across the batch.
            (Batch { count: 2, a_stride: 0, b_stride: 0, c_stride: 0 }, MatLayout::row_major(n)),
            // Interleaved batch whose stride lands inside the next product's rows.
            (Batch { count: 2, a_stride: 0, b_stride: 0, c_stride: 1 }, MatLayout::row_major(2 * n)),
        ];
        for (batch, c) in overlapping {
            let error = refused(&gemm, &batch, inputs.0, inputs.1, c, 100, Par::Seq);
            assert!(matches!(error, GemmError::OverlappingOutput { .. }), "{c:?} {batch:?}: {error}");
        }
    }

    #[test]
    fn overflowing_strides_and_zero_threads_are_refused() {
        let a = vec![0.0; 4];
        let b = vec![0.0; 4];
        let single = Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 };
        let huge = MatLayout { offset: 1, row_stride: usize::MAX, col_stride: 1 };
        let error = refused(
            &Gemm::new(2, 2, 2),
            &single,
            MatRef::new(&a, huge),
            MatRef::new(&b, MatLayout::row_major(2)),
            MatLayout::row_major(2),
            4,
            Par::Seq,
        );
        assert!(matches!(error, GemmError::IndexOverflow { operand: Operand::A, .. }), "{error}");

        let error = refused(
            &Gemm::new(2, 2, 2),
            &single,
            MatRef::new(&a, MatLayout::row_major(2)),
            MatRef::new(&b, MatLayout::row_major(2)),
            MatLayout::row_major(2),
            4,
            Par::Threads(0),
        );
        assert_eq!(error, GemmError::ZeroThreads);
    }
}
