// RUN: cse,dce
// CSE then DCE over an attention-like snippet: the key projection is computed twice, the
// attention scores are scaled twice the same way, and a leftover debug reduction is unused.
// CSE merges the duplicates; DCE then drops the debug op and nothing else.
func.func @attention(%x: tensor<2x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>, %wv: tensor<16x16xf32>) -> tensor<2x8x16xf32> {
  %q = "graph.matmul"(%x, %wq) : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %k = "graph.matmul"(%x, %wk) : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %v = "graph.matmul"(%x, %wv) : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %k_again = "graph.matmul"(%x, %wk) : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %scores = "graph.matmul"(%q, %k_again) {transpose_b = true} : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x8xf32>
  %scaled = "graph.scale"(%scores) {factor = 0.25 : f64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %scaled_again = "graph.scale"(%scores) {factor = 0.25 : f64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %debug_max = "graph.reduce_max"(%scaled_again) {axes = array<i64: -1>} : (tensor<2x8x8xf32>) -> tensor<2x8xf32>
  %probs = "graph.softmax"(%scaled_again) {causal = true} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %attn = "graph.matmul"(%probs, %v) : (tensor<2x8x8xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %out = "graph.add"(%attn, %x) : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  "func.return"(%out) : (tensor<2x8x16xf32>) -> ()
}
// CHECK: func.func @attention(
// CHECK: %wv: tensor<16x16xf32>) -> tensor<2x8x16xf32> {
// CHECK-NEXT: %q = "graph.matmul"(%x, %wq)
// CHECK-NEXT: %k = "graph.matmul"(%x, %wk)
// CHECK-NEXT: %v = "graph.matmul"(%x, %wv)
// CHECK-NEXT: %scores = "graph.matmul"(%q, %k) {transpose_b = true} : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x8xf32>
// CHECK-NEXT: %scaled = "graph.scale"(%scores) {factor = 0.25 : f64}
// CHECK-NEXT: %probs = "graph.softmax"(%scaled) {causal = true}
// CHECK-NEXT: %attn = "graph.matmul"(%probs, %v)
// CHECK-NEXT: %out = "graph.add"(%attn, %x)
// CHECK-NEXT: "func.return"(%out)
// CHECK-NOT: graph.reduce_max

// -----

// Both passes in one function: CSE folds the second gelu -> scale copy into the first (the add
// then reads %b twice), and DCE drops the silu that nothing reads.
func.func @merge_then_sweep(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "graph.scale"(%a) {factor = 2.0 : f64} : (tensor<4xf32>) -> tensor<4xf32>
  %unused = "graph.silu"(%b) : (tensor<4xf32>) -> tensor<4xf32>
  %a2 = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b2 = "graph.scale"(%a2) {factor = 2.0 : f64} : (tensor<4xf32>) -> tensor<4xf32>
  %sum = "graph.add"(%b, %b2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%sum) : (tensor<4xf32>) -> ()
}
// CHECK: func.func @merge_then_sweep(
// CHECK-NEXT: %a = "graph.gelu"(%x)
// CHECK-NEXT: %b = "graph.scale"(%a) {factor = 2.0 : f64}
// CHECK-NEXT: %sum = "graph.add"(%b, %b)
// CHECK-NEXT: "func.return"(%sum)
