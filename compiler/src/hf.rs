//! Hugging Face models in: a model directory's `config.json` (GPT2LMHeadModel, LlamaForCausalLM,
//! MistralForCausalLM, MixtralForCausalLM) and a training file become a [`ModelSpec`], exactly as if the user had
//! written the equivalent model.toml (docs/huggingface.md).
//!
//! Every field of the config that changes the numbers is mapped or refused: a field parc cannot
//! honour (rope scaling, biases where the family has none, a sliding window shorter than the
//! sequence, an activation other than the family's) is an error naming the field, never silently
//! dropped. Fields that only matter for inference or for dropout are reported as notes.
//!
//! A config gives the architecture but not what to train on, so the `[training]` table comes from
//! a separate TOML file (`--training`), with `seq_len` inside it. The two are combined into the
//! text of a model.toml and parsed by [`crate::frontend::parse_model`], so every later check and
//! message is the one model.toml gets.

use std::path::{Path, PathBuf};

use parc_dialects::diag::Diagnostic;
use serde_json::{Map, Value};

use crate::frontend::{parse_model, ModelSpec};

/// The architectures parc imports, as `config.json` names them in `architectures`.
pub const ARCHITECTURES: &[&str] = &["GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM"];

/// Whether `path` names a Hugging Face model: a directory holding `config.json`, or a
/// `config.json` file itself.
pub fn is_hf_model(path: &Path) -> bool {
    (path.is_dir() && path.join("config.json").is_file())
        || (path.is_file() && path.file_name().is_some_and(|n| n == "config.json"))
}

/// The `config.json` of the model at `path` (a directory or the file itself).
fn config_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("config.json")
    } else {
        path.to_path_buf()
    }
}

/// Imports the model at `path` (see [`is_hf_model`]) with the `[training]` table of the TOML file
/// at `training` (required: a config does not say what to train on).
pub fn import(path: &Path, training: Option<&str>) -> Result<ModelSpec, Diagnostic> {
    let config_file = config_path(path);
    let cfg_label = config_file.display().to_string();
    let text = std::fs::read_to_string(&config_file).map_err(|e| {
        Diagnostic::new(format!("cannot read {cfg_label}: {e}"))
            .with_help("a Hugging Face model directory holds config.json")
    })?;
    let config: Value = serde_json::from_str(&text).map_err(|e| {
        Diagnostic::in_file(&cfg_label, format!("config.json is not valid JSON: {e}"))
            .with_help("the file should be the config.json that transformers' save_pretrained writes")
    })?;
    let Value::Object(config) = config else {
        return Err(Diagnostic::in_file(&cfg_label, "config.json must hold a JSON object"));
    };
    let Some(training_path) = training else {
        return Err(Diagnostic::in_file(
            &cfg_label,
            "a Hugging Face config does not say what to train on: pass --training FILE",
        )
        .with_help(
            "FILE is a TOML file with model.toml's [training] table and the sequence length in it, e.g.\n\n        \
             [training]\n        seq_len = 1024\n        global_batch = 8\n        micro_batch = 2\n\n\
             (docs/huggingface.md)",
        ));
    };
    let (training_table, seq_len) = read_training(training_path)?;
    let c = Config { map: &config, file: &cfg_label };
    let mut notes = Vec::new();
    let model = model_table(&c, seq_len, &mut notes)?;
    let name = model_name(&config, path);
    let mut model = model;
    model.insert("name".into(), toml::Value::String(name));
    let mut doc = toml::Table::new();
    doc.insert("model".into(), toml::Value::Table(model));
    doc.insert("training".into(), toml::Value::Table(training_table));
    let combined = toml::to_string(&doc).map_err(|e| Diagnostic::new(format!("internal error: {e}")))?;
    let label = format!("{cfg_label} + {training_path}");
    let mut spec = parse_model(&label, &combined)?;
    spec.notes = notes;
    Ok(spec)
}

