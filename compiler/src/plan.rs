//! `plan.json`: the machine-readable summary of a compilation (model, training settings, mesh,
//! parameter count and bytes, graph size, IR dumps). Field order is fixed by the structs, so the
//! same input gives byte-identical files. Documented in docs/ARCHITECTURE.md ("plan.json").

use std::collections::BTreeMap;

use parc_dialects::ir::Module;
use serde::Serialize;

use crate::frontend::{Activation, LrSchedule, ModelSpec, Norm, Optimizer, Position, Precision, Recompute};
use crate::mesh::Mesh;
use crate::models::param_names;

/// Version tag of the plan format.
pub const PLAN_FORMAT: &str = "parc-plan/1";

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Plan {
    pub format: &'static str,
    pub model: ModelSummary,
    pub training: TrainingSummary,
    pub mesh: MeshSummary,
    pub parameters: ParamSummary,
    pub graph: GraphSummary,
    pub programs: ProgramSummary,
    /// With pipeline stages: the stage split, the schedule and activation memory per stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<crate::pipeline::PipelineSummary>,
    /// With `--gpu`: the cost model's predicted step on that GPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<crate::cost::Prediction>,
    /// IR dumps written, relative to the output directory, in pipeline order.
    pub ir: Vec<String>,
}

/// The per-rank programs and their static memory plan.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ProgramSummary {
    pub generated: bool,
    /// Why no programs were generated, when they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Program files, relative to the output directory. Every rank of a mesh without pipeline
    /// stages runs the one program `rank-0000.mlir` with its own mesh coordinates.
    pub files: Vec<String>,
    /// How many ranks run each file (the world size: one shared SPMD program).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranks_per_file: Option<usize>,
    /// The FNV-1a 64-bit hash (hex) of each file of `files`, as `parc compile` wrote it: `parc
    /// check` compares them to tell a program edited since from a bug of its own. Empty until the
    /// files are written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fnv1a64: Vec<String>,
    /// Bytes of each rank's arena by category (exact, from the static plan; the same on every
    /// rank, which all run one program).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemorySummary>,
    /// Bytes each rank sends per training step, by collective and mesh axis (ring algorithms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<CommSummary>,
}

/// One kind of collective on one mesh axis, per training step and rank.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct CommSummary {
    /// `all_reduce`, `all_gather`, `reduce_scatter`, `all_to_all`, or `send` (pipeline
    /// activations and gradients to the neighbouring stage).
    pub collective: String,
    /// The mesh group it runs on (`dp`, `tp`, `pp`, `ep`, `edp`, `pp_ends`).
    pub axis: String,
    /// The number of ranks in the group.
    pub group_size: usize,
    /// Calls per step.
    pub calls: u64,
    /// Bytes of the buffers the calls reduce or gather (the whole tensor: the output of an
    /// all-gather, the input of a reduce-scatter, the send buffer of an all-to-all).
    pub buffer_bytes: u64,
    /// Bytes this rank sends per step with ring algorithms: 2(n−1)/n of the buffer for an
    /// all-reduce, (n−1)/n for an all-gather or a reduce-scatter, (n−1)/n for an all-to-all (the
    /// chunks for the other members; its own chunk stays).
    pub bytes_sent: u64,
}

/// The collectives a rank program issues per training step: `@train_step` and the functions it
/// calls (each as often as it is called), grouped by kind and axis.
pub fn communication(module: &Module) -> Vec<CommSummary> {
    use parc_dialects::exec::ExecOp;
    use parc_dialects::ir::OpKind;
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(String, String), (usize, u64, u64)> = BTreeMap::new();
    fn walk(
        module: &Module,
        name: &str,
        times: u64,
        depth: usize,
        counts: &mut BTreeMap<(String, String), (usize, u64, u64)>,
    ) {
        let Some(f) = module.function(name) else { return };
        if depth > 16 {
            return;
        }
        for &op in &f.blocks[f.entry_block()].ops {
            let data = &f.ops[op];
            let OpKind::Exec(kind) = data.kind else { continue };
            let bytes = |i: usize| f.value_type(data.operands[i]).as_tensor().size_bytes();
            let buffer = match kind {
                ExecOp::Call => {
                    walk(module, data.attrs.str("callee").unwrap_or(""), times, depth + 1, counts);
                    continue;
                }
                ExecOp::AllReduce => (0..data.operands.len()).map(bytes).sum(),
                ExecOp::AllGather => bytes(1),
                ExecOp::ReduceScatter => bytes(0),
                ExecOp::AllToAll => bytes(0),
                ExecOp::Send => bytes(0),
                _ => continue,
            };
            let n = data.attrs.int("size").unwrap_or(1).max(1) as usize;
            let key =
                (kind.name().trim_start_matches("exec.").to_string(), data.attrs.str("axis").unwrap_or("").to_string());
            let e = counts.entry(key).or_insert((n, 0, 0));
            e.1 += times;
            e.2 += times * buffer;
        }
    }
    walk(module, "train_step", 1, 0, &mut counts);
    counts
        .into_iter()
        .map(|((collective, axis), (n, calls, buffer_bytes))| {
            let bytes_sent = match collective.as_str() {
                // Point to point: the whole buffer to one peer.
                "send" => buffer_bytes,
                "all_reduce" => (buffer_bytes as u128 * 2 * (n as u128 - 1) / n as u128) as u64,
                _ => (buffer_bytes as u128 * (n as u128 - 1) / n as u128) as u64,
            };
            CommSummary { collective, axis, group_size: n, calls, buffer_bytes, bytes_sent }
        })
        .collect()
}

