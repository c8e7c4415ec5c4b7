//! One OS process per rank under Open MPI (the `mpi` feature): `mpirun -n N parc-rt OUT` against
//! `parc launch OUT` (every rank a thread of one process) on the same compiled plan. For each
//! plan the losses and the saved parameters must agree within 1e-6, every rank's communication
//! counters must equal the plan's communication report exactly, and a second mpirun run must be
//! bitwise identical to the first. Then the failures: a job of the wrong size, a rank killed with
//! SIGKILL, a rank that stops answering (the timeout), bad flags on one rank — each must end the
//! whole job, non-zero, quickly, and say why.
//!
//! The test command (scripts/test.sh) installs Open MPI; with the feature on and no `mpirun`, the
//! tests fail rather than skip.

#![cfg(feature = "mpi")]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, fresh_dir, parc_rt, read_safetensors, run_parc, Run};
use serde_json::Value;

/// `mpirun` with what every job here needs: more processes than cores (CI has 2), and root
/// allowed (CI runs as root).
fn mpirun() -> Command {
    let mut cmd = Command::new("mpirun");
    cmd.arg("--oversubscribe")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs `mpirun -n N parc-rt ARGS` to the end.
fn run_job(n: usize, args: &[&str], cwd: &Path) -> Run {
    let output = mpirun()
        .arg("-n")
        .arg(n.to_string())
        .arg(parc_rt())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run mpirun ({e}): install Open MPI (scripts/install-mpi.sh)"));
    Run::from(output)
}

/// The JSON objects of a run's stdout, each checked to be an object.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}\n{run:?}")))
        .collect()
}

/// The per-step losses of a `--json` run (the lines with a "step"), in order.
fn losses(run: &Run) -> Vec<f32> {
    let steps: Vec<Value> = json_lines(run).into_iter().filter(|v| v.get("step").is_some()).collect();
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["step"].as_u64(), Some(i as u64 + 1), "steps out of order: {steps:?}");
    }
    steps.iter().map(|s| s["loss"].as_f64().expect("a finite loss") as f32).collect()
}

/// The rank summaries of a parc-rt `--json` run, by rank.
fn summaries(run: &Run) -> BTreeMap<u64, Value> {
    json_lines(run).into_iter().filter(|v| v.get("rank").is_some()).map(|v| (v["rank"].as_u64().unwrap(), v)).collect()
}

/// `parc inspect OUT --rank R --comm --json`: bytes and calls per step, summed per collective.
fn planned_comm(out: &Path, rank: u64) -> BTreeMap<String, (u64, u64)> {
    let run = run_parc(&["inspect", &out.display().to_string(), "--rank", &rank.to_string(), "--comm", "--json"], out);
    run.assert_success();
    let report: Value = serde_json::from_str(&run.stdout).expect("inspect --json is JSON");
    let mut per_kind: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in report["communication"].as_array().expect("a communication list") {
        let entry = per_kind.entry(e["collective"].as_str().unwrap().to_string()).or_default();
        entry.0 += e["bytes_sent"].as_u64().unwrap();
        entry.1 += e["calls"].as_u64().unwrap();
    }
    per_kind
}

/// Compiles `model` with `flags` into `dir/out`.
fn compile(dir: &Path, model: &str, flags: &[&str]) -> PathBuf {
    let mut args = vec!["compile".to_string(), example(model).display().to_string(), "-o".into(), "out".into()];
    args.extend(flags.iter().map(|s| s.to_string()));
    run_parc(&args, dir).assert_success();
    dir.join("out")
}

/// The largest |a - b| / max(1, |a|) over two equally long lists.
fn max_rel_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).abs() / (x.abs() as f64).max(1.0)).fold(0.0, f64::max)
}

const STEPS: usize = 4;

