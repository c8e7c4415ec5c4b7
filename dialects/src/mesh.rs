//! The device mesh, typed: its axes, its groups and the one rank ↔ coordinates function. The
//! compiler partitions for a [`Mesh`], writes it into the IR as a module attribute
//! ([`Mesh::to_attr`]) and the runtime reads it back from there ([`Mesh::from_attr`]), so both sides
//! use the same mapping.
//!
//! Axis names appear only here and in the text format (`--mesh dp=8,pp=4,tp=2`, the IR's `axis`
//! attributes): everything else holds an [`Axis`] or a [`GroupKind`].
//!
//! Rank order (see [`Mesh::coords`]): pp outermost, then dp, then tp innermost, so the tp peers of a
//! stage are neighbours (one node) and a pipeline stage is a contiguous block of ranks (Megatron's
//! default order). Expert parallelism is carved out of dp (as in Megatron): `ep` divides `dp`, adds
//! no ranks, and the ep index is the fastest-varying part of the dp index, `ep_idx = dp_idx % ep`.
//! A context-parallel axis would be one more [`Axis`] variant, placed between dp and tp in
//! [`Mesh::coords`].

use std::fmt;

use crate::attr::{Attr, AttrMap};
use crate::diag::{did_you_mean, or_list, Diagnostic};

/// One axis of the mesh.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// Data parallelism: replicas of the model on different samples.
    Dp,
    /// Pipeline parallelism: contiguous layer ranges (stages).
    Pp,
    /// Tensor parallelism (Megatron): weights split inside a layer.
    Tp,
    /// Expert parallelism: experts split over a part of dp.
    Ep,
}

impl Axis {
    /// Every axis, in the order the mesh prints them.
    pub const ALL: [Axis; 4] = [Axis::Dp, Axis::Pp, Axis::Tp, Axis::Ep];

    /// The axis' name in the text formats.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Dp => "dp",
            Axis::Pp => "pp",
            Axis::Tp => "tp",
            Axis::Ep => "ep",
        }
    }

    /// The axis named `name`.
    pub fn from_name(name: &str) -> Option<Axis> {
        Axis::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A group of ranks that a collective runs over: the ranks that differ from the caller only in
/// one axis' coordinate, the expert-data-parallel group (the replicas of the caller's experts), or
/// the pipeline's first and last stage (the holders of a tied embedding).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKind {
    /// Every rank that differs from the caller only on this axis, in coordinate order. The ep
    /// group is the block of `ep` consecutive dp coordinates that holds the caller.
    Axis(Axis),
    /// Expert data parallelism (`edp`): the ranks with the caller's pp, tp and ep coordinates, whose
    /// dp coordinates differ from the caller's by multiples of ep: `dp / ep` members, in dp order
    /// (a member's index is `dp / ep`). They hold the same experts, so expert gradients are reduced
    /// over this group; it meets the caller's ep group in the caller alone, and with ep = 1 it is
    /// the dp group.
    ExpertData,
    /// The rank's peers on the first and the last pipeline stage (same dp and tp coordinates).
    PipelineEnds,
}

impl GroupKind {
    /// Every group kind.
    pub const ALL: [GroupKind; 6] = [
        GroupKind::Axis(Axis::Dp),
        GroupKind::Axis(Axis::Pp),
        GroupKind::Axis(Axis::Tp),
        GroupKind::Axis(Axis::Ep),
        GroupKind::ExpertData,
        GroupKind::PipelineEnds,
    ];

    /// The name written in the IR's `axis` attributes.
    pub fn name(self) -> &'static str {
        match self {
            GroupKind::Axis(a) => a.name(),
            GroupKind::ExpertData => "edp",
            GroupKind::PipelineEnds => "pp_ends",
        }
    }

    /// The index of the member at `coords` in its group of this kind (its position in
    /// [`Mesh::group`]); for the pipeline-ends group, 0 on the first stage and 1 on the others.
    pub fn index(self, coords: &Coords, mesh: &Mesh) -> usize {
        match self {
            GroupKind::Axis(a) => coords.get(a),
            GroupKind::ExpertData => coords.dp / mesh.ep,
            GroupKind::PipelineEnds => usize::from(coords.pp > 0),
        }
    }

    /// The group kind named `name`.
    pub fn from_name(name: &str) -> Option<GroupKind> {
        GroupKind::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Parses an `axis` attribute, with an error that lists the names that work.
    pub fn parse(name: &str) -> Result<GroupKind, String> {
        GroupKind::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = GroupKind::ALL.iter().map(|g| g.name()).collect();
            format!("unknown mesh axis '{name}'; the axes are {}", or_list(&names))
        })
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Axis> for GroupKind {
    fn from(axis: Axis) -> GroupKind {
        GroupKind::Axis(axis)
    }
}

