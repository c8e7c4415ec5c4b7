//! The CUDA C renderer (no NVRTC needed; tests/kernels_nvrtc.rs in the root package compiles the
//! output): the elementwise table's expressions, broadcasting offsets and bf16 conversions in a
//! known body; deduplication; determinism; every kernel op of the tiny models' programs (fp32 and
//! bf16) and of a hand-written program with the remaining kinds gets a file; the op
//! classification is exhaustive; `write_kernels` replaces stale files; and gpt3-175b's program
//! (about 18k kernel instructions) renders quickly into a few dozen files.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use parc_compiler::codegen::{classify, render_module, write_kernels, Kernels, OpClass, NON_KERNEL_OPS};
use parc_compiler::{compile_spec, parse_model, CompileOptions, Mesh};
use parc_dialects::exec::ExecOp;
use parc_dialects::ir::{Module, OpKind};
use parc_dialects::parser::parse_module;
use parc_dialects::pass::PipelineOptions;
use parc_dialects::verifier::verify_module;

/// The rank program of `examples/NAME.toml` at mesh 1x1x1, in bf16 when `bf16`.
fn program(name: &str, bf16: bool) -> Module {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples").join(format!("{name}.toml"));
    let mut text = std::fs::read_to_string(&path).expect("the example is readable");
    if bf16 {
        text = text.replace("precision = \"fp32\"", "precision = \"bf16\"");
    }
    let spec = parse_model(&path.to_string_lossy(), &text).expect("the example is valid");
    let opts =
        CompileOptions { training: Default::default(), mesh: Mesh::SINGLE, pipeline: PipelineOptions::default() };
    let output = compile_spec(spec, &opts, Instant::now()).expect("the example compiles");
    assert!(output.plan.programs.generated, "{name}: no rank program");
    output.module
}

/// A hand-written program with a fused elementwise body (broadcast bias, gelu, cast to bf16,
/// accumulate) and the kernel kinds the tiny models do not use: slice, insert, reduce max and
/// mean, reduce_max_grad and sgd.
const EXTRA: &str = r#"
module {
  func.func @kernels() {
    %x = "exec.view"() {offset = 0 : i64} : () -> memref<4x6x8xf32>
    %bias = "exec.view"() {offset = 1024 : i64} : () -> memref<8xf32>
    %y = "exec.view"() {offset = 2048 : i64} : () -> memref<4x6x8xbf16>
    "exec.elementwise"(%x, %bias, %y) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = "graph.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %g = "graph.gelu"(%s) : (tensor<f32>) -> tensor<f32>
      %c = "graph.cast"(%g) {dtype = "bf16"} : (tensor<f32>) -> tensor<bf16>
      "exec.yield"(%c) : (tensor<bf16>) -> ()
    }) {accumulate = true, n_inputs = 2 : i64} : (memref<4x6x8xf32>, memref<8xf32>, memref<4x6x8xbf16>) -> ()
    %piece = "exec.view"() {offset = 4096 : i64} : () -> memref<4x2x8xf32>
    "exec.slice"(%x, %piece) {axis = 1 : i64, start = 3 : i64} : (memref<4x6x8xf32>, memref<4x2x8xf32>) -> ()
    %big = "exec.view"() {offset = 8192 : i64} : () -> memref<4x6x8xf32>
    "exec.insert"(%piece, %big) {axis = -2 : i64, start = 1 : i64} : (memref<4x2x8xf32>, memref<4x6x8xf32>) -> ()
    %m = "exec.view"() {offset = 12288 : i64} : () -> memref<4x1x8xf32>
    "exec.reduce"(%x, %m) {axes = array<i64: 1>, keepdim = true, kind = "max"} : (memref<4x6x8xf32>, memref<4x1x8xf32>) -> ()
    %dm = "exec.view"() {offset = 13312 : i64} : () -> memref<4x1x8xf32>
    %dx = "exec.view"() {offset = 14336 : i64} : () -> memref<4x6x8xf32>
    "exec.reduce_max_grad"(%x, %m, %dm, %dx) {accumulate = true, axes = array<i64: 1>, keepdim = true} : (memref<4x6x8xf32>, memref<4x1x8xf32>, memref<4x1x8xf32>, memref<4x6x8xf32>) -> ()
    %mean = "exec.view"() {offset = 16384 : i64} : () -> memref<6xf32>
    "exec.reduce"(%x, %mean) {axes = array<i64: 0, 2>, kind = "mean"} : (memref<4x6x8xf32>, memref<6xf32>) -> ()
    %p = "exec.view"() {offset = 17408 : i64} : () -> memref<6x8xbf16>
    %g = "exec.view"() {offset = 18432 : i64} : () -> memref<6x8xbf16>
    %buf = "exec.view"() {offset = 19456 : i64} : () -> memref<6x8xf32>
    %lr = "exec.view"() {offset = 20480 : i64} : () -> memref<f32>
    "exec.sgd"(%p, %g, %buf, %lr) {momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (memref<6x8xbf16>, memref<6x8xbf16>, memref<6x8xf32>, memref<f32>) -> ()
    "func.return"() : () -> ()
  }
}
"#;

