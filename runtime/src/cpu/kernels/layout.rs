//! Data movement: `graph.transpose`, the pieces of `graph.split` and `graph.concat` ([`slice`] and
//! [`insert`]), and `graph.fill`. Nothing here does arithmetic, so every result is exact.
//!
//! A transpose first drops size-1 dims and merges result dims that stay adjacent in the operand,
//! so `[B, S, H, D] → [B, H, S, D]` becomes a gather of contiguous runs of `D` and a batched matrix
//! transpose becomes a tiled 2-D one.

use rayon::prelude::*;

use super::{check_len, gather_offsets, invalid, product, rows_per_task, strides_of, Result, TASK_ELEMS};

/// Sets every element of `y` to `value`.
pub fn fill(y: &mut [f32], value: f32) -> Result {
    y.par_chunks_mut(TASK_ELEMS).for_each(|c| c.fill(value));
    Ok(())
}

/// Side of the square tiles of a 2-D transpose: 32 × 32 floats read 32 cache lines of the operand
/// and write 32 of the result.
const TILE: usize = 32;

/// `transpose(x[shape]) -> y`: result dim `i` is operand dim `perm[i]`, so `y` has shape
/// `[shape[perm[0]], shape[perm[1]], ..]`.
pub fn transpose(x: &[f32], shape: &[usize], perm: &[usize], y: &mut [f32]) -> Result {
    const K: &str = "transpose";
    let rank = shape.len();
    let mut seen = vec![false; rank];
    let is_permutation = perm.len() == rank && perm.iter().all(|&p| p < rank && !std::mem::replace(&mut seen[p], true));
    if !is_permutation {
        return Err(invalid(K, format!("perm {perm:?} is not a permutation of 0..{rank}")));
    }
    let n = product(K, shape)?;
    check_len(K, "x", x.len(), n, || format!("shape {shape:?}"))?;
    check_len(K, "y", y.len(), n, || format!("shape {shape:?}"))?;
    if n == 0 {
        return Ok(());
    }
    // Result dims as (size, stride in x), without size-1 dims, adjacent ones merged.
    let strides = strides_of(shape);
    let mut dims: Vec<(usize, usize)> = Vec::with_capacity(rank);
    for &p in perm {
        let (size, stride) = (shape[p], strides[p]);
        if size == 1 {
            continue;
        }
        match dims.last_mut() {
            Some(last) if last.1 == stride * size => *last = (last.0 * size, stride),
            _ => dims.push((size, stride)),
        }
    }
    let Some(&(n_last, s_last)) = dims.last() else {
        y.copy_from_slice(x);
        return Ok(());
    };
    if s_last == 1 {
        // The innermost result dim is contiguous in x: copy runs of n_last.
        let starts = gather_offsets(&dims[..dims.len() - 1]);
        let runs_per = rows_per_task(n_last);
        y.par_chunks_mut(runs_per * n_last).zip(starts.par_chunks(runs_per)).for_each(|(ys, starts)| {
            for (run, &s) in ys.chunks_exact_mut(n_last).zip(starts) {
                run.copy_from_slice(&x[s..s + n_last]);
            }
        });
        return Ok(());
    }
    // x's innermost dim is result dim q (stride 1), the innermost result dim reads with stride
    // s_last: a 2-D transpose between them, for every index of the dims before q (`outer`) and
    // between q and the last (`mid`), done in tiles.
    let q = dims.iter().position(|d| d.1 == 1).unwrap_or(0);
    let m = dims[q].0;
    let y_stride_q: usize = dims[q + 1..].iter().map(|d| d.0).product();
    let outer = gather_offsets(&dims[..q]);
    let mid = gather_offsets(&dims[q + 1..dims.len() - 1]);
    y.par_chunks_mut(m * y_stride_q).zip(outer.par_iter()).for_each(|(y_outer, &x_outer)| {
        y_outer.par_chunks_mut(TILE * y_stride_q).enumerate().for_each(|(tile, yt)| {
            let a0 = tile * TILE;
            let a_count = yt.len() / y_stride_q;
            for (k, &x_mid) in mid.iter().enumerate() {
                let y_mid = k * n_last;
                for b0 in (0..n_last).step_by(TILE) {
                    let b1 = (b0 + TILE).min(n_last);
                    for a in 0..a_count {
                        let y_row = &mut yt[a * y_stride_q + y_mid..][b0..b1];
                        let x_base = x_outer + a0 + a + x_mid;
                        for (b, o) in (b0..b1).zip(y_row) {
                            *o = x[x_base + b * s_last];
                        }
                    }
                }
            }
        });
    });
    Ok(())
}

