#!/usr/bin/env bash
# Install NVRTC (NVIDIA's runtime CUDA C++ compiler library) and the CUDA headers
# from NVIDIA's PyPI wheels into a private prefix, so that generated kernels can
# be compiled to PTX on a machine without a GPU or a CUDA toolkit. Prints two
# lines on stdout (progress goes to stderr):
#
#   NVRTC_LIB_DIR=/path/to/dir/with/libnvrtc.so.13
#   CUDA_INCLUDE_DIR=/path/to/include        (cuda_runtime.h, cuda_bf16.h, cuda_fp16.h, crt/)
#
#   bash scripts/install-nvrtc.sh
#
# The wheels are CUDA 13.0 (nvidia-cuda-nvrtc, nvidia-cuda-runtime for the
# headers, nvidia-cuda-crt for the crt/ headers they include), pinned to the
# 13.0 series: the GPU machines run driver 580, whose PTX JIT accepts PTX from
# NVRTC 13.0 but not from 13.1 or later. They are installed with
# `pip install --target`, nothing goes into any Python environment, and the
# install is a fast no-op once done. See docs/cuda.md.
#
# The wheels are under NVIDIA's CUDA Toolkit EULA, which lets us use NVRTC and
# the headers to build applications (they are in its list of distributable
# files). They are downloaded, never committed (.tools/ is git-ignored).
#
# Environment:
#   PARC_TOOLS_DIR   where tools go (default <repo>/.tools); the prefix is $PARC_TOOLS_DIR/cuda
#   PIP_INDEX_URL    and other PIP_* variables are honoured by pip as usual
set -euo pipefail

log() { printf 'install-nvrtc: %s\n' "$*" >&2; }
die() {
    printf 'install-nvrtc: error: %s\n' "$*" >&2
    exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PARC_TOOLS_DIR:-$repo/.tools}
prefix=$tools/cuda

# One CUDA series for the compiler and the headers; cudarc is built with the
# matching `cuda-13000` feature (runtime/Cargo.toml).
series=13.0
requirements=(
    "nvidia-cuda-nvrtc==$series.*"
    "nvidia-cuda-runtime==$series.*"
    "nvidia-cuda-crt==$series.*"
)
# The wheels for CUDA 13 put everything under nvidia/cu13/.
lib_dir=$prefix/site/nvidia/cu13/lib
include_dir=$prefix/site/nvidia/cu13/include
marker=$prefix/.installed

report() {
    printf 'NVRTC_LIB_DIR=%s\n' "$lib_dir"
    printf 'CUDA_INCLUDE_DIR=%s\n' "$include_dir"
}

# An install is complete when its marker names the same requirements (so a
# change of series here reinstalls) and the files the compiler needs are there.
installed() {
    [[ -f $marker && $(<"$marker") == "${requirements[*]}" ]] &&
        [[ -e $lib_dir/libnvrtc.so.13 && -L $lib_dir/libnvrtc.so ]] &&
        compgen -G "$lib_dir/libnvrtc-builtins.so.*" >/dev/null &&
        [[ -f $include_dir/cuda_bf16.h && -f $include_dir/cuda_fp16.h ]] &&
        [[ -f $include_dir/cuda_runtime.h && -f $include_dir/crt/host_defines.h ]]
}

if installed; then
    log "already installed: $prefix"
    report
    exit 0
fi

case $(uname -m) in
x86_64 | aarch64) ;;
*) die "NVIDIA publishes NVRTC wheels for x86_64 and aarch64 Linux only, not $(uname -m)" ;;
esac
[[ $(uname -s) == Linux ]] || die "this script installs the Linux wheels; this is $(uname -s)"

python=${PYTHON:-python3}
command -v "$python" >/dev/null || die "$python not found (Debian: apt-get install python3)"
"$python" -m pip --version >/dev/null 2>&1 ||
    die "pip is not available for $python (Debian: apt-get install python3-pip)"

mkdir -p "$tools"
# Serialise concurrent installs (two test runs at once).
if command -v flock >/dev/null; then
    exec 9>"$tools/.cuda.lock"
    flock 9
    # Another run may have finished the install while we waited.
    if installed; then
        log "already installed: $prefix"
        report
        exit 0
    fi
fi

start=$SECONDS
log "installing ${requirements[*]} into $prefix"

# Build in a staging directory next to the prefix and move it into place only
# once it is complete, so an interrupted install never leaves a half-made prefix.
stage=$(mktemp -d "$tools/.cuda.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# --target keeps the files out of every Python environment (and is allowed
# where the system Python is marked externally managed, PEP 668); --no-deps
# because the three wheels are the whole set; wheels only, never a source build.
if ! PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --target "$stage/site" --no-deps --only-binary=:all: \
    --no-compile --disable-pip-version-check --no-warn-script-location \
    "${requirements[@]}" >&2; then
    die "pip install of ${requirements[*]} failed (network? a PyPI mirror in PIP_INDEX_URL?)"
fi

stage_lib=$stage/site/nvidia/cu13/lib
stage_include=$stage/site/nvidia/cu13/include
[[ -e $stage_lib/libnvrtc.so.13 ]] || die "libnvrtc.so.13 is not in $stage_lib after the install; wheel layout changed?"
for header in cuda_bf16.h cuda_fp16.h cuda_runtime.h crt/host_defines.h; do
    [[ -f $stage_include/$header ]] || die "$header is not in $stage_include after the install; wheel layout changed?"
done

# Only libnvrtc, its builtins and the headers are used: drop the alternative
# NVRTC build, the CUDA runtime libraries and static archives (about 120 MB).
rm -f "$stage_lib"/*.alt.so* "$stage_lib"/*.a "$stage_lib"/libcudart.so*
rm -rf "$stage_lib/cmake"
# cudarc tries `libnvrtc.so` before `libnvrtc.so.13`; with this link, a directory on
# LD_LIBRARY_PATH wins over another CUDA's libnvrtc.so in the loader's cache.
ln -s libnvrtc.so.13 "$stage_lib/libnvrtc.so"

# The library must load on this system, and be the series we asked for.
version=$("$python" - "$stage_lib/libnvrtc.so.13" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
major, minor = ctypes.c_int(), ctypes.c_int()
if lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)) != 0:
    sys.exit("nvrtcVersion failed")
print(f"{major.value}.{minor.value}")
EOF
) || die "the installed $stage_lib/libnvrtc.so.13 does not load"
[[ $version == "$series" ]] || die "the installed NVRTC is version $version, expected $series"

printf '%s\n' "${requirements[*]}" >"$stage/.installed"
rm -rf "$prefix"
mv "$stage" "$prefix"
trap - EXIT
chmod 755 "$prefix"

log "NVRTC $version installed in $((SECONDS - start))s ($(du -sh "$prefix" | cut -f1))"
report
