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
use crate::rank::MeshAxes;

/// How one parameter is laid out over the mesh.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLayout {
    pub name: String,
    pub global_shape: Vec<usize>,
    pub placement: Sharding,
    pub zero_flat: bool,
}

impl ParamLayout {
    /// The layouts of `program`'s parameters (empty for a single-rank program).
    pub fn of(program: &Program) -> Result<Vec<ParamLayout>, String> {
        let Some(Attr::Array(list)) = program.attrs.get("exec.params") else { return Ok(Vec::new()) };
        list.iter()
            .map(|a| {
                let Attr::Dict(d) = a else { return Err("exec.params entries must be dictionaries".to_string()) };
                Ok(ParamLayout {
                    name: d.str("name").ok_or("an exec.params entry has no name")?.to_string(),
                    global_shape: d.ints("shape").unwrap_or(&[]).iter().map(|&x| x.max(0) as usize).collect(),
                    placement: Sharding::parse(d.str("placement").unwrap_or("[]"))?,
                    zero_flat: d.get("zero_flat") == Some(&Attr::Bool(true)),
                })
            })
            .collect()
    }

    /// For each element of `rank`'s local piece, the flat index of the global element it holds
    /// (None for padding).
    pub fn index_map(&self, mesh: &MeshAxes, rank: usize) -> Vec<Option<usize>> {
        let coords = mesh.coords(rank);
        let mut shape = self.global_shape.clone();
        let mut data: Vec<Option<usize>> = (0..shape.iter().product()).map(Some).collect();
        // Placements name the partitioning axes (dp, tp), not the pipeline axis.
        let partitioned = mesh.axes.iter().enumerate().filter(|(_, a)| a.0 != "pp");
        for (j, (k, (_, n))) in partitioned.enumerate() {
            if let Some(Placement::Shard(d)) = self.placement.0.get(j).copied() {
                let rows = shape[d].div_ceil(*n);
                let outer: usize = shape[..d].iter().product();
                let inner: usize = shape[d + 1..].iter().product();
                let mut out = Vec::with_capacity(outer * rows * inner);
                for o in 0..outer {
                    for r in 0..rows {
                        let src = coords[k] * rows + r;
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
            let (dp_idx, dp) = mesh.coord(rank, "dp");
            let chunk = data.len().div_ceil(dp);
            data = (0..chunk).map(|j| data.get(dp_idx * chunk + j).copied().flatten()).collect();
        }
        data
    }

    /// `rank`'s piece of the global tensor `global`.
    pub fn local(&self, global: &[f32], mesh: &MeshAxes, rank: usize) -> Vec<f32> {
        self.index_map(mesh, rank).into_iter().map(|i| i.map_or(0.0, |i| global[i])).collect()
    }

    /// The global tensor from every rank's piece (`pieces[rank]`).
    pub fn assemble(&self, mesh: &MeshAxes, pieces: &[&[f32]]) -> Vec<f32> {
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
        let mesh = MeshAxes { axes: vec![("dp".into(), 2), ("tp".into(), 3)] };
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
