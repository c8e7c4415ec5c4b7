//! Data-movement and lookup kernels: `exec.copy` (transpose by `perm`), `exec.slice`,
//! `exec.insert`, `exec.fill`, `exec.embedding`, `exec.embedding_grad` and `exec.rope`. Each
//! thread handles one element (or one rotated pair) found by a plain index mapping with the shapes
//! baked in.
//!
//! `embedding_grad` sums rows of `dy` into rows of the table without atomics, in two launches: the
//! first sorts the positions by id (each position's rank is the number of positions with a smaller
//! `(id, position)`, O(tokens²) comparisons, fine for the tokens of one micro-batch) into scratch;
//! the second gives each table row one block, which finds its run of positions by binary search
//! and adds their `dy` rows in increasing position order in f64, as the CPU backend does.

use super::cuda::{element_launch, f32_lit, f64_lit, indent, row_launch, store_expr, subst, Entry, Helper, Index};
use super::cuda::{KernelSpec, Role};
use super::elementwise::row_major;
use super::OpView;
use parc_dialects::graph::normalize_axis;
use parc_dialects::types::{DType, TensorType};

fn shape_u64(t: &TensorType) -> Vec<u64> {
    t.shape.iter().map(|&d| d as u64).collect()
}

/// `(size, stride)` dims with size-1 dims dropped and a dim merged into the one before it where
/// the strides allow (so a transpose of `[B, S, H, D]` to `[B, H, S, D]` has three dims).
fn merge_dims(dims: impl IntoIterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (size, stride) in dims {
        if size == 1 {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.1 == stride * size => *last = (last.0 * size, stride),
            _ => out.push((size, stride)),
        }
    }
    out
}

/// A kernel with one grid-stride entry point over `n` elements. Without `helpers` it moves
/// elements as they are stored and needs no conversions.
fn one_entry(
    v: &OpView,
    params: Vec<super::cuda::Param>,
    n: u64,
    purpose: &'static str,
    body: String,
    helpers: &[Helper],
) -> KernelSpec {
    let (grid, block) = element_launch(n);
    let mut spec = v.spec(params, vec![Entry { suffix: "", purpose, grid, block, body: indent(&body, 4) }], helpers);
    spec.conversions = !helpers.is_empty();
    spec
}

/// `exec.copy`: `y = transpose(x, perm)`, result dim `i` being operand dim `perm[i]`.
pub fn copy(v: &OpView) -> Result<KernelSpec, String> {
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let x = v.types[0];
    let perm = v.attrs.ints("perm").ok_or("missing 'perm'")?;
    if perm.len() != x.rank() || perm.iter().any(|&p| p < 0 || p as usize >= x.rank()) {
        return Err(format!("perm {perm:?} is not a permutation of 0..{}", x.rank()));
    }
    let (shape, strides) = (shape_u64(x), row_major(&shape_u64(x)));
    let dims = merge_dims(perm.iter().map(|&p| (shape[p as usize], strides[p as usize])));
    let n = x.num_elements();
    let index = Index::for_elements(n);
    let body = format!("{} {{\n    y[i] = x[{}];\n}}\n", index.grid_stride("i", n), index.offset_expr("i", &dims));
    Ok(one_entry(v, params, n, "one thread per element of y", body, &[]))
}

/// The axis and start of a slice or insert, checked against the big operand.
fn axis_start(v: &OpView, big: &TensorType) -> Result<(usize, u64), String> {
    let axis = normalize_axis(v.attrs.int("axis").ok_or("missing 'axis'")?, big.rank())?;
    let start = v.attrs.int("start").ok_or("missing 'start'")?;
    if start < 0 {
        return Err(format!("start {start} is negative"));
    }
    Ok((axis, start as u64))
}

/// `exec.slice`: `y = x[.., start : start + y.dim(axis), ..]`.
pub fn slice(v: &OpView) -> Result<KernelSpec, String> {
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let (x, y) = (v.types[0], v.types[1]);
    let (axis, start) = axis_start(v, x)?;
    let x_strides = row_major(&shape_u64(x));
    let dims: Vec<(u64, u64)> = shape_u64(y).into_iter().zip(x_strides.iter().copied()).collect();
    let n = y.num_elements();
    let index = Index::for_elements(x.num_elements());
    let base = index.lit(start * x_strides.get(axis).copied().unwrap_or(0));
    let body =
        format!("{} {{\n    y[i] = x[{base} + {}];\n}}\n", index.grid_stride("i", n), index.offset_expr("i", &dims));
    Ok(one_entry(v, params, n, "one thread per element of y", body, &[]))
}

