#!/usr/bin/env bash
# A small Slurm cluster on this machine: one controller and N compute nodes (default 2), each in its own
# network namespace (own address on a private bridge this script creates) and UTS namespace (own hostname),
# each compute node with its own /tmp (a tmpfs in its own mount namespace). Debian's slurm-wlm and munge;
# one munged for all (the same key; its socket is shared through the file system). Everything else, the
# image store and the results folders included, is the machine's one file system: the site's parallel FS.
#
#   scripts/cluster.sh up        start it (idempotent: a running cluster is left as it is)
#   scripts/cluster.sh down      stop every daemon and job process, remove the namespaces and the bridge
#   scripts/cluster.sh status    what runs; exit 0 when the cluster is up, 3 when it is down
#   scripts/cluster.sh env       the line to source for Slurm's commands: export SLURM_CONF=...
#   scripts/cluster.sh fail NODE kill NODE's slurmd and every process in it (a node lost mid-job)
#   scripts/cluster.sh cut NODE  take NODE's network link down (a node cut off)
#
# Addresses: 10.217.22.0/24 on the bridge ekc-br (controller .1, nodeK .10+K, this host .254); no route
# leaves it, no real interface gets an address. Settings: ENVKIT_CLUSTER_DIR (default /var/tmp/envkit-cluster),
# ENVKIT_CLUSTER_NODES (default 2). Needs root, iproute2 (ip netns), util-linux (unshare), slurm-wlm, munge.
set -euo pipefail

DIR="${ENVKIT_CLUSTER_DIR:-/var/tmp/envkit-cluster}"
NODES="${ENVKIT_CLUSTER_NODES:-2}"
NET=10.217.22
BRIDGE=ekc-br
CONF="$DIR/slurm.conf"

die() { echo "cluster.sh: error: $*" >&2; exit "${2:-1}"; }
say() { echo "cluster.sh: $*" >&2; }

node_names() { local k; echo ctl; for k in $(seq 1 "$NODES"); do echo "node$k"; done; }
addr_of() { case "$1" in ctl) echo "$NET.1" ;; node*) echo "$NET.$((10 + ${1#node}))" ;; esac; }
ns_of() { echo "ekc-$1"; }

preflight() {
    [[ "$NODES" =~ ^[1-9]$ ]] || die "ENVKIT_CLUSTER_NODES must be 1..9 (got '$NODES')" 2
    [ "$(id -u)" = 0 ] || die "needs root (network namespaces, slurmd); run it as root or with sudo"
    local tool missing=()
    for tool in ip unshare nsenter slurmctld slurmd sinfo munged munge unmunge; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [ ${#missing[@]} = 0 ] || die "missing ${missing[*]}: apt-get install iproute2 util-linux slurm-wlm munge"
    if ! ip netns list >/dev/null 2>&1 || ! ip netns add ekc-probe 2>/dev/null; then
        die "this machine does not allow network namespaces (ip netns add failed): a container without" \
            "CAP_SYS_ADMIN, or a kernel without CONFIG_NET_NS"
    fi
    ip netns del ekc-probe
}

slurm_conf() {
    local cpus mem k
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / (NODES + 1) ))
    cat <<EOF
# Written by scripts/cluster.sh: one controller, $NODES compute nodes, each in its own network namespace.
# JobRequeue=0: a job that loses a node ends FAILED (and is resubmitted with --resume), not requeued.
ClusterName=envkit-cluster
SlurmctldHost=ctl($(addr_of ctl))
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=0
SlurmdTimeout=10
MessageTimeout=10
KillWait=5
InactiveLimit=0
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
TmpFS=/tmp
EOF
    for k in $(seq 1 "$NODES"); do
        echo "NodeName=node$k NodeAddr=$(addr_of "node$k") NodeHostname=node$k CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
}

hosts_file() {
    local n
    echo "127.0.0.1 localhost"
    for n in $(node_names); do echo "$(addr_of "$n") $n"; done
    echo "$NET.254 ekc-host"
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    munge_ok && return 0
    mkdir -p /run/munge && chown munge:munge /run/munge
    # The one-node Slurm of the tests may start munged at the same moment; the loser exits on the winner's lock,
    # so the wait below is the check.
    runuser -u munge -- munged || true
    local i
    for i in $(seq 50); do munge_ok && return 0; sleep 0.1; done
    die "munged did not start (see /var/log/munge/munged.log)"
}

net_up() {
    ip link show "$BRIDGE" >/dev/null 2>&1 || {
        ip link add "$BRIDGE" type bridge
        ip addr add "$NET.254/24" dev "$BRIDGE"
    }
    ip link set "$BRIDGE" up
    local n ns
    for n in $(node_names); do
        ns=$(ns_of "$n")
        ip netns list | grep -qw "^$ns" || ip netns add "$ns"
        if ! ip link show "v-$n" >/dev/null 2>&1; then
            ip link add "v-$n" type veth peer name eth0 netns "$ns"
            ip -n "$ns" addr add "$(addr_of "$n")/24" dev eth0
        fi
        ip link set "v-$n" master "$BRIDGE" up
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
    done
}

# Run a command as a daemon of node $1: in its network namespace, with its hostname, its /etc/hosts and
# (compute nodes) its own /tmp, all in mount and UTS namespaces of its own. nsenter, not `ip netns exec`:
# that one mounts a fresh /sys, without the /sys/fs/cgroup slurmd needs.
in_node() {
    local n=$1; shift
    nsenter --net="/run/netns/$(ns_of "$n")" unshare --uts --mount --propagation slave -- /bin/sh -c '
        set -e; n=$1; dir=$2; shift 2
        hostname "$n"
        mount --bind "$dir/hosts" /etc/hosts
        case "$n" in node*) mount -t tmpfs -o mode=1777,size=2g "tmp-$n" /tmp ;; esac
        exec "$@"' in-node "$n" "$DIR" "$@"
}

