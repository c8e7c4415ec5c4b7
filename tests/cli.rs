//! End-to-end tests of `parc compile`: the example models compile on several meshes, the
//! artifacts (OUT/plan.json, OUT/ir/NN-NAME.mlir) are complete, deterministic and agree with
//! parameter counts computed here independently of parc, and the printing flags and help texts
//! do what they say. Outputs stay under target/tmp/cli/ (CI runs mlir-opt over them).

mod common;

use std::path::{Path, PathBuf};

use common::{example, file_names, fresh_dir, read, run_parc, Run};
use parc_compiler::passes::{part_passes, pipeline, StepPlan, PASSES, STAGE_ASSEMBLY};
use parc_compiler::Mesh;
use serde_json::Value;

// ---- the models, written down independently of parc ------------------------------------------

#[derive(Copy, Clone, Debug, PartialEq)]
enum Family {
    /// GPT-2 style: LayerNorm with bias, biases on every linear layer, learned positions, LM
    /// head tied to the token embedding.
    Gpt2,
    /// Llama style: RMSNorm (weight only), no biases, rotary positions (no parameters),
    /// grouped-query attention, SwiGLU MLP (gate, up, down), untied LM head.
    Llama,
}

/// A model's hyperparameters as published (and as written in examples/NAME.toml).
#[derive(Copy, Clone, Debug)]
struct Hyper {
    /// The file stem in examples/ and the `name` in it.
    name: &'static str,
    family: Family,
    vocab: u64,
    hidden: u64,
    layers: u64,
    heads: u64,
    kv_heads: u64,
    ffn: u64,
    seq_len: u64,
    global_batch: u64,
    micro_batch: u64,
    /// Bytes per parameter in the training precision (fp32: 4, bf16: 2).
    bytes_per_param: u64,
}

const GPT_TINY: Hyper = Hyper {
    name: "gpt-tiny",
    family: Family::Gpt2,
    vocab: 128,
    hidden: 64,
    layers: 2,
    heads: 4,
    kv_heads: 4,
    ffn: 256,
    seq_len: 32,
    global_batch: 8,
    micro_batch: 2,
    bytes_per_param: 4,
};

const LLAMA_TINY: Hyper = Hyper {
    name: "llama-tiny",
    family: Family::Llama,
    vocab: 128,
    hidden: 64,
    layers: 2,
    heads: 4,
    kv_heads: 2,
    ffn: 176,
    seq_len: 32,
    global_batch: 8,
    micro_batch: 2,
    bytes_per_param: 4,
};

/// Brown et al. 2020, Table 2.1.
const GPT3_175B: Hyper = Hyper {
    name: "gpt3-175b",
    family: Family::Gpt2,
    vocab: 50257,
    hidden: 12288,
    layers: 96,
    heads: 96,
    kv_heads: 96,
    ffn: 4 * 12288,
    seq_len: 2048,
    global_batch: 1536,
    micro_batch: 1,
    bytes_per_param: 2,
};

/// config.json of meta-llama/Llama-2-7b-hf.
const LLAMA2_7B: Hyper = Hyper {
    name: "llama2-7b",
    family: Family::Llama,
    vocab: 32000,
    hidden: 4096,
    layers: 32,
    heads: 32,
    kv_heads: 32,
    ffn: 11008,
    seq_len: 4096,
    global_batch: 1024,
    micro_batch: 1,
    bytes_per_param: 2,
};

/// config.json of meta-llama/Llama-2-70b-hf.
const LLAMA2_70B: Hyper = Hyper {
    name: "llama2-70b",
    family: Family::Llama,
    vocab: 32000,
    hidden: 8192,
    layers: 80,
    heads: 64,
    kv_heads: 8,
    ffn: 28672,
    seq_len: 4096,
    global_batch: 1024,
    micro_batch: 1,
    bytes_per_param: 2,
};

/// The parameter count of `m`, from the layer formulas of the two families.
fn expected_params(m: &Hyper) -> u64 {
    let (v, h, l, f, s) = (m.vocab, m.hidden, m.layers, m.ffn, m.seq_len);
    let kv = m.kv_heads * (h / m.heads);
    match m.family {
        Family::Gpt2 => {
            let layer_norm = 2 * h; // weight and bias
            let attention = (h * h + h) + 2 * (h * kv + kv) + (h * h + h); // q, k and v, o
            let mlp = (h * f + f) + (f * h + h); // up, down
            let layer = 2 * layer_norm + attention + mlp;
            let embeddings = v * h + s * h; // tokens, learned positions; the LM head is tied
            embeddings + l * layer + layer_norm
        }
        Family::Llama => {
            let rms_norm = h; // weight only
            let attention = h * h + 2 * h * kv + h * h; // q, k and v (grouped), o
            let mlp = 3 * h * f; // gate, up, down
            let layer = 2 * rms_norm + attention + mlp;
            v * h + l * layer + rms_norm + h * v // embedding, layers, final norm, untied head
        }
    }
}

