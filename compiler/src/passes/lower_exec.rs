//! Lowering of the training step from the `graph` dialect to one rank's `exec` program.
//!
//! The graph module's `@forward_backward` and `@optimizer_step` become exec functions over
//! buffers, and `@train_step` strings them together: zero the gradient and loss accumulators, then
//! for each micro-batch load it and call `@forward_backward`, then call `@optimizer_step`. The
//! persistent tensors (parameters, gradient accumulators, optimizer state, the `tokens`/`labels`/
//! `step` inputs and the `loss` output) are listed in the module attribute `exec.tensors`; every
//! other buffer is a transient `exec.view` whose offset the memory-plan pass assigns.
//!
//! Per op: matmul → `exec.gemm`; reshape → `exec.reshape` (a view, no copy); transpose →
//! `exec.copy`; consecutive elementwise ops with one result shape → one fused `exec.elementwise`;
//! every other op → the library kernel of the same name. Results that a function returns into a
//! persistent tensor are computed directly into it (destination passing), with `accumulate` for
//! the gradients and the loss, so nothing is copied; the optimizer updates run in place.
//!
//! ```text
//! %0 = "graph.matmul"(%x, %w) …        %w = "exec.tensor"() {name = "l0.w"} : () -> memref<64x256xf32>
//! %1 = "graph.add"(%0, %b) …      →    %0 = "exec.view"() {offset = -1 : i64} : () -> memref<2x32x256xf32>
//! %2 = "graph.gelu"(%1) …              "exec.gemm"(%x, %w, %0) : (…) -> ()
//!                                      "exec.elementwise"(%0, %b, %2) ({
//!                                      ^bb0(%a: tensor<f32>, %c: tensor<f32>):
//!                                        %s = "graph.add"(%a, %c) …; %g = "graph.gelu"(%s) …
//!                                        "exec.yield"(%g) …
//!                                      }) {n_inputs = 2 : i64} : (…) -> ()
//! ```

use std::collections::{HashMap, HashSet};

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::builder::Builder;
use parc_dialects::dist::DistOp;
use parc_dialects::elementwise_ops;
use parc_dialects::entity::SecondaryMap;
use parc_dialects::exec::{ExecOp, TensorRole as Role};

use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, Module, Op, OpKind, Value};
use parc_dialects::types::{DType, Type};

use crate::frontend::TrainingConfig;
use crate::mesh::{Axis, Mesh};
use crate::passes::autodiff::FORWARD_BACKWARD;
use crate::passes::optimizer::{state_names, OPTIMIZER_STEP};
use crate::sharding::Group;

/// The step function the runtime calls once per training step.
pub const TRAIN_STEP: &str = "train_step";

/// One persistent tensor.
#[derive(Clone, Debug)]
pub struct PersistentTensor {
    pub name: String,
    pub role: Role,
    pub ty: Type,
}

