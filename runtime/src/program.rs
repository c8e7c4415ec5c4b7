//! Loading a rank's program: the `rank-NNNN.mlir` text that `parc compile` writes is parsed and
//! verified, and every buffer is resolved to a byte range of the rank's arena. The result is a
//! [`Program`]: the persistent-tensor table, the arena size, and each function as a list of
//! [`Instr`]s with buffers already resolved and attributes decoded ([`crate::instr`]), so
//! executing an instruction does no lookups and reads no attribute.
//!
//! Loading checks what execution relies on: every buffer lies inside the arena, element types are
//! ones the CPU backend runs, every attribute an instruction needs is present and valid (an error
//! names the function, the instruction index and the attribute), and no op writes bytes that it
//! also reads (except the optimizer updates, which are in place by definition) — which is what
//! lets the executor hand out disjoint slices of one arena.

use std::collections::HashMap;

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::exec::ExecOp;
use parc_dialects::func::FuncOp;
use parc_dialects::graph::GraphOp;
use parc_dialects::ir::{Function, Module, OpKind, Value};
use parc_dialects::mesh::Mesh;
use parc_dialects::types::DType;
use thiserror::Error;

use crate::cpu::kernels::ElemOp;
use crate::instr::{decode, Attrs, Collective, Decoded, Kernel};

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
    /// Number of elements. Saturates at `usize::MAX` instead of wrapping around: a buffer that
    /// large lies outside every arena, so each bounds check rejects it (the loader rejects it
    /// with a message first, see [`Buf::checked_bytes`]).
    pub fn len(&self) -> usize {
        self.shape.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    /// Whether the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size in bytes (saturating, as [`Buf::len`]).
    pub fn bytes(&self) -> usize {
        self.len().saturating_mul(self.dtype.size_bytes() as usize)
    }

    /// One past the buffer's last byte (saturating, as [`Buf::len`]).
    pub fn end(&self) -> usize {
        self.offset.saturating_add(self.bytes())
    }

    /// Size in bytes, or `None` when it does not fit in a `usize`.
    pub fn checked_bytes(&self) -> Option<usize> {
        let elements = self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
        elements.checked_mul(self.dtype.size_bytes() as usize)
    }
}

/// The largest arena a program may ask for: Rust allocations are limited to `isize::MAX` bytes,
/// and the arena is allocated in 8-byte words.
pub const MAX_ARENA_BYTES: usize = isize::MAX as usize & !7;

/// What every loader error about the program's numbers ends with: a program written by
/// `parc compile` satisfies them, so the fix is to write it again.
const RECOMPILE: &str = "recompile the model with parc compile to write a valid program";

/// Role of a persistent tensor (as written in `exec.tensors`).
pub use parc_dialects::exec::TensorRole as Role;

/// One entry of the persistent-tensor table.
#[derive(Clone, Debug)]
pub struct TensorInfo {
    pub name: String,
    pub role: Role,
    pub buf: Buf,
}

/// One instruction of a function, buffers resolved and attributes decoded ([`crate::instr`]).
#[derive(Clone, Debug)]
pub enum Instr {
    /// A computation: its decoded parameters and its operands (inputs, then outputs).
    Kernel {
        kernel: Kernel,
        operands: Vec<Buf>,
    },
    /// A collective or a point-to-point transfer: its decoded parameters and its operands.
    Collective {
        collective: Collective,
        operands: Vec<Buf>,
    },
    Call(usize),
    LoadBatch(usize),
}

impl Instr {
    /// The name of the op the instruction was loaded from (`exec.gemm`, `exec.all_reduce`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Instr::Kernel { kernel, .. } => kernel.op().name(),
            Instr::Collective { collective, .. } => collective.op().name(),
            Instr::Call(_) => ExecOp::Call.name(),
            Instr::LoadBatch(_) => ExecOp::LoadBatch.name(),
        }
    }
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
    /// For every instruction of `functions`, its position in the body of the function as written
    /// (counting every op from 0, `exec.tensor` and `exec.view` included): how codegen's
    /// `kernels/manifest.json` names the instructions that launch a kernel.
    pub op_index: Vec<Vec<usize>>,
    /// The mesh the program was partitioned for (`exec.mesh`; one device when absent).
    pub mesh: Mesh,
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

