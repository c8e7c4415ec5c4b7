//! Mixture-of-experts routing and data movement (`graph.top_k`, `graph.one_hot`,
//! `graph.moe_scatter`, `graph.moe_gather`; docs/moe.md).
//!
//! `moe_scatter` and `moe_gather` share one slot assignment ([`moe_slots`]): within each group of
//! tokens, the (token, choice) pairs take their expert's next free slot in token order, then choice
//! order, and pairs past the capacity are dropped. Both kernels are pure copies of rows, so their
//! results do not depend on the threads. The slot assignment is a sequential pass over the
//! `tokens · k` expert ids (a few thousand integers), the copies are split over rows.

use rayon::prelude::*;

use super::{check_ids, check_len, invalid, product, rows_per_task, Result};

/// `top_k(x[rows, n]) -> out[rows, k]`: the positions of the `k` largest entries of each row,
/// largest first; of equal entries the lower position comes first (a later entry must be strictly
/// larger to win, so NaN never wins over a number).
pub fn top_k(x: &[f32], n: usize, k: usize, out: &mut [i32]) -> Result {
    const K: &str = "top_k";
    if k == 0 || k > n {
        return Err(invalid(K, format!("k = {k} must be in 1..={n} (the row length)")));
    }
    let rows = x.len() / n;
    check_len(K, "x", x.len(), product(K, &[rows, n])?, || format!("rows of {n}"))?;
    check_len(K, "out", out.len(), product(K, &[rows, k])?, || format!("{rows} rows x k {k}"))?;
    let rows_per = rows_per_task(n);
    out.par_chunks_mut(rows_per * k).zip(x.par_chunks(rows_per * n)).for_each(|(outs, xs)| {
        let mut taken = vec![false; n];
        for (o, row) in outs.chunks_exact_mut(k).zip(xs.chunks_exact(n)) {
            taken.iter_mut().for_each(|t| *t = false);
            for slot in o.iter_mut() {
                let mut best = taken.iter().position(|&t| !t).unwrap_or(0);
                for i in best + 1..n {
                    if !taken[i] && row[i] > row[best] {
                        best = i;
                    }
                }
                taken[best] = true;
                *slot = best as i32;
            }
        }
    });
    Ok(())
}

/// `one_hot(ids) -> out[ids.len(), classes]`: 1 at each id's class, 0 elsewhere.
pub fn one_hot(ids: &[i32], classes: usize, out: &mut [f32]) -> Result {
    const K: &str = "one_hot";
    check_len(K, "out", out.len(), product(K, &[ids.len(), classes])?, || {
        format!("{} ids x {classes} classes", ids.len())
    })?;
    check_ids(K, "id", ids, classes)?;
    out.fill(0.0);
    for (p, &id) in ids.iter().enumerate() {
        out[p * classes + id as usize] = 1.0;
    }
    Ok(())
}

/// The shape of a MoE data movement: `tokens` tokens with `k` choices each over `experts`
/// experts, in `groups` equal groups of consecutive tokens, `capacity` slots per expert and group,
/// rows of `hidden` elements.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MoeShape {
    pub tokens: usize,
    pub k: usize,
    pub hidden: usize,
    pub experts: usize,
    pub capacity: usize,
    pub groups: usize,
}

impl MoeShape {
    /// Rows per expert in the buffer: `groups · capacity`.
    fn rows(&self) -> usize {
        self.groups * self.capacity
    }
}