/// `(outer, size, inner)`: the products of the dims before, at and after `axis`.
fn around_axis(kernel: &'static str, shape: &[usize], axis: usize) -> Result<(usize, usize, usize)> {
    if axis >= shape.len() {
        return Err(invalid(kernel, format!("axis {axis} is out of range for shape {shape:?}")));
    }
    Ok((product(kernel, &shape[..axis])?, shape[axis], product(kernel, &shape[axis + 1..])?))
}

/// One piece of `graph.split`: `y = x[.., start..start + len, ..]` along `axis` of `x[shape]`.
pub fn slice(x: &[f32], shape: &[usize], axis: usize, start: usize, len: usize, y: &mut [f32]) -> Result {
    const K: &str = "slice";
    let (outer, total, inner) = around_axis(K, shape, axis)?;
    if start.checked_add(len).is_none_or(|end| end > total) {
        return Err(invalid(K, format!("elements {start}..{start}+{len} of axis {axis} exceed its size {total}")));
    }
    check_len(K, "x", x.len(), product(K, &[outer, total, inner])?, || format!("shape {shape:?}"))?;
    let piece = len * inner;
    check_len(K, "y", y.len(), outer * piece, || format!("shape {shape:?} with axis {axis} cut to {len}"))?;
    if piece == 0 || outer == 0 {
        return Ok(());
    }
    let per = rows_per_task(piece);
    y.par_chunks_mut(per * piece).enumerate().for_each(|(task, ys)| {
        for (k, yp) in ys.chunks_exact_mut(piece).enumerate() {
            let from = ((task * per + k) * total + start) * inner;
            yp.copy_from_slice(&x[from..from + piece]);
        }
    });
    Ok(())
}

