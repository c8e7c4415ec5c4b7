//! Communication between the ranks of a mesh: collectives over groups of ranks and point-to-point
//! messages, behind the [`Communicator`] trait. [`LocalMesh`] implements it in one process, one
//! thread per rank (the simulated mesh); MPI and NCCL implementations can follow behind the same
//! trait, and `runtime/tests/conformance/` is the suite every implementation must pass.
//!
//! # Setup: bootstrap, then groups
//!
//! A communicator is constructed from a [`Bootstrap`]: the rank and world size, and where they
//! came from (the in-process mesh, or a launcher's environment). Before any collective, each group
//! is created once with [`Communicator::create_group`], a name (for messages) and the global ranks
//! in group order. Creation is collective over the members, like `MPI_Comm_split` or
//! `ncclCommSplit`: every member calls it, in the same order relative to its other group
//! creations, and it returns when all have. It returns a [`GroupId`] that the collectives take.
//! Creating the same (name, ranks) again makes a new, independent group.
//!
//! # Matching
//!
//! A rank keeps one sequence number per group, counting from 0: the k-th collective a rank issues
//! on a group is matched with the k-th collective of every other member of that group, whatever
//! happens on other groups in between. Groups may overlap arbitrarily (tensor-parallel,
//! data-parallel, the whole world, pairs) and are used concurrently; disjoint groups never wait on
//! each other.
//!
//! Matched calls must agree on the [`CollectiveKind`], the element type, the element count, the
//! [`ReduceOp`] of a reduction and the root of a broadcast ([`CollectiveCall`]). If two members
//! disagree, every member of the group fails that collective with [`CommError::Mismatch`], which
//! names the group, the sequence number and the two ranks with what each issued.
//!
//! # Buffers and element types
//!
//! Buffers are typed host slices ([`Buf`], [`BufMut`]): f32, bf16 (as bit patterns), i32, i64.
//! Gathers, all-to-all, broadcast and send/recv copy any type. Reductions are defined for f32 and
//! for bf16, which is widened to f32, reduced in f32 and rounded once; a reduction of an integer
//! buffer fails at once with [`CommError::Unsupported`]. A receive whose buffer differs in type or
//! length from the message fails with [`CommError::RecvTypeMismatch`] or
//! [`CommError::RecvSizeMismatch`] naming both ranks.
//!
//! # Determinism
//!
//! A reduction (all_reduce, reduce_scatter) is computed in group order,
//! `((x0 ⊕ x1) ⊕ x2) ⊕ …`, where `x_i` is the contribution of the member at index `i` of the
//! group's ranks. The result is bit-identical on every member and from run to run, independent of
//! thread timing. [`ReduceOp::Max`] propagates NaN.
//!
//! # Failure: timeouts and aborts
//!
//! Nothing blocks forever. A rank that waits longer than the mesh's timeout (for the other members
//! of a group creation or a collective, or for a message in [`Communicator::recv`]) fails with
//! [`CommError::Timeout`] (or [`CommError::RecvTimeout`]) naming the ranks that did not arrive,
//! and aborts the mesh. [`Communicator::abort`] marks the whole mesh failed: every rank blocked
//! in, or later entering, a collective, a send or a recv fails promptly with
//! [`CommError::Aborted`], which names the aborting rank and its reason. A rank whose thread
//! panics aborts the mesh when its endpoint is dropped; a rank that drops its endpoint normally
//! makes the collectives and receives that still wait for it fail with [`CommError::PeerExited`].
//! [`CommError::is_consequence`] tells these consequences of another rank's failure from a root
//! cause.
//!
//! Any error from a communicator leaves the mesh unusable for the collective that failed; an
//! executor that gets an error should call [`Communicator::abort`] with it, so that the other
//! ranks stop at once instead of waiting for the timeout.
//!
//! # Statistics
//!
//! [`CommStats`] counts, per kind, the calls that completed and the bytes this rank sent, counted
//! as ring algorithms send them (see [`CollectiveKind::ring_bytes`]). Group creation is not
//! counted.

mod bootstrap;
mod buf;
mod local;
#[cfg(feature = "mpi")]
pub mod mpi;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use parc_dialects::types::DType;

