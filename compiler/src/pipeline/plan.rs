//! The pipeline section of `plan.json` for a mesh with `pp > 1`: which layers each stage runs,
//! the schedule's bubble and in-flight micro-batches, and each stage's activation memory as the
//! schedule makes it.
//!
//! Layers are split by estimated cost: a transformer layer's forward and backward FLOPs
//! (`72·b·s·h² + 12·b·s²·h`, Korthikanti et al. 2022, counted per layer), with the embedding on the
//! first stage and the LM head (`6·b·s·h·V` for its matmul, forward and backward) added to the
//! last layer's cost, since it runs on the last stage. `--stages 8,8,7,7` fixes the split instead.
//!
//! Activation memory per stage is `peak in-flight micro-batches × layers × per-layer bytes`, where
//! the per-layer bytes are parc's own: the difference of the static memory plans of the model with
//! 2 and with 1 layer on one stage of the same tensor-parallel width (what a rank saves for the
//! backward of one layer and one micro-batch).

use serde::Serialize;

use super::schedule::{simulate, ScheduleError, ScheduleKind, UnitCosts};
use super::stages::{fixed_split, partition_layers, stage_chunks, StageError};
use crate::frontend::ModelSpec;
use crate::mesh::Mesh;

/// How the pipeline is scheduled (`--schedule`, `--chunks`, `--stages`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleOptions {
    pub kind: ScheduleKind,
    /// Virtual chunks per stage (interleaved only).
    pub chunks: usize,
    /// Layers per stage, fixed by the user.
    pub stages: Option<Vec<usize>>,
}

impl Default for ScheduleOptions {
    fn default() -> Self {
        ScheduleOptions { kind: ScheduleKind::OneF1B, chunks: 1, stages: None }
    }
}

/// One pipeline stage in `plan.json`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct StageSummary {
    pub stage: usize,
    /// Layer ranges `[start, end)`, one per virtual chunk, in chunk order.
    pub layers: Vec<[usize; 2]>,
    pub embedding: bool,
    pub head: bool,
    /// Estimated cost of the stage's layers (FLOPs of forward and backward per micro-batch).
    pub flops: f64,
    /// The most micro-batches whose activations the stage holds at once (chunk pairs / chunks).
    pub peak_in_flight: f64,
    /// `peak_in_flight × layers × activation_bytes_per_layer`.
    pub activation_bytes: u64,
    /// The stage's rank program (every rank of the stage runs it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub program: String,
    /// The program's memory by category (exact, from its static plan). The program recomputes a
    /// chunk's forward in its backward, so it holds only the stage's inputs between them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<crate::plan::MemorySummary>,
    /// Bytes the stage's ranks send per step, by collective and axis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<crate::plan::CommSummary>,
}

/// The pipeline section of `plan.json`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct PipelineSummary {
    pub schedule: &'static str,
    pub stages: usize,
    pub chunks: usize,
    /// Micro-batches per step on each data-parallel rank.
    pub microbatches: usize,
    /// Idle time of the slowest stage over the ideal, from the schedule's simulation with unit
    /// costs (forward 1, backward 2; ZB-H1 input and weight gradient 1 each).
    pub bubble_fraction: f64,
    /// The textbook bubble: (p−1)/m for GPipe and 1F1B, (p−1)/(v·m) interleaved,
    /// (p−1)·(F+B−W)/(m·(F+B+W)) for ZB-H1.
    pub bubble_formula: f64,
    /// What one rank saves for the backward of one layer and one micro-batch (parc's static plan).
    pub activation_bytes_per_layer: u64,
    pub per_stage: Vec<StageSummary>,
}

/// Why a pipeline cannot be planned.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineError {
    Stage(StageError),
    Schedule(ScheduleError),
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::Stage(e) => write!(f, "{e}"),
            PipelineError::Schedule(e) => write!(f, "{e}"),
        }
    }
}

