// RUN: optimizer,lower-exec
// dist.all_to_all lowers to exec.all_to_all on the same buffers, keeping `axis`, `size` and `dim`
// (left out when the input leaves it at its default 0). An exchange whose result is a returned
// gradient goes through a fresh buffer and is added into the gradient accumulator, as an
// all_gather into an accumulator is.
module attributes {sharding.mesh = {dp = 2 : i64, ep = 2 : i64}} {
  func.func @forward_backward(%x: tensor<4x8xf32> {parc.input = "x"}, %w: tensor<8x8xf32> {parc.param = "w"}) -> (tensor<f32>, tensor<8x8xf32>) {
    %y = "dist.all_to_all"(%x) {axis = "ep", size = 2 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
    %z = "dist.all_to_all"(%y) {axis = "ep", dim = 1 : i64, size = 2 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
    %h = "graph.matmul"(%z, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %loss = "graph.reduce_sum"(%h) {axes = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
    %g = "graph.matmul"(%z, %h) {transpose_a = true} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
    %grad = "dist.all_to_all"(%g) {axis = "edp", size = 1 : i64} : (tensor<8x8xf32>) -> tensor<8x8xf32>
    "func.return"(%loss, %grad) : (tensor<f32>, tensor<8x8xf32>) -> ()
  }
}
// CHECK: exec.mesh = {dp = 2 : i64, ep = 2 : i64}
// CHECK: func.func @forward_backward()
// CHECK: %x = "exec.tensor"() {name = "x"} : () -> memref<4x8xf32>
// CHECK: "exec.all_to_all"(%x, %y) {axis = "ep", size = 2 : i64} : (memref<4x8xf32>, memref<4x8xf32>) -> ()
// CHECK-NEXT: %z = "exec.view"() {offset = -1 : i64} : () -> memref<4x8xf32>
// CHECK-NEXT: "exec.all_to_all"(%y, %z) {axis = "ep", dim = 1 : i64, size = 2 : i64} : (memref<4x8xf32>, memref<4x8xf32>) -> ()
// CHECK: "exec.all_to_all"(%g, %grad) {axis = "edp", size = 1 : i64} : (memref<8x8xf32>, memref<8x8xf32>) -> ()
// CHECK-NEXT: "exec.elementwise"(%grad, %grad.w) ({
// CHECK: }) {accumulate = true, n_inputs = 1 : i64} : (memref<8x8xf32>, memref<8x8xf32>) -> ()
// CHECK-NOT: dist.

// -----
// A dim that does not split over the group is refused before any pass runs.
// expected-error {{all_to_all of [4, 6] along dim 1 over 4 ranks: 6 does not divide by 4}}
module attributes {sharding.mesh = {dp = 4 : i64, ep = 4 : i64}} {
  func.func @forward_backward(%x: tensor<4x6xf32> {parc.input = "x"}) -> tensor<4x6xf32> {
    %y = "dist.all_to_all"(%x) {axis = "ep", dim = 1 : i64, size = 4 : i64} : (tensor<4x6xf32>) -> tensor<4x6xf32>
    "func.return"(%y) : (tensor<4x6xf32>) -> ()
  }
}
