//! LayerNorm and RMSNorm over the last dim, forward and backward (`graph.layer_norm`,
//! `graph.rms_norm`, `graph.layer_norm_grad`, `graph.rms_norm_grad`).
//!
//! Rows are independent in the forward pass and in `dx`; `dweight` and `dbias` sum over all rows,
//! so the backward kernels give each block of [`rows_per_block`] rows its own f64 partial sums
//! (accumulated row by row) and add the blocks' partials in block order afterwards. The partition
//! depends only on the sizes, so the result does not depend on the thread count.

use rayon::prelude::*;

use super::{check_len, put, rows_of, rows_per_block, rows_per_task, sum1, sum2, sum3, Result};

/// Checks `x`, `weight` (and `bias`) and returns the number of rows.
fn check_norm(
    kernel: &'static str,
    x: usize,
    weight: usize,
    bias: Option<usize>,
    hidden: usize,
    eps: f32,
) -> Result<usize> {
    let rows = rows_of(kernel, "x", x, hidden, "hidden")?;
    check_len(kernel, "weight", weight, hidden, || format!("hidden {hidden}"))?;
    if let Some(bias) = bias {
        check_len(kernel, "bias", bias, hidden, || format!("hidden {hidden}"))?;
    }
    if eps.is_nan() || eps <= 0.0 {
        return Err(super::invalid(kernel, format!("eps must be positive, found {eps}")));
    }
    Ok(rows)
}

/// `layer_norm(x, weight, bias)` over the last dim: `(x − mean) / sqrt(var + eps) · weight + bias`
/// with the biased variance. `x` and `y` are `[rows, hidden]`, `weight` and `bias` `[hidden]`.
pub fn layer_norm(x: &[f32], weight: &[f32], bias: &[f32], hidden: usize, eps: f32, y: &mut [f32]) -> Result {
    const K: &str = "layer_norm";
    let rows = check_norm(K, x.len(), weight.len(), Some(bias.len()), hidden, eps)?;
    check_len(K, "y", y.len(), x.len(), || format!("rows {rows} x hidden {hidden}"))?;
    if rows == 0 {
        return Ok(());
    }
    let task = rows_per_task(hidden) * hidden;
    y.par_chunks_mut(task).zip(x.par_chunks(task)).for_each(|(ys, xs)| {
        for (yr, xr) in ys.chunks_exact_mut(hidden).zip(xs.chunks_exact(hidden)) {
            let mean = sum1(xr, |v| v) / hidden as f32;
            let var = sum1(xr, |v| (v - mean) * (v - mean)) / hidden as f32;
            let r = 1.0 / (var + eps).sqrt();
            for (((o, &v), &w), &b) in yr.iter_mut().zip(xr).zip(weight).zip(bias) {
                *o = (v - mean) * r * w + b;
            }
        }
    });
    Ok(())
}

/// `rms_norm(x, weight)` over the last dim: `x / sqrt(mean(x²) + eps) · weight`.
pub fn rms_norm(x: &[f32], weight: &[f32], hidden: usize, eps: f32, y: &mut [f32]) -> Result {
    const K: &str = "rms_norm";
    let rows = check_norm(K, x.len(), weight.len(), None, hidden, eps)?;
    check_len(K, "y", y.len(), x.len(), || format!("rows {rows} x hidden {hidden}"))?;
    if rows == 0 {
        return Ok(());
    }
    let task = rows_per_task(hidden) * hidden;
    y.par_chunks_mut(task).zip(x.par_chunks(task)).for_each(|(ys, xs)| {
        for (yr, xr) in ys.chunks_exact_mut(hidden).zip(xs.chunks_exact(hidden)) {
            let r = 1.0 / (sum1(xr, |v| v * v) / hidden as f32 + eps).sqrt();
            for ((o, &v), &w) in yr.iter_mut().zip(xr).zip(weight) {
                *o = v * r * w;
            }
        }
    });
    Ok(())
}

