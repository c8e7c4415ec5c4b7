//! The result of simulating a schedule ([`Timeline`]) and two renderings of it: Chrome
//! trace-event JSON ([`chrome_trace`], opens in Perfetto or `chrome://tracing`) and a small
//! self-contained SVG ([`svg`]).
//!
//! Both renderings are deterministic: the same timeline gives the same bytes.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::schedule::Action;

/// One action executed by one stage: it runs from `start` to `end` (in cost units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Time the action starts.
    pub start: f64,
    /// Time the action ends (`start` + its cost).
    pub end: f64,
    /// What runs.
    pub action: Action,
}

/// The simulated execution of one training step of a pipeline schedule
/// (see [`simulate`](super::schedule::simulate)).
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// Number of pipeline stages `p`.
    pub stages: usize,
    /// Number of micro-batches `m` per step.
    pub microbatches: usize,
    /// Number of virtual chunks `v` per stage (1 unless interleaved).
    pub chunks: usize,
    /// Per stage, the actions in execution order with their times.
    pub intervals: Vec<Vec<Interval>>,
    /// Time at which the last action of any stage ends (every stage starts at 0).
    pub makespan: f64,
    /// Per stage, the time it is not executing anything within `[0, makespan]`.
    pub idle: Vec<f64>,
    /// Per stage, the largest number of (micro-batch, chunk) pairs whose forward has run and whose
    /// backward (input-gradient part) has not: the activations the stage must hold at once.
    pub peak_in_flight: Vec<usize>,
    /// [`peak_in_flight`](Self::peak_in_flight) in units of full-stage micro-batches: pairs / `v`
    /// (a chunk holds 1/`v` of the stage's layers).
    pub peak_in_flight_microbatches: Vec<f64>,
}

impl Timeline {
    /// Time stage `stage` spends executing actions.
    pub fn busy(&self, stage: usize) -> f64 {
        self.intervals[stage].iter().map(|i| i.end - i.start).sum()
    }

    /// Fraction of the makespan stage `stage` is idle (the "bubble fraction" of that stage).
    pub fn idle_fraction(&self, stage: usize) -> f64 {
        if self.makespan > 0.0 {
            self.idle[stage] / self.makespan
        } else {
            0.0
        }
    }

    /// The largest idle time of any stage: the step's pipeline bubble.
    pub fn bubble(&self) -> f64 {
        self.idle.iter().copied().fold(0.0, f64::max)
    }
}

/// Converts a time in cost units to integer nanoseconds, so that rounded start and end times stay
/// ordered (events of one stage never overlap after rounding).
fn nanos(units: f64, micros_per_unit: f64) -> i64 {
    (units * micros_per_unit * 1000.0).round() as i64
}

/// The timeline as a Chrome trace-event JSON object (`{"traceEvents": [...]}`), readable by
/// Perfetto (<https://ui.perfetto.dev>) and `chrome://tracing`.
///
/// Every action is one complete event (`"ph": "X"`) with `pid` 0, `tid` = the stage index,
/// `ts`/`dur` in microseconds (a cost unit is `micros_per_unit` µs, rounded to the nanosecond), a
/// name such as `F3`, `B3`, `W3` (with a `.c1` chunk suffix when the timeline has more than one
/// chunk per stage) and `args` holding `mb`, `chunk` and the action `kind`. Events come stage by
/// stage in execution order. Before them, one metadata event (`"ph": "M"`, `thread_name`) per stage
/// names its row: `stage_names[stage]` when given, `stage N` otherwise (pass `&[]` for the
/// defaults); plus one `process_name` event naming the pipeline.
pub fn chrome_trace(t: &Timeline, stage_names: &[String], micros_per_unit: f64) -> Value {
    let mut events = Vec::new();
    events.push(json!({
        "ph": "M", "pid": 0, "tid": 0, "name": "process_name",
        "args": { "name": format!("pipeline p={} m={} v={}", t.stages, t.microbatches, t.chunks) },
    }));
    for stage in 0..t.stages {
        let name = stage_names.get(stage).cloned().unwrap_or_else(|| format!("stage {stage}"));
        events.push(json!({
            "ph": "M", "pid": 0, "tid": stage, "name": "thread_name", "args": { "name": name },
        }));
        events.push(json!({
            "ph": "M", "pid": 0, "tid": stage, "name": "thread_sort_index", "args": { "sort_index": stage },
        }));
    }
    for (stage, row) in t.intervals.iter().enumerate() {
        for iv in row {
            let start = nanos(iv.start, micros_per_unit);
            let end = nanos(iv.end, micros_per_unit);
            events.push(json!({
                "ph": "X",
                "pid": 0,
                "tid": stage,
                "name": iv.action.label(t.chunks),
                "cat": iv.action.kind_name(),
                "ts": start as f64 / 1000.0,
                "dur": (end - start) as f64 / 1000.0,
                "args": { "mb": iv.action.mb(), "chunk": iv.action.chunk(), "kind": iv.action.kind_name() },
            }));
        }
    }
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}

