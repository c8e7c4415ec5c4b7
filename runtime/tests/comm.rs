//! The in-process communicator ([`parc_runtime::comm::LocalMesh`]): every collective against a
//! sequential reference computed here, for 1, 2, 3, 4 and 8 ranks and overlapping sub-groups;
//! ring byte counts; point-to-point FIFO order; mismatch, timeout, abort, exit and membership
//! errors.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use parc_runtime::comm::{CollectiveKind, CommError, Communicator, Group, LocalComm, LocalMesh, ReduceOp};

const LONG: Duration = Duration::from_secs(10);

/// Runs `f` on every rank of a fresh mesh, one thread each, and returns the results in rank order.
fn run<T: Send>(n: usize, timeout: Duration, f: impl Fn(LocalComm) -> T + Sync) -> Vec<T> {
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = LocalMesh::new(n, timeout).into_iter().map(|c| s.spawn(move || f(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Values whose sum depends on the order: 1e8 + 1 - 1e8 is 0 in f32, 1 - 1e8 + 1e8 is 0 too,
/// but -1e8 + 1e8 + 1 is 1.
const VALUES: [f32; 9] = [1e8, 1.0, -1e8, 3.5, -7.25e7, 0.1, f32::MIN_POSITIVE, -2.0, 6.0e7];

/// Member input: a deterministic function of (rank, salt, element).
fn input(rank: usize, salt: usize, len: usize) -> Vec<f32> {
    (0..len)
        .map(|e| {
            let v = VALUES[(rank * 7 + salt * 5 + e * 3) % VALUES.len()];
            v * (1.0 + ((rank + e + salt) % 4) as f32 * 0.25)
        })
        .collect()
}

/// The reduction in group order, element by element, as a plain sequential loop.
fn reference_reduce(op: ReduceOp, inputs: &[Vec<f32>]) -> Vec<f32> {
    let len = inputs[0].len();
    let mut out = Vec::with_capacity(len);
    for e in 0..len {
        let mut acc = inputs[0][e];
        for x in &inputs[1..] {
            acc = match op {
                ReduceOp::Sum => acc + x[e],
                ReduceOp::Max => {
                    if x[e] > acc {
                        x[e]
                    } else {
                        acc
                    }
                }
            };
        }
        out.push(acc);
    }
    out
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Groups on `n` ranks, in an order every rank follows: the world, the world in reverse order,
/// consecutive pairs, strided halves, overlapping windows of three.
fn groups(n: usize) -> Vec<Group> {
    let mut gs = vec![Group::world(n), Group::new("rev", (0..n).rev().collect())];
    for k in (0..n.saturating_sub(1)).step_by(2) {
        gs.push(Group::new(format!("pair[{k}..{}]", k + 2), vec![k, k + 1]));
    }
    if n >= 4 {
        gs.push(Group::new("even", (0..n).step_by(2).collect()));
        gs.push(Group::new("odd", (1..n).step_by(2).collect()));
    }
    for k in 0..n.saturating_sub(2) {
        gs.push(Group::new(format!("win[{k}..{}]", k + 3), vec![k, k + 1, k + 2]));
    }
    gs
}

#[test]
fn values_make_the_order_matter() {
    let inputs = vec![vec![1e8f32], vec![1.0], vec![-1e8]];
    let rev: Vec<Vec<f32>> = inputs.iter().rev().cloned().collect();
    assert_eq!(reference_reduce(ReduceOp::Sum, &inputs), vec![0.0]);
    assert_eq!(reference_reduce(ReduceOp::Sum, &rev), vec![0.0]);
    let other = vec![vec![1e8f32], vec![-1e8], vec![1.0]];
    assert_eq!(reference_reduce(ReduceOp::Sum, &other), vec![1.0]);
}

/// Every collective on every group of `n` ranks, checked bit for bit against the reference, and
/// the ring byte counts against the formulas.
fn check_all_collectives(n: usize) {
    let gs = groups(n);
    let results = run(n, LONG, |mut c| {
        let rank = c.rank();
        assert_eq!(c.world_size(), n);
        let mut expected_bytes = [0u64; 5];
        let mut calls = [0u64; 5];
        for (gi, g) in gs.iter().enumerate() {
            let Some(me) = g.ranks.iter().position(|&r| r == rank) else { continue };
            let m = g.ranks.len();
            let mm = m as u64;
            let len = 3 * m + 1; // not a multiple of the group size for all_reduce
            for (oi, op) in [ReduceOp::Sum, ReduceOp::Max].into_iter().enumerate() {
                // all_reduce
                let salt = gi * 100 + oi;
                let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, len)).collect();
                let mut data = inputs[me].clone();
                c.all_reduce(g, op, &mut data).unwrap();
                assert_eq!(bits(&data), bits(&reference_reduce(op, &inputs)), "all_reduce {op:?} on {}", g.name);
                expected_bytes[0] += 2 * (mm - 1) * (4 * len as u64) / mm;
                calls[0] += 1;

                // reduce_scatter: chunks of 2
                let salt = gi * 100 + 10 + oi;
                let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 2 * m)).collect();
                let mut recv = vec![f32::NAN; 2];
                c.reduce_scatter(g, op, &inputs[me], &mut recv).unwrap();
                let full = reference_reduce(op, &inputs);
                assert_eq!(bits(&recv), bits(&full[2 * me..2 * me + 2]), "reduce_scatter on {}", g.name);
                expected_bytes[2] += (mm - 1) * (4 * 2 * mm) / mm;
                calls[2] += 1;
            }

            // all_gather: 3 elements per member
            let salt = gi * 100 + 20;
            let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 3)).collect();
            let mut recv = vec![f32::NAN; 3 * m];
            c.all_gather(g, &inputs[me], &mut recv).unwrap();
            assert_eq!(bits(&recv), bits(&inputs.concat()), "all_gather on {}", g.name);
            expected_bytes[1] += (mm - 1) * (4 * 3 * mm) / mm;
            calls[1] += 1;

            // all_to_all: chunks of 2
            let salt = gi * 100 + 30;
            let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 2 * m)).collect();
            let mut recv = vec![f32::NAN; 2 * m];
            c.all_to_all(g, &inputs[me], &mut recv).unwrap();
            let want: Vec<f32> = (0..m).flat_map(|i| inputs[i][2 * me..2 * me + 2].to_vec()).collect();
            assert_eq!(bits(&recv), bits(&want), "all_to_all on {}", g.name);
            expected_bytes[3] += (mm - 1) * (4 * 2 * mm) / mm;
            calls[3] += 1;

            // broadcast from every root
            for root in 0..m {
                let salt = gi * 100 + 40 + root;
                let mut data = if me == root { input(g.ranks[root], salt, 5) } else { vec![f32::NAN; 5] };
                c.broadcast(g, root, &mut data).unwrap();
                assert_eq!(bits(&data), bits(&input(g.ranks[root], salt, 5)), "broadcast on {}", g.name);
                expected_bytes[4] += if me == root { 20 } else { 0 };
                calls[4] += 1;
            }
        }
        let kinds = [
            CollectiveKind::AllReduce,
            CollectiveKind::AllGather,
            CollectiveKind::ReduceScatter,
            CollectiveKind::AllToAll,
            CollectiveKind::Broadcast,
        ];
        for (k, kind) in kinds.into_iter().enumerate() {
            assert_eq!(c.stats().bytes_of(kind), expected_bytes[k], "rank {rank}: bytes of {kind}");
            assert_eq!(c.stats().calls_of(kind), calls[k], "rank {rank}: calls of {kind}");
        }
        calls.iter().sum::<u64>()
    });
    assert!(results.iter().all(|&c| c > 0));
}

