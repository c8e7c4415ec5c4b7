//! `dist.all_to_all` and `exec.all_to_all` in the text format: print → parse → print is the
//! identity, the verifier accepts them with `dim` given or left at its default, and rejects a
//! `dim` that does not split into the group's members, an output of another shape, a missing
//! `size` and a group name that is not one.

use parc_dialects::parser::parse_module;
use parc_dialects::printer::print_module;
use parc_dialects::verifier::verify_module;

const DIST: &str = r#"module attributes {sharding.mesh = {dp = 4 : i64, ep = 2 : i64}} {
  func.func @forward(%x: tensor<8x6xf32>) -> (tensor<8x6xf32>, tensor<8x6xf32>) {
    %a = "dist.all_to_all"(%x) {axis = "ep", size = 2 : i64} : (tensor<8x6xf32>) -> tensor<8x6xf32>
    %b = "dist.all_to_all"(%a) {axis = "edp", dim = 1 : i64, size = 2 : i64} : (tensor<8x6xf32>) -> tensor<8x6xf32>
    "func.return"(%a, %b) : (tensor<8x6xf32>, tensor<8x6xf32>) -> ()
  }
}
"#;

const EXEC: &str = r#"module attributes {exec.mesh = {dp = 8 : i64, ep = 4 : i64}} {
  func.func @step() {
    %x = "exec.view"() {offset = 0 : i64} : () -> memref<4x8xbf16>
    %y = "exec.view"() {offset = 64 : i64} : () -> memref<4x8xbf16>
    "exec.all_to_all"(%x, %y) {axis = "ep", dim = -1 : i64, size = 4 : i64} : (memref<4x8xbf16>, memref<4x8xbf16>) -> ()
    "exec.all_to_all"(%y, %x) {axis = "ep", size = 4 : i64} : (memref<4x8xbf16>, memref<4x8xbf16>) -> ()
    "func.return"() : () -> ()
  }
}
"#;

fn roundtrip(text: &str) -> String {
    let module = parse_module(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let printed = print_module(&module);
    let again = parse_module(&printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert_eq!(print_module(&again), printed);
    printed
}

#[test]
fn all_to_all_round_trips_and_verifies() {
    let dist = roundtrip(DIST);
    assert!(dist.contains(r#""dist.all_to_all"(%x) {axis = "ep", size = 2 : i64}"#), "{dist}");
    assert!(dist.contains(r#"{axis = "edp", dim = 1 : i64, size = 2 : i64}"#), "{dist}");
    let exec = roundtrip(EXEC);
    assert!(exec.contains(r#""exec.all_to_all"(%x, %y) {axis = "ep", dim = -1 : i64, size = 4 : i64}"#), "{exec}");
}

fn rejected(text: &str, expected: &[&str]) {
    let module = parse_module(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let err = verify_module(&module).expect_err(text).to_string();
    for part in expected {
        assert!(err.contains(part), "{err} does not contain {part:?}");
    }
}

#[test]
fn the_verifier_rejects_bad_all_to_alls() {
    // dim 1 has 6 rows: no equal split over 4 members.
    rejected(
        &DIST.replace(r#"dim = 1 : i64, size = 2 : i64"#, r#"dim = 1 : i64, size = 4 : i64"#),
        &["all_to_all of [8, 6] along dim 1 over 4 ranks: 6 does not divide by 4"],
    );
    // The default dim 0 has 8 rows; 3 members cannot split them.
    rejected(
        &DIST.replace(r#"axis = "ep", size = 2 : i64"#, r#"axis = "ep", size = 3 : i64"#),
        &["8 does not divide by 3"],
    );
    rejected(&DIST.replace(r#""edp""#, r#""edq""#), &["unknown mesh axis 'edq'", "edp"]);
    rejected(&DIST.replace(r#"{axis = "ep", size = 2 : i64}"#, r#"{axis = "ep"}"#), &["size"]);
    // exec: the output must have the input's shape.
    let other = EXEC
        .replace(
            "%y = \"exec.view\"() {offset = 64 : i64} : () -> memref<4x8xbf16>",
            "%y = \"exec.view\"() {offset = 64 : i64} : () -> memref<8x4xbf16>",
        )
        .replace(
            "(memref<4x8xbf16>, memref<4x8xbf16>) -> ()\n    \"exec.all_to_all\"(%y, %x)",
            "(memref<4x8xbf16>, memref<8x4xbf16>) -> ()\n    \"exec.all_to_all\"(%y, %x)",
        )
        .replace(
            "{axis = \"ep\", size = 4 : i64} : (memref<4x8xbf16>, memref<4x8xbf16>)",
            "{axis = \"ep\", size = 4 : i64} : (memref<8x4xbf16>, memref<4x8xbf16>)",
        );
    rejected(&other, &["the output must be memref<4x8xbf16>, found memref<8x4xbf16>"]);
    rejected(&EXEC.replace("dim = -1 : i64, size = 4", "dim = 2 : i64, size = 4"), &["dim"]);
}
