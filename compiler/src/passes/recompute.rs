//! Activation recomputation: which forward values the backward keeps, and which it computes again.
//!
//! `@forward_backward` is the forward ops, then the backward ops. The forward ops are the cone of
//! its first result (the loss, or a pipeline part's output activation); every other op is the
//! backward. A forward value that a backward op reads is *saved*: it stays alive from the forward
//! to the backward, which is what activation memory is. The policy (`training.recompute`) picks,
//! per forward value, whether the backward may read it (kept) or must compute it again:
//!
//! - `none`: every forward value is kept; nothing is recomputed.
//! - `selective` (Korthikanti et al. 2022): the attention core — QKᵀ, its scaling and the
//!   softmax, the ops the model builder tags `parc.attention_core` — is recomputed from the kept
//!   queries and keys; the products that grow with the square of the sequence are never saved.
//!   The weighted sum of the values is the output projection's input, kept as in their count.
//! - `full`: each transformer layer (the ops tagged `parc.layer = L`) keeps only what crosses its
//!   boundary — its input, its output, the parameters — and recomputes everything inside it. The
//!   embedding, the final norm, the head and the loss, which belong to no layer, keep theirs.
//!
//! A recomputed value gets a clone of its defining op (and, recursively, of the ops of its
//! recomputed operands), placed right before the first backward op that reads it; the backward
//! reads the clone. Each op is cloned at most once, so a layer's forward runs again once, at the
//! start of that layer's backward. Clones carry `parc.recomputed` and are the same op kinds on the
//! same kept inputs, so losses and parameters are bitwise those of `none`; the originals die at the
//! end of the forward, which is the memory saved. Pipeline stages cut the result at the same
//! boundary (`pipeline::lower`): the saved values are what a stage stashes per micro-batch.
//!
//! ```text
//! // recompute = "selective", in the backward of layer 0:
//! %l0.scores.re = "graph.matmul"(%l0.q, %l0.k) {parc.attention_core, parc.layer = 0 : i64, parc.recomputed, transpose_b = true} : …
//! ```

use parc_dialects::attr::Attr;
use parc_dialects::entity::SecondaryMap;
use parc_dialects::ir::{Function, Module, Op, Value};

use crate::frontend::Recompute;
use crate::passes::autodiff::FORWARD_BACKWARD;

/// The model builder's tag of every op of transformer layer `L` (`parc.layer = L`).
pub const LAYER: &str = "parc.layer";
/// The model builder's tag of the attention core's ops (QKᵀ, scaling, softmax).
pub const ATTENTION_CORE: &str = "parc.attention_core";
/// The tag of an op the backward recomputes.
pub const RECOMPUTED: &str = "parc.recomputed";
/// The model builder's tag of a MoE layer's forward dispatch, whose dropped (token, choice) pairs
/// the runtime counts per step (docs/moe.md); a recomputed copy does not carry it, so each pair is
/// counted once.
pub const COUNT_DROPS: &str = "parc.count_drops";

/// Applies `policy` to the module's `@forward_backward`.
pub fn run(module: &mut Module, policy: Recompute) -> Result<(), String> {
    let f = module
        .function_mut(FORWARD_BACKWARD)
        .ok_or("the recompute pass needs @forward_backward (run autodiff first)")?;
    apply(f, policy).map(|_| ())
}

/// The forward ops of a function whose first result ends the forward pass: the cone of that
/// result (every op it transitively depends on), as a per-op flag.
pub fn forward_ops(f: &Function) -> Result<SecondaryMap<Op, bool>, String> {
    if f.result_types.is_empty() {
        return Err("a function without results has no forward pass".into());
    }
    cone(f, &[0])
}

/// Every op that the results `results` (by index) of `f` transitively depend on, as a flag per op.
pub fn cone(f: &Function, results: &[usize]) -> Result<SecondaryMap<Op, bool>, String> {
    let ret = *f.blocks[f.entry_block()].ops.last().ok_or("empty function")?;
    let mut stack = Vec::new();
    for &k in results {
        stack.push(*f.ops[ret].operands.get(k).ok_or("no such result")?);
    }
    let mut forward: SecondaryMap<Op, bool> = SecondaryMap::new();
    while let Some(v) = stack.pop() {
        if let Some(op) = f.defining_op(v) {
            if !forward[op] {
                forward[op] = true;
                stack.extend(f.ops[op].operands.iter().copied());
            }
        }
    }
    Ok(forward)
}

/// Applies `policy` to `f` and returns how many ops it cloned into the backward.
pub fn apply(f: &mut Function, policy: Recompute) -> Result<usize, String> {
    if policy == Recompute::None {
        return Ok(0);
    }
    let entry = f.entry_block();
    let layout = f.blocks[entry].ops.clone();
    let ret = *layout.last().ok_or("empty function")?;
    let forward = forward_ops(f)?;
    // The layer of each forward op, and whether a forward value is read outside its layer.
    let layer_of = |f: &Function, op: Op| f.ops[op].attrs.int(LAYER);
    let mut crosses: SecondaryMap<Value, bool> = SecondaryMap::new();
    for &op in &layout {
        let backward_read = op != ret && !forward[op];
        let user_layer = if op == ret || backward_read { None } else { layer_of(f, op) };
        for &v in &f.ops[op].operands {
            if let Some(def) = f.defining_op(v).filter(|&d| forward[d]) {
                // The backward's reads do not make a value cross; the return and other layers do.
                if !backward_read && layer_of(f, def) != user_layer {
                    crosses[v] = true;
                }
            }
        }
    }
    recompute_where(f, &forward, &|f: &Function, def: Op, v: Value| match policy {
        Recompute::None => false,
        Recompute::Selective => f.ops[def].attrs.get(ATTENTION_CORE).is_some(),
        Recompute::Full => layer_of(f, def).is_some() && !crosses[v],
    })
}