/// The `[training]` table of the file at `path`, without its `seq_len`, and that `seq_len`.
fn read_training(path: &str) -> Result<(toml::Table, i64), Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(format!("cannot read training file {path}: {e}"))
            .with_help("--training takes a TOML file with a [training] table (docs/huggingface.md)")
    })?;
    let mut doc: toml::Table = toml::from_str(&text).map_err(|e| {
        Diagnostic::in_file(path, format!("the training file is not valid TOML: {}", e.message().trim()))
            .with_help("write it as model.toml's [training] table, with seq_len in it")
    })?;
    if doc.contains_key("model") {
        return Err(Diagnostic::in_file(path, "the training file has a [model] table")
            .with_help("the model comes from config.json; keep only [training] (with seq_len) in this file"));
    }
    if let Some(other) = doc.keys().find(|k| *k != "training") {
        return Err(Diagnostic::in_file(path, format!("unknown table or key `{other}` in the training file"))
            .with_help("the file holds one [training] table (and its [training.optimizer]), with seq_len in it"));
    }
    let Some(toml::Value::Table(mut training)) = doc.remove("training") else {
        return Err(Diagnostic::in_file(path, "the training file has no [training] table")
            .with_help("add [training] with seq_len, global_batch and micro_batch, e.g. seq_len = 1024"));
    };
    let seq_len = match training.remove("seq_len") {
        Some(toml::Value::Integer(s)) => s,
        Some(other) => {
            return Err(Diagnostic::in_file(path, format!("training.seq_len must be an integer, found {other}"))
                .with_help("seq_len is the number of tokens per training sequence, e.g. seq_len = 1024"))
        }
        None => {
            return Err(Diagnostic::in_file(path, "training.seq_len is missing").with_help(
                "a Hugging Face config does not say what length to train on: add seq_len = N to [training]",
            ))
        }
    };
    Ok((training, seq_len))
}

/// A name for the model: config.json's `_name_or_path` when it has one, else the directory's name.
fn model_name(config: &Map<String, Value>, path: &Path) -> String {
    if let Some(Value::String(s)) = config.get("_name_or_path") {
        if let Some(last) = s.rsplit('/').find(|p| !p.is_empty()) {
            return last.to_string();
        }
    }
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "imported".into())
}

/// Typed reads of config.json fields, each error naming the field.
struct Config<'a> {
    map: &'a Map<String, Value>,
    file: &'a str,
}

impl Config<'_> {
    fn err(&self, field: &str, message: impl std::fmt::Display, help: &str) -> Diagnostic {
        Diagnostic::in_file(self.file, format!("config.json field \"{field}\": {message}")).with_help(help.to_string())
    }

    fn present(&self, field: &str) -> Option<&Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn int(&self, field: &str) -> Result<Option<i64>, Diagnostic> {
        match self.present(field) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                self.err(field, format!("must be an integer, found {v}"), "fix config.json or re-save the model")
            }),
        }
    }

    fn required_int(&self, field: &str) -> Result<i64, Diagnostic> {
        self.int(field)?.ok_or_else(|| self.err(field, "is missing", "config.json must give every size of the model"))
    }

    fn float(&self, field: &str) -> Result<Option<f64>, Diagnostic> {
        match self.present(field) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                self.err(field, format!("must be a number, found {v}"), "fix config.json or re-save the model")
            }),
        }
    }

    fn bool(&self, field: &str) -> Result<Option<bool>, Diagnostic> {
        match self.present(field) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| {
                self.err(field, format!("must be true or false, found {v}"), "fix config.json or re-save the model")
            }),
        }
    }

    fn str(&self, field: &str) -> Result<Option<&str>, Diagnostic> {
        match self.present(field) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| {
                self.err(field, format!("must be a string, found {v}"), "fix config.json or re-save the model")
            }),
        }
    }

    /// Refuses `field` when it is set to `true`.
    fn refuse_true(&self, field: &str, why: &str) -> Result<(), Diagnostic> {
        if self.bool(field)? == Some(true) {
            return Err(self.err(
                field,
                format!("true is not supported: {why}"),
                "set it to false, or use a model without it",
            ));
        }
        Ok(())
    }

    /// A note for every dropout probability above zero: parc trains without dropout.
    fn dropout_notes(&self, fields: &[&str], notes: &mut Vec<String>) -> Result<(), Diagnostic> {
        let set: Vec<String> = fields
            .iter()
            .filter_map(|f| match self.float(f) {
                Ok(Some(p)) if p > 0.0 => Some(Ok(format!("{f} = {p}"))),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        if !set.is_empty() {
            notes.push(format!(
                "{}: dropout is not applied ({}); parc trains without dropout, as transformers does in eval mode",
                self.file,
                set.join(", ")
            ));
        }
        Ok(())
    }
}

/// The architecture: `architectures[0]`, else `model_type`.
fn architecture(c: &Config) -> Result<&'static str, Diagnostic> {
    let named = match c.present("architectures") {
        Some(Value::Array(a)) if !a.is_empty() => a[0].as_str().map(str::to_string),
        _ => None,
    };
    let from_type = match c.str("model_type")? {
        Some("gpt2") => Some("GPT2LMHeadModel"),
        Some("llama") => Some("LlamaForCausalLM"),
        Some("mistral") => Some("MistralForCausalLM"),
        Some("mixtral") => Some("MixtralForCausalLM"),
        _ => None,
    };
    let name = named.clone().or(from_type.map(str::to_string));
    match name.as_deref().and_then(|n| ARCHITECTURES.iter().find(|a| **a == n)) {
        Some(a) => Ok(a),
        None => {
            let found = name.unwrap_or_else(|| "none".into());
            let field = if named.is_some() { "architectures" } else { "model_type" };
            Err(c.err(
                field,
                format!("architecture {found} is not supported"),
                &format!("parc imports {}", parc_dialects::diag::or_list(ARCHITECTURES)),
            ))
        }
    }
}

