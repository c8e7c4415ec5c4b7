//! `parc logits`: the logits of the first global batch of a compiled plan's model, from its
//! single-device input graph (`OUT/ir/00-input.mlir`, `@forward`) evaluated by the f64 reference
//! interpreter of the graph dialect, micro-batch by micro-batch, on the weights the run would
//! start from (`--init`, or the seeded initialization) and the data it would read first.
//!
//! The interpreter is the numerical reference (f64 arithmetic, one thread): the logits do not
//! depend on the plan's mesh, and this is the tool to compare a model's numerics with another
//! implementation's on small models, not a fast inference path.

use std::path::{Path, PathBuf};

use parc_dialects::attr::Attr;
use parc_dialects::func::FuncOp;
use parc_dialects::graph::interp::{eval_function, Tensor};
use parc_dialects::ir::OpKind;

use crate::data::{TokenData, TokenWidth};
use crate::hf::InitWeights;

/// Why the logits could not be computed: what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitsError {
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for LogitsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

fn err(message: impl Into<String>, help: impl Into<String>) -> LogitsError {
    LogitsError { message: message.into(), help: help.into() }
}

/// The first global batch's logits, `[global_batch, seq_len, vocab]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Logits {
    pub model: String,
    pub shape: [usize; 3],
    pub values: Vec<f32>,
}

/// Where the run's data comes from.
pub enum DataSource<'a> {
    /// A token file of ids of this width.
    File(&'a Path, TokenWidth),
    /// The synthetic stream of the model's seed.
    Synthetic,
}

