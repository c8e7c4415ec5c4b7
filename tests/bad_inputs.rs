//! Bad inputs through the `parc` binary: every one exits with code 2 and a message that names the
//! numbers, the fix and (for a model field) the `file:line:col` of the field; none panics. One
//! `check` helper; each case writes its model into target/tmp/bad_inputs/CASE/model.toml and runs
//! parc in that directory, so messages name the file as `model.toml`.

mod common;

use common::{fresh_dir, run_parc};

/// A small valid model. Line numbers of the cases below refer to this text; a case that replaces
/// one line keeps them, a case that adds lines says where.
const BASE: &str = r#"[model]
name = "dense-tiny"
vocab = 128
hidden = 64
layers = 2
heads = 4
seq_len = 32

[training]
global_batch = 8
micro_batch = 2
"#;

/// `BASE` with the first occurrence of `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

/// `BASE` followed by `more`.
fn with(more: &str) -> String {
    format!("{BASE}{more}")
}

/// Runs `parc ARGS` in a fresh directory target/tmp/bad_inputs/`case`/ holding `model` (if any) as
/// model.toml, and checks that it fails with exit code 2, that stderr contains every string of
/// `expect` and `location` (`file:line:col`, when the error is about a place in a file), and that
/// it did not panic.
fn check(case: &str, model: Option<&str>, args: &[&str], expect: &[&str], location: Option<&str>) {
    let dir = fresh_dir("bad_inputs", case);
    if let Some(text) = model {
        std::fs::write(dir.join("model.toml"), text).expect("write model.toml");
    }
    let run = run_parc(args, &dir);
    let context = format!("case {case}: parc {}\n--- stderr ---\n{}", args.join(" "), run.stderr);
    assert!(!run.stderr.contains("panicked"), "parc panicked; {context}");
    assert!(!run.stderr.contains("RUST_BACKTRACE"), "parc panicked; {context}");
    assert_eq!(run.code, Some(2), "wrong exit code; {context}");
    for needle in expect {
        assert!(run.stderr.contains(needle), "stderr lacks `{needle}`; {context}");
    }
    if let Some(location) = location {
        assert!(run.stderr.contains(&format!("{location}: error:")), "stderr lacks `{location}`; {context}");
    }
}

/// `parc compile model.toml -o out` on `model`.
fn check_model(case: &str, model: &str, expect: &[&str], location: Option<&str>) {
    check(case, Some(model), &["compile", "model.toml", "-o", "out"], expect, location);
}

/// `parc compile model.toml --mesh MESH -o out` on `model`.
fn check_mesh(case: &str, model: &str, mesh: &str, expect: &[&str], location: Option<&str>) {
    check(case, Some(model), &["compile", "model.toml", "--mesh", mesh, "-o", "out"], expect, location);
}

// ---- TOML syntax ------------------------------------------------------------------------------

#[test]
fn unclosed_table_header() {
    check_model(
        "unclosed_table_header",
        &edit("[training]", "[training"),
        &["unclosed table", "`]`"],
        Some("model.toml:9:10"),
    );
}

#[test]
fn key_without_value() {
    check_model("key_without_value", &edit("layers = 2", "layers 2"), &["expected `=`"], Some("model.toml:5:8"));
}

#[test]
fn duplicate_key() {
    check_model(
        "duplicate_key",
        &edit("seq_len = 32", "hidden = 64"),
        &["`hidden` is set twice", "remove one"],
        Some("model.toml:7:1"),
    );
}

// ---- schema: keys and types -------------------------------------------------------------------

#[test]
fn unknown_key_in_model_suggests_the_right_one() {
    check_model(
        "unknown_key_hiden",
        &edit("hidden = 64", "hiden = 64"),
        &["unknown key `hiden` in [model]", "did you mean `hidden`?"],
        Some("model.toml:4:1"),
    );
}

#[test]
fn unknown_key_in_training_suggests_the_right_one() {
    check_model(
        "unknown_key_micro_bach",
        &edit("micro_batch = 2", "micro_bach = 2"),
        &["unknown key `micro_bach` in [training]", "did you mean `micro_batch`?"],
        Some("model.toml:11:1"),
    );
}

