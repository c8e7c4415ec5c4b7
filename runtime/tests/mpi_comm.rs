//! The MPI communicator ([`parc_runtime::comm::mpi::MpiComm`]) against the trait's contract, one
//! OS process per rank. The test `mpi_communicator_under_mpirun` starts this same test binary
//! under `mpirun -n 4`, where each process runs `rank_checks` as its rank; a failed check panics
//! in that process, which fails the job and so the test.
//!
//! What differs from the in-process mesh's suite (`conformance/`): MPI reduces in its own order,
//! so sums are checked on inputs whose sums are exact in any order, and the bitwise agreement of
//! all members on order-sensitive inputs is checked by gathering the results; and failures (a
//! timeout, an abort) end the whole job instead of returning errors, which tests/mpi.rs checks
//! through `parc-rt`.

#![cfg(feature = "mpi")]

mod conformance;
mod exchange;

use std::process::Command;
use std::time::Duration;

use conformance::{bits, groups, input, typed_input};
use parc_dialects::mesh::{Axis, GroupKind, Mesh};
use parc_dialects::types::DType;
use parc_runtime::comm::mpi::MpiRuntime;
use parc_runtime::comm::{
    bf16_to_f32, f32_to_bf16, Buf, BufMut, CollectiveKind, CommError, Communicator, Group, GroupId, Payload, ReduceOp,
};
use parc_runtime::cpu::exec::Executor;
use parc_runtime::rank::RankContext;

/// The environment variable that tells this binary it runs as a rank under mpirun.
const AS_RANK: &str = "PARC_MPI_COMM_TEST_RANK";
/// The directory where each rank leaves `rank-R.done` after its last check (the ranks' stdout
/// interleaves, so the harness summaries cannot be counted reliably).
const DONE_DIR: &str = "PARC_MPI_COMM_TEST_DONE";
const WORLD: usize = 4;

