//! Softmax over the last dim (with the causal mask of attention) and token cross-entropy, forward
//! and backward (`graph.softmax`, `graph.softmax_grad`, `graph.cross_entropy`,
//! `graph.cross_entropy_grad`). Every row is shifted by its maximum before the exponential, as the
//! interpreter does, so large logits do not overflow. Rows are independent: no cross-row sums.

use rayon::prelude::*;

use super::{
    check_ids, check_len, exp_f32, invalid, max_of, product, put, rows_of, rows_per_task, sum1, sum2, sum_exp, Result,
};

/// Softmax over the last dim of `x[outer, queries, keys]`, shifted by the row maximum. With
/// `causal`, entry `(i, j)` of each `[queries, keys]` matrix is masked to exactly 0 when
/// `j > i + (keys − queries)` (so a query sees its own key and every earlier one, the keys of a
/// cache included); that needs `queries <= keys`. Without `causal` the split of the rows into
/// `outer` and `queries` does not matter (`queries = 1` is fine).
pub fn softmax(x: &[f32], outer: usize, queries: usize, keys: usize, causal: bool, y: &mut [f32]) -> Result {
    const K: &str = "softmax";
    let n = product(K, &[outer, queries, keys])?;
    let sizes = || format!("outer {outer} x queries {queries} x keys {keys}");
    check_len(K, "x", x.len(), n, sizes)?;
    check_len(K, "y", y.len(), n, sizes)?;
    if causal && queries > keys {
        return Err(invalid(
            K,
            format!("causal softmax needs queries <= keys, found {queries} queries and {keys} keys"),
        ));
    }
    if n == 0 {
        return Ok(());
    }
    let rows_per = rows_per_task(keys);
    y.par_chunks_mut(rows_per * keys).zip(x.par_chunks(rows_per * keys)).enumerate().for_each(|(task, (ys, xs))| {
        for (k, (yr, xr)) in ys.chunks_exact_mut(keys).zip(xs.chunks_exact(keys)).enumerate() {
            let row = task * rows_per + k;
            let visible = if causal { row % queries + 1 + (keys - queries) } else { keys };
            let (yv, masked) = yr.split_at_mut(visible);
            let xv = &xr[..visible];
            let max = max_of(xv);
            for (o, &v) in yv.iter_mut().zip(xv) {
                *o = exp_f32(v - max);
            }
            let inv = 1.0 / sum1(yv, |v| v);
            for o in yv.iter_mut() {
                *o *= inv;
            }
            masked.fill(0.0);
        }
    });
    Ok(())
}

/// `softmax_grad(y, dy) = y · (dy − Σ dy·y)` over rows of `n_cols`, `y` the softmax output.
pub fn softmax_grad(y: &[f32], dy: &[f32], n_cols: usize, dx: &mut [f32], acc: bool) -> Result {
    const K: &str = "softmax_grad";
    let rows = rows_of(K, "y", y.len(), n_cols, "n_cols")?;
    let sizes = || format!("rows {rows} x n_cols {n_cols}");
    check_len(K, "dy", dy.len(), y.len(), sizes)?;
    check_len(K, "dx", dx.len(), y.len(), sizes)?;
    if rows == 0 {
        return Ok(());
    }
    let task = rows_per_task(n_cols) * n_cols;
    dx.par_chunks_mut(task).zip(y.par_chunks(task)).zip(dy.par_chunks(task)).for_each(|((dxs, ys), dys)| {
        let rows = dxs.chunks_exact_mut(n_cols).zip(ys.chunks_exact(n_cols)).zip(dys.chunks_exact(n_cols));
        for ((dxr, yr), dyr) in rows {
            let dot = sum2(yr, dyr, |a, b| a * b);
            for ((o, &a), &b) in dxr.iter_mut().zip(yr).zip(dyr) {
                put(o, a * (b - dot), acc);
            }
        }
    });
    Ok(())
}

/// Checks the operands shared by both cross-entropy kernels and returns the number of tokens.
fn check_cross_entropy(kernel: &'static str, logits: usize, labels: &[i32], vocab: usize) -> Result<usize> {
    let tokens = labels.len();
    check_len(kernel, "logits", logits, product(kernel, &[tokens, vocab])?, || {
        format!("{tokens} labels x vocab {vocab}")
    })?;
    check_ids(kernel, "label", labels, vocab)?;
    Ok(tokens)
}