fn parse(text: &str) -> Module {
    let module = parse_module(text).unwrap_or_else(|e| panic!("{e:?}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}"));
    module
}

fn render(module: &Module) -> Kernels {
    render_module(module).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks that every kernel instruction of `module` is used by exactly one file and every GEMM is
/// listed, and returns the kernel kinds seen.
fn check_coverage(name: &str, module: &Module, kernels: &Kernels) -> BTreeSet<&'static str> {
    let mut kinds = BTreeSet::new();
    let mut gemms = 0;
    for func in &module.functions {
        for (index, &op) in func.blocks[func.entry_block()].ops.iter().enumerate() {
            let OpKind::Exec(kind) = func.ops[op].kind else { continue };
            match classify(kind) {
                OpClass::Kernel => {
                    let users: Vec<_> = kernels
                        .kernels
                        .iter()
                        .filter(|k| k.uses.iter().any(|u| u.function == func.name && u.ops.contains(&index)))
                        .collect();
                    assert_eq!(
                        users.len(),
                        1,
                        "{name}: {} (op {index} of @{}) has {} files",
                        kind.name(),
                        func.name,
                        users.len()
                    );
                    assert_eq!(users[0].op, kind.name(), "{name}: op {index} of @{}", func.name);
                    kinds.insert(kind.name());
                }
                OpClass::Gemm => gemms += 1,
                OpClass::NotAKernel | OpClass::Collective | OpClass::CpuOnly => {}
            }
        }
    }
    assert_eq!(kernels.gemms.len(), gemms, "{name}: every exec.gemm is listed");
    for k in &kernels.kernels {
        assert!(k.file.starts_with(k.op.trim_start_matches("exec.")) && k.file.ends_with(".cu"), "{}", k.file);
        assert!(k.source.starts_with("// Generated by parc"), "{}", k.file);
        assert!(k.source.contains(&format!("// op: {}", k.op)), "{}: the header names the op", k.file);
        for e in &k.entry_points {
            assert!(k.source.contains(&format!("void __launch_bounds__({}) {}(", e.block[0], e.name)), "{}", e.name);
            assert!(
                k.source.contains(&format!("//   {}  grid {}  block {}", e.name, e.grid[0], e.block[0])),
                "{}",
                e.name
            );
            assert!(e.block[0] % 32 == 0 && e.block[0] <= 1024 && e.grid[0] >= 1, "{}: launch {e:?}", e.name);
        }
        assert_eq!(k.scratch_bytes > 0, k.source.contains("void* __restrict__ scratch"), "{}", k.file);
    }
    kinds
}

#[test]
fn elementwise_body_renders_table_expressions_with_broadcasting_and_bf16() {
    let kernels = render(&parse(EXTRA));
    let k = &kernels.kernels[0];
    assert_eq!((k.op, k.variant), ("exec.elementwise", "bf16"));
    let src = &k.source;
    for expected in [
        "#include <cuda_bf16.h>",
        "const in0_t* __restrict__ in0, const in1_t* __restrict__ in1, out0_t* __restrict__ out0",
        "for (unsigned int i = (unsigned int)blockIdx.x * blockDim.x + threadIdx.x; i < 192u;",
        // The input laid out like the output is read in place, the bias [8] broadcast over [4, 6, 8].
        "const float a0 = in0[i];",
        "const float a1 = in1[(i % 8u)];",
        "const float v0 = (a0 + a1);",
        "const float v1 = (0.5f * v0 * (1.0f + tanhf(0.7978846f * (v0 + 0.044715f * v0 * v0 * v0))));",
        // graph.cast to bf16 rounds; the store converts; accumulate adds to what is there.
        "const float v2 = __bfloat162float(__float2bfloat16(v1));",
        "out0[i] = __float2bfloat16(__bfloat162float(out0[i]) + v2);",
        "//   elementwise_",
        "grid 1  block 192",
    ] {
        assert!(src.contains(expected), "missing `{expected}` in\n{src}");
    }
}

