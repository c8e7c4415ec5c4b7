//! Filetests for passes: IR in, IR out, in the style of MLIR's lit/FileCheck tests (a small
//! subset of FileCheck, written here so that the tests need nothing outside cargo).
//!
//! Every `tests/filetests/*.mlir` file is one filetest, and the single test [`filetests`] runs
//! them all, collects every failure and then fails with the whole list. The format:
//!
//! - The first line is `// RUN: cse,dce`: the passes to run, in order, named as in
//!   `parc_compiler::passes::PASSES`. `// RUN: verify`, alone, names no pass: the cases are only
//!   parsed and verified. An unknown name is an error that lists the known ones.
//! - A line `// -----` separates cases. Each case is its own module (a bare sequence of
//!   `func.func`s is fine): it is parsed with `parse_module`, verified, run through the passes
//!   with the verifier after each one (the pass manager's `verify_each`), and printed with
//!   `print_module`. Case numbers count from 1.
//! - `// CHECK: text` must occur in a line of the output after the line of the previous match;
//!   `// CHECK-NEXT: text` in the line right after the previous match; `// CHECK-NOT: text` in
//!   none of the lines between the previous match and the next CHECK's match (or the end of the
//!   output when no CHECK follows). The text is a plain substring, compared exactly once the
//!   whitespace around it is trimmed. Unlike FileCheck, matching goes by whole lines (two
//!   directives never match in the same line) and `{{regex}}` blocks are not supported.
//! - `// expected-error {{message}}` makes the case negative: parsing, verification (of the input
//!   or after any pass) or a pass itself must fail with an error whose text contains `message`,
//!   and the case passes only if it fails that way. The pipeline stops at its first error, so a
//!   case holds at most one `expected-error` and no CHECK lines. Unlike MLIR's
//!   `-verify-diagnostics`, the line the directive is on is not compared with the error's
//!   location (verifier errors have none; they show the op instead).
//! - A case with no IR (only comments and blank lines, as after a trailing `// -----`) is an
//!   error.
//! - Directives are whole-line `//` comments, which the parser skips like mlir-opt does. Anything
//!   that looks like a directive but is not one of the above (`CHECK-LABEL:`, `CHECK-NXT:`, a
//!   directive after code on the same line, a `RUN` line further down, `expected-error@+1`) is a
//!   harness error rather than a silently ignored comment, so a typo cannot turn a check off.
//!
//! The printed output of every passing positive case is written to
//! `$CARGO_TARGET_TMPDIR/filetests/<file stem>-<case>.mlir`, where CI checks with upstream
//! `mlir-opt --allow-unregistered-dialect` that it is real MLIR.
//!
//! Passes get the [`CompileContext`] of `examples/gpt-tiny.toml` (its training settings: AdamW,
//! ZeRO 0, no sequence parallelism) on a single device, or on the mesh a case names in its module
//! attribute `sharding.mesh = {dp = 2 : i64, tp = 2 : i64}` (how `shard` and `partition` cases
//! say what they partition for).

use std::fmt;
use std::path::{Path, PathBuf};

use parc_compiler::driver::CompileContext;
use parc_compiler::passes::PASSES;
use parc_compiler::{load_model, Mesh};
use parc_dialects::parser::parse_module;
use parc_dialects::pass::{run_pipeline, Pass, PipelineOptions};
use parc_dialects::printer::print_module;

/// The line that separates cases.
const SEPARATOR: &str = "// -----";

/// The `RUN` name that stands for "no passes, only parse and verify".
const VERIFY_ONLY: &str = "verify";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CheckKind {
    Check,
    Next,
    Not,
}

impl CheckKind {
    fn directive(self) -> &'static str {
        match self {
            CheckKind::Check => "CHECK",
            CheckKind::Next => "CHECK-NEXT",
            CheckKind::Not => "CHECK-NOT",
        }
    }
}

