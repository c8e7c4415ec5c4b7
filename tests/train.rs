//! One-rank training end to end (the dense and the mixture-of-experts examples): compile a tiny model, load its rank program into the CPU
//! runtime, and check that it learns, that runs are bitwise reproducible, that the measured peak
//! memory equals the static plan, and that one micro-batch's loss and gradients equal the f64
//! reference interpreter's evaluation of the graph-level `@forward_backward` on the same weights
//! and data.

use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileContext, CompileOptions};
use parc_compiler::models::build_forward;
use parc_compiler::passes::{passes, StepPlan};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::graph::interp::{eval_function, Tensor};
use parc_dialects::pass::{run_pipeline, PipelineOptions};
use parc_dialects::Module;
use parc_runtime::cpu::exec::BatchSource;
use parc_runtime::data::TokenData;
use parc_runtime::program::{Program, Role};
use parc_runtime::train::Trainer;

fn spec(name: &str) -> ModelSpec {
    let path = format!("{}/examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    parc_compiler::load_model(&path).expect("the example is valid")
}

fn program_of(spec: ModelSpec) -> Program {
    let opts = CompileOptions {
        training: Default::default(),
        mesh: Mesh::SINGLE,
        pipeline: PipelineOptions { verify_each: true, ..Default::default() },
    };
    let out = compile_spec(spec, &opts, Instant::now()).expect("compiles");
    Program::load(&out.module).expect("the rank program loads")
}

#[test]
fn tiny_models_learn_the_synthetic_task() {
    for name in ["gpt-tiny", "llama-tiny", "moe-tiny", "gpt-moe-tiny"] {
        let program = program_of(spec(name));
        let mut trainer = Trainer::new(&program, None, 2).expect("trainer");
        let losses: Vec<f32> = (0..60).map(|_| trainer.step().expect("step").loss).collect();
        let first = losses[0];
        let last = losses[losses.len() - 5..].iter().sum::<f32>() / 5.0;
        // A random model starts near ln(vocab) = ln(128) ≈ 4.85.
        assert!((first - (128f32).ln()).abs() < 0.3, "{name}: first loss {first}");
        assert!(last < 0.6 * first, "{name}: loss went from {first} to {last}: {losses:?}");
        assert!(losses.iter().all(|l| l.is_finite()), "{name}: {losses:?}");
    }
}

#[test]
fn two_runs_are_bitwise_identical_and_the_peak_equals_the_plan() {
    for name in ["gpt-tiny", "moe-tiny"] {
        bitwise_and_peak(name);
    }
}

fn bitwise_and_peak(name: &str) {
    let program = program_of(spec(name));
    let run = |threads| {
        let mut t = Trainer::new(&program, None, threads).expect("trainer");
        let losses: Vec<u32> = (0..5).map(|_| t.step().expect("step").loss.to_bits()).collect();
        let params: Vec<u32> = t.params().iter().flat_map(|(_, _, v)| v.iter().map(|x| x.to_bits())).collect();
        (losses, params, t.exec.arena.high_water())
    };
    let (a, b) = (run(2), run(2));
    assert_eq!(a.0, b.0, "{name}: losses differ between two runs");
    assert!(a.1 == b.1, "{name}: final parameters differ between two runs");
    // Buffers are placed at multiples of 256 bytes: the highest byte touched, rounded up to that,
    // is the planned arena (exact whenever the topmost buffer is a multiple of 256 bytes itself).
    let align = parc_compiler::passes::memory_plan::ALIGN as usize;
    assert_eq!(
        a.2.div_ceil(align) * align,
        program.arena_bytes,
        "{name}: the measured peak must equal the static plan"
    );
}

/// `@forward_backward` reads the batch from the `tokens` and `labels` tensors (in a step,
/// `exec.load_batch` fills them): run it on one given batch.
fn run_forward_backward(trainer: &mut Trainer, program: &Program, tokens: &[i32], labels: &[i32]) {
    let exec = &mut trainer.exec;
    exec.arena.i32_mut(&program.tensor("tokens").expect("tokens").buf).copy_from_slice(tokens);
    exec.arena.i32_mut(&program.tensor("labels").expect("labels").buf).copy_from_slice(labels);
    let fb = program.function("forward_backward").expect("@forward_backward");
    exec.run(fb, &mut NoData).expect("runs");
}

struct NoData;

impl BatchSource for NoData {
    fn load(&mut self, microbatch: usize, _: &mut [i32], _: &mut [i32]) -> Result<(), String> {
        Err(format!("@forward_backward does not load batches (asked for micro-batch {microbatch})"))
    }
}

/// The graph module after the graph-level passes (the input of lower-exec).
fn graph_module(spec: &ModelSpec) -> Module {
    let mut module = build_forward(spec).expect("builds");
    let passes = passes(&StepPlan::GRAPH);
    let ctx = CompileContext { spec: spec.clone(), mesh: Mesh::SINGLE };
    run_pipeline(&mut module, &ctx, &passes, &PipelineOptions::default()).expect("graph passes");
    module
}

#[test]
fn runtime_gradients_equal_the_reference_interpreter() {
    // The MoE examples route in f32 here and in f64 there: the same experts as long as no two
    // router probabilities of a token are within rounding of each other, as for these seeds.
    for name in ["gpt-tiny", "llama-tiny", "moe-tiny", "gpt-moe-tiny"] {
        let spec = spec(name);
        let graph = graph_module(&spec);
        let program = program_of(spec.clone());
        let mut trainer = Trainer::new(&program, None, 2).expect("trainer");
        let (b, s) = (spec.training.micro_batch, spec.model.seq_len);
        let data = TokenData::synthetic(99, s, spec.model.vocab);
        let (mut tokens, mut labels) = (vec![0; b * s], vec![0; b * s]);
        data.microbatch(0, 0, 1, spec.training.global_batch, b, 0, &mut tokens, &mut labels).expect("data");

        // The runtime: one @forward_backward into zeroed accumulators.
        for t in program.tensors.iter().filter(|t| matches!(t.role, Role::Grad | Role::Output)) {
            trainer.exec.arena.f32_mut(&t.buf).fill(0.0);
        }
        run_forward_backward(&mut trainer, &program, &tokens, &labels);
        let exec = &mut trainer.exec;

        // The reference: the graph function on the same parameters and batch, in f64.
        let f = graph.function("forward_backward").expect("graph @forward_backward");
        let mut args = vec![
            Tensor { shape: vec![b, s], data: tokens.iter().map(|&x| x as f64).collect() },
            Tensor { shape: vec![b, s], data: labels.iter().map(|&x| x as f64).collect() },
        ];
        for i in 2..f.args().len() {
            let pname = f.arg_attrs[i].str("parc.param").expect("a parameter");
            let t = program.tensor(pname).expect("in the table");
            args.push(Tensor {
                shape: t.buf.shape.clone(),
                data: exec.arena.f32(&t.buf).iter().map(|&x| x as f64).collect(),
            });
        }
        let reference = eval_function(f, &args).expect("the interpreter evaluates");
        let loss = exec.arena.f32(&program.tensor("loss").expect("loss").buf)[0] as f64;
        assert!(
            (loss - reference[0].data[0]).abs() < 1e-5 * reference[0].data[0].abs(),
            "{name}: loss {loss} vs {}",
            reference[0].data[0]
        );
        let mut worst = 0.0f64;
        // Some gradients are exactly zero in exact arithmetic (a key bias shifts every score of a
        // row equally, which softmax ignores): measure each tensor against its own largest
        // element, but at least a thousandth of the model's largest gradient element.
        let global = reference[1..].iter().flat_map(|t| t.data.iter()).fold(0.0f64, |m, x| m.max(x.abs()));
        for (k, i) in (2..f.args().len()).enumerate() {
            let pname = f.arg_attrs[i].str("parc.param").expect("a parameter");
            let got = exec.arena.f32(&program.tensor(&format!("grad.{pname}")).expect("grad").buf);
            let want = &reference[1 + k].data;
            let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-3 * global);
            let err = got.iter().zip(want).map(|(g, w)| (*g as f64 - w).abs()).fold(0.0, f64::max) / scale;
            worst = worst.max(err);
            assert!(err < 1e-4, "{name}: gradient of {pname}: max error {err:.2e} of its largest element");
        }
        eprintln!(
            "{name}: loss {loss:.6}, worst gradient error {worst:.2e} (relative to each tensor's largest element)"
        );
    }
}

