//! The cost model: a rank program's step time on a GPU, from its instructions. Every exec
//! instruction gets a time on the [`GpuProfile`] (a GEMM by its shape, every other kernel by
//! the bytes it moves, a collective by its bytes, group size and whether the group leaves the
//! node), a function's time is the sum of its instructions' (calls included), and with pipeline
//! stages the schedule is simulated with each stage's chunk times. docs/cost-model.md states
//! every assumption.
//!
//! The model's free parameters ([`FreeParams`]) are fitted to Megatron-LM's published Table 1
//! and frozen ([`FreeParams::FITTED`]); every prediction uses them.

use std::collections::BTreeMap;

use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Function, Module, OpKind};
use parc_dialects::mesh::{Axis, GroupKind, Mesh};
use parc_dialects::types::DType;
use serde::Serialize;

use crate::hardware::GpuProfile;
use crate::pipeline::{simulate, ScheduleKind, UnitCosts};

/// The figures a profile does not give: fitted to published runs, then frozen (docs/cost-model.md).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct FreeParams {
    /// A GEMM of dimensions m, n, k reaches `gemm_max_efficiency · Π d / (d + gemm_knee)` of the
    /// peak: small dimensions leave tensor cores idle.
    pub gemm_knee: f64,
    /// The fraction of HBM bandwidth a memory-bound kernel reaches.
    pub memory_efficiency: f64,
    /// What every kernel costs on top of its work (launch, tail), seconds.
    pub kernel_overhead_s: f64,
    /// A collective's latency, seconds.
    pub collective_latency_s: f64,
    /// The message size at which a collective reaches half its bus bandwidth, bytes.
    pub half_bandwidth_bytes: f64,
    /// The fraction of the profile's best-shape GEMM efficiency a training step's GEMMs reach.
    pub gemm_efficiency: f64,
    /// The fraction of the profile's collective bus bandwidth (nccl-tests) reached in a step.
    pub collective_efficiency: f64,
    /// With pipeline stages, the speed of a stage's chunk calls relative to the same work
    /// without them (what a pipelined step loses beyond the simulated bubble).
    pub pipeline_efficiency: f64,
}

impl FreeParams {
    /// The assumptions before the fit: a knee of 64, 80% of HBM bandwidth, 4 µs per kernel,
    /// 20 µs per collective ("tens of microseconds" for small messages), half bandwidth at 8 MB,
    /// the profile's GEMM and collective figures as they are, no pipeline overhead.
    pub const ASSUMED: FreeParams = FreeParams {
        gemm_knee: 64.0,
        memory_efficiency: 0.8,
        kernel_overhead_s: 4e-6,
        collective_latency_s: 20e-6,
        half_bandwidth_bytes: 8e6,
        gemm_efficiency: 1.0,
        collective_efficiency: 1.0,
        pipeline_efficiency: 1.0,
    };

    /// The values fitted to Megatron-LM's Table 1 (Narayanan et al. 2021; A100 80GB, GPT 1.7B
    /// to 1T) and frozen: `cargo run --release -p parc-compiler --example calibrate -- --fit`
    /// finds them, docs/cost-model.md reports the fit row by row.
    pub const FITTED: FreeParams = FreeParams {
        gemm_knee: 128.0,
        memory_efficiency: 0.7,
        kernel_overhead_s: 6e-6,
        collective_latency_s: 10e-6,
        half_bandwidth_bytes: 8e6,
        gemm_efficiency: 1.0,
        collective_efficiency: 1.0,
        pipeline_efficiency: 0.85,
    };
}

/// Where a function's time goes, seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Breakdown {
    /// GEMMs.
    pub gemm_s: f64,
    /// Every other kernel (memory-bound).
    pub memory_s: f64,
    /// Collectives by mesh axis name (`tp`, `dp`, `pp`…; sends are `pp`).
    pub comm_s: BTreeMap<String, f64>,
}

impl Breakdown {
    pub fn total(&self) -> f64 {
        self.gemm_s + self.memory_s + self.comm_s.values().sum::<f64>()
    }

