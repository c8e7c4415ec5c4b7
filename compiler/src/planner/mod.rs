//! `parc plan`: search the parallel layouts of a model on a number of GPUs and rank them by
//! predicted step time.
//!
//! Compiling a plan takes from a tenth of a second to seconds, and a search visits thousands of
//! layouts, so the planner does not compile each layout: it evaluates them with a model of what
//! the compiler would produce, the same quantities the compiled plan reports.
//!
//! - **Memory** per pipeline stage, in two passes. The screen ([`estimate_memory`]): parameters,
//!   gradients and optimizer state counted exactly from the model's parameter table as the stage
//!   holds it (tensor- and expert-parallel layouts, ZeRO sharding); the stash from the per-layer
//!   saved bytes of docs/activation-memory.md times the schedule's in-flight micro-batches; the
//!   transient region estimated from its largest users. Then, for the fastest layouts, the
//!   stage's exact static plan from small compiled probes of the layout ([`memory`]).
//!   `tests/planner.rs` compares both with the compiled static plan on a grid of layouts.
//! - **Time** per micro-batch and stage ([`estimate_time`]): every GEMM of a layer, the head and
//!   their gradients by shape, the memory-bound kernels by the bytes they move, the tensor-,
//!   data- and pipeline-parallel collectives by size, all priced by the cost model's own
//!   functions ([`crate::cost::CostModel`]); then the schedule simulated with those costs, as
//!   [`crate::cost::predict`] does for a compiled plan. `tests/planner.rs` compares the estimate
//!   with the compiled plan's prediction.
//!
//! The search ([`search`]) enumerates dp·pp·tp = GPUs (tp at most the GPUs of a node), ep for a
//! MoE model, ZeRO 0–3, sequence parallelism, schedule and chunks, micro-batch and
//! recomputation, drops what the compiler would refuse or what does not fit, and sorts the rest
//! by step time, then by peak memory, then by the layout's text, so the order is deterministic.

use std::fmt;

use serde::Serialize;

mod memory;

use memory::{period, ProbeCache};

use crate::cost::{model_flops, CostModel, FreeParams};
use crate::frontend::{Activation, ModelSpec, Precision, Recompute};
use crate::hardware::GpuProfile;
use crate::mesh::{check_model, Mesh};
use crate::models::transformer::{param_names, part_has_param, Part, TpLayout};
use crate::pipeline::plan::parts;
use crate::pipeline::{schedule, simulate_lists, stage_chunks, Action, ScheduleKind, ScheduleOptions, UnitCosts};

/// One parallel layout of a training step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Layout {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    /// Expert parallelism, carved out of dp (1 for a dense model).
    pub ep: usize,
    pub zero: u8,
    pub sequence_parallel: bool,
    /// `none` without pipeline stages.
    pub schedule: &'static str,
    pub chunks: usize,
    pub micro_batch: usize,
    pub recompute: &'static str,
}

impl Layout {
    /// The mesh as `--mesh` takes it.
    pub fn mesh(&self) -> String {
        let ep = if self.ep > 1 { format!(",ep={}", self.ep) } else { String::new() };
        format!("dp={},pp={},tp={}{ep}", self.dp, self.pp, self.tp)
    }

    /// The pipeline schedule (1F1B, which an unpipelined step ignores, without stages).
    fn schedule_kind(&self) -> Result<ScheduleKind, String> {
        if self.pp > 1 {
            ScheduleKind::parse(self.schedule).map_err(|e| e.to_string())
        } else {
            Ok(ScheduleKind::OneF1B)
        }
    }

    /// The `parc compile` flags that build this layout, and its micro-batch.
    pub fn flags(&self) -> String {
        format!("{} (micro_batch = {})", self.compile_flags(), self.micro_batch)
    }

    /// The `parc compile` flags that build this layout (the micro-batch is the model file's).
    pub fn compile_flags(&self) -> String {
        let mut s = format!("--mesh {} --zero {} --recompute {}", self.mesh(), self.zero, self.recompute);
        if self.sequence_parallel {
            s.push_str(" --sequence-parallel");
        }
        if self.pp > 1 {
            s.push_str(&format!(" --schedule {}", self.schedule));
            if self.chunks > 1 {
                s.push_str(&format!(" --chunks {}", self.chunks));
            }
        }
        s
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.flags())
    }
}

/// The planner's memory estimate for one stage's ranks (the largest stage for a layout).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MemoryEstimate {
    pub stage: usize,
    pub parameters: u64,
    pub gradients: u64,
    pub optimizer_state: u64,
    pub stash: u64,
    pub transient: u64,
    pub peak: u64,
}

/// Where a predicted step goes, seconds on the slowest stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimeBreakdown {
    pub gemm_s: f64,
    pub other_kernels_s: f64,
    pub tp_comm_s: f64,
    /// Expert parallelism's all-to-alls (MoE models).
    pub ep_comm_s: f64,
    pub dp_comm_s: f64,
    pub pp_comm_s: f64,
    pub pp_bubble_s: f64,
    /// What the fitted pipeline efficiency adds to the chunk calls (docs/cost-model.md).
    pub pp_overhead_s: f64,
    pub optimizer_s: f64,
}

/// One evaluated layout: `parc plan --json` prints a list of these.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanRow {
    pub mesh: String,
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    pub ep: usize,
    pub zero: u8,
    pub sequence_parallel: bool,
    pub schedule: &'static str,
    pub chunks: usize,
    pub micro_batch: usize,
    pub recompute: &'static str,
    pub step_time_s: f64,
    pub tokens_per_s: f64,
    pub tflops_per_gpu: f64,
    pub mfu: f64,
    pub peak_memory_bytes: u64,
    pub memory: MemoryEstimate,
    /// Whether `memory` comes from the layout's compiled probes (the search probes its fastest
    /// layouts) or from the analytical screen.
    pub memory_probed: bool,
    pub breakdown: TimeBreakdown,
    /// With `parc plan --exact`: the compiled plan's exact peak and the cost model's prediction
    /// over its programs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled: Option<Compiled>,
}

/// What compiling a layout gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compiled {
    pub peak_memory_bytes: u64,
    pub fits: bool,
    pub step_time_s: f64,
    pub tflops_per_gpu: f64,
    pub mfu: f64,
}