pid_alive() { [ -s "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

daemons_up() {
    local k
    if ! pid_alive "$DIR/run/slurmctld.pid"; then
        in_node ctl slurmctld -f "$CONF"
    fi
    for k in $(seq 1 "$NODES"); do
        pid_alive "$DIR/run/slurmd-node$k.pid" || in_node "node$k" slurmd -f "$CONF" -N "node$k"
    done
}

wait_idle() {
    local i states
    for i in $(seq 120); do
        states=$(SLURM_CONF="$CONF" sinfo -h -N -o "%N %T" 2>/dev/null || true)
        # up = answering: idle, or busy with jobs (mixed, allocated, completing); not down, drained or `*`
        if [ "$(grep -cE ' (idle|mixed|allocated|completing)$' <<<"$states")" = "$NODES" ]; then return 0; fi
        sleep 0.5
    done
    say "nodes not up after 60 s: ${states:-no answer from slurmctld}"
    tail -n 5 "$DIR"/log/*.log >&2 || true
    return 1
}

cmd_up() {
    preflight
    mkdir -p "$DIR"/{state,spool,run,log,shared}
    for k in $(seq 1 "$NODES"); do mkdir -p "$DIR/spool/node$k"; done
    local conf
    conf=$(slurm_conf)
    if [ -f "$CONF" ] && [ "$conf" != "$(cat "$CONF")" ] && cluster_running; then
        die "a cluster with other settings runs from $DIR: scripts/cluster.sh down first"
    fi
    printf '%s\n' "$conf" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
    # each node bind-mounts this file on its /etc/hosts: replacing it under a running node would leave the node
    # a deleted file, which ch-run cannot bind into a container; it only changes with ENVKIT_CLUSTER_NODES
    hosts_file >"$DIR/hosts.tmp"
    if cmp -s "$DIR/hosts.tmp" "$DIR/hosts"; then rm -f "$DIR/hosts.tmp"; else mv "$DIR/hosts.tmp" "$DIR/hosts"; fi
    start_munge
    net_up
    daemons_up
    sleep 1
    # nodes left DOWN by an earlier fault (`fail`, `cut`) come back once their slurmd answers again
    SLURM_CONF="$CONF" scontrol update nodename="node[1-$NODES]" state=resume >/dev/null 2>&1 || true
    wait_idle || die "the cluster did not come up (logs in $DIR/log)"
    say "up: controller ctl ($(addr_of ctl)), nodes node[1-$NODES]; export SLURM_CONF=$CONF"
}

cluster_running() { pid_alive "$DIR/run/slurmctld.pid"; }

kill_ns() {  # every process in a network namespace: daemons and job steps alike
    local ns=$1 pids i
    ip netns list | grep -qw "^$ns" || return 0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086
        kill -s "$([ "$i" -lt 4 ] && echo TERM || echo KILL)" $pids 2>/dev/null || true
        sleep 0.5
    done
}

cmd_down() {
    [ "$(id -u)" = 0 ] || die "needs root"
    local n
    for n in $(node_names | sort -r); do kill_ns "$(ns_of "$n")"; done
    for n in $(node_names); do
        ip link del "v-$n" 2>/dev/null || true
        ip netns del "$(ns_of "$n")" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    rm -f "$DIR"/run/*.pid
    say "down"
}

cmd_status() {
    local n ns up=0 rc=0
    ip link show "$BRIDGE" >/dev/null 2>&1 && echo "bridge $BRIDGE: $NET.254/24" || { echo "bridge $BRIDGE: absent"; rc=3; }
    for n in $(node_names); do
        ns=$(ns_of "$n")
        if ip netns list 2>/dev/null | grep -qw "^$ns"; then
            echo "$n: namespace $ns, $(addr_of "$n"), $(ip netns pids "$ns" 2>/dev/null | wc -l) processes"
        else
            echo "$n: absent"; rc=3
        fi
    done
    cluster_running && up=1
    echo "slurmctld: $([ $up = 1 ] && echo running || echo stopped)"
    [ $up = 1 ] || rc=3
    [ $up = 1 ] && SLURM_CONF="$CONF" sinfo -N -o "%N %T %c" 2>/dev/null || true
    return $rc
}

cmd_fail() {
    local n=${1:?fail NODE}
    [[ "$n" =~ ^node[1-9]$ ]] || die "fail: expected a node name such as node2 (got '$n')" 2
    local pids
    pids=$(ip netns pids "$(ns_of "$n")" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true  # all at once, no warning: as a node is lost
    kill_ns "$(ns_of "$n")"
    rm -f "$DIR/run/slurmd-$n.pid"
    say "$n lost: its slurmd and every process in it killed"
}

cmd_cut() {
    local n=${1:?cut NODE}
    [[ "$n" =~ ^node[1-9]$ ]] || die "cut: expected a node name such as node2 (got '$n')" 2
    ip link set "v-$n" down
    say "$n cut off (v-$n down); scripts/cluster.sh up brings it back"
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    fail) cmd_fail "${2:-}" ;;
    cut) cmd_cut "${2:-}" ;;
    *) echo "usage: scripts/cluster.sh up|down|status|env|fail NODE|cut NODE" >&2; exit 2 ;;
esac
