//! Loading a rank's program: the `rank-NNNN.mlir` text that `parc compile` writes is parsed and
//! verified, and every buffer is resolved to a byte range of the rank's arena. The result is a
//! [`Program`]: the persistent-tensor table, the arena size, and each function as a list of
//! [`Instr`]s with buffers already resolved, so executing an instruction does no lookups.
//!
//! Loading checks what execution relies on: every buffer lies inside the arena, element types are
//! ones the CPU backend runs, and no op writes bytes that it also reads (except the optimizer
//! updates, which are in place by definition) — which is what lets the executor hand out
//! disjoint slices of one arena.

use std::collections::HashMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::exec::ExecOp;
use parc_dialects::func::FuncOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, Module, OpKind, Value};
use parc_dialects::types::DType;
use thiserror::Error;

use crate::cpu::kernels::ElemOp;

/// A program that cannot be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}:{0}", path = .1)]
    Parse(parc_dialects::parser::ParseError, String),
    #[error("{0}")]
    Verify(parc_dialects::verifier::VerifyError),
    #[error("invalid program: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> LoadError {
    LoadError::Invalid(message.into())
}

/// A byte range of the arena with a shape and an element type.
#[derive(Clone, Debug, PartialEq)]
pub struct Buf {
    pub offset: usize,
    pub shape: Vec<usize>,
    pub dtype: DType,
}

impl Buf {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.len() * self.dtype.size_bytes() as usize
    }

    fn end(&self) -> usize {
        self.offset + self.bytes()
    }
}

/// Role of a persistent tensor (as written in `exec.tensors`).
pub use parc_dialects::exec::TensorRole as Role;

/// One entry of the persistent-tensor table.
#[derive(Clone, Debug)]
pub struct TensorInfo {
    pub name: String,
    pub role: Role,
    pub buf: Buf,
}

/// One instruction of a function, buffers resolved.
#[derive(Clone, Debug)]
pub enum Instr {
    Gemm {
        a: Buf,
        b: Buf,
        c: Buf,
        transpose_a: bool,
        transpose_b: bool,
        accumulate: bool,
    },
    Elementwise {
        inputs: Vec<Buf>,
        outputs: Vec<Buf>,
        program: Vec<ElemOp>,
        results: Vec<usize>,
        accumulate: bool,
    },
    /// A library kernel: its operands (inputs, then outputs) and attributes, as in the text.
    Kernel {
        op: ExecOp,
        operands: Vec<Buf>,
        attrs: AttrMap,
    },
    Call(usize),
    LoadBatch(usize),
}

/// A loaded program.
#[derive(Clone, Debug)]
pub struct Program {
    pub tensors: Vec<TensorInfo>,
    pub arena_bytes: usize,
    /// Micro-batches per step.
    pub microbatches: usize,
    /// Function names, and their instructions (same index).
    pub function_names: Vec<String>,
    pub functions: Vec<Vec<Instr>>,
    /// The module attributes (model description, memory plan) for reports.
    pub attrs: AttrMap,
}

/// The programs of a compiled output directory: `stage-0.mlir`, `stage-1.mlir`, … for a mesh with
/// pipeline stages, else `rank-0000.mlir` (which every rank of a partitioned mesh runs). `None`
/// when the directory holds no program.
pub fn program_files(out: &std::path::Path) -> Option<Vec<std::path::PathBuf>> {
    let stages: Vec<std::path::PathBuf> =
        (0..).map(|s| out.join(format!("stage-{s}.mlir"))).take_while(|p| p.exists()).collect();
    if !stages.is_empty() {
        return Some(stages);
    }
    let one = out.join("rank-0000.mlir");
    one.exists().then(|| vec![one])
}

