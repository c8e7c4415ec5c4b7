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
//! the per-layer bytes are parc's own, read from the stage programs the compilation builds anyway
//! ([`saved_bytes_per_layer`]): the transient buffers one layer's forward writes that are still
//! live at the forward/backward boundary of its chunk's `@forward_backward`, as the memory plan
//! places them (what a rank saves for the backward of one layer and one micro-batch). That is the
//! increment of the static plan's `activations` per added layer: for GPT-3 175B on tp = 2 with
//! `recompute = "none"` the plans of the model with 2 and 3 layers differ by exactly this
//! (905,969,664 bytes; docs/activation-memory.md derives it). Taking the
//! plans of 2 and 1 layers instead (parc did, compiling the model twice more) overstates it
//! (1,459,617,792 bytes), because the 1-layer model's transient peak falls where nothing saved is
//! live; for the tiny models both give the same figure.

use parc_dialects::entity::SecondaryMap;

use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Function, Op, OpKind, Value};
use serde::Serialize;

use super::schedule::{simulate, ScheduleError, ScheduleKind, UnitCosts};
use super::stages::{fixed_split, partition_layers, stage_chunks, StageError};
use crate::frontend::ModelSpec;
use crate::mesh::Mesh;
use crate::passes::memory_plan::ALIGN;

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
    /// The program's memory by category (exact, from its static plan): `stash` holds what each
    /// in-flight micro-batch's backward reads, as the recompute policy leaves it.
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
    /// What one rank saves for the backward of one layer and one micro-batch (from the stage
    /// programs' buffers, [`saved_bytes_per_layer`]).
    pub activation_bytes_per_layer: u64,
    pub per_stage: Vec<StageSummary>,
}

impl PipelineSummary {
    /// Sets the per-layer activation bytes and each stage's `activation_bytes` from them.
    pub fn set_activation_bytes_per_layer(&mut self, bytes: u64) {
        self.activation_bytes_per_layer = bytes;
        for st in &mut self.per_stage {
            let layers: usize = st.layers.iter().map(|r| r[1] - r[0]).sum();
            st.activation_bytes = (st.peak_in_flight * layers as f64 * bytes as f64).round() as u64;
        }
    }
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

/// The bytes each layer's forward saves for the backward in `f`, a stage part's lowered
/// `@forward_backward` (exec dialect), as `(layer, bytes)` in program order.
///
/// A layer's forward ops run from the first op that reads one of its parameters (`layers.L.*`,
/// its first norm) up to the first op that reads a parameter of anything else (the next layer,
/// the final norm) or to the forward/backward boundary, the op that writes the loss or the part's
/// output activation, as the memory plan finds it. What the layer saves is every transient buffer
/// first written by one of those ops and still live at the boundary, each counted as the memory
/// plan places it (rounded up to [`ALIGN`]); gathered ZeRO-3 parameters are parameters, not
/// activations, and are left out. This is exact for the program: the same buffers, the same
/// liveness and the same alignment as `memory-plan`.
pub fn saved_bytes_per_layer(f: &Function) -> Vec<(usize, u64)> {
    let ops = &f.blocks[f.entry_block()].ops;
    let exec = |op: Op| match f.ops[op].kind {
        OpKind::Exec(k) => Some(k),
        _ => None,
    };
    // Root buffer of each memref value (an `exec.view`), and the name of each persistent one.
    let mut root: SecondaryMap<Value, Option<Op>> = SecondaryMap::new();
    let mut tensor: SecondaryMap<Value, Option<&str>> = SecondaryMap::new();
    let mut boundary_value = None;
    for &op in ops {
        let data = &f.ops[op];
        match exec(op) {
            Some(ExecOp::View) => {
                root.insert(data.results[0], op);
            }
            Some(ExecOp::Reshape) => {
                if let Some(&r) = root.get(data.operands[0]) {
                    root.insert(data.results[0], r);
                } else if let Some(&n) = tensor.get(data.operands[0]) {
                    tensor.insert(data.results[0], n);
                }
            }
            Some(ExecOp::Tensor) => {
                let name = data.attrs.str("name").unwrap_or("");
                if name == "loss" || name.starts_with("x_out.") {
                    boundary_value = Some(data.results[0]);
                }
                tensor.insert(data.results[0], name);
            }
            _ => {}
        }
    }
    // The model's parameters (transformer.rs names them); the other persistent tensors are the
    // step's inputs, outputs and gradients.
    let is_param = |name: &str| ["layers.", "embed.", "final_norm.", "lm_head."].iter().any(|p| name.starts_with(p));
    let is_buffer_op = |op: Op| matches!(exec(op), Some(ExecOp::View | ExecOp::Reshape | ExecOp::Tensor));
    let Some(boundary) =
        boundary_value.and_then(|b| ops.iter().position(|&op| !is_buffer_op(op) && f.ops[op].operands.contains(&b)))
    else {
        return Vec::new();
    };
    // First and last use of each transient buffer; the layer (if any) whose forward first uses it.
    let mut live: SecondaryMap<Op, Option<(usize, usize, Option<usize>)>> = SecondaryMap::new();
    let mut gathered: Vec<Op> = Vec::new();
    let mut layer: Option<usize> = None;
    for (i, &op) in ops.iter().enumerate().filter(|&(_, &op)| !is_buffer_op(op)) {
        let data = &f.ops[op];
        let named: Vec<&str> = data.operands.iter().filter_map(|&v| tensor.get(v).copied()).collect();
        if i <= boundary {
            for name in &named {
                let of_layer = name
                    .strip_prefix("layers.")
                    .and_then(|rest| rest.split('.').next())
                    .and_then(|l| l.parse::<usize>().ok());
                match of_layer {
                    Some(l) => layer = Some(l),
                    None if is_param(name) => layer = None,
                    None => {}
                }
            }
        }
        let param_gather = matches!(exec(op), Some(ExecOp::AllGather)) && named.iter().any(|n| is_param(n));
        for v in &data.operands {
            if let Some(&r) = root.get(*v) {
                let e = live.get_or_insert_with(r, || (i, i, if i <= boundary { layer } else { None }));
                e.1 = e.1.max(i);
                if param_gather && e.0 == i {
                    gathered.push(r);
                }
            }
        }
    }
    let mut out: Vec<(usize, u64)> = Vec::new();
    for &op in ops {
        let Some(&(start, end, Some(l))) = live.get(op) else { continue };
        if start <= boundary && boundary < end && !gathered.contains(&op) {
            let bytes = f.value_type(f.ops[op].results[0]).as_tensor().size_bytes().div_ceil(ALIGN) * ALIGN;
            match out.iter_mut().find(|(k, _)| *k == l) {
                Some(e) => e.1 += bytes,
                None => out.push((l, bytes)),
            }
        }
    }
    out
}