/// Computes the logits of the first global batch of the plan compiled in `out`.
pub fn first_batch_logits(out: &Path, init: Option<&Path>, data: DataSource) -> Result<Logits, LogitsError> {
    let recompile = format!("recompile it: parc compile MODEL --mesh MESH -o {}", out.display());
    let path: PathBuf = out.join("ir").join("00-input.mlir");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        err(
            format!(
                "{} is not a directory written by parc compile: cannot read {}: {e}",
                out.display(),
                path.display()
            ),
            recompile.clone(),
        )
    })?;
    let module = parc_dialects::parser::parse_module(&text)
        .map_err(|e| err(format!("{}: {e}", path.display()), recompile.clone()))?;
    let dict = |key: &str| match module.attrs.get(key) {
        Some(Attr::Dict(d)) => Ok(d.clone()),
        _ => Err(err(format!("{}: no {key} attribute", path.display()), recompile.clone())),
    };
    let (model, training) = (dict("parc.model")?, dict("parc.training")?);
    let int = |d: &parc_dialects::AttrMap, k: &str| {
        d.int(k)
            .filter(|&v| v >= 0)
            .map(|v| v as usize)
            .ok_or_else(|| err(format!("{}: the model does not say its {k}", path.display()), recompile.clone()))
    };
    let name = model.str("name").unwrap_or("model").to_string();
    let (seq_len, vocab, layers) = (int(&model, "seq_len")?, int(&model, "vocab")?, int(&model, "layers")?);
    let (global_batch, seed) = (int(&training, "global_batch")?, int(&training, "seed")? as u64);
    let forward = module
        .function("forward")
        .ok_or_else(|| err(format!("{}: no @forward function", path.display()), recompile.clone()))?;

    // The value named `logits`, returned instead of the loss.
    let logits = forward
        .values
        .iter()
        .find(|(_, v)| v.name.as_deref() == Some("logits"))
        .map(|(v, _)| v)
        .ok_or_else(|| err(format!("{}: @forward names no logits value", path.display()), recompile.clone()))?;
    let mut f = forward.clone();
    let entry = f.entry_block();
    let ret = f.blocks[entry]
        .ops
        .iter()
        .copied()
        .find(|&op| f.ops[op].kind == OpKind::Func(FuncOp::Return))
        .ok_or_else(|| err(format!("{}: @forward has no return", path.display()), recompile.clone()))?;
    f.ops[ret].operands = vec![logits];

    // The arguments: tokens and labels, then the parameters by name.
    let mut params: Vec<(usize, String, Vec<usize>)> = Vec::new();
    let (mut tokens_at, mut labels_at) = (None, None);
    for (i, &a) in f.args().iter().enumerate() {
        let attrs = f.arg_attrs(i);
        let shape = f.value_type(a).as_tensor().shape.clone();
        match (attrs.str("parc.input"), attrs.str("parc.param")) {
            (Some("tokens"), _) => tokens_at = Some(i),
            (Some("labels"), _) => labels_at = Some(i),
            (_, Some(p)) => params.push((i, p.to_string(), shape)),
            _ => {
                return Err(err(
                    format!("{}: argument {i} of @forward is neither data nor a parameter", path.display()),
                    recompile,
                ))
            }
        }
    }
    let (Some(tokens_at), Some(labels_at)) = (tokens_at, labels_at) else {
        return Err(err(format!("{}: @forward takes no tokens or labels", path.display()), recompile));
    };
    // The graph's batch: one micro-batch of every data-parallel rank (the global view). The
    // samples of the first global batch go through it in order: a sample's logits depend on
    // its own tokens only.
    let rows = f.value_type(f.args()[tokens_at]).as_tensor().shape.first().copied().unwrap_or(0);
    if rows == 0 || global_batch % rows != 0 {
        return Err(err(
            format!(
                "{}: @forward takes {rows} samples, which do not divide the global batch {global_batch}",
                path.display()
            ),
            recompile,
        ));
    }

    let mut args: Vec<Tensor> = vec![Tensor::scalar(0.0); f.args().len()];
    let expected: Vec<(&str, &[usize])> = params.iter().map(|(_, n, s)| (n.as_str(), s.as_slice())).collect();
    let weights = match init {
        Some(p) => Some(InitWeights::open(p, &expected).map_err(|e| {
            err(
                e.to_string(),
                "--init takes this model's weights: a file written by parc launch --save, a checkpoint's \
                 state.safetensors, or a Hugging Face checkpoint of it",
            )
        })?),
        None => None,
    };
    for (i, name, shape) in &params {
        let n: usize = shape.iter().product();
        let values = match &weights {
            Some(w) => {
                let mut v = vec![0.0f32; n];
                w.read(name, (0..n).map(Some), &mut v).map_err(|e| err(e.to_string(), "check the --init file"))?;
                v
            }
            None => crate::init::default_init(seed, name, shape, layers),
        };
        args[*i] = Tensor::new(shape.clone(), values.into_iter().map(f64::from).collect())
            .map_err(|e| err(format!("parameter {name}: {e}"), recompile.clone()))?;
    }

    let data = match data {
        DataSource::File(p, width) => {
            let d = TokenData::from_file(p, width, seq_len, vocab)
                .map_err(|e| err(e.to_string(), "--data takes a token file of the model's vocabulary"))?;
            d.check_holds_batch(global_batch)
                .map_err(|e| err(e.to_string(), "--data must hold at least one global batch"))?;
            d
        }
        DataSource::Synthetic => TokenData::synthetic(seed, seq_len, vocab),
    };
    let per_call = rows * seq_len;
    let (mut tokens, mut labels) = (vec![0i32; per_call], vec![0i32; per_call]);
    let mut values = Vec::with_capacity(global_batch * seq_len * vocab);
    for call in 0..global_batch / rows {
        data.microbatch(0, 0, 1, global_batch, rows, call, &mut tokens, &mut labels)
            .map_err(|e| err(e.to_string(), "check --data and --data-dtype"))?;
        let ints = |xs: &[i32]| Tensor::new(vec![rows, seq_len], xs.iter().map(|&x| f64::from(x)).collect());
        args[tokens_at] = ints(&tokens).map_err(|e| err(e.to_string(), recompile.clone()))?;
        args[labels_at] = ints(&labels).map_err(|e| err(e.to_string(), recompile.clone()))?;
        let out = eval_function(&f, &args).map_err(|e| {
            err(format!("internal error: the reference interpreter failed on @forward: {e}"), "please report it")
        })?;
        let l = out.into_iter().next().ok_or_else(|| err("internal error: no logits returned", "please report it"))?;
        if l.shape != [rows, seq_len, vocab] {
            return Err(err(
                format!("internal error: logits of shape {:?}, not [{rows}, {seq_len}, {vocab}]", l.shape),
                "please report it",
            ));
        }
        values.extend(l.data.iter().map(|&x| x as f32));
    }
    Ok(Logits { model: name, shape: [global_batch, seq_len, vocab], values })
}
