"""The fakeroot shim: apt and dpkg wrapped in fakeroot inside an unprivileged ch-image build.

`ch-image build --force` wraps only a RUN that names apt-get itself; envkit's RUN runs an install script,
so the script is started with BASH_ENV pointing at this shim (a build-time ARG, scrubbed afterwards, see
envkit.engines.dockerfile.chmeta), which defines apt, apt-get and dpkg as fakeroot wrappers.

Example:
    >>> 'apt-get() { fakeroot apt-get "$@"; }' in BASH_ENV_SCRIPT
    True
"""

from __future__ import annotations

# Wraps apt/dpkg in fakeroot inside a RUN script, the way `ch-image build --force` does for a
# RUN that names them; runs only at build time (BASH_ENV is a build ARG, removed afterwards).
BASH_ENV_SCRIPT = """\
# envkit: unprivileged-build workaround for Debian-family install scripts (build time only)
if [ -z "${ENVKIT_FAKEROOT_READY:-}" ] && [ -d /etc/apt/apt.conf.d ]; then
  export ENVKIT_FAKEROOT_READY=1
  grep -qs 'APT::Sandbox::User "root"' /etc/apt/apt.conf.d/* \\
    || echo 'APT::Sandbox::User "root";' > /etc/apt/apt.conf.d/no-sandbox
  command -v fakeroot > /dev/null \\
    || { command apt-get update && command apt-get install -y --no-install-recommends fakeroot; } >&2
fi
if command -v fakeroot > /dev/null; then
  apt() { fakeroot apt "$@"; }
  apt-get() { fakeroot apt-get "$@"; }
  dpkg() { fakeroot dpkg "$@"; }
  export -f apt apt-get dpkg
fi
"""
