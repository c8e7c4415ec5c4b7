//! End-to-end tests of training through the binaries: `parc launch` (from a model file or a
//! compiled OUT/), `parc run`, the lean `parc-rt`, and `parc inspect`. They check the numbers the
//! runs print — one JSON line per step, losses that start at ln(vocab) and fall, bitwise-identical
//! losses across entry points, seeds and thread counts — the weight files they save (read here with
//! a safetensors reader of our own, not the runtime's), token files of both widths, the memory
//! report against plan.json, and that every bad input exits with code 2 and a message that says
//! what to do. Outputs stay under target/tmp/launch/ (CI runs mlir-opt over the `*.mlir` there).
//!
//! `parc-rt` belongs to the parc-runtime package, so cargo does not build it for this package's
//! tests (`cargo test -p parc`), and a copy left by an older build could be stale: [`parc_rt`] runs
//! `cargo build -p parc-runtime --bin parc-rt` once, with the profile, target and target directory
//! of the `parc` binary under test. When it is up to date that takes a fraction of a second, as
//! under `cargo test --workspace` (what CI runs), which builds parc-rt before running any test
//! because parc-runtime has integration tests of its own.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{example, fresh_dir, read, read_safetensors, run_parc, run_rt, Run};
use parc_compiler::models::param_names;
use parc_runtime::data::TokenData;
use serde_json::Value;

/// The vocabulary, sequence length and global batch of both tiny models (examples/*-tiny.toml).
const VOCAB: usize = 128;
const SEQ_LEN: usize = 32;
const GLOBAL_BATCH: usize = 8;

/// The loss of a uniform guess over the vocabulary, where a fresh model starts.
fn uniform_loss() -> f32 {
    (VOCAB as f32).ln()
}

// ---- running the binaries ---------------------------------------------------------------------

/// A path as a command-line argument.
fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// examples/gpt-tiny.toml compiled for one rank into launch/compiled/out (once per test process;
/// tests only read it).
fn gpt_tiny_out() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = fresh_dir("launch", "compiled");
        run_parc(&["compile", &arg(&example("gpt-tiny")), "-o", "out"], &dir).assert_success();
        dir.join("out")
    })
}

// ---- the per-step JSON lines --------------------------------------------------------------------

/// One line of `--json` output.
#[derive(Debug)]
struct Step {
    step: u64,
    loss: f32,
    tokens_per_s: f64,
}

/// The raw text of the number under `"key":` in a flat JSON object line.
fn raw_number<'a>(line: &'a str, key: &str) -> &'a str {
    let pattern = format!("\"{key}\":");
    let start = line.find(&pattern).unwrap_or_else(|| panic!("no {key} in {line}")) + pattern.len();
    let rest = &line[start..];
    rest[..rest.find([',', '}']).unwrap_or(rest.len())].trim()
}

/// The steps of a successful `--json` run, checking that stdout holds nothing else: every line is
/// an object with exactly the keys step, loss and tokens_per_s, steps count 1, 2, … in order,
/// losses are finite and throughputs positive.
fn json_steps(run: &Run) -> Vec<Step> {
    run.assert_success();
    let mut steps = Vec::new();
    for (i, line) in run.stdout.lines().enumerate() {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("stdout line {} is not JSON ({e}): {line}", i + 1));
        let keys: BTreeSet<&str> =
            value.as_object().unwrap_or_else(|| panic!("not an object: {line}")).keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["loss", "step", "tokens_per_s"]), "line {}: {line}", i + 1);
        // The loss is parsed from its own text (the shortest decimal that round-trips an f32), so
        // comparing losses compares the runtime's f32 bits.
        let step = Step {
            step: value["step"].as_u64().unwrap_or_else(|| panic!("step is not an integer: {line}")),
            loss: raw_number(line, "loss").parse().unwrap_or_else(|e| panic!("loss is not an f32 ({e}): {line}")),
            tokens_per_s: value["tokens_per_s"].as_f64().unwrap_or_else(|| panic!("tokens_per_s: {line}")),
        };
        assert_eq!(step.step, i as u64 + 1, "steps out of order: {line}");
        assert!(step.loss.is_finite(), "loss is not finite: {line}");
        assert!(step.tokens_per_s > 0.0, "tokens_per_s is not positive: {line}");
        steps.push(step);
    }
    steps
}

/// The losses' bits, for bitwise comparison.
fn loss_bits(steps: &[Step]) -> Vec<u32> {
    steps.iter().map(|s| s.loss.to_bits()).collect()
}

fn losses(steps: &[Step]) -> Vec<f32> {
    steps.iter().map(|s| s.loss).collect()
}

/// The first step at which two loss sequences differ, for failure messages.
fn first_difference(a: &[Step], b: &[Step]) -> String {
    match a.iter().zip(b).find(|(x, y)| x.loss.to_bits() != y.loss.to_bits()) {
        Some((x, y)) => format!("first difference at step {}: {} vs {}", x.step, x.loss, y.loss),
        None => format!("{} vs {} steps", a.len(), b.len()),
    }
}

/// Checks that a fresh model's `steps` start near ln(vocab) and that the mean of the last 5 is
/// below the first.
fn assert_learns(name: &str, steps: &[Step]) {
    let first = steps[0].loss;
    assert!((first - uniform_loss()).abs() < 0.3, "{name}: first loss {first}, expected about ln(128)");
    let tail = &steps[steps.len() - 5..];
    let last = tail.iter().map(|s| s.loss).sum::<f32>() / 5.0;
    assert!(last < first, "{name}: the loss did not fall: {first} -> {last}; {:?}", losses(steps));
}

