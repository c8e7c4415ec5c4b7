//! The host side of the CUDA backend, checked without a GPU:
//! - every instruction of the example programs (fp32 and bf16, with and without recomputation)
//!   binds to its generated kernel or to a cuBLAS plan, and each kernel's parameters are the
//!   instruction's operands ([`LaunchTable`]);
//! - every GEMM of those programs, and a set of shape classes (transposes, batch broadcasting,
//!   shared weights, accumulation), computed by its cuBLAS plan with cuBLAS's column-major
//!   semantics ([`GemmPlan::reference`]) equals the row-major product, as the CPU executor
//!   computes it;
//! - a damaged manifest is refused with a message that names the file and the fix;
//! - the kernel check (`parc_runtime::gpu::lockstep`) finds no difference between two CPU executors and finds the
//!   one kernel that a faulty stand-in device gets wrong.

use std::collections::HashMap;
use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::{Precision, Recompute};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::pass::PipelineOptions;
use parc_dialects::types::DType;
use parc_runtime::backend::{Accelerator, CollectiveError, Device};
use parc_runtime::cpu::exec::{BatchSource, Executor};
use parc_runtime::gpu::{GemmPlan, KernelSet, LaunchTable, Slot};
use parc_runtime::instr::{Collective, Kernel};
use parc_runtime::program::{Buf, Instr, Program};
use parc_runtime::train::Trainer;

