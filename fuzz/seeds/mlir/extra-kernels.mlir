module {
  func.func @kernels() {
    %x = "exec.view"() {offset = 0 : i64} : () -> memref<4x6x8xf32>
    %bias = "exec.view"() {offset = 1024 : i64} : () -> memref<8xf32>
    %y = "exec.view"() {offset = 2048 : i64} : () -> memref<4x6x8xbf16>
    "exec.elementwise"(%x, %bias, %y) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = "graph.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %g = "graph.gelu"(%s) : (tensor<f32>) -> tensor<f32>
      %c = "graph.cast"(%g) {dtype = "bf16"} : (tensor<f32>) -> tensor<bf16>
      "exec.yield"(%c) : (tensor<bf16>) -> ()
    }) {accumulate = true, n_inputs = 2 : i64} : (memref<4x6x8xf32>, memref<8xf32>, memref<4x6x8xbf16>) -> ()
    %piece = "exec.view"() {offset = 4096 : i64} : () -> memref<4x2x8xf32>
    "exec.slice"(%x, %piece) {axis = 1 : i64, start = 3 : i64} : (memref<4x6x8xf32>, memref<4x2x8xf32>) -> ()
    %big = "exec.view"() {offset = 8192 : i64} : () -> memref<4x6x8xf32>
    "exec.insert"(%piece, %big) {axis = -2 : i64, start = 1 : i64} : (memref<4x2x8xf32>, memref<4x6x8xf32>) -> ()
    %m = "exec.view"() {offset = 12288 : i64} : () -> memref<4x1x8xf32>
    "exec.reduce"(%x, %m) {axes = array<i64: 1>, keepdim = true, kind = "max"} : (memref<4x6x8xf32>, memref<4x1x8xf32>) -> ()
    %dm = "exec.view"() {offset = 13312 : i64} : () -> memref<4x1x8xf32>
    %dx = "exec.view"() {offset = 14336 : i64} : () -> memref<4x6x8xf32>
    "exec.reduce_max_grad"(%x, %m, %dm, %dx) {accumulate = true, axes = array<i64: 1>, keepdim = true} : (memref<4x6x8xf32>, memref<4x1x8xf32>, memref<4x1x8xf32>, memref<4x6x8xf32>) -> ()
    %mean = "exec.view"() {offset = 16384 : i64} : () -> memref<6xf32>
    "exec.reduce"(%x, %mean) {axes = array<i64: 0, 2>, kind = "mean"} : (memref<4x6x8xf32>, memref<6xf32>) -> ()
    %p = "exec.view"() {offset = 17408 : i64} : () -> memref<6x8xbf16>
    %g = "exec.view"() {offset = 18432 : i64} : () -> memref<6x8xbf16>
    %buf = "exec.view"() {offset = 19456 : i64} : () -> memref<6x8xf32>
    %lr = "exec.view"() {offset = 20480 : i64} : () -> memref<f32>
    "exec.sgd"(%p, %g, %buf, %lr) {momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (memref<6x8xbf16>, memref<6x8xbf16>, memref<6x8xf32>, memref<f32>) -> ()
    "func.return"() : () -> ()
  }
}
