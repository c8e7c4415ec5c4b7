//! The in-process mesh: every rank is a thread of one process, and [`LocalComm`] is its endpoint.
//!
//! Each group (keyed by the whole [`Group`], name and ranks) has one slot: a mutex over the rounds
//! in flight, keyed by sequence number, and a condition variable. A member deposits a copy of its
//! buffer in the round of its next sequence number, checking it against what the other members
//! deposited; the member that completes the round wakes the others. Every member then takes a
//! shared reference to all deposits and computes its own result outside the lock, reading the
//! deposits in group order — so every member computes the same reduction, bit for bit, and the
//! lock is held only to deposit and to take. The last member to take removes the round.
//!
//! Point-to-point messages go through one mailbox per destination rank: a FIFO queue per source
//! and a condition variable that only the destination waits on.
//!
//! Waiters sleep on condition variables with a deadline (the mesh's timeout); nothing spins or
//! sleeps. Aborts and exits wake every slot and mailbox. Locks are never nested except the short
//! group-registry lock, and poisoned locks are recovered (no code panics while holding one).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use super::{list, secs, CollectiveCall, CollectiveKind, CommError, CommStats, Communicator, Group, ReduceOp};

/// Constructor of an in-process mesh (see [`LocalMesh::new`]).
#[derive(Debug)]
pub struct LocalMesh;

impl LocalMesh {
    /// Creates a mesh of `world_size` ranks whose waits give up after `timeout`, and returns one
    /// endpoint per rank, in rank order; move each into its rank's thread. A `world_size` of 0
    /// gives no endpoints.
    #[allow(clippy::new_ret_no_self)] // the mesh itself is only the shared state of its endpoints
    pub fn new(world_size: usize, timeout: Duration) -> Vec<LocalComm> {
        let shared = Arc::new(Shared {
            world_size,
            timeout,
            abort: OnceLock::new(),
            exited: (0..world_size).map(|_| AtomicBool::new(false)).collect(),
            groups: Mutex::new(HashMap::new()),
            mailboxes: (0..world_size).map(|_| Mailbox::default()).collect(),
        });
        (0..world_size)
            .map(|rank| LocalComm {
                rank,
                shared: Arc::clone(&shared),
                groups: HashMap::new(),
                stats: CommStats::default(),
            })
            .collect()
    }
}