/// Replaces the graph module by the exec program of one rank (mesh 1x1x1).
pub fn run(module: &mut Module, training: &TrainingConfig) -> Result<(), String> {
    let fb = module.function(FORWARD_BACKWARD).ok_or("lowering needs @forward_backward (run autodiff first)")?;
    let opt = module.function(OPTIMIZER_STEP).ok_or("lowering needs @optimizer_step (run the optimizer pass first)")?;
    let mut tensors: Vec<PersistentTensor> = Vec::new();
    fn add(tensors: &mut Vec<PersistentTensor>, name: String, role: Role, ty: Type) {
        tensors.push(PersistentTensor { name, role, ty });
    }
    let args = fb.args().to_vec();
    let mut fb_args = Vec::new();
    let mut fb_results = Vec::new();
    for (i, &a) in args.iter().enumerate() {
        let ty = fb.value_type(a).as_tensor().clone();
        if let Some(input) = fb.arg_attrs[i].str("parc.input") {
            add(&mut tensors, input.to_string(), Role::Input, Type::MemRef(ty));
            fb_args.push(input.to_string());
        } else if let Some(p) = fb.arg_attrs[i].str("parc.param") {
            add(&mut tensors, p.to_string(), Role::Param, Type::MemRef(ty.clone()));
            fb_args.push(p.to_string());
        } else {
            return Err(format!("argument {i} of @forward_backward is neither an input nor a parameter"));
        }
    }
    let params: Vec<(String, Type)> =
        tensors.iter().filter(|t| t.role == Role::Param).map(|t| (t.name.clone(), t.ty.clone())).collect();
    add(&mut tensors, "loss".into(), Role::Output, Type::memref([], DType::F32));
    fb_results.push("loss".to_string());
    // Gradient and state types come from the signatures: the partitioner may shard them.
    if fb.result_types.len() != params.len() + 1 {
        return Err(format!(
            "@forward_backward returns {} values for {} parameters",
            fb.result_types.len(),
            params.len()
        ));
    }
    for (i, (p, _)) in params.iter().enumerate() {
        add(&mut tensors, format!("grad.{p}"), Role::Grad, Type::MemRef(fb.result_types[1 + i].as_tensor().clone()));
        fb_results.push(format!("grad.{p}"));
    }
    let n = params.len();
    for (k, state) in state_names(training).iter().enumerate() {
        for (i, (p, _)) in params.iter().enumerate() {
            let ty = opt.value_type(opt.args()[(2 + k) * n + i]).as_tensor().clone();
            add(&mut tensors, format!("{state}.{p}"), Role::State, Type::MemRef(ty));
        }
    }
    add(&mut tensors, "step".into(), Role::Input, Type::memref([], DType::I64));
    // @optimizer_step: params, grads, states, step → params', states' (in place).
    let mut opt_args: Vec<String> = params.iter().map(|(p, _)| p.clone()).collect();
    opt_args.extend(params.iter().map(|(p, _)| format!("grad.{p}")));
    for state in state_names(training) {
        opt_args.extend(params.iter().map(|(p, _)| format!("{state}.{p}")));
    }
    opt_args.push("step".into());
    let mut opt_results: Vec<String> = params.iter().map(|(p, _)| p.clone()).collect();
    for state in state_names(training) {
        opt_results.extend(params.iter().map(|(p, _)| format!("{state}.{p}")));
    }

    let table: HashMap<&str, &Type> = tensors.iter().map(|t| (t.name.as_str(), &t.ty)).collect();
    let fb_exec = lower_function(fb, &fb_args, &fb_results, true, &table)?;
    let opt_exec = lower_function(opt, &opt_args, &opt_results, false, &table)?;
    let mut attrs = module.attrs.clone();
    // The partitioner's mesh and parameter layouts become the program's (the runtime reads them).
    let mesh = match attrs.remove("sharding.mesh") {
        Some(attr) => {
            let mesh = Mesh::from_attr(&attr)?;
            attrs.set("exec.mesh", attr);
            mesh
        }
        None => Mesh::SINGLE,
    };
    if let Some(layouts) = attrs.remove("sharding.params") {
        attrs.set("exec.params", layouts);
    }
    let microbatches = training.global_batch / (training.micro_batch * mesh.dp);
    let step_fn = train_step(&mesh, &tensors, |s| {
        for mb in 0..microbatches {
            s.load(mb);
            s.call(FORWARD_BACKWARD);
        }
        Ok(())
    })?;
    attrs.set("exec.tensors", Attr::Array(tensors.iter().map(tensor_attr).collect()));
    attrs.set("exec.microbatches", Attr::Int(microbatches as i64));
    module.attrs = attrs;
    module.functions = vec![step_fn, fb_exec, opt_exec];
    Ok(())
}

pub(crate) fn tensor_attr(t: &PersistentTensor) -> Attr {
    let tt = t.ty.as_tensor();
    Attr::Dict(
        AttrMap::new()
            .with("name", Attr::Str(t.name.clone()))
            .with("role", Attr::Str(t.role.name().into()))
            .with("shape", Attr::Ints(tt.shape.iter().map(|&d| d as i64).collect()))
            .with("dtype", Attr::Str(tt.dtype.name().into()))
            .with("offset", Attr::Int(-1)),
    )
}

