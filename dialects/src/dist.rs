//! Two dialects for partitioning, and the placement type they share.
//!
//! **`sharding`** (global view; MLIR 22 registers `shard`, hence the longer prefix). A value's
//! sharding is one [`Placement`] per mesh axis, DTensor-style: `S(d)` (split evenly along dim
//! `d`), `R` (every rank of the axis holds all of it) or `P(sum)` / `P(max)` (every rank holds a
//! partial value; the true value is the sum / max over the axis). The mesh is the module attribute
//! `sharding.mesh = {dp = 2 : i64, tp = 4 : i64}` (axis order = placement order). Values carry
//! their placements as the discardable attribute `sharding.placements` on their producer (one
//! sharding per result, each an array of one placement per axis: `[["S(0)", "R"]]`) or
//! `sharding.placement` on a function argument (`["S(0)", "R"]`). [`Sharding::from_attr`] reads
//! that form into the typed value once; passes work on [`Sharding`]s. Ops:
//! - `sharding.annotate(x) {placement}`: a strategy annotation; the value is `x` with that placement.
//! - `sharding.reshard(x) {from, to}`: the same global value moved to another placement.
//!
//! **`dist`** (local view: every type is one rank's shard). Collectives on one mesh axis, whose
//! group is every rank that differs from the caller only in that axis' coordinate; `size` is the
//! axis size. The local semantics are exactly the reshards they implement:
//! - `dist.all_reduce(x…) {axis, size, op = "sum" | "max"}`: P → R, several tensors at once (a bucket).
//! - `dist.all_gather(x) {axis, size, dim}`: S(dim) → R; the result's `dim` is `size` times larger.
//! - `dist.reduce_scatter(x) {axis, size, dim}`: P(sum) → S(dim); `dim` must divide by `size`.
//! - `dist.shard_slice(x) {axis, size, dim}`: R → S(dim), no communication: the caller's block of
//!   `ceil(n / size)` rows along `dim`, zero-padded past the end when `n` does not divide.
//! - `dist.all_to_all(x) {axis, size, dim = 0}`: an exchange, not a reshard (expert parallelism
//!   moves tokens with it). `x`'s dim `dim` is split into `size` equal chunks; chunk j goes to the
//!   member at index j of the group; the result has `x`'s shape, and its chunk i is what member i
//!   sent to this rank. `dim` must divide by `size`. Its `axis` may also name the groups that are
//!   not one axis (`edp`, `pp_ends`; [`crate::mesh::GroupKind`]).

use std::fmt;

use crate::attr::{Attr, AttrMap};
use crate::dialect_ops;
use crate::signature::{opt, req, Arity, AttrKind, OpInfo};
use crate::types::{shape_str, Type};

/// How one mesh axis holds a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    /// Every rank of the axis holds the whole value.
    Replicate,
    /// Split evenly along this dim (the last block zero-padded when it does not divide).
    Shard(usize),
    /// Partial values whose reduction over the axis is the value.
    Partial(ReduceKind),
}

/// The reduction of a partial value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReduceKind {
    Sum,
    Max,
}

impl ReduceKind {
    /// `"sum"` or `"max"`.
    pub fn name(self) -> &'static str {
        match self {
            ReduceKind::Sum => "sum",
            ReduceKind::Max => "max",
        }
    }

    /// The kind written as `name`.
    pub fn from_name(name: &str) -> Option<ReduceKind> {
        match name {
            "sum" => Some(ReduceKind::Sum),
            "max" => Some(ReduceKind::Max),
            _ => None,
        }
    }
}

impl Placement {
    /// Whether the value is partial.
    pub fn is_partial(self) -> bool {
        matches!(self, Placement::Partial(_))
    }

    /// Parses `R`, `S(1)`, `P(sum)`, `P(max)`.
    pub fn parse(s: &str) -> Result<Placement, String> {
        let s = s.trim();
        let inner = |p: &str| s.strip_prefix(p).and_then(|r| r.strip_suffix(')'));
        if s == "R" {
            Ok(Placement::Replicate)
        } else if let Some(d) = inner("S(") {
            d.trim().parse().map(Placement::Shard).map_err(|_| format!("'{s}': the dim of S(dim) must be an integer"))
        } else if let Some(k) = inner("P(") {
            ReduceKind::from_name(k.trim())
                .map(Placement::Partial)
                .ok_or_else(|| format!("'{s}': a partial placement is P(sum) or P(max)"))
        } else {
            Err(format!("'{s}' is not a placement (R, S(dim), P(sum) or P(max))"))
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Replicate => write!(f, "R"),
            Placement::Shard(d) => write!(f, "S({d})"),
            Placement::Partial(k) => write!(f, "P({})", k.name()),
        }
    }
}

/// A value's placement on every mesh axis, in the mesh's axis order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sharding(pub Vec<Placement>);

impl Sharding {
    /// Replicated on `axes` axes.
    pub fn replicated(axes: usize) -> Sharding {
        Sharding(vec![Placement::Replicate; axes])
    }