/// One rank's endpoint of a [`LocalMesh`]. Dropping it tells the other ranks that this rank will
/// issue nothing more: their calls that wait for it fail with [`CommError::PeerExited`]. Dropping
/// it while the thread panics aborts the mesh.
#[derive(Debug)]
pub struct LocalComm {
    rank: usize,
    shared: Arc<Shared>,
    /// The groups this rank has used: its slot, its index in the group, its next sequence number.
    groups: HashMap<Group, Membership>,
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
    groups: Mutex<HashMap<Group, Arc<Slot>>>,
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
    data: Vec<f32>,
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
    /// Messages by source rank, oldest first.
    queues: Mutex<HashMap<usize, VecDeque<Vec<f32>>>>,
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

fn during(kind: CollectiveKind, group: &Group, seq: u64) -> String {
    format!("{kind} on group {} (sequence {seq})", group.name)
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

    /// Checks the group on its first use, finds or creates its slot, and returns this rank's index
    /// in it.
    fn membership(&mut self, group: &Group, kind: CollectiveKind) -> Result<usize, CommError> {
        if let Some(m) = self.groups.get(group) {
            return Ok(m.index);
        }
        let world_size = self.shared.world_size;
        let invalid =
            |reason: String| CommError::InvalidGroup { rank: self.rank, group: group.name.clone(), reason, world_size };
        if group.ranks.is_empty() {
            return Err(invalid("it has no ranks".to_string()));
        }
        if let Some(&r) = group.ranks.iter().find(|&&r| r >= world_size) {
            return Err(invalid(format!("it lists rank {r}, outside the world 0..{world_size}")));
        }
        let mut seen = HashSet::new();
        if let Some(&r) = group.ranks.iter().find(|&&r| !seen.insert(r)) {
            return Err(invalid(format!("it lists rank {r} twice")));
        }
        let Some(index) = group.index_of(self.rank) else {
            return Err(CommError::NotMember {
                op: kind,
                group: group.name.clone(),
                rank: self.rank,
                ranks: group.ranks.clone(),
            });
        };
        let slot = Arc::clone(lock(&self.shared.groups).entry(group.clone()).or_default());
        self.groups.insert(group.clone(), Membership { slot, index, next_seq: 0 });
        Ok(index)
    }

    fn invalid_argument(&self, kind: CollectiveKind, group: &Group, detail: String) -> CommError {
        CommError::InvalidArgument { op: kind, group: group.name.clone(), rank: self.rank, detail }
    }

    /// Deposits `data` for this rank's next collective on `group` and waits until every member
    /// has deposited; returns every member's deposit in group order.
    fn exchange(&mut self, group: &Group, call: CollectiveCall, data: Vec<f32>) -> Result<Arc<[Post]>, CommError> {
        let rank = self.rank;
        let kind = call.kind;
        let shared = Arc::clone(&self.shared);
        let Some(m) = self.groups.get_mut(group) else {
            // `membership` ran first; reaching this is a bug, reported rather than panicking.
            return Err(CommError::NotMember { op: kind, group: group.name.clone(), rank, ranks: group.ranks.clone() });
        };
        let seq = m.next_seq;
        if let Some(e) = shared.aborted_error(rank, || during(kind, group, seq)) {
            return Err(e);
        }
        m.next_seq += 1;
        let (index, slot) = (m.index, Arc::clone(&m.slot));
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
            let round = rounds.entry(seq).or_insert_with(|| Round::new(n));
            if let Some(mm) = round.mismatch {
                depart(&mut rounds, seq, n);
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
                    depart(&mut rounds, seq, n);
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
            let round = rounds.entry(seq).or_insert_with(|| Round::new(n));
            if let Some(done) = &round.done {
                let done = Arc::clone(done);
                depart(&mut rounds, seq, n);
                return Ok(done);
            }
            if let Some(mm) = round.mismatch {
                depart(&mut rounds, seq, n);
                return Err(mismatch_error(mm));
            }
            if let Some(e) = shared.aborted_error(rank, || during(kind, group, seq)) {
                return Err(e);
            }
            let missing: Vec<usize> =
                group.ranks.iter().zip(&round.posts).filter(|(_, p)| p.is_none()).map(|(&r, _)| r).collect();
            let exited: Vec<usize> = missing.iter().copied().filter(|&r| shared.exited(r)).collect();
            if !exited.is_empty() {
                return Err(CommError::PeerExited { rank, during: during(kind, group, seq), peers: exited });
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
                        during(kind, group, seq),
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
}

impl Round {
    fn new(n: usize) -> Round {
        Round { posts: (0..n).map(|_| None).collect(), arrived: 0, done: None, mismatch: None, departed: 0 }
    }
}

/// Counts one member as finished with round `seq`; the last one removes it.
fn depart(rounds: &mut BTreeMap<u64, Round>, seq: u64, n: usize) {
    if let Some(round) = rounds.get_mut(&seq) {
        round.departed += 1;
        if round.departed >= n {
            rounds.remove(&seq);
        }
    }
}

/// `acc ⊕= x`, elementwise.
fn fold(op: ReduceOp, acc: &mut [f32], x: &[f32]) {
    match op {
        ReduceOp::Sum => acc.iter_mut().zip(x).for_each(|(a, &x)| *a += x),
        ReduceOp::Max => acc.iter_mut().zip(x).for_each(|(a, &x)| *a = ReduceOp::Max.combine(*a, x)),
    }
}

fn bytes(elements: usize) -> u64 {
    (elements as u64).saturating_mul(std::mem::size_of::<f32>() as u64)
}

impl Communicator for LocalComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.shared.world_size
    }

    fn all_reduce(&mut self, group: &Group, op: ReduceOp, data: &mut [f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::AllReduce;
        self.membership(group, kind)?;
        let call = CollectiveCall { kind, elements: data.len(), op: Some(op), root: None };
        let posts = self.exchange(group, call, data.to_vec())?;
        data.copy_from_slice(&posts[0].data);
        for post in &posts[1..] {
            fold(op, data, &post.data);
        }
        self.stats.record(kind, kind.ring_bytes(group.size(), bytes(data.len()), false));
        Ok(())
    }

    fn all_gather(&mut self, group: &Group, send: &[f32], recv: &mut [f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::AllGather;
        self.membership(group, kind)?;
        let n = group.size();
        if n.checked_mul(send.len()) != Some(recv.len()) {
            let detail = format!(
                "the receive buffer has {} elements but must have group size × send elements = {n} × {} = {}",
                recv.len(),
                send.len(),
                n.saturating_mul(send.len())
            );
            return Err(self.invalid_argument(kind, group, detail));
        }
        let call = CollectiveCall { kind, elements: send.len(), op: None, root: None };
        let posts = self.exchange(group, call, send.to_vec())?;
        if !send.is_empty() {
            for (chunk, post) in recv.chunks_exact_mut(send.len()).zip(posts.iter()) {
                chunk.copy_from_slice(&post.data);
            }
        }
        self.stats.record(kind, kind.ring_bytes(n, bytes(recv.len()), false));
        Ok(())
    }

    fn reduce_scatter(&mut self, group: &Group, op: ReduceOp, send: &[f32], recv: &mut [f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::ReduceScatter;
        let index = self.membership(group, kind)?;
        let n = group.size();
        if n.checked_mul(recv.len()) != Some(send.len()) {
            let detail = format!(
                "the send buffer has {} elements but must have group size × receive elements = {n} × {} = {}",
                send.len(),
                recv.len(),
                n.saturating_mul(recv.len())
            );
            return Err(self.invalid_argument(kind, group, detail));
        }
        let call = CollectiveCall { kind, elements: send.len(), op: Some(op), root: None };
        let posts = self.exchange(group, call, send.to_vec())?;
        let c = recv.len();
        let range = index * c..(index + 1) * c;
        recv.copy_from_slice(&posts[0].data[range.clone()]);
        for post in &posts[1..] {
            fold(op, recv, &post.data[range.clone()]);
        }
        self.stats.record(kind, kind.ring_bytes(n, bytes(send.len()), false));
        Ok(())
    }

    fn all_to_all(&mut self, group: &Group, send: &[f32], recv: &mut [f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::AllToAll;
        let index = self.membership(group, kind)?;
        let n = group.size();
        if send.len() != recv.len() || send.len() % n != 0 {
            let detail = format!(
                "the send and receive buffers have {} and {} elements but must have the same \
                 length, a multiple of the group size {n}",
                send.len(),
                recv.len()
            );
            return Err(self.invalid_argument(kind, group, detail));
        }
        let call = CollectiveCall { kind, elements: send.len(), op: None, root: None };
        let posts = self.exchange(group, call, send.to_vec())?;
        let c = send.len() / n;
        if c > 0 {
            for (chunk, post) in recv.chunks_exact_mut(c).zip(posts.iter()) {
                chunk.copy_from_slice(&post.data[index * c..(index + 1) * c]);
            }
        }
        self.stats.record(kind, kind.ring_bytes(n, bytes(send.len()), false));
        Ok(())
    }

    fn broadcast(&mut self, group: &Group, root: usize, data: &mut [f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::Broadcast;
        let index = self.membership(group, kind)?;
        let n = group.size();
        if root >= n {
            let detail = format!("root {root} is not an index into the group's {n} ranks (0..{n})");
            return Err(self.invalid_argument(kind, group, detail));
        }
        let is_root = index == root;
        let call = CollectiveCall { kind, elements: data.len(), op: None, root: Some(root) };
        let posts = self.exchange(group, call, if is_root { data.to_vec() } else { Vec::new() })?;
        if !is_root {
            data.copy_from_slice(&posts[root].data);
        }
        self.stats.record(kind, kind.ring_bytes(n, bytes(data.len()), is_root));
        Ok(())
    }

    fn send(&mut self, peer: usize, data: &[f32]) -> Result<(), CommError> {
        self.send_tagged(peer, 0, data)
    }

    fn recv(&mut self, peer: usize, data: &mut [f32]) -> Result<(), CommError> {
        self.recv_tagged(peer, 0, data)
    }

    fn send_tagged(&mut self, peer: usize, tag: usize, data: &[f32]) -> Result<(), CommError> {
        let kind = CollectiveKind::Send;
        let (rank, world_size) = (self.rank, self.shared.world_size);
        if peer >= world_size {
            return Err(CommError::InvalidPeer { op: kind, rank, peer, world_size });
        }
        if let Some(e) = self.shared.aborted_error(rank, || format!("send to rank {peer}")) {
            return Err(e);
        }
        let mailbox = &self.shared.mailboxes[peer];
        // One FIFO queue per (source, tag).
        lock(&mailbox.queues).entry(rank + tag * world_size).or_default().push_back(data.to_vec());
        mailbox.cv.notify_all();
        self.stats.record(kind, kind.ring_bytes(2, bytes(data.len()), false));
        Ok(())
    }

    fn recv_tagged(&mut self, peer: usize, tag: usize, data: &mut [f32]) -> Result<(), CommError> {
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
            if let Some(queue) = queues.get_mut(&(peer + tag * world_size)) {
                if let Some(front) = queue.front() {
                    if front.len() != data.len() {
                        return Err(CommError::RecvSizeMismatch {
                            rank,
                            peer,
                            expected: data.len(),
                            sent: front.len(),
                        });
                    }
                    data.copy_from_slice(front);
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