    fn add(&mut self, other: &Breakdown, times: f64) {
        self.gemm_s += other.gemm_s * times;
        self.memory_s += other.memory_s * times;
        for (k, v) in &other.comm_s {
            *self.comm_s.entry(k.clone()).or_default() += v * times;
        }
    }
}

/// One function's time and the GEMM FLOPs it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionCost {
    pub time: Breakdown,
    pub gemm_flops: f64,
}

/// The cost model for one GPU, one mesh and the free parameters.
pub struct CostModel<'a> {
    pub gpu: &'a GpuProfile,
    pub mesh: Mesh,
    pub params: FreeParams,
}

impl CostModel<'_> {
    /// Whether the group named `axis` (the one holding rank 0; every group of a kind is laid out
    /// alike when the node size is a multiple of the inner axes) spans more than one node: its
    /// last member is `gpus_per_node` or more ranks after its first. Ranks go tp innermost, then
    /// dp, then pp: an ep group is `ep` consecutive dp coordinates, an edp group every ep-th one.
    fn spans_nodes(&self, axis: &str) -> bool {
        let m = &self.mesh;
        let (size, stride) = match GroupKind::from_name(axis) {
            Some(GroupKind::Axis(Axis::Tp)) => (m.tp, 1),
            Some(GroupKind::Axis(Axis::Dp)) => (m.dp, m.tp),
            Some(GroupKind::Axis(Axis::Ep)) => (m.ep, m.tp),
            Some(GroupKind::ExpertData) => (m.dp / m.ep, m.ep * m.tp),
            // Pipeline neighbours and the tied embedding's first and last stage.
            Some(GroupKind::Axis(Axis::Pp) | GroupKind::PipelineEnds) | None => (m.pp, m.dp * m.tp),
        };
        size > 1 && (size - 1) * stride >= self.gpu.gpus_per_node
    }

    /// Seconds for a collective moving `bus_bytes` over the group of `axis`, for a message of
    /// `message_bytes`.
    pub fn collective(&self, axis: &str, message_bytes: f64, bus_bytes: f64) -> f64 {
        let peak =
            if self.spans_nodes(axis) { self.gpu.inter_node_bus_bandwidth } else { self.gpu.intra_node_bus_bandwidth };
        let p = &self.params;
        let bandwidth = p.collective_efficiency * peak * message_bytes / (message_bytes + p.half_bandwidth_bytes);
        p.collective_latency_s + if bandwidth > 0.0 { bus_bytes / bandwidth } else { 0.0 }
    }

    /// Seconds for a GEMM of `flops` on operands of `dtype` with dimensions m, n, k.
    pub fn gemm(&self, dtype: DType, flops: f64, dims: [f64; 3]) -> f64 {
        let peak = if dtype == DType::F32 { self.gpu.peak_fp32_flops } else { self.gpu.peak_bf16_flops };
        let knee = self.params.gemm_knee;
        let shape: f64 = dims.iter().map(|&d| d / (d + knee)).product();
        let efficiency = self.params.gemm_efficiency * self.gpu.gemm_max_efficiency * shape;
        self.params.kernel_overhead_s + if efficiency > 0.0 { flops / (peak * efficiency) } else { 0.0 }
    }

    pub fn memory_bound(&self, bytes: f64) -> f64 {
        self.params.kernel_overhead_s + bytes / (self.gpu.hbm_bandwidth * self.params.memory_efficiency)
    }

    /// The cost of function `name` of `module` (calls included; memoized in `memo`).
    pub fn function(&self, module: &Module, name: &str, memo: &mut BTreeMap<String, FunctionCost>) -> FunctionCost {
        if let Some(c) = memo.get(name) {
            return c.clone();
        }
        // A call cycle is refused by the loader; here it only needs to end.
        memo.insert(name.to_string(), FunctionCost::default());
        let cost = match module.function(name) {
            Some(f) => self.body(module, f, memo),
            None => FunctionCost::default(),
        };
        memo.insert(name.to_string(), cost.clone());
        cost
    }

    fn body(&self, module: &Module, f: &Function, memo: &mut BTreeMap<String, FunctionCost>) -> FunctionCost {
        let mut c = FunctionCost::default();
        for &op in &f.blocks[f.entry_block()].ops {
            let data = &f.ops[op];
            let OpKind::Exec(kind) = data.kind else { continue };
            let ty = |i: usize| f.value_type(data.operands[i]).as_tensor();
            let bytes = |i: usize| ty(i).size_bytes() as f64;
            let n = data.attrs.int("size").unwrap_or(1).max(1) as f64;
            let axis = data.attrs.str("axis").unwrap_or("").to_string();
            let mut comm = |seconds: f64| *c.time.comm_s.entry(axis.clone()).or_default() += seconds;
            match kind {
                ExecOp::Tensor | ExecOp::View | ExecOp::Reshape | ExecOp::Yield | ExecOp::LoadBatch => {}
                ExecOp::Call => {
                    let callee = self.function(module, data.attrs.str("callee").unwrap_or(""), memo);
                    c.time.add(&callee.time, 1.0);
                    c.gemm_flops += callee.gemm_flops;
                }
                ExecOp::Gemm => {
                    let (a, out) = (ty(0), ty(2));
                    let r = out.shape.len();
                    let (m, nn) = (out.shape[r - 2] as f64, out.shape[r - 1] as f64);
                    let ar = a.shape.len();
                    let k = if data.attrs.get("transpose_a") == Some(&parc_dialects::attr::Attr::Bool(true)) {
                        a.shape[ar - 2]
                    } else {
                        a.shape[ar - 1]
                    };
                    let batch: f64 = out.shape[..r - 2].iter().map(|&d| d as f64).product();
                    let flops = 2.0 * batch * m * nn * k as f64;
                    c.gemm_flops += flops;
                    c.time.gemm_s += self.gemm(a.dtype, flops, [m, nn, k as f64]);
                }
                ExecOp::AllReduce => {
                    let total: f64 = (0..data.operands.len()).map(bytes).sum();
                    comm(self.collective(&axis, total, 2.0 * (n - 1.0) / n * total));
                }
                ExecOp::AllGather => {
                    let out = bytes(1);
                    comm(self.collective(&axis, out, (n - 1.0) / n * out));
                }
                ExecOp::ReduceScatter => {
                    let input = bytes(0);
                    comm(self.collective(&axis, input, (n - 1.0) / n * input));
                }
                // Each member sends the other n − 1 their chunks: (n−1)/n of the buffer, at the
                // bus bandwidth (inside a node), or across nodes at the profile's inter-node
                // figure, one NIC per GPU, which is what an all-to-all reaches there.
                ExecOp::AllToAll => {
                    let input = bytes(0);
                    comm(self.collective(&axis, input, (n - 1.0) / n * input));
                }
                // A send moves its buffer to one neighbour; the matching receive waits for it.
                ExecOp::Send => {
                    let b = bytes(0);
                    comm(self.collective(&axis, b, b));
                }
                ExecOp::Recv => {}
                // Every other kernel reads its inputs and writes its outputs once.
                _ => {
                    let moved: f64 = (0..data.operands.len()).map(bytes).sum();
                    c.time.memory_s += self.memory_bound(moved);
                }
            }
        }
        c
    }
}

