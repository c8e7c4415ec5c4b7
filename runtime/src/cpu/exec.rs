//! The CPU executor: runs a loaded [`Program`] on one arena. It owns the arena (allocated once,
//! exactly `program.arena_bytes` bytes), implements [`Device`] by dispatching each decoded
//! instruction to the kernel library, the GEMM or the communicator, and records the highest byte
//! any instruction touched, so tests can compare the measured peak with the static plan. The step
//! loop, [`run_function`], is generic over the [`Device`].
//!
//! Slices of the arena are handed out unchecked by the borrow checker: the loader has proven that
//! every buffer lies inside the arena and that no instruction writes bytes it also reads (in-place
//! optimizer updates aside, which take their operands mutably one by one).

use parc_dialects::mesh::{Axis, GroupKind};
use parc_dialects::types::DType;
use thiserror::Error;

use crate::backend::{CollectiveError, Device};
use crate::comm::{self, CommError, ReduceOp};
use crate::cpu::gemm::{sgemm_batched, Batch, Gemm, MatLayout, MatMut, MatRef, Par};
use crate::cpu::kernels as k;
use crate::instr::{Collective, Kernel};
use crate::program::{Buf, Instr, Program};
use crate::rank::RankContext;

/// An instruction failed.
#[derive(Debug, Error)]
pub enum ExecError {
    #[error("in @{function}, instruction {index} ({op}): {message}")]
    Instr { function: String, index: usize, op: String, message: String },
    #[error("loading micro-batch {microbatch}: {message}")]
    Data { microbatch: usize, message: String },
    /// The program's arena cannot be allocated.
    #[error(
        "cannot allocate the program's {bytes}-byte arena ({gib:.1} GiB): {reason}; run it on a machine with more memory, \
         or recompile it with parc compile for more ranks (a larger mesh, or ZeRO) so that each rank needs less",
        gib = *bytes as f64 / (1u64 << 30) as f64
    )]
    Alloc { bytes: usize, reason: String },
    /// The program holds a buffer of an element type the CPU executor does not run.
    #[error("{what} has element type {dtype}, which the CPU backend does not run")]
    Unsupported { what: String, dtype: parc_dialects::DType },
    /// A collective or a send/recv failed in the communicator.
    #[error("in @{function}, instruction {index} ({op}): {error}")]
    Comm { function: String, index: usize, op: String, error: Box<CommError> },
}

/// Fails on the first buffer of `program` whose element type the CPU executor does not run (the
/// loader accepts every type the exec dialect has; which ones run is the backend's to say).
fn supported(program: &Program) -> Result<(), ExecError> {
    let runs = |b: &Buf| parc_dialects::exec::cpu_supports(b.dtype);
    if let Some(t) = program.tensors.iter().find(|t| !runs(&t.buf)) {
        return Err(ExecError::Unsupported { what: format!("tensor {}", t.name), dtype: t.buf.dtype });
    }
    for (f, instrs) in program.functions.iter().enumerate() {
        for (i, instr) in instrs.iter().enumerate() {
            let (Instr::Kernel { operands, .. } | Instr::Collective { operands, .. }) = instr else { continue };
            if let Some(b) = operands.iter().find(|b| !runs(b)) {
                let what = format!("in @{}, instruction {i} ({}), an operand", program.function_names[f], instr.name());
                return Err(ExecError::Unsupported { what, dtype: b.dtype });
            }
        }
    }
    Ok(())
}

/// Where `exec.load_batch` gets its data: the runtime's data loader.
pub trait BatchSource {
    /// Fills `tokens` and `labels` (each `[micro_batch, seq_len]`) with micro-batch `microbatch` of
    /// the current step.
    fn load(&mut self, microbatch: usize, tokens: &mut [i32], labels: &mut [i32]) -> Result<(), String>;
}

/// The arena: 8-byte aligned storage of exactly the planned size.
pub struct Arena {
    words: Vec<u64>,
    bytes: usize,
    high_water: usize,
}

impl Arena {
    /// A zeroed arena of `bytes` bytes, or [`ExecError::Alloc`] when the machine cannot give that
    /// much memory (the size comes from the program, so it is an input error, never an abort).
    pub fn new(bytes: usize) -> Result<Self, ExecError> {
        let fail = |reason: &str| ExecError::Alloc { bytes, reason: reason.to_string() };
        if bytes > crate::program::MAX_ARENA_BYTES {
            return Err(fail("it is larger than any allocation can be"));
        }
        let n = bytes.div_ceil(8);
        let layout =
            std::alloc::Layout::array::<u64>(n).map_err(|_| fail("it is larger than any allocation can be"))?;
        let words = if layout.size() == 0 {
            Vec::new()
        } else {
            // Zeroed memory straight from the allocator (as `vec![0; n]` gets it, pages mapped
            // lazily), but with the failure reported instead of aborting the process.
            // SAFETY: the layout has a non-zero size.
            let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<u64>();
            if ptr.is_null() {
                return Err(fail("the allocation failed"));
            }
            // SAFETY: `ptr` was allocated by the global allocator with the layout of `n` u64s,
            // which is what a Vec of capacity `n` frees with, and all `n` words are initialized
            // (zero).
            unsafe { Vec::from_raw_parts(ptr, n, n) }
        };
        Ok(Arena { words, bytes, high_water: 0 })
    }

