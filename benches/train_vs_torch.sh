#!/usr/bin/env bash
# Training throughput of parc (one rank, CPU) against a PyTorch eager reference of the same model,
# same weights, same data and the same thread count, side by side in one run. Not part of CI: it
# needs torch, safetensors and numpy (a virtualenv; see docs/PERFORMANCE.md, "Training throughput,
# gpt-tiny and llama-tiny, one rank (CPU)").
#
#   benches/train_vs_torch.sh                    # 3 runs of gpt-tiny and llama-tiny, 2 threads
#   PYTHON=/tmp/venv/bin/python RUNS=5 benches/train_vs_torch.sh
#
# Environment (defaults in brackets):
#   PYTHON   a python with torch, safetensors, numpy            [python3]
#   PARC     the parc binary                                    [target/release/parc, built here]
#   MODELS   example names                                      [gpt-tiny llama-tiny]
#   THREADS  threads for both (torch.set_num_threads, --threads) [2]
#   STEPS    measured steps, after WARMUP warm-up steps          [200, 20]
#   RUNS     repetitions; the report gives the median of runs   [3]
#   CHECK    1: first compare per-step losses for 20 steps       [1]
#   PERF     1: measure parc's GEMM share with perf (cpu-clock)  [1 if perf works]
#   T1       1: also time both with 1 thread                     [1]
#   TORCH_ARGS  extra arguments of torch_reference.py train, e.g. "--adamw fused" []
#   IDLE_MAX, IDLE_WAIT: before each run, wait up to IDLE_WAIT s until other processes keep at most
#            IDLE_MAX% of the cores busy                         [25, 600]
#   WORK     where logs and data go                              [a new directory under /tmp]
#
# For each model: compile it once (parc compile), write the initial weights and STEPS + WARMUP steps
# of parc's synthetic token stream to files (torch_reference.py prepare), then per run train with
# `parc launch OUT --init --data --json` and with `torch_reference.py train`, alternating which goes
# first, and take the median tokens/s over the steps after the warm-up. The load average is logged
# before every run: this machine may be shared.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
MODELS=${MODELS:-gpt-tiny llama-tiny}
THREADS=${THREADS:-2}
STEPS=${STEPS:-200}
WARMUP=${WARMUP:-20}
RUNS=${RUNS:-3}
CHECK=${CHECK:-1}
T1=${T1:-1}
TORCH_ARGS=${TORCH_ARGS:-}
read -ra TORCH_EXTRA <<<"$TORCH_ARGS"
IDLE_MAX=${IDLE_MAX:-25}
IDLE_WAIT=${IDLE_WAIT:-600}
WORK=${WORK:-$(mktemp -d /tmp/train-vs-torch.XXXXXX)}
REF=benches/torch_reference.py
TOTAL=$((STEPS + WARMUP))

if [[ -z "${PARC:-}" ]]; then
    cargo build --release --bin parc >&2
    PARC=target/release/parc
fi
if [[ -z "${PERF:-}" ]]; then
    if perf record -e cpu-clock -o /dev/null true >/dev/null 2>&1; then PERF=1; else PERF=0; fi
fi

mkdir -p "$WORK"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "parc: binary $PARC ($(stat -c %y "$PARC" | cut -d. -f1)); checkout $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' with uncommitted changes')"
    echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__, "threads", torch.get_num_threads())')"
    echo "threads $THREADS, $WARMUP warm-up + $STEPS measured steps, $RUNS runs, torch args '$TORCH_ARGS', logs in $WORK"
} | tee "$WORK/env.txt"

for m in $MODELS; do
    toml=examples/$m.toml
    mkdir -p "$WORK/$m"
    "$PARC" compile "$toml" -o "$WORK/$m/out" >/dev/null 2>"$WORK/$m/compile.log"
    "$PYTHON" $REF prepare "$toml" --steps $TOTAL --out "$WORK/$m/data" >/dev/null
    "$PYTHON" $REF gemm-flops "$WORK/$m/out/rank-0000.mlir" --model "$toml" >"$WORK/$m/flops.json"
    if [[ "$CHECK" == 1 ]]; then
        echo "== loss agreement, $m (load: $(cut -d' ' -f1-3 /proc/loadavg))"
        "$PYTHON" $REF check "$toml" --parc "$PARC" --steps 20 --threads "$THREADS" | tee "$WORK/$m/check.txt"
    fi
done

busy() { # the share of all cores that other processes kept busy during one second (/proc/stat)
    local a b
    read -ra a </proc/stat
    sleep 1
    read -ra b </proc/stat
    local total=0 idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo "$(( 100 * (total - idle) / (total > 0 ? total : 1) ))%"
}

