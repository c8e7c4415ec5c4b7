//! The in-process mesh: every rank is a thread of one process, and [`LocalComm`] is its endpoint.
//!
//! Each created group (keyed by its name, its ranks and how many times this rank created that same
//! group before) has one slot: a mutex over the rounds in flight, keyed by sequence number, and a
//! condition variable. Group creation is one more round, under a key no collective uses. A member deposits a copy of its
//! buffer in the round of its next sequence number, checking it against what the other members
//! deposited; the member that completes the round wakes the others. Every member then takes a
//! shared reference to all deposits and computes its own result outside the lock, reading the
//! deposits in group order — so every member computes the same reduction, bit for bit, and the
//! lock is held only to deposit and to take. The last member to take removes the round.
//!
//! Point-to-point messages go through one mailbox per destination rank: a FIFO queue per (source,
//! tag) and a condition variable that only the destination waits on.
//!
//! Waiters sleep on condition variables with a deadline (the mesh's timeout); nothing spins or
//! sleeps. Aborts and exits wake every slot and mailbox. Locks are never nested except the short
//! group-registry lock, and poisoned locks are recovered (no code panics while holding one).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use parc_dialects::types::DType;

use super::{
    during, list, reduces, secs, Bootstrap, BootstrapSource, Buf, BufMut, CollectiveCall, CollectiveKind, CommError,
    CommStats, Communicator, Group, GroupId, Payload, ReduceOp,
};

/// The round key of a group's creation (collectives use their sequence numbers).
const SETUP: u64 = u64::MAX;

/// An in-process mesh: the state its endpoints share. [`LocalMesh::open`] makes one and hands out
/// one [`Bootstrap`] per rank; [`LocalMesh::connect`] turns a bootstrap into that rank's endpoint.
#[derive(Debug)]
pub struct LocalMesh {
    shared: Arc<Shared>,
    /// Ranks whose endpoint was handed out.
    connected: Vec<bool>,
}

impl LocalMesh {
    /// A mesh of `world_size` ranks whose waits give up after `timeout`, no endpoint handed out.
    pub fn open(world_size: usize, timeout: Duration) -> LocalMesh {
        let shared = Arc::new(Shared {
            world_size,
            timeout,
            abort: OnceLock::new(),
            exited: (0..world_size).map(|_| AtomicBool::new(false)).collect(),
            groups: Mutex::new(HashMap::new()),
            mailboxes: (0..world_size).map(|_| Mailbox::default()).collect(),
        });
        LocalMesh { shared, connected: vec![false; world_size] }
    }

    /// The bootstrap of every rank, in rank order.
    pub fn bootstraps(&self) -> Vec<Bootstrap> {
        let n = self.shared.world_size;
        (0..n).filter_map(|rank| Bootstrap::new(rank, n, BootstrapSource::InProcess).ok()).collect()
    }

    /// The endpoint of `boot`'s rank. Fails if the bootstrap is not one of this mesh's (another
    /// source or world size) or its rank was already connected.
    pub fn connect(&mut self, boot: &Bootstrap) -> Result<LocalComm, CommError> {
        let n = self.shared.world_size;
        if *boot.source() != BootstrapSource::InProcess || boot.world_size() != n {
            return Err(CommError::Bootstrap {
                detail: format!("{boot} does not belong to an in-process mesh of {n} ranks"),
            });
        }
        let rank = boot.rank();
        match self.connected.get_mut(rank) {
            Some(c) if !*c => *c = true,
            _ => {
                return Err(CommError::Bootstrap {
                    detail: format!("rank {rank} of the in-process mesh is already connected"),
                })
            }
        }
        Ok(LocalComm {
            rank,
            shared: Arc::clone(&self.shared),
            groups: Vec::new(),
            created: HashMap::new(),
            stats: CommStats::default(),
        })
    }

