//! Where each element of a parameter lives on a partitioned mesh: the program's `exec.params`
//! table gives, per parameter, its global shape, its placement per mesh axis (`"[S(0), R]"`,
//! shards of ceil(n / size) rows, zero-padded) and whether ZeRO-3 keeps it as a flat dp chunk
//! (the tensor-parallel block flattened, padded to a multiple of dp, chunk `dp_idx`).
//!
//! [`ParamLayout::local_indices`] is the index map: for each element of a rank's piece, the global
//! element it holds. A rank initializes its piece from it ([`ParamLayout::init_piece`]), reads its
//! piece of a weight file through it, and writes the global elements it is the lowest holder of
//! ([`ParamLayout::lowest_holder`]) into a shared file; [`ParamLayout::local`] cuts a piece out of
//! a global tensor and [`ParamLayout::assemble`] puts the pieces of all ranks back together
//! (`parc verify`). All go through the one index map, so they are exact inverses, and none needs
//! the global tensor's size in memory.

use parc_dialects::attr::Attr;
use parc_dialects::dist::{Placement, Sharding};

use crate::init::default_init_into;
use crate::program::Program;
use parc_dialects::mesh::{Axis, Coords, GroupKind, Mesh};

/// What a layout error ends with: `parc compile` writes only valid layouts.
const RECOMPILE: &str = "recompile the model with parc compile to write a valid program";

