//! `parc reshard`: a checkpoint mapped onto another compiled plan of the same model.
//!
//! A checkpoint holds every parameter and optimizer state as a global tensor
//! ([`crate::train::Trainer::save_checkpoint`]), so any mesh can resume from it; resharding
//! checks, before anything is launched, that the target plan takes exactly these tensors (the
//! same model, parameters of the same global shapes, the same optimizer states, the same global
//! batch so the data position is the same), and writes a checkpoint stamped with the target's
//! mesh. Tensors are streamed in blocks of at most [`BLOCK_ELEMENTS`]: the memory used is
//! bounded by one block, whatever the model's size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use parc_dialects::mesh::{Axis, Mesh};

use crate::program::{program_files, Program, Role};
use crate::shards::ParamLayout;
use crate::train::{CHECKPOINT_FORMAT, CHECKPOINT_META, CHECKPOINT_TENSORS};
use crate::weights::{SharedSave, WeightsFile};

/// The most elements one read holds (4 MiB of f32).
pub const BLOCK_ELEMENTS: usize = 1 << 20;

/// A reshard that cannot be done: what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ReshardError {
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for ReshardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

fn err(message: impl Into<String>, help: impl Into<String>) -> ReshardError {
    ReshardError { message: message.into(), help: help.into() }
}

/// What [`reshard`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReshardSummary {
    pub step: u64,
    pub model: String,
    pub from_mesh: String,
    pub to_mesh: String,
    pub tensors: usize,
    pub bytes: u64,
    /// The largest block of elements held at once.
    pub largest_block: usize,
    pub dir: PathBuf,
}

/// Tensor names with their global shapes.
type Shapes = Vec<(String, Vec<usize>)>;

/// The tensors a compiled directory's programs resume from: every stage's parameters (name,
/// global shape), then each one's optimizer states `PREFIX.NAME`, and the prefixes.
fn target_tensors(target: &Path) -> Result<(Shapes, Vec<String>), ReshardError> {
    let shown = target.display();
    let files = program_files(target).ok_or_else(|| {
        err(
            format!("{shown} holds no rank programs"),
            "--to takes a directory written by parc compile for the mesh to resume on",
        )
    })?;
    let mut params: Vec<(String, Vec<usize>)> = Vec::new();
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for file in &files {
        let program = Program::load_file(file).map_err(|e| {
            err(format!("cannot load {}: {e}", file.display()), format!("recompile {shown} with this version of parc"))
        })?;
        let layouts = ParamLayout::of(&program).map_err(|e| {
            err(format!("{}: {e}", file.display()), format!("recompile {shown} with this version of parc"))
        })?;
        for l in &layouts {
            match params.iter().find(|(n, _)| *n == l.name) {
                Some((_, shape)) if *shape != l.global_shape => {
                    return Err(err(
                        format!(
                            "{shown}: parameter {} has global shape {:?} in one stage and {:?} in another",
                            l.name, shape, l.global_shape
                        ),
                        format!("recompile {shown} with this version of parc"),
                    ))
                }
                Some(_) => {}
                None => params.push((l.name.clone(), l.global_shape.clone())),
            }
        }
        for t in program.tensors.iter().filter(|t| t.role == Role::State) {
            let Some((prefix, param)) = t.name.split_once('.') else { continue };
            if prefix != "master" && layouts.iter().any(|l| l.name == param) {
                prefixes.insert(prefix.to_string());
            }
        }
    }
    let prefixes: Vec<String> = prefixes.into_iter().collect();
    let mut all = params.clone();
    for (name, shape) in &params {
        for prefix in &prefixes {
            all.push((format!("{prefix}.{name}"), shape.clone()));
        }
    }
    Ok((all, prefixes))
}

fn read_json(path: &Path, what: &str, help: &str) -> Result<serde_json::Value, ReshardError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| err(format!("{what}: cannot read {}: {e}", path.display()), help))?;
    serde_json::from_str(&text).map_err(|e| err(format!("{} is not valid JSON: {e}", path.display()), help))
}

/// At most `n` names of a list, then how many more.
fn listed(names: &[String], n: usize) -> String {
    let mut s = names.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > n {
        s.push_str(&format!(" and {} more", names.len() - n));
    }
    s
}