children_ms() { # sets CHILDREN_MS: CPU time (user + sys) of this shell's finished children, in ms
    times >"$WORK/.times"  # in this shell: a $(times) subshell would not see our children
    CHILDREN_MS=$(tail -1 "$WORK/.times" |  # e.g. "0m1.234s 0m0.050s"
        awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%d", t * 1000 }')
}

measured() { # label cmd...: runs cmd and appends to $LOADLOG how many cores other processes used meanwhile
    local label=$1 a b c0 c1 t0 t1 i total=0
    shift
    children_ms; c0=$CHILDREN_MS; read -ra a </proc/stat; t0=$(date +%s%N)
    "$@"
    read -ra b </proc/stat; t1=$(date +%s%N); children_ms; c1=$CHILDREN_MS
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) hz
    hz=$(getconf CLK_TCK)
    awk -v busy=$((total - idle)) -v hz="$hz" -v ours=$((c1 - c0)) -v wall=$(( (t1 - t0) / 1000000 )) -v l="$label" \
        'BEGIN { printf "%s: %.2f cores used by other processes (wall %.1f s, ours %.1f CPU-s)\n", l, (busy * 1000 / hz - ours) / wall, wall / 1000, ours / 1000 }' \
        >>"$LOADLOG"
}

wait_idle() { # waits (at most IDLE_WAIT s) until other processes keep at most IDLE_MAX% of the cores busy
    local waited=0 b
    while :; do
        b=$(busy)
        if ((${b%\%} <= IDLE_MAX)) || ((waited >= IDLE_WAIT)); then
            echo "cores busy $b after waiting ${waited} s"
            return
        fi
        sleep 4
        waited=$((waited + 5))
    done
}

parc_run() { # model threads log
    local m=$1
    "$PARC" launch "$WORK/$m/out" --steps $TOTAL --threads "$2" --json \
        --init "$WORK/$m/data/init.safetensors" --data "$WORK/$m/data/tokens.u32" >"$3"
}
torch_run() { # model threads log [extra...]
    local m=$1 t=$2 log=$3
    shift 3
    "$PYTHON" $REF train "examples/$m.toml" --steps $TOTAL --threads "$t" --json \
        --init "$WORK/$m/data/init.safetensors" --data "$WORK/$m/data/tokens.u32" "${TORCH_EXTRA[@]}" "$@" >"$log"
}

for r in $(seq 1 "$RUNS"); do
    for m in $MODELS; do
        d=$WORK/$m/run$r
        mkdir -p "$d"
        LOADLOG=$d/load.txt
        idle=$(wait_idle)
        echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $idle, before run $r" >"$LOADLOG"
        echo "== run $r, $m: $(cat "$LOADLOG")"
        if ((r % 2)); then
            measured parc parc_run "$m" "$THREADS" "$d/parc.jsonl"
            measured torch torch_run "$m" "$THREADS" "$d/torch.jsonl"
        else
            measured torch torch_run "$m" "$THREADS" "$d/torch.jsonl"
            measured parc parc_run "$m" "$THREADS" "$d/parc.jsonl"
        fi
        if [[ "$T1" == 1 && "$THREADS" != 1 ]]; then
            measured parc-t1 parc_run "$m" 1 "$d/parc-t1.jsonl"
            measured torch-t1 torch_run "$m" 1 "$d/torch-t1.jsonl"
        fi
        sed 1d "$LOADLOG" | sed 's/^/   /' 
    done
done

for m in $MODELS; do
    if [[ "$PERF" == 1 ]]; then
        # Where parc's step time goes: cpu-clock samples with DWARF call stacks (no hardware counters
        # needed); a sample is in GEMM when a frame of its stack is in parc's GEMM wrapper or the gemm
        # crate.
        echo "== perf, $m (load: $(cut -d' ' -f1-3 /proc/loadavg))"
        perf record -q -e cpu-clock -F 1000 --call-graph dwarf,16384 -o "$WORK/$m/perf.data" \
            "$PARC" launch "$WORK/$m/out" --steps $TOTAL --threads "$THREADS" --json \
            --init "$WORK/$m/data/init.safetensors" --data "$WORK/$m/data/tokens.u32" >/dev/null 2>"$WORK/$m/perf.log"
        perf script -i "$WORK/$m/perf.data" -F tid,ip,sym 2>/dev/null >"$WORK/$m/perf.txt"
        "$PYTHON" $REF perf-gemm "$WORK/$m/perf.txt" | tee "$WORK/$m/perf-gemm.json"
        rm -f "$WORK/$m/perf.data"
    fi
    # torch.profiler over the measured steps (its own overhead inflates the small ops).
    torch_run "$m" "$THREADS" /dev/null --profile-out "$WORK/$m/torch-profile.json" --profile-from $((WARMUP + 1)) \
        2>"$WORK/$m/torch-profile.log"
done

echo "== result (tokens/s = median over the $STEPS steps after $WARMUP warm-up steps; median of $RUNS runs)"
# shellcheck disable=SC2086 # MODELS is a list
"$PYTHON" $REF report --dir "$WORK" --models $MODELS --warmup "$WARMUP" | tee "$WORK/report.txt"