/// How the rank programs of a compiled directory compare with what `parc compile` wrote there:
/// plan.json records each program's FNV-1a hash (`programs.fnv1a64`, in [`program_files`] order).
/// It tells a program a user edited (their input) from a program as parc wrote it (so a failure
/// on it is a bug in parc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Every program file is the one `parc compile` wrote.
    AsWritten,
    /// Programs were edited or come from another compilation; says which.
    Edited(String),
    /// plan.json records no hashes (an older parc wrote it) or cannot be read, or a program
    /// cannot be read: nothing can be told.
    Unknown,
}

impl Provenance {
    /// The provenance of the programs of `out`, hashing each file.
    pub fn of_dir(out: &std::path::Path) -> Provenance {
        let Some(files) = program_files(out) else { return Provenance::Unknown };
        let mut hashes = Vec::with_capacity(files.len());
        for f in &files {
            match std::fs::read(f) {
                Ok(bytes) => hashes.push(parc_dialects::hash::fnv1a64_hex(&bytes)),
                Err(_) => return Provenance::Unknown,
            }
        }
        Provenance::of(out, &files, &hashes)
    }

    /// The provenance of `files` of `out`, whose hashes (FNV-1a, hex) are `hashes`.
    pub fn of(out: &std::path::Path, files: &[std::path::PathBuf], hashes: &[String]) -> Provenance {
        let plan: Option<serde_json::Value> =
            std::fs::read_to_string(out.join("plan.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
        let written: Vec<String> = plan
            .as_ref()
            .and_then(|p| p["programs"]["fnv1a64"].as_array())
            .map(|a| a.iter().filter_map(|h| h.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        if written.is_empty() {
            return Provenance::Unknown;
        }
        let changed: Vec<String> = files
            .iter()
            .zip(hashes)
            .enumerate()
            .filter(|(i, (_, h))| written.get(*i) != Some(*h))
            .map(|(_, (f, _))| {
                f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned())
            })
            .collect();
        if !changed.is_empty() {
            Provenance::Edited(format!(
                "{} differ(s) from what parc compile wrote (the hash in plan.json)",
                changed.join(", ")
            ))
        } else if written.len() != files.len() {
            Provenance::Edited(format!(
                "{} holds {} program(s) but plan.json lists {}",
                out.display(),
                files.len(),
                written.len()
            ))
        } else {
            Provenance::AsWritten
        }
    }

    /// When the programs of `out` are not the ones `parc compile` wrote: the help for a failure on
    /// them, naming the edited files. `None` when they are as written, or when it cannot be told.
    pub fn edited_help_of(out: &std::path::Path) -> Option<String> {
        match Provenance::of_dir(out) {
            Provenance::Edited(what) => Some(Provenance::edited_help(&what, out)),
            _ => None,
        }
    }

    /// The help for a failure on edited programs of `out`, given what [`Provenance::Edited`] says.
    pub fn edited_help(what: &str, out: &std::path::Path) -> String {
        format!(
            "{what}: the programs were edited or come from another compilation; undo the edit, or recompile: \
             parc compile MODEL.toml --mesh MESH -o {}",
            out.display()
        )
    }
}

/// Why a rank of a compiled directory has no program that it can run on its own. `parc run` and
/// `parc-rt` print it the same way (`error: MESSAGE`, then `help: HELP`) and exit with code 2.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct RankError {
    pub message: String,
    pub help: String,
}

/// The file that rank `rank` runs among the `files` of a compiled directory ([`program_files`])
/// written for `mesh`: its pipeline stage's program, or the one program that every rank runs
/// with its own coordinates. `None` when the rank is not on the mesh or its stage has no file.
pub fn rank_program_file<'f>(
    files: &'f [std::path::PathBuf],
    mesh: &Mesh,
    rank: usize,
) -> Option<&'f std::path::PathBuf> {
    if rank >= mesh.world_size() {
        return None;
    }
    if mesh.pp > 1 {
        files.get(mesh.coords(rank).pp)
    } else {
        files.first()
    }
}

