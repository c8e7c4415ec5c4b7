module attributes {exec.memory = {activations = 180224 : i64, arena = 616448 : i64, gradients = 62912 : i64, inputs = 520 : i64, optimizer_state = 125824 : i64, outputs = 4 : i64, parameters = 125824 : i64, persistent = 320768 : i64, stash = 0 : i64, temporaries = 115456 : i64, transient = 295680 : i64}, exec.mesh = {dp = 2 : i64, tp = 2 : i64}, exec.microbatches = 2 : i64, exec.params = [{name = "embed.tokens.weight", placement = ["R", "S(0)"], shape = array<i64: 128, 64>, zero_flat = false}, {name = "embed.positions.weight", placement = ["R", "R"], shape = array<i64: 32, 64>, zero_flat = false}, {name = "layers.0.attn_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.q.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.q.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.k.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.k.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.v.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.v.bias", placement = ["R", "S(0)"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.attn.o.weight", placement = ["R", "S(0)"], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.0.attn.o.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "layers.0.mlp.up.weight", placement = ["R", "S(1)"], shape = array<i64: 64, 256>, zero_flat = false}, {name = "layers.0.mlp.up.bias", placement = ["R", "S(0)"], shape = array<i64: 256>, zero_flat = false}, {name = "layers.0.mlp.down.weight", placement = ["R", "S(0)"], shape = array<i64: 256, 64>, zero_flat = false}, {name = "layers.0.mlp.down.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.weight", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.bias", placement = ["R", "R"], shape = array<i64: 64>, zero_flat = false}], exec.tensors = [{dtype = "i32", name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "i32", name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "f32", name = "embed.tokens.weight", offset = 512 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "embed.positions.weight", offset = 16896 : i64, role = "param", shape = array<i64: 32, 64>}, {dtype = "f32", name = "layers.0.attn_norm.weight", offset = 25088 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn_norm.bias", offset = 25344 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.attn.q.weight", offset = 25600 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.q.bias", offset = 33792 : i64, role = "param", shape = array<i64: 32>}, {dtype = "f32", name = "layers.0.attn.k.weight", offset = 34048 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.k.bias", offset = 42240 : i64, role = "param", shape = array<i64: 32>}, {dtype = "f32", name = "layers.0.attn.v.weight", offset = 42496 : i64, role = "param", shape = array<i64: 64, 32>}, {dtype = "f32", name = "layers.0.attn.v.bias", offset = 50688 : i64, role = "param", shape = array<i64: 32>}, {dtype = "f32", name = "layers.0.attn.o.weight", offset = 50944 : i64, role = "param", shape = array<i64: 32, 64>}, {dtype = "f32", name = "layers.0.attn.o.bias", offset = 59136 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp_norm.weight", offset = 59392 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp_norm.bias", offset = 59648 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.0.mlp.up.weight", offset = 59904 : i64, role = "param", shape = array<i64: 64, 128>}, {dtype = "f32", name = "layers.0.mlp.up.bias", offset = 92672 : i64, role = "param", shape = array<i64: 128>}, {dtype = "f32", name = "layers.0.mlp.down.weight", offset = 93184 : i64, role = "param", shape = array<i64: 128, 64>}, {dtype = "f32", name = "layers.0.mlp.down.bias", offset = 125952 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.weight", offset = 126208 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.bias", offset = 126464 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "loss", offset = 126720 : i64, role = "output", shape = array<i64>}, {dtype = "f32", name = "grad.embed.tokens.weight", offset = 126976 : i64, role = "grad", shape = array<i64: 2048>}, {dtype = "f32", name = "grad.embed.positions.weight", offset = 135168 : i64, role = "grad", shape = array<i64: 1024>}, {dtype = "f32", name = "grad.layers.0.attn_norm.weight", offset = 139264 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.layers.0.attn_norm.bias", offset = 139520 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.layers.0.attn.q.weight", offset = 139776 : i64, role = "grad", shape = array<i64: 1024>}, {dtype = "f32", name = "grad.layers.0.attn.q.bias", offset = 143872 : i64, role = "grad", shape = array<i64: 16>}, {dtype = "f32", name = "grad.layers.0.attn.k.weight", offset = 144128 : i64, role = "grad", shape = array<i64: 1024>}, {dtype = "f32", name = "grad.layers.0.attn.k.bias", offset = 148224 : i64, role = "grad", shape = array<i64: 16>}, {dtype = "f32", name = "grad.layers.0.attn.v.weight", offset = 148480 : i64, role = "grad", shape = array<i64: 1024>}, {dtype = "f32", name = "grad.layers.0.attn.v.bias", offset = 152576 : i64, role = "grad", shape = array<i64: 16>}, {dtype = "f32", name = "grad.layers.0.attn.o.weight", offset = 152832 : i64, role = "grad", shape = array<i64: 1024>}, {dtype = "f32", name = "grad.layers.0.attn.o.bias", offset = 156928 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.weight", offset = 157184 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.layers.0.mlp_norm.bias", offset = 157440 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.layers.0.mlp.up.weight", offset = 157696 : i64, role = "grad", shape = array<i64: 4096>}, {dtype = "f32", name = "grad.layers.0.mlp.up.bias", offset = 174080 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.0.mlp.down.weight", offset = 174336 : i64, role = "grad", shape = array<i64: 4096>}, {dtype = "f32", name = "grad.layers.0.mlp.down.bias", offset = 190720 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.final_norm.weight", offset = 190976 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "grad.final_norm.bias", offset = 191232 : i64, role = "grad", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.embed.tokens.weight", offset = 191488 : i64, role = "state", shape = array<i64: 2048>}, {dtype = "f32", name = "exp_avg.embed.positions.weight", offset = 199680 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.weight", offset = 203776 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn_norm.bias", offset = 204032 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.weight", offset = 204288 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg.layers.0.attn.q.bias", offset = 208384 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.weight", offset = 208640 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg.layers.0.attn.k.bias", offset = 212736 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.weight", offset = 212992 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg.layers.0.attn.v.bias", offset = 217088 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.weight", offset = 217344 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg.layers.0.attn.o.bias", offset = 221440 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.weight", offset = 221696 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.layers.0.mlp_norm.bias", offset = 221952 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.weight", offset = 222208 : i64, role = "state", shape = array<i64: 4096>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.up.bias", offset = 238592 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.weight", offset = 238848 : i64, role = "state", shape = array<i64: 4096>}, {dtype = "f32", name = "exp_avg.layers.0.mlp.down.bias", offset = 255232 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.final_norm.weight", offset = 255488 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg.final_norm.bias", offset = 255744 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.embed.tokens.weight", offset = 256000 : i64, role = "state", shape = array<i64: 2048>}, {dtype = "f32", name = "exp_avg_sq.embed.positions.weight", offset = 264192 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.weight", offset = 268288 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn_norm.bias", offset = 268544 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.weight", offset = 268800 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.q.bias", offset = 272896 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.weight", offset = 273152 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.k.bias", offset = 277248 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.weight", offset = 277504 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.v.bias", offset = 281600 : i64, role = "state", shape = array<i64: 16>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.weight", offset = 281856 : i64, role = "state", shape = array<i64: 1024>}, {dtype = "f32", name = "exp_avg_sq.layers.0.attn.o.bias", offset = 285952 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.weight", offset = 286208 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp_norm.bias", offset = 286464 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.weight", offset = 286720 : i64, role = "state", shape = array<i64: 4096>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.up.bias", offset = 303104 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.weight", offset = 303360 : i64, role = "state", shape = array<i64: 4096>}, {dtype = "f32", name = "exp_avg_sq.layers.0.mlp.down.bias", offset = 319744 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.final_norm.weight", offset = 320000 : i64, role = "state", shape = array<i64: 32>}, {dtype = "f32", name = "exp_avg_sq.final_norm.bias", offset = 320256 : i64, role = "state", shape = array<i64: 32>}, {dtype = "i64", name = "step", offset = 320512 : i64, role = "input", shape = array<i64>}], parc.model = {activation = "gelu", bias = true, ffn = 256 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 4 : i64, layers = 1 : i64, name = "gpt-tiny", norm = "layernorm", position = "learned", seq_len = 32 : i64, tie_embeddings = true, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
  func.func @train_step() {
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    "exec.fill"(%loss) {value = 0.0 : f64} : (memref<f32>) -> ()
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<2048xf32>
    "exec.fill"(%grad.embed.tokens.weight) {value = 0.0 : f64} : (memref<2048xf32>) -> ()
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<1024xf32>
    "exec.fill"(%grad.embed.positions.weight) {value = 0.0 : f64} : (memref<1024xf32>) -> ()
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.attn_norm.weight) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.attn_norm.bias) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<1024xf32>
    "exec.fill"(%grad.layers.0.attn.q.weight) {value = 0.0 : f64} : (memref<1024xf32>) -> ()
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<16xf32>
    "exec.fill"(%grad.layers.0.attn.q.bias) {value = 0.0 : f64} : (memref<16xf32>) -> ()
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<1024xf32>
    "exec.fill"(%grad.layers.0.attn.k.weight) {value = 0.0 : f64} : (memref<1024xf32>) -> ()
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<16xf32>
    "exec.fill"(%grad.layers.0.attn.k.bias) {value = 0.0 : f64} : (memref<16xf32>) -> ()
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<1024xf32>
    "exec.fill"(%grad.layers.0.attn.v.weight) {value = 0.0 : f64} : (memref<1024xf32>) -> ()
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<16xf32>
    "exec.fill"(%grad.layers.0.attn.v.bias) {value = 0.0 : f64} : (memref<16xf32>) -> ()
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<1024xf32>
    "exec.fill"(%grad.layers.0.attn.o.weight) {value = 0.0 : f64} : (memref<1024xf32>) -> ()
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.attn.o.bias) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.mlp_norm.weight) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.mlp_norm.bias) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<4096xf32>
    "exec.fill"(%grad.layers.0.mlp.up.weight) {value = 0.0 : f64} : (memref<4096xf32>) -> ()
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.0.mlp.up.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<4096xf32>
    "exec.fill"(%grad.layers.0.mlp.down.weight) {value = 0.0 : f64} : (memref<4096xf32>) -> ()
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<32xf32>
    "exec.fill"(%grad.layers.0.mlp.down.bias) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<32xf32>
    "exec.fill"(%grad.final_norm.weight) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<32xf32>
    "exec.fill"(%grad.final_norm.bias) {value = 0.0 : f64} : (memref<32xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.call"() {callee = "forward_backward"} : () -> ()
    "exec.all_reduce"(%loss) {axis = "dp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    "exec.call"() {callee = "optimizer_step"} : () -> ()
    "func.return"() : () -> ()
  }

  func.func @forward_backward() {
    %tokens = "exec.tensor"() {name = "tokens"} : () -> memref<2x32xi32>
    %labels = "exec.tensor"() {name = "labels"} : () -> memref<2x32xi32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<64x64xf32>
    %embed.positions.weight = "exec.tensor"() {name = "embed.positions.weight"} : () -> memref<32x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn_norm.bias = "exec.tensor"() {name = "layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.q.bias = "exec.tensor"() {name = "layers.0.attn.q.bias"} : () -> memref<32xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.k.bias = "exec.tensor"() {name = "layers.0.attn.k.bias"} : () -> memref<32xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.bias = "exec.tensor"() {name = "layers.0.attn.v.bias"} : () -> memref<32xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<32x64xf32>
    %layers.0.attn.o.bias = "exec.tensor"() {name = "layers.0.attn.o.bias"} : () -> memref<64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp_norm.bias = "exec.tensor"() {name = "layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x128xf32>
    %layers.0.mlp.up.bias = "exec.tensor"() {name = "layers.0.mlp.up.bias"} : () -> memref<128xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<128x64xf32>
    %layers.0.mlp.down.bias = "exec.tensor"() {name = "layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<2048xf32>
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<32xf32>
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<32xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<32xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<32xf32>
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<32xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<4096xf32>
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<4096xf32>
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<32xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<32xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<32xf32>
    %0 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x64xf32>
    "exec.embedding"(%embed.tokens.weight, %tokens, %0) {shard_axis = "tp"} : (memref<64x64xf32>, memref<2x32xi32>, memref<2x32x64xf32>) -> ()
    "exec.all_reduce"(%0) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32x64xf32>) -> ()
    %embed = "exec.view"() {offset = 451840 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%0, %embed.positions.weight, %embed) ({
    ^bb0(%1: tensor<f32>, %2: tensor<f32>):
      %3 = "graph.add"(%1, %2) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%3) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.attn_in = "exec.view"() {offset = 468224 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%embed, %layers.0.attn_norm.weight, %layers.0.attn_norm.bias, %l0.attn_in) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %4 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.q.weight, %4) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %5 = "exec.view"() {offset = 328960 : i64} : () -> memref<2x32x32xf32>
    "exec.elementwise"(%4, %layers.0.attn.q.bias, %5) ({
    ^bb0(%6: tensor<f32>, %7: tensor<f32>):
      %8 = "graph.add"(%6, %7) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%8) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x32xf32>, memref<32xf32>, memref<2x32x32xf32>) -> ()
    %9 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.k.weight, %9) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %10 = "exec.view"() {offset = 337152 : i64} : () -> memref<2x32x32xf32>
    "exec.elementwise"(%9, %layers.0.attn.k.bias, %10) ({
    ^bb0(%11: tensor<f32>, %12: tensor<f32>):
      %13 = "graph.add"(%11, %12) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%13) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x32xf32>, memref<32xf32>, memref<2x32x32xf32>) -> ()
    %14 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%l0.attn_in, %layers.0.attn.v.weight, %14) : (memref<2x32x64xf32>, memref<64x32xf32>, memref<2x32x32xf32>) -> ()
    %15 = "exec.view"() {offset = 345344 : i64} : () -> memref<2x32x32xf32>
    "exec.elementwise"(%14, %layers.0.attn.v.bias, %15) ({
    ^bb0(%16: tensor<f32>, %17: tensor<f32>):
      %18 = "graph.add"(%16, %17) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%18) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x32xf32>, memref<32xf32>, memref<2x32x32xf32>) -> ()
    %19 = "exec.reshape"(%5) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %20 = "exec.reshape"(%10) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %21 = "exec.reshape"(%15) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %l0.q = "exec.view"() {offset = 582912 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%19, %l0.q) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %l0.k = "exec.view"() {offset = 591104 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%20, %l0.k) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %l0.v = "exec.view"() {offset = 599296 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%21, %l0.v) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %22 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x2x32x32xf32>
    "exec.gemm"(%l0.q, %l0.k, %22) {transpose_b = true} : (memref<2x2x32x16xf32>, memref<2x2x32x16xf32>, memref<2x2x32x32xf32>) -> ()
    %l0.scores = "exec.view"() {offset = 337152 : i64} : () -> memref<2x2x32x32xf32>
    "exec.elementwise"(%22, %l0.scores) ({
    ^bb0(%23: tensor<f32>):
      %24 = "graph.scale"(%23) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%24) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x32x32xf32>, memref<2x2x32x32xf32>) -> ()
    %l0.probs = "exec.view"() {offset = 484608 : i64} : () -> memref<2x2x32x32xf32>
    "exec.softmax"(%l0.scores, %l0.probs) {causal = true} : (memref<2x2x32x32xf32>, memref<2x2x32x32xf32>) -> ()
    %25 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x2x32x16xf32>
    "exec.gemm"(%l0.probs, %l0.v, %25) : (memref<2x2x32x32xf32>, memref<2x2x32x16xf32>, memref<2x2x32x16xf32>) -> ()
    %26 = "exec.view"() {offset = 607488 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%25, %26) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %27 = "exec.reshape"(%26) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %28 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%27, %layers.0.attn.o.weight, %28) : (memref<2x32x32xf32>, memref<32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.all_reduce"(%28) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32x64xf32>) -> ()
    %l0.resid = "exec.view"() {offset = 500992 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%28, %layers.0.attn.o.bias, %embed, %l0.resid) ({
    ^bb0(%29: tensor<f32>, %30: tensor<f32>, %31: tensor<f32>):
      %32 = "graph.add"(%29, %30) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %33 = "graph.add"(%31, %32) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%33) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %l0.mlp_in = "exec.view"() {offset = 517376 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%l0.resid, %layers.0.mlp_norm.weight, %layers.0.mlp_norm.bias, %l0.mlp_in) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %34 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x128xf32>
    "exec.gemm"(%l0.mlp_in, %layers.0.mlp.up.weight, %34) : (memref<2x32x64xf32>, memref<64x128xf32>, memref<2x32x128xf32>) -> ()
    %35 = "exec.view"() {offset = 353536 : i64} : () -> memref<2x32x128xf32>
    %l0.mlp_act = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x128xf32>
    "exec.elementwise"(%34, %layers.0.mlp.up.bias, %35, %l0.mlp_act) ({
    ^bb0(%36: tensor<f32>, %37: tensor<f32>):
      %38 = "graph.add"(%36, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %39 = "graph.gelu"(%38) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%38, %39) : (tensor<f32>, tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x128xf32>, memref<128xf32>, memref<2x32x128xf32>, memref<2x32x128xf32>) -> ()
    %40 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%l0.mlp_act, %layers.0.mlp.down.weight, %40) : (memref<2x32x128xf32>, memref<128x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.all_reduce"(%40) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32x64xf32>) -> ()
    %l0.out = "exec.view"() {offset = 337152 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%40, %layers.0.mlp.down.bias, %l0.resid, %l0.out) ({
    ^bb0(%41: tensor<f32>, %42: tensor<f32>, %43: tensor<f32>):
      %44 = "graph.add"(%41, %42) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %45 = "graph.add"(%43, %44) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%45) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %46 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm"(%l0.out, %final_norm.weight, %final_norm.bias, %46) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %logits = "exec.view"() {offset = 419072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%46, %embed.tokens.weight, %logits) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %47 = "exec.view"() {offset = 533760 : i64} : () -> memref<2x32xf32>
    "exec.reduce"(%logits, %47) {axes = array<i64: -1>, kind = "max"} : (memref<2x32x64xf32>, memref<2x32xf32>) -> ()
    "exec.all_reduce"(%47) {axis = "tp", op = "max", size = 2 : i64} : (memref<2x32xf32>) -> ()
    %48 = "exec.view"() {offset = 534016 : i64} : () -> memref<2x32xf32>
    %49 = "exec.view"() {offset = 435456 : i64} : () -> memref<2x32xf32>
    "exec.cross_entropy_stats"(%logits, %labels, %47, %48, %49) {shard_axis = "tp", vocab = 128 : i64} : (memref<2x32x64xf32>, memref<2x32xi32>, memref<2x32xf32>, memref<2x32xf32>, memref<2x32xf32>) -> ()
    "exec.all_reduce"(%48, %49) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32xf32>, memref<2x32xf32>) -> ()
    %token_loss = "exec.view"() {offset = 435712 : i64} : () -> memref<2x32xf32>
    "exec.cross_entropy_from_stats"(%48, %47, %49, %token_loss) : (memref<2x32xf32>, memref<2x32xf32>, memref<2x32xf32>, memref<2x32xf32>) -> ()
    %50 = "exec.view"() {offset = 435456 : i64} : () -> memref<f32>
    "exec.reduce"(%token_loss, %50) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<2x32xf32>, memref<f32>) -> ()
    "exec.elementwise"(%50, %loss) ({
    ^bb0(%51: tensor<f32>):
      %52 = "graph.scale"(%51) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%52) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    %53 = "exec.view"() {offset = 435456 : i64} : () -> memref<f32>
    "exec.fill"(%53) {value = 1.0 : f64} : (memref<f32>) -> ()
    %54 = "exec.view"() {offset = 435968 : i64} : () -> memref<f32>
    "exec.elementwise"(%53, %54) ({
    ^bb0(%55: tensor<f32>):
      %56 = "graph.scale"(%55) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%56) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    %57 = "exec.reshape"(%54) {shape = array<i64: 1, 1>} : (memref<f32>) -> memref<1x1xf32>
    %58 = "exec.view"() {offset = 435456 : i64} : () -> memref<4x32xf32>
    "exec.elementwise"(%57, %58) ({
    ^bb0(%59: tensor<f32>):
      "exec.yield"(%59) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1x1xf32>, memref<4x32xf32>) -> ()
    %60 = "exec.view"() {offset = 534272 : i64} : () -> memref<2x32xf32>
    "exec.shard_slice"(%58, %60) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<4x32xf32>, memref<2x32xf32>) -> ()
    %61 = "exec.view"() {offset = 435456 : i64} : () -> memref<2x32x64xf32>
    "exec.cross_entropy_grad_stats"(%logits, %labels, %47, %48, %60, %61) {shard_axis = "tp", vocab = 128 : i64} : (memref<2x32x64xf32>, memref<2x32xi32>, memref<2x32xf32>, memref<2x32xf32>, memref<2x32xf32>, memref<2x32x64xf32>) -> ()
    %62 = "exec.view"() {offset = 419072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%61, %embed.tokens.weight, %62) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %63 = "exec.reshape"(%46) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %64 = "exec.reshape"(%61) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %65 = "exec.view"() {offset = 533760 : i64} : () -> memref<64x64xf32>
    "exec.gemm"(%64, %63, %65) {transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %66 = "exec.view"() {offset = 550144 : i64} : () -> memref<2x32x64xf32>
    %grad.final_norm.weight_1 = "exec.view"() {offset = 615680 : i64} : () -> memref<64xf32>
    %grad.final_norm.bias_1 = "exec.view"() {offset = 615936 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%l0.out, %final_norm.weight, %62, %66, %grad.final_norm.weight_1, %grad.final_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    %67 = "exec.view"() {offset = 616192 : i64} : () -> memref<1x1x64xf32>
    "exec.reduce"(%66, %67) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.mlp.down.bias_1 = "exec.reshape"(%67) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %68 = "exec.view"() {offset = 566528 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%66, %68) ({
    ^bb0(%69: tensor<f32>):
      "exec.yield"(%69) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.all_reduce"(%68) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32x64xf32>) -> ()
    %70 = "exec.view"() {offset = 320768 : i64} : () -> memref<2x32x128xf32>
    "exec.gemm"(%68, %layers.0.mlp.down.weight, %70) {transpose_b = true} : (memref<2x32x64xf32>, memref<128x64xf32>, memref<2x32x128xf32>) -> ()
    %71 = "exec.reshape"(%l0.mlp_act) {shape = array<i64: 64, 128>} : (memref<2x32x128xf32>) -> memref<64x128xf32>
    %72 = "exec.reshape"(%66) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %73 = "exec.reshape"(%68) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %grad.layers.0.mlp.down.weight_1 = "exec.view"() {offset = 419072 : i64} : () -> memref<128x64xf32>
    "exec.gemm"(%71, %73, %grad.layers.0.mlp.down.weight_1) {transpose_a = true} : (memref<64x128xf32>, memref<64x64xf32>, memref<128x64xf32>) -> ()
    %74 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x128xf32>
    "exec.elementwise"(%35, %70, %74) ({
    ^bb0(%75: tensor<f32>, %76: tensor<f32>):
      %77 = "graph.gelu_grad"(%75, %76) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%77) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x128xf32>, memref<2x32x128xf32>, memref<2x32x128xf32>) -> ()
    %78 = "exec.view"() {offset = 566528 : i64} : () -> memref<1x1x128xf32>
    "exec.reduce"(%74, %78) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x128xf32>, memref<1x1x128xf32>) -> ()
    %grad.layers.0.mlp.up.bias_1 = "exec.reshape"(%78) {shape = array<i64: 128>} : (memref<1x1x128xf32>) -> memref<128xf32>
    %79 = "exec.view"() {offset = 353536 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%74, %layers.0.mlp.up.weight, %79) {transpose_b = true} : (memref<2x32x128xf32>, memref<64x128xf32>, memref<2x32x64xf32>) -> ()
    %80 = "exec.reshape"(%l0.mlp_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %81 = "exec.reshape"(%74) {shape = array<i64: 64, 128>} : (memref<2x32x128xf32>) -> memref<64x128xf32>
    %grad.layers.0.mlp.up.weight_1 = "exec.view"() {offset = 320768 : i64} : () -> memref<64x128xf32>
    "exec.gemm"(%80, %81, %grad.layers.0.mlp.up.weight_1) {transpose_a = true} : (memref<64x64xf32>, memref<64x128xf32>, memref<64x128xf32>) -> ()
    %82 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.mlp_norm.weight_1 = "exec.view"() {offset = 525568 : i64} : () -> memref<64xf32>
    %grad.layers.0.mlp_norm.bias_1 = "exec.view"() {offset = 525824 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%l0.resid, %layers.0.mlp_norm.weight, %79, %82, %grad.layers.0.mlp_norm.weight_1, %grad.layers.0.mlp_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    %83 = "exec.view"() {offset = 353536 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%66, %82, %83) ({
    ^bb0(%84: tensor<f32>, %85: tensor<f32>):
      %86 = "graph.add"(%84, %85) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%86) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %87 = "exec.view"() {offset = 526080 : i64} : () -> memref<1x1x64xf32>
    "exec.reduce"(%83, %87) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.0.attn.o.bias_1 = "exec.reshape"(%87) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %88 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%83, %88) ({
    ^bb0(%89: tensor<f32>):
      "exec.yield"(%89) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.all_reduce"(%88) {axis = "tp", op = "sum", size = 2 : i64} : (memref<2x32x64xf32>) -> ()
    %90 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x32xf32>
    "exec.gemm"(%88, %layers.0.attn.o.weight, %90) {transpose_b = true} : (memref<2x32x64xf32>, memref<32x64xf32>, memref<2x32x32xf32>) -> ()
    %91 = "exec.reshape"(%27) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    %92 = "exec.reshape"(%83) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %93 = "exec.reshape"(%88) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %grad.layers.0.attn.o.weight_1 = "exec.view"() {offset = 500992 : i64} : () -> memref<32x64xf32>
    "exec.gemm"(%91, %93, %grad.layers.0.attn.o.weight_1) {transpose_a = true} : (memref<64x32xf32>, memref<64x64xf32>, memref<32x64xf32>) -> ()
    %94 = "exec.reshape"(%90) {shape = array<i64: 2, 32, 2, 16>} : (memref<2x32x32xf32>) -> memref<2x32x2x16xf32>
    %95 = "exec.view"() {offset = 394496 : i64} : () -> memref<2x2x32x16xf32>
    "exec.copy"(%94, %95) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x2x16xf32>, memref<2x2x32x16xf32>) -> ()
    %96 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x2x32x32xf32>
    "exec.gemm"(%95, %l0.v, %96) {transpose_b = true} : (memref<2x2x32x16xf32>, memref<2x2x32x16xf32>, memref<2x2x32x32xf32>) -> ()
    %97 = "exec.view"() {offset = 402688 : i64} : () -> memref<2x2x32x16xf32>
    "exec.gemm"(%l0.probs, %95, %97) {transpose_a = true} : (memref<2x2x32x32xf32>, memref<2x2x32x16xf32>, memref<2x2x32x16xf32>) -> ()
    %98 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x2x32x32xf32>
    "exec.softmax_grad"(%l0.probs, %96, %98) : (memref<2x2x32x32xf32>, memref<2x2x32x32xf32>, memref<2x2x32x32xf32>) -> ()
    %99 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x2x32x32xf32>
    "exec.elementwise"(%98, %99) ({
    ^bb0(%100: tensor<f32>):
      %101 = "graph.scale"(%100) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%101) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x2x32x32xf32>, memref<2x2x32x32xf32>) -> ()
    %102 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x2x32x16xf32>
    "exec.gemm"(%99, %l0.k, %102) : (memref<2x2x32x32xf32>, memref<2x2x32x16xf32>, memref<2x2x32x16xf32>) -> ()
    %103 = "exec.view"() {offset = 394496 : i64} : () -> memref<2x2x32x16xf32>
    "exec.gemm"(%99, %l0.q, %103) {transpose_a = true} : (memref<2x2x32x32xf32>, memref<2x2x32x16xf32>, memref<2x2x32x16xf32>) -> ()
    %104 = "exec.view"() {offset = 410880 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%97, %104) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %105 = "exec.view"() {offset = 402688 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%103, %105) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %106 = "exec.view"() {offset = 484608 : i64} : () -> memref<2x32x2x16xf32>
    "exec.copy"(%102, %106) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x2x32x16xf32>, memref<2x32x2x16xf32>) -> ()
    %107 = "exec.reshape"(%104) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %108 = "exec.reshape"(%105) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %109 = "exec.reshape"(%106) {shape = array<i64: 2, 32, 32>} : (memref<2x32x2x16xf32>) -> memref<2x32x32xf32>
    %110 = "exec.view"() {offset = 526336 : i64} : () -> memref<1x1x32xf32>
    "exec.reduce"(%107, %110) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x32xf32>, memref<1x1x32xf32>) -> ()
    %grad.layers.0.attn.v.bias_1 = "exec.reshape"(%110) {shape = array<i64: 32>} : (memref<1x1x32xf32>) -> memref<32xf32>
    %111 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%107, %layers.0.attn.v.weight, %111) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %112 = "exec.reshape"(%l0.attn_in) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %113 = "exec.reshape"(%107) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    %grad.layers.0.attn.v.weight_1 = "exec.view"() {offset = 492800 : i64} : () -> memref<64x32xf32>
    "exec.gemm"(%112, %113, %grad.layers.0.attn.v.weight_1) {transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %114 = "exec.view"() {offset = 526592 : i64} : () -> memref<1x1x32xf32>
    "exec.reduce"(%108, %114) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x32xf32>, memref<1x1x32xf32>) -> ()
    %grad.layers.0.attn.k.bias_1 = "exec.reshape"(%114) {shape = array<i64: 32>} : (memref<1x1x32xf32>) -> memref<32xf32>
    %115 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%108, %layers.0.attn.k.weight, %115) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %116 = "exec.reshape"(%108) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    %grad.layers.0.attn.k.weight_1 = "exec.view"() {offset = 509184 : i64} : () -> memref<64x32xf32>
    "exec.gemm"(%112, %116, %grad.layers.0.attn.k.weight_1) {transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %117 = "exec.view"() {offset = 402688 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%111, %115, %117) ({
    ^bb0(%118: tensor<f32>, %119: tensor<f32>):
      %120 = "graph.add"(%118, %119) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%120) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %121 = "exec.view"() {offset = 526848 : i64} : () -> memref<1x1x32xf32>
    "exec.reduce"(%109, %121) {axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x32xf32>, memref<1x1x32xf32>) -> ()
    %grad.layers.0.attn.q.bias_1 = "exec.reshape"(%121) {shape = array<i64: 32>} : (memref<1x1x32xf32>) -> memref<32xf32>
    %122 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%109, %layers.0.attn.q.weight, %122) {transpose_b = true} : (memref<2x32x32xf32>, memref<64x32xf32>, memref<2x32x64xf32>) -> ()
    %123 = "exec.reshape"(%109) {shape = array<i64: 64, 32>} : (memref<2x32x32xf32>) -> memref<64x32xf32>
    %grad.layers.0.attn.q.weight_1 = "exec.view"() {offset = 517376 : i64} : () -> memref<64x32xf32>
    "exec.gemm"(%112, %123, %grad.layers.0.attn.q.weight_1) {transpose_a = true} : (memref<64x64xf32>, memref<64x32xf32>, memref<64x32xf32>) -> ()
    %124 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%117, %122, %124) ({
    ^bb0(%125: tensor<f32>, %126: tensor<f32>):
      %127 = "graph.add"(%125, %126) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%127) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %128 = "exec.view"() {offset = 369920 : i64} : () -> memref<2x32x64xf32>
    %grad.layers.0.attn_norm.weight_1 = "exec.view"() {offset = 410880 : i64} : () -> memref<64xf32>
    %grad.layers.0.attn_norm.bias_1 = "exec.view"() {offset = 411136 : i64} : () -> memref<64xf32>
    "exec.layer_norm_grad"(%embed, %layers.0.attn_norm.weight, %124, %128, %grad.layers.0.attn_norm.weight_1, %grad.layers.0.attn_norm.bias_1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    %129 = "exec.view"() {offset = 386304 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%83, %128, %129) ({
    ^bb0(%130: tensor<f32>, %131: tensor<f32>):
      %132 = "graph.add"(%130, %131) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%132) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %133 = "exec.view"() {offset = 402688 : i64} : () -> memref<1x32x64xf32>
    "exec.reduce"(%129, %133) {axes = array<i64: 0>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x32x64xf32>) -> ()
    %grad.embed.positions.weight_1 = "exec.reshape"(%133) {shape = array<i64: 32, 64>} : (memref<1x32x64xf32>) -> memref<32x64xf32>
    %134 = "exec.view"() {offset = 353536 : i64} : () -> memref<128x64xf32>
    "exec.embedding_grad"(%tokens, %129, %134) {vocab = 128 : i64} : (memref<2x32xi32>, memref<2x32x64xf32>, memref<128x64xf32>) -> ()
    %135 = "exec.view"() {offset = 386304 : i64} : () -> memref<64x64xf32>
    "exec.reduce_scatter"(%134, %135) {axis = "tp", dim = 0 : i64, size = 2 : i64} : (memref<128x64xf32>, memref<64x64xf32>) -> ()
    %grad.embed.tokens.weight_1 = "exec.view"() {offset = 353536 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%65, %135, %grad.embed.tokens.weight_1) ({
    ^bb0(%136: tensor<f32>, %137: tensor<f32>):
      %138 = "graph.add"(%136, %137) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%138) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    %139 = "exec.reshape"(%grad.embed.tokens.weight_1) {shape = array<i64: 4096>} : (memref<64x64xf32>) -> memref<4096xf32>
    "exec.reduce_scatter"(%139, %grad.embed.tokens.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<4096xf32>, memref<2048xf32>) -> ()
    %140 = "exec.reshape"(%grad.embed.positions.weight_1) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    "exec.reduce_scatter"(%140, %grad.embed.positions.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %141 = "exec.reshape"(%grad.layers.0.attn_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%141, %grad.layers.0.attn_norm.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %142 = "exec.reshape"(%grad.layers.0.attn_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%142, %grad.layers.0.attn_norm.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %143 = "exec.reshape"(%grad.layers.0.attn.q.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    "exec.reduce_scatter"(%143, %grad.layers.0.attn.q.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %144 = "exec.reshape"(%grad.layers.0.attn.q.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    "exec.reduce_scatter"(%144, %grad.layers.0.attn.q.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %145 = "exec.reshape"(%grad.layers.0.attn.k.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    "exec.reduce_scatter"(%145, %grad.layers.0.attn.k.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %146 = "exec.reshape"(%grad.layers.0.attn.k.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    "exec.reduce_scatter"(%146, %grad.layers.0.attn.k.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %147 = "exec.reshape"(%grad.layers.0.attn.v.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    "exec.reduce_scatter"(%147, %grad.layers.0.attn.v.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %148 = "exec.reshape"(%grad.layers.0.attn.v.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    "exec.reduce_scatter"(%148, %grad.layers.0.attn.v.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %149 = "exec.reshape"(%grad.layers.0.attn.o.weight_1) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    "exec.reduce_scatter"(%149, %grad.layers.0.attn.o.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %150 = "exec.reshape"(%grad.layers.0.attn.o.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%150, %grad.layers.0.attn.o.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %151 = "exec.reshape"(%grad.layers.0.mlp_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%151, %grad.layers.0.mlp_norm.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %152 = "exec.reshape"(%grad.layers.0.mlp_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%152, %grad.layers.0.mlp_norm.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %153 = "exec.reshape"(%grad.layers.0.mlp.up.weight_1) {shape = array<i64: 8192>} : (memref<64x128xf32>) -> memref<8192xf32>
    "exec.reduce_scatter"(%153, %grad.layers.0.mlp.up.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<8192xf32>, memref<4096xf32>) -> ()
    %154 = "exec.reshape"(%grad.layers.0.mlp.up.bias_1) {shape = array<i64: 128>} : (memref<128xf32>) -> memref<128xf32>
    "exec.reduce_scatter"(%154, %grad.layers.0.mlp.up.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<128xf32>, memref<64xf32>) -> ()
    %155 = "exec.reshape"(%grad.layers.0.mlp.down.weight_1) {shape = array<i64: 8192>} : (memref<128x64xf32>) -> memref<8192xf32>
    "exec.reduce_scatter"(%155, %grad.layers.0.mlp.down.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<8192xf32>, memref<4096xf32>) -> ()
    %156 = "exec.reshape"(%grad.layers.0.mlp.down.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%156, %grad.layers.0.mlp.down.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %157 = "exec.reshape"(%grad.final_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%157, %grad.final_norm.weight) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %158 = "exec.reshape"(%grad.final_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "exec.reduce_scatter"(%158, %grad.final_norm.bias) {accumulate = true, axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @optimizer_step() {
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<64x64xf32>
    %embed.positions.weight = "exec.tensor"() {name = "embed.positions.weight"} : () -> memref<32x64xf32>
    %layers.0.attn_norm.weight = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn_norm.bias = "exec.tensor"() {name = "layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %layers.0.attn.q.weight = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.q.bias = "exec.tensor"() {name = "layers.0.attn.q.bias"} : () -> memref<32xf32>
    %layers.0.attn.k.weight = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.k.bias = "exec.tensor"() {name = "layers.0.attn.k.bias"} : () -> memref<32xf32>
    %layers.0.attn.v.weight = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.bias = "exec.tensor"() {name = "layers.0.attn.v.bias"} : () -> memref<32xf32>
    %layers.0.attn.o.weight = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<32x64xf32>
    %layers.0.attn.o.bias = "exec.tensor"() {name = "layers.0.attn.o.bias"} : () -> memref<64xf32>
    %layers.0.mlp_norm.weight = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp_norm.bias = "exec.tensor"() {name = "layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.0.mlp.up.weight = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x128xf32>
    %layers.0.mlp.up.bias = "exec.tensor"() {name = "layers.0.mlp.up.bias"} : () -> memref<128xf32>
    %layers.0.mlp.down.weight = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<128x64xf32>
    %layers.0.mlp.down.bias = "exec.tensor"() {name = "layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<2048xf32>
    %grad.embed.positions.weight = "exec.tensor"() {name = "grad.embed.positions.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn_norm.weight = "exec.tensor"() {name = "grad.layers.0.attn_norm.weight"} : () -> memref<32xf32>
    %grad.layers.0.attn_norm.bias = "exec.tensor"() {name = "grad.layers.0.attn_norm.bias"} : () -> memref<32xf32>
    %grad.layers.0.attn.q.weight = "exec.tensor"() {name = "grad.layers.0.attn.q.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.q.bias = "exec.tensor"() {name = "grad.layers.0.attn.q.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.k.weight = "exec.tensor"() {name = "grad.layers.0.attn.k.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.k.bias = "exec.tensor"() {name = "grad.layers.0.attn.k.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.v.weight = "exec.tensor"() {name = "grad.layers.0.attn.v.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.v.bias = "exec.tensor"() {name = "grad.layers.0.attn.v.bias"} : () -> memref<16xf32>
    %grad.layers.0.attn.o.weight = "exec.tensor"() {name = "grad.layers.0.attn.o.weight"} : () -> memref<1024xf32>
    %grad.layers.0.attn.o.bias = "exec.tensor"() {name = "grad.layers.0.attn.o.bias"} : () -> memref<32xf32>
    %grad.layers.0.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.0.mlp_norm.weight"} : () -> memref<32xf32>
    %grad.layers.0.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.0.mlp_norm.bias"} : () -> memref<32xf32>
    %grad.layers.0.mlp.up.weight = "exec.tensor"() {name = "grad.layers.0.mlp.up.weight"} : () -> memref<4096xf32>
    %grad.layers.0.mlp.up.bias = "exec.tensor"() {name = "grad.layers.0.mlp.up.bias"} : () -> memref<64xf32>
    %grad.layers.0.mlp.down.weight = "exec.tensor"() {name = "grad.layers.0.mlp.down.weight"} : () -> memref<4096xf32>
    %grad.layers.0.mlp.down.bias = "exec.tensor"() {name = "grad.layers.0.mlp.down.bias"} : () -> memref<32xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<32xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<32xf32>
    %exp_avg.embed.tokens.weight = "exec.tensor"() {name = "exp_avg.embed.tokens.weight"} : () -> memref<2048xf32>
    %exp_avg.embed.positions.weight = "exec.tensor"() {name = "exp_avg.embed.positions.weight"} : () -> memref<1024xf32>
    %exp_avg.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn_norm.weight"} : () -> memref<32xf32>
    %exp_avg.layers.0.attn_norm.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn_norm.bias"} : () -> memref<32xf32>
    %exp_avg.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.q.weight"} : () -> memref<1024xf32>
    %exp_avg.layers.0.attn.q.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.q.bias"} : () -> memref<16xf32>
    %exp_avg.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.k.weight"} : () -> memref<1024xf32>
    %exp_avg.layers.0.attn.k.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.k.bias"} : () -> memref<16xf32>
    %exp_avg.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.v.weight"} : () -> memref<1024xf32>
    %exp_avg.layers.0.attn.v.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.v.bias"} : () -> memref<16xf32>
    %exp_avg.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg.layers.0.attn.o.weight"} : () -> memref<1024xf32>
    %exp_avg.layers.0.attn.o.bias = "exec.tensor"() {name = "exp_avg.layers.0.attn.o.bias"} : () -> memref<32xf32>
    %exp_avg.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp_norm.weight"} : () -> memref<32xf32>
    %exp_avg.layers.0.mlp_norm.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp_norm.bias"} : () -> memref<32xf32>
    %exp_avg.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.up.weight"} : () -> memref<4096xf32>
    %exp_avg.layers.0.mlp.up.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp.up.bias"} : () -> memref<64xf32>
    %exp_avg.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg.layers.0.mlp.down.weight"} : () -> memref<4096xf32>
    %exp_avg.layers.0.mlp.down.bias = "exec.tensor"() {name = "exp_avg.layers.0.mlp.down.bias"} : () -> memref<32xf32>
    %exp_avg.final_norm.weight = "exec.tensor"() {name = "exp_avg.final_norm.weight"} : () -> memref<32xf32>
    %exp_avg.final_norm.bias = "exec.tensor"() {name = "exp_avg.final_norm.bias"} : () -> memref<32xf32>
    %exp_avg_sq.embed.tokens.weight = "exec.tensor"() {name = "exp_avg_sq.embed.tokens.weight"} : () -> memref<2048xf32>
    %exp_avg_sq.embed.positions.weight = "exec.tensor"() {name = "exp_avg_sq.embed.positions.weight"} : () -> memref<1024xf32>
    %exp_avg_sq.layers.0.attn_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn_norm.weight"} : () -> memref<32xf32>
    %exp_avg_sq.layers.0.attn_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn_norm.bias"} : () -> memref<32xf32>
    %exp_avg_sq.layers.0.attn.q.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.q.weight"} : () -> memref<1024xf32>
    %exp_avg_sq.layers.0.attn.q.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.q.bias"} : () -> memref<16xf32>
    %exp_avg_sq.layers.0.attn.k.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.k.weight"} : () -> memref<1024xf32>
    %exp_avg_sq.layers.0.attn.k.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.k.bias"} : () -> memref<16xf32>
    %exp_avg_sq.layers.0.attn.v.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.v.weight"} : () -> memref<1024xf32>
    %exp_avg_sq.layers.0.attn.v.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.v.bias"} : () -> memref<16xf32>
    %exp_avg_sq.layers.0.attn.o.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.o.weight"} : () -> memref<1024xf32>
    %exp_avg_sq.layers.0.attn.o.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.attn.o.bias"} : () -> memref<32xf32>
    %exp_avg_sq.layers.0.mlp_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp_norm.weight"} : () -> memref<32xf32>
    %exp_avg_sq.layers.0.mlp_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp_norm.bias"} : () -> memref<32xf32>
    %exp_avg_sq.layers.0.mlp.up.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.up.weight"} : () -> memref<4096xf32>
    %exp_avg_sq.layers.0.mlp.up.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.up.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.0.mlp.down.weight = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.down.weight"} : () -> memref<4096xf32>
    %exp_avg_sq.layers.0.mlp.down.bias = "exec.tensor"() {name = "exp_avg_sq.layers.0.mlp.down.bias"} : () -> memref<32xf32>
    %exp_avg_sq.final_norm.weight = "exec.tensor"() {name = "exp_avg_sq.final_norm.weight"} : () -> memref<32xf32>
    %exp_avg_sq.final_norm.bias = "exec.tensor"() {name = "exp_avg_sq.final_norm.bias"} : () -> memref<32xf32>
    %step = "exec.tensor"() {name = "step"} : () -> memref<i64>
    %embed.tokens.weight_1 = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<64x64xf32>
    %embed.positions.weight_1 = "exec.tensor"() {name = "embed.positions.weight"} : () -> memref<32x64xf32>
    %layers.0.attn_norm.weight_1 = "exec.tensor"() {name = "layers.0.attn_norm.weight"} : () -> memref<64xf32>
    %layers.0.attn_norm.bias_1 = "exec.tensor"() {name = "layers.0.attn_norm.bias"} : () -> memref<64xf32>
    %layers.0.attn.q.weight_1 = "exec.tensor"() {name = "layers.0.attn.q.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.q.bias_1 = "exec.tensor"() {name = "layers.0.attn.q.bias"} : () -> memref<32xf32>
    %layers.0.attn.k.weight_1 = "exec.tensor"() {name = "layers.0.attn.k.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.k.bias_1 = "exec.tensor"() {name = "layers.0.attn.k.bias"} : () -> memref<32xf32>
    %layers.0.attn.v.weight_1 = "exec.tensor"() {name = "layers.0.attn.v.weight"} : () -> memref<64x32xf32>
    %layers.0.attn.v.bias_1 = "exec.tensor"() {name = "layers.0.attn.v.bias"} : () -> memref<32xf32>
    %layers.0.attn.o.weight_1 = "exec.tensor"() {name = "layers.0.attn.o.weight"} : () -> memref<32x64xf32>
    %layers.0.attn.o.bias_1 = "exec.tensor"() {name = "layers.0.attn.o.bias"} : () -> memref<64xf32>
    %layers.0.mlp_norm.weight_1 = "exec.tensor"() {name = "layers.0.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.0.mlp_norm.bias_1 = "exec.tensor"() {name = "layers.0.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.0.mlp.up.weight_1 = "exec.tensor"() {name = "layers.0.mlp.up.weight"} : () -> memref<64x128xf32>
    %layers.0.mlp.up.bias_1 = "exec.tensor"() {name = "layers.0.mlp.up.bias"} : () -> memref<128xf32>
    %layers.0.mlp.down.weight_1 = "exec.tensor"() {name = "layers.0.mlp.down.weight"} : () -> memref<128x64xf32>
    %layers.0.mlp.down.bias_1 = "exec.tensor"() {name = "layers.0.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight_1 = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias_1 = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %0 = "exec.reshape"(%final_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %1 = "exec.reshape"(%final_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %2 = "exec.reshape"(%layers.0.mlp.down.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %3 = "exec.reshape"(%layers.0.mlp.down.weight_1) {shape = array<i64: 8192>} : (memref<128x64xf32>) -> memref<8192xf32>
    %4 = "exec.reshape"(%layers.0.mlp.up.bias_1) {shape = array<i64: 128>} : (memref<128xf32>) -> memref<128xf32>
    %5 = "exec.reshape"(%layers.0.mlp.up.weight_1) {shape = array<i64: 8192>} : (memref<64x128xf32>) -> memref<8192xf32>
    %6 = "exec.reshape"(%layers.0.mlp_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %7 = "exec.reshape"(%layers.0.mlp_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %8 = "exec.reshape"(%layers.0.attn.o.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %9 = "exec.reshape"(%layers.0.attn.o.weight_1) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    %10 = "exec.reshape"(%layers.0.attn.v.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %11 = "exec.reshape"(%layers.0.attn.v.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %12 = "exec.reshape"(%layers.0.attn.k.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %13 = "exec.reshape"(%layers.0.attn.k.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %14 = "exec.reshape"(%layers.0.attn.q.bias_1) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %15 = "exec.reshape"(%layers.0.attn.q.weight_1) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %16 = "exec.reshape"(%layers.0.attn_norm.bias_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %17 = "exec.reshape"(%layers.0.attn_norm.weight_1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %18 = "exec.reshape"(%embed.positions.weight_1) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    %19 = "exec.reshape"(%embed.tokens.weight_1) {shape = array<i64: 4096>} : (memref<64x64xf32>) -> memref<4096xf32>
    "exec.all_reduce"(%grad.embed.positions.weight, %grad.layers.0.attn_norm.weight, %grad.layers.0.attn_norm.bias, %grad.layers.0.attn.o.bias, %grad.layers.0.mlp_norm.weight, %grad.layers.0.mlp_norm.bias, %grad.layers.0.mlp.down.bias, %grad.final_norm.weight, %grad.final_norm.bias) {axis = "tp", op = "sum", size = 2 : i64} : (memref<1024xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>) -> ()
    %20 = "exec.reshape"(%embed.tokens.weight) {shape = array<i64: 4096>} : (memref<64x64xf32>) -> memref<4096xf32>
    %21 = "exec.view"() {offset = 369920 : i64} : () -> memref<2048xf32>
    "exec.shard_slice"(%20, %21) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<4096xf32>, memref<2048xf32>) -> ()
    %22 = "exec.reshape"(%embed.positions.weight) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    %23 = "exec.view"() {offset = 378112 : i64} : () -> memref<1024xf32>
    "exec.shard_slice"(%22, %23) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %24 = "exec.reshape"(%layers.0.attn_norm.weight) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %25 = "exec.view"() {offset = 398848 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%24, %25) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %26 = "exec.reshape"(%layers.0.attn_norm.bias) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %27 = "exec.view"() {offset = 399104 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%26, %27) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %28 = "exec.reshape"(%layers.0.attn.q.weight) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %29 = "exec.view"() {offset = 382208 : i64} : () -> memref<1024xf32>
    "exec.shard_slice"(%28, %29) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %30 = "exec.reshape"(%layers.0.attn.q.bias) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %31 = "exec.view"() {offset = 400896 : i64} : () -> memref<16xf32>
    "exec.shard_slice"(%30, %31) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %32 = "exec.reshape"(%layers.0.attn.k.weight) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %33 = "exec.view"() {offset = 386304 : i64} : () -> memref<1024xf32>
    "exec.shard_slice"(%32, %33) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %34 = "exec.reshape"(%layers.0.attn.k.bias) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %35 = "exec.view"() {offset = 401152 : i64} : () -> memref<16xf32>
    "exec.shard_slice"(%34, %35) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %36 = "exec.reshape"(%layers.0.attn.v.weight) {shape = array<i64: 2048>} : (memref<64x32xf32>) -> memref<2048xf32>
    %37 = "exec.view"() {offset = 390400 : i64} : () -> memref<1024xf32>
    "exec.shard_slice"(%36, %37) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %38 = "exec.reshape"(%layers.0.attn.v.bias) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %39 = "exec.view"() {offset = 401408 : i64} : () -> memref<16xf32>
    "exec.shard_slice"(%38, %39) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<16xf32>) -> ()
    %40 = "exec.reshape"(%layers.0.attn.o.weight) {shape = array<i64: 2048>} : (memref<32x64xf32>) -> memref<2048xf32>
    %41 = "exec.view"() {offset = 394496 : i64} : () -> memref<1024xf32>
    "exec.shard_slice"(%40, %41) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<1024xf32>) -> ()
    %42 = "exec.reshape"(%layers.0.attn.o.bias) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %43 = "exec.view"() {offset = 399360 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%42, %43) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %44 = "exec.reshape"(%layers.0.mlp_norm.weight) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %45 = "exec.view"() {offset = 399616 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%44, %45) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %46 = "exec.reshape"(%layers.0.mlp_norm.bias) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %47 = "exec.view"() {offset = 399872 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%46, %47) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %48 = "exec.reshape"(%layers.0.mlp.up.weight) {shape = array<i64: 8192>} : (memref<64x128xf32>) -> memref<8192xf32>
    %49 = "exec.view"() {offset = 320768 : i64} : () -> memref<4096xf32>
    "exec.shard_slice"(%48, %49) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<8192xf32>, memref<4096xf32>) -> ()
    %50 = "exec.reshape"(%layers.0.mlp.up.bias) {shape = array<i64: 128>} : (memref<128xf32>) -> memref<128xf32>
    %51 = "exec.view"() {offset = 398592 : i64} : () -> memref<64xf32>
    "exec.shard_slice"(%50, %51) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<128xf32>, memref<64xf32>) -> ()
    %52 = "exec.reshape"(%layers.0.mlp.down.weight) {shape = array<i64: 8192>} : (memref<128x64xf32>) -> memref<8192xf32>
    %53 = "exec.view"() {offset = 337152 : i64} : () -> memref<4096xf32>
    "exec.shard_slice"(%52, %53) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<8192xf32>, memref<4096xf32>) -> ()
    %54 = "exec.reshape"(%layers.0.mlp.down.bias) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %55 = "exec.view"() {offset = 400128 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%54, %55) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %56 = "exec.reshape"(%final_norm.weight) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %57 = "exec.view"() {offset = 400384 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%56, %57) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %58 = "exec.reshape"(%final_norm.bias) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %59 = "exec.view"() {offset = 400640 : i64} : () -> memref<32xf32>
    "exec.shard_slice"(%58, %59) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<32xf32>) -> ()
    %60 = "exec.view"() {offset = 353536 : i64} : () -> memref<2048xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %60) ({
    ^bb0(%61: tensor<f32>):
      %62 = "graph.mul"(%61, %61) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%62) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2048xf32>, memref<2048xf32>) -> ()
    %63 = "exec.view"() {offset = 361728 : i64} : () -> memref<f32>
    "exec.reduce"(%60, %63) {axes = array<i64: 0>, kind = "sum"} : (memref<2048xf32>, memref<f32>) -> ()
    %64 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.embed.positions.weight, %64) ({
    ^bb0(%65: tensor<f32>):
      %66 = "graph.mul"(%65, %65) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%66) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1024xf32>, memref<1024xf32>) -> ()
    %67 = "exec.view"() {offset = 357632 : i64} : () -> memref<f32>
    "exec.reduce"(%64, %67) {axes = array<i64: 0>, kind = "sum"} : (memref<1024xf32>, memref<f32>) -> ()
    %68 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %68) ({
    ^bb0(%69: tensor<f32>):
      %70 = "graph.mul"(%69, %69) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%70) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %71 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.reduce"(%68, %71) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %72 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.elementwise"(%67, %71, %72) ({
    ^bb0(%73: tensor<f32>, %74: tensor<f32>):
      %75 = "graph.add"(%73, %74) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%75) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %76 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.bias, %76) ({
    ^bb0(%77: tensor<f32>):
      %78 = "graph.mul"(%77, %77) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%78) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %79 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.reduce"(%76, %79) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %80 = "exec.view"() {offset = 357632 : i64} : () -> memref<f32>
    "exec.elementwise"(%72, %79, %80) ({
    ^bb0(%81: tensor<f32>, %82: tensor<f32>):
      %83 = "graph.add"(%81, %82) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%83) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %84 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %84) ({
    ^bb0(%85: tensor<f32>):
      %86 = "graph.mul"(%85, %85) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%86) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1024xf32>, memref<1024xf32>) -> ()
    %87 = "exec.view"() {offset = 357888 : i64} : () -> memref<f32>
    "exec.reduce"(%84, %87) {axes = array<i64: 0>, kind = "sum"} : (memref<1024xf32>, memref<f32>) -> ()
    %88 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.elementwise"(%63, %87, %88) ({
    ^bb0(%89: tensor<f32>, %90: tensor<f32>):
      %91 = "graph.add"(%89, %90) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%91) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %92 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.bias, %92) ({
    ^bb0(%93: tensor<f32>):
      %94 = "graph.mul"(%93, %93) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%94) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<16xf32>, memref<16xf32>) -> ()
    %95 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%92, %95) {axes = array<i64: 0>, kind = "sum"} : (memref<16xf32>, memref<f32>) -> ()
    %96 = "exec.view"() {offset = 357888 : i64} : () -> memref<f32>
    "exec.elementwise"(%88, %95, %96) ({
    ^bb0(%97: tensor<f32>, %98: tensor<f32>):
      %99 = "graph.add"(%97, %98) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%99) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %100 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %100) ({
    ^bb0(%101: tensor<f32>):
      %102 = "graph.mul"(%101, %101) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%102) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1024xf32>, memref<1024xf32>) -> ()
    %103 = "exec.view"() {offset = 358144 : i64} : () -> memref<f32>
    "exec.reduce"(%100, %103) {axes = array<i64: 0>, kind = "sum"} : (memref<1024xf32>, memref<f32>) -> ()
    %104 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.elementwise"(%96, %103, %104) ({
    ^bb0(%105: tensor<f32>, %106: tensor<f32>):
      %107 = "graph.add"(%105, %106) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%107) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %108 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.bias, %108) ({
    ^bb0(%109: tensor<f32>):
      %110 = "graph.mul"(%109, %109) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%110) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<16xf32>, memref<16xf32>) -> ()
    %111 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%108, %111) {axes = array<i64: 0>, kind = "sum"} : (memref<16xf32>, memref<f32>) -> ()
    %112 = "exec.view"() {offset = 357888 : i64} : () -> memref<f32>
    "exec.elementwise"(%104, %111, %112) ({
    ^bb0(%113: tensor<f32>, %114: tensor<f32>):
      %115 = "graph.add"(%113, %114) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%115) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %116 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %116) ({
    ^bb0(%117: tensor<f32>):
      %118 = "graph.mul"(%117, %117) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%118) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1024xf32>, memref<1024xf32>) -> ()
    %119 = "exec.view"() {offset = 358144 : i64} : () -> memref<f32>
    "exec.reduce"(%116, %119) {axes = array<i64: 0>, kind = "sum"} : (memref<1024xf32>, memref<f32>) -> ()
    %120 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.elementwise"(%112, %119, %120) ({
    ^bb0(%121: tensor<f32>, %122: tensor<f32>):
      %123 = "graph.add"(%121, %122) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%123) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %124 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.bias, %124) ({
    ^bb0(%125: tensor<f32>):
      %126 = "graph.mul"(%125, %125) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%126) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<16xf32>, memref<16xf32>) -> ()
    %127 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%124, %127) {axes = array<i64: 0>, kind = "sum"} : (memref<16xf32>, memref<f32>) -> ()
    %128 = "exec.view"() {offset = 357888 : i64} : () -> memref<f32>
    "exec.elementwise"(%120, %127, %128) ({
    ^bb0(%129: tensor<f32>, %130: tensor<f32>):
      %131 = "graph.add"(%129, %130) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%131) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %132 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %132) ({
    ^bb0(%133: tensor<f32>):
      %134 = "graph.mul"(%133, %133) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%134) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1024xf32>, memref<1024xf32>) -> ()
    %135 = "exec.view"() {offset = 358144 : i64} : () -> memref<f32>
    "exec.reduce"(%132, %135) {axes = array<i64: 0>, kind = "sum"} : (memref<1024xf32>, memref<f32>) -> ()
    %136 = "exec.view"() {offset = 401664 : i64} : () -> memref<f32>
    "exec.elementwise"(%128, %135, %136) ({
    ^bb0(%137: tensor<f32>, %138: tensor<f32>):
      %139 = "graph.add"(%137, %138) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%139) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %140 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.bias, %140) ({
    ^bb0(%141: tensor<f32>):
      %142 = "graph.mul"(%141, %141) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%142) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %143 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.reduce"(%140, %143) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %144 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.elementwise"(%80, %143, %144) ({
    ^bb0(%145: tensor<f32>, %146: tensor<f32>):
      %147 = "graph.add"(%145, %146) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%147) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %148 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %148) ({
    ^bb0(%149: tensor<f32>):
      %150 = "graph.mul"(%149, %149) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%150) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %151 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.reduce"(%148, %151) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %152 = "exec.view"() {offset = 354304 : i64} : () -> memref<f32>
    "exec.elementwise"(%144, %151, %152) ({
    ^bb0(%153: tensor<f32>, %154: tensor<f32>):
      %155 = "graph.add"(%153, %154) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%155) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %156 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.bias, %156) ({
    ^bb0(%157: tensor<f32>):
      %158 = "graph.mul"(%157, %157) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%158) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %159 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.reduce"(%156, %159) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %160 = "exec.view"() {offset = 401920 : i64} : () -> memref<f32>
    "exec.elementwise"(%152, %159, %160) ({
    ^bb0(%161: tensor<f32>, %162: tensor<f32>):
      %163 = "graph.add"(%161, %162) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%163) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %164 = "exec.view"() {offset = 353536 : i64} : () -> memref<4096xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %164) ({
    ^bb0(%165: tensor<f32>):
      %166 = "graph.mul"(%165, %165) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%166) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<4096xf32>, memref<4096xf32>) -> ()
    %167 = "exec.view"() {offset = 402176 : i64} : () -> memref<f32>
    "exec.reduce"(%164, %167) {axes = array<i64: 0>, kind = "sum"} : (memref<4096xf32>, memref<f32>) -> ()
    %168 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.elementwise"(%136, %167, %168) ({
    ^bb0(%169: tensor<f32>, %170: tensor<f32>):
      %171 = "graph.add"(%169, %170) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%171) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %172 = "exec.view"() {offset = 353536 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.bias, %172) ({
    ^bb0(%173: tensor<f32>):
      %174 = "graph.mul"(%173, %173) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%174) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %175 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%172, %175) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %176 = "exec.view"() {offset = 401664 : i64} : () -> memref<f32>
    "exec.elementwise"(%168, %175, %176) ({
    ^bb0(%177: tensor<f32>, %178: tensor<f32>):
      %179 = "graph.add"(%177, %178) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%179) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %180 = "exec.view"() {offset = 353536 : i64} : () -> memref<4096xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %180) ({
    ^bb0(%181: tensor<f32>):
      %182 = "graph.mul"(%181, %181) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%182) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<4096xf32>, memref<4096xf32>) -> ()
    %183 = "exec.view"() {offset = 402176 : i64} : () -> memref<f32>
    "exec.reduce"(%180, %183) {axes = array<i64: 0>, kind = "sum"} : (memref<4096xf32>, memref<f32>) -> ()
    %184 = "exec.view"() {offset = 353792 : i64} : () -> memref<f32>
    "exec.elementwise"(%176, %183, %184) ({
    ^bb0(%185: tensor<f32>, %186: tensor<f32>):
      %187 = "graph.add"(%185, %186) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%187) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %188 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.bias, %188) ({
    ^bb0(%189: tensor<f32>):
      %190 = "graph.mul"(%189, %189) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%190) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %191 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%188, %191) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %192 = "exec.view"() {offset = 354304 : i64} : () -> memref<f32>
    "exec.elementwise"(%160, %191, %192) ({
    ^bb0(%193: tensor<f32>, %194: tensor<f32>):
      %195 = "graph.add"(%193, %194) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%195) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %196 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.final_norm.weight, %196) ({
    ^bb0(%197: tensor<f32>):
      %198 = "graph.mul"(%197, %197) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%198) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %199 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%196, %199) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %200 = "exec.view"() {offset = 354560 : i64} : () -> memref<f32>
    "exec.elementwise"(%192, %199, %200) ({
    ^bb0(%201: tensor<f32>, %202: tensor<f32>):
      %203 = "graph.add"(%201, %202) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%203) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %204 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.final_norm.bias, %204) ({
    ^bb0(%205: tensor<f32>):
      %206 = "graph.mul"(%205, %205) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%206) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<32xf32>, memref<32xf32>) -> ()
    %207 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.reduce"(%204, %207) {axes = array<i64: 0>, kind = "sum"} : (memref<32xf32>, memref<f32>) -> ()
    %208 = "exec.view"() {offset = 353536 : i64} : () -> memref<f32>
    "exec.elementwise"(%200, %207, %208) ({
    ^bb0(%209: tensor<f32>, %210: tensor<f32>):
      %211 = "graph.add"(%209, %210) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%211) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    "exec.all_reduce"(%184) {axis = "tp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    %212 = "exec.view"() {offset = 354048 : i64} : () -> memref<f32>
    "exec.elementwise"(%208, %184, %212) ({
    ^bb0(%213: tensor<f32>, %214: tensor<f32>):
      %215 = "graph.add"(%213, %214) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%215) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    "exec.all_reduce"(%212) {axis = "dp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    %clip_coef = "exec.view"() {offset = 401664 : i64} : () -> memref<f32>
    "exec.clip_coef"(%212, %clip_coef) {max_norm = 1.0 : f64} : (memref<f32>, memref<f32>) -> ()
    %lr = "exec.view"() {offset = 401920 : i64} : () -> memref<f32>
    "exec.lr_schedule"(%step, %lr) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (memref<i64>, memref<f32>) -> ()
    %216 = "exec.view"() {offset = 353536 : i64} : () -> memref<2048xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %clip_coef, %216) ({
    ^bb0(%217: tensor<f32>, %218: tensor<f32>):
      %219 = "graph.mul"(%217, %218) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%219) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2048xf32>, memref<f32>, memref<2048xf32>) -> ()
    "exec.adamw"(%21, %216, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<2048xf32>, memref<2048xf32>, memref<2048xf32>, memref<2048xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%21, %19) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<2048xf32>, memref<4096xf32>) -> ()
    %new.embed.tokens.weight = "exec.reshape"(%19) {shape = array<i64: 64, 64>} : (memref<4096xf32>) -> memref<64x64xf32>
    %220 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.embed.positions.weight, %clip_coef, %220) ({
    ^bb0(%221: tensor<f32>, %222: tensor<f32>):
      %223 = "graph.mul"(%221, %222) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%223) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<1024xf32>, memref<f32>, memref<1024xf32>) -> ()
    "exec.adamw"(%23, %220, %exp_avg.embed.positions.weight, %exp_avg_sq.embed.positions.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%23, %18) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<1024xf32>, memref<2048xf32>) -> ()
    %new.embed.positions.weight = "exec.reshape"(%18) {shape = array<i64: 32, 64>} : (memref<2048xf32>) -> memref<32x64xf32>
    %224 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.weight, %clip_coef, %224) ({
    ^bb0(%225: tensor<f32>, %226: tensor<f32>):
      %227 = "graph.mul"(%225, %226) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%227) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%25, %224, %exp_avg.layers.0.attn_norm.weight, %exp_avg_sq.layers.0.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%25, %17) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.attn_norm.weight = "exec.reshape"(%17) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %228 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn_norm.bias, %clip_coef, %228) ({
    ^bb0(%229: tensor<f32>, %230: tensor<f32>):
      %231 = "graph.mul"(%229, %230) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%231) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%27, %228, %exp_avg.layers.0.attn_norm.bias, %exp_avg_sq.layers.0.attn_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%27, %16) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.attn_norm.bias = "exec.reshape"(%16) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %232 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.weight, %clip_coef, %232) ({
    ^bb0(%233: tensor<f32>, %234: tensor<f32>):
      %235 = "graph.mul"(%233, %234) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%235) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<1024xf32>, memref<f32>, memref<1024xf32>) -> ()
    "exec.adamw"(%29, %232, %exp_avg.layers.0.attn.q.weight, %exp_avg_sq.layers.0.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%29, %15) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<1024xf32>, memref<2048xf32>) -> ()
    %new.layers.0.attn.q.weight = "exec.reshape"(%15) {shape = array<i64: 64, 32>} : (memref<2048xf32>) -> memref<64x32xf32>
    %236 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.q.bias, %clip_coef, %236) ({
    ^bb0(%237: tensor<f32>, %238: tensor<f32>):
      %239 = "graph.mul"(%237, %238) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%239) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<16xf32>, memref<f32>, memref<16xf32>) -> ()
    "exec.adamw"(%31, %236, %exp_avg.layers.0.attn.q.bias, %exp_avg_sq.layers.0.attn.q.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%31, %14) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<16xf32>, memref<32xf32>) -> ()
    %new.layers.0.attn.q.bias = "exec.reshape"(%14) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %240 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.weight, %clip_coef, %240) ({
    ^bb0(%241: tensor<f32>, %242: tensor<f32>):
      %243 = "graph.mul"(%241, %242) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%243) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<1024xf32>, memref<f32>, memref<1024xf32>) -> ()
    "exec.adamw"(%33, %240, %exp_avg.layers.0.attn.k.weight, %exp_avg_sq.layers.0.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%33, %13) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<1024xf32>, memref<2048xf32>) -> ()
    %new.layers.0.attn.k.weight = "exec.reshape"(%13) {shape = array<i64: 64, 32>} : (memref<2048xf32>) -> memref<64x32xf32>
    %244 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.k.bias, %clip_coef, %244) ({
    ^bb0(%245: tensor<f32>, %246: tensor<f32>):
      %247 = "graph.mul"(%245, %246) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%247) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<16xf32>, memref<f32>, memref<16xf32>) -> ()
    "exec.adamw"(%35, %244, %exp_avg.layers.0.attn.k.bias, %exp_avg_sq.layers.0.attn.k.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%35, %12) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<16xf32>, memref<32xf32>) -> ()
    %new.layers.0.attn.k.bias = "exec.reshape"(%12) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %248 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.weight, %clip_coef, %248) ({
    ^bb0(%249: tensor<f32>, %250: tensor<f32>):
      %251 = "graph.mul"(%249, %250) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%251) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<1024xf32>, memref<f32>, memref<1024xf32>) -> ()
    "exec.adamw"(%37, %248, %exp_avg.layers.0.attn.v.weight, %exp_avg_sq.layers.0.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%37, %11) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<1024xf32>, memref<2048xf32>) -> ()
    %new.layers.0.attn.v.weight = "exec.reshape"(%11) {shape = array<i64: 64, 32>} : (memref<2048xf32>) -> memref<64x32xf32>
    %252 = "exec.view"() {offset = 353536 : i64} : () -> memref<16xf32>
    "exec.elementwise"(%grad.layers.0.attn.v.bias, %clip_coef, %252) ({
    ^bb0(%253: tensor<f32>, %254: tensor<f32>):
      %255 = "graph.mul"(%253, %254) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%255) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<16xf32>, memref<f32>, memref<16xf32>) -> ()
    "exec.adamw"(%39, %252, %exp_avg.layers.0.attn.v.bias, %exp_avg_sq.layers.0.attn.v.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<16xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%39, %10) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<16xf32>, memref<32xf32>) -> ()
    %new.layers.0.attn.v.bias = "exec.reshape"(%10) {shape = array<i64: 32>} : (memref<32xf32>) -> memref<32xf32>
    %256 = "exec.view"() {offset = 353536 : i64} : () -> memref<1024xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.weight, %clip_coef, %256) ({
    ^bb0(%257: tensor<f32>, %258: tensor<f32>):
      %259 = "graph.mul"(%257, %258) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%259) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<1024xf32>, memref<f32>, memref<1024xf32>) -> ()
    "exec.adamw"(%41, %256, %exp_avg.layers.0.attn.o.weight, %exp_avg_sq.layers.0.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%41, %9) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<1024xf32>, memref<2048xf32>) -> ()
    %new.layers.0.attn.o.weight = "exec.reshape"(%9) {shape = array<i64: 32, 64>} : (memref<2048xf32>) -> memref<32x64xf32>
    %260 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.attn.o.bias, %clip_coef, %260) ({
    ^bb0(%261: tensor<f32>, %262: tensor<f32>):
      %263 = "graph.mul"(%261, %262) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%263) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%43, %260, %exp_avg.layers.0.attn.o.bias, %exp_avg_sq.layers.0.attn.o.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%43, %8) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.attn.o.bias = "exec.reshape"(%8) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %264 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.weight, %clip_coef, %264) ({
    ^bb0(%265: tensor<f32>, %266: tensor<f32>):
      %267 = "graph.mul"(%265, %266) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%267) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%45, %264, %exp_avg.layers.0.mlp_norm.weight, %exp_avg_sq.layers.0.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%45, %7) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.mlp_norm.weight = "exec.reshape"(%7) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %268 = "exec.view"() {offset = 353536 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp_norm.bias, %clip_coef, %268) ({
    ^bb0(%269: tensor<f32>, %270: tensor<f32>):
      %271 = "graph.mul"(%269, %270) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%271) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%47, %268, %exp_avg.layers.0.mlp_norm.bias, %exp_avg_sq.layers.0.mlp_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%47, %6) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.mlp_norm.bias = "exec.reshape"(%6) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %272 = "exec.view"() {offset = 353536 : i64} : () -> memref<4096xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.weight, %clip_coef, %272) ({
    ^bb0(%273: tensor<f32>, %274: tensor<f32>):
      %275 = "graph.mul"(%273, %274) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%275) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<4096xf32>, memref<f32>, memref<4096xf32>) -> ()
    "exec.adamw"(%49, %272, %exp_avg.layers.0.mlp.up.weight, %exp_avg_sq.layers.0.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<4096xf32>, memref<4096xf32>, memref<4096xf32>, memref<4096xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%49, %5) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<4096xf32>, memref<8192xf32>) -> ()
    %new.layers.0.mlp.up.weight = "exec.reshape"(%5) {shape = array<i64: 64, 128>} : (memref<8192xf32>) -> memref<64x128xf32>
    %276 = "exec.view"() {offset = 320768 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.0.mlp.up.bias, %clip_coef, %276) ({
    ^bb0(%277: tensor<f32>, %278: tensor<f32>):
      %279 = "graph.mul"(%277, %278) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%279) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%51, %276, %exp_avg.layers.0.mlp.up.bias, %exp_avg_sq.layers.0.mlp.up.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%51, %4) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<64xf32>, memref<128xf32>) -> ()
    %new.layers.0.mlp.up.bias = "exec.reshape"(%4) {shape = array<i64: 128>} : (memref<128xf32>) -> memref<128xf32>
    %280 = "exec.view"() {offset = 320768 : i64} : () -> memref<4096xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.weight, %clip_coef, %280) ({
    ^bb0(%281: tensor<f32>, %282: tensor<f32>):
      %283 = "graph.mul"(%281, %282) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%283) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<4096xf32>, memref<f32>, memref<4096xf32>) -> ()
    "exec.adamw"(%53, %280, %exp_avg.layers.0.mlp.down.weight, %exp_avg_sq.layers.0.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<4096xf32>, memref<4096xf32>, memref<4096xf32>, memref<4096xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%53, %3) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<4096xf32>, memref<8192xf32>) -> ()
    %new.layers.0.mlp.down.weight = "exec.reshape"(%3) {shape = array<i64: 128, 64>} : (memref<8192xf32>) -> memref<128x64xf32>
    %284 = "exec.view"() {offset = 320768 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.layers.0.mlp.down.bias, %clip_coef, %284) ({
    ^bb0(%285: tensor<f32>, %286: tensor<f32>):
      %287 = "graph.mul"(%285, %286) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%287) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%55, %284, %exp_avg.layers.0.mlp.down.bias, %exp_avg_sq.layers.0.mlp.down.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%55, %2) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.layers.0.mlp.down.bias = "exec.reshape"(%2) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %288 = "exec.view"() {offset = 320768 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.final_norm.weight, %clip_coef, %288) ({
    ^bb0(%289: tensor<f32>, %290: tensor<f32>):
      %291 = "graph.mul"(%289, %290) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%291) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%57, %288, %exp_avg.final_norm.weight, %exp_avg_sq.final_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%57, %1) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.final_norm.weight = "exec.reshape"(%1) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    %292 = "exec.view"() {offset = 320768 : i64} : () -> memref<32xf32>
    "exec.elementwise"(%grad.final_norm.bias, %clip_coef, %292) ({
    ^bb0(%293: tensor<f32>, %294: tensor<f32>):
      %295 = "graph.mul"(%293, %294) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%295) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<32xf32>, memref<f32>, memref<32xf32>) -> ()
    "exec.adamw"(%59, %292, %exp_avg.final_norm.bias, %exp_avg_sq.final_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<f32>, memref<i64>) -> ()
    "exec.all_gather"(%59, %0) {axis = "dp", dim = 0 : i64, size = 2 : i64} : (memref<32xf32>, memref<64xf32>) -> ()
    %new.final_norm.bias = "exec.reshape"(%0) {shape = array<i64: 64>} : (memref<64xf32>) -> memref<64xf32>
    "func.return"() : () -> ()
  }
}
