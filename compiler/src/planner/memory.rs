//! The planner's memory model: each pipeline stage's static plan, read from compiled probes and
//! extended to the layout's layer counts.
//!
//! A rank's arena is its persistent tensors plus its transient region, the largest greedy plan
//! of any of its functions ([`crate::passes::memory_plan`]). Every quantity in it is, for a model
//! of uniform layers, linear in the number of layers a stage or a chunk holds: parameters,
//! gradients, optimizer state and their ZeRO shards grow per layer; a stash slot holds what each
//! of the chunk's layers saves; an unpipelined step's forward-backward function keeps each
//! layer's saved values; a chunk's functions and the optimizer's work grow or stay flat. What
//! the embedding, the head and the pipeline's buffers add is the same for every layer count.
//!
//! So the planner compiles the layout itself (same dp, tp, ep, ZeRO stage, sequence
//! parallelism, micro-batch, recomputation and schedule family) with one to four layers per
//! stage — a *probe*, on at most three pipeline stages (the first, a middle and the last) — and
//! reads from every probe stage program its persistent tensors by kind (the stage's own; each
//! chunk's pipeline buffers; one stash slot of saved activations and of ZB-H1's gradients) and
//! each function's transient size. The layer counts give a line per quantity and stage role
//! (measured up to four layers, extended along the last segment: few layers can peak at another
//! op than many do, and the greedy placement settles after two or three). A
//! stage of the real layout adds its role's stage-level lines at its layer count, each chunk's
//! lines at the chunk's layer count, stash slots times the in-flight micro-batches of the
//! schedule (the same count the pipeline's lowering allocates), and takes the largest function.
//!
//! Without pipeline stages the step's forward-backward function peaks either in the working set
//! of the first layers or with every layer's saved values, whichever is larger, and its greedy
//! placement has a knee that can lie past any small probe; that program is compiled at the
//! model's own layer count (with at most two micro-batches, which the arena does not depend on).
//!
//! A mixture-of-experts model whose MoE layers come every `every` layers is probed with one to
//! four such periods per stage; a stage or chunk whose layer count is not a multiple of the period
//! is read off the line, which is exact only on average over its dense and MoE layers.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::frontend::ModelSpec;
use crate::mesh::Mesh;
use crate::passes::memory_plan::{function_sizes, persistent_entries};
use crate::pipeline::{stage_chunks, ScheduleKind, ScheduleOptions};

use super::{Layout, MemoryEstimate, Stages};

/// The part of a model a probe stage stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    /// The whole model, without pipeline stages.
    Only,
    /// The embedding and layers.
    First,
    /// Layers only.
    Middle,
    /// Layers, the final norm and the head.
    Last,
}

/// How many layer counts a probe compiles: one to [`PROBE_PERIODS`] periods per stage.
pub const PROBE_PERIODS: usize = 4;

/// Bytes as a function of a layer count: measured at one to [`PROBE_PERIODS`] periods of `u`
/// layers, interpolated between them and extended along the last segment. Few layers can peak
/// at another op than many do (the greedy placement of a function's buffers settles after two or
/// three layers), so the line is drawn through the longest probes.
#[derive(Clone, Debug, Default)]
struct Line {
    u: usize,
    points: Vec<u64>,
}

impl Line {
    fn at(&self, n: usize) -> u64 {
        let k = self.points.len();
        let y = |i: usize| self.points[i] as f64;
        // Segment i runs from (i + 1)·u to (i + 2)·u layers.
        let x = n as f64 / self.u as f64 - 1.0;
        let i = (x.floor().max(0.0) as usize).min(k - 2);
        let v = y(i) + (x - i as f64) * (y(i + 1) - y(i));
        v.round().max(0.0) as u64
    }
}

/// What one probe stage program holds, in bytes.
#[derive(Clone, Debug, Default)]
struct Facts {
    parameters: u64,
    gradients: u64,
    optimizer_state: u64,
    /// Persistent tensors (aligned) that are neither a chunk's buffers nor the stash.
    fixed: u64,
    /// The functions that run once per step (the step, the optimizer, an unpipelined
    /// forward-backward): transient bytes by name.
    step_fns: BTreeMap<String, u64>,
    /// Chunk 0's pipeline buffers (`x_in.c0`, `dy_out.c0`, …).
    io: u64,
    /// Chunk 0's first stash slot of saved activations.
    slot: u64,
    /// Chunk 0's first stash slot of ZB-H1's kept gradients.
    wslot: u64,
    /// The two slots without alignment (as the plan's `stash` category counts them).
    slot_raw: u64,
    wslot_raw: u64,
    /// Chunk 0's functions, by name without the `_c0`.
    chunk_fns: BTreeMap<String, u64>,
}

