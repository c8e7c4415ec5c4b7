//! Optimizer steps and their scalar helpers (`graph.adamw_update`, `graph.sgd_update`,
//! `graph.lr_schedule`, `graph.clip_coef`), with the interpreter's formulas. The updates work in
//! place on the parameter and its state; the hyperparameters come from the ops' f64 attributes,
//! and the constants derived from them (`1 − β`, the bias corrections) are computed in f64 and
//! rounded once, so that e.g. `1 − 0.999` is not computed from an already rounded `0.999`.

use rayon::prelude::*;

use super::{check_len, invalid, Result, TASK_ELEMS};

/// The attributes of `graph.adamw_update`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamwConfig {
    /// Decay of the first moment, e.g. 0.9.
    pub beta1: f64,
    /// Decay of the second moment, e.g. 0.999 or 0.95.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

/// One AdamW step in place, as PyTorch's `torch.optim.AdamW` (decoupled weight decay, bias
/// correction with the 1-based `step`):
/// `m = β1·m + (1 − β1)·g`, `v = β2·v + (1 − β2)·g²`,
/// `p = p·(1 − lr·wd) − lr·(m / (1 − β1^step)) / (sqrt(v / (1 − β2^step)) + eps)`.
pub fn adamw(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    lr: f32,
    step: i64,
    config: &AdamwConfig,
) -> Result {
    const K: &str = "adamw";
    let n = p.len();
    let sizes = || format!("{n} parameters");
    check_len(K, "g", g.len(), n, sizes)?;
    check_len(K, "m", m.len(), n, sizes)?;
    check_len(K, "v", v.len(), n, sizes)?;
    if step < 1 {
        return Err(invalid(K, format!("step is 1-based, found {step}")));
    }
    let AdamwConfig { beta1, beta2, eps, weight_decay } = *config;
    let (b1, one_minus_b1) = (beta1 as f32, (1.0 - beta1) as f32);
    let (b2, one_minus_b2) = (beta2 as f32, (1.0 - beta2) as f32);
    let c1 = (1.0 - beta1.powf(step as f64)) as f32;
    let c2 = (1.0 - beta2.powf(step as f64)) as f32;
    let decay = (1.0 - f64::from(lr) * weight_decay) as f32;
    let eps = eps as f32;
    p.par_chunks_mut(TASK_ELEMS)
        .zip(g.par_chunks(TASK_ELEMS))
        .zip(m.par_chunks_mut(TASK_ELEMS))
        .zip(v.par_chunks_mut(TASK_ELEMS))
        .for_each(|(((ps, gs), ms), vs)| {
            for (((p, &g), m), v) in ps.iter_mut().zip(gs).zip(ms).zip(vs) {
                *m = b1 * *m + one_minus_b1 * g;
                *v = b2 * *v + one_minus_b2 * g * g;
                *p = *p * decay - lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        });
    Ok(())
}

/// The attributes of `graph.sgd_update`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Momentum; 0 turns `buf` into a copy of the last step's direction.
    pub momentum: f64,
    /// L2 weight decay, added to the gradient.
    pub weight_decay: f64,
}

/// One SGD step in place, as PyTorch's `torch.optim.SGD` (no dampening, no Nesterov; `buf` is zero
/// before the first step): `d = g + wd·p`, `buf = momentum·buf + d`, `p = p − lr·buf`.
pub fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], lr: f32, config: &SgdConfig) -> Result {
    const K: &str = "sgd";
    let n = p.len();
    check_len(K, "g", g.len(), n, || format!("{n} parameters"))?;
    check_len(K, "buf", buf.len(), n, || format!("{n} parameters"))?;
    let (momentum, wd) = (config.momentum as f32, config.weight_decay as f32);
    p.par_chunks_mut(TASK_ELEMS).zip(g.par_chunks(TASK_ELEMS)).zip(buf.par_chunks_mut(TASK_ELEMS)).for_each(
        |((ps, gs), bs)| {
            for ((p, &g), b) in ps.iter_mut().zip(gs).zip(bs) {
                *b = momentum * *b + (g + wd * *p);
                *p -= lr * *b;
            }
        },
    );
    Ok(())
}

/// The `kind` attribute of `graph.lr_schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LrScheduleKind {
    /// Linear warmup, then constant.
    Constant,
    /// Linear warmup, then a cosine from `lr` down to `min_lr` at `decay_steps`, flat after.
    Cosine,
}

/// The learning rate at the 1-based `step`: `lr · step / warmup_steps` during the warmup, then
/// `lr` ([`LrScheduleKind::Constant`]) or `min_lr + (lr − min_lr)·(1 + cos(π·p))/2` with
/// `p = min(1, (step − warmup_steps) / (decay_steps − warmup_steps))`. Computed in f64.
pub fn lr_schedule(step: i64, kind: LrScheduleKind, lr: f64, min_lr: f64, warmup_steps: i64, decay_steps: i64) -> f32 {
    let (step, warmup, decay) = (step as f64, warmup_steps as f64, decay_steps as f64);
    if step <= warmup {
        return (lr * step / warmup) as f32;
    }
    match kind {
        LrScheduleKind::Constant => lr as f32,
        LrScheduleKind::Cosine => {
            let progress = ((step - warmup) / (decay - warmup)).min(1.0);
            (min_lr + (lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())) as f32
        }
    }
}

