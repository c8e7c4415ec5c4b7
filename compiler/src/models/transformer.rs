//! The dense decoder-only transformer (GPT-2 and Llama families) as a `graph`-dialect function.
//!
//! Signature of `@forward`, the computation of one micro-batch on one device:
//!
//! ```text
//! func.func @forward(%tokens: tensor<bxSxi32> {parc.input = "tokens"},
//!                    %labels: tensor<bxSxi32> {parc.input = "labels"},
//!                    %embed.tokens.weight: tensor<VxHxf32> {parc.param = "embed.tokens.weight"}, …)
//!     -> tensor<f32>       // this micro-batch's share of the step's mean token loss
//! ```
//!
//! `b` is `micro_batch`. The result is `sum(token losses) / (global_batch · S)`, so the step's
//! loss — the mean token cross-entropy over the whole global batch — is the plain sum of the
//! results over every micro-batch and every data-parallel rank, however the batch is split. The
//! graph depends on the model file only, never on the mesh. Weights are stored `[in, out]` (the
//! layer computes `x @ W`). Attention is written out as matmuls and a causal softmax over a
//! `[b, kv_heads, group, S, head_dim]` layout (`group = heads / kv_heads`; the group dim is
//! dropped when it is 1), so grouped-query attention is a broadcast of keys and values.

use std::collections::HashMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::{BuildError, Builder};
use parc_dialects::dist::Placement;
use parc_dialects::graph::GraphOp;
use parc_dialects::{DType, Function, Module, Type, Value};

use crate::frontend::{Activation, ModelConfig, ModelSpec, Norm, Position, Precision};
use crate::passes::recompute;

/// How tensor parallelism splits one parameter (Megatron, Shoeybi et al. 2019). The model builder
/// says it for every weight it declares; the sharding strategy reads it from the argument
/// attribute `parc.tp` and never looks at parameter names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TpLayout {
    /// Every tp rank holds all of it (norms, and whatever is not listed).
    Replicated,
    /// Column-parallel: the output features (the last dim) are split, for a weight `[in, out]`
    /// and its bias `[out]` alike (q/k/v, MLP up and gate, an untied LM head over the vocabulary).
    Column,
    /// Row-parallel: a weight's input features (dim 0, or dim 1 of experts stacked `[E, in, out]`)
    /// are split and its output is partial; its bias is added once, after the reduction, so it
    /// stays replicated (attention output, MLP down).
    Row,
    /// Vocab-parallel embedding table `[vocab, hidden]`: rows (tokens) are split.
    Vocab,
}

impl TpLayout {
    /// The name in the `parc.tp` argument attribute (none for [`TpLayout::Replicated`]).
    pub fn name(self) -> Option<&'static str> {
        match self {
            TpLayout::Replicated => None,
            TpLayout::Column => Some("column"),
            TpLayout::Row => Some("row"),
            TpLayout::Vocab => Some("vocab"),
        }
    }

    /// The layout named `name`.
    pub fn from_name(name: &str) -> Option<TpLayout> {
        [TpLayout::Column, TpLayout::Row, TpLayout::Vocab].into_iter().find(|l| l.name() == Some(name))
    }

    /// The tp placement of a parameter of rank `rank` with this layout.
    pub fn placement(self, rank: usize) -> Placement {
        match self {
            TpLayout::Replicated => Placement::Replicate,
            TpLayout::Column => Placement::Shard(rank.saturating_sub(1)),
            TpLayout::Row if rank >= 2 => Placement::Shard(rank - 2),
            TpLayout::Row => Placement::Replicate,
            TpLayout::Vocab => Placement::Shard(0),
        }
    }
}

/// One parameter tensor of the model.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamInfo {
    /// Stable name, used in IR attributes and weight files (`layers.0.attn.q.weight`).
    pub name: String,
    pub shape: Vec<usize>,
    /// How tensor parallelism splits it.
    pub tp: TpLayout,
    /// An expert's weight, stacked over the experts along dim 0 (split by expert parallelism; the
    /// argument attribute `parc.expert`).
    pub expert: bool,
}

