#!/usr/bin/env bash
# Runs one MPI job across two "hosts" on this machine: two network namespaces
# joined by a veth link (10.231.N.1 and 10.231.N.2), each with its own host name
# (a UTS namespace), Open MPI's TCP transport restricted to that link, and an rsh
# agent that starts the remote daemon inside the other namespace. Nothing on the
# job's path can assume one host: ranks on different hosts talk only over the
# veth link. The namespaces are removed on exit.
#
#   bash scripts/mpi-two-hosts.sh RANKS_PER_HOST PROGRAM [ARGS...]
#   bash scripts/mpi-two-hosts.sh 2 target/release/parc-rt out/ --steps 10 --json
#
# Ranks 0..RANKS_PER_HOST-1 run on host parc-h1, the others on parc-h2. Exits
# with the job's exit code, or 77 (with the reason on stderr) where network
# namespaces cannot be created (not root, no iproute2, no unshare).
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 RANKS_PER_HOST PROGRAM [ARGS...]" >&2; exit 2; }
per_host=$1
shift

skip() { echo "mpi-two-hosts: skipped: $*" >&2; exit 77; }
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v unshare >/dev/null || skip "no unshare command (util-linux)"
command -v mpirun >/dev/null || { echo "mpi-two-hosts: error: no mpirun (scripts/install-mpi.sh)" >&2; exit 1; }

# Names and a subnet unique to this run, so that concurrent runs do not collide.
id=$$
h1=parc-h1-$id
h2=parc-h2-$id
net=10.231.$((id % 250 + 1))
work=$(mktemp -d)
cleanup() {
    ip netns del "$h1" 2>/dev/null || true
    ip netns del "$h2" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$h1" 2>/dev/null || skip "cannot create network namespaces here (ip netns add needs root)"
ip netns add "$h2"
ip link add "v1-$id" type veth peer name "v2-$id"
ip link set "v1-$id" netns "$h1"
ip link set "v2-$id" netns "$h2"
ip -n "$h1" addr add "$net.1/24" dev "v1-$id"
ip -n "$h2" addr add "$net.2/24" dev "v2-$id"
for ns in "$h1" "$h2"; do
    ip -n "$ns" link set lo up
done
ip -n "$h1" link set "v1-$id" up
ip -n "$h2" link set "v2-$id" up

# Open MPI's rsh launcher runs `AGENT HOST COMMAND...` to start its daemon on HOST.
cat >"$work/agent" <<AGENT
#!/bin/sh
host=\$1
shift
case \$host in
    $net.1) ns=$h1 ;;
    $net.2) ns=$h2 ;;
    *) echo "mpi-two-hosts agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
AGENT
chmod +x "$work/agent"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# mpirun itself runs on the first host; its ranks there start without the agent.
set +e
ip netns exec "$h1" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$h1" \
    mpirun --oversubscribe \
    --host "$net.1:$per_host,$net.2:$per_host" -n $((2 * per_host)) \
    --mca plm_rsh_agent "$work/agent" \
    --mca btl tcp,self \
    --mca btl_tcp_if_include "$net.0/24" \
    --mca oob_tcp_if_include "$net.0/24" \
    "$@"
code=$?
set -e
exit $code
