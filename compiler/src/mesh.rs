//! The device mesh: parallel degrees as one validated struct, the rank ↔ coordinates mapping,
//! and the checks that a model and a mesh fit together.
//!
//! `--mesh 8x4x2` is dp × pp × tp; the named form `dp=8,pp=4,tp=2,ep=2` may list any axes (an axis
//! not named is 1, which means "off"). Expert parallelism is carved out of dp (as in Megatron):
//! `ep` must divide `dp` and does not add ranks.
//!
//! Rank order (see [`Mesh::coords`]): pp outermost, then dp, then tp innermost, so the tp peers
//! of a stage are neighbours (one node) and a pipeline stage is a contiguous block of ranks.
//! Inside dp, the ep index is the fastest-varying part: `ep_idx = dp_idx % ep`.

use std::fmt;

use parc_dialects::diag::{or_list, Diagnostic};

use crate::frontend::{divisors, shorten, ModelSpec};

/// The parallel degrees of a run. All are at least 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mesh {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    pub ep: usize,
}

/// The position of one rank on the mesh.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Coords {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    /// Index inside the expert-parallel group (`dp % ep`).
    pub ep: usize,
}

/// The largest world size parc accepts (more ranks than any cluster has; guards overflow).
pub const MAX_WORLD_SIZE: usize = 1 << 24;

const AXES: [&str; 4] = ["dp", "pp", "tp", "ep"];

impl Mesh {
    /// A single device.
    pub const SINGLE: Mesh = Mesh { dp: 1, pp: 1, tp: 1, ep: 1 };

    /// Parses `DPxPPxTP` or `dp=N,pp=N,tp=N,ep=N`.
    pub fn parse(text: &str) -> Result<Mesh, Diagnostic> {
        let text = text.trim();
        let usage = "write --mesh DPxPPxTP (e.g. 8x4x2) or name the axes (e.g. dp=8,pp=4,tp=2 or dp=4,ep=2)";
        let bad = |msg: String| Diagnostic::new(format!("--mesh {text}: {msg}")).with_help(usage);
        let size = |axis: &str, s: &str| -> Result<usize, Diagnostic> {
            let n: usize = s.trim().parse().map_err(|_| bad(format!("'{s}' is not a size for axis {axis}")))?;
            if n == 0 {
                return Err(bad(format!("axis {axis} has size 0; every axis needs at least 1 device (1 means off)")));
            }
            Ok(n)
        };
        let mut mesh = Mesh::SINGLE;
        if text.contains('=') {
            let mut seen = Vec::new();
            for part in text.split(',') {
                let (name, value) = part.split_once('=').ok_or_else(|| bad(format!("'{part}' is not axis=size")))?;
                let name = name.trim();
                let n = size(name, value)?;
                if seen.contains(&name) {
                    return Err(bad(format!("axis {name} is given twice")));
                }
                seen.push(name);
                match name {
                    "dp" => mesh.dp = n,
                    "pp" => mesh.pp = n,
                    "tp" => mesh.tp = n,
                    "ep" => mesh.ep = n,
                    other => {
                        let hint = parc_dialects::diag::did_you_mean(other, AXES)
                            .map(|s| format!(" (did you mean {s}?)"))
                            .unwrap_or_default();
                        return Err(bad(format!("unknown axis '{other}'{hint}; axes are dp, pp, tp and ep")));
                    }
                }
            }
        } else {
            let parts: Vec<&str> = text.split(['x', 'X']).collect();
            if parts.len() != 3 {
                return Err(bad(format!("expected three sizes DPxPPxTP, found {}", parts.len())));
            }
            mesh.dp = size("dp", parts[0])?;
            mesh.pp = size("pp", parts[1])?;
            mesh.tp = size("tp", parts[2])?;
        }
        if mesh.dp % mesh.ep != 0 {
            return Err(bad(format!(
                "ep = {} does not divide dp = {}; expert-parallel ranks are carved out of the data-parallel ones, so ep can be {}",
                mesh.ep,
                mesh.dp,
                or_list(&shorten(&divisors(mesh.dp)))
            )));
        }
        let world = mesh.dp.checked_mul(mesh.pp).and_then(|x| x.checked_mul(mesh.tp));
        match world {
            Some(w) if w <= MAX_WORLD_SIZE => Ok(mesh),
            _ => Err(bad(format!("the mesh has more than {MAX_WORLD_SIZE} ranks"))),
        }
    }

    /// The number of ranks, dp × pp × tp.
    pub fn world_size(&self) -> usize {
        self.dp * self.pp * self.tp
    }