/// Builds `@train_step`, the one function the runtime calls per step, for a whole-step program
/// and for a pipeline stage's alike: zero the step's accumulators (every gradient and the loss),
/// run `body` (the micro-batches: loads, calls, and a stage's sends and receives), sum the loss
/// over the axes that split it (pp, then dp), then call `@optimizer_step`.
pub(crate) fn train_step(
    mesh: &Mesh,
    tensors: &[PersistentTensor],
    body: impl FnOnce(&mut StepBuilder) -> Result<(), String>,
) -> Result<Function, String> {
    let mut f = Function::new(TRAIN_STEP, vec![], vec![]);
    let types = tensors.iter().map(|t| (t.name.as_str(), &t.ty)).collect();
    let mut s = StepBuilder { b: Builder::at_entry(&mut f), types, buffers: HashMap::new() };
    for t in tensors.iter().filter(|t| t.role == Role::Grad || t.name == "loss") {
        let v = s.get(&t.name)?;
        s.fill0(v);
    }
    body(&mut s)?;
    // Each stage and each dp rank holds its share of the step's loss; every rank reports the sum.
    let loss = s.get("loss")?;
    for axis in [Axis::Pp, Axis::Dp].into_iter().filter(|&a| mesh.size(a) > 1) {
        let attrs = Group::axis(axis, mesh.size(axis)).attrs().with("op", Attr::Str("sum".into()));
        s.op(ExecOp::AllReduce, vec![loss], attrs);
    }
    s.call(OPTIMIZER_STEP);
    s.b.ret(&[]).map_err(|e| e.to_string())?;
    Ok(f)
}

/// The `@train_step` being built: its ops, and the persistent tensors it names, each read by one
/// `exec.tensor` op made at its first use.
pub(crate) struct StepBuilder<'a> {
    pub b: Builder<'a>,
    types: HashMap<&'a str, &'a Type>,
    buffers: HashMap<String, Value>,
}

impl StepBuilder<'_> {
    /// The persistent tensor `name`.
    pub fn get(&mut self, name: &str) -> Result<Value, String> {
        if let Some(&v) = self.buffers.get(name) {
            return Ok(v);
        }
        let ty = *self.types.get(name).ok_or_else(|| format!("no persistent tensor {name}"))?;
        let v = tensor_op(&mut self.b, name, ty.clone());
        self.buffers.insert(name.to_string(), v);
        Ok(v)
    }

    /// Appends an `exec` op without results.
    pub fn op(&mut self, kind: ExecOp, operands: Vec<Value>, attrs: AttrMap) {
        let block = self.b.block;
        self.b.func.append_op(block, exec(kind), operands, attrs, vec![]);
    }

    /// `x = 0`.
    pub fn fill0(&mut self, x: Value) {
        self.op(ExecOp::Fill, vec![x], AttrMap::new().with("value", Attr::Float(0.0)));
    }

    /// Loads micro-batch `mb` into `tokens` and `labels`.
    pub fn load(&mut self, mb: usize) {
        self.op(ExecOp::LoadBatch, vec![], AttrMap::new().with("microbatch", Attr::Int(mb as i64)));
    }

    /// `dst = src`, for the persistent tensors of those names.
    pub fn copy_named(&mut self, src: &str, dst: &str) -> Result<(), String> {
        let (src, dst) = (self.get(src)?, self.get(dst)?);
        copy_buffer(&mut self.b, src, dst, false);
        Ok(())
    }

    /// Calls the function `callee` of the program.
    pub fn call(&mut self, callee: &str) {
        self.call_rebind(callee, &[]);
    }

    /// Calls `callee` with its persistent tensors renamed by the `(from, to)` prefix pairs
    /// `rebind` lists flat (`exec.call {rebind}`; none: a plain call).
    pub fn call_rebind(&mut self, callee: &str, rebind: &[String]) {
        let mut attrs = AttrMap::new().with("callee", Attr::Str(callee.into()));
        if !rebind.is_empty() {
            attrs.set("rebind", Attr::Array(rebind.iter().map(|s| Attr::Str(s.clone())).collect()));
        }
        self.op(ExecOp::Call, vec![], attrs);
    }
}

/// `dst (+)= src` as an identity `exec.elementwise` kernel.
pub(crate) fn copy_buffer(b: &mut Builder, src: Value, dst: Value, accumulate: bool) {
    let dtype = b.ty(src).as_tensor().dtype;
    let mut attrs = AttrMap::new().with("n_inputs", Attr::Int(1));
    if accumulate {
        attrs.set("accumulate", Attr::Bool(true));
    }
    let block = b.block;
    let op = b.func.append_op(block, exec(ExecOp::Elementwise), vec![src, dst], attrs, vec![]);
    let region = b.func.add_region(op);
    let body = b.func.add_block(region);
    let x = b.func.add_block_arg(body, Type::tensor([], dtype), None);
    b.func.append_op(body, exec(ExecOp::Yield), vec![x], AttrMap::new(), vec![]);
}