    /// Parses `"[S(0), R]"`.
    pub fn parse(s: &str) -> Result<Sharding, String> {
        let body = s.trim().strip_prefix('[').and_then(|r| r.strip_suffix(']')).ok_or_else(|| {
            format!("'{s}' is not a sharding: write one placement per mesh axis, as in \"[S(0), R]\"")
        })?;
        if body.trim().is_empty() {
            return Ok(Sharding(Vec::new()));
        }
        body.split(", ").map(Placement::parse).collect::<Result<_, _>>().map(Sharding)
    }
}

impl Sharding {
    /// The IR form: an array of one placement per mesh axis, `["S(0)", "R"]`.
    pub fn to_attr(&self) -> Attr {
        Attr::Array(self.0.iter().map(|p| Attr::Str(p.to_string())).collect())
    }

    /// Reads the IR form of [`Sharding::to_attr`].
    pub fn from_attr(attr: &Attr) -> Result<Sharding, String> {
        let help = "write one placement per mesh axis, as in [\"S(0)\", \"R\"]";
        let Attr::Array(list) = attr else { return Err(format!("{attr} is not a sharding: {help}")) };
        list.iter()
            .map(|a| match a {
                Attr::Str(s) => Placement::parse(s),
                other => Err(format!("{other} in {attr} is not a placement: {help}")),
            })
            .collect::<Result<_, _>>()
            .map(Sharding)
    }

    /// The sharding attribute `name` of `attrs`.
    pub fn of(attrs: &AttrMap, name: &str) -> Result<Sharding, String> {
        let attr = attrs.get(name).ok_or_else(|| format!("no sharding attribute '{name}'"))?;
        Sharding::from_attr(attr).map_err(|e| format!("attribute '{name}': {e}"))
    }

    /// The `sharding.placements` attribute: one sharding per result.
    pub fn list_attr(list: &[Sharding]) -> Attr {
        Attr::Array(list.iter().map(Sharding::to_attr).collect())
    }

    /// Reads [`Sharding::list_attr`]'s form.
    pub fn from_list_attr(attr: &Attr) -> Result<Vec<Sharding>, String> {
        let Attr::Array(list) = attr else { return Err(format!("{attr} is not a list of shardings, one per result")) };
        list.iter().map(Sharding::from_attr).collect()
    }
}

impl fmt::Display for Sharding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{p}")?;
        }
        write!(f, "]")
    }
}

dialect_ops! {
    /// Ops of the `sharding` dialect (global view).
    pub enum ShardingOp in "sharding" {
        /// `annotate(x) {placement}`: `x` with a strategy's placement.
        Annotate = "annotate",
        /// `reshard(x) {from, to}`: the same value moved between placements.
        Reshard = "reshard",
    }
}

dialect_ops! {
    /// Ops of the `dist` dialect (local view, collectives on one mesh axis).
    pub enum DistOp in "dist" {
        /// `all_reduce(x…) {axis, size, op}`: P → R for every operand.
        AllReduce = "all_reduce",
        /// `all_gather(x) {axis, size, dim}`: S(dim) → R.
        AllGather = "all_gather",
        /// `reduce_scatter(x) {axis, size, dim}`: P(sum) → S(dim).
        ReduceScatter = "reduce_scatter",
        /// `shard_slice(x) {axis, size, dim}`: R → S(dim), local.
        ShardSlice = "shard_slice",
        /// `all_to_all(x) {axis, size, dim = 0}`: chunk j of `x` along `dim` to member j; the
        /// result's chunk i from member i.
        AllToAll = "all_to_all",
    }
}

const AXIS: crate::signature::AttrSpec = req("axis", AttrKind::Str);
const SIZE: crate::signature::AttrSpec = req("size", AttrKind::Int);
const DIM: crate::signature::AttrSpec = req("dim", AttrKind::Int);

impl ShardingOp {
    /// The signature of this op kind.
    pub fn info(self) -> OpInfo {
        match self {
            ShardingOp::Annotate => {
                OpInfo::new(Arity::Exactly(1), Arity::Exactly(1), const { &[req("placement", AttrKind::Sharding)] })
            }
            ShardingOp::Reshard => OpInfo::new(
                Arity::Exactly(1),
                Arity::Exactly(1),
                const { &[req("from", AttrKind::Sharding), req("to", AttrKind::Sharding)] },
            ),
        }
    }
}

impl DistOp {
    /// The signature of this op kind.
    pub fn info(self) -> OpInfo {
        match self {
            DistOp::AllReduce => {
                OpInfo::new(Arity::AtLeast(1), Arity::AtLeast(1), const { &[AXIS, SIZE, opt("op", AttrKind::Str)] })
            }
            DistOp::AllGather | DistOp::ReduceScatter | DistOp::ShardSlice => {
                OpInfo::new(Arity::Exactly(1), Arity::Exactly(1), const { &[AXIS, SIZE, DIM] })
            }
            DistOp::AllToAll => {
                OpInfo::new(Arity::Exactly(1), Arity::Exactly(1), const { &[AXIS, SIZE, opt("dim", AttrKind::Int)] })
            }
        }
    }
}

