#!/usr/bin/env bash
# The CUDA backend's checks on a machine with an NVIDIA GPU, in minutes (docs/cuda.md):
#   1. every kernel of gpt-tiny and llama-tiny (fp32 and bf16) against the CPU backend, kernel by
#      kernel from the same inputs (parc launch --check-kernels);
#   2. gpt-tiny and llama-tiny trained 20 steps on the GPU and on the CPU: losses and final weights
#      within 1e-4 in fp32, 2e-2 in bf16;
#   3. GPT-2 124M (seq 1024, bf16) tokens/s and MFU on parc, then PyTorch eager and torch.compile,
#      back to back on the same GPU.
# GPU_CHECK_QUICK=1 leaves out the variants (graphs off, cuBLAS), torch.compile and the GPT-2
# kernel check. Writes every figure as one JSON object per line to $GPU_CHECK_OUT/gpu-check.jsonl (default
# ./gpu-check) and the logs beside it.
#
#   cargo build --release --features cuda && bash scripts/gpu-check.sh [path/to/parc]
#
# Needs: the NVIDIA driver; NVRTC, cuBLAS and the CUDA headers (found in a Python environment's
# nvidia-* wheels, as a PyTorch install has them, or given by LD_LIBRARY_PATH and
# PARC_CUDA_INCLUDE); python3 with numpy, safetensors and torch for steps 2 and 3.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
parc=${1:-target/release/parc}
out=${GPU_CHECK_OUT:-gpu-check}
steps=${GPU_CHECK_STEPS:-20}
mkdir -p "$out"
results=$out/gpu-check.jsonl
: >"$results"
log() { printf 'gpu-check: %s\n' "$*" >&2; }

# The CUDA libraries and headers of the Python environment's NVIDIA wheels.
site=$(python3 -c 'import sys, site; print(" ".join(site.getsitepackages() + [p for p in sys.path if p.endswith("site-packages")]))' 2>/dev/null)
for s in $site; do
    [[ -d $s/nvidia ]] || continue
    for lib in 'libnvrtc.so*' 'libcublas.so*' 'libcublasLt.so*'; do
        d=$(find "$s/nvidia" -name "$lib" -print -quit 2>/dev/null)
        [[ -n $d ]] && LD_LIBRARY_PATH=$(dirname "$d")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    done
    if [[ -z ${PARC_CUDA_INCLUDE:-} ]]; then
        h=$(find "$s/nvidia" -name cuda_bf16.h -print -quit 2>/dev/null)
        [[ -n $h ]] && export PARC_CUDA_INCLUDE=$(dirname "$h")
    fi
done
export LD_LIBRARY_PATH
export PARC_CACHE_DIR=${PARC_CACHE_DIR:-$out/cache}
log "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
log "PARC_CUDA_INCLUDE=${PARC_CUDA_INCLUDE:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt" 2>&1
log "GPU: $(cat "$out/gpu.txt")"
python3 - "$out/gpu.txt" >>"$results" <<'PY'
import json, sys
print(json.dumps({"gpu": open(sys.argv[1]).read().strip()}))
PY

# 1 and 2: kernels, then training parity.
for model in gpt-tiny llama-tiny; do
    for precision in fp32 bf16; do
        tol=1e-4
        [[ $precision == bf16 ]] && tol=2e-2
        tag=$model-$precision
        log "$tag: kernel check"
        "$parc" launch "examples/$model.toml" --precision "$precision" --backend cuda --check-kernels --steps 2 --json \
            >"$out/$tag.kernels.json" 2>"$out/$tag.kernels.err"
        rc=$?
        python3 - "$tag" "$tol" "$rc" "$out/$tag.kernels.json" >>"$results" <<'PY'
import json, sys
tag, tol, rc, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
kernels = []
for line in open(path):
    if line.startswith('{"check_kernels"'):
        kernels = json.loads(line)["check_kernels"]
worst = kernels[0] if kernels else None
bad = [k for k in kernels if k["max_rel"] is None or (k["max_rel"] > tol and k["max_abs"] > tol)]
print(json.dumps({"check": tag + " kernels", "rc": rc, "instructions": len(kernels), "worst": worst,
                  "over_tolerance": bad[:10], "tolerance": tol, "pass": rc == 0 and bool(kernels) and not bad}))
PY
        log "$tag: $steps steps on the CPU and on the GPU"
        "$parc" launch "examples/$model.toml" --precision "$precision" --steps "$steps" --json \
            --save "$out/$tag.cpu.safetensors" >"$out/$tag.cpu.jsonl" 2>"$out/$tag.cpu.err"
        "$parc" launch "examples/$model.toml" --precision "$precision" --backend cuda --steps "$steps" --json \
            --save "$out/$tag.gpu.safetensors" >"$out/$tag.gpu.jsonl" 2>"$out/$tag.gpu.err"
        python3 scripts/gpu/compare.py "$tag training" "$tol" "$out/$tag.cpu.jsonl" "$out/$tag.gpu.jsonl" \
            "$out/$tag.cpu.safetensors" "$out/$tag.gpu.safetensors" >>"$results" 2>>"$out/$tag.gpu.err" ||
            echo "{\"check\": \"$tag training\", \"pass\": false, \"error\": \"see $tag.gpu.err\"}" >>"$results"
    done