/// Loads the program of rank `rank` from the compiled directory `out` to run that rank alone,
/// as `parc run` and `parc-rt` do. The plan's mesh comes from the program's `exec.mesh`
/// attribute. A rank outside the mesh has no program; a rank of a partitioned plan has one, but
/// it exchanges data with its peers, so it cannot run alone and the error says to run every rank
/// with `parc launch`.
pub fn load_rank_program(out: &std::path::Path, rank: usize) -> Result<Program, RankError> {
    let shown = out.display();
    if !out.is_dir() {
        return Err(RankError {
            message: format!("{shown} is not a directory written by parc compile"),
            help: format!("compile first: parc compile MODEL.toml --mesh 1x1x1 -o {shown}"),
        });
    }
    let Some(files) = program_files(out) else {
        return Err(RankError {
            message: format!("{shown} has no program for rank {rank}"),
            help: "it holds no rank programs: recompile it with this version of parc (see programs.note in plan.json)"
                .into(),
        });
    };
    let first = Program::load_file(&files[0]).map_err(|e| RankError {
        message: format!("cannot load {}: {e}", files[0].display()),
        help: format!("recompile it with this version of parc: parc compile MODEL.toml --mesh MESH -o {shown}"),
    })?;
    let mesh = first.mesh;
    let world = mesh.world_size();
    let Some(file) = rank_program_file(&files, &mesh, rank) else {
        let ranks = if world == 1 { "rank".to_string() } else { "ranks".to_string() };
        return Err(RankError {
            message: format!("{shown} has no program for rank {rank}: it is a plan for {world} {ranks} (mesh {mesh})"),
            help: format!("its world size is {world}: ranks 0 to {} run it", world - 1),
        });
    };
    if world > 1 {
        return Err(RankError {
            message: format!(
                "rank {rank} of {shown} needs its peers: {shown} is a plan for {world} ranks that exchange data \
                 (rank {rank} runs {} with the other ranks), so one rank cannot run alone",
                file.display()
            ),
            help: format!(
                "run all ranks together with: parc launch {shown} (threads of one process), or one process per \
                 rank: mpirun -n {world} parc-rt {shown} (a build with --features mpi)"
            ),
        });
    }
    Ok(first)
}

