//! Negative tests of the parser and the verifier, data-driven through two helpers:
//! [`check`] (the text must fail to parse, with this position and message) and [`check_verify`]
//! (the text parses, but the verifier rejects it with a message naming these numbers).
//!
//! Positions are 1-based `line:col` and point at the offending token, not at whitespace before
//! it.

use parc_dialects::parser::parse_module;
use parc_dialects::verifier::verify_module;

/// Parses `input` and asserts it fails at the `line:col` and with the message that `expected`
/// (written `"line:col: message part"`) gives. The message part is matched as a substring.
fn check(input: &str, expected: &str) {
    let (location, message) = expected.split_once(": ").expect("expected is written 'line:col: message'");
    let (line, col) = location.split_once(':').expect("location is written 'line:col'");
    let (line, col): (usize, usize) = (line.parse().expect("line number"), col.parse().expect("column number"));
    match parse_module(input) {
        Ok(_) => panic!("expected the parse error {expected:?}, but this parsed:\n{input}"),
        Err(e) => {
            assert!(e.message.contains(message), "error {e:?} does not contain {message:?}; input:\n{input}");
            assert_eq!(
                (e.line, e.col),
                (line, col),
                "error {:?} is at {}:{}, expected {line}:{col}; input:\n{input}",
                e.message,
                e.line,
                e.col
            );
            // The Display form leads with the position, as editors expect.
            assert!(e.to_string().starts_with(&format!("{line}:{col}: ")), "{e}");
        }
    }
}

/// Parses `input` (which must succeed) and asserts the verifier rejects it with a message that
/// contains every string of `expected`.
fn check_verify(input: &str, expected: &[&str]) {
    let module =
        parse_module(input).unwrap_or_else(|e| panic!("expected the input to parse, got {e}; input:\n{input}"));
    match verify_module(&module) {
        Ok(()) => panic!("expected a verifier error containing {expected:?}, but this verified:\n{input}"),
        Err(e) => {
            let text = e.to_string();
            for part in expected {
                assert!(text.contains(part), "verifier error does not contain {part:?}:\n{text}\ninput:\n{input}");
            }
            assert!(text.starts_with(&format!("verification failed in @{}: ", e.function)), "{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parse errors.
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_op_suggests_the_closest_name() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  "graph.gelo"(%x) : (tensor<4xf32>) -> ()
  "func.return"() : () -> ()
}"#,
        "2:3: unknown op 'graph.gelo'; did you mean 'graph.gelu'?",
    );
}

#[test]
fn unknown_op_with_results_points_at_the_op_name() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.matmull"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:8: unknown op 'graph.matmull'; did you mean 'graph.matmul'?",
    );
}

#[test]
fn unknown_op_far_from_every_name_has_no_suggestion() {
    let input = r#"func.func @f() {
  "tosa.conv2d"() : () -> ()
}"#;
    check(input, "2:3: unknown op 'tosa.conv2d'");
    let message = parse_module(input).err().map(|e| e.message).unwrap_or_default();
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn use_of_undefined_value() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%z) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:21: use of undefined value %z",
    );
}

#[test]
fn use_of_undefined_second_operand_points_at_the_operand() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.add"(%x, %later) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %later = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:24: use of undefined value %later",
    );
}

#[test]
fn use_of_undefined_value_in_custom_return() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  func.return %nope : tensor<4xf32>
}"#,
        "2:15: use of undefined value %nope",
    );
}

#[test]
fn values_of_another_function_are_not_visible() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  "func.return"() : () -> ()
}
func.func @g() -> tensor<4xf32> {
  "func.return"(%x) : (tensor<4xf32>) -> ()
}"#,
        "5:17: use of undefined value %x",
    );
}

#[test]
fn redefinition_of_an_argument_by_a_result() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %x = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:3: redefinition of value %x",
    );
}

#[test]
fn redefinition_of_an_argument() {
    check(
        r#"func.func @f(%x: tensor<4xf32>, %x: tensor<4xf32>) {
  "func.return"() : () -> ()
}"#,
        "1:33: redefinition of value %x",
    );
}

#[test]
fn redefinition_of_a_numbered_value() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %0 = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %0 = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "3:3: redefinition of value %0",
    );
}

#[test]
fn operand_type_differs_from_the_written_type() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  "func.return"() : () -> ()
}"#,
        "2:21: operand 0 has type tensor<4xf32> but the op's type says tensor<8xf32>",
    );
}

#[test]
fn custom_return_type_differs_from_the_value() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xbf16>
}"#,
        "2:15: returned value has type tensor<4xf32> but the return says tensor<4xbf16>",
    );
}

#[test]
fn fewer_operand_types_than_operands() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.add"(%x, %x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:30: 'graph.add' has 2 operands but its type lists 1",
    );
}

#[test]
fn more_result_types_than_result_names() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %a = "graph.split"(%x) {axis = 0 : i64, sizes = array<i64: 1, 3>} : (tensor<4xf32>) -> (tensor<1xf32>, tensor<3xf32>)
  "func.return"() : () -> ()
}"#,
        "2:8: 'graph.split' defines 1 result names but its type lists 2 results",
    );
}