    /// A mesh of `world_size` ranks whose waits give up after `timeout`, and one endpoint per
    /// rank, in rank order; move each into its rank's thread. A `world_size` of 0 gives no
    /// endpoints.
    #[allow(clippy::new_ret_no_self)] // the mesh itself is only the shared state of its endpoints
    pub fn new(world_size: usize, timeout: Duration) -> Vec<LocalComm> {
        let mut mesh = LocalMesh::open(world_size, timeout);
        mesh.bootstraps().iter().filter_map(|b| mesh.connect(b).ok()).collect()
    }
}

/// One rank's endpoint of a [`LocalMesh`]. Dropping it tells the other ranks that this rank will
/// issue nothing more: their calls that wait for it fail with [`CommError::PeerExited`]. Dropping
/// it while the thread panics aborts the mesh.
#[derive(Debug)]
pub struct LocalComm {
    rank: usize,
    shared: Arc<Shared>,
    /// The groups this rank created, by [`GroupId`] index.
    groups: Vec<Membership>,
    /// How many times this rank created each (name, ranks).
    created: HashMap<Group, u64>,
    stats: CommStats,
}

/// Aborts a mesh from anywhere (a supervisor thread, a signal handler's helper); obtained from
/// [`LocalComm::abort_handle`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AbortHandle {
    rank: usize,
    shared: Arc<Shared>,
}

impl AbortHandle {
    /// Aborts the mesh in the name of the endpoint's rank (see [`Communicator::abort`]).
    pub fn abort(&self, reason: &str) {
        self.shared.abort(self.rank, reason);
    }

    /// The rank that aborted the mesh and its reason, if it was aborted.
    pub fn aborted(&self) -> Option<(usize, &str)> {
        self.shared.abort.get().map(|a| (a.by, a.reason.as_str()))
    }
}

#[derive(Debug)]
struct Shared {
    world_size: usize,
    timeout: Duration,
    /// Set once, by the first abort.
    abort: OnceLock<AbortInfo>,
    /// Ranks whose endpoint was dropped.
    exited: Vec<AtomicBool>,
    /// Slots by (group, instance).
    groups: Mutex<HashMap<(Group, u64), Arc<Slot>>>,
    /// Indexed by destination rank.
    mailboxes: Vec<Mailbox>,
}

#[derive(Debug)]
struct AbortInfo {
    by: usize,
    reason: String,
}

/// A group's rounds in flight, by sequence number.
#[derive(Debug, Default)]
struct Slot {
    rounds: Mutex<BTreeMap<u64, Round>>,
    cv: Condvar,
}

#[derive(Debug)]
struct Membership {
    group: Arc<Group>,
    slot: Arc<Slot>,
    index: usize,
    next_seq: u64,
}

/// One collective of a group: the members' deposits, until every member has taken the result.
#[derive(Debug)]
struct Round {
    /// By index in group order; `None` until the member arrives.
    posts: Vec<Option<Post>>,
    arrived: usize,
    /// Every member's deposit once all arrived.
    done: Option<Arc<[Post]>>,
    /// Set when two members disagreed; every member fails with it.
    mismatch: Option<Mismatch>,
    /// Members that have taken the result or the mismatch.
    departed: usize,
}

#[derive(Debug)]
struct Post {
    call: CollectiveCall,
    data: Payload,
}

#[derive(Clone, Copy, Debug)]
struct Mismatch {
    first_rank: usize,
    first: CollectiveCall,
    second_rank: usize,
    second: CollectiveCall,
}

#[derive(Debug, Default)]
struct Mailbox {
    /// Messages by (source rank, tag), oldest first.
    queues: Mutex<HashMap<(usize, usize), VecDeque<Payload>>>,
    cv: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn wait_until<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>, remaining: Duration) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, remaining) {
        Ok((guard, _)) => guard,
        Err(poisoned) => poisoned.into_inner().0,
    }
}

impl Shared {
    /// Records the first abort and wakes every waiter; later aborts change nothing.
    fn abort(&self, by: usize, reason: &str) {
        if self.abort.set(AbortInfo { by, reason: reason.to_string() }).is_ok() {
            self.wake_all();
        }
    }