/// The parallel degrees of a run: one validated struct; every degree is at least 1 ("1 means off").
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mesh {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    pub ep: usize,
}

/// The position of one rank on the mesh.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Coords {
    pub dp: usize,
    pub pp: usize,
    pub tp: usize,
    /// Index inside the expert-parallel group (`dp % ep`).
    pub ep: usize,
}

impl Coords {
    /// The coordinate on `axis`.
    pub fn get(&self, axis: Axis) -> usize {
        match axis {
            Axis::Dp => self.dp,
            Axis::Pp => self.pp,
            Axis::Tp => self.tp,
            Axis::Ep => self.ep,
        }
    }
}

/// The largest world size parc accepts (more ranks than any cluster has; guards overflow).
pub const MAX_WORLD_SIZE: usize = 1 << 24;

impl Mesh {
    /// A single device.
    pub const SINGLE: Mesh = Mesh { dp: 1, pp: 1, tp: 1, ep: 1 };

    /// A mesh with the given degrees, checked: every degree at least 1, ep dividing dp, and the
    /// world size at most [`MAX_WORLD_SIZE`].
    pub fn new(dp: usize, pp: usize, tp: usize, ep: usize) -> Result<Mesh, String> {
        let mesh = Mesh { dp, pp, tp, ep };
        for axis in Axis::ALL {
            if mesh.size(axis) == 0 {
                return Err(format!("axis {axis} has size 0; every axis needs at least 1 device (1 means off)"));
            }
        }
        // The world size first: it bounds dp, and so the divisors listed below.
        let world = dp.checked_mul(pp).and_then(|x| x.checked_mul(tp));
        if world.is_none_or(|w| w > MAX_WORLD_SIZE) {
            return Err(format!("the mesh has more than {MAX_WORLD_SIZE} ranks"));
        }
        if dp % ep != 0 {
            return Err(format!(
                "ep = {ep} does not divide dp = {dp}; expert-parallel ranks are carved out of the data-parallel ones, so ep can be {}",
                or_list(&shorten(&divisors(dp)))
            ));
        }
        Ok(mesh)
    }

    /// The mesh whose size on each axis is `size(axis)`, checked as [`Mesh::new`] checks it.
    pub fn from_sizes(size: impl Fn(Axis) -> usize) -> Result<Mesh, String> {
        Mesh::new(size(Axis::Dp), size(Axis::Pp), size(Axis::Tp), size(Axis::Ep))
    }

    /// Parses the command-line form: `DPxPPxTP` or `dp=N,pp=N,tp=N,ep=N` (an axis not named is 1).
    pub fn parse(text: &str) -> Result<Mesh, Diagnostic> {
        let text = text.trim();
        let usage = "write --mesh DPxPPxTP (e.g. 8x4x2) or name the axes (e.g. dp=8,pp=4,tp=2 or dp=4,ep=2)";
        let bad = |msg: String| Diagnostic::new(format!("--mesh {text}: {msg}")).with_help(usage);
        let size = |axis: &str, s: &str| -> Result<usize, Diagnostic> {
            s.trim().parse().map_err(|_| bad(format!("'{s}' is not a size for axis {axis}")))
        };
        let mut sizes = [1usize; 4];
        if text.contains('=') {
            let mut seen = Vec::new();
            for part in text.split(',') {
                let (name, value) = part.split_once('=').ok_or_else(|| bad(format!("'{part}' is not axis=size")))?;
                let name = name.trim();
                let Some(axis) = Axis::from_name(name) else {
                    let names = Axis::ALL.map(Axis::name);
                    let hint = did_you_mean(name, names).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
                    return Err(bad(format!(
                        "unknown axis '{name}'{hint}; axes are {} and {}",
                        names[..3].join(", "),
                        names[3]
                    )));
                };
                let n = size(name, value)?;
                if seen.contains(&axis) {
                    return Err(bad(format!("axis {name} is given twice")));
                }
                seen.push(axis);
                sizes[axis as usize] = n;
            }
        } else {
            let parts: Vec<&str> = text.split(['x', 'X']).collect();
            if parts.len() != 3 {
                return Err(bad(format!("expected three sizes DPxPPxTP, found {}", parts.len())));
            }
            for (axis, part) in [Axis::Dp, Axis::Pp, Axis::Tp].into_iter().zip(parts) {
                sizes[axis as usize] = size(axis.name(), part)?;
            }
        }
        let [dp, pp, tp, ep] = sizes;
        Mesh::new(dp, pp, tp, ep).map_err(bad)
    }