/// The model's parameters in argument order, with their shapes.
pub fn param_names(m: &ModelConfig) -> Vec<ParamInfo> {
    let (h, f, v, s) = (m.hidden, m.ffn, m.vocab, m.seq_len);
    let (q_dim, kv_dim) = (m.heads * m.head_dim(), m.kv_heads * m.head_dim());
    let mut out = Vec::new();
    let mut p = |name: String, shape: Vec<usize>, tp: TpLayout| {
        let expert = name.contains(".moe.experts.");
        out.push(ParamInfo { name, shape, tp, expert })
    };
    p("embed.tokens.weight".into(), vec![v, h], TpLayout::Vocab);
    if m.position == Position::Learned {
        p("embed.positions.weight".into(), vec![s, h], TpLayout::Replicated);
    }
    let norm = |p: &mut dyn FnMut(String, Vec<usize>, TpLayout), prefix: &str| {
        p(format!("{prefix}.weight"), vec![h], TpLayout::Replicated);
        if m.norm == Norm::LayerNorm {
            p(format!("{prefix}.bias"), vec![h], TpLayout::Replicated);
        }
    };
    let linear = |p: &mut dyn FnMut(String, Vec<usize>, TpLayout), prefix: &str, i: usize, o: usize, tp| {
        p(format!("{prefix}.weight"), vec![i, o], tp);
        if m.bias {
            p(format!("{prefix}.bias"), vec![o], tp);
        }
    };
    use TpLayout::{Column, Row};
    for l in 0..m.layers {
        norm(&mut p, &format!("layers.{l}.attn_norm"));
        linear(&mut p, &format!("layers.{l}.attn.q"), h, q_dim, Column);
        linear(&mut p, &format!("layers.{l}.attn.k"), h, kv_dim, Column);
        linear(&mut p, &format!("layers.{l}.attn.v"), h, kv_dim, Column);
        linear(&mut p, &format!("layers.{l}.attn.o"), q_dim, h, Row);
        norm(&mut p, &format!("layers.{l}.mlp_norm"));
        if let Some(moe) = m.moe.as_ref().filter(|moe| moe.is_moe_layer(l)) {
            // The router and every expert's MLP, experts stacked along dim 0 (docs/moe.md).
            let (e, ef) = (moe.experts, moe.expert_ffn);
            let pre = format!("layers.{l}.moe");
            p(format!("{pre}.router.weight"), vec![h, e], TpLayout::Replicated);
            // Megatron's MLP split inside every expert: gate and up column-parallel (weight and
            // bias split along the expert's ffn), down row-parallel (its bias added once, after
            // the reduction).
            let mut expert = |name: &str, i: usize, o: usize, tp: TpLayout| {
                p(format!("{pre}.experts.{name}.weight"), vec![e, i, o], tp);
                if m.bias {
                    let bias_tp = if tp == Row { TpLayout::Replicated } else { tp };
                    p(format!("{pre}.experts.{name}.bias"), vec![e, o], bias_tp);
                }
            };
            if m.activation == Activation::SwiGlu {
                expert("gate", h, ef, Column);
            }
            expert("up", h, ef, Column);
            expert("down", ef, h, Row);
            continue;
        }
        if m.activation == Activation::SwiGlu {
            linear(&mut p, &format!("layers.{l}.mlp.gate"), h, f, Column);
        }
        linear(&mut p, &format!("layers.{l}.mlp.up"), h, f, Column);
        linear(&mut p, &format!("layers.{l}.mlp.down"), f, h, Row);
    }
    norm(&mut p, "final_norm");
    if !m.tie_embeddings {
        p("lm_head.weight".into(), vec![h, v], Column);
    }
    out
}

fn int(v: usize) -> Attr {
    Attr::Int(v as i64)
}