#[test]
fn optimizer_key_in_training_is_unknown_there() {
    check_model(
        "optimizer_key_in_training",
        &with("warmup_steps = 10\n"),
        &["unknown key `warmup_steps` in [training]", "belongs in the [training.optimizer] table"],
        Some("model.toml:12:1"),
    );
}

#[test]
fn unknown_key_in_optimizer_suggests_the_right_one() {
    // Lines 12-14: blank, [training.optimizer], the key.
    check_model(
        "unknown_key_lrr",
        &with("\n[training.optimizer]\nlrr = 1e-3\n"),
        &["unknown key `lrr` in [training.optimizer]", "did you mean `lr`?"],
        Some("model.toml:14:1"),
    );
}

#[test]
fn unknown_top_level_table_suggests_the_right_one() {
    check_model(
        "unknown_table_trainig",
        &edit("[training]", "[trainig]"),
        &["unknown key `trainig`", "did you mean `training`?"],
        Some("model.toml:9:2"),
    );
}

#[test]
fn missing_required_key() {
    check_model(
        "missing_vocab",
        &edit("vocab = 128\n", ""),
        &["missing required key `vocab`", "add `vocab = ...`"],
        Some("model.toml:1:1"),
    );
}

#[test]
fn missing_training_table() {
    let model = BASE.split("\n[training]").next().expect("BASE has a [training] table");
    // The error is about the whole file, so it names the file without a line.
    check_model(
        "missing_training",
        model,
        &["model.toml: error: missing [training] table", "[training]", "global_batch = "],
        None,
    );
}

#[test]
fn string_for_an_integer() {
    check_model(
        "string_for_int",
        &edit("layers = 2", "layers = \"two\""),
        &["`layers` must be an integer, found string \"two\"", "layers = 8"],
        Some("model.toml:5:10"),
    );
}

// ---- schema: values ---------------------------------------------------------------------------

#[test]
fn zero_size() {
    check_model(
        "zero_hidden",
        &edit("hidden = 64", "hidden = 0"),
        &["hidden = 0 must be a positive integer", "set hidden to 1 or more"],
        Some("model.toml:4:10"),
    );
}

#[test]
fn negative_size() {
    check_model(
        "negative_layers",
        &edit("layers = 2", "layers = -3"),
        &["layers = -3 must be a positive integer", "set layers to 1 or more"],
        Some("model.toml:5:10"),
    );
}

#[test]
fn size_too_large_for_the_parameter_count() {
    // vocab × hidden overflows 64 bits: a bad input, not a crash.
    check_model(
        "huge_vocab",
        &edit("vocab = 128", "vocab = 9223372036854775807"),
        &["vocab", "too large", "at most 16777216"],
        Some("model.toml:3:9"),
    );
}

#[test]
fn hidden_not_divisible_by_heads_lists_valid_heads() {
    check_model(
        "hidden_heads",
        &edit("heads = 4", "heads = 5"),
        &["hidden = 64 is not divisible by heads = 5", "heads can be 1, 2, 4, 8, 16, 32 or 64"],
        Some("model.toml:6:9"),
    );
}

#[test]
fn heads_not_divisible_by_kv_heads_lists_valid_kv_heads() {
    // kv_heads is added as line 7.
    check_model(
        "heads_kv_heads",
        &edit("heads = 4\n", "heads = 4\nkv_heads = 3\n"),
        &["heads = 4 is not divisible by kv_heads = 3", "kv_heads can be 1, 2 or 4"],
        Some("model.toml:7:12"),
    );
}

#[test]
fn odd_head_dim_with_rope() {
    // position is added as line 8; the error points at heads.
    let model = edit("hidden = 64", "hidden = 60").replacen("seq_len = 32\n", "seq_len = 32\nposition = \"rope\"\n", 1);
    check_model(
        "odd_head_dim_rope",
        &model,
        &["even head_dim", "hidden / heads = 60 / 4 = 15", "hidden / heads is even"],
        Some("model.toml:6:9"),
    );
}

