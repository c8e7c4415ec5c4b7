//! Pipeline stage splitting, schedules, their simulation and rendering (`parc_compiler::pipeline`).
//!
//! Every expected number here is an independent closed form from the literature (GPipe, Megatron,
//! Zero Bubble) or from the critical path of the schedule, never a value read off the
//! implementation.

use std::collections::HashMap;
use std::ops::Range;

use parc_compiler::pipeline::{
    chrome_trace, fixed_split, partition_layers, schedule, simulate, simulate_lists, stage_chunks, svg, Action,
    ScheduleError, ScheduleKind, StageError, Timeline, UnitCosts,
};

const EPS: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPS * b.abs().max(1.0)
}

/// F = 1, B = 2 (input 1 + weight 1): the textbook costs.
const TEXTBOOK: UnitCosts = UnitCosts { forward: 1.0, backward_input: 1.0, backward_weight: 1.0 };

/// Every (kind, p, m, v) the exhaustive tests cover: p ≤ 8, m ≤ 16, v ≤ 4 for interleaved (m a
/// multiple of p), v = 1 otherwise.
fn configs() -> Vec<(ScheduleKind, usize, usize, usize)> {
    let mut out = Vec::new();
    for kind in ScheduleKind::ALL {
        for p in 1..=8 {
            for m in 1..=16 {
                if kind == ScheduleKind::Interleaved {
                    if m % p == 0 {
                        out.extend((1..=4).map(|v| (kind, p, m, v)));
                    }
                } else {
                    out.push((kind, p, m, 1));
                }
            }
        }
    }
    out
}

/// A small deterministic pseudo-random sequence (64-bit LCG), for layer costs.
fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((x >> 33) % 1000) as f64 / 100.0
    }
}

// ---------------------------------------------------------------------------------------------
// Stages

fn sizes(parts: &[Range<usize>]) -> Vec<usize> {
    parts.iter().map(|r| r.len()).collect()
}

/// Checks the parts are non-empty, contiguous and cover 0..layers in order: every layer exactly
/// once.
fn assert_cover(parts: &[Range<usize>], layers: usize) {
    let mut next = 0;
    for r in parts {
        assert_eq!(r.start, next, "{parts:?}");
        assert!(r.end > r.start, "empty part in {parts:?}");
        next = r.end;
    }
    assert_eq!(next, layers, "{parts:?}");
}

/// The optimal largest part cost by a plain O(k·n²) dynamic program (independent of the
/// implementation's binary search).
fn brute_min_max(costs: &[f64], k: usize) -> f64 {
    let n = costs.len();
    let sum = |t: usize, e: usize| costs[t..e].iter().sum::<f64>();
    let mut best = vec![vec![f64::INFINITY; n + 1]; k + 1];
    best[0][0] = 0.0;
    for j in 1..=k {
        for e in j..=n {
            for t in j - 1..e {
                best[j][e] = best[j][e].min(best[j - 1][t].max(sum(t, e)));
            }
        }
    }
    best[k][n]
}

#[test]
fn partition_covers_every_layer_and_is_balanced() {
    let mut rng = lcg(7);
    for layers in 1..=40 {
        let equal = vec![1.0; layers];
        let random: Vec<f64> = (0..layers).map(|_| rng()).collect();
        for stages in 1..=8 {
            for chunks in 1..=3 {
                let k = stages * chunks;
                if layers < k {
                    assert_eq!(
                        partition_layers(&equal, stages, chunks),
                        Err(StageError::TooFewLayers { layers, stages, chunks })
                    );
                    continue;
                }
                // Equal costs: ceil/floor sizes, the longer parts first.
                let parts = partition_layers(&equal, stages, chunks).unwrap();
                assert_eq!(parts.len(), k);
                assert_cover(&parts, layers);
                let expected: Vec<usize> = (0..k).map(|i| layers / k + usize::from(i < layers % k)).collect();
                assert_eq!(sizes(&parts), expected, "{layers} layers, {stages} stages, {chunks} chunks");

                // Arbitrary costs: exact min-max.
                let parts = partition_layers(&random, stages, chunks).unwrap();
                assert_eq!(parts.len(), k);
                assert_cover(&parts, layers);
                let max = parts.iter().map(|r| random[r.clone()].iter().sum::<f64>()).fold(0.0, f64::max);
                let opt = brute_min_max(&random, k);
                assert!(close(max, opt), "{layers} layers into {k}: max {max}, optimum {opt}");
                assert_eq!(partition_layers(&random, stages, chunks).unwrap(), parts, "deterministic");
            }
        }
    }
}