/// For every (token, choice) pair, its row in the `[experts · groups · capacity]` rows of the
/// buffer, or `None` when it is past its expert's capacity in its group.
pub fn moe_slots(kernel: &'static str, ids: &[i32], s: &MoeShape) -> Result<Vec<Option<usize>>> {
    check_len(kernel, "experts", ids.len(), product(kernel, &[s.tokens, s.k])?, || {
        format!("tokens {} x k {}", s.tokens, s.k)
    })?;
    check_ids(kernel, "expert", ids, s.experts)?;
    if s.groups == 0 || s.tokens % s.groups != 0 {
        return Err(invalid(kernel, format!("{} tokens do not split into {} equal groups", s.tokens, s.groups)));
    }
    let per_group = s.tokens / s.groups;
    let mut used = vec![0usize; s.experts];
    let mut slots = Vec::with_capacity(ids.len());
    for t in 0..s.tokens {
        if t % per_group == 0 {
            used.iter_mut().for_each(|u| *u = 0);
        }
        let group = t / per_group;
        for &e in &ids[t * s.k..(t + 1) * s.k] {
            let e = e as usize;
            let slot = used[e];
            used[e] += 1;
            slots.push((slot < s.capacity).then(|| e * s.rows() + group * s.capacity + slot));
        }
    }
    Ok(slots)
}

/// `moe_scatter(x[tokens, k, hidden], ids[tokens, k]) -> buf[experts, groups · capacity, hidden]`:
/// each kept pair's row of `x` at its slot, 0 in the slots nobody takes. Returns the number of
/// pairs dropped past their expert's capacity.
pub fn moe_scatter(x: &[f32], ids: &[i32], s: &MoeShape, buf: &mut [f32]) -> Result<usize> {
    const K: &str = "moe_scatter";
    let h = s.hidden;
    check_len(K, "x", x.len(), product(K, &[s.tokens, s.k, h])?, || format!("{s:?}"))?;
    check_len(K, "buf", buf.len(), product(K, &[s.experts, s.rows(), h])?, || format!("{s:?}"))?;
    let slots = moe_slots(K, ids, s)?;
    let dropped = slots.iter().filter(|slot| slot.is_none()).count();
    // The source pair of every buffer row (rows nobody takes stay None).
    let mut source = vec![None; s.experts * s.rows()];
    for (pair, slot) in slots.iter().enumerate() {
        if let Some(row) = *slot {
            source[row] = Some(pair);
        }
    }
    if h == 0 {
        return Ok(dropped);
    }
    let rows_per = rows_per_task(h);
    buf.par_chunks_mut(rows_per * h).zip(source.par_chunks(rows_per)).for_each(|(rows, sources)| {
        for (row, src) in rows.chunks_exact_mut(h).zip(sources) {
            match *src {
                Some(pair) => row.copy_from_slice(&x[pair * h..(pair + 1) * h]),
                None => row.fill(0.0),
            }
        }
    });
    Ok(dropped)
}