#[test]
fn bad_enum_value_suggests_the_right_one() {
    check_model(
        "norm_rmsnom",
        &edit("seq_len = 32\n", "seq_len = 32\nnorm = \"rmsnom\"\n"),
        &["norm = \"rmsnom\" is not one of \"layernorm\" or \"rmsnorm\"", "did you mean \"rmsnorm\"?"],
        Some("model.toml:8:8"),
    );
}

#[test]
fn rope_theta_with_learned_positions() {
    check_model(
        "rope_theta_learned",
        &edit("seq_len = 32\n", "seq_len = 32\nposition = \"learned\"\nrope_theta = 10000.0\n"),
        &["rope_theta is set, but position = \"learned\"", "remove rope_theta, or set position = \"rope\""],
        Some("model.toml:9:14"),
    );
}

#[test]
fn zero_stage_out_of_range() {
    check_model(
        "zero_4",
        &with("zero = 4\n"),
        &["zero = 4 is not a ZeRO stage", "zero can be 0 (off), 1, 2 or 3"],
        Some("model.toml:12:8"),
    );
}

#[test]
fn betas_with_three_values() {
    check_model(
        "betas_3",
        &with("\n[training.optimizer]\nbetas = [0.9, 0.95, 0.99]\n"),
        &["betas = [0.9, 0.95, 0.99] must be two numbers in [0, 1)", "betas = [0.9, 0.95]"],
        Some("model.toml:14:9"),
    );
}

#[test]
fn momentum_with_adamw() {
    check_model(
        "momentum_adamw",
        &with("\n[training.optimizer]\ntype = \"adamw\"\nmomentum = 0.9\n"),
        &["`momentum` is an SGD setting, but type = \"adamw\"", "remove `momentum`, or set type = \"sgd\""],
        Some("model.toml:15:12"),
    );
}

#[test]
fn betas_with_sgd() {
    check_model(
        "betas_sgd",
        &with("\n[training.optimizer]\ntype = \"sgd\"\nbetas = [0.9, 0.95]\n"),
        &["`betas` is an AdamW setting, but type = \"sgd\"", "remove `betas`, or set type = \"adamw\""],
        Some("model.toml:15:9"),
    );
}

#[test]
fn min_lr_above_lr() {
    check_model(
        "min_lr_above_lr",
        &with("\n[training.optimizer]\nlr = 1e-4\nmin_lr = 1e-3\n"),
        &["min_lr = 0.001 is larger than lr = 0.0001", "make it at most lr"],
        Some("model.toml:15:10"),
    );
}

#[test]
fn global_batch_not_divisible_by_micro_batch() {
    check_model(
        "global_batch_micro_batch",
        &edit("micro_batch = 2", "micro_batch = 3"),
        &["global_batch = 8 is not divisible by micro_batch = 3", "micro_batch can be 1, 2, 4 or 8"],
        Some("model.toml:11:15"),
    );
}

// ---- the mesh flag ----------------------------------------------------------------------------

/// The help line of every mesh syntax error.
const MESH_USAGE: &str = "write --mesh DPxPPxTP (e.g. 8x4x2) or name the axes";

#[test]
fn mesh_with_two_sizes() {
    check_mesh("mesh_8x4", BASE, "8x4", &["--mesh 8x4", "expected three sizes DPxPPxTP, found 2", MESH_USAGE], None);
}

#[test]
fn mesh_with_a_zero_size() {
    check_mesh("mesh_8x0x2", BASE, "8x0x2", &["--mesh 8x0x2", "axis pp has size 0", MESH_USAGE], None);
}

#[test]
fn mesh_with_an_unknown_axis() {
    check_mesh(
        "mesh_dq",
        BASE,
        "dp=2,dq=2",
        &["unknown axis 'dq'", "did you mean dp?", "axes are dp, pp, tp and ep", MESH_USAGE],
        None,
    );
}

