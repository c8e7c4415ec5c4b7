//! Training with a loaded program: weights are initialized from the seed (or loaded from a
//! safetensors file), every step writes the step number, runs `@train_step` — which loads each
//! micro-batch from the data source, runs forward and backward, accumulates gradients and updates
//! the parameters — and reads the step's loss. Both `parc launch` and the lean `parc-rt` binary
//! drive training through [`Trainer`].
//!
//! What a program needs from outside — sequence length, vocabulary, batch sizes and seed — comes
//! from its own module attributes (`parc.model`, `parc.training`), so a program directory is
//! self-contained.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use parc_dialects::attr::Attr;
use thiserror::Error;

use crate::backend::Accelerator;
use crate::comm::{Buf, BufMut, CommError};
use crate::cpu::exec::{BatchSource, ExecError, Executor};
use crate::data::{DataError, TokenData};
use crate::program::{Program, Role, TensorInfo};
use crate::rank::RankContext;
use crate::shards::ParamLayout;
use crate::weights::{self, SharedSave, WeightsError};
use parc_dialects::mesh::{Axis, GroupKind, Mesh};

/// A tensor by name: (name, shape, values).
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// The tag of the messages that collect the parameters on rank 0 ([`Trainer::collect_params`]);
/// programs' own send/recv tags are small.
pub const COLLECT_TAG: usize = usize::MAX;

/// Training failed.
#[derive(Debug, Error)]
pub enum TrainError {
    #[error("{0}")]
    Program(String),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Comm(#[from] CommError),
    /// The plan's memory does not fit the machine (found before allocating).
    #[error("{0}")]
    Memory(String),
    /// A plan of more ranks than one process runs as threads ([`crate::launch::MAX_LOCAL_RANKS`]).
    #[error(
        "the plan has {ranks} ranks (mesh {mesh}), more than the {max} that run as threads of one process",
        max = crate::launch::MAX_LOCAL_RANKS
    )]
    TooManyRanks { ranks: usize, mesh: parc_dialects::mesh::Mesh },
}

impl TrainError {
    /// Whether this error only reports a failure on another rank (the mesh was aborted, a peer
    /// exited): when several ranks fail, the root cause is one for which this is false.
    pub fn is_consequence(&self) -> bool {
        match self {
            TrainError::Comm(e) => e.is_consequence(),
            TrainError::Exec(ExecError::Comm { error, .. }) => error.is_consequence(),
            _ => false,
        }
    }
}

/// How to fix a training error caused by the user's input, when there is a standard fix.
pub fn help_for(e: &TrainError) -> Option<&'static str> {
    match e {
        TrainError::Data(_) => Some(
            "--data takes a flat file of little-endian token ids (u32, or u16 with --data-dtype u16), all below the model's vocab, holding at least one global batch of samples of seq_len + 1 tokens",
        ),
        TrainError::Memory(_) => Some(
            "compile the model for more ranks so that each needs less (a larger mesh, ZeRO, recompute), and run one process per rank on several machines (README \"Running on a cluster\")",
        ),
        TrainError::Weights(_) => {
            Some("--init takes a safetensors file of this model's parameters (one written by parc launch --save), or a Hugging Face checkpoint of it: model.safetensors, model.safetensors.index.json or their directory (docs/huggingface.md)")
        }
        TrainError::TooManyRanks { .. } => Some(
            "run one process per rank under MPI (mpirun -n RANKS parc-rt OUT, README \"Running on a cluster\"), or compile for a smaller mesh",
        ),
        TrainError::Exec(ExecError::Unsupported { .. }) => {
            Some("the CPU backend runs programs of f32 and bf16 tensors: recompile the model with parc compile, with precision = \"fp32\" or \"bf16\"")
        }
        _ => None,
    }
}

/// Opens the token file `path` for the program `info` describes: ids of `width`, samples of its
/// seq_len, at least one global batch of them.
pub fn open_data(path: &Path, width: crate::data::TokenWidth, info: &ProgramInfo) -> Result<TokenData, TrainError> {
    let data = TokenData::from_file(path, width, info.seq_len, info.vocab)?;
    data.check_holds_batch(info.global_batch)?;
    Ok(data)
}

/// The model and batch facts a program carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgramInfo {
    pub name: String,
    pub seq_len: usize,
    pub vocab: usize,
    pub layers: usize,
    pub global_batch: usize,
    pub micro_batch: usize,
    pub seed: u64,
    /// A MoE model's number of experts (`parc.model.experts`), on every stage's program.
    pub experts: Option<usize>,
}

impl ProgramInfo {
    /// Reads the facts from the program's module attributes.
    pub fn of(program: &Program) -> Result<Self, TrainError> {
        let dict = |key: &str| match program.attrs.get(key) {
            Some(Attr::Dict(d)) => Ok(d.clone()),
            _ => Err(TrainError::Program(format!(
                "the program has no {key} attribute (was it written by parc compile?)"
            ))),
        };
        let (model, training) = (dict("parc.model")?, dict("parc.training")?);
        let int = |d: &parc_dialects::AttrMap, k: &str| {
            d.int(k).filter(|&v| v >= 0).ok_or_else(|| TrainError::Program(format!("the program does not say its {k}")))
        };
        Ok(ProgramInfo {
            name: model.str("name").unwrap_or("model").to_string(),
            seq_len: int(&model, "seq_len")? as usize,
            vocab: int(&model, "vocab")? as usize,
            layers: int(&model, "layers")? as usize,
            global_batch: int(&training, "global_batch")? as usize,
            micro_batch: int(&training, "micro_batch")? as usize,
            seed: int(&training, "seed")? as u64,
            experts: model.int("experts").filter(|&e| e > 0).map(|e| e as usize),
        })
    }
}