    /// Its size in bytes (what the rank allocates).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The whole arena as bytes (what a GPU backend copies to and from its device arena).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `words` holds at least `bytes` initialized bytes.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.bytes) }
    }

    /// The whole arena as mutable bytes.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as `as_bytes`, borrowed mutably.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>(), self.bytes) }
    }

    /// The highest byte offset + 1 that any instruction or tensor access has touched.
    pub fn high_water(&self) -> usize {
        self.high_water
    }

    fn touch(&mut self, b: &Buf) {
        self.high_water = self.high_water.max(b.end());
    }

    /// The f32 elements of `b`.
    pub fn f32(&self, b: &Buf) -> &[f32] {
        self.slice::<f32>(b, DType::F32)
    }

    /// The f32 elements of `b`, writable.
    pub fn f32_mut(&mut self, b: &Buf) -> &mut [f32] {
        self.touch(b);
        // SAFETY: as `slice_mut`; `&mut self` makes this the only live slice.
        unsafe { self.slice_mut::<f32>(b, DType::F32) }
    }

    /// The bf16 elements of `b` (as their bits).
    pub fn bf16(&self, b: &Buf) -> &[u16] {
        self.slice::<u16>(b, DType::BF16)
    }

    /// The bf16 elements of `b` (as their bits), writable.
    pub fn bf16_mut(&mut self, b: &Buf) -> &mut [u16] {
        self.touch(b);
        // SAFETY: as `slice_mut`; `&mut self` makes this the only live slice.
        unsafe { self.slice_mut::<u16>(b, DType::BF16) }
    }

    /// The bytes of `b`, whatever its element type.
    pub fn raw(&self, b: &Buf) -> &[u8] {
        assert!(b.end() <= self.bytes, "buffer in bounds");
        // SAFETY: the range is inside the arena's allocation; u8 has no alignment or invalid values.
        unsafe { std::slice::from_raw_parts((self.words.as_ptr() as *const u8).add(b.offset), b.bytes()) }
    }

    /// The bytes of `b`, writable.
    pub fn raw_mut(&mut self, b: &Buf) -> &mut [u8] {
        self.touch(b);
        assert!(b.end() <= self.bytes, "buffer in bounds");
        // SAFETY: in bounds; `&mut self` makes this the only live slice.
        unsafe { std::slice::from_raw_parts_mut((self.words.as_mut_ptr() as *mut u8).add(b.offset), b.bytes()) }
    }

    /// The i32 elements of `b`, writable.
    pub fn i32_mut(&mut self, b: &Buf) -> &mut [i32] {
        self.touch(b);
        // SAFETY: as `slice_mut`; `&mut self` makes this the only live slice.
        unsafe { self.slice_mut::<i32>(b, DType::I32) }
    }

    /// The i64 elements of `b`, writable.
    pub fn i64_mut(&mut self, b: &Buf) -> &mut [i64] {
        self.touch(b);
        // SAFETY: as `slice_mut`; `&mut self` makes this the only live slice.
        unsafe { self.slice_mut::<i64>(b, DType::I64) }
    }

    fn slice<T>(&self, b: &Buf, dtype: DType) -> &[T] {
        assert_eq!(b.dtype, dtype, "buffer element type");
        assert!(b.end() <= self.bytes && b.offset % std::mem::align_of::<T>() == 0, "buffer in bounds");
        // SAFETY: the range is inside the arena's allocation and aligned for T (checked above and
        // by the loader); f32/i32/i64 have no invalid bit patterns.
        unsafe { std::slice::from_raw_parts((self.words.as_ptr() as *const u8).add(b.offset) as *const T, b.len()) }
    }

    /// A mutable slice from a shared borrow: sound only while no other slice of the same bytes is
    /// alive, which the loader's overlap check guarantees within one instruction. (This is the one
    /// place the executor hands out several disjoint slices of one allocation at once.)
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice_mut<T>(&self, b: &Buf, dtype: DType) -> &mut [T] {
        assert_eq!(b.dtype, dtype, "buffer element type");
        assert!(b.end() <= self.bytes && b.offset % std::mem::align_of::<T>() == 0, "buffer in bounds");
        // SAFETY: in bounds and aligned (checked above); exclusivity is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut((self.words.as_ptr() as *mut u8).add(b.offset) as *mut T, b.len()) }
    }
}

/// (token, choice) pairs of MoE layers: routed to an expert, and dropped past its capacity.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MoePairs {
    pub routed: u64,
    pub dropped: u64,
}

/// Runs a program's functions on its arena.
pub struct Executor<'p> {
    pub program: &'p Program,
    pub arena: Arena,
    par: Par,
    /// The rank's mesh coordinates and communicator, for partitioned programs.
    pub rank: Option<RankContext>,
    /// (token, choice) pairs the MoE layers' forward dispatches routed and dropped since the
    /// trainer last took the counts (this rank's tokens only).
    pub moe_pairs: MoePairs,
}

impl<'p> Executor<'p> {
    /// An executor with a zeroed arena of the planned size, using `threads` threads for GEMMs
    /// (the kernels use rayon's pool).
    pub fn new(program: &'p Program, threads: usize) -> Result<Self, ExecError> {
        supported(program)?;
        let par = if threads > 1 { Par::Threads(threads) } else { Par::Seq };
        Ok(Executor {
            program,
            arena: Arena::new(program.arena_bytes)?,
            par,
            rank: None,
            moe_pairs: MoePairs::default(),
        })
    }

