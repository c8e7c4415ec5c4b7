//! The model-description frontend: reads `model.toml`, checks every field, and produces a
//! validated [`ModelSpec`]. Every error is a [`Diagnostic`] that names the file, line and column
//! and says how to fix it. The schema is documented in docs/model-format.md; this module is its
//! only implementation. It builds no IR (see [`crate::models`]).

use std::collections::HashMap;
use std::ops::Range;

use parc_dialects::diag::{did_you_mean, or_list, Diagnostic, SourceFile};
use serde::Deserialize;
use toml::Spanned;

/// Normalization layer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Norm {
    LayerNorm,
    RmsNorm,
}

/// MLP activation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Activation {
    Gelu,
    SwiGlu,
}

/// Position encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Position {
    Learned,
    Rope,
}

/// Training precision.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Precision {
    Fp32,
    Bf16,
}

/// Activation recomputation policy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Recompute {
    None,
    Selective,
    Full,
}

/// Learning-rate schedule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LrSchedule {
    Constant,
    Cosine,
}

/// The optimizer and its hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Optimizer {
    AdamW { lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64 },
    Sgd { lr: f64, momentum: f64, weight_decay: f64 },
}

impl Optimizer {
    /// The peak learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            Optimizer::AdamW { lr, .. } | Optimizer::Sgd { lr, .. } => *lr,
        }
    }
}

/// How a MoE layer picks the experts of a token. A table of one entry today; DeepSeek-style
/// sigmoid routing or shared experts would be further entries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Router {
    /// Softmax over all experts, then the top k, renormalized to sum 1 (Hugging Face Mixtral).
    SoftmaxTopK,
}

impl Router {
    /// Every router, with its name in model.toml.
    pub const ALL: [(&'static str, Router); 1] = [("softmax_topk", Router::SoftmaxTopK)];

    /// The name in model.toml.
    pub fn name(self) -> &'static str {
        match self {
            Router::SoftmaxTopK => "softmax_topk",
        }
    }
}

/// The `[model.moe]` table, validated: mixture-of-experts MLPs (docs/moe.md).
#[derive(Clone, Debug, PartialEq)]
pub struct MoeConfig {
    /// Experts per MoE layer, E.
    pub experts: usize,
    /// Experts each token is sent to, k.
    pub top_k: usize,
    /// Inner width of each expert's MLP.
    pub expert_ffn: usize,
    /// Layer `i` is a MoE layer when `(i + 1) % every == 0`; the others keep the dense MLP.
    pub every: usize,
    /// `None`: dropless. Otherwise each expert takes at most
    /// `ceil(capacity_factor · tokens · top_k / experts)` tokens of a micro-batch on one rank.
    pub capacity_factor: Option<f64>,
    /// Weight of the load-balancing loss (Switch Transformer; 0 = none).
    pub aux_loss_coef: f64,
    pub router: Router,
}

impl MoeConfig {
    /// Whether layer `layer` (0-based) is a MoE layer.
    pub fn is_moe_layer(&self, layer: usize) -> bool {
        (layer + 1) % self.every == 0
    }

    /// Slots per expert in a micro-batch of `tokens` tokens on one rank: `tokens` when dropless
    /// (the worst case: every token to one expert), else `ceil(capacity_factor · tokens · top_k /
    /// experts)`, at least 1 and at most `tokens` (an expert never gets a token twice).
    pub fn capacity(&self, tokens: usize) -> usize {
        match self.capacity_factor {
            None => tokens,
            Some(cf) => {
                let c = (cf * tokens as f64 * self.top_k as f64 / self.experts as f64).ceil();
                (c as usize).clamp(1, tokens.max(1))
            }
        }
    }
}

/// The `[model]` table, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    pub name: String,
    pub vocab: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub ffn: usize,
    pub seq_len: usize,
    pub norm: Norm,
    pub norm_eps: f64,
    pub activation: Activation,
    pub position: Position,
    pub rope_theta: f64,
    pub tie_embeddings: bool,
    pub bias: bool,
    /// Mixture-of-experts MLPs (`[model.moe]`); `None` for a dense model.
    pub moe: Option<MoeConfig>,
}

impl ModelConfig {
    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }
}

/// The `[training]` table, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingConfig {
    pub global_batch: usize,
    pub micro_batch: usize,
    pub precision: Precision,
    pub zero: u8,
    /// Sequence parallelism (Korthikanti et al. 2022) on the tp axis.
    pub sequence_parallel: bool,
    pub recompute: Recompute,
    /// The dtype bf16 gradients are reduced in (the data-parallel all-reduce or reduce-scatter,
    /// the tensor-parallel and tied-embedding sums of the optimizer step): fp32 (the default: a
    /// bf16 gradient is widened before its collective) or bf16. fp32 gradients are reduced in
    /// fp32 ([`TrainingConfig::grad_reduce`]).
    pub grad_reduce_dtype: Precision,
    pub seed: u64,
    pub optimizer: Optimizer,
    pub grad_clip: Option<f64>,
    pub schedule: Schedule,
}

