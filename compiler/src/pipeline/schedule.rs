//! Pipeline schedules as per-stage action lists ([`schedule`]) and their simulation
//! ([`simulate`], [`simulate_lists`]).
//!
//! Notation: `p` stages, `m` micro-batches per training step, `v` virtual chunks per stage. Stage
//! `s` holds chunks `0..v`; chunk `c` of stage `s` is virtual stage `c·p + s` (Megatron's
//! interleaved assignment), so a micro-batch's forward visits stage 0, 1, …, p−1, 0, 1, … and its
//! backward the reverse. Micro-batches and chunks are numbered from 0.

use std::fmt;
use std::str::FromStr;

use super::timeline::{Interval, Timeline};

/// A pipeline schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduleKind {
    /// GPipe (Huang et al. 2019): every forward, then every backward, in micro-batch order.
    GPipe,
    /// 1F1B, a.k.a. PipeDream-flush, Megatron's non-interleaved schedule (Narayanan et al. 2021).
    OneF1B,
    /// Megatron's interleaved 1F1B with `v` chunks per stage (Narayanan et al. 2021).
    Interleaved,
    /// ZB-H1 of "Zero Bubble Pipeline Parallelism" (Qi et al. 2023): 1F1B with the backward split
    /// into its input-gradient and weight-gradient parts and the latter deferred.
    ZbH1,
}

impl ScheduleKind {
    /// Every schedule, in the order the CLI lists them.
    pub const ALL: [ScheduleKind; 4] =
        [ScheduleKind::GPipe, ScheduleKind::OneF1B, ScheduleKind::Interleaved, ScheduleKind::ZbH1];

    /// Parses the CLI name: `gpipe`, `1f1b`, `interleaved` or `zb-h1`.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        ScheduleKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| ScheduleError::UnknownKind(s.to_string()))
    }

    /// The CLI name (the inverse of [`parse`](Self::parse)).
    pub fn name(self) -> &'static str {
        match self {
            ScheduleKind::GPipe => "gpipe",
            ScheduleKind::OneF1B => "1f1b",
            ScheduleKind::Interleaved => "interleaved",
            ScheduleKind::ZbH1 => "zb-h1",
        }
    }
}

impl fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScheduleKind {
    type Err = ScheduleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScheduleKind::parse(s)
    }
}

/// One unit of work a stage executes: a pass of one micro-batch `mb` through one of the stage's
/// chunks `chunk` (0 unless interleaved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Forward pass; afterwards the stage holds the micro-batch's activations.
    Forward {
        /// Micro-batch index.
        mb: usize,
        /// Chunk index on this stage.
        chunk: usize,
    },
    /// Full backward pass: input gradient and weight gradient together.
    Backward {
        /// Micro-batch index.
        mb: usize,
        /// Chunk index on this stage.
        chunk: usize,
    },
    /// Input-gradient part of the backward ("B" in Qi et al.): what the previous stage waits for.
    BackwardInput {
        /// Micro-batch index.
        mb: usize,
        /// Chunk index on this stage.
        chunk: usize,
    },
    /// Weight-gradient part of the backward ("W" in Qi et al.): nothing waits for it but the
    /// optimizer step.
    BackwardWeight {
        /// Micro-batch index.
        mb: usize,
        /// Chunk index on this stage.
        chunk: usize,
    },
}

impl Action {
    /// The micro-batch.
    pub fn mb(self) -> usize {
        match self {
            Action::Forward { mb, .. }
            | Action::Backward { mb, .. }
            | Action::BackwardInput { mb, .. }
            | Action::BackwardWeight { mb, .. } => mb,
        }
    }

    /// The chunk on the executing stage.
    pub fn chunk(self) -> usize {
        match self {
            Action::Forward { chunk, .. }
            | Action::Backward { chunk, .. }
            | Action::BackwardInput { chunk, .. }
            | Action::BackwardWeight { chunk, .. } => chunk,
        }
    }

    /// `F`, `B` (full or input-gradient backward) or `W`.
    pub fn letter(self) -> char {
        match self {
            Action::Forward { .. } => 'F',
            Action::Backward { .. } | Action::BackwardInput { .. } => 'B',
            Action::BackwardWeight { .. } => 'W',
        }
    }