#[test]
fn thirty_layers_on_four_stages() {
    let costs = vec![1.0; 30];
    assert_eq!(sizes(&partition_layers(&costs, 4, 1).unwrap()), [8, 8, 7, 7]);
    // Two chunks: parts 4,4,4,4,4,4,3,3; stage s runs parts s and s + 4.
    let parts = partition_layers(&costs, 4, 2).unwrap();
    assert_eq!(sizes(&parts), [4, 4, 4, 4, 4, 4, 3, 3]);
    let per_stage: Vec<usize> = (0..4).map(|s| stage_chunks(&parts, 4, s).iter().map(|r| r.len()).sum()).collect();
    assert_eq!(per_stage, [8, 8, 7, 7]);
    assert_eq!(stage_chunks(&parts, 4, 1), [4..8, 20..24]);
    // All-zero costs count as equal costs.
    assert_eq!(sizes(&partition_layers(&[0.0; 30], 4, 1).unwrap()), [8, 8, 7, 7]);
}

#[test]
fn partition_balances_costs() {
    // A heavy head layer: the last stage takes fewer layers.
    let mut costs = vec![1.0; 12];
    costs[11] = 4.0;
    let parts = partition_layers(&costs, 3, 1).unwrap();
    // Total 15, optimum max 5: e.g. 5 | 5 | 1+4.
    assert_eq!(parts, [0..5, 5..10, 10..12]);
    assert_eq!(partition_layers(&[2.0, 1.0, 1.0, 1.0, 1.0, 2.0], 2, 1).unwrap(), [0..3, 3..6]);
}

#[test]
fn partition_errors() {
    assert_eq!(partition_layers(&[1.0; 4], 0, 1), Err(StageError::NoStages));
    assert_eq!(partition_layers(&[1.0; 4], 2, 0), Err(StageError::NoChunks));
    let e = partition_layers(&[1.0; 5], 3, 2).unwrap_err();
    assert_eq!(e.to_string(), "the model has 5 layers, fewer than the 6 pipeline parts (3 stages × 2 chunks), so some part would have no layer: use fewer stages or chunks");
    let e = partition_layers(&[1.0, -1.0, 1.0], 1, 1).unwrap_err();
    assert_eq!(e, StageError::BadCost { layer: 1, cost: -1.0 });
    assert!(partition_layers(&[1.0, f64::NAN], 1, 1).is_err());
}

