//! Row-wise library kernels over the last dim: softmax (causal too), softmax_grad, layer_norm,
//! rms_norm, their gradients, cross_entropy and cross_entropy_grad. One block per row (rows
//! beyond the grid loop), the threads stride over the row, and row statistics come from the
//! deterministic block reductions of the prelude; they accumulate in f32 as the CPU backend does.
//! Softmax and its gradient over rows of up to 8192 take one warp per row instead (a shuffle tree,
//! lane 0's sum broadcast, so every lane uses the same value): no block-wide synchronization.
//!
//! The norm gradients also sum `dweight` (and `dbias`) over all rows. Without atomics: the rows
//! are cut into a fixed number of row blocks, block `b` of the first launch keeps its f64 partial
//! sums in `scratch[b][..]` (each column owned by one thread, added row by row), and a second
//! launch adds the blocks' partials in a fixed order (8 consecutive slices of blocks per column,
//! each in block order, then the slices in order). The partition depends only on the shape, so
//! the result does not depend on timing.

use super::cuda::f32_lit;
use super::cuda::{indent, row_launch, subst, Entry, Helper, Index, KernelSpec, Role};
use super::OpView;
use parc_dialects::exec::ExecOp;

/// Common template variables of a one-block-per-row kernel over `rows` rows of `n` elements.
fn row_vars(index: Index, rows: u64, n: u64) -> Vec<(&'static str, String)> {
    vec![
        ("I", index.ty().to_string()),
        ("rows_loop", index.block_stride("row", rows)),
        ("n", index.lit(n)),
        ("nj", format!("{n}u")),
        ("nf", f32_lit(n as f64)),
    ]
}

fn check_rows(n: u64) -> Result<(), String> {
    if n > u32::MAX as u64 / 2 {
        return Err(format!("rows of {n} elements are longer than these kernels index (2^31)"));
    }
    Ok(())
}

const SOFTMAX: &str = r#"$rows_loop {
    const x_t* xr = x + row * $n;
    y_t* yr = y + row * $n;
    // Keys 0..visible are attended (all of them unless causal); the rest are exactly 0.
    const unsigned int visible = $visible;
    float m = __int_as_float(0xff800000);
    for (unsigned int j = threadIdx.x; j < visible; j += blockDim.x) m = fmaxf(m, ld(xr[j]));
    m = block_max_f(m);
    float s = 0.0f;
    for (unsigned int j = threadIdx.x; j < visible; j += blockDim.x) s += expf(ld(xr[j]) - m);
    const float inv = 1.0f / block_sum_f(s);
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        st(&yr[j], j < visible ? expf(ld(xr[j]) - m) * inv : 0.0f);
    }
}
"#;

/// Rows of at most this many elements get one warp each (8 rows per block of 256 threads: no
/// block-wide synchronization); longer rows get a block each.
const WARP_ROW_MAX: u64 = 8192;

/// The row loop of a warp-per-row kernel: warp `threadIdx.x / 32` of block `b` takes rows
/// `8·b + warp`, then strides by the grid.
fn warp_rows_loop(index: Index, rows: u64) -> String {
    let t = index.ty();
    format!(
        "const unsigned int lane = threadIdx.x & 31u;\nfor ({t} row = ({t})blockIdx.x * 8u + (threadIdx.x >> 5); row < {}; row += ({t})gridDim.x * 8u)",
        index.lit(rows)
    )
}

/// A warp's deterministic sum of `v` (a shuffle-down tree, then lane 0's total to every lane).
const WARP_SUM: &str = "for (int o = 16; o > 0; o >>= 1) $v += __shfl_down_sync(0xffffffffu, $v, o);\n    $v = __shfl_sync(0xffffffffu, $v, 0);";

const SOFTMAX_WARP: &str = r#"$rows_loop {
    const x_t* xr = x + row * $n;
    y_t* yr = y + row * $n;
    // Keys 0..visible are attended (all of them unless causal); the rest are exactly 0.
    const unsigned int visible = $visible;
    float m = __int_as_float(0xff800000);
    for (unsigned int j = lane; j < visible; j += 32u) m = fmaxf(m, ld(xr[j]));
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    float s = 0.0f;
    for (unsigned int j = lane; j < visible; j += 32u) s += expf(ld(xr[j]) - m);
    $sum_s
    const float inv = 1.0f / s;
    for (unsigned int j = lane; j < $nj; j += 32u) {
        st(&yr[j], j < visible ? expf(ld(xr[j]) - m) * inv : 0.0f);
    }
}
"#;