/// Module attributes that make a dump self-describing.
fn model_attrs(spec: &ModelSpec) -> AttrMap {
    let m = &spec.model;
    let t = &spec.training;
    let model = AttrMap::new()
        .with("name", Attr::Str(m.name.clone()))
        .with("vocab", int(m.vocab))
        .with("hidden", int(m.hidden))
        .with("layers", int(m.layers))
        .with("heads", int(m.heads))
        .with("kv_heads", int(m.kv_heads))
        .with("ffn", int(m.ffn))
        .with("seq_len", int(m.seq_len))
        .with("norm", Attr::Str(if m.norm == Norm::LayerNorm { "layernorm" } else { "rmsnorm" }.into()))
        .with("activation", Attr::Str(if m.activation == Activation::Gelu { "gelu" } else { "swiglu" }.into()))
        .with("position", Attr::Str(if m.position == Position::Learned { "learned" } else { "rope" }.into()))
        .with("tie_embeddings", Attr::Bool(m.tie_embeddings))
        .with("bias", Attr::Bool(m.bias));
    // A MoE model says so on every stage's program, so that every rank counts its pairs.
    let model = match &m.moe {
        Some(moe) => model.with("experts", int(moe.experts)),
        None => model,
    };
    let training = AttrMap::new()
        .with("global_batch", int(t.global_batch))
        .with("micro_batch", int(t.micro_batch))
        .with("seed", Attr::Int(t.seed as i64))
        .with("precision", Attr::Str(if t.precision == Precision::Fp32 { "fp32" } else { "bf16" }.into()));
    AttrMap::new().with("parc.model", Attr::Dict(model)).with("parc.training", Attr::Dict(training))
}

/// The load-balancing loss of the MoE layers built so far: each adds coef · E · Σ_e f_e · P_e of
/// every micro-batch, averaged over the step's micro-batches (Switch Transformer's per-layer
/// loss); None without MoE layers or with aux_loss_coef = 0.
fn balance_loss(b: &mut Builder, spec: &ModelSpec, aux: &MoeState) -> Result<Option<Value>, BuildError> {
    let Some(moe) = spec.model.moe.as_ref().filter(|_| !aux.balance.is_empty()) else { return Ok(None) };
    let mut balance = aux.balance[0];
    for &a in &aux.balance[1..] {
        balance = b.add(balance, a)?;
    }
    let per_step = spec.training.micro_batch as f64 / spec.training.global_batch as f64;
    let balance = b.scale(balance, moe.aux_loss_coef * moe.experts as f64 * per_step)?;
    Ok(Some(b.named(balance, "aux_loss")))
}

/// Parameter handles, looked up by name.
struct Params {
    by_name: HashMap<String, Value>,
}

impl Params {
    fn get(&self, name: &str) -> Value {
        // The builder only asks for names that `param_names` produced for this config.
        self.by_name[name]
    }

    fn opt(&self, name: &str) -> Option<Value> {
        self.by_name.get(name).copied()
    }
}

/// Builds the module holding `@forward` for `spec`.
pub fn build_forward(spec: &ModelSpec) -> Result<Module, BuildError> {
    build_forward_rows(spec, spec.training.micro_batch)
}

/// Builds `@forward` for `rows` samples: one micro-batch of every data-parallel rank together
/// (`micro_batch · dp`), the global view the partitioner splits again.
pub fn build_forward_rows(spec: &ModelSpec, rows: usize) -> Result<Module, BuildError> {
    build_part(spec, rows, &Part { layers: 0..spec.model.layers, first: true, last: true })
}

/// A contiguous piece of the model: a pipeline stage's chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The transformer layers it runs.
    pub layers: std::ops::Range<usize>,
    /// It starts with the embedding (its input is `tokens`), else with an activation `x_in`.
    pub first: bool,
    /// It ends with the final norm, the LM head and the loss, else it returns its activation.
    pub last: bool,
}

/// The name of a stage's input activation argument and of its output's cotangent argument.
pub const STAGE_INPUT: &str = "x_in";
/// See [`STAGE_INPUT`].
pub const STAGE_COTANGENT: &str = "dy_out";

