//! Gradient checks of the autodiff pass against central finite differences, everything evaluated
//! in f64 by the reference interpreter (`parc_dialects::graph::interp`): for every differentiable
//! op kind (in the configurations the models use and the corner cases of its rule: transposes,
//! broadcasting, keepdim, causal masking, GQA-style batch broadcast, MoE drops), and for whole
//! tiny GPT, Llama and mixture-of-experts models, every parameter element.

use parc_compiler::models::build_forward;
use parc_compiler::parse_model;
use parc_compiler::passes::autodiff::differentiate;
use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::graph::interp::{eval_function, Tensor};
use parc_dialects::graph::GraphOp;
use parc_dialects::verifier::verify_function;
use parc_dialects::{Builder, DType, Function, OpKind, Type, Value};

/// A small deterministic generator (64-bit LCG), so the checks need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn tensor(&mut self, shape: &[usize], lo: f64, hi: f64) -> Tensor {
        let n = shape.iter().product();
        Tensor { shape: shape.to_vec(), data: (0..n).map(|_| self.uniform(lo, hi)).collect() }
    }
    fn ints(&mut self, shape: &[usize], bound: usize) -> Tensor {
        let n = shape.iter().product();
        Tensor { shape: shape.to_vec(), data: (0..n).map(|_| (self.next() * bound as f64).floor()).collect() }
    }
}

/// An argument of a test function: a parameter (differentiated) or fixed data.
enum Arg {
    Param(Tensor),
    Data(Tensor, DType),
}

/// Compares the gradients of `@fb` (from the autodiff pass) with central differences of the
/// loss of `forward`, for every element of every parameter.
fn check_gradients(case: &str, forward: &Function, args: &[Tensor]) {
    verify_function(forward).unwrap_or_else(|e| panic!("{case}: forward does not verify: {e}"));
    let fb = differentiate(forward, "fb").unwrap_or_else(|e| panic!("{case}: autodiff failed: {e}"));
    verify_function(&fb).unwrap_or_else(|e| panic!("{case}: @fb does not verify: {e}"));
    let outputs = eval_function(&fb, args).unwrap_or_else(|e| panic!("{case}: evaluating @fb: {e}"));
    let loss = |args: &[Tensor]| eval_function(forward, args).expect("forward evaluates")[0].data[0];
    assert!((outputs[0].data[0] - loss(args)).abs() <= 1e-12 * loss(args).abs().max(1.0), "{case}: loss differs");
    let params: Vec<usize> = (0..args.len()).filter(|&i| forward.arg_attrs[i].str("parc.param").is_some()).collect();
    assert_eq!(outputs.len(), 1 + params.len(), "{case}: one gradient per parameter");
    let mut worst = 0.0f64;
    let mut checked = 0;
    for (k, &i) in params.iter().enumerate() {
        let grad = &outputs[1 + k];
        assert_eq!(grad.shape, args[i].shape, "{case}: gradient shape of argument {i}");
        for e in 0..args[i].data.len() {
            let x = args[i].data[e];
            let h = 1e-6 * x.abs().max(1.0);
            let mut plus = args.to_vec();
            plus[i].data[e] = x + h;
            let mut minus = args.to_vec();
            minus[i].data[e] = x - h;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
            let analytic = grad.data[e];
            let error = (numeric - analytic).abs() / numeric.abs().max(analytic.abs()).max(1.0);
            worst = worst.max(error);
            checked += 1;
            assert!(
                error < 1e-6,
                "{case}: argument {i} element {e}: autodiff {analytic:.12e}, finite differences {numeric:.12e}"
            );
        }
    }
    assert!(checked > 0, "{case}: no parameter element was checked");
    eprintln!("{case}: {checked} elements, worst relative error {worst:.2e}");
}

