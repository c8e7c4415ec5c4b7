//! The MPI endpoint: one OS process per rank, started by `mpirun` or `srun`, communicating through
//! the MPI library's own collectives and point-to-point calls (Open MPI, or any MPI-3 library).
//! Behind the `mpi` cargo feature; the default build needs no MPI.
//!
//! # Mapping onto MPI
//!
//! - The rank and world size are MPI's (`MPI_Comm_rank` / `MPI_Comm_size` of `MPI_COMM_WORLD`).
//! - [`Communicator::create_group`] is `MPI_Comm_create_group`: collective over the members only,
//!   as the trait requires. A group's communicator lists its ranks in group order, so a member's
//!   index is its MPI rank in the group's communicator.
//! - all_reduce, all_gather, reduce_scatter, all_to_all and broadcast are `MPI_Iallreduce`,
//!   `MPI_Iallgather`, `MPI_Ireduce_scatter_block`, `MPI_Ialltoall` and `MPI_Ibcast`, polled to
//!   completion (a waiting rank yields, then sleeps, instead of spinning). bf16 travels as 16-bit
//!   integers; a bf16 reduction is widened to f32, reduced by MPI in f32 and rounded once. An
//!   all_reduce goes in segments of [`SEGMENT`] elements straight from the caller's buffer.
//!   The maximum is a user operation that propagates NaN (`MPI_MAX` does not say what it does
//!   with NaN).
//! - send is `MPI_Isend` of a copy that this endpoint keeps until MPI completes it, so a send
//!   never blocks (the trait's buffered send); recv is `MPI_Iprobe`, polled (to check the
//!   message's size first), then `MPI_Recv`. MPI keeps messages between a pair with the same tag in order.
//!
//! # Determinism
//!
//! A reduction's order is MPI's algorithm's, not the group order of the in-process mesh: results
//! equal the in-process run to rounding (parc's tests hold them to 1e-6), and MPI's algorithm
//! choice depends only on the group size and the message size, so two runs of the same job are
//! bitwise identical.
//!
//! # Failures
//!
//! An MPI call cannot time out, so a watchdog thread watches the call in flight: when
//! one waits longer than the timeout, it prints what waited (the call, its group, the program
//! position given by [`Communicator::set_site`], the rank) and ends the whole job with
//! `MPI_Abort`. [`Communicator::abort`] also ends the job with `MPI_Abort`: under MPI a failed
//! rank cannot leave the others running. A rank that dies (killed, crashed) is noticed by the
//! launcher, which ends the job and names the rank. Errors the trait reports locally (a buffer of
//! the wrong size, an integer reduction, a receive of the wrong size) are returned as
//! [`CommError`]s, as the in-process mesh returns them.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use mpi::environment::{Threading, Universe};
use mpi::ffi;
use parc_dialects::types::DType;

use super::{
    check, f32_to_bf16, secs, Bootstrap, BootstrapSource, Buf, BufMut, CollectiveKind, CommError, CommStats,
    Communicator, Group, GroupId, ReduceOp,
};

/// The exit code of a job ended by [`MpiComm::abort`] or a timeout: the one parc gives for a
/// failed run.
pub const ABORT_CODE: i32 = 2;

/// The elements of one MPI call of an all_reduce (4 MiB of f32): the extra memory a reduction
/// needs, whatever the bucket's size.
const SEGMENT: usize = 1 << 20;

/// Polls of a request that only yield the core before [`MpiComm::complete`] starts to sleep.
const SPIN_POLLS: u32 = 50;

/// The longest sleep between two polls of a request.
const MAX_NAP: Duration = Duration::from_micros(200);

/// The largest tag a program's send/recv may use: MPI guarantees tags up to 32767, and the top
/// one is kept for [`crate::train::COLLECT_TAG`].
const MAX_TAG: usize = 32766;