impl Program {
    /// Reads and loads the program at `path`.
    pub fn load_file(path: &std::path::Path) -> Result<Program, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::Io { path: path.display().to_string(), message: e.to_string() })?;
        let module =
            parc_dialects::parser::parse_module(&text).map_err(|e| LoadError::Parse(e, path.display().to_string()))?;
        Program::load(&module)
    }

    /// Loads a parsed module.
    pub fn load(module: &Module) -> Result<Program, LoadError> {
        parc_dialects::verifier::verify_module(module).map_err(LoadError::Verify)?;
        let arena_bytes = match module.attrs.get("exec.memory") {
            Some(Attr::Dict(d)) => d.int("arena").ok_or_else(|| invalid("exec.memory has no arena size"))?,
            _ => return Err(invalid("the module has no exec.memory (is it a rank program written by parc compile?)")),
        };
        let arena_bytes = usize::try_from(arena_bytes).map_err(|_| invalid("negative arena size"))?;
        let Some(Attr::Array(entries)) = module.attrs.get("exec.tensors") else {
            return Err(invalid("the module has no exec.tensors table"));
        };
        let mut tensors = Vec::with_capacity(entries.len());
        for e in entries {
            let Attr::Dict(d) = e else { return Err(invalid("exec.tensors entries must be dictionaries")) };
            let name = d.str("name").ok_or_else(|| invalid("a tensor without a name"))?.to_string();
            let role = d
                .str("role")
                .and_then(Role::from_name)
                .ok_or_else(|| invalid(format!("tensor {name}: unknown role {:?}", d.str("role"))))?;
            let shape: Vec<usize> = d
                .ints("shape")
                .ok_or_else(|| invalid(format!("tensor {name}: no shape")))?
                .iter()
                .map(|&x| x as usize)
                .collect();
            let dtype =
                d.str("dtype").and_then(DType::from_name).ok_or_else(|| invalid(format!("tensor {name}: no dtype")))?;
            let offset = d
                .int("offset")
                .filter(|&o| o >= 0)
                .ok_or_else(|| invalid(format!("tensor {name}: no offset (run the memory plan)")))?;
            let buf = Buf { offset: offset as usize, shape, dtype };
            check_buf(&buf, arena_bytes, &name)?;
            tensors.push(TensorInfo { name, role, buf });
        }
        let microbatches = module.attrs.int("exec.microbatches").unwrap_or(1).max(1) as usize;
        let function_names: Vec<String> = module.functions.iter().map(|f| f.name.clone()).collect();
        let by_name: HashMap<&str, &TensorInfo> = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut functions = Vec::with_capacity(module.functions.len());
        for f in &module.functions {
            functions.push(load_function(f, &by_name, &function_names, arena_bytes)?);
        }
        Ok(Program { tensors, arena_bytes, microbatches, function_names, functions, attrs: module.attrs.clone() })
    }

    /// The index of function `name`.
    pub fn function(&self, name: &str) -> Option<usize> {
        self.function_names.iter().position(|n| n == name)
    }

    /// The persistent tensor `name`.
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

fn check_buf(buf: &Buf, arena: usize, what: &str) -> Result<(), LoadError> {
    if !parc_dialects::exec::cpu_supports(buf.dtype) {
        return Err(invalid(format!(
            "{what} has element type {}, which the CPU backend does not run (use fp32)",
            buf.dtype
        )));
    }
    if buf.end() > arena {
        return Err(invalid(format!(
            "{what} (bytes {}..{}) lies outside the {arena}-byte arena",
            buf.offset,
            buf.end()
        )));
    }
    if buf.offset % 8 != 0 {
        return Err(invalid(format!("{what} starts at byte {}, which is not 8-byte aligned", buf.offset)));
    }
    Ok(())
}