/// How one parameter is laid out over the mesh.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLayout {
    pub name: String,
    pub global_shape: Vec<usize>,
    pub placement: Sharding,
    pub zero_flat: bool,
    /// Whether the parameter's optimizer state (Adam's moments, a bf16 parameter's fp32 master
    /// copy) is a flat dp chunk (ZeRO-1 and up): [`ParamLayout::of_state`].
    pub state_flat: bool,
    /// The group whose ranks hold the ZeRO chunks: dp, or edp for an expert's weight under expert
    /// parallelism (`zero_group = "edp"` in `exec.params`).
    pub zero_group: GroupKind,
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
                let zero_group = match d.str("zero_group") {
                    None | Some("dp") => GroupKind::Axis(Axis::Dp),
                    Some("edp") => GroupKind::ExpertData,
                    Some(other) => {
                        return Err(format!(
                            "exec.params: parameter {name} has zero_group = \"{other}\"; ZeRO chunks are cut over dp or edp; {RECOMPILE}"
                        ))
                    }
                };
                let layout = ParamLayout {
                    name,
                    global_shape,
                    placement,
                    zero_flat: d.get("zero_flat") == Some(&Attr::Bool(true)),
                    state_flat: d.get("state_flat") == Some(&Attr::Bool(true)),
                    zero_group,
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

    /// The layout of a parameter that is not split at all: every rank holds the whole tensor of
    /// `shape` (a single-rank program's parameters, or one without an `exec.params` entry).
    pub fn whole(name: &str, shape: &[usize]) -> ParamLayout {
        ParamLayout {
            name: name.to_string(),
            global_shape: shape.to_vec(),
            placement: Sharding(Vec::new()),
            zero_flat: false,
            state_flat: false,
            zero_group: GroupKind::Axis(Axis::Dp),
        }
    }

    /// The layout of the parameter's optimizer state (and of a bf16 parameter's fp32 master
    /// copy): the parameter's, taken as flat dp chunks under ZeRO-1 and up.
    pub fn of_state(&self) -> ParamLayout {
        ParamLayout { zero_flat: self.zero_flat || self.state_flat, ..self.clone() }
    }

    /// The number of elements of every rank's piece (the length of [`ParamLayout::index_map`]),
    /// computed without building it. Call only on a checked layout.
    fn local_len(&self, mesh: &Mesh) -> usize {
        let mut shape = self.global_shape.clone();
        for (j, group) in mesh.sharded_groups().into_iter().enumerate() {
            if let Some(&Placement::Shard(d)) = self.placement.0.get(j) {
                if let Some(rows) = shape.get_mut(d) {
                    *rows = rows.div_ceil(mesh.group_size(group));
                }
            }
        }
        let n: usize = shape.iter().product();
        if self.zero_flat {
            n.div_ceil(mesh.group_size(self.zero_group))
        } else {
            n
        }
    }

    /// For each element of `rank`'s local piece, in order, the flat index of the global element it
    /// holds (None for padding): the map as an iterator, in memory proportional to the tensor's
    /// dimensions, never to its element count.
    ///
    /// The piece is cut per dimension: each split of dimension `d` over an axis of size `n` keeps
    /// rows `c·⌈len/n⌉ ..` of what earlier splits kept (c the rank's coordinate; rows past the end
    /// are padding), so every dimension ends with a list of global coordinates, and the piece is
    /// their row-major product. ZeRO-3 then takes chunk `dp_idx` of ⌈block/dp⌉ elements of that
    /// block, flattened (past its end: padding).
    pub fn local_indices(&self, mesh: &Mesh, rank: usize) -> LocalIndices {
        let coords = mesh.coords(rank);
        let mut dims: Vec<Vec<Option<usize>>> = self.global_shape.iter().map(|&n| (0..n).map(Some).collect()).collect();
        // Placements name the partitioning groups (dp and tp, or edp, ep and tp), not the
        // pipeline axis.
        for (j, group) in mesh.sharded_groups().into_iter().enumerate() {
            if let Some(Placement::Shard(d)) = self.placement.0.get(j).copied() {
                // `of` rejects a split of a dimension the shape does not have; one built by hand
                // is left unsplit on this axis.
                let Some(kept) = dims.get(d) else { continue };
                let rows = kept.len().div_ceil(mesh.group_size(group));
                let first = group.index(&coords, mesh) * rows;
                dims[d] = (first..first + rows).map(|src| kept.get(src).copied().flatten()).collect();
            }
        }
        let block: usize = dims.iter().map(Vec::len).product();
        let (begin, end) = if self.zero_flat {
            let chunk = block.div_ceil(mesh.group_size(self.zero_group));
            let c = self.zero_group.index(&coords, mesh);
            (c * chunk, (c + 1) * chunk)
        } else {
            (0, block)
        };
        let mut strides = vec![1usize; self.global_shape.len()];
        for d in (0..strides.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * self.global_shape[d + 1];
        }
        let mut it = LocalIndices { pos: vec![0; dims.len()], dims, strides, begin, next: begin, end, block };
        it.seek(0);
        it
    }

    /// For each element of `rank`'s local piece, the flat index of the global element it holds
    /// (None for padding).
    pub fn index_map(&self, mesh: &Mesh, rank: usize) -> Vec<Option<usize>> {
        self.local_indices(mesh, rank).collect()
    }

    /// `rank`'s piece of the global tensor `global`.
    pub fn local(&self, global: &[f32], mesh: &Mesh, rank: usize) -> Vec<f32> {
        self.local_indices(mesh, rank).map(|i| i.map_or(0.0, |i| global[i])).collect()
    }

    /// The global tensor from every rank's piece (`pieces[rank]`).
    pub fn assemble(&self, mesh: &Mesh, pieces: &[&[f32]]) -> Vec<f32> {
        let mut out = vec![0.0; self.global_shape.iter().product()];
        for (rank, piece) in pieces.iter().enumerate() {
            for (v, i) in piece.iter().zip(self.local_indices(mesh, rank)) {
                if let Some(i) = i {
                    out[i] = *v;
                }
            }
        }
        out
    }

    /// Fills `out`, `rank`'s piece, with the parameter's initial values ([`default_init`]): each
    /// element computed from its global index, so the piece equals the same cut of the whole
    /// initialized tensor, bit for bit, without the whole tensor ever existing (padding is 0).
    pub fn init_piece(&self, seed: u64, n_layers: usize, mesh: &Mesh, rank: usize, out: &mut [f32]) {
        let indices = self.local_indices(mesh, rank);
        default_init_into(seed, &self.name, n_layers, out, |offset| indices.clone().from_offset(offset));
    }

    /// The lowest rank of pipeline stage `stage` whose piece holds global element `index` (flat,
    /// row-major), or None when no rank's does (an index outside the tensor). The coordinates
    /// are those of [`ParamLayout::local_indices`] read backwards: a split axis has one
    /// coordinate holding the element, an unsplit axis has all of them (the lowest is 0).
    pub fn lowest_holder(&self, mesh: &Mesh, stage: usize, index: usize) -> Option<usize> {
        let total: usize = self.global_shape.iter().product();
        if index >= total {
            return None;
        }
        let mut shape = self.global_shape.clone();
        let mut at = vec![0usize; shape.len()];
        let mut rest = index;
        for d in (0..shape.len()).rev() {
            at[d] = rest % shape[d];
            rest /= shape[d];
        }
        // The rank's index in each group, dp split into edp and ep under expert parallelism.
        let (mut dp, mut tp, mut edp, mut ep) = (0, 0, 0, 0);
        let mut split = Vec::new();
        for (j, group) in mesh.sharded_groups().into_iter().enumerate() {
            if let Some(Placement::Shard(d)) = self.placement.0.get(j).copied() {
                if d >= shape.len() {
                    continue;
                }
                let rows = shape[d].div_ceil(mesh.group_size(group));
                let c = at[d] / rows;
                at[d] %= rows;
                shape[d] = rows;
                split.push(group);
                match group {
                    GroupKind::Axis(Axis::Dp) => dp = c,
                    GroupKind::Axis(Axis::Tp) => tp = c,
                    GroupKind::Axis(Axis::Ep) => ep = c,
                    GroupKind::ExpertData => edp = c,
                    // sharded_groups names only dp, edp, ep and tp.
                    GroupKind::Axis(Axis::Pp) | GroupKind::PipelineEnds => {}
                }
            }
        }
        if self.zero_flat {
            let block: usize = shape.iter().product();
            let flat = at.iter().zip(&shape).fold(0, |acc, (&i, &n)| acc * n + i);
            let c = flat / block.div_ceil(mesh.group_size(self.zero_group));
            // A split of the block over the chunks' group and then a chunk of it agree only on
            // the diagonal.
            let already = match self.zero_group {
                GroupKind::ExpertData => split.contains(&GroupKind::ExpertData).then_some(edp),
                _ => split.contains(&GroupKind::Axis(Axis::Dp)).then_some(dp),
            };
            if already.is_some_and(|a| a != c) {
                return None;
            }
            match self.zero_group {
                GroupKind::ExpertData => edp = c,
                _ => {
                    // A dp chunk index covers edp and ep alike.
                    (edp, ep) = (c / mesh.ep, c % mesh.ep);
                    dp = c;
                }
            }
        }
        if mesh.ep > 1 {
            dp = edp * mesh.ep + ep;
        }
        Some(mesh.rank(Coords { dp, pp: stage, tp, ep: dp % mesh.ep }))
    }

    /// Whether the ZeRO chunks of this layout split the parameter over group `group` (a
    /// placement group): the chunks' group itself, or either half of dp when the chunks are dp's.
    fn zero_covers(&self, mesh: &Mesh, group: GroupKind) -> bool {
        let covered = group == self.zero_group
            || (self.zero_group == GroupKind::Axis(Axis::Dp)
                && matches!(group, GroupKind::ExpertData | GroupKind::Axis(Axis::Ep)));
        self.zero_flat && covered && mesh.group_size(self.zero_group) > 1
    }

    /// Whether the layout splits the parameter over `group` (a placement group): a `S(d)`
    /// placement on a dimension the shape has, or ZeRO-3's flat chunks over it.
    fn splits(&self, mesh: &Mesh, j: usize, group: GroupKind) -> bool {
        let shard = matches!(self.placement.0.get(j), Some(&Placement::Shard(d)) if d < self.global_shape.len());
        shard || self.zero_covers(mesh, group)
    }

    /// Whether `rank` is, on its pipeline stage, the lowest rank holding every element of its
    /// piece, i.e. [`ParamLayout::lowest_holder`] of each is `rank`: on an axis that splits the
    /// parameter an element has one holding coordinate (the rank's own), on an unsplit axis every
    /// coordinate holds it, so this is whether the rank's coordinate is 0 on every unsplit axis.
    pub fn lowest_for_its_elements(&self, mesh: &Mesh, rank: usize) -> bool {
        let coords = mesh.coords(rank);
        mesh.sharded_groups()
            .into_iter()
            .enumerate()
            .all(|(j, group)| self.splits(mesh, j, group) || group.index(&coords, mesh) == 0)
    }

    /// Whether every element of the tensor is held by some rank of a stage. Only a layout that
    /// splits a dimension over the chunks' group and also takes ZeRO-3 chunks of the result does
    /// not: rank `d` keeps chunk `d` of block `d`, and the other chunks of each block are nobody's.
    pub fn covers(&self, mesh: &Mesh) -> bool {
        let split = mesh.sharded_groups().into_iter().enumerate().any(|(j, group)| {
            matches!(self.placement.0.get(j), Some(&Placement::Shard(d)) if d < self.global_shape.len())
                && self.zero_covers(mesh, group)
        });
        !split
    }

    /// Appends the layout to `out` as 64-bit words, for [`ParamLayout::decode_list`] on another
    /// rank: the name's byte length and bytes (8 per word), the rank and dimensions of the global
    /// shape, one word per placement (the split dimension, or -1 for an unsplit axis) and the
    /// ZeRO flags (bit 0: the parameter is flat, bit 1: its optimizer state is, bit 2: the chunks are
    /// edp's).
    pub fn encode(&self, out: &mut Vec<i64>) {
        let bytes = self.name.as_bytes();
        out.push(bytes.len() as i64);
        out.extend(bytes.chunks(8).map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            i64::from_le_bytes(w)
        }));
        out.push(self.global_shape.len() as i64);
        out.extend(self.global_shape.iter().map(|&d| d as i64));
        out.push(self.placement.0.len() as i64);
        out.extend(self.placement.0.iter().map(|p| match p {
            Placement::Shard(d) => *d as i64,
            _ => -1,
        }));
        let edp = self.zero_group == GroupKind::ExpertData;
        out.push(i64::from(self.zero_flat) | i64::from(self.state_flat) << 1 | i64::from(edp) << 2);
    }

    /// The layouts that [`ParamLayout::encode`] wrote one after another into `words`. A
    /// partial value (`P(..)`) does not survive the round trip: it comes back as `R`, which is
    /// how [`ParamLayout::local_indices`] treats it.
    pub fn decode_list(words: &[i64]) -> Result<Vec<ParamLayout>, String> {
        let bad = |what: &str| format!("a parameter table received from another rank is malformed ({what})");
        let mut it = words.iter().copied();
        let count = |v: i64, what: &str| usize::try_from(v).map_err(|_| bad(what));
        let mut out = Vec::new();
        while let Some(len) = it.next() {
            let len = count(len, "name length")?;
            let mut next = |what: &str| it.next().ok_or_else(|| bad(what));
            // No capacity from the count: a malformed count runs out of words, not of memory.
            let mut bytes = Vec::new();
            for _ in 0..len.div_ceil(8) {
                bytes.extend_from_slice(&next("name")?.to_le_bytes());
            }
            bytes.truncate(len);
            let name = String::from_utf8(bytes).map_err(|_| bad("name"))?;
            let ndim = count(next("rank")?, "rank")?;
            let global_shape = (0..ndim).map(|_| count(next("shape")?, "shape")).collect::<Result<_, _>>()?;
            let nplace = count(next("placements")?, "placements")?;
            let placement = (0..nplace)
                .map(|_| {
                    let v = next("placement")?;
                    Ok(if v < 0 { Placement::Replicate } else { Placement::Shard(count(v, "placement")?) })
                })
                .collect::<Result<_, String>>()?;
            let flags = next("flags")?;
            if !(0..8).contains(&flags) {
                return Err(bad("flags"));
            }
            let (zero_flat, state_flat) = (flags & 1 != 0, flags & 2 != 0);
            let zero_group = if flags & 4 != 0 { GroupKind::ExpertData } else { GroupKind::Axis(Axis::Dp) };
            out.push(ParamLayout {
                name,
                global_shape,
                placement: Sharding(placement),
                zero_flat,
                state_flat,
                zero_group,
            });
        }
        Ok(out)
    }
}