/// `min(1, max_norm / (sqrt(sum_of_squares) + 1e-6))`: the factor that scales the gradients to a
/// global norm of at most `max_norm`. Computed in f64; a NaN sum gives 1, as in the interpreter.
pub fn clip_coef(sum_of_squares: f32, max_norm: f64) -> f32 {
    (max_norm / (f64::from(sum_of_squares).sqrt() + 1e-6)).min(1.0) as f32
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::GraphOp;
    use parc_dialects::{Attr, AttrMap};

    #[test]
    fn adamw_matches_the_interpreter() {
        let mut rng = Rng::new(60);
        let config = AdamwConfig { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1 };
        let attrs = AttrMap::new()
            .with("beta1", Attr::Float(config.beta1))
            .with("beta2", Attr::Float(config.beta2))
            .with("eps", Attr::Float(config.eps))
            .with("weight_decay", Attr::Float(config.weight_decay));
        for (n, step) in [(1, 1), (7, 2), (33, 10), (40_000, 1000)] {
            let p = rng.vec(n, 2.0);
            let g = rng.vec(n, 1.0);
            let m = rng.vec(n, 0.1);
            let v: Vec<f32> = rng.vec(n, 0.01).iter().map(|x| x.abs()).collect();
            let lr = 3e-4f32;
            let want = reference(
                GraphOp::AdamwUpdate,
                &[f(&p, &[n]), f(&g, &[n]), f(&m, &[n]), f(&v, &[n]), f(&[lr], &[]), i64_scalar(step)],
                &attrs,
            );
            let (mut p2, mut m2, mut v2) = (p.clone(), m.clone(), v.clone());
            adamw(&mut p2, &g, &mut m2, &mut v2, lr, step, &config).unwrap();
            assert_close("p", &p2, &want[0]);
            assert_close("m", &m2, &want[1]);
            assert_close("v", &v2, &want[2]);
        }
        let err = adamw(&mut [0.0; 2], &[0.0; 2], &mut [0.0; 2], &mut [0.0; 3], 1e-3, 1, &config).unwrap_err();
        assert_eq!(err.to_string(), "adamw: v has 3 elements, expected 2 (2 parameters)");
        let err = adamw(&mut [0.0; 2], &[0.0; 2], &mut [0.0; 2], &mut [0.0; 2], 1e-3, 0, &config).unwrap_err();
        assert_eq!(err.to_string(), "adamw: step is 1-based, found 0");
    }

    #[test]
    fn sgd_matches_the_interpreter() {
        let mut rng = Rng::new(61);
        let config = SgdConfig { momentum: 0.9, weight_decay: 1e-4 };
        let attrs = AttrMap::new()
            .with("momentum", Attr::Float(config.momentum))
            .with("weight_decay", Attr::Float(config.weight_decay));
        for n in [1, 7, 33, 40_000] {
            let (p, g, buf) = (rng.vec(n, 2.0), rng.vec(n, 1.0), rng.vec(n, 0.5));
            let lr = 0.05f32;
            let want = reference(GraphOp::SgdUpdate, &[f(&p, &[n]), f(&g, &[n]), f(&buf, &[n]), f(&[lr], &[])], &attrs);
            let (mut p2, mut b2) = (p.clone(), buf.clone());
            sgd(&mut p2, &g, &mut b2, lr, &config).unwrap();
            assert_close("p", &p2, &want[0]);
            assert_close("buf", &b2, &want[1]);
        }
        let err = sgd(&mut [0.0; 2], &[0.0; 1], &mut [0.0; 2], 0.1, &config).unwrap_err();
        assert_eq!(err.to_string(), "sgd: g has 1 elements, expected 2 (2 parameters)");
    }

    #[test]
    fn lr_schedule_and_clip_coef_match_the_interpreter() {
        for (kind, name) in [(LrScheduleKind::Constant, "constant"), (LrScheduleKind::Cosine, "cosine")] {
            for (warmup, decay) in [(0, 10), (3, 10), (5, 6)] {
                let attrs = AttrMap::new()
                    .with("kind", Attr::Str(name.into()))
                    .with("lr", Attr::Float(6e-4))
                    .with("min_lr", Attr::Float(6e-5))
                    .with("warmup_steps", Attr::Int(warmup))
                    .with("decay_steps", Attr::Int(decay));
                for step in 1..decay + 4 {
                    let want = reference1(GraphOp::LrSchedule, &[i64_scalar(step)], &attrs);
                    let got = lr_schedule(step, kind, 6e-4, 6e-5, warmup, decay);
                    assert_close(&format!("{name} step {step}"), &[got], &want);
                    assert_eq!(got, want.data[0] as f32);
                }
            }
        }
        for s in [0.0f32, 0.25, 1.0, 4.0, 1e6, f32::NAN] {
            let want =
                reference1(GraphOp::ClipCoef, &[f(&[s], &[])], &AttrMap::new().with("max_norm", Attr::Float(1.0)));
            assert_eq!(clip_coef(s, 1.0), want.data[0] as f32, "sum of squares {s}");
        }
    }
}
