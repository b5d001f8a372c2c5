"""Charliecloud image metadata: build-time ARGs (host pip settings, BASH_ENV, parallelism) are removed
from `ch/metadata.json` after a build, so no host setting stays in the image.

Example:
    >>> [bool(BUILD_ONLY_ARG.match(name)) for name in ("PIP_CERT", "BASH_ENV", "PATH")]
    [True, True, False]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BUILD_ONLY_ARG = re.compile(r"^(PIP_[A-Z_]+|BASH_ENV|MAKEFLAGS|CMAKE_BUILD_PARALLEL_LEVEL|MAX_JOBS|ENVKIT_[A-Z_]+)$")


def scrub_build_args(image: Path) -> None:
    """Drop build-time ARGs from the metadata of the image folder `image` (nothing to do without one)."""
    path = image / "ch" / "metadata.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    args = meta.get("arg") or {}
    kept = {k: v for k, v in args.items() if not BUILD_ONLY_ARG.match(k)}
    if kept != args:
        meta["arg"] = kept
        from envkit.fsutil import atomic_write_text

        atomic_write_text(path, json.dumps(meta, indent=2) + "\n")
