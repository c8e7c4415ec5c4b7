//! The `exec.elementwise` renderer: a grid-stride loop over the output elements that loads one
//! element of every input (its offset computed from the flat output index with NumPy broadcasting,
//! shapes and strides baked in), evaluates the body with one C expression per node from
//! [`SCALAR_OPS`], and writes (or, with `accumulate`, adds) one element of every output.
//!
//! Values live in their [`compute_type`]: f32, bf16 and f16 values are floats (bf16 and f16 are
//! converted on load and store), so the nodes of a fused body compute in f32 and only a
//! `graph.cast` rounds to a narrower type. This is what fusing means on a GPU, and it differs from
//! evaluating the ops one by one in bf16 (every intermediate rounded) in the last bits.

use parc_dialects::exec::{broadcast_layout, Access};
use std::collections::BTreeSet;

use parc_dialects::exec::ExecOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, Op, OpKind, Value};
use parc_dialects::types::{DType, TensorType};
use parc_dialects::AttrMap;

use super::cuda::{
    compute_type, element_launch, f32_lit, load_expr, store_expr, subst, Entry, Helper, Index, KernelSpec, Param, Role,
    GELU_A, GELU_C,
};

/// The C expression of every scalar op an elementwise body may use, over its operands `$0`, `$1`
/// (C names of earlier values) and attributes (`$factor`, `$cast`), with the prelude helper it
/// calls. Every operand name is a plain identifier, so repeating `$0` repeats no work.
pub const SCALAR_OPS: &[(GraphOp, &str, Option<Helper>)] = &[
    (GraphOp::Add, "($0 + $1)", None),
    (GraphOp::Sub, "($0 - $1)", None),
    (GraphOp::Mul, "($0 * $1)", None),
    (GraphOp::Div, "($0 / $1)", None),
    (GraphOp::Scale, "($0 * $factor)", None),
    (GraphOp::Gelu, "(0.5f * $0 * (1.0f + tanhf($gelu_c * ($0 + $gelu_a * $0 * $0 * $0))))", None),
    (GraphOp::Silu, "($0 / (1.0f + expf(-$0)))", None),
    (GraphOp::GeluGrad, "parc_gelu_grad($0, $1)", Some(Helper::GeluGrad)),
    (GraphOp::SiluGrad, "parc_silu_grad($0, $1)", Some(Helper::SiluGrad)),
    (GraphOp::Cast, "$cast", None),
];

/// `x` (a value of `from`'s compute type) converted as `graph.cast` to `to`: in the compute type
/// of `to`, rounded to `to` (a cast to bf16 rounds the float to bf16 and widens it back).
fn cast_expr(x: &str, from: DType, to: DType) -> String {
    let float = if from.is_float() { x.to_string() } else { format!("(float){x}") };
    match to {
        DType::F32 => float,
        DType::BF16 => format!("__bfloat162float(__float2bfloat16({float}))"),
        DType::F16 => format!("__half2float(__float2half({float}))"),
        DType::I32 => format!("(int){x}"),
        DType::I64 => format!("(long long){x}"),
    }
}

/// The C expression of one body node.
fn scalar_expr(
    op: GraphOp,
    args: &[&str],
    attrs: &AttrMap,
    from: DType,
    to: DType,
    helpers: &mut BTreeSet<Helper>,
) -> Result<String, String> {
    let Some(&(_, template, helper)) = SCALAR_OPS.iter().find(|(k, _, _)| *k == op) else {
        return Err(format!("'{}' has no entry in the elementwise table", op.name()));
    };
    if let Some(h) = helper {
        helpers.insert(h);
    }
    let arg = |i: usize| args.get(i).map(|a| a.to_string()).unwrap_or_default();
    let factor = attrs.float("factor").unwrap_or(1.0);
    let factor = if to.is_float() { f32_lit(factor) } else { format!("({})", f32_lit(factor)) };
    Ok(subst(
        template,
        &[
            ("0", arg(0)),
            ("1", arg(1)),
            ("factor", factor),
            ("gelu_c", f32_lit(GELU_C)),
            ("gelu_a", f32_lit(GELU_A)),
            ("cast", cast_expr(&arg(0), from, to)),
        ],
    ))
}

/// Row-major strides of `shape`.
pub fn row_major(shape: &[u64]) -> Vec<u64> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

/// Renders the `exec.elementwise` op `op` of `func`.
/// The C type of 4 elements of `dtype` moved in one load or store (2- and 4-byte types only).
fn vector_type(dtype: DType) -> &'static str {
    if dtype.size_bytes() == 2 {
        "uint2"
    } else {
        "uint4"
    }
}

