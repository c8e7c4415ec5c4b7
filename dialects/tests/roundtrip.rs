//! Round-trip tests of the printer and the parser.
//!
//! A proptest builds random well-formed modules through the public builder API (random functions,
//! arguments, attribute dictionaries covering every `Attr` variant, and bodies of graph ops chosen
//! so that each is valid for the values that exist at that point) and checks, for each module:
//! it verifies; `print → parse → print` gives the same text; the parsed module verifies and has
//! the same structure as the built one; parsing and printing once more changes nothing.
//!
//! A fixed, seeded sample of generated modules is also written to
//! `$CARGO_TARGET_TMPDIR/roundtrip/sample-NN.mlir`, where CI runs upstream
//! `mlir-opt --allow-unregistered-dialect` over it to check the text is real MLIR.
//!
//! A few hand-written texts pin the exact printed form and the extra syntax the parser accepts
//! (the custom `func.return` form, comments).
//!
//! The number of proptest cases is 256, or `PROPTEST_CASES` when that is set.

use std::collections::HashMap;
use std::path::PathBuf;

use parc_dialects::graph::GraphOp;
use parc_dialects::ir::ValueDef;
use parc_dialects::parser::parse_module;
use parc_dialects::printer::print_module;
use parc_dialects::types::TensorType;
use parc_dialects::verifier::verify_module;
use parc_dialects::{Attr, AttrMap, Builder, DType, Function, Module, Type, Value};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

// ---------------------------------------------------------------------------------------------
// Recipes: what proptest generates (and shrinks). A recipe is turned into a module by `build`,
// which picks operands among the values that exist so that every op is valid by construction.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct ModuleRecipe {
    attrs: AttrMap,
    functions: Vec<FuncRecipe>,
}

#[derive(Clone, Debug)]
struct FuncRecipe {
    name: String,
    attrs: AttrMap,
    args: Vec<ArgRecipe>,
    steps: Vec<Step>,
    /// Which values to return, as picks among every value of the function (0 to 3 of them).
    returns: Vec<u32>,
}

#[derive(Clone, Debug)]
struct ArgRecipe {
    ty: TensorType,
    attrs: AttrMap,
    hint: Option<String>,
}

/// The kind of op sequence one step appends.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum StepKind {
    Gelu,
    Silu,
    Scale,
    Softmax,
    Reshape,
    Transpose,
    Reduce,
    /// add/sub/mul/div of two values of equal type.
    Binary,
    /// add/sub/mul/div against a fresh argument that broadcasts.
    BroadcastBinary,
    /// matmul of two fresh arguments (batch dims, broadcasting, transposes).
    MatmulFresh,
    /// matmul of an existing value with a fresh weight argument.
    MatmulWeight,
    Split,
    Concat,
    LayerNorm,
    RmsNorm,
    Cast,
    Embedding,
    CrossEntropy,
    Rope,
}

impl StepKind {
    const ALL: [StepKind; 19] = [
        StepKind::Gelu,
        StepKind::Silu,
        StepKind::Scale,
        StepKind::Softmax,
        StepKind::Reshape,
        StepKind::Transpose,
        StepKind::Reduce,
        StepKind::Binary,
        StepKind::BroadcastBinary,
        StepKind::MatmulFresh,
        StepKind::MatmulWeight,
        StepKind::Split,
        StepKind::Concat,
        StepKind::LayerNorm,
        StepKind::RmsNorm,
        StepKind::Cast,
        StepKind::Embedding,
        StepKind::CrossEntropy,
        StepKind::Rope,
    ];
}

#[derive(Clone, Debug)]
struct Step {
    kind: StepKind,
    /// Seeds every choice the step makes (operands, dims, axes).
    seed: u64,
    /// A finite float for the op's float attribute (scale factor, eps, theta) where it fits.
    param: f64,
    /// The name hint of the step's results (all of them, so a split makes colliding hints).
    hint: Option<String>,
    /// Attributes and name hint of the fresh arguments the step creates.
    arg_attrs: AttrMap,
    arg_hint: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

fn dtype() -> impl Strategy<Value = DType> {
    prop::sample::select(DType::ALL.to_vec())
}

fn tensor_type() -> impl Strategy<Value = TensorType> {
    (prop::collection::vec(1usize..=6, 0..=4), dtype()).prop_map(|(shape, dtype)| TensorType::new(shape, dtype))
}

fn int_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(-1),
        Just(1),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(i64::MIN + 1),
        -1000i64..1000,
        any::<i64>(),
    ]
}

fn float_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0f64),
        Just(-0.0),
        Just(0.1),
        Just(0.2),
        Just(1.0 / 3.0),
        Just(3.0),
        Just(-3.0),
        Just(1e-5),
        Just(1e-6),
        Just(1e300),
        Just(-1e-300),
        Just(1e16),
        Just(1e15 + 0.5),
        Just(123456789.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::EPSILON),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        (-1000i32..1000).prop_map(f64::from),
        any::<f64>(),
    ]
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("say \"hi\"".to_string()),
        Just("back\\slash and \\22 not an escape".to_string()),
        Just("line one\nline two\r\n\ttabbed".to_string()),
        Just("héllo wörld ✓ 日本語 🚀".to_string()),
        Just("\u{0}\u{1f}\u{7f}".to_string()),
        Just("// not a comment } ] > \"".to_string()),
        "[ -~]{0,12}",
        ".{0,6}",
    ]
}

