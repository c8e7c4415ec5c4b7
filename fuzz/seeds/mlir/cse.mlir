// RUN: cse
// Common-subexpression elimination (compiler/src/passes/cse.rs).

// Two identical pure ops: the second goes and its uses read the first.
func.func @duplicates(%x: tensor<4xf32>) -> tensor<4xf32> {
  %g1 = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %g2 = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %sum = "graph.add"(%g1, %g2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%sum) : (tensor<4xf32>) -> ()
}
// CHECK: func.func @duplicates(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: %g1 = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %sum = "graph.add"(%g1, %g1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: "func.return"(%sum) : (tensor<4xf32>) -> ()
// CHECK-NOT: %g2

// -----

// Attributes are part of an op's identity: a scale by 0.5 is not a scale by 0.25, and a
// matmul with transpose_b is not one without. Equal attributes merge, however they were
// written (0.5 and 5.0e-1 are the same float).
func.func @attributes(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %half = "graph.scale"(%a) {factor = 0.5 : f64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %quarter = "graph.scale"(%a) {factor = 0.25 : f64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %half2 = "graph.scale"(%a) {factor = 5.0e-1 : f64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm = "graph.matmul"(%a, %b) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm_t = "graph.matmul"(%a, %b) {transpose_b = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm_t2 = "graph.matmul"(%a, %b) {transpose_b = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  "func.return"(%half, %quarter, %half2, %mm, %mm_t, %mm_t2) : (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> ()
}
// CHECK: func.func @attributes(
// CHECK-NEXT: %half = "graph.scale"(%a) {factor = 0.5 : f64}
// CHECK-NEXT: %quarter = "graph.scale"(%a) {factor = 0.25 : f64}
// CHECK-NEXT: %mm = "graph.matmul"(%a, %b) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
// CHECK-NEXT: %mm_t = "graph.matmul"(%a, %b) {transpose_b = true}
// CHECK-NEXT: "func.return"(%half, %quarter, %half, %mm, %mm_t, %mm_t)

// -----

// Operand order matters: sub(a, b) and sub(b, a) are different values; sub(a, b) twice is one.
func.func @operand_order(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %ab = "graph.sub"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %ba = "graph.sub"(%b, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %ab2 = "graph.sub"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%ab, %ba, %ab2) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
}
// CHECK: %ab = "graph.sub"(%a, %b)
// CHECK-NEXT: %ba = "graph.sub"(%b, %a)
// CHECK-NEXT: "func.return"(%ab, %ba, %ab)
// CHECK-NOT: graph.sub

// -----

// A duplicated chain: once the first ops merge, the next ones read the same operands and merge
// too, all in one run. The op that differs at the end of the chain (0.5 vs 2.0) stays.
func.func @chain(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %a1 = "graph.gelu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %b1 = "graph.mul"(%a1, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %c1 = "graph.add"(%b1, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %d1 = "graph.scale"(%c1) {factor = 0.5 : f64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a2 = "graph.gelu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %b2 = "graph.mul"(%a2, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %c2 = "graph.add"(%b2, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %d2 = "graph.scale"(%c2) {factor = 2.0 : f64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  "func.return"(%d1, %d2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> ()
}
// CHECK: func.func @chain(
// CHECK-NEXT: %a1 = "graph.gelu"(%x)
// CHECK-NEXT: %b1 = "graph.mul"(%a1, %w)
// CHECK-NEXT: %c1 = "graph.add"(%b1, %x)
// CHECK-NEXT: %d1 = "graph.scale"(%c1) {factor = 0.5 : f64}
// CHECK-NEXT: %d2 = "graph.scale"(%c1) {factor = 2.0 : f64}
// CHECK-NEXT: "func.return"(%d1, %d2)

// -----

// Multi-result ops: two equal splits merge result by result (the first piece replaces the
// first piece, the second the second); a split into other sizes stays.
func.func @split(%x: tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>, tensor<4x2xf32>) {
  %p1, %q1 = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  %p2, %q2 = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
  %r, %s = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 4, 2>} : (tensor<4x6xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>)
  %sum = "graph.add"(%p2, %s) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %prod = "graph.mul"(%q2, %r) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  "func.return"(%sum, %prod, %p1) : (tensor<4x2xf32>, tensor<4x4xf32>, tensor<4x2xf32>) -> ()
}
// CHECK: %p1, %q1 = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x4xf32>)
// CHECK-NEXT: %r, %s = "graph.split"(%x) {axis = 1 : i64, sizes = array<i64: 4, 2>}
// CHECK-NEXT: %sum = "graph.add"(%p1, %s)
// CHECK-NEXT: %prod = "graph.mul"(%q1, %r)
// CHECK-NEXT: "func.return"(%sum, %prod, %p1)

// -----

// func.return is never merged or removed; returned duplicates are rewritten like any use.
// Functions are separate scopes: equal ops in two functions both stay.
func.func @returns(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s1 = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %s2 = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%s1, %s2, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
}
func.func @same_body(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s1 = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %s2 = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%s1, %s2, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
}
// CHECK: func.func @returns(
// CHECK-NEXT: %s1 = "graph.silu"(%x)
// CHECK-NEXT: "func.return"(%s1, %s1, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
// CHECK-NEXT: }
// CHECK: func.func @same_body(
// CHECK-NEXT: %s1 = "graph.silu"(%x)
// CHECK-NEXT: "func.return"(%s1, %s1, %x)
// CHECK-NEXT: }

// -----

// Nothing to merge: the same op kind on different operands, and different kinds on the same
// operand, all stay, in order.
func.func @distinct(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %gx = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %gy = "graph.gelu"(%y) : (tensor<4xf32>) -> tensor<4xf32>
  %sx = "graph.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %bf = "graph.cast"(%x) {dtype = "bf16"} : (tensor<4xf32>) -> tensor<4xbf16>
  %f16 = "graph.cast"(%x) {dtype = "f16"} : (tensor<4xf32>) -> tensor<4xf16>
  %a = "graph.add"(%gx, %gy) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = "graph.add"(%a, %sx) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "func.return"(%b) : (tensor<4xf32>) -> ()
}
// CHECK: %gx = "graph.gelu"(%x)
// CHECK-NEXT: %gy = "graph.gelu"(%y)
// CHECK-NEXT: %sx = "graph.silu"(%x)
// CHECK-NEXT: %bf = "graph.cast"(%x) {dtype = "bf16"}
// CHECK-NEXT: %f16 = "graph.cast"(%x) {dtype = "f16"}
// CHECK-NEXT: %a = "graph.add"(%gx, %gy)
// CHECK-NEXT: %b = "graph.add"(%a, %sx)
