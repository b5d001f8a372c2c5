"""Run the external tools exports use (mksquashfs, siftool, umoci, skopeo, tar) with one-line errors.

Example:
    >>> run_tool(["true"], "nothing")
    ''
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

from envkit.errors import EnvkitError

APT_PACKAGE = {"mksquashfs": "squashfs-tools", "unsquashfs": "squashfs-tools", "siftool": "siftool",
               "umoci": "umoci", "skopeo": "skopeo", "squashfuse": "squashfuse", "tar": "tar",
               "docker-registry": "docker-registry"}


def require(*tools: str) -> None:
    """EnvkitError naming the Debian package when a tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        packages = " ".join(sorted({APT_PACKAGE.get(t, t) for t in missing}))
        raise EnvkitError(f"{', '.join(missing)} not found (apt-get install {packages}, or scripts/setup.sh)")


def run_tool(argv: Sequence[str], what: str, *, env: dict[str, str | None] | None = None, timeout: float = 7200,
             nice: bool = False) -> str:
    """Run a tool, return its stdout; EnvkitError with the last stderr line when it fails (env: None unsets)."""
    full = [*(["nice", "-n", "10"] if nice and shutil.which("nice") else []), *argv]
    merged = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    try:
        proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=merged)
    except FileNotFoundError:
        require(argv[0])
        raise
    except subprocess.TimeoutExpired:
        raise EnvkitError(f"{what}: {argv[0]} took more than {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise EnvkitError(f"{what} failed ({argv[0]} exit {proc.returncode}): {tail}")
    return proc.stdout
