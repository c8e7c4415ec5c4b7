//! The static memory plan of a rank's exec program: every buffer gets a byte offset in the rank's
//! single arena, so the runtime allocates the arena once and the peak is known before launch.
//!
//! Layout: the persistent tensors of `exec.tensors` first, in table order; then the transient
//! region, shared by all functions (they never run at the same time). Inside a function, a
//! transient buffer (`exec.view`, with every `exec.reshape` of it) lives from the first op that
//! uses it to the last; buffers whose lifetimes overlap get disjoint bytes. Offsets are assigned
//! largest buffer first, each at the lowest offset that does not overlap a live placed buffer
//! (greedy best-fit by size, as in TensorFlow's and XLA's heap simulators). Every buffer starts at
//! a multiple of [`ALIGN`] bytes.
//!
//! The plan is recorded in the module: `offset` in each `exec.tensors` entry and each
//! `exec.view`, and the module attribute `exec.memory` with bytes per category. Activations are
//! the transient bytes of `@forward_backward` live across the op that writes the loss (saved by
//! the forward pass for the backward pass); temporaries are the other transient bytes, both
//! counted at the moment of that function's transient peak.
//!
//! ```text
//! %l0.attn_in = "exec.view"() {offset = -1 : i64} …   →   %l0.attn_in = "exec.view"() {offset = 450816 : i64} …
//! ```

use std::collections::HashMap;

use parc_dialects::entity::SecondaryMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Function, Module, Op, OpKind, Value};

/// Alignment of every buffer, in bytes.
pub const ALIGN: u64 = 256;

fn align(x: u64) -> u64 {
    x.div_ceil(ALIGN) * ALIGN
}

/// Assigns every offset of the module's exec program and records `exec.memory`.
pub fn run(module: &mut Module) -> Result<(), String> {
    let Some(Attr::Array(table)) = module.attrs.get("exec.tensors").cloned() else {
        return Err("the memory plan needs an exec program (run lower-exec first)".into());
    };
    let mut persistent = 0u64;
    let mut by_role: HashMap<String, u64> = HashMap::new();
    let mut offsets: HashMap<String, u64> = HashMap::new();
    let mut new_table = Vec::with_capacity(table.len());
    for entry in table {
        let Attr::Dict(mut d) = entry else { return Err("exec.tensors entries must be dictionaries".into()) };
        let name = d.str("name").ok_or("exec.tensors entry without a name")?.to_string();
        let bytes = entry_bytes(&d)?;
        offsets.insert(name.clone(), persistent);
        d.set("offset", Attr::Int(persistent as i64));
        // A pipeline stage's stashed inputs (held from a micro-batch's forward to its backward)
        // are counted on their own.
        let category = if name.starts_with("stash.") { "stash" } else { d.str("role").unwrap_or("?") };
        *by_role.entry(category.to_string()).or_default() += bytes;
        persistent = align(persistent + bytes);
        new_table.push(Attr::Dict(d));
    }
    module.attrs.set("exec.tensors", Attr::Array(new_table));

    let mut transient = 0u64;
    let (mut activations, mut temporaries) = (0u64, 0u64);
    for func in &mut module.functions {
        let plan = plan_function(func)?;
        for (op, offset) in plan.offsets.iter().filter_map(|(op, o)| Some((op, (*o)?))) {
            func.ops[op].attrs.set("offset", Attr::Int((persistent + offset) as i64));
        }
        transient = transient.max(plan.size);
        // One micro-batch's forward and backward (each chunk's, in a pipeline stage's program,
        // where they are separate functions and the saved activations are stashed tensors).
        let micro_batch_work = func.name.starts_with("forward") || func.name.starts_with("backward");
        if micro_batch_work && plan.activations_at_peak + plan.temporaries_at_peak > activations + temporaries {
            activations = plan.activations_at_peak;
            temporaries = plan.temporaries_at_peak;
        }
    }
    let role = |r: &str| by_role.get(r).copied().unwrap_or(0) as i64;
    let memory = AttrMap::new()
        .with("arena", Attr::Int((persistent + transient) as i64))
        .with("parameters", Attr::Int(role("param")))
        .with("gradients", Attr::Int(role("grad")))
        .with("optimizer_state", Attr::Int(role("state")))
        .with("inputs", Attr::Int(role("input")))
        .with("outputs", Attr::Int(role("output")))
        .with("stash", Attr::Int(role("stash")))
        .with("persistent", Attr::Int(persistent as i64))
        .with("transient", Attr::Int(transient as i64))
        .with("activations", Attr::Int(activations as i64))
        .with("temporaries", Attr::Int(temporaries as i64));
    module.attrs.set("exec.memory", Attr::Dict(memory));
    Ok(())
}

fn entry_bytes(d: &AttrMap) -> Result<u64, String> {
    let shape = d.ints("shape").ok_or("exec.tensors entry without a shape")?;
    let dtype = d.str("dtype").and_then(parc_dialects::DType::from_name).ok_or("exec.tensors entry without a dtype")?;
    Ok(shape.iter().map(|&x| x as u64).product::<u64>() * dtype.size_bytes())
}

struct FunctionPlan {
    /// `exec.view` op → offset inside the transient region.
    offsets: SecondaryMap<Op, Option<u64>>,
    size: u64,
    activations_at_peak: u64,
    temporaries_at_peak: u64,
}

