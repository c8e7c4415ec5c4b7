//! Hugging Face models in (docs/huggingface.md): tiny random GPT-2, Llama (grouped-query
//! attention, a checkpoint sharded over four files with an index) and Mixtral (4 experts, top-2,
//! in both checkpoint layouts: one tensor per expert, and stacked experts) checkpoints, made by
//! tests/fixtures/hf/make.py with transformers, train for 4 AdamW steps under `parc launch`
//! with the losses transformers gave (expected.json), on one rank and on partitioned meshes;
//! and every class of bad config, training file and checkpoint is refused with exit 2.

mod common;

use std::path::{Path, PathBuf};

use common::{fresh_dir, repo_root, run_parc, Run};
use serde_json::Value;

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/hf")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `parc launch` of the fixture model `dir` (config.json + train.toml) on `mesh`, from `init`,
/// for 4 steps on the fixture tokens.
fn launch(dir: &Path, training: &Path, init: &Path, mesh: &str, cwd: &Path) -> Run {
    launch_with(dir, training, init, mesh, cwd, &[])
}

/// [`launch`] with `extra` arguments.
fn launch_with(dir: &Path, training: &Path, init: &Path, mesh: &str, cwd: &Path, extra: &[&str]) -> Run {
    let tokens = fixtures().join("tokens.bin");
    let mut args: Vec<String> = [
        "launch",
        &s(dir),
        "--training",
        &s(training),
        "--mesh",
        mesh,
        "--init",
        &s(init),
        "--data",
        &s(&tokens),
        "--data-dtype",
        "u16",
        "--steps",
        "4",
        "--json",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    run_parc(&args, cwd)
}

fn losses(run: &Run) -> Vec<f64> {
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("step").is_some())
        .map(|v| v["loss"].as_f64().expect("a loss"))
        .collect()
}

fn expected(model: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v[model]["losses"].as_array().expect("losses").iter().map(|x| x.as_f64().unwrap()).collect()
}

/// The 4 losses of `model` on `mesh` within 1e-5 (relative) of transformers'.
fn parity(model: &str, mesh: &str) {
    parity_of(model, model, mesh, &[]);
}

/// The 4 losses of fixture directory `model` on `mesh` (with `extra` arguments) within 1e-5
/// (relative) of transformers' losses for `losses_of` in expected.json.
fn parity_of(model: &str, losses_of: &str, mesh: &str, extra: &[&str]) {
    let dir = fixtures().join(model);
    let cwd = fresh_dir("hf_import", &format!("{model}-{mesh}"));
    let run = launch_with(&dir, &dir.join("train.toml"), &dir, mesh, &cwd, extra);
    run.assert_success();
    let (got, want) = (losses(&run), expected(losses_of));
    assert_eq!(got.len(), 4, "{run:?}");
    for (step, (g, w)) in got.iter().zip(&want).enumerate() {
        let rel = (g - w).abs() / w.abs();
        assert!(rel <= 1e-5, "{model} on {mesh}, step {}: parc {g}, transformers {w} (relative {rel:e})", step + 1);
    }
}

#[test]
fn gpt2_losses_equal_transformers_on_one_rank_and_partitioned() {
    for mesh in ["1x1x1", "dp=2,tp=2", "dp=2,pp=2"] {
        parity("gpt2", mesh);
    }
}

#[test]
fn llama_sharded_checkpoint_losses_equal_transformers_on_one_rank_and_partitioned() {
    for mesh in ["1x1x1", "dp=2,tp=2", "pp=2,tp=2"] {
        parity("llama", mesh);
    }
}

/// Mixtral, both checkpoint layouts (one tensor per expert, sharded; stacked experts, one file):
/// the losses transformers gave, on one rank, under data parallelism with ZeRO 1, with the
/// experts split over ep and tp (each rank reading only its experts' slices of the files), and on
/// pipeline stages.
#[test]
fn mixtral_losses_equal_transformers_in_both_layouts_on_every_axis() {
    for model in ["mixtral", "mixtral-fused"] {
        parity_of(model, "mixtral", "1x1x1", &[]);
        parity_of(model, "mixtral", "dp=2", &["--zero", "1"]);
        parity_of(model, "mixtral", "dp=4,ep=2", &["--zero", "1"]);
        parity_of(model, "mixtral", "dp=2,tp=2,ep=2", &["--zero", "3"]);
        parity_of(model, "mixtral", "dp=2,pp=2,ep=2", &["--zero", "1", "--schedule", "zb-h1"]);
    }
}

