#!/usr/bin/env bash
# Coverage-guided fuzzing of parc's input parsers with cargo-fuzz (libFuzzer, AddressSanitizer).
#
#   bash scripts/fuzz.sh TARGET SECONDS      # one target
#   bash scripts/fuzz.sh all SECONDS         # every target in turn, SECONDS each
#   bash scripts/fuzz.sh list                # the targets
#
# Targets (fuzz/fuzz_targets/, checks in fuzz/src/lib.rs): model_toml, mlir, program, tokens,
# safetensors, mesh, gpu_profile. Each starts from the committed seeds (fuzz/seeds/TARGET) and the
# regression inputs (fuzz/regressions/TARGET) and grows a corpus under fuzz/corpus/TARGET
# (not committed). An input that panics, takes over 1 s, or needs over 2 GiB is a failure:
# libFuzzer writes it under fuzz/artifacts/TARGET/ and this script exits 1. Minimize it with
#
#   cargo +nightly fuzz tmin TARGET fuzz/artifacts/TARGET/crash-...
#
# then add the minimized input under fuzz/regressions/TARGET/ (tests/fuzz_inputs.rs runs it
# on every `cargo test`) and fix the bug. PARC_FUZZ_SEED=N fixes libFuzzer's random seed (CI
# does, so that a run is repeatable). Needs the nightly toolchain and cargo-fuzz; both are
# installed on first use. See docs/fuzzing.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

log() { printf 'fuzz: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 2
}

targets=(model_toml mlir program tokens safetensors mesh gpu_profile)
usage="usage: bash scripts/fuzz.sh TARGET|all SECONDS, or bash scripts/fuzz.sh list (targets: ${targets[*]})"

[[ $# -ge 1 ]] || die "$usage"
if [[ $1 == list ]]; then
    printf '%s\n' "${targets[@]}"
    exit 0
fi
[[ $# -eq 2 ]] || die "$usage"
target=$1
seconds=$2
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive whole number, not '$seconds'"
if [[ $target == all ]]; then
    selected=("${targets[@]}")
else
    [[ " ${targets[*]} " == *" $target "* ]] || die "unknown target '$target' (targets: ${targets[*]})"
    selected=("$target")
fi

if ! command -v cargo >/dev/null && [[ -f $HOME/.cargo/env ]]; then
    # shellcheck source=/dev/null
    . "$HOME/.cargo/env"
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "the nightly toolchain is missing, and rustup is not there to install it"
    log "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal >&2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked --version 0.13.2
fi

log "building the fuzz targets (nightly, AddressSanitizer)"
cargo +nightly fuzz build --fuzz-dir fuzz >&2
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir=fuzz/target/$triple/release
mkdir -p fuzz/logs

failed=()
for t in "${selected[@]}"; do
    corpus=fuzz/corpus/$t
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    inputs=("$corpus" "fuzz/seeds/$t")
    [[ -d fuzz/regressions/$t ]] && inputs+=("fuzz/regressions/$t")
    log "$t: ${seconds}s (log: fuzz/logs/$t.log)"
    log_file=fuzz/logs/$t.log
    # -timeout: an input that runs over 1 s is a hang; -rss_limit_mb: over 2 GiB is out of
    # memory; -max_len: inputs up to the largest seed (the rank programs are ~100 KB).
    seed=()
    [[ -n ${PARC_FUZZ_SEED:-} ]] && seed=(-seed="$PARC_FUZZ_SEED")
    started=$SECONDS
    if "$bin_dir/$t" "${inputs[@]}" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" "${seed[@]}" >"$log_file" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$t")
        grep -E 'ERROR|panicked|SUMMARY|Test unit written|^(Crash|Timeout|Out-of-memory)' "$log_file" | head -n 20 >&2 || true
    fi
    # The summary: executions, their rate, edges covered, the corpus and peak memory.
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log_file" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log_file" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log_file" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log_file" | tail -n 1 | cut -d' ' -f2)
    units=$(find "$corpus" -type f | wc -l)
    printf '%-12s %-6s seconds=%s execs=%s execs_per_s=%s edges=%s corpus=%s peak_rss_mb=%s\n' \
        "$t" "$status" "$((SECONDS - started))" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$units" "${rss:-?}"
done

if [[ ${#failed[@]} -gt 0 ]]; then
    log "failed: ${failed[*]} (inputs under fuzz/artifacts/, logs under fuzz/logs/)"
    exit 1
fi
