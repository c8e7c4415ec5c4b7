module attributes {exec.memory = {activations = 327680 : i64, arena = 1392640 : i64, gradients = 241408 : i64, inputs = 520 : i64, optimizer_state = 482816 : i64, outputs = 4 : i64, parameters = 241408 : i64, persistent = 966656 : i64, stash = 0 : i64, temporaries = 81920 : i64, transient = 425984 : i64}, exec.microbatches = 4 : i64, exec.tensors = [{dtype = "i32", name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "i32", name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "f32", name = "embed.tokens.weight", offset = 512 : i64, role = "param", shape = array<i64: 128, 64>}, {dtype = "f32", name = "embed.positions.weight", offset = 33280 : i64, role = "param", shape = array<i64: 32, 64>}, {dtype = "f32", name = "layers.0.attn_norm.weight", offset = 41472 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn_norm.bias", offset = 41728 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.q.weight", offset = 41984 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.q.bias", offset = 58368 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.k.weight", offset = 58624 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.k.bias", offset = 75008 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.v.weight", offset = 75264 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.v.bias", offset = 91648 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.o.weight", offset = 91904 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.0.attn.o.bias", offset = 108288 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp_norm.weight", offset = 108544 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp_norm.bias", offset = 108800 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp.up.weight", offset = 109056 : i64, role = "param", shape = array<i64: 64, 256>}, {dtype = "f32", name = "layers.0.mlp.up.bias", offset = 174592 : i64, role = "param", shape = array<i64: 256>}, {dtype = "f32", name = "layers.0.mlp.down.weight", offset = 175616 : i64, role = "param", shape = array<i64: 256, 64>}, {dtype = "f32", name = "layers.0.mlp.down.bias", offset = 241152 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.weight", offset = 241408 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.bias", offset = 241664 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "loss", offset = 241920 : i64, role = "output", shape = array<i64>}, {dtype = "f32", name = "grad.embed.tokens.weight", offset = 242176 : i64, role = "grad", shape = array<i64: 128, 64>}, {dtype = "f32", name = "grad.embed.positions.weight", offset = 274944 : i64, role = "grad", shape = array<i64: 32, 64>}, {dtype = "f32", name = "grad.layers.0.attn_norm.weight", offset = 283136 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn_norm.bias", offset = 283392 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.q.weight", offset = 283648 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.q.bias", offset = 300032 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.k.weight", offset = 300288 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.k.bias", offset = 316672 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.v.weight", offset = 316928 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.v.bias", offset = 333312 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.attn.o.weight", offset = 333568 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.0.attn.o.bias", offset = 349952 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.weight", offset = 350208 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.bias", offset = 350464 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp.up.weight", offset = 350720 : i64, role = "grad", shape = array<i64: 64, 256>}, {dtype = "f32", name = "grad.layers.0.mlp.up.bias", offset = 416256 : i64, role = "grad", shape = array<i64: 256>}, {dtype = "f32", name = "grad.layers.0.mlp.down.weight", offset = 417280 : i64, role = "grad", shape = array<i64: 256, 64>}, {dtype = "f32", name = "grad.layers.0.mlp.down.bias", offset = 482816 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.final_norm.weight", offset = 483072 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.final_norm.bias", offset = 483328 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.embed.tokens.weight", offset = 483584 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg.embed.positions.weight", offset = 516352 : i64, role = "state", shape = array<i64: 32, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.weight", offset = 524544 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.bias", offset = 524800 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.weight", offset = 525056 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.bias", offset = 541440 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.weight", offset = 541696 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.bias", offset = 558080 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.weight", offset = 558336 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.bias", offset = 574720 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.weight", offset = 574976 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.bias", offset = 591360 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.weight", offset = 591616 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.bias", offset = 591872 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.weight", offset = 592128 : i64, role = "state", shape = array<i64: 64, 256>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.bias", offset = 657664 : i64, role = "state", shape = array<i64: 256>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.weight", offset = 658688 : i64, role = "state", shape = array<i64: 256, 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.bias", offset = 724224 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.final_norm.weight", offset = 724480 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.final_norm.bias", offset = 724736 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.embed.tokens.weight", offset = 724992 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg_sq.embed.positions.weight", offset = 757760 : i64, role = "state", shape = array<i64: 32, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.weight", offset = 765952 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.bias", offset = 766208 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.weight", offset = 766464 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.bias", offset = 782848 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.weight", offset = 783104 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.bias", offset = 799488 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.weight", offset = 799744 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.bias", offset = 816128 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.weight", offset = 816384 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.bias", offset = 832768 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.weight", offset = 833024 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.bias", offset = 833280 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.weight", offset = 833536 : i64, role = "state", shape = array<i64: 64, 256>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.bias", offset = 899072 : i64, role = "state", shape = array<i64: 256>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.weight", offset = 900096 : i64, role = "state", shape = array<i64: 256, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.bias", offset = 965632 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.final_norm.weight", offset = 965888 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.final_norm.bias", offset = 966144 : i64, role = "state", shape = array<i64: 64>}, {dtype = "i64", name = "step", offset = 966400 : i64, role = "input", shape = array<i64>}], parc.model = {activation = "gelu", bias = true, ffn = 256 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 4 : i64, layers = 1 : i64, name = "gpt-tiny", norm = "layernorm", position = "learned", seq_len = 32 : i64, tie_embeddings = true, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
  func.func @train_step() {
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    "exec.fill"(%loss) {value = 0.0 : f64} : (memref<f32>) -> ()
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    "exec.fill"(%grad.embed.tokens.weight) {value = 0.0 : f64} : (memref<128x64xf32>) -> ()
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<32x64xf32>
    "exec.fill"(%grad.embed.positions.weight) {value = 0.0 : f64} : (memref<32x64xf32>) -> ()
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.q.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn.q.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.k.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn.k.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.v.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn.v.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.0.attn.o.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.attn.o.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.mlp_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.mlp_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    "exec.fill"(%grad.layers.0.mlp.up.weight) {value = 0.0 : f64} : (memref<64x256xf32>) -> ()
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<256xf32>
    "exec.fill"(%grad.layers.0.mlp.up.bias) {value = 0.0 : f64} : (memref<256xf32>) -> ()
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    "exec.fill"(%grad.layers.0.mlp.down.weight) {value = 0.0 : f64} : (memref<256x64xf32>) -> ()
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.mlp.down.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.final_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.final_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.call"() {callee = "optimizer_step"} : () -> ()
    "func.return"() : () -> ()
  }

  func.func @forward_backward() {
    %tokens = "exec.tensor"() {name = "tokens"} : () -> memref<2x32xi32>
    %labels = "exec.tensor"() {name = "labels"} : () -> memref<2x32xi32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %embed.positions.weight = "exec.tensor"() {name = "embed.positions.weight"} : () -> memref<32x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn_norm.bias = "exec.tensor"() {name = "layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.q.bias = "exec.tensor"() {name = "layers.0.attn.q.bias"} : () -> memref<64xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.k.bias = "exec.tensor"() {name = "layers.0.attn.k.bias"} : () -> memref<64xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.v.bias = "exec.tensor"() {name = "layers.0.attn.v.bias"} : () -> memref<64xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.o.bias = "exec.tensor"() {name = "layers.0.attn.o.bias"} : () -> memref<64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp_norm.bias = "exec.tensor"() {name = "layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.0.mlp.up.bias = "exec.tensor"() {name = "layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.0.mlp.down.bias = "exec.tensor"() {name = "layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<32x64xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    %0 = "exec.reshape"(%grad.embed.positions.weight) {shape = array<i64: 1, 32, 64>} : (memref<32x64xf32>) -> memref<1x32x64xf32>
    %1 = "exec.reshape"(%grad.layers.0.attn.q.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %2 = "exec.reshape"(%grad.layers.0.attn.k.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %3 = "exec.reshape"(%grad.layers.0.attn.v.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %4 = "exec.reshape"(%grad.layers.0.attn.o.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %5 = "exec.reshape"(%grad.layers.0.mlp.up.bias) {shape = array<i64: 1, 1, 256>} : (memref<256xf32>) -> memref<1x1x256xf32>
    %6 = "exec.reshape"(%grad.layers.0.mlp.down.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %7 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.embedding"(%embed.tokens.weight, %tokens, %7) : (memref<128x64xf32>, memref<2x32xi32>, memref<2x32x64xf32>) -> ()
    %embed = "exec.view"() {offset = 1228800 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%7, %embed.positions.weight, %embed) ({
    ^bb0(%8: tensor<f32>, %9: tensor<f32>):
      %10 = "graph.add"(%8, %9) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%10) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.attn_in = "exec.view"() {offset = 1245184 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%embed, %layers.0.attn_norm.weight, %layers.0.attn_norm.bias, %l0.attn_in) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %11 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.q.weight, %11) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %12 = "exec.view"() {offset = 983040 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%11, %layers.0.attn.q.bias, %12) ({
    ^bb0(%13: tensor<f32>, %14: tensor<f32>):
      %15 = "graph.add"(%13, %14) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%15) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %16 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.k.weight, %16) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %17 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%16, %layers.0.attn.k.bias, %17) ({
    ^bb0(%18: tensor<f32>, %19: tensor<f32>):
      %20 = "graph.add"(%18, %19) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%20) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %21 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.v.weight, %21) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %22 = "exec.view"() {offset = 1015808 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%21, %layers.0.attn.v.bias, %22) ({
    ^bb0(%23: tensor<f32>, %24: tensor<f32>):
      %25 = "graph.add"(%23, %24) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%25) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %26 = "exec.reshape"(%12) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %27 = "exec.reshape"(%17) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %28 = "exec.reshape"(%22) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %l0.q = "exec.view"() {offset = 1261568 : i64} : () -> memref<2x4x32x16xf32>
    "exec.copy"(%26, %l0.q) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %l0.k = "exec.view"() {offset = 1277952 : i64} : () -> memref<2x4x32x16xf32>
    "exec.copy"(%27, %l0.k) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %l0.v = "exec.view"() {offset = 1294336 : i64} : () -> memref<2x4x32x16xf32>
    "exec.copy"(%28, %l0.v) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %29 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x4x32x32xf32>
    "exec.gemm"(%l0.q, %l0.k, %29) {transpose_b = true} : (memref<2x4x32x16xf32>, memref<2x4x32x16xf32>, memref<2x4x32x32xf32>) -> ()
    %l0.scores = "exec.view"() {offset = 999424 : i64} : () -> memref<2x4x32x32xf32>
    "exec.elementwise"(%29, %l0.scores) ({
    ^bb0(%30: tensor<f32>):
      %31 = "graph.scale"(%30) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%31) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %l0.probs = "exec.view"() {offset = 1163264 : i64} : () -> memref<2x4x32x32xf32>
    "exec.softmax"(%l0.scores, %l0.probs) {causal = true} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %32 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%l0.probs, %l0.v, %32) : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %33 = "exec.view"() {offset = 1310720 : i64} : () -> memref<2x32x4x16xf32>
    "exec.copy"(%32, %33) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %34 = "exec.reshape"(%33) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %35 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%34, %layers.0.attn.o.weight, %35) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.resid = "exec.view"() {offset = 1327104 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%35, %layers.0.attn.o.bias, %embed, %l0.resid) ({
    ^bb0(%36: tensor<f32>, %37: tensor<f32>, %38: tensor<f32>):
      %39 = "graph.add"(%36, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %40 = "graph.add"(%38, %39) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%40) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.mlp_in = "exec.view"() {offset = 1343488 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%l0.resid, %layers.0.mlp_norm.weight, %layers.0.mlp_norm.bias, %l0.mlp_in) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %41 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x256xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.up.weight, %41) : (memref<2x32x64xf32>, memref<64x256xf32>, memref<2x32x256xf32>) -> ()
    %42 = "exec.view"() {offset = 1032192 : i64} : () -> memref<2x32x256xf32>
    %l0.mlp_act = "exec.view"() {offset = 1097728 : i64} : () -> memref<2x32x256xf32>
    "exec.elementwise"(%41, %layers.0.mlp.up.bias, %42, %l0.mlp_act) ({
    ^bb0(%43: tensor<f32>, %44: tensor<f32>):
      %45 = "graph.add"(%43, %44) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %46 = "graph.gelu"(%45) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%45, %46) : (tensor<f32>, tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x256xf32>, memref<256xf32>, memref<2x32x256xf32>, memref<2x32x256xf32>) -> ()
    %47 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.mlp_act, %layers.0.mlp.down.weight, %47) : (memref<2x32x256xf32>, memref<256x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.out = "exec.view"() {offset = 1359872 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%47, %layers.0.mlp.down.bias, %l0.resid, %l0.out) ({
    ^bb0(%48: tensor<f32>, %49: tensor<f32>, %50: tensor<f32>):
      %51 = "graph.add"(%48, %49) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %52 = "graph.add"(%50, %51) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%52) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %53 = "exec.view"() {offset = 1376256 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%l0.out, %final_norm.weight, %final_norm.bias, %53) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %logits = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x128xf32>
    "exec.gemm"(%53, %embed.tokens.weight, %logits) {transpose_b = true} : (memref<2x32x64xf32>, memref<128x64xf32>, memref<2x32x128xf32>) -> ()
    %token_loss = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32xf32>
    "exec.cross_entropy"(%logits, %labels, %token_loss) : (memref<2x32x128xf32>, memref<2x32xi32>, memref<2x32xf32>) -> ()
    %54 = "exec.view"() {offset = 999680 : i64} : () -> memref<f32>
    "exec.reduce"(%token_loss, %54) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<2x32xf32>, memref<f32>) -> ()
    "exec.elementwise"(%54, %loss) ({
    ^bb0(%55: tensor<f32>):
      %56 = "graph.scale"(%55) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%56) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    %57 = "exec.view"() {offset = 999424 : i64} : () -> memref<f32>
    "exec.fill"(%57) {value = 1.0 : f64} : (memref<f32>) -> ()
    %58 = "exec.view"() {offset = 999680 : i64} : () -> memref<f32>
    "exec.elementwise"(%57, %58) ({
    ^bb0(%59: tensor<f32>):
      %60 = "graph.scale"(%59) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%60) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    %61 = "exec.reshape"(%58) {shape = array<i64: 1, 1>} : (memref<f32>) -> memref<1x1xf32>
    %62 = "exec.view"() {offset = 1196032 : i64} : () -> memref<2x32xf32>
    "exec.elementwise"(%61, %62) ({
    ^bb0(%63: tensor<f32>):
      "exec.yield"(%63) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1x1xf32>, memref<2x32xf32>) -> ()
    %64 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32x128xf32>
    "exec.cross_entropy_grad"(%logits, %labels, %62, %64) : (memref<2x32x128xf32>, memref<2x32xi32>, memref<2x32xf32>, memref<2x32x128xf32>) -> ()
    %65 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%64, %embed.tokens.weight, %65) : (memref<2x32x128xf32>, memref<128x64xf32>, memref<2x32x64xf32>) -> ()
    %66 = "exec.reshape"(%53) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %67 = "exec.reshape"(%64) {shape = array<i64: 64, 128>} : (memref<2x32x128xf32>) -> memref<64x128xf32>
    %68 = "exec.view"() {offset = 1196032 : i64} : () -> memref<128x64xf32>
    "exec.gemm"(%67, %66, %68) {transpose_a = true} : (memref<64x128xf32>, memref<64x64xf32>, memref<128x64xf32>) -> ()
    %69 = "exec.view"() {offset = 1376256 : i64} : () -> memref<2x32x64xf32>
    %grad.final_norm.weight_1 = "exec.view"() {offset = 983040 : i64} : () -> memref<64xf32>
    %grad.final_norm.bias_1 = "exec.view"() {offset = 983296 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%l0.out, %final_norm.weight, %65, %69, %grad.final_norm.weight_1, %grad.final_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.final_norm.weight_1, %grad.final_norm.weight) ({
    ^bb0(%70: tensor<f32>):
      "exec.yield"(%70) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.final_norm.bias_1, %grad.final_norm.bias) ({
    ^bb0(%71: tensor<f32>):
      "exec.yield"(%71) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.reduce"(%69, %6) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.mlp.down.bias_1 = "exec.reshape"(%6) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %72 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x256xf32>
    "exec.gemm"(%69, %layers.0.mlp.down.weight, %72) {transpose_b = true} : (memref<2x32x64xf32>, memref<256x64xf32>, memref<2x32x256xf32>) -> ()
    %73 = "exec.reshape"(%l0.mlp_act) {shape = array<i64: 64, 256>} : (memref<2x32x256xf32>) -> memref<64x256xf32>
    %74 = "exec.reshape"(%69) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%73, %74, %grad.layers.0.mlp.down.weight) {accumulate = true, transpose_a = true} : (memref<64x256xf32>, memref<64x64xf32>, memref<256x64xf32>) -> ()
    %75 = "exec.view"() {offset = 1097728 : i64} : () -> memref<2x32x256xf32>
    "exec.elementwise"(%42, %72, %75) ({
    ^bb0(%76: tensor<f32>, %77: tensor<f32>):
      %78 = "graph.gelu_grad"(%76, %77) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%78) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x256xf32>, memref<2x32x256xf32>, memref<2x32x256xf32>) -> ()
    "exec.reduce"(%75, %5) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x256xf32>, memref<1x1x256xf32>) -> ()
    %grad.layers.0.mlp.up.bias_1 = "exec.reshape"(%5) {shape = array<i64: 256>} : (memref<1x1x256xf32>) -> memref<256xf32>
    %79 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%75, %layers.0.mlp.up.weight, %79) {transpose_b = true} : (memref<2x32x256xf32>, memref<64x256xf32>, memref<2x32x64xf32>) -> ()
    %80 = "exec.reshape"(%l0.mlp_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %81 = "exec.reshape"(%75) {shape = array<i64: 64, 256>} : (memref<2x32x256xf32>) -> memref<64x256xf32>
    "exec.gemm"(%80, %81, %grad.layers.0.mlp.up.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x256xf32>, memref<64x256xf32>) -> ()
    %82 = "exec.view"() {offset = 983040 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.mlp_norm.weight_1 = "exec.view"() {offset = 999424 : i64} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.bias_1 = "exec.view"() {offset = 999680 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%l0.resid, %layers.0.mlp_norm.weight, %79, %82, %grad.layers.0.mlp_norm.weight_1, %grad.layers.0.mlp_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight_1, %grad.layers.0.mlp_norm.weight) ({
    ^bb0(%83: tensor<f32>):
      "exec.yield"(%83) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.mlp_norm.bias_1, %grad.layers.0.mlp_norm.bias) ({
    ^bb0(%84: tensor<f32>):
      "exec.yield"(%84) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %85 = "exec.view"() {offset = 1032192 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%69, %82, %85) ({
    ^bb0(%86: tensor<f32>, %87: tensor<f32>):
      %88 = "graph.add"(%86, %87) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%88) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.reduce"(%85, %4) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.attn.o.bias_1 = "exec.reshape"(%4) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %89 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%85, %layers.0.attn.o.weight, %89) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %90 = "exec.reshape"(%34) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %91 = "exec.reshape"(%85) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%90, %91, %grad.layers.0.attn.o.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %92 = "exec.reshape"(%89) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %93 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x4x32x16xf32>
    "exec.copy"(%92, %93) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %94 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x4x32x32xf32>
    "exec.gemm"(%93, %l0.v, %94) {transpose_b = true} : (memref<2x4x32x16xf32>, memref<2x4x32x16xf32>, memref<2x4x32x32xf32>) -> ()
    %95 = "exec.view"() {offset = 1048576 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%l0.probs, %93, %95) {transpose_a = true} : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %96 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x4x32x32xf32>
    "exec.softmax_grad"(%l0.probs, %94, %96) : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %97 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x4x32x32xf32>
    "exec.elementwise"(%96, %97) ({
    ^bb0(%98: tensor<f32>):
      %99 = "graph.scale"(%98) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%99) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %100 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%97, %l0.k, %100) : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %101 = "exec.view"() {offset = 1015808 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%97, %l0.q, %101) {transpose_a = true} : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %102 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x4x16xf32>
    "exec.copy"(%95, %102) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %103 = "exec.view"() {offset = 983040 : i64} : () -> memref<2x32x4x16xf32>
    "exec.copy"(%101, %103) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %104 = "exec.view"() {offset = 1015808 : i64} : () -> memref<2x32x4x16xf32>
    "exec.copy"(%100, %104) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %105 = "exec.reshape"(%102) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %106 = "exec.reshape"(%103) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %107 = "exec.reshape"(%104) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    "exec.reduce"(%105, %3) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.attn.v.bias_1 = "exec.reshape"(%3) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %108 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%105, %layers.0.attn.v.weight, %108) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %109 = "exec.reshape"(%l0.attn_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %110 = "exec.reshape"(%105) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%109, %110, %grad.layers.0.attn.v.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    "exec.reduce"(%106, %2) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.attn.k.bias_1 = "exec.reshape"(%2) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %111 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%106, %layers.0.attn.k.weight, %111) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %112 = "exec.reshape"(%106) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%109, %112, %grad.layers.0.attn.k.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %113 = "exec.view"() {offset = 983040 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%108, %111, %113) ({
    ^bb0(%114: tensor<f32>, %115: tensor<f32>):
      %116 = "graph.add"(%114, %115) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%116) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.reduce"(%107, %1) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.attn.q.bias_1 = "exec.reshape"(%1) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %117 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%107, %layers.0.attn.q.weight, %117) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %118 = "exec.reshape"(%107) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%109, %118, %grad.layers.0.attn.q.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %119 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%113, %117, %119) ({
    ^bb0(%120: tensor<f32>, %121: tensor<f32>):
      %122 = "graph.add"(%120, %121) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%122) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %123 = "exec.view"() {offset = 966656 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.attn_norm.weight_1 = "exec.view"() {offset = 983040 : i64} : () -> memref<64xf32>
    %grad.layers.0.attn_norm.bias_1 = "exec.view"() {offset = 983296 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%embed, %layers.0.attn_norm.weight, %119, %123, %grad.layers.0.attn_norm.weight_1, %grad.layers.0.attn_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.attn_norm.weight_1, %grad.layers.0.attn_norm.weight) ({
    ^bb0(%124: tensor<f32>):
      "exec.yield"(%124) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%grad.layers.0.attn_norm.bias_1, %grad.layers.0.attn_norm.bias) ({
    ^bb0(%125: tensor<f32>):
      "exec.yield"(%125) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %126 = "exec.view"() {offset = 999424 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%85, %123, %126) ({
    ^bb0(%127: tensor<f32>, %128: tensor<f32>):
      %129 = "graph.add"(%127, %128) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%129) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.reduce"(%126, %0) {accumulate = true, axes = array<i64: 0>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x32x64xf32>) -> ()
    %grad.embed.positions.weight_1 = "exec.reshape"(%0) {shape = array<i64: 32, 64>} : (memref<1x32x64xf32>) -> memref<32x64xf32>
    %130 = "exec.view"() {offset = 966656 : i64} : () -> memref<128x64xf32>
    "exec.embedding_grad"(%tokens, %126, %130) {vocab = 128 : i64} : (memref<2x32xi32>, memref<2x32x64xf32>, memref<128x64xf32>) -> ()
    "exec.elementwise"(%68, %130, %grad.embed.tokens.weight) ({
    ^bb0(%131: tensor<f32>, %132: tensor<f32>):
      %133 = "graph.add"(%131, %132) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%133) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 2 : i64} : (memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @optimizer_step() {
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %embed.positions.weight = "exec.tensor"() {name = "embed.positions.weight"} : () -> memref<32x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn_norm.bias = "exec.tensor"() {name = "layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.q.bias = "exec.tensor"() {name = "layers.0.attn.q.bias"} : () -> memref<64xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.k.bias = "exec.tensor"() {name = "layers.0.attn.k.bias"} : () -> memref<64xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.v.bias = "exec.tensor"() {name = "layers.0.attn.v.bias"} : () -> memref<64xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.0.attn.o.bias = "exec.tensor"() {name = "layers.0.attn.o.bias"} : () -> memref<64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp_norm.bias = "exec.tensor"() {name = "layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.0.mlp.up.bias = "exec.tensor"() {name = "layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.0.mlp.down.bias = "exec.tensor"() {name = "layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<32x64xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<64xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    %exp_avg.embed.tokens.weight = "exec.tensor"() {name = "exp_avg.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg.embed.positions.weight = "exec.tensor"() {name = "exp_avg.embed.positions.weight"} : () -> memref<32x64xf32>
    %exp_avg.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn_norm.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.attn.q.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.q.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.attn.k.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.k.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.attn.v.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.v.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.0.attn.o.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.o.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.0.mlp_norm.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %exp_avg.layers.0.mlp.up.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %exp_avg.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %exp_avg.layers.0.mlp.down.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %exp_avg.final_norm.weight = "exec.tensor"() {name = "exp_avg.final_norm.weight"} : () -> memref<64xf32>
    %exp_avg.final_norm.bias = "exec.tensor"() {name = "exp_avg.final_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.embed.tokens.weight = "exec.tensor"() {name = "exp_avg_sq.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg_sq.embed.positions.weight = "exec.tensor"() {name = "exp_avg_sq.embed.positions.weight"} : () -> memref<32x64xf32>
    %exp_avg_sq.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.attn.q.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.q.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.k.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.attn.k.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.k.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.v.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.attn.v.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.v.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.0.attn.o.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.o.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.mlp_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.up.weight"} : () -> memref<64x256xf32>
    %exp_avg_sq.layers.0.mlp.up.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.up.bias"} : () -> memref<256xf32>
    %exp_avg_sq.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.down.weight"} : () -> memref<256x64xf32>
    %exp_avg_sq.layers.0.mlp.down.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %exp_avg_sq.final_norm.weight = "exec.tensor"() {name = "exp_avg_sq.final_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.final_norm.bias = "exec.tensor"() {name = "exp_avg_sq.final_norm.bias"} : () -> memref<64xf32>
    %step = "exec.tensor"() {name = "step"} : () -> memref<i64>
    %0 = "exec.view"() {offset = 966656 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %0) ({
    ^bb0(%1: tensor<f32>):
      %2 = "graph.mul"(%1, %1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%2) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<128x64xf32>, memref<128x64xf32>) -> ()
    %3 = "exec.view"() {offset = 999424 : i64} : () -> memref<f32>
    "exec.reduce"(%0, %3) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<128x64xf32>, memref<f32>) -> ()
    %4 = "exec.view"() {offset = 966656 : i64} : () -> memref<32x64xf32>
    "exec.elementwise"(%grad.embed.positions.weight, %4) ({
    ^bb0(%5: tensor<f32>):
      %6 = "graph.mul"(%5, %5) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%6) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32x64xf32>, memref<32x64xf32>) -> ()
    %7 = "exec.view"() {offset = 974848 : i64} : () -> memref<f32>
    "exec.reduce"(%4, %7) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<32x64xf32>, memref<f32>) -> ()
    %8 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%3, %7, %8) ({
    ^bb0(%9: tensor<f32>, %10: tensor<f32>):
      %11 = "graph.add"(%9, %10) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%11) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %12 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %12) ({
    ^bb0(%13: tensor<f32>):
      %14 = "graph.mul"(%13, %13) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%14) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %15 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%12, %15) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %16 = "exec.view"() {offset = 967424 : i64} : () -> memref<f32>
    "exec.elementwise"(%8, %15, %16) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %20 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.bias, %20) ({
    ^bb0(%21: tensor<f32>):
      %22 = "graph.mul"(%21, %21) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%22) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %23 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.reduce"(%20, %23) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %24 = "exec.view"() {offset = 983040 : i64} : () -> memref<f32>
    "exec.elementwise"(%16, %23, %24) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>):
      %27 = "graph.add"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%27) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %28 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %28) ({
    ^bb0(%29: tensor<f32>):
      %30 = "graph.mul"(%29, %29) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%30) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %31 = "exec.view"() {offset = 983296 : i64} : () -> memref<f32>
    "exec.reduce"(%28, %31) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %32 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%24, %31, %32) ({
    ^bb0(%33: tensor<f32>, %34: tensor<f32>):
      %35 = "graph.add"(%33, %34) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%35) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %36 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.bias, %36) ({
    ^bb0(%37: tensor<f32>):
      %38 = "graph.mul"(%37, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%38) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %39 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%36, %39) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %40 = "exec.view"() {offset = 983040 : i64} : () -> memref<f32>
    "exec.elementwise"(%32, %39, %40) ({
    ^bb0(%41: tensor<f32>, %42: tensor<f32>):
      %43 = "graph.add"(%41, %42) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%43) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %44 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %44) ({
    ^bb0(%45: tensor<f32>):
      %46 = "graph.mul"(%45, %45) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%46) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %47 = "exec.view"() {offset = 983296 : i64} : () -> memref<f32>
    "exec.reduce"(%44, %47) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %48 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%40, %47, %48) ({
    ^bb0(%49: tensor<f32>, %50: tensor<f32>):
      %51 = "graph.add"(%49, %50) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%51) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %52 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.bias, %52) ({
    ^bb0(%53: tensor<f32>):
      %54 = "graph.mul"(%53, %53) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%54) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %55 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%52, %55) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %56 = "exec.view"() {offset = 983040 : i64} : () -> memref<f32>
    "exec.elementwise"(%48, %55, %56) ({
    ^bb0(%57: tensor<f32>, %58: tensor<f32>):
      %59 = "graph.add"(%57, %58) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%59) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %60 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %60) ({
    ^bb0(%61: tensor<f32>):
      %62 = "graph.mul"(%61, %61) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%62) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %63 = "exec.view"() {offset = 983296 : i64} : () -> memref<f32>
    "exec.reduce"(%60, %63) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %64 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%56, %63, %64) ({
    ^bb0(%65: tensor<f32>, %66: tensor<f32>):
      %67 = "graph.add"(%65, %66) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%67) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %68 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.bias, %68) ({
    ^bb0(%69: tensor<f32>):
      %70 = "graph.mul"(%69, %69) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%70) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %71 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%68, %71) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %72 = "exec.view"() {offset = 983040 : i64} : () -> memref<f32>
    "exec.elementwise"(%64, %71, %72) ({
    ^bb0(%73: tensor<f32>, %74: tensor<f32>):
      %75 = "graph.add"(%73, %74) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%75) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %76 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %76) ({
    ^bb0(%77: tensor<f32>):
      %78 = "graph.mul"(%77, %77) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%78) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %79 = "exec.view"() {offset = 983296 : i64} : () -> memref<f32>
    "exec.reduce"(%76, %79) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %80 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%72, %79, %80) ({
    ^bb0(%81: tensor<f32>, %82: tensor<f32>):
      %83 = "graph.add"(%81, %82) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%83) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %84 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.bias, %84) ({
    ^bb0(%85: tensor<f32>):
      %86 = "graph.mul"(%85, %85) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%86) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %87 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%84, %87) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %88 = "exec.view"() {offset = 967424 : i64} : () -> memref<f32>
    "exec.elementwise"(%80, %87, %88) ({
    ^bb0(%89: tensor<f32>, %90: tensor<f32>):
      %91 = "graph.add"(%89, %90) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%91) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %92 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %92) ({
    ^bb0(%93: tensor<f32>):
      %94 = "graph.mul"(%93, %93) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%94) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %95 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.reduce"(%92, %95) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %96 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.elementwise"(%88, %95, %96) ({
    ^bb0(%97: tensor<f32>, %98: tensor<f32>):
      %99 = "graph.add"(%97, %98) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%99) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %100 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.bias, %100) ({
    ^bb0(%101: tensor<f32>):
      %102 = "graph.mul"(%101, %101) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%102) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %103 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.reduce"(%100, %103) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %104 = "exec.view"() {offset = 1032192 : i64} : () -> memref<f32>
    "exec.elementwise"(%96, %103, %104) ({
    ^bb0(%105: tensor<f32>, %106: tensor<f32>):
      %107 = "graph.add"(%105, %106) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%107) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %108 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x256xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %108) ({
    ^bb0(%109: tensor<f32>):
      %110 = "graph.mul"(%109, %109) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%110) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x256xf32>, memref<64x256xf32>) -> ()
    %111 = "exec.view"() {offset = 1032448 : i64} : () -> memref<f32>
    "exec.reduce"(%108, %111) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x256xf32>, memref<f32>) -> ()
    %112 = "exec.view"() {offset = 967680 : i64} : () -> memref<f32>
    "exec.elementwise"(%104, %111, %112) ({
    ^bb0(%113: tensor<f32>, %114: tensor<f32>):
      %115 = "graph.add"(%113, %114) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%115) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %116 = "exec.view"() {offset = 966656 : i64} : () -> memref<256xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.bias, %116) ({
    ^bb0(%117: tensor<f32>):
      %118 = "graph.mul"(%117, %117) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%118) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<256xf32>, memref<256xf32>) -> ()
    %119 = "exec.view"() {offset = 967936 : i64} : () -> memref<f32>
    "exec.reduce"(%116, %119) {axes = array<i64: 0>, kind = "sum"} : (memref<256xf32>, memref<f32>) -> ()
    %120 = "exec.view"() {offset = 1032192 : i64} : () -> memref<f32>
    "exec.elementwise"(%112, %119, %120) ({
    ^bb0(%121: tensor<f32>, %122: tensor<f32>):
      %123 = "graph.add"(%121, %122) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%123) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %124 = "exec.view"() {offset = 966656 : i64} : () -> memref<256x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %124) ({
    ^bb0(%125: tensor<f32>):
      %126 = "graph.mul"(%125, %125) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%126) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<256x64xf32>, memref<256x64xf32>) -> ()
    %127 = "exec.view"() {offset = 1032448 : i64} : () -> memref<f32>
    "exec.reduce"(%124, %127) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<256x64xf32>, memref<f32>) -> ()
    %128 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.elementwise"(%120, %127, %128) ({
    ^bb0(%129: tensor<f32>, %130: tensor<f32>):
      %131 = "graph.add"(%129, %130) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%131) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %132 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.bias, %132) ({
    ^bb0(%133: tensor<f32>):
      %134 = "graph.mul"(%133, %133) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%134) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %135 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.reduce"(%132, %135) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %136 = "exec.view"() {offset = 967424 : i64} : () -> memref<f32>
    "exec.elementwise"(%128, %135, %136) ({
    ^bb0(%137: tensor<f32>, %138: tensor<f32>):
      %139 = "graph.add"(%137, %138) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%139) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %140 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.weight, %140) ({
    ^bb0(%141: tensor<f32>):
      %142 = "graph.mul"(%141, %141) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%142) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %143 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.reduce"(%140, %143) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %144 = "exec.view"() {offset = 967168 : i64} : () -> memref<f32>
    "exec.elementwise"(%136, %143, %144) ({
    ^bb0(%145: tensor<f32>, %146: tensor<f32>):
      %147 = "graph.add"(%145, %146) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%147) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %148 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.bias, %148) ({
    ^bb0(%149: tensor<f32>):
      %150 = "graph.mul"(%149, %149) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%150) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %151 = "exec.view"() {offset = 966912 : i64} : () -> memref<f32>
    "exec.reduce"(%148, %151) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %grad_sum_of_squares = "exec.view"() {offset = 966656 : i64} : () -> memref<f32>
    "exec.elementwise"(%144, %151, %grad_sum_of_squares) ({
    ^bb0(%152: tensor<f32>, %153: tensor<f32>):
      %154 = "graph.add"(%152, %153) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%154) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %clip_coef = "exec.view"() {offset = 1032192 : i64} : () -> memref<f32>
    "exec.clip_coef"(%grad_sum_of_squares, %clip_coef) {max_norm = 1.0 : f64} : (memref<f32>, memref<f32>) -> ()
    %lr = "exec.view"() {offset = 1032448 : i64} : () -> memref<f32>
    "exec.lr_schedule"(%step, %lr) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (memref<i64>, memref<f32>) -> ()
    %155 = "exec.view"() {offset = 966656 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %clip_coef, %155) ({
    ^bb0(%156: tensor<f32>, %157: tensor<f32>):
      %158 = "graph.mul"(%156, %157) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%158) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<128x64xf32>, memref<f32>, memref<128x64xf32>) -> ()
    "exec.adamw"(%embed.tokens.weight, %155, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<f32>, memref<i64>) -> ()
    %159 = "exec.view"() {offset = 966656 : i64} : () -> memref<32x64xf32>
    "exec.elementwise"(%grad.embed.positions.weight, %clip_coef, %159) ({
    ^bb0(%160: tensor<f32>, %161: tensor<f32>):
      %162 = "graph.mul"(%160, %161) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%162) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32x64xf32>, memref<f32>, memref<32x64xf32>) -> ()
    "exec.adamw"(%embed.positions.weight, %159, %exp_avg.embed.positions.weight, %exp_avg_sq.embed.positions.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32x64xf32>, memref<32x64xf32>, memref<32x64xf32>, memref<32x64xf32>, memref<f32>, memref<i64>) -> ()
    %163 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %clip_coef, %163) ({
    ^bb0(%164: tensor<f32>, %165: tensor<f32>):
      %166 = "graph.mul"(%164, %165) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%166) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn_norm.weight, %163, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %167 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.bias, %clip_coef, %167) ({
    ^bb0(%168: tensor<f32>, %169: tensor<f32>):
      %170 = "graph.mul"(%168, %169) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%170) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn_norm.bias, %167, %exp_avg.layers.0.attn_norm.bias, %exp_avg_sq.layers.0.attn_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %171 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %clip_coef, %171) ({
    ^bb0(%172: tensor<f32>, %173: tensor<f32>):
      %174 = "graph.mul"(%172, %173) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%174) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.q.weight, %171, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %175 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.bias, %clip_coef, %175) ({
    ^bb0(%176: tensor<f32>, %177: tensor<f32>):
      %178 = "graph.mul"(%176, %177) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%178) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.q.bias, %175, %exp_avg.layers.0.attn.q.bias, %exp_avg_sq.layers.0.attn.q.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %179 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %clip_coef, %179) ({
    ^bb0(%180: tensor<f32>, %181: tensor<f32>):
      %182 = "graph.mul"(%180, %181) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%182) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.k.weight, %179, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %183 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.bias, %clip_coef, %183) ({
    ^bb0(%184: tensor<f32>, %185: tensor<f32>):
      %186 = "graph.mul"(%184, %185) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%186) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.k.bias, %183, %exp_avg.layers.0.attn.k.bias, %exp_avg_sq.layers.0.attn.k.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %187 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %clip_coef, %187) ({
    ^bb0(%188: tensor<f32>, %189: tensor<f32>):
      %190 = "graph.mul"(%188, %189) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%190) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.v.weight, %187, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %191 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.bias, %clip_coef, %191) ({
    ^bb0(%192: tensor<f32>, %193: tensor<f32>):
      %194 = "graph.mul"(%192, %193) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%194) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.v.bias, %191, %exp_avg.layers.0.attn.v.bias, %exp_avg_sq.layers.0.attn.v.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %195 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %clip_coef, %195) ({
    ^bb0(%196: tensor<f32>, %197: tensor<f32>):
      %198 = "graph.mul"(%196, %197) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%198) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.o.weight, %195, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %199 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.bias, %clip_coef, %199) ({
    ^bb0(%200: tensor<f32>, %201: tensor<f32>):
      %202 = "graph.mul"(%200, %201) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%202) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.attn.o.bias, %199, %exp_avg.layers.0.attn.o.bias, %exp_avg_sq.layers.0.attn.o.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %203 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %clip_coef, %203) ({
    ^bb0(%204: tensor<f32>, %205: tensor<f32>):
      %206 = "graph.mul"(%204, %205) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%206) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp_norm.weight, %203, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %207 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.bias, %clip_coef, %207) ({
    ^bb0(%208: tensor<f32>, %209: tensor<f32>):
      %210 = "graph.mul"(%208, %209) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%210) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp_norm.bias, %207, %exp_avg.layers.0.mlp_norm.bias, %exp_avg_sq.layers.0.mlp_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %211 = "exec.view"() {offset = 966656 : i64} : () -> memref<64x256xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %clip_coef, %211) ({
    ^bb0(%212: tensor<f32>, %213: tensor<f32>):
      %214 = "graph.mul"(%212, %213) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%214) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x256xf32>, memref<f32>, memref<64x256xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.up.weight, %211, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x256xf32>, memref<64x256xf32>, memref<64x256xf32>, memref<64x256xf32>, memref<f32>, memref<i64>) -> ()
    %215 = "exec.view"() {offset = 966656 : i64} : () -> memref<256xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.bias, %clip_coef, %215) ({
    ^bb0(%216: tensor<f32>, %217: tensor<f32>):
      %218 = "graph.mul"(%216, %217) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%218) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<256xf32>, memref<f32>, memref<256xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.up.bias, %215, %exp_avg.layers.0.mlp.up.bias, %exp_avg_sq.layers.0.mlp.up.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<256xf32>, memref<256xf32>, memref<256xf32>, memref<256xf32>, memref<f32>, memref<i64>) -> ()
    %219 = "exec.view"() {offset = 966656 : i64} : () -> memref<256x64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %clip_coef, %219) ({
    ^bb0(%220: tensor<f32>, %221: tensor<f32>):
      %222 = "graph.mul"(%220, %221) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%222) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<256x64xf32>, memref<f32>, memref<256x64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.down.weight, %219, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<256x64xf32>, memref<256x64xf32>, memref<256x64xf32>, memref<256x64xf32>, memref<f32>, memref<i64>) -> ()
    %223 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.bias, %clip_coef, %223) ({
    ^bb0(%224: tensor<f32>, %225: tensor<f32>):
      %226 = "graph.mul"(%224, %225) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%226) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.0.mlp.down.bias, %223, %exp_avg.layers.0.mlp.down.bias, %exp_avg_sq.layers.0.mlp.down.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %227 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.weight, %clip_coef, %227) ({
    ^bb0(%228: tensor<f32>, %229: tensor<f32>):
      %230 = "graph.mul"(%228, %229) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%230) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%final_norm.weight, %227, %exp_avg.final_norm.weight, %exp_avg_sq.final_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %231 = "exec.view"() {offset = 966656 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.bias, %clip_coef, %231) ({
    ^bb0(%232: tensor<f32>, %233: tensor<f32>):
      %234 = "graph.mul"(%232, %233) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%234) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%final_norm.bias, %231, %exp_avg.final_norm.bias, %exp_avg_sq.final_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    "func.return"() : () -> ()
  }
}