impl ModelSpec {
    /// The checks of `[training]` that hold only after the command line's overrides: bf16
    /// gradient reduction needs bf16 gradients.
    pub fn check_training(&self) -> Result<(), Diagnostic> {
        let t = &self.training;
        if t.grad_reduce_dtype == Precision::Bf16 && t.precision == Precision::Fp32 {
            return Err(self
                .error_at(
                    "training.grad_reduce_dtype",
                    "grad_reduce_dtype = \"bf16\" needs bf16 gradients, but precision is fp32",
                )
                .with_help(
                    "set precision = \"bf16\" (--precision bf16), or reduce in fp32: grad_reduce_dtype = \"fp32\" \
                     (--grad-reduce-dtype fp32), the default",
                ));
        }
        Ok(())
    }
}

impl TrainingConfig {
    /// The element type of the gradients' collectives: bf16 only for bf16 gradients reduced in
    /// bf16.
    pub fn grad_reduce(&self) -> parc_dialects::types::DType {
        match (self.precision, self.grad_reduce_dtype) {
            (Precision::Bf16, Precision::Bf16) => parc_dialects::types::DType::BF16,
            _ => parc_dialects::types::DType::F32,
        }
    }
}

/// The learning-rate schedule: linear warmup from 0 over `warmup_steps`, then constant, or a
/// cosine decay from `lr` to `min_lr` that ends at step `decay_steps` (Megatron-LM's schedule).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub kind: LrSchedule,
    pub warmup_steps: u64,
    /// The step at which the cosine reaches `min_lr` (unused for a constant schedule).
    pub decay_steps: u64,
    pub min_lr: f64,
}

/// A validated model description, with the source kept for later diagnostics (mesh checks
/// point at the field they are about).
#[derive(Clone, Debug)]
pub struct ModelSpec {
    pub model: ModelConfig,
    pub training: TrainingConfig,
    pub source: SourceFile,
    /// What an import from another format could not carry over and says so (e.g. dropout in a
    /// Hugging Face config): printed as notes, never errors.
    pub notes: Vec<String>,
    spans: HashMap<&'static str, Range<usize>>,
}

impl ModelSpec {
    /// A diagnostic pointing at field `key` (e.g. `"model.heads"`), or at the file if the field
    /// was not written (it took its default).
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        match self.spans.get(key) {
            Some(span) => Diagnostic::at(&self.source, span.clone(), message),
            None => Diagnostic::in_file(&self.source.path, message),
        }
    }
}

/// The largest value of any size field (vocab, hidden, batch, …): far beyond real models, and
/// small enough that products of a few sizes cannot overflow before [`check_tensor_sizes`] runs.
pub const MAX_SIZE: usize = 1 << 24;

/// The largest number of elements one tensor of the step may have.
pub const MAX_ELEMENTS: u128 = 1 << 62;