/// Builds `forward(args…) = Σ_i sum(result_i · r_i)` around one op, with fixed random weights
/// `r_i` (data arguments), so every element of every result contributes to the loss.
fn op_case(case: &str, rng: &mut Rng, args: Vec<Arg>, kind: GraphOp, attrs: AttrMap) {
    let mut types = Vec::new();
    let mut values = Vec::new();
    for a in &args {
        let (t, dtype) = match a {
            Arg::Param(t) => (t, DType::F32),
            Arg::Data(t, d) => (t, *d),
        };
        types.push(Type::tensor(t.shape.clone(), dtype));
        values.push(t.clone());
    }
    // The op's result types decide the weights, so build once without them to learn the shapes.
    let probe = {
        let mut f = Function::new("probe", types.clone(), vec![]);
        let operands = f.args().to_vec();
        let mut b = Builder::at_entry(&mut f);
        let results = b.op(OpKind::Graph(kind), &operands, attrs.clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        results.iter().map(|&r| b.shape(r)).collect::<Vec<_>>()
    };
    for shape in &probe {
        types.push(Type::tensor(shape.clone(), DType::F32));
        values.push(rng.tensor(shape, -1.0, 1.0));
    }
    let mut f = Function::new("forward", types, vec![Type::tensor([], DType::F32)]);
    for (i, a) in args.iter().enumerate() {
        if matches!(a, Arg::Param(_)) {
            f.arg_attrs[i] = AttrMap::new().with("parc.param", Attr::Str(format!("p{i}")));
        }
    }
    let all = f.args().to_vec();
    let (operands, weights) = all.split_at(args.len());
    let mut b = Builder::at_entry(&mut f);
    let results = b.op(OpKind::Graph(kind), operands, attrs).expect("builds");
    let mut loss: Option<Value> = None;
    for (r, w) in results.iter().zip(weights) {
        let weighted = b.mul(*r, *w).expect("mul");
        let axes: Vec<i64> = (0..b.shape(weighted).len() as i64).collect();
        let term = b.reduce(GraphOp::ReduceSum, weighted, &axes, false).expect("sum");
        loss = Some(match loss {
            Some(l) => b.add(l, term).expect("add"),
            None => term,
        });
    }
    b.ret(&[loss.expect("the op has a result")]).expect("ret");
    check_gradients(case, &f, &values);
}

/// Expert choices of six tokens, top-2 over three experts (distinct per token, as top_k gives).
fn moe_ids() -> Arg {
    let ids = [0.0, 1.0, 2.0, 0.0, 0.0, 2.0, 1.0, 2.0, 0.0, 1.0, 2.0, 1.0];
    Arg::Data(Tensor { shape: vec![6, 2], data: ids.to_vec() }, DType::I32)
}

fn p(rng: &mut Rng, shape: &[usize]) -> Arg {
    Arg::Param(rng.tensor(shape, -1.0, 1.0))
}

fn attrs(pairs: &[(&str, Attr)]) -> AttrMap {
    pairs.iter().cloned().map(|(k, v)| (k.to_string(), v)).collect()
}

#[test]
fn every_op_kind_matches_finite_differences() {
    use Attr::{Bool, Float, Int, Ints};
    let mut r = Rng(7);
    let none = AttrMap::new();
    let ids = |r: &mut Rng, shape: &[usize], v: usize| Arg::Data(r.ints(shape, v), DType::I32);
    let cases: Vec<(&str, Vec<Arg>, GraphOp, AttrMap)> = vec![
        ("embedding", vec![p(&mut r, &[5, 3]), ids(&mut r, &[2, 4], 5)], GraphOp::Embedding, none.clone()),
        ("matmul", vec![p(&mut r, &[3, 4]), p(&mut r, &[4, 2])], GraphOp::Matmul, none.clone()),
        ("matmul linear layer", vec![p(&mut r, &[2, 3, 4]), p(&mut r, &[4, 5])], GraphOp::Matmul, none.clone()),
        (
            "matmul linear layer, transpose_b (tied head)",
            vec![p(&mut r, &[2, 3, 4]), p(&mut r, &[5, 4])],
            GraphOp::Matmul,
            attrs(&[("transpose_b", Bool(true))]),
        ),
        (
            "matmul transpose_a",
            vec![p(&mut r, &[4, 3]), p(&mut r, &[4, 2])],
            GraphOp::Matmul,
            attrs(&[("transpose_a", Bool(true))]),
        ),
        (
            "matmul both transposed, batched",
            vec![p(&mut r, &[2, 4, 3]), p(&mut r, &[2, 5, 4])],
            GraphOp::Matmul,
            attrs(&[("transpose_a", Bool(true)), ("transpose_b", Bool(true))]),
        ),
        (
            "matmul grouped-query broadcast",
            vec![p(&mut r, &[1, 2, 3, 4, 2]), p(&mut r, &[1, 2, 1, 4, 2])],
            GraphOp::Matmul,
            attrs(&[("transpose_b", Bool(true))]),
        ),
        ("matmul rank 2 by batched", vec![p(&mut r, &[3, 4]), p(&mut r, &[2, 4, 2])], GraphOp::Matmul, none.clone()),
        ("add broadcast", vec![p(&mut r, &[2, 3, 4]), p(&mut r, &[4])], GraphOp::Add, none.clone()),
        ("sub broadcast both", vec![p(&mut r, &[2, 1, 4]), p(&mut r, &[3, 1])], GraphOp::Sub, none.clone()),
        ("mul broadcast", vec![p(&mut r, &[2, 3]), p(&mut r, &[2, 1])], GraphOp::Mul, none.clone()),
        ("div broadcast", vec![p(&mut r, &[2, 3]), Arg::Param(r.tensor(&[3], 0.5, 1.5))], GraphOp::Div, none.clone()),
        ("scale", vec![p(&mut r, &[2, 3])], GraphOp::Scale, attrs(&[("factor", Float(-0.3))])),
        ("gelu", vec![Arg::Param(r.tensor(&[3, 4], -3.0, 3.0))], GraphOp::Gelu, none.clone()),
        ("silu", vec![Arg::Param(r.tensor(&[3, 4], -3.0, 3.0))], GraphOp::Silu, none.clone()),
        ("softmax", vec![p(&mut r, &[2, 5])], GraphOp::Softmax, none.clone()),
        ("softmax causal", vec![p(&mut r, &[2, 4, 4])], GraphOp::Softmax, attrs(&[("causal", Bool(true))])),
        (
            "softmax causal, fewer queries than keys",
            vec![p(&mut r, &[3, 5])],
            GraphOp::Softmax,
            attrs(&[("causal", Bool(true))]),
        ),
        (
            "layer_norm",
            vec![p(&mut r, &[2, 3, 5]), p(&mut r, &[5]), p(&mut r, &[5])],
            GraphOp::LayerNorm,
            attrs(&[("eps", Float(1e-5))]),
        ),
        ("rms_norm", vec![p(&mut r, &[3, 6]), p(&mut r, &[6])], GraphOp::RmsNorm, attrs(&[("eps", Float(1e-6))])),
        ("rope", vec![p(&mut r, &[2, 3, 2, 4])], GraphOp::Rope, attrs(&[("theta", Float(10000.0))])),
        (
            "rope inverse",
            vec![p(&mut r, &[1, 4, 1, 6])],
            GraphOp::Rope,
            attrs(&[("theta", Float(500.0)), ("inverse", Bool(true))]),
        ),
        ("reshape", vec![p(&mut r, &[2, 6])], GraphOp::Reshape, attrs(&[("shape", Ints(vec![3, 2, 2]))])),
        ("transpose", vec![p(&mut r, &[2, 3, 4])], GraphOp::Transpose, attrs(&[("perm", Ints(vec![2, 0, 1]))])),
        ("split", vec![p(&mut r, &[2, 5])], GraphOp::Split, attrs(&[("axis", Int(-1)), ("sizes", Ints(vec![2, 3]))])),
        ("concat", vec![p(&mut r, &[2, 2]), p(&mut r, &[2, 3])], GraphOp::Concat, attrs(&[("axis", Int(1))])),
        ("reduce_sum", vec![p(&mut r, &[2, 3, 4])], GraphOp::ReduceSum, attrs(&[("axes", Ints(vec![0, 2]))])),
        (
            "reduce_mean keepdim",
            vec![p(&mut r, &[2, 3, 4])],
            GraphOp::ReduceMean,
            attrs(&[("axes", Ints(vec![-1])), ("keepdim", Bool(true))]),
        ),
        ("reduce_max", vec![p(&mut r, &[3, 4])], GraphOp::ReduceMax, attrs(&[("axes", Ints(vec![1]))])),
        (
            "cross_entropy",
            vec![Arg::Param(r.tensor(&[2, 3, 7], -2.0, 2.0)), ids(&mut r, &[2, 3], 7)],
            GraphOp::CrossEntropy,
            none.clone(),
        ),
        ("broadcast", vec![p(&mut r, &[3, 1])], GraphOp::Broadcast, attrs(&[("shape", Ints(vec![2, 3, 4]))])),
        // Six tokens, top-2 over 3 experts, two groups of three tokens, capacity 2: some pairs
        // are dropped (expert 0 gets three pairs in the first group), some slots stay empty.
        (
            "moe_scatter with drops",
            vec![p(&mut r, &[6, 2, 3]), moe_ids()],
            GraphOp::MoeScatter,
            attrs(&[("experts", Int(3)), ("capacity", Int(2)), ("groups", Int(2))]),
        ),
        (
            "moe_gather with drops",
            vec![p(&mut r, &[3, 4, 3]), moe_ids()],
            GraphOp::MoeGather,
            attrs(&[("capacity", Int(2)), ("groups", Int(2))]),
        ),
        (
            "moe_scatter dropless",
            vec![p(&mut r, &[6, 2, 2]), moe_ids()],
            GraphOp::MoeScatter,
            attrs(&[("experts", Int(3)), ("capacity", Int(6)), ("groups", Int(1))]),
        ),
    ];
    let mut covered = std::collections::BTreeSet::new();
    for (case, args, kind, attrs) in cases {
        covered.insert(kind);
        op_case(case, &mut r, args, kind, attrs);
    }
    // Every forward op kind is covered; fill has no operands, the backward ops themselves are not
    // differentiated (they are checked through the rules that emit them), and the optimizer ops
    // are not differentiable (tests/optimizer.rs checks them).
    // Cast rounds, so finite differences do not apply; it has its own exact test below.
    let backward = [
        GraphOp::Cast,
        GraphOp::EmbeddingGrad,
        GraphOp::GeluGrad,
        GraphOp::SiluGrad,
        GraphOp::SoftmaxGrad,
        GraphOp::LayerNormGrad,
        GraphOp::RmsNormGrad,
        GraphOp::CrossEntropyGrad,
        GraphOp::ReduceMaxGrad,
        GraphOp::Fill,
        GraphOp::LrSchedule,
        GraphOp::ClipCoef,
        GraphOp::AdamwUpdate,
        GraphOp::SgdUpdate,
        // The partitioner's vocab-parallel cross-entropy pieces are emitted after autodiff; the
        // interpreter's tests check them against cross_entropy and its gradient.
        GraphOp::CrossEntropyStats,
        GraphOp::CrossEntropyFromStats,
        GraphOp::CrossEntropyGradStats,
        // Expert choices are integers, and a one-hot of integers is piecewise constant: no
        // gradient flows through either (their rule says so; the MoE model check covers them).
        GraphOp::TopK,
        GraphOp::OneHot,
    ];
    let missing: Vec<_> = GraphOp::ALL.iter().filter(|k| !covered.contains(k) && !backward.contains(k)).collect();
    assert!(missing.is_empty(), "op kinds without a gradient check: {missing:?}");
}

const GPT_MICRO: &str = r#"
[model]
vocab = 11
hidden = 8
layers = 2
heads = 2
ffn = 12
seq_len = 4
[training]
global_batch = 4
micro_batch = 2
"#;

const LLAMA_MICRO: &str = r#"
[model]
vocab = 11
hidden = 8
layers = 2
heads = 2
kv_heads = 1
ffn = 12
seq_len = 4
norm = "rmsnorm"
activation = "swiglu"
position = "rope"
[training]
global_batch = 4
micro_batch = 2
"#;

/// Llama-style experts, top-2 of 3, a MoE MLP in layer 1 only, the load-balancing loss, and a
/// capacity factor that must drop pairs: a micro-batch of 2 × 4 tokens makes 16 pairs for 3
/// experts of capacity ceil(0.75 · 8 · 2 / 3) = 4 each.
const MOE_LLAMA_MICRO: &str = r#"
[model]
vocab = 11
hidden = 8
layers = 2
heads = 2
kv_heads = 1
ffn = 12
seq_len = 4
norm = "rmsnorm"
activation = "swiglu"
position = "rope"
[model.moe]
experts = 3
top_k = 2
expert_ffn = 6
every = 2
capacity_factor = 0.75
aux_loss_coef = 0.1
[training]
global_batch = 4
micro_batch = 2
"#;

/// GELU experts with biases, dropless, every layer (so no dense ffn).
const MOE_GPT_MICRO: &str = r#"
[model]
vocab = 11
hidden = 8
layers = 1
heads = 2
seq_len = 4
[model.moe]
experts = 4
top_k = 2
expert_ffn = 5
[training]
global_batch = 4
micro_batch = 2
"#;

fn model_case(case: &str, text: &str, seed: u64) {
    let spec = parse_model(&format!("{case}.toml"), text).expect("valid model");
    let module = build_forward(&spec).expect("builds");
    let forward = &module.functions[0];
    let mut rng = Rng(seed);
    let (b, s, v) = (spec.training.micro_batch, spec.model.seq_len, spec.model.vocab);
    let mut args = vec![rng.ints(&[b, s], v), rng.ints(&[b, s], v)];
    for &arg in &forward.args()[2..] {
        let shape = forward.value_type(arg).as_tensor().shape.clone();
        // Norm weights around 1 (as initialized), everything else around 0 with a scale that
        // keeps activations in the nonlinear range.
        args.push(if shape.len() == 1 { rng.tensor(&shape, 0.5, 1.5) } else { rng.tensor(&shape, -0.7, 0.7) });
    }
    check_gradients(case, forward, &args);
}

#[test]
fn tiny_gpt_gradients_match_finite_differences() {
    model_case("gpt-micro", GPT_MICRO, 11);
}

#[test]
fn tiny_llama_gradients_match_finite_differences() {
    model_case("llama-micro", LLAMA_MICRO, 12);
}

/// The routing is piecewise constant in the parameters: finite differences see the same experts
/// as long as no perturbation flips a choice, which the step (1e-6) does not do for these seeds.
#[test]
fn tiny_moe_gradients_match_finite_differences() {
    model_case("moe-llama-micro", MOE_LLAMA_MICRO, 13);
    model_case("moe-gpt-micro", MOE_GPT_MICRO, 14);
}

/// Rounding has a zero derivative almost everywhere; like PyTorch, the cast's VJP passes the
/// gradient through unchanged (cast back to the operand's type). So the gradient of
/// `sum(cast(x) · r)` is exactly `r`.
#[test]
fn cast_passes_the_gradient_through() {
    let mut rng = Rng(3);
    for dtype in [DType::BF16, DType::F16, DType::F32] {
        let ty = Type::tensor([2, 3], DType::F32);
        let mut f =
            Function::new("forward", vec![ty.clone(), Type::tensor([2, 3], dtype)], vec![Type::tensor([], DType::F32)]);
        f.arg_attrs[0] = AttrMap::new().with("parc.param", Attr::Str("x".into()));
        let (x, w) = (f.args()[0], f.args()[1]);
        let mut b = Builder::at_entry(&mut f);
        let c = b.cast(x, dtype).expect("cast");
        let weighted = b.mul(c, w).expect("mul");
        let wide = b.cast(weighted, DType::F32).expect("cast back");
        let loss = b.reduce(GraphOp::ReduceSum, wide, &[0, 1], false).expect("sum");
        b.ret(&[loss]).expect("ret");
        let fb = differentiate(&f, "fb").expect("autodiff");
        verify_function(&fb).expect("verifies");
        // Weights that are exact in every format, so the expected gradient is exact too.
        let r = Tensor { shape: vec![2, 3], data: vec![0.5, -1.0, 2.0, 0.25, -0.75, 1.5] };
        let out = eval_function(&fb, &[rng.tensor(&[2, 3], -1.0, 1.0), r.clone()]).expect("evaluates");
        assert_eq!(out[1].data, r.data, "gradient through a cast to {dtype}");
    }
}