/// The global flat indices of one rank's piece of a parameter, in the piece's order (None for
/// padding): [`ParamLayout::local_indices`].
#[derive(Clone, Debug)]
pub struct LocalIndices {
    /// Per dimension of the block (the piece before ZeRO-3 flattening), the global coordinate of
    /// each of its rows (None: padding).
    dims: Vec<Vec<Option<usize>>>,
    /// The row-major strides of the global shape.
    strides: Vec<usize>,
    /// The coordinates in the block of flat position `next` (when it is inside the block).
    pos: Vec<usize>,
    /// The flat block position of the piece's first element.
    begin: usize,
    /// The flat block position of the next element to yield.
    next: usize,
    /// One past the flat block position of the piece's last element.
    end: usize,
    /// The number of elements of the block; positions from here on are padding.
    block: usize,
}

impl LocalIndices {
    /// When the piece is a whole rectangle of a 2-D tensor (a tensor-parallel split of either
    /// dimension, no padding, not a ZeRO chunk, none of it consumed): its global rows and columns.
    pub fn rectangle(&self) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        if self.dims.len() != 2 || self.next != 0 || self.begin != 0 || self.end != self.block {
            return None;
        }
        let range = |rows: &[Option<usize>]| -> Option<std::ops::Range<usize>> {
            let start = (*rows.first()?)?;
            rows.iter().enumerate().all(|(k, c)| *c == Some(start + k)).then_some(start..start + rows.len())
        };
        Some((range(&self.dims[0])?, range(&self.dims[1])?))
    }

    /// When the remaining indices are consecutive global elements (a piece that is a run of whole
    /// rows: a replicated tensor, a split of the first dimension, a ZeRO chunk of either),
    /// `(first global index, elements, padding after them)`; else None. Readers use it to move
    /// the piece in large reads instead of element by element.
    pub fn contiguous(&self) -> Option<(usize, usize, usize)> {
        let first_row = match self.dims.first() {
            None => 0,
            Some(rows) => {
                let start = (*rows.first()?)?;
                if rows.iter().enumerate().any(|(k, c)| *c != Some(start + k)) {
                    return None;
                }
                start
            }
        };
        for d in 1..self.dims.len() {
            let full = self.strides[d - 1] / self.strides[d].max(1);
            if self.dims[d].len() != full || self.dims[d].iter().enumerate().any(|(k, c)| *c != Some(k)) {
                return None;
            }
        }
        let base = first_row * self.strides.first().copied().unwrap_or(1);
        let real_end = self.end.min(self.block);
        let elements = real_end.saturating_sub(self.next);
        let padding = self.end.saturating_sub(self.next.max(self.block));
        Some((base + self.next.min(real_end), elements, padding))
    }

    /// The same indices from element `offset` of the piece on.
    pub fn from_offset(mut self, offset: usize) -> LocalIndices {
        self.seek(offset);
        self
    }

    /// Moves to element `offset` of the piece.
    fn seek(&mut self, offset: usize) {
        self.next = self.begin.saturating_add(offset).min(self.end.max(self.begin));
        if self.next < self.block {
            let mut rest = self.next;
            for d in (0..self.dims.len()).rev() {
                let n = self.dims[d].len();
                self.pos[d] = rest % n;
                rest /= n;
            }
        }
    }
}