/// Result types of a `sharding` op: its operand's.
pub fn infer_sharding(op: ShardingOp, operands: &[&Type], attrs: &AttrMap) -> Result<Vec<Type>, String> {
    let t = operands[0].as_tensor();
    let check = |name: &str| -> Result<(), String> {
        let s = Sharding::of(attrs, name)?;
        for p in &s.0 {
            if let Placement::Shard(d) = p {
                if *d >= t.rank() {
                    return Err(format!("{name} {s} shards dim {d} of a rank-{} tensor", t.rank()));
                }
            }
        }
        Ok(())
    };
    match op {
        ShardingOp::Annotate => check("placement")?,
        ShardingOp::Reshard => {
            check("from")?;
            check("to")?;
        }
    }
    Ok(vec![operands[0].clone()])
}

/// Result types of a `dist` op, in the local view.
pub fn infer_dist(op: DistOp, operands: &[&Type], attrs: &AttrMap) -> Result<Vec<Type>, String> {
    let size = attrs.int("size").unwrap_or(0);
    if size < 1 {
        return Err(format!("size = {size} must be at least 1"));
    }
    let size = size as usize;
    if op == DistOp::AllReduce {
        if let Some(k) = attrs.str("op") {
            ReduceKind::from_name(k).ok_or_else(|| format!("op = \"{k}\" must be \"sum\" or \"max\""))?;
        }
        return Ok(operands.iter().map(|t| (*t).clone()).collect());
    }
    let t = operands[0].as_tensor();
    let dim = crate::graph::normalize_axis(attrs.int("dim").unwrap_or(0), t.rank())?;
    let mut shape = t.shape.clone();
    match op {
        DistOp::AllGather => shape[dim] *= size,
        DistOp::ReduceScatter => {
            if shape[dim] % size != 0 {
                return Err(format!(
                    "reduce_scatter of {} along dim {dim} over {size} ranks: {} does not divide by {size}",
                    shape_str(&t.shape),
                    shape[dim]
                ));
            }
            shape[dim] /= size
        }
        DistOp::ShardSlice => shape[dim] = shape[dim].div_ceil(size),
        DistOp::AllToAll => {
            if let Some(axis) = attrs.str("axis") {
                crate::mesh::GroupKind::parse(axis).map_err(|e| format!("axis: {e}"))?;
            }
            if shape[dim] % size != 0 {
                return Err(format!(
                    "all_to_all of {} along dim {dim} over {size} ranks: {} does not divide by {size}",
                    shape_str(&t.shape),
                    shape[dim]
                ));
            }
        }
        DistOp::AllReduce => unreachable!("handled above"),
    }
    Ok(vec![Type::Tensor(t.with_shape(shape))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_print_and_parse() {
        for s in ["[S(0), R]", "[P(sum), S(2)]", "[R]", "[P(max)]", "[]"] {
            assert_eq!(Sharding::parse(s).unwrap().to_string(), s);
        }
        assert!(Sharding::parse("S(0)").is_err());
        assert!(Placement::parse("S(x)").is_err());
        assert!(Placement::parse("P(mean)").is_err());
    }

    #[test]
    fn all_to_all_keeps_the_shape_and_needs_a_divisible_dim() {
        use crate::types::{DType, TensorType};
        let x = Type::Tensor(TensorType::new(vec![8, 6], DType::F32));
        let attrs = |dim: Option<i64>, size: i64| {
            let mut a = AttrMap::new().with("axis", Attr::Str("ep".into())).with("size", Attr::Int(size));
            if let Some(d) = dim {
                a.set("dim", Attr::Int(d));
            }
            a
        };
        for (dim, size) in [(None, 4), (Some(0), 8), (Some(1), 3), (Some(-1), 2), (Some(1), 1)] {
            assert_eq!(
                infer_dist(DistOp::AllToAll, &[&x], &attrs(dim, size)).unwrap(),
                vec![x.clone()],
                "{dim:?} {size}"
            );
        }
        let err = infer_dist(DistOp::AllToAll, &[&x], &attrs(Some(1), 4)).unwrap_err();
        assert!(err.contains("all_to_all of [8, 6] along dim 1 over 4 ranks: 6 does not divide by 4"), "{err}");
        let err = infer_dist(DistOp::AllToAll, &[&x], &attrs(None, 3)).unwrap_err();
        assert!(err.contains("8 does not divide by 3"), "{err}");
        let err = infer_dist(DistOp::AllToAll, &[&x], &attrs(Some(2), 2)).unwrap_err();
        assert!(err.contains("dim") || err.contains("axis"), "{err}");
        let bad = attrs(None, 2).with("axis", Attr::Str("xp".into()));
        let err = infer_dist(DistOp::AllToAll, &[&x], &bad).unwrap_err();
        assert!(err.contains("unknown mesh axis 'xp'"), "{err}");
        assert!(DistOp::AllToAll.info().attrs.iter().any(|a| a.name == "dim"));
    }
}
