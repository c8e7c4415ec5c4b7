//! Splitting a model's layers into pipeline stages.
//!
//! The layers are split, in order, into `stages · chunks` contiguous non-empty *parts*. Part
//! `i = chunk · stages + stage` is chunk `chunk` of stage `stage` (Megatron's interleaved
//! assignment: with 2 stages and 2 chunks, stage 0 runs parts 0 and 2, stage 1 parts 1 and 3, so a
//! micro-batch goes 0 → 1 → 0 → 1). With one chunk, part `i` is simply stage `i`.
//!
//! [`partition_layers`] balances estimated costs; [`fixed_split`] follows a user's explicit layer
//! counts (`--stages 8,8,7,7`). Both return the parts as layer ranges in part order;
//! [`stage_chunks`] picks out one stage's ranges.
//!
//! # Costs
//!
//! The caller supplies one cost per layer, in any consistent unit (FLOPs, measured time). For a
//! dense decoder a transformer layer's forward FLOPs are about `24·b·s·h²·(1 + s/(6h))` (Narayanan
//! et al. 2021) and all layers of a model cost the same; the embedding lookup costs next to nothing
//! but the LM head and loss cost about `2·b·s·h·V`, a sizeable fraction of a layer when the
//! vocabulary is large. Fold the embedding into the first layer's cost and the head into the last
//! layer's (or pass them as extra zero-/non-zero-cost "layers" if the caller's layer list has them),
//! so that the first and last stages are not overloaded.

use std::fmt;
use std::ops::Range;

/// Why layers could not be split into stages. `Display` gives a full sentence with the fix.
#[derive(Clone, Debug, PartialEq)]
pub enum StageError {
    /// Zero stages were asked for.
    NoStages,
    /// Zero chunks per stage were asked for.
    NoChunks,
    /// Fewer layers than `stages · chunks`, so some part would be empty.
    TooFewLayers {
        /// Number of layers.
        layers: usize,
        /// Number of stages.
        stages: usize,
        /// Chunks per stage.
        chunks: usize,
    },
    /// A layer's cost is negative or not finite.
    BadCost {
        /// The layer.
        layer: usize,
        /// Its cost.
        cost: f64,
    },
    /// The explicit split has a different number of entries than there are stages.
    WrongEntryCount {
        /// Entries given.
        entries: usize,
        /// Number of stages.
        stages: usize,
    },
    /// An entry of the explicit split is 0.
    ZeroEntry {
        /// The stage whose entry is 0.
        stage: usize,
    },
    /// The entries of the explicit split do not sum to the number of layers.
    SumMismatch {
        /// Sum of the entries.
        sum: usize,
        /// Number of layers.
        layers: usize,
    },
    /// An entry of the explicit split is smaller than the number of chunks per stage.
    StageTooSmall {
        /// The stage.
        stage: usize,
        /// Its entry.
        size: usize,
        /// Chunks per stage.
        chunks: usize,
    },
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageError::NoStages => {
                write!(f, "a pipeline needs at least 1 stage: set the number of pipeline stages to 1 or more")
            }
            StageError::NoChunks => {
                write!(f, "each pipeline stage needs at least 1 chunk: set the number of virtual chunks to 1 or more")
            }
            StageError::TooFewLayers { layers, stages, chunks } => write!(
                f,
                "the model has {layers} layers, fewer than the {} pipeline parts ({stages} stages × {chunks} chunks), so some part would have no layer: use fewer stages or chunks",
                stages * chunks
            ),
            StageError::BadCost { layer, cost } => {
                write!(f, "layer {layer} has cost {cost}: layer costs must be finite and not negative")
            }
            StageError::WrongEntryCount { entries, stages } => write!(
                f,
                "the stage split lists {entries} layer counts but the pipeline has {stages} stages: give exactly one count per stage"
            ),
            StageError::ZeroEntry { stage } => {
                write!(f, "the stage split gives stage {stage} no layers: every stage needs at least 1 layer")
            }
            StageError::SumMismatch { sum, layers } => write!(
                f,
                "the stage split's layer counts sum to {sum} but the model has {layers} layers: make the counts sum to {layers}"
            ),
            StageError::StageTooSmall { stage, size, chunks } => write!(
                f,
                "the stage split gives stage {stage} {size} layers, fewer than its {chunks} chunks: give every stage at least {chunks} layers or use fewer chunks"
            ),
        }
    }
}

impl std::error::Error for StageError {}

/// The index of the part holding chunk `chunk` of stage `stage`: `chunk · stages + stage`.
pub fn part_index(stage: usize, chunk: usize, stages: usize) -> usize {
    chunk * stages + stage
}

/// The layer ranges of stage `stage`, chunk 0 first, out of `parts` as returned by
/// [`partition_layers`] or [`fixed_split`] for `stages` stages.
pub fn stage_chunks(parts: &[Range<usize>], stages: usize, stage: usize) -> Vec<Range<usize>> {
    parts.iter().skip(stage).step_by(stages.max(1)).cloned().collect()
}