impl Iterator for LocalIndices {
    type Item = Option<usize>;

    fn next(&mut self) -> Option<Option<usize>> {
        if self.next >= self.end {
            return None;
        }
        let at = self.next;
        self.next += 1;
        if at >= self.block {
            return Some(None);
        }
        let mut index = Some(0usize);
        for ((rows, &p), &stride) in self.dims.iter().zip(&self.pos).zip(&self.strides) {
            index = match (index, rows[p]) {
                (Some(i), Some(c)) => Some(i + c * stride),
                _ => None,
            };
        }
        // Advance the row-major odometer.
        for d in (0..self.pos.len()).rev() {
            self.pos[d] += 1;
            if self.pos[d] < self.dims[d].len() {
                break;
            }
            self.pos[d] = 0;
        }
        Some(index)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.next);
        (n, Some(n))
    }
}

impl ExactSizeIterator for LocalIndices {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::default_init;

    fn layout(name: &str, shape: &[usize], placement: &str, zero_flat: bool) -> ParamLayout {
        ParamLayout {
            name: name.into(),
            global_shape: shape.to_vec(),
            placement: Sharding::parse(placement).unwrap(),
            zero_flat,
            state_flat: false,
            zero_group: GroupKind::Axis(Axis::Dp),
        }
    }