/// What one step reports.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// 1-based step number.
    pub step: u64,
    /// Mean token cross-entropy over the step's global batch.
    pub loss: f32,
    /// Tokens processed by the step.
    pub tokens: usize,
    pub seconds: f64,
    /// A MoE model's (token, choice) pairs of the step's global batch, summed over the MoE
    /// layers: routed, and dropped past an expert's capacity (docs/moe.md). None for a dense
    /// model, and on a GPU (its kernels do not count yet).
    pub moe_pairs: Option<crate::cpu::exec::MoePairs>,
}

struct Feed<'d> {
    data: &'d TokenData,
    step: u64,
    info: &'d ProgramInfo,
    /// This rank's data-parallel coordinate and the dp size.
    dp: (usize, usize),
    /// The data error that stopped the step, kept whole so that the step reports it as
    /// [`TrainError::Data`] (with its help) rather than as text.
    error: Option<DataError>,
}

impl BatchSource for Feed<'_> {
    fn load(&mut self, microbatch: usize, tokens: &mut [i32], labels: &mut [i32]) -> Result<(), String> {
        let i = &self.info;
        let (dp_rank, dp) = self.dp;
        self.data.microbatch(self.step, dp_rank, dp, i.global_batch, i.micro_batch, microbatch, tokens, labels).map_err(
            |e| {
                let text = e.to_string();
                self.error = Some(e);
                text
            },
        )
    }
}

/// One parameter of this rank: the buffer of its values in f32 (the parameter itself, or with
/// bf16 training its fp32 master copy `master.<name>`, which is what is initialized, saved and
/// loaded) and that buffer's layout over the mesh ([`ParamLayout::whole`] when the program gives
/// none; a master copy's is the optimizer state's, [`ParamLayout::of_state`]).
#[derive(Clone, Debug)]
struct Piece {
    buf: crate::program::Buf,
    layout: ParamLayout,
    /// With bf16 training, the bf16 parameter the kernels read and its own layout: its values
    /// are the master copy's rounded, but under ZeRO-1 and 2 the rank holds the whole
    /// (tensor-parallel) parameter and only a dp chunk of the master copy.
    rounded: Option<(crate::program::Buf, ParamLayout)>,
}

impl Piece {
    /// The piece of parameter `t` of `program` ([`Piece`]), laid out by `layout`.
    fn of(program: &Program, t: &TensorInfo, layout: ParamLayout) -> Result<Piece, TrainError> {
        let (stored, is_master) = stored_tensor(program, t)?;
        if !is_master {
            return Ok(Piece { buf: t.buf.clone(), layout, rounded: None });
        }
        Ok(Piece { buf: stored.buf.clone(), layout: layout.of_state(), rounded: Some((t.buf.clone(), layout)) })
    }

    fn name(&self) -> &str {
        &self.layout.name
    }

    /// Writes the piece's values: `fill(layout, dst)` writes the f32 values of the piece `layout`
    /// describes into `dst`, once for the f32 buffer and, for a bf16 parameter whose layout is
    /// not its master copy's, once more into a scratch that is then rounded into the parameter.
    fn fill<E>(
        &self,
        arena: &mut crate::cpu::exec::Arena,
        mut fill: impl FnMut(&ParamLayout, &mut [f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        fill(&self.layout, arena.f32_mut(&self.buf))?;
        let Some((rounded, layout)) = &self.rounded else { return Ok(()) };
        let values = if *layout == self.layout {
            arena.f32(&self.buf).to_vec()
        } else {
            let mut values = vec![0.0f32; rounded.len()];
            fill(layout, &mut values)?;
            values
        };
        for (d, x) in arena.bf16_mut(rounded).iter_mut().zip(values) {
            *d = crate::comm::f32_to_bf16(x);
        }
        Ok(())
    }
}

/// One tensor of a shared save: the file's `tensor`, from this rank's buffer `buf` laid out by
/// `layout` over the mesh; `param` names the parameter it belongs to and `state` says whether
/// it is an optimizer state (laid out as the parameter's state on the other stages too).
struct Entry {
    tensor: String,
    param: String,
    buf: crate::program::Buf,
    layout: ParamLayout,
    state: bool,
}

/// `checkpoint.json`'s `format`.
pub const CHECKPOINT_FORMAT: &str = "parc-checkpoint-1";
/// A checkpoint directory's description (step, model, mesh).
pub const CHECKPOINT_META: &str = "checkpoint.json";
/// A checkpoint directory's tensors: parameters and optimizer states, global shapes.
pub const CHECKPOINT_TENSORS: &str = "state.safetensors";

/// A checkpoint's tensors, the same on every rank: the model's parameters (every stage's), then
/// each one's optimizer states `PREFIX.NAME`, all with the parameter's global shape.
fn checkpoint_tensors(table: &ModelTable, prefixes: &[String]) -> Vec<(String, Vec<usize>)> {
    let mut all = table.params.clone();
    for (name, shape) in &table.params {
        for prefix in prefixes {
            all.push((format!("{prefix}.{name}"), shape.clone()));
        }
    }
    all
}

/// Where a checkpoint for `dir` is written before it is renamed to `dir`.
fn partial_dir(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    dir.with_file_name(name)
}

/// The tensor that holds parameter `t`'s values in f32 and whether it is a master copy: a bf16
/// parameter's fp32 master copy `master.<name>` (optimizer state), else the parameter itself.
fn stored_tensor<'a>(program: &'a Program, t: &'a TensorInfo) -> Result<(&'a TensorInfo, bool), TrainError> {
    if t.buf.dtype != parc_dialects::DType::BF16 {
        return Ok((t, false));
    }
    let master = program.tensor(&format!("master.{}", t.name)).ok_or_else(|| {
        TrainError::Program(format!(
            "the bf16 parameter {} has no fp32 master copy master.{0}; recompile the model with parc compile",
            t.name
        ))
    })?;
    if master.buf.dtype != parc_dialects::DType::F32 {
        return Err(TrainError::Program(format!(
            "the master copy master.{} of a bf16 parameter is {}, not f32; recompile the model with parc compile",
            t.name, master.buf.dtype
        )));
    }
    Ok((master, true))
}

/// The parameters of every pipeline stage as layouts, `[stage][i]` (one stage without pipeline
/// stages), and the parameters of the model: (name, global shape) once each, in stage order.
struct ModelTable {
    stages: Vec<Vec<ParamLayout>>,
    params: Vec<(String, Vec<usize>)>,
}

impl ModelTable {
    fn of(stages: Vec<Vec<ParamLayout>>) -> Result<ModelTable, TrainError> {
        let mut params: Vec<(String, Vec<usize>)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (s, layouts) in stages.iter().enumerate() {
            for l in layouts {
                match seen.get(&l.name) {
                    Some(&i) if params[i].1 != l.global_shape => {
                        return Err(TrainError::Program(format!(
                            "parameter {} has global shape {:?} on an earlier pipeline stage but {:?} on stage {s}; \
                             recompile the model with parc compile",
                            l.name, params[i].1, l.global_shape
                        )))
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(l.name.clone(), params.len());
                        params.push((l.name.clone(), l.global_shape.clone()));
                    }
                }
            }
        }
        Ok(ModelTable { stages, params })
    }

