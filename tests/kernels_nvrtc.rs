//! Every kernel codegen renders for the tiny models compiles with NVRTC for every target
//! architecture (sm_80 and sm_90), and its PTX defines every entry point the manifest lists:
//! gpt-tiny and llama-tiny in fp32, both again in bf16, the MoE examples in both, and a hand-written program with the kernel
//! kinds and element types the models do not use (slice, insert, reduce max and mean,
//! reduce_max_grad, sgd, f16, integer fills, tensors of more than 2^31 elements). No GPU is needed; without NVRTC these tests fail
//! with install instructions, unless PARC_SKIP_NVRTC=1 (see docs/cuda.md).

// The CUDA side of the runtime exists only with the `cuda` feature (scripts/test.sh enables it).
#![cfg(feature = "cuda")]

mod common;

use std::time::Instant;

use parc_compiler::codegen::{render_module, Kernels};
use parc_compiler::{compile_spec, parse_model, CompileOptions, Mesh};
use parc_dialects::pass::PipelineOptions;
use parc_runtime::cuda::nvrtc::{compile_cuda, nvrtc_for_test, GpuArch};

/// Compiles `examples/NAME.toml` (in bf16 when `bf16`) for one rank and renders its kernels.
fn kernels_of(name: &str, bf16: bool) -> Kernels {
    let path = common::example(name);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if bf16 {
        assert!(text.contains("precision = \"fp32\""), "{name} sets no fp32 precision to switch to bf16");
        text = text.replace("precision = \"fp32\"", "precision = \"bf16\"");
    }
    let spec = parse_model(&path.to_string_lossy(), &text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let opts =
        CompileOptions { training: Default::default(), mesh: Mesh::SINGLE, pipeline: PipelineOptions::default() };
    let output = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(output.plan.programs.generated, "{name}: no rank program was generated");
    render_module(&output.module).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compiles every kernel file of the model for every architecture and checks the PTX.
fn check_model(name: &str, bf16: bool) {
    let test = format!("{name}{} kernels", if bf16 { " (bf16)" } else { "" });
    if !nvrtc_for_test(&test) {
        return;
    }
    let kernels = kernels_of(name, bf16);
    if bf16 {
        assert!(kernels.kernels.iter().any(|k| k.variant == "bf16"), "{test}: no bf16 kernel");
    }
    check_kernels(&test, &kernels);
}

/// Compiles every kernel file for every architecture, on a few threads, and checks that the PTX
/// targets the architecture and has every entry point.
fn check_kernels(test: &str, kernels: &Kernels) {
    assert!(!kernels.kernels.is_empty(), "{test}: nothing was rendered");
    let start = Instant::now();
    let jobs: Vec<(usize, GpuArch)> =
        (0..kernels.kernels.len()).flat_map(|k| GpuArch::ALL.into_iter().map(move |arch| (k, arch))).collect();
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get()).min(8);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let jobs = &jobs;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for &(k, arch) in jobs.iter().skip(t).step_by(threads) {
                        let kernel = &kernels.kernels[k];
                        let ptx = match compile_cuda(&kernel.source, &kernel.file, arch, &[]) {
                            Ok(ptx) => ptx,
                            Err(err) => {
                                failures.push(format!("{err}\n--- {} ---\n{}", kernel.file, kernel.source));
                                continue;
                            }
                        };
                        let target = format!(".target {}", arch.sm_name());
                        if !ptx.lines().any(|line| line.trim() == target) {
                            failures.push(format!("{} for {arch}: no `{target}` line in the PTX", kernel.file));
                        }
                        for entry in &kernel.entry_points {
                            if !ptx.contains(&format!(".entry {}(", entry.name)) {
                                failures
                                    .push(format!("{} for {arch}: no entry `{}` in the PTX", kernel.file, entry.name));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|_| vec!["a compile thread panicked".into()]))
            .collect()
    });
    eprintln!(
        "{test}: {} files ({} entry points) compiled for {} architectures in {:.1?}",
        kernels.kernels.len(),
        kernels.kernels.iter().map(|k| k.entry_points.len()).sum::<usize>(),
        GpuArch::ALL.len(),
        start.elapsed()
    );
    assert!(failures.is_empty(), "{test}: {} failures:\n{}", failures.len(), failures.join("\n\n"));
}