/// One `CHECK`, `CHECK-NEXT` or `CHECK-NOT` line.
#[derive(Clone, Debug)]
struct Check {
    kind: CheckKind,
    pattern: String,
    /// 1-based line in the test file.
    line: usize,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: `// {}: {}`", self.line, self.kind.directive(), self.pattern)
    }
}

/// One case of a filetest: the text between two separators and its directives.
#[derive(Debug)]
struct Case {
    /// 1-based case number.
    number: usize,
    /// 1-based line in the test file of the case's first line.
    first_line: usize,
    text: String,
    checks: Vec<Check>,
    expected_error: Option<String>,
}

/// A parsed test file.
struct FileTest {
    passes: Vec<&'static Pass<CompileContext>>,
    cases: Vec<Case>,
}

fn known_passes() -> String {
    let names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
    format!("known passes: {}; `// RUN: {VERIFY_ONLY}` alone runs none", names.join(", "))
}

/// Parses the pass list of a `// RUN:` line.
fn parse_run_line(list: &str) -> Result<Vec<&'static Pass<CompileContext>>, String> {
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    if names == [VERIFY_ONLY] {
        return Ok(Vec::new());
    }
    names
        .iter()
        .map(|&name| {
            if name == VERIFY_ONLY {
                return Err(format!(
                    "`{VERIFY_ONLY}` must stand alone in the RUN line (the verifier runs after every pass anyway)"
                ));
            }
            PASSES.iter().find(|p| p.name == name).ok_or_else(|| format!("unknown pass '{name}'; {}", known_passes()))
        })
        .collect()
}

/// What a whole-line comment holds, if it is a directive.
enum Directive {
    Run,
    Check(Check),
    ExpectedError(String),
}

/// Reads the directive in line `line_no` (1-based), if any.
fn parse_directive(line: &str, line_no: usize) -> Result<Option<Directive>, String> {
    let trimmed = line.trim();
    let Some(body) = trimmed.strip_prefix("//") else {
        if trimmed.contains("// CHECK") || trimmed.contains("// expected-") || trimmed.contains("// RUN:") {
            return Err(format!("line {line_no}: a directive must be on a line of its own: `{trimmed}`"));
        }
        return Ok(None);
    };
    let body = body.trim_start();
    if body.starts_with("RUN:") {
        return Ok(Some(Directive::Run));
    }
    for kind in [CheckKind::Next, CheckKind::Not, CheckKind::Check] {
        if let Some(pattern) = body.strip_prefix(kind.directive()).and_then(|rest| rest.strip_prefix(':')) {
            let pattern = pattern.trim();
            if pattern.is_empty() {
                return Err(format!("line {line_no}: `{}:` has no text to match", kind.directive()));
            }
            if pattern.contains("{{") {
                return Err(format!(
                    "line {line_no}: `{{{{..}}}}` regex blocks are not supported; match a plain substring"
                ));
            }
            return Ok(Some(Directive::Check(Check { kind, pattern: pattern.to_string(), line: line_no })));
        }
    }
    if body.starts_with("CHECK") {
        return Err(format!(
            "line {line_no}: unknown directive `{trimmed}`; the harness knows CHECK:, CHECK-NEXT: and CHECK-NOT:"
        ));
    }
    if let Some(rest) = body.strip_prefix("expected-") {
        let message = rest
            .strip_prefix("error")
            .map(str::trim)
            .and_then(|m| m.strip_prefix("{{"))
            .and_then(|m| m.strip_suffix("}}"))
            .map(str::trim)
            .filter(|m| !m.is_empty());
        return match message {
            Some(m) => Ok(Some(Directive::ExpectedError(m.to_string()))),
            None => Err(format!("line {line_no}: write `// expected-error {{{{message}}}}`, found `{trimmed}`")),
        };
    }
    Ok(None)
}