/// `layer_norm_grad(x, weight, dy) -> (dx, dweight, dbias)`. With `x̂` the normalized row, `r` the
/// inverse standard deviation and `g = dy · weight`: `dx = r·(g − mean(g) − x̂·mean(g·x̂))`,
/// `dweight = Σ dy·x̂` and `dbias = Σ dy` over all rows. `acc` applies to all three outputs.
#[allow(clippy::too_many_arguments)] // one argument per operand, size and result of the op
pub fn layer_norm_grad(
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    hidden: usize,
    eps: f32,
    dx: &mut [f32],
    dweight: &mut [f32],
    dbias: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "layer_norm_grad";
    let rows = check_norm(K, x.len(), weight.len(), None, hidden, eps)?;
    let sizes = || format!("rows {rows} x hidden {hidden}");
    check_len(K, "dy", dy.len(), x.len(), sizes)?;
    check_len(K, "dx", dx.len(), x.len(), sizes)?;
    check_len(K, "dweight", dweight.len(), hidden, || format!("hidden {hidden}"))?;
    check_len(K, "dbias", dbias.len(), hidden, || format!("hidden {hidden}"))?;
    norm_grad(x, weight, dy, hidden, eps, dx, dweight, Some(dbias), acc);
    Ok(())
}

/// `rms_norm_grad(x, weight, dy) -> (dx, dweight)`: with `x̂ = x·r`, `r = 1/sqrt(mean(x²) + eps)`
/// and `g = dy · weight`: `dx = r·(g − x̂·mean(g·x̂))`, `dweight = Σ dy·x̂` over all rows.
#[allow(clippy::too_many_arguments)] // one argument per operand, size and result of the op
pub fn rms_norm_grad(
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    hidden: usize,
    eps: f32,
    dx: &mut [f32],
    dweight: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "rms_norm_grad";
    let rows = check_norm(K, x.len(), weight.len(), None, hidden, eps)?;
    let sizes = || format!("rows {rows} x hidden {hidden}");
    check_len(K, "dy", dy.len(), x.len(), sizes)?;
    check_len(K, "dx", dx.len(), x.len(), sizes)?;
    check_len(K, "dweight", dweight.len(), hidden, || format!("hidden {hidden}"))?;
    norm_grad(x, weight, dy, hidden, eps, dx, dweight, None, acc);
    Ok(())
}