/// Whether parameter `name` belongs to `part`.
pub fn part_has_param(m: &ModelConfig, part: &Part, name: &str) -> bool {
    if let Some(rest) = name.strip_prefix("layers.") {
        let l: usize = rest.split('.').next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
        return part.layers.contains(&l);
    }
    if name == "embed.tokens.weight" {
        return part.first || (part.last && m.tie_embeddings);
    }
    if name.starts_with("embed.") {
        return part.first;
    }
    part.last
}

/// Builds `@forward` of one part of the model for `rows` samples. A part that is not first takes
/// the activation `x_in` `[rows, S, H]` (argument attribute `parc.stage_input`); a part that is not
/// last returns its output activation instead of the loss and takes its cotangent `dy_out`
/// (`parc.cotangent`), which the autodiff pass seeds the backward with.
pub fn build_part(spec: &ModelSpec, rows: usize, part: &Part) -> Result<Module, BuildError> {
    let m = &spec.model;
    let b_size = rows;
    let dtype = match spec.training.precision {
        Precision::Fp32 => DType::F32,
        Precision::Bf16 => DType::BF16,
    };
    let params: Vec<ParamInfo> = param_names(m).into_iter().filter(|p| part_has_param(m, part, &p.name)).collect();
    let act = Type::tensor([b_size, m.seq_len, m.hidden], dtype);
    let mut inputs: Vec<(Type, &str, &str)> = Vec::new();
    inputs.push(if part.first {
        (Type::tensor([b_size, m.seq_len], DType::I32), "parc.input", "tokens")
    } else {
        (act.clone(), "parc.stage_input", STAGE_INPUT)
    });
    if part.last {
        inputs.push((Type::tensor([b_size, m.seq_len], DType::I32), "parc.input", "labels"));
    } else {
        inputs.push((act.clone(), "parc.cotangent", STAGE_COTANGENT));
    }
    let mut arg_types: Vec<Type> = inputs.iter().map(|i| i.0.clone()).collect();
    arg_types.extend(params.iter().map(|p| Type::tensor(p.shape.clone(), dtype)));
    let result = if part.last { Type::tensor([], DType::F32) } else { act };
    let mut func = Function::new("forward", arg_types, vec![result]);
    let args = func.args().to_vec();
    for (i, (_, key, name)) in inputs.iter().enumerate() {
        func.arg_attrs[i] = AttrMap::new().with(*key, Attr::Str(name.to_string()));
        func.set_name(args[i], *name);
    }
    let n_in = inputs.len();
    for (i, p) in params.iter().enumerate() {
        let mut attrs = AttrMap::new().with("parc.param", Attr::Str(p.name.clone()));
        if let Some(tp) = p.tp.name() {
            attrs.set("parc.tp", Attr::Str(tp.into()));
        }
        if p.expert {
            attrs.set("parc.expert", Attr::Bool(true));
        }
        func.arg_attrs[i + n_in] = attrs;
        func.set_name(args[i + n_in], p.name.clone());
    }
    let params = Params { by_name: params.into_iter().map(|p| p.name).zip(args[n_in..].iter().copied()).collect() };

    let mut b = Builder::at_entry(&mut func);
    let mut x = if part.first {
        let tokens = args[0];
        let mut x = b.embedding(params.get("embed.tokens.weight"), tokens)?;
        if let Some(pos) = params.opt("embed.positions.weight") {
            x = b.add(x, pos)?;
        }
        b.named(x, "embed")
    } else {
        args[0]
    };
    let mut aux = MoeState { group_rows: spec.training.micro_batch, balance: Vec::new() };
    for l in part.layers.clone() {
        let start = b.func.blocks[b.func.entry_block()].ops.len();
        x = layer(&mut b, m, &params, l, x, &mut aux)?;
        tag_since(&mut b, start, recompute::LAYER, Attr::Int(l as i64));
    }
    if !part.last {
        b.named(x, "x_out");
        // A part's MoE layers add their load-balancing loss where they run: returned after the
        // activation, the autodiff pass seeds it with 1 and the stage adds it to its `loss`
        // (summed over the stages after the step).
        match balance_loss(&mut b, spec, &aux)? {
            Some(balance) => b.ret(&[x, balance])?,
            None => b.ret(&[x])?,
        }
    } else {
        let labels = args[1];
        let h = norm(&mut b, m, &params, "final_norm", x)?;
        let logits = match params.opt("lm_head.weight") {
            Some(w) => b.matmul(h, w)?,
            None => b.matmul_t(h, params.get("embed.tokens.weight"), false, true)?,
        };
        b.named(logits, "logits");
        let token_loss = b.cross_entropy(logits, labels)?;
        b.named(token_loss, "token_loss");
        let loss_sum = b.reduce(GraphOp::ReduceSum, token_loss, &[0, 1], false)?;
        let global_tokens = spec.training.global_batch * m.seq_len;
        let mut loss = b.scale(loss_sum, 1.0 / global_tokens as f64)?;
        if let Some(balance) = balance_loss(&mut b, spec, &aux)? {
            loss = b.add(loss, balance)?;
        }
        b.named(loss, "loss");
        b.ret(&[loss])?;
    }

    // The results as returned (a part's load-balancing loss after its activation).
    if let Some(&ret) = func.blocks[func.entry_block()].ops.last() {
        func.result_types = func.ops[ret].operands.iter().map(|&v| func.value_type(v).clone()).collect();
    }
    let mut module = Module::new();
    module.attrs = model_attrs(spec);
    module.functions.push(func);
    Ok(module)
}

