//! Initial weights for `--init`: parc's own safetensors files, and Hugging Face checkpoints
//! (GPT-2, Llama, Mistral, Mixtral) in one file or sharded with `model.safetensors.index.json`.
//!
//! [`InitWeights::open`] reads only headers. When the files hold every parameter of the model
//! under parc's names, they are read as they are (exactly the model's tensors, or an error
//! listing every difference; a checkpoint's optimizer states `PREFIX.NAME` are passed over, so
//! a checkpoint directory's weights can start a run or be exported). Otherwise the names are matched to a Hugging Face layout, found by
//! its first tensors (`transformer.h.0.…` or `h.0.…` for GPT-2, `model.layers.0.…` for the Llama
//! family), and each parc parameter is read from its Hugging Face tensor through one of three
//! index maps (and Mixtral's experts through two more):
//! - **same**: the same row-major elements (GPT-2's Conv1D weights are already `[in, out]` as
//!   parc's; a learned position table longer than `seq_len` is read for its first rows);
//! - **transpose**: `nn.Linear` weights are `[out, in]`, parc's `[in, out]`;
//! - **columns**: GPT-2's fused `c_attn` (`[hidden, 3·hidden]`, then q, k, v) gives each of
//!   q, k and v a block of columns;
//! - **stacked**: Mixtral's stacked `gate_up_proj` `[E, 2F, H]` and `down_proj` `[E, H, F]` give
//!   each expert of parc's `[E, H, F]` / `[E, F, H]` the transpose of its block;
//! - **per expert**: Mixtral's `experts.{e}.w1/w3` `[F, H]` and `w2` `[H, F]` are one tensor per
//!   expert, each transposed into expert `e`'s block (a parameter then reads several tensors).
//!
//! A rank reads only the elements of its own pieces ([`InitWeights::read_piece`]): a piece of
//! consecutive elements in large runs; a tensor-parallel rectangle of a transposed weight as its
//! rows of the file (one read when they are whole rows, else one per row); anything else sorted
//! into runs of consecutive elements.
//! Checkpoint buffers that are not parameters (GPT-2's `attn.bias` masks, `rotary_emb.inv_freq`)
//! and a tied model's saved `lm_head.weight` are skipped; any other tensor the model lacks is an
//! error, as is a missing or misshapen one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::weights::{MismatchReport, ShapeMismatch, WeightsError, WeightsFile};

/// How a parc parameter's flat index maps into its checkpoint tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IndexMap {
    /// The same flat index.
    Same,
    /// parc `[a, b]` from the file's `[b, a]`.
    Transpose { a: usize, b: usize },
    /// parc `[r, cols]` (or `[cols]`) from columns `offset..offset + cols` of the file's
    /// `[r, width]` (or `[width]`).
    Columns { width: usize, offset: usize, cols: usize },
    /// parc `[E, a, b]` from a stacked `[E, ·, a]` tensor: expert `e`'s `[a, b]` is the transpose
    /// of the `[b, a]` block at `e · stride + offset` (Mixtral's fused `gate_up_proj`, `down_proj`).
    Stacked { a: usize, b: usize, stride: usize, offset: usize },
}

impl IndexMap {
    fn apply(self, g: usize) -> usize {
        match self {
            IndexMap::Same => g,
            IndexMap::Transpose { a, b } => (g % b) * a + g / b,
            IndexMap::Columns { width, offset, cols } => (g / cols) * width + offset + g % cols,
            IndexMap::Stacked { a, b, stride, offset } => {
                let (e, r) = (g / (a * b), g % (a * b));
                e * stride + offset + (r % b) * a + r / b
            }
        }
    }
}

/// Where a parc parameter comes from.
#[derive(Clone, Debug)]
struct Source {
    tensor: String,
    file: usize,
    map: IndexMap,
    /// Per-expert tensors (Mixtral's `experts.{e}.w1` …): expert `e`'s block of the parc
    /// parameter `[E, a, b]` is read from `experts[e]` (tensor, file) through `map`; empty for a
    /// parameter read from one tensor.
    experts: Vec<(String, usize)>,
}

