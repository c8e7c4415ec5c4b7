//! `exec.reduce` (sum, mean, max over any axes, `keepdim`) and `exec.reduce_max_grad`.
//!
//! The shape is first cut into groups: size-1 dims dropped, neighbours of the same kind (kept or
//! reduced) merged. An output element `o` then starts at an offset given by the kept groups, and
//! its `count` inputs are at offsets given by the reduced groups, both baked in. Two layouts:
//! - innermost group reduced ("rows"): one block per output, its threads striding over the
//!   reduced elements (contiguous reads), combined with a block reduction;
//! - innermost group kept ("columns", e.g. a bias gradient `[tokens, H] → [H]`): one thread per
//!   output, looping over the reduced elements (neighbouring threads read neighbouring columns).
//!
//! A long reduction with few outputs is split into `splits` chunks, each reduced into a scratch
//! slot, and a second launch combines the chunks in order. Sums accumulate in f64 and are rounded
//! once (as the CPU backend does); the maximum propagates NaN. Chunks, block sizes and the
//! combination order depend only on the shape, so results are deterministic.

use super::cuda::MAX_ROW_GRID;
use super::cuda::{element_launch, f64_lit, indent, row_block, subst, Entry, Helper, Index, KernelSpec, Role};
use super::elementwise::row_major;
use super::OpView;
use parc_dialects::graph::normalize_axis;
use parc_dialects::types::TensorType;

/// The groups of a reduction.
struct Geometry {
    /// `(size, stride in x)` of the kept groups, outermost first.
    kept: Vec<(u64, u64)>,
    /// `(size, stride in x)` of the reduced groups.
    reduced: Vec<(u64, u64)>,
    /// Every group, `(size, reduced)`.
    groups: Vec<(u64, bool)>,
    outputs: u64,
    count: u64,
    inner_reduced: bool,
}

fn geometry(x: &TensorType, axes: &[i64]) -> Result<Geometry, String> {
    let mut is_reduced = vec![false; x.rank()];
    for &a in axes {
        let d = normalize_axis(a, x.rank())?;
        if std::mem::replace(&mut is_reduced[d], true) {
            return Err(format!("axes {axes:?} name dim {d} twice"));
        }
    }
    let mut groups: Vec<(u64, bool)> = Vec::new();
    for (&size, &r) in x.shape.iter().zip(&is_reduced) {
        if size == 1 {
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.1 == r => g.0 *= size as u64,
            _ => groups.push((size as u64, r)),
        }
    }
    let strides = row_major(&groups.iter().map(|g| g.0).collect::<Vec<_>>());
    let select = |want: bool| -> Vec<(u64, u64)> {
        groups.iter().zip(&strides).filter(|(g, _)| g.1 == want).map(|(g, &s)| (g.0, s)).collect()
    };
    let (kept, reduced) = (select(false), select(true));
    Ok(Geometry {
        outputs: kept.iter().map(|g| g.0).product(),
        count: reduced.iter().map(|g| g.0).product(),
        inner_reduced: groups.last().is_some_and(|g| g.1),
        kept,
        reduced,
        groups,
    })
}

/// Into how many chunks each output's reduction is split: enough work items to fill the GPU
/// (about 1024 blocks in the rows layout, 65536 threads in the columns layout), but chunks of at
/// least 4096 (rows) or 256 (columns) elements. Returns `(splits, chunk)`.
fn split(outputs: u64, count: u64, rows: bool) -> (u64, u64) {
    let (target, min_chunk): (u64, u64) = if rows { (1024, 4096) } else { (65536, 256) };
    let splits = target.div_ceil(outputs.max(1)).min(count.div_ceil(min_chunk)).max(1);
    let chunk = count.div_ceil(splits).max(1);
    (count.div_ceil(chunk).max(1), chunk)
}