// ---- training -----------------------------------------------------------------------------------

#[test]
fn gpt_tiny_prints_one_json_line_per_step_and_learns() {
    let dir = fresh_dir("launch", "gpt_tiny_json");
    let run = run_parc(&["launch", &arg(&example("gpt-tiny")), "--steps", "30", "--json"], &dir);
    let steps = json_steps(&run);
    assert_eq!(steps.len(), 30, "stdout:\n{}", run.stdout);
    assert_learns("gpt-tiny", &steps);
    // With --json, stderr carries no progress lines either (nothing at all on success).
    assert!(run.stderr.is_empty(), "stderr:\n{}", run.stderr);
}

#[test]
fn llama_tiny_learns_and_every_entry_point_gives_the_same_losses() {
    let dir = fresh_dir("launch", "llama_tiny_entry_points");
    let model = arg(&example("llama-tiny"));
    let thirty = json_steps(&run_parc(&["launch", &model, "--steps", "30", "--json"], &dir));
    assert_eq!(thirty.len(), 30);
    assert_learns("llama-tiny", &thirty);

    run_parc(&["compile", &model, "-o", "out"], &dir).assert_success();
    let ten = ["--steps", "10", "--json"];
    let from_model = json_steps(&run_parc(&[&["launch", model.as_str()][..], &ten].concat(), &dir));
    let runs = [
        ("parc launch OUT", json_steps(&run_parc(&[&["launch", "out"][..], &ten].concat(), &dir))),
        ("parc-rt OUT", json_steps(&run_rt(&[&["out"][..], &ten].concat(), &dir))),
        ("parc run OUT --rank 0", json_steps(&run_parc(&[&["run", "out", "--rank", "0"][..], &ten].concat(), &dir))),
    ];
    assert_eq!(from_model.len(), 10);
    for (what, steps) in &runs {
        assert_eq!(
            loss_bits(steps),
            loss_bits(&from_model),
            "{what} differs from parc launch MODEL.toml: {}",
            first_difference(steps, &from_model)
        );
    }
    // The learning rate follows the model's schedule, not --steps: the 10-step run is a prefix.
    assert_eq!(loss_bits(&from_model), loss_bits(&thirty[..10]), "{}", first_difference(&from_model, &thirty));
}

#[test]
fn runs_are_deterministic_the_seed_matters_and_the_thread_count_does_not() {
    let dir = fresh_dir("launch", "determinism");
    // Four steps: the first loss checks the forward pass, the later ones gradients and updates.
    let launch = |model: &str, steps: &str, threads: &str| {
        json_steps(&run_parc(&["launch", model, "--steps", steps, "--json", "--threads", threads], &dir))
    };
    let (gpt, llama) = (arg(&example("gpt-tiny")), arg(&example("llama-tiny")));
    let reference = launch(&gpt, "4", "2");
    assert_eq!(reference.len(), 4);
    let again = launch(&gpt, "4", "2");
    assert_eq!(loss_bits(&again), loss_bits(&reference), "two runs differ: {}", first_difference(&again, &reference));
    let llama_reference = launch(&llama, "4", "2");
    for (name, model, reference) in [("gpt-tiny", &gpt, &reference), ("llama-tiny", &llama, &llama_reference)] {
        for threads in ["1", "3"] {
            let other = launch(model, "4", threads);
            assert_eq!(
                loss_bits(&other),
                loss_bits(reference),
                "{name}: --threads {threads} differs from --threads 2: {}",
                first_difference(&other, reference)
            );
        }
    }
    // Another seed gives other weights and other data, so the comparisons above are not vacuous.
    let text = read(&example("gpt-tiny"));
    assert!(text.contains("seed = 1234"), "examples/gpt-tiny.toml no longer has seed = 1234");
    std::fs::write(dir.join("seed99.toml"), text.replace("seed = 1234", "seed = 99")).expect("write seed99.toml");
    let seeded = launch("seed99.toml", "1", "2");
    assert!((seeded[0].loss - uniform_loss()).abs() < 0.3, "seed 99: first loss {}", seeded[0].loss);
    assert_ne!(seeded[0].loss.to_bits(), reference[0].loss.to_bits(), "the seed changed nothing");
}

// ---- weights ------------------------------------------------------------------------------------

/// Writes an F32 safetensors file of zero-filled tensors (name, shape), for the bad-input cases.
fn write_safetensors(path: &Path, tensors: &[(&str, Vec<usize>)]) {
    let mut header = serde_json::Map::new();
    let mut at = 0;
    for (name, shape) in tensors {
        let len = 4 * shape.iter().product::<usize>();
        header.insert(
            name.to_string(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [at, at + len]}),
        );
        at += len;
    }
    let mut header = serde_json::to_vec(&Value::Object(header)).expect("serializes");
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.resize(bytes.len() + at, 0);
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The parameter names and shapes of examples/NAME.toml, from the compiler's model library.
fn model_params(name: &str) -> BTreeMap<String, Vec<usize>> {
    let spec = parc_compiler::load_model(&arg(&example(name))).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    param_names(&spec.model).into_iter().map(|p| (p.name, p.shape)).collect()
}

