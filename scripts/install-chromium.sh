#!/bin/sh
# Install Debian's Chromium for the browser test of `envkit docs --format html` (tests/docs, -m browser).
# Idempotent: does nothing when chromium is already on PATH. Needs root (CI containers run as root).
# Example: sh scripts/install-chromium.sh && .venv/bin/pytest -m browser tests/docs
set -eu
if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed: $(command -v chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
command -v chromium