pub fn render(func: &Function, op: Op) -> Result<KernelSpec, String> {
    let data = &func.ops[op];
    let n_inputs = data.attrs.int("n_inputs").unwrap_or(-1);
    if n_inputs < 0 || n_inputs as usize >= data.operands.len() {
        return Err(format!("n_inputs = {n_inputs} leaves no outputs among {} operands", data.operands.len()));
    }
    let n_inputs = n_inputs as usize;
    let accumulate = data.attrs.flag("accumulate");
    let types: Vec<&TensorType> = data.operands.iter().map(|&v| func.value_type(v).as_tensor()).collect();
    let (inputs, outputs) = types.split_at(n_inputs);
    let out_shape = &outputs[0].shape;
    for (k, t) in inputs.iter().enumerate() {
        let fits = t.shape.len() <= out_shape.len()
            && t.shape.iter().rev().zip(out_shape.iter().rev()).all(|(&d, &o)| d == o || d == 1);
        if !fits {
            return Err(format!("input {k} of shape {:?} does not broadcast to {out_shape:?}", t.shape));
        }
    }
    if let Some(o) = outputs.iter().find(|o| o.shape != *out_shape) {
        return Err(format!("outputs have different shapes: {out_shape:?} and {:?}", o.shape));
    }
    let n = outputs[0].num_elements();
    let [region] = data.regions[..] else { return Err("exec.elementwise needs exactly one region".into()) };
    let [block] = func.regions[region].blocks[..] else { return Err("the elementwise body must be one block".into()) };
    let body = &func.blocks[block];

    let mut params: Vec<Param> = inputs
        .iter()
        .enumerate()
        .map(|(k, t)| Param { name: format!("in{k}"), ty: (*t).clone(), role: Role::Input })
        .collect();
    params.extend(outputs.iter().enumerate().map(|(k, t)| Param {
        name: format!("out{k}"),
        ty: (*t).clone(),
        role: Role::Output,
    }));
    let index = Index::for_elements(types.iter().map(|t| t.num_elements()).max().unwrap_or(1));
    let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
    let (dims, access) = broadcast_layout(out_shape, &shapes);
    let dims: Vec<u64> = dims.iter().map(|&d| d as u64).collect();

    // C names: block argument k is `a{k}`, the result of body op j is `v{j}`.
    let mut names: Vec<(Value, String, DType)> = Vec::new();
    let name_of = |names: &[(Value, String, DType)], v: Value| -> Result<(String, DType), String> {
        names
            .iter()
            .find(|(x, _, _)| *x == v)
            .map(|(_, n, d)| (n.clone(), *d))
            .ok_or_else(|| "the elementwise body uses a value that is not defined before it".to_string())
    };
    let used: BTreeSet<Value> = body.ops.iter().flat_map(|&o| func.ops[o].operands.iter().copied()).collect();
    // The loads of the scalar loop, and of the vector loop: 4 consecutive elements per thread,
    // each contiguous input read with one 8- or 16-byte load into `r{k}`, each output written
    // from `w{k}` with one store (every operand 2 or 4 bytes wide, every input contiguous or one
    // scalar, the element count a multiple of 4, and every pointer 16-byte aligned at run time).
    let mut loads = String::new();
    let mut vector_loads = String::new();
    let mut unrolled_loads = String::new();
    let mut vectorizable = n % 4 == 0 && types.iter().all(|t| matches!(t.dtype.size_bytes(), 2 | 4));
    for (k, (&arg, t)) in body.args.iter().zip(inputs).enumerate() {
        let name = format!("a{k}");
        if used.contains(&arg) {
            let offset = match &access[k] {
                Access::Contiguous => "i".to_string(),
                Access::Scalar => "0".to_string(),
                Access::Strided(strides) => {
                    vectorizable = false;
                    let d: Vec<(u64, u64)> = dims.iter().copied().zip(strides.iter().map(|&s| s as u64)).collect();
                    index.offset_expr("i", &d)
                }
            };
            let ty = compute_type(t.dtype);
            loads.push_str(&format!("const {ty} {name} = {};\n", load_expr(t.dtype, &format!("in{k}[{offset}]"))));
            if matches!(access[k], Access::Contiguous) {
                let v = vector_type(t.dtype);
                vector_loads
                    .push_str(&format!("__align__(16) in{k}_t r{k}[4];\n*({v}*)r{k} = *(const {v}*)(in{k} + c4);\n"));
                unrolled_loads.push_str(&format!("const {ty} {name} = {};\n", load_expr(t.dtype, &format!("r{k}[u]"))));
            } else {
                unrolled_loads
                    .push_str(&format!("const {ty} {name} = {};\n", load_expr(t.dtype, &format!("in{k}[0]"))));
            }
        }
        names.push((arg, name, t.dtype));
    }
    let mut lines = String::new();
    let mut helpers = BTreeSet::new();
    let mut yielded = None;
    for (j, &inner) in body.ops.iter().enumerate() {
        let inner_data = &func.ops[inner];
        match inner_data.kind {
            OpKind::Graph(g) => {
                let mut args = Vec::with_capacity(inner_data.operands.len());
                let mut from = DType::F32;
                for (i, &v) in inner_data.operands.iter().enumerate() {
                    let (n, d) = name_of(&names, v)?;
                    if i == 0 {
                        from = d;
                    }
                    args.push(n);
                }
                let [result] = inner_data.results[..] else {
                    return Err(format!("'{}' in an elementwise body must have one result", g.name()));
                };
                let to = func.value_type(result).as_tensor().dtype;
                let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let expr = scalar_expr(g, &arg_refs, &inner_data.attrs, from, to, &mut helpers)?;
                let name = format!("v{j}");
                lines.push_str(&format!("const {} {name} = {expr};\n", compute_type(to)));
                names.push((result, name, to));
            }
            OpKind::Exec(ExecOp::Yield) => yielded = Some(&inner_data.operands),
            other => return Err(format!("'{}' is not allowed in an elementwise body", other.name())),
        }
    }
    let yielded = yielded.ok_or("the elementwise body must end with exec.yield")?;
    if yielded.len() != outputs.len() {
        return Err(format!("exec.yield gives {} values for {} outputs", yielded.len(), outputs.len()));
    }
    let (mut stores, mut out_arrays, mut unrolled_stores, mut vector_stores) =
        (String::new(), String::new(), String::new(), String::new());
    for (k, (&v, t)) in yielded.iter().zip(outputs).enumerate() {
        let (value, _) = name_of(&names, v)?;
        let target = format!("out{k}[i]");
        let scalar = if accumulate { format!("{} + {value}", load_expr(t.dtype, &target)) } else { value.clone() };
        stores.push_str(&format!("{target} = {};\n", store_expr(t.dtype, &scalar)));
        let vt = vector_type(t.dtype);
        out_arrays.push_str(&format!("__align__(16) out{k}_t w{k}[4];\n"));
        if accumulate {
            out_arrays.push_str(&format!("*({vt}*)w{k} = *(const {vt}*)(out{k} + c4);\n"));
        }
        let lane = format!("w{k}[u]");
        let unrolled = if accumulate { format!("{} + {value}", load_expr(t.dtype, &lane)) } else { value };
        unrolled_stores.push_str(&format!("{lane} = {};\n", store_expr(t.dtype, &unrolled)));
        vector_stores.push_str(&format!("*({vt}*)(out{k} + c4) = *(const {vt}*)w{k};\n"));
    }
    let indent = super::cuda::indent;
    let scalar_loop =
        format!("{} {{\n{}}}\n", index.grid_stride("i", n), indent(&format!("{loads}{lines}{stores}"), 4));
    let mut body_text = String::new();
    if vectorizable && n >= 4 {
        let pointers: Vec<String> = params.iter().map(|p| format!("(unsigned long long)({})", p.name)).collect();
        let unrolled = format!("{unrolled_loads}{lines}{unrolled_stores}");
        let chunk = format!(
            "const auto c4 = c * 4u;\n{vector_loads}{out_arrays}#pragma unroll\nfor (int u = 0; u < 4; ++u) {{\n{}}}\n{vector_stores}",
            indent(&unrolled, 4)
        );
        body_text.push_str(&format!(
            "if ((({}) & 15ull) == 0ull) {{\n{}}} else {{\n{}}}\n",
            pointers.join(" | "),
            indent(&format!("{} {{\n{}}}\n", index.grid_stride("c", n / 4), indent(&chunk, 4)), 4),
            indent(&scalar_loop, 4)
        ));
    } else {
        body_text.push_str(&scalar_loop);
    }
    let body_text = indent(&body_text, 4);
    let (grid, block) = element_launch(n);
    Ok(KernelSpec {
        op: ExecOp::Elementwise,
        attrs: data.attrs.to_string(),
        params,
        entries: vec![Entry {
            suffix: "",
            purpose: "one thread per output element (per 4 contiguous elements where every operand allows)",
            grid,
            block,
            body: body_text,
        }],
        scratch: None,
        accumulate,
        helpers,
        conversions: false,
        globals: String::new(),
    })
}
