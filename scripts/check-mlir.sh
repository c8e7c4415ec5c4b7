#!/usr/bin/env bash
# Check that every *.mlir file under the given directories parses with
# `mlir-opt-22 --allow-unregistered-dialect` (mlir-opt comes from
# scripts/install-mlir-opt.sh, which installs it on first use).
#
#   bash scripts/check-mlir.sh DIR...
#
# Prints `mlir-opt: N files parsed, M failed` (N = files checked) and, for each
# failure, the file and mlir-opt's error. Exits non-zero if any file failed or
# if no *.mlir file was found at all (a check that checks nothing must fail).
#
# Environment: CHECK_MLIR_JOBS  files checked at once (default 2)
set -euo pipefail

die() {
    printf 'check-mlir: error: %s\n' "$*" >&2
    exit 1
}

[[ $# -gt 0 ]] || die "usage: $0 DIR..."
for dir in "$@"; do
    [[ -d $dir ]] || die "not a directory: $dir"
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mlir_opt=$(bash "$here/install-mlir-opt.sh") || die "could not install mlir-opt (see above)"

files=()
while IFS= read -r -d '' f; do
    files+=("$f")
done < <(find "$@" -type f -name '*.mlir' -print0 | sort -z)

if [[ ${#files[@]} -eq 0 ]]; then
    echo "mlir-opt: 0 files parsed, 0 failed"
    die "no *.mlir files found under: $*"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One record per failing file, named by the file's index in the sorted list:
# the path on the first line, then mlir-opt's stderr. The worker itself always
# succeeds, so a non-zero status from xargs means the check could not run, not
# that a file failed.
# shellcheck disable=SC2016 # expanded by the inner bash
worker='
opt=$1 tmp=$2 idx=$3 f=$4
err=$("$opt" --allow-unregistered-dialect "$f" -o /dev/null 2>&1 >/dev/null) && exit 0
{ printf "%s\n" "$f"; printf "%s\n" "${err:-(no message, non-zero exit status)}"; } >"$tmp/fail.$idx"
exit 0
'
for i in "${!files[@]}"; do
    printf '%08d\0%s\0' "$i" "${files[$i]}"
done | xargs -0 -n2 -P "${CHECK_MLIR_JOBS:-2}" bash -c "$worker" check-mlir-worker "$mlir_opt" "$tmp" ||
    die "running $mlir_opt failed"

# The glob sorts, so records come in path order.
records=()
for rec in "$tmp"/fail.*; do
    [[ -e $rec ]] && records+=("$rec")
done

echo "mlir-opt: ${#files[@]} files parsed, ${#records[@]} failed"
for rec in "${records[@]}"; do
    echo
    echo "FAILED: $(head -n1 "$rec")"
    tail -n +2 "$rec"
done
[[ ${#records[@]} -eq 0 ]]