const SOFTMAX_GRAD_WARP: &str = r#"$rows_loop {
    const y_t* yr = y + row * $n;
    const dy_t* dyr = dy + row * $n;
    dx_t* dxr = dx + row * $n;
    float dot = 0.0f;
    for (unsigned int j = lane; j < $nj; j += 32u) dot += ld(yr[j]) * ld(dyr[j]);
    $sum_dot
    for (unsigned int j = lane; j < $nj; j += 32u) put(&dxr[j], ld(yr[j]) * (ld(dyr[j]) - dot));
}
"#;

/// The launch of a warp-per-row kernel over `rows` rows.
fn warp_launch(rows: u64) -> (u64, u32) {
    (rows.div_ceil(8).clamp(1, super::cuda::MAX_ROW_GRID), 256)
}

/// `exec.softmax`: over the last dim, shifted by the row maximum; with `causal`, entry `(i, j)` of
/// the last two dims `[queries, keys]` is 0 when `j > i + (keys - queries)`.
pub fn softmax(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1])?;
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let (rows, n) = v.rows(0);
    check_rows(n)?;
    let x = v.types[0];
    let index = Index::for_elements(x.num_elements());
    let visible = if v.attrs.flag("causal") {
        let q = if x.rank() >= 2 { x.shape[x.rank() - 2] as u64 } else { 1 };
        if q > n {
            return Err(format!("causal softmax needs queries <= keys, found {q} queries and {n} keys"));
        }
        format!("(unsigned int)(row % {}) + {}u", index.lit(q), 1 + n - q)
    } else {
        format!("{n}u")
    };
    let mut vars = row_vars(index, rows, n);
    vars.push(("visible", visible));
    if n <= WARP_ROW_MAX {
        vars.retain(|(k, _)| *k != "rows_loop");
        vars.push(("rows_loop", warp_rows_loop(index, rows)));
        vars.push(("sum_s", WARP_SUM.replace("$v", "s")));
        let (grid, block) = warp_launch(rows);
        let body = indent(&subst(SOFTMAX_WARP, &vars), 4);
        let entry = Entry { suffix: "", purpose: "one warp per row, 8 rows per block", grid, block, body };
        return Ok(v.spec(params, vec![entry], &[]));
    }
    let (grid, block) = row_launch(rows, n);
    let body = indent(&subst(SOFTMAX, &vars), 4);
    let entry = Entry { suffix: "", purpose: "one block per row", grid, block, body };
    Ok(v.spec(params, vec![entry], &[Helper::BlockMaxF, Helper::BlockSumF]))
}

const SOFTMAX_GRAD: &str = r#"$rows_loop {
    const y_t* yr = y + row * $n;
    const dy_t* dyr = dy + row * $n;
    dx_t* dxr = dx + row * $n;
    float dot = 0.0f;
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) dot += ld(yr[j]) * ld(dyr[j]);
    dot = block_sum_f(dot);
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) put(&dxr[j], ld(yr[j]) * (ld(dyr[j]) - dot));
}
"#;

/// `exec.softmax_grad`: `dx = y · (dy − Σ dy·y)` per row.
pub fn softmax_grad(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1, 2])?;
    let params = v.params(&[("y", Role::Input), ("dy", Role::Input), ("dx", Role::Output)])?;
    let (rows, n) = v.rows(0);
    check_rows(n)?;
    let index = Index::for_elements(v.types[0].num_elements());
    if n <= WARP_ROW_MAX {
        let mut vars = row_vars(index, rows, n);
        vars.retain(|(k, _)| *k != "rows_loop");
        vars.push(("rows_loop", warp_rows_loop(index, rows)));
        vars.push(("sum_dot", WARP_SUM.replace("$v", "dot")));
        let (grid, block) = warp_launch(rows);
        let body = indent(&subst(SOFTMAX_GRAD_WARP, &vars), 4);
        let entry = Entry { suffix: "", purpose: "one warp per row, 8 rows per block", grid, block, body };
        return Ok(v.spec(params, vec![entry], &[Helper::Put]));
    }
    let (grid, block) = row_launch(rows, n);
    let body = indent(&subst(SOFTMAX_GRAD, &row_vars(index, rows, n)), 4);
    let entry = Entry { suffix: "", purpose: "one block per row", grid, block, body };
    Ok(v.spec(params, vec![entry], &[Helper::Put, Helper::BlockSumF]))
}