#[test]
fn unterminated_string() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:8: unterminated string",
    );
}

#[test]
fn invalid_string_escape() {
    check(
        r#"module attributes {parc.name = "a\qb"} {
}"#,
        "1:34: invalid escape in string (expected \\XX hex)",
    );
}

#[test]
fn unknown_element_type() {
    check(
        r#"func.func @f(%x: tensor<2xf8>) {
  "func.return"() : () -> ()
}"#,
        "1:18: unknown element type 'f8' in tensor<2xf8>; expected f32, bf16, f16, i32 or i64",
    );
}

#[test]
fn dynamic_dims_are_rejected() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.reshape"(%x) {shape = array<i64: 4>} : (tensor<4xf32>) -> tensor<?xf32>
  "func.return"() : () -> ()
}"#,
        "2:73: dynamic dims (?) are not supported; every dim needs a size",
    );
}

#[test]
fn invalid_dim() {
    check(
        r#"func.func @f(%x: tensor<4x-1xf32>) {
  "func.return"() : () -> ()
}"#,
        "1:18: invalid dim '-1' in tensor<4x-1xf32>",
    );
}

#[test]
fn only_tensor_and_memref_types_exist() {
    check(
        r#"func.func @f(%x: vector<4xf32>) {
  "func.return"() : () -> ()
}"#,
        "1:18: expected a type (tensor<..> or memref<..>), found 'vector<4xf32>'",
    );
}

#[test]
fn missing_func_func() {
    check(
        r#"module {
  func @f() {
    "func.return"() : () -> ()
  }
}"#,
        "2:3: expected 'func.func', found 'func'",
    );
}

#[test]
fn unknown_attribute_value() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) {factor = twice} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:36: expected an attribute value, found 'twice}'",
    );
}

#[test]
fn unsupported_attribute_type() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) {factor = 2 : ui8} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:36: unsupported attribute type 'ui8'",
    );
}

#[test]
fn integer_out_of_range() {
    check(
        r#"module attributes {parc.big = 9223372036854775808 : i64} {
}"#,
        "1:31: integer '9223372036854775808' is out of range",
    );
}

#[test]
fn float_where_an_integer_is_declared() {
    check(
        r#"module attributes {parc.n = 1.5 : i64} {
}"#,
        "1:29: '1.5' is not an integer",
    );
}

#[test]
fn only_i64_dense_arrays() {
    check(
        r#"module attributes {parc.dims = array<i32: 1, 2>} {
}"#,
        "1:32: only array<i64: ..> is supported, found array<i32",
    );
}

#[test]
fn duplicate_attribute_key() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) {factor = 2.0 : f64, factor = 3.0 : f64} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:47: duplicate attribute 'factor'",
    );
}

#[test]
fn duplicate_quoted_attribute_key() {
    check(
        r#"module attributes {parc.a = 1 : i64, "parc.a" = 2 : i64} {
}"#,
        "1:38: duplicate attribute 'parc.a'",
    );
}

#[test]
fn properties_are_not_supported() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) <{factor = 2.0 : f64}> : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:26: op properties (<{..}>) are not supported; write attributes as {..}",
    );
}

#[test]
fn successors_are_not_supported() {
    check(
        r#"func.func @f() {
  "graph.gelu"() [^bb1] : () -> ()
}"#,
        "2:18: successor blocks are not supported",
    );
}

#[test]
fn missing_closing_brace_of_a_function() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  "func.return"() : () -> ()
"#,
        "3:1: expected '}' to close the block",
    );
}

#[test]
fn missing_closing_brace_of_a_module() {
    check(
        r#"module {
  func.func @f() {
    "func.return"() : () -> ()
  }
"#,
        "5:1: expected '}' to close the module",
    );
}

#[test]
fn trailing_text_after_the_module() {
    check(
        r#"module {
}
}"#,
        "3:1: expected end of input",
    );
}

#[test]
fn duplicate_function_name() {
    check(
        r#"func.func @f() {
  "func.return"() : () -> ()
}

// A second @f.
func.func @f() {
  "func.return"() : () -> ()
}"#,
        "6:1: redefinition of function @f",
    );
}

#[test]
fn missing_arrow_in_the_op_type() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%x) : (tensor<4xf32>) tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        "2:43: expected '->', found 'tensor<4xf32>'",
    );
}

#[test]
fn return_with_results() {
    check(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = func.return %x : tensor<4xf32>
}"#,
        "2:8: func.return has no results",
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    // The string holds two-byte characters; the column of the error after it counts them once.
    check(r#"module attributes {parc.name = "ééé"} { bogus }"#, "1:41: expected 'func.func', found 'bogus'");
}

// ---------------------------------------------------------------------------------------------
// Verifier errors: the text parses, the verifier rejects it.
// ---------------------------------------------------------------------------------------------

#[test]
fn matmul_with_a_wrong_result_type() {
    check_verify(
        r#"func.func @f(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x16xf32> {
  %c = "graph.matmul"(%a, %b) : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x16xf32>
  "func.return"(%c) : (tensor<8x16xf32>) -> ()
}"#,
        &["verification failed in @f", "tensor<8x16xf32>", "tensor<8x32xf32>", "at: %c = \"graph.matmul\"(%a, %b)"],
    );
}