/// The whole comparison for one plan (see the module documentation); `twice`: run mpirun again
/// and compare bits; `resume`: then train both again from the saved weights on a token file.
fn mpi_equals_threads(name: &str, model: &str, flags: &[&str], world: usize, twice: bool, resume: bool) {
    let dir = fresh_dir("mpi", name);
    let out = compile(&dir, model, flags);
    let o = out.display().to_string();
    let steps = STEPS.to_string();
    let threads = run_parc(&["launch", &o, "--steps", &steps, "--json", "--save", "threads.safetensors"], &dir);
    threads.assert_success();
    let job = |save: &str| run_job(world, &[&o, "--steps", &steps, "--json", "--threads", "1", "--save", save], &dir);
    let mpi = job("mpi.safetensors");
    mpi.assert_success();

    // Losses and final parameters within 1e-6 of the in-process run.
    let (lt, lm) = (losses(&threads), losses(&mpi));
    assert_eq!(lm.len(), STEPS, "{name}: rank 0 prints one line per step:\n{}", mpi.stdout);
    assert!(max_rel_diff(&lt, &lm) <= 1e-6, "{name}: losses differ: threads {lt:?}, mpirun {lm:?}");
    let (pt, pm) = (read_safetensors(&dir.join("threads.safetensors")), read_safetensors(&dir.join("mpi.safetensors")));
    assert_eq!(pt.keys().collect::<Vec<_>>(), pm.keys().collect::<Vec<_>>(), "{name}: the saved tensors differ");
    for (tensor, (dtype, shape, values)) in &pt {
        let (dtype_m, shape_m, values_m) = &pm[tensor];
        assert_eq!((dtype, shape), (dtype_m, shape_m), "{name}: {tensor}");
        let d = max_rel_diff(values, values_m);
        assert!(d <= 1e-6, "{name}: parameter {tensor} differs by {d:e} between threads and processes");
    }

    // Every rank's counters equal the plan's report, step by step.
    let ranks = summaries(&mpi);
    assert_eq!(ranks.len(), world, "{name}: one summary per rank:\n{}", mpi.stdout);
    for (rank, summary) in &ranks {
        let planned = planned_comm(&out, *rank);
        let measured: BTreeMap<String, (u64, u64)> = summary["comm"]
            .as_object()
            .unwrap()
            .iter()
            // Receives send nothing; the report lists what a rank sends.
            .filter(|(k, _)| k.as_str() != "recv")
            .map(|(k, v)| (k.clone(), (v["bytes"].as_u64().unwrap(), v["calls"].as_u64().unwrap())))
            .collect();
        let per_run: BTreeMap<String, (u64, u64)> =
            planned.iter().map(|(k, &(b, c))| (k.clone(), (b * STEPS as u64, c * STEPS as u64))).collect();
        assert_eq!(measured, per_run, "{name}: rank {rank}'s counters (left) against the plan × {STEPS} steps (right)");
        let rss = summary["peak_rss_bytes"].as_u64().expect("Linux reports the peak RSS");
        let arena = summary["arena_bytes"].as_u64().unwrap();
        assert!(rss > arena, "{name}: rank {rank}: peak RSS {rss} below its arena {arena}?");
    }

    // Resuming from the saved weights on a token file: each rank reads its own pieces of --init
    // and its own samples of --data.
    if resume {
        let tokens: Vec<u8> = (0..20_000u32).flat_map(|i| ((i * 7 + i / 13) % 128).to_le_bytes()).collect();
        std::fs::write(dir.join("tokens.bin"), tokens).unwrap();
        let more = ["--steps", &steps, "--json", "--init", "threads.safetensors", "--data", "tokens.bin"];
        let threads2 =
            run_parc(&[&["launch", o.as_str()][..], &more[..], &["--save", "threads2.safetensors"]].concat(), &dir);
        threads2.assert_success();
        let mpi2 = run_job(
            world,
            &[&[o.as_str()][..], &more[..], &["--threads", "1", "--save", "mpi2.safetensors"]].concat(),
            &dir,
        );
        mpi2.assert_success();
        let (lt2, lm2) = (losses(&threads2), losses(&mpi2));
        assert!(max_rel_diff(&lt2, &lm2) <= 1e-6, "{name}: resumed losses differ: threads {lt2:?}, mpirun {lm2:?}");
        let (a, b) =
            (read_safetensors(&dir.join("threads2.safetensors")), read_safetensors(&dir.join("mpi2.safetensors")));
        for (tensor, (_, _, values)) in &a {
            let d = max_rel_diff(values, &b[tensor].2);
            assert!(d <= 1e-6, "{name}: resumed parameter {tensor} differs by {d:e}");
        }
    }

    if twice {
        let again = job("mpi-again.safetensors");
        again.assert_success();
        let bits = |l: &[f32]| l.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&losses(&again)), bits(&lm), "{name}: two mpirun runs differ");
        let (a, b) = (
            std::fs::read(dir.join("mpi.safetensors")).unwrap(),
            std::fs::read(dir.join("mpi-again.safetensors")).unwrap(),
        );
        assert!(a == b, "{name}: two mpirun runs saved different bytes");
    }
}