const LAYER_NORM: &str = r#"$rows_loop {
    const x_t* xr = x + row * $n;
    y_t* yr = y + row * $n;
    float s = 0.0f;
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) s += ld(xr[j]);
    const float mean = block_sum_f(s) / $nf;
    float q = 0.0f;
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        const float c = ld(xr[j]) - mean;
        q += c * c;
    }
    const float r = 1.0f / sqrtf(block_sum_f(q) / $nf + $eps);
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        st(&yr[j], (ld(xr[j]) - mean) * r * ld(weight[j]) + ld(bias[j]));
    }
}
"#;

const RMS_NORM: &str = r#"$rows_loop {
    const x_t* xr = x + row * $n;
    y_t* yr = y + row * $n;
    float q = 0.0f;
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        const float c = ld(xr[j]);
        q += c * c;
    }
    const float r = 1.0f / sqrtf(block_sum_f(q) / $nf + $eps);
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) st(&yr[j], ld(xr[j]) * r * ld(weight[j]));
}
"#;

/// `exec.layer_norm` (`(x − mean)/sqrt(var + eps)·weight + bias`, biased variance) and
/// `exec.rms_norm` (`x/sqrt(mean(x²) + eps)·weight`), over the last dim.
pub fn norm(v: &OpView) -> Result<KernelSpec, String> {
    let layer = v.op == ExecOp::LayerNorm;
    let params = if layer {
        v.need_float(&[0, 1, 2, 3])?;
        v.params(&[("x", Role::Input), ("weight", Role::Input), ("bias", Role::Input), ("y", Role::Output)])?
    } else {
        v.need_float(&[0, 1, 2])?;
        v.params(&[("x", Role::Input), ("weight", Role::Input), ("y", Role::Output)])?
    };
    let (rows, n) = v.rows(0);
    check_rows(n)?;
    let index = Index::for_elements(v.types[0].num_elements());
    let mut vars = row_vars(index, rows, n);
    vars.push(("eps", f32_lit(v.attrs.float("eps").unwrap_or(1e-5))));
    let (grid, block) = row_launch(rows, n);
    let body = indent(&subst(if layer { LAYER_NORM } else { RMS_NORM }, &vars), 4);
    let entry = Entry { suffix: "", purpose: "one block per row", grid, block, body };
    Ok(v.spec(params, vec![entry], &[Helper::BlockSumF]))
}

const NORM_GRAD_ROWS: &str = r#"double* partial = (double*)scratch;
$blocks_loop {
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        partial[b * $n + j] = 0.0;$zero_bias
    }
    const $I row_end = (b + 1u) * $rows_per_block < $rows ? (b + 1u) * $rows_per_block : $rows;
    for ($I row = b * $rows_per_block; row < row_end; ++row) {
        const x_t* xr = x + row * $n;
        const dy_t* dyr = dy + row * $n;
        dx_t* dxr = dx + row * $n;
        float mean = 0.0f;$mean
        float q = 0.0f;
        for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
            const float c = ld(xr[j]) - mean;
            q += c * c;
        }
        const float r = 1.0f / sqrtf(block_sum_f(q) / $nf + $eps);
        float g_mean = 0.0f;$g_mean
        float gx = 0.0f;
        for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
            gx += ld(dyr[j]) * ld(weight[j]) * ((ld(xr[j]) - mean) * r);
        }
        const float gx_mean = block_sum_f(gx) / $nf;
        for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
            const float d = ld(dyr[j]);
            const float xhat = (ld(xr[j]) - mean) * r;
            put(&dxr[j], r * (d * ld(weight[j]) - g_mean - xhat * gx_mean));
            partial[b * $n + j] += (double)(d * xhat);$add_bias
        }
    }
}
"#;

const LAYER_ZERO_BIAS: &str = "\n        partial[($n_blocks + b) * $n + j] = 0.0;";
const LAYER_MEAN: &str = r#"
        {
            float s = 0.0f;
            for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) s += ld(xr[j]);
            mean = block_sum_f(s) / $nf;
        }"#;
const LAYER_G_MEAN: &str = r#"
        {
            float s = 0.0f;
            for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) s += ld(dyr[j]) * ld(weight[j]);
            g_mean = block_sum_f(s) / $nf;
        }"#;
