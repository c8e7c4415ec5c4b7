#!/usr/bin/env bash
# Install what the `mpi` cargo feature needs, from Debian's packages: Open MPI
# (mpirun, mpicc and the library: openmpi-bin, libopenmpi-dev) and libclang
# (libclang-dev), with which the `mpi` crate generates its bindings at build
# time. A fast no-op when they are there. Needs root (or sudo) to install.
#
#   bash scripts/install-mpi.sh
#
# Prints the Open MPI version on stdout. See README "Running on a cluster".
set -euo pipefail

log() { printf 'install-mpi: %s\n' "$*" >&2; }

have_libclang() {
    compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null ||
        compgen -G '/usr/lib/x86_64-linux-gnu/libclang*.so*' >/dev/null ||
        compgen -G '/usr/lib/aarch64-linux-gnu/libclang*.so*' >/dev/null
}

if command -v mpirun >/dev/null && command -v mpicc >/dev/null && have_libclang; then
    mpirun --version 2>/dev/null | head -n 1
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
        log "error: not root and no sudo: install openmpi-bin libopenmpi-dev libclang-dev yourself"
        exit 1
    }
    sudo=(sudo)
fi
log "apt-get install openmpi-bin libopenmpi-dev libclang-dev"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends openmpi-bin libopenmpi-dev libclang-dev >&2
mpirun --version 2>/dev/null | head -n 1
