// RUN: dce
// Dead-code elimination (compiler/src/passes/dce.rs).

// An unused op goes; an op used only by func.return stays.
func.func @unused(%x: tensor<4xf32>) -> tensor<4xf32> {
  %dead = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %live = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%live) : (tensor<4xf32>) -> ()
}
// CHECK: func.func @unused(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: %live = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: "func.return"(%live) : (tensor<4xf32>) -> ()
// CHECK-NEXT: }
// CHECK-NOT: %dead

// -----

// A whole dead chain goes in one run, including an op that uses a dead value twice; an op that
// feeds both the dead chain and the return stays.
func.func @dead_chain(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %shared = "graph.mul"(%x, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %d1 = "graph.gelu"(%shared) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %d2 = "graph.scale"(%d1) {factor = 0.5 : f64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %d3 = "graph.add"(%d2, %d2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %d4 = "graph.reduce_sum"(%d3) {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2xf32>
  %out = "graph.add"(%shared, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  "func.return"(%out) : (tensor<2x8xf32>) -> ()
}
// CHECK: func.func @dead_chain(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT: %shared = "graph.mul"(%x, %w)
// CHECK-NEXT: %out = "graph.add"(%shared, %x)
// CHECK-NEXT: "func.return"(%out)

// -----

// Function arguments stay even when nothing uses them, and a body that is all dead leaves only
// the return.
func.func @unused_args(%x: tensor<4xf32>, %unused: tensor<3x3xf32>) -> tensor<4xf32> {
  %a = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "graph.gelu"(%unused) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  "func.return"(%x) : (tensor<4xf32>) -> ()
}
// CHECK: func.func @unused_args(%x: tensor<4xf32>, %unused: tensor<3x3xf32>) -> tensor<4xf32> {
// CHECK-NEXT: "func.return"(%x) : (tensor<4xf32>) -> ()
// CHECK-NEXT: }

// -----

// A multi-result op stays when any one of its results is used (here only the second), and goes
// when none is.
func.func @split(%x: tensor<4x6xf32>) -> tensor<4x4xf32> {
  %p, %q = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  %r, %s = "graph.split"(%x) {axis = 0 : i64, sizes = array<i64: 1, 3>} : (tensor<4x6xf32>) -> (tensor<1x6xf32>, tensor<3x6xf32>)
  "func.return"(%q) : (tensor<4x4xf32>) -> ()
}
// CHECK: func.func @split(
// CHECK-NEXT: %p, %q = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 4>}
// CHECK-NEXT: "func.return"(%q)
// CHECK-NOT: graph.split

// -----

// Every function is cleaned on its own; a function with nothing dead is unchanged.
func.func @first(%x: tensor<4xf32>) -> tensor<4xf32> {
  %dead = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%x) : (tensor<4xf32>) -> ()
}
func.func @second(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "graph.gelu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%b, %a) : (tensor<4xf32>, tensor<4xf32>) -> ()
}
// CHECK: func.func @first(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: "func.return"(%x)
// CHECK: func.func @second(
// CHECK-NEXT: %a = "graph.silu"(%x)
// CHECK-NEXT: %b = "graph.gelu"(%a)
// CHECK-NEXT: "func.return"(%b, %a)