const LAYER_ADD_BIAS: &str = "\n            partial[($n_blocks + b) * $n + j] += (double)d;";

const NORM_GRAD_FINISH: &str = r#"// Block: 32 columns x 8 slices of the row blocks. Slice w adds its row blocks in order, then
// the first warp adds the 8 slice sums in order: a fixed order, whatever the timing.
const double* partial = (const double*)scratch;
__shared__ double part_w[8][32];
__shared__ double part_b[8][32];
const unsigned int lane = threadIdx.x & 31u, slice = threadIdx.x >> 5;
const $I j = ($I)blockIdx.x * 32u + lane;
const $I per_slice = ($n_blocks + 7u) / 8u;
const $I b_start = slice * per_slice;
const $I b_end = b_start + per_slice < $n_blocks ? b_start + per_slice : $n_blocks;
double w = 0.0;
double db = 0.0;
if (j < $n) {
    for ($I b = b_start; b < b_end; ++b) {
        w += partial[b * $n + j];$bias_add
    }
}
part_w[slice][lane] = w;
part_b[slice][lane] = db;
__syncthreads();
if (slice == 0 && j < $n) {
    double tw = 0.0;$bias_init
    for (unsigned int k = 0; k < 8u; ++k) {
        tw += part_w[k][lane];$bias_sum
    }
    put(&dweight[j], (float)tw);$bias_put
}
"#;

/// Row blocks of the `dweight`/`dbias` partial sums, each of whole rows: enough blocks to fill a
/// GPU (up to 1024, about 8 per multiprocessor of an H100), but no more than keeps one output's
/// f64 partials within 16 MiB (at least 128 blocks).
fn row_blocks(rows: u64, n: u64) -> (u64, u64) {
    let cap = ((16u64 << 20) / (8 * n.max(1))).clamp(128, 1024);
    let n_blocks = rows.clamp(1, cap);
    let rows_per_block = rows.div_ceil(n_blocks).max(1);
    (rows.div_ceil(rows_per_block).max(1), rows_per_block)
}

/// `exec.layer_norm_grad` (`dx`, `dweight`, `dbias`) and `exec.rms_norm_grad` (`dx`, `dweight`).
/// With `x̂` the normalized row, `r` the inverse standard deviation (or RMS) and `g = dy·weight`:
/// `dx = r·(g − mean(g) − x̂·mean(g·x̂))` (no `mean(g)` for RMSNorm), `dweight = Σ dy·x̂` and
/// `dbias = Σ dy` over all rows.
pub fn norm_grad(v: &OpView) -> Result<KernelSpec, String> {
    let layer = v.op == ExecOp::LayerNormGrad;
    let mut names = vec![
        ("x", Role::Input),
        ("weight", Role::Input),
        ("dy", Role::Input),
        ("dx", Role::Output),
        ("dweight", Role::Output),
    ];
    if layer {
        names.push(("dbias", Role::Output));
    }
    v.need_float(&(0..names.len()).collect::<Vec<_>>())?;
    let params = v.params(&names)?;
    let (rows, n) = v.rows(0);
    check_rows(n)?;
    let (n_blocks, rows_per_block) = row_blocks(rows, n);
    let index = Index::for_elements(v.types[0].num_elements().max(n_blocks * n * 2));
    let per_output = if layer { 2 } else { 1 };
    let scratch_bytes = per_output * n_blocks * n * 8;
    let pick = |s: &'static str| if layer { s.to_string() } else { String::new() };
    let mut vars = row_vars(index, rows, n);
    vars.extend([
        ("eps", f32_lit(v.attrs.float("eps").unwrap_or(1e-5))),
        ("blocks_loop", index.block_stride("b", n_blocks)),
        ("columns_loop", index.grid_stride("j", n)),
        ("rows", index.lit(rows)),
        ("rows_per_block", index.lit(rows_per_block)),
        ("n_blocks", index.lit(n_blocks)),
        ("zero_bias", pick(LAYER_ZERO_BIAS)),
        ("mean", pick(LAYER_MEAN)),
        ("g_mean", pick(LAYER_G_MEAN)),
        ("add_bias", pick(LAYER_ADD_BIAS)),
        ("bias_init", pick("\n    double tb = 0.0;")),
        ("bias_add", pick("\n        db += partial[($n_blocks + b) * $n + j];")),
        ("bias_sum", pick("\n        tb += part_b[k][lane];")),
        ("bias_put", pick("\n    put(&dbias[j], (float)tb);")),
    ]);
    // The snippets use variables too: substitute twice.
    let rows_body = subst(&subst(NORM_GRAD_ROWS, &vars), &vars);
    let finish_body = subst(&subst(NORM_GRAD_FINISH, &vars), &vars);
    let (_, block) = row_launch(rows, n);
    let finish_grid = n.div_ceil(32);
    let entries = vec![
        Entry {
            suffix: "_rows",
            purpose: "dx; per-row-block f64 partial sums of dweight (and dbias) into scratch",
            grid: n_blocks,
            block,
            body: indent(&rows_body, 4),
        },
        Entry {
            suffix: "_finish",
            purpose: "adds the partial sums in a fixed order: 8 slices of row blocks per column, then the slices",
            grid: finish_grid,
            block: 256,
            body: indent(&finish_body, 4),
        },
    ];
    let mut spec = v.spec(params, entries, &[Helper::Put, Helper::BlockSumF]);
    let what = if layer { "dweight then dbias" } else { "dweight" };
    spec.scratch = Some((
        scratch_bytes,
        format!("f64 partial sums [{per_output}][{n_blocks} row blocks of {rows_per_block} rows][{n}] ({what})"),
    ));
    Ok(spec)
}