pub use bootstrap::{Bootstrap, BootstrapSource, ENV_VARS};
pub use buf::{bf16_to_f32, bytes_of, f32_to_bf16, reduces, Buf, BufMut, Payload};
pub use local::{AbortHandle, LocalComm, LocalMesh};

/// How a reduction combines the members' contributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    /// Elementwise sum, in group order.
    Sum,
    /// Elementwise maximum; NaN if any contribution is NaN.
    Max,
}

impl ReduceOp {
    /// The lower-case name used in messages: `sum` or `max`.
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Max => "max",
        }
    }

    /// Combines an accumulator with the next contribution (the accumulator comes first in group
    /// order).
    #[inline]
    pub fn combine(self, acc: f32, x: f32) -> f32 {
        match self {
            ReduceOp::Sum => acc + x,
            // NaN-propagating, and the earlier operand wins ties (0.0 vs -0.0).
            ReduceOp::Max => {
                if x > acc || x.is_nan() {
                    x
                } else {
                    acc
                }
            }
        }
    }
}

impl fmt::Display for ReduceOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds of communication, as keys of [`CommStats`] and in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollectiveKind {
    /// Every member ends with the reduction of all members' buffers.
    AllReduce,
    /// Every member ends with the concatenation of all members' buffers.
    AllGather,
    /// Member i ends with the reduction of chunk i of all members' buffers.
    ReduceScatter,
    /// Chunk j of member i's buffer goes to chunk i of member j's buffer.
    AllToAll,
    /// Every member ends with the root's buffer.
    Broadcast,
    /// Point-to-point send (buffered).
    Send,
    /// Point-to-point receive (blocking).
    Recv,
    /// Group creation ([`Communicator::create_group`]): setup, not counted in [`CommStats`] and
    /// not in [`CollectiveKind::ALL`].
    CreateGroup,
}

impl CollectiveKind {
    /// Every kind of communication, in order (group creation aside).
    pub const ALL: [CollectiveKind; 7] = [
        CollectiveKind::AllReduce,
        CollectiveKind::AllGather,
        CollectiveKind::ReduceScatter,
        CollectiveKind::AllToAll,
        CollectiveKind::Broadcast,
        CollectiveKind::Send,
        CollectiveKind::Recv,
    ];

    /// The snake-case name used in messages: `all_reduce`, `all_gather`, `reduce_scatter`,
    /// `all_to_all`, `broadcast`, `send`, `recv`.
    pub fn name(self) -> &'static str {
        match self {
            CollectiveKind::AllReduce => "all_reduce",
            CollectiveKind::AllGather => "all_gather",
            CollectiveKind::ReduceScatter => "reduce_scatter",
            CollectiveKind::AllToAll => "all_to_all",
            CollectiveKind::Broadcast => "broadcast",
            CollectiveKind::Send => "send",
            CollectiveKind::Recv => "recv",
            CollectiveKind::CreateGroup => "create_group",
        }
    }

    /// Bytes one rank sends for this kind in a ring algorithm over `n` ranks, where `full_bytes`
    /// is the size N of the full buffer: all_reduce 2(n-1)/n·N; all_gather, reduce_scatter and
    /// all_to_all (n-1)/n·N (N is the gathered buffer, the scattered input, the send buffer);
    /// broadcast N for the root and 0 for the others; send N; recv 0. Fractions round down.
    pub fn ring_bytes(self, n: usize, full_bytes: u64, is_root: bool) -> u64 {
        let n = n.max(1) as u128;
        let full = full_bytes as u128;
        let bytes = match self {
            CollectiveKind::AllReduce => 2 * (n - 1) * full / n,
            CollectiveKind::AllGather | CollectiveKind::ReduceScatter | CollectiveKind::AllToAll => (n - 1) * full / n,
            CollectiveKind::Broadcast => {
                if is_root {
                    full
                } else {
                    0
                }
            }
            CollectiveKind::Send => full,
            CollectiveKind::Recv | CollectiveKind::CreateGroup => 0,
        };
        bytes as u64
    }
}