const REDUCE_ROWS: &str = r#"$work_loop {
    const $I o = w / $splits;
    const $I r_begin = (w % $splits) * $chunk;
    const $I r_end = r_begin + $chunk < $count ? r_begin + $chunk : $count;
    const $I base = $out_offset;
    double acc = $identity;
    for ($I r = r_begin + threadIdx.x; r < r_end; r += blockDim.x) {
        const double v = (double)ld(x[base + $red_offset]);
        acc = $combine;
    }
    acc = $block_reduce(acc);
    if (threadIdx.x == 0) $write;
}
"#;

const REDUCE_COLUMNS: &str = r#"$work_loop {
    const $I o = w % $outputs;
    const $I r_begin = (w / $outputs) * $chunk;
    const $I r_end = r_begin + $chunk < $count ? r_begin + $chunk : $count;
    const $I base = $out_offset;
    double acc = $identity;
    for ($I r = r_begin; r < r_end; ++r) {
        const double v = (double)ld(x[base + $red_offset]);
        acc = $combine;
    }
    $write;
}
"#;

const REDUCE_FINISH: &str = r#"const double* partial = (const double*)scratch;
$outputs_loop {
    double acc = $identity;
    for ($I p = 0; p < $splits; ++p) {
        const double v = partial[$partial_index];
        acc = $combine;
    }
    put(&y[o], $finish);
}
"#;

/// `exec.reduce`: `y` holds the kept dims in order (`keepdim` changes only the shape).
pub fn reduce(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1])?;
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let kind = v.attrs.str("kind").unwrap_or("");
    let (identity, combine, block_reduce, helper) = match kind {
        "sum" | "mean" => ("0.0".to_string(), "acc + v", "block_sum_d", Helper::BlockSumD),
        "max" => (f64_lit(f64::NEG_INFINITY), "(v > acc || isnan(v)) ? v : acc", "block_max_d", Helper::BlockMaxD),
        other => return Err(format!("kind must be \"sum\", \"mean\" or \"max\", found \"{other}\"")),
    };
    let g = geometry(v.types[0], v.attrs.ints("axes").ok_or("missing 'axes'")?)?;
    let rows = g.inner_reduced;
    let (splits, chunk) = split(g.outputs, g.count, rows);
    let work = g.outputs * splits;
    let index = Index::for_elements(v.types[0].num_elements().max(work));
    let finish =
        if kind == "mean" { format!("(float)(acc / {})", f64_lit(g.count as f64)) } else { "(float)acc".into() };
    let write = if splits == 1 { format!("put(&y[o], {finish})") } else { "partial[w] = acc".to_string() };
    let partial_index =
        if rows { format!("o * {} + p", index.lit(splits)) } else { format!("p * {} + o", index.lit(g.outputs)) };
    let vars = [
        ("I", index.ty().to_string()),
        ("work_loop", if rows { index.block_stride("w", work) } else { index.grid_stride("w", work) }),
        ("outputs_loop", index.grid_stride("o", g.outputs)),
        ("splits", index.lit(splits)),
        ("chunk", index.lit(chunk)),
        ("count", index.lit(g.count)),
        ("outputs", index.lit(g.outputs)),
        ("out_offset", index.offset_expr("o", &g.kept)),
        ("red_offset", index.offset_expr("r", &g.reduced)),
        ("identity", identity),
        ("combine", combine.to_string()),
        ("block_reduce", block_reduce.to_string()),
        ("write", write),
        ("finish", finish),
        ("partial_index", partial_index),
    ];
    let mut main = subst(if rows { REDUCE_ROWS } else { REDUCE_COLUMNS }, &vars);
    if splits > 1 {
        main = format!("double* partial = (double*)scratch;\n{main}");
    }
    let (grid, block) = if rows { (work.min(MAX_ROW_GRID), row_block(chunk)) } else { element_launch(work) };
    let layout = if rows { "one block per output" } else { "one thread per output" };
    let mut entries = vec![Entry {
        suffix: if splits > 1 { "_partial" } else { "" },
        purpose: if splits > 1 {
            if rows {
                "one block per (output, chunk): chunk results into scratch"
            } else {
                "one thread per (output, chunk): chunk results into scratch"
            }
        } else {
            layout
        },
        grid,
        block,
        body: indent(&main, 4),
    }];
    let mut helpers = vec![Helper::Put];
    if rows {
        helpers.push(helper);
    }
    if splits > 1 {
        let (grid, block) = element_launch(g.outputs);
        entries.push(Entry {
            suffix: "_finish",
            purpose: "one thread per output: combines its chunks in order",
            grid,
            block,
            body: indent(&subst(REDUCE_FINISH, &vars), 4),
        });
    }
    let mut spec = v.spec(params, entries, &helpers);
    if splits > 1 {
        let order = if rows { "[outputs][chunks]" } else { "[chunks][outputs]" };
        spec.scratch = Some((work * 8, format!("f64 chunk results {order}, {} outputs x {splits} chunks", g.outputs)));
    }
    Ok(spec)
}