/// The MoE MLP of layer `layer` alone, as a scalar function for reference checks (the PyTorch
/// fixture of tests/fixtures/moe): `@moe_probe(h, dy, layer params…) -> Σ moe(h) · dy +
/// aux_loss_coef · E · Σ_e f_e · P_e`, on one micro-batch (`h`, `dy`: `[micro_batch, S, H]`). Every
/// argument is a `parc.param`, so the autodiff pass gives `d/d(dy)` = the layer's output along with
/// the gradients of `h` and of the weights.
pub fn build_moe_probe(spec: &ModelSpec, layer: usize) -> Result<Function, BuildError> {
    let m = &spec.model;
    let not_moe = || BuildError { op: "moe_probe", message: format!("layer {layer} is not a MoE layer") };
    let moe = m.moe.as_ref().filter(|moe| moe.is_moe_layer(layer)).ok_or_else(not_moe)?;
    let dtype = match spec.training.precision {
        Precision::Fp32 => DType::F32,
        Precision::Bf16 => DType::BF16,
    };
    let prefix = format!("layers.{layer}.moe.");
    let params: Vec<ParamInfo> = param_names(m).into_iter().filter(|p| p.name.starts_with(&prefix)).collect();
    let act = Type::tensor([spec.training.micro_batch, m.seq_len, m.hidden], dtype);
    let mut arg_types = vec![act.clone(), act];
    arg_types.extend(params.iter().map(|p| Type::tensor(p.shape.clone(), dtype)));
    let mut func = Function::new("moe_probe", arg_types, vec![Type::tensor([], dtype)]);
    let args = func.args().to_vec();
    let names: Vec<String> =
        ["h".to_string(), "dy".to_string()].into_iter().chain(params.iter().map(|p| p.name.clone())).collect();
    for (i, name) in names.iter().enumerate() {
        func.arg_attrs[i] = AttrMap::new().with("parc.param", Attr::Str(name.clone()));
        func.set_name(args[i], name.clone());
    }
    let params = Params { by_name: names[2..].iter().cloned().zip(args[2..].iter().copied()).collect() };
    let mut b = Builder::at_entry(&mut func);
    let mut state = MoeState { group_rows: spec.training.micro_batch, balance: Vec::new() };
    let out = moe_mlp(&mut b, m, moe, &params, layer, args[0], &mut state)?;
    let weighted = b.mul(out, args[1])?;
    let mut loss = b.reduce(GraphOp::ReduceSum, weighted, &[0, 1, 2], false)?;
    if let Some(&balance) = state.balance.first() {
        let balance = if dtype == DType::F32 { balance } else { b.cast(balance, dtype)? };
        let balance = b.scale(balance, moe.aux_loss_coef * moe.experts as f64)?;
        loss = b.add(loss, balance)?;
    }
    b.ret(&[loss])?;
    Ok(func)
}

