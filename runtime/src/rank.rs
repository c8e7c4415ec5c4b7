//! A rank's place on the mesh a program was partitioned for: its coordinates, the group of each
//! mesh axis, and its communicator.
//!
//! A partitioned program names its axes in the module attribute `exec.mesh = {dp = 2, tp = 4}`
//! (axes of size 1 are left out). Ranks are numbered with the last axis innermost, which is the
//! compiler's `rank = dp_idx · tp + tp_idx` for a mesh without pipeline stages. The group of an
//! axis is every rank that differs from this one only in that axis' coordinate, in coordinate
//! order, so a collective's member index is the rank's coordinate.

use parc_dialects::attr::Attr;

use crate::comm::{Communicator, Group};
use crate::program::Program;

/// The partitioning axes of a program, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshAxes {
    pub axes: Vec<(String, usize)>,
}

impl MeshAxes {
    /// The axes of `program` (none for a single-rank program).
    pub fn of(program: &Program) -> MeshAxes {
        MeshAxes::from_attrs(&program.attrs)
    }

    /// The axes named by a program module's attributes.
    pub fn from_attrs(attrs: &parc_dialects::attr::AttrMap) -> MeshAxes {
        let mut axes = Vec::new();
        if let Some(Attr::Dict(mesh)) = attrs.get("exec.mesh") {
            for name in ["pp", "dp", "tp"] {
                if let Some(n) = mesh.int(name).filter(|&n| n > 1) {
                    axes.push((name.to_string(), n as usize));
                }
            }
        }
        MeshAxes { axes }
    }

    /// How many ranks run the program.
    pub fn world_size(&self) -> usize {
        self.axes.iter().map(|a| a.1).product()
    }

    /// The coordinates of `rank`, one per axis.
    pub fn coords(&self, rank: usize) -> Vec<usize> {
        let mut rest = rank;
        let mut out = vec![0; self.axes.len()];
        for (k, (_, n)) in self.axes.iter().enumerate().rev() {
            out[k] = rest % n;
            rest /= n;
        }
        out
    }

    /// The rank at `coords`.
    pub fn rank_of(&self, coords: &[usize]) -> usize {
        self.axes.iter().zip(coords).fold(0, |r, ((_, n), &c)| r * n + c)
    }

    /// The coordinate of `rank` on `axis` and the axis size ((0, 1) for an axis the program does
    /// not partition).
    pub fn coord(&self, rank: usize, axis: &str) -> (usize, usize) {
        match self.axes.iter().position(|a| a.0 == axis) {
            Some(k) => (self.coords(rank)[k], self.axes[k].1),
            None => (0, 1),
        }
    }

    /// The group of `rank` on `axis`. `pp_ends` is the pair of the first and the last pipeline
    /// stage (the ranks that hold a tied embedding).
    pub fn group(&self, rank: usize, axis: &str) -> Option<Group> {
        if axis == "pp_ends" {
            let k = self.axes.iter().position(|a| a.0 == "pp")?;
            let mut c = self.coords(rank);
            let ends: Vec<usize> = [0, self.axes[k].1 - 1]
                .into_iter()
                .map(|i| {
                    c[k] = i;
                    self.rank_of(&c)
                })
                .collect();
            return Some(Group::new(format!("pp_ends[ranks {},{}]", ends[0], ends[1]), ends));
        }
        let k = self.axes.iter().position(|a| a.0 == axis)?;
        let mut c = self.coords(rank);
        let ranks: Vec<usize> = (0..self.axes[k].1)
            .map(|i| {
                c[k] = i;
                self.rank_of(&c)
            })
            .collect();
        let list: Vec<String> = ranks.iter().map(|r| r.to_string()).collect();
        Some(Group::new(format!("{axis}[ranks {}]", list.join(",")), ranks))
    }
}

/// One rank of a partitioned run.
pub struct RankContext {
    pub rank: usize,
    pub mesh: MeshAxes,
    pub comm: Box<dyn Communicator>,
    groups: Vec<(String, Group)>,
}

impl RankContext {
    /// Rank `comm.rank()` of `mesh`.
    pub fn new(mesh: MeshAxes, comm: Box<dyn Communicator>) -> RankContext {
        let rank = comm.rank();
        let mut groups: Vec<(String, Group)> =
            mesh.axes.iter().filter_map(|(a, _)| Some((a.clone(), mesh.group(rank, a)?))).collect();
        if let Some(g) = mesh.group(rank, "pp_ends") {
            groups.push(("pp_ends".into(), g));
        }
        RankContext { rank, mesh, comm, groups }
    }

    /// This rank's coordinate on `axis` and the axis size.
    pub fn coord(&self, axis: &str) -> (usize, usize) {
        self.mesh.coord(self.rank, axis)
    }

    /// This rank's group on `axis`.
    pub fn group(&self, axis: &str) -> Result<&Group, String> {
        self.groups
            .iter()
            .find(|g| g.0 == axis)
            .map(|g| &g.1)
            .ok_or_else(|| format!("the program's mesh has no axis '{axis}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tp_is_innermost() {
        let m = MeshAxes { axes: vec![("dp".into(), 2), ("tp".into(), 4)] };
        assert_eq!(m.world_size(), 8);
        assert_eq!(m.coords(6), vec![1, 2]);
        assert_eq!(m.rank_of(&[1, 2]), 6);
        assert_eq!(m.group(6, "tp").unwrap().ranks, vec![4, 5, 6, 7]);
        assert_eq!(m.group(6, "dp").unwrap().ranks, vec![2, 6]);
        assert_eq!(m.coord(6, "pp"), (0, 1));
    }
}