// ---- helpers ------------------------------------------------------------------------------------

/// The dumps one compile for `mesh` writes into OUT/ir/, in the order plan.json lists them: the
/// frontend's graph, then one per pass of the pipeline for that mesh; with pipeline stages (one
/// chunk each), then each stage's: its part's input and passes, and the steps that assemble its
/// program, numbered on, in `stage-S/`.
fn expected_dumps(mesh: &str) -> Vec<String> {
    let mesh = Mesh::parse(mesh).expect("a valid mesh");
    let mut names = vec!["00-input.mlir".to_string()];
    names.extend(pipeline(&mesh).iter().enumerate().map(|(i, p)| format!("{:02}-{}.mlir", i + 1, p.name)));
    let step = StepPlan::of(&mesh);
    if step.stages {
        let part = part_passes(&step);
        let steps: Vec<&str> = std::iter::once("input")
            .chain(part.placed.iter().chain(&part.local).chain(STAGE_ASSEMBLY.iter()).map(|p| p.name))
            .collect();
        for s in 0..mesh.pp {
            names.extend(steps.iter().enumerate().map(|(i, name)| format!("stage-{s}/{i:02}-{name}.mlir")));
        }
    }
    names
}

/// Every file under `dir` (relative paths with `/`), sorted.
fn dump_files(dir: &Path) -> Vec<String> {
    files_under(dir).iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// Runs `parc compile MODEL --mesh MESH -o OUT EXTRA...` and checks that it succeeded.
fn compile(model: &Path, mesh: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["compile".into(), model.display().to_string(), "--mesh".into(), mesh.into()];
    args.extend(["-o".to_string(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = run_parc(&args, &common::repo_root());
    run.assert_success();
    run
}

fn parse_json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON: {e}\n{text}"))
}

fn plan_of(out: &Path) -> Value {
    parse_json(&read(&out.join("plan.json")), "plan.json")
}

/// The unsigned integer at JSON pointer `pointer` (e.g. `/parameters/count`).
fn uint(plan: &Value, pointer: &str) -> u64 {
    plan.pointer(pointer).and_then(Value::as_u64).unwrap_or_else(|| panic!("plan.json has no integer at {pointer}"))
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).expect("path under root").to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

/// Compiles examples/`m.name`.toml for `mesh` (dp, pp, tp as `degrees`) into
/// target/tmp/cli/`dir_name`, checks the artifacts against `m`, and returns the plan.
fn check_compile(m: &Hyper, mesh: &str, degrees: (u64, u64, u64), dir_name: &str) -> Value {
    let out = fresh_dir("cli", dir_name);
    let run = compile(&example(m.name), mesh, &out, &[]);
    assert!(run.stderr.contains(&format!("compiled {}", m.name)), "summary line: {}", run.stderr);

    // Without pipeline stages every rank runs the one program rank-0000.mlir (with its own
    // coordinates); with pp stages, the ranks of stage S run stage-S.mlir.
    let pp = Mesh::parse(mesh).expect("a valid mesh").pp;
    let mut top: Vec<String> = vec!["ir".into(), "kernels".into(), "plan.json".into()];
    if pp == 1 {
        top.push("rank-0000.mlir".into());
    } else {
        top.extend((0..pp).map(|s| format!("stage-{s}.mlir")));
        // Each stage program's kernels in kernels/stage-S/, with its manifest.
        for s in 0..pp {
            let manifest = out.join("kernels").join(format!("stage-{s}")).join("manifest.json");
            assert!(manifest.is_file(), "no {}", manifest.display());
        }
    }
    assert_eq!(file_names(&out), top);
    assert_eq!(dump_files(&out.join("ir")), sorted(expected_dumps(mesh)));
    for name in expected_dumps(mesh) {
        let text = read(&out.join("ir").join(&name));
        assert!(text.starts_with("module"), "{name} does not start with a module:\n{text}");
    }

    let plan = plan_of(&out);
    let listed: Vec<String> = expected_dumps(mesh).iter().map(|n| format!("ir/{n}")).collect();
    assert_eq!(plan["ir"], serde_json::json!(listed));

    // The model echoes the file.
    assert_eq!(plan["model"]["name"], m.name);
    for (key, value) in [
        ("vocab", m.vocab),
        ("hidden", m.hidden),
        ("layers", m.layers),
        ("heads", m.heads),
        ("kv_heads", m.kv_heads),
        ("head_dim", m.hidden / m.heads),
        ("ffn", m.ffn),
        ("seq_len", m.seq_len),
    ] {
        assert_eq!(uint(&plan, &format!("/model/{key}")), value, "model.{key}");
    }

    // Parameters, from the formulas above.
    let count = uint(&plan, "/parameters/count");
    assert_eq!(count, expected_params(m), "parameter count of {}", m.name);
    assert_eq!(uint(&plan, "/parameters/bytes"), count * m.bytes_per_param);
    let by_part = plan["parameters"]["by_part"].as_object().expect("by_part is an object");
    assert_eq!(by_part.values().map(|v| v.as_u64().expect("integer")).sum::<u64>(), count, "by_part sums to count");
    assert_eq!(by_part.contains_key("lm_head"), m.family == Family::Llama, "only an untied head is counted apart");

    // Mesh and batch arithmetic.
    let (dp, pp, tp) = degrees;
    assert_eq!(uint(&plan, "/mesh/dp"), dp);
    assert_eq!(uint(&plan, "/mesh/pp"), pp);
    assert_eq!(uint(&plan, "/mesh/tp"), tp);
    assert_eq!(uint(&plan, "/mesh/ep"), 1);
    assert_eq!(uint(&plan, "/mesh/world_size"), dp * pp * tp);
    assert_eq!(uint(&plan, "/training/global_batch"), m.global_batch);
    assert_eq!(uint(&plan, "/training/micro_batch"), m.micro_batch);
    assert_eq!(uint(&plan, "/training/micro_batches_per_step"), m.global_batch / (m.micro_batch * dp));
    assert_eq!(uint(&plan, "/training/tokens_per_step"), m.global_batch * m.seq_len);
    plan
}

// ---- the tiny models on small meshes --------------------------------------------------------------

#[test]
fn gpt_tiny_single_device() {
    check_compile(&GPT_TINY, "1x1x1", (1, 1, 1), "gpt_tiny_1x1x1");
}

#[test]
fn gpt_tiny_2x2x2() {
    check_compile(&GPT_TINY, "2x2x2", (2, 2, 2), "gpt_tiny_2x2x2");
}

#[test]
fn gpt_tiny_named_axes() {
    check_compile(&GPT_TINY, "dp=2,tp=2", (2, 1, 2), "gpt_tiny_dp2_tp2");
}

#[test]
fn llama_tiny_single_device() {
    check_compile(&LLAMA_TINY, "1x1x1", (1, 1, 1), "llama_tiny_1x1x1");
}

#[test]
fn llama_tiny_2x2x2() {
    check_compile(&LLAMA_TINY, "2x2x2", (2, 2, 2), "llama_tiny_2x2x2");
}

#[test]
fn llama_tiny_named_axes() {
    check_compile(&LLAMA_TINY, "dp=2,tp=2", (2, 1, 2), "llama_tiny_dp2_tp2");
}

// ---- snapshots --------------------------------------------------------------------------------

#[test]
fn gpt_tiny_input_ir_snapshot() {
    let out = fresh_dir("cli", "snapshot_gpt_tiny_input");
    compile(&example("gpt-tiny"), "1x1x1", &out, &[]);
    insta::assert_snapshot!("gpt_tiny_00_input", read(&out.join("ir/00-input.mlir")));
}

#[test]
fn llama_tiny_input_ir_snapshot() {
    let out = fresh_dir("cli", "snapshot_llama_tiny_input");
    compile(&example("llama-tiny"), "1x1x1", &out, &[]);
    insta::assert_snapshot!("llama_tiny_00_input", read(&out.join("ir/00-input.mlir")));
}

#[test]
fn gpt_tiny_2x2x2_plan_snapshot() {
    let out = fresh_dir("cli", "snapshot_gpt_tiny_2x2x2_plan");
    compile(&example("gpt-tiny"), "2x2x2", &out, &[]);
    // The program hashes change with any change to the programs (tests/check.rs checks them);
    // the snapshot keeps their count and form.
    let plan = read(&out.join("plan.json"));
    let hash = |l: &str| {
        let t = l.trim().trim_end_matches(',').trim_matches('"');
        t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit())
    };
    let plan: Vec<String> = plan
        .lines()
        .map(|l| if hash(l) { l.replace(l.trim().trim_end_matches(','), "\"[fnv1a64]\"") } else { l.to_string() })
        .collect();
    insta::assert_snapshot!("gpt_tiny_2x2x2_plan", plan.join("\n") + "\n");
}

// ---- artifacts --------------------------------------------------------------------------------

#[test]
fn compiling_twice_gives_identical_files() {
    let dir = fresh_dir("cli", "determinism");
    for (model, mesh) in [("gpt-tiny", "2x2x2"), ("llama-tiny", "dp=2,tp=2")] {
        let (a, b) = (dir.join(format!("{model}-a")), dir.join(format!("{model}-b")));
        compile(&example(model), mesh, &a, &[]);
        compile(&example(model), mesh, &b, &[]);
        let files = files_under(&a);
        assert_eq!(files, files_under(&b), "{model}: the two runs wrote different files");
        assert!(files.len() > expected_dumps(mesh).len(), "{model}: too few files: {files:?}");
        for file in files {
            let (x, y) = (std::fs::read(a.join(&file)).unwrap(), std::fs::read(b.join(&file)).unwrap());
            assert!(x == y, "{model}: {} differs between two compiles of the same input", file.display());
        }
    }
}

#[test]
fn recompiling_into_the_same_out_removes_stale_dumps() {
    let out = fresh_dir("cli", "stale_dumps");
    compile(&example("gpt-tiny"), "1x1x1", &out, &[]);
    // A dump left by an earlier compiler with another pass list. It is valid MLIR, so that
    // CI's mlir-opt sweep stays meaningful even if this test fails and leaves it behind.
    std::fs::write(out.join("ir/99-old.mlir"), "module {\n}\n").unwrap();
    compile(&example("llama-tiny"), "1x1x1", &out, &[]);
    assert_eq!(file_names(&out.join("ir")), expected_dumps("1x1x1"));
    assert_eq!(plan_of(&out)["model"]["name"], "llama-tiny", "plan.json is rewritten");
}

// ---- flags ------------------------------------------------------------------------------------

/// The header parc prints before each dump on stdout.
fn dump_header(stage: &str) -> String {
    format!("IR Dump After {stage} (")
}

#[test]
fn print_ir_after_all_prints_every_stage_in_order() {
    let out = fresh_dir("cli", "print_ir_after_all");
    let run = compile(&example("gpt-tiny"), "1x1x1", &out, &["--print-ir-after-all"]);
    let stages: Vec<&str> = std::iter::once("input").chain(pipeline(&Mesh::SINGLE).iter().map(|p| p.name)).collect();
    assert_eq!(run.stdout.matches("IR Dump After").count(), stages.len(), "{}", run.stdout);
    let mut from = 0;
    for (stage, file) in stages.iter().zip(expected_dumps("1x1x1")) {
        let header = dump_header(stage);
        let at = run.stdout[from..].find(&header).unwrap_or_else(|| panic!("no `{header}` in order")) + from;
        // The dump follows its header line.
        let body = at + run.stdout[at..].find('\n').expect("a header line") + 1;
        let text = read(&out.join("ir").join(&file));
        assert!(run.stdout[body..].starts_with(&text), "stdout does not show {file} after its header");
        from = body;
    }
}

#[test]
fn print_ir_after_one_pass_prints_only_that_one() {
    let out = fresh_dir("cli", "print_ir_after_dce");
    let run = compile(&example("gpt-tiny"), "1x1x1", &out, &["--print-ir-after=dce"]);
    assert_eq!(run.stdout.matches("IR Dump After").count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains(&dump_header("dce")), "{}", run.stdout);
    let dce = expected_dumps("1x1x1").into_iter().find(|n| n.ends_with("-dce.mlir")).expect("a dce pass");
    let body = run.stdout.find('\n').expect("a header line") + 1;
    assert!(run.stdout.contains(&format!("({dce})")), "the header names the file: {}", run.stdout);
    assert!(run.stdout[body..].starts_with(&read(&out.join("ir").join(dce))));
    // All dumps are still written.
    assert_eq!(file_names(&out.join("ir")), expected_dumps("1x1x1"));
}

#[test]
fn print_ir_after_an_unknown_pass_lists_the_passes() {
    let dir = fresh_dir("cli", "print_ir_after_nosuch");
    let out = dir.join("out");
    let model = example("gpt-tiny");
    let args = ["compile", model.to_str().unwrap(), "-o", out.to_str().unwrap(), "--print-ir-after=nosuch"];
    let run = run_parc(&args, &dir);
    run.assert_code(2);
    assert!(run.stderr.contains("nosuch"), "{}", run.stderr);
    assert!(run.stderr.contains("input"), "{}", run.stderr);
    for pass in PASSES {
        assert!(run.stderr.contains(pass.name), "`{}` is not listed: {}", pass.name, run.stderr);
    }
    assert!(!out.exists(), "a usage error must not write OUT");
}

#[test]
fn json_prints_the_plan() {
    let out = fresh_dir("cli", "json");
    let run = compile(&example("llama-tiny"), "2x2x2", &out, &["--json"]);
    assert_eq!(parse_json(&run.stdout, "stdout of --json"), plan_of(&out));
}

#[test]
fn timings_prints_a_line_per_stage_to_stderr() {
    let out = fresh_dir("cli", "timings");
    let run = compile(&example("gpt-tiny"), "1x1x1", &out, &["--timings"]);
    assert!(run.stdout.is_empty(), "timings go to stderr: {}", run.stdout);
    let first_words: Vec<&str> = run.stderr.lines().filter_map(|l| l.split_whitespace().next()).collect();
    let header = first_words.iter().position(|w| *w == "stage").unwrap_or_else(|| panic!("no header: {}", run.stderr));
    let mut expected = vec!["frontend"];
    expected.extend(pipeline(&Mesh::SINGLE).iter().map(|p| p.name));
    expected.push("total");
    for stage in expected {
        assert!(first_words[header..].contains(&stage), "no line for `{stage}`:\n{}", run.stderr);
    }
}

#[test]
fn top_level_help_shows_examples_and_mesh_syntax() {
    let run = run_parc(&["--help"], &common::repo_root());
    run.assert_success();
    for needle in ["compile", "examples/gpt-tiny.toml", "--mesh 2x2x2", "dp=8,pp=4,tp=2", "parc compile --help"] {
        assert!(run.stdout.contains(needle), "`parc --help` does not mention `{needle}`:\n{}", run.stdout);
    }
    // The pass list lives in `parc compile --help`; the top level points there.
    assert!(run.stdout.contains("pass list"), "{}", run.stdout);
}

#[test]
fn compile_help_shows_examples_mesh_syntax_and_every_pass() {
    let run = run_parc(&["compile", "--help"], &common::repo_root());
    run.assert_success();
    for needle in ["Examples:", "examples/gpt-tiny.toml", "DPxPPxTP", "dp=8,pp=4,tp=2", "--print-ir-after"] {
        assert!(run.stdout.contains(needle), "`parc compile --help` does not mention `{needle}`:\n{}", run.stdout);
    }
    for pass in PASSES {
        assert!(run.stdout.contains(pass.name), "pass `{}` is not listed:\n{}", pass.name, run.stdout);
        assert!(run.stdout.contains(pass.help), "help of `{}` is not shown:\n{}", pass.name, run.stdout);
    }
}

// ---- the published models ---------------------------------------------------------------------

#[test]
fn gpt3_175b_matches_the_narayanan_formula() {
    let m = GPT3_175B;
    let plan = check_compile(&m, "8x4x2", (8, 4, 2), "gpt3_175b_8x4x2");
    let count = uint(&plan, "/parameters/count");
    // Narayanan et al. 2021 (arXiv:2104.04473), eq. for P:
    // P = 12·l·h²·(1 + 13/(12h) + (V+s)/(12·l·h)) = 12·l·h² + 13·l·h + (V+s)·h.
    let (l, h, v, s) = (m.layers, m.hidden, m.vocab, m.seq_len);
    let formula = 12 * l * h * h + 13 * l * h + (v + s) * h;
    // The formula leaves out the final LayerNorm (weight and bias, 2h parameters), which parc
    // counts; everything else matches term by term.
    assert_eq!(count, formula + 2 * h);
    let relative = (count as f64 - formula as f64).abs() / formula as f64;
    assert!(relative < 1e-6, "relative difference {relative}");
    // And it is the "175B" of the paper's title, within 1%.
    assert!((count as f64 / 175e9 - 1.0).abs() < 0.01, "{count}");
}

#[test]
fn llama2_7b_has_the_published_parameter_count() {
    let plan = check_compile(&LLAMA2_7B, "dp=4,pp=2,tp=4", (4, 2, 4), "llama2_7b_dp4_pp2_tp4");
    // The parameter count of the Hugging Face checkpoint meta-llama/Llama-2-7b-hf.
    assert_eq!(uint(&plan, "/parameters/count"), 6_738_415_616);
}

#[test]
fn llama2_70b_has_the_published_parameter_count() {
    let plan = check_compile(&LLAMA2_70B, "dp=16,pp=8,tp=8", (16, 8, 8), "llama2_70b_dp16_pp8_tp8");
    // The parameter count of the Hugging Face checkpoint meta-llama/Llama-2-70b-hf.
    assert_eq!(uint(&plan, "/parameters/count"), 68_976_648_192);
}