/// The kernels of every pipeline stage program of gpt-tiny on pp=2 (1F1B) and llama-tiny on pp=2
/// with ZB-H1, as parc compile writes them to kernels/stage-S/.
#[test]
fn pipeline_stage_kernels_compile_for_sm80_and_sm90() {
    if !nvrtc_for_test("pipeline stage kernels") {
        return;
    }
    for (name, schedule) in [("gpt-tiny", "1f1b"), ("llama-tiny", "zb-h1")] {
        let path = common::example(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let spec = parse_model(&path.to_string_lossy(), &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = parc_compiler::pipeline::schedule::ScheduleKind::parse(schedule).expect("a schedule");
        let mut training = parc_compiler::driver::TrainingOverrides::default();
        training.schedule.kind = kind;
        let opts =
            CompileOptions { training, mesh: Mesh::parse("pp=2").expect("mesh"), pipeline: PipelineOptions::default() };
        let output = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(output.stages.len(), 2, "{name}: two stage programs");
        for (s, stage) in output.stages.iter().enumerate() {
            let kernels = render_module(stage).unwrap_or_else(|e| panic!("{name} stage {s}: {e}"));
            check_kernels(&format!("{name} ({schedule}) stage {s} kernels"), &kernels);
        }
    }
}

#[test]
fn gpt_tiny_kernels_compile_for_sm80_and_sm90() {
    check_model("gpt-tiny", false);
}

#[test]
fn llama_tiny_kernels_compile_for_sm80_and_sm90() {
    check_model("llama-tiny", false);
}

#[test]
fn gpt_tiny_bf16_kernels_compile_for_sm80_and_sm90() {
    check_model("gpt-tiny", true);
}

#[test]
fn llama_tiny_bf16_kernels_compile_for_sm80_and_sm90() {
    check_model("llama-tiny", true);
}

/// The mixture-of-experts kernels (top_k, one_hot, moe_scatter, moe_gather) of both MoE examples,
/// dropless and with a capacity factor, in fp32 and bf16.
#[test]
fn moe_kernels_compile_for_sm80_and_sm90() {
    for bf16 in [false, true] {
        for name in ["moe-tiny", "gpt-moe-tiny"] {
            let kernels = kernels_of(name, bf16);
            for op in ["exec.top_k", "exec.one_hot", "exec.moe_scatter", "exec.moe_gather"] {
                assert!(kernels.kernels.iter().any(|k| k.source.contains(&format!("// op: {op} "))), "{name}: no {op}");
            }
            if nvrtc_for_test(&format!("{name} kernels")) {
                check_kernels(&format!("{name}{} kernels", if bf16 { " (bf16)" } else { "" }), &kernels);
            }
        }
    }
}

/// Kernel kinds and element types the tiny models do not use: the hand-written program of
/// compiler/tests/codegen.rs, and a second function with f16, integer fills and shapes of more
/// than 2^31 elements.
const EXTRA: &str = include_str!("../compiler/tests/data/extra-kernels.mlir");
const MORE: &str = r#"
module {
  func.func @more_kernels() {
    %h = "exec.view"() {offset = 24576 : i64} : () -> memref<2x3x5x5xf16>
    %h2 = "exec.view"() {offset = 25600 : i64} : () -> memref<2x3x5x5xf16>
    "exec.softmax"(%h, %h2) {causal = true} : (memref<2x3x5x5xf16>, memref<2x3x5x5xf16>) -> ()
    %h3 = "exec.view"() {offset = 26624 : i64} : () -> memref<2x3x5x5xf32>
    "exec.elementwise"(%h2, %h3) ({
    ^bb0(%e: tensor<f16>):
      %f = "graph.cast"(%e) {dtype = "f32"} : (tensor<f16>) -> tensor<f32>
      %q = "graph.silu_grad"(%f, %f) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%q) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x3x5x5xf16>, memref<2x3x5x5xf32>) -> ()
    %ids = "exec.view"() {offset = 28672 : i64} : () -> memref<7xi32>
    "exec.fill"(%ids) {value = 3.0 : f64} : (memref<7xi32>) -> ()
    %count = "exec.view"() {offset = 28800 : i64} : () -> memref<i64>
    %bias16 = "exec.view"() {offset = 29184 : i64} : () -> memref<65536xbf16>
    "exec.fill"(%count) {value = 1.0 : f64} : (memref<i64>) -> ()
    %huge = "exec.view"() {offset = 32768 : i64} : () -> memref<40000x65536xbf16>
    %huge2 = "exec.view"() {offset = 8589934592 : i64} : () -> memref<40000x65536xbf16>
    "exec.elementwise"(%huge, %bias16, %huge2) ({
    ^bb0(%hx: tensor<bf16>, %hb: tensor<bf16>):
      %hs = "graph.mul"(%hx, %hb) : (tensor<bf16>, tensor<bf16>) -> tensor<bf16>
      "exec.yield"(%hs) : (tensor<bf16>) -> ()
    }) {n_inputs = 2 : i64} : (memref<40000x65536xbf16>, memref<65536xbf16>, memref<40000x65536xbf16>) -> ()
    %hsum = "exec.view"() {offset = 16384 : i64} : () -> memref<65536xbf16>
    "exec.reduce"(%huge, %hsum) {axes = array<i64: 0>, kind = "sum"} : (memref<40000x65536xbf16>, memref<65536xbf16>) -> ()
    %hrow = "exec.view"() {offset = 16384 : i64} : () -> memref<40000xbf16>
    "exec.reduce"(%huge, %hrow) {axes = array<i64: 1>, kind = "max"} : (memref<40000x65536xbf16>, memref<40000xbf16>) -> ()
    %ht = "exec.view"() {offset = 8589934592 : i64} : () -> memref<65536x40000xbf16>
    "exec.copy"(%huge, %ht) {perm = array<i64: 1, 0>} : (memref<40000x65536xbf16>, memref<65536x40000xbf16>) -> ()
    "func.return"() : () -> ()
  }
}
"#;

#[test]
fn hand_written_kernels_compile_for_sm80_and_sm90() {
    let test = "hand-written kernels";
    if !nvrtc_for_test(test) {
        return;
    }
    let parse = |text| parc_dialects::parser::parse_module(text).unwrap_or_else(|e| panic!("{e:?}"));
    let mut module = parse(EXTRA);
    module.functions.extend(parse(MORE).functions);
    parc_dialects::verifier::verify_module(&module).unwrap_or_else(|e| panic!("{e}"));
    let kernels = render_module(&module).unwrap_or_else(|e| panic!("{e}"));
    let variants: Vec<&str> = kernels.kernels.iter().map(|k| k.variant).collect();
    assert!(variants.contains(&"f16") && variants.contains(&"bf16"), "{variants:?}");
    // More than 2^31 elements need 64-bit indices.
    assert!(kernels.kernels.iter().any(|k| k.source.contains("unsigned long long")), "no 64-bit index");
    check_kernels(test, &kernels);
}

#[test]
fn gpt3_175b_kernels_compile_for_sm80_and_sm90() {
    // Large shapes: 1024-thread rows over a 50257-token vocabulary, split reductions, big grids.
    let test = "gpt3-175b kernels";
    if !nvrtc_for_test(test) {
        return;
    }
    check_kernels(test, &kernels_of("gpt3-175b", false));
}