#[test]
fn saved_weights_hold_the_model_parameters_reload_and_are_reproducible() {
    let dir = fresh_dir("launch", "save_init");
    let model = arg(&example("gpt-tiny"));
    let train =
        |save: &str| json_steps(&run_parc(&["launch", &model, "--steps", "10", "--json", "--save", save], &dir));
    let (a, b) = (train("a.safetensors"), train("b.safetensors"));
    assert_eq!(loss_bits(&a), loss_bits(&b), "{}", first_difference(&a, &b));
    let bytes = std::fs::read(dir.join("a.safetensors")).expect("a.safetensors");
    assert!(bytes == std::fs::read(dir.join("b.safetensors")).expect("b.safetensors"), "two saves differ");

    let tensors = read_safetensors(&dir.join("a.safetensors"));
    let expected = model_params("gpt-tiny");
    let found: BTreeMap<String, Vec<usize>> = tensors.iter().map(|(n, (_, s, _))| (n.clone(), s.clone())).collect();
    assert_eq!(found, expected, "the saved tensors are not the model's parameters");
    let plan: Value = serde_json::from_str(&read(&gpt_tiny_out().join("plan.json"))).expect("plan.json");
    assert_eq!(plan["parameters"]["tensors"].as_u64(), Some(expected.len() as u64));
    let count: usize = found.values().map(|s| s.iter().product::<usize>()).sum();
    assert_eq!(plan["parameters"]["count"].as_u64(), Some(count as u64));
    for (name, (dtype, _, values)) in &tensors {
        assert_eq!(dtype, "F32", "{name}");
        assert!(values.iter().all(|v| v.is_finite()), "{name} holds a non-finite value");
    }

    // The trained weights start lower than the fresh model, whose first loss is a's first.
    let resumed = json_steps(&run_parc(&["launch", &model, "--init", "a.safetensors", "--steps", "1", "--json"], &dir));
    assert_eq!(resumed.len(), 1);
    assert!(
        resumed[0].loss < a[0].loss - 0.1,
        "--init a.safetensors: first loss {}, the fresh model's {} (after 10 steps: {})",
        resumed[0].loss,
        a[0].loss,
        a[9].loss
    );
}

// ---- token files --------------------------------------------------------------------------------

/// `n` samples of SEQ_LEN + 1 tokens, each an arithmetic sequence mod VOCAB with its own start
/// and a stride of 1 to 3.
fn arithmetic_tokens(n: usize) -> Vec<u32> {
    (0..n)
        .flat_map(|k| {
            let (start, stride) = ((k * 37 + 5) % VOCAB, 1 + k % 3);
            (0..=SEQ_LEN).map(move |t| ((start + t * stride) % VOCAB) as u32)
        })
        .collect()
}

