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
}