    /// (name, global shape) of every parameter, as the weight-file checks take them.
    fn expected(&self) -> Vec<(&str, &[usize])> {
        self.params.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect()
    }
}

/// A program, its arena and its data: one training run on one rank.
pub struct Trainer<'p> {
    /// The CPU executor: its arena is the host's copy of the rank's state (where weights are
    /// initialized, loaded and saved), and it runs the steps unless a GPU does.
    pub exec: Executor<'p>,
    /// The GPU that runs the steps, if any ([`Trainer::on_device`]); its arena and the host's are
    /// copied one to the other only when the other side has changed.
    accel: Option<Box<dyn Accelerator + 'p>>,
    /// The host arena has changes the device lacks.
    device_stale: bool,
    /// The device arena has changes the host lacks.
    host_stale: bool,
    pub info: ProgramInfo,
    data: TokenData,
    /// Steps completed.
    pub steps_done: u64,
    train_step: usize,
    /// Every parameter of this rank's program, in table order.
    pieces: Vec<Piece>,
    mesh: Mesh,
    pub(crate) rank: usize,
    /// The collectives the trainer issued itself, outside the program (the MoE pair counts'
    /// all-reduce): a rank's summary reports the program's traffic without them.
    pub(crate) bookkeeping: crate::comm::CommStats,
}

impl<'p> Trainer<'p> {
    /// A trainer with parameters initialized from the program's seed and zero optimizer state.
    pub fn new(program: &'p Program, data: Option<TokenData>, threads: usize) -> Result<Self, TrainError> {
        Self::for_rank(program, data, threads, None)
    }

    /// A trainer for one rank of a partitioned program (`rank` None: a single-rank program). Each
    /// rank initializes only its own piece of every parameter, computing each element from its
    /// global index ([`ParamLayout::init_piece`]): bit for bit the piece of the one global
    /// initialization, whatever the mesh, without the global tensor.
    pub fn for_rank(
        program: &'p Program,
        data: Option<TokenData>,
        threads: usize,
        rank: Option<RankContext>,
    ) -> Result<Self, TrainError> {
        let info = ProgramInfo::of(program)?;
        let train_step = program
            .function("train_step")
            .ok_or_else(|| TrainError::Program("the program has no @train_step function".into()))?;
        let data = data.unwrap_or_else(|| TokenData::synthetic(info.seed, info.seq_len, info.vocab));
        if data.seq_len() != info.seq_len || data.vocab() != info.vocab {
            return Err(TrainError::Program(format!(
                "the data has seq_len {} and vocab {}, the model {} and {}",
                data.seq_len(),
                data.vocab(),
                info.seq_len,
                info.vocab
            )));
        }
        let layouts = ParamLayout::of(program).map_err(TrainError::Program)?;
        let mesh = program.mesh;
        let rank_index = rank.as_ref().map_or(0, |r| r.rank);
        let mut exec = match rank {
            Some(r) => Executor::with_rank(program, threads, r)?,
            None => Executor::new(program, threads)?,
        };
        let mut pieces = Vec::new();
        for t in program.tensors.iter().filter(|t| t.role == Role::Param) {
            let layout = match layouts.iter().find(|l| l.name == t.name) {
                Some(l) => l.clone(),
                None => ParamLayout::whole(&t.name, &t.buf.shape),
            };
            // A bf16 parameter is initialized through its fp32 master copy (optimizer state),
            // and the parameter as the same values rounded.
            let piece = Piece::of(program, t, layout)?;
            piece.fill(&mut exec.arena, |layout, dst| {
                let len = layout.local_indices(&mesh, rank_index).len();
                if dst.len() != len {
                    return Err(TrainError::Program(format!(
                        "parameter {} holds {} elements on rank {rank_index}, its layout gives {len}; recompile the \
                         model with parc compile",
                        t.name,
                        dst.len(),
                    )));
                }
                layout.init_piece(info.seed, info.layers, &mesh, rank_index, dst);
                Ok(())
            })?;
            pieces.push(piece);
        }
        Ok(Trainer {
            exec,
            accel: None,
            device_stale: false,
            host_stale: false,
            info,
            data,
            steps_done: 0,
            train_step,
            pieces,
            mesh,
            rank: rank_index,
            bookkeeping: Default::default(),
        })
    }

