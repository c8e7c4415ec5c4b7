//! A walk over the error paths of the command line: every subcommand of `parc`, and `parc-rt`,
//! given input that is wrong in each way the tools guard against, and the class of each failure
//! asserted. Bad input is the user's (exit 2, `error:` and a `help:` with the fix, never "internal"
//! or a panic); a check that fails on the user's own files is a failed check (exit 1, `error:`,
//! not a bug report); "internal error" is kept for broken invariants inside parc, which no input
//! here may reach. The finer wording of each message is tested where the input is handled
//! (bad_inputs.rs, launch.rs, check.rs, the runtime's unit tests); this file asserts the classes.

mod common;

use std::path::Path;

use common::{example, fresh_dir, run_parc, run_rt, Run};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// The user's input: exit 2, `error:`, a `help:` line.
    User,
    /// A check that failed on the user's files: exit 1, `error:`, not reported as a bug in parc.
    FailedCheck,
}

/// Asserts that `run` (of `what`) failed with `class`, its stderr holding every string of `expect`.
fn assert_class(what: &str, run: &Run, class: Class, expect: &[&str]) {
    let context = format!("{what}\n--- stderr ---\n{}", run.stderr);
    let code = match class {
        Class::User => 2,
        Class::FailedCheck => 1,
    };
    assert_eq!(run.code, Some(code), "{class:?} must exit {code}; {context}");
    assert!(run.stderr.contains("error:"), "no `error:`; {context}");
    assert!(run.stderr.contains("help:"), "no `help:` with the fix; {context}");
    for bad in ["internal", "bug in parc", "panicked", "RUST_BACKTRACE"] {
        assert!(!run.stderr.contains(bad), "`{bad}` in the message of the user's input; {context}");
    }
    for needle in expect {
        assert!(run.stderr.contains(needle), "stderr lacks `{needle}`; {context}");
    }
}

/// The fixture directory: gpt-tiny compiled for one device (`out`) and for dp=2 with two pipeline
/// stages (`pp`), copies of them damaged in one way each, token files and weight files.
fn fixtures() -> std::path::PathBuf {
    let dir = fresh_dir("error_classes", "walk");
    let tiny = example("gpt-tiny");
    let tiny = tiny.to_str().unwrap();
    let compile = |mesh: &str, out: &str| {
        run_parc(&["compile", tiny, "--mesh", mesh, "-o", out], &dir).assert_success();
    };
    compile("1x1x1", "out");
    compile("dp=2,pp=2", "pp");
    let copy = |from: &str, to: &str| {
        std::fs::create_dir_all(dir.join(to)).unwrap();
        for entry in std::fs::read_dir(dir.join(from)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.join(to).join(entry.file_name())).unwrap();
            }
        }
    };
    let rewrite = |file: &str, f: &dyn Fn(String) -> String| {
        let path = dir.join(file);
        std::fs::write(&path, f(std::fs::read_to_string(&path).unwrap())).unwrap();
    };
    // A program that loads but whose batch loading finds no `tokens` tensor when it runs.
    copy("out", "edited");
    rewrite("edited/rank-0000.mlir", &|t| t.replace("\"tokens\"", "\"tokenz\""));
    // A program cut in half: it does not parse.
    copy("out", "truncated");
    rewrite("truncated/rank-0000.mlir", &|t| t[..t.len() / 2].to_string());
    // A stage that sends its first activation on another queue: the cross-rank check fails.
    copy("pp", "pp-edited");
    rewrite("pp-edited/stage-0.mlir", &|t| {
        let line = t.lines().find(|l| l.contains("\"exec.send\"") && l.contains("tag = 0")).unwrap().to_string();
        t.replacen(&line, &line.replace("tag = 0", "tag = 7"), 1)
    });
    // plan.json that is not JSON; a directory with a plan but no program.
    copy("out", "bad-plan");
    std::fs::write(dir.join("bad-plan/plan.json"), "{\"mesh\": ").unwrap();
    copy("out", "no-program");
    std::fs::remove_file(dir.join("no-program/rank-0000.mlir")).unwrap();

    // Token files for gpt-tiny (seq_len 32, vocab 128, global batch 8): u32 ids.
    let ids = |ids: &[u32]| ids.iter().flat_map(|i| i.to_le_bytes()).collect::<Vec<u8>>();
    std::fs::write(dir.join("empty.bin"), b"").unwrap();
    std::fs::write(dir.join("ragged.bin"), [1u8, 0, 0]).unwrap();
    std::fs::write(dir.join("one-sample.bin"), ids(&[5; 33])).unwrap();
    std::fs::write(dir.join("out-of-vocab.bin"), ids(&[500; 33 * 8])).unwrap();
    std::fs::write(dir.join("model.toml"), std::fs::read_to_string(example("gpt-tiny")).unwrap()).unwrap();
    std::fs::write(
        dir.join("bf16.toml"),
        std::fs::read_to_string(example("gpt-tiny")).unwrap().replace("precision = \"fp32\"", "precision = \"bf16\""),
    )
    .unwrap();
    std::fs::write(dir.join("malformed.toml"), "[model\nvocab = 8\n").unwrap();
    // gpt-tiny on 2048 data-parallel ranks: more than one process runs as threads.
    std::fs::write(
        dir.join("wide.toml"),
        std::fs::read_to_string(example("gpt-tiny"))
            .unwrap()
            .replace("global_batch = 8", "global_batch = 2048")
            .replace("micro_batch = 2", "micro_batch = 1"),
    )
    .unwrap();
    run_parc(&["compile", "wide.toml", "--mesh", "dp=2048", "-o", "wide"], &dir).assert_success();
    std::fs::write(dir.join("not-a-dir"), "").unwrap();

    // Weights: gpt-tiny's own, saved; the same cut short; a file of another model's tensors.
    run_parc(&["launch", "out", "--steps", "1", "--save", "w.safetensors"], &dir).assert_success();
    let w = std::fs::read(dir.join("w.safetensors")).unwrap();
    std::fs::write(dir.join("w-truncated.safetensors"), &w[..w.len() - 10]).unwrap();
    let header = br#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut other = (header.len() as u64).to_le_bytes().to_vec();
    other.extend_from_slice(header);
    other.extend_from_slice(&[0u8; 8]);
    std::fs::write(dir.join("w-other.safetensors"), other).unwrap();
    dir
}