#[test]
fn collectives_on_1_rank() {
    check_all_collectives(1);
}

#[test]
fn collectives_on_2_ranks() {
    check_all_collectives(2);
}

#[test]
fn collectives_on_3_ranks() {
    check_all_collectives(3);
}

#[test]
fn collectives_on_4_ranks() {
    check_all_collectives(4);
}

#[test]
fn collectives_on_8_ranks() {
    check_all_collectives(8);
}

#[test]
fn rank_order_sum_is_bit_identical_and_not_commutative() {
    // Group order [0, 1, 2] gives (1e8 + 1) - 1e8 = 0; group order [0, 2, 1] gives
    // (1e8 - 1e8) + 1 = 1. Each is the same on every member.
    let values = [1e8f32, 1.0, -1e8];
    let out = run(3, LONG, |mut c| {
        let r = c.rank();
        let mut a = vec![values[r]; 4];
        c.all_reduce(&Group::world(3), ReduceOp::Sum, &mut a).unwrap();
        let mut b = vec![values[r]; 4];
        c.all_reduce(&Group::new("perm", vec![0, 2, 1]), ReduceOp::Sum, &mut b).unwrap();
        (a, b)
    });
    for (a, b) in out {
        assert_eq!(a, vec![0.0; 4]);
        assert_eq!(b, vec![1.0; 4]);
    }
}