    /// Wakes every waiter of every group and mailbox, so that it re-checks the abort and exit
    /// flags. Each lock is taken before notifying, so a waiter between its check and its wait
    /// cannot miss the wake-up.
    fn wake_all(&self) {
        let slots: Vec<Arc<Slot>> = lock(&self.groups).values().cloned().collect();
        for slot in slots {
            let _guard = lock(&slot.rounds);
            slot.cv.notify_all();
        }
        for mailbox in &self.mailboxes {
            let _guard = lock(&mailbox.queues);
            mailbox.cv.notify_all();
        }
    }

    fn exited(&self, rank: usize) -> bool {
        self.exited[rank].load(Ordering::SeqCst)
    }

    fn aborted_error(&self, rank: usize, during: impl FnOnce() -> String) -> Option<CommError> {
        self.abort.get().map(|a| CommError::Aborted { rank, during: during(), by: a.by, reason: a.reason.clone() })
    }
}

/// A group's handle on this endpoint for one collective: the group, this rank's index, the slot.
struct Active {
    group: Arc<Group>,
    slot: Arc<Slot>,
    index: usize,
}

impl LocalComm {
    /// The mesh's timeout.
    pub fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    /// A handle that aborts this mesh in this rank's name from any thread.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle { rank: self.rank, shared: Arc::clone(&self.shared) }
    }

    /// The rank that aborted the mesh and its reason, if it was aborted.
    pub fn aborted(&self) -> Option<(usize, &str)> {
        self.shared.abort.get().map(|a| (a.by, a.reason.as_str()))
    }

    /// The group of `id`, or UnknownGroup.
    fn active(&self, id: GroupId, kind: CollectiveKind) -> Result<Active, CommError> {
        let m = self.groups.get(id.index()).ok_or(CommError::UnknownGroup { op: kind, rank: self.rank, id })?;
        Ok(Active { group: Arc::clone(&m.group), slot: Arc::clone(&m.slot), index: m.index })
    }

    fn invalid_argument(&self, kind: CollectiveKind, group: &Group, detail: String) -> CommError {
        CommError::InvalidArgument { op: kind, group: group.name.clone(), rank: self.rank, detail }
    }

    fn unsupported(&self, kind: CollectiveKind, group: &Group, op: ReduceOp, dtype: DType) -> Option<CommError> {
        (!reduces(op, dtype)).then(|| CommError::Unsupported {
            op: kind,
            group: group.name.clone(),
            rank: self.rank,
            reduce: op,
            dtype,
        })
    }

    /// Deposits `data` for this rank's next collective on group `id` and waits until every
    /// member has deposited; returns every member's deposit in group order.
    fn exchange(
        &mut self,
        id: GroupId,
        a: &Active,
        call: CollectiveCall,
        data: Payload,
    ) -> Result<Arc<[Post]>, CommError> {
        let (rank, kind) = (self.rank, call.kind);
        let seq = self.groups.get(id.index()).map_or(0, |m| m.next_seq);
        if let Some(e) = self.shared.aborted_error(rank, || during(kind, &a.group.name, seq)) {
            return Err(e);
        }
        if let Some(m) = self.groups.get_mut(id.index()) {
            m.next_seq += 1;
        }
        rendezvous(&self.shared, rank, a, seq, seq, call, data)
    }
}