    /// An executor for one rank of a partitioned program.
    pub fn with_rank(program: &'p Program, threads: usize, rank: RankContext) -> Result<Self, ExecError> {
        let mut e = Executor::new(program, threads)?;
        e.rank = Some(rank);
        Ok(e)
    }

    /// This rank's coordinate on `axis` and the axis size (0 of 1 without a mesh).
    fn coord(&self, axis: Axis) -> (usize, usize) {
        self.rank.as_ref().map_or((0, 1), |r| r.coord(axis))
    }

    /// Runs function `index` (and the functions it calls).
    pub fn run(&mut self, index: usize, data: &mut dyn BatchSource) -> Result<(), ExecError> {
        let program = self.program;
        run_function(self, program, index, data)
    }

    fn elementwise(
        &mut self,
        n_inputs: usize,
        program: &[k::ElemOp],
        results: &[usize],
        accumulate: bool,
        o: &[Buf],
    ) -> Result<(), String> {
        let (inputs, outputs) = o.split_at(n_inputs);
        let shape = &outputs.first().ok_or("an elementwise kernel without outputs")?.shape;
        let ins: Vec<(&[f32], &[usize])> = inputs.iter().map(|b| (self.arena.f32(b), b.shape.as_slice())).collect();
        // SAFETY: outputs are disjoint from inputs and from each other (loader check).
        let mut outs: Vec<&mut [f32]> =
            outputs.iter().map(|b| unsafe { self.arena.slice_mut::<f32>(b, DType::F32) }).collect();
        k::elementwise(program, results, shape, &ins, &mut outs, accumulate).map_err(|e| e.to_string())
    }