// ---- raw (as written) --------------------------------------------------------------------

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    model: S<RawModel>,
    training: Option<S<RawTraining>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Option<S<String>>,
    vocab: S<i64>,
    hidden: S<i64>,
    layers: S<i64>,
    heads: S<i64>,
    kv_heads: Option<S<i64>>,
    ffn: Option<S<i64>>,
    seq_len: S<i64>,
    norm: Option<S<String>>,
    norm_eps: Option<S<f64>>,
    activation: Option<S<String>>,
    position: Option<S<String>>,
    rope_theta: Option<S<f64>>,
    tie_embeddings: Option<S<bool>>,
    bias: Option<S<bool>>,
    moe: Option<S<RawMoe>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoe {
    experts: S<i64>,
    top_k: S<i64>,
    expert_ffn: Option<S<i64>>,
    every: Option<S<i64>>,
    capacity_factor: Option<S<f64>>,
    aux_loss_coef: Option<S<f64>>,
    router: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraining {
    global_batch: S<i64>,
    micro_batch: Option<S<i64>>,
    precision: Option<S<String>>,
    zero: Option<S<i64>>,
    sequence_parallel: Option<S<bool>>,
    recompute: Option<S<String>>,
    grad_reduce_dtype: Option<S<String>>,
    seed: Option<S<i64>>,
    optimizer: Option<S<RawOptimizer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimizer {
    #[serde(rename = "type")]
    kind: Option<S<String>>,
    lr: Option<S<f64>>,
    betas: Option<S<Vec<f64>>>,
    eps: Option<S<f64>>,
    weight_decay: Option<S<f64>>,
    momentum: Option<S<f64>>,
    grad_clip: Option<S<f64>>,
    warmup_steps: Option<S<i64>>,
    decay_steps: Option<S<i64>>,
    lr_schedule: Option<S<String>>,
    min_lr: Option<S<f64>>,
}

/// Field names of each table, for messages (kept next to the structs above).
const MODEL_KEYS: &[&str] = &[
    "name",
    "vocab",
    "hidden",
    "layers",
    "heads",
    "kv_heads",
    "ffn",
    "seq_len",
    "norm",
    "norm_eps",
    "activation",
    "position",
    "rope_theta",
    "tie_embeddings",
    "bias",
    "moe",
];
const MOE_KEYS: &[&str] = &["experts", "top_k", "expert_ffn", "every", "capacity_factor", "aux_loss_coef", "router"];
const TRAINING_KEYS: &[&str] = &[
    "global_batch",
    "micro_batch",
    "precision",
    "zero",
    "sequence_parallel",
    "recompute",
    "grad_reduce_dtype",
    "seed",
    "optimizer",
];
const OPTIMIZER_KEYS: &[&str] = &[
    "type",
    "lr",
    "betas",
    "eps",
    "weight_decay",
    "momentum",
    "grad_clip",
    "warmup_steps",
    "decay_steps",
    "lr_schedule",
    "min_lr",
];

// ---- parsing -----------------------------------------------------------------------------

/// Reads and validates the model at `path`: a model.toml, or a Hugging Face model directory (or
/// its config.json) with the `[training]` table of the TOML file `training` ([`crate::hf`]).
pub fn load_model_with(path: &str, training: Option<&str>) -> Result<ModelSpec, Diagnostic> {
    if crate::hf::is_hf_model(std::path::Path::new(path)) {
        return crate::hf::import(std::path::Path::new(path), training);
    }
    if let Some(t) = training {
        return Err(Diagnostic::new(format!("--training {t} is for Hugging Face models, but {path} is a model file"))
            .with_help(
                "a model.toml has its own [training] table; leave out --training, or pass a directory with config.json",
            ));
    }
    load_model(path)
}

/// Reads and validates the model description at `path`.
pub fn load_model(path: &str) -> Result<ModelSpec, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "check the path; example models are in examples/ (e.g. examples/gpt-tiny.toml)"
        } else if std::path::Path::new(path).is_dir() {
            "this is a directory without config.json; pass the model's .toml file (e.g. examples/gpt-tiny.toml) \
             or a Hugging Face model directory"
        } else {
            "make sure the file is readable UTF-8 text"
        };
        Diagnostic::new(format!("cannot read model file {path}: {e}")).with_help(hint)
    })?;
    parse_model(path, &text)
}

/// Parses and validates a model description given as text (`path` is used in messages).
pub fn parse_model(path: &str, text: &str) -> Result<ModelSpec, Diagnostic> {
    let source = SourceFile::new(path, text);
    let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(&source, &e))?;
    let mut v = Validator { source, spans: HashMap::new() };
    let model = v.model(raw.model.into_inner())?;
    let training = match raw.training {
        Some(t) => v.training(t.into_inner())?,
        None => {
            return Err(Diagnostic::in_file(path, "missing [training] table").with_help(
                "add a [training] table with at least global_batch, e.g.\n\n        [training]\n        global_batch = 8\n        micro_batch = 2",
            ))
        }
    };
    let spec = ModelSpec { model, training, source: v.source, notes: Vec::new(), spans: v.spans };
    check_tensor_sizes(&spec)?;
    Ok(spec)
}

/// Rejects configurations whose largest tensors would not be addressable (products of sizes
/// beyond 2^62 elements), naming the tensor and the fields that make it large.
fn check_tensor_sizes(spec: &ModelSpec) -> Result<(), Diagnostic> {
    let m = &spec.model;
    let b = spec.training.micro_batch as u128;
    let (s, h, v, f, a) = (m.seq_len as u128, m.hidden as u128, m.vocab as u128, m.ffn as u128, m.heads as u128);
    let tensors = [
        ("attention scores [micro_batch, heads, seq_len, seq_len]", b * a * s * s, "model.seq_len"),
        ("logits [micro_batch, seq_len, vocab]", b * s * v, "model.vocab"),
        ("MLP activations [micro_batch, seq_len, ffn]", b * s * f, "model.ffn"),
        ("embedding table [vocab, hidden]", v * h, "model.vocab"),
        ("MLP weight [hidden, ffn]", h * f, "model.ffn"),
    ];
    let mut tensors = tensors.to_vec();
    if let Some(moe) = &m.moe {
        let (e, ef) = (moe.experts as u128, moe.expert_ffn as u128);
        tensors.push((
            "expert buffers [experts, micro_batch · seq_len, expert_ffn]",
            e * b * s * ef,
            "model.moe.experts",
        ));
        tensors.push(("expert inputs [experts, micro_batch · seq_len, hidden]", e * b * s * h, "model.moe.experts"));
        let k = moe.top_k as u128;
        tensors.push(("router choices [micro_batch · seq_len, top_k, experts]", b * s * k * e, "model.moe.top_k"));
        tensors.push(("expert weights [experts, hidden, expert_ffn]", e * h * ef, "model.moe.expert_ffn"));
    }
    for (name, elements, key) in tensors {
        if elements > MAX_ELEMENTS {
            return Err(spec
                .error_at(key, format!("the {name} would hold {elements} elements, more than parc can address (2^62)"))
                .with_help("reduce the sizes involved (or micro_batch in [training])"));
        }
    }
    Ok(())
}