#[test]
fn max_propagates_nan() {
    let out = run(3, LONG, |mut c| {
        let mut d = vec![c.rank() as f32, if c.rank() == 1 { f32::NAN } else { 1.0 }];
        c.all_reduce(&Group::world(3), ReduceOp::Max, &mut d).unwrap();
        d
    });
    for d in out {
        assert_eq!(d[0], 2.0);
        assert!(d[1].is_nan());
    }
}

#[test]
fn ring_byte_counts() {
    let stats = run(4, LONG, |mut c| {
        let g = Group::world(4);
        let mut d = vec![1.0; 100];
        c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap();
        let mut recv = vec![0.0; 100];
        c.all_gather(&g, &[1.0; 25], &mut recv).unwrap();
        let mut rs = vec![0.0; 25];
        c.reduce_scatter(&g, ReduceOp::Sum, &[1.0; 100], &mut rs).unwrap();
        let mut a2a = vec![0.0; 100];
        c.all_to_all(&g, &[1.0; 100], &mut a2a).unwrap();
        c.broadcast(&g, 2, &mut d).unwrap();
        let (next, prev) = ((c.rank() + 1) % 4, (c.rank() + 3) % 4);
        c.send(next, &[1.0; 10]).unwrap();
        let mut m = [0.0; 10];
        c.recv(prev, &mut m).unwrap();
        c.stats().clone()
    });
    for (rank, s) in stats.iter().enumerate() {
        assert_eq!(s.bytes_of(CollectiveKind::AllReduce), 600); // 2·3/4 · 400
        assert_eq!(s.bytes_of(CollectiveKind::AllGather), 300); // 3/4 · 400
        assert_eq!(s.bytes_of(CollectiveKind::ReduceScatter), 300);
        assert_eq!(s.bytes_of(CollectiveKind::AllToAll), 300);
        assert_eq!(s.bytes_of(CollectiveKind::Broadcast), if rank == 2 { 400 } else { 0 });
        assert_eq!(s.bytes_of(CollectiveKind::Send), 40);
        assert_eq!(s.bytes_of(CollectiveKind::Recv), 0);
        for kind in CollectiveKind::ALL {
            assert_eq!(s.calls_of(kind), 1, "rank {rank}: {kind}");
        }
        assert_eq!(s.total_bytes(), 1540 + if rank == 2 { 400 } else { 0 });
    }
}

#[test]
fn send_recv_is_fifo_per_pair() {
    const MSGS: usize = 200;
    run(4, LONG, |mut c| {
        let r = c.rank();
        // Everyone sends to everyone (itself included) first: sends never block.
        for i in 0..MSGS {
            for peer in 0..4 {
                let len = 1 + (i + peer) % 3;
                c.send(peer, &vec![(r * 100_000 + peer * 1000 + i) as f32; len]).unwrap();
            }
        }
        // Receive from peers in an interleaved order; each pair's messages come in send order.
        for i in 0..MSGS {
            for k in 0..4 {
                let peer = (r + k) % 4;
                let mut buf = vec![0.0; 1 + (i + r) % 3];
                c.recv(peer, &mut buf).unwrap();
                assert!(buf.iter().all(|&x| x == (peer * 100_000 + r * 1000 + i) as f32));
            }
        }
        assert_eq!(c.stats().calls_of(CollectiveKind::Recv), (4 * MSGS) as u64);
    });
}

#[test]
fn recv_blocks_until_the_send() {
    run(2, LONG, |mut c| {
        if c.rank() == 0 {
            for i in 0..1000 {
                let mut b = [0.0];
                c.recv(1, &mut b).unwrap();
                assert_eq!(b[0], i as f32);
                c.send(1, &b).unwrap();
            }
        } else {
            for i in 0..1000 {
                c.send(0, &[i as f32]).unwrap();
                let mut b = [0.0];
                c.recv(0, &mut b).unwrap();
                assert_eq!(b[0], i as f32);
            }
        }
    });
}