/// A plan's predicted step on a GPU.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    pub gpu: String,
    pub step_time_s: f64,
    pub tokens_per_s: f64,
    /// Model FLOPs per step (PaLM's definition: 6 per parameter and token, plus attention's
    /// 12 · layers · hidden · seq_len per token) per second per GPU, in TFLOP/s.
    pub tflops_per_gpu: f64,
    /// The GEMM FLOPs the programs run (recomputation included) per second per GPU, TFLOP/s.
    pub hardware_tflops_per_gpu: f64,
    /// Model FLOP/s utilization: `tflops_per_gpu` over the GPU's bf16 (or fp32) peak.
    pub mfu: f64,
    /// Where the step goes on the slowest rank: GEMMs, other kernels, each axis' collectives,
    /// and with pipeline stages the bubble (idle time of that rank's stage).
    pub breakdown: StepBreakdown,
    /// With pipeline stages, what the schedule is simulated with (`parc inspect --timeline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_s: Option<ChunkSeconds>,
    /// Whether the prediction used the free parameters fitted to published runs ([`FreeParams::FITTED`]).
    pub calibrated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepBreakdown {
    pub gemm_s: f64,
    pub memory_s: f64,
    pub comm_s: BTreeMap<String, f64>,
    pub pp_bubble_s: f64,
    /// With pipeline stages, the time the fitted pipeline efficiency adds to the chunks.
    pub pp_overhead_s: f64,
}