fn spec(name: &str) -> ModelSpec {
    let path = format!("{}/../examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    parc_compiler::load_model(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The single-device program of `name` and its kernels, as `parc compile` renders them.
fn compiled(name: &str, precision: Precision, recompute: Recompute) -> (Program, KernelSet) {
    let training = TrainingOverrides { precision: Some(precision), recompute: Some(recompute), ..Default::default() };
    let mut spec = spec(name);
    training.apply(&mut spec);
    let opts = CompileOptions { training, mesh: Mesh::SINGLE, pipeline: PipelineOptions::default() };
    let out = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let rendered = parc_compiler::codegen::render_module(&out.module).expect("render");
    let sources = rendered.kernels.iter().map(|k| (k.file.clone(), k.source.clone())).collect();
    let set = KernelSet::parse(&rendered.manifest_json(), sources).expect("manifest");
    (Program::load(&out.module).expect("load"), set)
}

const CASES: [(&str, Precision, Recompute); 5] = [
    ("gpt-tiny", Precision::Fp32, Recompute::None),
    ("gpt-tiny", Precision::Bf16, Recompute::Full),
    ("llama-tiny", Precision::Fp32, Recompute::Selective),
    ("llama-tiny", Precision::Bf16, Recompute::None),
    ("gpt-odd", Precision::Fp32, Recompute::None),
];

#[test]
fn every_instruction_binds_to_its_kernel_or_a_cublas_plan() {
    for (name, precision, recompute) in CASES {
        let (program, kernels) = compiled(name, precision, recompute);
        let table = LaunchTable::build(&program, &kernels).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (mut launches, mut gemms) = (0, 0);
        for (f, instrs) in program.functions.iter().enumerate() {
            for (i, instr) in instrs.iter().enumerate() {
                let slot = &table.slots[f][i];
                match (instr, slot) {
                    (Instr::Kernel { kernel: Kernel::Gemm { .. }, .. }, Slot::Gemm(_)) => gemms += 1,
                    (Instr::Kernel { kernel, operands }, Slot::Kernel(k)) => {
                        let file = &kernels.manifest.kernels[*k];
                        assert_eq!(file.op, kernel.op().name(), "{name}: @{} #{i}", program.function_names[f]);
                        assert_eq!(file.params.len(), operands.len());
                        launches += 1;
                    }
                    (Instr::Kernel { .. }, other) => panic!("{name}: a kernel bound to {other:?}"),
                    (_, Slot::Other) => {}
                    (other, slot) => panic!("{name}: {} bound to {slot:?}", other.name()),
                }
            }
        }
        assert!(launches > 10 && gemms > 5, "{name}: {launches} launches, {gemms} GEMMs");
    }
}

/// Deterministic values in [-1, 1).
fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A GEMM shape class: a, b and c shapes, transpose_a, transpose_b.
type ShapeClass = (&'static [usize], &'static [usize], &'static [usize], bool, bool);

/// `c (+)= op(a) @ op(b)`, row-major, batch dims broadcast like `graph.matmul`: the semantics
/// the CPU executor implements, written out directly.
#[allow(clippy::too_many_arguments)]
fn row_major(a: &Buf, b: &Buf, c: &Buf, ta: bool, tb: bool, acc: bool, av: &[f32], bv: &[f32], cv: &mut [f32]) {
    fn dims(x: &Buf) -> (usize, usize, &[usize]) {
        let r = x.shape.len();
        (x.shape[r - 2], x.shape[r - 1], &x.shape[..r - 2])
    }
    let (ar, ac, ab) = dims(a);
    let (br, bc, bb) = dims(b);
    let (m, n, cb) = dims(c);
    let k = if ta { ar } else { ac };
    let batch: usize = cb.iter().product();
    let offset = |shape: &[usize], idx: usize, size: usize| {
        // The element offset of output batch index `idx` in an operand with batch `shape`.
        let mut rem = idx;
        let mut off = 0;
        let mut stride = size;
        let mut dims_out: Vec<usize> = cb.to_vec();
        let mut which: Vec<usize> = Vec::new();
        while let Some(d) = dims_out.pop() {
            which.push(rem % d);
            rem /= d;
        }
        for (j, &d) in shape.iter().enumerate().rev() {
            let i = which[shape.len() - 1 - j];
            if d != 1 {
                off += i * stride;
            }
            stride *= d;
        }
        off
    };
    for p in 0..batch {
        let (oa, ob, oc) = (offset(ab, p, ar * ac), offset(bb, p, br * bc), p * m * n);
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f32;
                for l in 0..k {
                    let x = if ta { av[oa + l * ac + i] } else { av[oa + i * ac + l] };
                    let y = if tb { bv[ob + j * bc + l] } else { bv[ob + l * bc + j] };
                    s += x * y;
                }
                let out = &mut cv[oc + i * n + j];
                *out = s + if acc { *out } else { 0.0 };
            }
        }
    }
}

fn buf(shape: &[usize]) -> Buf {
    Buf { offset: 0, shape: shape.to_vec(), dtype: DType::F32 }
}

fn check_gemm(a: &Buf, b: &Buf, c: &Buf, ta: bool, tb: bool, acc: bool, seed: u64) {
    let plan =
        GemmPlan::of(a, b, c, ta, tb, acc).unwrap_or_else(|e| panic!("{:?} {:?} {:?}: {e}", a.shape, b.shape, c.shape));
    let (av, bv, c0) = (random(a.len(), seed), random(b.len(), seed + 1), random(c.len(), seed + 2));
    let (mut want, mut got) = (c0.clone(), c0);
    row_major(a, b, c, ta, tb, acc, &av, &bv, &mut want);
    plan.reference(&av, &bv, &mut got);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert!(
            (w - g).abs() <= 1e-5 * (1.0 + w.abs()),
            "{:?}{} @ {:?}{} -> {:?} (acc {acc}): element {i}: plan {g}, row-major {w}",
            a.shape,
            if ta { "ᵀ" } else { "" },
            b.shape,
            if tb { "ᵀ" } else { "" },
            c.shape
        );
    }
}

