//! Sum, mean and maximum over any set of axes (`graph.reduce_sum`, `graph.reduce_mean`,
//! `graph.reduce_max`) and the gradient of the maximum (`graph.reduce_max_grad`).
//!
//! The shape is first reduced to alternating groups of kept and reduced dims (size-1 dims dropped,
//! neighbours of the same kind merged). Then one of two loops runs:
//! - the innermost group is reduced: every output element reduces contiguous runs of `x`; a long
//!   reduction is cut into blocks of at most [`TASK_ELEMS`] elements (whole runs, or pieces of one
//!   run), whose partial results are combined in block order;
//! - the innermost group is kept: every output row is an elementwise reduction of rows of `x`
//!   (column sums, as the bias gradient of a linear layer needs); the rows are cut into blocks of
//!   [`rows_per_block`] (at least 64) rows, each reduced in row order, combined in block order.
//!
//! Sums accumulate in f64 and are rounded once; maxima are exact either way. The blocks depend
//! only on the shape, so the result is the same on any number of threads.

use rayon::prelude::*;

use super::{
    check_len, gather_offsets, invalid, max_of, product, put, put_slice, rows_per_block, rows_per_task, strides_of,
    sum1_f64, Result, TASK_ELEMS,
};

/// Which reduction [`reduce`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    /// `graph.reduce_sum`.
    Sum,
    /// `graph.reduce_mean`: the sum divided by the number of reduced elements.
    Mean,
    /// `graph.reduce_max`; NaN propagates, as in PyTorch.
    Max,
}

impl ReduceKind {
    fn identity(self) -> f64 {
        match self {
            ReduceKind::Sum | ReduceKind::Mean => 0.0,
            ReduceKind::Max => f64::NEG_INFINITY,
        }
    }

    /// Folds `v` into the running value `a`.
    #[inline(always)]
    fn combine(self, a: f64, v: f64) -> f64 {
        match self {
            ReduceKind::Sum | ReduceKind::Mean => a + v,
            ReduceKind::Max => {
                if v > a || v.is_nan() {
                    v
                } else {
                    a
                }
            }
        }
    }