/// Sets attribute `key` on every op appended to the entry block since it held `start` ops.
fn tag_since(b: &mut Builder, start: usize, key: &str, value: Attr) {
    let entry = b.func.entry_block();
    let ops = b.func.blocks[entry].ops[start..].to_vec();
    for op in ops {
        b.func.ops[op].attrs.set(key, value.clone());
    }
}

fn norm(b: &mut Builder, m: &ModelConfig, p: &Params, prefix: &str, x: Value) -> Result<Value, BuildError> {
    let w = p.get(&format!("{prefix}.weight"));
    match m.norm {
        Norm::LayerNorm => b.layer_norm(x, w, p.get(&format!("{prefix}.bias")), m.norm_eps),
        Norm::RmsNorm => b.rms_norm(x, w, m.norm_eps),
    }
}

fn linear(b: &mut Builder, p: &Params, prefix: &str, x: Value) -> Result<Value, BuildError> {
    let y = b.matmul(x, p.get(&format!("{prefix}.weight")))?;
    let Some(bias) = p.opt(&format!("{prefix}.bias")) else { return Ok(y) };
    match b.shape(bias)[..] {
        // Experts' biases `[E, out]` broadcast over each expert's rows of `y[E, rows, out]`.
        [e, o] => {
            let bias = b.reshape(bias, &[e, 1, o])?;
            b.add(y, bias)
        }
        _ => b.add(y, bias),
    }
}

/// What the MoE layers of one `@forward` share: how many samples form one routing group (one
/// micro-batch of one data-parallel rank) and the load-balancing terms of the layers built so far.
struct MoeState {
    group_rows: usize,
    balance: Vec<Value>,
}

/// The dense MLP's activation: `gelu(up(x))` or `silu(gate(x)) · up(x)` with the linear layers of
/// `prefix` (a dense MLP's weights `[in, out]`, or all experts' `[E, in, out]` on `[E, rows, in]`).
fn mlp_act(b: &mut Builder, m: &ModelConfig, p: &Params, prefix: &str, h: Value) -> Result<Value, BuildError> {
    match m.activation {
        Activation::Gelu => {
            let up = linear(b, p, &format!("{prefix}.up"), h)?;
            b.gelu(up)
        }
        Activation::SwiGlu => {
            let gate = linear(b, p, &format!("{prefix}.gate"), h)?;
            let gate = b.silu(gate)?;
            let up = linear(b, p, &format!("{prefix}.up"), h)?;
            b.mul(gate, up)
        }
    }
}

