// RUN: cse
// Text in the form upstream mlir-opt prints when it echoes parc's IR: result groups (`%0:2`)
// used as `%0#0`, `%0#1`, and the custom `return` form. parc reads it back, and prints its own
// form (one name per result; the group's name is kept as a hint and made unique).

func.func @split(%arg0: tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>, tensor<4x2xf32>) {
  %0:2 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  %1:2 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 4, 2>} : (tensor<4x6xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>)
  %parts:2 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  %2 = "graph.add"(%0#0, %1#1) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %3 = "graph.mul"(%parts#1, %1#0) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %2, %3, %0#0 : tensor<4x2xf32>, tensor<4x4xf32>, tensor<4x2xf32>
}
// CHECK: func.func @split(%arg0: tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>, tensor<4x2xf32>) {
// CHECK-NEXT: %0, %1 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 2, 4>}
// CHECK-NEXT: %2, %3 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 4, 2>}
// CHECK-NEXT: %4 = "graph.add"(%0, %3)
// CHECK-NEXT: %5 = "graph.mul"(%1, %2)
// CHECK-NEXT: "func.return"(%4, %5, %0)
// CHECK-NOT: %parts

// -----

// A group member that does not exist is an undefined value.
func.func @bad_index(%arg0: tensor<4x6xf32>) -> tensor<4x2xf32> {
  %0:2 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  // expected-error {{use of undefined value %0#2}}
  return %0#2 : tensor<4x2xf32>
}

// -----

// The group size must match the op's result types.
func.func @bad_count(%arg0: tensor<4x6xf32>) -> tensor<4x2xf32> {
  // expected-error {{defines 3 result names but its type lists 2 results}}
  %0:3 = "graph.split"(%arg0) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  return %0#0 : tensor<4x2xf32>
}