/// Splits a test file into its RUN line and cases, and checks that the directives make sense.
fn parse_filetest(text: &str) -> Result<FileTest, String> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().map(|l| l.trim()).unwrap_or_default();
    let run_list = first.strip_prefix("// RUN:").ok_or_else(|| {
        format!("the first line must be `// RUN: pass,pass` or `// RUN: {VERIFY_ONLY}`, found `{first}`")
    })?;
    let passes = parse_run_line(run_list).map_err(|e| format!("line 1: {e}"))?;

    let mut cases = Vec::new();
    let mut start = 0;
    for end in (0..=lines.len()).filter(|&i| i == lines.len() || lines[i].trim() == SEPARATOR) {
        let mut case = Case {
            number: cases.len() + 1,
            first_line: start + 1,
            text: lines[start..end].join("\n"),
            checks: Vec::new(),
            expected_error: None,
        };
        for (i, line) in lines[start..end].iter().enumerate() {
            let line_no = start + i + 1;
            match parse_directive(line, line_no)? {
                None => {}
                Some(Directive::Run) if line_no == 1 => {}
                Some(Directive::Run) => return Err(format!("line {line_no}: the RUN line must be the first line")),
                Some(Directive::Check(check)) => case.checks.push(check),
                Some(Directive::ExpectedError(message)) => {
                    if case.expected_error.is_some() {
                        return Err(format!(
                            "line {line_no}: case {} has a second expected-error; the pipeline stops at the \
                             first error, so split the case with `{SEPARATOR}`",
                            case.number
                        ));
                    }
                    case.expected_error = Some(message);
                }
            }
        }
        validate_checks(&case)?;
        let has_ir = lines[start..end].iter().any(|l| !l.trim().is_empty() && !l.trim().starts_with("//"));
        if !has_ir {
            return Err(format!("case {} (from line {}) holds no IR", case.number, case.first_line));
        }
        cases.push(case);
        start = end + 1;
    }
    Ok(FileTest { passes, cases })
}

/// Rejects directive sequences that cannot mean what their author wanted.
fn validate_checks(case: &Case) -> Result<(), String> {
    if let (Some(_), Some(check)) = (&case.expected_error, case.checks.first()) {
        return Err(format!(
            "{check}: case {} expects an error, so it has no output to check; move the CHECKs to another case",
            case.number
        ));
    }
    let mut previous: Option<&Check> = None;
    for check in &case.checks {
        if check.kind == CheckKind::Next {
            match previous.map(|p| p.kind) {
                None => return Err(format!("{check}: CHECK-NEXT needs a CHECK before it in the same case")),
                Some(CheckKind::Not) => {
                    return Err(format!("{check}: a CHECK-NOT right before a CHECK-NEXT has no lines to look at"))
                }
                _ => {}
            }
        }
        previous = Some(check);
    }
    Ok(())
}

/// Why a check did not match.
#[derive(Debug)]
struct CheckFailure {
    check: Check,
    message: String,
}

/// Matches `checks` against the lines of `output` (see the module doc for the rules).
fn match_checks(checks: &[Check], output: &str) -> Result<(), CheckFailure> {
    let lines: Vec<&str> = output.lines().collect();
    // The first line a CHECK may match: the one after the previous match.
    let mut from = 0;
    let mut pending_nots: Vec<&Check> = Vec::new();
    let fail = |check: &Check, message: String| Err(CheckFailure { check: check.clone(), message });
    let check_nots = |nots: &[&Check], range: std::ops::Range<usize>| -> Result<(), CheckFailure> {
        for not in nots {
            if let Some(i) = range.clone().find(|&i| lines[i].contains(&not.pattern)) {
                return fail(not, format!("found \"{}\" in output line {}", not.pattern, i + 1));
            }
        }
        Ok(())
    };
    for check in checks {
        match check.kind {
            CheckKind::Not => pending_nots.push(check),
            CheckKind::Check => match (from..lines.len()).find(|&i| lines[i].contains(&check.pattern)) {
                Some(i) => {
                    check_nots(&pending_nots, from..i)?;
                    pending_nots.clear();
                    from = i + 1;
                }
                None => {
                    let after = if from == 0 {
                        "anywhere in the output".to_string()
                    } else {
                        format!("after output line {from}")
                    };
                    return fail(check, format!("\"{}\" not found {after}", check.pattern));
                }
            },
            CheckKind::Next => match lines.get(from) {
                Some(line) if line.contains(&check.pattern) => from += 1,
                Some(line) => {
                    return fail(
                        check,
                        format!(
                            "output line {} does not contain \"{}\"; it is `{}`",
                            from + 1,
                            check.pattern,
                            line.trim()
                        ),
                    )
                }
                None => return fail(check, format!("no output line after line {from}")),
            },
        }
    }
    check_nots(&pending_nots, from..lines.len())
}