/// A mixture-of-experts MLP on `h[rows, S, H]` (docs/moe.md). The tokens of each micro-batch of
/// one data-parallel rank (`micro_batch · S` of them, one group) are routed together:
///
/// ```text
/// probs   = softmax(h @ router)                      [T, E]   (f32)
/// experts = top_k(probs)                             [T, k]   (i32, ties to the lower expert)
/// weights = probs at experts, divided by their sum   [T, k]
/// buf     = moe_scatter(broadcast(h, [T, k, H]))     [E, groups · capacity, H]
/// y       = expert MLPs on buf, batched over E       [E, groups · capacity, H]
/// out     = Σ_j weights[:, j] · moe_gather(y)[:, j]  [T, H]
/// ```
///
/// With `aux_loss_coef > 0` the layer's load-balancing loss is pushed onto `aux`.
fn moe_mlp(
    b: &mut Builder,
    m: &ModelConfig,
    moe: &crate::frontend::MoeConfig,
    p: &Params,
    l: usize,
    h: Value,
    aux: &mut MoeState,
) -> Result<Value, BuildError> {
    let pre = format!("layers.{l}.moe");
    let shape = b.shape(h);
    let (rows, s, hidden) = (shape[0], shape[1], shape[2]);
    let dtype = b.ty(h).as_tensor().dtype;
    let (e, k) = (moe.experts, moe.top_k);
    let tokens = rows * s;
    let per_group = aux.group_rows * s;
    let groups = tokens / per_group;
    let capacity = moe.capacity(per_group);
    let x = b.reshape(h, &[tokens, hidden])?;
    // Router: softmax over all experts in f32, then the top k renormalized (Mixtral).
    let logits = b.matmul(x, p.get(&format!("{pre}.router.weight")))?;
    let logits = if dtype == DType::F32 { logits } else { b.cast(logits, DType::F32)? };
    let probs = b.softmax(logits, false)?;
    b.named(probs, format!("l{l}.router_probs"));
    let experts = b.top_k(probs, k)?;
    b.named(experts, format!("l{l}.experts"));
    let chosen = b.one_hot(experts, e, DType::F32)?;
    let probs3 = b.reshape(probs, &[tokens, 1, e])?;
    let picked = b.mul(chosen, probs3)?;
    let picked = b.reduce(GraphOp::ReduceSum, picked, &[2], false)?;
    let total = b.reduce(GraphOp::ReduceSum, picked, &[1], true)?;
    let weights = b.div(picked, total)?;
    let weights = if dtype == DType::F32 { weights } else { b.cast(weights, dtype)? };
    b.named(weights, format!("l{l}.expert_weights"));
    // Dispatch, the experts as batched GEMMs over E, combine.
    let x3 = b.reshape(x, &[tokens, 1, hidden])?;
    let xk = b.broadcast(x3, &[tokens, k, hidden])?;
    let buf = b.moe_scatter(xk, experts, e, capacity, groups)?;
    b.named(buf, format!("l{l}.expert_in"));
    // The runtime counts the pairs this dispatch drops (the backward's scatters are not tagged).
    if let Some(op) = b.func.defining_op(buf) {
        b.func.ops[op].attrs.set(recompute::COUNT_DROPS, Attr::Unit);
    }
    let act = mlp_act(b, m, p, &format!("{pre}.experts"), buf)?;
    b.named(act, format!("l{l}.expert_act"));
    let y = linear(b, p, &format!("{pre}.experts.down"), act)?;
    let yk = b.moe_gather(y, experts, capacity, groups)?;
    let w3 = b.reshape(weights, &[tokens, k, 1])?;
    let weighted = b.mul(yk, w3)?;
    let out = b.reduce(GraphOp::ReduceSum, weighted, &[1], false)?;
    let out = b.reshape(out, &[rows, s, hidden])?;
    if moe.aux_loss_coef > 0.0 {
        // Σ_e f_e · P_e per group: f the fraction of (token, choice) pairs routed to e, P the
        // mean router probability of e; one group is one micro-batch of one rank.
        let counts = b.reduce(GraphOp::ReduceSum, chosen, &[1], false)?;
        let counts = b.reshape(counts, &[groups, per_group, e])?;
        let f = b.reduce(GraphOp::ReduceMean, counts, &[1], false)?;
        let probs_g = b.reshape(probs, &[groups, per_group, e])?;
        let mean_p = b.reduce(GraphOp::ReduceMean, probs_g, &[1], false)?;
        let fp = b.mul(f, mean_p)?;
        let sum = b.reduce(GraphOp::ReduceSum, fp, &[0, 1], false)?;
        b.named(sum, format!("l{l}.balance"));
        aux.balance.push(sum);
    }
    Ok(out)
}