    fn gemm(&mut self, a: &Buf, b: &Buf, c: &Buf, ta: bool, tb: bool, acc: bool) -> Result<(), String> {
        for x in [a, b, c] {
            self.arena.touch(x);
        }
        let mat = |buf: &Buf, transposed: bool| {
            let r = buf.shape.len();
            let (rows, cols) = (buf.shape[r - 2], buf.shape[r - 1]);
            let layout = MatLayout::row_major(cols);
            if transposed {
                (cols, rows, layout.t())
            } else {
                (rows, cols, layout)
            }
        };
        let (m, kk, la) = mat(a, ta);
        let (_, n, lb) = mat(b, tb);
        let beta = if acc { 1.0 } else { 0.0 };
        let (ar, br, cr) = (a.shape.len(), b.shape.len(), c.shape.len());
        // A weight shared by all rows (a linear layer): one GEMM over every row of A.
        if br == 2 && !ta && ar > 2 {
            let rows: usize = a.shape[..ar - 1].iter().product();
            return self.gemm_call(
                &Gemm::new(rows, n, kk).beta(beta),
                &Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 },
                a,
                la,
                0,
                b,
                lb,
                0,
                c,
                0,
            );
        }
        // Batch dims broadcast: loop over all but the innermost batch dim, batch that one.
        let batch_shape = &c.shape[..cr - 2];
        let (a_batch, b_batch) = (&a.shape[..ar - 2], &b.shape[..br - 2]);
        let strides = |shape: &[usize], mat: usize| -> Vec<usize> {
            // Element strides of a batch dims, aligned to the output's batch dims (0 where broadcast).
            let mut s = vec![0; batch_shape.len()];
            let mut acc_stride = mat;
            for (i, &d) in shape.iter().enumerate().rev() {
                let j = batch_shape.len() - shape.len() + i;
                s[j] = if d == 1 { 0 } else { acc_stride };
                acc_stride *= d;
            }
            s
        };
        let (sa, sb) = (strides(a_batch, m * kk), strides(b_batch, kk * n));
        let sc = strides(batch_shape, m * n);
        let gemm = Gemm::new(m, n, kk).beta(beta);
        if batch_shape.is_empty() {
            return self.gemm_call(
                &gemm,
                &Batch { count: 1, a_stride: 0, b_stride: 0, c_stride: 0 },
                a,
                la,
                0,
                b,
                lb,
                0,
                c,
                0,
            );
        }
        let last = batch_shape.len() - 1;
        let inner = Batch { count: batch_shape[last], a_stride: sa[last], b_stride: sb[last], c_stride: sc[last] };
        let outer: usize = batch_shape[..last].iter().product();
        for o in 0..outer {
            let (oa, ob, oc) = crate::gpu::gemm::outer_offsets(&batch_shape[..last], [&sa, &sb, &sc], o);
            self.gemm_call(&gemm, &inner, a, la, oa, b, lb, ob, c, oc)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn gemm_call(
        &mut self,
        gemm: &Gemm,
        batch: &Batch,
        a: &Buf,
        la: MatLayout,
        oa: usize,
        b: &Buf,
        lb: MatLayout,
        ob: usize,
        c: &Buf,
        oc: usize,
    ) -> Result<(), String> {
        let (av, bv) = (self.arena.f32(a), self.arena.f32(b));
        // SAFETY: c is disjoint from a and b (loader check).
        let cv = unsafe { self.arena.slice_mut::<f32>(c, DType::F32) };
        let n = gemm.n;
        sgemm_batched(
            gemm,
            batch,
            MatRef::new(av, la.at(oa)),
            MatRef::new(bv, lb.at(ob)),
            MatMut::new(cv, MatLayout::row_major(n).at(oc)),
            self.par,
        )
        .map_err(|e| e.to_string())
    }

    /// Runs a library kernel (every kernel but the GEMM and the elementwise kernel).
    fn library_kernel(&mut self, kernel: &Kernel, o: &[Buf]) -> Result<(), String> {
        let last = |b: &Buf| *b.shape.last().unwrap_or(&1);
        let prefix = |b: &Buf, dims: usize| b.shape[..b.shape.len().saturating_sub(dims)].iter().product::<usize>();
        // This rank's first row of a table split over `axis`, `rows` rows per rank.
        let offset = |axis: Option<Axis>, rows: usize| axis.map(|a| self.coord(a).0 * rows);
        let ar = &self.arena;
        // SAFETY (every `w`): the written operand is disjoint from all others (loader check), and
        // each is written through one slice only.
        let w = |b: &Buf| unsafe { ar.slice_mut::<f32>(b, DType::F32) };
        let ids = |b: &Buf| ar.slice::<i32>(b, DType::I32);
        let r = |b: &Buf| ar.f32(b);
        // A counting dispatch's (routed, dropped) pairs, added to the tally after the match.
        let mut pairs = MoePairs::default();
        let res = match kernel {
            &Kernel::Embedding { shard_axis, accumulate: acc } => match offset(shard_axis, o[0].shape[0]) {
                Some(at) => k::embedding_shard(r(&o[0]), o[0].shape[0], o[0].shape[1], at, ids(&o[1]), w(&o[2]), acc),
                None => k::embedding(r(&o[0]), o[0].shape[0], o[0].shape[1], ids(&o[1]), w(&o[2]), acc),
            },
            &Kernel::EmbeddingGrad { shard_axis, accumulate: acc } => match offset(shard_axis, o[2].shape[0]) {
                Some(at) => {
                    k::embedding_grad_shard(ids(&o[0]), r(&o[1]), o[2].shape[0], o[2].shape[1], at, w(&o[2]), acc)
                }
                None => k::embedding_grad(ids(&o[0]), r(&o[1]), o[2].shape[0], o[2].shape[1], w(&o[2]), acc),
            },
            &Kernel::CrossEntropyStats { vocab, shard_axis } => {
                let cols = last(&o[0]);
                let at = offset(shard_axis, cols).unwrap_or(0);
                k::cross_entropy_stats(r(&o[0]), ids(&o[1]), r(&o[2]), cols, at, vocab, w(&o[3]), w(&o[4]))
            }
            &Kernel::CrossEntropyFromStats { accumulate: acc } => {
                k::cross_entropy_from_stats(r(&o[0]), r(&o[1]), r(&o[2]), w(&o[3]), acc)
            }
            &Kernel::CrossEntropyGradStats { vocab, shard_axis, accumulate: acc } => {
                let cols = last(&o[0]);
                let at = offset(shard_axis, cols).unwrap_or(0);
                let (lg, lb, m, se, dy) = (r(&o[0]), ids(&o[1]), r(&o[2]), r(&o[3]), r(&o[4]));
                k::cross_entropy_grad_stats(lg, lb, m, se, dy, cols, at, vocab, w(&o[5]), acc)
            }
            &Kernel::ShardSlice { group, dim } => {
                let index = self.rank.as_ref().map_or(0, |r| r.index_in(group).0);
                match o[0].dtype {
                    // SAFETY: as `w`: the output is disjoint from the input.
                    DType::I32 => k::shard_slice(ids(&o[0]), &o[0].shape, dim, index, unsafe {
                        ar.slice_mut::<i32>(&o[1], DType::I32)
                    }),
                    _ => k::shard_slice(r(&o[0]), &o[0].shape, dim, index, w(&o[1])),
                }
            }
            &Kernel::TopK { k } => {
                // SAFETY: as `w`: the output is disjoint from the input.
                k::top_k(r(&o[0]), last(&o[0]), k, unsafe { ar.slice_mut::<i32>(&o[1], DType::I32) })
            }
            &Kernel::OneHot { classes } => k::one_hot(ids(&o[0]), classes, w(&o[1])),
            &Kernel::MoeScatter { experts, capacity, groups, count } => {
                let x = &o[0].shape;
                let s = k::MoeShape { tokens: x[0], k: x[1], hidden: x[2], experts, capacity, groups };
                k::moe_scatter(r(&o[0]), ids(&o[1]), &s, w(&o[2])).map(|dropped| {
                    if count {
                        pairs = MoePairs { routed: (s.tokens * s.k) as u64, dropped: dropped as u64 };
                    }
                })
            }
            &Kernel::MoeGather { capacity, groups } => {
                let (buf, y) = (&o[0].shape, &o[2].shape);
                let s = k::MoeShape { tokens: y[0], k: y[1], hidden: y[2], experts: buf[0], capacity, groups };
                k::moe_gather(r(&o[0]), ids(&o[1]), &s, w(&o[2]))
            }
            &Kernel::Softmax { causal } => {
                let (outer, q) =
                    if causal { (prefix(&o[0], 2), o[0].shape[o[0].shape.len() - 2]) } else { (prefix(&o[0], 1), 1) };
                k::softmax(r(&o[0]), outer, q, last(&o[0]), causal, w(&o[1]))
            }
            &Kernel::SoftmaxGrad { accumulate: acc } => k::softmax_grad(r(&o[0]), r(&o[1]), last(&o[0]), w(&o[2]), acc),
            &Kernel::LayerNorm { eps } => k::layer_norm(r(&o[0]), r(&o[1]), r(&o[2]), last(&o[0]), eps, w(&o[3])),
            &Kernel::LayerNormGrad { eps, accumulate: acc } => {
                k::layer_norm_grad(r(&o[0]), r(&o[1]), r(&o[2]), last(&o[0]), eps, w(&o[3]), w(&o[4]), w(&o[5]), acc)
            }
            &Kernel::RmsNorm { eps } => k::rms_norm(r(&o[0]), r(&o[1]), last(&o[0]), eps, w(&o[2])),
            &Kernel::RmsNormGrad { eps, accumulate: acc } => {
                k::rms_norm_grad(r(&o[0]), r(&o[1]), r(&o[2]), last(&o[0]), eps, w(&o[3]), w(&o[4]), acc)
            }
            &Kernel::Rope { theta, inverse } => {
                let s = &o[0].shape;
                let n = s.len();
                k::rope(r(&o[0]), prefix(&o[0], 3), s[n - 3], s[n - 2], s[n - 1], theta, inverse, w(&o[1]))
            }
            &Kernel::CrossEntropy { accumulate: acc } => {
                k::cross_entropy(r(&o[0]), ids(&o[1]), last(&o[0]), w(&o[2]), acc)
            }
            &Kernel::CrossEntropyGrad { accumulate: acc } => {
                k::cross_entropy_grad(r(&o[0]), ids(&o[1]), r(&o[2]), last(&o[0]), w(&o[3]), acc)
            }
            Kernel::Reduce { kind, axes, accumulate } => {
                k::reduce(*kind, r(&o[0]), &o[0].shape, axes, w(&o[1]), *accumulate)
            }
            Kernel::ReduceMaxGrad { axes, accumulate } => {
                k::reduce_max_grad(r(&o[0]), r(&o[1]), r(&o[2]), &o[0].shape, axes, w(&o[3]), *accumulate)
            }
            Kernel::Copy { perm } => k::transpose(r(&o[0]), &o[0].shape, perm, w(&o[1])),
            &Kernel::Slice { axis, start } => k::slice(r(&o[0]), &o[0].shape, axis, start, o[1].shape[axis], w(&o[1])),
            &Kernel::Insert { axis, start } => k::insert(r(&o[0]), &o[1].shape, axis, start, w(&o[1])),
            &Kernel::Fill { value } => k::fill(w(&o[0]), value),
            &Kernel::LrSchedule { kind, lr, min_lr, warmup_steps, decay_steps } => {
                // SAFETY: step and lr are distinct tensors.
                let step = ar.slice::<i64>(&o[0], DType::I64)[0];
                w(&o[1])[0] = k::lr_schedule(step, kind, lr, min_lr, warmup_steps, decay_steps);
                Ok(())
            }
            &Kernel::ClipCoef { max_norm } => {
                w(&o[1])[0] = k::clip_coef(r(&o[0])[0], max_norm);
                Ok(())
            }
            Kernel::Adamw(config) => {
                let (lr, step) = (r(&o[4])[0], ar.slice::<i64>(&o[5], DType::I64)[0]);
                k::adamw(w(&o[0]), r(&o[1]), w(&o[2]), w(&o[3]), lr, step, config)
            }
            Kernel::Sgd(config) => k::sgd(w(&o[0]), r(&o[1]), w(&o[2]), r(&o[3])[0], config),
            Kernel::Gemm { .. } | Kernel::Elementwise { .. } => {
                return Err(format!("'{}' is not a library kernel", kernel.op().name()))
            }
        };
        self.moe_pairs.routed += pairs.routed;
        self.moe_pairs.dropped += pairs.dropped;
        res.map_err(|e| e.to_string())
    }
}

impl Executor<'_> {
    /// Runs `kernel` on operands some of which are bf16, as a GPU does: every bf16 operand is read
    /// widened to f32 (exact), the kernel computes in f32 (GEMMs and reductions accumulate in
    /// f32), and every bf16 operand is written back rounded to the nearest bf16, ties to even.
    /// The operands are staged in an f32 arena of their own; the kernel's inputs come back
    /// unchanged (a widened bf16 rounds back to itself), its outputs rounded once.
    fn widened(&mut self, kernel: &Kernel, o: &[Buf]) -> Result<(), String> {
        let mut staged = Vec::with_capacity(o.len());
        let mut end = 0usize;
        for b in o {
            let dtype = if b.dtype == DType::BF16 { DType::F32 } else { b.dtype };
            let buf = Buf { offset: end, shape: b.shape.clone(), dtype };
            end = (end + buf.bytes()).div_ceil(8) * 8;
            staged.push(buf);
        }
        let mut stage = Arena::new(end).map_err(|e| e.to_string())?;
        for (b, s) in o.iter().zip(&staged) {
            if b.dtype == DType::BF16 {
                for (d, &x) in stage.f32_mut(s).iter_mut().zip(self.arena.bf16(b)) {
                    *d = comm::bf16_to_f32(x);
                }
            } else {
                stage.raw_mut(s).copy_from_slice(self.arena.raw(b));
            }
        }
        std::mem::swap(&mut self.arena, &mut stage);
        let result = self.kernel(kernel, &staged, (0, 0));
        std::mem::swap(&mut self.arena, &mut stage);
        for (b, s) in o.iter().zip(&staged) {
            if b.dtype == DType::BF16 {
                let src = stage.f32(s);
                for (d, &x) in self.arena.bf16_mut(b).iter_mut().zip(src) {
                    *d = comm::f32_to_bf16(x);
                }
            } else {
                self.arena.raw_mut(b).copy_from_slice(stage.raw(s));
            }
        }
        result
    }
}