fn facts_of(module: &parc_dialects::ir::Module) -> Result<Facts, String> {
    let mut f = Facts::default();
    let summary = crate::plan::memory_summary(module).ok_or("a probe without a memory plan")?;
    (f.parameters, f.gradients, f.optimizer_state) = (summary.parameters, summary.gradients, summary.optimizer_state);
    for (name, _, bytes, raw) in persistent_entries(module)? {
        if name.starts_with("stash.w.c0.s0.") {
            f.wslot += bytes;
            f.wslot_raw += raw;
        } else if name.starts_with("stash.c0.s0.") {
            f.slot += bytes;
            f.slot_raw += raw;
        } else if name.starts_with("stash.") {
            // The other slots repeat slot 0; the estimate multiplies it by the real schedule's.
        } else if name.ends_with(".c0") {
            f.io += bytes;
        } else {
            f.fixed += bytes;
        }
    }
    for (name, size) in function_sizes(module)? {
        match name.strip_suffix("_c0") {
            Some(base) => f.chunk_fns.insert(base.to_string(), size),
            None => f.step_fns.insert(name, size),
        };
    }
    Ok(f)
}

/// One stage role's lines.
#[derive(Clone, Debug, Default)]
struct Lines {
    parameters: Line,
    gradients: Line,
    optimizer_state: Line,
    fixed: Line,
    step_fns: BTreeMap<String, Line>,
    io: Line,
    slot: Line,
    wslot: Line,
    slot_raw: Line,
    wslot_raw: Line,
    chunk_fns: BTreeMap<String, Line>,
}

/// The lines of one role from its probe stages with one to [`PROBE_PERIODS`] periods of `u`.
fn lines_of(u: usize, f: &[&Facts]) -> Lines {
    let l = |g: &dyn Fn(&Facts) -> u64| Line { u, points: f.iter().map(|x| g(x)).collect() };
    let map = |g: &dyn Fn(&Facts) -> &BTreeMap<String, u64>| {
        g(f[0])
            .keys()
            .map(|k| (k.clone(), l(&|x: &Facts| g(x).get(k).copied().unwrap_or(0))))
            .collect::<BTreeMap<_, _>>()
    };
    Lines {
        parameters: l(&|x| x.parameters),
        gradients: l(&|x| x.gradients),
        optimizer_state: l(&|x| x.optimizer_state),
        fixed: l(&|x| x.fixed),
        step_fns: map(&|x| &x.step_fns),
        io: l(&|x| x.io),
        slot: l(&|x| x.slot),
        wslot: l(&|x| x.wslot),
        slot_raw: l(&|x| x.slot_raw),
        wslot_raw: l(&|x| x.wslot_raw),
        chunk_fns: map(&|x| &x.chunk_fns),
    }
}

/// The probes of a layout family: lines for each role present.
struct Probed {
    roles: Vec<(Role, Lines)>,
}

impl Probed {
    fn role(&self, r: Role) -> Result<&Lines, String> {
        self.roles.iter().find(|(x, _)| *x == r).map(|(_, l)| l).ok_or_else(|| format!("no {r:?} probe"))
    }
}