/// Sequence parallelism's activations as Korthikanti et al. keep them: every activation the
/// forward all-gathers over `tp` (a LayerNorm output, gathered before a column-parallel linear)
/// and the backward reads again is gathered again in the backward, so only the rank's sequence
/// shard stays alive. Runs on a rank's partitioned `@forward_backward`; the gathered copies carry
/// `parc.recomputed`. Every tp rank runs the same program, so the extra gathers match.
pub fn regather(f: &mut Function) -> Result<usize, String> {
    let forward = forward_ops(f)?;
    recompute_where(f, &forward, &|f: &Function, def: Op, _| {
        f.ops[def].kind == parc_dialects::ir::OpKind::Dist(parc_dialects::dist::DistOp::AllGather)
            && f.ops[def].attrs.str("axis") == Some("tp")
    })
}

/// Clones, into the backward of `f`, every forward value `recompute(f, defining op, value)`
/// selects (and, recursively, the selected values it is computed from), each right before its
/// first backward reader; returns how many ops it cloned.
fn recompute_where(
    f: &mut Function,
    forward: &SecondaryMap<Op, bool>,
    recompute: &dyn Fn(&Function, Op, Value) -> bool,
) -> Result<usize, String> {
    let entry = f.entry_block();
    let layout = f.blocks[entry].ops.clone();
    let ret = *layout.last().ok_or("empty function")?;
    let recomputed = |f: &Function, v: Value| -> bool {
        f.defining_op(v).filter(|&d| forward[d]).is_some_and(|d| recompute(f, d, v))
    };
    let mut clone_of: SecondaryMap<Op, Option<Op>> = SecondaryMap::new();
    let mut new_layout: Vec<Op> = Vec::with_capacity(layout.len());
    let mut cloned = 0usize;
    for &op in &layout {
        if op != ret && !forward[op] {
            let operands = f.ops[op].operands.clone();
            for (i, v) in operands.into_iter().enumerate() {
                if recomputed(f, v) {
                    let r = materialize(f, v, &recomputed, &mut clone_of, &mut new_layout, &mut cloned)?;
                    f.ops[op].operands[i] = r;
                }
            }
        }
        new_layout.push(op);
    }
    f.blocks[entry].ops = new_layout;
    Ok(cloned)
}

/// The value that stands for forward value `v` in the backward: `v`'s clone, created (with the
/// clones of its recomputed operands first) at the end of `layout` if it does not exist yet.
fn materialize(
    f: &mut Function,
    v: Value,
    recomputed: &dyn Fn(&Function, Value) -> bool,
    clone_of: &mut SecondaryMap<Op, Option<Op>>,
    layout: &mut Vec<Op>,
    cloned: &mut usize,
) -> Result<Value, String> {
    let op = f.defining_op(v).ok_or("only op results are recomputed")?;
    let index = f.ops[op].results.iter().position(|&r| r == v).ok_or("a value is not among its op's results")?;
    if let Some(&c) = clone_of.get(op) {
        return Ok(f.ops[c].results[index]);
    }
    if !f.ops[op].regions.is_empty() {
        return Err(format!("cannot recompute '{}': it has regions", f.ops[op].kind.name()));
    }
    let mut operands = f.ops[op].operands.clone();
    for o in operands.iter_mut() {
        if recomputed(f, *o) {
            *o = materialize(f, *o, recomputed, clone_of, layout, cloned)?;
        }
    }
    let data = &f.ops[op];
    let (kind, mut attrs) = (data.kind, data.attrs.clone());
    attrs.set(RECOMPUTED, Attr::Unit);
    attrs.remove(COUNT_DROPS);
    let results = data.results.clone();
    let types: Vec<_> = results.iter().map(|&r| f.value_type(r).clone()).collect();
    let block = f.entry_block();
    let c = f.append_op(block, kind, operands, attrs, types);
    // `append_op` put it at the end of the block; the caller's layout decides where it runs.
    f.blocks[block].ops.pop();
    for (k, &r) in results.iter().enumerate() {
        if let Some(name) = f.values[r].name.clone() {
            let nr = f.ops[c].results[k];
            f.set_name(nr, format!("{name}.re"));
        }
    }
    clone_of.insert(op, c);
    layout.push(c);
    *cloned += 1;
    Ok(f.ops[c].results[index])
}

/// `attrs` without the recomputation tags (they describe the graph, not the kernel).
pub fn without_tags(attrs: &parc_dialects::attr::AttrMap) -> parc_dialects::attr::AttrMap {
    let mut a = attrs.clone();
    for key in [LAYER, ATTENTION_CORE, RECOMPUTED] {
        a.remove(key);
    }
    a
}
