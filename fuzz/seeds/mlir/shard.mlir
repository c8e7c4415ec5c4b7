// RUN: autodiff,shard
// A two-layer MLP on dp=2, tp=2: the first weight is column-parallel and the second row-parallel
// (Megatron's pair, from their `parc.tp` layouts), the input is split by batch on dp. The shard
// pass gives every value of @forward_backward one placement per axis ([dp, tp]): the hidden
// activation is split by features on tp, the second matmul's output is partial on tp, and the
// weight gradients are partial on dp (each dp rank saw half the batch) and sharded like their
// weights on tp. The reduction to the loss makes the reshard to replicated explicit.
module attributes {sharding.mesh = {dp = 2 : i64, tp = 2 : i64}} {
  func.func @forward(%x: tensor<4x8xf32> {parc.input = "x"}, %w1: tensor<8x16xf32> {parc.param = "w1", parc.tp = "column"}, %w2: tensor<16x8xf32> {parc.param = "w2", parc.tp = "row"}) -> tensor<f32> {
    %h = "graph.matmul"(%x, %w1) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %a = "graph.gelu"(%h) : (tensor<4x16xf32>) -> tensor<4x16xf32>
    %y = "graph.matmul"(%a, %w2) : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
    %loss = "graph.reduce_sum"(%y) {axes = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }
}
// CHECK: module attributes {sharding.mesh = {dp = 2 : i64, tp = 2 : i64}}
// CHECK: func.func @forward_backward(
// CHECK: %x: tensor<4x8xf32> {parc.input = "x", sharding.placement = ["S(0)", "R"]}
// CHECK: %w1: tensor<8x16xf32> {parc.param = "w1", parc.tp = "column", sharding.placement = ["R", "S(1)"]}
// CHECK: %w2: tensor<16x8xf32> {parc.param = "w2", parc.tp = "row", sharding.placement = ["R", "S(0)"]}
// CHECK: "graph.matmul"(%x, %w1) {sharding.placements = [["S(0)", "S(1)"]]}
// CHECK: "graph.matmul"(%a, %w2) {sharding.placements = [["S(0)", "P(sum)"]]}
// CHECK: %grad.w2 = "graph.matmul"(%a, %4) {sharding.placements = [["P(sum)", "S(0)"]], transpose_a = true}
// CHECK: %grad.w1 = "graph.matmul"(%x, %6) {sharding.placements = [["P(sum)", "S(1)"]], transpose_a = true}
// CHECK: %loss.resharded = "sharding.reshard"(%loss) {from = ["P(sum)", "P(sum)"], to = ["P(sum)", "R"]}
// CHECK-NEXT: "func.return"(%loss.resharded, %grad.w1, %grad.w2)

// -----

// An unknown tensor-parallel layout is an error that names the value and the layouts that exist.
module attributes {sharding.mesh = {tp = 2 : i64}} {
  func.func @forward(%x: tensor<4x8xf32> {parc.input = "x"}, %w: tensor<8x8xf32> {parc.param = "w", parc.tp = "diagonal"}) -> tensor<f32> {
    %y = "graph.matmul"(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %loss = "graph.reduce_sum"(%y) {axes = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }
}
// expected-error {{parc.tp = "diagonal" is not a tensor-parallel layout (column, row or vocab)}}