/// Dictionary keys: bare identifiers, and keys that must be quoted. MLIR attribute names are
/// bare identifiers (`[A-Za-z_][A-Za-z0-9_$.]*`) or non-empty strings.
fn attr_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_.$]{0,6}",
        1 => Just("parc.param".to_string()),
        1 => Just("with space".to_string()),
        1 => Just("quote\"key".to_string()),
        1 => Just("ünïcode".to_string()),
        1 => Just("9lives".to_string()),
        1 => Just("true".to_string()),
    ]
}

/// Symbol names that MLIR accepts bare after `@`.
fn symbol_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_.$]{0,8}"
}

fn attr() -> impl Strategy<Value = Attr> {
    let leaf = prop_oneof![
        Just(Attr::Unit),
        any::<bool>().prop_map(Attr::Bool),
        int_value().prop_map(Attr::Int),
        float_value().prop_map(Attr::Float),
        string_value().prop_map(Attr::Str),
        prop::collection::vec(int_value(), 0..4).prop_map(Attr::Ints),
        tensor_type().prop_map(|t| Attr::Type(t.into())),
        symbol_name().prop_map(Attr::Symbol),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Attr::Array),
            dict_of(inner).prop_map(Attr::Dict),
        ]
    })
}

fn dict_of(value: impl Strategy<Value = Attr>) -> impl Strategy<Value = AttrMap> {
    prop::collection::vec((attr_key(), value), 0..4).prop_map(|entries| entries.into_iter().collect())
}

fn attr_dict() -> impl Strategy<Value = AttrMap> {
    dict_of(attr())
}

/// A dictionary for a module or a function argument. Upstream MLIR only accepts dialect-prefixed
/// names there (`parc.param`, not `param`), so every key gets a dialect prefix; nested
/// dictionaries keep arbitrary keys.
fn dialect_attr_dict() -> impl Strategy<Value = AttrMap> {
    prop::collection::vec((prop::sample::select(vec!["parc.", "test."]), attr_key(), attr()), 0..4)
        .prop_map(|entries| entries.into_iter().map(|(prefix, key, value)| (format!("{prefix}{key}"), value)).collect())
}

/// Name hints, among them colliding ones, ones the printer must sanitize, numeric ones, and ones
/// that look like the printer's own `_N` suffixes.
fn hint() -> impl Strategy<Value = Option<String>> {
    let fixed = prop::sample::select(vec![
        "x",
        "x",
        "x_1",
        "x_2",
        "h0.attn.q",
        "0",
        "12",
        "",
        "a b",
        "é",
        "%weird",
        "-",
        "$",
        ".",
        "v0",
        "v1",
        "1x",
        "arg0",
        "0_1",
        "tab\there",
    ])
    .prop_map(str::to_string);
    prop::option::weighted(0.6, prop_oneof![3 => fixed, 1 => "[a-z]{1,3}(_[0-9])?", 1 => "[0-9]{1,3}", 1 => ".{0,4}"])
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::sample::select(StepKind::ALL.to_vec()),
        any::<u64>(),
        prop_oneof![Just(1e-5), Just(0.5), Just(3.0), Just(-2.0), Just(10000.0), -1e6f64..1e6],
        hint(),
        prop_oneof![3 => Just(AttrMap::new()), 1 => dialect_attr_dict()],
        hint(),
    )
        .prop_map(|(kind, seed, param, hint, arg_attrs, arg_hint)| Step {
            kind,
            seed,
            param,
            hint,
            arg_attrs,
            arg_hint,
        })
}

fn arg() -> impl Strategy<Value = ArgRecipe> {
    (tensor_type(), prop_oneof![1 => Just(AttrMap::new()), 1 => dialect_attr_dict()], hint())
        .prop_map(|(ty, attrs, hint)| ArgRecipe { ty, attrs, hint })
}

fn func_recipe() -> impl Strategy<Value = FuncRecipe> {
    (
        symbol_name(),
        prop_oneof![1 => Just(AttrMap::new()), 1 => attr_dict()],
        prop::collection::vec(arg(), 0..4),
        prop::collection::vec(step(), 0..16),
        prop::collection::vec(any::<u32>(), 0..=3),
    )
        .prop_map(|(name, attrs, args, steps, returns)| FuncRecipe { name, attrs, args, steps, returns })
}

fn module_recipe() -> impl Strategy<Value = ModuleRecipe> {
    (prop_oneof![1 => Just(AttrMap::new()), 1 => dialect_attr_dict()], prop::collection::vec(func_recipe(), 1..=3))
        .prop_map(|(attrs, functions)| ModuleRecipe { attrs, functions })
}

// ---------------------------------------------------------------------------------------------
// Building a module from a recipe.
// ---------------------------------------------------------------------------------------------

