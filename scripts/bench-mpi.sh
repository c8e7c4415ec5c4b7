#!/usr/bin/env bash
# One process per rank against one thread per rank: the same compiled plan run as
# `mpirun -n W parc-rt OUT` (W processes, --threads 1 each) and as `parc launch OUT`
# (W rank threads in one process), alternating, RUNS times each. Prints each run's
# median seconds per step (steps 4.. of each run; the first three warm up) and the
# ratio mpirun / threads, then the median ratio. Figures go to docs/PERFORMANCE.md.
#
#   bash scripts/bench-mpi.sh [MODEL] [MESH] [SCHEDULE] [STEPS] [RUNS]
#   bash scripts/bench-mpi.sh examples/gpt-deep.toml 2x2x2 1f1b 40 5      (the defaults)
#
# Needs Open MPI (scripts/install-mpi.sh); builds the release binaries with --features mpi.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

model=${1:-examples/gpt-deep.toml}
mesh=${2:-2x2x2}
schedule=${3:-1f1b}
steps=${4:-40}
runs=${5:-5}

cargo build --release --quiet --features mpi --bin parc
cargo build --release --quiet --features mpi -p parc-runtime --bin parc-rt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/parc compile "$model" --mesh "$mesh" --schedule "$schedule" -o "$work/out" >/dev/null
world=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mesh"]["world_size"])' "$work/out/plan.json")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Median seconds per step of a --json run's step lines (tokens / tokens_per_s), after 3 warm-up steps.
median_step() {
    python3 - "$1" <<'PY'
import json, statistics, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"step"')]
tokens = 1.0  # the same tokens per step in both runs: compare 1/tokens_per_s
print(statistics.median(tokens / s["tokens_per_s"] for s in steps[3:]))
PY
}

echo "model $model, mesh $mesh ($world ranks), schedule $schedule, $steps steps, $(nproc) cores, $(mpirun --version | head -n 1)"
printf '%-4s %16s %16s %8s\n' run threads_s/tok mpirun_s/tok ratio
ratios=()
for run in $(seq 1 "$runs"); do
    target/release/parc launch "$work/out" --steps "$steps" --json >"$work/threads.jsonl"
    mpirun --oversubscribe -n "$world" target/release/parc-rt "$work/out" --steps "$steps" --json --threads 1 >"$work/mpi.jsonl"
    t=$(median_step "$work/threads.jsonl")
    m=$(median_step "$work/mpi.jsonl")
    r=$(python3 -c "print(f'{$m / $t:.2f}')")
    ratios+=("$r")
    printf '%-4s %16.3e %16.3e %8s\n' "$run" "$t" "$m" "$r"
done
python3 -c "import statistics,sys; print('median ratio mpirun/threads:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