#[test]
fn recv_size_mismatch_names_both_sizes() {
    let out = run(2, LONG, |mut c| {
        if c.rank() == 0 {
            c.send(1, &[1.0, 2.0, 3.0]).unwrap();
            None
        } else {
            let mut b = [0.0; 2];
            let e = c.recv(0, &mut b).unwrap_err();
            // The message stays queued: a correctly sized receive still gets it.
            let mut ok = [0.0; 3];
            c.recv(0, &mut ok).unwrap();
            assert_eq!(ok, [1.0, 2.0, 3.0]);
            Some(e)
        }
    });
    let e = out[1].as_ref().unwrap();
    assert!(matches!(e, CommError::RecvSizeMismatch { rank: 1, peer: 0, expected: 2, sent: 3 }), "{e:?}");
    assert!(e.to_string().contains("3 elements"), "{e}");
}

fn assert_mismatch(e: &CommError, group: &str, seq: u64) {
    match e {
        CommError::Mismatch { group: g, seq: s, first_rank, second_rank, .. } => {
            assert_eq!(g, group);
            assert_eq!(*s, seq);
            assert_ne!(first_rank, second_rank);
        }
        other => panic!("expected a mismatch, got {other:?}: {other}"),
    }
}

#[test]
fn mismatch_in_element_count() {
    let g = Group::new("tp[0..3]", vec![0, 1, 2]);
    let errors = run(3, LONG, |mut c| {
        let mut d = vec![1.0; 4];
        c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap(); // sequence 0 matches
        let mut d = vec![1.0; if c.rank() == 2 { 5 } else { 4 }];
        c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap_err()
    });
    for e in &errors {
        assert_mismatch(e, "tp[0..3]", 1);
        let msg = e.to_string();
        assert!(msg.contains("all_reduce(sum, 4 elements)"), "{msg}");
        assert!(msg.contains("all_reduce(sum, 5 elements)"), "{msg}");
        assert!(msg.contains("rank 2 issued"), "{msg}");
        assert!(msg.contains("group tp[0..3] at sequence 1"), "{msg}");
    }
}

#[test]
fn mismatch_in_kind_op_and_root() {
    let g = Group::world(2);
    let errors = run(2, LONG, |mut c| {
        let r = c.rank();
        let mut es = Vec::new();
        // Kind: all_reduce vs all_gather.
        let mut d = vec![0.0; 2];
        es.push(if r == 0 {
            c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap_err()
        } else {
            c.all_gather(&g, &[0.0], &mut d).unwrap_err()
        });
        // Reduction: sum vs max.
        let op = if r == 0 { ReduceOp::Sum } else { ReduceOp::Max };
        es.push(c.all_reduce(&g, op, &mut d).unwrap_err());
        // Root: 0 vs 1.
        es.push(c.broadcast(&g, r, &mut d).unwrap_err());
        es
    });
    for es in &errors {
        for (seq, e) in es.iter().enumerate() {
            assert_mismatch(e, "world[0..2]", seq as u64);
        }
        let kinds = es[0].to_string();
        assert!(kinds.contains("all_reduce(sum, 2 elements)") && kinds.contains("all_gather(1 element per member)"));
        let ops = es[1].to_string();
        assert!(ops.contains("all_reduce(sum, 2 elements)") && ops.contains("all_reduce(max, 2 elements)"));
        let roots = es[2].to_string();
        assert!(roots.contains("broadcast(root 0, 2 elements)") && roots.contains("broadcast(root 1, 2 elements)"));
    }
}