#[test]
fn gpt_tiny_dp2_tp2_processes_equal_threads() {
    mpi_equals_threads("gpt_dp2_tp2", "gpt-tiny", &["--mesh", "dp=2,tp=2"], 4, false, false);
}

#[test]
fn llama_tiny_dp2_tp2_processes_equal_threads() {
    mpi_equals_threads("llama_dp2_tp2", "llama-tiny", &["--mesh", "dp=2,tp=2"], 4, false, true);
}

#[test]
fn llama_tiny_bf16_zero1_processes_equal_threads() {
    // bf16 parameters and activations, fp32 master copies in ZeRO-1 chunks: each process
    // initializes, saves and (resuming) reads its own chunk of every master copy.
    mpi_equals_threads(
        "llama_bf16_zero1",
        "llama-tiny",
        &["--mesh", "dp=2,tp=2", "--zero", "1", "--precision", "bf16"],
        4,
        false,
        true,
    );
}

#[test]
fn gpt_tiny_2x2x2_1f1b_processes_equal_threads_and_repeat_bitwise() {
    mpi_equals_threads("gpt_2x2x2_1f1b", "gpt-tiny", &["--mesh", "2x2x2", "--schedule", "1f1b"], 8, true, false);
}

#[test]
fn gpt_tiny_dp2_pp2_zb_h1_zero3_processes_equal_threads() {
    mpi_equals_threads(
        "gpt_dp2_pp2_zbh1_zero3",
        "gpt-tiny",
        &["--mesh", "dp=2,pp=2", "--schedule", "zb-h1", "--zero", "3"],
        4,
        false,
        true,
    );
}

#[test]
fn moe_tiny_dp4_ep2_zero1_processes_equal_threads_and_resume() {
    // Expert parallelism: all_to_all over the ep groups, expert gradients over edp, each process
    // saving and reading its own experts' ZeRO chunks.
    mpi_equals_threads("moe_dp4_ep2_zero1", "moe-tiny", &["--mesh", "dp=4,ep=2", "--zero", "1"], 4, false, true);
}

// ---- failures -----------------------------------------------------------------------------------

#[test]
fn a_job_of_the_wrong_size_is_refused_by_every_rank_naming_both_numbers() {
    let dir = fresh_dir("mpi", "wrong_size");
    let out = compile(&dir, "gpt-tiny", &["--mesh", "dp=2,tp=2"]);
    let run = run_job(2, &[&out.display().to_string(), "--steps", "2"], &dir);
    run.assert_code(2);
    for rank in 0..2 {
        let line = format!("error: rank {rank}: this job has 2 processes");
        assert!(run.stderr.contains(&line), "no '{line}' in:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("is a plan for 4 ranks (mesh dp=2,pp=1,tp=2)"), "{}", run.stderr);
    assert!(run.stderr.contains("mpirun -n 4"), "{}", run.stderr);
}

#[test]
fn under_mpirun_the_rank_comes_from_mpi_not_from_flags() {
    let dir = fresh_dir("mpi", "rank_flag");
    let out = compile(&dir, "gpt-tiny", &["--mesh", "dp=2"]);
    let run = run_job(2, &[&out.display().to_string(), "--rank", "1"], &dir);
    run.assert_code(2);
    assert!(run.stderr.contains("leave out --rank"), "{}", run.stderr);
}

/// A job started in the background, with its output collected by threads.
struct Job {
    child: std::process::Child,
    stdout: std::sync::mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    /// The output path, unique to the test: the processes' command lines name it.
    out: String,
}

impl Job {
    fn start(n: usize, out: &Path, extra: &[&str], dir: &Path) -> Job {
        let o = out.display().to_string();
        let mut child = mpirun()
            .arg("-n")
            .arg(n.to_string())
            .arg(parc_rt())
            .arg(&o)
            .args(["--steps", "100000", "--json", "--threads", "1"])
            .args(extra)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mpirun starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
            s
        });
        Job { child, stdout: rx, stderr, out: o }
    }

    /// Waits until rank 0 has reported `steps` steps (the job is training).
    fn wait_for_steps(&self, steps: usize) {
        for _ in 0..steps {
            self.stdout.recv_timeout(Duration::from_secs(120)).expect("the job reports steps");
        }
    }

    /// The pid of the process of `rank` (read from the processes' environments).
    fn pid_of(&self, rank: usize) -> u32 {
        let want = format!("OMPI_COMM_WORLD_RANK={rank}");
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if !String::from_utf8_lossy(&cmdline).contains(&self.out)
                || !String::from_utf8_lossy(&cmdline).contains("parc-rt")
            {
                continue;
            }
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            if environ.split(|&b| b == 0).any(|v| v == want.as_bytes()) {
                return pid;
            }
        }
        panic!("no parc-rt process of rank {rank} for {}", self.out);
    }

    /// Waits at most `limit` for the job to end: its exit code (None: a signal), the time it
    /// took, and its stderr.
    fn wait(mut self, limit: Duration) -> (Option<i32>, Duration, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), start.elapsed(), self.stderr.join().unwrap());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the job did not end within {limit:?}:\n{}", self.stderr.join().unwrap());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success(), "kill -{sig} {pid}");
}

