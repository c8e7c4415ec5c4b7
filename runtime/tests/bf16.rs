//! bf16 kernels on the CPU backend against an f64 reference: inputs and outputs are bf16, the
//! arithmetic f32 (accumulating in f32), and the result the f64 value of the same bf16 inputs
//! rounded to bf16 (ties to even) — except where the f64 value lies within f32 rounding of the
//! midpoint between two bf16 values, which f32 arithmetic may round either way.

use parc_dialects::parser::parse_module;
use parc_runtime::comm::{bf16_to_f32, f32_to_bf16};
use parc_runtime::cpu::exec::{BatchSource, Executor};
use parc_runtime::program::Program;

struct NoData;
impl BatchSource for NoData {
    fn load(&mut self, _: usize, _: &mut [i32], _: &mut [i32]) -> Result<(), String> {
        Err("no data".into())
    }
}

/// A one-function program over bf16 tensors `a` [4, 8], `b` [8, 6], `c` [4, 6], `s` [4, 8] and
/// `e` [4, 8] (offsets in a 1 KiB arena) whose body is `body`.
fn program(body: &str) -> Program {
    let tensors = [("a", "4, 8", 0), ("b", "8, 6", 64), ("c", "4, 6", 192), ("s", "4, 8", 256), ("e", "4, 8", 320)];
    let table: Vec<String> = tensors
        .iter()
        .map(|(n, shape, off)| {
            format!(
                r#"{{dtype = "bf16", name = "{n}", offset = {off} : i64, role = "input", shape = array<i64: {shape}>}}"#
            )
        })
        .collect();
    let text = format!(
        r#"module attributes {{exec.memory = {{arena = 1024 : i64}}, exec.tensors = [{}]}} {{
  func.func @train_step() {{
    %a = "exec.tensor"() {{name = "a"}} : () -> memref<4x8xbf16>
    %b = "exec.tensor"() {{name = "b"}} : () -> memref<8x6xbf16>
    %c = "exec.tensor"() {{name = "c"}} : () -> memref<4x6xbf16>
    %s = "exec.tensor"() {{name = "s"}} : () -> memref<4x8xbf16>
    %e = "exec.tensor"() {{name = "e"}} : () -> memref<4x8xbf16>
{body}
    "func.return"() : () -> ()
  }}
}}
"#,
        table.join(", ")
    );
    let module = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    Program::load(&module).unwrap_or_else(|e| panic!("{e}"))
}

/// Deterministic values in about [-2, 2], rounded to bf16.
fn values(n: usize, seed: u32) -> Vec<u16> {
    (0..n)
        .map(|i| {
            let x = ((i as u32).wrapping_mul(2654435761).wrapping_add(seed.wrapping_mul(40503)) % 4001) as f32 / 1000.0
                - 2.0;
            f32_to_bf16(x)
        })
        .collect()
}

/// Runs `body` on `a`, `b` and returns the bf16 tensor `out` as f64.
fn run(body: &str, out: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let p = program(body);
    let mut exec = Executor::new(&p, 1).unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (values(32, 1), values(48, 2));
    exec.arena.bf16_mut(&p.tensor("a").expect("a").buf).copy_from_slice(&a);
    exec.arena.bf16_mut(&p.tensor("b").expect("b").buf).copy_from_slice(&b);
    exec.run(p.function("train_step").expect("train_step"), &mut NoData).unwrap_or_else(|e| panic!("{e}"));
    let widen = |v: &[u16]| v.iter().map(|&x| f64::from(bf16_to_f32(x))).collect::<Vec<f64>>();
    let got = widen(exec.arena.bf16(&p.tensor(out).expect("out").buf));
    (widen(&a), widen(&b), got)
}

/// `got` is `want` rounded to bf16; or, where `want` lies within f32 rounding (and f32
/// accumulation) of the midpoint between two bf16 neighbours, the other neighbour.
fn check(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    let mut ties = 0;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let r = f64::from(bf16_to_f32(f32_to_bf16(w as f32)));
        if g == r {
            continue;
        }
        let midpoint = (g + r) / 2.0;
        let near = (w - midpoint).abs() <= 8.0 * f64::from(f32::EPSILON) * w.abs().max(1e-6);
        let neighbours = (g - r).abs() <= r.abs().max(g.abs()) * 2f64.powi(-7);
        assert!(near && neighbours, "{what}[{i}]: got {g}, the f64 value {w} rounds to {r}");
        ties += 1;
    }
    assert!(ties * 10 <= got.len(), "{what}: {ties} of {} values off their rounding", got.len());
}

#[test]
fn gemm_accumulates_in_f32_and_rounds_once() {
    let (a, b, got) =
        run(r#"    "exec.gemm"(%a, %b, %c) : (memref<4x8xbf16>, memref<8x6xbf16>, memref<4x6xbf16>) -> ()"#, "c");
    let mut want = vec![0.0; 24];
    for i in 0..4 {
        for j in 0..6 {
            want[i * 6 + j] = (0..8).map(|k| a[i * 8 + k] * b[k * 6 + j]).sum();
        }
    }
    check("gemm", &got, &want);
}

#[test]
fn softmax_computes_in_f32() {
    let (a, _, got) =
        run(r#"    "exec.softmax"(%a, %s) {causal = false} : (memref<4x8xbf16>, memref<4x8xbf16>) -> ()"#, "s");
    let mut want = vec![0.0; 32];
    for r in 0..4 {
        let row = &a[r * 8..r * 8 + 8];
        let max = row.iter().cloned().fold(f64::MIN, f64::max);
        let sum: f64 = row.iter().map(|x| (x - max).exp()).sum();
        for k in 0..8 {
            want[r * 8 + k] = (row[k] - max).exp() / sum;
        }
    }
    check("softmax", &got, &want);
}

#[test]
fn a_fused_elementwise_kernel_rounds_its_output_once() {
    // e = gelu(a) * a, one kernel: the intermediate gelu stays f32.
    let body = r#"    "exec.elementwise"(%a, %e) ({
    ^bb0(%x: tensor<bf16>):
      %g = "graph.gelu"(%x) : (tensor<bf16>) -> tensor<bf16>
      %y = "graph.mul"(%g, %x) : (tensor<bf16>, tensor<bf16>) -> tensor<bf16>
      "exec.yield"(%y) : (tensor<bf16>) -> ()
    }) {n_inputs = 1 : i64} : (memref<4x8xbf16>, memref<4x8xbf16>) -> ()"#;
    let (a, _, got) = run(body, "e");
    let gelu = |x: f64| 0.5 * x * (1.0 + (0.7978845608028654 * (x + 0.044715 * x * x * x)).tanh());
    let want: Vec<f64> = a.iter().map(|&x| gelu(x) * x).collect();
    check("gelu(a)·a", &got, &want);
}