/// Loads the program of rank `rank` of a job of `world` processes (one rank per process, started
/// by `source`, e.g. "mpirun") from the compiled directory `out`, reading only that rank's
/// pipeline stage. Fails, naming both numbers, when the job's world size is not the plan's, when a
/// stage's program is missing, or when the program was compiled for another mesh than the
/// directory's other stages say. Every rank reaches the same verdict on its own.
pub fn load_program_of(out: &std::path::Path, rank: usize, world: usize, source: &str) -> Result<Program, RankError> {
    let shown = out.display();
    let recompile = format!("recompile it: parc compile MODEL.toml --mesh MESH -o {shown}");
    if !out.is_dir() {
        return Err(RankError {
            message: format!("{shown} is not a directory written by parc compile"),
            help: format!("compile first: parc compile MODEL.toml --mesh MESH -o {shown}"),
        });
    }
    let Some(files) = program_files(out) else {
        return Err(RankError {
            message: format!("{shown} holds no rank program"),
            help: "recompile it with this version of parc (see programs.note in plan.json)".into(),
        });
    };
    let load = |path: &std::path::Path| {
        Program::load_file(path)
            .map_err(|e| RankError { message: format!("cannot load {}: {e}", path.display()), help: recompile.clone() })
    };
    // The ranks of stage s are s·world/S .. (s+1)·world/S (the pipeline coordinate is the
    // outermost), so a rank finds its file without reading the others.
    let stages = files.len();
    let mismatch = |plan: &Mesh| RankError {
        message: format!(
            "this job has {world} processes (from {source}) but {shown} is a plan for {} ranks (mesh {plan})",
            plan.world_size()
        ),
        help: format!(
            "start it with {} processes, e.g. mpirun -n {} parc-rt {shown}",
            plan.world_size(),
            plan.world_size()
        ),
    };
    if world % stages != 0 {
        return Err(mismatch(&load(&files[0])?.mesh));
    }
    let stage = rank / (world / stages);
    let program = load(&files[stage])?;
    let mesh = program.mesh;
    if mesh.world_size() != world {
        return Err(mismatch(&mesh));
    }
    let file = files[stage].display();
    if mesh.pp != stages {
        return Err(RankError {
            message: format!(
                "{file} was compiled for mesh {mesh}, with {} pipeline stage(s), but {shown} holds {stages} stage program(s)",
                mesh.pp
            ),
            help: format!("a stage program is missing or comes from another compilation; {recompile}"),
        });
    }
    if mesh.pp > 1 && mesh.coords(rank).pp != stage {
        return Err(RankError {
            message: format!(
                "{file} was compiled for mesh {mesh}, where rank {rank} is on pipeline stage {}, not {stage}",
                mesh.coords(rank).pp
            ),
            help: format!("the stage programs come from different compilations; {recompile}"),
        });
    }
    Ok(program)
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
        let mesh = match module.attrs.get("exec.mesh") {
            Some(attr) => Mesh::from_attr(attr).map_err(|e| invalid(format!("exec.mesh: {e}; {RECOMPILE}")))?,
            None => Mesh::SINGLE,
        };
        let arena_bytes = match module.attrs.get("exec.memory") {
            Some(Attr::Dict(d)) => d.int("arena").ok_or_else(|| invalid("exec.memory has no arena size"))?,
            _ => return Err(invalid("the module has no exec.memory (is it a rank program written by parc compile?)")),
        };
        let arena_bytes = usize::try_from(arena_bytes)
            .map_err(|_| invalid(format!("exec.memory.arena is {arena_bytes} bytes, a negative size; {RECOMPILE}")))?;
        if arena_bytes > MAX_ARENA_BYTES {
            return Err(invalid(format!(
                "exec.memory.arena is {arena_bytes} bytes, more than the largest arena a process can allocate \
                 ({MAX_ARENA_BYTES} bytes); {RECOMPILE}"
            )));
        }
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
            let dims = d.ints("shape").ok_or_else(|| invalid(format!("tensor {name}: no shape")))?;
            let shape: Vec<usize> =
                dims.iter().map(|&x| usize::try_from(x)).collect::<Result<_, _>>().map_err(|_| {
                    invalid(format!(
                        "exec.tensors: tensor {name} has shape {dims:?}, with a negative dimension; {RECOMPILE}"
                    ))
                })?;
            let dtype =
                d.str("dtype").and_then(DType::from_name).ok_or_else(|| invalid(format!("tensor {name}: no dtype")))?;
            let offset =
                d.int("offset").ok_or_else(|| invalid(format!("tensor {name}: no offset (run the memory plan)")))?;
            let offset = usize::try_from(offset).map_err(|_| {
                invalid(format!("exec.tensors: tensor {name} starts at byte {offset}, a negative offset; {RECOMPILE}"))
            })?;
            let buf = Buf { offset, shape, dtype };
            check_buf(&buf, arena_bytes, || format!("exec.tensors: tensor {name}"))?;
            tensors.push(TensorInfo { name, role, buf });
        }
        let microbatches = module.attrs.int("exec.microbatches").unwrap_or(1).max(1) as usize;
        let mut function_names: Vec<String> = module.functions.iter().map(|f| f.name.clone()).collect();
        let by_name: HashMap<&str, &TensorInfo> = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
        // One instance per function as written, then one per (function, rebinding) that a call
        // asks for (`exec.call {rebind}`), decoded with its tensors renamed.
        let mut instances: Vec<Instance> = (0..module.functions.len()).map(|i| (i, Vec::new())).collect();
        let mut functions = Vec::with_capacity(module.functions.len());
        let mut op_index = Vec::with_capacity(module.functions.len());
        let mut next = 0;
        while next < instances.len() {
            let (index, rebind) = instances[next].clone();
            let f = &module.functions[index];
            let (instrs, positions) =
                load_function(f, &by_name, &module.functions, arena_bytes, &rebind, &mut instances)?;
            functions.push(instrs);
            op_index.push(positions);
            if next >= module.functions.len() {
                function_names.push(f.name.clone());
            }
            next += 1;
        }
        check_calls(&functions, &function_names)?;
        Ok(Program {
            tensors,
            arena_bytes,
            microbatches,
            function_names,
            functions,
            op_index,
            mesh,
            attrs: module.attrs.clone(),
        })
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