    #[test]
    fn contiguous_pieces_are_recognized_and_agree_with_the_iterator() {
        let mesh = Mesh::new(2, 1, 2, 1).unwrap();
        // (layout, whether every rank's piece is recognized as one run)
        let cases = [
            (layout("w", &[6, 4], "[]", false), true),
            (layout("w", &[6, 4], "[S(0)]", false), true),
            (layout("w", &[6, 4], "[R, S(0)]", false), true),
            (layout("w", &[6, 4], "[R, S(1)]", false), false),
            (layout("w", &[7, 3], "[]", true), true),
            (layout("w", &[5, 4], "[R, S(0)]", true), false),
        ];
        for (l, recognized) in &cases {
            for rank in 0..mesh.world_size() {
                let it = l.local_indices(&mesh, rank);
                let all: Vec<Option<usize>> = it.clone().collect();
                match it.contiguous() {
                    Some((first, n, pad)) => {
                        let want: Vec<Option<usize>> =
                            (first..first + n).map(Some).chain(std::iter::repeat_n(None, pad)).collect();
                        assert_eq!(all, want, "{l:?} rank {rank}");
                    }
                    // Not recognized: the readers go element by element, which is always right.
                    None => assert!(!recognized, "{l:?} rank {rank}: {all:?}"),
                }
                // From an offset, too.
                if let Some((first, n, pad)) = l.local_indices(&mesh, rank).from_offset(2).contiguous() {
                    let want: Vec<Option<usize>> =
                        (first..first + n).map(Some).chain(std::iter::repeat_n(None, pad)).collect();
                    assert_eq!(all[2.min(all.len())..].to_vec(), want, "{l:?} rank {rank} from 2");
                }
            }
        }
        // Rectangles: the tensor-parallel splits of a matrix, not its ZeRO chunks.
        let rect = |l: &ParamLayout, rank| l.local_indices(&mesh, rank).rectangle();
        assert_eq!(rect(&layout("w", &[6, 4], "[R, S(1)]", false), 1), Some((0..6, 2..4)));
        assert_eq!(rect(&layout("w", &[6, 4], "[R, S(0)]", false), 3), Some((3..6, 0..4)));
        assert_eq!(rect(&layout("w", &[6, 4], "[]", true), 1), None);
        assert_eq!(rect(&layout("w", &[5, 4], "[R, S(0)]", false), 1), None, "a padded piece");
        // A column split is not one run.
        assert!(layout("w", &[6, 4], "[R, S(1)]", false).local_indices(&mesh, 0).contiguous().is_none());
    }