    /// Runs the steps on `accel` (a GPU) from now on; the host arena is copied to it before the
    /// next step.
    pub fn on_device(&mut self, accel: Box<dyn Accelerator + 'p>) {
        self.accel = Some(accel);
        self.device_stale = true;
    }

    /// The GPU profile so far (`--profile`), if the steps run on a GPU that profiles.
    pub fn profile(&self) -> Option<Vec<crate::backend::ProfileEntry>> {
        self.accel.as_ref().and_then(|a| a.profile())
    }

    /// The device the steps run on, in words (`cpu` without a GPU).
    pub fn device_name(&self) -> String {
        self.accel.as_ref().map_or_else(|| "cpu".to_string(), |a| a.describe())
    }

    /// Brings the host arena up to date with the device's (after GPU steps), before the host
    /// reads the parameters or changes them.
    pub fn sync_host(&mut self) -> Result<(), TrainError> {
        if let (Some(accel), true) = (self.accel.as_mut(), self.host_stale) {
            accel.download(self.exec.arena.as_bytes_mut()).map_err(TrainError::Program)?;
        }
        self.host_stale = false;
        Ok(())
    }

    /// Every stage's parameter layouts and the model's parameters. A rank holds only its own
    /// stage's program, so the stages' tables are gathered over this rank's pipeline group (the
    /// same group on every data- and tensor-parallel coordinate): collective over the mesh.
    fn model_table(&mut self) -> Result<ModelTable, TrainError> {
        let own: Vec<ParamLayout> = self.pieces.iter().map(|p| p.layout.clone()).collect();
        let Some(ctx) = self.exec.rank.as_mut() else { return ModelTable::of(vec![own]) };
        let (group, members) = ctx.group(GroupKind::Axis(Axis::Pp)).map_err(TrainError::Program)?;
        let stages = members.size();
        let mut words = Vec::new();
        for l in &own {
            l.encode(&mut words);
        }
        let mut lens = vec![0i64; stages];
        ctx.comm.all_gather(group, Buf::I64(&[words.len() as i64]), BufMut::I64(&mut lens))?;
        let width = lens.iter().copied().max().unwrap_or(0).max(0) as usize;
        words.resize(width, 0);
        let mut all = vec![0i64; width * stages];
        ctx.comm.all_gather(group, Buf::I64(&words), BufMut::I64(&mut all))?;
        let tables = lens
            .iter()
            .enumerate()
            .map(|(s, &n)| {
                let n = usize::try_from(n).unwrap_or(0).min(width);
                ParamLayout::decode_list(&all[s * width..s * width + n]).map_err(TrainError::Program)
            })
            .collect::<Result<Vec<_>, _>>()?;
        ModelTable::of(tables)
    }