    /// The degree of `axis`.
    pub fn size(&self, axis: Axis) -> usize {
        match axis {
            Axis::Dp => self.dp,
            Axis::Pp => self.pp,
            Axis::Tp => self.tp,
            Axis::Ep => self.ep,
        }
    }

    /// The number of ranks, dp × pp × tp (ep is carved out of dp).
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

    /// The coordinates of `rank` on the axes larger than 1, in [`Axis::ALL`] order (for reports).
    pub fn used_coords(&self, rank: usize) -> Vec<(Axis, usize)> {
        let c = self.coords(rank);
        Axis::ALL.into_iter().filter(|&a| self.size(a) > 1).map(|a| (a, c.get(a))).collect()
    }

    /// The number of ranks in a group of kind `kind`.
    pub fn group_size(&self, kind: GroupKind) -> usize {
        match kind {
            GroupKind::Axis(axis) => self.size(axis),
            GroupKind::ExpertData => self.dp / self.ep,
            GroupKind::PipelineEnds => 2,
        }
    }

    /// The members of `rank`'s group of kind `kind`, in coordinate order (a member's index in the
    /// group is its coordinate on the axis; in the edp group, its dp coordinate divided by ep; see
    /// [`GroupKind::index`]). The pipeline-ends group of a mesh without pipeline stages is `rank`
    /// twice: it exists only where pp > 1.
    pub fn group(&self, rank: usize, kind: GroupKind) -> Vec<usize> {
        let c = self.coords(rank);
        let at = |f: &dyn Fn(&mut Coords, usize), i: usize| {
            let mut c = c;
            f(&mut c, i);
            self.rank(c)
        };
        match kind {
            GroupKind::Axis(Axis::Dp) => (0..self.dp).map(|i| at(&|c, i| c.dp = i, i)).collect(),
            GroupKind::Axis(Axis::Pp) => (0..self.pp).map(|i| at(&|c, i| c.pp = i, i)).collect(),
            GroupKind::Axis(Axis::Tp) => (0..self.tp).map(|i| at(&|c, i| c.tp = i, i)).collect(),
            GroupKind::Axis(Axis::Ep) => {
                let base = c.dp - c.ep;
                (0..self.ep).map(|i| at(&|c, i| c.dp = base + i, i)).collect()
            }
            GroupKind::ExpertData => (0..self.dp / self.ep).map(|i| at(&|c, i| c.dp = i * self.ep + c.ep, i)).collect(),
            GroupKind::PipelineEnds => [0, self.pp - 1].into_iter().map(|i| at(&|c, i| c.pp = i, i)).collect(),
        }
    }

    /// The axes that a value's placements index, in placement order: those of dp and tp larger
    /// than 1 (pipeline stages are a graph split, not a placement).
    pub fn sharded_axes(&self) -> Vec<Axis> {
        [Axis::Dp, Axis::Tp].into_iter().filter(|&a| self.size(a) > 1).collect()
    }

    /// The groups that a value's placements index, in placement order. Without expert
    /// parallelism these are [`Mesh::sharded_axes`]. With ep > 1 the dp axis is two placement
    /// groups, the expert-data-parallel group (outer) and the ep group (inner): a dim split over
    /// both is cut into `dp / ep` blocks by edp index, each cut into `ep` pieces by ep index, so
    /// piece `edp · ep + ep_idx` = the dp coordinate, exactly the dp axis' split. Groups of size
    /// 1 are left out.
    pub fn sharded_groups(&self) -> Vec<GroupKind> {
        if self.ep == 1 {
            return self.sharded_axes().into_iter().map(GroupKind::Axis).collect();
        }
        [GroupKind::ExpertData, GroupKind::Axis(Axis::Ep), GroupKind::Axis(Axis::Tp)]
            .into_iter()
            .filter(|&g| self.group_size(g) > 1)
            .collect()
    }

    /// The module attribute that carries the mesh in the IR: `{dp = 2 : i64, tp = 4 : i64}`, every
    /// axis larger than 1 (an axis not written is 1).
    pub fn to_attr(&self) -> Attr {
        let mut m = AttrMap::new();
        for axis in Axis::ALL {
            if self.size(axis) > 1 {
                m.set(axis.name(), Attr::Int(self.size(axis) as i64));
            }
        }
        Attr::Dict(m)
    }