/// SplitMix64: the step's seed drives every choice, so a recipe always builds the same module.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi_inclusive: usize) -> usize {
        lo + self.below(hi_inclusive - lo + 1)
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }

    fn float_dtype(&mut self) -> DType {
        [DType::F32, DType::BF16, DType::F16][self.below(3)]
    }

    fn int_dtype(&mut self) -> DType {
        [DType::I32, DType::I64][self.below(2)]
    }

    fn dims(&mut self, min_rank: usize, max_rank: usize) -> Vec<usize> {
        let rank = self.range(min_rank, max_rank);
        (0..rank).map(|_| self.range(1, 6)).collect()
    }

    /// `axis` as written in an attribute: sometimes counted from the end.
    fn axis_attr(&mut self, axis: usize, rank: usize) -> i64 {
        if self.coin() {
            axis as i64 - rank as i64
        } else {
            axis as i64
        }
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

/// One function under construction: the builder and every value defined so far.
struct FuncBuild<'f> {
    b: Builder<'f>,
    values: Vec<Value>,
}

impl FuncBuild<'_> {
    fn ty(&self, v: Value) -> TensorType {
        self.b.ty(v).as_tensor().clone()
    }

    /// A new function argument of type `ty`.
    fn fresh_arg(&mut self, step: &Step, ty: TensorType) -> Value {
        let block = self.b.block;
        let v = self.b.func.add_block_arg(block, ty.into(), step.arg_hint.clone());
        self.b.func.arg_attrs.push(step.arg_attrs.clone());
        self.values.push(v);
        v
    }

    /// A value whose type satisfies `want`, or (if none exists, and now and then anyway) a fresh
    /// argument of the type `make` draws.
    fn pick_or_fresh(
        &mut self,
        step: &Step,
        rng: &mut Rng,
        want: impl Fn(&TensorType) -> bool,
        make: impl FnOnce(&mut Rng) -> TensorType,
    ) -> Value {
        let candidates: Vec<Value> = self.values.iter().copied().filter(|&v| want(self.b.ty(v).as_tensor())).collect();
        if candidates.is_empty() || rng.below(8) == 0 {
            let ty = make(rng);
            assert!(want(&ty), "generator made a type its own filter rejects: {ty}");
            self.fresh_arg(step, ty)
        } else {
            candidates[rng.below(candidates.len())]
        }
    }

    fn define(&mut self, step: &Step, results: &[Value]) {
        for &v in results {
            if let Some(h) = &step.hint {
                self.b.named(v, h.clone());
            }
            self.values.push(v);
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let rng = &mut Rng(step.seed);
        let is_float = |t: &TensorType| t.dtype.is_float();
        let float_any = |r: &mut Rng| TensorType::new(r.dims(0, 4), r.float_dtype());
        let float_ranked = |r: &mut Rng| TensorType::new(r.dims(1, 4), r.float_dtype());
        let any_ranked = |r: &mut Rng| TensorType::new(r.dims(1, 4), DType::ALL[r.below(5)]);
        let any_type = |r: &mut Rng| TensorType::new(r.dims(0, 4), DType::ALL[r.below(5)]);
        let e = |err: parc_dialects::BuildError| format!("{:?}: {err}", step.kind);
        let results: Vec<Value> = match step.kind {
            StepKind::Gelu | StepKind::Silu | StepKind::Scale => {
                let x = self.pick_or_fresh(step, rng, is_float, float_any);
                let y = match step.kind {
                    StepKind::Gelu => self.b.gelu(x),
                    StepKind::Silu => self.b.silu(x),
                    _ => self.b.scale(x, step.param),
                };
                vec![y.map_err(e)?]
            }
            StepKind::Softmax => {
                let x = self.pick_or_fresh(step, rng, |t| is_float(t) && t.rank() >= 1, float_ranked);
                let t = self.ty(x);
                let r = t.rank();
                let causal = r >= 2 && t.shape[r - 2] <= t.shape[r - 1] && rng.coin();
                vec![self.b.softmax(x, causal).map_err(e)?]
            }
            StepKind::Reshape => {
                let x = self.pick_or_fresh(step, rng, |_| true, any_type);
                let t = self.ty(x);
                let n = t.num_elements() as usize;
                let shape = match rng.below(4) {
                    0 => vec![n],
                    1 => t.shape.iter().rev().copied().collect(),
                    2 => {
                        let mut s = t.shape.clone();
                        s.insert(rng.below(s.len() + 1), 1);
                        s
                    }
                    _ if n == 1 => Vec::new(),
                    _ => vec![1, n],
                };
                vec![self.b.reshape(x, &shape).map_err(e)?]
            }
            StepKind::Transpose => {
                let x = self.pick_or_fresh(step, rng, |_| true, any_type);
                let mut perm: Vec<i64> = (0..self.ty(x).rank() as i64).collect();
                rng.shuffle(&mut perm);
                vec![self.b.transpose(x, &perm).map_err(e)?]
            }
            StepKind::Reduce => {
                let op = [GraphOp::ReduceSum, GraphOp::ReduceMean, GraphOp::ReduceMax][rng.below(3)];
                let x = if op == GraphOp::ReduceMean {
                    self.pick_or_fresh(step, rng, |t| is_float(t) && t.rank() >= 1, float_ranked)
                } else {
                    self.pick_or_fresh(step, rng, |t| t.rank() >= 1, any_ranked)
                };
                let rank = self.ty(x).rank();
                let mut axes = Vec::new();
                for d in 0..rank {
                    if rng.coin() {
                        axes.push(rng.axis_attr(d, rank));
                    }
                }
                rng.shuffle(&mut axes);
                let keepdim = rng.coin();
                vec![self.b.reduce(op, x, &axes, keepdim).map_err(e)?]
            }
            StepKind::Binary => {
                let a = self.pick_or_fresh(step, rng, |_| true, any_type);
                let ta = self.ty(a);
                let same: Vec<Value> =
                    self.values.iter().copied().filter(|&v| *self.b.ty(v).as_tensor() == ta).collect();
                let b = same[rng.below(same.len())];
                vec![self.binary(rng, a, b).map_err(e)?]
            }
            StepKind::BroadcastBinary => {
                let a = self.pick_or_fresh(step, rng, |t| t.rank() >= 1, any_ranked);
                let ta = self.ty(a);
                let keep = rng.range(0, ta.rank());
                let shape: Vec<usize> =
                    ta.shape[ta.rank() - keep..].iter().map(|&d| if rng.below(3) == 0 { 1 } else { d }).collect();
                let b = self.fresh_arg(step, TensorType::new(shape, ta.dtype));
                let (lhs, rhs) = if rng.coin() { (a, b) } else { (b, a) };
                vec![self.binary(rng, lhs, rhs).map_err(e)?]
            }
            StepKind::MatmulFresh => {
                let dtype = rng.float_dtype();
                let batch = rng.dims(0, 2);
                let (m, k, n) = (rng.range(1, 6), rng.range(1, 6), rng.range(1, 6));
                let (ta, tb) = (rng.coin(), rng.coin());
                let b_batch: Vec<usize> = match rng.below(3) {
                    0 => batch.clone(),
                    1 => batch.iter().map(|&d| if rng.coin() { 1 } else { d }).collect(),
                    _ => batch[rng.range(0, batch.len())..].to_vec(),
                };
                let mut a_shape = batch;
                a_shape.extend(if ta { [k, m] } else { [m, k] });
                let mut b_shape = b_batch;
                b_shape.extend(if tb { [n, k] } else { [k, n] });
                let a = self.fresh_arg(step, TensorType::new(a_shape, dtype));
                let b = self.fresh_arg(step, TensorType::new(b_shape, dtype));
                vec![self.b.matmul_t(a, b, ta, tb).map_err(e)?]
            }
            StepKind::MatmulWeight => {
                let x = self.pick_or_fresh(
                    step,
                    rng,
                    |t| is_float(t) && t.rank() >= 2,
                    |r| TensorType::new(r.dims(2, 4), r.float_dtype()),
                );
                let tx = self.ty(x);
                let k = tx.shape[tx.rank() - 1];
                let n = rng.range(1, 6);
                let tb = rng.coin();
                let w = self.fresh_arg(step, TensorType::new(if tb { [n, k] } else { [k, n] }, tx.dtype));
                vec![self.b.matmul_t(x, w, false, tb).map_err(e)?]
            }
            StepKind::Split => {
                let x = self.pick_or_fresh(step, rng, |t| t.rank() >= 1, any_ranked);
                let t = self.ty(x);
                let axis = rng.below(t.rank());
                let mut remaining = t.shape[axis];
                let mut sizes = Vec::new();
                while remaining > 0 {
                    let s = rng.range(1, remaining);
                    sizes.push(s as i64);
                    remaining -= s;
                }
                let axis_attr = rng.axis_attr(axis, t.rank());
                self.b.split(x, axis_attr, &sizes).map_err(e)?
            }
            StepKind::Concat => {
                let x = self.pick_or_fresh(step, rng, |t| t.rank() >= 1, any_ranked);
                let t = self.ty(x);
                let axis = rng.below(t.rank());
                let fits = |u: &TensorType| {
                    u.dtype == t.dtype
                        && u.rank() == t.rank()
                        && (0..t.rank()).all(|d| d == axis || u.shape[d] == t.shape[d])
                };
                let candidates: Vec<Value> =
                    self.values.iter().copied().filter(|&v| fits(self.b.ty(v).as_tensor())).collect();
                let mut operands = vec![x];
                for _ in 0..rng.below(3) {
                    operands.push(candidates[rng.below(candidates.len())]);
                }
                let axis_attr = rng.axis_attr(axis, t.rank());
                vec![self.b.concat(&operands, axis_attr).map_err(e)?]
            }
            StepKind::LayerNorm | StepKind::RmsNorm => {
                let x = self.pick_or_fresh(step, rng, |t| is_float(t) && t.rank() >= 1, float_ranked);
                let t = self.ty(x);
                let h = t.shape[t.rank() - 1];
                let eps = if step.param > 0.0 { step.param } else { [1e-5, 1e-6, 1e-12, 0.1][rng.below(4)] };
                let weight = self.fresh_arg(step, TensorType::new([h], t.dtype));
                let y = if step.kind == StepKind::LayerNorm {
                    let bias = self.fresh_arg(step, TensorType::new([h], t.dtype));
                    self.b.layer_norm(x, weight, bias, eps)
                } else {
                    self.b.rms_norm(x, weight, eps)
                };
                vec![y.map_err(e)?]
            }
            StepKind::Cast => {
                let x = self.pick_or_fresh(step, rng, |_| true, any_type);
                vec![self.b.cast(x, DType::ALL[rng.below(5)]).map_err(e)?]
            }
            StepKind::Embedding => {
                let ids = self.pick_or_fresh(
                    step,
                    rng,
                    |t| t.dtype.is_int(),
                    |r| TensorType::new(r.dims(0, 3), r.int_dtype()),
                );
                let table_ty = TensorType::new([rng.range(1, 6), rng.range(1, 6)], rng.float_dtype());
                let table = self.fresh_arg(step, table_ty);
                vec![self.b.embedding(table, ids).map_err(e)?]
            }
            StepKind::CrossEntropy => {
                let logits = self.pick_or_fresh(step, rng, |t| is_float(t) && t.rank() >= 1, float_ranked);
                let t = self.ty(logits);
                let labels = self.fresh_arg(step, TensorType::new(&t.shape[..t.rank() - 1], rng.int_dtype()));
                vec![self.b.cross_entropy(logits, labels).map_err(e)?]
            }
            StepKind::Rope => {
                let x = self.pick_or_fresh(
                    step,
                    rng,
                    |t| is_float(t) && t.rank() >= 3 && t.shape[t.rank() - 1] % 2 == 0,
                    |r| {
                        let mut shape = r.dims(2, 3);
                        shape.push(2 * r.range(1, 3));
                        TensorType::new(shape, r.float_dtype())
                    },
                );
                let theta = if step.param > 1.0 { step.param } else { [10000.0, 500000.0, 1.5][rng.below(3)] };
                vec![self.b.rope(x, theta).map_err(e)?]
            }
        };
        self.define(step, &results);
        Ok(())
    }

    fn binary(&mut self, rng: &mut Rng, a: Value, b: Value) -> Result<Value, parc_dialects::BuildError> {
        match rng.below(4) {
            0 => self.b.add(a, b),
            1 => self.b.sub(a, b),
            2 => self.b.mul(a, b),
            _ => self.b.div(a, b),
        }
    }
}