    /// `forward`, `backward`, `backward_input` or `backward_weight`.
    pub fn kind_name(self) -> &'static str {
        match self {
            Action::Forward { .. } => "forward",
            Action::Backward { .. } => "backward",
            Action::BackwardInput { .. } => "backward_input",
            Action::BackwardWeight { .. } => "backward_weight",
        }
    }

    /// Short label: `F3`, `B3`, `W3`; with `.c<chunk>` appended when `chunks` > 1 (`F3.c1`).
    pub fn label(self, chunks: usize) -> String {
        if chunks > 1 {
            format!("{}{}.c{}", self.letter(), self.mb(), self.chunk())
        } else {
            format!("{}{}", self.letter(), self.mb())
        }
    }

    /// Whether this action frees the micro-batch's activations for the previous virtual stage,
    /// i.e. it is the full backward or its input-gradient part.
    pub fn is_input_grad(self) -> bool {
        matches!(self, Action::Backward { .. } | Action::BackwardInput { .. })
    }

    /// Dense index among all `4·m·v` possible actions of one stage.
    fn index(self, m: usize, v: usize) -> usize {
        let kind = match self {
            Action::Forward { .. } => 0,
            Action::Backward { .. } => 1,
            Action::BackwardInput { .. } => 2,
            Action::BackwardWeight { .. } => 3,
        };
        (kind * m + self.mb()) * v + self.chunk()
    }
}

/// Cost of each kind of pass for one micro-batch through a whole stage, in arbitrary units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitCosts {
    /// Forward pass.
    pub forward: f64,
    /// Input-gradient part of the backward.
    pub backward_input: f64,
    /// Weight-gradient part of the backward.
    pub backward_weight: f64,
}

impl UnitCosts {
    /// Cost of `action` when a stage is split into `v` equal chunks: a full [`Action::Backward`]
    /// costs `backward_input + backward_weight`, and every cost is divided by `v`.
    pub fn cost(&self, action: Action, v: usize) -> f64 {
        let c = match action {
            Action::Forward { .. } => self.forward,
            Action::Backward { .. } => self.backward_input + self.backward_weight,
            Action::BackwardInput { .. } => self.backward_input,
            Action::BackwardWeight { .. } => self.backward_weight,
        };
        c / v as f64
    }
}

