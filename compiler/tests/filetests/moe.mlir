// RUN: autodiff,shard
// A mixture-of-experts MLP on dp=2: 8 tokens in 2 routing groups (one per dp rank), top-2 of 3
// experts with 4 slots each. The tokens and their expert choices are split by token on dp; the
// shard pass keeps that split through the dispatch (`moe_scatter` gives each rank its group's
// rows of every expert's buffer, S(1)), the batched expert GEMM (its row dim stays split) and the
// combine (`moe_gather` back to tokens, S(0)), with no reshard in between (the only one is the
// loss seed's local slice); the expert weight's gradient is partial over dp, like a dense weight's.
module attributes {sharding.mesh = {dp = 2 : i64}} {
  func.func @forward(%x: tensor<8x4xf32> {parc.input = "x"}, %ids: tensor<8x2xi32> {parc.input = "ids"}, %w: tensor<3x4x4xf32> {parc.param = "w"}) -> tensor<f32> {
    %x3 = "graph.reshape"(%x) {shape = array<i64: 8, 1, 4>} : (tensor<8x4xf32>) -> tensor<8x1x4xf32>
    %xk = "graph.broadcast"(%x3) {shape = array<i64: 8, 2, 4>} : (tensor<8x1x4xf32>) -> tensor<8x2x4xf32>
    %buf = "graph.moe_scatter"(%xk, %ids) {capacity = 4 : i64, experts = 3 : i64, groups = 2 : i64} : (tensor<8x2x4xf32>, tensor<8x2xi32>) -> tensor<3x8x4xf32>
    %y = "graph.matmul"(%buf, %w) : (tensor<3x8x4xf32>, tensor<3x4x4xf32>) -> tensor<3x8x4xf32>
    %yk = "graph.moe_gather"(%y, %ids) {capacity = 4 : i64, groups = 2 : i64} : (tensor<3x8x4xf32>, tensor<8x2xi32>) -> tensor<8x2x4xf32>
    %loss = "graph.reduce_sum"(%yk) {axes = array<i64: 0, 1, 2>} : (tensor<8x2x4xf32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }
}
// CHECK: func.func @forward_backward(
// CHECK: %ids: tensor<8x2xi32> {parc.input = "ids", sharding.placement = ["S(0)"]}
// CHECK: %buf = "graph.moe_scatter"(%xk, %ids) {capacity = 4 : i64, experts = 3 : i64, groups = 2 : i64, sharding.placements = [["S(1)"]]}
// CHECK-NEXT: %y = "graph.matmul"(%buf, %w) {sharding.placements = [["S(1)"]]}
// CHECK-NEXT: %yk = "graph.moe_gather"(%y, %ids) {capacity = 4 : i64, groups = 2 : i64, sharding.placements = [["S(0)"]]}
// The backward: the gather's VJP is a scatter, the scatter's a gather, on the same split.
// CHECK: %4 = "graph.moe_scatter"(%3, %ids) {capacity = 4 : i64, experts = 3 : i64, groups = 2 : i64, sharding.placements = [["S(1)"]]}
// CHECK-NEXT: %5 = "graph.matmul"(%4, %w) {sharding.placements = [["S(1)"]], transpose_b = true}
// CHECK-NEXT: %grad.w = "graph.matmul"(%buf, %4) {sharding.placements = [["P(sum)"]], transpose_a = true}
// CHECK-NEXT: %6 = "graph.moe_gather"(%5, %ids) {capacity = 4 : i64, groups = 2 : i64, sharding.placements = [["S(0)"]]}
// CHECK-NOT: sharding.reshard
// CHECK: "func.return"(%loss, %grad.w)

// -----

// expected-error {{moe_gather buffer [3, 6, 4] needs dim 1 = groups · capacity = 2 · 4}}
func.func @gather_rows(%buf: tensor<3x6x4xf32>, %ids: tensor<8x2xi32>) -> tensor<8x2x4xf32> {
  %y = "graph.moe_gather"(%buf, %ids) {capacity = 4 : i64, groups = 2 : i64} : (tensor<3x6x4xf32>, tensor<8x2xi32>) -> tensor<8x2x4xf32>
  "func.return"(%y) : (tensor<8x2x4xf32>) -> ()
}
