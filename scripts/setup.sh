#!/usr/bin/env bash
# Set up envkit on a fresh Debian 12 machine (run as root, or with sudo for the apt part).
#   bash scripts/setup.sh          # system packages + .venv with envkit and its test/train/data extras
#   bash scripts/setup.sh --light  # only the .venv with envkit itself (render, docs, validate)
set -euo pipefail
cd "$(dirname "$0")/.."
light=0
[ "${1:-}" = "--light" ] && light=1

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

if [ "$light" -eq 0 ]; then
  # Engines, MPI, scheduler and browser used by the integration tests.
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    debootstrap charliecloud charliecloud-builders squashfs-tools \
    openmpi-bin libopenmpi-dev \
    mpich \
    slurm-wlm munge libpmix-dev \
    chromium \
    >/dev/null
  # ch-image runs under the first python3 on PATH and needs lark there.
  python3 -m pip install -q lark
  /usr/bin/python3 -m pip install -q --break-system-packages lark 2>/dev/null || true
fi

python3 -m venv .venv
# torch/torchvision: this pairing runs on the CPU and is what timm and torchvision need (see README).
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ "$light" -eq 1 ]; then
  .venv/bin/pip install -q -e ".[test]"
else
  .venv/bin/pip install -q "torch==2.14.1" "torchvision==0.29.1"
  .venv/bin/pip install -q -e ".[test,train,data]"
fi
echo "envkit ready: $(.venv/bin/envkit --help >/dev/null && echo ok) (.venv/bin/envkit)"
