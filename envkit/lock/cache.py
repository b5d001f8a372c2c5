"""Fill a local wheel cache from a lock: pinned versions keep building after they leave the live index.

Every file is downloaded for the layer's platform and Python (pip download --no-deps --require-hashes, so
each is checked against the lock), into one folder a site points pip at (`pip config set global.find-links
DIR`; envkit's builds carry the host's pip settings into the build, see envkit.engines.dockerfile.pipconf).

Example:
    >>> platform_tags("x86_64-manylinux_2_36")[:2], platform_tags("x86_64-manylinux_2_36")[-1]
    (['manylinux_2_36_x86_64', 'manylinux_2_35_x86_64'], 'manylinux1_x86_64')
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.lock.files import SiteLock


def platform_tags(python_platform: str) -> list[str]:
    """Every manylinux tag a uv platform `ARCH-manylinux_2_N` accepts, newest first (PEP 600, PEP 599)."""
    arch, _, tag = python_platform.partition("-manylinux_")
    top = int(tag.split("_")[1]) if tag else 17
    tags = [f"manylinux_2_{n}_{arch}" for n in range(top, 4, -1)]
    return [*tags, f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]


def fill_cache(lock: SiteLock, folder: Path, layers: list[str] | None = None, on_line=print) -> int:
    """Download every locked file of these layers (default: all resolved) into `folder`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, layer in sorted(lock.layers.items()):
        if layers and name not in layers:
            continue
        if not layer.resolved:
            on_line(f"{name}: not resolved ({layer.why}); nothing to cache")
            continue
        if not layer.packages:
            continue
        info = lock.meta["layers"][name]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
            req.write("\n".join(layer.requirements()) + "\n")
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--quiet", "-r", req.name,
                "-d", str(folder), "--python-version", info["python"], "--implementation", "cp",
                "--index-url", lock.meta.get("python_index", "https://pypi.org/simple")]
        for tag in platform_tags(info["platform"]):
            argv += ["--platform", tag]
        on_line(f"{name}: downloading {len(layer.packages)} packages into {folder}")
        proc = subprocess.run(argv, capture_output=True, text=True)
        Path(req.name).unlink()
        if proc.returncode != 0:
            last = [line for line in proc.stderr.splitlines() if line.strip()]
            raise EnvkitError(f"pip download for {name} failed: {' '.join(last[-2:])}")
        count += len(layer.packages)
    return count