/// `moe_gather(buf[experts, groups · capacity, hidden], ids[tokens, k]) -> y[tokens, k, hidden]`:
/// each kept pair's buffer row, 0 for a dropped pair.
pub fn moe_gather(buf: &[f32], ids: &[i32], s: &MoeShape, y: &mut [f32]) -> Result {
    const K: &str = "moe_gather";
    let h = s.hidden;
    check_len(K, "buf", buf.len(), product(K, &[s.experts, s.rows(), h])?, || format!("{s:?}"))?;
    check_len(K, "y", y.len(), product(K, &[s.tokens, s.k, h])?, || format!("{s:?}"))?;
    let slots = moe_slots(K, ids, s)?;
    if h == 0 {
        return Ok(());
    }
    let rows_per = rows_per_task(h);
    y.par_chunks_mut(rows_per * h).zip(slots.par_chunks(rows_per)).for_each(|(rows, slots)| {
        for (row, slot) in rows.chunks_exact_mut(h).zip(slots) {
            match *slot {
                Some(r) => row.copy_from_slice(&buf[r * h..(r + 1) * h]),
                None => row.fill(0.0),
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_close, f, i, reference1, Rng};
    use super::*;
    use parc_dialects::attr::{Attr, AttrMap};
    use parc_dialects::graph::GraphOp;

    fn moe_attrs(s: &MoeShape) -> AttrMap {
        AttrMap::new()
            .with("experts", Attr::Int(s.experts as i64))
            .with("capacity", Attr::Int(s.capacity as i64))
            .with("groups", Attr::Int(s.groups as i64))
    }

    #[test]
    fn top_k_matches_the_interpreter_and_breaks_ties_by_position() {
        let mut rng = Rng::new(5);
        for (rows, n, k) in [(1, 1, 1), (7, 8, 2), (33, 4, 4), (5, 64, 3)] {
            let x = rng.vec(rows * n, 1.0);
            let want = reference1(GraphOp::TopK, &[f(&x, &[rows, n])], &AttrMap::new().with("k", Attr::Int(k as i64)));
            let mut out = vec![-1; rows * k];
            top_k(&x, n, k, &mut out).unwrap();
            let got: Vec<f32> = out.iter().map(|&v| v as f32).collect();
            assert_close("top_k", &got, &want);
        }
        let mut out = vec![0; 3];
        top_k(&[0.5, 0.25, 0.5, 0.5], 4, 3, &mut out).unwrap();
        assert_eq!(out, [0, 2, 3]);
        assert_eq!(
            top_k(&[1.0, 2.0], 2, 3, &mut out).unwrap_err().to_string(),
            "top_k: k = 3 must be in 1..=2 (the row length)"
        );
    }

    #[test]
    fn scatter_and_gather_match_the_interpreter_with_and_without_drops() {
        let mut rng = Rng::new(9);
        for (tokens, k, hidden, experts, groups) in [(8, 2, 3, 4, 1), (12, 2, 5, 3, 3), (16, 1, 4, 8, 2)] {
            for capacity in [1, 2, tokens / groups] {
                let s = MoeShape { tokens, k, hidden, experts, capacity, groups };
                // Distinct experts per token, as top_k gives.
                let ids: Vec<i32> = (0..tokens)
                    .flat_map(|_| {
                        let first = rng.ids(1, experts)[0];
                        (0..k as i32).map(move |j| (first + j) % experts as i32)
                    })
                    .collect();
                let x = rng.vec(tokens * k * hidden, 1.0);
                let attrs = moe_attrs(&s);
                let want =
                    reference1(GraphOp::MoeScatter, &[f(&x, &[tokens, k, hidden]), i(&ids, &[tokens, k])], &attrs);
                let mut buf = vec![f32::NAN; experts * groups * capacity * hidden];
                moe_scatter(&x, &ids, &s, &mut buf).unwrap();
                assert_close("moe_scatter", &buf, &want);
                let mut attrs = attrs;
                attrs.remove("experts");
                let want = reference1(
                    GraphOp::MoeGather,
                    &[f(&buf, &[experts, groups * capacity, hidden]), i(&ids, &[tokens, k])],
                    &attrs,
                );
                let mut y = vec![f32::NAN; tokens * k * hidden];
                moe_gather(&buf, &ids, &s, &mut y).unwrap();
                assert_close("moe_gather", &y, &want);
            }
        }
    }

    #[test]
    fn slots_drop_in_token_order_per_group() {
        // Two groups of three tokens, top-1, every token to expert 1, capacity 2: the third token
        // of each group is dropped.
        let s = MoeShape { tokens: 6, k: 1, hidden: 1, experts: 2, capacity: 2, groups: 2 };
        let slots = moe_slots("test", &[1; 6], &s).unwrap();
        assert_eq!(slots, [Some(4), Some(5), None, Some(6), Some(7), None]);
        let err = moe_slots("test", &[0, 2, 1, 1, 0, 0], &s).unwrap_err();
        assert_eq!(err.to_string(), "test: expert 2 at position 1 is outside [0, 2)");
    }

    #[test]
    fn one_hot_matches_the_interpreter() {
        let ids = [2, 0, 1, 2];
        let attrs = AttrMap::new().with("classes", Attr::Int(3)).with("dtype", Attr::Str("f32".into()));
        let want = reference1(GraphOp::OneHot, &[i(&ids, &[2, 2])], &attrs);
        let mut out = vec![f32::NAN; 12];
        one_hot(&ids, 3, &mut out).unwrap();
        assert_close("one_hot", &out, &want);
        assert!(one_hot(&[3], 3, &mut out[..3]).is_err());
    }
}
