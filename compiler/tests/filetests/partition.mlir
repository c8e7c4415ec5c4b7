// RUN: autodiff,optimizer,shard,partition
// The MLP of shard.mlir in one rank's local view on dp=2, tp=2: every type is the rank's shard
// (half the batch, half the hidden features), the row-parallel output's partial loss becomes a
// tp all-reduce, and the local optimizer step all-reduces the gradients over dp (ZeRO 0) before
// the AdamW updates of the local weight shards.
module attributes {sharding.mesh = {dp = 2 : i64, tp = 2 : i64}} {
  func.func @forward(%x: tensor<4x8xf32> {parc.input = "x"}, %w1: tensor<8x16xf32> {parc.param = "w1", parc.tp = "column"}, %w2: tensor<16x8xf32> {parc.param = "w2", parc.tp = "row"}) -> tensor<f32> {
    %h = "graph.matmul"(%x, %w1) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %a = "graph.gelu"(%h) : (tensor<4x16xf32>) -> tensor<4x16xf32>
    %y = "graph.matmul"(%a, %w2) : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
    %loss = "graph.reduce_sum"(%y) {axes = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }
}
// CHECK: sharding.params = [{name = "w1", placement = ["R", "S(1)"], shape = array<i64: 8, 16>, state_flat = false, zero_flat = false}
// CHECK: func.func @forward_backward(
// CHECK-NEXT: %x: tensor<2x8xf32> {parc.input = "x"},
// CHECK-NEXT: %w1: tensor<8x8xf32> {parc.param = "w1", parc.tp = "column"},
// CHECK-NEXT: %w2: tensor<8x8xf32> {parc.param = "w2", parc.tp = "row"}) -> (tensor<f32>, tensor<8x8xf32>, tensor<8x8xf32>) {
// CHECK-NEXT: %h = "graph.matmul"(%x, %w1) : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
// CHECK-NOT: sharding.
// CHECK: %loss.resharded = "dist.all_reduce"(%loss) {axis = "tp", op = "sum", size = 2 : i64}
// CHECK-NEXT: "func.return"(%loss.resharded, %grad.w1, %grad.w2)
// CHECK: func.func @optimizer_step(
// CHECK: "dist.all_reduce"(%grad.w1, %grad.w2) {axis = "dp", op = "sum", size = 2 : i64}
// CHECK: %grad_sum_of_squares = "dist.all_reduce"(%6) {axis = "tp", op = "sum", size = 2 : i64}
// CHECK: "graph.adamw_update"(%w1,
// CHECK: "graph.adamw_update"(%w2,

// -----

// A mesh attribute with an axis parc does not know is rejected before any pass runs.
module attributes {sharding.mesh = {dp = 2 : i64, xp = 2 : i64}} {
  func.func @forward(%x: tensor<4x8xf32> {parc.input = "x"}) -> tensor<f32> {
    %loss = "graph.reduce_sum"(%x) {axes = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }
}
// expected-error {{unknown mesh axis 'xp'; the axes are dp, pp, tp or ep}}
