//! Where each element of a parameter lives on a partitioned mesh: the program's `exec.params`
//! table gives, per parameter, its global shape, its placement per mesh axis (`"[S(0), R]"`,
//! shards of ceil(n / size) rows, zero-padded) and whether ZeRO-3 keeps it as a flat dp chunk
//! (the tensor-parallel block flattened, padded to a multiple of dp, chunk `dp_idx`).
//!
//! [`ParamLayout::local`] cuts a rank's piece out of the global tensor (initialization, loading
//! weights) and [`ParamLayout::assemble`] puts the pieces of all ranks back together (saving,
//! `parc verify`). Both go through one index map, so they are exact inverses.

use parc_dialects::attr::Attr;
use parc_dialects::dist::{Placement, Sharding};

use crate::program::Program;
use parc_dialects::mesh::Mesh;

/// What a layout error ends with: `parc compile` writes only valid layouts.
const RECOMPILE: &str = "recompile the model with parc compile to write a valid program";

/// How one parameter is laid out over the mesh.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLayout {
    pub name: String,
    pub global_shape: Vec<usize>,
    pub placement: Sharding,
    pub zero_flat: bool,
}

impl ParamLayout {
    /// The layouts of `program`'s parameters (empty for a single-rank program). Each layout is
    /// checked against the program before anything is cut with it: no negative dimension, an
    /// element count that fits in memory, every `S(d)` naming a dimension of the shape, and a
    /// local piece of exactly the size of the parameter's tensor in `exec.tensors`.
    pub fn of(program: &Program) -> Result<Vec<ParamLayout>, String> {
        let Some(Attr::Array(list)) = program.attrs.get("exec.params") else { return Ok(Vec::new()) };
        list.iter()
            .map(|a| {
                let Attr::Dict(d) = a else { return Err("exec.params entries must be dictionaries".to_string()) };
                let name = d.str("name").ok_or("an exec.params entry has no name")?.to_string();
                let dims = d.ints("shape").unwrap_or(&[]);
                let global_shape: Vec<usize> =
                    dims.iter().map(|&x| usize::try_from(x)).collect::<Result<_, _>>().map_err(|_| {
                        format!(
                            "exec.params: parameter {name} has shape {dims:?}, with a negative dimension; {RECOMPILE}"
                        )
                    })?;
                let placement = match d.get("placement") {
                    Some(attr) => Sharding::from_attr(attr),
                    None => Ok(Sharding(Vec::new())),
                }
                .map_err(|e| format!("exec.params: parameter {name}: {e}; {RECOMPILE}"))?;
                let layout = ParamLayout {
                    name,
                    global_shape,
                    placement,
                    zero_flat: d.get("zero_flat") == Some(&Attr::Bool(true)),
                };
                layout.check(program)?;
                Ok(layout)
            })
            .collect()
    }

