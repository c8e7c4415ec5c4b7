module attributes {exec.memory = {activations = 0 : i64, arena = 2132992 : i64, gradients = 233216 : i64, inputs = 16904 : i64, optimizer_state = 466432 : i64, outputs = 16388 : i64, parameters = 233216 : i64, persistent = 2051072 : i64, stash = 1084416 : i64, temporaries = 81920 : i64, transient = 81920 : i64}, exec.mesh = {pp = 2 : i64}, exec.microbatches = 4 : i64, exec.params = [{name = "embed.tokens.weight", placement = [], shape = array<i64: 128, 64>, zero_flat = false}, {name = "layers.1.attn_norm.weight", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.attn_norm.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.attn.q.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.1.attn.q.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.attn.k.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.1.attn.k.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.attn.v.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.1.attn.v.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.attn.o.weight", placement = [], shape = array<i64: 64, 64>, zero_flat = false}, {name = "layers.1.attn.o.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.mlp_norm.weight", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.mlp_norm.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "layers.1.mlp.up.weight", placement = [], shape = array<i64: 64, 256>, zero_flat = false}, {name = "layers.1.mlp.up.bias", placement = [], shape = array<i64: 256>, zero_flat = false}, {name = "layers.1.mlp.down.weight", placement = [], shape = array<i64: 256, 64>, zero_flat = false}, {name = "layers.1.mlp.down.bias", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.weight", placement = [], shape = array<i64: 64>, zero_flat = false}, {name = "final_norm.bias", placement = [], shape = array<i64: 64>, zero_flat = false}], exec.stage = 1 : i64, exec.tensors = [{dtype = "i32", name = "tokens", offset = 0 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "i32", name = "labels", offset = 256 : i64, role = "input", shape = array<i64: 2, 32>}, {dtype = "f32", name = "embed.tokens.weight", offset = 512 : i64, role = "param", shape = array<i64: 128, 64>}, {dtype = "f32", name = "layers.1.attn_norm.weight", offset = 33280 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.attn_norm.bias", offset = 33536 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.attn.q.weight", offset = 33792 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.1.attn.q.bias", offset = 50176 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.attn.k.weight", offset = 50432 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.1.attn.k.bias", offset = 66816 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.attn.v.weight", offset = 67072 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.1.attn.v.bias", offset = 83456 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.attn.o.weight", offset = 83712 : i64, role = "param", shape = array<i64: 64, 64>}, {dtype = "f32", name = "layers.1.attn.o.bias", offset = 100096 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.mlp_norm.weight", offset = 100352 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.mlp_norm.bias", offset = 100608 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "layers.1.mlp.up.weight", offset = 100864 : i64, role = "param", shape = array<i64: 64, 256>}, {dtype = "f32", name = "layers.1.mlp.up.bias", offset = 166400 : i64, role = "param", shape = array<i64: 256>}, {dtype = "f32", name = "layers.1.mlp.down.weight", offset = 167424 : i64, role = "param", shape = array<i64: 256, 64>}, {dtype = "f32", name = "layers.1.mlp.down.bias", offset = 232960 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.weight", offset = 233216 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "final_norm.bias", offset = 233472 : i64, role = "param", shape = array<i64: 64>}, {dtype = "f32", name = "loss", offset = 233728 : i64, role = "output", shape = array<i64>}, {dtype = "f32", name = "x_in.c0", offset = 233984 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "grad.embed.tokens.weight", offset = 250368 : i64, role = "grad", shape = array<i64: 128, 64>}, {dtype = "f32", name = "grad.layers.1.attn_norm.weight", offset = 283136 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.attn_norm.bias", offset = 283392 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.attn.q.weight", offset = 283648 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.1.attn.q.bias", offset = 300032 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.attn.k.weight", offset = 300288 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.1.attn.k.bias", offset = 316672 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.attn.v.weight", offset = 316928 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.1.attn.v.bias", offset = 333312 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.attn.o.weight", offset = 333568 : i64, role = "grad", shape = array<i64: 64, 64>}, {dtype = "f32", name = "grad.layers.1.attn.o.bias", offset = 349952 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.mlp_norm.weight", offset = 350208 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.mlp_norm.bias", offset = 350464 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.layers.1.mlp.up.weight", offset = 350720 : i64, role = "grad", shape = array<i64: 64, 256>}, {dtype = "f32", name = "grad.layers.1.mlp.up.bias", offset = 416256 : i64, role = "grad", shape = array<i64: 256>}, {dtype = "f32", name = "grad.layers.1.mlp.down.weight", offset = 417280 : i64, role = "grad", shape = array<i64: 256, 64>}, {dtype = "f32", name = "grad.layers.1.mlp.down.bias", offset = 482816 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.final_norm.weight", offset = 483072 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "grad.final_norm.bias", offset = 483328 : i64, role = "grad", shape = array<i64: 64>}, {dtype = "f32", name = "dx_in.c0", offset = 483584 : i64, role = "output", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.0", offset = 499968 : i64, role = "input", shape = array<i64: 2, 32, 128>}, {dtype = "f32", name = "stash.c0.s0.1", offset = 532736 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.2", offset = 549120 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.3", offset = 565504 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.c0.s0.4", offset = 631040 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.c0.s0.5", offset = 696576 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.6", offset = 712960 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.7", offset = 729344 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.8", offset = 745728 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.9", offset = 762112 : i64, role = "input", shape = array<i64: 2, 4, 32, 32>}, {dtype = "f32", name = "stash.c0.s0.10", offset = 794880 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.11", offset = 811264 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s0.12", offset = 827648 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s0.13", offset = 844032 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.0", offset = 860416 : i64, role = "input", shape = array<i64: 2, 32, 128>}, {dtype = "f32", name = "stash.w.c0.s0.1", offset = 893184 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.2", offset = 909568 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.w.c0.s0.3", offset = 975104 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.4", offset = 991488 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.5", offset = 1007872 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.6", offset = 1024256 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s0.7", offset = 1040640 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s0.8", offset = 1040896 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s0.9", offset = 1041152 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s0.10", offset = 1041408 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s0.11", offset = 1041664 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s0.12", offset = 1041920 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.c0.s1.0", offset = 1042176 : i64, role = "input", shape = array<i64: 2, 32, 128>}, {dtype = "f32", name = "stash.c0.s1.1", offset = 1074944 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.2", offset = 1091328 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.3", offset = 1107712 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.c0.s1.4", offset = 1173248 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.c0.s1.5", offset = 1238784 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.6", offset = 1255168 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.7", offset = 1271552 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.8", offset = 1287936 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.9", offset = 1304320 : i64, role = "input", shape = array<i64: 2, 4, 32, 32>}, {dtype = "f32", name = "stash.c0.s1.10", offset = 1337088 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.11", offset = 1353472 : i64, role = "input", shape = array<i64: 2, 4, 32, 16>}, {dtype = "f32", name = "stash.c0.s1.12", offset = 1369856 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.c0.s1.13", offset = 1386240 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.0", offset = 1402624 : i64, role = "input", shape = array<i64: 2, 32, 128>}, {dtype = "f32", name = "stash.w.c0.s1.1", offset = 1435392 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.2", offset = 1451776 : i64, role = "input", shape = array<i64: 2, 32, 256>}, {dtype = "f32", name = "stash.w.c0.s1.3", offset = 1517312 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.4", offset = 1533696 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.5", offset = 1550080 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.6", offset = 1566464 : i64, role = "input", shape = array<i64: 2, 32, 64>}, {dtype = "f32", name = "stash.w.c0.s1.7", offset = 1582848 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s1.8", offset = 1583104 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s1.9", offset = 1583360 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s1.10", offset = 1583616 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s1.11", offset = 1583872 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "stash.w.c0.s1.12", offset = 1584128 : i64, role = "input", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.embed.tokens.weight", offset = 1584384 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn_norm.weight", offset = 1617152 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn_norm.bias", offset = 1617408 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.q.weight", offset = 1617664 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.q.bias", offset = 1634048 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.k.weight", offset = 1634304 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.k.bias", offset = 1650688 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.v.weight", offset = 1650944 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.v.bias", offset = 1667328 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.o.weight", offset = 1667584 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg.layers.1.attn.o.bias", offset = 1683968 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.mlp_norm.weight", offset = 1684224 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.mlp_norm.bias", offset = 1684480 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.layers.1.mlp.up.weight", offset = 1684736 : i64, role = "state", shape = array<i64: 64, 256>}, {dtype = "f32", name = "exp_avg.layers.1.mlp.up.bias", offset = 1750272 : i64, role = "state", shape = array<i64: 256>}, {dtype = "f32", name = "exp_avg.layers.1.mlp.down.weight", offset = 1751296 : i64, role = "state", shape = array<i64: 256, 64>}, {dtype = "f32", name = "exp_avg.layers.1.mlp.down.bias", offset = 1816832 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.final_norm.weight", offset = 1817088 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg.final_norm.bias", offset = 1817344 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.embed.tokens.weight", offset = 1817600 : i64, role = "state", shape = array<i64: 128, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn_norm.weight", offset = 1850368 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn_norm.bias", offset = 1850624 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.q.weight", offset = 1850880 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.q.bias", offset = 1867264 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.k.weight", offset = 1867520 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.k.bias", offset = 1883904 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.v.weight", offset = 1884160 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.v.bias", offset = 1900544 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.o.weight", offset = 1900800 : i64, role = "state", shape = array<i64: 64, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.attn.o.bias", offset = 1917184 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp_norm.weight", offset = 1917440 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp_norm.bias", offset = 1917696 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp.up.weight", offset = 1917952 : i64, role = "state", shape = array<i64: 64, 256>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp.up.bias", offset = 1983488 : i64, role = "state", shape = array<i64: 256>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp.down.weight", offset = 1984512 : i64, role = "state", shape = array<i64: 256, 64>}, {dtype = "f32", name = "exp_avg_sq.layers.1.mlp.down.bias", offset = 2050048 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.final_norm.weight", offset = 2050304 : i64, role = "state", shape = array<i64: 64>}, {dtype = "f32", name = "exp_avg_sq.final_norm.bias", offset = 2050560 : i64, role = "state", shape = array<i64: 64>}, {dtype = "i64", name = "step", offset = 2050816 : i64, role = "input", shape = array<i64>}], parc.model = {activation = "gelu", bias = true, ffn = 256 : i64, heads = 4 : i64, hidden = 64 : i64, kv_heads = 4 : i64, layers = 2 : i64, name = "gpt-tiny", norm = "layernorm", position = "learned", seq_len = 32 : i64, tie_embeddings = true, vocab = 128 : i64}, parc.training = {global_batch = 8 : i64, micro_batch = 2 : i64, precision = "fp32", seed = 1234 : i64}} {
  func.func @train_step() {
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    "exec.fill"(%loss) {value = 0.0 : f64} : (memref<f32>) -> ()
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    "exec.fill"(%grad.embed.tokens.weight) {value = 0.0 : f64} : (memref<128x64xf32>) -> ()
    %grad.layers.1.attn_norm.weight = "exec.tensor"() {name = "grad.layers.1.attn_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.attn_norm.bias = "exec.tensor"() {name = "grad.layers.1.attn_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.attn.q.weight = "exec.tensor"() {name = "grad.layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.1.attn.q.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.1.attn.q.bias = "exec.tensor"() {name = "grad.layers.1.attn.q.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn.q.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.attn.k.weight = "exec.tensor"() {name = "grad.layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.1.attn.k.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.1.attn.k.bias = "exec.tensor"() {name = "grad.layers.1.attn.k.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn.k.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.attn.v.weight = "exec.tensor"() {name = "grad.layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.1.attn.v.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.1.attn.v.bias = "exec.tensor"() {name = "grad.layers.1.attn.v.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn.v.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.attn.o.weight = "exec.tensor"() {name = "grad.layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    "exec.fill"(%grad.layers.1.attn.o.weight) {value = 0.0 : f64} : (memref<64x64xf32>) -> ()
    %grad.layers.1.attn.o.bias = "exec.tensor"() {name = "grad.layers.1.attn.o.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.attn.o.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.mlp_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.mlp_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.layers.1.mlp.up.weight = "exec.tensor"() {name = "grad.layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    "exec.fill"(%grad.layers.1.mlp.up.weight) {value = 0.0 : f64} : (memref<64x256xf32>) -> ()
    %grad.layers.1.mlp.up.bias = "exec.tensor"() {name = "grad.layers.1.mlp.up.bias"} : () -> memref<256xf32>
    "exec.fill"(%grad.layers.1.mlp.up.bias) {value = 0.0 : f64} : (memref<256xf32>) -> ()
    %grad.layers.1.mlp.down.weight = "exec.tensor"() {name = "grad.layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    "exec.fill"(%grad.layers.1.mlp.down.weight) {value = 0.0 : f64} : (memref<256x64xf32>) -> ()
    %grad.layers.1.mlp.down.bias = "exec.tensor"() {name = "grad.layers.1.mlp.down.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.layers.1.mlp.down.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    "exec.fill"(%grad.final_norm.weight) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    "exec.fill"(%grad.final_norm.bias) {value = 0.0 : f64} : (memref<64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    %x_in.c0 = "exec.tensor"() {name = "x_in.c0"} : () -> memref<2x32x64xf32>
    "exec.recv"(%x_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_c0"} : () -> ()
    %stash.c0.s0.13 = "exec.tensor"() {name = "stash.c0.s0.13"} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%x_in.c0, %stash.c0.s0.13) ({
    ^bb0(%0: tensor<f32>):
      "exec.yield"(%0) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    %dx_in.c0 = "exec.tensor"() {name = "dx_in.c0"} : () -> memref<2x32x64xf32>
    "exec.fill"(%dx_in.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_input_c0"} : () -> ()
    "exec.send"(%dx_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.recv"(%x_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    %stash.c0.s1.13 = "exec.tensor"() {name = "stash.c0.s1.13"} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%x_in.c0, %stash.c0.s1.13) ({
    ^bb0(%1: tensor<f32>):
      "exec.yield"(%1) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.fill"(%dx_in.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_input_c0", rebind = ["stash.c0.s0.", "stash.c0.s1.", "stash.w.c0.s0.", "stash.w.c0.s1."]} : () -> ()
    "exec.send"(%dx_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 0 : i64} : () -> ()
    "exec.call"() {callee = "backward_weight_c0"} : () -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.recv"(%x_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_c0"} : () -> ()
    "exec.elementwise"(%x_in.c0, %stash.c0.s0.13) ({
    ^bb0(%2: tensor<f32>):
      "exec.yield"(%2) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.fill"(%dx_in.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_input_c0"} : () -> ()
    "exec.send"(%dx_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 1 : i64} : () -> ()
    "exec.call"() {callee = "backward_weight_c0", rebind = ["stash.c0.s0.", "stash.c0.s1.", "stash.w.c0.s0.", "stash.w.c0.s1."]} : () -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.recv"(%x_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 0 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "forward_c0", rebind = ["stash.c0.s0.", "stash.c0.s1."]} : () -> ()
    "exec.elementwise"(%x_in.c0, %stash.c0.s1.13) ({
    ^bb0(%3: tensor<f32>):
      "exec.yield"(%3) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.fill"(%dx_in.c0) {value = 0.0 : f64} : (memref<2x32x64xf32>) -> ()
    "exec.call"() {callee = "backward_input_c0", rebind = ["stash.c0.s0.", "stash.c0.s1.", "stash.w.c0.s0.", "stash.w.c0.s1."]} : () -> ()
    "exec.send"(%dx_in.c0) {axis = "pp", shift = -1 : i64, size = 2 : i64, tag = 1 : i64} : (memref<2x32x64xf32>) -> ()
    "exec.load_batch"() {microbatch = 2 : i64} : () -> ()
    "exec.call"() {callee = "backward_weight_c0"} : () -> ()
    "exec.load_batch"() {microbatch = 3 : i64} : () -> ()
    "exec.call"() {callee = "backward_weight_c0", rebind = ["stash.c0.s0.", "stash.c0.s1.", "stash.w.c0.s0.", "stash.w.c0.s1."]} : () -> ()
    "exec.all_reduce"(%loss) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    "exec.call"() {callee = "optimizer_step"} : () -> ()
    "func.return"() : () -> ()
  }

  func.func @forward_c0() {
    %x_in.c0 = "exec.tensor"() {name = "x_in.c0"} : () -> memref<2x32x64xf32>
    %labels = "exec.tensor"() {name = "labels"} : () -> memref<2x32xi32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.1.attn_norm.weight = "exec.tensor"() {name = "layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %layers.1.attn_norm.bias = "exec.tensor"() {name = "layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %layers.1.attn.q.weight = "exec.tensor"() {name = "layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.q.bias = "exec.tensor"() {name = "layers.1.attn.q.bias"} : () -> memref<64xf32>
    %layers.1.attn.k.weight = "exec.tensor"() {name = "layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.k.bias = "exec.tensor"() {name = "layers.1.attn.k.bias"} : () -> memref<64xf32>
    %layers.1.attn.v.weight = "exec.tensor"() {name = "layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.v.bias = "exec.tensor"() {name = "layers.1.attn.v.bias"} : () -> memref<64xf32>
    %layers.1.attn.o.weight = "exec.tensor"() {name = "layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.o.bias = "exec.tensor"() {name = "layers.1.attn.o.bias"} : () -> memref<64xf32>
    %layers.1.mlp_norm.weight = "exec.tensor"() {name = "layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.1.mlp_norm.bias = "exec.tensor"() {name = "layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.1.mlp.up.weight = "exec.tensor"() {name = "layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.1.mlp.up.bias = "exec.tensor"() {name = "layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %layers.1.mlp.down.weight = "exec.tensor"() {name = "layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.1.mlp.down.bias = "exec.tensor"() {name = "layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %loss = "exec.tensor"() {name = "loss"} : () -> memref<f32>
    %stash.c0.s0.0 = "exec.tensor"() {name = "stash.c0.s0.0"} : () -> memref<2x32x128xf32>
    %stash.c0.s0.1 = "exec.tensor"() {name = "stash.c0.s0.1"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.2 = "exec.tensor"() {name = "stash.c0.s0.2"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.3 = "exec.tensor"() {name = "stash.c0.s0.3"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.4 = "exec.tensor"() {name = "stash.c0.s0.4"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.5 = "exec.tensor"() {name = "stash.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.6 = "exec.tensor"() {name = "stash.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.7 = "exec.tensor"() {name = "stash.c0.s0.7"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.8 = "exec.tensor"() {name = "stash.c0.s0.8"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.9 = "exec.tensor"() {name = "stash.c0.s0.9"} : () -> memref<2x4x32x32xf32>
    %stash.c0.s0.10 = "exec.tensor"() {name = "stash.c0.s0.10"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.11 = "exec.tensor"() {name = "stash.c0.s0.11"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.12 = "exec.tensor"() {name = "stash.c0.s0.12"} : () -> memref<2x32x64xf32>
    %0 = "exec.reshape"(%stash.c0.s0.7) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    "exec.layer_norm"(%x_in.c0, %layers.1.attn_norm.weight, %layers.1.attn_norm.bias, %stash.c0.s0.12) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %1 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.12, %layers.1.attn.q.weight, %1) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %2 = "exec.view"() {offset = 2067456 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%1, %layers.1.attn.q.bias, %2) ({
    ^bb0(%3: tensor<f32>, %4: tensor<f32>):
      %5 = "graph.add"(%3, %4) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%5) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %6 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.12, %layers.1.attn.k.weight, %6) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %7 = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%6, %layers.1.attn.k.bias, %7) ({
    ^bb0(%8: tensor<f32>, %9: tensor<f32>):
      %10 = "graph.add"(%8, %9) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%10) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %11 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.12, %layers.1.attn.v.weight, %11) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %12 = "exec.view"() {offset = 2100224 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%11, %layers.1.attn.v.bias, %12) ({
    ^bb0(%13: tensor<f32>, %14: tensor<f32>):
      %15 = "graph.add"(%13, %14) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%15) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %16 = "exec.reshape"(%2) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %17 = "exec.reshape"(%7) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %18 = "exec.reshape"(%12) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    "exec.copy"(%16, %stash.c0.s0.11) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    "exec.copy"(%17, %stash.c0.s0.10) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    "exec.copy"(%18, %stash.c0.s0.8) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %19 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x4x32x32xf32>
    "exec.gemm"(%stash.c0.s0.11, %stash.c0.s0.10, %19) {transpose_b = true} : (memref<2x4x32x16xf32>, memref<2x4x32x16xf32>, memref<2x4x32x32xf32>) -> ()
    %l1.scores = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x4x32x32xf32>
    "exec.elementwise"(%19, %l1.scores) ({
    ^bb0(%20: tensor<f32>):
      %21 = "graph.scale"(%20) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%21) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    "exec.softmax"(%l1.scores, %stash.c0.s0.9) {causal = true} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %22 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%stash.c0.s0.9, %stash.c0.s0.8, %22) : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    "exec.copy"(%22, %0) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %23 = "exec.reshape"(%0) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %24 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%23, %layers.1.attn.o.weight, %24) : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%24, %layers.1.attn.o.bias, %x_in.c0, %stash.c0.s0.6) ({
    ^bb0(%25: tensor<f32>, %26: tensor<f32>, %27: tensor<f32>):
      %28 = "graph.add"(%25, %26) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %29 = "graph.add"(%27, %28) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%29) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.layer_norm"(%stash.c0.s0.6, %layers.1.mlp_norm.weight, %layers.1.mlp_norm.bias, %stash.c0.s0.5) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    %30 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x256xf32>
    "exec.gemm"(%stash.c0.s0.5, %layers.1.mlp.up.weight, %30) : (memref<2x32x64xf32>, memref<64x256xf32>, memref<2x32x256xf32>) -> ()
    "exec.elementwise"(%30, %layers.1.mlp.up.bias, %stash.c0.s0.4, %stash.c0.s0.3) ({
    ^bb0(%31: tensor<f32>, %32: tensor<f32>):
      %33 = "graph.add"(%31, %32) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %34 = "graph.gelu"(%33) : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%33, %34) : (tensor<f32>, tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x256xf32>, memref<256xf32>, memref<2x32x256xf32>, memref<2x32x256xf32>) -> ()
    %35 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.c0.s0.3, %layers.1.mlp.down.weight, %35) : (memref<2x32x256xf32>, memref<256x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.elementwise"(%35, %layers.1.mlp.down.bias, %stash.c0.s0.6, %stash.c0.s0.2) ({
    ^bb0(%36: tensor<f32>, %37: tensor<f32>, %38: tensor<f32>):
      %39 = "graph.add"(%36, %37) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %40 = "graph.add"(%38, %39) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%40) : (tensor<f32>) -> ()
    }) {n_inputs = 3 : i64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.layer_norm"(%stash.c0.s0.2, %final_norm.weight, %final_norm.bias, %stash.c0.s0.1) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>, memref<2x32x64xf32>) -> ()
    "exec.gemm"(%stash.c0.s0.1, %embed.tokens.weight, %stash.c0.s0.0) {transpose_b = true} : (memref<2x32x64xf32>, memref<128x64xf32>, memref<2x32x128xf32>) -> ()
    %token_loss = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32xf32>
    "exec.cross_entropy"(%stash.c0.s0.0, %labels, %token_loss) : (memref<2x32x128xf32>, memref<2x32xi32>, memref<2x32xf32>) -> ()
    %41 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%token_loss, %41) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<2x32xf32>, memref<f32>) -> ()
    "exec.elementwise"(%41, %loss) ({
    ^bb0(%42: tensor<f32>):
      %43 = "graph.scale"(%42) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%43) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @backward_input_c0() {
    %x_in.c0 = "exec.tensor"() {name = "x_in.c0"} : () -> memref<2x32x64xf32>
    %labels = "exec.tensor"() {name = "labels"} : () -> memref<2x32xi32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.1.attn_norm.weight = "exec.tensor"() {name = "layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %layers.1.attn_norm.bias = "exec.tensor"() {name = "layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %layers.1.attn.q.weight = "exec.tensor"() {name = "layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.q.bias = "exec.tensor"() {name = "layers.1.attn.q.bias"} : () -> memref<64xf32>
    %layers.1.attn.k.weight = "exec.tensor"() {name = "layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.k.bias = "exec.tensor"() {name = "layers.1.attn.k.bias"} : () -> memref<64xf32>
    %layers.1.attn.v.weight = "exec.tensor"() {name = "layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.v.bias = "exec.tensor"() {name = "layers.1.attn.v.bias"} : () -> memref<64xf32>
    %layers.1.attn.o.weight = "exec.tensor"() {name = "layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.o.bias = "exec.tensor"() {name = "layers.1.attn.o.bias"} : () -> memref<64xf32>
    %layers.1.mlp_norm.weight = "exec.tensor"() {name = "layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.1.mlp_norm.bias = "exec.tensor"() {name = "layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.1.mlp.up.weight = "exec.tensor"() {name = "layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.1.mlp.up.bias = "exec.tensor"() {name = "layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %layers.1.mlp.down.weight = "exec.tensor"() {name = "layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.1.mlp.down.bias = "exec.tensor"() {name = "layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %stash.c0.s0.0 = "exec.tensor"() {name = "stash.c0.s0.0"} : () -> memref<2x32x128xf32>
    %stash.c0.s0.1 = "exec.tensor"() {name = "stash.c0.s0.1"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.2 = "exec.tensor"() {name = "stash.c0.s0.2"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.3 = "exec.tensor"() {name = "stash.c0.s0.3"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.4 = "exec.tensor"() {name = "stash.c0.s0.4"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.5 = "exec.tensor"() {name = "stash.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.6 = "exec.tensor"() {name = "stash.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.7 = "exec.tensor"() {name = "stash.c0.s0.7"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.8 = "exec.tensor"() {name = "stash.c0.s0.8"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.9 = "exec.tensor"() {name = "stash.c0.s0.9"} : () -> memref<2x4x32x32xf32>
    %stash.c0.s0.10 = "exec.tensor"() {name = "stash.c0.s0.10"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.11 = "exec.tensor"() {name = "stash.c0.s0.11"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.12 = "exec.tensor"() {name = "stash.c0.s0.12"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.13 = "exec.tensor"() {name = "stash.c0.s0.13"} : () -> memref<2x32x64xf32>
    %dx_in.c0 = "exec.tensor"() {name = "dx_in.c0"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.0 = "exec.tensor"() {name = "stash.w.c0.s0.0"} : () -> memref<2x32x128xf32>
    %stash.w.c0.s0.1 = "exec.tensor"() {name = "stash.w.c0.s0.1"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.2 = "exec.tensor"() {name = "stash.w.c0.s0.2"} : () -> memref<2x32x256xf32>
    %stash.w.c0.s0.3 = "exec.tensor"() {name = "stash.w.c0.s0.3"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.4 = "exec.tensor"() {name = "stash.w.c0.s0.4"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.5 = "exec.tensor"() {name = "stash.w.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.6 = "exec.tensor"() {name = "stash.w.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.7 = "exec.tensor"() {name = "stash.w.c0.s0.7"} : () -> memref<64xf32>
    %stash.w.c0.s0.8 = "exec.tensor"() {name = "stash.w.c0.s0.8"} : () -> memref<64xf32>
    %stash.w.c0.s0.9 = "exec.tensor"() {name = "stash.w.c0.s0.9"} : () -> memref<64xf32>
    %stash.w.c0.s0.10 = "exec.tensor"() {name = "stash.w.c0.s0.10"} : () -> memref<64xf32>
    %stash.w.c0.s0.11 = "exec.tensor"() {name = "stash.w.c0.s0.11"} : () -> memref<64xf32>
    %stash.w.c0.s0.12 = "exec.tensor"() {name = "stash.w.c0.s0.12"} : () -> memref<64xf32>
    %0 = "exec.reshape"(%stash.w.c0.s0.6) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %1 = "exec.reshape"(%stash.w.c0.s0.5) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %2 = "exec.reshape"(%stash.w.c0.s0.4) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %3 = "exec.view"() {offset = 2051072 : i64} : () -> memref<f32>
    "exec.fill"(%3) {value = 1.0 : f64} : (memref<f32>) -> ()
    %4 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%3, %4) ({
    ^bb0(%5: tensor<f32>):
      %6 = "graph.scale"(%5) {factor = 0.00390625 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%6) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<f32>, memref<f32>) -> ()
    %7 = "exec.reshape"(%4) {shape = array<i64: 1, 1>} : (memref<f32>) -> memref<1x1xf32>
    %8 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32xf32>
    "exec.elementwise"(%7, %8) ({
    ^bb0(%9: tensor<f32>):
      "exec.yield"(%9) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<1x1xf32>, memref<2x32xf32>) -> ()
    "exec.cross_entropy_grad"(%stash.c0.s0.0, %labels, %8, %stash.w.c0.s0.0) : (memref<2x32x128xf32>, memref<2x32xi32>, memref<2x32xf32>, memref<2x32x128xf32>) -> ()
    %10 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.w.c0.s0.0, %embed.tokens.weight, %10) : (memref<2x32x128xf32>, memref<128x64xf32>, memref<2x32x64xf32>) -> ()
    "exec.layer_norm_grad"(%stash.c0.s0.2, %final_norm.weight, %10, %stash.w.c0.s0.1, %stash.w.c0.s0.11, %stash.w.c0.s0.12) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    %11 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x256xf32>
    "exec.gemm"(%stash.w.c0.s0.1, %layers.1.mlp.down.weight, %11) {transpose_b = true} : (memref<2x32x64xf32>, memref<256x64xf32>, memref<2x32x256xf32>) -> ()
    "exec.elementwise"(%stash.c0.s0.4, %11, %stash.w.c0.s0.2) ({
    ^bb0(%12: tensor<f32>, %13: tensor<f32>):
      %14 = "graph.gelu_grad"(%12, %13) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%14) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x256xf32>, memref<2x32x256xf32>, memref<2x32x256xf32>) -> ()
    %15 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.w.c0.s0.2, %layers.1.mlp.up.weight, %15) {transpose_b = true} : (memref<2x32x256xf32>, memref<64x256xf32>, memref<2x32x64xf32>) -> ()
    %16 = "exec.view"() {offset = 2067456 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm_grad"(%stash.c0.s0.6, %layers.1.mlp_norm.weight, %15, %16, %stash.w.c0.s0.9, %stash.w.c0.s0.10) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.1, %16, %stash.w.c0.s0.3) ({
    ^bb0(%17: tensor<f32>, %18: tensor<f32>):
      %19 = "graph.add"(%17, %18) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %20 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%stash.w.c0.s0.3, %layers.1.attn.o.weight, %20) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %21 = "exec.reshape"(%20) {shape = array<i64: 2, 32, 4, 16>} : (memref<2x32x64xf32>) -> memref<2x32x4x16xf32>
    %22 = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x4x32x16xf32>
    "exec.copy"(%21, %22) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x32x4x16xf32>, memref<2x4x32x16xf32>) -> ()
    %23 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x4x32x32xf32>
    "exec.gemm"(%22, %stash.c0.s0.8, %23) {transpose_b = true} : (memref<2x4x32x16xf32>, memref<2x4x32x16xf32>, memref<2x4x32x32xf32>) -> ()
    %24 = "exec.view"() {offset = 2116608 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%stash.c0.s0.9, %22, %24) {transpose_a = true} : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %25 = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x4x32x32xf32>
    "exec.softmax_grad"(%stash.c0.s0.9, %23, %25) : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %26 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x4x32x32xf32>
    "exec.elementwise"(%25, %26) ({
    ^bb0(%27: tensor<f32>):
      %28 = "graph.scale"(%27) {factor = 0.25 : f64} : (tensor<f32>) -> tensor<f32>
      "exec.yield"(%28) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<2x4x32x32xf32>, memref<2x4x32x32xf32>) -> ()
    %29 = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%26, %stash.c0.s0.10, %29) : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    %30 = "exec.view"() {offset = 2100224 : i64} : () -> memref<2x4x32x16xf32>
    "exec.gemm"(%26, %stash.c0.s0.11, %30) {transpose_a = true} : (memref<2x4x32x32xf32>, memref<2x4x32x16xf32>, memref<2x4x32x16xf32>) -> ()
    "exec.copy"(%24, %2) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    "exec.copy"(%30, %1) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    "exec.copy"(%29, %0) {perm = array<i64: 0, 2, 1, 3>} : (memref<2x4x32x16xf32>, memref<2x32x4x16xf32>) -> ()
    %31 = "exec.reshape"(%2) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %32 = "exec.reshape"(%1) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %33 = "exec.reshape"(%0) {shape = array<i64: 2, 32, 64>} : (memref<2x32x4x16xf32>) -> memref<2x32x64xf32>
    %34 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%31, %layers.1.attn.v.weight, %34) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %35 = "exec.view"() {offset = 2067456 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%32, %layers.1.attn.k.weight, %35) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %36 = "exec.view"() {offset = 2083840 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%34, %35, %36) ({
    ^bb0(%37: tensor<f32>, %38: tensor<f32>):
      %39 = "graph.add"(%37, %38) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%39) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %40 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.gemm"(%33, %layers.1.attn.q.weight, %40) {transpose_b = true} : (memref<2x32x64xf32>, memref<64x64xf32>, memref<2x32x64xf32>) -> ()
    %41 = "exec.view"() {offset = 2067456 : i64} : () -> memref<2x32x64xf32>
    "exec.elementwise"(%36, %40, %41) ({
    ^bb0(%42: tensor<f32>, %43: tensor<f32>):
      %44 = "graph.add"(%42, %43) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%44) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    %45 = "exec.view"() {offset = 2051072 : i64} : () -> memref<2x32x64xf32>
    "exec.layer_norm_grad"(%stash.c0.s0.13, %layers.1.attn_norm.weight, %41, %45, %stash.w.c0.s0.7, %stash.w.c0.s0.8) {eps = 1.0e-5 : f64} : (memref<2x32x64xf32>, memref<64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>, memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.3, %45, %dx_in.c0) ({
    ^bb0(%46: tensor<f32>, %47: tensor<f32>):
      %48 = "graph.add"(%46, %47) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%48) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 2 : i64} : (memref<2x32x64xf32>, memref<2x32x64xf32>, memref<2x32x64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @backward_weight_c0() {
    %x_in.c0 = "exec.tensor"() {name = "x_in.c0"} : () -> memref<2x32x64xf32>
    %labels = "exec.tensor"() {name = "labels"} : () -> memref<2x32xi32>
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.1.attn_norm.weight = "exec.tensor"() {name = "layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %layers.1.attn_norm.bias = "exec.tensor"() {name = "layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %layers.1.attn.q.weight = "exec.tensor"() {name = "layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.q.bias = "exec.tensor"() {name = "layers.1.attn.q.bias"} : () -> memref<64xf32>
    %layers.1.attn.k.weight = "exec.tensor"() {name = "layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.k.bias = "exec.tensor"() {name = "layers.1.attn.k.bias"} : () -> memref<64xf32>
    %layers.1.attn.v.weight = "exec.tensor"() {name = "layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.v.bias = "exec.tensor"() {name = "layers.1.attn.v.bias"} : () -> memref<64xf32>
    %layers.1.attn.o.weight = "exec.tensor"() {name = "layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.o.bias = "exec.tensor"() {name = "layers.1.attn.o.bias"} : () -> memref<64xf32>
    %layers.1.mlp_norm.weight = "exec.tensor"() {name = "layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.1.mlp_norm.bias = "exec.tensor"() {name = "layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.1.mlp.up.weight = "exec.tensor"() {name = "layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.1.mlp.up.bias = "exec.tensor"() {name = "layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %layers.1.mlp.down.weight = "exec.tensor"() {name = "layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.1.mlp.down.bias = "exec.tensor"() {name = "layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %stash.c0.s0.0 = "exec.tensor"() {name = "stash.c0.s0.0"} : () -> memref<2x32x128xf32>
    %stash.c0.s0.1 = "exec.tensor"() {name = "stash.c0.s0.1"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.2 = "exec.tensor"() {name = "stash.c0.s0.2"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.3 = "exec.tensor"() {name = "stash.c0.s0.3"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.4 = "exec.tensor"() {name = "stash.c0.s0.4"} : () -> memref<2x32x256xf32>
    %stash.c0.s0.5 = "exec.tensor"() {name = "stash.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.6 = "exec.tensor"() {name = "stash.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.7 = "exec.tensor"() {name = "stash.c0.s0.7"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.8 = "exec.tensor"() {name = "stash.c0.s0.8"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.9 = "exec.tensor"() {name = "stash.c0.s0.9"} : () -> memref<2x4x32x32xf32>
    %stash.c0.s0.10 = "exec.tensor"() {name = "stash.c0.s0.10"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.11 = "exec.tensor"() {name = "stash.c0.s0.11"} : () -> memref<2x4x32x16xf32>
    %stash.c0.s0.12 = "exec.tensor"() {name = "stash.c0.s0.12"} : () -> memref<2x32x64xf32>
    %stash.c0.s0.13 = "exec.tensor"() {name = "stash.c0.s0.13"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.0 = "exec.tensor"() {name = "stash.w.c0.s0.0"} : () -> memref<2x32x128xf32>
    %stash.w.c0.s0.1 = "exec.tensor"() {name = "stash.w.c0.s0.1"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.2 = "exec.tensor"() {name = "stash.w.c0.s0.2"} : () -> memref<2x32x256xf32>
    %stash.w.c0.s0.3 = "exec.tensor"() {name = "stash.w.c0.s0.3"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.4 = "exec.tensor"() {name = "stash.w.c0.s0.4"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.5 = "exec.tensor"() {name = "stash.w.c0.s0.5"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.6 = "exec.tensor"() {name = "stash.w.c0.s0.6"} : () -> memref<2x32x64xf32>
    %stash.w.c0.s0.7 = "exec.tensor"() {name = "stash.w.c0.s0.7"} : () -> memref<64xf32>
    %stash.w.c0.s0.8 = "exec.tensor"() {name = "stash.w.c0.s0.8"} : () -> memref<64xf32>
    %stash.w.c0.s0.9 = "exec.tensor"() {name = "stash.w.c0.s0.9"} : () -> memref<64xf32>
    %stash.w.c0.s0.10 = "exec.tensor"() {name = "stash.w.c0.s0.10"} : () -> memref<64xf32>
    %stash.w.c0.s0.11 = "exec.tensor"() {name = "stash.w.c0.s0.11"} : () -> memref<64xf32>
    %stash.w.c0.s0.12 = "exec.tensor"() {name = "stash.w.c0.s0.12"} : () -> memref<64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.layers.1.attn_norm.weight = "exec.tensor"() {name = "grad.layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.1.attn_norm.bias = "exec.tensor"() {name = "grad.layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.q.weight = "exec.tensor"() {name = "grad.layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.q.bias = "exec.tensor"() {name = "grad.layers.1.attn.q.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.k.weight = "exec.tensor"() {name = "grad.layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.k.bias = "exec.tensor"() {name = "grad.layers.1.attn.k.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.v.weight = "exec.tensor"() {name = "grad.layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.v.bias = "exec.tensor"() {name = "grad.layers.1.attn.v.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.o.weight = "exec.tensor"() {name = "grad.layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.o.bias = "exec.tensor"() {name = "grad.layers.1.attn.o.bias"} : () -> memref<64xf32>
    %grad.layers.1.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.1.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %grad.layers.1.mlp.up.weight = "exec.tensor"() {name = "grad.layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %grad.layers.1.mlp.up.bias = "exec.tensor"() {name = "grad.layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %grad.layers.1.mlp.down.weight = "exec.tensor"() {name = "grad.layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %grad.layers.1.mlp.down.bias = "exec.tensor"() {name = "grad.layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    %0 = "exec.reshape"(%grad.layers.1.attn.q.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %1 = "exec.reshape"(%grad.layers.1.attn.k.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %2 = "exec.reshape"(%grad.layers.1.attn.v.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %3 = "exec.reshape"(%grad.layers.1.attn.o.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %4 = "exec.reshape"(%grad.layers.1.mlp.up.bias) {shape = array<i64: 1, 1, 256>} : (memref<256xf32>) -> memref<1x1x256xf32>
    %5 = "exec.reshape"(%grad.layers.1.mlp.down.bias) {shape = array<i64: 1, 1, 64>} : (memref<64xf32>) -> memref<1x1x64xf32>
    %6 = "exec.reshape"(%stash.c0.s0.1) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %7 = "exec.reshape"(%stash.w.c0.s0.0) {shape = array<i64: 64, 128>} : (memref<2x32x128xf32>) -> memref<64x128xf32>
    "exec.gemm"(%7, %6, %grad.embed.tokens.weight) {accumulate = true, transpose_a = true} : (memref<64x128xf32>, memref<64x64xf32>, memref<128x64xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.1, %5) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.1.mlp.down.bias_1 = "exec.reshape"(%5) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %8 = "exec.reshape"(%stash.c0.s0.3) {shape = array<i64: 64, 256>} : (memref<2x32x256xf32>) -> memref<64x256xf32>
    %9 = "exec.reshape"(%stash.w.c0.s0.1) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%8, %9, %grad.layers.1.mlp.down.weight) {accumulate = true, transpose_a = true} : (memref<64x256xf32>, memref<64x64xf32>, memref<256x64xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.2, %4) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x256xf32>, memref<1x1x256xf32>) -> ()
    %grad.layers.1.mlp.up.bias_1 = "exec.reshape"(%4) {shape = array<i64: 256>} : (memref<1x1x256xf32>) -> memref<256xf32>
    %10 = "exec.reshape"(%stash.c0.s0.5) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %11 = "exec.reshape"(%stash.w.c0.s0.2) {shape = array<i64: 64, 256>} : (memref<2x32x256xf32>) -> memref<64x256xf32>
    "exec.gemm"(%10, %11, %grad.layers.1.mlp.up.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x256xf32>, memref<64x256xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.3, %3) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.1.attn.o.bias_1 = "exec.reshape"(%3) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %12 = "exec.reshape"(%stash.c0.s0.7) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %13 = "exec.reshape"(%stash.w.c0.s0.3) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%12, %13, %grad.layers.1.attn.o.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.4, %2) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.1.attn.v.bias_1 = "exec.reshape"(%2) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %14 = "exec.reshape"(%stash.c0.s0.12) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    %15 = "exec.reshape"(%stash.w.c0.s0.4) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%14, %15, %grad.layers.1.attn.v.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.5, %1) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.1.attn.k.bias_1 = "exec.reshape"(%1) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %16 = "exec.reshape"(%stash.w.c0.s0.5) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%14, %16, %grad.layers.1.attn.k.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    "exec.reduce"(%stash.w.c0.s0.6, %0) {accumulate = true, axes = array<i64: 0, 1>, keepdim = true, kind = "sum"} : (memref<2x32x64xf32>, memref<1x1x64xf32>) -> ()
    %grad.layers.1.attn.q.bias_1 = "exec.reshape"(%0) {shape = array<i64: 64>} : (memref<1x1x64xf32>) -> memref<64xf32>
    %17 = "exec.reshape"(%stash.w.c0.s0.6) {shape = array<i64: 64, 64>} : (memref<2x32x64xf32>) -> memref<64x64xf32>
    "exec.gemm"(%14, %17, %grad.layers.1.attn.q.weight) {accumulate = true, transpose_a = true} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.7, %grad.layers.1.attn_norm.weight) ({
    ^bb0(%18: tensor<f32>):
      "exec.yield"(%18) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.8, %grad.layers.1.attn_norm.bias) ({
    ^bb0(%19: tensor<f32>):
      "exec.yield"(%19) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.9, %grad.layers.1.mlp_norm.weight) ({
    ^bb0(%20: tensor<f32>):
      "exec.yield"(%20) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.10, %grad.layers.1.mlp_norm.bias) ({
    ^bb0(%21: tensor<f32>):
      "exec.yield"(%21) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.11, %grad.final_norm.weight) ({
    ^bb0(%22: tensor<f32>):
      "exec.yield"(%22) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "exec.elementwise"(%stash.w.c0.s0.12, %grad.final_norm.bias) ({
    ^bb0(%23: tensor<f32>):
      "exec.yield"(%23) : (tensor<f32>) -> ()
    }) {accumulate = true, n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    "func.return"() : () -> ()
  }

  func.func @optimizer_step() {
    %embed.tokens.weight = "exec.tensor"() {name = "embed.tokens.weight"} : () -> memref<128x64xf32>
    %layers.1.attn_norm.weight = "exec.tensor"() {name = "layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %layers.1.attn_norm.bias = "exec.tensor"() {name = "layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %layers.1.attn.q.weight = "exec.tensor"() {name = "layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.q.bias = "exec.tensor"() {name = "layers.1.attn.q.bias"} : () -> memref<64xf32>
    %layers.1.attn.k.weight = "exec.tensor"() {name = "layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.k.bias = "exec.tensor"() {name = "layers.1.attn.k.bias"} : () -> memref<64xf32>
    %layers.1.attn.v.weight = "exec.tensor"() {name = "layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.v.bias = "exec.tensor"() {name = "layers.1.attn.v.bias"} : () -> memref<64xf32>
    %layers.1.attn.o.weight = "exec.tensor"() {name = "layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %layers.1.attn.o.bias = "exec.tensor"() {name = "layers.1.attn.o.bias"} : () -> memref<64xf32>
    %layers.1.mlp_norm.weight = "exec.tensor"() {name = "layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %layers.1.mlp_norm.bias = "exec.tensor"() {name = "layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %layers.1.mlp.up.weight = "exec.tensor"() {name = "layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %layers.1.mlp.up.bias = "exec.tensor"() {name = "layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %layers.1.mlp.down.weight = "exec.tensor"() {name = "layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %layers.1.mlp.down.bias = "exec.tensor"() {name = "layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %final_norm.weight = "exec.tensor"() {name = "final_norm.weight"} : () -> memref<64xf32>
    %final_norm.bias = "exec.tensor"() {name = "final_norm.bias"} : () -> memref<64xf32>
    %grad.embed.tokens.weight = "exec.tensor"() {name = "grad.embed.tokens.weight"} : () -> memref<128x64xf32>
    %grad.layers.1.attn_norm.weight = "exec.tensor"() {name = "grad.layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %grad.layers.1.attn_norm.bias = "exec.tensor"() {name = "grad.layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.q.weight = "exec.tensor"() {name = "grad.layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.q.bias = "exec.tensor"() {name = "grad.layers.1.attn.q.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.k.weight = "exec.tensor"() {name = "grad.layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.k.bias = "exec.tensor"() {name = "grad.layers.1.attn.k.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.v.weight = "exec.tensor"() {name = "grad.layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.v.bias = "exec.tensor"() {name = "grad.layers.1.attn.v.bias"} : () -> memref<64xf32>
    %grad.layers.1.attn.o.weight = "exec.tensor"() {name = "grad.layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %grad.layers.1.attn.o.bias = "exec.tensor"() {name = "grad.layers.1.attn.o.bias"} : () -> memref<64xf32>
    %grad.layers.1.mlp_norm.weight = "exec.tensor"() {name = "grad.layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %grad.layers.1.mlp_norm.bias = "exec.tensor"() {name = "grad.layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %grad.layers.1.mlp.up.weight = "exec.tensor"() {name = "grad.layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %grad.layers.1.mlp.up.bias = "exec.tensor"() {name = "grad.layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %grad.layers.1.mlp.down.weight = "exec.tensor"() {name = "grad.layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %grad.layers.1.mlp.down.bias = "exec.tensor"() {name = "grad.layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %grad.final_norm.weight = "exec.tensor"() {name = "grad.final_norm.weight"} : () -> memref<64xf32>
    %grad.final_norm.bias = "exec.tensor"() {name = "grad.final_norm.bias"} : () -> memref<64xf32>
    %exp_avg.embed.tokens.weight = "exec.tensor"() {name = "exp_avg.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg.layers.1.attn_norm.weight = "exec.tensor"() {name = "exp_avg.layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.1.attn_norm.bias = "exec.tensor"() {name = "exp_avg.layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.attn.q.weight = "exec.tensor"() {name = "exp_avg.layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.1.attn.q.bias = "exec.tensor"() {name = "exp_avg.layers.1.attn.q.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.attn.k.weight = "exec.tensor"() {name = "exp_avg.layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.1.attn.k.bias = "exec.tensor"() {name = "exp_avg.layers.1.attn.k.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.attn.v.weight = "exec.tensor"() {name = "exp_avg.layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.1.attn.v.bias = "exec.tensor"() {name = "exp_avg.layers.1.attn.v.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.attn.o.weight = "exec.tensor"() {name = "exp_avg.layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg.layers.1.attn.o.bias = "exec.tensor"() {name = "exp_avg.layers.1.attn.o.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.mlp_norm.weight = "exec.tensor"() {name = "exp_avg.layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg.layers.1.mlp_norm.bias = "exec.tensor"() {name = "exp_avg.layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %exp_avg.layers.1.mlp.up.weight = "exec.tensor"() {name = "exp_avg.layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %exp_avg.layers.1.mlp.up.bias = "exec.tensor"() {name = "exp_avg.layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %exp_avg.layers.1.mlp.down.weight = "exec.tensor"() {name = "exp_avg.layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %exp_avg.layers.1.mlp.down.bias = "exec.tensor"() {name = "exp_avg.layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %exp_avg.final_norm.weight = "exec.tensor"() {name = "exp_avg.final_norm.weight"} : () -> memref<64xf32>
    %exp_avg.final_norm.bias = "exec.tensor"() {name = "exp_avg.final_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.embed.tokens.weight = "exec.tensor"() {name = "exp_avg_sq.embed.tokens.weight"} : () -> memref<128x64xf32>
    %exp_avg_sq.layers.1.attn_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.attn_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.attn.q.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.q.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.1.attn.q.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.q.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.attn.k.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.k.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.1.attn.k.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.k.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.attn.v.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.v.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.1.attn.v.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.v.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.attn.o.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.o.weight"} : () -> memref<64x64xf32>
    %exp_avg_sq.layers.1.attn.o.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.attn.o.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.mlp_norm.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.mlp_norm.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp_norm.bias"} : () -> memref<64xf32>
    %exp_avg_sq.layers.1.mlp.up.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp.up.weight"} : () -> memref<64x256xf32>
    %exp_avg_sq.layers.1.mlp.up.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp.up.bias"} : () -> memref<256xf32>
    %exp_avg_sq.layers.1.mlp.down.weight = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp.down.weight"} : () -> memref<256x64xf32>
    %exp_avg_sq.layers.1.mlp.down.bias = "exec.tensor"() {name = "exp_avg_sq.layers.1.mlp.down.bias"} : () -> memref<64xf32>
    %exp_avg_sq.final_norm.weight = "exec.tensor"() {name = "exp_avg_sq.final_norm.weight"} : () -> memref<64xf32>
    %exp_avg_sq.final_norm.bias = "exec.tensor"() {name = "exp_avg_sq.final_norm.bias"} : () -> memref<64xf32>
    %step = "exec.tensor"() {name = "step"} : () -> memref<i64>
    "exec.all_reduce"(%grad.embed.tokens.weight) {axis = "pp_ends", op = "sum", size = 2 : i64} : (memref<128x64xf32>) -> ()
    %0 = "exec.view"() {offset = 2051072 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %0) ({
    ^bb0(%1: tensor<f32>):
      %2 = "graph.mul"(%1, %1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%2) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<128x64xf32>, memref<128x64xf32>) -> ()
    %3 = "exec.view"() {offset = 2083840 : i64} : () -> memref<f32>
    "exec.reduce"(%0, %3) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<128x64xf32>, memref<f32>) -> ()
    %4 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn_norm.weight, %4) ({
    ^bb0(%5: tensor<f32>):
      %6 = "graph.mul"(%5, %5) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%6) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %7 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%4, %7) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %8 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn_norm.bias, %8) ({
    ^bb0(%9: tensor<f32>):
      %10 = "graph.mul"(%9, %9) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%10) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %11 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%8, %11) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %12 = "exec.view"() {offset = 2067456 : i64} : () -> memref<f32>
    "exec.elementwise"(%7, %11, %12) ({
    ^bb0(%13: tensor<f32>, %14: tensor<f32>):
      %15 = "graph.add"(%13, %14) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%15) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %16 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.q.weight, %16) ({
    ^bb0(%17: tensor<f32>):
      %18 = "graph.mul"(%17, %17) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%18) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %19 = "exec.view"() {offset = 2067712 : i64} : () -> memref<f32>
    "exec.reduce"(%16, %19) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %20 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%12, %19, %20) ({
    ^bb0(%21: tensor<f32>, %22: tensor<f32>):
      %23 = "graph.add"(%21, %22) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%23) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %24 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.q.bias, %24) ({
    ^bb0(%25: tensor<f32>):
      %26 = "graph.mul"(%25, %25) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%26) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %27 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%24, %27) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %28 = "exec.view"() {offset = 2067456 : i64} : () -> memref<f32>
    "exec.elementwise"(%20, %27, %28) ({
    ^bb0(%29: tensor<f32>, %30: tensor<f32>):
      %31 = "graph.add"(%29, %30) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%31) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %32 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.k.weight, %32) ({
    ^bb0(%33: tensor<f32>):
      %34 = "graph.mul"(%33, %33) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%34) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %35 = "exec.view"() {offset = 2067712 : i64} : () -> memref<f32>
    "exec.reduce"(%32, %35) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %36 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%28, %35, %36) ({
    ^bb0(%37: tensor<f32>, %38: tensor<f32>):
      %39 = "graph.add"(%37, %38) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%39) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %40 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.k.bias, %40) ({
    ^bb0(%41: tensor<f32>):
      %42 = "graph.mul"(%41, %41) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%42) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %43 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%40, %43) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %44 = "exec.view"() {offset = 2067456 : i64} : () -> memref<f32>
    "exec.elementwise"(%36, %43, %44) ({
    ^bb0(%45: tensor<f32>, %46: tensor<f32>):
      %47 = "graph.add"(%45, %46) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%47) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %48 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.v.weight, %48) ({
    ^bb0(%49: tensor<f32>):
      %50 = "graph.mul"(%49, %49) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%50) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %51 = "exec.view"() {offset = 2067712 : i64} : () -> memref<f32>
    "exec.reduce"(%48, %51) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %52 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%44, %51, %52) ({
    ^bb0(%53: tensor<f32>, %54: tensor<f32>):
      %55 = "graph.add"(%53, %54) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%55) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %56 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.v.bias, %56) ({
    ^bb0(%57: tensor<f32>):
      %58 = "graph.mul"(%57, %57) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%58) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %59 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%56, %59) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %60 = "exec.view"() {offset = 2067456 : i64} : () -> memref<f32>
    "exec.elementwise"(%52, %59, %60) ({
    ^bb0(%61: tensor<f32>, %62: tensor<f32>):
      %63 = "graph.add"(%61, %62) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%63) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %64 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.o.weight, %64) ({
    ^bb0(%65: tensor<f32>):
      %66 = "graph.mul"(%65, %65) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%66) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x64xf32>, memref<64x64xf32>) -> ()
    %67 = "exec.view"() {offset = 2067712 : i64} : () -> memref<f32>
    "exec.reduce"(%64, %67) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x64xf32>, memref<f32>) -> ()
    %68 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%60, %67, %68) ({
    ^bb0(%69: tensor<f32>, %70: tensor<f32>):
      %71 = "graph.add"(%69, %70) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%71) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %72 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.o.bias, %72) ({
    ^bb0(%73: tensor<f32>):
      %74 = "graph.mul"(%73, %73) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%74) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %75 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%72, %75) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %76 = "exec.view"() {offset = 2051840 : i64} : () -> memref<f32>
    "exec.elementwise"(%68, %75, %76) ({
    ^bb0(%77: tensor<f32>, %78: tensor<f32>):
      %79 = "graph.add"(%77, %78) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%79) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %80 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp_norm.weight, %80) ({
    ^bb0(%81: tensor<f32>):
      %82 = "graph.mul"(%81, %81) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%82) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %83 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%80, %83) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %84 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.elementwise"(%76, %83, %84) ({
    ^bb0(%85: tensor<f32>, %86: tensor<f32>):
      %87 = "graph.add"(%85, %86) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%87) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %88 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp_norm.bias, %88) ({
    ^bb0(%89: tensor<f32>):
      %90 = "graph.mul"(%89, %89) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%90) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %91 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%88, %91) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %92 = "exec.view"() {offset = 2116608 : i64} : () -> memref<f32>
    "exec.elementwise"(%84, %91, %92) ({
    ^bb0(%93: tensor<f32>, %94: tensor<f32>):
      %95 = "graph.add"(%93, %94) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%95) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %96 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x256xf32>
    "exec.elementwise"(%grad.layers.1.mlp.up.weight, %96) ({
    ^bb0(%97: tensor<f32>):
      %98 = "graph.mul"(%97, %97) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%98) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64x256xf32>, memref<64x256xf32>) -> ()
    %99 = "exec.view"() {offset = 2116864 : i64} : () -> memref<f32>
    "exec.reduce"(%96, %99) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<64x256xf32>, memref<f32>) -> ()
    %100 = "exec.view"() {offset = 2052096 : i64} : () -> memref<f32>
    "exec.elementwise"(%92, %99, %100) ({
    ^bb0(%101: tensor<f32>, %102: tensor<f32>):
      %103 = "graph.add"(%101, %102) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%103) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %104 = "exec.view"() {offset = 2051072 : i64} : () -> memref<256xf32>
    "exec.elementwise"(%grad.layers.1.mlp.up.bias, %104) ({
    ^bb0(%105: tensor<f32>):
      %106 = "graph.mul"(%105, %105) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%106) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<256xf32>, memref<256xf32>) -> ()
    %107 = "exec.view"() {offset = 2052352 : i64} : () -> memref<f32>
    "exec.reduce"(%104, %107) {axes = array<i64: 0>, kind = "sum"} : (memref<256xf32>, memref<f32>) -> ()
    %108 = "exec.view"() {offset = 2116608 : i64} : () -> memref<f32>
    "exec.elementwise"(%100, %107, %108) ({
    ^bb0(%109: tensor<f32>, %110: tensor<f32>):
      %111 = "graph.add"(%109, %110) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%111) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %112 = "exec.view"() {offset = 2051072 : i64} : () -> memref<256x64xf32>
    "exec.elementwise"(%grad.layers.1.mlp.down.weight, %112) ({
    ^bb0(%113: tensor<f32>):
      %114 = "graph.mul"(%113, %113) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%114) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<256x64xf32>, memref<256x64xf32>) -> ()
    %115 = "exec.view"() {offset = 2116864 : i64} : () -> memref<f32>
    "exec.reduce"(%112, %115) {axes = array<i64: 0, 1>, kind = "sum"} : (memref<256x64xf32>, memref<f32>) -> ()
    %116 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.elementwise"(%108, %115, %116) ({
    ^bb0(%117: tensor<f32>, %118: tensor<f32>):
      %119 = "graph.add"(%117, %118) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%119) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %120 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp.down.bias, %120) ({
    ^bb0(%121: tensor<f32>):
      %122 = "graph.mul"(%121, %121) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%122) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %123 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.reduce"(%120, %123) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %124 = "exec.view"() {offset = 2051840 : i64} : () -> memref<f32>
    "exec.elementwise"(%116, %123, %124) ({
    ^bb0(%125: tensor<f32>, %126: tensor<f32>):
      %127 = "graph.add"(%125, %126) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%127) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %128 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.weight, %128) ({
    ^bb0(%129: tensor<f32>):
      %130 = "graph.mul"(%129, %129) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%130) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %131 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%128, %131) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %132 = "exec.view"() {offset = 2051584 : i64} : () -> memref<f32>
    "exec.elementwise"(%124, %131, %132) ({
    ^bb0(%133: tensor<f32>, %134: tensor<f32>):
      %135 = "graph.add"(%133, %134) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%135) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    %136 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.bias, %136) ({
    ^bb0(%137: tensor<f32>):
      %138 = "graph.mul"(%137, %137) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%138) : (tensor<f32>) -> ()
    }) {n_inputs = 1 : i64} : (memref<64xf32>, memref<64xf32>) -> ()
    %139 = "exec.view"() {offset = 2051328 : i64} : () -> memref<f32>
    "exec.reduce"(%136, %139) {axes = array<i64: 0>, kind = "sum"} : (memref<64xf32>, memref<f32>) -> ()
    %140 = "exec.view"() {offset = 2051072 : i64} : () -> memref<f32>
    "exec.elementwise"(%132, %139, %140) ({
    ^bb0(%141: tensor<f32>, %142: tensor<f32>):
      %143 = "graph.add"(%141, %142) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%143) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<f32>, memref<f32>, memref<f32>) -> ()
    "exec.all_reduce"(%140) {axis = "pp", op = "sum", size = 2 : i64} : (memref<f32>) -> ()
    %clip_coef = "exec.view"() {offset = 2116608 : i64} : () -> memref<f32>
    "exec.clip_coef"(%140, %clip_coef) {max_norm = 1.0 : f64} : (memref<f32>, memref<f32>) -> ()
    %lr = "exec.view"() {offset = 2116864 : i64} : () -> memref<f32>
    "exec.lr_schedule"(%step, %lr) {decay_steps = 200 : i64, kind = "cosine", lr = 0.001 : f64, min_lr = 0.0001 : f64, warmup_steps = 10 : i64} : (memref<i64>, memref<f32>) -> ()
    %144 = "exec.view"() {offset = 2051072 : i64} : () -> memref<128x64xf32>
    "exec.elementwise"(%grad.embed.tokens.weight, %clip_coef, %144) ({
    ^bb0(%145: tensor<f32>, %146: tensor<f32>):
      %147 = "graph.mul"(%145, %146) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%147) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<128x64xf32>, memref<f32>, memref<128x64xf32>) -> ()
    "exec.adamw"(%embed.tokens.weight, %144, %exp_avg.embed.tokens.weight, %exp_avg_sq.embed.tokens.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<f32>, memref<i64>) -> ()
    %148 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn_norm.weight, %clip_coef, %148) ({
    ^bb0(%149: tensor<f32>, %150: tensor<f32>):
      %151 = "graph.mul"(%149, %150) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%151) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn_norm.weight, %148, %exp_avg.layers.1.attn_norm.weight, %exp_avg_sq.layers.1.attn_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %152 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn_norm.bias, %clip_coef, %152) ({
    ^bb0(%153: tensor<f32>, %154: tensor<f32>):
      %155 = "graph.mul"(%153, %154) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%155) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn_norm.bias, %152, %exp_avg.layers.1.attn_norm.bias, %exp_avg_sq.layers.1.attn_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %156 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.q.weight, %clip_coef, %156) ({
    ^bb0(%157: tensor<f32>, %158: tensor<f32>):
      %159 = "graph.mul"(%157, %158) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%159) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.q.weight, %156, %exp_avg.layers.1.attn.q.weight, %exp_avg_sq.layers.1.attn.q.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %160 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.q.bias, %clip_coef, %160) ({
    ^bb0(%161: tensor<f32>, %162: tensor<f32>):
      %163 = "graph.mul"(%161, %162) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%163) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.q.bias, %160, %exp_avg.layers.1.attn.q.bias, %exp_avg_sq.layers.1.attn.q.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %164 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.k.weight, %clip_coef, %164) ({
    ^bb0(%165: tensor<f32>, %166: tensor<f32>):
      %167 = "graph.mul"(%165, %166) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%167) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.k.weight, %164, %exp_avg.layers.1.attn.k.weight, %exp_avg_sq.layers.1.attn.k.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %168 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.k.bias, %clip_coef, %168) ({
    ^bb0(%169: tensor<f32>, %170: tensor<f32>):
      %171 = "graph.mul"(%169, %170) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%171) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.k.bias, %168, %exp_avg.layers.1.attn.k.bias, %exp_avg_sq.layers.1.attn.k.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %172 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.v.weight, %clip_coef, %172) ({
    ^bb0(%173: tensor<f32>, %174: tensor<f32>):
      %175 = "graph.mul"(%173, %174) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%175) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.v.weight, %172, %exp_avg.layers.1.attn.v.weight, %exp_avg_sq.layers.1.attn.v.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %176 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.v.bias, %clip_coef, %176) ({
    ^bb0(%177: tensor<f32>, %178: tensor<f32>):
      %179 = "graph.mul"(%177, %178) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%179) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.v.bias, %176, %exp_avg.layers.1.attn.v.bias, %exp_avg_sq.layers.1.attn.v.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %180 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x64xf32>
    "exec.elementwise"(%grad.layers.1.attn.o.weight, %clip_coef, %180) ({
    ^bb0(%181: tensor<f32>, %182: tensor<f32>):
      %183 = "graph.mul"(%181, %182) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%183) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x64xf32>, memref<f32>, memref<64x64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.o.weight, %180, %exp_avg.layers.1.attn.o.weight, %exp_avg_sq.layers.1.attn.o.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<64x64xf32>, memref<f32>, memref<i64>) -> ()
    %184 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.attn.o.bias, %clip_coef, %184) ({
    ^bb0(%185: tensor<f32>, %186: tensor<f32>):
      %187 = "graph.mul"(%185, %186) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%187) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.attn.o.bias, %184, %exp_avg.layers.1.attn.o.bias, %exp_avg_sq.layers.1.attn.o.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %188 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp_norm.weight, %clip_coef, %188) ({
    ^bb0(%189: tensor<f32>, %190: tensor<f32>):
      %191 = "graph.mul"(%189, %190) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%191) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.mlp_norm.weight, %188, %exp_avg.layers.1.mlp_norm.weight, %exp_avg_sq.layers.1.mlp_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %192 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp_norm.bias, %clip_coef, %192) ({
    ^bb0(%193: tensor<f32>, %194: tensor<f32>):
      %195 = "graph.mul"(%193, %194) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%195) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.mlp_norm.bias, %192, %exp_avg.layers.1.mlp_norm.bias, %exp_avg_sq.layers.1.mlp_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %196 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64x256xf32>
    "exec.elementwise"(%grad.layers.1.mlp.up.weight, %clip_coef, %196) ({
    ^bb0(%197: tensor<f32>, %198: tensor<f32>):
      %199 = "graph.mul"(%197, %198) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%199) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64x256xf32>, memref<f32>, memref<64x256xf32>) -> ()
    "exec.adamw"(%layers.1.mlp.up.weight, %196, %exp_avg.layers.1.mlp.up.weight, %exp_avg_sq.layers.1.mlp.up.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64x256xf32>, memref<64x256xf32>, memref<64x256xf32>, memref<64x256xf32>, memref<f32>, memref<i64>) -> ()
    %200 = "exec.view"() {offset = 2051072 : i64} : () -> memref<256xf32>
    "exec.elementwise"(%grad.layers.1.mlp.up.bias, %clip_coef, %200) ({
    ^bb0(%201: tensor<f32>, %202: tensor<f32>):
      %203 = "graph.mul"(%201, %202) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%203) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<256xf32>, memref<f32>, memref<256xf32>) -> ()
    "exec.adamw"(%layers.1.mlp.up.bias, %200, %exp_avg.layers.1.mlp.up.bias, %exp_avg_sq.layers.1.mlp.up.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<256xf32>, memref<256xf32>, memref<256xf32>, memref<256xf32>, memref<f32>, memref<i64>) -> ()
    %204 = "exec.view"() {offset = 2051072 : i64} : () -> memref<256x64xf32>
    "exec.elementwise"(%grad.layers.1.mlp.down.weight, %clip_coef, %204) ({
    ^bb0(%205: tensor<f32>, %206: tensor<f32>):
      %207 = "graph.mul"(%205, %206) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%207) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<256x64xf32>, memref<f32>, memref<256x64xf32>) -> ()
    "exec.adamw"(%layers.1.mlp.down.weight, %204, %exp_avg.layers.1.mlp.down.weight, %exp_avg_sq.layers.1.mlp.down.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<256x64xf32>, memref<256x64xf32>, memref<256x64xf32>, memref<256x64xf32>, memref<f32>, memref<i64>) -> ()
    %208 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.layers.1.mlp.down.bias, %clip_coef, %208) ({
    ^bb0(%209: tensor<f32>, %210: tensor<f32>):
      %211 = "graph.mul"(%209, %210) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%211) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%layers.1.mlp.down.bias, %208, %exp_avg.layers.1.mlp.down.bias, %exp_avg_sq.layers.1.mlp.down.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %212 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.weight, %clip_coef, %212) ({
    ^bb0(%213: tensor<f32>, %214: tensor<f32>):
      %215 = "graph.mul"(%213, %214) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%215) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%final_norm.weight, %212, %exp_avg.final_norm.weight, %exp_avg_sq.final_norm.weight, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    %216 = "exec.view"() {offset = 2051072 : i64} : () -> memref<64xf32>
    "exec.elementwise"(%grad.final_norm.bias, %clip_coef, %216) ({
    ^bb0(%217: tensor<f32>, %218: tensor<f32>):
      %219 = "graph.mul"(%217, %218) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "exec.yield"(%219) : (tensor<f32>) -> ()
    }) {n_inputs = 2 : i64} : (memref<64xf32>, memref<f32>, memref<64xf32>) -> ()
    "exec.adamw"(%final_norm.bias, %216, %exp_avg.final_norm.bias, %exp_avg_sq.final_norm.bias, %lr, %step) {beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64} : (memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<64xf32>, memref<f32>, memref<i64>) -> ()
    "func.return"() : () -> ()
  }
}