#[test]
fn mesh_with_ep_not_dividing_dp() {
    check_mesh(
        "mesh_dp6_ep4",
        BASE,
        "dp=6,ep=4",
        &["ep = 4 does not divide dp = 6", "ep can be 1, 2, 3 or 6", MESH_USAGE],
        None,
    );
}

// ---- model and mesh together ------------------------------------------------------------------

#[test]
fn heads_not_divisible_by_tp() {
    // The example of the issue: 28 heads (hidden 448 = 28 × 16) on tp = 8.
    let model = edit("hidden = 64", "hidden = 448").replacen("heads = 4", "heads = 28", 1);
    check_mesh(
        "heads_28_tp_8",
        &model,
        "dp=1,pp=1,tp=8",
        &["heads = 28 is not divisible by tp = 8", "tp can be 1, 2, 4, 7, 14 or 28"],
        Some("model.toml:6:9"),
    );
}

#[test]
fn kv_heads_not_divisible_by_tp() {
    check_mesh(
        "kv_heads_tp",
        &edit("heads = 4\n", "heads = 8\nkv_heads = 2\n"),
        "1x1x4",
        &["kv_heads = 2 is not divisible by tp = 4", "tp can be 1 or 2"],
        Some("model.toml:7:12"),
    );
}

#[test]
fn ffn_not_divisible_by_tp() {
    check_mesh(
        "ffn_tp",
        &edit("seq_len = 32\n", "seq_len = 32\nffn = 250\n"),
        "1x1x4",
        &["ffn = 250 is not divisible by tp = 4", "tp can be 1, 2, 5, 10, 25, 50, 125 or 250"],
        Some("model.toml:8:7"),
    );
}

#[test]
fn fewer_layers_than_pipeline_stages() {
    check_mesh(
        "layers_pp",
        BASE,
        "1x4x1",
        &["layers = 2 cannot be split into pp = 4 pipeline stages", "pp can be at most 2"],
        Some("model.toml:5:10"),
    );
}

#[test]
fn global_batch_not_divisible_by_micro_batch_times_dp() {
    check_mesh(
        "global_batch_dp",
        BASE,
        "3x1x1",
        &["global_batch = 8 is not divisible by micro_batch × dp = 2 × 3 = 6", "dp can be 1, 2 or 4"],
        Some("model.toml:10:16"),
    );
}

#[test]
fn expert_parallelism_on_a_dense_model() {
    check_mesh(
        "ep_dense",
        BASE,
        "dp=2,ep=2",
        &["ep = 2 needs a mixture-of-experts model", "dense-tiny has no experts", "remove ep from --mesh"],
        None,
    );
}

// ---- mixture of experts ([model.moe]) ----------------------------------------------------------

/// `BASE` with a `[model.moe]` table of `keys` after it: line 13 is `[model.moe]`, the keys start
/// on line 14.
fn moe(keys: &str) -> String {
    with(&format!("\n[model.moe]\n{keys}"))
}

#[test]
fn moe_top_k_larger_than_experts() {
    check_model(
        "moe_top_k_large",
        &moe("experts = 4\ntop_k = 5\n"),
        &["top_k = 5 is larger than experts = 4", "top_k can be 1, 2, 3 or 4"],
        Some("model.toml:15:9"),
    );
}

#[test]
fn moe_top_k_zero() {
    check_model(
        "moe_top_k_zero",
        &moe("experts = 8\ntop_k = 0\n"),
        &["top_k = 0 must be at least 1", "top_k can be 1, 2, 3, 4, 5, 6, 7 or 8"],
        Some("model.toml:15:9"),
    );
}

#[test]
fn moe_without_experts() {
    check_model(
        "moe_zero_experts",
        &moe("experts = 0\ntop_k = 1\n"),
        &["experts = 0 must be a positive integer", "set experts to 1 or more"],
        Some("model.toml:14:11"),
    );
}

