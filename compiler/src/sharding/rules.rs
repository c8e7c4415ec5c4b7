//! Sharding rules: for every `graph` op kind, the placements on one mesh axis under which the op
//! can run locally, and the placement of its results. One `match` over the op kinds.
//!
//! A rule looks at the current placements of the operands and proposes [`Candidate`]s: required
//! operand placements and the resulting placements. The propagation pass prices each candidate
//! by the communication its reshards need ([`reshard_cost`]) and keeps the cheapest. Every rule
//! ends with the candidate "everything replicated", which is always legal, so propagation never
//! fails; the other candidates avoid communication:
//! - elementwise ops keep a shard of any operand on the matching result dim; sums of partials stay
//!   partial, and so does any op that is linear in its one partial operand;
//! - matmul keeps batch, row (M) and column (N) shards and turns a shard of the contracted dim on
//!   both operands into `P(sum)` (Megatron's row-parallel layer);
//! - reductions over a sharded dim give partials (`P(sum)`, `P(max)`);
//! - a vocab-sharded embedding table gives `P(sum)` (each rank looks up its rows), a vocab-sharded
//!   cross-entropy gives replicated losses (its partition expands into stats and all-reduces);
//! - normalizations, softmax and cross-entropy keep any shard but one of their reduced last dim.

use parc_dialects::attr::AttrMap;
use parc_dialects::dist::{Placement, ReduceKind};
use parc_dialects::elementwise_ops;
use parc_dialects::graph::{normalize_axis, GraphOp};
use parc_dialects::types::TensorType;

use Placement::{Partial, Replicate as R, Shard};

const SUM: Placement = Partial(ReduceKind::Sum);

/// One way to run an op on one mesh axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The placement every operand must have.
    pub inputs: Vec<Placement>,
    /// The placement of every result.
    pub outputs: Vec<Placement>,
}

fn cand(inputs: Vec<Placement>, outputs: Vec<Placement>) -> Candidate {
    Candidate { inputs, outputs }
}

/// The candidates for one op on one axis of `size` ranks, given its operands' current
/// placements `cur`. The last candidate is always "all replicated".
pub fn candidates(
    op: GraphOp,
    attrs: &AttrMap,
    ins: &[&TensorType],
    outs: &[&TensorType],
    cur: &[Placement],
    size: usize,
) -> Vec<Candidate> {
    let mut c = rule(op, attrs, (ins, outs), cur, size);
    c.push(cand(vec![R; ins.len()], vec![R; outs.len()]));
    c.dedup();
    c
}

