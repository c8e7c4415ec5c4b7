//! Benchmark of the compiler's front half on GPT-3 175B: reading model.toml, building the
//! forward graph, verifying it, printing it, parsing the text back, and the whole `compile`
//! pipeline (frontend + passes + verification, nothing written): at 8x4x2 (graph passes only, no
//! partitioner yet) and at 1x1x1 down to the rank program (autodiff, optimizer, lowering, memory
//! plan). Also the same build for 12 to 96
//! layers, to show that time and graph size grow linearly with depth.
//!
//! Run: `cargo bench --bench frontend` (release profile). Prints the median, min and max of 21
//! runs per measurement. Figures are recorded in docs/PERFORMANCE.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use parc_compiler::driver::{compile_spec, CompileOptions};
use parc_compiler::models::build_forward;
use parc_compiler::{parse_model, Mesh};
use parc_dialects::parser::parse_module;
use parc_dialects::pass::PipelineOptions;
use parc_dialects::printer::print_module;
use parc_dialects::verifier::verify_module;

const RUNS: usize = 21;

fn measure<T>(name: &str, mut f: impl FnMut() -> T) -> Duration {
    black_box(f()); // warm-up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[RUNS / 2];
    println!("{name:<44} median {median:>10.3?}  min {:>10.3?}  max {:>10.3?}", times[0], times[RUNS - 1]);
    median
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gpt3-175b.toml");
    let text = std::fs::read_to_string(path).expect("examples/gpt3-175b.toml is readable");
    let spec = parse_model(path, &text).expect("gpt3-175b.toml is valid");
    let module = build_forward(&spec).expect("the forward graph builds");
    let printed = print_module(&module);
    let ops = module.functions[0].num_live_ops();
    println!(
        "gpt3-175b forward graph: {ops} ops, {} values, {} bytes of text",
        module.functions[0].values.len(),
        printed.len()
    );
    println!("{RUNS} runs each, after one warm-up run\n");

    measure("parse + validate model.toml", || parse_model(path, &text).map(|s| s.model.layers));
    let build = measure("build forward graph", || build_forward(&spec).map(|m| m.functions.len()));
    let verify = measure("verify forward graph", || verify_module(&module).is_ok());
    println!("{:<44} median {:>10.3?}", "=> build + verify", build + verify);
    measure("print forward graph", || print_module(&module).len());
    measure("parse printed graph", || parse_module(&printed).map(|m| m.functions.len()));
    let opts = CompileOptions {
        training: Default::default(),
        mesh: Mesh::parse("8x4x2").expect("valid mesh"),
        pipeline: PipelineOptions { verify_each: true, dump_all: false, ..Default::default() },
    };
    measure("compile pipeline (8x4x2, verify each, no dumps)", || {
        compile_spec(spec.clone(), &opts, Instant::now()).map(|o| o.plan.parameters.count)
    });
    // One rank: the whole pipeline down to the rank program and its memory plan.
    for verify_each in [true, false] {
        let opts = CompileOptions {
            training: Default::default(),
            mesh: Mesh::SINGLE,
            pipeline: PipelineOptions { verify_each, dump_all: false, ..Default::default() },
        };
        let name =
            format!("compile to the rank program (1x1x1, verify {})", if verify_each { "each" } else { "at end" });
        measure(&name, || compile_spec(spec.clone(), &opts, Instant::now()).map(|o| o.plan.parameters.count));
    }

    println!("\nscaling with depth (build + verify):");
    for layers in [12, 24, 48, 96] {
        let mut s = spec.clone();
        s.model.layers = layers;
        let m = build_forward(&s).expect("the forward graph builds");
        let n = m.functions[0].num_live_ops();
        let t = measure(&format!("  {layers:>2} layers ({n} ops)"), || {
            let m = build_forward(&s).expect("the forward graph builds");
            verify_module(&m).is_ok()
        });
        println!("{:<44} {:>10.1} ns/op", "", t.as_nanos() as f64 / n as f64);
    }
}