#[test]
fn mixtral_config_fields_parc_cannot_honour_are_refused_by_name() {
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "jitter",
            Box::new(|c| drop(c.insert("router_jitter_noise".into(), 0.01.into()))),
            vec!["\"router_jitter_noise\"", "0.01"],
        ),
        (
            "router-logits",
            Box::new(|c| drop(c.insert("output_router_logits".into(), true.into()))),
            vec!["\"output_router_logits\"", "load-balancing"],
        ),
        (
            "window",
            Box::new(|c| drop(c.insert("sliding_window".into(), 8.into()))),
            vec!["\"sliding_window\"", "seq_len <= 8"],
        ),
        (
            "experts-missing",
            Box::new(|c| drop(c.remove("num_local_experts"))),
            vec!["\"num_local_experts\"", "missing"],
        ),
        ("top-k", Box::new(|c| drop(c.insert("num_experts_per_tok".into(), 5.into()))), vec!["top_k = 5"]),
    ];
    for (name, edit, needles) in cases {
        let dir = edited_model(&format!("mixtral-{name}"), "mixtral", edit);
        refused(&compile(&dir, Some(&dir.join("train.toml"))), &needles);
    }
    // The load-balancing coefficient without output_router_logits: not applied (a note), as in
    // transformers; the plan has no aux loss.
    let dir = edited_model("mixtral-coef", "mixtral", |c| drop(c.insert("router_aux_loss_coef".into(), 0.02.into())));
    let run = compile(&dir, Some(&dir.join("train.toml")));
    run.assert_success();
    assert!(run.stderr.contains("note:") && run.stderr.contains("router_aux_loss_coef = 0.02"), "{}", run.stderr);
}

/// A Mixtral checkpoint with an expert's tensor missing, or a stacked tensor of the wrong shape,
/// is refused naming the tensor and the checkpoint.
#[test]
fn bad_mixtral_checkpoints_are_refused_naming_the_tensor_and_file() {
    // Per-expert layout: drop expert 2's w3 of layer 1 from its shard and the index.
    let dir = edited_model("mixtral-missing", "mixtral", |_| {});
    let index_path = dir.join("model.safetensors.index.json");
    let mut index: Value = serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    let gone = "model.layers.1.block_sparse_moe.experts.2.w3.weight";
    let file = index["weight_map"].as_object_mut().unwrap().remove(gone).unwrap();
    let file = dir.join(file.as_str().unwrap());
    let kept: Vec<(String, Vec<usize>, Vec<f32>)> = common::read_safetensors(&file)
        .into_iter()
        .filter(|(name, _)| name != gone)
        .map(|(name, (_, shape, values))| (name, shape, values))
        .collect();
    let tensors: Vec<(&str, &[usize], &[f32])> =
        kept.iter().map(|(n, sh, v)| (n.as_str(), sh.as_slice(), v.as_slice())).collect();
    parc_runtime::weights::save_as(&file, &tensors, "pt").unwrap();
    std::fs::write(&index_path, serde_json::to_string(&index).unwrap()).unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(&run, &[gone, "parc's layers.1.moe.experts.up.weight", &s(&dir)]);

    // Stacked layout: gate_up_proj of layer 0 one expert short.
    let dir = edited_model("mixtral-shape", "mixtral-fused", |_| {});
    let file = dir.join("model.safetensors");
    let mut all: Vec<(String, Vec<usize>, Vec<f32>)> =
        common::read_safetensors(&file).into_iter().map(|(name, (_, shape, values))| (name, shape, values)).collect();
    let bad = "model.layers.0.mlp.experts.gate_up_proj";
    let t = all.iter_mut().find(|(n, _, _)| n == bad).unwrap();
    t.1 = vec![3, 96, 32];
    t.2.truncate(3 * 96 * 32);
    let tensors: Vec<(&str, &[usize], &[f32])> =
        all.iter().map(|(n, sh, v)| (n.as_str(), sh.as_slice(), v.as_slice())).collect();
    parc_runtime::weights::save_as(&file, &tensors, "pt").unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(
        &run,
        &[
            &format!(
                "{bad} (parc's layers.0.moe.experts.gate.weight) in model.safetensors: \
                 expected shape [4, 96, 32], found [3, 96, 32]"
            ),
            &format!("{bad} (parc's layers.0.moe.experts.up.weight) in model.safetensors"),
        ],
    );
}

