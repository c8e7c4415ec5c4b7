#!/usr/bin/env bash
# The project's single test command:
#
#   bash scripts/test.sh
#
# Needs Rust (rustup, with the rustfmt and clippy components; they are added if
# missing), gcc and python3 with pip on Debian 12. mlir-opt (LLVM 22) is installed on
# first use under .tools/ by scripts/install-mlir-opt.sh, and NVRTC with the CUDA
# headers (no GPU needed) by scripts/install-nvrtc.sh.
#
# Steps, stopping at the first failure:
#   1. cargo fmt --check
#   2. install Open MPI and libclang (scripts/install-mpi.sh, Debian packages)
#   3. cargo clippy, warnings are errors: the default build (CPU only) and the
#      build with every feature (`cuda`: cudarc and the NVRTC compile checks;
#      `mpi`: one process per rank under mpirun)
#   4. install mlir-opt
#   5. install NVRTC and the CUDA headers
#   6. cargo test --features cuda,mpi (integration tests dump IR under
#      target/tmp; the NVRTC tests compile CUDA C for sm_80 and sm_90, and fail
#      if NVRTC cannot be loaded; tests/mpi.rs runs jobs under mpirun)
#   7. every dumped *.mlir file must parse with mlir-opt --allow-unregistered-dialect
#   8. every fuzz target for 60 s (scripts/fuzz.sh; the nightly toolchain, cargo-fuzz is
#      installed on first use; PARC_FUZZ_SECONDS changes the time)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
    printf 'test.sh: error: %s\n' "$*" >&2
    exit 1
}

if ! command -v cargo >/dev/null && [[ -f $HOME/.cargo/env ]]; then
    # shellcheck source=/dev/null
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"

# rustfmt and clippy are rustup components; add them where they are missing.
need_component() {
    local component=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        command -v rustup >/dev/null || die "'$*' does not work and rustup is not there to add $component"
        step "rustup component add $component"
        rustup component add "$component"
    fi
}
need_component rustfmt cargo fmt --version
need_component clippy cargo clippy --version

locked=()
[[ -f Cargo.lock ]] && locked=(--locked)

start=$SECONDS

step "cargo fmt --all -- --check (and the fuzz crate's)"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

step "install Open MPI and libclang (scripts/install-mpi.sh)"
bash scripts/install-mpi.sh

step "cargo clippy --workspace --all-targets ${locked[*]} -- -D warnings"
cargo clippy --workspace --all-targets "${locked[@]}" -- -D warnings
# The CUDA code compiles only with the feature; the second pass re-checks just the
# crates the feature changes (parc-runtime, parc and cudarc).
step "cargo clippy --workspace --all-targets --all-features ${locked[*]} -- -D warnings"
cargo clippy --workspace --all-targets --all-features "${locked[@]}" -- -D warnings

step "install mlir-opt (scripts/install-mlir-opt.sh)"
mlir_opt=$(bash scripts/install-mlir-opt.sh)
# Tests that want to run mlir-opt themselves find it here.
export PARC_MLIR_OPT=$mlir_opt
PATH=$(dirname "$mlir_opt"):$PATH
export PATH

step "install NVRTC and the CUDA headers (scripts/install-nvrtc.sh)"
nvrtc_env=$(bash scripts/install-nvrtc.sh)
nvrtc_lib_dir=$(sed -n 's/^NVRTC_LIB_DIR=//p' <<<"$nvrtc_env")
cuda_include_dir=$(sed -n 's/^CUDA_INCLUDE_DIR=//p' <<<"$nvrtc_env")
[[ -n $nvrtc_lib_dir && -n $cuda_include_dir ]] ||
    die "scripts/install-nvrtc.sh did not print NVRTC_LIB_DIR and CUDA_INCLUDE_DIR"
# cudarc dlopens libnvrtc.so through the loader's path; the kernels' #includes
# find the CUDA headers through PARC_CUDA_INCLUDE. NVRTC is installed now, so the
# compile checks must run: a PARC_SKIP_NVRTC from the caller does not apply.
LD_LIBRARY_PATH=$nvrtc_lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
export PARC_CUDA_INCLUDE=$cuda_include_dir
unset PARC_SKIP_NVRTC

# Integration tests write their IR dumps under CARGO_TARGET_TMPDIR, which is
# <target dir>/tmp; start from an empty one so only this run's dumps are checked.
target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') ||
    target_dir=${CARGO_TARGET_DIR:-$repo/target}
tmp_dir=$target_dir/tmp

# With the `cuda` feature, so that the NVRTC tests compile every kernel, and the `mpi`
# feature, so that tests/mpi.rs runs jobs under mpirun. The CPU code is the same in
# every build; the tests of `--backend cuda` assert the message of the build they run
# in (`cargo test` without the feature checks the other one).
step "cargo test --workspace --features cuda,mpi (after removing $tmp_dir)"
rm -rf "$tmp_dir"
cargo test --workspace --features cuda,mpi "${locked[@]}"

step "scripts/check-mlir.sh $tmp_dir"
[[ -d $tmp_dir ]] || die "cargo test wrote no IR dumps under $tmp_dir (CARGO_TARGET_TMPDIR)"
bash scripts/check-mlir.sh "$tmp_dir"

# Every fuzz target for a short while, from the committed seeds and regression inputs, with a
# fixed seed: catches a harness that no longer builds and inputs that crash again. The long runs
# are docs/fuzzing.md's.
fuzz_seconds=${PARC_FUZZ_SECONDS:-60}
step "scripts/fuzz.sh all $fuzz_seconds (nightly, cargo-fuzz)"
PARC_FUZZ_SEED=1 bash scripts/fuzz.sh all "$fuzz_seconds"

step "all checks passed ($((SECONDS - start))s)"