/// One operand of `graph.concat`: writes `x` into `y[shape]` at `start..start + len` along
/// `axis`, where `len` is `x`'s extent along `axis` (its length over the other dims of `shape`).
/// The rest of `y` is not touched.
pub fn insert(x: &[f32], shape: &[usize], axis: usize, start: usize, y: &mut [f32]) -> Result {
    const K: &str = "insert";
    let (outer, total, inner) = around_axis(K, shape, axis)?;
    check_len(K, "y", y.len(), product(K, &[outer, total, inner])?, || format!("shape {shape:?}"))?;
    let others = outer * inner;
    if others == 0 {
        return check_len(K, "x", x.len(), 0, || format!("shape {shape:?}"));
    }
    if x.len() % others != 0 {
        return Err(invalid(
            K,
            format!(
                "x has {} elements, which is not a multiple of {others} (shape {shape:?} without axis {axis})",
                x.len()
            ),
        ));
    }
    let len = x.len() / others;
    if start.checked_add(len).is_none_or(|end| end > total) {
        return Err(invalid(K, format!("elements {start}..{start}+{len} of axis {axis} exceed its size {total}")));
    }
    let (piece, row) = (len * inner, total * inner);
    if piece == 0 {
        return Ok(());
    }
    let per = rows_per_task(row);
    y.par_chunks_mut(per * row).enumerate().for_each(|(task, ys)| {
        for (k, yr) in ys.chunks_exact_mut(row).enumerate() {
            let o = task * per + k;
            yr[start * inner..start * inner + piece].copy_from_slice(&x[o * piece..(o + 1) * piece]);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    #[test]
    fn transpose_matches_the_interpreter() {
        let mut rng = Rng::new(30);
        let cases: &[(&[usize], &[usize])] = &[
            (&[7], &[0]),
            (&[1, 1], &[1, 0]),
            (&[7, 33], &[1, 0]),
            (&[33, 70], &[1, 0]),
            (&[2, 7, 3, 5], &[0, 2, 1, 3]),
            (&[2, 3, 33, 40], &[0, 1, 3, 2]),
            (&[3, 4, 5], &[2, 0, 1]),
            (&[3, 4, 5], &[1, 2, 0]),
            (&[5, 1, 7, 3, 2], &[4, 2, 1, 0, 3]),
            (&[2, 65, 3, 33], &[3, 1, 2, 0]),
        ];
        for &(shape, perm) in cases {
            let x = rng.vec(shape.iter().product(), 1.0);
            let attrs = AttrMap::new().with("perm", Attr::Ints(perm.iter().map(|&p| p as i64).collect()));
            let want = reference1(GraphOp::Transpose, &[f(&x, shape)], &attrs);
            let mut y = vec![f32::NAN; x.len()];
            transpose(&x, shape, perm, &mut y).unwrap();
            let want: Vec<f32> = want.data.iter().map(|&v| v as f32).collect();
            assert_eq!(bits(&y), bits(&want), "shape {shape:?} perm {perm:?}");
        }
    }

    #[test]
    fn slice_and_insert_match_split_and_concat() {
        let mut rng = Rng::new(31);
        let shape = [3, 7, 33];
        let x = rng.vec(shape.iter().product(), 1.0);
        for axis in 0..3 {
            let total = shape[axis];
            for (start, len) in [(1, 1), (1, total - 2), (0, total), (total - 1, 1)] {
                // The split pieces before, at and after the slice (zero-sized pieces left out).
                let sizes: Vec<i64> =
                    [start, len, total - start - len].iter().filter(|&&s| s > 0).map(|&s| s as i64).collect();
                let attrs = AttrMap::new().with("axis", Attr::Int(axis as i64)).with("sizes", Attr::Ints(sizes));
                let parts = reference(GraphOp::Split, &[f(&x, &shape)], &attrs);
                let want = &parts[usize::from(start > 0)];
                let mut piece_shape = shape;
                piece_shape[axis] = len;
                let mut y = vec![f32::NAN; piece_shape.iter().product()];
                slice(&x, &shape, axis, start, len, &mut y).unwrap();
                assert_close("slice", &y, want);
                // Clearing the region and writing the piece back restores x.
                let mut back = x.clone();
                insert(&vec![f32::NAN; y.len()], &shape, axis, start, &mut back).unwrap();
                assert_eq!(back.iter().filter(|v| v.is_nan()).count(), y.len());
                insert(&y, &shape, axis, start, &mut back).unwrap();
                assert_eq!(bits(&back), bits(&x));
            }
        }
        // Concat of three operands through insert.
        let (a, b, c) = (rng.vec(3 * 2 * 5, 1.0), rng.vec(3 * 4 * 5, 1.0), rng.vec(3 * 5, 1.0));
        let want = reference1(
            GraphOp::Concat,
            &[f(&a, &[3, 2, 5]), f(&b, &[3, 4, 5]), f(&c, &[3, 1, 5])],
            &AttrMap::new().with("axis", Attr::Int(1)),
        );
        let mut y = vec![f32::NAN; 3 * 7 * 5];
        insert(&a, &[3, 7, 5], 1, 0, &mut y).unwrap();
        insert(&b, &[3, 7, 5], 1, 2, &mut y).unwrap();
        insert(&c, &[3, 7, 5], 1, 6, &mut y).unwrap();
        assert_close("concat", &y, &want);
    }

    #[test]
    fn fill_sets_every_element() {
        let mut y = vec![f32::NAN; 100_003];
        fill(&mut y, 2.5).unwrap();
        assert!(y.iter().all(|&v| v == 2.5));
        let want = reference1(
            GraphOp::Fill,
            &[],
            &AttrMap::new()
                .with("shape", Attr::Ints(vec![7, 33]))
                .with("dtype", Attr::Str("f32".into()))
                .with("value", Attr::Float(-1.25)),
        );
        let mut y = vec![0.0; 7 * 33];
        fill(&mut y, -1.25).unwrap();
        assert_close("fill", &y, &want);
    }

    #[test]
    fn layout_kernels_reject_bad_arguments() {
        let x = vec![0.0; 12];
        let mut y = vec![0.0; 12];
        let err = transpose(&x, &[3, 4], &[0, 0], &mut y).unwrap_err();
        assert_eq!(err.to_string(), "transpose: perm [0, 0] is not a permutation of 0..2");
        let err = transpose(&x, &[3, 4], &[1, 2], &mut y).unwrap_err();
        assert_eq!(err.to_string(), "transpose: perm [1, 2] is not a permutation of 0..2");
        let err = transpose(&x, &[3, 5], &[1, 0], &mut y).unwrap_err();
        assert_eq!(err.to_string(), "transpose: x has 12 elements, expected 15 (shape [3, 5])");
        let err = slice(&x, &[3, 4], 1, 3, 2, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "slice: elements 3..3+2 of axis 1 exceed its size 4");
        let err = slice(&x, &[3, 4], 2, 0, 1, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "slice: axis 2 is out of range for shape [3, 4]");
        let err = slice(&x, &[3, 4], 1, 1, 2, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "slice: y has 12 elements, expected 6 (shape [3, 4] with axis 1 cut to 2)");
        let err = insert(&x[..5], &[3, 4], 1, 0, &mut y).unwrap_err();
        assert_eq!(
            err.to_string(),
            "insert: x has 5 elements, which is not a multiple of 3 (shape [3, 4] without axis 1)"
        );
        let err = insert(&x[..9], &[3, 4], 1, 2, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "insert: elements 2..2+3 of axis 1 exceed its size 4");
    }
}
