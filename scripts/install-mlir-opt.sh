#!/usr/bin/env bash
# Install `mlir-opt` from LLVM 22 into a private prefix and print the path of
# an executable that runs it (the only line on stdout; progress goes to stderr).
#
#   bash scripts/install-mlir-opt.sh          # -> /path/to/mlir-opt-22
#
# Order of preference:
#   1. a working `mlir-opt-22` already on PATH (a system mlir-22-tools package:
#      Debian trixie, or bookworm-security, which now carries 1:22.1.8-1~deb12u1);
#   2. an earlier install under $PARC_TOOLS_DIR/mlir-22 (default <repo>/.tools/mlir-22);
#   3. a fresh install that needs neither root nor changes to the system: the .debs
#      are fetched from Debian trixie with an apt setup isolated from the system's
#      (own sources.list, lists, caches), unpacked with `dpkg -x` into a private
#      root, and run through that root's own dynamic loader. Nothing is installed
#      into the system.
#
# Environment:
#   PARC_TOOLS_DIR       where tools go (default <repo>/.tools)
#   PARC_DEBIAN_MIRROR   Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

log() { printf 'install-mlir-opt: %s\n' "$*" >&2; }
die() {
    printf 'install-mlir-opt: error: %s\n' "$*" >&2
    exit 1
}

# `tool --version` succeeds and says it is LLVM 22.
works() {
    local out
    out=$("$1" --version 2>&1) || return 1
    grep -q 'version 22\.' <<<"$out"
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# 1. A system mlir-opt-22.
if sys=$(command -v mlir-opt-22 2>/dev/null) && works "$sys"; then
    log "using $sys from PATH"
    printf '%s\n' "$sys"
    exit 0
fi

tools=${PARC_TOOLS_DIR:-$repo/.tools}
prefix=$tools/mlir-22
wrapper=$prefix/bin/mlir-opt-22

# 2. An earlier install.
if [[ -x $wrapper ]] && works "$wrapper"; then
    log "already installed: $wrapper"
    printf '%s\n' "$wrapper"
    exit 0
fi

# 3. A fresh install.
command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-like system"
command -v dpkg >/dev/null || die "dpkg not found: this script needs a Debian-like system"

mkdir -p "$tools"
# Serialise concurrent installs (two test runs at once).
if command -v flock >/dev/null; then
    exec 9>"$tools/.mlir-22.lock"
    flock 9
    # Another run may have finished the install while we waited.
    if [[ -x $wrapper ]] && works "$wrapper"; then
        log "already installed: $wrapper"
        printf '%s\n' "$wrapper"
        exit 0
    fi
fi

arch=$(dpkg --print-architecture)
case $arch in
amd64)
    triplet=x86_64-linux-gnu
    loader_name=ld-linux-x86-64.so.2
    ;;
arm64)
    triplet=aarch64-linux-gnu
    loader_name=ld-linux-aarch64.so.1
    ;;
*) die "unsupported architecture: $arch" ;;
esac

mirror=${PARC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie

# mlir-opt and the closure of its shared-library dependencies (checked with
# `ld.so --list` on the unpacked tree; trixie's libxml2 does not link ICU, so
# libicu76 is not needed). The versions are whatever trixie serves.
packages=(
    mlir-22-tools libmlir-22 libllvm22
    libc6 libstdc++6 libgcc-s1
    libz3-4 libzstd1 zlib1g libedit2 libffi8 libxml2 libbsd0 libmd0
    libtinfo6 liblzma5
)

start=$SECONDS
log "installing mlir-opt (LLVM 22) from Debian $suite into $prefix"

# Build in a staging directory next to the prefix and move it into place only
# once it works, so an interrupted install never leaves a half-made prefix.
stage=$(mktemp -d "$tools/.mlir-22.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

aptdir=$stage/apt
debs=$stage/debs
root=$stage/root
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$debs" "$root"
printf 'deb %s %s main\n' "$mirror" "$suite" >"$aptdir/sources.list"
# Do not run the system's apt hooks (cache cleaning, AppStream refresh) for
# this private update.
cat >"$aptdir/apt.conf" <<'EOF'
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
EOF

apt_opts=(
    -c "$aptdir/apt.conf"
    -o "Dir::Etc::SourceList=$aptdir/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$aptdir/lists"
    -o "Dir::Cache=$aptdir/cache"
    -o "Dir::Cache::archives=$aptdir/cache/archives"
    # Only the Packages index is needed (not translations, not AppStream data).
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
)
# As root, apt drops to the _apt user to download, and _apt cannot write here.
if [[ $(id -u) -eq 0 ]]; then
    apt_opts+=(-o "APT::Sandbox::User=root")
fi

log "apt-get update ($mirror $suite)"
if ! apt-get "${apt_opts[@]}" -q update >&2; then
    die "apt-get update for $mirror $suite failed (network? archive keyring?)"
fi

log "apt-get download: ${packages[*]}"
if ! (cd "$debs" && apt-get "${apt_opts[@]}" -q download "${packages[@]}" >&2); then
    die "apt-get download from $mirror $suite failed; packages: ${packages[*]}"
fi

for deb in "$debs"/*.deb; do
    log "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$root"
done

loader=
for cand in usr/lib64 lib64 "usr/lib/$triplet" "lib/$triplet"; do
    if [[ -e $root/$cand/$loader_name ]]; then
        loader=$cand/$loader_name
        break
    fi
done
[[ -n $loader ]] || die "the dynamic loader $loader_name is not in the unpacked libc6"
[[ -x $root/usr/lib/llvm-22/bin/mlir-opt ]] || die "usr/lib/llvm-22/bin/mlir-opt is not in the unpacked mlir-22-tools"

# Every library mlir-opt needs (transitively) must resolve inside the private root.
libpath="$root/lib/$triplet:$root/usr/lib/$triplet:$root/usr/lib/llvm-22/lib"
missing=$(
    "$root/$loader" --library-path "$libpath" --list "$root/usr/lib/llvm-22/bin/mlir-opt" 2>&1 |
        grep 'not found' || true
)
[[ -z $missing ]] || die "libraries missing from the package list:"$'\n'"$missing"

mkdir -p "$stage/bin"
# The wrapper finds the root relative to itself, so the prefix can be moved.
cat >"$stage/bin/mlir-opt-22" <<EOF
#!/bin/sh
# mlir-opt from Debian $suite's mlir-22-tools, unpacked under ../root and run
# with that root's own dynamic loader and libraries (made by install-mlir-opt.sh).
root=\$(dirname "\$(dirname "\$(readlink -f "\$0")")")/root
lp="\$root/lib/$triplet:\$root/usr/lib/$triplet:\$root/usr/lib/llvm-22/lib"
exec "\$root/$loader" --library-path "\$lp" "\$root/usr/lib/llvm-22/bin/mlir-opt" "\$@"
EOF
chmod +x "$stage/bin/mlir-opt-22"

works "$stage/bin/mlir-opt-22" || {
    "$stage/bin/mlir-opt-22" --version >&2 || true
    die "the unpacked mlir-opt does not run"
}

# Keep only what the wrapper needs: drop the other LLVM tools (~150 MB) and docs.
find "$root/usr/lib/llvm-22/bin" -mindepth 1 ! -name mlir-opt -exec rm -rf {} +
rm -rf "$aptdir" "$debs" "${root:?}/usr/share"
rm -rf "$prefix"
mv "$stage" "$prefix"
trap - EXIT
chmod 755 "$prefix"

log "$("$wrapper" --version 2>&1 | grep -m1 'version')"
log "done in $((SECONDS - start))s"
printf '%s\n' "$wrapper"