/// `exec.insert`: `y[.., start : start + x.dim(axis), ..] = x`; the rest of `y` is untouched.
pub fn insert(v: &OpView) -> Result<KernelSpec, String> {
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let (x, y) = (v.types[0], v.types[1]);
    let (axis, start) = axis_start(v, y)?;
    let y_strides = row_major(&shape_u64(y));
    let dims: Vec<(u64, u64)> = shape_u64(x).into_iter().zip(y_strides.iter().copied()).collect();
    let n = x.num_elements();
    let index = Index::for_elements(y.num_elements());
    let base = index.lit(start * y_strides.get(axis).copied().unwrap_or(0));
    let body =
        format!("{} {{\n    y[{base} + {}] = x[i];\n}}\n", index.grid_stride("i", n), index.offset_expr("i", &dims));
    Ok(one_entry(v, params, n, "one thread per element of x", body, &[]))
}

/// `exec.fill`: every element of `y` is `value`.
pub fn fill(v: &OpView) -> Result<KernelSpec, String> {
    let params = v.params(&[("y", Role::Output)])?;
    let y = v.types[0];
    let value = v.attrs.float("value").ok_or("missing 'value'")?;
    let literal = match y.dtype {
        DType::I32 => format!("(int){}", f64_lit(value)),
        DType::I64 => format!("(long long){}", f64_lit(value)),
        d => store_expr(d, &f32_lit(value)),
    };
    let n = y.num_elements();
    let index = Index::for_elements(n);
    let body = format!("{} {{\n    y[i] = {literal};\n}}\n", index.grid_stride("i", n));
    Ok(one_entry(v, params, n, "one thread per element", body, &[]))
}

const EMBEDDING: &str = r#"$loop {
    const long long id = (long long)ids[i / $h];
    // An id outside [0, vocab) gives NaN (the CPU backend reports it as an error).
    put(&out[i], id >= 0 && id < $vocab ? ld(table[($I)id * $h + i % $h]) : __int_as_float(0x7fc00000));
}
"#;

/// `exec.embedding`: row `ids[p]` of the table is row `p` of the output.
pub fn embedding(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 2])?;
    let params = v.params(&[("table", Role::Input), ("ids", Role::Input), ("out", Role::Output)])?;
    let (table, out) = (v.types[0], v.types[2]);
    let [vocab, hidden] = table.shape[..] else { return Err("the table must be [vocab, hidden]".into()) };
    let n = out.num_elements();
    let index = Index::for_elements(n.max(table.num_elements()));
    let vars = [
        ("loop", index.grid_stride("i", n)),
        ("h", index.lit(hidden as u64)),
        ("vocab", format!("{vocab}ll")),
        ("I", index.ty().to_string()),
    ];
    Ok(one_entry(v, params, n, "one thread per output element", subst(EMBEDDING, &vars), &[Helper::Put]))
}

const EMBEDDING_GRAD_SORT: &str = r#"long long* sorted_id = (long long*)scratch;
int* sorted_pos = (int*)(sorted_id + $tokens);
$positions_loop {
    const long long id = (long long)ids[p];
    unsigned int rank = 0;
    for (unsigned int q = 0; q < $tokens; ++q) {
        const long long other = (long long)ids[q];
        rank += (other < id || (other == id && q < p)) ? 1u : 0u;
    }
    sorted_id[rank] = id;
    sorted_pos[rank] = (int)p;
}
"#;

const EMBEDDING_GRAD_ROWS: &str = r#"const long long* sorted_id = (const long long*)scratch;
const int* sorted_pos = (const int*)(sorted_id + $tokens);
$rows_loop {
    // The sorted positions [begin, end) have id r, in increasing position order.
    unsigned int lo = 0, hi = $tokens;
    while (lo < hi) {
        const unsigned int mid = (lo + hi) / 2u;
        if (sorted_id[mid] < (long long)r) lo = mid + 1u; else hi = mid;
    }
    const unsigned int begin = lo;
    hi = $tokens;
    while (lo < hi) {
        const unsigned int mid = (lo + hi) / 2u;
        if (sorted_id[mid] <= (long long)r) lo = mid + 1u; else hi = mid;
    }
    const unsigned int end = lo;
    for (unsigned int j = threadIdx.x; j < $hj; j += blockDim.x) {
        double s = 0.0;
        for (unsigned int k = begin; k < end; ++k) s += (double)ld(dy[($I)sorted_pos[k] * $h + j]);
        put(&dtable[r * $h + j], (float)s);
    }
}
"#;