    /// The global value of every parameter, assembled through the communicator on rank 0, one
    /// tensor at a time: `programs` are the programs of every pipeline stage (the program of
    /// rank r is `programs[pp coordinate of r]`). Every rank calls this after its last step; rank
    /// 0 gets `Some` (name, global shape, values) in the order of the ranks' parameter tables
    /// (rank 0's first, then the parameters first held by later ranks), the others `None`. Rank 0
    /// asks each owner of a tensor for its piece in turn and assembles it with the tensor's
    /// [`ParamLayout`], so no rank holds more than one tensor of other ranks' state at a time. A
    /// single-rank trainer returns its parameters as they are.
    pub fn collect_params(&mut self, programs: &[Program]) -> Result<Option<Vec<NamedTensor>>, TrainError> {
        self.sync_host()?;
        let Some(ctx) = self.exec.rank.as_mut() else {
            let params = self.params().into_iter().map(|(n, s, v)| (n.to_string(), s.to_vec(), v.to_vec())).collect();
            return Ok(Some(params));
        };
        let mesh = self.mesh;
        let world = mesh.world_size();
        if programs.len() < mesh.pp {
            let stage = programs.len();
            let rank = mesh.rank(parc_dialects::mesh::Coords { dp: 0, pp: stage, tp: 0, ep: 0 });
            return Err(TrainError::Program(format!("no program for pipeline stage {stage} of rank {rank}")));
        }
        // Each stage's parameters by name; a rank holds its stage's (rank order visits the stages
        // in order, so this is also the first-seen rank order of the names).
        let stage_params: Vec<HashMap<&str, &TensorInfo>> = programs[..mesh.pp]
            .iter()
            .map(|p| p.tensors.iter().filter(|t| t.role == Role::Param).map(|t| (t.name.as_str(), t)).collect())
            .collect();
        let mut names: Vec<&str> = Vec::new();
        for p in &programs[..mesh.pp] {
            for t in p.tensors.iter().filter(|t| t.role == Role::Param) {
                if !names.contains(&t.name.as_str()) {
                    names.push(&t.name);
                }
            }
        }
        let own = |rank: usize, name: &str| stage_params[mesh.coords(rank).pp].get(name).copied();
        let me = self.rank;
        // Rank 0 assembles: every stage's layouts, read once.
        let stage_layouts: Vec<Vec<ParamLayout>> = if me == 0 {
            programs[..mesh.pp].iter().map(ParamLayout::of).collect::<Result<_, _>>().map_err(TrainError::Program)?
        } else {
            Vec::new()
        };
        let mut out = Vec::new();
        for name in names {
            let owners: Vec<usize> = (0..world).filter(|&r| own(r, name).is_some()).collect();
            if me != 0 {
                if owners.contains(&me) {
                    // The values in f32: a bf16 parameter's master copy.
                    let buf = self
                        .pieces
                        .iter()
                        .find(|p| p.name() == name)
                        .map(|p| p.buf.clone())
                        .ok_or_else(|| TrainError::Program(format!("rank {me} has no parameter {name} to send")))?;
                    ctx.comm.recv(0, COLLECT_TAG, BufMut::F32(&mut []))?;
                    ctx.comm.send(0, COLLECT_TAG, Buf::F32(self.exec.arena.f32(&buf)))?;
                }
                continue;
            }
            let mut received: Vec<Vec<f32>> = vec![Vec::new(); world];
            let first = owners.first().copied().unwrap_or(0);
            let Some(first_tensor) = own(first, name) else { continue };
            let first_stage = mesh.coords(first).pp;
            let (stored, is_master) = stored_tensor(&programs[first_stage], first_tensor)?;
            for &r in &owners {
                let Some(t) = own(r, name) else { continue };
                received[r] = if r == 0 {
                    let buf = self.pieces.iter().find(|p| p.name() == name).map_or(&t.buf, |p| &p.buf);
                    self.exec.arena.f32(buf).to_vec()
                } else {
                    let mut piece = vec![0.0f32; stored_tensor(&programs[mesh.coords(r).pp], t)?.0.buf.len()];
                    ctx.comm.send(r, COLLECT_TAG, Buf::F32(&[]))?;
                    ctx.comm.recv(r, COLLECT_TAG, BufMut::F32(&mut piece))?;
                    piece
                };
            }
            match stage_layouts[first_stage].iter().find(|l| l.name == name) {
                Some(l) => {
                    let l = if is_master { l.of_state() } else { l.clone() };
                    let refs: Vec<&[f32]> = received.iter().map(|p| p.as_slice()).collect();
                    out.push((name.to_string(), l.global_shape.clone(), l.assemble(&mesh, &refs)));
                }
                None => out.push((name.to_string(), stored.buf.shape.clone(), std::mem::take(&mut received[first]))),
            }
        }
        Ok((me == 0).then_some(out))
    }

    /// Loads this rank's piece of every parameter from global tensors (name → values).
    pub fn set_global_params(
        &mut self,
        global: &std::collections::HashMap<String, Vec<f32>>,
    ) -> Result<(), TrainError> {
        self.sync_host()?;
        self.device_stale = true;
        for p in &self.pieces {
            let name = p.name();
            let g = global.get(name).ok_or_else(|| TrainError::Program(format!("no weights for {name}")))?;
            let want: usize = p.layout.global_shape.iter().product();
            if g.len() != want {
                return Err(TrainError::Program(format!(
                    "the weights for {name} hold {} elements, its global shape {:?} has {want}",
                    g.len(),
                    p.layout.global_shape
                )));
            }
            let (mesh, rank) = (self.mesh, self.rank);
            p.fill(&mut self.exec.arena, |layout, dst| {
                dst.copy_from_slice(&layout.local(g, &mesh, rank));
                Ok::<(), TrainError>(())
            })?;
        }
        Ok(())
    }

    /// The parameters as (name, shape, values), in table order (bf16 parameters: their fp32
    /// master copies).
    pub fn params(&self) -> Vec<(&str, &[usize], &[f32])> {
        self.exec
            .program
            .tensors
            .iter()
            .filter(|t| t.role == Role::Param)
            .map(|t| {
                let buf = self.pieces.iter().find(|p| p.name() == t.name).map_or(&t.buf, |p| &p.buf);
                (t.name.as_str(), t.buf.shape.as_slice(), self.exec.arena.f32(buf))
            })
            .collect()
    }

    /// Replaces the parameters by those in a safetensors file (every parameter, exact shapes):
    /// [`Trainer::load_params_local`].
    pub fn load_params(&mut self, path: &Path) -> Result<(), TrainError> {
        self.load_params_local(path)
    }

    /// Replaces this rank's pieces of the parameters by those in the weights at `path` (a
    /// safetensors file of the global tensors as `--save` writes them, or a Hugging Face
    /// checkpoint of the model, [`crate::hf::InitWeights`]), reading only this rank's bytes: the
    /// headers, then for each parameter the elements its piece holds
    /// ([`ParamLayout::local_indices`]). The weights must hold exactly the model's parameters
    /// with their global shapes (every difference is reported at once); on a partitioned mesh
    /// the parameters of the other pipeline stages are learnt from them, so every rank must call
    /// this (collective).
    pub fn load_params_local(&mut self, path: &Path) -> Result<(), TrainError> {
        let table = self.model_table()?;
        let file = crate::hf::InitWeights::open(path, &table.expected())?;
        self.sync_host()?;
        self.device_stale = true;
        let (mesh, rank) = (self.mesh, self.rank);
        for p in &self.pieces {
            p.fill(&mut self.exec.arena, |layout, dst| {
                file.read_piece(&layout.name, layout.local_indices(&mesh, rank), dst)
            })?;
        }
        Ok(())
    }