/// An op's operand and result types.
type Io<'a> = (&'a [&'a TensorType], &'a [&'a TensorType]);

/// [`candidates`] without the replicated fallback.
fn rule(op: GraphOp, attrs: &AttrMap, io: Io, cur: &[Placement], size: usize) -> Vec<Candidate> {
    let (ins, outs) = io;
    let n_out = outs.len();
    let rank = |t: &TensorType| t.rank();
    let last = |t: &TensorType| t.rank().saturating_sub(1);
    let mut c = Vec::new();
    match op {
        elementwise_ops!() | GraphOp::Broadcast => {
            let out = outs[0];
            // Shards that map onto a result dim (operands aligned at the trailing dim).
            for (i, p) in cur.iter().enumerate() {
                if let Shard(d) = *p {
                    let o = d + rank(out) - rank(ins[i]);
                    if ins[i].shape[d] != out.shape[o] {
                        continue;
                    }
                    let inputs = ins
                        .iter()
                        .map(|t| {
                            let off = rank(out) - rank(t);
                            if o >= off && t.shape[o - off] == out.shape[o] {
                                Shard(o - off)
                            } else {
                                R
                            }
                        })
                        .collect();
                    c.push(cand(inputs, vec![Shard(o)]));
                }
            }
            // Partials: which operands the op is linear in.
            let partial: Vec<bool> = cur.iter().map(|p| *p == SUM).collect();
            if partial.iter().any(|&b| b) {
                let ok = match op {
                    GraphOp::Add | GraphOp::Sub => partial.iter().all(|&b| b),
                    GraphOp::Mul => partial.iter().filter(|&&b| b).count() == 1,
                    GraphOp::Div => partial[0] && !partial[1],
                    GraphOp::Scale | GraphOp::Cast | GraphOp::Broadcast => true,
                    GraphOp::GeluGrad | GraphOp::SiluGrad => !partial[0] && partial[1],
                    _ => false,
                };
                if ok {
                    let inputs = partial.iter().map(|&b| if b { SUM } else { R }).collect();
                    c.push(cand(inputs, vec![SUM]));
                }
            }
        }
        GraphOp::Matmul => matmul(attrs, ins, outs[0], cur, &mut c),
        GraphOp::Softmax => {
            if let Shard(d) = cur[0] {
                if d != last(ins[0]) {
                    c.push(cand(vec![Shard(d)], vec![Shard(d)]));
                }
            }
        }
        GraphOp::SoftmaxGrad => {
            for p in cur {
                if let Shard(d) = *p {
                    if d != last(ins[0]) {
                        c.push(cand(vec![Shard(d); 2], vec![Shard(d)]));
                    }
                }
            }
            if cur[1] == SUM {
                c.push(cand(vec![R, SUM], vec![SUM]));
            }
        }
        GraphOp::LayerNorm | GraphOp::RmsNorm => {
            if let Shard(d) = cur[0] {
                if d != last(ins[0]) {
                    let mut inputs = vec![R; ins.len()];
                    inputs[0] = Shard(d);
                    c.push(cand(inputs, vec![Shard(d)]));
                }
            }
        }
        GraphOp::LayerNormGrad | GraphOp::RmsNormGrad => {
            // (x, weight, dy) → (dx, dweight[, dbias]).
            for p in [cur[0], cur[2]] {
                if let Shard(d) = p {
                    if d != last(ins[0]) {
                        let mut outputs = vec![SUM; n_out];
                        outputs[0] = Shard(d);
                        c.push(cand(vec![Shard(d), R, Shard(d)], outputs));
                    }
                }
            }
            if cur[2] == SUM {
                c.push(cand(vec![R, R, SUM], vec![SUM; n_out]));
            }
        }
        GraphOp::Rope => {
            if let Shard(d) = cur[0] {
                let r = rank(ins[0]);
                if d + 3 != r && d + 1 != r {
                    c.push(cand(vec![Shard(d)], vec![Shard(d)]));
                }
            }
            if cur[0] == SUM {
                c.push(cand(vec![SUM], vec![SUM]));
            }
        }
        GraphOp::Reshape => {
            if let Shard(d) = cur[0] {
                if let Some(o) = reshape_dim(&ins[0].shape, &outs[0].shape, d, size) {
                    c.push(cand(vec![Shard(d)], vec![Shard(o)]));
                }
            }
            if cur[0] == SUM {
                c.push(cand(vec![SUM], vec![SUM]));
            }
        }
        GraphOp::Transpose => {
            let perm = attrs.ints("perm").unwrap_or(&[]);
            if let Shard(d) = cur[0] {
                if let Some(o) = perm.iter().position(|&p| p as usize == d) {
                    c.push(cand(vec![Shard(d)], vec![Shard(o)]));
                }
            }
            if cur[0] == SUM {
                c.push(cand(vec![SUM], vec![SUM]));
            }
        }
        GraphOp::Split | GraphOp::Concat => {
            let axis = normalize_axis(attrs.int("axis").unwrap_or(0), rank(ins[0])).unwrap_or(usize::MAX);
            for p in cur {
                if let Shard(d) = *p {
                    if d != axis {
                        c.push(cand(vec![Shard(d); ins.len()], vec![Shard(d); n_out]));
                    }
                }
            }
            if cur.iter().all(|p| *p == SUM) {
                c.push(cand(vec![SUM; ins.len()], vec![SUM; n_out]));
            }
        }
        GraphOp::ReduceSum | GraphOp::ReduceMean | GraphOp::ReduceMax => {
            let r = rank(ins[0]);
            let axes: Vec<usize> =
                attrs.ints("axes").unwrap_or(&[]).iter().filter_map(|&a| normalize_axis(a, r).ok()).collect();
            let keepdim = attrs.flag("keepdim");
            if let Shard(d) = cur[0] {
                if axes.contains(&d) {
                    match op {
                        GraphOp::ReduceSum => c.push(cand(vec![Shard(d)], vec![SUM])),
                        GraphOp::ReduceMax => c.push(cand(vec![Shard(d)], vec![Partial(ReduceKind::Max)])),
                        _ => {}
                    }
                } else {
                    let o = if keepdim { d } else { d - axes.iter().filter(|&&a| a < d).count() };
                    c.push(cand(vec![Shard(d)], vec![Shard(o)]));
                }
            }
            let linear = match op {
                GraphOp::ReduceMax => Partial(ReduceKind::Max),
                _ => SUM,
            };
            if cur[0] == linear {
                c.push(cand(vec![linear], vec![linear]));
            }
        }
        GraphOp::ReduceMaxGrad => {
            // (x, y, dy): shards of kept dims only.
            let r = rank(ins[0]);
            let axes: Vec<usize> =
                attrs.ints("axes").unwrap_or(&[]).iter().filter_map(|&a| normalize_axis(a, r).ok()).collect();
            if let Shard(d) = cur[0] {
                if !axes.contains(&d) && attrs.flag("keepdim") {
                    c.push(cand(vec![Shard(d); 3], vec![Shard(d)]));
                }
            }
        }
        GraphOp::Embedding => {
            // (table[V, H], ids) → [..., H].
            let out_last = last(outs[0]);
            match (cur[0], cur[1]) {
                (Shard(0), R) => c.push(cand(vec![Shard(0), R], vec![SUM])),
                (Shard(1), R) => c.push(cand(vec![Shard(1), R], vec![Shard(out_last)])),
                (_, Shard(d)) => c.push(cand(vec![R, Shard(d)], vec![Shard(d)])),
                _ => {}
            }
        }
        GraphOp::EmbeddingGrad => {
            // (ids, dy) → [vocab, H].
            let h = last(ins[1]);
            match (cur[0], cur[1]) {
                (Shard(d), _) | (_, Shard(d)) if d < rank(ins[0]) => {
                    c.push(cand(vec![Shard(d), Shard(d)], vec![SUM]));
                }
                (R, Shard(d)) if d == h => c.push(cand(vec![R, Shard(d)], vec![Shard(1)])),
                _ => {}
            }
            if cur[1] == SUM && cur[0] == R {
                c.push(cand(vec![R, SUM], vec![SUM]));
            }
            // Each rank builds only its block of rows (vocab-parallel tables).
            c.push(cand(vec![R, R], vec![Shard(0)]));
        }
        GraphOp::CrossEntropy => {
            // (logits, labels) → per-token loss.
            let v = last(ins[0]);
            match cur[0] {
                Shard(d) if d < v => c.push(cand(vec![Shard(d), Shard(d)], vec![Shard(d)])),
                Shard(_) => c.push(cand(vec![Shard(v), R], vec![R])),
                _ => {
                    if let Shard(d) = cur[1] {
                        c.push(cand(vec![Shard(d), Shard(d)], vec![Shard(d)]));
                    }
                }
            }
        }
        GraphOp::CrossEntropyGrad => {
            // (logits, labels, dy) → dlogits.
            let v = last(ins[0]);
            for p in cur {
                if let Shard(d) = *p {
                    if d < v {
                        c.push(cand(vec![Shard(d); 3], vec![Shard(d)]));
                    }
                }
            }
            if cur[0] == Shard(v) {
                c.push(cand(vec![Shard(v), R, R], vec![Shard(v)]));
            }
            if cur[2] == SUM {
                c.push(cand(vec![R, R, SUM], vec![SUM]));
            }
        }
        GraphOp::TopK | GraphOp::OneHot => {
            // Row-wise: any shard but one of top_k's last dim (the entries it ranks).
            if let Shard(d) = cur[0] {
                if op == GraphOp::OneHot || d != last(ins[0]) {
                    c.push(cand(vec![Shard(d)], vec![Shard(d)]));
                }
            }
        }
        GraphOp::MoeScatter => {
            // (x[T, k, H], experts[T, k]) → [E, groups · capacity, H]. Whole groups of tokens per
            // rank give each rank its groups' rows of every expert (data parallelism); a shard of
            // hidden stays one. Linear in x.
            let groups = attrs.int("groups").unwrap_or(0).max(0) as usize;
            if (cur[0] == Shard(0) || cur[1] == Shard(0)) && groups % size == 0 && ins[0].shape[0] % size == 0 {
                c.push(cand(vec![Shard(0), Shard(0)], vec![Shard(1)]));
            }
            if cur[0] == Shard(2) {
                c.push(cand(vec![Shard(2), R], vec![Shard(2)]));
            }
            if cur[0] == SUM {
                c.push(cand(vec![SUM, R], vec![SUM]));
            }
        }
        GraphOp::MoeGather => {
            // (buf[E, groups · capacity, H], experts[T, k]) → [T, k, H]: the transpose of the above.
            let groups = attrs.int("groups").unwrap_or(0).max(0) as usize;
            if (cur[0] == Shard(1) || cur[1] == Shard(0)) && groups % size == 0 && ins[1].shape[0] % size == 0 {
                c.push(cand(vec![Shard(1), Shard(0)], vec![Shard(0)]));
            }
            if cur[0] == Shard(2) {
                c.push(cand(vec![Shard(2), R], vec![Shard(2)]));
            }
            if cur[0] == SUM {
                c.push(cand(vec![SUM, R], vec![SUM]));
            }
        }
        // Everything else runs replicated: constants, the optimizer's ops (partitioned by
        // construction, see `zero`) and the stats ops that only the partitioner emits.
        GraphOp::Fill
        | GraphOp::LrSchedule
        | GraphOp::ClipCoef
        | GraphOp::AdamwUpdate
        | GraphOp::SgdUpdate
        | GraphOp::CrossEntropyStats
        | GraphOp::CrossEntropyFromStats
        | GraphOp::CrossEntropyGradStats => {}
    }
    c
}

fn matmul(attrs: &AttrMap, ins: &[&TensorType], out: &TensorType, cur: &[Placement], c: &mut Vec<Candidate>) {
    let (a, b) = (ins[0], ins[1]);
    let (ra, rb, ro) = (a.rank(), b.rank(), out.rank());
    let (ta, tb) = (attrs.flag("transpose_a"), attrs.flag("transpose_b"));
    // Operand dims of the product's roles.
    let (a_m, a_k) = if ta { (ra - 1, ra - 2) } else { (ra - 2, ra - 1) };
    let (b_k, b_n) = if tb { (rb - 1, rb - 2) } else { (rb - 2, rb - 1) };
    // Batch dim `o` of the result in an operand of rank r: Some(dim) unless broadcast.
    let batch = |t: &TensorType, o: usize| -> Option<usize> {
        let off = ro - t.rank();
        (o >= off && t.shape[o - off] == out.shape[o]).then(|| o - off)
    };
    for (i, p) in cur.iter().enumerate() {
        let Shard(d) = *p else { continue };
        let (t, r) = if i == 0 { (a, ra) } else { (b, rb) };
        if d + 2 < r {
            let o = d + ro - t.rank();
            if t.shape[d] != out.shape[o] {
                continue;
            }
            let pa = batch(a, o).map_or(R, Shard);
            let pb = batch(b, o).map_or(R, Shard);
            c.push(cand(vec![pa, pb], vec![Shard(o)]));
        } else if i == 0 && d == a_m {
            c.push(cand(vec![Shard(a_m), R], vec![Shard(ro - 2)]));
        } else if i == 1 && d == b_n {
            c.push(cand(vec![R, Shard(b_n)], vec![Shard(ro - 1)]));
        } else {
            c.push(cand(vec![Shard(a_k), Shard(b_k)], vec![SUM]));
        }
    }
    match (cur[0], cur[1]) {
        (SUM, R) | (SUM, Shard(_)) => c.push(cand(vec![SUM, R], vec![SUM])),
        (R, SUM) | (Shard(_), SUM) => c.push(cand(vec![R, SUM], vec![SUM])),
        _ => {}
    }
}

/// The result dim that carries a shard of input dim `d` (split `n` ways) through a reshape, if
/// the shard stays contiguous blocks: `d` must lead its group of merged/split dims (ignoring
/// size-1 dims), and the group's leading result dim must split `n` ways too (or be the same dim).
pub fn reshape_dim(from: &[usize], to: &[usize], d: usize, n: usize) -> Option<usize> {
    let (mut i, mut j) = (0, 0);
    while i < from.len() && j < to.len() {
        let (i0, j0) = (i, j);
        let (mut pi, mut pj) = (from[i], to[j]);
        i += 1;
        j += 1;
        while pi != pj {
            if pi < pj {
                pi *= *from.get(i)?;
                i += 1;
            } else {
                pj *= *to.get(j)?;
                j += 1;
            }
        }
        if (i0..i).contains(&d) {
            let lead_in = (i0..i).find(|&k| from[k] != 1)?;
            let lead_out = (j0..j).find(|&k| to[k] != 1)?;
            let same = i - i0 == 1 && j - j0 == 1;
            return (lead_in == d && (same || (from[d] % n == 0 && to[lead_out] % n == 0))).then_some(lead_out);
        }
    }
    None
}

/// Bytes moved per rank to change one axis' placement of a value of `bytes` bytes, on `n` ranks
/// (ring algorithms); `None` when the change is impossible (nothing turns into a partial).
pub fn reshard_cost(from: Placement, to: Placement, bytes: f64, n: usize) -> Option<f64> {
    let f = (n as f64 - 1.0) / n as f64;
    if from == to {
        return Some(0.0);
    }
    Some(match (from, to) {
        (R, R) | (R, Shard(_)) => 0.0,
        (Shard(_), R) | (Shard(_), Shard(_)) => bytes * f,
        (Partial(_), R) => 2.0 * bytes * f,
        (Partial(ReduceKind::Sum), Shard(_)) => bytes * f,
        (Partial(_), Shard(_)) => 2.0 * bytes * f,
        (_, Partial(_)) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_carries_leading_shards() {
        // [B, S, H] → [B, S, heads, D]: a shard of H lands on heads.
        assert_eq!(reshape_dim(&[2, 8, 64], &[2, 8, 4, 16], 2, 2), Some(2));
        assert_eq!(reshape_dim(&[2, 8, 64], &[2, 8, 4, 16], 2, 8), None);
        assert_eq!(reshape_dim(&[2, 8, 64], &[2, 8, 4, 16], 0, 2), Some(0));
        // [B, S, H] → [B·S, H]: the batch leads the merged dim.
        assert_eq!(reshape_dim(&[2, 8, 64], &[16, 64], 0, 2), Some(0));
        // The sequence dim does not lead it.
        assert_eq!(reshape_dim(&[2, 8, 64], &[16, 64], 1, 2), None);
        assert_eq!(reshape_dim(&[1, 8, 64], &[8, 64], 1, 2), Some(0));
        assert_eq!(reshape_dim(&[2, 4, 3, 16], &[2, 4, 1, 3, 16], 2, 3), Some(3));
        // A padded (non-dividing) shard passes only through an unchanged dim.
        assert_eq!(reshape_dim(&[5, 64], &[5, 8, 8], 0, 2), Some(0));
        assert_eq!(reshape_dim(&[6, 64], &[3, 2, 64], 0, 4), None);
    }

    #[test]
    fn every_rule_offers_the_replicated_fallback() {
        let t = TensorType::new(vec![4, 8], parc_dialects::types::DType::F32);
        let c = candidates(GraphOp::Gelu, &AttrMap::new(), &[&t], &[&t], &[Shard(0)], 2);
        assert_eq!(c.last().unwrap(), &cand(vec![R], vec![R]));
        assert_eq!(c[0], cand(vec![Shard(0)], vec![Shard(0)]));
    }
}