#[test]
fn matmul_with_mismatched_contraction_dims() {
    check_verify(
        r#"func.func @f(%a: tensor<8x64xf32>, %b: tensor<128x32xf32>) -> tensor<8x32xf32> {
  %c = "graph.matmul"(%a, %b) : (tensor<8x64xf32>, tensor<128x32xf32>) -> tensor<8x32xf32>
  "func.return"(%c) : (tensor<8x32xf32>) -> ()
}"#,
        &["contraction dims differ", "8x64", "128x32"],
    );
}

#[test]
fn missing_required_attribute() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["missing required attribute 'factor' (float)", "\"graph.scale\""],
    );
}

#[test]
fn unknown_attribute() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.softmax"(%x) {causal = true, dim = -1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["unknown attribute 'dim' for 'graph.softmax' (accepted: causal)"],
    );
}

#[test]
fn unknown_attribute_on_an_op_that_takes_none() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%x) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["unknown attribute 'approximate' for 'graph.gelu' (accepted: none)"],
    );
}

#[test]
fn attribute_of_the_wrong_kind() {
    check_verify(
        r#"func.func @f(%x: tensor<2x4xf32>) {
  %y = "graph.reduce_sum"(%x) {axes = 1 : i64} : (tensor<2x4xf32>) -> tensor<2xf32>
  "func.return"() : () -> ()
}"#,
        &["attribute 'axes' must be integer array (array<i64: ..>), found integer"],
    );
}

#[test]
fn float_attribute_given_as_a_string() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.scale"(%x) {factor = "2.0"} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["attribute 'factor' must be float, found string"],
    );
}

#[test]
fn wrong_operand_count() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.add"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["'graph.add' takes 2 operands, found 1"],
    );
}

#[test]
fn wrong_result_count() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  "graph.gelu"(%x) : (tensor<4xf32>) -> ()
  "func.return"() : () -> ()
}"#,
        &["'graph.gelu' has 1 results, found 0"],
    );
}

#[test]
fn function_not_ending_in_return() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
}"#,
        &["the function body must end with func.return", "at: %y = \"graph.gelu\"(%x)"],
    );
}

#[test]
fn empty_function_body() {
    check_verify("func.func @f() {\n}", &["the function body must end with func.return"]);
}

#[test]
fn return_in_the_middle_of_the_body() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  "func.return"() : () -> ()
  %y = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["func.return must be the last op of the function body"],
    );
}

#[test]
fn return_types_differ_from_the_signature() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) -> tensor<8xf32> {
  "func.return"(%x) : (tensor<4xf32>) -> ()
}"#,
        &["func.return returns (tensor<4xf32>) but the function's result types are (tensor<8xf32>)"],
    );
}

#[test]
fn return_count_differs_from_the_signature() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  return %x : tensor<4xf32>
}"#,
        &["func.return returns (tensor<4xf32>) but the function's result types are (tensor<4xf32>, tensor<4xf32>)"],
    );
}

#[test]
fn shape_rule_errors_name_the_numbers() {
    check_verify(
        r#"func.func @f(%x: tensor<2x6xf32>) {
  %a, %b = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 3>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  "func.return"() : () -> ()
}"#,
        &["split sizes [2, 3] add up to 5, but dim 1 has size 6"],
    );
}

#[test]
fn regions_on_an_op_that_takes_none() {
    check_verify(
        r#"func.func @f(%x: tensor<4xf32>) {
  %y = "graph.gelu"(%x) ({
  ^bb0(%inner: tensor<4xf32>):
    %z = "graph.silu"(%inner) : (tensor<4xf32>) -> tensor<4xf32>
  }) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"() : () -> ()
}"#,
        &["'graph.gelu' takes no regions"],
    );
}

#[test]
fn sharding_attributes_are_placement_arrays() {
    let annotate = |placement: &str| {
        format!(
            r#"func.func @f(%x: tensor<4x8xf32>) {{
  %y = "sharding.annotate"(%x) {{placement = {placement}}} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  "func.return"() : () -> ()
}}"#
        )
    };
    // The form before placements were structured: one string.
    check_verify(&annotate(r#""[S(0), R]""#), &["placement", "sharding"]);
    check_verify(&annotate(r#"["S(0)", "Q"]"#), &["Q"]);
    check_verify(&annotate(r#"["S(2)", "R"]"#), &["shards dim 2 of a rank-2 tensor"]);
    let module = parc_dialects::parser::parse_module(&annotate(r#"["S(0)", "R"]"#)).expect("parses");
    verify_module(&module).expect("a placement per axis verifies");
}
