#!/usr/bin/env bash
# Training throughput of moe-tiny (global batch 16) on one rank against 8 rank threads with and
# without expert parallelism: the same global batch, so tokens/s compare wall times directly.
# Prints the median tokens/s of RUNS runs per mesh (default 5), the runs interleaved.
#   bash scripts/bench-moe-ep.sh [RUNS] [STEPS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-5}
steps=${2:-100}
cargo build -q --release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/global_batch = 8/global_batch = 16/' examples/moe-tiny.toml >"$tmp/moe16.toml"
meshes=(1x1x1 dp=8 dp=8,ep=2 dp=8,ep=4)
for ((r = 0; r < runs; r++)); do
    for m in "${meshes[@]}"; do
        tps=$(target/release/parc launch "$tmp/moe16.toml" --mesh "$m" --steps "$steps" --json 2>/dev/null |
            tail -1 | sed -n 's/.*"tokens_per_s":\([0-9.]*\).*/\1/p')
        echo "$m $tps" >>"$tmp/all"
    done
done
for m in "${meshes[@]}"; do
    vals=$(awk -v m="$m" '$1 == m { print $2 }' "$tmp/all" | sort -n)
    median=$(awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }' <<<"$vals")
    echo "$m median $median tokens/s (runs: $(tr '\n' ' ' <<<"$vals"))"
done
