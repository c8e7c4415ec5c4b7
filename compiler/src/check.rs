//! `parc check`: runs every rank's program symbolically and proves that the ranks cannot hang or
//! exchange mismatched data: every collective is issued by every member of its group in the same
//! order with the same kind, size, element type and reduction (and, for an all-to-all, the same
//! dim and chunk per peer), and every send has a matching receive (same size and type, same
//! queue), with no cycle of waits.
//!
//! It works on the structured programs, so it stays fast: `@train_step` and the functions it
//! calls are flattened into each program's sequence of communication events once. Ranks of one
//! pipeline stage run the same program, so their collectives on `dp`, `tp`, `ep` and `edp` are
//! issued in the same order by construction; what the check must prove is that the group sizes are the mesh's
//! and that the stages fit together: one column of the mesh (one rank per stage, equal dp and tp
//! coordinates; every column runs the same programs) is simulated with blocking receives, FIFO
//! queues per (source, destination, tag) and collectives on the `pp` axes that complete when every
//! stage reaches them.

use std::collections::{HashMap, VecDeque};

use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Module, OpKind};
use parc_dialects::types::TensorType;

use crate::mesh::{Axis, Coords, GroupKind, Mesh};

/// One communication event of a program.
#[derive(Clone, Debug, PartialEq)]
struct Event {
    op: ExecOp,
    axis: GroupKind,
    size: i64,
    shift: i64,
    tag: i64,
    reduce: String,
    /// The split dim of an all-to-all (its chunks are what each peer receives).
    dim: i64,
    /// Element count and type of each buffer.
    buffers: Vec<(u64, String)>,
    /// Where: the function and the instruction's index in it.
    at: String,
}

impl Event {
    fn describe(&self) -> String {
        let bufs: Vec<String> = self.buffers.iter().map(|(n, t)| format!("{n} {t}")).collect();
        let what = match self.op {
            ExecOp::Send | ExecOp::Recv => format!("{} (tag {}, shift {:+})", self.op.name(), self.tag, self.shift),
            ExecOp::AllReduce => format!("{}({})", self.op.name(), self.reduce),
            ExecOp::AllToAll => {
                let per_peer = match self.buffers.first() {
                    Some((n, t)) if self.size > 0 => format!(", {} {t} per peer", n / self.size as u64),
                    _ => String::new(),
                };
                format!("{}(dim {}{per_peer})", self.op.name(), self.dim)
            }
            _ => self.op.name().to_string(),
        };
        format!("{what} on {} of [{}] at {}", self.axis, bufs.join(", "), self.at)
    }

    fn same_collective(&self, other: &Event) -> bool {
        self.op == other.op
            && self.axis == other.axis
            && self.buffers == other.buffers
            && self.reduce == other.reduce
            && self.dim == other.dim
    }
}

/// What the check covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    pub ranks: usize,
    pub programs: usize,
    /// Communication events per step over all programs.
    pub events: usize,
    /// Messages between stages per step in one column of the mesh.
    pub messages: usize,
    /// Collectives on the pipeline axes matched across stages per step, in one column.
    pub stage_collectives: usize,
}

/// A program's communication, flattened from `@train_step` through its calls: every event's
/// count, and the events on the pipeline axes in order. Each function is scanned once, however
/// often it is called (the schedule calls a chunk's functions once per micro-batch).
struct Stream {
    /// Events on `dp`, `tp`, `ep` and `edp` (checked once per function: same program, same order).
    local: Vec<Event>,
    /// Events on `pp` and `pp_ends`, in execution order.
    pipeline: Vec<Event>,
    /// Communication events per step.
    count: usize,
}