#[test]
fn every_error_path_of_the_command_line_has_its_class() {
    let dir = fixtures();
    let gpt3 = example("gpt3-175b");
    let gpt3 = gpt3.to_str().unwrap();
    let missing_dir = dir.join("missing");
    let missing_dir = missing_dir.to_str().unwrap();
    let parc: &[(&[&str], Class, &[&str])] = &[
        // compile: the model file, the mesh, the output directory.
        (&["compile", "missing.toml", "-o", "o"], Class::User, &["missing.toml"]),
        (&["compile", "out", "-o", "o"], Class::User, &["directory"]),
        (&["compile", "malformed.toml", "-o", "o"], Class::User, &["malformed.toml:"]),
        (&["compile", "model.toml", "--mesh", "1000x1000x1000", "-o", "o"], Class::User, &["more than"]),
        (&["compile", "model.toml", "--mesh", "dp=3", "-o", "o"], Class::User, &["global_batch"]),
        (&["compile", "model.toml", "--mesh", "dp=2,ep=2", "-o", "o"], Class::User, &["ep"]),
        (&["compile", "model.toml", "--print-ir-after", "nonsense", "-o", "o"], Class::User, &["nonsense"]),
        (&["compile", "model.toml", "-o", "not-a-dir"], Class::User, &["not-a-dir"]),
        // inspect and check: the compiled directory.
        (&["inspect", missing_dir], Class::User, &["missing"]),
        (&["inspect", "bad-plan"], Class::User, &["plan.json"]),
        (&["inspect", "out", "--rank", "9"], Class::User, &["9"]),
        (&["check", "no-program"], Class::User, &["no rank programs"]),
        (&["check", "truncated"], Class::User, &["rank-0000.mlir"]),
        (&["check", "pp-edited"], Class::FailedCheck, &["stage-0.mlir differ(s)"]),
        // launch and run: what the machine can hold, the programs, the data, the weights.
        (&["launch", gpt3, "--steps", "1"], Class::User, &["memory"]),
        (
            &["compile", "bf16.toml", "--precision", "fp32", "--grad-reduce-dtype", "bf16", "-o", "o"],
            Class::User,
            &["grad_reduce_dtype"],
        ),
        (&["launch", "wide", "--steps", "1"], Class::User, &["2048 ranks", "mpirun"]),
        (&["launch", "edited", "--steps", "1"], Class::User, &["rank-0000.mlir differ(s)"]),
        (&["launch", "truncated", "--steps", "1"], Class::User, &["rank-0000.mlir"]),
        (&["launch", "out", "--steps", "1", "--data", "missing.bin"], Class::User, &["missing.bin"]),
        (&["launch", "out", "--steps", "1", "--data", "empty.bin"], Class::User, &["empty.bin"]),
        (&["launch", "out", "--steps", "1", "--data", "ragged.bin"], Class::User, &["ragged.bin"]),
        (&["launch", "out", "--steps", "1", "--data", "one-sample.bin"], Class::User, &["fewer than one global batch"]),
        (&["launch", "out", "--steps", "1", "--data", "out-of-vocab.bin"], Class::User, &["outside the vocabulary"]),
        (&["launch", "out", "--steps", "1", "--data-dtype", "u8"], Class::User, &["u8"]),
        (&["launch", "out", "--steps", "1", "--init", "w-truncated.safetensors"], Class::User, &["w-truncated"]),
        (&["launch", "out", "--steps", "1", "--init", "w-other.safetensors"], Class::User, &["w-other"]),
        (&["run", "out", "--rank", "3", "--steps", "1"], Class::User, &["3"]),
        (&["run", "pp", "--rank", "0", "--steps", "1"], Class::User, &["parc launch"]),
        (&["run", "edited", "--steps", "1"], Class::User, &["rank-0000.mlir differ(s)"]),
        // verify: the mesh, the model.
        (&["verify", "model.toml", "--mesh", "2x0x1", "--steps", "1"], Class::User, &["size 0"]),
        (&["verify", "missing.toml", "--mesh", "2x1x1", "--steps", "1"], Class::User, &["missing.toml"]),
        (&["verify", gpt3, "--mesh", "8x4x2", "--steps", "1"], Class::User, &["memory"]),
    ];
    for (args, class, expect) in parc {
        let run = run_parc(args, &dir);
        assert_class(&format!("parc {}", args.join(" ")), &run, *class, expect);
    }
    let rt: &[(&[&str], Class, &[&str])] = &[
        (&[missing_dir, "--steps", "1"], Class::User, &["missing"]),
        (&["edited", "--steps", "1"], Class::User, &["rank-0000.mlir differ(s)"]),
        (&["out", "--steps", "1", "--data", "one-sample.bin"], Class::User, &["fewer than one global batch"]),
        (&["pp", "--rank", "1", "--steps", "1"], Class::User, &["parc launch"]),
    ];
    for (args, class, expect) in rt {
        let run = run_rt(args, &dir);
        assert_class(&format!("parc-rt {}", args.join(" ")), &run, *class, expect);
    }
    // The CI step after the tests parses every .mlir under target/tmp with mlir-opt; the program cut
    // in half is this test's own damage, not a compiler output.
    std::fs::remove_dir_all(dir.join("truncated")).unwrap();
}

/// The same programs as parc wrote them, unedited, still run: the classes above come from the
/// damage, not from the fixture.
#[test]
fn the_undamaged_fixtures_run() {
    let dir = fresh_dir("error_classes", "undamaged");
    let tiny = example("gpt-tiny");
    run_parc(&["compile", tiny.to_str().unwrap(), "-o", "out"], &dir).assert_success();
    run_parc(&["check", "out"], &dir).assert_success();
    let ids: Vec<u8> = (0..33 * 8u32).flat_map(|i| (i % 128).to_le_bytes()).collect();
    std::fs::write(dir.join("batch.bin"), ids).unwrap();
    run_parc(&["launch", "out", "--steps", "1", "--data", "batch.bin"], &dir).assert_success();
    assert!(Path::new(&dir.join("out/rank-0000.mlir")).exists());
}