/// Runs `f` on the given endpoints, one thread each, and returns the results in order.
fn run_on<T: Send>(comms: Vec<LocalComm>, f: impl Fn(LocalComm) -> T + Sync) -> Vec<T> {
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = comms.into_iter().map(|c| s.spawn(move || f(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn timeout_names_the_missing_rank_and_aborts_the_others() {
    let g = Group::new("dp[0..4]", vec![0, 1, 2, 3]);
    let start = Instant::now();
    let mut comms = LocalMesh::new(4, Duration::from_millis(200));
    let silent = comms.pop().unwrap(); // rank 3 never arrives, but stays alive
    let errors = run_on(comms, |mut c| {
        let mut d = vec![1.0; 8];
        c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap_err()
    });
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let mut timeouts = 0;
    for e in &errors {
        let msg = e.to_string();
        match e {
            CommError::Timeout { op, group, seq, waited, arrived, missing, .. } => {
                timeouts += 1;
                assert_eq!(*op, CollectiveKind::AllReduce);
                assert_eq!(group, "dp[0..4]");
                assert_eq!(*seq, 0);
                assert!(*waited >= Duration::from_millis(200));
                assert_eq!(missing, &vec![3]);
                assert_eq!(arrived, &vec![0, 1, 2]);
                assert!(msg.contains("ranks 0, 1 and 2 arrived, rank 3 did not"), "{msg}");
                assert!(msg.contains("all_reduce on group dp[0..4] (sequence 0)"), "{msg}");
            }
            CommError::Aborted { .. } => {
                assert!(msg.contains("dp[0..4]") && msg.contains("rank 3 did not arrive"), "{msg}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(timeouts >= 1);
    // The mesh is aborted: the silent rank fails at once too.
    let mut silent = silent;
    let mut d = vec![1.0; 8];
    let e = silent.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap_err();
    assert!(matches!(e, CommError::Aborted { rank: 3, .. }), "{e:?}");
    assert!(silent.aborted().is_some());
}

#[test]
fn recv_timeout_names_the_peer_and_frees_a_blocked_collective() {
    let start = Instant::now();
    let errors = run(2, Duration::from_millis(200), |mut c| {
        if c.rank() == 0 {
            let mut b = [0.0; 3];
            c.recv(1, &mut b).unwrap_err()
        } else {
            // Waits for rank 0, which waits for a message: rank 0's timeout (which starts first)
            // aborts this promptly.
            std::thread::sleep(Duration::from_millis(50));
            let mut d = [0.0; 3];
            c.broadcast(&Group::world(2), 0, &mut d).unwrap_err()
        }
    });
    assert!(start.elapsed() < Duration::from_secs(10));
    match &errors[0] {
        CommError::RecvTimeout { rank: 0, peer: 1, elements: 3, waited } => {
            assert!(*waited >= Duration::from_millis(200));
            assert!(errors[0].to_string().contains("from rank 1"), "{}", errors[0]);
        }
        // On a loaded machine rank 1's own timeout can fire first; it names rank 0 as missing.
        CommError::Aborted { by: 1, reason, .. } => assert!(reason.contains("rank 0 did not arrive"), "{reason}"),
        other => panic!("unexpected {other:?}"),
    }
    // Rank 1 either timed out itself or was aborted by rank 0.
    assert!(matches!(errors[1], CommError::Aborted { by: 0, .. } | CommError::Timeout { .. }), "{:?}", errors[1]);
}

#[test]
fn abort_reaches_blocked_and_later_callers() {
    let start = Instant::now();
    let errors = run(3, LONG, |mut c| {
        if c.rank() == 0 {
            c.abort("the loss is NaN at step 7");
            let mut d = [0.0];
            vec![c.all_reduce(&Group::world(3), ReduceOp::Sum, &mut d).unwrap_err()]
        } else {
            // Blocked (rank 0 never joins), or entering after the abort: either way aborted.
            let mut d = [0.0];
            let blocked = c.all_reduce(&Group::world(3), ReduceOp::Sum, &mut d).unwrap_err();
            let pair = Group::new("pair", vec![1, 2]);
            let later = c.all_gather(&pair, &[0.0], &mut [0.0; 2]).unwrap_err();
            let send = c.send(0, &[1.0]).unwrap_err();
            let recv = c.recv(0, &mut d).unwrap_err();
            vec![blocked, later, send, recv]
        }
    });
    assert!(start.elapsed() < Duration::from_secs(10));
    for (rank, es) in errors.iter().enumerate() {
        for e in es {
            match e {
                CommError::Aborted { rank: r, by: 0, reason, .. } => {
                    assert_eq!(*r, rank);
                    assert_eq!(reason, "the loss is NaN at step 7");
                }
                other => panic!("unexpected {other:?}"),
            }
            let msg = e.to_string();
            assert!(msg.contains("rank 0 aborted the mesh: the loss is NaN at step 7"), "{msg}");
        }
    }
    assert!(errors[1][0].to_string().contains("all_reduce on group world[0..3] (sequence 0)"));
    // The first abort wins.
    let comms = LocalMesh::new(2, LONG);
    comms[1].abort("second");
    comms[0].abort("third");
    assert_eq!(comms[0].aborted(), Some((1, "second")));
}

#[test]
fn abort_handle_aborts_from_another_thread() {
    let mut comms = LocalMesh::new(2, LONG);
    let mut one = comms.pop().unwrap();
    let zero = comms.pop().unwrap(); // stays here, alive, and never joins
    let handle = zero.abort_handle();
    let start = Instant::now();
    let blocked = thread::spawn(move || one.all_reduce(&Group::world(2), ReduceOp::Max, &mut [0.0]).unwrap_err());
    handle.abort("stopped by the supervisor");
    let e = blocked.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(matches!(e, CommError::Aborted { rank: 1, by: 0, .. }), "{e:?}");
    assert_eq!(handle.aborted(), Some((0, "stopped by the supervisor")));
    drop(zero);
}

#[test]
fn non_member_and_invalid_groups_fail_at_once() {
    let errors = run(3, LONG, |mut c| {
        if c.rank() != 2 {
            return Vec::new();
        }
        let mut d = [0.0; 2];
        vec![
            c.all_reduce(&Group::new("tp[0..2]", vec![0, 1]), ReduceOp::Sum, &mut d).unwrap_err(),
            c.broadcast(&Group::new("dup", vec![2, 2]), 0, &mut d).unwrap_err(),
            c.broadcast(&Group::new("big", vec![2, 3]), 0, &mut d).unwrap_err(),
            c.broadcast(&Group::new("none", vec![]), 0, &mut d).unwrap_err(),
            c.broadcast(&Group::new("pair", vec![1, 2]), 2, &mut d).unwrap_err(),
            c.all_gather(&Group::new("pair", vec![1, 2]), &[0.0; 2], &mut d).unwrap_err(),
            c.reduce_scatter(&Group::new("pair", vec![1, 2]), ReduceOp::Sum, &[0.0; 3], &mut d).unwrap_err(),
            c.all_to_all(&Group::new("pair", vec![1, 2]), &[0.0; 3], &mut [0.0; 3]).unwrap_err(),
            c.send(3, &d).unwrap_err(),
        ]
    });
    let es = &errors[2];
    match &es[0] {
        CommError::NotMember { op: CollectiveKind::AllReduce, group, rank: 2, ranks } => {
            assert_eq!(group, "tp[0..2]");
            assert_eq!(ranks, &vec![0, 1]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(es[0].to_string().contains("rank 2 issued all_reduce on group tp[0..2], but it is not a member"));
    assert!(es[1].to_string().contains("lists rank 2 twice"), "{}", es[1]);
    assert!(es[2].to_string().contains("rank 3, outside the world 0..3"), "{}", es[2]);
    assert!(es[3].to_string().contains("has no ranks"), "{}", es[3]);
    for e in &es[4..8] {
        assert!(matches!(e, CommError::InvalidArgument { .. }), "{e:?}");
    }
    assert!(es[4].to_string().contains("root 2"), "{}", es[4]);
    assert!(es[5].to_string().contains("2 × 2 = 4"), "{}", es[5]);
    assert!(matches!(es[8], CommError::InvalidPeer { peer: 3, .. }));
}

#[test]
fn invalid_arguments_do_not_consume_a_sequence_number() {
    let g = Group::world(2);
    run(2, LONG, |mut c| {
        if c.rank() == 0 {
            c.all_gather(&g, &[1.0], &mut [0.0; 3]).unwrap_err();
        }
        let mut d = [c.rank() as f32];
        c.all_reduce(&g, ReduceOp::Sum, &mut d).unwrap();
        assert_eq!(d, [1.0]);
    });
}

#[test]
fn exited_peer_fails_waiters_promptly() {
    let start = Instant::now();
    let mut comms = LocalMesh::new(3, LONG);
    drop(comms.pop()); // rank 2 exits without issuing anything
    let errors = run_on(comms, |mut c| {
        let mut d = [0.0];
        let coll = c.all_reduce(&Group::world(3), ReduceOp::Sum, &mut d).unwrap_err();
        let recv = c.recv(2, &mut d).unwrap_err();
        // A pair without rank 2 still works.
        c.all_reduce(&Group::new("pair", vec![0, 1]), ReduceOp::Sum, &mut d).unwrap();
        (coll, recv)
    });
    assert!(start.elapsed() < Duration::from_secs(10));
    for (coll, recv) in &errors {
        assert!(matches!(coll, CommError::PeerExited { peers, .. } if peers == &vec![2]), "{coll:?}");
        assert!(coll.to_string().contains("rank 2 exited"), "{coll}");
        assert!(matches!(recv, CommError::PeerExited { .. }), "{recv:?}");
    }
}

#[test]
fn messages_sent_before_exit_are_still_received() {
    let mut comms = LocalMesh::new(2, LONG);
    let mut one = comms.pop().unwrap();
    one.send(0, &[4.0, 2.0]).unwrap();
    drop(one);
    let mut zero = comms.pop().unwrap();
    let mut b = [0.0; 2];
    zero.recv(1, &mut b).unwrap();
    assert_eq!(b, [4.0, 2.0]);
    assert!(matches!(zero.recv(1, &mut b), Err(CommError::PeerExited { .. })));
}

#[test]
fn a_panicking_rank_aborts_the_mesh() {
    let mut comms = LocalMesh::new(2, LONG);
    let doomed = comms.pop().unwrap();
    let mut zero = comms.pop().unwrap();
    let start = Instant::now();
    let h = thread::spawn(move || {
        let _c = doomed;
        panic!("kernel failed (intentional panic in a test)");
    });
    let mut d = [0.0];
    let e = zero.all_reduce(&Group::world(2), ReduceOp::Sum, &mut d).unwrap_err();
    assert!(h.join().is_err());
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(matches!(&e, CommError::Aborted { by: 1, reason, .. } if reason == "rank 1 panicked"), "{e:?}");
}

#[test]
fn disjoint_groups_do_not_block_each_other() {
    let (tx, rx) = mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    let tx = std::sync::Mutex::new(tx);
    run(4, LONG, |mut c| {
        let r = c.rank();
        let (lo, hi) = (Group::new("lo", vec![0, 1]), Group::new("hi", vec![2, 3]));
        match r {
            0 | 1 => {
                for i in 0..500 {
                    let mut d = [i as f32 + r as f32];
                    c.all_reduce(&lo, ReduceOp::Sum, &mut d).unwrap();
                    assert_eq!(d[0], 2.0 * i as f32 + 1.0);
                }
                if r == 0 {
                    tx.lock().unwrap().send(()).unwrap();
                }
            }
            2 => {
                let mut d = [1.0];
                c.all_reduce(&hi, ReduceOp::Sum, &mut d).unwrap(); // blocked until "lo" is done
                assert_eq!(d[0], 2.0);
            }
            _ => {
                rx.lock().unwrap().recv().unwrap();
                let mut d = [1.0];
                c.all_reduce(&hi, ReduceOp::Sum, &mut d).unwrap();
            }
        }
    });
}

#[test]
fn concurrent_tp_and_dp_groups_stress() {
    // 8 ranks as tp=4 × dp=2: tensor-parallel groups of consecutive ranks, data-parallel groups
    // of strided ranks, interleaved, many rounds of small tensors.
    const ROUNDS: usize = 300;
    let start = Instant::now();
    run(8, LONG, |mut c| {
        let r = c.rank();
        let tp_base = r / 4 * 4;
        let tp = Group::new(format!("tp[{tp_base}..{}]", tp_base + 4), (tp_base..tp_base + 4).collect());
        let dp = Group::new(format!("dp[{}]", r % 4), vec![r % 4, r % 4 + 4]);
        for i in 0..ROUNDS {
            let mut d = input(r, i, 16);
            c.all_reduce(&tp, ReduceOp::Sum, &mut d).unwrap();
            let ins: Vec<Vec<f32>> = tp.ranks.iter().map(|&q| input(q, i, 16)).collect();
            assert_eq!(bits(&d), bits(&reference_reduce(ReduceOp::Sum, &ins)));
            let mut g = vec![0.0; 32];
            c.all_gather(&dp, &d, &mut g).unwrap();
            assert_eq!(bits(&g[16 * (r / 4)..16 * (r / 4) + 16]), bits(&d));
        }
        assert_eq!(c.stats().calls_of(CollectiveKind::AllReduce), ROUNDS as u64);
    });
    eprintln!("{} rounds of tp all_reduce + dp all_gather on 8 ranks: {:?}", ROUNDS, start.elapsed());
}