/// `exec.embedding_grad`: row `r` of `dtable` is the sum of the rows of `dy` at the positions
/// where `ids == r` (0 where there are none).
pub fn embedding_grad(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[1, 2])?;
    let params = v.params(&[("ids", Role::Input), ("dy", Role::Input), ("dtable", Role::Output)])?;
    let (ids, dtable) = (v.types[0], v.types[2]);
    if ids.dtype.is_float() {
        return Err(format!("ids must be integers, found {}", ids.dtype));
    }
    let [vocab, hidden] = dtable.shape[..] else { return Err("dtable must be [vocab, hidden]".into()) };
    let tokens = ids.num_elements();
    if tokens > i32::MAX as u64 {
        return Err(format!("{tokens} ids are more than these kernels index (2^31)"));
    }
    let index = Index::for_elements(v.types[1].num_elements().max(dtable.num_elements()));
    let vars = [
        ("tokens", format!("{tokens}u")),
        ("positions_loop", Index::for_elements(tokens).grid_stride("p", tokens)),
        ("rows_loop", index.block_stride("r", vocab as u64)),
        ("h", index.lit(hidden as u64)),
        ("hj", format!("{hidden}u")),
        ("I", index.ty().to_string()),
    ];
    let (sort_grid, sort_block) = element_launch(tokens);
    let (rows_grid, rows_block) = row_launch(vocab as u64, hidden as u64);
    let entries = vec![
        Entry {
            suffix: "_sort",
            purpose: "sorts the positions by (id, position) into scratch",
            grid: sort_grid,
            block: sort_block,
            body: indent(&subst(EMBEDDING_GRAD_SORT, &vars), 4),
        },
        Entry {
            suffix: "_rows",
            purpose: "one block per table row: adds its positions' dy rows in order",
            grid: rows_grid,
            block: rows_block,
            body: indent(&subst(EMBEDDING_GRAD_ROWS, &vars), 4),
        },
    ];
    let mut spec = v.spec(params, entries, &[Helper::Put]);
    spec.scratch = Some((tokens * 12, format!("the ids sorted (i64[{tokens}]), then their positions (i32[{tokens}])")));
    Ok(spec)
}

const ROPE: &str = r#"$loop {
    const $I i = t % $half;
    const $I vec = t / $half;
    const $I p = (vec / $heads) % $seq;
    const $I base = vec * $d;
    double s, c;
    sincos($sign * (double)p * inv_freq[i], &s, &c);
    const float sf = (float)s, cf = (float)c;
    const float x1 = ld(x[base + i]), x2 = ld(x[base + i + $half]);
    st(&y[base + i], x1 * cf - x2 * sf);
    st(&y[base + i + $half], x2 * cf + x1 * sf);
}
"#;

/// `exec.rope`: rotary embedding of `x[.., seq, heads, d]` in the rotate-half layout: at position
/// `p` the pair `(i, i + d/2)` rotates by `p·theta^(−2i/d)` (its negative with `inverse`). The
/// frequencies are computed here in f64 (as the CPU backend does) and baked in; each thread
/// computes its angle's sine and cosine in f64 and rounds them to f32.
pub fn rope(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0, 1])?;
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let x = v.types[0];
    if x.rank() < 3 || x.shape[x.rank() - 1] % 2 != 0 {
        return Err(format!("rope needs [.., seq, heads, even head_dim], found {:?}", x.shape));
    }
    let (seq, heads, d) = (x.shape[x.rank() - 3] as u64, x.shape[x.rank() - 2] as u64, x.shape[x.rank() - 1] as u64);
    let half = d / 2;
    let theta = v.attrs.float("theta").ok_or("missing 'theta'")?;
    let freqs: Vec<String> = (0..half).map(|i| f64_lit(theta.powf(-2.0 * i as f64 / d as f64))).collect();
    let n = x.num_elements() / 2;
    let index = Index::for_elements(x.num_elements());
    let sign = if v.attrs.flag("inverse") { "(-1.0)" } else { "1.0" };
    let vars = [
        ("loop", index.grid_stride("t", n)),
        ("I", index.ty().to_string()),
        ("half", index.lit(half)),
        ("heads", index.lit(heads)),
        ("seq", index.lit(seq)),
        ("d", index.lit(d)),
        ("sign", sign.to_string()),
    ];
    let mut spec = one_entry(v, params, n, "one thread per rotated pair", subst(ROPE, &vars), &[]);
    spec.conversions = true;
    spec.globals = format!(
        "// theta^(-2i/head_dim) for i < head_dim/2, theta = {}.\n__constant__ double inv_freq[{half}] = {{{}}};\n",
        f64_lit(theta),
        freqs.join(", ")
    );
    Ok(spec)
}
