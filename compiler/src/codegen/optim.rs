//! The optimizer step's kernels: `exec.lr_schedule` and `exec.clip_coef` (one thread computes a
//! scalar in f64, as the CPU backend does), and `exec.adamw` and `exec.sgd` (one thread per
//! parameter, in place). The learning rate and the step are read from device memory, so one
//! compiled kernel serves every step. Hyperparameters are baked in; constants derived from them
//! (`1 − β`) are computed here in f64 and rounded once, and the bias corrections `1 − β^step` are
//! computed in f64 by each thread from the step. Optimizer state is f32 whatever the parameter's
//! type: a bf16 parameter is widened, updated in f32 and rounded back.

use super::cuda::{element_launch, f32_lit, f64_lit, indent, subst, Entry, Index, KernelSpec, Role};
use super::OpView;
use parc_dialects::types::DType;

fn scalar_entry(body: String) -> Entry {
    Entry { suffix: "", purpose: "one thread computes the scalar", grid: 1, block: 32, body: indent(&body, 4) }
}

fn f64_attr(v: &OpView, name: &str) -> Result<f64, String> {
    v.attrs.float(name).ok_or_else(|| format!("missing '{name}'"))
}

const LR_SCHEDULE: &str = r#"if (blockIdx.x != 0 || threadIdx.x != 0) return;
const double s = (double)step[0];
double v;
if (s <= $warmup) {
    v = $lr * s / $warmup;
} else {
$after}
st(&lr[0], (float)v);
"#;

/// `exec.lr_schedule`: the learning rate at the 1-based step (linear warmup, then constant or a
/// cosine down to `min_lr` at `decay_steps`).
pub fn lr_schedule(v: &OpView) -> Result<KernelSpec, String> {
    let params = v.params(&[("step", Role::Input), ("lr", Role::Output)])?;
    if v.types[0].dtype != DType::I64 {
        return Err(format!("step must be i64, found {}", v.types[0].dtype));
    }
    v.need_float(&[1])?;
    let lr = f64_lit(f64_attr(v, "lr")?);
    let min_lr = f64_lit(f64_attr(v, "min_lr")?);
    let warmup = f64_lit(v.attrs.int("warmup_steps").ok_or("missing 'warmup_steps'")? as f64);
    let decay = f64_lit(v.attrs.int("decay_steps").ok_or("missing 'decay_steps'")? as f64);
    let after = match v.attrs.str("kind") {
        Some("constant") => format!("    v = {lr};\n"),
        Some("cosine") => format!(
            "    const double progress = fmin((s - {warmup}) / ({decay} - {warmup}), 1.0);\n    \
             v = {min_lr} + ({lr} - {min_lr}) * 0.5 * (1.0 + cos(3.141592653589793 * progress));\n"
        ),
        other => return Err(format!("kind must be \"constant\" or \"cosine\", found {other:?}")),
    };
    let body = subst(LR_SCHEDULE, &[("warmup", warmup), ("lr", lr), ("after", after)]);
    Ok(v.spec(params, vec![scalar_entry(body)], &[]))
}

/// `exec.clip_coef`: `min(1, max_norm / (sqrt(sum_of_squares) + 1e-6))` (a NaN sum gives 1).
pub fn clip_coef(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1])?;
    let params = v.params(&[("sum_sq", Role::Input), ("coef", Role::Output)])?;
    let max_norm = f64_lit(f64_attr(v, "max_norm")?);
    let body = format!(
        "if (blockIdx.x != 0 || threadIdx.x != 0) return;\n\
         st(&coef[0], (float)fmin({max_norm} / (sqrt((double)ld(sum_sq[0])) + 1e-6), 1.0));\n"
    );
    Ok(v.spec(params, vec![scalar_entry(body)], &[]))
}

const ADAMW: &str = r#"const float lr_v = ld(lr[0]);
const double step_v = (double)step[0];
const float c1 = (float)(1.0 - pow($beta1, step_v));
const float c2 = (float)(1.0 - pow($beta2, step_v));
const float decay = (float)(1.0 - (double)lr_v * $weight_decay);
$loop {
    const float gi = ld(g[i]);
    const float mi = $b1 * ld(m[i]) + $one_minus_b1 * gi;
    const float vi = $b2 * ld(v[i]) + $one_minus_b2 * gi * gi;
    st(&m[i], mi);
    st(&v[i], vi);
    st(&p[i], ld(p[i]) * decay - lr_v * (mi / c1) / (sqrtf(vi / c2) + $eps));
}
"#;

/// `exec.adamw`: one AdamW step in place, as PyTorch's `torch.optim.AdamW`:
/// `m = β1·m + (1 − β1)·g`, `v = β2·v + (1 − β2)·g²`,
/// `p = p·(1 − lr·wd) − lr·(m / (1 − β1^step)) / (sqrt(v / (1 − β2^step)) + eps)`.
pub fn adamw(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1, 2, 3, 4])?;
    let params = v.params(&[
        ("p", Role::InOut),
        ("g", Role::Input),
        ("m", Role::InOut),
        ("v", Role::InOut),
        ("lr", Role::Input),
        ("step", Role::Input),
    ])?;
    if v.types[5].dtype != DType::I64 {
        return Err(format!("step must be i64, found {}", v.types[5].dtype));
    }
    let (beta1, beta2) = (f64_attr(v, "beta1")?, f64_attr(v, "beta2")?);
    let n = v.types[0].num_elements();
    let index = Index::for_elements(n);
    let vars = [
        ("loop", index.grid_stride("i", n)),
        ("beta1", f64_lit(beta1)),
        ("beta2", f64_lit(beta2)),
        ("weight_decay", f64_lit(f64_attr(v, "weight_decay")?)),
        ("b1", f32_lit(beta1)),
        ("b2", f32_lit(beta2)),
        ("one_minus_b1", f32_lit(1.0 - beta1)),
        ("one_minus_b2", f32_lit(1.0 - beta2)),
        ("eps", f32_lit(f64_attr(v, "eps")?)),
    ];
    let (grid, block) = element_launch(n);
    let body = indent(&subst(ADAMW, &vars), 4);
    let entry = Entry { suffix: "", purpose: "one thread per parameter", grid, block, body };
    Ok(v.spec(params, vec![entry], &[]))
}

const SGD: &str = r#"const float lr_v = ld(lr[0]);
$loop {
    const float pi = ld(p[i]);
    const float b = $momentum * ld(buf[i]) + (ld(g[i]) + $weight_decay * pi);
    st(&buf[i], b);
    st(&p[i], pi - lr_v * b);
}
"#;

/// `exec.sgd`: SGD with momentum and L2 weight decay in place, as PyTorch's `torch.optim.SGD`:
/// `buf = momentum·buf + (g + wd·p)`, `p = p − lr·buf`.
pub fn sgd(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1, 2, 3])?;
    let params = v.params(&[("p", Role::InOut), ("g", Role::Input), ("buf", Role::InOut), ("lr", Role::Input)])?;
    let n = v.types[0].num_elements();
    let index = Index::for_elements(n);
    let vars = [
        ("loop", index.grid_stride("i", n)),
        ("momentum", f32_lit(f64_attr(v, "momentum")?)),
        ("weight_decay", f32_lit(f64_attr(v, "weight_decay")?)),
    ];
    let (grid, block) = element_launch(n);
    let body = indent(&subst(SGD, &vars), 4);
    let entry = Entry { suffix: "", purpose: "one thread per parameter", grid, block, body };
    Ok(v.spec(params, vec![entry], &[]))
}