const CROSS_ENTROPY_STATS: &str = r#"const logits_t* xr = logits + row * $n;
const long long label = (long long)labels[row];
float m = __int_as_float(0xff800000);
for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) m = fmaxf(m, ld(xr[j]));
m = block_max_f(m);
float s = 0.0f;
for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) s += expf(ld(xr[j]) - m);
s = block_sum_f(s);
// A label outside [0, vocab) makes the row NaN (the CPU backend reports it as an error).
const bool bad = label < 0 || label >= (long long)$nj;
"#;

const CROSS_ENTROPY: &str = r#"$rows_loop {
$stats    if (threadIdx.x == 0) {
        put(&loss[row], bad ? __int_as_float(0x7fc00000) : logf(s) - (ld(xr[label]) - m));
    }
}
"#;

const CROSS_ENTROPY_GRAD: &str = r#"$rows_loop {
$stats    const float inv = 1.0f / s;
    const float d = ld(dy[row]);
    dlogits_t* outr = dlogits + row * $n;
    for (unsigned int j = threadIdx.x; j < $nj; j += blockDim.x) {
        const float e = expf(ld(xr[j]) - m) * inv;
        const float g = ((long long)j == label ? e - 1.0f : e) * d;
        put(&outr[j], bad ? __int_as_float(0x7fc00000) : g);
    }
}
"#;

/// `exec.cross_entropy`: per row `ln Σ exp(x − m) − (x[label] − m)`, `m` the row maximum.
pub fn cross_entropy(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 2])?;
    let params = v.params(&[("logits", Role::Input), ("labels", Role::Input), ("loss", Role::Output)])?;
    cross_entropy_kernel(v, params, CROSS_ENTROPY)
}

/// `exec.cross_entropy_grad`: `(softmax(logits) − onehot(label))·dy` per row.
pub fn cross_entropy_grad(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 2, 3])?;
    let params =
        v.params(&[("logits", Role::Input), ("labels", Role::Input), ("dy", Role::Input), ("dlogits", Role::Output)])?;
    cross_entropy_kernel(v, params, CROSS_ENTROPY_GRAD)
}

fn cross_entropy_kernel(v: &OpView, params: Vec<super::cuda::Param>, template: &str) -> Result<KernelSpec, String> {
    if v.types[1].dtype.is_float() {
        return Err(format!("labels must be integers, found {}", v.types[1].dtype));
    }
    let (rows, n) = v.rows(0);
    check_rows(n)?;
    let index = Index::for_elements(v.types[0].num_elements());
    let mut vars = row_vars(index, rows, n);
    vars.push(("stats", indent(&subst(CROSS_ENTROPY_STATS, &row_vars(index, rows, n)), 4)));
    let (grid, block) = row_launch(rows, n);
    let body = indent(&subst(template, &vars), 4);
    let entry = Entry { suffix: "", purpose: "one block per row (token)", grid, block, body };
    Ok(v.spec(params, vec![entry], &[Helper::Put, Helper::BlockMaxF, Helper::BlockSumF]))
}
