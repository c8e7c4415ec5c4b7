module attributes {exec.memory = {activations = 282624 : i64, arena = 1321984 : i64, gradients = 217600 : i64, inputs = 16904 : i64, optimizer_state = 435200 : i64, outputs = 16388 : i64, parameters = 217600 : i64, persistent = 904192 : i64, stash = 0 : i64, temporaries = 135168 : i64, transient = 417792 : i64}, exec.mesh = {dp = 2 : i64, pp = 2 : i64}, exec.microbatches = 2 : i64, exec.params = [{name = "embed.tokens.weight", placement = ["R"], shape = array<i64: 128, 64>, zero_flat = false}, {name = "layers.0.attn_norm.weight", placement = ["R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.q.weight", placement = ["R"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.k.weight", placement = ["R"], shape = array<i64: 64, 32>, zero_flat = false}, {name = "layers.0.attn.v.weight", placement = ["R"], shape = array<i64: 64, 32>, zero_flat = false}, {name = "layers.0.attn.o.weight", placement = ["R"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.mlp_norm.weight", placement = ["R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp.gate.weight", placement = ["R"], shape = array<i64: 64, 176>, zero_flat = false}, {name = "layers.0.mlp.up.weight", placement = ["R"], shape = array<i64: 64, 176>, zero_flat = false}, {name = "layers.0.mlp.down.weight", placement = ["R"], shape = array<i64: 176, 64>, zero_flat = false}], exec.stage = 0 : i64, exec.tensors = [{dtype = "i32", name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "i32", name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "f32", name = "embed.tokens.weight", offset = 512 : i64, role = "param", shape = array<i64: 128, 64>}, {dtype = "f32", name = "layers.0.attn_norm.weight", offset = 33280 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.q.weight", offset = 33536 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.k.weight", offset = 49920 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.v.weight", offset = 58112 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.o.weight", offset = 66304 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.mlp_norm.weight", offset = 82688 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp.gate.weight", offset = 82944 : i64, role = "param", shape = array<i64: 64, 176>}, {dtype = "f32", name = "layers.0.mlp.up.weight", offset = 128000 : i64, role = "param", shape = array<i64: 64, 176>}, {dtype = "f32", name = "layers.0.mlp.down.weight", offset = 173056 : i64, role = "param", shape = array<i64: 176, 64>}, {dtype = "f32", name = "loss", offset = 218112 : i64, role = "output", shape = array<i64>}, {dtype = "f32", name = "dy_out.c0", offset = 218368 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "x_out.c0", offset = 234752 : i64, role = "output", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "grad.embed.tokens.weight", offset = 251136 : i64, role = "grad", shape = array<i64: 128, 64>}, {dtype = "f32", name = "grad.layers.0.attn_norm.weight", offset = 283904 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.q.weight", offset = 284160 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.k.weight", offset = 300544 : i64, role = "grad", shape = array<i64: 64, 32>}, {dtype = "f32", name = "grad.layers.0.attn.v.weight", offset = 308736 : i64, role = "grad", shape = array<i64: 64, 32>}, {dtype = "f32", name = "grad.layers.0.attn.o.weight", offset = 316928 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.weight", offset = 333312 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp.gate.weight", offset = 333568 : i64, role = "grad", shape = array<i64: 64, 176>}, {dtype = "f32", name = "grad.layers.0.mlp.up.weight", offset = 378624 : i64, role = "grad", shape = array<i64: 64, 176>}, {dtype = "f32", name = "grad.layers.0.mlp.down.weight", offset = 423680 : i64, role = "grad", shape = array<i64: 176, 64>}, {dtype = "f32", name = "exp_avg.embed.tokens.weight", offset = 468736 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.weight", offset = 501504 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.weight", offset = 501760 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.weight", offset = 518144 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.weight", offset = 526336 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.weight", offset = 534528 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.weight", offset = 550912 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.gate.weight", offset = 551168 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.weight", offset = 596224 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.weight", offset = 641280 : i64, role = "state", shape = array<i64: 176, 64>}, {dtype = "f32", name = "exp_avg_sq.embed.tokens.weight", offset = 686336 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.weight", offset = 719104 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.weight", offset = 719360 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.weight", offset = 735744 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.weight", offset = 743936 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.weight", offset = 752128 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.weight", offset = 768512 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.gate.weight", offset = 768768 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.weight", offset = 813824 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.weight", offset = 858880 : i64, role = "state", shape = array<i64: 176, 64>}, {dtype = "i64", name = "step", offset = 903936 : i64, role = "input", shape = array<i64>}], parc.model = {activation = "swiglu", bias = false, ffn = 176 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 2 : i64, layers = 2 : i64, name = "llama-tiny", norm = "rmsnorm", position = "rope", seq_len = 32 : i64, tie_embeddings = false, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
  func.func @train_step() {
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    "exec.fill"(%loss) {value = 0.0 : f64} : (memref<f32>) -> ()
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    "exec.fill"(%grad.embed.tokens.weight) {value = 0.0 : f64} : (memref<128x64xf32>) -> ()
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.q.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    "exec.fill"(%grad.layers.0.attn.k.weight) {value = 0.0 : f64} : (memref<64x32xf32>) -> ()
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    "exec.fill"(%grad.layers.0.attn.v.weight) {value = 0.0 : f64} : (memref<64x32xf32>) -> ()
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.o.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.mlp_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.mlp.gate.weight = "exec.tensor"() {name = "grad.layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    "exec.fill"(%grad.layers.0.mlp.gate.weight) {value = 0.0 : f64} : (memref<64x176xf32>) -> ()
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    "exec.fill"(%grad.layers.0.mlp.up.weight) {value = 0.0 : f64} : (memref<64x176xf32>) -> ()
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    "exec.fill"(%grad.layers.0.mlp.down.weight) {value = 0.0 : f64} : (memref<176x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    "exec.call"() {callee = "forward_c0"} : () -> ()
    %x_out.c0 = "exec.tensor"() {name = "x_out.c0"} : () -> memref<2x32x64xf32>
    "exec.send"(%x_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.call"() {callee = "forward_c0"} : () -> ()
    "exec.send"(%x_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    %dy_out.c0 = "exec.tensor"() {name = "dy_out.c0"} : () -> memref<2x32x64xf32>
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.fill"(%x_out.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_backward_c0"} : () -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.fill"(%x_out.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_backward_c0"} : () -> ()
    "exec.all_reduce"(%loss) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    "exec.all_reduce"(%loss) {axis = "dp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    "exec.call"() {callee = "optimizer_step"} : () -> ()
    "func.return"() : () -> ()
  }

  func.func @forward_c0() {
    %tokens = "exec.tensor"() {name = "tokens"} : () -> memref<2x32xi32>
    %dy_out.c0 = "exec.tensor"() {name = "dy_out.c0"} : () -> memref<2x32x64xf32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp.gate.weight = "exec.tensor"() {name = "layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %x_out.c0 = "exec.tensor"() {name = "x_out.c0"} : () -> memref<2x32x64xf32>
    %embed = "exec.view"() {offset = 969728 : i64} : () -> memref<2x32x64xf32>
    "exec.embedding"(%embed.tokens.weight, %tokens, %embed) : (memref<128x64xf32>, memref<2x32xi32>, memref<2x32x64xf32>) -> ()
    %l0.attn_in = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.rms_norm"(%embed, %layers.0.attn_norm.weight, %l0.attn_in) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %0 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.q.weight, %0) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %1 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.k.weight, %1) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %2 = "exec.view"() {offset = 953344 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.v.weight, %2) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %3 = "exec.reshape"(%0) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %4 = "exec.reshape"(%1) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %5 = "exec.reshape"(%2) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %6 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x4x16xf32>
    "exec.rope"(%3, %6) {theta = 10000.0 : f64} : (memref<2x32x4x16xf32>, memref<2x32x4x16xf32>) -> ()
    %7 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x2x16xf32>
    "exec.rope"(%4, %7) {theta = 10000.0 : f64} : (memref<2x32x2x16xf32>, memref<2x32x2x16xf32>) -> ()
    %8 = "exec.reshape"(%6) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x4x16xf32>) -> memref<2x32x2x2x16xf32>
    %l0.q = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.copy"(%8, %l0.q) {perm = array<i64: 0, 2, 3, 1, 4>} : (memref<2x32x2x2x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %9 = "exec.view"() {offset = 961536 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%7, %9) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %10 = "exec.view"() {offset = 986112 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%5, %10) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %l0.k = "exec.reshape"(%9) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %l0.v = "exec.reshape"(%10) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %11 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.gemm"(%l0.q, %l0.k, %11) {transpose_b = true} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x32xf32>) -> ()
    %l0.scores = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.elementwise"(%11, %l0.scores) ({
    ^bb0(%12: tensor<f32>):
      %13 = "graph.scale"(%12) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%13) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %l0.probs = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.softmax"(%l0.scores, %l0.probs) {causal = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %14 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%l0.probs, %l0.v, %14) : (memref<2x2x2x32x32xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %15 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x2x2x16xf32>
    "exec.copy"(%14, %15) {perm = array<i64: 0, 3, 1, 2, 4>} : (memref<2x2x2x32x16xf32>, memref<2x32x2x2x16xf32>) -> ()
    %16 = "exec.reshape"(%15) {shape = array<i64: 2, 32, 64>} : (memref<2x32x2x2x16xf32>) -> memref<2x32x64xf32>
    %l0.attn_out = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%16, %layers.0.attn.o.weight, %l0.attn_out) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.resid = "exec.view"() {offset = 1039360 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%embed, %l0.attn_out, %l0.resid) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.mlp_in = "exec.view"() {offset = 994304 : i64} : () -> memref<2x32x64xf32>
    "exec.rms_norm"(%l0.resid, %layers.0.mlp_norm.weight, %l0.mlp_in) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %20 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.gate.weight, %20) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    %21 = "exec.view"() {offset = 949248 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%20, %21) ({
    ^bb0(%22: tensor<f32>):
      %23 = "graph.silu"(%22) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%23) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %24 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.up.weight, %24) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    %l0.mlp_act = "exec.view"() {offset = 994304 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%21, %24, %l0.mlp_act) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>):
      %27 = "graph.mul"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%27) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %28 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.mlp_act, %layers.0.mlp.down.weight, %28) : (memref<2x32x176xf32>, memref<176x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%l0.resid, %28, %x_out.c0) ({
    ^bb0(%29: tensor<f32>, %30: tensor<f32>):
      %31 = "graph.add"(%29, %30) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%31) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @forward_backward_c0() {
    %tokens = "exec.tensor"() {name = "tokens"} : () -> memref<2x32xi32>
    %dy_out.c0 = "exec.tensor"() {name = "dy_out.c0"} : () -> memref<2x32x64xf32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp.gate.weight = "exec.tensor"() {name = "layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %x_out.c0 = "exec.tensor"() {name = "x_out.c0"} : () -> memref<2x32x64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.mlp.gate.weight = "exec.tensor"() {name = "grad.layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %embed = "exec.view"() {offset = 1207296 : i64} : () -> memref<2x32x64xf32>
    "exec.embedding"(%embed.tokens.weight, %tokens, %embed) : (memref<128x64xf32>, memref<2x32xi32>, memref<2x32x64xf32>) -> ()
    %l0.attn_in = "exec.view"() {offset = 1223680 : i64} : () -> memref<2x32x64xf32>
    "exec.rms_norm"(%embed, %layers.0.attn_norm.weight, %l0.attn_in) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %0 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.q.weight, %0) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %1 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.k.weight, %1) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %2 = "exec.view"() {offset = 945152 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.v.weight, %2) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %3 = "exec.reshape"(%0) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %4 = "exec.reshape"(%1) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %5 = "exec.reshape"(%2) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %6 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x4x16xf32>
    "exec.rope"(%3, %6) {theta = 10000.0 : f64} : (memref<2x32x4x16xf32>, memref<2x32x4x16xf32>) -> ()
    %7 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x2x16xf32>
    "exec.rope"(%4, %7) {theta = 10000.0 : f64} : (memref<2x32x2x16xf32>, memref<2x32x2x16xf32>) -> ()
    %8 = "exec.reshape"(%6) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x4x16xf32>) -> memref<2x32x2x2x16xf32>
    %l0.q = "exec.view"() {offset = 1240064 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.copy"(%8, %l0.q) {perm = array<i64: 0, 2, 3, 1, 4>} : (memref<2x32x2x2x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %9 = "exec.view"() {offset = 1305600 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%7, %9) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %10 = "exec.view"() {offset = 1313792 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%5, %10) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %l0.k = "exec.reshape"(%9) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %l0.v = "exec.reshape"(%10) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %11 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.gemm"(%l0.q, %l0.k, %11) {transpose_b = true} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x32xf32>) -> ()
    %l0.scores = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.elementwise"(%11, %l0.scores) ({
    ^bb0(%12: tensor<f32>):
      %13 = "graph.scale"(%12) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%13) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %l0.probs = "exec.view"() {offset = 1174528 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.softmax"(%l0.scores, %l0.probs) {causal = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %14 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%l0.probs, %l0.v, %14) : (memref<2x2x2x32x32xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %15 = "exec.view"() {offset = 1256448 : i64} : () -> memref<2x32x2x2x16xf32>
    "exec.copy"(%14, %15) {perm = array<i64: 0, 3, 1, 2, 4>} : (memref<2x2x2x32x16xf32>, memref<2x32x2x2x16xf32>) -> ()
    %16 = "exec.reshape"(%15) {shape = array<i64: 2, 32, 64>} : (memref<2x32x2x2x16xf32>) -> memref<2x32x64xf32>
    %l0.attn_out = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%16, %layers.0.attn.o.weight, %l0.attn_out) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.resid = "exec.view"() {offset = 1272832 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%embed, %l0.attn_out, %l0.resid) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.mlp_in = "exec.view"() {offset = 1289216 : i64} : () -> memref<2x32x64xf32>
    "exec.rms_norm"(%l0.resid, %layers.0.mlp_norm.weight, %l0.mlp_in) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %20 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.gate.weight, %20) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    %21 = "exec.view"() {offset = 949248 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%20, %21) ({
    ^bb0(%22: tensor<f32>):
      %23 = "graph.silu"(%22) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%23) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %24 = "exec.view"() {offset = 994304 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.up.weight, %24) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    %l0.mlp_act = "exec.view"() {offset = 1039360 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%21, %24, %l0.mlp_act) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>):
      %27 = "graph.mul"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%27) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %28 = "exec.view"() {offset = 1084416 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.mlp_act, %layers.0.mlp.down.weight, %28) : (memref<2x32x176xf32>, memref<176x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%l0.resid, %28, %x_out.c0) ({
    ^bb0(%29: tensor<f32>, %30: tensor<f32>):
      %31 = "graph.add"(%29, %30) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%31) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %32 = "exec.view"() {offset = 1084416 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%dy_out.c0, %layers.0.mlp.down.weight, %32) {transpose_b = true} : (memref<2x32x64xf32>, memref<176x64xf32>, memref<2x32x176xf32>) -> ()
    %33 = "exec.reshape"(%l0.mlp_act) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    %34 = "exec.reshape"(%dy_out.c0) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%33, %34, %grad.layers.0.mlp.down.weight) {accumulate = true, transpose_a = true} : (memref<64x176xf32>, memref<64x64xf32>, memref<176x64xf32>) -> ()
    %35 = "exec.view"() {offset = 1039360 : i64} : () -> memref<2x32x176xf32>
    %36 = "exec.view"() {offset = 1129472 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%32, %24, %21, %35, %36) ({
    ^bb0(%37: tensor<f32>, %38: tensor<f32>, %39: tensor<f32>):
      %40 = "graph.mul"(%37, %38) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %41 = "graph.mul"(%37, %39) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%40, %41) : (tensor<f32>, tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %42 = "exec.view"() {offset = 994304 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%36, %layers.0.mlp.up.weight, %42) {transpose_b = true} : (memref<2x32x176xf32>, memref<64x176xf32>, memref<2x32x64xf32>) -> ()
    %43 = "exec.reshape"(%l0.mlp_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %44 = "exec.reshape"(%36) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    "exec.gemm"(%43, %44, %grad.layers.0.mlp.up.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x176xf32>, memref<64x176xf32>) -> ()
    %45 = "exec.view"() {offset = 949248 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%20, %35, %45) ({
    ^bb0(%46: tensor<f32>, %47: tensor<f32>):
      %48 = "graph.silu_grad"(%46, %47) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%48) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %49 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%45, %layers.0.mlp.gate.weight, %49) {transpose_b = true} : (memref<2x32x176xf32>, memref<64x176xf32>, memref<2x32x64xf32>) -> ()
    %50 = "exec.reshape"(%45) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    "exec.gemm"(%43, %50, %grad.layers.0.mlp.gate.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x176xf32>, memref<64x176xf32>) -> ()
    %51 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%42, %49, %51) ({
    ^bb0(%52: tensor<f32>, %53: tensor<f32>):
      %54 = "graph.add"(%52, %53) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%54) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %55 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.mlp_norm.weight_1 = "exec.view"() {offset = 936960 : i64} : () -> memref<64xf32>
    "exec.rms_norm_grad"(%l0.resid, %layers.0.mlp_norm.weight, %51, %55, %grad.layers.0.mlp_norm.weight_1) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight_1, %grad.layers.0.mlp_norm.weight) ({
    ^bb0(%56: tensor<f32>):
      "exec.yield"(%56) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %57 = "exec.view"() {offset = 969728 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%dy_out.c0, %55, %57) ({
    ^bb0(%58: tensor<f32>, %59: tensor<f32>):
      %60 = "graph.add"(%58, %59) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%60) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %61 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%57, %layers.0.attn.o.weight, %61) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %62 = "exec.reshape"(%16) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %63 = "exec.reshape"(%57) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%62, %63, %grad.layers.0.attn.o.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %64 = "exec.reshape"(%61) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x64xf32>) -> memref<2x32x2x2x16xf32>
    %65 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.copy"(%64, %65) {perm = array<i64: 0, 2, 3, 1, 4>} : (memref<2x32x2x2x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %66 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.gemm"(%65, %l0.v, %66) {transpose_b = true} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x32xf32>) -> ()
    %67 = "exec.view"() {offset = 953344 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%l0.probs, %65, %67) {transpose_a = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %68 = "exec.view"() {offset = 986112 : i64} : () -> memref<2x2x1x32x16xf32>
    "exec.reduce"(%67, %68) {axes = array<i64: 2>, keepdim = true, kind = "sum"} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>) -> ()
    %69 = "exec.reshape"(%68) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %70 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.softmax_grad"(%l0.probs, %66, %70) : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %71 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.elementwise"(%70, %71) ({
    ^bb0(%72: tensor<f32>):
      %73 = "graph.scale"(%72) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%73) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %74 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%71, %l0.k, %74) : (memref<2x2x2x32x32xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %75 = "exec.view"() {offset = 953344 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%71, %l0.q, %75) {transpose_a = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %76 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x2x1x32x16xf32>
    "exec.reduce"(%75, %76) {axes = array<i64: 2>, keepdim = true, kind = "sum"} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>) -> ()
    %77 = "exec.reshape"(%76) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %78 = "exec.reshape"(%69) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    %79 = "exec.reshape"(%77) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    %80 = "exec.view"() {offset = 953344 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%78, %80) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %81 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%79, %81) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %82 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x2x2x16xf32>
    "exec.copy"(%74, %82) {perm = array<i64: 0, 3, 1, 2, 4>} : (memref<2x2x2x32x16xf32>, memref<2x32x2x2x16xf32>) -> ()
    %83 = "exec.reshape"(%82) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x2x2x16xf32>) -> memref<2x32x4x16xf32>
    %84 = "exec.view"() {offset = 961536 : i64} : () -> memref<2x32x2x16xf32>
    "exec.rope"(%81, %84) {inverse = true, theta = 10000.0 : f64} : (memref<2x32x2x16xf32>, memref<2x32x2x16xf32>) -> ()
    %85 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x4x16xf32>
    "exec.rope"(%83, %85) {inverse = true, theta = 10000.0 : f64} : (memref<2x32x4x16xf32>, memref<2x32x4x16xf32>) -> ()
    %86 = "exec.reshape"(%80) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %87 = "exec.reshape"(%84) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %88 = "exec.reshape"(%85) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %89 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%86, %layers.0.attn.v.weight, %89) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %90 = "exec.reshape"(%l0.attn_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %91 = "exec.reshape"(%86) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    "exec.gemm"(%90, %91, %grad.layers.0.attn.v.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %92 = "exec.view"() {offset = 936960 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%87, %layers.0.attn.k.weight, %92) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %93 = "exec.reshape"(%87) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    "exec.gemm"(%90, %93, %grad.layers.0.attn.k.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %94 = "exec.view"() {offset = 953344 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%89, %92, %94) ({
    ^bb0(%95: tensor<f32>, %96: tensor<f32>):
      %97 = "graph.add"(%95, %96) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%97) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %98 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%88, %layers.0.attn.q.weight, %98) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %99 = "exec.reshape"(%88) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%90, %99, %grad.layers.0.attn.q.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %100 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%94, %98, %100) ({
    ^bb0(%101: tensor<f32>, %102: tensor<f32>):
      %103 = "graph.add"(%101, %102) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%103) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %104 = "exec.view"() {offset = 904192 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.attn_norm.weight_1 = "exec.view"() {offset = 936960 : i64} : () -> memref<64xf32>
    "exec.rms_norm_grad"(%embed, %layers.0.attn_norm.weight, %100, %104, %grad.layers.0.attn_norm.weight_1) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.attn_norm.weight_1, %grad.layers.0.attn_norm.weight) ({
    ^bb0(%105: tensor<f32>):
      "exec.yield"(%105) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %106 = "exec.view"() {offset = 920576 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%57, %104, %106) ({
    ^bb0(%107: tensor<f32>, %108: tensor<f32>):
      %109 = "graph.add"(%107, %108) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%109) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.embedding_grad"(%tokens, %106, %grad.embed.tokens.weight) {accumulate = true, vocab = 128 : i64} : (memref<2x32xi32>, memref<2x32x64xf32>, memref<128x64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @optimizer_step() {
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp.gate.weight = "exec.tensor"() {name = "layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.mlp.gate.weight = "exec.tensor"() {name = "grad.layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %exp_avg.embed.tokens.weight = "exec.tensor"() {name = "exp_avg.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %exp_avg.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %exp_avg.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.0.mlp.gate.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %exp_avg.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %exp_avg.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %exp_avg_sq.embed.tokens.weight = "exec.tensor"() {name = "exp_avg_sq.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg_sq.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %exp_avg_sq.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %exp_avg_sq.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.mlp.gate.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.gate.weight"} : () -> memref<64x176xf32>
    %exp_avg_sq.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.up.weight"} : () -> memref<64x176xf32>
    %exp_avg_sq.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.down.weight"} : () -> memref<176x64xf32>
    %step = "exec.tensor"() {name = "step"} : () -> memref<i64>
    "exec.all_reduce"(%grad.embed.tokens.weight, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn.q.weight, %grad.layers.0.attn.k.weight, %grad.layers.0.attn.v.weight, %grad.layers.0.attn.o.weight, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp.gate.weight, %grad.layers.0.mlp.up.weight, %grad.layers.0.mlp.down.weight) {axis = "dp", op = "sum", size = 2 : i64} : (memref<128x64xf32>, memref<64xf32>, memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<64x64xf32>, memref<64xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<176x64xf32>) -> ()
    %0 = "exec.view"() {offset = 904192 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %0) ({
    ^bb0(%1: tensor<f32>):
      %2 = "graph.mul"(%1, %1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%2) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<128x64xf32>, memref<128x64xf32>) -> ()
    %3 = "exec.view"() {offset = 936960 : i64} : () -> memref<f32>
    "exec.reduce"(%0, %3) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<128x64xf32>, memref<f32>) -> ()
    %4 = "exec.view"() {offset = 904192 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %4) ({
    ^bb0(%5: tensor<f32>):
      %6 = "graph.mul"(%5, %5) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%6) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %7 = "exec.view"() {offset = 904448 : i64} : () -> memref<f32>
    "exec.reduce"(%4, %7) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %8 = "exec.view"() {offset = 920576 : i64} : () -> memref<f32>
    "exec.elementwise"(%3, %7, %8) ({
    ^bb0(%9: tensor<f32>, %10: tensor<f32>):
      %11 = "graph.add"(%9, %10) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%11) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %12 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %12) ({
    ^bb0(%13: tensor<f32>):
      %14 = "graph.mul"(%13, %13) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%14) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %15 = "exec.view"() {offset = 920832 : i64} : () -> memref<f32>
    "exec.reduce"(%12, %15) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %16 = "exec.view"() {offset = 912384 : i64} : () -> memref<f32>
    "exec.elementwise"(%8, %15, %16) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %20 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %20) ({
    ^bb0(%21: tensor<f32>):
      %22 = "graph.mul"(%21, %21) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%22) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x32xf32>, memref<64x32xf32>) -> ()
    %23 = "exec.view"() {offset = 912640 : i64} : () -> memref<f32>
    "exec.reduce"(%20, %23) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x32xf32>, memref<f32>) -> ()
    %24 = "exec.view"() {offset = 912896 : i64} : () -> memref<f32>
    "exec.elementwise"(%16, %23, %24) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>):
      %27 = "graph.add"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%27) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %28 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %28) ({
    ^bb0(%29: tensor<f32>):
      %30 = "graph.mul"(%29, %29) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%30) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x32xf32>, memref<64x32xf32>) -> ()
    %31 = "exec.view"() {offset = 912384 : i64} : () -> memref<f32>
    "exec.reduce"(%28, %31) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x32xf32>, memref<f32>) -> ()
    %32 = "exec.view"() {offset = 920576 : i64} : () -> memref<f32>
    "exec.elementwise"(%24, %31, %32) ({
    ^bb0(%33: tensor<f32>, %34: tensor<f32>):
      %35 = "graph.add"(%33, %34) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%35) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %36 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %36) ({
    ^bb0(%37: tensor<f32>):
      %38 = "graph.mul"(%37, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%38) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %39 = "exec.view"() {offset = 920832 : i64} : () -> memref<f32>
    "exec.reduce"(%36, %39) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %40 = "exec.view"() {offset = 904448 : i64} : () -> memref<f32>
    "exec.elementwise"(%32, %39, %40) ({
    ^bb0(%41: tensor<f32>, %42: tensor<f32>):
      %43 = "graph.add"(%41, %42) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%43) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %44 = "exec.view"() {offset = 904192 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %44) ({
    ^bb0(%45: tensor<f32>):
      %46 = "graph.mul"(%45, %45) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%46) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %47 = "exec.view"() {offset = 904704 : i64} : () -> memref<f32>
    "exec.reduce"(%44, %47) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %48 = "exec.view"() {offset = 949248 : i64} : () -> memref<f32>
    "exec.elementwise"(%40, %47, %48) ({
    ^bb0(%49: tensor<f32>, %50: tensor<f32>):
      %51 = "graph.add"(%49, %50) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%51) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %52 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.gate.weight, %52) ({
    ^bb0(%53: tensor<f32>):
      %54 = "graph.mul"(%53, %53) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%54) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x176xf32>, memref<64x176xf32>) -> ()
    %55 = "exec.view"() {offset = 949504 : i64} : () -> memref<f32>
    "exec.reduce"(%52, %55) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x176xf32>, memref<f32>) -> ()
    %56 = "exec.view"() {offset = 949760 : i64} : () -> memref<f32>
    "exec.elementwise"(%48, %55, %56) ({
    ^bb0(%57: tensor<f32>, %58: tensor<f32>):
      %59 = "graph.add"(%57, %58) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%59) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %60 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %60) ({
    ^bb0(%61: tensor<f32>):
      %62 = "graph.mul"(%61, %61) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%62) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x176xf32>, memref<64x176xf32>) -> ()
    %63 = "exec.view"() {offset = 949248 : i64} : () -> memref<f32>
    "exec.reduce"(%60, %63) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x176xf32>, memref<f32>) -> ()
    %64 = "exec.view"() {offset = 949504 : i64} : () -> memref<f32>
    "exec.elementwise"(%56, %63, %64) ({
    ^bb0(%65: tensor<f32>, %66: tensor<f32>):
      %67 = "graph.add"(%65, %66) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%67) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %68 = "exec.view"() {offset = 904192 : i64} : () -> memref<176x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %68) ({
    ^bb0(%69: tensor<f32>):
      %70 = "graph.mul"(%69, %69) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%70) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<176x64xf32>, memref<176x64xf32>) -> ()
    %71 = "exec.view"() {offset = 949248 : i64} : () -> memref<f32>
    "exec.reduce"(%68, %71) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<176x64xf32>, memref<f32>) -> ()
    %72 = "exec.view"() {offset = 904192 : i64} : () -> memref<f32>
    "exec.elementwise"(%64, %71, %72) ({
    ^bb0(%73: tensor<f32>, %74: tensor<f32>):
      %75 = "graph.add"(%73, %74) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%75) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    "exec.all_reduce"(%72) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    %clip_coef = "exec.view"() {offset = 949248 : i64} : () -> memref<f32>
    "exec.clip_coef"(%72, %clip_coef) {max_norm = 1.0 : f64} : (memref<f32>, memref<f32>) -> ()
    %lr = "exec.view"() {offset = 949504 : i64} : () -> memref<f32>
    "exec.lr_schedule"(%step, %lr) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (memref<i64>, memref<f32>) -> ()
    %76 = "exec.view"() {offset = 904192 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %clip_coef, %76) ({
    ^bb0(%77: tensor<f32>, %78: tensor<f32>):
      %79 = "graph.mul"(%77, %78) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%79) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<128x64xf32>, memref<f32>, memref<128x64xf32>) -> ()
    "exec.adamw"(%embed.tokens.weight, %76, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<f32>, memref<i64>) -> ()
    %80 = "exec.view"() {offset = 904192 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %clip_coef, %80) ({
    ^bb0(%81: tensor<f32>, %82: tensor<f32>):
      %83 = "graph.mul"(%81, %82) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%83) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn_norm.weight, %80, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %84 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %clip_coef, %84) ({
    ^bb0(%85: tensor<f32>, %86: tensor<f32>):
      %87 = "graph.mul"(%85, %86) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%87) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.q.weight, %84, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %88 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %clip_coef, %88) ({
    ^bb0(%89: tensor<f32>, %90: tensor<f32>):
      %91 = "graph.mul"(%89, %90) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%91) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x32xf32>, memref<f32>, memref<64x32xf32>) -> ()
    "exec.adamw"(%layers.0.attn.k.weight, %88, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<f32>, memref<i64>) -> ()
    %92 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %clip_coef, %92) ({
    ^bb0(%93: tensor<f32>, %94: tensor<f32>):
      %95 = "graph.mul"(%93, %94) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%95) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x32xf32>, memref<f32>, memref<64x32xf32>) -> ()
    "exec.adamw"(%layers.0.attn.v.weight, %92, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<f32>, memref<i64>) -> ()
    %96 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %clip_coef, %96) ({
    ^bb0(%97: tensor<f32>, %98: tensor<f32>):
      %99 = "graph.mul"(%97, %98) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%99) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.o.weight, %96, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %100 = "exec.view"() {offset = 904192 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %clip_coef, %100) ({
    ^bb0(%101: tensor<f32>, %102: tensor<f32>):
      %103 = "graph.mul"(%101, %102) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%103) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp_norm.weight, %100, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %104 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.gate.weight, %clip_coef, %104) ({
    ^bb0(%105: tensor<f32>, %106: tensor<f32>):
      %107 = "graph.mul"(%105, %106) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%107) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x176xf32>, memref<f32>, memref<64x176xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.gate.weight, %104, %exp_avg.layers.0.mlp.gate.weight, %exp_avg_sq.layers.0.mlp.gate.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<f32>, memref<i64>) -> ()
    %108 = "exec.view"() {offset = 904192 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %clip_coef, %108) ({
    ^bb0(%109: tensor<f32>, %110: tensor<f32>):
      %111 = "graph.mul"(%109, %110) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%111) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x176xf32>, memref<f32>, memref<64x176xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.up.weight, %108, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<f32>, memref<i64>) -> ()
    %112 = "exec.view"() {offset = 904192 : i64} : () -> memref<176x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %clip_coef, %112) ({
    ^bb0(%113: tensor<f32>, %114: tensor<f32>):
      %115 = "graph.mul"(%113, %114) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%115) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<176x64xf32>, memref<f32>, memref<176x64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.down.weight, %112, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<176x64xf32>, memref<176x64xf32>, memref<176x64xf32>, memref<176x64xf32>, memref<f32>, memref<i64>) -> ()
    "func.return"() : () -> ()
  }
}
