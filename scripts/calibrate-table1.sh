#!/usr/bin/env bash
# The cost model against Megatron-LM's Table 1 (Narayanan et al. 2021: GPT 1.7B-1T on A100
# 80GB, TFLOP/s per GPU by their eq. (3), which counts the recomputed forward). For each row:
# a GPT model of the row's shape (vocabulary 51,200, sequence 2048), compiled with full
# recomputation, micro-batch 1, 1F1B and gradients reduced in 16 bits (as Megatron-LM reduces
# fp16 gradients) on the row's tp x pp and d = GPUs / (t p), predicted on the a100-80g profile;
# prints predicted and published TFLOP/s per GPU and the error. The grid search of the free
# parameters: cargo run --release -p parc-compiler --example calibrate.
#
#   bash scripts/calibrate-table1.sh            # builds parc (release) first
#   SCHED=interleaved CHUNKS=2 bash scripts/calibrate-table1.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin parc -q
parc=$PWD/target/release/parc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# params(B) heads hidden layers tp pp GPUs global-batch published-TFLOP/s
rows="1.7 24 2304 24 1 1 32 512 137
3.6 32 3072 30 2 1 64 512 138
7.5 32 4096 36 4 1 128 512 142
18.4 48 6144 40 8 1 256 1024 135
39.1 64 8192 48 8 2 512 1536 138
76.1 80 10240 60 8 4 1024 1792 140
145.6 96 12288 80 8 8 1536 2304 148
310.1 128 16384 96 8 16 1920 2160 155
529.6 128 20480 105 8 35 2520 2520 163
1008.0 160 25600 128 8 64 3072 3072 163"
printf '%8s %10s %10s %8s %10s\n' params predicted published error step_s
while read -r params heads hidden layers tp pp gpus batch published; do
    dp=$((gpus / (tp * pp)))
    cat >"$work/m.toml" <<TOML
[model]
name = "gpt-${params}b"
vocab = 51200
hidden = $hidden
layers = $layers
heads = $heads
seq_len = 2048
norm = "layernorm"
activation = "gelu"
position = "learned"
tie_embeddings = true
bias = true
[training]
global_batch = $batch
micro_batch = 1
precision = "bf16"
recompute = "full"
grad_reduce_dtype = "bf16"
TOML
    flags=(--mesh "dp=$dp,pp=$pp,tp=$tp" --gpu a100-80g --json -o "$work/out")
    if [ "$pp" -gt 1 ]; then
        flags+=(--schedule "${SCHED:-1f1b}")
        [ -n "${CHUNKS:-}" ] && flags+=(--chunks "$CHUNKS")
    fi
    "$parc" compile "$work/m.toml" "${flags[@]}" >"$work/plan.json" 2>"$work/err" || {
        echo "row $params: $(head -2 "$work/err")"
        continue
    }
    line=$(python3 - "$work/plan.json" "$batch" "$layers" "$hidden" "$gpus" "$published" "$params" <<'PY'
import json, sys
path, B, l, h, gpus, published, params = sys.argv[1:]
B, l, h, gpus, published = int(B), int(l), int(h), int(gpus), float(published)
s, V = 2048, 51200
step = json.load(open(path))["prediction"]["step_time_s"]
flops = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))  # eq. (3)
predicted = flops / step / gpus / 1e12
error = 100 * (predicted - published) / published
print(f"{params:>8} {predicted:>10.1f} {published:>10.0f} {error:>+7.1f}% {step:>10.2f}")
open(path + ".errors", "a").write(f"{error}\n")
PY
)
    echo "$line"
done <<<"$rows"
awk '{a = $1 < 0 ? -$1 : $1; s += a; n++; if (a > m) m = a} END {printf "mean absolute error %.1f%%, largest %.1f%% over %d rows\n", s / n, m, n}' "$work/plan.json.errors"
