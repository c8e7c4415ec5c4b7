//! Mixture-of-experts kernels (docs/moe.md): `exec.top_k`, `exec.one_hot`, `exec.moe_scatter` and
//! `exec.moe_gather`, computing exactly what the CPU backend computes.
//!
//! `top_k` gives each row one thread, which repeats the CPU's selection: in each round the first
//! position not yet taken, replaced by any later untaken one that is strictly larger (so equal
//! values go to the lower position and NaN never wins over a number). The taken positions are the
//! row's outputs so far.
//!
//! The scatter and the gather share three launches: `_init` marks every buffer row and every
//! (token, choice) pair unassigned in scratch, `_slots` gives each (group, expert) one thread that
//! walks the group's pairs in token order, then choice order, and hands its expert's slots out
//! (the CPU's sequential pass, split by group and expert, which do not interact), and `_copy`
//! moves one element per thread, writing 0 where nothing was assigned.

use super::cuda::{element_launch, indent, subst, Entry, Index, KernelSpec, Role};
use super::OpView;

const TOP_K: &str = r#"$loop {
    const x_t* row = x + r * $n;
    y_t* out = y + r * $k;
    for (unsigned int j = 0; j < $kj; ++j) {
        unsigned int best = 0;
        bool found = false;
        for (unsigned int i = 0; i < $nj; ++i) {
            bool taken = false;
            for (unsigned int q = 0; q < j; ++q) taken = taken || (unsigned int)out[q] == i;
            if (taken) continue;
            if (!found || ld(row[i]) > ld(row[best])) best = i;
            found = true;
        }
        out[j] = (int)best;
    }
}
"#;

/// `exec.top_k`: the positions of each row's `k` largest entries, largest first (i32).
pub fn top_k(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[0])?;
    let params = v.params(&[("x", Role::Input), ("y", Role::Output)])?;
    let (rows, n) = v.rows(0);
    let k = v.attrs.int("k").ok_or("missing 'k'")?;
    if k < 1 || k as u64 > n {
        return Err(format!("k = {k} must be in 1..={n}"));
    }
    let index = Index::for_elements(v.types[0].num_elements());
    let vars = [
        ("loop", index.grid_stride("r", rows)),
        ("n", index.lit(n)),
        ("k", index.lit(k as u64)),
        ("nj", format!("{n}u")),
        ("kj", format!("{k}u")),
    ];
    let (grid, block) = element_launch(rows);
    let entry = Entry { suffix: "", purpose: "one thread per row", grid, block, body: indent(&subst(TOP_K, &vars), 4) };
    Ok(v.spec(params, vec![entry], &[]))
}

/// `exec.one_hot`: 1 at each id's class, 0 elsewhere (a row of NaN for an id outside
/// `[0, classes)`, which the CPU backend reports as an error).
pub fn one_hot(v: &OpView) -> Result<KernelSpec, String> {
    v.need_float(&[1])?;
    let params = v.params(&[("ids", Role::Input), ("y", Role::Output)])?;
    let classes = v.types[1].shape.last().copied().unwrap_or(1) as u64;
    let n = v.types[1].num_elements();
    let index = Index::for_elements(n);
    let c = index.lit(classes);
    let body = format!(
        "{} {{\n    const long long id = (long long)ids[i / {c}];\n    \
         st(&y[i], id < 0 || id >= {classes}ll ? __int_as_float(0x7fc00000) : (id == (long long)(i % {c}) ? 1.0f : 0.0f));\n}}\n",
        index.grid_stride("i", n)
    );
    let (grid, block) = element_launch(n);
    let entry = Entry { suffix: "", purpose: "one thread per element of y", grid, block, body: indent(&body, 4) };
    Ok(v.spec(params, vec![entry], &[]))
}

const SLOTS_INIT: &str = r#"int* source = (int*)scratch;
int* dest = source + $rows_total;
$rows_loop {
    source[i] = -1;
}
$pairs_loop {
    dest[i] = -1;
}
"#;

const SLOTS_ASSIGN: &str = r#"int* source = (int*)scratch;
int* dest = source + $rows_total;
$ge_loop {
    const unsigned int g = ge / $experts, e = ge % $experts;
    unsigned int used = 0;
    for (unsigned int p = g * $group_pairs; p < (g + 1u) * $group_pairs; ++p) {
        if ((long long)experts_in[p] != (long long)e) continue;
        if (used < $capacity) {
            const int row = (int)(e * $rows_per_expert + g * $capacity + used);
            source[row] = (int)p;
            dest[p] = row;
        }
        ++used;
    }
}
"#;

