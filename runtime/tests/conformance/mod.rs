//! The conformance suite of [`Communicator`] implementations, written once against the trait.
//!
//! An implementation instantiates it with a factory that makes the endpoints of a fresh mesh of
//! `world` ranks whose waits give up after `timeout`:
//!
//! ```ignore
//! mod conformance;
//! conformance_suite!(local, |world, timeout| LocalMesh::new(world, timeout));
//! ```
//!
//! Every test runs each endpoint on its own thread. It covers every collective against a
//! sequential reference in every element type, on 1, 2, 3, 4 and 8 ranks and overlapping groups;
//! ring byte counts; point-to-point FIFO order per tag; group setup; mismatched calls; unsupported
//! reductions; timeouts naming the missing ranks within a bounded time; and an abort reaching every
//! other rank with a typed error. Timeouts are short, so the suite's wall time stays small.

#![allow(dead_code)] // each test binary uses the parts it instantiates

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use parc_dialects::types::DType;
use parc_runtime::comm::{
    bf16_to_f32, f32_to_bf16, Buf, BufMut, CollectiveKind, CommError, Communicator, Group, GroupId, Payload, ReduceOp,
};

/// The timeout of tests that expect no timeout.
pub const LONG: Duration = Duration::from_secs(10);
/// The timeout of tests that expect one.
pub const SHORT: Duration = Duration::from_millis(200);
/// How long a test that expects a timeout or an abort may take in all.
pub const BOUND: Duration = Duration::from_secs(10);

/// Instantiates the suite as a module `$name` of `#[test]`s, with `$make` a
/// `Fn(usize, Duration) -> Vec<C>` that makes the endpoints of a fresh mesh in rank order.
#[macro_export]
macro_rules! conformance_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::conformance as suite;
            #[allow(unused_imports)]
            use super::*;
            use std::time::Duration;

            fn make(world: usize, timeout: Duration) -> Vec<impl parc_runtime::comm::Communicator> {
                let f = $make;
                f(world, timeout)
            }

            #[test]
            fn collectives_on_1_rank() {
                suite::collectives(make, 1);
            }
            #[test]
            fn collectives_on_2_ranks() {
                suite::collectives(make, 2);
            }
            #[test]
            fn collectives_on_3_ranks() {
                suite::collectives(make, 3);
            }
            #[test]
            fn collectives_on_4_ranks() {
                suite::collectives(make, 4);
            }
            #[test]
            fn collectives_on_8_ranks() {
                suite::collectives(make, 8);
            }
            #[test]
            fn typed_collectives_on_1_rank() {
                suite::typed_collectives(make, 1);
            }
            #[test]
            fn typed_collectives_on_3_ranks() {
                suite::typed_collectives(make, 3);
            }
            #[test]
            fn typed_collectives_on_4_ranks() {
                suite::typed_collectives(make, 4);
            }
            #[test]
            fn rank_order_sum_is_bit_identical_and_not_commutative() {
                suite::rank_order_sum(make);
            }
            #[test]
            fn max_propagates_nan() {
                suite::max_propagates_nan(make);
            }
            #[test]
            fn ring_byte_counts() {
                suite::ring_byte_counts(make);
            }
            #[test]
            fn send_recv_is_fifo_per_pair_and_tag() {
                suite::send_recv_fifo(make);
            }
            #[test]
            fn recv_blocks_until_the_send() {
                suite::recv_blocks_until_the_send(make);
            }
            #[test]
            fn recv_mismatch_names_both_sizes_and_types() {
                suite::recv_mismatch(make);
            }
            #[test]
            fn mismatch_in_element_count() {
                suite::mismatch_in_element_count(make);
            }
            #[test]
            fn mismatch_in_kind_op_root_and_dtype() {
                suite::mismatch_in_kind_op_root_and_dtype(make);
            }
            #[test]
            fn all_to_all_mismatches() {
                suite::all_to_all_mismatches(make);
            }
            #[test]
            fn integer_reductions_are_unsupported() {
                suite::integer_reductions_are_unsupported(make);
            }
            #[test]
            fn group_setup() {
                suite::group_setup(make);
            }
            #[test]
            fn group_setup_timeout_names_the_missing_rank() {
                suite::group_setup_timeout(make);
            }
            #[test]
            fn timeout_names_the_missing_rank_and_aborts_the_others() {
                suite::timeout_names_the_missing_rank(make);
            }
            #[test]
            fn recv_timeout_names_the_peer_and_frees_a_blocked_collective() {
                suite::recv_timeout(make);
            }
            #[test]
            fn abort_reaches_blocked_and_later_callers() {
                suite::abort_reaches_everyone(make);
            }
            #[test]
            fn non_member_and_invalid_groups_fail_at_once() {
                suite::invalid_groups_and_arguments(make);
            }
            #[test]
            fn invalid_arguments_do_not_consume_a_sequence_number() {
                suite::invalid_arguments_do_not_consume_a_sequence_number(make);
            }
            #[test]
            fn disjoint_groups_do_not_block_each_other() {
                suite::disjoint_groups(make);
            }
            #[test]
            fn concurrent_tp_and_dp_groups_stress() {
                suite::tp_dp_stress(make);
            }
        }
    };
}