    /// Writes the parameters to a safetensors file (a single-rank trainer's, whole).
    pub fn save_params(&mut self, path: &Path) -> Result<(), TrainError> {
        self.sync_host()?;
        Ok(weights::save(path, &self.params())?)
    }

    /// Writes the global parameters to one safetensors file at `path`, byte for byte the file
    /// [`weights::save`] writes for the tensors [`Trainer::collect_params`] assembles, without
    /// any rank holding more than its own pieces. A single-rank trainer saves as
    /// [`Trainer::save_params`]. On a mesh every rank calls this (collective): every rank builds
    /// the same header ([`SharedSave`]); rank 0 creates the file with it; after a barrier every
    /// rank writes, with positioned writes, the global elements of its pieces that it is the
    /// lowest rank to hold (the first pipeline stage holding a parameter, and on it the ranks with
    /// coordinate 0 on the axes the parameter is replicated over), so each element is written
    /// exactly once and padding never; after a second barrier rank 0 syncs the file and renames
    /// it into place.
    pub fn save_shared(&mut self, path: &Path) -> Result<(), TrainError> {
        self.sync_host()?;
        if self.exec.rank.is_none() {
            return self.save_params(path);
        }
        let table = self.model_table()?;
        let save = SharedSave::new(path, &table.expected())?;
        let result = self.write_shared(&table, &save);
        if result.is_err() && self.rank == 0 {
            save.abandon();
        }
        result
    }

    /// The steps of [`Trainer::save_shared`] after the header: the parameters.
    fn write_shared(&mut self, table: &ModelTable, save: &SharedSave) -> Result<(), TrainError> {
        let entries = self.param_entries();
        self.write_entries(table, save, &entries)
    }

    /// Every rank writes the elements of `entries` it is the lowest rank to hold (the file's
    /// header is already built): rank 0 creates the file, a barrier, every rank writes, a barrier,
    /// rank 0 syncs and renames it into place.
    fn write_entries(&mut self, table: &ModelTable, save: &SharedSave, entries: &[Entry]) -> Result<(), TrainError> {
        let (me, mesh) = (self.rank, self.mesh);
        let stage = mesh.coords(me).pp;
        let Some(ctx) = self.exec.rank.as_mut() else { return Err(TrainError::Program("no mesh to save on".into())) };
        if me == 0 {
            save.create()?;
        }
        ctx.barrier()?;
        {
            let writer = save.open()?;
            for e in entries {
                // On this stage, the lowest holder of every element of the piece is the same rank.
                if !e.layout.lowest_for_its_elements(&mesh, me) {
                    continue;
                }
                // The earlier stages that hold this parameter (a tied embedding): their ranks are
                // lower than every rank of this stage. One that holds every element writes them
                // all; one that does not is asked element by element.
                let earlier: Vec<(usize, ParamLayout)> = table.stages[..stage.min(table.stages.len())]
                    .iter()
                    .enumerate()
                    .filter_map(|(s, ls)| {
                        ls.iter()
                            .find(|l| l.name == e.param)
                            .map(|l| (s, if e.state { l.of_state() } else { l.clone() }))
                    })
                    .collect();
                if earlier.iter().any(|(_, l)| l.covers(&mesh)) {
                    continue;
                }
                let values = self.exec.arena.f32(&e.buf);
                let mine = e.layout.local_indices(&mesh, me).zip(values).filter_map(|(index, &v)| {
                    let index = index?;
                    let held_earlier = earlier.iter().any(|(s, l)| l.lowest_holder(&mesh, *s, index).is_some());
                    (!held_earlier).then_some((index, v))
                });
                writer.write_elements(&e.tensor, mine)?;
            }
        }
        ctx.barrier()?;
        if me == 0 {
            save.finish()?;
        }
        Ok(())
    }

    /// Every parameter piece as a shared-save entry under its own name.
    fn param_entries(&self) -> Vec<Entry> {
        self.pieces
            .iter()
            .map(|p| Entry {
                tensor: p.name().to_string(),
                param: p.name().to_string(),
                buf: p.buf.clone(),
                layout: p.layout.clone(),
                state: false,
            })
            .collect()
    }

    /// The optimizer-state tensors of every parameter piece, as checkpoint entries: `PREFIX.NAME`
    /// for each state of the program other than a bf16 parameter's master copy (which is the
    /// piece's own buffer), laid out as the state is ([`ParamLayout::of_state`]); and the
    /// prefixes, sorted (the same on every rank: one optimizer).
    fn state_entries(&self) -> Result<(Vec<Entry>, Vec<String>), TrainError> {
        let program = self.exec.program;
        let mut prefixes: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        for t in program.tensors.iter().filter(|t| t.role == Role::State) {
            let Some((prefix, param)) = t.name.split_once('.') else { continue };
            if prefix == "master" {
                continue;
            }
            let Some(p) = self.pieces.iter().find(|p| p.name() == param) else { continue };
            if t.buf.dtype != parc_dialects::DType::F32 {
                return Err(TrainError::Program(format!(
                    "optimizer state {} is {}, not f32; recompile the model with parc compile",
                    t.name, t.buf.dtype
                )));
            }
            if !prefixes.iter().any(|x| x == prefix) {
                prefixes.push(prefix.to_string());
            }
            let mut layout = p.layout.of_state();
            layout.name = t.name.clone();
            entries.push(Entry {
                tensor: t.name.clone(),
                param: param.to_string(),
                buf: t.buf.clone(),
                layout,
                state: true,
            });
        }
        prefixes.sort();
        Ok((entries, prefixes))
    }