    /// The reduction of a contiguous run.
    fn run(self, xs: &[f32]) -> f64 {
        match self {
            ReduceKind::Sum | ReduceKind::Mean => sum1_f64(xs, f64::from),
            ReduceKind::Max => {
                if xs.iter().any(|v| v.is_nan()) {
                    f64::NAN
                } else {
                    f64::from(max_of(xs))
                }
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            ReduceKind::Sum => "reduce_sum",
            ReduceKind::Mean => "reduce_mean",
            ReduceKind::Max => "reduce_max",
        }
    }
}

/// Which dims of a rank-`rank` shape `axes` names, checked for range and repetition.
fn reduced_dims(kernel: &'static str, rank: usize, axes: &[usize]) -> Result<Vec<bool>> {
    let mut reduced = vec![false; rank];
    for &a in axes {
        if a >= rank {
            return Err(invalid(kernel, format!("axis {a} is out of range for rank {rank}")));
        }
        if std::mem::replace(&mut reduced[a], true) {
            return Err(invalid(kernel, format!("axes {axes:?} name dim {a} twice")));
        }
    }
    Ok(reduced)
}

/// The shape as alternating groups `(size, reduced)`: size-1 dims dropped, neighbours of the same
/// kind merged.
fn groups(shape: &[usize], reduced: &[bool]) -> Vec<(usize, bool)> {
    let mut groups: Vec<(usize, bool)> = Vec::with_capacity(shape.len());
    for (&size, &r) in shape.iter().zip(reduced) {
        if size == 1 {
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.1 == r => g.0 *= size,
            _ => groups.push((size, r)),
        }
    }
    groups
}

/// `reduce(x[shape])` over `axes` (the reduced dims, in any order). `y` holds the kept dims in
/// order; `keepdim` only changes the shape, not the data. Sum of nothing is 0, mean of nothing
/// NaN, and the maximum of nothing an error, as in the interpreter.
pub fn reduce(kind: ReduceKind, x: &[f32], shape: &[usize], axes: &[usize], y: &mut [f32], acc: bool) -> Result {
    let k = kind.name();
    let reduced = reduced_dims(k, shape.len(), axes)?;
    let n = product(k, shape)?;
    check_len(k, "x", x.len(), n, || format!("shape {shape:?}"))?;
    let kept: Vec<usize> = shape.iter().zip(&reduced).filter(|(_, &r)| !r).map(|(&s, _)| s).collect();
    let reduced_sizes: Vec<usize> = shape.iter().zip(&reduced).filter(|(_, &r)| r).map(|(&s, _)| s).collect();
    let count = product(k, &reduced_sizes)?;
    check_len(k, "y", y.len(), product(k, &kept)?, || format!("shape {shape:?} reduced over axes {axes:?}"))?;
    if kind == ReduceKind::Max && count == 0 {
        return Err(invalid(k, format!("the maximum over an empty dim of shape {shape:?}")));
    }
    if y.is_empty() {
        return Ok(());
    }
    let finish = |v: f64| (if kind == ReduceKind::Mean { v / count as f64 } else { v }) as f32;
    if n == 0 {
        // Every output reduces nothing: 0 for a sum, 0/0 for a mean.
        let value = finish(0.0);
        y.par_chunks_mut(TASK_ELEMS).for_each(|ys| ys.iter_mut().for_each(|o| put(o, value, acc)));
        return Ok(());
    }
    let groups = groups(shape, &reduced);
    if !groups.iter().any(|g| g.1) {
        // Only size-1 dims are reduced: every output is its one element.
        y.par_chunks_mut(TASK_ELEMS).zip(x.par_chunks(TASK_ELEMS)).for_each(|(ys, xs)| put_slice(ys, xs, acc));
        return Ok(());
    }
    let sizes: Vec<usize> = groups.iter().map(|g| g.0).collect();
    let strides = strides_of(&sizes);
    let select = |want: bool, skip_last: bool| -> Vec<(usize, usize)> {
        let end = if skip_last { groups.len() - 1 } else { groups.len() };
        (0..end).filter(|&g| groups[g].1 == want).map(|g| (sizes[g], strides[g])).collect()
    };
    let (inner, inner_reduced) = groups[groups.len() - 1];
    if inner_reduced {
        let outputs = gather_offsets(&select(false, true));
        let runs = gather_offsets(&select(true, true));
        reduce_inner(kind, x, &outputs, &runs, inner, y, acc, &finish);
    } else {
        let row_starts = gather_offsets(&select(false, true));
        let rows = gather_offsets(&select(true, true));
        reduce_outer(kind, x, &row_starts, &rows, inner, y, acc, &finish);
    }
    Ok(())
}

/// Innermost group reduced: output `k` reduces the runs `x[outputs[k] + runs[r]..][..run]`.
#[allow(clippy::too_many_arguments)]
fn reduce_inner(
    kind: ReduceKind,
    x: &[f32],
    outputs: &[usize],
    runs: &[usize],
    run: usize,
    y: &mut [f32],
    acc: bool,
    finish: &(impl Fn(f64) -> f32 + Sync),
) {
    // A block is `runs_per_block` whole runs, or one of `pieces` pieces of a long run.
    let (pieces, runs_per_block) = if run > TASK_ELEMS { (run.div_ceil(TASK_ELEMS), 1) } else { (1, TASK_ELEMS / run) };
    let blocks = if pieces > 1 { runs.len() * pieces } else { runs.len().div_ceil(runs_per_block) };
    let block = |base: usize, b: usize| -> f64 {
        if pieces > 1 {
            let start = base + runs[b / pieces] + (b % pieces) * TASK_ELEMS;
            let end = (start + TASK_ELEMS).min(base + runs[b / pieces] + run);
            kind.run(&x[start..end])
        } else {
            let last = ((b + 1) * runs_per_block).min(runs.len());
            runs[b * runs_per_block..last]
                .iter()
                .fold(kind.identity(), |v, &r| kind.combine(v, kind.run(&x[base + r..base + r + run])))
        }
    };
    if blocks == 1 {
        let per = rows_per_task(runs.len() * run);
        y.par_chunks_mut(per).zip(outputs.par_chunks(per)).for_each(|(ys, bases)| {
            for (o, &base) in ys.iter_mut().zip(bases) {
                put(o, finish(block(base, 0)), acc);
            }
        });
        return;
    }
    let mut partials = vec![0.0f64; outputs.len() * blocks];
    partials.par_iter_mut().enumerate().for_each(|(i, p)| *p = block(outputs[i / blocks], i % blocks));
    let per = rows_per_task(blocks);
    y.par_chunks_mut(per).zip(partials.par_chunks(per * blocks)).for_each(|(ys, ps)| {
        for (o, p) in ys.iter_mut().zip(ps.chunks_exact(blocks)) {
            put(o, finish(p.iter().fold(kind.identity(), |v, &b| kind.combine(v, b))), acc);
        }
    });
}

/// Columns per task of [`reduce_outer`].
const COLUMNS: usize = 4096;

/// Innermost group kept: output row `k` (of `width` elements) reduces the rows
/// `x[row_starts[k] + rows[r]..][..width]` elementwise.
#[allow(clippy::too_many_arguments)]
fn reduce_outer(
    kind: ReduceKind,
    x: &[f32],
    row_starts: &[usize],
    rows: &[usize],
    width: usize,
    y: &mut [f32],
    acc: bool,
    finish: &(impl Fn(f64) -> f32 + Sync),
) {
    let per_block = rows_per_block(width).max(64);
    let blocks = rows.len().div_ceil(per_block);
    // Reduces rows [b·per_block, ..) of output row `k`, columns c0..c0 + out.len(), into `out`.
    let block = |k: usize, b: usize, c0: usize, out: &mut [f64]| {
        let base = row_starts[k] + c0;
        let last = ((b + 1) * per_block).min(rows.len());
        let (first, rest) = rows[b * per_block..last].split_first().expect("blocks are never empty");
        out.iter_mut().zip(&x[base + first..]).for_each(|(o, &v)| *o = f64::from(v));
        for &r in rest {
            let xs = &x[base + r..base + r + out.len()];
            match kind {
                ReduceKind::Sum | ReduceKind::Mean => out.iter_mut().zip(xs).for_each(|(o, &v)| *o += f64::from(v)),
                ReduceKind::Max => out.iter_mut().zip(xs).for_each(|(o, &v)| *o = kind.combine(*o, f64::from(v))),
            }
        }
    };
    let partials = if blocks > 1 {
        let mut partials = vec![0.0f64; row_starts.len() * blocks * width];
        partials.par_chunks_mut(width).enumerate().for_each(|(i, p)| {
            p.par_chunks_mut(COLUMNS).enumerate().for_each(|(c, pc)| block(i / blocks, i % blocks, c * COLUMNS, pc));
        });
        partials
    } else {
        Vec::new()
    };
    y.par_chunks_mut(width).enumerate().for_each(|(k, yr)| {
        yr.par_chunks_mut(COLUMNS).enumerate().for_each_init(
            || vec![0.0f64; COLUMNS.min(width)],
            |scratch, (c, yc)| {
                let out = &mut scratch[..yc.len()];
                if blocks == 1 {
                    block(k, 0, c * COLUMNS, out);
                } else {
                    let c0 = c * COLUMNS;
                    let w = out.len();
                    let row = |b: usize| &partials[(k * blocks + b) * width + c0..][..w];
                    out.copy_from_slice(row(0));
                    for b in 1..blocks {
                        out.iter_mut().zip(row(b)).for_each(|(o, &v)| *o = kind.combine(*o, v));
                    }
                }
                for (o, &v) in yc.iter_mut().zip(out.iter()) {
                    put(o, finish(v), acc);
                }
            },
        );
    });
}

/// The dims of `shape` as `(size, stride in y)` with stride 0 on reduced dims: size-1 dims dropped
/// and neighbours merged where the strides allow.
fn slot_dims(shape: &[usize], reduced: &[bool]) -> Vec<(usize, usize)> {
    let kept: Vec<usize> = shape.iter().zip(reduced).map(|(&s, &r)| if r { 1 } else { s }).collect();
    let y_strides = strides_of(&kept);
    let mut dims: Vec<(usize, usize)> = Vec::with_capacity(shape.len());
    for d in 0..shape.len() {
        let (size, stride) = (shape[d], if reduced[d] { 0 } else { y_strides[d] });
        if size == 1 {
            continue;
        }
        match dims.last_mut() {
            Some(last) if last.1 == stride * size => *last = (last.0 * size, stride),
            _ => dims.push((size, stride)),
        }
    }
    dims
}

/// Calls `f(i, slot)` for the elements `start..start + len` of `x` in order, `slot` being the
/// element of `y` that element `i` reduces into.
fn for_each_slot(dims: &[(usize, usize)], start: usize, len: usize, mut f: impl FnMut(usize, usize)) {
    let mut index = vec![0; dims.len()];
    let mut rest = start;
    for d in (0..dims.len()).rev() {
        index[d] = rest % dims[d].0;
        rest /= dims[d].0;
    }
    let (inner, inner_stride) = dims.last().copied().unwrap_or((1, 0));
    let mut i = 0;
    while i < len {
        let slot: usize = index.iter().zip(dims).map(|(&j, d)| j * d.1).sum();
        let at = index.last().copied().unwrap_or(0);
        let run = (inner - at).min(len - i);
        for k in 0..run {
            f(i + k, slot + k * inner_stride);
        }
        i += run;
        // Advance the index by `run` (to the start of the next innermost run).
        if let Some(last) = index.last_mut() {
            *last += run;
        }
        for d in (1..dims.len()).rev() {
            if index[d] < dims[d].0 {
                break;
            }
            index[d] = 0;
            index[d - 1] += 1;
        }
    }
}

/// `reduce_max_grad(x[shape], y, dy) -> dx`: each `dy` element goes to the elements of `x` equal to
/// its maximum `y`, shared equally among ties; the other elements get 0. `y` and `dy` hold the
/// kept dims, as [`reduce`] writes them.
pub fn reduce_max_grad(
    x: &[f32],
    y: &[f32],
    dy: &[f32],
    shape: &[usize],
    axes: &[usize],
    dx: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "reduce_max_grad";
    let reduced = reduced_dims(K, shape.len(), axes)?;
    let n = product(K, shape)?;
    check_len(K, "x", x.len(), n, || format!("shape {shape:?}"))?;
    check_len(K, "dx", dx.len(), n, || format!("shape {shape:?}"))?;
    let kept: Vec<usize> = shape.iter().zip(&reduced).filter(|(_, &r)| !r).map(|(&s, _)| s).collect();
    let n_out = product(K, &kept)?;
    let sizes = || format!("shape {shape:?} reduced over axes {axes:?}");
    check_len(K, "y", y.len(), n_out, sizes)?;
    check_len(K, "dy", dy.len(), n_out, sizes)?;
    if n == 0 {
        return Ok(());
    }
    let dims = slot_dims(shape, &reduced);
    // Integer tie counts: exact, so counting them in one pass costs no determinism.
    let mut ties = vec![0u32; n_out];
    for_each_slot(&dims, 0, n, |i, slot| ties[slot] += u32::from(x[i] == y[slot]));
    dx.par_chunks_mut(TASK_ELEMS).enumerate().for_each(|(task, dxs)| {
        let start = task * TASK_ELEMS;
        for_each_slot(&dims, start, dxs.len(), |i, slot| {
            let v = if x[start + i] == y[slot] { dy[slot] / ties[slot] as f32 } else { 0.0 };
            put(&mut dxs[i], v, acc);
        });
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    fn op(kind: ReduceKind) -> GraphOp {
        match kind {
            ReduceKind::Sum => GraphOp::ReduceSum,
            ReduceKind::Mean => GraphOp::ReduceMean,
            ReduceKind::Max => GraphOp::ReduceMax,
        }
    }

    fn attrs(axes: &[usize], keepdim: bool) -> AttrMap {
        AttrMap::new()
            .with("axes", Attr::Ints(axes.iter().map(|&a| a as i64).collect()))
            .with("keepdim", Attr::Bool(keepdim))
    }

    /// Shapes and axes that reach both loops, blocked and not, with size-1 dims in between.
    const CASES: &[(&[usize], &[usize])] = &[
        (&[7], &[0]),
        (&[1], &[0]),
        (&[7, 33], &[1]),
        (&[7, 33], &[0]),
        (&[7, 33], &[0, 1]),
        (&[3, 1, 7, 33], &[0, 2]),
        (&[3, 1, 7, 33], &[1, 3]),
        (&[3, 1, 7, 33], &[1]),
        (&[3, 4, 5, 6], &[0, 2]),
        (&[3, 4, 5, 6], &[1, 3]),
        (&[3, 4, 5, 6], &[3, 1, 0]),
        (&[40, 50, 33], &[0, 1]),
        (&[40, 50, 33], &[1]),
        (&[100, 123], &[0, 1]),
        (&[2, 20000], &[1]),
        (&[3, 7000, 5], &[0, 2]),
        (&[70, 3, 4], &[0]),
        (&[9000, 2, 3], &[0, 2]),
    ];

    #[test]
    fn reductions_match_the_interpreter_and_accumulate() {
        let mut rng = Rng::new(40);
        for &(shape, axes) in CASES {
            let x = rng.vec(shape.iter().product(), 1.0);
            for kind in [ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max] {
                let want = reference1(op(kind), &[f(&x, shape)], &attrs(axes, axes.len() % 2 == 0));
                let mut y = vec![f32::NAN; want.data.len()];
                reduce(kind, &x, shape, axes, &mut y, false).unwrap();
                assert_close(&format!("{kind:?} {shape:?} {axes:?}"), &y, &want);
                let base = rng.vec(y.len(), 1.0);
                let mut y = base.clone();
                reduce(kind, &x, shape, axes, &mut y, true).unwrap();
                assert_close_acc(&format!("{kind:?} acc {shape:?} {axes:?}"), &y, &want.data, Some(&base));
            }
        }
    }

    #[test]
    fn reduce_max_propagates_nan_and_empty_sums_are_zero() {
        let x = [1.0, f32::NAN, 2.0, 3.0, 4.0, 5.0];
        let mut y = [0.0; 2];
        reduce(ReduceKind::Max, &x, &[2, 3], &[1], &mut y, false).unwrap();
        assert!(y[0].is_nan() && y[1] == 5.0);
        reduce(ReduceKind::Max, &x, &[2, 3], &[0], &mut y[..1], false).unwrap_err();
        let mut y = [0.0; 3];
        reduce(ReduceKind::Max, &x, &[2, 3], &[0], &mut y, false).unwrap();
        assert!(y[0] == 3.0 && y[1].is_nan() && y[2] == 5.0);
        let mut y = [7.0; 3];
        reduce(ReduceKind::Sum, &[], &[3, 0], &[1], &mut y, false).unwrap();
        assert_eq!(y, [0.0; 3]);
        reduce(ReduceKind::Mean, &[], &[3, 0], &[1], &mut y, false).unwrap();
        assert!(y.iter().all(|v| v.is_nan()));
        let err = reduce(ReduceKind::Max, &[], &[3, 0], &[1], &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "reduce_max: the maximum over an empty dim of shape [3, 0]");
    }

    #[test]
    fn reduce_max_grad_matches_the_interpreter_with_ties() {
        let mut rng = Rng::new(41);
        for &(shape, axes) in CASES {
            // Few distinct values, so that maxima are often tied.
            let x: Vec<f32> = rng.vec(shape.iter().product(), 3.0).iter().map(|v| v.round()).collect();
            let keepdim = axes.len() % 2 == 1;
            let y = reference1(GraphOp::ReduceMax, &[f(&x, shape)], &attrs(axes, keepdim));
            let y32: Vec<f32> = y.data.iter().map(|&v| v as f32).collect();
            let dy = rng.vec(y32.len(), 1.0);
            let want = reference1(
                GraphOp::ReduceMaxGrad,
                &[f(&x, shape), f(&y32, &y.shape), f(&dy, &y.shape)],
                &attrs(axes, keepdim),
            );
            let mut dx = vec![f32::NAN; x.len()];
            reduce_max_grad(&x, &y32, &dy, shape, axes, &mut dx, false).unwrap();
            assert_close(&format!("{shape:?} {axes:?}"), &dx, &want);
            let base = rng.vec(x.len(), 1.0);
            let mut dx = base.clone();
            reduce_max_grad(&x, &y32, &dy, shape, axes, &mut dx, true).unwrap();
            assert_close_acc(&format!("acc {shape:?} {axes:?}"), &dx, &want.data, Some(&base));
        }
    }

    #[test]
    fn reductions_are_bitwise_identical_on_one_and_two_threads() {
        let mut rng = Rng::new(42);
        for (shape, axes) in [(&[3000, 77][..], &[0][..]), (&[50, 4000], &[0, 1]), (&[20, 300, 9], &[0, 2])] {
            let x = rng.vec(shape.iter().product(), 1.0);
            let n_out: usize = (0..shape.len()).filter(|d| !axes.contains(d)).map(|d| shape[d]).product();
            let run = |threads| {
                with_threads(threads, || {
                    [ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max].map(|kind| {
                        let mut y = vec![0.0; n_out];
                        reduce(kind, &x, shape, axes, &mut y, false).unwrap();
                        bits(&y)
                    })
                })
            };
            assert_eq!(run(1), run(2));
        }
    }

    #[test]
    fn reductions_reject_bad_axes_and_sizes() {
        let x = vec![0.0; 12];
        let mut y = vec![0.0; 4];
        let err = reduce(ReduceKind::Sum, &x, &[3, 4], &[2], &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "reduce_sum: axis 2 is out of range for rank 2");
        let err = reduce(ReduceKind::Mean, &x, &[3, 4], &[1, 1], &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "reduce_mean: axes [1, 1] name dim 1 twice");
        let err = reduce(ReduceKind::Sum, &x, &[3, 4], &[1], &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "reduce_sum: y has 4 elements, expected 3 (shape [3, 4] reduced over axes [1])");
        let mut dx = vec![0.0; 12];
        let err = reduce_max_grad(&x, &y, &y[..3], &[3, 4], &[0], &mut dx, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "reduce_max_grad: dy has 3 elements, expected 4 (shape [3, 4] reduced over axes [0])"
        );
    }
}