    /// The coordinates of `rank`: `rank = (pp_idx · dp + dp_idx) · tp + tp_idx`.
    pub fn coords(&self, rank: usize) -> Coords {
        let tp = rank % self.tp;
        let dp = (rank / self.tp) % self.dp;
        let pp = rank / (self.tp * self.dp);
        Coords { dp, pp, tp, ep: dp % self.ep }
    }

    /// The rank at `coords` (the inverse of [`Mesh::coords`]; `coords.ep` is implied by dp).
    pub fn rank(&self, coords: Coords) -> usize {
        (coords.pp * self.dp + coords.dp) * self.tp + coords.tp
    }

    /// Checks that `spec` can be partitioned on this mesh; errors point at the model field.
    pub fn check_model(&self, spec: &ModelSpec) -> Result<(), Diagnostic> {
        let m = &spec.model;
        let t = &spec.training;
        let flag = format!("(from --mesh {self})");
        let tp = self.tp;
        let tp_must_divide = [
            ("heads", m.heads, "model.heads"),
            ("kv_heads", m.kv_heads, "model.kv_heads"),
            ("ffn", m.ffn, "model.ffn"),
        ];
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
        if m.layers < self.pp {
            return Err(spec
                .error_at(
                    "model.layers",
                    format!("layers = {} cannot be split into pp = {} pipeline stages {flag}", m.layers, self.pp),
                )
                .with_help(format!("every stage needs at least one layer; pp can be at most {}", m.layers)));
        }
        let per_step = t.micro_batch * self.dp;
        if t.global_batch % per_step != 0 {
            let ok_dp: Vec<usize> = divisors(t.global_batch / t.micro_batch);
            return Err(spec
                .error_at(
                    "training.global_batch",
                    format!(
                        "global_batch = {} is not divisible by micro_batch × dp = {} × {} = {per_step} {flag}",
                        t.global_batch, t.micro_batch, self.dp
                    ),
                )
                .with_help(format!(
                    "each data-parallel rank runs whole micro-batches; with micro_batch = {}, dp can be {}",
                    t.micro_batch,
                    or_list(&shorten(&ok_dp))
                )));
        }
        if self.ep > 1 {
            return Err(Diagnostic::new(format!(
                "ep = {} needs a mixture-of-experts model, but {} has no experts {flag}",
                self.ep, m.name
            ))
            .with_help("remove ep from --mesh (ep = 1)"));
        }
        Ok(())
    }
}

impl fmt::Display for Mesh {
    /// The named form, listing ep only when it is used: `dp=8,pp=4,tp=2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dp={},pp={},tp={}", self.dp, self.pp, self.tp)?;
        if self.ep > 1 {
            write!(f, ",ep={}", self.ep)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_parse_to_the_same_mesh() {
        assert_eq!(Mesh::parse("8x4x2").unwrap(), Mesh { dp: 8, pp: 4, tp: 2, ep: 1 });
        assert_eq!(Mesh::parse("dp=8,pp=4,tp=2").unwrap(), Mesh::parse("8x4x2").unwrap());
        assert_eq!(Mesh::parse("tp=4").unwrap(), Mesh { dp: 1, pp: 1, tp: 4, ep: 1 });
        assert_eq!(Mesh::parse("dp=4,ep=2").unwrap().ep, 2);
    }

    #[test]
    fn coords_and_rank_are_inverse_and_tp_is_innermost() {
        let mesh = Mesh::parse("dp=4,pp=3,tp=2,ep=2").unwrap();
        for rank in 0..mesh.world_size() {
            let c = mesh.coords(rank);
            assert_eq!(mesh.rank(c), rank);
            assert_eq!(c.ep, c.dp % 2);
        }
        assert_eq!(mesh.coords(1), Coords { dp: 0, pp: 0, tp: 1, ep: 0 });
        assert_eq!(mesh.coords(2), Coords { dp: 1, pp: 0, tp: 0, ep: 1 });
        assert_eq!(mesh.coords(8), Coords { dp: 0, pp: 1, tp: 0, ep: 0 });
    }

    #[test]
    fn bad_meshes_say_what_is_wrong() {
        let cases = [
            ("8x4", "expected three sizes"),
            ("8x0x2", "axis pp has size 0"),
            ("dp=2,dq=2", "did you mean dp?"),
            ("dp=2,dp=4", "given twice"),
            ("dp=6,ep=4", "ep can be 1, 2, 3 or 6"),
            ("axbxc", "not a size"),
            ("dp=65536,pp=65536,tp=65536", "more than"),
        ];
        for (text, expect) in cases {
            let err = Mesh::parse(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }
}