/// Compiles a layout of `spec` (no files written).
pub fn compile_layout(
    spec: &ModelSpec,
    l: &Layout,
) -> Result<crate::driver::CompileOutput, crate::driver::CompileError> {
    let s = with_layout(spec, l, parse_recompute(l.recompute));
    let kind = l.schedule_kind().map_err(crate::driver::CompileError::Internal)?;
    let opts = crate::driver::CompileOptions {
        mesh: Mesh::new(l.dp, l.pp, l.tp, l.ep).map_err(crate::driver::CompileError::Internal)?,
        training: crate::driver::TrainingOverrides {
            schedule: ScheduleOptions { kind, chunks: l.chunks, stages: None },
            ..Default::default()
        },
        pipeline: Default::default(),
    };
    crate::driver::compile_spec(s, &opts, std::time::Instant::now())
}

/// Compiles a plan's layout and measures it exactly on `gpu`.
pub fn compile_row(spec: &ModelSpec, gpu: &GpuProfile, row: &PlanRow) -> Result<Compiled, String> {
    let out = compile_layout(spec, &row.layout()).map_err(|e| e.to_string())?;
    let peak = crate::hardware::peaks(&out.plan).iter().map(|p| p.peak_bytes).max().unwrap_or(0);
    let p = crate::cost::predict_output(&out, gpu)?;
    Ok(Compiled {
        peak_memory_bytes: peak,
        fits: peak <= gpu.usable_bytes(),
        step_time_s: p.step_time_s,
        tflops_per_gpu: p.tflops_per_gpu,
        mfu: p.mfu,
    })
}

impl PlanRow {
    pub fn layout(&self) -> Layout {
        Layout {
            dp: self.dp,
            pp: self.pp,
            tp: self.tp,
            ep: self.ep,
            zero: self.zero,
            sequence_parallel: self.sequence_parallel,
            schedule: self.schedule,
            chunks: self.chunks,
            micro_batch: self.micro_batch,
            recompute: self.recompute,
        }
    }
}

/// What the search may choose; `None` is free.
#[derive(Clone, Debug, Default)]
pub struct Pins {
    pub dp: Option<usize>,
    pub pp: Option<usize>,
    pub tp: Option<usize>,
    pub ep: Option<usize>,
    pub zero: Option<u8>,
    pub sequence_parallel: Option<bool>,
    pub schedule: Option<ScheduleKind>,
    pub chunks: Option<usize>,
    pub micro_batch: Option<usize>,
    pub recompute: Option<Recompute>,
    /// Allow tp beyond one node's GPUs.
    pub tp_across_nodes: bool,
}

/// The outcome of a search.
#[derive(Clone, Debug, Serialize)]
pub struct Search {
    pub gpus: usize,
    pub gpu: String,
    /// Layouts the compiler accepts.
    pub considered: usize,
    /// Of those, layouts whose every stage fits the GPU.
    pub fitting: usize,
    /// The fitting layouts, fastest first.
    pub plans: Vec<PlanRow>,
    /// The smallest peak among the layouts that do not fit (when none fits).
    pub smallest_peak: Option<MemoryEstimate>,
}

fn recompute_name(r: Recompute) -> &'static str {
    match r {
        Recompute::None => "none",
        Recompute::Selective => "selective",
        Recompute::Full => "full",
    }
}

fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n % d == 0).collect()
}

/// The spec with a layout's training settings.
fn with_layout(spec: &ModelSpec, l: &Layout, recompute: Recompute) -> ModelSpec {
    let mut s = spec.clone();
    s.training.micro_batch = l.micro_batch;
    s.training.zero = l.zero;
    s.training.sequence_parallel = l.sequence_parallel;
    s.training.recompute = recompute;
    s
}

/// Bytes of one activation element.
fn act_bytes(spec: &ModelSpec) -> f64 {
    if spec.training.precision == Precision::Fp32 {
        4.0
    } else {
        2.0
    }
}

/// What one layer saves for its backward, bytes per micro-batch on one rank
/// (docs/activation-memory.md; the GPT family exactly, SwiGLU with its four `ffn`-wide values).
pub fn saved_bytes_per_layer(spec: &ModelSpec, tp: usize, sp: bool, recompute: Recompute) -> f64 {
    let m = &spec.model;
    let (b, s, h, t) = (spec.training.micro_batch as f64, m.seq_len as f64, m.hidden as f64, tp as f64);
    let d = m.head_dim() as f64;
    let (q, kv) = (m.heads as f64 * d, m.kv_heads as f64 * d);
    // GELU keeps its input and output; SwiGLU the gate, the up projection, the gate's activation
    // and the product.
    let ffn_values = if m.activation == Activation::SwiGlu { 4.0 } else { 2.0 };
    let e = act_bytes(spec);
    // The layer input, its normed copy, the residual and its normed copy: split by sp.
    let replicated = 4.0 * s * b * h / if sp { t } else { 1.0 };
    // Q, K, V, the attention output (the projection's input), the MLP's values.
    let split = s * b * (2.0 * q + 2.0 * kv + ffn_values * m.ffn as f64) / t;
    let scores = m.heads as f64 * s * s * b / t;
    e * match recompute {
        Recompute::None => replicated + split + scores,
        Recompute::Selective => replicated + split,
        Recompute::Full => s * b * h / if sp { t } else { 1.0 },
    }
}

/// Elements of a parameter on one tensor- and expert-parallel rank.
fn local_elements(p: &crate::models::transformer::ParamInfo, tp: usize, ep: usize) -> u64 {
    let mut dims: Vec<u64> = p.shape.iter().map(|&d| d as u64).collect();
    // Experts are stacked along dim 0 and split over ep; inside an expert, Megatron's MLP split
    // moves one dimension on.
    let skip = usize::from(p.expert);
    if p.expert {
        dims[0] = dims[0].div_ceil(ep as u64);
    }
    let split = match p.tp {
        TpLayout::Replicated => None,
        TpLayout::Column => Some(dims.len() - 1),
        TpLayout::Row => (dims.len() >= 2 + skip).then_some(skip),
        TpLayout::Vocab => Some(0),
    };
    if let Some(i) = split {
        dims[i] = dims[i].div_ceil(tp as u64);
    }
    dims.iter().product()
}