/// A rank's memory by category, in bytes.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct MemorySummary {
    pub parameters: u64,
    pub gradients: u64,
    pub optimizer_state: u64,
    pub inputs: u64,
    pub outputs: u64,
    /// A pipeline stage's stashed activations: what the backward reads, one set per micro-batch
    /// (and chunk) in flight between its forward and its backward (and ZB-H1's stashed gradients
    /// between its input- and weight-gradient passes).
    #[serde(skip_serializing_if = "is_zero")]
    pub stash: u64,
    /// Transient bytes saved by the forward pass for the backward pass, at the transient peak.
    pub activations: u64,
    /// Other transient bytes live at the transient peak.
    pub temporaries: u64,
    /// Size of the transient region (the peak of transient bytes, with alignment and gaps).
    pub transient: u64,
    /// The whole arena: what the rank allocates, its exact peak.
    pub peak: u64,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ModelSummary {
    pub name: String,
    pub vocab: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub ffn: usize,
    pub seq_len: usize,
    pub norm: &'static str,
    pub norm_eps: f64,
    pub activation: &'static str,
    pub position: &'static str,
    pub rope_theta: Option<f64>,
    pub tie_embeddings: bool,
    pub bias: bool,
    /// The `[model.moe]` table resolved (absent for a dense model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moe: Option<MoeSummary>,
}

/// A mixture-of-experts model's routing, resolved (docs/moe.md).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct MoeSummary {
    pub experts: usize,
    pub top_k: usize,
    pub expert_ffn: usize,
    pub every: usize,
    /// The layers (0-based) with a MoE MLP.
    pub moe_layers: Vec<usize>,
    /// Experts each rank holds (`experts / ep`), each split over tp along its ffn
    /// (`expert_ffn_per_rank`).
    pub experts_per_rank: usize,
    pub expert_ffn_per_rank: usize,
    /// One MoE layer's dispatch buffer on one rank, per micro-batch: as the dispatch fills it
    /// (`[experts, capacity, hidden]`: the rank's tokens for every expert), and as the expert
    /// GEMMs read it after the all-to-all over ep (`[experts / ep, ep · capacity, hidden]`: every
    /// ep peer's tokens for the rank's experts).
    pub dispatch_buffer: [usize; 3],
    pub expert_buffer: [usize; 3],
    pub router: &'static str,
    /// `null`: dropless.
    pub capacity_factor: Option<f64>,
    /// Slots per expert in one micro-batch of one data-parallel rank (`micro_batch · seq_len`
    /// tokens); dropless plans the worst case, every token to one expert.
    pub capacity: usize,
    pub aux_loss_coef: f64,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct TrainingSummary {
    pub global_batch: usize,
    pub micro_batch: usize,
    /// Micro-batches each data-parallel rank runs per step: global_batch / (micro_batch · dp).
    pub micro_batches_per_step: usize,
    pub tokens_per_step: usize,
    pub precision: &'static str,
    /// The dtype of the gradients' collectives.
    pub grad_reduce_dtype: &'static str,
    pub zero: u8,
    pub recompute: &'static str,
    pub seed: u64,
    pub optimizer: OptimizerSummary,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct OptimizerSummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub betas: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    pub weight_decay: f64,
    pub grad_clip: Option<f64>,
    pub warmup_steps: u64,
    /// The step at which the cosine decay reaches min_lr (0 for a constant schedule).
    pub decay_steps: u64,
    pub lr_schedule: &'static str,
    pub min_lr: f64,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct MeshSummary {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    pub ep: usize,
    pub world_size: usize,
    pub rank_order: &'static str,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ParamSummary {
    /// Number of parameters (elements), the whole model.
    pub count: u64,
    /// Bytes of the parameters in the training precision, the whole model.
    pub bytes: u64,
    pub dtype: &'static str,
    /// Number of parameter tensors.
    pub tensors: usize,
    /// Parameter count per part of the model: embedding, attention, mlp, norm, lm_head, and for
    /// a MoE model router and experts.
    pub by_part: BTreeMap<&'static str, u64>,
    /// Parameters one token uses (a MoE model's token runs top_k of the experts of each layer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_per_token: Option<u64>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct GraphSummary {
    pub functions: usize,
    pub ops: usize,
    /// Number of ops of each kind, by op name.
    pub ops_by_kind: BTreeMap<&'static str, usize>,
}

/// Which part of the model a parameter belongs to.
fn part_of(name: &str) -> &'static str {
    if name.starts_with("embed.") {
        "embedding"
    } else if name.starts_with("lm_head.") {
        "lm_head"
    } else if name.contains("norm") {
        "norm"
    } else if name.contains(".attn.") {
        "attention"
    } else if name.contains(".moe.router.") {
        "router"
    } else if name.contains(".moe.experts.") {
        "experts"
    } else {
        "mlp"
    }
}

