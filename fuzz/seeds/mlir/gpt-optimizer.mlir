module attributes {parc.model = {activation = "gelu", bias = true, ffn = 256 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 4 : i64, layers = 1 : i64, name = "gpt-tiny", norm = "layernorm", position = "learned", seq_len = 32 : i64, tie_embeddings = true, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
  func.func @forward(
      %tokens: tensor<2x32xi32> {parc.input = "tokens"},
      %labels: tensor<2x32xi32> {parc.input = "labels"},
      %embed.tokens.weight: tensor<128x64xf32> {parc.param = "embed.tokens.weight", parc.tp = "vocab"},
      %embed.positions.weight: tensor<32x64xf32> {parc.param = "embed.positions.weight"},
      %layers.0.attn_norm.weight: tensor<64xf32> {parc.param = "layers.0.attn_norm.weight"},
      %layers.0.attn_norm.bias: tensor<64xf32> {parc.param = "layers.0.attn_norm.bias"},
      %layers.0.attn.q.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.q.weight", parc.tp = "column"},
      %layers.0.attn.q.bias: tensor<64xf32> {parc.param = "layers.0.attn.q.bias", parc.tp = "column"},
      %layers.0.attn.k.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.k.weight", parc.tp = "column"},
      %layers.0.attn.k.bias: tensor<64xf32> {parc.param = "layers.0.attn.k.bias", parc.tp = "column"},
      %layers.0.attn.v.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.v.weight", parc.tp = "column"},
      %layers.0.attn.v.bias: tensor<64xf32> {parc.param = "layers.0.attn.v.bias", parc.tp = "column"},
      %layers.0.attn.o.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.o.weight", parc.tp = "row"},
      %layers.0.attn.o.bias: tensor<64xf32> {parc.param = "layers.0.attn.o.bias", parc.tp = "row"},
      %layers.0.mlp_norm.weight: tensor<64xf32> {parc.param = "layers.0.mlp_norm.weight"},
      %layers.0.mlp_norm.bias: tensor<64xf32> {parc.param = "layers.0.mlp_norm.bias"},
      %layers.0.mlp.up.weight: tensor<64x256xf32> {parc.param = "layers.0.mlp.up.weight", parc.tp = "column"},
      %layers.0.mlp.up.bias: tensor<256xf32> {parc.param = "layers.0.mlp.up.bias", parc.tp = "column"},
      %layers.0.mlp.down.weight: tensor<256x64xf32> {parc.param = "layers.0.mlp.down.weight", parc.tp = "row"},
      %layers.0.mlp.down.bias: tensor<64xf32> {parc.param = "layers.0.mlp.down.bias", parc.tp = "row"},
      %final_norm.weight: tensor<64xf32> {parc.param = "final_norm.weight"},
      %final_norm.bias: tensor<64xf32> {parc.param = "final_norm.bias"}) -> tensor<f32> {
    %0 = "graph.embedding"(%embed.tokens.weight, %tokens) : (tensor<128x64xf32>, tensor<2x32xi32>) -> tensor<2x32x64xf32>
    %embed = "graph.add"(%0, %embed.positions.weight) : (tensor<2x32x64xf32>, tensor<32x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_in = "graph.layer_norm"(%embed, %layers.0.attn_norm.weight, %layers.0.attn_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %1 = "graph.matmul"(%l0.attn_in, %layers.0.attn.q.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %2 = "graph.add"(%1, %layers.0.attn.q.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %3 = "graph.matmul"(%l0.attn_in, %layers.0.attn.k.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %4 = "graph.add"(%3, %layers.0.attn.k.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %5 = "graph.matmul"(%l0.attn_in, %layers.0.attn.v.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %6 = "graph.add"(%5, %layers.0.attn.v.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %7 = "graph.reshape"(%2) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %8 = "graph.reshape"(%4) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %9 = "graph.reshape"(%6) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %l0.q = "graph.transpose"(%7) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %l0.k = "graph.transpose"(%8) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %l0.v = "graph.transpose"(%9) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %10 = "graph.matmul"(%l0.q, %l0.k) {transpose_b = true} : (tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x32xf32>
    %l0.scores = "graph.scale"(%10) {factor = 0.25 : f64} : (tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %l0.probs = "graph.softmax"(%l0.scores) {causal = true} : (tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %11 = "graph.matmul"(%l0.probs, %l0.v) : (tensor<2x4x32x32xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
    %12 = "graph.transpose"(%11) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x32x16xf32>) -> tensor<2x32x4x16xf32>
    %13 = "graph.reshape"(%12) {shape = array<i64: 2, 32, 64>} : (tensor<2x32x4x16xf32>) -> tensor<2x32x64xf32>
    %14 = "graph.matmul"(%13, %layers.0.attn.o.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_out = "graph.add"(%14, %layers.0.attn.o.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.resid = "graph.add"(%embed, %l0.attn_out) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %l0.mlp_in = "graph.layer_norm"(%l0.resid, %layers.0.mlp_norm.weight, %layers.0.mlp_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %15 = "graph.matmul"(%l0.mlp_in, %layers.0.mlp.up.weight) : (tensor<2x32x64xf32>, tensor<64x256xf32>) -> tensor<2x32x256xf32>
    %16 = "graph.add"(%15, %layers.0.mlp.up.bias) : (tensor<2x32x256xf32>, tensor<256xf32>) -> tensor<2x32x256xf32>
    %l0.mlp_act = "graph.gelu"(%16) : (tensor<2x32x256xf32>) -> tensor<2x32x256xf32>
    %17 = "graph.matmul"(%l0.mlp_act, %layers.0.mlp.down.weight) : (tensor<2x32x256xf32>, tensor<256x64xf32>) -> tensor<2x32x64xf32>
    %18 = "graph.add"(%17, %layers.0.mlp.down.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.out = "graph.add"(%l0.resid, %18) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %19 = "graph.layer_norm"(%l0.out, %final_norm.weight, %final_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %logits = "graph.matmul"(%19, %embed.tokens.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<128x64xf32>) -> tensor<2x32x128xf32>
    %token_loss = "graph.cross_entropy"(%logits, %labels) : (tensor<2x32x128xf32>, tensor<2x32xi32>) -> tensor<2x32xf32>
    %20 = "graph.reduce_sum"(%token_loss) {axes = array<i64: 0, 1>} : (tensor<2x32xf32>) -> tensor<f32>
    %loss = "graph.scale"(%20) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
    "func.return"(%loss) : (tensor<f32>) -> ()
  }

  func.func @forward_backward(
      %tokens: tensor<2x32xi32> {parc.input = "tokens"},
      %labels: tensor<2x32xi32> {parc.input = "labels"},
      %embed.tokens.weight: tensor<128x64xf32> {parc.param = "embed.tokens.weight", parc.tp = "vocab"},
      %embed.positions.weight: tensor<32x64xf32> {parc.param = "embed.positions.weight"},
      %layers.0.attn_norm.weight: tensor<64xf32> {parc.param = "layers.0.attn_norm.weight"},
      %layers.0.attn_norm.bias: tensor<64xf32> {parc.param = "layers.0.attn_norm.bias"},
      %layers.0.attn.q.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.q.weight", parc.tp = "column"},
      %layers.0.attn.q.bias: tensor<64xf32> {parc.param = "layers.0.attn.q.bias", parc.tp = "column"},
      %layers.0.attn.k.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.k.weight", parc.tp = "column"},
      %layers.0.attn.k.bias: tensor<64xf32> {parc.param = "layers.0.attn.k.bias", parc.tp = "column"},
      %layers.0.attn.v.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.v.weight", parc.tp = "column"},
      %layers.0.attn.v.bias: tensor<64xf32> {parc.param = "layers.0.attn.v.bias", parc.tp = "column"},
      %layers.0.attn.o.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.o.weight", parc.tp = "row"},
      %layers.0.attn.o.bias: tensor<64xf32> {parc.param = "layers.0.attn.o.bias", parc.tp = "row"},
      %layers.0.mlp_norm.weight: tensor<64xf32> {parc.param = "layers.0.mlp_norm.weight"},
      %layers.0.mlp_norm.bias: tensor<64xf32> {parc.param = "layers.0.mlp_norm.bias"},
      %layers.0.mlp.up.weight: tensor<64x256xf32> {parc.param = "layers.0.mlp.up.weight", parc.tp = "column"},
      %layers.0.mlp.up.bias: tensor<256xf32> {parc.param = "layers.0.mlp.up.bias", parc.tp = "column"},
      %layers.0.mlp.down.weight: tensor<256x64xf32> {parc.param = "layers.0.mlp.down.weight", parc.tp = "row"},
      %layers.0.mlp.down.bias: tensor<64xf32> {parc.param = "layers.0.mlp.down.bias", parc.tp = "row"},
      %final_norm.weight: tensor<64xf32> {parc.param = "final_norm.weight"},
      %final_norm.bias: tensor<64xf32> {parc.param = "final_norm.bias"}) -> (tensor<f32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
    %0 = "graph.embedding"(%embed.tokens.weight, %tokens) : (tensor<128x64xf32>, tensor<2x32xi32>) -> tensor<2x32x64xf32>
    %embed = "graph.add"(%0, %embed.positions.weight) : (tensor<2x32x64xf32>, tensor<32x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_in = "graph.layer_norm"(%embed, %layers.0.attn_norm.weight, %layers.0.attn_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %1 = "graph.matmul"(%l0.attn_in, %layers.0.attn.q.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %2 = "graph.add"(%1, %layers.0.attn.q.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %3 = "graph.matmul"(%l0.attn_in, %layers.0.attn.k.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %4 = "graph.add"(%3, %layers.0.attn.k.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %5 = "graph.matmul"(%l0.attn_in, %layers.0.attn.v.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %6 = "graph.add"(%5, %layers.0.attn.v.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %7 = "graph.reshape"(%2) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %8 = "graph.reshape"(%4) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %9 = "graph.reshape"(%6) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %l0.q = "graph.transpose"(%7) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %l0.k = "graph.transpose"(%8) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %l0.v = "graph.transpose"(%9) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %10 = "graph.matmul"(%l0.q, %l0.k) {transpose_b = true} : (tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x32xf32>
    %l0.scores = "graph.scale"(%10) {factor = 0.25 : f64} : (tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %l0.probs = "graph.softmax"(%l0.scores) {causal = true} : (tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %11 = "graph.matmul"(%l0.probs, %l0.v) : (tensor<2x4x32x32xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
    %12 = "graph.transpose"(%11) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x32x16xf32>) -> tensor<2x32x4x16xf32>
    %13 = "graph.reshape"(%12) {shape = array<i64: 2, 32, 64>} : (tensor<2x32x4x16xf32>) -> tensor<2x32x64xf32>
    %14 = "graph.matmul"(%13, %layers.0.attn.o.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_out = "graph.add"(%14, %layers.0.attn.o.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.resid = "graph.add"(%embed, %l0.attn_out) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %l0.mlp_in = "graph.layer_norm"(%l0.resid, %layers.0.mlp_norm.weight, %layers.0.mlp_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %15 = "graph.matmul"(%l0.mlp_in, %layers.0.mlp.up.weight) : (tensor<2x32x64xf32>, tensor<64x256xf32>) -> tensor<2x32x256xf32>
    %16 = "graph.add"(%15, %layers.0.mlp.up.bias) : (tensor<2x32x256xf32>, tensor<256xf32>) -> tensor<2x32x256xf32>
    %l0.mlp_act = "graph.gelu"(%16) : (tensor<2x32x256xf32>) -> tensor<2x32x256xf32>
    %17 = "graph.matmul"(%l0.mlp_act, %layers.0.mlp.down.weight) : (tensor<2x32x256xf32>, tensor<256x64xf32>) -> tensor<2x32x64xf32>
    %18 = "graph.add"(%17, %layers.0.mlp.down.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.out = "graph.add"(%l0.resid, %18) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %19 = "graph.layer_norm"(%l0.out, %final_norm.weight, %final_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %logits = "graph.matmul"(%19, %embed.tokens.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<128x64xf32>) -> tensor<2x32x128xf32>
    %token_loss = "graph.cross_entropy"(%logits, %labels) : (tensor<2x32x128xf32>, tensor<2x32xi32>) -> tensor<2x32xf32>
    %20 = "graph.reduce_sum"(%token_loss) {axes = array<i64: 0, 1>} : (tensor<2x32xf32>) -> tensor<f32>
    %loss = "graph.scale"(%20) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
    %21 = "graph.fill"() {dtype = "f32", shape = array<i64>, value = 1.0 : f64} : () -> tensor<f32>
    %22 = "graph.scale"(%21) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
    %23 = "graph.reshape"(%22) {shape = array<i64: 1, 1>} : (tensor<f32>) -> tensor<1x1xf32>
    %24 = "graph.broadcast"(%23) {shape = array<i64: 2, 32>} : (tensor<1x1xf32>) -> tensor<2x32xf32>
    %25 = "graph.cross_entropy_grad"(%logits, %labels, %24) : (tensor<2x32x128xf32>, tensor<2x32xi32>, tensor<2x32xf32>) -> tensor<2x32x128xf32>
    %26 = "graph.matmul"(%25, %embed.tokens.weight) : (tensor<2x32x128xf32>, tensor<128x64xf32>) -> tensor<2x32x64xf32>
    %27 = "graph.reshape"(%19) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %28 = "graph.reshape"(%25) {shape = array<i64: 64, 128>} : (tensor<2x32x128xf32>) -> tensor<64x128xf32>
    %29 = "graph.matmul"(%28, %27) {transpose_a = true} : (tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<128x64xf32>
    %30, %grad.final_norm.weight, %grad.final_norm.bias = "graph.layer_norm_grad"(%l0.out, %final_norm.weight, %26) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %31 = "graph.reduce_sum"(%30) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.mlp.down.bias = "graph.reshape"(%31) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %32 = "graph.matmul"(%30, %layers.0.mlp.down.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<256x64xf32>) -> tensor<2x32x256xf32>
    %33 = "graph.reshape"(%l0.mlp_act) {shape = array<i64: 64, 256>} : (tensor<2x32x256xf32>) -> tensor<64x256xf32>
    %34 = "graph.reshape"(%30) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.mlp.down.weight = "graph.matmul"(%33, %34) {transpose_a = true} : (tensor<64x256xf32>, tensor<64x64xf32>) -> tensor<256x64xf32>
    %35 = "graph.gelu_grad"(%16, %32) : (tensor<2x32x256xf32>, tensor<2x32x256xf32>) -> tensor<2x32x256xf32>
    %36 = "graph.reduce_sum"(%35) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x256xf32>) -> tensor<1x1x256xf32>
    %grad.layers.0.mlp.up.bias = "graph.reshape"(%36) {shape = array<i64: 256>} : (tensor<1x1x256xf32>) -> tensor<256xf32>
    %37 = "graph.matmul"(%35, %layers.0.mlp.up.weight) {transpose_b = true} : (tensor<2x32x256xf32>, tensor<64x256xf32>) -> tensor<2x32x64xf32>
    %38 = "graph.reshape"(%l0.mlp_in) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %39 = "graph.reshape"(%35) {shape = array<i64: 64, 256>} : (tensor<2x32x256xf32>) -> tensor<64x256xf32>
    %grad.layers.0.mlp.up.weight = "graph.matmul"(%38, %39) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
    %40, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.bias = "graph.layer_norm_grad"(%l0.resid, %layers.0.mlp_norm.weight, %37) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %41 = "graph.add"(%30, %40) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %42 = "graph.reduce_sum"(%41) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.attn.o.bias = "graph.reshape"(%42) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %43 = "graph.matmul"(%41, %layers.0.attn.o.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %44 = "graph.reshape"(%13) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %45 = "graph.reshape"(%41) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.attn.o.weight = "graph.matmul"(%44, %45) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %46 = "graph.reshape"(%43) {shape = array<i64: 2, 32, 4, 16>} : (tensor<2x32x64xf32>) -> tensor<2x32x4x16xf32>
    %47 = "graph.transpose"(%46) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x4x16xf32>) -> tensor<2x4x32x16xf32>
    %48 = "graph.matmul"(%47, %l0.v) {transpose_b = true} : (tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x32xf32>
    %49 = "graph.matmul"(%l0.probs, %47) {transpose_a = true} : (tensor<2x4x32x32xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
    %50 = "graph.softmax_grad"(%l0.probs, %48) : (tensor<2x4x32x32xf32>, tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %51 = "graph.scale"(%50) {factor = 0.25 : f64} : (tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
    %52 = "graph.matmul"(%51, %l0.k) : (tensor<2x4x32x32xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
    %53 = "graph.matmul"(%51, %l0.q) {transpose_a = true} : (tensor<2x4x32x32xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
    %54 = "graph.transpose"(%49) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x32x16xf32>) -> tensor<2x32x4x16xf32>
    %55 = "graph.transpose"(%53) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x32x16xf32>) -> tensor<2x32x4x16xf32>
    %56 = "graph.transpose"(%52) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x32x16xf32>) -> tensor<2x32x4x16xf32>
    %57 = "graph.reshape"(%54) {shape = array<i64: 2, 32, 64>} : (tensor<2x32x4x16xf32>) -> tensor<2x32x64xf32>
    %58 = "graph.reshape"(%55) {shape = array<i64: 2, 32, 64>} : (tensor<2x32x4x16xf32>) -> tensor<2x32x64xf32>
    %59 = "graph.reshape"(%56) {shape = array<i64: 2, 32, 64>} : (tensor<2x32x4x16xf32>) -> tensor<2x32x64xf32>
    %60 = "graph.reduce_sum"(%57) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.attn.v.bias = "graph.reshape"(%60) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %61 = "graph.matmul"(%57, %layers.0.attn.v.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %62 = "graph.reshape"(%l0.attn_in) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %63 = "graph.reshape"(%57) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.attn.v.weight = "graph.matmul"(%62, %63) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %64 = "graph.reduce_sum"(%58) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.attn.k.bias = "graph.reshape"(%64) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %65 = "graph.matmul"(%58, %layers.0.attn.k.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %66 = "graph.reshape"(%58) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.attn.k.weight = "graph.matmul"(%62, %66) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %67 = "graph.add"(%61, %65) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %68 = "graph.reduce_sum"(%59) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.attn.q.bias = "graph.reshape"(%68) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %69 = "graph.matmul"(%59, %layers.0.attn.q.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %70 = "graph.reshape"(%59) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.attn.q.weight = "graph.matmul"(%62, %70) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %71 = "graph.add"(%67, %69) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %72, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.bias = "graph.layer_norm_grad"(%embed, %layers.0.attn_norm.weight, %71) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %73 = "graph.add"(%41, %72) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %74 = "graph.reduce_sum"(%73) {axes = array<i64: 0>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x32x64xf32>
    %grad.embed.positions.weight = "graph.reshape"(%74) {shape = array<i64: 32, 64>} : (tensor<1x32x64xf32>) -> tensor<32x64xf32>
    %75 = "graph.embedding_grad"(%tokens, %73) {vocab = 128 : i64} : (tensor<2x32xi32>, tensor<2x32x64xf32>) -> tensor<128x64xf32>
    %grad.embed.tokens.weight = "graph.add"(%29, %75) : (tensor<128x64xf32>, tensor<128x64xf32>) -> tensor<128x64xf32>
    "func.return"(%loss, %grad.embed.tokens.weight, %grad.embed.positions.weight, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.bias, %grad.layers.0.attn.q.weight, %grad.layers.0.attn.q.bias, %grad.layers.0.attn.k.weight, %grad.layers.0.attn.k.bias, %grad.layers.0.attn.v.weight, %grad.layers.0.attn.v.bias, %grad.layers.0.attn.o.weight, %grad.layers.0.attn.o.bias, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.bias, %grad.layers.0.mlp.up.weight, %grad.layers.0.mlp.up.bias, %grad.layers.0.mlp.down.weight, %grad.layers.0.mlp.down.bias, %grad.final_norm.weight, %grad.final_norm.bias) : (tensor<f32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> ()
  }

  func.func @optimizer_step(
      %embed.tokens.weight: tensor<128x64xf32> {parc.param = "embed.tokens.weight"},
      %embed.positions.weight: tensor<32x64xf32> {parc.param = "embed.positions.weight"},
      %layers.0.attn_norm.weight: tensor<64xf32> {parc.param = "layers.0.attn_norm.weight"},
      %layers.0.attn_norm.bias: tensor<64xf32> {parc.param = "layers.0.attn_norm.bias"},
      %layers.0.attn.q.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.q.weight"},
      %layers.0.attn.q.bias: tensor<64xf32> {parc.param = "layers.0.attn.q.bias"},
      %layers.0.attn.k.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.k.weight"},
      %layers.0.attn.k.bias: tensor<64xf32> {parc.param = "layers.0.attn.k.bias"},
      %layers.0.attn.v.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.v.weight"},
      %layers.0.attn.v.bias: tensor<64xf32> {parc.param = "layers.0.attn.v.bias"},
      %layers.0.attn.o.weight: tensor<64x64xf32> {parc.param = "layers.0.attn.o.weight"},
      %layers.0.attn.o.bias: tensor<64xf32> {parc.param = "layers.0.attn.o.bias"},
      %layers.0.mlp_norm.weight: tensor<64xf32> {parc.param = "layers.0.mlp_norm.weight"},
      %layers.0.mlp_norm.bias: tensor<64xf32> {parc.param = "layers.0.mlp_norm.bias"},
      %layers.0.mlp.up.weight: tensor<64x256xf32> {parc.param = "layers.0.mlp.up.weight"},
      %layers.0.mlp.up.bias: tensor<256xf32> {parc.param = "layers.0.mlp.up.bias"},
      %layers.0.mlp.down.weight: tensor<256x64xf32> {parc.param = "layers.0.mlp.down.weight"},
      %layers.0.mlp.down.bias: tensor<64xf32> {parc.param = "layers.0.mlp.down.bias"},
      %final_norm.weight: tensor<64xf32> {parc.param = "final_norm.weight"},
      %final_norm.bias: tensor<64xf32> {parc.param = "final_norm.bias"},
      %grad.embed.tokens.weight: tensor<128x64xf32> {parc.grad = "embed.tokens.weight"},
      %grad.embed.positions.weight: tensor<32x64xf32> {parc.grad = "embed.positions.weight"},
      %grad.layers.0.attn_norm.weight: tensor<64xf32> {parc.grad = "layers.0.attn_norm.weight"},
      %grad.layers.0.attn_norm.bias: tensor<64xf32> {parc.grad = "layers.0.attn_norm.bias"},
      %grad.layers.0.attn.q.weight: tensor<64x64xf32> {parc.grad = "layers.0.attn.q.weight"},
      %grad.layers.0.attn.q.bias: tensor<64xf32> {parc.grad = "layers.0.attn.q.bias"},
      %grad.layers.0.attn.k.weight: tensor<64x64xf32> {parc.grad = "layers.0.attn.k.weight"},
      %grad.layers.0.attn.k.bias: tensor<64xf32> {parc.grad = "layers.0.attn.k.bias"},
      %grad.layers.0.attn.v.weight: tensor<64x64xf32> {parc.grad = "layers.0.attn.v.weight"},
      %grad.layers.0.attn.v.bias: tensor<64xf32> {parc.grad = "layers.0.attn.v.bias"},
      %grad.layers.0.attn.o.weight: tensor<64x64xf32> {parc.grad = "layers.0.attn.o.weight"},
      %grad.layers.0.attn.o.bias: tensor<64xf32> {parc.grad = "layers.0.attn.o.bias"},
      %grad.layers.0.mlp_norm.weight: tensor<64xf32> {parc.grad = "layers.0.mlp_norm.weight"},
      %grad.layers.0.mlp_norm.bias: tensor<64xf32> {parc.grad = "layers.0.mlp_norm.bias"},
      %grad.layers.0.mlp.up.weight: tensor<64x256xf32> {parc.grad = "layers.0.mlp.up.weight"},
      %grad.layers.0.mlp.up.bias: tensor<256xf32> {parc.grad = "layers.0.mlp.up.bias"},
      %grad.layers.0.mlp.down.weight: tensor<256x64xf32> {parc.grad = "layers.0.mlp.down.weight"},
      %grad.layers.0.mlp.down.bias: tensor<64xf32> {parc.grad = "layers.0.mlp.down.bias"},
      %grad.final_norm.weight: tensor<64xf32> {parc.grad = "final_norm.weight"},
      %grad.final_norm.bias: tensor<64xf32> {parc.grad = "final_norm.bias"},
      %exp_avg.embed.tokens.weight: tensor<128x64xf32> {parc.state = "exp_avg.embed.tokens.weight"},
      %exp_avg.embed.positions.weight: tensor<32x64xf32> {parc.state = "exp_avg.embed.positions.weight"},
      %exp_avg.layers.0.attn_norm.weight: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn_norm.weight"},
      %exp_avg.layers.0.attn_norm.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn_norm.bias"},
      %exp_avg.layers.0.attn.q.weight: tensor<64x64xf32> {parc.state = "exp_avg.layers.0.attn.q.weight"},
      %exp_avg.layers.0.attn.q.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn.q.bias"},
      %exp_avg.layers.0.attn.k.weight: tensor<64x64xf32> {parc.state = "exp_avg.layers.0.attn.k.weight"},
      %exp_avg.layers.0.attn.k.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn.k.bias"},
      %exp_avg.layers.0.attn.v.weight: tensor<64x64xf32> {parc.state = "exp_avg.layers.0.attn.v.weight"},
      %exp_avg.layers.0.attn.v.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn.v.bias"},
      %exp_avg.layers.0.attn.o.weight: tensor<64x64xf32> {parc.state = "exp_avg.layers.0.attn.o.weight"},
      %exp_avg.layers.0.attn.o.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.attn.o.bias"},
      %exp_avg.layers.0.mlp_norm.weight: tensor<64xf32> {parc.state = "exp_avg.layers.0.mlp_norm.weight"},
      %exp_avg.layers.0.mlp_norm.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.mlp_norm.bias"},
      %exp_avg.layers.0.mlp.up.weight: tensor<64x256xf32> {parc.state = "exp_avg.layers.0.mlp.up.weight"},
      %exp_avg.layers.0.mlp.up.bias: tensor<256xf32> {parc.state = "exp_avg.layers.0.mlp.up.bias"},
      %exp_avg.layers.0.mlp.down.weight: tensor<256x64xf32> {parc.state = "exp_avg.layers.0.mlp.down.weight"},
      %exp_avg.layers.0.mlp.down.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.mlp.down.bias"},
      %exp_avg.final_norm.weight: tensor<64xf32> {parc.state = "exp_avg.final_norm.weight"},
      %exp_avg.final_norm.bias: tensor<64xf32> {parc.state = "exp_avg.final_norm.bias"},
      %exp_avg_sq.embed.tokens.weight: tensor<128x64xf32> {parc.state = "exp_avg_sq.embed.tokens.weight"},
      %exp_avg_sq.embed.positions.weight: tensor<32x64xf32> {parc.state = "exp_avg_sq.embed.positions.weight"},
      %exp_avg_sq.layers.0.attn_norm.weight: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn_norm.weight"},
      %exp_avg_sq.layers.0.attn_norm.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn_norm.bias"},
      %exp_avg_sq.layers.0.attn.q.weight: tensor<64x64xf32> {parc.state = "exp_avg_sq.layers.0.attn.q.weight"},
      %exp_avg_sq.layers.0.attn.q.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn.q.bias"},
      %exp_avg_sq.layers.0.attn.k.weight: tensor<64x64xf32> {parc.state = "exp_avg_sq.layers.0.attn.k.weight"},
      %exp_avg_sq.layers.0.attn.k.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn.k.bias"},
      %exp_avg_sq.layers.0.attn.v.weight: tensor<64x64xf32> {parc.state = "exp_avg_sq.layers.0.attn.v.weight"},
      %exp_avg_sq.layers.0.attn.v.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn.v.bias"},
      %exp_avg_sq.layers.0.attn.o.weight: tensor<64x64xf32> {parc.state = "exp_avg_sq.layers.0.attn.o.weight"},
      %exp_avg_sq.layers.0.attn.o.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.attn.o.bias"},
      %exp_avg_sq.layers.0.mlp_norm.weight: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.mlp_norm.weight"},
      %exp_avg_sq.layers.0.mlp_norm.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.mlp_norm.bias"},
      %exp_avg_sq.layers.0.mlp.up.weight: tensor<64x256xf32> {parc.state = "exp_avg_sq.layers.0.mlp.up.weight"},
      %exp_avg_sq.layers.0.mlp.up.bias: tensor<256xf32> {parc.state = "exp_avg_sq.layers.0.mlp.up.bias"},
      %exp_avg_sq.layers.0.mlp.down.weight: tensor<256x64xf32> {parc.state = "exp_avg_sq.layers.0.mlp.down.weight"},
      %exp_avg_sq.layers.0.mlp.down.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.mlp.down.bias"},
      %exp_avg_sq.final_norm.weight: tensor<64xf32> {parc.state = "exp_avg_sq.final_norm.weight"},
      %exp_avg_sq.final_norm.bias: tensor<64xf32> {parc.state = "exp_avg_sq.final_norm.bias"},
      %step: tensor<i64> {parc.input = "step"}) -> (tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
    %0 = "graph.mul"(%grad.embed.tokens.weight, %grad.embed.tokens.weight) : (tensor<128x64xf32>, tensor<128x64xf32>) -> tensor<128x64xf32>
    %1 = "graph.reduce_sum"(%0) {axes = array<i64: 0, 1>} : (tensor<128x64xf32>) -> tensor<f32>
    %2 = "graph.mul"(%grad.embed.positions.weight, %grad.embed.positions.weight) : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
    %3 = "graph.reduce_sum"(%2) {axes = array<i64: 0, 1>} : (tensor<32x64xf32>) -> tensor<f32>
    %4 = "graph.add"(%1, %3) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %5 = "graph.mul"(%grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.weight) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %6 = "graph.reduce_sum"(%5) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %7 = "graph.add"(%4, %6) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %8 = "graph.mul"(%grad.layers.0.attn_norm.bias, %grad.layers.0.attn_norm.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %9 = "graph.reduce_sum"(%8) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %10 = "graph.add"(%7, %9) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %11 = "graph.mul"(%grad.layers.0.attn.q.weight, %grad.layers.0.attn.q.weight) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %12 = "graph.reduce_sum"(%11) {axes = array<i64: 0, 1>} : (tensor<64x64xf32>) -> tensor<f32>
    %13 = "graph.add"(%10, %12) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %14 = "graph.mul"(%grad.layers.0.attn.q.bias, %grad.layers.0.attn.q.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %15 = "graph.reduce_sum"(%14) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %16 = "graph.add"(%13, %15) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %17 = "graph.mul"(%grad.layers.0.attn.k.weight, %grad.layers.0.attn.k.weight) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %18 = "graph.reduce_sum"(%17) {axes = array<i64: 0, 1>} : (tensor<64x64xf32>) -> tensor<f32>
    %19 = "graph.add"(%16, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %20 = "graph.mul"(%grad.layers.0.attn.k.bias, %grad.layers.0.attn.k.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %21 = "graph.reduce_sum"(%20) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %22 = "graph.add"(%19, %21) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %23 = "graph.mul"(%grad.layers.0.attn.v.weight, %grad.layers.0.attn.v.weight) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %24 = "graph.reduce_sum"(%23) {axes = array<i64: 0, 1>} : (tensor<64x64xf32>) -> tensor<f32>
    %25 = "graph.add"(%22, %24) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %26 = "graph.mul"(%grad.layers.0.attn.v.bias, %grad.layers.0.attn.v.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %27 = "graph.reduce_sum"(%26) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %28 = "graph.add"(%25, %27) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %29 = "graph.mul"(%grad.layers.0.attn.o.weight, %grad.layers.0.attn.o.weight) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %30 = "graph.reduce_sum"(%29) {axes = array<i64: 0, 1>} : (tensor<64x64xf32>) -> tensor<f32>
    %31 = "graph.add"(%28, %30) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %32 = "graph.mul"(%grad.layers.0.attn.o.bias, %grad.layers.0.attn.o.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %33 = "graph.reduce_sum"(%32) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %34 = "graph.add"(%31, %33) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %35 = "graph.mul"(%grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.weight) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %36 = "graph.reduce_sum"(%35) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %37 = "graph.add"(%34, %36) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %38 = "graph.mul"(%grad.layers.0.mlp_norm.bias, %grad.layers.0.mlp_norm.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %39 = "graph.reduce_sum"(%38) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %40 = "graph.add"(%37, %39) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %41 = "graph.mul"(%grad.layers.0.mlp.up.weight, %grad.layers.0.mlp.up.weight) : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
    %42 = "graph.reduce_sum"(%41) {axes = array<i64: 0, 1>} : (tensor<64x256xf32>) -> tensor<f32>
    %43 = "graph.add"(%40, %42) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %44 = "graph.mul"(%grad.layers.0.mlp.up.bias, %grad.layers.0.mlp.up.bias) : (tensor<256xf32>, tensor<256xf32>) -> tensor<256xf32>
    %45 = "graph.reduce_sum"(%44) {axes = array<i64: 0>} : (tensor<256xf32>) -> tensor<f32>
    %46 = "graph.add"(%43, %45) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %47 = "graph.mul"(%grad.layers.0.mlp.down.weight, %grad.layers.0.mlp.down.weight) : (tensor<256x64xf32>, tensor<256x64xf32>) -> tensor<256x64xf32>
    %48 = "graph.reduce_sum"(%47) {axes = array<i64: 0, 1>} : (tensor<256x64xf32>) -> tensor<f32>
    %49 = "graph.add"(%46, %48) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %50 = "graph.mul"(%grad.layers.0.mlp.down.bias, %grad.layers.0.mlp.down.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %51 = "graph.reduce_sum"(%50) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %52 = "graph.add"(%49, %51) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %53 = "graph.mul"(%grad.final_norm.weight, %grad.final_norm.weight) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %54 = "graph.reduce_sum"(%53) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %55 = "graph.add"(%52, %54) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %56 = "graph.mul"(%grad.final_norm.bias, %grad.final_norm.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %57 = "graph.reduce_sum"(%56) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %grad_sum_of_squares = "graph.add"(%55, %57) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %clip_coef = "graph.clip_coef"(%grad_sum_of_squares) {max_norm = 1.0 : f64} : (tensor<f32>) -> tensor<f32>
    %lr = "graph.lr_schedule"(%step) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (tensor<i64>) -> tensor<f32>
    %58 = "graph.mul"(%grad.embed.tokens.weight, %clip_coef) : (tensor<128x64xf32>, tensor<f32>) -> tensor<128x64xf32>
    %new.embed.tokens.weight, %new.exp_avg.embed.tokens.weight, %new.exp_avg_sq.embed.tokens.weight = "graph.adamw_update"(%embed.tokens.weight, %58, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>)
    %59 = "graph.mul"(%grad.embed.positions.weight, %clip_coef) : (tensor<32x64xf32>, tensor<f32>) -> tensor<32x64xf32>
    %new.embed.positions.weight, %new.exp_avg.embed.positions.weight, %new.exp_avg_sq.embed.positions.weight = "graph.adamw_update"(%embed.positions.weight, %59, %exp_avg.embed.positions.weight, %exp_avg_sq.embed.positions.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>)
    %60 = "graph.mul"(%grad.layers.0.attn_norm.weight, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn_norm.weight, %new.exp_avg.layers.0.attn_norm.weight, %new.exp_avg_sq.layers.0.attn_norm.weight = "graph.adamw_update"(%layers.0.attn_norm.weight, %60, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %61 = "graph.mul"(%grad.layers.0.attn_norm.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn_norm.bias, %new.exp_avg.layers.0.attn_norm.bias, %new.exp_avg_sq.layers.0.attn_norm.bias = "graph.adamw_update"(%layers.0.attn_norm.bias, %61, %exp_avg.layers.0.attn_norm.bias, %exp_avg_sq.layers.0.attn_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %62 = "graph.mul"(%grad.layers.0.attn.q.weight, %clip_coef) : (tensor<64x64xf32>, tensor<f32>) -> tensor<64x64xf32>
    %new.layers.0.attn.q.weight, %new.exp_avg.layers.0.attn.q.weight, %new.exp_avg_sq.layers.0.attn.q.weight = "graph.adamw_update"(%layers.0.attn.q.weight, %62, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>)
    %63 = "graph.mul"(%grad.layers.0.attn.q.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn.q.bias, %new.exp_avg.layers.0.attn.q.bias, %new.exp_avg_sq.layers.0.attn.q.bias = "graph.adamw_update"(%layers.0.attn.q.bias, %63, %exp_avg.layers.0.attn.q.bias, %exp_avg_sq.layers.0.attn.q.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %64 = "graph.mul"(%grad.layers.0.attn.k.weight, %clip_coef) : (tensor<64x64xf32>, tensor<f32>) -> tensor<64x64xf32>
    %new.layers.0.attn.k.weight, %new.exp_avg.layers.0.attn.k.weight, %new.exp_avg_sq.layers.0.attn.k.weight = "graph.adamw_update"(%layers.0.attn.k.weight, %64, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>)
    %65 = "graph.mul"(%grad.layers.0.attn.k.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn.k.bias, %new.exp_avg.layers.0.attn.k.bias, %new.exp_avg_sq.layers.0.attn.k.bias = "graph.adamw_update"(%layers.0.attn.k.bias, %65, %exp_avg.layers.0.attn.k.bias, %exp_avg_sq.layers.0.attn.k.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %66 = "graph.mul"(%grad.layers.0.attn.v.weight, %clip_coef) : (tensor<64x64xf32>, tensor<f32>) -> tensor<64x64xf32>
    %new.layers.0.attn.v.weight, %new.exp_avg.layers.0.attn.v.weight, %new.exp_avg_sq.layers.0.attn.v.weight = "graph.adamw_update"(%layers.0.attn.v.weight, %66, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>)
    %67 = "graph.mul"(%grad.layers.0.attn.v.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn.v.bias, %new.exp_avg.layers.0.attn.v.bias, %new.exp_avg_sq.layers.0.attn.v.bias = "graph.adamw_update"(%layers.0.attn.v.bias, %67, %exp_avg.layers.0.attn.v.bias, %exp_avg_sq.layers.0.attn.v.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %68 = "graph.mul"(%grad.layers.0.attn.o.weight, %clip_coef) : (tensor<64x64xf32>, tensor<f32>) -> tensor<64x64xf32>
    %new.layers.0.attn.o.weight, %new.exp_avg.layers.0.attn.o.weight, %new.exp_avg_sq.layers.0.attn.o.weight = "graph.adamw_update"(%layers.0.attn.o.weight, %68, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>)
    %69 = "graph.mul"(%grad.layers.0.attn.o.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.attn.o.bias, %new.exp_avg.layers.0.attn.o.bias, %new.exp_avg_sq.layers.0.attn.o.bias = "graph.adamw_update"(%layers.0.attn.o.bias, %69, %exp_avg.layers.0.attn.o.bias, %exp_avg_sq.layers.0.attn.o.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %70 = "graph.mul"(%grad.layers.0.mlp_norm.weight, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.mlp_norm.weight, %new.exp_avg.layers.0.mlp_norm.weight, %new.exp_avg_sq.layers.0.mlp_norm.weight = "graph.adamw_update"(%layers.0.mlp_norm.weight, %70, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %71 = "graph.mul"(%grad.layers.0.mlp_norm.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.mlp_norm.bias, %new.exp_avg.layers.0.mlp_norm.bias, %new.exp_avg_sq.layers.0.mlp_norm.bias = "graph.adamw_update"(%layers.0.mlp_norm.bias, %71, %exp_avg.layers.0.mlp_norm.bias, %exp_avg_sq.layers.0.mlp_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %72 = "graph.mul"(%grad.layers.0.mlp.up.weight, %clip_coef) : (tensor<64x256xf32>, tensor<f32>) -> tensor<64x256xf32>
    %new.layers.0.mlp.up.weight, %new.exp_avg.layers.0.mlp.up.weight, %new.exp_avg_sq.layers.0.mlp.up.weight = "graph.adamw_update"(%layers.0.mlp.up.weight, %72, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64x256xf32>, tensor<64x256xf32>, tensor<64x256xf32>, tensor<64x256xf32>, tensor<f32>, tensor<i64>) -> (tensor<64x256xf32>, tensor<64x256xf32>, tensor<64x256xf32>)
    %73 = "graph.mul"(%grad.layers.0.mlp.up.bias, %clip_coef) : (tensor<256xf32>, tensor<f32>) -> tensor<256xf32>
    %new.layers.0.mlp.up.bias, %new.exp_avg.layers.0.mlp.up.bias, %new.exp_avg_sq.layers.0.mlp.up.bias = "graph.adamw_update"(%layers.0.mlp.up.bias, %73, %exp_avg.layers.0.mlp.up.bias, %exp_avg_sq.layers.0.mlp.up.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<f32>, tensor<i64>) -> (tensor<256xf32>, tensor<256xf32>, tensor<256xf32>)
    %74 = "graph.mul"(%grad.layers.0.mlp.down.weight, %clip_coef) : (tensor<256x64xf32>, tensor<f32>) -> tensor<256x64xf32>
    %new.layers.0.mlp.down.weight, %new.exp_avg.layers.0.mlp.down.weight, %new.exp_avg_sq.layers.0.mlp.down.weight = "graph.adamw_update"(%layers.0.mlp.down.weight, %74, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<f32>, tensor<i64>) -> (tensor<256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>)
    %75 = "graph.mul"(%grad.layers.0.mlp.down.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.layers.0.mlp.down.bias, %new.exp_avg.layers.0.mlp.down.bias, %new.exp_avg_sq.layers.0.mlp.down.bias = "graph.adamw_update"(%layers.0.mlp.down.bias, %75, %exp_avg.layers.0.mlp.down.bias, %exp_avg_sq.layers.0.mlp.down.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %76 = "graph.mul"(%grad.final_norm.weight, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.final_norm.weight, %new.exp_avg.final_norm.weight, %new.exp_avg_sq.final_norm.weight = "graph.adamw_update"(%final_norm.weight, %76, %exp_avg.final_norm.weight, %exp_avg_sq.final_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %77 = "graph.mul"(%grad.final_norm.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %new.final_norm.bias, %new.exp_avg.final_norm.bias, %new.exp_avg_sq.final_norm.bias = "graph.adamw_update"(%final_norm.bias, %77, %exp_avg.final_norm.bias, %exp_avg_sq.final_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    "func.return"(%new.embed.tokens.weight, %new.embed.positions.weight, %new.layers.0.attn_norm.weight, %new.layers.0.attn_norm.bias, %new.layers.0.attn.q.weight, %new.layers.0.attn.q.bias, %new.layers.0.attn.k.weight, %new.layers.0.attn.k.bias, %new.layers.0.attn.v.weight, %new.layers.0.attn.v.bias, %new.layers.0.attn.o.weight, %new.layers.0.attn.o.bias, %new.layers.0.mlp_norm.weight, %new.layers.0.mlp_norm.bias, %new.layers.0.mlp.up.weight, %new.layers.0.mlp.up.bias, %new.layers.0.mlp.down.weight, %new.layers.0.mlp.down.bias, %new.final_norm.weight, %new.final_norm.bias, %new.exp_avg.embed.tokens.weight, %new.exp_avg.embed.positions.weight, %new.exp_avg.layers.0.attn_norm.weight, %new.exp_avg.layers.0.attn_norm.bias, %new.exp_avg.layers.0.attn.q.weight, %new.exp_avg.layers.0.attn.q.bias, %new.exp_avg.layers.0.attn.k.weight, %new.exp_avg.layers.0.attn.k.bias, %new.exp_avg.layers.0.attn.v.weight, %new.exp_avg.layers.0.attn.v.bias, %new.exp_avg.layers.0.attn.o.weight, %new.exp_avg.layers.0.attn.o.bias, %new.exp_avg.layers.0.mlp_norm.weight, %new.exp_avg.layers.0.mlp_norm.bias, %new.exp_avg.layers.0.mlp.up.weight, %new.exp_avg.layers.0.mlp.up.bias, %new.exp_avg.layers.0.mlp.down.weight, %new.exp_avg.layers.0.mlp.down.bias, %new.exp_avg.final_norm.weight, %new.exp_avg.final_norm.bias, %new.exp_avg_sq.embed.tokens.weight, %new.exp_avg_sq.embed.positions.weight, %new.exp_avg_sq.layers.0.attn_norm.weight, %new.exp_avg_sq.layers.0.attn_norm.bias, %new.exp_avg_sq.layers.0.attn.q.weight, %new.exp_avg_sq.layers.0.attn.q.bias, %new.exp_avg_sq.layers.0.attn.k.weight, %new.exp_avg_sq.layers.0.attn.k.bias, %new.exp_avg_sq.layers.0.attn.v.weight, %new.exp_avg_sq.layers.0.attn.v.bias, %new.exp_avg_sq.layers.0.attn.o.weight, %new.exp_avg_sq.layers.0.attn.o.bias, %new.exp_avg_sq.layers.0.mlp_norm.weight, %new.exp_avg_sq.layers.0.mlp_norm.bias, %new.exp_avg_sq.layers.0.mlp.up.weight, %new.exp_avg_sq.layers.0.mlp.up.bias, %new.exp_avg_sq.layers.0.mlp.down.weight, %new.exp_avg_sq.layers.0.mlp.down.bias, %new.exp_avg_sq.final_norm.weight, %new.exp_avg_sq.final_norm.bias) : (tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> ()
  }
}