/// FLOPs of one transformer layer's forward and backward for one micro-batch.
pub fn layer_flops(spec: &ModelSpec) -> f64 {
    let (b, s, h) = (spec.training.micro_batch as f64, spec.model.seq_len as f64, spec.model.hidden as f64);
    72.0 * b * s * h * h + 12.0 * b * s * s * h
}

/// The model's layers split into `pp · chunks` parts: part `c·pp + s` is chunk `c` of stage `s`.
pub fn parts(
    spec: &ModelSpec,
    mesh: &Mesh,
    opts: &ScheduleOptions,
) -> Result<Vec<std::ops::Range<usize>>, PipelineError> {
    let (p, v, layers) = (mesh.pp, opts.chunks, spec.model.layers);
    match &opts.stages {
        Some(sizes) => fixed_split(sizes, p, layers, v).map_err(PipelineError::Stage),
        None => {
            let head = 6.0
                * spec.training.micro_batch as f64
                * spec.model.seq_len as f64
                * spec.model.hidden as f64
                * spec.model.vocab as f64;
            let mut costs = vec![layer_flops(spec); layers];
            if let Some(last) = costs.last_mut() {
                *last += head;
            }
            partition_layers(&costs, p, v).map_err(PipelineError::Stage)
        }
    }
}

/// The plan of `spec`'s pipeline on `mesh` (which has `pp > 1`), given the per-layer activation
/// bytes of one rank.
pub fn plan(
    spec: &ModelSpec,
    mesh: &Mesh,
    opts: &ScheduleOptions,
    activation_bytes_per_layer: u64,
) -> Result<PipelineSummary, PipelineError> {
    let (p, v) = (mesh.pp, opts.chunks);
    let m = spec.training.global_batch / (spec.training.micro_batch * mesh.dp).max(1);
    let per_layer = layer_flops(spec);
    let head = 6.0
        * spec.training.micro_batch as f64
        * spec.model.seq_len as f64
        * spec.model.hidden as f64
        * spec.model.vocab as f64;
    let parts = parts(spec, mesh, opts)?;
    let timeline = simulate(opts.kind, p, m, v, UnitCosts { forward: 1.0, backward_input: 1.0, backward_weight: 1.0 })
        .map_err(PipelineError::Schedule)?;
    let ideal = 3.0 * m as f64;
    let bubble_fraction = (timeline.makespan - ideal) / ideal;
    let bubble_formula = match opts.kind {
        ScheduleKind::GPipe | ScheduleKind::OneF1B => (p - 1) as f64 / m as f64,
        ScheduleKind::Interleaved => (p - 1) as f64 / (v * m) as f64,
        // (p−1)(T_F + T_B − T_W) over m·(T_F + T_B + T_W), unit costs.
        ScheduleKind::ZbH1 => (p - 1) as f64 / (3.0 * m as f64),
    };
    let per_stage = (0..p)
        .map(|s| {
            let chunks = stage_chunks(&parts, p, s);
            let n_layers: usize = chunks.iter().map(|r| r.len()).sum();
            // The last part (chunk v − 1 of stage p − 1) ends with the last layer and the head.
            let head_here = s == p - 1;
            let peak = timeline.peak_in_flight_microbatches[s];
            StageSummary {
                stage: s,
                layers: chunks.iter().map(|r| [r.start, r.end]).collect(),
                embedding: s == 0,
                head: head_here,
                flops: n_layers as f64 * per_layer + if head_here { head } else { 0.0 },
                peak_in_flight: peak,
                activation_bytes: (peak * n_layers as f64 * activation_bytes_per_layer as f64).round() as u64,
                program: String::new(),
                memory: None,
                communication: Vec::new(),
            }
        })
        .collect();
    Ok(PipelineSummary {
        schedule: opts.kind.name(),
        stages: p,
        chunks: v,
        microbatches: m,
        bubble_fraction,
        bubble_formula,
        activation_bytes_per_layer,
        per_stage,
    })
}