/// The shared backward pass; `dbias` is present for LayerNorm (which also subtracts the mean).
/// Sizes are checked by the callers.
#[allow(clippy::too_many_arguments)]
fn norm_grad(
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    hidden: usize,
    eps: f32,
    dx: &mut [f32],
    dweight: &mut [f32],
    dbias: Option<&mut [f32]>,
    acc: bool,
) {
    let layer = dbias.is_some();
    let rows = x.len().checked_div(hidden).unwrap_or(0);
    let h = hidden as f32;
    // Each block's partial dweight, followed by its partial dbias for LayerNorm.
    let per_block = if layer { 2 * hidden } else { hidden };
    let block = rows_per_block(hidden);
    let n_blocks = rows.div_ceil(block);
    let mut partials = vec![0.0f64; n_blocks * per_block];
    if rows > 0 {
        let span = block * hidden;
        dx.par_chunks_mut(span)
            .zip(x.par_chunks(span))
            .zip(dy.par_chunks(span))
            .zip(partials.par_chunks_mut(per_block))
            .for_each(|(((dxs, xs), dys), partial)| {
                let (pw, pb) = partial.split_at_mut(hidden);
                let rows = xs.chunks_exact(hidden).zip(dys.chunks_exact(hidden)).zip(dxs.chunks_exact_mut(hidden));
                for ((xr, dyr), dxr) in rows {
                    let mean = if layer { sum1(xr, |v| v) / h } else { 0.0 };
                    let second = sum1(xr, |v| (v - mean) * (v - mean)) / h;
                    let r = 1.0 / (second + eps).sqrt();
                    let g_mean = if layer { sum2(dyr, weight, |d, w| d * w) / h } else { 0.0 };
                    let gx_mean = sum3(dyr, weight, xr, |d, w, v| d * w * ((v - mean) * r)) / h;
                    let cols = dxr.iter_mut().zip(xr).zip(dyr).zip(weight).zip(pw.iter_mut());
                    for ((((o, &v), &d), &w), p) in cols {
                        let xhat = (v - mean) * r;
                        put(o, r * (d * w - g_mean - xhat * gx_mean), acc);
                        *p += f64::from(d * xhat);
                    }
                    if layer {
                        for (b, &d) in pb.iter_mut().zip(dyr) {
                            *b += f64::from(d);
                        }
                    }
                }
            });
    }
    // Add the blocks' partials in block order.
    let mut totals = vec![0.0f64; per_block];
    for partial in partials.chunks_exact(per_block) {
        for (t, &p) in totals.iter_mut().zip(partial) {
            *t += p;
        }
    }
    let (tw, tb) = totals.split_at(hidden);
    for (o, &v) in dweight.iter_mut().zip(tw) {
        put(o, v as f32, acc);
    }
    if let Some(dbias) = dbias {
        for (o, &v) in dbias.iter_mut().zip(tb) {
            put(o, v as f32, acc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    fn eps_attr(eps: f32) -> AttrMap {
        AttrMap::new().with("eps", Attr::Float(f64::from(eps)))
    }

    #[test]
    fn layer_norm_and_rms_norm_match_the_interpreter() {
        let mut rng = Rng::new(1);
        for (rows, hidden) in [(1, 1), (7, 33), (3, 7), (33, 64), (5, 1024), (40, 1000)] {
            // An offset makes the mean matter.
            let x: Vec<f32> = rng.vec(rows * hidden, 2.0).iter().map(|v| v + 3.0).collect();
            let (w, b) = (rng.vec(hidden, 1.5), rng.vec(hidden, 0.5));
            let eps = 1e-5;
            let mut y = vec![f32::NAN; x.len()];
            layer_norm(&x, &w, &b, hidden, eps, &mut y).unwrap();
            let shape = [rows, hidden];
            let want =
                reference1(GraphOp::LayerNorm, &[f(&x, &shape), f(&w, &[hidden]), f(&b, &[hidden])], &eps_attr(eps));
            assert_close("layer_norm", &y, &want);

            let mut y = vec![f32::NAN; x.len()];
            rms_norm(&x, &w, hidden, 1e-6, &mut y).unwrap();
            let want = reference1(GraphOp::RmsNorm, &[f(&x, &shape), f(&w, &[hidden])], &eps_attr(1e-6));
            assert_close("rms_norm", &y, &want);
        }
    }

    #[test]
    fn norm_grads_match_the_interpreter_and_accumulate() {
        let mut rng = Rng::new(2);
        // 1000 rows of 33 and 4096 rows of 16 span two blocks of the dweight reduction each.
        for (rows, hidden) in [(1, 1), (7, 33), (2, 7), (1000, 33), (9, 512), (4096, 16)] {
            let x: Vec<f32> = rng.vec(rows * hidden, 2.0).iter().map(|v| v - 1.0).collect();
            let (w, dy) = (rng.vec(hidden, 1.5), rng.vec(rows * hidden, 1.0));
            let shape = [rows, hidden];
            let args = || [f(&x, &shape), f(&w, &[hidden]), f(&dy, &shape)];
            let want = reference(GraphOp::LayerNormGrad, &args(), &eps_attr(1e-5));
            for acc in [false, true] {
                let base_dx = if acc { rng.vec(x.len(), 1.0) } else { vec![f32::NAN; x.len()] };
                let base_dw = if acc { rng.vec(hidden, 1.0) } else { vec![f32::NAN; hidden] };
                let base_db = if acc { rng.vec(hidden, 1.0) } else { vec![f32::NAN; hidden] };
                let (mut dx, mut dw, mut db) = (base_dx.clone(), base_dw.clone(), base_db.clone());
                layer_norm_grad(&x, &w, &dy, hidden, 1e-5, &mut dx, &mut dw, &mut db, acc).unwrap();
                let base = |b: &[f32]| if acc { Some(b.to_vec()) } else { None };
                assert_close_acc("dx", &dx, &want[0].data, base(&base_dx).as_deref());
                assert_close_acc("dweight", &dw, &want[1].data, base(&base_dw).as_deref());
                assert_close_acc("dbias", &db, &want[2].data, base(&base_db).as_deref());
            }
            let want = reference(GraphOp::RmsNormGrad, &args(), &eps_attr(1e-6));
            let base_dx = rng.vec(x.len(), 1.0);
            let base_dw = rng.vec(hidden, 1.0);
            let (mut dx, mut dw) = (base_dx.clone(), base_dw.clone());
            rms_norm_grad(&x, &w, &dy, hidden, 1e-6, &mut dx, &mut dw, true).unwrap();
            assert_close_acc("rms dx", &dx, &want[0].data, Some(&base_dx));
            assert_close_acc("rms dweight", &dw, &want[1].data, Some(&base_dw));
            let (mut dx, mut dw) = (vec![f32::NAN; x.len()], vec![f32::NAN; hidden]);
            rms_norm_grad(&x, &w, &dy, hidden, 1e-6, &mut dx, &mut dw, false).unwrap();
            assert_close("rms dx", &dx, &want[0]);
            assert_close("rms dweight", &dw, &want[1]);
        }
    }

    #[test]
    fn norm_grads_are_bitwise_identical_on_one_and_two_threads() {
        let mut rng = Rng::new(3);
        let (rows, hidden) = (3001, 96);
        let x = rng.vec(rows * hidden, 2.0);
        let (w, dy) = (rng.vec(hidden, 1.0), rng.vec(rows * hidden, 1.0));
        let run = |threads| {
            with_threads(threads, || {
                let (mut dx, mut dw, mut db) = (vec![0.0; x.len()], vec![0.0; hidden], vec![0.0; hidden]);
                layer_norm_grad(&x, &w, &dy, hidden, 1e-5, &mut dx, &mut dw, &mut db, false).unwrap();
                let (mut rdx, mut rdw) = (vec![0.0; x.len()], vec![0.0; hidden]);
                rms_norm_grad(&x, &w, &dy, hidden, 1e-6, &mut rdx, &mut rdw, false).unwrap();
                [bits(&dx), bits(&dw), bits(&db), bits(&rdx), bits(&rdw)]
            })
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(2));
    }

    #[test]
    fn norms_reject_bad_sizes() {
        let x = vec![0.0; 12];
        let mut y = vec![0.0; 12];
        let err = layer_norm(&x, &[1.0; 5], &[0.0; 5], 5, 1e-5, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "layer_norm: x has 12 elements, which is not a multiple of hidden 5");
        let err = layer_norm(&x, &[1.0; 4], &[0.0; 3], 4, 1e-5, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "layer_norm: bias has 3 elements, expected 4 (hidden 4)");
        let err = rms_norm(&x, &[1.0; 4], 4, 1e-5, &mut y[..8]).unwrap_err();
        assert_eq!(err.to_string(), "rms_norm: y has 8 elements, expected 12 (rows 3 x hidden 4)");
        let err = rms_norm(&x, &[1.0; 4], 4, 0.0, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "rms_norm: eps must be positive, found 0");
        let (mut dx, mut dw, mut db) = (vec![0.0; 12], vec![0.0; 4], vec![0.0; 3]);
        let err = layer_norm_grad(&x, &[1.0; 4], &x, 4, 1e-5, &mut dx, &mut dw, &mut db, false).unwrap_err();
        assert_eq!(err.to_string(), "layer_norm_grad: dbias has 3 elements, expected 4 (hidden 4)");
        let err = rms_norm_grad(&x, &[1.0; 4], &x[..8], 4, 1e-5, &mut dx, &mut dw, false).unwrap_err();
        assert_eq!(err.to_string(), "rms_norm_grad: dy has 8 elements, expected 12 (rows 3 x hidden 4)");
    }
}