/// Deposits `data` in round `key` of `a`'s slot (`seq` for messages) and waits until every member
/// has deposited; returns every member's deposit in group order.
fn rendezvous(
    shared: &Shared,
    rank: usize,
    a: &Active,
    key: u64,
    seq: u64,
    call: CollectiveCall,
    data: Payload,
) -> Result<Arc<[Post]>, CommError> {
    let kind = call.kind;
    let (group, slot, index) = (&a.group, &a.slot, a.index);
    let n = group.ranks.len();
    let start = Instant::now();
    let deadline = start + shared.timeout;

    let mismatch_error = |mm: Mismatch| CommError::Mismatch {
        rank,
        group: group.name.clone(),
        seq,
        first_rank: mm.first_rank,
        first: mm.first,
        second_rank: mm.second_rank,
        second: mm.second,
    };

    let mut rounds = lock(&slot.rounds);
    {
        let round = rounds.entry(key).or_insert_with(|| Round::new(n));
        if let Some(mm) = round.mismatch {
            depart(&mut rounds, key, n);
            return Err(mismatch_error(mm));
        }
        // Every deposit present agrees with the others (a disagreement would have been
        // recorded), so comparing with the first one present is enough.
        let other = round.posts.iter().enumerate().find_map(|(i, p)| p.as_ref().map(|p| (i, p.call)));
        if let Some((i, first)) = other {
            if first != call {
                let mm = Mismatch { first_rank: group.ranks[i], first, second_rank: rank, second: call };
                round.mismatch = Some(mm);
                slot.cv.notify_all();
                depart(&mut rounds, key, n);
                return Err(mismatch_error(mm));
            }
        }
        round.posts[index] = Some(Post { call, data });
        round.arrived += 1;
        if round.arrived == n {
            let posts: Vec<Post> = round.posts.iter_mut().filter_map(Option::take).collect();
            round.done = Some(posts.into());
            slot.cv.notify_all();
        }
    }

    loop {
        let round = rounds.entry(key).or_insert_with(|| Round::new(n));
        if let Some(done) = &round.done {
            let done = Arc::clone(done);
            depart(&mut rounds, key, n);
            return Ok(done);
        }
        if let Some(mm) = round.mismatch {
            depart(&mut rounds, key, n);
            return Err(mismatch_error(mm));
        }
        if let Some(e) = shared.aborted_error(rank, || during(kind, &group.name, seq)) {
            return Err(e);
        }
        let missing: Vec<usize> =
            group.ranks.iter().zip(&round.posts).filter(|(_, p)| p.is_none()).map(|(&r, _)| r).collect();
        let exited: Vec<usize> = missing.iter().copied().filter(|&r| shared.exited(r)).collect();
        if !exited.is_empty() {
            return Err(CommError::PeerExited { rank, during: during(kind, &group.name, seq), peers: exited });
        }
        let now = Instant::now();
        if now >= deadline {
            let arrived: Vec<usize> =
                group.ranks.iter().zip(&round.posts).filter(|(_, p)| p.is_some()).map(|(&r, _)| r).collect();
            drop(rounds);
            let waited = now - start;
            shared.abort(
                rank,
                &format!(
                    "rank {rank} timed out after {} in {}; {} did not arrive",
                    secs(&waited),
                    during(kind, &group.name, seq),
                    list(&missing)
                ),
            );
            return Err(CommError::Timeout {
                op: kind,
                group: group.name.clone(),
                seq,
                rank,
                waited,
                arrived,
                missing,
            });
        }
        rounds = wait_until(&slot.cv, rounds, deadline - now);
    }
}

impl Round {
    fn new(n: usize) -> Round {
        Round { posts: (0..n).map(|_| None).collect(), arrived: 0, done: None, mismatch: None, departed: 0 }
    }
}

/// Counts one member as finished with round `key`; the last one removes it.
fn depart(rounds: &mut BTreeMap<u64, Round>, key: u64, n: usize) {
    if let Some(round) = rounds.get_mut(&key) {
        round.departed += 1;
        if round.departed >= n {
            rounds.remove(&key);
        }
    }
}

/// A collective description.
fn call(
    kind: CollectiveKind,
    dtype: DType,
    elements: usize,
    op: Option<ReduceOp>,
    root: Option<usize>,
) -> CollectiveCall {
    CollectiveCall { kind, dtype, elements, op, root }
}

/// Every member's deposit has the type the matching guaranteed; a failed copy means a bug, which
/// is reported rather than a panic.
fn copy_failed(rank: usize, kind: CollectiveKind, group: &Group) -> CommError {
    CommError::InvalidArgument {
        op: kind,
        group: group.name.clone(),
        rank,
        detail: "the members' buffers could not be combined (internal error)".to_string(),
    }
}

