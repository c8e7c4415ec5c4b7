//! Token embeddings and rotary position embeddings (`graph.embedding`, `graph.embedding_grad`,
//! `graph.rope`).
//!
//! `embedding_grad` sums rows of `dy` into rows of the table. Instead of scattering (which would
//! need atomics or per-thread tables and would make the order of the additions depend on the
//! threads), it sorts the positions by id (a counting sort, stable) and lets each table row add its
//! positions in increasing order: every element is a sequential sum in a fixed order, and the
//! rows can be computed in parallel without sharing anything.

use rayon::prelude::*;

use super::{check_ids, check_len, invalid, product, put, put_slice, rows_per_task, Result};

/// `embedding(table[vocab, hidden], ids) -> out[ids.len(), hidden]`: row `ids[p]` of the table is
/// row `p` of the output. An id outside `[0, vocab)` is an error.
pub fn embedding(table: &[f32], vocab: usize, hidden: usize, ids: &[i32], out: &mut [f32], acc: bool) -> Result {
    const K: &str = "embedding";
    check_len(K, "table", table.len(), product(K, &[vocab, hidden])?, || format!("vocab {vocab} x hidden {hidden}"))?;
    let tokens = ids.len();
    check_len(K, "out", out.len(), product(K, &[tokens, hidden])?, || format!("{tokens} ids x hidden {hidden}"))?;
    check_ids(K, "token id", ids, vocab)?;
    if hidden == 0 || tokens == 0 {
        return Ok(());
    }
    let rows_per = rows_per_task(hidden);
    out.par_chunks_mut(rows_per * hidden).zip(ids.par_chunks(rows_per)).for_each(|(outs, ids)| {
        for (row, &id) in outs.chunks_exact_mut(hidden).zip(ids) {
            let start = id as usize * hidden;
            put_slice(row, &table[start..start + hidden], acc);
        }
    });
    Ok(())
}

/// `embedding_grad(ids, dy[ids.len(), hidden]) -> dtable[vocab, hidden]`: row `r` is the sum of
/// the rows of `dy` at the positions where `ids == r`, added in f64 in increasing position order
/// and rounded once (a row no id names is 0).
pub fn embedding_grad(ids: &[i32], dy: &[f32], vocab: usize, hidden: usize, dtable: &mut [f32], acc: bool) -> Result {
    const K: &str = "embedding_grad";
    let tokens = ids.len();
    check_len(K, "dy", dy.len(), product(K, &[tokens, hidden])?, || format!("{tokens} ids x hidden {hidden}"))?;
    check_len(K, "dtable", dtable.len(), product(K, &[vocab, hidden])?, || format!("vocab {vocab} x hidden {hidden}"))?;
    check_ids(K, "token id", ids, vocab)?;
    if hidden == 0 || vocab == 0 {
        return Ok(());
    }
    // Counting sort: the positions of id r are order[starts[r]..starts[r + 1]], increasing.
    let mut starts = vec![0usize; vocab + 1];
    for &id in ids {
        starts[id as usize + 1] += 1;
    }
    for r in 0..vocab {
        starts[r + 1] += starts[r];
    }
    let mut next = starts.clone();
    let mut order = vec![0usize; tokens];
    for (position, &id) in ids.iter().enumerate() {
        order[next[id as usize]] = position;
        next[id as usize] += 1;
    }
    let rows_per = rows_per_task(hidden);
    dtable.par_chunks_mut(rows_per * hidden).enumerate().for_each(|(task, rows)| {
        // A row's sum is formed in f64 (an id can occur thousands of times) and rounded once.
        let mut sum = vec![0.0f64; hidden];
        for (k, row) in rows.chunks_exact_mut(hidden).enumerate() {
            let r = task * rows_per + k;
            let positions = &order[starts[r]..starts[r + 1]];
            if positions.is_empty() {
                if !acc {
                    row.fill(0.0);
                }
                continue;
            }
            sum.fill(0.0);
            for &p in positions {
                for (s, &d) in sum.iter_mut().zip(&dy[p * hidden..(p + 1) * hidden]) {
                    *s += f64::from(d);
                }
            }
            for (o, &s) in row.iter_mut().zip(&sum) {
                put(o, s as f32, acc);
            }
        }
    });
    Ok(())
}