fn stream_of(module: &Module) -> Result<Stream, String> {
    struct Flat {
        pipeline: Vec<Event>,
        count: usize,
    }
    fn flat(
        module: &Module,
        name: &str,
        depth: usize,
        memo: &mut HashMap<String, std::rc::Rc<Flat>>,
        local: &mut Vec<Event>,
    ) -> Result<std::rc::Rc<Flat>, String> {
        if let Some(f) = memo.get(name) {
            return Ok(f.clone());
        }
        let f = module.function(name).ok_or_else(|| format!("no function @{name}"))?;
        if depth > 16 {
            return Err(format!("@{name}: calls nest more than 16 deep"));
        }
        let mut out = Flat { pipeline: Vec::new(), count: 0 };
        for (i, &op) in f.blocks[f.entry_block()].ops.iter().enumerate() {
            let data = &f.ops[op];
            let OpKind::Exec(kind) = data.kind else { continue };
            match kind {
                ExecOp::Call => {
                    let callee = flat(module, data.attrs.str("callee").unwrap_or(""), depth + 1, memo, local)?;
                    out.pipeline.extend(callee.pipeline.iter().cloned());
                    out.count += callee.count;
                }
                ExecOp::AllReduce
                | ExecOp::AllGather
                | ExecOp::ReduceScatter
                | ExecOp::AllToAll
                | ExecOp::Send
                | ExecOp::Recv => {
                    let t = |v| -> TensorType { f.value_type(v).as_tensor().clone() };
                    let buffers = data.operands.iter().map(|&v| (t(v).num_elements(), t(v).dtype.name().to_string()));
                    let e = Event {
                        op: kind,
                        axis: GroupKind::parse(data.attrs.str("axis").unwrap_or(""))
                            .map_err(|e| format!("@{name} #{i}: {e}"))?,
                        size: data.attrs.int("size").unwrap_or(0),
                        shift: data.attrs.int("shift").unwrap_or(0),
                        tag: data.attrs.int("tag").unwrap_or(0),
                        reduce: data.attrs.str("op").unwrap_or("sum").to_string(),
                        dim: if kind == ExecOp::AllToAll {
                            // Normalized, so that -1 and the last dim compare equal.
                            let rank = f.value_type(data.operands[0]).as_tensor().rank();
                            parc_dialects::graph::normalize_axis(data.attrs.int("dim").unwrap_or(0), rank)
                                .map_err(|e| format!("@{name} #{i}: dim: {e}"))? as i64
                        } else {
                            0
                        },
                        buffers: match kind {
                            // What travels: the input of a gather, a scatter or an exchange.
                            ExecOp::AllGather | ExecOp::ReduceScatter | ExecOp::AllToAll => buffers.take(1).collect(),
                            _ => buffers.collect(),
                        },
                        at: format!("@{name} #{i}"),
                    };
                    out.count += 1;
                    if matches!(e.axis, GroupKind::Axis(Axis::Pp) | GroupKind::PipelineEnds) {
                        out.pipeline.push(e);
                    } else {
                        local.push(e);
                    }
                }
                _ => {}
            }
        }
        let out = std::rc::Rc::new(out);
        memo.insert(name.to_string(), out.clone());
        Ok(out)
    }
    let mut memo = HashMap::new();
    let mut local = Vec::new();
    let top = flat(module, "train_step", 0, &mut memo, &mut local)?;
    Ok(Stream { local, pipeline: top.pipeline.clone(), count: top.count })
}