impl Communicator for LocalComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.shared.world_size
    }

    fn create_group(&mut self, name: &str, ranks: &[usize]) -> Result<GroupId, CommError> {
        let kind = CollectiveKind::CreateGroup;
        let index = super::check::group(self.rank, self.shared.world_size, name, ranks)?;
        let group = Group::new(name, ranks.to_vec());
        if let Some(e) = self.shared.aborted_error(self.rank, || during(kind, name, 0)) {
            return Err(e);
        }
        let instance = *self.created.get(&group).unwrap_or(&0);
        let slot = Arc::clone(lock(&self.shared.groups).entry((group.clone(), instance)).or_default());
        let active = Active { group: Arc::new(group), slot, index };
        rendezvous(
            &self.shared,
            self.rank,
            &active,
            SETUP,
            0,
            call(kind, DType::F32, 0, None, None),
            Payload::F32(Vec::new()),
        )?;
        self.created.insert((*active.group).clone(), instance + 1);
        self.groups.push(Membership { group: active.group, slot: active.slot, index, next_seq: 0 });
        Ok(GroupId::new(self.groups.len() - 1))
    }

    fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(id.index()).map(|m| &*m.group)
    }

    fn all_reduce(&mut self, id: GroupId, op: ReduceOp, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllReduce;
        let a = self.active(id, kind)?;
        if let Some(e) = self.unsupported(kind, &a.group, op, data.dtype()) {
            return Err(e);
        }
        let c = call(kind, data.dtype(), data.len(), Some(op), None);
        let posts = self.exchange(id, &a, c, data.as_buf().to_owned())?;
        let srcs: Vec<&Payload> = posts.iter().map(|p| &p.data).collect();
        if !data.reduce_from(op, &srcs, 0..data.len()) {
            return Err(copy_failed(self.rank, kind, &a.group));
        }
        self.stats.record(kind, kind.ring_bytes(a.group.size(), data.bytes(), false));
        Ok(())
    }

    fn all_gather(&mut self, id: GroupId, send: Buf<'_>, mut recv: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllGather;
        let a = self.active(id, kind)?;
        let n = a.group.size();
        if let Err(detail) = super::check::gather(n, &send, &recv) {
            return Err(self.invalid_argument(kind, &a.group, detail));
        }
        let c = call(kind, send.dtype(), send.len(), None, None);
        let posts = self.exchange(id, &a, c, send.to_owned())?;
        let len = send.len();
        for (i, post) in posts.iter().enumerate() {
            if !recv.copy_from(i * len, &post.data, 0..len) {
                return Err(copy_failed(self.rank, kind, &a.group));
            }
        }
        self.stats.record(kind, kind.ring_bytes(n, recv.bytes(), false));
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
        let a = self.active(id, kind)?;
        let n = a.group.size();
        if let Some(e) = self.unsupported(kind, &a.group, op, send.dtype()) {
            return Err(e);
        }
        if let Err(detail) = super::check::scatter(n, &send, &recv) {
            return Err(self.invalid_argument(kind, &a.group, detail));
        }
        let c = call(kind, send.dtype(), send.len(), Some(op), None);
        let posts = self.exchange(id, &a, c, send.to_owned())?;
        let chunk = recv.len();
        let srcs: Vec<&Payload> = posts.iter().map(|p| &p.data).collect();
        if !recv.reduce_from(op, &srcs, a.index * chunk..(a.index + 1) * chunk) {
            return Err(copy_failed(self.rank, kind, &a.group));
        }
        self.stats.record(kind, kind.ring_bytes(n, send.bytes(), false));
        Ok(())
    }

    fn all_to_all(&mut self, id: GroupId, send: Buf<'_>, mut recv: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::AllToAll;
        let a = self.active(id, kind)?;
        let n = a.group.size();
        if let Err(detail) = super::check::all_to_all(n, &send, &recv) {
            return Err(self.invalid_argument(kind, &a.group, detail));
        }
        let c = call(kind, send.dtype(), send.len(), None, None);
        let posts = self.exchange(id, &a, c, send.to_owned())?;
        let chunk = send.len() / n;
        let me = a.index;
        for (i, post) in posts.iter().enumerate() {
            if !recv.copy_from(i * chunk, &post.data, me * chunk..(me + 1) * chunk) {
                return Err(copy_failed(self.rank, kind, &a.group));
            }
        }
        self.stats.record(kind, kind.ring_bytes(n, send.bytes(), false));
        Ok(())
    }

    fn broadcast(&mut self, id: GroupId, root: usize, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Broadcast;
        let a = self.active(id, kind)?;
        let n = a.group.size();
        if let Err(detail) = super::check::root(n, root) {
            return Err(self.invalid_argument(kind, &a.group, detail));
        }
        let is_root = a.index == root;
        let c = call(kind, data.dtype(), data.len(), None, Some(root));
        let payload = if is_root { data.as_buf().to_owned() } else { Payload::empty(data.dtype()) };
        let posts = self.exchange(id, &a, c, payload)?;
        if !is_root {
            let len = data.len();
            if !data.copy_from(0, &posts[root].data, 0..len) {
                return Err(copy_failed(self.rank, kind, &a.group));
            }
        }
        self.stats.record(kind, kind.ring_bytes(n, data.bytes(), is_root));
        Ok(())
    }

    fn send(&mut self, peer: usize, tag: usize, data: Buf<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Send;
        let (rank, world_size) = (self.rank, self.shared.world_size);
        if peer >= world_size {
            return Err(CommError::InvalidPeer { op: kind, rank, peer, world_size });
        }
        if let Some(e) = self.shared.aborted_error(rank, || format!("send to rank {peer}")) {
            return Err(e);
        }
        let mailbox = &self.shared.mailboxes[peer];
        lock(&mailbox.queues).entry((rank, tag)).or_default().push_back(data.to_owned());
        mailbox.cv.notify_all();
        self.stats.record(kind, kind.ring_bytes(2, data.bytes(), false));
        Ok(())
    }

    fn recv(&mut self, peer: usize, tag: usize, mut data: BufMut<'_>) -> Result<(), CommError> {
        let kind = CollectiveKind::Recv;
        let (rank, world_size) = (self.rank, self.shared.world_size);
        if peer >= world_size {
            return Err(CommError::InvalidPeer { op: kind, rank, peer, world_size });
        }
        let shared = &self.shared;
        let during = || format!("recv from rank {peer}");
        if let Some(e) = shared.aborted_error(rank, during) {
            return Err(e);
        }
        let start = Instant::now();
        let deadline = start + shared.timeout;
        let mailbox = &shared.mailboxes[rank];
        let mut queues = lock(&mailbox.queues);
        loop {
            if let Some(queue) = queues.get_mut(&(peer, tag)) {
                if let Some(front) = queue.front() {
                    if front.dtype() != data.dtype() {
                        return Err(CommError::RecvTypeMismatch {
                            rank,
                            peer,
                            expected: data.dtype(),
                            sent: front.dtype(),
                        });
                    }
                    if front.len() != data.len() {
                        return Err(CommError::RecvSizeMismatch {
                            rank,
                            peer,
                            expected: data.len(),
                            sent: front.len(),
                        });
                    }
                    let len = data.len();
                    data.copy_from(0, front, 0..len);
                    queue.pop_front();
                    drop(queues);
                    self.stats.record(kind, 0);
                    return Ok(());
                }
            }
            if let Some(e) = shared.aborted_error(rank, during) {
                return Err(e);
            }
            if shared.exited(peer) {
                return Err(CommError::PeerExited { rank, during: during(), peers: vec![peer] });
            }
            let now = Instant::now();
            if now >= deadline {
                drop(queues);
                let waited = now - start;
                shared.abort(
                    rank,
                    &format!(
                        "rank {rank} timed out after {} in recv from rank {peer}, which sent nothing",
                        secs(&waited)
                    ),
                );
                return Err(CommError::RecvTimeout { rank, peer, waited, elements: data.len() });
            }
            queues = wait_until(&mailbox.cv, queues, deadline - now);
        }
    }

    fn stats(&self) -> &CommStats {
        &self.stats
    }

    fn abort(&self, reason: &str) {
        self.shared.abort(self.rank, reason);
    }
}

impl Drop for LocalComm {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared.abort(self.rank, &format!("rank {} panicked", self.rank));
        }
        self.shared.exited[self.rank].store(true, Ordering::SeqCst);
        self.shared.wake_all();
    }
}