/// Whether this process was started by an MPI launcher (`mpirun`, `srun` with PMI/PMIx): the
/// environment variables Open MPI, MPICH/Hydra and Slurm set for every rank.
pub fn launched_by_mpi() -> bool {
    const VARS: [&str; 5] = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"];
    VARS.iter().any(|v| std::env::var_os(v).is_some())
}

/// Ends the whole job: prints nothing (the caller has said why) and calls `MPI_Abort` on the
/// world, which makes the launcher stop every rank; the job exits with `code`.
pub fn abort_job(code: i32) -> ! {
    // SAFETY: MPI_Abort may be called from any thread once MPI is initialized; it does not
    // return.
    unsafe {
        ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, code as c_int);
    }
    std::process::exit(code)
}

/// The call a rank is blocked in, for the watchdog.
struct InFlight {
    what: String,
    since: Instant,
}

/// State shared with the watchdog thread.
struct Watch {
    rank: usize,
    timeout: Duration,
    /// The call in flight and the program position it came from.
    inflight: Mutex<(Option<InFlight>, String)>,
    stop: AtomicBool,
    wake: Condvar,
}

impl Watch {
    /// Checks the call in flight until told to stop; past the timeout, ends the job.
    fn run(&self) {
        let tick = (self.timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let mut guard = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        while !self.stop.load(Ordering::SeqCst) {
            if let (Some(call), site) = &*guard {
                let waited = call.since.elapsed();
                if waited >= self.timeout {
                    eprintln!(
                        "error: rank {} timed out: {} at {site} waited {} (--timeout); a rank of its group stopped, \
                         hangs, or issued a different sequence of communications. Ending the job.",
                        self.rank,
                        call.what,
                        secs(&waited),
                    );
                    abort_job(ABORT_CODE);
                }
            }
            guard = self.wake.wait_timeout(guard, tick).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

/// A send in flight: MPI reads `data` until the request completes.
struct Pending {
    request: ffi::MPI_Request,
    _data: Vec<u8>,
}

/// One rank's MPI endpoint (see the module documentation).
pub struct MpiComm {
    rank: usize,
    world_size: usize,
    groups: Vec<(Group, ffi::MPI_Comm)>,
    pending: Vec<Pending>,
    stats: CommStats,
    max_op: ffi::MPI_Op,
    watch: Arc<Watch>,
    watchdog: Option<std::thread::JoinHandle<()>>,
}

/// MPI, initialized for this process: finalized when dropped. Keep it alive until the process's
/// last MPI call, [`abort_job`] included, and drop it after the endpoint.
pub struct MpiRuntime {
    _universe: Universe,
    made_endpoint: bool,
}

impl MpiRuntime {
    /// Initializes MPI, asking for `MPI_THREAD_MULTIPLE` (the watchdog may call `MPI_Abort` while
    /// the rank's thread is inside a collective). Fails if MPI was already initialized in this
    /// process.
    pub fn init() -> Result<MpiRuntime, CommError> {
        let (universe, _level) = mpi::initialize_with_threading(Threading::Multiple)
            .ok_or_else(|| CommError::Bootstrap { detail: "MPI is already initialized in this process".to_string() })?;
        Ok(MpiRuntime { _universe: universe, made_endpoint: false })
    }

    /// This process's endpoint (one per process); a call that waits longer than `timeout` ends
    /// the job.
    pub fn endpoint(&mut self, timeout: Duration) -> Result<MpiComm, CommError> {
        if std::mem::replace(&mut self.made_endpoint, true) {
            return Err(CommError::Bootstrap { detail: "this process already has its MPI endpoint".to_string() });
        }
        MpiComm::new(timeout)
    }
}

// SAFETY: the raw MPI handles are process-wide integers or pointers that MPI lets any thread use
// (the library is initialized with MPI_THREAD_MULTIPLE where available, and an endpoint is used by
// one thread at a time).
unsafe impl Send for MpiComm {}

/// Waits for `test` to report done (or an MPI error code), politely: it yields the core for the
/// first [`SPIN_POLLS`] polls, then sleeps for doubling spans up to [`MAX_NAP`]. A blocking MPI
/// call would spin on the core instead; with several ranks per core, or a rank waiting for
/// another stage's compute, spinning ranks slow down the ones that work.
fn poll(mut test: impl FnMut() -> (c_int, bool)) -> c_int {
    let mut nap = Duration::from_micros(2);
    let mut polls = 0u32;
    loop {
        let (code, done) = test();
        if code != ffi::MPI_SUCCESS as c_int || done {
            return code;
        }
        if polls < SPIN_POLLS {
            polls += 1;
            std::thread::yield_now();
        } else {
            std::thread::sleep(nap);
            nap = (nap * 2).min(MAX_NAP);
        }
    }
}

/// NaN-propagating maximum, the same as [`ReduceOp::combine`]: `inout[i] = max(in[i], inout[i])`.
unsafe extern "C" fn max_nan(input: *mut c_void, inout: *mut c_void, len: *mut c_int, _ty: *mut ffi::MPI_Datatype) {
    // SAFETY: MPI passes two buffers of `*len` elements of the op's datatype (always f32 here).
    let (x, acc) = unsafe {
        let n = (*len).max(0) as usize;
        (std::slice::from_raw_parts(input as *const f32, n), std::slice::from_raw_parts_mut(inout as *mut f32, n))
    };
    for (a, &x) in acc.iter_mut().zip(x) {
        *a = ReduceOp::Max.combine(x, *a);
    }
}

/// A buffer as MPI sees it: address, element count and datatype.
fn raw(b: &Buf<'_>) -> (*const c_void, usize, ffi::MPI_Datatype) {
    // SAFETY: the RSMPI_* datatypes are constants initialized by the library.
    unsafe {
        match b {
            Buf::F32(s) => (s.as_ptr().cast(), s.len(), ffi::RSMPI_FLOAT),
            Buf::Bf16(s) => (s.as_ptr().cast(), s.len(), ffi::RSMPI_UINT16_T),
            Buf::I32(s) => (s.as_ptr().cast(), s.len(), ffi::RSMPI_INT32_T),
            Buf::I64(s) => (s.as_ptr().cast(), s.len(), ffi::RSMPI_INT64_T),
        }
    }
}

/// As [`raw`], for a buffer MPI writes.
fn raw_mut(b: &mut BufMut<'_>) -> (*mut c_void, usize, ffi::MPI_Datatype) {
    let (ptr, n, ty) = raw(&b.as_buf());
    (ptr as *mut c_void, n, ty)
}

impl MpiComm {
    /// The endpoint of this process; MPI is initialized ([`MpiRuntime::endpoint`]).
    fn new(timeout: Duration) -> Result<MpiComm, CommError> {
        let (mut rank, mut size) = (0 as c_int, 0 as c_int);
        let mut max_op: ffi::MPI_Op = unsafe { ffi::RSMPI_MAX };
        // SAFETY: MPI is initialized; the out-pointers are valid.
        unsafe {
            ffi::MPI_Comm_rank(ffi::RSMPI_COMM_WORLD, &mut rank);
            ffi::MPI_Comm_size(ffi::RSMPI_COMM_WORLD, &mut size);
            ffi::MPI_Op_create(Some(max_nan), 1, &mut max_op);
        }
        let boot = Bootstrap::new(
            rank as usize,
            size as usize,
            BootstrapSource::Env { rank_var: "MPI_Comm_rank", size_var: "MPI_Comm_size" },
        )?;
        let watch = Arc::new(Watch {
            rank: boot.rank(),
            timeout,
            inflight: Mutex::new((None, "setup".to_string())),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
        });
        let w = Arc::clone(&watch);
        let watchdog = std::thread::Builder::new()
            .name("parc-mpi-watchdog".into())
            .spawn(move || w.run())
            .map_err(|e| CommError::Bootstrap { detail: format!("cannot start the watchdog thread: {e}") })?;
        Ok(MpiComm {
            rank: boot.rank(),
            world_size: boot.world_size(),
            groups: Vec::new(),
            pending: Vec::new(),
            stats: CommStats::default(),
            max_op,
            watch,
            watchdog: Some(watchdog),
        })
    }

    /// Runs `f`, a blocking MPI call described by `what`, under the watchdog.
    fn watched<T>(&self, what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
        {
            let mut g = self.watch.inflight.lock().unwrap_or_else(|e| e.into_inner());
            g.0 = Some(InFlight { what: what(), since: Instant::now() });
        }
        let out = f();
        self.watch.inflight.lock().unwrap_or_else(|e| e.into_inner()).0 = None;
        out
    }

    /// The group `id`: its description and communicator.
    fn lookup(&self, id: GroupId, op: CollectiveKind) -> Result<(&Group, ffi::MPI_Comm, usize), CommError> {
        let (group, comm) = self.groups.get(id.index()).ok_or(CommError::UnknownGroup { op, rank: self.rank, id })?;
        let index = group.index_of(self.rank).unwrap_or(0);
        Ok((group, *comm, index))
    }

    /// A send's or recv's peer and tag, checked: the name for messages (`send to rank 3`) and the
    /// MPI tag.
    fn point_to_point(&self, kind: CollectiveKind, peer: usize, tag: usize) -> Result<(String, c_int), CommError> {
        let (rank, world_size) = (self.rank, self.world_size);
        if peer >= world_size {
            return Err(CommError::InvalidPeer { op: kind, rank, peer, world_size });
        }
        let name = format!("{kind} {} rank {peer}", if kind == CollectiveKind::Send { "to" } else { "from" });
        match mpi_tag(tag) {
            Some(t) => Ok((name, t)),
            None => Err(CommError::InvalidArgument {
                op: kind,
                group: name,
                rank,
                detail: format!("tag {tag} is above the largest tag MPI guarantees ({MAX_TAG})"),
            }),
        }
    }

    fn invalid(&self, op: CollectiveKind, group: &Group, detail: String) -> CommError {
        CommError::InvalidArgument { op, group: group.name.clone(), rank: self.rank, detail }
    }

    fn unsupported(&self, op: CollectiveKind, group: &Group, reduce: ReduceOp, dtype: DType) -> Option<CommError> {
        (!super::reduces(reduce, dtype)).then(|| CommError::Unsupported {
            op,
            group: group.name.clone(),
            rank: self.rank,
            reduce,
            dtype,
        })
    }

    /// An element count as MPI's `int`.
    fn count(&self, op: CollectiveKind, group: &Group, n: usize) -> Result<c_int, CommError> {
        c_int::try_from(n).map_err(|_| {
            self.invalid(op, group, format!("{n} elements are more than one MPI call moves ({})", c_int::MAX))
        })
    }

    /// An MPI return code as a result.
    fn ok(&self, op: CollectiveKind, group: &str, code: c_int) -> Result<(), CommError> {
        if code == ffi::MPI_SUCCESS as c_int {
            return Ok(());
        }
        Err(CommError::InvalidArgument {
            op,
            group: group.to_string(),
            rank: self.rank,
            detail: format!("MPI returned error code {code}"),
        })
    }

    /// Waits for `request` to complete ([`poll`]).
    fn complete(&self, mut request: ffi::MPI_Request) -> c_int {
        poll(|| {
            let mut done: c_int = 0;
            // SAFETY: a live request started by this endpoint; MPI frees it when it completes.
            let code = unsafe { ffi::MPI_Test(&mut request, &mut done, ffi::RSMPI_STATUS_IGNORE) };
            (code, done != 0)
        })
    }

    /// `MPI_Probe`, waiting as [`poll`] does (on `MPI_Iprobe`).
    fn probe(&self, peer: c_int, tag: c_int, status: &mut ffi::MPI_Status) -> c_int {
        poll(|| {
            let mut found: c_int = 0;
            // SAFETY: MPI is initialized; `status` is a valid out-pointer.
            let code = unsafe { ffi::MPI_Iprobe(peer, tag, ffi::RSMPI_COMM_WORLD, &mut found, status) };
            (code, found != 0)
        })
    }

    /// Starts a nonblocking call with `start` (which fills in the request) and waits for it with
    /// [`MpiComm::complete`].
    fn start(&self, start: impl FnOnce(*mut ffi::MPI_Request) -> c_int) -> c_int {
        // SAFETY: a constant initialized by the library.
        let mut request: ffi::MPI_Request = unsafe { ffi::RSMPI_REQUEST_NULL };
        let code = start(&mut request);
        if code != ffi::MPI_SUCCESS as c_int {
            return code;
        }
        self.complete(request)
    }

    /// Frees the sends MPI has completed.
    fn reap(&mut self) {
        self.pending.retain_mut(|p| {
            let mut done: c_int = 0;
            // SAFETY: the request is a live send request owned by this endpoint.
            unsafe { ffi::MPI_Test(&mut p.request, &mut done, ffi::RSMPI_STATUS_IGNORE) };
            done == 0
        });
    }

    /// Reduces `data` in place with `op` on `comm`: f32 directly, bf16 through f32.
    fn reduce_f32(&self, comm: ffi::MPI_Comm, op: ReduceOp, send: &[f32], recv: &mut [f32]) -> c_int {
        let mpi_op = self.mpi_op(op);
        // SAFETY: both buffers hold `send.len()` f32s (checked by the callers) and outlive the
        // request, which completes before this returns.
        self.start(|req| unsafe {
            ffi::MPI_Iallreduce(
                send.as_ptr().cast(),
                recv.as_mut_ptr().cast(),
                send.len() as c_int,
                ffi::RSMPI_FLOAT,
                mpi_op,
                comm,
                req,
            )
        })
    }

    fn mpi_op(&self, op: ReduceOp) -> ffi::MPI_Op {
        match op {
            // SAFETY: a constant initialized by the library.
            ReduceOp::Sum => unsafe { ffi::RSMPI_SUM },
            ReduceOp::Max => self.max_op,
        }
    }
}

/// `f32` values of elements `range` of a reducible buffer: an f32 buffer as it is, bf16 widened
/// into a copy.
fn widen<'a>(b: &Buf<'a>, range: std::ops::Range<usize>) -> std::borrow::Cow<'a, [f32]> {
    match *b {
        Buf::F32(s) => std::borrow::Cow::Borrowed(&s[range]),
        Buf::Bf16(s) => s[range].iter().map(|&x| super::bf16_to_f32(x)).collect(),
        Buf::I32(_) | Buf::I64(_) => std::borrow::Cow::Borrowed(&[]),
    }
}

/// Writes reduced `f32` values back to a reducible buffer from element `at` on (bf16 rounded
/// once).
fn narrow(values: &[f32], out: &mut BufMut<'_>, at: usize) {
    let range = at..at + values.len();
    match out {
        BufMut::F32(s) => s[range].copy_from_slice(values),
        BufMut::Bf16(s) => s[range].iter_mut().zip(values).for_each(|(d, &v)| *d = f32_to_bf16(v)),
        BufMut::I32(_) | BufMut::I64(_) => {}
    }
}

/// A message tag as MPI's: program tags as they are, the parameter-collection tag as the top
/// tag; anything else above [`MAX_TAG`] is refused.
fn mpi_tag(tag: usize) -> Option<c_int> {
    if tag == crate::train::COLLECT_TAG {
        Some(MAX_TAG as c_int + 1)
    } else if tag <= MAX_TAG {
        Some(tag as c_int)
    } else {
        None
    }
}

impl Communicator for MpiComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.world_size
    }