impl fmt::Display for CollectiveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A communication group: `name` for messages (e.g. "tp[4..8]"), `ranks` the global ranks in
/// group order. A member's index in `ranks` is its position in reductions, chunks and roots.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group {
    /// A name for messages, e.g. `tp[4..8]`; part of the group's identity.
    pub name: String,
    /// Distinct global ranks, in group order.
    pub ranks: Vec<usize>,
}

impl Group {
    /// A group with the given name and ranks (in group order).
    pub fn new(name: impl Into<String>, ranks: Vec<usize>) -> Group {
        Group { name: name.into(), ranks }
    }

    /// All ranks `0..world_size`, named `world[0..world_size]`.
    pub fn world(world_size: usize) -> Group {
        Group::new(format!("world[0..{world_size}]"), (0..world_size).collect())
    }

    /// The number of members.
    pub fn size(&self) -> usize {
        self.ranks.len()
    }

    /// The index in group order of global rank `rank`, if it is a member.
    pub fn index_of(&self, rank: usize) -> Option<usize> {
        self.ranks.iter().position(|&r| r == rank)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A group created by [`Communicator::create_group`] on one endpoint: the handle its collectives
/// take. Valid only on the endpoint that created it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(usize);

impl GroupId {
    /// The handle with index `index` (an implementation numbers its groups as it likes).
    pub fn new(index: usize) -> GroupId {
        GroupId(index)
    }

    /// The index an implementation gave it.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group #{}", self.0)
    }
}

/// What one member issued for a collective: the fields that matched members must agree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectiveCall {
    /// The collective.
    pub kind: CollectiveKind,
    /// The element type of the buffers.
    pub dtype: DType,
    /// The element count of the buffer that defines the collective's size: all_reduce and
    /// broadcast `data`, all_gather, reduce_scatter and all_to_all `send`.
    pub elements: usize,
    /// The reduction, for all_reduce and reduce_scatter.
    pub op: Option<ReduceOp>,
    /// The root's index in group order, for broadcast.
    pub root: Option<usize>,
}

impl fmt::Display for CollectiveCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}(", self.dtype.name(), self.kind)?;
        if let Some(op) = self.op {
            write!(f, "{op}, ")?;
        }
        if let Some(root) = self.root {
            write!(f, "root {root}, ")?;
        }
        f.write_str(&n_elements(self.elements))?;
        if self.kind == CollectiveKind::AllGather {
            f.write_str(" per member")?;
        }
        f.write_str(")")
    }
}