fn write_u16(path: &Path, tokens: &[u32]) {
    let bytes: Vec<u8> = tokens.iter().flat_map(|&t| u16::try_from(t).expect("fits in u16").to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn write_u32(path: &Path, tokens: &[u32]) {
    let bytes: Vec<u8> = tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

#[test]
fn token_files_of_both_widths_agree() {
    let dir = fresh_dir("launch", "data_widths");
    // 6 steps' worth of samples, so the 10 steps wrap around the file.
    let tokens = arithmetic_tokens(6 * GLOBAL_BATCH);
    write_u16(&dir.join("tokens.u16"), &tokens);
    write_u32(&dir.join("tokens.u32"), &tokens);
    let model = arg(&example("gpt-tiny"));
    let train = |file: &str, dtype: &str| {
        let args = ["launch", &model, "--steps", "10", "--json", "--data", file, "--data-dtype", dtype];
        json_steps(&run_parc(&args, &dir))
    };
    let (narrow, wide) = (train("tokens.u16", "u16"), train("tokens.u32", "u32"));
    assert_eq!(narrow.len(), 10);
    assert!((narrow[0].loss - uniform_loss()).abs() < 0.3, "first loss {}", narrow[0].loss);
    assert_eq!(loss_bits(&narrow), loss_bits(&wide), "u16 and u32 files differ: {}", first_difference(&narrow, &wide));
    let tail = narrow[5..].iter().map(|s| s.loss).sum::<f32>() / 5.0;
    assert!(tail < narrow[0].loss, "the loss did not fall on the file: {:?}", losses(&narrow));
}

/// The synthetic stream and a token file holding the same samples feed the same batches (the data
/// layout of runtime/src/data.rs), so they give bitwise-identical losses; a file of other tokens
/// does not.
#[test]
fn a_token_file_of_the_synthetic_samples_matches_the_synthetic_run() {
    let dir = fresh_dir("launch", "data_synthetic");
    let steps = 5;
    let synthetic = TokenData::synthetic(1234, SEQ_LEN, VOCAB);
    let mut tokens = Vec::new();
    let (mut inputs, mut labels) = (vec![0; SEQ_LEN], vec![0; SEQ_LEN]);
    for k in 0..steps * GLOBAL_BATCH {
        // Step k of a batch of one sample is sample k.
        synthetic.microbatch(k as u64, 0, 1, 1, 1, 0, &mut inputs, &mut labels).expect("synthetic sample");
        tokens.extend(inputs.iter().map(|&t| t as u32));
        tokens.push(labels[SEQ_LEN - 1] as u32);
    }
    write_u16(&dir.join("synthetic.u16"), &tokens);
    write_u16(&dir.join("other.u16"), &arithmetic_tokens(steps * GLOBAL_BATCH));
    let model = arg(&example("gpt-tiny"));
    let n = steps.to_string();
    let from_stream = json_steps(&run_parc(&["launch", &model, "--steps", &n, "--json"], &dir));
    let file = |name: &str| {
        let args = ["launch", &model, "--steps", &n, "--json", "--data", name, "--data-dtype", "u16"];
        json_steps(&run_parc(&args, &dir))
    };
    let from_file = file("synthetic.u16");
    assert_eq!(loss_bits(&from_file), loss_bits(&from_stream), "{}", first_difference(&from_file, &from_stream));
    let other = file("other.u16");
    assert_ne!(other[0].loss.to_bits(), from_stream[0].loss.to_bits(), "--data was ignored");
}

// ---- inspect ------------------------------------------------------------------------------------

/// The memory categories of plan.json's `programs.memory`, in the order `parc inspect` prints them.
const MEMORY_KEYS: [&str; 9] = parc_compiler::plan::MemorySummary::CATEGORIES;

#[test]
fn inspect_reports_the_functions_and_the_planned_memory() {
    let out = gpt_tiny_out();
    let cwd = out.parent().expect("parent");
    let plan: Value = serde_json::from_str(&read(&out.join("plan.json"))).expect("plan.json");
    let memory = plan["programs"]["memory"].as_object().expect("programs.memory");
    let keys: BTreeSet<&str> = memory.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(MEMORY_KEYS), "plan.json's memory categories changed");
    let planned = |key: &str| memory[key].as_u64().unwrap_or_else(|| panic!("programs.memory.{key}"));
    // The peak holds every persistent tensor and the largest set of live transient ones.
    let persistent: u64 = MEMORY_KEYS[..5].iter().map(|k| planned(k)).sum();
    assert!(planned("peak") >= persistent + planned("transient"), "{memory:?}");

    // Text: one line per function, then `  KEY  BYTES bytes  HUMAN` per category.
    let run = run_parc(&["inspect", "out", "--memory"], cwd);
    run.assert_success();
    let mut functions = Vec::new();
    let mut printed = BTreeMap::new();
    for line in run.stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            [name, n, "instructions"] if name.starts_with('@') => {
                functions.push((name[1..].to_string(), n.parse::<u64>().expect("a count")))
            }
            [key, bytes, "bytes", ..] if MEMORY_KEYS.contains(&key) => {
                assert!(printed.insert(key, bytes.parse::<u64>().expect("bytes")).is_none(), "{key} twice")
            }
            _ => {}
        }
    }
    let names: Vec<&str> = functions.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["train_step", "forward_backward", "optimizer_step"], "stdout:\n{}", run.stdout);
    assert!(functions.iter().all(|(_, n)| *n > 0), "{functions:?}");
    assert_eq!(printed.len(), MEMORY_KEYS.len(), "stdout:\n{}", run.stdout);
    for (key, bytes) in &printed {
        assert_eq!(*bytes, planned(key), "{key}");
    }
    let arena = format!("the arena the runtime allocates: {} bytes", planned("peak"));
    assert!(run.stdout.contains(&arena), "no `{arena}` in:\n{}", run.stdout);

    // JSON: the same numbers.
    let run = run_parc(&["inspect", "out", "--json"], cwd);
    run.assert_success();
    let report: Value = serde_json::from_str(&run.stdout).expect("inspect --json prints JSON");
    assert_eq!(report["program"]["arena_bytes"].as_u64(), Some(planned("peak")));
    assert_eq!(&report["memory"], &plan["programs"]["memory"]);
    assert_eq!(report["program"]["file"], "rank-0000.mlir");
    let listed: Vec<(String, u64)> = report["program"]["functions"]
        .as_array()
        .expect("program.functions")
        .iter()
        .map(|f| (f["name"].as_str().expect("name").to_string(), f["instructions"].as_u64().expect("count")))
        .collect();
    assert_eq!(listed, functions);
    let by_kind: u64 = report["program"]["instructions_by_kind"]
        .as_object()
        .expect("instructions_by_kind")
        .values()
        .map(|n| n.as_u64().expect("count"))
        .sum();
    assert_eq!(by_kind, functions.iter().map(|(_, n)| n).sum::<u64>());
    assert!(report["note"].is_null(), "{}", report["note"]);
}

#[test]
fn inspect_of_a_pipeline_compile_names_each_ranks_stage_program() {
    let dir = fresh_dir("launch", "inspect_multi_rank");
    run_parc(&["compile", &arg(&example("gpt-tiny")), "--mesh", "2x2x2", "-o", "out"], &dir).assert_success();
    let plan: Value = serde_json::from_str(&read(&dir.join("out/plan.json"))).expect("plan.json");
    assert_eq!(plan["programs"]["generated"], true);
    assert_eq!(plan["programs"]["files"], serde_json::json!(["stage-0.mlir", "stage-1.mlir"]));
    // rank = (pp_idx · dp + dp_idx) · tp + tp_idx: ranks 0-3 are stage 0, ranks 4-7 stage 1.
    for (rank, file) in [(0, "stage-0.mlir"), (3, "stage-0.mlir"), (5, "stage-1.mlir")] {
        let run = run_parc(&["inspect", "out", "--rank", &rank.to_string(), "--memory", "--comm"], &dir);
        run.assert_success();
        assert!(run.stdout.contains(&format!("runs {file}")), "rank {rank}:\n{}", run.stdout);
        assert!(run.stdout.contains("(8 ranks)"), "stdout:\n{}", run.stdout);
    }
    let run = run_parc(&["inspect", "out", "--rank", "6", "--json"], &dir);
    run.assert_success();
    let report: Value = serde_json::from_str(&run.stdout).expect("inspect --json prints JSON");
    assert!(report["program"]["instructions_by_kind"]["exec.send"].as_u64().unwrap_or(0) > 0, "{}", report["program"]);
    assert_eq!(report["mesh"]["world_size"], 8);
}

// ---- bad inputs ---------------------------------------------------------------------------------

/// Which binary a bad-input case runs.
#[derive(Clone, Copy, Debug)]
enum Bin {
    Parc,
    ParcRt,
}