/// Checks the programs of `mesh`: one program every rank runs, or one per pipeline stage.
pub fn check(programs: &[Module], mesh: &Mesh) -> Result<CheckReport, String> {
    let p = mesh.pp;
    if programs.len() != p && !(programs.len() == 1 && p == 1) {
        return Err(format!("the mesh has {p} pipeline stage(s) but {} program(s) were given", programs.len()));
    }
    let streams: Vec<Stream> = programs.iter().map(stream_of).collect::<Result<_, _>>()?;
    // Group sizes must be the mesh's, and an all-to-all's dim must split into one equal chunk
    // per member.
    for (s, stream) in streams.iter().enumerate() {
        for e in stream.local.iter().chain(&stream.pipeline) {
            let want = mesh.group_size(e.axis);
            if e.size != want as i64 {
                let what = if matches!(e.axis, GroupKind::Axis(_)) { "axis" } else { "group" };
                return Err(format!(
                    "stage {s}: {} says the group has {} ranks, the mesh's {} {what} has {want}",
                    e.describe(),
                    e.size,
                    e.axis
                ));
            }
            if e.op == ExecOp::AllToAll {
                let (elements, _) = e.buffers.first().cloned().unwrap_or_default();
                if want == 0 || elements % want as u64 != 0 {
                    return Err(format!(
                        "stage {s}: {} exchanges {elements} elements, which do not split into {want} equal chunks",
                        e.describe()
                    ));
                }
            }
        }
    }
    // One column: stage s is the rank with pp coordinate s (its global rank for messages).
    let rank_of = |s: usize| mesh.rank(Coords { dp: 0, pp: s, tp: 0, ep: 0 });
    let between: Vec<Vec<&Event>> = streams.iter().map(|s| s.pipeline.iter().collect()).collect();
    let mut cursor = vec![0usize; p];
    let mut queues: HashMap<(usize, usize, i64), VecDeque<&Event>> = HashMap::new();
    let (mut messages, mut stage_collectives) = (0, 0);
    loop {
        let mut progress = false;
        for s in 0..p {
            while let Some(&e) = between[s].get(cursor[s]) {
                match e.op {
                    ExecOp::Send => {
                        let dst = (s as i64 + e.shift).rem_euclid(p as i64) as usize;
                        queues.entry((s, dst, e.tag)).or_default().push_back(e);
                        messages += 1;
                    }
                    ExecOp::Recv => {
                        let src = (s as i64 + e.shift).rem_euclid(p as i64) as usize;
                        let Some(sent) = queues.get_mut(&(src, s, e.tag)).and_then(|q| q.pop_front()) else { break };
                        if sent.buffers != e.buffers {
                            return Err(format!(
                                "rank {} (stage {src}) sends {} but rank {} (stage {s}) receives it as {}",
                                rank_of(src),
                                sent.describe(),
                                rank_of(s),
                                e.describe()
                            ));
                        }
                    }
                    _ => {
                        // A collective on pp (every stage) or pp_ends (the first and the last).
                        let members: Vec<usize> =
                            if e.axis == GroupKind::Axis(Axis::Pp) { (0..p).collect() } else { vec![0, p - 1] };
                        if !members.contains(&s) {
                            return Err(format!("stage {s} issues {}, but it is not in that group", e.describe()));
                        }
                        let at_collective =
                            |x: &&Event| !matches!(x.op, ExecOp::Send | ExecOp::Recv) && x.axis == e.axis;
                        let ready = members.iter().all(|&m| between[m].get(cursor[m]).is_some_and(at_collective));
                        if !ready {
                            break;
                        }
                        for &m in &members {
                            let other = between[m][cursor[m]];
                            if !other.same_collective(e) {
                                return Err(format!(
                                    "collective mismatch on {}: rank {} (stage {s}) issues {}, rank {} (stage {m}) issues {}",
                                    e.axis,
                                    rank_of(s),
                                    e.describe(),
                                    rank_of(m),
                                    other.describe()
                                ));
                            }
                        }
                        for &m in &members {
                            if m != s {
                                cursor[m] += 1;
                            }
                        }
                        stage_collectives += 1;
                    }
                }
                cursor[s] += 1;
                progress = true;
            }
        }
        if (0..p).all(|s| cursor[s] == between[s].len()) {
            break;
        }
        if !progress {
            let waits: Vec<String> = (0..p)
                .filter_map(|s| {
                    between[s]
                        .get(cursor[s])
                        .map(|e| format!("rank {} (stage {s}) waits at {}", rank_of(s), e.describe()))
                })
                .collect();
            let done: Vec<String> =
                (0..p).filter(|&s| cursor[s] == between[s].len()).map(|s| format!("stage {s}")).collect();
            return Err(format!(
                "the stages would hang: {}{}",
                waits.join("; "),
                if done.is_empty() { String::new() } else { format!("; finished: {}", done.join(", ")) }
            ));
        }
    }
    if let Some(((src, dst, tag), q)) = queues.iter().find(|(_, q)| !q.is_empty()) {
        return Err(format!(
            "rank {} (stage {src}) sends {} to stage {dst} (tag {tag}), which never receives it",
            rank_of(*src),
            q[0].describe()
        ));
    }
    Ok(CheckReport {
        ranks: mesh.world_size(),
        programs: programs.len(),
        events: streams.iter().map(|s| s.count).sum(),
        messages,
        stage_collectives,
    })
}