#[test]
fn fixed_split_follows_the_user() {
    assert_eq!(fixed_split(&[8, 8, 7, 7], 4, 30, 1).unwrap(), [0..8, 8..16, 16..23, 23..30]);
    // Two chunks: each stage's count halves (earlier chunk takes the odd layer), parts in order
    // chunk·stages + stage.
    let parts = fixed_split(&[8, 8, 7, 7], 4, 30, 2).unwrap();
    assert_eq!(sizes(&parts), [4, 4, 4, 4, 4, 4, 3, 3]);
    assert_cover(&parts, 30);
    assert_eq!(stage_chunks(&parts, 4, 2), [8..12, 24..27]);
    let parts = fixed_split(&[8, 1], 2, 9, 3);
    assert_eq!(parts, Err(StageError::StageTooSmall { stage: 1, size: 1, chunks: 3 }));
    assert_eq!(sizes(&fixed_split(&[8, 3], 2, 11, 3).unwrap()), [3, 1, 3, 1, 2, 1]);
    for layers in 1..=40 {
        for stages in 1..=8.min(layers) {
            let sizes: Vec<usize> = (0..stages).map(|s| layers / stages + usize::from(s < layers % stages)).collect();
            for chunks in 1..=3 {
                match fixed_split(&sizes, stages, layers, chunks) {
                    Ok(parts) => {
                        assert_eq!(parts.len(), stages * chunks);
                        assert_cover(&parts, layers);
                        for (s, &n) in sizes.iter().enumerate() {
                            let got: usize = stage_chunks(&parts, stages, s).iter().map(|r| r.len()).sum();
                            assert_eq!(got, n);
                        }
                    }
                    Err(StageError::StageTooSmall { size, .. }) => assert!(size < chunks),
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
}

#[test]
fn fixed_split_errors() {
    let e = fixed_split(&[8, 8, 7, 6], 4, 30, 1).unwrap_err();
    assert_eq!(e, StageError::SumMismatch { sum: 29, layers: 30 });
    assert_eq!(
        e.to_string(),
        "the stage split's layer counts sum to 29 but the model has 30 layers: make the counts sum to 30"
    );
    let e = fixed_split(&[8, 0, 7, 15], 4, 30, 1).unwrap_err();
    assert_eq!(e, StageError::ZeroEntry { stage: 1 });
    assert!(e.to_string().contains("stage 1 no layers"), "{e}");
    let e = fixed_split(&[15, 15], 4, 30, 1).unwrap_err();
    assert_eq!(e, StageError::WrongEntryCount { entries: 2, stages: 4 });
    assert!(e.to_string().contains("lists 2 layer counts but the pipeline has 4 stages"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Schedules

#[test]
fn kind_names() {
    for kind in ScheduleKind::ALL {
        assert_eq!(ScheduleKind::parse(kind.name()), Ok(kind));
        assert_eq!(kind.name().parse::<ScheduleKind>(), Ok(kind));
    }
    assert_eq!(ScheduleKind::parse("1f1b"), Ok(ScheduleKind::OneF1B));
    assert_eq!(ScheduleKind::parse("zb-h1"), Ok(ScheduleKind::ZbH1));
    let e = ScheduleKind::parse("pipedream").unwrap_err();
    assert_eq!(e.to_string(), "unknown pipeline schedule `pipedream`: use one of gpipe, 1f1b, interleaved, zb-h1");
}

#[test]
fn schedule_errors() {
    use ScheduleKind::*;
    assert_eq!(schedule(OneF1B, 0, 4, 1, 0), Err(ScheduleError::NoStages));
    assert_eq!(schedule(OneF1B, 4, 0, 1, 0), Err(ScheduleError::NoMicrobatches));
    assert_eq!(schedule(Interleaved, 4, 4, 0, 0), Err(ScheduleError::NoChunks));
    assert_eq!(schedule(OneF1B, 4, 4, 1, 4), Err(ScheduleError::StageOutOfRange { stage: 4, stages: 4 }));
    for kind in [GPipe, OneF1B, ZbH1] {
        let e = schedule(kind, 4, 8, 2, 0).unwrap_err();
        assert_eq!(e, ScheduleError::ChunksUnsupported { kind, chunks: 2 });
        assert!(e.to_string().contains("use the interleaved schedule or 1 chunk"), "{e}");
        assert!(simulate(kind, 4, 8, 2, TEXTBOOK).is_err());
    }
    let e = schedule(Interleaved, 4, 6, 2, 0).unwrap_err();
    assert_eq!(e, ScheduleError::MicrobatchesNotMultiple { microbatches: 6, stages: 4 });
    assert_eq!(
        e.to_string(),
        "the interleaved schedule needs the number of micro-batches to be a multiple of the number of stages, but 6 micro-batches on 4 stages is not: use 4 or 8 micro-batches"
    );
    let e = schedule(Interleaved, 4, 3, 2, 0).unwrap_err();
    assert!(e.to_string().ends_with("is not: use 4 micro-batches"), "{e}");
    let bad = UnitCosts { forward: -1.0, ..TEXTBOOK };
    assert!(matches!(simulate(OneF1B, 2, 2, 1, bad), Err(ScheduleError::BadCost { field: "forward", .. })));
}

/// Each stage runs every (mb, chunk) forward exactly once and its backward exactly once (B and W
/// once each for ZB-H1, W after B), and nothing else.
#[test]
fn every_action_exactly_once() {
    for (kind, p, m, v) in configs() {
        for s in 0..p {
            let list = schedule(kind, p, m, v, s).unwrap();
            let mut seen: HashMap<Action, usize> = HashMap::new();
            for (i, &a) in list.iter().enumerate() {
                assert!(seen.insert(a, i).is_none(), "{kind} p={p} m={m} v={v} stage {s}: {a:?} twice");
            }
            let per_pair = if kind == ScheduleKind::ZbH1 { 3 } else { 2 };
            assert_eq!(list.len(), per_pair * m * v, "{kind} p={p} m={m} v={v} stage {s}");
            for mb in 0..m {
                for chunk in 0..v {
                    let f = seen[&Action::Forward { mb, chunk }];
                    if kind == ScheduleKind::ZbH1 {
                        let b = seen[&Action::BackwardInput { mb, chunk }];
                        let w = seen[&Action::BackwardWeight { mb, chunk }];
                        assert!(f < b && b < w, "{kind} p={p} m={m} stage {s} mb {mb}");
                    } else {
                        let b = seen[&Action::Backward { mb, chunk }];
                        assert!(f < b, "{kind} p={p} m={m} v={v} stage {s} mb {mb} chunk {chunk}");
                    }
                }
            }
        }
    }
}

/// Each interval's length is the action's cost; a stage's intervals never overlap; dependencies
/// hold in time.
fn assert_consistent(t: &Timeline, costs: UnitCosts) {
    let (p, v) = (t.stages, t.chunks);
    let mut end: HashMap<(usize, Action), f64> = HashMap::new();
    let mut start: HashMap<(usize, Action), f64> = HashMap::new();
    for (s, row) in t.intervals.iter().enumerate() {
        let mut free = 0.0;
        for iv in row {
            assert!(iv.start >= free - EPS, "stage {s} overlaps at {:?}", iv.action);
            assert!(close(iv.end - iv.start, costs.cost(iv.action, v)));
            free = iv.end;
            end.insert((s, iv.action), iv.end);
            start.insert((s, iv.action), iv.start);
        }
        assert!(free <= t.makespan + EPS);
    }
    for (&(s, a), &st) in &start {
        let (mb, chunk) = (a.mb(), a.chunk());
        let u = chunk * p + s;
        let after = |key: (usize, Action)| assert!(end[&key] <= st + EPS, "{a:?} on stage {s} starts before {key:?}");
        match a {
            Action::Forward { .. } if u > 0 => after(((u - 1) % p, Action::Forward { mb, chunk: (u - 1) / p })),
            Action::Backward { .. } | Action::BackwardInput { .. } => {
                after((s, Action::Forward { mb, chunk }));
                if u + 1 < p * v {
                    let (ns, nc) = ((u + 1) % p, (u + 1) / p);
                    let next = if end.contains_key(&(ns, Action::Backward { mb, chunk: nc })) {
                        Action::Backward { mb, chunk: nc }
                    } else {
                        Action::BackwardInput { mb, chunk: nc }
                    };
                    after((ns, next));
                }
            }
            Action::BackwardWeight { .. } => after((s, Action::BackwardInput { mb, chunk })),
            _ => {}
        }
    }
}

#[test]
fn no_deadlock_and_textbook_bubbles() {
    for (kind, p, m, v) in configs() {
        let t = simulate(kind, p, m, v, TEXTBOOK).unwrap_or_else(|e| panic!("{kind} p={p} m={m} v={v}: {e}"));
        assert_consistent(&t, TEXTBOOK);
        let (pf, mf, vf) = (p as f64, m as f64, v as f64);
        // Every stage does m micro-batches × (F + B + W) = 3m of work.
        for s in 0..p {
            assert!(close(t.busy(s), 3.0 * mf));
        }
        let ctx = format!("{kind} p={p} m={m} v={v}: makespan {}", t.makespan);
        match kind {
            ScheduleKind::GPipe | ScheduleKind::OneF1B => {
                // Huang et al. / Narayanan et al.: (m + p − 1)(F + B), bubble fraction
                // (p − 1)/(m + p − 1) of the step, (p − 1)/m of the ideal time.
                assert!(close(t.makespan, (mf + pf - 1.0) * 3.0), "{ctx}");
                for s in 0..p {
                    assert!(close(t.idle[s], (pf - 1.0) * 3.0), "{ctx}");
                    assert!(close(t.idle_fraction(s), (pf - 1.0) / (mf + pf - 1.0)), "{ctx}");
                    assert!(close(t.idle[s] / (3.0 * mf), (pf - 1.0) / mf), "{ctx}");
                }
            }
            ScheduleKind::Interleaved => {
                // Narayanan et al.: bubble (p − 1)(F + B)/v.
                assert!(close(t.makespan, 3.0 * mf + 3.0 * (pf - 1.0) / vf), "{ctx}");
                for s in 0..p {
                    assert!(close(t.idle[s], 3.0 * (pf - 1.0) / vf), "{ctx}");
                }
            }
            ScheduleKind::ZbH1 => {
                // With F = B = W = 1, for m ≥ p: Qi et al.'s (p − 1)(T_F + T_B − T_W) = p − 1.
                // For m < p the first micro-batch's round trip dominates: its B on stage 0 ends
                // after p forwards and p input-gradient backwards (2p), then stage 0 runs W0 and
                // B, W of the other m − 1 micro-batches back to back: makespan 2p + 2m − 1.
                let expected = if m >= p { 3.0 * mf + (pf - 1.0) } else { 2.0 * pf + 2.0 * mf - 1.0 };
                assert!(close(t.makespan, expected), "{ctx}");
                assert!(t.bubble() <= 2.0 * (pf - 1.0) + EPS, "{ctx}: never worse than 1F1B's 3(p − 1)");
                if m >= p {
                    assert!(close(t.bubble(), (pf - 1.0) * (1.0 + 1.0 - 1.0)), "{ctx}");
                }
            }
        }
    }
}

#[test]
fn zb_h1_bubble_formula_for_other_costs() {
    // Qi et al.'s (p − 1)(T_F + T_B − T_W) for m ≥ p, when T_W ≤ min(T_F, T_B). A deferred W can
    // fill at most a gap of one F or one B, so for larger T_W the bubble is
    // (p − 1)(T_F + T_B − min(T_W, T_F, T_B)) = (p − 1)·max(T_F, T_B) — still below 1F1B's.
    for (f, b, w) in [
        (1.0, 2.0, 1.0),
        (2.0, 1.0, 1.0),
        (1.0, 1.0, 0.5),
        (1.0, 1.5, 0.7),
        (1.0, 1.0, 0.9),
        (0.5, 1.0, 1.0),
        (1.0, 0.5, 0.6),
        (1.0, 2.0, 1.5),
    ] {
        let costs = UnitCosts { forward: f, backward_input: b, backward_weight: w };
        for p in 1..=8 {
            for m in p..=16 {
                let t = simulate(ScheduleKind::ZbH1, p, m, 1, costs).unwrap();
                assert_consistent(&t, costs);
                let bubble = (p as f64 - 1.0) * (f + b - w.min(f).min(b));
                assert!(close(t.makespan, m as f64 * (f + b + w) + bubble), "F={f} B={b} W={w} p={p} m={m}");
                // 1F1B with the same costs: (p − 1)(T_F + T_B + T_W).
                let t1 = simulate(ScheduleKind::OneF1B, p, m, 1, costs).unwrap();
                assert!(close(t1.makespan, m as f64 * (f + b + w) + (p as f64 - 1.0) * (f + b + w)));
            }
        }
    }
}

#[test]
fn peak_in_flight() {
    for (kind, p, m, v) in configs() {
        let t = simulate(kind, p, m, v, TEXTBOOK).unwrap();
        for s in 0..p {
            let got = t.peak_in_flight[s];
            let ctx = format!("{kind} p={p} m={m} v={v} stage {s}");
            assert!(close(t.peak_in_flight_microbatches[s], got as f64 / v as f64), "{ctx}");
            match kind {
                ScheduleKind::GPipe => assert_eq!(got, m, "{ctx}"),
                ScheduleKind::OneF1B | ScheduleKind::ZbH1 => {
                    assert_eq!(got, (p - s).min(m), "{ctx}");
                    assert!(got <= p);
                }
                ScheduleKind::Interleaved => {
                    // Megatron: 2(p − s − 1) + (v − 1)p warm-up forwards plus the first steady
                    // forward, capped at all m·v; on stage 0 that is ≤ p + (p − 1)/v micro-batches
                    // (Korthikanti et al.'s factor 1 + (p − 1)/(p·v) over 1F1B's p).
                    assert_eq!(got, (2 * (p - s - 1) + (v - 1) * p + 1).min(m * v), "{ctx}");
                    if s == 0 {
                        let bound = p as f64 + (p as f64 - 1.0) / v as f64;
                        assert!(t.peak_in_flight_microbatches[0] <= bound + EPS, "{ctx}");
                    }
                }
            }
        }
        if kind == ScheduleKind::ZbH1 {
            // Qi et al. count a micro-batch until its W: still at most p (1F1B's memory).
            for s in 0..p {
                let (mut cur, mut peak) = (0usize, 0usize);
                for a in schedule(kind, p, m, v, s).unwrap() {
                    match a {
                        Action::Forward { .. } => cur += 1,
                        Action::BackwardWeight { .. } => cur -= 1,
                        _ => {}
                    }
                    peak = peak.max(cur);
                }
                assert!(peak <= p.min(m), "zb-h1 p={p} m={m} stage {s}: {peak} until W");
            }
        }
    }
}

#[test]
fn schedule_shapes() {
    use Action::*;
    let f = |mb| Forward { mb, chunk: 0 };
    let b = |mb| Backward { mb, chunk: 0 };
    assert_eq!(schedule(ScheduleKind::GPipe, 2, 3, 1, 1).unwrap(), [f(0), f(1), f(2), b(0), b(1), b(2)]);
    // 1F1B, stage 0 of 3: two warm-up forwards.
    assert_eq!(schedule(ScheduleKind::OneF1B, 3, 4, 1, 0).unwrap(), [f(0), f(1), f(2), b(0), f(3), b(1), b(2), b(3)]);
    // Interleaved, p = 2, v = 2, m = 2, stage 1: warm-up (v − 1)p = 2: F0.c0 F1.c0, then pairs.
    let fc = |mb, chunk| Forward { mb, chunk };
    let bc = |mb, chunk| Backward { mb, chunk };
    assert_eq!(
        schedule(ScheduleKind::Interleaved, 2, 2, 2, 1).unwrap(),
        [fc(0, 0), fc(1, 0), fc(0, 1), bc(0, 1), fc(1, 1), bc(1, 1), bc(0, 0), bc(1, 0)]
    );
    // ZB-H1, last stage of 3 defers two W's.
    let bi = |mb| BackwardInput { mb, chunk: 0 };
    let bw = |mb| BackwardWeight { mb, chunk: 0 };
    assert_eq!(
        schedule(ScheduleKind::ZbH1, 3, 4, 1, 2).unwrap(),
        [f(0), bi(0), f(1), bi(1), f(2), bi(2), bw(0), f(3), bi(3), bw(1), bw(2), bw(3)]
    );
}

#[test]
fn deadlocks_are_reported() {
    use Action::*;
    let f = |mb| Forward { mb, chunk: 0 };
    let b = |mb| Backward { mb, chunk: 0 };
    // Stage 0 waits for stage 1's B0 before sending F1; stage 1 wants F1 first.
    let lists = vec![vec![f(0), b(0), f(1), b(1)], vec![f(1), f(0), b(0), b(1)]];
    let e = simulate_lists(&lists, 2, 1, TEXTBOOK).unwrap_err();
    assert_eq!(
        e,
        ScheduleError::Deadlock {
            stage: 0,
            action: "B0".into(),
            waits_on_stage: 1,
            waits_on: "B0".into(),
            missing: false
        }
    );
    assert_eq!(e.to_string(), "the pipeline schedule deadlocks: stage 0 waits to run B0, which needs B0 of stage 1, which never becomes ready: reorder the lists so every dependency runs first");
    // An action nobody runs.
    let lists = vec![vec![f(0), f(1), b(0), b(1)], vec![f(0), b(0), b(1)]];
    let e = simulate_lists(&lists, 2, 1, TEXTBOOK).unwrap_err();
    assert!(
        e.to_string().contains("stage 1 waits to run B1, which needs F1 of stage 1, and stage 1 never runs it"),
        "{e}"
    );
    // Malformed lists.
    let e = simulate_lists(&[vec![f(0), f(0)]], 1, 1, TEXTBOOK).unwrap_err();
    assert_eq!(e, ScheduleError::DuplicateAction { stage: 0, action: "F0".into() });
    let e = simulate_lists(&[vec![Forward { mb: 0, chunk: 1 }]], 1, 1, TEXTBOOK).unwrap_err();
    assert!(matches!(e, ScheduleError::ActionOutOfRange { stage: 0, .. }), "{e}");
    assert_eq!(simulate_lists(&[], 1, 1, TEXTBOOK), Err(ScheduleError::NoLists));
}

// ---------------------------------------------------------------------------------------------
// Rendering

#[test]
fn chrome_trace_one_event_per_action() {
    for (kind, p, m, v) in [
        (ScheduleKind::GPipe, 4, 8, 1),
        (ScheduleKind::OneF1B, 4, 8, 1),
        (ScheduleKind::Interleaved, 4, 8, 2),
        (ScheduleKind::Interleaved, 3, 3, 3),
        (ScheduleKind::ZbH1, 4, 8, 1),
    ] {
        let costs = UnitCosts { forward: 1.0, backward_input: 1.1, backward_weight: 0.9 };
        let t = simulate(kind, p, m, v, costs).unwrap();
        let json = chrome_trace(&t, &["rank 0".to_string()], 1000.0);
        let events = json["traceEvents"].as_array().unwrap();
        let actions: usize = t.intervals.iter().map(Vec::len).sum();
        let complete: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(complete.len(), actions, "{kind}");
        // Events of one stage never overlap (integer nanoseconds, as written).
        let ns = |x: &serde_json::Value| (x.as_f64().unwrap() * 1000.0).round() as i64;
        for s in 0..p {
            let mut row: Vec<(i64, i64)> =
                complete.iter().filter(|e| e["tid"] == s).map(|e| (ns(&e["ts"]), ns(&e["dur"]))).collect();
            assert_eq!(row.len(), t.intervals[s].len());
            row.sort();
            for w in row.windows(2) {
                assert!(w[0].0 + w[0].1 <= w[1].0, "{kind} stage {s}: {w:?}");
            }
        }
        for e in &complete {
            assert_eq!(e["pid"], 0);
            let name = e["name"].as_str().unwrap();
            let (mb, chunk) = (e["args"]["mb"].as_u64().unwrap(), e["args"]["chunk"].as_u64().unwrap());
            let expected_suffix = if v > 1 { format!("{mb}.c{chunk}") } else { mb.to_string() };
            assert!(name.ends_with(&expected_suffix) && "FBW".contains(&name[..1]), "{name}");
        }
        let named: Vec<_> = events.iter().filter(|e| e["name"] == "thread_name").collect();
        assert_eq!(named.len(), p);
        assert_eq!(named[0]["args"]["name"], "rank 0");
        if p > 1 {
            assert_eq!(named[1]["args"]["name"], "stage 1");
        }
        // Deterministic bytes.
        let again = simulate(kind, p, m, v, costs).unwrap();
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            serde_json::to_string(&chrome_trace(&again, &["rank 0".to_string()], 1000.0)).unwrap()
        );
    }
}

#[test]
fn svg_picture() {
    let t = simulate(ScheduleKind::ZbH1, 4, 8, 1, TEXTBOOK).unwrap();
    let pic = svg(&t);
    assert!(pic.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{pic}");
    assert!(pic.ends_with("</svg>\n"));
    let actions: usize = t.intervals.iter().map(Vec::len).sum();
    assert_eq!(pic.matches("<rect ").count(), actions + 1, "one box per action plus the background");
    for s in 0..4 {
        assert!(pic.contains(&format!(">stage {s}</text>")));
    }
    assert!(pic.contains(">W0</text>") && pic.contains(">F7</text>"));
    assert_eq!(pic, svg(&simulate(ScheduleKind::ZbH1, 4, 8, 1, TEXTBOOK).unwrap()));
    let t = simulate(ScheduleKind::Interleaved, 2, 2, 2, TEXTBOOK).unwrap();
    assert!(svg(&t).contains(">F1.c1</text>"));
}