/// Summarizes a compilation.
pub fn make_plan(spec: &ModelSpec, mesh: &Mesh, module: &Module, ir: Vec<String>) -> Plan {
    let m = &spec.model;
    let t = &spec.training;
    let params = param_names(m);
    let count: u64 = params.iter().map(|p| p.shape.iter().map(|&d| d as u64).product::<u64>()).sum();
    let mut by_part = BTreeMap::new();
    for p in &params {
        *by_part.entry(part_of(&p.name)).or_insert(0) += p.shape.iter().map(|&d| d as u64).product::<u64>();
    }
    let (dtype, elem_bytes) = match t.precision {
        Precision::Fp32 => ("f32", 4),
        Precision::Bf16 => ("bf16", 2),
    };
    let mut ops_by_kind = BTreeMap::new();
    let mut ops = 0;
    for f in &module.functions {
        for op in f.walk_ops() {
            *ops_by_kind.entry(f.ops[op].kind.name()).or_insert(0) += 1;
            ops += 1;
        }
    }
    let optimizer = match t.optimizer {
        Optimizer::AdamW { lr, beta1, beta2, eps, weight_decay } => OptimizerSummary {
            kind: "adamw",
            lr,
            betas: Some([beta1, beta2]),
            eps: Some(eps),
            momentum: None,
            weight_decay,
            grad_clip: t.grad_clip,
            warmup_steps: t.schedule.warmup_steps,
            decay_steps: t.schedule.decay_steps,
            lr_schedule: schedule_name(t.schedule.kind),
            min_lr: t.schedule.min_lr,
        },
        Optimizer::Sgd { lr, momentum, weight_decay } => OptimizerSummary {
            kind: "sgd",
            lr,
            betas: None,
            eps: None,
            momentum: Some(momentum),
            weight_decay,
            grad_clip: t.grad_clip,
            warmup_steps: t.schedule.warmup_steps,
            decay_steps: t.schedule.decay_steps,
            lr_schedule: schedule_name(t.schedule.kind),
            min_lr: t.schedule.min_lr,
        },
    };
    Plan {
        format: PLAN_FORMAT,
        model: ModelSummary {
            name: m.name.clone(),
            vocab: m.vocab,
            hidden: m.hidden,
            layers: m.layers,
            heads: m.heads,
            kv_heads: m.kv_heads,
            head_dim: m.head_dim(),
            ffn: m.ffn,
            seq_len: m.seq_len,
            norm: if m.norm == Norm::LayerNorm { "layernorm" } else { "rmsnorm" },
            norm_eps: m.norm_eps,
            activation: if m.activation == Activation::Gelu { "gelu" } else { "swiglu" },
            position: if m.position == Position::Learned { "learned" } else { "rope" },
            rope_theta: (m.position == Position::Rope).then_some(m.rope_theta),
            tie_embeddings: m.tie_embeddings,
            bias: m.bias,
            moe: m.moe.as_ref().map(|moe| MoeSummary {
                experts: moe.experts,
                top_k: moe.top_k,
                expert_ffn: moe.expert_ffn,
                every: moe.every,
                moe_layers: (0..m.layers).filter(|&l| moe.is_moe_layer(l)).collect(),
                experts_per_rank: moe.experts / mesh.ep,
                expert_ffn_per_rank: moe.expert_ffn / mesh.tp,
                dispatch_buffer: [moe.experts, moe.capacity(t.micro_batch * m.seq_len), m.hidden],
                expert_buffer: [moe.experts / mesh.ep, mesh.ep * moe.capacity(t.micro_batch * m.seq_len), m.hidden],
                router: moe.router.name(),
                capacity_factor: moe.capacity_factor,
                capacity: moe.capacity(t.micro_batch * m.seq_len),
                aux_loss_coef: moe.aux_loss_coef,
            }),
        },
        training: TrainingSummary {
            global_batch: t.global_batch,
            micro_batch: t.micro_batch,
            micro_batches_per_step: t.global_batch / (t.micro_batch * mesh.dp),
            tokens_per_step: t.global_batch * m.seq_len,
            precision: if t.precision == Precision::Fp32 { "fp32" } else { "bf16" },
            grad_reduce_dtype: if t.grad_reduce() == parc_dialects::types::DType::F32 { "fp32" } else { "bf16" },
            zero: t.zero,
            recompute: match t.recompute {
                Recompute::None => "none",
                Recompute::Selective => "selective",
                Recompute::Full => "full",
            },
            seed: t.seed,
            optimizer,
        },
        mesh: MeshSummary {
            dp: mesh.dp,
            pp: mesh.pp,
            tp: mesh.tp,
            ep: mesh.ep,
            world_size: mesh.world_size(),
            rank_order: "rank = (pp_idx * dp + dp_idx) * tp + tp_idx; ep_idx = dp_idx % ep",
        },
        parameters: ParamSummary {
            count,
            bytes: count * elem_bytes,
            dtype,
            tensors: params.len(),
            active_per_token: m.moe.as_ref().map(|moe| {
                let experts = by_part.get("experts").copied().unwrap_or(0);
                count - experts / moe.experts as u64 * (moe.experts - moe.top_k) as u64
            }),
            by_part,
        },
        graph: GraphSummary { functions: module.functions.len(), ops, ops_by_kind },
        programs: program_summary(mesh, module),
        pipeline: None,
        prediction: None,
        ir,
    }
}