/// Runs `BIN ARGS` in a fresh directory launch/bad-CASE/ after `setup` has written its files
/// there, and checks that it exits with code 2, prints nothing on stdout, does not panic, and
/// says every string of `expect` on stderr.
fn check(case: &str, bin: Bin, setup: impl FnOnce(&Path), args: &[&str], expect: &[&str]) {
    let dir = fresh_dir("launch", &format!("bad-{case}"));
    setup(&dir);
    let run = match bin {
        Bin::Parc => run_parc(args, &dir),
        Bin::ParcRt => run_rt(args, &dir),
    };
    let context = format!("case {case}: {bin:?} {}\n--- stderr ---\n{}", args.join(" "), run.stderr);
    assert!(!run.stderr.contains("panicked"), "it panicked; {context}");
    assert!(!run.stderr.contains("RUST_BACKTRACE"), "it panicked; {context}");
    assert_eq!(run.code, Some(2), "wrong exit code; {context}");
    assert!(run.stdout.is_empty(), "stdout is not empty; {context}\n--- stdout ---\n{}", run.stdout);
    for needle in expect {
        assert!(run.stderr.contains(needle), "stderr lacks `{needle}`; {context}");
    }
}

fn nothing(_: &Path) {}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
}

/// gpt-tiny compiled for one rank (shared, read-only).
fn one_rank() -> String {
    arg(gpt_tiny_out())
}

/// gpt-tiny compiled for 8 ranks, in the case's directory as `out8` (no rank programs).
/// A compiled directory whose programs are gone (only plan.json and the dumps are left).
fn compile_8_ranks(dir: &Path) {
    run_parc(&["compile", &arg(&example("gpt-tiny")), "--mesh", "2x2x2", "-o", "out8"], dir).assert_success();
    for s in 0..2 {
        std::fs::remove_file(dir.join(format!("out8/stage-{s}.mlir"))).expect("remove a stage program");
    }
}

#[test]
fn bad_launch_mesh_on_a_model_file() {
    let model = arg(&example("gpt-tiny"));
    check(
        "launch_mesh",
        Bin::Parc,
        nothing,
        &["launch", &model, "--mesh", "1x4x1", "--steps", "1"],
        &["pp = 4", "layers"],
    );
}

#[test]
fn bad_run_rank_out_of_range() {
    let out = one_rank();
    check(
        "run_rank",
        Bin::Parc,
        nothing,
        &["run", &out, "--rank", "3", "--steps", "1"],
        &["has no program for rank 3", "ranks 0 to 0"],
    );
    check("rt_rank", Bin::ParcRt, nothing, &[&out, "--rank", "3", "--steps", "1"], &["has no program for rank 3"]);
    check("inspect_rank", Bin::Parc, nothing, &["inspect", &out, "--rank", "1"], &["has no program for rank 1"]);
}

#[test]
fn bad_launch_of_a_directory_without_rank_programs() {
    let help = "no rank programs";
    check(
        "launch_no_programs",
        Bin::Parc,
        compile_8_ranks,
        &["launch", "out8", "--steps", "1"],
        &["out8 has no program for rank 0", help],
    );
    check(
        "run_no_programs",
        Bin::Parc,
        compile_8_ranks,
        &["run", "out8", "--steps", "1"],
        &["out8 has no program for rank 0", help],
    );
    check(
        "rt_no_programs",
        Bin::ParcRt,
        compile_8_ranks,
        &["out8", "--steps", "1"],
        &["out8 has no program for rank 0", help],
    );
}

#[test]
fn bad_zero_steps() {
    let model = arg(&example("gpt-tiny"));
    let expect = ["--steps 0", "at least one step"];
    check("launch_steps0", Bin::Parc, nothing, &["launch", &model, "--steps", "0"], &expect);
    check("run_steps0", Bin::Parc, nothing, &["run", &one_rank(), "--steps", "0"], &expect);
}

/// `parc-rt` shares `parc run`'s flags and should reject `--steps 0` the same way.
#[test]
fn bad_zero_steps_in_parc_rt() {
    check("rt_steps0", Bin::ParcRt, nothing, &[&one_rank(), "--steps", "0"], &["--steps 0", "at least one step"]);
}

#[test]
fn bad_zero_threads() {
    let model = arg(&example("gpt-tiny"));
    let expect = ["--threads 0", "use --threads 1 or more"];
    check("launch_threads0", Bin::Parc, nothing, &["launch", &model, "--steps", "1", "--threads", "0"], &expect);
    check("rt_threads0", Bin::ParcRt, nothing, &[&one_rank(), "--steps", "1", "--threads", "0"], &expect);
}

#[test]
fn bad_data_dtype() {
    let model = arg(&example("gpt-tiny"));
    check(
        "launch_dtype",
        Bin::Parc,
        nothing,
        &["launch", &model, "--steps", "1", "--data-dtype", "u8"],
        &["--data-dtype u8", "use u16 or u32"],
    );
    // parc-rt lets clap check the value: same exit code, clap's wording.
    check(
        "rt_dtype",
        Bin::ParcRt,
        nothing,
        &[&one_rank(), "--steps", "1", "--data-dtype", "u8"],
        &["'u8'", "--data-dtype", "u16, u32"],
    );
}

#[test]
fn bad_data_missing_file() {
    let model = arg(&example("gpt-tiny"));
    let expect = ["cannot read token file", "no-such-tokens.bin"];
    check(
        "launch_data_missing",
        Bin::Parc,
        nothing,
        &["launch", &model, "--steps", "1", "--data", "no-such-tokens.bin"],
        &expect,
    );
    check(
        "rt_data_missing",
        Bin::ParcRt,
        nothing,
        &[&one_rank(), "--steps", "1", "--data", "no-such-tokens.bin"],
        &expect,
    );
}