/// Every named intermediate buffer of `@forward_backward` (activations, attention scores and
/// probabilities, logits, …) equals the reference interpreter's value of the graph value of the
/// same name. Buffers are laid out without reuse here, so each keeps its final value.
#[test]
fn every_named_buffer_equals_the_reference() {
    use parc_compiler::passes::lower_exec;
    use parc_dialects::attr::Attr;
    use parc_dialects::exec::ExecOp;
    use parc_dialects::graph::interp::eval_op;
    use parc_dialects::ir::OpKind;
    use std::collections::HashMap;

    for name in ["gpt-tiny", "llama-tiny", "moe-tiny", "gpt-moe-tiny"] {
        let spec = spec(name);
        let graph = graph_module(&spec);
        let mut module = graph.clone();
        lower_exec::run(&mut module, &spec.training).expect("lowers");
        // Sequential offsets: persistent tensors, then one region per view.
        let mut next = 0i64;
        let mut place = |bytes: u64| {
            let at = next;
            next += (bytes as i64 + 255) / 256 * 256;
            at
        };
        let Some(Attr::Array(entries)) = module.attrs.get("exec.tensors").cloned() else { panic!("no table") };
        let mut table = Vec::new();
        for e in entries {
            let Attr::Dict(mut d) = e else { panic!() };
            let elems: i64 = d.ints("shape").unwrap().iter().product();
            let size = parc_dialects::DType::from_name(d.str("dtype").unwrap()).unwrap().size_bytes();
            d.set("offset", Attr::Int(place(elems as u64 * size)));
            table.push(Attr::Dict(d));
        }
        module.attrs.set("exec.tensors", Attr::Array(table));
        let mut view_names = HashMap::new();
        for f in &mut module.functions {
            for op in f.walk_ops() {
                if f.ops[op].kind == OpKind::Exec(ExecOp::View) {
                    let v = f.ops[op].results[0];
                    let at = place(f.value_type(v).as_tensor().size_bytes());
                    f.ops[op].attrs.set("offset", Attr::Int(at));
                    if f.name == "forward_backward" {
                        if let Some(n) = &f.values[v].name {
                            view_names.insert(n.clone(), (at as usize, f.value_type(v).as_tensor().clone()));
                        }
                    }
                }
            }
        }
        let memory = parc_dialects::AttrMap::new().with("arena", Attr::Int(next));
        module.attrs.set("exec.memory", Attr::Dict(memory));
        let program = Program::load(&module).expect("loads");
        let mut trainer = Trainer::new(&program, None, 1).expect("trainer");
        let (b, s) = (spec.training.micro_batch, spec.model.seq_len);
        let data = TokenData::synthetic(5, s, spec.model.vocab);
        let (mut tokens, mut labels) = (vec![0; b * s], vec![0; b * s]);
        data.microbatch(0, 0, 1, spec.training.global_batch, b, 0, &mut tokens, &mut labels).expect("data");
        run_forward_backward(&mut trainer, &program, &tokens, &labels);

        // Reference values of every named graph value.
        let f = graph.function("forward_backward").expect("graph fb");
        let mut env: HashMap<parc_dialects::Value, Tensor> = HashMap::new();
        env.insert(f.args()[0], Tensor { shape: vec![b, s], data: tokens.iter().map(|&x| x as f64).collect() });
        env.insert(f.args()[1], Tensor { shape: vec![b, s], data: labels.iter().map(|&x| x as f64).collect() });
        for i in 2..f.args().len() {
            let t = program.tensor(f.arg_attrs[i].str("parc.param").unwrap()).unwrap();
            env.insert(
                f.args()[i],
                Tensor {
                    shape: t.buf.shape.clone(),
                    data: trainer.exec.arena.f32(&t.buf).iter().map(|&x| x as f64).collect(),
                },
            );
        }
        let mut checked = 0;
        for &op in &f.blocks[f.entry_block()].ops {
            let data = &f.ops[op];
            let OpKind::Graph(kind) = data.kind else { continue };
            let inputs: Vec<&Tensor> = data.operands.iter().map(|v| &env[v]).collect();
            let types: Vec<_> = data.results.iter().map(|&r| f.value_type(r).clone()).collect();
            let outs = eval_op(kind, &inputs, &data.attrs, &types).expect("evaluates");
            for (&r, t) in data.results.iter().zip(outs) {
                if let Some((offset, ty)) = f.values[r].name.as_ref().and_then(|n| view_names.get(n)) {
                    let buf = parc_runtime::program::Buf { offset: *offset, shape: ty.shape.clone(), dtype: ty.dtype };
                    // Expert choices are i32 and must agree exactly; everything else is f32.
                    let got: Vec<f32> = match ty.dtype {
                        parc_dialects::DType::I32 => {
                            trainer.exec.arena.i32_mut(&buf).iter().map(|&x| x as f32).collect()
                        }
                        _ => trainer.exec.arena.f32(&buf).to_vec(),
                    };
                    let scale = t.data.iter().fold(1e-6f64, |m, x| m.max(x.abs()));
                    let err = got.iter().zip(&t.data).map(|(g, w)| (*g as f64 - w).abs()).fold(0.0, f64::max) / scale;
                    assert!(
                        err < 1e-4,
                        "{name}: {} differs: max error {err:.2e} of its largest element",
                        f.values[r].name.as_ref().unwrap()
                    );
                    checked += 1;
                }
                env.insert(r, t);
            }
        }
        assert!(checked > 10, "{name}: only {checked} named buffers compared");
    }
}
