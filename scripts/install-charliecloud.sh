#!/usr/bin/env bash
# Install what `envkit build` needs for Charliecloud on Debian 12 (idempotent; run as root or with sudo).
#   bash scripts/install-charliecloud.sh
# Installs: charliecloud (ch-run), charliecloud-builders (ch-image), debootstrap (the local debian base),
# squashfs-tools, Open MPI (the host side of the hybrid model), and the `lark` module for the python3
# that runs /usr/bin/ch-image (`#!/usr/bin/env python3`, i.e. the first python3 on PATH).
set -euo pipefail

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

pkgs=(debootstrap charliecloud charliecloud-builders squashfs-tools python3-lark openmpi-bin libopenmpi-dev)
missing=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ch-image runs under PATH's first python3, which may not be the system one (pyenv, a venv).
if ! python3 -c 'import lark' 2>/dev/null; then
  python3 -m pip install -q lark 2>/dev/null || python3 -m pip install -q --break-system-packages lark
fi

# ch-run and ch-image refuse to start without $USER (unset in some CI shells); envkit sets it for its
# own calls, this is for people running the engine by hand.
export USER="${USER:-$(id -un)}"
echo "charliecloud $(ch-run --version 2>&1) ready; ch-image: $(ch-image --version 2>&1)"