/// Turns a TOML syntax or schema error into a diagnostic with a "did you mean" where it helps.
fn toml_error(source: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let span = e.span().unwrap_or(0..0);
    let mut d = Diagnostic::at(source, span.clone(), message.clone());
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // serde lists the accepted keys in backquotes after the offending one.
        let name = rest.split('`').next().unwrap_or("");
        let keys: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let table = [
            ("[model]", MODEL_KEYS),
            ("[model.moe]", MOE_KEYS),
            ("[training]", TRAINING_KEYS),
            ("[training.optimizer]", OPTIMIZER_KEYS),
        ]
        .iter()
        .find(|(_, k)| k.len() == keys.len() && k.iter().all(|x| keys.contains(x)))
        .map_or("the top level", |(t, _)| t);
        d.message = format!("unknown key `{name}` in {table}");
        let tables = [
            ("[model]", MODEL_KEYS),
            ("[model.moe]", MOE_KEYS),
            ("[training]", TRAINING_KEYS),
            ("[training.optimizer]", OPTIMIZER_KEYS),
        ];
        let home = tables.iter().find(|(t, k)| *t != table && k.contains(&name)).map(|(t, _)| *t);
        d = match (home, did_you_mean(name, keys.iter().copied())) {
            (Some(home), _) => d.with_help(format!("`{name}` belongs in the {home} table; move it there")),
            (None, Some(s)) => d.with_help(format!("did you mean `{s}`? (keys: {})", keys.join(", "))),
            (None, None) => d.with_help(format!("known keys: {}", keys.join(", "))),
        };
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        if name == "model" {
            d.message = "missing [model] table".into();
            d = d.with_help(format!(
                "a model file needs a [model] table with vocab, hidden, layers, heads and seq_len (keys: {}); see examples/gpt-tiny.toml",
                MODEL_KEYS.join(", ")
            ));
        } else {
            d.message = format!("missing required key `{name}`");
            d = d.with_help(format!("add `{name} = ...` to this table (see docs/model-format.md)"));
        }
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        // "invalid type: string \"two\", expected i64": say it with the key's name and an example.
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let key = key_before(source, span.start);
        let (what, example) = match expected {
            "i64" | "u64" | "usize" => ("an integer", format!("{key} = 8")),
            "f64" => ("a number", format!("{key} = 0.001")),
            "a boolean" => ("true or false", format!("{key} = true")),
            "a sequence" => ("an array", format!("{key} = [0.9, 0.95]")),
            "a string" => ("a string in quotes", format!("{key} = \"...\"")),
            "struct RawModel" => ("a table", "[model] on a line of its own, then its keys".into()),
            "struct RawTraining" => ("a table", "[training] on a line of its own, then its keys".into()),
            "struct RawMoe" => ("a table", "[model.moe] on a line of its own, then its keys".into()),
            "struct RawOptimizer" => ("a table", "[training.optimizer] on a line of its own, then its keys".into()),
            other => (other, String::new()),
        };
        d.message = format!("`{key}` must be {what}, found {found}");
        if !example.is_empty() {
            d = d.with_help(format!("write it as: {example}"));
        }
    } else if message == "duplicate key" {
        let key = source.text.get(span.clone()).unwrap_or("").trim().to_string();
        d.message = format!("`{key}` is set twice in the same table");
        d = d.with_help("remove one of the two lines");
    }
    if d.help.is_none() {
        d = d.with_help(
            "fix the file at the marked place: a model file is TOML (toml.io) with [model] and [training] tables; \
             see docs/model-format.md and examples/gpt-tiny.toml",
        );
    }
    d
}

/// The key written before the `=` that precedes byte `offset` on its line (`layers = "two"`).
fn key_before(source: &SourceFile, offset: usize) -> String {
    let text = &source.text[..offset.min(source.text.len())];
    let line = text.rsplit('\n').next().unwrap_or("");
    let key = line.rsplit_once('=').map_or(line, |(k, _)| k).trim();
    let key = key.rsplit(['.', '{', ',']).next().unwrap_or(key).trim();
    if key.is_empty() {
        "value".into()
    } else {
        key.trim_matches('"').to_string()
    }
}

