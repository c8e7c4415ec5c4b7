#!/usr/bin/env bash
# Import of a Llama-2-7B-shaped Hugging Face checkpoint into a tensor-parallel plan, one rank per
# process: time and peak resident memory per rank against the bytes of the rank's pieces
# (docs/PERFORMANCE.md "Importing a Llama-2-7B-shaped checkpoint").
#
#   bash scripts/bench-hf-import.sh [DIR] [TP]     # DIR: where the 13.5 GB checkpoint goes (default
#                                                  # /tmp/hf7b, made once); TP: default 8
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-/tmp/hf7b}
tp=${2:-8}
cd "$repo"
cargo build --release -p parc-runtime --example hf_import_bench
bench=$repo/target/release/examples/hf_import_bench
if [[ ! -f $dir/model.safetensors.index.json ]]; then
    echo "writing a synthetic Llama-2-7B-shaped bf16 checkpoint to $dir (13.5 GB)" >&2
    "$bench" gen "$dir"
fi
for ((rank = 0; rank < tp; rank++)); do
    "$bench" read "$dir" --tp "$tp" --rank "$rank"
done
