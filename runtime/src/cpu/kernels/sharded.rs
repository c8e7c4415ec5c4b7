//! Kernels of partitioned programs: the vocab-parallel embedding and cross-entropy pieces, whose
//! block of the vocabulary starts at a rank-dependent `offset`, and the block layout helpers of
//! the collectives (one rank's block along a dim, and the interleaving of gathered blocks).
//!
//! Row statistics accumulate in f64 (they are few: one per token).

use super::{check_len, put, Result};

/// `out[t] (+)= table[ids[t] − offset]` for ids inside `[offset, offset + rows)`, else 0.
pub fn embedding_shard(
    table: &[f32],
    rows: usize,
    hidden: usize,
    offset: usize,
    ids: &[i32],
    out: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "embedding";
    check_len(K, "table", table.len(), rows * hidden, || format!("rows {rows} x hidden {hidden}"))?;
    check_len(K, "out", out.len(), ids.len() * hidden, || format!("{} ids x hidden {hidden}", ids.len()))?;
    for (o, &id) in out.chunks_exact_mut(hidden.max(1)).zip(ids) {
        let local = (id as i64) - offset as i64;
        if (0..rows as i64).contains(&local) {
            let row = &table[local as usize * hidden..(local as usize + 1) * hidden];
            for (x, &v) in o.iter_mut().zip(row) {
                put(x, v, acc);
            }
        } else {
            for x in o.iter_mut() {
                put(x, 0.0, acc);
            }
        }
    }
    Ok(())
}

/// `dtable[r] (+)= Σ dy[t]` over the tokens with `ids[t] == offset + r`, for this block's rows.
pub fn embedding_grad_shard(
    ids: &[i32],
    dy: &[f32],
    rows: usize,
    hidden: usize,
    offset: usize,
    dtable: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "embedding_grad";
    check_len(K, "dy", dy.len(), ids.len() * hidden, || format!("{} ids x hidden {hidden}", ids.len()))?;
    check_len(K, "dtable", dtable.len(), rows * hidden, || format!("rows {rows} x hidden {hidden}"))?;
    let mut sums = vec![0.0f64; rows * hidden];
    for (t, &id) in ids.iter().enumerate() {
        let local = (id as i64) - offset as i64;
        if (0..rows as i64).contains(&local) {
            let r = local as usize;
            for (s, &g) in sums[r * hidden..(r + 1) * hidden].iter_mut().zip(&dy[t * hidden..(t + 1) * hidden]) {
                *s += g as f64;
            }
        }
    }
    for (o, s) in dtable.iter_mut().zip(sums) {
        put(o, s as f32, acc);
    }
    Ok(())
}

/// Per token: `sumexp = Σ exp(l_j − max)` over this block's columns whose global index
/// `offset + j` is below `vocab`, and `target` = the label's logit when it is in the block, else 0.
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_stats(
    logits: &[f32],
    labels: &[i32],
    max: &[f32],
    cols: usize,
    offset: usize,
    vocab: usize,
    sumexp: &mut [f32],
    target: &mut [f32],
) -> Result {
    const K: &str = "cross_entropy_stats";
    let tokens = labels.len();
    check_len(K, "logits", logits.len(), tokens * cols, || format!("{tokens} labels x {cols} columns"))?;
    check_len(K, "max", max.len(), tokens, || format!("{tokens} labels"))?;
    let valid = vocab.saturating_sub(offset).min(cols);
    for t in 0..tokens {
        let row = &logits[t * cols..(t + 1) * cols];
        let m = max[t] as f64;
        sumexp[t] = row[..valid].iter().map(|&l| (l as f64 - m).exp()).sum::<f64>() as f32;
        let local = labels[t] as i64 - offset as i64;
        target[t] = if (0..valid as i64).contains(&local) { row[local as usize] } else { 0.0 };
    }
    Ok(())
}

/// `loss (+)= ln(sumexp) + max − target`.
pub fn cross_entropy_from_stats(sumexp: &[f32], max: &[f32], target: &[f32], loss: &mut [f32], acc: bool) -> Result {
    const K: &str = "cross_entropy_from_stats";
    check_len(K, "max", max.len(), sumexp.len(), || "one per token".into())?;
    check_len(K, "loss", loss.len(), sumexp.len(), || "one per token".into())?;
    for (((o, &s), &m), &t) in loss.iter_mut().zip(sumexp).zip(max).zip(target) {
        put(o, ((s as f64).ln() + m as f64 - t as f64) as f32, acc);
    }
    Ok(())
}