fn load_function(
    f: &Function,
    tensors: &HashMap<&str, &TensorInfo>,
    functions: &[String],
    arena: usize,
) -> Result<Vec<Instr>, LoadError> {
    let mut bufs: HashMap<Value, Buf> = HashMap::new();
    let mut out = Vec::new();
    let ctx = |op| format!("@{}: {}", f.name, parc_dialects::printer::print_op(f, op));
    for &op in &f.blocks[f.entry_block()].ops {
        let data = &f.ops[op];
        let buf_of =
            |v: &Value| bufs.get(v).cloned().ok_or_else(|| invalid(format!("{}: operand is not a buffer", ctx(op))));
        let kind = match data.kind {
            OpKind::Func(FuncOp::Return) => continue,
            OpKind::Graph(_) | OpKind::Sharding(_) | OpKind::Dist(_) => {
                return Err(invalid(format!("{}: {} ops do not run in a rank program", ctx(op), data.kind.name())))
            }
            OpKind::Exec(k) => k,
        };
        match kind {
            ExecOp::Tensor => {
                let name = data.attrs.str("name").unwrap_or_default();
                let t = tensors
                    .get(name)
                    .ok_or_else(|| invalid(format!("{}: no tensor {name} in exec.tensors", ctx(op))))?;
                let ty = f.value_type(data.results[0]).as_tensor();
                if ty.shape != t.buf.shape || ty.dtype != t.buf.dtype {
                    return Err(invalid(format!(
                        "{}: the table says {} is {:?} {}",
                        ctx(op),
                        name,
                        t.buf.shape,
                        t.buf.dtype
                    )));
                }
                bufs.insert(data.results[0], t.buf.clone());
            }
            ExecOp::View => {
                let offset = data
                    .attrs
                    .int("offset")
                    .filter(|&o| o >= 0)
                    .ok_or_else(|| invalid(format!("{}: no offset (run the memory plan)", ctx(op))))?;
                let ty = f.value_type(data.results[0]).as_tensor();
                let buf = Buf { offset: offset as usize, shape: ty.shape.clone(), dtype: ty.dtype };
                check_buf(&buf, arena, &ctx(op))?;
                bufs.insert(data.results[0], buf);
            }
            ExecOp::Reshape => {
                let mut b = buf_of(&data.operands[0])?;
                b.shape = f.value_type(data.results[0]).as_tensor().shape.clone();
                bufs.insert(data.results[0], b);
            }
            ExecOp::Call => {
                let callee = data.attrs.str("callee").unwrap_or_default();
                let i = functions
                    .iter()
                    .position(|n| n == callee)
                    .ok_or_else(|| invalid(format!("{}: no function @{callee}", ctx(op))))?;
                out.push(Instr::Call(i));
            }
            ExecOp::LoadBatch => out.push(Instr::LoadBatch(data.attrs.int("microbatch").unwrap_or(0).max(0) as usize)),
            ExecOp::Yield => return Err(invalid(format!("{}: exec.yield outside an elementwise body", ctx(op)))),
            _ => {
                let operands: Vec<Buf> = data.operands.iter().map(buf_of).collect::<Result<_, _>>()?;
                let n_out = n_outputs(kind, &data.attrs, operands.len());
                check_disjoint(kind, &operands, n_out).map_err(|m| invalid(format!("{}: {m}", ctx(op))))?;
                let accumulate = data.attrs.flag("accumulate");
                out.push(match kind {
                    ExecOp::Gemm => Instr::Gemm {
                        a: operands[0].clone(),
                        b: operands[1].clone(),
                        c: operands[2].clone(),
                        transpose_a: data.attrs.flag("transpose_a"),
                        transpose_b: data.attrs.flag("transpose_b"),
                        accumulate,
                    },
                    ExecOp::Elementwise => {
                        let n_in = operands.len() - n_out;
                        let (program, results) =
                            compile_body(f, op).map_err(|m| invalid(format!("{}: {m}", ctx(op))))?;
                        Instr::Elementwise {
                            inputs: operands[..n_in].to_vec(),
                            outputs: operands[n_in..].to_vec(),
                            program,
                            results,
                            accumulate,
                        }
                    }
                    _ => Instr::Kernel { op: kind, operands, attrs: data.attrs.clone() },
                });
            }
        }
    }
    Ok(out)
}