struct Validator {
    source: SourceFile,
    spans: HashMap<&'static str, Range<usize>>,
}

impl Validator {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(&self.source, span, message)
    }

    /// A positive integer field.
    fn positive(&mut self, key: &'static str, v: &S<i64>) -> Result<usize, Diagnostic> {
        self.spans.insert(key, v.span());
        let n = *v.get_ref();
        let field = key.rsplit('.').next().unwrap_or(key);
        if n < 1 {
            return Err(self
                .err(v.span(), format!("{field} = {n} must be a positive integer"))
                .with_help(format!("set {field} to 1 or more")));
        }
        if n > MAX_SIZE as i64 {
            return Err(self
                .err(v.span(), format!("{field} = {n} is too large: parc plans sizes up to {MAX_SIZE} (2^24)"))
                .with_help(format!("set {field} to at most {MAX_SIZE}")));
        }
        Ok(n as usize)
    }

    fn opt_positive(&mut self, key: &'static str, v: &Option<S<i64>>, default: usize) -> Result<usize, Diagnostic> {
        match v {
            Some(v) => self.positive(key, v),
            None => Ok(default),
        }
    }

    /// A string field that must be one of `choices`.
    fn choice<T: Copy>(
        &mut self,
        key: &'static str,
        v: &Option<S<String>>,
        choices: &[(&str, T)],
        default: T,
    ) -> Result<T, Diagnostic> {
        let Some(v) = v else { return Ok(default) };
        self.spans.insert(key, v.span());
        let field = key.rsplit('.').next().unwrap_or(key);
        let s = v.get_ref().as_str();
        if let Some(&(_, t)) = choices.iter().find(|(name, _)| *name == s) {
            return Ok(t);
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
        let mut d = self.err(v.span(), format!("{field} = \"{s}\" is not one of {}", or_list(&names)));
        d = match did_you_mean(s, choices.iter().map(|(n, _)| *n)) {
            Some(m) => d.with_help(format!("did you mean \"{m}\"?")),
            None => d.with_help(format!("use one of {}", or_list(&names))),
        };
        Err(d)
    }

    /// A float field checked by `ok`, which describes the valid range.
    fn float(&mut self, key: &'static str, v: &S<f64>, valid: (&str, fn(f64) -> bool)) -> Result<f64, Diagnostic> {
        self.spans.insert(key, v.span());
        let x = *v.get_ref();
        let field = key.rsplit('.').next().unwrap_or(key);
        if !x.is_finite() || !(valid.1)(x) {
            return Err(self.err(v.span(), format!("{field} = {x} is out of range: it must be {}", valid.0)));
        }
        Ok(x)
    }

    fn opt_float(
        &mut self,
        key: &'static str,
        v: &Option<S<f64>>,
        default: f64,
        valid: (&str, fn(f64) -> bool),
    ) -> Result<f64, Diagnostic> {
        match v {
            Some(v) => self.float(key, v, valid),
            None => Ok(default),
        }
    }

    fn model(&mut self, m: RawModel) -> Result<ModelConfig, Diagnostic> {
        let vocab = self.positive("model.vocab", &m.vocab)?;
        let hidden = self.positive("model.hidden", &m.hidden)?;
        let layers = self.positive("model.layers", &m.layers)?;
        let heads = self.positive("model.heads", &m.heads)?;
        let kv_heads = self.opt_positive("model.kv_heads", &m.kv_heads, heads)?;
        let seq_len = self.positive("model.seq_len", &m.seq_len)?;
        let norm = self.choice(
            "model.norm",
            &m.norm,
            &[("layernorm", Norm::LayerNorm), ("rmsnorm", Norm::RmsNorm)],
            Norm::LayerNorm,
        )?;
        let activation = self.choice(
            "model.activation",
            &m.activation,
            &[("gelu", Activation::Gelu), ("swiglu", Activation::SwiGlu)],
            Activation::Gelu,
        )?;
        let position = self.choice(
            "model.position",
            &m.position,
            &[("learned", Position::Learned), ("rope", Position::Rope)],
            Position::Learned,
        )?;
        let ffn = self.opt_positive("model.ffn", &m.ffn, 4 * hidden)?;
        let default_eps = match norm {
            Norm::LayerNorm => 1e-5,
            Norm::RmsNorm => 1e-6,
        };
        let positive: (&str, fn(f64) -> bool) = ("greater than 0", |x| x > 0.0);
        let norm_eps = self.opt_float("model.norm_eps", &m.norm_eps, default_eps, positive)?;
        let rope_theta = self.opt_float("model.rope_theta", &m.rope_theta, 10000.0, ("greater than 1", |x| x > 1.0))?;
        if let (Some(t), Position::Learned) = (&m.rope_theta, position) {
            return Err(self
                .err(t.span(), "rope_theta is set, but position = \"learned\" uses no rotary embedding")
                .with_help("remove rope_theta, or set position = \"rope\""));
        }
        let moe = match &m.moe {
            Some(t) => Some(self.moe(t.get_ref(), (ffn, m.ffn.as_ref().map(|f| f.span())), layers)?),
            None => None,
        };
        let tie_embeddings = m.tie_embeddings.as_ref().map_or(position == Position::Learned, |v| *v.get_ref());
        let bias = m.bias.as_ref().map_or(norm == Norm::LayerNorm, |v| *v.get_ref());
        if let Some(n) = &m.name {
            self.spans.insert("model.name", n.span());
        }
        let name = m.name.map(|n| n.into_inner()).unwrap_or_else(|| {
            std::path::Path::new(&self.source.path)
                .file_stem()
                .map_or("model".into(), |s| s.to_string_lossy().into_owned())
        });

        if hidden % heads != 0 {
            let ok = divisors(hidden);
            return Err(self
                .err(m.heads.span(), format!("hidden = {hidden} is not divisible by heads = {heads}"))
                .with_help(format!("heads must divide hidden; heads can be {}", or_list(&shorten(&ok)))));
        }
        if heads % kv_heads != 0 {
            let span = m.kv_heads.as_ref().map_or(m.heads.span(), |k| k.span());
            return Err(self
                .err(span, format!("heads = {heads} is not divisible by kv_heads = {kv_heads}"))
                .with_help(format!(
                    "each key/value head serves a whole group of query heads; kv_heads can be {}",
                    or_list(&shorten(&divisors(heads)))
                )));
        }
        let head_dim = hidden / heads;
        if position == Position::Rope && head_dim % 2 != 0 {
            return Err(self
                .err(
                    m.heads.span(),
                    format!(
                        "rotary embeddings need an even head_dim, but hidden / heads = {hidden} / {heads} = {head_dim}"
                    ),
                )
                .with_help({
                    let ok: Vec<usize> = divisors(hidden).into_iter().filter(|&h| (hidden / h) % 2 == 0).collect();
                    format!("choose heads so that hidden / heads is even; heads can be {}", or_list(&shorten(&ok)))
                }));
        }
        Ok(ModelConfig {
            name,
            vocab,
            hidden,
            layers,
            heads,
            kv_heads,
            ffn,
            seq_len,
            norm,
            norm_eps,
            activation,
            position,
            rope_theta,
            tie_embeddings,
            bias,
            moe,
        })
    }

    /// The `[model.moe]` table; `ffn` (its value, and where it was written) is the default expert
    /// width.
    fn moe(&mut self, t: &RawMoe, ffn: (usize, Option<Range<usize>>), layers: usize) -> Result<MoeConfig, Diagnostic> {
        let (ffn, ffn_span) = ffn;
        let experts = self.positive("model.moe.experts", &t.experts)?;
        self.spans.insert("model.moe.top_k", t.top_k.span());
        let top_k = *t.top_k.get_ref();
        if top_k < 1 || top_k > experts as i64 {
            let what = if top_k < 1 {
                "must be at least 1".to_string()
            } else {
                format!("is larger than experts = {experts}")
            };
            return Err(self.err(t.top_k.span(), format!("top_k = {top_k} {what}")).with_help(format!(
                "each token goes to top_k distinct experts; top_k can be {}",
                or_list(&shorten(&(1..=experts).collect::<Vec<_>>()))
            )));
        }
        let expert_ffn = self.opt_positive("model.moe.expert_ffn", &t.expert_ffn, ffn)?;
        let every = self.opt_positive("model.moe.every", &t.every, 1)?;
        if every > layers {
            let span = t.every.as_ref().map_or(t.experts.span(), |e| e.span());
            return Err(self
                .err(span, format!("every = {every} leaves no MoE layer among layers = {layers}"))
                .with_help(format!(
                    "layer i (0-based) is a MoE layer when (i + 1) % every == 0; every can be 1 to {layers}"
                )));
        }
        // With every layer a MoE layer, a written ffn that differs from expert_ffn sizes nothing.
        if let (1, Some(span), Some(e)) = (every, ffn_span, &t.expert_ffn) {
            if *e.get_ref() != ffn as i64 {
                return Err(self
                    .err(
                        span,
                        format!(
                            "ffn = {ffn} is used by no layer: every layer is a MoE layer (every = 1) with expert_ffn = {}",
                            e.get_ref()
                        ),
                    )
                    .with_help(
                        "remove ffn (the experts' width is expert_ffn), or set every to 2 or more in [model.moe] to keep dense layers",
                    ));
            }
        }
        let capacity_factor = match &t.capacity_factor {
            Some(c) => Some(self.float(
                "model.moe.capacity_factor",
                c,
                ("greater than 0 (leave it out for dropless routing)", |x| x > 0.0),
            )?),
            None => None,
        };
        let aux_loss_coef =
            self.opt_float("model.moe.aux_loss_coef", &t.aux_loss_coef, 0.0, ("0 or more", |x| x >= 0.0))?;
        let router = self.choice("model.moe.router", &t.router, &Router::ALL, Router::SoftmaxTopK)?;
        Ok(MoeConfig { experts, top_k: top_k as usize, expert_ffn, every, capacity_factor, aux_loss_coef, router })
    }

    fn training(&mut self, t: RawTraining) -> Result<TrainingConfig, Diagnostic> {
        let global_batch = self.positive("training.global_batch", &t.global_batch)?;
        let micro_batch = self.opt_positive("training.micro_batch", &t.micro_batch, 1)?;
        if global_batch % micro_batch != 0 {
            let span = t.micro_batch.as_ref().map_or(t.global_batch.span(), |m| m.span());
            return Err(self
                .err(span, format!("global_batch = {global_batch} is not divisible by micro_batch = {micro_batch}"))
                .with_help(format!("micro_batch can be {}", or_list(&shorten(&divisors(global_batch))))));
        }
        let precision = self.choice(
            "training.precision",
            &t.precision,
            &[("fp32", Precision::Fp32), ("bf16", Precision::Bf16)],
            Precision::Fp32,
        )?;
        let zero = match &t.zero {
            Some(z) => {
                self.spans.insert("training.zero", z.span());
                let n = *z.get_ref();
                if !(0..=3).contains(&n) {
                    return Err(self
                        .err(z.span(), format!("zero = {n} is not a ZeRO stage"))
                        .with_help("zero can be 0 (off), 1, 2 or 3"));
                }
                n as u8
            }
            None => 0,
        };
        let recompute = self.choice(
            "training.recompute",
            &t.recompute,
            &[("none", Recompute::None), ("selective", Recompute::Selective), ("full", Recompute::Full)],
            Recompute::None,
        )?;
        let grad_reduce_dtype = self.choice(
            "training.grad_reduce_dtype",
            &t.grad_reduce_dtype,
            &[("fp32", Precision::Fp32), ("bf16", Precision::Bf16)],
            Precision::Fp32,
        )?;
        let seed = match &t.seed {
            Some(s) if *s.get_ref() < 0 => {
                return Err(self
                    .err(s.span(), format!("seed = {} must not be negative", s.get_ref()))
                    .with_help("use any integer from 0 to 2^63 - 1"))
            }
            Some(s) => *s.get_ref() as u64,
            None => 0,
        };
        let (optimizer, grad_clip, schedule) = match t.optimizer {
            Some(o) => self.optimizer(o)?,
            None => (
                Optimizer::AdamW { lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.0 },
                None,
                Schedule { kind: LrSchedule::Constant, warmup_steps: 0, decay_steps: 0, min_lr: 0.0 },
            ),
        };
        Ok(TrainingConfig {
            global_batch,
            micro_batch,
            precision,
            zero,
            sequence_parallel: t.sequence_parallel.as_ref().is_some_and(|b| *b.get_ref()),
            recompute,
            grad_reduce_dtype,
            seed,
            optimizer,
            grad_clip,
            schedule,
        })
    }

    fn optimizer(&mut self, o: S<RawOptimizer>) -> Result<(Optimizer, Option<f64>, Schedule), Diagnostic> {
        let table_span = o.span();
        let o = o.into_inner();
        #[derive(Copy, Clone, PartialEq)]
        enum Kind {
            AdamW,
            Sgd,
        }
        let kind = self.choice(
            "training.optimizer.type",
            &o.kind,
            &[("adamw", Kind::AdamW), ("sgd", Kind::Sgd)],
            Kind::AdamW,
        )?;
        let lr = self.opt_float("training.optimizer.lr", &o.lr, 3e-4, ("greater than 0", |x| x > 0.0))?;
        let non_negative: (&str, fn(f64) -> bool) = ("0 or more", |x| x >= 0.0);
        let weight_decay = self.opt_float("training.optimizer.weight_decay", &o.weight_decay, 0.0, non_negative)?;
        let misplaced = |v: bool, key: &str, span: Option<Range<usize>>, owner: &str| -> Result<(), Diagnostic> {
            if v {
                let span = span.unwrap_or(table_span.clone());
                return Err(Diagnostic::at(
                    &self.source,
                    span,
                    format!(
                        "`{key}` is an {owner} setting, but type = \"{}\"",
                        if owner == "AdamW" { "sgd" } else { "adamw" }
                    ),
                )
                .with_help(format!(
                    "remove `{key}`, or set type = \"{}\"",
                    if owner == "AdamW" { "adamw" } else { "sgd" }
                )));
            }
            Ok(())
        };
        let optimizer = match kind {
            Kind::AdamW => {
                misplaced(o.momentum.is_some(), "momentum", o.momentum.as_ref().map(|m| m.span()), "SGD")?;
                let (beta1, beta2) = match &o.betas {
                    Some(b) => {
                        self.spans.insert("training.optimizer.betas", b.span());
                        match b.get_ref().as_slice() {
                            &[b1, b2] if (0.0..1.0).contains(&b1) && (0.0..1.0).contains(&b2) => (b1, b2),
                            other => {
                                return Err(self
                                    .err(b.span(), format!("betas = {other:?} must be two numbers in [0, 1)"))
                                    .with_help("for example betas = [0.9, 0.95]"))
                            }
                        }
                    }
                    None => (0.9, 0.95),
                };
                let eps = self.opt_float("training.optimizer.eps", &o.eps, 1e-8, ("greater than 0", |x| x > 0.0))?;
                Optimizer::AdamW { lr, beta1, beta2, eps, weight_decay }
            }
            Kind::Sgd => {
                misplaced(o.betas.is_some(), "betas", o.betas.as_ref().map(|m| m.span()), "AdamW")?;
                misplaced(o.eps.is_some(), "eps", o.eps.as_ref().map(|m| m.span()), "AdamW")?;
                let momentum = self.opt_float(
                    "training.optimizer.momentum",
                    &o.momentum,
                    0.0,
                    ("in [0, 1)", |x| (0.0..1.0).contains(&x)),
                )?;
                Optimizer::Sgd { lr, momentum, weight_decay }
            }
        };
        let grad_clip = match &o.grad_clip {
            Some(g) => Some(self.float("training.optimizer.grad_clip", g, ("greater than 0", |x| x > 0.0))?),
            None => None,
        };
        let steps = |v: &Option<S<i64>>, name: &str| -> Result<Option<u64>, Diagnostic> {
            match v {
                Some(w) if *w.get_ref() < 0 => Err(Diagnostic::at(
                    &self.source,
                    w.span(),
                    format!("{name} = {} must not be negative", w.get_ref()),
                )),
                Some(w) => Ok(Some(*w.get_ref() as u64)),
                None => Ok(None),
            }
        };
        let warmup_steps = steps(&o.warmup_steps, "warmup_steps")?.unwrap_or(0);
        let decay_steps = steps(&o.decay_steps, "decay_steps")?;
        let lr_schedule = self.choice(
            "training.optimizer.lr_schedule",
            &o.lr_schedule,
            &[("constant", LrSchedule::Constant), ("cosine", LrSchedule::Cosine)],
            LrSchedule::Constant,
        )?;
        let min_lr = self.opt_float("training.optimizer.min_lr", &o.min_lr, 0.0, non_negative)?;
        if min_lr > lr {
            let span = o.min_lr.as_ref().map_or(table_span, |m| m.span());
            return Err(self
                .err(span, format!("min_lr = {min_lr} is larger than lr = {lr}"))
                .with_help("min_lr is the floor of the schedule; make it at most lr"));
        }
        let decay_steps = match (lr_schedule, decay_steps) {
            (LrSchedule::Cosine, None) => {
                let span = o.lr_schedule.as_ref().map_or(table_span, |m| m.span());
                return Err(self
                    .err(span, "lr_schedule = \"cosine\" needs decay_steps, the step at which the decay reaches min_lr")
                    .with_help(format!(
                        "add decay_steps = N (more than warmup_steps = {warmup_steps}) to [training.optimizer]"
                    )));
            }
            (LrSchedule::Cosine, Some(d)) if d <= warmup_steps => {
                let span = o.decay_steps.as_ref().map_or(table_span, |m| m.span());
                return Err(self
                    .err(span, format!("decay_steps = {d} must be larger than warmup_steps = {warmup_steps}"))
                    .with_help("the cosine decay starts after the warmup and ends at decay_steps"));
            }
            (LrSchedule::Constant, Some(_)) => {
                let span = o.decay_steps.as_ref().map_or(table_span, |m| m.span());
                return Err(self
                    .err(span, "decay_steps is set, but lr_schedule = \"constant\" does not decay")
                    .with_help("remove decay_steps, or set lr_schedule = \"cosine\""));
            }
            (_, d) => d.unwrap_or(0),
        };
        if let Some(d) = &o.decay_steps {
            self.spans.insert("training.optimizer.decay_steps", d.span());
        }
        Ok((optimizer, grad_clip, Schedule { kind: lr_schedule, warmup_steps, decay_steps, min_lr }))
    }
}

pub use parc_dialects::mesh::{divisors, shorten};