    fn create_group(&mut self, name: &str, ranks: &[usize]) -> Result<GroupId, CommError> {
        let kind = CollectiveKind::CreateGroup;
        check::group(self.rank, self.world_size, name, ranks)?;
        let list: Vec<c_int> = ranks.iter().map(|&r| r as c_int).collect();
        // Groups created concurrently by overlapping sets of ranks are told apart by a tag
        // derived from the name (every member names a group alike).
        let tag = (crate::init::fnv1a64(name.as_bytes()) % MAX_TAG as u64) as c_int;
        let mut comm: ffi::MPI_Comm = unsafe { ffi::RSMPI_COMM_NULL };
        let code = self.watched(
            || format!("create_group on group {name}"),
            || {
                // SAFETY: MPI is initialized; the handles are created and freed here.
                unsafe {
                    let mut world_group: ffi::MPI_Group = ffi::RSMPI_GROUP_NULL;
                    let mut group: ffi::MPI_Group = ffi::RSMPI_GROUP_NULL;
                    ffi::MPI_Comm_group(ffi::RSMPI_COMM_WORLD, &mut world_group);
                    ffi::MPI_Group_incl(world_group, list.len() as c_int, list.as_ptr(), &mut group);
                    let code = ffi::MPI_Comm_create_group(ffi::RSMPI_COMM_WORLD, group, tag, &mut comm);
                    ffi::MPI_Group_free(&mut group);
                    ffi::MPI_Group_free(&mut world_group);
                    code
                }
            },
        );
        self.ok(kind, name, code)?;
        self.groups.push((Group::new(name, ranks.to_vec()), comm));
        Ok(GroupId::new(self.groups.len() - 1))
    }

    fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(id.index()).map(|g| &g.0)
    }

    fn all_reduce(&mut self, id: GroupId, op: ReduceOp, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllReduce;
        let (group, comm, _) = self.lookup(id, kind)?;
        if let Some(e) = self.unsupported(kind, group, op, data.dtype()) {
            return Err(e);
        }
        self.count(kind, group, data.len())?;
        // MPI reduces from the buffer itself into a second one, a segment at a time, so that a
        // large gradient bucket costs one segment of extra memory, not a second bucket.
        let total = data.len();
        let mut recv = vec![0.0f32; total.min(SEGMENT)];
        for start in (0..total).step_by(SEGMENT) {
            let end = (start + SEGMENT).min(total);
            let recv = &mut recv[..end - start];
            let code = {
                let send = widen(&data.as_buf(), start..end);
                self.watched(
                    || format!("all_reduce on group {}", group.name),
                    || self.reduce_f32(comm, op, &send, recv),
                )
            };
            self.ok(kind, &group.name, code)?;
            narrow(recv, &mut data, start);
        }
        let n = group.size();
        self.stats.record(kind, kind.ring_bytes(n, data.bytes(), false));
        self.reap();
        Ok(())
    }

    fn all_gather(&mut self, id: GroupId, send: Buf<'_>, mut recv: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllGather;
        let (group, comm, _) = self.lookup(id, kind)?;
        let n = group.size();
        check::gather(n, &send, &recv).map_err(|d| self.invalid(kind, group, d))?;
        let count = self.count(kind, group, send.len())?;
        let ((s, _, ty), (r, _, _)) = (raw(&send), raw_mut(&mut recv));
        // SAFETY: recv holds n × send elements of the same type (checked above).
        let code = self.watched(
            || format!("all_gather on group {}", group.name),
            || self.start(|req| unsafe { ffi::MPI_Iallgather(s, count, ty, r, count, ty, comm, req) }),
        );
        self.ok(kind, &group.name, code)?;
        self.stats.record(kind, kind.ring_bytes(n, recv.bytes(), false));
        self.reap();
        Ok(())
    }

    fn reduce_scatter(
        &mut self,
        id: GroupId,
        op: ReduceOp,
        send: Buf<'_>,
        mut recv: BufMut<'_>,
    ) -> Result<(), CommError> {
        let kind = CollectiveKind::ReduceScatter;
        let (group, comm, _) = self.lookup(id, kind)?;
        let n = group.size();
        if let Some(e) = self.unsupported(kind, group, op, send.dtype()) {
            return Err(e);
        }
        check::scatter(n, &send, &recv).map_err(|d| self.invalid(kind, group, d))?;
        let count = self.count(kind, group, recv.len())?;
        self.count(kind, group, send.len())?;
        let wide = widen(&send, 0..send.len());
        let mut out = vec![0.0f32; recv.len()];
        let mpi_op = self.mpi_op(op);
        // SAFETY: `wide` holds n × count f32s and `out` count f32s.
        let code = self.watched(
            || format!("reduce_scatter on group {}", group.name),
            || {
                self.start(|req| unsafe {
                    ffi::MPI_Ireduce_scatter_block(
                        wide.as_ptr().cast(),
                        out.as_mut_ptr().cast(),
                        count,
                        ffi::RSMPI_FLOAT,
                        mpi_op,
                        comm,
                        req,
                    )
                })
            },
        );
        self.ok(kind, &group.name, code)?;
        narrow(&out, &mut recv, 0);
        self.stats.record(kind, kind.ring_bytes(n, send.bytes(), false));
        self.reap();
        Ok(())
    }

    fn all_to_all(&mut self, id: GroupId, send: Buf<'_>, mut recv: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllToAll;
        let (group, comm, _) = self.lookup(id, kind)?;
        let n = group.size();
        check::all_to_all(n, &send, &recv).map_err(|d| self.invalid(kind, group, d))?;
        let count = self.count(kind, group, send.len() / n)?;
        let ((s, _, ty), (r, _, _)) = (raw(&send), raw_mut(&mut recv));
        // SAFETY: both buffers hold n chunks of `count` elements of the same type.
        let code = self.watched(
            || format!("all_to_all on group {}", group.name),
            || self.start(|req| unsafe { ffi::MPI_Ialltoall(s, count, ty, r, count, ty, comm, req) }),
        );
        self.ok(kind, &group.name, code)?;
        self.stats.record(kind, kind.ring_bytes(n, send.bytes(), false));
        self.reap();
        Ok(())
    }

    fn broadcast(&mut self, id: GroupId, root: usize, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Broadcast;
        let (group, comm, index) = self.lookup(id, kind)?;
        let n = group.size();
        check::root(n, root).map_err(|d| self.invalid(kind, group, d))?;
        let count = self.count(kind, group, data.len())?;
        let (ptr, _, ty) = raw_mut(&mut data);
        // SAFETY: every member passes a buffer of `count` elements of the same type.
        let code = self.watched(
            || format!("broadcast on group {}", group.name),
            || self.start(|req| unsafe { ffi::MPI_Ibcast(ptr, count, ty, root as c_int, comm, req) }),
        );
        self.ok(kind, &group.name, code)?;
        self.stats.record(kind, kind.ring_bytes(n, data.bytes(), index == root));
        self.reap();
        Ok(())
    }

    fn send(&mut self, peer: usize, tag: usize, data: Buf<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Send;
        let rank = self.rank;
        let (name, mpi_tag) = self.point_to_point(kind, peer, tag)?;
        let (ptr, _, _) = raw(&data);
        let bytes = data.bytes() as usize;
        let copy = unsafe { std::slice::from_raw_parts(ptr as *const u8, bytes) }.to_vec();
        let count = c_int::try_from(bytes).map_err(|_| CommError::InvalidArgument {
            op: kind,
            group: name.clone(),
            rank,
            detail: format!("{bytes} bytes are more than one MPI message carries"),
        })?;
        let mut request: ffi::MPI_Request = unsafe { ffi::RSMPI_REQUEST_NULL };
        // SAFETY: `copy` stays alive (in `pending`) until MPI completes the request.
        let code = unsafe {
            ffi::MPI_Isend(
                copy.as_ptr().cast(),
                count,
                ffi::RSMPI_UINT8_T,
                peer as c_int,
                mpi_tag,
                ffi::RSMPI_COMM_WORLD,
                &mut request,
            )
        };
        self.ok(kind, &name, code)?;
        self.pending.push(Pending { request, _data: copy });
        self.stats.record(kind, kind.ring_bytes(2, data.bytes(), false));
        self.reap();
        Ok(())
    }

    fn recv(&mut self, peer: usize, tag: usize, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Recv;
        let rank = self.rank;
        let (name, mpi_tag) = self.point_to_point(kind, peer, tag)?;
        // Our own sends may be what the peer waits for before it sends to us.
        self.reap();
        let mut status = ffi::MPI_Status { MPI_SOURCE: 0, MPI_TAG: 0, MPI_ERROR: 0, _cancelled: 0, _ucount: 0 };
        // SAFETY: MPI is initialized; `status` is a valid out-pointer.
        let code = self.watched(
            || format!("recv from rank {peer} (tag {tag})"),
            || self.probe(peer as c_int, mpi_tag, &mut status),
        );
        self.ok(kind, &name, code)?;
        let mut bytes: c_int = 0;
        // SAFETY: `status` was filled by MPI_Probe.
        unsafe { ffi::MPI_Get_count(&status, ffi::RSMPI_UINT8_T, &mut bytes) };
        let expected = data.bytes();
        if bytes as u64 != expected {
            let size = data.dtype().size_bytes().max(1);
            return Err(CommError::RecvSizeMismatch {
                rank,
                peer,
                expected: data.len(),
                sent: (bytes.max(0) as u64 / size) as usize,
            });
        }
        let (ptr, _, _) = raw_mut(&mut data);
        // SAFETY: the buffer holds exactly the probed message's bytes.
        let code = unsafe {
            ffi::MPI_Recv(
                ptr,
                bytes,
                ffi::RSMPI_UINT8_T,
                peer as c_int,
                mpi_tag,
                ffi::RSMPI_COMM_WORLD,
                ffi::RSMPI_STATUS_IGNORE,
            )
        };
        self.ok(kind, &name, code)?;
        self.stats.record(kind, 0);
        Ok(())
    }

    fn stats(&self) -> &CommStats {
        &self.stats
    }

    fn abort(&self, reason: &str) {
        eprintln!("error: rank {} ends the job: {reason}", self.rank);
        abort_job(ABORT_CODE)
    }

    fn set_site(&mut self, function: &str, index: usize) {
        let mut g = self.watch.inflight.lock().unwrap_or_else(|e| e.into_inner());
        g.1.clear();
        use std::fmt::Write;
        let _ = write!(g.1, "@{function} #{index}");
    }
}

impl Drop for MpiComm {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("error: rank {} panicked; ending the job", self.rank);
            abort_job(ABORT_CODE);
        }
        // Complete the sends still in flight (their receivers are alive: a dead rank ends the
        // job), under the watchdog.
        if !self.pending.is_empty() {
            let mut requests: Vec<ffi::MPI_Request> = self.pending.iter().map(|p| p.request).collect();
            self.watched(
                || "the last sends".to_string(),
                // SAFETY: live requests owned by this endpoint; their buffers are in `pending`.
                || unsafe {
                    ffi::MPI_Waitall(requests.len() as c_int, requests.as_mut_ptr(), ffi::RSMPI_STATUSES_IGNORE)
                },
            );
            self.pending.clear();
        }
        for (_, comm) in &mut self.groups {
            // SAFETY: communicators created by this endpoint, freed once.
            unsafe { ffi::MPI_Comm_free(comm) };
        }
        // SAFETY: the op was created in `init` and is not used after this.
        unsafe { ffi::MPI_Op_free(&mut self.max_op) };
        self.watch.stop.store(true, Ordering::SeqCst);
        self.watch.wake.notify_all();
        if let Some(h) = self.watchdog.take() {
            let _ = h.join();
        }
    }
}