/// How many of an op's operands (at the end) it writes.
fn n_outputs(kind: ExecOp, attrs: &AttrMap, n_operands: usize) -> usize {
    match kind {
        ExecOp::Elementwise => n_operands - attrs.int("n_inputs").unwrap_or(0).max(0) as usize,
        ExecOp::Adamw | ExecOp::Sgd => 0,
        ExecOp::Fill => 1,
        // In place: every operand is read and written.
        ExecOp::AllReduce => n_operands,
        ExecOp::Send => 0,
        _ => match kind.graph_op(attrs) {
            Some((_, n_in)) => n_operands - n_in,
            None => 1,
        },
    }
}

/// Outputs must not overlap inputs or each other (in-place optimizer updates excepted).
fn check_disjoint(kind: ExecOp, operands: &[Buf], n_out: usize) -> Result<(), String> {
    let (inputs, outputs) = operands.split_at(operands.len() - n_out);
    let overlap = |a: &Buf, b: &Buf| a.offset < b.end() && b.offset < a.end();
    for (i, o) in outputs.iter().enumerate() {
        if let Some(j) = inputs.iter().position(|x| overlap(x, o)) {
            return Err(format!("output {i} overlaps input {j}"));
        }
        if let Some(j) = outputs[i + 1..].iter().position(|x| overlap(x, o)) {
            return Err(format!("outputs {i} and {} overlap", i + 1 + j));
        }
    }
    if matches!(kind, ExecOp::Adamw | ExecOp::Sgd) {
        // p, (m, v | buf) are updated in place; they must not overlap g, lr, step or each other.
        let written: &[usize] = if kind == ExecOp::Adamw { &[0, 2, 3] } else { &[0, 2] };
        for &i in written {
            for (j, b) in operands.iter().enumerate() {
                if j != i && overlap(&operands[i], b) {
                    return Err(format!("in-place operand {i} overlaps operand {j}"));
                }
            }
        }
    }
    Ok(())
}

/// Compiles an `exec.elementwise` body into an expression program: node `i` of the program is
/// input `i` for the first `n_inputs` nodes, then one node per body op.
fn compile_body(f: &Function, op: parc_dialects::ir::Op) -> Result<(Vec<ElemOp>, Vec<usize>), String> {
    let region = f.ops[op].regions[0];
    let block = f.regions[region].blocks[0];
    let mut node: HashMap<Value, usize> = HashMap::new();
    let mut program = Vec::new();
    for (i, &a) in f.blocks[block].args.iter().enumerate() {
        node.insert(a, program.len());
        program.push(ElemOp::Input(i));
    }
    for &inner in &f.blocks[block].ops {
        let data = &f.ops[inner];
        let arg = |k: usize| node[&data.operands[k]];
        let e = match data.kind {
            OpKind::Exec(ExecOp::Yield) => {
                let results = data.operands.iter().map(|v| node[v]).collect();
                return Ok((program, results));
            }
            OpKind::Graph(GraphOp::Add) => ElemOp::Add(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Sub) => ElemOp::Sub(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Mul) => ElemOp::Mul(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Div) => ElemOp::Div(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Scale) => ElemOp::Scale(arg(0), data.attrs.float("factor").unwrap_or(1.0) as f32),
            OpKind::Graph(GraphOp::Gelu) => ElemOp::Gelu(arg(0)),
            OpKind::Graph(GraphOp::Silu) => ElemOp::Silu(arg(0)),
            OpKind::Graph(GraphOp::GeluGrad) => ElemOp::GeluGrad(arg(0), arg(1)),
            OpKind::Graph(GraphOp::SiluGrad) => ElemOp::SiluGrad(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Cast) if data.attrs.str("dtype") == Some("f32") => {
                node.insert(data.results[0], arg(0));
                continue;
            }
            other => return Err(format!("'{}' cannot run in an elementwise kernel on the CPU", other.name())),
        };
        node.insert(data.results[0], program.len());
        program.push(e);
    }
    Err("the elementwise body does not end with exec.yield".into())
}