/// Parses, verifies, runs the passes over and prints one case; any error comes back as its text.
fn run_case(case: &Case, passes: &[&Pass<CompileContext>], ctx: &CompileContext) -> Result<String, String> {
    let mut module = parse_module(&case.text).map_err(|e| {
        // The parser counts lines within the case; report them as lines of the file.
        format!("parse error at line {}:{}: {}", e.line + case.first_line - 1, e.col, e.message)
    })?;
    // A case that partitions names its mesh in the IR, as the shard pass writes it.
    let with_mesh;
    let ctx = match module.attrs.get("sharding.mesh") {
        Some(attr) => {
            let mesh = Mesh::from_attr(attr).map_err(|e| format!("sharding.mesh: {e}"))?;
            with_mesh = CompileContext { spec: ctx.spec.clone(), mesh };
            &with_mesh
        }
        None => ctx,
    };
    let opts = PipelineOptions { verify_each: true, ..PipelineOptions::default() };
    run_pipeline(&mut module, ctx, passes, &opts).map_err(|e| e.to_string())?;
    Ok(print_module(&module))
}

/// The output with line numbers, for failure reports.
fn numbered(output: &str) -> String {
    output.lines().enumerate().map(|(i, l)| format!("{:>4} | {l}\n", i + 1)).collect()
}

/// Runs every case of the filetest `text` (named `name` in reports) and returns one message per
/// failure. With `out`, `(directory, file stem)`, the output of each passing positive case is
/// written to `directory/<stem>-<case>.mlir`.
fn run_filetest(name: &str, text: &str, ctx: &CompileContext, out: Option<(&Path, &str)>) -> Vec<String> {
    let test = match parse_filetest(text) {
        Ok(test) => test,
        Err(e) => return vec![format!("{name}: harness error: {e}")],
    };
    let mut failures = Vec::new();
    for case in &test.cases {
        let head = format!("{name}, case {} (from line {})", case.number, case.first_line);
        let result = run_case(case, &test.passes, ctx);
        match (&case.expected_error, result) {
            (Some(expected), Err(error)) if error.contains(expected.as_str()) => {}
            (Some(expected), Err(error)) => failures.push(format!(
                "{head}: expected an error containing\n    {expected}\nbut got\n    {}",
                error.replace('\n', "\n    ")
            )),
            (Some(expected), Ok(output)) => failures.push(format!(
                "{head}: expected an error containing\n    {expected}\nbut the case passed; output:\n{}",
                numbered(&output)
            )),
            (None, Err(error)) => {
                failures.push(format!("{head}: unexpected error:\n    {}", error.replace('\n', "\n    ")))
            }
            (None, Ok(output)) => match match_checks(&case.checks, &output) {
                Err(f) => {
                    failures.push(format!("{head}: {} failed: {}\noutput:\n{}", f.check, f.message, numbered(&output)))
                }
                Ok(()) => {
                    if let Some((dir, stem)) = out {
                        let path = dir.join(format!("{stem}-{}.mlir", case.number));
                        if let Err(e) = std::fs::write(&path, &output) {
                            failures.push(format!("{head}: cannot write {}: {e}", path.display()));
                        }
                    }
                }
            },
        }
    }
    failures
}