#[test]
fn bad_data_token_out_of_vocabulary() {
    let model = arg(&example("gpt-tiny"));
    let setup = |dir: &Path| {
        let mut tokens = arithmetic_tokens(2 * GLOBAL_BATCH);
        tokens[50] = 128;
        tokens[70] = 300;
        write_u16(&dir.join("tokens.u16"), &tokens);
    };
    check(
        "data_out_of_vocab",
        Bin::Parc,
        setup,
        &["launch", &model, "--steps", "1", "--data", "tokens.u16", "--data-dtype", "u16"],
        &["token 50 of tokens.u16 has id 128", "vocabulary of 128 tokens", "token width"],
    );
}

#[test]
fn bad_data_ragged_u16_file() {
    let model = arg(&example("gpt-tiny"));
    let tokens = arithmetic_tokens(GLOBAL_BATCH);
    let setup = |dir: &Path| {
        let mut bytes: Vec<u8> = tokens.iter().flat_map(|&t| (t as u16).to_le_bytes()).collect();
        bytes.push(7);
        write(dir, "tokens.u16", &bytes);
    };
    let bytes = 2 * tokens.len() + 1;
    check(
        "data_ragged",
        Bin::Parc,
        setup,
        &["launch", &model, "--steps", "1", "--data", "tokens.u16", "--data-dtype", "u16"],
        &[&format!("has {bytes} bytes"), "not a multiple of 2 bytes per u16 token", "--data-dtype"],
    );
}

#[test]
fn bad_data_shorter_than_one_sample() {
    let model = arg(&example("gpt-tiny"));
    check(
        "data_short",
        Bin::Parc,
        |dir| write_u16(&dir.join("tokens.u16"), &[1, 2, 3, 4, 5]),
        &["launch", &model, "--steps", "1", "--data", "tokens.u16", "--data-dtype", "u16"],
        &["has 5 tokens", "seq_len + 1 = 33"],
    );
}

#[test]
fn bad_init_with_other_parameters() {
    let model = arg(&example("gpt-tiny"));
    // The model's parameters less one, with one misshapen, plus one it does not have.
    let setup = |dir: &Path| {
        let mut tensors: Vec<(String, Vec<usize>)> = model_params("gpt-tiny")
            .into_iter()
            .filter(|(name, _)| name != "layers.1.mlp.down.weight")
            .map(|(name, shape)| if name == "embed.tokens.weight" { (name, vec![128, 32]) } else { (name, shape) })
            .collect();
        tensors.push(("lm_head.weight".to_string(), vec![64, 128]));
        let tensors: Vec<(&str, Vec<usize>)> = tensors.iter().map(|(n, s)| (n.as_str(), s.clone())).collect();
        write_safetensors(&dir.join("other.safetensors"), &tensors);
    };
    let expect = [
        "1 missing, 1 unexpected, 1 with the wrong shape",
        "missing tensor layers.1.mlp.down.weight (expected shape [256, 64])",
        "unexpected tensor lm_head.weight (shape [64, 128])",
        "tensor embed.tokens.weight: expected shape [128, 64], found [128, 32]",
    ];
    check(
        "init_mismatch",
        Bin::Parc,
        setup,
        &["launch", &model, "--steps", "1", "--init", "other.safetensors"],
        &expect,
    );
    let out = one_rank();
    check("rt_init_mismatch", Bin::ParcRt, setup, &[&out, "--steps", "1", "--init", "other.safetensors"], &expect);
}

#[test]
fn bad_init_not_safetensors() {
    let model = arg(&example("gpt-tiny"));
    let setup = |dir: &Path| write(dir, "weights.safetensors", b"these are not weights");
    check(
        "init_garbage",
        Bin::Parc,
        setup,
        &["launch", &model, "--steps", "1", "--init", "weights.safetensors"],
        &["weights.safetensors is not a valid safetensors file"],
    );
    check(
        "init_missing",
        Bin::Parc,
        nothing,
        &["launch", &model, "--steps", "1", "--init", "none.safetensors"],
        &["cannot read weights file none.safetensors"],
    );
}

#[test]
fn bad_inspect_without_plan() {
    check(
        "inspect_no_plan",
        Bin::Parc,
        |dir| std::fs::create_dir(dir.join("empty")).expect("mkdir"),
        &["inspect", "empty"],
        &["plan.json", "pass a directory written by parc compile"],
    );
}

#[test]
fn bad_missing_directory() {
    check(
        "rt_missing_dir",
        Bin::ParcRt,
        nothing,
        &["no-such-out", "--steps", "1"],
        &["no-such-out is not a directory written by parc compile", "compile first"],
    );
    check(
        "run_missing_dir",
        Bin::Parc,
        nothing,
        &["run", "no-such-out", "--steps", "1"],
        &["no-such-out is not a directory written by parc compile", "compile first"],
    );
    check(
        "launch_missing_target",
        Bin::Parc,
        nothing,
        &["launch", "no-such-out", "--steps", "1"],
        &["cannot read model file no-such-out", "check the path"],
    );
}

// ---- parc run and parc-rt agree on --rank ---------------------------------------------------------