/// The parameter tensors of each pipeline stage of a layout: local elements, name, and whether
/// it is an expert's (its ZeRO group is edp, not dp).
fn stage_params(spec: &ModelSpec, l: &Layout, ranges: &[std::ops::Range<usize>]) -> Vec<Vec<(u64, String, bool)>> {
    let m = &spec.model;
    let names = param_names(m);
    (0..l.pp)
        .map(|s| {
            let chunks = stage_chunks(ranges, l.pp, s);
            names
                .iter()
                .filter(|p| {
                    chunks.iter().enumerate().any(|(c, r)| {
                        let part = Part {
                            layers: r.clone(),
                            first: s == 0 && c == 0,
                            last: s == l.pp - 1 && c + 1 == chunks.len(),
                        };
                        part_has_param(m, &part, &p.name)
                    })
                })
                .map(|p| (local_elements(p, l.tp, l.ep), p.name.clone(), p.expert))
                .collect()
        })
        .collect()
}

/// Per-stage inputs of the estimates.
pub struct Stages {
    ranges: Vec<std::ops::Range<usize>>,
    params: Vec<Vec<u64>>,
    /// The parameters' names, as `params`.
    names: Vec<Vec<String>>,
    /// Whether each parameter is an expert's, as `params`.
    experts: Vec<Vec<bool>>,
    /// Per stage and chunk: stash slots for saved activations and for ZB-H1's gradients.
    slots: Vec<Vec<(usize, usize)>>,
    /// Each stage's actions, in order (with pipeline stages).
    lists: Vec<Vec<Action>>,
    /// Local elements of one layer's parameters.
    layer_params: u64,
    /// The simulated makespan with forward cost 1, by the backward's cost (its bits).
    makespans: std::cell::RefCell<std::collections::HashMap<u64, f64>>,
    microbatches: usize,
}

fn stages_of(spec: &ModelSpec, l: &Layout, kind: ScheduleKind) -> Result<Stages, String> {
    let mesh = Mesh::new(l.dp, l.pp, l.tp, l.ep)?;
    let opts = ScheduleOptions { kind, chunks: l.chunks, stages: None };
    let microbatches = spec.training.global_batch / (l.micro_batch * l.dp);
    let ranges = if l.pp > 1 {
        parts(spec, &mesh, &opts).map_err(|e| e.to_string())?
    } else {
        std::iter::once(0..spec.model.layers).collect()
    };
    // Stash slots per stage and chunk, as the stage program allocates them: the most
    // micro-batches of the chunk in flight at once (forward to backward, or to the weight pass
    // with ZB-H1), and ZB-H1's slots for the gradients kept from the input to the weight pass.
    let mut slots = Vec::with_capacity(l.pp);
    let mut lists = Vec::with_capacity(l.pp);
    for stage in 0..l.pp {
        let v = if l.pp > 1 { l.chunks } else { 1 };
        let (mut live, mut wlive) = (vec![0usize; v], vec![0usize; v]);
        let mut most = vec![(0usize, 0usize); v];
        if l.pp > 1 {
            let list = schedule(kind, l.pp, microbatches, l.chunks, stage).map_err(|e| e.to_string())?;
            for &a in &list {
                let c = a.chunk();
                match a {
                    Action::Forward { .. } => live[c] += 1,
                    Action::Backward { .. } => live[c] -= 1,
                    Action::BackwardInput { .. } => wlive[c] += 1,
                    Action::BackwardWeight { .. } => {
                        live[c] -= 1;
                        wlive[c] -= 1;
                    }
                }
                most[c] = (most[c].0.max(live[c]), most[c].1.max(wlive[c]));
            }
            lists.push(list);
        }
        slots.push(most);
    }
    let (mut params, mut names, mut experts) = (Vec::new(), Vec::new(), Vec::new());
    for stage in stage_params(spec, l, &ranges) {
        params.push(stage.iter().map(|t| t.0).collect());
        experts.push(stage.iter().map(|t| t.2).collect());
        names.push(stage.into_iter().map(|t| t.1).collect());
    }
    let layer_params = param_names(&spec.model)
        .iter()
        .filter(|p| p.name.starts_with("layers.0."))
        .map(|p| local_elements(p, l.tp, l.ep))
        .sum();
    Ok(Stages {
        ranges,
        params,
        names,
        experts,
        slots,
        lists,
        layer_params,
        makespans: Default::default(),
        microbatches,
    })
}