/// Runs `f` on every endpoint, one thread each, and returns the results in order; a panic on a
/// rank fails the test with that panic.
pub fn run_on<C: Communicator, T: Send>(comms: Vec<C>, f: impl Fn(C) -> T + Sync) -> Vec<T> {
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = comms.into_iter().map(|c| s.spawn(move || f(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// Runs `f` on every rank of a fresh mesh of `n` ranks.
pub fn run<C, T>(
    make: impl Fn(usize, Duration) -> Vec<C>,
    n: usize,
    timeout: Duration,
    f: impl Fn(C) -> T + Sync,
) -> Vec<T>
where
    C: Communicator,
    T: Send,
{
    let comms = make(n, timeout);
    assert_eq!(comms.len(), n, "the factory must make one endpoint per rank");
    run_on(comms, f)
}

/// Creates `g` on `c`.
pub fn create<C: Communicator>(c: &mut C, g: &Group) -> GroupId {
    c.create_group(&g.name, &g.ranks).unwrap_or_else(|e| panic!("rank {}: creating {}: {e}", c.rank(), g.name))
}

/// Values whose sum depends on the order: 1e8 + 1 - 1e8 is 0 in f32, 1 - 1e8 + 1e8 is 0 too,
/// but -1e8 + 1e8 + 1 is 1.
pub const VALUES: [f32; 9] = [1e8, 1.0, -1e8, 3.5, -7.25e7, 0.1, f32::MIN_POSITIVE, -2.0, 6.0e7];

/// Member input: a deterministic function of (rank, salt, element).
pub fn input(rank: usize, salt: usize, len: usize) -> Vec<f32> {
    (0..len)
        .map(|e| {
            let v = VALUES[(rank * 7 + salt * 5 + e * 3) % VALUES.len()];
            v * (1.0 + ((rank + e + salt) % 4) as f32 * 0.25)
        })
        .collect()
}

/// Member input of any element type: f32 and bf16 from [`input`]; integers that no f32 holds
/// exactly (so a trip through f32 would show).
pub fn typed_input(dtype: DType, rank: usize, salt: usize, len: usize) -> Payload {
    let ints = (0..len).map(|e| (rank * 1_000_003 + salt * 7919 + e * 31) as i64);
    match dtype {
        DType::BF16 => Payload::Bf16(input(rank, salt, len).into_iter().map(f32_to_bf16).collect()),
        DType::I32 => Payload::I32(ints.map(|v| i32::MAX - v as i32).collect()),
        DType::I64 => Payload::I64(ints.map(|v| (1i64 << 60) + v * 3 + 1).collect()),
        _ => Payload::F32(input(rank, salt, len)),
    }
}

/// The reduction in group order, element by element, as a plain sequential loop.
pub fn reference_reduce(op: ReduceOp, inputs: &[Vec<f32>]) -> Vec<f32> {
    let len = inputs[0].len();
    let mut out = Vec::with_capacity(len);
    for e in 0..len {
        let mut acc = inputs[0][e];
        for x in &inputs[1..] {
            acc = match op {
                ReduceOp::Sum => acc + x[e],
                ReduceOp::Max => {
                    if x[e] > acc || x[e].is_nan() {
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

/// The bf16 reference: every input widened to f32, reduced in f32 in group order, rounded once.
pub fn reference_reduce_bf16(op: ReduceOp, inputs: &[Vec<u16>]) -> Vec<u16> {
    let wide: Vec<Vec<f32>> = inputs.iter().map(|v| v.iter().map(|&b| bf16_to_f32(b)).collect()).collect();
    reference_reduce(op, &wide).into_iter().map(f32_to_bf16).collect()
}

pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Groups on `n` ranks, in an order every rank follows: the world, the world in reverse order,
/// consecutive pairs, strided halves, overlapping windows of three.
pub fn groups(n: usize) -> Vec<Group> {
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

/// Creates every group of `gs` that `c` is a member of, in order: (group, handle, my index).
fn create_mine<'g, C: Communicator>(c: &mut C, gs: &'g [Group]) -> Vec<(usize, &'g Group, GroupId, usize)> {
    let rank = c.rank();
    let mut out = Vec::new();
    for (gi, g) in gs.iter().enumerate() {
        if let Some(me) = g.index_of(rank) {
            let id = create(c, g);
            out.push((gi, g, id, me));
        }
    }
    out
}

/// Every f32 collective on every group of `n` ranks, checked bit for bit against the reference,
/// and the ring byte counts against the formulas.
pub fn collectives<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>, n: usize) {
    let gs = groups(n);
    let results = run(make, n, LONG, |mut c| {
        let rank = c.rank();
        assert_eq!(c.world_size(), n);
        let mine = create_mine(&mut c, &gs);
        let mut expected_bytes = [0u64; 5];
        let mut calls = [0u64; 5];
        for &(gi, g, id, me) in &mine {
            assert_eq!(c.group(id), Some(g));
            let m = g.ranks.len();
            let mm = m as u64;
            let len = 3 * m + 1; // not a multiple of the group size for all_reduce
            for (oi, op) in [ReduceOp::Sum, ReduceOp::Max].into_iter().enumerate() {
                // all_reduce
                let salt = gi * 100 + oi;
                let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, len)).collect();
                let mut data = inputs[me].clone();
                c.all_reduce(id, op, BufMut::F32(&mut data)).unwrap();
                assert_eq!(bits(&data), bits(&reference_reduce(op, &inputs)), "all_reduce {op:?} on {}", g.name);
                expected_bytes[0] += 2 * (mm - 1) * (4 * len as u64) / mm;
                calls[0] += 1;

                // reduce_scatter: chunks of 2
                let salt = gi * 100 + 10 + oi;
                let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 2 * m)).collect();
                let mut recv = vec![f32::NAN; 2];
                c.reduce_scatter(id, op, Buf::F32(&inputs[me]), BufMut::F32(&mut recv)).unwrap();
                let full = reference_reduce(op, &inputs);
                assert_eq!(bits(&recv), bits(&full[2 * me..2 * me + 2]), "reduce_scatter on {}", g.name);
                expected_bytes[2] += (mm - 1) * (4 * 2 * mm) / mm;
                calls[2] += 1;
            }

            // all_gather: 3 elements per member
            let salt = gi * 100 + 20;
            let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 3)).collect();
            let mut recv = vec![f32::NAN; 3 * m];
            c.all_gather(id, Buf::F32(&inputs[me]), BufMut::F32(&mut recv)).unwrap();
            assert_eq!(bits(&recv), bits(&inputs.concat()), "all_gather on {}", g.name);
            expected_bytes[1] += (mm - 1) * (4 * 3 * mm) / mm;
            calls[1] += 1;

            // all_to_all: chunks of 2
            let salt = gi * 100 + 30;
            let inputs: Vec<Vec<f32>> = g.ranks.iter().map(|&r| input(r, salt, 2 * m)).collect();
            let mut recv = vec![f32::NAN; 2 * m];
            c.all_to_all(id, Buf::F32(&inputs[me]), BufMut::F32(&mut recv)).unwrap();
            let want: Vec<f32> = (0..m).flat_map(|i| inputs[i][2 * me..2 * me + 2].to_vec()).collect();
            assert_eq!(bits(&recv), bits(&want), "all_to_all on {}", g.name);
            expected_bytes[3] += (mm - 1) * (4 * 2 * mm) / mm;
            calls[3] += 1;

            // broadcast from every root
            for root in 0..m {
                let salt = gi * 100 + 40 + root;
                let mut data = if me == root { input(g.ranks[root], salt, 5) } else { vec![f32::NAN; 5] };
                c.broadcast(id, root, BufMut::F32(&mut data)).unwrap();
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

/// The copies (all_gather, all_to_all, broadcast, send/recv) in every element type, and the bf16
/// reductions against the widen-reduce-round-once reference, on every group of `n` ranks.
pub fn typed_collectives<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>, n: usize) {
    let gs = groups(n);
    let dtypes = [DType::F32, DType::BF16, DType::I32, DType::I64];
    run(make, n, LONG, |mut c| {
        let rank = c.rank();
        let mine = create_mine(&mut c, &gs);
        let mut sent_bytes = 0u64;
        for &(gi, g, id, me) in &mine {
            let m = g.ranks.len();
            for (di, &dtype) in dtypes.iter().enumerate() {
                let size = dtype.size_bytes();
                // all_gather: 3 per member
                let salt = gi * 1000 + di * 10;
                let inputs: Vec<Payload> = g.ranks.iter().map(|&r| typed_input(dtype, r, salt, 3)).collect();
                let mut recv = Payload::zeros(dtype, 3 * m);
                c.all_gather(id, inputs[me].as_buf(), recv.as_buf_mut()).unwrap();
                let want: Vec<u64> = inputs.iter().flat_map(|p| p.bits()).collect();
                assert_eq!(recv.bits(), want, "{dtype} all_gather on {}", g.name);
                assert_eq!(recv.dtype(), dtype);

                // all_to_all: chunks of 2
                let salt = gi * 1000 + di * 10 + 1;
                let inputs: Vec<Payload> = g.ranks.iter().map(|&r| typed_input(dtype, r, salt, 2 * m)).collect();
                let mut recv = Payload::zeros(dtype, 2 * m);
                c.all_to_all(id, inputs[me].as_buf(), recv.as_buf_mut()).unwrap();
                let want: Vec<u64> = inputs.iter().flat_map(|p| p.slice(2 * me..2 * me + 2).bits()).collect();
                assert_eq!(recv.bits(), want, "{dtype} all_to_all on {}", g.name);

                // broadcast from every root
                for root in 0..m {
                    let salt = gi * 1000 + di * 10 + 2 + root;
                    let source = typed_input(dtype, g.ranks[root], salt, 4);
                    let mut data = if me == root { source.clone() } else { Payload::zeros(dtype, 4) };
                    c.broadcast(id, root, data.as_buf_mut()).unwrap();
                    assert_eq!(data.bits(), source.bits(), "{dtype} broadcast on {}", g.name);
                    if me == root {
                        sent_bytes += 4 * size;
                    }
                }
            }
            // bf16 reductions.
            for (oi, op) in [ReduceOp::Sum, ReduceOp::Max].into_iter().enumerate() {
                let salt = gi * 1000 + 500 + oi;
                let ins: Vec<Vec<u16>> =
                    g.ranks.iter().map(|&r| input(r, salt, 2 * m).into_iter().map(f32_to_bf16).collect()).collect();
                let want = reference_reduce_bf16(op, &ins);
                let mut data = ins[me].clone();
                c.all_reduce(id, op, BufMut::Bf16(&mut data)).unwrap();
                assert_eq!(data, want, "bf16 all_reduce {op} on {}", g.name);
                let mut recv = vec![0u16; 2];
                c.reduce_scatter(id, op, Buf::Bf16(&ins[me]), BufMut::Bf16(&mut recv)).unwrap();
                assert_eq!(recv, want[2 * me..2 * me + 2], "bf16 reduce_scatter {op} on {}", g.name);
            }
        }
        assert_eq!(c.stats().bytes_of(CollectiveKind::Broadcast), sent_bytes, "rank {rank}: broadcast bytes");

        // send/recv of every type around a ring.
        let (next, prev) = ((rank + 1) % n, (rank + n - 1) % n);
        for (di, &dtype) in dtypes.iter().enumerate() {
            c.send(next, di, typed_input(dtype, rank, 77, 5).as_buf()).unwrap();
        }
        for (di, &dtype) in dtypes.iter().enumerate().rev() {
            let mut got = Payload::zeros(dtype, 5);
            c.recv(prev, di, got.as_buf_mut()).unwrap();
            assert_eq!(got.bits(), typed_input(dtype, prev, 77, 5).bits(), "{dtype} send/recv");
        }
    });
}

pub fn rank_order_sum<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    // Group order [0, 1, 2] gives (1e8 + 1) - 1e8 = 0; group order [0, 2, 1] gives
    // (1e8 - 1e8) + 1 = 1. Each is the same on every member.
    let values = [1e8f32, 1.0, -1e8];
    let out = run(make, 3, LONG, |mut c| {
        let r = c.rank();
        let world = create(&mut c, &Group::world(3));
        let perm = create(&mut c, &Group::new("perm", vec![0, 2, 1]));
        let mut a = vec![values[r]; 4];
        c.all_reduce(world, ReduceOp::Sum, BufMut::F32(&mut a)).unwrap();
        let mut b = vec![values[r]; 4];
        c.all_reduce(perm, ReduceOp::Sum, BufMut::F32(&mut b)).unwrap();
        (a, b)
    });
    for (a, b) in out {
        assert_eq!(a, vec![0.0; 4]);
        assert_eq!(b, vec![1.0; 4]);
    }
}

pub fn max_propagates_nan<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let out = run(make, 3, LONG, |mut c| {
        let world = create(&mut c, &Group::world(3));
        let mut d = vec![c.rank() as f32, if c.rank() == 1 { f32::NAN } else { 1.0 }];
        c.all_reduce(world, ReduceOp::Max, BufMut::F32(&mut d)).unwrap();
        d
    });
    for d in out {
        assert_eq!(d[0], 2.0);
        assert!(d[1].is_nan());
    }
}

pub fn ring_byte_counts<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let stats = run(make, 4, LONG, |mut c| {
        let g = create(&mut c, &Group::world(4));
        let mut d = vec![1.0; 100];
        c.all_reduce(g, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
        let mut recv = vec![0.0; 100];
        c.all_gather(g, Buf::F32(&[1.0; 25]), BufMut::F32(&mut recv)).unwrap();
        let mut rs = vec![0.0; 25];
        c.reduce_scatter(g, ReduceOp::Sum, Buf::F32(&[1.0; 100]), BufMut::F32(&mut rs)).unwrap();
        let mut a2a = vec![0.0; 100];
        c.all_to_all(g, Buf::F32(&[1.0; 100]), BufMut::F32(&mut a2a)).unwrap();
        c.broadcast(g, 2, BufMut::F32(&mut d)).unwrap();
        let (next, prev) = ((c.rank() + 1) % 4, (c.rank() + 3) % 4);
        c.send(next, 0, Buf::F32(&[1.0; 10])).unwrap();
        let mut m = [0.0; 10];
        c.recv(prev, 0, BufMut::F32(&mut m)).unwrap();
        // i64 elements count 8 bytes.
        let mut wide = [0i64; 4];
        c.all_reduce(g, ReduceOp::Sum, BufMut::I64(&mut wide)).unwrap_err();
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
        assert_eq!(s.calls_of(CollectiveKind::CreateGroup), 0, "group creation is not counted");
        assert_eq!(s.total_bytes(), 1540 + if rank == 2 { 400 } else { 0 });
    }
}

pub fn send_recv_fifo<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    const MSGS: usize = 200;
    run(make, 4, LONG, |mut c| {
        let r = c.rank();
        // Everyone sends to everyone (itself included) on two tags first: sends never block.
        for i in 0..MSGS {
            for peer in 0..4 {
                let len = 1 + (i + peer) % 3;
                c.send(peer, 0, Buf::F32(&vec![(r * 100_000 + peer * 1000 + i) as f32; len])).unwrap();
                c.send(peer, 7, Buf::I64(&[-((r * 100_000 + peer * 1000 + i) as i64)])).unwrap();
            }
        }
        // Receive tag 7 first, then tag 0, from peers in an interleaved order; each (pair, tag)
        // queue comes in send order, independently of the other tag.
        for i in 0..MSGS {
            for k in 0..4 {
                let peer = (r + k) % 4;
                let mut b = [0i64];
                c.recv(peer, 7, BufMut::I64(&mut b)).unwrap();
                assert_eq!(b[0], -((peer * 100_000 + r * 1000 + i) as i64));
            }
        }
        for i in 0..MSGS {
            for k in 0..4 {
                let peer = (r + k) % 4;
                let mut buf = vec![0.0; 1 + (i + r) % 3];
                c.recv(peer, 0, BufMut::F32(&mut buf)).unwrap();
                assert!(buf.iter().all(|&x| x == (peer * 100_000 + r * 1000 + i) as f32));
            }
        }
        assert_eq!(c.stats().calls_of(CollectiveKind::Recv), (8 * MSGS) as u64);
    });
}

pub fn recv_blocks_until_the_send<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    run(make, 2, LONG, |mut c| {
        if c.rank() == 0 {
            for i in 0..1000 {
                let mut b = [0.0];
                c.recv(1, 0, BufMut::F32(&mut b)).unwrap();
                assert_eq!(b[0], i as f32);
                c.send(1, 0, Buf::F32(&b)).unwrap();
            }
        } else {
            for i in 0..1000 {
                c.send(0, 0, Buf::F32(&[i as f32])).unwrap();
                let mut b = [0.0];
                c.recv(0, 0, BufMut::F32(&mut b)).unwrap();
                assert_eq!(b[0], i as f32);
            }
        }
    });
}

pub fn recv_mismatch<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let out = run(make, 2, LONG, |mut c| {
        if c.rank() == 0 {
            c.send(1, 0, Buf::F32(&[1.0, 2.0, 3.0])).unwrap();
            None
        } else {
            let mut b = [0.0; 2];
            let size = c.recv(0, 0, BufMut::F32(&mut b)).unwrap_err();
            let mut ints = [0i32; 3];
            let dtype = c.recv(0, 0, BufMut::I32(&mut ints)).unwrap_err();
            // The message stays queued: a correctly typed and sized receive still gets it.
            let mut ok = [0.0; 3];
            c.recv(0, 0, BufMut::F32(&mut ok)).unwrap();
            assert_eq!(ok, [1.0, 2.0, 3.0]);
            Some((size, dtype))
        }
    });
    let Some((size, dtype)) = out[1].as_ref() else { panic!("rank 1 returned nothing") };
    assert!(matches!(size, CommError::RecvSizeMismatch { rank: 1, peer: 0, expected: 2, sent: 3 }), "{size:?}");
    assert!(size.to_string().contains("3 elements"), "{size}");
    assert!(
        matches!(dtype, CommError::RecvTypeMismatch { rank: 1, peer: 0, expected: DType::I32, sent: DType::F32 }),
        "{dtype:?}"
    );
    let msg = dtype.to_string();
    assert!(msg.contains("f32 elements") && msg.contains("i32 elements") && msg.contains("rank 0"), "{msg}");
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

pub fn mismatch_in_element_count<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let g = Group::new("tp[0..3]", vec![0, 1, 2]);
    let errors = run(make, 3, LONG, |mut c| {
        let id = create(&mut c, &g);
        let mut d = vec![1.0; 4];
        c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap(); // sequence 0 matches
        let mut d = vec![1.0; if c.rank() == 2 { 5 } else { 4 }];
        c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err()
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

pub fn mismatch_in_kind_op_root_and_dtype<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let g = Group::world(2);
    let errors = run(make, 2, LONG, |mut c| {
        let r = c.rank();
        let id = create(&mut c, &g);
        let mut es = Vec::new();
        // Kind: all_reduce vs all_gather.
        let mut d = vec![0.0; 2];
        es.push(if r == 0 {
            c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err()
        } else {
            c.all_gather(id, Buf::F32(&[0.0]), BufMut::F32(&mut d)).unwrap_err()
        });
        // Reduction: sum vs max.
        let op = if r == 0 { ReduceOp::Sum } else { ReduceOp::Max };
        es.push(c.all_reduce(id, op, BufMut::F32(&mut d)).unwrap_err());
        // Root: 0 vs 1.
        es.push(c.broadcast(id, r, BufMut::F32(&mut d)).unwrap_err());
        // Element type: f32 vs i32, same length.
        let mut ints = [0i32; 2];
        es.push(if r == 0 {
            c.broadcast(id, 0, BufMut::F32(&mut d)).unwrap_err()
        } else {
            c.broadcast(id, 0, BufMut::I32(&mut ints)).unwrap_err()
        });
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
        let types = es[3].to_string();
        assert!(types.contains("f32 broadcast(root 0, 2 elements)"), "{types}");
        assert!(types.contains("i32 broadcast(root 0, 2 elements)"), "{types}");
        assert!(types.contains("rank 0") && types.contains("rank 1"), "{types}");
    }
}

/// all_to_all against an all_to_all of another size, an all_gather and a reduce_scatter of the
/// same element count, on 4 members: every member fails that call with the mismatch (naming both
/// calls), at once, and the group's later calls still match.
pub fn all_to_all_mismatches<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let g = Group::new("ep[0..4]", vec![0, 1, 2, 3]);
    let start = std::time::Instant::now();
    let errors = run(make, 4, LONG, |mut c| {
        let r = c.rank();
        let id = create(&mut c, &g);
        let mut es = Vec::new();
        // Size: rank 3 exchanges 12 elements, the others 8.
        let len = if r == 3 { 12 } else { 8 };
        let mut recv = vec![0.0; len];
        es.push(c.all_to_all(id, Buf::F32(&vec![1.0; len]), BufMut::F32(&mut recv)).unwrap_err());
        // Kind: rank 1 all-gathers (2 elements each, 8 gathered) where the others exchange 8.
        let mut recv = vec![0.0; 8];
        es.push(if r == 1 {
            c.all_gather(id, Buf::F32(&[0.0; 2]), BufMut::F32(&mut recv)).unwrap_err()
        } else {
            c.all_to_all(id, Buf::F32(&[0.0; 8]), BufMut::F32(&mut recv)).unwrap_err()
        });
        // Kind: rank 0 reduce-scatters the same 8 elements.
        let mut small = vec![0.0; 2];
        es.push(if r == 0 {
            c.reduce_scatter(id, ReduceOp::Sum, Buf::F32(&[0.0; 8]), BufMut::F32(&mut small)).unwrap_err()
        } else {
            c.all_to_all(id, Buf::F32(&[0.0; 8]), BufMut::F32(&mut recv)).unwrap_err()
        });
        // The group still works: a matched exchange moves chunk j to member j.
        let send: Vec<f32> = (0..4).map(|j| (10 * r + j) as f32).collect();
        let mut recv = vec![0.0; 4];
        c.all_to_all(id, Buf::F32(&send), BufMut::F32(&mut recv)).unwrap();
        assert_eq!(recv, (0..4).map(|i| (10 * i + r) as f32).collect::<Vec<_>>(), "rank {r}");
        es
    });
    assert!(start.elapsed() < LONG / 2, "mismatches must fail at once, took {:?}", start.elapsed());
    for es in &errors {
        for (seq, e) in es.iter().enumerate() {
            assert_mismatch(e, "ep[0..4]", seq as u64);
        }
        let size = es[0].to_string();
        assert!(size.contains("all_to_all(8 elements)") && size.contains("all_to_all(12 elements)"), "{size}");
        assert!(size.contains("rank 3 issued"), "{size}");
        let gather = es[1].to_string();
        assert!(
            gather.contains("all_to_all(8 elements)") && gather.contains("all_gather(2 elements per member)"),
            "{gather}"
        );
        let scatter = es[2].to_string();
        assert!(
            scatter.contains("all_to_all(8 elements)") && scatter.contains("reduce_scatter(sum, 8 elements)"),
            "{scatter}"
        );
    }
}

pub fn integer_reductions_are_unsupported<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let errors = run(make, 2, LONG, |mut c| {
        let id = create(&mut c, &Group::world(2));
        let mut a = [1i32; 4];
        let e1 = c.all_reduce(id, ReduceOp::Sum, BufMut::I32(&mut a)).unwrap_err();
        let mut b = [0i64; 1];
        let e2 = c.reduce_scatter(id, ReduceOp::Max, Buf::I64(&[1, 2]), BufMut::I64(&mut b)).unwrap_err();
        // Nothing was consumed: the group still works.
        let mut d = [c.rank() as f32];
        c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
        assert_eq!(d, [1.0]);
        (e1, e2)
    });
    for (e1, e2) in &errors {
        assert!(
            matches!(
                e1,
                CommError::Unsupported { op: CollectiveKind::AllReduce, reduce: ReduceOp::Sum, dtype: DType::I32, .. }
            ),
            "{e1:?}"
        );
        assert!(e1.to_string().contains("the sum reduction is not defined for i32 buffers"), "{e1}");
        assert!(
            matches!(e2, CommError::Unsupported { op: CollectiveKind::ReduceScatter, dtype: DType::I64, .. }),
            "{e2:?}"
        );
    }
}

pub fn group_setup<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    run(make, 4, LONG, |mut c| {
        let r = c.rank();
        // The same group twice: two independent handles with their own sequence numbers.
        let w = Group::world(4);
        let a = create(&mut c, &w);
        let b = create(&mut c, &w);
        assert_ne!(a, b);
        assert_eq!(c.group(a), Some(&w));
        assert_eq!(c.group(b), Some(&w));
        // Groups created in the same order on every member, overlapping.
        let pair = Group::new("pair", vec![r / 2 * 2 + 1, r / 2 * 2]);
        let p = create(&mut c, &pair);
        assert_eq!(c.group(p).map(|g| g.index_of(r)), Some(pair.index_of(r)));
        // Interleave: a's sequence 0 after b's sequences 0 and 1.
        let mut x = [r as f32];
        c.all_reduce(b, ReduceOp::Sum, BufMut::F32(&mut x)).unwrap();
        c.all_reduce(b, ReduceOp::Max, BufMut::F32(&mut x)).unwrap();
        assert_eq!(x, [6.0]);
        let mut y = [1.0f32];
        c.all_reduce(a, ReduceOp::Sum, BufMut::F32(&mut y)).unwrap();
        assert_eq!(y, [4.0]);
        // Group order is the order given: index 0 of "pair" is the odd rank.
        let mut z = [r as f32];
        c.broadcast(p, 0, BufMut::F32(&mut z)).unwrap();
        assert_eq!(z, [(r / 2 * 2 + 1) as f32]);
    });
}

pub fn group_setup_timeout<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let start = Instant::now();
    let out = run(make, 3, SHORT, |mut c| {
        if c.rank() == 2 {
            // Never creates the group, but stays alive past the others' timeout.
            thread::sleep(SHORT * 3);
            return None;
        }
        Some(c.create_group("trio", &[0, 1, 2]).unwrap_err())
    });
    assert!(start.elapsed() < BOUND, "took {:?}", start.elapsed());
    let mut timeouts = 0;
    for e in out.iter().flatten() {
        match e {
            CommError::Timeout { op: CollectiveKind::CreateGroup, group, missing, .. } => {
                timeouts += 1;
                assert_eq!(group, "trio");
                assert_eq!(missing, &vec![2]);
                let msg = e.to_string();
                assert!(msg.contains("create_group on group trio (setup)"), "{msg}");
                assert!(msg.contains("rank 2 did not"), "{msg}");
            }
            CommError::Aborted { reason, .. } => assert!(reason.contains("rank 2 did not arrive"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(timeouts >= 1);
}

pub fn timeout_names_the_missing_rank<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let g = Group::new("dp[0..4]", vec![0, 1, 2, 3]);
    let start = Instant::now();
    // Rank 3 creates the group but never issues the collective; it stays alive.
    let out = run(make, 4, SHORT, |mut c| {
        let id = create(&mut c, &g);
        if c.rank() == 3 {
            thread::sleep(SHORT * 3);
            let mut d = vec![1.0; 8];
            return (Some(c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err()), None);
        }
        let mut d = vec![1.0; 8];
        (None, Some(c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err()))
    });
    let elapsed = start.elapsed();
    assert!(elapsed < BOUND, "took {elapsed:?}");
    let mut timeouts = 0;
    for e in out.iter().filter_map(|o| o.1.as_ref()) {
        let msg = e.to_string();
        match e {
            CommError::Timeout { op, group, seq, waited, arrived, missing, .. } => {
                timeouts += 1;
                assert_eq!(*op, CollectiveKind::AllReduce);
                assert_eq!(group, "dp[0..4]");
                assert_eq!(*seq, 0);
                assert!(*waited >= SHORT);
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
    assert!(matches!(&out[3].0, Some(CommError::Aborted { rank: 3, .. })), "{:?}", out[3].0);
}

pub fn recv_timeout<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let start = Instant::now();
    let errors = run(make, 2, SHORT, |mut c| {
        let world = create(&mut c, &Group::world(2));
        if c.rank() == 0 {
            let mut b = [0.0; 3];
            c.recv(1, 0, BufMut::F32(&mut b)).unwrap_err()
        } else {
            // Waits for rank 0, which waits for a message: rank 0's timeout (which starts first)
            // aborts this promptly.
            thread::sleep(Duration::from_millis(50));
            let mut d = [0.0; 3];
            c.broadcast(world, 0, BufMut::F32(&mut d)).unwrap_err()
        }
    });
    assert!(start.elapsed() < BOUND);
    match &errors[0] {
        CommError::RecvTimeout { rank: 0, peer: 1, elements: 3, waited } => {
            assert!(*waited >= SHORT);
            assert!(errors[0].to_string().contains("from rank 1"), "{}", errors[0]);
        }
        // On a loaded machine rank 1's own timeout can fire first; it names rank 0 as missing.
        CommError::Aborted { by: 1, reason, .. } => assert!(reason.contains("rank 0 did not arrive"), "{reason}"),
        other => panic!("unexpected {other:?}"),
    }
    // Rank 1 either timed out itself or was aborted by rank 0.
    assert!(matches!(errors[1], CommError::Aborted { by: 0, .. } | CommError::Timeout { .. }), "{:?}", errors[1]);
}

pub fn abort_reaches_everyone<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let start = Instant::now();
    let errors = run(&make, 3, LONG, |mut c| {
        // The pair first: once every rank has created the world, rank 0 may abort at any time.
        let pair = (c.rank() != 0).then(|| create(&mut c, &Group::new("pair", vec![1, 2])));
        let world = create(&mut c, &Group::world(3));
        if c.rank() == 0 {
            c.abort("the loss is NaN at step 7");
            let mut d = [0.0];
            vec![
                c.all_reduce(world, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err(),
                c.create_group("late", &[0, 1]).unwrap_err(),
            ]
        } else {
            // Blocked (rank 0 never joins), or entering after the abort: either way aborted.
            let mut d = [0.0];
            let blocked = c.all_reduce(world, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err();
            let pair = pair.unwrap_or_else(|| panic!("rank {} has no pair", c.rank()));
            let later = c.all_gather(pair, Buf::F32(&[0.0]), BufMut::F32(&mut [0.0; 2])).unwrap_err();
            let send = c.send(0, 0, Buf::F32(&[1.0])).unwrap_err();
            let recv = c.recv(0, 0, BufMut::F32(&mut d)).unwrap_err();
            vec![blocked, later, send, recv]
        }
    });
    assert!(start.elapsed() < BOUND);
    for (rank, es) in errors.iter().enumerate() {
        for e in es {
            match e {
                CommError::Aborted { rank: r, by: 0, reason, .. } => {
                    assert_eq!(*r, rank);
                    assert_eq!(reason, "the loss is NaN at step 7");
                }
                other => panic!("unexpected {other:?}"),
            }
            assert!(e.is_consequence());
            let msg = e.to_string();
            assert!(msg.contains("rank 0 aborted the mesh: the loss is NaN at step 7"), "{msg}");
        }
    }
    assert!(errors[1][0].to_string().contains("all_reduce on group world[0..3] (sequence 0)"));
    // The first abort wins.
    let comms = make(2, LONG);
    comms[1].abort("second");
    comms[0].abort("third");
    let out = run_on(comms, |mut c| {
        let e = c.create_group("w", &[0, 1]).unwrap_err();
        match e {
            CommError::Aborted { by, reason, .. } => (by, reason),
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(out, vec![(1, "second".to_string()); 2]);
}

pub fn invalid_groups_and_arguments<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let errors = run(make, 3, LONG, |mut c| {
        if c.rank() == 0 {
            return Vec::new();
        }
        let pair = create(&mut c, &Group::new("pair", vec![1, 2]));
        if c.rank() != 2 {
            return Vec::new();
        }
        let mut d = [0.0; 2];
        vec![
            c.create_group("tp[0..2]", &[0, 1]).unwrap_err(),
            c.create_group("dup", &[2, 2]).unwrap_err(),
            c.create_group("big", &[2, 3]).unwrap_err(),
            c.create_group("none", &[]).unwrap_err(),
            c.broadcast(pair, 2, BufMut::F32(&mut d)).unwrap_err(),
            c.all_gather(pair, Buf::F32(&[0.0; 2]), BufMut::F32(&mut d)).unwrap_err(),
            c.reduce_scatter(pair, ReduceOp::Sum, Buf::F32(&[0.0; 3]), BufMut::F32(&mut d)).unwrap_err(),
            c.all_to_all(pair, Buf::F32(&[0.0; 3]), BufMut::F32(&mut [0.0; 3])).unwrap_err(),
            c.all_gather(pair, Buf::F32(&[0.0]), BufMut::I32(&mut [0; 2])).unwrap_err(),
            c.send(3, 0, Buf::F32(&d)).unwrap_err(),
            c.all_reduce(GroupId::new(99), ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err(),
        ]
    });
    let es = &errors[2];
    match &es[0] {
        CommError::NotMember { op: CollectiveKind::CreateGroup, group, rank: 2, ranks } => {
            assert_eq!(group, "tp[0..2]");
            assert_eq!(ranks, &vec![0, 1]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(es[0].to_string().contains("rank 2 issued create_group on group tp[0..2], but it is not a member"));
    assert!(es[1].to_string().contains("lists rank 2 twice"), "{}", es[1]);
    assert!(es[2].to_string().contains("rank 3, outside the world 0..3"), "{}", es[2]);
    assert!(es[3].to_string().contains("has no ranks"), "{}", es[3]);
    for e in &es[1..4] {
        assert!(matches!(e, CommError::InvalidGroup { rank: 2, .. }), "{e:?}");
    }
    for e in &es[4..9] {
        assert!(matches!(e, CommError::InvalidArgument { rank: 2, .. }), "{e:?}");
    }
    assert!(es[4].to_string().contains("root 2"), "{}", es[4]);
    assert!(es[5].to_string().contains("2 × 2 = 4"), "{}", es[5]);
    assert!(es[8].to_string().contains("f32") && es[8].to_string().contains("i32"), "{}", es[8]);
    assert!(matches!(es[9], CommError::InvalidPeer { peer: 3, .. }));
    assert!(matches!(es[10], CommError::UnknownGroup { rank: 2, op: CollectiveKind::AllReduce, .. }), "{:?}", es[10]);
}

pub fn invalid_arguments_do_not_consume_a_sequence_number<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    run(make, 2, LONG, |mut c| {
        let g = create(&mut c, &Group::world(2));
        if c.rank() == 0 {
            c.all_gather(g, Buf::F32(&[1.0]), BufMut::F32(&mut [0.0; 3])).unwrap_err();
        }
        let mut d = [c.rank() as f32];
        c.all_reduce(g, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
        assert_eq!(d, [1.0]);
    });
}

pub fn disjoint_groups<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    let (tx, rx) = mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    let tx = std::sync::Mutex::new(tx);
    run(make, 4, LONG, |mut c| {
        let r = c.rank();
        let (lo, hi) = (Group::new("lo", vec![0, 1]), Group::new("hi", vec![2, 3]));
        match r {
            0 | 1 => {
                let lo = create(&mut c, &lo);
                for i in 0..500 {
                    let mut d = [i as f32 + r as f32];
                    c.all_reduce(lo, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
                    assert_eq!(d[0], 2.0 * i as f32 + 1.0);
                }
                if r == 0 {
                    tx.lock().unwrap_or_else(|e| e.into_inner()).send(()).unwrap();
                }
            }
            2 => {
                let hi = create(&mut c, &hi); // blocked until rank 3 creates it, after "lo" is done
                let mut d = [1.0];
                c.all_reduce(hi, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
                assert_eq!(d[0], 2.0);
            }
            _ => {
                rx.lock().unwrap_or_else(|e| e.into_inner()).recv().unwrap();
                let hi = create(&mut c, &hi);
                let mut d = [1.0];
                c.all_reduce(hi, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
            }
        }
    });
}

pub fn tp_dp_stress<C: Communicator>(make: impl Fn(usize, Duration) -> Vec<C>) {
    // 8 ranks as tp=4 × dp=2: tensor-parallel groups of consecutive ranks, data-parallel groups
    // of strided ranks, interleaved, many rounds of small tensors.
    const ROUNDS: usize = 300;
    let start = Instant::now();
    run(make, 8, LONG, |mut c| {
        let r = c.rank();
        let tp_base = r / 4 * 4;
        let tp = Group::new(format!("tp[{tp_base}..{}]", tp_base + 4), (tp_base..tp_base + 4).collect());
        let dp = Group::new(format!("dp[{}]", r % 4), vec![r % 4, r % 4 + 4]);
        let (tp_id, dp_id) = (create(&mut c, &tp), create(&mut c, &dp));
        for i in 0..ROUNDS {
            let mut d = input(r, i, 16);
            c.all_reduce(tp_id, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
            let ins: Vec<Vec<f32>> = tp.ranks.iter().map(|&q| input(q, i, 16)).collect();
            assert_eq!(bits(&d), bits(&reference_reduce(ReduceOp::Sum, &ins)));
            let mut g = vec![0.0; 32];
            c.all_gather(dp_id, Buf::F32(&d), BufMut::F32(&mut g)).unwrap();
            assert_eq!(bits(&g[16 * (r / 4)..16 * (r / 4) + 16]), bits(&d));
        }
        assert_eq!(c.stats().calls_of(CollectiveKind::AllReduce), ROUNDS as u64);
    });
    eprintln!("{} rounds of tp all_reduce + dp all_gather on 8 ranks: {:?}", ROUNDS, start.elapsed());
}