/// The programs of a mesh with pipeline stages: one file per stage.
pub fn stage_programs(mesh: &Mesh) -> ProgramSummary {
    ProgramSummary {
        generated: true,
        note: Some(format!(
            "one program per pipeline stage (stage-S.mlir), run by the {} ranks of the stage; memory and communication per stage are under pipeline.per_stage",
            mesh.world_size() / mesh.pp
        )),
        files: (0..mesh.pp).map(|s| format!("stage-{s}.mlir")).collect(),
        ranks_per_file: Some(mesh.world_size() / mesh.pp),
        fnv1a64: Vec::new(),
        memory: None,
        communication: Vec::new(),
    }
}

/// A program's memory by category, from its `exec.memory` attribute.
pub fn memory_summary(module: &Module) -> Option<MemorySummary> {
    match module.attrs.get("exec.memory") {
        Some(parc_dialects::Attr::Dict(d)) => {
            let get = |k: &str| d.int(k).unwrap_or(0).max(0) as u64;
            Some(MemorySummary {
                parameters: get("parameters"),
                gradients: get("gradients"),
                optimizer_state: get("optimizer_state"),
                inputs: get("inputs"),
                outputs: get("outputs"),
                stash: get("stash"),
                activations: get("activations"),
                temporaries: get("temporaries"),
                transient: get("transient"),
                peak: get("arena"),
            })
        }
        _ => None,
    }
}

impl MemorySummary {
    /// The categories `parc inspect --memory` prints, in order: the persistent ones (the first
    /// five), then the transient region's and the peak.
    pub const CATEGORIES: [&'static str; 9] = [
        "parameters",
        "gradients",
        "optimizer_state",
        "inputs",
        "outputs",
        "activations",
        "temporaries",
        "transient",
        "peak",
    ];
}

fn program_summary(mesh: &Mesh, module: &Module) -> ProgramSummary {
    let memory = memory_summary(module);
    match memory {
        Some(memory) => ProgramSummary {
            generated: true,
            note: None,
            files: vec!["rank-0000.mlir".into()],
            ranks_per_file: (mesh.world_size() > 1).then_some(mesh.world_size()),
            fnv1a64: Vec::new(),
            memory: Some(memory),
            communication: communication(module),
        },
        None => ProgramSummary {
            generated: false,
            note: Some(format!(
                "rank programs are generated for meshes without pipeline stages: mesh {mesh} has pp = {}, and the pipeline lowering (stages, schedules, send/recv) is not built yet",
                mesh.pp
            )),
            files: Vec::new(),
            ranks_per_file: None,
            fnv1a64: Vec::new(),
            memory: None,
            communication: Vec::new(),
        },
    }
}

fn schedule_name(s: LrSchedule) -> &'static str {
    match s {
        LrSchedule::Constant => "constant",
        LrSchedule::Cosine => "cosine",
    }
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}