/// Splits layers with the given estimated `costs` (one per layer, in order) into
/// `stages · chunks` contiguous non-empty parts, returned in part order (see the module doc for
/// which stage runs which part).
///
/// The split is exact and deterministic:
/// 1. it minimizes the largest part cost (binary search over the candidate part costs with a
///    greedy feasibility check);
/// 2. among those splits, it minimizes the sum of squared part costs, i.e. it is as even as
///    possible (dynamic programming);
/// 3. among those, earlier parts are longer: 30 equal layers on 4 stages give 8, 8, 7, 7.
///
/// If every cost is 0 the layers are treated as equally costly. Every layer lands in exactly one
/// part.
pub fn partition_layers(costs: &[f64], stages: usize, chunks: usize) -> Result<Vec<Range<usize>>, StageError> {
    if stages == 0 {
        return Err(StageError::NoStages);
    }
    if chunks == 0 {
        return Err(StageError::NoChunks);
    }
    let n = costs.len();
    let k = stages * chunks;
    if n < k {
        return Err(StageError::TooFewLayers { layers: n, stages, chunks });
    }
    if let Some((layer, &cost)) = costs.iter().enumerate().find(|(_, c)| !c.is_finite() || **c < 0.0) {
        return Err(StageError::BadCost { layer, cost });
    }
    let all_zero = costs.iter().all(|&c| c == 0.0);
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    for &c in costs {
        let c = if all_zero { 1.0 } else { c };
        prefix.push(prefix.last().copied().unwrap_or(0.0) + c);
    }
    // Cost of layers t..e; always computed by this one expression so comparisons are consistent.
    let seg = |t: usize, e: usize| prefix[e] - prefix[t];

    // 1. The smallest bound B such that k parts of cost ≤ B exist. It is the cost of some
    // segment; feasibility is monotone in B.
    let feasible = |bound: f64| -> bool {
        // Greedy: fewest parts with every part ≤ bound; k parts are then possible iff that
        // number is ≤ k (split further; n ≥ k layers) and no single layer exceeds the bound.
        let mut parts = 0;
        let mut t = 0;
        while t < n {
            if seg(t, t + 1) > bound {
                return false;
            }
            let mut e = t + 1;
            while e < n && seg(t, e + 1) <= bound {
                e += 1;
            }
            parts += 1;
            t = e;
        }
        parts <= k
    };
    let mut candidates: Vec<f64> =
        (0..n).flat_map(|t| (t + 1..=n).map(move |e| (t, e))).map(|(t, e)| seg(t, e)).collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    let (mut lo, mut hi) = (0, candidates.len() - 1); // candidates[hi] = the whole model: feasible.
    while lo < hi {
        let mid = (lo + hi) / 2;
        if feasible(candidates[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let bound = candidates[lo];

    // 2. Minimize Σ (part cost / bound)² over splits into k parts of cost ≤ bound. best[j][t]: the
    // minimum for layers t..n in j parts (INFINITY when impossible).
    let scale = if bound > 0.0 { bound } else { 1.0 };
    let sq = |t: usize, e: usize| {
        let x = seg(t, e) / scale;
        x * x
    };
    // The ends e of a part starting at t, with j − 1 parts after it, whose cost is ≤ bound.
    let ends = |t: usize, j: usize| (t + 1..=n - (j - 1)).take_while(move |&e| seg(t, e) <= bound);
    let mut best: Vec<Vec<f64>> = Vec::with_capacity(k + 1);
    best.push((0..=n).map(|t| if t == n { 0.0 } else { f64::INFINITY }).collect());
    for j in 1..=k {
        let prev = &best[j - 1];
        // The j last parts start at t with at least j layers left.
        let row = (0..=n)
            .map(|t| {
                if t + j > n {
                    f64::INFINITY
                } else {
                    ends(t, j).map(|e| sq(t, e) + prev[e]).fold(f64::INFINITY, f64::min)
                }
            })
            .collect();
        best.push(row);
    }

    // 3. Reconstruct, taking the longest first part among (near-)optimal choices.
    let mut parts = Vec::with_capacity(k);
    let mut t = 0;
    for j in (1..=k).rev() {
        let target = best[j][t];
        let tolerance = 1e-12 * target.abs().max(1.0);
        let e = ends(t, j)
            .filter(|&e| sq(t, e) + best[j - 1][e] <= target + tolerance)
            .last()
            .expect("the optimum is reachable");
        parts.push(t..e);
        t = e;
    }
    debug_assert_eq!(t, n);
    Ok(parts)
}

/// Splits `layers` layers by the user's explicit per-stage layer counts `sizes` (one per stage,
/// e.g. `--stages 8,8,7,7`), returning `stages · chunks` contiguous parts in part order like
/// [`partition_layers`].
///
/// With `chunks` > 1, stage `s`'s count is split into `chunks` as evenly as possible, earlier
/// chunks taking the extra layers (8 layers in 3 chunks: 3, 3, 2); then the parts take consecutive
/// layers in part order `chunk · stages + stage`. So `--stages 4,4` with 2 chunks on 8 layers gives
/// stage 0 layers 0..2 and 4..6, stage 1 layers 2..4 and 6..8.
///
/// Errors: the wrong number of entries, a zero entry, an entry smaller than `chunks`, entries that
/// do not sum to `layers`.
pub fn fixed_split(
    sizes: &[usize],
    stages: usize,
    layers: usize,
    chunks: usize,
) -> Result<Vec<Range<usize>>, StageError> {
    if stages == 0 {
        return Err(StageError::NoStages);
    }
    if chunks == 0 {
        return Err(StageError::NoChunks);
    }
    if sizes.len() != stages {
        return Err(StageError::WrongEntryCount { entries: sizes.len(), stages });
    }
    if let Some(stage) = sizes.iter().position(|&n| n == 0) {
        return Err(StageError::ZeroEntry { stage });
    }
    let sum: usize = sizes.iter().sum();
    if sum != layers {
        return Err(StageError::SumMismatch { sum, layers });
    }
    if let Some(stage) = sizes.iter().position(|&n| n < chunks) {
        return Err(StageError::StageTooSmall { stage, size: sizes[stage], chunks });
    }
    let mut parts = Vec::with_capacity(stages * chunks);
    let mut start = 0;
    for chunk in 0..chunks {
        for &size in sizes {
            let len = size / chunks + usize::from(chunk < size % chunks);
            parts.push(start..start + len);
            start += len;
        }
    }
    debug_assert_eq!(start, layers);
    Ok(parts)
}