#[test]
fn a_killed_rank_ends_the_job_within_30_s_and_is_named() {
    let dir = fresh_dir("mpi", "killed");
    let out = compile(&dir, "gpt-tiny", &["--mesh", "dp=2,tp=2"]);
    let job = Job::start(4, &out, &[], &dir);
    job.wait_for_steps(2);
    signal(job.pid_of(2), "KILL");
    let (code, took, stderr) = job.wait(Duration::from_secs(30));
    assert_ne!(code, Some(0), "{stderr}");
    assert!(took < Duration::from_secs(30));
    assert!(stderr.contains("rank 2") && stderr.contains("signal 9"), "the dead rank is not named:\n{stderr}");
}

#[test]
fn a_rank_that_stops_answering_times_out_naming_the_call_group_position_and_rank() {
    let dir = fresh_dir("mpi", "timeout");
    let out = compile(&dir, "gpt-tiny", &["--mesh", "dp=2,tp=2"]);
    let job = Job::start(4, &out, &["--timeout", "3"], &dir);
    job.wait_for_steps(2);
    let stopped = job.pid_of(3);
    signal(stopped, "STOP");
    let (code, took, stderr) = job.wait(Duration::from_secs(60));
    // The stopped process may outlive the job: make sure it goes.
    let _ = Command::new("kill").args(["-KILL", &stopped.to_string()]).status();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let line =
        stderr.lines().find(|l| l.contains("timed out")).unwrap_or_else(|| panic!("no timeout message:\n{stderr}"));
    // e.g. "error: rank 2 timed out: all_reduce on group tp[ranks 2,3] at @train_step #41 waited 3.0 s"
    assert!(line.starts_with("error: rank "), "{line}");
    assert!(line.contains(" on group ") && line.contains("[ranks "), "no group in: {line}");
    assert!(line.contains(" at @") && line.contains(" #"), "no program position in: {line}");
    assert!(line.contains("(--timeout)"), "{line}");
}