#[test]
fn moe_capacity_factor_not_positive() {
    for (case, value) in [("moe_capacity_zero", "0.0"), ("moe_capacity_negative", "-1.5")] {
        check_model(
            case,
            &moe(&format!("experts = 4\ntop_k = 2\ncapacity_factor = {value}\n")),
            &["capacity_factor = ", "it must be greater than 0 (leave it out for dropless routing)"],
            Some("model.toml:16:19"),
        );
    }
}

#[test]
fn moe_unknown_router() {
    check_model(
        "moe_unknown_router",
        &moe("experts = 4\ntop_k = 2\nrouter = \"softmax_top2\"\n"),
        &["router = \"softmax_top2\" is not one of \"softmax_topk\"", "did you mean \"softmax_topk\"?"],
        Some("model.toml:16:10"),
    );
    check_model(
        "moe_other_router",
        &moe("experts = 4\ntop_k = 2\nrouter = \"sigmoid\"\n"),
        &["router = \"sigmoid\" is not one of \"softmax_topk\"", "use one of \"softmax_topk\""],
        Some("model.toml:16:10"),
    );
}

#[test]
fn moe_every_beyond_the_layers() {
    check_model(
        "moe_every",
        &moe("experts = 4\ntop_k = 2\nevery = 3\n"),
        &["every = 3 leaves no MoE layer among layers = 2", "every can be 1 to 2"],
        Some("model.toml:16:9"),
    );
}

#[test]
fn moe_ffn_that_no_layer_uses() {
    // BASE has no ffn: write one on line 7 (after seq_len), so [model.moe] starts on line 14.
    let model = format!(
        "{}\n[model.moe]\nexperts = 4\ntop_k = 2\nexpert_ffn = 96\n",
        edit("seq_len = 32\n", "seq_len = 32\nffn = 176\n")
    );
    check_model(
        "moe_unused_ffn",
        &model,
        &["ffn = 176 is used by no layer: every layer is a MoE layer (every = 1) with expert_ffn = 96", "remove ffn"],
        Some("model.toml:8:7"),
    );
    // Equal widths, or dense layers left (every = 2), are fine.
    let ok = format!(
        "{}\n[model.moe]\nexperts = 4\ntop_k = 2\nexpert_ffn = 96\nevery = 2\n",
        edit("seq_len = 32\n", "seq_len = 32\nffn = 176\n")
    );
    let dir = common::fresh_dir("bad_inputs", "moe_used_ffn");
    std::fs::write(dir.join("model.toml"), ok).expect("write model.toml");
    common::run_parc(&["compile", "model.toml", "-o", "out"], &dir).assert_success();
}

#[test]
fn moe_unknown_key_suggests_the_right_one() {
    check_model(
        "moe_unknown_key",
        &moe("experts = 4\ntopk = 2\n"),
        &["unknown key `topk` in [model.moe]", "did you mean `top_k`?"],
        Some("model.toml:15:1"),
    );
}

#[test]
fn moe_refuses_experts_not_divisible_by_ep_or_tp() {
    let model = moe("experts = 4\ntop_k = 2\n");
    // Each tp rank holds a slice of every expert's MLP.
    check_mesh(
        "moe_tp_expert_ffn",
        &moe("experts = 4\ntop_k = 2\nexpert_ffn = 90\n"),
        "tp=4",
        &["expert_ffn = 90 is not divisible by tp = 4", "tp can be 1, 2, 3, 5, 6, 9, 10, 15, 18, 30, 45 or 90"],
        Some("model.toml:16:14"),
    );
    // Experts split evenly over ep; the help lists the ep that divide both the experts and dp.
    let six = moe("experts = 6\ntop_k = 2\n");
    check_mesh(
        "moe_ep_experts",
        &six,
        "dp=4,ep=4",
        &["experts = 6 is not divisible by ep = 4", "with dp = 4, ep can be 1 or 2"],
        Some("model.toml:14:11"),
    );
    // ep must divide dp (the mesh itself).
    check_mesh("moe_ep_dp", &model, "dp=2,ep=4", &["ep = 4 does not divide dp = 2"], None);
    // The same refusal from every command that compiles.
    for command in ["launch", "verify"] {
        check(
            &format!("moe_ep_experts_{command}"),
            Some(&six),
            &[command, "model.toml", "--mesh", "dp=4,ep=4", "--steps", "1"],
            &["experts = 6 is not divisible by ep = 4"],
            Some("model.toml:14:11"),
        );
    }
}

