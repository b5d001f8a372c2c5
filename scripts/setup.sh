#!/usr/bin/env bash
# Set up envkit on a fresh Debian 12 machine (run as root, or with sudo for the apt part).
#   bash scripts/setup.sh          # system packages + .venv with envkit and its test/train/data extras
#   bash scripts/setup.sh --light  # only the .venv with envkit itself (render, docs, validate)
# It prints a few lines saying what it sets up; the tools' own output goes to a log, shown when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
light=0
[ "${1:-}" = "--light" ] && light=1

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

log="$(mktemp -t envkit-setup.XXXXXX)"
say() { printf 'envkit setup: %s\n' "$*"; }
quiet() {  # run a step, its output to the log; on failure show the log's tail and stop
  if ! "$@" >>"$log" 2>&1; then
    say "failed: $* (last lines of $log):" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

if [ "$light" -eq 0 ]; then
  say "system packages: engines, MPI, Slurm, Chromium, Python venv and pip (apt)"
  quiet $SUDO apt-get update -qq
  quiet $SUDO apt-get install -y -qq --no-install-recommends \
    debootstrap charliecloud charliecloud-builders squashfs-tools \
    podman runc \
    openmpi-bin libopenmpi-dev \
    mpich \
    slurm-wlm munge libpmix-dev \
    chromium \
    python3 python3-venv python3-pip \
    siftool umoci skopeo squashfuse fuse3 docker-registry \
    >/dev/null
  # ch-image runs under the first python3 on PATH and needs lark there.
  quiet python3 -m pip install -q lark
  /usr/bin/python3 -m pip install -q --break-system-packages lark >>"$log" 2>&1 || true
elif ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  # A stock Debian 12 has python3 but neither venv nor pip.
  say "system packages: Python venv and pip (apt)"
  quiet $SUDO apt-get update -qq
  quiet $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip
fi

say "Python environment: .venv"
quiet python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >>"$log" 2>&1 || true  # offline: keep the bundled pip
if [ "$light" -eq 1 ]; then
  say "envkit (editable) and its test tools into .venv (pip)"
  quiet .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
else
  # torch/torchvision: this pairing runs on the CPU and is what timm and torchvision need (see README).
  say "torch, envkit (editable) and its test, train and data extras into .venv (pip; first time: minutes)"
  quiet .venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.14.1" "torchvision==0.29.1"
  quiet .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,train,data,export]"
fi
quiet .venv/bin/envkit --help
rm -f "$log"
say "ready: .venv/bin/envkit"