fn build_function(recipe: &FuncRecipe, name: String) -> Result<Function, String> {
    let arg_types: Vec<Type> = recipe.args.iter().map(|a| a.ty.clone().into()).collect();
    let mut func = Function::new(name, arg_types, Vec::new());
    func.attrs = recipe.attrs.clone();
    for (i, a) in recipe.args.iter().enumerate() {
        func.arg_attrs[i] = a.attrs.clone();
        if let Some(h) = &a.hint {
            let v = func.args()[i];
            func.set_name(v, h.clone());
        }
    }
    let values = func.args().to_vec();
    let mut fb = FuncBuild { b: Builder::at_entry(&mut func), values };
    for step in &recipe.steps {
        fb.step(step)?;
    }
    let returned: Vec<Value> = if fb.values.is_empty() {
        Vec::new()
    } else {
        recipe.returns.iter().map(|&r| fb.values[r as usize % fb.values.len()]).collect()
    };
    fb.b.ret(&returned).map_err(|e| e.to_string())?;
    func.result_types = returned.iter().map(|&v| func.value_type(v).clone()).collect();
    Ok(func)
}

fn build(recipe: &ModuleRecipe) -> Result<Module, String> {
    let mut module = Module::new();
    module.attrs = recipe.attrs.clone();
    for (i, f) in recipe.functions.iter().enumerate() {
        // Function names must be unique; a collision gets the function's index appended.
        let name = if module.function(&f.name).is_some() { format!("{}_{i}", f.name) } else { f.name.clone() };
        module.functions.push(build_function(f, name)?);
    }
    Ok(module)
}

