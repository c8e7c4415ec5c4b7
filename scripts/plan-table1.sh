#!/usr/bin/env bash
# parc plan on the rows of Megatron-LM's Table 1 (Narayanan et al. 2021: GPT 1.7B-1T on A100
# 80GB). For each row: a GPT of the row's shape (vocabulary 51,200, sequence 2048, bf16,
# gradients reduced in 16 bits as Megatron-LM does) on the row's GPU count and global batch,
# searched by `parc plan --gpu a100-80g`. Prints the top plan, the best plan on the published
# tp x pp (any ZeRO, micro-batch, schedule and recomputation), their predicted TFLOP/s per GPU
# (the planner's model FLOPs) and the rank of the published mesh's best plan in the search.
#
#   bash scripts/plan-table1.sh            # builds parc (release) first
#   PINS="--zero 0 --sequence-parallel off --recompute full" bash scripts/plan-table1.sh
#                                          # Megatron-LM's features of 2021 only (PINS: parc plan flags)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin parc -q
parc=$PWD/target/release/parc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# params(B) heads hidden layers tp pp GPUs global-batch
rows="1.7 24 2304 24 1 1 32 512
3.6 32 3072 30 2 1 64 512
7.5 32 4096 36 4 1 128 512
18.4 48 6144 40 8 1 256 1024
39.1 64 8192 48 8 2 512 1536
76.1 80 10240 60 8 4 1024 1792
145.6 96 12288 80 8 8 1536 2304
310.1 128 16384 96 8 16 1920 2160
529.6 128 20480 105 8 35 2520 2520
1008.0 160 25600 128 8 64 3072 3072"
printf '%8s  %-48s %8s  %-20s %8s %6s %8s\n' params "top plan" TFLOP/s "published tp x pp" TFLOP/s rank seconds
while read -r params heads hidden layers tp pp gpus batch; do
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
grad_reduce_dtype = "bf16"
TOML
    start=$(date +%s.%N)
    "$parc" plan "$work/m.toml" --gpus "$gpus" --gpu a100-80g --json --top 1000000 --probe 10 ${PINS:-} >"$work/all.json" 2>"$work/err" || {
        echo "row $params: $(tail -2 "$work/err")"
        continue
    }
    end=$(date +%s.%N)
    python3 - "$work/all.json" "$params" "$tp" "$pp" "$start" "$end" <<'PY'
import json, sys
path, params, tp, pp, start, end = sys.argv[1:]
plans = json.load(open(path))["plans"]
top = plans[0]
def name(p):
    s = f"{p['mesh']} z{p['zero']} {'sp ' if p['sequence_parallel'] else ''}{p['schedule']}"
    if p['chunks'] > 1:
        s += f"x{p['chunks']}"
    return s + f" mb{p['micro_batch']} {p['recompute']}"
rank = next((i + 1 for i, p in enumerate(plans) if p['tp'] == int(tp) and p['pp'] == int(pp)), None)
pub = plans[rank - 1] if rank else None
print(f"{params:>8}  {name(top):<48} {top['tflops_per_gpu']:>8.1f}  {'tp=' + tp + ',pp=' + pp:<20} "
      f"{pub['tflops_per_gpu'] if pub else float('nan'):>8.1f} {rank if rank else '-':>6} {float(end) - float(start):>8.2f}")
PY
done <<<"$rows"