/// Why a communication failed. Every message is a complete sentence naming the ranks involved.
#[derive(Debug, thiserror::Error)]
pub enum CommError {
    /// The group's rank list is empty, repeats a rank, or names a rank outside the world.
    #[error(
        "rank {rank}: group {group} is invalid: {reason}. A group lists distinct global ranks \
         below the world size {world_size}."
    )]
    InvalidGroup {
        /// The rank that issued the call.
        rank: usize,
        /// The group's name.
        group: String,
        /// What is wrong with it.
        reason: String,
        /// The mesh's world size.
        world_size: usize,
    },

    /// The calling rank is not in `group.ranks`.
    #[error(
        "rank {rank} issued {op} on group {group}, but it is not a member (the group's ranks are \
         {}). Only the ranks listed in a group may issue its collectives.",
        join(ranks)
    )]
    NotMember {
        /// The collective.
        op: CollectiveKind,
        /// The group's name.
        group: String,
        /// The calling rank.
        rank: usize,
        /// The group's ranks.
        ranks: Vec<usize>,
    },

    /// A buffer has the wrong length for the group, or a broadcast root is out of range; found
    /// locally, before any other rank is involved.
    #[error("rank {rank}: {op} on group {group}: {detail}.")]
    InvalidArgument {
        /// The collective.
        op: CollectiveKind,
        /// The group's name.
        group: String,
        /// The calling rank.
        rank: usize,
        /// What is wrong, with the numbers.
        detail: String,
    },

    /// A send or recv named a peer outside the world.
    #[error("rank {rank}: {op} with peer {peer}, but the world has only ranks 0..{world_size}.")]
    InvalidPeer {
        /// Send or recv.
        op: CollectiveKind,
        /// The calling rank.
        rank: usize,
        /// The peer it named.
        peer: usize,
        /// The mesh's world size.
        world_size: usize,
    },

    /// Two members of a group issued different collectives at the same sequence number.
    #[error(
        "rank {rank}: collective mismatch on group {group} at sequence {seq}: rank {first_rank} \
         issued {first} but rank {second_rank} issued {second}. Every member of a group must issue \
         the same collectives on it, in the same order, with the same sizes, reduction and root."
    )]
    Mismatch {
        /// The rank reporting the error.
        rank: usize,
        /// The group's name.
        group: String,
        /// The per-group sequence number (from 0) of the collective.
        seq: u64,
        /// One of the two disagreeing ranks.
        first_rank: usize,
        /// What `first_rank` issued.
        first: CollectiveCall,
        /// The other disagreeing rank.
        second_rank: usize,
        /// What `second_rank` issued.
        second: CollectiveCall,
    },

    /// This rank waited for the other members of a collective longer than the mesh's timeout.
    /// The mesh is aborted.
    #[error(
        "{} on group {group} ({}): rank {rank} waited {}; {} arrived, {} did not. \
         A rank stopped early or issued a different sequence of collectives.",
        op,
        at(*op, *seq),
        secs(waited),
        list(arrived),
        list(missing)
    )]
    Timeout {
        /// The collective.
        op: CollectiveKind,
        /// The group's name.
        group: String,
        /// The per-group sequence number (from 0).
        seq: u64,
        /// The rank that timed out.
        rank: usize,
        /// How long it waited.
        waited: Duration,
        /// The global ranks that had issued the collective.
        arrived: Vec<usize>,
        /// The global ranks that had not.
        missing: Vec<usize>,
    },

    /// A recv waited longer than the mesh's timeout for a message from `peer`. The mesh is
    /// aborted.
    #[error(
        "recv on rank {rank} from rank {peer} ({}): waited {} and rank {peer} sent nothing. Rank \
         {peer} stopped early or its sends do not match rank {rank}'s receives.",
        n_elements(*elements),
        secs(waited)
    )]
    RecvTimeout {
        /// The receiving rank.
        rank: usize,
        /// The rank it waited for.
        peer: usize,
        /// How long it waited.
        waited: Duration,
        /// The element count it expected.
        elements: usize,
    },

    /// The next message from `peer` has a different length than the receive buffer. The message
    /// stays queued.
    #[error(
        "recv on rank {rank} from rank {peer}: the next message has {} but the receive buffer \
         has {expected}. The sends of rank {peer} and the receives of rank {rank} \
         must match one to one, in order, with equal sizes.",
        n_elements(*sent)
    )]
    RecvSizeMismatch {
        /// The receiving rank.
        rank: usize,
        /// The sending rank.
        peer: usize,
        /// The receive buffer's length.
        expected: usize,
        /// The queued message's length.
        sent: usize,
    },

    /// A recv's buffer has a different element type than the next message from `peer`. The
    /// message stays queued.
    #[error(
        "recv on rank {rank} from rank {peer}: the next message holds {} elements but the receive \
         buffer holds {} elements. The sends of rank {peer} and the receives of rank {rank} must \
         match one to one, in order, with equal types and sizes.",
        sent.name(),
        expected.name()
    )]
    RecvTypeMismatch {
        /// The receiving rank.
        rank: usize,
        /// The sending rank.
        peer: usize,
        /// The receive buffer's element type.
        expected: DType,
        /// The queued message's element type.
        sent: DType,
    },

    /// A collective named a [`GroupId`] this endpoint did not create.
    #[error(
        "rank {rank} issued {op} on {id}, which this rank never created. Create every group with \
         create_group before its collectives, on the endpoint that uses it."
    )]
    UnknownGroup {
        /// The collective.
        op: CollectiveKind,
        /// The calling rank.
        rank: usize,
        /// The handle it passed.
        id: GroupId,
    },

    /// A reduction of an element type it is not defined for (integers); found locally, before
    /// any other rank is involved.
    #[error(
        "rank {rank}: {op} on group {group}: the {reduce} reduction is not defined for {} buffers; \
         reductions take f32, or bf16 (accumulated in f32).",
        dtype.name()
    )]
    Unsupported {
        /// The collective.
        op: CollectiveKind,
        /// The group's name.
        group: String,
        /// The calling rank.
        rank: usize,
        /// The reduction.
        reduce: ReduceOp,
        /// The buffers' element type.
        dtype: DType,
    },

    /// A rank and world size could not be established.
    #[error("cannot set up the communicator: {detail}.")]
    Bootstrap {
        /// What is wrong.
        detail: String,
    },

    /// Ranks this call waits for dropped their endpoints without issuing the matching call.
    #[error(
        "rank {rank}: {during} cannot complete: {} exited (dropped its communicator) without \
         issuing the matching call. A rank stopped early or issued a different sequence of \
         communications.",
        list(peers)
    )]
    PeerExited {
        /// The rank reporting the error.
        rank: usize,
        /// What it was doing, e.g. `all_reduce on group tp[0..2] (sequence 3)`.
        during: String,
        /// The ranks that exited.
        peers: Vec<usize>,
    },

    /// The mesh was aborted, by [`Communicator::abort`] or a timeout on some rank.
    #[error(
        "rank {rank}: {during} was abandoned because rank {by} aborted the mesh: {reason}. Fix \
         the failure on rank {by} first; this error is a consequence of it."
    )]
    Aborted {
        /// The rank reporting the error.
        rank: usize,
        /// What it was doing, e.g. `all_reduce on group tp[0..2] (sequence 3)`.
        during: String,
        /// The rank that aborted the mesh.
        by: usize,
        /// Its reason.
        reason: String,
    },
}