/// One micro-batch through the slowest stage's chunks, seconds, the fitted pipeline efficiency
/// included: the costs the schedule is simulated with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChunkSeconds {
    pub forward_s: f64,
    pub backward_input_s: f64,
    pub backward_weight_s: f64,
}

/// What [`predict`] needs of the plan besides its programs.
pub struct StepFacts {
    /// Tokens per step (global batch × sequence length).
    pub tokens: f64,
    /// PaLM's model FLOPs per step.
    pub model_flops: f64,
    /// The pipeline schedule, chunks and micro-batches per step, with pipeline stages.
    pub pipeline: Option<(ScheduleKind, usize, usize)>,
    /// Whether the training is fp32 (its GEMMs run at the fp32 peak).
    pub fp32: bool,
}

/// PaLM's model FLOPs per step (Chowdhery et al. 2022, appendix B): `tokens · (6·N + 12·l·h·s)`.
pub fn model_flops(params: u64, layers: usize, hidden: usize, seq_len: usize, tokens: f64) -> f64 {
    tokens * (6.0 * params as f64 + 12.0 * (layers * hidden * seq_len) as f64)
}

/// The predicted step of a plan whose rank programs are `modules` (one for every rank, or one
/// per pipeline stage in stage order).
pub fn predict(model: &CostModel, modules: &[Module], facts: &StepFacts) -> Result<Prediction, String> {
    let world = model.mesh.world_size() as f64;
    let mut stages = Vec::new();
    for m in modules {
        let mut memo = BTreeMap::new();
        let step = model.function(m, crate::passes::lower_exec::TRAIN_STEP, &mut memo);
        // The chunk functions' time per step: what the schedule interleaves.
        let (mut forward, mut backward_input, mut backward_weight) = (0.0, 0.0, 0.0);
        let calls = call_counts(m, crate::passes::lower_exec::TRAIN_STEP);
        for (callee, times) in &calls {
            let t = memo.get(callee).map_or(0.0, |c| c.time.total()) * *times as f64;
            if callee.starts_with("forward_c") {
                forward += t;
            } else if callee.starts_with("backward_input_c") {
                backward_input += t;
            } else if callee.starts_with("backward_weight_c") {
                backward_weight += t;
            } else if callee.starts_with("backward_c") {
                // A whole backward: its input and weight halves are not told apart.
                backward_input += t / 2.0;
                backward_weight += t / 2.0;
            }
        }
        if backward_input == 0.0 && backward_weight > 0.0 {
            // ZB-H1's first chunk has no input gradient to pass back: its weight pass is the
            // whole backward. The schedule is simulated with one cost per pass for every stage,
            // so it counts as a whole backward's halves here, as on the other stages.
            backward_input = backward_weight / 2.0;
            backward_weight /= 2.0;
        }
        stages.push((step, forward, backward_input, backward_weight));
    }
    let mut chunk_s = None;
    let (slowest, step_time, bubble, overhead) = match facts.pipeline {
        None => {
            let (i, s) = stages
                .iter()
                .enumerate()
                .max_by(|a, b| a.1 .0.time.total().total_cmp(&b.1 .0.time.total()))
                .ok_or("no program to predict")?;
            (i, s.0.time.total(), 0.0, 0.0)
        }
        Some((kind, chunks, microbatches)) => {
            let m = microbatches as f64 * model.params.pipeline_efficiency;
            // The schedule with the slowest stage's per-micro-batch costs on every stage.
            let costs = UnitCosts {
                forward: stages.iter().map(|s| s.1 / m).fold(0.0, f64::max),
                backward_input: stages.iter().map(|s| s.2 / m).fold(0.0, f64::max),
                backward_weight: stages.iter().map(|s| s.3 / m).fold(0.0, f64::max),
            };
            let timeline = simulate(kind, stages.len(), microbatches, chunks, costs).map_err(|e| e.to_string())?;
            chunk_s = Some(ChunkSeconds {
                forward_s: costs.forward,
                backward_input_s: costs.backward_input,
                backward_weight_s: costs.backward_weight,
            });
            // Outside the schedule: the optimizer step, gradient reduction, what the step does
            // between chunk calls (sends and receives included).
            let (i, outside) = stages
                .iter()
                .map(|s| s.0.time.total() - (s.1 + s.2 + s.3))
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .ok_or("no stage to predict")?;
            let work = stages[i].1 + stages[i].2 + stages[i].3;
            let busy = work / model.params.pipeline_efficiency;
            (i, timeline.makespan + outside, (timeline.makespan - busy).max(0.0), busy - work)
        }
    };
    let s = &stages[slowest].0;
    let gemm_flops_per_step: f64 = stages.iter().map(|s| s.0.gemm_flops).sum::<f64>() * world / stages.len() as f64;
    let peak = if facts.fp32 { model.gpu.peak_fp32_flops } else { model.gpu.peak_bf16_flops };
    let per_gpu = |flops: f64| flops / step_time / world;
    Ok(Prediction {
        gpu: model.gpu.name.clone(),
        step_time_s: step_time,
        tokens_per_s: facts.tokens / step_time,
        tflops_per_gpu: per_gpu(facts.model_flops) / 1e12,
        hardware_tflops_per_gpu: per_gpu(gemm_flops_per_step) / 1e12,
        mfu: per_gpu(facts.model_flops) / peak,
        breakdown: StepBreakdown {
            gemm_s: s.time.gemm_s,
            memory_s: s.time.memory_s,
            comm_s: s.time.comm_s.clone(),
            pp_bubble_s: bubble,
            pp_overhead_s: overhead,
        },
        chunk_s,
        calibrated: model.params == FreeParams::FITTED,
    })
}