/// The rotary base: `rope_theta`, or (transformers 5) `rope_parameters.rope_theta`, whose
/// `rope_type` must then be "default" (parc has no scaled rotary variants).
fn rope_theta(c: &Config) -> Result<f64, Diagnostic> {
    let Some(params) = c.present("rope_parameters") else { return Ok(c.float("rope_theta")?.unwrap_or(10000.0)) };
    let Value::Object(p) = params else {
        return Err(c.err(
            "rope_parameters",
            format!("must be an object, found {params}"),
            "fix config.json or re-save the model",
        ));
    };
    let inner = Config { map: p, file: c.file };
    match inner.str("rope_type")? {
        None | Some("default") => {}
        Some(other) => {
            return Err(c.err(
                "rope_parameters.rope_type",
                format!("\"{other}\" is not supported: parc applies plain rotary embeddings"),
                "use a model with rope_type \"default\"",
            ))
        }
    }
    match inner.float("rope_theta") {
        Ok(theta) => Ok(theta.or(c.float("rope_theta")?).unwrap_or(10000.0)),
        Err(_) => Err(c.err("rope_parameters.rope_theta", "must be a number", "fix config.json or re-save the model")),
    }
}

fn model_table(c: &Config, seq_len: i64, notes: &mut Vec<String>) -> Result<toml::Table, Diagnostic> {
    let arch = architecture(c)?;
    let mut m = toml::Table::new();
    let mut set = |k: &str, v: toml::Value| {
        m.insert(k.into(), v);
    };
    let int = toml::Value::Integer;
    let positions = if arch == "GPT2LMHeadModel" {
        let hidden = c.required_int("n_embd")?;
        set("vocab", int(c.required_int("vocab_size")?));
        set("hidden", int(hidden));
        set("layers", int(c.required_int("n_layer")?));
        set("heads", int(c.required_int("n_head")?));
        set("ffn", int(c.int("n_inner")?.unwrap_or(4 * hidden)));
        set("norm", "layernorm".into());
        set("norm_eps", toml::Value::Float(c.float("layer_norm_epsilon")?.unwrap_or(1e-5)));
        let act = c.str("activation_function")?.unwrap_or("gelu_new");
        if !matches!(act, "gelu_new" | "gelu_pytorch_tanh") {
            return Err(c.err(
                "activation_function",
                format!("\"{act}\" is not supported"),
                "parc's GELU is the tanh form: \"gelu_new\" (GPT-2's) or \"gelu_pytorch_tanh\"",
            ));
        }
        set("activation", "gelu".into());
        set("position", "learned".into());
        set("tie_embeddings", c.bool("tie_word_embeddings")?.unwrap_or(true).into());
        set("bias", true.into());
        if c.bool("scale_attn_weights")? == Some(false) {
            return Err(c.err(
                "scale_attn_weights",
                "false is not supported: parc scales attention by 1/sqrt(head_dim)",
                "set it to true (GPT-2's default)",
            ));
        }
        c.refuse_true("scale_attn_by_inverse_layer_idx", "parc scales every layer's attention alike")?;
        c.refuse_true("add_cross_attention", "parc builds decoder-only models")?;
        c.dropout_notes(&["resid_pdrop", "embd_pdrop", "attn_pdrop"], notes)?;
        ("n_positions", c.required_int("n_positions")?)
    } else {
        let hidden = c.required_int("hidden_size")?;
        let heads = c.required_int("num_attention_heads")?;
        set("vocab", int(c.required_int("vocab_size")?));
        set("hidden", int(hidden));
        set("layers", int(c.required_int("num_hidden_layers")?));
        set("heads", int(heads));
        set("kv_heads", int(c.int("num_key_value_heads")?.unwrap_or(heads)));
        set("ffn", int(c.required_int("intermediate_size")?));
        set("norm", "rmsnorm".into());
        set("norm_eps", toml::Value::Float(c.float("rms_norm_eps")?.unwrap_or(1e-6)));
        let act = c.str("hidden_act")?.unwrap_or("silu");
        if act != "silu" {
            return Err(c.err(
                "hidden_act",
                format!("\"{act}\" is not supported"),
                "parc's Llama-family MLP is SwiGLU: hidden_act = \"silu\"",
            ));
        }
        set("activation", "swiglu".into());
        set("position", "rope".into());
        set("rope_theta", toml::Value::Float(rope_theta(c)?));
        set("tie_embeddings", c.bool("tie_word_embeddings")?.unwrap_or(false).into());
        set("bias", false.into());
        if let Some(hd) = c.int("head_dim")? {
            if heads > 0 && hd * heads != hidden {
                return Err(c.err(
                    "head_dim",
                    format!("{hd} is not hidden_size / num_attention_heads = {hidden} / {heads}"),
                    "parc's heads split the hidden size evenly; use a model whose head_dim is hidden_size / heads",
                ));
            }
        }
        if let Some(v) = c.present("rope_scaling") {
            return Err(c.err(
                "rope_scaling",
                format!("{v} is not supported: parc applies plain rotary embeddings"),
                "use a model without rope_scaling (set it to null only if the model was trained without it)",
            ));
        }
        c.refuse_true("attention_bias", "the Llama family in parc has no biases")?;
        c.refuse_true("mlp_bias", "the Llama family in parc has no biases")?;
        if let Some(tp) = c.int("pretraining_tp")? {
            if tp != 1 {
                notes.push(format!(
                    "{}: pretraining_tp = {tp} only splits the matrix products in transformers; parc computes them whole",
                    c.file
                ));
            }
        }
        if let Some(w) = c.int("sliding_window")? {
            if w < seq_len {
                return Err(c.err(
                    "sliding_window",
                    format!("a window of {w} tokens is shorter than seq_len = {seq_len}; parc attends to every earlier token"),
                    &format!("train with seq_len <= {w} (the window then has no effect), or use a model without a sliding window"),
                ));
            }
        }
        c.dropout_notes(&["attention_dropout"], notes)?;
        if arch == "MixtralForCausalLM" {
            set("moe", toml::Value::Table(moe_table(c, notes)?));
        }
        ("max_position_embeddings", c.int("max_position_embeddings")?.unwrap_or(i64::MAX))
    };
    if seq_len > positions.1 {
        return Err(c.err(
            positions.0,
            format!("the model has {} positions, fewer than seq_len = {seq_len}", positions.1),
            &format!("train with seq_len <= {} in the training file", positions.1),
        ));
    }
    m.insert("seq_len".into(), toml::Value::Integer(seq_len));
    Ok(m)
}

