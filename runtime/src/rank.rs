//! A rank's place on the mesh a program was partitioned for: its coordinates, its groups and its
//! communicator.
//!
//! The mesh is the program's `exec.mesh` module attribute, decoded once at load into a typed
//! [`Mesh`] ([`crate::program::Program::mesh`]); rank ↔ coordinates is [`Mesh::coords`], the same
//! function the compiler partitioned with. The group of an axis is every rank that differs from
//! this one only in that axis' coordinate, in coordinate order, so a collective's member index is
//! the rank's coordinate. The groups are created on the communicator once, when the rank starts
//! ([`RankContext::new`]); collectives then name them by [`GroupId`].

use parc_dialects::mesh::{Axis, Coords, GroupKind, Mesh};

use crate::comm::{BufMut, CommError, Communicator, Group, GroupId, ReduceOp};

/// The communication group of kind `kind` that `rank` belongs to, named for messages
/// (`tp[ranks 4,5,6,7]`).
pub fn group_of(mesh: &Mesh, rank: usize, kind: GroupKind) -> Group {
    let ranks = mesh.group(rank, kind);
    let list: Vec<String> = ranks.iter().map(|r| r.to_string()).collect();
    Group::new(format!("{kind}[ranks {}]", list.join(",")), ranks)
}

/// One rank of a partitioned run.
pub struct RankContext {
    pub rank: usize,
    pub mesh: Mesh,
    pub comm: Box<dyn Communicator>,
    /// This rank's group of every kind the mesh has, created once.
    groups: Vec<(GroupKind, GroupId, Group)>,
}

impl RankContext {
    /// Rank `comm.rank()` of `mesh`: creates every group of the mesh this rank belongs to, in
    /// [`GroupKind::ALL`] order (collective: every rank of the mesh calls this).
    pub fn new(mesh: Mesh, mut comm: Box<dyn Communicator>) -> Result<RankContext, CommError> {
        let rank = comm.rank();
        if comm.world_size() != mesh.world_size() {
            return Err(CommError::Bootstrap {
                detail: format!(
                    "the communicator has {} ranks but the program's mesh ({mesh}) has {}",
                    comm.world_size(),
                    mesh.world_size()
                ),
            });
        }
        let mut groups = Vec::new();
        for kind in GroupKind::ALL {
            let group = group_of(&mesh, rank, kind);
            // The pipeline-ends group exists only where pp > 1, and only the first and the last
            // stage belong to it.
            if kind == GroupKind::PipelineEnds && (mesh.pp == 1 || !group.ranks.contains(&rank)) {
                continue;
            }
            let id = comm.create_group(&group.name, &group.ranks)?;
            groups.push((kind, id, group));
        }
        Ok(RankContext { rank, mesh, comm, groups })
    }

    /// This rank's coordinates.
    pub fn coords(&self) -> Coords {
        self.mesh.coords(self.rank)
    }

    /// This rank's coordinate on `axis` and the axis size.
    pub fn coord(&self, axis: Axis) -> (usize, usize) {
        (self.coords().get(axis), self.mesh.size(axis))
    }

    /// This rank's index in its group of kind `kind` (its position in the group's ranks) and the
    /// group's size.
    pub fn index_in(&self, kind: GroupKind) -> (usize, usize) {
        (kind.index(&self.coords(), &self.mesh), self.mesh.group_size(kind))
    }

    /// This rank's group of kind `kind`: its handle and its ranks.
    pub fn group(&self, kind: GroupKind) -> Result<(GroupId, &Group), String> {
        self.groups
            .iter()
            .find(|g| g.0 == kind)
            .map(|g| (g.1, &g.2))
            .ok_or_else(|| format!("the program's mesh ({}) has no {kind} group", self.mesh))
    }

    /// A barrier over the whole mesh: returns once every rank has entered it (collective: every
    /// rank calls it at the same point of its collectives). It is an all-reduce (sum) of one f32
    /// on each of this rank's axis and pipeline-ends groups, in the order they were created
    /// ([`GroupKind::ALL`]). Every rank is in one group of each axis, so leaving the last axis'
    /// all-reduce waits, through its members and the earlier axes, for every coordinate
    /// combination: every rank. The edp group adds nothing to that (its members are dp peers) and
    /// is left out.
    pub fn barrier(&mut self) -> Result<(), CommError> {
        for (_, id, _) in self.groups.iter().filter(|g| g.0 != GroupKind::ExpertData) {
            let mut token = [0.0f32];
            self.comm.all_reduce(*id, ReduceOp::Sum, BufMut::F32(&mut token))?;
        }
        Ok(())
    }