impl Device for Executor<'_> {
    fn kernel(&mut self, kernel: &Kernel, o: &[Buf], _at: (usize, usize)) -> Result<(), String> {
        if o.iter().any(|b| b.dtype == DType::BF16) {
            return self.widened(kernel, o);
        }
        for b in o {
            self.arena.touch(b);
        }
        match kernel {
            &Kernel::Gemm { transpose_a, transpose_b, accumulate } => {
                self.gemm(&o[0], &o[1], &o[2], transpose_a, transpose_b, accumulate)
            }
            Kernel::Elementwise { n_inputs, program, results, accumulate } => {
                self.elementwise(*n_inputs, program, results, *accumulate, o)
            }
            _ => self.library_kernel(kernel, o),
        }
    }

    fn collective(&mut self, collective: &Collective, o: &[Buf], site: (&str, usize)) -> Result<(), CollectiveError> {
        for b in o {
            self.arena.touch(b);
        }
        let name = collective.op().name();
        let rank = self
            .rank
            .as_mut()
            .ok_or_else(|| format!("'{name}' needs the rank's mesh: run the program with parc launch (all ranks)"))?;
        rank.comm.set_site(site.0, site.1);
        let ar = &self.arena;
        // This rank's group of `kind`: its handle and its size.
        let group = |rank: &RankContext, kind: GroupKind| rank.group(kind).map(|(id, g)| (id, g.size()));
        match *collective {
            Collective::Send { axis, shift, tag } => {
                let peer = rank.peer(axis, shift);
                rank.comm.send(peer, tag, comm_buf(ar, &o[0])?)?;
            }
            Collective::Recv { axis, shift, tag } => {
                let peer = rank.peer(axis, shift);
                // SAFETY: the received buffer is the op's only operand.
                rank.comm.recv(peer, tag, unsafe { comm_buf_mut(ar, &o[0])? })?;
            }
            Collective::AllReduce { group: kind, op } => {
                let (group, _) = group(rank, kind)?;
                // One collective per run of operands of one element type (a gradient bucket is
                // one run): in place when the memory plan laid the run out contiguously
                // (gradient buckets are), else through a packed copy.
                let mut start = 0;
                while start < o.len() {
                    let dtype = o[start].dtype;
                    let end = start + o[start..].iter().take_while(|b| b.dtype == dtype).count();
                    typed!(dtype, T => all_reduce::<T>(ar, &mut *rank.comm, group, op, &o[start..end]))?;
                    start = end;
                }
            }
            Collective::AllGather { group: kind, dim } => {
                let (group, n) = group(rank, kind)?;
                typed!(o[0].dtype, T => all_gather::<T>(ar, &mut *rank.comm, group, n, dim, o))?;
            }
            Collective::ReduceScatter { group: kind, dim, accumulate } => {
                let (group, n) = group(rank, kind)?;
                typed!(o[0].dtype, T => reduce_scatter::<T>(ar, &mut *rank.comm, group, n, dim, accumulate, o))?;
            }
            Collective::AllToAll { group: kind, dim } => {
                let (group, n) = group(rank, kind)?;
                typed!(o[0].dtype, T => all_to_all::<T>(ar, &mut *rank.comm, group, n, dim, o))?;
            }
        }
        Ok(())
    }

    fn load_batch(&mut self, mb: usize, tokens: &Buf, labels: &Buf, data: &mut dyn BatchSource) -> Result<(), String> {
        self.arena.touch(tokens);
        self.arena.touch(labels);
        // SAFETY: tokens and labels are distinct persistent tensors (disjoint ranges).
        let (t, l) = unsafe {
            (self.arena.slice_mut::<i32>(tokens, DType::I32), self.arena.slice_mut::<i32>(labels, DType::I32))
        };
        data.load(mb, t, l)
    }
}