#[test]
fn every_scalar_op_has_a_table_entry() {
    let table: BTreeSet<&str> = parc_compiler::codegen::SCALAR_OPS.iter().map(|(op, _, _)| op.name()).collect();
    let scalar: BTreeSet<&str> =
        parc_dialects::graph::GraphOp::ALL.iter().filter(|&&op| op.is_elementwise()).map(|op| op.name()).collect();
    assert_eq!(table, scalar);
}

#[test]
fn classification_is_exhaustive_and_lists_the_non_kernels() {
    for &op in ExecOp::ALL {
        assert_eq!(classify(op) == OpClass::NotAKernel, NON_KERNEL_OPS.contains(&op), "{}", op.name());
    }
    assert_eq!(classify(ExecOp::Gemm), OpClass::Gemm);
}

#[test]
fn identical_kernels_share_a_file_and_different_shapes_do_not() {
    // The same body over the same types three times, with other value names, and once over
    // another shape.
    let op = |x: &str, y: &str, shape: &str| {
        format!(
            r#"    %{x} = "exec.view"() {{offset = 0 : i64}} : () -> memref<{shape}xf32>
    %{y} = "exec.view"() {{offset = 4096 : i64}} : () -> memref<{shape}xf32>
    "exec.elementwise"(%{x}, %{y}) ({{
    ^bb0(%{x}_arg: tensor<f32>):
      %{x}_s = "graph.silu"(%{x}_arg) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%{x}_s) : (tensor<f32>) -> ()
    }}) {{n_inputs = 1 : i64}} : (memref<{shape}xf32>, memref<{shape}xf32>) -> ()
"#
        )
    };
    let text = format!(
        "module {{\n  func.func @f() {{\n{}{}{}{}    \"func.return\"() : () -> ()\n  }}\n}}\n",
        op("a", "b", "16x32"),
        op("c", "d", "16x32"),
        op("e", "f", "16x32"),
        op("g", "h", "8x32"),
    );
    let kernels = render(&parse(&text));
    assert_eq!(kernels.kernels.len(), 2, "{:#?}", kernels.kernels.iter().map(|k| &k.file).collect::<Vec<_>>());
    assert_eq!(kernels.kernels[0].uses.len(), 1);
    assert_eq!(kernels.kernels[0].uses[0].ops, vec![2, 5, 8]);
    assert_eq!(kernels.kernels[1].uses[0].ops, vec![11]);
    assert!(kernels.kernels[0].source.contains("expf(-a0)"), "{}", kernels.kernels[0].source);

    // Across a real program: far fewer files than kernel instructions.
    let module = program("gpt-tiny", false);
    let kernels = render(&module);
    let instructions: usize = kernels.kernels.iter().flat_map(|k| &k.uses).map(|u| u.ops.len()).sum();
    assert!(
        kernels.kernels.len() * 3 < instructions,
        "{} files for {instructions} instructions",
        kernels.kernels.len()
    );
    let sources: BTreeSet<&str> = kernels.kernels.iter().map(|k| k.source.as_str()).collect();
    assert_eq!(sources.len(), kernels.kernels.len(), "no two files have the same source");
}

#[test]
fn rendering_is_deterministic() {
    for (name, bf16) in [("gpt-tiny", false), ("llama-tiny", true)] {
        let (first, second) = (render(&program(name, bf16)), render(&program(name, bf16)));
        assert_eq!(first, second, "{name}");
        assert_eq!(first.manifest_json(), second.manifest_json(), "{name}");
        let files: Vec<&str> = first.kernels.iter().map(|k| k.file.as_str()).collect();
        let unique: BTreeSet<&str> = files.iter().copied().collect();
        assert_eq!(unique.len(), files.len(), "{name}: file names are unique");
    }
}