    /// The rank whose coordinate on `axis` is this rank's plus `shift` (cyclically), the others
    /// equal: the peer of a pipeline send or receive.
    pub fn peer(&self, axis: Axis, shift: i64) -> usize {
        let (c, n) = self.coord(axis);
        let to = (c as i64 + shift).rem_euclid(n.max(1) as i64) as usize;
        // Every axis group is created in `new`; its members are in coordinate order.
        let kind = GroupKind::Axis(axis);
        match self.groups.iter().find(|g| g.0 == kind) {
            Some(g) => g.2.ranks[to],
            None => self.mesh.group(self.rank, kind)[to],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_compiler_mapping_with_tp_innermost() {
        let mesh = Mesh::parse("dp=2,tp=4").unwrap();
        assert_eq!(mesh.world_size(), 8);
        assert_eq!(group_of(&mesh, 6, Axis::Tp.into()).ranks, vec![4, 5, 6, 7]);
        assert_eq!(group_of(&mesh, 6, Axis::Dp.into()).ranks, vec![2, 6]);
        assert_eq!(group_of(&mesh, 6, Axis::Tp.into()).name, "tp[ranks 4,5,6,7]");
        let mesh = Mesh::parse("2x3x2").unwrap();
        assert_eq!(group_of(&mesh, 5, GroupKind::PipelineEnds).ranks, vec![1, 9]);
        let mesh = Mesh::parse("dp=4,tp=2,ep=2").unwrap();
        assert_eq!(group_of(&mesh, 5, GroupKind::ExpertData).name, "edp[ranks 1,5]");
        assert_eq!(group_of(&mesh, 5, Axis::Ep.into()).name, "ep[ranks 5,7]");
    }

    /// Every rank of a mesh with experts creates its ep and edp groups, and an all-reduce on each
    /// sums exactly the members the mesh names.
    #[test]
    fn ep_and_edp_groups_are_created_and_reduce_over_their_members() {
        use crate::comm::LocalMesh;
        use std::time::Duration;
        let mesh = Mesh::parse("dp=4,pp=2,ep=2").unwrap();
        let world = mesh.world_size();
        let mut local = LocalMesh::open(world, Duration::from_secs(30));
        let comms: Vec<_> = local.bootstraps().iter().map(|b| local.connect(b).unwrap()).collect();
        std::thread::scope(|scope| {
            for comm in comms {
                scope.spawn(move || {
                    let rank = comm.rank();
                    let mut ctx = RankContext::new(mesh, Box::new(comm)).unwrap();
                    for kind in [GroupKind::Axis(Axis::Ep), GroupKind::ExpertData] {
                        let (id, group) = ctx.group(kind).unwrap();
                        let members = group.ranks.clone();
                        assert_eq!(members, mesh.group(rank, kind));
                        let (index, size) = ctx.index_in(kind);
                        assert_eq!((members[index], size), (rank, members.len()), "{kind} of rank {rank}");
                        let mut x = [(1usize << rank) as f32];
                        ctx.comm.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut x)).unwrap();
                        let want: usize = members.iter().map(|m| 1usize << m).sum();
                        assert_eq!(x[0], want as f32, "{kind} on rank {rank}");
                    }
                    ctx.barrier().unwrap();
                });
            }
        });
    }

    #[test]
    fn barrier_waits_for_every_rank() {
        use crate::comm::LocalMesh;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;
        for text in ["dp=2,tp=2", "2x3x2", "dp=3", "pp=2,tp=2"] {
            let mesh = Mesh::parse(text).unwrap();
            let world = mesh.world_size();
            let mut local = LocalMesh::open(world, Duration::from_secs(30));
            let comms: Vec<_> = local.bootstraps().iter().map(|b| local.connect(b).unwrap()).collect();
            let arrived = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for comm in comms {
                    let arrived = &arrived;
                    scope.spawn(move || {
                        let rank = comm.rank();
                        let mut ctx = RankContext::new(mesh, Box::new(comm)).unwrap();
                        // Late ranks arrive later; nobody may leave before the last arrives.
                        std::thread::sleep(Duration::from_millis(5 * rank as u64));
                        arrived.fetch_add(1, Ordering::SeqCst);
                        ctx.barrier().unwrap();
                        assert_eq!(arrived.load(Ordering::SeqCst), world, "{text}: rank {rank} left early");
                        // A second barrier matches the first on every group.
                        ctx.barrier().unwrap();
                    });
                }
            });
        }
    }
}