/// Refuses a program whose functions call each other in a cycle (a function calling itself, or a
/// chain that comes back): the executor runs calls by recursion, so a cycle would never end.
fn check_calls(functions: &[Vec<Instr>], names: &[String]) -> Result<(), LoadError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let calls = |f: usize| functions[f].iter().filter_map(|i| if let Instr::Call(c) = i { Some(*c) } else { None });
    let mut state = vec![State::New; functions.len()];
    for root in 0..functions.len() {
        if state[root] != State::New {
            continue;
        }
        // Depth-first, with the path of open functions and, for each, its callees still to visit.
        state[root] = State::Open;
        let mut path: Vec<(usize, Vec<usize>)> = vec![(root, calls(root).collect())];
        while let Some((f, pending)) = path.last_mut() {
            let f = *f;
            match pending.pop() {
                Some(c) if state[c] == State::Open => {
                    let start = path.iter().position(|(g, _)| *g == c).unwrap_or(0);
                    let cycle: Vec<String> = path[start..]
                        .iter()
                        .map(|(g, _)| format!("@{}", names[*g]))
                        .chain([format!("@{}", names[c])])
                        .collect();
                    return Err(invalid(format!(
                        "@{} calls back into itself ({}): the calls of a rank program must not form a cycle; {RECOMPILE}",
                        names[f],
                        cycle.join(" -> ")
                    )));
                }
                Some(c) if state[c] == State::New => {
                    state[c] = State::Open;
                    path.push((c, calls(c).collect()));
                }
                Some(_) => {}
                None => {
                    state[f] = State::Done;
                    path.pop();
                }
            }
        }
    }
    Ok(())
}

/// Checks that `buf` lies in an `arena`-byte arena at an 8-byte aligned offset; `what` names it in
/// the error (a closure: naming an op prints it, which costs a walk of its function).
fn check_buf(buf: &Buf, arena: usize, what: impl Fn() -> String) -> Result<(), LoadError> {
    let bytes = buf.checked_bytes().ok_or_else(|| {
        invalid(format!(
            "{} has shape {:?} of {}, more than 2^64 bytes, which no arena holds; {RECOMPILE}",
            what(),
            buf.shape,
            buf.dtype
        ))
    })?;
    let end = buf.offset.checked_add(bytes).ok_or_else(|| {
        invalid(format!(
            "{} starts at byte {} and has {bytes} bytes: it ends past byte 2^64, outside the {arena}-byte arena; {RECOMPILE}",
            what(),
            buf.offset
        ))
    })?;
    if end > arena {
        return Err(invalid(format!(
            "{} (bytes {}..{end}, shape {:?} of {}) lies outside the {arena}-byte arena; {RECOMPILE}",
            what(),
            buf.offset,
            buf.shape,
            buf.dtype
        )));
    }
    if buf.offset % 8 != 0 {
        return Err(invalid(format!("{} starts at byte {}, which is not 8-byte aligned", what(), buf.offset)));
    }
    Ok(())
}

/// A function of the module (its index) and the tensor renaming it runs with: `(from, to)` prefix
/// pairs, the first that matches a name applies (`exec.call {rebind}`).
type Instance = (usize, Vec<(String, String)>);