/// The memory of each stage of a layout, estimated (module docs).
fn estimate_memory(spec: &ModelSpec, l: &Layout, st: &Stages, recompute: Recompute) -> Vec<MemoryEstimate> {
    let m = &spec.model;
    let bf16 = spec.training.precision == Precision::Bf16;
    let e = act_bytes(spec);
    let reduce_bytes = if spec.training.grad_reduce() == parc_dialects::types::DType::BF16 { 2.0 } else { 4.0 };
    let dp = l.dp as u64;
    let (b, s, h, t) = (l.micro_batch as f64, m.seq_len as f64, m.hidden as f64, l.tp as f64);
    let per_layer = saved_bytes_per_layer(spec, l.tp, l.sequence_parallel, recompute);
    let per_layer_selective = saved_bytes_per_layer(spec, l.tp, l.sequence_parallel, Recompute::Selective);
    // ZB-H1's weight pass reads the gradients at each linear layer's output.
    let per_layer_wgrad = {
        let d = m.head_dim() as f64;
        let up = if m.activation == Activation::SwiGlu { 2.0 } else { 1.0 };
        e * b * s * ((m.heads + 2 * m.kv_heads) as f64 * d / t + 2.0 * h + up * m.ffn as f64 / t)
    };
    let layer_params = st.layer_params;
    let logits = 4.0 * b * s * (m.vocab as f64 / t).ceil() + e * b * s * h;
    let scores = 4.0 * (m.heads as f64 / t * s * s * b + s * b * h);
    (0..l.pp)
        .map(|stage| {
            let tensors = &st.params[stage];
            let shard = |n: u64| n.div_ceil(dp);
            let local: u64 = tensors.iter().sum();
            let edp = (l.dp / l.ep.max(1)) as u64;
            let sharded: u64 = tensors
                .iter()
                .zip(&st.experts[stage])
                .map(|(&n, &expert)| if expert { n.div_ceil(edp) } else { shard(n) })
                .sum();
            let largest = tensors.iter().copied().max().unwrap_or(0);
            let param_bytes = if bf16 { 2 } else { 4 };
            let parameters = if l.zero >= 3 { sharded * param_bytes } else { local * param_bytes };
            let gradients = if l.zero >= 2 { (sharded as f64 * reduce_bytes) as u64 } else { local * param_bytes };
            let state_bytes = if bf16 { 12 } else { 8 };
            let optimizer_state = if l.zero >= 1 { sharded * state_bytes } else { local * state_bytes };
            let layers: usize = stage_chunks(&st.ranges, l.pp, stage).iter().map(|r| r.len()).sum();
            let (first, last) = (stage == 0, stage == l.pp - 1);
            let embedding_local = tensors
                .iter()
                .zip(&st.names[stage])
                .find(|(_, n)| n.as_str() == "embed.tokens.weight")
                .map_or(0, |(&e, _)| e);
            // The working set of one micro-batch's forward and backward: one layer's attention
            // scores, the logits on the last stage; under full recomputation the recomputed
            // layer's values; under ZeRO-3 the gathered parameters of a layer and its neighbour
            // and of the embedding and the head.
            let mut work = scores;
            if last {
                work = work.max(logits);
            }
            match recompute {
                Recompute::None => {}
                // The attention probabilities computed again for the backward.
                Recompute::Selective => work += e * m.heads as f64 / t * s * s * b,
                Recompute::Full => work += per_layer_selective,
            }
            // ZeRO-2 and 3 reduce-scatter each gradient as the backward produces it: the
            // head's gradient (and its f32 copy for the reduction) at the loss, the
            // embedding's in f32 at the end.
            if l.zero == 2 && l.dp > 1 {
                let widen = if bf16 && reduce_bytes == 4.0 { 4.0 } else { 0.0 };
                let head = tensors
                    .iter()
                    .zip(&st.names[stage])
                    .filter(|(_, n)| {
                        n.as_str() == "lm_head.weight" || (m.tie_embeddings && n.as_str() == "embed.tokens.weight")
                    })
                    .map(|(&e, _)| e)
                    .max()
                    .unwrap_or(0);
                let grad_bytes = if bf16 { 2.0 } else { 4.0 };
                if last {
                    work += (grad_bytes + widen) * head as f64;
                } else if first {
                    work = work.max(4.0 * embedding_local as f64);
                }
            }
            if l.zero >= 3 && l.dp > 1 {
                let ends: u64 = tensors
                    .iter()
                    .zip(&st.names[stage])
                    .filter(|(_, n)| !n.starts_with("layers."))
                    .map(|(&e, _)| e)
                    .sum();
                work += e * (2.0 * layer_params as f64 + ends as f64);
            }
            let (stash, micro_batch_work) = if l.pp > 1 {
                let chunks = stage_chunks(&st.ranges, l.pp, stage);
                let mut stash = 0.0;
                for (c, r) in chunks.iter().enumerate() {
                    let (slots, wslots) = st.slots[stage][c];
                    // The model's last part also keeps the final norm's input and output and the
                    // logits.
                    let rows = b * s / if l.sequence_parallel { t } else { 1.0 };
                    let extra = if last && c + 1 == chunks.len() {
                        e * (b * s * (m.vocab as f64 / t).ceil() + 2.0 * rows * h)
                    } else {
                        0.0
                    };
                    stash += slots as f64 * (r.len() as f64 * per_layer + extra);
                    stash += wslots as f64 * (r.len() as f64 * per_layer_wgrad + e * b * s * h);
                }
                (stash as u64, work)
            } else {
                (0, layers as f64 * per_layer + work)
            };
            // The optimizer step: bf16 gradients widened to f32 for the data-parallel reduction
            // live until the clipping norm is known, with one more f32 copy of the largest
            // tensor; a tied embedding's gradient is summed over the pipeline's ends in f32.
            let widened = bf16 && reduce_bytes == 4.0 && l.dp > 1;
            let tied = if m.tie_embeddings && l.pp > 1 && (first || last) { 8.0 * embedding_local as f64 } else { 0.0 };
            let optimizer_work = if !widened {
                tied
            } else if l.zero >= 1 {
                4.0 * (sharded + shard(largest)) as f64
            } else {
                4.0 * (local + largest) as f64
            };
            let transient = micro_batch_work.max(optimizer_work) as u64;
            let peak = parameters + gradients + optimizer_state + stash + transient;
            MemoryEstimate { stage, parameters, gradients, optimizer_state, stash, transient, peak }
        })
        .collect()
}

/// A micro-batch's forward and backward on one stage.
#[derive(Default, Clone, Debug)]
struct Pass {
    forward: TimeBreakdown,
    backward: TimeBreakdown,
}

impl Pass {
    fn add(&mut self, other: &Pass, times: f64) {
        add_into(&mut self.forward, &other.forward, times);
        add_into(&mut self.backward, &other.backward, times);
    }
}

fn total(b: &TimeBreakdown) -> f64 {
    b.gemm_s + b.other_kernels_s + b.tp_comm_s + b.ep_comm_s + b.dp_comm_s + b.pp_comm_s + b.optimizer_s
}

fn add_into(a: &mut TimeBreakdown, b: &TimeBreakdown, k: f64) {
    a.gemm_s += k * b.gemm_s;
    a.other_kernels_s += k * b.other_kernels_s;
    a.tp_comm_s += k * b.tp_comm_s;
    a.ep_comm_s += k * b.ep_comm_s;
    a.dp_comm_s += k * b.dp_comm_s;
    a.pp_comm_s += k * b.pp_comm_s;
    a.pp_bubble_s += k * b.pp_bubble_s;
    a.pp_overhead_s += k * b.pp_overhead_s;
    a.optimizer_s += k * b.optimizer_s;
}

/// What the cost model says of one layer, the embedding and the head, read from compiled probes
/// of the model: the same model with 2 and with 4 layers on two pipeline stages of `tp` ranks,
/// with the layout's micro-batch, sequence parallelism and recomputation. A layer is the
/// difference of the two probes' first stages, the embedding and the head what is left on the
/// first and last stage of the smaller one. The optimizer's and the step's own work (gradient
/// zeroing) are taken per parameter from the same difference.
#[derive(Clone, Debug)]
pub struct Probe {
    layer: Pass,
    embedding: Pass,
    head: Pass,
    optimizer_per_param_s: f64,
    step_per_param_s: f64,
}