#[test]
fn mpi_communicator_under_mpirun() {
    if std::env::var_os(AS_RANK).is_some() {
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let done = std::env::temp_dir().join(format!("parc-mpi-comm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&done);
    std::fs::create_dir_all(&done).expect("a scratch directory");
    let output = Command::new("mpirun")
        .args(["--oversubscribe", "-n", &WORLD.to_string()])
        .arg(&exe)
        .args(["--exact", "rank_checks", "--nocapture", "--test-threads", "1"])
        .env(AS_RANK, "1")
        .env(DONE_DIR, &done)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run mpirun ({e}): install Open MPI (scripts/install-mpi.sh)"));
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the job failed:\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    // Every rank ran the checks to the end.
    let finished: Vec<usize> = (0..WORLD).filter(|r| done.join(format!("rank-{r}.done")).exists()).collect();
    let _ = std::fs::remove_dir_all(&done);
    assert_eq!(finished, (0..WORLD).collect::<Vec<_>>(), "ranks that finished\n{stdout}\n{stderr}");
}

/// Values whose sums are exact in f32 in any order (small integers), so MPI's order cannot show.
fn exact_input(rank: usize, salt: usize, len: usize) -> Vec<f32> {
    (0..len).map(|e| ((rank * 7 + salt * 5 + e * 3) % 23) as f32 - 11.0).collect()
}

fn create(c: &mut dyn Communicator, g: &Group) -> GroupId {
    c.create_group(&g.name, &g.ranks).unwrap_or_else(|e| panic!("rank {}: creating {}: {e}", c.rank(), g.name))
}

/// Every member's `mine` (f32), gathered on the group, to compare across members.
fn gather_all(c: &mut dyn Communicator, id: GroupId, n: usize, mine: &[f32]) -> Vec<Vec<f32>> {
    let mut all = vec![0.0f32; mine.len() * n];
    c.all_gather(id, Buf::F32(mine), BufMut::F32(&mut all)).unwrap();
    all.chunks(mine.len().max(1)).map(|c| c.to_vec()).collect()
}

#[test]
fn rank_checks() {
    if std::env::var_os(AS_RANK).is_none() {
        return;
    }
    let mut runtime = MpiRuntime::init().expect("MPI initializes");
    let mut comm = runtime.endpoint(Duration::from_secs(60)).expect("an endpoint");
    let c: &mut dyn Communicator = &mut comm;
    let (rank, n_world) = (c.rank(), c.world_size());
    assert_eq!(n_world, WORLD);
    let gs = groups(WORLD);
    // (salt, group, handle, my index); the salt is the group's index in `gs`, the same on every
    // member.
    let mine: Vec<(usize, &Group, GroupId, usize)> = gs
        .iter()
        .enumerate()
        .filter_map(|(gi, g)| g.index_of(rank).map(|me| (gi, g, me)))
        .map(|(gi, g, me)| (gi, g, create(c, g), me))
        .collect();
    let len = 10;
    let mut expected_bytes = std::collections::BTreeMap::<CollectiveKind, u64>::new();
    let mut expect = |k: CollectiveKind, b: u64| *expected_bytes.entry(k).or_default() += b;
    for &(salt, g, id, me) in &mine {
        let n = g.size();
        // all_reduce sum: exact inputs give the exact sum.
        let mut x = exact_input(rank, salt, len);
        c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut x)).unwrap();
        let want: Vec<f32> =
            (0..len).map(|e| g.ranks.iter().map(|&r| exact_input(r, salt, len)[e]).sum::<f32>()).collect();
        assert_eq!(x, want, "rank {rank}: all_reduce sum on {}", g.name);
        expect(CollectiveKind::AllReduce, CollectiveKind::AllReduce.ring_bytes(n, 4 * len as u64, false));
        // all_reduce on order-sensitive values: every member gets the same bits.
        let mut y = input(rank, salt, len);
        c.all_reduce(id, ReduceOp::Sum, BufMut::F32(&mut y)).unwrap();
        expect(CollectiveKind::AllReduce, CollectiveKind::AllReduce.ring_bytes(n, 4 * len as u64, false));
        let everyone = gather_all(c, id, n, &y);
        expect(CollectiveKind::AllGather, CollectiveKind::AllGather.ring_bytes(n, 4 * (len * n) as u64, false));
        for other in &everyone {
            assert_eq!(bits(other), bits(&y), "rank {rank}: members of {} disagree on a sum", g.name);
        }
        // max propagates NaN from any member.
        let mut m = exact_input(rank, salt, len);
        if me == n - 1 {
            m[3] = f32::NAN;
        }
        c.all_reduce(id, ReduceOp::Max, BufMut::F32(&mut m)).unwrap();
        expect(CollectiveKind::AllReduce, CollectiveKind::AllReduce.ring_bytes(n, 4 * len as u64, false));
        assert!(m[3].is_nan(), "rank {rank}: max on {} lost the NaN", g.name);
        let want_max =
            (0..len).map(|e| g.ranks.iter().map(|&r| exact_input(r, salt, len)[e]).fold(f32::NEG_INFINITY, f32::max));
        for (e, w) in want_max.enumerate().filter(|&(e, _)| e != 3) {
            assert_eq!(m[e], w, "rank {rank}: max on {} at {e}", g.name);
        }
        // bf16 sum: widened, summed in f32 (exact here), rounded once.
        let b: Vec<u16> = exact_input(rank, salt, len).into_iter().map(f32_to_bf16).collect();
        let mut bsum = b.clone();
        c.all_reduce(id, ReduceOp::Sum, BufMut::Bf16(&mut bsum)).unwrap();
        expect(CollectiveKind::AllReduce, CollectiveKind::AllReduce.ring_bytes(n, 2 * len as u64, false));
        let want_b: Vec<u16> = want.iter().map(|&v| f32_to_bf16(v)).collect();
        assert_eq!(bsum, want_b, "rank {rank}: bf16 sum on {}", g.name);
        assert!(bsum.iter().all(|&v| bf16_to_f32(v).is_finite()));
        // all_gather, all_to_all and broadcast of every type: exact copies.
        for dtype in [DType::F32, DType::BF16, DType::I32, DType::I64] {
            let send = typed_input(dtype, rank, salt, len);
            let mut recv = Payload::zeros(dtype, len * n);
            c.all_gather(id, send.as_buf(), recv.as_buf_mut()).unwrap();
            expect(
                CollectiveKind::AllGather,
                CollectiveKind::AllGather.ring_bytes(n, dtype.size_bytes() * (len * n) as u64, false),
            );
            for (i, &r) in g.ranks.iter().enumerate() {
                assert_eq!(
                    recv.slice(i * len..(i + 1) * len).bits(),
                    typed_input(dtype, r, salt, len).bits(),
                    "rank {rank}: all_gather {dtype:?} on {}, chunk {i}",
                    g.name
                );
            }
            let send = typed_input(dtype, rank, salt + 1, 2 * n);
            let mut recv = Payload::zeros(dtype, 2 * n);
            c.all_to_all(id, send.as_buf(), recv.as_buf_mut()).unwrap();
            expect(
                CollectiveKind::AllToAll,
                CollectiveKind::AllToAll.ring_bytes(n, dtype.size_bytes() * 2 * n as u64, false),
            );
            for (i, &r) in g.ranks.iter().enumerate() {
                let theirs = typed_input(dtype, r, salt + 1, 2 * n);
                assert_eq!(recv.slice(2 * i..2 * i + 2).bits(), theirs.slice(2 * me..2 * me + 2).bits(), "all_to_all");
            }
            let root = n - 1;
            let mut data =
                if me == root { typed_input(dtype, rank, salt + 2, len) } else { Payload::zeros(dtype, len) };
            c.broadcast(id, root, data.as_buf_mut()).unwrap();
            expect(
                CollectiveKind::Broadcast,
                CollectiveKind::Broadcast.ring_bytes(n, dtype.size_bytes() * len as u64, me == root),
            );
            assert_eq!(data.bits(), typed_input(dtype, g.ranks[root], salt + 2, len).bits(), "broadcast");
        }
        // reduce_scatter sum: member i gets chunk i of the exact sum.
        let send = exact_input(rank, salt + 3, 2 * n);
        let mut recv = vec![0.0f32; 2];
        c.reduce_scatter(id, ReduceOp::Sum, Buf::F32(&send), BufMut::F32(&mut recv)).unwrap();
        expect(CollectiveKind::ReduceScatter, CollectiveKind::ReduceScatter.ring_bytes(n, 4 * 2 * n as u64, false));
        let full: Vec<f32> =
            (0..2 * n).map(|e| g.ranks.iter().map(|&r| exact_input(r, salt + 3, 2 * n)[e]).sum::<f32>()).collect();
        assert_eq!(recv, full[2 * me..2 * me + 2], "rank {rank}: reduce_scatter on {}", g.name);

        // Local errors come back as errors, and the group stays usable.
        let mut ints = vec![1i32; 4];
        assert!(matches!(c.all_reduce(id, ReduceOp::Sum, BufMut::I32(&mut ints)), Err(CommError::Unsupported { .. })));
        let mut short = vec![0.0f32; len * n - 1];
        assert!(matches!(
            c.all_gather(id, Buf::F32(&x), BufMut::F32(&mut short)),
            Err(CommError::InvalidArgument { .. })
        ));
    }

    // A reduction larger than one MPI call's segment (1 Mi elements): every segment reduced.
    let (world_group, world_id, _) = (mine[0].1, mine[0].2, mine[0].3);
    let big_len = (1 << 20) + 12_345;
    let mut big = exact_input(rank, 99, big_len);
    c.all_reduce(world_id, ReduceOp::Sum, BufMut::F32(&mut big)).unwrap();
    expect(CollectiveKind::AllReduce, CollectiveKind::AllReduce.ring_bytes(WORLD, 4 * big_len as u64, false));
    let inputs: Vec<Vec<f32>> = world_group.ranks.iter().map(|&r| exact_input(r, 99, big_len)).collect();
    for e in [0, 1, (1 << 20) - 1, 1 << 20, big_len - 1] {
        assert_eq!(big[e], inputs.iter().map(|x| x[e]).sum::<f32>(), "rank {rank}: large all_reduce at {e}");
    }

    // Point to point: per-tag FIFO queues, independent of each other; sends never block.
    let (next, prev) = ((rank + 1) % WORLD, (rank + WORLD - 1) % WORLD);
    for k in 0..3 {
        c.send(next, 0, Buf::F32(&[rank as f32, k as f32])).unwrap();
    }
    c.send(next, 1, Buf::I64(&[rank as i64 * 10])).unwrap();
    expect(CollectiveKind::Send, 3 * 8 + 8);
    let mut tagged = [0i64];
    c.recv(prev, 1, BufMut::I64(&mut tagged)).unwrap();
    assert_eq!(tagged[0], prev as i64 * 10);
    for k in 0..3 {
        let mut got = [0.0f32; 2];
        c.recv(prev, 0, BufMut::F32(&mut got)).unwrap();
        assert_eq!(got, [prev as f32, k as f32], "rank {rank}: message {k} from {prev} out of order");
    }
    // A receive of the wrong size is an error naming both sizes; the message stays queued.
    c.send(next, 2, Buf::F32(&[1.0, 2.0, 3.0])).unwrap();
    expect(CollectiveKind::Send, 12);
    let mut wrong = [0.0f32; 2];
    match c.recv(prev, 2, BufMut::F32(&mut wrong)) {
        Err(CommError::RecvSizeMismatch { expected: 2, sent: 3, .. }) => {}
        other => panic!("rank {rank}: expected a size mismatch, got {other:?}"),
    }
    let mut right = [0.0f32; 3];
    c.recv(prev, 2, BufMut::F32(&mut right)).unwrap();
    assert_eq!(right, [1.0, 2.0, 3.0]);
    // Groups: not a member, invalid, unknown.
    let other = Group::new("not-mine", vec![(rank + 1) % WORLD]);
    assert!(matches!(c.create_group(&other.name, &other.ranks), Err(CommError::NotMember { .. })));
    assert!(matches!(c.create_group("dup", &[rank, rank]), Err(CommError::InvalidGroup { .. })));
    let mut z = [0.0f32];
    assert!(matches!(
        c.all_reduce(GroupId::new(999), ReduceOp::Sum, BufMut::F32(&mut z)),
        Err(CommError::UnknownGroup { .. })
    ));

    // The counters: exactly the ring bytes of every completed call.
    let stats = c.stats();
    for (kind, bytes) in &expected_bytes {
        assert_eq!(stats.bytes_of(*kind), *bytes, "rank {rank}: {kind} bytes");
    }
    assert_eq!(stats.calls_of(CollectiveKind::Send), 5);
    assert_eq!(stats.calls_of(CollectiveKind::Recv), 5);

    // exec.all_to_all through the CPU executor on the mesh dp=4,ep=2, over the ep group (ranks
    // {0,1}, {2,3}) and the edp group (ranks {0,2}, {1,3}) that the rank context creates on MPI:
    // f32 and bf16, along dim 0 and an inner dim, equal to the permutation of the definition.
    let mesh = Mesh::parse("dp=4,ep=2").unwrap();
    let mut ctx = Some(RankContext::new(mesh, Box::new(comm)).expect("the rank's groups"));
    for kind in [GroupKind::Axis(Axis::Ep), GroupKind::ExpertData] {
        for dtype in [DType::F32, DType::BF16] {
            for (shape, dim, attr) in [(vec![4, 3], 0, ""), (vec![3, 4, 2], 1, "dim = 1 : i64, ")] {
                let attrs = format!("axis = \"{kind}\", {attr}size = 2 : i64");
                let program = exchange::program(&mesh, &shape, dtype, "all_to_all", &attrs, &shape);
                let mut exec = Executor::with_rank(&program, 1, ctx.take().unwrap()).unwrap();
                let out = exchange::run_rank(&mut exec, rank, dtype).unwrap_or_else(|e| panic!("rank {rank}: {e}"));
                let want = exchange::expected(&mesh, kind, rank, &shape, dim, dtype);
                assert_eq!(out, want, "rank {rank}: exec.all_to_all {dtype:?} {shape:?} on {kind}");
                ctx = exec.rank.take();
            }
        }
    }
    drop(ctx);
    drop(runtime);
    let done = std::env::var_os(DONE_DIR).expect("the parent names the directory");
    std::fs::write(std::path::Path::new(&done).join(format!("rank-{rank}.done")), b"ok\n").expect("the marker");
}
