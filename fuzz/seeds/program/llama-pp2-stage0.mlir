module attributes {exec.memory = {activations = 0 : i64, arena = 1711104 : i64, gradients = 217600 : i64, inputs = 16904 : i64, optimizer_state = 435200 : i64, outputs = 16388 : i64, parameters = 217600 : i64, persistent = 1559552 : i64, stash = 655360 : i64, temporaries = 135168 : i64, transient = 151552 : i64}, exec.mesh = {pp = 2 : i64}, exec.microbatches = 4 : i64, exec.params = [{name = "embed.tokens.weight", placement = [], shape = array<i64: 128, 64>, zero_flat = false}, {name = "layers.0.attn_norm.weight", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.q.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.k.weight", placement = [], shape = array<i64: 64, 32>, zero_flat = false}, {name = "layers.0.attn.v.weight", placement = [], shape = array<i64: 64, 32>, zero_flat = false}, {name = "layers.0.attn.o.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.mlp_norm.weight", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp.gate.weight", placement = [], shape = array<i64: 64, 176>, zero_flat = false}, {name = "layers.0.mlp.up.weight", placement = [], shape = array<i64: 64, 176>, zero_flat = false}, {name = "layers.0.mlp.down.weight", placement = [], shape = array<i64: 176, 64>, zero_flat = false}], exec.stage = 0 : i64, exec.tensors = [{dtype = "i32", name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "i32", name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "f32", name = "embed.tokens.weight", offset = 512 : i64, role = "param", shape = array<i64: 128, 64>}, {dtype = "f32", name = "layers.0.attn_norm.weight", offset = 33280 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.q.weight", offset = 33536 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.k.weight", offset = 49920 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.v.weight", offset = 58112 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.o.weight", offset = 66304 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.mlp_norm.weight", offset = 82688 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp.gate.weight", offset = 82944 : i64, role = "param", shape = array<i64: 64, 176>}, {dtype = "f32", name = "layers.0.mlp.up.weight", offset = 128000 : i64, role = "param", shape = array<i64: 64, 176>}, {dtype = "f32", name = "layers.0.mlp.down.weight", offset = 173056 : i64, role = "param", shape = array<i64: 176, 64>}, {dtype = "f32", name = "loss", offset = 218112 : i64, role = "output", shape = array<i64>}, {dtype = "f32", name = "dy_out.c0", offset = 218368 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "x_out.c0", offset = 234752 : i64, role = "output", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "grad.embed.tokens.weight", offset = 251136 : i64, role = "grad", shape = array<i64: 128, 64>}, {dtype = "f32", name = "grad.layers.0.attn_norm.weight", offset = 283904 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.q.weight", offset = 284160 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.k.weight", offset = 300544 : i64, role = "grad", shape = array<i64: 64, 32>}, {dtype = "f32", name = "grad.layers.0.attn.v.weight", offset = 308736 : i64, role = "grad", shape = array<i64: 64, 32>}, {dtype = "f32", name = "grad.layers.0.attn.o.weight", offset = 316928 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.weight", offset = 333312 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp.gate.weight", offset = 333568 : i64, role = "grad", shape = array<i64: 64, 176>}, {dtype = "f32", name = "grad.layers.0.mlp.up.weight", offset = 378624 : i64, role = "grad", shape = array<i64: 64, 176>}, {dtype = "f32", name = "grad.layers.0.mlp.down.weight", offset = 423680 : i64, role = "grad", shape = array<i64: 176, 64>}, {dtype = "f32", name = "stash.c0.s0.0", offset = 468736 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s0.1", offset = 513792 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s0.2", offset = 558848 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s0.3", offset = 603904 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.4", offset = 620288 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s0.5", offset = 665344 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.6", offset = 681728 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.7", offset = 698112 : i64, role = "input", shape = array<i64: 2, 2, 1, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.8", offset = 706304 : i64, role = "input", shape = array<i64: 2, 2, 2, 32, 32>}, {dtype = "f32", name = "stash.c0.s0.9", offset = 739072 : i64, role = "input", shape = array<i64: 2, 2, 1, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.10", offset = 747264 : i64, role = "input", shape = array<i64: 2, 2, 2, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.11", offset = 763648 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.12", offset = 780032 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.0", offset = 796416 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s1.1", offset = 841472 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s1.2", offset = 886528 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s1.3", offset = 931584 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.4", offset = 947968 : i64, role = "input", shape = array<i64: 2, 32, 176>}, {dtype = "f32", name = "stash.c0.s1.5", offset = 993024 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.6", offset = 1009408 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.7", offset = 1025792 : i64, role = "input", shape = array<i64: 2, 2, 1, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.8", offset = 1033984 : i64, role = "input", shape = array<i64: 2, 2, 2, 32, 32>}, {dtype = "f32", name = "stash.c0.s1.9", offset = 1066752 : i64, role = "input", shape = array<i64: 2, 2, 1, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.10", offset = 1074944 : i64, role = "input", shape = array<i64: 2, 2, 2, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.11", offset = 1091328 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.12", offset = 1107712 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "exp_avg.embed.tokens.weight", offset = 1124096 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.weight", offset = 1156864 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.weight", offset = 1157120 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.weight", offset = 1173504 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.weight", offset = 1181696 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.weight", offset = 1189888 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.weight", offset = 1206272 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.gate.weight", offset = 1206528 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.weight", offset = 1251584 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.weight", offset = 1296640 : i64, role = "state", shape = array<i64: 176, 64>}, {dtype = "f32", name = "exp_avg_sq.embed.tokens.weight", offset = 1341696 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.weight", offset = 1374464 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.weight", offset = 1374720 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.weight", offset = 1391104 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.weight", offset = 1399296 : i64, role = "state", shape = array<i64: 64, 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.weight", offset = 1407488 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.weight", offset = 1423872 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.gate.weight", offset = 1424128 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.weight", offset = 1469184 : i64, role = "state", shape = array<i64: 64, 176>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.weight", offset = 1514240 : i64, role = "state", shape = array<i64: 176, 64>}, {dtype = "i64", name = "step", offset = 1559296 : i64, role = "input", shape = array<i64>}], parc.model = {activation = "swiglu", bias = false, ffn = 176 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 2 : i64, layers = 2 : i64, name = "llama-tiny", norm = "rmsnorm", position = "rope", seq_len = 32 : i64, tie_embeddings = false, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
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
    "exec.call"() {callee = "forward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    "exec.send"(%x_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    %dy_out.c0 = "exec.tensor"() {name = "dy_out.c0"} : () -> memref<2x32x64xf32>
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_c0"} : () -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.call"() {callee = "forward_c0"} : () -> ()
    "exec.send"(%x_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.call"() {callee = "forward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    "exec.send"(%x_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_c0"} : () -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.recv"(%dy_out.c0) {axis = "pp", shift = 1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    "exec.all_reduce"(%loss) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
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
    %stash.c0.s0.0 = "exec.tensor"() {name = "stash.c0.s0.0"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.1 = "exec.tensor"() {name = "stash.c0.s0.1"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.2 = "exec.tensor"() {name = "stash.c0.s0.2"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.3 = "exec.tensor"() {name = "stash.c0.s0.3"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.4 = "exec.tensor"() {name = "stash.c0.s0.4"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.5 = "exec.tensor"() {name = "stash.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.6 = "exec.tensor"() {name = "stash.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.7 = "exec.tensor"() {name = "stash.c0.s0.7"} : () -> memref<2x2x1x32x16xf32>
    %stash.c0.s0.8 = "exec.tensor"() {name = "stash.c0.s0.8"} : () -> memref<2x2x2x32x32xf32>
    %stash.c0.s0.9 = "exec.tensor"() {name = "stash.c0.s0.9"} : () -> memref<2x2x1x32x16xf32>
    %stash.c0.s0.10 = "exec.tensor"() {name = "stash.c0.s0.10"} : () -> memref<2x2x2x32x16xf32>
    %stash.c0.s0.11 = "exec.tensor"() {name = "stash.c0.s0.11"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.12 = "exec.tensor"() {name = "stash.c0.s0.12"} : () -> memref<2x32x64xf32>
    %0 = "exec.reshape"(%stash.c0.s0.6) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x64xf32>) -> memref<2x32x2x2x16xf32>
    %1 = "exec.reshape"(%stash.c0.s0.7) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    %2 = "exec.reshape"(%stash.c0.s0.9) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    "exec.embedding"(%embed.tokens.weight, %tokens, %stash.c0.s0.12) : (memref<128x64xf32>, memref<2x32xi32>, memref<2x32x64xf32>) -> ()
    "exec.rms_norm"(%stash.c0.s0.12, %layers.0.attn_norm.weight, %stash.c0.s0.11) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %3 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.11, %layers.0.attn.q.weight, %3) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %4 = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%stash.c0.s0.11, %layers.0.attn.k.weight, %4) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %5 = "exec.view"() {offset = 1600512 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%stash.c0.s0.11, %layers.0.attn.v.weight, %5) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %6 = "exec.reshape"(%3) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %7 = "exec.reshape"(%4) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %8 = "exec.reshape"(%5) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %9 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x4x16xf32>
    "exec.rope"(%6, %9) {theta = 10000.0 : f64} : (memref<2x32x4x16xf32>, memref<2x32x4x16xf32>) -> ()
    %10 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x2x16xf32>
    "exec.rope"(%7, %10) {theta = 10000.0 : f64} : (memref<2x32x2x16xf32>, memref<2x32x2x16xf32>) -> ()
    %11 = "exec.reshape"(%9) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x4x16xf32>) -> memref<2x32x2x2x16xf32>
    "exec.copy"(%11, %stash.c0.s0.10) {perm = array<i64: 0, 2, 3, 1, 4>} : (memref<2x32x2x2x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    "exec.copy"(%10, %2) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    "exec.copy"(%8, %1) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %l0.k = "exec.reshape"(%2) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %l0.v = "exec.reshape"(%1) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %12 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.gemm"(%stash.c0.s0.10, %l0.k, %12) {transpose_b = true} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x32xf32>) -> ()
    %l0.scores = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.elementwise"(%12, %l0.scores) ({
    ^bb0(%13: tensor<f32>):
      %14 = "graph.scale"(%13) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%14) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    "exec.softmax"(%l0.scores, %stash.c0.s0.8) {causal = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %15 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%stash.c0.s0.8, %l0.v, %15) : (memref<2x2x2x32x32xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    "exec.copy"(%15, %0) {perm = array<i64: 0, 3, 1, 2, 4>} : (memref<2x2x2x32x16xf32>, memref<2x32x2x2x16xf32>) -> ()
    %16 = "exec.reshape"(%0) {shape = array<i64: 2, 32, 64>} : (memref<2x32x2x2x16xf32>) -> memref<2x32x64xf32>
    %l0.attn_out = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%16, %layers.0.attn.o.weight, %l0.attn_out) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%stash.c0.s0.12, %l0.attn_out, %stash.c0.s0.5) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.rms_norm"(%stash.c0.s0.5, %layers.0.mlp_norm.weight, %stash.c0.s0.3) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    "exec.gemm"(%stash.c0.s0.3, %layers.0.mlp.gate.weight, %stash.c0.s0.4) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    "exec.elementwise"(%stash.c0.s0.4, %stash.c0.s0.2) ({
    ^bb0(%20: tensor<f32>):
      %21 = "graph.silu"(%20) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%21) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    "exec.gemm"(%stash.c0.s0.3, %layers.0.mlp.up.weight, %stash.c0.s0.1) : (memref<2x32x64xf32>, memref<64x176xf32>, memref<2x32x176xf32>) -> ()
    "exec.elementwise"(%stash.c0.s0.2, %stash.c0.s0.1, %stash.c0.s0.0) ({
    ^bb0(%22: tensor<f32>, %23: tensor<f32>):
      %24 = "graph.mul"(%22, %23) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%24) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %25 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.0, %layers.0.mlp.down.weight, %25) : (memref<2x32x176xf32>, memref<176x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%stash.c0.s0.5, %25, %x_out.c0) ({
    ^bb0(%26: tensor<f32>, %27: tensor<f32>):
      %28 = "graph.add"(%26, %27) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%28) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @backward_c0() {
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
    %stash.c0.s0.0 = "exec.tensor"() {name = "stash.c0.s0.0"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.1 = "exec.tensor"() {name = "stash.c0.s0.1"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.2 = "exec.tensor"() {name = "stash.c0.s0.2"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.3 = "exec.tensor"() {name = "stash.c0.s0.3"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.4 = "exec.tensor"() {name = "stash.c0.s0.4"} : () -> memref<2x32x176xf32>
    %stash.c0.s0.5 = "exec.tensor"() {name = "stash.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.6 = "exec.tensor"() {name = "stash.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.7 = "exec.tensor"() {name = "stash.c0.s0.7"} : () -> memref<2x2x1x32x16xf32>
    %stash.c0.s0.8 = "exec.tensor"() {name = "stash.c0.s0.8"} : () -> memref<2x2x2x32x32xf32>
    %stash.c0.s0.9 = "exec.tensor"() {name = "stash.c0.s0.9"} : () -> memref<2x2x1x32x16xf32>
    %stash.c0.s0.10 = "exec.tensor"() {name = "stash.c0.s0.10"} : () -> memref<2x2x2x32x16xf32>
    %stash.c0.s0.11 = "exec.tensor"() {name = "stash.c0.s0.11"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.12 = "exec.tensor"() {name = "stash.c0.s0.12"} : () -> memref<2x32x64xf32>
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
    %0 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x176xf32>
    "exec.gemm"(%dy_out.c0, %layers.0.mlp.down.weight, %0) {transpose_b = true} : (memref<2x32x64xf32>, memref<176x64xf32>, memref<2x32x176xf32>) -> ()
    %1 = "exec.reshape"(%stash.c0.s0.0) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    %2 = "exec.reshape"(%dy_out.c0) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%1, %2, %grad.layers.0.mlp.down.weight) {accumulate = true, transpose_a = true} : (memref<64x176xf32>, memref<64x64xf32>, memref<176x64xf32>) -> ()
    %3 = "exec.view"() {offset = 1604608 : i64} : () -> memref<2x32x176xf32>
    %4 = "exec.view"() {offset = 1649664 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%0, %stash.c0.s0.1, %stash.c0.s0.2, %3, %4) ({
    ^bb0(%5: tensor<f32>, %6: tensor<f32>, %7: tensor<f32>):
      %8 = "graph.mul"(%5, %6) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %9 = "graph.mul"(%5, %7) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%8, %9) : (tensor<f32>, tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %10 = "exec.view"() {offset = 1694720 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%4, %layers.0.mlp.up.weight, %10) {transpose_b = true} : (memref<2x32x176xf32>, memref<64x176xf32>, memref<2x32x64xf32>) -> ()
    %11 = "exec.reshape"(%stash.c0.s0.3) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %12 = "exec.reshape"(%4) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    "exec.gemm"(%11, %12, %grad.layers.0.mlp.up.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x176xf32>, memref<64x176xf32>) -> ()
    %13 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x176xf32>
    "exec.elementwise"(%stash.c0.s0.4, %3, %13) ({
    ^bb0(%14: tensor<f32>, %15: tensor<f32>):
      %16 = "graph.silu_grad"(%14, %15) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%16) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x176xf32>, memref<2x32x176xf32>, memref<2x32x176xf32>) -> ()
    %17 = "exec.view"() {offset = 1604608 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%13, %layers.0.mlp.gate.weight, %17) {transpose_b = true} : (memref<2x32x176xf32>, memref<64x176xf32>, memref<2x32x64xf32>) -> ()
    %18 = "exec.reshape"(%13) {shape = array<i64: 64, 176>} : (memref<2x32x176xf32>) -> memref<64x176xf32>
    "exec.gemm"(%11, %18, %grad.layers.0.mlp.gate.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x176xf32>, memref<64x176xf32>) -> ()
    %19 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%10, %17, %19) ({
    ^bb0(%20: tensor<f32>, %21: tensor<f32>):
      %22 = "graph.add"(%20, %21) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%22) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %23 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.mlp_norm.weight_1 = "exec.view"() {offset = 1592320 : i64} : () -> memref<64xf32>
    "exec.rms_norm_grad"(%stash.c0.s0.5, %layers.0.mlp_norm.weight, %19, %23, %grad.layers.0.mlp_norm.weight_1) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight_1, %grad.layers.0.mlp_norm.weight) ({
    ^bb0(%24: tensor<f32>):
      "exec.yield"(%24) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %25 = "exec.view"() {offset = 1625088 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%dy_out.c0, %23, %25) ({
    ^bb0(%26: tensor<f32>, %27: tensor<f32>):
      %28 = "graph.add"(%26, %27) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%28) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %29 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%25, %layers.0.attn.o.weight, %29) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %30 = "exec.reshape"(%stash.c0.s0.6) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %31 = "exec.reshape"(%25) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%30, %31, %grad.layers.0.attn.o.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %32 = "exec.reshape"(%29) {shape = array<i64: 2, 32, 2, 2, 16>} : (memref<2x32x64xf32>) -> memref<2x32x2x2x16xf32>
    %33 = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.copy"(%32, %33) {perm = array<i64: 0, 2, 3, 1, 4>} : (memref<2x32x2x2x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %34 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.gemm"(%33, %stash.c0.s0.7, %34) {transpose_b = true} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x32xf32>) -> ()
    %35 = "exec.view"() {offset = 1608704 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%stash.c0.s0.8, %33, %35) {transpose_a = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %36 = "exec.view"() {offset = 1641472 : i64} : () -> memref<2x2x1x32x16xf32>
    "exec.reduce"(%35, %36) {axes = array<i64: 2>, keepdim = true, kind = "sum"} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>) -> ()
    %37 = "exec.reshape"(%36) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %38 = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.softmax_grad"(%stash.c0.s0.8, %34, %38) : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %39 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x2x2x32x32xf32>
    "exec.elementwise"(%38, %39) ({
    ^bb0(%40: tensor<f32>):
      %41 = "graph.scale"(%40) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%41) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x32xf32>) -> ()
    %42 = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%39, %stash.c0.s0.9, %42) : (memref<2x2x2x32x32xf32>, memref<2x2x1x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %43 = "exec.view"() {offset = 1608704 : i64} : () -> memref<2x2x2x32x16xf32>
    "exec.gemm"(%39, %stash.c0.s0.10, %43) {transpose_a = true} : (memref<2x2x2x32x32xf32>, memref<2x2x2x32x16xf32>, memref<2x2x2x32x16xf32>) -> ()
    %44 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x2x1x32x16xf32>
    "exec.reduce"(%43, %44) {axes = array<i64: 2>, keepdim = true, kind = "sum"} : (memref<2x2x2x32x16xf32>, memref<2x2x1x32x16xf32>) -> ()
    %45 = "exec.reshape"(%44) {shape = array<i64: 2, 2, 1, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x1x32x16xf32>
    %46 = "exec.reshape"(%37) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    %47 = "exec.reshape"(%45) {shape = array<i64: 2, 2, 32, 16>} : (memref<2x2x1x32x16xf32>) -> memref<2x2x32x16xf32>
    %48 = "exec.view"() {offset = 1608704 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%46, %48) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %49 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%47, %49) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %50 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x2x2x16xf32>
    "exec.copy"(%42, %50) {perm = array<i64: 0, 3, 1, 2, 4>} : (memref<2x2x2x32x16xf32>, memref<2x32x2x2x16xf32>) -> ()
    %51 = "exec.reshape"(%50) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x2x2x16xf32>) -> memref<2x32x4x16xf32>
    %52 = "exec.view"() {offset = 1616896 : i64} : () -> memref<2x32x2x16xf32>
    "exec.rope"(%49, %52) {inverse = true, theta = 10000.0 : f64} : (memref<2x32x2x16xf32>, memref<2x32x2x16xf32>) -> ()
    %53 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x4x16xf32>
    "exec.rope"(%51, %53) {inverse = true, theta = 10000.0 : f64} : (memref<2x32x4x16xf32>, memref<2x32x4x16xf32>) -> ()
    %54 = "exec.reshape"(%48) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %55 = "exec.reshape"(%52) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %56 = "exec.reshape"(%53) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %57 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%54, %layers.0.attn.v.weight, %57) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %58 = "exec.reshape"(%stash.c0.s0.11) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %59 = "exec.reshape"(%54) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    "exec.gemm"(%58, %59, %grad.layers.0.attn.v.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %60 = "exec.view"() {offset = 1592320 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%55, %layers.0.attn.k.weight, %60) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %61 = "exec.reshape"(%55) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    "exec.gemm"(%58, %61, %grad.layers.0.attn.k.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %62 = "exec.view"() {offset = 1608704 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%57, %60, %62) ({
    ^bb0(%63: tensor<f32>, %64: tensor<f32>):
      %65 = "graph.add"(%63, %64) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%65) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %66 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%56, %layers.0.attn.q.weight, %66) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %67 = "exec.reshape"(%56) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%58, %67, %grad.layers.0.attn.q.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %68 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%62, %66, %68) ({
    ^bb0(%69: tensor<f32>, %70: tensor<f32>):
      %71 = "graph.add"(%69, %70) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%71) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %72 = "exec.view"() {offset = 1559552 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.attn_norm.weight_1 = "exec.view"() {offset = 1592320 : i64} : () -> memref<64xf32>
    "exec.rms_norm_grad"(%stash.c0.s0.12, %layers.0.attn_norm.weight, %68, %72, %grad.layers.0.attn_norm.weight_1) {eps = 1.0e-6 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.attn_norm.weight_1, %grad.layers.0.attn_norm.weight) ({
    ^bb0(%73: tensor<f32>):
      "exec.yield"(%73) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %74 = "exec.view"() {offset = 1575936 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%25, %72, %74) ({
    ^bb0(%75: tensor<f32>, %76: tensor<f32>):
      %77 = "graph.add"(%75, %76) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%77) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.embedding_grad"(%tokens, %74, %grad.embed.tokens.weight) {accumulate = true, vocab = 128 : i64} : (memref<2x32xi32>, memref<2x32x64xf32>, memref<128x64xf32>) -> ()
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
    %0 = "exec.view"() {offset = 1559552 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %0) ({
    ^bb0(%1: tensor<f32>):
      %2 = "graph.mul"(%1, %1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%2) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<128x64xf32>, memref<128x64xf32>) -> ()
    %3 = "exec.view"() {offset = 1592320 : i64} : () -> memref<f32>
    "exec.reduce"(%0, %3) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<128x64xf32>, memref<f32>) -> ()
    %4 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %4) ({
    ^bb0(%5: tensor<f32>):
      %6 = "graph.mul"(%5, %5) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%6) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %7 = "exec.view"() {offset = 1559808 : i64} : () -> memref<f32>
    "exec.reduce"(%4, %7) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %8 = "exec.view"() {offset = 1575936 : i64} : () -> memref<f32>
    "exec.elementwise"(%3, %7, %8) ({
    ^bb0(%9: tensor<f32>, %10: tensor<f32>):
      %11 = "graph.add"(%9, %10) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%11) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %12 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %12) ({
    ^bb0(%13: tensor<f32>):
      %14 = "graph.mul"(%13, %13) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%14) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %15 = "exec.view"() {offset = 1576192 : i64} : () -> memref<f32>
    "exec.reduce"(%12, %15) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %16 = "exec.view"() {offset = 1567744 : i64} : () -> memref<f32>
    "exec.elementwise"(%8, %15, %16) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %20 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %20) ({
    ^bb0(%21: tensor<f32>):
      %22 = "graph.mul"(%21, %21) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%22) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x32xf32>, memref<64x32xf32>) -> ()
    %23 = "exec.view"() {offset = 1568000 : i64} : () -> memref<f32>
    "exec.reduce"(%20, %23) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x32xf32>, memref<f32>) -> ()
    %24 = "exec.view"() {offset = 1568256 : i64} : () -> memref<f32>
    "exec.elementwise"(%16, %23, %24) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>):
      %27 = "graph.add"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%27) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %28 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %28) ({
    ^bb0(%29: tensor<f32>):
      %30 = "graph.mul"(%29, %29) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%30) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x32xf32>, memref<64x32xf32>) -> ()
    %31 = "exec.view"() {offset = 1567744 : i64} : () -> memref<f32>
    "exec.reduce"(%28, %31) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x32xf32>, memref<f32>) -> ()
    %32 = "exec.view"() {offset = 1575936 : i64} : () -> memref<f32>
    "exec.elementwise"(%24, %31, %32) ({
    ^bb0(%33: tensor<f32>, %34: tensor<f32>):
      %35 = "graph.add"(%33, %34) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%35) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %36 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %36) ({
    ^bb0(%37: tensor<f32>):
      %38 = "graph.mul"(%37, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%38) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %39 = "exec.view"() {offset = 1576192 : i64} : () -> memref<f32>
    "exec.reduce"(%36, %39) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %40 = "exec.view"() {offset = 1559808 : i64} : () -> memref<f32>
    "exec.elementwise"(%32, %39, %40) ({
    ^bb0(%41: tensor<f32>, %42: tensor<f32>):
      %43 = "graph.add"(%41, %42) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%43) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %44 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %44) ({
    ^bb0(%45: tensor<f32>):
      %46 = "graph.mul"(%45, %45) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%46) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %47 = "exec.view"() {offset = 1560064 : i64} : () -> memref<f32>
    "exec.reduce"(%44, %47) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %48 = "exec.view"() {offset = 1604608 : i64} : () -> memref<f32>
    "exec.elementwise"(%40, %47, %48) ({
    ^bb0(%49: tensor<f32>, %50: tensor<f32>):
      %51 = "graph.add"(%49, %50) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%51) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %52 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.gate.weight, %52) ({
    ^bb0(%53: tensor<f32>):
      %54 = "graph.mul"(%53, %53) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%54) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x176xf32>, memref<64x176xf32>) -> ()
    %55 = "exec.view"() {offset = 1604864 : i64} : () -> memref<f32>
    "exec.reduce"(%52, %55) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x176xf32>, memref<f32>) -> ()
    %56 = "exec.view"() {offset = 1605120 : i64} : () -> memref<f32>
    "exec.elementwise"(%48, %55, %56) ({
    ^bb0(%57: tensor<f32>, %58: tensor<f32>):
      %59 = "graph.add"(%57, %58) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%59) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %60 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %60) ({
    ^bb0(%61: tensor<f32>):
      %62 = "graph.mul"(%61, %61) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%62) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x176xf32>, memref<64x176xf32>) -> ()
    %63 = "exec.view"() {offset = 1604608 : i64} : () -> memref<f32>
    "exec.reduce"(%60, %63) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x176xf32>, memref<f32>) -> ()
    %64 = "exec.view"() {offset = 1604864 : i64} : () -> memref<f32>
    "exec.elementwise"(%56, %63, %64) ({
    ^bb0(%65: tensor<f32>, %66: tensor<f32>):
      %67 = "graph.add"(%65, %66) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%67) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %68 = "exec.view"() {offset = 1559552 : i64} : () -> memref<176x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %68) ({
    ^bb0(%69: tensor<f32>):
      %70 = "graph.mul"(%69, %69) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%70) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<176x64xf32>, memref<176x64xf32>) -> ()
    %71 = "exec.view"() {offset = 1604608 : i64} : () -> memref<f32>
    "exec.reduce"(%68, %71) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<176x64xf32>, memref<f32>) -> ()
    %72 = "exec.view"() {offset = 1559552 : i64} : () -> memref<f32>
    "exec.elementwise"(%64, %71, %72) ({
    ^bb0(%73: tensor<f32>, %74: tensor<f32>):
      %75 = "graph.add"(%73, %74) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%75) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    "exec.all_reduce"(%72) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    %clip_coef = "exec.view"() {offset = 1604608 : i64} : () -> memref<f32>
    "exec.clip_coef"(%72, %clip_coef) {max_norm = 1.0 : f64} : (memref<f32>, memref<f32>) -> ()
    %lr = "exec.view"() {offset = 1604864 : i64} : () -> memref<f32>
    "exec.lr_schedule"(%step, %lr) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (memref<i64>, memref<f32>) -> ()
    %76 = "exec.view"() {offset = 1559552 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %clip_coef, %76) ({
    ^bb0(%77: tensor<f32>, %78: tensor<f32>):
      %79 = "graph.mul"(%77, %78) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%79) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<128x64xf32>, memref<f32>, memref<128x64xf32>) -> ()
    "exec.adamw"(%embed.tokens.weight, %76, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<f32>, memref<i64>) -> ()
    %80 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %clip_coef, %80) ({
    ^bb0(%81: tensor<f32>, %82: tensor<f32>):
      %83 = "graph.mul"(%81, %82) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%83) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn_norm.weight, %80, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %84 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %clip_coef, %84) ({
    ^bb0(%85: tensor<f32>, %86: tensor<f32>):
      %87 = "graph.mul"(%85, %86) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%87) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.q.weight, %84, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %88 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %clip_coef, %88) ({
    ^bb0(%89: tensor<f32>, %90: tensor<f32>):
      %91 = "graph.mul"(%89, %90) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%91) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x32xf32>, memref<f32>, memref<64x32xf32>) -> ()
    "exec.adamw"(%layers.0.attn.k.weight, %88, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<f32>, memref<i64>) -> ()
    %92 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x32xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %clip_coef, %92) ({
    ^bb0(%93: tensor<f32>, %94: tensor<f32>):
      %95 = "graph.mul"(%93, %94) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%95) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x32xf32>, memref<f32>, memref<64x32xf32>) -> ()
    "exec.adamw"(%layers.0.attn.v.weight, %92, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<64x32xf32>, memref<f32>, memref<i64>) -> ()
    %96 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %clip_coef, %96) ({
    ^bb0(%97: tensor<f32>, %98: tensor<f32>):
      %99 = "graph.mul"(%97, %98) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%99) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.o.weight, %96, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %100 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %clip_coef, %100) ({
    ^bb0(%101: tensor<f32>, %102: tensor<f32>):
      %103 = "graph.mul"(%101, %102) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%103) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp_norm.weight, %100, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %104 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.gate.weight, %clip_coef, %104) ({
    ^bb0(%105: tensor<f32>, %106: tensor<f32>):
      %107 = "graph.mul"(%105, %106) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%107) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x176xf32>, memref<f32>, memref<64x176xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.gate.weight, %104, %exp_avg.layers.0.mlp.gate.weight, %exp_avg_sq.layers.0.mlp.gate.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<f32>, memref<i64>) -> ()
    %108 = "exec.view"() {offset = 1559552 : i64} : () -> memref<64x176xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %clip_coef, %108) ({
    ^bb0(%109: tensor<f32>, %110: tensor<f32>):
      %111 = "graph.mul"(%109, %110) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%111) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x176xf32>, memref<f32>, memref<64x176xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.up.weight, %108, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<64x176xf32>, memref<f32>, memref<i64>) -> ()
    %112 = "exec.view"() {offset = 1559552 : i64} : () -> memref<176x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %clip_coef, %112) ({
    ^bb0(%113: tensor<f32>, %114: tensor<f32>):
      %115 = "graph.mul"(%113, %114) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%115) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<176x64xf32>, memref<f32>, memref<176x64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.down.weight, %112, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<176x64xf32>, memref<176x64xf32>, memref<176x64xf32>, memref<176x64xf32>, memref<f32>, memref<i64>) -> ()
    "func.return"() : () -> ()
  }
}