#[test]
fn bad_flags_on_one_rank_end_the_job() {
    let dir = fresh_dir("mpi", "bad_flags");
    let out = compile(&dir, "gpt-tiny", &["--mesh", "dp=2,tp=2"]);
    let o = out.display().to_string();
    let start = Instant::now();
    // MPMD: rank 0 gets a flag it refuses, ranks 1-3 good ones.
    let output = mpirun()
        .args(["-n", "1"])
        .arg(parc_rt())
        .args([o.as_str(), "--steps", "0"])
        .arg(":")
        .args(["-n", "3"])
        .arg(parc_rt())
        .args([o.as_str(), "--steps", "5"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--steps 0"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(60));
}

// ---- two hosts ----------------------------------------------------------------------------------

#[test]
fn one_job_across_two_hosts_over_a_veth_link_equals_threads() {
    let dir = fresh_dir("mpi", "two_hosts");
    let out = compile(&dir, "llama-tiny", &["--mesh", "dp=2,tp=2"]);
    let o = out.display().to_string();
    let steps = STEPS.to_string();
    let threads = run_parc(&["launch", &o, "--steps", &steps, "--json"], &dir);
    threads.assert_success();
    let script = common::repo_root().join("scripts/mpi-two-hosts.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("2")
        .arg(parc_rt())
        .args([o.as_str(), "--steps", &steps, "--json", "--threads", "1"])
        .current_dir(&dir)
        .output()
        .expect("bash runs");
    let run = Run::from(output);
    if run.code == Some(77) {
        eprintln!("two-host test not run: {}", run.stderr.trim());
        return;
    }
    run.assert_success();
    let (lt, lm) = (losses(&threads), losses(&run));
    assert!(max_rel_diff(&lt, &lm) <= 1e-6, "losses differ: threads {lt:?}, two hosts {lm:?}");
    let ranks = summaries(&run);
    assert_eq!(ranks.len(), 4);
    for (rank, s) in &ranks {
        let host = s["host"].as_str().unwrap();
        let want = if *rank < 2 { "parc-h1-" } else { "parc-h2-" };
        assert!(host.starts_with(want), "rank {rank} ran on {host}, expected {want}*");
    }
}

#[test]
fn a_rank_whose_arena_cannot_fit_is_refused_before_allocating() {
    let dir = fresh_dir("mpi", "too_large");
    // llama-tiny with one very wide layer: about 10.7 G parameters, 90 GiB per rank on tp=2, beyond
    // any test machine, in a program that loads in a moment.
    let tiny = std::fs::read_to_string(example("llama-tiny")).unwrap();
    let wide = tiny
        .replace("hidden = 64", "hidden = 32768")
        .replace("layers = 2", "layers = 1")
        .replace("heads = 4", "heads = 256")
        .replace("kv_heads = 2", "kv_heads = 256")
        .replace("ffn = 176", "ffn = 65536");
    std::fs::write(dir.join("wide.toml"), wide).unwrap();
    run_parc(&["compile", "wide.toml", "--mesh", "1x1x2", "-o", "out"], &dir).assert_success();
    let run = run_job(2, &["out", "--steps", "1"], &dir);
    run.assert_code(2);
    assert!(
        run.stderr.contains("its arena: ") && run.stderr.contains(" needed, but this machine has"),
        "{}",
        run.stderr
    );
}

#[test]
fn processes_checkpoint_and_resume_like_threads() {
    // Every rank process writes its part of each checkpoint; the job resumes from one (also on
    // another process count: the checkpoint holds global tensors) with the losses of the
    // uninterrupted in-process run.
    let dir = fresh_dir("mpi", "checkpoint");
    let out = compile(&dir, "llama-tiny", &["--mesh", "dp=2,tp=2", "--zero", "1"]);
    let o = out.display().to_string();
    let whole = run_parc(&["launch", &o, "--steps", "4", "--json"], &dir);
    whole.assert_success();
    let first = run_job(
        4,
        &[&o, "--steps", "2", "--json", "--threads", "1", "--checkpoint-every", "2", "--checkpoint-dir", "ckpt"],
        &dir,
    );
    first.assert_success();
    assert!(dir.join("ckpt/step-2/checkpoint.json").is_file(), "{first:?}");
    let rest = run_job(4, &[&o, "--steps", "4", "--json", "--threads", "1", "--resume", "ckpt/step-2"], &dir);
    rest.assert_success();
    // The steps of a run that may start after step 1.
    let losses_from = |run: &Run| -> Vec<f32> {
        json_lines(run).iter().filter(|v| v.get("step").is_some()).map(|v| v["loss"].as_f64().unwrap() as f32).collect()
    };
    let (w, r) = (losses(&whole), losses_from(&rest));
    assert_eq!(r.len(), 2, "{rest:?}");
    assert!(max_rel_diff(&w[2..], &r) <= 1e-6, "threads {w:?}, resumed processes {r:?}");
    // The same checkpoint on one process of a one-rank plan.
    std::fs::create_dir_all(dir.join("one")).unwrap();
    let single = compile(&dir.join("one"), "llama-tiny", &["--mesh", "1x1x1"]);
    let run = run_job(1, &[&single.display().to_string(), "--steps", "4", "--json", "--resume", "ckpt/step-2"], &dir);
    run.assert_success();
    assert!(max_rel_diff(&w[2..], &losses_from(&run)) <= 1e-5, "one process: {:?}", losses_from(&run));
}