done

# 3: GPT-2 124M speed, parc then PyTorch eager and compiled, back to back. MFU counts the
# PaLM model FLOPs, 6·N + 12·layers·hidden·seq per token, against the GPU's dense bf16 peak
# (GPU_CHECK_PEAK_TFLOPS, default 989: H100 SXM and H200).
gpt2() { # TAG STEPS [ENV=VALUE ...] -- [parc launch flags]
    local tag=$1 n=$2
    shift 2
    log "gpt2-124m on parc: $tag"
    env "$@" "$parc" launch examples/gpt2-124m.toml --backend cuda --steps "$n" --json "${extra[@]}" \
        >"$out/gpt2.$tag.jsonl" 2>"$out/gpt2.$tag.err"
    python3 - "$tag" "$out/gpt2.$tag.jsonl" >>"$results" <<'PY'
import json, statistics, sys
tag, path = sys.argv[1], sys.argv[2]
steps = [json.loads(l) for l in open(path) if l.startswith('{"step"')]
timed = steps[3:] or steps
tps = statistics.median(s["tokens_per_s"] for s in timed) if timed else None
print(json.dumps({"impl": "parc", "run": tag, "steps": len(steps), "tokens_per_s": tps,
                  "step_s_median": 8192 / tps if tps else None,
                  "loss_first": steps[0]["loss"] if steps else None, "loss_last": steps[-1]["loss"] if steps else None}))
for l in open(path):
    if l.startswith('{"profile"'):
        p = json.loads(l)["profile"]
        print(json.dumps({"impl": "parc", "run": tag, "profile_gpu_ms_per_step": p["gpu_ms_per_step"], "top": p["entries"][:25]}))
PY
}
extra=()
gpt2 graphs 30 PARC_NOTHING=1
if [[ -z ${GPU_CHECK_QUICK:-} ]]; then
    extra=(--cuda-graphs off)
    gpt2 no-graphs 15 PARC_NOTHING=1
    extra=()
    gpt2 cublas 15 PARC_CUBLASLT=0
fi
extra=(--profile)
gpt2 profile 6 PARC_NOTHING=1
flags=("" --compile)
[[ -n ${GPU_CHECK_QUICK:-} ]] && flags=("")
for flag in "${flags[@]}"; do
    log "gpt2-124m on PyTorch ${flag:-eager}"
    python3 scripts/gpu/torch_gpt2.py $flag >>"$results" 2>"$out/gpt2.torch${flag}.err" ||
        echo "{\"impl\": \"pytorch${flag}\", \"error\": \"see gpt2.torch${flag}.err\"}" >>"$results"
done
python3 - "$results" "${GPU_CHECK_PEAK_TFLOPS:-989}" >>"$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
peak = float(sys.argv[2]) * 1e12
n, layers, hidden, seq = 124439808, 12, 768, 1024
flops_per_token = 6 * n + 12 * layers * hidden * seq
mfu = {}
for r in rows:
    if r.get("tokens_per_s") and "impl" in r:
        mfu[r["impl"] + ("/" + r["run"] if "run" in r else "")] = round(r["tokens_per_s"] * flops_per_token / peak, 4)
print(json.dumps({"mfu": mfu, "flops_per_token": flops_per_token, "peak_tflops": peak / 1e12}))
PY
# Last, as it runs a GPT-2 step on the CPU too: every GPT-2-sized kernel against the CPU.
if [[ -n ${GPU_CHECK_QUICK:-} ]]; then
    log "results: $results"
    cat "$results"
    exit 0
fi
log "gpt2-124m: kernel check, 1 step"
timeout "${GPU_CHECK_GPT2_KERNELS_TIMEOUT:-240}" "$parc" launch examples/gpt2-124m.toml --backend cuda --check-kernels \
    --steps 1 --json >"$out/gpt2.kernels.json" 2>"$out/gpt2.kernels.err"
rc=$?
python3 - gpt2-124m-bf16 2e-2 "$rc" "$out/gpt2.kernels.json" >>"$results" <<'PY'
import json, sys
tag, tol, rc, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
kernels = []
for line in open(path):
    if line.startswith('{"check_kernels"'):
        kernels = json.loads(line)["check_kernels"]
bad = [k for k in kernels if k["max_rel"] is None or (k["max_rel"] > tol and k["max_abs"] > tol)]
print(json.dumps({"check": tag + " kernels", "rc": rc, "instructions": len(kernels), "worst": kernels[:3],
                  "over_tolerance": bad[:10], "tolerance": tol, "pass": rc == 0 and bool(kernels) and not bad}))
PY
log "results: $results"
cat "$results"