/// The key of a layout's stages: dp, pp, tp, schedule, chunks, micro-batch, ep.
type StageKey = (usize, usize, usize, &'static str, usize, usize, usize);

/// The key of a time probe: tp, sequence parallelism, micro-batch, recomputation, ep.
type ProbeKey = (usize, bool, usize, &'static str, usize);

fn breakdown_of(c: &crate::cost::FunctionCost) -> TimeBreakdown {
    let comm = |axis: &str| c.time.comm_s.get(axis).copied().unwrap_or(0.0);
    TimeBreakdown {
        gemm_s: c.time.gemm_s,
        other_kernels_s: c.time.memory_s,
        tp_comm_s: comm("tp"),
        ep_comm_s: comm("ep"),
        dp_comm_s: comm("dp") + comm("edp"),
        pp_comm_s: c.time.comm_s.iter().filter(|(k, _)| k.starts_with("pp")).map(|(_, v)| v).sum(),
        pp_bubble_s: 0.0,
        pp_overhead_s: 0.0,
        optimizer_s: 0.0,
    }
}

/// One probe's stages: (forward, backward, optimizer seconds, the step's own seconds) per stage.
fn probe_stages(
    spec: &ModelSpec,
    gpu: &GpuProfile,
    key: ProbeKey,
    layers: usize,
) -> Result<Vec<(TimeBreakdown, TimeBreakdown, f64, f64)>, String> {
    let (tp, sp, mb, recompute, ep) = key;
    let mut s = spec.clone();
    s.model.layers = layers;
    s.training.micro_batch = mb;
    // Expert parallelism needs as many data-parallel replicas.
    s.training.global_batch = 2 * mb * ep;
    s.training.zero = 0;
    s.training.sequence_parallel = sp;
    s.training.recompute = parse_recompute(recompute);
    let mesh = Mesh::new(ep, 2, tp, ep)?;
    // Half the layers on each stage, whatever the head costs.
    let training = crate::driver::TrainingOverrides {
        schedule: ScheduleOptions { kind: ScheduleKind::OneF1B, chunks: 1, stages: Some(vec![layers / 2; 2]) },
        ..Default::default()
    };
    let opts = crate::driver::CompileOptions { mesh, training, pipeline: Default::default() };
    let out = crate::driver::compile_spec(s, &opts, std::time::Instant::now()).map_err(|e| {
        format!(
            "the planner's probe ({layers} layers on mesh dp={ep},pp=2,tp={tp},ep={ep}, micro_batch {mb}, sequence \
             parallel {sp}, recompute {recompute}) did not compile: {e}"
        )
    })?;
    let model = CostModel { gpu, mesh, params: FreeParams::FITTED };
    let mut stages = Vec::new();
    for m in &out.stages {
        let mut memo = std::collections::BTreeMap::new();
        let step = model.function(m, crate::passes::lower_exec::TRAIN_STEP, &mut memo);
        let f = model.function(m, "forward_c0", &mut memo);
        let b = model.function(m, "backward_c0", &mut memo);
        let o = model.function(m, "optimizer_step", &mut memo);
        // Two micro-batches per step.
        let own = step.time.total() - 2.0 * (f.time.total() + b.time.total()) - o.time.total();
        stages.push((breakdown_of(&f), breakdown_of(&b), o.time.total(), own));
    }
    if stages.len() != 2 {
        return Err(format!("a probe of {layers} layers on two stages compiled to {} stage programs", stages.len()));
    }
    Ok(stages)
}

fn probe(spec: &ModelSpec, gpu: &GpuProfile, key: ProbeKey) -> Result<Probe, String> {
    // A MoE model with a MoE MLP every `every` layers is probed with whole periods per stage, and
    // a layer is the period's average.
    let u = period(spec);
    let small = probe_stages(spec, gpu, key, 2 * u)?;
    let large = probe_stages(spec, gpu, key, 4 * u)?;
    let diff = |a: &TimeBreakdown, b: &TimeBreakdown, k: f64| {
        let mut d = a.clone();
        add_into(&mut d, b, -k);
        d
    };
    let per_layer = |a: &TimeBreakdown, b: &TimeBreakdown| {
        let mut d = TimeBreakdown::default();
        add_into(&mut d, &diff(a, b, 1.0), 1.0 / u as f64);
        d
    };
    let layer = Pass { forward: per_layer(&large[0].0, &small[0].0), backward: per_layer(&large[0].1, &small[0].1) };
    let rest = |stage: usize| Pass {
        forward: diff(&small[stage].0, &layer.forward, u as f64),
        backward: diff(&small[stage].1, &layer.backward, u as f64),
    };
    let names = param_names(&spec.model);
    let period_params: u64 = (0..u)
        .map(|i| {
            let prefix = format!("layers.{i}.");
            names.iter().filter(|p| p.name.starts_with(&prefix)).map(|p| local_elements(p, key.0, key.4)).sum::<u64>()
        })
        .sum();
    let per_param = |x: f64| x / period_params.max(1) as f64;
    Ok(Probe {
        embedding: rest(0),
        head: rest(1),
        optimizer_per_param_s: per_param(large[0].2 - small[0].2),
        step_per_param_s: per_param(large[0].3 - small[0].3),
        layer,
    })
}

fn parse_recompute(name: &str) -> Recompute {
    match name {
        "none" => Recompute::None,
        "selective" => Recompute::Selective,
        _ => Recompute::Full,
    }
}

/// The slowest stage's forward and backward per micro-batch.
fn estimate_time(l: &Layout, st: &Stages, probe: &Probe) -> Pass {
    let mut worst = Pass::default();
    for stage in 0..l.pp {
        let layers: usize = stage_chunks(&st.ranges, l.pp, stage).iter().map(|r| r.len()).sum();
        let mut pass = Pass::default();
        pass.add(&probe.layer, layers as f64);
        if stage == 0 {
            pass.add(&probe.embedding, 1.0);
        }
        if stage == l.pp - 1 {
            pass.add(&probe.head, 1.0);
        }
        if total(&pass.forward) + total(&pass.backward) > total(&worst.forward) + total(&worst.backward) {
            worst = pass;
        }
    }
    worst
}

/// The parameters one token passes through: all of them for a dense model; a MoE layer's top_k
/// of its experts (PaLM's model FLOPs count these, as plan.json's `active_per_token`).
fn active_params(spec: &ModelSpec) -> u64 {
    let names = param_names(&spec.model);
    let count = |expert: bool| -> u64 {
        names.iter().filter(|p| p.expert == expert).map(|p| p.shape.iter().product::<usize>() as u64).sum()
    };
    match &spec.model.moe {
        Some(moe) => count(false) + count(true) / moe.experts as u64 * moe.top_k as u64,
        None => count(false),
    }
}

/// Evaluates one layout: `Ok(None)` when the compiler would refuse it.
pub fn evaluate(spec: &ModelSpec, gpu: &GpuProfile, l: &Layout) -> Result<Option<PlanRow>, String> {
    let mut cache = StageCache::default();
    let Some(Evaluated::Plan(mut row)) = evaluate_cached(spec, gpu, l, &mut cache, None)? else { return Ok(None) };
    let memory = refine(spec, l, &mut cache)?;
    row.memory = memory.into_iter().max_by_key(|m| m.peak).unwrap_or_default();
    row.peak_memory_bytes = row.memory.peak;
    row.memory_probed = true;
    Ok(Some(*row))
}

/// A layout the compiler accepts: its plan, or only its memory when that exceeds the GPU.
enum Evaluated {
    Plan(Box<PlanRow>),
    TooLarge(MemoryEstimate),
}

/// The stage split, in-flight counts and parameter tables of a layout depend only on its mesh,
/// schedule, chunks and micro-batch: the search computes them once for all the ZeRO,
/// sequence-parallel and recomputation choices.
#[derive(Default)]
pub struct StageCache {
    /// A layout's stages, or why the compiler would refuse them.
    stages: std::collections::HashMap<StageKey, Result<std::rc::Rc<Stages>, String>>,
    probes: std::collections::HashMap<ProbeKey, std::rc::Rc<Probe>>,
    memory: ProbeCache,
    total_params: Option<u64>,
}

impl StageCache {
    /// The stages of layout `l` of `spec` (with the layout's training settings), computed once.
    fn stages(&mut self, spec: &ModelSpec, l: &Layout) -> Result<std::rc::Rc<Stages>, String> {
        let key = (l.dp, l.pp, l.tp, l.schedule, l.chunks, l.micro_batch, l.ep);
        self.stages.entry(key).or_insert_with(|| stages_of(spec, l, l.schedule_kind()?).map(std::rc::Rc::new)).clone()
    }
}

/// The screen's margin: a layout whose [`estimate_memory`] exceeds the GPU's usable memory by
/// more than this factor is dropped without probing. On the grid of `tests/planner.rs` the
/// screen is never more than 1.15 times the compiled peak (it over-counts ZeRO's transients).
pub const SCREEN_MARGIN: f64 = 1.25;

fn evaluate_cached(
    spec: &ModelSpec,
    gpu: &GpuProfile,
    l: &Layout,
    cache: &mut StageCache,
    usable: Option<u64>,
) -> Result<Option<Evaluated>, String> {
    let recompute = parse_recompute(l.recompute);
    let spec = with_layout(spec, l, recompute);
    let Ok(mesh) = Mesh::new(l.dp, l.pp, l.tp, l.ep) else { return Ok(None) };
    if check_model(&mesh, &spec).is_err() {
        return Ok(None);
    }
    l.schedule_kind()?;
    let Ok(st) = cache.stages(&spec, l) else { return Ok(None) };
    // The screen: the analytical estimate, refined by probes later for the layouts the search
    // keeps (`refine`).
    let memory = estimate_memory(&spec, l, &st, recompute);
    let worst_memory = memory.iter().max_by_key(|m| m.peak).cloned().unwrap_or_default();
    if usable.is_some_and(|u| worst_memory.peak as f64 > u as f64 * SCREEN_MARGIN) {
        return Ok(Some(Evaluated::TooLarge(worst_memory)));
    }
    let fp32 = spec.training.precision == Precision::Fp32;
    let pkey: ProbeKey = (l.tp, l.sequence_parallel, l.micro_batch, l.recompute, l.ep);
    let probe = match cache.probes.get(&pkey) {
        Some(p) => p.clone(),
        None => {
            let p = std::rc::Rc::new(probe(&spec, gpu, pkey)?);
            cache.probes.insert(pkey, p.clone());
            p
        }
    };
    let cost = CostModel { gpu, mesh, params: FreeParams::FITTED };
    let unit = estimate_time(l, &st, &probe);
    let mb = st.microbatches as f64;
    // Outside the schedule: the optimizer, the step's own work, the data-parallel collectives
    // (ZeRO-2 reduce-scatters every micro-batch's gradients, ZeRO-3 also gathers the parameters
    // for every forward and backward) and the pipeline's sends.
    let mut outside = TimeBreakdown::default();
    // The stage with the most parameters; its collectives run tensor by tensor, as compiled.
    let heaviest = (0..st.params.len()).max_by_key(|&i| st.params[i].iter().sum::<u64>()).unwrap_or(0);
    let (tensors, experts): (&[u64], &[bool]) = match st.params.get(heaviest) {
        Some(p) => (p, &st.experts[heaviest]),
        None => (&[], &[]),
    };
    let p: f64 = tensors.iter().sum::<u64>() as f64;
    let reduce_bytes = if spec.training.grad_reduce() == parc_dialects::types::DType::BF16 { 2.0 } else { 4.0 };
    let e = act_bytes(&spec);
    // Dense tensors are reduced over dp, experts' over edp (dp / ep replicas of each expert).
    let groups = [("dp", l.dp as f64, false), ("edp", (l.dp / l.ep) as f64, true)];
    let mut updated = 0.0;
    for (axis, n, expert) in groups {
        let part: Vec<u64> = tensors.iter().zip(experts).filter(|(_, &x)| x == expert).map(|(&t, _)| t).collect();
        let sum: f64 = part.iter().sum::<u64>() as f64;
        updated += if l.zero >= 1 { sum / n } else { sum };
        if n <= 1.0 || part.is_empty() {
            continue;
        }
        let (mut reduce_scatter, mut all_gather) = (0.0, 0.0);
        for &t in &part {
            let (grads, params) = (t as f64 * reduce_bytes, t as f64 * e);
            reduce_scatter += cost.collective(axis, grads, (n - 1.0) / n * grads);
            all_gather += cost.collective(axis, params, (n - 1.0) / n * params);
        }
        // The compiled step all-reduces every gradient in one call; the ZeRO stages reduce-scatter
        // and gather tensor by tensor.
        let fused = sum * reduce_bytes;
        outside.dp_comm_s += match l.zero {
            0 => cost.collective(axis, fused, 2.0 * (n - 1.0) / n * fused),
            1 => reduce_scatter + all_gather,
            2 => mb * reduce_scatter + all_gather,
            _ => mb * (reduce_scatter + 2.0 * all_gather),
        };
        if l.zero >= 2 {
            // Every micro-batch's gradients widened for the reduction and added to the shard.
            let grad = if fp32 { 4.0 } else { 2.0 };
            outside.optimizer_s += mb * cost.memory_bound(sum * (grad + reduce_bytes + 2.0 * reduce_bytes / n));
        }
    }
    if l.pp > 1 {
        let m = &spec.model;
        let buffer =
            (l.micro_batch * m.seq_len * m.hidden) as f64 * e / if l.sequence_parallel { l.tp as f64 } else { 1.0 };
        outside.pp_comm_s += 2.0 * mb * cost.collective("pp", buffer, buffer);
    }
    outside.optimizer_s += probe.optimizer_per_param_s * updated + probe.step_per_param_s * p;
    let (step_time, bubble, overhead) = if l.pp > 1 {
        // The fitted pipeline efficiency slows every chunk call of a pipelined step.
        let slow = 1.0 / cost.params.pipeline_efficiency;
        let f = total(&unit.forward) * slow;
        let bw = total(&unit.backward) * slow;
        // The makespan scales with the costs: one simulation per backward-to-forward ratio.
        let ratio = bw / f;
        let cached = st.makespans.borrow().get(&ratio.to_bits()).copied();
        let per_forward = match cached {
            Some(m) => m,
            None => {
                let unit = UnitCosts { forward: 1.0, backward_input: ratio / 2.0, backward_weight: ratio / 2.0 };
                let m = simulate_lists(&st.lists, st.microbatches, l.chunks, unit).map_err(|e| e.to_string())?.makespan;
                st.makespans.borrow_mut().insert(ratio.to_bits(), m);
                m
            }
        };
        let makespan = per_forward * f;
        let busy = mb * (f + bw);
        (makespan + total(&outside), (makespan - busy).max(0.0), busy * (1.0 - 1.0 / slow))
    } else {
        (mb * (total(&unit.forward) + total(&unit.backward)) + total(&outside), 0.0, 0.0)
    };
    let per_step = |x: f64| x * mb;
    let breakdown = TimeBreakdown {
        gemm_s: per_step(unit.forward.gemm_s + unit.backward.gemm_s),
        other_kernels_s: per_step(unit.forward.other_kernels_s + unit.backward.other_kernels_s),
        tp_comm_s: per_step(unit.forward.tp_comm_s + unit.backward.tp_comm_s),
        ep_comm_s: per_step(unit.forward.ep_comm_s + unit.backward.ep_comm_s),
        dp_comm_s: per_step(unit.forward.dp_comm_s + unit.backward.dp_comm_s) + outside.dp_comm_s,
        pp_comm_s: per_step(unit.forward.pp_comm_s + unit.backward.pp_comm_s) + outside.pp_comm_s,
        pp_bubble_s: bubble,
        pp_overhead_s: overhead,
        optimizer_s: outside.optimizer_s,
    };
    let tokens = (spec.training.global_batch * spec.model.seq_len) as f64;
    let params = *cache.total_params.get_or_insert_with(|| active_params(&spec));
    let flops = model_flops(params, spec.model.layers, spec.model.hidden, spec.model.seq_len, tokens);
    let world = (l.dp * l.pp * l.tp) as f64;
    let per_gpu = flops / step_time / world;
    let peak = if fp32 { gpu.peak_fp32_flops } else { gpu.peak_bf16_flops };
    Ok(Some(Evaluated::Plan(Box::new(PlanRow {
        mesh: l.mesh(),
        dp: l.dp,
        pp: l.pp,
        tp: l.tp,
        ep: l.ep,
        zero: l.zero,
        sequence_parallel: l.sequence_parallel,
        schedule: l.schedule,
        chunks: l.chunks,
        micro_batch: l.micro_batch,
        recompute: l.recompute,
        step_time_s: step_time,
        tokens_per_s: tokens / step_time,
        tflops_per_gpu: per_gpu / 1e12,
        mfu: per_gpu / peak,
        peak_memory_bytes: worst_memory.peak,
        memory: worst_memory,
        memory_probed: false,
        breakdown,
        compiled: None,
    }))))
}

/// The per-stage memory of a layout, from its compiled probes ([`memory`] module).
pub fn memory_of(spec: &ModelSpec, l: &Layout) -> Result<Vec<MemoryEstimate>, String> {
    refine(spec, l, &mut StageCache::default())
}

/// The analytical screen's per-stage memory of a layout (no compilation).
pub fn screen_memory_of(spec: &ModelSpec, l: &Layout) -> Result<Vec<MemoryEstimate>, String> {
    let recompute = parse_recompute(l.recompute);
    let spec = with_layout(spec, l, recompute);
    let st = stages_of(&spec, l, l.schedule_kind()?)?;
    Ok(estimate_memory(&spec, l, &st, recompute))
}

/// The per-stage memory of a layout from its probes, compiled once per probe key in `cache`.
fn refine(spec: &ModelSpec, l: &Layout, cache: &mut StageCache) -> Result<Vec<MemoryEstimate>, String> {
    let spec = with_layout(spec, l, parse_recompute(l.recompute));
    let st = cache.stages(&spec, l)?;
    cache.memory.memory(&spec, l, &st)
}

/// Every layout of `spec` on `gpus` GPUs that the pins allow, before the compiler's checks.
pub fn layouts(spec: &ModelSpec, gpus: usize, gpus_per_node: usize, pins: &Pins) -> Vec<Layout> {
    let m = &spec.model;
    let t = &spec.training;
    let mut out = Vec::new();
    let recomputes = match pins.recompute {
        Some(r) => vec![r],
        None => vec![Recompute::None, Recompute::Selective, Recompute::Full],
    };
    for tp in divisors(gpus) {
        if pins.tp.is_some_and(|p| p != tp) || (tp > gpus_per_node && !pins.tp_across_nodes && pins.tp.is_none()) {
            continue;
        }
        for pp in divisors(gpus / tp) {
            let dp = gpus / tp / pp;
            if pins.pp.is_some_and(|p| p != pp) || pins.dp.is_some_and(|p| p != dp) || pp > m.layers {
                continue;
            }
            if t.global_batch % dp != 0 {
                continue;
            }
            let per_dp = t.global_batch / dp;
            // Expert parallelism divides dp and the experts.
            let eps: Vec<usize> = match &m.moe {
                Some(moe) => divisors(dp).into_iter().filter(|e| moe.experts % e == 0).collect(),
                None => vec![1],
            };
            let eps: Vec<usize> = eps.into_iter().filter(|&e| pins.ep.is_none_or(|p| p == e)).collect();
            let zeros: Vec<u8> = match pins.zero {
                Some(z) => vec![z],
                None if dp == 1 => vec![0],
                None => vec![0, 1, 2, 3],
            };
            let sps: Vec<bool> = match pins.sequence_parallel {
                Some(s) => vec![s],
                None if tp == 1 => vec![false],
                None => vec![false, true],
            };
            let mut schedules: Vec<(ScheduleKind, usize)> = Vec::new();
            if pp > 1 {
                for kind in [ScheduleKind::OneF1B, ScheduleKind::Interleaved, ScheduleKind::ZbH1, ScheduleKind::GPipe] {
                    // ZB-H1's memory is probed like the others', but its step time is estimated
                    // 6-9% below the compiled plan's prediction (its probe is timed as 1F1B,
                    // without the copies into its gradient stash): searched only when asked for.
                    if pins.schedule.is_some_and(|k| k != kind)
                        || (kind == ScheduleKind::ZbH1 && pins.schedule.is_none())
                    {
                        continue;
                    }
                    let chunk_choices: Vec<usize> = if kind == ScheduleKind::Interleaved {
                        pins.chunks.map_or(vec![2, 3, 4], |c| vec![c])
                    } else {
                        vec![1]
                    };
                    for v in chunk_choices {
                        if m.layers >= pp * v {
                            schedules.push((kind, v));
                        }
                    }
                }
            } else {
                schedules.push((ScheduleKind::OneF1B, 1));
            }
            for mb in divisors(per_dp) {
                if pins.micro_batch.is_some_and(|p| p != mb) || (pins.micro_batch.is_none() && mb > 16) {
                    continue;
                }
                let microbatches = per_dp / mb;
                for &(kind, v) in &schedules {
                    // Interleaving needs whole rounds of pp micro-batches.
                    if pp > 1 && kind == ScheduleKind::Interleaved && microbatches % pp != 0 {
                        continue;
                    }
                    if pp > 1 && microbatches < pp {
                        continue;
                    }
                    for &zero in &zeros {
                        for &sp in &sps {
                            for &r in &recomputes {
                                for &ep in &eps {
                                    out.push(Layout {
                                        dp,
                                        pp,
                                        tp,
                                        ep,
                                        zero,
                                        sequence_parallel: sp,
                                        schedule: if pp > 1 { kind.name() } else { "none" },
                                        chunks: v,
                                        micro_batch: mb,
                                        recompute: recompute_name(r),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Searches the layouts of `spec` on `gpus` GPUs of `gpu`; `progress` is called with (done,
/// total) as layouts are evaluated.
///
/// Every layout is timed and screened by the analytical estimate; then, fastest first, each
/// layout's memory is read from its compiled probes until `want` of them fit. The plans after
/// those are the ones the screen says fit (`memory_probed` false).
pub fn search(
    spec: &ModelSpec,
    gpu: &GpuProfile,
    gpus: usize,
    pins: &Pins,
    want: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<Search, String> {
    let candidates = layouts(spec, gpus, gpu.gpus_per_node, pins);
    let usable = gpu.usable_bytes();
    let (mut considered, mut rows, mut smallest): (usize, Vec<PlanRow>, Option<MemoryEstimate>) = (0, Vec::new(), None);
    let total_n = candidates.len();
    let mut cache = StageCache::default();
    let note_smallest = |m: MemoryEstimate, smallest: &mut Option<MemoryEstimate>| {
        if smallest.as_ref().is_none_or(|s| m.peak < s.peak) {
            *smallest = Some(m);
        }
    };
    for (i, l) in candidates.iter().enumerate() {
        match evaluate_cached(spec, gpu, l, &mut cache, Some(usable))? {
            Some(Evaluated::Plan(row)) => {
                considered += 1;
                rows.push(*row);
            }
            Some(Evaluated::TooLarge(m)) => {
                considered += 1;
                note_smallest(m, &mut smallest);
            }
            None => {}
        }
        if i % 64 == 0 || i + 1 == total_n {
            progress(i + 1, total_n);
        }
    }
    rows.sort_by(|a, b| {
        a.step_time_s
            .total_cmp(&b.step_time_s)
            .then(a.peak_memory_bytes.cmp(&b.peak_memory_bytes))
            .then_with(|| a.layout().flags().cmp(&b.layout().flags()))
    });
    let (mut plans, mut fitting) = (Vec::new(), 0);
    for mut row in rows {
        if plans.len() >= want {
            // Not probed: kept by the screen.
            if row.peak_memory_bytes <= usable {
                fitting += 1;
                plans.push(row);
            }
            continue;
        }
        let memory = refine(spec, &row.layout(), &mut cache)?;
        let worst = memory.iter().max_by_key(|m| m.peak).cloned().unwrap_or_default();
        if worst.peak > usable {
            note_smallest(worst, &mut smallest);
            continue;
        }
        row.peak_memory_bytes = worst.peak;
        row.memory = worst;
        row.memory_probed = true;
        fitting += 1;
        plans.push(row);
    }
    Ok(Search {
        gpus,
        gpu: gpu.name.clone(),
        considered,
        fitting,
        plans,
        smallest_peak: if fitting == 0 { smallest } else { None },
    })
}