fn load_function(
    f: &Function,
    tensors: &HashMap<&str, &TensorInfo>,
    functions: &[Function],
    arena: usize,
    rebind: &[(String, String)],
    instances: &mut Vec<Instance>,
) -> Result<(Vec<Instr>, Vec<usize>), LoadError> {
    let mut bufs: HashMap<Value, Buf> = HashMap::new();
    let mut out = Vec::new();
    let mut positions = Vec::new();
    let ctx = |op| format!("@{}: {}", f.name, parc_dialects::printer::print_op(f, op));
    // An instruction whose attributes do not decode: the function, the instruction's index (as
    // execution errors count them) and the op, then what is wrong.
    let at = |index: usize, op, message: String| {
        invalid(format!(
            "@{}, instruction {index} ({}): {message}; {RECOMPILE}",
            f.name,
            parc_dialects::printer::print_op(f, op)
        ))
    };
    for (position, &op) in f.blocks[f.entry_block()].ops.iter().enumerate() {
        // Every instruction pushed by the previous op came from the previous position.
        positions.resize(out.len(), position.saturating_sub(1));
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
                let written = data.attrs.str("name").unwrap_or_default();
                let renamed = rebind
                    .iter()
                    .find_map(|(from, to)| written.strip_prefix(from.as_str()).map(|rest| format!("{to}{rest}")));
                let name = renamed.as_deref().unwrap_or(written);
                let t = tensors.get(name).ok_or_else(|| match &renamed {
                    Some(_) => invalid(format!(
                        "{}: no tensor {name} (the call's rebinding of {written}) in exec.tensors; {RECOMPILE}",
                        ctx(op)
                    )),
                    None => invalid(format!("{}: no tensor {name} in exec.tensors", ctx(op))),
                })?;
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
                    .ok_or_else(|| invalid(format!("{}: no offset (run the memory plan)", ctx(op))))?;
                let offset = usize::try_from(offset).map_err(|_| {
                    invalid(format!("{} starts at byte {offset}, a negative offset; {RECOMPILE}", ctx(op)))
                })?;
                let ty = f.value_type(data.results[0]).as_tensor();
                let buf = Buf { offset, shape: ty.shape.clone(), dtype: ty.dtype };
                check_buf(&buf, arena, || ctx(op))?;
                bufs.insert(data.results[0], buf);
            }
            ExecOp::Reshape => {
                let mut b = buf_of(&data.operands[0])?;
                b.shape = f.value_type(data.results[0]).as_tensor().shape.clone();
                // The verifier compares element counts with saturating arithmetic; the new shape
                // is checked against the arena like any other buffer.
                check_buf(&b, arena, || ctx(op))?;
                bufs.insert(data.results[0], b);
            }
            ExecOp::Call => {
                let callee = data.attrs.str("callee").unwrap_or_default();
                let i = functions
                    .iter()
                    .position(|g| g.name == callee)
                    .ok_or_else(|| invalid(format!("{}: no function @{callee}", ctx(op))))?;
                let pairs = match data.attrs.get("rebind") {
                    None => Vec::new(),
                    Some(Attr::Array(list)) if list.len() % 2 == 0 => list
                        .chunks(2)
                        .map(|p| match (&p[0], &p[1]) {
                            (Attr::Str(from), Attr::Str(to)) if !from.is_empty() => Ok((from.clone(), to.clone())),
                            _ => Err(at(
                                out.len(),
                                op,
                                "attribute 'rebind' pairs must be non-empty name prefixes".into(),
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => {
                        let m = "attribute 'rebind' must list (from, to) prefix pairs: an even number of strings";
                        return Err(at(out.len(), op, m.into()));
                    }
                };
                let key = (i, pairs);
                let instance = if key.1.is_empty() {
                    i
                } else if let Some(k) = instances.iter().position(|x| *x == key) {
                    k
                } else {
                    instances.push(key);
                    instances.len() - 1
                };
                out.push(Instr::Call(instance));
            }
            ExecOp::LoadBatch => {
                let mb = Attrs(&data.attrs).count("microbatch").map_err(|m| at(out.len(), op, m))?;
                out.push(Instr::LoadBatch(mb));
            }
            ExecOp::Yield => return Err(invalid(format!("{}: exec.yield outside an elementwise body", ctx(op)))),
            _ => {
                let operands: Vec<Buf> = data.operands.iter().map(buf_of).collect::<Result<_, _>>()?;
                if kind == ExecOp::Elementwise {
                    let n_inputs = Attrs(&data.attrs).int("n_inputs").map_err(|m| at(out.len(), op, m))?;
                    if usize::try_from(n_inputs).map_or(true, |n| n >= operands.len()) {
                        let m = format!(
                            "attribute 'n_inputs' is {n_inputs}; it must leave at least one output among {} operands",
                            operands.len()
                        );
                        return Err(at(out.len(), op, m));
                    }
                }
                let n_out = n_outputs(kind, &data.attrs, operands.len())
                    .ok_or_else(|| invalid(format!("{}: more inputs than operands; {RECOMPILE}", ctx(op))))?;
                check_disjoint(kind, &operands, n_out).map_err(|m| invalid(format!("{}: {m}", ctx(op))))?;
                let decoded = if kind == ExecOp::Elementwise {
                    let (program, results) = compile_body(f, op).map_err(|m| invalid(format!("{}: {m}", ctx(op))))?;
                    Decoded::Kernel(Kernel::Elementwise {
                        n_inputs: operands.len() - n_out,
                        program,
                        results,
                        accumulate: data.attrs.flag("accumulate"),
                    })
                } else {
                    decode(kind, &data.attrs, &operands).map_err(|m| at(out.len(), op, m))?
                };
                out.push(match decoded {
                    Decoded::Kernel(kernel) => Instr::Kernel { kernel, operands },
                    Decoded::Collective(collective) => Instr::Collective { collective, operands },
                });
            }
        }
    }
    positions.resize(out.len(), f.blocks[f.entry_block()].ops.len().saturating_sub(1));
    Ok((out, positions))
}

/// How many of an op's operands (at the end) it writes; `None` when it claims more inputs than it
/// has operands.
fn n_outputs(kind: ExecOp, attrs: &AttrMap, n_operands: usize) -> Option<usize> {
    match kind {
        ExecOp::Elementwise => n_operands.checked_sub(usize::try_from(attrs.int("n_inputs").unwrap_or(0).max(0)).ok()?),
        ExecOp::Adamw | ExecOp::Sgd => Some(0),
        ExecOp::Fill => Some(1.min(n_operands)),
        // In place: every operand is read and written.
        ExecOp::AllReduce => Some(n_operands),
        ExecOp::Send => Some(0),
        _ => match kind.graph_op(attrs) {
            Some((_, n_in)) => n_operands.checked_sub(n_in),
            None => Some(1.min(n_operands)),
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
            OpKind::Graph(GraphOp::Scale) => {
                let factor = Attrs(&data.attrs).float("factor").map_err(|m| format!("graph.scale in the body: {m}"))?;
                ElemOp::Scale(arg(0), factor as f32)
            }
            OpKind::Graph(GraphOp::Gelu) => ElemOp::Gelu(arg(0)),
            OpKind::Graph(GraphOp::Silu) => ElemOp::Silu(arg(0)),
            OpKind::Graph(GraphOp::GeluGrad) => ElemOp::GeluGrad(arg(0), arg(1)),
            OpKind::Graph(GraphOp::SiluGrad) => ElemOp::SiluGrad(arg(0), arg(1)),
            OpKind::Graph(GraphOp::Cast) if data.attrs.str("dtype") == Some("f32") => {
                node.insert(data.results[0], arg(0));
                continue;
            }
            OpKind::Graph(GraphOp::Cast) if data.attrs.str("dtype") == Some("bf16") => ElemOp::RoundBf16(arg(0)),
            other => return Err(format!("'{}' cannot run in an elementwise kernel", other.name())),
        };
        node.insert(data.results[0], program.len());
        program.push(e);
    }
    Err("the elementwise body does not end with exec.yield".into())
}
