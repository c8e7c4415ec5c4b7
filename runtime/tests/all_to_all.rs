//! `exec.all_to_all` through the CPU executor on an in-process mesh: small hand-written rank
//! programs (one instruction between two persistent tensors) run on every rank of meshes with
//! 2, 4 and 8 members in the exchanging group, on the ep and the edp group, for f32 and bf16,
//! along dim 0 and along inner dims. The result is compared element by element with the
//! permutation computed from the definition in exchange/mod.rs (chunk j of member i's input is
//! chunk i of member j's output). A rank whose buffer has another size, or that issues another
//! collective, makes every rank fail with the communicator's mismatch error instead of hanging.

mod exchange;

use std::time::Duration;

use exchange::{expected, input, program, run_rank, NoData};

use parc_dialects::mesh::{GroupKind, Mesh};
use parc_dialects::types::DType;
use parc_runtime::comm::{CommError, Communicator, LocalMesh};
use parc_runtime::cpu::exec::{ExecError, Executor};
use parc_runtime::program::Program;
use parc_runtime::rank::RankContext;

/// Runs `programs[r]` on rank `r` of `mesh` with `input(r)` in `x`; returns each rank's `y` as
/// bit patterns, or its error.
fn run(mesh: Mesh, programs: &[Program], dtype: DType) -> Vec<Result<Vec<u32>, ExecError>> {
    let world = mesh.world_size();
    let mut local = LocalMesh::open(world, Duration::from_secs(20));
    let comms: Vec<_> = local.bootstraps().iter().map(|b| local.connect(b).unwrap()).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = comms
            .into_iter()
            .map(|comm| {
                scope.spawn(move || {
                    let rank = comm.rank();
                    let program = &programs[rank];
                    let ctx = RankContext::new(mesh, Box::new(comm)).unwrap();
                    let mut exec = Executor::with_rank(program, 1, ctx).unwrap();
                    run_rank(&mut exec, rank, dtype)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn all_to_all_permutes_chunks_exactly_on_2_4_and_8_members() {
    // (mesh, group, group size): the exchanging group has 2, 4 or 8 members; other axes around it.
    let cases = [
        ("dp=2,ep=2", GroupKind::Axis(parc_dialects::mesh::Axis::Ep), 2),
        ("dp=4,tp=2,ep=4", GroupKind::Axis(parc_dialects::mesh::Axis::Ep), 4),
        ("dp=8,ep=8", GroupKind::Axis(parc_dialects::mesh::Axis::Ep), 8),
        ("dp=8,ep=2", GroupKind::ExpertData, 4),
        ("dp=4,pp=2,ep=2", GroupKind::ExpertData, 2),
    ];
    for (text, kind, n) in cases {
        let mesh = Mesh::parse(text).unwrap();
        assert_eq!(mesh.group_size(kind), n);
        // (shape, dim attribute, normalized dim)
        let shapes: [(Vec<usize>, Option<i64>, usize); 4] = [
            (vec![n * 2, 3], None, 0),
            (vec![n, 5], Some(0), 0),
            (vec![2, n * 3, 2], Some(1), 1),
            (vec![3, n * 2], Some(-1), 1),
        ];
        for dtype in [DType::F32, DType::BF16] {
            for (shape, dim_attr, dim) in &shapes {
                let dim_text = dim_attr.map(|d| format!("dim = {d} : i64, ")).unwrap_or_default();
                let attrs = format!("axis = \"{kind}\", {dim_text}size = {n} : i64");
                let p = program(&mesh, shape, dtype, "all_to_all", &attrs, shape);
                let programs: Vec<Program> = (0..mesh.world_size()).map(|_| p.clone()).collect();
                let outs = run(mesh, &programs, dtype);
                for (rank, out) in outs.into_iter().enumerate() {
                    let out = out.unwrap_or_else(|e| panic!("{text} {kind} {dtype:?} {shape:?}: rank {rank}: {e}"));
                    let want = expected(&mesh, kind, rank, shape, *dim, dtype);
                    assert_eq!(out, want, "{text} {kind} {dtype:?} {shape:?} dim {dim}: rank {rank}");
                    if n > 1 {
                        // Not the identity: data really moved.
                        assert_ne!(out, input(rank, out.len(), dtype), "{text}: rank {rank}");
                    }
                }
            }
        }
    }
}

#[test]
fn every_chunk_lands_in_the_chunk_of_its_sender() {
    let mesh = Mesh::parse("dp=4,ep=4").unwrap();
    let attrs = "axis = \"ep\", dim = 1 : i64, size = 4 : i64";
    let shape = [3, 8];
    let mut text_programs = Vec::new();
    for _ in 0..mesh.world_size() {
        text_programs.push(program(&mesh, &shape, DType::F32, "all_to_all", attrs, &shape));
    }
    let once = run(mesh, &text_programs, DType::F32);
    // Feed each rank's output back in by hand: the exchange of the exchange is the input.
    for (rank, out) in once.iter().enumerate() {
        let out = out.as_ref().unwrap();
        let members = mesh.group(rank, GroupKind::Axis(parc_dialects::mesh::Axis::Ep));
        let me = members.iter().position(|&m| m == rank).unwrap();
        for (i, &peer) in members.iter().enumerate() {
            let theirs = once[peer].as_ref().unwrap();
            let mine = input(rank, out.len(), DType::F32);
            for o in 0..3 {
                for r in 0..2 {
                    // Chunk me of peer's output came from my chunk i.
                    assert_eq!(theirs[o * 8 + me * 2 + r], mine[o * 8 + i * 2 + r], "rank {rank} peer {peer}");
                }
            }
        }
    }
}

fn mismatch(errors: Vec<Result<Vec<u32>, ExecError>>, expect: &[&str]) {
    for (rank, e) in errors.into_iter().enumerate() {
        let e = e.expect_err("a mismatched all_to_all must fail");
        let ExecError::Comm { error, .. } = &e else { panic!("rank {rank}: expected a communication error, got {e}") };
        assert!(matches!(**error, CommError::Mismatch { .. }), "rank {rank}: {error:?}");
        let msg = e.to_string();
        for part in expect {
            assert!(msg.contains(part), "rank {rank}: {msg} lacks {part:?}");
        }
    }
}

#[test]
fn mismatched_sizes_and_collectives_fail_every_rank_instead_of_hanging() {
    let mesh = Mesh::parse("dp=2,ep=2").unwrap();
    let attrs = "axis = \"ep\", size = 2 : i64";
    let start = std::time::Instant::now();
    // Rank 1 exchanges 6 elements, rank 0 eight.
    let programs = vec![
        program(&mesh, &[4, 2], DType::F32, "all_to_all", attrs, &[4, 2]),
        program(&mesh, &[2, 3], DType::F32, "all_to_all", attrs, &[2, 3]),
    ];
    mismatch(
        run(mesh, &programs, DType::F32),
        &["collective mismatch on group ep[ranks 0,1]", "all_to_all(8 elements)", "all_to_all(6 elements)"],
    );
    // Rank 1 all-gathers where rank 0 exchanges.
    let programs = vec![
        program(&mesh, &[4, 2], DType::F32, "all_to_all", attrs, &[4, 2]),
        program(&mesh, &[2, 2], DType::F32, "all_gather", "axis = \"ep\", dim = 0 : i64, size = 2 : i64", &[4, 2]),
    ];
    mismatch(
        run(mesh, &programs, DType::F32),
        &["collective mismatch", "f32 all_to_all(8 elements)", "f32 all_gather(4 elements per member)"],
    );
    // Element types: f32 against bf16 of the same length.
    let programs = vec![
        program(&mesh, &[4, 2], DType::F32, "all_to_all", attrs, &[4, 2]),
        program(&mesh, &[4, 2], DType::BF16, "all_to_all", attrs, &[4, 2]),
    ];
    let mut local = LocalMesh::open(2, Duration::from_secs(20));
    let comms: Vec<_> = local.bootstraps().iter().map(|b| local.connect(b).unwrap()).collect();
    let errors: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = comms
            .into_iter()
            .map(|comm| {
                let programs = &programs;
                scope.spawn(move || {
                    let rank = comm.rank();
                    let ctx = RankContext::new(mesh, Box::new(comm)).unwrap();
                    let mut exec = Executor::with_rank(&programs[rank], 1, ctx).unwrap();
                    let step = programs[rank].function("train_step").unwrap();
                    exec.run(step, &mut NoData).unwrap_err().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for e in errors {
        assert!(e.contains("f32 all_to_all(8 elements)") && e.contains("bf16 all_to_all(8 elements)"), "{e}");
    }
    // Found at the first call, not after the 20 s timeout.
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
}

#[test]
fn a_group_size_that_is_not_the_meshs_is_an_error_not_a_panic() {
    // The program was written for a 3-member group (its 3 rows along dim 0 verify), but the
    // mesh's ep group has 2 members: the executor refuses the split.
    let mesh = Mesh::parse("dp=2,ep=2").unwrap();
    let q = program(&mesh, &[3, 4], DType::F32, "all_to_all", "axis = \"ep\", dim = 0 : i64, size = 3 : i64", &[3, 4]);
    let outs = run(mesh, &[q.clone(), q], DType::F32);
    for out in outs {
        let e = out.expect_err("3 rows do not split over 2 members").to_string();
        assert!(e.contains("dim 0 of the input has 3 rows"), "{e}");
        assert!(e.contains("group's 2 members"), "{e}");
    }
}

#[test]
fn shard_slice_on_edp_takes_the_block_of_the_ranks_edp_index() {
    // dp=8, ep=2: the edp groups are dp {0,2,4,6} and {1,3,5,7}; rank r's index is r / 2. A
    // 2x8 input split along dim 1 into 4 blocks of 2 columns.
    let mesh = Mesh::parse("dp=8,ep=2").unwrap();
    let p =
        program(&mesh, &[2, 8], DType::F32, "shard_slice", "axis = \"edp\", dim = 1 : i64, size = 4 : i64", &[2, 2]);
    let programs: Vec<Program> = (0..mesh.world_size()).map(|_| p.clone()).collect();
    for (rank, out) in run(mesh, &programs, DType::F32).into_iter().enumerate() {
        let out = out.unwrap_or_else(|e| panic!("rank {rank}: {e}"));
        let x = input(rank, 16, DType::F32);
        let block = rank / 2;
        let want: Vec<u32> =
            (0..2).flat_map(|row| (0..2).map(move |c| row * 8 + block * 2 + c)).map(|i| x[i]).collect();
        assert_eq!(out, want, "rank {rank}");
    }
}