/// How many times `name` calls each function, directly or through its callees.
fn call_counts(module: &Module, name: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    fn walk(module: &Module, name: &str, times: u64, depth: usize, out: &mut BTreeMap<String, u64>) {
        let Some(f) = module.function(name) else { return };
        if depth > 16 {
            return;
        }
        for &op in &f.blocks[f.entry_block()].ops {
            let data = &f.ops[op];
            if data.kind == OpKind::Exec(ExecOp::Call) {
                let callee = data.attrs.str("callee").unwrap_or("");
                *out.entry(callee.to_string()).or_default() += times;
                walk(module, callee, times, depth + 1, out);
            }
        }
    }
    walk(module, name, 1, 0, &mut out);
    out
}

/// The prediction for a compiled plan on `gpu` with the fitted free parameters.
pub fn predict_output(out: &crate::driver::CompileOutput, gpu: &GpuProfile) -> Result<Prediction, String> {
    let plan = &out.plan;
    let mesh = Mesh::new(plan.mesh.dp, plan.mesh.pp, plan.mesh.tp, plan.mesh.ep)?;
    let model = CostModel { gpu, mesh, params: FreeParams::FITTED };
    let tokens = plan.training.tokens_per_step as f64;
    let m = &plan.model;
    let facts = StepFacts {
        tokens,
        // A MoE token passes through top_k of each layer's experts.
        model_flops: model_flops(
            plan.parameters.active_per_token.unwrap_or(plan.parameters.count),
            m.layers,
            m.hidden,
            m.seq_len,
            tokens,
        ),
        pipeline: match &plan.pipeline {
            Some(p) => Some((ScheduleKind::parse(p.schedule).map_err(|e| e.to_string())?, p.chunks, p.microbatches)),
            None => None,
        },
        fp32: plan.training.precision == "fp32",
    };
    let modules = if out.stages.is_empty() { std::slice::from_ref(&out.module) } else { &out.stages[..] };
    predict(&model, modules, &facts)
}