/// `dlogits (+)= (exp(l − max) / sumexp − onehot(label − offset)) · dy`, 0 past `vocab`.
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_grad_stats(
    logits: &[f32],
    labels: &[i32],
    max: &[f32],
    sumexp: &[f32],
    dy: &[f32],
    cols: usize,
    offset: usize,
    vocab: usize,
    dlogits: &mut [f32],
    acc: bool,
) -> Result {
    const K: &str = "cross_entropy_grad_stats";
    let tokens = labels.len();
    check_len(K, "logits", logits.len(), tokens * cols, || format!("{tokens} labels x {cols} columns"))?;
    check_len(K, "dlogits", dlogits.len(), tokens * cols, || format!("{tokens} labels x {cols} columns"))?;
    let valid = vocab.saturating_sub(offset).min(cols);
    for t in 0..tokens {
        let row = &logits[t * cols..(t + 1) * cols];
        let out = &mut dlogits[t * cols..(t + 1) * cols];
        let (m, inv, d) = (max[t] as f64, 1.0 / sumexp[t] as f64, dy[t] as f64);
        let label = labels[t] as i64 - offset as i64;
        for j in 0..cols {
            let g = if j < valid {
                let p = (row[j] as f64 - m).exp() * inv;
                (p - if j as i64 == label { 1.0 } else { 0.0 }) * d
            } else {
                0.0
            };
            put(&mut out[j], g as f32, acc);
        }
    }
    Ok(())
}

/// `(outer, n, inner)` of a shape around `dim`.
pub fn split_dims(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    let outer = shape[..dim].iter().product();
    let inner = shape[dim + 1..].iter().product();
    (outer, shape[dim], inner)
}

/// `y` = block `index` (of `ceil(n / parts)` rows) of `x` along `dim`, zero past the end.
pub fn shard_slice<T: Copy + Default>(x: &[T], shape: &[usize], dim: usize, index: usize, y: &mut [T]) -> Result {
    let (outer, n, inner) = split_dims(shape, dim);
    let rows = y.len() / (outer * inner).max(1);
    check_len("shard_slice", "y", y.len(), outer * rows * inner, || format!("{outer} x {rows} x {inner}"))?;
    for o in 0..outer {
        for r in 0..rows {
            let src = index * rows + r;
            let dst = &mut y[(o * rows + r) * inner..(o * rows + r + 1) * inner];
            if src < n {
                dst.copy_from_slice(&x[(o * n + src) * inner..(o * n + src + 1) * inner]);
            } else {
                dst.fill(T::default());
            }
        }
    }
    Ok(())
}

/// Lays out `parts` gathered blocks (each `outer × rows × inner`, concatenated) as one tensor
/// concatenated along the middle dim: `y[o, k·rows + r, i] = blocks[k][o, r, i]`.
pub fn interleave_blocks<T: Copy>(blocks: &[T], parts: usize, outer: usize, rows: usize, inner: usize, y: &mut [T]) {
    let block = outer * rows * inner;
    for k in 0..parts {
        for o in 0..outer {
            let src = &blocks[k * block + o * rows * inner..k * block + (o + 1) * rows * inner];
            let start = (o * parts * rows + k * rows) * inner;
            y[start..start + rows * inner].copy_from_slice(src);
        }
    }
}

/// The inverse of [`interleave_blocks`]: block `k` of `x` along the middle dim, for each `k`, concatenated.
pub fn deinterleave_blocks<T: Copy>(x: &[T], parts: usize, outer: usize, rows: usize, inner: usize, out: &mut [T]) {
    let block = outer * rows * inner;
    for k in 0..parts {
        for o in 0..outer {
            let start = (o * parts * rows + k * rows) * inner;
            out[k * block + o * rows * inner..k * block + (o + 1) * rows * inner]
                .copy_from_slice(&x[start..start + rows * inner]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_roundtrip() {
        let x: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let mut packed = vec![0.0; 24];
        deinterleave_blocks(&x, 2, 2, 3, 2, &mut packed);
        let mut back = vec![0.0; 24];
        interleave_blocks(&packed, 2, 2, 3, 2, &mut back);
        assert_eq!(back, x);
        // Block 1 of shape [2, 6, 2] along dim 1 is rows 3..6 of each outer slice.
        let mut y = vec![0.0; 12];
        shard_slice(&x, &[2, 6, 2], 1, 1, &mut y).unwrap();
        assert_eq!(&y[..6], &x[6..12]);
        assert_eq!(&y[6..], &x[18..24]);
    }

    #[test]
    fn vocab_blocks_sum_to_the_whole_cross_entropy() {
        // Two blocks of a 5-column vocabulary (padded to 6): the summed statistics give the loss.
        let logits = [0.5f32, -1.0, 2.0, 0.25, 1.5];
        let m = 2.0f32;
        let mut padded = logits.to_vec();
        padded.push(0.0);
        let (mut s, mut t) = (0.0, 0.0);
        for k in 0..2 {
            let (mut se, mut tg) = ([0.0f32], [0.0f32]);
            cross_entropy_stats(&padded[k * 3..k * 3 + 3], &[3], &[m], 3, k * 3, 5, &mut se, &mut tg).unwrap();
            s += se[0];
            t += tg[0];
        }
        let mut loss = [0.0f32];
        cross_entropy_from_stats(&[s], &[m], &[t], &mut loss, false).unwrap();
        let lse = logits.iter().map(|&l| (l as f64).exp()).sum::<f64>().ln();
        assert!((loss[0] as f64 - (lse - 0.25)).abs() < 1e-6);
    }
}