struct Interval {
    view: Op,
    bytes: u64,
    start: usize,
    end: usize,
}

fn plan_function(func: &Function) -> Result<FunctionPlan, String> {
    let entry = func.entry_block();
    let ops = &func.blocks[entry].ops;
    // Each memref value's root buffer: an exec.view op (transient) or none (persistent).
    let mut root: SecondaryMap<Value, Option<Op>> = SecondaryMap::new();
    let mut intervals: Vec<Interval> = Vec::new();
    let mut index_of: SecondaryMap<Op, Option<usize>> = SecondaryMap::new();
    let mut loss_writer = None;
    for (i, &op) in ops.iter().enumerate() {
        let data = &func.ops[op];
        match data.kind {
            OpKind::Exec(ExecOp::View) => {
                let bytes = func.value_type(data.results[0]).as_tensor().size_bytes();
                root.insert(data.results[0], op);
                index_of.insert(op, intervals.len());
                intervals.push(Interval { view: op, bytes, start: usize::MAX, end: 0 });
            }
            OpKind::Exec(ExecOp::Reshape) => {
                if let Some(&r) = root.get(data.operands[0]) {
                    root.insert(data.results[0], r);
                }
            }
            OpKind::Exec(ExecOp::Tensor) => {
                // The loss ends the forward pass.
                if data.attrs.str("name") == Some("loss") {
                    loss_writer = Some(data.results[0]);
                }
            }
            _ => {
                for v in &data.operands {
                    if let Some(&r) = root.get(*v) {
                        let it = &mut intervals[*index_of.at(r)];
                        it.start = it.start.min(i);
                        it.end = it.end.max(i);
                    }
                }
            }
        }
    }
    // The op that writes the loss: the boundary between the forward and the backward pass.
    let boundary = loss_writer.and_then(|loss| {
        ops.iter().position(|&op| {
            !matches!(func.ops[op].kind, OpKind::Exec(ExecOp::Tensor)) && func.ops[op].operands.contains(&loss)
        })
    });
    intervals.retain(|it| it.start != usize::MAX);
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(intervals[i].bytes), intervals[i].start));
    let mut placed: Vec<(usize, u64)> = Vec::new();
    let mut offsets = SecondaryMap::new();
    let mut size = 0u64;
    for i in order {
        let it = &intervals[i];
        // Live placed buffers, by offset; the candidate slides past each one it collides with.
        let mut busy: Vec<(u64, u64)> = placed
            .iter()
            .filter(|&&(j, _)| intervals[j].start <= it.end && it.start <= intervals[j].end)
            .map(|&(j, off)| (off, off + align(intervals[j].bytes)))
            .collect();
        busy.sort_unstable();
        let mut offset = 0u64;
        for (lo, hi) in busy {
            if offset + align(it.bytes) <= lo {
                break;
            }
            offset = offset.max(hi);
        }
        placed.push((i, offset));
        offsets.insert(it.view, offset);
        size = size.max(offset + align(it.bytes));
    }
    // Live bytes after each op (a sweep over start/end events); the peak split into activations
    // (buffers live across the forward/backward boundary) and temporaries.
    let mut events: Vec<(usize, bool, u64, bool)> = Vec::with_capacity(2 * intervals.len());
    for it in &intervals {
        let saved = boundary.is_some_and(|b| it.start <= b && b < it.end);
        // Starts sort before ends at the same op: both buffers are live during that op.
        events.push((it.start, false, align(it.bytes), saved));
        events.push((it.end, true, align(it.bytes), saved));
    }
    events.sort_unstable_by_key(|&(t, is_end, _, _)| (t, is_end));
    let (mut act, mut tmp) = (0u64, 0u64);
    let (mut activations_at_peak, mut temporaries_at_peak) = (0u64, 0u64);
    for (_, is_end, bytes, saved) in events {
        let slot = if saved { &mut act } else { &mut tmp };
        if is_end {
            *slot -= bytes;
        } else {
            *slot += bytes;
            if act + tmp > activations_at_peak + temporaries_at_peak {
                (activations_at_peak, temporaries_at_peak) = (act, tmp);
            }
        }
    }
    Ok(FunctionPlan { offsets, size, activations_at_peak, temporaries_at_peak })
}

/// The transient region each function of a planned module needs (its own greedy plan), by name.
/// The module's transient region is the largest of these.
pub fn function_sizes(module: &Module) -> Result<Vec<(String, u64)>, String> {
    module.functions.iter().map(|f| Ok((f.name.clone(), plan_function(f)?.size))).collect()
}

/// The persistent tensors of a module's exec program: name, role, aligned bytes and bytes, in
/// table order. The persistent region is the sum of the aligned bytes.
pub fn persistent_entries(module: &Module) -> Result<Vec<(String, String, u64, u64)>, String> {
    let Some(Attr::Array(table)) = module.attrs.get("exec.tensors") else {
        return Err("the memory plan needs an exec program (run lower-exec first)".into());
    };
    table
        .iter()
        .map(|entry| {
            let Attr::Dict(d) = entry else { return Err("exec.tensors entries must be dictionaries".to_string()) };
            let name = d.str("name").ok_or("exec.tensors entry without a name")?.to_string();
            let role = d.str("role").unwrap_or("?").to_string();
            let bytes = entry_bytes(d)?;
            Ok((name, role, align(bytes), bytes))
        })
        .collect()
}