impl CommError {
    /// Whether this error is a consequence of a failure on another rank (the mesh was aborted, or
    /// a peer exited) rather than a root cause: when several ranks fail, report one that is not.
    pub fn is_consequence(&self) -> bool {
        matches!(self, CommError::Aborted { .. } | CommError::PeerExited { .. })
    }
}

/// `sequence 3`, or `setup` for a group creation.
fn at(op: CollectiveKind, seq: u64) -> String {
    if op == CollectiveKind::CreateGroup {
        "setup".to_string()
    } else {
        format!("sequence {seq}")
    }
}

/// `all_reduce on group tp (sequence 3)`, `create_group on group tp (setup)`.
pub(crate) fn during(op: CollectiveKind, group: &str, seq: u64) -> String {
    format!("{op} on group {group} ({})", at(op, seq))
}

/// `rank 3` or `ranks 0, 1 and 5` (or `no rank`).
pub(crate) fn list(ranks: &[usize]) -> String {
    match ranks {
        [] => "no rank".to_string(),
        [r] => format!("rank {r}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|r| r.to_string()).collect();
            format!("ranks {} and {last}", init.join(", "))
        }
    }
}

/// `0, 1, 5`.
fn join(ranks: &[usize]) -> String {
    ranks.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ")
}

/// `1 element`, `3 elements`.
fn n_elements(n: usize) -> String {
    if n == 1 {
        "1 element".to_string()
    } else {
        format!("{n} elements")
    }
}

