module attributes {parc.model = {activation = "gelu", bias = true, ffn = 256 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 4 : i64, layers = 1 : i64, name = "gpt-tiny", norm = "layernorm", position = "learned", seq_len = 32 : i64, tie_embeddings = true, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}, sharding.mesh = {dp = 2 : i64, tp = 2 : i64}, sharding.params = [{name = "embed.tokens.weight", placement = ["R", "S(0)"], shape = array<i64: 128, 64>, zero_flat = false}, {name = "embed.positions.weight", placement = ["R", "R"], shape = array<i64: 32, 64>, zero_flat = false}, {name = "layers.0.attn_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.q.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.q.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.k.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.k.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.v.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.v.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.o.weight", placement = ["R", "S(0)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.o.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp.up.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 256>, zero_flat = false}, {name = "layers.0.mlp.up.bias", placement = ["R", "S(0)"], shape = array<i64: 256>, zero_flat = false}, {name = "layers.0.mlp.down.weight", placement = ["R", "S(0)"], shape = array<i64: 256, 64>, zero_flat = false}, {name = "layers.0.mlp.down.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}]} {
  func.func @forward_backward(
      %tokens: tensor<2x32xi32> {parc.input = "tokens"},
      %labels: tensor<2x32xi32> {parc.input = "labels"},
      %embed.tokens.weight: tensor<64x64xf32> {parc.param = "embed.tokens.weight", parc.tp = "vocab"},
      %embed.positions.weight: tensor<32x64xf32> {parc.param = "embed.positions.weight"},
      %layers.0.attn_norm.weight: tensor<64xf32> {parc.param = "layers.0.attn_norm.weight"},
      %layers.0.attn_norm.bias: tensor<64xf32> {parc.param = "layers.0.attn_norm.bias"},
      %layers.0.attn.q.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.q.weight", parc.tp = "column"},
      %layers.0.attn.q.bias: tensor<32xf32> {parc.param = "layers.0.attn.q.bias", parc.tp = "column"},
      %layers.0.attn.k.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.k.weight", parc.tp = "column"},
      %layers.0.attn.k.bias: tensor<32xf32> {parc.param = "layers.0.attn.k.bias", parc.tp = "column"},
      %layers.0.attn.v.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.v.weight", parc.tp = "column"},
      %layers.0.attn.v.bias: tensor<32xf32> {parc.param = "layers.0.attn.v.bias", parc.tp = "column"},
      %layers.0.attn.o.weight: tensor<32x64xf32> {parc.param = "layers.0.attn.o.weight", parc.tp = "row"},
      %layers.0.attn.o.bias: tensor<64xf32> {parc.param = "layers.0.attn.o.bias", parc.tp = "row"},
      %layers.0.mlp_norm.weight: tensor<64xf32> {parc.param = "layers.0.mlp_norm.weight"},
      %layers.0.mlp_norm.bias: tensor<64xf32> {parc.param = "layers.0.mlp_norm.bias"},
      %layers.0.mlp.up.weight: tensor<64x128xf32> {parc.param = "layers.0.mlp.up.weight", parc.tp = "column"},
      %layers.0.mlp.up.bias: tensor<128xf32> {parc.param = "layers.0.mlp.up.bias", parc.tp = "column"},
      %layers.0.mlp.down.weight: tensor<128x64xf32> {parc.param = "layers.0.mlp.down.weight", parc.tp = "row"},
      %layers.0.mlp.down.bias: tensor<64xf32> {parc.param = "layers.0.mlp.down.bias", parc.tp = "row"},
      %final_norm.weight: tensor<64xf32> {parc.param = "final_norm.weight"},
      %final_norm.bias: tensor<64xf32> {parc.param = "final_norm.bias"}) -> (tensor<f32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) {
    %0 = "graph.embedding"(%embed.tokens.weight, %tokens) {shard_axis = "tp"} : (tensor<64x64xf32>, tensor<2x32xi32>) -> tensor<2x32x64xf32>
    %1 = "dist.all_reduce"(%0) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %embed = "graph.add"(%1, %embed.positions.weight) : (tensor<2x32x64xf32>, tensor<32x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_in = "graph.layer_norm"(%embed, %layers.0.attn_norm.weight, %layers.0.attn_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %2 = "graph.matmul"(%l0.attn_in, %layers.0.attn.q.weight) : (tensor<2x32x64xf32>, tensor<64x32xf32>) -> tensor<2x32x32xf32>
    %3 = "graph.add"(%2, %layers.0.attn.q.bias) : (tensor<2x32x32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
    %4 = "graph.matmul"(%l0.attn_in, %layers.0.attn.k.weight) : (tensor<2x32x64xf32>, tensor<64x32xf32>) -> tensor<2x32x32xf32>
    %5 = "graph.add"(%4, %layers.0.attn.k.bias) : (tensor<2x32x32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
    %6 = "graph.matmul"(%l0.attn_in, %layers.0.attn.v.weight) : (tensor<2x32x64xf32>, tensor<64x32xf32>) -> tensor<2x32x32xf32>
    %7 = "graph.add"(%6, %layers.0.attn.v.bias) : (tensor<2x32x32xf32>, tensor<32xf32>) -> tensor<2x32x32xf32>
    %8 = "graph.reshape"(%3) {shape = array<i64: 2, 32, 2, 16>} : (tensor<2x32x32xf32>) -> tensor<2x32x2x16xf32>
    %9 = "graph.reshape"(%5) {shape = array<i64: 2, 32, 2, 16>} : (tensor<2x32x32xf32>) -> tensor<2x32x2x16xf32>
    %10 = "graph.reshape"(%7) {shape = array<i64: 2, 32, 2, 16>} : (tensor<2x32x32xf32>) -> tensor<2x32x2x16xf32>
    %l0.q = "graph.transpose"(%8) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x2x16xf32>) -> tensor<2x2x32x16xf32>
    %l0.k = "graph.transpose"(%9) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x2x16xf32>) -> tensor<2x2x32x16xf32>
    %l0.v = "graph.transpose"(%10) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x2x16xf32>) -> tensor<2x2x32x16xf32>
    %11 = "graph.matmul"(%l0.q, %l0.k) {transpose_b = true} : (tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x32xf32>
    %l0.scores = "graph.scale"(%11) {factor = 0.25 : f64} : (tensor<2x2x32x32xf32>) -> tensor<2x2x32x32xf32>
    %l0.probs = "graph.softmax"(%l0.scores) {causal = true} : (tensor<2x2x32x32xf32>) -> tensor<2x2x32x32xf32>
    %12 = "graph.matmul"(%l0.probs, %l0.v) : (tensor<2x2x32x32xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x16xf32>
    %13 = "graph.transpose"(%12) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x32x16xf32>) -> tensor<2x32x2x16xf32>
    %14 = "graph.reshape"(%13) {shape = array<i64: 2, 32, 32>} : (tensor<2x32x2x16xf32>) -> tensor<2x32x32xf32>
    %15 = "graph.matmul"(%14, %layers.0.attn.o.weight) : (tensor<2x32x32xf32>, tensor<32x64xf32>) -> tensor<2x32x64xf32>
    %16 = "dist.all_reduce"(%15) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %l0.attn_out = "graph.add"(%16, %layers.0.attn.o.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.resid = "graph.add"(%embed, %l0.attn_out) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %l0.mlp_in = "graph.layer_norm"(%l0.resid, %layers.0.mlp_norm.weight, %layers.0.mlp_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %17 = "graph.matmul"(%l0.mlp_in, %layers.0.mlp.up.weight) : (tensor<2x32x64xf32>, tensor<64x128xf32>) -> tensor<2x32x128xf32>
    %18 = "graph.add"(%17, %layers.0.mlp.up.bias) : (tensor<2x32x128xf32>, tensor<128xf32>) -> tensor<2x32x128xf32>
    %l0.mlp_act = "graph.gelu"(%18) : (tensor<2x32x128xf32>) -> tensor<2x32x128xf32>
    %19 = "graph.matmul"(%l0.mlp_act, %layers.0.mlp.down.weight) : (tensor<2x32x128xf32>, tensor<128x64xf32>) -> tensor<2x32x64xf32>
    %20 = "dist.all_reduce"(%19) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %21 = "graph.add"(%20, %layers.0.mlp.down.bias) : (tensor<2x32x64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %l0.out = "graph.add"(%l0.resid, %21) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %22 = "graph.layer_norm"(%l0.out, %final_norm.weight, %final_norm.bias) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x32x64xf32>
    %logits = "graph.matmul"(%22, %embed.tokens.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %23 = "graph.reduce_max"(%logits) {axes = array<i64: -1>} : (tensor<2x32x64xf32>) -> tensor<2x32xf32>
    %logits_max = "dist.all_reduce"(%23) {axis = "tp", op = "max", size = 2 : i64} : (tensor<2x32xf32>) -> tensor<2x32xf32>
    %24, %25 = "graph.cross_entropy_stats"(%logits, %labels, %logits_max) {shard_axis = "tp", vocab = 128 : i64} : (tensor<2x32x64xf32>, tensor<2x32xi32>, tensor<2x32xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>)
    %logits_sumexp, %target_logit = "dist.all_reduce"(%24, %25) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32xf32>, tensor<2x32xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>)
    %token_loss = "graph.cross_entropy_from_stats"(%logits_sumexp, %logits_max, %target_logit) : (tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>) -> tensor<2x32xf32>
    %26 = "graph.reduce_sum"(%token_loss) {axes = array<i64: 0, 1>} : (tensor<2x32xf32>) -> tensor<f32>
    %loss = "graph.scale"(%26) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
    %27 = "graph.fill"() {dtype = "f32", shape = array<i64>, value = 1.0 : f64} : () -> tensor<f32>
    %28 = "graph.scale"(%27) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
    %29 = "graph.reshape"(%28) {shape = array<i64: 1, 1>} : (tensor<f32>) -> tensor<1x1xf32>
    %30 = "graph.broadcast"(%29) {shape = array<i64: 4, 32>} : (tensor<1x1xf32>) -> tensor<4x32xf32>
    %31 = "dist.shard_slice"(%30) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<4x32xf32>) -> tensor<2x32xf32>
    %32 = "graph.cross_entropy_grad_stats"(%logits, %labels, %logits_max, %logits_sumexp, %31) {shard_axis = "tp", vocab = 128 : i64} : (tensor<2x32x64xf32>, tensor<2x32xi32>, tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>) -> tensor<2x32x64xf32>
    %33 = "graph.matmul"(%32, %embed.tokens.weight) : (tensor<2x32x64xf32>, tensor<64x64xf32>) -> tensor<2x32x64xf32>
    %34 = "graph.reshape"(%22) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %35 = "graph.reshape"(%32) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %36 = "graph.matmul"(%35, %34) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %37, %grad.final_norm.weight, %grad.final_norm.bias = "graph.layer_norm_grad"(%l0.out, %final_norm.weight, %33) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %38 = "graph.reduce_sum"(%37) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.mlp.down.bias = "graph.reshape"(%38) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %39 = "dist.all_reduce"(%37) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %40 = "graph.matmul"(%39, %layers.0.mlp.down.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<128x64xf32>) -> tensor<2x32x128xf32>
    %41 = "graph.reshape"(%l0.mlp_act) {shape = array<i64: 64, 128>} : (tensor<2x32x128xf32>) -> tensor<64x128xf32>
    %42 = "graph.reshape"(%37) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %43 = "graph.reshape"(%39) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.mlp.down.weight = "graph.matmul"(%41, %43) {transpose_a = true} : (tensor<64x128xf32>, tensor<64x64xf32>) -> tensor<128x64xf32>
    %44 = "graph.gelu_grad"(%18, %40) : (tensor<2x32x128xf32>, tensor<2x32x128xf32>) -> tensor<2x32x128xf32>
    %45 = "graph.reduce_sum"(%44) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x128xf32>) -> tensor<1x1x128xf32>
    %grad.layers.0.mlp.up.bias = "graph.reshape"(%45) {shape = array<i64: 128>} : (tensor<1x1x128xf32>) -> tensor<128xf32>
    %46 = "graph.matmul"(%44, %layers.0.mlp.up.weight) {transpose_b = true} : (tensor<2x32x128xf32>, tensor<64x128xf32>) -> tensor<2x32x64xf32>
    %47 = "graph.reshape"(%l0.mlp_in) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %48 = "graph.reshape"(%44) {shape = array<i64: 64, 128>} : (tensor<2x32x128xf32>) -> tensor<64x128xf32>
    %grad.layers.0.mlp.up.weight = "graph.matmul"(%47, %48) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
    %49, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.bias = "graph.layer_norm_grad"(%l0.resid, %layers.0.mlp_norm.weight, %46) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %50 = "graph.add"(%37, %49) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %51 = "graph.reduce_sum"(%50) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x1x64xf32>
    %grad.layers.0.attn.o.bias = "graph.reshape"(%51) {shape = array<i64: 64>} : (tensor<1x1x64xf32>) -> tensor<64xf32>
    %52 = "dist.all_reduce"(%50) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %53 = "graph.matmul"(%52, %layers.0.attn.o.weight) {transpose_b = true} : (tensor<2x32x64xf32>, tensor<32x64xf32>) -> tensor<2x32x32xf32>
    %54 = "graph.reshape"(%14) {shape = array<i64: 64, 32>} : (tensor<2x32x32xf32>) -> tensor<64x32xf32>
    %55 = "graph.reshape"(%50) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %56 = "graph.reshape"(%52) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %grad.layers.0.attn.o.weight = "graph.matmul"(%54, %56) {transpose_a = true} : (tensor<64x32xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
    %57 = "graph.reshape"(%53) {shape = array<i64: 2, 32, 2, 16>} : (tensor<2x32x32xf32>) -> tensor<2x32x2x16xf32>
    %58 = "graph.transpose"(%57) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x32x2x16xf32>) -> tensor<2x2x32x16xf32>
    %59 = "graph.matmul"(%58, %l0.v) {transpose_b = true} : (tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x32xf32>
    %60 = "graph.matmul"(%l0.probs, %58) {transpose_a = true} : (tensor<2x2x32x32xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x16xf32>
    %61 = "graph.softmax_grad"(%l0.probs, %59) : (tensor<2x2x32x32xf32>, tensor<2x2x32x32xf32>) -> tensor<2x2x32x32xf32>
    %62 = "graph.scale"(%61) {factor = 0.25 : f64} : (tensor<2x2x32x32xf32>) -> tensor<2x2x32x32xf32>
    %63 = "graph.matmul"(%62, %l0.k) : (tensor<2x2x32x32xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x16xf32>
    %64 = "graph.matmul"(%62, %l0.q) {transpose_a = true} : (tensor<2x2x32x32xf32>, tensor<2x2x32x16xf32>) -> tensor<2x2x32x16xf32>
    %65 = "graph.transpose"(%60) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x32x16xf32>) -> tensor<2x32x2x16xf32>
    %66 = "graph.transpose"(%64) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x32x16xf32>) -> tensor<2x32x2x16xf32>
    %67 = "graph.transpose"(%63) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x32x16xf32>) -> tensor<2x32x2x16xf32>
    %68 = "graph.reshape"(%65) {shape = array<i64: 2, 32, 32>} : (tensor<2x32x2x16xf32>) -> tensor<2x32x32xf32>
    %69 = "graph.reshape"(%66) {shape = array<i64: 2, 32, 32>} : (tensor<2x32x2x16xf32>) -> tensor<2x32x32xf32>
    %70 = "graph.reshape"(%67) {shape = array<i64: 2, 32, 32>} : (tensor<2x32x2x16xf32>) -> tensor<2x32x32xf32>
    %71 = "graph.reduce_sum"(%68) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x32xf32>) -> tensor<1x1x32xf32>
    %grad.layers.0.attn.v.bias = "graph.reshape"(%71) {shape = array<i64: 32>} : (tensor<1x1x32xf32>) -> tensor<32xf32>
    %72 = "graph.matmul"(%68, %layers.0.attn.v.weight) {transpose_b = true} : (tensor<2x32x32xf32>, tensor<64x32xf32>) -> tensor<2x32x64xf32>
    %73 = "graph.reshape"(%l0.attn_in) {shape = array<i64: 64, 64>} : (tensor<2x32x64xf32>) -> tensor<64x64xf32>
    %74 = "graph.reshape"(%68) {shape = array<i64: 64, 32>} : (tensor<2x32x32xf32>) -> tensor<64x32xf32>
    %grad.layers.0.attn.v.weight = "graph.matmul"(%73, %74) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
    %75 = "graph.reduce_sum"(%69) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x32xf32>) -> tensor<1x1x32xf32>
    %grad.layers.0.attn.k.bias = "graph.reshape"(%75) {shape = array<i64: 32>} : (tensor<1x1x32xf32>) -> tensor<32xf32>
    %76 = "graph.matmul"(%69, %layers.0.attn.k.weight) {transpose_b = true} : (tensor<2x32x32xf32>, tensor<64x32xf32>) -> tensor<2x32x64xf32>
    %77 = "graph.reshape"(%69) {shape = array<i64: 64, 32>} : (tensor<2x32x32xf32>) -> tensor<64x32xf32>
    %grad.layers.0.attn.k.weight = "graph.matmul"(%73, %77) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
    %78 = "graph.add"(%72, %76) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %79 = "graph.reduce_sum"(%70) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x32x32xf32>) -> tensor<1x1x32xf32>
    %grad.layers.0.attn.q.bias = "graph.reshape"(%79) {shape = array<i64: 32>} : (tensor<1x1x32xf32>) -> tensor<32xf32>
    %80 = "graph.matmul"(%70, %layers.0.attn.q.weight) {transpose_b = true} : (tensor<2x32x32xf32>, tensor<64x32xf32>) -> tensor<2x32x64xf32>
    %81 = "graph.reshape"(%70) {shape = array<i64: 64, 32>} : (tensor<2x32x32xf32>) -> tensor<64x32xf32>
    %grad.layers.0.attn.q.weight = "graph.matmul"(%73, %81) {transpose_a = true} : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
    %82 = "graph.add"(%78, %80) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %83, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.bias = "graph.layer_norm_grad"(%embed, %layers.0.attn_norm.weight, %82) {eps = 1.0e-5 : f64} : (tensor<2x32x64xf32>, tensor<64xf32>, tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<64xf32>, tensor<64xf32>)
    %84 = "graph.add"(%50, %83) : (tensor<2x32x64xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %85 = "graph.reduce_sum"(%84) {axes = array<i64: 0>, keepdim = true} : (tensor<2x32x64xf32>) -> tensor<1x32x64xf32>
    %grad.embed.positions.weight = "graph.reshape"(%85) {shape = array<i64: 32, 64>} : (tensor<1x32x64xf32>) -> tensor<32x64xf32>
    %86 = "graph.embedding_grad"(%tokens, %84) {vocab = 128 : i64} : (tensor<2x32xi32>, tensor<2x32x64xf32>) -> tensor<128x64xf32>
    %87 = "dist.reduce_scatter"(%86) {axis = "tp", dim = 0 : i64, size = 2 : i64} : (tensor<128x64xf32>) -> tensor<64x64xf32>
    %grad.embed.tokens.weight = "graph.add"(%36, %87) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %88 = "graph.reshape"(%grad.embed.tokens.weight) {shape = array<i64: 4096>} : (tensor<64x64xf32>) -> tensor<4096xf32>
    %89 = "dist.reduce_scatter"(%88) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<4096xf32>) -> tensor<2048xf32>
    %90 = "graph.reshape"(%grad.embed.positions.weight) {shape = array<i64: 2048>} : (tensor<32x64xf32>) -> tensor<2048xf32>
    %91 = "dist.reduce_scatter"(%90) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %92 = "graph.reshape"(%grad.layers.0.attn_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %93 = "dist.reduce_scatter"(%92) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %94 = "graph.reshape"(%grad.layers.0.attn_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %95 = "dist.reduce_scatter"(%94) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %96 = "graph.reshape"(%grad.layers.0.attn.q.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %97 = "dist.reduce_scatter"(%96) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %98 = "graph.reshape"(%grad.layers.0.attn.q.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %99 = "dist.reduce_scatter"(%98) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %100 = "graph.reshape"(%grad.layers.0.attn.k.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %101 = "dist.reduce_scatter"(%100) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %102 = "graph.reshape"(%grad.layers.0.attn.k.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %103 = "dist.reduce_scatter"(%102) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %104 = "graph.reshape"(%grad.layers.0.attn.v.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %105 = "dist.reduce_scatter"(%104) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %106 = "graph.reshape"(%grad.layers.0.attn.v.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %107 = "dist.reduce_scatter"(%106) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %108 = "graph.reshape"(%grad.layers.0.attn.o.weight) {shape = array<i64: 2048>} : (tensor<32x64xf32>) -> tensor<2048xf32>
    %109 = "dist.reduce_scatter"(%108) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %110 = "graph.reshape"(%grad.layers.0.attn.o.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %111 = "dist.reduce_scatter"(%110) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %112 = "graph.reshape"(%grad.layers.0.mlp_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %113 = "dist.reduce_scatter"(%112) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %114 = "graph.reshape"(%grad.layers.0.mlp_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %115 = "dist.reduce_scatter"(%114) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %116 = "graph.reshape"(%grad.layers.0.mlp.up.weight) {shape = array<i64: 8192>} : (tensor<64x128xf32>) -> tensor<8192xf32>
    %117 = "dist.reduce_scatter"(%116) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<8192xf32>) -> tensor<4096xf32>
    %118 = "graph.reshape"(%grad.layers.0.mlp.up.bias) {shape = array<i64: 128>} : (tensor<128xf32>) -> tensor<128xf32>
    %119 = "dist.reduce_scatter"(%118) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<128xf32>) -> tensor<64xf32>
    %120 = "graph.reshape"(%grad.layers.0.mlp.down.weight) {shape = array<i64: 8192>} : (tensor<128x64xf32>) -> tensor<8192xf32>
    %121 = "dist.reduce_scatter"(%120) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<8192xf32>) -> tensor<4096xf32>
    %122 = "graph.reshape"(%grad.layers.0.mlp.down.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %123 = "dist.reduce_scatter"(%122) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %124 = "graph.reshape"(%grad.final_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %125 = "dist.reduce_scatter"(%124) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %126 = "graph.reshape"(%grad.final_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %127 = "dist.reduce_scatter"(%126) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    "func.return"(%loss, %89, %91, %93, %95, %97, %99, %101, %103, %105, %107, %109, %111, %113, %115, %117, %119, %121, %123, %125, %127) : (tensor<f32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> ()
  }

  func.func @optimizer_step(
      %embed.tokens.weight: tensor<64x64xf32> {parc.param = "embed.tokens.weight"},
      %embed.positions.weight: tensor<32x64xf32> {parc.param = "embed.positions.weight"},
      %layers.0.attn_norm.weight: tensor<64xf32> {parc.param = "layers.0.attn_norm.weight"},
      %layers.0.attn_norm.bias: tensor<64xf32> {parc.param = "layers.0.attn_norm.bias"},
      %layers.0.attn.q.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.q.weight"},
      %layers.0.attn.q.bias: tensor<32xf32> {parc.param = "layers.0.attn.q.bias"},
      %layers.0.attn.k.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.k.weight"},
      %layers.0.attn.k.bias: tensor<32xf32> {parc.param = "layers.0.attn.k.bias"},
      %layers.0.attn.v.weight: tensor<64x32xf32> {parc.param = "layers.0.attn.v.weight"},
      %layers.0.attn.v.bias: tensor<32xf32> {parc.param = "layers.0.attn.v.bias"},
      %layers.0.attn.o.weight: tensor<32x64xf32> {parc.param = "layers.0.attn.o.weight"},
      %layers.0.attn.o.bias: tensor<64xf32> {parc.param = "layers.0.attn.o.bias"},
      %layers.0.mlp_norm.weight: tensor<64xf32> {parc.param = "layers.0.mlp_norm.weight"},
      %layers.0.mlp_norm.bias: tensor<64xf32> {parc.param = "layers.0.mlp_norm.bias"},
      %layers.0.mlp.up.weight: tensor<64x128xf32> {parc.param = "layers.0.mlp.up.weight"},
      %layers.0.mlp.up.bias: tensor<128xf32> {parc.param = "layers.0.mlp.up.bias"},
      %layers.0.mlp.down.weight: tensor<128x64xf32> {parc.param = "layers.0.mlp.down.weight"},
      %layers.0.mlp.down.bias: tensor<64xf32> {parc.param = "layers.0.mlp.down.bias"},
      %final_norm.weight: tensor<64xf32> {parc.param = "final_norm.weight"},
      %final_norm.bias: tensor<64xf32> {parc.param = "final_norm.bias"},
      %grad.embed.tokens.weight: tensor<2048xf32> {parc.grad = "embed.tokens.weight"},
      %grad.embed.positions.weight: tensor<1024xf32> {parc.grad = "embed.positions.weight"},
      %grad.layers.0.attn_norm.weight: tensor<32xf32> {parc.grad = "layers.0.attn_norm.weight"},
      %grad.layers.0.attn_norm.bias: tensor<32xf32> {parc.grad = "layers.0.attn_norm.bias"},
      %grad.layers.0.attn.q.weight: tensor<1024xf32> {parc.grad = "layers.0.attn.q.weight"},
      %grad.layers.0.attn.q.bias: tensor<16xf32> {parc.grad = "layers.0.attn.q.bias"},
      %grad.layers.0.attn.k.weight: tensor<1024xf32> {parc.grad = "layers.0.attn.k.weight"},
      %grad.layers.0.attn.k.bias: tensor<16xf32> {parc.grad = "layers.0.attn.k.bias"},
      %grad.layers.0.attn.v.weight: tensor<1024xf32> {parc.grad = "layers.0.attn.v.weight"},
      %grad.layers.0.attn.v.bias: tensor<16xf32> {parc.grad = "layers.0.attn.v.bias"},
      %grad.layers.0.attn.o.weight: tensor<1024xf32> {parc.grad = "layers.0.attn.o.weight"},
      %grad.layers.0.attn.o.bias: tensor<32xf32> {parc.grad = "layers.0.attn.o.bias"},
      %grad.layers.0.mlp_norm.weight: tensor<32xf32> {parc.grad = "layers.0.mlp_norm.weight"},
      %grad.layers.0.mlp_norm.bias: tensor<32xf32> {parc.grad = "layers.0.mlp_norm.bias"},
      %grad.layers.0.mlp.up.weight: tensor<4096xf32> {parc.grad = "layers.0.mlp.up.weight"},
      %grad.layers.0.mlp.up.bias: tensor<64xf32> {parc.grad = "layers.0.mlp.up.bias"},
      %grad.layers.0.mlp.down.weight: tensor<4096xf32> {parc.grad = "layers.0.mlp.down.weight"},
      %grad.layers.0.mlp.down.bias: tensor<32xf32> {parc.grad = "layers.0.mlp.down.bias"},
      %grad.final_norm.weight: tensor<32xf32> {parc.grad = "final_norm.weight"},
      %grad.final_norm.bias: tensor<32xf32> {parc.grad = "final_norm.bias"},
      %exp_avg.embed.tokens.weight: tensor<2048xf32> {parc.state = "exp_avg.embed.tokens.weight"},
      %exp_avg.embed.positions.weight: tensor<1024xf32> {parc.state = "exp_avg.embed.positions.weight"},
      %exp_avg.layers.0.attn_norm.weight: tensor<32xf32> {parc.state = "exp_avg.layers.0.attn_norm.weight"},
      %exp_avg.layers.0.attn_norm.bias: tensor<32xf32> {parc.state = "exp_avg.layers.0.attn_norm.bias"},
      %exp_avg.layers.0.attn.q.weight: tensor<1024xf32> {parc.state = "exp_avg.layers.0.attn.q.weight"},
      %exp_avg.layers.0.attn.q.bias: tensor<16xf32> {parc.state = "exp_avg.layers.0.attn.q.bias"},
      %exp_avg.layers.0.attn.k.weight: tensor<1024xf32> {parc.state = "exp_avg.layers.0.attn.k.weight"},
      %exp_avg.layers.0.attn.k.bias: tensor<16xf32> {parc.state = "exp_avg.layers.0.attn.k.bias"},
      %exp_avg.layers.0.attn.v.weight: tensor<1024xf32> {parc.state = "exp_avg.layers.0.attn.v.weight"},
      %exp_avg.layers.0.attn.v.bias: tensor<16xf32> {parc.state = "exp_avg.layers.0.attn.v.bias"},
      %exp_avg.layers.0.attn.o.weight: tensor<1024xf32> {parc.state = "exp_avg.layers.0.attn.o.weight"},
      %exp_avg.layers.0.attn.o.bias: tensor<32xf32> {parc.state = "exp_avg.layers.0.attn.o.bias"},
      %exp_avg.layers.0.mlp_norm.weight: tensor<32xf32> {parc.state = "exp_avg.layers.0.mlp_norm.weight"},
      %exp_avg.layers.0.mlp_norm.bias: tensor<32xf32> {parc.state = "exp_avg.layers.0.mlp_norm.bias"},
      %exp_avg.layers.0.mlp.up.weight: tensor<4096xf32> {parc.state = "exp_avg.layers.0.mlp.up.weight"},
      %exp_avg.layers.0.mlp.up.bias: tensor<64xf32> {parc.state = "exp_avg.layers.0.mlp.up.bias"},
      %exp_avg.layers.0.mlp.down.weight: tensor<4096xf32> {parc.state = "exp_avg.layers.0.mlp.down.weight"},
      %exp_avg.layers.0.mlp.down.bias: tensor<32xf32> {parc.state = "exp_avg.layers.0.mlp.down.bias"},
      %exp_avg.final_norm.weight: tensor<32xf32> {parc.state = "exp_avg.final_norm.weight"},
      %exp_avg.final_norm.bias: tensor<32xf32> {parc.state = "exp_avg.final_norm.bias"},
      %exp_avg_sq.embed.tokens.weight: tensor<2048xf32> {parc.state = "exp_avg_sq.embed.tokens.weight"},
      %exp_avg_sq.embed.positions.weight: tensor<1024xf32> {parc.state = "exp_avg_sq.embed.positions.weight"},
      %exp_avg_sq.layers.0.attn_norm.weight: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.attn_norm.weight"},
      %exp_avg_sq.layers.0.attn_norm.bias: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.attn_norm.bias"},
      %exp_avg_sq.layers.0.attn.q.weight: tensor<1024xf32> {parc.state = "exp_avg_sq.layers.0.attn.q.weight"},
      %exp_avg_sq.layers.0.attn.q.bias: tensor<16xf32> {parc.state = "exp_avg_sq.layers.0.attn.q.bias"},
      %exp_avg_sq.layers.0.attn.k.weight: tensor<1024xf32> {parc.state = "exp_avg_sq.layers.0.attn.k.weight"},
      %exp_avg_sq.layers.0.attn.k.bias: tensor<16xf32> {parc.state = "exp_avg_sq.layers.0.attn.k.bias"},
      %exp_avg_sq.layers.0.attn.v.weight: tensor<1024xf32> {parc.state = "exp_avg_sq.layers.0.attn.v.weight"},
      %exp_avg_sq.layers.0.attn.v.bias: tensor<16xf32> {parc.state = "exp_avg_sq.layers.0.attn.v.bias"},
      %exp_avg_sq.layers.0.attn.o.weight: tensor<1024xf32> {parc.state = "exp_avg_sq.layers.0.attn.o.weight"},
      %exp_avg_sq.layers.0.attn.o.bias: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.attn.o.bias"},
      %exp_avg_sq.layers.0.mlp_norm.weight: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.mlp_norm.weight"},
      %exp_avg_sq.layers.0.mlp_norm.bias: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.mlp_norm.bias"},
      %exp_avg_sq.layers.0.mlp.up.weight: tensor<4096xf32> {parc.state = "exp_avg_sq.layers.0.mlp.up.weight"},
      %exp_avg_sq.layers.0.mlp.up.bias: tensor<64xf32> {parc.state = "exp_avg_sq.layers.0.mlp.up.bias"},
      %exp_avg_sq.layers.0.mlp.down.weight: tensor<4096xf32> {parc.state = "exp_avg_sq.layers.0.mlp.down.weight"},
      %exp_avg_sq.layers.0.mlp.down.bias: tensor<32xf32> {parc.state = "exp_avg_sq.layers.0.mlp.down.bias"},
      %exp_avg_sq.final_norm.weight: tensor<32xf32> {parc.state = "exp_avg_sq.final_norm.weight"},
      %exp_avg_sq.final_norm.bias: tensor<32xf32> {parc.state = "exp_avg_sq.final_norm.bias"},
      %step: tensor<i64> {parc.input = "step"}) -> (tensor<64x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) {
    %0, %1, %2, %3, %4, %5, %6, %7, %8 = "dist.all_reduce"(%grad.embed.positions.weight, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.bias, %grad.layers.0.attn.o.bias, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.bias, %grad.layers.0.mlp.down.bias, %grad.final_norm.weight, %grad.final_norm.bias) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %9 = "graph.reshape"(%embed.tokens.weight) {shape = array<i64: 4096>} : (tensor<64x64xf32>) -> tensor<4096xf32>
    %10 = "dist.shard_slice"(%9) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<4096xf32>) -> tensor<2048xf32>
    %11 = "graph.reshape"(%embed.positions.weight) {shape = array<i64: 2048>} : (tensor<32x64xf32>) -> tensor<2048xf32>
    %12 = "dist.shard_slice"(%11) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %13 = "graph.reshape"(%layers.0.attn_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %14 = "dist.shard_slice"(%13) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %15 = "graph.reshape"(%layers.0.attn_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %16 = "dist.shard_slice"(%15) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %17 = "graph.reshape"(%layers.0.attn.q.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %18 = "dist.shard_slice"(%17) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %19 = "graph.reshape"(%layers.0.attn.q.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %20 = "dist.shard_slice"(%19) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %21 = "graph.reshape"(%layers.0.attn.k.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %22 = "dist.shard_slice"(%21) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %23 = "graph.reshape"(%layers.0.attn.k.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %24 = "dist.shard_slice"(%23) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %25 = "graph.reshape"(%layers.0.attn.v.weight) {shape = array<i64: 2048>} : (tensor<64x32xf32>) -> tensor<2048xf32>
    %26 = "dist.shard_slice"(%25) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %27 = "graph.reshape"(%layers.0.attn.v.bias) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %28 = "dist.shard_slice"(%27) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<16xf32>
    %29 = "graph.reshape"(%layers.0.attn.o.weight) {shape = array<i64: 2048>} : (tensor<32x64xf32>) -> tensor<2048xf32>
    %30 = "dist.shard_slice"(%29) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<1024xf32>
    %31 = "graph.reshape"(%layers.0.attn.o.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %32 = "dist.shard_slice"(%31) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %33 = "graph.reshape"(%layers.0.mlp_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %34 = "dist.shard_slice"(%33) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %35 = "graph.reshape"(%layers.0.mlp_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %36 = "dist.shard_slice"(%35) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %37 = "graph.reshape"(%layers.0.mlp.up.weight) {shape = array<i64: 8192>} : (tensor<64x128xf32>) -> tensor<8192xf32>
    %38 = "dist.shard_slice"(%37) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<8192xf32>) -> tensor<4096xf32>
    %39 = "graph.reshape"(%layers.0.mlp.up.bias) {shape = array<i64: 128>} : (tensor<128xf32>) -> tensor<128xf32>
    %40 = "dist.shard_slice"(%39) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<128xf32>) -> tensor<64xf32>
    %41 = "graph.reshape"(%layers.0.mlp.down.weight) {shape = array<i64: 8192>} : (tensor<128x64xf32>) -> tensor<8192xf32>
    %42 = "dist.shard_slice"(%41) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<8192xf32>) -> tensor<4096xf32>
    %43 = "graph.reshape"(%layers.0.mlp.down.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %44 = "dist.shard_slice"(%43) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %45 = "graph.reshape"(%final_norm.weight) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %46 = "dist.shard_slice"(%45) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %47 = "graph.reshape"(%final_norm.bias) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %48 = "dist.shard_slice"(%47) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<32xf32>
    %49 = "graph.mul"(%grad.embed.tokens.weight, %grad.embed.tokens.weight) : (tensor<2048xf32>, tensor<2048xf32>) -> tensor<2048xf32>
    %50 = "graph.reduce_sum"(%49) {axes = array<i64: 0>} : (tensor<2048xf32>) -> tensor<f32>
    %51 = "graph.mul"(%0, %0) : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    %52 = "graph.reduce_sum"(%51) {axes = array<i64: 0>} : (tensor<1024xf32>) -> tensor<f32>
    %53 = "graph.mul"(%1, %1) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %54 = "graph.reduce_sum"(%53) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %55 = "graph.add"(%52, %54) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %56 = "graph.mul"(%2, %2) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %57 = "graph.reduce_sum"(%56) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %58 = "graph.add"(%55, %57) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %59 = "graph.mul"(%grad.layers.0.attn.q.weight, %grad.layers.0.attn.q.weight) : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    %60 = "graph.reduce_sum"(%59) {axes = array<i64: 0>} : (tensor<1024xf32>) -> tensor<f32>
    %61 = "graph.add"(%50, %60) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %62 = "graph.mul"(%grad.layers.0.attn.q.bias, %grad.layers.0.attn.q.bias) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
    %63 = "graph.reduce_sum"(%62) {axes = array<i64: 0>} : (tensor<16xf32>) -> tensor<f32>
    %64 = "graph.add"(%61, %63) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %65 = "graph.mul"(%grad.layers.0.attn.k.weight, %grad.layers.0.attn.k.weight) : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    %66 = "graph.reduce_sum"(%65) {axes = array<i64: 0>} : (tensor<1024xf32>) -> tensor<f32>
    %67 = "graph.add"(%64, %66) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %68 = "graph.mul"(%grad.layers.0.attn.k.bias, %grad.layers.0.attn.k.bias) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
    %69 = "graph.reduce_sum"(%68) {axes = array<i64: 0>} : (tensor<16xf32>) -> tensor<f32>
    %70 = "graph.add"(%67, %69) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %71 = "graph.mul"(%grad.layers.0.attn.v.weight, %grad.layers.0.attn.v.weight) : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    %72 = "graph.reduce_sum"(%71) {axes = array<i64: 0>} : (tensor<1024xf32>) -> tensor<f32>
    %73 = "graph.add"(%70, %72) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %74 = "graph.mul"(%grad.layers.0.attn.v.bias, %grad.layers.0.attn.v.bias) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
    %75 = "graph.reduce_sum"(%74) {axes = array<i64: 0>} : (tensor<16xf32>) -> tensor<f32>
    %76 = "graph.add"(%73, %75) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %77 = "graph.mul"(%grad.layers.0.attn.o.weight, %grad.layers.0.attn.o.weight) : (tensor<1024xf32>, tensor<1024xf32>) -> tensor<1024xf32>
    %78 = "graph.reduce_sum"(%77) {axes = array<i64: 0>} : (tensor<1024xf32>) -> tensor<f32>
    %79 = "graph.add"(%76, %78) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %80 = "graph.mul"(%3, %3) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %81 = "graph.reduce_sum"(%80) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %82 = "graph.add"(%58, %81) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %83 = "graph.mul"(%4, %4) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %84 = "graph.reduce_sum"(%83) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %85 = "graph.add"(%82, %84) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %86 = "graph.mul"(%5, %5) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %87 = "graph.reduce_sum"(%86) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %88 = "graph.add"(%85, %87) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %89 = "graph.mul"(%grad.layers.0.mlp.up.weight, %grad.layers.0.mlp.up.weight) : (tensor<4096xf32>, tensor<4096xf32>) -> tensor<4096xf32>
    %90 = "graph.reduce_sum"(%89) {axes = array<i64: 0>} : (tensor<4096xf32>) -> tensor<f32>
    %91 = "graph.add"(%79, %90) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %92 = "graph.mul"(%grad.layers.0.mlp.up.bias, %grad.layers.0.mlp.up.bias) : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %93 = "graph.reduce_sum"(%92) {axes = array<i64: 0>} : (tensor<64xf32>) -> tensor<f32>
    %94 = "graph.add"(%91, %93) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %95 = "graph.mul"(%grad.layers.0.mlp.down.weight, %grad.layers.0.mlp.down.weight) : (tensor<4096xf32>, tensor<4096xf32>) -> tensor<4096xf32>
    %96 = "graph.reduce_sum"(%95) {axes = array<i64: 0>} : (tensor<4096xf32>) -> tensor<f32>
    %97 = "graph.add"(%94, %96) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %98 = "graph.mul"(%6, %6) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %99 = "graph.reduce_sum"(%98) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %100 = "graph.add"(%88, %99) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %101 = "graph.mul"(%7, %7) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %102 = "graph.reduce_sum"(%101) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %103 = "graph.add"(%100, %102) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %104 = "graph.mul"(%8, %8) : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %105 = "graph.reduce_sum"(%104) {axes = array<i64: 0>} : (tensor<32xf32>) -> tensor<f32>
    %106 = "graph.add"(%103, %105) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %107 = "dist.all_reduce"(%97) {axis = "tp", op = "sum", size = 2 : i64} : (tensor<f32>) -> tensor<f32>
    %108 = "graph.add"(%106, %107) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %grad_sum_of_squares = "dist.all_reduce"(%108) {axis = "dp", op = "sum", size = 2 : i64} : (tensor<f32>) -> tensor<f32>
    %clip_coef = "graph.clip_coef"(%grad_sum_of_squares) {max_norm = 1.0 : f64} : (tensor<f32>) -> tensor<f32>
    %lr = "graph.lr_schedule"(%step) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (tensor<i64>) -> tensor<f32>
    %109 = "graph.mul"(%grad.embed.tokens.weight, %clip_coef) : (tensor<2048xf32>, tensor<f32>) -> tensor<2048xf32>
    %110, %new.exp_avg.embed.tokens.weight, %new.exp_avg_sq.embed.tokens.weight = "graph.adamw_update"(%10, %109, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<2048xf32>, tensor<2048xf32>, tensor<2048xf32>, tensor<2048xf32>, tensor<f32>, tensor<i64>) -> (tensor<2048xf32>, tensor<2048xf32>, tensor<2048xf32>)
    %111 = "dist.all_gather"(%110) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<2048xf32>) -> tensor<4096xf32>
    %new.embed.tokens.weight = "graph.reshape"(%111) {shape = array<i64: 64, 64>} : (tensor<4096xf32>) -> tensor<64x64xf32>
    %112 = "graph.mul"(%0, %clip_coef) : (tensor<1024xf32>, tensor<f32>) -> tensor<1024xf32>
    %113, %new.exp_avg.embed.positions.weight, %new.exp_avg_sq.embed.positions.weight = "graph.adamw_update"(%12, %112, %exp_avg.embed.positions.weight, %exp_avg_sq.embed.positions.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<f32>, tensor<i64>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    %114 = "dist.all_gather"(%113) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<1024xf32>) -> tensor<2048xf32>
    %new.embed.positions.weight = "graph.reshape"(%114) {shape = array<i64: 32, 64>} : (tensor<2048xf32>) -> tensor<32x64xf32>
    %115 = "graph.mul"(%1, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %116, %new.exp_avg.layers.0.attn_norm.weight, %new.exp_avg_sq.layers.0.attn_norm.weight = "graph.adamw_update"(%14, %115, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %117 = "dist.all_gather"(%116) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.attn_norm.weight = "graph.reshape"(%117) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %118 = "graph.mul"(%2, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %119, %new.exp_avg.layers.0.attn_norm.bias, %new.exp_avg_sq.layers.0.attn_norm.bias = "graph.adamw_update"(%16, %118, %exp_avg.layers.0.attn_norm.bias, %exp_avg_sq.layers.0.attn_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %120 = "dist.all_gather"(%119) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.attn_norm.bias = "graph.reshape"(%120) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %121 = "graph.mul"(%grad.layers.0.attn.q.weight, %clip_coef) : (tensor<1024xf32>, tensor<f32>) -> tensor<1024xf32>
    %122, %new.exp_avg.layers.0.attn.q.weight, %new.exp_avg_sq.layers.0.attn.q.weight = "graph.adamw_update"(%18, %121, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<f32>, tensor<i64>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    %123 = "dist.all_gather"(%122) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<1024xf32>) -> tensor<2048xf32>
    %new.layers.0.attn.q.weight = "graph.reshape"(%123) {shape = array<i64: 64, 32>} : (tensor<2048xf32>) -> tensor<64x32xf32>
    %124 = "graph.mul"(%grad.layers.0.attn.q.bias, %clip_coef) : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
    %125, %new.exp_avg.layers.0.attn.q.bias, %new.exp_avg_sq.layers.0.attn.q.bias = "graph.adamw_update"(%20, %124, %exp_avg.layers.0.attn.q.bias, %exp_avg_sq.layers.0.attn.q.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<f32>, tensor<i64>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
    %126 = "dist.all_gather"(%125) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<16xf32>) -> tensor<32xf32>
    %new.layers.0.attn.q.bias = "graph.reshape"(%126) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %127 = "graph.mul"(%grad.layers.0.attn.k.weight, %clip_coef) : (tensor<1024xf32>, tensor<f32>) -> tensor<1024xf32>
    %128, %new.exp_avg.layers.0.attn.k.weight, %new.exp_avg_sq.layers.0.attn.k.weight = "graph.adamw_update"(%22, %127, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<f32>, tensor<i64>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    %129 = "dist.all_gather"(%128) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<1024xf32>) -> tensor<2048xf32>
    %new.layers.0.attn.k.weight = "graph.reshape"(%129) {shape = array<i64: 64, 32>} : (tensor<2048xf32>) -> tensor<64x32xf32>
    %130 = "graph.mul"(%grad.layers.0.attn.k.bias, %clip_coef) : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
    %131, %new.exp_avg.layers.0.attn.k.bias, %new.exp_avg_sq.layers.0.attn.k.bias = "graph.adamw_update"(%24, %130, %exp_avg.layers.0.attn.k.bias, %exp_avg_sq.layers.0.attn.k.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<f32>, tensor<i64>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
    %132 = "dist.all_gather"(%131) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<16xf32>) -> tensor<32xf32>
    %new.layers.0.attn.k.bias = "graph.reshape"(%132) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %133 = "graph.mul"(%grad.layers.0.attn.v.weight, %clip_coef) : (tensor<1024xf32>, tensor<f32>) -> tensor<1024xf32>
    %134, %new.exp_avg.layers.0.attn.v.weight, %new.exp_avg_sq.layers.0.attn.v.weight = "graph.adamw_update"(%26, %133, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<f32>, tensor<i64>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    %135 = "dist.all_gather"(%134) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<1024xf32>) -> tensor<2048xf32>
    %new.layers.0.attn.v.weight = "graph.reshape"(%135) {shape = array<i64: 64, 32>} : (tensor<2048xf32>) -> tensor<64x32xf32>
    %136 = "graph.mul"(%grad.layers.0.attn.v.bias, %clip_coef) : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
    %137, %new.exp_avg.layers.0.attn.v.bias, %new.exp_avg_sq.layers.0.attn.v.bias = "graph.adamw_update"(%28, %136, %exp_avg.layers.0.attn.v.bias, %exp_avg_sq.layers.0.attn.v.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<f32>, tensor<i64>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
    %138 = "dist.all_gather"(%137) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<16xf32>) -> tensor<32xf32>
    %new.layers.0.attn.v.bias = "graph.reshape"(%138) {shape = array<i64: 32>} : (tensor<32xf32>) -> tensor<32xf32>
    %139 = "graph.mul"(%grad.layers.0.attn.o.weight, %clip_coef) : (tensor<1024xf32>, tensor<f32>) -> tensor<1024xf32>
    %140, %new.exp_avg.layers.0.attn.o.weight, %new.exp_avg_sq.layers.0.attn.o.weight = "graph.adamw_update"(%30, %139, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<f32>, tensor<i64>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>)
    %141 = "dist.all_gather"(%140) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<1024xf32>) -> tensor<2048xf32>
    %new.layers.0.attn.o.weight = "graph.reshape"(%141) {shape = array<i64: 32, 64>} : (tensor<2048xf32>) -> tensor<32x64xf32>
    %142 = "graph.mul"(%3, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %143, %new.exp_avg.layers.0.attn.o.bias, %new.exp_avg_sq.layers.0.attn.o.bias = "graph.adamw_update"(%32, %142, %exp_avg.layers.0.attn.o.bias, %exp_avg_sq.layers.0.attn.o.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %144 = "dist.all_gather"(%143) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.attn.o.bias = "graph.reshape"(%144) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %145 = "graph.mul"(%4, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %146, %new.exp_avg.layers.0.mlp_norm.weight, %new.exp_avg_sq.layers.0.mlp_norm.weight = "graph.adamw_update"(%34, %145, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %147 = "dist.all_gather"(%146) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.mlp_norm.weight = "graph.reshape"(%147) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %148 = "graph.mul"(%5, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %149, %new.exp_avg.layers.0.mlp_norm.bias, %new.exp_avg_sq.layers.0.mlp_norm.bias = "graph.adamw_update"(%36, %148, %exp_avg.layers.0.mlp_norm.bias, %exp_avg_sq.layers.0.mlp_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %150 = "dist.all_gather"(%149) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.mlp_norm.bias = "graph.reshape"(%150) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %151 = "graph.mul"(%grad.layers.0.mlp.up.weight, %clip_coef) : (tensor<4096xf32>, tensor<f32>) -> tensor<4096xf32>
    %152, %new.exp_avg.layers.0.mlp.up.weight, %new.exp_avg_sq.layers.0.mlp.up.weight = "graph.adamw_update"(%38, %151, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>, tensor<f32>, tensor<i64>) -> (tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>)
    %153 = "dist.all_gather"(%152) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<4096xf32>) -> tensor<8192xf32>
    %new.layers.0.mlp.up.weight = "graph.reshape"(%153) {shape = array<i64: 64, 128>} : (tensor<8192xf32>) -> tensor<64x128xf32>
    %154 = "graph.mul"(%grad.layers.0.mlp.up.bias, %clip_coef) : (tensor<64xf32>, tensor<f32>) -> tensor<64xf32>
    %155, %new.exp_avg.layers.0.mlp.up.bias, %new.exp_avg_sq.layers.0.mlp.up.bias = "graph.adamw_update"(%40, %154, %exp_avg.layers.0.mlp.up.bias, %exp_avg_sq.layers.0.mlp.up.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<f32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    %156 = "dist.all_gather"(%155) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<64xf32>) -> tensor<128xf32>
    %new.layers.0.mlp.up.bias = "graph.reshape"(%156) {shape = array<i64: 128>} : (tensor<128xf32>) -> tensor<128xf32>
    %157 = "graph.mul"(%grad.layers.0.mlp.down.weight, %clip_coef) : (tensor<4096xf32>, tensor<f32>) -> tensor<4096xf32>
    %158, %new.exp_avg.layers.0.mlp.down.weight, %new.exp_avg_sq.layers.0.mlp.down.weight = "graph.adamw_update"(%42, %157, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>, tensor<f32>, tensor<i64>) -> (tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>)
    %159 = "dist.all_gather"(%158) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<4096xf32>) -> tensor<8192xf32>
    %new.layers.0.mlp.down.weight = "graph.reshape"(%159) {shape = array<i64: 128, 64>} : (tensor<8192xf32>) -> tensor<128x64xf32>
    %160 = "graph.mul"(%6, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %161, %new.exp_avg.layers.0.mlp.down.bias, %new.exp_avg_sq.layers.0.mlp.down.bias = "graph.adamw_update"(%44, %160, %exp_avg.layers.0.mlp.down.bias, %exp_avg_sq.layers.0.mlp.down.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %162 = "dist.all_gather"(%161) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.layers.0.mlp.down.bias = "graph.reshape"(%162) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %163 = "graph.mul"(%7, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %164, %new.exp_avg.final_norm.weight, %new.exp_avg_sq.final_norm.weight = "graph.adamw_update"(%46, %163, %exp_avg.final_norm.weight, %exp_avg_sq.final_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %165 = "dist.all_gather"(%164) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.final_norm.weight = "graph.reshape"(%165) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    %166 = "graph.mul"(%8, %clip_coef) : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
    %167, %new.exp_avg.final_norm.bias, %new.exp_avg_sq.final_norm.bias = "graph.adamw_update"(%48, %166, %exp_avg.final_norm.bias, %exp_avg_sq.final_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
    %168 = "dist.all_gather"(%167) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (tensor<32xf32>) -> tensor<64xf32>
    %new.final_norm.bias = "graph.reshape"(%168) {shape = array<i64: 64>} : (tensor<64xf32>) -> tensor<64xf32>
    "func.return"(%new.embed.tokens.weight, %new.embed.positions.weight, %new.layers.0.attn_norm.weight, %new.layers.0.attn_norm.bias, %new.layers.0.attn.q.weight, %new.layers.0.attn.q.bias, %new.layers.0.attn.k.weight, %new.layers.0.attn.k.bias, %new.layers.0.attn.v.weight, %new.layers.0.attn.v.bias, %new.layers.0.attn.o.weight, %new.layers.0.attn.o.bias, %new.layers.0.mlp_norm.weight, %new.layers.0.mlp_norm.bias, %new.layers.0.mlp.up.weight, %new.layers.0.mlp.up.bias, %new.layers.0.mlp.down.weight, %new.layers.0.mlp.down.bias, %new.final_norm.weight, %new.final_norm.bias, %new.exp_avg.embed.tokens.weight, %new.exp_avg.embed.positions.weight, %new.exp_avg.layers.0.attn_norm.weight, %new.exp_avg.layers.0.attn_norm.bias, %new.exp_avg.layers.0.attn.q.weight, %new.exp_avg.layers.0.attn.q.bias, %new.exp_avg.layers.0.attn.k.weight, %new.exp_avg.layers.0.attn.k.bias, %new.exp_avg.layers.0.attn.v.weight, %new.exp_avg.layers.0.attn.v.bias, %new.exp_avg.layers.0.attn.o.weight, %new.exp_avg.layers.0.attn.o.bias, %new.exp_avg.layers.0.mlp_norm.weight, %new.exp_avg.layers.0.mlp_norm.bias, %new.exp_avg.layers.0.mlp.up.weight, %new.exp_avg.layers.0.mlp.up.bias, %new.exp_avg.layers.0.mlp.down.weight, %new.exp_avg.layers.0.mlp.down.bias, %new.exp_avg.final_norm.weight, %new.exp_avg.final_norm.bias, %new.exp_avg_sq.embed.tokens.weight, %new.exp_avg_sq.embed.positions.weight, %new.exp_avg_sq.layers.0.attn_norm.weight, %new.exp_avg_sq.layers.0.attn_norm.bias, %new.exp_avg_sq.layers.0.attn.q.weight, %new.exp_avg_sq.layers.0.attn.q.bias, %new.exp_avg_sq.layers.0.attn.k.weight, %new.exp_avg_sq.layers.0.attn.k.bias, %new.exp_avg_sq.layers.0.attn.v.weight, %new.exp_avg_sq.layers.0.attn.v.bias, %new.exp_avg_sq.layers.0.attn.o.weight, %new.exp_avg_sq.layers.0.attn.o.bias, %new.exp_avg_sq.layers.0.mlp_norm.weight, %new.exp_avg_sq.layers.0.mlp_norm.bias, %new.exp_avg_sq.layers.0.mlp.up.weight, %new.exp_avg_sq.layers.0.mlp.up.bias, %new.exp_avg_sq.layers.0.mlp.down.weight, %new.exp_avg_sq.layers.0.mlp.down.bias, %new.exp_avg_sq.final_norm.weight, %new.exp_avg_sq.final_norm.bias) : (tensor<64x64xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<2048xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<16xf32>, tensor<1024xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<4096xf32>, tensor<64xf32>, tensor<4096xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> ()
  }
}
