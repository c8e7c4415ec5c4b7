//! The checks that a model and a mesh fit together. The mesh itself (its axes, groups and the rank
//! ↔ coordinates mapping) is [`parc_dialects::mesh`], shared with the runtime.

use parc_dialects::diag::{or_list, Diagnostic};
pub use parc_dialects::mesh::{Axis, Coords, GroupKind, Mesh, MAX_WORLD_SIZE};

use crate::frontend::{divisors, shorten, ModelSpec};

/// Checks that `spec` can be partitioned on this mesh; errors point at the model field.
pub fn check_model(mesh: &Mesh, spec: &ModelSpec) -> Result<(), Diagnostic> {
    let m = &spec.model;
    let t = &spec.training;
    let flag = format!("(from --mesh {mesh})");
    let tp = mesh.tp;
    let tp_must_divide =
        [("heads", m.heads, "model.heads"), ("kv_heads", m.kv_heads, "model.kv_heads"), ("ffn", m.ffn, "model.ffn")];
    for (name, value, key) in tp_must_divide {
        if value % tp != 0 {
            let why = match name {
                "heads" => "attention is split by heads",
                "kv_heads" => "each tp rank holds whole key/value heads",
                _ => "the MLP is split along ffn",
            };
            return Err(spec
                .error_at(key, format!("{name} = {value} is not divisible by tp = {tp} {flag}"))
                .with_help(format!("{why}; tp can be {}", or_list(&shorten(&divisors(value))))));
        }
    }
    if let Some(moe) = m.moe.as_ref().filter(|moe| moe.expert_ffn % tp != 0) {
        return Err(spec
            .error_at(
                "model.moe.expert_ffn",
                format!("expert_ffn = {} is not divisible by tp = {tp} {flag}", moe.expert_ffn),
            )
            .with_help(format!(
                "every expert's MLP is split along expert_ffn; tp can be {}",
                or_list(&shorten(&divisors(moe.expert_ffn)))
            )));
    }
    if m.layers < mesh.pp {
        return Err(spec
            .error_at(
                "model.layers",
                format!("layers = {} cannot be split into pp = {} pipeline stages {flag}", m.layers, mesh.pp),
            )
            .with_help(format!("every stage needs at least one layer; pp can be at most {}", m.layers)));
    }
    let per_step = t.micro_batch * mesh.dp;
    if t.global_batch % per_step != 0 {
        let ok_dp: Vec<usize> = divisors(t.global_batch / t.micro_batch);
        return Err(spec
            .error_at(
                "training.global_batch",
                format!(
                    "global_batch = {} is not divisible by micro_batch × dp = {} × {} = {per_step} {flag}",
                    t.global_batch, t.micro_batch, mesh.dp
                ),
            )
            .with_help(format!(
                "each data-parallel rank runs whole micro-batches; with micro_batch = {}, dp can be {}",
                t.micro_batch,
                or_list(&shorten(&ok_dp))
            )));
    }
    if t.sequence_parallel && tp > 1 && m.seq_len % tp != 0 {
        return Err(spec
            .error_at(
                "model.seq_len",
                format!(
                    "seq_len = {} is not divisible by tp = {tp}, which sequence parallelism needs {flag}",
                    m.seq_len
                ),
            )
            .with_help(format!(
                "sequence parallelism splits every sequence into tp equal pieces; tp can be {}, or turn sequence \
                 parallelism off (no --sequence-parallel, sequence_parallel = false)",
                or_list(&shorten(&divisors(m.seq_len)))
            )));
    }
    if let Some(moe) = &m.moe {
        // Mixture-of-experts models take every axis (docs/moe.md): ep splits the experts.
        if moe.experts % mesh.ep != 0 {
            let ok: Vec<usize> = divisors(moe.experts).into_iter().filter(|d| mesh.dp % d == 0).collect();
            return Err(spec
                .error_at(
                    "model.moe.experts",
                    format!("experts = {} is not divisible by ep = {} {flag}", moe.experts, mesh.ep),
                )
                .with_help(format!(
                    "each ep rank holds the same number of experts; with dp = {}, ep can be {}",
                    mesh.dp,
                    or_list(&shorten(&ok))
                )));
        }
    }
    if mesh.ep > 1 && m.moe.is_none() {
        return Err(Diagnostic::new(format!(
            "ep = {} needs a mixture-of-experts model, but {} has no experts {flag}",
            mesh.ep, m.name
        ))
        .with_help("remove ep from --mesh (ep = 1)"));
    }
    Ok(())
}