/// Runs `parc run OUT ARGS` and `parc-rt OUT ARGS` in `dir`, checks that both exit with code 2,
/// print nothing on stdout and the same stderr, which says every string of `expect`.
fn check_both_refuse(dir: &Path, out: &str, args: &[&str], expect: &[&str]) {
    let run = run_parc(&[&["run", out][..], args].concat(), dir);
    let rt = run_rt(&[&[out][..], args].concat(), dir);
    let context = format!("{out} {}\n--- parc run ---\n{}\n--- parc-rt ---\n{}", args.join(" "), run.stderr, rt.stderr);
    for r in [&run, &rt] {
        assert_eq!(r.code, Some(2), "wrong exit code; {context}");
        assert!(r.stdout.is_empty(), "stdout is not empty; {context}");
        assert!(!r.stderr.contains("panicked"), "it panicked; {context}");
    }
    assert_eq!(run.stderr, rt.stderr, "parc run and parc-rt disagree; {context}");
    for needle in expect {
        assert!(run.stderr.contains(needle), "stderr lacks `{needle}`; {context}");
    }
}

/// A launcher's environment that says "rank 1 of 4" without an MPI launcher that this parc-rt can
/// join (none here: PARC_RANK is parc's own pair) is refused before any work, with how to start
/// the job.
#[test]
fn parc_rt_refuses_a_job_of_several_processes_without_mpi() {
    let dir = fresh_dir("launch", "env_world_without_mpi");
    run_parc(&["compile", &arg(&example("gpt-tiny")), "--mesh", "dp=2,tp=2", "-o", "out"], &dir).assert_success();
    let output = std::process::Command::new(common::parc_rt())
        .args(["out", "--steps", "1"])
        .env("PARC_RANK", "1")
        .env("PARC_WORLD_SIZE", "4")
        .current_dir(&dir)
        .output()
        .expect("parc-rt runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("started as rank 1 of 4"), "{stderr}");
    assert!(stderr.contains("mpirun -n 4 parc-rt OUT") && stderr.contains("parc launch OUT"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A world of one from the environment is a plain single-rank run.
    let one = std::process::Command::new(common::parc_rt())
        .args([arg(gpt_tiny_out()).as_str(), "--steps", "1", "--json"])
        .env("PARC_RANK", "0")
        .env("PARC_WORLD_SIZE", "1")
        .current_dir(&dir)
        .output()
        .expect("parc-rt runs");
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
}

#[test]
fn run_and_parc_rt_agree_on_the_ranks_of_a_partitioned_plan() {
    let dir = fresh_dir("launch", "rank_agreement_dp2_tp2");
    run_parc(&["compile", &arg(&example("gpt-tiny")), "--mesh", "dp=2,tp=2", "-o", "out"], &dir).assert_success();
    for rank in ["0", "1", "3"] {
        check_both_refuse(
            &dir,
            "out",
            &["--rank", rank, "--steps", "1"],
            &[
                &format!("rank {rank} of out needs its peers"),
                "a plan for 4 ranks that exchange data",
                "rank-0000.mlir",
                "cannot run alone",
                "run all ranks together with: parc launch out",
                "mpirun -n 4 parc-rt out",
            ],
        );
    }
    check_both_refuse(
        &dir,
        "out",
        &["--rank", "4", "--steps", "1"],
        &[
            "out has no program for rank 4",
            "a plan for 4 ranks (mesh dp=2,pp=1,tp=2)",
            "world size is 4",
            "ranks 0 to 3",
        ],
    );
}

#[test]
fn run_and_parc_rt_map_a_pipeline_rank_to_its_stage() {
    let dir = fresh_dir("launch", "rank_agreement_pp2");
    run_parc(&["compile", &arg(&example("gpt-tiny")), "--mesh", "dp=2,pp=2", "-o", "out"], &dir).assert_success();
    // rank = (pp_idx · dp + dp_idx) · tp + tp_idx: ranks 0 and 1 are stage 0, 2 and 3 stage 1.
    for (rank, stage) in [("1", 0), ("2", 1), ("3", 1)] {
        check_both_refuse(
            &dir,
            "out",
            &["--rank", rank, "--steps", "1"],
            &[&format!("rank {rank} of out needs its peers"), &format!("stage-{stage}.mlir"), "parc launch out"],
        );
    }
    check_both_refuse(
        &dir,
        "out",
        &["--rank", "9", "--steps", "1"],
        &["out has no program for rank 9", "ranks 0 to 3"],
    );
}

#[test]
fn run_and_parc_rt_agree_on_a_rank_out_of_range_of_one_rank() {
    let out = one_rank();
    let dir = fresh_dir("launch", "rank_agreement_single");
    check_both_refuse(
        &dir,
        &out,
        &["--rank", "1", "--steps", "1"],
        &["has no program for rank 1", "a plan for 1 rank", "world size is 1", "ranks 0 to 0"],
    );
}

#[test]
fn parc_rt_refuses_a_damaged_program_like_parc_run() {
    let dir = fresh_dir("launch", "rt_damaged_program");
    run_parc(&["compile", &arg(&example("gpt-tiny")), "-o", "out"], &dir).assert_success();
    let path = dir.join("out/rank-0000.mlir");
    let text = read(&path);
    let tokens = r#"name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>"#;
    assert!(text.contains(tokens), "the program has no tokens entry like `{tokens}`");
    std::fs::write(&path, text.replacen(tokens, &tokens.replace("2, 32", "-2, 32"), 1)).expect("write the program");
    check_both_refuse(
        &dir,
        "out",
        &["--steps", "1"],
        &["cannot load out/rank-0000.mlir", "tensor tokens has shape [-2, 32], with a negative dimension", "recompile"],
    );
}

// ---- --backend ----------------------------------------------------------------------------------

/// Whether this machine has an NVIDIA driver (then `--backend cuda` may run instead of refusing).
fn has_gpu_driver() -> bool {
    std::path::Path::new("/dev/nvidiactl").exists()
}

#[test]
fn backend_cuda_without_the_feature_or_a_gpu_is_refused_by_every_command() {
    let model = arg(&example("gpt-tiny"));
    let out = one_rank();
    let verify = ["verify", &model, "--mesh", "dp=2", "--steps", "1", "--backend", "cuda"];
    if !cfg!(feature = "cuda") {
        // No CUDA code at all: refused before anything is read ("no-such-out" does not exist).
        let expect = [
            "--backend cuda: this parc was built without CUDA support; rebuild with `cargo build --release --features cuda`",
            "--backend cpu",
        ];
        check("launch_cuda", Bin::Parc, nothing, &["launch", &model, "--steps", "1", "--backend", "cuda"], &expect);
        check("launch_dir_cuda", Bin::Parc, nothing, &["launch", "no-such-out", "--backend", "cuda"], &expect);
        check("run_cuda", Bin::Parc, nothing, &["run", "no-such-out", "--backend", "cuda"], &expect);
        check("rt_cuda", Bin::ParcRt, nothing, &["no-such-out", "--backend", "cuda"], &expect);
        check("verify_cuda", Bin::Parc, nothing, &verify, &expect);
    } else {
        // verify runs every rank: not on GPUs yet, whatever the machine.
        check("verify_cuda", Bin::Parc, nothing, &verify, &["parc verify --backend cuda", "NCCL", "--backend cpu"]);
        // A plan of several ranks: refused before any GPU is looked for.
        check(
            "launch_mesh_cuda",
            Bin::Parc,
            nothing,
            &["launch", &model, "--mesh", "dp=2", "--steps", "1", "--backend", "cuda"],
            &["runs one rank on one GPU today", "2 ranks", "--backend cpu"],
        );
        // A compiled directory without its kernels.
        let no_kernels = |dir: &Path| {
            run_parc(&["compile", &model, "-o", "out"], dir).assert_success();
            std::fs::remove_dir_all(dir.join("out/kernels")).expect("remove the kernels");
        };
        let expect = ["kernels/manifest.json", "recompile"];
        check(
            "run_cuda_no_kernels",
            Bin::Parc,
            no_kernels,
            &["run", "out", "--steps", "1", "--backend", "cuda"],
            &expect,
        );
        check("rt_cuda_no_kernels", Bin::ParcRt, no_kernels, &["out", "--steps", "1", "--backend", "cuda"], &expect);
        if !has_gpu_driver() {
            // No driver: said plainly, after the kernels were found.
            let expect = ["no CUDA driver library (libcuda.so)", "NVIDIA GPU"];
            check("launch_cuda", Bin::Parc, nothing, &["launch", &model, "--steps", "1", "--backend", "cuda"], &expect);
            check("run_cuda", Bin::Parc, nothing, &["run", &out, "--steps", "1", "--backend", "cuda"], &expect);
            check("rt_cuda", Bin::ParcRt, nothing, &[&out, "--steps", "1", "--backend", "cuda"], &expect);
        }
    }
    // The kernel check compares a GPU with the CPU: without a GPU backend there is nothing to check.
    check(
        "check_kernels_cpu",
        Bin::Parc,
        nothing,
        &["launch", &model, "--steps", "1", "--check-kernels"],
        &["--check-kernels", "add --backend cuda"],
    );
    check("rt_backend_typo", Bin::ParcRt, nothing, &[&one_rank(), "--backend", "gpu"], &["'gpu'", "cpu, cuda"]);
}

#[test]
fn backend_cpu_is_the_default_and_runs() {
    let dir = fresh_dir("launch", "backend_cpu");
    let out = one_rank();
    let rt = run_rt(&[&out, "--steps", "1", "--json", "--backend", "cpu"], &dir);
    rt.assert_success();
    let run = run_parc(&["run", &out, "--steps", "1", "--json", "--backend", "cpu"], &dir);
    run.assert_success();
    assert_eq!(loss_bits(&json_steps(&rt)), loss_bits(&json_steps(&run)));
}

/// A model or a compiled plan whose memory cannot fit this machine is refused before anything
/// slow happens (compiling a large model for one device, loading its programs, allocating), with
/// the numbers and what to do. The models need hundreds of GiB, far beyond any test machine.
#[test]
fn bad_plans_larger_than_the_machine_are_refused_before_compiling_or_loading() {
    let dir = fresh_dir("launch", "too_large");
    let start = std::time::Instant::now();
    let run = run_parc(&["launch", &arg(&example("gpt3-175b")), "--steps", "1"], &dir);
    run.assert_code(2);
    assert!(run.stderr.contains("the values and gradients of its 174604259328 parameters alone"), "{}", run.stderr);
    assert!(run.stderr.contains("needed, but this machine has"), "{}", run.stderr);
    assert!(run.stderr.contains("--mesh"), "{}", run.stderr);
    // Compiling gpt3-175b for one device takes minutes: the refusal must come before it.
    assert!(start.elapsed() < std::time::Duration::from_secs(30), "took {:?}", start.elapsed());

    run_parc(&["compile", &arg(&example("llama2-7b")), "--mesh", "1x1x2", "-o", "out"], &dir).assert_success();
    let run = run_parc(&["launch", "out", "--steps", "1"], &dir);
    run.assert_code(2);
    assert!(
        run.stderr.contains("training llama2-7b with its 2 rank(s) in this process: their arenas"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Running on a cluster"), "{}", run.stderr);
}