#[test]
fn plan_ep_pins_and_gpt_family_moe_export_are_refused() {
    let model = moe("experts = 4\ntop_k = 2\n");
    // --ep that does not divide the experts, and --ep on a dense model.
    check(
        "moe_plan_ep",
        Some(&model),
        &["plan", "model.toml", "--gpus", "8", "--gpu", "h200", "--ep", "8"],
        &["--ep 8 does not divide the 4 experts", "pin --ep to a divisor of 4"],
        None,
    );
    check(
        "dense_plan_ep",
        None,
        &[
            "plan",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gpt-tiny.toml"),
            "--gpus",
            "4",
            "--gpu",
            "h200",
            "--ep",
            "2",
        ],
        &["--ep 2: gpt-tiny has no experts", "drop --ep"],
        None,
    );
    check(
        "moe_export",
        Some(&model),
        &["export", "model.toml", "--weights", "w.safetensors", "--hf", "hf"],
        &["a GPT-family MoE model", "which no Hugging Face architecture has", "MixtralForCausalLM"],
        None,
    );
}

// ---- files and flags --------------------------------------------------------------------------

#[test]
fn model_file_does_not_exist() {
    check(
        "no_model_file",
        None,
        &["compile", "nosuch.toml", "-o", "out"],
        &["cannot read model file nosuch.toml", "examples/gpt-tiny.toml"],
        None,
    );
}

#[test]
fn out_is_a_regular_file() {
    // -o names an existing regular file: the model file itself, which must survive.
    check(
        "out_is_a_file",
        Some(BASE),
        &["compile", "model.toml", "-o", "model.toml"],
        &["output path model.toml exists and is not a directory", "pass a directory to -o"],
        None,
    );
    let model = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_inputs/out_is_a_file/model.toml");
    assert_eq!(std::fs::read_to_string(model).expect("model.toml is still there"), BASE);
}

#[test]
fn missing_out_flag_is_a_usage_error() {
    check("missing_out", Some(BASE), &["compile", "model.toml"], &["--out <DIR>", "Usage:"], None);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    check(
        "unknown_flag",
        Some(BASE),
        &["compile", "model.toml", "-o", "out", "--frobnicate"],
        &["unexpected argument '--frobnicate'", "Usage:"],
        None,
    );
}

#[test]
fn attention_scores_too_large_to_address() {
    // Each size is within bounds, but micro_batch · heads · seq_len² exceeds 2^62 elements.
    let text = edit("seq_len = 32", "seq_len = 16777216")
        .replace("global_batch = 8", "global_batch = 16777216")
        .replace("micro_batch = 2", "micro_batch = 16777216");
    check_model("scores_too_large", &text, &["attention scores", "more than parc can address"], None);
}

#[test]
fn cosine_schedule_needs_decay_steps() {
    check_model(
        "cosine_without_decay_steps",
        &with("\n[training.optimizer]\nlr_schedule = \"cosine\"\n"),
        &["lr_schedule = \"cosine\" needs decay_steps", "add decay_steps = N"],
        Some("model.toml:14:15"),
    );
}

#[test]
fn decay_steps_must_come_after_the_warmup() {
    check_model(
        "decay_before_warmup",
        &with("\n[training.optimizer]\nlr_schedule = \"cosine\"\nwarmup_steps = 100\ndecay_steps = 50\n"),
        &["decay_steps = 50 must be larger than warmup_steps = 100"],
        Some("model.toml:16:15"),
    );
}

// ---- partitioning -------------------------------------------------------------------------------

#[test]
fn zero_stage_out_of_range_on_the_command_line() {
    check(
        "zero_flag_out_of_range",
        Some(BASE),
        &["compile", "model.toml", "--mesh", "dp=2", "--zero", "4", "-o", "out"],
        &["--zero", "4"],
        None,
    );
}