/// `0.2 s`, `2.0 s`, `15 ms` (below 0.1 s).
pub(crate) fn secs(d: &Duration) -> String {
    if *d < Duration::from_millis(100) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Bytes this rank sent, per collective kind, counted as a ring algorithm sends them
/// (all_reduce 2(n-1)/n·N, all_gather/reduce_scatter/all_to_all (n-1)/n·N of the full N-byte
/// buffer, broadcast N by the root (0 for the others), send N); and the number of calls per kind.
/// Only calls that completed are counted; every completed kind has an entry in both maps (recv
/// and non-root broadcasts with 0 bytes).
#[derive(Clone, Debug, Default)]
pub struct CommStats {
    /// Bytes sent, per kind (see [`CollectiveKind::ring_bytes`]).
    pub bytes: BTreeMap<CollectiveKind, u64>,
    /// Completed calls, per kind.
    pub calls: BTreeMap<CollectiveKind, u64>,
}

impl CommStats {
    /// Counts one completed call of `kind` that sent `bytes`.
    pub fn record(&mut self, kind: CollectiveKind, bytes: u64) {
        *self.bytes.entry(kind).or_default() += bytes;
        *self.calls.entry(kind).or_default() += 1;
    }

    /// Bytes sent for `kind` (0 if none).
    pub fn bytes_of(&self, kind: CollectiveKind) -> u64 {
        self.bytes.get(&kind).copied().unwrap_or(0)
    }

    /// Completed calls of `kind` (0 if none).
    pub fn calls_of(&self, kind: CollectiveKind) -> u64 {
        self.calls.get(&kind).copied().unwrap_or(0)
    }

    /// Bytes sent over all kinds.
    pub fn total_bytes(&self) -> u64 {
        self.bytes.values().sum()
    }

    /// Adds `other`'s calls and bytes to these.
    pub fn add(&mut self, other: &CommStats) {
        for (k, v) in &other.calls {
            *self.calls.entry(*k).or_insert(0) += v;
        }
        for (k, v) in &other.bytes {
            *self.bytes.entry(*k).or_insert(0) += v;
        }
    }

    /// What was counted after `earlier` (a copy of these statistics taken before): the calls and
    /// bytes of a span of work, e.g. the training steps without the setup.
    pub fn since(&self, earlier: &CommStats) -> CommStats {
        let minus = |now: &BTreeMap<CollectiveKind, u64>, then: &BTreeMap<CollectiveKind, u64>| {
            now.iter()
                .map(|(k, &v)| (*k, v.saturating_sub(then.get(k).copied().unwrap_or(0))))
                .filter(|&(_, v)| v > 0)
                .collect::<BTreeMap<_, _>>()
        };
        let calls = minus(&self.calls, &earlier.calls);
        // Every kind with a call keeps its byte entry (receives count 0 bytes).
        let bytes = calls.keys().map(|k| (*k, self.bytes_of(*k) - earlier.bytes_of(*k))).collect();
        CommStats { bytes, calls }
    }
}

/// One rank's endpoint of a mesh. All collectives are blocking and matched per group (see the
/// module documentation); buffers are typed host slices.
pub trait Communicator: Send {
    /// This rank's global rank.
    fn rank(&self) -> usize;

    /// The number of ranks in the mesh.
    fn world_size(&self) -> usize;

    /// Creates the group `ranks` (distinct global ranks, in group order, this rank among them),
    /// named `name` for messages. Collective over the members: every member calls it, in the same
    /// order relative to its other group creations, and it returns when all have (or fails with
    /// [`CommError::Timeout`] naming the members that did not come).
    fn create_group(&mut self, name: &str, ranks: &[usize]) -> Result<GroupId, CommError>;

    /// The name and ranks of a group this endpoint created.
    fn group(&self, id: GroupId) -> Option<&Group>;

    /// Replaces `data` on every member with the `op`-reduction, in group order, of all members'
    /// `data`. Every member passes the same type and length.
    fn all_reduce(&mut self, group: GroupId, op: ReduceOp, data: BufMut<'_>) -> Result<(), CommError>;

    /// recv.len() == n·send.len(); chunk i of recv is member i's send (group order).
    fn all_gather(&mut self, group: GroupId, send: Buf<'_>, recv: BufMut<'_>) -> Result<(), CommError>;

    /// send.len() == n·recv.len(); member i receives the op-reduction of chunk i of every
    /// member's send.
    fn reduce_scatter(
        &mut self,
        group: GroupId,
        op: ReduceOp,
        send: Buf<'_>,
        recv: BufMut<'_>,
    ) -> Result<(), CommError>;

    /// send and recv are n chunks; chunk j of member i's send lands in chunk i of member j's recv.
    fn all_to_all(&mut self, group: GroupId, send: Buf<'_>, recv: BufMut<'_>) -> Result<(), CommError>;

    /// Copies the `data` of the member at index `root` of the group's ranks to every member.
    fn broadcast(&mut self, group: GroupId, root: usize, data: BufMut<'_>) -> Result<(), CommError>;

    /// Sends `data` to global rank `peer` on the FIFO queue of `tag`. Non-blocking (buffered);
    /// messages between a (src, dst) pair with the same tag are received in the order they were
    /// sent, and different tags are independent queues (a pipeline stage's activations and
    /// gradients).
    fn send(&mut self, peer: usize, tag: usize, data: Buf<'_>) -> Result<(), CommError>;

    /// Receives the next message from global rank `peer` on the queue of `tag` into `data`,
    /// blocking until it is sent; its type and length must equal `data`'s.
    fn recv(&mut self, peer: usize, tag: usize, data: BufMut<'_>) -> Result<(), CommError>;

    /// What this rank has sent so far.
    fn stats(&self) -> &CommStats;

    /// Marks the whole mesh failed (e.g. this rank hit an error): every rank blocked or later
    /// entering a collective gets [`CommError::Aborted`] naming this rank and reason, so nothing
    /// hangs. The first abort wins; later ones are ignored.
    fn abort(&self, reason: &str);

    /// Names the program position of the calls that follow (`@train_step`, instruction `index`),
    /// for an endpoint that reports its own timeouts out of band (the MPI endpoint's watchdog).
    /// The default ignores it: the in-process mesh returns errors, and the executor adds the
    /// position to them.
    fn set_site(&mut self, function: &str, index: usize) {
        let _ = (function, index);
    }
}

/// The local checks of a collective's buffers, shared by every implementation: `Err` holds the
/// detail of a [`CommError::InvalidArgument`].
pub(crate) mod check {
    use super::{Buf, BufMut, CollectiveKind, CommError};

    /// A group that `rank` of a world of `world_size` creates: distinct ranks of the world, this
    /// one among them. Returns this rank's index in the group.
    pub fn group(rank: usize, world_size: usize, name: &str, ranks: &[usize]) -> Result<usize, CommError> {
        let invalid = |reason: String| CommError::InvalidGroup { rank, group: name.to_string(), reason, world_size };
        if ranks.is_empty() {
            return Err(invalid("it has no ranks".to_string()));
        }
        if let Some(&r) = ranks.iter().find(|&&r| r >= world_size) {
            return Err(invalid(format!("it lists rank {r}, outside the world 0..{world_size}")));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(&r) = ranks.iter().find(|&&r| !seen.insert(r)) {
            return Err(invalid(format!("it lists rank {r} twice")));
        }
        ranks.iter().position(|&r| r == rank).ok_or_else(|| CommError::NotMember {
            op: CollectiveKind::CreateGroup,
            group: name.to_string(),
            rank,
            ranks: ranks.to_vec(),
        })
    }

    fn same_type(send: &Buf<'_>, recv: &BufMut<'_>) -> Result<(), String> {
        if recv.dtype() != send.dtype() {
            return Err(format!("the send buffer holds {} and the receive buffer {}", send.dtype(), recv.dtype()));
        }
        Ok(())
    }

    /// all_gather over `n` members: recv is n × send.
    pub fn gather(n: usize, send: &Buf<'_>, recv: &BufMut<'_>) -> Result<(), String> {
        same_type(send, recv)?;
        if n.checked_mul(send.len()) != Some(recv.len()) {
            return Err(format!(
                "the receive buffer has {} elements but must have group size × send elements = {n} × {} = {}",
                recv.len(),
                send.len(),
                n.saturating_mul(send.len())
            ));
        }
        Ok(())
    }

    /// reduce_scatter over `n` members: send is n × recv.
    pub fn scatter(n: usize, send: &Buf<'_>, recv: &BufMut<'_>) -> Result<(), String> {
        same_type(send, recv)?;
        if n.checked_mul(recv.len()) != Some(send.len()) {
            return Err(format!(
                "the send buffer has {} elements but must have group size × receive elements = {n} × {} = {}",
                send.len(),
                recv.len(),
                n.saturating_mul(recv.len())
            ));
        }
        Ok(())
    }

    /// all_to_all over `n` members: equal lengths, a multiple of n.
    pub fn all_to_all(n: usize, send: &Buf<'_>, recv: &BufMut<'_>) -> Result<(), String> {
        same_type(send, recv)?;
        if send.len() != recv.len() || send.len() % n != 0 {
            return Err(format!(
                "the send and receive buffers have {} and {} elements but must have the same \
                 length, a multiple of the group size {n}",
                send.len(),
                recv.len()
            ));
        }
        Ok(())
    }

    /// broadcast over `n` members: the root is a member index.
    pub fn root(n: usize, root: usize) -> Result<(), String> {
        if root >= n {
            return Err(format!("root {root} is not an index into the group's {n} ranks (0..{n})"));
        }
        Ok(())
    }
}