/// What the probe of a layout depends on: dp, tp, ep, ZeRO, sequence parallelism, micro-batch,
/// recomputation, pipeline stages probed (1, 2 or 3), ZB-H1 or not, and the micro-batches
/// of an unpipelined step (1 or 2).
type ProbeKey = (usize, usize, usize, u8, bool, usize, &'static str, usize, bool, usize);

/// The layers of one probe period: one layer, or a mixture-of-experts model's `every`.
pub(super) fn period(spec: &ModelSpec) -> usize {
    spec.model.moe.as_ref().map_or(1, |m| m.every.max(1))
}

/// The probe key of a layout whose real step runs `microbatches` micro-batches per replica.
fn probe_key(l: &Layout, microbatches: usize) -> ProbeKey {
    let stages = if l.pp == 1 {
        1
    } else if l.pp == 2 && l.chunks == 1 {
        2
    } else {
        3
    };
    let zb = l.pp > 1 && l.schedule == ScheduleKind::ZbH1.name();
    let steps = if l.pp == 1 { microbatches.min(2) } else { 0 };
    (l.dp, l.tp, l.ep, l.zero, l.sequence_parallel, l.micro_batch, l.recompute, stages, zb, steps)
}

/// Compiles the probes of `key` for `spec` (already set to the layout's training settings).
fn probe(spec: &ModelSpec, l: &Layout, key: ProbeKey) -> Result<Probed, String> {
    let (dp, tp, ep, _, _, mb, _, stages, zb, steps) = key;
    let u = period(spec);
    let compile = |per_stage: usize| -> Result<Vec<Facts>, String> {
        let mut s = spec.clone();
        s.model.layers = per_stage * stages;
        let microbatches = if stages == 1 { steps } else { stages };
        s.training.global_batch = microbatches * mb * dp;
        let kind = if zb { ScheduleKind::ZbH1 } else { ScheduleKind::OneF1B };
        let opts = crate::driver::CompileOptions {
            mesh: Mesh::new(dp, stages, tp, ep)?,
            training: crate::driver::TrainingOverrides {
                schedule: ScheduleOptions { kind, chunks: 1, stages: (stages > 1).then(|| vec![per_stage; stages]) },
                ..Default::default()
            },
            pipeline: Default::default(),
        };
        let out = crate::driver::compile_spec(s, &opts, std::time::Instant::now()).map_err(|e| {
            format!("the planner's memory probe of {} ({per_stage} layers per stage) did not compile: {e}", l.flags())
        })?;
        let modules = if out.stages.is_empty() { std::slice::from_ref(&out.module) } else { &out.stages[..] };
        modules.iter().map(facts_of).collect()
    };
    // Without pipeline stages the step is one function whose peak is the larger of two regimes
    // (the working set of the first layers' backward, or every layer's saved values), with a knee
    // that can lie past any probe: that program is compiled at the model's own layer count.
    let (u, probes) = if stages == 1 {
        let only = compile(spec.model.layers)?;
        (spec.model.layers, vec![only.clone(), only])
    } else {
        (u, (1..=PROBE_PERIODS).map(|k| compile(k * u)).collect::<Result<Vec<_>, _>>()?)
    };
    let roles: &[Role] = match stages {
        1 => &[Role::Only],
        2 => &[Role::First, Role::Last],
        _ => &[Role::First, Role::Middle, Role::Last],
    };
    if let Some(p) = probes.iter().find(|p| p.len() != roles.len()) {
        return Err(format!("a memory probe on {stages} stages compiled to {} stage programs", p.len()));
    }
    Ok(Probed {
        roles: roles
            .iter()
            .enumerate()
            .map(|(i, &r)| (r, lines_of(u, &probes.iter().map(|p| &p[i]).collect::<Vec<_>>())))
            .collect(),
    })
}

/// The memory of each stage of layout `l` of `spec` from its probes.
fn estimate(spec: &ModelSpec, l: &Layout, st: &Stages, probed: &Probed) -> Result<Vec<MemoryEstimate>, String> {
    if l.pp == 1 {
        let lines = probed.role(Role::Only)?;
        let n = spec.model.layers;
        let fixed = lines.fixed.at(n);
        let transient = lines.step_fns.values().map(|f| f.at(n)).max().unwrap_or(0);
        return Ok(vec![MemoryEstimate {
            stage: 0,
            parameters: lines.parameters.at(n),
            gradients: lines.gradients.at(n),
            optimizer_state: lines.optimizer_state.at(n),
            stash: 0,
            transient,
            peak: fixed + transient,
        }]);
    }
    (0..l.pp)
        .map(|stage| {
            let chunks = stage_chunks(&st.ranges, l.pp, stage);
            let layers: usize = chunks.iter().map(|r| r.len()).sum();
            let role = match stage {
                0 => Role::First,
                s if s + 1 == l.pp => Role::Last,
                _ => Role::Middle,
            };
            let lines = probed.role(role)?;
            let mut fixed = lines.fixed.at(layers);
            let (mut stash, mut stash_raw) = (0, 0);
            let mut transient = lines.step_fns.values().map(|f| f.at(layers)).max().unwrap_or(0);
            for (c, r) in chunks.iter().enumerate() {
                let chunk_role = if stage == 0 && c == 0 {
                    Role::First
                } else if stage + 1 == l.pp && c + 1 == chunks.len() {
                    Role::Last
                } else {
                    Role::Middle
                };
                let cl = probed.role(chunk_role)?;
                let n = r.len();
                let (slots, wslots) = st.slots[stage][c];
                fixed += cl.io.at(n);
                stash += slots as u64 * cl.slot.at(n) + wslots as u64 * cl.wslot.at(n);
                stash_raw += slots as u64 * cl.slot_raw.at(n) + wslots as u64 * cl.wslot_raw.at(n);
                transient = transient.max(cl.chunk_fns.values().map(|f| f.at(n)).max().unwrap_or(0));
            }
            Ok(MemoryEstimate {
                stage,
                parameters: lines.parameters.at(layers),
                gradients: lines.gradients.at(layers),
                optimizer_state: lines.optimizer_state.at(layers),
                stash: stash_raw,
                transient,
                peak: fixed + stash + transient,
            })
        })
        .collect()
}

/// The probes of a layout, compiled once per key.
#[derive(Default)]
pub(super) struct ProbeCache {
    probes: std::collections::HashMap<ProbeKey, Rc<Probed>>,
}

impl ProbeCache {
    /// The memory of each stage of `l`; `spec` carries the layout's training settings.
    pub(super) fn memory(&mut self, spec: &ModelSpec, l: &Layout, st: &Stages) -> Result<Vec<MemoryEstimate>, String> {
        let key = probe_key(l, st.microbatches);
        let probed = match self.probes.get(&key) {
            Some(p) => p.clone(),
            None => {
                let p = Rc::new(probe(spec, l, key)?);
                self.probes.insert(key, p.clone());
                p
            }
        };
        estimate(spec, l, st, &probed)
    }
}