#[test]
fn sequence_parallel_must_be_a_boolean() {
    let model = edit("micro_batch = 2\n", "micro_batch = 2\nsequence_parallel = \"yes\"\n");
    check_model("sequence_parallel_not_bool", &model, &["sequence_parallel"], Some("model.toml:12:21"));
}

#[test]
fn one_rank_of_a_partitioned_plan_cannot_run_alone() {
    let dir = fresh_dir("bad_inputs", "run_one_rank_of_many");
    std::fs::write(dir.join("model.toml"), BASE).expect("write model.toml");
    let compiled = run_parc(&["compile", "model.toml", "--mesh", "dp=2", "-o", "out"], &dir);
    compiled.assert_success();
    let run = run_parc(&["run", "out", "--rank", "1", "--steps", "1"], &dir);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("2 ranks") && run.stderr.contains("parc launch out"), "{}", run.stderr);
}

#[test]
fn check_a_plan_whose_mesh_is_damaged() {
    let dir = fresh_dir("bad_inputs", "damaged_plan_mesh");
    std::fs::write(dir.join("model.toml"), BASE).expect("write model.toml");
    run_parc(&["compile", "model.toml", "--mesh", "dp=2", "-o", "out"], &dir).assert_success();
    let path = dir.join("out/plan.json");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read plan.json")).expect("plan.json is JSON");
    plan["mesh"]["tp"] = serde_json::Value::from(0);
    std::fs::write(&path, serde_json::to_string(&plan).expect("plan.json")).expect("write plan.json");
    for command in [&["check", "out"][..], &["inspect", "out", "--rank", "1", "--memory"][..]] {
        let run = run_parc(command, &dir);
        assert!(!run.stderr.contains("panicked"), "{command:?}: {}", run.stderr);
        assert_eq!(run.code, Some(2), "{command:?}: {}", run.stderr);
        assert!(run.stderr.contains("plan.json: the mesh is not valid: axis tp has size 0"), "{}", run.stderr);
        assert!(run.stderr.contains("recompile the model with parc compile"), "{}", run.stderr);
    }
}

#[test]
fn verify_with_more_pipeline_parts_than_layers() {
    check(
        "verify_pp",
        Some(BASE),
        &["verify", "model.toml", "--mesh", "1x2x1", "--schedule", "interleaved", "--chunks", "2", "--steps", "1"],
        &["2 layers", "4 pipeline parts"],
        None,
    );
}

#[test]
fn verify_needs_a_positive_tolerance_and_steps() {
    check(
        "verify_tolerance",
        Some(BASE),
        &["verify", "model.toml", "--mesh", "dp=2", "--tolerance", "0"],
        &["--tolerance 0", "positive"],
        None,
    );
    check(
        "verify_steps",
        Some(BASE),
        &["verify", "model.toml", "--mesh", "dp=2", "--steps", "0"],
        &["--steps 0"],
        None,
    );
}

#[test]
fn launch_a_mesh_that_does_not_divide_the_heads() {
    check(
        "launch_tp_heads",
        Some(BASE),
        &["launch", "model.toml", "--mesh", "tp=3", "--steps", "1"],
        &["heads = 4", "tp can be 1, 2 or 4"],
        Some("model.toml:6:9"),
    );
}

// ---- damaged rank programs ----------------------------------------------------------------------