#[test]
fn every_kernel_kind_of_the_tiny_models_is_rendered() {
    let mut all = BTreeSet::new();
    for (name, bf16) in [("gpt-tiny", false), ("llama-tiny", false), ("gpt-tiny", true), ("llama-tiny", true)] {
        let module = program(name, bf16);
        let kernels = render(&module);
        all.extend(check_coverage(name, &module, &kernels));
        if bf16 {
            assert!(kernels.kernels.iter().any(|k| k.variant == "bf16"), "{name}");
            let adamw = kernels.kernels.iter().find(|k| k.op == "exec.adamw").expect("an adamw kernel");
            // bf16 training updates the fp32 master copy (f32 state throughout); the bf16
            // parameter is its rounding, written by an elementwise kernel.
            assert!(adamw.source.contains("typedef float p_t;") && adamw.source.contains("typedef float m_t;"));
        }
    }
    let module = parse(EXTRA);
    all.extend(check_coverage("extra", &module, &render(&module)));
    let expected: BTreeSet<&str> =
        ExecOp::ALL.iter().filter(|&&op| classify(op) == OpClass::Kernel).map(|op| op.name()).collect();
    assert_eq!(all, expected, "every kernel kind is rendered somewhere");
}

#[test]
fn deterministic_reductions_use_scratch_not_atomics() {
    let kernels = render(&program("gpt-tiny", false));
    for k in &kernels.kernels {
        assert!(!k.source.contains("atomic"), "{} uses atomics", k.file);
    }
    for op in ["exec.layer_norm_grad", "exec.embedding_grad"] {
        let k = kernels.kernels.iter().find(|k| k.op == op).expect(op);
        assert_eq!(k.entry_points.len(), 2, "{op}: two launches");
        assert!(k.scratch_bytes > 0 && k.source.contains("bytes of device scratch"), "{op}");
    }
    // gpt-tiny: rows = 2 x 32 tokens of hidden 64; 64 row blocks of f64 dweight and dbias.
    let ln = kernels.kernels.iter().find(|k| k.op == "exec.layer_norm_grad").expect("layer_norm_grad");
    assert_eq!(ln.scratch_bytes, 2 * 64 * 64 * 8);
    let eg = kernels.kernels.iter().find(|k| k.op == "exec.embedding_grad").expect("embedding_grad");
    assert_eq!(eg.scratch_bytes, 64 * 12);
}

#[test]
fn write_kernels_replaces_stale_files() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("codegen-write").join("kernels");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    std::fs::write(dir.join("stale_00000000.cu"), "// stale").expect("write");
    std::fs::write(dir.join("notes.txt"), "kept").expect("write");
    let module = program("llama-tiny", false);
    let written = write_kernels(&dir, &module, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(!dir.join("stale_00000000.cu").exists());
    assert!(dir.join("notes.txt").exists(), "only *.cu and manifest.json are replaced");
    let kernels = render(&module);
    assert_eq!(written.len(), kernels.kernels.len() + 1);
    for k in &kernels.kernels {
        assert_eq!(std::fs::read_to_string(dir.join(&k.file)).expect("written"), k.source);
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    assert_eq!(manifest, kernels.manifest_json());
    let json: serde_json::Value = serde_json::from_str(&manifest).expect("the manifest is JSON");
    assert_eq!(json["kernels"].as_array().map(Vec::len), Some(kernels.kernels.len()));
    assert_eq!(json["gemms"].as_array().map(Vec::len), Some(kernels.gemms.len()));
    // Without a program, the directory is emptied of kernels.
    assert!(write_kernels(&dir, &module, false).expect("cleans").is_empty());
    assert!(!dir.join("manifest.json").exists() && !dir.join(&kernels.kernels[0].file).exists());
}

#[test]
fn gpt3_175b_renders_quickly_into_few_files() {
    let module = program("gpt3-175b", false);
    let start = Instant::now();
    let kernels = render(&module);
    let elapsed = start.elapsed();
    let instructions: usize = kernels.kernels.iter().flat_map(|k| &k.uses).map(|u| u.ops.len()).sum();
    eprintln!(
        "gpt3-175b: {instructions} kernel instructions and {} GEMMs rendered into {} files in {elapsed:.1?}",
        kernels.gemms.len(),
        kernels.kernels.len()
    );
    check_coverage("gpt3-175b", &module, &kernels);
    assert!(kernels.kernels.len() < 200, "{} files", kernels.kernels.len());
    // Well under a second in release builds; this bound only catches a blow-up in debug builds.
    assert!(elapsed.as_secs_f64() < 5.0, "rendering took {elapsed:?}");
}