    /// The index map as it was first written: the whole global tensor's indices, cut axis by
    /// axis, then chunked (the reference [`ParamLayout::local_indices`] must equal).
    fn reference_map(l: &ParamLayout, mesh: &Mesh, rank: usize) -> Vec<Option<usize>> {
        let coords = mesh.coords(rank);
        let mut shape = l.global_shape.clone();
        let mut data: Vec<Option<usize>> = (0..shape.iter().product()).map(Some).collect();
        for (j, group) in mesh.sharded_groups().into_iter().enumerate() {
            if let Some(Placement::Shard(d)) = l.placement.0.get(j).copied() {
                if d >= shape.len() {
                    continue;
                }
                let rows = shape[d].div_ceil(mesh.group_size(group));
                let outer: usize = shape[..d].iter().product();
                let inner: usize = shape[d + 1..].iter().product();
                let mut out = Vec::new();
                for o in 0..outer {
                    for r in 0..rows {
                        let src = group.index(&coords, mesh) * rows + r;
                        for i in 0..inner {
                            out.push(if src < shape[d] { data[(o * shape[d] + src) * inner + i] } else { None });
                        }
                    }
                }
                data = out;
                shape[d] = rows;
            }
        }
        if l.zero_flat {
            let chunk = data.len().div_ceil(mesh.group_size(l.zero_group));
            let c = l.zero_group.index(&coords, mesh);
            data = (0..chunk).map(|j| data.get(c * chunk + j).copied().flatten()).collect();
        }
        data
    }