#[test]
fn gemm_plans_compute_the_row_major_product_for_every_shape_class() {
    // (a, b, c, transpose_a, transpose_b)
    let classes: [ShapeClass; 10] = [
        (&[3, 4], &[4, 5], &[3, 5], false, false),
        (&[4, 3], &[4, 5], &[3, 5], true, false),
        (&[3, 4], &[5, 4], &[3, 5], false, true),
        (&[4, 3], &[5, 4], &[3, 5], true, true),
        (&[2, 3, 4], &[4, 5], &[2, 3, 5], false, false),
        (&[2, 3, 4], &[5, 4], &[2, 3, 5], false, true),
        (&[2, 4, 3], &[2, 4, 5], &[2, 3, 5], true, false),
        (&[2, 3, 3, 4], &[2, 3, 4, 5], &[2, 3, 3, 5], false, false),
        (&[2, 1, 3, 4], &[3, 5, 4], &[2, 3, 3, 5], false, true),
        (&[3, 4], &[2, 2, 4, 5], &[2, 2, 3, 5], false, false),
    ];
    for (s, (a, b, c, ta, tb)) in classes.iter().enumerate() {
        for acc in [false, true] {
            check_gemm(&buf(a), &buf(b), &buf(c), *ta, *tb, acc, s as u64 * 10);
        }
    }
    // Every GEMM of the example programs.
    let mut n = 0;
    for (name, precision, recompute) in CASES {
        let (program, _) = compiled(name, precision, recompute);
        for instrs in &program.functions {
            for instr in instrs {
                if let Instr::Kernel { kernel: Kernel::Gemm { transpose_a, transpose_b, accumulate }, operands } = instr
                {
                    let f32s: Vec<Buf> = operands.iter().map(|o| buf(&o.shape)).collect();
                    check_gemm(&f32s[0], &f32s[1], &f32s[2], *transpose_a, *transpose_b, *accumulate, n);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 50, "only {n} GEMMs in the example programs");
}

#[test]
fn gemm_plans_refuse_shapes_that_do_not_agree() {
    let e = GemmPlan::of(&buf(&[3, 4]), &buf(&[5, 6]), &buf(&[3, 6]), false, false, false).unwrap_err();
    assert!(e.contains("do not agree"), "{e}");
    let e = GemmPlan::of(&buf(&[2, 3, 4]), &buf(&[3, 4, 5]), &buf(&[2, 3, 5]), false, false, false).unwrap_err();
    assert!(e.contains("does not broadcast"), "{e}");
}

#[test]
fn a_damaged_manifest_is_refused_with_the_file_and_the_fix() {
    let (program, kernels) = compiled("gpt-tiny", Precision::Fp32, Recompute::None);
    // A kernel file the manifest names is missing.
    let mut sources = kernels.sources.clone();
    let first = kernels.manifest.kernels[0].file.clone();
    sources.remove(&first);
    let json = serde_json::to_string(&serde_json::json!({"kernels": kernels.manifest.kernels.iter().map(|k| serde_json::json!({
        "file": k.file, "op": k.op, "variant": k.variant,
        "entry_points": k.entry_points.iter().map(|e| serde_json::json!({"name": e.name, "grid": e.grid, "block": e.block, "shared_bytes": e.shared_bytes})).collect::<Vec<_>>(),
        "params": k.params.iter().map(|p| serde_json::json!({"name": p.name, "type": p.ty, "role": p.role})).collect::<Vec<_>>(),
        "scratch_bytes": k.scratch_bytes,
        "uses": k.uses.iter().map(|u| serde_json::json!({"function": u.function, "ops": u.ops})).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()}))
    .expect("json");
    let e = KernelSet::parse(&json, sources).unwrap_err();
    assert!(e.contains(&first) && e.contains("parc compile"), "{e}");
    // Not a manifest at all.
    let e = KernelSet::parse("{\"kernels\": 3}", HashMap::new()).unwrap_err();
    assert!(e.contains("not a kernel manifest"), "{e}");
    // A kernel whose parameters are not the instruction's operands.
    let mut bad = kernels.clone();
    let k = bad.manifest.kernels.iter().position(|k| !k.params.is_empty()).expect("a kernel with parameters");
    bad.manifest.kernels[k].params[0].ty = "memref<7x7xf32>".into();
    let e = LaunchTable::build(&program, &bad).unwrap_err();
    assert!(e.contains("memref<7x7xf32>") && e.contains(&bad.manifest.kernels[k].file), "{e}");
    // An instruction the manifest does not list.
    let mut bad = kernels.clone();
    bad.manifest.kernels[k].uses.clear();
    let e = LaunchTable::build(&program, &bad).unwrap_err();
    assert!(e.contains("lists no kernel for it") && e.contains("parc compile"), "{e}");
    // A file name that leaves the kernels directory.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gpu_host_bad_manifest");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("manifest.json"), json.replace(&first, "../x.cu")).expect("write");
    let e = KernelSet::read(&dir).unwrap_err();
    assert!(e.contains("not a plain file name"), "{e}");
    let e = KernelSet::read(&dir.join("absent")).unwrap_err();
    assert!(e.contains("cannot read") && e.contains("parc compile"), "{e}");
}

/// A CPU executor standing in for a GPU: its own arena, copied to and from the host's. With
/// `fault`, it adds 1e-3 to the first output element of every kernel of that op.
struct HostDevice<'p> {
    exec: Executor<'p>,
    fault: Option<&'static str>,
}

impl Device for HostDevice<'_> {
    fn kernel(&mut self, kernel: &Kernel, operands: &[Buf], at: (usize, usize)) -> Result<(), String> {
        self.exec.kernel(kernel, operands, at)?;
        if self.fault == Some(kernel.op().name()) {
            let out = operands.last().expect("an output");
            if out.dtype == DType::F32 {
                self.exec.arena.f32_mut(out)[0] += 1e-3;
            }
        }
        Ok(())
    }

    fn collective(&mut self, c: &Collective, o: &[Buf], site: (&str, usize)) -> Result<(), CollectiveError> {
        self.exec.collective(c, o, site)
    }

    fn load_batch(&mut self, mb: usize, t: &Buf, l: &Buf, data: &mut dyn BatchSource) -> Result<(), String> {
        self.exec.load_batch(mb, t, l, data)
    }
}

impl Accelerator for HostDevice<'_> {
    fn upload(&mut self, host: &[u8]) -> Result<(), String> {
        self.exec.arena.as_bytes_mut().copy_from_slice(host);
        Ok(())
    }
    fn download(&mut self, host: &mut [u8]) -> Result<(), String> {
        host.copy_from_slice(self.exec.arena.as_bytes());
        Ok(())
    }
    fn write(&mut self, buf: &Buf, bytes: &[u8]) -> Result<(), String> {
        self.exec.arena.raw_mut(buf).copy_from_slice(bytes);
        Ok(())
    }
    fn read(&mut self, buf: &Buf, bytes: &mut [u8]) -> Result<(), String> {
        bytes.copy_from_slice(self.exec.arena.raw(buf));
        Ok(())
    }
    fn describe(&self) -> String {
        "a second CPU executor".into()
    }
}

#[test]
fn the_kernel_check_finds_the_kernel_a_device_gets_wrong() {
    let (program, _) = compiled("llama-tiny", Precision::Fp32, Recompute::None);
    // Two CPU executors agree exactly, kernel by kernel.
    let mut trainer = Trainer::new(&program, None, 1).expect("trainer");
    let mut same = HostDevice { exec: Executor::new(&program, 1).expect("exec"), fault: None };
    let (_, diffs) = trainer.check_step(&mut same).expect("check");
    assert!(diffs.len() > 50, "{} kernels compared", diffs.len());
    assert!(diffs.iter().all(|d| d.max_abs == 0.0 && d.elements > 0), "{:?}", diffs.iter().find(|d| d.max_abs != 0.0));
    // The faulty one: exactly the rms_norm instructions differ, by the planted amount.
    let mut faulty = HostDevice { exec: Executor::new(&program, 1).expect("exec"), fault: Some("exec.rms_norm") };
    let (_, diffs) = trainer.check_step(&mut faulty).expect("check");
    let wrong: Vec<_> = diffs.iter().filter(|d| d.max_abs > 0.0).collect();
    assert!(!wrong.is_empty());
    assert!(wrong.iter().all(|d| d.op == "exec.rms_norm"), "{wrong:?}");
    assert!(wrong.iter().all(|d| (d.max_abs - 1e-3).abs() < 1e-4), "{wrong:?}");
    // The steps go on from the CPU's results: a third, faithful step agrees again.
    let (_, diffs) = trainer.check_step(&mut same).expect("check");
    assert!(diffs.iter().all(|d| d.max_abs == 0.0));
}