type Config = serde_json::Map<String, Value>;
/// An edit of a config.json.
type Edit = Box<dyn FnOnce(&mut Config)>;

/// A copy of fixture model `model` in a fresh directory, with `edit` applied to its config.
fn edited_model(name: &str, model: &str, edit: impl FnOnce(&mut Config)) -> PathBuf {
    let dir = fresh_dir("hf_import_bad", name);
    for entry in std::fs::read_dir(fixtures().join(model)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let path = dir.join("config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(config.as_object_mut().unwrap());
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    dir
}

fn compile(dir: &Path, training: Option<&Path>) -> Run {
    let out = dir.join("out");
    let mut args = vec!["compile".to_string(), s(dir), "-o".into(), s(&out)];
    if let Some(t) = training {
        args.extend(["--training".into(), s(t)]);
    }
    run_parc(&args, dir)
}

/// Exit 2 with every one of `needles` in stderr, and no panic.
fn refused(run: &Run, needles: &[&str]) {
    run.assert_refused(needles);
}

#[test]
fn unsupported_config_fields_are_refused_by_name() {
    let cases: Vec<(&str, &str, Edit, Vec<&str>)> = vec![
        (
            "rope-scaling",
            "llama",
            Box::new(|c| {
                c.insert(
                    "rope_parameters".into(),
                    serde_json::json!({"rope_type": "yarn", "rope_theta": 1e4, "factor": 4.0}),
                );
            }),
            vec!["rope_parameters.rope_type", "yarn"],
        ),
        (
            "rope-scaling-v4",
            "llama",
            Box::new(|c| {
                c.remove("rope_parameters");
                c.insert("rope_scaling".into(), serde_json::json!({"type": "linear", "factor": 2.0}));
            }),
            vec!["\"rope_scaling\""],
        ),
        (
            "attention-bias",
            "llama",
            Box::new(|c| drop(c.insert("attention_bias".into(), true.into()))),
            vec!["\"attention_bias\""],
        ),
        (
            "act",
            "llama",
            Box::new(|c| drop(c.insert("hidden_act".into(), "gelu".into()))),
            vec!["\"hidden_act\"", "silu"],
        ),
        (
            "window",
            "llama",
            Box::new(|c| {
                c.insert("architectures".into(), serde_json::json!(["MistralForCausalLM"]));
                c.insert("sliding_window".into(), 8.into());
            }),
            vec!["\"sliding_window\"", "seq_len <= 8"],
        ),
        (
            "positions",
            "gpt2",
            Box::new(|c| drop(c.insert("n_positions".into(), 8.into()))),
            vec!["\"n_positions\"", "seq_len <= 8"],
        ),
        (
            "gelu",
            "gpt2",
            Box::new(|c| drop(c.insert("activation_function".into(), "relu".into()))),
            vec!["\"activation_function\""],
        ),
        (
            "arch",
            "gpt2",
            Box::new(|c| drop(c.insert("architectures".into(), serde_json::json!(["BertForMaskedLM"])))),
            vec!["BertForMaskedLM is not supported", "GPT2LMHeadModel"],
        ),
        (
            "size-type",
            "gpt2",
            Box::new(|c| drop(c.insert("n_embd".into(), "big".into()))),
            vec!["\"n_embd\"", "integer"],
        ),
        ("size-missing", "gpt2", Box::new(|c| drop(c.remove("n_layer"))), vec!["\"n_layer\"", "missing"]),
    ];
    for (name, model, edit, needles) in cases {
        let dir = edited_model(name, model, edit);
        let run = compile(&dir, Some(&dir.join("train.toml")));
        refused(&run, &needles);
    }
}

#[test]
fn the_training_file_is_required_and_checked() {
    let gpt2 = fixtures().join("gpt2");
    let cwd = fresh_dir("hf_import_bad", "training");
    refused(&compile(&gpt2, None), &["--training FILE", "seq_len"]);
    let write = |name: &str, text: &str| {
        let p = cwd.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let no_seq = write("no-seq.toml", "[training]\nglobal_batch = 8\n");
    refused(&compile(&gpt2, Some(&no_seq)), &["training.seq_len is missing"]);
    let with_model = write("model.toml", "[model]\nvocab = 8\n[training]\nseq_len = 8\nglobal_batch = 8\n");
    refused(&compile(&gpt2, Some(&with_model)), &["[model] table"]);
    let bad_toml = write("bad.toml", "[training\n");
    refused(&compile(&gpt2, Some(&bad_toml)), &["not valid TOML"]);
    // A field of [training] is checked as model.toml's is.
    let bad_field = write("field.toml", "[training]\nseq_len = 16\nglobal_batch = 8\nmicro_batch = 3\n");
    refused(&compile(&gpt2, Some(&bad_field)), &["micro_batch"]);
    // --training with a model.toml.
    let toml = repo_root().join("examples/gpt-tiny.toml");
    let run = run_parc(&["compile", &s(&toml), "--training", &s(&no_seq), "-o", &s(&cwd.join("o"))], &cwd);
    refused(&run, &["is for Hugging Face models"]);
    // --training with a compiled plan.
    let out = cwd.join("plan");
    run_parc(&["compile", &s(&toml), "-o", &s(&out)], &cwd).assert_success();
    let run = run_parc(&["launch", &s(&out), "--training", &s(&no_seq), "--steps", "1"], &cwd);
    refused(&run, &["is a compiled plan"]);
}

#[test]
fn bad_checkpoints_are_refused_naming_the_tensor_and_file() {
    let llama = fixtures().join("llama");
    // A tensor missing: drop one from the index (and its file).
    let dir = edited_model("missing", "llama", |_| {});
    let index_path = dir.join("model.safetensors.index.json");
    let mut index: Value = serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    let map = index["weight_map"].as_object_mut().unwrap();
    let file = map.remove("model.norm.weight").unwrap();
    let file = file.as_str().unwrap().to_string();
    std::fs::write(&index_path, serde_json::to_string(&index).unwrap()).unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    // The file still holds the tensor the index no longer lists.
    refused(&run, &["model.norm.weight", &file, "does not list"]);
    std::fs::remove_file(dir.join(&file)).unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(&run, &[&file, "cannot read"]);

    // The checkpoint of another model: GPT-2's weights for the Llama config.
    let cwd = fresh_dir("hf_import_bad", "other-model");
    let gpt2_weights = fixtures().join("gpt2/model.safetensors");
    let run = launch(&llama, &llama.join("train.toml"), &gpt2_weights, "1x1x1", &cwd);
    refused(&run, &["is a GPT-2 checkpoint, but the model is a Llama-family model"]);

    // A wrong shape: the Llama config with a wider MLP than its checkpoint.
    let dir = edited_model("shape", "llama", |c| drop(c.insert("intermediate_size".into(), 64.into())));
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(
        &run,
        &[
            "model.layers.0.mlp.gate_proj.weight (parc's layers.0.mlp.gate.weight) in model-0000",
            ".safetensors: expected shape [64, 32], found [48, 32]",
        ],
    );

    // A truncated shard.
    let dir = edited_model("truncated", "llama", |_| {});
    let shard = dir.join("model-00002-of-00004.safetensors");
    let bytes = std::fs::read(&shard).unwrap();
    std::fs::write(&shard, &bytes[..bytes.len() - 100]).unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(&run, &["model-00002-of-00004.safetensors", "not a valid safetensors file"]);

    // An index that is not one.
    let dir = edited_model("index", "llama", |_| {});
    std::fs::write(dir.join("model.safetensors.index.json"), "{\"weights\": 1}").unwrap();
    let run = launch(&dir, &dir.join("train.toml"), &dir, "1x1x1", &dir);
    refused(&run, &["is not a safetensors index", "weight_map"]);

    // A directory with no weights.
    let cwd = fresh_dir("hf_import_bad", "empty");
    let run = launch(&llama, &llama.join("train.toml"), &cwd, "1x1x1", &cwd);
    refused(&run, &["neither model.safetensors nor model.safetensors.index.json"]);
}

#[test]
fn dropout_is_a_note_not_an_error() {
    let dir = edited_model("dropout", "gpt2", |c| drop(c.insert("resid_pdrop".into(), 0.1.into())));
    let run = compile(&dir, Some(&dir.join("train.toml")));
    run.assert_success();
    assert!(run.stderr.contains("note:") && run.stderr.contains("resid_pdrop = 0.1"), "{}", run.stderr);
}

/// Every tensor of a (possibly sharded) checkpoint directory: name → (shape, values).
fn checkpoint(dir: &Path) -> std::collections::BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let mut all = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") && !path.ends_with("logits.safetensors") {
            for (name, (_, shape, values)) in common::read_safetensors(&path) {
                all.insert(name, (shape, values));
            }
        }
    }
    all
}

