#!/usr/bin/env bash
# The cost model against Megatron-LM's Table 1 (Narayanan et al. 2021: GPT 1.7B-1T on A100
# 80GB, TFLOP/s per GPU by their eq. (3), which counts the recomputed forward). Each row is a
# GPT of the row's shape (vocabulary 51,200, sequence 2048) on the row's tp x pp and
# d = GPUs / (t p), full recomputation, gradients reduced in 16 bits (as Megatron-LM reduces
# fp16 gradients), compiled in every configuration the table leaves free (micro-batch 1, 2, 4,
# 8; with pipeline stages 1F1B or interleaved with 2-4 chunks) that fits the a100-80g; the row's
# prediction is its fastest configuration's. Prints the frozen fitted parameters' figures row by
# row, then the assumptions' before the fit (docs/cost-model.md).
#
#   bash scripts/calibrate-table1.sh            # about a minute (release build first)
#   bash scripts/calibrate-table1.sh --fit      # the search that fitted the parameters (minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -q -p parc-compiler --example calibrate -- "$@"