/// What passes see: the gpt-tiny model on one device.
fn context() -> CompileContext {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/gpt-tiny.toml");
    let spec = load_model(path).unwrap_or_else(|d| panic!("cannot load the filetests' model context: {d}"));
    CompileContext { spec, mesh: Mesh::SINGLE }
}

/// The test files, sorted by name.
fn test_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/filetests");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "mlir")).collect();
    files.sort();
    files
}

#[test]
fn filetests() {
    let files = test_files();
    // A harness that finds nothing to run must not pass.
    assert!(!files.is_empty(), "no *.mlir files in tests/filetests");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("filetests");
    // Outputs of cases that no longer exist must not linger for the mlir-opt check.
    match std::fs::remove_dir_all(&out_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("cannot clear {}: {e}", out_dir.display()),
        _ => {}
    }
    std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let ctx = context();
    let mut failures = Vec::new();
    for path in &files {
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string();
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match std::fs::read_to_string(path) {
            Ok(text) => failures.extend(run_filetest(&name, &text, &ctx, Some((&out_dir, &stem)))),
            Err(e) => failures.push(format!("{name}: cannot read: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} filetest failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Tests of the harness itself: it must be able to fail.
mod harness {
    use super::*;

    /// The checks of a one-case file made of `directives`.
    fn checks(directives: &str) -> Vec<Check> {
        let mut test = parse_filetest(&format!("// RUN: {VERIFY_ONLY}\n{directives}\n{GELU}"))
            .unwrap_or_else(|e| panic!("bad directives in a harness test: {e}"));
        test.cases.remove(0).checks
    }

    fn failing_check(directives: &str, output: &str) -> CheckFailure {
        match match_checks(&checks(directives), output) {
            Err(f) => f,
            Ok(()) => panic!("checks\n{directives}\nshould fail on\n{output}"),
        }
    }

    const OUTPUT: &str = "alpha\nbeta\ngamma\ndelta\n";

    #[test]
    fn checks_match_lines_in_order() {
        let ok = "// CHECK: alpha\n// CHECK-NEXT: beta\n// CHECK-NOT: beta\n// CHECK: delta\n// CHECK-NOT: alpha";
        assert!(match_checks(&checks(ok), OUTPUT).is_ok());
        assert!(match_checks(&checks("// CHECK: lph\n// CHECK: mm"), OUTPUT).is_ok());
    }

    #[test]
    fn a_check_that_does_not_occur_fails() {
        let f = failing_check("// CHECK: alpha\n// CHECK: epsilon", OUTPUT);
        assert_eq!((f.check.line, f.check.pattern.as_str()), (3, "epsilon"));
        assert!(f.message.contains("after output line 1"), "{}", f.message);
    }

    #[test]
    fn a_check_searches_only_after_the_previous_match() {
        let f = failing_check("// CHECK: gamma\n// CHECK: beta", OUTPUT);
        assert_eq!(f.check.pattern, "beta");
        // Two CHECKs never match the same line.
        failing_check("// CHECK: alpha\n// CHECK: alpha", OUTPUT);
    }

    #[test]
    fn check_next_must_match_the_very_next_line() {
        let f = failing_check("// CHECK: alpha\n// CHECK-NEXT: gamma", OUTPUT);
        assert!(f.message.contains("output line 2") && f.message.contains("beta"), "{}", f.message);
        failing_check("// CHECK: delta\n// CHECK-NEXT: delta", OUTPUT);
    }

    #[test]
    fn check_not_covers_the_lines_between_matches_or_to_the_end() {
        let f = failing_check("// CHECK: alpha\n// CHECK-NOT: beta\n// CHECK: gamma", OUTPUT);
        assert_eq!(f.check.kind, CheckKind::Not);
        failing_check("// CHECK-NOT: alpha\n// CHECK: beta", OUTPUT);
        failing_check("// CHECK: beta\n// CHECK-NOT: delta", OUTPUT);
        // The matched lines themselves are outside the range.
        assert!(match_checks(&checks("// CHECK: alpha\n// CHECK-NOT: alpha\n// CHECK: beta"), OUTPUT).is_ok());
    }

    #[test]
    fn malformed_directives_are_harness_errors() {
        let bad = |text: &str| match parse_filetest(text) {
            Err(e) => e,
            Ok(_) => panic!("should be rejected:\n{text}"),
        };
        let e = bad("// RUN: cse,frobnicate\n");
        assert!(e.contains("unknown pass 'frobnicate'") && e.contains("cse, dce"), "{e}");
        assert!(bad("func.func @f() {\n}\n").contains("first line"));
        assert!(bad("// RUN: verify\n// CHECK-NEXT: a\n").contains("needs a CHECK before it"));
        assert!(bad("// RUN: verify\n// CHECK: a\n// CHECK-NOT: b\n// CHECK-NEXT: c\n").contains("CHECK-NOT"));
        assert!(bad("// RUN: verify\n// CHECK-NXT: a\n").contains("unknown directive"));
        assert!(bad("// RUN: verify\n// CHECK: %{{.*}}\n").contains("regex"));
        assert!(bad("// RUN: verify\n\"func.return\"() : () -> () // CHECK: a\n").contains("line of its own"));
        assert!(bad("// RUN: verify\n// expected-error@+1 {{x}}\n").contains("expected-error {{message}}"));
        assert!(bad("// RUN: verify\n// expected-error {{a}}\n// expected-error {{b}}\n").contains("second"));
        assert!(bad("// RUN: verify\n// expected-error {{a}}\n// CHECK: b\n").contains("expects an error"));
        assert!(bad(&format!("// RUN: cse\n{GELU}\n// -----\n// RUN: dce\n{GELU}")).contains("first line"));
        assert!(
            bad(&format!("// RUN: cse\n{GELU}\n// -----\n// CHECK: a\n")).contains("case 2 (from line 7) holds no IR")
        );
    }

    const GELU: &str = r#"func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %g = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%x) : (tensor<4xf32>) -> ()
}"#;

    #[test]
    fn a_failing_check_fails_the_file_with_file_case_check_and_output() {
        let ctx = context();
        let text = format!("// RUN: dce\n{GELU}\n// CHECK: func.return\n// -----\n{GELU}\n// CHECK: graph.gelu\n");
        let failures = run_filetest("t.mlir", &text, &ctx, None);
        assert_eq!(failures.len(), 1, "{failures:?}");
        let f = &failures[0];
        for part in ["t.mlir, case 2 (from line 8)", "line 12: `// CHECK: graph.gelu`", "output:", "func.func @f("] {
            assert!(f.contains(part), "missing {part:?} in:\n{f}");
        }
    }

    #[test]
    fn expected_errors_must_happen_and_match() {
        let ctx = context();
        let run = |expected: &str, body: &str| {
            run_filetest("t.mlir", &format!("// RUN: verify\n// expected-error {{{{{expected}}}}}\n{body}"), &ctx, None)
        };
        let bad_body = GELU.replace(r#""graph.gelu"(%x) :"#, r#""graph.gelu"(%x) {approx} :"#);
        assert!(run("unknown attribute 'approx'", &bad_body).is_empty());
        let wrong_message = run("missing required attribute", &bad_body);
        assert!(wrong_message.len() == 1 && wrong_message[0].contains("but got"), "{wrong_message:?}");
        let no_error = run("unknown attribute", GELU);
        assert!(no_error.len() == 1 && no_error[0].contains("but the case passed"), "{no_error:?}");
    }

    #[test]
    fn parse_errors_name_the_line_of_the_file() {
        let ctx = context();
        // Case 2 starts at line 7; its gelu, on line 8, uses an undefined %y at column 21.
        let text = format!("// RUN: verify\n{GELU}\n// -----\n{}", GELU.replace("(%x) : (", "(%y) : ("));
        let failures = run_filetest("t.mlir", &text, &ctx, None);
        assert!(failures.len() == 1 && failures[0].contains("parse error at line 8:21:"), "{failures:?}");
    }
}