pub(crate) fn exec(op: ExecOp) -> OpKind {
    OpKind::Exec(op)
}

pub(crate) fn tensor_op(b: &mut Builder, name: &str, ty: Type) -> Value {
    let block = b.block;
    let op = b.func.append_op(
        block,
        exec(ExecOp::Tensor),
        vec![],
        AttrMap::new().with("name", Attr::Str(name.into())),
        vec![ty],
    );
    let v = b.func.ops[op].results[0];
    b.func.set_name(v, name);
    v
}

/// Where a graph value's buffer comes from when its producer runs.
#[derive(Clone, Copy)]
struct Dest {
    buffer: Value,
    accumulate: bool,
}

struct Lowering<'a> {
    graph: &'a Function,
    /// Graph value → its buffer in the exec function.
    buffers: SecondaryMap<Value, Option<Value>>,
    /// Graph value → the buffer its producer must write (a persistent tensor).
    dests: SecondaryMap<Value, Option<Dest>>,
    uses: SecondaryMap<Value, usize>,
}

/// Lowers one graph function whose arguments are the persistent tensors `arg_names` and whose
/// results go to `result_names` (accumulated when `accumulate_results`).
pub(crate) fn lower_function(
    graph: &Function,
    arg_names: &[String],
    result_names: &[String],
    accumulate_results: bool,
    table: &HashMap<&str, &Type>,
) -> Result<Function, String> {
    lower_function_with(graph, arg_names, result_names, &vec![accumulate_results; result_names.len()], table)
}

/// [`lower_function`] with one accumulate flag per result.
pub(crate) fn lower_function_with(
    graph: &Function,
    arg_names: &[String],
    result_names: &[String],
    accumulate: &[bool],
    table: &HashMap<&str, &Type>,
) -> Result<Function, String> {
    let mut f = Function::new(graph.name.clone(), vec![], vec![]);
    let entry = graph.entry_block();
    let ret = *graph.blocks[entry].ops.last().ok_or("empty function")?;
    let mut uses: SecondaryMap<Value, usize> = SecondaryMap::new();
    for op in graph.walk_ops() {
        for &v in &graph.ops[op].operands {
            uses[v] += 1;
        }
    }
    let mut lw = Lowering { graph, buffers: SecondaryMap::new(), dests: SecondaryMap::new(), uses };
    let mut b = Builder::at_entry(&mut f);
    let ty_of =
        |name: &str| table.get(name).map(|t| (*t).clone()).ok_or_else(|| format!("no persistent tensor {name}"));
    for (i, &a) in graph.args().iter().enumerate() {
        let v = tensor_op(&mut b, &arg_names[i], ty_of(&arg_names[i])?);
        lw.buffers.insert(a, v);
    }
    // Destinations of returned values. A value returned twice, or an argument returned (an
    // in-place update returns its own input), needs no destination of its own.
    let returned = graph.ops[ret].operands.clone();
    let mut pending_copies = Vec::new();
    for (k, (value, name)) in returned.iter().zip(result_names).enumerate() {
        let accumulate_results = accumulate.get(k).copied().unwrap_or(false);
        let in_place = graph
            .defining_op(*value)
            .is_some_and(|op| matches!(graph.ops[op].kind, OpKind::Graph(GraphOp::AdamwUpdate | GraphOp::SgdUpdate)));
        if in_place {
            continue;
        }
        let target = tensor_op(&mut b, name, ty_of(name)?);
        // A value the function also reads is written to its tensor as well, unless the tensor
        // accumulates (the readers need the value, not the sum): no transient copy that lives to
        // the end of the function (a pipeline chunk's saved activations are such values).
        let only_use = lw.uses[*value] == 1;
        let producible = graph.defining_op(*value).is_some() && !lw.dests.contains_key(*value);
        if producible && (only_use || !accumulate_results) {
            lw.dests.insert(*value, Dest { buffer: target, accumulate: accumulate_results });
        } else {
            pending_copies.push((*value, target, accumulate_results));
        }
    }
    // Reshapes whose result has a destination pass it on to their operand (as a reshaped view).
    for &op in graph.blocks[entry].ops.iter().rev() {
        let data = &graph.ops[op];
        if data.kind != OpKind::Graph(GraphOp::Reshape) {
            continue;
        }
        let (x, y) = (data.operands[0], data.results[0]);
        if let Some(dest) = lw.dests.get(y).copied() {
            let x_single_use = lw.uses[x] == 1;
            if x_single_use && graph.defining_op(x).is_some() {
                let shape: Vec<i64> = graph.value_type(x).as_tensor().shape.iter().map(|&d| d as i64).collect();
                let view =
                    b.op1(exec(ExecOp::Reshape), &[dest.buffer], AttrMap::new().with("shape", Attr::Ints(shape)));
                let view = view.map_err(|e| e.to_string())?;
                lw.dests.insert(x, Dest { buffer: view, accumulate: dest.accumulate });
                lw.dests.remove(y);
                lw.buffers.insert(y, dest.buffer);
            }
        }
    }
    let ops: Vec<Op> = graph.blocks[entry].ops.iter().copied().filter(|&op| op != ret).collect();
    let mut i = 0;
    while i < ops.len() {
        let op = ops[i];
        let kind = graph.ops[op].kind;
        if is_fusable(kind) {
            // A run of consecutive elementwise ops with one result shape becomes one kernel.
            let shape = graph.value_type(graph.ops[op].results[0]).as_tensor().shape.clone();
            let mut j = i + 1;
            while j < ops.len()
                && is_fusable(graph.ops[ops[j]].kind)
                && graph.value_type(graph.ops[ops[j]].results[0]).as_tensor().shape == shape
            {
                j += 1;
            }
            lw.fuse(&mut b, &ops[i..j])?;
            i = j;
        } else {
            lw.lower_op(&mut b, op)?;
            i += 1;
        }
    }
    for (value, target, accumulate_results) in pending_copies {
        let src = lw.buffer(value)?;
        lw.copy_into(&mut b, src, target, accumulate_results)?;
    }
    b.ret(&[]).map_err(|e| e.to_string())?;
    Ok(f)
}