// ---------------------------------------------------------------------------------------------
// The round-trip check.
// ---------------------------------------------------------------------------------------------

/// Where a value comes from, independent of arena numbering: argument `i`, or result `j` of the
/// `i`-th op in layout order.
#[derive(Debug, PartialEq, Eq)]
enum Origin {
    Arg(usize),
    Result(usize, usize),
}

fn origins(f: &Function) -> HashMap<Value, Origin> {
    let mut out = HashMap::new();
    for (i, &a) in f.args().iter().enumerate() {
        out.insert(a, Origin::Arg(i));
    }
    for (i, op) in f.walk_ops().into_iter().enumerate() {
        for (j, &r) in f.ops[op].results.iter().enumerate() {
            out.insert(r, Origin::Result(i, j));
        }
    }
    out
}

/// Checks that `parsed` has the structure of `built`: same functions, attributes (compared as
/// printed, so NaN payloads and -0.0 count), argument and result types, and the same ops with
/// the same operands, attributes and result types. Name hints may differ (the printer sanitizes
/// them).
fn assert_same_structure(built: &Module, parsed: &Module) -> Result<(), String> {
    let check = |ok: bool, what: String| if ok { Ok(()) } else { Err(what) };
    check(
        built.attrs.to_string() == parsed.attrs.to_string(),
        format!("module attributes: {} vs {}", built.attrs, parsed.attrs),
    )?;
    check(built.functions.len() == parsed.functions.len(), "function count".into())?;
    for (a, b) in built.functions.iter().zip(&parsed.functions) {
        let at = format!("@{}", a.name);
        check(a.name == b.name, format!("function name {} vs {}", a.name, b.name))?;
        check(a.attrs.to_string() == b.attrs.to_string(), format!("{at}: attributes {} vs {}", a.attrs, b.attrs))?;
        check(a.result_types == b.result_types, format!("{at}: result types"))?;
        let a_args: Vec<&Type> = a.args().iter().map(|&v| a.value_type(v)).collect();
        let b_args: Vec<&Type> = b.args().iter().map(|&v| b.value_type(v)).collect();
        check(a_args == b_args, format!("{at}: argument types"))?;
        let a_arg_attrs: Vec<String> = a.arg_attrs.iter().map(|m| m.to_string()).collect();
        let b_arg_attrs: Vec<String> = b.arg_attrs.iter().map(|m| m.to_string()).collect();
        check(a_arg_attrs == b_arg_attrs, format!("{at}: argument attributes {a_arg_attrs:?} vs {b_arg_attrs:?}"))?;
        let (a_ops, b_ops) = (a.walk_ops(), b.walk_ops());
        check(a_ops.len() == b_ops.len(), format!("{at}: op count {} vs {}", a_ops.len(), b_ops.len()))?;
        let (a_origin, b_origin) = (origins(a), origins(b));
        for (i, (&x, &y)) in a_ops.iter().zip(&b_ops).enumerate() {
            let (x, y) = (&a.ops[x], &b.ops[y]);
            check(x.kind == y.kind, format!("{at}: op {i} kind {:?} vs {:?}", x.kind, y.kind))?;
            check(
                x.attrs.to_string() == y.attrs.to_string(),
                format!("{at}: op {i} attributes {} vs {}", x.attrs, y.attrs),
            )?;
            let xo: Vec<&Origin> = x.operands.iter().map(|v| &a_origin[v]).collect();
            let yo: Vec<&Origin> = y.operands.iter().map(|v| &b_origin[v]).collect();
            check(xo == yo, format!("{at}: op {i} operands {xo:?} vs {yo:?}"))?;
            let xt: Vec<&Type> = x.results.iter().map(|&v| a.value_type(v)).collect();
            let yt: Vec<&Type> = y.results.iter().map(|&v| b.value_type(v)).collect();
            check(xt == yt, format!("{at}: op {i} result types"))?;
        }
        for &v in b.args() {
            check(matches!(b.values[v].def, ValueDef::Arg(..)), format!("{at}: argument {v} has a wrong definition"))?;
        }
    }
    Ok(())
}

