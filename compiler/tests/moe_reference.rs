//! parc's mixture-of-experts block against PyTorch: tests/fixtures/moe/reference.json holds a MoE
//! block's inputs, output, loss and gradients computed by transformers' `MixtralSparseMoeBlock`
//! (dropless) and by a plain-torch top-k router with a capacity that drops pairs
//! (tests/fixtures/moe/make.py). The same block, built by parc's model builder
//! (`models::build_moe_probe`) and differentiated by the autodiff pass, is evaluated by the f64
//! reference interpreter and must agree within 1e-5 — the output, the loss with its load-balancing
//! term, and the gradient of the input and of every weight.

use std::collections::BTreeMap;

use parc_compiler::models::build_moe_probe;
use parc_compiler::parse_model;
use parc_compiler::passes::autodiff::differentiate;
use parc_dialects::graph::interp::{eval_function, Tensor};
use parc_dialects::verifier::verify_function;
use serde_json::Value;

const TOLERANCE: f64 = 1e-5;

fn fixture() -> Value {
    let path = format!("{}/../tests/fixtures/moe/reference.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("reference.json is JSON")
}

fn tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> =
        v["shape"].as_array().expect("shape").iter().map(|d| d.as_u64().expect("dim") as usize).collect();
    let data: Vec<f64> = v["data"].as_array().expect("data").iter().map(|x| x.as_f64().expect("number")).collect();
    Tensor::new(shape, data).expect("consistent tensor")
}

/// The Llama-family model whose layer 0 is the fixture's block.
fn model_text(m: &Value) -> String {
    let int = |k: &str| m[k].as_u64().expect(k);
    let capacity = match m["capacity_factor"].as_f64() {
        Some(cf) => format!("capacity_factor = {cf:?}\n"),
        None => String::new(),
    };
    format!(
        "[model]\nvocab = 11\nhidden = {}\nlayers = 1\nheads = 2\nseq_len = {}\nnorm = \"rmsnorm\"\n\
         activation = \"swiglu\"\nposition = \"rope\"\n[model.moe]\nexperts = {}\ntop_k = {}\nexpert_ffn = {}\n\
         aux_loss_coef = {:?}\n{capacity}[training]\nglobal_batch = {b}\nmicro_batch = {b}\n",
        int("hidden"),
        int("seq_len"),
        int("experts"),
        int("top_k"),
        int("expert_ffn"),
        m["aux_loss_coef"].as_f64().expect("aux_loss_coef"),
        b = int("micro_batch"),
    )
}

fn assert_close(what: &str, got: &Tensor, want: &Tensor) {
    assert_eq!(got.shape, want.shape, "{what}: shape");
    for (i, (g, w)) in got.data.iter().zip(&want.data).enumerate() {
        assert!((g - w).abs() <= TOLERANCE * w.abs().max(1.0), "{what}[{i}]: parc {g:.12e}, torch {w:.12e}");
    }
}

#[test]
fn moe_block_matches_pytorch() {
    let doc = fixture();
    let cases = doc["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 2);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let spec = parse_model(&format!("{name}.toml"), &model_text(&case["model"])).expect("valid model");
        let probe = build_moe_probe(&spec, 0).expect("builds");
        verify_function(&probe).expect("verifies");
        let fb = differentiate(&probe, "fb").expect("differentiates");
        let inputs: BTreeMap<String, Tensor> =
            case["inputs"].as_object().expect("inputs").iter().map(|(k, v)| (k.clone(), tensor(v))).collect();
        let names: Vec<String> = (0..probe.args().len())
            .map(|i| probe.arg_attrs[i].str("parc.param").expect("every argument is named").to_string())
            .collect();
        let args: Vec<Tensor> =
            names.iter().map(|n| inputs.get(n).unwrap_or_else(|| panic!("{name}: no input {n}")).clone()).collect();
        let out = eval_function(&fb, &args).unwrap_or_else(|e| panic!("{name}: {e}"));
        let loss = case["loss"].as_f64().expect("loss");
        assert!(
            (out[0].data[0] - loss).abs() <= TOLERANCE * loss.abs().max(1.0),
            "{name}: loss {} vs {loss}",
            out[0].data[0]
        );
        for (i, n) in names.iter().enumerate() {
            // d(loss)/d(dy) is the block's output.
            let (what, want) =
                if n == "dy" { ("out".to_string(), &case["out"]) } else { (format!("grad {n}"), &case["grads"][n]) };
            assert_close(&format!("{name}: {what}"), &out[1 + i], &tensor(want));
        }
        if name == "capacity_drops" {
            assert!(case["dropped_pairs"].as_u64().expect("dropped_pairs") > 0, "the case must drop pairs");
        }
    }
}