fn is_fusable(kind: OpKind) -> bool {
    matches!(kind, OpKind::Graph(elementwise_ops!() | GraphOp::Broadcast))
}

impl Lowering<'_> {
    fn buffer(&self, v: Value) -> Result<Value, String> {
        self.buffers.get(v).copied().ok_or_else(|| format!("no buffer for {v}"))
    }

    /// The buffer a result is written to: its destination, or a new transient view.
    fn output(&mut self, b: &mut Builder, v: Value) -> (Value, bool) {
        if let Some(d) = self.dests.get(v).copied() {
            self.buffers.insert(v, d.buffer);
            return (d.buffer, d.accumulate);
        }
        let ty = Type::MemRef(self.graph.value_type(v).as_tensor().clone());
        let block = b.block;
        let op =
            b.func.append_op(block, exec(ExecOp::View), vec![], AttrMap::new().with("offset", Attr::Int(-1)), vec![ty]);
        let buf = b.func.ops[op].results[0];
        if let Some(name) = &self.graph.values[v].name {
            b.func.set_name(buf, name.clone());
        }
        self.buffers.insert(v, buf);
        (buf, false)
    }

    fn emit(
        &self,
        b: &mut Builder,
        kind: ExecOp,
        operands: Vec<Value>,
        mut attrs: AttrMap,
        accumulate: bool,
    ) -> Result<(), String> {
        if accumulate {
            attrs.set("accumulate", Attr::Bool(true));
        }
        let block = b.block;
        let info = kind.info();
        if accumulate && !info.attrs.iter().any(|a| a.name == "accumulate") {
            return Err(format!("'{}' cannot accumulate into its output", kind.name()));
        }
        b.func.append_op(block, exec(kind), operands, attrs, vec![]);
        Ok(())
    }

    /// `dst (+)= src` as an identity elementwise kernel.
    fn copy_into(&self, b: &mut Builder, src: Value, dst: Value, accumulate: bool) -> Result<(), String> {
        copy_buffer(b, src, dst, accumulate);
        Ok(())
    }

    fn lower_op(&mut self, b: &mut Builder, op: Op) -> Result<(), String> {
        let data = self.graph.ops[op].clone();
        if let OpKind::Dist(kind) = data.kind {
            return self.lower_dist(b, kind, &data);
        }
        let OpKind::Graph(kind) = data.kind else {
            return Err(format!("cannot lower '{}' to exec", data.kind.name()));
        };
        let inputs: Vec<Value> = data.operands.iter().map(|&v| self.buffer(v)).collect::<Result<_, _>>()?;
        let mut attrs = super::recompute::without_tags(&data.attrs);
        let simple = |k: ExecOp| Some(k);
        let exec_kind = match kind {
            GraphOp::Reshape => {
                let buf = b.op1(exec(ExecOp::Reshape), &inputs, attrs).map_err(|e| e.to_string())?;
                if let Some(name) = &self.graph.values[data.results[0]].name {
                    b.func.set_name(buf, name.clone());
                }
                self.buffers.insert(data.results[0], buf);
                // A returned reshape whose operand has other readers did not hand its destination
                // to the operand (a MoE expert's bias gradient when each expert has one row): the
                // reshaped bytes are copied (or added) into it.
                if let Some(d) = self.dests.remove(data.results[0]) {
                    self.copy_into(b, buf, d.buffer, d.accumulate)?;
                }
                return Ok(());
            }
            GraphOp::AdamwUpdate | GraphOp::SgdUpdate => {
                let k = if kind == GraphOp::AdamwUpdate { ExecOp::Adamw } else { ExecOp::Sgd };
                self.emit(b, k, inputs.clone(), attrs, false)?;
                // Results are the updated inputs: p (and m, v / buf), in place.
                let in_place = if kind == GraphOp::AdamwUpdate { vec![0, 2, 3] } else { vec![0, 2] };
                for (r, i) in data.results.iter().zip(in_place) {
                    self.buffers.insert(*r, inputs[i]);
                }
                return Ok(());
            }
            GraphOp::Fill => {
                let (out, accumulate) = self.output(b, data.results[0]);
                if accumulate {
                    return Err("a fill cannot accumulate".into());
                }
                let value = attrs.float("value").unwrap_or(0.0);
                return self.emit(b, ExecOp::Fill, vec![out], AttrMap::new().with("value", Attr::Float(value)), false);
            }
            GraphOp::Matmul => simple(ExecOp::Gemm),
            GraphOp::Transpose => simple(ExecOp::Copy),
            GraphOp::Embedding => simple(ExecOp::Embedding),
            GraphOp::EmbeddingGrad => simple(ExecOp::EmbeddingGrad),
            GraphOp::Softmax => simple(ExecOp::Softmax),
            GraphOp::SoftmaxGrad => simple(ExecOp::SoftmaxGrad),
            GraphOp::LayerNorm => simple(ExecOp::LayerNorm),
            GraphOp::LayerNormGrad => simple(ExecOp::LayerNormGrad),
            GraphOp::RmsNorm => simple(ExecOp::RmsNorm),
            GraphOp::RmsNormGrad => simple(ExecOp::RmsNormGrad),
            GraphOp::Rope => simple(ExecOp::Rope),
            GraphOp::CrossEntropy => simple(ExecOp::CrossEntropy),
            GraphOp::CrossEntropyGrad => simple(ExecOp::CrossEntropyGrad),
            GraphOp::CrossEntropyStats => simple(ExecOp::CrossEntropyStats),
            GraphOp::CrossEntropyFromStats => simple(ExecOp::CrossEntropyFromStats),
            GraphOp::CrossEntropyGradStats => simple(ExecOp::CrossEntropyGradStats),
            GraphOp::ReduceSum | GraphOp::ReduceMean | GraphOp::ReduceMax => {
                let k = match kind {
                    GraphOp::ReduceSum => "sum",
                    GraphOp::ReduceMean => "mean",
                    _ => "max",
                };
                attrs.set("kind", Attr::Str(k.into()));
                simple(ExecOp::Reduce)
            }
            GraphOp::ReduceMaxGrad => simple(ExecOp::ReduceMaxGrad),
            GraphOp::TopK => simple(ExecOp::TopK),
            GraphOp::OneHot => simple(ExecOp::OneHot),
            GraphOp::MoeScatter => simple(ExecOp::MoeScatter),
            GraphOp::MoeGather => simple(ExecOp::MoeGather),
            GraphOp::LrSchedule => simple(ExecOp::LrSchedule),
            GraphOp::ClipCoef => simple(ExecOp::ClipCoef),
            GraphOp::Split => {
                let axis = attrs.int("axis").unwrap_or(0);
                let mut start = 0;
                for &r in &data.results {
                    let (out, acc) = self.output(b, r);
                    let a = AttrMap::new().with("axis", Attr::Int(axis)).with("start", Attr::Int(start));
                    if acc {
                        return Err("a split piece cannot accumulate".into());
                    }
                    self.emit(b, ExecOp::Slice, vec![inputs[0], out], a, false)?;
                    let d = parc_dialects::graph::normalize_axis(axis, b.ty(out).as_tensor().rank())?;
                    start += b.ty(out).as_tensor().shape[d] as i64;
                }
                return Ok(());
            }
            GraphOp::Concat => {
                let (out, acc) = self.output(b, data.results[0]);
                if acc {
                    return Err("a concat cannot accumulate".into());
                }
                let axis = attrs.int("axis").unwrap_or(0);
                let mut start = 0;
                for &x in &inputs {
                    let a = AttrMap::new().with("axis", Attr::Int(axis)).with("start", Attr::Int(start));
                    self.emit(b, ExecOp::Insert, vec![x, out], a, false)?;
                    let d = parc_dialects::graph::normalize_axis(axis, b.ty(x).as_tensor().rank())?;
                    start += b.ty(x).as_tensor().shape[d] as i64;
                }
                return Ok(());
            }
            elementwise_ops!() | GraphOp::Broadcast => None,
        };
        let Some(exec_kind) = exec_kind else { return Err(format!("'{}' is lowered by fusion", kind.name())) };
        let mut operands = inputs;
        let mut accumulate = false;
        for &r in &data.results {
            let (out, acc) = self.output(b, r);
            accumulate |= acc;
            operands.push(out);
        }
        if accumulate && data.results.len() > 1 {
            // A multi-output kernel accumulates all its outputs or none: write fresh buffers and
            // add the returned ones afterwards.
            return self.lower_multi_with_copies(b, exec_kind, &data.results, operands, attrs);
        }
        self.emit(b, exec_kind, operands, attrs, accumulate)
    }

    fn lower_multi_with_copies(
        &mut self,
        b: &mut Builder,
        kind: ExecOp,
        results: &[Value],
        mut operands: Vec<Value>,
        attrs: AttrMap,
    ) -> Result<(), String> {
        let n_in = operands.len() - results.len();
        let mut copies = Vec::new();
        for (k, &r) in results.iter().enumerate() {
            if let Some(d) = self.dests.remove(r) {
                self.buffers.remove(r);
                let (fresh, _) = self.output(b, r);
                operands[n_in + k] = fresh;
                copies.push((fresh, d));
            }
        }
        self.emit(b, kind, operands, attrs, false)?;
        for (fresh, d) in copies {
            self.copy_into(b, fresh, d.buffer, d.accumulate)?;
        }
        Ok(())
    }

    /// A collective. `all_reduce` works in place: on its operand's buffer when this is the
    /// operand's only use, else on a copy; results bound for an accumulating destination are
    /// added to it afterwards.
    fn lower_dist(&mut self, b: &mut Builder, kind: DistOp, data: &parc_dialects::ir::OpData) -> Result<(), String> {
        let mut attrs = super::recompute::without_tags(&data.attrs);
        attrs.remove("sharding.placements");
        let inputs: Vec<Value> = data.operands.iter().map(|&v| self.buffer(v)).collect::<Result<_, _>>()?;
        if kind == DistOp::AllReduce {
            let mut bufs = Vec::new();
            let mut after = Vec::new();
            for (k, &r) in data.results.iter().enumerate() {
                let x = data.operands[k];
                let dest = self.dests.remove(r);
                // In place only on a buffer nothing else reads: a reshape's result shares its
                // operand's bytes, so it is copied.
                let aliased = self
                    .graph
                    .defining_op(x)
                    .is_some_and(|op| self.graph.ops[op].kind == OpKind::Graph(GraphOp::Reshape));
                let single = self.uses[x] == 1 && !aliased;
                let buf = if single && dest.is_none() {
                    inputs[k]
                } else {
                    let (fresh, _) = self.output(b, r);
                    self.copy_into(b, inputs[k], fresh, false)?;
                    fresh
                };
                self.buffers.insert(r, buf);
                if let Some(d) = dest {
                    after.push((buf, d));
                }
                bufs.push(buf);
            }
            self.emit(b, ExecOp::AllReduce, bufs, attrs, false)?;
            for (buf, d) in after {
                self.copy_into(b, buf, d.buffer, d.accumulate)?;
            }
            return Ok(());
        }
        let exec_kind = match kind {
            DistOp::AllGather => ExecOp::AllGather,
            DistOp::ReduceScatter => ExecOp::ReduceScatter,
            DistOp::ShardSlice => ExecOp::ShardSlice,
            DistOp::AllToAll => ExecOp::AllToAll,
            DistOp::AllReduce => unreachable!("handled above"),
        };
        let r = data.results[0];
        let (out, acc) = self.output(b, r);
        if acc && exec_kind != ExecOp::ReduceScatter {
            self.buffers.remove(r);
            self.dests.remove(r);
            let (fresh, _) = self.output(b, r);
            self.emit(b, exec_kind, vec![inputs[0], fresh], attrs, false)?;
            return self.copy_into(b, fresh, out, true);
        }
        self.emit(b, exec_kind, vec![inputs[0], out], attrs, acc)
    }

    /// One `exec.elementwise` for a run of elementwise graph ops.
    fn fuse(&mut self, b: &mut Builder, group: &[Op]) -> Result<(), String> {
        let g = self.graph;
        let inside: HashSet<Value> = group.iter().flat_map(|&op| g.ops[op].results.iter().copied()).collect();
        let mut inputs: Vec<Value> = Vec::new();
        for &op in group {
            for &v in &g.ops[op].operands {
                if !inside.contains(&v) && !inputs.contains(&v) {
                    inputs.push(v);
                }
            }
        }
        // Outputs: results used after the group (or returned), in order.
        // Sparse, one per fused group: a HashMap, not a table over every value of the function.
        let mut used_inside: HashMap<Value, usize> = HashMap::new();
        for &op in group {
            for &v in &g.ops[op].operands {
                *used_inside.entry(v).or_default() += 1;
            }
        }
        let outputs: Vec<Value> = group
            .iter()
            .flat_map(|&op| g.ops[op].results.iter().copied())
            .filter(|v| self.uses[*v] > used_inside.get(v).copied().unwrap_or(0) || self.dests.contains_key(*v))
            .collect();
        let mut operands: Vec<Value> = inputs.iter().map(|&v| self.buffer(v)).collect::<Result<_, _>>()?;
        let mut accumulate = None;
        for &o in &outputs {
            let (buf, acc) = self.output(b, o);
            if accumulate.is_some_and(|a| a != acc) {
                return Err("a fused kernel cannot mix accumulating and overwriting outputs".into());
            }
            accumulate = Some(acc);
            operands.push(buf);
        }
        let mut attrs = AttrMap::new().with("n_inputs", Attr::Int(inputs.len() as i64));
        if accumulate == Some(true) {
            attrs.set("accumulate", Attr::Bool(true));
        }
        let block = b.block;
        let kernel = b.func.append_op(block, exec(ExecOp::Elementwise), operands, attrs, vec![]);
        let region = b.func.add_region(kernel);
        let body = b.func.add_block(region);
        // Sparse, one per fused group (see `used_inside`).
        let mut scalars: HashMap<Value, Value> = HashMap::new();
        for &x in &inputs {
            let dtype = g.value_type(x).as_tensor().dtype;
            let a = b.func.add_block_arg(body, Type::tensor([], dtype), None);
            scalars.insert(x, a);
        }
        let mut inner = Builder { func: &mut *b.func, block: body };
        for &op in group {
            let data = &g.ops[op];
            let OpKind::Graph(kind) = data.kind else { unreachable!("only graph ops are fused") };
            let operands: Vec<Value> = data.operands.iter().map(|v| scalars[v]).collect();
            let r = if kind == GraphOp::Broadcast {
                // Inputs are broadcast to the kernel's shape already.
                operands[0]
            } else {
                let attrs = super::recompute::without_tags(&data.attrs);
                inner.op1(OpKind::Graph(kind), &operands, attrs).map_err(|e| e.to_string())?
            };
            scalars.insert(data.results[0], r);
        }
        let yielded: Vec<Value> = outputs.iter().map(|v| scalars[v]).collect();
        inner.func.append_op(body, exec(ExecOp::Yield), yielded, AttrMap::new(), vec![]);
        Ok(())
    }
}