    /// Writes a checkpoint of the run so far to the directory `dir`: `state.safetensors` with the
    /// global parameters (fp32 master values for bf16 training) and every optimizer state under
    /// `PREFIX.NAME` (global shapes, whatever the mesh), and `checkpoint.json` with the step. The
    /// data position and the learning rate follow from the step. Everything is written into
    /// `DIR.partial` and renamed to `DIR` at the end, so an interrupted save never leaves a
    /// checkpoint that looks whole. Collective on a mesh: every rank writes its own elements.
    pub fn save_checkpoint(&mut self, dir: &Path) -> Result<(), TrainError> {
        self.sync_host()?;
        let partial = partial_dir(dir);
        let first = self.exec.rank.is_none() || self.rank == 0;
        let io = |e: std::io::Error, path: &Path| {
            TrainError::Weights(WeightsError::Io { action: "write", path: path.to_path_buf(), source: e })
        };
        if first {
            if partial.exists() {
                std::fs::remove_dir_all(&partial).map_err(|e| io(e, &partial))?;
            }
            std::fs::create_dir_all(&partial).map_err(|e| io(e, &partial))?;
        }
        let (states, prefixes) = self.state_entries()?;
        let file = partial.join(CHECKPOINT_TENSORS);
        if self.exec.rank.is_none() {
            let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
            for p in &self.pieces {
                tensors.push((
                    p.name().to_string(),
                    p.layout.global_shape.clone(),
                    self.exec.arena.f32(&p.buf).to_vec(),
                ));
            }
            for e in &states {
                tensors.push((e.tensor.clone(), e.layout.global_shape.clone(), self.exec.arena.f32(&e.buf).to_vec()));
            }
            let refs: Vec<(&str, &[usize], &[f32])> =
                tensors.iter().map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())).collect();
            weights::save(&file, &refs)?;
        } else {
            let table = self.model_table()?;
            let all = checkpoint_tensors(&table, &prefixes);
            let expected: Vec<(&str, &[usize])> = all.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect();
            if let Some(ctx) = self.exec.rank.as_mut() {
                ctx.barrier()?;
            }
            let save = SharedSave::new(&file, &expected)?;
            let mut entries = self.param_entries();
            entries.extend(states);
            let result = self.write_entries(&table, &save, &entries);
            if result.is_err() && self.rank == 0 {
                save.abandon();
            }
            result?;
        }
        if first {
            let meta = serde_json::json!({
                "format": CHECKPOINT_FORMAT,
                "model": self.info.name,
                "step": self.steps_done,
                "samples_consumed": self.steps_done * self.info.global_batch as u64,
                "optimizer_states": prefixes,
                "mesh": self.mesh.to_string(),
                "tensors": CHECKPOINT_TENSORS,
            });
            let path = partial.join(CHECKPOINT_META);
            std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(&meta).unwrap_or_default()))
                .map_err(|e| io(e, &path))?;
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| io(e, dir))?;
            }
            std::fs::rename(&partial, dir).map_err(|e| io(e, dir))?;
        }
        if let Some(ctx) = self.exec.rank.as_mut() {
            ctx.barrier()?;
        }
        Ok(())
    }

    /// Continues the run saved in the checkpoint directory `dir` ([`Trainer::save_checkpoint`]):
    /// loads this rank's pieces of the parameters and optimizer states (from any mesh's
    /// checkpoint: the tensors are global) and the step. Returns the step. Collective on a mesh.
    pub fn load_checkpoint(&mut self, dir: &Path) -> Result<u64, TrainError> {
        let meta_path = dir.join(CHECKPOINT_META);
        let bad = |message: String| TrainError::Weights(WeightsError::Import { message });
        let text = std::fs::read_to_string(&meta_path).map_err(|e| {
            bad(format!("{} is not a parc checkpoint: cannot read {}: {e}", dir.display(), meta_path.display()))
        })?;
        let meta: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("{} is not valid JSON: {e}", meta_path.display())))?;
        if meta["format"].as_str() != Some(CHECKPOINT_FORMAT) {
            return Err(bad(format!("{}: format is not \"{CHECKPOINT_FORMAT}\"", meta_path.display())));
        }
        let step = meta["step"]
            .as_u64()
            .ok_or_else(|| bad(format!("{}: \"step\" is not a whole number", meta_path.display())))?;
        let table = self.model_table()?;
        let (states, prefixes) = self.state_entries()?;
        let all = checkpoint_tensors(&table, &prefixes);
        let expected: Vec<(&str, &[usize])> = all.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect();
        let file = crate::hf::InitWeights::open(&dir.join(CHECKPOINT_TENSORS), &expected)?;
        self.sync_host()?;
        self.device_stale = true;
        let (mesh, rank) = (self.mesh, self.rank);
        for p in &self.pieces {
            p.fill(&mut self.exec.arena, |layout, dst| {
                file.read_piece(&layout.name, layout.local_indices(&mesh, rank), dst)
            })?;
        }
        for e in &states {
            let dst = self.exec.arena.f32_mut(&e.buf);
            file.read_piece(&e.tensor, e.layout.local_indices(&mesh, rank), dst)?;
        }
        self.steps_done = step;
        Ok(step)
    }

    /// Runs one training step on the CPU and on `accel` side by side, kernel by kernel
    /// ([`crate::gpu::lockstep`]): the host arena stays the truth (the steps go on from the CPU's
    /// results) and each kernel's operands on the two are compared. Returns the step's report and
    /// one comparison per kernel instruction.
    pub fn check_step(
        &mut self,
        accel: &mut dyn Accelerator,
    ) -> Result<(StepReport, Vec<crate::gpu::lockstep::KernelDiff>), TrainError> {
        self.sync_host()?;
        let started = Instant::now();
        let step = self.steps_done + 1;
        let program = self.exec.program;
        let step_buf = program.tensor("step").ok_or_else(|| TrainError::Program("no step tensor".into()))?.buf.clone();
        self.exec.arena.i64_mut(&step_buf)[0] = step as i64;
        accel.upload(self.exec.arena.as_bytes()).map_err(TrainError::Program)?;
        let dp = (self.mesh.coords(self.rank).dp, self.mesh.dp);
        let mut feed = Feed { data: &self.data, step: self.steps_done, info: &self.info, dp, error: None };
        let mut diffs = Vec::new();
        crate::gpu::lockstep::run_both(&mut self.exec, accel, program, self.train_step, &mut feed, &mut diffs)?;
        let loss_buf = program.tensor("loss").ok_or_else(|| TrainError::Program("no loss tensor".into()))?.buf.clone();
        let loss = self.exec.arena.f32(&loss_buf)[0];
        self.steps_done = step;
        self.exec.moe_pairs = Default::default();
        let report = StepReport {
            step,
            loss,
            tokens: self.info.global_batch * self.info.seq_len,
            seconds: started.elapsed().as_secs_f64(),
            moe_pairs: None,
        };
        Ok((report, diffs))
    }

    /// Runs one training step.
    pub fn step(&mut self) -> Result<StepReport, TrainError> {
        let started = Instant::now();
        let step = self.steps_done + 1;
        let program = self.exec.program;
        let step_buf = program.tensor("step").ok_or_else(|| TrainError::Program("no step tensor".into()))?.buf.clone();
        let loss_buf = program.tensor("loss").ok_or_else(|| TrainError::Program("no loss tensor".into()))?.buf.clone();
        let dp = (self.mesh.coords(self.rank).dp, self.mesh.dp);
        let mut feed = Feed { data: &self.data, step: self.steps_done, info: &self.info, dp, error: None };
        let result = match self.accel.as_mut() {
            None => {
                self.exec.arena.i64_mut(&step_buf)[0] = step as i64;
                self.exec.run(self.train_step, &mut feed)
            }
            Some(accel) => {
                if self.device_stale {
                    accel.upload(self.exec.arena.as_bytes()).map_err(TrainError::Program)?;
                    self.device_stale = false;
                }
                accel.write(&step_buf, &(step as i64).to_le_bytes()).map_err(TrainError::Program)?;
                self.host_stale = true;
                accel.begin_step().map_err(TrainError::Program)?;
                crate::cpu::exec::run_function(accel.as_mut(), program, self.train_step, &mut feed).and_then(|()| {
                    accel.end_step().map_err(|m| ExecError::Instr {
                        function: program.function_names[self.train_step].clone(),
                        index: 0,
                        op: "end of step".into(),
                        message: m,
                    })
                })
            }
        };
        match result {
            Err(ExecError::Data { .. }) if feed.error.is_some() => {
                return Err(feed.error.take().map_or_else(|| TrainError::Program("no data".into()), TrainError::Data))
            }
            result => result?,
        }
        let loss = match self.accel.as_mut() {
            None => self.exec.arena.f32(&loss_buf)[0],
            Some(accel) => {
                let mut bytes = [0u8; 4];
                accel.read(&loss_buf, &mut bytes).map_err(TrainError::Program)?;
                f32::from_le_bytes(bytes)
            }
        };
        self.steps_done = step;
        let moe_pairs = self.take_moe_pairs()?;
        Ok(StepReport {
            step,
            loss,
            tokens: self.info.global_batch * self.info.seq_len,
            seconds: started.elapsed().as_secs_f64(),
            moe_pairs,
        })
    }

    /// The step's MoE pair counts over the global batch (every rank of a MoE model calls this
    /// after each step: on a mesh it is an all-reduce over dp and pp, each stage counting its own
    /// layers), the executor's tally reset. None for a dense model or when a GPU ran the step.
    fn take_moe_pairs(&mut self) -> Result<Option<crate::cpu::exec::MoePairs>, TrainError> {
        let local = std::mem::take(&mut self.exec.moe_pairs);
        if self.info.experts.is_none() || self.accel.is_some() {
            return Ok(None);
        }
        let Some(ctx) = self.exec.rank.as_mut() else { return Ok(Some(local)) };
        // Summed as f32 in 8-bit digits (most significant first): every digit's sum is exact for
        // up to 65,793 ranks.
        let mut buf = [0f32; 16];
        for (i, d) in buf.iter_mut().enumerate() {
            let n = if i < 8 { local.routed } else { local.dropped };
            *d = ((n >> (8 * (7 - i % 8))) & 0xff) as f32;
        }
        for axis in [Axis::Dp, Axis::Pp].into_iter().filter(|&a| ctx.mesh.size(a) > 1) {
            let (id, _) = ctx.group(GroupKind::Axis(axis)).map_err(TrainError::Program)?;
            let before = ctx.comm.stats().clone();
            ctx.comm.all_reduce(id, crate::comm::ReduceOp::Sum, crate::comm::BufMut::F32(&mut buf))?;
            self.bookkeeping.add(&ctx.comm.stats().since(&before));
        }
        let number = |d: &[f32]| d.iter().fold(0u64, |acc, &x| (acc << 8) + x as u64);
        Ok(Some(crate::cpu::exec::MoePairs { routed: number(&buf[..8]), dropped: number(&buf[8..]) }))
    }
}