fn layer(
    b: &mut Builder,
    m: &ModelConfig,
    p: &Params,
    l: usize,
    x: Value,
    aux: &mut MoeState,
) -> Result<Value, BuildError> {
    let pre = format!("layers.{l}");
    let h = norm(b, m, p, &format!("{pre}.attn_norm"), x)?;
    b.named(h, format!("l{l}.attn_in"));
    let a = attention(b, m, p, &pre, l, h)?;
    let x = b.add(x, a)?;
    b.named(x, format!("l{l}.resid"));
    let h = norm(b, m, p, &format!("{pre}.mlp_norm"), x)?;
    b.named(h, format!("l{l}.mlp_in"));
    let down = match m.moe.as_ref().filter(|moe| moe.is_moe_layer(l)) {
        Some(moe) => moe_mlp(b, m, moe, p, l, h, aux)?,
        None => {
            let act = mlp_act(b, m, p, &format!("{pre}.mlp"), h)?;
            b.named(act, format!("l{l}.mlp_act"));
            linear(b, p, &format!("{pre}.mlp.down"), act)?
        }
    };
    let out = b.add(x, down)?;
    Ok(b.named(out, format!("l{l}.out")))
}

fn attention(b: &mut Builder, m: &ModelConfig, p: &Params, pre: &str, l: usize, h: Value) -> Result<Value, BuildError> {
    let shape = b.shape(h);
    let (bs, s) = (shape[0], shape[1]);
    let (heads, kv, d) = (m.heads, m.kv_heads, m.head_dim());
    let group = heads / kv;
    let q = linear(b, p, &format!("{pre}.attn.q"), h)?;
    let k = linear(b, p, &format!("{pre}.attn.k"), h)?;
    let v = linear(b, p, &format!("{pre}.attn.v"), h)?;
    let mut q = b.reshape(q, &[bs, s, heads, d])?;
    let mut k = b.reshape(k, &[bs, s, kv, d])?;
    let v = b.reshape(v, &[bs, s, kv, d])?;
    if m.position == Position::Rope {
        q = b.rope(q, m.rope_theta)?;
        k = b.rope(k, m.rope_theta)?;
    }
    // Heads move in front of the sequence so that attention is a batched matmul per head.
    let (qh, kh, vh) = if group == 1 {
        (b.transpose(q, &[0, 2, 1, 3])?, b.transpose(k, &[0, 2, 1, 3])?, b.transpose(v, &[0, 2, 1, 3])?)
    } else {
        let q5 = b.reshape(q, &[bs, s, kv, group, d])?;
        let qh = b.transpose(q5, &[0, 2, 3, 1, 4])?;
        let kt = b.transpose(k, &[0, 2, 1, 3])?;
        let vt = b.transpose(v, &[0, 2, 1, 3])?;
        (qh, b.reshape(kt, &[bs, kv, 1, s, d])?, b.reshape(vt, &[bs, kv, 1, s, d])?)
    };
    b.named(qh, format!("l{l}.q"));
    b.named(kh, format!("l{l}.k"));
    b.named(vh, format!("l{l}.v"));
    // The attention core, which selective recomputation recomputes (passes/recompute.rs).
    let core = b.func.blocks[b.func.entry_block()].ops.len();
    let scores = b.matmul_t(qh, kh, false, true)?;
    let scores = b.scale(scores, 1.0 / (d as f64).sqrt())?;
    b.named(scores, format!("l{l}.scores"));
    let probs = b.softmax(scores, true)?;
    b.named(probs, format!("l{l}.probs"));
    tag_since(b, core, recompute::ATTENTION_CORE, Attr::Unit);
    let o = b.matmul(probs, vh)?;
    let o = if group == 1 { b.transpose(o, &[0, 2, 1, 3])? } else { b.transpose(o, &[0, 3, 1, 2, 4])? };
    let o = b.reshape(o, &[bs, s, heads * d])?;
    let out = linear(b, p, &format!("{pre}.attn.o"), o)?;
    Ok(b.named(out, format!("l{l}.attn_out")))
}