/// The step loop: runs function `index` of `program` (and the functions it calls) on `device`,
/// one decoded instruction at a time. Errors name the function and the instruction.
pub fn run_function<D: Device + ?Sized>(
    device: &mut D,
    program: &Program,
    index: usize,
    data: &mut dyn BatchSource,
) -> Result<(), ExecError> {
    for (i, instr) in program.functions[index].iter().enumerate() {
        let function = || program.function_names[index].clone();
        let fail =
            |message: String| ExecError::Instr { function: function(), index: i, op: instr.name().into(), message };
        match instr {
            Instr::Call(f) => run_function(device, program, *f, data)?,
            Instr::LoadBatch(mb) => {
                let tokens = program.tensor("tokens").ok_or_else(|| fail("no tokens tensor".into()))?;
                let labels = program.tensor("labels").ok_or_else(|| fail("no labels tensor".into()))?;
                device
                    .load_batch(*mb, &tokens.buf, &labels.buf, data)
                    .map_err(|message| ExecError::Data { microbatch: *mb, message })?;
            }
            Instr::Kernel { kernel, operands } => device.kernel(kernel, operands, (index, i)).map_err(fail)?,
            Instr::Collective { collective, operands } => {
                device.collective(collective, operands, (&program.function_names[index], i)).map_err(|e| match e {
                    CollectiveError::Comm(error) => ExecError::Comm {
                        function: function(),
                        index: i,
                        op: instr.name().into(),
                        error: Box::new(error),
                    },
                    CollectiveError::Invalid(message) => fail(message),
                })?
            }
        }
    }
    Ok(())
}