/// The layouts of Hugging Face checkpoints parc reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// parc's own names.
    Parc,
    /// GPT-2 (`GPT2LMHeadModel`), with its name prefix (`transformer.` or none).
    Gpt2(&'static str),
    /// Llama, Mistral and Mixtral, with its name prefix (`model.` or none) and, for Mixtral's
    /// experts, whether they are stacked (`mlp.experts.gate_up_proj`, `mlp.experts.down_proj`,
    /// router `mlp.gate`) rather than one tensor per expert (`block_sparse_moe.experts.{e}.w1`,
    /// `w2`, `w3`, router `block_sparse_moe.gate`).
    Llama(&'static str, bool),
}

/// The weights of `--init`, opened: which file holds each tensor, and where each parc parameter
/// is read from.
#[derive(Debug)]
pub struct InitWeights {
    path: PathBuf,
    files: Vec<WeightsFile>,
    sources: HashMap<String, Source>,
}

impl InitWeights {
    /// Opens the weights at `path` (a safetensors file, a `model.safetensors.index.json`, or a
    /// directory holding either) for a model whose parameters are `expected` (parc names, global
    /// shapes), and matches them; every difference is reported at once.
    pub fn open(path: &Path, expected: &[(&str, &[usize])]) -> Result<InitWeights, WeightsError> {
        let (files, owner) = open_files(path)?;
        let has = |name: &str| owner.contains_key(name);
        let layout = if expected.iter().all(|(n, _)| has(n)) {
            Layout::Parc
        } else if let Some(p) = ["transformer.", ""].into_iter().find(|p| has(&format!("{p}wte.weight"))) {
            Layout::Gpt2(p)
        } else if let Some(p) = ["model.", ""].into_iter().find(|p| has(&format!("{p}embed_tokens.weight"))) {
            Layout::Llama(p, owner.keys().any(|k| k.ends_with(".mlp.experts.gate_up_proj")))
        } else {
            Layout::Parc
        };
        if layout == Layout::Parc {
            // parc's names: exactly the model's tensors (one file, or an index of several).
            // A checkpoint's optimizer states (`PREFIX.NAME` of a parameter NAME) are not weights.
            let is_state = |name: &str| {
                name.split_once('.').is_some_and(|(prefix, rest)| {
                    !prefix.is_empty()
                        && expected.iter().any(|(n, _)| *n == rest)
                        && !expected.iter().any(|(n, _)| *n == name)
                })
            };
            let stored: Vec<(&str, &[usize])> = owner
                .iter()
                .filter(|(name, _)| !is_state(name))
                .map(|(name, &f)| (name.as_str(), files[f].shape(name).unwrap_or(&[])))
                .collect();
            crate::weights::check_shapes_of(stored, expected, path)?;
            let sources = owner
                .iter()
                .map(|(name, &file)| {
                    (name.clone(), Source { tensor: name.clone(), file, map: IndexMap::Same, experts: Vec::new() })
                })
                .collect();
            return Ok(InitWeights { path: path.to_path_buf(), files, sources });
        }
        // The model's family, from its parameters: GPT-2's learned positions, Llama's gated MLP.
        let model_is_gpt2 = expected.iter().any(|(n, _)| *n == "embed.positions.weight");
        let file_is_gpt2 = matches!(layout, Layout::Gpt2(_));
        if model_is_gpt2 != file_is_gpt2 {
            return Err(WeightsError::Import {
                message: format!(
                    "{} is a {} checkpoint, but the model is a {} model: pass the checkpoint of this model",
                    path.display(),
                    family(file_is_gpt2),
                    family(model_is_gpt2)
                ),
            });
        }
        let mut report = MismatchReport { file: Some(path.to_path_buf()), ..Default::default() };
        let mut sources = HashMap::new();
        let mut used: Vec<&str> = Vec::new();
        for &(name, shape) in expected {
            let Some((tensor, map_of)) = hf_name(layout, name) else {
                report.missing.push((format!("{name} (no Hugging Face tensor maps to it)"), shape.to_vec()));
                continue;
            };
            if let MapOf::PerExpert = map_of {
                // One tensor per expert, each the transpose of the expert's block.
                let (Some(&n), [_, a, b]) = (shape.first(), shape) else { continue };
                let mut experts = Vec::with_capacity(n);
                for e in 0..n {
                    let t = tensor.replace("{e}", &e.to_string());
                    match owner.get_key_value(&t) {
                        None => report.missing.push((described(&t, name), vec![*b, *a])),
                        Some((key, &file)) => {
                            used.push(key.as_str());
                            let found = files[file].shape(&t).unwrap_or(&[]).to_vec();
                            if found != [*b, *a] {
                                report.wrong_shape.push(ShapeMismatch {
                                    name: in_file(&described(&t, name), &files[file]),
                                    expected: vec![*b, *a],
                                    found,
                                });
                            }
                            experts.push((t, file));
                        }
                    }
                }
                if experts.len() == n {
                    let (t0, f0) = experts[0].clone();
                    let map = IndexMap::Transpose { a: *a, b: *b };
                    sources.insert(name.to_string(), Source { tensor: t0, file: f0, map, experts });
                }
                continue;
            }
            let Some(&file) = owner.get(&tensor) else {
                report.missing.push((described(&tensor, name), hf_shape(map_of, shape)));
                continue;
            };
            used.push(owner.get_key_value(&tensor).map(|(k, _)| k.as_str()).unwrap_or_default());
            let found = files[file].shape(&tensor).unwrap_or(&[]).to_vec();
            match index_map(map_of, shape, &found) {
                Some(map) => {
                    sources.insert(name.to_string(), Source { tensor, file, map, experts: Vec::new() });
                }
                None => report.wrong_shape.push(ShapeMismatch {
                    name: in_file(&described(&tensor, name), &files[file]),
                    expected: hf_shape(map_of, shape),
                    found,
                }),
            }
        }
        let tied = !expected.iter().any(|(n, _)| *n == "lm_head.weight");
        let mut unexpected: Vec<(String, Vec<usize>)> = owner
            .keys()
            .filter(|k| !used.contains(&k.as_str()) && !skipped(k, tied))
            .map(|k| (k.clone(), files[owner[k]].shape(k).unwrap_or(&[]).to_vec()))
            .collect();
        unexpected.sort();
        report.unexpected = unexpected;
        if !(report.missing.is_empty() && report.unexpected.is_empty() && report.wrong_shape.is_empty()) {
            return Err(WeightsError::Mismatch(report));
        }
        Ok(InitWeights { path: path.to_path_buf(), files, sources })
    }

    /// The bytes of tensor data read so far, over every file.
    pub fn data_bytes_read(&self) -> u64 {
        self.files.iter().map(WeightsFile::data_bytes_read).sum()
    }

    /// The path the weights were opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// [`InitWeights::read`] of a rank's piece: a piece of consecutive elements stored as they
    /// are is read in large runs, without visiting each index.
    pub fn read_piece(
        &self,
        name: &str,
        indices: crate::shards::LocalIndices,
        out: &mut [f32],
    ) -> Result<(), WeightsError> {
        let source = self.sources.get(name).filter(|s| s.experts.is_empty());
        if let (Some(s), Some((first, n, _))) = (source, indices.contiguous()) {
            if s.map == IndexMap::Same && n <= out.len() {
                let (data, padding) = out.split_at_mut(n);
                self.files[s.file].read_range(&s.tensor, first, data)?;
                padding.fill(0.0);
                return Ok(());
            }
        }
        // A tensor-parallel rectangle of a transposed weight: rows `cols` of the file, each the
        // run `rows` (one read when the rows are whole), transposed into place.
        if let (Some(s), Some((rows, cols))) = (source, indices.rectangle()) {
            if let IndexMap::Transpose { a, .. } = s.map {
                let (h, w) = (rows.len(), cols.len());
                if h * w == out.len() {
                    let file = &self.files[s.file];
                    let mut run = vec![0.0f32; if h == a { h * w } else { h }];
                    if h == a {
                        file.read_range(&s.tensor, cols.start * a, &mut run)?;
                    }
                    for (c, j) in cols.enumerate() {
                        let src = if h == a {
                            &run[c * a..(c + 1) * a]
                        } else {
                            file.read_range(&s.tensor, j * a + rows.start, &mut run)?;
                            &run[..]
                        };
                        for (r, &v) in src.iter().enumerate() {
                            out[r * w + c] = v;
                        }
                    }
                    return Ok(());
                }
            }
        }
        self.read(name, indices, out)
    }

    /// Fills `out` with elements of parc parameter `name`: `indices` gives the global flat index
    /// (in parc's shape) of each entry, None for padding.
    pub fn read<I>(&self, name: &str, indices: I, out: &mut [f32]) -> Result<(), WeightsError>
    where
        I: IntoIterator<Item = Option<usize>>,
    {
        let s = self
            .sources
            .get(name)
            .ok_or_else(|| WeightsError::NoTensor { path: self.path.clone(), tensor: name.to_string() })?;
        let map = s.map;
        if let (false, IndexMap::Transpose { a, b }) = (s.experts.is_empty(), map) {
            // Per-expert tensors: each expert's elements gathered from its own tensor.
            let block = a * b;
            let all: Vec<Option<usize>> = indices.into_iter().take(out.len()).collect();
            let mut mine: Vec<Vec<usize>> = vec![Vec::new(); s.experts.len()];
            for (at, g) in all.iter().enumerate() {
                match g {
                    None => out[at] = 0.0,
                    Some(g) => match mine.get_mut(g / block) {
                        Some(m) => m.push(at),
                        None => {
                            return Err(WeightsError::ElementOutOfRange {
                                path: self.files[s.file].path().to_path_buf(),
                                tensor: name.to_string(),
                                index: *g,
                                elements: block * s.experts.len(),
                            })
                        }
                    },
                }
            }
            for (e, ats) in mine.iter().enumerate().filter(|(_, ats)| !ats.is_empty()) {
                let (tensor, file) = &s.experts[e];
                let mut values = vec![0.0f32; ats.len()];
                let local = ats.iter().map(|&at| all[at].map(|g| map.apply(g - e * block)));
                self.files[*file].read_gathered(tensor, local, &mut values)?;
                for (&at, v) in ats.iter().zip(values) {
                    out[at] = v;
                }
            }
            return Ok(());
        }
        let file = &self.files[s.file];
        let mapped = indices.into_iter().map(move |i| i.map(|g| map.apply(g)));
        match map {
            IndexMap::Transpose { .. } | IndexMap::Stacked { .. } => file.read_gathered(&s.tensor, mapped, out),
            _ => file.read_elements(&s.tensor, mapped, out),
        }
    }
}

/// Opens the file at `path`, or every file an index names; returns the files and, for each
/// tensor, the file that holds it.
fn open_files(path: &Path) -> Result<(Vec<WeightsFile>, BTreeMap<String, usize>), WeightsError> {
    let import = |message: String| WeightsError::Import { message };
    let index = if path.is_dir() {
        let index = path.join("model.safetensors.index.json");
        let single = path.join("model.safetensors");
        let checkpoint = path.join(crate::train::CHECKPOINT_TENSORS);
        if index.is_file() {
            index
        } else if single.is_file() {
            return open_files(&single);
        } else if checkpoint.is_file() && path.join(crate::train::CHECKPOINT_META).is_file() {
            return open_files(&checkpoint);
        } else {
            return Err(import(format!(
                "{} holds neither model.safetensors nor model.safetensors.index.json (nor a parc checkpoint); \
                 --init takes a safetensors file, an index, or a directory with one of them",
                path.display()
            )));
        }
    } else if path.extension().is_some_and(|e| e == "json") {
        path.to_path_buf()
    } else {
        let file = WeightsFile::open(path)?;
        let owner = file.names().map(|n| (n.to_string(), 0)).collect();
        return Ok((vec![file], owner));
    };
    let text = std::fs::read_to_string(&index).map_err(|source| WeightsError::Io {
        action: "read",
        path: index.clone(),
        source,
    })?;
    let bad = |what: String| {
        import(format!(
            "{} is not a safetensors index: {what} (it should hold {{\"weight_map\": {{tensor: file}}}})",
            index.display()
        ))
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let map = json.get("weight_map").and_then(|m| m.as_object()).ok_or_else(|| bad("no weight_map object".into()))?;
    let dir = index.parent().unwrap_or(Path::new("."));
    let mut files: Vec<WeightsFile> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut owner = BTreeMap::new();
    for (tensor, file) in map {
        let file = file.as_str().ok_or_else(|| bad(format!("the file of {tensor} is not a string")))?;
        if file.contains('/') || file.contains('\\') || file == ".." {
            return Err(bad(format!("file name {file:?} of {tensor} is not a plain file name")));
        }
        let i = match by_name.get(file) {
            Some(&i) => i,
            None => {
                files.push(WeightsFile::open(dir.join(file))?);
                by_name.insert(file.to_string(), files.len() - 1);
                files.len() - 1
            }
        };
        if files[i].shape(tensor).is_none() {
            return Err(import(format!(
                "{} says tensor {tensor} is in {file}, but {} has no tensor of that name",
                index.display(),
                dir.join(file).display()
            )));
        }
        owner.insert(tensor.clone(), i);
    }
    for (f, file) in files.iter().enumerate() {
        if let Some(extra) = file.names().find(|n| owner.get(*n) != Some(&f)) {
            return Err(import(format!(
                "{} holds tensor {extra}, which {} does not list for it",
                file.path().display(),
                index.display()
            )));
        }
    }
    Ok((files, owner))
}

/// Which index map a rule asks for, before the shapes are known.
#[derive(Clone, Copy, Debug)]
enum MapOf {
    Same,
    /// A learned position table: the file may hold more rows than the model's sequence.
    Rows,
    Transpose,
    /// Block `k` of 3 column blocks (GPT-2's fused q, k, v).
    Third(usize),
    /// parc `[E, a, b]` from block `k` of `parts` in the middle dimension of a stacked
    /// `[E, parts · b, a]` tensor, each block transposed (Mixtral's fused experts).
    Stacked {
        k: usize,
        parts: usize,
    },
    /// parc `[E, a, b]` from `E` tensors `[b, a]`, the name's `{e}` the expert (Mixtral's
    /// per-expert `w1`, `w2`, `w3`).
    PerExpert,
}

/// The checkpoint tensor parc parameter `name` is read from in `layout`.
fn hf_name(layout: Layout, name: &str) -> Option<(String, MapOf)> {
    let fused = matches!(layout, Layout::Llama(_, true));
    let (prefix, gpt2) = match layout {
        Layout::Parc => return Some((name.to_string(), MapOf::Same)),
        Layout::Gpt2(p) => (p, true),
        Layout::Llama(p, _) => (p, false),
    };
    let same = |t: String| Some((t, MapOf::Same));
    if name == "lm_head.weight" {
        return Some(("lm_head.weight".into(), MapOf::Transpose));
    }
    if gpt2 {
        match name {
            "embed.tokens.weight" => return same(format!("{prefix}wte.weight")),
            "embed.positions.weight" => return Some((format!("{prefix}wpe.weight"), MapOf::Rows)),
            "final_norm.weight" | "final_norm.bias" => {
                return same(format!("{prefix}ln_f.{}", name.rsplit('.').next()?))
            }
            _ => {}
        }
    } else {
        match name {
            "embed.tokens.weight" => return same(format!("{prefix}embed_tokens.weight")),
            "final_norm.weight" => return same(format!("{prefix}norm.weight")),
            _ => {}
        }
    }
    let rest = name.strip_prefix("layers.")?;
    let (layer, rest) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let (module, param) = rest.rsplit_once('.')?;
    if gpt2 {
        let h = format!("{prefix}h.{layer}");
        match module {
            "attn_norm" => same(format!("{h}.ln_1.{param}")),
            "mlp_norm" => same(format!("{h}.ln_2.{param}")),
            "attn.q" => Some((format!("{h}.attn.c_attn.{param}"), MapOf::Third(0))),
            "attn.k" => Some((format!("{h}.attn.c_attn.{param}"), MapOf::Third(1))),
            "attn.v" => Some((format!("{h}.attn.c_attn.{param}"), MapOf::Third(2))),
            "attn.o" => same(format!("{h}.attn.c_proj.{param}")),
            "mlp.up" => same(format!("{h}.mlp.c_fc.{param}")),
            "mlp.down" => same(format!("{h}.mlp.c_proj.{param}")),
            _ => None,
        }
    } else {
        let l = format!("{prefix}layers.{layer}");
        let linear = |t: String| (param == "weight").then_some((t, MapOf::Transpose));
        match module {
            "attn_norm" => same(format!("{l}.input_layernorm.{param}")),
            "mlp_norm" => same(format!("{l}.post_attention_layernorm.{param}")),
            "attn.q" | "attn.k" | "attn.v" | "attn.o" => linear(format!("{l}.self_attn.{}_proj.weight", &module[5..])),
            "mlp.gate" | "mlp.up" | "mlp.down" => linear(format!("{l}.mlp.{}_proj.weight", &module[4..])),
            _ if param != "weight" => None,
            "moe.router" if fused => linear(format!("{l}.mlp.gate.weight")),
            "moe.router" => linear(format!("{l}.block_sparse_moe.gate.weight")),
            "moe.experts.gate" if fused => {
                Some((format!("{l}.mlp.experts.gate_up_proj"), MapOf::Stacked { k: 0, parts: 2 }))
            }
            "moe.experts.up" if fused => {
                Some((format!("{l}.mlp.experts.gate_up_proj"), MapOf::Stacked { k: 1, parts: 2 }))
            }
            "moe.experts.down" if fused => {
                Some((format!("{l}.mlp.experts.down_proj"), MapOf::Stacked { k: 0, parts: 1 }))
            }
            "moe.experts.gate" | "moe.experts.up" | "moe.experts.down" => {
                let w = match &module[12..] {
                    "gate" => "w1",
                    "up" => "w3",
                    _ => "w2",
                };
                Some((format!("{l}.block_sparse_moe.experts.{{e}}.{w}.weight"), MapOf::PerExpert))
            }
            _ => None,
        }
    }
}

/// A checkpoint tensor's name for messages, with the parc parameter it holds when that differs.
fn described(tensor: &str, name: &str) -> String {
    if tensor == name {
        tensor.to_string()
    } else {
        format!("{tensor} (parc's {name})")
    }
}

/// A checkpoint tensor's description with the file that holds it.
fn in_file(described: &str, file: &WeightsFile) -> String {
    let name = file.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{described} in {name}")
}

/// The shape the checkpoint tensor should have for a parc parameter of shape `shape` (for a
/// position table, the least).
fn hf_shape(map: MapOf, shape: &[usize]) -> Vec<usize> {
    match map {
        MapOf::Same | MapOf::Rows => shape.to_vec(),
        MapOf::Transpose => shape.iter().rev().copied().collect(),
        MapOf::Stacked { parts, .. } => match shape {
            [e, a, b] => vec![*e, parts * b, *a],
            _ => shape.to_vec(),
        },
        MapOf::PerExpert => match shape {
            [_, a, b] => vec![*b, *a],
            _ => shape.to_vec(),
        },
        MapOf::Third(_) => {
            let mut s = shape.to_vec();
            if let Some(last) = s.last_mut() {
                *last *= 3;
            }
            s
        }
    }
}

/// The index map from parc's `shape` into a checkpoint tensor of shape `found`, or None when
/// `found` does not fit.
fn index_map(map: MapOf, shape: &[usize], found: &[usize]) -> Option<IndexMap> {
    match map {
        MapOf::Same => (found == shape).then_some(IndexMap::Same),
        MapOf::Rows => (found.len() == 2 && shape.len() == 2 && found[1] == shape[1] && found[0] >= shape[0])
            .then_some(IndexMap::Same),
        MapOf::Transpose => (shape.len() == 2 && found == hf_shape(map, shape).as_slice())
            .then_some(IndexMap::Transpose { a: shape[0], b: shape[1] }),
        MapOf::Stacked { k, parts } => match shape {
            [_, a, b] if found == hf_shape(map, shape).as_slice() => {
                Some(IndexMap::Stacked { a: *a, b: *b, stride: parts * a * b, offset: k * a * b })
            }
            _ => None,
        },
        MapOf::PerExpert => match shape {
            [_, a, b] if found == [*b, *a] => Some(IndexMap::Transpose { a: *a, b: *b }),
            _ => None,
        },
        MapOf::Third(k) => {
            let cols = *shape.last()?;
            (found == hf_shape(map, shape).as_slice()).then_some(IndexMap::Columns {
                width: 3 * cols,
                offset: k * cols,
                cols,
            })
        }
    }
}

/// Checkpoint tensors that are not parameters of the model and are skipped: attention-mask and
/// rotary buffers some checkpoints carry, and a tied model's saved LM head (the embedding).
fn skipped(name: &str, tied: bool) -> bool {
    name.ends_with(".attn.bias")
        || name.ends_with(".attn.masked_bias")
        || name.ends_with("rotary_emb.inv_freq")
        || (tied && name == "lm_head.weight")
}

/// What a Hugging Face config.json says about a model parc exports: the family's fixed choices
/// are implied (GPT-2: LayerNorm, tanh GELU, learned positions, biases; Llama: RMSNorm, SwiGLU,
/// rotary embeddings, no biases).
#[derive(Clone, Debug, PartialEq)]
pub struct HfConfig {
    /// GPT-2 (`GPT2LMHeadModel`), else Llama (`LlamaForCausalLM`).
    pub gpt2: bool,
    pub vocab: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub ffn: usize,
    /// The positions of the exported model: parc's sequence length.
    pub seq_len: usize,
    pub norm_eps: f64,
    pub rope_theta: f64,
    pub tie_embeddings: bool,
    /// A mixture-of-experts model (`MixtralForCausalLM`): experts per layer and experts per token.
    pub moe: Option<(usize, usize)>,
}

impl HfConfig {
    /// The config.json text (keys sorted, so the same model gives the same bytes).
    pub fn to_json(&self) -> String {
        let v = if self.gpt2 {
            serde_json::json!({
                "architectures": ["GPT2LMHeadModel"],
                "model_type": "gpt2",
                "vocab_size": self.vocab,
                "n_positions": self.seq_len,
                "n_embd": self.hidden,
                "n_layer": self.layers,
                "n_head": self.heads,
                "n_inner": self.ffn,
                "activation_function": "gelu_new",
                "layer_norm_epsilon": self.norm_eps,
                "resid_pdrop": 0.0,
                "embd_pdrop": 0.0,
                "attn_pdrop": 0.0,
                "scale_attn_weights": true,
                "tie_word_embeddings": self.tie_embeddings,
                "torch_dtype": "float32",
            })
        } else if let Some((experts, top_k)) = self.moe {
            serde_json::json!({
                "architectures": ["MixtralForCausalLM"],
                "model_type": "mixtral",
                "vocab_size": self.vocab,
                "hidden_size": self.hidden,
                "intermediate_size": self.ffn,
                "num_hidden_layers": self.layers,
                "num_attention_heads": self.heads,
                "num_key_value_heads": self.kv_heads,
                "head_dim": self.hidden / self.heads.max(1),
                "hidden_act": "silu",
                "max_position_embeddings": self.seq_len,
                "rms_norm_eps": self.norm_eps,
                "rope_theta": self.rope_theta,
                "num_local_experts": experts,
                "num_experts_per_tok": top_k,
                "output_router_logits": false,
                "router_aux_loss_coef": 0.0,
                "router_jitter_noise": 0.0,
                "sliding_window": null,
                "tie_word_embeddings": self.tie_embeddings,
                "torch_dtype": "float32",
            })
        } else {
            serde_json::json!({
                "architectures": ["LlamaForCausalLM"],
                "model_type": "llama",
                "vocab_size": self.vocab,
                "hidden_size": self.hidden,
                "intermediate_size": self.ffn,
                "num_hidden_layers": self.layers,
                "num_attention_heads": self.heads,
                "num_key_value_heads": self.kv_heads,
                "head_dim": self.hidden / self.heads.max(1),
                "hidden_act": "silu",
                "max_position_embeddings": self.seq_len,
                "rms_norm_eps": self.norm_eps,
                "rope_theta": self.rope_theta,
                "attention_bias": false,
                "mlp_bias": false,
                "tie_word_embeddings": self.tie_embeddings,
                "torch_dtype": "float32",
            })
        };
        let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// What [`export`] wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportSummary {
    /// The files, in the order written (config.json last).
    pub files: Vec<PathBuf>,
    /// Checkpoint tensors written.
    pub tensors: usize,
    /// Bytes of tensor data.
    pub bytes: u64,
}

/// Writes the model's parameters, read from `weights` (parc's or a Hugging Face checkpoint,
/// opened for `params`), as a Hugging Face checkpoint in `dir`: config.json and float32
/// model.safetensors, or above `max_shard_bytes` of tensor data, model-0000i-of-0000n.safetensors
/// files and model.safetensors.index.json. Each checkpoint tensor is assembled with the index maps
/// the import reads through ([`InitWeights`]), so an export imports back to the same values.
pub fn export(
    config: &HfConfig,
    weights: &InitWeights,
    params: &[(&str, &[usize])],
    dir: &Path,
    max_shard_bytes: u64,
) -> Result<ExportSummary, WeightsError> {
    // Mixtral's experts are written one tensor per expert, as transformers' save_pretrained writes them.
    let layout = if config.gpt2 { Layout::Gpt2("transformer.") } else { Layout::Llama("model.", false) };
    // Checkpoint tensor name -> (shape, data), assembled from parc's parameters.
    let mut out: BTreeMap<String, (Vec<usize>, Vec<f32>)> = BTreeMap::new();
    for &(name, shape) in params {
        let (tensor, map_of) = hf_name(layout, name).ok_or_else(|| WeightsError::Import {
            message: format!(
                "parameter {name} has no Hugging Face counterpart in a {} checkpoint",
                family(config.gpt2)
            ),
        })?;
        let hf = hf_shape(map_of, shape);
        let n: usize = shape.iter().product();
        if let (MapOf::PerExpert, [experts, a, b]) = (map_of, shape) {
            let mut values = vec![0.0f32; n];
            weights.read(name, (0..n).map(Some), &mut values)?;
            let map = IndexMap::Transpose { a: *a, b: *b };
            for (e, block) in values.chunks(a * b).enumerate().take(*experts) {
                let mut data = vec![0.0f32; a * b];
                for (g, v) in block.iter().enumerate() {
                    data[map.apply(g)] = *v;
                }
                out.insert(tensor.replace("{e}", &e.to_string()), (hf.clone(), data));
            }
            continue;
        }
        let map = index_map(map_of, shape, &hf).ok_or_else(|| WeightsError::Import {
            message: format!("internal error: parameter {name} {shape:?} does not map onto {tensor} {hf:?}"),
        })?;
        let mut values = vec![0.0f32; n];
        weights.read(name, (0..n).map(Some), &mut values)?;
        let entry = out.entry(tensor).or_insert_with(|| (hf.clone(), vec![0.0f32; hf.iter().product()]));
        for (g, v) in values.into_iter().enumerate() {
            entry.1[map.apply(g)] = v;
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| WeightsError::Io {
        action: "write",
        path: dir.to_path_buf(),
        source,
    })?;
    // Shards: tensors in name order, a new file when the next tensor would pass the limit.
    let mut shards: Vec<Vec<&String>> = vec![Vec::new()];
    let mut size = 0u64;
    for (name, (_, data)) in &out {
        let bytes = 4 * data.len() as u64;
        if size > 0 && size + bytes > max_shard_bytes {
            shards.push(Vec::new());
            size = 0;
        }
        size += bytes;
        shards.last_mut().expect("one shard").push(name);
    }
    let total: u64 = out.values().map(|(_, d)| 4 * d.len() as u64).sum();
    let mut files = Vec::new();
    let mut weight_map = serde_json::Map::new();
    let n = shards.len();
    for (i, shard) in shards.iter().enumerate() {
        let file =
            if n == 1 { "model.safetensors".to_string() } else { format!("model-{:05}-of-{n:05}.safetensors", i + 1) };
        let tensors: Vec<(&str, &[usize], &[f32])> =
            shard.iter().map(|name| (name.as_str(), out[*name].0.as_slice(), out[*name].1.as_slice())).collect();
        crate::weights::save_as(dir.join(&file), &tensors, "pt")?;
        for name in shard {
            weight_map.insert((*name).clone(), serde_json::Value::String(file.clone()));
        }
        files.push(dir.join(&file));
    }
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).map_err(|source| WeightsError::Io { action: "write", path: path.clone(), source })
    };
    if n > 1 {
        let index = serde_json::json!({"metadata": {"total_size": total}, "weight_map": weight_map});
        let path = dir.join("model.safetensors.index.json");
        write(path.clone(), format!("{}\n", serde_json::to_string_pretty(&index).unwrap_or_default()))?;
        files.push(path);
    }
    let path = dir.join("config.json");
    write(path.clone(), config.to_json())?;
    files.push(path);
    Ok(ExportSummary { files, tensors: out.len(), bytes: total })
}

fn family(gpt2: bool) -> &'static str {
    if gpt2 {
        "GPT-2"
    } else {
        "Llama-family"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_maps_match_their_layouts() {
        // parc [2, 3] from a [3, 2] file: parc (i, j) is file (j, i).
        let t = IndexMap::Transpose { a: 2, b: 3 };
        let got: Vec<usize> = (0..6).map(|g| t.apply(g)).collect();
        assert_eq!(got, vec![0, 2, 4, 1, 3, 5]);
        // The k block of a fused [2, 3·2] file.
        let c = IndexMap::Columns { width: 6, offset: 2, cols: 2 };
        let got: Vec<usize> = (0..4).map(|g| c.apply(g)).collect();
        assert_eq!(got, vec![2, 3, 8, 9]);
        // A bias block.
        let b = IndexMap::Columns { width: 6, offset: 4, cols: 2 };
        assert_eq!((0..2).map(|g| b.apply(g)).collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn names_map_per_layout() {
        let g = Layout::Gpt2("transformer.");
        assert_eq!(hf_name(g, "layers.3.attn.k.bias").unwrap().0, "transformer.h.3.attn.c_attn.bias");
        assert_eq!(hf_name(g, "embed.positions.weight").unwrap().0, "transformer.wpe.weight");
        assert_eq!(hf_name(g, "final_norm.bias").unwrap().0, "transformer.ln_f.bias");
        let l = Layout::Llama("model.", false);
        assert_eq!(hf_name(l, "layers.1.mlp.gate.weight").unwrap().0, "model.layers.1.mlp.gate_proj.weight");
        assert_eq!(hf_name(l, "layers.0.attn.o.weight").unwrap().0, "model.layers.0.self_attn.o_proj.weight");
        assert!(hf_name(l, "layers.0.attn.o.bias").is_none());
        assert!(hf_name(l, "layers.x.attn.o.weight").is_none());
    }

    /// A tensor-parallel rank's piece of a transposed weight and of GPT-2's fused q/k/v reads only
    /// the bytes of that piece from the checkpoint, never another rank's.
    #[test]
    fn a_rank_reads_only_its_own_piece() {
        let dir = std::env::temp_dir().join(format!("parc-hf-reads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A Llama-layout q_proj [out 8, in 6] and a GPT-2-layout c_attn [6, 3·4].
        let q: Vec<f32> = (0..48).map(|x| x as f32).collect();
        let llama = dir.join("llama.safetensors");
        crate::weights::save_as(
            &llama,
            &[
                ("model.embed_tokens.weight", &[4, 6], &[0.0; 24]),
                ("model.layers.0.self_attn.q_proj.weight", &[8, 6], &q),
            ],
            "pt",
        )
        .unwrap();
        let expected: Vec<(&str, &[usize])> =
            vec![("embed.tokens.weight", &[4, 6]), ("layers.0.attn.q.weight", &[6, 8])];
        let w = InitWeights::open(&llama, &expected).unwrap();
        // tp rank 1 of 2 holds columns 4..8 of parc's [6, 8]: rows 4..8 of the file's [8, 6].
        let piece: Vec<Option<usize>> = (0..6).flat_map(|i| (4..8).map(move |j| Some(i * 8 + j))).collect();
        let mut out = vec![0.0f32; piece.len()];
        w.read("layers.0.attn.q.weight", piece.clone(), &mut out).unwrap();
        assert_eq!(w.data_bytes_read(), 4 * 4 * 6, "only the piece's 4 rows of 6");
        for (k, g) in piece.iter().enumerate() {
            let (i, j) = (g.unwrap() / 8, g.unwrap() % 8);
            assert_eq!(out[k], q[j * 6 + i]);
        }
        // The same pieces through read_piece's rectangle path (one read of the piece's rows), and
        // the other split: rows 3..6 of parc's [6, 8] are columns 3..6 of every file row.
        let mesh = parc_dialects::mesh::Mesh::new(1, 1, 2, 1).unwrap();
        let layout = |placement: &str| crate::shards::ParamLayout {
            name: "layers.0.attn.q.weight".into(),
            global_shape: vec![6, 8],
            placement: parc_dialects::dist::Sharding::parse(placement).unwrap(),
            zero_flat: false,
            state_flat: false,
            zero_group: parc_dialects::mesh::GroupKind::Axis(parc_dialects::mesh::Axis::Dp),
        };
        for placement in ["[S(1)]", "[S(0)]"] {
            let l = layout(placement);
            let idx = l.local_indices(&mesh, 1);
            let want: Vec<f32> = idx.clone().map(|g| q[(g.unwrap() % 8) * 6 + g.unwrap() / 8]).collect();
            let mut got = vec![0.0f32; want.len()];
            let before = w.data_bytes_read();
            w.read_piece("layers.0.attn.q.weight", idx, &mut got).unwrap();
            assert_eq!(got, want, "{placement}");
            assert_eq!(w.data_bytes_read() - before, 4 * 24, "{placement}: only the piece's 24 elements");
        }
        // GPT-2's fused q/k/v: rank 0 of tp 2 holds columns 0..2 of v [6, 4].
        let c: Vec<f32> = (0..72).map(|x| x as f32).collect();
        let gpt2 = dir.join("gpt2.safetensors");
        crate::weights::save_as(
            &gpt2,
            &[
                ("transformer.wte.weight", &[4, 6], &[0.0; 24]),
                ("transformer.wpe.weight", &[3, 6], &[0.0; 18]),
                ("transformer.h.0.attn.c_attn.weight", &[6, 12], &c),
            ],
            "pt",
        )
        .unwrap();
        let expected: Vec<(&str, &[usize])> = vec![
            ("embed.tokens.weight", &[4, 6]),
            ("embed.positions.weight", &[2, 6]),
            ("layers.0.attn.q.weight", &[6, 4]),
            ("layers.0.attn.k.weight", &[6, 4]),
            ("layers.0.attn.v.weight", &[6, 4]),
        ];
        let w = InitWeights::open(&gpt2, &expected).unwrap();
        let piece: Vec<Option<usize>> = (0..6).flat_map(|i| (0..2).map(move |j| Some(i * 4 + j))).collect();
        let mut out = vec![0.0f32; piece.len()];
        w.read("layers.0.attn.v.weight", piece, &mut out).unwrap();
        assert_eq!(w.data_bytes_read(), 4 * 12, "only the piece's 12 elements");
        assert_eq!(out[..4], [8.0, 9.0, 20.0, 21.0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Mixtral's experts: parc's gate / up `[E, H, F]` and down `[E, F, H]` from the stacked
    /// `gate_up_proj` `[E, 2F, H]` and `down_proj` `[E, H, F]`, and from per-expert `[F, H]` /
    /// `[H, F]` tensors, element by element; an element of one expert reads only that expert's
    /// tensor.
    #[test]
    fn mixtral_experts_map_from_both_layouts() {
        let (e, h, f) = (3usize, 2usize, 4usize);
        let gate_up: Vec<f32> = (0..e * 2 * f * h).map(|x| x as f32).collect();
        let down: Vec<f32> = (0..e * h * f).map(|x| 1000.0 + x as f32).collect();
        let dir = std::env::temp_dir().join(format!("parc-hf-mixtral-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stacked = dir.join("stacked.safetensors");
        crate::weights::save_as(
            &stacked,
            &[
                ("model.embed_tokens.weight", &[4, h], &[0.0; 8]),
                ("model.layers.0.mlp.experts.gate_up_proj", &[e, 2 * f, h], &gate_up),
                ("model.layers.0.mlp.experts.down_proj", &[e, h, f], &down),
            ],
            "pt",
        )
        .unwrap();
        // Per expert: w1 = rows 0..F of the expert's gate_up block, w3 = rows F..2F, w2 = down.
        let mut per: Vec<(String, Vec<usize>, Vec<f32>)> =
            vec![("model.embed_tokens.weight".into(), vec![4, h], vec![0.0; 8])];
        for x in 0..e {
            let block = &gate_up[x * 2 * f * h..(x + 1) * 2 * f * h];
            let l = "model.layers.0.block_sparse_moe.experts";
            per.push((format!("{l}.{x}.w1.weight"), vec![f, h], block[..f * h].to_vec()));
            per.push((format!("{l}.{x}.w3.weight"), vec![f, h], block[f * h..].to_vec()));
            per.push((format!("{l}.{x}.w2.weight"), vec![h, f], down[x * h * f..(x + 1) * h * f].to_vec()));
        }
        let split = dir.join("per-expert.safetensors");
        let tensors: Vec<(&str, &[usize], &[f32])> =
            per.iter().map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())).collect();
        crate::weights::save_as(&split, &tensors, "pt").unwrap();
        let gs = [e, h, f];
        let ds = [e, f, h];
        let expected: Vec<(&str, &[usize])> = vec![
            ("embed.tokens.weight", &[4, 2]),
            ("layers.0.moe.experts.gate.weight", &gs),
            ("layers.0.moe.experts.up.weight", &gs),
            ("layers.0.moe.experts.down.weight", &ds),
        ];
        for path in [&stacked, &split] {
            let w = InitWeights::open(path, &expected).unwrap();
            let n = e * h * f;
            for (param, want) in [
                // parc (x, i, j) of gate is gate_up[x, j, i]; of up, gate_up[x, F + j, i].
                (
                    "layers.0.moe.experts.gate.weight",
                    (0..n)
                        .map(|g| gate_up[(g / (h * f)) * 2 * f * h + (g % f) * h + (g % (h * f)) / f])
                        .collect::<Vec<_>>(),
                ),
                (
                    "layers.0.moe.experts.up.weight",
                    (0..n).map(|g| gate_up[(g / (h * f)) * 2 * f * h + (f + g % f) * h + (g % (h * f)) / f]).collect(),
                ),
                // parc (x, j, i) of down [E, F, H] is down_proj[x, i, j].
                (
                    "layers.0.moe.experts.down.weight",
                    (0..n).map(|g| down[(g / (h * f)) * h * f + (g % h) * f + (g % (h * f)) / h]).collect(),
                ),
            ] {
                let mut got = vec![0.0f32; n];
                w.read(param, (0..n).map(Some), &mut got).unwrap();
                assert_eq!(got, want, "{param} from {}", path.display());
            }
            // Expert 1's elements only: 8 elements read, none of experts 0 and 2.
            let before = w.data_bytes_read();
            let mut got = vec![0.0f32; h * f];
            w.read("layers.0.moe.experts.down.weight", (h * f..2 * h * f).map(Some), &mut got).unwrap();
            assert_eq!(w.data_bytes_read() - before, 4 * (h * f) as u64, "{}", path.display());
            assert!(got.iter().all(|v| (1000.0 + (h * f) as f32..1000.0 + (2 * h * f) as f32).contains(v)));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shapes_are_checked_per_map() {
        assert_eq!(index_map(MapOf::Rows, &[16, 8], &[48, 8]), Some(IndexMap::Same));
        assert_eq!(index_map(MapOf::Rows, &[16, 8], &[8, 8]), None);
        assert_eq!(index_map(MapOf::Transpose, &[8, 4], &[4, 8]), Some(IndexMap::Transpose { a: 8, b: 4 }));
        assert_eq!(index_map(MapOf::Transpose, &[8, 4], &[8, 4]), None);
        assert_eq!(
            index_map(MapOf::Third(1), &[8, 8], &[8, 24]),
            Some(IndexMap::Columns { width: 24, offset: 8, cols: 8 })
        );
        assert_eq!(index_map(MapOf::Third(1), &[8], &[24]), Some(IndexMap::Columns { width: 24, offset: 8, cols: 8 }));
    }
}
