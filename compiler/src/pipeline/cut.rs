//! Cutting a function in two at a set of its results: what a pipeline stage does to a chunk's
//! `@forward_backward` to run its forward and its backward at different times (and to ZB-H1's
//! backward, whose weight-gradient pass runs later than its input-gradient pass).
//!
//! The *head* computes the chosen results: the cone of ops they depend on. The *tail* computes the
//! other results from the function's arguments and the values that cross the cut: head values the
//! tail reads, and the arguments the caller names volatile (buffers that hold another micro-batch
//! by the time the tail runs, such as a received activation). The head returns its results, then
//! the crossing head values; the tail takes the function's arguments, then one argument per
//! crossing value. What crosses is exactly what the program must keep between the two calls: a
//! stage's saved activations, or ZB-H1's stashed gradients.

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::entity::SecondaryMap;
use parc_dialects::ir::{Function, OpKind, Value};

use crate::passes::dce;
use crate::passes::recompute::cone;

/// A value that crosses the cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// A value the head computes: its next extra result (after the chosen results).
    Value,
    /// The function's argument at this index (a volatile one).
    Arg(usize),
}

/// The two halves of a function.
pub struct Cut {
    /// Returns the chosen results, then the crossing head values (`Crossing::Value`, in order).
    pub head: Function,
    /// Takes the function's arguments, then one per crossing entry; returns the other results.
    pub tail: Function,
    /// What crosses, in the order of the tail's extra arguments.
    pub crossing: Vec<Crossing>,
    /// The function's results the tail returns, by index, in order.
    pub tail_results: Vec<usize>,
}

/// Cuts `f` so that `head` computes the results `head_results` (indices into `f`'s results) and
/// `tail` the others. `volatile` are argument indices the tail must not read from the
/// function's own argument buffers. Crossing arguments of the tail carry `parc.crossing = i`.
pub fn cut(
    f: &Function,
    head_results: &[usize],
    volatile: &[usize],
    head_name: &str,
    tail_name: &str,
) -> Result<Cut, String> {
    let entry = f.entry_block();
    let layout = &f.blocks[entry].ops;
    let ret = *layout.last().ok_or("empty function")?;
    let in_head = cone(f, head_results)?;
    let tail_results: Vec<usize> = (0..f.result_types.len()).filter(|k| !head_results.contains(k)).collect();
    // What the tail reads from the head (and from volatile arguments), in first-read order.
    let mut crossing_values: Vec<Value> = Vec::new();
    let mut seen: SecondaryMap<Value, bool> = SecondaryMap::new();
    let mut read = |v: Value, seen: &mut SecondaryMap<Value, bool>| {
        let from_head = f.defining_op(v).is_some_and(|op| in_head[op]);
        let volatile_arg = f.arg_index(v).is_some_and(|i| volatile.contains(&i));
        if (from_head || volatile_arg) && !seen[v] {
            seen[v] = true;
            crossing_values.push(v);
        }
    };
    for &op in layout.iter().filter(|&&op| op != ret && !in_head[op]) {
        for &v in &f.ops[op].operands {
            read(v, &mut seen);
        }
    }
    for &k in &tail_results {
        read(f.ops[ret].operands[k], &mut seen);
    }
    let mut crossing = Vec::with_capacity(crossing_values.len());
    let mut head_extra = Vec::new();
    for &v in &crossing_values {
        match f.arg_index(v) {
            Some(i) => crossing.push(Crossing::Arg(i)),
            None => {
                crossing.push(Crossing::Value);
                head_extra.push(v);
            }
        }
    }

    // The head: the chosen results and the crossing values, dead code removed.
    let mut head = f.clone();
    head.name = head_name.to_string();
    let mut outs: Vec<Value> = head_results.iter().map(|&k| f.ops[ret].operands[k]).collect();
    outs.extend(head_extra.iter().copied());
    head.result_types = outs.iter().map(|&v| f.value_type(v).clone()).collect();
    head.ops[ret].operands = outs;
    let head = without_dead_code(head);

    // The tail: every crossing value becomes an argument; the head's ops then die.
    let mut tail = f.clone();
    tail.name = tail_name.to_string();
    for (i, &v) in crossing_values.iter().enumerate() {
        let ty = f.value_type(v).clone();
        let name = f.values[v].name.clone();
        let a = tail.add_block_arg(entry, ty, name);
        tail.arg_attrs.push(AttrMap::new().with("parc.crossing", Attr::Int(i as i64)));
        tail.replace_all_uses(v, a);
    }
    let outs: Vec<Value> = tail_results.iter().map(|&k| tail.ops[ret].operands[k]).collect();
    tail.result_types = outs.iter().map(|&v| tail.value_type(v).clone()).collect();
    tail.ops[ret].operands = outs;
    let tail = without_dead_code(tail);
    Ok(Cut { head, tail, crossing, tail_results })
}

/// `f` without the ops none of whose results is used. Unlike the `dce` pass this also drops
/// unused `dist` collectives: every rank of a stage runs the same program and cuts it the same
/// way, so a collective no rank needs is dropped by all of its group.
fn without_dead_code(mut f: Function) -> Function {
    dce::remove_dead(&mut f, |data| {
        matches!(data.kind, OpKind::Graph(_) | OpKind::Dist(_)) && data.regions.is_empty() && !data.results.is_empty()
    });
    f
}