/// An element type the collectives move: its arena type, its communicator buffers and its sum.
trait Elem: Copy + Default {
    const DTYPE: DType;
    fn comm(s: &[Self]) -> comm::Buf<'_>;
    fn comm_mut(s: &mut [Self]) -> comm::BufMut<'_>;
    /// `a + b` as an accumulating reduce-scatter adds (bf16: in f32, rounded once). Integer
    /// reductions never get here: the communicator refuses them.
    fn add(a: Self, b: Self) -> Self;
}

impl Elem for f32 {
    const DTYPE: DType = DType::F32;
    fn comm(s: &[Self]) -> comm::Buf<'_> {
        comm::Buf::F32(s)
    }
    fn comm_mut(s: &mut [Self]) -> comm::BufMut<'_> {
        comm::BufMut::F32(s)
    }
    fn add(a: Self, b: Self) -> Self {
        a + b
    }
}

/// bf16, as its bits.
impl Elem for u16 {
    const DTYPE: DType = DType::BF16;
    fn comm(s: &[Self]) -> comm::Buf<'_> {
        comm::Buf::Bf16(s)
    }
    fn comm_mut(s: &mut [Self]) -> comm::BufMut<'_> {
        comm::BufMut::Bf16(s)
    }
    fn add(a: Self, b: Self) -> Self {
        comm::f32_to_bf16(comm::bf16_to_f32(a) + comm::bf16_to_f32(b))
    }
}

impl Elem for i32 {
    const DTYPE: DType = DType::I32;
    fn comm(s: &[Self]) -> comm::Buf<'_> {
        comm::Buf::I32(s)
    }
    fn comm_mut(s: &mut [Self]) -> comm::BufMut<'_> {
        comm::BufMut::I32(s)
    }
    fn add(a: Self, b: Self) -> Self {
        a.wrapping_add(b)
    }
}

impl Elem for i64 {
    const DTYPE: DType = DType::I64;
    fn comm(s: &[Self]) -> comm::Buf<'_> {
        comm::Buf::I64(s)
    }
    fn comm_mut(s: &mut [Self]) -> comm::BufMut<'_> {
        comm::BufMut::I64(s)
    }
    fn add(a: Self, b: Self) -> Self {
        a.wrapping_add(b)
    }
}

/// Runs `$call` with `$t` the [`Elem`] of `$dtype` (f16 is never communicated).
macro_rules! typed {
    ($dtype:expr, $t:ident => $call:expr) => {
        match $dtype {
            DType::F32 => {
                type $t = f32;
                $call
            }
            DType::BF16 => {
                type $t = u16;
                $call
            }
            DType::I32 => {
                type $t = i32;
                $call
            }
            DType::I64 => {
                type $t = i64;
                $call
            }
            DType::F16 => Err(CollectiveError::Invalid("f16 buffers cannot be communicated".to_string())),
        }
    };
}
use typed;

/// All-reduces `o` (operands of element type `T`) as one message.
fn all_reduce<T: Elem>(
    ar: &Arena,
    comm: &mut dyn comm::Communicator,
    group: comm::GroupId,
    op: ReduceOp,
    o: &[Buf],
) -> Result<(), CollectiveError> {
    let Some(first) = o.first() else { return Ok(()) };
    if o.windows(2).all(|w| w[0].end() == w[1].offset) {
        let span = Buf { offset: first.offset, shape: vec![o.iter().map(|b| b.len()).sum()], dtype: T::DTYPE };
        // SAFETY: the operands are distinct arena buffers (loader check) that tile `span`
        // exactly, and nothing else reads or writes them during the call.
        let data = unsafe { ar.slice_mut::<T>(&span, T::DTYPE) };
        return Ok(comm.all_reduce(group, op, T::comm_mut(data))?);
    }
    let mut flat: Vec<T> = o.iter().flat_map(|b| ar.slice::<T>(b, T::DTYPE).iter().copied()).collect();
    comm.all_reduce(group, op, T::comm_mut(&mut flat))?;
    let mut at = 0;
    for b in o {
        // SAFETY: the operands of an all_reduce are distinct buffers (loader check).
        let out = unsafe { ar.slice_mut::<T>(b, T::DTYPE) };
        out.copy_from_slice(&flat[at..at + out.len()]);
        at += out.len();
    }
    Ok(())
}

