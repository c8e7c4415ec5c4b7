//! The in-process communicator ([`parc_runtime::comm::LocalMesh`]): the conformance suite every
//! [`Communicator`] implementation passes (`conformance/`), then what is particular to running
//! every rank as a thread: bootstraps, abort handles, endpoints dropped early or by a panic.

mod conformance;

use std::thread;
use std::time::{Duration, Instant};

use conformance::{create, reference_reduce, run_on, BOUND, LONG};
use parc_runtime::comm::{
    Bootstrap, BootstrapSource, Buf, BufMut, CommError, Communicator, Group, LocalMesh, ReduceOp,
};

conformance_suite!(local, |world, timeout| LocalMesh::new(world, timeout));

#[test]
fn values_make_the_order_matter() {
    let inputs = vec![vec![1e8f32], vec![1.0], vec![-1e8]];
    let rev: Vec<Vec<f32>> = inputs.iter().rev().cloned().collect();
    assert_eq!(reference_reduce(ReduceOp::Sum, &inputs), vec![0.0]);
    assert_eq!(reference_reduce(ReduceOp::Sum, &rev), vec![0.0]);
    let other = vec![vec![1e8f32], vec![-1e8], vec![1.0]];
    assert_eq!(reference_reduce(ReduceOp::Sum, &other), vec![1.0]);
}

#[test]
fn the_mesh_hands_out_one_endpoint_per_bootstrap() {
    let mut mesh = LocalMesh::open(3, LONG);
    let boots = mesh.bootstraps();
    assert_eq!(boots.len(), 3);
    for (rank, b) in boots.iter().enumerate() {
        assert_eq!((b.rank(), b.world_size(), b.source()), (rank, 3, &BootstrapSource::InProcess));
    }
    let one = mesh.connect(&boots[1]).unwrap();
    assert_eq!((one.rank(), one.world_size()), (1, 3));
    let again = mesh.connect(&boots[1]).unwrap_err();
    assert!(matches!(&again, CommError::Bootstrap { .. }), "{again:?}");
    assert!(again.to_string().contains("rank 1 of the in-process mesh is already connected"), "{again}");
    let other = Bootstrap::new(0, 4, BootstrapSource::InProcess).unwrap();
    let e = mesh.connect(&other).unwrap_err();
    assert!(e.to_string().contains("does not belong to an in-process mesh of 3 ranks"), "{e}");
    let env = Bootstrap::new(0, 3, BootstrapSource::Env { rank_var: "RANK", size_var: "WORLD_SIZE" }).unwrap();
    assert!(matches!(mesh.connect(&env), Err(CommError::Bootstrap { .. })));
}