const SCATTER_COPY: &str = r#"const int* source = (const int*)scratch;
$loop {
    const int p = source[i / $h];
    st(&buf[i], p >= 0 ? ld(x[($I)p * $h + i % $h]) : 0.0f);
}
"#;

const GATHER_COPY: &str = r#"const int* dest = (const int*)scratch + $rows_total;
$loop {
    const int row = dest[i / $h];
    st(&y[i], row >= 0 ? ld(buf[($I)row * $h + i % $h]) : 0.0f);
}
"#;

/// `exec.moe_scatter` (`scatter = true`: x, experts → buf) and `exec.moe_gather` (buf, experts →
/// y): the slot launches, then the copy.
pub fn moe_move(v: &OpView, scatter: bool) -> Result<KernelSpec, String> {
    let names = if scatter {
        [("x", Role::Input), ("experts_in", Role::Input), ("buf", Role::Output)]
    } else {
        [("buf", Role::Input), ("experts_in", Role::Input), ("y", Role::Output)]
    };
    v.need_float(&[0, 2])?;
    let params = v.params(&names)?;
    let (pairs_t, buf_t) = if scatter { (v.types[0], v.types[2]) } else { (v.types[2], v.types[0]) };
    let [tokens, k, hidden] = pairs_t.shape[..] else { return Err("expected pairs [tokens, k, hidden]".into()) };
    let [experts, rows_per_expert, _] = buf_t.shape[..] else {
        return Err("expected a buffer [experts, rows, hidden]".into());
    };
    let int = |name: &str| v.attrs.int(name).filter(|&n| n >= 1).map(|n| n as u64).ok_or(format!("bad '{name}'"));
    let (capacity, groups) = (int("capacity")?, int("groups")?);
    let (tokens, k, hidden, experts) = (tokens as u64, k as u64, hidden as u64, experts as u64);
    if groups * capacity != rows_per_expert as u64 || tokens % groups != 0 {
        return Err(format!("{rows_per_expert} rows per expert for {groups} groups of capacity {capacity}"));
    }
    let (pairs, rows_total) = (tokens * k, experts * rows_per_expert as u64);
    if pairs.max(rows_total) > i32::MAX as u64 {
        return Err(format!("{pairs} pairs or {rows_total} buffer rows are more than these kernels index (2^31)"));
    }
    let n = if scatter { buf_t.num_elements() } else { pairs_t.num_elements() };
    let index = Index::for_elements(buf_t.num_elements().max(pairs_t.num_elements()));
    let small = Index::for_elements(pairs.max(rows_total).max(groups * experts));
    let vars = [
        ("rows_total", format!("{rows_total}")),
        ("rows_loop", small.grid_stride("i", rows_total)),
        ("pairs_loop", small.grid_stride("i", pairs)),
        ("ge_loop", small.grid_stride("ge", groups * experts)),
        ("experts", format!("{experts}u")),
        ("group_pairs", format!("{}u", tokens / groups * k)),
        ("capacity", format!("{capacity}u")),
        ("rows_per_expert", format!("{rows_per_expert}u")),
        ("loop", index.grid_stride("i", n)),
        ("h", index.lit(hidden)),
        ("I", index.ty().to_string()),
    ];
    let launch = |work: u64| element_launch(work);
    let (init_grid, init_block) = launch(pairs.max(rows_total));
    let (slots_grid, slots_block) = launch(groups * experts);
    let (copy_grid, copy_block) = launch(n);
    let copy = if scatter { SCATTER_COPY } else { GATHER_COPY };
    let entries = vec![
        Entry {
            suffix: "_init",
            purpose: "marks every buffer row and every pair unassigned",
            grid: init_grid,
            block: init_block,
            body: indent(&subst(SLOTS_INIT, &vars), 4),
        },
        Entry {
            suffix: "_slots",
            purpose: "one thread per (group, expert): its slots, in token then choice order",
            grid: slots_grid,
            block: slots_block,
            body: indent(&subst(SLOTS_ASSIGN, &vars), 4),
        },
        Entry {
            suffix: "_copy",
            purpose: "one thread per element of the output",
            grid: copy_grid,
            block: copy_block,
            body: indent(&subst(copy, &vars), 4),
        },
    ];
    let mut spec = v.spec(params, entries, &[]);
    spec.scratch = Some((
        (rows_total + pairs) * 4,
        format!("each buffer row's pair (i32[{rows_total}], -1 if none), then each pair's row (i32[{pairs}], -1 if dropped)"),
    ));
    Ok(spec)
}