/// Gathers `o[0]` of every member of the group along `dim` into `o[1]` (the same element type,
/// a loader check).
fn all_gather<T: Elem>(
    ar: &Arena,
    comm: &mut dyn comm::Communicator,
    group: comm::GroupId,
    n: usize,
    dim: usize,
    o: &[Buf],
) -> Result<(), CollectiveError> {
    let (outer, rows, inner) = k::split_dims(&o[0].shape, dim);
    let x = ar.slice::<T>(&o[0], T::DTYPE);
    let mut blocks = vec![T::default(); x.len() * n];
    comm.all_gather(group, T::comm(x), T::comm_mut(&mut blocks))?;
    // SAFETY: the output is disjoint from the input (loader check).
    let y = unsafe { ar.slice_mut::<T>(&o[1], T::DTYPE) };
    k::interleave_blocks(&blocks, n, outer, rows, inner, y);
    Ok(())
}

/// Sums `o[0]` over the group and leaves this member's block along `dim` in `o[1]` (added to
/// it when `accumulate`).
fn reduce_scatter<T: Elem>(
    ar: &Arena,
    comm: &mut dyn comm::Communicator,
    group: comm::GroupId,
    n: usize,
    dim: usize,
    accumulate: bool,
    o: &[Buf],
) -> Result<(), CollectiveError> {
    let (outer, full, inner) = k::split_dims(&o[0].shape, dim);
    let rows = full / n;
    let mut packed = vec![T::default(); outer * full * inner];
    k::deinterleave_blocks(ar.slice::<T>(&o[0], T::DTYPE), n, outer, rows, inner, &mut packed);
    let mut recv = vec![T::default(); outer * rows * inner];
    comm.reduce_scatter(group, ReduceOp::Sum, T::comm(&packed), T::comm_mut(&mut recv))?;
    // SAFETY: the output is disjoint from the input (loader check).
    let y = unsafe { ar.slice_mut::<T>(&o[1], T::DTYPE) };
    for (d, v) in y.iter_mut().zip(recv) {
        *d = if accumulate { T::add(*d, v) } else { v };
    }
    Ok(())
}

/// Exchanges `o[0]`'s chunks along `dim` with the group: chunk j of `o[0]` goes to member j, and
/// chunk i of `o[1]` (the same shape) is what member i sent. With `dim` outermost the chunks are
/// contiguous and the buffers go to the communicator as they are; otherwise they are packed
/// chunk by chunk first and unpacked after.
fn all_to_all<T: Elem>(
    ar: &Arena,
    comm: &mut dyn comm::Communicator,
    group: comm::GroupId,
    n: usize,
    dim: usize,
    o: &[Buf],
) -> Result<(), CollectiveError> {
    let (outer, full, inner) = k::split_dims(&o[0].shape, dim);
    if full % n != 0 {
        return Err(CollectiveError::Invalid(format!(
            "dim {dim} of the input has {full} rows, which do not split into one equal chunk for each of the group's {n} members"
        )));
    }
    let x = ar.slice::<T>(&o[0], T::DTYPE);
    // SAFETY: the output is disjoint from the input (loader check).
    let y = unsafe { ar.slice_mut::<T>(&o[1], T::DTYPE) };
    if outer == 1 {
        comm.all_to_all(group, T::comm(x), T::comm_mut(y))?;
        return Ok(());
    }
    let rows = full / n;
    let mut packed = vec![T::default(); x.len()];
    k::deinterleave_blocks(x, n, outer, rows, inner, &mut packed);
    let mut recv = vec![T::default(); x.len()];
    comm.all_to_all(group, T::comm(&packed), T::comm_mut(&mut recv))?;
    k::interleave_blocks(&recv, n, outer, rows, inner, y);
    Ok(())
}

/// `b` as the communication buffer type `$buf` (`Buf` or `BufMut`) with the arena accessor
/// `$slice` (`slice` or `slice_mut`).
macro_rules! comm_buf {
    ($buf:ident, $slice:ident, $ar:expr, $b:expr) => {
        match $b.dtype {
            DType::F32 => comm::$buf::F32($ar.$slice::<f32>($b, DType::F32)),
            DType::BF16 => comm::$buf::Bf16($ar.$slice::<u16>($b, DType::BF16)),
            DType::I32 => comm::$buf::I32($ar.$slice::<i32>($b, DType::I32)),
            DType::I64 => comm::$buf::I64($ar.$slice::<i64>($b, DType::I64)),
            DType::F16 => return Err("f16 buffers cannot be communicated".to_string()),
        }
    };
}

/// `b` as a typed communication buffer.
fn comm_buf<'a>(ar: &'a Arena, b: &Buf) -> Result<comm::Buf<'a>, String> {
    Ok(comm_buf!(Buf, slice, ar, b))
}

/// `b` as a typed, writable communication buffer.
///
/// # Safety
/// As [`Arena::slice_mut`]: no other slice of `b`'s bytes may be alive.
unsafe fn comm_buf_mut<'a>(ar: &'a Arena, b: &Buf) -> Result<comm::BufMut<'a>, String> {
    // SAFETY: the caller's contract.
    unsafe { Ok(comm_buf!(BufMut, slice_mut, ar, b)) }
}