/// Mixtral's sparse MoE block as `[model.moe]`: every layer's MLP is `num_local_experts` SwiGLU
/// experts of width `intermediate_size`, `num_experts_per_tok` per token, routed by softmax, top k
/// and renormalization (parc's `softmax_topk`), with no capacity limit (dropless).
///
/// The load-balancing loss: transformers adds it to the training loss only with
/// `output_router_logits = true`, and then as one loss over every layer's router outputs together,
/// where parc's `aux_loss_coef` adds one per layer; the two differ, so `true` is refused and
/// `false` imports as `aux_loss_coef = 0` (cross-entropy only, as transformers trains it).
fn moe_table(c: &Config, notes: &mut Vec<String>) -> Result<toml::Table, Diagnostic> {
    let mut moe = toml::Table::new();
    moe.insert("experts".into(), toml::Value::Integer(c.required_int("num_local_experts")?));
    moe.insert("top_k".into(), toml::Value::Integer(c.int("num_experts_per_tok")?.unwrap_or(2)));
    moe.insert("expert_ffn".into(), toml::Value::Integer(c.required_int("intermediate_size")?));
    moe.insert("router".into(), "softmax_topk".into());
    if let Some(noise) = c.float("router_jitter_noise")? {
        if noise != 0.0 {
            return Err(c.err(
                "router_jitter_noise",
                format!("{noise} is not supported: parc's router does not scale its input by random noise"),
                "set router_jitter_noise to 0.0 (transformers' default)",
            ));
        }
    }
    let coef = c.float("router_aux_loss_coef")?.unwrap_or(0.0);
    if c.bool("output_router_logits")? == Some(true) {
        return Err(c.err(
            "output_router_logits",
            format!(
                "true is not supported: transformers then adds router_aux_loss_coef ({coef}) times one                  load-balancing loss over all layers' routers, which parc does not compute"
            ),
            "set it to false to train on cross-entropy alone, or write a model.toml with [model.moe]              aux_loss_coef for parc's per-layer load-balancing loss (docs/huggingface.md)",
        ));
    }
    if coef != 0.0 {
        notes.push(format!(
            "{}: router_aux_loss_coef = {coef} is not applied: output_router_logits is false, so transformers              trains on cross-entropy alone, and so does parc (aux_loss_coef = 0)",
            c.file
        ));
    }
    moe.insert("aux_loss_coef".into(), toml::Value::Float(0.0));
    Ok(moe)
}