/// Verifies, prints, parses, compares and prints again; returns the printed text.
fn check_round_trip(module: &Module) -> Result<String, String> {
    verify_module(module).map_err(|e| format!("built module does not verify: {e}"))?;
    let text = print_module(module);
    let parsed = parse_module(&text).map_err(|e| format!("printed text does not parse: {e}\n{text}"))?;
    verify_module(&parsed).map_err(|e| format!("parsed module does not verify: {e}\n{text}"))?;
    assert_same_structure(module, &parsed).map_err(|e| format!("parsed module differs: {e}\n{text}"))?;
    let text2 = print_module(&parsed);
    if text2 != text {
        return Err(format!("print(parse(text)) differs from text:\n--- first\n{text}--- second\n{text2}"));
    }
    let reparsed = parse_module(&text2).map_err(|e| format!("second parse fails: {e}\n{text2}"))?;
    let text3 = print_module(&reparsed);
    if text3 != text2 {
        return Err(format!("printing is not idempotent:\n--- second\n{text2}--- third\n{text3}"));
    }
    Ok(text)
}

fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
}

proptest! {
    // No regression files: this test must not write into the source tree.
    #![proptest_config(Config { cases: proptest_cases(), failure_persistence: None, ..Config::default() })]

    #[test]
    fn random_modules_round_trip(recipe in module_recipe()) {
        let module = build(&recipe).map_err(TestCaseError::fail)?;
        check_round_trip(&module).map_err(TestCaseError::fail)?;
    }
}