/// Why a schedule could not be built or simulated. `Display` gives a full sentence with the fix.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleError {
    /// The schedule name is not one of [`ScheduleKind::ALL`].
    UnknownKind(String),
    /// `p` = 0.
    NoStages,
    /// `m` = 0.
    NoMicrobatches,
    /// `v` = 0.
    NoChunks,
    /// The stage asked for is not below `p`.
    StageOutOfRange {
        /// The stage asked for.
        stage: usize,
        /// `p`.
        stages: usize,
    },
    /// `v` > 1 with a schedule other than [`ScheduleKind::Interleaved`].
    ChunksUnsupported {
        /// The schedule.
        kind: ScheduleKind,
        /// `v`.
        chunks: usize,
    },
    /// The interleaved schedule needs `m` to be a multiple of `p`.
    MicrobatchesNotMultiple {
        /// `m`.
        microbatches: usize,
        /// `p`.
        stages: usize,
    },
    /// A cost is negative or not finite.
    BadCost {
        /// Which field of [`UnitCosts`].
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// [`simulate_lists`] got no action lists.
    NoLists,
    /// An action list names a micro-batch ≥ `m` or a chunk ≥ `v`.
    ActionOutOfRange {
        /// The stage whose list holds it.
        stage: usize,
        /// The action's label.
        action: String,
        /// `m`.
        microbatches: usize,
        /// `v`.
        chunks: usize,
    },
    /// An action list holds the same action twice.
    DuplicateAction {
        /// The stage whose list holds it.
        stage: usize,
        /// The action's label.
        action: String,
    },
    /// No stage can start its next action. The stage reported is one whose next action waits on
    /// an action no list holds, if any, else the lowest-numbered stage with actions left.
    Deadlock {
        /// The stage that cannot go on.
        stage: usize,
        /// Its next action's label.
        action: String,
        /// The stage running the action it waits on.
        waits_on_stage: usize,
        /// The label of the action it waits on.
        waits_on: String,
        /// Whether `waits_on` is absent from that stage's list altogether (so it never runs).
        missing: bool,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownKind(s) => {
                let names: Vec<&str> = ScheduleKind::ALL.iter().map(|k| k.name()).collect();
                write!(f, "unknown pipeline schedule `{s}`: use one of {}", names.join(", "))
            }
            ScheduleError::NoStages => write!(f, "a pipeline needs at least 1 stage: set the number of stages to 1 or more"),
            ScheduleError::NoMicrobatches => {
                write!(f, "a pipeline needs at least 1 micro-batch per step: set the number of micro-batches to 1 or more")
            }
            ScheduleError::NoChunks => {
                write!(f, "each stage needs at least 1 chunk: set the number of virtual chunks per stage to 1 or more")
            }
            ScheduleError::StageOutOfRange { stage, stages } => {
                write!(f, "stage {stage} does not exist in a pipeline of {stages} stages: stages are numbered 0 to {}", stages.saturating_sub(1))
            }
            ScheduleError::ChunksUnsupported { kind, chunks } => write!(
                f,
                "the {kind} schedule runs 1 chunk per stage, but {chunks} virtual chunks were asked for: use the interleaved schedule or 1 chunk"
            ),
            ScheduleError::MicrobatchesNotMultiple { microbatches, stages } => {
                write!(
                    f,
                    "the interleaved schedule needs the number of micro-batches to be a multiple of the number of stages, but {microbatches} micro-batches on {stages} stages is not: use "
                )?;
                let (below, above) = (microbatches / stages * stages, microbatches.div_ceil(*stages) * stages);
                if below > 0 {
                    write!(f, "{below} or ")?;
                }
                write!(f, "{above} micro-batches")
            }
            ScheduleError::BadCost { field, value } => {
                write!(f, "the {field} cost is {value}: costs must be finite and not negative")
            }
            ScheduleError::NoLists => write!(f, "no action lists were given: pass one list per stage"),
            ScheduleError::ActionOutOfRange { stage, action, microbatches, chunks } => write!(
                f,
                "stage {stage} lists action {action}, outside {microbatches} micro-batches and {chunks} chunks: micro-batches and chunks are numbered from 0"
            ),
            ScheduleError::DuplicateAction { stage, action } => {
                write!(f, "stage {stage} lists action {action} twice: each action must appear once")
            }
            ScheduleError::Deadlock { stage, action, waits_on_stage, waits_on, missing } => {
                write!(f, "the pipeline schedule deadlocks: stage {stage} waits to run {action}, which needs {waits_on} of stage {waits_on_stage}")?;
                if *missing {
                    write!(f, ", and stage {waits_on_stage} never runs it: add it to that stage's list")
                } else {
                    write!(f, ", which never becomes ready: reorder the lists so every dependency runs first")
                }
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Checks `p`, `m` and `v` for `kind`.
fn check(kind: ScheduleKind, p: usize, m: usize, v: usize) -> Result<(), ScheduleError> {
    if p == 0 {
        return Err(ScheduleError::NoStages);
    }
    if m == 0 {
        return Err(ScheduleError::NoMicrobatches);
    }
    if v == 0 {
        return Err(ScheduleError::NoChunks);
    }
    if kind != ScheduleKind::Interleaved && v != 1 {
        return Err(ScheduleError::ChunksUnsupported { kind, chunks: v });
    }
    if kind == ScheduleKind::Interleaved && m % p != 0 {
        return Err(ScheduleError::MicrobatchesNotMultiple { microbatches: m, stages: p });
    }
    Ok(())
}

/// The ordered list of actions stage `stage` executes in one training step of schedule `kind`
/// with `p` stages, `m` micro-batches and `v` chunks per stage. A pure function of its arguments.
///
/// - **GPipe**: `F0 … F(m−1)` then `B0 … B(m−1)`. Backwards run in forward (FIFO) order, as in
///   PyTorch's `ScheduleGPipe`; with equal costs the reverse order has the same makespan. Stage 0
///   holds all `m` micro-batches' activations at the peak.
/// - **1F1B**: `w = min(p − stage − 1, m)` warm-up forwards, then `m − w` pairs `F(w+i) B(i)`,
///   then the `w` remaining backwards. Peak in-flight `min(p − stage, m)`.
/// - **Interleaved** (Megatron): the `m·v` (micro-batch, chunk) forwards are taken in groups of
///   `p` micro-batches: virtual forward `k` is micro-batch `(k / pv)·p + k mod p` on chunk
///   `(k mod pv) / p`; virtual backward `k` the same micro-batch on chunk `v − 1 − (k mod pv) / p`.
///   Warm-up `w = min(2·(p − stage − 1) + (v − 1)·p, m·v)` forwards, then `m·v − w` pairs
///   `F(w+i) B(i)`, then the remaining backwards. Needs `m` a multiple of `p`. Stage `s` holds up
///   to `min(2(p − s − 1) + (v − 1)·p + 1, m·v)` (micro-batch, chunk) pairs, on stage 0 at most
///   `p + (p − 1)/v` micro-batches' worth. Unlike old Megatron versions, `m = p` is not special-cased
///   to an all-forward warm-up (the simulated bubble is the same). With `v = 1` this is not 1F1B:
///   the doubled warm-up holds up to `2p − 1` micro-batches for the same bubble; use 1F1B there.
/// - **ZB-H1**: like 1F1B (same warm-up, so peak in-flight `min(p − stage, m)`), with each
///   backward split into `BackwardInput` and `BackwardWeight`; stage `s` runs `W(j)` right after
///   `B(j + s)` during the steady phase and the cool-down, and its last `s` weight gradients after
///   its last `B`, where they fill the cool-down bubble while the input gradients travel to the
///   stages in front. The last stage thus defers `p − 1` W's and stage 0 none; counting a
///   micro-batch until its W, every stage still holds at most `min(p, m)`. For `m ≥ p` the bubble
///   is Qi et al.'s `(p − 1)(T_F + T_B − T_W)` when `T_W ≤ min(T_F, T_B)` (and
///   `(p − 1)·max(T_F, T_B)` otherwise); for `m < p` it is larger (with `T_F = T_B = T_W = 1` the
///   makespan is `2p + 2m − 1`: the first micro-batch's round trip, then stage 0's B's and W's).
///
/// `v` must be 1 for every schedule but `Interleaved`; `p`, `m`, `v` ≥ 1; `stage` < `p`.
pub fn schedule(kind: ScheduleKind, p: usize, m: usize, v: usize, stage: usize) -> Result<Vec<Action>, ScheduleError> {
    check(kind, p, m, v)?;
    if stage >= p {
        return Err(ScheduleError::StageOutOfRange { stage, stages: p });
    }
    let f = |mb| Action::Forward { mb, chunk: 0 };
    let b = |mb| Action::Backward { mb, chunk: 0 };
    let mut out = Vec::with_capacity(3 * m * v);
    match kind {
        ScheduleKind::GPipe => {
            out.extend((0..m).map(f));
            out.extend((0..m).map(b));
        }
        ScheduleKind::OneF1B => {
            let w = (p - stage - 1).min(m);
            out.extend((0..w).map(f));
            for i in 0..m - w {
                out.push(f(w + i));
                out.push(b(i));
            }
            out.extend((m - w..m).map(b));
        }
        ScheduleKind::Interleaved => {
            let total = m * v;
            let group = p * v;
            let mb_of = |k: usize| (k / group) * p + k % p;
            let fwd = |k: usize| Action::Forward { mb: mb_of(k), chunk: (k % group) / p };
            let bwd = |k: usize| Action::Backward { mb: mb_of(k), chunk: v - 1 - (k % group) / p };
            let w = ((p - stage - 1) * 2 + (v - 1) * p).min(total);
            out.extend((0..w).map(fwd));
            for i in 0..total - w {
                out.push(fwd(w + i));
                out.push(bwd(i));
            }
            out.extend((total - w..total).map(bwd));
        }
        ScheduleKind::ZbH1 => {
            let bi = |mb| Action::BackwardInput { mb, chunk: 0 };
            let bw = |mb| Action::BackwardWeight { mb, chunk: 0 };
            // Stage s runs s input-gradient backwards ahead of its weight-gradient backwards.
            let lag = stage;
            let w = (p - stage - 1).min(m);
            out.extend((0..w).map(f));
            let mut next_w = 0;
            let mut push_b = |out: &mut Vec<Action>, i: usize| {
                out.push(bi(i));
                if i >= lag {
                    out.push(bw(next_w));
                    next_w += 1;
                }
            };
            for i in 0..m - w {
                out.push(f(w + i));
                push_b(&mut out, i);
            }
            for i in m - w..m {
                push_b(&mut out, i);
            }
            out.extend((next_w..m).map(bw));
        }
    }
    Ok(out)
}

/// Simulates one training step of schedule `kind` on all `p` stages together
/// (see [`simulate_lists`] for the execution model).
pub fn simulate(kind: ScheduleKind, p: usize, m: usize, v: usize, costs: UnitCosts) -> Result<Timeline, ScheduleError> {
    check(kind, p, m, v)?;
    let lists = (0..p).map(|s| schedule(kind, p, m, v, s)).collect::<Result<Vec<_>, _>>()?;
    simulate_lists(&lists, m, v, costs)
}

/// Simulates arbitrary per-stage action lists (`lists[s]` for stage `s`, so `p = lists.len()`).
///
/// Each stage runs its list strictly in order, one action at a time, each as soon as the stage is
/// free and the action's dependencies have ended; communication is free. With virtual stage
/// `u = chunk·p + stage` and `P = p·v` virtual stages, the dependencies are:
/// - forward of (mb, u) needs the forward of (mb, u − 1) when u > 0;
/// - a backward or input-gradient backward of (mb, u) needs the forward of (mb, u) and, when
///   u < P − 1, the backward or input-gradient backward of (mb, u + 1);
/// - a weight-gradient backward of (mb, u) needs the input-gradient backward of (mb, u).
///
/// Action costs come from [`UnitCosts::cost`] (divided by `v`). Returns
/// [`ScheduleError::Deadlock`] when some stage has actions left but no stage can start its next
/// one.
pub fn simulate_lists(lists: &[Vec<Action>], m: usize, v: usize, costs: UnitCosts) -> Result<Timeline, ScheduleError> {
    let p = lists.len();
    if p == 0 {
        return Err(ScheduleError::NoLists);
    }
    if v == 0 {
        return Err(ScheduleError::NoChunks);
    }
    for (field, value) in [
        ("forward", costs.forward),
        ("backward_input", costs.backward_input),
        ("backward_weight", costs.backward_weight),
    ] {
        if !value.is_finite() || value < 0.0 {
            return Err(ScheduleError::BadCost { field, value });
        }
    }
    let slots = 4 * m * v;
    // listed[s][idx]: whether stage s lists the action; end[s][idx]: its end time once run.
    let mut listed = vec![vec![false; slots]; p];
    for (s, list) in lists.iter().enumerate() {
        for &a in list {
            if a.mb() >= m || a.chunk() >= v {
                return Err(ScheduleError::ActionOutOfRange {
                    stage: s,
                    action: a.label(v),
                    microbatches: m,
                    chunks: v,
                });
            }
            let idx = a.index(m, v);
            if listed[s][idx] {
                return Err(ScheduleError::DuplicateAction { stage: s, action: a.label(v) });
            }
            listed[s][idx] = true;
        }
    }
    let mut end: Vec<Vec<Option<f64>>> = vec![vec![None; slots]; p];
    let virt = p * v;
    // The dependencies of action `a` on stage `s`, as (stage, candidate actions): the first
    // candidate the stage lists is the one waited on.
    let deps = |s: usize, a: Action| -> Vec<(usize, [Action; 2])> {
        let (mb, chunk) = (a.mb(), a.chunk());
        let u = chunk * p + s;
        let at = |u: usize| (u % p, u / p);
        let mut d = Vec::with_capacity(2);
        match a {
            Action::Forward { .. } => {
                if u > 0 {
                    let (ps, pc) = at(u - 1);
                    let fw = Action::Forward { mb, chunk: pc };
                    d.push((ps, [fw, fw]));
                }
            }
            Action::Backward { .. } | Action::BackwardInput { .. } => {
                let fw = Action::Forward { mb, chunk };
                d.push((s, [fw, fw]));
                if u + 1 < virt {
                    let (ns, nc) = at(u + 1);
                    d.push((ns, [Action::Backward { mb, chunk: nc }, Action::BackwardInput { mb, chunk: nc }]));
                }
            }
            Action::BackwardWeight { .. } => {
                let bi = Action::BackwardInput { mb, chunk };
                d.push((s, [bi, bi]));
            }
        }
        d
    };
    let mut next = vec![0usize; p];
    let mut free = vec![0.0f64; p];
    let mut intervals: Vec<Vec<Interval>> = lists.iter().map(|l| Vec::with_capacity(l.len())).collect();
    loop {
        let mut progressed = false;
        for s in 0..p {
            'stage: while let Some(&a) = lists[s].get(next[s]) {
                let mut ready = free[s];
                for (ds, cands) in deps(s, a) {
                    let done = cands.iter().find_map(|c| end[ds][c.index(m, v)]);
                    match done {
                        Some(t) => ready = ready.max(t),
                        None => break 'stage,
                    }
                }
                let e = ready + costs.cost(a, v);
                end[s][a.index(m, v)] = Some(e);
                intervals[s].push(Interval { start: ready, end: e, action: a });
                free[s] = e;
                next[s] += 1;
                progressed = true;
            }
        }
        if (0..p).all(|s| next[s] == lists[s].len()) {
            break;
        }
        if !progressed {
            // Every stuck stage with what it waits on; report one waiting on an action no list
            // holds if there is one (the root cause), else the lowest-numbered stuck stage.
            let stuck: Vec<ScheduleError> = (0..p)
                .filter(|&s| next[s] < lists[s].len())
                .map(|s| {
                    let a = lists[s][next[s]];
                    let (ds, cands) = deps(s, a)
                        .into_iter()
                        .find(|(ds, cands)| cands.iter().all(|c| end[*ds][c.index(m, v)].is_none()))
                        .expect("a stuck action has an unmet dependency");
                    let present = cands.iter().find(|c| listed[ds][c.index(m, v)]);
                    ScheduleError::Deadlock {
                        stage: s,
                        action: a.label(v),
                        waits_on_stage: ds,
                        waits_on: present.unwrap_or(&cands[0]).label(v),
                        missing: present.is_none(),
                    }
                })
                .collect();
            let root = stuck.iter().position(|e| matches!(e, ScheduleError::Deadlock { missing: true, .. }));
            return Err(stuck.into_iter().nth(root.unwrap_or(0)).expect("some stage has actions left"));
        }
    }
    let makespan = free.iter().copied().fold(0.0, f64::max);
    let idle = (0..p).map(|s| makespan - intervals[s].iter().map(|i| i.end - i.start).sum::<f64>()).collect();
    let peak_in_flight: Vec<usize> = lists
        .iter()
        .map(|list| {
            let (mut cur, mut peak) = (0usize, 0usize);
            for a in list {
                match a {
                    Action::Forward { .. } => {
                        cur += 1;
                        peak = peak.max(cur);
                    }
                    a if a.is_input_grad() => cur = cur.saturating_sub(1),
                    _ => {}
                }
            }
            peak
        })
        .collect();
    let peak_in_flight_microbatches = peak_in_flight.iter().map(|&n| n as f64 / v as f64).collect();
    Ok(Timeline {
        stages: p,
        microbatches: m,
        chunks: v,
        intervals,
        makespan,
        idle,
        peak_in_flight,
        peak_in_flight_microbatches,
    })
}