const TIES: &str = r#"int* ties = (int*)scratch;
$outputs_loop {
    const $I base = $out_offset;
    const float m = ld(y[o]);
    int c = 0;
    for ($I r = threadIdx.x; r < $count; r += blockDim.x) c += ld(x[base + $red_offset]) == m ? 1 : 0;
    c = block_sum_i(c);
    if (threadIdx.x == 0) ties[o] = c;
}
"#;

const SCATTER: &str = r#"const int* ties = (const int*)scratch;
$elements_loop {
    const $I o = $slot;
    put(&dx[i], ld(x[i]) == ld(y[o]) ? ld(dy[o]) / (float)ties[o] : 0.0f);
}
"#;

/// `exec.reduce_max_grad`: `dy` of each output goes to the elements of `x` equal to its maximum
/// `y`, shared equally among ties. The first launch counts the ties of every output into scratch
/// (one block per output), the second gives each element of `x` its share.
pub fn reduce_max_grad(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1, 2, 3])?;
    let params = v.params(&[("x", Role::Input), ("y", Role::Input), ("dy", Role::Input), ("dx", Role::Output)])?;
    let g = geometry(v.types[0], v.attrs.ints("axes").ok_or("missing 'axes'")?)?;
    if g.count > i32::MAX as u64 {
        return Err(format!("{} reduced elements per output are more than an int counts", g.count));
    }
    let n = v.types[0].num_elements();
    let index = Index::for_elements(n);
    // Element i of x reduces into slot Σ (index in kept group) · (its stride in y).
    let y_strides = row_major(&g.kept.iter().map(|k| k.0).collect::<Vec<_>>());
    let mut kept_strides = y_strides.iter();
    let slot_dims: Vec<(u64, u64)> = g
        .groups
        .iter()
        .map(|&(size, reduced)| (size, if reduced { 0 } else { kept_strides.next().copied().unwrap_or(0) }))
        .collect();
    let vars = [
        ("I", index.ty().to_string()),
        ("outputs_loop", index.block_stride("o", g.outputs)),
        ("elements_loop", index.grid_stride("i", n)),
        ("count", index.lit(g.count)),
        ("out_offset", index.offset_expr("o", &g.kept)),
        ("red_offset", index.offset_expr("r", &g.reduced)),
        ("slot", index.offset_expr("i", &slot_dims)),
    ];
    let (grid, block) = element_launch(n);
    let entries = vec![
        Entry {
            suffix: "_ties",
            purpose: "one block per output: counts the elements equal to its maximum into scratch",
            grid: g.outputs.clamp(1, MAX_ROW_GRID),
            block: row_block(g.count),
            body: indent(&subst(TIES, &vars), 4),
        },
        Entry {
            suffix: "_scatter",
            purpose: "one thread per element of x",
            grid,
            block,
            body: indent(&subst(SCATTER, &vars), 4),
        },
    ];
    let mut spec = v.spec(params, entries, &[Helper::Put, Helper::BlockSumI]);
    spec.scratch = Some((g.outputs * 4, format!("i32 tie counts [{}]", g.outputs)));
    Ok(spec)
}