/// Writes a fixed sample of generated modules for CI's `mlir-opt` check. The sample comes from
/// a deterministically seeded runner, so file names and contents are the same on every run (for
/// a given proptest version and generator).
#[test]
fn seeded_sample_is_written_for_mlir_opt() {
    const SAMPLE_SIZE: usize = 20;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("roundtrip");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = module_recipe();
    for i in 0..SAMPLE_SIZE {
        let recipe = strategy.new_tree(&mut runner).expect("the module strategy never rejects").current();
        let module = build(&recipe).unwrap_or_else(|e| panic!("sample {i} does not build: {e}"));
        let text = check_round_trip(&module).unwrap_or_else(|e| panic!("sample {i}: {e}"));
        let path = dir.join(format!("sample-{i:02}.mlir"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written texts.
// ---------------------------------------------------------------------------------------------

/// A module in exactly the form the printer writes: names, numbering, sorted attributes, quoted
/// keys, escapes, every attribute kind, multiple results and multiple return values.
const CANONICAL: &str = r#"module attributes {parc.mesh = {dp = 2 : i64, tp = 4 : i64}, parc.name = "tiny \22gpt\22\0A"} {
  func.func @forward(
      %x: tensor<2x8x16xf32> {parc.input},
      %w: tensor<16x32xf32> {parc.param = "h0.w", "parc.quoted key" = [1 : i64, 2.5 : f64, unit, false]},
      %ids: tensor<2x8xi32>,
      %table: tensor<50x16xbf16>) -> (tensor<2x8x32xf32>, tensor<2x8x8xf32>, tensor<2x8x16xbf16>) attributes {entry, parc.stage = @stage0, shape = tensor<4xi64>, sizes = array<i64: 1, -2, 9223372036854775807>, empty = array<i64>} {
    %0 = "graph.matmul"(%x, %w) : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
    %y = "graph.gelu"(%0) : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
    %y_1, %y_2 = "graph.split"(%y) {axis = -1 : i64, sizes = array<i64: 8, 24>} : (tensor<2x8x32xf32>) -> (tensor<2x8x8xf32>, tensor<2x8x24xf32>)
    %1 = "graph.softmax"(%y_1) {causal = true} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
    %2 = "graph.scale"(%1) {factor = 0.1 : f64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
    %3 = "graph.embedding"(%table, %ids) : (tensor<50x16xbf16>, tensor<2x8xi32>) -> tensor<2x8x16xbf16>
    "func.return"(%0, %2, %3) : (tensor<2x8x32xf32>, tensor<2x8x8xf32>, tensor<2x8x16xbf16>) -> ()
  }

  func.func @empty() {
    "func.return"() : () -> ()
  }
}
"#;

#[test]
fn canonical_text_parses_verifies_and_prints_back_identically() {
    let module = parse_module(CANONICAL).unwrap_or_else(|e| panic!("{e}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}"));
    // The dictionary above is not sorted (`empty` last), so print once to get the canonical order.
    let printed = print_module(&module);
    let expected = CANONICAL.replace(
        "attributes {entry, parc.stage = @stage0, shape = tensor<4xi64>, sizes = array<i64: 1, -2, 9223372036854775807>, empty = array<i64>}",
        "attributes {empty = array<i64>, entry, parc.stage = @stage0, shape = tensor<4xi64>, sizes = array<i64: 1, -2, 9223372036854775807>}",
    );
    assert_eq!(printed, expected);
    let f = module.function("forward").expect("@forward exists");
    assert_eq!(module.attrs.get("parc.name"), Some(&Attr::Str("tiny \"gpt\"\n".into())));
    assert_eq!(f.arg_attrs(0).get("parc.input"), Some(&Attr::Unit));
    assert_eq!(f.arg_attrs(1).str("parc.param"), Some("h0.w"));
    assert_eq!(
        f.arg_attrs(1).get("parc.quoted key"),
        Some(&Attr::Array(vec![Attr::Int(1), Attr::Float(2.5), Attr::Unit, Attr::Bool(false)]))
    );
    assert_eq!(f.attrs.get("parc.stage"), Some(&Attr::Symbol("stage0".into())));
    assert_eq!(f.attrs.get("shape"), Some(&Attr::Type(Type::tensor([4], DType::I64))));
    assert_eq!(f.attrs.ints("sizes"), Some(&[1, -2, i64::MAX][..]));
    assert_eq!(f.attrs.ints("empty"), Some(&[][..]));
    assert_eq!(f.result_types.len(), 3);
    assert_eq!(f.num_live_ops(), 7);
}

#[test]
fn builder_output_prints_as_documented() {
    let mut func = Function::new(
        "f",
        vec![Type::tensor([4, 8], DType::F32), Type::tensor([8], DType::F32), Type::tensor([8], DType::F32)],
        vec![Type::tensor([4, 8], DType::F32)],
    );
    func.arg_attrs[1].set("parc.param", Attr::Str("ln.w".into()));
    let (x, w, bias) = (func.args()[0], func.args()[1], func.args()[2]);
    let mut b = Builder::at_entry(&mut func);
    b.named(x, "x");
    let h = b.layer_norm(x, w, bias, 1e-5).unwrap();
    let h = b.named(h, "h");
    let h2 = b.add(h, x).unwrap();
    let h2 = b.named(h2, "h");
    b.ret(&[h2]).unwrap();
    let module = Module { attrs: AttrMap::new(), functions: vec![func] };
    let expected = r#"module {
  func.func @f(
      %x: tensor<4x8xf32>,
      %0: tensor<8xf32> {parc.param = "ln.w"},
      %1: tensor<8xf32>) -> tensor<4x8xf32> {
    %h = "graph.layer_norm"(%x, %0, %1) {eps = 1.0e-5 : f64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    %h_1 = "graph.add"(%h, %x) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    "func.return"(%h_1) : (tensor<4x8xf32>) -> ()
  }
}
"#;
    assert_eq!(check_round_trip(&module).unwrap_or_else(|e| panic!("{e}")), expected);
}

#[test]
fn custom_return_forms_parse() {
    let text = r#"
func.func @one(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = "graph.silu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
func.func @two(%a: tensor<f32>, %b: tensor<4xi64>) -> (tensor<f32>, tensor<4xi64>) {
  return %a, %b : tensor<f32>, tensor<4xi64>
}
func.func @none() {
  return
}
func.func @none_long() {
  func.return
}
"#;
    let module = parse_module(text).unwrap_or_else(|e| panic!("{e}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(module.functions.len(), 4);
    for f in &module.functions {
        let ops = f.walk_ops();
        let last = &f.ops[*ops.last().expect("a body has a return")];
        assert_eq!(last.kind.name(), "func.return", "@{}", f.name);
        assert_eq!(last.operands.len(), f.result_types.len(), "@{}", f.name);
    }
    // A bare sequence of functions prints inside a module and then round-trips.
    let printed = print_module(&module);
    assert!(printed.starts_with("module {\n  func.func @one(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"), "{printed}");
    assert!(printed.contains(r#"    "func.return"(%a, %b) : (tensor<f32>, tensor<4xi64>) -> ()"#), "{printed}");
    check_round_trip(&module).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn comments_are_skipped() {
    let text = r#"// A leading comment.
// RUN: parc-opt %s | FileCheck %s
module { // after the module brace
  // before a function
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { // "func.func @g" in a comment
    // between ops: "graph.gelu"(%nope) is not parsed
    %y = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32> // trailing
    "func.return"(%y) : (tensor<4xf32>) -> () // the end
  } // after the function
}
// A trailing comment with no newline at the end"#;
    let module = parse_module(text).unwrap_or_else(|e| panic!("{e}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        print_module(&module),
        "module {\n  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n    %y = \"graph.gelu\"(%x) : (tensor<4xf32>) -> tensor<4xf32>\n    \"func.return\"(%y) : (tensor<4xf32>) -> ()\n  }\n}\n"
    );
}

#[test]
fn special_floats_and_ints_round_trip_bit_exactly() {
    let floats = [
        0.0,
        -0.0,
        0.1,
        3.0,
        -3.0,
        1e-5,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
    ];
    let mut func = Function::new("f", Vec::new(), Vec::new());
    for (i, v) in floats.iter().enumerate() {
        func.attrs.set(format!("f{i:02}"), Attr::Float(*v));
    }
    for (i, v) in [i64::MIN, i64::MAX, -1, 0].iter().enumerate() {
        func.attrs.set(format!("i{i}"), Attr::Int(*v));
    }
    Builder::at_entry(&mut func).ret(&[]).unwrap();
    let module = Module { attrs: AttrMap::new(), functions: vec![func] };
    check_round_trip(&module).unwrap_or_else(|e| panic!("{e}"));
    let parsed = parse_module(&print_module(&module)).unwrap_or_else(|e| panic!("{e}"));
    let f = &parsed.functions[0];
    for (i, v) in floats.iter().enumerate() {
        match f.attrs.get(&format!("f{i:02}")) {
            Some(Attr::Float(p)) => assert_eq!(p.to_bits(), v.to_bits(), "f{i:02}: {v:?} came back as {p:?}"),
            other => panic!("f{i:02}: {other:?}"),
        }
    }
    assert_eq!(f.attrs.int("i0"), Some(i64::MIN));
    assert_eq!(f.attrs.int("i1"), Some(i64::MAX));
}

/// MLIR takes a symbol name (`@name`) or a dictionary key bare only when it is a bare identifier
/// (`[A-Za-z_][A-Za-z0-9_$.]*`); any other name must be printed as a string (`@"a b"`,
/// `{"a-b" = ..}`), which the parser already reads. The verifier accepts these names, so the
/// printer must quote them for the text to parse back and for `mlir-opt` to accept it.
#[test]
fn names_that_are_not_bare_identifiers_are_quoted() {
    for name in ["a b", "a-b", "1abc", "x\"y", "é"] {
        let mut func = Function::new(name, Vec::new(), Vec::new());
        func.attrs.set("parc.callee", Attr::Symbol(name.into()));
        func.attrs.set(name, Attr::Unit);
        Builder::at_entry(&mut func).ret(&[]).unwrap();
        let module = Module { attrs: AttrMap::new(), functions: vec![func] };
        let quoted = parc_dialects::printer::escaped(name);
        let mut entries =
            vec![(name.to_string(), quoted.clone()), ("parc.callee".into(), format!("parc.callee = @{quoted}"))];
        entries.sort();
        let dict: Vec<String> = entries.into_iter().map(|(_, text)| text).collect();
        let expected = format!("  func.func @{quoted}() attributes {{{}}} {{\n", dict.join(", "));
        let text = print_module(&module);
        assert!(text.contains(&expected), "name {name:?}: expected the line\n{expected}in\n{text}");
        check_round_trip(&module).unwrap_or_else(|e| panic!("name {name:?}: {e}"));
    }
}
