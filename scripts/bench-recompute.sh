#!/usr/bin/env bash
# Pipeline step time by recompute policy (docs/PERFORMANCE.md, "Recomputation").
#
#   bash scripts/bench-recompute.sh [PARC_BINARY] [MODEL] [MESH]
#
# Runs `parc launch MODEL --mesh MESH --recompute R --steps 25 --json` for R = none, selective,
# full, ROUNDS times each, interleaved, and prints the median tokens/s over the last 20 steps of
# each run, then the median over the runs, and each policy's step time relative to `none`.
# Defaults: target/release/parc, examples/gpt-deep.toml, 1x4x1. PARC_BENCH_ROUNDS (default 5),
# PARC_BENCH_EXTRA (more flags, e.g. "--schedule zb-h1").
set -euo pipefail
cd "$(dirname "$0")/.."
parc=${1:-target/release/parc}
model=${2:-examples/gpt-deep.toml}
mesh=${3:-1x4x1}
rounds=${PARC_BENCH_ROUNDS:-5}
extra=${PARC_BENCH_EXTRA:-}
[ -x "$parc" ] || cargo build --release --bin parc
declare -A runs
for ((r = 0; r < rounds; r++)); do
    for policy in none selective full; do
        # shellcheck disable=SC2086
        tps=$("$parc" launch "$model" --mesh "$mesh" --recompute "$policy" --steps 25 --json $extra 2>/dev/null |
            python3 -c 'import json,sys,statistics
lines=[json.loads(l) for l in sys.stdin if l.startswith("{\"step\"")]
print(statistics.median(l["tokens_per_s"] for l in lines[5:]))')
        runs[$policy]="${runs[$policy]:-} $tps"
    done
done
python3 - "$model" "$mesh" "$rounds" "${runs[none]}" "${runs[selective]}" "${runs[full]}" <<'PY'
import statistics, sys
model, mesh, rounds = sys.argv[1:4]
vals = {p: [float(x) for x in s.split()] for p, s in zip(["none", "selective", "full"], sys.argv[4:7])}
base = statistics.median(vals["none"])
print(f"{model} on {mesh}, median of {rounds} runs (tokens/s over steps 6-25 of each run)")
print("| policy | tokens/s (median, min-max) | step time vs none |")
print("|---|---|---|")
for p, xs in vals.items():
    m = statistics.median(xs)
    print(f"| {p} | {m:.0f} ({min(xs):.0f}-{max(xs):.0f}) | {base / m:.3f} |")
PY
