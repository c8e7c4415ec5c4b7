//! Equivalence of a partitioned program with single-device training: both train from the same
//! seed on the same data, and their per-step losses and final parameters are compared.
//!
//! - A step's loss: |a − b| / |b|.
//! - The parameters: ‖a − b‖₂ / ‖b‖₂ over every parameter element together. Per-tensor figures
//!   are reported as well, but they are not the criterion: a tensor whose exact gradient is zero
//!   (the bias of a key projection: softmax ignores a shift that is the same for every key) holds
//!   only rounding noise in both runs, which Adam scales up to values that agree in no digit.

use crate::data::TokenData;
use crate::launch::{train_mesh, NamedTensor};
use crate::program::Program;
use crate::train::TrainError;

/// One training run: the loss of every step and the final global parameters.
#[derive(Clone, Debug)]
pub struct Run {
    pub losses: Vec<f32>,
    pub params: Vec<NamedTensor>,
}

/// Trains `programs` (all ranks; one program, or one per pipeline stage) for `steps` steps from
/// the seeded initialization.
pub fn run(programs: &[Program], data: Option<TokenData>, steps: u64) -> Result<Run, TrainError> {
    let mut losses = Vec::new();
    let params = train_mesh(programs, data, steps, None, &mut |r| {
        losses.push(r.loss);
        Ok(())
    })?;
    Ok(Run { losses, params })
}

/// How far a partitioned run is from the single-device run.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// |a − b| / |b| per step.
    pub losses: Vec<f64>,
    /// ‖a − b‖₂ / ‖b‖₂ over all parameters.
    pub params: f64,
    /// ‖a − b‖₂ / ‖b‖₂ per parameter tensor (diagnostic).
    pub per_tensor: Vec<(String, f64)>,
}

impl Comparison {
    /// The largest relative difference of a step's loss.
    pub fn worst_loss(&self) -> f64 {
        self.losses.iter().fold(0.0, |m, &d| m.max(d))
    }

    /// Whether the losses and the parameters are within `tolerance`.
    pub fn within(&self, tolerance: f64) -> bool {
        self.worst_loss() <= tolerance && self.params <= tolerance
    }
}

fn relative(diff_sq: f64, norm_sq: f64) -> f64 {
    if norm_sq > 0.0 {
        (diff_sq / norm_sq).sqrt()
    } else {
        diff_sq.sqrt()
    }
}

/// Compares `got` (partitioned) with `want` (single device).
pub fn compare(got: &Run, want: &Run) -> Result<Comparison, String> {
    if got.losses.len() != want.losses.len() {
        return Err(format!("{} steps against {}", got.losses.len(), want.losses.len()));
    }
    let losses = got
        .losses
        .iter()
        .zip(&want.losses)
        .map(|(&g, &w)| {
            let (g, w) = (g as f64, w as f64);
            relative((g - w) * (g - w), w * w)
        })
        .collect();
    let (mut diff, mut norm) = (0.0, 0.0);
    let mut per_tensor = Vec::new();
    for (name, shape, w) in &want.params {
        let (_, gshape, g) = got
            .params
            .iter()
            .find(|p| &p.0 == name)
            .ok_or_else(|| format!("the partitioned run has no parameter {name}"))?;
        if gshape != shape {
            return Err(format!("{name} has shape {gshape:?} in the partitioned run, {shape:?} on one device"));
        }
        let (d, n) = g.iter().zip(w).fold((0.0, 0.0), |(d, n), (&a, &b)| {
            let (a, b) = (a as f64, b as f64);
            (d + (a - b) * (a - b), n + b * b)
        });
        diff += d;
        norm += n;
        per_tensor.push((name.clone(), relative(d, n)));
    }
    Ok(Comparison { losses, params: relative(diff, norm), per_tensor })
}