    /// The checks of [`ParamLayout::of`], which make [`ParamLayout::index_map`] index only inside
    /// the global tensor and allocate no more than the parameter's size.
    fn check(&self, program: &Program) -> Result<(), String> {
        let (name, shape) = (&self.name, &self.global_shape);
        if shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).is_none() {
            return Err(format!(
                "exec.params: parameter {name} has shape {shape:?}, more elements than a machine can address; {RECOMPILE}"
            ));
        }
        for p in &self.placement.0 {
            if let Placement::Shard(d) = *p {
                if d >= shape.len() {
                    return Err(format!(
                        "exec.params: parameter {name} is split on dimension {d} (placement {}), but its shape {shape:?} \
                         has {} dimension(s), numbered from 0; {RECOMPILE}",
                        self.placement,
                        shape.len()
                    ));
                }
            }
        }
        if let Some(t) = program.tensor(name) {
            let local = self.local_len(&program.mesh);
            if local != t.buf.len() {
                return Err(format!(
                    "exec.params: parameter {name} of shape {shape:?} with placement {}{} gives each rank {local} \
                     elements on mesh {}, but its tensor in exec.tensors holds {} ({:?}); {RECOMPILE}",
                    self.placement,
                    if self.zero_flat { " (ZeRO-3 flat)" } else { "" },
                    program.mesh,
                    t.buf.len(),
                    t.buf.shape
                ));
            }
        }
        Ok(())
    }

    /// The number of elements of every rank's piece (the length of [`ParamLayout::index_map`]),
    /// computed without building it. Call only on a checked layout.
    fn local_len(&self, mesh: &Mesh) -> usize {
        let mut shape = self.global_shape.clone();
        for (j, axis) in mesh.sharded_axes().into_iter().enumerate() {
            if let Some(&Placement::Shard(d)) = self.placement.0.get(j) {
                if let Some(rows) = shape.get_mut(d) {
                    *rows = rows.div_ceil(mesh.size(axis));
                }
            }
        }
        let n: usize = shape.iter().product();
        if self.zero_flat {
            n.div_ceil(mesh.dp)
        } else {
            n
        }
    }

    /// For each element of `rank`'s local piece, the flat index of the global element it holds
    /// (None for padding).
    pub fn index_map(&self, mesh: &Mesh, rank: usize) -> Vec<Option<usize>> {
        let coords = mesh.coords(rank);
        let mut shape = self.global_shape.clone();
        let mut data: Vec<Option<usize>> = (0..shape.iter().product()).map(Some).collect();
        // Placements name the partitioning axes (dp, tp), not the pipeline axis.
        for (j, axis) in mesh.sharded_axes().into_iter().enumerate() {
            if let Some(Placement::Shard(d)) = self.placement.0.get(j).copied() {
                if d >= shape.len() {
                    // `of` rejects such layouts; one built by hand is left unsplit on this axis.
                    continue;
                }
                let rows = shape[d].div_ceil(mesh.size(axis));
                let outer: usize = shape[..d].iter().product();
                let inner: usize = shape[d + 1..].iter().product();
                let mut out = Vec::with_capacity(outer * rows * inner);
                for o in 0..outer {
                    for r in 0..rows {
                        let src = coords.get(axis) * rows + r;
                        for i in 0..inner {
                            out.push(if src < shape[d] { data[(o * shape[d] + src) * inner + i] } else { None });
                        }
                    }
                }
                data = out;
                shape[d] = rows;
            }
        }
        if self.zero_flat {
            let (dp_idx, dp) = (coords.dp, mesh.dp);
            let chunk = data.len().div_ceil(dp);
            data = (0..chunk).map(|j| data.get(dp_idx * chunk + j).copied().flatten()).collect();
        }
        data
    }

    /// `rank`'s piece of the global tensor `global`.
    pub fn local(&self, global: &[f32], mesh: &Mesh, rank: usize) -> Vec<f32> {
        self.index_map(mesh, rank).into_iter().map(|i| i.map_or(0.0, |i| global[i])).collect()
    }

    /// The global tensor from every rank's piece (`pieces[rank]`).
    pub fn assemble(&self, mesh: &Mesh, pieces: &[&[f32]]) -> Vec<f32> {
        let mut out = vec![0.0; self.global_shape.iter().product()];
        for (rank, piece) in pieces.iter().enumerate() {
            for (v, i) in piece.iter().zip(self.index_map(mesh, rank)) {
                if let Some(i) = i {
                    out[i] = *v;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_assemble_to_the_whole() {
        let mesh = Mesh::parse("dp=2,tp=3").unwrap();
        let global: Vec<f32> = (0..5 * 4).map(|v| v as f32).collect();
        for (placement, flat) in [("[R, S(0)]", false), ("[R, S(1)]", true), ("[R, R]", true), ("[R, S(0)]", true)] {
            let l = ParamLayout {
                name: "w".into(),
                global_shape: vec![5, 4],
                placement: Sharding::parse(placement).unwrap(),
                zero_flat: flat,
            };
            let pieces: Vec<Vec<f32>> = (0..6).map(|r| l.local(&global, &mesh, r)).collect();
            let refs: Vec<&[f32]> = pieces.iter().map(|p| p.as_slice()).collect();
            assert_eq!(l.assemble(&mesh, &refs), global, "{placement} flat={flat}");
        }
    }
}