    /// Layouts of every kind on several meshes: (mesh, layout). Placements name dp then tp (the
    /// axes larger than 1).
    fn cases() -> Vec<(Mesh, ParamLayout)> {
        let mut out = Vec::new();
        let dp_tp = Mesh::parse("dp=2,tp=3").unwrap();
        for (placement, flat) in [
            ("[R, S(1)]", false), // column split over tp, replicated over dp
            ("[R, S(0)]", false), // row split over tp
            ("[R, R]", false),    // replicated
            ("[R, S(1)]", true),  // ZeRO-3: tp column block, flat dp chunk (padded)
            ("[R, S(0)]", true),
            ("[R, R]", true),
            ("[S(0), S(1)]", false),
            ("[S(0), S(0)]", false), // both axes split one dimension
            ("[S(1), R]", false),
            ("[S(0), R]", true), // dp split and dp chunks: off-diagonal chunks are nobody's
        ] {
            out.push((dp_tp, layout("layers.0.mlp.up.weight", &[5, 7], placement, flat)));
        }
        let tp = Mesh::parse("tp=4").unwrap();
        out.push((tp, layout("embed.tokens.weight", &[131, 6], "[S(0)]", false))); // padded vocab rows
        out.push((tp, layout("layers.0.attn.q.bias", &[10], "[S(0)]", false)));
        let dp = Mesh::parse("dp=4").unwrap();
        out.push((dp, layout("final_norm.weight", &[7], "[R]", true))); // 7 over 4: padded chunk
        out.push((dp, layout("layers.1.attn.o.weight", &[3, 3, 2], "[R]", true)));
        out.push((dp, layout("scalar", &[], "[R]", true)));
        let dp_pp_tp = Mesh::parse("2x2x2").unwrap();
        out.push((dp_pp_tp, layout("layers.1.mlp.down.weight", &[9, 4], "[R, S(0)]", true)));
        out.push((dp_pp_tp, layout("lm_head.weight", &[4, 9], "[R, S(1)]", false)));
        // Large enough for several parallel init chunks per piece.
        out.push((Mesh::parse("dp=2,tp=2").unwrap(), layout("big.weight", &[301, 1001], "[R, S(1)]", true)));
        out
    }

    #[test]
    fn local_indices_equal_the_reference_map() {
        for (mesh, l) in cases() {
            if l.global_shape.iter().product::<usize>() > 10_000 {
                continue;
            }
            for rank in 0..mesh.world_size() {
                let want = reference_map(&l, &mesh, rank);
                assert_eq!(
                    l.index_map(&mesh, rank),
                    want,
                    "{} {} flat={} rank {rank}",
                    l.name,
                    l.placement,
                    l.zero_flat
                );
                assert_eq!(l.local_indices(&mesh, rank).len(), want.len());
                assert_eq!(l.local_len(&mesh), want.len());
                for offset in [0, 1, want.len() / 2, want.len()] {
                    let tail: Vec<_> = l.local_indices(&mesh, rank).from_offset(offset).collect();
                    assert_eq!(tail, want[offset.min(want.len())..], "offset {offset}");
                }
            }
        }
    }

    #[test]
    fn init_piece_equals_the_cut_of_the_global_init() {
        let (seed, layers) = (1234, 2);
        for (mesh, l) in cases() {
            let global = default_init(seed, &l.name, &l.global_shape, layers);
            for rank in 0..mesh.world_size() {
                let want = l.local(&global, &mesh, rank);
                let mut got = vec![f32::NAN; want.len()];
                l.init_piece(seed, layers, &mesh, rank, &mut got);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert!(bits(&got) == bits(&want), "{} {} flat={} rank {rank}", l.name, l.placement, l.zero_flat);
            }
        }
    }