/// Rotary embedding of `x[outer, seq, heads, head_dim]` in the rotate-half layout: at position `p`
/// (the index along `seq`) the pair `(i, i + head_dim/2)` rotates by the angle
/// `p · theta^(−2i/head_dim)` (its negative when `inverse`, which undoes the rotation):
/// `y[i] = x[i]·cos − x[i + d/2]·sin`, `y[i + d/2] = x[i + d/2]·cos + x[i]·sin`. The cos/sin
/// table is computed in f64 and rounded to f32 once per call.
#[allow(clippy::too_many_arguments)] // one argument per operand, size and attribute of the op
pub fn rope(
    x: &[f32],
    outer: usize,
    seq: usize,
    heads: usize,
    head_dim: usize,
    theta: f64,
    inverse: bool,
    y: &mut [f32],
) -> Result {
    const K: &str = "rope";
    let n = product(K, &[outer, seq, heads, head_dim])?;
    let sizes = || format!("outer {outer} x seq {seq} x heads {heads} x head_dim {head_dim}");
    check_len(K, "x", x.len(), n, sizes)?;
    check_len(K, "y", y.len(), n, sizes)?;
    if head_dim % 2 != 0 {
        return Err(invalid(K, format!("head_dim must be even, found {head_dim}")));
    }
    if theta.is_nan() || theta <= 1.0 {
        return Err(invalid(K, format!("theta must be greater than 1, found {theta}")));
    }
    if n == 0 {
        return Ok(());
    }
    let half = head_dim / 2;
    let sign = if inverse { -1.0 } else { 1.0 };
    // cos and sin of every (position, pair), the same expression as the interpreter's.
    let (mut cos, mut sin) = (vec![0.0f32; seq * half], vec![0.0f32; seq * half]);
    for p in 0..seq {
        for i in 0..half {
            let angle = sign * p as f64 * theta.powf(-2.0 * i as f64 / head_dim as f64);
            let (s, c) = angle.sin_cos();
            cos[p * half + i] = c as f32;
            sin[p * half + i] = s as f32;
        }
    }
    let row = heads * head_dim;
    let rows_per = rows_per_task(row);
    y.par_chunks_mut(rows_per * row).zip(x.par_chunks(rows_per * row)).enumerate().for_each(|(task, (ys, xs))| {
        for (k, (yr, xr)) in ys.chunks_exact_mut(row).zip(xs.chunks_exact(row)).enumerate() {
            let p = (task * rows_per + k) % seq;
            let (cos, sin) = (&cos[p * half..(p + 1) * half], &sin[p * half..(p + 1) * half]);
            for (yh, xh) in yr.chunks_exact_mut(head_dim).zip(xr.chunks_exact(head_dim)) {
                let (x1, x2) = xh.split_at(half);
                let (y1, y2) = yh.split_at_mut(half);
                for i in 0..half {
                    y1[i] = x1[i] * cos[i] - x2[i] * sin[i];
                    y2[i] = x2[i] * cos[i] + x1[i] * sin[i];
                }
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::KernelError;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    #[test]
    fn embedding_matches_the_interpreter_and_accumulates() {
        let mut rng = Rng::new(20);
        for (vocab, hidden, tokens) in [(1, 1, 1), (7, 33, 33), (33, 7, 5), (50, 64, 700)] {
            let table = rng.vec(vocab * hidden, 1.0);
            let ids = rng.ids(tokens, vocab);
            let want =
                reference1(GraphOp::Embedding, &[f(&table, &[vocab, hidden]), i(&ids, &[tokens])], &AttrMap::new());
            let mut out = vec![f32::NAN; tokens * hidden];
            embedding(&table, vocab, hidden, &ids, &mut out, false).unwrap();
            assert_close("embedding", &out, &want);
            let base = rng.vec(out.len(), 1.0);
            let mut out = base.clone();
            embedding(&table, vocab, hidden, &ids, &mut out, true).unwrap();
            assert_close_acc("embedding acc", &out, &want.data, Some(&base));
        }
    }

    #[test]
    fn embedding_grad_matches_the_interpreter_and_accumulates() {
        let mut rng = Rng::new(21);
        // 3000 ids into a vocabulary of 7: every row sums hundreds of positions.
        for (vocab, hidden, tokens) in [(1, 1, 1), (7, 33, 33), (33, 7, 5), (7, 9, 3000), (1000, 16, 50)] {
            let ids = rng.ids(tokens, vocab);
            let dy = rng.vec(tokens * hidden, 1.0);
            let attrs = AttrMap::new().with("vocab", Attr::Int(vocab as i64));
            let want = reference1(GraphOp::EmbeddingGrad, &[i(&ids, &[tokens]), f(&dy, &[tokens, hidden])], &attrs);
            let mut dtable = vec![f32::NAN; vocab * hidden];
            embedding_grad(&ids, &dy, vocab, hidden, &mut dtable, false).unwrap();
            assert_close("embedding_grad", &dtable, &want);
            let base = rng.vec(dtable.len(), 1.0);
            let mut dtable = base.clone();
            embedding_grad(&ids, &dy, vocab, hidden, &mut dtable, true).unwrap();
            assert_close_acc("embedding_grad acc", &dtable, &want.data, Some(&base));
        }
    }

    #[test]
    fn embedding_grad_is_bitwise_identical_on_one_and_two_threads() {
        let mut rng = Rng::new(22);
        let (vocab, hidden, tokens) = (300, 48, 5000);
        let ids = rng.ids(tokens, vocab);
        let dy = rng.vec(tokens * hidden, 1.0);
        let run = |threads| {
            with_threads(threads, || {
                let mut dtable = vec![0.0; vocab * hidden];
                embedding_grad(&ids, &dy, vocab, hidden, &mut dtable, false).unwrap();
                bits(&dtable)
            })
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn rope_matches_the_interpreter_forward_and_inverse() {
        let mut rng = Rng::new(23);
        for (outer, seq, heads, head_dim) in [(1, 1, 1, 2), (2, 7, 3, 8), (1, 33, 2, 64), (3, 5, 1, 34)] {
            let x = rng.vec(outer * seq * heads * head_dim, 2.0);
            let shape = [outer, seq, heads, head_dim];
            for inverse in [false, true] {
                let attrs = AttrMap::new().with("theta", Attr::Float(10000.0)).with("inverse", Attr::Bool(inverse));
                let want = reference1(GraphOp::Rope, &[f(&x, &shape)], &attrs);
                let mut y = vec![f32::NAN; x.len()];
                rope(&x, outer, seq, heads, head_dim, 10000.0, inverse, &mut y).unwrap();
                assert_close("rope", &y, &want);
            }
        }
    }

    #[test]
    fn embedding_and_rope_reject_bad_input() {
        let table = vec![0.0; 6];
        let mut out = vec![0.0; 6];
        let err = embedding(&table, 3, 2, &[0, 3, 1], &mut out, false).unwrap_err();
        assert_eq!(err.to_string(), "embedding: token id 3 at position 1 is outside [0, 3)");
        assert!(matches!(err, KernelError::IndexOutOfRange { value: 3, position: 1, bound: 3, .. }));
        let err = embedding(&table, 3, 2, &[0, 1, -1], &mut out, false).unwrap_err();
        assert_eq!(err.to_string(), "embedding: token id -1 at position 2 is outside [0, 3)");
        let err = embedding(&table, 2, 2, &[0, 1, 1], &mut out, false).unwrap_err();
        assert_eq!(err.to_string(), "embedding: table has 6 elements, expected 4 (vocab 2 x hidden 2)");
        let err = embedding(&table, 3, 2, &[0, 1], &mut out, false).unwrap_err();
        assert_eq!(err.to_string(), "embedding: out has 6 elements, expected 4 (2 ids x hidden 2)");
        let err = embedding_grad(&[0, 5], &[0.0; 4], 3, 2, &mut out, false).unwrap_err();
        assert_eq!(err.to_string(), "embedding_grad: token id 5 at position 1 is outside [0, 3)");
        let err = embedding_grad(&[0, 1], &[0.0; 4], 3, 2, &mut out[..5], false).unwrap_err();
        assert_eq!(err.to_string(), "embedding_grad: dtable has 5 elements, expected 6 (vocab 3 x hidden 2)");
        let err = rope(&[0.0; 6], 1, 1, 2, 3, 10000.0, false, &mut out).unwrap_err();
        assert_eq!(err.to_string(), "rope: head_dim must be even, found 3");
        let err = rope(&[0.0; 4], 1, 2, 1, 2, 0.5, false, &mut out[..4]).unwrap_err();
        assert_eq!(err.to_string(), "rope: theta must be greater than 1, found 0.5");
        let err = rope(&[0.0; 6], 1, 2, 1, 2, 10000.0, false, &mut out).unwrap_err();
        assert_eq!(err.to_string(), "rope: x has 6 elements, expected 4 (outer 1 x seq 2 x heads 1 x head_dim 2)");
    }
}