/// Per-token loss `logsumexp(logits) − logits[label]` over rows of `vocab` logits, computed as
/// `ln Σ exp(x − m) − (x[label] − m)` with `m` the row maximum. `loss` has one value per label.
pub fn cross_entropy(logits: &[f32], labels: &[i32], vocab: usize, loss: &mut [f32], acc: bool) -> Result {
    const K: &str = "cross_entropy";
    let tokens = check_cross_entropy(K, logits.len(), labels, vocab)?;
    check_len(K, "loss", loss.len(), tokens, || format!("{tokens} labels"))?;
    if tokens == 0 {
        return Ok(());
    }
    let rows_per = rows_per_task(vocab);
    loss.par_chunks_mut(rows_per).zip(labels.par_chunks(rows_per)).zip(logits.par_chunks(rows_per * vocab)).for_each(
        |((out, labels), rows)| {
            for ((o, &label), row) in out.iter_mut().zip(labels).zip(rows.chunks_exact(vocab)) {
                let max = max_of(row);
                let sum = sum_exp(row, max);
                put(o, sum.ln() - (row[label as usize] - max), acc);
            }
        },
    );
    Ok(())
}

/// `cross_entropy_grad(logits, labels, dy) = (softmax(logits) − onehot(label)) · dy` per token,
/// `dy` one value per label.
pub fn cross_entropy_grad(
    logits: &[f32],
    labels: &[i32],
    dy: &[f32],
    vocab: usize,
    dlogits: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "cross_entropy_grad";
    let tokens = check_cross_entropy(K, logits.len(), labels, vocab)?;
    check_len(K, "dy", dy.len(), tokens, || format!("{tokens} labels"))?;
    check_len(K, "dlogits", dlogits.len(), logits.len(), || format!("{tokens} labels x vocab {vocab}"))?;
    if tokens == 0 || vocab == 0 {
        return Ok(());
    }
    let rows_per = rows_per_task(vocab);
    dlogits
        .par_chunks_mut(rows_per * vocab)
        .zip(logits.par_chunks(rows_per * vocab))
        .zip(labels.par_chunks(rows_per))
        .zip(dy.par_chunks(rows_per))
        .for_each_init(
            || vec![0.0f32; vocab],
            |exps, (((outs, rows), labels), dys)| {
                let rows = outs.chunks_exact_mut(vocab).zip(rows.chunks_exact(vocab)).zip(labels).zip(dys);
                for (((out, row), &label), &d) in rows {
                    let max = max_of(row);
                    for (e, &v) in exps.iter_mut().zip(row) {
                        *e = exp_f32(v - max);
                    }
                    let inv = 1.0 / sum1(exps, |v| v);
                    // The label's entry also subtracts the one-hot 1, before the scaling by dy.
                    let label = label as usize;
                    let (before, rest) = out.split_at_mut(label);
                    let (at, after) = rest.split_at_mut(1);
                    for (o, &e) in before.iter_mut().zip(&exps[..label]) {
                        put(o, e * inv * d, acc);
                    }
                    put(&mut at[0], (exps[label] * inv - 1.0) * d, acc);
                    for (o, &e) in after.iter_mut().zip(&exps[label + 1..]) {
                        put(o, e * inv * d, acc);
                    }
                }
            },
        );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    #[test]
    fn softmax_matches_the_interpreter_causal_or_not() {
        let mut rng = Rng::new(10);
        for (outer, queries, keys) in [(1, 1, 1), (2, 7, 7), (3, 5, 33), (4, 33, 33), (1, 1, 7), (2, 16, 2000)] {
            // Large logits: the max shift must keep them finite.
            let x = rng.vec(outer * queries * keys, 30.0);
            let shape = [outer, queries, keys];
            for causal in [false, true] {
                let mut y = vec![f32::NAN; x.len()];
                softmax(&x, outer, queries, keys, causal, &mut y).unwrap();
                let want =
                    reference1(GraphOp::Softmax, &[f(&x, &shape)], &AttrMap::new().with("causal", Attr::Bool(causal)));
                assert_close("softmax", &y, &want);
                if causal {
                    // Masked entries are exactly zero.
                    for (k, (&g, &w)) in y.iter().zip(&want.data).enumerate() {
                        assert!(w != 0.0 || g == 0.0, "element {k}: {g}");
                    }
                }
            }
        }
    }

    #[test]
    fn softmax_grad_matches_the_interpreter_and_accumulates() {
        let mut rng = Rng::new(11);
        for (rows, cols) in [(1, 1), (7, 33), (33, 7), (3, 4000)] {
            let mut y = vec![0.0; rows * cols];
            softmax(&rng.vec(rows * cols, 3.0), rows, 1, cols, false, &mut y).unwrap();
            let dy = rng.vec(rows * cols, 1.0);
            let want =
                reference1(GraphOp::SoftmaxGrad, &[f(&y, &[rows, cols]), f(&dy, &[rows, cols])], &AttrMap::new());
            let mut dx = vec![f32::NAN; y.len()];
            softmax_grad(&y, &dy, cols, &mut dx, false).unwrap();
            assert_close("softmax_grad", &dx, &want);
            let base = rng.vec(y.len(), 1.0);
            let mut dx = base.clone();
            softmax_grad(&y, &dy, cols, &mut dx, true).unwrap();
            assert_close_acc("softmax_grad acc", &dx, &want.data, Some(&base));
        }
    }

    #[test]
    fn cross_entropy_and_its_grad_match_the_interpreter() {
        let mut rng = Rng::new(12);
        for (tokens, vocab) in [(1, 1), (7, 33), (33, 7), (4, 50257)] {
            let logits = rng.vec(tokens * vocab, 20.0);
            let labels = rng.ids(tokens, vocab);
            let dy = rng.vec(tokens, 1.0);
            let (ls, ts) = ([tokens, vocab], [tokens]);
            let want = reference1(GraphOp::CrossEntropy, &[f(&logits, &ls), i(&labels, &ts)], &AttrMap::new());
            let mut loss = vec![f32::NAN; tokens];
            cross_entropy(&logits, &labels, vocab, &mut loss, false).unwrap();
            assert_close("cross_entropy", &loss, &want);
            let base = rng.vec(tokens, 5.0);
            let mut loss = base.clone();
            cross_entropy(&logits, &labels, vocab, &mut loss, true).unwrap();
            assert_close_acc("cross_entropy acc", &loss, &want.data, Some(&base));

            let want = reference1(
                GraphOp::CrossEntropyGrad,
                &[f(&logits, &ls), i(&labels, &ts), f(&dy, &ts)],
                &AttrMap::new(),
            );
            let mut dl = vec![f32::NAN; logits.len()];
            cross_entropy_grad(&logits, &labels, &dy, vocab, &mut dl, false).unwrap();
            assert_close("cross_entropy_grad", &dl, &want);
            let base = rng.vec(logits.len(), 1.0);
            let mut dl = base.clone();
            cross_entropy_grad(&logits, &labels, &dy, vocab, &mut dl, true).unwrap();
            assert_close_acc("cross_entropy_grad acc", &dl, &want.data, Some(&base));
        }
    }

    #[test]
    fn softmax_and_cross_entropy_reject_bad_input() {
        let x = vec![0.0; 12];
        let mut y = vec![0.0; 12];
        let err = softmax(&x, 1, 4, 3, true, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "softmax: causal softmax needs queries <= keys, found 4 queries and 3 keys");
        let err = softmax(&x, 2, 2, 4, false, &mut y).unwrap_err();
        assert_eq!(err.to_string(), "softmax: x has 12 elements, expected 16 (outer 2 x queries 2 x keys 4)");
        let err = softmax_grad(&x, &x[..6], 3, &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "softmax_grad: dy has 6 elements, expected 12 (rows 4 x n_cols 3)");
        let mut loss = vec![0.0; 3];
        let err = cross_entropy(&x, &[0, 4, 1], 4, &mut loss, false).unwrap_err();
        assert_eq!(err.to_string(), "cross_entropy: label 4 at position 1 is outside [0, 4)");
        let err = cross_entropy(&x, &[0, -2, 1], 4, &mut loss, false).unwrap_err();
        assert_eq!(err.to_string(), "cross_entropy: label -2 at position 1 is outside [0, 4)");
        let err = cross_entropy(&x, &[0, 1], 4, &mut loss, false).unwrap_err();
        assert_eq!(err.to_string(), "cross_entropy: logits has 12 elements, expected 8 (2 labels x vocab 4)");
        let err = cross_entropy_grad(&x, &[0, 1, 2], &[1.0; 2], 4, &mut y, false).unwrap_err();
        assert_eq!(err.to_string(), "cross_entropy_grad: dy has 2 elements, expected 3 (3 labels)");
    }
}