    #[test]
    fn the_lowest_holder_is_the_lowest_rank_holding_the_element() {
        for (mesh, l) in cases() {
            let n: usize = l.global_shape.iter().product();
            if n > 10_000 {
                continue;
            }
            for stage in 0..mesh.pp {
                let ranks: Vec<usize> = (0..mesh.world_size()).filter(|&r| mesh.coords(r).pp == stage).collect();
                let maps: Vec<Vec<Option<usize>>> = ranks.iter().map(|&r| l.index_map(&mesh, r)).collect();
                let mut covered = true;
                for g in 0..n {
                    let lowest = ranks.iter().zip(&maps).find(|(_, m)| m.contains(&Some(g))).map(|(&r, _)| r);
                    covered &= lowest.is_some();
                    assert_eq!(l.lowest_holder(&mesh, stage, g), lowest, "{} {} element {g}", l.name, l.placement);
                }
                assert_eq!(l.covers(&mesh), covered, "{} {} flat={}", l.name, l.placement, l.zero_flat);
                assert_eq!(l.lowest_holder(&mesh, stage, n), None);
                for (&r, map) in ranks.iter().zip(&maps) {
                    let lowest = map.iter().flatten().all(|&g| l.lowest_holder(&mesh, stage, g) == Some(r));
                    if map.iter().flatten().next().is_some() {
                        assert_eq!(l.lowest_for_its_elements(&mesh, r), lowest, "{} {} rank {r}", l.name, l.placement);
                    }
                }
            }
        }
    }

    #[test]
    fn layouts_survive_encoding() {
        let mut list: Vec<ParamLayout> = cases().into_iter().map(|(_, l)| l).collect();
        // Both ZeRO flags, in every combination.
        for (i, l) in list.iter_mut().enumerate() {
            l.state_flat = i % 2 == 1;
        }
        let mut words = Vec::new();
        for l in &list {
            l.encode(&mut words);
        }
        assert_eq!(ParamLayout::decode_list(&words), Ok(list));
        assert_eq!(ParamLayout::decode_list(&[]), Ok(Vec::new()));
        assert!(ParamLayout::decode_list(&words[..words.len() - 1]).is_err());
        assert!(ParamLayout::decode_list(&[-3]).is_err());
    }

    #[test]
    fn pieces_assemble_to_the_whole() {
        let mesh = Mesh::parse("dp=2,tp=3").unwrap();
        let global: Vec<f32> = (0..5 * 4).map(|v| v as f32).collect();
        for (placement, flat) in [("[R, S(0)]", false), ("[R, S(1)]", true), ("[R, R]", true), ("[R, S(0)]", true)] {
            let l = layout("w", &[5, 4], placement, flat);
            let pieces: Vec<Vec<f32>> = (0..6).map(|r| l.local(&global, &mesh, r)).collect();
            let refs: Vec<&[f32]> = pieces.iter().map(|p| p.as_slice()).collect();
            assert_eq!(l.assemble(&mesh, &refs), global, "{placement} flat={flat}");
        }
    }

    #[test]
    fn optimizer_state_is_flat_from_zero_1() {
        // ZeRO-1 and 2: a whole parameter, its state in flat dp chunks, cut as ZeRO-3 cuts the
        // parameter itself.
        let zero1 = ParamLayout { state_flat: true, ..layout("w", &[5, 4], "[R, S(1)]", false) };
        assert_eq!(zero1.of_state(), ParamLayout { state_flat: true, ..layout("w", &[5, 4], "[R, S(1)]", true) });
        let mesh = Mesh::parse("dp=2,tp=3").unwrap();
        // Rows 5, columns 4 over tp = 3 in shards of 2: 10 elements, 5 per dp chunk.
        assert_eq!(zero1.local_len(&mesh), 10);
        assert_eq!(zero1.of_state().local_len(&mesh), 5);
        // ZeRO-0: the state is laid out as the parameter.
        let zero0 = layout("w", &[5, 4], "[R, S(1)]", false);
        assert_eq!(zero0.of_state(), zero0);
    }
}
