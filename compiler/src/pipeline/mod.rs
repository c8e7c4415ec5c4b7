//! Pipeline parallelism: which layers each stage runs, in which order each stage runs its
//! micro-batches, and what that costs. Pure functions of a few integers and costs; nothing here
//! touches the IR.
//!
//! - [`stages`](mod@stages) splits the model's layers into `p · v` contiguous parts (`p` stages, `v` virtual
//!   chunks per stage), either balancing estimated per-layer costs exactly
//!   ([`partition_layers`]) or following a user's explicit layer counts ([`fixed_split`]).
//! - [`schedule`](mod@schedule) gives the ordered list of [`Action`]s one stage executes in a
//!   training step ([`schedule()`](fn@schedule)) for GPipe, 1F1B, interleaved 1F1B and ZB-H1, and
//!   simulates all stages together ([`simulate`]) to get each action's start and end, the makespan,
//!   every stage's idle time (the bubble) and its peak number of in-flight micro-batches.
//! - [`timeline`](mod@timeline) holds the simulation result ([`Timeline`]) and renders it as Chrome trace-event
//!   JSON for Perfetto ([`chrome_trace`]) or as a small SVG ([`svg`]).
//!
//! # The action model
//!
//! A training step runs `m` micro-batches through `p` stages; stage `s` holds `v` chunks, and chunk
//! `c` of stage `s` is *virtual stage* `c·p + s`, so a micro-batch's forward visits the virtual
//! stages `0, 1, …, p·v − 1` in order and its backward in reverse. A stage executes one action at a
//! time, in the order of its list:
//! - `Forward { mb, chunk }` needs the forward of the previous virtual stage;
//! - `Backward { mb, chunk }` (input and weight gradients together) needs the stage's own forward
//!   and the next virtual stage's backward (its input-gradient part);
//! - ZB-H1 splits the backward into `BackwardInput` (what the previous stage waits for) and
//!   `BackwardWeight` (needs only the stage's own `BackwardInput`), which can be deferred to fill
//!   bubbles.
//!
//! A micro-batch is *in flight* on a stage between its forward and its backward's input part: its
//! activations are held. Communication is free in the simulation; per-action costs come from
//! [`UnitCosts`].
//!
//! # Results (unit costs F = 1, B = 2 split as B = W = 1; see `compiler/tests/schedules.rs`)
//!
//! | schedule | makespan | peak in flight (stage 0) |
//! |---|---|---|
//! | GPipe | `3·(m + p − 1)` | `m` |
//! | 1F1B | `3·(m + p − 1)` | `min(p, m)` (stage `s`: `min(p − s, m)`) |
//! | interleaved | `3·m + 3·(p − 1)/v` | `min(2(p−1) + (v−1)p + 1, m·v)` chunk pairs, ≤ `p + (p−1)/v` micro-batches |
//! | ZB-H1 (F = B = W = 1) | `3·m + (p − 1)` for `m ≥ p`, `2p + 2m − 1` for `m < p` | `min(p, m)` |
//!
//! # References
//!
//! - Y. Huang et al., "GPipe: Efficient Training of Giant Neural Networks using Pipeline
//!   Parallelism", NeurIPS 2019 (arXiv:1811.06965).
//! - D. Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
//!   Megatron-LM", SC 2021 (arXiv:2104.04473): the 1F1B (PipeDream-flush) and interleaved
//!   schedules, bubble `(p−1)/m` and `(p−1)/(v·m)`.
//! - P. Qi et al., "Zero Bubble Pipeline Parallelism", ICLR 2024 (arXiv:2401.10241): splitting the
//!   backward into B and W; ZB-H1 bubble `(p−1)(T_F + T_B − T_W)` at 1F1B's activation memory.
//!
//! The schedules are written from those papers' descriptions; no code was copied.

pub mod cut;
pub mod lower;
pub mod plan;
pub mod schedule;
pub mod stages;
pub mod timeline;

pub use plan::{PipelineSummary, ScheduleOptions, StageSummary};
pub use schedule::{schedule, simulate, simulate_lists, Action, ScheduleError, ScheduleKind, UnitCosts};
pub use stages::{fixed_split, part_index, partition_layers, stage_chunks, StageError};
pub use timeline::{chrome_trace, svg, Interval, Timeline};