#[test]
fn bootstrap_from_the_environment() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_string())
    };
    assert_eq!(Bootstrap::from_vars(vars(&[])).unwrap(), None);
    let b =
        Bootstrap::from_vars(vars(&[("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "8")])).unwrap().unwrap();
    assert_eq!((b.rank(), b.world_size()), (3, 8));
    assert_eq!(
        b.source(),
        &BootstrapSource::Env { rank_var: "OMPI_COMM_WORLD_RANK", size_var: "OMPI_COMM_WORLD_SIZE" }
    );
    // parc's own variables win over a launcher's.
    let b =
        Bootstrap::from_vars(vars(&[("RANK", "1"), ("WORLD_SIZE", "2"), ("PARC_RANK", "0"), ("PARC_WORLD_SIZE", "4")]))
            .unwrap()
            .unwrap();
    assert_eq!((b.rank(), b.world_size()), (0, 4));
    let e = Bootstrap::from_vars(vars(&[("RANK", "1")])).unwrap_err();
    assert!(e.to_string().contains("RANK is set but WORLD_SIZE is not"), "{e}");
    let e = Bootstrap::from_vars(vars(&[("PMI_RANK", "x"), ("PMI_SIZE", "2")])).unwrap_err();
    assert!(e.to_string().contains("PMI_RANK=\"x\" is not a non-negative integer"), "{e}");
    let e = Bootstrap::from_vars(vars(&[("RANK", "2"), ("WORLD_SIZE", "2")])).unwrap_err();
    assert!(matches!(&e, CommError::Bootstrap { .. }), "{e:?}");
    assert!(
        e.to_string().contains("rank 2 from the environment (RANK, WORLD_SIZE) is not below the world size 2"),
        "{e}"
    );
}

#[test]
fn abort_handle_aborts_from_another_thread() {
    let mut comms = LocalMesh::new(2, LONG);
    let one = comms.pop().unwrap();
    let zero = comms.pop().unwrap(); // created the group, stays alive and never issues a collective
    let handle = zero.abort_handle();
    let start = Instant::now();
    let blocked = thread::spawn(move || {
        let mut one = one;
        let g = create(&mut one, &Group::world(2));
        one.all_reduce(g, ReduceOp::Max, BufMut::F32(&mut [0.0])).unwrap_err()
    });
    let mut zero = zero;
    create(&mut zero, &Group::world(2));
    handle.abort("stopped by the supervisor");
    let e = blocked.join().unwrap();
    assert!(start.elapsed() < BOUND);
    assert!(matches!(e, CommError::Aborted { rank: 1, by: 0, .. }), "{e:?}");
    assert_eq!(handle.aborted(), Some((0, "stopped by the supervisor")));
    assert_eq!(zero.aborted(), Some((0, "stopped by the supervisor")));
    drop(zero);
}

#[test]
fn exited_peer_fails_waiters_promptly() {
    let start = Instant::now();
    let comms = LocalMesh::new(3, LONG);
    let errors = run_on(comms, |mut c| {
        let world = create(&mut c, &Group::world(3));
        let pair = (c.rank() != 2).then(|| create(&mut c, &Group::new("pair", vec![0, 1])));
        let Some(pair) = pair else {
            return None; // rank 2 exits without issuing anything more
        };
        let mut d = [0.0];
        let coll = c.all_reduce(world, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err();
        let recv = c.recv(2, 0, BufMut::F32(&mut d)).unwrap_err();
        // A pair without rank 2 still works.
        c.all_reduce(pair, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap();
        Some((coll, recv))
    });
    assert!(start.elapsed() < BOUND);
    for (coll, recv) in errors.iter().flatten() {
        assert!(matches!(coll, CommError::PeerExited { peers, .. } if peers == &vec![2]), "{coll:?}");
        assert!(coll.to_string().contains("rank 2 exited"), "{coll}");
        assert!(coll.is_consequence());
        assert!(matches!(recv, CommError::PeerExited { .. }), "{recv:?}");
    }
    assert_eq!(errors.iter().flatten().count(), 2);
}

#[test]
fn a_rank_that_exits_before_group_setup_fails_the_setup() {
    let mut comms = LocalMesh::new(2, LONG);
    drop(comms.pop());
    let mut zero = comms.pop().unwrap();
    let e = zero.create_group("world", &[0, 1]).unwrap_err();
    assert!(matches!(&e, CommError::PeerExited { peers, .. } if peers == &vec![1]), "{e:?}");
    assert!(e.to_string().contains("create_group on group world (setup)"), "{e}");
}

#[test]
fn messages_sent_before_exit_are_still_received() {
    let mut comms = LocalMesh::new(2, LONG);
    let mut one = comms.pop().unwrap();
    one.send(0, 0, Buf::F32(&[4.0, 2.0])).unwrap();
    drop(one);
    let mut zero = comms.pop().unwrap();
    let mut b = [0.0; 2];
    zero.recv(1, 0, BufMut::F32(&mut b)).unwrap();
    assert_eq!(b, [4.0, 2.0]);
    assert!(matches!(zero.recv(1, 0, BufMut::F32(&mut b)), Err(CommError::PeerExited { .. })));
}

#[test]
fn a_panicking_rank_aborts_the_mesh() {
    let mut comms = LocalMesh::new(2, LONG);
    let doomed = comms.pop().unwrap();
    let mut zero = comms.pop().unwrap();
    let start = Instant::now();
    let h = thread::spawn(move || {
        let mut c = doomed;
        create(&mut c, &Group::world(2));
        panic!("kernel failed (intentional panic in a test)");
    });
    let g = create(&mut zero, &Group::world(2));
    let mut d = [0.0];
    let e = zero.all_reduce(g, ReduceOp::Sum, BufMut::F32(&mut d)).unwrap_err();
    assert!(h.join().is_err());
    assert!(start.elapsed() < BOUND);
    assert!(matches!(&e, CommError::Aborted { by: 1, reason, .. } if reason == "rank 1 panicked"), "{e:?}");
}

#[test]
fn short_timeouts_keep_failing_tests_fast() {
    // The suite's timeouts bound its wall time; a missing rank costs one short timeout.
    let start = Instant::now();
    let mut comms = LocalMesh::new(2, Duration::from_millis(50));
    let _silent = comms.pop();
    let mut zero = comms.pop().unwrap();
    let e = zero.create_group("w", &[0, 1]).unwrap_err();
    assert!(matches!(&e, CommError::Timeout { missing, .. } if missing == &vec![1]), "{e:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}
