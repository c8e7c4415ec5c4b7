// RUN: verify
// Verifier (and parser) errors: each case must fail with the quoted message.

// A well-formed function verifies and prints back unchanged.
func.func @valid(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %c = "graph.matmul"(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  "func.return"(%c) : (tensor<4x16xf32>) -> ()
}
// CHECK: %c = "graph.matmul"(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: "func.return"(%c) : (tensor<4x16xf32>) -> ()

// -----

// expected-error {{verification failed in @wrong_matmul_shape: result types (tensor<4x8xf32>) differ from the inferred (tensor<4x16xf32>)}}
func.func @wrong_matmul_shape(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x8xf32> {
  %c = "graph.matmul"(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  "func.return"(%c) : (tensor<4x8xf32>) -> ()
}

// -----

// expected-error {{result types (tensor<4x4xf32>) differ from the inferred (tensor<4x16xf32>)}}
func.func @transpose_b_ignored(%a: tensor<4x8xf32>, %b: tensor<16x8xf32>) -> tensor<4x4xf32> {
  %c = "graph.matmul"(%a, %b) {transpose_b = true} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x4xf32>
  "func.return"(%c) : (tensor<4x4xf32>) -> ()
}

// -----

// expected-error {{contraction dims differ: [4, 8] is 4x8 and [16, 8] is 16x8 after transposes}}
func.func @contraction_mismatch(%a: tensor<4x8xf32>, %b: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %c = "graph.matmul"(%a, %b) : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  "func.return"(%c) : (tensor<4x8xf32>) -> ()
}

// -----

// expected-error {{missing required attribute 'factor' (float)}}
func.func @missing_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.scale"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{missing required attribute 'axes' (integer array (array<i64: ..>))}}
func.func @missing_axes(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %y = "graph.reduce_sum"(%x) {keepdim = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{unknown attribute 'approximate' for 'graph.gelu' (accepted: none)}}
func.func @unknown_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.gelu"(%x) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{unknown attribute 'transpose_c' for 'graph.matmul' (accepted: transpose_a, transpose_b)}}
func.func @unknown_matmul_attribute(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c = "graph.matmul"(%a, %b) {transpose_c = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  "func.return"(%c) : (tensor<4x4xf32>) -> ()
}

// -----

// expected-error {{attribute 'factor' must be float, found string}}
func.func @attribute_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.scale"(%x) {factor = "0.5"} : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{verification failed in @return_mismatch: func.return returns (tensor<8xf32>) but the function's result types are (tensor<4xf32>)}}
func.func @return_mismatch(%x: tensor<8xf32>) -> tensor<4xf32> {
  %y = "graph.gelu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  "func.return"(%y) : (tensor<8xf32>) -> ()
}

// -----

// expected-error {{func.return returns (tensor<4xf32>) but the function's result types are (tensor<4xf32>, tensor<4xf32>)}}
func.func @return_count(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  "func.return"(%x) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{the function body must end with func.return}}
func.func @no_return(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
}

// -----

// expected-error {{'graph.add' takes 2 operands, found 3}}
func.func @operand_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.add"(%x, %x, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{split sizes [2, 2] add up to 4, but dim 1 has size 6}}
func.func @split_sizes(%x: tensor<4x6xf32>) -> tensor<4x2xf32> {
  %p, %q = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 2>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  "func.return"(%p) : (tensor<4x2xf32>) -> ()
}

// -----

// Parse errors count too.
// expected-error {{use of undefined value %z}}
func.func @undefined_value(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "graph.gelu"(%z) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%y) : (tensor<4xf32>) -> ()
}

// -----

// expected-error {{operand 0 has type tensor<4xf32> but the op's type says tensor<8xf32>}}
func.func @operand_type(%x: tensor<4xf32>) -> tensor<8xf32> {
  %y = "graph.gelu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  "func.return"(%y) : (tensor<8xf32>) -> ()
}