    /// The mesh written by [`Mesh::to_attr`]; errors name the key and the value that is wrong.
    pub fn from_attr(attr: &Attr) -> Result<Mesh, String> {
        let Attr::Dict(map) = attr else {
            return Err("the mesh attribute must be a dictionary of axis sizes, as in {dp = 2 : i64}".into());
        };
        let mut sizes = [1usize; 4];
        for (name, value) in map.iter() {
            let axis = Axis::from_name(name).ok_or_else(|| {
                format!("unknown mesh axis '{name}'; the axes are {}", or_list(&Axis::ALL.map(Axis::name)))
            })?;
            sizes[axis as usize] = match value {
                Attr::Int(n) if *n >= 1 => {
                    usize::try_from(*n).map_err(|_| format!("mesh axis {name} = {n} is too large"))?
                }
                other => return Err(format!("mesh axis {name} must be a size of at least 1, found {other}")),
            };
        }
        let [dp, pp, tp, ep] = sizes;
        Mesh::new(dp, pp, tp, ep)
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

/// All divisors of `n`, ascending, by trial division up to √n: callers pass sizes the frontend and
/// [`Mesh::new`] have already bounded (at most 2^24), so this is at most 4096 divisions.
pub fn divisors(n: usize) -> Vec<usize> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d = 1;
    while d <= n / d {
        if n % d == 0 {
            small.push(d);
            if d * d != n {
                large.push(n / d);
            }
        }
        d += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// At most 12 entries of a divisor list for a message: the smallest ones and the largest.
pub fn shorten(list: &[usize]) -> Vec<String> {
    if list.len() <= 12 {
        return list.iter().map(|d| d.to_string()).collect();
    }
    let mut out: Vec<String> = list[..10].iter().map(|d| d.to_string()).collect();
    out.push("…".into());
    out.push(list[list.len() - 1].to_string());
    out
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
    fn groups_hold_the_ranks_that_differ_in_one_coordinate() {
        let mesh = Mesh::parse("dp=4,pp=3,tp=2,ep=2").unwrap();
        // rank 13: pp 1, dp 2, tp 1, ep 0.
        assert_eq!(mesh.group(13, Axis::Tp.into()), vec![12, 13]);
        assert_eq!(mesh.group(13, Axis::Dp.into()), vec![9, 11, 13, 15]);
        assert_eq!(mesh.group(13, Axis::Pp.into()), vec![5, 13, 21]);
        assert_eq!(mesh.group(13, Axis::Ep.into()), vec![13, 15]);
        assert_eq!(mesh.group(13, GroupKind::PipelineEnds), vec![5, 21]);
        for rank in 0..mesh.world_size() {
            for kind in GroupKind::ALL {
                let members = mesh.group(rank, kind);
                assert_eq!(members.len(), mesh.group_size(kind), "{kind} of rank {rank}");
                if kind != GroupKind::PipelineEnds {
                    assert_eq!(members[kind.index(&mesh.coords(rank), &mesh)], rank, "{kind} of rank {rank}");
                    // Every member has the same group.
                    for &m in &members {
                        assert_eq!(mesh.group(m, kind), members);
                    }
                }
            }
        }
    }

    #[test]
    fn expert_data_groups_stride_dp_by_ep() {
        // dp=4, ep=2, tp=2: rank = dp·2 + tp. The ep groups are dp {0,1} and {2,3}; the edp groups
        // dp {0,2} and {1,3}.
        let mesh = Mesh::parse("dp=4,tp=2,ep=2").unwrap();
        assert_eq!(mesh.group_size(GroupKind::ExpertData), 2);
        assert_eq!(mesh.group(0, GroupKind::ExpertData), vec![0, 4]);
        assert_eq!(mesh.group(3, GroupKind::ExpertData), vec![3, 7]);
        assert_eq!(mesh.group(5, GroupKind::ExpertData), vec![1, 5]);
        assert_eq!(mesh.group(5, Axis::Ep.into()), vec![5, 7]);
        // dp=8, ep=4, pp=2: rank = pp·8 + dp. Rank 14 is pp 1, dp 6, ep 2.
        let mesh = Mesh::parse("dp=8,pp=2,ep=4").unwrap();
        assert_eq!(mesh.group(14, GroupKind::ExpertData), vec![10, 14]);
        assert_eq!(mesh.group(14, Axis::Ep.into()), vec![12, 13, 14, 15]);
        assert_eq!(mesh.group(1, GroupKind::ExpertData), vec![1, 5]);
        // ep = 1: edp is dp; ep = dp: edp is the rank alone.
        let mesh = Mesh::parse("dp=4,tp=2").unwrap();
        for rank in 0..mesh.world_size() {
            assert_eq!(mesh.group(rank, GroupKind::ExpertData), mesh.group(rank, Axis::Dp.into()));
        }
        let mesh = Mesh::parse("dp=4,ep=4").unwrap();
        assert_eq!(mesh.group(2, GroupKind::ExpertData), vec![2]);
    }

    #[test]
    fn every_rank_is_in_one_group_of_each_kind_and_ep_meets_edp_in_one_rank() {
        for text in ["dp=4,ep=2", "dp=8,ep=4", "dp=4,pp=3,tp=2,ep=2", "dp=8,pp=2,tp=2,ep=4", "dp=6,tp=3,ep=3", "2x2x2"]
        {
            let mesh = Mesh::parse(text).unwrap();
            let world = mesh.world_size();
            for kind in GroupKind::ALL {
                if kind == GroupKind::PipelineEnds {
                    continue;
                }
                // The groups of a kind partition the world: each rank is in exactly one.
                let mut count = vec![0usize; world];
                let mut groups = std::collections::BTreeSet::new();
                for rank in 0..world {
                    groups.insert(mesh.group(rank, kind));
                }
                for g in &groups {
                    for &m in g {
                        count[m] += 1;
                    }
                }
                assert!(count.iter().all(|&c| c == 1), "{text} {kind}: {count:?}");
                assert_eq!(groups.len() * mesh.group_size(kind), world, "{text} {kind}");
            }
            for rank in 0..world {
                let c = mesh.coords(rank);
                let ep = mesh.group(rank, Axis::Ep.into());
                let edp = mesh.group(rank, GroupKind::ExpertData);
                let common: Vec<usize> = ep.iter().copied().filter(|r| edp.contains(r)).collect();
                assert_eq!(common, vec![rank], "{text}: rank {rank}");
                for &m in &edp {
                    let d = mesh.coords(m);
                    assert_eq!((d.pp, d.tp, d.ep), (c.pp, c.tp, c.ep), "{text}: rank {rank} member {m}");
                }
                // Together ep and edp cover the rank's dp group.
                let mut both: Vec<usize> = ep.iter().flat_map(|&e| mesh.group(e, GroupKind::ExpertData)).collect();
                both.sort();
                assert_eq!(both, mesh.group(rank, Axis::Dp.into()), "{text}: rank {rank}");
            }
        }
    }

    #[test]
    fn the_attribute_round_trips_and_rejects_what_is_not_a_mesh() {
        for text in ["1x1x1", "8x4x2", "dp=4,ep=2,tp=2"] {
            let mesh = Mesh::parse(text).unwrap();
            assert_eq!(Mesh::from_attr(&mesh.to_attr()).unwrap(), mesh);
        }
        let dict = |k: &str, v: i64| Attr::Dict(AttrMap::new().with(k, Attr::Int(v)));
        let cases = [
            (dict("xp", 2), "unknown mesh axis 'xp'"),
            (dict("tp", 0), "at least 1"),
            (dict("tp", -3), "at least 1"),
            (dict("tp", 1 << 40), "more than"),
            (Attr::Int(2), "dictionary"),
        ];
        for (attr, expect) in cases {
            let err = Mesh::from_attr(&attr).unwrap_err();
            assert!(err.contains(expect), "{attr}: {err}");
        }
        assert!(GroupKind::parse("pp_ends").is_ok());
        assert_eq!(GroupKind::parse("edp").unwrap(), GroupKind::ExpertData);
        assert!(GroupKind::parse("dq").unwrap_err().contains("dp, pp, tp, ep, edp or pp_ends"));
        for kind in GroupKind::ALL {
            assert_eq!(GroupKind::from_name(kind.name()), Some(kind));
        }
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
            // Found by fuzzing (fuzz/regressions/mesh/huge-dp-with-ep): the ep check listed the
            // divisors of dp by 6·10^7 trial divisions before the world size was checked.
            ("dp=3655365536535366,ep=65365536535", "more than"),
        ];
        for (text, expect) in cases {
            let err = Mesh::parse(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }

    #[test]
    fn divisors_are_complete_and_sorted() {
        assert_eq!(divisors(28), vec![1, 2, 4, 7, 14, 28]);
        assert_eq!(divisors(1), vec![1]);
        assert_eq!(divisors(36), vec![1, 2, 3, 4, 6, 9, 12, 18, 36]);
    }
}