/// Compiles `BASE` for one rank into target/tmp/bad_inputs/`case`/out, replaces the one occurrence
/// of `from` in its program by `to`, runs `parc run out --steps 1`, and checks that it fails with
/// exit code 2, without a panic or an abort, saying every string of `expect`.
fn check_damaged_program(case: &str, from: &str, to: &str, expect: &[&str]) {
    let dir = fresh_dir("bad_inputs", case);
    std::fs::write(dir.join("model.toml"), BASE).expect("write model.toml");
    run_parc(&["compile", "model.toml", "-o", "out"], &dir).assert_success();
    let path = dir.join("out/rank-0000.mlir");
    let text = std::fs::read_to_string(&path).expect("read the program");
    assert_eq!(text.matches(from).count(), 1, "the program must hold `{from}` once");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write the program");
    let run = run_parc(&["run", "out", "--steps", "1"], &dir);
    let context = format!("case {case}\n--- stderr ---\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "parc panicked; {context}");
    assert_eq!(run.code, Some(2), "wrong exit code; {context}");
    for needle in expect {
        assert!(run.stderr.contains(needle), "stderr lacks `{needle}`; {context}");
    }
}

#[test]
fn reduce_fp32_gradients_in_bf16() {
    // bf16 reduction is for bf16 gradients: with fp32 training it would round fp32 gradients.
    let model = edit("micro_batch = 2\n", "micro_batch = 2\ngrad_reduce_dtype = \"bf16\"\n");
    check_model(
        "grad_reduce_bf16_with_fp32",
        &model,
        &["grad_reduce_dtype = \"bf16\" needs bf16 gradients, but precision is fp32", "precision = \"bf16\""],
        Some("model.toml:12:21"),
    );
    // A dtype that is not one.
    let model = edit("micro_batch = 2\n", "micro_batch = 2\ngrad_reduce_dtype = \"fp16\"\n");
    check_model("grad_reduce_fp16", &model, &["grad_reduce_dtype", "fp16", "fp32", "bf16"], Some("model.toml:12:21"));
}

#[test]
fn run_a_program_with_an_overflowing_tensor_shape() {
    // 2^62 · 32 i32 elements: 2^69 bytes, which wraps around in 64-bit arithmetic.
    check_damaged_program(
        "damaged_overflowing_shape",
        r#"name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>"#,
        r#"name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 4611686018427387904, 32>"#,
        &[
            "cannot load out/rank-0000.mlir",
            "tensor tokens has shape [4611686018427387904, 32] of i32, more than 2^64 bytes",
            "recompile the model with parc compile",
        ],
    );
}

#[test]
fn run_a_program_with_a_negative_dimension() {
    check_damaged_program(
        "damaged_negative_dim",
        r#"name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>"#,
        r#"name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, -32>"#,
        &["tensor labels has shape [2, -32], with a negative dimension", "recompile the model with parc compile"],
    );
}

#[test]
fn run_a_program_whose_arena_is_too_large_to_allocate() {
    let dir = fresh_dir("bad_inputs", "damaged_arena_probe");
    std::fs::write(dir.join("model.toml"), BASE).expect("write model.toml");
    run_parc(&["compile", "model.toml", "-o", "out"], &dir).assert_success();
    let text = std::fs::read_to_string(dir.join("out/rank-0000.mlir")).expect("read the program");
    let at = text.find(" arena = ").expect("the program has an arena size") + " arena = ".len();
    let digits: String = text[at..].chars().take_while(char::is_ascii_digit).collect();
    let arena = format!(" arena = {digits} : i64");
    check_damaged_program(
        "damaged_huge_arena",
        &arena,
        " arena = 4611686018427387904 : i64",
        // Refused before allocating, against the machine's available memory (the allocation
        // failure itself is tested in runtime/tests/loader.rs).
        &["the program's arena: 4194304.0 TiB needed, but this machine has", "more ranks", "Running on a cluster"],
    );
    check_damaged_program(
        "damaged_arena_past_the_limit",
        &arena,
        " arena = 9223372036854775807 : i64",
        &["exec.memory.arena is 9223372036854775807 bytes", "more than the largest arena a process can allocate"],
    );
}

#[test]
fn sequence_parallel_needs_tp_to_divide_seq_len() {
    let model = edit("seq_len = 32", "seq_len = 30");
    check(
        "sequence_parallel_seq_len",
        Some(&model),
        &["compile", "model.toml", "--mesh", "1x1x4", "--sequence-parallel", "-o", "out"],
        &["seq_len = 30 is not divisible by tp = 4", "tp can be", "turn sequence parallelism off"],
        Some("model.toml:7:11"),
    );
}