/// Fill colour of an action's box in [`svg`].
fn colour(a: Action) -> &'static str {
    match a {
        Action::Forward { .. } => "#4e79a7",
        Action::Backward { .. } | Action::BackwardInput { .. } => "#59a14f",
        Action::BackwardWeight { .. } => "#f28e2b",
    }
}

/// A small self-contained SVG picture of the timeline: one row per stage (stage 0 on top), one
/// box per action coloured by kind (forward blue, backward or its input-gradient part green,
/// weight-gradient part orange) and labelled like the trace events (`F3.c1`)
/// when the box is wide enough; a time axis marks the makespan.
pub fn svg(t: &Timeline) -> String {
    const LEFT: f64 = 70.0;
    const TOP: f64 = 10.0;
    const ROW: f64 = 24.0;
    const WIDTH: f64 = 960.0;
    let scale = if t.makespan > 0.0 { WIDTH / t.makespan } else { 1.0 };
    let height = TOP * 2.0 + ROW * t.stages as f64 + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" font-family="monospace" font-size="10">"#,
        LEFT + WIDTH + 10.0,
        height
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for (stage, row) in t.intervals.iter().enumerate() {
        let y = TOP + ROW * stage as f64;
        let _ = writeln!(s, r#"<text x="4" y="{:.2}">stage {stage}</text>"#, y + ROW / 2.0 + 4.0);
        for iv in row {
            let x = LEFT + iv.start * scale;
            let w = (iv.end - iv.start) * scale;
            let label = iv.action.label(t.chunks);
            let _ = writeln!(
                s,
                r#"<rect x="{x:.2}" y="{:.2}" width="{w:.2}" height="{:.2}" fill="{}" stroke="white" stroke-width="0.5"><title>{label} [{:.3}, {:.3})</title></rect>"#,
                y + 1.0,
                ROW - 2.0,
                colour(iv.action),
                iv.start,
                iv.end
            );
            if w >= 6.5 * label.len() as f64 + 2.0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.2}" y="{:.2}" text-anchor="middle" fill="white">{label}</text>"#,
                    x + w / 2.0,
                    y + ROW / 2.0 + 4.0
                );
            }
        }
    }
    let axis_y = TOP + ROW * t.stages as f64 + 4.0;
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT:.2}" y1="{axis_y:.2}" x2="{:.2}" y2="{axis_y:.2}" stroke="black"/>"#,
        LEFT + t.makespan * scale
    );
    let _ = writeln!(s, r#"<text x="{LEFT:.2}" y="{:.2}">0</text>"#, axis_y + 12.0);
    let _ = writeln!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="end">{}</text>"#,
        LEFT + t.makespan * scale,
        axis_y + 12.0,
        fmt_time(t.makespan)
    );
    s.push_str("</svg>\n");
    s
}

/// A time with at most 3 decimals and no trailing zeros.
fn fmt_time(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