fn export(model: &Path, training: Option<&Path>, weights: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["export".to_string(), s(model), "--weights".into(), s(weights), "--hf".into(), s(out)];
    if let Some(t) = training {
        args.extend(["--training".into(), s(t)]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    run_parc(&args, out.parent().unwrap())
}

#[test]
fn exporting_an_imported_checkpoint_gives_back_its_tensors() {
    // GPT-2: the same tensors (the position table cut to seq_len), one file.
    let gpt2 = fixtures().join("gpt2");
    let cwd = fresh_dir("hf_export", "gpt2");
    let out = cwd.join("hf");
    export(&gpt2, Some(&gpt2.join("train.toml")), &gpt2.join("model.safetensors"), &out, &[]).assert_success();
    let (orig, back) = (checkpoint(&gpt2), checkpoint(&out));
    assert_eq!(orig.keys().collect::<Vec<_>>(), back.keys().collect::<Vec<_>>());
    for (name, (shape, values)) in &orig {
        let (bshape, bvalues) = &back[name];
        if name == "transformer.wpe.weight" {
            assert_eq!(bshape, &vec![16, shape[1]]);
            assert_eq!(bvalues[..], values[..bvalues.len()], "{name}");
        } else {
            assert_eq!((shape, values), (bshape, bvalues), "{name}");
        }
    }
    let config: Value = serde_json::from_str(&common::read(&out.join("config.json"))).unwrap();
    assert_eq!(config["architectures"][0], "GPT2LMHeadModel");
    assert_eq!((config["n_positions"].as_u64(), config["n_inner"].as_u64()), (Some(16), Some(128)));

    // Llama: sharded like the original (4 files under 30 kB each), the same tensors bit for bit.
    let llama = fixtures().join("llama");
    let cwd = fresh_dir("hf_export", "llama");
    let out = cwd.join("hf");
    let run = export(&llama, Some(&llama.join("train.toml")), &llama, &out, &["--max-shard-bytes", "30000", "--json"]);
    run.assert_success();
    let summary: Value = serde_json::from_str(&run.stdout).expect("--json");
    assert_eq!(summary["tensors"].as_u64(), Some(21));
    assert!(out.join("model.safetensors.index.json").is_file());
    assert!(common::file_names(&out).iter().filter(|f| f.starts_with("model-0000")).count() >= 2);
    assert_eq!(checkpoint(&llama), checkpoint(&out));
    // The export imports back: the same 4 losses as transformers.
    let run = launch(&out, &llama.join("train.toml"), &out, "1x1x1", &cwd);
    run.assert_success();
    assert_eq!(losses(&run).len(), 4);
    for (g, w) in losses(&run).iter().zip(expected("llama")) {
        assert!((g - w).abs() / w.abs() <= 1e-5, "{g} vs {w}");
    }
}

/// Mixtral: both layouts export as transformers' save_pretrained writes Mixtral (one tensor per
/// expert): the stacked checkpoint gives exactly the per-expert fixture's tensors, the export
/// imports back to transformers' losses, and a trained MoE model exports and imports back bit
/// for bit.
#[test]
fn mixtral_exports_one_tensor_per_expert_and_imports_back() {
    let mixtral = fixtures().join("mixtral");
    let want = checkpoint(&mixtral);
    assert!(want.contains_key("model.layers.1.block_sparse_moe.experts.3.w2.weight"));
    for source in ["mixtral", "mixtral-fused"] {
        let dir = fixtures().join(source);
        let cwd = fresh_dir("hf_export", source);
        let out = cwd.join("hf");
        let run = export(&dir, Some(&dir.join("train.toml")), &dir, &out, &["--max-shard-bytes", "60000", "--json"]);
        run.assert_success();
        let summary: Value = serde_json::from_str(&run.stdout).expect("--json");
        assert_eq!(summary["architecture"], "MixtralForCausalLM");
        assert_eq!(summary["tensors"].as_u64(), Some(41));
        assert_eq!(checkpoint(&out), want, "{source}");
        let config: Value = serde_json::from_str(&common::read(&out.join("config.json"))).unwrap();
        assert_eq!(config["architectures"][0], "MixtralForCausalLM");
        assert_eq!((config["num_local_experts"].as_u64(), config["num_experts_per_tok"].as_u64()), (Some(4), Some(2)));
        assert_eq!(config["intermediate_size"].as_u64(), Some(48));
        let run = launch(&out, &mixtral.join("train.toml"), &out, "1x1x1", &cwd);
        run.assert_success();
        assert_eq!(losses(&run).len(), 4);
        for (g, w) in losses(&run).iter().zip(expected("mixtral")) {
            assert!((g - w).abs() / w.abs() <= 1e-5, "{source}: {g} vs {w}");
        }
    }
    // A trained MoE model: continuing from its export gives the same losses, bit for bit.
    let cwd = fresh_dir("hf_export", "moe-trained");
    let model = repo_root().join("examples/moe-tiny.toml");
    let saved = cwd.join("trained.safetensors");
    run_parc(&["launch", &s(&model), "--steps", "2", "--save", &s(&saved)], &cwd).assert_success();
    let out = cwd.join("hf");
    export(&model, None, &saved, &out, &[]).assert_success();
    let from = |init: &Path| {
        let run = run_parc(&["launch", &s(&model), "--steps", "2", "--init", &s(init), "--json"], &cwd);
        run.assert_success();
        losses(&run)
    };
    let (native, exported) = (from(&saved), from(&out));
    assert_eq!(native.len(), 2);
    assert_eq!(
        native.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        exported.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    // MoE models no Hugging Face architecture has: dense layers between MoE layers, token drops.
    for (name, edit) in [("every", "every = 2\n"), ("capacity", "capacity_factor = 1.0\n")] {
        let path = cwd.join(format!("{name}.toml"));
        let text = common::read(&model).replace("aux_loss_coef = 0.01\n", &format!("aux_loss_coef = 0.01\n{edit}"));
        let text = if name == "every" { text.replace("bias = false\n", "bias = false\nffn = 96\n") } else { text };
        std::fs::write(&path, text).unwrap();
        let out = cwd.join(format!("o-{name}"));
        refused(&export(&path, None, &saved, &out, &[]), &[name, "MixtralForCausalLM"]);
        assert!(!out.exists(), "nothing may be written");
    }
}

#[test]
fn trained_weights_export_and_import_back_bitwise() {
    // Train llama-tiny a few steps, save, export, and continue from each: identical losses.
    let cwd = fresh_dir("hf_export", "trained");
    let model = repo_root().join("examples/llama-tiny.toml");
    let saved = cwd.join("trained.safetensors");
    run_parc(&["launch", &s(&model), "--steps", "3", "--save", &s(&saved)], &cwd).assert_success();
    let out = cwd.join("hf");
    export(&model, None, &saved, &out, &[]).assert_success();
    let from = |init: &Path| {
        let run = run_parc(&["launch", &s(&model), "--steps", "3", "--init", &s(init), "--json"], &cwd);
        run.assert_success();
        losses(&run)
    };
    let (native, exported) = (from(&saved), from(&out));
    assert_eq!(native.len(), 3);
    assert_eq!(
        native.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        exported.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn export_refuses_models_without_a_hugging_face_architecture_and_bad_weights() {
    let cwd = fresh_dir("hf_export", "bad");
    // A GPT-family model with grouped-query attention.
    let gqa = cwd.join("gqa.toml");
    let text =
        common::read(&repo_root().join("examples/gpt-tiny.toml")).replace("heads = 4\n", "heads = 4\nkv_heads = 2\n");
    std::fs::write(&gqa, text).unwrap();
    let weights = cwd.join("none.safetensors");
    let run = export(&gqa, None, &weights, &cwd.join("o1"), &[]);
    refused(&run, &["grouped-query attention"]);
    // A mixed family: rmsnorm with gelu.
    let mixed = cwd.join("mixed.toml");
    let text =
        common::read(&repo_root().join("examples/gpt-tiny.toml")).replace("norm = \"layernorm\"", "norm = \"rmsnorm\"");
    std::fs::write(&mixed, text).unwrap();
    refused(&export(&mixed, None, &weights, &cwd.join("o2"), &[]), &["no Hugging Face architecture"]);
    // Weights of another model: nothing is written.
    let llama = fixtures().join("llama");
    let gpt2 = fixtures().join("gpt2");
    let out = cwd.join("o3");
    let run = export(&llama, Some(&llama.join("train.toml")), &gpt2.join("model.safetensors"), &out, &[]);
    refused(&run, &["is a GPT-2 checkpoint"]);
    assert!(!out.exists(), "nothing may be written");
}

/// `parc logits` of a compiled fixture model (one rank and partitioned: the logits do not depend
/// on the mesh) against transformers' logits of the first global batch, within 1e-4 of the
/// largest logit; bad input refused with exit 2.
#[test]
fn first_batch_logits_equal_transformers() {
    let tokens = fixtures().join("tokens.bin");
    for (model, mesh) in [
        ("gpt2", "1x1x1"),
        ("gpt2", "dp=2,pp=2"),
        ("llama", "dp=2,tp=2"),
        ("mixtral", "1x1x1"),
        ("mixtral-fused", "dp=2"),
    ] {
        let dir = fixtures().join(model);
        let cwd = fresh_dir("hf_import", &format!("logits-{model}-{mesh}"));
        run_parc(&["compile", &s(&dir), "--training", &s(&dir.join("train.toml")), "--mesh", mesh, "-o", "out"], &cwd)
            .assert_success();
        let run = run_parc(
            &[
                "logits",
                "out",
                "--init",
                &s(&dir),
                "--data",
                &s(&tokens),
                "--data-dtype",
                "u16",
                "-o",
                "logits.safetensors",
                "--json",
            ],
            &cwd,
        );
        run.assert_success();
        let got = common::read_safetensors(&cwd.join("logits.safetensors"));
        let want = common::read_safetensors(&dir.join("logits.safetensors"));
        let (g, w) = (&got["logits"], &want["logits"]);
        assert_eq!((g.0.as_str(), &g.1), ("F32", &vec![8, 16, 96]));
        assert_eq!(g.1, w.1);
        let largest = w.2.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let diff = g.2.iter().zip(&w.2).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(diff <= 1e-4 * largest, "{model} on {mesh}: largest difference {diff}, largest logit {largest}");
        let summary: Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(summary["shape"], serde_json::json!([8, 16, 96]));
    }
    // Bad input: not a compiled directory, weights of another model, an unknown token width.
    let cwd = fresh_dir("hf_import", "logits-bad");
    refused(
        &run_parc(&["logits", "nowhere", "-o", "l.safetensors"], &cwd),
        &["not a directory written by parc compile"],
    );
    let gpt2 = fixtures().join("gpt2");
    run_parc(&["compile", &s(&gpt2), "--training", &s(&gpt2.join("train.toml")), "-o", "out"], &cwd).assert_success();
    refused(
        &run_parc(&["logits", "out", "--init", &s(&fixtures().join("llama")), "-o", "l.safetensors"], &cwd),
        &["--init"],
    );
    refused(&run_parc(&["logits", "out", "--data-dtype", "u8", "-o", "l.safetensors"], &cwd), &["--data-dtype u8"]);
    assert!(!cwd.join("l.safetensors").exists());
    // Without --init and --data: the seeded initialization on the synthetic stream.
    run_parc(&["logits", "out", "-o", "seeded.safetensors"], &cwd).assert_success();
    assert_eq!(common::read_safetensors(&cwd.join("seeded.safetensors"))["logits"].1, vec![8, 16, 96]);
}