/// Maps the checkpoint directory `ckpt` onto the plan compiled in `target`, writing the result
/// to `out` (through `OUT.partial`, renamed at the end, so an interrupted reshard leaves
/// nothing that looks whole). Refuses, writing nothing, a checkpoint of another model, a plan
/// whose tensors differ (each listed), another global batch, or an existing `out`.
pub fn reshard(ckpt: &Path, target: &Path, out: &Path) -> Result<ReshardSummary, ReshardError> {
    let not_ckpt = "pass a checkpoint directory written by parc launch --checkpoint-every (e.g. ckpt/step-500)";
    let meta =
        read_json(&ckpt.join(CHECKPOINT_META), &format!("{} is not a parc checkpoint", ckpt.display()), not_ckpt)?;
    let meta_path = ckpt.join(CHECKPOINT_META);
    if meta["format"].as_str() != Some(CHECKPOINT_FORMAT) {
        return Err(err(format!("{}: format is not \"{CHECKPOINT_FORMAT}\"", meta_path.display()), not_ckpt));
    }
    let step = meta["step"]
        .as_u64()
        .ok_or_else(|| err(format!("{}: \"step\" is not a whole number", meta_path.display()), not_ckpt))?;
    let model = meta["model"].as_str().unwrap_or("").to_string();
    let from_mesh = meta["mesh"].as_str().unwrap_or("?").to_string();
    let samples = meta["samples_consumed"].as_u64();

    let compile_help = "--to takes a directory written by parc compile for the mesh to resume on";
    let plan = read_json(
        &target.join("plan.json"),
        &format!("{} is not a compiled directory", target.display()),
        compile_help,
    )?;
    let target_model = plan["model"]["name"].as_str().unwrap_or("").to_string();
    if target_model != model {
        return Err(err(
            format!(
                "{} is a checkpoint of model {model:?}, but {} is compiled for model {target_model:?}",
                ckpt.display(),
                target.display()
            ),
            "reshard onto a plan of the same model: parc compile MODEL.toml --mesh M -o DIR",
        ));
    }
    let size = |axis: Axis| plan["mesh"][axis.name()].as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(1);
    let to_mesh = Mesh::from_sizes(size)
        .map_err(|e| err(format!("{}: the mesh is not valid: {e}", target.join("plan.json").display()), compile_help))?
        .to_string();
    if let (Some(samples), Some(batch)) = (samples, plan["training"]["global_batch"].as_u64()) {
        if step > 0 && samples != step * batch {
            return Err(err(
                format!(
                    "{} consumed {samples} samples in {step} steps (global batch {}), but {} is compiled for global \
                     batch {batch}: resuming would change the data position and the learning-rate schedule",
                    ckpt.display(),
                    samples / step,
                    target.display()
                ),
                format!("compile the target with global_batch = {} in [training]", samples / step),
            ));
        }
    }
    let (expected, prefixes) = target_tensors(target)?;

    let file_path = ckpt.join(CHECKPOINT_TENSORS);
    let source = WeightsFile::open(&file_path).map_err(|e| err(e.to_string(), not_ckpt))?;
    let have: BTreeMap<&str, Vec<usize>> =
        source.names().map(|n| (n, source.shape(n).map(<[usize]>::to_vec).unwrap_or_default())).collect();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for (name, shape) in &expected {
        match have.get(name.as_str()) {
            None => missing.push(name.clone()),
            Some(s) if s != shape => wrong.push(format!("{name} {s:?} (the plan: {shape:?})")),
            Some(_) => {}
        }
    }
    let wanted: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let extra: Vec<String> = have.keys().filter(|n| !wanted.contains(*n)).map(|n| n.to_string()).collect();
    if !(missing.is_empty() && wrong.is_empty() && extra.is_empty()) {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("{} missing from the checkpoint: {}", missing.len(), listed(&missing, 8)));
        }
        if !wrong.is_empty() {
            parts.push(format!("{} of another shape: {}", wrong.len(), listed(&wrong, 8)));
        }
        if !extra.is_empty() {
            parts.push(format!("{} the plan does not take: {}", extra.len(), listed(&extra, 8)));
        }
        return Err(err(
            format!("{} does not fit the plan in {}: {}", file_path.display(), target.display(), parts.join("; ")),
            "the checkpoint and the plan must be of the same model (same layers, sizes and optimizer): compile the \
             target from the model file the checkpoint was trained with",
        ));
    }

    if out.exists() {
        return Err(err(
            format!("{} already exists", out.display()),
            "choose another -o directory, or remove it first",
        ));
    }
    let mut partial_name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    partial_name.push(".partial");
    let partial = out.with_file_name(partial_name);
    let io = |e: std::io::Error, p: &Path| {
        err(format!("cannot write {}: {e}", p.display()), "choose a writable -o directory")
    };
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| io(e, &partial))?;
    }
    std::fs::create_dir_all(&partial).map_err(|e| io(e, &partial))?;
    let result = (|| {
        let shapes: Vec<(&str, &[usize])> = expected.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect();
        let save = SharedSave::new(partial.join(CHECKPOINT_TENSORS), &shapes).map_err(|e| err(e.to_string(), ""))?;
        save.create().map_err(|e| err(e.to_string(), "choose a writable -o directory"))?;
        let mut largest_block = 0usize;
        let mut bytes = 0u64;
        {
            let writer = save.open().map_err(|e| err(e.to_string(), "choose a writable -o directory"))?;
            let mut block = Vec::new();
            for (name, shape) in &expected {
                let n: usize = shape.iter().product();
                let mut first = 0;
                while first < n {
                    let len = (n - first).min(BLOCK_ELEMENTS);
                    block.resize(len, 0.0f32);
                    largest_block = largest_block.max(len);
                    source.read_range(name, first, &mut block).map_err(|e| err(e.to_string(), not_ckpt))?;
                    writer
                        .write_elements(name, (first..first + len).zip(block.iter().copied()))
                        .map_err(|e| err(e.to_string(), "choose a writable -o directory"))?;
                    first += len;
                }
                bytes += 4 * n as u64;
            }
        }
        save.finish().map_err(|e| err(e.to_string(), "choose a writable -o directory"))?;
        let meta = serde_json::json!({
            "format": CHECKPOINT_FORMAT,
            "model": model,
            "step": step,
            "samples_consumed": samples,
            "optimizer_states": prefixes,
            "mesh": to_mesh,
            "resharded_from": from_mesh,
            "tensors": CHECKPOINT_TENSORS,
        });
        let path = partial.join(CHECKPOINT_META);
        std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(&meta).unwrap_or_default()))
            .map_err(|e| io(e, &path))?;
        std::fs::rename(&partial, out).map_err(|e| io(e, out))?;
        Ok((largest_block, bytes))
    })();
    let (largest_block, bytes) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    Ok(ReshardSummary {
        step,
        model,
        from_mesh,
        to_mesh,
        tensors: expected.len(),
        bytes,
        largest_block,
        dir: out.to_path_buf(),
    })
}
